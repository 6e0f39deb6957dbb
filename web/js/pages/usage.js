// SPDX-License-Identifier: AGPL-3.0-or-later
// Usage records (用章记录, GET /api/v1/usage): every use of a seal, by seal and
// period; and the PIN change of a seal whose key is in a software token
// (POST /api/v1/seals/{esid}/pin, knowing the old PIN).
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t, fmtTime } from '../i18n.js';
import { call } from '../api.js';
import { Field, Message, PageTitle, Pager, Table, useLoad } from '../ui.js';

export function Usage() {
  const [esid, setEsid] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [after, setAfter] = useState([]);
  const [seals] = useLoad(() => call('GET', '/seals', { query: { limit: 500 } }), []);
  const q = { esid: esid || undefined, from: from ? from + 'T00:00:00Z' : undefined, to: to ? to + 'T23:59:59Z' : undefined, limit: 50, after: after[after.length - 1] };
  const [page, error] = useLoad(() => call('GET', '/usage', { query: q }), [esid, from, to, after.length]);
  const reset = (f) => (v) => { f(v); setAfter([]); };
  const names = Object.fromEntries((seals?.items || []).map((s) => [s.esid, s.name]));
  return html`<section>
    <${PageTitle}>${t('usage.title')}<//>
    <p>${t('usage.intro')}</p>
    <div class="filters">
      <${Field} as="select" label=${t('usage.seal')} name="esid" value=${esid} onInput=${reset(setEsid)}>
        <option value="">${t('filter.all')}</option>
        ${(seals?.items || []).map((s) => html`<option value=${s.esid}>${s.name} (${s.esid})</option>`)}
      <//>
      <${Field} label=${t('audit.from')} name="from" type="date" value=${from} onInput=${reset(setFrom)} />
      <${Field} label=${t('audit.to')} name="to" type="date" value=${to} onInput=${reset(setTo)} />
    </div>
    <${Message} error=${error} />
    ${page ? html`<${Table} caption=${t('usage.caption')} rows=${page.items} empty=${t('usage.empty')} columns=${[
      { label: t('col.id'), key: 'id' },
      { label: t('col.at'), render: (u) => fmtTime(u.at) },
      { label: t('usage.seal'), render: (u) => html`${names[u.esid] || ''} <small>${u.esid}</small>` },
      { label: t('usage.how'), render: (u) => (u.request_id ? t('usage.request', { id: u.request_id }) : u.batch_id ? t('usage.batch', { id: u.batch_id }) : '—') },
      { label: t('usage.doc'), render: (u) => (u.doc_sm3 ? html`<code class="hash" title=${u.doc_sm3}>${u.doc_sm3}</code>` : '—') },
      { label: t('col.actor'), render: (u) => u.actor ?? '—' },
    ]} />
    <${Pager} after=${after} setAfter=${setAfter} next=${page.next} />` : ''}
  </section>`;
}

const PIN_MIN = 6;
const PIN_MAX = 64;

export function PinChange() {
  const [seals] = useLoad(() => call('GET', '/seals', { query: { state: 'active', limit: 500 } }), []);
  const [f, setF] = useState({ esid: '', old: '', pin: '', again: '' });
  const [errs, setErrs] = useState({});
  const [error, setError] = useState(null);
  const [done, setDone] = useState('');
  const set = (k) => (v) => setF((x) => ({ ...x, [k]: v }));
  const submit = async (e) => {
    e.preventDefault();
    const v = {};
    if (!f.esid) v.esid = 'v.required';
    if (!f.old) v.old = 'v.required';
    if (f.pin.length < PIN_MIN || f.pin.length > PIN_MAX) v.pin = 'v.pinLength';
    else if (f.pin === f.old) v.pin = 'v.pinSame';
    if (f.again !== f.pin) v.again = 'v.pinAgain';
    setErrs(v);
    setDone('');
    setError(null);
    if (Object.keys(v).length) {
      document.querySelector(`[name="${Object.keys(v)[0] === 'pin' ? 'new_pin' : Object.keys(v)[0] === 'again' ? 'new_pin_again' : Object.keys(v)[0] === 'old' ? 'old_pin' : 'esid'}"]`)?.focus();
      return;
    }
    try {
      await call('POST', `/seals/${f.esid}/pin`, { body: { old_pin: f.old, new_pin: f.pin } });
      setDone(t('pin.done', { esid: f.esid }));
      setF((x) => ({ ...x, old: '', pin: '', again: '' }));
    } catch (err) {
      setError(err);
      setF((x) => ({ ...x, old: '' }));
    }
  };
  return html`<section>
    <${PageTitle}>${t('pin.title')}<//>
    <p>${t('pin.intro')}</p>
    ${done ? html`<${Message} kind="ok">${done}<//>` : ''}
    <${Message} error=${error} />
    <form onSubmit=${submit} novalidate class="form-grid">
      <${Field} as="select" label=${t('pin.seal')} name="esid" value=${f.esid} onInput=${set('esid')} error=${errs.esid} required>
        <option value="">${t('apply.choose')}</option>
        ${(seals?.items || []).map((s) => html`<option value=${s.esid}>${s.name} (${s.esid})</option>`)}
      <//>
      <${Field} label=${t('pin.old')} name="old_pin" type="password" value=${f.old} onInput=${set('old')} error=${errs.old} autocomplete="current-password" required />
      <${Field} label=${t('pin.new')} name="new_pin" type="password" value=${f.pin} onInput=${set('pin')} error=${errs.pin} hint=${t('pin.rule')} autocomplete="new-password" required />
      <${Field} label=${t('pin.again')} name="new_pin_again" type="password" value=${f.again} onInput=${set('again')} error=${errs.again} autocomplete="new-password" required />
      <div class="actions"><button type="submit" class="primary">${t('pin.submit')}</button></div>
    </form>
  </section>`;
}
