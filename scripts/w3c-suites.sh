#!/usr/bin/env bash
# Run the W3C test suites (vc-di-eddsa, vc-data-model-2.0) against rosette through the VC-API
# adapter in tests/w3c/adapter.mjs, and print what passed and failed.
#
#   scripts/w3c-suites.sh
#
# Environment:
#   ROSETTE_BIN     the rosette binary (default: target/release/rosette, built if missing)
#   W3C_SUITES_DIR  the vendored suites and their deps/ (default: $ROSETTE_SHARED/w3c-suites,
#                   ROSETTE_SHARED defaulting to ../shared beside the repository)
#
# Results: a summary on stdout, target/w3c/results.json, the mocha JSON and log of each suite
# and the adapter's request log under target/w3c/. Exit status 1 when a test fails that
# tests/w3c/expected.json does not list with its reason; 2 when the run could not be made.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/target/w3c
src=${W3C_SUITES_DIR:-${ROSETTE_SHARED:-$repo/../shared}/w3c-suites}
suites=(vc-di-eddsa-test-suite vc-data-model-2.0-test-suite)

die() { echo "w3c-suites: $*" >&2; exit 2; }

if [[ -z ${ROSETTE_BIN:-} ]]; then
  ROSETTE_BIN=$repo/target/release/rosette
  [[ -x $ROSETTE_BIN ]] || (cd "$repo" && cargo build --release) || die "cargo build failed"
fi
[[ -x $ROSETTE_BIN ]] || die "no rosette binary at $ROSETTE_BIN"
export ROSETTE_BIN
# The adapter serves HTTPS with a throwaway certificate that openssl makes.
if ! command -v openssl >/dev/null && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null) ||
    die "could not install openssl"
fi
for tool in node npm openssl; do
  command -v $tool >/dev/null || die "$tool is needed"
done

# Each suite's package.json takes two dependencies from `file:../deps/…`, so deps/ has to stay
# their sibling. Copying over an earlier copy keeps its node_modules; -p keeps the times, so
# an unchanged package.json stays older than the last install.
mkdir -p "$out"
for s in "${suites[@]}" deps; do
  [[ -d $src/$s ]] || die "missing $src/$s"
  mkdir -p "$out/$s"
  cp -Rp "$src/$s/." "$out/$s/"
done

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

declare -A install_secs
for s in "${suites[@]}"; do
  # Reinstall only when package.json changed since the last install.
  if [[ $out/$s/node_modules/.package-lock.json -nt $out/$s/package.json ]]; then
    install_secs[$s]=0
    continue
  fi
  t0=$(now)
  (cd "$out/$s" && npm install --no-audit --no-fund >"$out/$s.install.log" 2>&1) ||
    die "npm install failed in $s (see target/w3c/$s.install.log)"
  install_secs[$s]=$(secs "$t0" "$(now)")
  echo "installed $s in ${install_secs[$s]} s"
done

# HTTPS, because the data model suite unwraps the VC-API answer only on that path (see the
# adapter). The suites accept any certificate, so a throwaway self-signed one does.
tls=$out/tls
if [[ ! -s $tls/cert.pem ]]; then
  mkdir -p "$tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>"$tls/openssl.log" ||
    die "openssl could not make a certificate (see $tls/openssl.log)"
fi

# The adapter makes a fresh key and prints {"url", "did"} once it listens.
adapter_pid=
stop_adapter() { [[ -n $adapter_pid ]] && kill "$adapter_pid" 2>/dev/null || true; }
trap stop_adapter EXIT
rm -f "$out/adapter.out"
ROSETTE_ADAPTER_LOG=1 node "$repo/tests/w3c/adapter.mjs" --port 0 --tls "$tls/cert.pem" "$tls/key.pem" \
  >"$out/adapter.out" 2>"$out/adapter.log" &
adapter_pid=$!
for _ in $(seq 50); do
  grep -q '}$' "$out/adapter.out" 2>/dev/null && break
  kill -0 "$adapter_pid" 2>/dev/null || die "the adapter did not start: $(cat "$out/adapter.log")"
  sleep 0.2
done
grep -q '}$' "$out/adapter.out" || die "the adapter did not start in 10 s"
read -r url did < <(node -e \
  'const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(a.url, a.did)' \
  "$out/adapter.out")
echo "adapter at $url, issuing as $did"

# The issuer id is the adapter's did:key: the suites put it into every credential they ask to
# be issued, and rosette signs only for the key's own controller.
cat >"$out/vc-di-eddsa-test-suite/localConfig.cjs" <<EOF
// Written by scripts/w3c-suites.sh: rosette through tests/w3c/adapter.mjs.
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'rosette',
    implementation: 'rosette',
    issuers: [{
      id: '$did',
      endpoint: '$url/rdfc/credentials/issue',
      supports: {vc: ['1.1', '2.0']},
      tags: ['eddsa-rdfc-2022']
    }, {
      id: '$did',
      endpoint: '$url/jcs/credentials/issue',
      supports: {vc: ['1.1', '2.0']},
      tags: ['eddsa-jcs-2022']
    }],
    verifiers: [{
      id: 'rosette-verifier',
      endpoint: '$url/credentials/verify',
      tags: ['eddsa-rdfc-2022', 'eddsa-jcs-2022']
    }]
  }]
};
EOF
# The VC 2.0 suite issues through rosette's own suite choice (`sign` without --suite), and
# verifies presentations with `rosette verify --challenge --domain`.
cat >"$out/vc-data-model-2.0-test-suite/localConfig.cjs" <<EOF
// Written by scripts/w3c-suites.sh: rosette through tests/w3c/adapter.mjs.
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'rosette',
    implementation: 'rosette',
    issuers: [{
      id: '$did',
      endpoint: '$url/credentials/issue',
      tags: ['vc2.0']
    }],
    verifiers: [{
      id: 'rosette-verifier',
      endpoint: '$url/credentials/verify',
      tags: ['vc2.0']
    }],
    vpVerifiers: [{
      id: 'rosette-verifier',
      endpoint: '$url/presentations/verify',
      tags: ['vc2.0']
    }]
  }]
};
EOF

# The suites' own `npm test` (same mocha flags) but with the JSON reporter, to be counted.
# mocha exits with the number of failures, so only a missing report is an error.
declare -A run_secs
for s in "${suites[@]}"; do
  rm -f "$out/$s.json"
  t0=$(now)
  (cd "$out/$s" && npx mocha tests/ --timeout 15000 --preserve-symlinks \
    --reporter json --reporter-option output="$out/$s.json" >"$out/$s.log" 2>&1) || true
  run_secs[$s]=$(secs "$t0" "$(now)")
  [[ -s $out/$s.json ]] || die "$s produced no report (see target/w3c/$s.log)"
done

times=()
for s in "${suites[@]}"; do
  times+=("$s=${install_secs[$s]},${run_secs[$s]}")
done
node "$repo/tests/w3c/summary.mjs" "$out" "${times[@]}"
