// SPDX-License-Identifier: AGPL-3.0-or-later
// Sealing a document under an approved use request (POST
// /api/v1/documents/seal, docs/sign-services.md): multipart/form-data with the
// document, the seal, the request and the placement (page and position in
// millimetres, a keyword, or a riding seal); the sealed document is the answer.
// While a server lacks the route (it is not in /api/openapi.json) the page says so.
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t } from '../i18n.js';
import { call, routeExists } from '../api.js';
import { Field, Message, PageTitle, useLoad } from '../ui.js';
import { FileField } from './use.js';
import { sm3Hex } from '../sm3.js';

export function SealDocument() {
  const [exists] = useLoad(() => routeExists('POST', '/documents/seal'), []);
  const [reqs] = useLoad(() => call('GET', '/use-requests', { query: { state: 'approved', limit: 200 } }), []);
  const [req, setReq] = useState('');
  const [file, setFile] = useState(null);
  const [how, setHow] = useState('position');
  const [place, setPlace] = useState({ page: '1', x: '150', y: '240', keyword: '' });
  const [errs, setErrs] = useState({});
  const [error, setError] = useState(null);
  const [out, setOut] = useState(null); // {name, url}
  const setP = (k) => (v) => setPlace({ ...place, [k]: v });
  const chosen = (reqs?.items || []).find((r) => String(r.id) === req);

  const submit = async (e) => {
    e.preventDefault();
    const v = {};
    if (!chosen) v.req = 'v.required';
    if (!file) v.file = 'v.doc';
    else if (chosen && file.sm3 !== chosen.doc_sm3) v.file = 'v.docMismatch';
    if (how === 'position' && !(/^\d+$/.test(place.page) && /^\d+(\.\d+)?$/.test(place.x) && /^\d+(\.\d+)?$/.test(place.y))) v.place = 'v.place';
    if (how === 'keyword' && !place.keyword.trim()) v.keyword = 'v.required';
    setErrs(v);
    if (Object.keys(v).length) return;
    setError(null);
    const form = new FormData();
    form.append('document', new Blob([file.bytes]), file.name);
    form.append('esid', chosen.esid);
    form.append('use_request', String(chosen.id));
    form.append('placement', how);
    if (how === 'position') {
      form.append('page', place.page);
      form.append('x_mm', place.x);
      form.append('y_mm', place.y);
    } else if (how === 'keyword') form.append('keyword', place.keyword.trim());
    try {
      const res = await call('POST', '/documents/seal', { raw: form, as: 'response' });
      if (!res.ok) {
        const body = await res.json().catch(() => null);
        throw Object.assign(new Error(body?.error?.message || res.statusText), { code: body?.error?.code });
      }
      const blob = await res.blob();
      setOut({ name: file.name.replace(/(\.\w+)$/, '-sealed$1'), url: URL.createObjectURL(blob) });
    } catch (err) {
      setError(err);
    }
  };
  return html`<section>
    <${PageTitle}>${t('sealdoc.title')}<//>
    ${exists === false ? html`<${Message} kind="warn">${t('sealdoc.unavailable')}<//>` : ''}
    ${exists ? html`<p>${t('sealdoc.intro')}</p>
    <${Message} error=${error} />
    <form onSubmit=${submit} novalidate class="form-grid">
      <${Field} as="select" label=${t('sealdoc.request')} name="use_request" value=${req} onInput=${setReq} error=${errs.req} required>
        <option value="">${t('apply.choose')}</option>
        ${(reqs?.items || []).map((r) => html`<option value=${String(r.id)}>${t('use.request', { id: r.id })} · ${r.seal_name} · ${r.purpose}</option>`)}
      <//>
      <${FileField} label=${t('sealdoc.file')} name="document" accept=".pdf,.ofd" onFile=${async (f) => { const bytes = new Uint8Array(await f.arrayBuffer()); setFile({ name: f.name, bytes, sm3: sm3Hex(bytes) }); }} />
      ${errs.file ? html`<p class="error" role="alert">${t(errs.file)}</p>` : ''}
      <${Field} as="select" label=${t('sealdoc.how')} name="how" value=${how} onInput=${setHow}>
        <option value="position">${t('sealdoc.position')}</option>
        <option value="keyword">${t('sealdoc.keyword')}</option>
        <option value="riding">${t('sealdoc.riding')}</option>
      <//>
      ${how === 'position' ? html`<div class="pair">
        <${Field} label=${t('sealdoc.page')} name="page" value=${place.page} onInput=${setP('page')} inputmode="numeric" />
        <${Field} label=${t('sealdoc.x')} name="x_mm" value=${place.x} onInput=${setP('x')} inputmode="decimal" />
        <${Field} label=${t('sealdoc.y')} name="y_mm" value=${place.y} onInput=${setP('y')} inputmode="decimal" error=${errs.place} />
      </div>` : ''}
      ${how === 'keyword' ? html`<${Field} label=${t('sealdoc.keywordText')} name="keyword" value=${place.keyword} onInput=${setP('keyword')} error=${errs.keyword} />` : ''}
      <div class="actions"><button type="submit" class="primary">${t('sealdoc.submit')}</button></div>
    </form>
    ${out ? html`<${Message} kind="ok">${t('sealdoc.done')} <a href=${out.url} download=${out.name}>${out.name}</a><//>` : ''}` : ''}
  </section>`;
}
