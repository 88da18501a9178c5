// Account self-service: change password, forgot/reset password, two-factor login.
const { test, expect } = require('@playwright/test');
const { api, adminToken, uniqueEmail, uiLogin, totp, sql, shot } = require('./helpers');

test('password change, password reset and two-factor login', async ({ page, request }) => {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const email = uniqueEmail('acct');
  await api(request, 'POST', 'auth/register', { body: { email, password: 'e2e-password-1' } });
  await uiLogin(page, email, 'e2e-password-1');

  // Logged in, the login page is not shown again.
  await page.goto('/#/login');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  // Change the password.
  await page.getByRole('link', { name: 'Account & security' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Account & security' })).toBeVisible();
  await page.getByLabel('Current password').fill('e2e-password-1');
  await page.getByLabel('New password').fill('e2e-password-2');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Password changed. Other devices are logged out.')).toBeVisible();
  await expect(page.getByRole('cell', { name: '127.0.0.1' }).first()).toBeVisible();

  // Forgot password: the e-mailed link sets a new one.
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByLabel('E-mail').fill(email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await expect(page.getByText('If an account uses this address')).toBeVisible();
  const mail = JSON.parse(sql(`SELECT array FROM email_queue WHERE to_email = '${email}' ORDER BY id DESC LIMIT 1`)).text;
  const link = mail.match(/https?:\/\/\S+#\/reset-password\?token=\w+/)[0];
  await page.goto(link.replace(/^https?:\/\/[^/]+/, ''));
  await page.getByLabel('New password').fill('e2e-password-3');
  await page.getByRole('button', { name: 'Set the password' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Log in' })).toBeVisible();
  await uiLogin(page, email, 'e2e-password-3');

  // Enrol two-factor: the key shown, a code from it.
  await page.getByRole('link', { name: 'Account & security' }).click();
  await page.getByRole('button', { name: 'Set up two-factor login' }).click();
  const secret = await page.getByLabel('Key').inputValue();
  await expect(page.getByRole('img', { name: 'QR code for the authenticator app' })).toBeVisible();
  await shot(page, 'account-2fa');
  await page.getByLabel('Code', { exact: true }).fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByText('On: logging in needs a code')).toBeVisible();

  // Log out; logging in now asks for the code (the next step's: the current one is spent).
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill('e2e-password-3');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByLabel('Two-factor code')).toBeVisible();
  await page.getByLabel('Two-factor code').fill(totp(secret, 1));
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  // Daily check-in: once.
  await page.getByRole('button', { name: 'Check in for free traffic' }).click();
  await expect(page.getByTestId('checked-in')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Check in for free traffic' })).toHaveCount(0);

  // Redeem a balance code on the top-up page.
  const admin = await adminToken(request);
  const { codes } = await api(request, 'POST', 'admin/codes', { token: admin, body: { count: 1, amount: '7.50' } });
  await page.getByRole('link', { name: 'Top up' }).first().click();
  await page.getByLabel('Code', { exact: true }).fill(codes[0]);
  await page.getByRole('button', { name: 'Redeem' }).click();
  await expect(page.getByTestId('topup-balance')).toHaveText('7.50');

  // My nodes and connection settings.
  const nodeName = `E2E Osaka ${Date.now()}`;
  await api(request, 'POST', 'admin/nodes', { token: admin, body: { name: nodeName, type: 1, sort: 0, server: 'osaka.e2e.example.com', custom_config: {}, node_class: 0 } });
  await page.getByRole('link', { name: 'Nodes' }).click();
  const card = page.locator('section.card').filter({ has: page.getByRole('heading', { name: nodeName }) });
  await expect(card.getByText('offline')).toBeVisible();
  await expect(card.getByRole('textbox', { name: `Share link of ${nodeName}` })).toHaveValue(/^ss:\/\//);
  await page.getByLabel('Encryption method').selectOption('aes-256-gcm');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  const oldPort = await page.getByTestId('proxy-port').innerText();
  await page.getByRole('button', { name: 'Renew Port' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Renew' }).click();
  await expect(page.getByTestId('proxy-port')).not.toHaveText(oldPort);
  await shot(page, 'nodes');

  // On a phone: the menu opens, the account page fits the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Account & security' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Account & security' })).toBeVisible();
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(await overflow()).toBeLessThanOrEqual(0);
  await shot(page, 'account-phone');
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Nodes' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Nodes' })).toBeVisible();
  expect(await overflow()).toBeLessThanOrEqual(0);
  await shot(page, 'nodes-phone');
  expect(errors).toEqual([]);
});
