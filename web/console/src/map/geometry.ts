// Small plane-geometry helpers for shapes drawn on the map (areas of a few kilometres, where
// an equirectangular approximation is far inside what a dispatcher can draw).

export interface LatLon {
  lat: number;
  lon: number;
}

export type Ring = [number, number][]; // [lon, lat], GeoJSON order, closed

const EARTH_RADIUS_M = 6_371_008.8;

export function distanceM(a: LatLon, b: LatLon): number {
  const toRad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * toRad;
  const dLon = (b.lon - a.lon) * toRad;
  const s =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * toRad) * Math.cos(b.lat * toRad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(s));
}

export function insideRing(point: LatLon, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (
      yi > point.lat !== yj > point.lat &&
      point.lon < ((xj - xi) * (point.lat - yi)) / (yj - yi) + xi
    ) {
      inside = !inside;
    }
  }
  return inside;
}

/** The centroid of a simple polygon's ring (its vertex mean when the area is degenerate). */
export function centroid(ring: Ring): LatLon {
  let area = 0;
  let x = 0;
  let y = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [x0, y0] = ring[i]!;
    const [x1, y1] = ring[i + 1]!;
    const cross = x0 * y1 - x1 * y0;
    area += cross;
    x += (x0 + x1) * cross;
    y += (y0 + y1) * cross;
  }
  if (Math.abs(area) < 1e-18) {
    const n = Math.max(1, ring.length - 1);
    const sum = ring.slice(0, n).reduce(([sx, sy], [px, py]) => [sx + px, sy + py], [0, 0]);
    return { lon: sum[0]! / n, lat: sum[1]! / n };
  }
  return { lon: x / (3 * area), lat: y / (3 * area) };
}

export function closed(ring: Ring): Ring {
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (first && last && (first[0] !== last[0] || first[1] !== last[1])) return [...ring, first];
  return ring;
}
