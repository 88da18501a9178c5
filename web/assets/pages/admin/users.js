import { h, mount, card, table, badge, pager, fmtBytes, fmtMoney, fmtDate } from '../../ui.js';
import { withQuery } from './common.js';

export default {
  path: '/admin/users',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Users',
      search: 'Search',
      search_label: 'E-mail, name or id',
      id: 'ID',
      email: 'E-mail',
      name: 'Name',
      class: 'Class',
      expires: 'Expires',
      traffic: 'Traffic used',
      balance: 'Balance',
      state: 'State',
      enabled: 'enabled',
      disabled: 'disabled',
      admin: 'admin',
      found: '{total} users',
      none: 'No users match.',
    },
    'zh-CN': {
      title: '用户',
      search: '搜索',
      search_label: '邮箱、用户名或 ID',
      id: 'ID',
      email: '邮箱',
      name: '用户名',
      class: '等级',
      expires: '到期',
      traffic: '已用流量',
      balance: '余额',
      state: '状态',
      enabled: '启用',
      disabled: '禁用',
      admin: '管理员',
      found: '共 {total} 个用户',
      none: '没有匹配的用户。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const q = ctx.query.q || '';
    const page = Math.max(1, Number(ctx.query.page) || 1);
    const data = await api('GET', withQuery('admin/users', { q, page, per_page: 20 }));
    const input = h('input', { type: 'search', name: 'q', id: 'user-search', value: q, placeholder: t('search_label') });
    const search = h('form', {
      class: 'row', role: 'search',
      onsubmit: (e) => {
        e.preventDefault();
        ctx.navigate(withQuery('/admin/users', { q: input.value.trim() }));
      },
    }, h('label', { for: 'user-search', class: 'sr-only' }, t('search_label')), input,
    h('button', { type: 'submit', class: 'btn' }, t('search')));
    mount(el,
      h('h1', {}, t('title')),
      card(null, search, h('p', { class: 'muted' }, t('found', { total: data.total })),
        table([
          { label: t('id'), value: (u) => String(u.id), class: 'num' },
          { label: t('email'), value: (u) => h('a', { href: `#/admin/users/${u.id}` }, u.email) },
          { label: t('name'), value: (u) => u.user_name },
          { label: t('class'), value: (u) => String(u.class), class: 'num' },
          { label: t('expires'), value: (u) => fmtDate(u.class_expire) },
          { label: t('traffic'), value: (u) => `${fmtBytes(u.u + u.d)} / ${fmtBytes(u.transfer_enable)}` },
          { label: t('balance'), value: (u) => fmtMoney(u.money), class: 'num' },
          { label: t('state'), value: (u) => [badge(u.enable ? t('enabled') : t('disabled'), u.enable ? 'ok' : 'danger'), u.is_admin ? [' ', badge(t('admin'), 'warn')] : null] },
        ], data.items, { empty: t('none') }),
        pager(data.page, data.per_page, data.total, (p) => ctx.navigate(withQuery('/admin/users', { q, page: p })))),
    );
  },
};
