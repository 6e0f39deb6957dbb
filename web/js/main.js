// SPDX-License-Identifier: AGPL-3.0-or-later
// The console's shell: who is signed in, the menu their roles open, the
// language toggle, and the pages by location hash (#/apply, #/queue, ...).
import { html, render, useState, useEffect } from '/vendor/htm/preact/standalone.mjs';
import { t, getLang, setLang, onLang } from './i18n.js';
import { call, setCsrf } from './api.js';
import { go } from './ui.js';
import { SignIn, PasswordChange } from './pages/signin.js';
import { Apply, ApplyEdit } from './pages/apply.js';
import { Applications, ApplicationDetail } from './pages/applications.js';
import { Queue } from './pages/queue.js';
import { Seals } from './pages/seals.js';
import { UseRequests, Approvals } from './pages/use.js';
import { Audit } from './pages/audit.js';
import { Accounts } from './pages/accounts.js';
import { Units } from './pages/units.js';
import { StatusLookup } from './pages/status.js';
import { Verify } from './pages/verify.js';
import { SealDocument } from './pages/sealdoc.js';
import { Usage, PinChange } from './pages/usage.js';
import { Regions, Operations } from './pages/admin.js';
import { Batch } from './pages/batch.js';
import { Jobs } from './pages/jobs.js';

// Each page: the roles that see it in the menu (empty: public), its component.
const PAGES = [
  { path: 'apply', roles: ['applicant', 'unit-admin'], label: 'nav.apply', view: Apply },
  { path: 'batch', roles: ['applicant', 'unit-admin'], label: 'nav.batch', view: Batch },
  { path: 'applications', roles: ['applicant', 'unit-admin'], label: 'nav.applications', view: Applications },
  { path: 'queue', roles: ['maker', 'reviewer'], label: 'nav.queue', view: Queue },
  { path: 'seals', roles: ['applicant', 'unit-admin', 'use-approver', 'maker', 'reviewer'], label: 'nav.seals', view: Seals },
  { path: 'use', roles: ['applicant', 'unit-admin'], label: 'nav.use', view: UseRequests },
  { path: 'seal-document', roles: ['applicant', 'unit-admin'], label: 'nav.sealdoc', view: SealDocument },
  { path: 'jobs', roles: ['applicant', 'unit-admin'], label: 'nav.jobs', view: Jobs },
  { path: 'approvals', roles: ['use-approver'], label: 'nav.approvals', view: Approvals },
  { path: 'usage', roles: ['applicant', 'unit-admin', 'use-approver', 'auditor'], label: 'nav.usage', view: Usage },
  { path: 'pin', roles: ['applicant', 'unit-admin'], label: 'nav.pin', view: PinChange },
  { path: 'audit', roles: ['auditor', 'sysadmin'], label: 'nav.audit', view: Audit },
  { path: 'units', roles: ['sysadmin', 'maker'], label: 'nav.units', view: Units },
  { path: 'accounts', roles: ['sysadmin'], label: 'nav.accounts', view: Accounts },
  { path: 'regions', roles: ['sysadmin'], label: 'nav.regions', view: Regions },
  { path: 'ops', roles: ['sysadmin'], label: 'nav.ops', view: Operations },
];
const PUBLIC = [
  { path: 'verify', label: 'nav.verify', view: Verify },
  { path: 'status', label: 'nav.status', view: StatusLookup },
];

function parseHash() {
  const h = location.hash.replace(/^#\/?/, '');
  const [path, qs] = h.split('?');
  return { parts: path.split('/').filter(Boolean), query: new URLSearchParams(qs || '') };
}

function remembered() {
  try {
    return sessionStorage.getItem('eseal.signedIn') === '1';
  } catch {
    return true;
  }
}

function remember(on) {
  try {
    if (on) sessionStorage.setItem('eseal.signedIn', '1');
    else sessionStorage.removeItem('eseal.signedIn');
  } catch {
    /* no storage: ask the server each time */
  }
}

function allowed(page, session) {
  return session && page.roles.some((r) => session.roles.includes(r));
}

function App() {
  const [route, setRoute] = useState(parseHash());
  const [session, setSession] = useState(undefined); // undefined: asking; null: signed out
  const [, setLangState] = useState(getLang());

  useEffect(() => {
    const f = () => {
      setRoute(parseHash());
      const h = document.getElementById('page-title');
      if (h) setTimeout(() => document.getElementById('page-title')?.focus(), 0);
    };
    addEventListener('hashchange', f);
    const off = onLang(setLangState);
    // ask the server only when this tab signed in before (no 401 for every visitor of a public page)
    if (remembered()) call('GET', '/session').then((s) => { setCsrf(s.csrf_token); setSession(s); }, () => { remember(false); setSession(null); });
    else setSession(null);
    return () => { removeEventListener('hashchange', f); off(); };
  }, []);

  const signedIn = (s) => {
    remember(true);
    setCsrf(s.csrf_token);
    setSession(s);
    if (!s.must_change_password) {
      const first = PAGES.find((p) => allowed(p, s));
      go(first ? first.path : 'verify');
    }
  };
  const signOut = async () => {
    try { await call('DELETE', '/session'); } catch { /* the cookie ends anyway */ }
    remember(false);
    setCsrf('');
    setSession(null);
    go('signin');
  };

  const [first] = route.parts;
  const pub = PUBLIC.find((p) => p.path === first);
  let body;
  if (pub) {
    body = html`<${pub.view} route=${route} session=${session} />`;
  } else if (session === undefined) {
    body = html`<p class="loading" role="status">${t('app.loading')}</p>`;
  } else if (!session) {
    body = html`<${SignIn} onSignedIn=${signedIn} />`;
  } else if (session.must_change_password) {
    body = html`<${PasswordChange} session=${session} onChanged=${signedIn} />`;
  } else {
    const page = PAGES.find((p) => p.path === first) || PAGES.find((p) => allowed(p, session));
    if (first === 'applications' && route.parts[1] && route.parts[2] === 'edit')
      body = html`<${ApplyEdit} id=${route.parts[1]} session=${session} />`;
    else if (first === 'applications' && route.parts[1])
      body = html`<${ApplicationDetail} id=${route.parts[1]} session=${session} />`;
    else if (!page) body = html`<h1 id="page-title" tabindex="-1">${t('app.noPages')}</h1>`;
    else if (!allowed(page, session)) body = html`<h1 id="page-title" tabindex="-1">${t('app.notYours')}</h1>`;
    else body = html`<${page.view} route=${route} session=${session} />`;
  }
  const current = first || '';
  const link = (p) => html`<li><a href=${'#/' + p.path} aria-current=${current === p.path ? 'page' : undefined}>${t(p.label)}</a></li>`;
  return html`
    <a class="skip" href="#main">${t('app.skip')}</a>
    <header class="top">
      <a class="brand" href="#/">${t('app.name')}</a>
      <nav aria-label=${t('nav.label')}>
        <ul>
          ${session && !session.must_change_password ? PAGES.filter((p) => allowed(p, session)).map(link) : ''}
          ${PUBLIC.map(link)}
        </ul>
      </nav>
      <div class="who">
        <button type="button" class="link" lang=${getLang() === 'en' ? 'zh-CN' : 'en'}
          onClick=${() => setLang(getLang() === 'en' ? 'zh-CN' : 'en')}>${t('app.otherLang')}</button>
        ${session ? html`<span class="login">${session.login}</span>
          <button type="button" class="link" onClick=${signOut}>${t('app.signOut')}</button>`
        : html`<a href="#/signin">${t('app.signIn')}</a>`}
      </div>
    </header>
    <main id="main" tabindex="-1">${body}</main>
    <footer><p>${t('app.footer')}</p></footer>`;
}

document.documentElement.lang = getLang();
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
