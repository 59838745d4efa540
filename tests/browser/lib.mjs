// Shared helpers of the browser tests: find the repository and the rosette binary, build a
// site into a temporary folder, serve it on 127.0.0.1, and launch the system Chromium.
// Nothing here downloads a browser or reaches the network.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');
export const SHARED = path.resolve(process.env.ROSETTE_SHARED || path.join(ROOT, '../shared'));
export const CHROMIUM = process.env.ROSETTE_CHROMIUM || '/usr/bin/chromium';

/** The rosette binary: ROSETTE_BIN, else target/release, else target/debug. */
export function rosetteBinary() {
  const candidates = [process.env.ROSETTE_BIN, path.join(ROOT, 'target/release/rosette'), path.join(ROOT, 'target/debug/rosette')];
  const found = candidates.find((p) => p && fs.existsSync(p));
  if (!found) throw new Error('no rosette binary: run `cargo build --release` (or set ROSETTE_BIN)');
  return found;
}

const madeDirs = [];

/** A temporary folder, removed when the process exits (kept with ROSETTE_KEEP_TEMP=1). */
export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

process.on('exit', () => {
  if (process.env.ROSETTE_KEEP_TEMP) return;
  for (const dir of madeDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Builds a site: copies `rosette.toml` and `badges/` of `source` (default: the repository's
 * sample site) into a temporary folder, applies `edit(dir)`, runs `rosette build` there and
 * returns {dir, public, baseUrl, config}. The theme comes from the repository's
 * themes/default (copied too, so the pages use the files under test).
 */
export function buildSite({ source = ROOT, edit, name = 'site' } = {}) {
  const dir = tempDir(`rosette-${name}-`);
  fs.copyFileSync(path.join(source, 'rosette.toml'), path.join(dir, 'rosette.toml'));
  fs.cpSync(path.join(source, 'badges'), path.join(dir, 'badges'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'themes/default'), path.join(dir, 'themes/default'), { recursive: true });
  if (edit) edit(dir);
  const run = spawnSync(rosetteBinary(), ['build'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (run.status !== 0) throw new Error(`rosette build failed in ${dir}:\n${run.stderr}`);
  const config = fs.readFileSync(path.join(dir, 'rosette.toml'), 'utf8');
  const baseUrl = /^base_url\s*=\s*"([^"]+)"/m.exec(config)[1];
  return { dir, public: path.join(dir, 'public'), baseUrl, config };
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.jsonld': 'application/ld+json',
  '.nq': 'application/n-quads; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves `dir` on 127.0.0.1 (a random port) under the path of `baseUrl`, as a static host
 * would: `x/` serves `x/index.html`, unknown paths are 404. Returns {url, close, requests}:
 * `url` is where the site root is; `requests` lists every path asked for.
 */
export async function serve(dir, baseUrl = '/') {
  const prefix = new URL(baseUrl, 'http://x').pathname;
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    requests.push(url.pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    let rel;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (!rel.startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    rel = rel.slice(prefix.length);
    if (rel.split('/').some((s) => s === '..' || s.includes('\0'))) {
      res.writeHead(400).end();
      return;
    }
    let file = path.join(dir, rel);
    if (rel === '' || rel.endsWith('/')) file = path.join(file, 'index.html');
    fs.stat(file, (err, st) => {
      if (!err && st.isDirectory()) {
        res.writeHead(301, { Location: url.pathname + '/' }).end();
        return;
      }
      if (err || !st.isFile()) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
        'Content-Length': st.size,
        'Cache-Control': 'no-cache',
      });
      if (req.method === 'HEAD') res.end();
      else fs.createReadStream(file).pipe(res);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The file a static host serves for a URL path under a site folder, or null (404). */
function staticFile(dir, pathname) {
  let rel;
  try {
    rel = decodeURIComponent(pathname).replace(/^\/+/, '');
  } catch {
    return null;
  }
  if (rel.split('/').some((s) => s === '..' || s.includes('\0'))) return null;
  let file = path.join(dir, rel);
  if (rel === '' || rel.endsWith('/')) file = path.join(file, 'index.html');
  else if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
  return fs.existsSync(file) && fs.statSync(file).isFile() ? file : null;
}

/**
 * Serves sites at their real https:// addresses inside a playwright page or context: every
 * request whose origin is a key of `sites` is fulfilled from the folder it maps to, as a static
 * host would (`x/` → `x/index.html`, 404 otherwise), with the CORS header rosette's `_headers`
 * asks for on its data files; a `null` folder, and any origin not listed, is a host that cannot
 * be reached. `hold(url)`, when given, may return a promise the response waits for. Returns the
 * list of URLs requested. Nothing leaves the machine.
 */
export async function routeSites(target, sites, { hold } = {}) {
  const requests = [];
  await target.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    requests.push(url.href);
    const dir = sites[url.origin];
    if (!dir) return route.abort('connectionrefused');
    if (hold) await hold(url);
    const file = staticFile(dir, url.pathname);
    if (!file) return route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
    const headers = { 'cache-control': 'no-cache' };
    if (/\.(json|nq)$/.test(file)) headers['access-control-allow-origin'] = '*';
    return route.fulfill({ status: 200, contentType: TYPES[path.extname(file)] || 'application/octet-stream', headers, body: fs.readFileSync(file) });
  });
  return requests;
}

/**
 * A built site at its real address, for routeSites: `{url, sites, close}` in the shape of
 * serve()'s result, so that a test opens `url + 'awards/x/'` after routing `sites`.
 */
export function siteAt(dir, baseUrl) {
  return { url: baseUrl, sites: { [new URL(baseUrl).origin]: dir }, close: async () => {} };
}

/** The Chromium flags the tests use: headless, no sandbox (CI containers), nothing online. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches the system Chromium (never a downloaded one) with a fresh profile. */
export async function launch() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's \`chromium\` (bash scripts/test.sh does)`);
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** Waits until the element `selector` has a data-verdict other than pending (and not the static one). */
export async function verdictOf(page, selector = '#rosette-verdict', timeout = 10000) {
  await page.waitForFunction(
    (sel) => {
      const e = document.querySelector(sel);
      return e && !e.classList.contains('verdict-static') && e.dataset.verdict && e.dataset.verdict !== 'pending';
    },
    selector,
    { timeout },
  );
  return page.$eval(selector, (e) => ({
    verdict: e.dataset.verdict,
    text: e.textContent,
    checks: Array.from(e.closest('section, .file-result').querySelectorAll('[data-check]'), (c) => ({
      name: c.dataset.check,
      state: c.dataset.state,
      text: c.textContent,
    })),
  }));
}

/** A tiny test runner: named cases, a closing `N passed, M failed` line. */
export class Runner {
  constructor() {
    this.passed = 0;
    this.failed = 0;
    this.skipped = 0;
  }
  async case(name, fn) {
    const started = Date.now();
    try {
      const skip = await fn();
      if (typeof skip === 'string') {
        this.skipped++;
        console.log(`skip  ${name}: ${skip}`);
        return;
      }
      this.passed++;
      console.log(`ok    ${name} (${Date.now() - started} ms)`);
    } catch (e) {
      this.failed++;
      console.log(`FAIL  ${name}: ${e && e.message ? e.message : e}`);
    }
  }
  finish() {
    const skipped = this.skipped ? `, ${this.skipped} skipped` : '';
    console.log(`${this.passed} passed, ${this.failed} failed${skipped}`);
    process.exitCode = this.failed ? 1 : 0;
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export const SAMPLE = path.join(ROOT, 'tests/fixtures/sample-site');

/** A credential's first proof: rosette writes `proof` as a set (an array), older files as one object. */
export const firstProof = (credential) => [].concat(credential.proof)[0];
export const SAMPLE_VM = 'did:web:badges.northfield.example#key-1';

/** Signs a credential (a value) with the sample key into `out`, as scripts/sign-samples.sh does. */
export function signWithSampleKey(credential, out, options = {}) {
  signWith(path.join(SAMPLE, 'issuer.secret'), SAMPLE_VM, credential, out, options);
}

/** Signs a credential (a value) with the key in `keyFile`, as `verificationMethod`, into `out`. */
export function signWith(keyFile, verificationMethod, credential, out, { suite = 'eddsa-rdfc-2022', created } = {}) {
  const dir = tempDir('rosette-sign-');
  const input = path.join(dir, 'in.json');
  fs.writeFileSync(input, JSON.stringify(credential, null, 2) + '\n');
  const key = path.join(dir, 'key.secret');
  fs.writeFileSync(key, fs.readFileSync(keyFile), { mode: 0o600 });
  fs.chmodSync(key, 0o600);
  const args = ['sign', '--key', key, '--suite', suite, '--verification-method', verificationMethod];
  if (created || credential.validFrom) args.push('--created', created || credential.validFrom);
  args.push(input, '-o', out);
  const run = spawnSync(rosetteBinary(), args, { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`rosette sign failed: ${run.stderr}`);
}

/**
 * The sample site's source folder: the repository root when badges/awards holds the signed
 * awards; otherwise a temporary copy whose awards are signed here from
 * tests/fixtures/sample-site/unsigned (what scripts/sign-samples.sh writes).
 */
export function sampleSource() {
  const awards = path.join(ROOT, 'badges/awards');
  if (fs.existsSync(awards) && fs.readdirSync(awards).some((f) => f.endsWith('.json'))) return ROOT;
  const dir = tempDir('rosette-sample-');
  fs.copyFileSync(path.join(ROOT, 'rosette.toml'), path.join(dir, 'rosette.toml'));
  fs.cpSync(path.join(ROOT, 'badges'), path.join(dir, 'badges'), { recursive: true });
  fs.rmSync(path.join(dir, 'badges/awards'), { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'badges/awards'), { recursive: true });
  for (const f of fs.readdirSync(path.join(SAMPLE, 'unsigned'))) {
    const c = JSON.parse(fs.readFileSync(path.join(SAMPLE, 'unsigned', f), 'utf8'));
    const suite = f === '2026-dlf-0004.json' ? 'eddsa-jcs-2022' : 'eddsa-rdfc-2022';
    signWithSampleKey(c, path.join(dir, 'badges/awards', f), { suite });
  }
  return dir;
}

/** A Bitstring Status List `encodedList` of `entries` bits with the bits in `set` on. */
export function encodedList(set = [], entries = 131072) {
  const bytes = Buffer.alloc(entries / 8);
  for (const i of set) bytes[i >> 3] |= 0x80 >> (i & 7);
  return 'u' + zlib.gzipSync(bytes).toString('base64url');
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Bakes credential text into a PNG (OB 3.0: iTXt `openbadgecredential`, uncompressed, after IHDR). */
export function bakePng(png, text) {
  const data = Buffer.concat([Buffer.from('openbadgecredential\0\0\0\0\0', 'latin1'), Buffer.from(text, 'utf8')]);
  const type = Buffer.from('iTXt', 'latin1');
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  type.copy(chunk, 4);
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(Buffer.concat([type, data])), 8 + data.length);
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

/** Bakes credential JSON into an SVG (OB 3.0: `<openbadges:credential>` with CDATA after `<svg>`). */
export function bakeSvg(svg, text) {
  return svg.replace(/<svg\b([^>]*)>/, (all, attrs) => `<svg${attrs} xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential><![CDATA[${text}]]></openbadges:credential>`);
}

/**
 * The page's verifier (themes/default/static/rosette-core.js) as a module. The file is an ES
 * module without a package.json saying so; a Node that does not detect module syntax gets it
 * as a data: URL.
 */
export async function loadCore() {
  const file = path.join(ROOT, 'themes/default/static/rosette-core.js');
  return import(pathToFileURL(file).href).catch(() =>
    import('data:text/javascript;base64,' + fs.readFileSync(file).toString('base64')),
  );
}

/**
 * The facts check on one credential (JSON without proof) and its canonical N-Quads: they
 * agree, and every single-value change of the JSON is detected. Returns how many values.
 */
export function mutationsDetected(core, doc, quads) {
  const leaves = [];
  const walk = (v, p) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, p.concat(i)));
    else if (v && typeof v === 'object') Object.keys(v).forEach((k) => k !== '@context' && walk(v[k], p.concat(k)));
    else leaves.push(p);
  };
  walk(doc, []);
  const same = core.compareWithQuads(doc, quads);
  assert(!same, 'the unchanged credential differs: ' + JSON.stringify(same));
  for (const p of leaves) {
    const changed = structuredClone(doc);
    const parent = p.slice(0, -1).reduce((a, k) => a[k], changed);
    const v = parent[p.at(-1)];
    parent[p.at(-1)] = typeof v === 'string' ? v + ' ' : typeof v === 'number' ? v + 1 : !v;
    assert(core.compareWithQuads(changed, quads), `not detected: ${p.join('.')}`);
  }
  return leaves.length;
}
