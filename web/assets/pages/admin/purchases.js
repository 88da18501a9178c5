import { h, mount, card, table, modal, dl, toast, fmtMoney, fmtDateTime } from '../../ui.js';
import { formDialog, morePager, withQuery } from './common.js';

const PER_PAGE = 50;

export default {
  path: '/admin/purchases',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Purchases',
      filter: 'Filter',
      user_id: 'User id',
      id: 'ID',
      time: 'Time',
      user: 'User',
      plan: 'Plan',
      price: 'Price',
      coupon: 'Coupon',
      renew: 'Renews',
      refund: 'Refund',
      refund_of: 'Refund purchase #{id}',
      amount: 'Amount (empty = the whole price {price})',
      reason: 'Reason (kept in the audit log)',
      refunded: 'Refunded',
      refunded_msg: '{amount} returned to user #{user}; balance now {balance}.',
      none: 'No purchases.',
      never: '—',
    },
    'zh-CN': {
      title: '购买记录',
      filter: '筛选',
      user_id: '用户 ID',
      id: 'ID',
      time: '时间',
      user: '用户',
      plan: '套餐',
      price: '价格',
      coupon: '优惠码',
      renew: '续费时间',
      refund: '退款',
      refund_of: '退款：购买 #{id}',
      amount: '金额（留空 = 全额 {price}）',
      reason: '原因（记入审计日志）',
      refunded: '已退款',
      refunded_msg: '已向用户 #{user} 退回 {amount}，当前余额 {balance}。',
      none: '暂无购买记录。',
      never: '—',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const userId = ctx.query.user_id || '';
    const page = Math.max(1, Number(ctx.query.page) || 1);
    const [rows, plans] = await Promise.all([
      api('GET', withQuery('admin/bought', { user_id: userId, page, per_page: PER_PAGE })),
      api('GET', 'admin/shop', undefined, { quiet: true }).catch(() => []),
    ]);
    const planName = new Map(plans.map((p) => [p.id, p.name]));
    const go = (q) => ctx.navigate(withQuery('/admin/purchases', q));
    const refund = async (b) => {
      const r = await formDialog({
        title: t('refund_of', { id: b.id }),
        fields: [
          { name: 'amount', label: t('amount', { price: fmtMoney(b.price) }), attrs: { inputmode: 'decimal' } },
          { name: 'reason', label: t('reason'), required: true },
        ],
        submitLabel: t('refund'),
        onSubmit: (v) => api('POST', `admin/bought/${b.id}/refund`, { amount: v.amount.trim() || null, reason: v.reason }),
      });
      if (!r) return;
      toast(t('refunded'), 'ok');
      await modal({ title: t('refunded'), body: dl([[t('refunded'), t('refunded_msg', { amount: fmtMoney(r.amount), user: r.user_id, balance: fmtMoney(r.balance) })]]) });
      ctx.rerender();
    };
    const filter = h('form', {
      class: 'row', 'aria-label': t('filter'),
      onsubmit: (e) => {
        e.preventDefault();
        go({ user_id: e.target.elements.user_id.value.trim() });
      },
    },
    h('label', { for: 'bought-user' }, t('user_id')),
    h('input', { id: 'bought-user', name: 'user_id', type: 'number', min: 1, value: userId }),
    h('button', { type: 'submit', class: 'btn' }, t('filter')));
    mount(el,
      h('h1', {}, t('title')),
      card(null, filter,
        table([
          { label: t('id'), value: (b) => String(b.id), class: 'num' },
          { label: t('time'), value: (b) => fmtDateTime(b.datetime) },
          { label: t('user'), value: (b) => h('a', { href: `#/admin/users/${b.userid}` }, `#${b.userid}`) },
          { label: t('plan'), value: (b) => planName.get(b.shopid) || `#${b.shopid}` },
          { label: t('price'), value: (b) => fmtMoney(b.price), class: 'num' },
          { label: t('coupon'), value: (b) => b.coupon || '—' },
          { label: t('renew'), value: (b) => (b.renew ? fmtDateTime(b.renew) : t('never')) },
          { label: '', value: (b) => h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('refund_of', { id: b.id }), onclick: () => refund(b) }, t('refund')) },
        ], rows, { empty: t('none') }),
        morePager(page, rows.length === PER_PAGE, (p) => go({ user_id: userId, page: p }), t)),
    );
  },
};
