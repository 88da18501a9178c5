import { h, mount, card, dl, table, badge, meter, modal, copyField, confirmDialog, toast, fmtBytes, fmtMoney, fmtDateTime } from '../../ui.js';
import { formDialog, panelTimeText, toGb, fromGb } from './common.js';

export default {
  path: '/admin/users/:id',
  title: 'title',
  admin: true,
  strings: {
    en: {
      title: 'User',
      back: 'All users',
      account: 'Account',
      id: 'ID',
      email: 'E-mail',
      name: 'Name',
      state: 'State',
      enabled: 'enabled',
      disabled: 'disabled',
      admin: 'administrator',
      class: 'Class',
      class_expire: 'Class expires (panel time zone)',
      expire_in: 'Account expires (panel time zone)',
      registered: 'Registered',
      traffic: 'Traffic',
      used: '{used} of {total} used (upload {u}, download {d})',
      transfer_gb: 'Traffic allowance (GB)',
      balance: 'Balance',
      group: 'Node group',
      invited_by: 'Invited by',
      actions: 'Actions',
      edit: 'Edit account',
      enable: 'Enable',
      disable: 'Disable',
      reset_password: 'Reset password',
      reset_traffic: 'Reset traffic',
      reason: 'Reason (kept in the audit log)',
      new_password: 'New password (empty = generate one)',
      password_set: 'New password',
      password_note: 'Give this password to the user; it is shown only once.',
      confirm_reset_traffic: 'Set the used traffic of {email} to zero?',
      saved: 'Saved.',
      time_help: 'YYYY-MM-DD HH:MM:SS, in the panel time zone (SPANEL_TIMEZONE)',
      purchases: 'Purchases',
      orders: 'Top-up orders',
      log: 'Audit log',
      time: 'Time',
      plan: 'Plan',
      price: 'Price',
      amount: 'Amount',
      status: 'Status',
      paid: 'paid',
      unpaid: 'unpaid',
      action: 'Action',
      detail: 'Detail',
      by: 'By',
      none: 'None.',
      tf_off: 'Turn off two-factor',
      logins: 'Logins',
      ip: 'IP address',
      result: 'Result',
      login_ok: 'OK',
      login_failed: 'Failed',
    },
    'zh-CN': {
      title: '用户',
      back: '全部用户',
      account: '账号',
      id: 'ID',
      email: '邮箱',
      name: '用户名',
      state: '状态',
      enabled: '启用',
      disabled: '禁用',
      admin: '管理员',
      class: '等级',
      class_expire: '等级到期（面板时区）',
      expire_in: '账号到期（面板时区）',
      registered: '注册时间',
      traffic: '流量',
      used: '已用 {used} / 共 {total}（上传 {u}，下载 {d}）',
      transfer_gb: '流量额度（GB）',
      balance: '余额',
      group: '节点分组',
      invited_by: '邀请人',
      actions: '操作',
      edit: '编辑账号',
      enable: '启用',
      disable: '禁用',
      reset_password: '重置密码',
      reset_traffic: '重置流量',
      reason: '原因（记入审计日志）',
      new_password: '新密码（留空则自动生成）',
      password_set: '新密码',
      password_note: '请把此密码告诉用户；它只显示这一次。',
      confirm_reset_traffic: '把 {email} 的已用流量清零？',
      saved: '已保存。',
      time_help: 'YYYY-MM-DD HH:MM:SS，面板时区（SPANEL_TIMEZONE）',
      purchases: '购买记录',
      orders: '充值订单',
      log: '审计日志',
      time: '时间',
      plan: '套餐',
      price: '价格',
      amount: '金额',
      status: '状态',
      paid: '已支付',
      unpaid: '未支付',
      action: '操作',
      detail: '详情',
      by: '操作人',
      none: '暂无。',
      tf_off: '关闭两步验证',
      logins: '登录记录',
      ip: 'IP 地址',
      result: '结果',
      login_ok: '成功',
      login_failed: '失败',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const id = Number(ctx.params.id);
    const quiet = { quiet: true };
    const [u, bought, orders, logs, plans] = await Promise.all([
      api('GET', `admin/users/${id}`),
      api('GET', `admin/bought?user_id=${id}&per_page=50`, undefined, quiet).catch(() => []),
      api('GET', `admin/paylist?user_id=${id}&per_page=50`, undefined, quiet).catch(() => []),
      api('GET', `admin/logs?target=user:${id}&limit=50`, undefined, quiet).catch(() => []),
      api('GET', 'admin/shop', undefined, quiet).catch(() => []),
    ]);
    const logins = await api('GET', `admin/users/${id}/logins?per_page=20`, undefined, quiet).catch(() => ({ items: [] }));
    const planName = new Map(plans.map((p) => [p.id, p.name]));
    const reasonField = { name: 'reason', label: t('reason'), required: true, autocomplete: 'off' };
    const done = () => { toast(t('saved'), 'ok'); ctx.rerender(); };

    const edit = () => formDialog({
      title: t('edit'),
      fields: [
        { name: 'class', label: t('class'), type: 'number', value: u.class, attrs: { min: 0, max: 255 } },
        { name: 'class_expire', label: t('class_expire'), value: panelTimeText(u.class_expire), help: t('time_help') },
        { name: 'expire_in', label: t('expire_in'), value: panelTimeText(u.expire_in), help: t('time_help') },
        { name: 'transfer_enable', label: t('transfer_gb'), type: 'number', value: toGb(u.transfer_enable), attrs: { min: 0, step: 'any' } },
        { name: 'money', label: t('balance'), value: u.money, attrs: { inputmode: 'decimal' } },
        { name: 'node_group', label: t('group'), type: 'number', value: u.node_group, attrs: { min: 0 } },
        reasonField,
      ],
      submitLabel: t('ui.save'),
      onSubmit: (v) => {
        // Only what changed is sent, so an untouched field never rewrites a value.
        const body = { reason: v.reason };
        if (Number(v.class) !== u.class) body.class = Number(v.class);
        if (v.class_expire.trim() !== panelTimeText(u.class_expire)) body.class_expire = v.class_expire.trim();
        if (v.expire_in.trim() !== panelTimeText(u.expire_in)) body.expire_in = v.expire_in.trim();
        if (v.transfer_enable !== toGb(u.transfer_enable)) body.transfer_enable = fromGb(v.transfer_enable);
        if (v.money.trim() !== u.money) body.money = v.money.trim();
        if (Number(v.node_group) !== u.node_group) body.node_group = Number(v.node_group);
        return api('PATCH', `admin/users/${id}`, body);
      },
    }).then((r) => r && done());

    const toggle = () => formDialog({
      title: u.enable ? t('disable') : t('enable'),
      fields: [reasonField],
      submitLabel: u.enable ? t('disable') : t('enable'),
      onSubmit: (v) => api('POST', `admin/users/${id}/enable`, { enable: !u.enable, reason: v.reason }),
    }).then((r) => r && done());

    const resetPassword = async () => {
      const r = await formDialog({
        title: t('reset_password'),
        fields: [{ name: 'password', label: t('new_password'), type: 'text', autocomplete: 'new-password' }, reasonField],
        submitLabel: t('reset_password'),
        onSubmit: (v) => api('POST', `admin/users/${id}/reset-password`, { password: v.password || null, reason: v.reason }),
      });
      if (r) {
        await modal({ title: t('password_set'), body: [h('p', {}, t('password_note')), copyField(r.password, t('password_set'))] });
      }
    };

    const twoFactorOff = () => formDialog({
      title: t('tf_off'),
      fields: [reasonField],
      submitLabel: t('tf_off'),
      onSubmit: (v) => api('POST', `admin/users/${id}/2fa/disable`, { reason: v.reason }),
    }).then((r) => r && done());

    const resetTraffic = async () => {
      if (!(await confirmDialog(t('confirm_reset_traffic', { email: u.email }), { okLabel: t('reset_traffic'), danger: true }))) return;
      const r = await formDialog({
        title: t('reset_traffic'),
        fields: [reasonField],
        submitLabel: t('reset_traffic'),
        onSubmit: (v) => api('POST', `admin/users/${id}/reset-traffic`, { reason: v.reason }),
      });
      if (r) done();
    };

    const used = u.u + u.d;
    mount(el,
      h('p', {}, h('a', { href: '#/admin/users' }, `← ${t('back')}`)),
      h('h1', {}, `${t('title')} ${u.email}`),
      h('div', { class: 'grid' },
        card(t('account'), dl([
          [t('id'), String(u.id)],
          [t('name'), u.user_name],
          [t('state'), [badge(u.enable ? t('enabled') : t('disabled'), u.enable ? 'ok' : 'danger'), u.is_admin ? [' ', badge(t('admin'), 'warn')] : null]],
          [t('class'), h('span', { 'data-testid': 'user-class' }, String(u.class))],
          [t('class_expire'), panelTimeText(u.class_expire)],
          [t('expire_in'), panelTimeText(u.expire_in)],
          [t('registered'), fmtDateTime(u.reg_date)],
          [t('balance'), h('span', { 'data-testid': 'user-balance' }, fmtMoney(u.money))],
          [t('group'), String(u.node_group)],
          [t('invited_by'), u.ref_by ? h('a', { href: `#/admin/users/${u.ref_by}` }, `#${u.ref_by}`) : '—'],
        ])),
        card(t('traffic'),
          meter(used, u.transfer_enable, t('traffic')),
          h('p', {}, t('used', { used: fmtBytes(used), total: fmtBytes(u.transfer_enable), u: fmtBytes(u.u), d: fmtBytes(u.d) }))),
        card(t('actions'), h('div', { class: 'row' },
          h('button', { type: 'button', class: 'btn btn-primary', onclick: edit }, t('edit')),
          h('button', { type: 'button', class: u.enable ? 'btn btn-danger' : 'btn', onclick: toggle }, u.enable ? t('disable') : t('enable')),
          h('button', { type: 'button', class: 'btn', onclick: resetPassword }, t('reset_password')),
          h('button', { type: 'button', class: 'btn', onclick: resetTraffic }, t('reset_traffic')),
          h('button', { type: 'button', class: 'btn', onclick: twoFactorOff }, t('tf_off'))))),
      card(t('logins'), table([
        { label: t('time'), value: (r) => fmtDateTime(r.datetime) },
        { label: t('ip'), value: (r) => r.ip },
        { label: t('result'), value: (r) => (r.failed ? badge(t('login_failed'), 'danger') : badge(t('login_ok'), 'ok')) },
      ], logins.items, { empty: t('none') })),
      card(t('purchases'), table([
        { label: t('id'), value: (b) => String(b.id), class: 'num' },
        { label: t('time'), value: (b) => fmtDateTime(b.datetime) },
        { label: t('plan'), value: (b) => planName.get(b.shopid) || `#${b.shopid}` },
        { label: t('price'), value: (b) => fmtMoney(b.price), class: 'num' },
      ], bought, { empty: t('none') })),
      card(t('orders'), table([
        { label: t('id'), value: (o) => String(o.id), class: 'num' },
        { label: t('time'), value: (o) => fmtDateTime(o.datetime) },
        { label: t('amount'), value: (o) => fmtMoney(o.total), class: 'num' },
        { label: t('status'), value: (o) => badge(o.status === 1 ? t('paid') : t('unpaid'), o.status === 1 ? 'ok' : '') },
      ], orders, { empty: t('none') })),
      card(t('log'), table([
        { label: t('time'), value: (l) => fmtDateTime(l.created_at) },
        { label: t('by'), value: (l) => h('a', { href: `#/admin/users/${l.admin_id}` }, `#${l.admin_id}`) },
        { label: t('action'), value: (l) => l.action },
        { label: t('detail'), value: (l) => h('code', { class: 'pre' }, l.detail) },
      ], logs, { empty: t('none') })),
    );
  },
};
