#!/usr/bin/env bash
# Installs every tool festival-core's tests need, on a fresh Debian 12 machine.
#   scripts/install.sh              # all components
#   scripts/install.sh apt node     # only these
# Components: apt wasm node python ubrn
# Idempotent and quick when already installed: each step checks before it acts.
# Everything except apt packages and the rustup target lives in ignored .tools/ and .venv/.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$FESTIVAL_ROOT"
mkdir -p "$FESTIVAL_TOOLS/logs"

say() { printf '[install] %s\n' "$*"; }
die() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# ---------------------------------------------------------------- apt
# postgresql: the NestJS example's production database (examples/nestjs-sync, a throwaway cluster per run).
APT_PACKAGES=(chromium chromium-driver libjna-java junit5 postgresql)
install_apt() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "apt: installing ${missing[*]}"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    say "apt: ${APT_PACKAGES[*]} already installed"
  fi
  [ -f "$JNA_JAR" ] || die "apt: $JNA_JAR missing after installing libjna-java"
  [ -f "$JUNIT_JAR" ] || die "apt: JUnit console launcher $JUNIT_JAR missing after installing junit5"
  [ -x "$CHROMEDRIVER" ] || die "apt: $CHROMEDRIVER missing"
  [ -x "$CHROME" ] || die "apt: $CHROME missing"
  say "apt: JNA_JAR=$JNA_JAR"
  say "apt: JUNIT_JAR=$JUNIT_JAR"
  say "apt: CHROME=$CHROME CHROMEDRIVER=$CHROMEDRIVER"
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || die "apt: /usr/lib/postgresql/*/bin/initdb missing after installing postgresql"
}

# ---------------------------------------------------------------- wasm
# wasm32 target + wasm-bindgen-cli pinned to the exact wasm-bindgen crate version (=0.2.130) the
# bindings use; the CLI must match it. No --locked: the CLI's own lock file wants a crate version
# the registry lacks (shared TOOLCHAIN.md).
WASM_BINDGEN_VERSION=0.2.130
install_wasm() {
  command -v rustup >/dev/null || die "wasm: rustup is not on PATH"
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "wasm: rust target wasm32-unknown-unknown already installed"
  else
    say "wasm: rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  local have=""
  if [ -x "$FESTIVAL_TOOLS/cargo/bin/wasm-bindgen" ]; then
    have="$("$FESTIVAL_TOOLS/cargo/bin/wasm-bindgen" --version 2>/dev/null | cut -d' ' -f2 || true)"
  fi
  if [ "$have" = "$WASM_BINDGEN_VERSION" ]; then
    say "wasm: wasm-bindgen-cli $WASM_BINDGEN_VERSION already in .tools/cargo/bin"
  else
    local log="$FESTIVAL_TOOLS/logs/wasm-bindgen-cli.log"
    say "wasm: cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION into .tools/cargo (~2 min; log: ${log#"$FESTIVAL_ROOT"/})"
    # --force: replaces another version already in .tools/cargo.
    if ! cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$FESTIVAL_TOOLS/cargo" --force >"$log" 2>&1; then
      tail -40 "$log" >&2
      die "wasm: cargo install wasm-bindgen-cli failed (full log: $log)"
    fi
  fi
  local b
  for b in wasm-bindgen wasm-bindgen-test-runner; do
    [ -x "$FESTIVAL_TOOLS/cargo/bin/$b" ] || die "wasm: .tools/cargo/bin/$b missing"
  done
  say "wasm: $("$FESTIVAL_TOOLS/cargo/bin/wasm-bindgen" --version), $("$FESTIVAL_TOOLS/cargo/bin/wasm-bindgen-test-runner" --version)"
}

# ---------------------------------------------------------------- node
# One npm project for every Node-side tool, pinned by the committed
# scripts/node-tools/package-lock.json and installed from that lock into .tools/node.
NODE_SRC="$FESTIVAL_ROOT/scripts/node-tools"
NODE_DIR="$FESTIVAL_TOOLS/node"
node_stamp() { cat "$NODE_SRC/package.json" "$NODE_SRC/package-lock.json" | sha256sum | cut -d' ' -f1; }
install_node() {
  command -v node >/dev/null || die "node: node is not on PATH"
  command -v npm >/dev/null || die "node: npm is not on PATH"
  local want; want="$(node_stamp)"
  if [ -f "$NODE_DIR/.festival-stamp" ] && [ "$(cat "$NODE_DIR/.festival-stamp")" = "$want" ] \
     && [ -x "$NODE_DIR/node_modules/.bin/tsc" ]; then
    say "node: .tools/node is up to date with scripts/node-tools/package-lock.json"
  else
    say "node: npm install (locked) into .tools/node (node $(node --version), npm $(npm --version))"
    mkdir -p "$NODE_DIR"
    cp "$NODE_SRC/package.json" "$NODE_SRC/package-lock.json" "$NODE_DIR/"
    rm -f "$NODE_DIR/.festival-stamp"
    # Not `npm ci`: npm 11 leaves other platforms' optional native packages (@napi-rs/*-darwin-* ...)
    # out of the lock file and then `npm ci` refuses it (npm/cli#8320, #4828). `npm install` with the
    # committed lock copied in installs exactly the locked versions and only fills in those entries.
    # react-native 0.88 asks for Node >= 22 (engine warning only): we use its headers/types, not its runtime.
    (cd "$NODE_DIR" && npm install --no-audit --no-fund --loglevel=error --progress=false)
    echo "$want" > "$NODE_DIR/.festival-stamp"
  fi
  local b
  for b in tsc wasm-opt napi ubrn; do
    [ -e "$NODE_DIR/node_modules/.bin/$b" ] || die "node: $b missing from .tools/node/node_modules/.bin"
  done
  [ -x "$KOTLINC" ] || die "node: KOTLINC=$KOTLINC is not executable"
  ubrn_prepare
  say "node: tsc $(tsc --version | cut -d' ' -f2), wasm-opt $("$WASM_OPT" --version | cut -d' ' -f3), napi $(napi --version 2>/dev/null | head -1)"
}

# ---------------------------------------------------------------- python
# venv at .venv with the exact pins of scripts/python-requirements.txt.
PY_REQ="$FESTIVAL_ROOT/scripts/python-requirements.txt"
install_python() {
  command -v python3 >/dev/null || die "python: python3 is not on PATH"
  local venv="$FESTIVAL_ROOT/.venv" want
  want="$( { python3 --version; cat "$PY_REQ"; } | sha256sum | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ -f "$venv/.festival-stamp" ] && [ "$(cat "$venv/.festival-stamp")" = "$want" ]; then
    say "python: .venv is up to date with scripts/python-requirements.txt"
  else
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
      say "python: creating .venv with $(python3 --version)"
      rm -rf "$venv"
      python3 -m venv "$venv"
    fi
    rm -f "$venv/.festival-stamp"
    say "python: pip install -r scripts/python-requirements.txt"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input -r "$PY_REQ"
    "$venv/bin/python" -c 'import pytest, maturin, mypy, pandas, polars, pyarrow, dask.distributed, nacl' \
      || die "python: a pinned package does not import"
    echo "$want" > "$venv/.festival-stamp"
  fi
  say "python: $("$venv/bin/python" --version), maturin $("$venv/bin/maturin" --version | cut -d' ' -f2), pytest $("$venv/bin/pytest" --version 2>&1 | cut -d' ' -f2)"
}

# ---------------------------------------------------------------- ubrn
# uniffi-bindgen-react-native's `ubrn` (bin/cli.cjs) is not prebuilt: every call runs
#   cargo run --quiet --manifest-path <pkg>/crates/ubrn_cli/Cargo.toml -- ARGS
# so the first call compiles the tool (debug profile, ~9 min, ~1.5 GB) into <pkg>/target, i.e.
# inside node_modules, where any npm reinstall would throw it away. We make <pkg>/target a symlink
# to .tools/ubrn-target (survives npm reinstalls), pin the tool's dependency versions with the
# committed scripts/node-tools/ubrn-Cargo.lock (the npm package ships no Cargo.lock), and build it
# here once, with the same command cargo run uses, so later `ubrn` calls only check freshness.
UBRN_PKG="$NODE_DIR/node_modules/uniffi-bindgen-react-native"
UBRN_TARGET="$FESTIVAL_TOOLS/ubrn-target"
UBRN_LOCK="$FESTIVAL_ROOT/scripts/node-tools/ubrn-Cargo.lock"
# Symlink <pkg>/target -> .tools/ubrn-target and put the pinned Cargo.lock in place. Cheap; also
# run after every npm install, so a plain `ubrn` call never builds into node_modules.
ubrn_prepare() {
  [ -f "$UBRN_PKG/crates/ubrn_cli/Cargo.toml" ] || die "ubrn: $UBRN_PKG missing (install.sh node)"
  mkdir -p "$UBRN_TARGET"
  if [ ! -L "$UBRN_PKG/target" ]; then
    if [ -d "$UBRN_PKG/target" ]; then
      # A build made before this cache existed: keep it if the cache is empty.
      if [ -z "$(ls -A "$UBRN_TARGET")" ]; then
        rmdir "$UBRN_TARGET" && mv "$UBRN_PKG/target" "$UBRN_TARGET"
      else
        rm -rf "$UBRN_PKG/target"
      fi
    fi
    ln -s "$UBRN_TARGET" "$UBRN_PKG/target"
  fi
  if [ -f "$UBRN_LOCK" ] && ! cmp -s "$UBRN_LOCK" "$UBRN_PKG/Cargo.lock"; then
    cp "$UBRN_LOCK" "$UBRN_PKG/Cargo.lock"
  fi
}
install_ubrn() {
  [ -f "$UBRN_PKG/crates/ubrn_cli/Cargo.toml" ] || install_node
  ubrn_prepare
  local log="$FESTIVAL_TOOLS/logs/ubrn-build.log"
  if [ -x "$UBRN_TARGET/debug/uniffi-bindgen-react-native" ]; then
    say "ubrn: checking the cached build in .tools/ubrn-target"
  else
    say "ubrn: cargo build of uniffi-bindgen-react-native into .tools/ubrn-target (cold: 4-9 min; log: ${log#"$FESTIVAL_ROOT"/})"
  fi
  # Same package, profile and features as bin/cli.cjs's `cargo run`, so its fingerprint is reused.
  if ! cargo build --manifest-path "$UBRN_PKG/crates/ubrn_cli/Cargo.toml" >"$log" 2>&1; then
    tail -40 "$log" >&2
    die "ubrn: build failed (full log: $log)"
  fi
  local t0=$SECONDS
  "$UBRN" --help >/dev/null || die "ubrn: '$UBRN --help' failed after build"
  say "ubrn: '\$UBRN --help' answered in $((SECONDS - t0))s (cached build reused)"
  if [ ! -f "$UBRN_LOCK" ]; then
    cp "$UBRN_PKG/Cargo.lock" "$UBRN_LOCK"
    say "ubrn: wrote scripts/node-tools/ubrn-Cargo.lock (commit it to pin the tool's dependencies)"
  fi
}

# ---------------------------------------------------------------- main
run_component() {
  local t0=$SECONDS
  "install_$1"
  say "$1: done in $((SECONDS - t0))s"
}

main() {
  local order=(apt node wasm ubrn python) c want=() pids=() names=() i rc=0
  if [ "$#" -eq 0 ]; then set -- "${order[@]}"; fi
  for c in "$@"; do
    case " ${order[*]} " in *" $c "*) ;; *) die "unknown component '$c' (known: ${order[*]})" ;; esac
  done
  # Canonical order whatever the order asked (ubrn needs node; apt first, others wait for it).
  for c in "${order[@]}"; do
    case " $* " in *" $c "*) want+=("$c") ;; esac
  done
  for c in "${want[@]}"; do
    if [ "${#want[@]}" -gt 1 ] && { [ "$c" = wasm ] || [ "$c" = ubrn ]; }; then
      # The two cargo builds (minutes each when cold) run side by side, and beside the python
      # install: each build has long single-crate phases, so together they use the 2 cores better.
      run_component "$c" &
      pids+=("$!") names+=("$c")
    else
      run_component "$c"
    fi
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      printf '[install] ERROR: component %s failed\n' "${names[$i]}" >&2
      rc=1
    fi
  done
  return "$rc"
}
main "$@"
exit
