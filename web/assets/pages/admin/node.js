import { h, mount, card, form, field, lineChart, empty, toast, fmtDateTime } from '../../ui.js';
import { PROTOCOLS, toGb, fromGb } from './common.js';

export default {
  path: '/admin/nodes/:id',
  title: 'title',
  admin: true,
  strings: {
    en: {
      title: 'Node',
      title_new: 'New node',
      back: 'All nodes',
      settings: 'Settings',
      name: 'Name',
      server: 'Server address',
      protocol: 'Protocol',
      enabled: 'Enabled (listed to users and served to the node)',
      custom_config: 'Custom config (JSON object)',
      custom_config_help: 'Passed to the node backend as is, e.g. {"offset_port_user": 443}.',
      bad_json: 'Not valid JSON: {msg}',
      not_object: 'Must be a JSON object ({…}).',
      info: 'Description',
      traffic_rate: 'Traffic rate',
      node_class: 'Minimum class',
      node_group: 'Node group (0 = all)',
      speedlimit: 'Speed limit (Mbps, 0 = none)',
      bandwidth_limit: 'Bandwidth limit (GB, 0 = none)',
      reset_day: 'Bandwidth reset day of month (0 = never)',
      created: 'Node created.',
      saved: 'Node saved.',
      load: 'Load',
      load_label: 'Load average of node {name}',
      range: 'Range',
      h24: 'Last 24 hours',
      d7: 'Last 7 days',
      d30: 'Last 30 days',
      no_load: 'The node has not reported its load in this range.',
      m1: '1 min',
      m5: '5 min',
      m15: '15 min',
    },
    'zh-CN': {
      title: '节点',
      title_new: '新建节点',
      back: '全部节点',
      settings: '设置',
      name: '名称',
      server: '服务器地址',
      protocol: '协议',
      enabled: '启用（对用户显示并向节点下发）',
      custom_config: '自定义配置（JSON 对象）',
      custom_config_help: '原样传给节点后端，例如 {"offset_port_user": 443}。',
      bad_json: 'JSON 无效：{msg}',
      not_object: '必须是 JSON 对象（{…}）。',
      info: '描述',
      traffic_rate: '流量倍率',
      node_class: '最低等级',
      node_group: '节点分组（0 = 全部）',
      speedlimit: '限速（Mbps，0 = 不限）',
      bandwidth_limit: '流量上限（GB，0 = 不限）',
      reset_day: '每月流量重置日（0 = 不重置）',
      created: '节点已创建。',
      saved: '节点已保存。',
      load: '负载',
      load_label: '节点 {name} 的平均负载',
      range: '时间范围',
      h24: '最近 24 小时',
      d7: '最近 7 天',
      d30: '最近 30 天',
      no_load: '该时间范围内节点没有上报负载。',
      m1: '1 分钟',
      m5: '5 分钟',
      m15: '15 分钟',
    },
  },
  async render(el, ctx) {
    const { t, api } = ctx;
    const isNew = ctx.params.id === 'new';
    let node = {
      name: '', type: 1, server: '', custom_config: '{}', sort: 11, info: '', traffic_rate: 1,
      node_class: 0, node_group: 0, node_speedlimit: '0.00', node_bandwidth_limit: 0, bandwidthlimit_resetday: 0,
    };
    if (!isNew) {
      const nodes = await api('GET', 'admin/nodes');
      node = nodes.find((n) => String(n.id) === ctx.params.id);
      if (!node) throw new Error(`#${ctx.params.id}`);
    }
    let pretty = node.custom_config || '{}';
    try { pretty = JSON.stringify(JSON.parse(pretty), null, 2); } catch { /* shown as stored */ }
    const protocols = PROTOCOLS.some((p) => p.value === node.sort) ? PROTOCOLS : [...PROTOCOLS, { value: node.sort, label: String(node.sort) }];

    const configError = (text) => {
      let v;
      try { v = JSON.parse(text || '{}'); } catch (e) { return t('bad_json', { msg: e.message }); }
      return v && typeof v === 'object' && !Array.isArray(v) ? null : t('not_object');
    };
    const f = form({
      fields: [
        { name: 'name', label: t('name'), required: true, value: node.name, attrs: { maxlength: 128 } },
        { name: 'server', label: t('server'), required: true, value: node.server, attrs: { maxlength: 512 } },
        { name: 'sort', label: t('protocol'), type: 'select', value: node.sort, options: protocols },
        { name: 'enabled', label: t('enabled'), type: 'checkbox', value: node.type !== 0 },
        { name: 'custom_config', label: t('custom_config'), type: 'textarea', value: pretty, help: t('custom_config_help'), rows: 6, attrs: { spellcheck: 'false' } },
        { name: 'info', label: t('info'), value: node.info },
        { name: 'traffic_rate', label: t('traffic_rate'), type: 'number', value: node.traffic_rate, attrs: { min: 0, step: 'any' } },
        { name: 'node_class', label: t('node_class'), type: 'number', value: node.node_class, attrs: { min: 0 } },
        { name: 'node_group', label: t('node_group'), type: 'number', value: node.node_group, attrs: { min: 0 } },
        { name: 'node_speedlimit', label: t('speedlimit'), value: node.node_speedlimit, attrs: { inputmode: 'decimal' } },
        { name: 'node_bandwidth_limit', label: t('bandwidth_limit'), type: 'number', value: toGb(node.node_bandwidth_limit), attrs: { min: 0, step: 'any' } },
        { name: 'bandwidthlimit_resetday', label: t('reset_day'), type: 'number', value: node.bandwidthlimit_resetday, attrs: { min: 0, max: 31 } },
      ],
      submitLabel: isNew ? t('ui.create') : t('ui.save'),
      onSubmit: async (v) => {
        const bad = configError(v.custom_config);
        if (bad) {
          toast(bad, 'error');
          throw { errors: [{ field: 'custom_config', msg: bad }] };
        }
        const body = {
          name: v.name,
          server: v.server,
          sort: Number(v.sort),
          // `type` 0 hides the node; any other value is kept as it was.
          type: v.enabled ? (node.type || 1) : 0,
          custom_config: JSON.parse(v.custom_config || '{}'),
          info: v.info,
          traffic_rate: Number(v.traffic_rate),
          node_class: Number(v.node_class),
          node_group: Number(v.node_group),
          node_speedlimit: v.node_speedlimit.trim() || '0',
          node_bandwidth_limit: fromGb(v.node_bandwidth_limit || 0),
          bandwidthlimit_resetday: Number(v.bandwidthlimit_resetday),
        };
        if (isNew) {
          const created = await api('POST', 'admin/nodes', body);
          toast(t('created'), 'ok');
          ctx.navigate(`/admin/nodes/${created.id}`);
        } else {
          await api('PUT', `admin/nodes/${node.id}`, body);
          toast(t('saved'), 'ok');
          ctx.rerender();
        }
      },
    });
    // Checked while typing so a broken config is visible before saving.
    const cfg = f.elements.custom_config;
    cfg.addEventListener('input', () => {
      const bad = configError(cfg.value);
      const slot = f.querySelector('[data-error-for="custom_config"]');
      slot.textContent = bad || '';
      if (bad) cfg.setAttribute('aria-invalid', 'true'); else cfg.removeAttribute('aria-invalid');
    });

    const parts = [
      h('p', {}, h('a', { href: '#/admin/nodes' }, `← ${t('back')}`)),
      h('h1', {}, isNew ? t('title_new') : `${t('title')} ${node.name}`),
    ];
    if (!isNew) {
      const chartBox = h('div', {});
      const drawLoad = async (hours) => {
        const points = await api('GET', `admin/nodes/${node.id}/load?hours=${hours}`);
        if (!ctx.alive()) return;
        const data = points.map((p) => {
          const [m1, m5, m15] = String(p.load).trim().split(/[\s,]+/).map(Number);
          return { label: fmtDateTime(p.time), m1: m1 || 0, m5: m5 || 0, m15: m15 || 0 };
        });
        mount(chartBox, data.length
          ? lineChart(data, { series: [{ key: 'm1', label: t('m1') }, { key: 'm5', label: t('m5') }, { key: 'm15', label: t('m15') }], format: (v) => v.toFixed(2), label: t('load_label', { name: node.name }) })
          : empty(t('no_load')));
      };
      const range = field({
        name: 'hours', label: t('range'), type: 'select', value: 24,
        options: [{ value: 24, label: t('h24') }, { value: 168, label: t('d7') }, { value: 720, label: t('d30') }],
      });
      range.querySelector('select').addEventListener('change', (e) => drawLoad(Number(e.target.value)));
      await drawLoad(24);
      parts.push(card(t('load'), range, chartBox));
    }
    parts.push(card(t('settings'), f));
    mount(el, ...parts);
  },
};
