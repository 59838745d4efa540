// The badge page's verifier (themes/default/static/rosette-core.js), run in Node against the
// official vectors, so the browser and rosette agree on every one of them:
//   - W3C vc-di-eddsa: eddsa-rdfc-2022 (two vectors: the published N-Quads are what the page
//     hashes) and eddsa-jcs-2022 (JCS computed here), byte for byte, hash for hash;
//   - the 1EdTech Open Badges 3.0 eddsa-rdfc-2022 vector;
//   - RFC 8785 JCS, Bitstring Status List decoding, OB 3.0 identity hashes;
//   - the facts check: the JSON of each rdfc vector says what its N-Quads say, and every
//     single-value change is detected (e2e.mjs does the same on the sample site's N-Quads).
// Node's WebCrypto (Ed25519, SHA-256) stands in for the browser's.
//
//   node tests/browser/vectors.mjs

import fs from 'node:fs';
import path from 'node:path';
import { assert, loadCore, mutationsDetected, Runner, SAMPLE, SHARED } from './lib.mjs';

const core = await loadCore();
const V = path.join(SHARED, 'vectors');
const read = (...p) => fs.readFileSync(path.join(...p), 'utf8');
const readJson = (...p) => JSON.parse(read(...p));
const fromHex = (h) => Uint8Array.from(h.trim().match(/../g), (b) => parseInt(b, 16));
const runner = new Runner();

const withoutProof = (c) => {
  const { proof, ...rest } = c;
  return rest;
};
const optionsOf = (proof) => {
  const { proofValue, ...rest } = proof;
  return rest;
};

async function checkSuite(label, { signed, proofCanon, docCanon, combinedHex, sigHex, key, rdfc }) {
  await runner.case(`${label}: hashData = combined hash`, async () => {
    const h = await core.hashData(proofCanon, docCanon);
    assert(core.hex(h) === combinedHex.trim(), `got ${core.hex(h)}`);
  });
  await runner.case(`${label}: proofValue decodes to the signature`, () => {
    const sig = core.signatureFromProofValue(signed.proof.proofValue);
    assert(sig && core.hex(sig) === sigHex.trim().toLowerCase(), 'signature bytes differ');
  });
  await runner.case(`${label}: Ed25519 signature verifies`, async () => {
    const ok = await core.ed25519Verify(key, core.signatureFromProofValue(signed.proof.proofValue), await core.hashData(proofCanon, docCanon));
    assert(ok, 'does not verify');
  });
  await runner.case(`${label}: one changed character fails`, async () => {
    const changed = docCanon.replace(/"([^"])/, (m, c) => '"' + (c === 'X' ? 'Y' : 'X'));
    assert(changed !== docCanon, 'nothing changed');
    const ok = await core.ed25519Verify(key, core.signatureFromProofValue(signed.proof.proofValue), await core.hashData(proofCanon, changed));
    assert(!ok, 'a changed document verified');
  });
  if (rdfc) {
    await runner.case(`${label}: the credential JSON says what the N-Quads say (facts check)`, () => {
      const d1 = core.compareWithQuads(withoutProof(signed), core.parseNQuads(docCanon));
      const d2 = core.compareWithQuads(optionsOf(signed.proof), core.parseNQuads(proofCanon));
      assert(!d1 && !d2, JSON.stringify(d1 || d2));
    });
  }
}

// W3C vc-di-eddsa -----------------------------------------------------------------------
const didKey = readJson(V, 'vc-di-eddsa/keyPair.json').publicKeyMultibase;
await runner.case('vc-di-eddsa: the Multikey decodes to the published raw key', () => {
  const key = core.ed25519KeyFromMultibase(didKey);
  assert(core.hex(key) === 'b00d8d938e7f773d51565aad36a623f5344f7f5d1960f9cf3e8e12620ea2810f', 'key bytes differ');
  const m = core.methodFromDidKey(`did:key:${didKey}#${didKey}`);
  assert(m.key && m.controller === `did:key:${didKey}`, 'did:key not resolved');
});
for (const dir of ['eddsa-rdfc-2022', 'eddsa-rdfc-2022/employ']) {
  const d = path.join(V, 'vc-di-eddsa', dir);
  const signed = readJson(d, 'signedDataInt.json');
  const vm = signed.proof.verificationMethod;
  await checkSuite(`vc-di-eddsa ${dir}`, {
    signed,
    proofCanon: read(d, 'proofCanonDataInt.txt'),
    docCanon: read(d, 'canonDocDataInt.txt'),
    combinedHex: read(d, 'combinedHashDataInt.txt'),
    sigHex: read(d, 'sigHexDataInt.txt'),
    key: core.methodFromDidKey(vm).key,
    rdfc: true,
  });
}
{
  const d = path.join(V, 'vc-di-eddsa/eddsa-jcs-2022');
  const signed = readJson(d, 'signedJCS.json');
  await runner.case('vc-di-eddsa eddsa-jcs-2022: JCS of the proof options and document, byte for byte', () => {
    const options = optionsOf(signed.proof);
    const doc = { ...withoutProof(signed), '@context': options['@context'] };
    assert(core.jcs(options) === read(d, 'proofCanonJCS.txt'), 'proof configuration differs');
    assert(core.jcs(doc) === read(d, 'canonDocJCS.txt'), 'document differs');
  });
  const options = optionsOf(signed.proof);
  await checkSuite('vc-di-eddsa eddsa-jcs-2022', {
    signed,
    proofCanon: core.jcs(options),
    docCanon: core.jcs({ ...withoutProof(signed), '@context': options['@context'] }),
    combinedHex: read(d, 'combinedHashJCS.txt'),
    sigHex: read(d, 'sigHexJCS.txt'),
    key: core.methodFromDidKey(signed.proof.verificationMethod).key,
  });
}

// The whole page verifier on the vectors, with a did:key and the N-Quads "published" beside.
async function pageVerify(signed, files, now = Date.parse('2025-01-01T00:00:00Z')) {
  const res = await core.verifyCredential(signed, {
    now,
    local: (u) => u,
    get: async (u) => (u in files ? files[u] : null),
    published: 'https://vectors.example/credential.json',
  });
  return res;
}
for (const [label, dir, suffix] of [
  ['eddsa-rdfc-2022', 'eddsa-rdfc-2022', 'DataInt'],
  ['eddsa-jcs-2022', 'eddsa-jcs-2022', 'JCS'],
]) {
  const d = path.join(V, 'vc-di-eddsa', dir);
  const signed = readJson(d, `signed${suffix}.json`);
  const files = {
    'https://vectors.example/credential.nq': suffix === 'DataInt' ? read(d, 'canonDocDataInt.txt') : null,
    'https://vectors.example/credential.proof.nq': suffix === 'DataInt' ? read(d, 'proofCanonDataInt.txt') : null,
  };
  await runner.case(`verifyCredential on vc-di-eddsa ${label}: signature, key and issuer checks pass`, async () => {
    const r = await pageVerify(signed, files);
    const by = Object.fromEntries(r.allChecks.map((c) => [c.name, c]));
    // Not an Open Badge: the format check says so; everything about the signature holds.
    assert(by.format.state === 'failed' && by.format.message.key === 'format_not_badge', 'format: ' + by.format.message.key);
    assert(by.signature.state === 'passed', 'signature: ' + JSON.stringify(by.signature.message));
    assert(by['issuer-key'].state === 'passed', 'issuer-key: ' + by['issuer-key'].message.key);
    assert(by.issuer.state === 'failed', 'the vector issuer is not the did:key, so the issuer check must fail');
  });
  await runner.case(`verifyCredential on vc-di-eddsa ${label}: a changed value fails the signature`, async () => {
    const changed = structuredClone(signed);
    changed.credentialSubject.alumniOf = changed.credentialSubject.alumniOf ? changed.credentialSubject.alumniOf + '!' : 'X';
    if (!signed.credentialSubject.alumniOf) changed.name = 'changed';
    const r = await pageVerify(changed, files);
    const sig = r.allChecks.find((c) => c.name === 'signature');
    assert(sig.state === 'failed', 'signature ' + sig.state);
  });
}

// eddsa-jcs-2022 signs only the proof's contexts: what is appended after signing may only be a
// context rosette embeds that clashes with nothing (rosette's verifier: tests/vectors_eddsa.rs).
{
  const d = path.join(V, 'vc-di-eddsa', 'eddsa-jcs-2022');
  const signed = readJson(d, 'signedJCS.json');
  const sigOf = async (extra) => {
    const c = structuredClone(signed);
    c['@context'] = [...[].concat(c['@context']), extra];
    return (await pageVerify(c, {})).allChecks.find((x) => x.name === 'signature');
  };
  for (const [label, extra] of [
    ['an inline entry redefining name', { name: 'https://evil.example/name' }],
    ['an unknown context URL', 'https://evil.example/context.jsonld'],
    ['a second base context', 'https://www.w3.org/2018/credentials/v1'],
  ]) {
    await runner.case(`eddsa-jcs-2022: ${label} appended after signing fails`, async () => {
      const sig = await sigOf(extra);
      assert(sig.state === 'failed' && sig.message.key === 'proof_context_unsigned', JSON.stringify(sig));
    });
  }
  await runner.case('eddsa-jcs-2022: the data-integrity context appended after signing still verifies', async () => {
    const sig = await sigOf('https://w3id.org/security/data-integrity/v2');
    assert(sig.state === 'passed', JSON.stringify(sig));
  });
}

// 1EdTech OB 3.0 eddsa-rdfc-2022 vector -------------------------------------------------
{
  const d = path.join(V, 'ob3-examples/ldp-eddsa-rdfc-2022');
  const signed = readJson(d, 'signed-credential.json');
  const keyPair = readJson(d, 'key-pair.json');
  await runner.case('1EdTech OB 3.0 vector: the Multikey is the published key', () => {
    assert(core.hex(core.ed25519KeyFromMultibase(keyPair.publicKeyMultibase)) === keyPair.publicKeyHex, 'key differs');
  });
  await checkSuite('1EdTech OB 3.0 eddsa-rdfc-2022', {
    signed,
    proofCanon: read(d, 'proof-canon.nq'),
    docCanon: read(d, 'document-canon.nq'),
    combinedHex: read(d, 'combined-hash.hex'),
    sigHex: read(d, 'signature.hex'),
    key: fromHex(keyPair.publicKeyHex),
    rdfc: true,
  });
  await runner.case('1EdTech OB 3.0 vector: format passes; its https key URL is "could not check", never verified', async () => {
    const r = await pageVerify(signed, {
      'https://vectors.example/credential.nq': read(d, 'document-canon.nq'),
      'https://vectors.example/credential.proof.nq': read(d, 'proof-canon.nq'),
    });
    const by = Object.fromEntries(r.allChecks.map((c) => [c.name, c]));
    assert(by.format.state === 'passed', 'format: ' + by.format.message.key);
    assert(by['issuer-key'].state === 'unknown', 'issuer-key: ' + by['issuer-key'].state);
    assert(r.outcome === 'unknown', 'outcome ' + r.outcome);
  });
}

// The verdicts of issue 6, from the checks --------------------------------------------------
{
  const c = (name, state, key = name + '_x') => ({ name, state, message: { key, params: {} } });
  const ok = ['format', 'signature', 'issuer-key', 'issuer'].map((n) => c(n, 'passed'));
  const cases = [
    ['verified', [...ok, c('validity', 'passed'), c('status', 'passed', 'status_ok')], 'verified', 'verdict_verified'],
    ['expired', [...ok, c('validity', 'warning', 'validity_expired'), c('status', 'passed', 'status_ok')], 'warning', 'verdict_expired'],
    ['not yet valid', [...ok, c('validity', 'failed', 'validity_not_yet'), c('status', 'passed', 'status_ok')], 'failed', 'verdict_not_yet_valid'],
    ['revoked', [...ok, c('validity', 'passed'), c('status', 'failed', 'status_revoked')], 'failed', 'verdict_revoked'],
    ['suspended', [...ok, c('validity', 'passed'), c('status', 'failed', 'status_suspended_undated')], 'failed', 'verdict_suspended'],
    ['status list forged', [...ok, c('validity', 'passed'), c('status', 'failed', 'status_list_forged')], 'failed', 'verdict_altered'],
    ['signature invalid', [c('format', 'passed'), c('signature', 'failed'), c('issuer-key', 'passed'), c('issuer', 'passed'), c('validity', 'warning'), c('status', 'failed', 'status_revoked')], 'failed', 'verdict_altered'],
    ['could not check', [...ok.slice(0, 1), c('signature', 'unknown'), c('issuer-key', 'unknown'), c('issuer', 'not-applicable'), c('validity', 'warning'), c('status', 'passed')], 'unknown', 'verdict_unknown'],
  ];
  for (const [label, checks, outcome, headline] of cases) {
    await runner.case(`verdict: ${label} → ${outcome} (${headline})`, () => {
      const r = core.summarize(checks, {});
      assert(r.outcome === outcome && r.headline.key === headline, `${r.outcome} ${r.headline.key}`);
      if (label === 'signature invalid') {
        assert(r.fatal && r.checks.length === 1 && r.checks[0].name === 'signature', 'the other checks must be hidden');
      } else {
        assert(!r.fatal && r.checks.length === checks.length, 'checks hidden');
      }
    });
  }
}

// RFC 8785 JCS ----------------------------------------------------------------------------
for (const f of fs.readdirSync(path.join(V, 'jcs/input')).sort()) {
  await runner.case(`RFC 8785 JCS ${f}`, () => {
    const got = core.jcs(JSON.parse(read(V, 'jcs/input', f)));
    assert(got === read(V, 'jcs/output', f), `got ${got.slice(0, 120)}`);
  });
}
await runner.case('RFC 8785 JCS number samples', () => {
  for (const line of read(V, 'jcs/es6-number-samples.csv').trim().split('\n')) {
    const [bits, want] = line.split(',');
    const n = new DataView(fromHex(bits.padStart(16, '0')).buffer).getFloat64(0);
    assert(core.jcs(n) === want, `${bits}: ${core.jcs(n)} ≠ ${want}`);
  }
});

// Bitstring Status List -------------------------------------------------------------------
{
  const expect = readJson(V, 'bitstring-status-list/decoded-expectations.json').lists;
  for (const [name, e] of Object.entries(expect)) {
    await runner.case(`Bitstring Status List decode ${path.basename(name)}`, async () => {
      const bits = await core.decodeStatusList(e.encodedList);
      assert(bits.length === e.decodedBytes, `${bits.length} bytes`);
      const set = [];
      for (let i = 0; i < bits.length * 8; i++) if (core.statusAt(bits, i)) set.push(i);
      assert(JSON.stringify(set) === JSON.stringify(e.setIndices), `set ${set}`);
    });
  }
  await runner.case('Bitstring Status List: garbage is refused', async () => {
    for (const bad of ['zABC', 'u!!!', 'uAAAA']) {
      let threw = false;
      try {
        await core.decodeStatusList(bad);
      } catch {
        threw = true;
      }
      assert(threw, bad + ' decoded');
    }
  });
}

// Identity hashes -------------------------------------------------------------------------
for (const c of readJson(V, 'ob3-examples/identity-hash-vectors.json').cases) {
  await runner.case(`identity hash ${c.plaintext}`, async () => {
    const cred = { credentialSubject: { identifier: [{ type: 'IdentityObject', identityType: 'emailAddress', hashed: true, identityHash: c.identityHash.toUpperCase().replace('SHA256$', 'sha256$'), salt: c.salt }] } };
    assert((await core.recipientMatches(cred, c.plaintext)) === 'match', 'no match');
    assert((await core.recipientMatches(cred, c.plaintext + 'x')) === 'no-match', 'matched another address');
  });
}
{
  const recipients = readJson(SAMPLE, 'recipients.json').recipients;
  await runner.case('sample recipients: each address matches its award, and only it', async () => {
    for (const r of recipients.filter((x) => x.email)) {
      const cred = readJson(SAMPLE, 'unsigned', r.award + '.json');
      assert((await core.recipientMatches(cred, r.email)) === 'match', r.award);
      const other = recipients.find((x) => x.email && x.award !== r.award);
      assert((await core.recipientMatches(cred, other.email)) === 'no-match', r.award + ' matched ' + other.award);
    }
  });
}

// The facts check: every single-value change of a signed credential, and a value moved to
// another place, is told apart from what the canonical N-Quads say.
for (const [label, dir, docFile, signedFile] of [
  ['vc-di-eddsa eddsa-rdfc-2022', 'vc-di-eddsa/eddsa-rdfc-2022', 'canonDocDataInt.txt', 'signedDataInt.json'],
  ['vc-di-eddsa eddsa-rdfc-2022/employ', 'vc-di-eddsa/eddsa-rdfc-2022/employ', 'canonDocDataInt.txt', 'signedDataInt.json'],
  ['1EdTech OB 3.0', 'ob3-examples/ldp-eddsa-rdfc-2022', 'document-canon.nq', 'signed-credential.json'],
]) {
  await runner.case(`facts check: ${label}, every changed value is detected`, () => {
    const doc = withoutProof(readJson(V, dir, signedFile));
    const n = mutationsDetected(core, doc, core.parseNQuads(read(V, dir, docFile)));
    assert(n > 3, 'too few values');
  });
}
// The date-time grammar: the same table rosette's parser is tested against (src/model/date.rs).
{
  const { cases } = JSON.parse(fs.readFileSync(path.join(SAMPLE, '..', 'date-times.json'), 'utf8'));
  const pad = (n, w) => String(n).padStart(w, '0');
  // chrono's `%Y`: four digits, a sign before a fifth.
  const year = (y) => (y > 9999 ? '+' + y : y < 0 ? '-' + pad(-y, 4) : pad(y, 4));
  const show = (ms) => {
    const d = new Date(ms);
    return `${year(d.getUTCFullYear())}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}Z`;
  };
  await runner.case(`dateTimeStamp: ${cases.length} values read as rosette reads them`, () => {
    const wrong = cases.filter(([text, utc]) => {
      const ms = core.parseDateTime(text);
      return (ms === null ? null : show(ms)) !== utc;
    });
    assert(wrong.length === 0, 'differ: ' + JSON.stringify(wrong.map(([t, u]) => [t, u, core.parseDateTime(t)])));
  });
}

await runner.case('facts check: a value moved to another node is detected', () => {
  const d = path.join(V, 'ob3-examples/ldp-eddsa-rdfc-2022');
  const doc = withoutProof(readJson(d, 'signed-credential.json'));
  const quads = core.parseNQuads(read(d, 'document-canon.nq'));
  const a = doc.credentialSubject.achievement;
  [doc.name, a.name] = [a.name, doc.name];
  assert(doc.name !== a.name, 'the vector has the same names');
  assert(core.compareWithQuads(doc, quads), 'swap not detected');
});

runner.finish();
