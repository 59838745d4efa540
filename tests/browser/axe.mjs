// Accessibility of a badge page, in English and Simplified Chinese: axe-core (from
// node_modules, evaluated in the page) must report no violations, after the check has run and
// with both tools ("Is this badge yours?", "Check a file") open and used, and on a tampered
// page. Prints `N passed, M failed`; exits non-zero on failure.
//
//   node tests/browser/axe.mjs

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { assert, buildSite, launch, routeSites, Runner, sampleSource, siteAt, tempDir, verdictOf } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const runner = new Runner();
const source = sampleSource();
const sites = {
  en: buildSite({ source, name: 'en' }),
  'zh-Hans': buildSite({
    source,
    name: 'zh',
    edit: (dir) => {
      const f = path.join(dir, 'rosette.toml');
      const text = fs.readFileSync(f, 'utf8');
      assert(/^language = "en"$/m.test(text), 'rosette.toml has no `language = "en"` line');
      fs.writeFileSync(f, text.replace(/^language = "en"$/m, 'language = "zh-Hans"'));
    },
  }),
};

async function audit(page, label) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const lines = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  assert(lines.length === 0, `${label}: ${lines.length} violation(s):\n      ${lines.join('\n      ')}`);
}

const browser = await launch();
for (const [lang, site] of Object.entries(sites)) {
  // A tampered copy as well: the fatal verdict must be as readable as the good one.
  const tampered = tempDir('rosette-axe-');
  fs.cpSync(site.public, tampered, { recursive: true });
  // An eddsa-rdfc-2022 award: its page carries what was signed.
  const badge = fs
    .readdirSync(path.join(site.public, 'awards'))
    .find((f) => /\bdata-rdfc=/.test(fs.readFileSync(path.join(site.public, 'awards', f, 'index.html'), { encoding: 'utf8', flag: 'r' }).slice(0, 20000)));
  const pageFile = path.join(tampered, 'awards', badge, 'index.html');
  fs.writeFileSync(pageFile, fs.readFileSync(pageFile, 'utf8').replace(/data-fact="?recipient-name"?>[^<]*/, 'data-fact="recipient-name">Mallory Mallet'));
  // Both at the site's real https:// address, one at a time (request routing).
  const good = siteAt(site.public, site.baseUrl);
  const bad = siteAt(tampered, site.baseUrl);
  const at = async (page, srv) => {
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await routeSites(page, srv.sites);
  };
  for (const width of [1280, 390]) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await runner.case(`${lang} ${width}px: verified badge page, tools open and used`, async () => {
      await at(page, good);
      await page.goto(good.url + 'awards/' + badge + '/');
      const r = await verdictOf(page);
      assert(r.verdict === 'verified', 'verdict ' + r.verdict);
      assert((await page.getAttribute('html', 'lang')) === lang, 'wrong page language');
      await page.click('#rosette-recipient summary');
      await page.fill('#rosette-email', 'someone@example.com');
      await page.click('#rosette-recipient-form button');
      await page.waitForFunction(() => document.getElementById('rosette-recipient-result').dataset.answer);
      await page.click('#rosette-file summary');
      await page.setInputFiles('#rosette-file-input', {
        name: 'badge.json',
        mimeType: 'application/json',
        buffer: fs.readFileSync(path.join(site.public, 'awards', badge + '.json')),
      });
      await verdictOf(page, '#rosette-file-verdict');
      await audit(page, 'verified');
      // The issuer's name and its domain never break inside a word (issue #16: "northfield.exampl|e").
      const broken = await page.evaluate(() => {
        const out = [];
        for (const e of document.querySelectorAll('[data-fact=issuer-name], .verdict-detail, .brand span, .check-message, .mono, .site-footer p')) {
          const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            // A word: letters, digits and dots (a domain is one); a hyphen is a fair place to wrap.
            for (const m of n.data.matchAll(/[A-Za-z0-9](?:[A-Za-z0-9]|\.(?=[A-Za-z0-9]))*/g)) {
              const r = document.createRange();
              r.setStart(n, m.index);
              r.setEnd(n, m.index + m[0].length);
              if (new Set(Array.from(r.getClientRects(), (x) => Math.round(x.top))).size > 1) out.push(m[0]);
            }
          }
        }
        return out;
      });
      assert(broken.length === 0, 'words broken across lines: ' + broken.join(', '));
    });
    await runner.case(`${lang} ${width}px: tampered badge page`, async () => {
      await at(page, bad);
      await page.goto(bad.url + 'awards/' + badge + '/');
      const r = await verdictOf(page);
      assert(r.verdict === 'failed', 'verdict ' + r.verdict);
      await audit(page, 'tampered');
    });
    await context.close();
  }
  await good.close();
  await bad.close();
}
await browser.close();
runner.finish();
