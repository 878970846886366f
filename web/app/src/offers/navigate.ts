// Links that hand a task's place to a navigation app. The API's WGS-84 point is converted for
// each: AMap takes GCJ-02, Baidu Maps BD-09, and the plain geo: URI (RFC 5870) WGS-84.
import { gcj02ToBd09 } from "../../../shared/bd09";
// The console's datum module (GCJ-02) is reused as it is, not copied; see web/README.md.
import { wgs84ToGcj02 } from "../../../console/src/map/datum";

export interface NavigationLinks {
  amap: string;
  baidu: string;
  geo: string;
}

const fixed = (value: number) => value.toFixed(6);

export function navigationLinks(lat: number, lon: number, name: string): NavigationLinks {
  const [gLat, gLon] = wgs84ToGcj02(lat, lon);
  const [bLat, bLon] = gcj02ToBd09(gLat, gLon);
  const label = encodeURIComponent(name);
  return {
    amap:
      `https://uri.amap.com/navigation?to=${fixed(gLon)},${fixed(gLat)},${label}` +
      `&mode=walk&coordinate=gaode&callnative=1`,
    baidu:
      `https://api.map.baidu.com/direction?destination=latlng:${fixed(bLat)},${fixed(bLon)}` +
      `|name:${label}&coord_type=bd09ll&mode=walking&output=html&src=shouwang.app`,
    geo: `geo:${fixed(lat)},${fixed(lon)}?q=${fixed(lat)},${fixed(lon)}(${label})`,
  };
}

/** Great-circle distance in metres (the same sphere as location's). */
export function distanceM(
  a: { lat: number; lon: number },
  b: { lat: number; lon: number },
): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
}
