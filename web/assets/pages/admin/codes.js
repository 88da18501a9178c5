import { h, mount, card, table, pager, badge, form, toast, fmtMoney, fmtDateTime } from '../../ui.js';

export default {
  path: '/admin/codes',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Redeem codes',
      new_codes: 'New codes',
      kind: 'Kind',
      k_balance: 'Balance',
      k_traffic: 'Traffic (GB)',
      k_days: 'Account days',
      k_class: 'Class',
      class: 'Class (1–10000)',
      amount: 'Amount',
      amount_help: 'Money for balance codes, GB for traffic, days for account time or a class.',
      count: 'How many',
      prefix: 'Prefix',
      created: '{n} codes created.',
      fresh: 'The new codes (copy them now)',
      filter: 'Show',
      all: 'All',
      unused: 'Unused',
      used: 'Used',
      code: 'Code',
      value: 'Value',
      state: 'State',
      by: 'Used by',
      at: 'Used at',
      none: 'No codes.',
    },
    'zh-CN': {
      title: '兑换码',
      new_codes: '生成兑换码',
      kind: '类型',
      k_balance: '余额',
      k_traffic: '流量（GB）',
      k_days: '账号天数',
      k_class: '等级',
      class: '等级（1–10000）',
      amount: '数额',
      amount_help: '余额码为金额，流量码为 GB，账号时长或等级为天数。',
      count: '数量',
      prefix: '前缀',
      created: '已生成 {n} 个兑换码。',
      fresh: '新生成的兑换码（请立即复制）',
      filter: '显示',
      all: '全部',
      unused: '未使用',
      used: '已使用',
      code: '兑换码',
      value: '面值',
      state: '状态',
      by: '使用者',
      at: '使用时间',
      none: '暂无兑换码。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const used = ctx.query.used;
    const page = Number(ctx.query.page) || 1;
    const q = used === 'true' || used === 'false' ? `&used=${used}` : '';
    const codes = await api('GET', `admin/codes?page=${page}&per_page=20${q}`);
    const kindOf = (type) => (type === -1 ? 'balance' : type === 10001 ? 'traffic' : type === 10002 ? 'days' : 'class');
    const valueOf = (c) => {
      const k = kindOf(c.type);
      if (k === 'balance') return fmtMoney(c.number);
      if (k === 'class') return `${t('k_class')} ${c.type} · ${c.number} d`;
      return `${c.number} ${k === 'traffic' ? 'GB' : 'd'}`;
    };
    const fresh = h('div', {});
    const create = form({
      fields: [
        { name: 'kind', label: t('kind'), type: 'select', value: 'balance', options: ['balance', 'traffic', 'days', 'class'].map((k) => ({ value: k, label: t(`k_${k}`) })) },
        { name: 'class', label: t('class'), type: 'number', value: 1, attrs: { min: 1, max: 10000 } },
        { name: 'amount', label: t('amount'), required: true, help: t('amount_help'), value: '10.00', attrs: { inputmode: 'decimal' } },
        { name: 'count', label: t('count'), type: 'number', required: true, value: 10, attrs: { min: 1, max: 1000 } },
        { name: 'prefix', label: t('prefix'), attrs: { maxlength: 32 } },
      ],
      submitLabel: t('ui.create'),
      onSubmit: async (v) => {
        const type = { balance: -1, traffic: 10001, days: 10002, class: Number(v.class) }[v.kind];
        const r = await api('POST', 'admin/codes', { type, amount: String(v.amount).trim(), count: Number(v.count), prefix: v.prefix.trim() });
        toast(t('created', { n: r.codes.length }), 'ok');
        mount(fresh, card(t('fresh'), h('pre', { class: 'pre', 'data-testid': 'new-codes' }, r.codes.join('\n'))));
        await refresh();
      },
    });
    const listBox = h('div', {});
    const filter = h('label', { class: 'row' }, t('filter'), ' ',
      h('select', {
        onchange: (e) => ctx.navigate(`/admin/codes${e.target.value ? `?used=${e.target.value}` : ''}`),
      }, [['', t('all')], ['false', t('unused')], ['true', t('used')]].map(([v, l]) => h('option', { value: v, selected: (used || '') === v }, l))));
    async function refresh() {
      const data = codes && !refresh.called ? codes : await api('GET', `admin/codes?page=${page}&per_page=20${q}`);
      refresh.called = true;
      if (!ctx.alive()) return;
      mount(listBox, table([
        { label: t('code'), value: (c) => h('code', {}, c.code) },
        { label: t('kind'), value: (c) => t(`k_${kindOf(c.type)}`) },
        { label: t('value'), value: valueOf, class: 'num' },
        { label: t('state'), value: (c) => (c.isused ? badge(t('used')) : badge(t('unused'), 'ok')) },
        { label: t('by'), value: (c) => (c.userid ? h('a', { href: `#/admin/users/${c.userid}` }, `#${c.userid}`) : '') },
        { label: t('at'), value: (c) => (c.isused ? fmtDateTime(c.usedatetime) : '') },
      ], data.items, { empty: t('none') }), pager(data.page, data.per_page, data.total, (p) => ctx.navigate(`/admin/codes?page=${p}${q}`)));
    }
    mount(el, h('h1', {}, t('title')), card(t('new_codes'), create), fresh, card(null, filter, listBox));
    await refresh();
  },
};
