// One payment gateway: its settings named and explained (secrets write-only: shown as set, sent
// only when typed), enabling, a connection test where the gateway has one, the callback URL.
import { h, mount, card, field, badge, toast, copyField, confirmDialog, showErrors, clearErrors } from '../../ui.js';
import { label } from './gateways.js';

export default {
  path: '/admin/gateways/:name',
  title: 'title',
  navPath: '/admin/gateways',
  admin: true,
  strings: {
    en: {
      title: 'Payment gateway',
      back: 'All gateways',
      enabled: 'Enabled',
      disabled: 'Off',
      enable: 'Enabled (users can pay with it)',
      enable_help: 'Refused while a required setting is empty.',
      required: 'required',
      secret_set: 'Set (hidden). Leave empty to keep it; type to replace it.',
      secret_unset: 'Not set.',
      missing: 'Required settings still empty: {items}.',
      callback: 'Callback URL',
      callback_help: "Paste this into the gateway's dashboard as the notify / webhook URL. spanel also sends it with every order.",
      settings: 'Settings',
      saved: 'Saved.',
      test: 'Test connection',
      test_help: 'Checks the saved settings against the provider; nothing is paid.',
      testing: 'Testing…',
      test_ok: 'Works: {msg}',
      test_fail: 'Failed: {msg}',
      remove: 'Remove provider',
      remove_confirm: 'Remove the provider {name}? Users can no longer pay with it.',
      removed: 'Removed.',
      new_provider: 'New EPay-compatible provider “{name}”',
    },
    'zh-CN': {
      title: '支付网关',
      back: '全部网关',
      enabled: '已启用',
      disabled: '未启用',
      enable: '启用（用户可用其付款）',
      enable_help: '有必填项为空时无法启用。',
      required: '必填',
      secret_set: '已设置（隐藏）。留空则保留原值，输入即替换。',
      secret_unset: '未设置。',
      missing: '以下必填项仍为空：{items}。',
      callback: '回调地址',
      callback_help: '请把它填到网关后台的异步通知 / Webhook 地址中。spanel 每笔订单也会附带此地址。',
      settings: '设置',
      saved: '已保存。',
      test: '测试连接',
      test_help: '用已保存的设置连接服务商检查；不会产生付款。',
      testing: '正在测试…',
      test_ok: '正常：{msg}',
      test_fail: '失败：{msg}',
      remove: '删除服务商',
      remove_confirm: '确定删除服务商 {name}？用户将无法再用它付款。',
      removed: '已删除。',
      new_provider: '新的易支付兼容服务商“{name}”',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const name = ctx.params.name;
    const g = await api('GET', `admin/gateways/${encodeURIComponent(name)}`);
    const heading = g.kind === 'epay_provider' && !g.fields.some((f) => f.set) ? t('new_provider', { name }) : (label(g.label) || g.name);
    const controls = g.fields.map((f) => control(f, t));
    const enable = field({ name: 'enabled', type: 'checkbox', label: t('enable'), value: g.enabled, help: t('enable_help') });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('ui.save'));
    const f = h('form', { class: 'form' }, controls, enable, h('div', { class: 'form-actions' }, submit));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(f);
      const body = { enabled: f.elements.enabled.checked };
      for (const spec of g.fields) {
        const v = f.elements[spec.item].value;
        if (spec.secret && v === '') continue;
        body[spec.item] = v;
      }
      submit.disabled = true;
      try {
        await api('PUT', `admin/gateways/${encodeURIComponent(name)}`, body);
        toast(t('saved'), 'ok');
        ctx.navigate(`/admin/gateways/${name}`);
        ctx.rerender();
      } catch (err) {
        showErrors(f, err);
      } finally {
        submit.disabled = false;
      }
    });
    const result = h('p', { role: 'status', 'data-testid': 'test-result' });
    const test = g.test_connection || g.kind === 'epay_provider'
      ? card(t('test'), h('p', { class: 'muted' }, t('test_help')),
        h('div', { class: 'row' }, h('button', {
          type: 'button', class: 'btn',
          onclick: async () => {
            mount(result, t('testing'));
            const r = await api('POST', `admin/gateways/${encodeURIComponent(name)}/test`);
            mount(result, badge(r.ok ? t('test_ok', { msg: r.message }) : t('test_fail', { msg: r.message }), r.ok ? 'ok' : 'danger'));
          },
        }, t('test'))), result)
      : null;
    const remove = g.kind === 'epay_provider' && g.fields.some((x) => x.set)
      ? h('button', {
        type: 'button', class: 'btn btn-danger',
        onclick: async () => {
          if (!(await confirmDialog(t('remove_confirm', { name }), { danger: true }))) return;
          await api('DELETE', `admin/gateways/${encodeURIComponent(name)}`);
          toast(t('removed'), 'ok');
          ctx.navigate('/admin/gateways');
        },
      }, t('remove'))
      : null;
    mount(el,
      h('p', {}, h('a', { href: '#/admin/gateways' }, `← ${t('back')}`)),
      h('h1', {}, heading),
      h('p', { class: 'row' }, g.enabled ? badge(t('enabled'), 'ok') : badge(t('disabled')),
        g.missing.length ? h('span', { class: 'muted' }, t('missing', { items: g.missing.join(', ') })) : null),
      card(t('callback'), copyField(g.callback_url, t('callback')), h('p', { class: 'muted' }, t('callback_help'))),
      card(t('settings'), f),
      test,
      remove ? h('div', { class: 'row' }, remove) : null);
  },
};

/** The control of one setting, labelled in the UI's language, with its config item shown. */
function control(f, t) {
  const help = [label(f.help), f.secret ? (f.set ? t('secret_set') : t('secret_unset')) : '', `(${f.item})`].filter(Boolean).join(' ');
  const text = f.required ? `${label(f.label)} (${t('required')})` : label(f.label);
  const base = { name: f.item, label: text, help, autocomplete: 'off', value: f.value ?? '' };
  if (f.secret) {
    return field({ ...base, type: f.kind === 'multiline' ? 'textarea' : 'password', value: '', placeholder: f.set ? '••••••••' : '', autocomplete: 'new-password', rows: 4 });
  }
  if (f.kind === 'multiline') return field({ ...base, type: 'textarea', rows: 4 });
  if (f.kind === 'choice') {
    return field({ ...base, type: 'select', options: [{ value: '', label: '—' }, ...f.choices.map((c) => ({ value: c, label: c }))] });
  }
  return field({ ...base, type: f.kind === 'url' ? 'url' : 'text', attrs: { maxlength: 16384 } });
}
