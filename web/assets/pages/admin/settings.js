import { h, mount, card, field, toast, showErrors, clearErrors } from '../../ui.js';

const SECRET = '********';

export default {
  path: '/admin/settings',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Settings',
      intro: 'Stored in the config table shared with SSPanel. Only changed items are saved.',
      default: 'Default: {v}',
      secret_help: 'Set; leave as is to keep it.',
      save_group: 'Save {group}',
      saved: '{n} settings saved.',
      nothing: 'Nothing changed.',
      'class.register': 'Registration',
      'class.invite': 'Invitations and commission',
      'class.shop': 'Shop',
      'class.node': 'Nodes',
      'class.pay': 'Payments',
      'class.site': 'Site',
      'class.subscribe': 'Subscriptions',
      'class.email': 'E-mail',
      'class.monitor': 'Monitoring',
      'class.feature': 'User features',
    },
    'zh-CN': {
      title: '设置',
      intro: '保存在与 SSPanel 共用的 config 表中。只保存修改过的项。',
      default: '默认值：{v}',
      secret_help: '已设置；保持不变即保留原值。',
      save_group: '保存「{group}」',
      saved: '已保存 {n} 项设置。',
      nothing: '没有修改。',
      'class.register': '注册',
      'class.invite': '邀请与返利',
      'class.shop': '商店',
      'class.node': '节点',
      'class.pay': '支付',
      'class.site': '站点',
      'class.subscribe': '订阅',
      'class.email': '邮件',
      'class.monitor': '监控',
      'class.feature': '用户功能',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const settings = await api('GET', 'admin/settings');
    const groups = new Map();
    for (const s of settings) {
      if (!groups.has(s.class)) groups.set(s.class, []);
      groups.get(s.class).push(s);
    }
    const control = (s) => {
      const help = s.value === SECRET ? `${s.mark} ${t('secret_help')}` : `${s.mark} ${t('default', { v: s.default === '' ? '""' : s.default })}`;
      const base = { name: s.item, label: s.item, value: s.value, help, autocomplete: 'off' };
      if (s.kind === 'bool') {
        return field({ ...base, type: 'select', options: [{ value: '1', label: t('ui.yes') }, { value: '0', label: t('ui.no') }] });
      }
      if (s.kind === 'int') return field({ ...base, type: 'number', attrs: { step: 1 } });
      if (s.value === SECRET || /key|secret|password|token|_sk$/.test(s.item)) return field({ ...base, type: 'password', autocomplete: 'new-password' });
      if (s.value.length > 80 || s.item.includes('template') || s.item.includes('private')) return field({ ...base, type: 'textarea', rows: 4, attrs: { spellcheck: 'false' } });
      return field({ ...base, type: 'text', attrs: { spellcheck: 'false' } });
    };
    const groupForm = (cls, items) => {
      const label = t(`class.${cls}`) === `class.${cls}` ? cls : t(`class.${cls}`);
      const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('save_group', { group: label }));
      const f = h('form', { class: 'form', 'aria-label': label }, h('div', { class: 'grid' }, items.map(control)), h('div', { class: 'form-actions' }, submit));
      f.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearErrors(f);
        const changed = items.filter((s) => f.elements[s.item].value !== s.value);
        if (!changed.length) { toast(t('nothing')); return; }
        submit.disabled = true;
        let saved = 0;
        const errors = [];
        for (const s of changed) {
          try {
            const r = await api('PUT', `admin/settings/${encodeURIComponent(s.item)}`, { value: f.elements[s.item].value });
            s.value = r.value;
            saved += 1;
          } catch (err) {
            errors.push({ field: s.item, msg: (err.errors && err.errors[0] && err.errors[0].msg) || err.message });
          }
        }
        submit.disabled = false;
        showErrors(f, { errors });
        if (saved) toast(t('saved', { n: saved }), 'ok');
      });
      return card(label, f);
    };
    mount(el,
      h('h1', {}, t('title')),
      h('p', { class: 'muted' }, t('intro')),
      [...groups].map(([cls, items]) => groupForm(cls, items)),
    );
  },
};
