import { h, mount, card, table, field, fmtDateTime } from '../../ui.js';
import { actionLabel, detailList } from './auditlog.js';

// The admin audit log: who changed what and when, newest first, with readable actions and details.
const LIMIT = 50;

export default {
  path: '/admin/audit',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Audit log',
      intro: 'Every change made in the console, newest first, {n} at a time.',
      older: 'Older',
      newest: 'Newest',
      target: 'Target (e.g. user:12, setting:reg_mode)',
      filter: 'Filter',
      time: 'Time',
      admin: 'Administrator',
      action: 'Action',
      on: 'Target',
      detail: 'Details',
      empty: 'No changes logged.',
    },
    'zh-CN': {
      title: '操作日志',
      intro: '后台中的每一次修改，最新的在前，每页 {n} 条。',
      older: '更早',
      newest: '最新',
      target: '对象（例如 user:12、setting:reg_mode）',
      filter: '筛选',
      time: '时间',
      admin: '管理员',
      action: '操作',
      on: '对象',
      detail: '详情',
      empty: '没有记录。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const target = (ctx.query && ctx.query.target) || '';
    const before = Number((ctx.query && ctx.query.before) || 0);
    const rows = await api('GET', `admin/logs?limit=${LIMIT}${before > 0 ? `&before=${before}` : ''}${target ? `&target=${encodeURIComponent(target)}` : ''}`);
    const route = (b) => {
      const q = new URLSearchParams();
      if (target) q.set('target', target);
      if (b) q.set('before', String(b));
      const qs = q.toString();
      return `/admin/audit${qs ? `?${qs}` : ''}`;
    };
    const pages = h('nav', { class: 'pager', 'aria-label': 'pagination' },
      before > 0 ? h('button', { type: 'button', class: 'btn', onclick: () => ctx.navigate(route(0)) }, t('newest')) : null,
      rows.length === LIMIT ? h('button', { type: 'button', class: 'btn', onclick: () => ctx.navigate(route(rows[rows.length - 1].id)) }, t('older')) : null);
    const link = (tg) => {
      const [kind, id] = String(tg).split(':');
      const href = { user: `#/admin/users/${id}`, node: `#/admin/nodes/${id}`, plan: `#/admin/plans/${id}`, ticket: `#/admin/tickets/${id}` }[kind];
      return href && id ? h('a', { href }, tg) : tg;
    };
    const filter = h('form', { class: 'row filter', role: 'search' },
      field({ name: 'target', label: t('target'), value: target }),
      h('button', { type: 'submit', class: 'btn' }, t('filter')));
    filter.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = filter.elements.target.value.trim();
      ctx.navigate(v ? `/admin/audit?target=${encodeURIComponent(v)}` : '/admin/audit');
    });
    mount(el,
      h('h1', {}, t('title')),
      h('p', { class: 'muted' }, t('intro', { n: LIMIT })),
      card(null, filter,
        table([
          { label: t('time'), value: (r) => h('span', { class: 'nowrap' }, fmtDateTime(r.created_at)) },
          { label: t('admin'), value: (r) => h('a', { href: `#/admin/users/${r.admin_id}` }, `#${r.admin_id}`) },
          { label: t('action'), value: (r) => h('span', { title: r.action }, actionLabel(r.action)) },
          { label: t('on'), value: (r) => link(r.target) },
          { label: t('detail'), value: (r) => detailList(r.detail), class: 'wide' },
        ], rows, { empty: t('empty') }), pages));
  },
};
