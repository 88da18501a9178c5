import { h, mount, form, toast } from '../../ui.js';

export default {
  path: '/reset-password',
  title: 'title',
  public: true,
  strings: {
    en: {
      title: 'Choose a new password',
      password: 'New password',
      password_help: 'At least 8 characters. Every device logged in to your account is logged out.',
      submit: 'Set the password',
      no_token: 'This page needs the link from the reset e-mail.',
      done: 'Password changed: log in with it.',
      again: 'Ask for a new link',
    },
    'zh-CN': {
      title: '设置新密码',
      password: '新密码',
      password_help: '至少 8 个字符。所有已登录的设备都会退出登录。',
      submit: '设置密码',
      no_token: '请通过重置邮件中的链接打开此页面。',
      done: '密码已修改，请用新密码登录。',
      again: '重新获取链接',
    },
  },
  async render(el, ctx) {
    const { t } = ctx;
    const token = ctx.query.token || '';
    if (!token) {
      mount(el, h('section', { class: 'card auth-card' }, h('h1', {}, t('title')),
        h('p', { class: 'notice' }, t('no_token')), h('p', { class: 'alt' }, h('a', { href: '#/forgot-password' }, t('again')))));
      return;
    }
    mount(el, h('section', { class: 'card auth-card' },
      h('h1', {}, t('title')),
      form({
        fields: [{ name: 'password', label: t('password'), type: 'password', required: true, autocomplete: 'new-password', help: t('password_help'), attrs: { minlength: 8 } }],
        submitLabel: t('submit'),
        onSubmit: async (v) => {
          await ctx.api('POST', 'auth/password/reset', { token, password: v.password });
          toast(t('done'), 'ok');
          ctx.logout();
        },
      }),
      h('p', { class: 'alt' }, h('a', { href: '#/forgot-password' }, t('again'))),
    ));
    el.querySelector('input[name=password]')?.focus();
  },
};
