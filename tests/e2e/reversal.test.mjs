// Corrections are new entries, never edits (issue 5): the coordinator
// allocates a small amount to a published need, then reverses it with a
// reason from the need page. The line's gap is back where it was, the
// allocation is gone from the line, and the public ledger's newest entry is
// a `reversal` leaf naming the allocation — while the allocation's own leaf
// stays in the log, unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, url } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const norm = (s) => s.replace(/\s+/g, ' ').trim();
/** "1.234.567 ₫" → 1234567 (the first amount of a cell). */
const dong = (s) => Number((s.split('₫')[0] || '').replace(/\D/g, ''));
const AMOUNT = 12345;

async function gapOf(page, id) {
  const resp = await page.goto(url(`/needs/${id}`));
  assert.equal(resp.status(), 200, `need ${id}`);
  return dong(norm(await page.locator('[data-testid=gap]').first().innerText()));
}

/** The newest entry of the log (the signed head may lag behind it by up to a
 * minute, so page on from the head's size to the end of the entries). */
async function ledgerTail(page) {
  const sth = await (await page.request.get(url('/api/v1/ledger/sth'))).json();
  let start = Math.max(0, sth.tree_size - 1);
  for (;;) {
    const r = await page.request.get(url(`/api/v1/ledger/entries?start=${start}&end=${start + 999}`));
    assert.equal(r.status(), 200);
    const entries = (await r.json()).entries;
    if (entries.length < 1000) {
      const last = entries[entries.length - 1];
      return { size: last.index + 1, leaf: JSON.parse(Buffer.from(last.leaf, 'base64').toString('utf8')) };
    }
    start += 999;
  }
}

test('reversal: an allocation reversed with a reason puts the gap back and appends a reversal entry', async () => {
  const ctx = await newContext(browser, { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  try {
    await login(page, 'dieuphoi');
    // A published line with a gap and a pledge that can still be allocated.
    const resp = await page.goto(url('/needs?status=published'));
    assert.equal(resp.status(), 200);
    const links = [...new Set(await page.locator('table a[href^="/needs/"]').evaluateAll(
      (as) => as.map((a) => a.getAttribute('href')).filter((h) => /^\/needs\/[^/?]+$/.test(h) && h !== '/needs/rollup')))];
    let line = null;
    for (const href of links.slice(0, 60)) {
      const id = href.split('/').pop();
      const gap = await gapOf(page, id);
      const options = await page.locator('select#pledge_id option').count();
      if (gap > AMOUNT && options > 0) { line = { id, gap }; break; }
    }
    assert.ok(line, 'the demo has a published line with a gap and an allocatable pledge');

    await page.fill('#amount', String(AMOUNT));
    await Promise.all([page.waitForLoadState('domcontentloaded'), page.click('[data-testid=allocate-submit]')]);
    const afterAlloc = await gapOf(page, line.id);
    assert.ok(afterAlloc <= line.gap, `allocating does not widen the gap (${line.gap} → ${afterAlloc})`);
    const item = page.locator('ul[data-testid=flows] li', { hasText: '12.345' }).last();
    assert.equal(await item.count(), 1, 'the new allocation is listed on the line');
    const allocLeaf = await ledgerTail(page);
    assert.equal(allocLeaf.leaf.kind, 'allocation');
    assert.equal(allocLeaf.leaf.amount, AMOUNT);

    // Without a reason the browser will not send the form (required field).
    await item.locator('summary').click();
    const reason = item.locator('input[name=reason]');
    assert.equal(await reason.getAttribute('required'), '', 'a reason is required');
    await reason.fill('Phân bổ nhầm dòng nhu cầu (thử nghiệm e2e)');
    await Promise.all([page.waitForLoadState('domcontentloaded'), item.locator('[data-testid=reverse-allocation]').click()]);
    assert.match(new URL(page.url()).pathname, new RegExp(`/needs/${line.id}$`), 'back on the need page');

    const afterReversal = await gapOf(page, line.id);
    assert.equal(afterReversal, line.gap, 'the gap is back where it was before the allocation');
    assert.equal(await page.locator('ul[data-testid=flows] li', { hasText: '12.345' }).count(), 0, 'the reversed allocation no longer covers the line');

    const rev = await ledgerTail(page);
    assert.equal(rev.size, allocLeaf.size + 1, 'one new ledger entry');
    assert.equal(rev.leaf.kind, 'reversal');
    assert.equal(rev.leaf.reverses, 'allocation');
    assert.equal(rev.leaf.ref, allocLeaf.leaf.id);
    assert.equal(rev.leaf.amount, AMOUNT);
    assert.ok(!JSON.stringify(rev.leaf).includes('thử nghiệm'), 'the reason (free text) is not in the public leaf');
    // The allocation's own entry is still there, byte for byte.
    const r = await page.request.get(url(`/api/v1/ledger/entries?start=${allocLeaf.size - 1}&end=${allocLeaf.size - 1}`));
    const again = JSON.parse(Buffer.from((await r.json()).entries[0].leaf, 'base64').toString('utf8'));
    assert.deepEqual(again, allocLeaf.leaf);
  } finally {
    await ctx.close();
  }
});
