// The consolidated city report on the demo data (issue 6, "done when"):
// the coordinator opens the consolidation of 2025 — the units' reports
// summed beside the system's figures, differences flagged, the district-to-
// commune move of obligations listed — and exports the report to the
// People's Committee as XLSX, DOCX and PDF. Every figure checked here is
// read back from the downloaded files (the XLSX and DOCX XML through a
// small unzip over node:zlib, the PDF through pdftotext) and compared with
// what the database holds, queried directly with sqlite3 or psql
// (scripts/e2e.sh passes the database URL as CHUNGTAY_DB_URL). Also the
// final review of 2019–2025 with its switch between the units of the time
// and today's units.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { launch, newContext, login, url, screenshot } from './lib.mjs';

let browser;
let dir;
before(async () => {
  browser = await launch();
  dir = mkdtempSync(join(tmpdir(), 'ct-consolidation-'));
});
after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One query against the server's database; rows of tab-separated fields. */
function sql(query) {
  const db = process.env.CHUNGTAY_DB_URL;
  assert.ok(db, 'scripts/e2e.sh passes the database URL as CHUNGTAY_DB_URL');
  const out = db.startsWith('postgres')
    ? execFileSync('psql', [db, '-At', '-F', '\t', '-c', query], { encoding: 'utf8' })
    : execFileSync('sqlite3', ['-separator', '\t', db.replace(/^sqlite:\/\//, '').replace(/\?.*$/, ''), query], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

function sqlNumber(query) {
  const rows = sql(query);
  return Number(rows[0]?.[0] || 0);
}

/** The files of a ZIP archive (stored or deflated), by name. */
function unzip(buf) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd -= 1;
  assert.ok(eocd >= 0, 'a ZIP archive');
  const entries = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = new Map();
  for (let i = 0; i < entries; i += 1) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    files.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

function unescapeXml(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** Every sheet of a workbook as a grid of strings and numbers, keyed by its title cell (A1). */
function readXlsx(buf) {
  const files = unzip(buf);
  const shared = [];
  const sst = files.get('xl/sharedStrings.xml')?.toString('utf8') ?? '';
  for (const si of sst.matchAll(/<si>([\s\S]*?)<\/si>/g)) {
    shared.push(unescapeXml([...si[1].matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((m) => m[1]).join('')));
  }
  const sheets = new Map();
  for (const [name, data] of files) {
    if (!/^xl\/worksheets\/sheet\d+\.xml$/.test(name)) continue;
    const grid = [];
    for (const row of data.toString('utf8').matchAll(/<row [^>]*>([\s\S]*?)<\/row>/g)) {
      for (const c of row[1].matchAll(/<c r="([A-Z]+)(\d+)"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
        const col = [...c[1]].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
        const r = Number(c[2]) - 1;
        const v = c[4]?.match(/<v>([\s\S]*?)<\/v>/)?.[1];
        if (v === undefined) continue;
        grid[r] ??= [];
        grid[r][col] = /t="s"/.test(c[3]) ? shared[Number(v)] : Number(v);
      }
    }
    const title = grid[0]?.[0];
    if (typeof title === 'string') sheets.set(title, grid);
  }
  return sheets;
}

/** The sheet whose title starts with `prefix`. */
function sheet(sheets, prefix) {
  const found = [...sheets.entries()].filter(([t]) => t.startsWith(prefix));
  assert.equal(found.length, 1, `one sheet titled "${prefix}…" among ${[...sheets.keys()].join(' | ')}`);
  return found[0][1];
}

/** The row whose first cell is `label` (after the header row). */
function rowOf(grid, label, col = 0) {
  const rows = grid.slice(2).filter((r) => r?.[col] === label);
  assert.equal(rows.length, 1, `one row "${label}"`);
  return rows[0];
}

function vn(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

function norm(s) {
  return (s ?? '').normalize('NFC').replace(/[\s\u00a0]+/g, ' ').trim();
}

async function download(page, testid) {
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`[data-testid=${testid}]`),
  ]);
  const file = join(dir, dl.suggestedFilename());
  await dl.saveAs(file);
  return file;
}

// What the database holds for 2025 (the definitions the report states).
function expected() {
  const notBudget = `NOT EXISTS (SELECT 1 FROM receiving_accounts a WHERE a.purpose = 'state_budget' AND r.account LIKE '%' || a.account_no)`;
  const mobilised = sqlNumber(
    `SELECT COALESCE(SUM(r.amount), 0) FROM receipts r WHERE r.received_on >= '2025-01-01' AND r.received_on <= '2025-12-31' AND r.province = '46' AND ${notBudget}`,
  );
  const need = sqlNumber(
    `SELECT COALESCE(SUM(n.amount), 0) FROM need_lines n JOIN periods p ON p.id = n.period_id WHERE n.status IN ('verified', 'published') AND p.starts_on >= '2025-01-01' AND p.starts_on <= '2025-12-31' AND n.province = '46'`,
  );
  // the filed 2025 reports of administrative units (all communes since the reform) and their typed figures
  const filed = sql(
    `SELECT o.unit_name, f.field, f.value FROM report_obligations o JOIN reports r ON r.obligation_id = o.id JOIN report_fields f ON f.obligation_id = o.id WHERE o.year = 2025 AND o.state = 'open' AND o.unit_kind = 'admin' AND r.status IN ('submitted', 'approved', 'locked') AND f.field IN ('money_domestic', 'children_supported') AND f.value IS NOT NULL ORDER BY o.unit_name, f.field`,
  );
  const districtMoves = sqlNumber(
    `SELECT COUNT(*) FROM obligation_moves m JOIN report_obligations o ON o.id = m.obligation_id JOIN admin_units u ON u.id = m.from_unit WHERE o.year = 2025 AND u.level = 'district'`,
  );
  const units = new Map();
  for (const [name, field, value] of filed) {
    const u = units.get(name) ?? {};
    u[field] = Number(value);
    units.set(name, u);
  }
  const typedDomestic = [...units.values()].reduce((s, u) => s + (u.money_domestic ?? 0), 0);
  return { mobilised, need, units, typedDomestic, districtMoves };
}

const s = {};

test('the coordinator sees the 2025 consolidation with differences flagged and the moved obligations', async () => {
  const ctx = await newContext(browser, { acceptDownloads: true });
  const page = await ctx.newPage();
  try {
    await login(page, 'dieuphoi');
    await page.goto(url('/reporting?year=2025'));
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=to-consolidated]')]);
    assert.match(norm(await page.locator('h1').innerText()), /Tổng hợp báo cáo năm 2025/);
    const db = expected();
    assert.ok(db.units.size >= 2, `filed 2025 reports: ${[...db.units.keys()]}`);
    assert.ok(db.mobilised > 0 && db.need > 0, 'the demo has 2025 money and need');

    const totals = page.locator('[data-testid=consolidation-totals] tr', { hasText: 'Nguồn lực trong nước (đồng)' });
    const cells = (await totals.locator('td').allInnerTexts()).map(norm);
    assert.equal(cells[1], vn(db.typedDomestic), 'Σ typed of the filed reports, as the database holds it');
    // A Lưới 3 typed 15,000,000 more than the system records: flagged
    assert.ok(Number(norm(await page.locator('[data-testid=consolidation-flagged]').innerText()).match(/\d+/)[0]) >= 1);
    const diffs = norm(await page.locator('[data-testid=consolidation-differences]').innerText());
    assert.match(diffs, /Xã A Lưới 3/);
    assert.ok(await page.locator('[data-testid=consolidation-totals] [data-testid=flag]').count() >= 1);
    // the district-to-commune move of obligations
    const moves = norm(await page.locator('[data-testid=consolidation-district-moves]').innerText());
    assert.match(moves, /Huyện Nam Đông → Huyện Phú Lộc \(01\/01\/2025/);
    assert.match(moves, /Huyện A Lưới → .*Xã A Lưới 1.* \(01\/07\/2025, giải thể cấp huyện/);
    assert.equal(await page.locator('[data-testid=consolidation-district-moves] li').count(), db.districtMoves);
    await screenshot(page, 'consolidation', { maxFullHeight: 0 });

    s.xlsx = await download(page, 'export-xlsx');
    s.docx = await download(page, 'export-docx');
    s.pdf = await download(page, 'export-pdf');
    s.db = db;
  } finally {
    await ctx.close();
  }
});

test('the exported XLSX holds the figures the database holds', () => {
  assert.ok(s.xlsx, 'downloaded');
  const { mobilised, need, units, typedDomestic, districtMoves } = s.db;
  const sheets = readXlsx(readFileSync(s.xlsx));
  const sources = sheet(sheets, 'Biểu 1.');
  const total = rowOf(sources, 'Tổng cộng', 1);
  assert.equal(total[6], mobilised, 'resources mobilised, state budget apart');
  const byCategory = sheet(sheets, 'Biểu 3.');
  assert.equal(rowOf(byCategory, 'Tổng cộng')[2], need, 'need of the 2025 lines');
  const totals = sheet(sheets, 'Biểu 10.');
  assert.equal(rowOf(totals, 'Nguồn lực trong nước (đồng)')[1], typedDomestic);
  const perUnit = sheet(sheets, 'Biểu 12.');
  for (const [name, u] of units) {
    const row = rowOf(perUnit, name);
    assert.equal(row[4], u.money_domestic, `${name}: money_domestic`);
    if (u.children_supported !== undefined) assert.equal(row[6], u.children_supported, `${name}: children`);
  }
  const moves = sheet(sheets, 'Biểu 13.');
  assert.equal(moves.slice(2).filter((r) => r?.length).length, districtMoves);
  assert.match(rowOf(moves, 'Huyện Nam Đông')[1], /Huyện Phú Lộc/);
});

test('the exported DOCX (Decree 30) and PDF print the same figures', () => {
  assert.ok(s.docx && s.pdf, 'downloaded');
  const { mobilised, need, typedDomestic } = s.db;
  const xml = unzip(readFileSync(s.docx)).get('word/document.xml').toString('utf8');
  const docx = norm(unescapeXml(xml.replace(/<w:p[ >]/g, '\n$&').replace(/<[^>]+>/g, ' ')));
  const pdf = norm(execFileSync('pdftotext', ['-layout', s.pdf, '-'], { encoding: 'utf8' }));
  assert.match(docx, /Huyện Nam Đông/, 'docx: Nam Đông district’s obligation moved');
  for (const [name, text] of [['docx', docx], ['pdf', pdf]]) {
    assert.match(text, /CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM/, name);
    assert.match(text, /VIII\. TỔNG HỢP BÁO CÁO CỦA CÁC ĐƠN VỊ/, name);
    for (const [what, v] of [['mobilised', mobilised], ['need', need], ['Σ typed domestic', typedDomestic]]) {
      assert.ok(text.includes(vn(v)), `${name}: ${what} ${vn(v)}`);
    }
    // the moves table (its narrow first column may wrap a unit's name in the PDF)
    assert.match(text, /Biểu 13\. Nghĩa vụ báo cáo chuyển theo sắp xếp đơn vị hành chính/, `${name}: the moves`);
    assert.match(text, /giải thể cấp huyện/, `${name}: districts dissolved on 01/07/2025`);
  }
  writeFileSync(join(dir, 'pdf.txt'), pdf);
});

test('the final review of 2019–2025 switches between the units of the time and today’s units', async () => {
  const ctx = await newContext(browser, { acceptDownloads: true });
  const page = await ctx.newPage();
  try {
    await login(page, 'dieuphoi');
    await page.goto(url('/reporting/review?from=2019&to=2025&regroup=historic'));
    const historic = norm(await page.locator('main').innerText());
    assert.match(historic, /Huyện A Lưới \(cũ\)/, 'the district of the time');
    // what the districts reported in 2019, as the database holds it
    const y2019 = sqlNumber(
      `SELECT COALESCE(SUM(CAST(f.value AS BIGINT)), 0) FROM report_fields f JOIN report_obligations o ON o.id = f.obligation_id JOIN reports r ON r.obligation_id = o.id WHERE o.year = 2019 AND r.status IN ('submitted', 'approved', 'locked') AND f.field = 'money_domestic'`,
    );
    assert.ok(y2019 > 0, 'the demo has 2019 reports');
    // the review prints money in millions of đồng, rounded
    const m2019 = vn(Math.round(y2019 / 1e6));
    assert.ok(historic.includes(m2019), `2019 domestic ${m2019} million`);
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=regroup-switch]')]);
    const today = norm(await page.locator('main').innerText());
    assert.match(today, /Theo đơn vị hành chính hiện nay/);
    assert.doesNotMatch(today, /Huyện A Lưới \(cũ\)/);
    assert.match(today, /Xã A Lưới 1, Xã A Lưới 2, Xã A Lưới 3, Xã A Lưới 4, Xã A Lưới 5/, 'the district re-aggregated onto its communes of today');
    assert.ok(today.includes(m2019), 'the same total either way');
  } finally {
    await ctx.close();
  }
});
