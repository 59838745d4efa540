# Shared by the test scripts (sourced, not run): messages, and the shared/ folder beside the
# repository. The sourcing script sets ROOT to the repository first.

# Seconds since the script began on each line, so the slow steps show in a CI log.
log() { printf '==> [%4ds] %s\n' "$SECONDS" "$*" >&2; }

die() {
  printf 'error: %s\n' "$1" >&2
  [ $# -lt 2 ] || printf 'hint: %s\n' "$2" >&2
  exit 1
}

# Sets and exports ROSETTE_SHARED (default: ../shared beside the repository), after checking
# that every path given, relative to it, exists.
find_shared() {
  local shared=${ROSETTE_SHARED:-$ROOT/../shared} need
  for need in "$@"; do
    [ -e "$shared/$need" ] ||
      die "no \`$need\` in \`$shared\`" \
        "put the shared/ folder beside the repository, or set ROSETTE_SHARED=/path/to/shared"
  done
  ROSETTE_SHARED=$(cd "$shared" && pwd)
  export ROSETTE_SHARED
}
