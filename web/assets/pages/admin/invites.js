// Invite and commission oversight: commission totals per day/week/month, inviters with what their
// code brought (sortable), and the commission payments (SSPanel's `payback`).
import { h, mount, card, table, pager, form, barChart, fmtMoney, fmtDateTime } from '../../ui.js';
import { withQuery } from './common.js';

export default {
  path: '/admin/invites',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Invites and commissions',
      from: 'From',
      to: 'To',
      period: 'Per',
      p_day: 'Day',
      p_week: 'Week',
      p_month: 'Month',
      show: 'Show',
      totals: 'Commissions per period',
      total_line: '{count} payments · paid {total} · commission {ref_get} ({from} – {to}, UTC)',
      commission: 'Commission',
      paid: 'Paid by invitees',
      inviters: 'Inviters',
      search: 'E-mail, code or user id',
      sort: 'Sort by',
      s_invited: 'Sign-ups',
      s_commission: 'Commission',
      s_paybacks: 'Payments',
      s_user_id: 'User id',
      s_invite_num: 'Invitations left',
      user: 'User',
      code: 'Code',
      left: 'Invitations left',
      invited: 'Sign-ups',
      payments: 'Payments',
      who: 'Who used it',
      payments_title: 'Commission payments',
      when: 'When',
      payer: 'Payer',
      inviter: 'Inviter',
      amount: 'Paid',
      got: 'Commission',
      none: 'Nothing in this range.',
      period_note: 'Commissions and payments count within the dates above.',
    },
    'zh-CN': {
      title: '邀请与返利',
      from: '开始日期',
      to: '结束日期',
      period: '按',
      p_day: '日',
      p_week: '周',
      p_month: '月',
      show: '显示',
      totals: '各期返利',
      total_line: '{count} 笔 · 付款 {total} · 返利 {ref_get}（{from} – {to}，UTC）',
      commission: '返利',
      paid: '被邀请人付款',
      inviters: '邀请人',
      search: '邮箱、邀请码或用户 ID',
      sort: '排序',
      s_invited: '注册人数',
      s_commission: '返利',
      s_paybacks: '返利笔数',
      s_user_id: '用户 ID',
      s_invite_num: '剩余邀请次数',
      user: '用户',
      code: '邀请码',
      left: '剩余邀请次数',
      invited: '注册人数',
      payments: '返利笔数',
      who: '使用者',
      payments_title: '返利记录',
      when: '时间',
      payer: '付款人',
      inviter: '邀请人',
      amount: '付款',
      got: '返利',
      none: '该范围内没有记录。',
      period_note: '返利与笔数按上面的日期统计。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const q = ctx.query;
    const today = new Date().toISOString().slice(0, 10);
    const monthAgo = new Date(Date.now() - 29 * 86400e3).toISOString().slice(0, 10);
    const state = {
      from: q.from || monthAgo, to: q.to || today, period: q.period || 'day',
      q: q.q || '', sort: q.sort || 'invited', page: Number(q.page) || 1, cpage: Number(q.cpage) || 1,
    };
    const go = (change) => ctx.navigate(withQuery('/admin/invites', { ...state, ...change }));
    const filters = form({
      fields: [
        { name: 'from', label: t('from'), type: 'date', value: state.from, required: true },
        { name: 'to', label: t('to'), type: 'date', value: state.to, required: true },
        { name: 'period', label: t('period'), type: 'select', value: state.period, options: ['day', 'week', 'month'].map((p) => ({ value: p, label: t(`p_${p}`) })) },
      ],
      submitLabel: t('show'),
      onSubmit: async (v) => go({ ...v, page: 1, cpage: 1 }),
    });
    const range = `from=${state.from}&to=${state.to}`;
    const [report, inviters, payments] = await Promise.all([
      api('GET', `admin/commissions/periods?period=${state.period}&${range}`),
      api('GET', withQuery('admin/invites', { q: state.q, sort: state.sort, from: state.from, to: state.to, page: state.page, per_page: 20 })),
      api('GET', `admin/commissions?${range}&page=${state.cpage}&per_page=20`),
    ]);
    const chart = barChart(report.periods.map((p) => ({ label: p.start, ref_get: Number(p.ref_get) })), {
      series: [{ key: 'ref_get', label: t('commission') }], format: (v) => fmtMoney(v), label: t('totals'),
    });
    const search = form({
      fields: [
        { name: 'q', label: t('search'), value: state.q, type: 'search' },
        { name: 'sort', label: t('sort'), type: 'select', value: state.sort, options: ['invited', 'commission', 'paybacks', 'user_id', 'invite_num'].map((s) => ({ value: s, label: t(`s_${s}`) })) },
      ],
      submitLabel: t('show'),
      onSubmit: async (v) => go({ ...v, page: 1 }),
    });
    const userLink = (id, email) => h('a', { href: `#/admin/users/${id}` }, email || `#${id}`);
    mount(el,
      h('h1', {}, t('title')),
      card(null, filters),
      card(t('totals'),
        h('p', { 'data-testid': 'commission-totals' }, t('total_line', { count: report.count, total: fmtMoney(report.total), ref_get: fmtMoney(report.ref_get), from: report.from, to: report.to })),
        chart),
      card(t('inviters'), search, h('p', { class: 'muted' }, t('period_note')),
        table([
          { label: t('user'), value: (r) => userLink(r.user_id, r.email) },
          { label: t('code'), value: (r) => h('code', {}, r.code) },
          { label: t('left'), value: (r) => String(r.invite_num), class: 'num' },
          { label: t('invited'), value: (r) => String(r.invited), class: 'num' },
          { label: t('payments'), value: (r) => String(r.paybacks), class: 'num' },
          { label: t('got'), value: (r) => fmtMoney(r.commission), class: 'num' },
          { label: '', value: (r) => (r.invited ? h('a', { class: 'btn btn-small', href: `#/admin/invites/${r.user_id}` }, t('who')) : '') },
        ], inviters.items, { empty: t('none') }),
        pager(inviters.page, inviters.per_page, inviters.total, (p) => go({ page: p }))),
      card(t('payments_title'),
        table([
          { label: t('when'), value: (r) => fmtDateTime(r.datetime) },
          { label: t('payer'), value: (r) => userLink(r.payer, r.payer_email) },
          { label: t('inviter'), value: (r) => userLink(r.inviter, r.inviter_email) },
          { label: t('amount'), value: (r) => fmtMoney(r.total), class: 'num' },
          { label: t('got'), value: (r) => fmtMoney(r.ref_get), class: 'num' },
        ], payments.items, { empty: t('none') }),
        pager(payments.page, payments.per_page, payments.total, (p) => go({ cpage: p }))));
  },
};
