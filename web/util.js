// Small helpers every part of the page uses: element lookup, number and time
// formats, the error banner and the busy indicator.
'use strict';

export const $ = (id) => document.getElementById(id);

export function fmt(v, digits = 4) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(digits)));
}

// A duration in words a person reads at a glance: "45 s", "3 min 20 s", "2 h 5 min".
export function duration(s) {
  if (!Number.isFinite(s) || s < 0) return '–';
  if (s < 1) return '< 1 s';
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

// A time stamp (ISO text or Unix seconds) as the local "14:05" today, else "3 Dec 14:05".
export function when(t) {
  if (t === null || t === undefined) return '';
  const d = typeof t === 'number' ? new Date(t * 1000) : new Date(t);
  if (Number.isNaN(d.getTime())) return '';
  const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === new Date().toDateString()) return hm;
  return `${d.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${hm}`;
}

export function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

// document.createElement with properties and children in one call.
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k in e && k !== 'list' && k !== 'form') e[k] = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// ---- errors where the person is looking ---------------------------------------------

// An error goes twice: into the inline message next to the control that
// caused it (`where`, an element id), and into the banner at the top of
// the viewport (position: fixed), so that it is seen even when the control
// has scrolled away.
export function showError(message, where) {
  const banner = $('banner');
  $('banner-text').textContent = message;
  banner.hidden = false;
  banner.dataset.shownAt = String(Date.now());
  if (where) {
    const box = $(where);
    if (box) box.textContent = message;
  }
}

export function clearError(where) {
  if (where && $(where)) $(where).textContent = '';
  $('banner').hidden = true;
}

// ---- busy ---------------------------------------------------------------------------

let busyCount = 0;

// Runs `work` (a promise-returning function) with the busy indicator on:
// the header's spinner with `label`, body[data-busy], and `button`, if any,
// disabled. Shown at once: an upload of tens of megabytes takes seconds.
export async function busy(label, work, button) {
  busyCount++;
  $('busy-text').textContent = label;
  $('busy').hidden = false;
  document.body.dataset.busy = '1';
  if (button) button.disabled = true;
  try {
    return await work();
  } finally {
    if (button) button.disabled = false;
    if (--busyCount === 0) {
      $('busy').hidden = true;
      delete document.body.dataset.busy;
    }
  }
}

// Offers text (a CSV table) as a file download.
export function download(text, name, type = 'text/csv') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
