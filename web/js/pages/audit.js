// SPDX-License-Identifier: AGPL-3.0-or-later
// The auditor's audit log: entries by object, esID, account and period, a page
// at a time (GET /api/v1/audit), each with its chained hash.
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t, tv, fmtTime } from '../i18n.js';
import { call } from '../api.js';
import { Field, Message, PageTitle, Table, useLoad } from '../ui.js';

const OBJECTS = ['application', 'seal', 'account', 'api-key', 'unit', 'person', 'region', 'action', 'platform'];

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
    <div class="actions">
      <button type="button" disabled=${after.length === 0} onClick=${() => setAfter(after.slice(0, -1))}>${t('list.prev')}</button>
      <button type="button" disabled=${!page.next} onClick=${() => setAfter([...after, page.next])}>${t('list.next')}</button>
    </div>` : ''}
  </section>`;
}
