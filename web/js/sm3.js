// SPDX-License-Identifier: AGPL-3.0-or-later
// SM3 (GB/T 32905-2016) of a document chosen in the browser, for a use request
// (the platform approves the use of a seal on one document, named by its SM3).
// Checked against OpenSSL's in tests/browser/console/units.test.mjs.

const IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e];
const rotl = (x, n) => ((x << (n & 31)) | (x >>> ((32 - n) & 31))) >>> 0;
const p0 = (x) => (x ^ rotl(x, 9) ^ rotl(x, 17)) >>> 0;
const p1 = (x) => (x ^ rotl(x, 15) ^ rotl(x, 23)) >>> 0;

function compress(v, block) {
  const w = new Uint32Array(68), w1 = new Uint32Array(64);
  for (let i = 0; i < 16; i++) w[i] = ((block[4 * i] << 24) | (block[4 * i + 1] << 16) | (block[4 * i + 2] << 8) | block[4 * i + 3]) >>> 0;
  for (let i = 16; i < 68; i++) w[i] = (p1(w[i - 16] ^ w[i - 9] ^ rotl(w[i - 3], 15)) ^ rotl(w[i - 13], 7) ^ w[i - 6]) >>> 0;
  for (let i = 0; i < 64; i++) w1[i] = (w[i] ^ w[i + 4]) >>> 0;
  let [a, b, c, d, e, f, g, h] = v;
  for (let j = 0; j < 64; j++) {
    const tj = j < 16 ? 0x79cc4519 : 0x7a879d8a;
    const ss1 = rotl((rotl(a, 12) + e + rotl(tj, j % 32)) >>> 0, 7);
    const ss2 = (ss1 ^ rotl(a, 12)) >>> 0;
    const ff = j < 16 ? a ^ b ^ c : (a & b) | (a & c) | (b & c);
    const gg = j < 16 ? e ^ f ^ g : (e & f) | (~e & g);
    const tt1 = (ff + d + ss2 + w1[j]) >>> 0;
    const tt2 = (gg + h + ss1 + w[j]) >>> 0;
    d = c; c = rotl(b, 9); b = a; a = tt1;
    h = g; g = rotl(f, 19); f = e; e = p0(tt2);
  }
  return [a, b, c, d, e, f, g, h].map((x, i) => (x ^ v[i]) >>> 0);
}

// The SM3 of bytes, as 64 lower-case hex digits.
export function sm3Hex(bytes) {
  const n = bytes.length;
  const total = Math.ceil((n + 9) / 64) * 64;
  const m = new Uint8Array(total);
  m.set(bytes);
  m[n] = 0x80;
  const bits = n * 8;
  const dv = new DataView(m.buffer);
  dv.setUint32(total - 8, Math.floor(bits / 0x100000000));
  dv.setUint32(total - 4, bits >>> 0);
  let v = IV.slice();
  for (let i = 0; i < total; i += 64) v = compress(v, m.subarray(i, i + 64));
  return v.map((x) => x.toString(16).padStart(8, '0')).join('');
}
