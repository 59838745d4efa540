// Screenshots of a badge page in each state a visitor may meet (issue 16): verified, tampered,
// revoked, expired, a copy on another origin, and without JavaScript, at 1280 and 390 px, each
// at its real https:// address (request routing). Not a test: for reviewing by eye.
//
//   OUT=/tmp/shots LANG_SITE=zh-Hans node scripts/screenshots-states.mjs
import fs from 'node:fs';
import path from 'node:path';
import { buildSite, launch, routeSites, sampleSource, tempDir, verdictOf } from '../tests/browser/lib.mjs';
const OUT = process.env.OUT || '/tmp/shots';
const lang = process.env.LANG_SITE || 'en';
const site = buildSite({ source: sampleSource(), name: 'shots', edit(dir) {
  if (lang !== 'en') { const f = path.join(dir, 'rosette.toml'); fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/^language = "en"$/m, `language = "${lang}"`)); }
} });
const BASE = site.baseUrl;
const ORIGIN = new URL(BASE).origin;
const tampered = tempDir('shots-t-');
fs.cpSync(site.public, tampered, { recursive: true });
const pf = path.join(tampered, 'awards/2024-aml-0001/index.html');
fs.writeFileSync(pf, fs.readFileSync(pf, 'utf8').replace(/data-fact=recipient-name>[^<]*/, 'data-fact=recipient-name>John Smith'));
const states = {
  verified: [{ [ORIGIN]: site.public }, BASE + 'awards/2024-aml-0001/', true],
  tampered: [{ [ORIGIN]: tampered }, BASE + 'awards/2024-aml-0001/', true],
  revoked: [{ [ORIGIN]: site.public }, BASE + 'awards/2026-lsc-0003/', true],
  expired: [{ [ORIGIN]: site.public }, BASE + 'awards/2024-lsc-0001/', true],
  copy: [{ 'https://copy.example': site.public, [ORIGIN]: site.public }, 'https://copy.example/awards/2024-aml-0001/', true],
  nojs: [{ [ORIGIN]: site.public }, BASE + 'awards/2024-aml-0001/', false],
};
const browser = await launch();
for (const [name, [sites, url, js]] of Object.entries(states)) {
  for (const width of [1280, 390]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: js });
    await routeSites(context, sites);
    const page = await context.newPage();
    await page.goto(url);
    if (js) await verdictOf(page).catch(() => {});
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: path.join(OUT, `${lang}-${name}-${width}.png`), fullPage: width === 390 ? false : true });
    await context.close();
  }
}
await browser.close();
console.log('written to', OUT);
