import { h, mount, card, form, table, pager, badge, qrImg, copyField, confirmDialog, toast, fmtDateTime } from '../../ui.js';

export default {
  path: '/account',
  title: 'title',
  nav: true,
  strings: {
    en: {
      title: 'Account & security',
      password: 'Change password',
      current: 'Current password',
      new: 'New password',
      new_help: 'At least 8 characters. Your other devices are logged out.',
      change: 'Change password',
      changed: 'Password changed. Other devices are logged out.',
      tf: 'Two-factor login',
      tf_off: 'Off: a password alone logs in.',
      tf_on: 'On: logging in needs a code from your authenticator app.',
      tf_setup: 'Set up two-factor login',
      tf_scan: 'Scan this QR code with an authenticator app (or type the key), then enter the code it shows.',
      tf_qr: 'QR code for the authenticator app',
      tf_key: 'Key',
      code: 'Code',
      tf_enable: 'Turn on',
      tf_disable: 'Turn off',
      tf_enabled: 'Two-factor login is on.',
      tf_disabled: 'Two-factor login is off.',
      logins: 'Recent logins',
      when: 'Time',
      ip: 'IP address',
      result: 'Result',
      ok: 'Logged in',
      failed: 'Failed',
      none: 'No logins yet.',
      sessions: 'Sessions',
      sessions_help: 'Lost a device, or logged in somewhere you should not have? End every session, this one included.',
      logout_all: 'Log out everywhere',
      logout_all_confirm: 'Log out on every device, this one included?',
      delete: 'Delete my account',
      delete_help: 'Deletes the account, its plan, balance, subscription and history for good. Enter your password to confirm.',
      delete_password: 'Password',
      deleted: 'Your account has been deleted.',
    },
    'zh-CN': {
      title: '账号与安全',
      password: '修改密码',
      current: '当前密码',
      new: '新密码',
      new_help: '至少 8 个字符。其他设备会退出登录。',
      change: '修改密码',
      changed: '密码已修改，其他设备已退出登录。',
      tf: '两步验证',
      tf_off: '未开启：仅凭密码即可登录。',
      tf_on: '已开启：登录时需要验证器应用中的验证码。',
      tf_setup: '设置两步验证',
      tf_scan: '用验证器应用扫描此二维码（或手动输入密钥），然后输入应用显示的验证码。',
      tf_qr: '验证器应用二维码',
      tf_key: '密钥',
      code: '验证码',
      tf_enable: '开启',
      tf_disable: '关闭',
      tf_enabled: '两步验证已开启。',
      tf_disabled: '两步验证已关闭。',
      logins: '最近登录',
      when: '时间',
      ip: 'IP 地址',
      result: '结果',
      ok: '登录成功',
      failed: '失败',
      none: '暂无登录记录。',
      sessions: '登录会话',
      sessions_help: '设备丢失，或在不该登录的地方登录过？结束所有会话（包括当前这个）。',
      logout_all: '退出所有设备',
      logout_all_confirm: '要在所有设备（包括当前设备）上退出登录吗？',
      delete: '删除我的账号',
      delete_help: '永久删除账号及其套餐、余额、订阅和记录。请输入密码确认。',
      delete_password: '密码',
      deleted: '你的账号已删除。',
    },
  },
  async render(el, ctx) {
    const { t } = ctx;
    const me = ctx.me;
    const codeSpec = { name: 'code', label: t('code'), required: true, autocomplete: 'one-time-code', attrs: { inputmode: 'numeric', maxlength: 6, pattern: '[0-9]{6}' } };

    const passwordCard = card(t('password'), form({
      fields: [
        { name: 'current', label: t('current'), type: 'password', required: true, autocomplete: 'current-password' },
        { name: 'new', label: t('new'), type: 'password', required: true, autocomplete: 'new-password', help: t('new_help'), attrs: { minlength: 8 } },
      ],
      submitLabel: t('change'),
      onSubmit: async (v, f) => {
        const data = await ctx.api('POST', 'user/password', { current: v.current, new: v.new });
        ctx.setToken(data.token);
        f.reset();
        toast(t('changed'), 'ok');
      },
    }));

    const tfBox = h('div', {});
    const tfCard = card(t('tf'), tfBox);
    const showTwoFactor = () => {
      if (me.two_factor) {
        mount(tfBox, h('p', { class: 'notice' }, t('tf_on')), form({
          fields: [codeSpec],
          submitLabel: t('tf_disable'),
          onSubmit: async (v) => {
            await ctx.api('POST', 'user/2fa/disable', { code: v.code.trim() });
            toast(t('tf_disabled'), 'ok');
            await ctx.refreshMe();
            ctx.rerender();
          },
        }));
      } else {
        mount(tfBox, h('p', { class: 'muted' }, t('tf_off')), h('button', {
          type: 'button', class: 'btn btn-primary',
          onclick: async () => {
            const s = await ctx.api('POST', 'user/2fa/setup');
            mount(tfBox, h('p', {}, t('tf_scan')),
              h('div', { class: 'client' },
                h('div', { class: 'form' }, h('div', {}, h('h3', {}, t('tf_key')), copyField(s.secret, t('tf_key'))),
                  form({
                    fields: [codeSpec],
                    submitLabel: t('tf_enable'),
                    onSubmit: async (v) => {
                      await ctx.api('POST', 'user/2fa/enable', { code: v.code.trim() });
                      toast(t('tf_enabled'), 'ok');
                      await ctx.refreshMe();
                      ctx.rerender();
                    },
                  })),
                qrImg(s.otpauth_uri, 180, t('tf_qr'))));
            tfBox.querySelector('input[name=code]')?.focus();
          },
        }, t('tf_setup')));
      }
    };
    showTwoFactor();

    const loginsBox = h('div', {});
    const loadLogins = async (page) => {
      const p = await ctx.api('GET', `user/logins?page=${page}&per_page=10`);
      if (!ctx.alive()) return;
      mount(loginsBox, table([
        { label: t('when'), value: (r) => fmtDateTime(r.datetime) },
        { label: t('ip'), value: (r) => r.ip },
        { label: t('result'), value: (r) => (r.failed ? badge(t('failed'), 'danger') : badge(t('ok'), 'ok')) },
      ], p.items, { empty: t('none') }), pager(p.page, p.per_page, p.total, loadLogins));
    };

    const sessionsCard = card(t('sessions'), h('p', { class: 'muted' }, t('sessions_help')),
      h('button', {
        type: 'button', class: 'btn btn-danger',
        onclick: async () => {
          if (!(await confirmDialog(t('logout_all_confirm'), { okLabel: t('logout_all') }))) return;
          await ctx.api('POST', 'user/logout-all');
          ctx.logout();
        },
      }, t('logout_all')));

    const deleteCard = me.can_delete_account ? card(t('delete'), h('p', { class: 'muted' }, t('delete_help')), form({
      fields: [{ name: 'password', label: t('delete_password'), type: 'password', required: true, autocomplete: 'current-password' }],
      submitLabel: t('delete'),
      onSubmit: async (v) => {
        if (!(await confirmDialog(t('delete_help'), { okLabel: t('delete'), danger: true }))) return;
        await ctx.api('DELETE', 'user/me', { password: v.password });
        toast(t('deleted'), 'ok');
        ctx.logout();
      },
    })) : null;

    mount(el, h('h1', {}, t('title')), h('div', { class: 'grid' }, passwordCard, tfCard), card(t('logins'), loginsBox), sessionsCard, deleteCard);
    await loadLogins(1);
  },
};
