// SPDX-License-Identifier: AGPL-3.0-or-later
// Compare eseal's rendering of an OFD page with ofd.js's (an independent
// reader) in headless Chromium: the ink of text and paths must overlap
// (IoU >= MIN_IOU, each mask matched within two pixels) and the seal's red
// pixels must fill the same box within 1 mm.
//
//   node compare.mjs FILE.ofd OURS.png PAGE_W_MM [MIN_IOU] [OUT_PREFIX]
// OURS.png is page 1 of FILE.ofd from `eseal ofd render` (any DPI: it is
// scaled onto ofd.js's page size). Prints one JSON line; exit 0 on a match.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const [file, ours, pageWmm, minIouArg, outPrefix] = process.argv.slice(2);
const minIou = Number(minIouArg || 0.9);
const ofdjs = path.join(path.dirname(require.resolve('ofd.js/package.json')), 'lib', 'ofd.umd.min.js');
const chrome = process.env.CHROMIUM || '/usr/bin/chromium';

const browser = await puppeteer.launch({
  executablePath: chrome,
  env: { ...process.env, FONTCONFIG_FILE: path.join(path.dirname(new URL(import.meta.url).pathname), 'fonts.conf') },
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
let rc = 1;
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 900, height: 1400 });
  await page.setContent('<!doctype html><meta charset="utf-8"><body style="margin:0;background:#fff"><div id="c"></div></body>');
  await page.addScriptTag({ path: ofdjs });
  const b64 = fs.readFileSync(file).toString('base64');
  const result = await page.evaluate(async (b64) => {
    const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return await new Promise((resolve) => {
      ofd.parseOfdDocument({
        ofd: bin.buffer,
        success(res) {
          try {
            const divs = ofd.renderOfd(800, res[0] || res);
            const c = document.getElementById('c');
            for (const d of divs) c.appendChild(d);
            resolve({ ok: true, pages: divs.length });
          } catch (e) {
            resolve({ ok: false, error: String(e && e.stack || e) });
          }
        },
        fail(e) { resolve({ ok: false, error: String(e) }); },
      });
    });
  }, b64);
  if (!result.ok)
    throw new Error('ofd.js could not render: ' + result.error);
  await page.waitForFunction(() => document.getElementsByName('seal_img_div').length > 0, { timeout: 10000 }).catch(() => {});
  await new Promise((r) => setTimeout(r, 1500));
  const first = await page.$('#c > div');
  const theirs = await first.screenshot({ encoding: 'base64' });
  if (outPrefix)
    fs.writeFileSync(outPrefix + '-ofdjs.png', Buffer.from(theirs, 'base64'));
  const oursB64 = fs.readFileSync(ours).toString('base64');
  const cmp = await page.evaluate(async (a64, b64, wmm) => {
    const load = async (s) => { const i = new Image(); i.src = 'data:image/png;base64,' + s; await i.decode(); return i; };
    const A = await load(a64), B = await load(b64);
    const W = A.width, H = A.height;
    // each mask is matched within R pixels of the other (R = 2: 0.5 mm at
    // ofd.js's 800-pixel page): the two readers pick different installed
    // fonts for an unembedded 宋体 and hint strokes differently
    const R = 2;
    const pixels = (img) => {
      const cv = document.createElement('canvas');
      cv.width = W; cv.height = H;
      const g = cv.getContext('2d');
      g.fillStyle = '#fff'; g.fillRect(0, 0, W, H);
      g.drawImage(img, 0, 0, W, H);
      return g.getImageData(0, 0, W, H).data;
    };
    const pa = pixels(A), pb = pixels(B);
    // seal red; the brown of tax invoices (156 82 35) is ink, not seal
    const red = (d, i) => d[i] > 190 && d[i + 1] < 100 && d[i + 2] < 100;
    const inkOf = (d) => {
      const m = new Uint8Array(W * H);
      for (let i = 0, k = 0; k < W * H; i += 4, k++)
        m[k] = !red(d, i) && (0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]) < 200 ? 1 : 0;
      return m;
    };
    const dilate = (m) => {
      const o = new Uint8Array(W * H);
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          if (!m[y * W + x]) continue;
          for (let dy = -R; dy <= R; dy++)
            for (let dx = -R; dx <= R; dx++) {
              const yy = y + dy, xx = x + dx;
              if (yy >= 0 && yy < H && xx >= 0 && xx < W) o[yy * W + xx] = 1;
            }
        }
      return o;
    };
    const ma = inkOf(pa), mb = inkOf(pb), da = dilate(ma), db = dilate(mb);
    let na = 0, nb = 0, ab = 0, ba = 0;
    for (let k = 0; k < W * H; k++) {
      na += ma[k]; nb += mb[k];
      if (ma[k] && db[k]) ab++;
      if (mb[k] && da[k]) ba++;
    }
    const inter = (ab + ba) / 2, iou = inter / (na + nb - inter);
    // a picture of the differences: ofd.js ink eseal lacks in red, the reverse in blue
    const dv = document.createElement('canvas');
    dv.width = W; dv.height = H;
    const dg = dv.getContext('2d'), di = dg.createImageData(W, H);
    for (let k = 0; k < W * H; k++) {
      const miss = ma[k] && !db[k], extra = mb[k] && !da[k];
      di.data[k * 4] = miss ? 255 : ma[k] || mb[k] ? 160 : 255;
      di.data[k * 4 + 1] = miss || extra ? 0 : ma[k] || mb[k] ? 160 : 255;
      di.data[k * 4 + 2] = extra ? 255 : ma[k] || mb[k] ? 160 : 255;
      di.data[k * 4 + 3] = 255;
    }
    dg.putImageData(di, 0, 0);
    const diff = dv.toDataURL('image/png').split(',')[1];
    const box = (d) => {
      let x0 = W, y0 = H, x1 = -1, y1 = -1;
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          if (red(d, (y * W + x) * 4)) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1); }
      const mm = wmm / W;
      return x1 < 0 ? null : [x0 * mm, y0 * mm, x1 * mm, y1 * mm];
    };
    return { width: W, height: H, ink_ofdjs: na, ink_eseal: nb, iou, red_ofdjs: box(pa), red_eseal: box(pb), diff };
  }, theirs, oursB64, Number(pageWmm));
  if (outPrefix)
    fs.writeFileSync(outPrefix + '-diff.png', Buffer.from(cmp.diff, 'base64'));
  delete cmp.diff;
  let boxOk = true;
  if (cmp.red_ofdjs || cmp.red_eseal)
    boxOk = !!(cmp.red_ofdjs && cmp.red_eseal) && cmp.red_ofdjs.every((v, i) => Math.abs(v - cmp.red_eseal[i]) <= 1.0);
  rc = cmp.iou >= minIou && boxOk ? 0 : 1;
  console.log(JSON.stringify({ file: path.basename(file), ...cmp, box_within_1mm: boxOk, pass: rc === 0 }));
} catch (e) {
  console.error(String(e && e.stack || e));
} finally {
  await browser.close();
}
process.exit(rc);
