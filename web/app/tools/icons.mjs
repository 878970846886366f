// Draws the app's icons into a build folder: icon.svg and PNGs of 192 and 512 pixels (a shield
// with a watching eye on the night background), with no download and no image library. The PNGs
// are 2-bit indexed and stored without compression, so every machine writes the same bytes (a
// compressor's output depends on its version and the CPU; the build checks dist/ byte for byte).
// Usage: node web/app/tools/icons.mjs <dist>
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const NIGHT = [0x0b, 0x12, 0x20];
const AMBER = [0xf5, 0xa5, 0x24];
// In a unit square; everything stays inside the central 80% (the maskable icon's safe zone).
const SHIELD = [
  [0.5, 0.18],
  [0.73, 0.26],
  [0.73, 0.48],
  [0.69, 0.62],
  [0.61, 0.72],
  [0.5, 0.81],
  [0.39, 0.72],
  [0.31, 0.62],
  [0.27, 0.48],
  [0.27, 0.26],
];
const EYE = { x: 0.5, y: 0.47, r: 0.1 };
const PUPIL = { x: 0.5, y: 0.47, r: 0.04 };

function inside(polygon, x, y) {
  let within = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) within = !within;
  }
  return within;
}

const inCircle = (c, x, y) => (x - c.x) ** 2 + (y - c.y) ** 2 <= c.r ** 2;

/** Palette index of a point: 1 amber (shield, pupil), 0 night (background, eye). */
function colourAt(x, y) {
  if (inCircle(PUPIL, x, y)) return 1;
  if (inCircle(EYE, x, y)) return 0;
  return inside(SHIELD, x, y) ? 1 : 0;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes) {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const u32 = (n) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  return Buffer.concat([u32(data.length), body, u32(crc32(body))]);
}

/** zlib framing around stored (uncompressed) deflate blocks. */
function stored(raw) {
  const parts = [Buffer.from([0x78, 0x01])];
  for (let at = 0; at < raw.length || at === 0; at += 65535) {
    const block = raw.subarray(at, at + 65535);
    const last = at + 65535 >= raw.length ? 1 : 0;
    const len = block.length;
    parts.push(Buffer.from([last, len & 255, len >>> 8, ~len & 255, (~len >>> 8) & 255]), block);
    if (last) break;
  }
  parts.push(u32(adler32(raw)));
  return Buffer.concat(parts);
}

function png(size) {
  const rowBytes = Math.ceil(size / 4);
  const raw = Buffer.alloc((rowBytes + 1) * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const colour = colourAt((x + 0.5) / size, (y + 0.5) / size);
      raw[y * (rowBytes + 1) + 1 + (x >> 2)] |= colour << (6 - 2 * (x & 3));
    }
  }
  const header = Buffer.concat([u32(size), u32(size), Buffer.from([2, 3, 0, 0, 0])]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("PLTE", Buffer.from([...NIGHT, ...AMBER])),
    chunk("IDAT", stored(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function svg() {
  const hex = (rgb) => "#" + rgb.map((v) => v.toString(16).padStart(2, "0")).join("");
  const points = SHIELD.map(([x, y]) => `${x * 100},${y * 100}`).join(" ");
  const circle = (c, fill) =>
    `<circle cx="${c.x * 100}" cy="${c.y * 100}" r="${c.r * 100}" fill="${fill}"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">` +
    `<rect width="100" height="100" fill="${hex(NIGHT)}"/>` +
    `<polygon points="${points}" fill="${hex(AMBER)}"/>` +
    circle(EYE, hex(NIGHT)) +
    circle(PUPIL, hex(AMBER)) +
    `</svg>\n`
  );
}

const out = process.argv[2];
if (!out) throw new Error("usage: node icons.mjs <dist>");
writeFileSync(join(out, "icon.svg"), svg());
for (const size of [192, 512]) writeFileSync(join(out, `icon-${size}.png`), png(size));
