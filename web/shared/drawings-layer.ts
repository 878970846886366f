// A group's map drawings (画图作战) as Leaflet layers, for the console and the patroller app:
// GeoJSON Features (lines — arrows are lines —, areas and labelled points) drawn by officers, in
// their colour, added and removed live as shouwang.group.drawing arrives. Each drawn element
// carries data-drawing-id, so a page (and its tests) can find a drawing on the map.
import * as L from "leaflet";

export interface DrawnFeature {
  drawing_id: string;
  feature: { [key: string]: unknown };
  deleted?: boolean;
}

/** What /stream pushes as shouwang.group.drawing (protobuf JSON: zero values left out). */
export interface DrawingEvent {
  group_id?: string;
  drawing_id?: string;
  change?: string; // added | deleted
  feature_geojson?: string;
}

const DEFAULT_COLOR = "#dc2626";

/** The drawing a pushed event adds, or the id it deletes. */
export function drawingChange(
  event: DrawingEvent,
): { added: DrawnFeature } | { deleted: string } | null {
  const drawingId = String(event.drawing_id ?? "");
  if (!drawingId) return null;
  if (event.change === "deleted") return { deleted: drawingId };
  try {
    return {
      added: { drawing_id: drawingId, feature: JSON.parse(String(event.feature_geojson ?? "{}")) },
    };
  } catch {
    return null;
  }
}

export class DrawingsLayer {
  readonly layer = L.layerGroup();
  private readonly shown = new Map<string, L.GeoJSON>();

  /** Show exactly these drawings. */
  set(drawings: DrawnFeature[]): void {
    this.layer.clearLayers();
    this.shown.clear();
    for (const drawing of drawings) this.add(drawing);
  }

  /** Add (or replace) one drawing; a deleted one is removed. */
  add(drawing: DrawnFeature): void {
    this.remove(drawing.drawing_id);
    if (drawing.deleted || !drawing.feature || !("geometry" in drawing.feature)) return;
    const properties = (drawing.feature.properties ?? {}) as { label?: string; color?: string };
    const color = properties.color || DEFAULT_COLOR;
    const layer = L.geoJSON(drawing.feature as unknown as GeoJSON.Feature, {
      style: { color, weight: 3, fillOpacity: 0.12 },
      pointToLayer: (_, latlng) =>
        L.circleMarker(latlng, { radius: 7, color, fillColor: color, fillOpacity: 0.8 }),
    });
    if (properties.label) layer.bindTooltip(properties.label, { permanent: true });
    layer.addTo(this.layer);
    // Marked now if the group is on a map, else when it is put on one (an element exists only
    // while a layer is on a map).
    layer.eachLayer((part) => {
      const mark = () =>
        (part as L.Path).getElement?.()?.setAttribute("data-drawing-id", drawing.drawing_id);
      part.on("add", mark);
      mark();
    });
    this.shown.set(drawing.drawing_id, layer);
  }

  remove(drawingId: string): void {
    this.shown.get(drawingId)?.remove();
    this.shown.delete(drawingId);
  }

  /** Where the drawings are, to fit a map to them (invalid when there are none). */
  bounds(): L.LatLngBounds {
    const bounds = L.latLngBounds([]);
    for (const layer of this.shown.values()) bounds.extend(layer.getBounds());
    return bounds;
  }

  get size(): number {
    return this.shown.size;
  }
}
