import { h, mount, card, table, badge, pager, modal, copyField, fmtBytes, fmtMoney, fmtDate } from '../../ui.js';
import { withQuery, formDialog, fromGb } from './common.js';

const SORTS = ['id', 'email', 'reg_date', 'class', 'expire_in', 'money', 'traffic', 'last_used'];

export default {
  path: '/admin/users',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Users',
      search: 'Search',
      search_label: 'E-mail, name, id, port or IP address',
      sort: 'Sort by',
      order: 'Order',
      desc: 'newest / largest first',
      asc: 'oldest / smallest first',
      sort_id: 'ID',
      sort_email: 'E-mail',
      sort_reg_date: 'Registered',
      sort_class: 'Class',
      sort_expire_in: 'Account expiry',
      sort_money: 'Balance',
      sort_traffic: 'Traffic used',
      sort_last_used: 'Last used',
      create: 'New user',
      c_email: 'E-mail',
      c_password: 'Password (empty = generate one)',
      c_name: 'Name (empty = from the e-mail)',
      c_class: 'Class',
      c_class_expire: 'Class expires (YYYY-MM-DD HH:MM:SS, panel time zone; empty = sign-up default)',
      c_expire_in: 'Account expires (YYYY-MM-DD HH:MM:SS; empty = sign-up default)',
      c_traffic: 'Traffic allowance (GB; empty = sign-up default)',
      c_group: 'Node group',
      c_money: 'Balance',
      c_reason: 'Reason (kept in the audit log)',
      created: 'Account created',
      created_note: 'Give this password to the user; it is shown only once.',
      open: 'Open the account',
      id: 'ID',
      email: 'E-mail',
      name: 'Name',
      class: 'Class',
      expires: 'Expires',
      traffic: 'Traffic used',
      balance: 'Balance',
      state: 'State',
      enabled: 'enabled',
      disabled: 'disabled',
      admin: 'admin',
      found: '{total} users',
      none: 'No users match.',
    },
    'zh-CN': {
      title: '用户',
      search: '搜索',
      search_label: '邮箱、用户名、ID、端口或 IP 地址',
      sort: '排序',
      order: '顺序',
      desc: '从新到旧 / 从大到小',
      asc: '从旧到新 / 从小到大',
      sort_id: 'ID',
      sort_email: '邮箱',
      sort_reg_date: '注册时间',
      sort_class: '等级',
      sort_expire_in: '账号到期',
      sort_money: '余额',
      sort_traffic: '已用流量',
      sort_last_used: '最后使用',
      create: '新建用户',
      c_email: '邮箱',
      c_password: '密码（留空则自动生成）',
      c_name: '用户名（留空则取邮箱前缀）',
      c_class: '等级',
      c_class_expire: '等级到期（YYYY-MM-DD HH:MM:SS，面板时区；留空用注册默认）',
      c_expire_in: '账号到期（YYYY-MM-DD HH:MM:SS；留空用注册默认）',
      c_traffic: '流量额度（GB；留空用注册默认）',
      c_group: '节点分组',
      c_money: '余额',
      c_reason: '原因（记入审计日志）',
      created: '账号已创建',
      created_note: '请把此密码告诉用户；它只显示这一次。',
      open: '打开账号',
      id: 'ID',
      email: '邮箱',
      name: '用户名',
      class: '等级',
      expires: '到期',
      traffic: '已用流量',
      balance: '余额',
      state: '状态',
      enabled: '启用',
      disabled: '禁用',
      admin: '管理员',
      found: '共 {total} 个用户',
      none: '没有匹配的用户。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const q = ctx.query.q || '';
    const sort = SORTS.includes(ctx.query.sort) ? ctx.query.sort : 'id';
    const order = ctx.query.order === 'asc' ? 'asc' : 'desc';
    const page = Math.max(1, Number(ctx.query.page) || 1);
    const data = await api('GET', withQuery('admin/users', { q, sort, order, page, per_page: 20 }));
    const input = h('input', { type: 'search', name: 'q', id: 'user-search', value: q, placeholder: t('search_label') });
    const sortSel = h('select', { id: 'user-sort', 'aria-label': t('sort') },
      SORTS.map((k) => h('option', { value: k, selected: k === sort }, t(`sort_${k}`))));
    const orderSel = h('select', { id: 'user-order', 'aria-label': t('order') },
      ['desc', 'asc'].map((k) => h('option', { value: k, selected: k === order }, t(k))));
    const go = (p) => ctx.navigate(withQuery('/admin/users', { q: input.value.trim(), sort: sortSel.value, order: orderSel.value, page: p > 1 ? p : '' }));
    sortSel.addEventListener('change', () => go(1));
    orderSel.addEventListener('change', () => go(1));
    const search = h('form', {
      class: 'row', role: 'search',
      onsubmit: (e) => {
        e.preventDefault();
        go(1);
      },
    }, h('label', { for: 'user-search', class: 'sr-only' }, t('search_label')), input,
    h('button', { type: 'submit', class: 'btn' }, t('search')), sortSel, orderSel);
    const create = async () => {
      const r = await formDialog({
        title: t('create'),
        fields: [
          { name: 'email', label: t('c_email'), type: 'email', required: true, autocomplete: 'off' },
          { name: 'password', label: t('c_password'), type: 'text', autocomplete: 'new-password' },
          { name: 'user_name', label: t('c_name') },
          { name: 'class', label: t('c_class'), type: 'number', attrs: { min: 0, max: 255 } },
          { name: 'class_expire', label: t('c_class_expire') },
          { name: 'expire_in', label: t('c_expire_in') },
          { name: 'transfer_enable', label: t('c_traffic'), type: 'number', attrs: { min: 0, step: 'any' } },
          { name: 'node_group', label: t('c_group'), type: 'number', attrs: { min: 0 } },
          { name: 'money', label: t('c_money'), attrs: { inputmode: 'decimal' } },
          { name: 'reason', label: t('c_reason'), autocomplete: 'off' },
        ],
        submitLabel: t('create'),
        onSubmit: (v) => {
          // Empty fields keep the sign-up defaults.
          const body = { email: v.email.trim() };
          for (const k of ['password', 'user_name', 'class_expire', 'expire_in', 'money', 'reason']) if (v[k].trim()) body[k] = v[k].trim();
          for (const k of ['class', 'node_group']) if (v[k] !== '') body[k] = Number(v[k]);
          if (v.transfer_enable !== '') body.transfer_enable = fromGb(v.transfer_enable);
          return api('POST', 'admin/users', body);
        },
      });
      if (!r) return;
      if (r.password) {
        await modal({ title: t('created'), body: [h('p', {}, t('created_note')), copyField(r.password, t('c_password'))] });
      }
      ctx.navigate(`/admin/users/${r.user.id}`);
    };
    mount(el,
      h('div', { class: 'spread' }, h('h1', {}, t('title')),
        h('button', { type: 'button', class: 'btn btn-primary', onclick: create }, t('create'))),
      card(null, search, h('p', { class: 'muted' }, t('found', { total: data.total })),
        table([
          { label: t('id'), value: (u) => String(u.id), class: 'num' },
          { label: t('email'), value: (u) => h('a', { href: `#/admin/users/${u.id}` }, u.email) },
          { label: t('name'), value: (u) => u.user_name },
          { label: t('class'), value: (u) => String(u.class), class: 'num' },
          { label: t('expires'), value: (u) => fmtDate(u.class_expire) },
          { label: t('traffic'), value: (u) => `${fmtBytes(u.u + u.d)} / ${fmtBytes(u.transfer_enable)}` },
          { label: t('balance'), value: (u) => fmtMoney(u.money), class: 'num' },
          { label: t('state'), value: (u) => [badge(u.enable ? t('enabled') : t('disabled'), u.enable ? 'ok' : 'danger'), u.is_admin ? [' ', badge(t('admin'), 'warn')] : null] },
        ], data.items, { empty: t('none') }),
        pager(data.page, data.per_page, data.total, go)),
    );
  },
};
