// SPDX-License-Identifier: AGPL-3.0-or-later
// Public verification (no sign-in): drop a PDF, OFD or seal file; the server
// verifies it (POST /api/v1/verify, the body the file's bytes) and answers with
// the report of `eseal verify --json` (docs/verify-report.md), shown here as a
// person reads it: the verdict, then each seal with who sealed and when, and
// each check green, amber or red with a plain sentence. On request the report
// is kept by the server (?keep=1; never the document) and shared as a link and
// a QR code (uqr, from web/node_modules); #/verify?id=ID shows a kept one.
import { html, useState, useEffect } from '/vendor/htm/preact/standalone.mjs';
import { renderSVG } from '/vendor/uqr/dist/index.mjs';
import { t, tv, has, fmtTime } from '../i18n.js';
import { call } from '../api.js';
import { Message, PageTitle, useId, useLoad } from '../ui.js';

const MAX_BYTES = 64 * 1024 * 1024;
const TONE = { pass: 'green', valid: 'green', skip: 'grey', indeterminate: 'amber', fail: 'red', invalid: 'red' };
const ICON = { green: '✓', amber: '!', red: '✗', grey: '–' };

// "CN=11010500000001,O=91110105061311021A示例科技有限公司,C=CN" → its parts
export function dnPart(dn, key) {
  const m = (dn || '').match(new RegExp('(?:^|,)\\s*' + key + '=([^,]*)'));
  return m ? m[1] : '';
}

// A check in a sentence: its own message, or the general one naming it (a check added later).
function checkSentence(c) {
  const key = `check.${c.name}.${c.result}`;
  return has(key) ? t(key) : t('check.other.' + (TONE[c.result] ? c.result : 'indeterminate'), { name: c.name });
}

// What went wrong first, then what is undecided, then what passed, then what was not checked.
const RANK = { fail: 0, indeterminate: 1, pass: 2, skip: 3 };
const order = (checks) => [...checks].sort((a, b) => (RANK[a.result] ?? 1) - (RANK[b.result] ?? 1));

function Check({ c }) {
  const tone = TONE[c.result] || 'amber';
  return html`<li class=${'check check-' + tone}>
    <span class="icon" aria-hidden="true">${ICON[tone]}</span>
    <span><span class="sr">${tv('result', c.result)}: </span>${checkSentence(c)}
      ${c.reason ? html`<span class="detail">${c.reason}</span>` : ''}</span>
  </li>`;
}

function Signature({ s, n }) {
  const tone = TONE[s.verdict] || 'amber';
  const seal = s.seal || {};
  const org = dnPart(s.signer, 'O').replace(/^[0-9A-Z]{18}/, '');
  return html`<article class=${'card sig sig-' + tone} aria-labelledby=${'sig-' + n}>
    <h2 id=${'sig-' + n}><span class="icon" aria-hidden="true">${ICON[tone]}</span> ${t('verify.sig', { n: n + 1 })}: ${tv('verdict', s.verdict)}</h2>
    <dl class="facts">
      ${seal.name ? html`<div><dt>${t('verify.seal')}</dt><dd>${seal.name}</dd></div>` : ''}
      ${seal.esid ? html`<div><dt>${t('col.esid')}</dt><dd><a href=${'#/status?esid=' + seal.esid}>${seal.esid}</a></dd></div>` : ''}
      ${s.signer ? html`<div><dt>${t('verify.who')}</dt><dd>${org || dnPart(s.signer, 'CN') || s.signer}</dd></div>` : ''}
      ${s.signing_time ? html`<div><dt>${t('verify.when')}</dt><dd>${fmtTime(s.signing_time)} <small>${tv('timeSource', s.signing_time_source || 'none')}</small></dd></div>` : ''}
      ${seal.valid_end ? html`<div><dt>${t('verify.sealValid')}</dt><dd>${fmtTime(seal.valid_start)} – ${fmtTime(seal.valid_end)}</dd></div>` : ''}
    </dl>
    <ul class="checks">${order(s.checks || []).map((c) => html`<${Check} c=${c} />`)}</ul>
    ${s.notices && s.notices.length ? html`<h3>${t('verify.notices')}</h3><ul class="notices">${s.notices.map((x) => html`<li>${x.text}</li>`)}</ul>` : ''}
  </article>`;
}

export function Report({ report, name }) {
  const tone = TONE[report.verdict] || 'amber';
  return html`<div class="report">
    <div class=${'verdict verdict-' + tone} role="status">
      <p class="big"><span class="icon" aria-hidden="true">${ICON[tone]}</span> ${t('verify.verdict.' + report.verdict)}</p>
      <p>${t('verify.summary', { name, n: (report.signatures || []).length, format: tv('format', report.format) })}</p>
      ${report.reason ? html`<p>${report.reason}</p>` : ''}
    </div>
    ${(report.signatures || []).map((s, i) => html`<${Signature} s=${s} n=${i} />`)}
  </div>`;
}

// The link to a kept verification, and its QR code (an SVG drawn here, shown as an image).
export function shareLink(id) {
  return `${location.origin}${location.pathname}#/verify?id=${id}`;
}

function Share({ id, expires }) {
  const link = shareLink(id);
  const [copied, setCopied] = useState(false);
  const qr = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(renderSVG(link, { ecc: 'M', border: 2 }));
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
    } catch {
      document.getElementById('share-link')?.select();
    }
  };
  return html`<div class="share card">
    <h2>${t('verify.share.title')}</h2>
    <p>${t('verify.share.kept', { expires: fmtTime(expires) })}</p>
    <div class="field">
      <label for="share-link">${t('verify.share.link')}</label>
      <input id="share-link" name="share_link" type="url" readonly value=${link} onFocus=${(e) => e.currentTarget.select()} />
    </div>
    <div class="actions"><button type="button" onClick=${copy}>${t(copied ? 'verify.share.copied' : 'verify.share.copy')}</button>
      <a href=${'#/verify?id=' + id}>${t('verify.share.open')}</a></div>
    <figure class="qr"><img src=${qr} alt=${t('verify.share.qr')} width="180" height="180" data-link=${link} />
      <figcaption>${t('verify.share.scan')}</figcaption></figure>
  </div>`;
}

// #/verify?id=ID: a verification kept by the server, as it was reported, with its dates.
function Kept({ id }) {
  const [kept, error] = useLoad(() => call('GET', '/verifications/' + encodeURIComponent(id)), [id]);
  return html`<section>
    <${PageTitle}>${t('verify.kept.title')}<//>
    ${error ? html`<${Message} error=${error} /><p>${t('verify.kept.gone')} <a href="#/verify">${t('verify.kept.again')}</a></p>` : ''}
    ${!kept && !error ? html`<p class="loading" role="status">${t('app.loading')}</p>` : ''}
    ${kept ? html`<p>${t('verify.kept.intro', { created: fmtTime(kept.created), expires: fmtTime(kept.expires), size: kept.document.size })}</p>
      <p class="hint">${t('verify.kept.sm3')} <code class="hash">${kept.document.sm3}</code></p>
      <${Report} report=${kept.report} name=${t('verify.kept.doc')} />
      <${Share} id=${kept.id} expires=${kept.expires} />
      <p><a href="#/verify">${t('verify.kept.again')}</a></p>` : ''}
  </section>`;
}

export function Verify({ route }) {
  const kept = route?.query?.get('id');
  if (kept) return html`<${Kept} id=${kept} />`;
  return html`<${VerifyFile} />`;
}

function VerifyFile() {
  const id = useId('verify-file');
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(null); // {name, report}
  const [error, setError] = useState(null);
  const [unavailable, setUnavailable] = useState(false);
  const [shared, setShared] = useState(null); // {id, expires}
  const [sharing, setSharing] = useState(false);
  // keep the report on the server (the same bytes verified again with ?keep=1) for a link
  const share = async () => {
    setSharing(true);
    setError(null);
    try {
      const res = await call('POST', '/verify', { raw: result.bytes, type: 'application/octet-stream', query: { keep: 1 }, as: 'response' });
      const vid = res.headers.get('X-Verification-Id');
      if (!res.ok || !vid) throw new Error(t('verify.share.failed'));
      const kept = await call('GET', '/verifications/' + vid);
      setShared({ id: vid, expires: kept.expires });
    } catch (e) {
      setError(e);
    } finally {
      setSharing(false);
    }
  };
  const run = async (file) => {
    setError(null);
    setResult(null);
    setShared(null);
    if (file.size > MAX_BYTES) {
      setError(new Error(t('verify.tooBig')));
      return;
    }
    setBusy(true);
    try {
      const bytes = await file.arrayBuffer();
      const report = await call('POST', '/verify', { raw: bytes, type: 'application/octet-stream' });
      setResult({ name: file.name, report, bytes });
    } catch (e) {
      if (e.status === 404 && e.code === 'ENOTFOUND' && /route/.test(e.message)) setUnavailable(true);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };
  const drop = (e) => {
    e.preventDefault();
    setOver(false);
    const f = e.dataTransfer && e.dataTransfer.files[0];
    if (f) run(f);
  };
  return html`<section>
    <${PageTitle}>${t('verify.title')}<//>
    <p>${t('verify.intro')}</p>
    <div class=${'dropzone' + (over ? ' over' : '')} onDragOver=${(e) => { e.preventDefault(); setOver(true); }}
      onDragLeave=${() => setOver(false)} onDrop=${drop}>
      <label for=${id}>${t('verify.drop')}</label>
      <input id=${id} name="document" type="file" accept=".pdf,.ofd,.esl,.der,.p7s,.sig,application/pdf"
        onChange=${(e) => e.currentTarget.files[0] && run(e.currentTarget.files[0])} />
      <p class="hint">${t('verify.private')}</p>
    </div>
    ${busy ? html`<p role="status" class="loading">${t('verify.busy')}</p>` : ''}
    ${unavailable ? html`<${Message} kind="warn">${t('verify.unavailable')}<//>` : ''}
    <${Message} error=${error} />
    ${result ? html`<${Report} report=${result.report} name=${result.name} />
      ${shared ? html`<${Share} id=${shared.id} expires=${shared.expires} />` : html`<div class="actions">
        <button type="button" disabled=${sharing} onClick=${share}>${t('verify.share.make')}</button>
        <p class="hint">${t('verify.share.hint')}</p></div>`}` : ''}
  </section>`;
}
