// Payment gateways, mass e-mail and invite oversight in the admin console: a gateway's settings
// named and explained, enabling refused while required settings are empty, secrets never shown
// again, a connection test; a mailing previewed, counted and sent; commissions and inviters. Each
// page in English and Chinese, on a 390-px phone and on desktop, without horizontal overflow.
const { test, expect } = require('@playwright/test');
const { api, adminToken, shot, uiLogin, ADMIN_EMAIL, ADMIN_PASSWORD } = require('./helpers');

const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test('an administrator configures EPay, tests it and mails users', async ({ page, request }) => {
  await uiLogin(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByRole('navigation', { name: 'Menu' }).locator('a[href="#/admin/gateways"]').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Payment gateways' })).toBeVisible();
  await page.getByRole('link', { name: 'EPay', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'EPay' })).toBeVisible();
  const callback = page.getByRole('textbox', { name: 'Callback URL' });
  await expect(callback).toHaveValue(/\/app\/api\/v0\/payment\/notify\/epay$/);

  // Enabling with the required settings empty is refused, naming them under the fields.
  await page.getByLabel('Enabled (users can pay with it)').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText(/cannot be enabled while these settings are empty: epay_url, epay_pid, epay_key/).first()).toBeVisible();
  await expect(page.getByText('Required to enable this gateway.').first()).toBeVisible();

  // Filled in: saved, enabled, and the key is never shown again.
  const key = 'e2e-epay-key-0042';
  await page.getByLabel('EPay address (required)').fill(process.env.SPANEL_URL);
  await page.getByLabel('Merchant id (pid) (required)').fill('1001');
  await page.getByLabel('Merchant key (required)').fill(key);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await expect(page.getByText('Enabled', { exact: true })).toBeVisible();
  await expect(page.getByLabel('Merchant key (required)')).toHaveValue('');
  await expect(page.getByText(/Set \(hidden\)/)).toBeVisible();
  expect(await page.content()).not.toContain(key);
  const token = await adminToken(request);
  const listed = await api(request, 'GET', 'admin/gateways', { token });
  expect(JSON.stringify(listed)).not.toContain(key);
  expect(listed.find((g) => g.name === 'epay').enabled).toBe(true);

  // The connection test reaches the configured address (spanel itself here).
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('test-result')).toContainText('Works');
  await shot(page, 'admin-gateway-epay');

  // Leave the other specs a panel without EPay enabled.
  await page.getByLabel('Enabled (users can pay with it)').uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved.').first()).toBeVisible();
  await expect.poll(async () => (await api(request, 'GET', 'admin/gateways', { token })).find((g) => g.name === 'epay').enabled).toBe(false);

  // An EPay-compatible provider: named on the list page, filled in on its own page, removed.
  await page.getByRole('link', { name: '← All gateways' }).click();
  await page.getByLabel('Provider name').fill('e2epay');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New EPay-compatible provider “e2epay”' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Callback URL' })).toHaveValue(/\/payment\/notify\/e2epay$/);
  await page.getByLabel('Name shown to users').fill('E2E Pay');
  await page.getByLabel('Provider address (required)').fill('https://pay.e2e.test/');
  await page.getByLabel('Merchant id (pid) (required)').fill('7');
  await page.getByLabel('Merchant key (required)').fill('e2e-provider-key');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'E2E Pay' })).toBeVisible();
  expect(JSON.stringify(await api(request, 'GET', 'admin/gateways', { token }))).not.toContain('e2e-provider-key');
  await page.getByRole('button', { name: 'Remove provider' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Payment gateways' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'E2E Pay' })).toHaveCount(0);

  // A mailing: preview with the count first, then send it and find it in the record.
  await page.getByRole('navigation', { name: 'Menu' }).locator('a[href="#/admin/mail"]').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Mass e-mail' })).toBeVisible();
  await page.getByLabel('Recipients').selectOption('all');
  const subject = `E2E news ${Date.now().toString(36)}`;
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('Message (plain text)').fill('A new node is online.\nEnjoy.');
  await page.getByRole('button', { name: 'Preview and count' }).click();
  await expect(page.getByTestId('mail-count')).toContainText(/\d+ users will get this mail\./);
  const count = Number((await page.getByTestId('mail-count').textContent()).match(/\d+/)[0]);
  await page.getByRole('button', { name: `Send to ${count} users` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByText(`Queued for ${count} users.`)).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: subject })).toBeVisible();
  await shot(page, 'admin-mail');

  // Invites and commissions.
  await page.getByRole('navigation', { name: 'Menu' }).locator('a[href="#/admin/invites"]').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Invites and commissions' })).toBeVisible();
  await expect(page.getByTestId('commission-totals')).toContainText('payments');
  await expect(page.getByRole('heading', { name: 'Inviters' })).toBeVisible();
  await shot(page, 'admin-invites');
});

const PAGES = [
  ['/admin/gateways', 'Payment gateways', '支付网关'],
  ['/admin/gateways/paypal', 'PayPal', 'PayPal'],
  ['/admin/gateways/alipay', 'Alipay (face to face)', '支付宝当面付'],
  ['/admin/mail', 'Mass e-mail', '群发邮件'],
  ['/admin/invites', 'Invites and commissions', '邀请与返利'],
];

for (const [lang, width] of [['en', 390], ['en', 1366], ['zh-CN', 390], ['zh-CN', 1366]]) {
  test(`money pages in ${lang} at ${width} px fit the screen`, async ({ page }) => {
    await page.setViewportSize({ width, height: 800 });
    await uiLogin(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.evaluate((l) => localStorage.setItem('spanel.lang', l), lang);
    for (const [path, en, zh] of PAGES) {
      await page.goto(`/#${path}`);
      await page.reload();
      await expect(page.getByRole('heading', { level: 1, name: lang === 'en' ? en : zh, exact: true })).toBeVisible();
      if (path === '/admin/gateways/paypal') {
        // Settings are explained in the page's language.
        await expect(page.getByText(lang === 'en' ? 'sandbox for tests, live for real payments.' : 'sandbox 用于测试，live 用于真实收款。')).toBeVisible();
      }
      expect(await overflow(page), `${path} overflows at ${width} px`).toBeLessThanOrEqual(0);
    }
    await shot(page, `admin-money-${lang}-${width}`);
    await page.evaluate(() => localStorage.setItem('spanel.lang', 'en'));
  });
}
