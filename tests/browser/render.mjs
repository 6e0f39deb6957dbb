// SPDX-License-Identifier: AGPL-3.0-or-later
// Render an OFD with ofd.js (an independent reader) in headless Chromium,
// screenshot it, and check that a seal is drawn: the reader must have made
// a seal element from our SignedValue.dat, and the screenshot of that
// element must hold red seal pixels.
//
//   node render.mjs FILE.ofd OUT.png [MIN_SEALS]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const [file, out, minSealsArg] = process.argv.slice(2);
const minSeals = Number(minSealsArg || 1);
const ofdjs = path.join(path.dirname(require.resolve('ofd.js/package.json')), 'lib', 'ofd.umd.min.js');
const chrome = process.env.CHROMIUM || '/usr/bin/chromium';

const browser = await puppeteer.launch({
  executablePath: chrome,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
let rc = 1;
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 900, height: 1300 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
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
  // seal images are filled in asynchronously
  await page.waitForFunction(() => document.getElementsByName('seal_img_div').length > 0, { timeout: 20000 }).catch(() => {});
  await new Promise((r) => setTimeout(r, 1500));
  const seals = await page.$$('[name="seal_img_div"]');
  await page.screenshot({ path: out, fullPage: true });
  let red = 0;
  for (const s of seals) {
    const shot = await s.screenshot({ encoding: 'base64' }).catch(() => null);
    if (!shot)
      continue;
    red += await page.evaluate(async (png) => {
      const img = new Image();
      img.src = 'data:image/png;base64,' + png;
      await img.decode();
      const cv = document.createElement('canvas');
      cv.width = img.width;
      cv.height = img.height;
      const g = cv.getContext('2d');
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, cv.width, cv.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (d[i] > 150 && d[i + 1] < 110 && d[i + 2] < 110)
          n++;
      return n;
    }, shot);
  }
  console.log(JSON.stringify({ file, pages: result.pages, seals: seals.length, red_pixels: red, errors }));
  rc = seals.length >= minSeals && red > 50 ? 0 : 1;
  if (rc)
    console.error(`seal not visible: ${seals.length} seal element(s) (want ${minSeals}), ${red} red pixels`);
} catch (e) {
  console.error(String(e && e.stack || e));
} finally {
  await browser.close();
}
process.exit(rc);
