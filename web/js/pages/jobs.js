// SPDX-License-Identifier: AGPL-3.0-or-later
// Batch sealing jobs (docs/batch-jobs.md): a zip of PDF and OFD files, one seal
// and one placement (POST /api/v1/jobs); the use request for the job's
// manifest filed, approved by a use approver and bound to the job
// (POST …/authorise); then run (POST …/run, continue on error) with the
// progress (Server-Sent Events, GET …/events) and every item's result shown as
// it goes, cancelled if need be, and the sealed files downloaded as a zip
// (GET …/results). The user's jobs are listed by state (GET /api/v1/jobs).
import { html, useState, useEffect, useRef } from '/vendor/htm/preact/standalone.mjs';
import { t, tv, fmtTime } from '../i18n.js';
import { call } from '../api.js';
import { Badge, Field, Message, PageTitle, Pager, Table, go, useLoad } from '../ui.js';
import { FileField } from './use.js';
import { HowField } from './sealdoc.js';

const ENDED = ['done', 'failed', 'cancelled'];
const POLL_MS = 1000;

// Follows a job: onJob(job) now and at each change until done(job) (default: it has ended);
// returns the function that stops it. The one place that asks for progress: it reads the job
// (GET /api/v1/jobs/{id}, with its items), then, while it is not done, listens to the job's
// Server-Sent Events (GET /api/v1/jobs/{id}/events: a "progress" event at each change of its
// counters or state, an "end" event when it ends) and reads the job again at each. Where
// EventSource is missing or the stream fails (no answer, an error status), it polls every second.
export function followJob(id, onJob, onError, done = (job) => ENDED.includes(job.state), { sse = true } = {}) {
  let live = true;
  let timer = 0;
  let source = null;
  let reading = false;
  let again = false;
  const close = () => {
    source?.close();
    source = null;
  };
  // one read at a time; an event that arrives meanwhile asks for one more read after it;
  // null once there is nothing more to follow
  const read = async () => {
    if (reading) {
      again = true;
      return 'more';
    }
    reading = true;
    try {
      do {
        again = false;
        const job = await call('GET', '/jobs/' + id);
        if (!live) return null;
        onJob(job);
        if (done(job)) {
          live = false;
          close();
          return null;
        }
      } while (again && live);
    } finally {
      reading = false;
    }
    return 'more';
  };
  const poll = async () => {
    try {
      if (!(await read())) return;
    } catch (err) {
      if (!live) return;
      onError(err);
    }
    if (live) timer = setTimeout(poll, POLL_MS);
  };
  const listen = () => {
    let heard = false;
    source = new EventSource(`/api/v1/jobs/${id}/events`);
    const onEvent = () => {
      heard = true;
      read().catch((err) => live && onError(err));
    };
    source.addEventListener('progress', onEvent);
    source.addEventListener('end', () => {
      close(); // ended: the stream is done; the last read shows the end
      read().catch((err) => live && onError(err));
    });
    source.onerror = () => {
      // a stream that never spoke, or one the browser gave up on: poll instead
      if (!live) return;
      if (!heard || source?.readyState === EventSource.CLOSED) {
        close();
        poll();
      }
    };
  };
  // the first read; then the stream, or (no EventSource, or the read failed) the poll
  (async () => {
    try {
      if (!(await read())) return;
      if (sse && typeof EventSource === 'function') {
        listen();
        return;
      }
    } catch (err) {
      if (!live) return;
      onError(err);
    }
    if (live) timer = setTimeout(poll, POLL_MS);
  })();
  return () => {
    live = false;
    close();
    clearTimeout(timer);
  };
}

const JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'];
const JOB_TONES = { done: 'green', failed: 'red', cancelled: 'grey', running: 'blue', queued: 'amber' };

// The user's jobs a page at a time (GET /api/v1/jobs: one's own; all for auditors), by state.
function JobList() {
  const [state, setState] = useState('');
  const [after, setAfter] = useState([]);
  const [jobs, error, reload] = useLoad(() => call('GET', '/jobs', { query: { state, limit: 20, after: after[after.length - 1] } }), [state, after.length]);
  return html`<div class="job-list">
    <h2>${t('jobs.list')}</h2>
    <div class="filters">
      <${Field} as="select" label=${t('filter.state')} name="job_state" value=${state} onInput=${(v) => { setState(v); setAfter([]); }}>
        <option value="">${t('filter.all')}</option>
        ${JOB_STATES.map((s) => html`<option value=${s}>${tv('jobState', s)}</option>`)}
      <//>
      <button type="button" onClick=${reload}>${t('list.refresh')}</button>
    </div>
    <${Message} error=${error} />
    ${jobs ? html`<${Table} caption=${t('jobs.list')} rows=${jobs.items} empty=${t('jobs.none')} columns=${[
      { label: t('jobs.number'), render: (j) => html`<a href=${'#/jobs/' + j.id}>${t('jobs.one', { id: j.id })}</a>` },
      { label: t('col.esid'), render: (j) => html`<code>${j.esid}</code>` },
      { label: t('col.state'), render: (j) => html`<${Badge} family="jobState" value=${j.state} tone=${JOB_TONES[j.state]} />` },
      { label: t('jobs.col.progress'), render: (j) => t('jobs.counts', { done: j.done, failed: j.failed, total: j.total }) },
      { label: t('col.created'), render: (j) => fmtTime(j.created_at) },
    ]} />
    <${Pager} after=${after} setAfter=${setAfter} next=${jobs.next} />` : ''}
  </div>`;
}

export function Jobs({ route }) {
  const id = route.parts[1];
  return id ? html`<${JobView} id=${id} key=${id} />` : html`<${JobCreate} />`;
}

function JobCreate() {
  const [seals] = useLoad(() => call('GET', '/seals', { query: { state: 'active', limit: 500 } }), []);
  const [esid, setEsid] = useState('');
  const [zip, setZip] = useState(null);
  const [how, setHow] = useState('position');
  const [place, setPlace] = useState({ page: '1', x: '150', y: '240', keyword: '', reason: '' });
  const [errs, setErrs] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState('');
  const setP = (k) => (v) => setPlace((p) => ({ ...p, [k]: v }));
  const submit = async (e) => {
    e.preventDefault();
    const v = {};
    if (!esid) v.esid = 'v.required';
    if (!zip) v.zip = 'jobs.v.zip';
    if (how === 'position' && !(/^\d+$/.test(place.page) && /^\d+(\.\d+)?$/.test(place.x) && /^\d+(\.\d+)?$/.test(place.y))) v.place = 'v.place';
    if (how === 'keyword' && !place.keyword.trim()) v.keyword = 'v.required';
    setErrs(v);
    if (Object.keys(v).length) return;
    const form = new FormData();
    form.append('documents', zip, zip.name);
    form.append('esid', esid);
    form.append('placement', how);
    if (how === 'position') {
      form.append('page', place.page);
      form.append('x_mm', place.x);
      form.append('y_mm', place.y);
    } else if (how === 'keyword') form.append('keyword', place.keyword.trim());
    if (place.reason.trim()) form.append('reason', place.reason.trim());
    setBusy(true);
    setError(null);
    try {
      const job = await call('POST', '/jobs', { raw: form });
      go('jobs/' + job.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<section>
    <${PageTitle}>${t('jobs.title')}<//>
    <p>${t('jobs.intro')}</p>
    <ol class="steps">${['1', '2', '3', '4'].map((n) => html`<li>${t('jobs.step.' + n)}</li>`)}</ol>
    <${Message} error=${error} />
    <form onSubmit=${submit} novalidate class="form-grid">
      <${Field} as="select" label=${t('use.seal')} name="esid" value=${esid} onInput=${setEsid} error=${errs.esid} required>
        <option value="">${t('apply.choose')}</option>
        ${(seals?.items || []).map((s) => html`<option value=${s.esid}>${s.name} (${s.esid})</option>`)}
      <//>
      <${FileField} label=${t('jobs.zip')} name="documents" accept=".zip,application/zip" hint=${t('jobs.zip.hint')} onFile=${setZip} />
      ${errs.zip ? html`<p class="error" role="alert">${t(errs.zip)}</p>` : ''}
      <${HowField} how=${how} setHow=${setHow} />
      ${how === 'position' ? html`<div class="pair">
        <${Field} label=${t('sealdoc.page')} name="page" value=${place.page} onInput=${setP('page')} inputmode="numeric" />
        <${Field} label=${t('sealdoc.x')} name="x_mm" value=${place.x} onInput=${setP('x')} inputmode="decimal" />
        <${Field} label=${t('sealdoc.y')} name="y_mm" value=${place.y} onInput=${setP('y')} inputmode="decimal" error=${errs.place} />
      </div>` : ''}
      ${how === 'keyword' ? html`<${Field} label=${t('sealdoc.keywordText')} name="keyword" value=${place.keyword} onInput=${setP('keyword')} error=${errs.keyword} />` : ''}
      <${Field} label=${t('jobs.reason')} name="reason" value=${place.reason} onInput=${setP('reason')} />
      <div class="actions"><button type="submit" class="primary" disabled=${busy}>${t('jobs.create')}</button></div>
    </form>
    <${JobList} />
    <h2>${t('jobs.open')}</h2>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); if (/^\d+$/.test(open.trim())) go('jobs/' + open.trim()); }}>
      <${Field} label=${t('jobs.number')} name="job" value=${open} onInput=${setOpen} inputmode="numeric" />
      <button type="submit">${t('jobs.openButton')}</button>
    </form>
  </section>`;
}

// The use request for the job's manifest: filed here, approved by a use approver, then bound.
function Authorise({ job, onJob }) {
  const [reqs, , reload] = useLoad(() => call('GET', '/use-requests', { query: { esid: job.esid, limit: 200 } }), [job.esid]);
  const [purpose, setPurpose] = useState('');
  const [err, setErr] = useState(null);
  const [v, setV] = useState('');
  const mine = (reqs?.items || []).filter((r) => r.doc_sm3 === job.manifest_sm3);
  const approved = mine.find((r) => r.state === 'approved');
  const waiting = mine.find((r) => ['pending', 'requested'].includes(r.state));
  const file = async (e) => {
    e.preventDefault();
    if (!purpose.trim()) {
      setV('v.required');
      return;
    }
    setV('');
    setErr(null);
    try {
      await call('POST', '/use-requests', { body: { esid: job.esid, doc_sm3: job.manifest_sm3, purpose: purpose.trim() } });
      reload();
    } catch (x) {
      setErr(x);
    }
  };
  const bind = async () => {
    setErr(null);
    try {
      onJob(await call('POST', `/jobs/${job.id}/authorise`, { body: { use_request: approved.id } }));
    } catch (x) {
      setErr(x);
    }
  };
  return html`<div class="card">
    <h2>${t('jobs.auth.title')}</h2>
    <p>${t('jobs.auth.intro')}</p>
    <p class="hint">${t('jobs.manifest')} <code class="sm3">${job.manifest_sm3}</code></p>
    <${Message} error=${err} />
    ${approved ? html`<div class="actions"><button type="button" class="primary" onClick=${bind}>${t('jobs.auth.bind', { id: approved.id })}</button>
      <button type="button" onClick=${reload}>${t('list.refresh')}</button></div>`
    : waiting ? html`<div class="msg msg-info" role="status">${t('jobs.auth.waiting', { id: waiting.id })}</div>
      <div class="actions"><button type="button" onClick=${reload}>${t('jobs.auth.check')}</button></div>`
    : html`<form onSubmit=${file} novalidate>
      <${Field} label=${t('use.purpose')} name="purpose" value=${purpose} onInput=${setPurpose} error=${v} required />
      <div class="actions"><button type="submit" class="primary">${t('jobs.auth.file')}</button></div>
    </form>`}
  </div>`;
}

function JobView({ id }) {
  const [job, setJob] = useState(null);
  const [error, setError] = useState(null);
  const [runError, setRunError] = useState(null);
  const [running, setRunning] = useState(false);
  const [pin, setPin] = useState('');
  const stop = useRef(null);
  const inFlight = useRef(false);
  // followed while a worker seals (here or elsewhere) or this page's run is in flight
  const follow = () => {
    stop.current?.();
    stop.current = followJob(id, (j) => { setJob(j); setError(null); }, setError,
      (j) => ENDED.includes(j.state) || (j.state !== 'running' && !inFlight.current));
  };
  useEffect(() => {
    follow();
    return () => stop.current?.();
  }, [id]);
  const run = async () => {
    setRunError(null);
    setRunning(true);
    inFlight.current = true;
    follow();
    try {
      // the run answers when no item is left; the progress comes from followJob meanwhile
      setJob(await call('POST', `/jobs/${id}/run`, { body: pin ? { pin } : {} }));
    } catch (err) {
      setRunError(err);
    } finally {
      inFlight.current = false;
      setPin('');
      setRunning(false);
      follow();
    }
  };
  const cancel = async () => {
    setRunError(null);
    try {
      setJob(await call('POST', `/jobs/${id}/cancel`));
    } catch (err) {
      setRunError(err);
    }
  };
  const title = html`<${PageTitle}>${t('jobs.one', { id })}<//>`;
  if (error && !job) return html`<section>${title}<${Message} error=${error} /><p><a href="#/jobs">${t('jobs.back')}</a></p></section>`;
  if (!job) return html`<p class="loading" role="status">${t('app.loading')}</p>`;
  const ended = ENDED.includes(job.state);
  const left = job.pending + job.sealing;
  return html`<section>
    ${title}
    <p><${Badge} family="jobState" value=${job.state} tone=${JOB_TONES[job.state]} />
      ${' '}${t('jobs.of', { esid: job.esid, created: fmtTime(job.created_at) })}</p>
    <div class="progress-line">
      <label for="job-progress">${t('jobs.progress', { finished: job.finished, total: job.total })}</label>
      <progress id="job-progress" max=${job.total || 1} value=${job.finished}>${job.finished}/${job.total}</progress>
    </div>
    <p class="counts" role="status" aria-live="polite">${['done', 'failed', 'cancelled', 'sealing', 'pending'].map((s) => html`<span class="count">${tv('itemState', s)} ${job[s]}</span>`)}</p>
    ${error ? html`<${Message} error=${error} />` : ''}
    <${Message} error=${runError} />
    ${job.use_request === null && !ended ? html`<${Authorise} job=${job} onJob=${setJob} />` : ''}
    ${job.use_request !== null ? html`<p>${t('jobs.authorised', { id: job.use_request })}</p>` : ''}
    ${job.use_request !== null && !ended ? html`<div class="actions">
      <${Field} label=${t('jobs.pin')} name="pin" type="password" value=${pin} onInput=${setPin} hint=${t('jobs.pin.hint')} />
      <button type="button" class="primary" disabled=${running} onClick=${run}>${t(job.state === 'running' || job.finished ? 'jobs.resume' : 'jobs.run')}</button>
      ${left ? html`<button type="button" class="danger" onClick=${cancel}>${t('jobs.cancel')}</button>` : ''}
    </div>` : ''}
    ${running ? html`<p class="hint" role="status">${t('jobs.running')}</p>` : ''}
    ${ended ? html`<div class=${'msg ' + (job.state === 'done' && !job.failed ? 'msg-ok' : 'msg-warn')} role="status">
      ${t('jobs.ended.' + job.state, { done: job.done, failed: job.failed, cancelled: job.cancelled })}
      ${job.done ? html` <a href=${`/api/v1/jobs/${job.id}/results`} download=${`job-${job.id}-results.zip`}>${t('jobs.download')}</a>` : ''}
    </div>` : ''}
    <${Table} caption=${t('jobs.items', { n: job.total })} rows=${job.items} columns=${[
      { label: t('jobs.col.seq'), key: 'seq' },
      { label: t('jobs.col.name'), key: 'name' },
      { label: t('col.state'), render: (i) => html`<${Badge} family="itemState" value=${i.state} tone=${{ done: 'green', failed: 'red', sealing: 'blue', pending: 'amber', cancelled: 'grey' }[i.state]} />` },
      { label: t('jobs.col.result'), render: (i) => (i.error ? html`<span class="error">${i.error}</span>` : i.usage ? t('jobs.usage', { id: i.usage }) : '—') },
    ]} />
    <p><a href="#/jobs">${t('jobs.back')}</a></p>
  </section>`;
}
