// SPDX-License-Identifier: AGPL-3.0-or-later
// The console's own logic without a browser: the form checks against the
// identifiers the platform accepts and refuses, SM3 against OpenSSL, and the
// message catalogues: both languages hold the same keys, and every key the
// pages name is in them (an untranslated key fails here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const web = process.env.ESEAL_WEB || path.resolve(here, '../../../web');
const ids = await import(path.join(web, 'js/ids.js'));
const { sm3Hex } = await import(path.join(web, 'js/sm3.js'));
const { messages } = await import(path.join(web, 'js/messages.js'));

test('credit codes: GB 32100 check character and the inner organisation code', () => {
  for (const good of ['91350100100000016G', '91350100100000059X', '91110105061311021A']) assert.equal(ids.checkCreditCode(good), null, good);
  assert.equal(ids.checkCreditCode('91350100100000016H'), 'v.cc.check');
  assert.equal(ids.checkCreditCode('91350100100000016'), 'v.cc.length');
  assert.equal(ids.checkCreditCode('9135010010000001IG'), 'v.cc.chars');
  assert.equal(ids.checkCreditCode(''), 'v.required');
  // a code whose outer check character is right but whose organisation code is not
  const body = '9135010010000002';
  const first17 = body + '0';
  const bad = first17 + ids.creditCodeCheckChar(first17);
  assert.equal(ids.checkCreditCode(bad), 'v.cc.org');
});

test('resident IDs: GB 11643 check character and birth date', () => {
  assert.equal(ids.checkResidentId('350102199002020021'), null);
  assert.equal(ids.checkResidentId('350102198001010011'), null);
  assert.equal(ids.checkResidentId('350102199002020022'), 'v.id.check');
  assert.equal(ids.checkResidentId('350102199002300021'), 'v.id.date');
  assert.equal(ids.checkResidentId('35010219900202002'), 'v.id.form');
  const x17 = '11010519491231002';
  assert.equal(ids.residentIdCheckChar(x17), 'X');
  assert.equal(ids.checkResidentId(x17 + 'x'), null, 'a lowercase x is accepted');
});

test('mobile numbers and seal sizes', () => {
  assert.equal(ids.checkMobile('13800000000'), null);
  assert.equal(ids.checkMobile('12800000000'), 'v.mobile');
  assert.equal(ids.checkMobile('1380000000'), 'v.mobile');
  assert.equal(ids.checkSizeMm('42'), null);
  assert.equal(ids.checkSizeMm('0'), 'v.size.range');
  assert.equal(ids.checkSizeMm('81'), 'v.size.range');
  assert.equal(ids.checkSizeMm('4.2'), 'v.size.integer');
});

test('SM3 of a document equals OpenSSL', (t) => {
  let openssl = true;
  try {
    execFileSync('openssl', ['version']);
  } catch {
    openssl = false;
  }
  if (!openssl) return t.skip('openssl is not installed');
  for (const size of [0, 3, 55, 56, 63, 64, 65, 1000, 100000]) {
    const data = Buffer.alloc(size, 0).map((_, i) => (i * 131 + size) & 255);
    const want = execFileSync('openssl', ['dgst', '-sm3', '-r'], { input: data }).toString().slice(0, 64);
    assert.equal(sm3Hex(new Uint8Array(data)), want, `${size} bytes`);
  }
});

test('message catalogues: the same keys in zh-CN and en, no empty message', () => {
  const zh = messages['zh-CN'], en = messages.en;
  assert.deepEqual(Object.keys(zh).filter((k) => !(k in en)), [], 'keys only in zh-CN');
  assert.deepEqual(Object.keys(en).filter((k) => !(k in zh)), [], 'keys only in en');
  for (const [k, v] of Object.entries(zh)) if (!k.startsWith('timeSource.none')) assert.ok(v.trim(), 'empty zh-CN ' + k);
  // placeholders agree
  for (const k of Object.keys(zh)) {
    const names = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
    assert.equal(names(en[k]), names(zh[k]), 'placeholders of ' + k);
  }
});

test('every key the pages name is in the catalogues', () => {
  const files = [];
  const walk = (d) => {
    for (const f of fs.readdirSync(d, { withFileTypes: true })) {
      if (f.isDirectory()) walk(path.join(d, f.name));
      else if (f.name.endsWith('.js') && f.name !== 'messages.js') files.push(path.join(d, f.name));
    }
  };
  walk(path.join(web, 'js'));
  const families = new Set(Object.keys(messages['zh-CN']).map((k) => k.split('.')[0]));
  const missing = [];
  let seen = 0;
  for (const f of files) {
    const src = fs.readFileSync(f, 'utf8');
    // literal keys: 'family.rest' where family is a catalogue family
    for (const m of src.matchAll(/'([a-zA-Z]+\.[a-zA-Z0-9_.-]+)'/g)) {
      const key = m[1];
      if (!families.has(key.split('.')[0]) || key.endsWith('.')) continue;
      if (/\.(js|mjs|png|svg|css|html|json)$/.test(key)) continue;
      seen++;
      for (const lang of ['zh-CN', 'en']) if (!(key in messages[lang])) missing.push(`${lang} ${key} (${path.basename(f)})`);
    }
    // enumerations shown through tv('family', value) or t('family.' + value): each listed value
    const family = { STATES: 'state', BUSINESSES: 'business', KINDS: 'kind', FUNCTIONS: 'function', ROLES: 'role', OBJECTS: 'object' };
    for (const m of src.matchAll(/const ([A-Z]+) = \[([^\]]*)\];/g)) {
      if (!family[m[1]]) continue;
      for (const v of [...m[2].matchAll(/'([a-z-]+)'/g)].map((x) => x[1])) {
        seen++;
        for (const lang of ['zh-CN', 'en'])
          if (!(`${family[m[1]]}.${v}` in messages[lang])) missing.push(`${lang} ${family[m[1]]}.${v} (${path.basename(f)})`);
      }
    }
  }
  assert.ok(seen > 150, `only ${seen} keys found in the pages: the scan is broken`);
  assert.deepEqual(missing, []);
});
