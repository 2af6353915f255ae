// Runs EVERY conformance vector (tests/vectors/*.json, plus every *.json in $FESTIVAL_VECTORS_DIR)
// through conformanceExecute: outputs must deep-equal the expected JSON (exactly what the Rust
// runner checks); error vectors compare err.code and the expected_details subset.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fc, repoRoot, conformance } from './adapter.mjs'

function vectorFiles() {
  const dirs = [path.join(repoRoot, 'tests', 'vectors')]
  if (process.env.FESTIVAL_VECTORS_DIR) dirs.push(process.env.FESTIVAL_VECTORS_DIR)
  return dirs.flatMap((d) =>
    fs.readdirSync(d).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(d, f)))
}

const files = vectorFiles()
let total = 0

for (const file of files) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
  assert.ok(Array.isArray(doc.vectors), `${file}: no vectors array`)
  test(`vectors ${path.relative(repoRoot, file)} (${doc.vectors.length})`, async (t) => {
    for (const v of doc.vectors) {
      total++
      await t.test(`${v.op}: ${v.name}`, () => {
        const hasExpected = 'expected' in v
        assert.notEqual(hasExpected, 'expected_error' in v, 'exactly one of expected / expected_error')
        let out, err
        try {
          out = conformance.conformanceExecute(v.op, JSON.stringify(v.input))
        } catch (e) {
          err = e
        }
        if (hasExpected) {
          assert.equal(err, undefined, `unexpected error ${err?.code}: ${err?.message}`)
          assert.deepStrictEqual(JSON.parse(out), v.expected)
        } else {
          assert.ok(err instanceof Error, `expected error ${v.expected_error}, got ${out}`)
          assert.equal(err.code, v.expected_error, err.message)
          for (const [k, want] of Object.entries(v.expected_details ?? {})) {
            assert.deepStrictEqual(err.details[k], want, `details.${k}`)
          }
        }
      })
    }
  })
}

test('vector files were found and run', () => {
  assert.ok(files.length > 0, 'no vector files')
  assert.ok(total > 0, 'no vectors')
})
