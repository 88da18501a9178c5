// No page is wider than a 390-px phone: every route of pages/admin/index.js and
// pages/user/index.js (the public ones logged out, the others as an administrator), in English
// and Chinese. Routes with a parameter (`/admin/users/:id`) are reached through the first link to
// them on their list page, as a person would, after the data those lists need is created.
const { test, expect } = require('@playwright/test');
const { api, adminToken, shot } = require('./helpers');

const PHONE = { width: 390, height: 844 };

test.use({ viewport: PHONE });

/** The routes the web UI knows, read from its own page lists. */
async function routes(page) {
  await page.goto('/#/login');
  return page.evaluate(async () => {
    const load = async (p) => (await import(p)).default.map((r) => ({ path: r.path, public: !!r.public }));
    return [...await load('/assets/pages/user/index.js'), ...await load('/assets/pages/admin/index.js')];
  });
}

/** How far the page sticks out to the right, and the outermost elements that do. */
async function overflow(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const extra = document.documentElement.scrollWidth - width;
    const culprits = [];
    if (extra > 0) {
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        // A box sticking out, or text sticking out of its box (a long word in a heading).
        const spills = getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 && r.left + el.scrollWidth > width + 1;
        if (r.width === 0 || (r.right <= width + 1 && !spills)) continue;
        // Inside a scrolling box (a wide table in .table-wrap) is fine.
        let p = el.parentElement;
        let scrolls = false;
        while (p && p !== document.body) {
          const s = getComputedStyle(p);
          if (/(auto|scroll|hidden)/.test(s.overflowX) && p.getBoundingClientRect().right <= width + 1) { scrolls = true; break; }
          p = p.parentElement;
        }
        if (scrolls) continue;
        if (culprits.some((c) => c.node.contains(el))) continue;
        culprits.push({ node: el, text: `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} right=${Math.round(r.right)}` });
      }
    }
    return { extra, culprits: culprits.slice(0, 5).map((c) => c.text) };
  });
}

async function settle(page) {
  await expect(page.locator('main h1').first()).toBeVisible();
  await expect(page.locator('main > .loading')).toHaveCount(0);
  await page.waitForLoadState('networkidle');
}

/** Concrete paths for a route: itself, or for `/x/:id` the first `#/x/…` link on `/x`. */
async function concrete(page, route) {
  if (!route.includes(':')) return [route];
  const list = route.slice(0, route.indexOf('/:'));
  await page.goto(`/#${list}`);
  await settle(page);
  const hrefs = await page.locator(`main a[href^="#${list}/"]`).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  return hrefs.length ? [hrefs[0].slice(1)] : [];
}

async function seed(request) {
  const admin = await adminToken(request);
  const stamp = Date.now().toString(36);
  await api(request, 'POST', 'admin/nodes', { token: admin, body: { name: `Overflow node ${stamp} with a long name`, type: 1, sort: 0, server: 'a-rather-long-host-name.e2e.example.com', custom_config: {}, node_class: 0 } });
  await api(request, 'POST', 'admin/shop', { token: admin, body: { name: `Overflow plan ${stamp}`, price: '9.90', content: { bandwidth: 100, expire: 30, class: 1, class_expire: 30 } } });
  // No new account: sign-ups are limited per address and hour, and the other specs need theirs.
  await api(request, 'POST', 'user/tickets', { token: admin, body: { title: `A ticket with a fairly long title ${stamp}`, content: 'https://example.com/a/very/long/link/that/should/wrap/instead/of/overflowing/the/phone/screen' } });
  return admin;
}

for (const lang of ['en', 'zh-CN']) {
  test(`no page overflows a 390-px phone (${lang})`, async ({ page, request }) => {
    test.setTimeout(240_000);
    const token = await seed(request);
    await page.addInitScript((code) => localStorage.setItem('spanel.lang', code), lang);
    const all = await routes(page);
    expect(all.length).toBeGreaterThan(20);
    const problems = [];
    const check = async (path) => {
      await page.goto(`/#${path}`);
      await settle(page);
      const o = await overflow(page);
      if (o.extra > 0) {
        problems.push(`${path}: ${o.extra}px too wide (${o.culprits.join(', ')})`);
        await shot(page, `overflow-${lang}-${path.replace(/\W+/g, '_')}`);
      }
    };
    for (const r of all.filter((x) => x.public)) await check(r.path);

    await page.evaluate((t) => localStorage.setItem('spanel.token', t), token);
    await page.reload();
    let visited = 0;
    for (const r of all.filter((x) => !x.public)) {
      for (const path of await concrete(page, r.path)) {
        await check(path);
        visited += 1;
      }
    }
    expect(visited).toBeGreaterThan(20);
    expect(problems, problems.join('\n')).toEqual([]);
  });
}
