// Shared widgets. Everything builds DOM nodes with `h()`: text is always inserted as text, never
// as HTML, so values from the API cannot inject markup.

import { t } from './i18n.js';

/**
 * h('a', { href: '#/shop', class: 'btn', onclick: fn, 'aria-label': 'x' }, 'text', child, [more])
 * Attributes: `class`, `style` (string), `on<event>` (function), boolean `true` sets an empty
 * attribute, `false`/`null`/`undefined` skips it, `value`/`checked` are set as properties.
 * Children: strings and numbers become text; arrays are flattened; null/false are skipped.
 */
export function h(tag, attrs, ...children) {
  const ns = SVG_TAGS.has(tag) ? 'http://www.w3.org/2000/svg' : null;
  const el = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if ((k === 'value' || k === 'checked' || k === 'selected') && !ns) {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

const SVG_TAGS = new Set(['svg', 'g', 'rect', 'line', 'polyline', 'path', 'text', 'title', 'circle']);

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// ---- formatting -------------------------------------------------------------------------------

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** Bytes with binary units (1 GB = 1024^3 bytes), e.g. `1.50 GB`. */
export function fmtBytes(n) {
  let v = Number(n) || 0;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(2)} ${UNITS[i]}`;
}

/** Money as the API sends it (a decimal string, e.g. "10.00"); numbers get two places. */
export function fmtMoney(v) {
  if (v === null || v === undefined || v === '') return '0.00';
  if (typeof v === 'string') return v;
  return Number(v).toFixed(2);
}

function pad(n) {
  return String(n).padStart(2, '0');
}

/** A date-time in the browser's time zone. Accepts unix seconds or the panel's `YYYY-MM-DD HH:MM:SS`. */
export function fmtDateTime(v) {
  const d = toDate(v);
  if (!d) return '—';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fmtDate(v) {
  const d = toDate(v);
  if (!d) return '—';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Seconds east of UTC of the panel's date-time strings (`datetime_offset` of `user/me`). */
let panelOffset = 0;
export function setPanelOffset(seconds) {
  panelOffset = Number(seconds) || 0;
}

/** unix seconds, or the panel's `YYYY-MM-DD HH:MM:SS`, to a Date (null for 0/empty). */
export function toDate(v) {
  if (v === null || v === undefined || v === '' || v === 0) return null;
  if (typeof v === 'number') return new Date(v * 1000);
  const s = String(v);
  if (s.length <= 10) {
    const day = new Date(s);
    return Number.isNaN(day.getTime()) ? null : day;
  }
  const d = new Date(s.replace(' ', 'T') + 'Z');
  return Number.isNaN(d.getTime()) ? null : new Date(d.getTime() - panelOffset * 1000);
}

// ---- feedback ---------------------------------------------------------------------------------

/** A short message in the corner; kind: 'info' | 'ok' | 'error'. */
export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
  box.appendChild(el);
  setTimeout(() => el.remove(), kind === 'error' ? 6000 : 3500);
}

/**
 * A modal dialog (native <dialog>: Esc closes, focus stays inside).
 * `actions`: [{ label, value, primary, onclick }]; resolves with the chosen action's value
 * (undefined when dismissed). An action's `onclick` may return false to keep the dialog open.
 */
export function modal({ title, body, actions }) {
  return new Promise((resolve) => {
    let result;
    const dlg = h('dialog', { class: 'modal', 'aria-labelledby': 'modal-title' });
    const buttons = (actions || [{ label: t('ui.close'), value: undefined }]).map((a) =>
      h('button', {
        type: 'button',
        class: a.primary ? 'btn btn-primary' : 'btn',
        onclick: async () => {
          if (a.onclick && (await a.onclick()) === false) return;
          result = a.value;
          dlg.close();
        },
      }, a.label),
    );
    mount(dlg, h('h2', { id: 'modal-title' }, title), h('div', { class: 'modal-body' }, body), h('div', { class: 'modal-actions' }, buttons));
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(result);
    });
    document.body.appendChild(dlg);
    dlg.showModal();
  });
}

/** Asks yes/no; resolves true on confirm. */
export async function confirmDialog(text, { title = t('ui.confirm'), okLabel = t('ui.confirm'), danger = false } = {}) {
  const v = await modal({
    title,
    body: h('p', {}, text),
    actions: [
      { label: t('ui.cancel'), value: false },
      { label: okLabel, value: true, primary: !danger },
    ],
  });
  return v === true;
}

// ---- layout pieces ----------------------------------------------------------------------------

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', {}, title) : null, children);
}

export function empty(text) {
  return h('p', { class: 'empty' }, text || t('ui.empty'));
}

export function loading() {
  return h('p', { class: 'loading', role: 'status' }, t('app.loading'));
}

/** A label: value list. `items`: [[label, value], ...] (value: string or node). */
export function dl(items) {
  return h('dl', { class: 'kv' }, items.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** A progress bar with an accessible name. */
export function meter(value, max, label) {
  const pct = max > 0 ? Math.min(100, Math.max(0, (value / max) * 100)) : 0;
  return h('div', {
    class: 'meter', role: 'progressbar', 'aria-label': label,
    'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(pct),
  }, h('span', { style: `width:${pct.toFixed(1)}%` }));
}

export function badge(text, kind = '') {
  return h('span', { class: `badge ${kind ? `badge-${kind}` : ''}` }, text);
}

/**
 * A table. columns: [{ label, value: (row) => string|Node, class }]; rows: array.
 * Wrapped so it scrolls sideways on narrow screens.
 */
export function table(columns, rows, { empty: emptyText, caption } = {}) {
  if (!rows || rows.length === 0) return empty(emptyText);
  return h('div', { class: 'table-wrap' }, h('table', {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => h('td', { class: c.class, 'data-label': c.label }, c.value(r)))))),
  ));
}

/** Previous/next buttons; `onPage(n)` is called with the new page. */
export function pager(page, perPage, total, onPage) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (pages <= 1) return null;
  return h('nav', { class: 'pager', 'aria-label': 'pagination' },
    h('button', { type: 'button', class: 'btn', disabled: page <= 1, onclick: () => onPage(page - 1) }, t('ui.prev')),
    h('span', {}, t('ui.page', { page, pages })),
    h('button', { type: 'button', class: 'btn', disabled: page >= pages, onclick: () => onPage(page + 1) }, t('ui.next')),
  );
}

// ---- forms ------------------------------------------------------------------------------------

let fieldSeq = 0;

/**
 * One labelled control. spec: { name, label, type ('text', 'email', 'password', 'number',
 * 'textarea', 'select', 'checkbox', ...), value, required, placeholder, autocomplete, help,
 * options: [{ value, label }] for selects, attrs: extra attributes for the control }.
 */
export function field(spec) {
  const id = `f-${spec.name}-${++fieldSeq}`;
  const common = {
    id, name: spec.name, required: !!spec.required, placeholder: spec.placeholder,
    autocomplete: spec.autocomplete, 'aria-describedby': spec.help ? `${id}-help` : null, ...(spec.attrs || {}),
  };
  let control;
  if (spec.type === 'textarea') {
    control = h('textarea', { ...common, rows: spec.rows || 5 });
    control.value = spec.value ?? '';
  } else if (spec.type === 'select') {
    control = h('select', common, (spec.options || []).map((o) =>
      h('option', { value: String(o.value), selected: String(o.value) === String(spec.value ?? '') }, o.label)));
  } else if (spec.type === 'checkbox') {
    control = h('input', { ...common, type: 'checkbox', checked: !!spec.value });
    return h('div', { class: 'field field-check' }, control, h('label', { for: id }, spec.label),
      spec.help ? h('small', { id: `${id}-help`, class: 'help' }, spec.help) : null,
      h('small', { class: 'field-error', 'data-error-for': spec.name, role: 'alert' }));
  } else {
    control = h('input', { ...common, type: spec.type || 'text', value: spec.value ?? '' });
  }
  return h('div', { class: 'field' }, h('label', { for: id }, spec.label), control,
    spec.help ? h('small', { id: `${id}-help`, class: 'help' }, spec.help) : null,
    h('small', { class: 'field-error', 'data-error-for': spec.name, role: 'alert' }));
}

/** The values of a form's named controls (checkboxes as booleans). */
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === 'radio' && !el.checked) continue; // a radio group's value is its checked one
    out[el.name] = el.type === 'checkbox' ? el.checked : el.value;
  }
  return out;
}

/**
 * A form: fields (specs for `field()`, or ready nodes), a submit button, and
 * `onSubmit(values, form)` (async). While it runs the button is disabled; an API error's field
 * errors are shown next to their fields (the api client already toasts the message).
 */
export function form({ fields, submitLabel, onSubmit, extra, class: cls }) {
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, submitLabel || t('ui.submit'));
  const f = h('form', { class: `form ${cls || ''}`, novalidate: false },
    fields.map((s) => (s instanceof Node ? s : field(s))),
    h('div', { class: 'form-actions' }, submit, extra || null));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(f);
    submit.disabled = true;
    try {
      await onSubmit(formValues(f), f);
    } catch (err) {
      showErrors(f, err);
    } finally {
      submit.disabled = false;
    }
  });
  return f;
}

export function clearErrors(f) {
  f.querySelectorAll('.field-error').forEach((e) => { e.textContent = ''; });
  f.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
}

/** Puts an ApiError's `errors` ([{field, msg}]) under the matching fields. */
export function showErrors(f, err) {
  for (const fe of (err && err.errors) || []) {
    const slot = f.querySelector(`[data-error-for="${CSS.escape(fe.field)}"]`);
    if (slot) slot.textContent = fe.msg;
    const ctl = f.elements[fe.field];
    if (ctl && ctl.setAttribute) ctl.setAttribute('aria-invalid', 'true');
  }
}

// ---- copy, QR ---------------------------------------------------------------------------------

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast(t('ui.copied'), 'ok');
    return true;
  } catch {
    const ta = h('textarea', { class: 'sr-only' });
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    const done = document.execCommand && document.execCommand('copy');
    ta.remove();
    toast(done ? t('ui.copied') : t('ui.copy_failed'), done ? 'ok' : 'error');
    return !!done;
  }
}

export function copyButton(text, label) {
  return h('button', { type: 'button', class: 'btn btn-small', onclick: () => copyText(text) }, label || t('ui.copy'));
}

/** A read-only text box with a copy button (the text stays selectable for manual copying). */
export function copyField(text, label) {
  const input = h('input', { type: 'text', readonly: true, value: text, 'aria-label': label, class: 'copy-input', onfocus: (e) => e.target.select() });
  return h('div', { class: 'copy-field' }, input, copyButton(text));
}

/** A QR code image served by spanel (`/qr.svg`). */
export function qrImg(text, size = 180, alt) {
  return h('img', { class: 'qr', src: `/qr.svg?text=${encodeURIComponent(text)}`, width: size, height: size, alt: alt || t('ui.qr') });
}

// ---- charts -----------------------------------------------------------------------------------

const CHART_COLORS = ['var(--chart-1)', 'var(--chart-2)', 'var(--chart-3)', 'var(--chart-4)'];

function chartFrame(width, height, label) {
  return h('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'none' });
}

function legend(series) {
  return h('div', { class: 'chart-legend' }, series.map((s, i) =>
    h('span', {}, h('i', { style: `background:${s.color || CHART_COLORS[i % CHART_COLORS.length]}` }), s.label)));
}

/**
 * A stacked bar chart. data: [{ label, ... }]; series: [{ key, label, color? }];
 * format(v) for tooltips; returns a <figure> with the SVG and a legend.
 */
export function barChart(data, { series, format = String, label = '', height = 160 } = {}) {
  const width = Math.max(300, data.length * 12);
  const pad = 4;
  const totals = data.map((d) => series.reduce((s, x) => s + (Number(d[x.key]) || 0), 0));
  const max = Math.max(1, ...totals);
  const bw = (width - pad * 2) / Math.max(1, data.length);
  const svg = chartFrame(width, height, label);
  svg.appendChild(h('line', { x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5, class: 'axis' }));
  data.forEach((d, i) => {
    let y = height;
    const g = h('g', {}, h('title', {}, `${d.label}: ${series.map((s) => `${s.label} ${format(Number(d[s.key]) || 0)}`).join(', ')}`));
    series.forEach((s, si) => {
      const v = Number(d[s.key]) || 0;
      const bh = (v / max) * (height - pad);
      y -= bh;
      g.appendChild(h('rect', { x: pad + i * bw + bw * 0.15, y, width: bw * 0.7, height: bh, fill: s.color || CHART_COLORS[si % CHART_COLORS.length] }));
    });
    // An invisible full-height target so the tooltip shows on hover anywhere in the column.
    g.appendChild(h('rect', { x: pad + i * bw, y: 0, width: bw, height, fill: 'transparent' }));
    svg.appendChild(g);
  });
  const first = data[0]?.label || '';
  const last = data[data.length - 1]?.label || '';
  return h('figure', { class: 'chart-box' }, svg,
    h('figcaption', {}, h('span', { class: 'chart-range' }, first, last && last !== first ? ` – ${last}` : '', ` · max ${format(max)}`), legend(series)));
}

/** A line chart. data: [{ label, ... }]; series: [{ key, label, color? }]. */
export function lineChart(data, { series, format = String, label = '', height = 160 } = {}) {
  const width = Math.max(300, data.length * 12);
  const pad = 4;
  const max = Math.max(1, ...data.flatMap((d) => series.map((s) => Number(d[s.key]) || 0)));
  const step = data.length > 1 ? (width - pad * 2) / (data.length - 1) : 0;
  const svg = chartFrame(width, height, label);
  svg.appendChild(h('line', { x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5, class: 'axis' }));
  series.forEach((s, si) => {
    const pts = data.map((d, i) => `${(pad + i * step).toFixed(1)},${(height - pad - ((Number(d[s.key]) || 0) / max) * (height - pad * 2)).toFixed(1)}`);
    svg.appendChild(h('polyline', { points: pts.join(' '), fill: 'none', stroke: s.color || CHART_COLORS[si % CHART_COLORS.length], 'stroke-width': 2, 'vector-effect': 'non-scaling-stroke' }));
  });
  data.forEach((d, i) => {
    svg.appendChild(h('rect', { x: pad + i * step - step / 2, y: 0, width: Math.max(step, 1), height, fill: 'transparent' },
      h('title', {}, `${d.label}: ${series.map((s) => `${s.label} ${format(Number(d[s.key]) || 0)}`).join(', ')}`)));
  });
  const first = data[0]?.label || '';
  const last = data[data.length - 1]?.label || '';
  return h('figure', { class: 'chart-box' }, svg,
    h('figcaption', {}, h('span', { class: 'chart-range' }, first, last && last !== first ? ` – ${last}` : '', ` · max ${format(max)}`), legend(series)));
}

// ---- rich text --------------------------------------------------------------------------------

const RICH_TAGS = new Set(['P', 'BR', 'B', 'STRONG', 'I', 'EM', 'U', 'UL', 'OL', 'LI', 'CODE', 'PRE', 'BLOCKQUOTE', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'A', 'HR']);

/**
 * Announcement-style HTML (as SSPanel stores it) rebuilt with a small allow-list: formatting
 * tags and http(s) links are kept, every other element is reduced to its text, attributes dropped.
 * Plain text keeps its line breaks.
 */
export function richText(source) {
  const text = String(source ?? '');
  const box = h('div', { class: 'rich' });
  if (!/<[a-z!/][^>]*>/i.test(text)) {
    box.classList.add('pre');
    box.textContent = text;
    return box;
  }
  const doc = new DOMParser().parseFromString(text, 'text/html');
  const copy = (node, into) => {
    for (const n of node.childNodes) {
      if (n.nodeType === Node.TEXT_NODE) {
        into.appendChild(document.createTextNode(n.textContent));
      } else if (n.nodeType === Node.ELEMENT_NODE) {
        if (n.tagName === 'SCRIPT' || n.tagName === 'STYLE') continue;
        if (!RICH_TAGS.has(n.tagName)) { copy(n, into); continue; }
        let tag = n.tagName.toLowerCase();
        if (/^h[1-6]$/.test(tag)) tag = 'h3';
        const attrs = {};
        if (tag === 'a') {
          const href = n.getAttribute('href') || '';
          if (!/^https?:\/\//i.test(href)) { copy(n, into); continue; }
          attrs.href = href;
          attrs.rel = 'noopener noreferrer';
          attrs.target = '_blank';
        }
        const el = h(tag, attrs);
        copy(n, el);
        into.appendChild(el);
      }
    }
  };
  copy(doc.body, box);
  return box;
}
