// Members on duty per grid, drawn as a count in each grid of the finest level shown. Counted in
// the browser from the positions the map already has, so a moving member changes the numbers
// without any call to the server; recounts are batched (at most one every RECOUNT_MS).
import type { Grid } from "../api";
import type { Store } from "../store";
import { Display } from "./datum";
import { insideRing, type Ring } from "./geometry";
import { L } from "./leaflet";

const RECOUNT_MS = 2000;

interface CountedGrid {
  gridId: string;
  ring: Ring;
  bounds: L.LatLngBounds;
  label: L.Marker;
}

export class GridCounts {
  readonly layer = L.layerGroup();
  private grids: CountedGrid[] = [];
  private timer: number | undefined;

  constructor(private readonly store: Store) {
    store.on("members", () => this.schedule());
    store.on("member", () => this.schedule());
  }

  /** Grids counted in WGS-84 like the members; labels placed in the map's datum. */
  setGrids(grids: Grid[], display: Display = new Display()): void {
    this.layer.clearLayers();
    const finest = Math.max(0, ...grids.map((g) => g.properties.level));
    this.grids = grids
      .filter((g) => g.properties.level === finest)
      .map((g) => {
        const ring = (g.geometry.coordinates[0] ?? []) as Ring;
        const bounds = L.latLngBounds(ring.map(([lon, lat]) => [lat, lon] as [number, number]));
        // In the grid's north-west corner, clear of the members around its centre.
        const corner = bounds.getNorthWest();
        const label = L.marker(display.shown(corner.lat, corner.lng), {
          icon: L.divIcon({
            className: "grid-count",
            html: "0",
            iconSize: [28, 18],
            iconAnchor: [-4, -4],
          }),
          interactive: false,
          keyboard: false,
        });
        label.getElement()?.setAttribute("data-grid-id", g.properties.grid_id);
        label.addTo(this.layer);
        return { gridId: g.properties.grid_id, ring, bounds, label };
      });
    this.recount();
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = window.setTimeout(() => {
      this.timer = undefined;
      this.recount();
    }, RECOUNT_MS);
  }

  private recount(): void {
    for (const grid of this.grids) {
      let count = 0;
      for (const member of this.store.members.values()) {
        if (grid.bounds.contains([member.lat, member.lon]) && insideRing(member, grid.ring))
          count += 1;
      }
      const element = grid.label.getElement();
      if (element) {
        element.textContent = String(count);
        element.dataset.gridId = grid.gridId;
        element.classList.toggle("empty", count === 0);
      }
    }
  }
}
