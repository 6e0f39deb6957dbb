// SPDX-License-Identifier: AGPL-3.0-or-later
// The unit's seals with their state and validity, the ones in the renewal
// window (30 days before the end) or past it marked, and delivered seals
// waiting for the unit to confirm the impression.
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t, tv, fmtDate } from '../i18n.js';
import { call } from '../api.js';
import { Badge, Field, Message, PageTitle, Table, useLoad } from '../ui.js';

const RENEWAL_DAYS = 30;
const STATES = ['made', 'active', 'suspended', 'lost', 'revoked', 'expired'];

export function expiry(seal, now = Date.now()) {
  if (!seal.valid_end) return { tone: 'grey', key: 'seals.noEnd' };
  const days = Math.floor((new Date(seal.valid_end).getTime() - now) / 86400000);
  if (days < 0) return { tone: 'red', key: 'seals.expired', days: -days };
  if (days <= RENEWAL_DAYS) return { tone: 'amber', key: 'seals.renew', days };
  return { tone: 'green', key: 'seals.valid', days };
}

export function Seals() {
  const [state, setState] = useState('');
  const [expiring, setExpiring] = useState('');
  const [list, error] = useLoad(() => call('GET', '/seals', { query: { state, expiring_days: expiring, limit: 500 } }), [state, expiring]);
  const rows = list ? list.items : [];
  const warn = rows.filter((s) => ['amber', 'red'].includes(expiry(s).tone) && s.state === 'active').length;
  return html`<section>
    <${PageTitle}>${t('seals.title')}<//>
    <div class="filters">
      <${Field} as="select" label=${t('filter.state')} name="state" value=${state} onInput=${setState}>
        <option value="">${t('filter.all')}</option>
        ${STATES.map((s) => html`<option value=${s}>${tv('state', s)}</option>`)}
      <//>
      <${Field} as="select" label=${t('seals.expiring')} name="expiring" value=${expiring} onInput=${setExpiring}>
        <option value="">${t('filter.all')}</option>
        <option value="30">${t('seals.within', { n: 30 })}</option>
        <option value="90">${t('seals.within', { n: 90 })}</option>
      <//>
    </div>
    ${warn ? html`<div class="msg msg-warn" role="status">${t('seals.warn', { n: warn })}</div>` : ''}
    <${Message} error=${error} />
    ${list ? html`<${Table} caption=${t('seals.caption', { n: rows.length })} rows=${rows} columns=${[
      { label: t('col.esid'), render: (s) => html`<a href=${'#/status?esid=' + s.esid}>${s.esid}</a>` },
      { label: t('col.sealName'), key: 'name' },
      { label: t('col.kind'), render: (s) => tv('kind', s.kind) },
      { label: t('col.unit'), key: 'unit_name' },
      { label: t('col.state'), render: (s) => html`<${Badge} family="state" value=${s.state} />${s.state === 'made' && !s.confirmed && s.app_id ? html` <a href=${'#/applications/' + s.app_id}>${t('seals.toConfirm')}</a>` : ''}` },
      { label: t('col.validEnd'), render: (s) => { const x = expiry(s); return html`${fmtDate(s.valid_end)} <span class=${'badge badge-' + x.tone}>${t(x.key, { n: x.days })}</span>`; } },
    ]} />` : ''}
  </section>`;
}
