import { h, mount, card, dl, badge, form, copyField, qrImg, confirmDialog, toast, empty } from '../../ui.js';

const FORMATS = { clash: 'Clash', singbox: 'sing-box', base64: 'v2rayN / Shadowrocket' };

export default {
  path: '/nodes',
  title: 'title',
  nav: true,
  strings: {
    en: {
      title: 'Nodes',
      none: 'No node is available to your account now (a plan may have run out).',
      online: 'online',
      offline: 'offline',
      remark: 'Remark',
      rate: 'Traffic rate',
      load: 'Load',
      users: 'Users online',
      protocol: 'Protocol',
      address: 'Address',
      link: 'Share link of {name}',
      show_qr: 'QR code',
      qr: 'QR code of {name}',
      not_in: 'Not in the {format} subscription: {reason}',
      settings: 'Connection settings',
      settings_help: 'Nodes use changes from their next poll (about a minute). Renewing a credential makes every downloaded profile stop working: import your subscription again.',
      port: 'Port',
      passwd: 'Password',
      uuid: 'UUID',
      renew: 'Renew',
      renew_confirm: 'Renew your {what}? Clients must import the subscription again.',
      renewed: '{what} renewed.',
      method: 'Encryption method',
      ssr_protocol: 'SSR protocol',
      obfs: 'SSR obfuscation',
      save: 'Save',
      saved: 'Saved.',
    },
    'zh-CN': {
      title: '节点',
      none: '你的账号当前没有可用节点（套餐可能已到期或流量已用完）。',
      online: '在线',
      offline: '离线',
      remark: '备注',
      rate: '流量倍率',
      load: '负载',
      users: '在线人数',
      protocol: '协议',
      address: '地址',
      link: '{name} 的分享链接',
      show_qr: '二维码',
      qr: '{name} 的二维码',
      not_in: '{format} 订阅中不包含此节点：{reason}',
      settings: '连接设置',
      settings_help: '节点会在下次拉取（约一分钟）后使用新设置。更换凭据后，已下载的配置全部失效，请重新导入订阅。',
      port: '端口',
      passwd: '连接密码',
      uuid: 'UUID',
      renew: '更换',
      renew_confirm: '更换{what}？客户端需要重新导入订阅。',
      renewed: '{what}已更换。',
      method: '加密方式',
      ssr_protocol: 'SSR 协议',
      obfs: 'SSR 混淆',
      save: '保存',
      saved: '已保存。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const [nodes, proxy] = await Promise.all([api('GET', 'user/nodes'), api('GET', 'user/proxy')]);
    const nodeCard = (n) => {
      const qrBox = h('div', {});
      return h('section', { class: 'card', 'data-node': n.id, 'aria-labelledby': `node-${n.id}` },
        h('div', { class: 'spread' }, h('h2', { id: `node-${n.id}` }, n.name), badge(n.online ? t('online') : t('offline'), n.online ? 'ok' : 'danger')),
        dl([
          n.remark ? [t('remark'), n.remark] : null,
          [t('rate'), `×${n.traffic_rate}`],
          [t('protocol'), n.protocol],
          [t('address'), `${n.server}:${n.port}`],
          n.load ? [t('load'), n.load] : null,
          n.online_users != null ? [t('users'), String(n.online_users)] : null,
        ]),
        n.link ? [copyField(n.link, t('link', { name: n.name })),
          h('button', { type: 'button', class: 'btn btn-small', onclick: () => mount(qrBox, qrImg(n.link, 180, t('qr', { name: n.name }))) }, t('show_qr')),
          qrBox] : null,
        n.not_in.map((l) => h('p', { class: 'notice' }, t('not_in', { format: FORMATS[l.format] || l.format, reason: l.reason }))));
    };
    const renew = (what, label) => h('button', {
      type: 'button', class: 'btn btn-small',
      'aria-label': `${t('renew')} ${label}`,
      onclick: async () => {
        if (!(await confirmDialog(t('renew_confirm', { what: label }), { okLabel: t('renew') }))) return;
        await api('POST', 'user/proxy/reset', { what });
        toast(t('renewed', { what: label }), 'ok');
        ctx.rerender();
      },
    }, t('renew'));
    const opts = (list, current) => [...new Set([current, ...list].filter(Boolean))].map((v) => ({ value: v, label: v }));
    const settings = card(t('settings'),
      h('p', { class: 'muted' }, t('settings_help')),
      dl([
        [t('port'), h('span', { class: 'row' }, h('span', { 'data-testid': 'proxy-port' }, String(proxy.port)), renew('port', t('port')))],
        [t('passwd'), h('span', { class: 'row' }, copyField(proxy.passwd, t('passwd')), renew('passwd', t('passwd')))],
        [t('uuid'), h('span', { class: 'row' }, copyField(proxy.uuid, t('uuid')), renew('uuid', t('uuid')))],
      ]),
      form({
        fields: [
          { name: 'method', label: t('method'), type: 'select', value: proxy.method, options: opts(proxy.methods, proxy.method) },
          { name: 'protocol', label: t('ssr_protocol'), type: 'select', value: proxy.protocol, options: opts(proxy.protocols, proxy.protocol) },
          { name: 'obfs', label: t('obfs'), type: 'select', value: proxy.obfs, options: opts(proxy.obfs_choices, proxy.obfs) },
        ],
        submitLabel: t('save'),
        onSubmit: async (v) => {
          await api('PUT', 'user/proxy', { method: v.method, protocol: v.protocol, obfs: v.obfs });
          toast(t('saved'), 'ok');
          ctx.rerender();
        },
      }));
    mount(el, h('h1', {}, t('title')),
      nodes.length ? nodes.map(nodeCard) : empty(t('none')),
      settings);
  },
};
