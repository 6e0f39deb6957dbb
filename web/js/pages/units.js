// SPDX-License-Identifier: AGPL-3.0-or-later
// Units: the registered units, and registering one (POST /api/v1/units) with
// its unified social credit code checked as it is typed (GB 32100).
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t, fmtTime } from '../i18n.js';
import { call } from '../api.js';
import { Field, Message, PageTitle, Table, useLoad } from '../ui.js';
import { checkCreditCode, checkRequired } from '../ids.js';

export function Units() {
  const [units, error, reload] = useLoad(() => call('GET', '/units', { query: { limit: 500 } }), []);
  const [regions] = useLoad(() => call('GET', '/regions', { query: { limit: 500 } }), []);
  const [form, setForm] = useState({ name: '', credit_code: '', region: '', legal_rep: '' });
  const [touched, setTouched] = useState({});
  const [sendError, setSendError] = useState(null);
  const [done, setDone] = useState('');
  const set = (k) => (v) => {
    setForm((f) => ({ ...f, [k]: k === 'credit_code' ? v.toUpperCase() : v }));
    setTouched((x) => ({ ...x, [k]: true }));
  };
  const errors = { name: checkRequired(form.name), credit_code: checkCreditCode(form.credit_code), region: checkRequired(form.region) };
  const shown = (k) => (touched[k] || touched.__all ? errors[k] || undefined : undefined);
  const submit = async (e) => {
    e.preventDefault();
    setTouched({ __all: true });
    const bad = Object.entries(errors).find(([, v]) => v);
    if (bad) {
      document.querySelector(`[name="${bad[0]}"]`)?.focus();
      return;
    }
    setSendError(null);
    try {
      const body = { name: form.name.trim(), credit_code: form.credit_code.trim(), region: form.region };
      if (form.legal_rep.trim()) body.legal_rep = form.legal_rep.trim();
      const { id } = await call('POST', '/units', { body });
      setDone(t('units.added', { name: body.name, id }));
      setForm({ name: '', credit_code: '', region: '', legal_rep: '' });
      setTouched({});
      reload();
    } catch (err) {
      setSendError(err);
    }
  };
  return html`<section>
    <${PageTitle}>${t('units.title')}<//>
    <${Message} error=${error} />
    ${units ? html`<${Table} caption=${t('units.caption', { n: units.items.length })} rows=${units.items} columns=${[
      { label: t('col.id'), key: 'id' },
      { label: t('units.name'), key: 'name' },
      { label: t('units.creditCode'), render: (u) => html`<code>${u.credit_code}</code>` },
      { label: t('units.region'), key: 'region' },
      { label: t('col.created'), render: (u) => fmtTime(u.created_at) },
    ]} />` : ''}
    <h2>${t('units.new')}</h2>
    ${done ? html`<${Message} kind="ok">${done}<//>` : ''}
    <${Message} error=${sendError} />
    <form onSubmit=${submit} novalidate class="form-grid">
      <${Field} label=${t('units.name')} name="name" value=${form.name} onInput=${set('name')} error=${shown('name')} required />
      <${Field} label=${t('units.creditCode')} name="credit_code" value=${form.credit_code} onInput=${set('credit_code')} error=${shown('credit_code')} hint=${t('units.creditCode.hint')} required />
      <${Field} as="select" label=${t('units.region')} name="region" value=${form.region} onInput=${set('region')} error=${shown('region')} required>
        <option value="">${t('apply.choose')}</option>
        ${(regions?.items || []).map((r) => html`<option value=${r.code}>${r.name} (${r.code})</option>`)}
      <//>
      <${Field} label=${t('units.legalRep')} name="legal_rep" value=${form.legal_rep} onInput=${set('legal_rep')} />
      <div class="actions"><button type="submit" class="primary">${t('units.submit')}</button></div>
    </form>
  </section>`;
}
