// Lighthouse on a sample badge page: builds the sample site with the rosette binary (see
// tests/browser/lib.mjs: ROSETTE_BIN, else target/release), serves it on 127.0.0.1, runs
// Lighthouse with the system Chromium (CHROME_PATH, default /usr/bin/chromium) in its desktop
// and mobile configurations, prints the four category scores and exits 1 if any is below the
// threshold (ROSETTE_LIGHTHOUSE_MIN, default 95). Run through scripts/lighthouse.sh.
//
//   node run.mjs [--page awards/2024-dlf-0001/] [--language en|zh-Hans] [--json DIR]

import fs from 'node:fs';
import path from 'node:path';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import * as chromeLauncher from 'chrome-launcher';
import { CHROMIUM_ARGS, buildSite, serve } from '../browser/lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const PAGE = opt('--page', 'awards/2024-dlf-0001/');
const LANGUAGE = opt('--language', 'en');
const JSON_DIR = opt('--json', null);
const MIN = Number(process.env.ROSETTE_LIGHTHOUSE_MIN || 95);
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];

const site = buildSite({
  name: 'lighthouse',
  edit: (dir) => {
    if (LANGUAGE === 'en') return;
    const f = path.join(dir, 'rosette.toml');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/^language = "en"$/m, `language = "${LANGUAGE}"`));
  },
});
const server = await serve(site.public, site.baseUrl);
const url = server.url + PAGE;
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  // Lighthouse wants its own headless mode flag; the rest are the browser tests' flags.
  chromeFlags: [...CHROMIUM_ARGS.filter((f) => f !== '--headless'), '--headless=new'],
});
let failed = false;
try {
  for (const [form, config] of [['desktop', desktopConfig], ['mobile', undefined]]) {
    const run = await lighthouse(
      url,
      { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: CATEGORIES },
      config,
    );
    const lhr = run.lhr;
    if (lhr.runtimeError) throw new Error(`${form}: ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
    const scores = CATEGORIES.map((c) => [c, Math.round(lhr.categories[c].score * 100)]);
    console.log(`${form.padEnd(8)} ${scores.map(([c, s]) => `${c} ${s}`).join('  ')}  (${PAGE}, ${LANGUAGE})`);
    for (const [c, s] of scores) {
      if (s >= MIN) continue;
      failed = true;
      const lost = lhr.categories[c].auditRefs
        .map((r) => lhr.audits[r.id])
        .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode !== 'informative')
        .map((a) => `    ${a.id}: ${a.title}${a.displayValue ? ` (${a.displayValue})` : ''}`);
      console.log(`  ${c} ${s} < ${MIN}:\n${lost.join('\n')}`);
    }
    if (JSON_DIR) {
      fs.mkdirSync(JSON_DIR, { recursive: true });
      fs.writeFileSync(path.join(JSON_DIR, `lighthouse-${LANGUAGE}-${form}.json`), run.report);
    }
  }
} finally {
  await chrome.kill();
  await server.close();
}
process.exit(failed ? 1 : 0);
