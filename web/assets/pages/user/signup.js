import { h, mount, form } from '../../ui.js';

export default {
  path: '/signup',
  title: 'title',
  public: true,
  strings: {
    en: {
      title: 'Sign up',
      email: 'E-mail',
      user_name: 'Name (optional)',
      password: 'Password',
      password_help: 'At least 8 characters.',
      invite_code: 'Invite code',
      invite_help: 'Required when sign-up is by invitation only.',
      submit: 'Create account',
      have_account: 'Already have an account?',
      login: 'Log in',
    },
    'zh-CN': {
      title: '注册',
      email: '邮箱',
      user_name: '昵称（可选）',
      password: '密码',
      password_help: '至少 8 个字符。',
      invite_code: '邀请码',
      invite_help: '仅限邀请注册时必填。',
      submit: '创建账号',
      have_account: '已有账号？',
      login: '登录',
    },
  },
  async render(el, ctx) {
    const { t } = ctx;
    mount(el, h('section', { class: 'card auth-card' },
      h('h1', {}, t('title')),
      form({
        fields: [
          { name: 'email', label: t('email'), type: 'email', required: true, autocomplete: 'email' },
          { name: 'user_name', label: t('user_name'), autocomplete: 'nickname' },
          { name: 'password', label: t('password'), type: 'password', required: true, autocomplete: 'new-password', help: t('password_help'), attrs: { minlength: 8 } },
          { name: 'invite_code', label: t('invite_code'), value: ctx.query.code || '', help: t('invite_help') },
        ],
        submitLabel: t('submit'),
        onSubmit: async (v) => {
          const email = v.email.trim();
          await ctx.api('POST', 'auth/register', {
            email,
            password: v.password,
            user_name: v.user_name.trim() || null,
            invite_code: v.invite_code.trim() || null,
          });
          const data = await ctx.api('POST', 'auth/login', { email, password: v.password });
          ctx.setToken(data.token);
          await ctx.refreshMe();
          ctx.navigate('/dashboard');
        },
      }),
      h('p', { class: 'alt' }, t('have_account'), ' ', h('a', { href: '#/login' }, t('login'))),
    ));
    el.querySelector('input[name=email]')?.focus();
  },
};
