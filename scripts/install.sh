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
APT_PACKAGES=(chromium chromium-driver libjna-java junit5)
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
}

# ---------------------------------------------------------------- main
ALL=(apt wasm node python ubrn)
if [ "$#" -eq 0 ]; then set -- "${ALL[@]}"; fi
for c in "$@"; do
  case "$c" in
    apt|wasm|node|python|ubrn) ;;
    *) die "unknown component '$c' (known: ${ALL[*]})" ;;
  esac
done
for c in "$@"; do
  t0=$SECONDS
  "install_$c"
  say "$c: done in $((SECONDS - t0))s"
done
