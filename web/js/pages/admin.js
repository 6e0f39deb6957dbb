// SPDX-License-Identifier: AGPL-3.0-or-later
// The system administrator's pages: regions (GB/T 2260, GET/POST
// /api/v1/regions), and operations: the trust list (GET /api/v1/trust), the
// filings outbox (GET /api/v1/outbox), a sealed backup (POST /api/v1/backups),
// the scheduled jobs run now (POST /api/v1/jobs/run) and the peers (/api/v1/peers).
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t, tv, fmtTime } from '../i18n.js';
import { call, responseError } from '../api.js';
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

    <${Peers} />
  </section>`;
}

// The peers (docs/peering.md): other seal platforms whose seals are filed here and trusted.
// GET /api/v1/peers lists them; an administrator registers one from its GET /api/v1/trust
// document (or its maker certificate and anchors in PEM), removes one after a confirmation,
// fetches its signed status list now, and reads the seals it filed (GET /api/v1/peer-seals).
export function checkPeer(form) {
  const errors = { name: checkRequired(form.name) };
  if (form.how === 'trust') {
    let doc;
    try {
      doc = JSON.parse(form.trust);
    } catch {
      doc = null;
    }
    if (!form.trust.trim()) errors.trust = 'v.required';
    else if (!doc || typeof doc !== 'object' || !Array.isArray(doc.certificates)) errors.trust = 'peers.v.trust';
  } else {
    if (!/-----BEGIN CERTIFICATE-----/.test(form.maker)) errors.maker = 'peers.v.pem';
    if (!/-----BEGIN CERTIFICATE-----/.test(form.anchors)) errors.anchors = 'peers.v.pem';
  }
  const url = form.status_url.trim();
  if (url && (!/^https?:\/\/\S+$/.test(url) || url.length > 512)) errors.status_url = 'peers.v.url';
  if (form.api_key.trim() && !/^[1-9]\d*$/.test(form.api_key.trim())) errors.api_key = 'peers.v.key';
  return errors;
}

const pemBlocks = (text) => text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) || [];

export function peerBody(form) {
  const body = { name: form.name.trim() };
  if (form.how === 'trust') body.trust = JSON.parse(form.trust);
  else {
    body.maker = pemBlocks(form.maker)[0];
    body.anchors = pemBlocks(form.anchors);
  }
  if (form.status_url.trim()) body.status_url = form.status_url.trim();
  if (form.api_key.trim()) body.api_key = Number(form.api_key.trim());
  return body;
}

const EMPTY_PEER = { name: '', how: 'trust', trust: '', maker: '', anchors: '', status_url: '', api_key: '' };

export function Peers() {
  // a page of up to 500 peers (a province registers a few dozen); more pages with the pager
  const [after, setAfter] = useState([]);
  const [peers, error, reload] = useLoad(() => call('GET', '/peers', { query: { limit: 500, after: after[after.length - 1] } }), [after.length]);
  const [form, setForm] = useState(EMPTY_PEER);
  const [touched, setTouched] = useState({});
  const [sendError, setSendError] = useState(null);
  const [done, setDone] = useState('');
  const [confirming, setConfirming] = useState(null);
  const [fetched, setFetched] = useState(null); // {peer, error?}
  const [shown, setShown] = useState(null); // the peer whose seals are listed
  const set = (k) => (v) => {
    setForm((f) => ({ ...f, [k]: v }));
    setTouched((x) => ({ ...x, [k]: true }));
  };
  const errors = checkPeer(form);
  const err = (k) => (touched[k] || touched.__all ? errors[k] || undefined : undefined);
  const submit = async (e) => {
    e.preventDefault();
    setTouched({ __all: true });
    const bad = Object.entries(errors).find(([, v]) => v);
    if (bad) {
      document.querySelector(`[name="peer_${bad[0]}"]`)?.focus();
      return;
    }
    setSendError(null);
    setDone('');
    try {
      const r = await call('POST', '/peers', { body: peerBody(form) });
      setDone(t('peers.added', { name: form.name.trim(), id: r.id }));
      setForm(EMPTY_PEER);
      setTouched({});
      reload();
    } catch (x) {
      setSendError(x);
    }
  };
  const remove = async (p) => {
    setSendError(null);
    setDone('');
    try {
      await call('DELETE', '/peers/' + p.id);
      setDone(t('peers.removed', { name: p.name }));
      setConfirming(null);
      if (shown?.id === p.id) setShown(null);
      reload();
    } catch (x) {
      setSendError(x);
    }
  };
  // 200: fetched; 502: the fetch failed and the peer's last_error says why (the answer is the peer)
  const fetchNow = async (p) => {
    setFetched({ peer: p, busy: true });
    try {
      const res = await call('POST', `/peers/${p.id}/fetch`, { as: 'response' });
      if (res.ok) setFetched({ peer: await res.json() });
      else if (res.status === 502) {
        const peer = await res.json();
        setFetched({ peer, failed: peer.status_list?.last_error || '' });
      } else setFetched({ peer: p, error: await responseError(res) });
    } catch (x) {
      setFetched({ peer: p, error: x });
    }
    reload();
  };
  // the active first, then the removed (kept for the record)
  const list = peers ? [...peers.items].sort((a, b) => (a.state === 'active' ? 0 : 1) - (b.state === 'active' ? 0 : 1) || a.id - b.id) : [];
  return html`<div class="peers">
    <h2>${t('peers.title')}</h2>
    <p>${t('peers.intro')}</p>
    <${Message} error=${error} />
    ${peers ? html`<${Table} caption=${t('peers.caption', { n: list.filter((p) => p.state === 'active').length })} rows=${list} empty=${t('peers.empty')} columns=${[
      { label: t('col.id'), key: 'id' },
      { label: t('peers.name'), key: 'name' },
      { label: t('peers.maker'), render: (p) => p.maker },
      { label: t('peers.statusUrl'), render: (p) => (p.status_url ? html`<code>${p.status_url}</code>` : t('peers.noUrl')) },
      { label: t('peers.lastSuccess'), render: (p) => fmtTime(p.status_list?.last_success) },
      { label: t('peers.lastError'), render: (p) => (p.status_list?.last_error ? html`<span class="error">${p.status_list.last_error}</span>` : '—') },
      { label: t('peers.seals'), render: (p) => String(p.seals ?? 0) },
      { label: t('col.state'), render: (p) => html`<${Badge} family="peerState" value=${p.state} tone=${{ active: 'green', removed: 'grey' }[p.state]} />` },
      { label: t('col.actions'), render: (p) => p.state !== 'active' ? html`<button type="button" onClick=${() => setShown(p)}>${t('peers.showSeals')}</button>` : confirming === p.id ? html`<div class="confirm" role="group" aria-label=${t('peers.confirm', { name: p.name })}>
          <p>${t('peers.confirm', { name: p.name })}</p>
          <button type="button" class="danger" onClick=${() => remove(p)}>${t('peers.removeYes')}</button>
          <button type="button" onClick=${() => setConfirming(null)}>${t('peers.keep')}</button>
        </div>` : html`<div class="row-buttons">
          <button type="button" disabled=${!p.status_url || fetched?.busy} onClick=${() => fetchNow(p)}>${t('peers.fetch')}</button>
          <button type="button" onClick=${() => setShown(p)}>${t('peers.showSeals')}</button>
          <button type="button" class="danger" onClick=${() => setConfirming(p.id)}>${t('peers.remove')}</button>
        </div>` },
    ]} />
    ${peers.next || after.length ? html`<${Pager} after=${after} setAfter=${setAfter} next=${peers.next} />` : ''}` : ''}
    ${fetched?.busy ? html`<p class="hint" role="status">${t('peers.fetching', { name: fetched.peer.name })}</p>` : ''}
    ${fetched && !fetched.busy ? (fetched.error ? html`<${Message} error=${fetched.error} />`
      : fetched.failed !== undefined ? html`<div class="msg msg-error" role="alert"><strong>${t('peers.fetchFailed', { name: fetched.peer.name })}</strong>
          <span class="detail">${fetched.failed}</span></div>`
      : html`<${Message} kind="ok">${t('peers.fetched', { name: fetched.peer.name, at: fmtTime(fetched.peer.status_list?.last_success),
          generated: fmtTime(fetched.peer.status_list?.generated) })}<//>`) : ''}
    ${done ? html`<${Message} kind="ok">${done}<//>` : ''}
    <${Message} error=${sendError} />
    ${shown ? html`<${PeerSeals} peer=${shown} key=${shown.id} />` : ''}
    <h3>${t('peers.new')}</h3>
    <form onSubmit=${submit} novalidate class="form-grid">
      <${Field} label=${t('peers.name')} name="peer_name" value=${form.name} onInput=${set('name')} error=${err('name')} required />
      <${Field} as="select" label=${t('peers.how')} name="peer_how" value=${form.how} onInput=${set('how')}>
        <option value="trust">${t('peers.how.trust')}</option>
        <option value="pem">${t('peers.how.pem')}</option>
      <//>
      ${form.how === 'trust'
        ? html`<${Field} as="textarea" label=${t('peers.trust')} name="peer_trust" value=${form.trust} onInput=${set('trust')} error=${err('trust')} hint=${t('peers.trust.hint')} required />`
        : html`<${Field} as="textarea" label=${t('peers.makerPem')} name="peer_maker" value=${form.maker} onInput=${set('maker')} error=${err('maker')} required />
          <${Field} as="textarea" label=${t('peers.anchors')} name="peer_anchors" value=${form.anchors} onInput=${set('anchors')} error=${err('anchors')} hint=${t('peers.anchors.hint')} required />`}
      <${Field} label=${t('peers.statusUrl')} name="peer_status_url" value=${form.status_url} onInput=${set('status_url')} error=${err('status_url')} hint=${t('peers.statusUrl.hint')} inputmode="url" />
      <${Field} label=${t('peers.apiKey')} name="peer_api_key" value=${form.api_key} onInput=${set('api_key')} error=${err('api_key')} hint=${t('peers.apiKey.hint')} inputmode="numeric" />
      <div class="actions"><button type="submit" class="primary">${t('peers.submit')}</button></div>
    </form>
  </div>`;
}

function PeerSeals({ peer }) {
  const [after, setAfter] = useState([]);
  const [seals, error] = useLoad(() => call('GET', '/peer-seals', { query: { peer: peer.id, limit: 50, after: after[after.length - 1] } }), [peer.id, after.length]);
  return html`<div class="card peer-seals">
    <h3>${t('peers.sealsOf', { name: peer.name })}</h3>
    <${Message} error=${error} />
    ${seals ? html`<${Table} caption=${t('peers.sealsOf', { name: peer.name })} rows=${seals.items} empty=${t('peers.noSeals')} columns=${[
      { label: t('col.esid'), render: (s) => html`<code>${s.esid}</code>` },
      { label: t('col.sealName'), key: 'name' },
      { label: t('col.state'), render: (s) => html`<${Badge} family="state" value=${s.state} />` },
      { label: t('peers.since'), render: (s) => fmtTime(s.since) },
      { label: t('peers.source'), render: (s) => tv('peerSource', s.source) },
      { label: t('col.validEnd'), render: (s) => fmtTime(s.valid_end) },
    ]} />
    ${seals.next || after.length ? html`<${Pager} after=${after} setAfter=${setAfter} next=${seals.next} />` : ''}` : ''}
  </div>`;
}
