// SPDX-License-Identifier: AGPL-3.0-or-later
// Pieces every page uses: labelled fields, messages, tables, state badges.
import { html, useState, useEffect } from '/vendor/htm/preact/standalone.mjs';
import { t, tv } from './i18n.js';
import { ApiError } from './api.js';

// Go to a page of the console (#/path).
export function go(path) {
  location.hash = '#/' + path;
}

let uid = 0;
export function useId(prefix) {
  const [id] = useState(() => prefix + '-' + ++uid);
  return id;
}

// A labelled input with its hint and its live error (aria-describedby both).
export function Field({ label, name, value, onInput, error, hint, type = 'text', required, inputmode, autocomplete, children, as }) {
  const id = useId('f-' + name);
  const described = [hint ? id + '-hint' : '', error ? id + '-err' : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id, name, required, 'aria-invalid': error ? 'true' : 'false', 'aria-describedby': described,
    value: value ?? '', onInput: (e) => onInput(e.currentTarget.value), onChange: (e) => onInput(e.currentTarget.value),
  };
  let control;
  if (as === 'select') control = html`<select ...${common}>${children}</select>`;
  else if (as === 'textarea') control = html`<textarea rows="3" ...${common}></textarea>`;
  else control = html`<input type=${type} inputmode=${inputmode} autocomplete=${autocomplete || 'off'} ...${common} />`;
  return html`<div class=${'field' + (error ? ' has-error' : '')}>
    <label for=${id}>${label}${required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</label>
    ${control}
    ${hint ? html`<p class="hint" id=${id + '-hint'}>${hint}</p>` : ''}
    ${error ? html`<p class="error" id=${id + '-err'} role="alert">${t(error)}</p>` : ''}
  </div>`;
}

// An error or notice in words: an ApiError is named by its code, then the server's detail.
export function Message({ kind = 'info', children, error }) {
  if (error) {
    if (!(error instanceof ApiError)) return html`<div class="msg msg-error" role="alert"><strong>${error.message}</strong></div>`;
    return html`<div class="msg msg-error" role="alert">
      <strong>${tv('error', error.code)}</strong>
      ${error.message && error.message !== error.code ? html`<span class="detail">${error.message}</span>` : ''}
    </div>`;
  }
  if (!children) return null;
  return html`<div class=${'msg msg-' + kind} role=${kind === 'error' ? 'alert' : 'status'}>${children}</div>`;
}

export function Badge({ family, value, tone }) {
  const tones = {
    draft: 'grey', submitted: 'blue', forwarded: 'blue', checked: 'blue', approved: 'green', rejected: 'red',
    made: 'blue', filed: 'blue', delivered: 'green', active: 'green', suspended: 'amber', lost: 'red',
    revoked: 'red', expired: 'amber', pending: 'amber', requested: 'amber', used: 'grey', unknown: 'amber',
  };
  return html`<span class=${'badge badge-' + (tone || tones[value] || 'grey')}>${tv(family, value)}</span>`;
}

// A table with a caption; columns: [{key, label, render(row)}].
export function Table({ caption, columns, rows, empty }) {
  if (!rows || rows.length === 0) return html`<p class="empty">${empty || t('list.empty')}</p>`;
  return html`<div class="table-wrap"><table>
    <caption>${caption}</caption>
    <thead><tr>${columns.map((c) => html`<th scope="col">${c.label}</th>`)}</tr></thead>
    <tbody>${rows.map((r) => html`<tr>${columns.map((c) => html`<td data-label=${c.label}>${c.render ? c.render(r) : r[c.key] ?? '—'}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}

// Loads data with fn() when deps change: [data, error, reload].
export function useLoad(fn, deps) {
  const [state, setState] = useState({ data: null, error: null, n: 0 });
  useEffect(() => {
    let live = true;
    fn().then((data) => live && setState((s) => ({ ...s, data, error: null })),
      (error) => live && setState((s) => ({ ...s, data: null, error })));
    return () => { live = false; };
  }, [...deps, state.n]);
  return [state.data, state.error, () => setState((s) => ({ ...s, n: s.n + 1 }))];
}

export function PageTitle({ children }) {
  useEffect(() => {
    document.title = children + ' · ' + t('app.name');
  }, [children]);
  return html`<h1 id="page-title" tabindex="-1">${children}</h1>`;
}

// Previous and next page of a list read a page at a time: after holds the cursors of the pages before.
export function Pager({ after, setAfter, next }) {
  return html`<div class="actions">
    <button type="button" disabled=${after.length === 0} onClick=${() => setAfter(after.slice(0, -1))}>${t('list.prev')}</button>
    <button type="button" disabled=${!next} onClick=${() => setAfter([...after, next])}>${t('list.next')}</button>
  </div>`;
}

// A button that runs one call and shows its answer under it (show(answer)), or its error.
export function RunOnce({ label, busyLabel, run, show }) {
  const [out, setOut] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const go = async () => {
    setBusy(true);
    setError(null);
    setOut(null);
    try {
      setOut(await run());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<div>
    <div class="actions"><button type="button" class="primary" disabled=${busy} onClick=${go}>${label}</button></div>
    ${busy ? html`<p class="hint" role="status">${busyLabel}</p>` : ''}
    <${Message} error=${error} />
    ${out ? show(out) : ''}
  </div>`;
}
