#!/usr/bin/env bash
# Create the Python virtual environment for the independent ledger verifier
# (scripts/verify-ledger.py) with an Ed25519 library, so that it checks the
# signatures of tree heads too. Without it the verifier still recomputes
# every hash and proof, and warns that signatures were not checked.
#
#   scripts/verify-ledger-venv.sh               # creates .venv-ledger in the repo root
#   VENV=/tmp/venv scripts/verify-ledger-venv.sh
#   .venv-ledger/bin/python scripts/verify-ledger.py http://127.0.0.1:8080
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv-ledger}"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
# `cryptography` (OpenSSL's Ed25519); PyNaCl (libsodium) works as well.
"$VENV/bin/pip" install --quiet 'cryptography>=42'
"$VENV/bin/python" -c 'import cryptography; print("cryptography", cryptography.__version__)'
