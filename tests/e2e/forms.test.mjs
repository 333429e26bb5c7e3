// Editing through the real forms: classifications (coordinator), users
// (admin), and the audit log that records it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, url, suffix } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function submit(page, selector) {
  await Promise.all([page.waitForLoadState('domcontentloaded'), page.click(selector)]);
  await page.waitForLoadState('domcontentloaded');
}

test('coordinator adds a classification on /classifications and sees it; unit 99999 is refused', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    await login(page, 'dieuphoi');
    await page.goto(url('/classifications'));
    const instrument = `QĐ test ${suffix()}`;
    const form = page.locator('form[action="/classifications"]');
    assert.equal(await form.count(), 1, 'the coordinator sees the add form');
    // 20056 is Xã A Lưới 1 from 1 Jul 2025.
    await page.fill('#unit_code', '20056');
    await page.selectOption('#kind', 'khu_vuc_3');
    await page.fill('#valid_from', '2026-01-01');
    await page.fill('#valid_to', '2030-12-31');
    await page.fill('#instrument', instrument);
    await submit(page, 'form[action="/classifications"] button[type=submit]');
    const err = page.locator('[data-testid=form-error]');
    assert.equal(await err.count(), 0, `no form error, got: ${await err.count() ? await err.textContent() : ''}`);
    const row = page.locator('table[data-testid=classifications] tr', { hasText: instrument });
    assert.equal(await row.count(), 1, `the new classification "${instrument}" is in the table at ${page.url()}`);
    const cells = (await row.innerText()).replace(/\s+/g, ' ');
    console.log(`new classification row: ${cells}`);
    assert.match(cells, /20056/);
    assert.match(cells, /Khu vực III/);
    assert.match(cells, /01\/01\/2026/, 'dates shown as dd/mm/yyyy');
    assert.match(cells, /31\/12\/2030/);

    // It is also on the full list.
    await page.goto(url('/classifications'));
    assert.equal(await page.locator('table[data-testid=classifications] tr', { hasText: instrument }).count(), 1,
      'the new classification is on the full list too');

    // The coordinator can delete it again (and that keeps the demo data clean).
    const fullRow = page.locator('table[data-testid=classifications] tr', { hasText: instrument });
    await submit(page, `table[data-testid=classifications] tr:has-text("${instrument}") form[action$="/delete"] button`);
    assert.equal(await fullRow.count(), 0, 'the classification is gone after Xóa');

    // Unknown unit code.
    const bad = `QĐ bad ${suffix()}`;
    await page.fill('#unit_code', '99999');
    await page.selectOption('#kind', 'khu_vuc_3');
    await page.fill('#valid_from', '2026-01-01');
    await page.fill('#instrument', bad);
    await submit(page, 'form[action="/classifications"] button[type=submit]');
    assert.equal(await err.count(), 1, 'unit 99999 gives [data-testid=form-error]');
    console.log(`form error for unit 99999: ${(await err.textContent()).trim()} (field ${await err.getAttribute('data-field')})`);
    assert.equal(await err.getAttribute('data-field'), 'unit_code');
    assert.equal(await page.inputValue('#instrument'), bad, 'the form keeps what was typed');
    await page.goto(url('/classifications'));
    assert.equal(await page.locator('table[data-testid=classifications] tr', { hasText: bad }).count(), 0,
      'nothing was stored for 99999');
  } finally {
    await ctx.close();
  }
});

test('an anonymous visitor sees no classification form', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    await page.goto(url('/classifications'));
    assert.equal(await page.locator('form[action="/classifications"]').count(), 0);
    assert.ok(await page.locator('table[data-testid=classifications] tbody tr').count() > 0, 'the public list has rows');
  } finally {
    await ctx.close();
  }
});

test('admin creates a user, sees it, and the audit log shows the create', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    await login(page, 'admin');
    await page.goto(url('/admin/users'));
    const username = `e2e${suffix()}`;
    const displayName = `Người thử ${username}`;
    await page.fill('#username', username);
    await page.fill('#display_name', displayName);
    await page.fill('#password', 'mat-khau-thu-nghiem-1');
    await page.selectOption('#role', 'local_officer');
    await page.fill('#scopes', '20056');
    await submit(page, 'form[action="/admin/users"] button[type=submit]');
    const err = page.locator('[data-testid=form-error]');
    assert.equal(await err.count(), 0, `no form error, got: ${await err.count() ? await err.textContent() : ''}`);
    assert.ok((await page.textContent('main')).includes(username), `the new user's page shows ${username} (${page.url()})`);

    await page.goto(url('/admin/users'));
    const row = page.locator('table[data-testid=users] tr', { hasText: username });
    assert.equal(await row.count(), 1, 'the new user is in the list');
    assert.ok((await row.innerText()).includes(displayName));

    await page.goto(url('/audit?entity=user&action=create'));
    const audit = page.locator('table[data-testid=audit] tbody tr', { hasText: username });
    assert.ok(await audit.count() >= 1, `an audit row mentions ${username}`);
    const cells = await audit.first().locator('td').allInnerTexts();
    console.log(`audit row: ${cells.map((c) => c.replace(/\s+/g, ' ').slice(0, 80)).join(' | ')}`);
    assert.equal(cells[3].trim(), 'create', 'action is create');
    assert.match(cells[4], /^user\b/, 'entity is user');
    assert.match(cells[2], /admin/, 'actor is the admin');
    assert.ok(!cells[5].includes('mat-khau-thu-nghiem-1') && !cells[6].includes('mat-khau-thu-nghiem-1'),
      'the password is not in the audit log');

    // The new user can log in.
    const ctx2 = await newContext(browser);
    const p2 = await ctx2.newPage();
    try {
      await login(p2, username, 'mat-khau-thu-nghiem-1');
      assert.equal(await p2.getAttribute('h1[data-testid=home]', 'data-role'), 'local_officer');
    } finally {
      await ctx2.close();
    }
  } finally {
    await ctx.close();
  }
});
