// SPDX-License-Identifier: MIT
// The settings table seen from both front-ends (issue 15): every entry of
// GET /api/settings (the library's table) is an option of `som train --help`
// with its help and default, every training option of that help is in the
// table, and a value out of each entry's bounds gives the same message on
// som train's standard error (exit 2) as in the API's error (400). Run by
// tests/web/run.sh settings against a server it started; needs only node.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BASE = process.env.SOM_URL;
const SOM = process.env.SOM_BIN;
const ROOT = process.env.SOM_ROOT;
if (!BASE || !SOM || !ROOT) throw new Error('SOM_URL, SOM_BIN and SOM_ROOT: run through tests/web/run.sh');
const IRIS = path.join(ROOT, 'data', 'iris.csv');

async function api(method, p, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(BASE.replace(/\/$/, '') + p, init);
  return { status: res.status, json: await res.json() };
}

function som(args) {
  return spawnSync(SOM, args, { encoding: 'utf8', timeout: 60000 });
}

// The help as one line per option: "--name VALUE text text ...".
function helpOptions(text) {
  const opts = new Map();
  let cur = null;
  for (const line of text.split('\n')) {
    const m = /^(?: {2}-[a-zA-Z], | {6})(--[a-z-]+)(.*)$/.exec(line);
    if (m) {
      cur = m[1];
      opts.set(cur, m[2].trim());
    } else if (cur && /^ {20,}\S/.test(line)) {
      opts.set(cur, `${opts.get(cur)} ${line.trim()}`);
    } else {
      cur = null;
    }
  }
  return opts;
}

// The words of a text with its line breaks undone.
const words = (s) => s.replace(/\s+/g, ' ').trim();

// A value out of the entry's bounds, as text (what the command line gets).
function outOfRange(e) {
  switch (e.type) {
    case 'size':
    case 'number':
    case 'pair': {
      const b = Array.isArray(e.bounds) ? e.bounds[0] : e.bounds;
      return String(b.min_exclusive ? b.min : b.min - 1);
    }
    case 'choice': return `no-such-${e.name}`;
    case 'grid': return '0x0';
    case 'flag': return 'maybe';
    case 'text': return '';
    default: throw new Error(`unknown type ${e.type} of ${e.name}`);
  }
}

let table;

test('GET /api/settings lists the table', async () => {
  const r = await api('GET', '/api/settings');
  assert.equal(r.status, 200);
  table = r.json.settings;
  assert.ok(Array.isArray(table) && table.length >= 20);
  const names = new Set();
  for (const e of table) {
    assert.match(e.name, /^[a-z][a-z-]*$/);
    assert.ok(!names.has(e.name), `${e.name} twice`);
    names.add(e.name);
    assert.ok(['map', 'training', 'supervised'].includes(e.group), e.name);
    assert.ok(e.help && e.expects, e.name);
    assert.ok(e.algorithms.length >= 1 && e.algorithms.every((a) => a === 'online' || a === 'batch'));
    if (e.type === 'choice') assert.equal(e.expects, `one of ${e.choices.join(', ')}`);
  }
  for (const n of ['grid', 'topology', 'toroid', 'scale', 'algorithm', 'epochs', 'iterations', 'init',
    'init-codebook', 'radius', 'rate', 'schedule', 'inverse', 'neighborhood', 'neighbor-rate',
    'quality-every', 'seed', 'threads', 'target', 'target-weight', 'weights'])
    assert.ok(names.has(n), `no entry ${n}`);
});

test('every entry is an option of som train --help, with its help and default', () => {
  const r = som(['train', '--help']);
  assert.equal(r.status, 0);
  const opts = helpOptions(r.stdout);
  for (const e of table) {
    const text = opts.get(`--${e.name}`);
    assert.ok(text !== undefined, `--${e.name} is not in som train --help`);
    const want = words(`${e.value_name ? `${e.value_name} ` : ''}${e.help}` +
      (e.default_words ? ` (default ${e.default_words})` : ''));
    assert.equal(words(text), want, `--${e.name}`);
  }
  // And the other way: the help's map, training and supervised options are
  // the table's, nothing written by hand beside it.
  const sections = r.stdout.split('\n\n').filter((s) => /^(Map|Training|Supervised maps and feature weights):/.test(s));
  assert.equal(sections.length, 3);
  const inTable = new Set(table.map((e) => `--${e.name}`));
  for (const s of sections)
    for (const o of helpOptions(s).keys()) assert.ok(inTable.has(o), `${o} is in the help, not in the table`);
});

test('an out-of-range value gives the same message through the CLI and the API', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'som-settings-'));
  try {
    for (const e of table) {
      const value = outOfRange(e);
      const out = path.join(dir, `${e.name}.som`);
      const cli = som(['train', IRIS, '-o', out, `--${e.name}=${value}`]);
      assert.equal(cli.status, 2, `--${e.name}=${value}: exit ${cli.status}, ${cli.stderr}`);
      assert.ok(!fs.existsSync(out), `--${e.name}=${value} wrote a model`);
      const lines = cli.stderr.split('\n');
      assert.equal(lines[1], "Try 'som train --help'.");

      // JSON as a client would send it: numbers as numbers.
      const json = ['size', 'number'].includes(e.type) ? Number(value) : value;
      const r = await api('POST', '/api/jobs', { dataset: 'iris', [e.name]: json });
      assert.equal(r.status, 400, `${e.name}=${JSON.stringify(json)}: ${r.status}`);
      assert.equal(lines[0], `som train: --${r.json.error}`, e.name);
      if (e.type !== 'grid') assert.equal(r.json.error, `${e.name}: expected ${e.expects}, got '${value}'`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a value in range is taken by both and read back by name', async () => {
  const r = await api('POST', '/api/jobs', {
    dataset: 'iris', grid: '4x5', radius: '2:0.5', 'neighbor-rate': 0.5, 'quality-every': 2, epochs: 2,
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const s = r.json.settings;
  assert.equal(s.grid, '4x5');
  assert.equal(s.radius, '2:0.5');
  assert.equal(s['neighbor-rate'], 0.5);
  assert.equal(s.neighbor_rate, 0.5);
  assert.equal(s['quality-every'], 2);
  // The keys the page has always sent and read.
  assert.equal(s.rows, 4);
  assert.equal(s.cols, 5);
  assert.equal(s.radius0, 2);
  assert.equal(s.quality_every, 2);
  const old = await api('POST', '/api/jobs', { dataset: 'iris', rows: 4, cols: 5, radius0: 2, radius1: 0.5, epochs: 2 });
  assert.equal(old.status, 201);
  assert.equal(old.json.settings.radius, '2:0.5');
  assert.equal((await api('POST', '/api/jobs', { dataset: 'iris', grid: '4x5', rows: 4 })).status, 400);
});

test('a rule between settings is the library\'s, in the same words through both', async () => {
  const cases = [
    [['--iterations=100', '--epochs=3'], { iterations: 100, epochs: 3 }],
    [['--neighborhood=mexican-hat', '--algorithm=batch'], { neighborhood: 'mexican-hat', algorithm: 'batch' }],
    [['--inverse=1:2', '--schedule=exp'], { inverse: '1:2', schedule: 'exp' }],
    [['--grid=5x5', '--topology=hex', '--toroid'], { grid: '5x5', topology: 'hex', toroid: true }],
    [['--radius=3:0'], { radius: '3:0' }],
  ];
  for (const [args, body] of cases) {
    const cli = som(['train', IRIS, '-o', path.join(os.tmpdir(), 'never.som'), ...args]);
    assert.equal(cli.status, 2, args.join(' '));
    const r = await api('POST', '/api/jobs', { dataset: 'iris', ...body });
    assert.equal(r.status, 400);
    assert.equal(cli.stderr.split('\n')[0], `som train: ${r.json.error}`);
  }
});

test('entries a job does not take are refused by name, after their value is checked', async () => {
  // A file on the server and its threads are never a client's to name.
  const refused = table.filter((e) => !e.api).map((e) => e.name);
  assert.ok(refused.includes('init-codebook') && refused.includes('threads'), refused.join());
  const good = { 'init-codebook': 'a.som', threads: 2, target: 'species', 'target-weight': 0.5, weights: 'petal_width=2' };
  for (const name of refused) {
    assert.ok(name in good, `no good value of ${name} to try`);
    const body = { dataset: 'iris', [name]: good[name] };
    if (name === 'target-weight') body.target = 'species';
    const r = await api('POST', '/api/jobs', body);
    assert.equal(r.status, 400);
    assert.match(r.json.error, /'(init-codebook|threads|target|weights)'/);
  }
});
