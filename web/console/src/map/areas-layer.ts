// The city's grids (three levels, finer ones lighter) and the tasks in view with their areas.
import type { Grid } from "../api";
import { FINISHED, type Store, type TaskOnMap } from "../store";
import { Display } from "./datum";
import { L } from "./leaflet";

type TaskArea = TaskOnMap["area"];
type CircleArea = Extract<TaskArea, { radius_m: number }>;

function isCircle(area: TaskArea): area is CircleArea {
  return typeof (area as { radius_m?: unknown }).radius_m === "number";
}

const GRID_STYLES: Record<number, L.PathOptions> = {
  1: { color: "#1e3a8a", weight: 2.5, fill: false },
  2: { color: "#2563eb", weight: 1.5, dashArray: "6 4", fill: false },
  3: { color: "#60a5fa", weight: 1, dashArray: "2 4", fill: false },
};

const PRIORITY_COLOURS: Record<number, string> = { 1: "#dc2626", 2: "#d97706", 3: "#0891b2" };

export function gridsLayer(grids: Grid[], display: Display = new Display()): L.GeoJSON {
  return L.geoJSON(
    { type: "FeatureCollection", features: grids } as unknown as GeoJSON.FeatureCollection,
    {
      // Drawn in the tiles' datum (shifted on a GCJ-02 tile layer); the API's are WGS-84.
      coordsToLatLng: ([lon, lat]) => L.latLng(display.shown(lat!, lon!)),
      style: (feature) => GRID_STYLES[Number(feature?.properties?.level)] ?? GRID_STYLES[3]!,
      onEachFeature: (feature, layer) => {
        layer.bindTooltip(String(feature.properties?.name ?? ""), { sticky: true });
      },
    },
  );
}

export class TasksLayer {
  readonly layer = L.layerGroup();
  private readonly shapes = new Map<string, L.Layer>();
  private display = new Display();
  onSelect: (taskId: string) => void = () => {};

  constructor(private readonly store: Store) {
    store.on("tasks", (tasks) => {
      for (const task of tasks.values()) this.draw(task);
    });
    store.on("task", (task) => this.draw(task));
  }

  /** The datum the map is drawn in: every task is drawn again, shifted if need be. */
  setDisplay(display: Display): void {
    this.display = display;
    for (const task of this.store.tasks.values()) this.draw(task);
  }

  private draw(task: TaskOnMap): void {
    this.shapes.get(task.task_id)?.remove();
    this.shapes.delete(task.task_id);
    if (FINISHED.has(task.status)) return;
    const colour = PRIORITY_COLOURS[task.priority] ?? "#d97706";
    const style: L.PathOptions = { color: colour, weight: 2, fillOpacity: 0.12 };
    const group = L.featureGroup();
    const area = task.area;
    if (isCircle(area)) {
      const centre = this.display.shown(area.center.lat, area.center.lon);
      L.circle(centre, { radius: area.radius_m, ...style }).addTo(group);
    } else {
      const rings = area.coordinates.map((ring) => this.display.shownRing(ring));
      L.polygon(rings, style).addTo(group);
    }
    L.circleMarker(this.display.shown(task.location.lat, task.location.lon), {
      radius: 6,
      color: colour,
      fillColor: "#ffffff",
      fillOpacity: 1,
      weight: 3,
    }).addTo(group);
    group.bindTooltip(task.title, { sticky: true });
    group.on("click", () => this.onSelect(task.task_id));
    group.addTo(this.layer);
    this.shapes.set(task.task_id, group);
  }
}
