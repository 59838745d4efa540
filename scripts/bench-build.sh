#!/usr/bin/env bash
# Benchmark of `rosette build` against Hugo (issues #5 and #7). Not a test: it prints figures.
#
#   scripts/bench-build.sh [--sizes 1000,10000,100000] [--runs 1] [--no-hugo] [--no-incremental]
#                          [--incremental-sizes 10000,1000000] [--out-dir DIR]
#
# For each size it generates (once, cached under target/bench/) a site of that many signed
# awards of three achievements with SVG images, made by `rosette award --csv` in batches of
# 100,000 rows (so with real status entries, in as many lists as they fill), and an
# equivalent Hugo site: one page per award carrying the same JSON-LD in a
# <script type="application/ld+json">, the visible facts, and a list page. It then measures,
# in the same run, wall time and peak resident memory (GNU time) of
#   - rosette: a clean build (`--clean`: every signature verified, every page and card made),
#     and the files and bytes it published per award,
#   - hugo: rendering its site,
# and prints badges per second, peak MiB and the ratio rosette/Hugo. Then, for each of
# --incremental-sizes (default: 10,000, or the first size), on a linked copy of the site: a
# clean build, a rebuild with nothing changed, one award added and rebuilt (as a percentage
# of the clean build), one award revoked, and one more added with only the cache kept (CI).
# Hugo and GNU time come from apt-get when missing.
#
# Both tools write their output under --out-dir (default target/bench/). On a disk that has
# just had tens of thousands of files deleted (every run deletes the last run's output), an
# ext4 without a journal spends most of a build allocating inodes; `--out-dir /dev/shm/x`
# measures the tools rather than the disk. Say which one a figure comes from.
set -euo pipefail

SIZES="1000,10000"
RUNS=1
HUGO=1
INCREMENTAL=1
INCR_SIZES=""
OUT_DIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --no-hugo) HUGO=0; shift ;;
    --no-incremental) INCREMENTAL=0; shift ;;
    --incremental-sizes) INCR_SIZES="$2"; shift 2 ;;
    --out-dir) OUT_DIR="$2"; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/target/bench"
mkdir -p "$BENCH"
OUT="${OUT_DIR:-$BENCH}"
mkdir -p "$OUT"

need() { command -v "$1" >/dev/null 2>&1; }
if ! [ -x /usr/bin/time ] || ! need bc || { [ "$HUGO" = 1 ] && ! need hugo; }; then
  echo "installing hugo, time and bc with apt-get…" >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq hugo time bc >/dev/null
fi

# ROSETTE_BENCH_BIN=path measures another rosette binary (an older one, to compare).
ROSETTE="${ROSETTE_BENCH_BIN:-}"
if [ -z "$ROSETTE" ]; then
  echo "building rosette (release)…" >&2
  cargo build --release -j2 --bin rosette --manifest-path "$ROOT/Cargo.toml" >&2
  ROSETTE="$BENCH/rosette"
  cp "$ROOT/target/release/rosette" "$ROSETTE"
fi
CLEAN=()
if "$ROSETTE" build --help | grep -q -- --clean; then CLEAN=(--clean); else INCREMENTAL=0; fi

# measure OUT CMD…: runs CMD under GNU time; prints "seconds peak_kib" to OUT.
measure() {
  local out="$1"; shift
  /usr/bin/time -f "%e %M" -o "$out" "$@" >/dev/null 2>"$out.stderr" || {
    cat "$out.stderr" >&2; echo "failed: $*" >&2; exit 1; }
}

# gen_site N: the rosette site of N awards (cached).
gen_site() {
  local n="$1" dir="$BENCH/site-$1"
  if [ -f "$dir/.complete" ]; then echo "$dir"; return; fi
  echo "generating $n signed awards in $dir…" >&2
  rm -rf "$dir"
  "$ROSETTE" init "$dir" --base-url https://badges.bench.example/ --issuer "Bench University" >/dev/null 2>&1
  mkdir -p "$dir/badges/images"
  local i=0
  for img in applied-ml-practitioner data-literacy-foundations laboratory-safety-certified; do
    i=$((i + 1))
    cp "$ROOT/badges/images/$img.svg" "$dir/badges/images/"
    cat > "$dir/achievements/a$i.md" <<EOF
+++
name = "Achievement $i: $img"
description = "Awarded for completing programme $i of the benchmark."
image = "images/$img.svg"
achievement_type = "Badge"
tags = ["bench"]
+++
Complete every module of programme $i.
EOF
  done
  if [ "$n" -ge 100000 ]; then
    # The [limits] default is 100,000 credential files (see the README); a site that large
    # says so, with room for its status lists, which are credentials too.
    printf '\n[limits]\nmax_credentials = %d\n' "$((n + 1000))" >> "$dir/rosette.toml"
  fi
  # Real awards, status entries included, in batches of at most 100,000 rows (as an issuer
  # would award them, and to keep each run's memory bounded).
  local from=0 batch
  while [ "$from" -lt "$n" ]; do
    batch=$(( n - from < 100000 ? n - from : 100000 ))
    python3 - "$from" "$batch" > "$dir/awards.csv" <<'EOF'
import sys
start, count = int(sys.argv[1]), int(sys.argv[2])
print("achievement,name,email,valid_from")
for i in range(start, start + count):
    day = 1 + i % 28
    print(f"a{1 + i % 3},Learner {i:07d},learner{i}@example.org,2025-{1 + i % 12:02d}-{day:02d}T09:00:00Z")
EOF
    # (Called as `$(gen_site N)`, where `set -e` does not reach: a failure says so itself.)
    (cd "$dir" && "$ROSETTE" award --key signing-key.secret --csv awards.csv >/dev/null) || {
      echo "generating the $n-award site failed" >&2; return 1; }
    from=$(( from + batch ))
  done
  touch "$dir/.complete"
  echo "$dir"
}

# gen_hugo N SITE: the equivalent Hugo site (cached).
gen_hugo() {
  local n="$1" site="$2" dir="$BENCH/hugo-$1"
  if [ -f "$dir/.complete" ]; then echo "$dir"; return; fi
  echo "generating the Hugo site of $n pages in $dir…" >&2
  rm -rf "$dir"
  mkdir -p "$dir/content/awards" "$dir/layouts/_default"
  cat > "$dir/hugo.toml" <<'EOF'
baseURL = "https://badges.bench.example/"
title = "Bench University — Digital Badges"
disableKinds = ["taxonomy", "term", "RSS"]
EOF
  cat > "$dir/layouts/_default/baseof.html" <<'EOF'
<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main>{{ block "main" . }}{{ end }}</main></body></html>
EOF
  cat > "$dir/layouts/_default/single.html" <<'EOF'
{{ define "main" }}
<script type="application/ld+json">{{ .Params.jsonld | safeJS }}</script>
<h1>{{ .Params.recipient }}</h1>
<p>earned <strong>{{ .Params.achievement }}</strong></p>
<p>Issued by {{ .Params.issuer }} on {{ .Date.Format "2 January 2006" }}</p>
<p>Credential <code>{{ .Params.credential_id }}</code></p>
<p><a href="{{ .Params.json_url }}">The signed credential (JSON)</a></p>
{{ end }}
EOF
  cat > "$dir/layouts/_default/list.html" <<'EOF'
{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Params.recipient }} — {{ .Params.achievement }}</a></li>{{ end }}
</ul>{{ end }}
EOF
  python3 - "$site/badges/awards" "$dir/content/awards" <<'EOF'
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(src)):
    if not name.endswith(".json"):
        continue
    raw = open(os.path.join(src, name), encoding="utf-8").read().strip()
    c = json.loads(raw)
    s = c["credentialSubject"]
    q = lambda v: json.dumps(v, ensure_ascii=False)
    front = "\n".join([
        "+++",
        f"title = {q(s.get('name', '') + ' — ' + s['achievement']['name'])}",
        f"date = {q(c.get('validFrom', '2025-01-01T00:00:00Z'))}",
        f"recipient = {q(s.get('name', ''))}",
        f"achievement = {q(s['achievement']['name'])}",
        f"issuer = {q(c['issuer']['name'] if isinstance(c['issuer'], dict) else c['issuer'])}",
        f"credential_id = {q(c.get('id', ''))}",
        f"json_url = {q(c.get('id', '') + '.json')}",
        f"jsonld = {q(raw)}",
        "+++",
        "",
    ])
    with open(os.path.join(dst, name[:-5] + ".md"), "w", encoding="utf-8") as f:
        f.write(front)
EOF
  touch "$dir/.complete"
  echo "$dir"
}

mib() { echo "scale=0; $1 / 1024" | bc; }
rate() { echo "scale=0; $1 / $2" | bc 2>/dev/null || echo "?"; }

printf '\n%-8s %-8s %10s %12s %10s\n' size tool seconds badges/s peak-MiB
for n in ${SIZES//,/ }; do
  site="$(gen_site "$n")" || exit 1
  for run in $(seq 1 "$RUNS"); do
    # A first build: no cache, no kept tree.
    rm -rf "$OUT/out-$n" "$OUT/.out-$n.rosette-prev" "$site/.rosette-cache"
    measure "$BENCH/r-$n.txt" "$ROSETTE" build "${CLEAN[@]}" --root "$site" --out "$OUT/out-$n"
    read -r rs rk < "$BENCH/r-$n.txt"
    printf '%-8s %-8s %10s %12s %10s\n' "$n" rosette "$rs" "$(rate "$n" "$rs")" "$(mib "$rk")"
    # What a static host counts (issue #18): files and bytes published, per award.
    files=$(find "$OUT/out-$n" -type f | wc -l)
    bytes=$(du -sb "$OUT/out-$n" | cut -f1)
    printf '%-8s %-8s %s files (%s per award), %s MB (%s KB per award)\n' "$n" output "$files" \
      "$(echo "scale=2; $files / $n" | bc)" "$(echo "scale=1; $bytes / 1000000" | bc)" \
      "$(echo "scale=1; $bytes / $n / 1000" | bc)"
    # Above 60,000 awards the output is tens of GB, which the cache's hard links would keep
    # on disk after the next run deletes the tree: both go as soon as they are measured.
    if [ "$n" -gt 60000 ]; then
      rm -rf "$OUT/out-$n" "$OUT/.out-$n.rosette-prev" "$site/.rosette-cache"
    fi
    if [ "$HUGO" = 1 ]; then
      hugo_dir="$(gen_hugo "$n" "$site")"
      rm -rf "$OUT/hugo-out-$n"
      measure "$BENCH/h-$n.txt" hugo --quiet --source "$hugo_dir" --destination "$OUT/hugo-out-$n"
      read -r hs hk < "$BENCH/h-$n.txt"
      printf '%-8s %-8s %10s %12s %10s   rosette/hugo time %s\n' "$n" hugo "$hs" "$(rate "$n" "$hs")" \
        "$(mib "$hk")" "$(echo "scale=2; $rs / $hs" | bc)"
      if [ "$n" -gt 60000 ]; then rm -rf "$OUT/hugo-out-$n"; fi
    fi
  done
done

if [ "$INCREMENTAL" = 1 ]; then
  [ -n "$INCR_SIZES" ] || { INCR_SIZES=10000; case ",$SIZES," in *",10000,"*) ;; *) INCR_SIZES="${SIZES%%,*}" ;; esac; }
  for n in ${INCR_SIZES//,/ }; do
  site="$(gen_site "$n")" || exit 1
  work="$BENCH/incr-$n"
  echo >&2
  echo "incremental: one award added to the $n-award site (a copy in $work)…" >&2
  # Linked, not copied: every command replaces files (write and rename), never edits one.
  rm -rf "$work" && cp -al "$site" "$work" && rm -rf "$work/.rosette-cache"
  measure "$BENCH/i0.txt" "$ROSETTE" build --clean --root "$work"
  read -r cs ck < "$BENCH/i0.txt"
  # A second build of the same input keeps the first tree for the next one to update.
  measure "$BENCH/i00.txt" "$ROSETTE" build --root "$work"
  read -r ns _ < "$BENCH/i00.txt"
  (cd "$work" && "$ROSETTE" award --key signing-key.secret --achievement a1 --name "Newest Learner" \
    --email newest@example.org --valid-from 2026-01-01T00:00:00Z >/dev/null 2>&1)
  measure "$BENCH/i1.txt" "$ROSETTE" build --root "$work"
  read -r is ik < "$BENCH/i1.txt"
  # Revoking one award: the registry's parts and one status list, signed again.
  victim=$(find "$work/badges/awards" -name '*.json' -print -quit)
  victim=$(basename "$victim" .json)
  measure "$BENCH/rv.txt" "$ROSETTE" revoke --root "$work" --key "$work/signing-key.secret" "$victim"
  read -r rvs rvk < "$BENCH/rv.txt"
  # As in CI, where only .rosette-cache/ survives between runs: no public/ to update.
  (cd "$work" && "$ROSETTE" award --key signing-key.secret --achievement a2 --name "Another Learner" \
    --email another@example.org --valid-from 2026-01-02T00:00:00Z >/dev/null 2>&1)
  rm -rf "$work/public" "$work/.public.rosette-prev"
  measure "$BENCH/i2.txt" "$ROSETTE" build --root "$work"
  read -r ci _ < "$BENCH/i2.txt"
  pct() { echo "scale=1; 100 * $1 / $cs" | bc; }
  printf '%s awards: clean build %ss, peak %s MiB; rebuild, nothing changed: %ss (%s%%)\n' "$n" "$cs" \
    "$(mib "$ck")" "$ns" "$(pct "$ns")"
  printf '%s awards: one award added: %ss (%s%% of clean), peak %s MiB\n' "$n" "$is" "$(pct "$is")" "$(mib "$ik")"
  printf '%s awards: revoke one: %ss, peak %s MiB\n' "$n" "$rvs" "$(mib "$rvk")"
  printf '%s awards: one award added, cache only (no public/ kept, as in CI): %ss (%s%%)\n' "$n" "$ci" "$(pct "$ci")"
  if [ "$n" -gt 60000 ]; then rm -rf "$work"; fi
  done
fi
