import { h, mount, card, form, badge, confirmDialog, toast, fmtDateTime } from '../../ui.js';

export default {
  path: '/admin/tickets/:id',
  title: 'title',
  admin: true,
  strings: {
    en: {
      title: 'Ticket',
      back: 'All tickets',
      user: 'User #{id}',
      staff: 'Staff',
      open: 'open',
      closed: 'closed',
      reply: 'Reply',
      send: 'Send reply',
      close: 'Close ticket',
      confirm_close: 'Close this ticket?',
      sent: 'Reply sent.',
      closed_msg: 'Ticket closed.',
    },
    'zh-CN': {
      title: '工单',
      back: '全部工单',
      user: '用户 #{id}',
      staff: '客服',
      open: '处理中',
      closed: '已关闭',
      reply: '回复',
      send: '发送回复',
      close: '关闭工单',
      confirm_close: '关闭此工单？',
      sent: '回复已发送。',
      closed_msg: '工单已关闭。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const id = Number(ctx.params.id);
    const { root, replies } = await api('GET', `admin/tickets/${id}`);
    // A message by anyone other than the ticket's owner came from staff.
    const msg = (m) => h('article', { class: m.userid === root.userid ? 'msg' : 'msg staff' },
      h('div', { class: 'meta' }, m.userid === root.userid
        ? h('a', { href: `#/admin/users/${m.userid}` }, t('user', { id: m.userid }))
        : `${t('staff')} #${m.userid}`, ' · ', fmtDateTime(m.datetime)),
      h('div', { class: 'pre' }, m.content));
    const replyForm = form({
      fields: [{ name: 'content', label: t('reply'), type: 'textarea', required: true, rows: 4, attrs: { maxlength: 20000 } }],
      submitLabel: t('send'),
      onSubmit: async (v) => {
        await api('POST', `admin/tickets/${id}/reply`, { content: v.content });
        toast(t('sent'), 'ok');
        ctx.rerender();
      },
      extra: root.status !== 0 ? h('button', {
        type: 'button', class: 'btn btn-danger',
        onclick: async () => {
          if (!(await confirmDialog(t('confirm_close'), { okLabel: t('close'), danger: true }))) return;
          await api('POST', `admin/tickets/${id}/close`);
          toast(t('closed_msg'), 'ok');
          ctx.rerender();
        },
      }, t('close')) : null,
    });
    mount(el,
      h('p', {}, h('a', { href: '#/admin/tickets' }, `← ${t('back')}`)),
      h('div', { class: 'spread' }, h('h1', {}, `#${root.id} ${root.title}`),
        root.status === 0 ? badge(t('closed')) : badge(t('open'), 'warn')),
      card(null, h('div', { class: 'thread' }, msg(root), replies.map(msg))),
      card(t('reply'), replyForm),
    );
  },
};
