// Leaflet, and geoman's drawing tools on it. Geoman extends the global `L`, so Leaflet is made
// global before geoman's module runs (this module is imported before anything else uses either).
import * as Leaflet from "leaflet";

(window as unknown as { L: typeof Leaflet }).L = Leaflet;

export const L = Leaflet;
