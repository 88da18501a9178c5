import { h, mount, card, dl, meter, toast, fmtBytes, fmtMoney, fmtDateTime, fmtDate, barChart, empty, richText } from '../../ui.js';

export default {
  path: '/dashboard',
  title: 'title',
  nav: true,
  strings: {
    en: {
      title: 'Dashboard',
      plan: 'Plan',
      current_plan: 'Current plan',
      no_plan: 'None yet',
      class: 'Class',
      class_expire: 'Class expires',
      account_expire: 'Account expires',
      traffic: 'Traffic',
      used: 'Used',
      left: 'Left',
      total: 'Total',
      today: 'Today',
      balance: 'Balance',
      top_up: 'Top up',
      buy: 'Buy a plan',
      usage: 'Traffic, last 30 days',
      usage_label: 'Daily traffic of the last 30 days',
      no_usage: 'No traffic recorded yet.',
      announcements: 'Announcements',
      all_announcements: 'All announcements',
      no_announcements: 'No announcements.',
      speed: 'Speed limit',
      devices: 'Devices',
      checkin: 'Check in for free traffic',
      checked_in: 'Checked in today: come back tomorrow.',
      got: 'Checked in: +{traffic}.',
    },
    'zh-CN': {
      title: '仪表盘',
      plan: '套餐',
      current_plan: '当前套餐',
      no_plan: '暂无',
      class: '等级',
      class_expire: '等级到期',
      account_expire: '账号到期',
      traffic: '流量',
      used: '已用',
      left: '剩余',
      total: '总量',
      today: '今日',
      balance: '余额',
      top_up: '充值',
      buy: '购买套餐',
      usage: '近 30 天流量',
      usage_label: '近 30 天每日流量',
      no_usage: '暂无流量记录。',
      announcements: '公告',
      all_announcements: '全部公告',
      no_announcements: '暂无公告。',
      speed: '限速',
      devices: '设备数',
      checkin: '签到领流量',
      checked_in: '今日已签到，明天再来。',
      got: '签到成功：+{traffic}。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const me = await ctx.refreshMe();
    const [usage, news, bought] = await Promise.all([
      api('GET', 'user/usage?days=30', undefined, { quiet: true }).catch(() => null),
      api('GET', 'user/announcements', undefined, { quiet: true }).catch(() => null),
      api('GET', 'user/bought', undefined, { quiet: true }).catch(() => []),
    ]);
    const tr = me.traffic;
    // Today's traffic as the chart counts it (the per-day rows), so both always agree.
    const todayRow = usage && usage.length ? usage[usage.length - 1] : null;
    const today = todayRow ? (todayRow.upload || 0) + (todayRow.download || 0) : tr.today;
    const checkin = me.can_check_in
      ? h('button', {
        type: 'button', class: 'btn btn-primary',
        onclick: async (e) => {
          e.target.disabled = true;
          try {
            const r = await api('POST', 'user/checkin');
            toast(t('got', { traffic: fmtBytes(r.traffic) }), 'ok');
          } finally {
            ctx.rerender();
          }
        },
      }, t('checkin'))
      : (me.last_check_in && Date.now() / 1000 - me.last_check_in < 86400 ? h('p', { class: 'muted', 'data-testid': 'checked-in' }, t('checked_in')) : null);
    const latest = bought && bought.find((b) => b.name);
    const unlimited = t('ui.unlimited');
    mount(el,
      h('h1', {}, t('title')),
      h('div', { class: 'grid' },
        card(t('plan'),
          dl([
            [t('current_plan'), latest ? latest.name : t('no_plan')],
            [t('class'), h('span', { 'data-testid': 'class' }, String(me.class))],
            [t('class_expire'), fmtDateTime(me.class_expire)],
            [t('account_expire'), fmtDateTime(me.expire_in)],
            [t('speed'), Number(me.node_speedlimit) > 0 ? `${me.node_speedlimit} Mbps` : unlimited],
            [t('devices'), me.node_connector > 0 ? String(me.node_connector) : unlimited],
          ]),
          h('p', {}, h('a', { class: 'btn', href: '#/shop' }, t('buy')))),
        card(t('traffic'),
          h('div', { class: 'stat' }, h('div', { class: 'value', 'data-testid': 'traffic-left' }, fmtBytes(tr.left)), h('div', { class: 'sub' }, t('left'))),
          meter(tr.used, tr.total, t('used')),
          dl([
            [t('used'), fmtBytes(tr.used)],
            [t('total'), fmtBytes(tr.total)],
            [t('today'), h('span', { 'data-testid': 'traffic-today' }, fmtBytes(today))],
          ]),
          checkin),
        card(t('balance'),
          h('div', { class: 'stat' }, h('div', { class: 'value', 'data-testid': 'balance' }, fmtMoney(me.balance))),
          h('p', {}, h('a', { class: 'btn btn-primary', href: '#/topup' }, t('top_up')))),
      ),
      card(t('usage'), usageChart(usage, t)),
      card(t('announcements'),
        news && news.length
          ? [news.slice(0, 3).map((n) => h('article', { class: 'news' }, h('h3', {}, fmtDate(n.date)), richText(n.content))),
            h('p', {}, h('a', { href: '#/announcements' }, t('all_announcements')))]
          : empty(t('no_announcements'))),
    );
  },
};

function usageChart(usage, t) {
  if (!usage || usage.length === 0 || usage.every((d) => !d.upload && !d.download)) return empty(t('no_usage'));
  return barChart(usage.map((d) => ({ label: d.date, upload: d.upload, download: d.download })), {
    series: [{ key: 'download', label: t('ui.download') }, { key: 'upload', label: t('ui.upload') }],
    format: fmtBytes,
    label: t('usage_label'),
  });
}
