// SPDX-License-Identifier: AGPL-3.0-or-later
// The unit's seals with their state and validity, the ones in the renewal
// window (30 days before the end) or past it marked, and delivered seals
// waiting for the unit to confirm the impression. From a seal's row the unit
// starts the applications its state allows: renewal (inside the window only),
// change, loss report, revocation, reissue, PIN unlock, re-enabling; each opens
// the application form with the business and the seal filled in.
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t, tv, fmtDate } from '../i18n.js';
import { call } from '../api.js';
import { Badge, Field, Message, PageTitle, Table, useLoad } from '../ui.js';

const RENEWAL_DAYS = 30;
const STATES = ['made', 'active', 'suspended', 'lost', 'revoked', 'expired'];

const DAY = 86400000;
// Which applications a seal in each state may have (the platform's rules, src/platform/apps.c check_target).
const ACTIONS = {
  renew: ['active', 'made'], change: ['active', 'made', 'suspended'], loss: ['active', 'made', 'suspended'],
  revoke: ['active', 'made', 'suspended', 'lost', 'expired'], reissue: ['lost'], 'pin-unlock': ['active', 'made'], reenable: ['suspended'],
};
const APPLIERS = ['applicant', 'unit-admin'];

// The renewal window of a seal, in a sentence: {key, vars, open} (open: a renewal can be filed now).
export function renewal(seal, now = Date.now()) {
  if (!seal.valid_end) return { key: 'renewal.noEnd', vars: {}, open: false };
  const end = new Date(seal.valid_end).getTime();
  const from = end - RENEWAL_DAYS * DAY;
  const vars = { end: fmtDate(seal.valid_end), from: fmtDate(new Date(from).toISOString()), days: RENEWAL_DAYS, n: Math.floor((end - now) / DAY) };
  if (now >= end) return { key: 'renewal.expired', vars, open: false };
  if (now < from) return { key: 'renewal.notYet', vars, open: false };
  return { key: 'renewal.open', vars, open: true };
}

// The businesses a seal's row offers now.
export function sealActions(seal, now = Date.now()) {
  return Object.entries(ACTIONS).filter(([b, states]) => states.includes(seal.state) && (b !== 'renew' || renewal(seal, now).open)).map(([b]) => b);
}

function RowActions({ seal }) {
  const acts = sealActions(seal);
  const r = renewal(seal);
  return html`<ul class="row-actions">
    ${acts.map((b) => html`<li><a href=${`#/apply?business=${b}&esid=${seal.esid}`} aria-label=${t('seals.act', { what: t('business.' + b), esid: seal.esid })}>${t('business.' + b)}</a></li>`)}
    ${['active', 'made'].includes(seal.state) && !r.open && r.key === 'renewal.notYet' ? html`<li class="hint">${t('seals.renewFrom', r.vars)}</li>` : ''}
  </ul>`;
}

export function expiry(seal, now = Date.now()) {
  if (!seal.valid_end) return { tone: 'grey', key: 'seals.noEnd' };
  const days = Math.floor((new Date(seal.valid_end).getTime() - now) / 86400000);
  if (days < 0) return { tone: 'red', key: 'seals.expired', days: -days };
  if (days <= RENEWAL_DAYS) return { tone: 'amber', key: 'seals.renew', days };
  return { tone: 'green', key: 'seals.valid', days };
}

export function Seals({ session }) {
  const applies = !!session && session.roles.some((r) => APPLIERS.includes(r));
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
      ...(applies ? [{ label: t('col.actions'), render: (s) => html`<${RowActions} seal=${s} />` }] : []),
    ]} />` : ''}
    ${applies ? html`<p class="hint">${t('seals.renewRule', { days: RENEWAL_DAYS })}</p>` : ''}
  </section>`;
}
