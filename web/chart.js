// The error chart: QE (left axis) and TE (right axis, 0..1) per pass, the
// width of its box, both axes labelled.
'use strict';

import { fmt } from './util.js';

export function drawChart(canvas, history, nPasses) {
  const box = canvas.parentElement;
  const w = Math.max(200, Math.floor(box.clientWidth - 2));
  const h = Math.max(180, Math.min(300, Math.round(w * 0.6)));
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const L = 58;
  const Rm = 50;
  const T = 10;
  const B = 34;
  const pts = history.filter((p) => p[1] !== null);
  ctx.strokeStyle = '#c8ced6';
  ctx.lineWidth = 1;
  ctx.strokeRect(L, T, w - L - Rm, h - T - B);
  ctx.font = '11px "DejaVu Sans", sans-serif';
  // Axis titles, drawn even before the first point.
  const vertical = (text, x, color) => {
    ctx.save();
    ctx.translate(x, T + (h - T - B) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillStyle = color;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(text, 0, 0);
    ctx.restore();
  };
  vertical('QE (quantization error)', 10, '#2f6db5');
  vertical('TE (topographic error)', w - 8, '#b45309');
  ctx.fillStyle = '#6b7280';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillText('pass', (L + w - Rm) / 2, h - B + 16);
  canvas.dataset.points = String(pts.length);
  if (!pts.length) return;
  const maxPass = Math.max(1, ...pts.map((p) => p[0]), nPasses || 1);
  const maxQe = Math.max(1e-9, ...pts.map((p) => p[1])) * 1.08;
  const X = (p) => L + ((w - L - Rm) * p) / maxPass;
  const Yq = (q) => h - B - ((h - T - B) * q) / maxQe;
  const Yt = (t) => h - B - (h - T - B) * t;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = '#2f6db5';
  for (let k = 0; k <= 4; k++) ctx.fillText(fmt((maxQe * k) / 4, 2), L - 4, Yq((maxQe * k) / 4));
  ctx.textAlign = 'left';
  ctx.fillStyle = '#b45309';
  for (let k = 0; k <= 4; k++) ctx.fillText(fmt(k / 4, 2), w - Rm + 4, Yt(k / 4));
  ctx.fillStyle = '#6b7280';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillText('0', X(0), h - B + 3);
  ctx.fillText(String(maxPass), X(maxPass), h - B + 3);
  const line = (color, Y, k) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    pts.forEach((p, i) => {
      if (i === 0) ctx.moveTo(X(p[0]), Y(p[k]));
      else ctx.lineTo(X(p[0]), Y(p[k]));
    });
    ctx.stroke();
  };
  line('#d97706', Yt, 2);
  line('#2f6db5', Yq, 1);
}
