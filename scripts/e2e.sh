#!/usr/bin/env bash
# End-to-end tests in real headless Chromium.
#
#   scripts/e2e.sh [path-to-chungtay-binary]
#
# Starts `chungtay demo` on a free port with a fresh SQLite database (or on
# $E2E_DATABASE_URL, e.g. a PostgreSQL URL, when set), waits for /readyz,
# runs the tests in tests/e2e with `node --test`, always stops the server,
# and exits with the tests' status. Screenshots go to docs/screenshots/.
# The tests get the server's URL as CHUNGTAY_URL and its database URL as
# CHUNGTAY_DB_URL (consolidation.test.mjs compares exported figures with
# the database through sqlite3 or psql).
#
# Needs: node + npm (runs `npm ci` in tests/e2e when node_modules is
# missing) and Debian's Chromium at /usr/bin/chromium (CHROMIUM_PATH to
# override). Installs nothing else.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="$ROOT/tests/e2e"
BIN="${1:-${CHUNGTAY_BIN:-}}"
if [[ -z "$BIN" ]]; then
  for candidate in "${CARGO_TARGET_DIR:-$ROOT/target}/debug/chungtay" "$ROOT/target/debug/chungtay" "$ROOT/target/release/chungtay"; do
    if [[ -x "$candidate" ]]; then BIN="$candidate"; break; fi
  done
fi
if [[ -z "$BIN" || ! -x "$BIN" ]]; then
  echo "e2e: no chungtay binary${BIN:+ at $BIN}; build it (cargo build) or pass its path: scripts/e2e.sh path/to/chungtay" >&2
  exit 2
fi
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM" ]]; then
  echo "e2e: Chromium not found at $CHROMIUM — install it (Debian/Ubuntu: apt-get install -y chromium) or set CHROMIUM_PATH" >&2
  exit 2
fi
export CHROMIUM_PATH="$CHROMIUM"

for tool in node npm curl; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool is required but not installed" >&2; exit 2; }
done

if [[ ! -d "$E2E/node_modules/playwright-core" || ! -d "$E2E/node_modules/jsqr" || ! -d "$E2E/node_modules/pngjs" ]]; then
  echo "e2e: installing test dependencies (npm ci in tests/e2e)"
  (cd "$E2E" && npm ci --no-audit --no-fund)
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/chungtay-e2e.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port, chosen by the kernel.
PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
ADDR="127.0.0.1:$PORT"
DB="${E2E_DATABASE_URL:-sqlite://$WORK/chungtay.sqlite3}"
LOG="$WORK/server.log"

if [[ -n "${E2E_DATABASE_URL:-}" ]]; then DB_NOTE='$E2E_DATABASE_URL'; else DB_NOTE="fresh SQLite in $WORK"; fi
echo "e2e: starting $BIN demo on $ADDR (database: $DB_NOTE)"
"$BIN" demo --db "$DB" --addr "$ADDR" >"$LOG" 2>&1 &
SERVER_PID=$!

BASE="http://$ADDR"
ready=""
for _ in $(seq 1 600); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "e2e: the server exited before it was ready; its log:" >&2
    cat "$LOG" >&2
    exit 1
  fi
  if curl -fsS -o /dev/null --max-time 2 "$BASE/readyz" 2>/dev/null; then ready=1; break; fi
  sleep 0.2
done
if [[ -z "$ready" ]]; then
  echo "e2e: $BASE/readyz not ready after 120 s; server log:" >&2
  cat "$LOG" >&2
  exit 1
fi
echo "e2e: server ready at $BASE"

# Test files run one after the other (E2E_CONCURRENCY=N to change), in
# name order (node sorts them): 00-screenshots.test.mjs first, so README's
# pictures show the demo data untouched by the tests that create users and
# classifications.
status=0
(
  cd "$E2E"
  CHUNGTAY_URL="$BASE" CHUNGTAY_DB_URL="$DB" node --test --test-reporter=tap --test-reporter-destination=stdout \
    --test-concurrency="${E2E_CONCURRENCY:-1}" ./*.test.mjs
) || status=$?

if [[ $status -ne 0 ]]; then
  echo "e2e: FAILED (node --test exit $status); last lines of the server log:" >&2
  tail -n 40 "$LOG" >&2
else
  echo "e2e: all end-to-end tests passed"
fi
exit "$status"
