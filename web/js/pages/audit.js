// SPDX-License-Identifier: AGPL-3.0-or-later
// The auditor's audit log: entries by object, esID, account and period, a page
// at a time (GET /api/v1/audit), each with its chained hash; and the verification
// of the whole chain and its signed checkpoints (POST /api/v1/audit/verify).
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t, tv, fmtTime } from '../i18n.js';
import { call } from '../api.js';
import { Field, Message, PageTitle, Pager, RunOnce, Table, useLoad } from '../ui.js';

const OBJECTS = ['application', 'seal', 'account', 'api-key', 'unit', 'person', 'region', 'action', 'platform'];

// The chain verified on demand: intact (entries, checkpoints, head) or the first bad entry and why.
function ChainCheck() {
  return html`<div class="chain"><${RunOnce} label=${t('audit.verify')} busyLabel=${t('audit.verifying')}
    run=${async () => ({ ...(await call('POST', '/audit/verify')), at: new Date().toISOString() })}
    show=${(report) => html`<div class=${'verdict ' + (report.intact ? 'verdict-green' : 'verdict-red')} role="status">
      <p class="big">${t(report.intact ? 'audit.intact' : 'audit.broken')}</p>
      <p>${t('audit.counts', { entries: report.entries, checkpoints: report.checkpoints })}</p>
      ${report.intact ? html`<p>${t('audit.head')} <code class="hash">${report.head}</code></p>`
      : html`<p>${t('audit.firstBad', { seq: report.first_bad })} ${report.problem}</p>`}
      <p class="hint">${t('audit.checkedAt', { at: fmtTime(report.at) })}</p>
    </div>`} /></div>`;
}

export function Audit() {
  const [object, setObject] = useState('');
  const [esid, setEsid] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [after, setAfter] = useState([]); // cursors of the pages before
  const q = { object, esid: /^\d{14}$/.test(esid) ? esid : undefined, from: from ? from + 'T00:00:00Z' : undefined, to: to ? to + 'T23:59:59Z' : undefined, limit: 50, after: after[after.length - 1] };
  const [page, error] = useLoad(() => call('GET', '/audit', { query: q }), [object, esid, from, to, after.length]);
  const reset = (f) => (v) => { f(v); setAfter([]); };
  return html`<section>
    <${PageTitle}>${t('audit.title')}<//>
    <p>${t('audit.intro')}</p>
    <${ChainCheck} />
    <div class="filters">
      <${Field} as="select" label=${t('audit.object')} name="object" value=${object} onInput=${reset(setObject)}>
        <option value="">${t('filter.all')}</option>
        ${OBJECTS.map((o) => html`<option value=${o}>${tv('object', o)}</option>`)}
      <//>
      <${Field} label=${t('col.esid')} name="esid" value=${esid} onInput=${reset(setEsid)} inputmode="numeric" />
      <${Field} label=${t('audit.from')} name="from" type="date" value=${from} onInput=${reset(setFrom)} />
      <${Field} label=${t('audit.to')} name="to" type="date" value=${to} onInput=${reset(setTo)} />
    </div>
    <${Message} error=${error} />
    ${page ? html`<${Table} caption=${t('audit.caption')} rows=${page.items} columns=${[
      { label: t('audit.seq'), key: 'seq' },
      { label: t('col.at'), render: (a) => fmtTime(a.at) },
      { label: t('audit.event'), key: 'event' },
      { label: t('audit.object'), render: (a) => `${tv('object', a.object)} ${a.object_id ?? ''}` },
      { label: t('col.actor'), render: (a) => a.actor ?? '—' },
      { label: t('audit.detail'), render: (a) => html`<span class="detail">${typeof a.detail === 'string' ? a.detail : JSON.stringify(a.detail)}</span>` },
      { label: t('audit.hash'), render: (a) => html`<code title=${a.hash}>${(a.hash || '').slice(0, 12)}…</code>` },
    ]} />
    <${Pager} after=${after} setAfter=${setAfter} next=${page.next} />` : ''}
  </section>`;
}
