#!/usr/bin/env bash
# Builds bindings-wasm into two packages, both with the `wasm-release` cargo profile (root Cargo.toml:
# opt-level "z", fat LTO, one codegen unit, panic = abort) and wasm-opt -Oz from npm binaryen
# (never /usr/bin/wasm-opt):
#
#   pkg/{node,web}/          THE npm package (@festival-core/wasm; `npm pack` in pkg/), built with
#                            --no-default-features: no `conformanceExecute` (the JSON test-vector
#                            dispatcher is a conformance tool, not an app API, and alone is about half
#                            of the code). Its size is the one BENCHMARKS.md quotes.
#   pkg-conformance/node/    the same code WITH the default `conformance` feature (conformanceExecute),
#                            wasm-bindgen --target nodejs: what the shared Node suite and its vectors
#                            run against (scripts/test.sh). Not published.
#
# pkg/node/ is wasm-bindgen --target nodejs (require() from Node), pkg/web/ --target web (ES module
# for browsers and bundlers; call `await init()` once). Prints raw and gzip -9 sizes of both .wasm.
#   FC_WASM_ONLY=release|conformance   build only one of the two (default: both)
set -euo pipefail
# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$FESTIVAL_ROOT"
ONLY="${FC_WASM_ONLY:-both}"
TARGET="${CARGO_TARGET_DIR:-$FESTIVAL_ROOT/target}"
RAW="$TARGET/wasm32-unknown-unknown/wasm-release/bindings_wasm.wasm"
size() { stat -c %s "$1"; }

# wasm-bindgen for each target in $2.., then wasm-opt -Oz in place; $1 = output root.
bindgen_opt() {
  local root="$1" t out
  shift
  for t in "$@"; do
    out="$root/$([ "$t" = nodejs ] && echo node || echo web)"
    "$WASM_BINDGEN" --target "$t" --out-dir "$out" --out-name festival_core "$RAW"
    "$WASM_OPT" -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$out/festival_core_bg.wasm" -o "$out/festival_core_bg.wasm.opt"
    mv "$out/festival_core_bg.wasm.opt" "$out/festival_core_bg.wasm"
  done
}

if [ "$ONLY" != conformance ]; then
  PKG="$FESTIVAL_ROOT/bindings-wasm/pkg"
  cargo build -p bindings-wasm --target wasm32-unknown-unknown --profile wasm-release --no-default-features
  echo "[wasm] cargo wasm-release .wasm of the npm package (before wasm-bindgen): $(size "$RAW") bytes"
  rm -rf "$PKG"
  mkdir -p "$PKG"
  bindgen_opt "$PKG" nodejs web
  # web/ is an ES module, node/ CommonJS: tell Node which is which.
  echo '{ "type": "module" }' > "$PKG/web/package.json"
  cp bindings-wasm/package.json bindings-wasm/README.md "$PKG/"
  W="$PKG/web/festival_core_bg.wasm"
  echo "[wasm] npm package pkg/web/festival_core_bg.wasm: $(size "$W") bytes raw, $(gzip -9 -c "$W" | wc -c) bytes gzip -9 ($("$WASM_OPT" --version))"
fi

if [ "$ONLY" != release ]; then
  CPKG="$FESTIVAL_ROOT/bindings-wasm/pkg-conformance"
  cargo build -p bindings-wasm --target wasm32-unknown-unknown --profile wasm-release
  rm -rf "$CPKG"
  mkdir -p "$CPKG"
  bindgen_opt "$CPKG" nodejs
  W="$CPKG/node/festival_core_bg.wasm"
  echo "[wasm] test package pkg-conformance/node/festival_core_bg.wasm (with conformanceExecute): $(size "$W") bytes raw, $(gzip -9 -c "$W" | wc -c) bytes gzip -9"
fi
