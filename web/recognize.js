// The Recognize tab: a map (the trained one, or an uploaded model), rows
// typed or from a CSV file, each row's best unit lit up on the U-matrix,
// the blanks filled in, a supervised map's class named; the table as CSV.
'use strict';

import { api } from './api.js';
import { $, el, fmt, when, busy, showError, clearError, download } from './util.js';
import { MapView, range } from './mapview.js';
import { train } from './train.js';

const rec = { id: null, info: null, map: null, results: null, classFields: new Set() };
const view = new MapView($('recognize-map'), $('recognize-legend'), $('recognize-tooltip'), $('recognize-main'), {
  maxHeight: () => Math.max(220, Math.min(440, window.innerHeight - 300)),
  zoom: true,
});
const recError = (msg) => (msg ? showError(msg, 'recognize-error') : clearError('recognize-error'));

// The class targets of a supervised map: fields named "TARGET=CLASS".
function targetsOf(titles) {
  const t = new Map();
  titles.forEach((title, j) => {
    const m = /^(.+)=(.+)$/.exec(title);
    if (m) {
      if (!t.has(m[1])) t.set(m[1], []);
      t.get(m[1]).push(j);
    }
  });
  return t;
}

// Where a map came from, in words: a file's name, or the job's data set
// and time (not the job's id).
function sourceText(info) {
  const m = /^job ([0-9a-f]+)$/.exec(info.source || '');
  const t = info.created ? ` (${when(info.created)})` : '';
  if (!m) return `${info.name || info.source}${t}`;
  const job = train.job && train.job.id === m[1] ? train.job : null;
  return job ? `the map trained on ${job.name || job.dataset_name}${t}` : `a trained map${t}`;
}

export async function setMap(info) {
  rec.id = info.id;
  rec.info = info;
  rec.results = null;
  localStorage.setItem('som.map', info.id);
  const targets = targetsOf(info.titles);
  rec.classFields = new Set([...targets.values()].flat());
  const plain = info.titles.filter((_, j) => !rec.classFields.has(j));
  $('map-info').textContent =
    `${info.rows}×${info.cols} ${info.topology}${info.toroid ? ' toroid' : ''}, ` +
    `${info.dim} fields (${plain.join(', ')})` +
    (targets.size ? `, supervised: predicts ${[...targets.keys()].join(', ')}` : '') +
    `, from ${sourceText(info)}`;
  $('map-info').dataset.map = info.id;
  const box = $('row-fields');
  box.replaceChildren(el('label', {}, 'Label', el('input', { type: 'text', id: 'row-label', placeholder: 'row' })));
  info.titles.forEach((t, j) => {
    const inp = el('input', { type: 'text', inputMode: 'decimal', placeholder: 'unknown', class: 'row-value', dataset: { field: String(j) } });
    const l = el('label', {}, t, inp);
    // A class field is what the map predicts: left blank, it is hidden.
    if (rec.classFields.has(j)) l.hidden = true;
    box.append(l);
  });
  $('recognize-row').disabled = false;
  $('recognize-row').textContent = targets.size ? 'Predict' : 'Find best unit';
  $('rows-file').disabled = false;
  for (const ext of ['png', 'svg']) {
    const a = $(`save-recognize-${ext}`);
    a.href = `/api/maps/${info.id}/plot.${ext}?plot=umatrix&colors=${encodeURIComponent($('colors').value || 'viridis')}`;
    a.download = `som-map-umatrix.${ext}`;
  }
  $('recognize-empty').hidden = true;
  $('fig-recognize').hidden = false;
  showResults();
  rec.map = await api('GET', `/api/maps/${info.id}/map.json`);
  drawMap();
}

$('use-trained').addEventListener('click', async () => {
  recError('');
  if (!train.job) {
    recError('Train a map first (Train tab), or upload a model file.');
    return;
  }
  try {
    await setMap(await busy('Copying the map…', () => api('POST', '/api/maps', { job: train.job.id })));
  } catch (e) {
    recError(e.message);
  }
});

$('model-file').addEventListener('change', async (ev) => {
  const file = ev.target.files[0];
  if (!file) return;
  recError('');
  try {
    await setMap(await busy(`Uploading ${file.name}…`,
      () => api('POST', `/api/maps?name=${encodeURIComponent(file.name)}`, file, 'application/octet-stream')));
  } catch (e) {
    recError(`${file.name}: ${e.message}`);
  }
  ev.target.value = '';
});

$('row-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  recError('');
  if (!rec.id) return;
  const row = [];
  for (const inp of document.querySelectorAll('#row-fields .row-value')) {
    const s = inp.value.trim();
    if (s === '') row.push(null);
    else {
      const v = Number(s);
      if (!Number.isFinite(v)) {
        recError(`${inp.parentElement.firstChild.textContent}: “${s}” is not a number`);
        return;
      }
      row.push(v);
    }
  }
  if (row.every((v) => v === null)) {
    recError('Give at least one field.');
    return;
  }
  const label = $('row-label').value.trim() || `row ${((rec.results && rec.results.results.length) || 0) + 1}`;
  try {
    const res = await api('POST', `/api/maps/${rec.id}/map`, { rows: [row], labels: [label] });
    // Typed rows accumulate; a file replaces them.
    if (rec.results && rec.results.typed) rec.results.results.push(...res.results);
    else rec.results = { ...res, typed: true };
    showResults();
    // On a phone the table is below the form: bring the answer into sight.
    $('results-box').scrollIntoView({ block: 'nearest' });
  } catch (e) {
    recError(e.message);
  }
});

$('rows-file').addEventListener('change', async (ev) => {
  const file = ev.target.files[0];
  if (!file || !rec.id) return;
  recError('');
  try {
    rec.results = await busy(`Reading ${file.name}…`, () => api('POST', `/api/maps/${rec.id}/map`, file, 'text/csv'));
    showResults();
  } catch (e) {
    recError(`${file.name}: ${e.message}`);
  }
  ev.target.value = '';
});

// The table's columns: the row, its best unit, the predicted classes (a
// supervised map), then the fields, filled in where they were blank.
function columns(r) {
  const classNames = [...new Set(r.results.flatMap((x) => Object.keys(x.classes || {})))];
  const fields = r.titles.map((t, j) => j).filter((j) => !rec.classFields.has(j));
  return { classNames, fields };
}

function showResults() {
  const head = $('results').tHead;
  const body = $('results').tBodies[0];
  head.replaceChildren();
  body.replaceChildren();
  const r = rec.results;
  $('results-box').hidden = !r || !r.results.length;
  if (!r || !r.results.length) {
    drawMap();
    return;
  }
  const { classNames, fields } = columns(r);
  const names = ['#', 'label', 'unit', 'row', 'col', 'distance', ...classNames.map((c) => `${c} (predicted)`), ...fields.map((j) => r.titles[j])];
  head.append(el('tr', {}, ...names.map((c, k) => el('th', { text: c, class: k === 1 || (k >= 6 && k < 6 + classNames.length) ? 'label' : '' }))));
  r.results.forEach((x, i) => {
    const tr = el('tr');
    const cell = (text, cls, title) => tr.append(el('td', { text, class: cls || '', title: title || '' }));
    cell(String(i + 1));
    cell(x.label, 'label');
    cell(String(x.unit));
    cell(String(x.row));
    cell(String(x.col));
    cell(fmt(x.distance));
    for (const c of classNames) cell((x.classes && x.classes[c]) || '', 'label class');
    for (const j of fields) {
      const filled = x.filled.includes(j);
      cell(fmt(x.values[j]), filled ? 'filled' : '', filled ? 'filled in from the best unit' : '');
    }
    body.append(tr);
  });
  drawMap();
}

function csvCell(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// The recognition table as CSV: full precision, the filled-in fields marked
// in a column of their own.
$('export-csv').addEventListener('click', () => {
  const r = rec.results;
  if (!r) return;
  const { classNames, fields } = columns(r);
  const lines = [['label', 'unit', 'row', 'col', 'distance', ...classNames, ...fields.map((j) => r.titles[j]), 'filled'].map(csvCell).join(',')];
  for (const x of r.results) {
    lines.push([x.label, x.unit, x.row, x.col, x.distance,
      ...classNames.map((c) => (x.classes && x.classes[c]) || ''),
      ...fields.map((j) => x.values[j]),
      x.filled.filter((j) => !rec.classFields.has(j)).map((j) => r.titles[j]).join(' ')].map(csvCell).join(','));
  }
  download(`${lines.join('\n')}\n`, 'recognition.csv');
});

$('clear-results').addEventListener('click', () => {
  rec.results = null;
  showResults();
});

export function drawMap() {
  const map = rec.map;
  if (!map) {
    view.clear();
    return;
  }
  const scheme = $('colors').value || 'viridis';
  const [lo, hi] = range(map.umatrix);
  const matched = new Map(); // unit -> result numbers
  if (rec.results) {
    rec.results.results.forEach((x, i) => {
      if (!matched.has(x.unit)) matched.set(x.unit, []);
      matched.get(x.unit).push(i + 1);
    });
  }
  const marks = new Map([...matched].map(([u, rows]) => [u, rows.length > 2 ? `${rows[0]}+${rows.length - 1}` : rows.join(',')]));
  view.set(map, { kind: 'values', values: map.umatrix, lo, hi, scheme, legendTitle: 'U-matrix', marks, boundaries: true });
  $('recognize-map').dataset.matched = String(matched.size);
}

export async function restoreMap(id) {
  try {
    await setMap(await api('GET', `/api/maps/${id}`));
  } catch (e) {
    localStorage.removeItem('som.map');
  }
}
