#!/bin/sh
# The dashboard in a real browser: Debian's headless Chromium driven by
# playwright-core. Installs what is missing (chromium with apt-get, the test's
# npm packages), builds bin/tsa with the dashboard, and runs the tests, which
# start `tsa serve --window 250ms` on a free port with a temp data dir.
# Fails, saying what is missing, when it can't: it never passes silently.
# Screenshots land in test/browser/out/; TSA_SCREENSHOTS=$PWD/docs/img
# refreshes docs/img/live.png and recording.png. TSA_PERF_OUT=FILE keeps the
# per-update timings as JSON.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
fail() { echo "test-browser: FAIL: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
  fail "Node.js and npm are needed to build and test the dashboard (Debian: apt-get install nodejs npm)"

if [ ! -x "$CHROMIUM" ]; then
  echo "test-browser: no Chromium at $CHROMIUM; installing Debian's chromium"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else SUDO="none"; fi
  if [ "$SUDO" != none ]; then
    { $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium; } ||
      echo "test-browser: apt-get could not install chromium" >&2
  fi
  [ -x "$CHROMIUM" ] || fail "Chromium is missing at $CHROMIUM and could not be installed; as root run: apt-get update && apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)"
fi

cd test/browser
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || fail "npm could not install playwright-core (test/browser/package-lock.json)"
fi
cd "$ROOT"

${MAKE:-make} --no-print-directory build
[ -f web/dist/index.html ] || fail "the dashboard did not build (web/dist/index.html is missing), so bin/tsa has none to test"

cd test/browser
exec env TSA_BIN="$ROOT/bin/tsa" CHROMIUM="$CHROMIUM" node --test --test-concurrency=1 --test-reporter=spec dashboard.test.mjs
