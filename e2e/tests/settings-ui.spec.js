// Settings people can read: tabs by task, labels and help in English and Chinese, a control per
// type (switch, number with unit, choice, gateway checkboxes, write-only secrets), values saved as
// SSPanel stores them; the plan form's switches and promotion dates; the readable audit log.
// On a desktop and on a 390-px phone.
const { test, expect } = require('@playwright/test');
const { api, adminToken, shot } = require('./helpers');

// One administrator session for the whole file: logins are limited per address and minute.
let session = null;
async function adminSession(request) {
  if (!session) session = await adminToken(request);
  return session;
}

async function login(page, request, lang) {
  const token = await adminSession(request);
  await page.addInitScript(([t, l]) => {
    localStorage.setItem('spanel.token', t);
    localStorage.setItem('spanel.lang', l);
  }, [token, lang]);
}

async function setting(request, item) {
  const all = await api(request, 'GET', 'admin/settings', { token: await adminSession(request) });
  return all.find((s) => s.item === item);
}

async function put(request, item, value) {
  await api(request, 'PUT', `admin/settings/${item}`, { token: await adminSession(request), body: { value } });
}

async function noOverflow(page) {
  const extra = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(extra).toBeLessThanOrEqual(0);
}

for (const [device, viewport] of [['desktop', { width: 1366, height: 768 }], ['phone', { width: 390, height: 844 }]]) {
  test.describe(device, () => {
    test.use({ viewport });

    test(`settings by task with typed controls, English (${device})`, async ({ page, request }) => {
      await put(request, 'notify_limit_mode', 'false');
      await put(request, 'keep_connect', '0');
      await put(request, 'payment_gateway', '[]');
      // A gateway is enabled only with its required settings filled in.
      for (const item of ['epay_url', 'epay_pid', 'epay_key', 'f2f_pay_app_id', 'f2f_pay_private_key', 'f2f_pay_public_key']) {
        await put(request, item, 'https://pay.example.com/');
      }
      await login(page, request, 'en');
      await page.goto('/#/admin/settings');
      await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
      await expect(page.getByRole('tablist', { name: 'Setting groups' })).toBeVisible();
      await noOverflow(page);
      // One task at a time, not a wall of raw keys.
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      expect(height).toBeLessThan(device === 'phone' ? 4000 : 2000);

      // A choice, not a free-text box.
      await page.getByRole('tab', { name: 'E-mail and notices' }).click();
      const mail = page.getByRole('form', { name: 'E-mail and notices' });
      const mode = mail.getByLabel('Low-traffic e-mail');
      await expect(mode).toHaveJSProperty('tagName', 'SELECT');
      await mode.selectOption({ label: 'When the percent left falls below' });
      await expect(mail.getByText('Paying users get one e-mail when their traffic runs low.')).toBeVisible();
      await mail.getByRole('button', { name: 'Save E-mail and notices' }).click();
      await expect(page.getByText('1 settings saved.').last()).toBeVisible();
      await expect.poll(async () => (await setting(request, 'notify_limit_mode')).value).toBe('per');

      // A switch and a number with its unit.
      await page.getByRole('tab', { name: 'Nodes and subscriptions' }).click();
      const nodes = page.getByRole('form', { name: 'Nodes and subscriptions' });
      await nodes.getByRole('switch', { name: 'Keep over-quota users at 1 Mbps' }).check({ force: true });
      await expect(nodes.locator('.unit-input').filter({ has: page.getByLabel('Node offline after') })).toContainText('seconds');
      await nodes.getByRole('button', { name: 'Save Nodes and subscriptions' }).click();
      await expect(page.getByText('1 settings saved.').last()).toBeVisible();
      await expect.poll(async () => (await setting(request, 'keep_connect')).value).toBe('1');

      // Gateways ticked, stored as SSPanel's JSON list.
      await page.getByRole('tab', { name: 'Payments' }).click();
      const pay = page.getByRole('form', { name: 'Payments' });
      const gateways = pay.getByRole('group', { name: 'Enabled gateways' });
      await gateways.getByRole('checkbox', { name: 'epay' }).check();
      await gateways.getByRole('checkbox', { name: 'alipay' }).check();
      await pay.getByRole('button', { name: 'Save Payments' }).click();
      await expect(page.getByText('1 settings saved.').last()).toBeVisible();
      await expect.poll(async () => (await setting(request, 'payment_gateway')).value).toBe('["epay","alipay"]');

      // A value the server refuses is shown beside its setting, naming it; nothing is stored.
      await page.getByRole('tab', { name: 'Invitations and commission' }).click();
      const invite = page.getByRole('form', { name: 'Invitations and commission' });
      await invite.getByLabel('Commission ratio').fill('0.123456');
      await invite.getByRole('button', { name: 'Save Invitations and commission' }).click();
      await expect(invite.locator('[data-error-for="rebate_ratio"]')).toContainText('rebate_ratio');
      expect((await setting(request, 'rebate_ratio')).value).not.toBe('0.123456');

      // A secret is write-only.
      const secret = `sk_test_${Date.now()}`;
      await page.getByRole('tab', { name: 'Gateway keys' }).click();
      const keys = page.getByRole('form', { name: 'Gateway keys' });
      await keys.getByLabel('Stripe secret key').fill(secret);
      await keys.getByRole('button', { name: 'Save Gateway keys' }).click();
      await expect(page.getByText('1 settings saved.').last()).toBeVisible();
      await page.reload();
      await page.getByRole('tab', { name: 'Gateway keys' }).click();
      await expect(page.getByLabel('Stripe secret key')).toHaveValue('');
      await expect(page.getByRole('form', { name: 'Gateway keys' }).getByText(/Set\. Leave empty to keep it/).first()).toBeVisible();
      expect(await page.content()).not.toContain(secret);
      await noOverflow(page);
      await shot(page, `settings-${device}-en`);
    });

    test(`settings, plan form and audit log in Chinese (${device})`, async ({ page, request }) => {
      await login(page, request, 'zh-CN');
      await page.goto('/#/admin/settings');
      await expect(page.getByRole('heading', { level: 1, name: '设置' })).toBeVisible();
      await page.getByRole('tab', { name: '新账号' }).click();
      const form = page.getByRole('form', { name: '新账号' });
      await expect(form.getByLabel('混淆参数')).toBeVisible();
      await expect(form.getByText('通常留空；http_simple 或 tls1.2_ticket_auth 时可填伪装域名。')).toBeVisible();
      await expect(form.locator('.unit-input').filter({ has: page.getByLabel('赠送流量') })).toContainText('GB');
      const devices = String(Number((await setting(request, 'connection_device_limit')).value) === 3 ? 4 : 3);
      await form.getByLabel('设备数限制').fill(devices);
      await form.getByRole('button', { name: '保存「新账号」' }).click();
      await expect(page.getByText('已保存 1 项设置。').last()).toBeVisible();
      await expect.poll(async () => (await setting(request, 'connection_device_limit')).value).toBe(devices);
      await noOverflow(page);
      await shot(page, `settings-${device}-zh`);

      // The plan form: switches, units, a promotion with date pickers.
      const name = `促销套餐 ${Date.now().toString(36)}`;
      await page.goto('/#/admin/plans/new');
      await expect(page.getByRole('heading', { level: 1, name: '新建套餐' })).toBeVisible();
      await page.getByLabel('名称').fill(name);
      await page.getByLabel('价格', { exact: true }).fill('10.00');
      await page.getByLabel('流量', { exact: true }).fill('100');
      await page.getByRole('switch', { name: '续费时重置已用流量' }).check({ force: true });
      await page.getByRole('switch', { name: '在一段时间内以促销价出售' }).check({ force: true });
      await page.getByLabel('促销价', { exact: true }).fill('8.00');
      await page.getByLabel('开始时间').fill('2030-01-01T08:00');
      await page.getByLabel('结束时间').fill('2029-12-31T08:00');
      await page.getByRole('button', { name: '创建' }).click();
      await expect(page.getByText('请填写促销价和起止时间，结束时间须晚于开始时间。')).toBeVisible();
      await page.getByLabel('结束时间').fill('2030-02-01T08:00');
      await noOverflow(page);
      await page.getByRole('button', { name: '创建' }).click();
      await expect(page.getByRole('heading', { level: 1, name: '套餐' })).toBeVisible();
      const plans = await api(request, 'GET', 'admin/shop', { token: await adminSession(request) });
      const plan = plans.find((p) => p.name === name);
      expect(plan.auto_reset_bandwidth).toBe(1);
      const start = await page.evaluate(() => Math.floor(new Date('2030-01-01T08:00').getTime() / 1000));
      const end = await page.evaluate(() => Math.floor(new Date('2030-02-01T08:00').getTime() / 1000));
      expect(plan.content.promo).toMatchObject({ start, end });

      // The audit log reads as words, not JSON.
      await page.goto('/#/admin/audit');
      await expect(page.getByRole('heading', { level: 1, name: '操作日志' })).toBeVisible();
      const row = page.getByRole('row').filter({ hasText: 'setting:connection_device_limit' }).first();
      await expect(row).toContainText('修改设置');
      await expect(row).toContainText('→');
      await expect(row).not.toContainText('{"');
      await expect(page.getByRole('row').filter({ hasText: '创建套餐' }).first()).toBeVisible();
      // Older rows a page at a time.
      const older = page.getByRole('button', { name: '更早' });
      if (await older.count()) {
        await older.click();
        await expect(page.getByRole('button', { name: '最新' })).toBeVisible();
      }
      await noOverflow(page);
      await shot(page, `audit-${device}-zh`);
    });
  });
}
