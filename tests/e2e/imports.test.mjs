// Need lines imported from a file in Chromium: the coordinator opens a
// period of its own (so nothing else covers it), the commune officer of
// A Lưới 1 (aluoi1, scope 20056) uploads a need file with bad rows — a
// negative number, a site of another commune — and sees every problem as
// "dòng N, cột C: …" with nothing written; then checks a good file (a dry
// run, nothing written), imports it ("1.200" children), and finds the new
// lines on /needs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, url, suffix } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function submit(page, selector) {
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
    page.click(selector),
  ]);
  return resp;
}

const HEADER = 'Mã điểm hỗ trợ,Tên điểm hỗ trợ,Mã gói,Đợt,Số trẻ,Ghi chú';

/** The need lines of a period listed on /needs: the site cells' texts. */
async function linesOf(page, periodId) {
  await page.goto(url(`/needs?period_id=${encodeURIComponent(periodId)}`));
  return page.locator('table[data-testid=needs] tbody tr td:first-child').allInnerTexts();
}

test('a commune officer imports need lines from a file: bad rows named and nothing written, then the good file written', async () => {
  const sfx = suffix();
  const period = `Hè 2031 · E2E nhập ${sfx}`;

  // The coordinator opens the period the file names.
  const coordCtx = await newContext(browser);
  const coord = await coordCtx.newPage();
  await login(coord, 'dieuphoi');
  await coord.goto(url('/catalogue'));
  await coord.fill('#pname', period);
  await coord.fill('#starts_on', '2031-06-01');
  await coord.fill('#ends_on', '2031-08-31');
  await submit(coord, 'form[action="/catalogue/periods"] button[type=submit]');
  assert.equal(await coord.locator('table[data-testid=periods] tr', { hasText: period }).count(), 1, 'the period is listed');
  await coordCtx.close();

  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await login(page, 'aluoi1');
  await page.goto(url('/needs'));
  const periodId = await page.locator('#period_id option', { hasText: period }).getAttribute('value');
  assert.ok(periodId, `the period "${period}" is offered on /needs`);
  assert.deepEqual(await linesOf(page, periodId), [], 'no line for the new period yet');

  // From the list to the import page.
  await page.goto(url('/needs'));
  await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }), page.click('[data-testid=needs-import-link]')]);
  assert.match(page.url(), /\/needs\/import$/);
  assert.equal(await page.locator('[data-testid=import-check]').innerText(), 'Kiểm tra (không ghi)');

  // A file with two bad rows: the officer is told where, and nothing is written.
  const bad = [
    HEADER,
    `th-20056,,DEMO-AM-TH,${period},25,Áo ấm`,
    `th-20056,,DEMO-YT-TH,${period},-3,`,
    `th-20164,,DEMO-AM-TH,${period},12,xã ở Nam Đông`,
  ].join('\n') + '\n';
  await page.setInputFiles('#file', { name: 'nhu-cau.csv', mimeType: 'text/csv', buffer: Buffer.from(bad, 'utf8') });
  let resp = await submit(page, '[data-testid=import-submit]');
  assert.equal(resp.status(), 422);
  const problems = await page.locator('[data-testid=import-problem]').allInnerTexts();
  console.log(`problems: ${JSON.stringify(problems)}`);
  assert.equal(problems.length, 2, JSON.stringify(problems));
  assert.match(problems[0], /^dòng 3, cột E \(Số trẻ\): /);
  assert.match(problems[1], /^dòng 4, cột A \(Mã điểm hỗ trợ\): điểm hỗ trợ này ngoài phạm vi của bạn/);
  assert.equal(await page.locator('[data-testid=import-result]').count(), 0);
  assert.deepEqual(await linesOf(page, periodId), [], 'a file with bad rows writes nothing');

  // The good file: a dry run first (nothing written), then the import.
  const good = [
    HEADER,
    `th-20056,,DEMO-AM-TH,${period},"1.200",Áo ấm`,
    `th-20056,,DEMO-YT-TH,${period},40,Khám sức khỏe`,
  ].join('\n') + '\n';
  const goodFile = { name: 'nhu-cau.csv', mimeType: 'text/csv', buffer: Buffer.from(good, 'utf8') };
  await page.goto(url('/needs/import'));
  await page.setInputFiles('#file', goodFile);
  resp = await submit(page, '[data-testid=import-check]');
  const checked = await page.locator('[data-testid=import-result], [data-testid=form-error]').first().innerText();
  console.log(`dry run: ${checked}`);
  assert.equal(resp.status(), 200, checked);
  assert.match(checked, /Kiểm tra xong: 2 dòng nhu cầu hợp lệ; chưa ghi gì/);
  assert.deepEqual(await linesOf(page, periodId), [], 'a dry run writes nothing');

  await page.goto(url('/needs/import'));
  await page.setInputFiles('#file', goodFile);
  resp = await submit(page, '[data-testid=import-submit]');
  assert.equal(resp.status(), 200);
  const done = await page.locator('[data-testid=import-result]').innerText();
  assert.match(done, /Đã nhập 2 dòng nhu cầu/);
  assert.equal(await page.locator('[data-testid=import-row]').count(), 2, 'each new line is linked');

  // The new lines on /needs, the first with 1 200 children.
  await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }), page.click('[data-testid=import-list]')]);
  const sites = await linesOf(page, periodId);
  assert.equal(sites.length, 2, JSON.stringify(sites));
  const rows = await page.locator('table[data-testid=needs] tbody tr').allInnerTexts();
  assert.ok(rows.some((r) => r.includes('1.200')), JSON.stringify(rows));
  await ctx.close();
});
