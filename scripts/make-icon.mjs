// Draws media/icon.png (128x128, the marketplace icon) without an image library: a box (the image) on a
// rounded tile, with a check mark (the gate). Run: node scripts/make-icon.mjs
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const S = 128;
const px = Buffer.alloc(S * S * 4);
const inPoly = (x, y, poly) => {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i],
      [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
};
const nearSeg = (x, y, [ax, ay], [bx, by], w) => {
  const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay))) <= w;
};
const top = [
  [64, 20],
  [104, 40],
  [64, 60],
  [24, 40],
];
const left = [
  [24, 40],
  [64, 60],
  [64, 108],
  [24, 88],
];
const right = [
  [64, 60],
  [104, 40],
  [104, 88],
  [64, 108],
];
for (let y = 0; y < S; y++)
  for (let x = 0; x < S; x++) {
    const cx = x + 0.5,
      cy = y + 0.5,
      r = 22;
    const dx = Math.max(r - cx, cx - (S - r), 0),
      dy = Math.max(r - cy, cy - (S - r), 0);
    let c = [0, 0, 0, 0];
    if (Math.hypot(dx, dy) <= r) c = [24 + (y * 20) / S, 60 + (y * 30) / S, 110 + (y * 40) / S, 255];
    if (inPoly(cx, cy, top)) c = [120, 200, 255, 255];
    if (inPoly(cx, cy, left)) c = [60, 140, 220, 255];
    if (inPoly(cx, cy, right)) c = [40, 110, 190, 255];
    if (nearSeg(cx, cy, [70, 78], [80, 90], 5) || nearSeg(cx, cy, [80, 90], [98, 64], 5)) c = [90, 230, 120, 255];
    c.forEach((v, i) => (px[(y * S + x) * 4 + i] = Math.round(v)));
  }
const raw = Buffer.concat(
  Array.from({ length: S }, (_, y) => Buffer.concat([Buffer.from([0]), px.subarray(y * S * 4, (y + 1) * S * 4)])),
);
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (b) => {
  let c = 0xffffffff;
  for (const byte of b) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4),
    sum = Buffer.alloc(4),
    td = Buffer.concat([Buffer.from(type), data]);
  len.writeUInt32BE(data.length);
  sum.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, sum]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(S, 0);
ihdr.writeUInt32BE(S, 4);
ihdr.set([8, 6, 0, 0, 0], 8);
const png = Buffer.concat([
  Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw)),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../media/icon.png', import.meta.url), png);
console.log(`media/icon.png: ${png.length} bytes`);
