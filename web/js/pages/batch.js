// SPDX-License-Identifier: AGPL-3.0-or-later
// Batch applications (the batch form of the Fujian guide, 申请汇总表): many new
// seals of one unit filed at once (POST /api/v1/applications/batch, all or
// nothing), typed row by row or pasted from a spreadsheet (CSV or tab
// separated); every row checked as it is typed with the form's own rules, and
// a refusal of the server shown on the row it names (forms[i] / batch item n).
// Then the summary table (GET /api/v1/application-batches/{id}) where the
// drafts are submitted together, each row with its own answer.
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t, tv } from '../i18n.js';
import { call } from '../api.js';
import { Badge, Field, Message, PageTitle, go, useId, useLoad } from '../ui.js';
import { checkMobile, checkResidentId, checkSizeMm, checkRequired } from '../ids.js';

const KINDS = ['official', 'special']; // a personal or position seal needs its holder: the single form
const FUNCTIONS = ['contract', 'finance', 'invoice', 'certificate', 'letter', 'audit', 'customs'];
const MAX_ROWS = 100; // ES_APP_BATCH_MAX
// the columns of a row, in the order a pasted line gives them
const COLS = ['seal_name', 'seal_kind', 'seal_function', 'width_mm', 'height_mm', 'handler_name', 'handler_mobile', 'handler_id'];
const CHECKS = {
  seal_name: checkRequired, width_mm: checkSizeMm, height_mm: checkSizeMm,
  handler_name: checkRequired, handler_mobile: checkMobile, handler_id: checkResidentId,
};

export function blankRow() {
  return { seal_name: '', seal_kind: 'official', seal_function: 'contract', width_mm: '42', height_mm: '42', handler_name: '', handler_mobile: '', handler_id: '' };
}

// A kind or function as typed in a sheet: its code, or its name in either language.
function codeOf(family, list, typed) {
  const s = (typed || '').trim();
  if (!s) return '';
  const lower = s.toLowerCase();
  return list.find((c) => c === lower || t(family + '.' + c) === s) || s;
}

// Pasted lines (CSV or tab separated, the header line optional) → rows; the cells
// are the columns of COLS, a kind or function may be left empty (official, contract).
export function parseSheet(text) {
  const rows = [];
  for (const raw of text.split(/\r?\n/)) {
    if (!raw.trim()) continue;
    const cells = raw.split(raw.includes('\t') ? '\t' : ',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (cells[0] === t('batch.col.seal_name')) continue; // the header line
    const r = blankRow();
    COLS.forEach((k, i) => { if (cells[i] !== undefined && cells[i] !== '') r[k] = cells[i]; });
    r.seal_kind = codeOf('kind', KINDS, r.seal_kind) || 'official';
    r.seal_function = codeOf('function', FUNCTIONS, r.seal_function) || 'contract';
    r.handler_id = r.handler_id.toUpperCase();
    rows.push(r);
  }
  return rows;
}

export function rowErrors(r) {
  const e = {};
  for (const [k, f] of Object.entries(CHECKS)) {
    const v = f(r[k]);
    if (v) e[k] = v;
  }
  if (!KINDS.includes(r.seal_kind)) e.seal_kind = 'batch.v.kind';
  if (r.seal_kind === 'special' && !FUNCTIONS.includes(r.seal_function)) e.seal_function = 'batch.v.function';
  return e;
}

// The row a refusal names: "forms[3]: …" (the form) or "batch item 4: …" (the platform), from 0.
export function rowOfError(message) {
  const m = /forms\[(\d+)\]/.exec(message || '');
  if (m) return Number(m[1]);
  const b = /batch item (\d+)/.exec(message || '');
  return b ? Number(b[1]) - 1 : -1;
}

function Cell({ row, n, k, value, error, onInput, children, as, inputmode }) {
  const id = useId('b-' + k);
  const label = t('batch.cell', { col: t('batch.col.' + k), n: n + 1 });
  const common = {
    id, name: `${k}-${n}`, 'aria-label': label, 'aria-invalid': error ? 'true' : 'false',
    'aria-describedby': error ? id + '-err' : undefined, value, onInput: (e) => onInput(e.currentTarget.value),
    onChange: (e) => onInput(e.currentTarget.value),
  };
  return html`<td data-label=${t('batch.col.' + k)} class=${error ? 'has-error' : ''}>
    ${as === 'select' ? html`<select ...${common} disabled=${k === 'seal_function' && row.seal_kind !== 'special'}>${children}</select>`
    : html`<input type="text" inputmode=${inputmode} autocomplete="off" ...${common} />`}
    ${error ? html`<p class="error" id=${id + '-err'}>${t(error)}</p>` : ''}
  </td>`;
}

export function Batch({ session, route }) {
  const id = route.parts[1];
  if (id) return html`<${BatchSummary} id=${id} />`;
  return html`<${BatchForm} session=${session} />`;
}

function BatchForm({ session }) {
  const [units] = useLoad(() => call('GET', '/units', { query: { limit: 500 } }), []);
  const [unit, setUnit] = useState(session.unit_id ? String(session.unit_id) : '');
  const [rows, setRows] = useState(() => [blankRow()]);
  const [touched, setTouched] = useState({});
  const [sheet, setSheet] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const [rowError, setRowError] = useState({ n: -1, text: '' });
  const [busy, setBusy] = useState(false);
  const [all, setAll] = useState(false);
  const set = (n, k) => (v) => {
    setRows((rs) => rs.map((r, i) => (i === n ? { ...r, [k]: v } : r)));
    setTouched((x) => ({ ...x, [n + '.' + k]: true }));
    if (rowError.n === n) setRowError({ n: -1, text: '' });
  };
  const errors = rows.map(rowErrors);
  const shown = (n, k) => (all || touched[n + '.' + k] ? errors[n][k] : undefined);
  const bad = errors.filter((e) => Object.keys(e).length).length;

  const read = () => {
    const got = parseSheet(sheet);
    if (!got.length) {
      setNote(t('batch.paste.none'));
      return;
    }
    const keep = rows.filter((r) => JSON.stringify(r) !== JSON.stringify(blankRow()));
    const next = [...keep, ...got].slice(0, MAX_ROWS);
    setRows(next);
    setAll(true);
    setSheet('');
    setNote(t('batch.paste.read', { n: got.length, rows: next.length }) + (keep.length + got.length > MAX_ROWS ? ' ' + t('batch.tooMany', { max: MAX_ROWS }) : ''));
  };

  const send = async (e) => {
    e.preventDefault();
    setAll(true);
    setError(null);
    setRowError({ n: -1, text: '' });
    if (!unit) {
      document.querySelector('[name="unit_id"]')?.focus();
      return;
    }
    const first = errors.findIndex((x) => Object.keys(x).length);
    if (first >= 0) {
      document.querySelector(`[name="${Object.keys(errors[first])[0]}-${first}"]`)?.focus();
      return;
    }
    const forms = rows.map((r) => {
      const f = {
        unit_id: Number(unit), business: 'apply', seal_kind: r.seal_kind, seal_name: r.seal_name.trim(),
        width_mm: Number(r.width_mm), height_mm: Number(r.height_mm), handler_name: r.handler_name.trim(),
        handler_mobile: r.handler_mobile.trim(), handler_id: r.handler_id.trim().toUpperCase(),
      };
      if (r.seal_kind === 'special') f.seal_function = r.seal_function;
      return f;
    });
    setBusy(true);
    try {
      const { batch_id: batch } = await call('POST', '/applications/batch', { body: { forms } });
      go('batch/' + batch);
    } catch (err) {
      const n = rowOfError(err.message);
      if (n >= 0 && n < rows.length) {
        setRowError({ n, text: err.message });
        setTimeout(() => document.querySelector(`[name="seal_name-${n}"]`)?.focus(), 0);
      }
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return html`<section>
    <${PageTitle}>${t('batch.title')}<//>
    <p>${t('batch.intro', { max: MAX_ROWS })}</p>
    <${Message} error=${error} />
    ${rowError.n >= 0 ? html`<div class="msg msg-error" role="alert">${t('batch.rowRefused', { n: rowError.n + 1 })}</div>` : ''}
    <form onSubmit=${send} novalidate>
      <div class="form-grid">
        <${Field} as="select" label=${t('apply.unit')} name="unit_id" value=${unit} onInput=${setUnit} error=${all && !unit ? 'v.required' : undefined} required>
          <option value="">${t('apply.choose')}</option>
          ${(units?.items || []).map((u) => html`<option value=${String(u.id)}>${u.name} (${u.credit_code})</option>`)}
        <//>
        <details class="paste">
          <summary>${t('batch.paste.title')}</summary>
          <${Field} as="textarea" label=${t('batch.paste.label')} name="sheet" value=${sheet} onInput=${setSheet}
            hint=${t('batch.paste.hint', { cols: COLS.map((k) => t('batch.col.' + k)).join(', ') })} />
          <div class="actions"><button type="button" onClick=${read}>${t('batch.paste.read.button')}</button></div>
        </details>
        ${note ? html`<p class="hint" role="status">${note}</p>` : ''}
      </div>
      <div class="table-wrap batch-rows"><table>
        <caption>${t('batch.caption', { n: rows.length })}${bad && all ? ' · ' + t('batch.bad', { n: bad }) : ''}</caption>
        <thead><tr><th scope="col">${t('batch.col.n')}</th>${COLS.map((k) => html`<th scope="col">${t('batch.col.' + k)}</th>`)}<th scope="col">${t('col.actions')}</th></tr></thead>
        <tbody>${rows.map((r, n) => html`<tr class=${rowError.n === n ? 'refused' : ''}>
          <th scope="row">${n + 1}${rowError.n === n ? html`<p class="error">${rowError.text}</p>` : ''}</th>
          <${Cell} row=${r} n=${n} k="seal_name" value=${r.seal_name} error=${shown(n, 'seal_name')} onInput=${set(n, 'seal_name')} />
          <${Cell} row=${r} n=${n} k="seal_kind" as="select" value=${r.seal_kind} error=${shown(n, 'seal_kind')} onInput=${set(n, 'seal_kind')}>
            ${KINDS.map((k) => html`<option value=${k}>${t('kind.' + k)}</option>`)}
          <//>
          <${Cell} row=${r} n=${n} k="seal_function" as="select" value=${r.seal_function} error=${shown(n, 'seal_function')} onInput=${set(n, 'seal_function')}>
            ${FUNCTIONS.map((k) => html`<option value=${k}>${t('function.' + k)}</option>`)}
          <//>
          <${Cell} row=${r} n=${n} k="width_mm" value=${r.width_mm} error=${shown(n, 'width_mm')} onInput=${set(n, 'width_mm')} inputmode="numeric" />
          <${Cell} row=${r} n=${n} k="height_mm" value=${r.height_mm} error=${shown(n, 'height_mm')} onInput=${set(n, 'height_mm')} inputmode="numeric" />
          <${Cell} row=${r} n=${n} k="handler_name" value=${r.handler_name} error=${shown(n, 'handler_name')} onInput=${set(n, 'handler_name')} />
          <${Cell} row=${r} n=${n} k="handler_mobile" value=${r.handler_mobile} error=${shown(n, 'handler_mobile')} onInput=${set(n, 'handler_mobile')} inputmode="numeric" />
          <${Cell} row=${r} n=${n} k="handler_id" value=${r.handler_id} error=${shown(n, 'handler_id')} onInput=${set(n, 'handler_id')} />
          <td><button type="button" class="danger" disabled=${rows.length === 1}
            aria-label=${t('batch.remove', { n: n + 1 })} onClick=${() => setRows((rs) => rs.filter((_, i) => i !== n))}>${t('batch.removeShort')}</button></td>
        </tr>`)}</tbody>
      </table></div>
      <div class="actions">
        <button type="button" disabled=${rows.length >= MAX_ROWS} onClick=${() => setRows((rs) => [...rs, blankRow()])}>${t('batch.add')}</button>
        <button type="submit" class="primary" disabled=${busy}>${t('batch.submit', { n: rows.length })}</button>
      </div>
    </form>
  </section>`;
}

// The summary table of a batch: each application, its state and seal; the drafts submitted together.
function BatchSummary({ id }) {
  const [sum, error, reload] = useLoad(() => call('GET', '/application-batches/' + id), [id]);
  const [answers, setAnswers] = useState({}); // application → 'ok' | error message
  const [busy, setBusy] = useState(false);
  const title = html`<${PageTitle}>${t('batch.summary', { id })}<//>`;
  if (error) return html`<section>${title}<${Message} error=${error} /><p><a href="#/batch">${t('batch.new')}</a></p></section>`;
  if (!sum) return html`<p class="loading" role="status">${t('app.loading')}</p>`;
  const apps = sum.applications || [];
  const drafts = apps.filter((a) => a.state === 'draft');
  const submitAll = async () => {
    setBusy(true);
    const got = {};
    for (const a of drafts) {
      try {
        await call('POST', `/applications/${a.application}/submit`);
        got[a.application] = 'ok';
      } catch (err) {
        got[a.application] = err.message || err.code;
      }
    }
    setAnswers(got);
    setBusy(false);
    reload();
  };
  const failed = Object.values(answers).filter((v) => v !== 'ok').length;
  const count = (s) => apps.filter((a) => a.state === s).length;
  return html`<section>
    ${title}
    <p>${t('batch.summary.intro', { n: apps.length })}</p>
    <p class="counts">${[...new Set(apps.map((a) => a.state))].map((s) => html`<span class="count"><${Badge} family="state" value=${s} /> ${count(s)}</span>`)}</p>
    ${Object.keys(answers).length ? html`<div class=${'msg ' + (failed ? 'msg-error' : 'msg-ok')} role=${failed ? 'alert' : 'status'}>
      ${failed ? t('batch.submitFailed', { n: failed }) : t('batch.submitted', { n: Object.keys(answers).length })}</div>` : ''}
    <div class="table-wrap"><table>
      <caption>${t('batch.summary.caption', { id, n: apps.length })}</caption>
      <thead><tr>${['col.id', 'col.sealName', 'col.kind', 'batch.col.size', 'col.business', 'col.state', 'col.esid', 'batch.col.answer']
        .map((k) => html`<th scope="col">${t(k)}</th>`)}</tr></thead>
      <tbody>${apps.map((a) => html`<tr>
        <td data-label=${t('col.id')}><a href=${'#/applications/' + a.application}>${t('apps.number', { id: a.application })}</a></td>
        <td data-label=${t('col.sealName')}>${a.seal_name}</td>
        <td data-label=${t('col.kind')}>${a.kind === 'special' && a.function ? tv('function', a.function) : tv('kind', a.kind)}</td>
        <td data-label=${t('batch.col.size')}>${t('apply.size.value', { w: a.width_mm, h: a.length_mm })}</td>
        <td data-label=${t('col.business')}>${tv('business', a.business)}</td>
        <td data-label=${t('col.state')}><${Badge} family="state" value=${a.state} /></td>
        <td data-label=${t('col.esid')}>${a.esid ? html`<a href=${'#/status?esid=' + a.esid}>${a.esid}</a>` : '—'}</td>
        <td data-label=${t('batch.col.answer')}>${answers[a.application] === 'ok' ? t('batch.answer.ok')
          : answers[a.application] ? html`<span class="error">${answers[a.application]}</span>` : '—'}</td>
      </tr>`)}</tbody>
    </table></div>
    <div class="actions">
      ${drafts.length ? html`<button type="button" class="primary" disabled=${busy} onClick=${submitAll}>${t('batch.submitDrafts', { n: drafts.length })}</button>` : ''}
      <a href="#/batch">${t('batch.new')}</a>
      <a href="#/applications">${t('nav.applications')}</a>
    </div>
  </section>`;
}
