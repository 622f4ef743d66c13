// som web app: plain JavaScript modules, no framework, no build step. It
// talks to the JSON API of `som serve` (doc/API.md, api.js) and draws maps
// with the colours of `som render` (mapview.js). One module per tab:
// train.js (with form.js, upload.js, chart.js), recognize.js, art.js; this
// one switches tabs and starts the page.
'use strict';

import { api } from './api.js';
import { $, showError } from './util.js';
import { setColormaps } from './mapview.js';
import { setServer, setupForm, attach, refreshJobs, fillColors, redrawTrain } from './train.js';
import { drawMap, restoreMap } from './recognize.js';
import { art, showKnobOutputs } from './art.js';

const tabs = ['train', 'recognize', 'art'];

function showTab(name) {
  if (!tabs.includes(name)) name = 'train';
  for (const t of tabs) {
    $(`tab-${t}`).setAttribute('aria-selected', String(t === name));
    $(`panel-${t}`).hidden = t !== name;
  }
  for (const tip of document.querySelectorAll('.tooltip')) tip.hidden = true;
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
  if (name === 'art') art.start();
  // A view drawn while hidden had no width: draw it again.
  if (name === 'train') redrawTrain();
  if (name === 'recognize') drawMap();
}

for (const t of tabs) $(`tab-${t}`).addEventListener('click', () => showTab(t));
window.addEventListener('hashchange', () => showTab(location.hash.slice(1)));
$('banner-close').addEventListener('click', () => {
  $('banner').hidden = true;
});
// A tap outside a map lets go of the unit details it pinned.
document.addEventListener('click', (ev) => {
  if (ev.target.tagName === 'CANVAS') return;
  for (const tip of document.querySelectorAll('.tooltip')) {
    tip.hidden = true;
    tip.dataset.pinned = '';
  }
});
$('colors').addEventListener('change', () => {
  redrawTrain();
  drawMap();
});

async function init() {
  showKnobOutputs();
  try {
    const [health, cm, st] = await Promise.all([api('GET', '/api/health'), api('GET', '/api/colormaps'), api('GET', '/api/settings')]);
    setColormaps(cm);
    fillColors();
    $('server-status').textContent = `som ${health.version}`;
    setServer(health);
    await setupForm(st.settings);
  } catch (e) {
    showError(`Cannot reach the server: ${e.message}`, 'train-error');
    return;
  }
  const jobs = await refreshJobs();
  // A page reload finds its job again (the state lives in the server): the
  // one this page followed, else the one training now.
  const running = jobs.find((j) => j.state === 'running' || j.state === 'queued');
  const saved = localStorage.getItem('som.job');
  const pick = jobs.some((j) => j.id === saved) ? saved : running && running.id;
  if (pick) {
    try {
      attach(await api('GET', `/api/jobs/${pick}`));
      $('jobs').value = pick;
    } catch (e) {
      localStorage.removeItem('som.job');
    }
  }
  const mapId = localStorage.getItem('som.map');
  if (mapId) await restoreMap(mapId);
  showTab(location.hash.slice(1));
  document.body.dataset.ready = '1';
}

init();
