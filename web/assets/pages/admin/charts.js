// The admin charts (`GET admin/charts/{name}?days=N`), drawn with the SVG charts of ui.js.
// Not a page: the overview and reports pages show these cards. Pages spread CHART_STRINGS into
// their own strings so `ctx.t` finds the chart labels in both languages.

import { h, card, barChart, lineChart, empty, fmtBytes, fmtMoney } from '../../ui.js';

export const CHART_STRINGS = {
  en: {
    'chart.revenue': 'Money per day',
    'chart.orders': 'Orders per day',
    'chart.users': 'New and paying users per day',
    'chart.traffic': 'Traffic per day',
    'chart.node-traffic': 'Traffic per node',
    'chart.nodes-online': 'Nodes online',
    'chart.s.top_ups': 'Paid top-ups',
    'chart.s.purchases': 'Purchases',
    'chart.s.new': 'New users',
    'chart.s.paying': 'Paying users',
    'chart.s.bytes': 'Traffic',
    'chart.s.online': 'Online',
    'chart.s.total': 'Nodes',
    'chart.utc': 'Days are UTC days.',
    'chart.none': 'Nothing in this range.',
    'chart.failed': 'This chart could not be loaded.',
  },
  'zh-CN': {
    'chart.revenue': '每日金额',
    'chart.orders': '每日订单数',
    'chart.users': '每日新用户与付费用户',
    'chart.traffic': '每日流量',
    'chart.node-traffic': '各节点流量',
    'chart.nodes-online': '在线节点数',
    'chart.s.top_ups': '已支付充值',
    'chart.s.purchases': '购买',
    'chart.s.new': '新用户',
    'chart.s.paying': '付费用户',
    'chart.s.bytes': '流量',
    'chart.s.online': '在线',
    'chart.s.total': '节点总数',
    'chart.utc': '按 UTC 日期统计。',
    'chart.none': '该时间范围内没有数据。',
    'chart.failed': '无法加载此图表。',
  },
};

const FORMATS = { bytes: fmtBytes, money: fmtMoney, count: String };

/** A unix time as a UTC day ("2026-01-02") or, for hourly points, a UTC hour. */
function utcLabel(at, hourly) {
  const iso = new Date(at * 1000).toISOString();
  return hourly ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

/** The chart's points as rows for barChart/lineChart: { label, <series>: number }. */
function rows(chart) {
  const hourly = chart.name === 'nodes-online' && chart.days <= 7;
  return chart.points.map((p) => {
    const row = { label: p.label || utcLabel(p.at, hourly) };
    chart.series.forEach((s, i) => { row[s] = Number(p.values[i]); });
    return row;
  });
}

/** Loads chart `name` over `days` days; resolves to a card that shows it (or says why not). */
export async function chartCard(ctx, name, days) {
  const { t, api } = ctx;
  const title = t(`chart.${name}`);
  let chart;
  try {
    chart = await api('GET', `admin/charts/${name}?days=${days}`, undefined, { quiet: true });
  } catch {
    const c = card(title, empty(t('chart.failed')));
    c.dataset.testid = `chart-${name}`;
    return c;
  }
  const data = rows(chart);
  const series = chart.series.map((s) => ({ key: s, label: t(`chart.s.${s}`) }));
  const format = FORMATS[chart.unit] || String;
  const any = data.some((d) => chart.series.some((s) => d[s] > 0));
  // One series stacks as bars; several (which overlap: purchases are paid from top-ups) as lines.
  const draw = series.length > 1 ? lineChart : barChart;
  const c = card(title,
    any ? draw(data, { series, format, label: title }) : empty(t('chart.none')),
    name === 'node-traffic' || name === 'nodes-online' ? null : h('p', { class: 'muted' }, t('chart.utc')));
  c.dataset.testid = `chart-${name}`;
  return c;
}

/** Cards for several charts, loaded together. */
export function chartCards(ctx, names, days) {
  return Promise.all(names.map((n) => chartCard(ctx, n, days)));
}
