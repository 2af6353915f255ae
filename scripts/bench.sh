#!/usr/bin/env bash
# THE one command that reproduces every figure of BENCHMARKS.md (not part of CI):
#
#   scripts/bench.sh            # everything: ~30-60 min on 2 busy cores
#
# Steps: machine facts; release builds (core examples with `parallel`, bindings-node,
# bindings-python, bindings-wasm + wasm-bindgen + wasm-opt); the deterministic data sets (1k, 100k,
# 1M records from 500 devices, written ONCE by festival-core/examples/gen_bench_data.rs and read by
# every runner); criterion benches (verify, pipeline, ops); the 1M-record runs with peak RSS
# (streamed and all at once, 1 and 2 threads); the Node and Python peers side by side with the
# bindings; the wasm size. Everything lands in bench/out/ and bench/report.py prints the tables
# that BENCHMARKS.md quotes (bench/out/figures.md).
#
# Knobs (defaults reproduce BENCHMARKS.md): FC_BENCH_RECORDS (criterion pipeline size, 100000),
# FC_BENCH_BIG (the big run, 1000000), FC_BENCH_REPEAT (peer runs, median of 3),
# FC_BENCH_REUSE=1 (keep the binding artifacts already in bench/out/ and the data files instead of
# rebuilding them: for re-running the measurements only).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$FESTIVAL_ROOT"
OUT="$FESTIVAL_ROOT/bench/out"
mkdir -p "$OUT"
export FC_BENCH_RECORDS="${FC_BENCH_RECORDS:-100000}"
BIG="${FC_BENCH_BIG:-1000000}"
REPEAT="${FC_BENCH_REPEAT:-3}"
TARGET="${CARGO_TARGET_DIR:-$FESTIVAL_ROOT/target}"
# The 2-thread figures need festival-core's `parallel` feature (offline::parallel).
PAR=()
THREADS=(1)
if [ -f festival-core/src/offline/parallel.rs ]; then PAR=(--features parallel); THREADS=(1 2); fi
step() { printf '\n[bench] %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }

step "machine"
{
  echo "date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc=$(nproc)"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "mem=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "rustc=$(rustc --version)"
  echo "node=$(node --version)"
  echo "python=$("$PYTHON" --version 2>&1)"
  echo "load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/machine.txt"

REUSE="${FC_BENCH_REUSE:-0}"
if [ "$REUSE" != 1 ]; then
step "tools (node, python, wasm) and the peers' npm packages"
./scripts/install.sh node python wasm
(cd bench/node && npm ci --no-audit --no-fund --loglevel=error)
fi

step "release builds"
cargo build --release -p festival-core "${PAR[@]}" --example gen_bench_data --example bench_reconcile
EX="$TARGET/release/examples"
if [ "$REUSE" != 1 ]; then
cargo build --release -p bindings-node
cp "$TARGET/release/libbindings_node.so" "$OUT/festival-core.node"
cargo build --release -p bindings-python
mkdir -p "$OUT/py"
cp "$TARGET/release/libfestival_core_native.so" "$OUT/py/_native.abi3.so"
cargo build --release -p bindings-wasm --target wasm32-unknown-unknown
RAW="$TARGET/wasm32-unknown-unknown/release/bindings_wasm.wasm"
for t in nodejs web; do
  dir="$OUT/wasm/$t"
  rm -rf "$dir" && mkdir -p "$dir"
  "$WASM_BINDGEN" --target "$t" --out-dir "$dir" --out-name festival_core "$RAW"
  "$WASM_OPT" -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$dir/festival_core_bg.wasm" -o "$dir/festival_core_bg.wasm.opt"
  mv "$dir/festival_core_bg.wasm.opt" "$dir/festival_core_bg.wasm"
done
W="$OUT/wasm/web/festival_core_bg.wasm"
{
  echo "wasm_cargo_release_bytes=$(stat -c %s "$RAW")"
  echo "wasm_opt_bytes=$(stat -c %s "$W")"
  echo "wasm_opt_gzip9_bytes=$(gzip -9 -c "$W" | wc -c)"
  echo "wasm_opt_version=$("$WASM_OPT" --version)"
} | tee "$OUT/wasm-size.txt"

step "data sets (generated once, read by every runner)"
"$EX/gen_bench_data" 1000 500 "$OUT/data-1k.bin"
"$EX/gen_bench_data" 100000 500 "$OUT/data-100k.bin"
"$EX/gen_bench_data" "$BIG" 500 "$OUT/data-big.bin"
fi

step "criterion: raw Ed25519 (the limit), small ops, the pipeline stages at $FC_BENCH_RECORDS records"
cargo bench -p festival-core "${PAR[@]}" --bench verify --bench ops --bench pipeline 2>&1 | tee "$OUT/criterion.log"

step "the big run: peak RSS streamed vs all at once, 1 and 2 threads (one process each)"
: > "$OUT/big.txt"
for t in "${THREADS[@]}"; do
  for mode in stream all; do
    "$EX/bench_reconcile" "$OUT/data-big.bin" "$mode" "$t" | tee -a "$OUT/big.txt"
  done
  "$EX/bench_reconcile" "$OUT/data-100k.bin" all "$t" | tee -a "$OUT/big.txt"
done

step "Node peers at 100k (hand-written pipelines; the JS bindings take at most 1 MiB of JSON per call)"
node bench/node/run.mjs "$OUT/data-100k.bin" --repeat "$REPEAT" --only sodium,crypto --json "$OUT/node-100k.json"
step "Node: every JS pipeline side by side at 1k records (bindings-node, bindings-wasm, pure JS)"
node bench/node/run.mjs "$OUT/data-1k.bin" --repeat 15 --node-addon "$OUT/festival-core.node" \
  --wasm "$OUT/wasm/nodejs/festival_core.js" --json "$OUT/node-1k.json"

step "Python peer vs bindings-python at 100k"
"$PYTHON" bench/python/run.py "$OUT/data-100k.bin" --repeat "$REPEAT" --native "$OUT/py" --json "$OUT/python-100k.json"

step "report"
echo "load_at_end=$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
"$PYTHON" bench/report.py "$OUT" "$TARGET/criterion" | tee "$OUT/figures.md"
