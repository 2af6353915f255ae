#!/usr/bin/env bash
# Generates the Kotlin and Swift sources from a built bindings-mobile library.
#   bindings-mobile/scripts/generate.sh [path/to/libbindings_mobile.so] [out-dir]
# Defaults: target/debug/libbindings_mobile.so, bindings-mobile/generated/.
# Output: <out>/kotlin/org/festivalcore/mobile/bindings_mobile.kt and <out>/swift/*.swift (+ .h, .modulemap).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$FESTIVAL_ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$FESTIVAL_ROOT/target}"
LIB="${1:-$TARGET_DIR/debug/libbindings_mobile.so}"
OUT="${2:-$FESTIVAL_ROOT/bindings-mobile/generated}"
BINDGEN="$TARGET_DIR/debug/uniffi-bindgen"
[ -f "$LIB" ] || { echo "generate.sh: $LIB not built (cargo build -p bindings-mobile)" >&2; exit 1; }
[ -x "$BINDGEN" ] || cargo build -q -p uniffi-bindgen

rm -rf "$OUT/kotlin" "$OUT/swift"
"$BINDGEN" generate --library "$LIB" --language kotlin --no-format --out-dir "$OUT/kotlin"
"$BINDGEN" generate --library "$LIB" --language swift --no-format --out-dir "$OUT/swift"

# uniffi 0.31's Kotlin template renders an error's `message` as a field dump
# ("code=..., reason=..., detailsJson=...") and cannot take a field called `message`
# (uniffi-rs #1434). Replace that one getter so `e.message` reads "CODE: readable reason";
# the fields (`code`, `reason`, `detailsJson`) are untouched. Fails if the template changed.
KT="$OUT/kotlin/org/festivalcore/mobile/bindings_mobile.kt"
DUMP='get() = "code=${ `code` }, reason=${ `reason` }, detailsJson=${ `detailsJson` }"'
WANT='get() = "${ `code` }: ${ `reason` }"'
n="$(grep -cF "$DUMP" "$KT" || true)"
if [ "$n" != 7 ]; then
  echo "generate.sh: expected 7 FestivalException message getters (one per error family) to patch in $KT, found $n" >&2
  exit 1
fi
python3 - "$KT" "$DUMP" "$WANT" <<'PY'
import sys
path, dump, want = sys.argv[1:]
text = open(path, encoding="utf-8").read()
open(path, "w", encoding="utf-8").write(text.replace(dump, want))
PY
echo "generate.sh: Kotlin -> ${KT#"$FESTIVAL_ROOT"/}, Swift -> ${OUT#"$FESTIVAL_ROOT"/}/swift/"
