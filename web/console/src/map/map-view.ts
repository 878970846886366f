// The live map: grids, tasks with their areas and on-duty members on a plain background (no
// tiles, so it works offline) or on the tile layer the deployment configures (/config.json: a
// URL template and its datum; a GCJ-02 layer shifts every overlay on display, see datum.ts),
// the drawing tools, and a side panel for dispatch and the task selected.
import { h, replaceChildren } from "../../../shared/dom";
import type { Lang, Translate } from "../../../shared/i18n";
import type { Api } from "../api";
import type { MessageKey } from "../i18n";
import type { MemberState, Store } from "../store";
import { dispatchForm } from "../tasks/dispatch-form";
import { TaskPanel } from "../tasks/task-panel";
import { gridsLayer, TasksLayer } from "./areas-layer";
import { CoverageLayer } from "./coverage-layer";
import { Display, parseDatum } from "./datum";
import { type Drawn, enableDrawing } from "./draw";
import { GridCounts } from "./grid-counts";
import { L } from "./leaflet";
import { MEMBER_COLOURS, MembersLayer } from "./members-layer";
import { ReportsLayer } from "./reports-layer";

// Rui'an's centre, where the map opens before it knows the officer's grids or members.
const DEFAULT_CENTRE: L.LatLngTuple = [27.78, 120.65];

/** The map's part of the console's /config.json, which the gateway serves from its settings. */
interface MapConfig {
  tiles: {
    url: string;
    crs: string;
    subdomains?: string;
    attribution?: string;
    max_zoom?: number;
  } | null;
}

export class MapView {
  readonly element: HTMLElement;
  private readonly map: L.Map;
  private readonly side = h("aside", { class: "side" });
  private readonly legend = h("div", { class: "legend", "data-testid": "legend" });
  private readonly taskPanel: TaskPanel;
  private readonly reports: ReportsLayer;
  private readonly teams = h("select", { name: "team", class: "team-filter" });
  private grids: L.GeoJSON | null = null;
  private readonly gridCounts: GridCounts;
  private drawn: Drawn | null = null;
  private fitted = false;
  private readonly members: MembersLayer;
  private readonly tasks: TasksLayer;
  private configured: Promise<void> | null = null;
  /** The datum overlays are drawn in: WGS-84 unless a GCJ-02 tile layer is configured. */
  display = new Display();

  constructor(
    private readonly api: Api,
    private readonly store: Store,
    private readonly t: Translate<MessageKey>,
    lang: Lang,
  ) {
    const container = h("div", { class: "map", id: "map" });
    this.element = h("section", { class: "view map-view" }, container, this.side);
    this.map = L.map(container, {
      zoomControl: true,
      attributionControl: false,
      preferCanvas: false,
    });
    this.map.setView(DEFAULT_CENTRE, 14);
    // Where the map looks, in its own datum (tests place points on the screen with it).
    this.map.on("moveend", () => {
      const centre = this.map.getCenter();
      container.dataset.center = `${centre.lat},${centre.lng}`;
      container.dataset.zoom = String(this.map.getZoom());
    });
    const members = new MembersLayer(store, t);
    this.members = members;
    members.onCounts = (counts) => this.drawLegend(counts);
    this.gridCounts = new GridCounts(store);
    this.gridCounts.layer.addTo(this.map);
    this.reports = new ReportsLayer(t);
    this.reports.layer.addTo(this.map);
    this.teams.addEventListener("change", () => members.showTeam(this.teams.value || null));
    const teamControl = new L.Control({ position: "topright" });
    teamControl.onAdd = () => {
      const box = h("div", { class: "map-box" }, this.teams);
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    teamControl.addTo(this.map);
    const tasks = new TasksLayer(store);
    this.tasks = tasks;
    tasks.onSelect = (taskId) => store.select(taskId);
    tasks.layer.addTo(this.map);
    members.layer.addTo(this.map);
    new CoverageLayer(api, store, (lat, lon) => this.display.shown(lat, lon)).addTo(this.map);
    const legendControl = new L.Control({ position: "bottomleft" });
    legendControl.onAdd = () => this.legend;
    legendControl.addTo(this.map);
    enableDrawing(
      this.map,
      lang,
      (drawn) => this.startDispatch(drawn),
      () => this.display,
    );
    this.taskPanel = new TaskPanel(api, store, t, lang, () => store.select(null));
    store.on("selected", (taskId) => this.showSide(taskId));
    store.on("members", () => this.fitOnce());
    this.showSide(null);
  }

  /** Another screen's layer on the live map too (the open group's drawings, drawings-layer.ts). */
  overlay(layer: L.Layer): void {
    layer.addTo(this.map);
  }

  /** Leaflet measures its container: call when the view becomes visible. */
  shown(): void {
    this.map.invalidateSize();
  }

  async load(): Promise<void> {
    this.configured ??= this.configure().catch(() => {}); // offline when unreadable
    const [, grids, members, tasks, orgs] = await Promise.all([
      this.configured,
      this.api.allGrids(),
      this.api.liveMembers([-180, -90, 180, 90]),
      this.api.tasks({ limit: 200 }),
      this.api.allOrgs(),
    ]);
    const chosen = this.teams.value;
    replaceChildren(
      this.teams,
      h("option", { value: "" }, this.t("map.all_teams")),
      ...orgs
        .filter((org) => org.kind === "team")
        .map((team) =>
          h("option", { value: team.org_id, selected: team.org_id === chosen }, team.name),
        ),
    );
    await this.loadReports();
    this.grids?.remove();
    this.grids = gridsLayer(grids, this.display).addTo(this.map);
    this.grids.bringToBack();
    this.gridCounts.setGrids(grids, this.display);
    this.store.replaceMembers(members.features);
    this.store.setTasks(tasks.tasks);
  }

  /** Pending reports, again after the stream told of a new one or a decision. */
  async loadReports(): Promise<void> {
    const pending = await this.api.reports({ status: "pending" });
    this.reports.show(pending.reports);
  }

  /** The tile layer, if the deployment configured one, and the datum overlays are drawn in. */
  private async configure(): Promise<void> {
    const response = await fetch("config.json", { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const config = (await response.json()) as { map?: MapConfig };
    const tiles = config.map?.tiles;
    if (!tiles?.url) return;
    const layer = L.tileLayer(tiles.url, {
      subdomains: tiles.subdomains || "abc",
      maxZoom: tiles.max_zoom ?? 18,
      attribution: tiles.attribution ?? "",
      crossOrigin: false,
    });
    layer.addTo(this.map);
    layer.bringToBack();
    if (tiles.attribution) L.control.attribution({ prefix: false }).addTo(this.map);
    this.display = new Display(parseDatum(tiles.crs));
    this.map.getContainer().dataset.datum = this.display.datum;
    this.members.setDisplay(this.display);
    this.tasks.setDisplay(this.display);
    this.reports.setDisplay(this.display);
  }

  private fitOnce(): void {
    if (this.fitted) return;
    const points = [...this.store.members.values()].map((m) =>
      L.latLng(this.display.shown(m.lat, m.lon)),
    );
    const bounds = this.grids?.getBounds();
    const target = bounds?.isValid() ? bounds : points.length ? L.latLngBounds(points) : null;
    if (!target) return;
    this.fitted = true;
    // Tests place points from the map's view: they wait for this first fit to have ended.
    this.map.once("moveend", () => (this.map.getContainer().dataset.fitted = "true"));
    this.map.fitBounds(target.pad(0.2), { maxZoom: 16 });
  }

  private startDispatch(drawn: Drawn): void {
    this.drawn?.layer.remove();
    this.drawn = drawn;
    this.store.select(null);
    const finish = () => {
      drawn.layer.remove();
      if (this.drawn === drawn) this.drawn = null;
    };
    replaceChildren(
      this.side,
      dispatchForm({
        api: this.api,
        store: this.store,
        t: this.t,
        drawn,
        onDispatched: (task) => {
          finish();
          this.store.setTask(task);
          this.store.select(task.task_id);
        },
        onAbandoned: () => {
          finish();
          this.showSide(null);
        },
      }),
    );
  }

  private showSide(taskId: string | null): void {
    if (taskId) {
      this.taskPanel.show(taskId);
      replaceChildren(this.side, this.taskPanel.element);
    } else if (!this.drawn) {
      replaceChildren(
        this.side,
        h(
          "div",
          { class: "panel hint" },
          h("h2", {}, this.t("map.title")),
          h("p", {}, this.t("map.hint")),
        ),
      );
    }
  }

  private drawLegend(counts: Record<MemberState, number>): void {
    replaceChildren(
      this.legend,
      ...(Object.keys(MEMBER_COLOURS) as MemberState[]).map((state) =>
        h(
          "span",
          { class: "legend-item", "data-state": state },
          h("i", { style: `background:${MEMBER_COLOURS[state]}` }),
          `${this.t(`member.${state}`)} `,
          h("b", {}, String(counts[state])),
        ),
      ),
    );
  }
}
