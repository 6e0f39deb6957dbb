// SPDX-License-Identifier: AGPL-3.0-or-later
// Public seal-status lookup by esID (GET /api/v1/seals/{esid}/status, no
// sign-in: the regulation makes the status service public), now or at an instant.
import { html, useState, useEffect } from '/vendor/htm/preact/standalone.mjs';
import { t, tv, fmtTime } from '../i18n.js';
import { call } from '../api.js';
import { Field, Message, PageTitle } from '../ui.js';

const TONE = { active: 'green', made: 'amber', suspended: 'amber', expired: 'amber', lost: 'red', revoked: 'red', unknown: 'amber' };

export function StatusLookup({ route }) {
  const [esid, setEsid] = useState(route.query.get('esid') || '');
  const [at, setAt] = useState('');
  const [err, setErr] = useState(undefined);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const look = async (id, when) => {
    if (!/^\d{14}$/.test(id)) {
      setErr('v.esid');
      return;
    }
    setErr(undefined);
    setError(null);
    setResult(null);
    try {
      setResult(await call('GET', `/seals/${id}/status`, { query: { at: when ? new Date(when).toISOString().replace(/\.\d+Z$/, 'Z') : undefined } }));
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    const q = route.query.get('esid');
    if (q) look(q, '');
  }, []);
  return html`<section class="narrow">
    <${PageTitle}>${t('status.title')}<//>
    <p>${t('status.intro')}</p>
    <form onSubmit=${(e) => { e.preventDefault(); look(esid.trim(), at); }} novalidate>
      <${Field} label=${t('col.esid')} name="esid" value=${esid} onInput=${setEsid} error=${err} hint=${t('status.esid.hint')} inputmode="numeric" required />
      <${Field} label=${t('status.at')} name="at" type="datetime-local" value=${at} onInput=${setAt} hint=${t('status.at.hint')} />
      <button type="submit" class="primary">${t('status.submit')}</button>
    </form>
    <${Message} error=${error} />
    ${result ? html`<div class=${'verdict verdict-' + (TONE[result.status] || 'amber')} role="status">
      <p class="big">${t('status.is', { esid: result.esid, state: tv('state', result.status) })}</p>
      <p>${t('status.sentence.' + (TONE[result.status] || 'amber'))}</p>
      ${result.since ? html`<p>${t('status.since', { since: fmtTime(result.since) })}</p>` : ''}
      ${result.reason ? html`<p>${t('status.reason', { reason: result.reason })}</p>` : ''}
      <p class="hint">${t('status.asOf', { at: fmtTime(result.at) })}</p>
    </div>` : ''}
  </section>`;
}
