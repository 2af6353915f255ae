#!/usr/bin/env bash
# THE one command that reproduces every figure of BENCHMARKS.md's offline-sync, peer, overhead,
# memory and wasm sections (not part of CI):
#
#   scripts/bench.sh            # ~15-25 min on this 2-vCPU machine (builds cached), longer when busy
#
# Steps, in order (each prints its start time; everything lands in bench/out/):
#   1. machine facts (machine.txt: date, nproc, lscpu model, memory, rustc, node, python, load)
#   2. release builds: festival-core examples (with `parallel`), bindings-node (.node addon),
#      bindings-python (_native), bindings-wasm (bindings-wasm/scripts/build.sh: the npm package pkg/
#      and the test package pkg-conformance/) -> sizes in wasm-size.txt
#   3. the deterministic data sets, generated ONCE by festival-core/examples/gen_bench_data.rs and
#      read by every runner: 1k, 10k, 100k and $FC_BENCH_BIG (1M) records from 500 devices
#   4. criterion benches of the core (verify, ops, pipeline; owned by the core engineer), as they are
#   5. whole files through bench_reconcile: 1M streamed round by round vs all at once, 1 and 2
#      threads, 100k all at once; one process per line so peak RSS (VmHWM) is per run (big.txt)
#   6. Node: sodium-native / node:crypto + decimal.js vs bindings-node and bindings-wasm at 100k
#      (node-100k.json); every JS pipeline incl. pure JS (@noble) vs bindings-wasm at 10k (node-10k.json);
#      tiny-call overhead in both JS bindings
#   7. Python: PyNaCl + decimal vs bindings-python at 100k, tiny-call overhead (python-100k.json)
#   8. bench/report.py renders the tables BENCHMARKS.md quotes -> bench/out/figures.md
#
# Knobs: FC_BENCH_BIG (big run, 1000000), FC_BENCH_REPEAT (peer repeats, median of 3),
# FC_BENCH_RECORDS (criterion pipeline size, the bench's default 100000), FC_BENCH_SKIP (comma list
# of steps to skip: criterion,big,node,python), FC_BENCH_REUSE=1 (keep bench/out's data files and
# builds: re-measure only), FC_BENCH_INSTALL=1 (run scripts/install.sh node python wasm first).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$FESTIVAL_ROOT"
OUT="$FESTIVAL_ROOT/bench/out"
mkdir -p "$OUT"
BIG="${FC_BENCH_BIG:-1000000}"
REPEAT="${FC_BENCH_REPEAT:-3}"
SKIP=",${FC_BENCH_SKIP:-},"
REUSE="${FC_BENCH_REUSE:-0}"
TARGET="${CARGO_TARGET_DIR:-$FESTIVAL_ROOT/target}"
EX="$TARGET/release/examples"
# The 2-thread figures need festival-core's `parallel` feature (offline::parallel).
PAR=()
THREADS=(1)
if grep -q '^parallel' festival-core/Cargo.toml; then PAR=(--features parallel); THREADS=(1 2); fi
step() { printf '\n[bench] %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }
skip() { [[ "$SKIP" == *",$1,"* ]]; }
T0=$(date +%s)

step "1. machine"
{
  echo "date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "start_epoch=$T0"
  echo "nproc=$(nproc)"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "mem=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "kernel=$(uname -sr)"
  echo "rustc=$(rustc --version)"
  echo "node=$(node --version)"
  echo "python=$("$PYTHON" --version 2>&1)"
  echo "git=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- festival-core bindings-node bindings-python bindings-wasm bench || echo ' (+ uncommitted changes)')"
  echo "load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/machine.txt"

if [ "${FC_BENCH_INSTALL:-0}" = 1 ]; then
  step "tools (node, python, wasm)"
  ./scripts/install.sh node python wasm
fi
if [ ! -d bench/node/node_modules/sodium-native ]; then
  (cd bench/node && npm ci --no-audit --no-fund --loglevel=error)
fi

step "2. release builds"
cargo build --release -p festival-core "${PAR[@]}" --example gen_bench_data --example bench_reconcile
if [ "$REUSE" != 1 ]; then
  cargo build --release -p bindings-node
  cp "$TARGET/release/libbindings_node.so" "$OUT/festival-core.node"
  cargo build --release -p bindings-python
  rm -rf "$OUT/py" && mkdir -p "$OUT/py"
  cp "$TARGET/release/libfestival_core_native.so" "$OUT/py/_native.abi3.so"
  ./bindings-wasm/scripts/build.sh 2>&1 | tee "$OUT/wasm-build.log"
  rm -rf "$OUT/wasm" && mkdir -p "$OUT/wasm"
  cp -r bindings-wasm/pkg "$OUT/wasm/pkg"
  cp -r bindings-wasm/pkg-conformance "$OUT/wasm/pkg-conformance"
  W="$OUT/wasm/pkg/web/festival_core_bg.wasm"
  C="$OUT/wasm/pkg-conformance/node/festival_core_bg.wasm"
  {
    sed -n 's/^\[wasm\] cargo wasm-release .wasm of the npm package (before wasm-bindgen): \([0-9]*\) bytes$/wasm_cargo_bytes=\1/p' "$OUT/wasm-build.log"
    echo "wasm_pkg_bytes=$(stat -c %s "$W")"
    echo "wasm_pkg_gzip9_bytes=$(gzip -9 -c "$W" | wc -c)"
    echo "wasm_conformance_bytes=$(stat -c %s "$C")"
    echo "wasm_conformance_gzip9_bytes=$(gzip -9 -c "$C" | wc -c)"
    echo "wasm_opt_version=$("$WASM_OPT" --version)"
    echo "wasm_bindgen_version=$("$WASM_BINDGEN" --version)"
  } | tee "$OUT/wasm-size.txt"
fi
# The wasm package the runners load: the npm package if it has the typed reconcile, otherwise the
# test package (its conformanceExecute is the only reconcile entry point then).
WASM_JS="$OUT/wasm/pkg/node/festival_core.js"
if ! node -e 'process.exit(typeof require(process.argv[1]).Reconciler === "function" ? 0 : 1)' "$WASM_JS"; then
  WASM_JS="$OUT/wasm/pkg-conformance/node/festival_core.js"
fi

step "3. data sets (generated once, read by every runner)"
for spec in 1000:1k 10000:10k 100000:100k "$BIG:big"; do
  n="${spec%%:*}" name="${spec##*:}"
  if [ "$REUSE" != 1 ] || [ ! -f "$OUT/data-$name.bin" ]; then
    "$EX/gen_bench_data" "$n" 500 "$OUT/data-$name.bin"
  fi
done

if ! skip criterion; then
  step "4. criterion: raw Ed25519 (the limit), small ops, the pipeline stages"
  cargo bench -p festival-core "${PAR[@]}" --bench verify --bench ops --bench pipeline 2>&1 | tee "$OUT/criterion.log"
fi

if ! skip big; then
  step "5. whole files: peak RSS streamed vs all at once, 1 and 2 threads (one process each)"
  : > "$OUT/big.txt"
  for t in "${THREADS[@]}"; do
    for mode in stream all; do
      "$EX/bench_reconcile" "$OUT/data-big.bin" "$mode" "$t" | tee -a "$OUT/big.txt"
    done
    "$EX/bench_reconcile" "$OUT/data-100k.bin" all "$t" | tee -a "$OUT/big.txt"
  done
fi

if ! skip node; then
  step "6a. Node at 100k: sodium-native, node:crypto vs bindings-node and bindings-wasm ($(basename "$(dirname "$(dirname "$WASM_JS")")"))"
  node bench/node/run.mjs "$OUT/data-100k.bin" --repeat "$REPEAT" --only sodium,crypto,festival-core \
    --node-addon "$OUT/festival-core.node" --wasm "$WASM_JS" --json "$OUT/node-100k.json"
  step "6b. Node at 10k: every JS pipeline incl. pure JS (@noble/ed25519) vs bindings-wasm"
  node bench/node/run.mjs "$OUT/data-10k.bin" --repeat "$REPEAT" \
    --node-addon "$OUT/festival-core.node" --wasm "$WASM_JS" --json "$OUT/node-10k.json"
fi

if ! skip python; then
  step "7. Python at 100k: PyNaCl + decimal vs bindings-python"
  "$PYTHON" bench/python/run.py "$OUT/data-100k.bin" --repeat "$REPEAT" --native "$OUT/py" --json "$OUT/python-100k.json"
fi

step "8. report"
{
  echo "load_at_end=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "elapsed_s=$(($(date +%s) - T0))"
} | tee -a "$OUT/machine.txt"
"$PYTHON" bench/report.py "$OUT" "$TARGET/criterion" | tee "$OUT/figures.md"
