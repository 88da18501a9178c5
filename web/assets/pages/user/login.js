import { h, mount, form } from '../../ui.js';

export default {
  path: '/login',
  title: 'title',
  public: true,
  strings: {
    en: {
      title: 'Log in',
      email: 'E-mail',
      password: 'Password',
      submit: 'Log in',
      no_account: 'No account yet?',
      signup: 'Sign up',
    },
    'zh-CN': {
      title: '登录',
      email: '邮箱',
      password: '密码',
      submit: '登录',
      no_account: '还没有账号？',
      signup: '注册',
    },
  },
  async render(el, ctx) {
    const { t } = ctx;
    mount(el, h('section', { class: 'card auth-card' },
      h('h1', {}, t('title')),
      form({
        fields: [
          { name: 'email', label: t('email'), type: 'email', required: true, autocomplete: 'username' },
          { name: 'password', label: t('password'), type: 'password', required: true, autocomplete: 'current-password' },
        ],
        submitLabel: t('submit'),
        onSubmit: async (v) => {
          const data = await ctx.api('POST', 'auth/login', { email: v.email.trim(), password: v.password });
          ctx.setToken(data.token);
          await ctx.refreshMe();
          const next = ctx.query.next && ctx.query.next.startsWith('/') ? ctx.query.next : '/dashboard';
          ctx.navigate(next);
        },
      }),
      h('p', { class: 'alt' }, t('no_account'), ' ', h('a', { href: '#/signup' }, t('signup'))),
    ));
    el.querySelector('input[name=email]')?.focus();
  },
};
