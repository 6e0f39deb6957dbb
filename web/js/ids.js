// SPDX-License-Identifier: AGPL-3.0-or-later
// Live checks of the application form, the same rules as the platform's
// (src/seal/ids.c): each returns null when the value is right, else the key
// of a message saying what is wrong.

// GB 32100-2015 unified social credit code: 18 characters of the 31-character
// set (no I, O, S, V, Z); character 18 is the check character of the first 17
// (weights 3^i mod 31); characters 9-17 are a GB 11714 organisation code with
// its own check character.
const CC_SET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function creditCodeCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CC_SET.indexOf(first17[i]) * CC_WEIGHTS[i];
  return CC_SET[(31 - (sum % 31)) % 31];
}

function orgCodeCheckChar(first8) {
  const w = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = first8[i];
    const v = c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 55;
    sum += v * w[i];
  }
  const r = 11 - (sum % 11);
  return r === 10 ? 'X' : r === 11 ? '0' : String(r);
}

export function checkCreditCode(v) {
  const s = (v || '').trim();
  if (!s) return 'v.required';
  if (s.length !== 18) return 'v.cc.length';
  for (const c of s) if (!CC_SET.includes(c)) return 'v.cc.chars';
  if (creditCodeCheckChar(s.slice(0, 17)) !== s[17]) return 'v.cc.check';
  if (orgCodeCheckChar(s.slice(8, 16)) !== s[16]) return 'v.cc.org';
  return null;
}

// GB 11643-1999 resident ID: 17 digits, a real birth date, then the check character.
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

export function residentIdCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * ID_WEIGHTS[i];
  return '10X98765432'[sum % 11];
}

export function checkResidentId(v) {
  const s = (v || '').trim().toUpperCase();
  if (!s) return 'v.required';
  if (!/^\d{17}[\dX]$/.test(s)) return 'v.id.form';
  const y = +s.slice(6, 10), m = +s.slice(10, 12), d = +s.slice(12, 14);
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || date > new Date()) return 'v.id.date';
  if (residentIdCheckChar(s.slice(0, 17)) !== s[17]) return 'v.id.check';
  return null;
}

// A mainland mobile number: 11 digits starting 13-19.
export function checkMobile(v) {
  const s = (v || '').trim();
  if (!s) return 'v.required';
  if (!/^1[3-9]\d{9}$/.test(s)) return 'v.mobile';
  return null;
}

// A seal's width or height in whole millimetres, 1-80 (the platform's range).
export function checkSizeMm(v) {
  const s = String(v ?? '').trim();
  if (!s) return 'v.required';
  if (!/^\d+$/.test(s)) return 'v.size.integer';
  const n = +s;
  if (n < 1 || n > 80) return 'v.size.range';
  return null;
}

export function checkRequired(v) {
  return String(v ?? '').trim() ? null : 'v.required';
}
