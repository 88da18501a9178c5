// Typed form controls of the admin forms (settings, plans): a switch, a number with its unit,
// a group of checkboxes, a local date-time picker, and tabs. Each returns a `.field` block like
// ui.js's `field()`, so `showErrors` finds its error slot by name.
import { h } from '../../ui.js';

let seq = 0;
const nextId = (name) => `c-${name.replace(/[^a-z0-9_-]/gi, '_')}-${++seq}`;

function frame(id, name, label, control, help, extraClass = '') {
  return h('div', { class: `field ${extraClass}` },
    label === null ? null : h('label', { for: id }, label),
    control,
    help ? h('small', { id: `${id}-help`, class: 'help' }, help) : null,
    h('small', { class: 'field-error', 'data-error-for': name, role: 'alert' }));
}

/** An on/off switch (a checkbox with role=switch); its form value is a boolean. */
export function switchField({ name, label, value, help }) {
  const id = nextId(name);
  const input = h('input', { id, name, type: 'checkbox', role: 'switch', checked: !!value, 'aria-describedby': help ? `${id}-help` : null });
  return h('div', { class: 'field field-switch' },
    h('label', { class: 'switch', for: id }, input, h('span', { class: 'switch-track', 'aria-hidden': 'true' }), h('span', { class: 'switch-label' }, label)),
    help ? h('small', { id: `${id}-help`, class: 'help' }, help) : null,
    h('small', { class: 'field-error', 'data-error-for': name, role: 'alert' }));
}

/** A number box with its unit shown after it (GB, days, Mbps…). */
export function numberField({ name, label, value, unit, min, max, step = 1, help, placeholder }) {
  const id = nextId(name);
  const input = h('input', {
    id, name, type: 'number', value: value ?? '', min, max, step, placeholder, inputmode: step === 1 ? 'numeric' : 'decimal',
    'aria-describedby': help ? `${id}-help` : null,
  });
  const control = unit ? h('div', { class: 'unit-input' }, input, h('span', { class: 'unit' }, unit)) : input;
  return frame(id, name, label, control, help);
}

/** Checkboxes in a fieldset, one per option ({ value, label }), all named `name`. */
export function checkboxesField({ name, label, options, selected, help }) {
  const id = nextId(name);
  const chosen = new Set(selected);
  return h('fieldset', { class: 'field checks', id, 'aria-describedby': help ? `${id}-help` : null },
    h('legend', {}, label),
    h('div', { class: 'choices' }, options.map((o) => h('label', {},
      h('input', { type: 'checkbox', name, value: o.value, checked: chosen.has(o.value) }), o.label))),
    help ? h('small', { id: `${id}-help`, class: 'help' }, help) : null,
    h('small', { class: 'field-error', 'data-error-for': name, role: 'alert' }));
}

/** The ticked values of the checkboxes named `name` inside `root`. */
export function checkedValues(root, name) {
  return [...root.querySelectorAll(`input[type=checkbox][name="${CSS.escape(name)}"]`)].filter((c) => c.checked).map((c) => c.value);
}

const pad = (n) => String(n).padStart(2, '0');

/** Unix seconds → the `YYYY-MM-DDTHH:MM` of a datetime-local input, in the browser's zone. */
export function toLocalInput(unix) {
  if (unix === null || unix === undefined || unix === '') return '';
  const d = new Date(Number(unix) * 1000);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (browser's zone) → unix seconds, or null when empty or invalid. */
export function fromLocalInput(text) {
  if (!text) return null;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : Math.floor(d.getTime() / 1000);
}

/** A date-and-time picker whose form value is a datetime-local string. */
export function dateTimeField({ name, label, unix, help }) {
  const id = nextId(name);
  const input = h('input', { id, name, type: 'datetime-local', value: toLocalInput(unix), 'aria-describedby': help ? `${id}-help` : null });
  return frame(id, name, label, input, help);
}

/**
 * Tabs: `tabs` = [{ id, label, panel }]. Shows one panel at a time; the tab list wraps on
 * narrow screens. Arrow keys move between tabs (WAI-ARIA tabs pattern).
 */
export function tabs(list, { label, selected } = {}) {
  const base = nextId('tabs');
  let current = list.some((t) => t.id === selected) ? selected : list[0]?.id;
  const buttons = list.map((t) => h('button', {
    type: 'button', role: 'tab', id: `${base}-${t.id}`, class: 'tab', 'data-tab': t.id,
    'aria-controls': `${base}-${t.id}-panel`,
  }, t.label));
  const panels = list.map((t) => h('div', { role: 'tabpanel', id: `${base}-${t.id}-panel`, 'aria-labelledby': `${base}-${t.id}`, class: 'tab-panel' }, t.panel));
  const show = (id, focus) => {
    current = id;
    list.forEach((t, i) => {
      const on = t.id === id;
      buttons[i].setAttribute('aria-selected', on ? 'true' : 'false');
      buttons[i].tabIndex = on ? 0 : -1;
      panels[i].hidden = !on;
      if (on && focus) buttons[i].focus();
    });
  };
  buttons.forEach((b, i) => {
    b.addEventListener('click', () => show(list[i].id));
    b.addEventListener('keydown', (e) => {
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
      if (!step) return;
      e.preventDefault();
      show(list[(i + step + list.length) % list.length].id, true);
    });
  });
  show(current);
  return h('div', { class: 'tabs' }, h('div', { role: 'tablist', class: 'tablist', 'aria-label': label }, buttons), panels);
}
