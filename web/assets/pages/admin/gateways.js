// Payment gateways: which are enabled, which lack required settings, and a way to add an
// EPay-compatible provider. Each gateway has its own page (gateway.js).
import { h, mount, card, table, badge, form } from '../../ui.js';
import { getLang } from '../../i18n.js';

export const label = (text) => (text && (text[getLang()] || text.en)) || '';

export default {
  path: '/admin/gateways',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Payment gateways',
      intro: 'Open a gateway to fill in its settings, test the connection and copy the callback URL. A gateway can be enabled once every required setting is filled in.',
      name: 'Gateway',
      kind: 'Kind',
      builtin: 'Built in',
      provider: 'EPay-compatible',
      state: 'State',
      enabled: 'Enabled',
      disabled: 'Off',
      missing: 'Missing',
      ready: 'Ready',
      open: 'Settings',
      add: 'Add an EPay-compatible provider',
      add_help: 'Many aggregators (USDT ones included) speak the EPay protocol. Give the provider a name: lower-case letters, digits and _, at most 32.',
      new_name: 'Provider name',
      next: 'Continue',
      bad_name: 'Use 1–32 of a-z, 0-9 and _.',
    },
    'zh-CN': {
      title: '支付网关',
      intro: '打开一个网关即可填写其设置、测试连接并复制回调地址。必填项全部填写后才能启用网关。',
      name: '网关',
      kind: '类型',
      builtin: '内置',
      provider: '易支付兼容',
      state: '状态',
      enabled: '已启用',
      disabled: '未启用',
      missing: '缺少',
      ready: '可启用',
      open: '设置',
      add: '添加易支付兼容服务商',
      add_help: '许多聚合支付（包括 USDT 类）使用易支付协议。请为服务商起一个名称：小写字母、数字和 _，最多 32 个字符。',
      new_name: '服务商名称',
      next: '继续',
      bad_name: '请使用 1–32 个 a-z、0-9 或 _。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const list = await api('GET', 'admin/gateways');
    const rows = table([
      { label: t('name'), value: (g) => h('a', { href: `#/admin/gateways/${g.name}` }, label(g.label) || g.name) },
      { label: t('kind'), value: (g) => (g.kind === 'builtin' ? t('builtin') : t('provider')) },
      { label: t('state'), value: (g) => (g.enabled ? badge(t('enabled'), 'ok') : badge(t('disabled'))) },
      { label: t('missing'), value: (g) => (g.missing.length ? h('span', { class: 'muted' }, g.missing.join(', ')) : t('ready')) },
      { label: '', value: (g) => h('a', { class: 'btn btn-small', href: `#/admin/gateways/${g.name}` }, t('open')) },
    ], list);
    const add = form({
      fields: [{ name: 'name', label: t('new_name'), required: true, help: t('add_help'), attrs: { pattern: '[a-z0-9_]{1,32}', maxlength: 32, title: t('bad_name') } }],
      submitLabel: t('next'),
      onSubmit: async (v) => ctx.navigate(`/admin/gateways/${v.name.trim()}`),
    });
    mount(el, h('h1', {}, t('title')), h('p', { class: 'muted' }, t('intro')), card(null, rows), card(t('add'), add));
  },
};
