#!/usr/bin/env bash
# Gets Debian's chromium for the web UI's browser tests (test/webui, driven by
# playwright-core). Idempotent: quiet when /usr/bin/chromium is already there.
# Needs root to install. TESSERA_CHROMIUM names another browser binary to use
# instead (then nothing is installed).
set -euo pipefail

BIN="${TESSERA_CHROMIUM:-/usr/bin/chromium}"

say() { echo "provision-chromium: $*"; }
fail() { echo "provision-chromium: ERROR: $*" >&2; exit 1; }

if [ -x "$BIN" ]; then
  exit 0
fi
[ -n "${TESSERA_CHROMIUM:-}" ] && fail "TESSERA_CHROMIUM=$BIN is not an executable"
if [ "$(id -u)" != 0 ]; then
  fail "installing chromium needs root. Run as root, or: apt-get install chromium"
fi

say "installing chromium (apt-get)"
export DEBIAN_FRONTEND=noninteractive
LOG=/tmp/tessera-apt-chromium.log
# Fonts too: without any, headless Chromium renders text as empty boxes in screenshots.
PACKAGES=(chromium fonts-dejavu-core)
if ! apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >"$LOG" 2>&1; then
  say "apt-get install failed; running apt-get update first"
  apt-get update -qq >"$LOG" 2>&1 || { tail -20 "$LOG" >&2; fail "apt-get update failed"; }
  apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >"$LOG" 2>&1 || { tail -20 "$LOG" >&2; fail "apt-get install ${PACKAGES[*]} failed"; }
fi
[ -x "$BIN" ] || fail "chromium installed but $BIN is missing"
say "$("$BIN" --version 2>/dev/null || echo chromium) installed"
