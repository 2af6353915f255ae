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
_festival_path_prepend "$FESTIVAL_TOOLS/cargo/bin"
export PATH

if [ "${CI:-}" = "true" ]; then
  export CARGO_TERM_COLOR=never
fi

# Tools from Debian packages (scripts/install.sh apt).
export JNA_JAR=/usr/share/java/jna.jar
export JUNIT_JAR=/usr/share/java/junit-platform-console-standalone.jar
export CHROME=/usr/bin/chromium
export CHROMEDRIVER=/usr/bin/chromedriver
