// SPDX-License-Identifier: AGPL-3.0-or-later
// Messages: Chinese (zh-CN) first, English on request (js/messages.js holds
// both catalogues; tests/browser/console/catalogue.test.mjs checks that every
// key used is in both). A missing key shows as ⟦key⟧ and is reported.
import { messages } from './messages.js';

export const LANGS = ['zh-CN', 'en'];
let lang = 'zh-CN';
try {
  const saved = localStorage.getItem('eseal.lang');
  if (LANGS.includes(saved)) lang = saved;
} catch {
  /* storage refused: the default */
}
const listeners = new Set();

export function getLang() {
  return lang;
}

export function setLang(l) {
  if (!LANGS.includes(l)) return;
  lang = l;
  try {
    localStorage.setItem('eseal.lang', l);
  } catch {
    /* kept for this page only */
  }
  document.documentElement.lang = l;
  for (const f of listeners) f(l);
}

export function onLang(f) {
  listeners.add(f);
  return () => listeners.delete(f);
}

export const missing = new Set();

// t('apply.title'), t('list.count', {n: 3}): "{n}" in the message is replaced.
export function t(key, vars) {
  let m = messages[lang] && messages[lang][key];
  if (m === undefined) {
    if (!missing.has(key)) {
      missing.add(key);
      console.warn('eseal console: untranslated key', key, lang);
    }
    return '⟦' + key + '⟧';
  }
  if (vars) m = m.replace(/\{(\w+)\}/g, (_, k) => (vars[k] === undefined ? '' : String(vars[k])));
  return m;
}

// Whether the catalogue has a message (for families whose members may be new).
export function has(key) {
  return !!(messages[lang] && messages[lang][key] !== undefined);
}

// A value's name from a family of keys (state.draft), the raw value when the catalogue has none.
export function tv(family, value) {
  if (value === null || value === undefined || value === '') return '—';
  const m = messages[lang] && messages[lang][family + '.' + value];
  return m === undefined ? String(value) : m;
}

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang, { hour12: false, timeZone: 'Asia/Shanghai' });
}

export function fmtDate(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(lang, { timeZone: 'Asia/Shanghai' });
}
