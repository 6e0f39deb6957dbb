// SPDX-License-Identifier: AGPL-3.0-or-later
// The console's batch and business pages in headless Chromium (harness.mjs):
// batch applications typed and pasted, checked row by row, a row the server
// refuses marked, the summary table and its drafts submitted together; the
// applications started from a seal's row (a renewal inside its window, a loss
// report that needs its reason, a PIN unlock) with the window in words; a
// batch sealing job from a zip, authorised by a use request for its manifest,
// run with its progress followed, per-item results and the sealed files.
//
//   ESEAL=build/eseal ESEAL_WEB=web node --test tests/browser/console/business.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  setup, person, clean, settle, review, go, signIn, platformWith, esealWith, work, unitId, twoPagePdf, verifySealed, SHOTS, shots,
} from './harness.mjs';

const DAY = 86400000;
// the platform is made 720 days ago: a seal made then ends in 10 days (730 days of validity), inside its renewal window
const past = new Date(Math.floor((Date.now() - 720 * DAY) / 1000) * 1000).toISOString().replace('.000', '');
const THEN = { ESEAL_FAKE_NOW: past };

setup({
  accounts: (unit) => ({ applicant: ['applicant', unit], approver: ['use-approver', unit], clerk: ['applicant', unit], maker: ['maker'], reviewer: ['reviewer'] }),
  initEnv: THEN,
  // a test build holds each claimed job item this long (src/platform/batch.c), so that the progress is seen;
  // no background job workers: the job is sealed by the page's run, not before the person clicks it (a
  // background worker would seal an authorised job at once, and the page would find it done, however fast)
  env: { ESEAL_TEST_JOB_ITEM_MS: '400', ESEAL_SERVE_JOB_WORKERS: '0' },
});

// `eseal platform --as LOGIN`, its password set through the one-time one; env: a fake clock.
const passwordFiles = {};
function as(login, env, ...args) {
  if (!passwordFiles[login]) {
    const otpFile = path.join(work, login + '.otp'), pwFile = path.join(work, login + '.pw');
    fs.writeFileSync(otpFile, platformWith(THEN, 'account', 'otp', login).trim() + '\n', { mode: 0o600 });
    fs.writeFileSync(pwFile, 'Seal-Business-2026-x9\n', { mode: 0o600 });
    platformWith(THEN, 'password', '--as', login, '--password-file', otpFile, '--new-password-file', pwFile);
    passwordFiles[login] = pwFile;
  }
  return platformWith(env, '--json', '--as', login, '--password-file', passwordFiles[login], ...args);
}

// An active seal of the unit named NAME, made at the clock of env (the CLI: clerk, maker, reviewer).
function activeSeal(name, env) {
  const app = JSON.parse(as('clerk', env, 'app', 'create', '--business', 'apply', '--unit', String(unitId), '--name', name,
    '--handler', '王五', '--handler-mobile', '13800000000', '--handler-id', '350102199002020021', '--size', '40x40'));
  const id = String(app.id ?? app.application ?? app.app);
  as('clerk', env, 'app', 'submit', id);
  as('maker', env, 'app', 'check', id);
  as('reviewer', env, 'app', 'approve', id);
  const made = JSON.parse(as('maker', env, 'app', 'make', id));
  const esid = made.result_esid ?? made.esid;
  assert.match(esid, /^\d{14}$/, 'the seal made: ' + JSON.stringify(made));
  as('maker', env, 'app', 'file', id);
  as('maker', env, 'app', 'deliver', id);
  as('clerk', env, 'seal', 'confirm', esid);
  return esid;
}

// What the API answers the page's own session (the cookies of the browser context).
const api = (page, p) => page.evaluate(async (u) => (await fetch('/api/v1' + u)).json(), p);

test('batch applications: pasted and typed rows checked one by one, a refused row marked, the summary table submitted', async () => {
  const page = await person();
  await signIn(page, 'applicant');
  await go(page, 'batch');
  await page.selectOption('select[name=unit_id]', String(unitId));
  // three rows pasted from a spreadsheet (tab separated, with the header): the second's ID is wrong
  const long = '福建省测试厅'.repeat(16) + '专用章'; // 99 characters, 297 bytes: more than a name may hold
  const sheet = [
    ['印章名称', '类别', '专用章用途', '宽（毫米）', '高（毫米）', '经办人', '手机号', '身份证号'],
    ['福建省测试厅合同专用章', '专用章', '合同专用章', '40', '40', '王五', '13800000000', '350102199002020021'],
    ['福建省测试厅财务专用章', 'special', 'finance', '38', '38', '赵六', '13900000000', '350102199002020022'],
    [long, '', '', '42', '42', '钱七', '13700000000', '350102199002020021'],
  ].map((r) => r.join('\t')).join('\n');
  await page.click('details.paste summary');
  await page.fill('textarea[name=sheet]', sheet);
  await page.getByRole('button', { name: '读入表格' }).click();
  assert.equal(await page.locator('.batch-rows tbody tr').count(), 3, 'the header skipped, the blank row replaced');
  assert.equal(await page.inputValue('select[name=seal_function-1]'), 'finance', 'a function given by its code');
  assert.equal(await page.inputValue('select[name=seal_kind-0]'), 'special', 'a kind given by its Chinese name');
  const idError = page.locator('.batch-rows tbody tr:nth-child(2) td.has-error .error');
  assert.ok((await idError.innerText()).includes('身份证号的校验码不正确'), 'the wrong ID named on its row');
  await review(page, 'batch-errors');
  // sent with a wrong row: nothing goes, the focus on the wrong cell
  await page.getByRole('button', { name: /批量申请（3 枚）/ }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'handler_id-1', 'the wrong cell focused');
  assert.equal(await page.evaluate(() => location.hash), '#/batch');
  await page.fill('input[name=handler_id-1]', '350102199002020021');
  assert.equal(await page.locator('.batch-rows td.has-error').count(), 0, 'no error left in the page');
  // a fourth row typed, then removed again with its button
  await page.getByRole('button', { name: '添加一行' }).click();
  assert.equal(await page.locator('.batch-rows tbody tr').count(), 4);
  await page.getByRole('button', { name: '删除第 4 行' }).click();
  assert.equal(await page.locator('.batch-rows tbody tr').count(), 3);
  // the server refuses the third row (its name is too long): that row is marked, nothing was filed
  page.expected.add('POST /api/v1/applications/batch 4');
  await page.getByRole('button', { name: /批量申请（3 枚）/ }).click();
  await page.waitForSelector('.batch-rows tr.refused');
  assert.equal(await page.locator('.batch-rows tbody tr').nth(2).getAttribute('class'), 'refused', 'the third row marked');
  assert.ok((await page.locator('main').innerText()).includes('第 3 行被服务器退回'), 'the refused row named');
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'seal_name-2', 'the refused row focused');
  await review(page, 'batch-refused');
  const before = await api(page, '/applications?limit=100');
  assert.equal(before.items.length, 0, 'all or nothing: no application filed');
  await page.fill('input[name=seal_name-2]', '福建省测试厅发票专用章');
  await page.getByRole('button', { name: /批量申请（3 枚）/ }).click();
  await page.waitForURL(/#\/batch\/\d+$/);
  await settle(page);
  const batch = page.url().match(/batch\/(\d+)$/)[1];
  assert.equal(await page.locator('table tbody tr').count(), 3, 'the summary table has the three');
  assert.equal(await page.locator('table tbody .badge', { hasText: '草稿' }).count(), 3, 'three drafts');
  assert.ok((await page.locator('table').innerText()).includes('38 × 38 毫米'), 'the size as filed');
  await review(page, 'batch-summary');
  await page.getByRole('button', { name: '提交全部草稿（3 件）' }).click();
  await page.waitForSelector('main .msg-ok');
  await page.waitForFunction(() => document.querySelectorAll('table tbody .badge').length === 3 &&
    [...document.querySelectorAll('table tbody .badge')].every((b) => b.innerText === '已提交'));
  const sum = await api(page, '/application-batches/' + batch);
  assert.deepEqual(sum.applications.map((a) => a.state), ['submitted', 'submitted', 'submitted'], 'the platform agrees');
  assert.deepEqual(sum.applications.slice(0, 2).map((a) => [a.kind, a.function]), [['special', 'contract'], ['special', 'finance']]);
  await review(page, 'batch-submitted');
  // an unknown batch is named, with a way on
  page.expected.add('GET /api/v1/application-batches/999 404');
  await go(page, 'batch/999');
  assert.ok(await page.getByRole('link', { name: '再填一批' }).isVisible(), 'no dead end');
  clean(page, 'batch applications');
  await page.context().close();
});

test('from a seal\'s row: a renewal inside its window, a loss report with its reason, a PIN unlock; the window in words', async () => {
  const renewable = activeSeal('福建省测试厅', THEN); // ends in 10 days
  const fresh = activeSeal('福建省测试厅合同专用章', {}); // ends in 730 days
  const page = await person();
  await signIn(page, 'applicant');
  await go(page, 'seals');
  const row = (esid) => page.locator('tbody tr', { hasText: esid });
  await row(fresh).locator('ul.row-actions').waitFor();
  const links = async (esid) => (await row(esid).locator('ul.row-actions a').allInnerTexts()).map((s) => s.trim());
  assert.deepEqual(await links(renewable), ['换发（续期）', '变更', '挂失', '注销', 'PIN 解锁'], 'inside the window');
  assert.deepEqual(await links(fresh), ['变更', '挂失', '注销', 'PIN 解锁'], 'no renewal far from the end');
  assert.match(await row(fresh).locator('ul.row-actions .hint').innerText(), /起可申请换发/, 'when the renewal opens');
  assert.ok((await page.locator('main').innerText()).includes('换发（续期）只能在印章到期前 30 天内申请'), 'the rule in words');
  await review(page, 'seals-actions');

  // a renewal: the form filled with the seal, the window in a sentence
  await row(renewable).getByRole('link', { name: '换发（续期）' }).click();
  await page.waitForURL(/#\/apply\?business=renew&esid=\d{14}$/);
  await settle(page);
  assert.equal(await page.inputValue('select[name=business]'), 'renew');
  assert.equal(await page.inputValue('input[name=target_esid]'), renewable);
  assert.equal(await page.inputValue('input[name=seal_name]'), '福建省测试厅');
  assert.equal(await page.inputValue('input[name=width_mm]'), '40', 'the size as made');
  const about = await page.locator('main .msg-info').innerText();
  assert.match(about, /还有 9 天。现在可以申请换发（续期）/, 'the window open, in words: ' + about);
  await page.fill('input[name=handler_name]', '王五');
  await page.fill('input[name=handler_mobile]', '13800000000');
  await page.fill('input[name=handler_id]', '350102199002020021');
  await review(page, 'apply-renew');
  await page.click('form button[type=submit]');
  await page.waitForURL(/#\/applications\/\d+$/);
  const renewal = await api(page, '/applications/' + page.url().match(/(\d+)$/)[1]);
  assert.equal(renewal.business, 'renew');
  assert.equal(renewal.target_esid, renewable);
  assert.equal(renewal.state, 'submitted');

  // a renewal far from the end: the form says when it opens (and the server refuses it)
  await go(page, `apply?business=renew&esid=${fresh}`);
  const early = await page.locator('main .msg-warn').innerText();
  assert.match(early, /现在还不能申请，请于 .+ 以后再来/, 'not yet, in words: ' + early);
  await review(page, 'apply-renew-early');

  // a loss report needs its reason; the seal is lost once it is submitted
  await go(page, 'seals');
  await row(fresh).getByRole('link', { name: '挂失' }).click();
  await page.waitForURL(/business=loss/);
  await settle(page);
  assert.ok((await page.locator('main .msg-info').innerText()).includes('提交申请时印章即挂失'), 'what a loss report does');
  await page.fill('input[name=handler_name]', '王五');
  await page.fill('input[name=handler_mobile]', '13800000000');
  await page.fill('input[name=handler_id]', '350102199002020021');
  await page.click('form button[type=submit]');
  assert.ok((await page.locator('.field.has-error .error').innerText()).includes('须填写事由'), 'the reason required');
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'reason');
  await page.fill('textarea[name=reason]', '印章丢失');
  await page.click('form button[type=submit]');
  await page.waitForURL(/#\/applications\/\d+$/);
  assert.equal((await api(page, '/seals/' + fresh)).state, 'lost', 'the seal lost at submission');
  await go(page, 'seals');
  await row(fresh).locator('ul.row-actions a').first().waitFor(); // the row's actions come after the list
  assert.deepEqual(await links(fresh), ['注销', '补办'], 'a lost seal: revoke or reissue');

  // a PIN unlock from the row
  await row(renewable).getByRole('link', { name: 'PIN 解锁' }).click();
  await page.waitForURL(/business=pin-unlock/);
  await settle(page);
  await page.fill('input[name=handler_name]', '王五');
  await page.fill('input[name=handler_mobile]', '13800000000');
  await page.fill('input[name=handler_id]', '350102199002020021');
  await page.click('form button[type=submit]');
  await page.waitForURL(/#\/applications\/\d+$/);
  const unlock = await api(page, '/applications/' + page.url().match(/(\d+)$/)[1]);
  assert.deepEqual([unlock.business, unlock.target_esid, unlock.state], ['pin-unlock', renewable, 'submitted']);
  // an unknown seal: named, with the way back
  page.expected.add('GET /api/v1/seals/35999999999999 404');
  await go(page, 'apply?business=change&esid=35999999999999');
  assert.ok(await page.getByRole('link', { name: '返回印章列表' }).isVisible());
  clean(page, 'applications from a seal\'s row');
  await page.context().close();
});

test('a batch sealing job: a zip uploaded, authorised by a use request for its manifest, its progress followed, the results downloaded', async () => {
  const esid = activeSeal('福建省测试厅用印专用章', {});
  // four PDFs and one file that is no document: continue on error
  const docs = path.join(work, 'docs');
  fs.mkdirSync(docs);
  for (let i = 1; i <= 4; i++) fs.writeFileSync(path.join(docs, `licence-${i}.pdf`), twoPagePdf([`Licence ${i}`, 'Seal here']));
  fs.writeFileSync(path.join(docs, 'notes.pdf'), 'not a PDF at all');
  const zipFile = path.join(work, 'licences.zip');
  execFileSync('zip', ['-q', '-j', zipFile, ...fs.readdirSync(docs).sort().map((f) => path.join(docs, f))]);

  const page = await person();
  await signIn(page, 'applicant');
  await go(page, 'jobs');
  await review(page, 'jobs');
  await page.click('form button[type=submit]'); // nothing chosen: named, nothing sent
  assert.ok((await page.locator('main').innerText()).includes('请选择 zip 压缩包'));
  await page.selectOption('select[name=esid]', esid);
  await page.setInputFiles('input[name=documents]', zipFile);
  await page.fill('input[name=page]', '1');
  await page.fill('input[name=x_mm]', '120');
  await page.fill('input[name=y_mm]', '200');
  await page.click('form button[type=submit]');
  await page.waitForURL(/#\/jobs\/\d+$/);
  await settle(page);
  const jobId = page.url().match(/jobs\/(\d+)$/)[1];
  const manifest = (await page.locator('code.sm3').innerText()).trim();
  assert.match(manifest, /^[0-9a-f]{64}$/);
  assert.equal(await page.locator('tbody tr').count(), 5, 'every document listed');
  // the use request for the manifest, from the job's page
  await page.getByRole('button', { name: '按清单提交用印申请' }).click();
  assert.ok((await page.locator('.field.has-error').innerText()).includes('此项必填'), 'the purpose required');
  await page.fill('input[name=purpose]', '电子证照批量盖章');
  await page.getByRole('button', { name: '按清单提交用印申请' }).click();
  await page.waitForSelector('text=等待用印审批人批准');
  await review(page, 'job-waiting');
  const approver = await person();
  await signIn(approver, 'approver');
  await go(approver, 'approvals');
  await approver.getByRole('button', { name: '审核通过' }).first().click();
  await approver.waitForSelector('.msg-ok');
  clean(approver, 'the approval');
  await approver.context().close();
  await page.getByRole('button', { name: '查看是否已批准' }).click();
  await page.getByRole('button', { name: /用已批准的用印申请 \d+ 授权本任务/ }).click();
  await page.waitForSelector('text=已由用印申请');
  // run: the progress moves while the items are sealed (each held 400 ms by the test build)
  // each state the page shows is recorded and printed; whether a poll is answered while the same
  // server seals (its workers busy with the run) depends on the machine, so only the end is required
  await page.evaluate(() => {
    window.seen = [];
    new MutationObserver(() => {
      const b = document.querySelector('main p .badge')?.innerText;
      if (b && window.seen.at(-1) !== b) window.seen.push(b);
    }).observe(document.querySelector('main'), { subtree: true, childList: true, characterData: true });
  });
  // the progress comes through Server-Sent Events (GET /api/v1/jobs/ID/events), not a poll
  const streams = [];
  page.on('response', (r) => { if (r.url().endsWith(`/api/v1/jobs/${jobId}/events`)) streams.push([r.status(), r.headers()['content-type']]); });
  await page.getByRole('button', { name: '开始盖章' }).click();
  await page.waitForFunction(() => ['盖章中', '已完成'].includes(document.querySelector('main p .badge')?.innerText) ||
    document.querySelector('main .msg-error'), null, { timeout: 120000 });
  assert.equal(await page.locator('main .msg-error').count(), 0, 'the run refused: ' + await page.locator('main').innerText());
  const during = await page.locator('label[for=job-progress]').innerText();
  await screenshotNow(page, 'job-running');
  await page.waitForFunction(() => document.querySelector('main p .badge')?.innerText === '已完成' || document.querySelector('main .msg-error'),
    null, { timeout: 120000 });
  assert.equal(await page.locator('main .msg-error').count(), 0, 'the run refused: ' + await page.locator('main').innerText());
  const seen = await page.evaluate(() => window.seen);
  console.log('job states the page showed while it ran: ' + seen.join(' → '));
  assert.equal(seen.at(-1), '已完成', 'followed to its end: ' + seen);
  assert.ok(streams.length >= 1, 'the page listened to the job\'s events');
  assert.equal(streams[0][0], 200, 'the stream answered');
  assert.match(streams[0][1], /^text\/event-stream/, 'an event stream');
  assert.match(during, /进度：已完成 \d \/ 5 份/, 'the progress in words');
  assert.equal(await page.locator('progress').evaluate((p) => [p.value, p.max].join('/')), '5/5');
  const items = await page.locator('tbody tr').allInnerTexts();
  assert.equal(items.filter((r) => r.includes('已盖章')).length, 4, 'four sealed: ' + items.join(' | '));
  const bad = items.find((r) => r.includes('notes.pdf'));
  assert.ok(bad.includes('失败'), 'the file that is no document failed alone: ' + bad);
  assert.ok((await page.locator('main .msg-warn').innerText()).includes('4 份已盖章，1 份失败'));
  await review(page, 'job-done');
  // the results: the sealed copies and results.json; each copy verifies
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /下载盖好章的文档/ }).click()]);
  const results = path.join(work, 'results.zip');
  await download.saveAs(results);
  const out = path.join(work, 'results');
  execFileSync('unzip', ['-q', '-o', results, '-d', out]);
  const names = fs.readdirSync(out).sort();
  assert.deepEqual(names, ['licence-1.pdf', 'licence-2.pdf', 'licence-3.pdf', 'licence-4.pdf', 'results.json']);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')).manifest_sm3, manifest);
  assert.equal(verifySealed(path.join(out, 'licence-2.pdf')).verdict, 'valid', 'a sealed copy verifies');
  // followJob where the stream fails (a stand-in EventSource that errs at once): it polls instead
  const fallback = await page.evaluate(async (id) => {
    const { followJob } = await import('/js/pages/jobs.js');
    const real = window.EventSource;
    let opened = 0;
    window.EventSource = class {
      constructor() { opened++; this.readyState = 0; setTimeout(() => { this.readyState = 2; this.onerror?.(new Event('error')); }, 10); }
      addEventListener() {}
      close() { this.readyState = 2; }
    };
    window.EventSource.CLOSED = 2;
    try {
      const states = await new Promise((ok, bad) => {
        const seen = [];
        followJob(id, (j) => { seen.push(j.state); if (seen.length === 3) ok(seen); }, bad, () => seen.length >= 3);
      });
      return { opened, states };
    } finally {
      window.EventSource = real;
    }
  }, jobId);
  assert.deepEqual(fallback, { opened: 1, states: ['done', 'done', 'done'] }, 'one stream tried, then read by polling');
  // the job in the list of one's jobs, by state, with its link
  await go(page, 'jobs');
  const listed = page.locator('.job-list tbody tr', { hasText: `批量盖章任务 ${jobId}` });
  assert.match(await listed.innerText(), /已完成[\s\S]*4 份已盖章、1 份失败，共 5 份/, 'state and counts listed');
  await page.selectOption('select[name=job_state]', 'queued');
  await page.waitForSelector('text=没有符合条件的任务');
  await page.selectOption('select[name=job_state]', 'done');
  await listed.waitFor();
  await review(page, 'jobs-list');
  await listed.getByRole('link').click();
  await page.waitForURL(new RegExp(`#/jobs/${jobId}$`));
  await settle(page);
  assert.equal(await page.locator('main p .badge').innerText(), '已完成');
  // an unknown job is named, with the way back
  page.expected.add('GET /api/v1/jobs/999 404');
  await go(page, 'jobs/999');
  assert.ok(await page.getByRole('link', { name: '返回批量盖章' }).isVisible());
  clean(page, 'the batch job');
  await page.context().close();
});

// A screenshot while something moves (no language round trip, which would reload the progress).
async function screenshotNow(page, name) {
  const file = path.join(SHOTS, `${name}-desktop.png`);
  await page.screenshot({ path: file, fullPage: true });
  shots.push(path.relative(process.cwd(), file));
}

test('the sealing page: a PDF drawn in the browser by pdf.js, a riding seal previewed across its pages, sealed and verified', async () => {
  const esid = activeSeal('福建省测试厅骑缝专用章', {});
  const pdf = { name: 'agreement.pdf', mimeType: 'application/pdf', buffer: twoPagePdf(['Agreement 2026-3, page one', 'Page two: signatures']) };
  const page = await person();
  await signIn(page, 'applicant');
  await go(page, 'use');
  await page.selectOption('select[name=esid]', esid);
  await page.setInputFiles('input[name=document]', pdf);
  await page.waitForSelector('form code');
  await page.fill('input[name=purpose]', '协议骑缝章');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.msg-ok');
  const approver = await person();
  await signIn(approver, 'approver');
  await go(approver, 'approvals');
  await approver.getByRole('button', { name: '审核通过' }).first().click();
  await approver.waitForSelector('.msg-ok');
  await approver.context().close();

  const previews = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/v1/documents/preview')) previews.push(r.url()); });
  await go(page, 'seal-document');
  const option = page.locator('select[name=use_request] option', { hasText: '协议骑缝章' });
  await option.waitFor({ state: 'attached' });
  await page.selectOption('select[name=use_request]', await option.getAttribute('value'));
  await page.setInputFiles('input[name=document]', pdf);
  // the page drawn by pdf.js at 96 dpi (A4: 794 px), not by the server
  await page.fill('input[name=page]', '2');
  await page.waitForFunction(() => document.querySelector('.sheet[data-by=pdfjs] img.page')?.naturalWidth > 0);
  assert.ok(Math.abs(await page.locator('.sheet img.page').evaluate((i) => i.naturalWidth) - 794) <= 1, 'A4 at 96 dpi');
  assert.ok((await page.locator('main').innerText()).includes('共 2 页'), 'the page count from pdf.js');
  assert.ok((await page.locator('.sheet img.page').getAttribute('alt')).includes('第 2 页'));
  await page.fill('input[name=page]', '3');
  await page.waitForSelector('text=没有第 3 页');
  await page.fill('input[name=page]', '1');
  await page.waitForFunction(() => document.querySelector('.sheet[data-by=pdfjs] img.page')?.naturalWidth > 0);
  await review(page, 'seal-document-pdfjs');
  // a riding seal: both pages side by side, each with its half of the seal on the right edge
  await page.selectOption('select[name=how]', 'riding');
  await page.waitForFunction(() => document.querySelectorAll('ol.riding-pages li .slice img').length === 2 &&
    [...document.querySelectorAll('ol.riding-pages img.page')].every((i) => i.naturalWidth > 0));
  const slices = await page.locator('ol.riding-pages .slice').evaluateAll((ss) => ss.map((s) => {
    const r = s.getBoundingClientRect(), p = s.parentElement.querySelector('img.page').getBoundingClientRect();
    return { right: Math.round(p.right - r.right), width: r.width / p.width, shift: s.querySelector('img').style.marginLeft };
  }));
  assert.deepEqual(slices.map((s) => [s.right, s.shift]), [[0, '0%'], [0, '-100%']], 'on the right edge, slice 1 then 2');
  assert.ok(Math.abs(slices[0].width - 20 / 210) < 0.01, 'half of 40 mm on a 210 mm page: ' + slices[0].width);
  assert.ok((await page.locator('.riding .hint').first().innerText()).includes('平分成 2 份'));
  assert.deepEqual(previews, [], 'the PDF was drawn in the browser, never sent to be drawn');
  await review(page, 'seal-document-riding');
  await page.fill('input[name=y_mm]', '100');
  await page.click('form button[type=submit]');
  const link = page.locator('.msg-ok a[download]');
  await link.waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const sealed = path.join(work, 'agreement-sealed.pdf');
  await download.saveAs(sealed);
  const report = verifySealed(sealed);
  assert.equal(report.verdict, 'valid', 'eseal verify: ' + JSON.stringify(report).slice(0, 400));
  assert.match(fs.readFileSync(sealed).toString('latin1'), /\/Kids\s*\[/, 'one field with a widget per page');
  clean(page, 'pdf.js and the riding seal');
  await page.context().close();
});

test('impressions: the standard one previewed before filing, a scan\'s impression lifted and shown beside it, then filed', async () => {
  const page = await person();
  await signIn(page, 'applicant');
  await go(page, 'apply');
  await page.selectOption('select[name=unit_id]', String(unitId));
  // the standard impression: the name is needed first, then drawn by the server
  await page.getByRole('button', { name: '预览标准印模' }).click();
  assert.ok((await page.locator('main').innerText()).includes('请先填写申请单位、印章名称和尺寸'), 'what is missing, in words');
  await page.fill('input[name=seal_name]', '福建省测试厅');
  const [drawn] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/impressions/preview')),
    page.getByRole('button', { name: '预览标准印模' }).click(),
  ]);
  assert.equal(drawn.status(), 200);
  assert.equal(drawn.headers()['content-type'], 'image/png');
  await page.waitForFunction(() => document.querySelector('figure.standard img')?.naturalWidth > 0);
  assert.ok((await page.locator('figure.standard').innerText()).includes('印章编码在制作时分配'));
  await page.fill('input[name=width_mm]', '40');
  assert.ok((await page.locator('figure.standard').innerText()).includes('表单已修改，请重新预览'), 'a stale preview said so');
  await review(page, 'apply-standard');
  // a scan with no red ink: refused in words
  const blank = await page.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 400;
    c.height = 400;
    const g = c.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, 400, 400);
    const b = await new Promise((ok) => c.toBlob(ok, 'image/jpeg', 0.95));
    return Array.from(new Uint8Array(await b.arrayBuffer()));
  });
  page.expected.add('POST /api/v1/impressions/extract 404');
  await page.setInputFiles('input[name=scan]', { name: 'blank.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(blank) });
  await page.waitForSelector('text=no red seal ink');
  // a scan: the impression drawn red at 300 dpi on white paper with black print, as a JPEG
  const seal = path.join(work, 'seal-300.png');
  esealWith({}, 'image', 'render', '--kind', 'official', '--name', '福建省测试厅', '--dpi', '300', '-o', seal);
  const scan = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width + 400;
    c.height = img.height + 300;
    const g = c.getContext('2d');
    g.fillStyle = '#fbfaf5';
    g.fillRect(0, 0, c.width, c.height);
    g.fillStyle = '#111';
    g.font = '40px sans-serif';
    for (let y = 60; y < c.height; y += 70) g.fillText('经审核，同意刻制印章。特此证明。', 20, y);
    g.drawImage(img, 200, 150);
    const b = await new Promise((ok) => c.toBlob(ok, 'image/jpeg', 0.92));
    return Array.from(new Uint8Array(await b.arrayBuffer()));
  }, fs.readFileSync(seal).toString('base64'));
  const [extracted] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/impressions/extract') && r.status() === 200),
    page.setInputFiles('input[name=scan]', { name: 'scan.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(scan) }),
  ]);
  const lifted = await extracted.body();
  assert.equal(extracted.headers()['x-eseal-impression-dpi'], '300 assumed', 'a canvas JPEG records no resolution');
  await page.waitForFunction(() => document.querySelector('figure.scan img')?.naturalWidth > 0 &&
    [...document.querySelectorAll('figure.impression img')].every((i) => i.naturalWidth > 0));
  const caption = await page.locator('figure.impression:not(.scan):not(.standard)').innerText();
  assert.ok(caption.includes('scan-impression.png'), caption);
  const size = caption.match(/约 ([\d.]+) × ([\d.]+) 毫米，圆形/);
  assert.ok(size, 'the size and shape lifted: ' + caption);
  assert.ok(Math.abs(Number(size[1]) - 42) < 2 && Math.abs(Number(size[2]) - 42) < 2, 'a 42 mm seal at the assumed 300 dpi: ' + size[0]);
  assert.equal(await page.locator('figure.standard').count(), 0, 'the lifted impression replaces the standard preview');
  await review(page, 'apply-scan');
  // filed: the application holds the impression lifted, byte for byte
  await page.fill('input[name=width_mm]', '42');
  await page.fill('input[name=handler_name]', '王五');
  await page.fill('input[name=handler_mobile]', '13800000000');
  await page.fill('input[name=handler_id]', '350102199002020021');
  await page.click('form button[type=submit]');
  await page.waitForURL(/#\/applications\/\d+$/);
  const held = await page.evaluate(async (id) => Array.from(new Uint8Array(await (await fetch(`/api/v1/applications/${id}/impression`)).arrayBuffer())), page.url().match(/(\d+)$/)[1]);
  assert.ok(Buffer.from(held).equals(lifted), 'the impression filed is the one lifted');
  clean(page, 'impressions');
  await page.context().close();
});

test('peers: the administrator registers a peer from a trust document, fetches its status list, lists its seals, removes it', async () => {
  const page = await person();
  await signIn(page, 'admin');
  await go(page, 'ops');
  await page.waitForSelector('text=尚未登记互认平台');
  // this platform's own trust document stands for the peer's (one maker, one peer: no other peer holds it)
  const trust = await page.evaluate(async () => JSON.stringify(await (await fetch('/api/v1/trust')).json()));
  const statusUrl = new URL('/api/v1/status-list', page.url()).href;
  await page.fill('input[name=peer_name]', '福州市电子印章平台');
  await page.fill('textarea[name=peer_trust]', '{"not": "a trust document"}');
  await page.fill('input[name=peer_status_url]', 'ftp://city.example/list');
  await page.getByRole('button', { name: '登记', exact: true }).click();
  assert.ok((await page.locator('.peers').innerText()).includes('这不是信任文档'), 'a wrong document named in words');
  assert.ok((await page.locator('.peers').innerText()).includes('地址须以 http:// 或 https:// 开头'), 'a wrong URL named');
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'peer_trust', 'the first wrong field focused');
  await page.fill('textarea[name=peer_trust]', trust);
  await page.fill('input[name=peer_status_url]', statusUrl);
  await page.getByRole('button', { name: '登记', exact: true }).click();
  await page.waitForSelector('text=已登记互认平台“福州市电子印章平台”');
  const row = page.locator('.peers tbody tr', { hasText: '福州市电子印章平台' });
  assert.ok((await row.innerText()).includes('/api/v1/status-list'), 'the status URL listed');
  // fetch now: the signed list verifies with the registered maker
  await row.getByRole('button', { name: '立即获取状态列表' }).click();
  await page.waitForSelector('text=已获取“福州市电子印章平台”的状态列表');
  const peers = (await api(page, '/peers')).items;
  assert.equal(peers.length, 1);
  assert.ok(peers[0].status_list.last_success, 'the fetch recorded: ' + JSON.stringify(peers[0]));
  assert.equal(await row.locator('td').nth(4).innerText().then((s) => s.trim() !== '—'), true, 'the last success shown');
  await row.getByRole('button', { name: '查看备案印章' }).click();
  await page.waitForSelector('text=该平台尚未备案任何印章');
  await review(page, 'ops-peers');
  // the same maker again: refused in words
  page.expected.add('POST /api/v1/peers 409');
  await page.fill('input[name=peer_name]', '福州市平台（重复）');
  await page.fill('textarea[name=peer_trust]', trust);
  await page.getByRole('button', { name: '登记', exact: true }).click();
  await page.waitForSelector('.peers .msg-error');
  assert.ok((await page.locator('.peers .msg-error').innerText()).includes('registered already'), 'why, from the server');
  // removed after a confirmation; "keep" keeps it
  await row.getByRole('button', { name: '移除' }).click();
  await page.getByRole('button', { name: '保留' }).click();
  assert.deepEqual((await api(page, '/peers')).items.map((p) => p.state), ['active'], 'kept');
  await row.getByRole('button', { name: '移除' }).click();
  assert.ok((await row.innerText()).includes('确定移除“福州市电子印章平台”吗'), 'the confirmation says what removal does');
  await page.getByRole('button', { name: '确定移除' }).click();
  await page.waitForSelector('text=已移除互认平台“福州市电子印章平台”');
  assert.deepEqual((await api(page, '/peers')).items.map((p) => p.state), ['removed'], 'removed, kept for the record');
  await row.locator('.badge', { hasText: '已移除' }).waitFor();
  // a peer whose list cannot be fetched: the failure and its reason shown, nothing changed
  page.expected.add('POST /api/v1/peers/');
  await page.fill('input[name=peer_name]', '无法访问的平台');
  await page.fill('textarea[name=peer_trust]', trust);
  await page.fill('input[name=peer_status_url]', 'http://127.0.0.1:9/api/v1/status-list');
  await page.getByRole('button', { name: '登记', exact: true }).click();
  await page.waitForSelector('text=已登记互认平台“无法访问的平台”');
  await page.locator('.peers tbody tr', { hasText: '无法访问的平台' }).getByRole('button', { name: '立即获取状态列表' }).click();
  await page.waitForSelector('text=获取“无法访问的平台”的状态列表失败');
  const failed = (await api(page, '/peers')).items.find((p) => p.name === '无法访问的平台');
  assert.ok(failed.status_list.last_error, 'the error recorded');
  assert.ok((await page.locator('.peers .msg-error').innerText()).includes(failed.status_list.last_error.slice(0, 20)), 'the reason shown');
  await review(page, 'ops-peers-failed');
  await page.locator('.peers tbody tr', { hasText: '无法访问的平台' }).getByRole('button', { name: '移除' }).click();
  await page.getByRole('button', { name: '确定移除' }).click();
  await page.waitForSelector('text=已移除互认平台“无法访问的平台”');
  clean(page, 'peers');
  await page.context().close();
});
