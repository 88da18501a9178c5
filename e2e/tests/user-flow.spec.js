// The user's path through the panel: sign up, top up (debug gateway), buy a plan, take the Clash
// subscription link and check it serves a Clash profile with the node the plan unlocks.
const { test, expect } = require('@playwright/test');
const YAML = require('yaml');
const { api, adminToken, uniqueEmail, shot } = require('./helpers');

test('sign up, top up, buy a plan, subscribe with Clash', async ({ page, request }) => {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // The operator's side, over the admin API (the admin console has its own tests).
  const admin = await adminToken(request);
  const suffix = Date.now();
  const nodeName = `E2E Tokyo ${suffix}`;
  const planName = `E2E Plan ${suffix}`;
  const node = await api(request, 'POST', 'admin/nodes', {
    token: admin,
    body: { name: nodeName, type: 1, sort: 14, server: 'tokyo.e2e.example.com', custom_config: { host: 'tokyo.e2e.example.com' }, node_class: 1 },
  });
  await api(request, 'POST', 'admin/shop', {
    token: admin,
    body: { name: planName, price: '15.00', auto_renew: 30, content: { bandwidth: 100, class: 1, class_expire: 30, expire: 30 } },
  });
  await api(request, 'POST', 'admin/announcements', { token: admin, body: { content: `<p>Welcome to the <b>e2e run ${suffix}</b></p><script>window.injected = 1</script>` } });

  // Sign up.
  const email = uniqueEmail('user');
  await page.goto('/#/signup');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill('e2e-password-1');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByTestId('balance')).toHaveText('0.00');
  await expect(page.locator('.news b')).toHaveText(`e2e run ${suffix}`);
  expect(await page.evaluate(() => window.injected)).toBeUndefined();
  await shot(page, 'dashboard');

  // Top up 20.00 with the debug gateway and wait for the order to be paid.
  await page.getByRole('link', { name: 'Top up' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Top up' })).toBeVisible();
  await page.getByLabel('Amount').fill('20');
  await page.getByLabel('Test payment (debug)').check();
  await page.getByRole('button', { name: 'Pay', exact: true }).click();
  await expect(page.getByTestId('order')).toContainText('Waiting for payment');
  await shot(page, 'topup');
  await page.getByRole('button', { name: 'Confirm payment (debug)' }).click();
  await expect(page.getByTestId('order')).toContainText('Paid. Your balance is now 20.00');
  await expect(page.getByTestId('header-balance')).toContainText('20.00');

  // Buy the plan.
  await page.getByRole('navigation').getByRole('link', { name: 'Shop' }).click();
  const plan = page.getByRole('region', { name: planName });
  await expect(plan).toContainText('15.00');
  await expect(plan).toContainText('100 GB traffic');
  await shot(page, 'shop');
  await plan.getByRole('button', { name: 'Buy' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('to-pay')).toHaveText('15.00');
  await dialog.getByLabel('Renew automatically every 30 days').check();
  await dialog.getByRole('button', { name: 'Buy' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Orders' })).toBeVisible();
  const purchases = page.getByRole('table').first();
  await expect(purchases).toContainText(planName);
  await expect(page.getByTestId('header-balance')).toContainText('5.00');
  await shot(page, 'orders');
  // The renewal can be turned off from the purchase list.
  await purchases.getByRole('button', { name: `Stop the automatic renewal of ${planName}` }).click();
  await expect(page.getByText('Automatic renewal stopped.')).toBeVisible();
  await expect(purchases.getByRole('button', { name: /Stop the automatic renewal/ })).toHaveCount(0);

  // The node reports traffic for the user; the dashboard charts it and shows the plan's class.
  const token = await page.evaluate(() => localStorage.getItem('spanel.token'));
  const me = await api(request, 'GET', 'user/me', { token });
  const traffic = await request.post('/app/api/v0/node/traffic', {
    headers: { Key: process.env.SPANEL_MU_KEY || '' },
    data: { node_id: node.id, data: [{ user_id: me.id, u: 1024 ** 3, d: 3 * 1024 ** 3 }] },
  });
  expect(traffic.status(), await traffic.text()).toBe(200);
  await page.getByRole('navigation').getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByTestId('class')).toHaveText('1');
  await expect(page.getByRole('img', { name: 'Daily traffic of the last 30 days' })).toBeVisible();
  await expect(page.getByTestId('traffic-left')).toHaveText('96.00 GB'); // the plan's 100 GB less the 4 GB used
  await shot(page, 'dashboard-plan');
  await expect(page.locator('main').getByText(planName, { exact: true })).toBeVisible();

  // Subscription: the Clash link serves a Clash profile with the node.
  await page.getByRole('navigation').getByRole('link', { name: 'Subscription' }).click();
  const clash = page.locator('[data-client="clash"]');
  const link = await clash.getByRole('textbox').inputValue();
  expect(link).toMatch(/\/sub\/[^/]+\/clash$/);
  const importHref = await clash.getByRole('link', { name: /Import into Clash/ }).getAttribute('href');
  expect(importHref).toBe(`clash://install-config?url=${encodeURIComponent(link)}&name=spanel`);
  await expect(clash.getByRole('img')).toBeVisible();
  await shot(page, 'subscription');
  const resp = await request.get(link);
  expect(resp.status()).toBe(200);
  const profile = YAML.parse(await resp.text());
  expect(Array.isArray(profile.proxies)).toBe(true);
  const proxy = profile.proxies.find((p) => p.name === nodeName);
  expect(proxy, `proxies: ${JSON.stringify(profile.proxies.map((p) => p.name))}`).toBeTruthy();
  expect(proxy.server).toBe('tokyo.e2e.example.com');
  expect(proxy.type).toBe('trojan');
  expect(Array.isArray(profile['proxy-groups'])).toBe(true);

  // The QR image is an SVG served by spanel.
  const qr = await request.get(await clash.getByRole('img').getAttribute('src'));
  expect(qr.headers()['content-type']).toContain('image/svg+xml');

  // Invite, tickets, announcements.
  await page.getByRole('navigation').getByRole('link', { name: 'Invite' }).click();
  await expect(page.getByLabel('Invite link')).toHaveValue(/#\/signup\?code=/);
  const inviteLink = await page.getByLabel('Invite link').inputValue();
  const inviteCode = await page.getByLabel('Invite code').inputValue();
  await shot(page, 'invite');

  await page.getByRole('navigation').getByRole('link', { name: 'Tickets' }).click();
  await page.getByLabel('Subject').fill('Cannot connect');
  await page.getByLabel('Message').fill('The Tokyo node times out.');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Cannot connect' })).toBeVisible();
  await page.getByLabel('Message').fill('Still failing this morning.');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByText('Still failing this morning.')).toBeVisible();
  await shot(page, 'ticket');

  await page.getByRole('navigation').getByRole('link', { name: 'Announcements' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Announcements' })).toBeVisible();
  await shot(page, 'announcements');

  // Phone-sized: the menu collapses behind a button.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'Menu' }).click();
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Shop' })).toBeVisible();
  await shot(page, 'phone-menu');

  // Log out ends the session.
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Log in' })).toBeVisible();

  // The invite link opens the sign-up form with the code filled in.
  await page.goto(inviteLink);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign up' })).toBeVisible();
  await expect(page.getByLabel('Invite code')).toHaveValue(inviteCode);

  expect(errors).toEqual([]);
});
