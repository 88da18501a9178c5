// The users who signed up with one inviter's code, with the commission each brought.
import { h, mount, card, table, pager, fmtMoney, fmtDate } from '../../ui.js';

export default {
  path: '/admin/invites/:id',
  title: 'title',
  navPath: '/admin/invites',
  admin: true,
  strings: {
    en: { title: 'Invited users', back: 'Invites and commissions', of: 'Invited by user #{id}', user: 'User', joined: 'Signed up', got: 'Commission from them', none: 'Nobody signed up with this code.' },
    'zh-CN': { title: '受邀用户', back: '邀请与返利', of: '用户 #{id} 邀请的用户', user: '用户', joined: '注册时间', got: '带来的返利', none: '还没有人用此邀请码注册。' },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const id = Number(ctx.params.id);
    const page = Number(ctx.query.page) || 1;
    const data = await api('GET', `admin/invites/${id}/invitees?page=${page}&per_page=20`);
    mount(el,
      h('p', {}, h('a', { href: '#/admin/invites' }, `← ${t('back')}`)),
      h('h1', {}, t('title')),
      card(t('of', { id }),
        table([
          { label: t('user'), value: (r) => h('a', { href: `#/admin/users/${r.id}` }, r.email) },
          { label: t('joined'), value: (r) => fmtDate(r.reg_date) },
          { label: t('got'), value: (r) => fmtMoney(r.commission), class: 'num' },
        ], data.items, { empty: t('none') }),
        pager(data.page, data.per_page, data.total, (p) => ctx.navigate(`/admin/invites/${id}?page=${p}`))));
  },
};
