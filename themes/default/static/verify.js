// @ts-check
// verify.js: the badge page checks itself in the visitor's browser (issue 6).
//
// It reads the signed credential embedded in the page (#rosette-credential), reads only
// same-origin files (the published credential and its N-Quads, did.json, keys.json, the status
// list), runs rosette-core.js, and writes the verdict into #rosette-verdict (data-verdict =
// pending, then verified | warning | failed | unknown) and one line per check (data-check,
// data-state). Text is always inserted as text, never as HTML. "Is this badge yours?" hashes
// the address here; "Check a file" loads check-file.js on demand.

import * as core from './rosette-core.js';
import siteStrings from './verify-strings.js';

/** @import { CheckName, CheckState, FactProblem, JsonValue, Message, Outcome, Params, Verdict } from './rosette-core.js' */

/**
 * A verdict as the page shows it: core.summarize's, or one made here when the check itself
 * could not run.
 * @typedef {Omit<Verdict, 'allChecks'>} ShownVerdict
 */
/**
 * What the page's scripts share (verify.js, check-file.js, embed.js): read from the head of the
 * badge page (readHead), or set by embed.js on the embed page (its first six members), before
 * anything reads them.
 * @typedef {object} Page
 * @property {string} base  the site's base URL (`<meta name="rosette-base">`), or ''
 * @property {string | null} issuerOrigin  the base URL's origin when it is https
 * @property {URL} root  the site's root
 * @property {(url: unknown) => string | null} local  see makeLocal
 * @property {Map<string, Promise<string | null>>} cache  reads shared by every check of the page
 * @property {string} language
 * @property {string | null} file  the credential's JSON file as the site published it
 * @property {string | null} revocationReason
 * @property {string} exact  the credential's text exactly as signed
 * @property {Promise<[string, string]> | null} canonical  what an eddsa-rdfc-2022 proof signed
 * @property {JsonValue | null} credential  null: the page's credential is not JSON
 * @property {HTMLLIElement} [recipientItem]  the recipient check's line
 * @property {HTMLElement} [section]  #rosette-verify
 */
/**
 * JSON read loosely for display, member by member, where a member that is not there, or of
 * another kind, reads as undefined: how the page shows a credential's names (the checks in
 * rosette-core.js read it as JsonValue, strictly).
 * @typedef {any} LooseJson
 */

/**
 * The interface strings (the theme's i18n catalogue, keys `verify_…`): the module the build
 * writes for the site's language, which a page may amend with a #rosette-i18n JSON script.
 * @type {{[key: string]: string}}
 */
let strings = siteStrings;
let language = 'en';

/**
 * The words for message `key` (`verify_<key>` in the strings) with its `{parameters}` filled
 * in; the key itself when there are none.
 * @param {string} key
 * @param {Params} [params]
 * @returns {string}
 */
export function t(key, params = {}) {
  const text = strings['verify_' + key];
  if (text === undefined) return key;
  return text.replace(/\{(\w+)\}/g, (all, name) => (name in params ? formatParam(name, params[name]) : all));
}

/**
 * A message parameter in words: dates in the page's language, lists joined, messages and fact
 * problems in words.
 * @param {string} name
 * @param {unknown} value
 * @returns {string}
 */
function formatParam(name, value) {
  if (value === null || value === undefined) return '';
  if (['date', 'from', 'until', 'created'].includes(name) && typeof value === 'number') return core.humanDate(value, language);
  if (name === 'purposes' && Array.isArray(value)) {
    return value.map((p) => strings['verify_not_' + p] || p).join(t('list_separator'));
  }
  if (name === 'problems' && Array.isArray(value)) return value.map(describeProblem).join(' ');
  if (name === 'reason' && typeof value === 'string') return t('reason', { text: value });
  if (typeof value === 'object' && /** @type {Message} */ (value).key) return message(/** @type {Message} */ (value));
  return String(value);
}

/** @param {FactProblem} p */
function describeProblem(p) {
  const what = strings['verify_fact_' + p.fact.replace(/-/g, '_')] || p.fact;
  if (p.shown === null) return t('fact_missing', { what });
  if (p.signed === null) return t('fact_unsigned', { what, shown: p.shown });
  return t('fact_differs', { what, shown: p.shown, signed: p.signed });
}

/**
 * The words for a core message ({key, params}).
 * @param {Message} m
 */
export function message(m) {
  return t(m.key, m.params);
}

/** @type {{[state: string]: string}} */
const ICONS = { passed: '✓', warning: '!', failed: '✕', unknown: '?', 'not-applicable': '–', pending: '…' };
/** @type {{[outcome: string]: string}} */
const VERDICT_ICONS = { verified: '✓', warning: '!', failed: '✕', unknown: '?', pending: '…' };

/**
 * A new element with a class and text.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {string} [text]
 */
function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Text with identifiers (URLs, DIDs, key ids) that a narrow screen may wrap only between their
 * parts: a <wbr> after `/` and `:` (not in a time of day) and before `#`, never inside a
 * domain name. The text a
 * reader copies, and textContent, are unchanged.
 * @param {string} text
 */
export function breakable(text) {
  const frag = document.createDocumentFragment();
  for (const part of String(text).split(/(?<=\/)|(?<=:)(?!\d)|(?=#)/)) {
    if (frag.childNodes.length) frag.append(document.createElement('wbr'));
    frag.append(part);
  }
  return frag;
}

/**
 * One check as a list item: icon and state in words, the check's name, what it means.
 * @param {CheckName} name
 * @param {CheckState} state
 * @param {string} text
 */
export function checkItem(name, state, text) {
  const li = el('li', 'check');
  li.dataset.check = name;
  li.dataset.state = state;
  const icon = el('span', 'icon', ICONS[state] || '?');
  icon.setAttribute('aria-hidden', 'true');
  const s = el('span', 'state');
  s.append(icon, el('span', 'state-word', t('state_' + state.replace('-', '_'))));
  // Read as "Signature: Passed. Valid … signature by …".
  const msg = el('span', 'check-message');
  msg.append(breakable(text));
  li.append(el('span', 'check-name', t('check_' + name.replace('-', '_'))), s, msg);
  return li;
}

/**
 * Writes a verdict: its element's data-verdict, an icon, the title and one line of meaning.
 * @param {HTMLElement} box
 * @param {Outcome | 'pending'} outcome
 * @param {string} title
 * @param {string} detail
 */
export function showVerdict(box, outcome, title, detail) {
  box.dataset.verdict = outcome;
  box.classList.remove('verdict-static');
  box.replaceChildren();
  const icon = el('span', 'verdict-icon', VERDICT_ICONS[outcome] || '?');
  icon.setAttribute('aria-hidden', 'true');
  const words = el('span', 'verdict-words');
  words.append(el('strong', 'verdict-title', title));
  if (detail) {
    const d = el('span', 'verdict-detail');
    d.append(breakable(detail));
    words.append(d);
  }
  box.append(icon, words);
}

/**
 * Title and detail of a result from core.summarize.
 * @param {ShownVerdict} result
 */
export function verdictWords(result) {
  const h = result.headline;
  return { title: t(h.key, h.params), detail: t(h.key + '_detail', h.params) };
}

/**
 * Writes a result's checks into `list` (the fatal case shows only what failed).
 * @param {HTMLElement} list
 * @param {ShownVerdict} result
 * @param {HTMLElement[]} [extra]  lines after the checks
 */
export function showChecks(list, result, extra = []) {
  list.replaceChildren(...result.checks.map((c) => checkItem(c.name, c.state, message(c.message))), ...extra);
  if (result.fatal) list.append(el('li', 'checks-hidden', t('checks_hidden')));
}

/**
 * The URL this site publishes `url` at, relative to this page; null for anything else.
 * @param {string} base
 * @param {URL} root
 * @returns {(url: unknown) => string | null}
 */
export function makeLocal(base, root) {
  return (url) => {
    if (!base || typeof url !== 'string' || !url.startsWith(base)) return null;
    const rest = url.slice(base.length).split(/[?#]/)[0];
    if (rest.split('/').some((s) => s === '..' || s === '.')) return null;
    const u = new URL(rest, root);
    return u.origin === location.origin ? u.href : null;
  };
}

/**
 * Where the documents that vouch for a badge are read (the issuer's did.json and keys.json,
 * status lists): at their own https address, as did:web §Read says, never from the site that
 * serves this page, which may be a copy. On the issuer's site that is this origin; elsewhere
 * it is a CORS request to the issuer's domain (which the page's CSP allows, and no other).
 * @param {unknown} url
 */
export function remoteOf(url) {
  return typeof url === 'string' && url.startsWith('https://') ? url.split('#')[0] : null;
}

/**
 * Reads a URL of this page's origin or of the issuer's domain: its text, null when it is not
 * there, an error otherwise.
 * @param {string} url
 * @param {{fresh?: boolean}} [options]  `fresh`: not from a cache
 * @returns {Promise<string | null>}
 */
export async function getText(url, { fresh = false } = {}) {
  const origin = new URL(url).origin;
  if (origin !== location.origin && origin !== page.issuerOrigin) throw new Error('not this site');
  // Not `fresh`: the page preloads these (<link rel=preload>), and a preload is only reused
  // by a request of the same kind.
  const r = await fetch(url, { credentials: 'same-origin', cache: fresh ? 'no-cache' : 'default' });
  if (r.status === 404 || r.status === 410) return null;
  if (!r.ok) throw new Error('HTTP ' + r.status);
  return r.text();
}

export const page = /** @type {Page} */ ({});

/**
 * What the check needs from the head of the page: the strings, the base URL, and the
 * embedded credential with the page's root and credential file on it (#rosette-credential).
 * Read first, so that the check can start even before the body is parsed.
 */
function readHead() {
  const el = document.getElementById('rosette-credential');
  if (!el) return false;
  const own = document.getElementById('rosette-i18n');
  if (own) {
    try {
      strings = { ...siteStrings, ...JSON.parse(own.textContent) };
    } catch {
      strings = siteStrings;
    }
  }
  language = document.documentElement.lang || 'en';
  const baseMeta = /** @type {HTMLMetaElement | null} */ (document.querySelector('meta[name="rosette-base"]'));
  page.base = baseMeta ? baseMeta.content : '';
  page.issuerOrigin = page.base.startsWith('https://') ? new URL(page.base).origin : null;
  page.root = new URL(el.dataset.root || './', document.baseURI);
  page.local = makeLocal(page.base, page.root);
  page.cache = new Map();
  page.language = language;
  page.file = el.dataset.file ? new URL(el.dataset.file, document.baseURI).href : null;
  page.revocationReason = el.dataset.revocationReason || null;
  // The credential exactly as signed: the element's text, or its bytes when the text had to be
  // escaped (what "Download credential" and baking save).
  try {
    page.exact = el.dataset.exact ? utf8(base64Bytes(el.dataset.exact)) : el.textContent;
  } catch {
    page.exact = el.textContent;
  }
  // What an eddsa-rdfc-2022 proof signed, carried in the page (null: the page has none).
  page.canonical = el.dataset.rdfc ? canonicalForms(el.dataset.rdfc) : null;
  if (page.canonical) page.canonical.catch(() => {});
  try {
    page.credential = JSON.parse(el.textContent);
  } catch {
    // The page's own credential is not even JSON: the page was altered.
    page.credential = null;
  }
  return true;
}

/** @param {string} text */
function base64Bytes(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** @param {Uint8Array} bytes */
function utf8(bytes) {
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/**
 * The canonical document and proof configuration from the page's `data-rdfc`: base64 of
 * zlib(document NUL proof), as `rosette build` writes it (src/site/canonical.rs).
 * @param {string} blob
 * @returns {Promise<[string, string]>}
 */
export async function canonicalForms(blob) {
  const stream = new Blob([base64Bytes(blob)]).stream().pipeThrough(new DecompressionStream('deflate'));
  const text = utf8(new Uint8Array(await new Response(stream).arrayBuffer()));
  const cut = text.indexOf('\0');
  if (cut < 0) throw new Error('not a canonical form');
  return [text.slice(0, cut), text.slice(cut + 1)];
}

/** @type {Promise<void>} */
const whenParsed = new Promise((resolve) => {
  if (document.readyState !== 'loading') resolve();
  else document.addEventListener('DOMContentLoaded', () => resolve(), { once: true });
});

/** @returns {import('./rosette-core.js').DisplayedFact[]} */
function displayedFacts() {
  return Array.from(/** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-fact]')), (e) => ({
    fact: /** @type {string} the selector's attribute */ (e.dataset.fact),
    text: e.textContent,
    datetime: e.getAttribute('datetime'),
  }));
}

/**
 * Starts the check at once: every read and the cryptography run while the page parses.
 * @returns {Promise<Verdict>}
 */
function start() {
  const credential = page.credential;
  if (credential === null) return Promise.reject(new SyntaxError('no credential'));
  const here = location.pathname;
  const rootPath = page.root.pathname;
  return core.verifyCredential(credential, {
    now: Date.now(),
    local: page.local,
    remote: remoteOf,
    get: getText,
    cache: page.cache,
    published: page.file,
    canonical: page.canonical,
    // The displayed facts are compared once the page is parsed.
    facts: whenParsed.then(displayedFacts),
    pagePath: here.startsWith(rootPath) ? decodeURIComponent(here.slice(rootPath.length)) : here,
    baseUrl: page.base,
    language,
    revocationReason: page.revocationReason,
  });
}

/**
 * Shows the check's verdict and its checks when it is done, and sets up the tools.
 * @param {HTMLElement} section  #rosette-verify
 * @param {Promise<Verdict>} pending
 */
async function show(section, pending) {
  // The badge page's template has both inside #rosette-verify.
  const box = /** @type {HTMLElement} */ (document.getElementById('rosette-verdict'));
  const list = /** @type {HTMLElement} */ (section.querySelector('.checks'));
  const credential = page.credential;
  showElsewhere(credential);
  showVerdict(box, 'pending', t('pending'), '');
  box.setAttribute('aria-busy', 'true');
  /** @type {ShownVerdict} */
  let result;
  try {
    result = await pending;
  } catch (e) {
    const altered = credential === null;
    const reason = { key: 'page_unreadable', params: {} };
    result = {
      outcome: altered ? 'failed' : 'unknown',
      headline: { key: altered ? 'verdict_altered' : 'verdict_unknown', params: { reason } },
      checks: [{ name: 'signature', state: altered ? 'failed' : 'unknown', message: reason }],
      fatal: altered,
    };
  }
  const { title, detail } = verdictWords(result);
  /** @type {HTMLElement[]} */
  const extra = [];
  if (!result.fatal && credential) {
    page.recipientItem = checkItem('recipient', 'not-applicable', t(hasEmail(credential) ? 'recipient_not_checked' : 'recipient_no_email'));
    extra.push(page.recipientItem);
  }
  showChecks(list, result, extra);
  list.classList.remove('build-checks');
  const intro = section.querySelector('.build-intro');
  if (intro) intro.remove();
  if (result.fatal) markUnverified(result);
  // The technical checks sit behind "How this was checked"; open it when something did not pass.
  const how = /** @type {HTMLDetailsElement | null} */ (document.getElementById('rosette-how'));
  if (how && result.outcome !== 'verified') how.open = true;
  showVerdict(box, result.outcome, title, detail);
  box.removeAttribute('aria-busy');
  if (performance.mark) performance.mark('rosette-verdict');
  const tools = document.getElementById('rosette-tools');
  if (tools) tools.hidden = false;
  // The recipient check means nothing on a page that was altered.
  const recipient = document.getElementById('rosette-recipient');
  if (result.fatal || !credential) {
    if (recipient) recipient.hidden = true;
  } else {
    setUpRecipient();
  }
}

/**
 * After a fatal failure, marks what the page shows as not verified, where it is shown (the
 * header included): the facts the check found altered, or every fact when it cannot say which.
 * @param {ShownVerdict} result
 */
function markUnverified(result) {
  /** @type {FactProblem[]} */
  const problems = result.checks.flatMap((c) => (c.message.params && Array.isArray(c.message.params.problems) ? c.message.params.problems : []));
  const altered = new Set(problems.map((p) => p.fact));
  for (const e of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-fact]'))) {
    if (altered.size === 0 || altered.has(/** @type {string} the selector's attribute */ (e.dataset.fact))) e.dataset.unverified = t('unverified_mark');
  }
}

/**
 * When this page is not at the address it was issued for (a copy, a mirror, a local
 * preview), says so first and names the real one: only the address bar tells a visitor whose
 * site this is.
 * @param {LooseJson} credential
 */
function showElsewhere(credential) {
  const note = document.getElementById('rosette-elsewhere');
  if (!note || !page.issuerOrigin) return;
  const basePath = new URL(page.base).pathname;
  if (location.origin === page.issuerOrigin && location.pathname.startsWith(basePath)) return;
  const domain = new URL(page.base).host;
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(location.hostname);
  note.replaceChildren(document.createTextNode(t(local ? 'preview' : 'elsewhere', { domain })));
  const id = credential && typeof credential.id === 'string' && credential.id.startsWith(page.base) ? credential.id : page.base;
  if (!local) {
    note.append(' ');
    const a = el('a', '', id);
    a.href = id;
    note.append(a);
  }
  note.dataset.elsewhere = local ? 'preview' : 'copy';
  note.hidden = false;
}

/** @param {LooseJson} c */
function hasEmail(c) {
  const s = c && c.credentialSubject;
  /** @type {LooseJson[]} */
  const ids = s ? [].concat(s.identifier || []) : [];
  return ids.some((i) => i && i.identityType === 'emailAddress');
}

function setUpRecipient() {
  const form = document.getElementById('rosette-recipient-form');
  const input = /** @type {HTMLInputElement | null} */ (document.getElementById('rosette-email'));
  const out = document.getElementById('rosette-recipient-result');
  if (!form || !input || !out) return;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const typed = input.value;
    const email = typed.trim();
    if (!email) {
      out.dataset.state = 'unknown';
      out.textContent = t('recipient_empty');
      return;
    }
    /** @type {'match' | 'no-match' | 'no-email' | 'unsupported'} */
    let answer;
    try {
      answer = await core.recipientMatches(page.credential, email);
      // Issuers usually hash the address as written; try it in lower case too.
      if (answer === 'no-match' && email.toLowerCase() !== email) {
        if ((await core.recipientMatches(page.credential, email.toLowerCase())) === 'match') answer = 'match';
      }
    } catch {
      answer = 'unsupported';
    }
    const state = /** @type {const} */ ({ match: 'passed', 'no-match': 'failed', 'no-email': 'not-applicable', unsupported: 'unknown' })[answer];
    const key = { match: 'recipient_match', 'no-match': 'recipient_no_match', 'no-email': 'recipient_no_email', unsupported: 'recipient_unsupported' }[answer];
    let text = t(key);
    if (email !== typed) text += ' ' + t('recipient_trimmed', { email });
    out.dataset.state = state;
    out.dataset.answer = answer;
    out.textContent = text;
    if (page.recipientItem) {
      const fresh = checkItem('recipient', state, t(key));
      page.recipientItem.replaceWith(fresh);
      page.recipientItem = fresh;
    }
  });
}

/** "Check a file": check-file.js is loaded on first use only. */
function setUpFileCheck() {
  const input = /** @type {HTMLInputElement | null} */ (document.getElementById('rosette-file-input'));
  const panel = /** @type {HTMLDetailsElement | null} */ (document.getElementById('rosette-file'));
  if (!input || !panel) return;
  /** @type {Promise<typeof import('./check-file.js')> | null} */
  let loaded = null;
  const load = () => (loaded = loaded || import('./check-file.js'));
  /** @param {File} file */
  const check = async (file) => {
    panel.open = true;
    const mod = await load();
    await mod.checkFile(file);
  };
  panel.addEventListener('toggle', () => panel.open && load().catch(() => {}));
  input.addEventListener('change', () => input.files && input.files[0] && check(input.files[0]));
  // A file can be dropped anywhere on the page.
  document.addEventListener('dragover', (e) => {
    if (e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files')) {
      e.preventDefault();
      document.documentElement.classList.add('rosette-dragging');
    }
  });
  document.addEventListener('dragleave', (e) => {
    if (!e.relatedTarget) document.documentElement.classList.remove('rosette-dragging');
  });
  document.addEventListener('drop', (e) => {
    document.documentElement.classList.remove('rosette-dragging');
    const file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    if (!file) return;
    e.preventDefault();
    check(file);
  });
}

/** "Download credential" when the site publishes no credential file: the page's, as signed. */
function setUpSave() {
  const button = /** @type {HTMLElement | null} */ (document.querySelector('[data-save-credential]'));
  if (!button || typeof page.exact !== 'string') return;
  button.hidden = false;
  button.addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([page.exact], { type: 'application/ld+json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = button.dataset.saveCredential || 'credential.json';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
}

if (readHead()) {
  const pending = start();
  pending.catch(() => {});
  whenParsed.then(() => {
    const section = document.getElementById('rosette-verify');
    if (!section) return;
    page.section = section;
    show(section, pending);
    setUpFileCheck();
    setUpSave();
  });
}

// "Download the badge image" (share.html): bake.js bakes the page's credential into the
// achievement's bake base, loaded on the first click only (issue #18). Without this script
// the buttons stay hidden.
for (const area of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-bake-area]'))) area.hidden = false;
document.addEventListener('click', (e) => {
  const button = e.target instanceof Element ? /** @type {HTMLElement | null} */ (e.target.closest('[data-bake]')) : null;
  if (!button) return;
  import('./bake.js').then((bake) => bake.download(button)).catch(() => {
    const error = /** @type {HTMLElement | null | undefined} */ (button.closest('[data-bake-area]')?.querySelector('[data-bake-error]'));
    if (error) error.hidden = false;
  });
});
