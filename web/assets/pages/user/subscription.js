import { h, mount, card, copyField, qrImg, confirmDialog, toast, empty } from '../../ui.js';

// One entry per client format the API serves (`/sub/{token}/{target}`), with the client's own
// one-click import link where it has one.
const CLIENTS = [
  { id: 'clash', name: 'Clash / Mihomo / Stash', target: 'clash', importUrl: (u, n) => `clash://install-config?url=${enc(u)}&name=${enc(n)}` },
  { id: 'singbox', name: 'sing-box', target: 'singbox', importUrl: (u, n) => `sing-box://import-remote-profile?url=${enc(u)}#${enc(n)}` },
  { id: 'shadowrocket', name: 'Shadowrocket', target: 'shadowrocket', importUrl: (u, n) => `shadowrocket://add/sub://${b64(u)}?remark=${enc(n)}` },
  { id: 'quanx', name: 'Quantumult X', target: 'quanx', importUrl: (u, n) => `quantumult-x:///add-resource?remote-resource=${enc(JSON.stringify({ server_remote: [`${u}, tag=${n}`] }))}` },
  { id: 'surge', name: 'Surge / Loon', target: 'surge', importUrl: (u) => `surge:///install-config?url=${enc(u)}` },
  { id: 'v2rayn', name: 'v2rayN / v2rayNG (base64)', target: 'v2rayn', importUrl: (u, n) => `v2rayng://install-sub?url=${enc(u)}&name=${enc(n)}` },
  { id: 'sip008', name: 'Shadowsocks (SIP008)', target: 'sip008', importUrl: null },
];

function enc(s) {
  return encodeURIComponent(s);
}

function b64(s) {
  return btoa(String.fromCharCode(...new TextEncoder().encode(s)));
}

export default {
  path: '/subscription',
  title: 'title',
  nav: true,
  strings: {
    en: {
      title: 'Subscription',
      intro: 'Add one of these links to your client. Keep them private: anyone with a link can use your plan.',
      universal: 'Universal link',
      universal_help: 'Detects the client from its User-Agent; works for most clients.',
      classic: 'Classic SSPanel link',
      import: 'Import into {name}',
      link_for: 'Subscription link for {name}',
      qr_for: 'QR code of the {name} link',
      reset: 'Reset links',
      reset_confirm: 'Make new links? The current links stop working at once and every client must be updated.',
      reset_done: 'New links made.',
      reset_all: 'Reset links and proxy credentials',
      reset_all_confirm: 'Make new links and a new proxy password and UUID? Profiles already downloaded (Clash, sing-box…) carry the old password and UUID: they stop connecting, and every client must import its subscription again.',
      reset_all_done: 'New links, password and UUID made: update every client.',
      leak_note: 'A leaked link can be replaced with "Reset links"; a leaked profile (a Clash or sing-box file, a share link) carries your proxy password and UUID, which only "Reset links and proxy credentials" replaces.',
      none: 'No subscription yet.',
    },
    'zh-CN': {
      title: '订阅',
      intro: '将以下链接添加到客户端。请勿泄露：任何人拿到链接都能使用你的套餐。',
      universal: '通用链接',
      universal_help: '根据客户端 User-Agent 自动识别格式，适用于大多数客户端。',
      classic: 'SSPanel 经典链接',
      import: '一键导入 {name}',
      link_for: '{name} 订阅链接',
      qr_for: '{name} 链接的二维码',
      reset: '重置订阅链接',
      reset_confirm: '生成新链接？当前链接会立即失效，所有客户端都需要更新。',
      reset_done: '已生成新链接。',
      reset_all: '重置订阅链接和连接凭据',
      reset_all_confirm: '生成新的订阅链接以及新的连接密码和 UUID？已下载的配置（Clash、sing-box 等）带有旧的密码和 UUID，将无法连接，所有客户端都需要重新导入订阅。',
      reset_all_done: '已生成新的链接、密码和 UUID，请更新所有客户端。',
      leak_note: '链接泄露时用「重置订阅链接」即可；配置文件（Clash 或 sing-box 文件、分享链接）泄露时，其中带有你的连接密码和 UUID，只有「重置订阅链接和连接凭据」才能更换。',
      none: '暂无订阅。',
    },
  },
  async render(el, ctx) {
    const { t } = ctx;
    const me = await ctx.refreshMe();
    const sub = me.subscription;
    if (!sub) {
      mount(el, h('h1', {}, t('title')), empty(t('none')));
      return;
    }
    const site = document.title.split(' · ').pop() || 'spanel';
    const resetBtn = h('button', {
      type: 'button', class: 'btn btn-danger',
      onclick: async () => {
        if (!(await confirmDialog(t('reset_confirm'), { okLabel: t('reset') }))) return;
        await ctx.api('POST', 'user/sub/reset');
        toast(t('reset_done'), 'ok');
        ctx.rerender();
      },
    }, t('reset'));
    const resetAllBtn = h('button', {
      type: 'button', class: 'btn btn-danger',
      onclick: async () => {
        if (!(await confirmDialog(t('reset_all_confirm'), { okLabel: t('reset_all') }))) return;
        await ctx.api('POST', 'user/sub/reset');
        await ctx.api('POST', 'user/proxy/reset', { what: 'passwd' });
        await ctx.api('POST', 'user/proxy/reset', { what: 'uuid' });
        toast(t('reset_all_done'), 'ok');
        ctx.rerender();
      },
    }, t('reset_all'));
    mount(el, h('div', { class: 'spread' }, h('h1', {}, t('title')), h('div', { class: 'row' }, resetBtn, resetAllBtn)),
      h('p', { class: 'muted' }, t('intro')),
      h('p', { class: 'muted' }, t('leak_note')),
      card(t('universal'), h('div', { class: 'client' },
        h('div', {}, copyField(sub.url, t('universal')), h('p', { class: 'muted' }, t('universal_help'))),
        qrImg(sub.url, 140, t('qr_for', { name: t('universal') })))),
      CLIENTS.map((c) => {
        const url = `${sub.url}/${c.target}`;
        return h('section', { class: 'card', 'data-client': c.id, 'aria-labelledby': `client-${c.id}` },
          h('h2', { id: `client-${c.id}` }, c.name),
          h('div', { class: 'client' },
            h('div', {}, copyField(url, t('link_for', { name: c.name })),
              c.importUrl ? h('p', {}, h('a', { class: 'btn btn-primary', href: c.importUrl(url, site) }, t('import', { name: c.name }))) : null),
            qrImg(url, 140, t('qr_for', { name: c.name }))));
      }),
      card(t('classic'), copyField(sub.classic_url, t('classic'))));
  },
};
