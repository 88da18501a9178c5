// Paying for a plan in one step from the shop: the buy dialog's online payment (debug gateway here)
// creates a top-up tied to the plan; once paid, the plan is bought and the page says so.
const { test, expect } = require('@playwright/test');
const { api, adminToken, uniqueEmail, shot, uiLogin } = require('./helpers');

test('pay for a plan online from the shop', async ({ page, request }) => {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const admin = await adminToken(request);
  const planName = `E2E Checkout ${Date.now()}`;
  await api(request, 'POST', 'admin/shop', {
    token: admin,
    body: { name: planName, price: '12.00', content: { bandwidth: 50, class: 1, class_expire: 30, expire: 30 } },
  });
  const email = uniqueEmail('co');
  await api(request, 'POST', 'auth/register', { body: { email, password: 'e2e-password-1' } });
  await uiLogin(page, email, 'e2e-password-1');

  await page.getByRole('navigation').getByRole('link', { name: 'Shop' }).click();
  const plan = page.getByRole('region', { name: planName });
  await plan.getByRole('button', { name: 'Buy' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Test payment (debug)').check();
  await expect(dialog.getByLabel('Use my balance first')).toBeChecked();
  await dialog.getByRole('button', { name: 'Pay online' }).click();
  const order = page.getByTestId('order');
  await expect(order).toContainText(`Payment for ${planName}: 12.00`);
  await shot(page, 'checkout');
  await order.getByRole('button', { name: 'Confirm payment (debug)' }).click();
  await expect(order).toContainText(`Paid and bought ${planName}.`);
  await expect(page.getByTestId('header-balance')).toContainText('0.00');

  await page.getByRole('navigation').getByRole('link', { name: 'Orders' }).click();
  await expect(page.getByRole('table').first()).toContainText(planName);
  expect(errors).toEqual([]);
});
