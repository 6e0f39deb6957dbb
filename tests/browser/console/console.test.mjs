// SPDX-License-Identifier: AGPL-3.0-or-later
// The web console in headless Chromium (Debian's chromium, driven by
// playwright-core), against `eseal serve` on a loopback port with a platform
// made by the CLI. An application's whole life through the pages, a
// keyboard-only walk of the form, use requests and their approval, the
// public pages; on every page: no console error, no failed request, no
// untranslated key (in Chinese and in English), an axe-core check (labels,
// contrast), and screenshots at desktop and phone width.
//
//   ESEAL=build/eseal ESEAL_WEB=web ESEAL_SCREENSHOTS=build/screenshots node --test tests/browser/console/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  setup, person, clean, settle, review, screenshot, go, signIn, stateOf, step,
  eseal, platform, otp, state, work, dir, base, unitId, ESEAL, WEB, twoPagePdf, verifySealed,
} from './harness.mjs';

setup({ accounts: (unit) => ({ applicant: ['applicant', unit], maker: ['maker'], reviewer: ['reviewer'], approver: ['use-approver', unit], auditor: ['auditor'] }) });

// ---- the tests --------------------------------------------------------------------------

test('static files: the console, its modules and the vendor module, with their types', async () => {
  for (const [p, type] of [['/', 'text/html'], ['/js/main.js', 'text/javascript'], ['/css/console.css', 'text/css'],
    ['/vendor/htm/preact/standalone.mjs', 'text/javascript'], ['/favicon.svg', 'image/svg+xml']]) {
    const r = await fetch(base + p);
    assert.equal(r.status, 200, p);
    assert.ok(r.headers.get('content-type').startsWith(type), `${p}: ${r.headers.get('content-type')}`);
    assert.match(r.headers.get('content-security-policy'), /script-src 'self'/);
  }
});

test('an application through its whole life, page by page', async () => {
  const applicant = await person();
  await signIn(applicant, 'applicant', { shoot: true });
  // the applicant lands on the form; live checks as the fields are typed
  await go(applicant, 'apply');
  await applicant.selectOption('select[name=unit_id]', String(unitId));
  await applicant.fill('input[name=seal_name]', '福建省测试厅公章'); // not the registered name: sent back below
  await applicant.fill('input[name=handler_name]', '王五');
  await applicant.fill('input[name=handler_mobile]', '1380000000');
  await applicant.fill('input[name=handler_id]', '350102199002020022');
  await applicant.fill('input[name=width_mm]', '90');
  const errors = await applicant.locator('.field.has-error .error').allInnerTexts();
  assert.ok(errors.some((e) => e.includes('身份证号的校验码不正确')), 'ID check character named: ' + errors);
  assert.ok(errors.some((e) => e.includes('手机号')), 'mobile named');
  assert.ok(errors.some((e) => e.includes('1 到 80 毫米')), 'size range named');
  await review(applicant, 'apply-errors');
  await applicant.fill('input[name=handler_mobile]', '13800000000');
  await applicant.fill('input[name=handler_id]', '350102199002020021');
  await applicant.fill('input[name=width_mm]', '42');
  assert.equal(await applicant.locator('.field.has-error').count(), 0, 'no error left');
  // the impression: a file that is not a PNG is named and not sent; the PNG is shown beside the field
  await applicant.setInputFiles('input[name=impression]', { name: 'scan.png', mimeType: 'image/png', buffer: Buffer.from('not a picture at all') });
  assert.ok((await applicant.locator('main p.error').innerText()).includes('PNG'), 'a non-PNG impression named');
  await applicant.click('form button[type=submit]');
  assert.equal(await applicant.evaluate(() => location.hash), '#/apply', 'nothing sent with a bad impression');
  const impFile = path.join(work, 'impression.png');
  eseal('image', 'render', '--kind', 'official', '--name', '福建省测试厅', '--dpi', '150', '-o', impFile);
  const impBytes = fs.readFileSync(impFile);
  await applicant.setInputFiles('input[name=impression]', { name: 'impression.png', mimeType: 'image/png', buffer: impBytes });
  await applicant.waitForFunction(() => document.querySelector('form figure.impression img')?.naturalWidth > 0);
  assert.ok((await applicant.locator('form figure.impression').innerText()).includes('impression.png'), 'the chosen file named');
  await review(applicant, 'apply-impression');
  await applicant.click('form button[type=submit]');
  await applicant.waitForURL(/#\/applications\/\d+$/);
  const appId = applicant.url().match(/applications\/(\d+)$/)[1];
  assert.equal(await stateOf(applicant), '已提交');
  // the application holds the uploaded impression, byte for byte, and shows it
  const held = await applicant.evaluate(async (id) => Array.from(new Uint8Array(await (await fetch(`/api/v1/applications/${id}/impression`)).arrayBuffer())), appId);
  assert.ok(Buffer.from(held).equals(impBytes), 'the impression stored as uploaded');
  await applicant.waitForFunction(() => document.querySelector('figure.impression img')?.naturalWidth > 0);
  state.appId = appId;

  // the maker finds it in the queue and checks it
  const maker = await person();
  await signIn(maker, 'maker');
  await go(maker, 'queue');
  await maker.getByRole('link', { name: `第 ${appId} 号` }).click();
  await settle(maker);
  await review(maker, 'application-maker');
  await step(maker, appId, '核对', '已核对');

  // the reviewer sends it back: a reason is required
  const reviewer = await person();
  await signIn(reviewer, 'reviewer');
  await go(reviewer, 'queue');
  await review(reviewer, 'queue-reviewer');
  await go(reviewer, `applications/${appId}`);
  await reviewer.getByRole('button', { name: '退回', exact: true }).click();
  await reviewer.waitForSelector('.field.has-error');
  const reason = '印章名称与营业执照登记名称不一致';
  await reviewer.fill('textarea[name=review_reason]', reason);
  await review(reviewer, 'application-review');
  await reviewer.getByRole('button', { name: '退回', exact: true }).click();
  await reviewer.waitForFunction(() => document.querySelector('main p .badge')?.innerText === '已退回');

  // the applicant sees why, corrects and submits again
  await go(applicant, 'applications');
  assert.ok((await applicant.locator('table').innerText()).includes(reason), 'the reason in the list');
  await review(applicant, 'applications');
  await go(applicant, `applications/${appId}`);
  assert.ok((await applicant.locator('.msg-error').innerText()).includes(reason), 'the reason on the application');
  await review(applicant, 'application-rejected');
  // the form again, prefilled: the name corrected, a new mobile (checked as typed; the ID kept as filed)
  await applicant.getByRole('link', { name: '更正申请' }).click();
  await applicant.waitForURL(/#\/applications\/\d+\/edit$/);
  await settle(applicant);
  assert.equal(await applicant.inputValue('input[name=seal_name]'), '福建省测试厅公章', 'the form prefilled');
  assert.equal(await applicant.inputValue('input[name=width_mm]'), '42');
  assert.equal(await applicant.inputValue('input[name=handler_id]'), '', 'the ID is kept unless typed');
  assert.ok((await applicant.locator('main').innerText()).includes(reason), 'the reason beside the form');
  assert.ok((await applicant.locator('main').innerText()).includes('138****0000'), 'the mobile on file, masked');
  await applicant.fill('input[name=seal_name]', '福建省测试厅');
  await applicant.fill('input[name=handler_mobile]', '1380000000');
  assert.ok((await applicant.locator('.field.has-error .error').innerText()).includes('手机号'), 'mobile checked in the correction');
  await review(applicant, 'application-edit');
  await applicant.click('form button[type=submit]'); // refused in the page: nothing sent
  assert.equal(await stateOf(applicant).catch(() => ''), '', 'still on the form');
  await applicant.fill('input[name=handler_mobile]', '13800000001');
  await applicant.click('form button[type=submit]');
  await applicant.waitForURL(/#\/applications\/\d+$/);
  await applicant.waitForFunction(() => document.querySelector('main p .badge')?.innerText === '已提交');
  assert.match(await applicant.locator('h1').innerText(), /福建省测试厅$/, 'the corrected name');
  assert.ok((await applicant.locator('dl.facts').innerText()).includes('138****0001'), 'the new mobile, masked');
  clean(applicant, 'the correction');
  // only the filer corrects, only while it is a draft or sent back
  await go(applicant, `applications/${appId}/edit`);
  assert.ok((await applicant.locator('main .msg-error').innerText()).includes('只有草稿或被退回的申请'), 'a submitted one is not corrected');
  await applicant.getByRole('link', { name: '返回申请详情' }).click();
  await applicant.waitForURL(/#\/applications\/\d+$/);
  await go(maker, `applications/${appId}/edit`);
  assert.ok((await maker.locator('main .msg-error').innerText()).includes('只有提交这件申请的账号'), 'the maker does not correct it');
  clean(maker, 'the maker on the correction page');

  // checked again, approved, made, filed, delivered
  await step(maker, appId, '核对', '已核对');
  await step(reviewer, appId, '审核通过', '已通过');
  await step(maker, appId, '制作', '已制作');
  await step(maker, appId, '备案', '已备案');
  await step(maker, appId, '交付', '已交付');
  clean(maker, 'the maker\'s steps');
  clean(reviewer, 'the reviewer\'s steps');

  // the applicant confirms the impression: the seal becomes active
  await go(applicant, `applications/${appId}`);
  await review(applicant, 'application-delivered');
  const esid = (await applicant.locator('dd a[href^="#/status"]').innerText()).trim();
  assert.match(esid, /^\d{14}$/);
  await applicant.getByRole('button', { name: '确认印模并启用' }).click();
  await applicant.waitForFunction(() => [...document.querySelectorAll('dd .badge')].some((b) => b.innerText === '启用'));
  const img = await applicant.locator('figure.impression img').evaluate((i) => i.naturalWidth);
  assert.ok(img > 0, 'the impression is shown');
  state.esid = esid;
  await go(applicant, 'seals');
  assert.ok((await applicant.locator('table').innerText()).includes(esid));
  await review(applicant, 'seals');
  clean(applicant, 'the applicant\'s steps');
  // the platform agrees
  assert.equal(platform('app', 'state', appId).trim(), 'delivered');
  await Promise.all([applicant, maker, reviewer].map((p) => p.context().close()));
});

test('keyboard only: the application form filled and sent without the mouse', async () => {
  const page = await person();
  await signIn(page, 'applicant');
  await go(page, 'apply');
  await page.locator('body').focus();
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('name') || document.activeElement?.tagName);
  let n = 0;
  while ((await focused()) !== 'unit_id' && n++ < 40) await page.keyboard.press('Tab');
  assert.equal(await focused(), 'unit_id', 'the first field is reached with Tab');
  await page.keyboard.press('ArrowDown');
  const sequence = [['business'], ['seal_kind'], ['seal_name', '福建省测试厅财务'], ['width_mm'], ['height_mm'],
    ['handler_name', '赵六'], ['handler_mobile', '13912345678'], ['handler_id', '350102198001010011'], ['reason', '新设部门'],
    ['impression'], ['scan'], ['preview_standard']];
  for (const [name, text] of sequence) {
    await page.keyboard.press('Tab');
    assert.equal(await focused(), name, 'Tab order reaches ' + name);
    if (text) await page.keyboard.type(text);
  }
  const visible = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(visible, 'none', 'the focus is visible');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.type), 'submit');
  await page.keyboard.press('Enter');
  await page.waitForURL(/#\/applications\/\d+$/);
  assert.equal(await stateOf(page), '已提交');
  clean(page, 'the keyboard walk');
  await page.context().close();
});

test('a use request, the approver\'s queue, and the other pages of each role', async () => {
  assert.ok(state.esid, 'needs the seal of the life-cycle test');
  const applicant = await person();
  await signIn(applicant, 'applicant');
  await go(applicant, 'use');
  await applicant.selectOption('select[name=esid]', state.esid);
  const doc = Buffer.from('采购合同 第 2026-001 号');
  await applicant.setInputFiles('input[name=document]', { name: 'contract.txt', mimeType: 'text/plain', buffer: doc });
  const sm3 = execFileSync('openssl', ['dgst', '-sm3', '-r'], { input: doc }).toString().slice(0, 64);
  await applicant.waitForSelector(`code:text("${sm3}")`);
  await applicant.fill('input[name=purpose]', '合同盖章');
  await applicant.click('form button[type=submit]');
  await applicant.waitForSelector('.msg-ok');
  await review(applicant, 'use-requests');

  const approver = await person();
  await signIn(approver, 'approver');
  await go(approver, 'approvals');
  await approver.waitForSelector('article.card, main .empty, main .msg-error');
  assert.equal(await approver.locator('article.card').count(), 1, 'the request waits for the approver: ' + await approver.locator('main').innerText());
  assert.ok((await approver.locator('article.card').first().innerText()).includes(sm3), 'the document digest shown');
  await review(approver, 'approvals');
  await approver.getByRole('button', { name: '审核通过' }).first().click();
  await approver.waitForSelector('.msg-ok');
  clean(approver, 'the approval');
  await go(applicant, 'use');
  assert.ok((await applicant.locator('table').innerText()).includes('已通过'), 'approved in the applicant\'s list');

  // sealing: the page says plainly when this server lacks the route
  await go(applicant, 'seal-document');
  await review(applicant, 'seal-document');

  const auditor = await person();
  await signIn(auditor, 'auditor');
  await go(auditor, 'audit');
  await auditor.waitForSelector('table');
  assert.ok((await auditor.locator('tbody tr').count()) > 5, 'audit entries listed');
  await auditor.selectOption('select[name=object]', 'application');
  await settle(auditor);
  // the correction is in the log: the fields named, never the values
  const log = await auditor.locator('table').innerText();
  assert.match(log, /application-edited\s+申请 \d+\s+\d+\s+changed: seal_name, handler_mobile\n/, 'the correction audited');
  assert.ok(!log.includes('13800000001'), 'no mobile number in the audit log');
  await review(auditor, 'audit');
  await auditor.fill('input[name=to]', '2000-01-02'); // a period before the platform: nothing
  await auditor.waitForSelector('main .empty');
  await auditor.fill('input[name=to]', '');
  await auditor.fill('input[name=from]', '2000-01-01');
  await auditor.waitForSelector('tbody tr');
  clean(auditor, 'the audit filters');

  const admin = await person();
  await signIn(admin, 'admin');
  // a unit registered, its credit code checked as typed
  await go(admin, 'units');
  await admin.fill('input[name=name]', '福建省其他厅');
  await admin.fill('input[name=credit_code]', '91350100100000059y');
  await admin.selectOption('select[name=region]', '350000');
  assert.ok((await admin.locator('.field.has-error .error').innerText()).includes('校验码不正确'), 'the check character named');
  await review(admin, 'units-error');
  await admin.fill('input[name=credit_code]', '91350100100000059x');
  assert.equal(await admin.locator('.field.has-error').count(), 0);
  await admin.click('form button[type=submit]');
  await admin.waitForSelector('.msg-ok');
  await admin.waitForFunction(() => document.querySelector('table')?.innerText.includes('91350100100000059X'));
  await go(admin, 'accounts');
  await admin.fill('input[name=login]', 'clerk2');
  await admin.click('input[value=applicant]');
  assert.ok(await admin.isChecked('input[value=applicant]'), 'the role is ticked');
  await admin.selectOption('select[name=unit_id]', String(unitId));
  await admin.click('form:has(input[name=login]) button[type=submit]');
  await admin.waitForSelector('.secret code');
  const pw = (await admin.locator('.secret code').innerText()).trim();
  assert.equal(pw.length, 16, 'a one-time password shown once');
  await admin.selectOption('select[name=key_login]', 'clerk2');
  await admin.fill('input[name=key_name]', 'OA 系统');
  await admin.fill('input[name=key_expires]', '2099-01-01');
  await admin.click('form:has(input[name=key_name]) button[type=submit]');
  await admin.waitForFunction(() => document.querySelector('.secret code')?.innerText.startsWith('esk_'));
  const key = await admin.locator('.secret code').innerText();
  const r = await fetch(base + '/api/v1/session', { headers: { Authorization: 'Bearer ' + key } });
  assert.equal(r.status, 200, 'the key shown works');
  await review(admin, 'accounts');
  await admin.getByRole('button', { name: '吊销' }).click();
  await admin.waitForFunction(() => !document.querySelector('.secret'));
  const r2 = await fetch(base + '/api/v1/session', { headers: { Authorization: 'Bearer ' + key } });
  assert.equal(r2.status, 401, 'the revoked key is refused');
  // an account disabled is refused at once, and enabled again
  await admin.getByRole('button', { name: '停用账号 clerk2：立即不能再以任何方式登录' }).click();
  await admin.waitForFunction(() => [...document.querySelectorAll('tr')].some((tr) => tr.innerText.includes('clerk2') && tr.innerText.includes('已停用')));
  const r3 = await fetch(base + '/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'clerk2', password: pw }) });
  assert.equal(r3.status, 401, 'a disabled account cannot sign in');
  await admin.getByRole('button', { name: '重新启用账号 clerk2' }).click();
  await admin.waitForFunction(() => [...document.querySelectorAll('tr')].some((tr) => tr.innerText.includes('clerk2') && tr.innerText.includes('正常')));
  const r4 = await fetch(base + '/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'clerk2', password: pw }) });
  assert.equal(r4.status, 200, 'enabled again, it signs in');
  // its roles changed: applicant and use approver
  await admin.getByRole('button', { name: '更改账号 clerk2 的角色' }).click();
  await admin.click('input[name=edit_roles][value=use-approver]');
  await admin.getByRole('button', { name: '保存角色' }).click();
  await admin.waitForSelector('text=clerk2 的角色已改为');
  const me = await (await fetch(base + '/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'clerk2', password: pw }) })).json();
  assert.deepEqual([...me.roles].sort(), ['applicant', 'use-approver'], 'the new roles at the next sign-in');
  // an auditor holds no other role: the refusal is shown, nothing changes
  admin.expected.add('PATCH /api/v1/accounts/');
  await admin.getByRole('button', { name: '更改账号 clerk2 的角色' }).click();
  await admin.click('input[name=edit_roles][value=auditor]');
  await admin.getByRole('button', { name: '保存角色' }).click();
  await admin.waitForSelector('.msg-error');
  assert.ok((await admin.locator('.msg-error').innerText()).includes('auditor'), 'the refusal says why: ' + await admin.locator('.msg-error').innerText());
  await admin.getByRole('button', { name: '取消' }).click();
  admin.expected.delete('PATCH /api/v1/accounts/');
  clean(admin, 'accounts');
  await Promise.all([applicant, approver, auditor, admin].map((p) => p.context().close()));
});

test('public seal-status lookup, without signing in', async () => {
  const page = await person();
  await go(page, 'status');
  await page.fill('input[name=esid]', '123');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.field.has-error');
  await page.fill('input[name=esid]', state.esid);
  await page.click('form button[type=submit]');
  await page.waitForSelector('.verdict-green');
  assert.ok((await page.locator('.verdict').innerText()).includes('启用'));
  await review(page, 'status');
  await page.context().close();
});

// A sealed OFD and a changed copy, made by the CLI, with their reports (made once).
let files;
const sealedFiles = () => files || (files = makeSealedFiles());
function makeSealedFiles() {
  const ca = path.join(work, 'ca');
  eseal('ca', 'init', '--dir', ca);
  eseal('cert', 'issue', '--dir', ca, '--esid', '35010000000001', '--unit', '福建省测试厅', '--credit-code', '91350100100000016G');
  eseal('seal', 'make', '--dir', ca, '--esid', '35010000000001', '--name', '福建省测试厅');
  const doc = path.join(work, 'doc.ofd'), signed = path.join(work, 'signed.ofd'), changed = path.join(work, 'changed.ofd');
  eseal('ofd', 'make', '-o', doc, '--title', '证明', '兹证明 福建省测试厅 已登记。', '（盖章）');
  eseal('ofd', 'sign', doc, '-o', signed, '--dir', ca, '--esid', '35010000000001', '--page', '1', '--x', '100', '--y', '40');
  // the changed copy: one word of the page content replaced, the package otherwise as signed
  const x = path.join(work, 'x');
  fs.mkdirSync(x);
  execFileSync('unzip', ['-q', signed, '-d', x]);
  const content = execFileSync('grep', ['-rl', '已登记', x], { encoding: 'utf8' }).trim().split('\n')[0];
  fs.writeFileSync(content, fs.readFileSync(content, 'utf8').replace('已登记', '已注销'));
  execFileSync('zip', ['-q', '-r', '-X', changed, '.'], { cwd: x });
  const report = (f) => {
    try {
      return eseal('verify', f, '--trust', path.join(ca, 'trust'), '--json');
    } catch (e) {
      return e.stdout; // exit 1 or 2 still prints the report
    }
  };
  return { signed, changed, good: report(signed), bad: report(changed) };
}

test('the verification page shows eseal verify --json as a person reads it', async () => {
  const f = sealedFiles();
  assert.equal(JSON.parse(f.good).verdict, 'valid');
  assert.equal(JSON.parse(f.bad).verdict, 'invalid');
  const page = await person();
  // the report of the file chosen: what `eseal verify --json` says of it (the route's answer shape)
  let next = f.good;
  await page.route('**/api/v1/verify', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: next }));
  await go(page, 'verify');
  await page.setInputFiles('input[name=document]', f.signed);
  await page.waitForSelector('.verdict-green');
  const green = await page.locator('main').innerText();
  assert.ok(green.includes('核验通过'), 'the verdict in words');
  assert.ok(green.includes('福建省测试厅'), 'who sealed');
  assert.ok(green.includes('签名正确'), 'each check in a sentence');
  await review(page, 'verify-valid');
  await page.click('header .who button:first-of-type'); // the same report in English
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.ok((await page.locator('main').innerText()).includes('The signature is right'), 'the checks in English');
  await screenshot(page, 'verify-valid-en');
  await page.click('header .who button:first-of-type');
  next = f.bad;
  await page.setInputFiles('input[name=document]', f.changed);
  await page.waitForSelector('.verdict-red');
  const failed = JSON.parse(f.bad).signatures[0].checks.find((c) => c.result === 'fail');
  const red = await page.locator('li.check-red').first().innerText();
  assert.ok(red.includes(failed.reason.slice(0, 20)), 'the failed check names what changed: ' + red);
  await review(page, 'verify-invalid');
  await page.context().close();
});

test('public verification by the server (POST /api/v1/verify)', async (t) => {
  const probe = await fetch(base + '/api/v1/verify', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: 'x' });
  if (probe.status === 404 || probe.status === 405) return t.skip(`this server has no POST /api/v1/verify yet (answered ${probe.status})`);
  const f = sealedFiles();
  const page = await person();
  page.expected.add('POST /api/v1/verify 4');
  await go(page, 'verify');
  await page.setInputFiles('input[name=document]', f.signed);
  await page.waitForSelector('.verdict');
  const banner = await page.locator('.verdict').innerText();
  assert.ok(/核验|无法确认/.test(banner), 'a verdict in words: ' + banner);
  assert.equal(await page.locator('article.sig').count(), JSON.parse(f.good).signatures.length, 'one card a signature');
  // shared: the report kept by the server, a link and its QR code
  await page.getByRole('button', { name: '生成分享链接和二维码' }).click();
  await page.waitForSelector('#share-link');
  const link = await page.inputValue('#share-link');
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#\/verify\?id=[0-9a-f]{32}$/, 'the link to the kept report');
  const qr = await page.locator('figure.qr img').getAttribute('src');
  const { renderSVG } = await import(path.join(WEB, 'node_modules/uqr/dist/index.mjs'));
  assert.equal(decodeURIComponent(qr.replace(/^data:image\/svg\+xml;charset=utf-8,/, '')), renderSVG(link, { ecc: 'M', border: 2 }), 'the QR code encodes the link');
  assert.ok(await page.locator('figure.qr img').evaluate((i) => i.naturalWidth > 0), 'the QR code drawn');
  await review(page, 'verify-share');
  // the link, opened by someone else: the same report, with when it was made and until when it is kept
  const other = await person({ width: 390, height: 844 });
  other.expected.add('GET /api/v1/verifications/');
  await other.goto(link);
  await settle(other);
  await other.waitForSelector('.verdict');
  assert.equal(await other.locator('.verdict .big').innerText(), await page.locator('.verdict .big').innerText(), 'the same verdict');
  assert.equal(await other.locator('article.sig').count(), JSON.parse(f.good).signatures.length);
  assert.ok((await other.locator('main').innerText()).includes('保存至'), 'kept until when');
  other.expected.clear();
  await review(other, 'verify-kept');
  other.expected.add('GET /api/v1/verifications/');
  await go(other, 'verify?id=' + '0'.repeat(32));
  await other.waitForSelector('main .msg-error');
  assert.ok((await other.locator('main').innerText()).includes('找不到这份核验结果'), 'an unknown id in words');
  await other.context().close();
  await page.setInputFiles('input[name=document]', f.changed);
  await page.waitForSelector('.verdict-red');
  clean(page, 'verify by the server');
  await page.context().close();
});

test('sealing a PDF by dragging the seal onto its page and an OFD by keyword, both verified', async (t) => {
  const doc = await fetch(base + '/api/openapi.json').then((r) => r.json());
  if (!doc.paths['/api/v1/documents/seal'] || !doc.paths['/api/v1/documents/preview'])
    return t.skip('this server has no POST /api/v1/documents/seal or /preview yet');
  assert.ok(state.esid, 'needs the seal of the life-cycle test');
  const pdf = { name: 'contract.pdf', mimeType: 'application/pdf', buffer: twoPagePdf() };
  const ofdFile = path.join(work, 'licence.ofd');
  eseal('ofd', 'make', '-o', ofdFile, '--title', '营业执照', '营业执照', '名称：福建省测试厅', '登记机关盖章处');
  const ofd = { name: 'licence.ofd', mimeType: 'application/ofd', buffer: fs.readFileSync(ofdFile) };

  // a use request for each document, approved
  const applicant = await person();
  await signIn(applicant, 'applicant');
  for (const [file, purpose] of [[pdf, '采购合同盖章'], [ofd, '营业执照盖章']]) {
    await go(applicant, 'use');
    await applicant.selectOption('select[name=esid]', state.esid);
    await applicant.setInputFiles('input[name=document]', file);
    await applicant.waitForSelector('form code');
    await applicant.fill('input[name=purpose]', purpose);
    await applicant.click('form button[type=submit]');
    await applicant.waitForSelector('.msg-ok');
  }
  const approver = await person();
  await signIn(approver, 'approver');
  for (let i = 0; i < 2; i++) {
    await go(approver, 'approvals');
    await approver.getByRole('button', { name: '审核通过' }).first().click();
    await approver.waitForSelector('.msg-ok');
  }
  clean(approver, 'the approvals');

  // the PDF: its page drawn by the server, the seal dragged onto it
  const page = applicant;
  await go(page, 'seal-document');
  const pick = async (purpose) => {
    const option = page.locator('select[name=use_request] option', { hasText: purpose });
    await option.waitFor({ state: 'attached' });
    await page.selectOption('select[name=use_request]', await option.getAttribute('value'));
  };
  await pick('采购合同盖章');
  await page.setInputFiles('input[name=document]', pdf);
  await page.waitForFunction(() => document.querySelector('.sheet img.page')?.naturalWidth > 0 && document.querySelector('.sheet .stamp img')?.naturalWidth > 0);
  // a PDF page is drawn in the browser by pdf.js (793 or 794 px: it rounds 793.7 down)
  assert.ok(Math.abs(await page.locator('.sheet img.page').evaluate((i) => i.naturalWidth) - 794) <= 1, 'the A4 page at 96 dpi');
  assert.ok((await page.locator('main').innerText()).includes('共 2 页'), 'the page count');
  await page.fill('input[name=page]', '2');
  await page.waitForFunction(() => document.querySelector('.sheet img.page')?.alt.includes('第 2 页'));
  await page.setViewportSize({ width: 1280, height: 2000 }); // the whole A4 page on the screen, to drag on it
  await page.locator('.sheet').scrollIntoViewIfNeeded();
  const sheet = await page.locator('.sheet').boundingBox();
  const from = await page.locator('.sheet .stamp').boundingBox();
  // drag the stamp by its middle so that its top-left lands at 30 % across, 60 % down
  const target = { x: sheet.x + sheet.width * 0.3, y: sheet.y + sheet.height * 0.6 };
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(target.x + from.width / 2 - 40, target.y + from.height / 2 - 40, { steps: 4 });
  await page.mouse.move(target.x + from.width / 2, target.y + from.height / 2, { steps: 4 });
  await page.mouse.up();
  const mm = async () => [Number(await page.inputValue('input[name=x_mm]')), Number(await page.inputValue('input[name=y_mm]'))];
  let [x, y] = await mm();
  const pageMm = [209.9, 297.04];
  assert.ok(Math.abs(x - 0.3 * pageMm[0]) < 1.5 && Math.abs(y - 0.6 * pageMm[1]) < 1.5, `dragged to ${x}, ${y} mm`);
  // the keyboard moves it too: one millimetre right, ten down
  await page.locator('.sheet .stamp').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+ArrowDown');
  const [x2, y2] = await mm();
  assert.ok(Math.abs(x2 - x - 1) < 0.01 && Math.abs(y2 - y - 10) < 0.01, `moved by keys to ${x2}, ${y2}`);
  [x, y] = [x2, y2];
  // and the field moves the stamp on the page
  const before = (await page.locator('.sheet .stamp').boundingBox()).x;
  await page.fill('input[name=x_mm]', String(x + 20));
  await page.waitForFunction((b) => document.querySelector('.sheet .stamp').getBoundingClientRect().x > b + 10, before);
  await page.fill('input[name=x_mm]', String(x));
  await review(page, 'seal-document-preview');
  await page.click('form button[type=submit]');
  const link = page.locator('.msg-ok a[download]');
  await link.waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const sealedPdf = path.join(work, 'contract-sealed.pdf');
  await download.saveAs(sealedPdf);
  state.sealedSm3 = execFileSync('openssl', ['dgst', '-sm3', '-r'], { input: pdf.buffer }).toString().slice(0, 64);
  const pr = verifySealed(sealedPdf);
  assert.equal(pr.verdict, 'valid', 'eseal verify: ' + JSON.stringify(pr).slice(0, 600));
  assert.equal(pr.signatures.length, 1);
  // the stamp is where it was dragged: /Rect of the widget on page 2, in points from the bottom-left
  const update = fs.readFileSync(sealedPdf).subarray(pdf.buffer.length).toString('latin1');
  const rect = update.match(/\/Rect\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]/);
  assert.ok(rect, 'a widget rectangle in the update');
  const [llx, , , ury] = rect.slice(1).map(Number);
  const pt = (v) => (v * 72) / 25.4;
  assert.ok(Math.abs(llx - pt(x)) < 2 && Math.abs(ury - (842 - pt(y))) < 2, `the stamp at ${x}, ${y} mm: /Rect ${rect[0]}`);

  // the OFD by keyword
  await go(page, 'seal-document');
  await pick('营业执照盖章');
  await page.setInputFiles('input[name=document]', ofd);
  await page.selectOption('select[name=how]', 'keyword');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.field.has-error'); // no keyword yet
  await page.fill('input[name=keyword]', '盖章处');
  await page.click('form button[type=submit]');
  await link.waitFor();
  const [download2] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const sealedOfd = path.join(work, 'licence-sealed.ofd');
  await download2.saveAs(sealedOfd);
  const or = verifySealed(sealedOfd);
  assert.equal(or.verdict, 'valid', 'eseal verify: ' + JSON.stringify(or).slice(0, 600));
  await review(page, 'seal-document-done');
  await Promise.all([applicant, approver].map((p) => p.context().close()));
});

test('the administrator\'s regions and operations: a region registered, jobs run, a backup made, filings and trust listed', async () => {
  const admin = await person();
  await signIn(admin, 'admin');
  await go(admin, 'regions');
  assert.ok((await admin.locator('table').innerText()).includes('350000'), 'the province listed');
  await admin.fill('input[name=code]', '35020');
  await admin.fill('input[name=name]', '厦门市');
  assert.ok((await admin.locator('.field.has-error .error').innerText()).includes('6 位数字'), 'a short code named');
  await review(admin, 'regions-error');
  // a city whose province is not registered: the server's refusal, in words
  await admin.fill('input[name=code]', '360100');
  admin.expected.add('POST /api/v1/regions 4');
  await admin.click('form button[type=submit]');
  await admin.waitForSelector('main .msg-error');
  admin.expected.clear();
  await admin.fill('input[name=code]', '350200');
  await admin.click('form button[type=submit]');
  await admin.waitForSelector('main .msg-ok');
  await admin.waitForFunction(() => /350200\s+厦门市/.test(document.querySelector('table')?.innerText || ''));
  clean(admin, 'regions');

  await go(admin, 'ops');
  await admin.waitForFunction(() => document.querySelectorAll('table').length >= 2);
  const tables = await admin.locator('table').allInnerTexts();
  assert.ok(tables.some((x) => x.includes('根证书') && x.includes('制章机构') && x.includes('时间戳服务')), 'root, maker and TSA certificates');
  assert.ok(tables.some((x) => x.includes('公安机关') && x.includes('全国平台') && x.includes(state.esid)), 'the filings of the seal made');
  await admin.getByRole('button', { name: '立即运行定时任务' }).click();
  await admin.waitForFunction(() => [...document.querySelectorAll('.msg-ok')].some((m) => m.innerText.includes('已运行')));
  await admin.getByRole('button', { name: '立即备份' }).click();
  await admin.waitForFunction(() => [...document.querySelectorAll('.msg-ok')].some((m) => m.innerText.includes('.esbk')));
  const file = path.resolve(dir, (await admin.locator('.msg-ok code').last().innerText()).trim()); // the folder: in the data directory
  assert.ok(fs.existsSync(file) && fs.statSync(file).size > 0, 'the backup on disk: ' + file);
  await review(admin, 'ops');
  await admin.context().close();
});

// `eseal platform --as LOGIN` with a password set through the one-time one.
function accountWithPassword(login, roles) {
  platform('account', 'add', login, '--roles', roles, '--unit', String(unitId));
  const otpFile = path.join(work, login + '.otp'), pwFile = path.join(work, login + '.pw');
  fs.writeFileSync(otpFile, platform('account', 'otp', login).trim() + '\n', { mode: 0o600 });
  fs.writeFileSync(pwFile, 'Seal-Token-Admin-2026\n', { mode: 0o600 });
  platform('password', '--as', login, '--password-file', otpFile, '--new-password-file', pwFile);
  return (env, ...args) => execFileSync(ESEAL, ['platform', '--dir', dir, '--as', login, '--password-file', pwFile, ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ESEAL_PASSPHRASE: 'console-test', ...env } });
}

test('usage records, a token seal\'s PIN changed, the audit chain verified and then found broken', async (t) => {
  assert.ok(state.esid, 'needs the seal of the life-cycle test');
  const applicant = await person();
  await signIn(applicant, 'applicant');
  // usage records: the seals used by the sealing test, by seal and period
  await go(applicant, 'usage');
  if (state.sealedSm3) {
    await applicant.waitForSelector('tbody tr');
    const text = await applicant.locator('table').innerText();
    assert.ok(text.includes(state.sealedSm3), 'the sealed PDF\'s SM3 in the usage records');
    assert.ok((await applicant.locator('tbody tr').count()) >= 2, 'the PDF and the OFD');
    await applicant.selectOption('select[name=esid]', state.esid);
    await settle(applicant);
    assert.ok((await applicant.locator('tbody tr').count()) >= 2, 'by seal');
  } else {
    t.diagnostic('no document was sealed (the sealing test skipped): the usage list is only looked at');
  }
  await applicant.fill('input[name=to]', '2000-01-02');
  await applicant.waitForSelector('main .empty');
  await applicant.fill('input[name=to]', '');
  await settle(applicant);
  await review(applicant, 'usage');

  // the seal's key into a software token (a unit seal administrator, by the CLI), then its PIN changed in the page
  const keeper = accountWithPassword('keeper', 'unit-admin');
  keeper({ ESEAL_PIN: 'user-pin-1', ESEAL_ADMIN_PIN: 'admin-pin-1' }, 'token', 'init', state.esid);
  await go(applicant, 'pin');
  await applicant.locator(`select[name=esid] option[value="${state.esid}"]`).waitFor({ state: 'attached' });
  await applicant.selectOption('select[name=esid]', state.esid);
  await applicant.fill('input[name=old_pin]', 'user-pin-1');
  await applicant.fill('input[name=new_pin]', 'user-pin-2');
  await applicant.fill('input[name=new_pin_again]', 'user-pin-3');
  await applicant.click('form button[type=submit]');
  assert.ok((await applicant.locator('.field.has-error .error').innerText()).includes('不一致'), 'the second new PIN differs');
  await applicant.fill('input[name=old_pin]', 'wrong-pin-9');
  await applicant.fill('input[name=new_pin_again]', 'user-pin-2');
  applicant.expected.add(`POST /api/v1/seals/${state.esid}/pin 4`);
  await applicant.click('form button[type=submit]');
  await applicant.waitForSelector('main .msg-error');
  assert.equal(await applicant.inputValue('input[name=old_pin]'), '', 'the wrong PIN is not kept in the field');
  await applicant.fill('input[name=old_pin]', 'user-pin-1');
  await applicant.click('form button[type=submit]');
  await applicant.waitForSelector('main .msg-ok');
  applicant.expected.clear();
  await review(applicant, 'pin');
  keeper({ ESEAL_PIN: 'user-pin-2' }, 'token', 'check', state.esid); // the new PIN opens the token
  assert.throws(() => keeper({ ESEAL_PIN: 'user-pin-1' }, 'token', 'check', state.esid), 'the old one does not');

  // the auditor verifies the chain: intact; an entry changed behind the platform's back: broken, named
  const auditor = await person();
  await signIn(auditor, 'auditor');
  await go(auditor, 'audit');
  await auditor.getByRole('button', { name: '验证审计链' }).click();
  await auditor.waitForSelector('.verdict-green');
  const ok = await auditor.locator('.verdict').innerText();
  assert.match(ok, /审计链完整/);
  assert.match(ok, /共核对 \d+ 条记录/);
  assert.match(ok, /[0-9a-f]{64}/, 'the head hash shown');
  await review(auditor, 'audit-verify');
  execFileSync('sqlite3', [path.join(dir, 'platform.db'), "UPDATE audit_log SET detail = 'changed' WHERE seq = 3"]);
  await auditor.getByRole('button', { name: '验证审计链' }).click();
  await auditor.waitForSelector('.verdict-red');
  assert.match(await auditor.locator('.verdict').innerText(), /第 3 条记录/, 'the changed entry named');
  await review(auditor, 'audit-broken');
  await Promise.all([applicant, auditor].map((p) => p.context().close()));
});
