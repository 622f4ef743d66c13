// SPDX-License-Identifier: MIT
// API tests of `som serve` for the map explorer (issue 18): pictures equal
// to `som render`'s, the report of `som report`, the upload preview, names
// and times of data sets and jobs, rate and time left, the estimate, what a
// .somnet download loses, and errors worded for a person. Run by
// tests/web/run.sh against a server it started (--max-upload 1M --jobs 2);
// needs node and the som program beside it (SOM_BIN).
'use strict';

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const BASE = process.env.SOM_URL;
if (!BASE) throw new Error('SOM_URL is not set: run through tests/web/run.sh');
const SOM = process.env.SOM_BIN;
const ROOT = process.env.SOM_ROOT;
const IRIS = path.join(ROOT, 'data', 'iris.csv');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function req(method, p, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    if (typeof body === 'string' || Buffer.isBuffer(body)) init.body = body;
    else {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
  }
  const res = await fetch(BASE.replace(/\/$/, '') + p, init);
  const buf = Buffer.from(await res.arrayBuffer());
  let json = null;
  if ((res.headers.get('content-type') || '').startsWith('application/json')) json = JSON.parse(buf.toString());
  return { status: res.status, headers: res.headers, buf, json };
}

function isError(r, status) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.buf.toString().slice(0, 300)}`);
  assert.ok(r.json && typeof r.json.error === 'string' && r.json.error.length > 0, 'a JSON {"error": ...} body');
}

// Words a person should never see in the page's messages.
function personWorded(msg) {
  assert.doesNotMatch(msg, /--[a-z]/, `a command-line flag in "${msg}"`);
  assert.doesNotMatch(msg, /\d{5,} bytes|request body|whole number of doubles/, `API words in "${msg}"`);
}

async function waitJob(id, states, timeoutMs = 30000) {
  const t0 = Date.now();
  for (;;) {
    const r = await req('GET', `/api/jobs/${id}`);
    assert.equal(r.status, 200);
    if (states.includes(r.json.state)) return r.json;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} still ${r.json.state}`);
    await sleep(20);
  }
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('pictures and reports', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'som-explorer-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  let job;
  let model;
  let mapId;

  before(async () => {
    const r = await req('POST', '/api/jobs', { dataset: 'iris', grid: '6x7', epochs: 8, seed: 3 });
    assert.equal(r.status, 201, r.buf.toString());
    job = (await waitJob(r.json.id, ['done'])).id;
    model = path.join(tmp, 'job.som');
    fs.writeFileSync(model, (await req('GET', `/api/jobs/${job}/model.som`)).buf);
    const m = await req('POST', '/api/maps', { job });
    assert.equal(m.status, 201);
    mapId = m.json.id;
  });

  // `som render` on the downloaded model with the same options.
  function render(ext, args) {
    const out = path.join(tmp, `cli.${ext}`);
    execFileSync(SOM, ['render', model, '-o', out, '-q', ...args]);
    return fs.readFileSync(out);
  }
  // Cairo numbers an SVG's surfaces per process: the same picture drawn in
  // two processes differs in those ids only.
  const svgNorm = (b) => b.toString().replace(/surface\d+/g, 'surface');

  const CASES = [
    ['plot=umatrix', ['--plot', 'umatrix']],
    ['plot=planes&colors=magma&cells=square&scale_colors=rank', ['--plot', 'planes', '--colors', 'magma', '--cells', 'square', '--scale-colors', 'rank']],
    ['plot=planes&field=petal_width&range=data&size=400x300&titles=0', ['--fields', 'petal_width', '--range', 'data', '--size', '400x300', '--no-titles']],
    ['plot=planes&fields=petal_length,sepal_width&range=0:8&per_row=1&borders=0', ['--fields', 'petal_length,sepal_width', '--range', '0:8', '--per-row', '1', '--no-borders']],
    ['plot=hits&hits_style=markers', ['--plot', 'hits', '--hits-style', 'markers', '-d', IRIS]],
    ['plot=labels&labels=majority', ['--plot', 'labels', '-d', IRIS]],
    ['plot=dashboard', ['--plot', 'dashboard', '-d', IRIS]],
    ['plot=error', ['--plot', 'error']],
    ['plot=umatrix&umatrix=full&colours=grey', ['--plot', 'umatrix', '--umatrix', 'full', '--colors', 'grey']],
  ];

  test('a job\'s plot.png and plot.svg are som render\'s picture, byte for byte', async () => {
    for (const [q, args] of CASES) {
      const png = await req('GET', `/api/jobs/${job}/plot.png?${q}`);
      assert.equal(png.status, 200, `${q}: ${png.buf.toString().slice(0, 200)}`);
      assert.equal(png.headers.get('content-type'), 'image/png');
      assert.ok(png.buf.equals(render('png', args)), `${q}: the PNG differs from som render's`);
      const svg = await req('GET', `/api/jobs/${job}/plot.svg?${q}`);
      assert.equal(svg.status, 200);
      assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
      assert.equal(svgNorm(svg.buf), svgNorm(render('svg', args)), `${q}: the SVG differs`);
    }
  });

  test('a stored map\'s plot, with a data set for hits', async () => {
    let r = await req('GET', `/api/maps/${mapId}/plot.png?plot=planes`);
    assert.equal(r.status, 200);
    assert.ok(r.buf.equals(render('png', ['--plot', 'planes'])));
    r = await req('GET', `/api/maps/${mapId}/plot.png?plot=hits&dataset=iris`);
    assert.equal(r.status, 200);
    assert.ok(r.buf.equals(render('png', ['--plot', 'hits', '-d', IRIS])));
    r = await req('GET', `/api/maps/${mapId}/plot.png?plot=hits`);
    isError(r, 400);
    assert.equal(r.json.field, 'dataset');
    r = await req('GET', `/api/maps/${mapId}/plot.png?plot=hits&dataset=nosuch`);
    isError(r, 404);
    assert.equal(r.json.field, 'dataset');
  });

  test('bad picture options are 400 naming the option', async () => {
    for (const [q, field] of [['plot=bogus', 'plot'], ['colors=pink', 'colors'], ['cells=round', 'cells'],
      ['size=0x10', 'size'], ['size=5000x100', 'size'], ['range=3:1', 'range'], ['per_row=0', 'per_row'],
      ['borders=maybe', 'borders'], ['field=', 'field']]) {
      const r = await req('GET', `/api/jobs/${job}/plot.png?${q}`);
      isError(r, 400);
      assert.equal(r.json.field, field, q);
    }
    // The library's refusals: a field the map lacks, clusters of an unclustered map.
    isError(await req('GET', `/api/jobs/${job}/plot.png?field=colour`), 400);
    isError(await req('GET', `/api/jobs/${job}/plot.png?plot=clusters`), 400);
    isError(await req('GET', '/api/jobs/nosuch/plot.png'), 404);
    isError(await req('GET', '/api/maps/nosuch/plot.svg'), 404);
  });

  test('report.html is som report\'s page for the model and its data', async () => {
    const r = await req('GET', `/api/jobs/${job}/report.html`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    // Run where the model and the data lie, so that the page names them as
    // the server does (the file names, no folders).
    fs.copyFileSync(IRIS, path.join(tmp, 'iris.csv'));
    execFileSync(SOM, ['report', 'job.som', '-d', 'iris.csv', '-o', 'report.html', '-q'], { cwd: tmp });
    // The same page but for the model's name and the SVG ids.
    const norm = (s) => s.replace(/surface\d+/g, 'surface').replace(/som-[0-9a-f]+\.som|job\.som/g, 'MODEL');
    const a = norm(r.buf.toString()).split('\n');
    const b = norm(fs.readFileSync(path.join(tmp, 'report.html'), 'utf8')).split('\n');
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) assert.equal(a[i].slice(0, 300), b[i].slice(0, 300), `line ${i + 1}`);
    assert.equal(a.join('\n'), b.join('\n'));
    const m = await req('GET', `/api/maps/${mapId}/report.html?dataset=iris`);
    assert.equal(m.status, 200);
    assert.match(m.buf.toString(), /<h1>Map report/);
    isError(await req('GET', '/api/jobs/nosuch/report.html'), 404);
  });

  test('pictures and reports drawn at once are each the same', async () => {
    // Several threads of the server draw and write at the same time; each
    // answer equals the one drawn alone (and TSan watches, make test-tsan).
    const alone = (await req('GET', `/api/jobs/${job}/report.html`)).buf;
    const png = (await req('GET', `/api/jobs/${job}/plot.png?plot=dashboard`)).buf;
    const all = await Promise.all([
      ...Array.from({ length: 4 }, () => req('GET', `/api/jobs/${job}/report.html`)),
      ...Array.from({ length: 4 }, () => req('GET', `/api/jobs/${job}/plot.png?plot=dashboard`)),
    ]);
    const norm = (b) => b.toString().replace(/surface\d+/g, 'surface');
    for (const r of all.slice(0, 4)) assert.equal(norm(r.buf), norm(alone));
    for (const r of all.slice(4)) assert.ok(r.buf.equals(png));
  });
});

describe('uploads: the preview, names and times, errors in words', () => {
  test('POST /api/datasets?preview=1 tells the layout and keeps nothing', async () => {
    const before = (await req('GET', '/api/datasets')).json.datasets.length;
    const csv = 'name;x;y\n a;1;2\nb;;4\nc;5;6\n';
    const r = await req('POST', '/api/datasets?preview=1&name=semi.csv', csv);
    assert.equal(r.status, 200, r.buf.toString());
    assert.deepEqual(r.json, {
      preview: true, name: 'semi.csv', header: true, delimiter: 'semicolon', label_column: 'name',
      row_names: null, row_count: 3, dim: 2, missing: 1,
      columns: [{ name: 'name', kind: 'text', missing: 0 }, { name: 'x', kind: 'number', missing: 1 },
        { name: 'y', kind: 'number', missing: 0 }],
      first_rows: [['a', 1, 2], ['b', null, 4], ['c', 5, 6]],
    });
    assert.equal((await req('GET', '/api/datasets')).json.datasets.length, before, 'nothing kept');
    // No titles: the first record is data; tab-separated; at most 10 rows.
    const rows = Array.from({ length: 25 }, (_, i) => `${i}\t${i * 2}`).join('\n');
    const t = await req('POST', '/api/datasets?preview=1', rows);
    assert.equal(t.status, 200);
    assert.equal(t.json.header, false);
    assert.equal(t.json.delimiter, 'tab');
    assert.equal(t.json.row_count, 25);
    assert.equal(t.json.first_rows.length, 10);
    assert.deepEqual(t.json.first_rows[3], [3, 6]);
    // The options of the upload apply: the delimiter as asked.
    const c = await req('POST', '/api/datasets?preview=1&delimiter=comma&header=yes', 'a,b\n1,2\n');
    assert.equal(c.json.delimiter, 'comma');
    assert.equal(c.json.header, true);
  });

  test('a preview of a bad file is its error, worded for a person, with the field', async () => {
    let r = await req('POST', '/api/datasets?preview=1&name=b.csv', 'a,b\n1,2\n3,oops\n');
    isError(r, 400);
    assert.equal(r.json.error, "b.csv, line 3: expected a number in column 'b', got 'oops' " +
      "(does this column hold the rows' labels? it can be the label column)");
    assert.equal(r.json.field, 'label_column');
    personWorded(r.json.error);
    r = await req('POST', '/api/datasets?preview=1', 'name,b,kind\nx,1,y\n');
    isError(r, 400);
    assert.match(r.json.error, /is 'kind' the label column\?\)$/);
    r = await req('POST', '/api/datasets?preview=1&header=maybe', 'a\n1\n');
    isError(r, 400);
    assert.equal(r.json.field, 'header');
    r = await req('POST', '/api/datasets?preview=1', '');
    isError(r, 400);
    assert.equal(r.json.field, 'file');
    personWorded(r.json.error);
  });

  test('every error the page shows is free of flags, byte counts and API words', async () => {
    const big = 'a\n' + '1\n'.repeat(600000);
    let r = await req('POST', '/api/datasets', big);
    isError(r, 413);
    assert.equal(r.json.error, 'The file is larger than the 1 MB limit of this server');
    assert.equal(r.json.field, 'file');
    r = await req('POST', '/api/maps', Buffer.from('not a map'), { 'Content-Type': 'application/octet-stream' });
    isError(r, 400);
    personWorded(r.json.error);
    assert.equal(r.json.field, 'file');
    r = await req('POST', '/api/jobs', { dataset: 'iris', epochs: 0 });
    isError(r, 400);
    assert.equal(r.json.field, 'epochs');
    r = await req('POST', '/api/jobs', { dataset: 'iris', rows: 500 });
    isError(r, 400);
    assert.equal(r.json.field, 'rows');
    r = await req('POST', '/api/jobs', { dataset: 'iris', neighbor_rate: -1 });
    isError(r, 400);
    assert.equal(r.json.field, 'neighbor-rate');
    r = await req('POST', '/api/jobs', { dataset: 'nosuch' });
    isError(r, 404);
    assert.equal(r.json.field, 'dataset');
    for (const e of [r]) personWorded(e.json.error);
  });

  test('GET /api/health says the upload limit in words; clustering errors name their option', async () => {
    const h = (await req('GET', '/api/health')).json;
    assert.equal(h.max_upload, 1 << 20);
    assert.equal(h.max_upload_words, '1 MB');
    const r = await req('POST', '/api/jobs', { dataset: 'iris', grid: '3x3', epochs: 2 });
    await waitJob(r.json.id, ['done']);
    for (const [body, field] of [[{ k: 'many' }, 'k'], [{ method: 'dbscan' }, 'method'], [{ k_min: 5, k_max: 3 }, 'k_min']]) {
      const e = await req('POST', `/api/jobs/${r.json.id}/cluster`, body);
      isError(e, 400);
      assert.equal(e.json.field, field, JSON.stringify(body));
    }
  });

  test('DATASET carries its name and an ISO creation time; DELETE removes it', async () => {
    const t0 = Date.now();
    const r = await req('POST', '/api/datasets?name=mine.csv', 'a,b\n1,2\n3,4\n');
    assert.equal(r.status, 201);
    assert.equal(r.json.name, 'mine.csv');
    assert.match(r.json.created, ISO);
    assert.ok(Math.abs(Date.parse(r.json.created) - t0) < 5000, r.json.created);
    const list = (await req('GET', '/api/datasets')).json.datasets;
    assert.ok(list.every((d) => ISO.test(d.created)));
    assert.equal((await req('DELETE', `/api/datasets/${r.json.id}`)).status, 200);
    isError(await req('GET', `/api/datasets/${r.json.id}`), 404);
  });
});

describe('jobs: settings, speed, time left, the estimate', () => {
  test('JOB carries name, created, every setting, and rate and eta_s while it trains (paced)', async () => {
    const r = await req('POST', '/api/jobs', { dataset: 'iris', grid: '4x5', epochs: 40, pace: 20, seed: 9, algorithm: 'batch' });
    assert.equal(r.status, 201);
    const j = r.json;
    assert.equal(j.name, 'iris.csv');
    assert.match(j.created, ISO);
    assert.equal(j.paced, true);
    assert.equal(j.pace, 20);
    assert.ok(j.estimate_s >= 2, `40 passes at 20 a second: ${j.estimate_s}`);
    // The settings refill a form: the grid, the epochs, the pace, the seed.
    assert.equal(j.settings.grid, '4x5');
    assert.equal(j.settings.epochs, 40);
    assert.equal(j.settings.pace, 20);
    assert.equal(j.settings.seed, 9);
    assert.equal(j.settings.algorithm, 'batch');
    // While it trains: passes per second near the pace, and time left.
    let seen = null;
    const t0 = Date.now();
    while (Date.now() - t0 < 10000) {
      const s = (await req('GET', `/api/jobs/${j.id}`)).json;
      if (s.state === 'running' && s.rate !== null && s.pass >= 8) { seen = s; break; }
      await sleep(50);
    }
    assert.ok(seen, 'a rate while running');
    assert.equal(seen.rate_unit, 'passes');
    assert.ok(seen.rate > 10 && seen.rate < 30, `rate ${seen.rate}`);
    assert.ok(seen.eta_s > 0 && seen.eta_s < 40 / 10, `eta ${seen.eta_s}`);
    // The events stream carries them too.
    const ev = await fetch(BASE.replace(/\/$/, '') + `/api/jobs/${j.id}/events`);
    const reader = ev.body.getReader();
    let text = '';
    while (!/"eta_s"/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    assert.match(text, /"rate":/);
    assert.equal((await req('DELETE', `/api/jobs/${j.id}`)).status, 200);
    isError(await req('GET', `/api/jobs/${j.id}`), 404);
  });

  test('POST /api/jobs?dry_run=1 estimates and starts nothing', async () => {
    const n = (await req('GET', '/api/jobs')).json.jobs.length;
    let r = await req('POST', '/api/jobs?dry_run=1', { dataset: 'iris', epochs: 1000000, pace: 20 });
    assert.equal(r.status, 200, r.buf.toString());
    assert.equal(r.json.dry_run, true);
    assert.equal(r.json.n_passes, 1000000);
    assert.equal(r.json.paced_s, 50000);
    assert.ok(r.json.estimate_s >= 50000);
    r = await req('POST', '/api/jobs?dry_run=1', { dataset: 'iris', algorithm: 'online', epochs: 3 });
    assert.equal(r.json.n_steps, 450);
    assert.equal(r.json.n_passes, 3);
    assert.ok(r.json.estimate_s > 0 && r.json.estimate_s < 60);
    isError(await req('POST', '/api/jobs?dry_run=1', { dataset: 'iris', epochs: 0 }), 400);
    assert.equal((await req('GET', '/api/jobs')).json.jobs.length, n, 'no job made');
  });

  test('a .somnet download says what it loses, as the map info does', async () => {
    const r = await req('POST', '/api/jobs', { dataset: 'iris', grid: '3x4', epochs: 2 });
    const j = await waitJob(r.json.id, ['done']);
    const d = await req('GET', `/api/jobs/${j.id}/model.somnet`);
    assert.equal(d.status, 200);
    assert.equal(d.headers.get('x-som-lost'), 'scaling, training settings, training history');
    const m = await req('POST', '/api/maps', { job: j.id });
    assert.deepEqual(m.json.somnet_lost.map((x) => x.part), ['scaling', 'training settings', 'training history']);
    assert.ok(m.json.somnet_lost.every((x) => x.loss.length > 10));
    assert.match(m.json.created, ISO);
    const som = await req('GET', `/api/jobs/${j.id}/model.som`);
    assert.equal(som.headers.get('x-som-lost'), null, 'a .som keeps everything');
  });

  test('recognition classes are som predict --target\'s on all of iris', async () => {
    const r = await req('POST', '/api/jobs', { dataset: 'iris', grid: '8x8', epochs: 10, target: 'species', seed: 5 });
    const j = await waitJob(r.json.id, ['done']);
    const m = await req('POST', '/api/maps', { job: j.id });
    const csv = fs.readFileSync(IRIS, 'utf8').split('\n').map((l) => l.split(',').slice(0, 4).join(',')).join('\n');
    const rec = await req('POST', `/api/maps/${m.json.id}/map`, csv, { 'Content-Type': 'text/csv' });
    assert.equal(rec.status, 200, rec.buf.toString());
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'som-classes-'));
    try {
      fs.writeFileSync(path.join(tmp, 'm.som'), (await req('GET', `/api/jobs/${j.id}/model.som`)).buf);
      fs.writeFileSync(path.join(tmp, 'rows.csv'), csv);
      const out = execFileSync(SOM, ['predict', path.join(tmp, 'm.som'), path.join(tmp, 'rows.csv'),
        '--target', 'species', '-o', '-', '-q']).toString().trim().split('\n');
      const col = out[0].split(',').indexOf('species_predicted');
      assert.deepEqual(rec.json.results.map((x) => x.classes.species), out.slice(1).map((l) => l.split(',')[col]));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
