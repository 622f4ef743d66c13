// The Art tab: the playground of "The Art of SOFM" (three knobs), the
// article's gallery, avatars and the guessing game. Pictures come from the
// server's art routes (doc/API.md).
'use strict';

import { api } from './api.js';
import { $, fmt, debounce } from './util.js';

export const art = {
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

export { showKnobOutputs };
