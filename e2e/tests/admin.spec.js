// The admin console: an administrator logs in through the UI, creates a node and a plan with the
// admin pages, a user (made through the JSON API) tops up with the debug gateway and buys the plan,
// and the administrator finds that purchase on the purchases page, refunds part of it, and manages
// users, coupons, tickets, announcements and settings. Screenshots go to e2e/screenshots/admin-*.png.
const { test, expect } = require('@playwright/test');
const { api, adminToken, uniqueEmail, shot: saveShot, uiLogin, ADMIN_EMAIL, ADMIN_PASSWORD } = require('./helpers');

const apiCall = (request, method, p, token, body) => api(request, method, p, { token, body });
const shot = (page, name) => saveShot(page, `admin-${name}`);

async function adminLogin(page) {
  await page.goto('/#/login');
  await page.getByLabel('E-mail').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('link', { name: 'Overview', exact: true })).toBeVisible();
}

async function openAdmin(page, menuLabel, heading) {
  // The user center has links of the same names (Tickets, Announcements): take the admin one.
  await page.getByRole('navigation', { name: 'Menu' }).locator('a[href^="#/admin/"]')
    .filter({ hasText: new RegExp(`^${menuLabel}$`) }).click();
  await expect(page.getByRole('heading', { level: 1, name: heading || menuLabel })).toBeVisible();
}

test('admin creates a node and a plan and sees a user buy it', async ({ page, request }) => {
  const stamp = Date.now().toString(36);
  const nodeName = `E2E node ${stamp}`;
  const planName = `E2E plan ${stamp}`;

  await adminLogin(page);

  await openAdmin(page, 'Overview');
  await expect(page.getByTestId('ov-nodes')).toBeVisible();

  // A node, through the node form; a broken custom_config is refused before saving.
  await openAdmin(page, 'Nodes');
  await page.getByRole('link', { name: 'New node' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New node' })).toBeVisible();
  await page.getByLabel('Name').fill(nodeName);
  await page.getByLabel('Server address').fill('e2e.example.com');
  await page.getByLabel('Protocol').selectOption({ label: 'Trojan' });
  const config = page.getByLabel('Custom config (JSON object)');
  await config.fill('{"offset_port_user": ');
  await expect(page.getByText(/Not valid JSON/)).toBeVisible();
  await config.fill('{"offset_port_user": 443, "host": "e2e.example.com"}');
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Node ${nodeName}` })).toBeVisible();
  await expect(page.getByText('The node has not reported its load in this range.')).toBeVisible();
  await openAdmin(page, 'Nodes');
  const nodeRow = page.getByRole('row').filter({ hasText: nodeName });
  await expect(nodeRow).toContainText('Trojan');
  await expect(nodeRow).toContainText('never reported');
  await shot(page, 'nodes');

  // A plan, through the plan form.
  await openAdmin(page, 'Plans');
  await page.getByRole('link', { name: 'New plan' }).click();
  await page.getByLabel('Name').fill(planName);
  await page.getByLabel('Price', { exact: true }).fill('7.50');
  await page.getByLabel('Traffic', { exact: true }).fill('50');
  await page.getByLabel('Account days added').fill('30');
  await page.getByLabel('Class', { exact: true }).fill('2');
  await page.getByLabel('Class days').fill('30');
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Plans' })).toBeVisible();
  const planRow = page.getByRole('row').filter({ hasText: planName });
  await expect(planRow).toContainText('7.50');
  await expect(planRow).toContainText('50 GB · 30 days · class 2 for 30 days');
  await shot(page, 'plans');

  // A user, through the JSON API: sign up, top up in debug mode, buy the plan.
  const email = uniqueEmail('buyer');
  const password = 'e2e-Passw0rd!';
  const reg = await apiCall(request, 'POST', 'auth/register', null, { email, password });
  const login = await apiCall(request, 'POST', 'auth/login', null, { email, password });
  const token = login.token;
  const order = await apiCall(request, 'POST', 'payment/create', token, { amount: '10.00', gateway: 'debug' });
  await apiCall(request, 'POST', 'payment/debug/confirm', token, { order_id: order.order_id });
  const shop = await apiCall(request, 'GET', 'user/shop', token);
  const plan = (shop.plans || shop).find((p) => p.name === planName);
  expect(plan, 'the new plan is on sale').toBeTruthy();
  const bought = await apiCall(request, 'POST', 'user/buy', token, { shop_id: plan.id });
  expect(bought.price).toBe('7.50');

  // The administrator sees the purchase, and the user's new class and balance.
  await openAdmin(page, 'Purchases');
  const row = page.getByRole('row').filter({ hasText: planName });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(`#${reg.user_id}`);
  await expect(row).toContainText('7.50');
  await shot(page, 'purchases');
  await row.getByRole('link', { name: `#${reg.user_id}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: `User ${email}` })).toBeVisible();
  await expect(page.getByTestId('user-class')).toHaveText('2');
  await expect(page.getByTestId('user-balance')).toHaveText('2.50');
  await shot(page, 'user');

  // Half of it refunded to the balance, once.
  await openAdmin(page, 'Purchases');
  await row.getByRole('button', { name: /Refund/ }).click();
  await page.getByRole('dialog').getByLabel(/Amount/).fill('2.50');
  await page.getByRole('dialog').getByLabel(/Reason/).fill('e2e: partial refund');
  await page.getByRole('dialog').getByRole('button', { name: 'Refund' }).click();
  await expect(page.getByRole('dialog')).toContainText(`2.50 returned to user #${reg.user_id}; balance now 5.00.`);
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  await row.getByRole('button', { name: /Refund/ }).click();
  await page.getByRole('dialog').getByLabel(/Reason/).fill('e2e: again');
  await page.getByRole('dialog').getByRole('button', { name: 'Refund' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /already/i })).toBeVisible();
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

  // Off sale and back.
  await openAdmin(page, 'Plans');
  await planRow.getByRole('button', { name: `Take off sale: ${planName}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Take off sale' }).click();
  await expect(planRow.getByText('off sale', { exact: true })).toBeVisible();
  await planRow.getByRole('button', { name: `Put on sale: ${planName}` }).click();
  await expect(planRow.getByText('on sale', { exact: true })).toBeVisible();

  // The other main pages render, each captured.
  for (const [label, heading, name] of [
    ['Overview', 'Overview', 'overview'],
    ['Users', 'Users', 'users'],
    ['Coupons', 'Coupons', 'coupons'],
    ['Orders', 'Orders', 'orders'],
    ['Tickets', 'Tickets', 'tickets'],
    ['Announcements', 'Announcements', 'announcements'],
    ['Settings', 'Settings', 'settings'],
    ['Node alerts', 'Node alerts', 'alerts'],
    ['Reports', 'Reports', 'reports'],
  ]) {
    await openAdmin(page, label, heading);
    await expect(page.getByText(/Could not load this page/)).toHaveCount(0);
    if (name === 'overview') {
      await expect(page.getByTestId('ov-revenue-today')).not.toHaveText('0.00');
      await expect(page.getByTestId('ov-nodes')).toHaveText(/^\d+$/);
    }
    await shot(page, name);
  }
});

test('admin manages a user, a coupon, a ticket, an announcement and a setting', async ({ page, request }) => {
  const stamp = Date.now().toString(36);
  const email = uniqueEmail('managed');
  const password = 'e2e-Passw0rd!';
  const reg = await apiCall(request, 'POST', 'auth/register', null, { email, password });
  let userToken = (await apiCall(request, 'POST', 'auth/login', null, { email, password })).token;
  const ticket = await apiCall(request, 'POST', 'user/tickets', userToken, { title: `Help ${stamp}`, content: 'My node list is empty.' });

  await adminLogin(page);

  // Find the user by search and edit class, balance and traffic with a reason.
  await openAdmin(page, 'Users');
  await page.getByRole('searchbox').fill(email);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: email }).click();
  await expect(page.getByRole('heading', { level: 1, name: `User ${email}` })).toBeVisible();
  await page.getByRole('button', { name: 'Edit account' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Class', { exact: true }).fill('3');
  await dlg.getByLabel('Balance').fill('12.34');
  await dlg.getByLabel('Traffic allowance (GB)').fill('200');
  await dlg.getByLabel(/Reason/).fill('e2e: goodwill');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await expect(dlg).toHaveCount(0);
  await expect(page.getByTestId('user-class')).toHaveText('3');
  await expect(page.getByTestId('user-balance')).toHaveText('12.34');
  await expect(page.getByText('of 200.00 GB used')).toBeVisible();
  await expect(page.getByRole('cell', { name: 'user.edit' }).first()).toBeVisible();

  // Disable, then enable again; reset the password (shown once).
  await page.getByRole('button', { name: 'Disable' }).click();
  await page.getByRole('dialog').getByLabel(/Reason/).fill('e2e: abuse check');
  await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
  await expect(page.getByText('disabled', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Enable' }).click();
  await page.getByRole('dialog').getByLabel(/Reason/).fill('e2e: cleared');
  await page.getByRole('dialog').getByRole('button', { name: 'Enable' }).click();
  await expect(page.getByText('enabled', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Reset password' }).click();
  await page.getByRole('dialog').getByLabel(/Reason/).fill('e2e: forgot it');
  await page.getByRole('dialog').getByRole('button', { name: 'Reset password' }).click();
  const shown = page.getByRole('textbox', { name: 'New password', exact: true });
  await expect(shown).not.toHaveValue('');
  const newPassword = await shown.inputValue();
  expect(newPassword.length).toBeGreaterThan(7);
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  // The reset ended the user's sessions: the old token is refused, the new password logs in.
  const refused = await request.get('/app/api/v0/user/me', { headers: { Authorization: `Bearer ${userToken}` } });
  expect(refused.status()).toBe(401);
  userToken = (await apiCall(request, 'POST', 'auth/login', null, { email, password: newPassword })).token;

  // A coupon for every plan.
  await openAdmin(page, 'Coupons');
  await page.getByLabel('Code').fill(`E2E${stamp}`);
  await page.getByLabel('Discount (%)').fill('15');
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('row').filter({ hasText: `E2E${stamp}` })).toContainText('15%');

  // A batch of redeem codes; the user redeems one, the list shows who.
  await openAdmin(page, 'Redeem codes');
  await page.getByLabel('Amount').fill('5.00');
  await page.getByLabel('How many').fill('2');
  await page.getByLabel('Prefix').fill(`E2E${stamp}-`);
  await page.getByRole('button', { name: 'Create' }).click();
  const fresh = (await page.getByTestId('new-codes').innerText()).split('\n');
  expect(fresh).toHaveLength(2);
  await apiCall(request, 'POST', 'user/redeem', userToken, { code: fresh[0] });
  await page.getByLabel('Show').selectOption('true');
  await expect(page.getByRole('row').filter({ hasText: fresh[0] })).toContainText(`#${reg.user_id}`);

  // Reply to the ticket and close it.
  await openAdmin(page, 'Tickets');
  await page.getByRole('link', { name: `Help ${stamp}` }).click();
  await page.getByLabel('Reply').fill('Fixed: try again now.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await expect(page.getByText('Fixed: try again now.')).toBeVisible();
  await page.getByRole('button', { name: 'Close ticket' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Close ticket' }).click();
  await expect(page.getByText('closed', { exact: true })).toBeVisible();
  const thread = await apiCall(request, 'GET', `user/tickets/${ticket.root.id}`, userToken);
  expect(thread.replies.map((r) => r.content)).toContain('Fixed: try again now.');

  // Publish an announcement.
  await openAdmin(page, 'Announcements');
  await page.getByLabel('Content (HTML shown to users)').fill(`<p>Maintenance ${stamp}</p>`);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.locator('.rich').getByText(`Maintenance ${stamp}`)).toBeVisible();

  // A typed setting: an int refuses text, then takes a number.
  await openAdmin(page, 'Settings');
  await page.getByRole('tab', { name: 'E-mail and notices' }).click();
  const mail = page.getByRole('form', { name: 'E-mail and notices' });
  const attempts = mail.getByLabel('Sending attempts');
  const before = await attempts.inputValue();
  const next = String(Number(before) === 7 ? 6 : 7);
  await attempts.fill(next);
  await mail.getByRole('button', { name: 'Save E-mail and notices' }).click();
  await expect(page.getByText('1 settings saved.')).toBeVisible();
  const saved = await apiCall(request, 'GET', 'admin/settings', await adminToken(request));
  expect(saved.find((s) => s.item === 'email_max_attempts').value).toBe(next);

  // Chinese strings are there too.
  await page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('zh-CN');
  await expect(page.getByRole('heading', { level: 1, name: '设置' })).toBeVisible();
  await page.getByRole('navigation').getByRole('link', { name: '用户', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: '用户' })).toBeVisible();
  await page.getByRole('combobox', { name: '语言', exact: true }).selectOption('en');
  expect(reg.user_id).toBeGreaterThan(0);
});

test('admin console on a phone, by keyboard', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  // On a phone the menu is collapsed, so the login waits for the dashboard instead of the menu.
  await uiLogin(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto('/#/admin/nodes');
  await expect(page.getByRole('heading', { level: 1, name: 'Nodes' })).toBeVisible();
  const menu = page.getByRole('button', { name: 'Menu' });
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await shot(page, 'phone-menu');
  await page.getByRole('navigation', { name: 'Menu' }).locator('a[href="#/admin/users"]').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  await shot(page, 'phone-users');

  // The first user's page; the edit dialog opens by keyboard, keeps focus inside and closes on Esc.
  await page.getByRole('link', { name: ADMIN_EMAIL }).click();
  const edit = page.getByRole('button', { name: 'Edit account' });
  await edit.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  expect(await page.evaluate(() => !!document.activeElement.closest('dialog'))).toBe(true);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await shot(page, 'phone-user');
});
