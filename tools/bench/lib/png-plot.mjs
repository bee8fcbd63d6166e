// A tiny chart renderer without native dependencies: an RGB raster, a 5x7 bitmap font,
// and a PNG encoder on node:zlib (the PNG spec's CRC-32, one IDAT chunk, filter 0).
import { deflateSync } from 'node:zlib';

// ---------------------------------------------------------------- PNG encoding

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 as PNG chunks use it (ISO 3309 / ITU-T V.42). */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([len, typeAndData, crc]);
}

/** Encodes an 8-bit RGB raster (Uint8Array of width*height*3) as a PNG file. */
export function encodePng(width, height, rgb) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0; // filter type 0 (None)
    Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(raw, y * (width * 3 + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // filter method
  ihdr[12] = 0; // no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------- raster + font

/** 5x7 glyphs, one 5-bit number per row (MSB = left). Lower case is drawn as upper case. */
const GLYPHS = {
  '0': [14, 17, 19, 21, 25, 17, 14], '1': [4, 12, 4, 4, 4, 4, 14], '2': [14, 17, 1, 2, 4, 8, 31], '3': [31, 2, 4, 2, 1, 17, 14],
  '4': [2, 6, 10, 18, 31, 2, 2], '5': [31, 16, 30, 1, 1, 17, 14], '6': [6, 8, 16, 30, 17, 17, 14], '7': [31, 1, 2, 4, 8, 8, 8],
  '8': [14, 17, 17, 14, 17, 17, 14], '9': [14, 17, 17, 15, 1, 2, 12],
  A: [14, 17, 17, 31, 17, 17, 17], B: [30, 17, 17, 30, 17, 17, 30], C: [14, 17, 16, 16, 16, 17, 14], D: [28, 18, 17, 17, 17, 18, 28],
  E: [31, 16, 16, 30, 16, 16, 31], F: [31, 16, 16, 30, 16, 16, 16], G: [14, 17, 16, 23, 17, 17, 15], H: [17, 17, 17, 31, 17, 17, 17],
  I: [14, 4, 4, 4, 4, 4, 14], J: [7, 2, 2, 2, 2, 18, 12], K: [17, 18, 20, 24, 20, 18, 17], L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17], N: [17, 17, 25, 21, 19, 17, 17], O: [14, 17, 17, 17, 17, 17, 14], P: [30, 17, 17, 30, 16, 16, 16],
  Q: [14, 17, 17, 17, 21, 18, 13], R: [30, 17, 17, 30, 20, 18, 17], S: [15, 16, 16, 14, 1, 1, 30], T: [31, 4, 4, 4, 4, 4, 4],
  U: [17, 17, 17, 17, 17, 17, 14], V: [17, 17, 17, 17, 17, 10, 4], W: [17, 17, 17, 21, 21, 21, 10], X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 17, 10, 4, 4, 4], Z: [31, 1, 2, 4, 8, 16, 31],
  ' ': [0, 0, 0, 0, 0, 0, 0], '.': [0, 0, 0, 0, 0, 12, 12], ',': [0, 0, 0, 0, 12, 4, 8], ':': [0, 12, 12, 0, 12, 12, 0],
  '/': [0, 1, 2, 4, 8, 16, 0], '-': [0, 0, 0, 31, 0, 0, 0], '(': [2, 4, 8, 8, 8, 4, 2], ')': [8, 4, 2, 2, 2, 4, 8],
  '=': [0, 0, 31, 0, 31, 0, 0], '%': [24, 25, 2, 4, 8, 19, 3], _: [0, 0, 0, 0, 0, 0, 31], '>': [8, 4, 2, 1, 2, 4, 8],
  '<': [2, 4, 8, 16, 8, 4, 2], ';': [0, 12, 12, 0, 12, 4, 8], '+': [0, 4, 4, 31, 4, 4, 0], "'": [12, 4, 8, 0, 0, 0, 0], '?': [14, 17, 1, 2, 4, 0, 4],
};

export class Raster {
  constructor(width, height, background = [255, 255, 255]) {
    this.width = width;
    this.height = height;
    this.rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.rgb.set(background, i * 3);
  }

  set(x, y, color) {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.rgb.set(color, (y * this.width + x) * 3);
  }

  rect(x, y, w, h, color) {
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.set(x + i, y + j, color);
  }

  /** Bresenham line; `dash` > 0 draws every other run of that many pixels. */
  line(x0, y0, x1, y1, color, dash = 0) {
    x0 = Math.round(x0); y0 = Math.round(y0); x1 = Math.round(x1); y1 = Math.round(y1);
    const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    let err = dx + dy, n = 0;
    for (;;) {
      if (!dash || Math.floor(n / dash) % 2 === 0) this.set(x0, y0, color);
      n++;
      if (x0 === x1 && y0 === y1) return;
      const e2 = 2 * err;
      if (e2 >= dy) { err += dy; x0 += sx; }
      if (e2 <= dx) { err += dx; y0 += sy; }
    }
  }

  /** Text at (x, y) = top-left, `scale` pixels per font pixel; `vertical` rotates 90° counter-clockwise. */
  text(x, y, str, color, scale = 2, vertical = false) {
    let pen = 0;
    for (const ch of String(str)) {
      const g = GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()] ?? GLYPHS['?'];
      for (let row = 0; row < 7; row++) {
        for (let col = 0; col < 5; col++) {
          if (!((g[row] >> (4 - col)) & 1)) continue;
          if (vertical) this.rect(x + row * scale, y - (pen + col) * scale, scale, scale, color);
          else this.rect(x + (pen + col) * scale, y + row * scale, scale, scale, color);
        }
      }
      pen += 6;
    }
  }

  static textWidth(str, scale = 2) {
    return String(str).length * 6 * scale - scale;
  }

  png() {
    return encodePng(this.width, this.height, this.rgb);
  }
}

// ---------------------------------------------------------------- chart

function niceStep(span, target) {
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

const fmtTick = (v) => (Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)}K` : `${+v.toFixed(2)}`);

/**
 * Renders a scatter/line chart as PNG.
 * @param {{
 *   width?: number, height?: number, title: string, xLabel: string, yLabel: string, yLog?: boolean,
 *   series: { label: string, color: number[], kind: 'dots' | 'line', points: [number, number][] }[],
 *   markers?: { x: number, label: string }[], hLines?: { y: number, label: string, color: number[] }[],
 * }} spec
 */
export function renderChart(spec) {
  const W = spec.width ?? 1200, H = spec.height ?? 640;
  const img = new Raster(W, H);
  const left = 110, right = 30, top = 70, bottom = 80;
  const pw = W - left - right, ph = H - top - bottom;
  const all = spec.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]).filter((y) => (spec.yLog ? y > 0 : Number.isFinite(y)));
  const xMin = Math.min(0, ...xs), xMax = Math.max(1, ...xs, ...(spec.markers ?? []).map((m) => m.x));
  let yMin, yMax;
  if (spec.yLog) {
    yMin = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...ys, ...(spec.hLines ?? []).map((h) => h.y)))));
    yMax = 10 ** Math.ceil(Math.log10(Math.max(yMin * 10, ...ys, ...(spec.hLines ?? []).map((h) => h.y))));
  } else {
    yMin = 0;
    yMax = Math.max(1, ...ys) * 1.05;
  }
  const px = (x) => left + ((x - xMin) / (xMax - xMin)) * pw;
  const py = (y) =>
    spec.yLog
      ? top + ph - ((Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * ph
      : top + ph - ((y - yMin) / (yMax - yMin)) * ph;
  const grey = [225, 225, 225], axis = [40, 40, 40];

  // grid + ticks
  const xStep = niceStep(xMax - xMin, 10);
  for (let x = Math.ceil(xMin / xStep) * xStep; x <= xMax + 1e-9; x += xStep) {
    img.line(px(x), top, px(x), top + ph, grey);
    const label = fmtTick(x);
    img.text(px(x) - Raster.textWidth(label) / 2, top + ph + 8, label, axis);
  }
  if (spec.yLog) {
    for (let d = yMin; d <= yMax * 1.0001; d *= 10) {
      for (const m of [1, 2, 5]) {
        const y = d * m;
        if (y > yMax * 1.0001) break;
        img.line(left, py(y), left + pw, py(y), m === 1 ? [200, 200, 200] : [236, 236, 236]);
        if (m === 1 || (Math.log10(yMax / yMin) <= 3)) {
          const label = fmtTick(y);
          img.text(left - 8 - Raster.textWidth(label), py(y) - 7, label, axis);
        }
      }
    }
  } else {
    const yStep = niceStep(yMax - yMin, 8);
    for (let y = 0; y <= yMax; y += yStep) {
      img.line(left, py(y), left + pw, py(y), grey);
      const label = fmtTick(y);
      img.text(left - 8 - Raster.textWidth(label), py(y) - 7, label, axis);
    }
  }
  for (const h of spec.hLines ?? []) {
    img.line(left, py(h.y), left + pw, py(h.y), h.color, 6);
    img.text(left + pw - Raster.textWidth(h.label) - 4, py(h.y) - 18, h.label, h.color);
  }
  (spec.markers ?? []).forEach((m, i) => {
    img.line(px(m.x), top, px(m.x), top + ph, [120, 120, 120], 4);
    img.text(px(m.x) + 4, top + 4 + (i % 4) * 18, m.label, [90, 90, 90]); // staggered: phases may be close
  });

  // data
  for (const s of spec.series) {
    if (s.kind === 'dots') {
      for (const [x, y] of s.points) img.rect(px(x) - 1, py(y) - 1, 2, 2, s.color);
    } else {
      for (let i = 1; i < s.points.length; i++) {
        const [x0, y0] = s.points[i - 1], [x1, y1] = s.points[i];
        img.line(px(x0), py(y0), px(x1), py(y1), s.color);
        img.line(px(x0), py(y0) + 1, px(x1), py(y1) + 1, s.color);
      }
    }
  }

  // frame, labels, legend
  img.line(left, top, left, top + ph, axis);
  img.line(left, top + ph, left + pw, top + ph, axis);
  img.line(left, top, left + pw, top, axis);
  img.line(left + pw, top, left + pw, top + ph, axis);
  img.text(left, 16, spec.title, axis, 3);
  img.text(left + pw / 2 - Raster.textWidth(spec.xLabel) / 2, H - 36, spec.xLabel, axis);
  img.text(14, top + ph / 2 + Raster.textWidth(spec.yLabel) / 2, spec.yLabel, axis, 2, true);
  let lx = left + pw;
  for (const s of [...spec.series].reverse()) {
    if (!s.label) continue;
    lx -= Raster.textWidth(s.label) + 40;
    img.rect(lx, 48, 14, 10, s.color);
    img.text(lx + 20, 46, s.label, axis);
  }
  return img.png();
}
