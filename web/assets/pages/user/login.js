import { h, mount, form, field } from '../../ui.js';

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
      forgot: 'Forgot your password?',
      two_factor_code: 'Two-factor code',
      two_factor_help: 'The 6-digit code from your authenticator app.',
    },
    'zh-CN': {
      title: '登录',
      email: '邮箱',
      password: '密码',
      submit: '登录',
      no_account: '还没有账号？',
      signup: '注册',
      forgot: '忘记密码？',
      two_factor_code: '两步验证码',
      two_factor_help: '验证器应用中的 6 位数字。',
    },
  },
  async render(el, ctx) {
    const { t } = ctx;
    // The two-factor field appears when the server asks for it (a 422 on two_factor_code).
    const codeField = field({ name: 'two_factor_code', label: t('two_factor_code'), help: t('two_factor_help'), autocomplete: 'one-time-code', attrs: { inputmode: 'numeric', maxlength: 6 } });
    codeField.hidden = true;
    mount(el, h('section', { class: 'card auth-card' },
      h('h1', {}, t('title')),
      form({
        fields: [
          { name: 'email', label: t('email'), type: 'email', required: true, autocomplete: 'username' },
          { name: 'password', label: t('password'), type: 'password', required: true, autocomplete: 'current-password' },
          codeField,
        ],
        submitLabel: t('submit'),
        onSubmit: async (v) => {
          const body = { email: v.email.trim(), password: v.password };
          if (!codeField.hidden) body.two_factor_code = v.two_factor_code.trim();
          let data;
          try {
            data = await ctx.api('POST', 'auth/login', body);
          } catch (err) {
            if ((err.errors || []).some((e) => e.field === 'two_factor_code') && codeField.hidden) {
              codeField.hidden = false;
              codeField.querySelector('input').focus();
            }
            throw err;
          }
          ctx.setToken(data.token);
          await ctx.refreshMe();
          const next = ctx.query.next && ctx.query.next.startsWith('/') ? ctx.query.next : '/dashboard';
          ctx.navigate(next);
        },
      }),
      h('p', { class: 'alt' }, h('a', { href: '#/forgot-password' }, t('forgot'))),
      h('p', { class: 'alt' }, t('no_account'), ' ', h('a', { href: '#/signup' }, t('signup'))),
    ));
    el.querySelector('input[name=email]')?.focus();
  },
};
