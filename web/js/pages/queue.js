// SPDX-License-Identifier: AGPL-3.0-or-later
// The maker's and reviewer's work queue: applications waiting for the caller
// (GET /api/v1/applications?waiting_for_me=true), or all, with filters and
// counts by state; each opens the application with its actions.
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t, tv, fmtTime } from '../i18n.js';
import { call } from '../api.js';
import { Badge, Field, Message, PageTitle, Table, useLoad } from '../ui.js';

const STATES = ['submitted', 'checked', 'approved', 'rejected', 'made', 'filed', 'delivered'];
const BUSINESSES = ['apply', 'renew', 'change', 'revoke', 'loss', 'reissue', 'pin-unlock', 'reenable'];

export function Queue() {
  const [mine, setMine] = useState('true');
  const [state, setState] = useState('');
  const [business, setBusiness] = useState('');
  const [list, error, reload] = useLoad(() => call('GET', '/applications', {
    query: { waiting_for_me: mine === 'true' ? 'true' : undefined, state, business, limit: 500 },
  }), [mine, state, business]);
  const rows = list ? list.items : [];
  const counts = {};
  for (const a of rows) counts[a.state] = (counts[a.state] || 0) + 1;
  return html`<section>
    <${PageTitle}>${t('queue.title')}<//>
    <div class="filters">
      <${Field} as="select" label=${t('queue.which')} name="which" value=${mine} onInput=${setMine}>
        <option value="true">${t('queue.mine')}</option>
        <option value="false">${t('queue.all')}</option>
      <//>
      <${Field} as="select" label=${t('filter.state')} name="state" value=${state} onInput=${setState}>
        <option value="">${t('filter.all')}</option>
        ${STATES.map((s) => html`<option value=${s}>${tv('state', s)}</option>`)}
      <//>
      <${Field} as="select" label=${t('filter.business')} name="business" value=${business} onInput=${setBusiness}>
        <option value="">${t('filter.all')}</option>
        ${BUSINESSES.map((b) => html`<option value=${b}>${tv('business', b)}</option>`)}
      <//>
      <button type="button" onClick=${reload}>${t('list.refresh')}</button>
    </div>
    <p class="counts" role="status">${t('queue.count', { n: rows.length })}
      ${Object.entries(counts).map(([s, n]) => html` <span class="count"><${Badge} family="state" value=${s} /> ${n}</span>`)}</p>
    <${Message} error=${error} />
    ${list ? html`<${Table} caption=${t('queue.title')} rows=${rows} empty=${t('queue.empty')} columns=${[
      { label: t('col.id'), render: (a) => html`<a href=${'#/applications/' + a.id}>${t('apps.number', { id: a.id })}</a>` },
      { label: t('col.unit'), key: 'unit_name' },
      { label: t('col.sealName'), key: 'seal_name' },
      { label: t('col.business'), render: (a) => tv('business', a.business) },
      { label: t('col.state'), render: (a) => html`<${Badge} family="state" value=${a.state} />` },
      { label: t('col.updated'), render: (a) => fmtTime(a.updated_at) },
    ]} />` : ''}
  </section>`;
}
