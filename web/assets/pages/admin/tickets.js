import { h, mount, card, table, badge, fmtDateTime } from '../../ui.js';

export default {
  path: '/admin/tickets',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Tickets',
      id: 'ID',
      subject: 'Subject',
      user: 'User',
      time: 'Opened',
      status: 'Status',
      open: 'open',
      closed: 'closed',
      show: 'Show',
      show_open: 'Open tickets only',
      none: 'No tickets.',
    },
    'zh-CN': {
      title: '工单',
      id: 'ID',
      subject: '主题',
      user: '用户',
      time: '创建时间',
      status: '状态',
      open: '处理中',
      closed: '已关闭',
      show: '显示',
      show_open: '只看未关闭的工单',
      none: '暂无工单。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const all = await api('GET', 'admin/tickets');
    const onlyOpen = ctx.query.open === '1';
    const rows = onlyOpen ? all.filter((r) => r.status !== 0) : all;
    const toggle = h('div', { class: 'field field-check' },
      h('input', { type: 'checkbox', id: 'tickets-open', checked: onlyOpen, onchange: (e) => ctx.navigate(e.target.checked ? '/admin/tickets?open=1' : '/admin/tickets') }),
      h('label', { for: 'tickets-open' }, t('show_open')));
    mount(el,
      h('h1', {}, t('title')),
      card(null, toggle, table([
        { label: t('id'), value: (r) => String(r.id), class: 'num' },
        { label: t('subject'), value: (r) => h('a', { href: `#/admin/tickets/${r.id}` }, r.title) },
        { label: t('user'), value: (r) => h('a', { href: `#/admin/users/${r.userid}` }, `#${r.userid}`) },
        { label: t('time'), value: (r) => fmtDateTime(r.datetime) },
        { label: t('status'), value: (r) => (r.status === 0 ? badge(t('closed')) : badge(t('open'), 'warn')) },
      ], rows, { empty: t('none') })),
    );
  },
};
