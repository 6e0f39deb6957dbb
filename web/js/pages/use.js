// SPDX-License-Identifier: AGPL-3.0-or-later
// Use requests (用印申请): ask to use a seal on one document (its SM3, computed
// here from the chosen file; the file itself is not sent), follow the answers;
// and the use approver's queue (approve, or reject with a reason).
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t, tv, fmtTime } from '../i18n.js';
import { call } from '../api.js';
import { Badge, Field, Message, PageTitle, Table, useId, useLoad } from '../ui.js';
import { sm3Hex } from '../sm3.js';

export function FileField({ label, name, onFile, hint, accept }) {
  const id = useId('file-' + name);
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <input id=${id} name=${name} type="file" accept=${accept} aria-describedby=${hint ? id + '-hint' : undefined}
      onChange=${(e) => e.currentTarget.files[0] && onFile(e.currentTarget.files[0])} />
    ${hint ? html`<p class="hint" id=${id + '-hint'}>${hint}</p>` : ''}
  </div>`;
}

export function UseRequests() {
  const [seals] = useLoad(() => call('GET', '/seals', { query: { state: 'active', limit: 500 } }), []);
  const [list, error, reload] = useLoad(() => call('GET', '/use-requests', { query: { limit: 200 } }), []);
  const [esid, setEsid] = useState('');
  const [purpose, setPurpose] = useState('');
  const [doc, setDoc] = useState(null); // {name, sm3}
  const [errs, setErrs] = useState({});
  const [sendError, setSendError] = useState(null);
  const [done, setDone] = useState('');
  const pick = async (file) => setDoc({ name: file.name, sm3: sm3Hex(new Uint8Array(await file.arrayBuffer())) });
  const submit = async (e) => {
    e.preventDefault();
    const v = {};
    if (!esid) v.esid = 'v.required';
    if (!purpose.trim()) v.purpose = 'v.required';
    if (!doc) v.doc = 'v.doc';
    setErrs(v);
    if (Object.keys(v).length) return;
    setSendError(null);
    try {
      const { id } = await call('POST', '/use-requests', { body: { esid, doc_sm3: doc.sm3, purpose: purpose.trim() } });
      setDone(t('use.sent', { id }));
      setPurpose('');
      reload();
    } catch (err) {
      setSendError(err);
    }
  };
  const rows = list ? [...list.items].reverse() : [];
  return html`<section>
    <${PageTitle}>${t('use.title')}<//>
    <p>${t('use.intro')}</p>
    ${done ? html`<${Message} kind="ok">${done}<//>` : ''}
    <${Message} error=${sendError} />
    <form onSubmit=${submit} novalidate class="form-grid">
      <${Field} as="select" label=${t('use.seal')} name="esid" value=${esid} onInput=${setEsid} error=${errs.esid} required>
        <option value="">${t('apply.choose')}</option>
        ${(seals?.items || []).map((s) => html`<option value=${s.esid}>${s.name} (${s.esid})</option>`)}
      <//>
      <${FileField} label=${t('use.doc')} name="document" onFile=${pick} hint=${t('use.doc.hint')} />
      ${errs.doc ? html`<p class="error" role="alert">${t(errs.doc)}</p>` : ''}
      ${doc ? html`<p class="hint">${t('use.sm3', { name: doc.name })} <code>${doc.sm3}</code></p>` : ''}
      <${Field} label=${t('use.purpose')} name="purpose" value=${purpose} onInput=${setPurpose} error=${errs.purpose} required />
      <div class="actions"><button type="submit" class="primary">${t('use.submit')}</button></div>
    </form>
    <h2>${t('use.mine')}</h2>
    <${Message} error=${error} />
    ${list ? html`<${Table} caption=${t('use.mine')} rows=${rows} columns=${[
      { label: t('col.id'), key: 'id' },
      { label: t('col.sealName'), render: (r) => html`${r.seal_name} <small>${r.esid}</small>` },
      { label: t('use.purpose'), key: 'purpose' },
      { label: t('col.state'), render: (r) => html`<${Badge} family="state" value=${r.state} />` },
      { label: t('col.reason'), render: (r) => r.decision_reason || '' },
      { label: t('col.created'), render: (r) => fmtTime(r.created_at) },
    ]} />` : ''}
  </section>`;
}

function Decide({ req, onDone }) {
  const [reason, setReason] = useState('');
  const [err, setErr] = useState(undefined);
  const [error, setError] = useState(null);
  const decide = async (approve) => {
    if (!approve && !reason.trim()) {
      setErr('v.reason');
      return;
    }
    setErr(undefined);
    try {
      await call('POST', `/use-requests/${req.id}/${approve ? 'approve' : 'reject'}`, { body: reason.trim() ? { reason: reason.trim() } : {} });
      onDone(t(approve ? 'use.approved' : 'use.rejected', { id: req.id }));
    } catch (e) {
      setError(e);
    }
  };
  return html`<article class="card" aria-labelledby=${'req-' + req.id}>
    <h2 id=${'req-' + req.id}>${t('use.request', { id: req.id })} · ${req.seal_name}</h2>
    <dl class="facts">
      <div><dt>${t('use.purpose')}</dt><dd>${req.purpose}</dd></div>
      <div><dt>${t('use.sm3label')}</dt><dd><code>${req.doc_sm3}</code></dd></div>
      <div><dt>${t('col.created')}</dt><dd>${fmtTime(req.created_at)}</dd></div>
    </dl>
    <${Message} error=${error} />
    <${Field} label=${t('act.reason')} name=${'reason-' + req.id} value=${reason} onInput=${setReason} error=${err} hint=${t('act.reason.hint')} />
    <div class="actions">
      <button type="button" class="primary" onClick=${() => decide(true)}>${t('act.approve')}</button>
      <button type="button" class="danger" onClick=${() => decide(false)}>${t('act.reject')}</button>
    </div>
  </article>`;
}

export function Approvals() {
  const [list, error, reload] = useLoad(() => call('GET', '/use-requests', { query: { waiting_for_me: 'true', limit: 200 } }), []);
  const [done, setDone] = useState('');
  return html`<section>
    <${PageTitle}>${t('approvals.title')}<//>
    ${done ? html`<${Message} kind="ok">${done}<//>` : ''}
    <${Message} error=${error} />
    ${list && list.items.length === 0 ? html`<p class="empty">${t('approvals.empty')}</p>` : ''}
    ${(list?.items || []).map((r) => html`<${Decide} key=${r.id} req=${r} onDone=${(m) => { setDone(m); reload(); }} />`)}
  </section>`;
}
