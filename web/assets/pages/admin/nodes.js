import { h, mount, card, table, badge, confirmDialog, toast, fmtBytes, fmtDateTime } from '../../ui.js';
import { protocolName } from './common.js';

const REFRESH_MS = 30000;

export default {
  path: '/admin/nodes',
  title: 'title',
  nav: true,
  admin: true,
  strings: {
    en: {
      title: 'Nodes',
      new_node: 'New node',
      id: 'ID',
      name: 'Name',
      protocol: 'Protocol',
      state: 'State',
      online: 'online',
      offline: 'offline',
      never: 'never reported',
      hidden: 'disabled',
      users: 'Users online',
      load: 'Load',
      uptime: 'Uptime',
      bandwidth: 'Bandwidth used',
      edit: 'Edit',
      edit_node: 'Edit node {name}',
      delete_node: 'Delete node {name}',
      confirm_delete: 'Delete node {name} and its logs? This cannot be undone.',
      deleted: 'Node deleted.',
      none: 'No nodes yet.',
      summary: '{online} of {total} online · refreshed every 30 s',
      days: '{n} d',
      hours: '{n} h',
    },
    'zh-CN': {
      title: '节点',
      new_node: '新建节点',
      id: 'ID',
      name: '名称',
      protocol: '协议',
      state: '状态',
      online: '在线',
      offline: '离线',
      never: '从未上报',
      hidden: '已停用',
      users: '在线用户',
      load: '负载',
      uptime: '运行时间',
      bandwidth: '已用流量',
      edit: '编辑',
      edit_node: '编辑节点 {name}',
      delete_node: '删除节点 {name}',
      confirm_delete: '删除节点 {name} 及其日志？此操作无法撤销。',
      deleted: '节点已删除。',
      none: '暂无节点。',
      summary: '{online} / {total} 在线 · 每 30 秒刷新',
      days: '{n} 天',
      hours: '{n} 小时',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const uptime = (s) => {
      if (s === null || s === undefined) return '—';
      return s >= 86400 ? t('days', { n: (s / 86400).toFixed(1) }) : t('hours', { n: (s / 3600).toFixed(1) });
    };
    const state = (n, s) => {
      if (n.type === 0) return badge(t('hidden'), 'warn');
      if (!s || s.heartbeat_age === null) return badge(t('never'));
      return s.online ? badge(t('online'), 'ok') : badge(t('offline'), 'danger');
    };
    const remove = async (n) => {
      if (!(await confirmDialog(t('confirm_delete', { name: n.name }), { okLabel: t('ui.delete'), danger: true }))) return;
      await api('DELETE', `admin/nodes/${n.id}`);
      toast(t('deleted'), 'ok');
      ctx.rerender();
    };
    const body = h('div', {});
    // The periodic refresh is quiet: a failed poll keeps the last table instead of toasting.
    const draw = async (opts) => {
      const [nodes, status] = await Promise.all([api('GET', 'admin/nodes', undefined, opts), api('GET', 'admin/nodes/status', undefined, opts)]);
      if (!ctx.alive()) return;
      const byId = new Map(status.map((s) => [s.id, s]));
      mount(body,
        h('p', { class: 'muted', 'aria-live': 'polite' }, t('summary', { online: status.filter((s) => s.online).length, total: nodes.length })),
        table([
          { label: t('id'), value: (n) => String(n.id), class: 'num' },
          { label: t('name'), value: (n) => [h('a', { href: `#/admin/nodes/${n.id}` }, n.name), h('div', { class: 'muted' }, n.server)] },
          { label: t('protocol'), value: (n) => protocolName(n.sort) },
          { label: t('state'), value: (n) => [state(n, byId.get(n.id)), n.node_heartbeat ? h('div', { class: 'muted' }, fmtDateTime(n.node_heartbeat)) : null] },
          { label: t('users'), value: (n) => String(byId.get(n.id)?.online_users ?? '—'), class: 'num' },
          { label: t('load'), value: (n) => [byId.get(n.id)?.load || '—', byId.get(n.id)?.uptime != null ? h('div', { class: 'muted' }, `${t('uptime')} ${uptime(byId.get(n.id).uptime)}`) : null] },
          { label: t('bandwidth'), value: (n) => `${fmtBytes(n.node_bandwidth)}${n.node_bandwidth_limit > 0 ? ` / ${fmtBytes(n.node_bandwidth_limit)}` : ''}` },
          {
            label: '',
            value: (n) => h('div', { class: 'row' },
              h('a', { class: 'btn btn-small', href: `#/admin/nodes/${n.id}`, 'aria-label': t('edit_node', { name: n.name }) }, t('edit')),
              h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': t('delete_node', { name: n.name }), onclick: () => remove(n) }, t('ui.delete'))),
          },
        ], nodes, { empty: t('none') }));
    };
    await draw();
    const timer = setInterval(() => { draw({ quiet: true }).catch(() => {}); }, REFRESH_MS);
    ctx.onCleanup(() => clearInterval(timer));
    mount(el,
      h('div', { class: 'spread' }, h('h1', {}, t('title')), h('a', { class: 'btn btn-primary', href: '#/admin/nodes/new' }, t('new_node'))),
      card(null, body));
  },
};
