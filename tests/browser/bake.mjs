// Baked badge downloads made in the browser (issue #18). The sample site is built with rosette
// and its award pages opened at their real https:// address in headless Debian Chromium
// (requests fulfilled from the built folder; nothing leaves the machine). Each "Download the
// badge image" button (PNG, SVG) must save a file byte-identical to `rosette bake <id> --format
// png|svg`, from which `rosette unbake` gives the credential file back byte for byte, and whose
// credential the independent verifier (shared/interop/verify.mjs) accepts. In Node alone:
// bake.js's bakePng/bakeSvg on the published bases give what `rosette bake` gives, for every
// award. Prints one line per case and `N passed, M failed`; exits non-zero on failure.
//
//   node tests/browser/bake.mjs   # needs target/release/rosette (or ROSETTE_BIN); the interop
//                                 # verifier from ROSETTE_INTEROP_DIR (scripts/test.sh sets it)

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { assert, buildSite, firstProof, launch, ROOT, rosetteBinary, routeSites, Runner, sampleSource, siteAt, tempDir } from './lib.mjs';

const BASE = 'https://badges.northfield.example/';
const FORMATS = ['png', 'svg'];

/** bake.js as a module (an ES module without a package.json saying so: a data: URL if need be). */
async function loadBake() {
  const file = path.join(ROOT, 'themes/default/static/bake.js');
  return import(pathToFileURL(file).href).catch(() =>
    import('data:text/javascript;base64,' + fs.readFileSync(file).toString('base64')),
  );
}

/** Runs rosette; its stdout as bytes, or an error with its stderr. */
function rosette(args, options = {}) {
  const run = spawnSync(rosetteBinary(), args, { env: { ...process.env, NO_COLOR: '1' }, ...options });
  if (run.status !== 0) throw new Error(`rosette ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout;
}

/** The `data-base` of the page's `format` button, as a path under public/, or null. */
function pageBase(html, format) {
  const button = html.split('<button').find((b) => b.includes(`data-bake="${format}"`) || b.includes(`data-bake=${format} `) || b.includes(`data-bake=${format}>`));
  const base = button && /data-base=("[^"]*"|[^ >]+)/.exec(button);
  return base ? base[1].replace(/"/g, '').replace(/^(\.\.\/)+/, '') : null;
}

async function main() {
  const runner = new Runner();
  const site = buildSite({ source: sampleSource(), name: 'bake' });
  const bake = await loadBake();
  const out = tempDir('rosette-bake-out-');
  const awards = fs
    .readdirSync(path.join(site.dir, 'badges/awards'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
  const credentialOf = (slug) => fs.readFileSync(path.join(site.public, 'awards', slug + '.json'));
  const pageOf = (slug) => fs.readFileSync(path.join(site.public, 'awards', slug, 'index.html'), 'utf8');
  // `rosette bake` of each award and format, made once.
  const cli = {};
  for (const slug of awards) {
    for (const format of FORMATS) {
      const file = path.join(out, `cli-${slug}.${format}`);
      rosette(['bake', slug, '--format', format, '--root', site.dir, '-o', file]);
      cli[`${slug}.${format}`] = fs.readFileSync(file);
    }
  }
  // Awards whose page offers downloads: all but the withdrawn ones.
  const downloadable = awards.filter((slug) => pageBase(pageOf(slug), 'png'));

  await runner.case('bakePng/bakeSvg on the published bases equal `rosette bake`, every award', () => {
    assert(downloadable.length >= 8, `only ${downloadable.length} pages offer downloads`);
    for (const slug of downloadable) {
      const html = pageOf(slug);
      const credential = credentialOf(slug).toString('utf8');
      for (const format of FORMATS) {
        const base = fs.readFileSync(path.join(site.public, pageBase(html, format)));
        const baked =
          format === 'png'
            ? Buffer.from(bake.bakePng(new Uint8Array(base), credential))
            : Buffer.from(bake.bakeSvg(base.toString('utf8'), credential), 'utf8');
        assert(baked.equals(cli[`${slug}.${format}`]), `${slug}.${format} differs from rosette bake`);
      }
    }
  });

  const browser = await launch();
  const context = await browser.newContext({ acceptDownloads: true });
  const problems = [];
  context.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push('CSP: ' + m.text());
  });
  context.on('weberror', (e) => problems.push('page error: ' + e.error().message));
  const { sites } = siteAt(site.public, BASE);
  const unbaked = tempDir('rosette-unbaked-');

  for (const slug of downloadable) {
    await runner.case(`${slug}: the PNG and SVG downloads are rosette bake's files, the credential exact`, async () => {
      const page = await context.newPage();
      try {
        const requests = await routeSites(page, sites);
        await page.goto(BASE + 'awards/' + slug + '/');
        await page.waitForSelector('[data-bake=png]', { state: 'visible' });
        assert(!requests.some((u) => u.endsWith('/bake.js')), 'bake.js was loaded with the page');
        const file = credentialOf(slug);
        for (const format of FORMATS) {
          const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-bake=${format}]`)]);
          assert(download.suggestedFilename() === `${slug}.${format}`, 'saved as ' + download.suggestedFilename());
          const saved = path.join(out, `browser-${slug}.${format}`);
          await download.saveAs(saved);
          const got = fs.readFileSync(saved);
          const again = rosette(['unbake', saved]);
          // The page carries the credential exactly as signed: the download is rosette bake's file.
          const carried = Buffer.from(await page.evaluate(async () => (await import(new URL('../../assets/bake.js', location.href))).exactCredential()), 'utf8');
          assert(carried.equals(file), 'the page does not carry the credential file byte for byte');
          assert(got.equals(cli[`${slug}.${format}`]), `${format}: not byte-identical to rosette bake`);
          assert(again.equals(file), `${format}: rosette unbake does not give the credential file back`);
          // The reference verifier knows eddsa-rdfc-2022 only, and fails an expired credential.
          const c = JSON.parse(again.toString('utf8'));
          const current = !c.validUntil || Date.parse(c.validUntil) > Date.now();
          if (firstProof(c).cryptosuite === 'eddsa-rdfc-2022' && current) {
            fs.writeFileSync(path.join(unbaked, `${slug}-${format}.json`), again);
          }
        }
        const error = await page.$eval('[data-bake-error]', (e) => !e.hidden);
        assert(!error, 'the failure note is shown');
      } finally {
        await page.close();
      }
    });
  }

  // The page contract bake.js reads (exactCredential): the element's text when it is the
  // credential as signed, else the base64 of the exact bytes in `data-exact`. Pages made to
  // follow it, whatever the build embeds today, give rosette bake's bytes exactly.
  const rdfc = downloadable[0];
  const variants = {
    'the exact text in #rosette-credential': (tag, text, file) => {
      assert(!/<\/script|<!--/i.test(file.toString('utf8')), 'the credential cannot be inlined as it is');
      return tag + file.toString('utf8');
    },
    'data-exact on #rosette-credential': (tag, text, file) => tag.replace(/>$/, ` data-exact="${file.toString('base64')}">`) + text,
  };
  for (const [label, rewrite] of Object.entries(variants)) {
    await runner.case(`a page with ${label}: downloads byte-identical to rosette bake`, async () => {
      const copy = tempDir('rosette-bake-page-');
      fs.cpSync(site.public, copy, { recursive: true });
      const pagePath = path.join(copy, 'awards', rdfc, 'index.html');
      const file = credentialOf(rdfc);
      const html = fs.readFileSync(pagePath, 'utf8');
      const element = /(<script[^>]*id="?rosette-credential\b[^>]*>)([\s\S]*?)(<\/script>)/;
      assert(element.test(html), 'no #rosette-credential element');
      fs.writeFileSync(pagePath, html.replace(element, (all, tag, text, end) => rewrite(tag, text, file) + end));
      const page = await context.newPage();
      try {
        await routeSites(page, siteAt(copy, BASE).sites);
        await page.goto(BASE + 'awards/' + rdfc + '/');
        for (const format of FORMATS) {
          const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-bake=${format}]`)]);
          const saved = path.join(out, `exact-${rdfc}.${format}`);
          await download.saveAs(saved);
          assert(fs.readFileSync(saved).equals(cli[`${rdfc}.${format}`]), `${format}: not byte-identical to rosette bake`);
          assert(rosette(['unbake', saved]).equals(file), `${format}: rosette unbake does not give the file back`);
        }
      } finally {
        await page.close();
      }
    });
  }

  await runner.case('a base that cannot be fetched shows the failure note, and nothing is saved', async () => {
    const page = await context.newPage();
    try {
      await routeSites(page, sites);
      // Registered last, so it answers before the site's routes.
      await page.route('**/bake.png', (route) => route.fulfill({ status: 404, body: 'not found' }));
      await page.goto(BASE + 'awards/' + rdfc + '/');
      let downloads = 0;
      page.on('download', () => downloads++);
      await page.click('[data-bake=png]');
      await page.waitForSelector('[data-bake-error]', { state: 'visible', timeout: 5000 });
      assert(downloads === 0, 'a file was saved');
    } finally {
      await page.close();
    }
  });

  await runner.case('without JavaScript the download buttons stay hidden', async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await noJs.newPage();
      await routeSites(page, sites);
      await page.goto(BASE + 'awards/' + rdfc + '/');
      assert(!(await page.isVisible('[data-bake=png]')), 'the PNG button shows without JavaScript');
      assert(await page.isVisible(`a[href$="${rdfc}.json"]`), 'no link to the credential file');
    } finally {
      await noJs.close();
    }
  });

  await runner.case('no CSP violation, no page error', () => assert(problems.length === 0, problems.join('; ')));
  await browser.close();

  await runner.case('the unbaked credentials pass the independent verifier (interop/verify.mjs)', () => {
    const interop = process.env.ROSETTE_INTEROP_DIR;
    if (!interop) {
      if (process.env.CI) throw new Error('ROSETTE_INTEROP_DIR is not set (run scripts/test.sh)');
      return 'ROSETTE_INTEROP_DIR is not set (scripts/test.sh sets it)';
    }
    const run = spawnSync('node', [path.join(interop, 'verify.mjs'), '--site', site.public, '--base-url', BASE, unbaked], { encoding: 'utf8' });
    const count = fs.readdirSync(unbaked).length;
    assert(count >= 10, `only ${count} credentials to check`);
    const expected = `${count} passed, 0 failed`;
    assert(run.status === 0 && run.stdout.includes(expected), `verify.mjs: ${run.stdout}${run.stderr}`);
  });
  runner.finish();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
