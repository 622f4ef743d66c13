// Drawing maps on canvases the way `som render` draws them: the colour
// schemes come from the server (GET /api/colormaps samples som_colormap),
// classes and clusters take the render library's class palette, units no
// row chose are light grey and hatched, and legends say what a colour means.
// A MapView fills the width of its box (and grows with the window), shows a
// unit's details on hover or tap, and zooms and pans.
'use strict';

import { fmt, escapeHtml, el } from './util.js';

let colormaps = null;

// The qualitative class palette of the render library (som_class_color:
// Okabe & Ito, then Paul Tol's muted), unless the server sends its own.
let classPalette = [
  [0xe6, 0x9f, 0x00], [0x56, 0xb4, 0xe9], [0x00, 0x9e, 0x73], [0xf0, 0xe4, 0x42],
  [0x00, 0x72, 0xb2], [0xd5, 0x5e, 0x00], [0xcc, 0x79, 0xa7], [0xcc, 0x66, 0x77],
  [0x33, 0x22, 0x88], [0xdd, 0xcc, 0x77], [0x11, 0x77, 0x33], [0x88, 0xcc, 0xee],
  [0x88, 0x22, 0x55], [0x44, 0xaa, 0x99], [0x99, 0x99, 0x33], [0xaa, 0x44, 0x99],
];

const EMPTY = [236, 236, 236]; // som render's fill of a unit no row chose

export function setColormaps(cm) {
  colormaps = cm;
  if (Array.isArray(cm.classes) && cm.classes.length) classPalette = cm.classes;
}

export const colormapNames = () => (colormaps ? colormaps.names : ['viridis']);

// som_colormap's colour of t in [0,1]: 256 samples per scheme, interpolated
// linearly between them as the C code does between its control points (the
// mql palette is indexed, round(255 t), as in C).
export function colorAt(scheme, t) {
  if (!colormaps || !Number.isFinite(t)) return [128, 128, 128];
  const lut = colormaps[scheme] || colormaps.viridis;
  t = Math.min(1, Math.max(0, t));
  if (scheme === 'mql') return lut[Math.round(t * 255)];
  const x = t * 255;
  const i = Math.min(254, Math.floor(x));
  const f = x - i;
  const a = lut[i];
  const b = lut[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f));
}

export const classColor = (k) => classPalette[k % classPalette.length];
export const css = (rgb) => `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;

export function range(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

// ---- geometry -------------------------------------------------------------------------

// Unit centres in grid units (som_grid_coords): rect (c, r); hex
// (c + 0.5 (r odd), r sqrt(3)/2), pointy-top hexagons that tile.
function gridSpan(map) {
  const hex = map.topology === 'hex';
  const R = hex ? 1 / Math.sqrt(3) : 0.5;
  const spanX = map.cols + (hex && map.rows > 1 ? 0.5 : 0);
  const spanY = (hex ? ((map.rows - 1) * Math.sqrt(3)) / 2 : map.rows - 1) + 2 * R;
  return { hex, R, spanX, spanY };
}

export function geometry(map, width, height, pad = 4) {
  const { hex, R, spanX, spanY } = gridSpan(map);
  const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  const ox = (width - spanX * scale) / 2 + 0.5 * scale;
  const oy = (height - spanY * scale) / 2 + R * scale;
  const cx = [];
  const cy = [];
  for (let i = 0; i < map.units; i++) {
    const r = Math.floor(i / map.cols);
    const c = i % map.cols;
    cx.push(ox + (hex ? c + 0.5 * (r & 1) : c) * scale);
    cy.push(oy + (hex ? (r * Math.sqrt(3)) / 2 : r) * scale);
  }
  return { hex, scale, cx, cy, half: 0.5 * scale, R: R * scale, rows: map.rows, cols: map.cols };
}

function cellPath(ctx, geo, i) {
  const x = geo.cx[i];
  const y = geo.cy[i];
  ctx.beginPath();
  if (geo.hex) {
    for (let k = 0; k < 6; k++) {
      const a = Math.PI / 6 + (k * Math.PI) / 3;
      const px = x + geo.R * Math.cos(a);
      const py = y + geo.R * Math.sin(a);
      if (k === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    }
    ctx.closePath();
  } else {
    ctx.rect(x - geo.half, y - geo.half, 2 * geo.half, 2 * geo.half);
  }
}

function unitAt(geo, px, py) {
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < geo.cx.length; i++) {
    const d = (geo.cx[i] - px) ** 2 + (geo.cy[i] - py) ** 2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  if (best < 0) return -1;
  // The nearest centre's cell is the one under the point (cells tile), if
  // the point is on the map at all.
  const dx = Math.abs(geo.cx[best] - px);
  const dy = Math.abs(geo.cy[best] - py);
  if (geo.hex) return bestD <= geo.R * geo.R ? best : -1;
  return dx <= geo.half && dy <= geo.half ? best : -1;
}

// The grid neighbours of unit i that come after it (each edge once), not
// across a toroid's wrap: a boundary is drawn where two cells touch.
function laterNeighbours(geo, i) {
  const r = Math.floor(i / geo.cols);
  const c = i % geo.cols;
  const out = [];
  const add = (rr, cc) => {
    if (rr >= 0 && rr < geo.rows && cc >= 0 && cc < geo.cols) out.push(rr * geo.cols + cc);
  };
  add(r, c + 1);
  if (geo.hex) {
    const shift = r & 1; // odd rows sit half a cell to the right
    add(r + 1, c - 1 + shift);
    add(r + 1, c + shift);
  } else add(r + 1, c);
  return out;
}

// ---- what a view shows ---------------------------------------------------------------

// The distinct class names of a map's majority labels, in sorted order, so
// that a class keeps its colour from frame to frame.
export function classesOf(map) {
  if (!map.labels) return [];
  return [...new Set(map.labels.filter((l) => l !== null && l !== undefined))].sort();
}

export function unitDetails(map, i, extra) {
  const r = Math.floor(i / map.cols);
  const c = i % map.cols;
  const lines = [`<b>unit ${i}</b> (row ${r}, column ${c})`];
  const w = map.codebook[i];
  map.titles.forEach((t, j) => lines.push(`${escapeHtml(t)}: ${fmt(w[j])}`));
  if (map.hits) lines.push(`hits: ${map.hits[i]} ${map.hits[i] === 1 ? 'row' : 'rows'}`);
  if (map.labels && map.labels[i]) lines.push(`label: ${escapeHtml(map.labels[i])}`);
  if (map.clusters) lines.push(`cluster: ${map.clusters[i] + 1}`);
  lines.push(`U-matrix: ${fmt(map.umatrix[i])}`);
  if (extra) lines.push(extra);
  return lines.join('<br>');
}

// ---- a view --------------------------------------------------------------------------

export class MapView {
  // canvas: the canvas; legend: an element for the legend (or null);
  // tooltip: the shared details box; container: the positioned element the
  // tooltip lives in; opts.maxHeight: a function giving the tallest the
  // view may be (CSS pixels); opts.zoom: zoom and pan with wheel and drag.
  constructor(canvas, legend, tooltip, container, opts = {}) {
    this.canvas = canvas;
    this.legend = legend;
    this.tooltip = tooltip;
    this.container = container;
    this.opts = opts;
    this.map = null;
    this.spec = null;
    this.geo = null;
    this.z = 1;
    this.tx = 0;
    this.ty = 0;
    this.cssW = 0;
    this.cssH = 0;
    this.legendKey = '';
    new ResizeObserver(() => this.draw()).observe(canvas.parentElement);
    canvas.addEventListener('pointermove', (ev) => {
      if (ev.pointerType === 'mouse' && !this.dragging) this.showDetails(ev, false);
    });
    canvas.addEventListener('pointerleave', () => {
      if (this.tooltip.dataset.pinned !== '1') this.tooltip.hidden = true;
    });
    // A tap (or a click) pins the details until the next tap elsewhere.
    canvas.addEventListener('click', (ev) => {
      if (this.moved) return;
      if (this.opts.onClick) {
        this.opts.onClick();
        return;
      }
      this.showDetails(ev, true);
    });
    if (opts.zoom) this.enableZoom();
  }

  // spec: {values, lo, hi, scheme, kind: 'values'|'hits'|'classes',
  // classes (names, for the legend), labels: bool, boundaries: bool,
  // marks: Map(unit -> text), legendTitle}
  set(map, spec) {
    if (!this.map || map.rows !== this.map.rows || map.cols !== this.map.cols) this.resetZoom(false);
    this.map = map;
    this.spec = spec;
    this.draw();
  }

  clear() {
    this.map = null;
    this.spec = null;
    this.geo = null;
    const ctx = this.canvas.getContext('2d');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (this.legend) this.legend.replaceChildren();
    this.legendKey = '';
  }

  // Sizes the canvas to its box: the full width, the height the grid's
  // shape asks for, at most opts.maxHeight; device pixels for sharpness.
  layout() {
    const box = this.canvas.parentElement;
    const w = Math.max(60, Math.floor(box.clientWidth - 2));
    const { spanX, spanY } = gridSpan(this.map);
    let h = Math.ceil((w * spanY) / spanX);
    const maxH = this.opts.maxHeight ? this.opts.maxHeight() : 600;
    h = Math.max(60, Math.min(h, maxH));
    const dpr = window.devicePixelRatio || 1;
    if (w !== this.cssW || h !== this.cssH) {
      this.cssW = w;
      this.cssH = h;
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
    }
    return dpr;
  }

  draw() {
    const { map, spec } = this;
    if (!map || !spec) return;
    const dpr = this.layout();
    const ctx = this.canvas.getContext('2d');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.setTransform(dpr * this.z, 0, 0, dpr * this.z, dpr * this.tx, dpr * this.ty);
    const geo = geometry(map, this.cssW, this.cssH);
    this.geo = geo;
    const span = spec.hi - spec.lo;
    ctx.lineWidth = Math.max(0.5, geo.scale / 40);
    for (let i = 0; i < map.units; i++) {
      const v = spec.values[i];
      let rgb;
      let empty = false;
      if (v === null || v === undefined || (spec.kind === 'hits' && v === 0)) {
        rgb = EMPTY;
        empty = true;
      } else if (spec.kind === 'classes') rgb = classColor(v);
      else rgb = colorAt(spec.scheme, span > 0 ? (v - spec.lo) / span : 0.5);
      cellPath(ctx, geo, i);
      ctx.fillStyle = css(rgb);
      ctx.fill();
      // The fill's own colour closes the seams between cells.
      ctx.strokeStyle = geo.scale >= 10 ? 'rgba(255,255,255,0.6)' : css(rgb);
      ctx.stroke();
      if (empty && geo.scale >= 6) this.hatch(ctx, geo, i);
    }
    if (spec.boundaries && map.clusters) this.drawBoundaries(ctx, geo, map.clusters);
    if (spec.labels && map.labels) this.drawLabels(ctx, geo, map.labels);
    if (spec.marks) this.drawMarks(ctx, geo, spec.marks);
    this.drawLegend();
    this.canvas.dataset.drawn = String(map.pass === undefined ? 0 : map.pass);
    this.canvas.dataset.kind = spec.kind;
  }

  hatch(ctx, geo, i) {
    ctx.save();
    cellPath(ctx, geo, i);
    ctx.clip();
    ctx.strokeStyle = 'rgba(0,0,0,0.22)';
    ctx.lineWidth = 1;
    const s = geo.R;
    ctx.beginPath();
    for (let d = -2 * s; d <= 2 * s; d += Math.max(3, s / 2)) {
      ctx.moveTo(geo.cx[i] + d - s, geo.cy[i] + s);
      ctx.lineTo(geo.cx[i] + d + s, geo.cy[i] - s);
    }
    ctx.stroke();
    ctx.restore();
  }

  // Thick dark lines where two touching units lie in different clusters.
  drawBoundaries(ctx, geo, clusters) {
    ctx.save();
    ctx.strokeStyle = '#111';
    ctx.lineWidth = Math.max(2, geo.scale / 9);
    ctx.lineCap = 'round';
    ctx.beginPath();
    let n = 0;
    const side = geo.hex ? geo.R : 2 * geo.half; // the length of a shared edge
    for (let i = 0; i < clusters.length; i++) {
      for (const j of laterNeighbours(geo, i)) {
        if (clusters[i] === clusters[j]) continue;
        const mx = (geo.cx[i] + geo.cx[j]) / 2;
        const my = (geo.cy[i] + geo.cy[j]) / 2;
        const dx = geo.cx[j] - geo.cx[i];
        const dy = geo.cy[j] - geo.cy[i];
        const len = Math.hypot(dx, dy);
        const px = (-dy / len) * (side / 2);
        const py = (dx / len) * (side / 2);
        ctx.moveTo(mx - px, my - py);
        ctx.lineTo(mx + px, my + py);
        n++;
      }
    }
    ctx.stroke();
    ctx.restore();
    this.canvas.dataset.boundaries = String(n);
  }

  // Majority labels, each only where the whole of it fits in its cell: at
  // most 13 px on screen, smaller for a long one, none below 8 px.
  drawLabels(ctx, geo, labels) {
    const room = 1.8 * geo.half * this.z; // on screen
    const top = Math.min(13, geo.scale * this.z * 0.4);
    let shown = 0;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.font = `10px "DejaVu Sans", sans-serif`;
    const widths = new Map(); // label -> width at 10 px
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i];
      if (!l) continue;
      if (!widths.has(l)) widths.set(l, ctx.measureText(l).width);
      const size = Math.min(top, (10 * room) / widths.get(l));
      if (size < 8) continue;
      ctx.font = `${size / this.z}px "DejaVu Sans", sans-serif`;
      ctx.lineWidth = 2.5 / this.z;
      ctx.strokeStyle = 'rgba(255,255,255,0.85)';
      ctx.strokeText(l, geo.cx[i], geo.cy[i]);
      ctx.fillStyle = '#111';
      ctx.fillText(l, geo.cx[i], geo.cy[i]);
      ctx.font = `10px "DejaVu Sans", sans-serif`;
      shown++;
    }
    this.canvas.dataset.labels = String(shown);
  }

  drawMarks(ctx, geo, marks) {
    for (const [u, text] of marks) {
      cellPath(ctx, geo, u);
      ctx.lineWidth = Math.max(2, geo.scale / 10);
      ctx.strokeStyle = '#ff2d55';
      ctx.stroke();
      ctx.fillStyle = '#fff';
      ctx.font = `bold ${Math.max(9, Math.min(13, geo.scale * 0.35))}px "DejaVu Sans", sans-serif`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.lineWidth = 3;
      ctx.strokeStyle = 'rgba(0,0,0,0.7)';
      ctx.strokeText(text, geo.cx[u], geo.cy[u]);
      ctx.fillText(text, geo.cx[u], geo.cy[u]);
    }
  }

  drawLegend() {
    const spec = this.spec;
    if (!this.legend) return;
    if (spec.kind === 'classes') {
      const key = `c\u0000${spec.classes.join('\u0000')}\u0000${spec.values.some((v) => v === null)}`;
      if (key === this.legendKey) return;
      this.legendKey = key;
      const items = spec.classes.map((name, k) => {
        const sw = el('span', { class: 'swatch' });
        sw.style.background = css(classColor(k));
        return el('span', { class: 'legend-item' }, sw, name);
      });
      if (spec.values.some((v) => v === null || v === undefined)) items.push(this.emptyKey());
      this.legend.replaceChildren(...items);
      return;
    }
    const key = `v\u0000${spec.scheme}\u0000${fmt(spec.lo)}\u0000${fmt(spec.hi)}\u0000${spec.kind}`;
    if (key === this.legendKey && this.legend.querySelector('canvas')?.width) return;
    this.legendKey = key;
    const c = el('canvas', { class: 'ramp' });
    const w = Math.max(120, Math.min(360, this.cssW - 20));
    const h = 26;
    const dpr = window.devicePixelRatio || 1;
    c.width = w * dpr;
    c.height = h * dpr;
    c.style.width = `${w}px`;
    c.style.height = `${h}px`;
    const ctx = c.getContext('2d');
    ctx.scale(dpr, dpr);
    const x0 = 54;
    const x1 = w - 54;
    for (let x = x0; x < x1; x++) {
      ctx.fillStyle = css(colorAt(spec.scheme, (x - x0) / (x1 - x0 - 1)));
      ctx.fillRect(x, 5, 1, h - 10);
    }
    ctx.fillStyle = '#1d2430';
    ctx.font = '12px "DejaVu Sans", sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    ctx.fillText(fmt(spec.lo), x0 - 5, h / 2);
    ctx.textAlign = 'left';
    ctx.fillText(fmt(spec.hi), x1 + 5, h / 2);
    const parts = [c];
    if (spec.kind === 'hits') parts.push(this.emptyKey('no rows (0 hits)'));
    if (spec.legendTitle) parts.unshift(el('span', { class: 'legend-title', text: spec.legendTitle }));
    this.legend.replaceChildren(...parts);
  }

  emptyKey(text = 'no rows') {
    return el('span', { class: 'legend-item' }, el('span', { class: 'swatch swatch-empty' }), text);
  }

  // ---- details on hover and tap -----------------------------------------------------

  showDetails(ev, pin) {
    const tip = this.tooltip;
    if (!this.map || !this.geo) return;
    const rect = this.canvas.getBoundingClientRect();
    const px = (ev.clientX - rect.left - this.tx) / this.z;
    const py = (ev.clientY - rect.top - this.ty) / this.z;
    const i = unitAt(this.geo, px, py);
    if (i < 0) {
      if (!pin && tip.dataset.pinned === '1') return;
      tip.hidden = true;
      tip.dataset.pinned = '';
      return;
    }
    const extra = this.opts.details ? this.opts.details(i) : '';
    tip.innerHTML = unitDetails(this.map, i, extra);
    tip.dataset.unit = String(i);
    tip.dataset.pinned = pin ? '1' : '';
    tip.hidden = false;
    const box = this.container.getBoundingClientRect();
    let x = ev.clientX - box.left + 14;
    const y = ev.clientY - box.top + 14;
    // Inside the page's width: on a phone the box would hang off the edge.
    x = Math.max(0, Math.min(x, box.width - tip.offsetWidth - 4));
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  }

  // ---- zoom and pan -------------------------------------------------------------------

  enableZoom() {
    const c = this.canvas;
    c.addEventListener('wheel', (ev) => {
      if (!this.map) return;
      ev.preventDefault();
      const rect = c.getBoundingClientRect();
      this.zoomAt(ev.deltaY < 0 ? 1.25 : 0.8, ev.clientX - rect.left, ev.clientY - rect.top);
    }, { passive: false });
    let start = null;
    c.addEventListener('pointerdown', (ev) => {
      this.moved = false;
      if (this.z <= 1) return;
      start = { x: ev.clientX, y: ev.clientY, tx: this.tx, ty: this.ty };
      this.dragging = true;
      c.setPointerCapture(ev.pointerId);
    });
    c.addEventListener('pointermove', (ev) => {
      if (!start) return;
      const dx = ev.clientX - start.x;
      const dy = ev.clientY - start.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) this.moved = true;
      this.tx = start.tx + dx;
      this.ty = start.ty + dy;
      this.clampPan();
      this.draw();
    });
    const end = () => {
      start = null;
      this.dragging = false;
    };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
  }

  zoomAt(f, x, y) {
    const z = Math.min(12, Math.max(1, this.z * f));
    const k = z / this.z;
    this.tx = x - (x - this.tx) * k;
    this.ty = y - (y - this.ty) * k;
    this.z = z;
    this.clampPan();
    this.canvas.classList.toggle('zoomed', this.z > 1);
    this.canvas.dataset.zoom = this.z.toFixed(2);
    this.draw();
  }

  zoomBy(f) {
    this.zoomAt(f, this.cssW / 2, this.cssH / 2);
  }

  resetZoom(redraw = true) {
    this.z = 1;
    this.tx = 0;
    this.ty = 0;
    this.canvas.classList.remove('zoomed');
    this.canvas.dataset.zoom = '1.00';
    if (redraw) this.draw();
  }

  clampPan() {
    const minX = this.cssW * (1 - this.z);
    const minY = this.cssH * (1 - this.z);
    this.tx = Math.min(0, Math.max(minX, this.tx));
    this.ty = Math.min(0, Math.max(minY, this.ty));
  }
}
