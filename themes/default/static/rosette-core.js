// @ts-check
// rosette-core.js: the badge page's verifier, without the page. Pure functions over values
// and bytes; cryptography only through WebCrypto (`crypto.subtle`: Ed25519 and SHA-256).
// The same file runs in the browser (imported by verify.js and check-file.js) and in Node
// (tests/browser/vectors.mjs), so the browser and rosette agree on every vector.
//
// What it checks follows issue 6 and the Rust verifier (src/verify.rs), check for check:
//   format      a well-formed Open Badges 3.0 credential (VC 2.0 or 1.1)
//   signature   the Ed25519 proof over the canonical credential (eddsa-rdfc-2022 over the
//               N-Quads the site published beside the credential; eddsa-jcs-2022 over RFC 8785
//               JCS computed here), and that the credential and the page say what was signed
//   issuer-key  the key is in the issuer's did.json under `assertionMethod`, and was not
//               retired before the proof was made (keys.json)
//   issuer      the credential's issuer controls the key
//   validity    validFrom / validUntil against now
//   status      Bitstring Status List (revocation, suspension), the list's own proof checked
//   recipient   only when asked: the salted SHA-256 identity hash of an e-mail address
//
// Every message is a key plus parameters ({key, params}); the page turns them into words in
// its language (i18n catalogues of the theme), tests ignore them.
//
// Types are JSDoc, checked by `tsc` (tests/browser/tsconfig.json); the file is served as it is.

/**
 * A JSON value as `JSON.parse` gives it. A credential is one until its checks have looked at
 * it: every member is read as any JSON value and tested before use.
 * @typedef {null | boolean | number | string | JsonValue[] | JsonObject} JsonValue
 */
/** @typedef {{[member: string]: JsonValue}} JsonObject */
/**
 * A credential (or a status list, which is one too) as parsed JSON: the members the checks
 * read, none of them checked yet.
 * @typedef {JsonObject & {
 *   '@context'?: JsonValue, id?: JsonValue, type?: JsonValue, issuer?: JsonValue,
 *   name?: JsonValue, description?: JsonValue, credentialSubject?: JsonValue,
 *   validFrom?: JsonValue, validUntil?: JsonValue, issuanceDate?: JsonValue,
 *   expirationDate?: JsonValue, credentialStatus?: JsonValue, proof?: JsonValue,
 * }} Credential
 */
/**
 * A Data Integrity proof as parsed JSON (VC-DATA-INTEGRITY §2.1), none of it checked yet.
 * @typedef {JsonObject & {
 *   '@context'?: JsonValue, type?: JsonValue, cryptosuite?: JsonValue,
 *   verificationMethod?: JsonValue, proofPurpose?: JsonValue, created?: JsonValue,
 *   proofValue?: JsonValue,
 * }} Proof
 */

/** @typedef {'format' | 'signature' | 'issuer-key' | 'issuer' | 'validity' | 'status' | 'recipient'} CheckName */
/** @typedef {'passed' | 'warning' | 'failed' | 'unknown' | 'not-applicable'} CheckState */
/** A message's parameters: strings, numbers (dates in ms), lists, or other messages. @typedef {{[name: string]: unknown}} Params */
/** What the page says, before it is put into words: `verify_<key>` in the catalogue. @typedef {{key: string, params: Params}} Message */
/** One check's result. @typedef {{name: CheckName, state: CheckState, message: Message}} Check */
/** @typedef {'verified' | 'warning' | 'failed' | 'unknown'} Outcome */
/**
 * The verdict on a credential (see summarize).
 * @typedef {object} Verdict
 * @property {Outcome} outcome
 * @property {Message} headline  the verdict in one message (`verdict_…`)
 * @property {Check[]} checks  what to show: only the failed fatal checks when `fatal`
 * @property {Check[]} allChecks  every check, hidden ones too
 * @property {boolean} fatal  a fatal check failed: nothing else on the page can be trusted
 */
/**
 * An element of the page marked `data-fact`: which fact, its text, and its `datetime`
 * attribute (dates).
 * @typedef {{fact: string, text: string, datetime?: string | null}} DisplayedFact
 */
/**
 * A displayed fact that is not what was signed (`shown` null: not on the page; `signed`
 * null: nothing signed says it).
 * @typedef {{fact: string, shown: string | null, signed: string | null}} FactProblem
 */
/**
 * What an eddsa-rdfc-2022 proof signed: the canonical document and proof configuration
 * (N-Quads); null where one is not published.
 * @typedef {[string | null, string | null]} CanonicalForms
 */
/**
 * What verifyCredential reads; see there.
 * @typedef {object} VerifyEnv
 * @property {Date | number} [now]
 * @property {SubtleCrypto} [subtle]
 * @property {(url: string) => string | null} [local]
 * @property {(url: string) => string | null} [remote]
 * @property {(url: string, options: {fresh: boolean}) => Promise<string | null>} get
 * @property {Map<string, Promise<string | null>>} [cache]  reads shared between checks
 * @property {string | null} [published]
 * @property {Promise<CanonicalForms> | CanonicalForms | null} [canonical]
 * @property {DisplayedFact[] | Promise<DisplayedFact[]>} [facts]
 * @property {string} [pagePath]
 * @property {string} [baseUrl]
 * @property {string} [language]
 * @property {string | null} [revocationReason]
 */
/**
 * Where WebCrypto is: `subtle` (default: globalThis.crypto.subtle), and the keys already
 * imported, by their hex.
 * @typedef {{subtle?: SubtleCrypto, keys?: Map<string, Promise<CryptoKey | null>>}} CryptoEnv
 */

/** @type {CheckName[]} */
export const CHECK_NAMES = ['format', 'signature', 'issuer-key', 'issuer', 'validity', 'status', 'recipient'];
/** Checks whose failure means the credential, its key or the page cannot be trusted at all. @type {CheckName[]} */
export const FATAL_CHECKS = ['format', 'signature', 'issuer-key', 'issuer'];

const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const VC_V1 = 'https://www.w3.org/2018/credentials/v1';
const OB_CONTEXT = /^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.\d+\.\d+)?\.json$/;
/** The contexts rosette embeds (src/contexts.rs, whose tests hold the two lists equal); a credential naming another is refused. */
export const KNOWN_CONTEXTS = new Set([
  VC_V2,
  VC_V1,
  'https://www.w3.org/ns/credentials/examples/v2',
  'https://www.w3.org/ns/credentials/undefined-terms/v2',
  'https://purl.imsglobal.org/spec/ob/v3p0/context.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
  'https://w3id.org/security/data-integrity/v2',
  'https://w3id.org/security/data-integrity/v1',
  'https://w3id.org/security/multikey/v1',
  'https://w3id.org/security/jwk/v1',
  'https://w3id.org/security/suites/ed25519-2020/v1',
  'https://www.w3.org/ns/credentials/status/v1',
  'https://www.w3.org/ns/did/v1',
  'https://www.w3.org/ns/cid/v1',
  'https://w3id.org/citizenship/v4rc1',
]);
/** Bitstring Status List §Validate: minimumNumberOfEntries. */
export const MIN_STATUS_ENTRIES = 131072;
/** A decoded status list larger than this is refused (as src/status.rs does). */
const MAX_LIST_BYTES = 16 * 1024 * 1024;

/** @type {(key: string, params?: Params) => Message} */
const msg = (key, params = {}) => ({ key, params });
/** @type {(name: CheckName, state: CheckState, key: string, params?: Params) => Check} */
const check = (name, state, key, params) => ({ name, state, message: msg(key, params) });

// ---------------------------------------------------------------------------------------
// Bytes and encodings

const utf8 = new TextEncoder();
/** @param {string} text */
export const toBytes = (text) => utf8.encode(text);

/** @param {Uint8Array} bytes */
export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/**
 * base58btc (Bitcoin alphabet) to bytes; null when a character is not in the alphabet.
 * @param {string} text
 */
export function base58Decode(text) {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  const digits = []; // little-endian base-256
  for (const ch of text) {
    let carry = B58.indexOf(ch);
    if (carry < 0) return null;
    for (let i = 0; i < digits.length; i++) {
      carry += digits[i] * 58;
      digits[i] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      digits.push(carry & 0xff);
      carry >>= 8;
    }
  }
  const out = new Uint8Array(zeros + digits.length);
  for (let i = 0; i < digits.length; i++) out[zeros + i] = digits[digits.length - 1 - i];
  return out;
}

/**
 * Multibase base64url without padding (`u…`) to bytes; null when not valid.
 * @param {string} text
 */
export function base64urlDecode(text) {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return null;
  const b64 = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  try {
    const bin = atob(b64 + '==='.slice((b64.length + 3) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * The 32-byte Ed25519 key of a Multikey `publicKeyMultibase` (`z6Mk…` = base58btc of
 * 0xed 0x01 ‖ key). VC-DI-EDDSA §2.1.1: any other prefix is an error. Null when not one.
 * @param {unknown} multibase
 */
export function ed25519KeyFromMultibase(multibase) {
  if (typeof multibase !== 'string' || !multibase.startsWith('z')) return null;
  const bytes = base58Decode(multibase.slice(1));
  if (!bytes || bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) return null;
  return bytes.slice(2);
}

/**
 * The 64-byte signature of a `proofValue` (`z` + base58btc); null when not one.
 * @param {unknown} proofValue
 */
export function signatureFromProofValue(proofValue) {
  if (typeof proofValue !== 'string' || !proofValue.startsWith('z')) return null;
  const bytes = base58Decode(proofValue.slice(1));
  return bytes && bytes.length === 64 ? bytes : null;
}

// ---------------------------------------------------------------------------------------
// WebCrypto

export class MissingPrimitive extends Error {}

/** @param {CryptoEnv} env */
function subtleOf(env) {
  const subtle = env.subtle || (globalThis.crypto && globalThis.crypto.subtle);
  if (!subtle) throw new MissingPrimitive('crypto.subtle');
  return subtle;
}

/**
 * @param {BufferSource} bytes
 * @param {CryptoEnv} [env]
 */
export async function sha256(bytes, env = {}) {
  return new Uint8Array(await subtleOf(env).digest('SHA-256', bytes));
}

/**
 * Ed25519 verification through WebCrypto. Throws MissingPrimitive when the browser has no
 * Ed25519 (the page then says "Could not check", never "Verified").
 * @param {Uint8Array<ArrayBuffer>} publicKey  32 bytes
 * @param {Uint8Array<ArrayBuffer>} signature  64 bytes
 * @param {BufferSource | Promise<BufferSource>} data
 * @param {CryptoEnv} [env]
 */
export async function ed25519Verify(publicKey, signature, data, env = {}) {
  const key = await (env.keys ? importOnce(publicKey, /** @type {Required<CryptoEnv>} */ (env)) : importEd25519(publicKey, env));
  return key !== null && subtleOf(env).verify({ name: 'Ed25519' }, key, signature, await data);
}

/**
 * One import per key (a credential and its status list are signed by the same key).
 * @param {Uint8Array<ArrayBuffer>} publicKey
 * @param {Required<CryptoEnv>} env
 * @returns {Promise<CryptoKey | null>}
 */
function importOnce(publicKey, env) {
  const id = hex(publicKey);
  if (!env.keys.has(id)) env.keys.set(id, importEd25519(publicKey, env));
  return /** @type {Promise<CryptoKey | null>} */ (env.keys.get(id));
}

/**
 * A raw Ed25519 public key as a CryptoKey; null when the key is bad, MissingPrimitive when the browser has no Ed25519.
 * @param {Uint8Array<ArrayBuffer>} publicKey
 * @param {CryptoEnv} [env]
 * @returns {Promise<CryptoKey | null>}
 */
export async function importEd25519(publicKey, env = {}) {
  const subtle = subtleOf(env);
  try {
    return await subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  } catch (/** @type {any} */ e) {
    if (e && (e.name === 'NotSupportedError' || e.name === 'TypeError' || e.name === 'SyntaxError')) {
      throw new MissingPrimitive('Ed25519');
    }
    // A key of the wrong length is DataError: the key is bad, not the browser.
    return null;
  }
}

/**
 * Data Integrity EdDSA hashData: SHA-256(canonical proof configuration) ‖ SHA-256(document).
 * @param {string} canonicalProofConfig
 * @param {string} canonicalDocument
 * @param {CryptoEnv} [env]
 */
export async function hashData(canonicalProofConfig, canonicalDocument, env = {}) {
  const [p, d] = await Promise.all([
    sha256(toBytes(canonicalProofConfig), env),
    sha256(toBytes(canonicalDocument), env),
  ]);
  const out = new Uint8Array(64);
  out.set(p, 0);
  out.set(d, 32);
  return out;
}

// ---------------------------------------------------------------------------------------
// JCS (RFC 8785)

/**
 * RFC 8785 JSON Canonicalization Scheme: object members sorted by UTF-16 code units, no
 * whitespace, ECMAScript number serialization, minimal string escaping (what
 * JSON.stringify does for strings and finite numbers).
 * @param {JsonValue | undefined} value  undefined only as a member, where it is left out
 * @returns {string}
 */
export function jcs(value) {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('JCS: not a finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return '[' + value.map(jcs).join(',') + ']';
  if (typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + jcs(value[k])).join(',') + '}';
  }
  throw new TypeError('JCS: not a JSON value');
}

/** Deep equality of two JSON values (member order ignored). @type {(a: JsonValue, b: JsonValue) => boolean} */
export const jsonEqual = (a, b) => jcs(a) === jcs(b);

// ---------------------------------------------------------------------------------------
// N-Quads

/**
 * Parses N-Quads (as RDFC-1.0 writes them) into quads of terms
 * `{kind: 'iri'|'blank'|'literal', value, datatype?, language?}`; `graph` is null for the
 * default graph. Throws a SyntaxError naming the line on anything else.
 * @param {string} text
 */
export function parseNQuads(text) {
  /** @type {Quad[]} */
  const quads = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/\r$/, '');
    if (/^\s*(#.*)?$/.test(line)) continue;
    /** @type {Cursor} */
    const p = { s: line, i: 0, n: n + 1 };
    const subject = term(p);
    const predicate = term(p);
    const object = term(p);
    skipWs(p);
    let graph = null;
    if (p.s[p.i] !== '.') graph = term(p);
    skipWs(p);
    if (p.s[p.i] !== '.') fail(p, 'expected "."');
    p.i++;
    skipWs(p);
    if (p.i < p.s.length && p.s[p.i] !== '#') fail(p, 'text after "."');
    if (subject.kind === 'literal' || predicate.kind !== 'iri' || (graph && graph.kind === 'literal')) {
      fail(p, 'a literal or blank node where N-Quads does not allow one');
    }
    quads.push({ subject, predicate, object, graph });
  }
  return quads;
}

/**
 * An RDF term (RDF 1.1 §3); `datatype` and `language` for literals only.
 * @typedef {object} Term
 * @property {'iri' | 'blank' | 'literal'} kind
 * @property {string} value  the IRI, the blank node's label (without `_:`), or the lexical form
 * @property {string} [datatype]
 * @property {string | null} [language]
 */
/** @typedef {{subject: Term, predicate: Term, object: Term, graph: Term | null}} Quad */
/** Where the parser is: the line `s`, the index `i` in it, the line number `n`. @typedef {{s: string, i: number, n: number}} Cursor */

/**
 * @param {Cursor} p
 * @param {string} what
 * @returns {never}
 */
function fail(p, what) {
  throw new SyntaxError(`N-Quads line ${p.n}: ${what}`);
}

/** @param {Cursor} p */
function skipWs(p) {
  while (p.s[p.i] === ' ' || p.s[p.i] === '\t') p.i++;
}

/**
 * @param {Cursor} p
 * @returns {Term}
 */
function term(p) {
  skipWs(p);
  const c = p.s[p.i];
  if (c === '<') {
    const end = p.s.indexOf('>', p.i);
    if (end < 0) fail(p, 'unclosed IRI');
    const value = unescapeUchar(p.s.slice(p.i + 1, end), p);
    p.i = end + 1;
    return { kind: 'iri', value };
  }
  if (c === '_' && p.s[p.i + 1] === ':') {
    const m = /^_:([A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)/.exec(p.s.slice(p.i));
    if (!m) fail(p, 'bad blank node label');
    p.i += m[0].length;
    return { kind: 'blank', value: m[1] };
  }
  if (c === '"') {
    let i = p.i + 1;
    let value = '';
    for (;;) {
      if (i >= p.s.length) fail(p, 'unclosed literal');
      const ch = p.s[i];
      if (ch === '"') break;
      if (ch === '\\') {
        const e = p.s[i + 1];
        const simple = /** @type {{[escape: string]: string}} */ ({ t: '\t', b: '\b', n: '\n', r: '\r', f: '\f', '"': '"', "'": "'", '\\': '\\' })[e];
        if (simple !== undefined) {
          value += simple;
          i += 2;
        } else if (e === 'u' || e === 'U') {
          const len = e === 'u' ? 4 : 8;
          const h = p.s.slice(i + 2, i + 2 + len);
          if (!/^[0-9A-Fa-f]+$/.test(h) || h.length !== len) fail(p, 'bad \\u escape');
          value += String.fromCodePoint(parseInt(h, 16));
          i += 2 + len;
        } else {
          fail(p, 'bad escape');
        }
      } else {
        value += ch;
        i++;
      }
    }
    p.i = i + 1;
    /** @type {Term} */
    const lit = { kind: 'literal', value, datatype: XSD_STRING, language: null };
    if (p.s.startsWith('^^', p.i)) {
      p.i += 2;
      if (p.s[p.i] !== '<') fail(p, 'datatype must be an IRI');
      lit.datatype = term(p).value;
    } else if (p.s[p.i] === '@') {
      const m = /^@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)/.exec(p.s.slice(p.i));
      if (!m) fail(p, 'bad language tag');
      p.i += m[0].length;
      lit.language = m[1];
      lit.datatype = RDF + 'langString';
    }
    return lit;
  }
  fail(p, 'expected an IRI, blank node or literal');
}

/**
 * @param {string} s
 * @param {Cursor} p
 */
function unescapeUchar(s, p) {
  return s.replace(/\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|\\(.)/g, (all, a, b, other) => {
    if (other !== undefined) fail(p, 'bad escape in IRI');
    return String.fromCodePoint(parseInt(a || b, 16));
  });
}

// ---------------------------------------------------------------------------------------
// The facts check: the credential as JSON against the N-Quads that were signed

const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const RDF_TYPE = RDF + 'type';
const RDF_FIRST = RDF + 'first';
const RDF_REST = RDF + 'rest';
const RDF_NIL = RDF + 'nil';
const XSD = 'http://www.w3.org/2001/XMLSchema#';
const XSD_STRING = XSD + 'string';
const NUMERIC = /[#:](integer|decimal|double|float|long|int|short|byte|nonNegativeInteger|positiveInteger|negativeInteger|nonPositiveInteger|unsignedLong|unsignedInt|unsignedShort|unsignedByte)$/;

/**
 * Terms of the Open Badges and VC contexts whose IRI does not end in the term itself
 * (found by listing every term of the embedded contexts): `tag` is schema.org `keywords`, …
 */
/** @type {{[term: string]: string}} */
const TERM_IRI_NAMES = {
  tag: 'keywords',
  mediatype: 'encodingformat',
  expires: 'expiration',
  addresscountrycode: 'countrycode',
  geo: 'geocoordinates',
  achievement: 'achievement-0',
  creator: 'profile',
  phone: 'phonenumber',
  authentication: 'authenticationmethod',
  capabilitydelegation: 'capabilitydelegationmethod',
  capabilityinvocation: 'capabilityinvocationmethod',
  keyagreement: 'keyagreementmethod',
};

/** @param {string} iri */
const localName = (iri) => iri.slice(Math.max(iri.lastIndexOf('#'), iri.lastIndexOf('/')) + 1).toLowerCase();

/**
 * @param {string} key
 * @param {string} iri
 */
function termNamesIri(key, iri) {
  const name = localName(iri);
  const k = key.toLowerCase();
  return name === k || TERM_IRI_NAMES[k] === name;
}

/** Types whose IRI does not end in their name (`Alignment` is schema.org `AlignmentObject`). @type {{[type: string]: string}} */
const TYPE_IRI_NAMES = { alignment: 'alignmentobject', achievementcredential: 'openbadgecredential' };

/**
 * @param {string} type
 * @param {string} iri
 */
function typeNamesIri(type, iri) {
  return stringNamesIri(type, iri) || TYPE_IRI_NAMES[type.toLowerCase()] === localName(iri);
}

/**
 * A JSON string that a context expanded to an IRI (`@type: @id` or `@vocab`).
 * @param {string} s
 * @param {string} iri
 */
function stringNamesIri(s, iri) {
  return iri === s || iri.endsWith('#' + s) || iri.endsWith('/' + s);
}

/** An IRI or blank node as N-Quads writes it. @param {Term} t */
const termKey = (t) => (t.kind === 'iri' ? '<' + t.value + '>' : '_:' + t.value);
/**
 * A JSON object (a node, a value object, a list object), not an array or null.
 * @param {unknown} v
 * @returns {v is JsonObject}
 */
const isNode = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
/**
 * @param {JsonObject} o
 * @returns {string | null}
 */
const idOf = (o) => (typeof o.id === 'string' ? o.id : typeof o['@id'] === 'string' ? o['@id'] : null);

/** Keys that carry no triple of their own. */
const SKIPPED_KEYS = new Set(['@context', 'id', '@id', 'type', '@type']);

/** A member of a node object: its key and its values. @typedef {[string, JsonValue[]]} Member */

/**
 * A node object's data members as [key, values[]], arrays and `@set` flattened, nulls dropped.
 * @param {JsonObject} obj
 */
function membersOf(obj) {
  /** @type {Member[]} */
  const out = [];
  for (const [key, raw] of Object.entries(obj)) {
    if (SKIPPED_KEYS.has(key)) continue;
    const values = flatten(raw);
    if (values.length) out.push([key, values]);
  }
  return out;
}

/**
 * A member's values: the member itself, or the items of its array or `@set`; nulls dropped.
 * @param {JsonValue | undefined} raw
 * @returns {JsonValue[]}
 */
function flatten(raw) {
  /** @type {JsonValue[]} */
  const out = [];
  for (const v of Array.isArray(raw) ? raw : [raw]) {
    if (v === null || v === undefined) continue;
    if (isNode(v) && Array.isArray(v['@set'])) out.push(...flatten(v['@set']));
    else out.push(v);
  }
  return out;
}

/** @param {JsonObject} obj */
const typesOf = (obj) => flatten(obj.type !== undefined ? obj.type : obj['@type']).filter((t) => typeof t === 'string');

/**
 * Compares a credential (as JSON, without `proof`) with the canonical N-Quads that were signed
 * for it, structurally: every node, every member and every value on one side must be on the
 * other, and nothing more. Member names are matched to predicate IRIs by their last segment
 * (`name` ↔ `https://schema.org/name`; `tag` ↔ `…/keywords`), strings to literals or to the
 * IRIs a context made of them, numbers and booleans by value, language values with their
 * language; a nested proof (an endorsement's) with the named graph it becomes. `@context` is
 * not compared (its effect is in the IRIs). Pass the credential without its own `proof`: the
 * proof configuration is compared with its own quads.
 *
 * Returns null when they agree, else `{path}`: where the first difference was found.
 * @param {JsonValue} json
 * @param {Quad[]} quads
 */
export function compareWithQuads(json, quads) {
  const m = new Matcher(quads);
  return m.run(json);
}

/** Where in the JSON: member names and array indexes. @typedef {Array<string | number>} JsonPath */
/** A difference between the JSON and the quads: where, and what. @typedef {{path: JsonPath, what: string}} Difference */
/** The blank nodes a match reached, as "graph _:label". @typedef {Set<string>} Reached */

class Matcher {
  /** @param {Quad[]} quads */
  constructor(quads) {
    /** @type {Map<string, Quad[]>} */
    this.bySubject = new Map(); // "graph subject" → quads
    /** @type {Set<string>} */
    this.blankObjects = new Set(); // "graph _:label" of every blank node used as an object
    /** @type {Set<string>} */
    this.graphs = new Set(); // blank graph names
    /** @type {Difference | null} */
    this.failure = null;
    for (const q of quads) {
      const g = q.graph ? termKey(q.graph) : '';
      if (q.graph && q.graph.kind === 'blank') this.graphs.add(q.graph.value);
      const k = g + ' ' + termKey(q.subject);
      if (!this.bySubject.has(k)) this.bySubject.set(k, []);
      /** @type {Quad[]} */ (this.bySubject.get(k)).push(q);
      if (q.object.kind === 'blank') this.blankObjects.add(g + ' ' + termKey(q.object));
    }
  }

  /**
   * Keeps the deepest difference found (the most telling one) and fails this match.
   * @param {JsonPath} path
   * @param {string} what
   * @returns {null}
   */
  miss(path, what) {
    if (!this.failure || path.length >= this.failure.path.length) this.failure = { path, what };
    return null;
  }

  /**
   * @param {JsonValue} json
   * @returns {Difference | null}
   */
  run(json) {
    if (!isNode(json)) return { path: [], what: 'not an object' };
    // JSON-LD merges every object with the same id into one node: do the same. Objects
    // inside a nested proof live in that proof's graph and are matched there.
    /** @type {Map<string, {members: Map<string, JsonValue[]>, types: Set<string>, path: JsonPath}>} */
    const nodes = new Map();
    /** @type {(v: JsonValue | undefined, path: JsonPath) => void} */
    const collect = (v, path) => {
      if (Array.isArray(v)) return v.forEach((x) => collect(x, path));
      if (!isNode(v) || '@value' in v) return;
      const id = idOf(v);
      if (id !== null) {
        if (!nodes.has(id)) nodes.set(id, { members: new Map(), types: new Set(), path });
        const node = /** @type {{members: Map<string, JsonValue[]>, types: Set<string>}} */ (nodes.get(id));
        for (const [k, vals] of membersOf(v)) {
          if (!node.members.has(k)) node.members.set(k, []);
          /** @type {JsonValue[]} */ (node.members.get(k)).push(...vals);
        }
        typesOf(v).forEach((t) => node.types.add(t));
      }
      for (const [k, raw] of Object.entries(v)) {
        if (k !== '@context' && k !== 'proof') collect(raw, path.concat(k));
      }
    };
    collect(json, []);
    const reached = new Set();
    for (const [id, node] of nodes) {
      /** @type {Term} */
      const subject = id.startsWith('_:') ? { kind: 'blank', value: id.slice(2) } : { kind: 'iri', value: id };
      const got = this.matchNode([...node.members], [...node.types], subject, '', node.path);
      if (!got) return this.failure || { path: node.path, what: 'differs' };
      got.forEach((b) => reached.add(b));
    }
    if (idOf(json) === null) {
      // The root has no id: it is the one blank node of the default graph nothing points to.
      const roots = this.rootsOf('');
      if (roots.length !== 1) return { path: [], what: 'no single root node' };
      const got = this.matchNode(membersOf(json), typesOf(json), roots[0], '', []);
      if (!got) return this.failure || { path: [], what: 'differs' };
      got.forEach((b) => reached.add(b));
      reached.add(' ' + termKey(roots[0]));
    }
    // Nothing signed may be left out of the JSON.
    for (const key of this.bySubject.keys()) {
      const [g, subject] = key.split(' ');
      if (subject.startsWith('<') && g === '' && !nodes.has(subject.slice(1, -1))) {
        return { path: [subject.slice(1, -1)], what: 'signed node missing from the JSON' };
      }
      if (subject.startsWith('_:') && !reached.has(key)) return { path: [subject], what: 'signed node missing from the JSON' };
    }
    return null;
  }

  /**
   * Blank subjects of graph `g` that no triple of `g` points to.
   * @param {string} g
   */
  rootsOf(g) {
    /** @type {Term[]} */
    const out = [];
    for (const key of this.bySubject.keys()) {
      const [kg, subject] = key.split(' ');
      if (kg === g && subject.startsWith('_:') && !this.blankObjects.has(key)) out.push({ kind: 'blank', value: subject.slice(2) });
    }
    return out;
  }

  /**
   * Matches members and types of one JSON node with the triples of `subject` in graph `g`.
   * Returns the set of blank nodes reached (for the final coverage check), or null.
   * @param {Member[]} members
   * @param {string[]} types
   * @param {Term} subject
   * @param {string} g
   * @param {JsonPath} path
   * @returns {Reached | null}
   */
  matchNode(members, types, subject, g, path) {
    const triples = this.bySubject.get(g + ' ' + termKey(subject)) || [];
    /** @type {Reached} */
    const reached = new Set();
    // Every type names a signed rdf:type, and every signed rdf:type is named.
    const typeIris = triples.filter((q) => q.predicate.value === RDF_TYPE).map((q) => q.object.value);
    /** @type {Set<string>} */
    const named = new Set();
    for (const t of types) {
      const hits = typeIris.filter((iri) => typeNamesIri(t, iri));
      if (!hits.length) return this.miss(path.concat('type'), 'types differ');
      hits.forEach((iri) => named.add(iri));
    }
    if (named.size !== typeIris.length) return this.miss(path.concat('type'), 'types differ');
    /** @type {Map<string, Term[]>} */
    const byPredicate = new Map();
    for (const q of triples) {
      if (q.predicate.value === RDF_TYPE) continue;
      if (!byPredicate.has(q.predicate.value)) byPredicate.set(q.predicate.value, []);
      /** @type {Term[]} */ (byPredicate.get(q.predicate.value)).push(q.object);
    }
    const free = new Set(byPredicate.keys());
    /** @type {(key: string, values: JsonValue[], candidates: string[]) => boolean} */
    const take = (key, values, candidates) => {
      for (const p of candidates) {
        const got = this.matchValues(values, /** @type {Term[]} */ (byPredicate.get(p)), g, path.concat(key));
        if (got) {
          free.delete(p);
          got.forEach((b) => reached.add(b));
          return true;
        }
      }
      return false;
    };
    // Members whose name matches a predicate's; then the rest, by their values.
    /** @type {Member[]} */
    const pending = [];
    for (const [key, values] of members) {
      const candidates = [...free].filter((p) => termNamesIri(key, p));
      if (take(key, values, candidates)) continue;
      if (candidates.length) return this.miss(path.concat(key), 'value differs');
      pending.push([key, values]);
    }
    for (const [key, values] of pending) {
      if (!take(key, values, [...free])) return this.miss(path.concat(key), 'not signed');
    }
    if (free.size) return this.miss(path.concat(localName([...free][0])), 'signed but not in the JSON');
    return reached;
  }

  /**
   * The items of an RDF list starting at `head`, or null when `head` is not a list.
   * @param {Term} head
   * @param {string} g
   * @param {Reached} reached  gets the list's blank nodes
   */
  listItems(head, g, reached) {
    /** @type {Term[]} */
    const items = [];
    let node = head;
    for (let guard = 0; guard < 100000; guard++) {
      if (node.kind === 'iri' && node.value === RDF_NIL) return items;
      if (node.kind !== 'blank') return null;
      const triples = this.bySubject.get(g + ' ' + termKey(node)) || [];
      const first = triples.filter((q) => q.predicate.value === RDF_FIRST);
      const rest = triples.filter((q) => q.predicate.value === RDF_REST);
      if (first.length !== 1 || rest.length !== 1 || triples.length !== 2) return null;
      reached.add(g + ' ' + termKey(node));
      items.push(first[0].object);
      node = rest[0].object;
    }
    return null;
  }

  /**
   * Matches the values of one member with the objects of one predicate.
   * @param {JsonValue[]} values
   * @param {Term[]} objects
   * @param {string} g
   * @param {JsonPath} path
   * @returns {Reached | null}
   */
  matchValues(values, objects, g, path) {
    /** @type {Reached} */
    const reached = new Set();
    // A list (`@list`, or a term whose container is @list): same items, same order.
    if (objects.length === 1) {
      /** @type {Reached} */
      const listReached = new Set();
      const items = this.listItems(objects[0], g, listReached);
      if (items) {
        const json = values.length === 1 && isNode(values[0]) && Array.isArray(values[0]['@list']) ? values[0]['@list'] : values;
        if (json.length !== items.length) return this.miss(path, 'list length differs');
        for (let i = 0; i < json.length; i++) {
          const got = this.matchValue(json[i], items[i], g, path.concat(i));
          if (!got) return null;
          got.forEach((b) => reached.add(b));
        }
        listReached.forEach((b) => reached.add(b));
        return reached;
      }
    }
    // A set: RDF keeps one of identical values.
    /** @type {Set<string>} */
    const seen = new Set();
    const distinct = values.filter((v) => {
      if (isNode(v) && !('@value' in v) && idOf(v) === null) return true;
      const k = jcs(v);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    if (distinct.length !== objects.length) return this.miss(path, 'number of values differs');
    /** @type {Set<number>} */
    const used = new Set();
    for (const v of distinct) {
      let found = false;
      for (let i = 0; i < objects.length && !found; i++) {
        if (used.has(i)) continue;
        const got = this.matchValue(v, objects[i], g, path);
        if (got) {
          used.add(i);
          got.forEach((b) => reached.add(b));
          found = true;
        }
      }
      if (!found) return this.miss(path, 'value differs');
    }
    return reached;
  }

  /**
   * Matches one JSON value with one RDF term.
   * @param {JsonValue} v
   * @param {Term} o
   * @param {string} g
   * @param {JsonPath} path
   * @returns {Reached | null}
   */
  matchValue(v, o, g, path) {
    /** @type {Reached} */
    const none = new Set();
    if (isNode(v)) {
      if ('@value' in v) {
        if (o.kind !== 'literal' || !literalMatches(v['@value'], o)) return null;
        const lang = typeof v['@language'] === 'string' ? v['@language'].toLowerCase() : null;
        return lang === (o.language ? o.language.toLowerCase() : null) ? none : null;
      }
      if (Array.isArray(v['@list'])) return null;
      const id = idOf(v);
      if (id !== null) {
        if (id.startsWith('_:')) return o.kind === 'blank' ? none : null;
        return o.kind === 'iri' && o.value === id ? none : null;
      }
      if (o.kind !== 'blank') return null;
      if (!this.bySubject.has(g + ' ' + termKey(o)) && this.graphs.has(o.value)) {
        // A graph container (a nested `proof`): the object is the graph's one root node.
        const inner = termKey(o);
        const roots = this.rootsOf(inner);
        if (roots.length !== 1) return null;
        const got = this.matchNode(membersOf(v), typesOf(v), roots[0], inner, path);
        if (!got) return null;
        got.add(inner + ' ' + termKey(roots[0]));
        return got;
      }
      const got = this.matchNode(membersOf(v), typesOf(v), o, g, path);
      if (!got) return null;
      got.add(g + ' ' + termKey(o));
      return got;
    }
    if (o.kind === 'iri') return typeof v === 'string' && stringNamesIri(v, o.value) ? none : null;
    if (o.kind === 'literal') return literalMatches(v, o) ? none : null;
    return null;
  }
}

/**
 * @param {JsonValue | undefined} v
 * @param {Term} o  a literal
 */
function literalMatches(v, o) {
  if (typeof v === 'string') return o.value === v;
  if (typeof v === 'boolean') return o.value === String(v);
  if (typeof v === 'number') {
    if (NUMERIC.test(o.datatype || '')) return Number(o.value) === v;
    return o.value === String(v);
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Language values, displayed text, dates

/** A text and its language tag (null: none given). @typedef {{value: string, language: string | null}} LangText */

/**
 * Every `{value, language}` a `name`/`description` carries (string, value object, array).
 * @param {JsonValue | undefined} v
 */
export function texts(v) {
  /** @type {LangText[]} */
  const out = [];
  for (const x of Array.isArray(v) ? v : [v]) {
    if (typeof x === 'string') out.push({ value: x, language: null });
    else if (isNode(x) && typeof x['@value'] === 'string') {
      out.push({ value: x['@value'], language: typeof x['@language'] === 'string' ? x['@language'] : null });
    }
  }
  return out;
}

/**
 * The text for `language`, exactly as rosette's `model::lang::pick` chooses it.
 * @param {JsonValue | undefined} v
 * @param {string | null} [language]  a BCP 47 tag; English when none
 * @returns {string | null}
 */
export function pick(v, language) {
  const t = best(texts(v), language);
  return t ? t.value : null;
}

/**
 * The `{value, language}` of `all` for `language`: rosette's `model::lang::best`.
 * @param {LangText[]} all
 * @param {string | null} [language]
 * @returns {LangText | null}
 */
export function best(all, language) {
  /** @param {string} tag */
  const primary = (tag) => tag.split('-')[0].toLowerCase();
  const want = primary(language || 'en');
  return (
    all.find((t) => t.language && t.language.toLowerCase() === (language || '').toLowerCase()) ||
    all.find((t) => t.language && primary(t.language) === want) ||
    all.find((t) => t.language === null) ||
    all[0] ||
    null
  );
}

/**
 * Every text an Open Badges 3.0 Achievement gives for `field` (`name`, `description`): its own
 * (a string is in its `inLanguage`), then each translation in `related` (OB 3.0 `Related`
 * entries with an `inLanguage`), as rosette's `model::lang::achievement_texts`.
 * @param {JsonValue | undefined} a
 * @param {string} field
 * @returns {LangText[]}
 */
export function achievementTexts(a, field) {
  if (!isNode(a)) return [];
  const own = typeof a.inLanguage === 'string' ? a.inLanguage : null;
  const out = texts(a[field]).map((t) => ({ value: t.value, language: t.language ?? own }));
  for (const r of flatten(a.related)) {
    if (!isNode(r) || typeof r.inLanguage !== 'string') continue;
    for (const t of texts(r[field])) out.push({ value: t.value, language: t.language ?? r.inLanguage });
  }
  return out;
}

/**
 * The achievement's `field` for a page in `language`, from its own text or a translation.
 * @param {JsonValue | undefined} a
 * @param {string} field
 * @param {string | null} [language]
 * @returns {string | null}
 */
export function pickAchievement(a, field, language) {
  const t = best(achievementTexts(a, field), language);
  return t ? t.value : null;
}

/**
 * rosette's `clean_text`: drops bidi overrides and control characters except \n and \t.
 * @param {string} s
 */
export function cleanText(s) {
  return s.replace(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]|[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, '');
}

/** Text as displayed: runs of white space are one space (the HTML minifier does this). @param {string} s */
export const normalizeSpace = (s) => s.replace(/\s+/g, ' ').trim();

/**
 * Milliseconds since the epoch of an XML Schema 1.1 dateTimeStamp, or null: rosette's
 * `parse_date_time` (src/model/date.rs), tested against the same table
 * (tests/fixtures/date-times.json). No offset = UTC; 24:00:00 = the next day's first instant;
 * years of five digits or more; no lower-case `z`, no leap second.
 * @param {unknown} text
 * @returns {number | null}
 */
export function parseDateTime(text) {
  if (typeof text !== 'string') return null;
  const m = /^(-?)(\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$/.exec(text);
  if (!m) return null;
  const [, neg, ys, mo, d, h, mi, s, frac, tz] = m;
  if (ys.length > 4 && ys[0] === '0') return null;
  if (+mo < 1 || +mo > 12 || +d < 1 || +h > 24 || +mi > 59 || +s > 59) return null;
  const endOfDay = +h === 24;
  if (endOfDay && (+mi !== 0 || +s !== 0 || /[1-9]/.test(frac || ''))) return null;
  let offset = 0;
  if (tz && tz !== 'Z') {
    const [th, tm] = [Number(tz.slice(1, 3)), Number(tz.slice(4, 6))];
    if (!((th <= 13 && tm <= 59) || (th === 14 && tm === 0))) return null;
    offset = (tz[0] === '-' ? -1 : 1) * (th * 60 + tm) * 60000;
  }
  const year = (neg ? -1 : 1) * Number(ys);
  // Past what a Date holds: the far future or past.
  if (Math.abs(year) > 270000) return neg ? -8.64e15 : 8.64e15;
  const day = new Date(0);
  day.setUTCFullYear(year, +mo - 1, +d);
  if (day.getUTCDate() !== +d || day.getUTCMonth() !== +mo - 1) return null;
  const ms = frac ? Math.floor(Number('0.' + frac) * 1000) : 0;
  return day.getTime() + (((+h % 24) * 60 + +mi) * 60 + +s) * 1000 + ms + (endOfDay ? 86400000 : 0) - offset;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * A date for people, as rosette's `human_date`: `31 January 2024`, `2024年1月31日` (UTC).
 * @param {number} ms
 * @param {string | null} [language]
 */
export function humanDate(ms, language) {
  const d = new Date(ms);
  if (String(language || '').toLowerCase().startsWith('zh')) {
    return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
  }
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

// ---------------------------------------------------------------------------------------
// The credential

/** @param {JsonValue | undefined} v */
const strings = (v) => flatten(v).filter((x) => typeof x === 'string');
/** @param {Credential} c */
export const contextsOf = (c) => strings(c['@context']);
/** @param {Credential} c */
export const typesOfCredential = (c) => strings(c.type);
/**
 * The issuer's id: `issuer` itself, or its `id`; null when there is none.
 * @param {Credential} c
 * @returns {string | null}
 */
export function issuerId(c) {
  const i = c.issuer;
  if (typeof i === 'string') return i;
  if (isNode(i) && typeof i.id === 'string') return i.id;
  return null;
}
/** @type {(c: Credential) => Proof[]} */
export const proofsOf = (c) => flatten(c.proof).filter(isNode);
/** `validFrom` (VC 2.0) or `issuanceDate` (VC 1.1). @param {Credential} c */
const validFromOf = (c) => (c.validFrom !== undefined ? c.validFrom : c.issuanceDate);
/** `validUntil` (VC 2.0) or `expirationDate` (VC 1.1). @param {Credential} c */
const validUntilOf = (c) => (c.validUntil !== undefined ? c.validUntil : c.expirationDate);

/**
 * Why something could not pass: one of the message keys `K`, and its parameters. (The members
 * other results have are declared absent, so that `if (r.error)` tells the two apart.)
 * @template {string} K
 * @typedef {{error: K, params?: Params, kind?: undefined, version?: undefined, key?: undefined, retired?: undefined}} Failure
 */
/**
 * What the format check found the credential to be (`version`: of the VC data model), or why
 * it is not one (`verify_format_<error>`).
 * @typedef {{kind: 'achievement' | 'endorsement' | 'status-list', version: 1 | 2, error?: undefined, params?: undefined}
 *   | Failure<'not_object' | 'context_first' | 'context_unknown' | 'not_vc' | 'not_badge' | 'context_ob' | 'no_issuer'
 *     | 'no_valid_from' | 'no_issuance_date' | 'bad_date' | 'dates_reversed' | 'subject_one' | 'subject_id'
 *     | 'no_achievement' | 'achievement_field'>} Conformance
 */

/**
 * The format check (rosette's `Credential::conformance`): VC 2.0 or 1.1, only embedded
 * contexts, an Open Badge (or a status list), issuer, dates, a subject with id or identifier
 * and an achievement with id, name and criteria. Returns {kind} or {error: messageKey, params}.
 * @param {JsonValue} c
 * @returns {Conformance}
 */
export function conformance(c) {
  if (!isNode(c)) return { error: 'not_object' };
  const ctx = contextsOf(c);
  const version = ctx[0] === VC_V2 ? 2 : ctx[0] === VC_V1 ? 1 : null;
  if (!version) return { error: 'context_first' };
  const unknown = ctx.find((u) => !KNOWN_CONTEXTS.has(u));
  if (unknown) return { error: 'context_unknown', params: { url: unknown } };
  const types = typesOfCredential(c);
  if (!types.includes('VerifiableCredential')) return { error: 'not_vc' };
  /** @type {'achievement' | 'endorsement' | 'status-list'} */
  let kind;
  if (types.includes('AchievementCredential') || types.includes('OpenBadgeCredential')) kind = 'achievement';
  else if (types.includes('EndorsementCredential')) kind = 'endorsement';
  else if (types.includes('BitstringStatusListCredential')) kind = 'status-list';
  else return { error: 'not_badge' };
  if (kind !== 'status-list' && !OB_CONTEXT.test(ctx[1] || '')) return { error: 'context_ob' };
  if (issuerId(c) === null) return { error: 'no_issuer' };
  const from = validFromOf(c);
  if (from === undefined) {
    if (kind !== 'status-list') return { error: version === 2 ? 'no_valid_from' : 'no_issuance_date' };
  } else if (parseDateTime(from) === null) return { error: 'bad_date', params: { field: version === 2 ? 'validFrom' : 'issuanceDate' } };
  const until = validUntilOf(c);
  if (until !== undefined && parseDateTime(until) === null) return { error: 'bad_date', params: { field: 'validUntil' } };
  // Both parsed above: numbers here.
  if (from !== undefined && until !== undefined && /** @type {number} */ (parseDateTime(from)) > /** @type {number} */ (parseDateTime(until))) return { error: 'dates_reversed' };
  if (kind === 'achievement') {
    const s = c.credentialSubject;
    if (!isNode(s)) return { error: 'subject_one' };
    if (s.id === undefined && s.identifier === undefined) return { error: 'subject_id' };
    const a = s.achievement;
    if (!isNode(a)) return { error: 'no_achievement' };
    for (const key of ['id', 'name', 'criteria']) {
      if (a[key] === undefined) return { error: 'achievement_field', params: { field: key } };
    }
  }
  return { kind, version };
}

// ---------------------------------------------------------------------------------------
// Keys: did:key, did:web

/** An issuer's Ed25519 key and the DID that controls it. @typedef {{key: Uint8Array<ArrayBuffer>, controller: string}} Method */
/**
 * @typedef {(Method & {error?: undefined, params?: undefined})
 *   | Failure<'did_not_json' | 'did_wrong_id' | 'key_not_published' | 'key_wrong_controller' | 'key_not_ed25519' | 'key_not_assertion'>} MethodResult
 */
/**
 * What keys.json says of a key: when it was retired (null: no date), that it is active, or
 * why the proof may not use it.
 * @typedef {{retired: number | null, error?: undefined, params?: undefined}
 *   | {active: true, retired?: undefined, error?: undefined, params?: undefined}
 *   | Failure<'keys_json_bad' | 'key_not_in_history' | 'key_retired'>} KeyHistory
 */

/**
 * `did:web:host[:path…]` → the https URL of its did.json (did:web §Read). Null if not one.
 * @param {unknown} did
 */
export function didWebDocumentUrl(did) {
  if (typeof did !== 'string' || !did.startsWith('did:web:')) return null;
  const parts = did.slice(8).split(':');
  // split gives at least one part.
  const host = /** @type {string} */ (parts.shift()).replace(/%3A/gi, ':');
  if (!host || /[/@?#]/.test(host)) return null;
  if (parts.some((p) => p === '' || p === '.' || p === '..' || /[/?#]/.test(p))) return null;
  return parts.length ? `https://${host}/${parts.join('/')}/did.json` : `https://${host}/.well-known/did.json`;
}

/**
 * The domain that vouches for a did:web DID (its host, with a port if it names one): what a
 * visitor can compare with the address bar. Null for any other DID.
 * @param {unknown} did
 */
export function didWebDomain(did) {
  const url = didWebDocumentUrl(did);
  return url ? new URL(url).host : null;
}

/** The DID (without fragment) of a verification method id. @param {string} vmId */
export const controllerDid = (vmId) => vmId.split('#')[0];

/**
 * Finds a verification method in a DID document (CID 1.0 §Retrieve Verification Method):
 * the document's id is the DID, the method's id is exactly `vmId`, its controller is the DID,
 * it is an Ed25519 Multikey, and it is listed under `assertionMethod`.
 * Returns {key, controller} or {error: key, params}.
 * @param {JsonValue} doc
 * @param {string} vmId
 * @returns {MethodResult}
 */
export function methodFromDidDocument(doc, vmId) {
  const did = controllerDid(vmId);
  if (!isNode(doc)) return { error: 'did_not_json' };
  if (doc.id !== did) return { error: 'did_wrong_id', params: { did } };
  const methods = flatten(doc.verificationMethod).filter(isNode);
  const method = methods.find((m) => m.id === vmId);
  if (!method) return { error: 'key_not_published', params: { key: vmId } };
  if (method.controller !== did) return { error: 'key_wrong_controller', params: { key: vmId } };
  const key = ed25519KeyFromMultibase(method.publicKeyMultibase);
  if (!key) return { error: 'key_not_ed25519', params: { key: vmId } };
  const listed = flatten(doc.assertionMethod).some((a) => a === vmId || (isNode(a) && a.id === vmId));
  if (!listed) return { error: 'key_not_assertion', params: { key: vmId } };
  return { key, controller: did };
}

/**
 * A did:key verification method: the key is the DID itself.
 * @param {string} vmId
 * @returns {MethodResult}
 */
export function methodFromDidKey(vmId) {
  const did = controllerDid(vmId);
  const multibase = did.slice('did:key:'.length);
  const fragment = vmId.slice(did.length + 1);
  if (fragment && fragment !== multibase) return { error: 'key_not_published', params: { key: vmId } };
  const key = ed25519KeyFromMultibase(multibase);
  if (!key) return { error: 'key_not_ed25519', params: { key: vmId } };
  return { key, controller: did };
}

/**
 * The key history rosette publishes beside did.json (keys.json): a proof made after its key
 * was retired is refused (as the build does).
 * @param {JsonValue} keysJson
 * @param {string} vmId
 * @param {JsonValue | undefined} created  the proof's `created`
 * @returns {KeyHistory}
 */
export function keyHistoryProblem(keysJson, vmId, created) {
  if (!isNode(keysJson) || !Array.isArray(keysJson.keys)) return { error: 'keys_json_bad' };
  if (keysJson.controller !== controllerDid(vmId)) return { error: 'keys_json_bad' };
  const entry = /** @type {JsonObject | undefined} */ (keysJson.keys.find((k) => isNode(k) && k.id === vmId));
  if (!entry) return { error: 'key_not_in_history', params: { key: vmId } };
  if (entry.status === 'retired') {
    const retired = parseDateTime(entry.retired);
    const made = parseDateTime(created);
    if (retired !== null && made !== null && made > retired) {
      return { error: 'key_retired', params: { key: vmId, date: retired, created: made } };
    }
    return { retired };
  }
  return { active: true };
}

// ---------------------------------------------------------------------------------------
// Bitstring Status List

/**
 * Decodes an `encodedList` (`u` + base64url(gzip(bits))). Returns bytes; throws on error.
 * @param {JsonValue | undefined} encoded
 */
export async function decodeStatusList(encoded) {
  if (typeof encoded !== 'string' || !encoded.startsWith('u')) throw new Error('status_not_multibase');
  const compressed = base64urlDecode(encoded.slice(1));
  if (!compressed) throw new Error('status_bad_base64');
  if (typeof DecompressionStream !== 'function') throw new MissingPrimitive('DecompressionStream');
  const stream = new Blob([compressed]).stream().pipeThrough(new DecompressionStream('gzip'));
  const reader = stream.getReader();
  /** @type {Uint8Array[]} */
  const chunks = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_LIST_BYTES) {
        reader.cancel();
        throw new Error('status_too_large');
      }
      chunks.push(value);
    }
  } catch (/** @type {any} */ e) {
    if (e.message === 'status_too_large') throw e;
    throw new Error('status_bad_gzip');
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * The status value of entry `index` (`size` bits each; bit 0 = MSB of byte 0), or null.
 * @param {Uint8Array} bits
 * @param {number} index
 * @param {number} [size]
 */
export function statusAt(bits, index, size = 1) {
  const entries = Math.floor((bits.length * 8) / size);
  if (index >= entries) return null;
  let value = 0;
  for (let k = 0; k < size; k++) {
    const i = index * size + k;
    value = value * 2 + ((bits[i >> 3] >> (7 - (i & 7))) & 1);
  }
  return value;
}

/**
 * A `credentialStatus` entry: its purpose, its index in the list at URL `list`, the bits per
 * entry, and the list's status messages (unchecked).
 * @typedef {{purpose: string, index: number, list: string, size: number, messages: JsonValue | undefined, error?: undefined, params?: undefined}} StatusEntry
 */

/**
 * A `credentialStatus` entry of type BitstringStatusListEntry, or {error}.
 * @param {JsonValue} e
 * @returns {StatusEntry | Failure<'status_unsupported' | 'status_bad_index' | 'status_incomplete'>}
 */
export function parseStatusEntry(e) {
  if (!isNode(e) || e.type !== 'BitstringStatusListEntry') {
    return { error: 'status_unsupported', params: { type: isNode(e) ? String(e.type) : '' } };
  }
  if (typeof e.statusListIndex !== 'string' || !/^\d+$/.test(e.statusListIndex)) return { error: 'status_bad_index' };
  if (typeof e.statusPurpose !== 'string' || typeof e.statusListCredential !== 'string') return { error: 'status_incomplete' };
  const size = /** @type {number} checked on the next line */ (e.statusSize === undefined ? 1 : e.statusSize);
  if (!Number.isInteger(size) || size < 1 || size > 8) return { error: 'status_bad_index' };
  return { purpose: e.statusPurpose, index: Number(e.statusListIndex), list: e.statusListCredential, size, messages: e.statusMessage };
}

// ---------------------------------------------------------------------------------------
// Recipient

/**
 * Compares an e-mail address with the credential's e-mail identities (OB 3.0 IdentityHash:
 * `sha256$` + hex SHA-256 of address ‖ salt, hex in either case; or plain text when not
 * hashed). Returns 'match' | 'no-match' | 'no-email' | 'unsupported' (only MD5 hashes).
 * The address is only hashed here, never sent anywhere.
 * @param {JsonValue} credential
 * @param {string} email
 * @param {CryptoEnv} [env]
 * @returns {Promise<'match' | 'no-match' | 'no-email' | 'unsupported'>}
 */
export async function recipientMatches(credential, email, env = {}) {
  const subject = isNode(credential) ? credential.credentialSubject : null;
  const ids = /** @type {Array<JsonObject & {identityHash: string}>} */ (
    flatten(isNode(subject) ? subject.identifier : undefined).filter(
      (i) => isNode(i) && i.identityType === 'emailAddress' && typeof i.identityHash === 'string',
    )
  );
  if (!ids.length) return 'no-email';
  let unsupported = false;
  for (const id of ids) {
    const salt = typeof id.salt === 'string' ? id.salt : '';
    if (id.hashed === false || id.hashed === 'false') {
      if (id.identityHash === email) return 'match';
      continue;
    }
    const m = /^sha256\$([0-9a-fA-F]{64})$/.exec(id.identityHash);
    if (!m) {
      unsupported = true;
      continue;
    }
    if (hex(await sha256(toBytes(email + salt), env)) === m[1].toLowerCase()) return 'match';
  }
  return unsupported ? 'unsupported' : 'no-match';
}

// ---------------------------------------------------------------------------------------
// Displayed facts

/**
 * What the page shows (elements marked `data-fact`) against the signed credential. `facts`
 * is a list of {fact, text, datetime?}. Returns the differences: {fact, shown, signed}.
 * A page must mark at least the achievement's and the recipient's names.
 * @param {Credential} c
 * @param {DisplayedFact[]} facts
 * @param {string} [language]
 * @returns {FactProblem[]}
 */
export function displayedFactProblems(c, facts, language) {
  /** @type {JsonObject} */
  const s = isNode(c.credentialSubject) ? c.credentialSubject : {};
  /** @type {JsonObject} */
  const a = isNode(s.achievement) ? s.achievement : {};
  /** @param {string | null} t */
  const shown = (t) => {
    const cleaned = t === null ? '' : cleanText(t);
    return cleaned.trim() === '' ? null : cleaned;
  };
  /** @param {JsonValue | undefined} v */
  const text = (v) => shown(pick(v, language));
  /** @param {string} field */
  const achievementText = (field) => shown(pickAchievement(a, field, language));
  // Any language the issuer signed the text in may be shown (the page picks one).
  /** @param {LangText[]} all */
  const variantsOf = (all) => all.map((x) => normalizeSpace(cleanText(x.value)));
  /** @param {JsonValue | undefined} v */
  const variants = (v) => variantsOf(texts(v));
  /** @type {Proof} */
  const proof = proofsOf(c)[0] || {};
  /** @type {{[fact: string]: string | null}} */
  const expected = {
    'achievement-name': achievementText('name') ?? 'Untitled achievement',
    'achievement-description': achievementText('description') ?? '',
    'human-code': text(a.humanCode),
    'recipient-name': text(s.name) ?? 'the recipient',
    'issuer-name': isNode(c.issuer) ? text(c.issuer.name) : null,
    'credential-name': text(c.name),
    'credential-description': text(c.description),
    'credential-id': typeof c.id === 'string' ? c.id : '',
    suite: String(proof.cryptosuite || proof.type || ''),
    'key-id': String(proof.verificationMethod || ''),
  };
  /** @type {{[fact: string]: string[]}} */
  const signedTexts = {
    'achievement-name': variantsOf(achievementTexts(a, 'name')),
    'achievement-description': variantsOf(achievementTexts(a, 'description')),
    'human-code': variants(a.humanCode),
    'recipient-name': variants(s.name),
    'issuer-name': isNode(c.issuer) ? variants(c.issuer.name) : [],
    'credential-name': variants(c.name),
    'credential-description': variants(c.description),
  };
  /** @type {{[fact: string]: JsonValue | undefined}} */
  const dates = { 'valid-from': validFromOf(c), 'valid-until': validUntilOf(c) };
  /** @type {FactProblem[]} */
  const problems = [];
  /** @type {Set<string>} */
  const present = new Set();
  for (const f of facts) {
    present.add(f.fact);
    if (f.fact in dates) {
      const signed = parseDateTime(dates[f.fact]);
      const shown = f.datetime === undefined || f.datetime === null ? null : parseDateTime(f.datetime);
      const same =
        signed !== null &&
        shown !== null &&
        Math.floor(signed / 1000) === Math.floor(shown / 1000) &&
        normalizeSpace(f.text) === humanDate(signed, language);
      if (!same) problems.push({ fact: f.fact, shown: normalizeSpace(f.text), signed: signed === null ? null : humanDate(signed, language) });
    } else if (f.fact in expected) {
      const want = expected[f.fact];
      const shown = normalizeSpace(f.text);
      const ok = (want !== null && shown === normalizeSpace(want)) || (signedTexts[f.fact] || []).includes(shown);
      if (!ok) problems.push({ fact: f.fact, shown, signed: want });
    } else {
      problems.push({ fact: f.fact, shown: normalizeSpace(f.text), signed: null });
    }
  }
  for (const required of ['achievement-name', 'recipient-name']) {
    if (!present.has(required)) problems.push({ fact: required, shown: null, signed: expected[required] });
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// Verifying a credential

/**
 * Verifies a credential. `env`:
 *   now            Date or ms (default: now)
 *   subtle         a SubtleCrypto (default: globalThis.crypto.subtle)
 *   local(url)     the same-origin URL to read an absolute URL from, or null (another site:
 *                  never fetched)
 *   remote(url)    where to read the documents that vouch for a credential (the issuer's
 *                  did:web document and key history, status lists): the URL itself when the
 *                  page reads them from the host that names them (did:web §Read), or null.
 *                  Without it they are read through `local` (tests, and checking a file
 *                  against the site's own copy)
 *   get(url, {fresh})  the text at a same-origin URL, or null when it is not there (404);
 *                  throws when it cannot be read; `fresh`: not from a cache (status lists)
 *   published      the same-origin URL of the credential's JSON as this site published it, or
 *                  null; read only to say what an altered page changed
 *   canonical      for eddsa-rdfc-2022, a promise of [document, proof] (the N-Quads its proof
 *                  signed, which the badge page carries), or undefined to read them from the
 *                  .nq/.proof.nq published beside `published`
 *   facts          the page's displayed facts (see displayedFactProblems), or a promise of
 *                  them (everything else starts before the page is parsed), or undefined
 *   pagePath       the page's path under the site root (`awards/x/`), or undefined
 *   baseUrl        the site's base URL
 *   language       the page's language
 *   revocationReason  a reason the site publishes for a revocation (shown only if revoked)
 * Returns {outcome, headline, checks, allChecks, fatal} (see summarize): outcome
 * `verified|warning|failed|unknown`.
 * @param {JsonValue} credential
 * @param {VerifyEnv} env
 * @returns {Promise<Verdict>}
 */
export async function verifyCredential(credential, env) {
  const ctx = new Context(env);
  /** @type {Check[]} */
  const checks = [];
  const form = conformance(credential);
  checks.push(
    form.error
      ? check('format', 'failed', 'format_' + form.error, form.params)
      : check('format', 'passed', form.kind === 'status-list' ? 'format_status_list' : 'format_ok', {
          version: form.version === 2 ? '2.0' : '1.1',
        }),
  );
  // The proof and the status list are read at the same time.
  const proofP = verifyProof(credential, ctx, { published: env.published, canonical: env.canonical, page: env });
  const statusP = form.kind === 'status-list' || !isNode(credential) ? null : statusCheck(credential, ctx, env.revocationReason);
  const proof = await proofP;
  checks.push(proof.signature, proof.issuerKey);
  checks.push(issuerCheck(credential, proof.method));
  checks.push(validityCheck(credential, ctx.now));
  if (statusP) checks.push(await statusP);
  return summarize(checks, credential);
}

/**
 * A JSON document read: its value, or that it is not there, or not JSON.
 * @typedef {{value: JsonValue, missing?: undefined, invalid?: undefined}
 *   | {missing: true, value?: undefined, invalid?: undefined}
 *   | {invalid: true, value?: undefined, missing?: undefined}} JsonRead
 */

/** One verification's reads, keys and clock. */
class Context {
  /** @param {VerifyEnv} env */
  constructor(env) {
    this.env = env;
    this.now = env.now === undefined ? Date.now() : +env.now;
    /** @type {Map<string, Promise<string | null>>} */
    this.cache = env.cache || new Map();
    /** @type {Map<string, Promise<CryptoKey | null>>} */
    this.keys = new Map();
  }
  /**
   * Reads a same-origin URL once, however many checks ask for it (`fresh`: bypass caches).
   * @param {string} url
   * @param {boolean} [fresh]
   * @returns {Promise<string | null>}
   */
  get(url, fresh = false) {
    if (!this.cache.has(url)) {
      const p = Promise.resolve().then(() => this.env.get(url, { fresh }));
      p.catch(() => {});
      this.cache.set(url, p);
    }
    return /** @type {Promise<string | null>} */ (this.cache.get(url));
  }
  /**
   * @param {string} url
   * @param {boolean} [fresh]
   * @returns {Promise<JsonRead>}
   */
  async getJson(url, fresh = false) {
    const text = await this.get(url, fresh);
    if (text === null) return { missing: true };
    try {
      return { value: JSON.parse(text) };
    } catch {
      return { invalid: true };
    }
  }
  /** @param {string} url */
  local(url) {
    return this.env.local ? this.env.local(url) : null;
  }
  /**
   * Where to read a document that vouches for the credential: its own host, when allowed.
   * @param {string} url
   */
  remote(url) {
    return this.env.remote ? this.env.remote(url) : this.local(url);
  }
}

/**
 * The `.nq` and `.proof.nq` published beside a credential JSON at `jsonUrl`.
 * @param {string} jsonUrl
 */
export function canonicalUrls(jsonUrl) {
  const stem = jsonUrl.replace(/\.json$/, '');
  return { document: stem + '.nq', proof: stem + '.proof.nq' };
}

/**
 * Where a proof's key was found: the method and how, or why not (`state` and a message key;
 * with `method` when the key is there but keys.json does not vouch for it).
 * @typedef {{method: Method, how: 'did_key' | 'did_web', retired?: number | null, state?: undefined, key?: undefined, params?: undefined}
 *   | {state: 'failed' | 'unknown', key: string, params?: Params, method?: undefined, how?: undefined}
 *   | {state: 'failed' | 'unknown', key: string, params?: Params, method: Method, how?: undefined}} Resolved
 */

/**
 * Finds the key a proof names; {method} or {check: state, key, params}.
 * @param {JsonValue | undefined} vmId  the proof's `verificationMethod`
 * @param {JsonValue | undefined} created  the proof's `created`
 * @param {Context} ctx
 * @returns {Promise<Resolved>}
 */
async function resolveMethod(vmId, created, ctx) {
  if (typeof vmId !== 'string' || !vmId) return { state: 'failed', key: 'proof_no_key' };
  const did = controllerDid(vmId);
  if (did.startsWith('did:key:')) {
    const m = methodFromDidKey(vmId);
    return m.error ? { state: 'failed', key: m.error, params: m.params } : { method: m, how: 'did_key' };
  }
  const docUrl = didWebDocumentUrl(did);
  if (!docUrl) return { state: 'unknown', key: 'key_unsupported_method', params: { key: vmId } };
  // The key is read from the host the DID names, never from whatever site serves the page: a
  // copy of the site with a key of its own added to its did.json must not verify.
  const local = ctx.remote(docUrl);
  if (!local) return { state: 'unknown', key: 'key_other_site', params: { url: docUrl } };
  const keysUrl = local.replace(/did\.json$/, 'keys.json');
  let doc, history;
  try {
    [doc, history] = await Promise.all([ctx.getJson(local), ctx.getJson(keysUrl)]);
  } catch {
    return { state: 'unknown', key: 'did_unreadable', params: { url: docUrl } };
  }
  if (doc.missing) return { state: 'unknown', key: 'did_missing', params: { url: docUrl } };
  if (doc.invalid) return { state: 'failed', key: 'did_not_json', params: { url: docUrl } };
  const m = methodFromDidDocument(doc.value, vmId);
  if (m.error) return { state: 'failed', key: m.error, params: { url: docUrl, ...m.params } };
  if (history.missing) return { state: 'unknown', key: 'keys_json_missing', params: { url: keysUrl }, method: m };
  if (history.invalid) return { state: 'failed', key: 'keys_json_bad', method: m };
  const h = keyHistoryProblem(history.value, vmId, created);
  if (h.error) return { state: 'failed', key: h.error, params: h.params, method: m };
  return { method: m, how: 'did_web', retired: h.retired };
}

/**
 * The signature and issuer-key checks of the first proof (a proof set needs every proof;
 * rosette signs one). Returns {signature, issuerKey, method}.
 * @param {JsonValue} credential
 * @param {Context} ctx
 * @param {{published?: string | null, canonical?: VerifyEnv['canonical'], page: VerifyEnv | null}} reads
 * @returns {Promise<{signature: Check, issuerKey: Check, method?: Method | null}>}
 */
async function verifyProof(credential, ctx, { published, canonical, page }) {
  const proofs = isNode(credential) ? proofsOf(credential) : [];
  const proof = proofs[0];
  // A proof set is of proofs (VC Data Integrity §4.2): anything else in it is not ignored.
  // `proof` is set only for an object credential (above).
  if (proof && flatten(/** @type {JsonObject} */ (credential).proof).some((p) => !isNode(p))) {
    return {
      signature: check('signature', 'failed', 'proof_malformed'),
      issuerKey: check('issuer-key', 'not-applicable', 'key_no_proof'),
    };
  }
  if (!proof) {
    return {
      signature: check('signature', 'failed', 'proof_missing'),
      issuerKey: check('issuer-key', 'not-applicable', 'key_no_proof'),
    };
  }
  const vmId = proof.verificationMethod;
  const suite = proof.cryptosuite;
  // Start every read at once: the key and the canonical forms.
  const methodP = resolveMethod(vmId, proof.created, ctx);
  let canonP = null;
  if (suite === 'eddsa-rdfc-2022' && canonical) canonP = Promise.resolve(canonical);
  else if (suite === 'eddsa-rdfc-2022' && published && canonical === undefined) {
    const urls = canonicalUrls(published);
    canonP = Promise.all([ctx.get(urls.document), ctx.get(urls.proof)]);
  }
  canonP && canonP.catch(() => {});

  // A proof was found: the credential is an object.
  const signature = await signatureCheck(/** @type {Credential} */ (credential), proof, proofs, ctx, { canonP, methodP, published, page });
  const resolved = await methodP;
  let issuerKey;
  if (resolved.method && !resolved.state) {
    issuerKey = check('issuer-key', 'passed', resolved.how === 'did_key' ? 'key_did_key' : 'key_ok', {
      key: vmId,
      did: resolved.method.controller,
    });
  } else {
    issuerKey = check('issuer-key', resolved.state, resolved.key, resolved.params);
  }
  const method = resolved.method && resolved.state !== 'failed' ? resolved.method : null;
  return { signature, issuerKey, method };
}

/**
 * The signature check: what the page shows (`pageCheck`, once the page is there) and the
 * proof itself (`proofCheck`, started at once). A page that shows what was not signed fails
 * even when the key cannot be had.
 * @param {Credential} credential
 * @param {Proof} proof
 * @param {Proof[]} proofs
 * @param {Context} ctx
 * @param {Reads} reads
 * @returns {Promise<Check>}
 */
async function signatureCheck(credential, proof, proofs, ctx, reads) {
  const proofP = proofCheck(credential, proof, proofs, ctx, reads);
  proofP.catch(() => {});
  const page = reads.page;
  if (!page || page.facts === undefined) return proofP;
  const facts = await page.facts;
  const altered = pageCheck(credential, facts, page);
  if (altered) return altered;
  const result = await proofP;
  if (result.state !== 'failed' || !reads.published) return result;
  // The page's credential does not verify. The file published beside it is read only now:
  // when it differs and is the one that was signed, the page was altered, and the verdict
  // says what the page shows that the signed credential does not, in plain words.
  let copy;
  try {
    copy = await ctx.getJson(reads.published);
  } catch {
    return result;
  }
  const signed = copy && isNode(copy.value) && !jsonEqual(copy.value, credential) ? copy.value : null;
  const signedProofs = signed ? proofsOf(signed) : [];
  if (!signedProofs[0]) return result;
  const p = signedProofs[0];
  const methodP = p.verificationMethod === proof.verificationMethod ? reads.methodP : resolveMethod(p.verificationMethod, p.created, ctx);
  // `signed` has a proof: it is not null.
  const fileCheck = await proofCheck(/** @type {Credential} */ (signed), p, signedProofs, ctx, { ...reads, methodP });
  if (fileCheck.state !== 'passed') return result;
  const problems = displayedFactProblems(/** @type {Credential} */ (signed), facts, page.language);
  return problems.length ? check('signature', 'failed', 'page_altered', { problems }) : check('signature', 'failed', 'page_json_altered');
}

/**
 * What a signature check reads: the canonical forms (eddsa-rdfc-2022; null when there are
 * none), the key, the credential as published, and the page's facts.
 * @typedef {{canonP: Promise<CanonicalForms> | null, methodP: Promise<Resolved>, published?: string | null, page?: VerifyEnv | null}} Reads
 */

/**
 * What the page shows, and where it is, must be what was signed. Null when it is.
 * @param {Credential} credential
 * @param {DisplayedFact[]} facts
 * @param {VerifyEnv} page
 */
function pageCheck(credential, facts, page) {
  const problems = displayedFactProblems(credential, facts, page.language);
  if (problems.length) return check('signature', 'failed', 'page_altered', { problems });
  if (page.pagePath !== undefined && page.baseUrl && typeof credential.id === 'string' && credential.id.startsWith(page.baseUrl)) {
    const rel = credential.id.slice(page.baseUrl.length).split(/[?#]/)[0].replace(/\/+$/, '');
    const here = page.pagePath.replace(/index\.html$/, '').replace(/\/+$/, '');
    if (rel !== here) return check('signature', 'failed', 'page_moved', { id: credential.id });
  }
  return null;
}

/**
 * The proof itself: its suite and purpose, what it signed, and the signature with its key.
 * @param {Credential} credential
 * @param {Proof} proof
 * @param {Proof[]} proofs
 * @param {Context} ctx
 * @param {Reads} reads
 * @returns {Promise<Check>}
 */
async function proofCheck(credential, proof, proofs, ctx, { canonP, methodP }) {
  const vmId = String(proof.verificationMethod || '');
  const suite = proof.cryptosuite;
  if (proof.type !== 'DataIntegrityProof' || (suite !== 'eddsa-rdfc-2022' && suite !== 'eddsa-jcs-2022')) {
    return check('signature', 'failed', 'proof_unsupported', { suite: String(suite || proof.type) });
  }
  if (proofs.length > 1) return check('signature', 'unknown', 'proof_set');
  if (proof.proofPurpose !== 'assertionMethod') return check('signature', 'failed', 'proof_purpose');
  const signature = signatureFromProofValue(proof.proofValue);
  if (!signature) return check('signature', 'failed', 'proof_value_bad');
  const { proofValue, ...options } = proof;
  const { proof: _, ...unsecured } = credential;

  let proofCanon, docCanon;
  if (suite === 'eddsa-jcs-2022') {
    // VC-DI-EDDSA §3.3.2: the proof's @context, when there is one, must open the document's.
    if (options['@context'] !== undefined) {
      const pc = flatten(options['@context']);
      const dc = flatten(unsecured['@context']);
      if (pc.some((c, i) => !jsonEqual(c, dc[i]))) return check('signature', 'failed', 'proof_context');
      // Entries after the proof's are not signed, yet a JSON-LD reader applies them: only
      // contexts rosette embeds, and not a second base context, whose protected terms would
      // clash (rosette's verifier processes them and refuses the same ones).
      const extra = dc.slice(pc.length);
      if (extra.some((c) => typeof c !== 'string' || !KNOWN_CONTEXTS.has(c) || c === VC_V1 || c === VC_V2)) {
        return check('signature', 'failed', 'proof_context_unsigned');
      }
      unsecured['@context'] = options['@context'];
    }
    try {
      proofCanon = jcs(options);
      docCanon = jcs(unsecured);
    } catch {
      return check('signature', 'failed', 'jcs_failed');
    }
  } else {
    if (!canonP) return check('signature', 'unknown', 'rdfc_not_published');
    let texts;
    try {
      texts = await canonP;
    } catch {
      return check('signature', 'unknown', 'rdfc_unreadable');
    }
    if (texts[0] === null || texts[1] === null) return check('signature', 'unknown', 'rdfc_missing');
    [docCanon, proofCanon] = /** @type {[string, string]} neither null */ (texts);
    // The facts check: the JSON here must say exactly what the signed quads say.
    let docQuads, proofQuads;
    try {
      docQuads = parseNQuads(docCanon);
      proofQuads = parseNQuads(proofCanon);
    } catch {
      return check('signature', 'failed', 'rdfc_bad');
    }
    const difference = compareWithQuads(unsecured, docQuads) || compareWithQuads(options, proofQuads);
    if (difference) return check('signature', 'failed', 'json_differs', { path: difference.path.join(' › ') });
  }

  // Hash while the key is still being read.
  const data = hashData(proofCanon, docCanon, ctx.env);
  data.catch(() => {});
  const resolved = await methodP;
  if (!resolved.method) {
    return check('signature', resolved.state === 'failed' ? 'failed' : 'unknown', 'signature_no_key', { key: vmId });
  }
  let ok;
  try {
    ok = await ed25519Verify(resolved.method.key, signature, data, { subtle: ctx.env.subtle, keys: ctx.keys });
  } catch (e) {
    if (e instanceof MissingPrimitive) return check('signature', 'unknown', 'no_ed25519');
    return check('signature', 'unknown', 'crypto_error');
  }
  if (!ok) return check('signature', 'failed', 'signature_invalid', { suite, key: vmId });
  return check('signature', 'passed', 'signature_ok', { suite, key: vmId });
}

/**
 * @param {JsonValue} credential
 * @param {Method | null | undefined} method  the proof's key, when it was found
 */
function issuerCheck(credential, method) {
  if (!method) return check('issuer', 'not-applicable', 'issuer_no_key');
  const id = isNode(credential) ? issuerId(credential) : null;
  if (id === null) return check('issuer', 'failed', 'issuer_missing');
  if (id !== method.controller) return check('issuer', 'failed', 'issuer_not_controller', { issuer: id, did: method.controller });
  return check('issuer', 'passed', 'issuer_ok', { issuer: id });
}

/**
 * @param {JsonValue} credential
 * @param {number} now  ms since the epoch
 */
function validityCheck(credential, now) {
  if (!isNode(credential)) return check('validity', 'unknown', 'validity_none');
  const from = parseDateTime(validFromOf(credential));
  const until = parseDateTime(validUntilOf(credential));
  if (from !== null && now < from) return check('validity', 'failed', 'validity_not_yet', { date: from });
  if (until !== null && now > until) return check('validity', 'warning', 'validity_expired', { date: until });
  if (from !== null && until !== null) return check('validity', 'passed', 'validity_from_until', { from, until });
  if (from !== null) return check('validity', 'passed', 'validity_from', { from });
  if (until !== null) return check('validity', 'passed', 'validity_until', { until });
  return check('validity', 'passed', 'validity_none');
}

/**
 * @param {Credential} credential
 * @param {Context} ctx
 * @param {string | null} [revocationReason]
 * @returns {Promise<Check>}
 */
async function statusCheck(credential, ctx, revocationReason) {
  const entries = flatten(credential.credentialStatus);
  if (!entries.length) return check('status', 'not-applicable', 'status_none');
  /** @type {string[]} */
  const passed = [];
  let warning = null;
  let listDate = null;
  for (const raw of entries) {
    const entry = parseStatusEntry(raw);
    if (entry.error) return check('status', 'unknown', entry.error, entry.params);
    const r = await readStatus(entry, ctx);
    if (r.state) return check('status', r.state, r.key, r.params);
    if (r.listDate !== null && (listDate === null || r.listDate > listDate)) listDate = r.listDate;
    if (r.value !== 0) {
      // parseInt reads any value as a string, as it does here.
      const message = entry.messages && /** @type {JsonObject | undefined} */ (flatten(entry.messages).find((m) => isNode(m) && parseInt(/** @type {string} */ (m.status), 16) === r.value));
      const reason = message && typeof message.message === 'string' ? message.message : entry.purpose === 'revocation' ? revocationReason || null : null;
      const key = entry.purpose === 'revocation' ? 'status_revoked' : entry.purpose === 'suspension' ? 'status_suspended' : 'status_set';
      return check('status', 'failed', dated(key, r.listDate), { purpose: entry.purpose, reason, date: r.listDate });
    }
    if (r.short) warning = r.short;
    passed.push(entry.purpose);
  }
  const params = { purposes: passed, date: listDate };
  if (warning !== null) return check('status', 'warning', dated('status_short', listDate), { ...params, entries: warning });
  return check('status', 'passed', dated('status_ok', listDate), params);
}

/** A status message names the list's date (its validFrom) when the list has one. @type {(key: string, date: number | null | undefined) => string} */
const dated = (key, date) => (date === null || date === undefined ? key + '_undated' : key);

/**
 * Reads one entry from its status list, which is a credential too: its proof, key and
 * validity period must hold. The list's proof is checked over its own published N-Quads.
 * Returns the entry's value, the list's date and its length when short, or why not.
 * @param {StatusEntry} entry
 * @param {Context} ctx
 * @returns {Promise<{value: number, listDate: number | null, short: number | null, state?: undefined}
 *   | {state: CheckState, key: string, params?: Params, value?: undefined}>}
 */
async function readStatus(entry, ctx) {
  // From the list's own host, as the key: a copy must not replay an older list.
  const local = ctx.remote(entry.list);
  if (!local) return { state: 'unknown', key: 'status_other_site', params: { url: entry.list } };
  // The list, and the N-Quads of its proof should it be eddsa-rdfc-2022, are read at once;
  // a list is read fresh (a revocation must show without waiting for a cache).
  const nq = canonicalUrls(local);
  [nq.document, nq.proof].forEach((u) => ctx.get(u, true).catch(() => {}));
  let list;
  try {
    list = await ctx.getJson(local, true);
  } catch {
    return { state: 'unknown', key: 'status_unreadable', params: { url: entry.list } };
  }
  if (list.missing) return { state: 'unknown', key: 'status_missing', params: { url: entry.list } };
  if (list.invalid) return { state: 'failed', key: 'status_list_bad', params: { url: entry.list } };
  // Not an object unless conformance (next) says it is a status list.
  const c = /** @type {Credential} */ (list.value);
  const form = conformance(c);
  if (form.error || form.kind !== 'status-list') return { state: 'failed', key: 'status_list_bad', params: { url: entry.list } };
  const { signature, issuerKey } = await verifyProof(c, ctx, { published: local, page: null });
  for (const part of [signature, issuerKey]) {
    if (part.state === 'failed') return { state: 'failed', key: 'status_list_forged', params: { url: entry.list } };
    if (part.state !== 'passed') return { state: 'unknown', key: 'status_list_unchecked', params: { url: entry.list, why: part.message } };
  }
  const validity = validityCheck(c, ctx.now);
  if (validity.state !== 'passed') return { state: 'unknown', key: 'status_list_stale', params: { url: entry.list } };
  /** @type {JsonObject} */
  const subject = isNode(c.credentialSubject) ? c.credentialSubject : {};
  if (!strings(subject.statusPurpose).includes(entry.purpose)) {
    return { state: 'unknown', key: 'status_purpose', params: { purpose: entry.purpose } };
  }
  let bits;
  try {
    bits = await decodeStatusList(subject.encodedList);
  } catch (e) {
    if (e instanceof MissingPrimitive) return { state: 'unknown', key: 'no_gzip' };
    return { state: 'failed', key: 'status_list_bad', params: { url: entry.list } };
  }
  const value = statusAt(bits, entry.index, entry.size);
  if (value === null) return { state: 'unknown', key: 'status_out_of_range', params: { index: entry.index } };
  const entries = Math.floor((bits.length * 8) / entry.size);
  return {
    value,
    listDate: parseDateTime(c.validFrom !== undefined ? c.validFrom : c.issuanceDate),
    short: entries < MIN_STATUS_ENTRIES ? entries : null,
  };
}

/**
 * Who signed, in the words a visitor can check: the issuer's name and the domain its key was
 * read from (`domain` is the DID itself for a DID without one, such as did:key).
 * @param {JsonValue} credential
 */
function signer(credential) {
  const id = isNode(credential) ? issuerId(credential) : null;
  const name = isNode(credential) && isNode(credential.issuer) ? pick(credential.issuer.name, 'en') : null;
  const domain = didWebDomain(id);
  return { issuer: name ? cleanText(name) : id || '', domain: domain || id || '' };
}

/**
 * The verdict from the checks, in the words of issue 6: a failed format, signature, key or
 * issuer is fatal (the other checks are hidden: they may be forged); then revoked,
 * suspended, not yet valid; then "could not check"; then expired (a warning); else verified.
 * @param {Check[]} checks
 * @param {JsonValue} credential
 * @returns {Verdict}
 */
export function summarize(checks, credential) {
  const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
  /** @param {string} n */
  const failed = (n) => byName[n] && byName[n].state === 'failed';
  const fatal = FATAL_CHECKS.filter(failed);
  /** @type {Outcome} */
  let outcome, headline; // headline: the Message msg() makes
  if (fatal.length) {
    outcome = 'failed';
    headline = msg('verdict_altered', { reason: byName[fatal[0]].message });
  } else if (failed('status')) {
    outcome = 'failed';
    const { key, params } = byName.status.message;
    if (key.startsWith('status_suspended')) headline = msg('verdict_suspended', params);
    else if (key.startsWith('status_revoked') || key === 'status_set') headline = msg('verdict_revoked', params);
    // The status list itself was altered: the badge's own checks still stand, shown.
    else headline = msg('verdict_altered', { reason: byName.status.message });
  } else if (failed('validity')) {
    outcome = 'failed';
    headline = msg('verdict_not_yet_valid', byName.validity.message.params);
  } else if (checks.some((c) => c.state === 'failed')) {
    outcome = 'failed';
    headline = msg('verdict_altered', { reason: /** @type {Check} */ (checks.find((c) => c.state === 'failed')).message });
  } else if (checks.some((c) => c.state === 'unknown')) {
    outcome = 'unknown';
    headline = msg('verdict_unknown', { reason: /** @type {Check} */ (checks.find((c) => c.state === 'unknown')).message });
  } else if (byName.validity && byName.validity.state === 'warning') {
    outcome = 'warning';
    headline = msg('verdict_expired', { ...byName.validity.message.params, ...signer(credential) });
  } else if (checks.some((c) => c.state === 'warning')) {
    outcome = 'warning';
    headline = msg('verdict_warning', { reason: /** @type {Check} */ (checks.find((c) => c.state === 'warning')).message });
  } else {
    outcome = 'verified';
    headline = msg('verdict_verified', signer(credential));
  }
  const shown = fatal.length ? checks.filter((c) => fatal.includes(c.name)) : checks;
  return { outcome, headline, checks: shown, allChecks: checks, fatal: fatal.length > 0 };
}
