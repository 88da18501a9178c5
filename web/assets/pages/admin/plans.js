import { h, mount, card, table, badge, confirmDialog, toast, fmtMoney } from '../../ui.js';

/** A short description of what a plan gives. */
export function planSummary(c, t) {
  const parts = [];
  if (c.bandwidth !== null && c.bandwidth !== undefined) parts.push(t('sum_bandwidth', { n: c.bandwidth }));
  if (c.expire) parts.push(t('sum_expire', { n: c.expire }));
  if (c.class !== null && c.class !== undefined) parts.push(t('sum_class', { n: c.class, days: c.class_expire || 0 }));
  if (c.reset) parts.push(t('sum_reset', { n: c.reset, gb: c.reset_value || 0 }));
  if (c.traffic_package) parts.push(t('sum_package'));
  return parts.join(' · ');
}

export default {
  path: '/admin/plans',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Plans',
      new_plan: 'New plan',
      id: 'ID',
      name: 'Name',
      price: 'Price',
      now: 'Charged now',
      gives: 'Gives',
      state: 'State',
      on_sale: 'on sale',
      off_sale: 'off sale',
      edit: 'Edit',
      edit_plan: 'Edit plan {name}',
      take_off: 'Take off sale',
      put_on: 'Put on sale',
      toggle_plan: '{action}: {name}',
      confirm_off: 'Take {name} off sale? Existing purchases keep it; it can be put back on sale.',
      updated: 'Plan updated.',
      none: 'No plans yet.',
      coupons: 'Coupons',
      sum_bandwidth: '{n} GB',
      sum_expire: '{n} days',
      sum_class: 'class {n} for {days} days',
      sum_reset: 'resets every {n} days to {gb} GB',
      sum_package: 'traffic pack',
    },
    'zh-CN': {
      title: '套餐',
      new_plan: '新建套餐',
      id: 'ID',
      name: '名称',
      price: '价格',
      now: '当前售价',
      gives: '内容',
      state: '状态',
      on_sale: '在售',
      off_sale: '已下架',
      edit: '编辑',
      edit_plan: '编辑套餐 {name}',
      take_off: '下架',
      put_on: '上架',
      toggle_plan: '{action}：{name}',
      confirm_off: '下架 {name}？已有的购买不受影响，之后可以重新上架。',
      updated: '套餐已更新。',
      none: '暂无套餐。',
      coupons: '优惠码',
      sum_bandwidth: '{n} GB',
      sum_expire: '{n} 天',
      sum_class: '等级 {n}，{days} 天',
      sum_reset: '每 {n} 天重置为 {gb} GB',
      sum_package: '流量包',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const plans = await api('GET', 'admin/shop');
    const toggle = async (p) => {
      if (p.status === 1) {
        if (!(await confirmDialog(t('confirm_off', { name: p.name }), { okLabel: t('take_off'), danger: true }))) return;
        await api('POST', `admin/shop/${p.id}/off`);
      } else {
        await api('PUT', `admin/shop/${p.id}`, { ...planBody(p), status: 1 });
      }
      toast(t('updated'), 'ok');
      ctx.rerender();
    };
    mount(el,
      h('div', { class: 'spread' }, h('h1', {}, t('title')),
        h('div', { class: 'row' },
          h('a', { class: 'btn', href: '#/admin/coupons' }, t('coupons')),
          h('a', { class: 'btn btn-primary', href: '#/admin/plans/new' }, t('new_plan')))),
      card(null, table([
        { label: t('id'), value: (p) => String(p.id), class: 'num' },
        { label: t('name'), value: (p) => h('a', { href: `#/admin/plans/${p.id}` }, p.name) },
        { label: t('price'), value: (p) => fmtMoney(p.price), class: 'num' },
        { label: t('now'), value: (p) => fmtMoney(p.effective_price), class: 'num' },
        { label: t('gives'), value: (p) => planSummary(p.content, t) },
        { label: t('state'), value: (p) => badge(p.status === 1 ? t('on_sale') : t('off_sale'), p.status === 1 ? 'ok' : 'warn') },
        {
          label: '',
          value: (p) => {
            const action = p.status === 1 ? t('take_off') : t('put_on');
            return h('div', { class: 'row' },
              h('a', { class: 'btn btn-small', href: `#/admin/plans/${p.id}`, 'aria-label': t('edit_plan', { name: p.name }) }, t('edit')),
              h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('toggle_plan', { action, name: p.name }), onclick: () => toggle(p) }, action));
          },
        },
      ], plans, { empty: t('none') })),
    );
  },
};

/** A plan as the API returns it, back into the body the API takes. */
export function planBody(p) {
  return {
    name: p.name,
    price: p.price,
    content: contentMap(p.content),
    auto_renew: p.auto_renew,
    auto_reset_bandwidth: p.auto_reset_bandwidth,
    status: p.status,
  };
}

/** The parsed `content` of a plan view back into the stored JSON keys (unset keys left out). */
export function contentMap(c) {
  const out = {};
  for (const k of ['bandwidth', 'expire', 'class', 'class_expire', 'reset', 'reset_value', 'reset_exp', 'speedlimit', 'connector', 'content_extra']) {
    if (c[k] !== null && c[k] !== undefined) out[k] = c[k];
  }
  if (c.traffic_package) out.traffic_package = c.traffic_package_class ? { class: c.traffic_package_class } : true;
  if (c.promo) out.promo = { price: c.promo.price, start: c.promo.start, end: c.promo.end };
  if (c.bundle && c.bundle.length) out.bundle = c.bundle;
  return out;
}
