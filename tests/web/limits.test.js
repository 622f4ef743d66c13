// SPDX-License-Identifier: MIT
// Limits of `som serve` (issue 20, items 3, 4 and 8): slow clients cannot
// hold every connection, large uploads do not live in memory, and a server
// open to the network needs its token. Each test starts its own server
// (the flags differ) from $SOM_BIN; run by tests/web/run.sh limits.
'use strict';

const { test, describe, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const SOM = process.env.SOM_BIN;
if (!SOM) throw new Error('SOM_BIN is not set: run through tests/web/run.sh limits');
// Sanitizer builds (ASan's shadow memory and quarantine) say nothing about
// the release build's memory: the RSS bound is checked without them only.
const SANITIZED = process.env.SOM_SANITIZED === '1';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const servers = [];

// Starts `som serve --port 0 ARGS` with a private TMPDIR; resolves once it
// has printed its address.
async function start(args) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'som-limits-'));
  const p = spawn(SOM, ['serve', '--port', '0', ...args], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const srv = { p, tmp, out: '', err: '', exited: null };
  p.stdout.on('data', (d) => (srv.out += d));
  p.stderr.on('data', (d) => (srv.err += d));
  srv.exit = new Promise((r) => p.on('exit', (code, sig) => r((srv.exited = { code, sig }))));
  servers.push(srv);
  const t0 = Date.now();
  while (!srv.out.includes('\n')) {
    if (srv.exited || Date.now() - t0 > 15000) throw new Error(`som serve did not start: ${srv.err}`);
    await sleep(20);
  }
  const url = new URL(srv.out.split('\n')[0]);
  srv.port = Number(url.port);
  srv.base = `http://127.0.0.1:${srv.port}`;
  return srv;
}

// SIGINT; the server must exit 0 and leave no temporary directory.
async function stop(srv) {
  if (srv.exited) return srv.exited;
  srv.p.kill('SIGINT');
  const t = setTimeout(() => srv.p.kill('SIGKILL'), 15000);
  const r = await srv.exit;
  clearTimeout(t);
  assert.deepEqual(r, { code: 0, sig: null }, `som serve exited ${JSON.stringify(r)}: ${srv.err}`);
  assert.deepEqual(fs.readdirSync(srv.tmp), [], 'the private temporary directory is removed');
  fs.rmSync(srv.tmp, { recursive: true, force: true });
  return r;
}

after(async () => {
  for (const s of servers) if (!s.exited) s.p.kill('SIGKILL');
});

async function get(srv, p, headers = {}, init = {}) {
  const res = await fetch(srv.base + p, { headers, redirect: 'manual', ...init });
  const buf = Buffer.from(await res.arrayBuffer());
  let json = null;
  if ((res.headers.get('content-type') || '').startsWith('application/json')) json = JSON.parse(buf.toString());
  return { status: res.status, headers: res.headers, buf, json };
}

// A connection that sends `head` and then one byte every `everyMs`, for
// ever; resolves `closed` when the server closes it.
function trickler(port, head, everyMs) {
  const s = net.connect(port, '127.0.0.1');
  const c = { s, closedAt: 0 };
  c.connected = new Promise((r) => s.on('connect', r));
  c.closed = new Promise((r) => {
    const done = () => {
      if (!c.closedAt) c.closedAt = Date.now();
      clearInterval(c.timer);
      r();
    };
    s.on('close', done);
    s.on('error', done);
    s.on('end', done);
  });
  s.on('connect', () => {
    s.write(head);
    c.timer = setInterval(() => {
      if (!s.destroyed) s.write('x');
    }, everyMs);
  });
  return c;
}

// The server's peak resident memory, from /proc (kB).
function hwmKiB(srv) {
  const st = fs.readFileSync(`/proc/${srv.p.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(st)[1]);
}

describe('slow clients cannot hold every connection', () => {
  test('with --max-connections slow clients held open, a new client is served within a second', async () => {
    const MAX = 32;
    const srv = await start(['--max-connections', String(MAX), '-q']);
    // Half trickle their headers, half announce a body and trickle it.
    const slow = [];
    for (let i = 0; i < MAX; i++) {
      const head = i % 2
        ? 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '
        : 'POST /api/datasets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\na,b\n';
      slow.push(trickler(srv.port, head, 300));
    }
    await Promise.all(slow.map((c) => c.connected));
    await sleep(300);
    for (let round = 0; round < 3; round++) {
      const t0 = Date.now();
      const r = await get(srv, '/api/health', {}, { signal: AbortSignal.timeout(5000) });
      const ms = Date.now() - t0;
      assert.equal(r.status, 200);
      assert.ok(ms < 1000, `a new client waited ${ms} ms`);
    }
    // The slow ones that were let in are not all gone: only as many as
    // needed to make room were closed.
    const open = slow.filter((c) => !c.closedAt).length;
    assert.ok(open >= MAX / 2, `${open} of ${MAX} slow clients still open`);
    for (const c of slow) c.s.destroy();
    await stop(srv);
  });

  test('a trickle does not defeat the timeout: headers or body cut at --request-timeout', async () => {
    const srv = await start(['--request-timeout', '2', '-q']);
    const t0 = Date.now();
    const head = trickler(srv.port, 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 200);
    const body = trickler(srv.port, 'POST /api/datasets HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
      'Content-Type: text/csv\r\nContent-Length: 100000\r\n\r\na,b\n', 200);
    await Promise.all([head.closed, body.closed]);
    for (const c of [head, body]) {
      const s = (c.closedAt - t0) / 1000;
      // 2 s, plus 1 s per 16 KiB of body (a few bytes here), plus the
      // watchdog's quarter second, on a loaded machine.
      assert.ok(s >= 1.9 && s < 6, `closed after ${s} s`);
    }
    // An upload that keeps a pace of 16 KiB/s or more is not cut.
    const n = 200000;
    const csv = Buffer.from('a,b\n' + '1,2\n'.repeat((n - 4) / 4));
    const r = await new Promise((resolve, reject) => {
      const s = net.connect(srv.port, '127.0.0.1');
      let data = '';
      s.on('data', (d) => (data += d));
      s.on('close', () => resolve(data));
      s.on('error', reject);
      s.write('POST /api/datasets HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n' +
        `Content-Type: text/csv\r\nContent-Length: ${csv.length}\r\n\r\n`);
      let off = 0;
      // 50 KiB/s: 4 s in all, longer than the timeout.
      const timer = setInterval(() => {
        s.write(csv.subarray(off, off + 10240));
        off += 10240;
        if (off >= csv.length) clearInterval(timer);
      }, 200);
    });
    assert.match(r, /^HTTP\/1\.1 201/);
    await stop(srv);
  });

  test('event streams are long-lived by design: no deadline', async () => {
    const srv = await start(['--request-timeout', '1', '-q']);
    const job = await fetch(`${srv.base}/api/jobs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ dataset: 'iris', rows: 4, cols: 4, epochs: 1000, pace: 2 }),
    }).then((r) => r.json());
    const ctl = new AbortController();
    const res = await fetch(`${srv.base}/api/jobs/${job.id}/events`, { signal: ctl.signal });
    assert.equal(res.status, 200);
    const reader = res.body.getReader();
    let text = '';
    const t0 = Date.now();
    let ended = false;
    while (Date.now() - t0 < 3000) {
      const { value, done } = await Promise.race([reader.read(), sleep(500).then(() => ({}))]);
      if (done) {
        ended = true;
        break;
      }
      if (value) text += Buffer.from(value).toString();
    }
    assert.equal(ended, false, 'the stream was cut');
    assert.match(text, /event: progress/);
    ctl.abort();
    await fetch(`${srv.base}/api/jobs/${job.id}`, { method: 'DELETE' });
    await stop(srv);
  });
});

describe('uploads do not live in memory', () => {
  // 64 MB of numbers, 8 columns: about 930,000 rows, 30 MB as float32.
  function bigCsv() {
    const rows = ['a,b,c,d,e,f,g,h'];
    let size = 16;
    let x = 12345;
    while (size < 64 * 1048576 - 100) {
      const cells = [];
      for (let j = 0; j < 8; j++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        cells.push((x / 2147483648).toFixed(6));
      }
      const line = cells.join(',');
      rows.push(line);
      size += line.length + 1;
    }
    return Buffer.from(rows.join('\n') + '\n');
  }

  test('16 concurrent 64 MB uploads: all stored, peak RSS under 200 MB, no file left', async () => {
    const srv = await start(['-q']);
    const csv = bigCsv();
    const rs = await Promise.all(Array.from({ length: 16 }, (_, i) =>
      get(srv, `/api/datasets?name=big${i}`, { 'Content-Type': 'text/csv' },
        { method: 'POST', body: csv, signal: AbortSignal.timeout(300000) })));
    for (const r of rs) {
      assert.equal(r.status, 201, r.buf.toString().slice(0, 200));
      assert.equal(r.json.dim, 8);
      assert.ok(r.json.rows > 900000);
    }
    const kib = hwmKiB(srv);
    console.log(`# 16 x ${csv.length} bytes uploaded at once: VmHWM ${(kib / 1024).toFixed(0)} MB`);
    if (!SANITIZED) assert.ok(kib < 200 * 1024, `VmHWM ${kib} kB`);
    // The bodies and the values' files are unlinked: the private
    // directory holds no name.
    const dirs = fs.readdirSync(srv.tmp);
    for (const d of dirs) assert.deepEqual(fs.readdirSync(path.join(srv.tmp, d)), [], `${d} is empty`);
    // A stored big data set trains (its values are read back from disk).
    const id = rs[15].json.id;
    const job = await fetch(`${srv.base}/api/jobs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ dataset: id, rows: 3, cols: 3, iterations: 2000 }),
    }).then((r) => r.json());
    for (let t0 = Date.now(); ;) {
      const j = (await get(srv, `/api/jobs/${job.id}`)).json;
      if (j.state === 'done') break;
      assert.ok(['queued', 'running'].includes(j.state), JSON.stringify(j));
      assert.ok(Date.now() - t0 < 60000, 'the job did not finish');
      await sleep(100);
    }
    await stop(srv);
  });

  test('--max-data: unused old uploads make room; one larger than the limit is 413', async () => {
    const srv = await start(['-q', '--max-data', '6M']);
    // n rows of `dim` small whole numbers (4 bytes each as float32), a
    // label each when asked: above 1 MB of values, kept on disk.
    const mk = (n, dim, lab) => Buffer.from(
      Array.from({ length: dim }, (_, j) => `c${j}`).join(',') + (lab ? ',name' : '') + '\n' +
      Array.from({ length: n }, (_, i) =>
        Array.from({ length: dim }, (_, j) => (i + j) % 97).join(',') + (lab ? `,r${i % 5}` : '')).join('\n') + '\n');
    const up = (name, body) => get(srv, `/api/datasets?name=${name}`, {}, { method: 'POST', body });
    const four = mk(150000, 4, false); // 2.4 MB of values
    const a = await up('a', four);
    const b = await up('b', four);
    const c = await up('c', four);
    for (const r of [a, b, c]) assert.equal(r.status, 201, r.buf.toString());
    let ids = (await get(srv, '/api/datasets')).json.datasets.map((d) => d.id);
    assert.ok(!ids.includes(a.json.id), 'the oldest went to make room');
    assert.ok(ids.includes(b.json.id) && ids.includes(c.json.id));
    // 1.2 MB of values and 150,000 labels: both others go. Labels and the
    // label column's title survive the move to disk.
    const l = await up('l', mk(150000, 2, true));
    assert.equal(l.status, 201, l.buf.toString());
    assert.equal(l.json.label_column, 'name');
    assert.deepEqual(l.json.titles, ['c0', 'c1']);
    ids = (await get(srv, '/api/datasets')).json.datasets.map((d) => d.id);
    assert.ok(ids.includes(l.json.id) && !ids.includes(b.json.id) && !ids.includes(c.json.id));
    const big = await up('big', mk(700000, 4, false)); // 11.2 MB of values
    assert.equal(big.status, 413);
    assert.match(big.json.error, /larger than the server keeps/);
    assert.doesNotMatch(big.json.error, /--|bytes/);
    await stop(srv);
  });
});

describe('maps count in --max-data too', () => {
  test('copies of jobs: the oldest unused goes; one larger than the limit is 413', async () => {
    const srv = await start(['-q', '--max-data', '12K']);
    const post = (p, body) => get(srv, p, { 'Content-Type': 'application/json' },
      { method: 'POST', body: JSON.stringify(body) });
    const train = async (side) => {
      const j = (await post('/api/jobs', { dataset: 'iris', rows: side, cols: side, epochs: 2 })).json;
      for (let t0 = Date.now(); (await get(srv, `/api/jobs/${j.id}`)).json.state !== 'done';) {
        assert.ok(Date.now() - t0 < 30000);
        await sleep(20);
      }
      return j.id;
    };
    const small = await train(3); // about 4.5 KB as a map
    const copies = [];
    for (let i = 0; i < 3; i++) {
      const r = await post('/api/maps', { job: small });
      assert.equal(r.status, 201, r.buf.toString());
      copies.push(r.json.id);
    }
    const ids = (await get(srv, '/api/maps')).json.maps.map((m) => m.id);
    assert.deepEqual(ids.sort(), copies.slice(1).sort(), 'the oldest copy went');
    const big = await post('/api/maps', { job: await train(40) }); // 1,600 units: 30 KB
    assert.equal(big.status, 413);
    assert.match(big.json.error, /larger than the server keeps/);
    await stop(srv);
  });
});

describe('a server open to the network needs its token', () => {
  test('--host 0.0.0.0: a warning and a token; 401 without it, 200 with it', async () => {
    const srv = await start(['--host', '0.0.0.0']);
    assert.match(srv.out, /^http:\/\/0\.0\.0\.0:\d+\/\n/);
    // The warning and the address to open come before the first request.
    const t0 = Date.now();
    while (!/\?token=/.test(srv.err) && Date.now() - t0 < 5000) await sleep(20);
    assert.match(srv.err, /warning: 0\.0\.0\.0 is not a loopback address/);
    const token = /\?token=([0-9a-f]{32}) /.exec(srv.err)[1];
    for (const p of ['/api/health', '/api/datasets', '/api/jobs', '/avatar/me.png', '/api/art.png']) {
      const r = await get(srv, p);
      assert.equal(r.status, 401, p);
      if (p.startsWith('/api/')) assert.match(r.json.error, /access token/);
    }
    const post = await get(srv, '/api/datasets', { 'Content-Type': 'text/csv' }, { method: 'POST', body: 'a,b\n1,2\n' });
    assert.equal(post.status, 401);
    assert.equal((await get(srv, '/api/health', { Authorization: 'Bearer wrong-token-0000' })).status, 401);
    // Bearer, ?token= and the cookie each work.
    const ok = await get(srv, '/api/health', { Authorization: `Bearer ${token}` });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.status, 'ok');
    assert.equal((await get(srv, `/api/datasets?token=${token}`)).status, 200);
    const page = await get(srv, '/');
    assert.equal(page.status, 401);
    assert.match(page.buf.toString(), /access link/);
    const visit = await get(srv, `/?token=${token}`);
    assert.equal(visit.status, 303);
    assert.equal(visit.headers.get('location'), '/');
    const cookie = visit.headers.get('set-cookie');
    assert.match(cookie, new RegExp(`^som_token_${srv.port}=${token}; Path=/; HttpOnly; SameSite=Strict`));
    const withCookie = { Cookie: cookie.split(';')[0] };
    assert.equal((await get(srv, '/', withCookie)).status, 200);
    assert.equal((await get(srv, '/api/datasets', withCookie)).status, 200);
    // The Host check stays for what it can check: an address literal
    // must be this machine's; names cannot be known and are let through.
    const auth = { Authorization: `Bearer ${token}` };
    const other = await rawStatus(srv.port, '/api/health', '203.0.113.7', token);
    assert.equal(other, 403);
    assert.equal(await rawStatus(srv.port, '/api/health', `127.0.0.1:${srv.port}`, token), 200);
    assert.equal(await rawStatus(srv.port, '/api/health', `som.example:${srv.port}`, token), 200);
    assert.equal((await get(srv, '/api/health', auth)).status, 200);
    await stop(srv);
  });

  // The machine's own non-loopback address, to connect from: then the
  // server sees a client address that is not the loopback's.
  const lan = Object.values(os.networkInterfaces()).flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  test('--max-per-client: a network client holds at most N connections; others are not held up',
    { skip: lan ? false : 'no non-loopback IPv4 address on this machine' }, async () => {
      const srv = await start(['--host', '0.0.0.0', '--max-per-client', '4', '--token', 'sesame-0123456789']);
      const open = (host) => new Promise((resolve) => {
        const s = net.connect({ port: srv.port, host, localAddress: host === lan.address ? lan.address : undefined });
        const c = { s, closed: false };
        s.on('connect', () => resolve(c));
        s.on('close', () => (c.closed = true));
        s.on('error', () => (c.closed = true));
      });
      const held = [];
      for (let i = 0; i < 4; i++) held.push(await open(lan.address));
      const fifth = await open(lan.address);
      await sleep(500);
      assert.equal(fifth.closed, true, 'a fifth connection from the same address is closed');
      assert.ok(held.every((c) => !c.closed), 'the four before it stay');
      // Another address (the loopback) is served at once.
      const r = await get(srv, '/api/health', { Authorization: 'Bearer sesame-0123456789' });
      assert.equal(r.status, 200);
      for (const c of [...held, fifth]) c.s.destroy();
      await stop(srv);
    });

  test('--token on a loopback server is required too; a bad --token is a usage error', async () => {
    const srv = await start(['--token', 'sesame-0123456789', '-q']);
    assert.equal((await get(srv, '/api/health')).status, 401);
    assert.equal((await get(srv, '/api/health', { Authorization: 'Bearer sesame-0123456789' })).status, 200);
    assert.doesNotMatch(srv.err, /sesame/, 'a given token is not printed');
    await stop(srv);
    const bad = spawn(SOM, ['serve', '--token', 'short'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    bad.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => bad.on('exit', r));
    assert.equal(code, 2);
    assert.match(err, /--token/);
  });
});

// The page itself behind a token: one visit to the printed address, then
// everything it does (fetches, the event stream, training to the end, the
// model download) goes on with the cookie. Needs playwright-core and
// chromium (tests/web/run.sh browser's); skipped without them.
let chromium = null;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  chromium = null;
}
const CHROMIUM = process.env.SOM_CHROMIUM || '/usr/bin/chromium';
const noBrowser = !chromium ? 'playwright-core is not installed'
  : !fs.existsSync(CHROMIUM) ? `${CHROMIUM} is missing` : false;

test('the web app works behind the token after one visit to the printed address', { skip: noBrowser }, async () => {
  const srv = await start(['--host', '0.0.0.0']);
  const t0 = Date.now();
  while (!/\?token=/.test(srv.err) && Date.now() - t0 < 5000) await sleep(20);
  const token = /\?token=([0-9a-f]{32}) /.exec(srv.err)[1];
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'som-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(20000);
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Without the token: the page says what to do, and nothing else loads.
    const denied = await page.goto(`${srv.base}/`);
    assert.equal(denied.status(), 401);
    assert.match(await page.textContent('body'), /access link/);
    await page.goto(`${srv.base}/?token=${token}#train`);
    assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
    await page.waitForSelector('body[data-ready="1"]');
    const options = await page.$$eval('#dataset option', (os) => os.map((o) => o.value));
    assert.ok(options.includes('iris'), `data sets listed: ${options}`);
    // Train through the page to the end: POST, the event stream, map.json.
    await page.selectOption('#dataset', 'iris');
    await page.fill('#rows', '4');
    await page.fill('#cols', '4');
    await page.fill('#epochs', '5');
    await page.click('#start');
    await page.waitForFunction(() => document.getElementById('progress').dataset.state === 'done');
    const job = await page.$eval('#progress', (el) => el.dataset.job);
    const dl = await page.evaluate((id) => fetch(`/api/jobs/${id}/model.som`).then((r) => r.status), job);
    assert.equal(dl, 200);
    await page.screenshot({ path: path.join(process.env.SOM_WEB_SHOTS || os.tmpdir(), 'token-train.png') });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  await stop(srv);
});

// A GET with a Host header of our choosing (fetch sets its own).
function rawStatus(port, p, host, token) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    s.on('data', (d) => (data += d));
    s.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] || 0)));
    s.on('error', reject);
    s.write(`GET ${p} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
  });
}
