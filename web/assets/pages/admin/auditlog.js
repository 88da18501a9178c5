// The admin audit log made readable: action names in both languages and the JSON details as a
// key/value list ({"changes": {"class": {"from": "0", "to": "2"}}} → "class: 0 → 2").
// Used by the audit-log page and by any page that shows a target's log rows.
import { h } from '../../ui.js';
import { getLang } from '../../i18n.js';

const ACTIONS = {
  'user.create': ['User created', '创建用户'],
  'user.edit': ['User edited', '编辑用户'],
  'user.enable': ['User enabled', '启用用户'],
  'user.disable': ['User disabled', '禁用用户'],
  'user.reset_traffic': ['Traffic reset', '重置流量'],
  'user.reset_password': ['Password reset', '重置密码'],
  'user.2fa_disable': ['Two-factor login turned off', '关闭两步验证'],
  'node.create': ['Node added', '添加节点'],
  'node.update': ['Node edited', '编辑节点'],
  'node.delete': ['Node deleted', '删除节点'],
  'plan.create': ['Plan created', '创建套餐'],
  'plan.update': ['Plan edited', '编辑套餐'],
  'plan.off_sale': ['Plan taken off sale', '套餐下架'],
  'coupon.create': ['Coupon created', '创建优惠码'],
  'coupon.delete': ['Coupon deleted', '删除优惠码'],
  'code.create': ['Codes generated', '生成兑换码'],
  'bought.refund': ['Purchase refunded', '购买退款'],
  'announcement.create': ['Announcement published', '发布公告'],
  'announcement.update': ['Announcement edited', '编辑公告'],
  'announcement.delete': ['Announcement deleted', '删除公告'],
  'ticket.reply': ['Ticket answered', '回复工单'],
  'ticket.close': ['Ticket closed', '关闭工单'],
  'setting.update': ['Setting changed', '修改设置'],
};

const KEYS = {
  reason: ['Reason', '原因'],
  changes: ['Changes', '修改'],
  from: ['From', '原值'],
  to: ['To', '新值'],
  changed: ['Changed', '已修改'],
  name: ['Name', '名称'],
  server: ['Server', '服务器'],
  amount: ['Amount', '金额'],
  user_id: ['User', '用户'],
  count: ['Count', '数量'],
  type: ['Type', '类型'],
  prefix: ['Prefix', '前缀'],
  price: ['Price', '价格'],
  status: ['Status', '状态'],
  content: ['Content', '内容'],
  was_enabled: ['Was on', '原先开启'],
  custom_config: ['Custom config', '自定义配置'],
};

const zh = () => getLang() === 'zh-CN';

/** A readable name for an action such as `user.edit`; unknown actions read as their words. */
export function actionLabel(action) {
  const known = ACTIONS[action];
  if (known) return known[zh() ? 1 : 0];
  const words = String(action).replace(/[._]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function keyLabel(k) {
  const known = KEYS[k];
  return known ? known[zh() ? 1 : 0] : k.replace(/_/g, ' ');
}

function scalar(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return zh() ? (v ? '是' : '否') : (v ? 'yes' : 'no');
  return String(v);
}

function isChange(v) {
  return v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 2 && 'from' in v && 'to' in v;
}

function valueNode(v) {
  if (isChange(v)) return h('span', { class: 'change' }, scalar(v.from), ' → ', scalar(v.to));
  if (Array.isArray(v)) return v.map(scalar).join(', ') || '—';
  if (v && typeof v === 'object') return detailList(v);
  return scalar(v);
}

/** The details (a JSON text or object) as a key/value list; empty details read as "—". */
export function detailList(detail) {
  let obj = detail;
  if (typeof detail === 'string') {
    try { obj = JSON.parse(detail); } catch { return h('span', { class: 'pre' }, detail); }
  }
  if (obj === null || typeof obj !== 'object') return scalar(obj);
  if (isChange(obj)) return valueNode(obj);
  const entries = Object.entries(obj);
  if (!entries.length) return '—';
  return h('dl', { class: 'kv kv-compact' }, entries.map(([k, v]) => [h('dt', {}, keyLabel(k)), h('dd', {}, valueNode(v))]));
}
