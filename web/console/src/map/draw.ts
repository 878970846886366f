// Drawing an area to dispatch to: geoman's polygon, rectangle and circle tools, each finished
// shape handed over as the API's area (GeoJSON Polygon in [lon, lat], or a centre and radius).
import type { Lang } from "../../../shared/i18n";
import type { TaskDraft } from "../api";
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

export function enableDrawing(map: L.Map, lang: Lang, onDrawn: (drawn: Drawn) => void): void {
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
    const drawn = areaOf(event.layer);
    if (drawn) onDrawn(drawn);
    else event.layer.remove();
  });
}

function areaOf(layer: L.Layer): Drawn | null {
  if (layer instanceof L.Circle) {
    const centre = layer.getLatLng();
    const location = { lat: centre.lat, lon: centre.lng };
    return { area: { center: location, radius_m: Math.round(layer.getRadius()) }, location, layer };
  }
  if (layer instanceof L.Polygon) {
    const outer = (layer.getLatLngs() as L.LatLng[][])[0] ?? [];
    if (outer.length < 3) return null;
    const ring: Ring = closed(outer.map((p) => [round(p.lng), round(p.lat)]));
    return { area: { type: "Polygon", coordinates: [ring] }, location: centroid(ring), layer };
  }
  return null;
}

function round(degrees: number): number {
  return Math.round(degrees * 1e6) / 1e6; // about 0.1 m
}
