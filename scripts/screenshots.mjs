// Screenshots of the sample site for review (issues #5 and #8): badge pages (plain, Simplified
// Chinese, expired, revoked, with evidence), the issuer page and the index at 1280 and 390 px
// wide, in an English and a Simplified Chinese build; the print view of a badge page; a badge
// page with JavaScript off; the preview cards. Written to target/screenshots/ (or argv[2]).
//
//   cargo build --release --bin rosette
//   (cd tests/browser && npm ci)
//   node scripts/screenshots.mjs [OUT_DIR]
//
// A review aid, not a test: it asserts nothing and never fails on what a page looks like; it
// lists pages wider than their viewport. Uses the system Chromium (ROSETTE_CHROMIUM, default
// /usr/bin/chromium) on 127.0.0.1 only. Chinese pages need a CJK font (Debian
// `fonts-noto-cjk`); without one the Chinese shots show boxes, and this says so.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, buildSite, launch, routeSites, siteAt, verdictOf } from '../tests/browser/lib.mjs';

const OUT = path.resolve(process.argv[2] || path.join(ROOT, 'target/screenshots'));
const BADGES = {
  plain: '2024-dlf-0001',
  zh: '2025-dlf-0003',
  expired: '2024-lsc-0001',
  revoked: '2026-lsc-0003',
  evidence: '2025-aml-0002',
};
const WIDTHS = [1280, 390];

function sites() {
  const en = buildSite({ name: 'shots-en' });
  const zh = buildSite({
    name: 'shots-zh',
    edit: (dir) => {
      const f = path.join(dir, 'rosette.toml');
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/^language = "en"$/m, 'language = "zh-Hans"'));
    },
  });
  return { en, 'zh-Hans': zh };
}

async function settle(page, withScript) {
  await page.waitForLoadState('load');
  if (withScript && (await page.$('#rosette-verify'))) {
    await verdictOf(page).catch(() => {});
  }
  await page.evaluate(() => document.fonts.ready);
}

async function shoot(browser, url, file, { width, media = 'screen', javaScriptEnabled = true, sites }) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled });
  // Pages are opened at their real https:// address, fulfilled from the built folder.
  if (sites) await routeSites(context, sites);
  const page = await context.newPage();
  await page.emulateMedia({ media });
  await page.goto(url);
  await settle(page, javaScriptEnabled);
  await page.screenshot({ path: path.join(OUT, file), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await context.close();
  return overflow;
}

const cjk = spawnSync('fc-list', [':lang=zh'], { encoding: 'utf8' });
if (cjk.status === 0 && !cjk.stdout.trim()) {
  console.warn('warning: no Chinese font installed (apt-get install fonts-noto-cjk): zh-Hans shots will show boxes');
}
fs.mkdirSync(OUT, { recursive: true });
const built = sites();
const browser = await launch();
const written = [];
const problems = [];
try {
  for (const [lang, site] of Object.entries(built)) {
    const server = siteAt(site.public, site.baseUrl);
    try {
      const pages = {
        ...Object.fromEntries(Object.entries(BADGES).map(([k, id]) => [`badge-${k}`, `awards/${id}/`])),
        issuer: 'issuer/',
        index: '',
        achievement: 'achievements/data-literacy-foundations/',
      };
      for (const [name, rel] of Object.entries(pages)) {
        for (const width of WIDTHS) {
          const file = `${lang}-${name}-${width}.png`;
          const overflow = await shoot(browser, server.url + rel, file, { width, sites: server.sites });
          if (overflow > 0) problems.push(`${file}: ${overflow} px wider than the viewport`);
          written.push(file);
        }
      }
      for (const key of ['plain', 'zh']) {
        const rel = `awards/${BADGES[key]}/`;
        const print = `${lang}-print-${key}.png`;
        await shoot(browser, server.url + rel, print, { width: 800, media: 'print', sites: server.sites });
        const nojs = `${lang}-nojs-${key}-390.png`;
        await shoot(browser, server.url + rel, nojs, { width: 390, javaScriptEnabled: false, sites: server.sites });
        written.push(print, nojs);
      }
      for (const key of ['plain', 'zh']) {
        const dir = path.join(site.public, 'awards', BADGES[key]);
        // Cards are per achievement unless the site asks for one per award (issue #18).
        const card = fs.readdirSync(dir).find((f) => /^card-.*\.png$/.test(f));
        if (!card) continue;
        const file = `${lang}-card-${key}.png`;
        fs.copyFileSync(path.join(dir, card), path.join(OUT, file));
        written.push(file);
      }
    } finally {
      await server.close();
    }
  }
} finally {
  await browser.close();
}
console.log(`${written.length} screenshots in ${path.relative(process.cwd(), OUT) || '.'}:`);
for (const f of written) console.log(`  ${f}`);
for (const p of problems) console.log(`overflow: ${p}`);
