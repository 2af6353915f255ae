#!/usr/bin/env bash
# bindings-node tests, on a fresh machine:
#   1. install tools (scripts/install.sh node wasm apt: idempotent)
#   1b. the generated exports (src/exports.rs, src/ticketing.rs, and the wasm package's) are up to
#       date with their table (scripts/check_generated.sh)
#   2. cargo test of the shared JS API crate (festival-js-api)
#   3. napi build (debug) -> index.js, index.d.ts, festival-core.linux-x64-gnu.node
#   4. the shared Node suite (test/*.test.mjs: API, errors, hostile input, ALL vectors)
#   5. tsc --strict on examples/ts-node against the generated index.d.ts
#   6. npm pack -> install the tarball in a temp dir -> require it once (smoke)
set -euo pipefail
# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$FESTIVAL_ROOT"
step() { printf '\n[bindings-node] %s\n' "$*"; }

step "install tools"
./scripts/install.sh node wasm apt

step "generated exports up to date (gen_js_exports.py)"
./bindings-node/scripts/check_generated.sh

step "cargo test -p festival-js-api"
cargo test -p festival-js-api

step "napi build (debug)"
(cd bindings-node && napi build --platform)

step "shared Node test suite against the napi addon"
FESTIVAL_JS_IMPL=node node --test bindings-node/test/*.test.mjs

step "tsc --noEmit --strict examples/ts-node"
tsc --noEmit -p examples/ts-node/tsconfig.json

step "npm pack + install the tarball + require it"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd bindings-node && npm pack --silent --pack-destination "$tmp" >/dev/null)
tarball="$(ls "$tmp"/*.tgz)"
echo "packed $(basename "$tarball"): $(stat -c %s "$tarball") bytes"
mkdir -p "$tmp/app"
(cd "$tmp/app" && npm init -y >/dev/null && npm install --no-audit --no-fund --offline --loglevel=error "$tarball" >/dev/null)
(cd "$tmp/app" && node -e '
const fc = require("@festival-core/node");
const m = fc.addMoney(fc.parseMoney("1.10", "EUR"), { amount: "2.25", currency: "EUR" });
if (m.amount !== "3.35") throw new Error("smoke: wrong sum " + JSON.stringify(m));
console.log("smoke: installed @festival-core/node works:", fc.formatMoney(m));
')
step "ok"
