#!/usr/bin/env bash
# bindings-wasm tests, on a fresh machine:
#   1. install tools (scripts/install.sh node wasm apt: idempotent)
#   2. build the npm package once (scripts/build.sh: release + wasm-opt, prints the wasm size)
#   3. npm pack -> install the tarball in a temp dir
#   4. the shared Node suite (bindings-node/test/*.test.mjs) against THAT installed package; the
#      vectors and differential oracles need conformanceExecute, which the shipped package leaves
#      out, so they run on pkg-conformance/node (the same code plus that export; see build.sh)
#   5. smoke: require() and the web entry point of the installed package
#   6. wasm-bindgen-test in headless Chromium (money, errors, vectors inside the browser)
#   7. tsc --strict on examples/ts-web against pkg/web's .d.ts
#   (before 6: examples/web-gate, a real page on pkg/web, driven in headless Chromium by playwright-core)
set -euo pipefail
# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$FESTIVAL_ROOT"
step() { printf '\n[bindings-wasm] %s\n' "$*"; }

step "install tools"
./scripts/install.sh node wasm apt

step "build the package (release, wasm-opt)"
./bindings-wasm/scripts/build.sh

step "npm pack + install the tarball"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd bindings-wasm/pkg && npm pack --silent --pack-destination "$tmp" >/dev/null)
tarball="$(ls "$tmp"/*.tgz)"
echo "packed $(basename "$tarball"): $(stat -c %s "$tarball") bytes"
mkdir -p "$tmp/app"
(cd "$tmp/app" && npm init -y >/dev/null && npm install --no-audit --no-fund --offline --loglevel=error "$tarball" >/dev/null)
installed="$(cd "$tmp/app" && node -p 'require.resolve("@festival-core/wasm")')"
echo "installed: ${installed#"$tmp"/}"

step "shared Node test suite against the installed package (oracles: pkg-conformance/node)"
FESTIVAL_JS_IMPL=wasm FESTIVAL_JS_PATH="$installed" \
  FESTIVAL_JS_CONFORMANCE_PATH="$FESTIVAL_ROOT/bindings-wasm/pkg-conformance/node/festival_core.js" \
  node --test bindings-node/test/*.test.mjs

step "smoke: require() and the web entry point of the installed package"
(cd "$tmp/app" && node -e '
const fc = require("@festival-core/wasm");
const m = fc.addMoney(fc.parseMoney("1.10", "EUR"), { amount: "2.25", currency: "EUR" });
if (m.amount !== "3.35") throw new Error("smoke: wrong sum " + JSON.stringify(m));
console.log("smoke: installed @festival-core/wasm works:", fc.formatMoney(m));
')
(cd "$tmp/app" && node --input-type=module -e '
import init, { parseMoney } from "@festival-core/wasm/web";
import fs from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const wasmPath = require.resolve("@festival-core/wasm/package.json").replace(/package\.json$/, "web/festival_core_bg.wasm");
await init({ module_or_path: fs.readFileSync(wasmPath) });
const m = parseMoney("7", "EUR");
if (m.amount !== "7.00") throw new Error("smoke(web): " + JSON.stringify(m));
console.log("smoke: the web entry point initialises and works:", m.amount, m.currency);
')

step "examples/web-gate: the gate and shop page in headless Chromium (screenshot: .tools/logs/web-gate.png)"
node --test examples/web-gate/test/*.test.mjs

step "wasm-bindgen-test in headless Chromium"
(cd bindings-wasm && CHROMEDRIVER="$CHROMEDRIVER" cargo test -p bindings-wasm --target wasm32-unknown-unknown)

step "tsc --noEmit --strict examples/ts-web"
tsc --noEmit -p examples/ts-web/tsconfig.json
step "ok"
