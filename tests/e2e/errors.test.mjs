// Friendly 401/403/404 pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, url } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function expectErrorPage(page, path, statuses) {
  const resp = await page.goto(url(path));
  const status = resp.status();
  assert.ok(statuses.includes(status), `${path}: HTTP ${status}, expected one of ${statuses}`);
  const h1 = page.locator('h1[data-testid=error-status]');
  assert.equal(await h1.count(), 1, `${path}: friendly error page with h1[data-testid=error-status]`);
  assert.equal(await h1.getAttribute('data-status'), String(status), `${path}: data-status matches HTTP status`);
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  // Still a full page of the site: header, brand, a way back.
  assert.equal(await page.locator('header .brand').count(), 1, `${path}: site header present`);
  const css = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  assert.ok(css && !/^\s*(Times|serif)/i.test(css), `${path}: styled (font ${css})`);
  return { status, text: (await page.textContent('main')).replace(/\s+/g, ' ').trim() };
}

test('donor visiting /audit and /admin/users gets the friendly 403', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    await login(page, 'nhataitro');
    for (const path of ['/audit', '/admin/users']) {
      const { text } = await expectErrorPage(page, path, [403]);
      assert.match(text, /Vai trò của bạn không được phép/, `${path}: Vietnamese explanation, got: ${text}`);
      console.log(`403 ${path}: ${text.slice(0, 160)}`);
    }
  } finally {
    await ctx.close();
  }
});

test('anonymous visitor to /audit and /admin/users gets a friendly 401/403', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    for (const path of ['/audit', '/admin/users']) {
      const { status, text } = await expectErrorPage(page, path, [401, 403]);
      assert.ok(await page.locator('main a[href^="/login"]').count() > 0 || status === 403,
        `${path}: a 401 page offers a link to log in`);
      console.log(`${status} ${path} (anonymous): ${text.slice(0, 160)}`);
    }
  } finally {
    await ctx.close();
  }
});

test('unknown path gives the friendly 404', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    const { text } = await expectErrorPage(page, '/no-such-page', [404]);
    assert.ok(text.length > 20, 'the 404 page explains something');
    assert.ok(await page.locator('main a[href="/"]').count() > 0 || await page.locator('header a[href="/"]').count() > 0,
      'a way back to the start page');
    console.log(`404: ${text.slice(0, 160)}`);
  } finally {
    await ctx.close();
  }
});
