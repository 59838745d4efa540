// Validly signed hostile credentials (tests/fixtures/hostile/signed.json, the entries a build
// publishes) are built into a copy of the sample site and every page they appear on is opened
// in headless Chromium: no injected script may run. The payloads set `window.__pwned` and call
// `alert()`; the test listens for dialogs, reads the global after the page's own verifier has
// finished, and checks that no element carries an event-handler attribute or a URL with a
// scheme other than http(s), mailto or data:image (rosette's own embedded images).
//
//   node tests/browser/hostile.mjs     (ROSETTE_BIN = a built rosette; see lib.mjs)

import fs from 'node:fs';
import path from 'node:path';
import { ROOT, SAMPLE, Runner, assert, buildSite, launch, routeSites, sampleSource, signWithSampleKey, siteAt, verdictOf } from './lib.mjs';

const BASE = 'https://badges.northfield.example/';
const CASES = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/fixtures/hostile/signed.json'), 'utf8')).filter((c) => c.published);

/** The sample credential with the case's edits, as tests/hostile.rs makes it. */
function edited(c) {
  const credential = JSON.parse(fs.readFileSync(path.join(SAMPLE, 'unsigned/2025-aml-0002.json'), 'utf8'));
  delete credential.credentialStatus;
  credential.id = `${BASE}awards/${c.name}`;
  for (const [p, value] of Object.entries(c.set)) {
    const keys = p.split('.');
    const last = keys.pop();
    let at = credential;
    for (const k of keys) at = at[k];
    at[last] = value;
  }
  return credential;
}

function addHostile(dir) {
  for (const c of CASES) {
    for (const [rel, text] of Object.entries(c.files || {})) fs.writeFileSync(path.join(dir, 'badges', rel), text);
    signWithSampleKey(edited(c), path.join(dir, 'badges/awards', `${c.name}.json`), { created: '2025-01-01T00:00:00Z' });
  }
}

/** What the page itself can tell: injected globals, live attributes, script URLs. */
function inspect() {
  const problems = [];
  if (window.__pwned !== undefined) problems.push(`window.__pwned = ${JSON.stringify(window.__pwned)}`);
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      for (const a of el.attributes) {
        const name = a.name.toLowerCase();
        if (name.startsWith('on')) problems.push(`<${el.localName} ${name}="${a.value.slice(0, 60)}">`);
        if (['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'data'].includes(name)) {
          let url;
          try {
            url = new URL(a.value, document.baseURI);
          } catch {
            continue;
          }
          const ok = ['http:', 'https:', 'mailto:'].includes(url.protocol) || (url.protocol === 'data:' && /^data:image\/(png|svg\+xml)/.test(a.value));
          if (!ok) problems.push(`<${el.localName} ${name}="${a.value.slice(0, 60)}">`);
        }
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return problems;
}

async function main() {
  const runner = new Runner();
  const site = buildSite({ source: sampleSource(), edit: addHostile, name: 'hostile' });
  const browser = await launch();
  // At the site's real https:// address, fulfilled from public/ (nothing leaves the machine).
  const server = siteAt(site.public, site.baseUrl);
  const context = await browser.newContext();
  await routeSites(context, server.sites);
  const host = new URL(site.baseUrl).hostname;
  const dialogs = [];
  const offsite = [];
  context.on('page', (page) => {
    page.on('dialog', (d) => {
      dialogs.push(`${page.url()}: ${d.type()} ${d.message()}`);
      d.dismiss().catch(() => {});
    });
  });
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (u.hostname !== host && u.protocol !== 'data:') offsite.push(r.url());
  });

  const check = async (rel, { verdict, shows } = {}) => {
    const page = await context.newPage();
    try {
      const before = dialogs.length;
      const response = await page.goto(server.url + rel);
      assert(response && response.ok(), `${rel}: HTTP ${response && response.status()}`);
      if (verdict) {
        const result = await verdictOf(page);
        assert(result.verdict === verdict, `${rel}: verdict ${result.verdict}, expected ${verdict}: ${result.text}`);
      } else {
        await page.waitForLoadState('load');
      }
      // Hover and focus everything: handlers that wait for the reader would fire now.
      for (const el of await page.$$('a, button, img, [tabindex]')) await el.hover({ timeout: 500 }).catch(() => {});
      const problems = await page.evaluate(inspect);
      // The payloads are on the page, as text: the test is not passing because they were lost.
      if (shows) assert((await page.evaluate(() => document.body.innerText)).includes(shows), `${rel}: the page does not show \`${shows}\``);
      assert(dialogs.length === before, `${rel}: a dialog opened: ${dialogs.slice(before).join('; ')}`);
      assert(problems.length === 0, `${rel}: ${problems.join('; ')}`);
    } finally {
      await page.close();
    }
  };

  for (const c of CASES) {
    const credential = JSON.parse(fs.readFileSync(path.join(site.dir, 'badges/awards', `${c.name}.json`), 'utf8'));
    // An id outside the site is published under the file's name.
    const slug = credential.id.startsWith(`${BASE}awards/`) ? credential.id.slice(`${BASE}awards/`.length) : c.name;
    const dir = path.join(site.public, 'awards', slug);
    await runner.case(`${c.name}: the badge page runs no injected script and still verifies`, () =>
      check(`awards/${slug}/`, { verdict: 'verified', shows: c.name === 'script-in-text-fields' ? "window.__pwned='subject.name'" : undefined }),
    );
    if (fs.existsSync(path.join(dir, 'index.html')) && fs.existsSync(path.join(site.public, 'embed/index.html'))) {
      await runner.case(`${c.name}: the site's embed page showing it runs no injected script`, () => check(`embed/#awards/${slug}`));
    }
    for (const rel of Object.keys(c.files || {})) {
      await runner.case(`${c.name}: the published ${rel} opened on its own runs no script`, () => check(rel));
    }
  }
  for (const rel of ['', 'issuer/', 'achievements/applied-ml-practitioner/', 'achievements/hostile-image/', '404.html']) {
    if (fs.existsSync(path.join(site.public, rel, rel.endsWith('.html') ? '' : 'index.html'))) {
      await runner.case(`/${rel} runs no injected script`, () => check(rel));
    }
  }
  // The images the badge pages' downloads bake into (issue #18), published once per achievement.
  for (const achievement of fs.readdirSync(path.join(site.public, 'achievements'))) {
    for (const image of ['bake.svg', 'bake.png']) {
      const rel = `achievements/${achievement}/${image}`;
      if (fs.existsSync(path.join(site.public, rel))) {
        await runner.case(`${rel} opened on its own runs no script`, () => check(rel));
      }
    }
  }
  await runner.case('no request left the site', () => assert(offsite.length === 0, offsite.join(', ')));
  await browser.close();
  await server.close();
  runner.finish();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
