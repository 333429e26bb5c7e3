// The allocation optimiser in the browser (issue 7's "Done when"), on the
// demo data: the coordinator opens /allocations/propose, sees the proposal
// with its explanations, switches to max–min fairness by commune (a
// labelled radio; both modes' coverage per commune and Gini are shown side
// by side), lowers one amount and drops another, and accepts. Each affected
// need page's gap then shrank by exactly the accepted amounts, and posting
// the very same proposal a second time (the saved form, resubmitted) is
// refused and adds nothing.
//
// Screenshots: docs/screenshots/propose*.png (desktop and 360 px).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, url, screenshot } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const MOBILE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 1 };
const DESKTOP = { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 };

const norm = (s) => s.replace(/\s+/g, ' ').trim();
/** "1.234.567 ₫" → 1234567 (the first amount of a cell). */
const dong = (s) => Number((s.split('₫')[0] || '').replace(/\D/g, ''));

/** The axes of a need page: { committed, gap } in đồng. */
async function needAxes(page, id) {
  const resp = await page.goto(url(`/needs/${id}`));
  assert.equal(resp.status(), 200, `need ${id}`);
  const cells = (await page.locator('table[data-testid=axes] tbody tr').first().locator('td').allInnerTexts()).map(norm);
  return { committed: dong(cells[2]), gap: dong(cells[cells.length - 1]) };
}

/** The proposal's rows: [{ item, pledge, need, amount }]. */
async function rows(page) {
  const items = await page.locator('table[data-testid=proposal] input[name=item]').evaluateAll((els) => els.map((e) => e.value));
  const amounts = await page.locator('table[data-testid=proposal] input[name=amount]').evaluateAll((els) => els.map((e) => e.value));
  assert.equal(items.length, amounts.length);
  return items.map((item, i) => {
    const [pledge, need] = item.split('|');
    return { item, pledge, need, amount: Number(amounts[i]) };
  });
}

test('propose: review, switch to max–min fairness, adjust, accept once', async () => {
  const ctx = await newContext(browser, DESKTOP);
  const page = await ctx.newPage();
  try {
    await login(page, 'dieuphoi');
    let resp = await page.goto(url('/allocations/propose'));
    assert.equal(resp.status(), 200);
    // The default mode: the priority objective, labelled and checked.
    assert.ok(await page.locator('input[type=radio][name=fairness][value=priority]').isChecked());
    const first = await rows(page);
    assert.ok(first.length >= 2, `the demo data give a proposal of at least two rows: ${first.length}`);
    const whys = (await page.locator('table[data-testid=proposal] tbody tr td:last-child').allInnerTexts()).map(norm);
    assert.ok(whys.every((w) => w.length > 0), `every proposed allocation is explained: ${JSON.stringify(whys)}`);
    await screenshot(page, 'propose');

    // Switch to max–min fairness through its labelled radio.
    const radio = page.getByLabel(/max-min/i);
    await radio.check();
    await Promise.all([
      page.waitForURL(/fairness=maxmin/),
      page.locator('[data-testid=propose-mode] button[type=submit]').click(),
    ]);
    assert.ok(await page.locator('[data-testid=mode-maxmin]').isChecked());
    const label = norm(await page.locator('[data-testid=propose-mode-label]').innerText());
    console.log(`mode label: ${label}`);
    assert.match(label, /max-min/i, 'the mode shown is named');
    // Both modes' coverage per commune, and both Gini figures.
    const compare = page.locator('table[data-testid=propose-compare]');
    const communes = await compare.locator('tr[data-commune]').count();
    assert.ok(communes >= 1, 'coverage per commune is shown');
    assert.equal(await compare.locator('[data-testid=cov-priority]').count(), communes);
    assert.equal(await compare.locator('[data-testid=cov-maxmin]').count(), communes);
    const covP = await compare.locator('[data-testid=cov-priority]').allInnerTexts();
    const covM = await compare.locator('[data-testid=cov-maxmin]').allInnerTexts();
    assert.ok(covP.concat(covM).every((c) => /^\d+(\.\d)? %$/.test(norm(c)) || norm(c) === '—'), `${covP} / ${covM}`);
    assert.ok(covM.some((c) => /%/.test(c)), `the max–min column has figures: ${covM}`);
    const giniP = norm(await page.locator('[data-testid=gini-priority]').innerText());
    const giniM = norm(await page.locator('[data-testid=gini-maxmin]').innerText());
    console.log(`Gini priority ${giniP}, max-min ${giniM}; min coverage ${norm(await page.locator('[data-testid=min-priority]').innerText())} / ${norm(await page.locator('[data-testid=min-maxmin]').innerText())}`);
    assert.match(giniP, /^\d\.\d\d$/);
    assert.match(giniM, /^\d\.\d\d$/);
    await screenshot(page, 'propose-maxmin');

    const proposal = await rows(page);
    assert.ok(proposal.length >= 2, `the max–min proposal has at least two rows: ${proposal.length}`);
    // Lower the first row's amount, drop the second (0 = not allocated).
    const lowered = Math.max(1, Math.floor(proposal[0].amount / 2));
    const amountInputs = page.locator('table[data-testid=proposal] input[name=amount]');
    await amountInputs.nth(0).fill(String(lowered));
    await amountInputs.nth(1).fill('0');
    const accepted = proposal.map((r, i) => ({ ...r, amount: i === 0 ? lowered : i === 1 ? 0 : r.amount }));
    const expect = new Map();
    for (const r of accepted) expect.set(r.need, (expect.get(r.need) || 0) + r.amount);
    // The submitted form, kept to post it again afterwards.
    const formHtml = await page.locator('form[method=post][action="/allocations/propose"]').evaluate((f) => f.outerHTML);
    assert.match(formHtml, /name="proposal"/);
    // Fill the edited values into the saved copy's attributes.
    const edited = [String(lowered), '0'];

    // Axes of every affected line before accepting, in a second tab.
    const probe = await ctx.newPage();
    const beforeAxes = new Map();
    for (const need of expect.keys()) beforeAxes.set(need, await needAxes(probe, need));

    const [post] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/allocations/propose'),
      page.locator('[data-testid=propose-accept]').click(),
    ]);
    assert.equal(post.status(), 303, 'the proposal is accepted (303)');
    await page.waitForLoadState('domcontentloaded');

    for (const [need, amount] of expect) {
      const a = await needAxes(probe, need);
      const b = beforeAxes.get(need);
      console.log(`need ${need}: gap ${b.gap} → ${a.gap} (accepted ${amount})`);
      assert.equal(a.gap, b.gap - amount, `the gap of ${need} shrank by exactly the accepted amount`);
      assert.equal(a.committed, b.committed + amount, `committed on ${need} rose by the accepted amount`);
    }
    await probe.goto(url(`/needs/${accepted[0].need}`));
    await screenshot(probe, 'propose-accepted-need');

    // The same proposal a second time: the saved form, resubmitted.
    resp = await page.goto(url('/allocations/propose'));
    assert.equal(resp.status(), 200);
    const [again] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/allocations/propose'),
      page.evaluate(({ html, edited }) => {
        const box = document.createElement('div');
        box.innerHTML = html;
        const form = box.querySelector('form');
        const inputs = form.querySelectorAll('input[name=amount]');
        inputs[0].value = edited[0];
        inputs[1].value = edited[1];
        document.body.append(box);
        form.submit();
      }, { html: formHtml, edited }),
    ]);
    assert.equal(again.status(), 409, 'a second accept of the same proposal is refused');
    await page.waitForLoadState('domcontentloaded');
    const err = norm(await page.locator('[data-testid=propose-error]').innerText());
    console.log(`second accept: ${err}`);
    assert.match(err, /đã được chấp nhận/);
    for (const [need, amount] of expect) {
      const a = await needAxes(probe, need);
      assert.equal(a.gap, beforeAxes.get(need).gap - amount, `the second accept added nothing to ${need}`);
    }
    await probe.close();
  } finally {
    await ctx.close();
  }
});

test('propose at 360 px: the proposal and the comparison fit a phone', async () => {
  const ctx = await newContext(browser, MOBILE);
  const page = await ctx.newPage();
  try {
    await login(page, 'dieuphoi');
    const resp = await page.goto(url('/allocations/propose?fairness=maxmin'));
    assert.equal(resp.status(), 200);
    assert.ok(await page.locator('[data-testid=mode-maxmin]').isChecked());
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling of the page at 360 px: ${overflow}px`);
    await screenshot(page, 'propose-mobile');
  } finally {
    await ctx.close();
  }
});
