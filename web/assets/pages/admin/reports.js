import { h, mount, card, table, barChart, empty, fmtBytes, fmtDateTime, fmtDate } from '../../ui.js';
import { api } from '../../app.js';
import { withQuery, morePager } from './common.js';
import { CHART_STRINGS, chartCards } from './charts.js';

const RANGES = { '1': 1, '7': 7, '30': 30 };

/** Fetches a CSV report through the API client (which handles an expired session) and saves it. */
async function downloadCsv(path, name) {
  const blob = await api('GET', path, undefined, { blob: true });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export default {
  path: '/admin/reports',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      ...CHART_STRINGS.en,
      title: 'Reports',
      range: 'Range',
      d1: 'Last 24 hours',
      d7: 'Last 7 days',
      d30: 'Last 30 days',
      usage: 'Traffic of all users',
      usage_label: 'Traffic per period of all users',
      total: 'Total: {v}',
      traffic: 'Traffic',
      top: 'Top users',
      nodes: 'Node bandwidth',
      user: 'User',
      email: 'E-mail',
      node: 'Node',
      used: 'Used',
      limit: 'Limit',
      csv: 'Download CSV',
      csv_of: 'Download {name} as CSV',
      none: 'No traffic in this range.',
      no_nodes: 'No nodes.',
      counted: 'Traffic is counted from the usage statistics spanel writes every few minutes: the finished hours and the current hour up to the last write, the same figures as the overview’s “Traffic today”. Nothing is counted while the setting enable_hourly_usage is off.',
      top_days: 'Top users count the finished hours (rolled up every minute) of whole UTC days, from {day}.',
      bandwidth_note: 'Bandwidth used since each node’s last monthly reset.',
    },
    'zh-CN': {
      ...CHART_STRINGS['zh-CN'],
      title: '报表',
      range: '时间范围',
      d1: '最近 24 小时',
      d7: '最近 7 天',
      d30: '最近 30 天',
      usage: '全部用户流量',
      usage_label: '全部用户各时段流量',
      total: '合计：{v}',
      traffic: '流量',
      top: '流量最多的用户',
      nodes: '节点流量',
      user: '用户',
      email: '邮箱',
      node: '节点',
      used: '已用',
      limit: '上限',
      csv: '下载 CSV',
      csv_of: '下载 CSV：{name}',
      none: '该时间范围内没有流量。',
      no_nodes: '暂无节点。',
      counted: '流量来自 spanel 每隔几分钟写入的用量统计：已结束的小时，加上当前小时截至最近一次写入的部分，与概览页的“今日流量”一致。设置 enable_hourly_usage 关闭时不统计。',
      top_days: '流量最多的用户按完整的 UTC 日中已结束的小时（每分钟汇总一次）统计，自 {day} 起。',
      bandwidth_note: '各节点自上次每月重置以来已用的流量。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const days = RANGES[ctx.query.days] ? Number(ctx.query.days) : 7;
    const page = Math.max(1, Number(ctx.query.page) || 1);
    const to = Math.floor(Date.now() / 1000);
    const from = to - days * 86400;
    const granularity = days === 1 ? 'hour' : 'day';
    const q = { from, to, granularity };
    const [usage, top, nodes, charts] = await Promise.all([
      api('GET', withQuery('admin/reports/usage', q)),
      api('GET', withQuery('admin/reports/top-users', { from, to, per_page: 20, page })),
      api('GET', 'admin/reports/nodes'),
      chartCards(ctx, ['traffic', 'node-traffic'], Math.max(days, 7)),
    ]);
    // One row per period (all users).
    const data = usage.rows.map((r) => ({ label: granularity === 'hour' ? fmtDateTime(r.period_start) : fmtDate(r.period_start), bytes: r.bytes }));
    const csv = (path, name, title) => h('button', {
      type: 'button', class: 'btn btn-small', 'aria-label': t('csv_of', { name: title }),
      onclick: () => downloadCsv(withQuery(path, { from, to, granularity, format: 'csv', per_page: 100, page }), `${name}.csv`).catch(() => {}),
    }, t('csv'));
    const rangePicker = h('div', { class: 'row' },
      h('label', { for: 'report-range' }, t('range')),
      h('select', { id: 'report-range', onchange: (e) => ctx.navigate(`/admin/reports?days=${e.target.value}`) },
        Object.keys(RANGES).map((d) => h('option', { value: d, selected: Number(d) === days }, t(`d${d}`)))));
    const topDay = new Date(top.from_day * 1000).toISOString().slice(0, 10);
    mount(el,
      h('div', { class: 'spread' }, h('h1', {}, t('title')), rangePicker),
      card(t('usage'),
        h('div', { class: 'spread' }, h('p', { 'data-testid': 'report-total' }, t('total', { v: fmtBytes(usage.total_bytes) })), csv('admin/reports/usage', 'usage', t('usage'))),
        data.length ? barChart(data, { series: [{ key: 'bytes', label: t('traffic') }], format: fmtBytes, label: t('usage_label') }) : empty(t('none')),
        h('p', { class: 'muted', 'data-testid': 'report-counted' }, t('counted'))),
      h('div', { class: 'grid' }, charts),
      // The tables take the page's width: in a grid column the traffic column was clipped.
      h('div', {},
        card(t('top'),
          h('div', { class: 'row' }, csv('admin/reports/top-users', 'top-users', t('top'))),
          table([
            { label: t('user'), value: (r) => h('a', { href: `#/admin/users/${r.user_id}` }, `#${r.user_id}`) },
            { label: t('email'), value: (r) => r.email },
            { label: t('traffic'), value: (r) => fmtBytes(r.bytes), class: 'num' },
          ], top.items, { empty: t('none') }),
          morePager(page, top.has_more, (p) => ctx.navigate(`/admin/reports?days=${days}&page=${p}`), t),
          h('p', { class: 'muted' }, t('top_days', { day: topDay }))),
        card(t('nodes'),
          h('div', { class: 'row' }, csv('admin/reports/nodes', 'nodes', t('nodes'))),
          table([
            { label: t('node'), value: (n) => h('a', { href: `#/admin/nodes/${n.node_id}` }, n.name) },
            { label: t('used'), value: (n) => fmtBytes(n.used), class: 'num' },
            { label: t('limit'), value: (n) => (n.limit > 0 ? fmtBytes(n.limit) : t('ui.unlimited')), class: 'num' },
          ], nodes, { empty: t('no_nodes') }),
          h('p', { class: 'muted' }, t('bandwidth_note')))),
    );
  },
};
