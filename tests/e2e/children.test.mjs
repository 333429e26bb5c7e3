// The children registry in Chromium: a school officer (thaluoi, A Lưới 1)
// enters a child by the form, imports the health station's list where the
// same girl is spelled differently (Kăn → CAN, no diacritics, d/m/yyyy),
// finds the proposed link in the review queue with its explanation, side
// by side, accepts it (one child, two records), and undoes it (two
// children again, the link proposed again). A donor gets no children page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, url, screenshot } from './lib.mjs';

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

async function submitIn(locator, page) {
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
    locator.click(),
  ]);
  return resp;
}

const HEADER = 'Mã hồ sơ,Họ và tên,Ngày sinh,Giới tính,Dân tộc,Mã xã,Thôn/bản,Trường,Lớp,Họ tên cha mẹ hoặc người giám hộ,Số định danh cá nhân';

test('a school officer enters a child, imports a duplicate, reviews, accepts and undoes the link', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await login(page, 'thaluoi');

  // Entry by form.
  await page.goto(url('/children/new'));
  await page.selectOption('#source_org_id', 'th-20056');
  await page.fill('#full_name', 'Kăn Thị Rơ Nhiêng');
  await page.fill('#birth_date', '14/02/2016');
  await page.selectOption('#sex', 'Nữ');
  await page.fill('#ethnicity', 'Pa Cô');
  await page.fill('#commune_code', '20056');
  await page.fill('#village', 'A Đeeng');
  await page.fill('#guardian_name', 'Kăn Văn Prông');
  let resp = await submit(page, '[data-testid=child-save]');
  assert.equal(resp.status(), 200, await page.content());
  assert.match(page.url(), /\/children\/[0-9a-f-]+/);
  const childUrl = page.url().split('?')[0];
  assert.equal(await page.locator('[data-testid=child-record]').count(), 1);
  assert.ok((await page.content()).includes('Kăn Thị Rơ Nhiêng'));

  // Import of the health station's list with the same girl spelled otherwise.
  await page.goto(url('/children/import'));
  await page.selectOption('#source_org_id', 'tyt-20056');
  const csv = `${HEADER}\nTYT-E2E-1,CAN THI RO NHIENG,14/2/2016,F,Pa Co,20056,A Deeng,,,Kan Van Prong,\n`;
  await page.setInputFiles('#file', { name: 'tram-y-te.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  resp = await submit(page, '[data-testid=children-import]');
  assert.equal(resp.status(), 200);
  assert.equal(await page.locator('[data-testid=import-result]').count(), 1, await page.content());

  // The review queue: the pair side by side, with the engine's explanation.
  await page.goto(url('/children/links'));
  const card = page.locator('[data-testid=proposed-link]', { hasText: 'CAN THI RO NHIENG' });
  assert.equal(await card.count(), 1, 'the duplicate is proposed');
  const cardText = await card.innerText();
  assert.ok(cardText.includes('Kăn Thị Rơ Nhiêng'), cardText);
  const explanation = await card.locator('[data-testid=link-explanation]').innerText();
  assert.match(explanation, /tên|ngày sinh|người giám hộ/, explanation);
  await screenshot(page, 'children-links');
  const linkId = (await card.getAttribute('id')).replace('link-', '');
  await card.locator('input[name=reason]').first().fill('cùng cha, cùng thôn A Đeeng');
  resp = await submitIn(card.locator('[data-testid=link-accept]'), page);
  assert.equal(resp.status(), 200);

  // One child, two records.
  await page.goto(childUrl);
  assert.equal(await page.locator('[data-testid=child-record]').count(), 2);
  assert.ok((await page.locator('[data-testid=child-link]').first().innerText()).length > 0);

  // Undo: two children again, the link back in the queue.
  await page.goto(url('/children/links'));
  const decided = page.locator(`#link-${linkId}[data-testid=decided-link]`);
  assert.equal(await decided.count(), 1);
  await decided.locator('input[name=reason]').fill('xem lại');
  resp = await submitIn(decided.locator('[data-testid=link-undo]'), page);
  assert.equal(resp.status(), 200);
  assert.equal(await page.locator(`#link-${linkId}[data-testid=proposed-link]`).count(), 1);
  await page.goto(childUrl);
  assert.equal(await page.locator('[data-testid=child-record]').count(), 1);
  await ctx.close();
});

test('a donor and a visitor see no child', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  let resp = await page.goto(url('/children'));
  assert.ok([401, 200].includes(resp.status()));
  assert.ok(!(await page.content()).includes('Kăn Thị Rơ Nhiêng'));
  await login(page, 'nhataitro');
  resp = await page.goto(url('/children'));
  assert.equal(resp.status(), 403);
  assert.ok(!(await page.content()).includes('Kăn Thị Rơ Nhiêng'));
  await ctx.close();
});
