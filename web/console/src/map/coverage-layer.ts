// Coverage on the map: when switched on, cells over the city's grids shaded by how fast the
// nearest free member of the officer's scope could get there (1 / 3 / 5 minutes, on foot or by
// e-bike, from /live/coverage), and the grids with gaps listed, least covered first. It follows
// the live map: positions and task changes from the stream (through the store) ask for a fresh
// picture, at most one every REFRESH_MS — never a timer of its own while nothing moves.
import { h, replaceChildren } from "../../../shared/dom";
import type { Api, CoverageMap } from "../api";
import type { Store } from "../store";
import { st } from "../stats/messages";
import "./coverage-layer.css";
import { L } from "./leaflet";

const REFRESH_MS = 3000;
/** Shading by reach: within 1, 3, 5 minutes, and beyond (or nobody). */
const BANDS: { upTo: number; colour: string; minutes: 1 | 3 | 5 | null }[] = [
  { upTo: 60, colour: "#15803d", minutes: 1 },
  { upTo: 180, colour: "#84cc16", minutes: 3 },
  { upTo: 300, colour: "#facc15", minutes: 5 },
  { upTo: Infinity, colour: "#ef4444", minutes: null },
];

export function colourOf(reachS: number | null): string {
  if (reachS === null) return BANDS[BANDS.length - 1]!.colour;
  return BANDS.find((band) => reachS <= band.upTo)!.colour;
}

type Shift = (lat: number, lon: number) => [number, number];

export class CoverageLayer {
  readonly layer = L.layerGroup();
  private readonly renderer = L.canvas({ padding: 0.1 });
  private readonly toggle = h("input", { type: "checkbox", name: "coverage" });
  private readonly minutes = h("select", { name: "coverage-minutes" });
  private readonly mode = h("select", { name: "coverage-mode" });
  private readonly gaps = h("div", { class: "coverage-gaps", "data-testid": "coverage-gaps" });
  private readonly box: HTMLElement;
  private map: L.Map | null = null;
  private names: Map<string, string> | null = null;
  private timer: number | undefined;
  private loading: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly api: Api,
    store: Store,
    private readonly shift: Shift = (lat, lon) => [lat, lon],
  ) {
    replaceChildren(
      this.minutes,
      ...[1, 3, 5].map((m) =>
        h("option", { value: m, selected: m === 3 }, st("coverage.minutes", { minutes: m })),
      ),
    );
    replaceChildren(
      this.mode,
      h("option", { value: "walk" }, st("coverage.walk")),
      h("option", { value: "ebike" }, st("coverage.ebike")),
    );
    for (const input of [this.toggle, this.minutes, this.mode]) {
      input.addEventListener("change", () => void this.switched());
    }
    this.box = h(
      "div",
      { class: "map-box coverage-box", "data-testid": "coverage" },
      h("label", { class: "check" }, this.toggle, ` ${st("coverage.toggle")}`),
      h("div", { class: "coverage-options" }, this.minutes, this.mode),
      h(
        "div",
        { class: "coverage-legend" },
        ...BANDS.map((band) =>
          h(
            "span",
            {},
            h("i", { style: `background:${band.colour}` }),
            band.minutes
              ? `≤ ${st("coverage.minutes", { minutes: band.minutes })}`
              : st("coverage.legend_none"),
          ),
        ),
      ),
      this.gaps,
    );
    this.box.classList.add("off");
    for (const topic of ["members", "member", "task"] as const) {
      store.on(topic, () => this.schedule());
    }
  }

  addTo(map: L.Map): this {
    this.map = map;
    const control = new L.Control({ position: "topright" });
    control.onAdd = () => {
      L.DomEvent.disableClickPropagation(this.box);
      L.DomEvent.disableScrollPropagation(this.box);
      return this.box;
    };
    control.addTo(map);
    return this;
  }

  private get on(): boolean {
    return this.toggle.checked;
  }

  private async switched(): Promise<void> {
    this.box.classList.toggle("off", !this.on);
    if (!this.on) {
      window.clearTimeout(this.timer);
      this.timer = undefined;
      this.layer.remove();
      this.gaps.replaceChildren();
      return;
    }
    if (this.map) this.layer.addTo(this.map);
    await this.refresh();
  }

  /** A change on the map: refresh once the changes have settled for a moment. */
  private schedule(): void {
    if (!this.on || this.timer !== undefined) return;
    // Another screen is shown: the next change after the map is back refreshes it.
    if (this.map && this.map.getContainer().offsetParent === null) return;
    this.timer = window.setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, REFRESH_MS);
  }

  private refresh(): Promise<void> {
    if (this.loading) {
      this.again = true; // one more after the one under way, not one per change
      return this.loading;
    }
    this.loading = this.load()
      .catch(() => {})
      .finally(() => {
        this.loading = null;
        if (this.again && this.on) {
          this.again = false;
          this.schedule();
        }
      });
    return this.loading;
  }

  private async load(): Promise<void> {
    const minutes = Number(this.minutes.value) as 1 | 3 | 5;
    const mode = this.mode.value === "ebike" ? "ebike" : "walk";
    const [coverage] = await Promise.all([this.api.coverage(minutes, mode), this.loadNames()]);
    if (!this.on) return;
    this.draw(coverage);
  }

  private async loadNames(): Promise<void> {
    if (this.names) return;
    const grids = await this.api.allGrids();
    this.names = new Map(grids.map((g) => [g.properties.grid_id, g.properties.name]));
  }

  private draw(coverage: CoverageMap): void {
    this.layer.clearLayers();
    for (const cell of coverage.features) {
      const ring = cell.geometry.coordinates[0] ?? [];
      const corners = ring.map(([lon, lat]) => this.shift(lat!, lon!));
      L.polygon(corners, {
        renderer: this.renderer,
        stroke: false,
        fillColor: colourOf(cell.properties.reach_s),
        fillOpacity: cell.properties.reach_s === null ? 0.25 : 0.4,
        interactive: false,
      }).addTo(this.layer);
    }
    this.box.dataset.cells = String(coverage.features.length);
    const gaps = Object.entries(coverage.by_grid)
      .filter(([, share]) => share < 1)
      .sort(([a, x], [b, y]) => x - y || a.localeCompare(b));
    replaceChildren(
      this.gaps,
      h("b", {}, st("coverage.gaps")),
      h("small", { class: "muted" }, ` ${st("coverage.cells", { metres: coverage.cell_m })}`),
      gaps.length
        ? h(
            "ol",
            {},
            ...gaps.map(([gridId, share]) =>
              h(
                "li",
                { "data-grid-id": gridId },
                `${this.names?.get(gridId) ?? gridId} · `,
                st("coverage.share", { percent: Math.round(share * 100) }),
              ),
            ),
          )
        : h("p", { class: "muted" }, st("coverage.no_gaps")),
    );
  }
}
