// Logging in and moving around with the keyboard alone.
const { test, expect } = require('@playwright/test');
const { api, uniqueEmail } = require('./helpers');

async function tabTo(page, predicate, max = 30) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(predicate)) return;
  }
  throw new Error('focus never reached the target');
}

test('keyboard-only login and navigation', async ({ page, request }) => {
  const email = uniqueEmail('kb');
  await api(request, 'POST', 'auth/register', { body: { email, password: 'e2e-password-3' } });
  await page.goto('/#/login');
  await expect(page.getByLabel('E-mail')).toBeFocused();
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type('e2e-password-3');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  // On a fresh load the first Tab stop is the skip link; it moves focus to the content.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
  await expect(page).toHaveURL(/#\/dashboard$/);

  // Reach the Shop menu link by Tab and open it with Enter; focus moves to the page.
  await tabTo(page, () => document.activeElement && document.activeElement.getAttribute('href') === '#/shop');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  expect(outline).not.toBe('none');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Shop' })).toBeVisible();
  await expect(page.locator('main')).toBeFocused();

  // Log out by keyboard.
  await tabTo(page, () => document.activeElement && document.activeElement.textContent === 'Log out');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Log in' })).toBeVisible();
});
