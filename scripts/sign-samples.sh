#!/usr/bin/env bash
# Signs the sample site's credentials: every tests/fixtures/sample-site/unsigned/NAME.json
# becomes badges/awards/NAME.json, signed with the sample key
# (tests/fixtures/sample-site/issuer.secret, public on purpose: never use it for real badges)
# as did:web:badges.northfield.example#key-1.
#
#   bash scripts/sign-samples.sh           # (re)writes badges/awards/*.json
#   bash scripts/sign-samples.sh --check   # signs into a temporary folder and fails if
#                                          # badges/awards differs (nothing is written)
#
# The output is reproducible: each proof's `created` is the credential's `validFrom`, and
# Ed25519 signatures are deterministic, so re-running gives byte-identical files.
# The awards listed in JCS_AWARDS are signed with eddsa-jcs-2022, all others with
# eddsa-rdfc-2022 (the suite Open Badges 3.0 names).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SAMPLE=tests/fixtures/sample-site
KEY=$SAMPLE/issuer.secret
VM='did:web:badges.northfield.example#key-1'
OUT_DIR=badges/awards
JCS_AWARDS=(2026-dlf-0004)

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  -h | --help)
    sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *) die "unknown argument \`$1\` (use --check or nothing)" ;;
esac

cd "$ROOT"
[ -f "$KEY" ] || die "no sample key at \`$KEY\`"
# Git does not keep file modes other than 644/755; rosette warns about a readable key file.
chmod 600 "$KEY"

# The credential's top-level validFrom. The unsigned files are pretty-printed with two-space
# indentation, so the top-level member is the one line indented by exactly two spaces.
valid_from() {
  local found
  found=$(sed -n 's/^  "validFrom": "\([^"]*\)",\{0,1\}$/\1/p' "$1")
  [ -n "$found" ] && [ "$(printf '%s\n' "$found" | wc -l)" -eq 1 ] ||
    die "\`$1\`: no single top-level \"validFrom\" line (is the file pretty-printed?)"
  printf '%s' "$found"
}

suite_for() {
  local name=$1 jcs
  for jcs in "${JCS_AWARDS[@]}"; do
    if [ "$jcs" = "$name" ]; then
      printf 'eddsa-jcs-2022'
      return
    fi
  done
  printf 'eddsa-rdfc-2022'
}

shopt -s nullglob
inputs=("$SAMPLE"/unsigned/*.json)
[ ${#inputs[@]} -gt 0 ] || die "no credentials in \`$SAMPLE/unsigned\`"

if $check; then
  dest=$(mktemp -d)
  trap 'rm -rf "$dest"' EXIT
else
  dest=$OUT_DIR
  mkdir -p "$dest"
fi

# Build once, then sign each file quietly.
cargo build -q --release -j2
for input in "${inputs[@]}"; do
  name=$(basename "$input" .json)
  suite=$(suite_for "$name")
  created=$(valid_from "$input")
  printf '%-20s %-16s created %s\n' "$name" "$suite" "$created" >&2
  cargo run -q --release -j2 -- sign --key "$KEY" --verification-method "$VM" \
    --suite "$suite" --created "$created" "$input" -o "$dest/$name.json"
done

if $check; then
  status=0
  for input in "${inputs[@]}"; do
    name=$(basename "$input" .json)
    cmp -s "$dest/$name.json" "$OUT_DIR/$name.json" || {
      printf 'differs: %s (run bash scripts/sign-samples.sh)\n' "$OUT_DIR/$name.json" >&2
      status=1
    }
  done
  [ $status -eq 0 ] && printf 'badges/awards is up to date (%d files)\n' ${#inputs[@]} >&2
  exit $status
fi
printf 'signed %d credentials into %s\n' ${#inputs[@]} "$OUT_DIR" >&2
