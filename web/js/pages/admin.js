// SPDX-License-Identifier: AGPL-3.0-or-later
// The system administrator's pages: regions (GB/T 2260, GET/POST
// /api/v1/regions), and operations: the trust list (GET /api/v1/trust), the
// filings outbox (GET /api/v1/outbox), a sealed backup (POST /api/v1/backups)
// and the scheduled jobs run now (POST /api/v1/jobs/run).
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t, tv, fmtTime } from '../i18n.js';
import { call } from '../api.js';
import { Badge, Field, Message, PageTitle, Pager, RunOnce, Table, useLoad } from '../ui.js';
import { checkRequired } from '../ids.js';

// A GB/T 2260 code: six digits, province ..0000, city ..00 (the server checks the parent exists).
export function checkRegionCode(code) {
  if (!/^\d{6}$/.test(code.trim())) return 'v.region';
  return undefined;
}

export function Regions() {
  const [regions, error, reload] = useLoad(() => call('GET', '/regions', { query: { limit: 500 } }), []);
  const [form, setForm] = useState({ code: '', name: '' });
  const [touched, setTouched] = useState({});
  const [sendError, setSendError] = useState(null);
  const [done, setDone] = useState('');
  const set = (k) => (v) => {
    setForm((f) => ({ ...f, [k]: v }));
    setTouched((x) => ({ ...x, [k]: true }));
  };
  const errors = { code: checkRegionCode(form.code), name: checkRequired(form.name) };
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
    setDone('');
    try {
      const body = { code: form.code.trim(), name: form.name.trim() };
      await call('POST', '/regions', { body });
      setDone(t('regions.added', body));
      setForm({ code: '', name: '' });
      setTouched({});
      reload();
    } catch (err) {
      setSendError(err);
    }
  };
  const rows = regions ? [...regions.items].sort((a, b) => a.code.localeCompare(b.code)) : [];
  return html`<section>
    <${PageTitle}>${t('regions.title')}<//>
    <p>${t('regions.intro')}</p>
    <${Message} error=${error} />
    ${regions ? html`<${Table} caption=${t('regions.caption', { n: rows.length })} rows=${rows} columns=${[
      { label: t('regions.code'), render: (r) => html`<code>${r.code}</code>` },
      { label: t('regions.name'), key: 'name' },
      { label: t('regions.level'), render: (r) => tv('level', String(r.level)) },
      { label: t('regions.parent'), render: (r) => r.parent || '—' },
    ]} />` : ''}
    <h2>${t('regions.new')}</h2>
    ${done ? html`<${Message} kind="ok">${done}<//>` : ''}
    <${Message} error=${sendError} />
    <form onSubmit=${submit} novalidate class="form-grid">
      <${Field} label=${t('regions.code')} name="code" value=${form.code} onInput=${set('code')} error=${shown('code')} hint=${t('regions.code.hint')} inputmode="numeric" required />
      <${Field} label=${t('regions.name')} name="name" value=${form.name} onInput=${set('name')} error=${shown('name')} required />
      <div class="actions"><button type="submit" class="primary">${t('regions.submit')}</button></div>
    </form>
  </section>`;
}

const OUTBOX_STATES = ['pending', 'sent'];

export function Operations() {
  const [trust, trustError] = useLoad(() => call('GET', '/trust'), []);
  const [state, setState] = useState('');
  const [after, setAfter] = useState([]);
  const [outbox, outboxError, reloadOutbox] = useLoad(() => call('GET', '/outbox', { query: { state, limit: 50, after: after[after.length - 1] } }), [state, after.length]);
  return html`<section>
    <${PageTitle}>${t('ops.title')}<//>
    <p>${t('ops.intro')}</p>

    <h2>${t('ops.jobs')}</h2>
    <p>${t('ops.jobs.intro')}</p>
    <${RunOnce} label=${t('ops.jobs.run')} busyLabel=${t('ops.running')} run=${async () => { const r = await call('POST', '/jobs/run'); reloadOutbox(); return r; }}
      show=${(r) => html`<${Message} kind="ok">${t('ops.jobs.done', r)}<//>`} />

    <h2>${t('ops.backup')}</h2>
    <p>${t('ops.backup.intro')}</p>
    <${RunOnce} label=${t('ops.backup.run')} busyLabel=${t('ops.running')} run=${() => call('POST', '/backups')}
      show=${(b) => html`<${Message} kind="ok">${t('ops.backup.done', { bytes: b.bytes.toLocaleString() })} <code>${b.folder}/${b.file}</code><//>`} />

    <h2>${t('ops.outbox')}</h2>
    <p>${t('ops.outbox.intro')}</p>
    <div class="filters">
      <${Field} as="select" label=${t('filter.state')} name="outbox_state" value=${state} onInput=${(v) => { setState(v); setAfter([]); }}>
        <option value="">${t('filter.all')}</option>
        ${OUTBOX_STATES.map((s) => html`<option value=${s}>${tv('outbox', s)}</option>`)}
      <//>
    </div>
    <${Message} error=${outboxError} />
    ${outbox ? html`<${Table} caption=${t('ops.outbox')} rows=${outbox.items} empty=${t('ops.outbox.empty')} columns=${[
      { label: t('col.id'), key: 'id' },
      { label: t('ops.target'), render: (o) => tv('target', o.target) },
      { label: t('col.esid'), render: (o) => o.esid || '—' },
      { label: t('audit.event'), key: 'event' },
      { label: t('col.state'), render: (o) => html`<${Badge} family="outbox" value=${o.state} tone=${{ sent: 'green', pending: 'amber' }[o.state]} />` },
      { label: t('ops.attempts'), render: (o) => String(o.attempts ?? 0) },
      { label: t('ops.when'), render: (o) => (o.sent_at ? fmtTime(o.sent_at) : o.next_at ? t('ops.next', { at: fmtTime(o.next_at) }) : '—') },
      { label: t('ops.lastError'), render: (o) => o.last_error || '' },
    ]} />
    <${Pager} after=${after} setAfter=${setAfter} next=${outbox.next} />` : ''}

    <h2>${t('ops.trust')}</h2>
    <p>${t('ops.trust.intro')}</p>
    <${Message} error=${trustError} />
    ${trust ? html`<${Table} caption=${t('ops.trust')} rows=${trust.certificates} columns=${[
      { label: t('ops.role'), render: (c) => tv('certRole', c.role) },
      { label: t('ops.subject'), key: 'subject' },
      { label: t('ops.serial'), render: (c) => html`<code>${c.serial}</code>` },
      { label: t('ops.validity'), render: (c) => `${fmtTime(c.not_before)} – ${fmtTime(c.not_after)}` },
      { label: 'SM3', render: (c) => html`<code class="hash">${c.sm3}</code>` },
    ]} />
    ${trust.crl ? html`<p>${t('ops.crl', { issuer: trust.crl.issuer, this: fmtTime(trust.crl.this_update), next: fmtTime(trust.crl.next_update) })}</p>` : ''}` : ''}
  </section>`;
}
