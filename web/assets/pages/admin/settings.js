import { h, mount, card, field, toast, showErrors, clearErrors } from '../../ui.js';
import { getLang } from '../../i18n.js';
import { switchField, numberField, checkboxesField, checkedValues, tabs } from './controls.js';

// The settings page: the API's catalogue (group, type, labels and help in both languages) decides
// the tab, the control and the words; the stored text goes back exactly as SSPanel keeps it.

const GROUPS = ['site', 'signup', 'new_user', 'features', 'invite', 'shop', 'payment', 'gateway', 'nodes', 'email', 'monitor', 'other'];

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
      secret_set: 'Set. Leave empty to keep it; it is never shown.',
      secret_unset: 'Not set.',
      others: 'Others, one per line',
      one_per_line: 'One per line.',
      save_group: 'Save {group}',
      saved: '{n} settings saved.',
      nothing: 'Nothing changed.',
      groups: 'Setting groups',
      'unit.seconds': 'seconds',
      'unit.days': 'days',
      'unit.mb': 'MB',
      'unit.gb': 'GB',
      'unit.mbps': 'Mbps',
      'unit.money': 'money',
      'unit.ratio': '× (0.2 = 20%)',
      'group.site': 'Site',
      'group.signup': 'Sign-up',
      'group.new_user': 'New accounts',
      'group.features': 'User features',
      'group.invite': 'Invitations and commission',
      'group.shop': 'Shop',
      'group.payment': 'Payments',
      'group.gateway': 'Gateway keys',
      'group.nodes': 'Nodes and subscriptions',
      'group.email': 'E-mail and notices',
      'group.monitor': 'Monitoring',
      'group.other': 'Other',
    },
    'zh-CN': {
      title: '设置',
      intro: '保存在与 SSPanel 共用的 config 表中。只保存修改过的项。',
      default: '默认值：{v}',
      secret_set: '已设置。留空即保留原值；不会显示出来。',
      secret_unset: '未设置。',
      others: '其他（每行一个）',
      one_per_line: '每行一个。',
      save_group: '保存「{group}」',
      saved: '已保存 {n} 项设置。',
      nothing: '没有修改。',
      groups: '设置分组',
      'unit.seconds': '秒',
      'unit.days': '天',
      'unit.mb': 'MB',
      'unit.gb': 'GB',
      'unit.mbps': 'Mbps',
      'unit.money': '元',
      'unit.ratio': '×（0.2 = 20%）',
      'group.site': '站点',
      'group.signup': '注册',
      'group.new_user': '新账号',
      'group.features': '用户功能',
      'group.invite': '邀请与返利',
      'group.shop': '商店',
      'group.payment': '支付',
      'group.gateway': '网关密钥',
      'group.nodes': '节点与订阅',
      'group.email': '邮件与通知',
      'group.monitor': '监控',
      'group.other': '其他',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const zh = getLang() === 'zh-CN';
    const settings = await api('GET', 'admin/settings');
    const label = (s) => (zh ? s.label_zh : s.label_en) || s.item;
    const helpOf = (s) => {
      const text = (zh ? s.help_zh : s.help_en) || (zh ? '' : s.mark);
      if (s.type === 'secret') return [text, t(s.is_set ? 'secret_set' : 'secret_unset')].filter(Boolean).join(' ');
      const def = s.default === '' ? '""' : s.default;
      return [text, t('default', { v: def })].filter(Boolean).join(' ');
    };
    const unitOf = (u) => (u && u !== 'none' ? t(`unit.${u}`) : null);
    const items = (s) => (s.format === 'json' ? safeList(s.value) : s.value.split(',').map((x) => x.trim()).filter(Boolean));

    const control = (s) => {
      const base = { name: s.item, label: label(s), help: helpOf(s) };
      const head = h('code', { class: 'item-name' }, s.item);
      let node;
      if (s.type === 'switch') node = switchField({ ...base, value: s.value === '1' });
      else if (s.type === 'number') node = numberField({ ...base, value: s.value, unit: unitOf(s.unit), min: s.min, max: s.max });
      else if (s.type === 'decimal') node = numberField({ ...base, value: s.value, unit: unitOf(s.unit), min: s.min, max: s.max, step: 'any' });
      else if (s.type === 'choice') {
        const options = s.options.map((o) => ({ value: o.value, label: zh ? o.zh : o.en }));
        if (!options.some((o) => o.value === s.value)) options.push({ value: s.value, label: s.value });
        node = field({ ...base, type: 'select', value: s.value, options });
      } else if (s.type === 'list') node = listControl(s, base);
      else if (s.type === 'secret') {
        node = field({ ...base, type: s.json_list ? 'textarea' : 'password', value: '', autocomplete: 'new-password', placeholder: s.is_set ? '••••••••' : '', attrs: { spellcheck: 'false' } });
      } else if (s.multiline) node = field({ ...base, type: 'textarea', rows: 4, value: s.value, attrs: { spellcheck: 'false', maxlength: s.max } });
      else node = field({ ...base, type: s.rule === 'email' ? 'email' : s.rule === 'url' ? 'url' : 'text', value: s.value, attrs: { spellcheck: 'false', maxlength: s.max } });
      node.classList.add('setting');
      node.append(head);
      return node;
    };

    const listControl = (s, base) => {
      const current = items(s);
      if (s.ratios) return field({ ...base, type: 'textarea', rows: 3, value: current.join('\n'), help: `${base.help} ${t('one_per_line')}` });
      const known = [...new Set([...(s.choices || []), ...(s.format === 'json' ? current : [])])];
      if (!known.length) return field({ ...base, type: 'textarea', rows: 4, value: current.join('\n'), attrs: { spellcheck: 'false' } });
      const boxes = checkboxesField({ name: s.item, label: base.label, help: base.help, options: known.map((v) => ({ value: v, label: v })), selected: current });
      if (s.format === 'json') return boxes;
      const extra = current.filter((v) => !known.includes(v));
      return h('div', { class: 'field' }, boxes, field({ name: `${s.item}.others`, label: t('others'), type: 'textarea', rows: 2, value: extra.join('\n'), attrs: { spellcheck: 'false' } }));
    };

    // The text to send for one setting, or null when it is unchanged.
    const newValue = (f, s) => {
      if (s.type === 'switch') {
        const v = f.elements[s.item].checked ? '1' : '0';
        return v === s.value ? null : v;
      }
      if (s.type === 'secret') {
        const v = f.elements[s.item].value;
        return v === '' ? null : v;
      }
      if (s.type === 'list' && !s.ratios && f.querySelector(`input[type=checkbox][name="${CSS.escape(s.item)}"]`)) {
        const others = f.elements[`${s.item}.others`];
        const list = [...checkedValues(f, s.item), ...(others ? others.value.split('\n').map((x) => x.trim()).filter(Boolean) : [])];
        const before = items(s);
        // The same names in another order are no change (the boxes follow the offered order).
        if (list.length === before.length && list.every((v) => before.includes(v))) return null;
        return s.format === 'json' ? JSON.stringify(list) : list.join(',');
      }
      if (s.type === 'list') {
        const list = f.elements[s.item].value.split('\n').map((x) => x.trim()).filter(Boolean);
        const v = s.format === 'json' ? JSON.stringify(list) : list.join(',');
        return v === s.value ? null : v;
      }
      const v = f.elements[s.item].value;
      return v === s.value ? null : v;
    };

    const groupForm = (group, list) => {
      const name = t(`group.${group}`);
      const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('save_group', { group: name }));
      const f = h('form', { class: 'form settings-form', 'aria-label': name }, list.map(control), h('div', { class: 'form-actions' }, submit));
      f.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearErrors(f);
        const changed = list.map((s) => [s, newValue(f, s)]).filter(([, v]) => v !== null);
        if (!changed.length) { toast(t('nothing')); return; }
        submit.disabled = true;
        let saved = 0;
        const errors = [];
        for (const [s, value] of changed) {
          try {
            const r = await api('PUT', `admin/settings/${encodeURIComponent(s.item)}`, { value }, { quiet: true });
            Object.assign(s, r);
            if (s.type === 'secret') f.elements[s.item].value = '';
            saved += 1;
          } catch (err) {
            errors.push({ field: s.item, msg: (err.errors && err.errors[0] && err.errors[0].msg) || err.message });
          }
        }
        submit.disabled = false;
        showErrors(f, { errors });
        if (errors.length) toast(errors[0].msg, 'error');
        if (saved) toast(t('saved', { n: saved }), 'ok');
      });
      return card(null, f);
    };

    const byGroup = GROUPS.map((g) => [g, settings.filter((s) => s.group === g)]).filter(([, list]) => list.length);
    const selected = ctx.query && ctx.query.tab;
    mount(el,
      h('h1', {}, t('title')),
      h('p', { class: 'muted' }, t('intro')),
      tabs(byGroup.map(([g, list]) => ({ id: g, label: t(`group.${g}`), panel: groupForm(g, list) })), { label: t('groups'), selected }),
    );
  },
};

function safeList(text) {
  try {
    const v = JSON.parse(text || '[]');
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}
