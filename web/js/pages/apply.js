// SPDX-License-Identifier: AGPL-3.0-or-later
// The application form of the Fujian guide (POST /api/v1/applications, then
// /submit), with live checks of every field as it is typed; the same form
// prefilled corrects a draft or a sent-back application (PATCH, then /submit).
import { html, useState, useEffect } from '/vendor/htm/preact/standalone.mjs';
import { t, tv } from '../i18n.js';
import { call, responseError } from '../api.js';
import { Badge, Field, Message, PageTitle, go, useLoad } from '../ui.js';
import { checkMobile, checkResidentId, checkSizeMm, checkRequired } from '../ids.js';
import { FileField } from './use.js';
import { renewal } from './seals.js';

const KINDS = ['official', 'special', 'position', 'personal'];
const FUNCTIONS = ['contract', 'finance', 'invoice', 'certificate', 'letter', 'audit', 'customs'];
const BUSINESSES = ['apply', 'renew', 'change', 'revoke', 'loss', 'reissue', 'pin-unlock', 'reenable'];

const CHECKS = {
  seal_name: checkRequired,
  width_mm: checkSizeMm,
  height_mm: checkSizeMm,
  handler_name: checkRequired,
  handler_mobile: checkMobile,
  handler_id: checkResidentId,
};

export function blankForm(session) {
  return {
    business: 'apply', seal_kind: 'official', seal_function: 'contract', seal_name: '', width_mm: '42', height_mm: '42',
    handler_name: '', handler_mobile: '', handler_id: '', target_esid: '', reason: '', unit_id: session.unit_id ?? '',
  };
}

const NEEDS_REASON = ['change', 'revoke', 'loss']; // the platform refuses these without the reason

// #/apply, or #/apply?business=renew&esid=… from a seal's row: the form with the
// business and the seal filled in (its name, kind and size as made), the seal
// beside it and what the business does, for a renewal its window in words.
export function Apply({ session, route }) {
  const business = route?.query.get('business') || '';
  const esid = route?.query.get('esid') || '';
  const [target, error] = useLoad(async () => {
    if (!esid) return null;
    const seal = await call('GET', '/seals/' + esid);
    const app = seal.app_id ? await call('GET', '/applications/' + seal.app_id).catch(() => null) : null;
    return { seal, app };
  }, [esid]);
  if (esid && error) return html`<section><${PageTitle}>${t('apply.title')}<//><${Message} error=${error} />
    <p><a href="#/seals">${t('apply.backToSeals')}</a></p></section>`;
  if (esid && !target) return html`<p class="loading" role="status">${t('app.loading')}</p>`;
  let preset;
  if (target) {
    const { seal, app } = target;
    preset = {
      business: BUSINESSES.includes(business) ? business : 'change', target_esid: seal.esid, seal_name: seal.name || '',
      seal_kind: seal.kind || 'official', seal_function: seal.function || 'contract', unit_id: String(seal.unit_id),
      width_mm: String(app?.width_mm || 42), height_mm: String(app?.height_mm || 42),
    };
  }
  return html`<${ApplicationForm} key=${business + esid} session=${session} preset=${preset} seal=${target?.seal} />`;
}

// The seal an application is about, and what the business does to it (a renewal: its window).
function SealTarget({ seal, business }) {
  const r = renewal(seal);
  return html`<div class=${'msg ' + (business === 'renew' && !r.open ? 'msg-warn' : 'msg-info')} role="status">
    <p><strong>${t('apply.about.seal', { name: seal.name, esid: seal.esid })}</strong> <${Badge} family="state" value=${seal.state} /></p>
    ${business === 'renew' ? html`<p>${t(r.key, r.vars)}</p>` : ''}
    ${business && business !== 'apply' ? html`<p>${t('apply.about.' + business)}</p>` : ''}
  </div>`;
}

// #/applications/ID/edit: the filer corrects a draft or a sent-back application
// (PATCH /api/v1/applications/ID with the fields that changed), then submits it again.
export function ApplyEdit({ id, session }) {
  const [app, error] = useLoad(() => call('GET', '/applications/' + id), [id]);
  const title = html`<${PageTitle}>${t('edit.title', { id })}<//>`;
  if (error) return html`<section>${title}<${Message} error=${error} /><p><a href=${'#/applications/' + id}>${t('edit.back')}</a></p></section>`;
  if (!app) return html`<p class="loading" role="status">${t('app.loading')}</p>`;
  const why = app.applicant !== session.account ? 'edit.notFiler' : !EDITABLE.includes(app.state) ? 'edit.notEditable' : '';
  if (why) return html`<section>${title}<${Message} kind="error">${t(why, { state: tv('state', app.state) })}<//>
    <p><a href=${'#/applications/' + id}>${t('edit.back')}</a></p></section>`;
  return html`<${ApplicationForm} session=${session} app=${app} />`;
}

const EDITABLE = ['draft', 'rejected'];

function formOf(app) {
  return {
    business: app.business, seal_kind: app.seal_kind, seal_function: app.seal_function || 'contract', seal_name: app.seal_name,
    width_mm: String(app.width_mm), height_mm: String(app.height_mm), handler_name: app.handler_name || '',
    handler_mobile: '', handler_id: '', target_esid: app.target_esid || '', reason: app.reason || '', unit_id: app.unit_id,
  };
}

// The fields of an edit that differ from the application as filed (mobile and ID: when typed).
function changes(form, app) {
  const body = {};
  const text = { seal_name: form.seal_name.trim(), handler_name: form.handler_name.trim(), reason: form.reason.trim() };
  for (const [k, v] of Object.entries(text)) if (v !== (app[k] || '')) body[k] = v;
  if (form.seal_kind !== app.seal_kind) body.seal_kind = form.seal_kind;
  if (form.seal_kind === 'special' && form.seal_function !== app.seal_function) body.seal_function = form.seal_function;
  for (const k of ['width_mm', 'height_mm']) if (Number(form[k]) !== app[k]) body[k] = Number(form[k]);
  if (form.business !== 'apply' && form.target_esid.trim() !== (app.target_esid || '')) body.target_esid = form.target_esid.trim();
  if (form.handler_mobile.trim()) body.handler_mobile = form.handler_mobile.trim();
  if (form.handler_id.trim()) body.handler_id = form.handler_id.trim().toUpperCase();
  return body;
}

const MAX_IMPRESSION = 4 << 20; // ES_PLAT_MAX_IMPRESSION
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

// An impression picture chosen on this computer: {name, bytes, url} or {error}; checked here
// (PNG signature, size), again by the browser (it must draw), and by the server.
async function readImpression(file) {
  if (file.size > MAX_IMPRESSION) return { error: 'v.pngSize' };
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.length < 8 || PNG_MAGIC.some((b, i) => bytes[i] !== b)) return { error: 'v.png' };
  return { name: file.name, bytes, url: URL.createObjectURL(new Blob([bytes], { type: 'image/png' })) };
}

const MAX_SCAN = 16 << 20; // the body limit of POST /api/v1/impressions/extract

// The impression lifted from a scan by the server (POST /api/v1/impressions/extract, as `eseal
// image import` lifts it): {imp: the PNG to file, scan: {name, url, w, h, shape, dpi, assumed}}.
async function extractImpression(file) {
  if (file.size > MAX_SCAN) return { imp: { error: 'v.scanSize' } };
  const type = /\.jpe?g$/i.test(file.name) || file.type === 'image/jpeg' ? 'image/jpeg' : 'image/png';
  const res = await call('POST', '/impressions/extract', { raw: file, type, as: 'response' });
  if (!res.ok) throw await responseError(res);
  const [w, h] = (res.headers.get('X-Eseal-Impression-Mm') || '').split(' ').map(Number);
  const [dpi, src] = (res.headers.get('X-Eseal-Impression-Dpi') || '').split(' ');
  const bytes = new Uint8Array(await res.arrayBuffer());
  const name = file.name.replace(/\.[^.]*$/, '') + '-impression.png';
  return {
    imp: { name, bytes, url: URL.createObjectURL(new Blob([bytes], { type: 'image/png' })) },
    scan: { name: file.name, url: URL.createObjectURL(file), w, h, shape: res.headers.get('X-Eseal-Impression-Shape'), dpi, assumed: src === 'assumed' },
  };
}

// What the standard impression is drawn from: the unit, kind, function, name and size.
const drawnFrom = (f) => JSON.stringify([f.unit_id, f.seal_kind, f.seal_kind === 'special' ? f.seal_function : '', f.seal_name.trim(), f.width_mm, f.height_mm]);

// The body of a create or an edit: JSON, or multipart with the JSON as 'form' and the impression.
function withImpression(body, imp) {
  if (!imp || !imp.bytes) return { body };
  const form = new FormData();
  form.append('form', JSON.stringify(body));
  form.append('impression', new Blob([imp.bytes], { type: 'image/png' }), imp.name);
  return { raw: form };
}

function ApplicationForm({ session, app, preset, seal }) {
  const editing = !!app;
  const [form, setForm] = useState(() => (editing ? formOf(app) : { ...blankForm(session), ...preset }));
  const [touched, setTouched] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [imp, setImp] = useState(null);
  useEffect(() => () => imp?.url && URL.revokeObjectURL(imp.url), [imp]);
  const [scan, setScan] = useState(null); // the scan beside the impression lifted from it
  useEffect(() => () => scan?.url && URL.revokeObjectURL(scan.url), [scan]);
  const [scanError, setScanError] = useState(null);
  const [std, setStd] = useState(null); // the standard impression drawn by the server: {url, from} or {error}
  useEffect(() => () => std?.url && URL.revokeObjectURL(std.url), [std]);
  const [units] = useLoad(() => (editing ? Promise.resolve(null) : call('GET', '/units', { query: { limit: 500 } })), [editing]);
  const set = (k) => (v) => {
    setForm((f) => ({ ...f, [k]: v }));
    setTouched((x) => ({ ...x, [k]: true }));
  };
  const errors = {};
  for (const [k, f] of Object.entries(CHECKS)) errors[k] = f(form[k]);
  // a correction keeps the filed mobile and ID unless new ones are typed
  if (editing && !form.handler_mobile.trim()) errors.handler_mobile = undefined;
  if (editing && !form.handler_id.trim()) errors.handler_id = undefined;
  if (!form.unit_id) errors.unit_id = 'v.required';
  const needsTarget = form.business !== 'apply';
  if (needsTarget && !/^\d{14}$/.test(form.target_esid.trim())) errors.target_esid = 'v.esid';
  if (NEEDS_REASON.includes(form.business) && !form.reason.trim()) errors.reason = 'v.reasonFor';
  const shown = (k) => (touched[k] || touched.__all ? errors[k] || undefined : undefined);

  const send = async (e, submitToo = true) => {
    e.preventDefault();
    setTouched((x) => ({ ...x, __all: true }));
    const bad = Object.entries(errors).find(([, v]) => v);
    if (bad) {
      document.querySelector(`[name="${bad[0]}"]`)?.focus();
      return;
    }
    if (imp?.error) {
      document.querySelector('[name="impression"]')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      let id;
      if (editing) {
        id = app.id;
        await call('PATCH', '/applications/' + id, withImpression(changes(form, app), imp));
      } else {
        const body = {
          unit_id: Number(form.unit_id), business: form.business, seal_kind: form.seal_kind, seal_name: form.seal_name.trim(),
          width_mm: Number(form.width_mm), height_mm: Number(form.height_mm), handler_name: form.handler_name.trim(),
          handler_mobile: form.handler_mobile.trim(), handler_id: form.handler_id.trim().toUpperCase(),
        };
        if (form.seal_kind === 'special') body.seal_function = form.seal_function;
        if (needsTarget) body.target_esid = form.target_esid.trim();
        if (form.reason.trim()) body.reason = form.reason.trim();
        ({ id } = await call('POST', '/applications', withImpression(body, imp)));
      }
      if (submitToo) await call('POST', `/applications/${id}/submit`);
      go('applications/' + id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const onScan = async (file) => {
    setScanError(null);
    setScan(null);
    try {
      const got = await extractImpression(file);
      setImp(got.imp);
      if (got.scan) setScan(got.scan);
    } catch (err) {
      setImp(null);
      setScanError(err);
    }
  };
  const previewStd = async () => {
    const need = ['unit_id', 'seal_name', 'width_mm', 'height_mm'];
    setTouched((x) => ({ ...x, ...Object.fromEntries(need.map((k) => [k, true])) }));
    if (need.some((k) => errors[k])) {
      setStd({ error: new Error(t('apply.std.need')) });
      return;
    }
    const body = { unit_id: Number(form.unit_id), seal_kind: form.seal_kind, seal_name: form.seal_name.trim(), width_mm: Number(form.width_mm), height_mm: Number(form.height_mm) };
    if (form.seal_kind === 'special') body.seal_function = form.seal_function;
    try {
      const res = await call('POST', '/impressions/preview', { body, as: 'response' });
      if (!res.ok) throw await responseError(res);
      setStd({ url: URL.createObjectURL(await res.blob()), from: drawnFrom(form) });
    } catch (error) {
      setStd({ error });
    }
  };
  const keep = (masked) => (masked ? t('edit.keep', { value: masked }) : t('edit.keepNone'));

  return html`<section>
    <${PageTitle}>${editing ? t('edit.title', { id: app.id }) : t('apply.title')}<//>
    ${editing ? html`
      ${app.state === 'rejected' ? html`<div class="msg msg-error" role="alert"><strong>${t('apps.rejected')}</strong> ${app.review_reason}</div>` : ''}
      <p>${t('edit.intro')} <a href=${'#/applications/' + app.id}>${t('edit.back')}</a></p>`
    : html`<p>${t('apply.intro')}</p>`}
    ${seal ? html`<${SealTarget} seal=${seal} business=${form.business} />` : ''}
    <${Message} error=${error} />
    <form onSubmit=${send} novalidate class="form-grid" aria-describedby="apply-required">
      <p id="apply-required" class="hint">${t('apply.required')}</p>
      <fieldset>
        <legend>${t('apply.section.seal')}</legend>
        ${editing ? html`<dl class="facts">
          <div><dt>${t('apply.unit')}</dt><dd>${app.unit_name}</dd></div>
          <div><dt>${t('apply.business')}</dt><dd>${tv('business', app.business)}</dd></div>
        </dl><p class="hint">${t('edit.fixed')}</p>` : html`
        <${Field} as="select" label=${t('apply.unit')} name="unit_id" value=${String(form.unit_id)} onInput=${set('unit_id')} error=${shown('unit_id')} required>
          <option value="">${t('apply.choose')}</option>
          ${(units?.items || []).map((u) => html`<option value=${String(u.id)}>${u.name} (${u.credit_code})</option>`)}
        <//>
        <${Field} as="select" label=${t('apply.business')} name="business" value=${form.business} onInput=${set('business')}>
          ${BUSINESSES.map((b) => html`<option value=${b}>${t('business.' + b)}</option>`)}
        <//>`}
        ${needsTarget ? html`<${Field} label=${t('apply.target')} name="target_esid" value=${form.target_esid} onInput=${set('target_esid')} error=${shown('target_esid')} hint=${t('apply.target.hint')} inputmode="numeric" required />` : ''}
        <${Field} as="select" label=${t('apply.kind')} name="seal_kind" value=${form.seal_kind} onInput=${set('seal_kind')}>
          ${KINDS.map((k) => html`<option value=${k}>${t('kind.' + k)}</option>`)}
        <//>
        ${form.seal_kind === 'special' ? html`<${Field} as="select" label=${t('apply.function')} name="seal_function" value=${form.seal_function} onInput=${set('seal_function')}>
          ${FUNCTIONS.map((k) => html`<option value=${k}>${t('function.' + k)}</option>`)}
        <//>` : ''}
        <${Field} label=${t('apply.sealName')} name="seal_name" value=${form.seal_name} onInput=${set('seal_name')} error=${shown('seal_name')} hint=${t('apply.sealName.hint')} required />
        <div class="pair">
          <${Field} label=${t('apply.width')} name="width_mm" value=${form.width_mm} onInput=${set('width_mm')} error=${shown('width_mm')} inputmode="numeric" hint=${t('apply.size.hint')} required />
          <${Field} label=${t('apply.height')} name="height_mm" value=${form.height_mm} onInput=${set('height_mm')} error=${shown('height_mm')} inputmode="numeric" required />
        </div>
      </fieldset>
      <fieldset>
        <legend>${t('apply.section.handler')}</legend>
        <${Field} label=${t('apply.handlerName')} name="handler_name" value=${form.handler_name} onInput=${set('handler_name')} error=${shown('handler_name')} autocomplete="name" required />
        <${Field} label=${t('apply.mobile')} name="handler_mobile" value=${form.handler_mobile} onInput=${set('handler_mobile')} error=${shown('handler_mobile')} type="tel" inputmode="numeric" autocomplete="tel" hint=${editing ? keep(app.handler_mobile) : undefined} required=${!editing} />
        <${Field} label=${t('apply.idNumber')} name="handler_id" value=${form.handler_id} onInput=${set('handler_id')} error=${shown('handler_id')} hint=${editing ? keep(app.handler_id) : t('apply.idNumber.hint')} required=${!editing} />
        <${Field} as="textarea" label=${t(NEEDS_REASON.includes(form.business) ? 'apply.reasonNeeded' : 'apply.reason')} name="reason" value=${form.reason}
          onInput=${set('reason')} error=${shown('reason')} required=${NEEDS_REASON.includes(form.business)} />
      </fieldset>
      <fieldset>
        <legend>${t('apply.section.impression')}</legend>
        <div class="cols">
          <div>
            <${FileField} label=${t('apply.impression')} name="impression" accept="image/png,.png" hint=${t('apply.impression.hint')}
              onFile=${async (f) => setImp(await readImpression(f))} />
            ${imp?.error ? html`<p class="error" role="alert">${t(imp.error)}</p>` : ''}
            <${FileField} label=${t('apply.scan')} name="scan" accept="image/png,image/jpeg,.png,.jpg,.jpeg" hint=${t('apply.scan.hint')} onFile=${onScan} />
            <${Message} error=${scanError} />
            ${!imp && !editing ? html`<p class="hint">${t('apply.impression.standard')}</p>
              <div class="actions"><button type="button" name="preview_standard" onClick=${previewStd}>${t('apply.std.preview')}</button></div>
              ${std?.error ? html`<${Message} error=${std.error} />` : ''}` : ''}
          </div>
          ${scan ? html`<figure class="impression scan">
            <img src=${scan.url} alt=${t('apply.scan.alt', { name: scan.name })} width="168" height="168" />
            <figcaption>${t('apply.scan.caption', { name: scan.name })}</figcaption>
          </figure>` : ''}
          ${!imp && std?.url ? html`<figure class="impression standard">
            <img src=${std.url} alt=${t('apply.std.alt', { name: form.seal_name })} width="168" height="168" />
            <figcaption>${t('apply.std.caption')}${std.from !== drawnFrom(form) ? html`<br /><strong>${t('apply.std.stale')}</strong>` : ''}</figcaption>
          </figure>` : ''}
          ${imp?.url ? html`<figure class="impression">
            <img src=${imp.url} alt=${t('apply.impression.alt', { name: imp.name })} width="168" height="168"
              onError=${() => setImp({ error: 'v.pngDecode' })} />
            <figcaption>${t('apply.impression.chosen', { name: imp.name })}${scan ? html`<br />${t('apply.scan.size', { w: scan.w.toFixed(1), h: scan.h.toFixed(1), shape: tv('shape', scan.shape) })}
              ${scan.assumed ? t('apply.scan.assumed', { dpi: scan.dpi }) : ''}` : ''}</figcaption>
          </figure>` : editing ? html`<figure class="impression">
            <img src=${'/api/v1/applications/' + app.id + '/impression'} alt=${t('apps.impression.alt', { name: app.seal_name })} width="168" height="168" />
            <figcaption>${t('apply.impression.current')}</figcaption>
          </figure>` : ''}
        </div>
      </fieldset>
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${editing ? t('edit.submit') : t('apply.submit')}</button>
        ${editing ? html`<button type="button" disabled=${busy} onClick=${(e) => send(e, false)}>${t('edit.save')}</button>` : ''}
      </div>
    </form>
  </section>`;
}
