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
    const norm = (s) => s.replace(/surface\d+/g, 'surface').replace(/job-[0-9a-f]+\.som|job\.som/g, 'MODEL');
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
});
