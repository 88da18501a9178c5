// Switching to Chinese relabels the frame and pages, and the choice survives a reload.
const { test, expect } = require('@playwright/test');
const { api, uniqueEmail } = require('./helpers');

test('switch to Chinese', async ({ page, request }) => {
  const email = uniqueEmail('zh');
  await api(request, 'POST', 'auth/register', { body: { email, password: 'e2e-password-2' } });
  await page.goto('/#/login');
  await expect(page.getByRole('heading', { level: 1, name: 'Log in' })).toBeVisible();
  await page.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
  await expect(page.getByRole('heading', { level: 1, name: '登录' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await page.getByLabel('邮箱').fill(email);
  await page.getByLabel('密码').fill('e2e-password-2');
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByRole('heading', { level: 1, name: '仪表盘' })).toBeVisible();
  const nav = page.getByRole('navigation');
  await expect(nav.getByRole('link', { name: '商店' })).toBeVisible();
  await expect(nav.getByRole('link', { name: '订阅' })).toBeVisible();
  await expect(page.getByRole('button', { name: '退出登录' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: '仪表盘' })).toBeVisible();
  await nav.getByRole('link', { name: '充值' }).click();
  await expect(page.getByRole('heading', { level: 1, name: '充值' })).toBeVisible();
  await page.screenshot({ path: `${__dirname}/../screenshots/topup-zh.png`, fullPage: true });
  await page.getByRole('combobox', { name: '语言' }).selectOption('en');
  await expect(page.getByRole('heading', { level: 1, name: 'Top up' })).toBeVisible();
});
