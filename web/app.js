// som web app: plain JavaScript, no framework, no build step.
// It talks to the JSON API of `som serve` (doc/API.md) and draws maps on
// canvases with the colour schemes of `som render` (GET /api/colormaps
// gives som_colormap's colours, so both draw the same colours).
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);

  // ---- the API ---------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body, type) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      if (type) {
        init.body = body;
        init.headers['Content-Type'] = type;
      } else {
        init.body = JSON.stringify(body);
        init.headers['Content-Type'] = 'application/json';
      }
    }
    const res = await fetch(path, init);
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      data = null;
    }
    if (!res.ok) throw new ApiError(res.status, (data && data.error) || `${res.status} ${res.statusText}`);
    return data;
  }

  function fmt(v, digits = 4) {
    if (v === null || v === undefined || !Number.isFinite(v)) return '–';
    if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(2);
    return String(Number(v.toPrecision(digits)));
  }

  function debounce(fn, ms) {
    let t = null;
    return (...args) => {
      clearTimeout(t);
      t = setTimeout(() => fn(...args), ms);
    };
  }

  // ---- colours -----------------------------------------------------------------

  let colormaps = null;

  // som_colormap's colour of t in [0,1]: the server sends 256 samples per
  // scheme; between samples the colour is interpolated linearly, as the C
  // code interpolates between its control points (the mql palette is
  // indexed, round(255 t), as in C).
  function colorAt(scheme, t) {
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

  const css = (rgb) => `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;

  // ---- map geometry and drawing -------------------------------------------------

  // Unit centres in grid units (som_grid_coords): rect (c, r); hex
  // (c + 0.5 (r odd), r sqrt(3)/2), pointy-top hexagons that tile.
  function geometry(map, width, height, pad = 6) {
    const hex = map.topology === 'hex';
    const R = hex ? 1 / Math.sqrt(3) : 0.5; // vertical half-extent of a cell
    const xs = [];
    const ys = [];
    let maxX = 0;
    let maxY = 0;
    for (let i = 0; i < map.units; i++) {
      const r = Math.floor(i / map.cols);
      const c = i % map.cols;
      const x = hex ? c + 0.5 * (r & 1) : c;
      const y = hex ? (r * Math.sqrt(3)) / 2 : r;
      xs.push(x);
      ys.push(y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    }
    const spanX = maxX + 1;
    const spanY = maxY + 2 * R;
    const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
    const ox = (width - spanX * scale) / 2 + 0.5 * scale;
    const oy = (height - spanY * scale) / 2 + R * scale;
    return {
      hex,
      scale,
      cx: xs.map((x) => ox + x * scale),
      cy: ys.map((y) => oy + y * scale),
      half: 0.5 * scale, // half width of a cell
      R: R * scale,
    };
  }

  function cellPath(ctx, geo, i) {
    const x = geo.cx[i];
    const y = geo.cy[i];
    ctx.beginPath();
    if (geo.hex) {
      for (let k = 0; k < 6; k++) {
        const a = Math.PI / 6 + (k * Math.PI) / 3; // pointy top
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

  // The unit under a point: the nearest centre, if inside its cell.
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
    return bestD <= geo.R * geo.R * 1.05 ? best : -1;
  }

  function range(values) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v === null || !Number.isFinite(v)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return lo <= hi ? [lo, hi] : [0, 1];
  }

  // Draws one panel: every unit coloured by values[i] within [lo, hi].
  function drawPanel(canvas, map, values, scheme, lo, hi, overlay) {
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!map) return null;
    const geo = geometry(map, canvas.width, canvas.height);
    const span = hi - lo;
    ctx.lineWidth = Math.max(0.5, geo.scale / 40);
    ctx.strokeStyle = 'rgba(255,255,255,0.55)';
    for (let i = 0; i < map.units; i++) {
      const v = values[i];
      const t = span > 0 ? (v - lo) / span : 0.5;
      cellPath(ctx, geo, i);
      ctx.fillStyle = css(colorAt(scheme, v === null ? NaN : t));
      ctx.fill();
      if (geo.scale >= 8) ctx.stroke();
    }
    if (overlay) overlay(ctx, geo);
    return geo;
  }

  function drawLegend(canvas, scheme, lo, hi) {
    const ctx = canvas.getContext('2d');
    const w = canvas.width;
    const h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    const x0 = 60;
    const x1 = w - 60;
    for (let x = x0; x < x1; x++) {
      ctx.fillStyle = css(colorAt(scheme, (x - x0) / (x1 - x0 - 1)));
      ctx.fillRect(x, 6, 1, h - 12);
    }
    ctx.fillStyle = '#1d2430';
    ctx.font = '12px "DejaVu Sans", sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    ctx.fillText(fmt(lo), x0 - 6, h / 2);
    ctx.textAlign = 'left';
    ctx.fillText(fmt(hi), x1 + 6, h / 2);
  }

  // Majority labels of the units, small text over the cells.
  function labelOverlay(map) {
    return (ctx, geo) => {
      if (!map.labels) return;
      const size = Math.max(7, Math.min(12, geo.scale * 0.3));
      ctx.font = `${size}px "DejaVu Sans", sans-serif`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      const room = 1.8 * geo.half;
      for (let i = 0; i < map.units; i++) {
        const l = map.labels[i];
        if (!l) continue;
        // As much of the label as fits in the cell.
        let text = l;
        for (let k = l.length; k > 1 && ctx.measureText(text).width > room; k--) text = l.slice(0, k - 1);
        if (ctx.measureText(text).width > room) continue;
        ctx.lineWidth = 2.5;
        ctx.strokeStyle = 'rgba(255,255,255,0.8)';
        ctx.strokeText(text, geo.cx[i], geo.cy[i]);
        ctx.fillStyle = '#111';
        ctx.fillText(text, geo.cx[i], geo.cy[i]);
      }
    };
  }

  // ---- hover: a unit's weights in original units, hits, label -------------------

  const tooltip = $('tooltip');

  function unitDetails(map, i) {
    const r = Math.floor(i / map.cols);
    const c = i % map.cols;
    const lines = [`<b>unit ${i}</b> (row ${r}, column ${c})`];
    const w = map.codebook[i];
    map.titles.forEach((t, j) => lines.push(`${escapeHtml(t)}: ${fmt(w[j])}`));
    if (map.hits) lines.push(`hits: ${map.hits[i]}`);
    if (map.labels && map.labels[i]) lines.push(`label: ${escapeHtml(map.labels[i])}`);
    lines.push(`U-matrix: ${fmt(map.umatrix[i])}`);
    return lines.join('<br>');
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  }

  function hover(canvas, getMap, getGeo, container) {
    canvas.addEventListener('mousemove', (ev) => {
      const map = getMap();
      const geo = getGeo();
      if (!map || !geo) return;
      const rect = canvas.getBoundingClientRect();
      const px = ((ev.clientX - rect.left) * canvas.width) / rect.width;
      const py = ((ev.clientY - rect.top) * canvas.height) / rect.height;
      const i = unitAt(geo, px, py);
      if (i < 0) {
        tooltip.hidden = true;
        return;
      }
      tooltip.innerHTML = unitDetails(map, i);
      tooltip.dataset.unit = String(i);
      const box = container.getBoundingClientRect();
      tooltip.style.left = `${ev.clientX - box.left + 14}px`;
      tooltip.style.top = `${ev.clientY - box.top + 14}px`;
      tooltip.hidden = false;
    });
    canvas.addEventListener('mouseleave', () => {
      tooltip.hidden = true;
    });
  }

  // ---- tabs ----------------------------------------------------------------------

  const tabs = ['train', 'recognize', 'art'];

  function showTab(name) {
    if (!tabs.includes(name)) name = 'train';
    for (const t of tabs) {
      $(`tab-${t}`).setAttribute('aria-selected', String(t === name));
      $(`panel-${t}`).hidden = t !== name;
    }
    tooltip.hidden = true;
    if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
    if (name === 'art') art.start();
  }

  for (const t of tabs) $(`tab-${t}`).addEventListener('click', () => showTab(t));
  window.addEventListener('hashchange', () => showTab(location.hash.slice(1)));

  // ====================================================================================
  // Train
  // ====================================================================================

  const train = {
    job: null, // the job's status (GET /api/jobs/ID, then SSE events)
    history: [], // [pass, qe, te]
    events: null, // EventSource
    map: null, // map JSON of the latest snapshot
    umGeo: null,
    planeGeo: null,
    fetching: false,
    again: false,
    lastFetch: 0,
  };

  const trainError = (msg) => {
    $('train-error').textContent = msg || '';
  };

  let datasets = [];

  async function loadDatasets(select) {
    const data = await api('GET', '/api/datasets');
    datasets = data.datasets;
    const sel = $('dataset');
    const keep = select || sel.value || 'iris';
    sel.innerHTML = '';
    for (const d of datasets) {
      const o = document.createElement('option');
      o.value = d.id;
      o.textContent = d.bundled ? `${d.name} (bundled)` : d.name;
      sel.appendChild(o);
    }
    if (datasets.some((d) => d.id === keep)) sel.value = keep;
    showDatasetInfo();
  }

  function showDatasetInfo() {
    const d = datasets.find((x) => x.id === $('dataset').value);
    $('dataset-info').textContent = d
      ? `${d.rows} rows × ${d.dim} fields` +
        (d.label_column ? `, labels from “${d.label_column}”` : '') +
        (d.missing ? `, ${d.missing} missing values` : '') +
        `: ${d.titles.join(', ')}`
      : '';
  }

  $('dataset').addEventListener('change', showDatasetInfo);

  $('dataset-file').addEventListener('change', async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    trainError('');
    try {
      const d = await api('POST', `/api/datasets?name=${encodeURIComponent(file.name)}`, file, 'text/csv');
      await loadDatasets(d.id);
    } catch (e) {
      trainError(e.message);
    }
    ev.target.value = '';
  });

  function syncAlgorithm() {
    for (const el of document.querySelectorAll('.online-only')) el.hidden = $('algorithm').value !== 'online';
  }
  $('algorithm').addEventListener('change', syncAlgorithm);

  function settings() {
    const s = { dataset: $('dataset').value };
    // Blank fields are left to the server's defaults.
    const num = (id) => {
      const v = $(id).value.trim();
      if (v !== '') s[id] = Number(v);
    };
    ['rows', 'cols', 'epochs', 'seed', 'radius0', 'radius1', 'neighbor_rate', 'pace'].forEach(num);
    ['topology', 'algorithm', 'init', 'schedule', 'neighborhood', 'scale'].forEach((id) => {
      s[id] = $(id).value;
    });
    if (s.algorithm === 'online') ['rate0', 'rate1'].forEach(num);
    s.toroid = $('toroid').checked;
    return s;
  }

  $('train-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    trainError('');
    try {
      const job = await api('POST', '/api/jobs', settings());
      attach(job);
      refreshJobs();
    } catch (e) {
      trainError(e.message);
    }
  });

  $('stop').addEventListener('click', async () => {
    if (!train.job) return;
    try {
      const st = await api('POST', `/api/jobs/${train.job.id}/stop`);
      update(st);
    } catch (e) {
      trainError(e.message);
    }
  });

  $('continue').addEventListener('click', async () => {
    if (!train.job) return;
    trainError('');
    try {
      const st = await api('POST', `/api/jobs/${train.job.id}/continue`);
      update(st);
      listen();
    } catch (e) {
      trainError(e.message);
    }
  });

  // Shows a job, and follows it while it trains.
  function attach(job) {
    if (train.events) train.events.close();
    train.events = null;
    train.job = job;
    train.history = job.history || [];
    train.map = null;
    localStorage.setItem('som.job', job.id);
    update(job);
    drawChart();
    if (job.state !== 'done' && job.state !== 'failed') listen();
    fetchMap();
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
      // The browser reconnects by itself while the server is up; a
      // finished job's stream ends for good.
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
    // Replies and events race: a Stop's reply may come after the event
    // that says the job stopped. Versions only grow; ignore older news.
    if (typeof st.version === 'number' && typeof job.version === 'number' && st.version < job.version) return;
    const before = job.state;
    Object.assign(job, st);
    if (Array.isArray(st.history)) {
      if (st.history_from === 0) train.history = st.history.slice();
      else {
        const last = train.history.length ? train.history[train.history.length - 1][0] : -1;
        for (const h of st.history) if (h[0] > last) train.history.push(h);
      }
      drawChart();
    }
    showProgress();
    if (job.state === 'done' || job.state === 'failed') {
      if (train.events) {
        train.events.close();
        train.events = null;
      }
    }
    if (job.state === 'failed') trainError(job.error || 'training failed');
    if (before !== job.state) refreshJobs();
    fetchMap();
  }

  function showProgress() {
    const job = train.job;
    const box = $('progress');
    if (!job) {
      box.dataset.state = 'idle';
      return;
    }
    const state = job.stopping ? 'stopping' : job.state;
    box.dataset.job = job.id;
    box.dataset.state = job.state;
    box.dataset.pass = String(job.pass);
    box.dataset.passes = String(job.n_passes);
    const frac = job.n_steps ? job.step / job.n_steps : 0;
    $('progress-fill').style.width = `${(100 * frac).toFixed(1)}%`;
    const s = job.settings || {};
    $('progress-text').textContent =
      `${state} · pass ${job.pass} / ${job.n_passes}` +
      ` · QE ${fmt(job.qe)} · TE ${fmt(job.te)}` +
      ` · radius ${fmt(job.sigma, 3)}` +
      (s.algorithm === 'online' ? ` · rate ${fmt(job.alpha, 3)}` : '') +
      ` · ${fmt(job.elapsed, 3)} s` +
      (s.dataset ? ` · ${s.dataset}, ${s.rows}×${s.cols} ${s.topology}` : '');
    const active = job.state === 'running' || job.state === 'queued';
    $('start').disabled = active;
    $('stop').disabled = !active || job.stopping;
    $('continue').disabled = job.state !== 'stopped';
    const hasModel = job.has_model || job.pass > 0 || job.state === 'done' || job.state === 'stopped';
    for (const [id, ext] of [['save-som', 'som'], ['save-somnet', 'somnet']]) {
      const a = $(id);
      a.classList.toggle('disabled', !hasModel);
      a.href = hasModel ? `/api/jobs/${job.id}/model.${ext}` : '#';
      a.download = `som-${job.id.slice(0, 8)}.${ext}`;
    }
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
    const id = train.job.id;
    try {
      const map = await api('GET', `/api/jobs/${id}/map.json`);
      if (train.job && train.job.id === id) {
        train.map = map;
        drawTrainMaps();
      }
    } catch (e) {
      if (e.status !== 409) trainError(e.message); // 409: no map yet
    }
    train.fetching = false;
    if (train.again) {
      train.again = false;
      fetchMap();
    }
  }

  function fillPlaneSelect(map) {
    const sel = $('plane');
    if (sel.dataset.titles === map.titles.join('\u0000')) return;
    const keep = sel.value;
    sel.innerHTML = '';
    map.titles.forEach((t, j) => {
      const o = document.createElement('option');
      o.value = String(j);
      o.textContent = t;
      sel.appendChild(o);
    });
    const o = document.createElement('option');
    o.value = 'hits';
    o.textContent = 'hits';
    sel.appendChild(o);
    sel.dataset.titles = map.titles.join('\u0000');
    if (Array.from(sel.options).some((x) => x.value === keep)) sel.value = keep;
  }

  function drawTrainMaps() {
    const map = train.map;
    if (!map) return;
    const scheme = $('colors').value || 'viridis';
    const [ulo, uhi] = range(map.umatrix);
    train.umGeo = drawPanel(
      $('umatrix'), map, map.umatrix, scheme, ulo, uhi,
      $('show-labels').checked ? labelOverlay(map) : null,
    );
    drawLegend($('umatrix-legend'), scheme, ulo, uhi);
    fillPlaneSelect(map);
    const which = $('plane').value;
    let values;
    let lo;
    let hi;
    if (which === 'hits') {
      values = map.hits || new Array(map.units).fill(0);
      [lo, hi] = [0, Math.max(1, ...values)];
    } else {
      const j = Number(which) || 0;
      values = map.codebook.map((w) => w[j]);
      // The field's data range (som render --range data), the same for every
      // pass while the map trains, so that its colours compare.
      [lo, hi] = map.ranges[j] || range(values);
    }
    train.planeGeo = drawPanel($('plane-canvas'), map, values, scheme, lo, hi);
    drawLegend($('plane-legend'), scheme, lo, hi);
    $('umatrix').dataset.drawn = String(map.pass === undefined ? 0 : map.pass);
  }

  $('plane').addEventListener('change', drawTrainMaps);
  $('colors').addEventListener('change', () => {
    drawTrainMaps();
    drawRecognizeMap();
  });
  $('show-labels').addEventListener('change', drawTrainMaps);

  hover($('umatrix'), () => train.map, () => train.umGeo, $('panel-train').querySelector('.main'));
  hover($('plane-canvas'), () => train.map, () => train.planeGeo, $('panel-train').querySelector('.main'));

  // QE (left axis) and TE (right axis, 0..1) per pass.
  function drawChart() {
    const c = $('chart');
    const ctx = c.getContext('2d');
    const w = c.width;
    const h = c.height;
    ctx.clearRect(0, 0, w, h);
    const L = 44;
    const Rm = 36;
    const T = 10;
    const B = 30;
    const pts = train.history.filter((p) => p[1] !== null);
    ctx.strokeStyle = '#c8ced6';
    ctx.lineWidth = 1;
    ctx.strokeRect(L, T, w - L - Rm, h - T - B);
    ctx.fillStyle = '#6b7280';
    ctx.font = '11px "DejaVu Sans", sans-serif';
    if (!pts.length) return;
    const maxPass = Math.max(1, ...pts.map((p) => p[0]), train.job ? train.job.n_passes : 1);
    const maxQe = Math.max(1e-9, ...pts.map((p) => p[1])) * 1.08;
    const X = (p) => L + ((w - L - Rm) * p) / maxPass;
    const Yq = (q) => h - B - ((h - T - B) * q) / maxQe;
    const Yt = (t) => h - B - (h - T - B) * t;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let k = 0; k <= 4; k++) {
      ctx.fillText(fmt((maxQe * k) / 4, 2), L - 4, Yq((maxQe * k) / 4));
    }
    ctx.textAlign = 'left';
    for (let k = 0; k <= 4; k++) ctx.fillText(fmt(k / 4, 2), w - Rm + 4, Yt(k / 4));
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText('0', X(0), h - B + 4);
    ctx.fillText(String(maxPass), X(maxPass), h - B + 4);
    ctx.fillText('pass', (L + w - Rm) / 2, h - B + 4);
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
    c.dataset.points = String(pts.length);
  }

  // The jobs the server keeps: a page reload, or another tab, finds them.
  async function refreshJobs() {
    try {
      const data = await api('GET', '/api/jobs');
      const sel = $('jobs');
      sel.innerHTML = '';
      const none = document.createElement('option');
      none.value = '';
      none.textContent = data.jobs.length ? '— pick a job —' : '(none yet)';
      sel.appendChild(none);
      for (const j of data.jobs) {
        const o = document.createElement('option');
        o.value = j.id;
        const s = j.settings;
        o.textContent = `${j.dataset_name} ${s.rows}×${s.cols} ${s.algorithm} · ${j.state} · ${j.id.slice(0, 6)}`;
        sel.appendChild(o);
      }
      if (train.job) sel.value = train.job.id;
    } catch (e) {
      /* the list is a convenience */
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

  // ====================================================================================
  // Recognize
  // ====================================================================================

  const rec = { id: null, info: null, map: null, results: null, geo: null };
  const recError = (msg) => {
    $('recognize-error').textContent = msg || '';
  };

  async function setMap(info) {
    rec.id = info.id;
    rec.info = info;
    rec.results = null;
    localStorage.setItem('som.map', info.id);
    $('map-info').textContent =
      `${info.rows}×${info.cols} ${info.topology}${info.toroid ? ' toroid' : ''}, ` +
      `${info.dim} fields (${info.titles.join(', ')}), from ${info.source}`;
    $('map-info').dataset.map = info.id;
    const box = $('row-fields');
    box.innerHTML = '';
    const lab = document.createElement('label');
    lab.innerHTML = 'Label <input type="text" id="row-label" placeholder="row">';
    box.appendChild(lab);
    info.titles.forEach((t, j) => {
      const l = document.createElement('label');
      l.textContent = t;
      const inp = document.createElement('input');
      inp.type = 'text';
      inp.inputMode = 'decimal';
      inp.placeholder = 'unknown';
      inp.dataset.field = String(j);
      inp.className = 'row-value';
      l.appendChild(inp);
      box.appendChild(l);
    });
    $('recognize-row').disabled = false;
    $('rows-file').disabled = false;
    showResults();
    rec.map = await api('GET', `/api/maps/${info.id}/map.json`);
    drawRecognizeMap();
  }

  $('use-trained').addEventListener('click', async () => {
    recError('');
    if (!train.job) {
      recError('Train a map first (Train tab), or upload a model.');
      return;
    }
    try {
      await setMap(await api('POST', '/api/maps', { job: train.job.id }));
    } catch (e) {
      recError(e.message);
    }
  });

  $('model-file').addEventListener('change', async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    recError('');
    try {
      await setMap(await api('POST', `/api/maps?name=${encodeURIComponent(file.name)}`, file, 'application/octet-stream'));
    } catch (e) {
      recError(e.message);
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
    } catch (e) {
      recError(e.message);
    }
  });

  $('rows-file').addEventListener('change', async (ev) => {
    const file = ev.target.files[0];
    if (!file || !rec.id) return;
    recError('');
    try {
      rec.results = await api('POST', `/api/maps/${rec.id}/map`, file, 'text/csv');
      showResults();
    } catch (e) {
      recError(e.message);
    }
    ev.target.value = '';
  });

  function showResults() {
    const head = $('results').tHead;
    const body = $('results').tBodies[0];
    head.innerHTML = '';
    body.innerHTML = '';
    const r = rec.results;
    if (!r || !r.results.length) {
      drawRecognizeMap();
      return;
    }
    const tr = document.createElement('tr');
    const cols = ['#', 'label', 'unit', 'row', 'col', 'distance', ...r.titles];
    cols.forEach((c, k) => {
      const th = document.createElement('th');
      th.textContent = c;
      if (k === 1) th.className = 'label';
      tr.appendChild(th);
    });
    head.appendChild(tr);
    r.results.forEach((x, i) => {
      const row = document.createElement('tr');
      const cell = (text, cls, title) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (cls) td.className = cls;
        if (title) td.title = title;
        row.appendChild(td);
      };
      cell(String(i + 1));
      cell(x.label, 'label');
      cell(String(x.unit));
      cell(String(x.row));
      cell(String(x.col));
      cell(fmt(x.distance));
      x.values.forEach((v, j) => {
        const filled = x.filled.includes(j);
        cell(fmt(v), filled ? 'filled' : '', filled ? 'filled in from the best unit' : '');
      });
      body.appendChild(row);
    });
    drawRecognizeMap();
  }

  function drawRecognizeMap() {
    const map = rec.map;
    const canvas = $('recognize-map');
    if (!map) {
      canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
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
    rec.geo = drawPanel(canvas, map, map.umatrix, scheme, lo, hi, (ctx, geo) => {
      for (const [u, rows] of matched) {
        cellPath(ctx, geo, u);
        ctx.lineWidth = Math.max(2, geo.scale / 10);
        ctx.strokeStyle = '#ff2d55';
        ctx.stroke();
        ctx.fillStyle = '#fff';
        ctx.font = `bold ${Math.max(9, Math.min(13, geo.scale * 0.35))}px "DejaVu Sans", sans-serif`;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        const text = rows.length > 2 ? `${rows[0]}+${rows.length - 1}` : rows.join(',');
        ctx.lineWidth = 3;
        ctx.strokeStyle = 'rgba(0,0,0,0.7)';
        ctx.strokeText(text, geo.cx[u], geo.cy[u]);
        ctx.fillText(text, geo.cx[u], geo.cy[u]);
      }
    });
    canvas.dataset.matched = String(matched.size);
  }

  hover($('recognize-map'), () => rec.map, () => rec.geo, $('panel-recognize').querySelector('.main'));

  // ====================================================================================
  // Art
  // ====================================================================================

  const art = {
    started: false,
    puzzle: null,
    start() {
      if (this.started) return;
      this.started = true;
      updateArt();
      showGallery(33, 16);
      updateAvatar();
    },
  };

  function knobs(prefix) {
    return {
      step: Number($(`${prefix}-step`).value),
      radius: Number($(`${prefix}-radius`).value),
      std: Number($(`${prefix}-std`).value),
    };
  }

  function showKnobOutputs() {
    const k = knobs('art');
    $('step-out').textContent = k.step.toFixed(2);
    $('radius-out').textContent = String(k.radius);
    $('std-out').textContent = k.std.toFixed(2);
    const g = knobs('guess');
    $('gstep-out').textContent = g.step.toFixed(2);
    $('gradius-out').textContent = String(g.radius);
    $('gstd-out').textContent = g.std.toFixed(2);
  }

  const updateArt = debounce(() => {
    showKnobOutputs();
    const k = knobs('art');
    const points = $('art-points').checked ? '&show_points=1' : '';
    $('art-image').src = `/api/art.svg?step=${k.step}&radius=${k.radius}&std=${k.std}&size=320${points}`;
  }, 60);

  for (const id of ['art-step', 'art-radius', 'art-std', 'art-points']) $(id).addEventListener('input', updateArt);
  for (const id of ['guess-step', 'guess-radius', 'guess-std']) $(id).addEventListener('input', showKnobOutputs);

  // The article's ranges: step in [0.1, 1), radius 0..3, std in [0.1, 2).
  $('art-random').addEventListener('click', () => {
    $('art-step').value = (0.1 + 0.9 * Math.random()).toFixed(2);
    $('art-radius').value = String(Math.floor(4 * Math.random()));
    $('art-std').value = (0.1 + 1.9 * Math.random()).toFixed(2);
    updateArt();
  });

  async function showGallery(seed, n) {
    const box = $('gallery');
    try {
      const g = await api('GET', `/api/art/gallery.json?seed=${seed}&n=${n}`);
      box.innerHTML = '';
      box.style.gridTemplateColumns = `repeat(${Math.ceil(Math.sqrt(g.n))}, 1fr)`;
      g.patterns.forEach((p, i) => {
        const img = document.createElement('img');
        img.alt = `pattern ${i + 1}`;
        img.title = `step ${fmt(p.step, 3)}, radius ${p.radius}, std ${fmt(p.std, 3)} — click to play with it`;
        img.src = `/api/art.svg?step=${p.step}&radius=${p.radius}&std=${p.std}&size=160&view=crop&color=${p.color}&background=${g.background}`;
        img.addEventListener('click', () => {
          $('art-step').value = String(p.step);
          $('art-radius').value = String(p.radius);
          $('art-std').value = String(p.std);
          updateArt();
        });
        box.appendChild(img);
      });
      $('gallery-caption').textContent =
        seed === 33 && n === 16
          ? 'The 16 patterns published with “The Art of SOFM” (numpy MT19937, seed 33).'
          : `${n} random patterns, seed ${seed}.`;
      box.dataset.seed = String(seed);
    } catch (e) {
      $('gallery-caption').textContent = e.message;
    }
  }

  $('gallery-classic').addEventListener('click', () => showGallery(33, 16));
  $('gallery-random').addEventListener('click', () => showGallery(Math.floor(Math.random() * 4294967295), 9));

  const updateAvatar = debounce(() => {
    const name = $('avatar-name').value;
    const img = $('avatar-image');
    if (!name) {
      img.hidden = true;
      return;
    }
    img.hidden = false;
    const path = `/avatar/${encodeURIComponent(name)}`;
    img.src = `${path}.png?size=160`;
    $('avatar-link').href = `${path}.png?size=256`;
    $('avatar-svg').href = `${path}.svg?size=256`;
  }, 150);
  $('avatar-name').addEventListener('input', updateAvatar);
  $('avatar-form').addEventListener('submit', (ev) => ev.preventDefault());

  $('guess-new').addEventListener('click', async () => {
    try {
      const p = await api('GET', '/api/art/guess');
      art.puzzle = p;
      $('guess-image').src = `${p.image}?size=240`;
      $('guess-image').hidden = false;
      $('guess-form').hidden = false;
      $('guess-result').textContent = 'Which step, radius and std drew this?';
      showKnobOutputs();
    } catch (e) {
      $('guess-result').textContent = e.message;
    }
  });

  $('guess-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!art.puzzle) return;
    try {
      const r = await api('POST', `/api/art/guess/${art.puzzle.id}`, knobs('guess'));
      const t = r.truth;
      const res = $('guess-result');
      res.innerHTML = '';
      const score = document.createElement('span');
      score.className = 'score';
      score.textContent = `${Math.round(r.score)} / 100`;
      res.appendChild(score);
      res.appendChild(document.createTextNode(
        ` — the truth: step ${fmt(t.step, 3)}, radius ${t.radius}, std ${fmt(t.std, 3)}` +
          (r.std_counts ? '' : ' (radius 0: std leaves no trace, so it counts as right)'),
      ));
      res.dataset.score = String(r.score);
    } catch (e) {
      $('guess-result').textContent = e.message;
    }
  });

  // ====================================================================================
  // Start-up
  // ====================================================================================

  async function init() {
    syncAlgorithm();
    showKnobOutputs();
    try {
      const [health, cm] = await Promise.all([api('GET', '/api/health'), api('GET', '/api/colormaps')]);
      colormaps = cm;
      $('server-status').textContent = `som ${health.version}`;
      const sel = $('colors');
      for (const n of cm.names) {
        const o = document.createElement('option');
        o.value = n;
        o.textContent = n;
        sel.appendChild(o);
      }
      sel.value = 'viridis';
      await loadDatasets();
    } catch (e) {
      trainError(`Cannot reach the server: ${e.message}`);
      return;
    }
    await refreshJobs();
    // A page reload finds its job again: the state lives in the server.
    const jobId = localStorage.getItem('som.job');
    if (jobId) {
      try {
        attach(await api('GET', `/api/jobs/${jobId}`));
      } catch (e) {
        localStorage.removeItem('som.job');
      }
    }
    const mapId = localStorage.getItem('som.map');
    if (mapId) {
      try {
        await setMap(await api('GET', `/api/maps/${mapId}`));
      } catch (e) {
        localStorage.removeItem('som.map');
      }
    }
    showTab(location.hash.slice(1));
    document.body.dataset.ready = '1';
  }

  init();
})();
