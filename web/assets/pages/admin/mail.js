// Mass e-mail to a segment of users: count and preview first (a dry run), then send through the
// e-mail queue; the record of what was sent below.
import { h, mount, card, table, pager, badge, form, toast, fmtDateTime, confirmDialog } from '../../ui.js';

const SEGMENTS = ['all', 'paying', 'expiring', 'class', 'node_group'];

export default {
  path: '/admin/mail',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Mass e-mail',
      intro: 'Goes to enabled accounts only, through the e-mail queue (sent by the email_queue job over SMTP). Preview first; one mailing per administrator every 5 minutes.',
      segment: 'Recipients',
      s_all: 'All users',
      s_paying: 'Paying users (a paid class not expired)',
      s_expiring: 'Paid class expiring within N days',
      s_class: 'Class at least N',
      s_node_group: 'Node group N',
      number: 'N (days, class or group)',
      number_help: 'Days for “expiring” (1–365), the least class (0–10000), or the node group.',
      subject: 'Subject',
      body: 'Message (plain text)',
      preview: 'Preview and count',
      send: 'Send to {n} users',
      confirm: 'Send “{subject}” to {n} users?',
      count: '{n} users will get this mail.',
      sample: 'First recipients',
      none_in: 'Nobody is in this segment.',
      sent: 'Queued for {n} users.',
      history: 'Sent',
      when: 'When',
      by: 'By',
      who: 'Recipients',
      progress: 'Queued',
      state: 'State',
      queuing: 'Queuing',
      queued: 'Queued',
      nothing: 'No mailing yet.',
    },
    'zh-CN': {
      title: '群发邮件',
      intro: '只发给已启用的账号，经由邮件队列发送（由 email_queue 任务通过 SMTP 发出）。请先预览；每位管理员每 5 分钟只能群发一次。',
      segment: '收件人',
      s_all: '全部用户',
      s_paying: '付费用户（付费等级未过期）',
      s_expiring: '付费等级将在 N 天内到期',
      s_class: '等级不低于 N',
      s_node_group: '节点分组 N',
      number: 'N（天数、等级或分组）',
      number_help: '“即将到期”为天数（1–365），或最低等级（0–10000），或节点分组。',
      subject: '主题',
      body: '正文（纯文本）',
      preview: '预览并统计',
      send: '发送给 {n} 位用户',
      confirm: '确定将“{subject}”发送给 {n} 位用户？',
      count: '将有 {n} 位用户收到此邮件。',
      sample: '前几位收件人',
      none_in: '该范围内没有用户。',
      sent: '已为 {n} 位用户加入发送队列。',
      history: '发送记录',
      when: '时间',
      by: '发送人',
      who: '收件人数',
      progress: '已入队',
      state: '状态',
      queuing: '入队中',
      queued: '已入队',
      nothing: '尚无群发记录。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const page = Number(ctx.query.page) || 1;
    const previewBox = h('div', { 'aria-live': 'polite' });
    const historyBox = h('div', {});
    const request = (v, dryRun) => {
      const n = v.number === '' ? undefined : Number(v.number);
      const body = { segment: v.segment, subject: v.subject, body: v.body, dry_run: dryRun };
      if (v.segment === 'expiring') body.days = n;
      if (v.segment === 'class') body.class = n;
      if (v.segment === 'node_group') body.node_group = n;
      return body;
    };
    const compose = form({
      fields: [
        { name: 'segment', label: t('segment'), type: 'select', value: 'all', options: SEGMENTS.map((s) => ({ value: s, label: t(`s_${s}`) })) },
        { name: 'number', label: t('number'), type: 'number', help: t('number_help'), attrs: { min: 0, max: 10000, inputmode: 'numeric' } },
        { name: 'subject', label: t('subject'), required: true, attrs: { maxlength: 200 } },
        { name: 'body', label: t('body'), type: 'textarea', required: true, rows: 8, attrs: { maxlength: 20000 } },
      ],
      submitLabel: t('preview'),
      onSubmit: async (v) => {
        const r = await api('POST', 'admin/mail', request(v, true));
        if (!ctx.alive()) return;
        const send = h('button', {
          type: 'button', class: 'btn btn-primary', disabled: r.recipients === 0,
          onclick: async () => {
            if (!(await confirmDialog(t('confirm', { subject: r.subject, n: r.recipients })))) return;
            const done = await api('POST', 'admin/mail', request(v, false));
            toast(t('sent', { n: done.recipients }), 'ok');
            mount(previewBox);
            await history();
          },
        }, t('send', { n: r.recipients }));
        mount(previewBox, card(t('preview'),
          h('p', { 'data-testid': 'mail-count' }, r.recipients ? t('count', { n: r.recipients }) : t('none_in')),
          r.sample.length ? h('p', { class: 'muted' }, `${t('sample')}: ${r.sample.join(', ')}`) : null,
          h('h3', {}, r.subject),
          h('div', { class: 'pre notice' }, r.body),
          h('div', { class: 'form-actions' }, send)));
      },
    });
    async function history() {
      const data = await api('GET', `admin/mail?page=${page}&per_page=20`);
      if (!ctx.alive()) return;
      mount(historyBox, table([
        { label: t('when'), value: (m) => fmtDateTime(m.created_at) },
        { label: t('subject'), value: (m) => m.subject },
        { label: t('segment'), value: (m) => `${t(`s_${m.segment}`)}${['expiring', 'class', 'node_group'].includes(m.segment) ? ` (N = ${m.segment_value})` : ''}` },
        { label: t('who'), value: (m) => String(m.recipients), class: 'num' },
        { label: t('progress'), value: (m) => String(m.queued), class: 'num' },
        { label: t('state'), value: (m) => (m.status === 'queued' ? badge(t('queued'), 'ok') : badge(t('queuing'), 'warn')) },
        { label: t('by'), value: (m) => h('a', { href: `#/admin/users/${m.admin_id}` }, `#${m.admin_id}`) },
      ], data.items, { empty: t('nothing') }), pager(data.page, data.per_page, data.total, (p) => ctx.navigate(`/admin/mail?page=${p}`)));
    }
    mount(el, h('h1', {}, t('title')), h('p', { class: 'muted' }, t('intro')), card(null, compose), previewBox, card(t('history'), historyBox));
    await history();
  },
};
