// Logging in and out as every demo role; a wrong password gets one message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, url, DEMO_USERS } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const [username, role] of DEMO_USERS) {
  test(`${username} logs in, lands on the ${role} home page, and logs out`, async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    try {
      await login(page, username);
      assert.equal(new URL(page.url()).pathname, '/home', `after login ${username} is on ${page.url()}`);
      const h1 = page.locator('h1[data-testid=home]');
      assert.equal(await h1.getAttribute('data-role'), role);
      const who = (await page.textContent('[data-testid=who]')) ?? '';
      assert.ok(who.trim().length > 0, 'header names the signed-in user');
      assert.equal(await page.getAttribute('html', 'lang'), 'vi', 'Vietnamese by default');

      await Promise.all([page.waitForLoadState('domcontentloaded'), page.click('[data-testid=logout]')]);
      await page.waitForLoadState('domcontentloaded');
      assert.equal(await page.locator('[data-testid=who]').count(), 0, 'no user in the header after logout');
      assert.equal(await page.locator('[data-testid=logout]').count(), 0, 'no logout button after logout');

      // The old session is gone: /home no longer shows the role's home.
      const resp = await page.goto(url('/home'));
      assert.equal(await page.locator('h1[data-testid=home]').count(), 0,
        `after logout /home still shows a home page (status ${resp?.status()})`);
    } finally {
      await ctx.close();
    }
  });
}

test('wrong password and unknown user stay on the login page with the same message', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    const attempt = async (username, password) => {
      await page.goto(url('/login'));
      await page.fill('#username', username);
      await page.fill('#password', password);
      const t0 = Date.now();
      await Promise.all([page.waitForLoadState('domcontentloaded'), page.click('[data-testid=login-submit]')]);
      await page.waitForSelector('[data-testid=login-error]');
      const ms = Date.now() - t0;
      assert.equal(new URL(page.url()).pathname, '/login', `still on the login page, not ${page.url()}`);
      assert.equal(await page.locator('h1[data-testid=home]').count(), 0);
      assert.equal(await page.locator('[data-testid=who]').count(), 0);
      return { text: (await page.textContent('[data-testid=login-error]')).trim(), ms };
    };
    const wrong = await attempt('dieuphoi', 'not-the-password');
    const unknown = await attempt('khong-ton-tai-' + Date.now(), 'not-the-password');
    console.log(`login error (wrong password, ${wrong.ms} ms): ${wrong.text}`);
    console.log(`login error (unknown user,   ${unknown.ms} ms): ${unknown.text}`);
    assert.ok(wrong.text.length > 0, 'the error message is not empty');
    assert.equal(unknown.text, wrong.text, 'unknown user and wrong password get the same message');
  } finally {
    await ctx.close();
  }
});
