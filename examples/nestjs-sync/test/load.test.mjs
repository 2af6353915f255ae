// Sustained sync rate and small-request latency under load (printed; BENCHMARKS.md has the numbers).
// E2E_LOAD_DEVICES / E2E_LOAD_RECORDS / E2E_LOAD_CONCURRENCY size it (defaults: CI-sized).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DB, bounded, expected, festival, freshDatabase, setUp, startService, syncBody } from './harness.mjs'

const DEVICES = Number(process.env.E2E_LOAD_DEVICES ?? 8)
const RECORDS = Number(process.env.E2E_LOAD_RECORDS ?? 150) // per device
const BATCH = Number(process.env.E2E_LOAD_BATCH ?? 25)
const CONCURRENCY = Number(process.env.E2E_LOAD_CONCURRENCY ?? 4)

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]

test(`[${DB}] load: sustained sync rate and p99 of GET /wallets/:id under it`, async () => {
  const f = festival({ devices: DEVICES, wallets: 50, paymentsPerDevice: RECORDS, batchSize: BATCH, seed: 99 })
  const svc = await startService(await freshDatabase())
  try {
    await setUp(svc, f)
    // In device order, so that batches chain (no pending), several devices at once.
    const byDevice = new Map()
    for (const b of f.batches) byDevice.set(b.deviceId, [...(byDevice.get(b.deviceId) ?? []), b])
    const lanes = [...byDevice.values()]
    const records = f.batches.reduce((n, b) => n + b.records, 0)
    let stop = false
    const latencies = []
    const reader = async () => {
      let i = 0
      while (!stop) {
        const w = f.walletIds[i++ % f.walletIds.length]
        const t0 = process.hrtime.bigint()
        const r = await svc.request('GET', `/wallets/${w}`)
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
        assert.equal(r.status, 200)
      }
    }
    const readers = [reader(), reader()]
    const t0 = process.hrtime.bigint()
    // CONCURRENCY device lanes at a time; each lane sends its batches in order.
    const results = await bounded(CONCURRENCY, lanes.map((lane) => async () => {
      for (const b of lane) {
        const r = await svc.request('POST', '/sync/batch', syncBody(b))
        assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300))
      }
    }))
    const secs = Number(process.hrtime.bigint() - t0) / 1e9
    stop = true
    await Promise.all(readers)
    for (const r of results) assert.ok(r.ok, String(r.e))
    latencies.sort((a, b) => a - b)
    const line = `BENCH nestjs-sync ${DB}: ${records} records in ${f.batches.length} batches (${DEVICES} devices, ${BATCH}/batch, ${CONCURRENCY} in flight): `
      + `${(records / secs).toFixed(0)} records/s sustained (${secs.toFixed(2)} s); GET /wallets/:id under load: `
      + `${latencies.length} requests, p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms`
    console.log(`# ${line}`)
    const want = expected(f)
    for (const w of f.walletIds) {
      assert.deepEqual((await svc.request('GET', `/wallets/${w}`)).body.balances.total, want.balances[w])
    }
  } finally {
    await svc.stop()
  }
})
