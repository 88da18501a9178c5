import { h, mount, empty, fmtDate, richText } from '../../ui.js';

export default {
  path: '/announcements',
  title: 'title',
  nav: true,
  strings: {
    en: { title: 'Announcements', none: 'No announcements.' },
    'zh-CN': { title: '公告', none: '暂无公告。' },
  },
  async render(el, ctx) {
    const list = await ctx.api('GET', 'user/announcements');
    mount(el, h('h1', {}, ctx.t('title')),
      list.length === 0 ? empty(ctx.t('none')) : list.map((n) => h('article', { class: 'card' },
        h('h2', {}, h('time', { datetime: n.date }, fmtDate(n.date))),
        richText(n.content))));
  },
};
