import { h, mount, card, table, form, badge, toast, fmtDateTime } from '../../ui.js';

export const ticketStrings = {
  en: {
    title: 'Tickets',
    new: 'New ticket',
    subject: 'Subject',
    message: 'Message',
    send: 'Send',
    opened: 'Ticket opened.',
    none: 'No tickets yet.',
    status: 'Status',
    date: 'Date',
    open: 'Open',
    closed: 'Closed',
    thread_title: 'Ticket',
    reply: 'Reply',
    replied: 'Reply sent.',
    you: 'You',
    staff: 'Support',
    back: 'All tickets',
  },
  'zh-CN': {
    title: '工单',
    new: '新建工单',
    subject: '标题',
    message: '内容',
    send: '发送',
    opened: '工单已创建。',
    none: '暂无工单。',
    status: '状态',
    date: '时间',
    open: '处理中',
    closed: '已关闭',
    thread_title: '工单',
    reply: '回复',
    replied: '回复已发送。',
    you: '你',
    staff: '客服',
    back: '全部工单',
  },
};

export function statusBadge(status, t) {
  return status === 1 ? badge(t('open'), 'ok') : badge(t('closed'));
}

export default {
  path: '/tickets',
  title: 'title',
  nav: true,
  strings: ticketStrings,
  async render(el, ctx) {
    const { t, api } = ctx;
    const list = await api('GET', 'user/tickets');
    mount(el, h('h1', {}, t('title')),
      card(null, table([
        { label: t('subject'), value: (r) => h('a', { href: `#/tickets/${r.id}` }, r.title) },
        { label: t('status'), value: (r) => statusBadge(r.status, t) },
        { label: t('date'), value: (r) => fmtDateTime(r.datetime) },
      ], list, { empty: t('none') })),
      card(t('new'), form({
        fields: [
          { name: 'title', label: t('subject'), required: true, attrs: { maxlength: 255 } },
          { name: 'content', label: t('message'), type: 'textarea', required: true },
        ],
        submitLabel: t('send'),
        onSubmit: async (v) => {
          const thread = await api('POST', 'user/tickets', { title: v.title.trim(), content: v.content });
          toast(t('opened'), 'ok');
          ctx.navigate(`/tickets/${thread.root.id}`);
        },
      })));
  },
};
