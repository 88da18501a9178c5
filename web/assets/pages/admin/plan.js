import { h, mount, card, form, field, toast } from '../../ui.js';
import { contentMap } from './plans.js';

// Content keys edited as their own fields; anything else (promo, bundle, traffic_package) stays
// in the "more content" JSON box.
const NUMERIC = ['bandwidth', 'expire', 'class', 'class_expire', 'speedlimit', 'connector', 'reset', 'reset_value', 'reset_exp'];

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
      auto_renew: 'Auto-renew every (days, 0 = never)',
      auto_reset_bandwidth: 'Reset used traffic on renewal (1 = yes)',
      bandwidth: 'Traffic (GB)',
      expire: 'Account days added',
      class: 'Class',
      class_expire: 'Class days',
      speedlimit: 'Speed limit (Mbps, 0 = none)',
      connector: 'Devices (0 = unlimited)',
      reset: 'Periodic: reset every (days)',
      reset_value: 'Periodic: traffic after each reset (GB)',
      reset_exp: 'Periodic: for (days)',
      content_extra: 'Feature lines shown in the shop (a;b;c)',
      more: 'More content (JSON object: promo, bundle, traffic_package)',
      more_help: 'e.g. {"promo": {"price": "8.00", "start": 1700000000, "end": 1800000000}}',
      bad_json: 'Not a JSON object.',
      empty_help: 'Leave empty to leave unchanged by this plan.',
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
      auto_renew: '自动续费周期（天，0 = 不续费）',
      auto_reset_bandwidth: '续费时重置已用流量（1 = 是）',
      bandwidth: '流量（GB）',
      expire: '增加账号天数',
      class: '等级',
      class_expire: '等级天数',
      speedlimit: '限速（Mbps，0 = 不限）',
      connector: '设备数（0 = 不限）',
      reset: '周期套餐：每隔（天）重置',
      reset_value: '周期套餐：每次重置后的流量（GB）',
      reset_exp: '周期套餐：持续（天）',
      content_extra: '商店中显示的特性（a;b;c）',
      more: '其他内容（JSON 对象：promo、bundle、traffic_package）',
      more_help: '例如 {"promo": {"price": "8.00", "start": 1700000000, "end": 1800000000}}',
      bad_json: '不是 JSON 对象。',
      empty_help: '留空表示此套餐不修改该项。',
      created: '套餐已创建。',
      saved: '套餐已保存。',
      content: '套餐内容',
      basics: '套餐',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const isNew = ctx.params.id === 'new';
    let plan = { name: '', price: '', status: 1, auto_renew: 0, auto_reset_bandwidth: 0, content: {} };
    if (!isNew) {
      const plans = await api('GET', 'admin/shop');
      const found = plans.find((p) => String(p.id) === ctx.params.id);
      if (!found) throw new Error(`#${ctx.params.id}`);
      plan = { ...found, content: contentMap(found.content) };
    }
    const c = plan.content;
    const rest = Object.fromEntries(Object.entries(c).filter(([k]) => !NUMERIC.includes(k) && k !== 'content_extra'));
    const num = (k) => ({ name: `content.${k}`, label: t(k), type: 'number', value: c[k] ?? '', attrs: { min: 0, step: 'any' } });
    const f = form({
      fields: [
        h('fieldset', {}, h('legend', {}, t('basics')),
          h('div', { class: 'form' },
            [
              { name: 'name', label: t('name'), required: true, value: plan.name, attrs: { maxlength: 512 } },
              { name: 'price', label: t('price'), required: true, value: plan.price, attrs: { inputmode: 'decimal', pattern: '\\d+(\\.\\d{1,2})?' } },
              { name: 'status', label: t('on_sale'), type: 'checkbox', value: plan.status === 1 },
              { name: 'auto_renew', label: t('auto_renew'), type: 'number', value: plan.auto_renew, attrs: { min: 0 } },
              { name: 'auto_reset_bandwidth', label: t('auto_reset_bandwidth'), type: 'number', value: plan.auto_reset_bandwidth, attrs: { min: 0 } },
            ].map((spec) => field(spec)))),
        h('fieldset', {}, h('legend', {}, t('content')), h('p', { class: 'muted' }, t('empty_help')),
          h('div', { class: 'form' },
            [...NUMERIC.map(num),
              { name: 'content.content_extra', label: t('content_extra'), value: c.content_extra ?? '' },
              { name: 'more', label: t('more'), type: 'textarea', rows: 4, value: Object.keys(rest).length ? JSON.stringify(rest, null, 2) : '', help: t('more_help'), attrs: { spellcheck: 'false' } },
            ].map((spec) => field(spec)))),
      ],
      submitLabel: isNew ? t('ui.create') : t('ui.save'),
      onSubmit: async (v) => {
        let content = {};
        if (v.more.trim()) {
          let extra = null;
          try { extra = JSON.parse(v.more); } catch { /* reported below */ }
          if (!extra || typeof extra !== 'object' || Array.isArray(extra)) {
            toast(t('bad_json'), 'error');
            throw { errors: [{ field: 'more', msg: t('bad_json') }] };
          }
          content = extra;
        }
        for (const k of NUMERIC) {
          const s = v[`content.${k}`].trim();
          if (s !== '') content[k] = Number(s);
        }
        if (v['content.content_extra'].trim()) content.content_extra = v['content.content_extra'].trim();
        const body = {
          name: v.name,
          price: v.price.trim(),
          content,
          auto_renew: Number(v.auto_renew) || 0,
          auto_reset_bandwidth: Number(v.auto_reset_bandwidth) || 0,
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
