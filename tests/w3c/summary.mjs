// Summarise the mocha JSON reports of the W3C suites: counts per suite and per group, and the
// failing tests with the first line of their assertion, to stdout and to results.json.
//
//   node tests/w3c/summary.mjs OUT_DIR SUITE=INSTALL_SECS,RUN_SECS...
//
// Exits 1 when a test fails that tests/w3c/expected.json does not list (with its reason): a
// regression. A listed test that now passes is reported, to be taken off the list.

import fs from 'node:fs';
import path from 'node:path';

const [outDir, ...timed] = process.argv.slice(2);

// The eddsa suite names its cryptosuite in every describe title, which is the split its
// report uses; the data model suite is split by file (one per spec section).
function group(test) {
  return /eddsa-(rdfc|jcs)-2022/.exec(test.fullTitle)?.[0] ??
    path.basename(test.file || '?', '.js');
}

function count(tests, key) {
  const groups = {};
  for(const t of tests) {
    (groups[group(t)] ??= {passed: 0, failed: 0, pending: 0})[key]++;
  }
  return groups;
}

const results = {suites: {}};
for(const arg of timed) {
  const [name, times] = arg.split('=');
  const [install, run] = times.split(',').map(Number);
  const report = JSON.parse(fs.readFileSync(path.join(outDir, `${name}.json`), 'utf8'));
  const groups = {};
  for(const [key, list] of
    [['passed', report.passes], ['failed', report.failures], ['pending', report.pending]]) {
    for(const [g, c] of Object.entries(count(list, key))) {
      groups[g] ??= {passed: 0, failed: 0, pending: 0};
      groups[g][key] += c[key];
    }
  }
  results.suites[name] = {
    install_seconds: install,
    run_seconds: run,
    passed: report.stats.passes,
    failed: report.stats.failures,
    pending: report.stats.pending,
    groups,
    failures: report.failures.map(t => ({
      title: t.fullTitle,
      file: path.basename(t.file || ''),
      // A failed hook skips the tests under it: mocha counts it as one failure.
      hook: /"(before|after)( all| each)?" hook/.test(t.title),
      message: (t.err?.message || '').split('\n')[0],
    })),
  };
}
fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');

for(const [name, r] of Object.entries(results.suites)) {
  console.log(`\n== ${name}: ${r.passed} passed, ${r.failed} failed, ${r.pending} pending ` +
    `(install ${r.install_seconds} s, run ${r.run_seconds} s)`);
  for(const [g, c] of Object.entries(r.groups).sort()) {
    console.log(`   ${g}: ${c.passed} passed, ${c.failed} failed, ${c.pending} pending`);
  }
  for(const f of r.failures) {
    const tags = [f.hook && '(hook)'].filter(Boolean);
    console.log(`  FAIL ${[...tags, f.title].join(' ')}\n       ${f.message}`);
  }
}
console.log(`\nwritten ${path.join(outDir, 'results.json')}`);

const expected = JSON.parse(
  fs.readFileSync(new URL('./expected.json', import.meta.url), 'utf8')).expected_failures;
let regressions = 0;
for(const [name, r] of Object.entries(results.suites)) {
  const listed = new Set((expected[name] || []).map(e => e.title));
  const failed = new Set(r.failures.map(f => f.title));
  for(const f of r.failures.filter(f => !listed.has(f.title))) {
    regressions++;
    console.log(`UNEXPECTED FAILURE (${name}): ${f.title}\n       ${f.message}`);
  }
  for(const title of [...listed].filter(t => !failed.has(t))) {
    console.log(`now passes (${name}), take it off tests/w3c/expected.json: ${title}`);
  }
  console.log(`${name}: ${r.passed} passed, ${r.failed} failed ` +
    `(${r.failed - r.failures.filter(f => !listed.has(f.title)).length} of them expected)`);
}
process.exitCode = regressions ? 1 : 0;
