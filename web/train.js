// The Train tab: start, stop and continue a job, follow it live (Server-Sent
// Events and the latest map.json, at most ~8 frames a second), the views
// of the map (U-matrix, one large view, all component planes, the errors),
// the jobs the server keeps, clustering, and the pictures to save.
'use strict';

import { api, query } from './api.js';
import { $, el, fmt, duration, when, busy, debounce, showError, clearError } from './util.js';
import { MapView, range, classesOf, colormapNames } from './mapview.js';
import { SettingsForm } from './form.js';
import { Datasets } from './upload.js';
import { drawChart } from './chart.js';

// Runs estimated longer than this ask before they start.
const CONFIRM_OVER_S = 180;

// What this server offers beyond the first API: POST /api/jobs?dry_run=1
// (an estimate that starts nothing) came with max_upload_words in /api/health.
const server = { dryRun: false };
export function setServer(health) {
  server.dryRun = Boolean(health && health.max_upload_words);
}

export const train = {
  job: null, // the job's status (GET /api/jobs/ID, then SSE events)
  history: [], // [pass, qe, te]
  events: null, // EventSource
  map: null, // map JSON of the latest snapshot
  fetching: false,
  again: false,
  lastFetch: 0,
  firstRange: null, // the U-matrix's range in the job's first frame
  widestRange: null, // the union of its ranges so far
  labelsTouched: false,
  planes: [], // the small multiples: [{fig, view}]
};

const form = new SettingsForm($('settings-form'));
let datasets = null;
const main = $('train-main');
const tooltip = $('tooltip');
const heightLimit = () => Math.max(220, window.innerHeight - 190);
const umView = new MapView($('umatrix'), $('umatrix-legend'), tooltip, main, { maxHeight: heightLimit, zoom: true });
const planeView = new MapView($('plane-canvas'), $('plane-legend'), tooltip, main, { maxHeight: heightLimit, zoom: true });

const trainError = (msg) => {
  if (msg) showError(msg, 'train-error');
  else clearError('train-error');
};

// ---- the form -----------------------------------------------------------------------

export async function setupForm(settingsTable) {
  form.build(settingsTable);
  datasets = new Datasets((d) => {
    form.setColumns(d ? d.titles : [], d ? d.label_column : null);
    showEstimateSoon();
  });
  await datasets.load();
  $('train-form').addEventListener('input', showEstimateSoon);
  $('train-form').addEventListener('change', showEstimateSoon);
}

export const loadDatasets = (id) => datasets.load(id);

function settings() {
  return { dataset: $('dataset').value, ...form.values(), pace: Number($('pace').value) };
}

// About how long a run takes: at a pace, passes / pace exactly; else the
// work (passes × rows × units × fields) at a rate a slow machine reaches.
function estimateSeconds(s) {
  const d = datasets && datasets.current();
  if (!d) return null;
  const units = (s.rows || 10) * (s.cols || 10);
  const steps = s.iterations ? s.iterations / Math.max(1, d.rows) : s.epochs || 10;
  const work = steps * d.rows * units * Math.max(1, d.dim) * 4;
  const fast = work / 4e8;
  return s.pace > 0 ? Math.max(steps / s.pace, fast) : fast;
}

// The server's estimate (its speed on this machine), else the page's guess.
async function estimate(s) {
  if (server.dryRun) {
    try {
      const r = await api('POST', '/api/jobs?dry_run=1', s);
      if (r && r.dry_run && Number.isFinite(r.estimate_s)) return r.estimate_s;
    } catch (e) {
      return null; // a bad setting: Start says so
    }
  }
  return estimateSeconds(s);
}

let estimateSeq = 0;
async function showEstimate() {
  const s = settings();
  const seq = ++estimateSeq;
  const t = await estimate(s);
  if (seq !== estimateSeq) return;
  $('estimate').textContent = t === null ? '' : `Estimated time: about ${duration(t)}${s.pace > 0 ? ` (slowed to ${s.pace} passes/s)` : ''}.`;
  $('estimate').classList.toggle('warn', t !== null && t > CONFIRM_OVER_S);
}
const showEstimateSoon = debounce(showEstimate, 250);

$('train-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  trainError('');
  form.clearErrors();
  const s = settings();
  const t = await estimate(s);
  if (t !== null && t > CONFIRM_OVER_S &&
      !window.confirm(`This run takes about ${duration(t)}${s.pace > 0 ? `, slowed to ${s.pace} passes per second` : ''}. Start it?`)) return;
  try {
    const job = await busy('Starting…', () => api('POST', '/api/jobs', s), $('start'));
    attach(job, false);
    refreshJobs();
    // The live view first: on a phone it sits above the form now.
    train.justStarted = true;
    $('train-main').scrollIntoView({ block: 'start' });
  } catch (e) {
    // The setting an error is about: the server's `field`, else the name
    // its message starts with ("epochs: expected a whole number >= 1").
    const m = /^([a-z][a-z_-]*): (.*)$/s.exec(e.message);
    const field = e.field || (m && form.has(m[1]) ? m[1] : null);
    const words = m && field === m[1] ? m[2] : e.message;
    const shown = form.showFieldError(field, words);
    trainError(shown ? `${form.labelOf(field)}: ${words}` : e.message);
  }
});

$('stop').addEventListener('click', async () => {
  if (!train.job) return;
  try {
    update(await api('POST', `/api/jobs/${train.job.id}/stop`));
  } catch (e) {
    trainError(e.message);
  }
});

$('continue').addEventListener('click', async () => {
  if (!train.job) return;
  trainError('');
  try {
    update(await api('POST', `/api/jobs/${train.job.id}/continue`));
    listen();
  } catch (e) {
    trainError(e.message);
  }
});

// ---- following a job ----------------------------------------------------------------

// Shows a job, and follows it while it trains. fill: show its settings in
// the form (a job picked from the list, or found after a reload).
export function attach(job, fill = true) {
  if (train.events) train.events.close();
  train.events = null;
  train.job = job;
  train.history = job.history || [];
  train.map = null;
  train.firstRange = null;
  train.widestRange = null;
  localStorage.setItem('som.job', job.id);
  $('panel-train').classList.add('has-job');
  if (fill && job.settings) {
    if (job.settings.dataset) datasets.select(job.settings.dataset);
    form.fill(job.settings);
    if (job.settings.pace !== undefined) {
      const p = String(job.settings.pace);
      if ([...$('pace').options].some((o) => o.value === p)) $('pace').value = p;
    }
  }
  $('cluster-info').textContent = 'Available when training is done.';
  update(job);
  redrawChart();
  if (job.state !== 'done' && job.state !== 'failed') listen();
  fetchMap();
}

function detach() {
  if (train.events) train.events.close();
  train.events = null;
  train.job = null;
  train.map = null;
  train.history = [];
  localStorage.removeItem('som.job');
  $('panel-train').classList.remove('has-job');
  $('views').hidden = true;
  $('empty-state').hidden = false;
  $('progress').dataset.state = 'idle';
  delete $('progress').dataset.job;
  $('progress-fill').style.width = '0';
  $('progress-text').textContent = 'Pick a data set and press Start.';
  $('start').disabled = false;
  $('stop').disabled = true;
  $('continue').disabled = true;
  saveLinks();
}

function listen() {
  if (!train.job || train.events) return;
  const id = train.job.id;
  const es = new EventSource(`/api/jobs/${id}/events`);
  train.events = es;
  es.addEventListener('progress', (ev) => {
    if (!train.job || train.job.id !== id) return;
    update(JSON.parse(ev.data));
  });
  es.addEventListener('deleted', () => {
    es.close();
    if (train.events === es) train.events = null;
    trainError('The job was deleted on the server.');
  });
  es.onerror = () => {
    // The browser reconnects by itself while the server is up; a finished
    // job's stream ends for good.
    if (train.job && (train.job.state === 'done' || train.job.state === 'failed')) {
      es.close();
      if (train.events === es) train.events = null;
    }
  };
}

// Takes a status (from a reply or an event) into the view.
function update(st) {
  const job = train.job;
  if (!job || st.id !== job.id) return;
  // Replies and events race: versions only grow; ignore older news.
  if (typeof st.version === 'number' && typeof job.version === 'number' && st.version < job.version) return;
  const before = job.state;
  Object.assign(job, st);
  if (Array.isArray(st.history)) {
    if (st.history_from === 0) train.history = st.history.slice();
    else {
      const last = train.history.length ? train.history[train.history.length - 1][0] : -1;
      for (const h of st.history) if (h[0] > last) train.history.push(h);
    }
    redrawChart();
  }
  showProgress();
  if ((job.state === 'done' || job.state === 'failed') && train.events) {
    train.events.close();
    train.events = null;
  }
  if (job.state === 'failed') trainError(job.error || 'Training failed.');
  if (before !== job.state) refreshJobs();
  fetchMap();
}

// Passes (or steps) per second and the time left: the server's when it
// sends them, else from the steps done and the seconds spent.
function rateAndEta(job) {
  const online = job.settings ? job.settings.algorithm === 'online' : false;
  let rate = Number.isFinite(job.rate) ? job.rate : null;
  let unit = job.rate_unit || (online ? 'steps' : 'passes');
  if (rate === null && job.elapsed > 0.2 && job.step > 0) rate = job.step / job.elapsed;
  let eta = Number.isFinite(job.eta_s) ? job.eta_s : null;
  if (eta === null && rate) eta = (job.n_steps - job.step) / rate;
  return { rate, eta, unit };
}

function showProgress() {
  const job = train.job;
  const box = $('progress');
  if (!job) return;
  const state = job.stopping ? 'stopping' : job.state;
  box.dataset.job = job.id;
  box.dataset.state = job.state;
  box.dataset.pass = String(job.pass);
  box.dataset.passes = String(job.n_passes);
  const frac = job.n_steps ? job.step / job.n_steps : 0;
  $('progress-fill').style.width = `${(100 * frac).toFixed(1)}%`;
  const s = job.settings || {};
  const online = s.algorithm === 'online';
  const { rate, eta, unit } = rateAndEta(job);
  const active = job.state === 'running';
  $('progress-text').textContent =
    `${state} · pass ${job.pass} / ${job.n_passes}` +
    ` · QE ${fmt(job.qe)} · TE ${fmt(job.te)}` +
    ` · radius ${fmt(job.sigma, 3)}` +
    (online ? ` · rate ${fmt(job.alpha, 3)}` : '') +
    (job.elapsed < 1 ? ` · ${fmt(job.elapsed * 1000, 3)} ms` : ` · ${fmt(job.elapsed, 3)} s`) +
    (active && rate ? ` · ${fmt(rate, 3)} ${unit}/s` : '') +
    (active && eta !== null ? ` · ${duration(eta)} left` : '') +
    (active && s.pace > 0 ? ` (slowed to ${s.pace} passes/s)` : '');
  $('progress-text').title = 'QE: quantization error, the mean distance of the rows to their best units. ' +
    'TE: topographic error, the share of rows whose two best units are not neighbours. ' +
    'Radius: the neighbourhood radius now, in grid units.';
  $('start').disabled = job.state === 'running' || job.state === 'queued';
  $('stop').disabled = !(job.state === 'running' || job.state === 'queued') || job.stopping;
  $('continue').disabled = job.state !== 'stopped';
  $('cluster-run').disabled = job.state !== 'done';
  if (job.state === 'done' && $('cluster-info').textContent.startsWith('Available')) $('cluster-info').textContent = 'Ready: press the button.';
  saveLinks();
}

// The latest map, at most ~8 times a second, one request at a time.
async function fetchMap() {
  if (!train.job) return;
  if (train.fetching) {
    train.again = true;
    return;
  }
  const wait = 120 - (performance.now() - train.lastFetch);
  train.fetching = true;
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  train.lastFetch = performance.now();
  const id = train.job && train.job.id;
  try {
    if (id) {
      const map = await api('GET', `/api/jobs/${id}/map.json`);
      if (train.job && train.job.id === id) {
        const first = !train.map;
        train.map = map;
        if (first) newMap(map);
        drawTrainMaps();
      }
    }
  } catch (e) {
    if (e.status !== 409 && e.status !== 404) trainError(e.message); // 409: no map yet
  }
  train.fetching = false;
  if (train.again) {
    train.again = false;
    fetchMap();
  }
}

// A job's first map: the views appear, labels on where the grid has room.
function newMap(map) {
  $('empty-state').hidden = true;
  $('views').hidden = false;
  if (!train.labelsTouched) $('show-labels').checked = Boolean(map.labels) && map.units <= 225;
  $('show-labels').disabled = !map.labels;
  buildPlanes(map);
  if (train.justStarted) $('train-main').scrollIntoView({ block: 'start' });
  train.justStarted = false;
}

function fillPlaneSelect(map) {
  const sel = $('plane');
  const opts = map.titles.map((t, j) => [String(j), t]);
  opts.push(['hits', 'hits']);
  if (map.labels) opts.push(['classes', 'classes (labels)']);
  if (map.clusters) opts.push(['clusters', 'clusters']);
  const key = opts.map((o) => o.join('=')).join('\u0000');
  if (sel.dataset.key === key) return;
  const keep = sel.value;
  sel.replaceChildren(...opts.map(([v, t]) => el('option', { value: v, text: t })));
  sel.dataset.key = key;
  if (opts.some((o) => o[0] === keep)) sel.value = keep;
}

function umatrixRange(map) {
  const r = range(map.umatrix);
  if (!train.firstRange) train.firstRange = r;
  train.widestRange = train.widestRange
    ? [Math.min(train.widestRange[0], r[0]), Math.max(train.widestRange[1], r[1])]
    : r;
  const mode = $('scale-mode').value;
  if (mode === 'first') return train.firstRange;
  if (mode === 'widest') return train.widestRange;
  return r;
}

// What one view shows: a plane, the hits, the classes or the clusters.
function viewSpec(map, which, scheme) {
  if (which === 'hits') {
    const values = map.hits || new Array(map.units).fill(0);
    const max = Math.max(1, ...values);
    return { kind: 'hits', values, lo: max > 1 ? 1 : 0, hi: max, scheme, legendTitle: 'rows per unit' };
  }
  if (which === 'classes' && map.labels) {
    const names = classesOf(map);
    const index = new Map(names.map((n, k) => [n, k]));
    return { kind: 'classes', values: map.labels.map((l) => (l === null ? null : index.get(l))), classes: names };
  }
  if (which === 'clusters' && map.clusters) {
    const k = Math.max(...map.clusters) + 1;
    return { kind: 'classes', values: map.clusters, classes: Array.from({ length: k }, (_, i) => `cluster ${i + 1}`) };
  }
  const j = Number(which) || 0;
  const values = map.codebook.map((w) => w[j]);
  // The field's data range (som render --range data), the same for every
  // pass while the map trains, so that its colours compare.
  const [lo, hi] = map.ranges[j] || range(values);
  return { kind: 'values', values, lo, hi, scheme, legendTitle: map.titles[j] };
}

function drawTrainMaps() {
  const map = train.map;
  if (!map) return;
  const scheme = $('colors').value || 'viridis';
  const [lo, hi] = umatrixRange(map);
  $('show-boundaries').disabled = !map.clusters;
  umView.set(map, {
    kind: 'values', values: map.umatrix, lo, hi, scheme, legendTitle: 'distance to neighbours',
    labels: $('show-labels').checked, boundaries: $('show-boundaries').checked,
  });
  fillPlaneSelect(map);
  const which = $('plane').value;
  planeView.set(map, { ...viewSpec(map, which, scheme), labels: which === 'classes' && $('show-labels').checked,
    boundaries: which !== 'clusters' && $('show-boundaries').checked });
  train.planes.forEach((p, j) => p.view.set(map, viewSpec(map, String(j), scheme)));
  saveLinks();
}

// The small multiples: one small view per field, as `som render --plot planes`.
function buildPlanes(map) {
  const box = $('planes');
  box.replaceChildren();
  train.planes = map.titles.map((t, j) => {
    const canvas = el('canvas', { title: `${t}: click to view it large` });
    const fig = el('div', { class: 'small-plane' }, el('div', { class: 'small-title', text: t }), el('div', { class: 'canvas-box' }, canvas));
    box.append(fig);
    const view = new MapView(canvas, null, tooltip, main, {
      maxHeight: () => 220,
      onClick: () => {
        $('plane').value = String(j);
        drawTrainMaps();
        $('fig-plane').scrollIntoView({ block: 'nearest' });
      },
    });
    return { fig, view };
  });
}

function redrawChart() {
  drawChart($('chart'), train.history, train.job ? train.job.n_passes : 1);
}

window.addEventListener('resize', () => {
  if (train.map) redrawChart();
});

$('plane').addEventListener('change', drawTrainMaps);
$('scale-mode').addEventListener('change', drawTrainMaps);
$('show-boundaries').addEventListener('change', drawTrainMaps);
$('show-labels').addEventListener('change', () => {
  train.labelsTouched = true;
  drawTrainMaps();
});
$('zoom-in').addEventListener('click', () => planeView.zoomBy(1.5));
$('zoom-out').addEventListener('click', () => planeView.zoomBy(1 / 1.5));
$('zoom-reset').addEventListener('click', () => planeView.resetZoom());

export function fillColors() {
  const sel = $('colors');
  sel.replaceChildren(...colormapNames().map((n) => el('option', { value: n, text: n })));
  sel.value = 'viridis';
}

export const redrawTrain = drawTrainMaps;

// ---- pictures to save: drawn by the server with the render library -------------------

// `som render`'s options (doc/API.md, Pictures) for what a view shows.
function plotQuery(which) {
  const map = train.map;
  const o = { colors: $('colors').value || 'viridis' };
  if (map && map.clusters && $('show-boundaries').checked && which !== 'clusters') o.boundaries = 1;
  if (which === 'umatrix') return { plot: 'umatrix', ...o };
  if (which === 'planes') return { plot: 'planes', range: 'data', ...o };
  if (which === 'hits') return { plot: 'hits', ...o };
  if (which === 'classes') return { plot: 'labels', ...o };
  if (which === 'clusters') return { plot: 'clusters', ...o };
  const j = Number(which) || 0;
  return { plot: 'planes', field: map ? map.titles[j] : String(j), range: 'data', ...o };
}

function saveLinks() {
  const job = train.job;
  const ok = Boolean(job && (job.has_model || job.pass > 0 || job.state === 'done' || job.state === 'stopped'));
  const base = ok ? `/api/jobs/${job.id}` : '';
  const name = ok ? `som-${(job.name || job.dataset_name || 'map').replace(/\.[a-z]+$/i, '')}` : 'som';
  const set = (id, href, file) => {
    const a = $(id);
    a.classList.toggle('disabled', !ok);
    a.href = ok ? href : '#';
    if (file) a.download = file;
  };
  set('save-som', `${base}/model.som`, `${name}.som`);
  set('save-somnet', `${base}/model.somnet`, `${name}.somnet`);
  set('report', `${base}/report.html`);
  const which = $('plane').value || '0';
  for (const ext of ['png', 'svg']) {
    set(`save-umatrix-${ext}`, `${base}/plot.${ext}${query(plotQuery('umatrix'))}`, `${name}-umatrix.${ext}`);
    set(`save-planes-${ext}`, `${base}/plot.${ext}${query(plotQuery('planes'))}`, `${name}-planes.${ext}`);
    set(`save-error-${ext}`, `${base}/plot.${ext}${query({ plot: 'error' })}`, `${name}-error.${ext}`);
    const label = /^\d+$/.test(which) && train.map ? train.map.titles[Number(which)] : which;
    set(`save-plane-${ext}`, `${base}/plot.${ext}${query(plotQuery(which))}`, `${name}-${label}.${ext}`);
  }
  $('delete-job').disabled = !job;
}

// ---- the jobs the server keeps ------------------------------------------------------

export async function refreshJobs() {
  try {
    const data = await api('GET', '/api/jobs');
    const sel = $('jobs');
    sel.replaceChildren(el('option', { value: '', text: data.jobs.length ? '— pick a job —' : '(none yet: press Start)' }));
    for (const j of data.jobs) {
      const s = j.settings || {};
      const text = `${j.name || j.dataset_name || s.dataset} · ${s.rows}×${s.cols} ${s.algorithm} · ${j.state}` +
        (j.created ? ` · ${when(j.created)}` : '');
      sel.append(el('option', { value: j.id, text }));
    }
    if (train.job) sel.value = train.job.id;
    return data.jobs;
  } catch (e) {
    return []; // the list is a convenience
  }
}

$('jobs').addEventListener('change', async (ev) => {
  const id = ev.target.value;
  if (!id) return;
  try {
    attach(await api('GET', `/api/jobs/${id}`));
  } catch (e) {
    trainError(e.message);
  }
});

$('delete-job').addEventListener('click', async () => {
  const job = train.job;
  if (!job) return;
  if (!window.confirm(`Delete this job (${job.dataset_name || ''}, ${job.state}) from the server?`)) return;
  try {
    await api('DELETE', `/api/jobs/${job.id}`);
    detach();
    await refreshJobs();
  } catch (e) {
    trainError(e.message);
  }
});

// ---- clustering ---------------------------------------------------------------------

$('cluster-run').addEventListener('click', async () => {
  const job = train.job;
  if (!job) return;
  clearError('cluster-error');
  const k = $('cluster-k').value.trim();
  const body = { k: k === '' ? 'auto' : Number(k), method: $('cluster-method').value };
  try {
    const r = await busy('Clustering…', () => api('POST', `/api/jobs/${job.id}/cluster`, body), $('cluster-run'));
    $('cluster-info').textContent = `${r.k} clusters${r.auto ? ' (automatic: the lowest Davies-Bouldin index)' : ''}, ` +
      `of ${r.sizes.join(', ')} units. Their boundaries are drawn over the U-matrix.`;
    $('cluster-info').dataset.k = String(r.k);
    $('show-boundaries').checked = true;
    train.map = await api('GET', `/api/jobs/${job.id}/map.json`);
    fillPlaneSelect(train.map);
    $('plane').value = 'clusters';
    drawTrainMaps();
  } catch (e) {
    showError(e.message, 'cluster-error');
  }
});
