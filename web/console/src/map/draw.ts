// Drawing an area to dispatch to: geoman's polygon, rectangle and circle tools, each finished
// shape handed over as the API's area (GeoJSON Polygon in [lon, lat], or a centre and radius).
import type { Lang } from "../../../shared/i18n";
import type { TaskDraft } from "../api";
import { Display } from "./datum";
import { centroid, closed, type LatLon, type Ring } from "./geometry";
import "./geoman";
import { L } from "./leaflet";

export type DrawnArea = NonNullable<TaskDraft["area"]>;

export interface Drawn {
  area: DrawnArea;
  /** Where the task happens: the circle's centre or the polygon's centroid. */
  location: LatLon;
  /** The drawn layer, to remove once the dispatch is sent or abandoned. */
  layer: L.Layer;
}

/** `display()` is the map's datum when a shape is finished: a GCJ-02 tile layer's shapes are
 * shifted back to WGS-84 before the API sees them. */
export function enableDrawing(
  map: L.Map,
  lang: Lang,
  onDrawn: (drawn: Drawn) => void,
  display: () => Display = () => new Display(),
): void {
  map.pm.setLang(lang === "en" ? "en" : "zh");
  map.pm.addControls({
    position: "topleft",
    drawPolygon: true,
    drawRectangle: true,
    drawCircle: true,
    drawMarker: false,
    drawCircleMarker: false,
    drawPolyline: false,
    drawText: false,
    editMode: false,
    dragMode: false,
    cutPolygon: false,
    removalMode: false,
    rotateMode: false,
  });
  map.pm.setGlobalOptions({ pathOptions: { color: "#7c3aed", weight: 2, fillOpacity: 0.1 } });
  map.on("pm:create", (event) => {
    const drawn = areaOf(event.layer, display());
    if (drawn) onDrawn(drawn);
    else event.layer.remove();
  });
}

function areaOf(layer: L.Layer, display: Display): Drawn | null {
  if (layer instanceof L.Circle) {
    const centre = layer.getLatLng();
    const [lat, lon] = display.actual(centre.lat, centre.lng);
    const location = { lat: round(lat), lon: round(lon) };
    return { area: { center: location, radius_m: Math.round(layer.getRadius()) }, location, layer };
  }
  if (layer instanceof L.Polygon) {
    const outer = (layer.getLatLngs() as L.LatLng[][])[0] ?? [];
    if (outer.length < 3) return null;
    const ring: Ring = closed(
      outer.map((p) => {
        const [lat, lon] = display.actual(p.lat, p.lng);
        return [round(lon), round(lat)];
      }),
    );
    return { area: { type: "Polygon", coordinates: [ring] }, location: centroid(ring), layer };
  }
  return null;
}

function round(degrees: number): number {
  return Math.round(degrees * 1e6) / 1e6; // about 0.1 m
}
