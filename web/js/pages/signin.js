// SPDX-License-Identifier: AGPL-3.0-or-later
// Sign-in (POST /api/v1/session) and the forced change of a one-time password
// (POST /api/v1/password, then a new sign-in: the change ends every session).
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t } from '../i18n.js';
import { call } from '../api.js';
import { Field, Message, PageTitle } from '../ui.js';

export function SignIn({ onSignedIn }) {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await call('POST', '/session', { body: { login: login.trim(), password } }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="narrow">
    <${PageTitle}>${t('signin.title')}<//>
    <p>${t('signin.intro')}</p>
    <${Message} error=${error} />
    <form onSubmit=${submit} novalidate>
      <${Field} label=${t('signin.login')} name="login" value=${login} onInput=${setLogin} required autocomplete="username" />
      <${Field} label=${t('signin.password')} name="password" type="password" value=${password} onInput=${setPassword} required autocomplete="current-password" />
      <button type="submit" class="primary" disabled=${busy}>${t('signin.submit')}</button>
    </form>
    <p class="aside">${t('signin.public')} <a href="#/verify">${t('nav.verify')}</a> · <a href="#/status">${t('nav.status')}</a></p>
  </section>`;
}

export function PasswordChange({ session, onChanged }) {
  const [old, setOld] = useState('');
  const [pw, setPw] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState(null);
  const [errs, setErrs] = useState({});
  const submit = async (e) => {
    e.preventDefault();
    const v = {};
    if (!old) v.old = 'v.required';
    const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((r) => r.test(pw)).length;
    if ([...pw].length < 10 || classes < 3) v.pw = 'v.password.short';
    if (pw !== again) v.again = 'v.password.same';
    setErrs(v);
    if (Object.keys(v).length) return;
    setError(null);
    try {
      await call('POST', '/password', { body: { login: session.login, old_password: old, new_password: pw } });
      onChanged(await call('POST', '/session', { body: { login: session.login, password: pw } }));
    } catch (err) {
      setError(err);
    }
  };
  return html`<section class="narrow">
    <${PageTitle}>${t('password.title')}<//>
    <p>${t('password.intro')}</p>
    <${Message} error=${error} />
    <form onSubmit=${submit} novalidate>
      <input type="text" name="username" autocomplete="username" value=${session.login} readonly hidden />
      <${Field} label=${t('password.old')} name="old_password" type="password" value=${old} onInput=${setOld} error=${errs.old} required autocomplete="current-password" />
      <${Field} label=${t('password.new')} name="new_password" type="password" value=${pw} onInput=${setPw} error=${errs.pw} hint=${t('password.rule')} required autocomplete="new-password" />
      <${Field} label=${t('password.again')} name="new_password_again" type="password" value=${again} onInput=${setAgain} error=${errs.again} required autocomplete="new-password" />
      <button type="submit" class="primary">${t('password.submit')}</button>
    </form>
  </section>`;
}
