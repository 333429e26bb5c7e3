#!/usr/bin/env bash
# Installs DuckDB from PyPI into a virtual environment for the reporting
# benchmark (`chungtay report bench`, docs/benchmarks.md "Reporting").
#   scripts/duckdb-venv.sh [VENV_DIR]     (default: .venv-duckdb)
# Prints the path of the environment's python on the last line.
set -euo pipefail
venv="${1:-.venv-duckdb}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "duckdb>=1.1"
"$venv/bin/python" -c 'import duckdb; print("duckdb", duckdb.__version__)' >&2
echo "$venv/bin/python"
