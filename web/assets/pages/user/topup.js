import { h, mount, card, form, qrImg, toast, fmtMoney, badge, empty } from '../../ui.js';

const POLL_MS = 2000;

export default {
  path: '/topup',
  title: 'title',
  nav: true,
  strings: {
    en: {
      title: 'Top up',
      amount: 'Amount',
      gateway: 'Payment method',
      submit: 'Pay',
      no_gateways: 'No payment method is enabled. Please contact the administrator.',
      order: 'Order #{id}: {amount}',
      waiting: 'Waiting for payment…',
      paid: 'Paid. Your balance is now {balance}.',
      redirecting: 'Opening the payment page…',
      open_pay: 'Open the payment page',
      scan: 'Scan this code with the payment app.',
      debug_note: 'Debug mode: no real payment. Confirm to credit the order.',
      debug_confirm: 'Confirm payment (debug)',
      unsupported: 'This payment method cannot be completed in this page.',
      balance: 'Balance',
      history: 'Order history',
      gw_debug: 'Test payment (debug)',
      gw_epay: 'EPay',
      gw_alipay: 'Alipay',
      gw_wechat: 'WeChat Pay',
      gw_stripe: 'Card (Stripe)',
      gw_wechat_v2: 'WeChat Pay',
      gw_paypal: 'PayPal',
      gw_epusdt: 'USDT (TRC20)',
      gw_yft: 'Yft',
      method: 'Pay by',
      redeem: 'Redeem a code',
      code: 'Code',
      redeem_submit: 'Redeem',
      redeemed_balance: 'Code redeemed: your balance is now {balance}.',
      redeemed: 'Code redeemed.',
    },
    'zh-CN': {
      title: '充值',
      amount: '金额',
      gateway: '支付方式',
      submit: '支付',
      no_gateways: '未启用任何支付方式，请联系管理员。',
      order: '订单 #{id}：{amount}',
      waiting: '等待支付…',
      paid: '支付成功，当前余额 {balance}。',
      redirecting: '正在打开支付页面…',
      open_pay: '打开支付页面',
      scan: '请使用支付应用扫描二维码。',
      debug_note: '调试模式：不会真实扣款，确认后订单即入账。',
      debug_confirm: '确认支付（调试）',
      unsupported: '此支付方式无法在本页面完成。',
      balance: '余额',
      history: '订单记录',
      gw_debug: '测试支付（调试）',
      gw_epay: '易支付',
      gw_alipay: '支付宝',
      gw_wechat: '微信支付',
      gw_stripe: '银行卡（Stripe）',
      gw_wechat_v2: '微信支付',
      gw_paypal: 'PayPal',
      gw_epusdt: 'USDT（TRC20）',
      gw_yft: '易付通',
      method: '付款方式',
      redeem: '兑换码',
      code: '兑换码',
      redeem_submit: '兑换',
      redeemed_balance: '兑换成功，当前余额 {balance}。',
      redeemed: '兑换成功。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const gateways = await api('GET', 'payment/gateways');
    const status = h('div', { 'aria-live': 'polite' });
    const options = payChoices(gateways, t);
    const body = gateways.length === 0
      ? empty(t('no_gateways'))
      : form({
        fields: [
          { name: 'amount', label: t('amount'), type: 'number', required: true, value: '10', attrs: { min: '0.01', step: '0.01', inputmode: 'decimal' } },
          choiceFieldset(options, t('gateway')),
        ],
        submitLabel: t('submit'),
        onSubmit: async (v) => {
          const c = options[Number(v.gateway)] || options[0];
          const created = await api('POST', 'payment/create', { amount: String(v.amount).trim(), gateway: c.gw.name, method: c.method });
          showOrder(status, created, c.gw, ctx);
        },
      });
    const redeem = card(t('redeem'), form({
      fields: [{ name: 'code', label: t('code'), required: true, autocomplete: 'off', attrs: { maxlength: 128 } }],
      submitLabel: t('redeem_submit'),
      onSubmit: async (v) => {
        const r = await api('POST', 'user/redeem', { code: v.code.trim() });
        await ctx.refreshMe();
        toast(r.balance ? t('redeemed_balance', { balance: fmtMoney(r.balance) }) : t('redeemed'), 'ok');
        ctx.rerender();
      },
    }));
    mount(el, h('h1', {}, t('title')),
      card(null, h('p', {}, `${t('balance')}: `, h('strong', { 'data-testid': 'topup-balance' }, fmtMoney(ctx.me.balance))), body),
      status,
      redeem,
      h('p', {}, h('a', { href: '#/orders' }, t('history'))));
  },
};

/**
 * What the user may pay with: one choice per gateway, or per payment method when a gateway offers
 * several (an EPay provider's `alipay`, `wxpay`…).
 */
export function payChoices(gateways, t) {
  const out = [];
  for (const gw of gateways) {
    const methods = gw.methods || [];
    if (methods.length > 1) {
      for (const m of methods) out.push({ gw, method: m, label: `${gatewayLabel(gw, t)} · ${m}` });
    } else {
      out.push({ gw, method: null, label: gatewayLabel(gw, t) });
    }
  }
  return out;
}

/** Radio buttons named `gateway` whose values index `options`. */
export function choiceFieldset(options, legend) {
  return h('fieldset', {}, h('legend', {}, legend), h('div', { class: 'choices' }, options.map((c, i) =>
    h('label', {}, h('input', { type: 'radio', name: 'gateway', value: String(i), checked: i === 0, required: true }), c.label))));
}

/** A gateway's name for users: ours for the built-in ones, the operator's label for the others. */
export function gatewayLabel(g, t) {
  const k = `gw_${g.name}`;
  const v = t(k);
  return v === k ? (g.label || g.name) : v;
}

/**
 * Shows what to do for a created order and polls its status until it is paid; `onPaid(state)`, when
 * given, then tells what the payment did (the default says the new balance). `ctx.t` must know this
 * page's strings.
 */
export function showOrder(box, created, gw, ctx, onPaid) {
  const { t, api } = ctx;
  const state = h('p', { role: 'status' }, badge(t('waiting'), 'warn'));
  const action = created.action || {};
  let how;
  if (gw.flow === 'debug') {
    const btn = h('button', {
      type: 'button', class: 'btn btn-primary',
      onclick: async () => {
        btn.disabled = true;
        try {
          await api('POST', 'payment/debug/confirm', { order_id: created.order_id });
        } finally {
          btn.disabled = false;
        }
        check();
      },
    }, t('debug_confirm'));
    how = [h('p', { class: 'muted' }, t('debug_note')), btn];
  } else if (action.type === 'redirect') {
    how = [h('p', {}, t('redirecting')), h('a', { class: 'btn btn-primary', href: action.url, rel: 'noopener' }, t('open_pay'))];
    // Polling continues if the user comes back to this tab; the gateway's return page is spanel's.
    setTimeout(() => { if (ctx.alive()) window.location.assign(action.url); }, 300);
  } else if (action.type === 'qr_code') {
    how = [h('p', {}, t('scan')), qrImg(action.content, 220)];
  } else {
    how = h('p', { class: 'notice' }, t('unsupported'));
  }
  mount(box, h('section', { class: 'card', 'data-testid': 'order' },
    h('h2', {}, t('order', { id: created.order_id, amount: fmtMoney(created.amount) })), state, how));

  let timer = null;
  let done = false;
  async function check() {
    if (done || !ctx.alive()) return;
    let order;
    try {
      order = await api('GET', `payment/status/${created.order_id}`, undefined, { quiet: true });
    } catch {
      return;
    }
    if (order.status === 1 && !done) {
      done = true;
      clearInterval(timer);
      box.querySelectorAll('button').forEach((b) => { b.disabled = true; });
      if (onPaid) {
        await onPaid(state);
        return;
      }
      const me = await ctx.refreshMe();
      mount(state, badge(t('paid', { balance: fmtMoney(me.balance) }), 'ok'));
      toast(t('paid', { balance: fmtMoney(me.balance) }), 'ok');
    }
  }
  timer = setInterval(check, POLL_MS);
  ctx.onCleanup(() => clearInterval(timer));
}
