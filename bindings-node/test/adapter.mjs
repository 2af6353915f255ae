// Loads the festival-core JS package under test, so ONE suite runs against both packages:
//   FESTIVAL_JS_IMPL=node (default) -> bindings-node/index.js (napi addon)
//   FESTIVAL_JS_IMPL=wasm           -> FESTIVAL_JS_PATH (wasm-bindgen --target nodejs output)
// FESTIVAL_JS_PATH overrides the module path for either (e.g. an installed npm tarball).
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const require = createRequire(import.meta.url)
const here = path.dirname(fileURLToPath(import.meta.url))

export const impl = process.env.FESTIVAL_JS_IMPL ?? 'node'
const defaults = {
  node: path.join(here, '..', 'index.js'),
  wasm: path.join(here, '..', '..', 'bindings-wasm', 'pkg', 'node', 'festival_core.js'),
}
if (!(impl in defaults)) throw new Error(`FESTIVAL_JS_IMPL must be node or wasm, got ${impl}`)
export const modulePath = process.env.FESTIVAL_JS_PATH ?? defaults[impl]
export const fc = require(modulePath)
// The shipped wasm npm package (bindings-wasm/pkg) leaves out conformanceExecute. To test exactly
// what ships, point FESTIVAL_JS_PATH at it and FESTIVAL_JS_CONFORMANCE_PATH at the build of the same
// code that also exports conformanceExecute (bindings-wasm/pkg-conformance): the vectors and the
// differential oracles then run there, and every other test against the shipped package.
export const conformance = process.env.FESTIVAL_JS_CONFORMANCE_PATH
  ? require(process.env.FESTIVAL_JS_CONFORMANCE_PATH)
  : fc
if (typeof conformance.conformanceExecute !== 'function') {
  throw new Error(`${process.env.FESTIVAL_JS_CONFORMANCE_PATH ?? modulePath} exports no conformanceExecute: set FESTIVAL_JS_CONFORMANCE_PATH`)
}
export const repoRoot = path.join(here, '..', '..')

/** Asserts that fn throws a festival-core Error with this code; returns the error. */
export function throwsCode(assert, fn, code) {
  let caught
  try {
    fn()
  } catch (e) {
    caught = e
  }
  assert.ok(caught !== undefined, `expected ${code}, nothing was thrown`)
  assert.ok(caught instanceof Error, `expected an Error instance, got ${typeof caught}: ${caught}`)
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`)
  assert.equal(typeof caught.family, 'string')
  assert.equal(typeof caught.details, 'object')
  assert.ok(caught.details !== null)
  assert.ok(caught.message.length > 0)
  return caught
}

export const eur = (amount) => ({ amount, currency: 'EUR' })
