// SPDX-License-Identifier: AGPL-3.0-or-later
// The administrator's accounts and API keys: create an account with roles (its
// one-time password shown once), give a new one-time password, disable an account
// (no sign-in by any means, at once) or enable it again, change its roles, create an API
// key for a registered system (shown once: only its hash is kept) and revoke it.
import { html, useState } from '/vendor/htm/preact/standalone.mjs';
import { t, tv, fmtTime } from '../i18n.js';
import { call } from '../api.js';
import { Field, Message, PageTitle, Table, useLoad } from '../ui.js';

const ROLES = ['applicant', 'unit-admin', 'use-approver', 'maker', 'reviewer', 'auditor', 'sysadmin'];

function Secret({ label, value }) {
  return html`<div class="msg msg-ok secret" role="status">
    <p><strong>${label}</strong></p>
    <p><code class="big">${value}</code></p>
    <p>${t('accounts.once')}</p>
  </div>`;
}

export function Accounts() {
  const [accounts, error, reload] = useLoad(() => call('GET', '/accounts', { query: { limit: 500 } }), []);
  const [units] = useLoad(() => call('GET', '/units', { query: { limit: 500 } }), []);
  const [login, setLogin] = useState('');
  const [roles, setRoles] = useState([]);
  const [unit, setUnit] = useState('');
  const [errs, setErrs] = useState({});
  const [secret, setSecret] = useState(null);
  const [actError, setActError] = useState(null);
  const [key, setKey] = useState({ login: '', name: '', expires: '', scope: 'read', allow_from: '' });
  const [keys, setKeys] = useState([]); // created here, for revoking
  const [editing, setEditing] = useState(null); // { account, roles }: the roles being changed
  const [done, setDone] = useState(null);
  const unitName = (id) => units?.items.find((u) => u.id === id)?.name || (id ? '#' + id : '—');

  const create = async (e) => {
    e.preventDefault();
    const v = {};
    if (!/^[a-z0-9][a-z0-9._-]{1,63}$/.test(login.trim())) v.login = 'v.login';
    if (!roles.length) v.roles = 'v.roles';
    setErrs(v);
    if (Object.keys(v).length) return;
    setActError(null);
    try {
      const r = await call('POST', '/accounts', { body: { login: login.trim(), roles, ...(unit ? { unit_id: Number(unit) } : {}) } });
      setSecret({ label: t('accounts.otpFor', { login: r.login }), value: r.one_time_password });
      setLogin('');
      setRoles([]);
      reload();
    } catch (err) {
      setActError(err);
    }
  };
  const otp = async (who) => {
    setActError(null);
    try {
      const r = await call('POST', `/accounts/${encodeURIComponent(who)}/one-time-password`);
      setSecret({ label: t('accounts.otpFor', { login: r.login }), value: r.one_time_password });
    } catch (err) {
      setActError(err);
    }
  };
  const saveRoles = async (e) => {
    e.preventDefault();
    if (!editing.roles.length) {
      setErrs({ editRoles: 'v.roles' });
      return;
    }
    setErrs({});
    setActError(null);
    try {
      const r = await call('PATCH', '/accounts/' + editing.account.id, { body: { roles: editing.roles } });
      setDone(t('accounts.rolesChanged', { login: r.login, roles: r.roles.map((x) => tv('role', x)).join('、') }));
      setEditing(null);
      reload();
    } catch (err) {
      setActError(err);
    }
  };
  const setDisabled = async (a, disabled) => {
    setActError(null);
    try {
      await call('PATCH', '/accounts/' + a.id, { body: { disabled } });
      setSecret(null);
      reload();
    } catch (err) {
      setActError(err);
    }
  };
  const makeKey = async (e) => {
    e.preventDefault();
    const v = {};
    if (!key.login) v.keyLogin = 'v.required';
    if (!key.name.trim()) v.keyName = 'v.required';
    if (!key.expires) v.expires = 'v.required';
    setErrs(v);
    if (Object.keys(v).length) return;
    setActError(null);
    try {
      const body = { login: key.login, name: key.name.trim(), expires: key.expires + 'T00:00:00Z' };
      if (key.scope.trim()) body.scope = key.scope.trim();
      if (key.allow_from.trim()) body.allow_from = key.allow_from.trim();
      const r = await call('POST', '/api-keys', { body });
      setSecret({ label: t('keys.created', { name: key.name }), value: r.key });
      setKeys([...keys, { id: r.id, name: key.name, login: key.login }]);
    } catch (err) {
      setActError(err);
    }
  };
  const revoke = async (k) => {
    setActError(null);
    try {
      await call('DELETE', '/api-keys/' + k.id);
      setKeys(keys.filter((x) => x.id !== k.id));
      setSecret(null);
    } catch (err) {
      setActError(err);
    }
  };
  const toggle = (r) => setRoles(roles.includes(r) ? roles.filter((x) => x !== r) : [...roles, r]);
  const setK = (f) => (v) => setKey({ ...key, [f]: v });

  return html`<section>
    <${PageTitle}>${t('accounts.title')}<//>
    ${secret ? html`<${Secret} ...${secret} />` : ''}
    <${Message} error=${actError || error} />
    ${accounts ? html`<${Table} caption=${t('accounts.caption', { n: accounts.items.length })} rows=${accounts.items} columns=${[
      { label: t('col.login'), key: 'login' },
      { label: t('col.roles'), render: (a) => (a.roles || []).map((r) => tv('role', r)).join('、') },
      { label: t('col.unit'), render: (a) => unitName(a.unit_id) },
      { label: t('col.state'), render: (a) => (a.disabled ? t('accounts.disabled') : t('accounts.enabled')) },
      { label: t('col.created'), render: (a) => fmtTime(a.created_at) },
      { label: t('col.actions'), render: (a) => html`<button type="button" onClick=${() => otp(a.login)} aria-label=${t('accounts.otp.for', { login: a.login })}>${t('accounts.otp')}</button>
        ${a.disabled
          ? html` <button type="button" onClick=${() => setDisabled(a, false)} aria-label=${t('accounts.enable.for', { login: a.login })}>${t('accounts.enable')}</button>`
          : html` <button type="button" class="danger" onClick=${() => setDisabled(a, true)} aria-label=${t('accounts.disable.for', { login: a.login })}>${t('accounts.disable')}</button>`}
        ${' '}<button type="button" onClick=${() => { setDone(null); setEditing({ account: a, roles: [...(a.roles || [])] }); }} aria-label=${t('accounts.roles.for', { login: a.login })}>${t('accounts.roles')}</button>` },
    ]} />` : ''}
    <${Message} kind="ok">${done}<//>
    ${editing ? html`<form onSubmit=${saveRoles} novalidate class="card" aria-labelledby="roles-edit-title">
      <h2 id="roles-edit-title">${t('accounts.roles.title', { login: editing.account.login })}</h2>
      <p class="hint">${t('accounts.roles.hint')}</p>
      <fieldset aria-describedby=${errs.editRoles ? 'edit-roles-err' : undefined}>
        <legend>${t('col.roles')}</legend>
        ${ROLES.map((r) => html`<label class="check"><input type="checkbox" name="edit_roles" value=${r} checked=${editing.roles.includes(r)}
          onChange=${() => setEditing({ ...editing, roles: editing.roles.includes(r) ? editing.roles.filter((x) => x !== r) : [...editing.roles, r] })} /> ${tv('role', r)}</label>`)}
        ${errs.editRoles ? html`<p class="error" id="edit-roles-err" role="alert">${t(errs.editRoles)}</p>` : ''}
      </fieldset>
      <button type="submit" class="primary">${t('accounts.roles.save')}</button>
      ${' '}<button type="button" onClick=${() => setEditing(null)}>${t('accounts.roles.cancel')}</button>
    </form>` : ''}
    <div class="cols">
      <form onSubmit=${create} novalidate class="card">
        <h2>${t('accounts.new')}</h2>
        <${Field} label=${t('col.login')} name="login" value=${login} onInput=${setLogin} error=${errs.login} hint=${t('accounts.login.hint')} required />
        <fieldset aria-describedby=${errs.roles ? 'roles-err' : undefined}>
          <legend>${t('col.roles')}</legend>
          ${ROLES.map((r) => html`<label class="check"><input type="checkbox" name="roles" value=${r} checked=${roles.includes(r)} onChange=${() => toggle(r)} /> ${tv('role', r)}</label>`)}
          ${errs.roles ? html`<p class="error" id="roles-err" role="alert">${t(errs.roles)}</p>` : ''}
        </fieldset>
        <${Field} as="select" label=${t('col.unit')} name="unit_id" value=${unit} onInput=${setUnit} hint=${t('accounts.unit.hint')}>
          <option value="">${t('accounts.noUnit')}</option>
          ${(units?.items || []).map((u) => html`<option value=${String(u.id)}>${u.name}</option>`)}
        <//>
        <button type="submit" class="primary">${t('accounts.create')}</button>
      </form>
      <form onSubmit=${makeKey} novalidate class="card">
        <h2>${t('keys.title')}</h2>
        <p class="hint">${t('keys.intro')}</p>
        <${Field} as="select" label=${t('keys.login')} name="key_login" value=${key.login} onInput=${setK('login')} error=${errs.keyLogin} required>
          <option value="">${t('apply.choose')}</option>
          ${(accounts?.items || []).map((a) => html`<option value=${a.login}>${a.login}</option>`)}
        <//>
        <${Field} label=${t('keys.name')} name="key_name" value=${key.name} onInput=${setK('name')} error=${errs.keyName} required />
        <${Field} label=${t('keys.expires')} name="key_expires" type="date" value=${key.expires} onInput=${setK('expires')} error=${errs.expires} required />
        <${Field} label=${t('keys.scope')} name="key_scope" value=${key.scope} onInput=${setK('scope')} hint=${t('keys.scope.hint')} />
        <${Field} label=${t('keys.allow')} name="key_allow" value=${key.allow_from} onInput=${setK('allow_from')} hint=${t('keys.allow.hint')} />
        <button type="submit" class="primary">${t('keys.create')}</button>
        ${keys.length ? html`<ul class="plain">${keys.map((k) => html`<li>${k.name} (${k.login}) <button type="button" class="danger" onClick=${() => revoke(k)}>${t('keys.revoke')}</button></li>`)}</ul>` : ''}
      </form>
    </div>
  </section>`;
}
