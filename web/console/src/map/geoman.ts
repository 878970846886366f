// Geoman's side effects (L.PM, map.pm) once Leaflet is global; see leaflet.ts.
import "./leaflet";
import "@geoman-io/leaflet-geoman-free";
