// Vietnamese by default; the switch turns the pages English and back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, url } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const VI_NAV = 'Bản đồ đơn vị hành chính';
const EN_NAV = 'Map of administrative units';

async function switchLanguage(page) {
  await Promise.all([page.waitForLoadState('domcontentloaded'), page.click('[data-testid=lang-switch]')]);
  await page.waitForLoadState('domcontentloaded');
}

async function navText(page) {
  return (await page.textContent('nav.main')) ?? '';
}

for (const who of [null, 'dieuphoi']) {
  test(`language switch to English and back (${who ?? 'anonymous'})`, async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    try {
      const start = who ? '/home' : '/units';
      if (who) await login(page, who);
      await page.goto(url(start));
      assert.equal(await page.getAttribute('html', 'lang'), 'vi');
      assert.ok((await navText(page)).includes(VI_NAV), 'Vietnamese nav text');
      const viTitle = await page.title();

      await switchLanguage(page);
      assert.equal(new URL(page.url()).pathname, start, 'the switch returns to the same page');
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      const en = await navText(page);
      assert.ok(en.includes(EN_NAV), `English nav text, got: ${en.replace(/\s+/g, ' ')}`);
      assert.ok(!en.includes(VI_NAV), 'no Vietnamese nav text left');
      assert.notEqual(await page.title(), viTitle, 'the title is translated');

      // The choice sticks (cookie) on other pages.
      await page.goto(url('/classifications'));
      assert.equal(await page.getAttribute('html', 'lang'), 'en', 'English persists across pages');

      await switchLanguage(page);
      assert.equal(await page.getAttribute('html', 'lang'), 'vi');
      assert.ok((await navText(page)).includes(VI_NAV), 'back to Vietnamese');
    } finally {
      await ctx.close();
    }
  });
}

// A visitor looking at the map of 11/09/2019 stays on it after switching.
test('language switch keeps the query string (/units?on=2019-09-11)', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    try {
      await page.goto(url('/units?on=2019-09-11'));
      await switchLanguage(page);
      const u = new URL(page.url());
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.equal(u.pathname + u.search, '/units?on=2019-09-11', `after the switch: ${u.pathname}${u.search}`);
      assert.equal(await page.inputValue('#on'), '2019-09-11');
    } finally {
      await ctx.close();
    }
  });
