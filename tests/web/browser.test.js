// SPDX-License-Identifier: MIT
// Browser tests of the som web app: Playwright (playwright-core from npm)
// driving Debian's chromium, headless, with a fresh profile. Run by
// tests/web/run.sh against a server on a free loopback port; screenshots go
// to $SOM_WEB_SHOTS (the build tree's web-shots/ under ctest).
//
// What they check (issue 8): training the bundled data to the end while the
// page updates; stop midway, reload the page, continue; save the model and
// load it back; recognise rows with a blank field; the art gallery and an
// avatar; the guessing game's score.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const BASE = process.env.SOM_URL;
if (!BASE) throw new Error('SOM_URL is not set: run through tests/web/run.sh');
const SHOTS = process.env.SOM_WEB_SHOTS || path.join(os.tmpdir(), 'som-web-shots');
fs.mkdirSync(SHOTS, { recursive: true });

let context;
let profile;
let page;
const pageErrors = [];

before(async () => {
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'som-chromium-'));
  // launchPersistentContext is Playwright's way of passing --user-data-dir.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.SOM_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
    acceptDownloads: true,
  });
  page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

after(async () => {
  if (context) await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

// A fresh page load (not only a change of the #tab).
async function open(hash = '') {
  await page.goto('about:blank');
  await page.goto(`${BASE}${hash}`);
  await page.waitForSelector('body[data-ready="1"]');
}

const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
const progress = () => page.$eval('#progress', (el) => ({ ...el.dataset }));

async function setTraining({ dataset = 'iris', passes, pace, algorithm = 'batch', rows = 10, cols = 10 }) {
  await page.selectOption('#dataset', dataset);
  await page.fill('#rows', String(rows));
  await page.fill('#cols', String(cols));
  await page.selectOption('#algorithm', algorithm);
  await page.fill('#epochs', String(passes));
  await page.selectOption('#pace', String(pace));
}

// Starts training and waits until the page shows the new job (it may be
// showing a finished one from before).
async function start() {
  const old = (await progress()).job || '';
  await page.click('#start');
  await page.waitForFunction((o) => {
    const d = document.getElementById('progress').dataset;
    return d.job && d.job !== o;
  }, old);
}

// How many distinct colours a canvas shows: a drawn map has many.
const canvasColours = (sel) =>
  page.$eval(sel, (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 16) if (d[i + 3]) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  });
// Waits (up to 10 s) until the canvas shows more than `min` colours: the
// page draws after the data arrives, a frame later on a loaded machine.
const drawnWithin = async (sel, min) => {
  for (const until = Date.now() + 10000; Date.now() < until; await page.waitForTimeout(100))
    if ((await canvasColours(sel)) > min) return true;
  return false;
};

test('train the bundled data to the end while the page updates', async () => {
  await open('#train');
  await page.evaluate(() => localStorage.clear());
  await setTraining({ dataset: 'iris', passes: 40, pace: 20 });
  // Record every pass the page shows, and every map it draws.
  await page.evaluate(() => {
    window.seen = { passes: [], drawn: [] };
    const box = document.getElementById('progress');
    new MutationObserver(() => window.seen.passes.push(Number(box.dataset.pass)))
      .observe(box, { attributes: true, attributeFilter: ['data-pass'] });
    const um = document.getElementById('umatrix');
    new MutationObserver(() => window.seen.drawn.push(Number(um.dataset.drawn)))
      .observe(um, { attributes: true, attributeFilter: ['data-drawn'] });
  });
  await start();
  await page.waitForFunction(() => document.getElementById('progress').dataset.state === 'running');
  await page.waitForFunction(() => Number(document.getElementById('progress').dataset.pass) >= 15);
  await shot('train-running');
  await page.waitForFunction(() => document.getElementById('progress').dataset.state === 'done');
  const seen = await page.evaluate(() => window.seen);
  const passes = [...new Set(seen.passes)];
  assert.ok(passes.length >= 10, `the progress moved through ${passes.length} passes`);
  for (let i = 1; i < seen.passes.length; i++) assert.ok(seen.passes[i] >= seen.passes[i - 1]);
  assert.ok(new Set(seen.drawn).size >= 5, `the map was redrawn at ${new Set(seen.drawn).size} stages`);
  const p = await progress();
  assert.equal(p.pass, '40');
  assert.equal(p.passes, '40');
  assert.match(await page.textContent('#progress-text'), /^done · pass 40 \/ 40 · QE \d/);
  await page.waitForFunction(() => document.getElementById('umatrix').dataset.drawn === '40');
  assert.ok((await canvasColours('#umatrix')) > 20, 'the U-matrix is drawn');
  assert.ok((await canvasColours('#plane-canvas')) > 20, 'a component plane is drawn');
  assert.equal(await page.$eval('#chart', (c) => c.dataset.points), '41', 'QE/TE for passes 0..40');
  // Hover a unit: its weights in original units, hits and label.
  const box = await page.$eval('#umatrix', (c) => {
    const r = c.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  });
  await page.mouse.move(box.x, box.y);
  await page.waitForSelector('#tooltip:not([hidden])');
  const tip = await page.textContent('#tooltip');
  assert.match(tip, /unit \d+.*sepal_length: [\d.]+.*petal_width: [\d.]+.*hits: \d+/s);
  // The plane selector offers every field and the hits.
  const options = await page.$$eval('#plane option', (o) => o.map((x) => x.textContent));
  assert.deepEqual(options, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'hits', 'classes (labels)']);
  await page.selectOption('#plane', '2');
  await page.selectOption('#colors', 'mql');
  // The classes in the render library's palette, named in a legend.
  await page.selectOption('#plane', 'classes');
  assert.deepEqual(await page.$$eval('#plane-legend .legend-item', (t) => t.map((x) => x.textContent)),
    ['setosa', 'versicolor', 'virginica', 'no rows']);
  await page.selectOption('#plane', '2');
  await shot('train-done');
  assert.ok(await page.isEnabled('#start'));
  assert.ok(await page.isDisabled('#stop'));
  assert.ok(await page.isDisabled('#continue'));
});

test('stop midway, reload the page, continue', async () => {
  await open('#train');
  await setTraining({ dataset: 'colours', passes: 80, pace: 20, rows: 8, cols: 8 });
  await start();
  await page.waitForFunction(() => Number(document.getElementById('progress').dataset.pass) >= 5);
  await page.click('#stop');
  await page.waitForFunction(() => document.getElementById('progress').dataset.state === 'stopped', null,
    { timeout: 2000 });
  const stopped = await progress();
  const at = Number(stopped.pass);
  assert.ok(at >= 5 && at < 80, `stopped at pass ${at}`);
  assert.ok(await page.isEnabled('#continue'));
  assert.ok(await page.isDisabled('#stop'));
  await page.waitForTimeout(300);
  assert.equal((await progress()).pass, String(at), 'a stopped job stays put');
  // The job lives in the server: a reload finds it where it was.
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]');
  await page.waitForFunction(() => document.getElementById('progress').dataset.state === 'stopped');
  assert.equal((await progress()).pass, String(at));
  await page.waitForFunction(() => Number(document.getElementById('chart').dataset.points) === Number(document.getElementById('progress').dataset.pass) + 1);
  await shot('train-stopped');
  await page.click('#continue');
  await page.waitForFunction(() => document.getElementById('progress').dataset.state === 'running');
  await page.waitForFunction(() => document.getElementById('progress').dataset.state === 'done', null,
    { timeout: 30000 });
  assert.equal((await progress()).pass, '80');
  assert.equal(await page.$eval('#chart', (c) => c.dataset.points), '81', 'one error point per pass');
});

let savedModel;

test('save the model and load it back', async () => {
  await open('#train');
  await setTraining({ dataset: 'iris', passes: 25, pace: 0, rows: 7, cols: 9 });
  await page.selectOption('#topology', 'hex');
  await start();
  await page.waitForFunction(() => document.getElementById('progress').dataset.state === 'done');
  const jobId = await page.evaluate(() => localStorage.getItem('som.job'));
  for (const ext of ['som', 'somnet']) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#save-${ext}`)]);
    const file = path.join(SHOTS, `model.${ext}`);
    await download.saveAs(file);
    const bytes = fs.readFileSync(file);
    const direct = Buffer.from(await (await fetch(`${BASE}api/jobs/${jobId}/model.${ext}`)).arrayBuffer());
    if (ext === 'som') {
      assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x53, 0x4f, 0x4d], '.som magic');
      assert.ok(bytes.equals(direct), 'the download is the job\'s model');
      savedModel = file;
    } else {
      assert.equal(bytes.readDoubleLE(8), 9, '.somnet xcells');
      assert.equal(bytes.readDoubleLE(16), 7, '.somnet ycells');
    }
  }
  await page.click('#tab-recognize');
  await page.setInputFiles('#model-file', savedModel);
  await page.waitForFunction(() => /7×9 hex, 4 fields/.test(document.getElementById('map-info').textContent));
  assert.match(await page.textContent('#map-info'), /from model\.som/);
  assert.ok(await drawnWithin('#recognize-map', 20), 'the loaded map is drawn');
  // A reload keeps the loaded map too.
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]');
  await page.waitForFunction(() => /7×9 hex/.test(document.getElementById('map-info').textContent));
});

test('recognise rows with a blank field', async () => {
  await open('#recognize');
  await page.waitForSelector('#row-fields input[data-field="3"]');
  await page.fill('#row-label', 'blank petal length');
  await page.fill('#row-fields input[data-field="0"]', '5.1');
  await page.fill('#row-fields input[data-field="1"]', '3.5');
  await page.fill('#row-fields input[data-field="2"]', '');
  await page.fill('#row-fields input[data-field="3"]', '0.2');
  await page.click('#recognize-row');
  await page.waitForSelector('#results tbody tr');
  const cells = await page.$$eval('#results tbody tr:first-child td', (t) => t.map((x) => ({ text: x.textContent, cls: x.className })));
  assert.equal(cells[1].text, 'blank petal length');
  const fields = cells.slice(6);
  assert.equal(fields.length, 4);
  assert.equal(fields[0].text, '5.1');
  assert.equal(fields[2].cls, 'filled', 'the blank field is filled in');
  const filled = Number(fields[2].text);
  assert.ok(filled > 0.5 && filled < 3, `a setosa's petal length: ${filled}`);
  assert.equal(fields[0].cls, '');
  assert.equal(await page.$eval('#recognize-map', (c) => c.dataset.matched), '1', 'the best unit lights up');
  // A second typed row adds to the table.
  await page.fill('#row-label', 'virginica?');
  await page.fill('#row-fields input[data-field="0"]', '6.7');
  await page.fill('#row-fields input[data-field="1"]', '');
  await page.fill('#row-fields input[data-field="2"]', '5.8');
  await page.fill('#row-fields input[data-field="3"]', '');
  await page.click('#recognize-row');
  await page.waitForFunction(() => document.querySelectorAll('#results tbody tr').length === 2);
  assert.equal(await page.$$eval('#results tbody tr:nth-child(2) td.filled', (t) => t.length), 2);
  // Rows from a file, columns matched by title, one column missing.
  const csv = path.join(SHOTS, 'rows.csv');
  fs.writeFileSync(csv, 'species,petal_width,sepal_length,petal_length\nsetosa,0.2,5.0,1.4\nvirginica,2.3,6.9,5.7\nversicolor,1.3,5.7,4.1\n');
  await page.setInputFiles('#rows-file', csv);
  await page.waitForFunction(() => document.querySelectorAll('#results tbody tr').length === 3);
  const labels = await page.$$eval('#results tbody td.label', (t) => t.map((x) => x.textContent));
  assert.deepEqual(labels, ['setosa', 'virginica', 'versicolor']);
  assert.equal(await page.$$eval('#results tbody td.filled', (t) => t.length), 3, 'sepal_width filled in each row');
  await shot('recognize');
  // A letter where a number belongs is refused in the page.
  await page.fill('#row-fields input[data-field="0"]', 'abc');
  await page.click('#recognize-row');
  await page.waitForFunction(() => /not a number/.test(document.getElementById('recognize-error').textContent));
});

test('render the art gallery and an avatar', async () => {
  await open('#art');
  await page.waitForFunction(() => document.querySelectorAll('#gallery img').length === 16);
  await page.waitForFunction(() => [...document.querySelectorAll('#gallery img')].every((i) => i.complete && i.naturalWidth > 0));
  assert.match(await page.textContent('#gallery-caption'), /16 patterns published/);
  await page.waitForFunction(() => document.getElementById('art-image').naturalWidth > 0);
  await page.waitForFunction(() => document.getElementById('avatar-image').naturalWidth > 0);
  const first = await page.getAttribute('#avatar-image', 'src');
  await page.fill('#avatar-name', 'Grace Hopper');
  await page.waitForFunction((f) => document.getElementById('avatar-image').getAttribute('src') !== f, first);
  await page.waitForFunction(() => {
    const i = document.getElementById('avatar-image');
    return i.complete && i.naturalWidth === 160;
  });
  assert.equal(await page.getAttribute('#avatar-image', 'src'), '/avatar/Grace%20Hopper.png?size=160');
  // Slide a knob: the pattern is drawn again.
  const before = await page.getAttribute('#art-image', 'src');
  await page.$eval('#art-radius', (el) => {
    el.value = '0';
    el.dispatchEvent(new Event('input'));
  });
  await page.waitForFunction((b) => document.getElementById('art-image').getAttribute('src') !== b, before);
  assert.match(await page.getAttribute('#art-image', 'src'), /radius=0/);
  // A gallery panel loads its knobs into the playground.
  await page.click('#gallery img:nth-child(2)');
  await page.waitForFunction(() => document.getElementById('radius-out').textContent === '3');
  await page.click('#gallery-random');
  await page.waitForFunction(() => document.querySelectorAll('#gallery img').length === 9);
  await page.waitForFunction(() => [...document.querySelectorAll('#gallery img')].every((i) => i.complete && i.naturalWidth > 0));
  await page.click('#gallery-classic');
  await page.waitForFunction(() => document.querySelectorAll('#gallery img').length === 16);
  await page.waitForFunction(() => [...document.querySelectorAll('#gallery img')].every((i) => i.complete && i.naturalWidth > 0));
  await shot('art');
});

test('the guessing game scores', async () => {
  await open('#art');
  await page.click('#guess-new');
  await page.waitForFunction(() => {
    const i = document.getElementById('guess-image');
    return !i.hidden && i.complete && i.naturalWidth > 0;
  });
  await page.$eval('#guess-radius', (el) => {
    el.value = '2';
    el.dispatchEvent(new Event('input'));
  });
  await page.click('#guess-submit');
  await page.waitForFunction(() => document.getElementById('guess-result').dataset.score !== undefined);
  const score = Number(await page.getAttribute('#guess-result', 'data-score'));
  assert.ok(score >= 0 && score <= 100, `score ${score}`);
  assert.match(await page.textContent('#guess-result'), /^\d+ \/ 100 — the truth: step [\d.]+, radius \d, std [\d.]+/);
  await page.locator('#guess-result').scrollIntoViewIfNeeded();
  await shot('guess');
  assert.deepEqual(pageErrors, [], 'no script errors in the page');
});
