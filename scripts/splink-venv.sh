#!/usr/bin/env bash
# Create the Python virtual environment used to run the Splink peer
# (../shared/bench/peers/splink_dedupe.py or scripts/splink_peer.py) for the dedupe benchmark.
#
#   scripts/splink-venv.sh            # creates .venv-peers in the repo root (git-ignored)
#   VENV=/tmp/venv scripts/splink-venv.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv-peers}"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet 'splink>=4,<6' duckdb pandas
"$VENV/bin/python" -c 'import splink, duckdb; print("splink", splink.__version__, "duckdb", duckdb.__version__)'
