import { h, mount, card, table, badge, fmtBytes, fmtMoney, fmtDateTime } from '../../ui.js';
import { CHART_STRINGS, chartCards } from './charts.js';

function stat(label, value, sub, testid) {
  return h('section', { class: 'card stat' }, h('h2', {}, label),
    h('div', { class: 'value', 'data-testid': testid }, value), sub ? h('div', { class: 'sub' }, sub) : null);
}

export default {
  path: '/admin/overview',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      ...CHART_STRINGS.en,
      title: 'Overview',
      charts: 'Last 30 days',
      traffic_sub: 'Finished hours and the current hour up to the last statistics write',
      users: 'Users',
      users_sub: '{enabled} enabled · {paid} paying',
      revenue_today: 'Revenue today',
      revenue_30d: 'Revenue, 30 days',
      traffic_today: 'Traffic today',
      nodes: 'Nodes online',
      nodes_sub: 'of {total} nodes',
      recent_alerts: 'Latest node alerts',
      recent_purchases: 'Latest purchases',
      all: 'See all',
      node: 'Node',
      kind: 'Event',
      time: 'Time',
      user: 'User',
      price: 'Price',
      down: 'down',
      up: 'up',
      no_alerts: 'No alerts.',
      no_purchases: 'No purchases yet.',
    },
    'zh-CN': {
      ...CHART_STRINGS['zh-CN'],
      title: '概览',
      charts: '最近 30 天',
      traffic_sub: '已结束的小时，加上当前小时截至最近一次统计写入的部分',
      users: '用户',
      users_sub: '{enabled} 个启用 · {paid} 个付费',
      revenue_today: '今日收入',
      revenue_30d: '30 天收入',
      traffic_today: '今日流量',
      nodes: '在线节点',
      nodes_sub: '共 {total} 个节点',
      recent_alerts: '最近的节点告警',
      recent_purchases: '最近的购买',
      all: '查看全部',
      node: '节点',
      kind: '事件',
      time: '时间',
      user: '用户',
      price: '价格',
      down: '离线',
      up: '恢复',
      no_alerts: '暂无告警。',
      no_purchases: '暂无购买记录。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const quiet = { quiet: true };
    const [ov, nodes, alerts, bought, charts] = await Promise.all([
      api('GET', 'admin/overview'),
      api('GET', 'admin/nodes', undefined, quiet).catch(() => []),
      api('GET', 'admin/nodes/alerts', undefined, quiet).catch(() => []),
      api('GET', 'admin/bought?per_page=5', undefined, quiet).catch(() => []),
      chartCards(ctx, ['revenue', 'orders', 'users', 'nodes-online'], 30),
    ]);
    const names = new Map(nodes.map((n) => [n.id, n.name]));
    mount(el,
      h('h1', {}, t('title')),
      h('div', { class: 'grid' },
        stat(t('users'), String(ov.users_total), t('users_sub', { enabled: ov.users_enabled, paid: ov.users_paid }), 'ov-users'),
        stat(t('revenue_today'), fmtMoney(ov.revenue_today), null, 'ov-revenue-today'),
        stat(t('revenue_30d'), fmtMoney(ov.revenue_30d), null, 'ov-revenue-30d'),
        stat(t('traffic_today'), fmtBytes(ov.traffic_today), t('traffic_sub'), 'ov-traffic'),
        stat(t('nodes'), String(ov.nodes_online), t('nodes_sub', { total: ov.nodes_total }), 'ov-nodes')),
      h('h2', {}, t('charts')),
      h('div', { class: 'grid' }, charts),
      h('div', { class: 'grid' },
        card(t('recent_alerts'),
          table([
            { label: t('time'), value: (a) => fmtDateTime(a.created_at) },
            { label: t('node'), value: (a) => names.get(a.node_id) || `#${a.node_id}` },
            { label: t('kind'), value: (a) => badge(t(a.kind), a.kind === 'down' ? 'danger' : 'ok') },
          ], alerts.slice(0, 5), { empty: t('no_alerts') }),
          h('p', {}, h('a', { href: '#/admin/alerts' }, t('all')))),
        card(t('recent_purchases'),
          table([
            { label: t('time'), value: (b) => fmtDateTime(b.datetime) },
            { label: t('user'), value: (b) => h('a', { href: `#/admin/users/${b.userid}` }, `#${b.userid}`) },
            { label: t('price'), value: (b) => fmtMoney(b.price), class: 'num' },
          ], bought, { empty: t('no_purchases') }),
          h('p', {}, h('a', { href: '#/admin/purchases' }, t('all'))))),
    );
  },
};
