// The map's datum: the API is WGS-84 everywhere, but Chinese tile providers (AMap, Tencent) draw
// their tiles in GCJ-02, a WGS-84 plus an obfuscating offset of a few hundred metres. With such a
// tile layer every overlay is shifted WGS-84 -> GCJ-02 on display, and what the officer draws is
// shifted back before it is sent. The formulas are the published ones (eviltransform,
// coordtransform), the same as shouwang/geo.py; tests/web/test_datum.py checks this module in
// node against published vectors and against the Python.

export type Datum = "wgs84" | "gcj02";

const KRASOVSKY_A = 6378245.0;
const KRASOVSKY_EE = 0.00669342162296594323;
// The inverse has no closed form: fixed-point iteration, ~1e-9 degrees (0.1 mm) in 3-5 steps.
const INVERSE_TOLERANCE_DEG = 1e-9;
const INVERSE_MAX_STEPS = 20;

/** True where no GCJ-02 offset applies: the usual rough rectangle around China. */
export function outsideChina(lat: number, lon: number): boolean {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function offset(lat: number, lon: number): [number, number] {
  const x = lon - 105.0;
  const y = lat - 35.0;
  const pi = Math.PI;
  const common = ((20.0 * Math.sin(6.0 * x * pi) + 20.0 * Math.sin(2.0 * x * pi)) * 2.0) / 3.0;
  let dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  dLat += common;
  dLat += ((20.0 * Math.sin(y * pi) + 40.0 * Math.sin((y / 3.0) * pi)) * 2.0) / 3.0;
  dLat += ((160.0 * Math.sin((y / 12.0) * pi) + 320.0 * Math.sin((y * pi) / 30.0)) * 2.0) / 3.0;
  let dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  dLon += common;
  dLon += ((20.0 * Math.sin(x * pi) + 40.0 * Math.sin((x / 3.0) * pi)) * 2.0) / 3.0;
  dLon += ((150.0 * Math.sin((x / 12.0) * pi) + 300.0 * Math.sin((x / 30.0) * pi)) * 2.0) / 3.0;
  const radLat = (lat / 180.0) * pi;
  const magic = 1 - KRASOVSKY_EE * Math.sin(radLat) ** 2;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / (((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrtMagic)) * pi);
  dLon = (dLon * 180.0) / ((KRASOVSKY_A / sqrtMagic) * Math.cos(radLat) * pi);
  return [dLat, dLon];
}

/** WGS-84 to GCJ-02 (the forward transform, exact by definition). */
export function wgs84ToGcj02(lat: number, lon: number): [number, number] {
  if (outsideChina(lat, lon)) return [lat, lon];
  const [dLat, dLon] = offset(lat, lon);
  return [lat + dLat, lon + dLon];
}

/** GCJ-02 to WGS-84 by fixed-point iteration of the forward transform (error well under 1 cm). */
export function gcj02ToWgs84(lat: number, lon: number): [number, number] {
  if (outsideChina(lat, lon)) return [lat, lon];
  let wLat = lat;
  let wLon = lon;
  for (let step = 0; step < INVERSE_MAX_STEPS; step++) {
    const [dLat, dLon] = offset(wLat, wLon);
    const errLat = wLat + dLat - lat;
    const errLon = wLon + dLon - lon;
    wLat -= errLat;
    wLon -= errLon;
    if (Math.max(Math.abs(errLat), Math.abs(errLon)) < INVERSE_TOLERANCE_DEG) break;
  }
  return [wLat, wLon];
}

export function parseDatum(value: unknown): Datum {
  return value === "gcj02" ? "gcj02" : "wgs84";
}

/** Converts between the API's WGS-84 and the datum the map is drawn in. */
export class Display {
  constructor(readonly datum: Datum = "wgs84") {}

  get shifted(): boolean {
    return this.datum === "gcj02";
  }

  /** Where a WGS-84 point is drawn, as Leaflet's [lat, lng]. */
  shown(lat: number, lon: number): [number, number] {
    return this.shifted ? wgs84ToGcj02(lat, lon) : [lat, lon];
  }

  /** The WGS-84 point under a point drawn on the map. */
  actual(lat: number, lng: number): [number, number] {
    return this.shifted ? gcj02ToWgs84(lat, lng) : [lat, lng];
  }

  /** A GeoJSON ring ([lon, lat], WGS-84) as Leaflet's [lat, lng] on display. */
  shownRing(ring: readonly (readonly number[])[]): [number, number][] {
    return ring.map(([lon, lat]) => this.shown(lat!, lon!));
  }

  /** GeoJSON coordinates of any depth shifted for display, still [lon, lat]. */
  shownCoordinates(coordinates: unknown): unknown {
    if (!this.shifted || !Array.isArray(coordinates)) return coordinates;
    if (typeof coordinates[0] === "number") {
      const [lat, lon] = this.shown(coordinates[1] as number, coordinates[0] as number);
      return [lon, lat, ...coordinates.slice(2)];
    }
    return coordinates.map((inner) => this.shownCoordinates(inner));
  }
}
