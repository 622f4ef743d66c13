// The Train form, built from the library's settings table (GET
// /api/settings): every training option a job takes, its help as a
// tooltip (and under the field while it has focus), its bounds as the
// input's limits, greyed out where the chosen algorithm ignores it.
'use strict';

import { $, el } from './util.js';

// How the page names a setting; the table's own name otherwise.
const LABELS = {
  grid: 'Rows × columns',
  topology: 'Topology',
  toroid: 'toroid (the edges wrap)',
  scale: 'Scaling',
  algorithm: 'Algorithm',
  epochs: 'Passes',
  iterations: 'Steps (instead of passes)',
  init: 'Start from',
  radius: 'Radius from … to',
  rate: 'Learning rate from … to',
  schedule: 'Schedule',
  inverse: 'Inverse schedule A, B',
  neighborhood: 'Neighbourhood',
  'neighbor-rate': 'Neighbour rate',
  'quality-every': 'Errors every N passes',
  seed: 'Seed',
  target: 'Target (supervised)',
  'target-weight': 'Target weight',
  weights: 'Feature weights',
  distance: 'Distance',
};

// Words that the table's one-line help leaves to the manual.
const MORE_HELP = {
  'neighbor-rate': 'How strongly the winner’s neighbours move, relative to the winner: 1 moves them as the neighbourhood function says, less keeps them stiller.',
  schedule: 'How the radius (and the online rate) shrink from start to end: linear, exponential, inverse (A/(step+B)), or mql — the MQL5 Kohonen scripts’ schedule.',
  target: 'Train a supervised map: the target column (the label column gives one field per class) takes part in the map but not in choosing the winner, so Recognize can name it for new rows.',
  'target-weight': 'How much the target counts when choosing the winner: 0 = not at all (the map learns the other fields and the target follows).',
  weights: 'TITLE=W, … : a field of weight 0 stays in the map but does not choose the winner; 2 counts twice.',
  'quality-every': 'The errors (QE, TE) are measured every N passes; 0 only before and after training.',
};

const idOf = (name) => name.replace(/-/g, '_');
const labelOf = (s) => LABELS[s.name] || s.name.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());

export class SettingsForm {
  constructor(box) {
    this.box = box;
    this.table = [];
    this.titles = [];
    this.labelColumn = null;
  }

  build(table) {
    this.table = table.filter((s) => s.api !== false);
    const groups = [
      ['map', 'Map'],
      ['training', 'Training'],
      ['supervised', 'Supervised and weights'],
    ];
    const known = new Set(groups.map((g) => g[0]));
    this.box.replaceChildren();
    for (const [g, title] of groups) {
      const items = this.table.filter((s) => s.group === g || (g === 'training' && !known.has(s.group)));
      if (!items.length) continue;
      const fs = el('fieldset', { class: `settings-group group-${g}` }, el('legend', { text: title }));
      for (const s of items) fs.append(this.field(s));
      if (g === 'training') fs.classList.add('collapsible');
      this.box.append(fs);
    }
    $('algorithm')?.addEventListener('change', () => this.syncAlgorithm());
    this.syncAlgorithm();
  }

  help(s) {
    const more = MORE_HELP[s.name] ? ` ${MORE_HELP[s.name]}` : '';
    const dflt = s.default_words ? ` Default: ${s.default_words}.` : '';
    return `${s.help.replace(/^./, (c) => c.toUpperCase())}.${more}${dflt}`.replace(/\.\./g, '.');
  }

  // One labelled control (or a pair) per setting, data-setting=NAME.
  field(s) {
    const help = this.help(s);
    const id = idOf(s.name);
    const label = el('label', { class: 'setting', title: help, dataset: { setting: s.name } });
    const note = el('small', { class: 'help', text: help });
    const num = (nid, bounds, placeholder, value) => {
      const inp = el('input', { type: 'number', id: nid, step: 'any', placeholder: placeholder || '' });
      if (bounds) {
        if (bounds.min !== null && bounds.min !== undefined) inp.min = String(bounds.min);
        if (bounds.max !== null && bounds.max !== undefined) inp.max = String(bounds.max);
        if (bounds.min_exclusive) inp.dataset.minExclusive = '1';
      }
      if (s.type === 'size') inp.step = '1';
      if (value !== null && value !== undefined) inp.value = value;
      return inp;
    };
    switch (s.type) {
      case 'grid': {
        const [r, c] = (s.default || '10x10').split('x');
        label.append(labelOf(s), el('span', { class: 'pair' },
          num('rows', { min: 1, max: 200 }, '', r), el('span', { text: '×' }), num('cols', { min: 1, max: 200 }, '', c)));
        break;
      }
      case 'choice': {
        const sel = el('select', { id });
        for (const ch of s.choices) sel.append(el('option', { value: ch, text: ch }));
        if (s.default) sel.value = s.default;
        label.append(labelOf(s), sel);
        break;
      }
      case 'flag': {
        label.classList.add('check');
        label.append(el('input', { type: 'checkbox', id, checked: s.default === 'true' }), labelOf(s));
        break;
      }
      case 'pair': {
        const d = s.default ? s.default.split(':') : ['auto', ''];
        const b = Array.isArray(s.bounds) ? s.bounds : [null, null];
        label.append(labelOf(s), el('span', { class: 'pair' },
          num(`${id}0`, b[0], d[0] || 'auto'), el('span', { text: '…' }), num(`${id}1`, b[1], d[1] || 'auto')));
        break;
      }
      case 'size':
      case 'number':
        label.append(labelOf(s), num(id, s.bounds, s.default === null ? 'automatic' : '', s.default));
        break;
      default:
        if (s.name === 'target') {
          // A column of the chosen data set: filled in by setColumns.
          label.append(labelOf(s), el('select', { id }, el('option', { value: '', text: 'none (unsupervised)' })));
        } else {
          label.append(labelOf(s), el('input', { type: 'text', id, placeholder: s.name === 'weights' ? 'TITLE=W, …' : '' }));
        }
    }
    label.append(note);
    const err = el('span', { class: 'error field-error', id: `err-${s.name}` });
    label.append(err);
    if (s.algorithms && s.algorithms.length === 1) {
      label.dataset.algorithms = s.algorithms.join(' ');
      label.append(el('small', { class: 'only', text: `(${s.algorithms[0]} training only)` }));
    }
    return label;
  }

  // The columns the target may name: the data set's fields and its label column.
  setColumns(titles, labelColumn) {
    this.titles = titles;
    this.labelColumn = labelColumn;
    const sel = $('target');
    if (!sel) return;
    const keep = sel.value;
    sel.replaceChildren(el('option', { value: '', text: 'none (unsupervised)' }));
    if (labelColumn) sel.append(el('option', { value: labelColumn, text: `${labelColumn} (the class)` }));
    for (const t of titles) sel.append(el('option', { value: t, text: t }));
    if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
  }

  syncAlgorithm() {
    const algo = $('algorithm') ? $('algorithm').value : 'batch';
    for (const label of this.box.querySelectorAll('label[data-algorithms]')) {
      const off = !label.dataset.algorithms.split(' ').includes(algo);
      label.classList.toggle('inapplicable', off);
      for (const inp of label.querySelectorAll('input, select')) inp.disabled = off;
    }
  }

  // The settings as POST /api/jobs takes them: blank fields are left to
  // the library's defaults, greyed-out ones are not sent.
  values() {
    const out = {};
    for (const s of this.table) {
      const id = idOf(s.name);
      const label = this.box.querySelector(`label[data-setting="${s.name}"]`);
      if (!label || label.classList.contains('inapplicable')) continue;
      switch (s.type) {
        case 'grid':
          for (const k of ['rows', 'cols']) if ($(k).value.trim() !== '') out[k] = Number($(k).value);
          break;
        case 'flag':
          out[s.name] = $(id).checked;
          break;
        case 'pair': {
          const a = $(`${id}0`).value.trim();
          const b = $(`${id}1`).value.trim();
          if (a !== '' || b !== '') out[s.name] = b === '' ? a : `${a}:${b}`;
          break;
        }
        case 'size':
        case 'number': {
          const v = $(id).value.trim();
          if (v !== '') out[s.name] = Number(v);
          break;
        }
        default: {
          const v = $(id).value.trim();
          if (v !== '') out[s.name] = v;
        }
      }
    }
    // The target's weight means nothing without a target.
    if (!out.target) delete out['target-weight'];
    return out;
  }

  // Shows a job's settings (after a reload, or when a job is picked).
  fill(settings) {
    if (!settings) return;
    const get = (name) => (settings[name] !== undefined ? settings[name] : settings[idOf(name)]);
    for (const s of this.table) {
      const id = idOf(s.name);
      const v = get(s.name);
      switch (s.type) {
        case 'grid':
          if (settings.rows) $('rows').value = String(settings.rows);
          if (settings.cols) $('cols').value = String(settings.cols);
          break;
        case 'flag':
          $(id).checked = v === true || v === 'true';
          break;
        case 'pair': {
          let a = settings[`${id}0`];
          let b = settings[`${id}1`];
          if (a === undefined && typeof v === 'string') [a, b] = v.split(':');
          else if (a === undefined && typeof v === 'number') a = v;
          $(`${id}0`).value = a === null || a === undefined ? '' : String(a);
          $(`${id}1`).value = b === null || b === undefined ? '' : String(b);
          break;
        }
        default: {
          const inp = $(id);
          if (!inp) break;
          // A number below its setting's bounds is the job's "not set" (iterations 0).
          if (typeof v === 'number' && s.bounds && !Array.isArray(s.bounds) && s.bounds.min !== null && v < s.bounds.min) {
            inp.value = '';
            break;
          }
          if (inp.tagName === 'SELECT' && v && ![...inp.options].some((o) => o.value === String(v)))
            inp.append(el('option', { value: String(v), text: String(v) }));
          inp.value = v === null || v === undefined ? '' : String(v);
        }
      }
    }
    this.syncAlgorithm();
  }

  // Whether NAME (a setting, or one of the page's keys) is in the form.
  has(name) {
    return Boolean(this.settingOf(name));
  }

  settingOf(name) {
    if (!name) return null;
    const keys = { rows: 'grid', cols: 'grid', radius0: 'radius', radius1: 'radius', rate0: 'rate', rate1: 'rate' };
    const n = keys[name] || name.replace(/_/g, '-');
    return this.table.find((s) => s.name === n) || null;
  }

  labelOf(name) {
    const s = this.settingOf(name);
    return s ? labelOf(s) : name;
  }

  clearErrors() {
    for (const e of this.box.querySelectorAll('.field-error')) e.textContent = '';
    for (const e of this.box.querySelectorAll('.invalid')) e.classList.remove('invalid');
  }

  // An error about one setting goes next to it; the field scrolls into view.
  showFieldError(field, message) {
    const s = this.settingOf(field);
    if (!s) return false;
    const label = this.box.querySelector(`label[data-setting="${s.name}"]`);
    if (!label) return false;
    label.classList.add('invalid');
    label.querySelector('.field-error').textContent = message;
    label.scrollIntoView({ block: 'nearest' });
    return true;
  }
}
