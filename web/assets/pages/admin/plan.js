import { h, mount, card, form, field, toast } from '../../ui.js';
import { contentMap } from './plans.js';
import { switchField, numberField, checkboxesField, checkedValues, dateTimeField, fromLocalInput } from './controls.js';

// The plan form: switches for yes/no, numbers with their units, a promotion with date pickers and
// bundles as checkboxes. The content JSON it sends is what SSPanel stores (`promo` in unix seconds).
// [key, unit string key, whole number?]
const NUMBERS = [
  ['bandwidth', 'unit.gb', false], ['expire', 'unit.days', true], ['class', null, true], ['class_expire', 'unit.days', true],
  ['speedlimit', 'unit.mbps', false], ['connector', 'unit.devices', true],
];
const PERIODIC = [['reset', 'unit.days', true], ['reset_value', 'unit.gb', false], ['reset_exp', 'unit.days', true]];
// Keys this form edits; any other key of `content` is kept as it is.
const EDITED = [...NUMBERS, ...PERIODIC].map(([k]) => k).concat(['content_extra', 'promo', 'bundle', 'traffic_package']);

export default {
  path: '/admin/plans/:id',
  title: 'title',
  admin: true,
  strings: {
    en: {
      title: 'Plan',
      title_new: 'New plan',
      back: 'All plans',
      name: 'Name',
      price: 'Price',
      on_sale: 'On sale',
      auto_renew: 'Auto-renew every',
      auto_renew_help: '0 = never renews by itself.',
      auto_reset_bandwidth: 'Reset used traffic on renewal',
      bandwidth: 'Traffic',
      expire: 'Account days added',
      class: 'Class',
      class_expire: 'Class days',
      speedlimit: 'Speed limit',
      connector: 'Devices',
      reset: 'Reset every',
      reset_value: 'Traffic after each reset',
      reset_exp: 'Periodic resets for',
      periodic: 'Periodic traffic reset',
      periodic_help: 'For plans whose traffic is refilled on a schedule.',
      content_extra: 'Feature lines shown in the shop',
      content_extra_help: 'One per line.',
      zero_none: '0 = no limit.',
      empty_help: 'Leave a box empty when this plan does not change that item.',
      promo: 'Promotion',
      promo_on: 'Sell at a promotional price for a while',
      promo_price: 'Promotional price',
      promo_start: 'Starts',
      promo_end: 'Ends',
      promo_bad: 'Give the price and both dates; the end must come after the start.',
      traffic_package: 'Traffic package (adds traffic only, keeps class and expiry)',
      bundle: 'Also gives these plans',
      extras: 'Extras',
      'unit.gb': 'GB',
      'unit.days': 'days',
      'unit.mbps': 'Mbps',
      'unit.devices': 'devices',
      created: 'Plan created.',
      saved: 'Plan saved.',
      content: 'What the plan gives',
      basics: 'Plan',
    },
    'zh-CN': {
      title: '套餐',
      title_new: '新建套餐',
      back: '全部套餐',
      name: '名称',
      price: '价格',
      on_sale: '在售',
      auto_renew: '自动续费周期',
      auto_renew_help: '0 表示不自动续费。',
      auto_reset_bandwidth: '续费时重置已用流量',
      bandwidth: '流量',
      expire: '增加账号天数',
      class: '等级',
      class_expire: '等级时长',
      speedlimit: '限速',
      connector: '设备数',
      reset: '重置周期',
      reset_value: '每次重置后的流量',
      reset_exp: '周期重置持续',
      periodic: '周期重置流量',
      periodic_help: '用于按周期补充流量的套餐。',
      content_extra: '商店中显示的特性',
      content_extra_help: '每行一条。',
      zero_none: '0 表示不限。',
      empty_help: '留空表示此套餐不修改该项。',
      promo: '促销',
      promo_on: '在一段时间内以促销价出售',
      promo_price: '促销价',
      promo_start: '开始时间',
      promo_end: '结束时间',
      promo_bad: '请填写促销价和起止时间，结束时间须晚于开始时间。',
      traffic_package: '流量包（只增加流量，不改变等级和到期时间）',
      bundle: '同时赠送这些套餐',
      extras: '附加',
      'unit.gb': 'GB',
      'unit.days': '天',
      'unit.mbps': 'Mbps',
      'unit.devices': '台',
      created: '套餐已创建。',
      saved: '套餐已保存。',
      content: '套餐内容',
      basics: '套餐',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const isNew = ctx.params.id === 'new';
    const plans = await api('GET', 'admin/shop');
    let plan = { name: '', price: '', status: 1, auto_renew: 0, auto_reset_bandwidth: 0, content: {} };
    if (!isNew) {
      const found = plans.find((p) => String(p.id) === ctx.params.id);
      if (!found) throw new Error(`#${ctx.params.id}`);
      plan = { ...found, content: contentMap(found.content) };
    }
    const c = plan.content;
    const kept = Object.fromEntries(Object.entries(c).filter(([k]) => !EDITED.includes(k)));
    const num = ([k, unit, whole]) => numberField({
      name: `content.${k}`, label: t(k), value: c[k] ?? '', unit: unit && t(unit), min: 0, step: whole ? 1 : 'any',
      help: k === 'speedlimit' || k === 'connector' ? t('zero_none') : null,
    });
    const promo = c.promo || null;
    const others = plans.filter((p) => String(p.id) !== String(plan.id));
    const f = form({
      fields: [
        h('fieldset', {}, h('legend', {}, t('basics')),
          h('div', { class: 'form' },
            field({ name: 'name', label: t('name'), required: true, value: plan.name, attrs: { maxlength: 512 } }),
            field({ name: 'price', label: t('price'), required: true, value: plan.price, attrs: { inputmode: 'decimal', pattern: '\\d+(\\.\\d{1,2})?' } }),
            switchField({ name: 'status', label: t('on_sale'), value: plan.status === 1 }),
            numberField({ name: 'auto_renew', label: t('auto_renew'), value: plan.auto_renew, unit: t('unit.days'), min: 0, max: 3650, help: t('auto_renew_help') }),
            switchField({ name: 'auto_reset_bandwidth', label: t('auto_reset_bandwidth'), value: Number(plan.auto_reset_bandwidth) === 1 }))),
        h('fieldset', {}, h('legend', {}, t('content')), h('p', { class: 'muted' }, t('empty_help')),
          h('div', { class: 'form form-cols' }, NUMBERS.map(num))),
        h('fieldset', {}, h('legend', {}, t('periodic')), h('p', { class: 'muted' }, t('periodic_help')),
          h('div', { class: 'form form-cols' }, PERIODIC.map(num))),
        h('fieldset', {}, h('legend', {}, t('promo')),
          h('div', { class: 'form' },
            switchField({ name: 'promo.on', label: t('promo_on'), value: !!promo }),
            h('div', { class: 'form form-cols' },
              field({ name: 'promo.price', label: t('promo_price'), value: promo ? promo.price : '', attrs: { inputmode: 'decimal', pattern: '\\d+(\\.\\d{1,2})?' } }),
              dateTimeField({ name: 'promo.start', label: t('promo_start'), unix: promo ? promo.start : '' }),
              dateTimeField({ name: 'promo.end', label: t('promo_end'), unix: promo ? promo.end : '' })),
            h('small', { class: 'field-error', 'data-error-for': 'content.promo', role: 'alert' }))),
        h('fieldset', {}, h('legend', {}, t('extras')),
          h('div', { class: 'form' },
            field({ name: 'content.content_extra', label: t('content_extra'), type: 'textarea', rows: 3, value: (c.content_extra || '').split(';').filter(Boolean).join('\n'), help: t('content_extra_help') }),
            switchField({ name: 'traffic_package', label: t('traffic_package'), value: !!c.traffic_package }),
            others.length ? checkboxesField({ name: 'content.bundle', label: t('bundle'), options: others.map((p) => ({ value: String(p.id), label: `#${p.id} ${p.name}` })), selected: (c.bundle || []).map(String) }) : null)),
      ],
      submitLabel: isNew ? t('ui.create') : t('ui.save'),
      onSubmit: async (v, formEl) => {
        const content = { ...kept };
        for (const [k] of [...NUMBERS, ...PERIODIC]) {
          const s = String(v[`content.${k}`]).trim();
          if (s !== '') content[k] = Number(s);
        }
        const extra = v['content.content_extra'].split('\n').map((x) => x.trim()).filter(Boolean).join(';');
        if (extra) content.content_extra = extra;
        if (v.traffic_package) content.traffic_package = typeof c.traffic_package === 'object' ? c.traffic_package : true;
        const bundle = checkedValues(formEl, 'content.bundle').map(Number);
        if (bundle.length) content.bundle = bundle;
        if (v['promo.on']) {
          const start = fromLocalInput(v['promo.start']);
          const end = fromLocalInput(v['promo.end']);
          const price = v['promo.price'].trim();
          if (!price || start === null || end === null || end < start) {
            throw { errors: [{ field: 'content.promo', msg: t('promo_bad') }] };
          }
          content.promo = { price, start, end };
        }
        const body = {
          name: v.name,
          price: v.price.trim(),
          content,
          auto_renew: Number(v.auto_renew) || 0,
          auto_reset_bandwidth: v.auto_reset_bandwidth ? 1 : 0,
          status: v.status ? 1 : 0,
        };
        if (isNew) {
          await api('POST', 'admin/shop', body);
          toast(t('created'), 'ok');
        } else {
          await api('PUT', `admin/shop/${plan.id}`, body);
          toast(t('saved'), 'ok');
        }
        ctx.navigate('/admin/plans');
      },
    });
    mount(el,
      h('p', {}, h('a', { href: '#/admin/plans' }, `← ${t('back')}`)),
      h('h1', {}, isNew ? t('title_new') : `${t('title')} ${plan.name}`),
      card(null, f));
  },
};
