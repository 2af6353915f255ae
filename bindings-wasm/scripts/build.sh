#!/usr/bin/env bash
# Builds the npm package of bindings-wasm into bindings-wasm/pkg/:
#   pkg/node/  wasm-bindgen --target nodejs (require() from Node)
#   pkg/web/   wasm-bindgen --target web    (ES module for browsers and bundlers; call `await init()` once)
# from ONE release build, optimised with wasm-opt from npm binaryen (never /usr/bin/wasm-opt),
# and prints raw and gzipped sizes of the optimised .wasm.
set -euo pipefail
# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$FESTIVAL_ROOT"
PKG="$FESTIVAL_ROOT/bindings-wasm/pkg"

cargo build -p bindings-wasm --target wasm32-unknown-unknown --release
RAW="$FESTIVAL_ROOT/target/wasm32-unknown-unknown/release/bindings_wasm.wasm"
rm -rf "$PKG"
mkdir -p "$PKG"
for t in nodejs web; do
  out="$PKG/$([ "$t" = nodejs ] && echo node || echo web)"
  "$WASM_BINDGEN" --target "$t" --out-dir "$out" --out-name festival_core "$RAW"
  "$WASM_OPT" -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$out/festival_core_bg.wasm" -o "$out/festival_core_bg.wasm.opt"
  mv "$out/festival_core_bg.wasm.opt" "$out/festival_core_bg.wasm"
done
# web/ is an ES module, node/ CommonJS: tell Node which is which.
echo '{ "type": "module" }' > "$PKG/web/package.json"
cp bindings-wasm/package.json bindings-wasm/README.md "$PKG/"
size() { stat -c %s "$1"; }
W="$PKG/web/festival_core_bg.wasm"
echo "[wasm] size of cargo release .wasm (before wasm-bindgen): $(size "$RAW") bytes"
echo "[wasm] size of optimised festival_core_bg.wasm: $(size "$W") bytes raw, $(gzip -9 -c "$W" | wc -c) bytes gzip -9 ($("$WASM_OPT" --version))"
