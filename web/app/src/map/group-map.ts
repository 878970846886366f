// The map of the member's groups (画图作战) on the duty screen: what officers drew on the maps of
// the groups the member is in — lines and arrows, areas, labelled points, each in its colour —
// with the member's own position, on a plain background like the app's other maps. Live: a
// drawing pushed on /stream appears, a deleted one disappears (groups/group-drawings.ts). Hidden
// while there is nothing drawn.
import * as L from "leaflet";
import { h } from "../../../shared/dom";
import { DrawingsLayer, type DrawnFeature } from "../../../shared/drawings-layer";
import type { AppContext } from "../context";
import type { GroupDrawings } from "../groups/group-drawings";
import "./group-map.css";

export class GroupMap {
  readonly element: HTMLElement;
  private readonly box = h("div", { class: "group-map", "data-testid": "group-map" });
  private readonly layer = new DrawingsLayer();
  private map: L.Map | null = null;
  private me: L.CircleMarker | null = null;
  private fitted = false;

  constructor(
    private readonly ctx: AppContext,
    drawings: GroupDrawings,
  ) {
    this.element = h(
      "section",
      { class: "group-map-card", hidden: true, "data-testid": "group-map-card" },
      h("h3", {}, ctx.t("map.group_drawings")),
      this.box,
    );
    drawings.listen((all, change) => this.update(all, change));
    ctx.store.on("fix", () => this.drawMe());
  }

  /** The duty screen was shown: Leaflet measures its box only when it is in view. */
  shown(): void {
    if (this.map) this.map.invalidateSize();
    else if (this.layer.size) this.ensure();
  }

  private update(all: DrawnFeature[], change: DrawnFeature | null): void {
    if (change === null) this.layer.set(all);
    else if (change.deleted) this.layer.remove(change.drawing_id);
    else this.layer.add(change);
    this.element.hidden = this.layer.size === 0;
    this.element.dataset.drawings = String(this.layer.size);
    if (this.element.hidden) return;
    const map = this.ensure();
    // Follow what officers draw: fit to the drawings when they are first shown and whenever a
    // new one arrives; a deletion leaves the view where the member put it.
    if (map && (!this.fitted || (change && !change.deleted))) this.fit(map);
  }

  private ensure(): L.Map | null {
    if (this.map) return this.map;
    if (!this.box.isConnected || this.element.hidden) return null;
    const map = L.map(this.box, { attributionControl: false, zoomControl: true });
    this.layer.layer.addTo(map);
    this.map = map;
    this.drawMe();
    this.fit(map);
    return map;
  }

  private fit(map: L.Map): void {
    const bounds = this.layer.bounds();
    if (!bounds.isValid()) return;
    map.invalidateSize();
    map.fitBounds(bounds.pad(0.2), { maxZoom: 17, animate: false });
    this.fitted = true;
  }

  private drawMe(): void {
    const fix = this.ctx.store.lastFix;
    if (!fix || !this.map) return;
    this.me ??= L.circleMarker([fix.lat, fix.lon], { radius: 8, className: "me-dot" }).addTo(
      this.map,
    );
    this.me.setLatLng([fix.lat, fix.lon]);
  }
}
