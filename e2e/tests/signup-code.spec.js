// Sign-up with an e-mail code, when the operator turns reg_email_verify on.
const { test, expect } = require('@playwright/test');
const { api, adminToken, uniqueEmail, sql } = require('./helpers');

test('sign up with an e-mail verification code', async ({ page, request }) => {
  const admin = await adminToken(request);
  const setVerify = (value) => api(request, 'PUT', 'admin/settings/reg_email_verify', { token: admin, body: { value } });
  await setVerify('1');
  try {
    const email = uniqueEmail('code');
    await page.goto('/#/signup');
    await page.getByLabel('E-mail', { exact: true }).fill(email);
    await page.getByLabel('Password').fill('e2e-password-1');
    await page.getByRole('button', { name: 'Create account' }).click();
    // The server asks for a code: the field appears with its send button.
    await expect(page.getByLabel('Verification code')).toBeVisible();
    await page.getByRole('button', { name: 'Send code' }).click();
    await expect(page.getByText('Code sent: check your inbox.')).toBeVisible();
    const text = JSON.parse(sql(`SELECT array FROM email_queue WHERE to_email = '${email}' ORDER BY id DESC LIMIT 1`)).text;
    await page.getByLabel('Verification code').fill(text.match(/\b\d{6}\b/)[0]);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  } finally {
    await setVerify('0');
  }
});
