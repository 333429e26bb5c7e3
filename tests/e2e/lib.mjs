// Shared helpers for the end-to-end tests (not a test file itself).
//
// The server under test is given by CHUNGTAY_URL (scripts/e2e.sh starts
// `chungtay demo` and sets it). Chromium is Debian's /usr/bin/chromium
// (override with CHROMIUM_PATH), driven by playwright-core; a fresh
// user-data-dir per launch is automatic with chromium.launch().
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE = (process.env.CHUNGTAY_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const PASSWORD = 'chungtay-demo';

/** The demo logins, one per role. */
export const DEMO_USERS = [
  ['admin', 'admin'],
  ['dieuphoi', 'coordinator'],
  ['sogddt', 'sector_officer'],
  ['aluoi1', 'local_officer'],
  ['thaluoi', 'site_officer'],
  ['thanhtra', 'finance_inspector'],
  ['nhataitro', 'donor'],
];

const here = dirname(fileURLToPath(import.meta.url));
export const SCREENSHOT_DIR = process.env.E2E_SCREENSHOT_DIR || join(here, '..', '..', 'docs', 'screenshots');

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A new browser context with sane defaults (desktop unless told otherwise). */
export async function newContext(browser, opts = {}) {
  return browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'vi-VN',
    ...opts,
  });
}

export function url(path) {
  return BASE + path;
}

/** Logs in through the real form; returns the page, now on /home. */
export async function login(page, username, password = PASSWORD) {
  await page.goto(url('/login'));
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForLoadState('domcontentloaded'),
    page.click('[data-testid=login-submit]'),
  ]);
  await page.waitForLoadState('domcontentloaded');
  return page;
}

/** Saves a screenshot to docs/screenshots/NAME.png. Full page unless the
 * page is very tall, in which case a viewport-sized picture keeps the PNG
 * small. */
export async function screenshot(page, name, { maxFullHeight = 2400 } = {}) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const fullPage = height <= maxFullHeight;
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Unique-enough suffix for data the tests create. */
export function suffix() {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}
