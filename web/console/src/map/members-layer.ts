// On-duty members (free / busy / stale) on one canvas, clustered where they are dense.
//
// A city's night is thousands of members, each moving every few seconds: one Leaflet marker per
// member (DOM or vector) costs a redraw of every marker per position, and leaflet.markercluster
// re-clusters per marker moved. Here every member is one entry in a map of projected points; a
// position only updates its entry, and the canvas is redrawn at most every REDRAW_MS (at once
// for a pan or zoom): members are binned into CELL_PX squares of the current zoom's pixel grid,
// a square holding several is drawn as one cluster (a ring split by state, the count inside),
// a lone member as a dot. Clicking a cluster zooms to its members; hovering a dot names it.
// bench/console_fps.py measures it with 5,000 members moving every second.
import type { Translate } from "../../../shared/i18n";
import type { MessageKey } from "../i18n";
import { type MemberOnMap, type MemberState, stateOf, type Store } from "../store";
import { Display } from "./datum";
import { L } from "./leaflet";

export const MEMBER_COLOURS: Record<MemberState, string> = {
  free: "#16a34a",
  busy: "#ea580c",
  stale: "#9ca3af",
};
const STATES: readonly MemberState[] = ["free", "busy", "stale"];

// Staleness is a matter of time passing, so colours are re-derived on a timer (no server call).
const RECOLOUR_EVERY_MS = 15_000;
// Positions are drawn in batches: at most this often for moves, at once for the view.
const REDRAW_MS = 250;
// The cluster grid's square, in screen pixels, and the zoom from which no one is clustered.
const CELL_PX = 64;
export const NO_CLUSTERS_FROM_ZOOM = 18;
// Neighbouring squares whose members' centres are closer than this are one cluster (a tight
// group across a square's edge is not split in two).
const MERGE_PX = CELL_PX / 2;
const ROW = 1 << 20; // cells per row of the key (zoom 17 has 2^25 / 64 = 2^19 columns)
const DOT_RADIUS = 7;
// The canvas reaches this share of the view beyond each edge, so a pan shows drawn members.
const PADDING = 0.1;

interface Placed {
  member: MemberOnMap;
  /** Displayed position (the tile layer's datum) and its world pixel at the layer's zoom. */
  at: L.LatLng;
  x: number;
  y: number;
}

interface Cluster {
  x: number; // canvas pixels
  y: number;
  radius: number;
  members: Placed[];
}

// Leaflet's own helpers for zoom animation, public in practice but not in its typings.
interface AnimatedMap {
  _latLngBoundsToNewLayerBounds(bounds: L.LatLngBounds, zoom: number, center: L.LatLng): L.Bounds;
}

class MembersCanvas extends L.Layer {
  readonly canvas = L.DomUtil.create("canvas", "members-canvas leaflet-zoom-animated");
  private drawnBounds: L.LatLngBounds | null = null;
  clusters: Cluster[] = [];
  singles: Placed[] = [];
  origin = L.point(0, 0); // world pixel of the canvas's top-left corner
  size = L.point(0, 0); // CSS pixels
  onView: () => void = () => {};

  get map(): L.Map | undefined {
    return this._map;
  }

  override onAdd(map: L.Map): this {
    this.canvas.dataset.testid = "members";
    map.getPanes().overlayPane.appendChild(this.canvas);
    map.on("moveend zoomend viewreset resize", this.onView, this);
    map.on("zoomanim", this.animateZoom, this);
    this.onView();
    return this;
  }

  override onRemove(map: L.Map): this {
    this.canvas.remove();
    map.off("moveend zoomend viewreset resize", this.onView, this);
    map.off("zoomanim", this.animateZoom, this);
    return this;
  }

  /** Places the canvas over the view (plus padding); returns its 2D context, cleared. */
  reset(map: L.Map): CanvasRenderingContext2D | null {
    const size = map.getSize();
    const pad = size.multiplyBy(PADDING).round();
    const topLeft = map.containerPointToLayerPoint(pad.multiplyBy(-1)).round();
    const full = size.add(pad.multiplyBy(2));
    this.size = full;
    const ratio = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(full.x * ratio)) {
      this.canvas.width = Math.round(full.x * ratio);
      this.canvas.style.width = `${full.x}px`;
    }
    if (this.canvas.height !== Math.round(full.y * ratio)) {
      this.canvas.height = Math.round(full.y * ratio);
      this.canvas.style.height = `${full.y}px`;
    }
    L.DomUtil.setPosition(this.canvas, topLeft);
    this.origin = map.getPixelOrigin().add(topLeft);
    this.drawnBounds = L.latLngBounds(
      map.layerPointToLatLng(topLeft),
      map.layerPointToLatLng(topLeft.add(full)),
    );
    const context = this.canvas.getContext("2d");
    context?.setTransform(ratio, 0, 0, ratio, 0, 0);
    context?.clearRect(0, 0, full.x, full.y);
    return context;
  }

  private animateZoom(event: L.ZoomAnimEvent): void {
    if (!this.drawnBounds || !this._map) return;
    const scale = this._map.getZoomScale(event.zoom);
    const offset = (this._map as unknown as AnimatedMap)._latLngBoundsToNewLayerBounds(
      this.drawnBounds,
      event.zoom,
      event.center,
    ).min;
    if (offset) L.DomUtil.setTransform(this.canvas, offset, scale);
  }
}

/** The cells' groups, neighbours whose centres are within MERGE_PX merged into one. */
function mergeNeighbours(cells: Map<number, Placed[]>): Placed[][] {
  const centre = new Map<number, { x: number; y: number; n: number }>();
  for (const [key, cell] of cells) {
    let x = 0;
    let y = 0;
    for (const entry of cell) {
      x += entry.x;
      y += entry.y;
    }
    centre.set(key, { x, y, n: cell.length });
  }
  const groups: Placed[][] = [];
  for (const [key, cell] of cells) {
    const here = centre.get(key);
    if (!here) continue; // merged into an earlier group
    centre.delete(key);
    const group = [...cell];
    for (const step of [1, ROW - 1, ROW, ROW + 1, -1, -ROW - 1, -ROW, -ROW + 1]) {
      const there = centre.get(key + step);
      if (!there) continue;
      const dx = here.x / here.n - there.x / there.n;
      const dy = here.y / here.n - there.y / there.n;
      if (dx * dx + dy * dy > MERGE_PX * MERGE_PX) continue;
      group.push(...cells.get(key + step)!);
      here.x += there.x;
      here.y += there.y;
      here.n += there.n;
      centre.delete(key + step);
    }
    groups.push(group);
  }
  return groups;
}

/** Dispatched (bubbling) on the map's container when a member's dot is clicked. */
export const MEMBER_CLICKED = "shouwang:member-clicked";

export class MembersLayer {
  private readonly canvas = new MembersCanvas();
  readonly layer: L.Layer = this.canvas;
  private readonly placed = new Map<string, Placed>();
  private display = new Display();
  private zoom: number | null = null;
  private team: string | null = null;
  private timer: number | undefined;
  private frame: number | undefined;
  private lastDrawMs = 0;
  private tooltip: L.Tooltip | null = null;
  private hovered: string | null = null;
  private counted = "";
  onCounts: (counts: Record<MemberState, number>) => void = () => {};

  constructor(
    store: Store,
    private readonly t: Translate<MessageKey>,
  ) {
    this.canvas.onView = () => {
      if (this.canvas.map && this.canvas.map.getZoom() !== this.zoom) this.reproject();
      this.drawNow();
    };
    this.canvas.on("add", () => this.listen(this.canvas.map));
    store.on("members", (members) => {
      this.placed.clear();
      for (const member of members.values()) this.place(member);
      this.schedule(true);
    });
    store.on("member", (member) => {
      this.place(member);
      this.schedule(false);
    });
    window.setInterval(() => this.schedule(true), RECOLOUR_EVERY_MS);
  }

  /** Show one team's members only (null: everyone). */
  showTeam(teamId: string | null): void {
    this.team = teamId;
    this.schedule(true);
  }

  /** The datum the map is drawn in (a GCJ-02 tile layer shifts every member on display). */
  setDisplay(display: Display): void {
    this.display = display;
    for (const entry of this.placed.values()) this.place(entry.member);
    this.schedule(true);
  }

  private shows(member: MemberOnMap): boolean {
    return this.team === null || member.team_id === this.team;
  }

  private place(member: MemberOnMap): void {
    const at = L.latLng(this.display.shown(member.lat, member.lon));
    const map = this.canvas.map;
    const point = map && this.zoom !== null ? map.project(at, this.zoom) : null;
    this.placed.set(member.member_id, {
      member,
      at,
      x: point?.x ?? 0,
      y: point?.y ?? 0,
    });
  }

  private reproject(): void {
    const map = this.canvas.map;
    if (!map) return;
    this.zoom = map.getZoom();
    for (const entry of this.placed.values()) {
      const point = map.project(entry.at, this.zoom);
      entry.x = point.x;
      entry.y = point.y;
    }
  }

  // Moves are batched (at most one redraw every REDRAW_MS); the rest waits for the next frame.
  private schedule(soon: boolean): void {
    if (this.frame !== undefined || this.timer !== undefined) return;
    const wait = soon ? 0 : Math.max(0, this.lastDrawMs + REDRAW_MS - performance.now());
    const draw = () => {
      this.timer = undefined;
      this.frame = requestAnimationFrame(() => {
        this.frame = undefined;
        this.drawNow();
      });
    };
    if (wait === 0) draw();
    else this.timer = window.setTimeout(draw, wait);
  }

  private drawNow(): void {
    const map = this.canvas.map;
    if (!map) return;
    if (this.zoom === null) this.reproject();
    this.lastDrawMs = performance.now();
    const context = this.canvas.reset(map);
    const origin = this.canvas.origin;
    const { x: width, y: height } = this.canvas.size;
    const now = Date.now();
    const counts: Record<MemberState, number> = { free: 0, busy: 0, stale: 0 };
    const cells = new Map<number, Placed[]>();
    const clustering = map.getZoom() < NO_CLUSTERS_FROM_ZOOM;
    const singles: Placed[] = [];
    for (const entry of this.placed.values()) {
      if (!this.shows(entry.member)) continue;
      counts[stateOf(entry.member, now)] += 1;
      const x = entry.x - origin.x;
      const y = entry.y - origin.y;
      if (x < -CELL_PX || y < -CELL_PX || x > width + CELL_PX || y > height + CELL_PX) continue;
      if (!clustering) {
        singles.push(entry);
        continue;
      }
      // Cells of the world pixel grid, so panning does not regroup anyone.
      const key = Math.floor(entry.y / CELL_PX) * ROW + Math.floor(entry.x / CELL_PX);
      const cell = cells.get(key);
      if (cell) cell.push(entry);
      else cells.set(key, [entry]);
    }
    const clusters: Cluster[] = [];
    for (const group of mergeNeighbours(cells)) {
      if (group.length === 1) {
        singles.push(group[0]!);
        continue;
      }
      let sx = 0;
      let sy = 0;
      for (const entry of group) {
        sx += entry.x;
        sy += entry.y;
      }
      clusters.push({
        x: sx / group.length - origin.x,
        y: sy / group.length - origin.y,
        radius: 13 + Math.min(11, Math.log2(group.length) * 2.2),
        members: group,
      });
    }
    this.canvas.clusters = clusters;
    this.canvas.singles = singles;
    if (context) {
      this.drawSingles(context, singles, origin, now);
      for (const cluster of clusters) this.drawCluster(context, cluster, now);
    }
    const element = this.canvas.canvas;
    element.dataset.clusters = String(clusters.length);
    element.dataset.singles = String(singles.length);
    element.dataset.largest = String(Math.max(0, ...clusters.map((c) => c.members.length)));
    const said = `${counts.free} ${counts.busy} ${counts.stale}`;
    if (said !== this.counted) this.onCounts(counts); // the legend is rebuilt only on a change
    this.counted = said;
  }

  private drawSingles(
    context: CanvasRenderingContext2D,
    singles: Placed[],
    origin: L.Point,
    now: number,
  ): void {
    context.lineWidth = 1.5;
    context.strokeStyle = "#ffffff";
    // One path per colour: a few fills instead of one per member.
    for (const state of STATES) {
      context.beginPath();
      for (const entry of singles) {
        if (stateOf(entry.member, now) !== state) continue;
        const x = entry.x - origin.x;
        const y = entry.y - origin.y;
        context.moveTo(x + DOT_RADIUS, y);
        context.arc(x, y, DOT_RADIUS, 0, Math.PI * 2);
      }
      context.fillStyle = MEMBER_COLOURS[state];
      context.globalAlpha = 0.95;
      context.fill();
      context.globalAlpha = 1;
      context.stroke();
    }
  }

  private drawCluster(context: CanvasRenderingContext2D, cluster: Cluster, now: number): void {
    const { x, y, radius, members } = cluster;
    const counts: Record<MemberState, number> = { free: 0, busy: 0, stale: 0 };
    for (const entry of members) counts[stateOf(entry.member, now)] += 1;
    // A ring split by state (free / busy / stale, clockwise from the top), the count inside.
    let start = -Math.PI / 2;
    context.lineWidth = 5;
    for (const state of STATES) {
      if (!counts[state]) continue;
      const end = start + (counts[state] / members.length) * Math.PI * 2;
      context.beginPath();
      context.arc(x, y, radius - 2.5, start, end);
      context.strokeStyle = MEMBER_COLOURS[state];
      context.stroke();
      start = end;
    }
    context.beginPath();
    context.arc(x, y, radius - 5, 0, Math.PI * 2);
    context.fillStyle = "rgba(255,255,255,0.92)";
    context.fill();
    context.fillStyle = "#111827";
    context.font = "bold 12px system-ui, sans-serif";
    context.textAlign = "center";
    context.textBaseline = "middle";
    context.fillText(String(members.length), x, y + 0.5);
  }

  // Clicks and hovers are hit-tested against what was drawn last (the canvas takes no events).
  private listen(map: L.Map | undefined): void {
    if (!map) return;
    map.on("click", (event: L.LeafletMouseEvent) => {
      if (map.pm?.globalDrawModeEnabled()) return; // a vertex of a drawing, not a zoom
      const single = this.singleAt(map, event.containerPoint);
      if (single) {
        // Whoever acts on a member listens (the live call's "watch live", live/).
        const detail = { memberId: single.member.member_id };
        map
          .getContainer()
          .dispatchEvent(new CustomEvent(MEMBER_CLICKED, { bubbles: true, detail }));
        return;
      }
      const cluster = this.clusterAt(map, event.containerPoint);
      if (!cluster) return;
      const bounds = L.latLngBounds(cluster.members.map((entry) => entry.at));
      const zoom = Math.min(
        Math.max(map.getBoundsZoom(bounds.pad(0.3)), map.getZoom() + 1),
        map.getMaxZoom(),
      );
      map.setView(bounds.getCenter(), zoom);
    });
    let queued: L.Point | null = null;
    map.on("mousemove", (event: L.LeafletMouseEvent) => {
      if (queued === null)
        requestAnimationFrame(() => {
          if (queued) this.hover(map, queued);
          queued = null;
        });
      queued = event.containerPoint;
    });
    map.on("mouseout zoomstart", () => this.hover(map, null));
  }

  private toCanvas(map: L.Map, point: L.Point): L.Point {
    return map
      .containerPointToLayerPoint(point)
      .add(map.getPixelOrigin())
      .subtract(this.canvas.origin);
  }

  private clusterAt(map: L.Map, point: L.Point): Cluster | null {
    const p = this.toCanvas(map, point);
    return (
      this.canvas.clusters.find((c) => (c.x - p.x) ** 2 + (c.y - p.y) ** 2 <= c.radius ** 2) ?? null
    );
  }

  private singleAt(map: L.Map, point: L.Point): Placed | null {
    const p = this.toCanvas(map, point).add(this.canvas.origin);
    let best = (DOT_RADIUS + 2) ** 2;
    let found: Placed | null = null;
    for (const entry of this.canvas.singles) {
      const d = (entry.x - p.x) ** 2 + (entry.y - p.y) ** 2;
      if (d <= best) {
        best = d;
        found = entry;
      }
    }
    return found;
  }

  private hover(map: L.Map, point: L.Point | null): void {
    const found = point ? this.singleAt(map, point) : null;
    const cluster = point && !found ? this.clusterAt(map, point) : null;
    map.getContainer().classList.toggle("over-member", Boolean(found || cluster));
    if (!found) {
      this.tooltip?.remove();
      this.tooltip = null;
      this.hovered = null;
      return;
    }
    const member = found.member;
    if (this.hovered === member.member_id && this.tooltip) return;
    this.hovered = member.member_id;
    const label = `${member.name || member.member_id} · ${this.t(`member.${stateOf(member, Date.now())}`)}`;
    this.tooltip?.remove();
    this.tooltip = L.tooltip({ direction: "top", offset: [0, -6], className: "member-tooltip" })
      .setLatLng(found.at)
      .setContent(label)
      .addTo(map);
  }
}
