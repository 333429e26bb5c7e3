// The public portal on the demo data, without logging in: reached from the
// landing page, its sections render (open needs, what came in, where it
// went, deliveries, children supported, open data), a GET filter narrows
// the needs, a pledge link leads to a public need page with its pledge
// form, the open-data files answer, and unnamed donors stay unnamed.
// Screenshot: docs/screenshots/portal.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, url, screenshot } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** "12.400.000 ₫" → 12400000. */
function money(s) {
  return Number((s ?? '').replace(/[^\d]/g, ''));
}

test('the public portal, without login: sections, a filter, a pledge link, open data', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    // From the landing page.
    await page.goto(url('/'));
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
      page.click('[data-testid=portal-link]'),
    ]);
    assert.equal(new URL(page.url()).pathname, '/portal');
    assert.equal(await page.locator('[data-testid=who]').count(), 0, 'nobody is logged in');
    await screenshot(page, 'portal', { maxFullHeight: 0 });

    // 1. Open needs: totals and a table by commune.
    const needs = page.locator('[data-testid=portal-needs]');
    assert.ok(await needs.isVisible());
    const gap = money(await page.textContent('[data-testid=total-gap]'));
    const need = money(await page.textContent('[data-testid=total-need]'));
    assert.ok(need > 0 && gap > 0 && gap <= need, `need ${need}, gap ${gap}`);
    assert.ok(await page.locator('table[data-testid=needs-by-commune] tbody tr').count() > 0);

    // 2. What came in: the demo has receipts; anonymous donors pooled.
    assert.ok(await page.locator('[data-testid=portal-in]').isVisible());
    assert.ok(money(await page.textContent('[data-testid=total-money]')) > 0, 'money came in');
    assert.ok(await page.locator('table[data-testid=by-donor] tbody tr').count() > 0);
    const receiptLink = page.locator('table[data-testid=latest-receipts] a[href^="/ledger/receipts/"]').first();
    assert.ok(await receiptLink.count() > 0, 'receipts link to their public page');

    // 3. Where it went.
    assert.ok(await page.locator('[data-testid=portal-went]').isVisible());
    assert.ok(money(await page.textContent('[data-testid=total-allocated]')) > 0);
    assert.ok(await page.locator('table[data-testid=went-by-commune] tbody tr').count() > 0);

    // 4. Deliveries: a table, or the sentence saying there are none yet.
    const deliveries = page.locator('[data-testid=portal-deliveries]');
    assert.ok(await deliveries.isVisible());
    const shown = await deliveries.locator('table[data-testid=deliveries], [data-testid=no-deliveries]').count();
    assert.equal(shown, 1, 'deliveries: a table or "no handover minutes yet"');

    // 5. Children supported: counts only, no cell from 1 to 4 shown as a number.
    const children = page.locator('[data-testid=portal-children]');
    assert.ok(await children.isVisible());
    const cells = await page.locator('table[data-testid=children] td').allInnerTexts();
    for (const c of cells) {
      const n = Number(c.replace(/\./g, ''));
      assert.ok(!(n >= 1 && n <= 4), `a small count is shown: ${c}`);
    }

    // Open data: every listed file answers.
    const links = await page.locator('[data-testid=open-data] a[href^="/open-data/"]').evaluateAll(
      (as) => as.map((a) => a.getAttribute('href')));
    assert.equal(links.length, 9, `files listed: ${links.join(' ')}`);
    for (const href of links) {
      const r = await page.request.get(url(href));
      assert.equal(r.status(), 200, href);
    }
    const receipts = await (await page.request.get(url('/open-data/receipts.json'))).json();
    assert.ok(receipts.length > 0);
    for (const r of receipts) {
      if (!r.donor_named) assert.equal(r.donor, 'Nhà hảo tâm ẩn danh / Anonymous donor');
      for (const key of ['tax_code', 'phone', 'email']) assert.ok(!(key in r), `${key} is never published`);
    }

    // A GET filter by commune narrows the needs.
    const commune = await page.locator('#commune option').nth(1).getAttribute('value');
    await page.selectOption('#commune', commune);
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
      page.click('[data-testid=portal-needs] form button[type=submit]'),
    ]);
    assert.equal(new URL(page.url()).searchParams.get('commune'), commune);
    const narrowed = money(await page.textContent('[data-testid=total-need]'));
    assert.ok(narrowed > 0 && narrowed < need, `one commune's need ${narrowed} < all ${need}`);
    assert.equal(await page.locator('table[data-testid=needs-by-commune] tbody tr').count(), 1);

    // A pledge link leads to the need's public page, which takes a pledge.
    await page.goto(url('/portal'));
    const pledge = page.locator('table[data-testid=open-lines] a[data-testid=pledge-link]').first();
    const href = await pledge.getAttribute('href');
    assert.match(href, /^\/needs\/[^/]+$/);
    await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }), pledge.click()]);
    assert.equal(new URL(page.url()).pathname, href);
    assert.ok(await page.locator('[data-testid=need-title]').isVisible(), 'the need page');
    assert.ok(await page.locator('[data-testid=public-pledge-submit]').isVisible(), 'with its pledge form');
  } finally {
    await ctx.close();
  }
});
