// SPDX-License-Identifier: AGPL-3.0-or-later
// What every browser test of the console shares: a platform made by the CLI,
// `eseal serve` on a loopback port, headless Chromium (Debian's chromium,
// driven by playwright-core), and the checks of every page: no console error,
// no failed request, no untranslated key (in Chinese and in English), an
// axe-core check (labels, contrast), screenshots at desktop and phone width.
// A test file calls setup() once, then uses person(), signIn(), go(), review().
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const ESEAL = process.env.ESEAL || path.resolve(here, '../../../build/eseal');
export const WEB = process.env.ESEAL_WEB || path.resolve(here, '../../../web');
export const SHOTS = process.env.ESEAL_SCREENSHOTS || path.resolve(path.dirname(ESEAL), 'screenshots');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const work = fs.mkdtempSync(path.join(os.tmpdir(), 'eseal-console-'));
export const dir = path.join(work, 'platform');
export const otp = {};
export const passwords = {};
export const shots = [];
export let server, base, browser, unitId;
export const state = {}; // what one step leaves for the next

// the CLI with the platform's passphrase; platformWith(env, …) adds to its environment (a fake clock)
export const esealWith = (env, ...args) => execFileSync(ESEAL, args, { encoding: 'utf8', env: { ...process.env, ESEAL_PASSPHRASE: 'console-test', ...env } });
export const eseal = (...args) => esealWith({}, ...args);
export const platformWith = (env, ...args) => esealWith(env, 'platform', '--dir', dir, ...args);
export const platform = (...args) => platformWith({}, ...args);


// setup({accounts, env, initEnv}): before the tests, a platform (made with initEnv added to the
// CLI's environment: a fake clock in the past) with the region 350000, the unit 福建省测试厅
// (unitId) and the accounts {login: [roles, unit?]} (their one-time passwords, made now, in otp,
// with admin's), the server on a free loopback port (base) with env added to its environment,
// and the browser; after them, all of it gone.
export function setup({ accounts, env = {}, initEnv = {} }) {
  before(async () => {
    const cli = (...args) => platformWith(initEnv, ...args);
    cli('init');
    cli('region', 'add', '350000', '福建省');
    unitId = JSON.parse(cli('--json', 'unit', 'add', '--name', '福建省测试厅', '--credit-code', '91350100100000016G', '--region', '350000')).unit;
    for (const [login, [roles, unit]] of Object.entries(accounts(unitId)))
      cli('account', 'add', login, '--roles', roles, ...(unit ? ['--unit', String(unit)] : []));
    for (const login of ['admin', ...Object.keys(accounts(unitId))]) otp[login] = platform('account', 'otp', login).trim();
    const portFile = path.join(work, 'port');
    server = spawn(ESEAL, ['serve', '--dir', dir, '--listen', '127.0.0.1:0', '--port-file', portFile, '--web', WEB, '--threads', '2'],
      { stdio: ['ignore', 'ignore', fs.openSync(path.join(work, 'server.log'), 'w')], env: { ...process.env, ...env } });
    for (let i = 0; i < 100 && !(fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim()); i++) await new Promise((r) => setTimeout(r, 100));
    base = `http://127.0.0.1:${fs.readFileSync(portFile, 'utf8').trim()}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    if (server) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    if (shots.length) {
      console.log(`screenshots (${shots.length}) in ${SHOTS}:`);
      for (const s of shots) console.log('  ' + s);
    }
    fs.rmSync(work, { recursive: true, force: true });
  });
}

// ---- a page with its problems recorded ------------------------------------------------

// Each person is a browser context of their own (cookies apart). The page's
// problems: console errors and warnings, page errors, failed requests, and
// answers >= 400 except those the step expects.
export async function person(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.problems = [];
  page.expected = new Set();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') {
      if (/Failed to load resource: the server responded with a status of/.test(m.text())) return; // judged by status below
      page.problems.push(`console ${m.type()}: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => page.problems.push('page error: ' + e.message));
  page.on('requestfailed', (r) => {
    // an event stream the page closed itself (EventSource.close() while it was open) is not a failure
    if (r.resourceType() === 'eventsource' && r.failure()?.errorText === 'net::ERR_ABORTED') return;
    if (!r.url().startsWith('blob:')) page.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    const u = new URL(r.url());
    const key = `${r.request().method()} ${u.pathname} ${r.status()}`;
    if (r.status() >= 400 && ![...page.expected].some((e) => key.startsWith(e))) page.problems.push('answer ' + key);
  });
  return page;
}

export function clean(page, what) {
  const p = page.problems.splice(0);
  assert.deepEqual(p, [], `problems on ${what}`);
}

export async function settle(page) {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => !document.querySelector('.loading'));
}

// No untranslated key shown, in Chinese and then in English; back to Chinese.
export async function translated(page, what) {
  for (const lang of ['zh-CN', 'en']) {
    const text = await page.evaluate(() => document.body.innerText);
    assert.ok(!text.includes('⟦'), `untranslated key on ${what} (${lang}): ${text.match(/⟦[^⟧]*⟧/)?.[0]}`);
    const html = await page.evaluate(() => document.documentElement.lang);
    assert.equal(html, lang, 'the html lang follows the language');
    await page.click('header .who button:first-of-type');
    await settle(page);
  }
}

// axe-core on the page as shown: WCAG 2 A and AA rules (labels, contrast, names, landmarks).
export async function accessible(page, what) {
  await page.evaluate(AXE);
  const r = await page.evaluate(async () => {
    const res = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } });
    return res.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
  });
  assert.deepEqual(r, [], `accessibility of ${what}`);
}

export async function screenshot(page, name) {
  for (const [kind, vp] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
    await page.setViewportSize(vp);
    await page.waitForTimeout(50);
    const file = path.join(SHOTS, `${name}-${kind}.png`);
    await page.screenshot({ path: file, fullPage: true });
    shots.push(path.relative(process.cwd(), file));
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

// Every page: clean, translated, accessible, photographed.
export async function review(page, name) {
  await settle(page);
  await translated(page, name);
  await accessible(page, name);
  await screenshot(page, name);
  clean(page, name);
}

export async function go(page, hash) {
  const url = `${base}/#/${hash}`;
  if (page.url() === url) await page.reload(); // the same hash would not load the page again
  else await page.goto(url);
  await settle(page);
}

// Sign in through the page; a one-time password leads to the forced change.
export async function signIn(page, login, { shoot } = {}) {
  await go(page, 'signin');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', passwords[login] || otp[login]);
  if (shoot) await review(page, 'signin');
  await page.click('form button[type=submit]');
  if (!passwords[login]) {
    await page.waitForSelector('input[name=new_password]');
    const pw = `Seal-Console-${login.length}x9`;
    await page.fill('input[name=old_password]', otp[login]);
    await page.fill('input[name=new_password]', pw);
    await page.fill('input[name=new_password_again]', pw + 'typo');
    await page.click('form button[type=submit]');
    await page.waitForSelector('.field.has-error');
    if (shoot) await review(page, 'password-change');
    await page.fill('input[name=new_password_again]', pw);
    await page.click('form button[type=submit]');
    await page.waitForSelector('input[name=new_password]', { state: 'detached' });
    passwords[login] = pw;
  }
  await page.waitForSelector('header .who .login');
  await settle(page);
}

export const stateOf = (page) => page.locator('main p .badge').first().innerText();

export async function step(page, appId, button, want) {
  await go(page, `applications/${appId}`);
  await page.getByRole('button', { name: button, exact: true }).click();
  await page.waitForFunction((w) => document.querySelector('main p .badge')?.innerText === w, want);
}

// A two-page A4 PDF with a line of text on each page (exact xref offsets); other lines give another PDF.
export function twoPagePdf(pages = ['Purchase contract 2026-17', 'Page two: the buyer seals here']) {
  const objs = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>'];
  for (const [i, text] of pages.entries()) {
    const c = `BT /F1 14 Tf 72 760 Td (${text}) Tj ET`;
    objs.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents ${4 + 2 * i} 0 R /Resources << /Font << /F1 7 0 R >> >> >>`);
    objs.push(`<< /Length ${c.length} >>\nstream\n${c}\nendstream`);
  }
  objs.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  let out = '%PDF-1.7\n';
  const offs = [];
  objs.forEach((o, i) => { offs.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const x = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n` + offs.map((o) => String(o).padStart(10, '0') + ' 00000 n \n').join('');
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${x}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// `eseal verify --json` of a file sealed by the platform: its report (the exit status is not the verdict).
export function verifySealed(file) {
  const status = path.join(work, 'status.json');
  platform('status', 'list', '-o', status);
  let out;
  try {
    out = eseal('verify', file, '--trust', path.join(dir, 'trust'), '--status', status, '--json');
  } catch (e) {
    out = e.stdout;
  }
  return JSON.parse(out);
}
