// The whole need line in one walk, in the browser, with the real roles —
// issue 3's "done when": a commune officer enters a need line by the form,
// the education officer verifies it, the coordinator publishes it; a
// visitor pledges on it from the public page; the coordinator commits the
// pledge (it goes to its line); the money is received; a second donor on
// the line is refused (409, over the need) and then allowed with a logged
// reason; a goods delivery is planned, handed over, signed by the school
// and co-signed by the commune. At every step the walk reads — and parses —
// the line's own axes (/needs/{id}), its roll-up by site and by commune
// (/needs/rollup, filtered to the walk's period) and the public portal
// (/portal for that period; its city-wide sections as differences), and
// checks each moved exactly as it should.
//
// Everything it creates has a unique name and a period of its own that
// overlaps no period already in the catalogue, so it depends neither on the
// demo data nor on the order the test files run in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, url, suffix } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => {
  await coord?.ctx.close().catch(() => {});
  await browser?.close();
});

const DESKTOP = { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 };

/** Clicks a submit button and waits for the page it leads to. */
async function submit(page, selector) {
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
    page.click(selector),
  ]);
  return resp;
}

/** Like `submit`, but returns the status of the POST itself (a refusal is
 * answered directly, a success by a 303). */
async function post(page, selector) {
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
    page.click(selector),
  ]);
  return resp.status();
}

function norm(s) {
  return (s ?? '').replace(/[\s\u00a0]+/g, ' ').trim();
}

/** "12.400.000 ₫" → 12400000; a gap shown "0 ₫ +500.000 ₫" → 0. */
function money(s) {
  const first = norm(s).split('+')[0];
  const digits = first.replace(/[^\d-]/g, '');
  assert.ok(digits.length > 0, `a sum of money, got "${s}"`);
  return Number.parseInt(digits, 10);
}

async function text(page, selector) {
  return norm(await page.locator(selector).first().innerText());
}

async function noFormError(page, what) {
  const err = page.locator('[data-testid=form-error], [data-testid=delivery-error], [data-testid=refusal]');
  assert.equal(await err.count(), 0, `${what}: no error, got: ${await err.count() ? await err.first().innerText() : ''} at ${page.url()}`);
}

async function optionValue(page, select, label) {
  const opt = page.locator(`${select} option`, { hasText: label });
  assert.equal(await opt.count(), 1, `${select} offers exactly one option "${label}"`);
  return opt.getAttribute('value');
}

async function unfold(page, form) {
  await page.locator('details', { has: page.locator(form) }).first().evaluate((d) => { d.open = true; });
}

const s = { sfx: suffix(), failed: null };
s.code = `WALK-${s.sfx.toUpperCase()}`;
s.packageName = `Áo ấm trọn tuyến · E2E ${s.sfx}`;
s.item = `Áo khoác trọn tuyến E2E ${s.sfx}`;
s.visitor = `Anh Hải trọn tuyến E2E ${s.sfx}`;
s.donorB = `Hội Doanh nhân trẻ trọn tuyến E2E ${s.sfx}`;
s.reason = `Trường xin dự phòng áo cho học sinh mới chuyển đến (E2E ${s.sfx})`;
s.unitValue = 200000;
s.children = 25;
s.need = s.unitValue * s.children; // 5.000.000 ₫
s.offered = 3000000; // the visitor's pledge
s.bAmount = 2500000; // donor B: 500.000 ₫ beyond what is left
s.sets = 15; // handed over: 15 × 200.000 = 3.000.000 ₫ (what was received)
s.delivered = s.unitValue * s.sets;

let coord;

function step(name, fn) {
  test(name, async (t) => {
    if (s.failed) {
      t.skip(`an earlier step failed: ${s.failed}`);
      return;
    }
    try {
      await fn(t);
    } catch (e) {
      s.failed = name;
      throw e;
    }
  });
}

async function withSession(who, fn) {
  const ctx = await newContext(browser, DESKTOP);
  const page = await ctx.newPage();
  try {
    if (who) await login(page, who);
    return await fn(page);
  } finally {
    await ctx.close();
  }
}

// ---- What the walk reads at every step ----------------------------------

/** The line's axes on its page, in đồng. */
async function lineAxes(page) {
  await page.goto(url(s.needPath));
  const cells = (await page.locator('table[data-testid=axes] tbody tr').first().locator('td').allTextContents()).map(norm);
  const [need, pledged, committed, received, delivered, accepted] = cells.slice(0, 6).map(money);
  return { need, pledged, committed, received, delivered, accepted, gap: money(cells[cells.length - 1]) };
}

/** The roll-up `by` (site or commune) of the walk's period: its only row
 * (the period holds this line alone) and the total, in đồng. */
async function rollup(page, by) {
  await page.goto(url(`/needs/rollup?by=${by}&period_id=${encodeURIComponent(s.periodId)}`));
  const read = async (row) => {
    const c = (await row.locator('td').allTextContents()).map(norm);
    // label (th or td), lines, children, need, pledged, committed,
    // received, allocated, delivered, accepted, gap.
    const nums = c.slice(c.length - 10);
    return {
      lines: Number.parseInt(nums[0], 10),
      need: money(nums[2]), pledged: money(nums[3]), committed: money(nums[4]), received: money(nums[5]),
      allocated: money(nums[6]), delivered: money(nums[7]), accepted: money(nums[8]), gap: money(nums[9]),
    };
  };
  const rows = page.locator('table[data-testid=rollup] tbody tr');
  assert.equal(await rows.count(), 1, `one ${by} in the walk's period`);
  const key = await rows.first().getAttribute('data-key');
  const row = await read(rows.first());
  const total = await read(page.locator('[data-testid=rollup-total]'));
  assert.deepEqual(row, total, `the ${by} row is the whole period`);
  return { key, ...row };
}

/** The public portal: the walk's period (section 1) and the city-wide
 * sums the walk moves (sections 2–4), in đồng. */
async function portal() {
  return withSession(null, async (page) => {
    await page.goto(url(`/portal?period_id=${encodeURIComponent(s.periodId)}`));
    const open = page.locator('table[data-testid=open-lines] tbody tr', { has: page.locator(`a[href="${s.needPath}"]`) });
    const openGap = (await open.count()) ? money((await open.first().locator('td').allTextContents()).at(-1)) : null;
    const deliveries = page.locator('table[data-testid=deliveries] tbody tr');
    let acceptedValue = 0;
    let handedValue = 0;
    for (const cells of await deliveries.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))) {
      handedValue += money(cells[cells.length - 2]);
      acceptedValue += money(cells[cells.length - 1]);
    }
    return {
      need: money(await text(page, '[data-testid=total-need]')),
      committed: money(await text(page, '[data-testid=total-committed]')),
      gap: money(await text(page, '[data-testid=total-gap]')),
      openGap,
      money: money(await text(page, '[data-testid=total-money]')),
      allocated: money(await text(page, '[data-testid=total-allocated]')),
      allocatedReceived: money(await text(page, '[data-testid=total-allocated-received]')),
      handedValue,
      acceptedValue,
    };
  });
}

/** Reads the line, both roll-ups (as the coordinator) and the portal, logs
 * them, and checks the line's axes against `want`; the roll-ups must
 * carry the same figures, and the portal the published ones. */
async function check(label, want) {
  const page = coord.page;
  const line = await lineAxes(page);
  const site = await rollup(page, 'site');
  const commune = await rollup(page, 'commune');
  const pub = await portal();
  console.log(`${label}: line ${JSON.stringify(line)} | site ${JSON.stringify(site)} | commune ${JSON.stringify(commune)} | portal ${JSON.stringify(pub)}`);
  for (const [k, v] of Object.entries(want)) {
    assert.equal(line[k], v, `${label}: the line's ${k}`);
  }
  for (const [name, r] of [['site', site], ['commune', commune]]) {
    for (const k of ['need', 'committed', 'received', 'delivered', 'accepted', 'gap']) {
      assert.equal(r[k], line[k], `${label}: the ${name} roll-up's ${k} is the line's`);
    }
    assert.equal(r.lines, 1);
  }
  assert.equal(site.key, 'th-20056', 'the site row is the school');
  return { line, site, commune, pub };
}

// ---- The walk -----------------------------------------------------------

step('walk 1: the coordinator opens a period of its own and a one-item warm-clothing package', async () => {
  coord = { ctx: await newContext(browser, DESKTOP) };
  coord.page = await coord.ctx.newPage();
  await login(coord.page, 'dieuphoi');
  const page = coord.page;
  await page.goto(url('/catalogue'));
  // A winter that overlaps no period already there (the overlap guard
  // groups lines of one site and category whose periods overlap).
  const taken = (await page.locator('table[data-testid=periods] tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].slice(1, 3).map((td) => td.textContent.trim()))))
    .map((pair) => pair.map((d) => d.split('/').reverse().join('-')));
  let year = 2026;
  const clash = (y) => taken.some(([from, to]) => from <= `${y + 1}-03-31` && `${y}-11-01` <= to);
  while (clash(year)) year += 1;
  s.period = `Mùa đông ${year}–${year + 1} · trọn tuyến E2E ${s.sfx}`;
  await page.fill('#pname', s.period);
  await page.fill('#starts_on', `${year}-11-01`);
  await page.fill('#ends_on', `${year + 1}-03-31`);
  await submit(page, 'form[action="/catalogue/periods"] button[type=submit]');
  await noFormError(page, 'new period');
  await page.fill('#code', s.code);
  await page.fill('#kname', s.packageName);
  await page.selectOption('#kcat', 'warm_clothing');
  await page.selectOption('#kage', 'primary');
  await page.fill('#in1', s.item);
  await page.fill('#iu1', 'cái');
  await page.fill('#iq1', '1');
  await page.fill('#iv1', '200.000');
  await submit(page, 'form[action="/catalogue/packages"] button[type=submit]');
  await noFormError(page, 'new package');
  s.before = await portal();
  console.log(`portal before the walk: ${JSON.stringify(s.before)}`);
});

step('walk 2: the commune officer enters the need line by the form; staff see it, the public does not', async () => {
  await withSession('aluoi1', async (page) => {
    await page.goto(url('/needs/new'));
    await page.selectOption('#site_id', 'th-20056');
    s.periodId = await optionValue(page, '#period_id', s.period);
    await page.selectOption('#period_id', s.periodId);
    await page.selectOption('#package_id', await optionValue(page, '#package_id', s.code));
    await page.fill('#quantity', String(s.children));
    await page.fill('#note', `Học sinh bán trú thiếu áo ấm (E2E ${s.sfx})`);
    await submit(page, 'form[action="/needs"] button[type=submit]');
    await noFormError(page, 'new need');
    const m = new URL(page.url()).pathname.match(/^\/needs\/([^/]+)$/);
    assert.ok(m && m[1] !== 'new', `redirected to the need's page, got ${page.url()}`);
    s.needPath = m[0];
    assert.equal(await text(page, '[data-testid=need-status]'), 'Đã đánh giá');
    // The commune officer's own roll-up holds it too.
    const mine = await rollup(page, 'commune');
    assert.equal(mine.need, s.need, 'the commune officer\'s roll-up');
  });
  const { pub } = await check('entered', { need: s.need, pledged: 0, committed: 0, received: 0, delivered: 0, accepted: 0, gap: s.need });
  assert.equal(pub.need, 0, 'not published: not on the portal');
  assert.equal(pub.openGap, null, 'not among the portal\'s open lines');
  await withSession(null, async (page) => {
    assert.equal((await page.goto(url(s.needPath))).status(), 404, 'not public yet');
  });
});

step('walk 3: the education officer verifies it; the coordinator publishes it; the portal shows its gap', async () => {
  await withSession('sogddt', async (page) => {
    await page.goto(url(s.needPath));
    assert.equal(await page.locator('[data-testid=do-publish]').count(), 0, 'a sector officer does not publish');
    await page.fill('#reason', 'Đã đối chiếu danh sách học sinh');
    await submit(page, '[data-testid=do-verify]');
    assert.equal(await text(page, '[data-testid=need-status]'), 'Đã thẩm định');
  });
  await withSession(null, async (page) => {
    assert.equal((await page.goto(url(s.needPath))).status(), 404, 'verified is not yet public');
  });
  const page = coord.page;
  await page.goto(url(s.needPath));
  await submit(page, '[data-testid=do-publish]');
  assert.equal(await text(page, '[data-testid=need-status]'), 'Đã công bố');
  const { pub } = await check('published', { need: s.need, committed: 0, gap: s.need });
  assert.deepEqual([pub.need, pub.committed, pub.gap, pub.openGap], [s.need, 0, s.need, s.need],
    'the portal shows the published line and its whole gap');
});

step('walk 4: a visitor pledges 3.000.000 ₫ from the public page; nothing counts until it is committed', async () => {
  await withSession(null, async (page) => {
    assert.equal((await page.goto(url(s.needPath))).status(), 200);
    await page.fill('#pp-name', s.visitor);
    await page.fill('#pp-contact', '0905 000 111');
    await page.fill('#pp-amount', '3.000.000');
    await page.check('form[action$="/pledge"] input[name=publish_name]');
    await submit(page, '[data-testid=public-pledge-submit]');
    assert.match(new URL(page.url()).pathname, /^\/p\/[^/]+$/, `the pledge page, got ${page.url()}`);
    assert.match(await text(page, '[data-testid=pledge-code]'), /^CT\d{7}$/, 'a code to write in the transfer memo');
  });
  const { pub } = await check('pledged (not committed)', { pledged: 0, committed: 0, gap: s.need });
  assert.deepEqual([pub.committed, pub.gap], [0, s.need], 'the portal does not move either');
});

step('walk 5: the coordinator commits the visitor\'s pledge; it goes to its line and the gap shrinks everywhere', async () => {
  const page = coord.page;
  await page.goto(url(`/donors?q=${encodeURIComponent(s.visitor)}`));
  const link = page.locator('table[data-testid=donors] a', { hasText: s.visitor });
  assert.equal(await link.count(), 1, 'the visitor is a donor now');
  s.visitorPath = await link.getAttribute('href');
  await page.goto(url(s.visitorPath));
  const row = page.locator('table[data-testid=pledges] tbody tr');
  assert.equal(await row.count(), 1);
  assert.ok(norm(await row.first().innerText()).includes('3.000.000'), 'the offered amount');
  await submit(page, 'table[data-testid=pledges] [data-testid=commit]');
  await noFormError(page, 'commit');
  assert.equal(await page.locator('table[data-testid=pledges] [data-testid=commit]').count(), 0, 'committed');
  const { pub } = await check('committed', { pledged: s.offered, committed: s.offered, received: 0, gap: s.need - s.offered });
  assert.deepEqual([pub.committed, pub.gap, pub.openGap], [s.offered, s.need - s.offered, s.need - s.offered]);
  assert.equal(pub.allocated - s.before.allocated, s.offered, 'the portal\'s "where it went" grew by the pledge');
  assert.equal(pub.allocatedReceived - s.before.allocatedReceived, 0, 'nothing received yet');
});

step('walk 6: the money arrives; a receipt is recorded and the line shows it received', async () => {
  const page = coord.page;
  await page.goto(url(s.visitorPath));
  await submit(page, 'table[data-testid=pledges] [data-testid=receipts-link]');
  await page.selectOption('#kind', 'money');
  await page.selectOption('#method', 'bank');
  await page.fill('#amount', '3.000.000');
  await page.fill('#account', `Quỹ BTTE — TK 0123456789 (E2E ${s.sfx})`);
  await submit(page, '[data-testid=receipt-submit]');
  await noFormError(page, 'receipt');
  assert.match(new URL(page.url()).pathname, /^\/receipts\/[^/]+$/, `the printable receipt, got ${page.url()}`);
  const card = norm(await page.locator('[data-testid=receipt]').innerText());
  assert.ok(card.includes('3.000.000'), `the receipt's amount: ${card}`);
  const { pub } = await check('received', { committed: s.offered, received: s.offered, gap: s.need - s.offered });
  assert.equal(pub.money - s.before.money, s.offered, 'the portal\'s money received grew by the receipt');
  assert.equal(pub.allocatedReceived - s.before.allocatedReceived, s.offered, 'and what was allocated is now received');
  assert.equal(pub.gap, s.need - s.offered, 'the gap counts commitments: a receipt does not move it');
});

step('walk 7: a second donor over the need is refused (409, naming the first), then allowed with a logged reason', async () => {
  const page = coord.page;
  await page.goto(url('/donors'));
  await page.fill('#name', s.donorB);
  await page.selectOption('#kind', 'organisation');
  await page.selectOption('#origin', 'domestic');
  await page.selectOption('#donor_type', 'mass_organisation');
  await page.fill('#tax_code', String(Math.floor(1e9 + Math.random() * 9e9)));
  await submit(page, '[data-testid=donor-submit]');
  if (await page.locator('[data-testid=duplicates]').count()) await submit(page, '[data-testid=donor-submit]');
  await noFormError(page, 'donor B');
  await page.selectOption('form[action$="/pledges"] #kind', 'money');
  await page.fill('form[action$="/pledges"] #amount', String(s.bAmount));
  await page.check('form[action$="/pledges"] input[name=committed]');
  await submit(page, '[data-testid=pledge-submit]');
  await noFormError(page, 'donor B pledge');

  await page.goto(url(s.needPath));
  const fill = async (reason) => {
    await page.selectOption('#pledge_id', await optionValue(page, '#pledge_id', s.donorB));
    await page.fill('#amount', String(s.bAmount));
    await page.fill('#override_reason', reason);
  };
  await fill('');
  assert.equal(await post(page, '[data-testid=allocate-submit]'), 409, 'beyond what the line lacks: refused');
  const refusal = norm(await page.locator('[data-testid=refusal]').innerText());
  console.log(`refusal: ${refusal}`);
  assert.ok(refusal.includes(s.visitor), 'the refusal names what already covers the line');
  assert.ok(refusal.includes('500.000'), 'and by how much it would go over');
  await check('overlap refused', { committed: s.offered, gap: s.need - s.offered });

  await page.goto(url(s.needPath));
  await fill(s.reason);
  assert.equal(await post(page, '[data-testid=allocate-submit]'), 303, 'with a reason the coordinator may go over');
  const over = norm(await page.locator('table[data-testid=axes] [data-testid=gap]').locator('..').innerText());
  assert.ok(over.includes('+500.000'), `the excess is shown: ${over}`);
  const flows = norm(await page.locator('[data-testid=flows]').innerText());
  assert.ok(flows.includes(s.donorB) && flows.includes(s.reason), `the override and its reason are listed: ${flows}`);
  const { pub } = await check('overridden', { committed: s.offered + s.bAmount, received: s.offered, gap: 0 });
  assert.deepEqual([pub.committed, pub.gap, pub.openGap], [s.offered + s.bAmount, 0, null],
    'the portal: covered, no longer an open line');
  assert.equal(pub.allocated - s.before.allocated, s.offered + s.bAmount);
  await withSession('admin', async (p) => {
    await p.goto(url('/audit'));
    assert.ok(await p.locator('table[data-testid=audit] tbody tr', { hasText: s.reason }).count() >= 1,
      'the override reason is in the audit log');
  });
  await withSession(null, async (p) => {
    await p.goto(url(s.needPath));
    assert.ok(!norm(await p.locator('main').innerText()).includes(s.reason), 'the reason is for staff only');
  });
});

step('walk 8: a goods delivery is planned, then handed over within what was received', async () => {
  const page = coord.page;
  await page.goto(url(s.needPath));
  await unfold(page, `form[action="${s.needPath}/deliveries"]`);
  await page.selectOption('#dl-giver', 'ttctxh-qbtte');
  await page.check(`form[action="${s.needPath}/deliveries"] input[name=form][value=goods]`);
  await page.fill('#dl-q0', String(s.sets));
  if (await page.locator('#dl-store').count()) await page.selectOption('#dl-store', '');
  await page.fill('#dl-children', String(s.sets));
  await page.check(`form[action="${s.needPath}/deliveries"] input[name=record][value=planned]`);
  await page.fill('#dl-place', 'Điểm trường Hồng Kim');
  await page.fill('#dl-gn', 'Nguyễn Thị Hoa');
  await page.fill('#dl-gp', 'Phó Giám đốc Quỹ');
  await page.fill('#dl-rn', 'Kăn Thị Lan');
  await page.fill('#dl-rp', 'Hiệu trưởng');
  assert.equal(await post(page, '[data-testid=delivery-submit]'), 303, 'planned');
  const m = new URL(page.url()).pathname.match(/^\/deliveries\/([^/]+)$/);
  assert.ok(m, `the delivery's page, got ${page.url()}`);
  s.deliveryPath = m[0];
  assert.equal(await text(page, '[data-testid=delivery-status]'), 'Kế hoạch');
  assert.equal(money(await text(page, '[data-testid=delivery-value]')), s.delivered, 'valued at the package\'s price');
  let { pub } = await check('planned', { delivered: 0, accepted: 0, gap: 0 });
  assert.equal(pub.handedValue - s.before.handedValue, 0, 'a plan is not a handover');

  await page.goto(url(s.deliveryPath));
  await submit(page, '[data-testid=handover-submit]');
  await noFormError(page, 'handover');
  assert.equal(await text(page, '[data-testid=delivery-status]'), 'Đã bàn giao');
  ({ pub } = await check('handed over', { received: s.offered, delivered: s.delivered, accepted: 0, gap: 0 }));
  assert.equal(pub.handedValue - s.before.handedValue, s.delivered, 'the portal counts the handover');
  assert.equal(pub.acceptedValue - s.before.acceptedValue, 0, 'not yet accepted');
});

step('walk 9: the school signs the checklist, the commune co-signs; accepted everywhere', async () => {
  await withSession('thaluoi', async (page) => {
    await page.goto(url(s.deliveryPath));
    const radios = page.locator('form[action$="/acceptance"] input[type=radio][value=pass]');
    const n = await radios.count();
    assert.ok(n >= 3, `the warm-clothing checklist (${n} points)`);
    for (let i = 0; i < n; i += 1) await radios.nth(i).check();
    await submit(page, '[data-testid=accept-submit]');
    await noFormError(page, 'school signature');
    assert.equal(await text(page, '[data-testid=delivery-status]'), 'Nhà trường đã ký, chờ xã ký');
  });
  let { pub } = await check('site signed', { delivered: s.delivered, accepted: 0 });
  assert.equal(pub.acceptedValue - s.before.acceptedValue, 0, 'one signature does not accept');

  await withSession('aluoi1', async (page) => {
    await page.goto(url(s.deliveryPath));
    await submit(page, '[data-testid=cosign-submit]');
    await noFormError(page, 'commune co-signature');
    assert.equal(await text(page, '[data-testid=delivery-status]'), 'Đã nghiệm thu');
    assert.equal(money(await text(page, '[data-testid=accepted-value]')), s.delivered);
  });
  ({ pub } = await check('accepted', {
    need: s.need, pledged: s.offered + s.bAmount, committed: s.offered + s.bAmount,
    received: s.offered, delivered: s.delivered, accepted: s.delivered, gap: 0,
  }));
  assert.equal(pub.acceptedValue - s.before.acceptedValue, s.delivered, 'the portal counts it accepted');
  assert.equal(pub.handedValue - s.before.handedValue, s.delivered);
  assert.deepEqual([pub.need, pub.gap], [s.need, 0]);
});
