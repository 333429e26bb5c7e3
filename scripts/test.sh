#!/usr/bin/env bash
# The whole test suite: format, lints, unit and integration tests on SQLite,
# the storage and web tests again on PostgreSQL, and the end-to-end tests in
# headless Chromium (on SQLite and on PostgreSQL).
#
# Needs: a PostgreSQL server (TEST_DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432/test) and /usr/bin/chromium with Node.js.
# `.ci/run` installs and starts both on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chungtay-target}"
PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"

step() { printf '\n==> %s\n' "$*"; }

drop_test_databases() {
    psql "$PG_URL" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'ct_test_%' OR datname LIKE 'ct_e2e_%'" 2>/dev/null |
        while read -r name; do psql "$PG_URL" -qc "DROP DATABASE IF EXISTS \"$name\"" >/dev/null 2>&1 || true; done
}

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "tests on SQLite"
cargo test --workspace

step "storage, web and the ledger's process tests on PostgreSQL ($PG_URL)"
if ! psql "$PG_URL" -Atqc 'SELECT 1' >/dev/null 2>&1; then
    echo "PostgreSQL is not reachable at $PG_URL — start it (see .ci/run) or set TEST_DATABASE_URL" >&2
    exit 1
fi
drop_test_databases
TEST_DATABASE_URL="$PG_URL" cargo test -p storage -p web
# The crash test and the independent verifier (scripts/verify-ledger.py) run
# the chungtay binary against a database of their own.
TEST_DATABASE_URL="$PG_URL" cargo test -p chungtay --test ledger_crash --test ledger_verifier
drop_test_databases

step "end-to-end tests in Chromium (SQLite)"
cargo build -p chungtay
scripts/e2e.sh "$CARGO_TARGET_DIR/debug/chungtay"

step "end-to-end tests in Chromium (PostgreSQL)"
E2E_DB="ct_e2e_$(date +%s)"
psql "$PG_URL" -qc "CREATE DATABASE $E2E_DB" >/dev/null
E2E_SCREENSHOT_DIR="$(mktemp -d)" E2E_DATABASE_URL="${PG_URL%/*}/$E2E_DB" scripts/e2e.sh "$CARGO_TARGET_DIR/debug/chungtay"
drop_test_databases

step "all tests passed"
