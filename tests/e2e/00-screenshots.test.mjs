// Screenshots of real pages for README (named 00-… so it runs first, on
// untouched demo data) (docs/screenshots/NAME.png at
// 1280 px and NAME-360.png at 360 px). Tall pages are cut to a viewport-
// sized picture to keep the PNGs small.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { launch, newContext, login, url, screenshot } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// [name, who (null = anonymous), path, expected status]
const SHOTS = [
  ['landing', null, '/', 200],
  ['login', null, '/login', 200],
  ['home-coordinator', 'dieuphoi', '/home', 200],
  ['units-2019-09-11', null, '/units?on=2019-09-11', 200],
  ['unit-20035', null, '/units/20035%402020-01-01', 200],
  ['classifications', 'dieuphoi', '/classifications', 200],
  ['organisations', 'dieuphoi', '/organisations', 200],
  ['audit', 'admin', '/audit', 200],
  ['admin-users', 'admin', '/admin/users', 200],
  ['error-403', 'nhataitro', '/audit', 403],
];

const SIZES = [
  ['', { width: 1280, height: 800 }, 2400],
  ['-360', { width: 360, height: 740 }, 2200],
];

for (const [suffix, viewport, maxFullHeight] of SIZES) {
  test(`screenshots at ${viewport.width} px`, async () => {
    const sessions = new Map();
    try {
      for (const [name, who, path, status] of SHOTS) {
        const key = who ?? '';
        if (!sessions.has(key)) {
          const ctx = await newContext(browser, { viewport, deviceScaleFactor: 1 });
          const page = await ctx.newPage();
          if (who) await login(page, who);
          sessions.set(key, { ctx, page });
        }
        const { page } = sessions.get(key);
        const resp = await page.goto(url(path), { waitUntil: 'load' });
        assert.equal(resp.status(), status, `${path} as ${who ?? 'anonymous'}`);
        const file = await screenshot(page, `${name}${suffix}`, { maxFullHeight });
        const kb = statSync(file).size / 1024;
        console.log(`screenshot ${file.replace(/.*docs\//, 'docs/')} ${kb.toFixed(0)} KB`);
        assert.ok(kb < 600, `${file} is ${kb.toFixed(0)} KB`);
      }
    } finally {
      for (const { ctx } of sessions.values()) await ctx.close();
    }
  });
}
