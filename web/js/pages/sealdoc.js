// SPDX-License-Identifier: AGPL-3.0-or-later
// Sealing a document under an approved use request (POST
// /api/v1/documents/seal, docs/sign-services.md): multipart/form-data with the
// document, the seal, the request and the placement (page and position in
// millimetres, a keyword, or a riding seal); the sealed document is the answer.
// For a position, the page is shown with the seal's picture on it: a PDF drawn
// in the browser by pdf.js (/vendor/pdfjs-dist/), an OFD as the server draws it
// (POST /api/v1/documents/preview: a PNG, the page count and size in mm; also
// the PDF's fallback when pdf.js cannot read it): drag it, or move it with the
// arrow keys, and the millimetres follow (and the other way round). For a
// riding seal (骑缝章) every page is shown side by side with its slice of the
// seal on the right edge, as the server puts them.
// While a server lacks the route (it is not in /api/openapi.json) the page says so.
import { html, useState, useEffect, useRef } from '/vendor/htm/preact/standalone.mjs';
import { t } from '../i18n.js';
import { call, routeExists, responseError, ApiError } from '../api.js';
import { Field, Message, PageTitle, useLoad } from '../ui.js';
import { FileField } from './use.js';
import { sm3Hex } from '../sm3.js';

const PREVIEW_DPI = 96;
const PT_PER_MM = 72 / 25.4;
const RIDING_PAGES_SHOWN = 12;
const isPdf = (file) => file.bytes.length > 4 && String.fromCharCode(...file.bytes.subarray(0, 5)) === '%PDF-';

// pdf.js, loaded on first use (its worker from the same server: the page's content security policy).
let pdfjs = null;
async function loadPdfjs() {
  if (!pdfjs) {
    pdfjs = import('/vendor/pdfjs-dist/build/pdf.min.mjs').then((m) => {
      m.GlobalWorkerOptions.workerSrc = '/vendor/pdfjs-dist/build/pdf.worker.min.mjs';
      return m;
    });
  }
  return pdfjs;
}

// The document opened by pdf.js once per chosen file.
const opened = new WeakMap();
async function pdfDocument(file) {
  if (!opened.has(file)) {
    opened.set(file, loadPdfjs().then((m) => m.getDocument({
      data: file.bytes.slice(), isEvalSupported: false, verbosity: 0,
      standardFontDataUrl: '/vendor/pdfjs-dist/standard_fonts/', cMapUrl: '/vendor/pdfjs-dist/cmaps/', cMapPacked: true,
    }).promise));
  }
  return opened.get(file);
}

// One page of a PDF drawn by pdf.js at 96 dpi: {url, pages, w, h, page, by: 'pdfjs'} (w, h in mm).
async function pdfPage(file, page, dpi = PREVIEW_DPI) {
  const doc = await pdfDocument(file);
  if (page > doc.numPages) throw new ApiError(422, 'EINVAL', t('sealdoc.noSuchPage', { page, pages: doc.numPages }));
  const p = await doc.getPage(page);
  const at1 = p.getViewport({ scale: 1 });
  const vp = p.getViewport({ scale: dpi / 72 });
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(vp.width);
  canvas.height = Math.round(vp.height);
  await p.render({ canvasContext: canvas.getContext('2d'), viewport: vp }).promise;
  const blob = await new Promise((ok) => canvas.toBlob(ok, 'image/png'));
  return { url: URL.createObjectURL(blob), pages: doc.numPages, w: at1.width / PT_PER_MM, h: at1.height / PT_PER_MM, page, by: 'pdfjs' };
}

// One page as the server draws it: {url, pages, w, h, page, by: 'server'}.
async function serverPage(file, page, dpi = PREVIEW_DPI) {
  const form = new FormData();
  form.append('document', new Blob([file.bytes]), file.name);
  form.append('page', String(page));
  form.append('dpi', String(dpi));
  const res = await call('POST', '/documents/preview', { raw: form, as: 'response' });
  if (!res.ok) throw await responseError(res);
  const [w, h] = (res.headers.get('X-Eseal-Page-Size-Mm') || '').split(' ').map(Number);
  const pages = Number(res.headers.get('X-Eseal-Pages'));
  return { url: URL.createObjectURL(await res.blob()), pages, w, h, page, by: 'server' };
}

// A page of the chosen file: a PDF by pdf.js (the server when pdf.js cannot), an OFD by the server.
async function drawPage(file, page, dpi) {
  if (isPdf(file)) {
    try {
      return await pdfPage(file, page, dpi);
    } catch (err) {
      if (err instanceof ApiError) throw err;
    }
  }
  return serverPage(file, page, dpi);
}
const DEFAULT_STAMP_MM = 40;
const NUM = /^\d+(\.\d+)?$/;

// How a seal is placed: at a position, on a keyword, or across the pages (riding).
export function HowField({ how, setHow }) {
  return html`<${Field} as="select" label=${t('sealdoc.how')} name="how" value=${how} onInput=${setHow}>
    <option value="position">${t('sealdoc.position')}</option>
    <option value="keyword">${t('sealdoc.keyword')}</option>
    <option value="riding">${t('sealdoc.riding')}</option>
  <//>`;
}

// One page drawn by the server: {url, pages, w, h} (w, h in mm), or the error.
function usePreview(file, page, on) {
  const [view, setView] = useState(null);
  useEffect(() => {
    if (!file || !on || !/^\d+$/.test(page) || Number(page) < 1) return undefined;
    let live = true;
    let url = '';
    setView((v) => (v && !v.error ? { ...v, loading: true } : { loading: true }));
    drawPage(file, Number(page)).then((v) => {
      url = v.url;
      if (live) setView(v);
      else URL.revokeObjectURL(url);
    }).catch((error) => live && setView({ error }));
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [file, page, on]);
  return view;
}

// The page with the seal on it. place: {x, y} in mm (top-left of the stamp from the page's top-left).
function Sheet({ view, stamp, esid, place, onPlace }) {
  const sheet = useRef(null);
  const grab = useRef(null);
  const x = Number(place.x) || 0;
  const y = Number(place.y) || 0;
  const clamp = (v, max) => Math.round(Math.min(Math.max(v, 0), Math.max(max, 0)) * 10) / 10;
  const moveTo = (nx, ny) => onPlace(String(clamp(nx, view.w - stamp.w)), String(clamp(ny, view.h - stamp.h)));
  const mmAt = (e) => {
    const r = sheet.current.getBoundingClientRect();
    const per = r.width / view.w;
    return [(e.clientX - r.left) / per, (e.clientY - r.top) / per];
  };
  const down = (e) => {
    e.preventDefault();
    const [mx, my] = mmAt(e);
    const on = e.target.closest('.stamp');
    // on the stamp: keep where it was held; elsewhere on the page: centre the stamp there
    grab.current = on ? [mx - x, my - y] : [stamp.w / 2, stamp.h / 2];
    if (!on) moveTo(mx - stamp.w / 2, my - stamp.h / 2);
    sheet.current.setPointerCapture?.(e.pointerId);
    sheet.current.querySelector('.stamp')?.focus();
  };
  const move = (e) => {
    if (!grab.current) return;
    const [mx, my] = mmAt(e);
    moveTo(mx - grab.current[0], my - grab.current[1]);
  };
  const up = () => { grab.current = null; };
  const key = (e) => {
    const step = e.shiftKey ? 10 : 1;
    const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[e.key];
    if (!d) return;
    e.preventDefault();
    moveTo(x + d[0], y + d[1]);
  };
  const pct = (v, of) => (100 * v) / of + '%';
  return html`<div class="sheet" ref=${sheet} data-by=${view.by} onPointerDown=${down} onPointerMove=${move} onPointerUp=${up} onPointerCancel=${up}>
    <img class="page" src=${view.url} alt=${t('sealdoc.pageAlt', { page: view.page, pages: view.pages })} draggable="false" />
    <button type="button" class="stamp" aria-describedby="stamp-hint"
      aria-label=${t('sealdoc.stamp', { x: x.toFixed(1), y: y.toFixed(1) })}
      style=${{ left: pct(x, view.w), top: pct(y, view.h), width: pct(stamp.w, view.w), height: pct(stamp.h, view.h) }}
      onKeyDown=${key}>
      <img src=${'/api/v1/seals/' + esid + '/picture'} alt="" draggable="false" />
    </button>
  </div>`;
}

// Every page side by side (the first RIDING_PAGES_SHOWN), each with its slice of the
// seal on its right edge from y mm down: page i of n shows slice i of the picture,
// 1/n of the seal's width, as the server puts them (docs/pdf.md, riding seal).
function RidingPreview({ file, stamp, esid, y }) {
  const [pages, setPages] = useState(null);
  useEffect(() => {
    let live = true;
    const urls = [];
    (async () => {
      const first = await drawPage(file, 1, 48);
      urls.push(first.url);
      const all = [first];
      for (let i = 2; i <= Math.min(first.pages, RIDING_PAGES_SHOWN) && live; i++) {
        const v = await drawPage(file, i, 48);
        urls.push(v.url);
        all.push(v);
      }
      if (live) setPages(all);
    })().catch((error) => live && setPages({ error }));
    return () => {
      live = false;
      urls.forEach((u) => URL.revokeObjectURL(u));
    };
  }, [file]);
  if (!pages) return html`<p class="hint" role="status">${t('sealdoc.drawing')}</p>`;
  if (pages.error) return html`<${Message} kind="warn">${t('sealdoc.noPreview')} ${pages.error.message}<//>`;
  const n = pages[0].pages;
  if (n < 2) return html`<${Message} kind="warn">${t('sealdoc.ridingOne')}<//>`;
  const pct = (v, of) => (100 * v) / of + '%';
  const top = Number(y) || 0;
  return html`<div class="riding">
    <p class="hint">${t('sealdoc.ridingHint', { pages: n, w: (stamp.w / n).toFixed(1) })}</p>
    <ol class="riding-pages">${pages.map((v, i) => html`<li>
      <div class="sheet riding-page" data-by=${v.by}>
        <img class="page" src=${v.url} alt=${t('sealdoc.pageAlt', { page: i + 1, pages: n })} draggable="false" />
        <div class="slice" style=${{ left: pct(v.w - stamp.w / n, v.w), top: pct(top, v.h), width: pct(stamp.w / n, v.w), height: pct(stamp.h, v.h) }}>
          <img src=${'/api/v1/seals/' + esid + '/picture'} alt="" draggable="false" style=${{ width: n * 100 + '%', marginLeft: -i * 100 + '%' }} />
        </div>
      </div>
    </li>`)}</ol>
    ${n > pages.length ? html`<p class="hint">${t('sealdoc.ridingMore', { shown: pages.length, pages: n })}</p>` : ''}
  </div>`;
}

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
  const setP = (k) => (v) => setPlace((p) => ({ ...p, [k]: v }));
  const chosen = (reqs?.items || []).find((r) => String(r.id) === req);
  // the stamp's size: the one the seal was applied for, else 40 mm
  const [stamp] = useLoad(async () => {
    if (!chosen) return null;
    const seal = await call('GET', '/seals/' + chosen.esid);
    if (!seal.app_id) return { w: DEFAULT_STAMP_MM, h: DEFAULT_STAMP_MM };
    const app = await call('GET', '/applications/' + seal.app_id).catch(() => null);
    return app ? { w: app.width_mm, h: app.height_mm } : { w: DEFAULT_STAMP_MM, h: DEFAULT_STAMP_MM };
  }, [chosen?.esid]);
  const view = usePreview(file, place.page, how === 'position');
  const shown = view && !view.error && view.url ? view : null;

  const submit = async (e) => {
    e.preventDefault();
    const v = {};
    if (!chosen) v.req = 'v.required';
    if (!file) v.file = 'v.doc';
    else if (chosen && file.sm3 !== chosen.doc_sm3) v.file = 'v.docMismatch';
    if (how === 'position' && !(/^\d+$/.test(place.page) && NUM.test(place.x) && NUM.test(place.y))) v.place = 'v.place';
    if (how === 'keyword' && !place.keyword.trim()) v.keyword = 'v.required';
    if (how === 'riding' && !NUM.test(place.y)) v.place = 'v.place';
    setErrs(v);
    if (Object.keys(v).length) return;
    setError(null);
    setOut(null);
    const form = new FormData();
    form.append('document', new Blob([file.bytes]), file.name);
    form.append('esid', chosen.esid);
    form.append('use_request', String(chosen.id));
    form.append('placement', how);
    if (stamp && how !== 'riding') {
      form.append('width_mm', String(stamp.w));
      form.append('height_mm', String(stamp.h));
    }
    if (how === 'position') {
      form.append('page', place.page);
      form.append('x_mm', place.x);
      form.append('y_mm', place.y);
    } else if (how === 'keyword') form.append('keyword', place.keyword.trim());
    else if (how === 'riding' && NUM.test(place.y)) form.append('y_mm', place.y);
    try {
      const res = await call('POST', '/documents/seal', { raw: form, as: 'response' });
      if (!res.ok) throw await responseError(res);
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
      <${FileField} label=${t('sealdoc.file')} name="document" accept=".pdf,.ofd" onFile=${async (f) => { const bytes = new Uint8Array(await f.arrayBuffer()); setOut(null); setFile({ name: f.name, bytes, sm3: sm3Hex(bytes) }); }} />
      ${errs.file ? html`<p class="error" role="alert">${t(errs.file)}</p>` : ''}
      <${HowField} how=${how} setHow=${setHow} />
      ${how === 'position' ? html`<div class="pair">
        <${Field} label=${t('sealdoc.page')} name="page" value=${place.page} onInput=${setP('page')} inputmode="numeric"
          hint=${shown ? t('sealdoc.pages', { pages: shown.pages }) : undefined} />
        <${Field} label=${t('sealdoc.x')} name="x_mm" value=${place.x} onInput=${setP('x')} inputmode="decimal" />
        <${Field} label=${t('sealdoc.y')} name="y_mm" value=${place.y} onInput=${setP('y')} inputmode="decimal" error=${errs.place} />
      </div>
      ${file ? html`<div class="preview">
        <p class="hint" id="stamp-hint">${t(chosen ? 'sealdoc.drag' : 'sealdoc.pickRequest')}</p>
        ${view?.error ? html`<${Message} kind="warn">${t('sealdoc.noPreview')} ${view.error.message}<//>` : ''}
        ${view?.loading ? html`<p class="hint" role="status">${t('sealdoc.drawing')}</p>` : ''}
        ${shown && chosen && stamp ? html`<${Sheet} view=${shown} stamp=${stamp} esid=${chosen.esid} place=${place}
          onPlace=${(nx, ny) => setPlace((p) => ({ ...p, x: nx, y: ny }))} />` : ''}
      </div>` : ''}` : ''}
      ${how === 'riding' ? html`<${Field} label=${t('sealdoc.y')} name="y_mm" value=${place.y} onInput=${setP('y')} inputmode="decimal" error=${errs.place} />
      ${file && chosen && stamp ? html`<div class="preview"><${RidingPreview} file=${file} stamp=${stamp} esid=${chosen.esid} y=${place.y} /></div>` : ''}` : ''}
      ${how === 'keyword' ? html`<${Field} label=${t('sealdoc.keywordText')} name="keyword" value=${place.keyword} onInput=${setP('keyword')} error=${errs.keyword} />` : ''}
      <div class="actions"><button type="submit" class="primary">${t('sealdoc.submit')}</button></div>
    </form>
    ${out ? html`<${Message} kind="ok">${t('sealdoc.done')} <a href=${out.url} download=${out.name}>${out.name}</a><//>` : ''}` : ''}
  </section>`;
}
