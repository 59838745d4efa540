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

# `npm ci` in the folder $1 (named $2 in the log), again only when its package-lock.json has
# changed since the last install: a stamp copy of it is kept in node_modules.
npm_install() {
  local dir=$1 what=$2 stamp=$1/node_modules/.rosette-package-lock.json
  if [ -d "$dir/node_modules" ] && cmp -s "$dir/package-lock.json" "$stamp"; then
    log "$what: reusing $dir/node_modules"
  else
    log "$what: npm ci in $dir"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
      die "npm ci failed in \`$dir\`" "check that the npm registry is reachable"
    cp "$dir/package-lock.json" "$stamp"
  fi
}
