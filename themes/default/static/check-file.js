// @ts-check
// check-file.js: "Check a file" on a badge page, loaded only when the visitor uses it.
//
// Takes a credential JSON, a baked PNG (iTXt chunk `openbadgecredential`, uncompressed) or a
// baked SVG (`<openbadges:credential>` with the JSON in CDATA), and runs the same checks as
// the page. A key is read from this site's did.json when the credential names this site's
// issuer (did:key keys need nothing). eddsa-jcs-2022 credentials are canonicalized here; an
// eddsa-rdfc-2022 credential is checked when it is exactly one this site published (the
// N-Quads its badge page carries are then used): this page has no JSON-LD processor, so it cannot
// canonicalize a credential the site did not publish, and says so.

import * as core from './rosette-core.js';
import { t, page, showVerdict, showChecks, verdictWords, getText, canonicalForms } from './verify.js';

/** @import { JsonValue } from './rosette-core.js' */
/** @import { LooseJson, ShownVerdict } from './verify.js' */

const MAX_FILE_BYTES = 8 * 1024 * 1024;
const OB3_SVG_NS = 'https://purl.imsglobal.org/ob/v3p0';
const OB2_SVG_NS = 'http://openbadges.org';

class Unreadable extends Error {}

/**
 * The canonical forms carried by the badge page of `credential` on this site (this page's own
 * when it is that page): [document, proof], or null when there are none to be had.
 * @param {LooseJson} credential
 * @returns {Promise<[string, string] | null>}
 */
async function publishedCanonical(credential) {
  const pageUrl = typeof credential.id === 'string' ? page.local(credential.id) : null;
  if (!pageUrl) return null;
  const target = new URL(pageUrl.replace(/\/*$/, '/'), document.baseURI).href;
  try {
    if (target === new URL('.', location.href).href) return page.canonical ? await page.canonical : null;
    const html = await getText(target);
    if (html === null) return null;
    const el = new DOMParser().parseFromString(html, 'text/html').getElementById('rosette-credential');
    return el && el.dataset.rdfc ? await canonicalForms(el.dataset.rdfc) : null;
  } catch {
    return null;
  }
}

/** @param {Uint8Array} bytes */
const latin1 = (bytes) => String.fromCharCode(...bytes);

/**
 * The credential text baked into a PNG (OB 3.0 §Baked Badge, PNG).
 * @param {Uint8Array} bytes
 */
export function credentialFromPng(bytes) {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!sig.every((b, i) => bytes[i] === b)) throw new Unreadable('file_not_png');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let legacy = false;
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    const type = latin1(bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (at + 12 + length > bytes.length) break;
    if (type === 'iTXt' || type === 'tEXt') {
      const nul = data.indexOf(0);
      const keyword = nul > 0 ? latin1(data.subarray(0, nul)) : '';
      if (type === 'iTXt' && keyword === 'openbadgecredential') {
        if (data[nul + 1] !== 0) throw new Unreadable('file_png_compressed');
        let i = nul + 3;
        i = data.indexOf(0, i) + 1; // language tag
        if (i === 0) throw new Unreadable('file_png_bad');
        i = data.indexOf(0, i) + 1; // translated keyword
        if (i === 0) throw new Unreadable('file_png_bad');
        return new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(i));
      }
      if (keyword === 'openbadges') legacy = true;
    }
    if (type === 'IEND') break;
    at += 12 + length;
  }
  throw new Unreadable(legacy ? 'file_ob2' : 'file_not_baked');
}

/**
 * The credential text baked into an SVG (OB 3.0 §Baked Badge, SVG).
 * @param {string} text
 */
export function credentialFromSvg(text) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  if (doc.getElementsByTagName('parsererror').length) throw new Unreadable('file_svg_bad');
  const el = doc.getElementsByTagNameNS(OB3_SVG_NS, 'credential')[0];
  if (!el) {
    throw new Unreadable(doc.getElementsByTagNameNS(OB2_SVG_NS, 'assertion').length ? 'file_ob2' : 'file_not_baked');
  }
  if (el.hasAttribute('verify')) throw new Unreadable('file_jwt');
  return el.textContent;
}

/**
 * The credential in a file: JSON, baked PNG or baked SVG.
 * @param {Uint8Array} bytes
 * @returns {JsonValue}
 */
export function credentialFromFile(bytes) {
  if (bytes[0] === 0x89) return JSON.parse(credentialFromPng(bytes));
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new Unreadable('file_unknown');
  }
  const head = text.trimStart();
  if (head.startsWith('{')) return JSON.parse(head);
  if (head.startsWith('<')) return JSON.parse(credentialFromSvg(text));
  if (/^ey[\w-]+\.[\w-]+\.[\w-]*$/.test(head.trim())) throw new Unreadable('file_jwt');
  throw new Unreadable('file_unknown');
}

/**
 * A new element with attributes and text.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {{[name: string]: string}} [attrs]
 * @param {string} [text]
 */
function element(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Checks one file and shows the result in #rosette-file-result.
 * @param {File} file
 */
export async function checkFile(file) {
  // In #rosette-file, which verify.js found before it loaded this.
  const out = /** @type {HTMLElement} */ (document.getElementById('rosette-file-result'));
  const box = element('p', { id: 'rosette-file-verdict', class: 'verdict', role: 'status', 'aria-live': 'polite' });
  const list = element('ul', { class: 'checks', id: 'rosette-file-checks' });
  const said = element('p', { class: 'file-name' }, t('file_name', { name: file.name }));
  out.replaceChildren(said, box, list);
  showVerdict(box, 'pending', t('pending'), '');

  /** @type {LooseJson} */
  let credential;
  try {
    if (file.size > MAX_FILE_BYTES) throw new Unreadable('file_too_large');
    credential = credentialFromFile(new Uint8Array(await file.arrayBuffer()));
    if (!credential || typeof credential !== 'object' || Array.isArray(credential)) throw new Unreadable('file_not_credential');
  } catch (e) {
    const key = e instanceof Unreadable ? e.message : e instanceof SyntaxError ? 'file_not_json' : 'file_unknown';
    showVerdict(box, 'unknown', t('verdict_unreadable'), t(key));
    return;
  }

  // Did this site publish it? Then its page carries what its proof signed (for
  // eddsa-rdfc-2022), which the check compares the file with.
  const forms = await publishedCanonical(credential);
  const canonical = forms ? Promise.resolve(forms) : null;
  /** @type {ShownVerdict} */
  let result;
  try {
    result = await core.verifyCredential(credential, {
      now: Date.now(),
      local: page.local,
      get: getText,
      cache: page.cache,
      published: null,
      canonical,
      language: page.language,
    });
  } catch {
    result = { outcome: 'unknown', headline: { key: 'verdict_unknown', params: { reason: { key: 'page_unreadable', params: {} } } }, checks: [], fatal: false };
  }
  const { title, detail } = verdictWords(result);
  showChecks(list, result);
  showVerdict(box, result.outcome, title, detail);
  if (!result.fatal) {
    const s = credential.credentialSubject || {};
    const a = s.achievement || {};
    /** @param {string | null} x */
    const clean = (x) => (x === null ? null : core.cleanText(x));
    /** @param {LooseJson} v */
    const name = (v) => clean(core.pick(v, page.language));
    const what = /** @type {[string, string | null][]} */ ([
      ['file_achievement', clean(core.pickAchievement(a, 'name', page.language))],
      ['file_recipient', name(s.name)],
      ['file_issuer', credential.issuer && typeof credential.issuer === 'object' ? name(credential.issuer.name) : core.issuerId(credential)],
    ]).filter(([, v]) => v);
    if (what.length) {
      const dl = element('dl', { class: 'file-facts' });
      // `v` is not null: the filter above.
      for (const [k, v] of what) dl.append(element('dt', {}, t(k)), element('dd', {}, /** @type {string} */ (v)));
      out.append(dl);
    }
  }
}
