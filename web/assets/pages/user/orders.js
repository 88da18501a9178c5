import { h, mount, card, table, pager, badge, toast, fmtMoney, fmtDateTime } from '../../ui.js';

const PER_PAGE = 20;

export default {
  path: '/orders',
  title: 'title',
  nav: true,
  strings: {
    en: {
      title: 'Orders',
      purchases: 'Purchases',
      topups: 'Top-ups',
      plan: 'Plan',
      price: 'Price',
      coupon: 'Coupon',
      date: 'Date',
      renew: 'Next renewal',
      stop_renew: 'Stop',
      stop_renew_label: 'Stop the automatic renewal of {plan}',
      renew_stopped: 'Automatic renewal stopped.',
      deleted: '(deleted plan)',
      no_purchases: 'No purchases yet.',
      no_orders: 'No top-up orders yet.',
      order: 'Order',
      amount: 'Amount',
      status: 'Status',
      paid: 'Paid',
      waiting: 'Waiting',
    },
    'zh-CN': {
      title: '订单',
      purchases: '购买记录',
      topups: '充值记录',
      plan: '套餐',
      price: '价格',
      coupon: '优惠码',
      date: '时间',
      renew: '下次续费',
      stop_renew: '停止',
      stop_renew_label: '停止 {plan} 的自动续费',
      renew_stopped: '已停止自动续费。',
      deleted: '（已删除的套餐）',
      no_purchases: '暂无购买记录。',
      no_orders: '暂无充值订单。',
      order: '订单',
      amount: '金额',
      status: '状态',
      paid: '已支付',
      waiting: '待支付',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const page = Math.max(1, Number(ctx.query.page) || 1);
    const [bought, orders] = await Promise.all([
      api('GET', 'user/bought'),
      api('GET', `payment/orders?page=${page}&per_page=${PER_PAGE}`),
    ]);
    const renewal = (b) => h('span', {}, fmtDateTime(b.renew), ' ',
      h('button', {
        type: 'button',
        class: 'btn btn-small',
        'aria-label': t('stop_renew_label', { plan: b.name || `#${b.shop_id}` }),
        onclick: async () => {
          await api('DELETE', `user/bought/${b.id}/renew`);
          toast(t('renew_stopped'), 'ok');
          ctx.rerender();
        },
      }, t('stop_renew')));
    mount(el, h('h1', {}, t('title')),
      card(t('purchases'), table([
        { label: t('plan'), value: (b) => b.name || t('deleted') },
        { label: t('price'), value: (b) => fmtMoney(b.price), class: 'num' },
        { label: t('coupon'), value: (b) => b.coupon || '—' },
        { label: t('date'), value: (b) => fmtDateTime(b.datetime) },
        { label: t('renew'), value: (b) => (b.renew ? renewal(b) : '—') },
      ], bought, { empty: t('no_purchases') })),
      card(t('topups'), table([
        { label: t('order'), value: (o) => `#${o.id}` },
        { label: t('amount'), value: (o) => fmtMoney(o.total), class: 'num' },
        { label: t('status'), value: (o) => (o.status === 1 ? badge(t('paid'), 'ok') : badge(t('waiting'), 'warn')) },
        { label: t('date'), value: (o) => fmtDateTime(o.datetime) },
      ], orders.orders, { empty: t('no_orders') }),
      pager(orders.page, orders.per_page, orders.total, (n) => ctx.navigate(`/orders?page=${n}`))));
  },
};
