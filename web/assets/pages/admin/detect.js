// Audit rules (detect_list) nodes enforce, and their hits (detect_log) by user, node and rule.
import { h, mount, card, table, badge, pager, confirmDialog, toast, fmtDateTime } from '../../ui.js';
import { formDialog, withQuery } from './common.js';

export default {
  path: '/admin/detect',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Audit rules',
      rules: 'Rules',
      hits: 'Hits',
      add: 'Add a rule',
      edit: 'Edit',
      delete: 'Delete',
      id: 'ID',
      name: 'Name',
      text: 'What users are told',
      regex: 'Pattern (RE2 / Go syntax, as node backends compile it)',
      pattern: 'Pattern',
      type: 'Matches',
      type_1: 'destination (domain, address)',
      type_2: 'packet contents',
      saved: 'Saved.',
      deleted: 'Deleted.',
      confirm_delete: 'Delete the rule "{name}" and its hits?',
      none: 'No rules yet.',
      no_hits: 'No hits.',
      user: 'User ID',
      node: 'Node ID',
      rule: 'Rule ID',
      filter: 'Filter',
      time: 'Time',
      counted: 'Counted',
      yes: 'counted',
      no: 'pending',
      ban_note: 'Automatic bans: the enable_auto_detect_ban, auto_detect_ban_type, auto_detect_ban_number and auto_detect_ban_time settings.',
    },
    'zh-CN': {
      title: '审计规则',
      rules: '规则',
      hits: '触发记录',
      add: '添加规则',
      edit: '编辑',
      delete: '删除',
      id: 'ID',
      name: '名称',
      text: '向用户说明',
      regex: '正则（RE2 / Go 语法，与节点后端一致）',
      pattern: '正则',
      type: '匹配',
      type_1: '目标（域名、地址）',
      type_2: '数据包内容',
      saved: '已保存。',
      deleted: '已删除。',
      confirm_delete: '删除规则“{name}”及其触发记录？',
      none: '还没有规则。',
      no_hits: '没有触发记录。',
      user: '用户 ID',
      node: '节点 ID',
      rule: '规则 ID',
      filter: '筛选',
      time: '时间',
      counted: '计数',
      yes: '已计入',
      no: '待处理',
      ban_note: '自动封禁：见设置 enable_auto_detect_ban、auto_detect_ban_type、auto_detect_ban_number、auto_detect_ban_time。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const q = ctx.query;
    const rulePage = Math.max(1, Number(q.rpage) || 1);
    const hitPage = Math.max(1, Number(q.page) || 1);
    const filters = { user_id: q.user_id || '', node_id: q.node_id || '', rule_id: q.rule_id || '' };
    const [rules, hits] = await Promise.all([
      api('GET', withQuery('admin/detect-rules', { page: rulePage, per_page: 20 })),
      api('GET', withQuery('admin/detect-logs', { ...filters, page: hitPage, per_page: 20 })),
    ]);
    const here = (extra) => ctx.navigate(withQuery('/admin/detect', { ...filters, rpage: rulePage > 1 ? rulePage : '', ...extra }));
    const types = [{ value: 1, label: t('type_1') }, { value: 2, label: t('type_2') }];
    const ruleForm = (r) => formDialog({
      title: r ? t('edit') : t('add'),
      fields: [
        { name: 'name', label: t('name'), value: r ? r.name : '', required: true },
        { name: 'text', label: t('text'), value: r ? r.text : '' },
        { name: 'regex', label: t('regex'), value: r ? r.regex : '', required: true, attrs: { spellcheck: 'false', autocapitalize: 'off' } },
        { name: 'type', label: t('type'), type: 'select', options: types, value: r ? r.type : 1 },
      ],
      submitLabel: t('ui.save'),
      onSubmit: (v) => {
        const body = { name: v.name, text: v.text, regex: v.regex, type: Number(v.type) };
        return r ? api('PUT', `admin/detect-rules/${r.id}`, body) : api('POST', 'admin/detect-rules', body);
      },
    }).then((saved) => { if (saved) { toast(t('saved'), 'ok'); ctx.rerender(); } });
    const remove = async (r) => {
      if (!(await confirmDialog(t('confirm_delete', { name: r.name }), { okLabel: t('delete'), danger: true }))) return;
      await api('DELETE', `admin/detect-rules/${r.id}`);
      toast(t('deleted'), 'ok');
      ctx.rerender();
    };
    const inputs = Object.fromEntries(['user_id', 'node_id', 'rule_id'].map((k) =>
      [k, h('input', { type: 'number', min: 1, name: k, id: `hit-${k}`, value: filters[k], class: 'input-short' })]));
    const label = { user_id: t('user'), node_id: t('node'), rule_id: t('rule') };
    const filterForm = h('form', {
      class: 'row', role: 'search',
      onsubmit: (e) => {
        e.preventDefault();
        here(Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value.trim()])));
      },
    }, Object.entries(inputs).map(([k, i]) => h('label', { class: 'row' }, label[k], ' ', i)),
    h('button', { type: 'submit', class: 'btn' }, t('filter')));
    mount(el,
      h('div', { class: 'spread' }, h('h1', {}, t('title')),
        h('button', { type: 'button', class: 'btn btn-primary', onclick: () => ruleForm(null) }, t('add'))),
      h('p', { class: 'muted' }, t('ban_note')),
      card(t('rules'), table([
        { label: t('id'), value: (r) => String(r.id), class: 'num' },
        { label: t('name'), value: (r) => h('a', { href: `#${withQuery('/admin/detect', { rule_id: r.id })}` }, r.name) },
        { label: t('pattern'), value: (r) => h('code', { class: 'pre' }, r.regex) },
        { label: t('type'), value: (r) => (r.type === 2 ? t('type_2') : t('type_1')) },
        { label: '', value: (r) => h('div', { class: 'row' },
          h('button', { type: 'button', class: 'btn btn-small', onclick: () => ruleForm(r) }, t('edit')),
          h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: () => remove(r) }, t('delete'))) },
      ], rules.items, { empty: t('none') }),
      pager(rules.page, rules.per_page, rules.total, (p) => here({ rpage: p }))),
      card(t('hits'), filterForm, table([
        { label: t('time'), value: (x) => fmtDateTime(x.datetime) },
        { label: t('user'), value: (x) => h('a', { href: `#/admin/users/${x.user_id}` }, x.email || `#${x.user_id}`) },
        { label: t('rule'), value: (x) => x.rule_name || `#${x.rule_id}` },
        { label: t('node'), value: (x) => x.node_name || `#${x.node_id}` },
        { label: t('counted'), value: (x) => badge(x.processed ? t('yes') : t('no'), x.processed ? 'ok' : '') },
      ], hits.items, { empty: t('no_hits') }),
      pager(hits.page, hits.per_page, hits.total, (p) => here({ page: p }))),
    );
  },
};
