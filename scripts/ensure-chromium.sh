#!/usr/bin/env bash
# Make sure Debian's chromium is installed for the browser tests (tests/web/test_browser.py),
# installing it with apt-get when it is not. Prints the browser's path on stdout (and nothing
# else); everything else goes to stderr. Exit 1, with the reason, if it cannot be had: the
# browser tests are then skipped and say why.
#
# Playwright's own browser download (`playwright install`) is never used: the tests drive
# the distribution's chromium through its executable path.
#
#   WELFARE_MATCH_CHROMIUM   a chromium binary to use instead of the one on PATH
set -u

say() { echo "[ensure-chromium] $*" >&2; }

find_chromium() {
    if [ -n "${WELFARE_MATCH_CHROMIUM:-}" ] && [ -x "$WELFARE_MATCH_CHROMIUM" ]; then
        echo "$WELFARE_MATCH_CHROMIUM"; return 0
    fi
    command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

runs() {  # a package can be half-installed: make sure the binary starts
    "$1" --version >/dev/null 2>&1
}

if path=$(find_chromium) && runs "$path"; then
    echo "$path"; exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    say "chromium is not installed and apt-get is not available: browser tests will be SKIPPED"
    exit 1
fi
if ! as_root true 2>/dev/null; then
    say "chromium is not installed and neither root nor password-less sudo is available to install it: browser tests will be SKIPPED"
    say "install it yourself with: sudo apt-get install -y chromium"
    exit 1
fi

say "chromium is not installed: installing Debian's chromium package"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2 \
    || { as_root apt-get update -q >&2 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2; } \
    || { say "could not install chromium with apt-get: browser tests will be SKIPPED"; exit 1; }

if path=$(find_chromium) && runs "$path"; then
    echo "$path"; exit 0
fi
say "chromium was installed but does not start: browser tests will be SKIPPED"
exit 1
