# shellcheck shell=bash
# Shared environment for festival-core scripts. Source it: `. scripts/lib.sh`.
# Idempotent: sourcing twice does not duplicate PATH entries.

FESTIVAL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FESTIVAL_ROOT
export FESTIVAL_TOOLS="$FESTIVAL_ROOT/.tools"

_festival_path_prepend() {
  case ":$PATH:" in *":$1:"*) ;; *) PATH="$1:$PATH" ;; esac
}
_festival_path_prepend "$FESTIVAL_ROOT/.venv/bin"
_festival_path_prepend "$FESTIVAL_TOOLS/node/node_modules/.bin"
_festival_path_prepend "$FESTIVAL_TOOLS/node/node_modules/kotlin-compiler/bin"
_festival_path_prepend "$FESTIVAL_TOOLS/cargo/bin"
export PATH

if [ "${CI:-}" = "true" ]; then
  export CARGO_TERM_COLOR=never
  # CI builds once from scratch: incremental caches only cost disk there (see scripts/test.sh).
  export CARGO_INCREMENTAL=0
fi
# Also for tools built outside the workspace (the ubrn CLI): line tables only, no full debug info.
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"

# Tools from Debian packages (scripts/install.sh apt).
export JNA_JAR=/usr/share/java/jna.jar
export JUNIT_JAR=/usr/share/java/junit-platform-console-standalone.jar
export CHROME=/usr/bin/chromium
export CHROMEDRIVER=/usr/bin/chromedriver

# Node-side tools (scripts/install.sh node): one npm project in .tools/node.
export NODE_TOOLS="$FESTIVAL_TOOLS/node"
export KOTLIN_HOME="$NODE_TOOLS/node_modules/kotlin-compiler"
export KOTLINC="$KOTLIN_HOME/bin/kotlinc"
export KOTLIN_LIB="$KOTLIN_HOME/lib"
export WASM_OPT="$NODE_TOOLS/node_modules/.bin/wasm-opt"   # npm binaryen 132; never /usr/bin/wasm-opt
export TSC="$NODE_TOOLS/node_modules/.bin/tsc"
export NAPI="$NODE_TOOLS/node_modules/.bin/napi"
# Call `ubrn` (on PATH) or "$UBRN", NOT `npx ubrn`: npx only looks in the caller's own
# node_modules and otherwise asks the registry for a package named "ubrn" (404). The tool's cargo
# build is cached in .tools/ubrn-target (install.sh ubrn); don't export CARGO_TARGET_DIR around it,
# or cargo builds the tool again there.
export UBRN="$NODE_TOOLS/node_modules/.bin/ubrn"
# Let binding scripts `require('decimal.js')`, `require('sodium-native')` etc. from anywhere.
case ":${NODE_PATH:-}:" in *":$NODE_TOOLS/node_modules:"*) ;; *) export NODE_PATH="$NODE_TOOLS/node_modules${NODE_PATH:+:$NODE_PATH}" ;; esac

# Python (scripts/install.sh python): .venv is first on PATH, so python/pip/maturin/pytest/mypy are its.
export VIRTUAL_ENV="$FESTIVAL_ROOT/.venv"
export PYTHON="$VIRTUAL_ENV/bin/python"

# wasm (scripts/install.sh wasm): wasm-bindgen, wasm-bindgen-test-runner in .tools/cargo/bin (on PATH).
export WASM_BINDGEN="$FESTIVAL_TOOLS/cargo/bin/wasm-bindgen"
export WASM_BINDGEN_TEST_RUNNER="$FESTIVAL_TOOLS/cargo/bin/wasm-bindgen-test-runner"

# Kotlin/JVM test classpath pieces (kotlin-compiler ships them; JUnit 5 and JNA come from apt).
export KOTLIN_STDLIB_JAR="$KOTLIN_LIB/kotlin-stdlib.jar"
export KOTLIN_TEST_JAR="$KOTLIN_LIB/kotlin-test.jar"
export KOTLIN_TEST_JUNIT5_JAR="$KOTLIN_LIB/kotlin-test-junit5.jar"
export KOTLINX_COROUTINES_JAR="$KOTLIN_LIB/kotlinx-coroutines-core-jvm.jar"
