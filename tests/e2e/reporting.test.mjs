// The yearly report walked in the browser on the demo data (issue 6):
// the commune officer of Xã A Lưới 1 (aluoi1) drafts the 2025 report, a
// negative figure is refused naming the field, fills and submits it; the
// coordinator (dieuphoi) sees completeness and timeliness with the chart,
// who has not filed, and Nam Đông district's 2025 obligation moved to Phú
// Lộc on 1/1/2025 and then to the communes that replaced it on 1/7/2025;
// returns A Lưới 1's report with a reason and approves A Lưới 2's (filed by
// the demo); the officer finds the reason on the report and on /home; a
// locked 2024 report says why and who can reopen it. Screenshots
// docs/screenshots/reporting-*.png and report-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { launch, newContext, login, url, screenshot } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Clicks and waits for the page the click leads to; returns its response. */
async function submit(page, selector) {
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
    page.click(selector),
  ]);
  return resp;
}

function norm(s) {
  return (s ?? '').replace(/[\s\u00a0]+/g, ' ').trim();
}

async function text(page, selector) {
  return norm(await page.locator(selector).first().innerText());
}

async function shot(page, name) {
  const file = await screenshot(page, name, { maxFullHeight: 0 });
  const kb = statSync(file).size / 1024;
  console.log(`screenshot ${file.replace(/.*docs\//, 'docs/')} ${kb.toFixed(0)} KB`);
  assert.ok(kb < 600, `${file} is ${kb.toFixed(0)} KB`);
}

/** The href of the link named `name` in the table `table`. */
async function linkIn(page, table, name) {
  const a = page.locator(`${table} a`, { hasText: name });
  assert.equal(await a.count(), 1, `one link "${name}" in ${table}`);
  return a.getAttribute('href');
}

const s = {};

test('a commune officer drafts, fills and submits the 2025 report', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    await login(page, 'aluoi1');
    await page.goto(url('/reports'));
    assert.equal(await text(page, 'h1'), 'Báo cáo năm');
    s.mine = await linkIn(page, 'table[data-testid=reports-2025]', 'Xã A Lưới 1');
    await page.goto(url(s.mine));
    assert.match(await text(page, '[data-testid=report-title]'), /Xã A Lưới 1 — Năm 2025/);
    assert.equal(await page.locator('[data-testid=report-form]').count(), 1, 'a form to fill');
    // the report carries the duties of the communes (and the district) it replaced
    assert.match(await text(page, '[data-testid=moved-in]'), /Huyện A Lưới/);

    // a negative figure is refused, naming the field; what was typed stays
    await page.fill('#f_money_domestic', '-500.000');
    await page.fill('#f_results', 'Đã hỗ trợ bữa ăn bán trú và áo ấm cho trẻ em 4 thôn.');
    let resp = await submit(page, '[data-testid=report-save]');
    assert.equal(resp.status(), 409);
    const err = await text(page, '[data-testid=report-errors]');
    assert.match(err, /Nguồn lực trong nước \(đồng\)/);
    assert.match(err, /không được âm/);
    assert.equal(await page.inputValue('#f_money_domestic'), '-500.000');

    // the draft, then the submission
    await page.fill('#f_money_domestic', '620.000.000');
    await page.fill('#f_money_foreign', '415.364.000');
    await page.fill('#f_packages_funded', '1589');
    await page.fill('#f_children_supported', '175');
    await page.fill('#f_difficulties', 'Địa bàn rộng sau sáp nhập, đường sạt lở mùa mưa.');
    await page.fill('#f_proposals', 'Bổ sung áo ấm cho các điểm trường lẻ trước tháng 12.');
    resp = await submit(page, '[data-testid=report-save]');
    assert.equal(resp.status(), 200);
    assert.match(await text(page, '[data-testid=flash]'), /Đã lưu bản nháp/);
    assert.equal(await page.inputValue('#f_money_domestic'), '620.000.000');
    // the typed money differs from what the system records: flagged
    assert.equal(await page.locator('[data-testid=diff-money_domestic]').count(), 1);
    await shot(page, 'report-draft');

    resp = await submit(page, '[data-testid=report-submit]');
    assert.equal(resp.status(), 200);
    assert.match(await text(page, '[data-testid=flash]'), /Đã nộp báo cáo/);
    assert.equal(await text(page, '[data-testid=report-status]'), 'Đã nộp');
    assert.equal(await page.locator('[data-testid=report-form]').count(), 0, 'read-only once submitted');
    assert.match(await text(page, '[data-testid=lock-explanation]'), /đang chờ duyệt/);
    assert.match(await text(page, '[data-testid=text-results]'), /bữa ăn bán trú/);
  } finally {
    await ctx.close();
  }
});

test('the coordinator sees completeness and the moved obligation, returns one report and approves another', async () => {
  assert.ok(s.mine, 'the officer submitted first');
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    await login(page, 'dieuphoi');
    await page.goto(url('/reporting?year=2025'));
    assert.match(await text(page, 'h1'), /2025/);
    const total = (await page.locator('[data-testid=completeness-total] th').allInnerTexts()).map(norm);
    const [expected, submitted, onTime, late, missing] = total.slice(1, 6).map(Number);
    assert.ok(expected >= 40, `expected ${expected}`);
    assert.equal(submitted + missing, expected, 'submitted + missing = expected');
    assert.equal(onTime + late, submitted, 'on time + late = submitted');
    assert.ok(late >= 2, 'A Lưới 5 (3/12/2025) and A Lưới 1 (today) filed late');
    assert.equal(await page.locator('[data-testid=completeness-chart] svg').count(), 1);
    assert.match(await text(page, '[data-testid=missing-mid] h3'), /15\/11\/2025/);
    assert.match(await text(page, '[data-testid=missing-due] h3'), /30\/11\/2025/);
    assert.match(await text(page, '[data-testid=missing-due]'), /Xã Khe Tre/);
    const namDong = norm(await page.locator('[data-testid=moves] li', { hasText: 'Huyện Nam Đông' }).first().innerText());
    assert.match(namDong, /^Báo cáo năm 2025 của Huyện Nam Đông: chuyển cho Huyện Phú Lộc từ ngày 01\/01\/2025/);
    assert.match(namDong, /rồi chuyển cho .*Xã Khe Tre.* từ ngày 01\/07\/2025 \(giải thể cấp huyện/);
    await shot(page, 'reporting-dashboard');

    // A Lưới 1's report is waiting: return it with a reason
    const awaiting = page.locator('[data-testid=awaiting] a', { hasText: 'Xã A Lưới 1' });
    assert.equal(await awaiting.count(), 1, 'A Lưới 1 awaits review');
    await submit(page, '[data-testid=awaiting] a:has-text("Xã A Lưới 1")');
    assert.equal(await page.locator('[data-testid=flagged]').count(), 1, 'differences flagged for the coordinator');
    let resp = await submit(page, '[data-testid=do-return]');
    assert.equal(resp.status(), 409, 'a return needs a reason');
    assert.match(await text(page, '[data-testid=report-errors]'), /Cần ghi lý do/);
    await page.fill('#reason', 'Số tiền trong nước khác số hệ thống ghi nhận; đề nghị đối chiếu.');
    resp = await submit(page, '[data-testid=do-return]');
    assert.equal(resp.status(), 200);
    assert.equal(await text(page, '[data-testid=report-status]'), 'Bị trả lại');

    // A Lưới 2's, filed by the demo on 10/11/2025: approved
    await page.goto(url('/reporting?year=2025'));
    await submit(page, '[data-testid=awaiting] a:has-text("Xã A Lưới 2")');
    resp = await submit(page, '[data-testid=do-approve]');
    assert.equal(resp.status(), 200);
    assert.equal(await text(page, '[data-testid=report-status]'), 'Đã duyệt');
    assert.match(await text(page, '[data-testid=lock-explanation]'), /duyệt ngày/);

    // the year of 2024 stays with the districts and communes of the time
    await page.goto(url('/reporting?year=2024'));
    const levels = norm(await page.locator('[data-testid=completeness-levels]').innerText());
    assert.match(levels, /Cấp huyện 9/);
    await shot(page, 'reporting-2024');
  } finally {
    await ctx.close();
  }
});

test('the officer finds the reason, and a locked 2024 report says why and who can reopen it', async () => {
  assert.ok(s.mine);
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    await login(page, 'aluoi1');
    assert.match(await text(page, '[data-testid=notices]'), /bị trả lại: Số tiền trong nước khác số hệ thống/);
    await page.goto(url(s.mine));
    assert.match(await text(page, '[data-testid=return-reason]'), /đề nghị đối chiếu/);
    assert.equal(await page.locator('[data-testid=report-form]').count(), 1, 'editable again');

    await page.goto(url('/reports'));
    const trungSon = await linkIn(page, 'table[data-testid=reports-2024]', 'Xã Trung Sơn');
    await page.goto(url(trungSon));
    assert.equal(await text(page, '[data-testid=report-status]'), 'Đã khóa');
    const why = await text(page, '[data-testid=lock-explanation]');
    assert.match(why, /tự động khóa vì đã qua ngày chốt số liệu 15\/12\/2024/);
    assert.match(why, /Người có thể mở lại: Quản trị hệ thống; Điều phối/);
    assert.equal(await page.locator('[data-testid=report-form]').count(), 0);
    await shot(page, 'report-locked');
  } finally {
    await ctx.close();
  }
});

test('plans: the city plan for 2025–2026 shows targets against actuals', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    await login(page, 'dieuphoi');
    await page.goto(url('/plans'));
    const plan = await linkIn(page, 'table[data-testid=plans]', 'thành phố Huế');
    await page.goto(url(plan));
    const rows = await page.locator('table[data-testid=targets] tbody tr').count();
    assert.ok(rows >= 7, `${rows} targets`);
    assert.ok(await page.locator('[data-testid=plan-chart] svg').count() >= 2, 'a chart per indicator');
    const budget = norm(await page.locator('table[data-testid=targets] tr', { hasText: 'Ngân sách nhà nước' }).innerText());
    assert.match(budget, /hệ thống không theo dõi/);
    await shot(page, 'plan');
  } finally {
    await ctx.close();
  }
});

test('on a 360-pixel phone the reporting pages do not overflow', async () => {
  assert.ok(s.mine);
  const ctx = await newContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  try {
    await login(page, 'dieuphoi');
    for (const path of ['/reporting?year=2025', s.mine, '/plans']) {
      await page.goto(url(path));
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `${path}: scrollWidth ${width}`);
    }
    await page.goto(url('/reporting?year=2025'));
    await shot(page, 'reporting-dashboard-360');
  } finally {
    await ctx.close();
  }
});
