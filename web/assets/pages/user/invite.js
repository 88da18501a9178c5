import { h, mount, card, dl, copyField, qrImg, table, fmtMoney, fmtDateTime } from '../../ui.js';

export default {
  path: '/invite',
  title: 'title',
  nav: true,
  strings: {
    en: {
      title: 'Invite',
      intro: 'Share your link: you earn a commission when people you invite pay.',
      code: 'Invite code',
      link: 'Invite link',
      invited: 'People invited',
      total: 'Commission earned',
      history: 'Commission history',
      from: 'From user',
      amount: 'Amount',
      date: 'Date',
      none: 'No commissions yet.',
      qr: 'QR code of the invite link',
    },
    'zh-CN': {
      title: '邀请',
      intro: '分享你的邀请链接：受邀用户付款后你将获得返利。',
      code: '邀请码',
      link: '邀请链接',
      invited: '已邀请人数',
      total: '累计返利',
      history: '返利记录',
      from: '来自用户',
      amount: '金额',
      date: '时间',
      none: '暂无返利记录。',
      qr: '邀请链接二维码',
    },
  },
  async render(el, ctx) {
    const { t } = ctx;
    const inv = await ctx.api('GET', 'user/invite');
    const link = inv.link || `${location.origin}/#/signup?code=${encodeURIComponent(inv.code)}`;
    mount(el, h('h1', {}, t('title')),
      h('p', { class: 'muted' }, t('intro')),
      card(null, h('div', { class: 'client' },
        h('div', { class: 'form' },
          h('div', {}, h('h3', {}, t('code')), copyField(inv.code, t('code'))),
          h('div', {}, h('h3', {}, t('link')), copyField(link, t('link'))),
          dl([[t('invited'), String(inv.invited ?? 0)], [t('total'), fmtMoney(inv.commission_total)]])),
        qrImg(link, 160, t('qr')))),
      card(t('history'), table([
        { label: t('from'), value: (c) => `#${c.from_user}` },
        { label: t('amount'), value: (c) => fmtMoney(c.amount), class: 'num' },
        { label: t('date'), value: (c) => fmtDateTime(c.datetime) },
      ], inv.commissions || [], { empty: t('none') })));
  },
};
