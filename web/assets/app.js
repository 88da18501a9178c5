// The application shell: API client, session, hash router and the page layout.
// Page modules are listed in pages/user/index.js and pages/admin/index.js (see web/README.md).

import { LANGS, getLang, setLang, t, translator } from './i18n.js';
import { h, mount, toast, fmtMoney, setPanelOffset } from './ui.js';
import userPages from './pages/user/index.js';
import adminPages from './pages/admin/index.js';

const API_BASE = '/app/api/v0';
const TOKEN_KEY = 'spanel.token';

// ---- API client -------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(message, status, errors) {
    super(message);
    this.status = status;
    this.errors = errors || [];
  }
}

export function getToken() {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/**
 * Calls the JSON API and returns the envelope's `data`.
 * `path` is relative to /app/api/v0 (`'user/me'`), or absolute when it starts with '/'.
 * On failure the envelope's `msg` is shown as a toast (unless `opts.quiet`) and an ApiError
 * {message, status, errors} is thrown. A 401 also ends the session and goes to the login page.
 * With `opts.blob` a successful answer is returned as a Blob (a CSV report, a file) instead.
 */
export async function api(method, path, body, opts = {}) {
  const url = path.startsWith('/') ? path : `${API_BASE}/${path}`;
  const headers = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let resp;
  try {
    resp = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    const err = new ApiError(t('app.network_error'), 0);
    if (!opts.quiet) toast(err.message, 'error');
    throw err;
  }
  if (opts.blob && resp.ok) return resp.blob();
  let env = null;
  try {
    env = await resp.json();
  } catch {
    // Not JSON: handled below as a failure with the HTTP status text.
  }
  if (resp.ok && env && env.ret === 1) return env.data;
  const err = new ApiError((env && env.msg) || `${resp.status} ${resp.statusText}`, resp.status, env && env.errors);
  if (resp.status === 401 && token) {
    setToken(null);
    session.me = null;
    toast(t('app.session_expired'), 'error');
    goLogin();
    err.shown = true;
    throw err;
  }
  if (!opts.quiet) {
    toast(err.message, 'error');
    err.shown = true;
  }
  throw err;
}

// ---- session ----------------------------------------------------------------------------------

const session = { me: null };

/** Reloads the logged-in account (`GET user/me`) and the header; returns it. */
export async function refreshMe() {
  session.me = await api('GET', 'user/me');
  setPanelOffset(session.me.datetime_offset);
  renderHeaderInfo();
  return session.me;
}

export function logout() {
  setToken(null);
  session.me = null;
  navigate('/login');
}

function goLogin() {
  const cur = currentLocation();
  if (cur.path === '/login' || cur.path === '/signup') return;
  const next = location.hash.slice(1) || '/dashboard';
  navigate(`/login?next=${encodeURIComponent(next)}`);
}

// ---- routing ----------------------------------------------------------------------------------

/** `/tickets/:id` → matcher returning params or null. */
function compile(pattern) {
  const names = [];
  const re = new RegExp(`^${pattern.replace(/\/:(\w+)/g, (_, n) => { names.push(n); return '/([^/]+)'; })}/?$`);
  return (path) => {
    const m = re.exec(path);
    if (!m) return null;
    const params = {};
    names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
    return params;
  };
}

const ROOT_ALIASES = { '/admin': '/admin/overview', '/user': '/dashboard' };

const routes = [...userPages, ...adminPages].map((page) => ({ page, match: compile(page.path) }));

function currentLocation() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return { path: path || '/', query: Object.fromEntries(new URLSearchParams(qs || '')) };
}

/** Goes to a route: navigate('/shop'), navigate('/tickets/3'). */
export function navigate(path) {
  const target = `#${path}`;
  if (location.hash === target) render();
  else location.hash = target;
}

let generation = 0;
let cleanups = [];

function runCleanups() {
  for (const fn of cleanups.splice(0)) {
    try { fn(); } catch { /* a cleanup failing must not stop the next page */ }
  }
}

async function render() {
  const gen = ++generation;
  runCleanups();
  document.querySelectorAll('dialog[open]').forEach((d) => d.close());
  const { path, query } = currentLocation();
  if (path === '/') {
    navigate(getToken() ? '/dashboard' : '/login');
    return;
  }
  // Section roots (what SSPanel's users type: /admin, /user) open the section's first page.
  const alias = ROOT_ALIASES[path.replace(/\/+$/, '')];
  if (alias) {
    // Replaced, not pushed: "back" must not land on the alias and bounce forward again.
    history.replaceState(null, '', `#${alias}`);
    render();
    return;
  }
  let found = null;
  for (const r of routes) {
    const params = r.match(path);
    if (params) { found = { page: r.page, params }; break; }
  }
  const page = found && found.page;
  if (getToken() && (path === '/login' || path === '/signup')) {
    // Already logged in: the forms would only start a second session.
    navigate('/dashboard');
    return;
  }
  if (page && !page.public && !getToken()) {
    goLogin();
    return;
  }
  if (getToken() && !session.me) {
    try {
      await refreshMe();
    } catch {
      if (gen !== generation) return;
      if (!getToken()) return; // 401: already sent to the login page
    }
    if (gen !== generation) return;
  }
  const me = session.me;
  const main = layout(page, me);
  // Each render gets its own container: a slow, superseded render writes into a detached node.
  const view = h('div', { class: 'view' });
  mount(main, view);
  if (!page) {
    mount(view, h('h1', {}, t('app.not_found')), h('p', {}, h('a', { href: '#/dashboard' }, t('app.back_home'))));
    document.title = `${t('app.not_found')} · ${t('app.name')}`;
    return;
  }
  const pt = translator(page.strings);
  document.title = `${pt(page.title)} · ${t('app.name')}`;
  if (page.admin && !(me && me.is_admin)) {
    mount(view, h('h1', {}, pt(page.title)), h('p', { class: 'notice' }, t('app.forbidden')));
    return;
  }
  const ctx = {
    params: found.params,
    query,
    t: pt,
    api,
    get me() { return session.me; },
    navigate,
    refreshMe,
    setToken,
    logout,
    rerender: render,
    alive: () => gen === generation,
    onCleanup: (fn) => cleanups.push(fn),
  };
  mount(view, h('p', { class: 'loading', role: 'status' }, t('app.loading')));
  try {
    await page.render(view, ctx);
  } catch (err) {
    if (gen !== generation) return;
    console.error(err);
    if (!getToken() && !page.public) return;
    mount(view, h('h1', {}, pt(page.title)), h('p', { class: 'notice notice-error', role: 'alert' }, t('app.load_failed', { msg: err.message || String(err) })));
  }
  if (gen === generation && focusMain) {
    focusMain = false;
    main.focus({ preventScroll: true });
  }
}

// Focus moves to the new page's content after a navigation (not on the first load).
let focusMain = false;
window.addEventListener('hashchange', () => { focusMain = true; render(); });

// ---- layout -----------------------------------------------------------------------------------

let shell = null; // { key, main, nav, info }

function navLinks(pages, path) {
  return pages.filter((p) => p.nav).map((p) => {
    const pt = translator(p.strings);
    const href = `#${p.navPath || p.path}`;
    const current = path === (p.navPath || p.path) || path.startsWith(`${p.navPath || p.path}/`);
    return h('li', {}, h('a', { href, 'aria-current': current ? 'page' : null }, pt(p.nav === true ? p.title : p.nav)));
  });
}

function langPicker() {
  return h('label', { class: 'lang' }, h('span', { class: 'sr-only' }, t('app.language')),
    h('select', {
      'aria-label': t('app.language'),
      onchange: (e) => { setLang(e.target.value); shell = null; render(); },
    }, LANGS.map((l) => h('option', { value: l.code, selected: l.code === getLang() }, l.label))));
}

function renderHeaderInfo() {
  if (!shell || !shell.info) return;
  const me = session.me;
  mount(shell.info, me ? [h('span', { class: 'who' }, me.email), ' ', h('span', { class: 'bal', 'data-testid': 'header-balance' }, `${t('app.balance')}: ${fmtMoney(me.balance)}`)] : null);
}

/** Builds (or reuses) the frame for a page and returns its <main>. Public pages get a bare frame. */
function layout(page, me) {
  const bare = !page || page.public || !me;
  const { path } = currentLocation();
  const key = `${bare ? 'bare' : 'full'}:${getLang()}:${me && me.is_admin}`;
  const root = document.getElementById('app');
  if (!shell || shell.key !== key) {
    const skipLink = document.getElementById('skip-link');
    if (skipLink) skipLink.textContent = t('app.skip');
    const main = h('main', { id: 'main', tabindex: '-1' });
    if (bare) {
      mount(root, h('div', { class: 'bare' },
        h('header', { class: 'bare-top' }, h('a', { class: 'brand', href: '#/' }, t('app.name')), langPicker()), main));
      shell = { key, main };
    } else {
      const nav = h('nav', { class: 'sidenav', id: 'sidenav', 'aria-label': t('app.menu') });
      const info = h('div', { class: 'userinfo' });
      const menuBtn = h('button', {
        type: 'button', class: 'btn menu-btn', 'aria-controls': 'sidenav', 'aria-expanded': 'false',
        onclick: () => {
          const open = nav.classList.toggle('open');
          menuBtn.setAttribute('aria-expanded', String(open));
        },
      }, t('app.menu'));
      mount(root,
        h('header', { class: 'topbar' }, menuBtn, h('a', { class: 'brand', href: '#/dashboard' }, t('app.name')), info,
          h('div', { class: 'top-actions' }, langPicker(),
            h('button', { type: 'button', class: 'btn', onclick: logout }, t('app.logout')))),
        h('div', { class: 'frame' }, nav, main));
      shell = { key, main, nav, info, menuBtn };
    }
  }
  if (shell.nav) {
    const admin = me && me.is_admin ? adminPages.filter((p) => p.nav) : [];
    mount(shell.nav,
      h('h2', { class: 'nav-head' }, t('app.user_center')), h('ul', {}, navLinks(userPages, path)),
      admin.length ? [h('h2', { class: 'nav-head' }, t('app.admin')), h('ul', {}, navLinks(admin, path))] : null);
    shell.nav.classList.remove('open');
    shell.menuBtn.setAttribute('aria-expanded', 'false');
    renderHeaderInfo();
  }
  return shell.main;
}

// The skip link targets <main> without touching the hash (the hash is the route).
document.getElementById('skip-link')?.addEventListener('click', (e) => {
  e.preventDefault();
  document.getElementById('main')?.focus();
});

render();
