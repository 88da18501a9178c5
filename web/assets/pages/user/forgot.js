import { h, mount, form } from '../../ui.js';

export default {
  path: '/forgot-password',
  title: 'title',
  public: true,
  strings: {
    en: {
      title: 'Forgot password',
      intro: 'Enter the e-mail of your account: we send it a link to choose a new password. The link works once, for an hour.',
      email: 'E-mail',
      submit: 'Send the link',
      sent: 'If an account uses this address, a reset link is on its way. Check your inbox (and spam folder).',
      back: 'Back to log in',
    },
    'zh-CN': {
      title: '忘记密码',
      intro: '输入账号的邮箱，我们会发送一个设置新密码的链接。链接只能使用一次，一小时内有效。',
      email: '邮箱',
      submit: '发送链接',
      sent: '如果有账号使用此邮箱，重置链接已经发出。请查看收件箱（以及垃圾邮件）。',
      back: '返回登录',
    },
  },
  async render(el, ctx) {
    const { t } = ctx;
    const result = h('div', { role: 'status' });
    mount(el, h('section', { class: 'card auth-card' },
      h('h1', {}, t('title')),
      h('p', { class: 'muted' }, t('intro')),
      form({
        fields: [{ name: 'email', label: t('email'), type: 'email', required: true, autocomplete: 'email' }],
        submitLabel: t('submit'),
        onSubmit: async (v) => {
          await ctx.api('POST', 'auth/password/forgot', { email: v.email.trim() });
          mount(result, h('p', { class: 'notice' }, t('sent')));
        },
      }),
      result,
      h('p', { class: 'alt' }, h('a', { href: '#/login' }, t('back'))),
    ));
    el.querySelector('input[name=email]')?.focus();
  },
};
