import { h, mount, card, form, toast, fmtDateTime } from '../../ui.js';
import { ticketStrings, statusBadge } from './tickets.js';

export default {
  path: '/tickets/:id',
  title: 'thread_title',
  strings: ticketStrings,
  async render(el, ctx) {
    const { t, api } = ctx;
    const id = Number(ctx.params.id);
    const thread = await api('GET', `user/tickets/${id}`);
    const msg = (m) => {
      const mine = m.userid === ctx.me.id;
      return h('article', { class: `msg ${mine ? '' : 'staff'}` },
        h('div', { class: 'meta' }, mine ? t('you') : t('staff'), ' · ', fmtDateTime(m.datetime)),
        h('div', { class: 'pre' }, m.content));
    };
    mount(el,
      h('p', {}, h('a', { href: '#/tickets' }, `← ${t('back')}`)),
      h('div', { class: 'spread' }, h('h1', {}, thread.root.title), statusBadge(thread.root.status, t)),
      card(null, h('div', { class: 'thread' }, msg(thread.root), thread.replies.map(msg))),
      card(t('reply'), form({
        fields: [{ name: 'content', label: t('message'), type: 'textarea', required: true }],
        submitLabel: t('send'),
        onSubmit: async (v) => {
          await api('POST', `user/tickets/${id}/reply`, { content: v.content });
          toast(t('replied'), 'ok');
          ctx.rerender();
        },
      })));
  },
};
