// Giving by VietQR, walked in the browser on the demo data (issue 5's
// "Done when"): an anonymous visitor pledges on a published need without
// consenting to publish their name; the pledge page shows the code and a
// VietQR code, which the test decodes (a banking app's scan, simulated:
// jsQR over the PNG and over a screenshot of the inline SVG) and checks
// field by field against the NAPAS 247 / EMVCo layout, CRC-16/CCITT-FALSE
// recomputed here. "Paying" is a Vietcombank statement built here whose
// one credit line carries the code the way a bank mangles it; the
// coordinator uploads it on /statements, confirms the proposed match
// (the public pledge is not yet confirmed, so the line waits), gets the
// printable receipt, and a re-upload adds nothing. A visitor then opens
// the receipt's public page and the browser's own check of the RFC 9162
// inclusion proof and Ed25519 tree head says it is verified — and says it
// is not when one hash of the audit path is flipped in transit.
//
// Screenshots: docs/screenshots/giving*, statements*, ledger-receipt*.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { launch, newContext, login, url, suffix, screenshot } from './lib.mjs';

// Pure-JS decoders (tests/e2e/package.json). Loaded here with a clear
// message when an older node_modules lacks them.
let jsQR;
let PNG;
try {
  jsQR = (await import('jsqr')).default;
  ({ PNG } = await import('pngjs'));
} catch (e) {
  throw new Error(`giving.test.mjs needs jsqr and pngjs: run \`npm ci\` in tests/e2e (${e.message})`);
}

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const MOBILE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 1 };
const DESKTOP = { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 };

/** Clicks a submit button and waits for the page it leads to; returns the
 * main-frame response of that navigation (status after redirects). */
async function submit(page, selector) {
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
    page.click(selector),
  ]);
  return resp;
}

/** Text with non-breaking spaces and runs of white space made single spaces. */
function norm(s) {
  return (s ?? '').replace(/[\s\u00a0]+/g, ' ').trim();
}

/** "12.400.000 ₫" for 12400000. */
function vnd(n) {
  return `${n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.')} ₫`;
}

/** Whole đồng from "12.400.000 ₫". */
function dong(s) {
  return Number(norm(s).split(' ')[0].replace(/\D/g, '') || '0');
}

async function text(page, selector) {
  return norm(await page.locator(selector).first().innerText());
}

/** A screenshot to docs/screenshots/NAME.png: the whole page when it is
 * short enough, else the viewport (as 00-screenshots does). */
async function shot(page, name, maxFullHeight = 2400) {
  const file = await screenshot(page, name, { maxFullHeight });
  const kb = statSync(file).size / 1024;
  console.log(`screenshot ${file.replace(/.*docs\//, 'docs/')} ${kb.toFixed(0)} KB`);
  assert.ok(kb < 600, `${file} is ${kb.toFixed(0)} KB`);
}

// ---- EMVCo merchant-presented QR, as a banking app reads it --------------

/** The top-level (or template) data objects of an EMVCo payload: two
 * digits of ID, two of length, then the value; every character consumed. */
function tlv(s) {
  const out = [];
  let i = 0;
  while (i < s.length) {
    assert.ok(i + 4 <= s.length, `TLV header cut short at ${i} in ${JSON.stringify(s)}`);
    const id = s.slice(i, i + 2);
    const len = s.slice(i + 2, i + 4);
    assert.match(id, /^\d\d$/, `ID at ${i} is two digits`);
    assert.match(len, /^\d\d$/, `length at ${i + 2} is two digits`);
    const n = Number(len);
    assert.ok(i + 4 + n <= s.length, `value of ${id} (${n} characters) runs past the end`);
    out.push({ id, value: s.slice(i + 4, i + 4 + n) });
    i += 4 + n;
  }
  return out;
}

/** The value of `id` among `objs`; it must occur exactly once. */
function field(objs, id, where = 'payload') {
  const hits = objs.filter((o) => o.id === id);
  assert.equal(hits.length, 1, `${where}: ID ${id} occurs once (got ${hits.length})`);
  return hits[0].value;
}

/** CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final
 * XOR; over the bytes (the payload is ASCII). */
function crc16ccittFalse(str) {
  let crc = 0xffff;
  for (const byte of Buffer.from(str, 'utf8')) {
    crc ^= byte << 8;
    for (let b = 0; b < 8; b++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** jsQR over RGBA pixels; the decoded text, or null. */
function decodeRgba(data, width, height) {
  const code = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), width, height);
  return code ? code.data : null;
}

/** jsQR over a PNG (pngjs gives RGBA). */
function decodePng(buf) {
  const png = PNG.sync.read(buf);
  return decodeRgba(png.data, png.width, png.height);
}

/** The same PNG on a white border `pad` pixels wide (the quiet zone a
 * camera would see around a code drawn edge to edge). */
function padPng(buf, pad) {
  const src = PNG.sync.read(buf);
  const out = new PNG({ width: src.width + 2 * pad, height: src.height + 2 * pad });
  out.data.fill(255);
  PNG.bitblt(src, out, 0, 0, src.width, src.height, pad, pad);
  return PNG.sync.write(out);
}

// ---- State shared by the steps of the walk ------------------------------

const s = { sfx: suffix(), failed: null };
s.visitor = `Nguyễn Thị Hảo E2E ${s.sfx}`;
// 300.000–498.000 ₫, so two runs on one database pledge different sums.
s.amount = 300000 + (1 + Math.floor(Math.random() * 99)) * 2000;

/** One step of the walk; skipped (and says why) once an earlier one failed. */
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

async function withSession(who, opts, fn) {
  const ctx = await newContext(browser, opts);
  const page = await ctx.newPage();
  try {
    if (who) await login(page, who);
    return await fn(page);
  } finally {
    await ctx.close();
  }
}

step('giving 0: the JS CRC-16/CCITT-FALSE gives the catalogue check value', () => {
  // The standard check value of CRC-16/CCITT-FALSE over "123456789".
  assert.equal(crc16ccittFalse('123456789'), '29B1');
});

step('giving 1: a visitor finds a published need on /needs and pledges without publishing their name', async () => {
  await withSession(null, DESKTOP, async (page) => {
    await page.goto(url('/needs'));
    const rows = await page.locator('table[data-testid=needs] tbody tr').evaluateAll((trs) => trs.map((tr) => ({
      href: tr.querySelector('a[href^="/needs/"]')?.getAttribute('href') ?? null,
      cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
    })));
    // Columns (public): site, category, period, children, need, pledged,
    // committed, delivered, accepted, gap — the gap is the last.
    const gapOf = (r) => dong(r.cells[r.cells.length - 1]);
    const open = rows.filter((r) => r.href && r.cells.length >= 8 && gapOf(r) >= s.amount);
    console.log(`public needs: ${rows.length}, with a gap of at least ${vnd(s.amount)}: ${open.length}`);
    assert.ok(open.length > 0, 'the demo has a published need with room for the pledge');
    s.needPath = open[0].href;
    s.needGap = gapOf(open[0]);

    const resp = await page.goto(url(s.needPath));
    assert.equal(resp.status(), 200, `${s.needPath} is public`);
    assert.equal(await page.locator('[data-testid=public-pledge-submit]').count(), 1, 'the visitor sees the pledge form');
    await page.fill('#pp-name', s.visitor);
    await page.fill('#pp-contact', '0914 555 123');
    await page.fill('#pp-amount', vnd(s.amount).replace(' ₫', ''));
    assert.equal(await page.isChecked('input[name=publish_name]'), false, 'consent to publish is not given by default');
    const resp2 = await submit(page, '[data-testid=public-pledge-submit]');
    assert.equal(resp2.status(), 200);
    const here = new URL(page.url());
    const m = here.pathname.match(/^\/p\/([^/]+)$/);
    assert.ok(m, `redirected to the pledge page, got ${page.url()}`);
    assert.equal(here.searchParams.get('thanks'), '1');
    s.pledgeId = m[1];
    s.pledgePath = here.pathname;
    assert.ok(await page.locator('[data-testid=pledge-thanks]').isVisible(), 'thanks shown');
    console.log(`pledge ${s.pledgeId} on ${s.needPath} (gap ${vnd(s.needGap)}): ${vnd(s.amount)}`);
  });
});

step('giving 2: the pledge page shows the code, the account, the memo and a VietQR code', async () => {
  await withSession(null, DESKTOP, async (page) => {
    // As the donor sees it right after pledging.
    const resp = await page.goto(url(`${s.pledgePath}?thanks=1`));
    assert.equal(resp.status(), 200, 'the pledge page is public by its id');
    s.code = await text(page, '[data-testid=pledge-code]');
    assert.match(s.code, /^CT\d{7}$/, 'a pledge code CT + 6 digits + check digit');
    s.account = await text(page, '[data-testid=account-no]');
    s.memo = await text(page, '[data-testid=memo]');
    assert.match(s.account, /^[0-9A-Za-z]{1,19}$/, 'an account number');
    assert.ok(s.memo.startsWith(`${s.code} `), `the memo starts with the code: ${s.memo}`);
    assert.equal(await text(page, '[data-testid=remaining]'), vnd(s.amount), 'nothing received yet');
    const main = norm(await page.locator('main').innerText());
    assert.ok(main.includes(vnd(s.amount)), 'the amount is shown');
    assert.ok(!main.includes(s.visitor), 'the visitor did not consent: not named on the public pledge page');
    const qr = page.locator('[data-testid=vietqr]');
    assert.equal(await qr.count(), 1, 'a VietQR code (the demo has a default receiving account)');
    assert.equal(await qr.locator('svg').count(), 1, 'drawn as inline SVG');
    assert.equal(await page.locator(`a[href="${s.pledgePath}/qr.png"]`).count(), 1, 'a PNG link');
    console.log(`code ${s.code}, account ${s.account}, memo "${s.memo}"`);

    // The PNG, fetched with the page's own request context.
    const png = await page.request.get(url(`${s.pledgePath}/qr.png`));
    assert.equal(png.status(), 200);
    assert.equal(png.headers()['content-type'], 'image/png');
    s.payload = decodePng(await png.body());
    assert.ok(s.payload, '/qr.png decodes as a QR code (with its own quiet zone)');

    // And what a phone camera sees: the SVG as the browser draws it.
    await qr.scrollIntoViewIfNeeded();
    const seen = await qr.screenshot();
    let fromScreen = decodePng(seen);
    if (fromScreen === null) {
      // The white card around the code is its quiet zone on screen.
      console.log('the element alone does not decode; trying with a white border');
      fromScreen = decodePng(padPng(seen, 32));
    }
    assert.equal(fromScreen, s.payload, 'the inline SVG carries the same payload as the PNG');
    console.log(`VietQR payload: ${s.payload}`);

    await shot(page, 'giving');
  });
  await withSession(null, MOBILE, async (page) => {
    await page.goto(url(`${s.pledgePath}?thanks=1`));
    const qr = page.locator('[data-testid=vietqr]');
    const box = await qr.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 360, `the QR code fits a 360 px screen: ${JSON.stringify(box)}`);
    await shot(page, 'giving-360', 2200);
  });
});

step('giving 3: the VietQR payload is NAPAS 247 / EMVCo, every field and the checksum right', () => {
  const p = s.payload;
  assert.match(p, /^[\x20-\x7e]+$/, 'printable ASCII (the memo is folded)');
  const top = tlv(p);
  console.log(`top-level IDs: ${top.map((o) => o.id).join(' ')}`);
  assert.equal(top[0].id, '00', 'payload format indicator first');
  assert.equal(field(top, '00'), '01');
  assert.equal(field(top, '01'), '12', 'dynamic: a code for one payment with its amount');
  const napas = tlv(field(top, '38'));
  assert.equal(field(napas, '00', '38'), 'A000000727', 'NAPAS GUID');
  const beneficiary = tlv(field(napas, '01', '38'));
  assert.equal(field(beneficiary, '00', '38/01'), '970436', 'receiving bank BIN (Vietcombank)');
  assert.equal(field(beneficiary, '01', '38/01'), s.account, 'the account shown on the page');
  assert.equal(field(napas, '02', '38'), 'QRIBFTTA', 'transfer to an account');
  assert.equal(field(top, '53'), '704', 'VND');
  assert.equal(field(top, '54'), String(s.amount), 'the amount pledged, whole đồng');
  assert.equal(field(top, '58'), 'VN');
  const extra = tlv(field(top, '62'));
  const memo = field(extra, '08', '62');
  assert.ok(memo.length <= 25, `memo within 25 characters: "${memo}"`);
  assert.ok(memo.startsWith(s.code), `the memo starts with the pledge code: "${memo}"`);
  assert.equal(memo, s.memo, 'the memo is the one shown on the page (already ASCII, within 25 characters)');
  // ID 63 last, its value the CRC of everything before it, "6304" included.
  const last = top[top.length - 1];
  assert.equal(last.id, '63', 'CRC last');
  assert.match(last.value, /^[0-9A-F]{4}$/, 'four uppercase hex digits');
  assert.ok(p.endsWith(`6304${last.value}`));
  assert.equal(last.value, crc16ccittFalse(p.slice(0, -4)), 'CRC-16/CCITT-FALSE over the payload up to and including "6304"');
  // A payload with one character changed fails the check (the test's CRC
  // is not vacuous).
  const broken = p.replace(String(s.amount), String(s.amount + 1000));
  assert.notEqual(crc16ccittFalse(broken.slice(0, -4)), last.value);
});

/** A Vietcombank "Sao kê tài khoản" export (docs/samples/statements): title
 * rows, the header, one credit line, the totals and closing balance. */
function vietcombankCsv({ account, date, ref, amount, memo }) {
  const money = (n) => `"${n.toLocaleString('en-US')}"`;
  const opening = 25000000;
  return [
    'NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM - VIETCOMBANK',
    'SAO KÊ TÀI KHOẢN / STATEMENT OF ACCOUNT',
    `Số tài khoản / Account number:,${account}`,
    'Tên tài khoản / Account name:,QUY BAO TRO TRE EM THANH PHO HUE',
    `Từ ngày / From: ${date},Đến ngày / To: ${date}`,
    `Số dư đầu kỳ / Opening balance:,${money(opening)}`,
    '',
    'STT,Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Số dư,Mô tả',
    `1,${date},${ref},,${money(amount)},${money(opening + amount)},${memo}`,
    `,Tổng cộng,,"0",${money(amount)},,`,
    '',
    `Số dư cuối kỳ / Closing balance:,${money(opening + amount)}`,
    'Người lập biểu / Prepared by,,,,Kiểm soát / Checked by',
    '',
  ].join('\r\n');
}

async function upload(page, buffer) {
  await page.goto(url('/statements'));
  const opt = page.locator('#account_id option', { hasText: s.account });
  assert.equal(await opt.count(), 1, `the receiving account ${s.account} is offered`);
  await page.selectOption('#account_id', await opt.getAttribute('value'));
  await page.selectOption('#layout', 'vietcombank');
  await page.setInputFiles('#file', { name: `saoke-vcb-${s.sfx}.csv`, mimeType: 'text/csv', buffer });
  const resp = await submit(page, '[data-testid=statement-upload]');
  assert.equal(resp.status(), 200);
  assert.equal(await page.locator('[data-testid=form-error]').count(), 0,
    `no error: ${await page.locator('[data-testid=form-error]').count() ? await text(page, '[data-testid=form-error]') : ''}`);
  const notice = await text(page, '[data-testid=statements-notice]');
  console.log(`upload: ${notice}`);
  return notice;
}

step('giving 4: "paying" — the coordinator uploads a Vietcombank statement whose memo carries the code, mangled; the line waits with a proposal citing the code', async () => {
  // The bank glued its own prefix on and put a hyphen after CT.
  s.mangled = `${s.code.slice(0, 2)}-${s.code.slice(2)}`;
  s.lineMemo = `MBVCB.${Date.now() % 1e10}.${s.mangled} UNG HO`;
  const today = new Date();
  const date = [today.getDate(), today.getMonth() + 1].map((n) => String(n).padStart(2, '0')).join('/') + `/${today.getFullYear()}`;
  s.csv = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]), // UTF-8 BOM, as Vietcombank exports
    Buffer.from(vietcombankCsv({
      account: s.account,
      date,
      ref: `E2E.${s.sfx}`,
      amount: s.amount,
      memo: s.lineMemo,
    }), 'utf8'),
  ]);
  await withSession('dieuphoi', DESKTOP, async (page) => {
    const notice = await upload(page, s.csv);
    assert.match(notice, /Đã nhập 1 dòng mới, 0 dòng khớp/, 'one new line, not matched by itself (the public pledge is unconfirmed)');
    const line = page.locator('[data-testid=waiting-line]', { hasText: s.lineMemo });
    assert.equal(await line.count(), 1, `the line "${s.lineMemo}" waits`);
    const lineText = norm(await line.innerText());
    console.log(`waiting line: ${lineText}`);
    assert.ok(lineText.includes(vnd(s.amount)), 'with its amount');
    const proposal = line.locator('form', { has: page.locator(`input[name=pledge_id][value="${s.pledgeId}"]`) });
    assert.equal(await proposal.count(), 1, 'the visitor\'s pledge is proposed');
    const why = norm(await proposal.innerText());
    console.log(`proposal: ${why}`);
    assert.ok(why.includes('mã cam kết trong nội dung'), 'because of the code in the memo');
    assert.ok(why.includes('đúng số tiền còn phải nhận'), 'and the amount it has left');
    assert.equal((await line.locator('form').first().locator('input[name=pledge_id]').getAttribute('value')), s.pledgeId,
      'it is the first proposal');
    await line.scrollIntoViewIfNeeded();
    await shot(page, 'statements', 0);
    await withSession('dieuphoi', MOBILE, async (m) => {
      await m.goto(url('/statements'));
      await m.locator('[data-testid=waiting-line]', { hasText: s.lineMemo }).scrollIntoViewIfNeeded();
      await shot(m, 'statements-360', 0);
    });

    const resp = await submit(page, `[data-testid=waiting-line]:has-text("${s.lineMemo}") form:has(input[name=pledge_id][value="${s.pledgeId}"]) [data-testid=confirm-match]`);
    assert.equal(resp.status(), 200);
    const m = new URL(page.url()).pathname.match(/^\/receipts\/([^/]+)$/);
    assert.ok(m, `confirming leads to the printable receipt, got ${page.url()}`);
    s.receiptId = m[1];
    s.receiptNo = await text(page, '[data-testid=receipt-no]');
    const card = norm(await page.locator('[data-testid=receipt]').innerText());
    console.log(`receipt ${s.receiptNo}: ${card}`);
    assert.ok(s.receiptNo.length > 0, 'a receipt number');
    assert.ok(card.includes(vnd(s.amount)), 'the amount');
    assert.ok(card.includes(s.visitor), 'the printed receipt (for the donor) names them');
    assert.ok(card.includes(s.account), 'the receiving account');
    const link = page.locator('[data-testid=public-link]');
    const href = await link.getAttribute('href');
    assert.equal(norm(await link.innerText()), href, 'the public address is printed in full');
    s.publicPath = new URL(href).pathname;
    assert.equal(s.publicPath, `/ledger/receipts/${s.receiptId}`, 'the public link is the receipt\'s public page');
    assert.equal(await page.locator('[data-testid=receipt] .qr svg').count(), 1, 'with a QR code of that address');
  });
});

step('giving 5: re-uploading the same statement adds nothing', async () => {
  await withSession('dieuphoi', DESKTOP, async (page) => {
    const notice = await upload(page, s.csv);
    assert.match(notice, /Đã nhập 0 dòng mới, 0 dòng khớp mã cam kết thành biên nhận; 1 dòng đã có từ trước/, 'nothing new, the line already seen');
    assert.equal(await page.locator('[data-testid=waiting-line]', { hasText: s.lineMemo }).count(), 0, 'the line no longer waits');
    const matched = page.locator('table[data-testid=matched-lines] tbody tr', { hasText: s.lineMemo });
    assert.equal(await matched.count(), 1, 'listed once among the matched lines');
    assert.equal(await matched.locator(`a[href="/receipts/${s.receiptId}"]`).count(), 1, 'linking to its receipt');
  });
  // Paid: the pledge page has nothing left to pay and no code to scan.
  await withSession(null, DESKTOP, async (page) => {
    await page.goto(url(s.pledgePath));
    assert.equal(await text(page, '[data-testid=remaining]'), vnd(0), 'nothing left to receive');
    assert.equal(await page.locator('[data-testid=vietqr]').count(), 0, 'no VietQR code once paid');
    const png = await page.request.get(url(`${s.pledgePath}/qr.png`));
    assert.equal(png.status(), 404, 'nor a PNG');
  });
});

step('giving 6: a visitor opens the public receipt page and the browser verifies it against the signed ledger', async () => {
  for (const [opts, name] of [[DESKTOP, 'ledger-receipt'], [MOBILE, 'ledger-receipt-360']]) {
    await withSession(null, opts, async (page) => {
      assert.equal((await page.context().cookies()).length, 0, 'a fresh visitor, no cookies');
      const resp = await page.goto(url(s.publicPath));
      assert.equal(resp.status(), 200, 'the receipt page is public');
      await page.waitForSelector('#verify[data-state=ok]', { timeout: 15000 }).catch(async (e) => {
        throw new Error(`verification did not succeed: state ${await page.getAttribute('#verify', 'data-state')}, ` +
          `"${await text(page, '[data-testid=verify-result]')}" (${e.message})`);
      });
      const result = await text(page, '[data-testid=verify-result]');
      console.log(`verify (${name}): ${result}`);
      assert.ok(result.startsWith('Đã kiểm tra: mục này nằm trong sổ cái và đầu cây có chữ ký hợp lệ.'), `plain-language result: ${result}`);
      assert.equal(await text(page, '[data-testid=receipt-no]'), s.receiptNo, 'the printed receipt\'s number');
      assert.equal(await text(page, '[data-testid=public-amount]'), vnd(s.amount));
      const main = norm(await page.locator('main').innerText());
      assert.ok(!main.includes(s.visitor), 'the visitor, who did not consent, is not named');
      assert.ok(main.includes('Ẩn danh'), 'shown as anonymous');
      assert.ok(main.includes(s.code), 'the pledge code is shown');
      assert.ok(main.includes('Khoản này đã đến đâu'), '"where the money went" is shown');
      const wentTo = page.locator('table[data-testid=went-to] tbody tr');
      if (await wentTo.count()) {
        const rows = (await wentTo.allInnerTexts()).map(norm);
        console.log(`went to: ${rows.join(' | ')}`);
        assert.equal(await page.locator(`table[data-testid=went-to] a[href="${s.needPath}"]`).count(), 1, 'to the need it was pledged on');
      } else {
        assert.equal(await page.locator('[data-testid=not-allocated]').count(), 1, 'not allocated yet, and it says so');
      }
      const leaf = JSON.parse(await page.locator('[data-testid=leaf]').innerText());
      assert.equal(leaf.kind, 'receipt');
      assert.equal(leaf.no, s.receiptNo);
      assert.equal(leaf.amount, s.amount);
      assert.equal(leaf.pledge, s.code);
      assert.ok(!('donor_name' in leaf), 'no donor name in the leaf without consent');
      assert.ok(!JSON.stringify(leaf).includes(s.visitor), 'nor the name anywhere in it');
      await shot(page, name, opts === MOBILE ? 2200 : 2400);
    });
  }
});

step('giving 7: with one hash of the audit path flipped in transit, the page says the check failed', async () => {
  await withSession(null, DESKTOP, async (page) => {
    let tampered = null;
    await page.route('**/api/v1/ledger/proof/inclusion?**', async (route) => {
      const resp = await route.fetch();
      const body = await resp.json();
      assert.ok(Array.isArray(body.audit_path) && body.audit_path.length > 0, 'an audit path to tamper with');
      const h = body.audit_path[0];
      body.audit_path[0] = (h[0] === '0' ? '1' : '0') + h.slice(1);
      tampered = { from: h, to: body.audit_path[0], path: body.audit_path.length };
      await route.fulfill({ response: resp, json: body });
    });
    await page.goto(url(s.publicPath));
    await page.waitForSelector('#verify[data-state=fail]', { timeout: 15000 }).catch(async (e) => {
      throw new Error(`expected a failure, got state ${await page.getAttribute('#verify', 'data-state')}, ` +
        `"${await text(page, '[data-testid=verify-result]')}" (${e.message})`);
    });
    assert.ok(tampered, 'the proof went through the tampering route');
    const result = await text(page, '[data-testid=verify-result]');
    console.log(`tampered ${JSON.stringify(tampered)}: ${result}`);
    assert.equal(result, 'KHÔNG khớp: bằng chứng không dẫn tới mã băm gốc đã ký.');
  });
  // And a signature that does not match the head.
  await withSession(null, DESKTOP, async (page) => {
    await page.route('**/api/v1/ledger/sth', async (route) => {
      const resp = await route.fetch();
      const body = await resp.json();
      const sig = Buffer.from(body.signature, 'base64');
      sig[0] ^= 1;
      body.signature = sig.toString('base64');
      await route.fulfill({ response: resp, json: body });
    });
    await page.goto(url(s.publicPath));
    await page.waitForSelector('#verify[data-state=fail]', { timeout: 15000 });
    assert.equal(await text(page, '[data-testid=verify-result]'), 'KHÔNG khớp: chữ ký của đầu cây không hợp lệ.');
  });
});

// ---- A 360-pixel phone ---------------------------------------------------

/** Page width and the elements sticking out past `width` (outside the
 * .scroll wrappers that wide tables scroll in), as layout.test.mjs. */
async function overflow(page, path, width = 360) {
  const resp = await page.goto(url(path));
  assert.equal(resp.status(), 200, `${path}: HTTP ${resp.status()}`);
  return page.evaluate((w) => {
    const offenders = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (el.closest('.scroll')) continue;
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > w + 0.5) {
        offenders.push(`${el.tagName.toLowerCase()}${el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : ''} "${el.textContent.trim().slice(0, 24)}" right=${Math.round(r.right)}`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, offenders: offenders.slice(0, 8) };
  }, width);
}

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };

step('giving 8: the statements page (coordinator) and the public receipt page fit a 360 px phone', async () => {
  const failures = [];
  const check = async (page, path) => {
    const o = await overflow(page, path);
    console.log(`360px ${path}: scrollWidth ${o.scrollWidth}${o.offenders.length ? ` offenders: ${o.offenders.join(', ')}` : ''}`);
    if (o.scrollWidth > 360) failures.push(`${path}: scrollWidth ${o.scrollWidth} (${o.offenders.join(', ')})`);
  };
  await withSession('dieuphoi', PHONE, (page) => check(page, '/statements'));
  await withSession(null, PHONE, (page) => check(page, s.publicPath));
  assert.deepEqual(failures, []);
});

// Known: in the "Hoặc chuyển khoản" facts (dl.facts: grid-template-columns
// max-content 1fr), the account number cannot wrap and the page is 364 px
// wide at 360. A CSS fix (app.css), not the test's to make; reported.
test('giving 9: the pledge page fits a 360 px phone', async () => {
  assert.ok(s.pledgePath, 'a pledge page from the walk');
  await withSession(null, PHONE, async (page) => {
    const o = await overflow(page, s.pledgePath);
    console.log(`360px ${s.pledgePath}: scrollWidth ${o.scrollWidth}${o.offenders.length ? ` offenders: ${o.offenders.join(', ')}` : ''}`);
    assert.ok(o.scrollWidth <= 360, `scrollWidth ${o.scrollWidth} > 360: ${o.offenders.join(', ')}`);
  });
});
