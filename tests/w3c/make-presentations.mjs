// Writes tests/fixtures/presentations/: verifiable presentations signed by Digital Bazaar's
// libraries (the ones the W3C suites sign with), for tests/cli.rs. Run after
// scripts/w3c-suites.sh has installed the VC 2.0 suite into target/w3c:
//
//   node tests/w3c/make-presentations.mjs
//
// The holder's key is the VC 2.0 suite's own test key (a did:key); the credentials inside are
// issued by it too. Proofs carry fixed `created` times, so the output is the same every run
// except for the signatures' inputs, which are fixed as well.

import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const suite = path.join(repo, 'target/w3c/vc-data-model-2.0-test-suite');
const require = createRequire(path.join(suite, 'package.json'));
const load = name => import(require.resolve(name));

const vc = await load('@digitalbazaar/vc');
const {DataIntegrityProof} = await load('@digitalbazaar/data-integrity');
const {cryptosuite} = await load('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
const ed25519Multikey = await load('@digitalbazaar/ed25519-multikey');

const publicKeyMultibase = 'z6MkpJySvETLnxhQG9DzEdmKJtysBDjuuTeDfUj1uNNCUqcj';
const did = `did:key:${publicKeyMultibase}`;
const keyPair = await ed25519Multikey.from({
  id: `${did}#${publicKeyMultibase}`,
  controller: did,
  publicKeyMultibase,
  secretKeyMultibase: 'zrv1a6V2qqSGkBz7QPw4yJedKc8X9dEdug7c3MEzNUDVEmkyVcXtTWNLQLArgKXzN7LbGMTVjqE2CbdrqpnxqtxmY1M',
});
const signer = keyPair.signer();
const documentLoader = vc.defaultDocumentLoader;
const date = '2026-12-01T10:00:00Z';

const credential = {
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  id: 'urn:uuid:8f4a1c62-4d4e-4b8e-9d2a-1f0c5e6b7a90',
  type: ['VerifiableCredential'],
  issuer: did,
  validFrom: '2026-01-01T00:00:00Z',
  credentialSubject: {id: 'did:example:ada', name: 'Ada Lovelace'},
};
const issued = await vc.issue({
  credential,
  suite: new DataIntegrityProof({signer, cryptosuite, date}),
  documentLoader,
});
const presentation = {
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  id: 'urn:uuid:0d7c4a7e-2b1f-4c55-8f7e-5e9b3c1a2d44',
  type: ['VerifiablePresentation'],
  holder: did,
  verifiableCredential: [issued],
};
const signed = await vc.signPresentation({
  presentation,
  suite: new DataIntegrityProof({signer, cryptosuite, date}),
  challenge: 'c0ffee-2026-12-07',
  domain: 'hiring.example',
  documentLoader,
});
const out = path.join(repo, 'tests/fixtures/presentations');
fs.mkdirSync(out, {recursive: true});
fs.writeFileSync(path.join(out, 'signed.json'), JSON.stringify(signed, null, 2) + '\n');
console.log(`wrote ${path.relative(repo, out)}/signed.json`);
