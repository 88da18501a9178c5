import { h, mount, card, table, badge, form, field, confirmDialog, toast, fmtDateTime } from '../../ui.js';

export default {
  path: '/admin/coupons',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Coupons',
      new_coupon: 'New coupon',
      code: 'Code',
      credit: 'Discount (%)',
      onetime: 'Uses per user (0 = unlimited)',
      uses: 'Uses per user',
      expire: 'Valid until',
      plans: 'Plans',
      plans_help: 'None ticked = every plan.',
      all_plans: 'all plans',
      state: 'State',
      active: 'active',
      expired: 'expired',
      created: 'Coupon created.',
      deleted: 'Coupon deleted.',
      confirm_delete: 'Delete coupon {code}?',
      delete_coupon: 'Delete coupon {code}',
      none: 'No coupons yet.',
      unlimited: 'unlimited',
    },
    'zh-CN': {
      title: '优惠码',
      new_coupon: '新建优惠码',
      code: '优惠码',
      credit: '折扣（%）',
      onetime: '每个用户可用次数（0 = 不限）',
      uses: '每人次数',
      expire: '有效期至',
      plans: '适用套餐',
      plans_help: '不勾选 = 全部套餐。',
      all_plans: '全部套餐',
      state: '状态',
      active: '有效',
      expired: '已过期',
      created: '优惠码已创建。',
      deleted: '优惠码已删除。',
      confirm_delete: '删除优惠码 {code}？',
      delete_coupon: '删除优惠码 {code}',
      none: '暂无优惠码。',
      unlimited: '不限',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const [coupons, plans] = await Promise.all([api('GET', 'admin/coupon'), api('GET', 'admin/shop')]);
    const planName = new Map(plans.map((p) => [String(p.id), p.name]));
    const now = Date.now() / 1000;
    const remove = async (c) => {
      if (!(await confirmDialog(t('confirm_delete', { code: c.code }), { okLabel: t('ui.delete'), danger: true }))) return;
      await api('DELETE', `admin/coupon/${c.id}`);
      toast(t('deleted'), 'ok');
      ctx.rerender();
    };
    const inMonth = new Date(Date.now() + 30 * 86400000).toISOString().slice(0, 10);
    const planBoxes = h('fieldset', {}, h('legend', {}, t('plans')),
      h('p', { class: 'muted' }, t('plans_help')),
      plans.map((p) => field({ name: `plan_${p.id}`, label: `${p.name} (#${p.id})`, type: 'checkbox' })));
    const create = form({
      fields: [
        { name: 'code', label: t('code'), required: true, attrs: { maxlength: 64, pattern: '\\S+' } },
        { name: 'credit', label: t('credit'), type: 'number', required: true, value: 10, attrs: { min: 1, max: 100 } },
        { name: 'onetime', label: t('onetime'), type: 'number', value: 1, attrs: { min: 0 } },
        { name: 'expire', label: t('expire'), type: 'date', required: true, value: inMonth },
        planBoxes,
      ],
      submitLabel: t('ui.create'),
      onSubmit: async (v) => {
        // The end of the chosen day in the browser's time zone.
        const expire = Math.floor(new Date(`${v.expire}T23:59:59`).getTime() / 1000);
        const shop = plans.filter((p) => v[`plan_${p.id}`]).map((p) => p.id);
        await api('POST', 'admin/coupon', { code: v.code.trim(), credit: Number(v.credit), onetime: Number(v.onetime) || 0, expire, shop });
        toast(t('created'), 'ok');
        ctx.rerender();
      },
    });
    mount(el,
      h('h1', {}, t('title')),
      card(null, table([
        { label: t('code'), value: (c) => h('code', {}, c.code) },
        { label: t('credit'), value: (c) => `${c.credit}%`, class: 'num' },
        { label: t('uses'), value: (c) => (c.onetime > 0 ? String(c.onetime) : t('unlimited')), class: 'num' },
        { label: t('expire'), value: (c) => fmtDateTime(c.expire) },
        { label: t('plans'), value: (c) => (c.shop ? c.shop.split(',').map((id) => planName.get(id) || `#${id}`).join(', ') : t('all_plans')) },
        { label: t('state'), value: (c) => (c.expire > now ? badge(t('active'), 'ok') : badge(t('expired'), 'warn')) },
        { label: '', value: (c) => h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': t('delete_coupon', { code: c.code }), onclick: () => remove(c) }, t('ui.delete')) },
      ], coupons, { empty: t('none') })),
      card(t('new_coupon'), create),
    );
  },
};
