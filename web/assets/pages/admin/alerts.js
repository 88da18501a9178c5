import { h, mount, card, table, badge, fmtDateTime } from '../../ui.js';

export default {
  path: '/admin/alerts',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Node alerts',
      intro: 'A node silent past the offline timeout raises one "down" notice, and one "up" notice when it reports again.',
      time: 'Time',
      node: 'Node',
      kind: 'Event',
      detail: 'Detail',
      down: 'down',
      up: 'up',
      none: 'No alerts so far.',
    },
    'zh-CN': {
      title: '节点告警',
      intro: '节点超过离线超时未上报时记录一次“离线”，恢复上报时记录一次“恢复”。',
      time: '时间',
      node: '节点',
      kind: '事件',
      detail: '详情',
      down: '离线',
      up: '恢复',
      none: '暂无告警。',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const [alerts, nodes] = await Promise.all([
      api('GET', 'admin/nodes/alerts'),
      api('GET', 'admin/nodes', undefined, { quiet: true }).catch(() => []),
    ]);
    const names = new Map(nodes.map((n) => [n.id, n.name]));
    mount(el,
      h('h1', {}, t('title')),
      h('p', { class: 'muted' }, t('intro')),
      card(null, table([
        { label: t('time'), value: (a) => fmtDateTime(a.created_at) },
        { label: t('node'), value: (a) => (names.has(a.node_id) ? h('a', { href: `#/admin/nodes/${a.node_id}` }, names.get(a.node_id)) : `#${a.node_id}`) },
        { label: t('kind'), value: (a) => badge(t(a.kind), a.kind === 'down' ? 'danger' : 'ok') },
        { label: t('detail'), value: (a) => a.detail },
      ], alerts, { empty: t('none') })),
    );
  },
};
