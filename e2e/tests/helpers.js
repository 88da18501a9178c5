// Shared by the specs: the admin's API token, JSON API calls, screenshots, UI login.
const path = require('path');
const { expect } = require('@playwright/test');

const ADMIN_EMAIL = process.env.SPANEL_ADMIN_EMAIL || 'e2e-admin@example.com';
const ADMIN_PASSWORD = process.env.SPANEL_ADMIN_PASSWORD || 'e2e-admin-password';
const SHOTS = path.join(__dirname, '..', 'screenshots');

/** Calls /app/api/v0/<p> and returns the envelope's data; fails the test on a non-success envelope. */
async function api(request, method, p, { token, body } = {}) {
  const resp = await request.fetch(`/app/api/v0/${p}`, {
    method,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    data: body,
  });
  const env = await resp.json();
  expect(env.ret, `${method} ${p}: ${JSON.stringify(env)}`).toBe(1);
  return env.data;
}

async function adminToken(request) {
  const data = await api(request, 'POST', 'auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  return data.token;
}

/** A fresh address (SSPanel allows at most 32 characters). */
function uniqueEmail(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}@e2e.test`;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Logs in through the form and waits for the dashboard. */
async function uiLogin(page, email, password) {
  await page.goto('/#/login');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
}

/** The current RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret, `offset` steps ahead. */
function totp(secret, offset = 0) {
  const crypto = require('crypto');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + offset));
  const mac = crypto.createHmac('sha1', key).update(counter).digest();
  const o = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

/** One value from spanel's SQLite database (the e2e server's own file). */
function sql(query) {
  const file = process.env.SPANEL_DATABASE_URL.replace(/^sqlite:\/\//, '');
  return require('child_process').execFileSync('sqlite3', [file, query], { encoding: 'utf8' }).trim();
}

module.exports = { api, adminToken, uniqueEmail, shot, uiLogin, totp, sql, ADMIN_EMAIL, ADMIN_PASSWORD };
