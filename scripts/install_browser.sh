#!/usr/bin/env bash
# Install Debian's chromium for the browser test (tests/browser), if it is not there yet.
#
#   scripts/install_browser.sh           # warn and exit 0 when it cannot install (the test then skips loudly)
#   scripts/install_browser.sh --strict  # exit 1 instead (CI that must run the browser test)
#
# Playwright drives this system browser (executable_path=/usr/bin/chromium); it never downloads
# a browser of its own. Needs root, or sudo without a password, and a reachable Debian mirror.
# HANDBOOK_CHROMIUM=/path/to/chrome names a Chromium-based browser that is already installed
# (e.g. google-chrome on a GitHub runner): then nothing is installed.
set -uo pipefail
strict=0
[ "${1:-}" = "--strict" ] && strict=1

if [ -n "${HANDBOOK_CHROMIUM:-}" ]; then
  if [ -x "$HANDBOOK_CHROMIUM" ] && "$HANDBOOK_CHROMIUM" --version >/dev/null 2>&1; then
    echo "browser from HANDBOOK_CHROMIUM: $("$HANDBOOK_CHROMIUM" --version | head -1)"
    exit 0
  fi
  echo "WARNING: HANDBOOK_CHROMIUM=$HANDBOOK_CHROMIUM is not a working browser" >&2
  exit "$strict"
fi

version() { /usr/bin/chromium --version 2>/dev/null | head -1; }

if [ -x /usr/bin/chromium ] && [ -n "$(version)" ]; then
  echo "chromium present: $(version)"
  exit 0
fi

give_up() {
  echo "WARNING: could not install chromium: $1" >&2
  echo "WARNING: the browser test will be SKIPPED (it says so at the end of the test run)." >&2
  exit "$strict"
}

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  give_up "not root and no password-less sudo"
fi
command -v apt-get >/dev/null || give_up "no apt-get here (not Debian or Ubuntu)"

echo "installing Debian's chromium (apt-get; a few minutes the first time) ..."
log=$(mktemp)
if ! { "${as_root[@]}" apt-get update -q && \
       DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q chromium; } >"$log" 2>&1; then
  tail -5 "$log" >&2
  rm -f "$log"
  give_up "apt-get failed (last lines above)"
fi
rm -f "$log"
[ -n "$(version)" ] || give_up "installed, but /usr/bin/chromium --version prints nothing"
echo "chromium installed: $(version)"
