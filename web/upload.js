// Data sets on the Train tab: the list (file names and times, not ids),
// uploading a CSV file with its options (first line, separator, label
// column) after a preview of what the server reads in it, and deleting.
'use strict';

import { api, query } from './api.js';
import { $, el, when, busy, showError, clearError, fmt } from './util.js';

export class Datasets {
  // onChange(dataset): the chosen data set changed (or its list did).
  constructor(onChange) {
    this.list = [];
    this.file = null;
    this.onChange = onChange;
    $('dataset').addEventListener('change', () => this.changed());
    $('dataset-file').addEventListener('change', (ev) => this.chosen(ev.target.files[0]));
    for (const id of ['up-header', 'up-delimiter', 'up-label']) $(id).addEventListener('change', () => this.preview());
    $('upload-confirm').addEventListener('click', () => this.upload());
    $('upload-cancel').addEventListener('click', () => this.cancel());
    $('delete-dataset').addEventListener('click', () => this.remove());
  }

  current() {
    return this.list.find((d) => d.id === $('dataset').value) || null;
  }

  async load(select) {
    const data = await api('GET', '/api/datasets');
    this.list = data.datasets;
    const sel = $('dataset');
    const keep = select || sel.value || 'iris';
    sel.replaceChildren();
    for (const d of this.list) {
      const text = d.bundled ? `${d.name.replace(/\.csv$/, '')} (bundled)` : `${d.name}${d.created ? ` · ${when(d.created)}` : ''}`;
      sel.append(el('option', { value: d.id, text }));
    }
    if (this.list.some((d) => d.id === keep)) sel.value = keep;
    this.changed();
  }

  select(id) {
    if (this.list.some((d) => d.id === id)) {
      $('dataset').value = id;
      this.changed();
    }
  }

  changed() {
    const d = this.current();
    $('dataset-info').textContent = d
      ? `${d.rows} rows × ${d.dim} fields` +
        (d.label_column ? `, labels from “${d.label_column}”` : '') +
        (d.missing ? `, ${d.missing} missing values` : '') +
        (!d.bundled && d.created ? `; uploaded ${when(d.created)}` : '') +
        `: ${d.titles.join(', ')}`
      : '';
    $('delete-dataset').disabled = !d || d.bundled;
    this.onChange(d);
  }

  // ---- upload -------------------------------------------------------------------------

  options() {
    return {
      header: $('up-header').value,
      delimiter: $('up-delimiter').value,
      label_column: $('up-label').value,
    };
  }

  async chosen(file) {
    if (!file) return;
    this.file = file;
    $('upload-options').hidden = false;
    // The titles of the first line, so that a label column can be chosen
    // even when the server cannot read the file without one.
    const titles = await firstLineTitles(file);
    $('up-label').replaceChildren(el('option', { value: '', text: 'detect' }),
      ...titles.map((t) => el('option', { value: t, text: t })));
    this.preview();
  }

  cancel() {
    this.file = null;
    $('dataset-file').value = '';
    $('upload-options').hidden = true;
    $('preview').replaceChildren();
    clearError('dataset-error');
  }

  // What the server reads in the file with these options, before it keeps
  // anything: the columns, their kinds, the label column, the first rows.
  async preview() {
    const file = this.file;
    if (!file) return;
    clearError('dataset-error');
    $('up-label').classList.remove('invalid');
    const box = $('preview');
    box.replaceChildren(el('p', { class: 'muted small', text: `Reading ${file.name}…` }));
    try {
      const p = await busy(`Reading ${file.name} (${sizeText(file.size)})…`,
        () => api('POST', `/api/datasets${query({ preview: 1, name: file.name, ...this.options() })}`, file, 'text/csv'),
        $('upload-confirm'));
      if (this.file !== file) return;
      if (p && p.id && !p.columns) {
        // A server without previews kept the file: it is uploaded.
        this.cancel();
        await this.load(p.id);
        return;
      }
      this.showPreview(p);
    } catch (e) {
      if (this.file !== file) return;
      box.replaceChildren();
      showError(withName(file.name, e.message), 'dataset-error');
      // A column of text that may be the labels: the choice is right here.
      $('up-label').classList.toggle('invalid', e.field === 'label_column');
    }
  }

  showPreview(p) {
    const cols = p.columns || [];
    const sel = $('up-label');
    const keep = sel.value;
    sel.replaceChildren(el('option', { value: '', text: `detect${p.label_column ? ` (${p.label_column})` : ''}` }));
    for (const c of cols) sel.append(el('option', { value: c.name, text: c.name }));
    if (keep && ![...sel.options].some((o) => o.value === keep)) sel.append(el('option', { value: keep, text: keep }));
    sel.value = keep;
    const rows = p.rows || p.first_rows || [];
    const count = p.row_count ?? p.n_rows ?? null;
    const head = el('tr', {}, ...cols.map((c) => el('th', {
      text: c.name,
      class: c.name === p.label_column ? 'label' : '',
      title: `${c.kind}${c.missing ? `, ${c.missing} missing` : ''}`,
    })));
    const kinds = el('tr', { class: 'kinds' }, ...cols.map((c) => el('td', {
      text: c.name === p.label_column ? 'labels' : `${c.kind}${c.missing ? ` · ${c.missing} missing` : ''}`,
    })));
    const body = rows.slice(0, 5).map((r) => el('tr', {}, ...r.map((v, k) => el('td', {
      text: v === null ? '' : String(v),
      class: cols[k] && cols[k].name === p.label_column ? 'label' : '',
    }))));
    const facts = [
      count !== null ? `${count} rows` : null,
      `${cols.length} columns`,
      p.header !== undefined ? (p.header ? 'titles on the first line' : 'no title line') : null,
      p.delimiter ? `separated by ${p.delimiter}` : null,
      p.label_column ? `labels from “${p.label_column}”` : 'no label column',
    ].filter(Boolean);
    $('preview').replaceChildren(
      el('p', { class: 'small', text: facts.join(', ') }),
      el('div', { class: 'table-wrap' }, el('table', { class: 'small-table' }, el('thead', {}, head), el('tbody', {}, kinds, ...body))),
    );
  }

  async upload() {
    const file = this.file;
    if (!file) return;
    clearError('dataset-error');
    try {
      const d = await busy(`Uploading ${file.name} (${sizeText(file.size)})…`,
        () => api('POST', `/api/datasets${query({ name: file.name, ...this.options() })}`, file, 'text/csv'),
        $('upload-confirm'));
      this.cancel();
      await this.load(d.id);
    } catch (e) {
      showError(withName(file.name, e.message), 'dataset-error');
    }
  }

  async remove() {
    const d = this.current();
    if (!d || d.bundled) return;
    if (!window.confirm(`Delete the data set ${d.name} from the server? Jobs trained on it keep their copy.`)) return;
    try {
      await api('DELETE', `/api/datasets/${d.id}`);
      await this.load('iris');
    } catch (e) {
      showError(e.message, 'dataset-error');
    }
  }
}

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1048576) return `${fmt(bytes / 1024, 3)} kB`;
  return `${fmt(bytes / 1048576, 3)} MB`;
}

// The file's name before its error, unless the error names it already.
const withName = (name, message) => (message.includes(name) ? message : `${name}: ${message}`);

// The first line's fields (a comma, semicolon or tab between them, the one
// it holds most of), without quotes: the choices of the label column.
async function firstLineTitles(file) {
  try {
    const head = await file.slice(0, 65536).text();
    const line = head.split(/\r?\n/)[0] || '';
    const delim = [',', ';', '\t'].reduce((a, b) => (line.split(b).length > line.split(a).length ? b : a));
    return line.split(delim).map((t) => t.trim().replace(/^"(.*)"$/, '$1')).filter((t) => t !== '');
  } catch (e) {
    return [];
  }
}
