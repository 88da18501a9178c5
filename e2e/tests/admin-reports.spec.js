// The admin overview and reports pages with their charts: a node reports traffic for a user (the
// current hour, not yet rolled up), and both pages count it; in English and Chinese, on a desktop
// and on a 390-px phone without horizontal overflow. Screenshots: e2e/screenshots/reports-*.png.
const { test, expect } = require('@playwright/test');
const { api, adminToken, uniqueEmail, shot, uiLogin, ADMIN_EMAIL, ADMIN_PASSWORD } = require('./helpers');

const OVERVIEW_CHARTS = ['revenue', 'orders', 'users', 'nodes-online'];
const REPORT_CHARTS = ['traffic', 'node-traffic'];

async function reportTraffic(request) {
  const admin = await adminToken(request);
  const node = await api(request, 'POST', 'admin/nodes', {
    token: admin,
    body: { name: `E2E reports ${Date.now()}`, type: 1, sort: 14, server: 'reports.e2e.example.com', custom_config: {}, node_class: 0 },
  });
  const email = uniqueEmail('rep');
  const reg = await api(request, 'POST', 'auth/register', { body: { email, password: 'e2e-password-3' } });
  const resp = await request.post('/app/api/v0/node/traffic', {
    headers: { Key: process.env.SPANEL_MU_KEY || '' },
    data: { node_id: node.id, data: [{ user_id: reg.user_id, u: 3 * 1024 ** 2, d: 5 * 1024 ** 2 }] },
  });
  expect(resp.status(), await resp.text()).toBe(200);
}

const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test('overview and reports show charts and count the current hour', async ({ page, request }) => {
  await reportTraffic(request);
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto('/#/login');
  await page.getByLabel('E-mail').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('link', { name: 'Overview', exact: true })).toBeVisible();

  await page.goto('/#/admin/overview');
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  for (const name of OVERVIEW_CHARTS) await expect(page.getByTestId(`chart-${name}`)).toBeVisible();
  await expect(page.getByTestId('chart-revenue').getByRole('heading', { name: 'Money per day' })).toBeVisible();
  await expect(page.getByTestId('ov-traffic')).not.toHaveText('0 B');
  await shot(page, 'reports-overview');

  await page.goto('/#/admin/reports?days=1');
  await expect(page.getByRole('heading', { level: 1, name: 'Reports' })).toBeVisible();
  for (const name of REPORT_CHARTS) await expect(page.getByTestId(`chart-${name}`)).toBeVisible();
  // The traffic just reported is in the current hour, and the reports count it (and say how).
  await expect(page.getByTestId('report-total')).not.toHaveText('Total: 0 B');
  await expect(page.getByTestId('report-counted')).toContainText('current hour');
  await expect(page.getByRole('img', { name: 'Traffic per node' })).toBeVisible();
  await expect(page.getByText(/Could not load this page/)).toHaveCount(0);
  expect(await overflow(page)).toBeLessThanOrEqual(0);
  await shot(page, 'reports-desktop');

  await page.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
  await expect(page.getByRole('heading', { level: 1, name: '报表' })).toBeVisible();
  await expect(page.getByTestId('chart-node-traffic').getByRole('heading', { name: '各节点流量' })).toBeVisible();
  await expect(page.getByTestId('report-counted')).toContainText('当前小时');
  await page.goto('/#/admin/overview');
  await expect(page.getByRole('heading', { level: 1, name: '概览' })).toBeVisible();
  await expect(page.getByTestId('chart-users').getByRole('heading', { name: '每日新用户与付费用户' })).toBeVisible();
  await shot(page, 'reports-overview-zh');
  await page.getByRole('combobox', { name: '语言' }).selectOption('en');
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
});

test('overview and reports fit a 390-px phone in both languages', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await uiLogin(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  for (const lang of ['en', 'zh-CN']) {
    // On a phone the language picker sits in the collapsed menu: choose the language as it stores it.
    await page.evaluate((l) => localStorage.setItem('spanel.lang', l), lang);
    for (const [path, heading, charts] of [
      ['/#/admin/overview', lang === 'en' ? 'Overview' : '概览', OVERVIEW_CHARTS],
      ['/#/admin/reports?days=30', lang === 'en' ? 'Reports' : '报表', REPORT_CHARTS],
    ]) {
      await page.goto(path);
      await page.reload();
      await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
      for (const name of charts) await expect(page.getByTestId(`chart-${name}`)).toBeVisible();
      expect(await overflow(page), `${path} in ${lang}`).toBeLessThanOrEqual(0);
      await shot(page, `reports-phone-${lang}-${path.includes('reports') ? 'reports' : 'overview'}`);
    }
  }
  await page.evaluate(() => localStorage.setItem('spanel.lang', 'en'));
});
