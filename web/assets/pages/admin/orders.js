import { h, mount, card, table, badge, fmtMoney, fmtDateTime } from '../../ui.js';
import { morePager, withQuery } from './common.js';

const PER_PAGE = 50;

export default {
  path: '/admin/orders',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Orders',
      filter: 'Filter',
      user_id: 'User id',
      status: 'Status',
      all: 'All',
      paid: 'Paid',
      unpaid: 'Unpaid',
      id: 'ID',
      user: 'User',
      amount: 'Amount',
      tradeno: 'Trade no.',
      time: 'Created',
      none: 'No orders.',
    },
    'zh-CN': {
      title: '充值订单',
      filter: '筛选',
      user_id: '用户 ID',
      status: '状态',
      all: '全部',
      paid: '已支付',
      unpaid: '未支付',
      id: 'ID',
      user: '用户',
      amount: '金额',
      tradeno: '交易号',
      time: '创建时间',
      none: '暂无订单。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const userId = ctx.query.user_id || '';
    const status = ctx.query.status || '';
    const page = Math.max(1, Number(ctx.query.page) || 1);
    const rows = await api('GET', withQuery('admin/paylist', { user_id: userId, status, page, per_page: PER_PAGE }));
    const go = (q) => ctx.navigate(withQuery('/admin/orders', q));
    const filter = h('form', {
      class: 'row', 'aria-label': t('filter'),
      onsubmit: (e) => {
        e.preventDefault();
        go({ user_id: e.target.elements.user_id.value.trim(), status: e.target.elements.status.value });
      },
    },
    h('label', { for: 'order-user' }, t('user_id')),
    h('input', { id: 'order-user', name: 'user_id', type: 'number', min: 1, value: userId }),
    h('label', { for: 'order-status' }, t('status')),
    h('select', { id: 'order-status', name: 'status' },
      [['', t('all')], ['1', t('paid')], ['0', t('unpaid')]].map(([v, l]) => h('option', { value: v, selected: v === status }, l))),
    h('button', { type: 'submit', class: 'btn' }, t('filter')));
    mount(el,
      h('h1', {}, t('title')),
      card(null, filter,
        table([
          { label: t('id'), value: (o) => String(o.id), class: 'num' },
          { label: t('time'), value: (o) => fmtDateTime(o.datetime) },
          { label: t('user'), value: (o) => h('a', { href: `#/admin/users/${o.userid}` }, `#${o.userid}`) },
          { label: t('amount'), value: (o) => fmtMoney(o.total), class: 'num' },
          { label: t('status'), value: (o) => badge(o.status === 1 ? t('paid') : t('unpaid'), o.status === 1 ? 'ok' : '') },
          { label: t('tradeno'), value: (o) => h('code', {}, o.tradeno || '—') },
        ], rows, { empty: t('none') }),
        morePager(page, rows.length === PER_PAGE, (p) => go({ user_id: userId, status, page: p }), t)),
    );
  },
};
