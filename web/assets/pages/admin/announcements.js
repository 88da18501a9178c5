import { h, mount, card, form, confirmDialog, toast, empty, richText, fmtDateTime } from '../../ui.js';
import { formDialog, panelTimeText } from './common.js';

export default {
  path: '/admin/announcements',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Announcements',
      new: 'New announcement',
      content: 'Content (HTML shown to users)',
      markdown: 'Markdown source (optional)',
      date: 'Date (panel time zone, YYYY-MM-DD HH:MM:SS; empty = now)',
      publish: 'Publish',
      edit: 'Edit',
      edit_of: 'Edit announcement #{id}',
      delete_of: 'Delete announcement #{id}',
      confirm_delete: 'Delete this announcement?',
      published: 'Announcement published.',
      saved: 'Announcement saved.',
      deleted: 'Announcement deleted.',
      none: 'No announcements.',
    },
    'zh-CN': {
      title: '公告',
      new: '新建公告',
      content: '内容（向用户显示的 HTML）',
      markdown: 'Markdown 源文本（可选）',
      date: '日期（面板时区，YYYY-MM-DD HH:MM:SS；留空 = 现在）',
      publish: '发布',
      edit: '编辑',
      edit_of: '编辑公告 #{id}',
      delete_of: '删除公告 #{id}',
      confirm_delete: '删除这条公告？',
      published: '公告已发布。',
      saved: '公告已保存。',
      deleted: '公告已删除。',
      none: '暂无公告。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const list = await api('GET', 'admin/announcements');
    const fields = (a) => [
      { name: 'content', label: t('content'), type: 'textarea', rows: 6, value: a ? a.content : '' },
      { name: 'markdown', label: t('markdown'), type: 'textarea', rows: 3, value: a ? a.markdown : '' },
      { name: 'date', label: t('date'), value: a ? panelTimeText(a.date) : '' },
    ];
    const body = (v) => ({ content: v.content, markdown: v.markdown, date: v.date.trim() || null });
    const edit = async (a) => {
      const r = await formDialog({
        title: t('edit_of', { id: a.id }),
        fields: fields(a),
        submitLabel: t('ui.save'),
        onSubmit: (v) => api('PUT', `admin/announcements/${a.id}`, body(v)),
      });
      if (r) { toast(t('saved'), 'ok'); ctx.rerender(); }
    };
    const remove = async (a) => {
      if (!(await confirmDialog(t('confirm_delete'), { okLabel: t('ui.delete'), danger: true }))) return;
      await api('DELETE', `admin/announcements/${a.id}`);
      toast(t('deleted'), 'ok');
      ctx.rerender();
    };
    const create = form({
      fields: fields(null),
      submitLabel: t('publish'),
      onSubmit: async (v) => {
        await api('POST', 'admin/announcements', body(v));
        toast(t('published'), 'ok');
        ctx.rerender();
      },
    });
    // Shown as users see it: richText keeps only an allow-list of formatting tags.
    const item = (a) => h('article', { class: 'card' },
      h('div', { class: 'spread' }, h('h2', {}, `#${a.id} · ${fmtDateTime(a.date)}`),
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('edit_of', { id: a.id }), onclick: () => edit(a) }, t('edit')),
          h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': t('delete_of', { id: a.id }), onclick: () => remove(a) }, t('ui.delete')))),
      richText(a.content || a.markdown));
    mount(el,
      h('h1', {}, t('title')),
      card(t('new'), create),
      list.length ? list.map(item) : empty(t('none')),
    );
  },
};
