#!/usr/bin/env bash
# Benchmark of `rosette award --csv` (issue #21). Not a test: it prints figures.
#
#   scripts/bench-award.sh [--sizes 1000,10000,100000]
#
# For each size it makes a fresh site with `rosette init` under target/bench/award-N, writes a
# CSV of N rows (one achievement, an e-mail address each), and measures one `award --csv` run
# with GNU time: wall seconds, milliseconds per row, user CPU, peak resident memory, and the
# status lists it filled. Last, the time per row at the largest size over that at the
# smallest (issue #21 asks at most 1.5). The release binary is built first.
set -euo pipefail

SIZES="1000,10000,100000"
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  log "installing GNU time (apt-get)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi
[ -x /usr/bin/time ] || die "GNU time is not installed" "apt-get install time"

log "cargo build --release"
(cd "$ROOT" && cargo build --release -j2 --quiet)
BIN=$ROOT/target/release/rosette
BENCH=$ROOT/target/bench
mkdir -p "$BENCH"

printf '%8s %9s %8s %9s %9s %6s\n' rows wall_s ms/row user_s peak_MiB lists
first="" last=""
IFS=, read -ra sizes <<<"$SIZES"
for n in "${sizes[@]}"; do
  dir=$BENCH/award-$n
  rm -rf "$dir"
  (cd "$BENCH" && "$BIN" init "award-$n" --base-url https://badges.bench.example/ --issuer "Bench University" >/dev/null 2>&1)
  awk -v n="$n" 'BEGIN { print "achievement,name,email"; for (i = 1; i <= n; i++) printf "example,Learner %d,learner%d@bench.example\n", i, i }' >"$dir/rows.csv"
  (cd "$dir" && /usr/bin/time -f '%e %U %M' -o time.txt "$BIN" award --key signing-key.secret --csv rows.csv \
    >/dev/null 2>award.log) || die "award --csv of $n rows failed: $(tail -3 "$dir/award.log")"
  read -r wall user kib <"$dir/time.txt"
  lists=$(find "$dir/badges/status" -name '*.json' | wc -l)
  per_row=$(awk -v w="$wall" -v n="$n" 'BEGIN { printf "%.3f", w * 1000 / n }')
  printf '%8d %9.2f %8s %9.2f %9.0f %6d\n' "$n" "$wall" "$per_row" "$user" "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')" "$lists"
  [ -n "$first" ] || first=$per_row
  last=$per_row
done
awk -v a="$first" -v b="$last" 'BEGIN { if (a > 0) printf "time per row, largest / smallest: %.2f\n", b / a }'
