// Benchmark (not a test) of the badge page's check, per issue 6's budget:
//   - time from DOMContentLoaded to the verdict, median of 20 loads in headless Chromium
//     (budget: 100 ms), for a sample eddsa-rdfc-2022 badge and the eddsa-jcs-2022 one (both
//     with a status list); each load in a fresh browser context (nothing cached);
//   - the gzipped size of the code of the automatic check (budget: 40 KB), and of what
//     "Check a file" loads on demand.
//
//   node tests/browser/bench.mjs [--loads N]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { buildSite, launch, ROOT, routeSites, sampleSource, siteAt, verdictOf } from './lib.mjs';

const loads = Number(process.argv[process.argv.indexOf('--loads') + 1]) || 20;
const STATIC = path.join(ROOT, 'themes/default/static');
const gz = (files) => zlib.gzipSync(Buffer.concat(files.map((f) => fs.readFileSync(path.join(STATIC, f)))), { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(1) + ' KB';

const auto = ['verify.js', 'rosette-core.js'];
const raw = auto.reduce((n, f) => n + fs.statSync(path.join(STATIC, f)).size, 0);
console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`);
console.log(`automatic check (${auto.join(' + ')}): ${kb(gz(auto))} gzipped (${kb(raw)} raw; budget 40 KB gzipped)`);
console.log(`"Check a file" on demand (check-file.js): ${kb(gz(['check-file.js']))} gzipped`);
console.log(`styles (verify.css): ${kb(gz(['verify.css']))} gzipped`);

const site = buildSite({ source: sampleSource(), name: 'bench' });
const srv = siteAt(site.public, site.baseUrl);
const browser = await launch();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const [label, slug] of [
  ['eddsa-rdfc-2022 badge with a status list', '2024-aml-0001'],
  ['eddsa-jcs-2022 badge with a status list', '2026-dlf-0004'],
]) {
  const times = [];
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext();
    await routeSites(context, srv.sites);
    const page = await context.newPage();
    await page.goto(srv.url + 'awards/' + slug + '/');
    const r = await verdictOf(page);
    if (r.verdict !== 'verified') throw new Error(`${slug}: ${r.verdict}`);
    times.push(
      await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const mark = performance.getEntriesByName('rosette-verdict')[0];
        return mark.startTime - nav.domContentLoadedEventStart;
      }),
    );
    await context.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    `${label}: DOMContentLoaded → verdict median ${median(times).toFixed(1)} ms over ${loads} loads ` +
      `(min ${sorted[0].toFixed(1)}, max ${sorted.at(-1).toFixed(1)}; budget 100 ms)`,
  );
}
await browser.close();
await srv.close();
