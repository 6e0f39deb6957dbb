// SPDX-License-Identifier: AGPL-3.0-or-later
// Applications: the unit's list with states, and one application with its
// form, impression, history and the actions the caller's roles and its state
// allow (submit or resubmit, check, approve or reject with a reason, make,
// file, deliver, confirm the impression).
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t, tv, fmtTime } from '../i18n.js';
import { call } from '../api.js';
import { Badge, Field, Message, PageTitle, Table, useLoad } from '../ui.js';

const STATES = ['draft', 'submitted', 'checked', 'approved', 'rejected', 'made', 'filed', 'delivered'];

export function Applications() {
  const [state, setState] = useState('');
  const [list, error] = useLoad(() => call('GET', '/applications', { query: { state, limit: 200 } }), [state]);
  const rows = list ? [...list.items].reverse() : [];
  return html`<section>
    <${PageTitle}>${t('apps.title')}<//>
    <p>${t('apps.intro')} <a href="#/apply">${t('nav.apply')}</a></p>
    <div class="filters">
      <${Field} as="select" label=${t('filter.state')} name="state" value=${state} onInput=${setState}>
        <option value="">${t('filter.all')}</option>
        ${STATES.map((s) => html`<option value=${s}>${tv('state', s)}</option>`)}
      <//>
    </div>
    <${Message} error=${error} />
    ${list ? html`<${Table} caption=${t('apps.caption', { n: rows.length })} rows=${rows} columns=${[
      { label: t('col.id'), render: (a) => html`<a href=${'#/applications/' + a.id}>${t('apps.number', { id: a.id })}</a>` },
      { label: t('col.sealName'), key: 'seal_name' },
      { label: t('col.business'), render: (a) => tv('business', a.business) },
      { label: t('col.state'), render: (a) => html`<${Badge} family="state" value=${a.state} />` },
      { label: t('col.updated'), render: (a) => fmtTime(a.updated_at) },
      { label: t('col.note'), render: (a) => (a.state === 'rejected' ? a.review_reason : a.state === 'delivered' ? t('apps.confirmHint') : '') },
    ]} />` : ''}
  </section>`;
}

// What each role may do at each state: [action, label key, needs a reason].
const STEPS = {
  submitted: [['check', 'act.check', ['maker']]],
  approved: [['make', 'act.make', ['maker']]],
  made: [['file', 'act.file', ['maker']]],
  filed: [['deliver', 'act.deliver', ['maker']]],
  draft: [['submit', 'act.submit', ['applicant', 'unit-admin']]],
  rejected: [['submit', 'act.resubmit', ['applicant', 'unit-admin']]], // as filed; or corrected first (#/applications/ID/edit)
};

export function ApplicationDetail({ id, session }) {
  const [app, error, reload] = useLoad(() => call('GET', '/applications/' + id), [id]);
  const [seal, , reloadSeal] = useLoad(() => (app && app.result_esid ? call('GET', '/seals/' + app.result_esid) : Promise.resolve(null)), [app && app.result_esid]);
  const [actError, setActError] = useState(null);
  const [done, setDone] = useState('');
  const [reason, setReason] = useState('');
  const [reasonErr, setReasonErr] = useState(undefined);
  const has = (roles) => roles.some((r) => session.roles.includes(r));

  const act = async (path, body, what) => {
    setActError(null);
    setDone('');
    try {
      await call('POST', path, body ? { body } : {});
      setDone(t('act.done', { what }));
      setReason('');
      reload();
      reloadSeal();
    } catch (err) {
      setActError(err);
    }
  };
  const review = (approve) => {
    if (!approve && !reason.trim()) {
      setReasonErr('v.reason');
      document.querySelector('[name="review_reason"]')?.focus();
      return;
    }
    setReasonErr(undefined);
    act(`/applications/${id}/review`, approve ? { approve: true, ...(reason.trim() ? { reason: reason.trim() } : {}) } : { approve: false, reason: reason.trim() },
      t(approve ? 'act.approve' : 'act.reject'));
  };

  if (error) return html`<section><${PageTitle}>${t('apps.one', { id })}<//><${Message} error=${error} /></section>`;
  if (!app) return html`<p class="loading" role="status">${t('app.loading')}</p>`;
  const steps = (STEPS[app.state] || []).filter(([, , roles]) => has(roles));
  const canReview = app.state === 'checked' && has(['reviewer']);
  const canConfirm = app.state === 'delivered' && seal && !seal.confirmed && has(['applicant', 'unit-admin']);
  const canEdit = (app.state === 'draft' || app.state === 'rejected') && app.applicant === session.account;
  const row = (k, v) => html`<div><dt>${t(k)}</dt><dd>${v ?? '—'}</dd></div>`;
  return html`<section>
    <${PageTitle}>${t('apps.one', { id: app.id })} · ${app.seal_name}<//>
    <p><${Badge} family="state" value=${app.state} /> ${tv('business', app.business)} · ${app.unit_name}</p>
    ${app.state === 'rejected' ? html`<div class="msg msg-error" role="alert"><strong>${t('apps.rejected')}</strong> ${app.review_reason}
      ${canEdit ? html`<p>${t('apps.correct')}</p>` : ''}</div>` : ''}
    ${done ? html`<${Message} kind="ok">${done}<//>` : ''}
    <${Message} error=${actError} />
    <div class="cols">
      <dl class="facts">
        ${row('apply.kind', tv('kind', app.seal_kind))}
        ${app.seal_function ? row('apply.function', tv('function', app.seal_function)) : ''}
        ${row('apply.sealName', app.seal_name)}
        ${row('apply.size', t('apply.size.value', { w: app.width_mm, h: app.height_mm }))}
        ${row('apply.handlerName', app.handler_name)}
        ${row('apply.mobile', app.handler_mobile)}
        ${row('apply.idNumber', app.handler_id)}
        ${app.target_esid ? row('apply.target', app.target_esid) : ''}
        ${app.reason ? row('apply.reason', app.reason) : ''}
        ${app.result_esid ? row('apps.esid', html`<a href=${'#/status?esid=' + app.result_esid}>${app.result_esid}</a>`) : ''}
        ${seal ? row('apps.sealState', html`<${Badge} family="state" value=${seal.state} />`) : ''}
      </dl>
      <figure class="impression">
        <img src=${'/api/v1/applications/' + app.id + '/impression'} alt=${t('apps.impression.alt', { name: app.seal_name })} width="168" height="168" />
        <figcaption>${t(app.result_esid ? 'apps.impression' : 'apps.impression.preview')}</figcaption>
      </figure>
    </div>
    ${steps.length || canReview || canConfirm || canEdit ? html`<div class="actions" role="group" aria-label=${t('act.label')}>
      ${canEdit ? html`<a class="button primary" href=${'#/applications/' + app.id + '/edit'}>${t(app.state === 'rejected' ? 'act.correct' : 'act.edit')}</a>` : ''}
      ${steps.map(([a, label]) => html`<button type="button" class=${canEdit ? '' : 'primary'} onClick=${() => act(`/applications/${id}/${a}`, null, t(label))}>${t(label)}</button>`)}
      ${canConfirm ? html`<p>${t('apps.confirmHint')}</p><button type="button" class="primary" onClick=${() => act(`/seals/${app.result_esid}/confirm`, null, t('act.confirm'))}>${t('act.confirm')}</button>` : ''}
    </div>` : ''}
    ${canReview ? html`<div class="review">
      <${Field} as="textarea" label=${t('act.reason')} name="review_reason" value=${reason} onInput=${setReason} error=${reasonErr} hint=${t('act.reason.hint')} />
      <div class="actions">
        <button type="button" class="primary" onClick=${() => review(true)}>${t('act.approve')}</button>
        <button type="button" class="danger" onClick=${() => review(false)}>${t('act.reject')}</button>
      </div>
    </div>` : ''}
    <h2>${t('apps.history')}</h2>
    <${Table} caption=${t('apps.history')} rows=${app.history || []} columns=${[
      { label: t('col.at'), render: (h) => fmtTime(h.at) },
      { label: t('col.from'), render: (h) => tv('state', h.from) },
      { label: t('col.to'), render: (h) => tv('state', h.to) },
      { label: t('col.actor'), key: 'actor' },
      { label: t('col.reason'), render: (h) => h.reason || '' },
    ]} />
  </section>`;
}
