#!/usr/bin/env bash
# Create the Python virtual environment with Google OR-Tools, the peer of the
# allocation benchmark (scripts/bench_allocation_ortools.py, run by
# `cargo run --release -p allocation --bin alloc-bench`).
#
#   scripts/ortools-venv.sh               # creates .venv-ortools in the repo root
#   VENV=/tmp/venv scripts/ortools-venv.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv-ortools}"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet 'ortools>=9.10,<10' numpy
"$VENV/bin/python" -c 'import ortools, numpy; print("ortools", ortools.__version__, "numpy", numpy.__version__)'
