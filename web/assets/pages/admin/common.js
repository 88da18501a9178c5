// Helpers shared by the admin pages only (not a page: not listed in index.js).

import { h, modal, form } from '../../ui.js';
import { t } from '../../i18n.js';

export const GB = 1024 ** 3;

/** The API's date-time in the panel's time zone ("2026-01-02T03:04:05" or with a space) as
 * "YYYY-MM-DD HH:MM:SS", for editing as is. */
export function panelTimeText(v) {
  if (!v) return '';
  return String(v).replace('T', ' ').slice(0, 19);
}

/** Bytes as a GB figure for an input (up to 2 decimals, no trailing zeros). */
export function toGb(bytes) {
  return String(Math.round((Number(bytes) / GB) * 100) / 100);
}

export function fromGb(gb) {
  return Math.round(Number(gb) * GB);
}

/**
 * A form in a modal dialog. `onSubmit(values)` runs the change (an API call); the dialog closes
 * when it succeeds and stays open with the field errors shown when it throws. Resolves with what
 * `onSubmit` returned, or undefined when cancelled.
 */
export function formDialog({ title, fields, submitLabel, onSubmit }) {
  let result;
  const body = form({
    fields,
    submitLabel,
    onSubmit: async (values, f) => {
      result = await onSubmit(values);
      f.closest('dialog').close();
    },
  });
  return modal({ title, body, actions: [{ label: t('ui.cancel'), value: undefined }] }).then(() => result);
}

/** Previous/next for lists the API returns without a total: `more` = a full page came back. */
export function morePager(page, more, onPage, tr) {
  if (page <= 1 && !more) return null;
  return h('nav', { class: 'pager', 'aria-label': 'pagination' },
    h('button', { type: 'button', class: 'btn', disabled: page <= 1, onclick: () => onPage(page - 1) }, tr('ui.prev')),
    h('span', {}, String(page)),
    h('button', { type: 'button', class: 'btn', disabled: !more, onclick: () => onPage(page + 1) }, tr('ui.next')));
}

/** `/admin/x` plus the non-empty query values. */
export function withQuery(path, query) {
  const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '' && v !== null && v !== undefined));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** Node protocols (the `sort` column). */
export const PROTOCOLS = [
  { value: 0, label: 'Shadowsocks / SSR' },
  { value: 1, label: 'Shadowsocks 2022' },
  { value: 2, label: 'TUIC' },
  { value: 11, label: 'V2Ray (VMess)' },
  { value: 14, label: 'Trojan' },
];

export function protocolName(sort) {
  const p = PROTOCOLS.find((x) => x.value === Number(sort));
  return p ? p.label : String(sort);
}
