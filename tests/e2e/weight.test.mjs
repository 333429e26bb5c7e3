// Page weight budget (14 KB compressed HTML, 60 KB first load) and the
// Slow 3G profile, measured in Chromium over the DevTools protocol.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, url } from './lib.mjs';

const DOC_BUDGET = 14 * 1024;
const TOTAL_BUDGET = 60 * 1024;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Loads `path` with a cold cache and returns the bytes that came over the
 * wire (encodedDataLength from Network.loadingFinished: compressed body plus
 * response headers) for the document and for everything. */
async function measure(page, path) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const requests = new Map();
  cdp.on('Network.requestWillBeSent', (e) => {
    requests.set(e.requestId, { url: e.request.url, type: e.type, bytes: 0, done: false });
  });
  cdp.on('Network.responseReceived', (e) => {
    const r = requests.get(e.requestId);
    if (r) {
      r.status = e.response.status;
      const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      r.encoding = h['content-encoding'] || 'identity';
      r.headerBytes = e.response.encodedDataLength;
    }
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) { r.bytes = e.encodedDataLength; r.done = true; }
  });
  cdp.on('Network.loadingFailed', (e) => {
    const r = requests.get(e.requestId);
    if (r) { r.failed = e.errorText; r.done = true; }
  });
  const resp = await page.goto(url(path), { waitUntil: 'networkidle' });
  assert.equal(resp.status(), 200, `${path}: HTTP ${resp.status()}`);
  const rows = [...requests.values()].filter((r) => !r.url.startsWith('data:'));
  const doc = rows.find((r) => r.type === 'Document');
  assert.ok(doc && doc.done, `${path}: document request seen`);
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  await cdp.detach();
  return { path, doc, total, rows };
}

function report(m) {
  const parts = m.rows.filter((r) => !r.url.startsWith('data:')).map((r) => `${new URL(r.url).pathname}${new URL(r.url).search}=${r.bytes}${r.encoding && r.encoding !== 'identity' ? `(${r.encoding})` : ''}`);
  console.log(`weight ${m.path}: document ${m.doc.bytes} B (${(m.doc.bytes / 1024).toFixed(1)} KB, ${m.doc.encoding}), ` +
    `first load ${m.total} B (${(m.total / 1024).toFixed(1)} KB) in ${m.rows.length} requests: ${parts.join(' ')}`);
}

function check(m) {
  report(m);
  assert.notEqual(m.doc.encoding, 'identity', `${m.path}: document is served compressed (gzip accepted)`);
  assert.ok(m.doc.bytes <= DOC_BUDGET, `${m.path}: document ${m.doc.bytes} B > ${DOC_BUDGET} B`);
  assert.ok(m.total <= TOTAL_BUDGET, `${m.path}: first load ${m.total} B > ${TOTAL_BUDGET} B`);
  for (const r of m.rows) assert.ok(!r.failed, `${m.path}: ${r.url} failed: ${r.failed}`);
}

const PUBLIC = ['/', '/portal', '/login', '/units', '/units?on=2019-09-11', '/classifications', '/units/20035%402020-01-01'];
const ADMIN = ['/home', '/organisations', '/audit', '/admin/users', '/classifications', '/account'];

test('page weight budget: public pages', async () => {
  const failures = [];
  for (const path of PUBLIC) {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    try {
      check(await measure(page, path));
    } catch (e) {
      failures.push(e.message);
    } finally {
      await ctx.close();
    }
  }
  assert.deepEqual(failures, []);
});

test('page weight budget: pages as admin', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  const failures = [];
  try {
    await login(page, 'admin');
    for (const path of ADMIN) {
      try {
        check(await measure(page, path));
      } catch (e) {
        failures.push(e.message);
      }
    }
  } finally {
    await ctx.close();
  }
  assert.deepEqual(failures, []);
});

for (const path of ['/login', '/units?on=2019-09-11']) {
  test(`Slow 3G (2 s latency, 400 kbit/s): ${path} is usable within 10 s`, async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    try {
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 2000,
        downloadThroughput: 50000,
        uploadThroughput: 50000,
      });
      const t0 = Date.now();
      await page.goto(url(path), { waitUntil: 'domcontentloaded', timeout: 30000 });
      const dcl = Date.now() - t0;
      await page.waitForLoadState('load', { timeout: 30000 });
      const load = Date.now() - t0;
      const timing = await page.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0];
        return { dcl: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) };
      });
      console.log(`slow 3G ${path}: DOMContentLoaded ${dcl} ms, load ${load} ms (navigation timing: DCL ${timing.dcl} ms, load ${timing.load} ms)`);
      assert.ok(await page.locator('main h1').isVisible(), 'the page heading is there');
      if (path === '/login') assert.ok(await page.locator('#username').isVisible(), 'the login form is there');
      assert.ok(dcl <= 10000, `DOMContentLoaded after ${dcl} ms > 10000 ms`);
      assert.ok(load <= 10000, `load after ${load} ms > 10000 ms`);
    } finally {
      await ctx.close();
    }
  });
}
