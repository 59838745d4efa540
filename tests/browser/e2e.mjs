// End-to-end tests of the badge page's check in a real browser (issue 6): the sample site is
// built with rosette and opened at its real https:// address in headless Debian Chromium
// (driven by playwright-core; no browser is ever downloaded), with every request fulfilled from
// the built folder by request routing: nothing leaves the machine. Tampered variants are made in temporary
// copies of the built site. Prints one line per case and `N passed, M failed`; exits non-zero
// on failure.
//
//   node tests/browser/e2e.mjs            # needs target/release/rosette (or ROSETTE_BIN)

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  assert,
  bakePng,
  bakeSvg,
  buildSite,
  encodedList,
  firstProof,
  HERE,
  launch,
  loadCore,
  mutationsDetected,
  ROOT,
  rosetteBinary,
  routeSites,
  Runner,
  SAMPLE,
  sampleSource,
  SHARED,
  signWith,
  signWithSampleKey,
  tempDir,
  verdictOf,
} from './lib.mjs';

const BASE = 'https://badges.northfield.example/';
const ORIGIN = new URL(BASE).origin;
/** Where copies of the site are served in the forgery cases: another address. */
const COPY = 'https://copy.example/';
const ROUTED_HOSTS = [new URL(BASE).hostname, new URL(COPY).hostname];
const LISTS = { revocation: 'status/revocation', suspension: 'status/suspension' };
// Indexes in the status lists: the first stays clear, the others are set after the build.
const STATUS_AWARDS = { 'e2e-status-ok': ['revocation', 9041], 'e2e-revoked': ['revocation', 70321], 'e2e-suspended': ['suspension', 1187] };
const REVOCATION_REASON = 'Awarded in error: the assessment was not completed.';

function statusList(purpose, set) {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: BASE + LISTS[purpose],
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: 'did:web:badges.northfield.example',
    validFrom: '2026-01-15T09:00:00Z',
    credentialSubject: {
      id: BASE + LISTS[purpose] + '#list',
      type: 'BitstringStatusList',
      statusPurpose: purpose,
      encodedList: encodedList(set),
    },
  };
}

/** Adds signed status lists (all bits clear) and three awards with status entries. */
function addStatus(dir) {
  const out = path.join(dir, 'badges/status');
  fs.mkdirSync(out, { recursive: true });
  for (const purpose of Object.keys(LISTS)) signWithSampleKey(statusList(purpose, []), path.join(out, purpose + '.json'));
  const base = JSON.parse(fs.readFileSync(path.join(SAMPLE, 'unsigned/2025-lsc-0002.json'), 'utf8'));
  for (const [slug, [purpose, index]] of Object.entries(STATUS_AWARDS)) {
    const c = structuredClone(base);
    c.id = BASE + 'awards/' + slug;
    c.credentialStatus = {
      id: `${BASE}${LISTS[purpose]}#${index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: purpose,
      statusListIndex: String(index),
      statusListCredential: BASE + LISTS[purpose],
    };
    signWithSampleKey(c, path.join(dir, 'badges/awards', slug + '.json'));
  }
}

/**
 * An award signed as rosette signed multilingual badges before issue #19: the credential's and
 * the achievement's name and description as language value objects (en, zh-Hans). Published
 * awards like it must keep verifying and showing in either language.
 */
function addLegacyLanguages(dir) {
  const c = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/fixtures/legacy/language-value-objects.json'), 'utf8'));
  c.id = BASE + 'awards/e2e-languages';
  delete c.credentialStatus; // its sample index belongs to 2025-dlf-0003
  signWithSampleKey(c, path.join(dir, 'badges/awards/e2e-languages.json'));
}

/**
 * The lists as the issuer publishes them after `rosette revoke` / `rosette suspend`: re-signed
 * with the bits of the revoked and suspended awards on. Built as a site of their own (a build
 * refuses revoked awards for now) and copied over the site's lists.
 */
function revokedLists(source) {
  const built = buildSite({
    source,
    name: 'lists',
    edit(dir) {
      fs.rmSync(path.join(dir, 'badges/awards'), { recursive: true, force: true });
      fs.mkdirSync(path.join(dir, 'badges/status'), { recursive: true });
      const set = { revocation: [STATUS_AWARDS['e2e-revoked'][1]], suspension: [STATUS_AWARDS['e2e-suspended'][1]] };
      for (const purpose of Object.keys(LISTS)) {
        signWithSampleKey(statusList(purpose, set[purpose]), path.join(dir, 'badges/status', purpose + '.json'));
      }
    },
  });
  return built.public;
}

/** The award the forgery cases re-sign (Amara Okafor's in the sample). */
const FORGED_AWARD = '2024-dlf-0001';

/**
 * A forged copy of the sample site, built by rosette as a forger would: a key of the forger's
 * own added to rosette.toml (so to its did.json, under the issuer's DID), and one award
 * re-signed with it in another name. Its pages and files are all consistent with each other.
 */
function forgedCopy(source) {
  return buildSite({
    source,
    name: 'forged',
    edit(dir) {
      const key = path.join(dir, 'forger.secret');
      const made = spawnSync(rosetteBinary(), ['keygen', '--out', key], { encoding: 'utf8' });
      assert(made.status === 0, made.stderr);
      const publicKey = /public key \(Multikey\): (z\w+)/.exec(made.stdout)[1];
      fs.appendFileSync(path.join(dir, 'rosette.toml'), `\n[[keys]]\nid = "key-forged"\npublic_key = "${publicKey}"\nstatus = "active"\n`);
      const c = JSON.parse(read(path.join(SAMPLE, 'unsigned', FORGED_AWARD + '.json')));
      c.credentialSubject.name = 'Eve Forger';
      signWith(key, 'did:web:badges.northfield.example#key-forged', c, path.join(dir, 'badges/awards', FORGED_AWARD + '.json'));
      fs.rmSync(key);
    },
  });
}

function copySite(from) {
  const to = tempDir('rosette-variant-');
  fs.cpSync(from, to, { recursive: true });
  return to;
}

const read = (file) => fs.readFileSync(file, 'utf8');
const write = (file, text) => fs.writeFileSync(file, text);
function edit(file, from, to) {
  const text = read(file);
  assert(text.includes(from), `${path.basename(file)} does not contain ${JSON.stringify(from).slice(0, 80)}`);
  write(file, text.split(from).join(to));
}

/** What a badge page carries of an rdfc proof: [document, proof] N-Quads from its data-rdfc. */
function canonicalOf(pageFile) {
  const m = read(pageFile).match(/\bdata-rdfc="?([A-Za-z0-9+/=]+)/);
  assert(m, `${pageFile} carries no data-rdfc`);
  const text = zlib.inflateSync(Buffer.from(m[1], 'base64')).toString('utf8');
  const cut = text.indexOf('\0');
  assert(cut > 0, 'no separator in data-rdfc');
  return [text.slice(0, cut), text.slice(cut + 1)];
}

/** Rewrites what a badge page carries of an rdfc proof, re-encoded as the build does. */
function editCanonical(pageFile, change) {
  const [doc, proof] = change(canonicalOf(pageFile));
  const blob = zlib.deflateSync(Buffer.from(doc + '\0' + proof, 'utf8')).toString('base64');
  write(pageFile, read(pageFile).replace(/\bdata-rdfc="?[A-Za-z0-9+/=]+"?/, () => `data-rdfc="${blob}"`));
}

async function main() {
  const runner = new Runner();
  const source = sampleSource();
  const site = buildSite({
    source,
    edit(dir) {
      addStatus(dir);
      addLegacyLanguages(dir);
    },
  });
  const listsAfter = revokedLists(source);
  // The revoked state: the lists re-signed with bits on (and their N-Quads) replace the old ones.
  for (const purpose of Object.keys(LISTS)) {
    for (const ext of ['', '.nq', '.proof.nq']) {
      fs.copyFileSync(path.join(listsAfter, LISTS[purpose] + ext), path.join(site.public, LISTS[purpose] + ext));
    }
  }
  // Where a build knows a revocation's reason it puts it on the page (issue 7's `--reason`).
  const revokedPage = path.join(site.public, 'awards/e2e-revoked/index.html');
  if (!read(revokedPage).includes('data-revocation-reason')) {
    edit(revokedPage, 'id="rosette-credential"', `data-revocation-reason="${REVOCATION_REASON}" id="rosette-credential"`);
  }

  const awards = fs
    .readdirSync(path.join(site.public, 'awards'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ slug: f.slice(0, -5), credential: JSON.parse(read(path.join(site.public, 'awards', f))) }));
  const recipients = JSON.parse(read(path.join(SAMPLE, 'recipients.json'))).recipients;

  const browser = await launch();
  // A site at the issuer's real address (and, for copies, others at theirs).
  const open = async (dir, others = {}) => ({ url: BASE, sites: { [ORIGIN]: dir, ...others } });
  const main = await open(site.public);
  const context = await browser.newContext();
  const problems = [];
  context.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push('CSP: ' + m.text());
  });
  context.on('weberror', (e) => problems.push('page error: ' + e.error().message));
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (!ROUTED_HOSTS.includes(u.hostname) && u.protocol !== 'data:') problems.push('request to another origin: ' + r.url());
  });

  const visit = async (srv, slug) => {
    const page = await context.newPage();
    await routeSites(page, srv.sites);
    await page.goto(srv.url + 'awards/' + slug + '/');
    const result = await verdictOf(page);
    return { page, result };
  };
  const expectVerdict = async (srv, slug, verdict, extra) => {
    const { page, result } = await visit(srv, slug);
    try {
      const detail = result.checks.map((c) => `${c.name}=${c.state}`).join(' ');
      assert(result.verdict === verdict, `expected ${verdict}, got ${result.verdict}: ${result.text} [${detail}]`);
      if (extra) await extra(result, page);
    } finally {
      await page.close();
    }
  };

  // Every published badge: verified; a warning when it has expired; failed when its status
  // list (read here, independently of the page) says revoked or suspended.
  const now = Date.now();
  const expectationOf = (credential) => {
    for (const entry of [].concat(credential.credentialStatus || [])) {
      const file = path.join(site.public, entry.statusListCredential.slice(BASE.length));
      const list = JSON.parse(read(file));
      const bits = zlib.gunzipSync(Buffer.from(list.credentialSubject.encodedList.slice(1), 'base64url'));
      const i = Number(entry.statusListIndex);
      if ((bits[i >> 3] >> (7 - (i & 7))) & 1) return { verdict: 'failed', status: entry.statusPurpose };
    }
    const until = credential.validUntil ? Date.parse(credential.validUntil) : Infinity;
    return { verdict: until < now ? 'warning' : 'verified' };
  };
  for (const { slug, credential } of awards.filter((a) => !a.slug.startsWith('e2e-'))) {
    const expected = expectationOf(credential);
    const label = expected.status ? `failed (${expected.status})` : expected.verdict;
    await runner.case(`${slug} (${firstProof(credential).cryptosuite}) → ${label}`, () =>
      expectVerdict(main, slug, expected.verdict, (r) => {
        for (const name of ['format', 'signature', 'issuer-key', 'issuer', 'validity', 'status', 'recipient']) {
          assert(r.checks.some((c) => c.name === name), `no ${name} check`);
        }
        if (expected.verdict === 'warning') assert(/^\W*Expired/.test(r.text), 'the verdict does not lead with Expired: ' + r.text);
        // The verdict names the domain that vouches, for the visitor to compare with the address bar.
        if (expected.verdict !== 'failed') assert(r.text.includes(new URL(BASE).host), 'the verdict does not name the domain: ' + r.text);
        if (expected.status) {
          assert(r.text.includes(expected.status === 'revocation' ? 'Revoked' : 'Suspended'), r.text);
          // The reason the issuer gave (`rosette revoke --reason`) is on the page and in the verdict.
          const m = /data-revocation-reason=(?:"([^"]*)"|([^\s>"]+))/.exec(read(path.join(site.public, 'awards', slug, 'index.html')));
          const reason = m && (m[1] || m[2]).replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
          if (expected.status === 'revocation' && reason) assert(r.text.includes(reason), 'no reason in: ' + r.text);
        }
        assert(r.checks.find((c) => c.name === 'recipient').state === 'not-applicable', 'recipient checked before asked');
      }),
    );
  }

  // The facts check on what rosette published: each rdfc award's JSON says what its N-Quads
  // say, and any changed value would be seen (in Node: no browser needed for this part).
  const core = await loadCore();
  for (const { slug, credential } of awards.filter((a) => firstProof(a.credential).cryptosuite === 'eddsa-rdfc-2022')) {
    await runner.case(`${slug}: the page's JSON and N-Quads agree; every changed value detected`, () => {
      const { proof: _proofs, ...doc } = credential;
      const { proofValue, ...options } = firstProof(credential);
      const [docNq, proofNq] = canonicalOf(path.join(site.public, 'awards', slug, 'index.html'));
      mutationsDetected(core, doc, core.parseNQuads(docNq));
      mutationsDetected(core, options, core.parseNQuads(proofNq));
    });
  }

  // The same in Simplified Chinese: the page shows other texts of the same credentials.
  const zh = buildSite({
    source,
    name: 'zh',
    edit(dir) {
      const f = path.join(dir, 'rosette.toml');
      const text = read(f);
      assert(/^language = "en"$/m.test(text), 'rosette.toml has no `language = "en"` line');
      write(f, text.replace(/^language = "en"$/m, 'language = "zh-Hans"'));
      addLegacyLanguages(dir);
    },
  });
  const zhServer = await open(zh.public);
  for (const { slug, credential } of awards.filter((a) => !a.slug.startsWith('e2e-'))) {
    const { verdict } = expectationOf(credential);
    // The verdict and every check read in Chinese: the site's strings module (assets/
    // verify-strings.js) was loaded, and no check fell back to its bare key.
    await runner.case(`zh-Hans ${slug} → ${verdict}`, () =>
      expectVerdict(zhServer, slug, verdict, (r) => {
        for (const line of [r.text, ...r.checks.map((c) => c.text)]) {
          assert(/[\u4e00-\u9fff]/.test(line), `not in Chinese: ${line}`);
        }
      }),
    );
  }

  // Multilingual achievements (issue #19): the Chinese page takes the achievement's text from
  // its signed `Related` translation (2025-dlf-0003), or from the language value objects of an
  // award signed before (e2e-languages); the English page from the achievement's own text.
  const fact = (page, name) => page.$eval(`[data-fact="${name}"]`, (e) => e.textContent.trim());
  const DLF = { en: 'Data Literacy Foundations', zh: '数据素养基础' };
  for (const [srv, lang] of [[main, 'en'], [zhServer, 'zh']]) {
    for (const slug of ['2025-dlf-0003', 'e2e-languages']) {
      await runner.case(`${lang} ${slug}: the achievement's name in ${lang} → verified`, () =>
        expectVerdict(srv, slug, 'verified', async (r, page) => {
          const shown = await fact(page, 'achievement-name');
          assert(shown === DLF[lang], `achievement name shown: ${shown}`);
          const description = await fact(page, 'achievement-description');
          assert(/[\u4e00-\u9fff]/.test(description) === (lang === 'zh'), `description shown: ${description}`);
        }),
      );
    }
  }

  await runner.case('status list, entry clear → verified, status passed with the list date', () =>
    expectVerdict(main, 'e2e-status-ok', 'verified', (r) => {
      const status = r.checks.find((c) => c.name === 'status');
      assert(status.state === 'passed', 'status ' + status.state);
      assert(/15 January 2026/.test(status.text), 'no list date: ' + status.text);
    }),
  );
  await runner.case('revoked → failed, with its reason', () =>
    expectVerdict(main, 'e2e-revoked', 'failed', (r) => {
      assert(/Revoked/.test(r.text), r.text);
      assert(r.text.includes(REVOCATION_REASON), 'no reason in: ' + r.text);
      assert(r.checks.find((c) => c.name === 'status').state === 'failed', 'status not failed');
    }),
  );
  await runner.case('suspended → failed', () =>
    expectVerdict(main, 'e2e-suspended', 'failed', (r) => assert(/Suspended/.test(r.text), r.text)),
  );

  // Tampered variants, each in its own copy of the site.
  const rdfc = '2024-aml-0001';
  const jcsAward = awards.find((a) => firstProof(a.credential).cryptosuite === 'eddsa-jcs-2022');
  const name = (slug) => awards.find((a) => a.slug === slug).credential.credentialSubject.name;
  const variant = async (label, slug, change, expected = 'failed', check) => {
    await runner.case(label, async () => {
      const dir = copySite(site.public);
      change(dir);
      const srv = await open(dir);
      await expectVerdict(srv, slug, expected, check);
    });
  };
  const pageOf = (dir, slug) => path.join(dir, 'awards', slug, 'index.html');
  const jsonLd = (dir, slug, fn) => {
    const file = pageOf(dir, slug);
    const html = read(file);
    const m = /(<script [^>]*\bid="?rosette-credential\b[^>]*>)([\s\S]*?)(<\/script>)/.exec(html);
    assert(m, 'no embedded credential');
    const value = JSON.parse(m[2]);
    fn(value);
    write(file, html.replace(m[0], m[1] + JSON.stringify(value, null, 2).replace(/</g, '\\u003c') + m[3]));
  };
  const fatal = (r) => {
    assert(r.checks.some((c) => c.name === 'signature' && c.state === 'failed'), 'signature not failed');
    assert(!r.checks.some((c) => c.name === 'validity'), 'other checks shown after a fatal failure');
  };
  for (const slug of [rdfc, jcsAward.slug]) {
    // What rosette signed before issue #19 wrote `proof` as one object: the same signature.
    await variant(`${slug}: proof as one object (page and file) → verified`, slug, (d) => {
      const single = (c) => (c.proof = firstProof(c));
      jsonLd(d, slug, single);
      const f = path.join(d, 'awards', slug + '.json');
      const c = JSON.parse(read(f));
      single(c);
      write(f, JSON.stringify(c, null, 2));
    }, 'verified');
    // Taking `proof` out before hashing must not hide what else it holds.
    await variant(`${slug}: a string added to the proof set (page and file) → failed`, slug, (d) => {
      const padded = (c) => (c.proof = ['inserted', ...[].concat(c.proof)]);
      jsonLd(d, slug, padded);
      const f = path.join(d, 'awards', slug + '.json');
      const c = JSON.parse(read(f));
      padded(c);
      write(f, JSON.stringify(c, null, 2));
    }, 'failed', fatal);
    await variant(`${slug}: recipient name changed in the JSON-LD → failed`, slug, (d) => jsonLd(d, slug, (c) => (c.credentialSubject.name = 'Mallory Mallet')), 'failed', fatal);
    await variant(`${slug}: recipient name changed in the visible HTML → failed`, slug, (d) => edit(pageOf(d, slug), `>${name(slug)}<`, '>Mallory Mallet<'), 'failed', fatal);
    await variant(`${slug}: proofValue changed (page and file) → failed`, slug, (d) => {
      const swap = (c) => {
        const p = firstProof(c);
        p.proofValue = p.proofValue.slice(0, -4) + (p.proofValue.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      };
      jsonLd(d, slug, swap);
      const f = path.join(d, 'awards', slug + '.json');
      const c = JSON.parse(read(f));
      swap(c);
      write(f, JSON.stringify(c, null, 2));
    }, 'failed', fatal);
    await variant(`${slug}: did.json key replaced → failed`, slug, (d) => {
      const f = path.join(d, '.well-known/did.json');
      const doc = JSON.parse(read(f));
      doc.verificationMethod[0].publicKeyMultibase = 'z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2';
      write(f, JSON.stringify(doc, null, 2));
    }, 'failed', fatal);
  }
  await variant(`${rdfc}: achievement name changed in the visible HTML → failed`, rdfc, (d) => edit(pageOf(d, rdfc), 'data-fact="achievement-name">Applied Machine Learning Practitioner<', 'data-fact="achievement-name">Applied Quantum Computing Practitioner<'), 'failed', fatal);
  // The page carries the credential and what was signed: a file beside it is a copy for
  // verifiers and wallets, which the page's check does not lean on.
  await variant(`${rdfc}: credential file beside the page changed → the page still verified`, rdfc, (d) => {
    const f = path.join(d, 'awards', rdfc + '.json');
    write(f, read(f).replace(name(rdfc), 'Mallory Mallet'));
  }, 'verified');
  const nq = (edit) => (d) => editCanonical(pageOf(d, rdfc), edit);
  await variant(`${rdfc}: N-Quads the page carries edited → failed`, rdfc, nq(([doc, proof]) => {
    assert(doc.includes(`"${name(rdfc)}"`), 'the name is not in the N-Quads');
    return [doc.split(`"${name(rdfc)}"`).join('"Mallory Mallet"'), proof];
  }), 'failed', fatal);
  await variant(`${rdfc}: proof N-Quads the page carries edited → failed`, rdfc, nq(([doc, proof]) => {
    assert(proof.includes('2024-07-05T12:00:00Z'), 'no created date in the proof N-Quads');
    return [doc, proof.split('2024-07-05T12:00:00Z').join('2024-07-05T12:00:01Z')];
  }), 'failed', fatal);
  await variant(`${rdfc}: the page's N-Quads damaged → unknown, never verified`, rdfc, (d) => {
    const file = pageOf(d, rdfc);
    const html = read(file);
    const damaged = html.replace(/\bdata-rdfc=("?)([A-Za-z0-9+/]{20})/, 'data-rdfc=$1AAAA$2');
    assert(damaged !== html, 'no data-rdfc');
    write(file, damaged);
  }, 'unknown');
  await variant('status bit flipped in the published list → failed', 'e2e-status-ok', (d) => {
    const f = path.join(d, LISTS.revocation);
    const list = JSON.parse(read(f));
    list.credentialSubject.encodedList = encodedList([STATUS_AWARDS['e2e-revoked'][1], STATUS_AWARDS['e2e-status-ok'][1]]);
    write(f, JSON.stringify(list, null, 2));
  }, 'failed', (r) => {
    assert(!/Revoked/.test(r.text), 'a forged list must not read as a revocation: ' + r.text);
    assert(r.checks.find((c) => c.name === 'status').state === 'failed', 'status not failed');
  });
  await variant(`${rdfc}: did.json missing → unknown`, rdfc, (d) => fs.rmSync(path.join(d, '.well-known/did.json')), 'unknown', (r) => {
    assert(r.checks.find((c) => c.name === 'issuer-key').state === 'unknown', 'issuer-key not unknown');
  });
  await variant(`${rdfc}: the page's N-Quads missing → unknown`, rdfc, (d) => {
    const file = pageOf(d, rdfc);
    const html = read(file);
    const stripped = html.replace(/ data-rdfc="?[A-Za-z0-9+/=]+"?/, '');
    assert(stripped !== html, 'no data-rdfc');
    write(file, stripped);
  }, 'unknown');
  await variant('status list missing → unknown', 'e2e-status-ok', (d) => fs.rmSync(path.join(d, LISTS.revocation)), 'unknown');
  await variant(`${rdfc}: embedded credential is not JSON any more → failed`, rdfc, (d) => {
    const file = pageOf(d, rdfc);
    const html = read(file);
    const broken = html.replace(/(<script [^>]*\bid="?rosette-credential\b[^>]*>)\s*\{/, '$1{{');
    assert(broken !== html, 'no embedded credential');
    write(file, broken);
  });
  const other = awards.find((a) => a.slug !== rdfc && !a.slug.startsWith('e2e-')).slug;
  await variant(`a badge page copied over another badge's page → failed`, other, (d) => {
    // Everything on the page is genuine, but it is not the page of the credential it shows.
    fs.copyFileSync(pageOf(d, rdfc), pageOf(d, other));
  }, 'failed', fatal);
  await runner.case(`${rdfc}: a browser without Ed25519 → unknown, never verified`, async () => {
    const noEd = await browser.newContext();
    await noEd.addInitScript(() => {
      const importKey = SubtleCrypto.prototype.importKey;
      SubtleCrypto.prototype.importKey = function (format, key, algorithm, ...rest) {
        const name = typeof algorithm === 'string' ? algorithm : algorithm && algorithm.name;
        if (String(name).toLowerCase() === 'ed25519') return Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'));
        return importKey.call(this, format, key, algorithm, ...rest);
      };
    });
    const page = await noEd.newPage();
    try {
      await routeSites(page, main.sites);
      await page.goto(main.url + 'awards/' + rdfc + '/');
      const r = await verdictOf(page);
      assert(r.verdict === 'unknown', 'verdict ' + r.verdict);
      assert(r.checks.find((c) => c.name === 'signature').state === 'unknown', 'signature not unknown');
    } finally {
      await noEd.close();
    }
  });

  // Withdrawn means withdrawn everywhere: the sample's revoked award (its bit is set in the
  // sample's own status list) offers nothing to share, and its artwork, embed and preview say so.
  const revokedSample = awards.find((a) => !a.slug.startsWith('e2e-') && expectationOf(a.credential).status === 'revocation');
  await runner.case('a revoked badge page: greyed artwork, no share, LinkedIn, download, embed or QR; embed and preview say Revoked', async () => {
    assert(revokedSample, 'the sample has no revoked award');
    const { page, result } = await visit(main, revokedSample.slug);
    try {
      assert(result.verdict === 'failed' && /Revoked/.test(result.text), result.text);
      const dom = await page.evaluate(() => ({
        withdrawn: document.querySelector('article.award').dataset.withdrawn,
        filter: getComputedStyle(document.querySelector('.award-image img')).filter,
        share: document.querySelectorAll('.share, a[href*="linkedin.com"], a[download], textarea, .qr').length,
        note: (document.querySelector('.withdrawn-share') || {}).textContent || '',
        alt: (document.querySelector('meta[property="og:image:alt"]') || { content: '' }).content,
      }));
      assert(dom.withdrawn === 'revoked', 'article not marked withdrawn');
      assert(/grayscale/.test(dom.filter), 'artwork not greyed: ' + dom.filter);
      assert(dom.share === 0, `${dom.share} share, download or embed elements on a revoked page`);
      assert(/revoked/.test(dom.note), 'no note on why: ' + dom.note);
      // The sample's achievements have images, so the award has a preview card: it must say Revoked.
      assert(/^Revoked by /.test(dom.alt), 'the preview does not read as revoked: ' + dom.alt);
      // The site's one embed page, naming the award in its fragment, checks it: Revoked.
      await page.goto(BASE + 'embed/#awards/' + revokedSample.slug);
      await page.waitForFunction(() => !['pending', 'unchecked'].includes(document.querySelector('.embed-verify').dataset.verdict), null, { timeout: 10000 });
      const embed = await page.$eval('.embed-verify', (e) => ({ text: e.textContent, verdict: e.dataset.verdict }));
      assert(embed.verdict === 'failed' && /^Revoked/.test(embed.text.trim()), 'embed says ' + JSON.stringify(embed));
    } finally {
      await page.close();
    }
  });

  // The award page is the unit (#18): what was once a file per award comes from the page.
  const genuine = awards.find((a) => !a.slug.startsWith('e2e-') && expectationOf(a.credential).verdict === 'verified');
  await runner.case(`${genuine.slug}: the QR code inlined in the page decodes to the page's URL`, async () => {
    const { page } = await visit(main, genuine.slug);
    try {
      const svg = await page.$eval('.qr svg', (e) => e.outerHTML);
      assert(svg.length < 4000, `the inline QR code is ${svg.length} bytes`);
      const blank = await context.newPage();
      try {
        const text = await blank.evaluate(
          async ([markup, jsqr]) => {
            // jsQR, evaluated here (a blank page, no CSP), then the SVG drawn 8 px a module.
            const jsQR = new Function(jsqr + '; return jsQR;')();
            const img = new Image();
            img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(markup);
            await img.decode();
            const side = 400;
            const canvas = document.createElement('canvas');
            canvas.width = canvas.height = side;
            const g = canvas.getContext('2d');
            g.fillStyle = '#fff';
            g.fillRect(0, 0, side, side);
            g.drawImage(img, 0, 0, side, side);
            const code = jsQR(g.getImageData(0, 0, side, side).data, side, side);
            return code ? code.data : null;
          },
          [/xmlns=/.test(svg) ? svg : svg.replace('<svg ', '<svg xmlns="http://www.w3.org/2000/svg" '), read(path.join(HERE, 'node_modules/jsqr/dist/jsQR.js'))],
        );
        assert(text === BASE + 'awards/' + genuine.slug + '/', 'the QR code reads ' + text);
      } finally {
        await blank.close();
      }
    } finally {
      await page.close();
    }
  });
  await runner.case(`${genuine.slug}: og:image is an absolute 1200×627 PNG, its achievement's card`, async () => {
    const { page } = await visit(main, genuine.slug);
    try {
      const card = await page.$eval('meta[property="og:image"]', (e) => e.content);
      assert(card.startsWith(BASE + 'achievements/') && card.endsWith('.png'), 'og:image is ' + card);
      const head = await page.evaluate(async (u) => Array.from(new Uint8Array(await (await fetch(u)).arrayBuffer()).slice(0, 24)), card);
      const png = Buffer.from(head);
      assert(png.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])), 'not a PNG');
      assert(png.readUInt32BE(16) === 1200 && png.readUInt32BE(20) === 627, `${png.readUInt32BE(16)}×${png.readUInt32BE(20)}`);
    } finally {
      await page.close();
    }
  });
  await runner.case(`${genuine.slug}: the site's embed page shows the award and its verdict`, async () => {
    let page = await context.newPage();
    try {
      await routeSites(page, main.sites);
      await page.goto(BASE + 'embed/#awards/' + genuine.slug);
      await page.waitForFunction(() => !['pending', 'unchecked'].includes(document.querySelector('.embed-verify').dataset.verdict), null, { timeout: 10000 });
      const embed = await page.$eval('#rosette-embed', (e) => ({
        verdict: e.querySelector('.embed-verify').dataset.verdict,
        text: e.textContent,
        href: e.href,
        image: !e.querySelector('img').hidden,
      }));
      const subject = genuine.credential.credentialSubject;
      assert(embed.verdict === 'verified', 'embed verdict ' + JSON.stringify(embed));
      assert(embed.text.includes(subject.name) && embed.text.includes(subject.achievement.name), embed.text);
      assert(embed.href === BASE + 'awards/' + genuine.slug + '/' && embed.image, JSON.stringify(embed));
      // A fragment that names no award of this site is said plainly, never verified.
      await page.close();
      page = await context.newPage();
      await routeSites(page, main.sites);
      await page.goto(BASE + 'embed/#awards/no-such-award');
      await page.waitForFunction(() => !['pending', 'unchecked'].includes(document.querySelector('.embed-verify').dataset.verdict), null, { timeout: 10000 });
      const missing = await page.$eval('.embed-verify', (e) => e.dataset.verdict);
      assert(missing === 'failed', 'a missing award reads ' + missing);
    } finally {
      await page.close();
    }
  });
  // Without credential files the page is the credential: it still verifies, and "Download
  // credential" saves the signed bytes.
  const noFiles = buildSite({
    source,
    name: 'no-files',
    edit(dir) {
      addStatus(dir);
      fs.appendFileSync(path.join(dir, 'rosette.toml'), '\n[output]\ncredential_files = false\n');
    },
  });
  await runner.case(`[output] credential_files = false: ${genuine.slug} verifies, and saves its credential byte for byte`, async () => {
    assert(!fs.existsSync(path.join(noFiles.public, 'awards', genuine.slug + '.json')), 'a credential file was published');
    const srv = await open(noFiles.public);
    const { page, result } = await visit(srv, genuine.slug);
    try {
      assert(result.verdict === 'verified', result.text);
      const button = page.locator('[data-save-credential]');
      const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
      const saved = fs.readFileSync(await download.path());
      const signed = fs.readFileSync(path.join(noFiles.dir, 'badges', 'awards', genuine.slug + '.json'));
      assert(saved.equals(signed), 'the saved credential differs from the signed file');
      assert(download.suggestedFilename() === genuine.slug + '.json', download.suggestedFilename());
    } finally {
      await page.close();
    }
  });

  // A whole-site copy on another address, with a key of the copier's own added to its
  // did.json and an award re-signed with it under another name: the check reads the key from
  // the issuer's real domain, so the copy never verifies, and the page names the real domain.
  const forged = forgedCopy(source);
  const copyOrigin = new URL(COPY).origin;
  const forgedCase = async (label, realSite, expected) => {
    await runner.case(label, async () => {
      const page = await context.newPage();
      try {
        await routeSites(page, { [copyOrigin]: forged.public, [ORIGIN]: realSite });
        await page.goto(COPY + 'awards/' + FORGED_AWARD + '/');
        const r = await verdictOf(page);
        assert(r.verdict === expected, `expected ${expected}, got ${r.verdict}: ${r.text}`);
        const note = await page.$eval('#rosette-elsewhere', (e) => ({ hidden: e.hidden, text: e.textContent, kind: e.dataset.elsewhere }));
        assert(!note.hidden && note.kind === 'copy', 'no notice that this is a copy');
        assert(note.text.includes(new URL(BASE).host), 'the notice does not name the real domain: ' + note.text);
        const shown = await page.$eval('[data-fact=recipient-name]', (e) => e.textContent);
        assert(shown === 'Eve Forger', 'the forged page does not show the forged name: ' + shown);
      } finally {
        await page.close();
      }
    });
  };
  await forgedCase('forged copy on another origin, real issuer site up → failed, names the real domain', site.public, 'failed');
  await forgedCase('forged copy on another origin, real issuer site unreachable → unknown, never verified', null, 'unknown');
  await runner.case('the forged copy verifies against its own did.json (the test would catch a forgery)', async () => {
    // Served as if it were the issuer's site, the copy's own keys vouch for it: proof that the
    // two cases above fail because of where the key is read, not because the forgery is broken.
    const { page, result } = await visit(await open(forged.public), FORGED_AWARD);
    await page.close();
    assert(result.verdict === 'verified', 'the forged award does not verify on its own site: ' + result.verdict);
  });

  // Before the check ends, and without JavaScript, nothing on a badge page is green.
  const noGreen = async (page) => {
    const found = await page.evaluate(() => ({
      verified: document.querySelectorAll('[data-verdict="verified"]').length,
      passed: document.querySelectorAll('[data-state="passed"]').length,
    }));
    assert(found.verified === 0 && found.passed === 0, `green before the check: ${JSON.stringify(found)}`);
  };
  const tampered = copySite(site.public);
  edit(pageOf(tampered, rdfc), `>${name(rdfc)}<`, '>Mallory Mallet<');
  for (const [label, dir] of [['genuine', site.public], ['tampered', tampered]]) {
    await runner.case(`JavaScript off, ${label} page → no verified verdict, no passed check, a notice`, async () => {
      const noJs = await browser.newContext({ javaScriptEnabled: false });
      try {
        const page = await noJs.newPage();
        await routeSites(page, { [ORIGIN]: dir });
        await page.goto(BASE + 'awards/' + rdfc + '/');
        await noGreen(page);
        const verdict = await page.$eval('#rosette-verdict', (e) => e.dataset.verdict);
        assert(verdict === 'unchecked', 'static verdict ' + verdict);
        const noscript = await page.$eval('noscript', (e) => e.textContent);
        assert(/JavaScript is off/.test(noscript), 'no notice: ' + noscript);
      } finally {
        await noJs.close();
      }
    });
    await runner.case(`before the check finishes, ${label} page → no verified verdict, no passed check`, async () => {
      let release;
      const gate = new Promise((r) => (release = r));
      const page = await context.newPage();
      try {
        // The issuer's keys are held back: the check cannot end until they arrive.
        await routeSites(page, { [ORIGIN]: dir }, { hold: (u) => (u.pathname.endsWith('/did.json') ? gate : null) });
        await page.goto(BASE + 'awards/' + rdfc + '/', { waitUntil: 'domcontentloaded' });
        await page.waitForTimeout(300);
        await noGreen(page);
        const verdict = await page.$eval('#rosette-verdict', (e) => e.dataset.verdict);
        assert(verdict === 'pending' || verdict === 'unchecked' || verdict === 'failed', 'verdict before the keys: ' + verdict);
        release();
        const r = await verdictOf(page);
        assert(r.verdict === (label === 'genuine' ? 'verified' : 'failed'), 'final verdict ' + r.verdict);
      } finally {
        release();
        await page.close();
      }
    });
  }
  await runner.case('a tampered page marks the altered name as not verified, header included, in plain words', async () => {
    const { page, result } = await visit(await open(tampered), rdfc);
    try {
      assert(result.verdict === 'failed', 'verdict ' + result.verdict);
      const sig = result.checks.find((c) => c.name === 'signature');
      assert(sig.text.includes('“Mallory Mallet”') && sig.text.includes(`“${name(rdfc)}”`), 'not the plain form: ' + sig.text);
      const marked = await page.$$eval('[data-unverified]', (es) => es.map((e) => e.dataset.fact));
      assert(marked.includes('recipient-name'), 'the name is not marked: ' + marked.join(','));
    } finally {
      await page.close();
    }
  });

  // "Is this badge yours?"
  const emailCase = async (label, slug, typed, answer) => {
    await runner.case(label, async () => {
      const { page } = await visit(main, slug);
      try {
        await page.click('#rosette-recipient summary');
        await page.fill('#rosette-email', typed);
        await page.click('#rosette-recipient-form button');
        await page.waitForFunction(() => document.getElementById('rosette-recipient-result').dataset.answer);
        const got = await page.$eval('#rosette-recipient-result', (e) => e.dataset.answer);
        assert(got === answer, `expected ${answer}, got ${got}`);
        const state = await page.$eval('[data-check=recipient]', (e) => e.dataset.state);
        const want = { match: 'passed', 'no-match': 'failed', 'no-email': 'not-applicable' }[answer];
        assert(state === want, `recipient check ${state}, expected ${want}`);
      } finally {
        await page.close();
      }
    });
  };
  const withEmail = recipients.filter((r) => r.email);
  for (const r of withEmail) await emailCase(`${r.award}: its recipient's address → awarded`, r.award, r.email, 'match');
  await emailCase('an address typed with spaces around it → awarded (trimmed)', withEmail[0].award, `  ${withEmail[0].email}  `, 'match');
  await emailCase('another recipient\'s address → not awarded', withEmail[0].award, withEmail[1].email, 'no-match');
  const noEmail = recipients.find((r) => !r.email);
  if (noEmail) await emailCase(`${noEmail.award}: no e-mail identity → says so`, noEmail.award, withEmail[0].email, 'no-email');

  // "Check a file": baked images and JSON dropped on or chosen in the page.
  const fileCase = async (label, bytes, fileName, mime, expected, how = 'drop') => {
    await runner.case(label, async () => {
      const { page } = await visit(main, rdfc);
      try {
        if (how === 'drop') {
          await page.evaluate(
            ({ b64, fileName, mime }) => {
              const bin = atob(b64);
              const file = new File([Uint8Array.from(bin, (c) => c.charCodeAt(0))], fileName, { type: mime });
              const dt = new DataTransfer();
              dt.items.add(file);
              document.body.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
              document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
            },
            { b64: Buffer.from(bytes).toString('base64'), fileName, mime },
          );
        } else {
          await page.click('#rosette-file summary');
          await page.setInputFiles('#rosette-file-input', { name: fileName, mimeType: mime, buffer: Buffer.from(bytes) });
        }
        const r = await verdictOf(page, '#rosette-file-verdict');
        assert(r.verdict === expected, `expected ${expected}, got ${r.verdict}: ${r.text}`);
        const pageVerdict = await page.$eval('#rosette-verdict', (e) => e.dataset.verdict);
        assert(pageVerdict === 'verified', 'the page verdict changed to ' + pageVerdict);
      } finally {
        await page.close();
      }
    });
  };
  const published = read(path.join(site.public, 'awards', 'e2e-status-ok.json'));
  const heart = fs.readFileSync(path.join(SHARED, 'vectors/baking/ob2-concentricsky/public_domain_heart.png'));
  const svg = read(path.join(SHARED, 'vectors/baking/ob2-concentricsky/unbaked_example.svg'));
  await fileCase('baked PNG of a published rdfc badge, dropped on the page → verified', bakePng(heart, JSON.stringify(JSON.parse(published))), 'badge.png', 'image/png', 'verified');
  await fileCase('baked SVG of a published rdfc badge, dropped on the page → verified', Buffer.from(bakeSvg(svg, published)), 'badge.svg', 'image/svg+xml', 'verified');
  const jcsText = read(path.join(site.public, 'awards', jcsAward.slug + '.json'));
  await fileCase('baked PNG of a JCS badge, chosen with the file input → verified', bakePng(heart, jcsText), 'jcs.png', 'image/png', 'verified', 'input');
  await fileCase('credential JSON with a changed name, dropped → failed', Buffer.from(published.replace(name('e2e-status-ok'), 'Mallory Mallet')), 'badge.json', 'application/json', 'failed');
  const expiredAward = awards.find((a) => a.credential.validUntil && Date.parse(a.credential.validUntil) < now);
  if (expiredAward) {
    await fileCase('an expired badge as JSON → warning', Buffer.from(read(path.join(site.public, 'awards', expiredAward.slug + '.json'))), 'old.json', 'application/json', 'warning', 'input');
  }
  await fileCase('the 1EdTech baked PNG (rdfc, not published here) → could not check', fs.readFileSync(path.join(SHARED, 'vectors/baking/ob3-derived/baked-ob3-ldp.png')), 'ob3.png', 'image/png', 'unknown');
  await fileCase('an Open Badges 2.0 baked PNG → could not read', fs.readFileSync(path.join(SHARED, 'vectors/baking/ob2-concentricsky/baked_heart.png')), 'ob2.png', 'image/png', 'unknown');

  await runner.case('no request left this site, no CSP violation, no script error', () => {
    assert(problems.length === 0, problems.slice(0, 5).join('; '));
  });

  await browser.close();
  runner.finish();
}

main().catch((e) => {
  console.error(e);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
