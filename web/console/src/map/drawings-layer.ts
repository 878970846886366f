// A group's map drawings (画图作战): GeoJSON Features (lines — arrows are lines —, areas and
// labelled points) drawn by officers, added and removed live as shouwang.group.drawing arrives.
// Used by the communication screen's map; the live map can show a group's layer the same way.
import { L } from "./leaflet";

export interface DrawnFeature {
  drawing_id: string;
  feature: { [key: string]: unknown };
  deleted?: boolean;
}

const DEFAULT_COLOR = "#dc2626";

export class DrawingsLayer {
  readonly layer = L.layerGroup();
  private readonly shown = new Map<string, L.Layer>();

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
    layer.eachLayer((part) => {
      const element = (part as L.Path).getElement?.();
      element?.setAttribute("data-drawing-id", drawing.drawing_id);
    });
    this.shown.set(drawing.drawing_id, layer);
  }

  remove(drawingId: string): void {
    this.shown.get(drawingId)?.remove();
    this.shown.delete(drawingId);
  }

  get size(): number {
    return this.shown.size;
  }
}
