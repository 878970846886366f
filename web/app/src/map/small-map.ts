// A small Leaflet map on a plain background (no tile layer: it works offline and fetches nothing
// from outside), drawing the place of a task and the member, or one pin the member drags.
// Markers are CSS (divIcon), so the map needs no image.
import * as L from "leaflet";

const pinIcon = (kind: string) =>
  L.divIcon({ className: `pin pin-${kind}`, iconSize: [28, 28], iconAnchor: [14, 28] });

export class SmallMap {
  readonly element: HTMLElement;
  private map: L.Map | null = null;
  private target: L.Marker | null = null;
  private me: L.CircleMarker | null = null;
  private pin: L.Marker | null = null;
  private pinMoved: (lat: number, lon: number) => void = () => {};

  constructor(className = "small-map") {
    this.element = document.createElement("div");
    this.element.className = className;
  }

  /** Leaflet measures its box: call once the element is in the page. */
  private ensure(lat: number, lon: number): L.Map {
    if (!this.map) {
      this.map = L.map(this.element, {
        attributionControl: false,
        zoomControl: false,
        center: [lat, lon],
        zoom: 16,
      });
    } else {
      this.map.invalidateSize();
    }
    return this.map;
  }

  /** The task's place, the member's position, both in view. */
  showTask(place: { lat: number; lon: number }, me: { lat: number; lon: number } | null): void {
    const map = this.ensure(place.lat, place.lon);
    this.target ??= L.marker([place.lat, place.lon], { icon: pinIcon("task") }).addTo(map);
    this.target.setLatLng([place.lat, place.lon]);
    if (me) {
      this.me ??= L.circleMarker([me.lat, me.lon], { radius: 8, className: "me-dot" }).addTo(map);
      this.me.setLatLng([me.lat, me.lon]);
      map.fitBounds(L.latLngBounds([place.lat, place.lon], [me.lat, me.lon]).pad(0.4), {
        maxZoom: 17,
        animate: false,
      });
    } else {
      map.setView([place.lat, place.lon], 16, { animate: false });
    }
  }

  /** One pin the member may drag; `moved` hears where it was dropped. */
  showPin(lat: number, lon: number, moved: (lat: number, lon: number) => void): void {
    const map = this.ensure(lat, lon);
    this.pinMoved = moved;
    if (!this.pin) {
      this.pin = L.marker([lat, lon], { icon: pinIcon("tip"), draggable: true }).addTo(map);
      this.pin.on("dragend", () => {
        const at = this.pin!.getLatLng();
        this.pinMoved(at.lat, at.lng);
      });
      map.on("click", (event: L.LeafletMouseEvent) => {
        this.pin!.setLatLng(event.latlng);
        this.pinMoved(event.latlng.lat, event.latlng.lng);
      });
    }
    this.pin.setLatLng([lat, lon]);
    map.setView([lat, lon], 17, { animate: false });
  }
}
