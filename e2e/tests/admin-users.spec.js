// User administration and audit rules in the console: an operator reaches the console by typing
// /admin, creates a user (password generated, shown once), edits the balance with a reason, bans
// for a time, reads the user's record lists, adds an audit rule (a pattern RE2 cannot compile is
// refused with the reason); in English and Chinese, on a desktop and on a 390-px phone, and no page
// is wider than the window. Screenshots go to e2e/screenshots/admin-users-*.png.
const { test, expect } = require('@playwright/test');
const { api, uniqueEmail, shot: saveShot, ADMIN_EMAIL, ADMIN_PASSWORD } = require('./helpers');

const shot = (page, name) => saveShot(page, `admin-users-${name}`);

async function login(page) {
  await page.goto('/#/login');
  await page.getByLabel('E-mail').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
}

/** The page is no wider than the window (nothing scrolls sideways). */
async function expectNoOverflow(page) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, width: window.innerWidth,
  }));
  expect(scroll, `page is ${scroll}px wide in a ${width}px window`).toBeLessThanOrEqual(width);
}

/** Every value of the account list has room: at least `min` px, and no value is clipped. */
async function expectReadableValues(page, min) {
  const cells = await page.locator('.kv dd').evaluateAll((dds) => dds.map((dd) => ({
    width: dd.getBoundingClientRect().width,
    clipped: dd.scrollWidth > dd.clientWidth + 1,
    text: dd.textContent,
  })));
  expect(cells.length).toBeGreaterThan(10);
  for (const c of cells) {
    expect(c.width, `value "${c.text}" is ${c.width}px wide`).toBeGreaterThanOrEqual(min);
    expect(c.clipped, `value "${c.text}" is clipped`).toBe(false);
  }
}

test('typing /admin and /user in the address bar leads into the console and the user center', async ({ page }) => {
  await page.goto('/admin');
  await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
  await login(page);
  await page.goto('/admin');
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  await page.goto('/#/admin');
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  await expect(page.getByText('Page not found.')).toHaveCount(0);
  await page.goto('/user');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
});

for (const viewport of [{ name: 'desktop', width: 1366, height: 768 }, { name: 'phone', width: 390, height: 844 }]) {
  test(`an operator creates, edits and bans a user (${viewport.name})`, async ({ page, request }) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await login(page);
    const email = uniqueEmail(`op${viewport.name[0]}`);
    await page.goto('/#/admin/users');
    await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
    await expectNoOverflow(page);

    // Create: the generated password is shown once and logs in.
    await page.getByRole('button', { name: 'New user' }).click();
    let dlg = page.getByRole('dialog');
    await dlg.getByLabel('E-mail', { exact: true }).fill(email);
    await dlg.getByLabel(/^Class$/).fill('2');
    await dlg.getByLabel(/Traffic allowance/).fill('50');
    await dlg.getByLabel(/^Reason/).fill('e2e: offline sale');
    await dlg.getByRole('button', { name: 'New user' }).click();
    const shown = page.getByRole('textbox', { name: /Password/ });
    await expect(shown).not.toHaveValue('');
    const password = await shown.inputValue();
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await expect(page.getByRole('heading', { level: 1, name: `User ${email}` })).toBeVisible();
    await api(request, 'POST', 'auth/login', { body: { email, password } });
    await expect(page.getByTestId('user-class')).toHaveText('2');

    // The account list is readable and nothing overflows the window.
    await expect(page.getByTestId('records-traffic').getByText('None.')).toBeVisible();
    await expect(page.locator('[data-testid^="records-"] .loading')).toHaveCount(0);
    await expectReadableValues(page, viewport.width > 500 ? 150 : 200);
    await expectNoOverflow(page);
    await shot(page, `${viewport.name}-user`);

    // Balance with a reason: recorded in the balance changes.
    await page.getByRole('button', { name: 'Edit account' }).click();
    dlg = page.getByRole('dialog');
    await dlg.getByLabel(/^Balance/).fill('8.50');
    await dlg.getByLabel(/^Remark/).fill('reseller');
    await dlg.getByLabel(/^Reason/).fill('e2e: credit');
    await dlg.getByRole('button', { name: 'Save' }).click();
    await expect(dlg).toHaveCount(0);
    await expect(page.getByTestId('user-balance')).toHaveText('8.50');
    const balance = page.getByTestId('records-balance');
    await expect(balance.getByRole('cell', { name: 'e2e: credit' })).toBeVisible();
    await expect(balance.getByRole('cell', { name: '8.50' }).first()).toBeVisible();

    // A timed ban: disabled now, in the ban list.
    await page.getByRole('button', { name: 'Ban for a time' }).click();
    dlg = page.getByRole('dialog');
    await dlg.getByLabel('Minutes').fill('30');
    await dlg.getByLabel(/^Reason/).fill('e2e: spam');
    await dlg.getByRole('button', { name: 'Ban for a time' }).click();
    await expect(page.getByText('disabled', { exact: true })).toBeVisible();
    await expect(page.getByTestId('records-bans').getByRole('cell', { name: '30' })).toBeVisible();
    await expectNoOverflow(page);

    // Found again by search, by e-mail and by port.
    await page.goto(`/#/admin/users?q=${encodeURIComponent(email)}`);
    await expect(page.getByRole('link', { name: email })).toBeVisible();

    // The same page in Chinese.
    await page.getByRole('link', { name: email }).click();
    await page.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
    await expect(page.getByRole('heading', { level: 1, name: `用户 ${email}` })).toBeVisible();
    await expect(page.getByRole('heading', { name: '充值记录' })).toBeVisible();
    await expect(page.getByRole('heading', { name: '余额变动' })).toBeVisible();
    await expectReadableValues(page, viewport.width > 500 ? 150 : 200);
    await expectNoOverflow(page);
    await shot(page, `${viewport.name}-user-zh`);
    await page.getByRole('combobox', { name: '语言' }).selectOption('en');
  });
}

test('audit rules: a pattern RE2 cannot compile is refused with the reason', async ({ page }) => {
  await login(page);
  await page.goto('/#/admin/detect');
  await expect(page.getByRole('heading', { level: 1, name: 'Audit rules' })).toBeVisible();
  const name = `bt${Date.now().toString(36)}`;
  await page.getByRole('button', { name: 'Add a rule' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Name', { exact: true }).fill(name);
  await dlg.getByLabel(/^Pattern/).fill('(?=torrent)');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await expect(dlg.getByText(/look-around/)).toBeVisible();
  await dlg.getByLabel(/^Pattern/).fill('(?i)bittorrent');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await expect(dlg).toHaveCount(0);
  await expect(page.getByRole('row').filter({ hasText: name })).toContainText('(?i)bittorrent');
  await expectNoOverflow(page);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
  await expect(page.getByRole('heading', { level: 1, name: '审计规则' })).toBeVisible();
  await expectNoOverflow(page);
  await shot(page, 'detect-phone-zh');
  await page.getByRole('combobox', { name: '语言' }).selectOption('en');
});
