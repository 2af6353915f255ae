#!/usr/bin/env bash
# Tests bindings-mobile end to end on this machine (called by the root scripts/test.sh):
#   1. install tools (scripts/install.sh apt node ubrn: JNA, JUnit 5, kotlinc, tsc, RN headers, ubrn)
#   2. build the cdylib + uniffi-bindgen once (debug), run the crate's Rust unit tests
#   3. generate Kotlin + Swift (scripts/generate.sh), compile generated Kotlin + JUnit tests +
#      examples/kotlin in ONE kotlinc call, run JUnit 5 on the JVM (JNA loads the .so), run the example
#   4. React Native: ubrn generates the TypeScript + C++ (JSI) bindings and the turbo-module;
#      tsc --noEmit --strict on the generated TS + examples/react-native; g++ -fsyntax-only on the
#      C++ against react-native@0.88.1's headers.
# Swift is generated but cannot be compiled here (no Swift toolchain); Android NDK / Xcode / Hermes
# builds need a device toolchain (see bindings-mobile/README.md).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
. "$HERE/../scripts/lib.sh"
cd "$FESTIVAL_ROOT"
say() { printf '[mobile] %s\n' "$*"; }
T0=$SECONDS
step() { say "$* (+$((SECONDS - T0))s)"; }

step "install tools"
./scripts/install.sh apt node ubrn

TARGET_DIR="${CARGO_TARGET_DIR:-$FESTIVAL_ROOT/target}"
LIB_DIR="$TARGET_DIR/debug"
LIB="$LIB_DIR/libbindings_mobile.so"
OUT="$HERE/generated"          # ignored (bindings-*/generated/)
BUILD="$HERE/build"            # ignored (bindings-*/build/)

step "cargo build -p bindings-mobile -p uniffi-bindgen (the one build of the library)"
cargo build -p bindings-mobile -p uniffi-bindgen
step "cargo test -p bindings-mobile (Rust unit tests of the conversions)"
cargo test -p bindings-mobile

step "generate Kotlin + Swift"
"$HERE/scripts/generate.sh" "$LIB" "$OUT"
for f in "$OUT/swift/FestivalCore.swift" "$OUT/swift/FestivalCoreFFI.h" "$OUT/swift/FestivalCoreFFI.modulemap"; do
  [ -s "$f" ] || { echo "missing generated Swift file $f" >&2; exit 1; }
done

step "kotlinc: generated bindings + JUnit tests + examples/kotlin (one compiler call)"
rm -rf "$BUILD/classes" && mkdir -p "$BUILD/classes"
shopt -s nullglob
EXAMPLES=("$FESTIVAL_ROOT"/examples/kotlin/*.kt)
shopt -u nullglob
CP="$JNA_JAR:$JUNIT_JAR:$KOTLIN_TEST_JAR:$KOTLIN_TEST_JUNIT5_JAR"
"$KOTLINC" -nowarn -jvm-target 17 -cp "$CP" -d "$BUILD/classes" \
  "$OUT/kotlin/org/festivalcore/mobile/bindings_mobile.kt" \
  "$HERE"/tests/kotlin/*.kt "${EXAMPLES[@]}"

RUN_CP="$BUILD/classes:$KOTLIN_STDLIB_JAR:$KOTLIN_TEST_JAR:$KOTLIN_TEST_JUNIT5_JAR:$JNA_JAR"
step "JUnit 5 on the JVM"
java -Djna.library.path="$LIB_DIR" -Dfestival.root="$FESTIVAL_ROOT" \
  -jar "$JUNIT_JAR" --class-path "$RUN_CP" --select-package org.festivalcore.mobile.test \
  --disable-banner --details=summary --details-theme=ascii --fail-if-no-tests

if [ -f "$FESTIVAL_ROOT/examples/kotlin/OfflinePos.kt" ]; then
  step "run examples/kotlin/OfflinePos.kt"
  java -Djna.library.path="$LIB_DIR" -cp "$RUN_CP" org.festivalcore.examples.OfflinePosKt
fi

step "React Native: ubrn generate jsi bindings (TypeScript + C++) from the built library"
RN_OUT="$OUT/rn"
rm -rf "$RN_OUT"
# `generate jsi bindings` runs `cargo metadata` in its working directory: the Rust workspace root.
"$UBRN" generate jsi bindings --library --no-format --ts-dir "$RN_OUT/ts" --cpp-dir "$RN_OUT/cpp" "$LIB"
step "React Native: ubrn generate jsi turbo-module (reads bindings-mobile/react-native/package.json)"
(cd "$HERE/react-native" && "$UBRN" generate jsi turbo-module --config ubrn.config.yaml bindings_mobile)
for f in "$RN_OUT/ts/bindings_mobile.ts" "$RN_OUT/ts/bindings_mobile-ffi.ts" "$RN_OUT/cpp/bindings_mobile.cpp" \
         "$RN_OUT/cpp/bindings_mobile.hpp" "$RN_OUT/turbo-module/src/index.tsx" "$RN_OUT/turbo-module/src/NativeFestivalCore.ts" \
         "$RN_OUT/turbo-module/cpp/react-native-festival-core.cpp" "$HERE/react-native/android/cpp-adapter.cpp" \
         "$HERE/react-native/ios/FestivalCore.mm" "$HERE/react-native/FestivalCore.podspec"; do
  [ -s "$f" ] || { echo "ubrn did not generate $f" >&2; exit 1; }
done
if grep -q "@ts-nocheck" "$RN_OUT/ts/bindings_mobile.ts"; then
  echo "generated TypeScript is @ts-nocheck: strictTypeChecking in bindings-mobile/uniffi.toml was not applied" >&2
  exit 1
fi

step "tsc --noEmit --strict: generated TypeScript + turbo-module entry + examples/react-native"
"$TSC" --version
"$TSC" -p "$HERE/react-native/tsconfig.json"

step "g++ -std=c++20 -fsyntax-only: generated C++ against react-native@0.88.1 headers"
RN_PKG="$NODE_TOOLS/node_modules/react-native"
UBRN_PKG="$NODE_TOOLS/node_modules/uniffi-bindgen-react-native"
CXX_INC=(-I"$RN_PKG/ReactCommon/jsi" -I"$RN_PKG/ReactCommon/callinvoker" -I"$RN_PKG/ReactCommon"
         -I"$UBRN_PKG/cpp/includes" -I"$RN_OUT/cpp")
for f in "$RN_OUT/cpp/bindings_mobile.cpp" "$RN_OUT/turbo-module/cpp/react-native-festival-core.cpp"; do
  g++ -std=c++20 -fsyntax-only -Wall "${CXX_INC[@]}" "$f"
  say "  ok: ${f#"$FESTIVAL_ROOT"/}"
done

step "bindings-mobile: all checks passed"
