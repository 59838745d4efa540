#!/usr/bin/env bash
# DCC's verifier (@digitalcredentials/verifier-core, tests/dcc) as an interop peer, offline:
# builds the sample site (rosette.toml, badges/, themes/default) into a temporary folder with
# the release binary, then has verifier-core verify every award of it, its did:web, status list
# and schema fetches served from the built site and ../shared through a fetch shim
# (tests/dcc/verify-site.mjs says what is expected). public/ is never touched.
#
#   bash scripts/dcc-peer.sh        # from anywhere; the first run installs tests/dcc's npm
#                                   # packages (later runs reuse them until the lock changes)
#
# Environment:
#   ROSETTE_BIN      the rosette binary (default: target/release/rosette, built when missing)
#   ROSETTE_SHARED   the shared/ folder with schemas/ and contexts/ (default: ../shared)
#   ROSETTE_KEEP_TEMP=1 keeps the built site (its folder is printed)
#   DCC_PEER_VERBOSE=1  prints every fetch the verifier makes and every raw result
#
# Needs Node.js 20+ with npm. Exits non-zero on any unexpected result, with the file and reason.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
DIR=$ROOT/tests/dcc

find_rosette() {
  if [ -z "${ROSETTE_BIN:-}" ]; then
    ROSETTE_BIN=$ROOT/target/release/rosette
    if [ ! -x "$ROSETTE_BIN" ]; then
      log "cargo build --release: the binary that builds the sample site"
      (cd "$ROOT" && cargo build --release -j2 --quiet --bin rosette) || die "cargo build failed"
    fi
  fi
  [ -x "$ROSETTE_BIN" ] || die "no rosette binary at \`$ROSETTE_BIN\`" \
    "run \`cargo build --release\`, or set ROSETTE_BIN=/path/to/rosette"
}

# tests/dcc's npm packages; `npm ci` runs again only when package-lock.json changed.
setup_dcc() {
  command -v node >/dev/null && command -v npm >/dev/null ||
    die "Node.js and npm are needed" "install Node.js 20 or newer (scripts/test.sh does, as root)"
  npm_install "$DIR" "DCC verifier"
}

# The sample site, built into the folder $1 as tests/browser/lib.mjs does. The theme is the repository's themes/default, so the pages are the files under test.
build_sample() {
  local tmp=$1
  cp "$ROOT/rosette.toml" "$tmp/"
  cp -R "$ROOT/badges" "$tmp/badges"
  mkdir -p "$tmp/themes"
  cp -R "$ROOT/themes/default" "$tmp/themes/default"
  (cd "$tmp" && NO_COLOR=1 "$ROSETTE_BIN" build --quiet) ||
    die "rosette build failed on the sample site (in \`$tmp\`)" "run \`rosette check\` in the repository"
}

main() {
  find_shared schemas contexts/index.json
  find_rosette
  setup_dcc
  # Global, for the EXIT trap.
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/rosette-dcc-peer.XXXXXX")
  if [ -n "${ROSETTE_KEEP_TEMP:-}" ]; then
    log "keeping the built site in $tmp"
  else
    trap 'rm -rf "$tmp"' EXIT
  fi
  log "building the sample site with $ROSETTE_BIN"
  build_sample "$tmp"
  local base_url
  base_url=$(sed -n 's/^base_url[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$tmp/rosette.toml" | head -n 1)
  [ -n "$base_url" ] || die "no base_url in rosette.toml"
  log "node tests/dcc/verify-site.mjs: DCC's verifier on every award of $base_url, offline"
  (cd "$DIR" && node verify-site.mjs "$tmp/public" "$base_url") ||
    die "DCC's verifier did not give the expected result on every award (see FAIL above)" \
      "DCC_PEER_VERBOSE=1 bash scripts/dcc-peer.sh prints every fetch and raw result"
}

main "$@"
