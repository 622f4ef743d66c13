// SPDX-License-Identifier: MIT
// Browser tests of the web app as a map explorer (issue 18), at 1280×800
// and on a phone (390×844, touch): no horizontal scroll on any tab, the
// live view in sight after Start, a tap shows a unit's details, errors in
// the viewport within a second in words without command-line flags, a
// busy state during an upload, every setting of the library's table in the
// form, supervised training and the predicted class, clustering, a reload
// during training, the saved pictures equal to `som render`'s. Run by
// tests/web/run.sh browser-page; screenshots of every tab at both sizes go
// to $SOM_WEB_SHOTS (page-TAB-WIDTH.png).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { chromium } = require('playwright-core');

const BASE = process.env.SOM_URL;
if (!BASE) throw new Error('SOM_URL is not set: run through tests/web/run.sh');
const SHOTS = process.env.SOM_WEB_SHOTS || path.join(os.tmpdir(), 'som-web-shots');
fs.mkdirSync(SHOTS, { recursive: true });
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'som-page-'));

let browser;
const pageErrors = [];
const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.SOM_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
  fs.rmSync(WORK, { recursive: true, force: true });
});

// A fresh context (its own localStorage) at a size; a phone has touch.
async function newPage(kind) {
  const phone = kind === 'phone';
  const context = await browser.newContext({
    viewport: sizes[kind], hasTouch: phone, isMobile: phone, deviceScaleFactor: 1, acceptDownloads: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => d.accept());
  return page;
}

async function open(page, hash = '#train') {
  await page.goto(`${BASE}${hash}`);
  await page.waitForSelector('body[data-ready="1"]');
}

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
const state = (page) => page.$eval('#progress', (el) => el.dataset.state);
const scrollWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth);
const inViewport = (page, sel) => page.$eval(sel, (e) => {
  const r = e.getBoundingClientRect();
  return !e.hidden && r.height > 0 && r.top >= 0 && r.top < window.innerHeight && r.left >= 0 && r.right <= window.innerWidth + 1;
});

async function train(page, { passes = 30, pace = 0, rows = 8, cols = 8, target = '' } = {}) {
  await page.selectOption('#dataset', 'iris');
  await page.fill('#rows', String(rows));
  await page.fill('#cols', String(cols));
  await page.fill('#epochs', String(passes));
  await page.selectOption('#pace', String(pace));
  if (target) {
    await page.selectOption('#target', target);
  }
  const old = (await page.$eval('#progress', (e) => e.dataset.job)) || '';
  await page.click('#start');
  await page.waitForFunction((o) => {
    const d = document.getElementById('progress').dataset;
    return d.job && d.job !== o;
  }, old);
  return page.$eval('#progress', (e) => e.dataset.job);
}

const done = (page, timeout = 30000) =>
  page.waitForFunction(() => document.getElementById('progress').dataset.state === 'done', null, { timeout });
const drawn = (page, sel) => page.waitForFunction((s) => Number(document.querySelector(s).width) > 0 && document.querySelector(s).dataset.drawn !== undefined, sel);

test('every option of the settings table appears in the form, with its help and bounds', async () => {
  const page = await newPage('desktop');
  await open(page);
  const table = (await (await fetch(`${BASE}api/settings`)).json()).settings.filter((s) => s.api !== false);
  assert.ok(table.length >= 15, `${table.length} settings`);
  for (const s of table) {
    const label = page.locator(`label[data-setting="${s.name}"]`);
    assert.equal(await label.count(), 1, `the form has ${s.name}`);
    const title = await label.getAttribute('title');
    assert.ok(title.toLowerCase().includes(s.help.slice(0, 20).toLowerCase()), `${s.name}'s help is its tooltip: ${title}`);
    if ((s.type === 'size' || s.type === 'number') && s.bounds && s.bounds.min !== null) {
      const min = await label.locator('input').getAttribute('min');
      assert.equal(Number(min), s.bounds.min, `${s.name}'s lower bound`);
    }
  }
  // The form's own names, not the command line's.
  assert.doesNotMatch(await page.textContent('#settings-form label[data-setting="neighbor-rate"]'), /--/);
  await page.context().close();
});

test('a bad upload shows its error in the viewport within a second, in words without flag names', async () => {
  for (const kind of ['desktop', 'phone']) {
    const page = await newPage(kind);
    await open(page);
    const bad = path.join(WORK, 'ragged.csv');
    fs.writeFileSync(bad, 'a,b,c\n1,2,3\n4,5\n6,7,8\n');
    // Timed in the page, from the file's choice to the banner.
    await page.$eval('#dataset-file', (i) => i.addEventListener('change', () => {
      window.chosenAt = Date.now();
    }, { capture: true }));
    await page.setInputFiles('#dataset-file', bad);
    await page.waitForSelector('#banner:not([hidden])', { timeout: 5000 });
    const ms = await page.evaluate(() => Number(document.getElementById('banner').dataset.shownAt) - window.chosenAt);
    assert.ok(ms >= 0 && ms < 1000, `the error showed after ${ms} ms`);
    assert.ok(await inViewport(page, '#banner'), `${kind}: the banner is in the viewport`);
    const text = await page.textContent('#banner-text');
    assert.match(text, /ragged\.csv/);
    assert.match(text, /ragged\.csv:3:\d+|line 3/, text);
    assert.doesNotMatch(text, /--[a-z]/, text);
    assert.equal(await page.textContent('#dataset-error'), text, 'the same words next to the upload');
    if (kind === 'phone') await shot(page, 'page-upload-error-390');
    await page.context().close();
  }
});

test('an upload shows what the server reads in it before keeping it', async () => {
  const page = await newPage('desktop');
  await open(page);
  const file = path.join(WORK, 'semi.csv');
  fs.writeFileSync(file, 'name;x;y\na;1;2\nb;;4\nc;3;1\n');
  const before = (await (await fetch(`${BASE}api/datasets`)).json()).datasets.length;
  await page.setInputFiles('#dataset-file', file);
  await page.waitForSelector('#preview table');
  assert.match(await page.textContent('#preview p'), /^3 rows, 3 columns, titles on the first line, separated by semicolon, labels from “name”$/);
  assert.deepEqual(await page.$$eval('#preview tr.kinds td', (t) => t.map((x) => x.textContent)), ['labels', 'number · 1 missing', 'number']);
  assert.equal((await (await fetch(`${BASE}api/datasets`)).json()).datasets.length, before, 'nothing kept yet');
  await page.click('#upload-confirm');
  await page.waitForFunction(() => /semi\.csv · \d/.test(document.getElementById('dataset').selectedOptions[0].textContent));
  assert.match(await page.textContent('#dataset-info'), /^3 rows × 2 fields, labels from “name”, 1 missing values; uploaded \d/);
  await page.click('#delete-dataset');
  await page.waitForFunction(() => document.getElementById('dataset').value === 'iris');
  await page.context().close();
});

test('a too-large upload shows a busy state, then the error', async () => {
  const page = await newPage('desktop');
  await open(page);
  await page.evaluate(() => {
    window.busySeen = false;
    new MutationObserver(() => {
      if (document.body.dataset.busy) window.busySeen = true;
    }).observe(document.body, { attributes: true, attributeFilter: ['data-busy'] });
  });
  const big = path.join(WORK, 'big.csv');
  const line = '1.5,2.5,3.5,4.5\n';
  fs.writeFileSync(big, `a,b,c,d\n${line.repeat(Math.ceil((1.5 * 1048576) / line.length))}`);
  await page.setInputFiles('#dataset-file', big);
  await page.waitForSelector('#banner:not([hidden])');
  assert.ok(await page.evaluate(() => window.busySeen), 'busy while the file went up');
  assert.equal(await page.evaluate(() => document.body.dataset.busy), undefined, 'and not after');
  const text = await page.textContent('#banner-text');
  assert.match(text, /big\.csv.*(larger|limit)/i, text);
  assert.doesNotMatch(text, /--[a-z]|\d{7,} bytes/, text);
  assert.ok(await inViewport(page, '#banner'));
  await page.context().close();
});

test('phone: the live view in sight after Start, a tap shows a unit, no horizontal scroll on any tab', async () => {
  const page = await newPage('phone');
  await open(page);
  assert.ok(await inViewport(page, '#empty-state'), 'an empty state says what to do');
  await shot(page, 'page-train-empty-390');
  assert.ok((await scrollWidth(page)) <= 390, 'Train before a run');
  await train(page, { passes: 60, pace: 20 });
  await page.waitForFunction(() => document.getElementById('progress').dataset.state === 'running');
  await page.waitForFunction(() => Number(document.getElementById('umatrix').dataset.drawn) >= 3);
  assert.ok(await inViewport(page, '#progress'), 'the progress is in sight');
  assert.ok(await inViewport(page, '#umatrix'), 'the U-matrix is in sight');
  // The rate once a few passes are measured, the time left, the pace.
  await page.waitForFunction(() => /passes\/s · .* left \(slowed to 20 passes\/s\)/.test(document.getElementById('progress-text').textContent));
  await shot(page, 'page-train-running-390');
  assert.ok((await scrollWidth(page)) <= 390, 'Train while training');
  const box = await page.$eval('#umatrix', (c) => {
    const r = c.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  });
  await page.touchscreen.tap(box.x, box.y);
  await page.waitForSelector('#tooltip:not([hidden])');
  assert.match(await page.textContent('#tooltip'), /unit \d+ \(row \d+, column \d+\).*petal_width: [\d.]+/s);
  const tip = await page.$eval('#tooltip', (t) => t.getBoundingClientRect().right);
  assert.ok(tip <= 390, `the details stay on the screen (right edge ${tip})`);
  assert.ok((await scrollWidth(page)) <= 390, 'Train with the details open');
  await shot(page, 'page-train-tap-390');
  await done(page);
  // Recognize, with a row in its table; Art.
  await page.click('#tab-recognize');
  assert.ok((await scrollWidth(page)) <= 390, 'Recognize, empty');
  await page.click('#use-trained');
  await page.waitForSelector('#row-fields input[data-field="3"]');
  for (const [j, v] of ['6.1', '2.8', '4.7', '1.2'].entries()) await page.fill(`#row-fields input[data-field="${j}"]`, v);
  await page.click('#recognize-row');
  await page.waitForSelector('#results tbody tr');
  assert.ok((await scrollWidth(page)) <= 390, 'Recognize with results');
  await page.locator('#fig-recognize').scrollIntoViewIfNeeded();
  await page.evaluate(() => document.getElementById('fig-recognize').scrollIntoView({ block: 'start' }));
  await shot(page, 'page-recognize-390');
  await page.click('#tab-art');
  await page.waitForFunction(() => document.querySelectorAll('#gallery img').length === 16);
  assert.ok((await scrollWidth(page)) <= 390, 'Art');
  await shot(page, 'page-art-390');
  await page.context().close();
});

test('a supervised job trains from the page and Recognize predicts the class of a typed row; the table as CSV', async () => {
  const page = await newPage('desktop');
  await open(page);
  await train(page, { passes: 30, rows: 8, cols: 8, target: 'species' });
  await done(page);
  const job = await (await fetch(`${BASE}api/jobs/${await page.$eval('#progress', (e) => e.dataset.job)}`)).json();
  assert.equal(job.settings.target, 'species', 'the job trained with the target');
  await page.click('#tab-recognize');
  await page.click('#use-trained');
  await page.waitForFunction(() => /supervised: predicts species/.test(document.getElementById('map-info').textContent));
  await page.waitForSelector('#row-fields input[data-field="3"]');
  const rows = [['setosa?', ['5.1', '3.5', '1.4', '0.2']], ['virginica?', ['6.9', '3.1', '5.8', '2.2']]];
  for (const [label, values] of rows) {
    await page.fill('#row-label', label);
    for (const [j, v] of values.entries()) await page.fill(`#row-fields input[data-field="${j}"]`, v);
    await page.click('#recognize-row');
  }
  await page.waitForFunction(() => document.querySelectorAll('#results tbody tr').length === 2);
  const head = await page.$$eval('#results thead th', (t) => t.map((x) => x.textContent));
  assert.ok(head.includes('species (predicted)'), head.join(','));
  const predicted = await page.$$eval('#results tbody td.class', (t) => t.map((x) => x.textContent));
  assert.deepEqual(predicted, ['setosa', 'virginica']);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'label,unit,row,col,distance,species,sepal_length,sepal_width,petal_length,petal_width,filled');
  assert.match(csv[1], /^setosa\?,\d+,\d+,\d+,[\d.e-]+,setosa,5\.1,3\.5,1\.4,0\.2,$/);
  assert.match(csv[2], /^virginica\?,.*,virginica,6\.9,3\.1,5\.8,2\.2,$/);
  await shot(page, 'page-recognize-1280');
  await page.context().close();
});

test('clustering a finished map draws boundaries over the U-matrix', async () => {
  const page = await newPage('desktop');
  await open(page);
  await train(page, { passes: 20, rows: 10, cols: 10 });
  await done(page);
  await page.fill('#cluster-k', '3');
  await page.click('#cluster-run');
  await page.waitForFunction(() => document.getElementById('cluster-info').dataset.k === '3');
  await page.waitForFunction(() => Number(document.getElementById('umatrix').dataset.boundaries) > 0);
  assert.equal(await page.$eval('#plane', (s) => s.value), 'clusters');
  assert.deepEqual(await page.$$eval('#plane-legend .legend-item', (t) => t.map((x) => x.textContent)), ['cluster 1', 'cluster 2', 'cluster 3']);
  assert.equal(await page.textContent('#plane-legend'), 'cluster 1cluster 2cluster 3', 'nothing else in the legend');
  // Hits: a unit with no row is hatched grey, set apart from one with a row.
  await page.selectOption('#plane', 'hits');
  assert.match(await page.textContent('#plane-legend'), /no rows \(0 hits\)/);
  await page.selectOption('#plane', 'clusters');
  await page.locator('#views').scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'page-train-1280');
  await page.context().close();
});

test('reload during training: the job list, the form and the live view show the running job', async () => {
  const page = await newPage('desktop');
  await open(page);
  await page.selectOption('#topology', 'hex');
  const id = await train(page, { passes: 400, pace: 20, rows: 7, cols: 9 });
  await page.waitForFunction(() => Number(document.getElementById('progress').dataset.pass) >= 3);
  // A page with no memory of its own (a new browser profile) finds it too.
  for (const p of [page, await newPage('desktop')]) {
    if (p === page) await page.reload();
    await open(p);
    await p.waitForFunction(() => document.getElementById('progress').dataset.state === 'running');
    assert.equal(await p.$eval('#progress', (e) => e.dataset.job), id);
    assert.equal(await p.$eval('#jobs', (s) => s.value), id, 'the job list selects it');
    assert.match(await p.$eval('#jobs', (s) => s.selectedOptions[0].textContent), /^iris\.csv · 7×9 batch · running · \d/);
    assert.equal(await p.inputValue('#epochs'), '400', 'the form shows its passes');
    assert.equal(await p.inputValue('#rows'), '7');
    assert.equal(await p.inputValue('#cols'), '9');
    assert.equal(await p.inputValue('#topology'), 'hex');
    assert.equal(await p.inputValue('#iterations'), '', 'steps not set');
    await p.waitForFunction(() => Number(document.getElementById('umatrix').dataset.drawn) > 0);
    if (p !== page) await p.context().close();
  }
  await shot(page, 'page-train-reload-1280');
  await page.click('#delete-job');
  await page.waitForFunction(() => document.getElementById('progress').dataset.state === 'idle');
  assert.equal((await fetch(`${BASE}api/jobs/${id}`)).status, 404, 'deleted on the server');
  await page.context().close();
});

test('a run estimated over a few minutes asks first; "watch it learn" says it is slowed', async () => {
  const page = await newPage('desktop');
  await open(page);
  assert.match(await page.$eval('#pace', (s) => s.selectedOptions[0].textContent), /watch it learn — slowed to 20 passes\/s/);
  await page.fill('#epochs', '100000');
  await page.dispatchEvent('#epochs', 'input');
  await page.waitForFunction(() => /about 1 h 23 min \(slowed to 20 passes\/s\)/.test(document.getElementById('estimate').textContent));
  const jobs = (await (await fetch(`${BASE}api/jobs`)).json()).jobs.length;
  page.removeAllListeners('dialog');
  const asked = [];
  page.on('dialog', (d) => {
    asked.push(d.message());
    d.dismiss();
  });
  await page.click('#start');
  await page.waitForTimeout(300);
  assert.equal(asked.length, 1);
  assert.match(asked[0], /^This run takes about 1 h 23 min, slowed to 20 passes per second\. Start it\?$/);
  assert.equal((await (await fetch(`${BASE}api/jobs`)).json()).jobs.length, jobs, 'no job started');
  // A bad setting: the error next to the field and in the banner.
  await page.fill('#epochs', '0');
  await page.click('#start');
  await page.waitForSelector('#banner:not([hidden])');
  assert.match(await page.textContent('#err-epochs'), /^expected a whole number >= 1, got '0'$/);
  assert.match(await page.textContent('#banner-text'), /^Passes: expected a whole number >= 1/);
  assert.ok(await inViewport(page, 'label[data-setting="epochs"]'), 'the field is in sight');
  assert.ok(await inViewport(page, '#banner'));
  await page.context().close();
});

test('desktop: screenshots of every tab; no script errors', async () => {
  const page = await newPage('desktop');
  await open(page, '#art');
  await page.waitForFunction(() => document.querySelectorAll('#gallery img').length === 16);
  await page.waitForFunction(() => [...document.querySelectorAll('#gallery img')].every((i) => i.complete && i.naturalWidth > 0));
  await shot(page, 'page-art-1280');
  assert.ok((await scrollWidth(page)) <= 1280);
  await page.context().close();
  assert.deepEqual(pageErrors, [], 'no script errors in the page');
});

test('saving a plane as PNG and SVG gives som render\'s picture', async () => {
  const page = await newPage('desktop');
  await open(page);
  const id = await train(page, { passes: 15, rows: 6, cols: 8 });
  await done(page);
  await page.selectOption('#plane', '2');
  const model = path.join(WORK, 'plane.som');
  fs.writeFileSync(model, Buffer.from(await (await fetch(`${BASE}api/jobs/${id}/model.som`)).arrayBuffer()));
  for (const ext of ['png', 'svg']) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#save-plane-${ext}`)]);
    const got = fs.readFileSync(await download.path());
    const out = path.join(WORK, `render.${ext}`);
    execFileSync(process.env.SOM_BIN, ['render', model, '--data', path.join(process.env.SOM_ROOT, 'data', 'iris.csv'),
      '--plot', 'planes', '--field', 'petal_length', '--range', 'data', '--colors', 'viridis', '-o', out]);
    const want = fs.readFileSync(out);
    if (ext === 'png') assert.ok(got.equals(want), 'the PNG is som render\'s, byte for byte');
    else {
      const norm = (b) => b.toString('utf8').replace(/surface\d+/g, 'surface');
      assert.equal(norm(got), norm(want), 'the SVG is som render\'s but for Cairo\'s surface ids');
    }
  }
  await page.context().close();
});
