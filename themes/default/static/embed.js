// @ts-check
// embed.js: the site's one embed page (`embed/#awards/<id>`). It reads the award its fragment
// names from that award's own page (same origin), runs the badge page's check on the
// credential the page carries, and shows the achievement, the recipient and the verdict.
// Nothing is published per award for it. What it shows comes from the credential, and its
// verdict is green only once the check has passed, as on the badge page.

import * as core from './rosette-core.js';
import { t, page, makeLocal, remoteOf, getText, verdictWords, canonicalForms } from './verify.js';

/** @import { LooseJson } from './verify.js' */

/** The embed page's card (embed.html); `show` runs only when it is there. */
const card = /** @type {HTMLAnchorElement} */ (document.getElementById('rosette-embed'));

/** The award path the fragment names (`awards/x`), or null when it is not one. */
function awardPath() {
  const raw = decodeURIComponent(location.hash.replace(/^#/, '')).replace(/^\/+|\/+$/g, '');
  if (!raw || !/^[A-Za-z0-9._~/-]+$/.test(raw)) return null;
  if (raw.split('/').some((s) => s === '' || s === '.' || s === '..')) return null;
  return raw;
}

/**
 * @param {import('./rosette-core.js').Outcome | 'pending'} outcome
 * @param {string} text
 */
function setVerdict(outcome, text) {
  const v = /** @type {HTMLElement} */ (card.querySelector('.embed-verify'));
  v.dataset.verdict = outcome;
  v.textContent = text;
}

async function show() {
  const base = (/** @type {HTMLMetaElement | null} */ (document.querySelector('meta[name="rosette-base"]')) || {}).content || '';
  const root = new URL(card.dataset.root || '../', document.baseURI);
  page.base = base;
  page.issuerOrigin = base.startsWith('https://') ? new URL(base).origin : null;
  page.root = root;
  page.local = makeLocal(base, root);
  page.cache = new Map();
  page.language = document.documentElement.lang || 'en';
  const path = awardPath();
  if (!path) return setVerdict('unknown', t('embed_no_award'));
  card.href = base + path + '/';
  setVerdict('pending', t('pending'));
  /** @type {HTMLElement} */
  let el;
  try {
    const html = await getText(new URL(path + '/', root).href);
    if (html === null) return setVerdict('failed', t('embed_not_found'));
    // Null when that page has no credential; JSON.parse('') below throws then, before `el` is used.
    el = /** @type {HTMLElement} */ (new DOMParser().parseFromString(html, 'text/html').getElementById('rosette-credential'));
  } catch {
    return setVerdict('unknown', t('embed_unreadable'));
  }
  /** @type {LooseJson} */
  let credential;
  try {
    credential = JSON.parse(el ? el.textContent : '');
  } catch {
    return setVerdict('failed', t('embed_unreadable'));
  }
  const subject = (credential && credential.credentialSubject) || {};
  const achievement = subject.achievement || {};
  /** @param {LooseJson} v */
  const name = (v) => core.pick(v, page.language) || '';
  // The card's parts (embed.html).
  /** @type {HTMLElement} */ (card.querySelector('.embed-name')).textContent =
    core.pickAchievement(achievement, 'name', page.language) || '';
  /** @type {HTMLElement} */ (card.querySelector('.embed-recipient')).textContent = name(subject.name);
  const issuer = credential.issuer && typeof credential.issuer === 'object' ? name(credential.issuer.name) : '';
  if (issuer) /** @type {HTMLElement} */ (card.querySelector('.embed-issuer')).textContent = issuer;
  const image = achievement.image && (typeof achievement.image === 'string' ? achievement.image : achievement.image.id);
  const local = typeof image === 'string' ? page.local(image) : null;
  if (local) {
    const img = /** @type {HTMLImageElement} */ (card.querySelector('.embed-image'));
    img.src = local;
    img.hidden = false;
  }
  const canonical = el.dataset.rdfc ? canonicalForms(el.dataset.rdfc) : null;
  if (canonical) canonical.catch(() => {});
  let result;
  try {
    result = await core.verifyCredential(credential, {
      now: Date.now(),
      local: page.local,
      remote: remoteOf,
      get: getText,
      cache: page.cache,
      published: null,
      canonical,
      pagePath: path + '/',
      baseUrl: base,
      language: page.language,
      revocationReason: el.dataset.revocationReason || null,
    });
  } catch {
    return setVerdict('unknown', t('embed_unreadable'));
  }
  const { title } = verdictWords(result);
  card.dataset.outcome = result.outcome;
  setVerdict(result.outcome, title);
}

if (card) show();
window.addEventListener('hashchange', () => location.reload());
