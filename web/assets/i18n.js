// Languages and strings. Shared strings live here; every page module carries its own
// `strings = { en: {...}, 'zh-CN': {...} }` and reads them through `ctx.t`, which looks in the
// page's strings first and then here. A key missing in a language falls back to English, then to
// the key itself.

export const LANGS = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '中文' },
];

const STORE_KEY = 'spanel.lang';

const common = {
  en: {
    'app.name': 'spanel',
    'app.skip': 'Skip to content',
    'app.menu': 'Menu',
    'app.language': 'Language',
    'app.logout': 'Log out',
    'app.admin': 'Admin',
    'app.user_center': 'User center',
    'app.balance': 'Balance',
    'app.not_found': 'Page not found.',
    'app.forbidden': 'Only administrators can open this page.',
    'app.load_failed': 'Could not load this page: {msg}',
    'app.network_error': 'Network error: the server did not answer.',
    'app.session_expired': 'Please log in again.',
    'app.loading': 'Loading…',
    'app.back_home': 'Back to the dashboard',
    'ui.save': 'Save',
    'ui.cancel': 'Cancel',
    'ui.close': 'Close',
    'ui.ok': 'OK',
    'ui.confirm': 'Confirm',
    'ui.delete': 'Delete',
    'ui.edit': 'Edit',
    'ui.create': 'Create',
    'ui.submit': 'Submit',
    'ui.copy': 'Copy',
    'ui.copied': 'Copied',
    'ui.copy_failed': 'Could not copy; select the text and copy it by hand.',
    'ui.empty': 'Nothing here yet.',
    'ui.prev': 'Previous',
    'ui.next': 'Next',
    'ui.page': 'Page {page} of {pages}',
    'ui.yes': 'Yes',
    'ui.no': 'No',
    'ui.qr': 'QR code',
    'ui.unlimited': 'Unlimited',
    'ui.never': 'Never',
    'ui.upload': 'Upload',
    'ui.download': 'Download',
    'ui.required': 'Required',
  },
  'zh-CN': {
    'app.name': 'spanel',
    'app.skip': '跳到正文',
    'app.menu': '菜单',
    'app.language': '语言',
    'app.logout': '退出登录',
    'app.admin': '管理',
    'app.user_center': '用户中心',
    'app.balance': '余额',
    'app.not_found': '页面不存在。',
    'app.forbidden': '只有管理员可以打开此页面。',
    'app.load_failed': '页面加载失败：{msg}',
    'app.network_error': '网络错误：服务器没有响应。',
    'app.session_expired': '请重新登录。',
    'app.loading': '加载中…',
    'app.back_home': '返回仪表盘',
    'ui.save': '保存',
    'ui.cancel': '取消',
    'ui.close': '关闭',
    'ui.ok': '确定',
    'ui.confirm': '确认',
    'ui.delete': '删除',
    'ui.edit': '编辑',
    'ui.create': '创建',
    'ui.submit': '提交',
    'ui.copy': '复制',
    'ui.copied': '已复制',
    'ui.copy_failed': '无法复制，请手动选择文本复制。',
    'ui.empty': '暂无内容。',
    'ui.prev': '上一页',
    'ui.next': '下一页',
    'ui.page': '第 {page} / {pages} 页',
    'ui.yes': '是',
    'ui.no': '否',
    'ui.qr': '二维码',
    'ui.unlimited': '不限',
    'ui.never': '从不',
    'ui.upload': '上传',
    'ui.download': '下载',
    'ui.required': '必填',
  },
};

function detect() {
  const saved = localStorage.getItem(STORE_KEY);
  if (saved && LANGS.some((l) => l.code === saved)) return saved;
  const nav = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
  return nav.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

let lang = detect();
document.documentElement.lang = lang;

export function getLang() {
  return lang;
}

/** Switches the language (remembered in localStorage); the caller re-renders. */
export function setLang(code) {
  if (!LANGS.some((l) => l.code === code)) return;
  lang = code;
  localStorage.setItem(STORE_KEY, code);
  document.documentElement.lang = code;
}

function fill(text, vars) {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

function lookup(dict, key) {
  if (!dict) return undefined;
  const own = dict[lang];
  if (own && key in own) return own[key];
  if (dict.en && key in dict.en) return dict.en[key];
  return undefined;
}

/** A translator that looks in `strings` (a page's own) before the shared strings. */
export function translator(strings) {
  return (key, vars) => {
    const text = lookup(strings, key) ?? lookup(common, key) ?? key;
    return fill(text, vars);
  };
}

/** The shared translator (no page strings). */
export const t = translator(null);
