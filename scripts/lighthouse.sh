#!/usr/bin/env bash
# Lighthouse report of a sample badge page: builds rosette (release), builds the sample site,
# serves it on 127.0.0.1, and runs Lighthouse (npm `lighthouse`, pinned in tests/lighthouse)
# with the system Chromium, desktop and mobile; prints the performance, accessibility,
# best-practices and SEO scores, and exits 1 if any is below 95 (ROSETTE_LIGHTHOUSE_MIN).
#
#   bash scripts/lighthouse.sh                       # the English badge 2024-dlf-0001
#   bash scripts/lighthouse.sh --language zh-Hans --page awards/2025-dlf-0003/
#   bash scripts/lighthouse.sh --json target/lighthouse   # also keep the JSON reports
#
# A report script, not part of scripts/test.sh: scores are measured on a shared machine and
# move by a point or two from run to run. Needs Node.js 20+, npm and Debian's `chromium`
# (CHROME_PATH overrides /usr/bin/chromium). ROSETTE_BIN skips the cargo build.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$ROOT/tests/lighthouse

if [ -z "${ROSETTE_BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release --quiet --bin rosette)
  export ROSETTE_BIN=$ROOT/target/release/rosette
fi
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
[ -x "$CHROME_PATH" ] || { echo "error: no Chromium at \`$CHROME_PATH\`" >&2; echo "hint: apt-get install chromium" >&2; exit 2; }

# tests/browser holds playwright-core for the shared helpers; tests/lighthouse holds lighthouse.
for d in "$ROOT/tests/browser" "$DIR"; do
  if [ ! -d "$d/node_modules" ] || [ "$d/package-lock.json" -nt "$d/node_modules/.package-lock.json" ]; then
    (cd "$d" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
done

exec node "$DIR/run.mjs" "$@"
