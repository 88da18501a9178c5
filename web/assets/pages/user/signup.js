import { h, mount, form, field, toast } from '../../ui.js';

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
      email_code: 'Verification code',
      email_code_help: 'This site checks your address: send yourself a code and enter it here.',
      send_code: 'Send code',
      code_sent: 'Code sent: check your inbox.',
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
      email_code: '邮箱验证码',
      email_code_help: '本站需要验证邮箱：发送验证码到邮箱后在此填写。',
      send_code: '发送验证码',
      code_sent: '验证码已发送，请查收邮件。',
    },
  },
  async render(el, ctx) {
    const { t } = ctx;
    // Shown when the operator requires an e-mail code (the server answers 422 on email_code).
    const codeField = field({ name: 'email_code', label: t('email_code'), help: t('email_code_help'), autocomplete: 'one-time-code', attrs: { inputmode: 'numeric', maxlength: 32 } });
    codeField.append(h('button', {
      type: 'button', class: 'btn btn-small',
      onclick: async () => {
        const email = el.querySelector('input[name=email]').value.trim();
        await ctx.api('POST', 'auth/email/code', { email });
        toast(t('code_sent'), 'ok');
      },
    }, t('send_code')));
    codeField.hidden = true;
    mount(el, h('section', { class: 'card auth-card' },
      h('h1', {}, t('title')),
      form({
        fields: [
          { name: 'email', label: t('email'), type: 'email', required: true, autocomplete: 'email' },
          codeField,
          { name: 'user_name', label: t('user_name'), autocomplete: 'nickname' },
          { name: 'password', label: t('password'), type: 'password', required: true, autocomplete: 'new-password', help: t('password_help'), attrs: { minlength: 8 } },
          { name: 'invite_code', label: t('invite_code'), value: ctx.query.code || '', help: t('invite_help') },
        ],
        submitLabel: t('submit'),
        onSubmit: async (v) => {
          const email = v.email.trim();
          try {
            await ctx.api('POST', 'auth/register', {
              email,
              password: v.password,
              user_name: v.user_name.trim() || null,
              invite_code: v.invite_code.trim() || null,
              email_code: codeField.hidden ? null : v.email_code.trim(),
            });
          } catch (err) {
            if ((err.errors || []).some((e) => e.field === 'email_code')) codeField.hidden = false;
            throw err;
          }
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
