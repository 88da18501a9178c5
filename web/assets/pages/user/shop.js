import { h, mount, field, modal, toast, fmtMoney, empty, dl, badge } from '../../ui.js';
import { translator } from '../../i18n.js';
import topup, { payChoices, choiceFieldset, showOrder } from './topup.js';

export default {
  path: '/shop',
  title: 'title',
  nav: true,
  strings: {
    en: {
      title: 'Shop',
      none: 'No plans on sale right now.',
      buy: 'Buy',
      buy_title: 'Buy {name}',
      traffic: '{gb} GB traffic',
      class: 'Class {class} for {days} days',
      expire: 'Account +{days} days',
      reset: 'Traffic resets to {gb} GB every {days} days',
      speed: 'Speed limit {v} Mbps',
      connector: 'Up to {n} devices',
      package: 'Traffic package (adds traffic only)',
      promo: 'Promotion',
      coupon: 'Coupon',
      check: 'Apply',
      price: 'Price',
      to_pay: 'To pay',
      discount: '{credit}% off',
      autorenew: 'Renew automatically every {days} days',
      disable_others: 'Stop automatic renewal of my other plans',
      your_balance: 'Your balance',
      bought: 'Bought {name}.',
      low_balance: 'Your balance is too low for this plan.',
      top_up: 'Top up',
      pay_online: 'Pay online',
      or_pay: 'Or pay for it now with',
      use_balance: 'Use my balance first',
      checkout_bought: 'Paid and bought {name}.',
      checkout_kept: 'Paid, but the plan could not be bought: {note} The money is in your balance.',
      checkout_for: 'Payment for {name}',
    },
    'zh-CN': {
      title: '商店',
      none: '暂无在售套餐。',
      buy: '购买',
      buy_title: '购买 {name}',
      traffic: '{gb} GB 流量',
      class: '等级 {class}，{days} 天',
      expire: '账号有效期 +{days} 天',
      reset: '每 {days} 天流量重置为 {gb} GB',
      speed: '限速 {v} Mbps',
      connector: '最多 {n} 个设备',
      package: '流量包（仅增加流量）',
      promo: '促销',
      coupon: '优惠码',
      check: '使用',
      price: '价格',
      to_pay: '应付',
      discount: '{credit}% 折扣',
      autorenew: '每 {days} 天自动续费',
      disable_others: '停止我其他套餐的自动续费',
      your_balance: '你的余额',
      bought: '已购买 {name}。',
      low_balance: '余额不足，无法购买此套餐。',
      top_up: '去充值',
      pay_online: '在线支付',
      or_pay: '或直接支付购买',
      use_balance: '优先使用余额',
      checkout_bought: '已支付并购买 {name}。',
      checkout_kept: '已支付，但未能购买套餐：{note} 款项已存入余额。',
      checkout_for: '支付 {name}',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const [plans, gateways] = await Promise.all([api('GET', 'user/shop'), api('GET', 'payment/gateways')]);
    const status = h('div', { 'aria-live': 'polite' });
    const shop = { ...ctx, gateways, status };
    mount(el, h('h1', {}, t('title')), status,
      plans.length === 0 ? empty(t('none')) : h('div', { class: 'plans' }, plans.map((p) => planCard(p, shop))));
  },
};

/** What a plan gives, as list items. */
function features(p, t) {
  const c = p.content || {};
  const out = [];
  if (c.traffic_package) out.push(t('package'));
  if (c.bandwidth && Number(c.bandwidth) > 0) out.push(t('traffic', { gb: c.bandwidth }));
  if (c.class !== null && c.class !== undefined && c.class_expire) out.push(t('class', { class: c.class, days: c.class_expire }));
  if (c.expire) out.push(t('expire', { days: c.expire }));
  if (c.reset && c.reset_value) out.push(t('reset', { gb: c.reset_value, days: c.reset }));
  if (c.speedlimit && Number(c.speedlimit) > 0) out.push(t('speed', { v: c.speedlimit }));
  if (c.connector && Number(c.connector) > 0) out.push(t('connector', { n: c.connector }));
  // SSPanel's free-text lines: "check-Feature;times-Missing feature".
  for (const part of String(c.content_extra || '').split(';')) {
    const text = part.replace(/^(check|times)-/, '').trim();
    if (text) out.push(text);
  }
  return out;
}

function planCard(p, ctx) {
  const { t } = ctx;
  const promo = p.promo_active && p.effective_price !== p.price;
  return h('section', { class: 'card plan', 'aria-labelledby': `plan-${p.id}` },
    h('h2', { id: `plan-${p.id}` }, p.name, promo ? [' ', h('span', { class: 'badge badge-warn' }, t('promo'))] : null),
    h('div', {}, h('span', { class: 'price' }, fmtMoney(p.effective_price)), promo ? h('span', { class: 'was' }, fmtMoney(p.price)) : null),
    h('ul', {}, features(p, t).map((f) => h('li', {}, f))),
    h('button', { type: 'button', class: 'btn btn-primary', onclick: () => buyDialog(p, ctx) }, t('buy')));
}

async function buyDialog(p, ctx) {
  const { t, api } = ctx;
  const me = ctx.me || (await ctx.refreshMe());
  let price = p.effective_price;
  const coupon = field({ name: 'coupon', label: t('coupon'), autocomplete: 'off' });
  const couponInput = coupon.querySelector('input');
  const note = h('span', { class: 'muted', role: 'status' });
  const payLine = h('strong', { 'data-testid': 'to-pay' }, fmtMoney(price));
  const apply = h('button', {
    type: 'button', class: 'btn btn-small',
    onclick: async () => {
      const code = couponInput.value.trim();
      note.textContent = '';
      if (!code) { price = p.effective_price; payLine.textContent = fmtMoney(price); return; }
      try {
        const q = await api('POST', 'user/coupon/check', { shop_id: p.id, coupon: code });
        price = q.discounted;
        payLine.textContent = fmtMoney(price);
        note.textContent = t('discount', { credit: q.credit });
      } catch {
        price = p.effective_price;
        payLine.textContent = fmtMoney(price);
      }
    },
  }, t('check'));
  const autorenew = p.auto_renew > 0 ? field({ name: 'autorenew', type: 'checkbox', label: t('autorenew', { days: p.auto_renew }) }) : null;
  const others = field({ name: 'disable_others', type: 'checkbox', label: t('disable_others') });
  // Paying for the plan through a gateway, in one step.
  const tt = translator(topup.strings);
  const options = payChoices(ctx.gateways || [], tt);
  const useBalance = field({ name: 'use_balance', type: 'checkbox', label: t('use_balance'), value: true });
  const online = options.length === 0 ? null : h('form', { class: 'form', onsubmit: (e) => e.preventDefault() },
    choiceFieldset(options, t('or_pay')), useBalance);
  const body = h('div', { class: 'form' },
    dl([[t('price'), fmtMoney(p.effective_price)], [t('your_balance'), fmtMoney(me.balance)], [t('to_pay'), payLine]]),
    h('div', { class: 'row' }, coupon, apply, note),
    autorenew, others, online);
  const chosen = () => ({
    coupon: couponInput.value.trim() || null,
    autorenew: !!(autorenew && autorenew.querySelector('input').checked),
    disable_others: others.querySelector('input').checked,
  });
  const payOnline = {
    label: t('pay_online'),
    onclick: async () => {
      const picked = online.querySelector('input[name="gateway"]:checked');
      const c = options[Number(picked ? picked.value : 0)] || options[0];
      let created;
      try {
        created = await api('POST', 'shop/checkout', {
          shop_id: p.id, ...chosen(), gateway: c.gw.name, method: c.method,
          use_balance: useBalance.querySelector('input').checked,
        });
      } catch {
        return false;
      }
      showCheckout(p, created, c.gw, { ...ctx, t: tt }, t);
      return true;
    },
  };
  await modal({
    title: t('buy_title', { name: p.name }),
    body,
    actions: [
      { label: t('ui.cancel') },
      {
        label: t('buy'), primary: true,
        onclick: async () => {
          try {
            await api('POST', 'user/buy', { shop_id: p.id, ...chosen() });
          } catch (err) {
            if (err.status === 409 && /balance/i.test(err.message)) {
              body.appendChild(h('p', { class: 'notice notice-error' }, t('low_balance'), ' ', h('a', { href: '#/topup' }, t('top_up'))));
            }
            return false;
          }
          toast(t('bought', { name: p.name }), 'ok');
          await ctx.refreshMe();
          ctx.navigate('/orders');
          return true;
        },
      },
    ].concat(online ? [payOnline] : []),
  });
}

/** The checkout's payment, then what it did: the plan bought, or the money kept as balance. */
function showCheckout(p, created, gw, topupCtx, t) {
  const box = topupCtx.status;
  showOrder(box, created, gw, topupCtx, async (state) => {
    const c = await topupCtx.api('GET', `shop/checkout/${created.order_id}`);
    await topupCtx.refreshMe();
    const text = c.status === 'bought'
      ? t('checkout_bought', { name: p.name })
      : t('checkout_kept', { note: c.note });
    mount(state, badge(text, c.status === 'bought' ? 'ok' : 'warn'));
    toast(text, c.status === 'bought' ? 'ok' : 'info');
  });
  const heading = box.querySelector('h2');
  if (heading) heading.textContent = `${t('checkout_for', { name: p.name })}: ${fmtMoney(created.amount)}`;
  box.scrollIntoView({ block: 'nearest' });
}
