// A user's record lists on their admin page (not a page: not listed in index.js). Each list is a
// card of its own, paged by the API (`admin/users/{id}/records/{kind}`), so one slow or failing
// list never holds back the others.

import { h, mount, card, table, badge, pager, fmtBytes, fmtMoney, fmtDate, fmtDateTime } from '../../ui.js';

export const RECORD_STRINGS = {
  en: {
    rec_topups: 'Top-ups',
    rec_purchases: 'Purchases',
    rec_orders: 'Plan checkouts',
    rec_balance: 'Balance changes',
    rec_commissions: 'Commissions earned',
    rec_logins: 'Logins',
    rec_subscriptions: 'Subscription pulls',
    rec_detect: 'Audit rule hits',
    rec_bans: 'Bans',
    rec_traffic: 'Traffic',
    col_time: 'Time',
    col_trade: 'Trade no.',
    col_amount: 'Amount',
    col_status: 'Status',
    col_plan: 'Plan',
    col_coupon: 'Coupon',
    col_renew: 'Renews',
    col_note: 'Note',
    col_purchase: 'Purchase',
    col_reason: 'Reason',
    col_change: 'Change',
    col_after: 'Balance after',
    col_invitee: 'From user',
    col_ip: 'IP address',
    col_result: 'Result',
    col_client: 'Client',
    col_from: 'Address · user agent',
    col_rule: 'Rule',
    col_node: 'Node',
    col_minutes: 'Minutes',
    col_hits: 'Hits',
    col_period: 'Period',
    col_upload: 'Upload',
    col_download: 'Download',
    paid: 'paid',
    unpaid: 'unpaid',
    off: 'off',
    ok: 'OK',
    failed: 'failed',
    none: 'None.',
    list_failed: 'This list could not be loaded.',
  },
  'zh-CN': {
    rec_topups: '充值记录',
    rec_purchases: '购买记录',
    rec_orders: '套餐结账',
    rec_balance: '余额变动',
    rec_commissions: '返利收入',
    rec_logins: '登录记录',
    rec_subscriptions: '订阅拉取',
    rec_detect: '审计规则触发',
    rec_bans: '封禁记录',
    rec_traffic: '流量',
    col_time: '时间',
    col_trade: '订单号',
    col_amount: '金额',
    col_status: '状态',
    col_plan: '套餐',
    col_coupon: '优惠码',
    col_renew: '续费',
    col_note: '备注',
    col_purchase: '购买',
    col_reason: '原因',
    col_change: '变动',
    col_after: '变动后余额',
    col_invitee: '来自用户',
    col_ip: 'IP 地址',
    col_result: '结果',
    col_client: '客户端',
    col_from: '地址 · User-Agent',
    col_rule: '规则',
    col_node: '节点',
    col_minutes: '分钟',
    col_hits: '次数',
    col_period: '时段',
    col_upload: '上传',
    col_download: '下载',
    paid: '已支付',
    unpaid: '未支付',
    off: '关闭',
    ok: '成功',
    failed: '失败',
    none: '暂无。',
    list_failed: '此列表加载失败。',
  },
};

const userLink = (id) => (id ? h('a', { href: `#/admin/users/${id}` }, `#${id}`) : '—');

/** The columns of each list (see the API's `UserRecord` schema for what each field holds). */
function columns(kind, t) {
  const time = { label: t('col_time'), value: (r) => fmtDateTime(r.at) };
  const money = (label) => ({ label, value: (r) => fmtMoney(r.amount), class: 'num' });
  switch (kind) {
    case 'topups': return [time, { label: t('col_trade'), value: (r) => r.title || '—' }, money(t('col_amount')),
      { label: t('col_status'), value: (r) => badge(r.state === 1 ? t('paid') : t('unpaid'), r.state === 1 ? 'ok' : '') }];
    case 'purchases': return [time, { label: t('col_plan'), value: (r) => r.title || `#${r.extra}` },
      { label: t('col_coupon'), value: (r) => r.detail || '—' }, money(t('col_amount')),
      { label: t('col_renew'), value: (r) => (r.state ? fmtDateTime(r.state) : t('off')) }];
    case 'orders': return [time, { label: t('col_status'), value: (r) => r.title }, money(t('col_amount')),
      { label: t('col_note'), value: (r) => r.detail || '—' }, { label: t('col_purchase'), value: (r) => (r.state ? `#${r.state}` : '—') }];
    case 'balance': return [time, { label: t('col_reason'), value: (r) => r.title }, money(t('col_change')),
      { label: t('col_after'), value: (r) => fmtMoney(r.detail), class: 'num' }];
    case 'commissions': return [time, { label: t('col_invitee'), value: (r) => userLink(r.state) }, money(t('col_amount'))];
    case 'logins': return [time, { label: t('col_ip'), value: (r) => r.title },
      { label: t('col_result'), value: (r) => (r.state === 1 ? badge(t('failed'), 'danger') : badge(t('ok'), 'ok')) }];
    case 'subscriptions': return [time, { label: t('col_client'), value: (r) => r.title }, { label: t('col_from'), value: (r) => r.detail }];
    case 'detect': return [time, { label: t('col_rule'), value: (r) => r.title || `#${r.state}` },
      { label: t('col_node'), value: (r) => r.detail || `#${r.extra}` }];
    case 'bans': return [time, { label: t('col_minutes'), value: (r) => String(r.state), class: 'num' },
      { label: t('col_hits'), value: (r) => String(r.extra), class: 'num' }];
    default: return [{ label: t('col_period'), value: (r) => (r.title === 'day' ? fmtDate(r.at) : fmtDateTime(r.at)) },
      { label: t('col_upload'), value: (r) => fmtBytes(r.state), class: 'num' },
      { label: t('col_download'), value: (r) => fmtBytes(r.extra), class: 'num' }];
  }
}

export const RECORD_KINDS = ['topups', 'purchases', 'orders', 'balance', 'commissions', 'logins',
  'subscriptions', 'detect', 'bans', 'traffic'];

/** The card of one list, loading its first page now and the others on demand. */
export function recordsCard(ctx, userId, kind) {
  const { t, api } = ctx;
  const body = h('div', {}, h('p', { class: 'loading' }, '…'));
  const load = async (page) => {
    const path = `admin/users/${userId}/records/${kind}?page=${page}&per_page=10`;
    let data;
    try {
      data = await api('GET', path, undefined, { quiet: true });
    } catch {
      if (ctx.alive()) mount(body, h('p', { class: 'muted' }, t('list_failed')));
      return;
    }
    if (!ctx.alive()) return;
    mount(body, table(columns(kind, t), data.items, { empty: t('none') }),
      pager(data.page, data.per_page, data.total, load));
  };
  load(1);
  return h('div', { 'data-testid': `records-${kind}` }, card(t(`rec_${kind}`), body));
}
