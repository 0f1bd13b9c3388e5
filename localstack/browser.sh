#!/usr/bin/env bash
# The browser the end-to-end tests drive: Debian's chromium, installed on first use (apt-get, as root or
# through sudo), driven by playwright-core (package.json). Prints the executable's path.
#   browser.sh           install if missing, print the path
# CHROMIUM_PATH set: that browser is used as is, nothing is installed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

find_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    [ -x "$CHROMIUM_PATH" ] || die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"
    printf '%s\n' "$CHROMIUM_PATH"
    return 0
  fi
  command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null || return 1
}

if ! find_chromium; then
  require_tool apt-get "the end-to-end tests need Chromium: install it, or point CHROMIUM_PATH at one"
  mkdir -p "$ROOT/.vigil/logs"
  log="$ROOT/.vigil/logs/chromium-install.log"
  as_root=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "Chromium is not installed and this user cannot install it: run 'apt-get install chromium' as root, or set CHROMIUM_PATH"
    as_root=(sudo)
  fi
  say "browser: installing Debian's chromium for the end-to-end tests (first run only)" >&2
  { "${as_root[@]}" apt-get update -qq &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } \
    >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "browser: apt-get install chromium failed (log: $log)"; }
  find_chromium || die "browser: chromium installed but not found on PATH"
fi
