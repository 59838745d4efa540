// A VC-API front for the rosette binary, so that the W3C test suites (which only speak
// HTTP) can test it. It adds no judgement of its own: every answer is what `rosette sign`
// or `rosette verify` said, mapped onto VC-API status codes.
//
//   node tests/w3c/adapter.mjs [--port N] [--tls CERT KEY]
//
// --port (or ROSETTE_ADAPTER_PORT) 0 picks a free port. --tls serves HTTPS: the data model
// suite unwraps the VC-API `{verifiableCredential}` answer only on its HTTPS code path (over
// plain HTTP it takes the wrapper for the credential), and the suites accept self-signed
// certificates.
//
// Once listening it prints one JSON line, {"url": …, "did": …}, so a script can point the
// suites at it and tell them which issuer id to use.

import {execFile} from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.ROSETTE_BIN || path.join(repo, 'target/release/rosette');

// One issuer endpoint per cryptosuite, because the suites pick issuers by tag and send no
// cryptosuite option of their own; and one with rosette's own choice (`sign` without
// --suite: eddsa-rdfc-2022, or eddsa-jcs-2022 for a credential with a text direction), which
// is what an issuer gets who does not pick.
const issuers = {
  '/rdfc/credentials/issue': 'eddsa-rdfc-2022',
  '/jcs/credentials/issue': 'eddsa-jcs-2022',
  '/credentials/issue': null,
};

function rosette(args) {
  return new Promise(resolve => {
    execFile(bin, args, {maxBuffer: 64 << 20}, (error, stdout, stderr) => {
      // A missing binary is an error without a numeric exit code: treat it as the usage
      // error (2) it is, so it surfaces as a 500 and not as a refusal.
      const code = error ? (typeof error.code === 'number' ? error.code : 2) : 0;
      resolve({code, stdout, stderr});
    });
  });
}

// rosette's reason for a refusal: its last `error: …` line and the `caused by: …` lines under it.
function reason(stderr) {
  const lines = stderr.trim().split('\n').map(l => l.trim());
  const at = lines.findLastIndex(l => l.startsWith('error:'));
  return (at < 0 ? lines : lines.slice(at)).join(' ') || 'refused';
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rosette-w3c-'));
const key = path.join(dir, 'key.secret');
let seq = 0;

// Each request gets its own file: the suites send requests concurrently.
async function withFile(value, f) {
  const file = path.join(dir, `${++seq}.json`);
  // `undefined` has no JSON form; a missing credential is sent as null, which rosette refuses.
  fs.writeFileSync(file, JSON.stringify(value) ?? 'null');
  try {
    return await f(file);
  } finally {
    fs.rmSync(file, {force: true});
  }
}

// A VC-API issuer instance has one identity, so it fills in the issuer when the caller left it
// out. It never replaces one the caller gave: a wrong or malformed issuer must reach rosette
// and be refused, or the suites' "must reject this issuer" tests would pass for the wrong
// reason (and a real issuer service cannot sign as someone else anyway).
function fillIssuer(credential, did) {
  if(credential === null || typeof credential !== 'object' || Array.isArray(credential)) {
    return credential;
  }
  if(!('issuer' in credential)) {
    return {...credential, issuer: did};
  }
  const {issuer} = credential;
  if(issuer !== null && typeof issuer === 'object' && !Array.isArray(issuer) &&
    !('id' in issuer)) {
    return {...credential, issuer: {id: did, ...issuer}};
  }
  return credential;
}

async function issue(body, cryptosuite, did) {
  const credential = fillIssuer(body.credential, did);
  const {code, stdout, stderr} = await withFile(credential, file =>
    rosette(['sign', '--quiet', '--key', key,
      ...(cryptosuite ? ['--suite', cryptosuite] : []), file]));
  if(code === 0) {
    return [201, {verifiableCredential: JSON.parse(stdout)}];
  }
  // Exit 1 is rosette refusing the credential (VC-API: 400 invalid input); anything else is
  // the adapter's or the machine's fault and must not pass for a refusal.
  return [code === 1 ? 400 : 500, {error: reason(stderr)}];
}

// VC-API: the challenge and domain the verifier asked the holder to sign for come as options.
async function verifyPresentation(body) {
  const {challenge, domain} = body.options ?? {};
  const flags = [
    ...(typeof challenge === 'string' ? ['--challenge', challenge] : []),
    ...(typeof domain === 'string' ? ['--domain', domain] : []),
  ];
  return verify({verifiableCredential: body.verifiablePresentation}, flags);
}

async function verify(body, flags = []) {
  const {code, stdout, stderr} = await withFile(body.verifiableCredential, file =>
    rosette(['verify', '--quiet', '--offline', '--format', 'json', ...flags, file]));
  let report;
  try {
    [report] = JSON.parse(stdout);
  } catch {
    return [code === 1 ? 400 : 500, {verified: false, errors: [reason(stderr)]}];
  }
  const checks = report.checks || [];
  const named = state => checks.filter(c => c.state === state)
    .map(c => `${c.check}: ${c.message}`);
  // `unknown` (a check that could not be made) is never shown as valid by rosette; the
  // exit code already says so, and the messages go with the errors.
  // A file that is no credential at all gets a report with an `error` and no checks.
  const errors = [...named('failed'), ...named('unknown'), report.error].filter(Boolean);
  const result = {
    verified: code === 0,
    checks: checks.filter(c => c.state === 'passed').map(c => c.check),
    warnings: named('warning'),
    errors: code === 0 ? [] : errors,
  };
  return [code === 0 ? 200 : code === 1 ? 400 : 500, result];
}

async function route(req, body, did) {
  const url = new URL(req.url, 'http://localhost').pathname;
  if(req.method !== 'POST') {
    return [405, {error: 'only POST'}];
  }
  if(url in issuers) {
    return issue(body, issuers[url], did);
  }
  if(url === '/credentials/verify') {
    return verify(body);
  }
  if(url === '/presentations/verify') {
    return verifyPresentation(body);
  }
  return [404, {error: `no endpoint ${url}`}];
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch(e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

async function main() {
  const {code, stdout, stderr} = await rosette(['keygen', '--out', key]);
  const did = /did:key:[^#\s]+/.exec(stdout)?.[0];
  if(code !== 0 || !did) {
    throw new Error(`rosette keygen failed (${bin}): ${stderr.trim()}`);
  }
  const arg = name => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv.slice(i + 1) : [];
  };
  const [cert, tlsKey] = arg('--tls');
  const handle = async (req, res) => {
    let status;
    let answer;
    try {
      const body = await readJson(req);
      // A body that is not a JSON object is malformed VC-API input, not a credential.
      [status, answer] = body !== null && typeof body === 'object' ?
        await route(req, body, did) : [400, {error: 'the body must be a JSON object'}];
    } catch(e) {
      [status, answer] = [e instanceof SyntaxError ? 400 : 500, {error: String(e)}];
    }
    if(process.env.ROSETTE_ADAPTER_LOG) {
      console.error(`${req.method} ${req.url} -> ${status} ${answer.error ??
        (answer.errors || []).join('; ')}`);
    }
    res.writeHead(status, {'content-type': 'application/json'});
    res.end(JSON.stringify(answer));
  };
  const server = cert ?
    https.createServer({cert: fs.readFileSync(cert), key: fs.readFileSync(tlsKey)}, handle) :
    http.createServer(handle);
  const port = Number(arg('--port')[0] ?? process.env.ROSETTE_ADAPTER_PORT ?? 0);
  server.listen(port, '127.0.0.1', () => {
    const url = `${cert ? 'https' : 'http'}://127.0.0.1:${server.address().port}`;
    console.log(JSON.stringify({url, did}));
  });
  const stop = () => {
    fs.rmSync(dir, {recursive: true, force: true});
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch(e => {
  fs.rmSync(dir, {recursive: true, force: true});
  console.error(e.message);
  process.exit(2);
});
