// @ts-check
// bake.js: the badge page's "Download the badge image" buttons (issue #18).
//
// The site publishes, once per achievement, the image to bake (`bake.png`: the PNG without a
// credential; `bake.svg`: the SVG with a marker where the credential goes), never a baked image
// per award. Here the page's credential, exactly as signed, is baked into that base and saved,
// giving the same bytes as `rosette bake` (src/bake/base.rs: fill_png, fill_svg). Loaded by
// verify.js on the first click, never with the page. No dependencies.

/** Stands in for the credential in an SVG template; src/bake/base.rs spells it the same way. */
const SVG_MARKER = 'ROSETTE-BAKE-CREDENTIAL-5c1b7e0a';
/** The PNG signature (PNG §5.2). */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Characters XML 1.0 cannot carry (§2.2 Char); an SVG with one would not parse. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** @type {Uint32Array | null} */
let crcTable = null;

/**
 * CRC-32 (ISO 3309, as PNG §5.3 uses it) of `bytes`.
 * @param {Uint8Array} bytes
 */
function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Bakes `credential` into the PNG base `base` (a Uint8Array without a credential): one
 * uncompressed iTXt chunk, keyword `openbadgecredential`, empty language tag and translated
 * keyword, right after IHDR (Open Badges 3.0 §Baked Badge; PNG §11.3.3.4).
 * @param {Uint8Array} base
 * @param {string} credential
 */
export function bakePng(base, credential) {
  if (!credential) throw new Error('the credential is empty');
  if (base.length < 33 || PNG_SIGNATURE.some((b, i) => base[i] !== b)) throw new Error('the bake base is not a PNG');
  const view = new DataView(base.buffer, base.byteOffset, base.byteLength);
  // Signature, then IHDR's length, type, data and CRC.
  const ihdrEnd = 8 + 12 + view.getUint32(8);
  if (ihdrEnd > base.length) throw new Error('the bake base is truncated');
  const keyword = new TextEncoder().encode('iTXtopenbadgecredential');
  const text = new TextEncoder().encode(credential);
  // Type and data, which the CRC covers: type, keyword, NUL, compression flag and method 0,
  // empty language tag + NUL, empty translated keyword + NUL, the text.
  const typed = new Uint8Array(keyword.length + 5 + text.length);
  typed.set(keyword, 0);
  typed.set(text, keyword.length + 5);
  const chunk = new Uint8Array(typed.length + 8);
  const chunkView = new DataView(chunk.buffer);
  chunkView.setUint32(0, typed.length - 4);
  chunk.set(typed, 4);
  chunkView.setUint32(4 + typed.length, crc32(typed));
  const out = new Uint8Array(base.length + chunk.length);
  out.set(base.subarray(0, ihdrEnd), 0);
  out.set(chunk, ihdrEnd);
  out.set(base.subarray(ihdrEnd), ihdrEnd + chunk.length);
  return out;
}

/**
 * Bakes `credential` into the SVG template `template`: the marker, inside a CDATA section of
 * `<openbadges:credential>`, becomes the credential, a `]]>` in it split across two sections.
 * @param {string} template
 * @param {string} credential
 */
export function bakeSvg(template, credential) {
  if (!credential) throw new Error('the credential is empty');
  if (NOT_XML_CHAR.test(credential)) throw new Error('the credential has a character XML cannot carry');
  const parts = template.split(SVG_MARKER);
  if (parts.length !== 2) throw new Error('the bake template does not hold the marker once');
  return parts[0] + credential.split(']]>').join(']]]]><![CDATA[>') + parts[1];
}

/**
 * The page's credential exactly as signed: the text of #rosette-credential, or, when that
 * element has `data-exact`, the UTF-8 bytes that attribute holds in base64 (for a credential
 * the HTML could not carry as it is).
 * @param {Document} [doc]
 */
export function exactCredential(doc = document) {
  const element = doc.getElementById('rosette-credential');
  if (!element) throw new Error('the page has no credential');
  const exact = element.getAttribute('data-exact');
  if (exact === null) return element.textContent;
  const bytes = Uint8Array.from(atob(exact), (c) => c.charCodeAt(0));
  // fatal: bytes that are not UTF-8 are an error, not replacement characters; ignoreBOM: a
  // byte order mark is kept, as it was signed.
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
}

/**
 * Saves `blob` as the file `name`, through a temporary link.
 * @param {Blob} blob
 * @param {string} name
 */
function save(blob, name) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL by now; a minute leaves slow browsers room.
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
}

/**
 * The click on a download button: `data-bake` (png | svg), `data-base` (the base, a URL of this
 * site) and `data-filename`. Fetches the base, bakes the page's credential into it, saves it.
 * @param {HTMLElement} button
 */
export async function download(button) {
  const kind = button.dataset.bake;
  if (kind !== 'png' && kind !== 'svg') throw new Error(`unknown image format ${kind}`);
  // share.html sets `data-base` beside `data-bake`.
  const url = new URL(/** @type {string} */ (button.dataset.base), document.baseURI);
  if (url.origin !== location.origin) throw new Error('the bake base is not on this site');
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  const base = new Uint8Array(await response.arrayBuffer());
  const credential = exactCredential();
  const blob =
    kind === 'png'
      ? new Blob([bakePng(base, credential)], { type: 'image/png' })
      : // Decoded by hand: Response.text() would drop a byte order mark the template keeps.
        new Blob([bakeSvg(new TextDecoder('utf-8', { ignoreBOM: true }).decode(base), credential)], { type: 'image/svg+xml' });
  save(blob, button.dataset.filename || `badge.${kind}`);
}
