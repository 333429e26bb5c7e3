// A 360-pixel phone: no horizontal page overflow (wide tables scroll inside
// their .scroll wrapper).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, url } from './lib.mjs';

const WIDTH = 360;
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function overflow(page, path) {
  const resp = await page.goto(url(path));
  assert.equal(resp.status(), 200, `${path}: HTTP ${resp.status()}`);
  return page.evaluate((width) => {
    const offenders = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (el.closest('.scroll')) continue;
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 0.5) {
        offenders.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} right=${Math.round(r.right)}`);
      }
    }
    return {
      scrollWidth: document.documentElement.scrollWidth,
      viewport: window.innerWidth,
      offenders: offenders.slice(0, 8),
    };
  }, WIDTH);
}

const ANON = ['/units', '/', '/portal', '/login', '/units?on=2019-09-11', '/classifications', '/units/20035%402020-01-01'];
const STAFF = ['/home', '/organisations', '/audit', '/admin/users', '/account'];

test('phone layout (360×740): public pages do not overflow horizontally', async () => {
  const ctx = await newContext(browser, { viewport: { width: WIDTH, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const failures = [];
  try {
    for (const path of ANON) {
      const o = await overflow(page, path);
      console.log(`360px ${path}: scrollWidth ${o.scrollWidth}${o.offenders.length ? ' offenders: ' + o.offenders.join(', ') : ''}`);
      if (o.scrollWidth > WIDTH) failures.push(`${path}: scrollWidth ${o.scrollWidth} > ${WIDTH} (${o.offenders.join(', ')})`);
    }
  } finally {
    await ctx.close();
  }
  assert.deepEqual(failures, []);
});

test('phone layout (360×740): staff pages (admin) do not overflow horizontally', async () => {
  const ctx = await newContext(browser, { viewport: { width: WIDTH, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const failures = [];
  try {
    await login(page, 'admin');
    for (const path of STAFF) {
      const o = await overflow(page, path);
      console.log(`360px ${path}: scrollWidth ${o.scrollWidth}${o.offenders.length ? ' offenders: ' + o.offenders.join(', ') : ''}`);
      if (o.scrollWidth > WIDTH) failures.push(`${path}: scrollWidth ${o.scrollWidth} > ${WIDTH} (${o.offenders.join(', ')})`);
    }
  } finally {
    await ctx.close();
  }
  assert.deepEqual(failures, []);
});

test('phone layout (360×740): the menu is one sideways-scrolling row, not a block above the content', async () => {
  const ctx = await newContext(browser, { viewport: { width: WIDTH, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  try {
    await login(page, 'admin');
    const resp = await page.goto(url('/organisations'));
    assert.equal(resp.status(), 200);
    const m = await page.evaluate(() => {
      const nav = document.querySelector('nav.main');
      const ul = nav.querySelector('ul');
      const links = [...nav.querySelectorAll('a')];
      const tops = new Set(links.map((a) => Math.round(a.getBoundingClientRect().top)));
      return {
        height: nav.getBoundingClientRect().height,
        rows: tops.size,
        links: links.length,
        scrollable: ul.scrollWidth > ul.clientWidth,
        mainTop: document.querySelector('main').getBoundingClientRect().top,
      };
    });
    console.log(`360px menu: ${m.links} links, ${m.rows} row(s), ${Math.round(m.height)} px high, main starts at ${Math.round(m.mainTop)} px`);
    assert.ok(m.links >= 6, `the admin's menu has its links (${m.links})`);
    assert.equal(m.rows, 1, 'all menu links on one row');
    assert.ok(m.height <= 60, `menu height ${m.height} px ≤ 60`);
    assert.ok(m.scrollable, 'the row scrolls sideways to reach the other links');
    // The last link can be reached by scrolling the row, and clicking it works.
    const last = page.locator('nav.main a').last();
    await last.scrollIntoViewIfNeeded();
    const box = await last.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= WIDTH + 0.5, 'the last link scrolls into view');
  } finally {
    await ctx.close();
  }
});
