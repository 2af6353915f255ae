// Per-call overhead of the JS bindings: a tiny call (addMoney) N times, median of RUNS runs.
//   node bench/node/overhead.mjs                      # both packages (napi addon + wasm pkg/node)
//   FESTIVAL_JS_IMPL=node node bench/node/overhead.mjs
//   N=200000 RUNS=5 node bench/node/overhead.mjs
//   FESTIVAL_JS_IMPL=node FESTIVAL_JS_PATH=target/release/libbindings_node.so node bench/node/overhead.mjs
// The addon is whatever `napi build` produced last (debug by default: `napi build --platform
// --release` for release numbers); the wasm package is the release build of scripts/build.sh.
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const N = Number(process.env.N ?? 200_000)
const RUNS = Number(process.env.RUNS ?? 5)
const impls = {
  node: path.join(root, 'bindings-node', 'index.js'),
  wasm: path.join(root, 'bindings-wasm', 'pkg', 'node', 'festival_core.js'),
}
const which = process.env.FESTIVAL_JS_IMPL ? [process.env.FESTIVAL_JS_IMPL] : Object.keys(impls)

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

function bench(label, fn) {
  for (let i = 0; i < Math.min(N, 20_000); i++) fn(i) // warm-up
  const runs = []
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < N; i++) fn(i)
    runs.push(Number(process.hrtime.bigint() - t0) / N / 1000)
  }
  console.log(`${label.padEnd(34)} ${median(runs).toFixed(3)} µs/call (median of ${RUNS} x ${N})`)
}

for (const impl of which) {
  const fc = require(process.env.FESTIVAL_JS_PATH ? path.resolve(process.env.FESTIVAL_JS_PATH) : impls[impl])
  const a = { amount: '1.10', currency: 'EUR' }
  const b = { amount: '2.25', currency: 'EUR' }
  bench(`[${impl}] addMoney`, () => fc.addMoney(a, b))
  bench(`[${impl}] parseMoney`, () => fc.parseMoney('12.5', 'EUR'))
  bench(`[${impl}] formatMoney`, () => fc.formatMoney(a))
  bench(`[${impl}] verifySignature (tiny, bad)`, () => fc.verifySignature(new Uint8Array(32), new Uint8Array(1), new Uint8Array(64)))
}
