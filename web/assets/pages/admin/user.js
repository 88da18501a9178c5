import { h, mount, card, dl, table, badge, meter, modal, copyField, confirmDialog, toast, fmtBytes, fmtMoney, fmtDateTime } from '../../ui.js';
import { formDialog, panelTimeText, toGb, fromGb } from './common.js';
import { RECORD_KINDS, RECORD_STRINGS, recordsCard } from './user_records.js';

/** The admin log rows about this user (newest 50). */
function auditCard(ctx, id) {
  const { t, api } = ctx;
  const body = h('div', {});
  api('GET', `admin/logs?target=user:${id}&limit=50`, undefined, { quiet: true })
    .then((logs) => ctx.alive() && mount(body, table([
      { label: t('time'), value: (l) => fmtDateTime(l.created_at) },
      { label: t('by'), value: (l) => (l.admin_id ? h('a', { href: `#/admin/users/${l.admin_id}` }, `#${l.admin_id}`) : '—') },
      { label: t('action'), value: (l) => l.action },
      { label: t('detail'), value: (l) => h('code', { class: 'pre' }, l.detail) },
    ], logs, { empty: t('none') })))
    .catch(() => ctx.alive() && mount(body, h('p', { class: 'muted' }, t('list_failed'))));
  return card(t('log'), body);
}

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
      port: 'Port',
      reg_ip: 'Sign-up address',
      last_used: 'Last used',
      speed: 'Speed limit (Mbps, 0 = none)',
      devices: 'Devices at once (0 = any)',
      invites: 'Invitations left (-1 = unlimited)',
      remark: 'Remark',
      hits: 'Audit hits',
      last_ban: 'Last ban',
      never: 'never',
      used_up: 'Upload used (GB)',
      used_down: 'Download used (GB)',
      user_name: 'Name',
      email_edit: 'E-mail',
      balance_edit: 'Balance (a change is recorded with the reason)',
      ban: 'Ban for a time',
      ban_minutes: 'Minutes',
      ban_help: 'The account is disabled now and enabled again when the time runs out.',
      records: 'Records',
      ...RECORD_STRINGS.en,
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
      port: '端口',
      reg_ip: '注册 IP',
      last_used: '最后使用',
      speed: '限速（Mbps，0 = 不限）',
      devices: '同时在线设备（0 = 不限）',
      invites: '剩余邀请次数（-1 = 不限）',
      remark: '备注',
      hits: '审计触发次数',
      last_ban: '最近封禁',
      never: '从未',
      used_up: '已用上传（GB）',
      used_down: '已用下载（GB）',
      user_name: '用户名',
      email_edit: '邮箱',
      balance_edit: '余额（变动会连同原因记录）',
      ban: '限时封禁',
      ban_minutes: '分钟',
      ban_help: '账号立即停用，时间到后自动恢复。',
      records: '记录',
      ...RECORD_STRINGS['zh-CN'],
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const id = Number(ctx.params.id);
    const u = await api('GET', `admin/users/${id}`);
    const reasonField = { name: 'reason', label: t('reason'), required: true, autocomplete: 'off' };
    const done = () => { toast(t('saved'), 'ok'); ctx.rerender(); };

    const edit = () => formDialog({
      title: t('edit'),
      fields: [
        { name: 'email', label: t('email_edit'), type: 'email', value: u.email },
        { name: 'user_name', label: t('user_name'), value: u.user_name },
        { name: 'class', label: t('class'), type: 'number', value: u.class, attrs: { min: 0, max: 255 } },
        { name: 'class_expire', label: t('class_expire'), value: panelTimeText(u.class_expire), help: t('time_help') },
        { name: 'expire_in', label: t('expire_in'), value: panelTimeText(u.expire_in), help: t('time_help') },
        { name: 'transfer_enable', label: t('transfer_gb'), type: 'number', value: toGb(u.transfer_enable), attrs: { min: 0, step: 'any' } },
        { name: 'u', label: t('used_up'), type: 'number', value: toGb(u.u), attrs: { min: 0, step: 'any' } },
        { name: 'd', label: t('used_down'), type: 'number', value: toGb(u.d), attrs: { min: 0, step: 'any' } },
        { name: 'money', label: t('balance_edit'), value: u.money, attrs: { inputmode: 'decimal' } },
        { name: 'node_group', label: t('group'), type: 'number', value: u.node_group, attrs: { min: 0 } },
        { name: 'node_speedlimit', label: t('speed'), value: u.node_speedlimit, attrs: { inputmode: 'decimal' } },
        { name: 'node_connector', label: t('devices'), type: 'number', value: u.node_connector, attrs: { min: 0 } },
        { name: 'invite_num', label: t('invites'), type: 'number', value: u.invite_num, attrs: { min: -1 } },
        { name: 'remark', label: t('remark'), type: 'textarea', value: u.remark, rows: 2 },
        reasonField,
      ],
      submitLabel: t('ui.save'),
      onSubmit: (v) => {
        // Only what changed is sent, so an untouched field never rewrites a value.
        const body = { reason: v.reason };
        const text = ['email', 'user_name', 'money', 'node_speedlimit', 'remark'];
        for (const k of text) if (v[k].trim() !== String(u[k] ?? '')) body[k] = v[k].trim();
        for (const k of ['class', 'node_group', 'node_connector', 'invite_num']) if (Number(v[k]) !== u[k]) body[k] = Number(v[k]);
        for (const k of ['class_expire', 'expire_in']) if (v[k].trim() !== panelTimeText(u[k])) body[k] = v[k].trim();
        for (const k of ['transfer_enable', 'u', 'd']) if (v[k] !== toGb(u[k])) body[k] = fromGb(v[k]);
        return api('PATCH', `admin/users/${id}`, body);
      },
    }).then((r) => r && done());

    const ban = () => formDialog({
      title: t('ban'),
      fields: [
        { name: 'minutes', label: t('ban_minutes'), type: 'number', value: 60, required: true, attrs: { min: 1 }, help: t('ban_help') },
        reasonField,
      ],
      submitLabel: t('ban'),
      onSubmit: (v) => api('POST', `admin/users/${id}/ban`, { minutes: Number(v.minutes), reason: v.reason }),
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
    const when = (v) => h('span', { class: 'nowrap' }, v);
    mount(el,
      h('p', {}, h('a', { href: '#/admin/users' }, `← ${t('back')}`)),
      h('h1', { class: 'break' }, `${t('title')} ${u.email}`),
      h('div', { class: 'grid' },
        h('div', { class: 'card-wide' }, card(t('account'), dl([
          [t('id'), String(u.id)],
          [t('name'), u.user_name],
          [t('state'), [badge(u.enable ? t('enabled') : t('disabled'), u.enable ? 'ok' : 'danger'), u.is_admin ? [' ', badge(t('admin'), 'warn')] : null]],
          [t('class'), h('span', { 'data-testid': 'user-class' }, String(u.class))],
          [t('class_expire'), when(panelTimeText(u.class_expire))],
          [t('expire_in'), when(panelTimeText(u.expire_in))],
          [t('registered'), when(fmtDateTime(u.reg_date))],
          [t('reg_ip'), u.reg_ip],
          [t('last_used'), when(u.last_used ? fmtDateTime(u.last_used) : t('never'))],
          [t('balance'), h('span', { 'data-testid': 'user-balance' }, fmtMoney(u.money))],
          [t('group'), String(u.node_group)],
          [t('port'), String(u.port)],
          [t('speed'), u.node_speedlimit],
          [t('devices'), String(u.node_connector)],
          [t('invites'), String(u.invite_num)],
          [t('invited_by'), u.ref_by ? h('a', { href: `#/admin/users/${u.ref_by}` }, `#${u.ref_by}`) : '—'],
          [t('hits'), String(u.all_detect_number)],
          [t('last_ban'), when(u.last_detect_ban_time ? panelTimeText(u.last_detect_ban_time) : t('never'))],
          [t('remark'), u.remark || '—'],
        ]))),
        card(t('traffic'),
          meter(used, u.transfer_enable, t('traffic')),
          h('p', {}, t('used', { used: fmtBytes(used), total: fmtBytes(u.transfer_enable), u: fmtBytes(u.u), d: fmtBytes(u.d) }))),
        card(t('actions'), h('div', { class: 'row' },
          h('button', { type: 'button', class: 'btn btn-primary', onclick: edit }, t('edit')),
          h('button', { type: 'button', class: u.enable ? 'btn btn-danger' : 'btn', onclick: toggle }, u.enable ? t('disable') : t('enable')),
          h('button', { type: 'button', class: 'btn', onclick: ban }, t('ban')),
          h('button', { type: 'button', class: 'btn', onclick: resetPassword }, t('reset_password')),
          h('button', { type: 'button', class: 'btn', onclick: resetTraffic }, t('reset_traffic')),
          h('button', { type: 'button', class: 'btn', onclick: twoFactorOff }, t('tf_off'))))),
      h('h2', {}, t('records')),
      RECORD_KINDS.map((kind) => recordsCard(ctx, id, kind)),
      auditCard(ctx, id),
    );
  },
};
