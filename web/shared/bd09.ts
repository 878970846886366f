// Baidu's BD-09 datum: a further published offset of GCJ-02 (Baidu Maps' own coordinates). Only
// needed to hand a point to the Baidu Maps app; the API stays WGS-84.
const X_PI = (Math.PI * 3000.0) / 180.0;

/** GCJ-02 to BD-09, as Baidu publishes it (bd_encrypt). */
export function gcj02ToBd09(lat: number, lon: number): [number, number] {
  const z = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
  const theta = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * X_PI);
  return [z * Math.sin(theta) + 0.006, z * Math.cos(theta) + 0.0065];
}
