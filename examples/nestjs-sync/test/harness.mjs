// Test harness: starts the service as a child process on a free 127.0.0.1 port, against SQLite
// (a temp file) or PostgreSQL (a fresh database in E2E_PG_URL's cluster), and drives it over HTTP.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
export const fc = require('@festival-core/node')
const here = path.dirname(fileURLToPath(import.meta.url))
const MAIN = path.join(here, '..', 'dist', 'main.js')
export const DB = process.env.E2E_DATABASE ?? 'sqlite'
export const FESTIVAL = '67e55044-10b1-426f-9247-bb680e5fe0c8'
export const SERVER_SEED = '5e'.repeat(32)
export const eur = (amount) => ({ amount, currency: 'EUR' })

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** A fresh, empty database URL for one test. */
export async function freshDatabase() {
  if (DB === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'festival-e2e-'))
    return `sqlite:${path.join(dir, 'festival.sqlite')}`
  }
  const base = process.env.E2E_PG_URL
  if (!base) throw new Error('E2E_DATABASE=postgres needs E2E_PG_URL')
  const { Client } = require('pg')
  const name = `e2e_${randomUUID().replace(/-/g, '').slice(0, 16)}`
  const c = new Client({ connectionString: base })
  await c.connect()
  await c.query(`CREATE DATABASE ${name}`)
  await c.end()
  const u = new URL(base)
  u.pathname = `/${name}`
  return u.toString()
}

/** Starts the service; resolves once it listens. `kill9()` is a crash, `stop()` a clean exit. */
export async function startService(databaseUrl, extraEnv = {}) {
  const port = await freePort()
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', FESTIVAL_ID: FESTIVAL,
      FESTIVAL_SERVER_SEED: SERVER_SEED, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`service did not start in 30 s:\n${out}`)), 30_000)
    const check = () => {
      if (out.includes('festival sync service on')) { clearTimeout(t); resolve() }
    }
    child.stdout.on('data', check)
    child.once('exit', () => { clearTimeout(t); reject(new Error(`service exited at start:\n${out}`)) })
    check()
  })
  const url = `http://127.0.0.1:${port}`
  return {
    url, child, output: () => out, exited,
    kill9: async () => { child.kill('SIGKILL'); return exited },
    stop: async () => { child.kill('SIGTERM'); return exited },
    request: (method, p, body, headers = {}) => request(url, method, p, body, headers),
  }
}

/** One HTTP request; body: an object (JSON), a string (sent as is) or undefined. */
export async function request(url, method, p, body, headers = {}) {
  const init = { method, headers: { ...headers } }
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json'
    init.body = typeof body === 'string' ? body : JSON.stringify(body)
  }
  const res = await fetch(url + p, init)
  const text = await res.text()
  let json
  try { json = JSON.parse(text) } catch { json = { unparsed: text } }
  return { status: res.status, body: json }
}

/** Runs `tasks` (functions returning promises) with at most `limit` in flight; results in order. */
export async function bounded(limit, tasks) {
  const out = new Array(tasks.length)
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++
      out[i] = await tasks[i]().then((v) => ({ ok: true, v }), (e) => ({ ok: false, e }))
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  return out
}

/** A deterministic PRNG (mulberry32), so a failing run can be repeated with E2E_SEED. */
export function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
export function shuffle(rand, xs) {
  const a = [...xs]
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a
}

const seedOf = (n) => {
  const s = new Uint8Array(32)
  s[0] = n & 0xff; s[1] = (n >> 8) & 0xff; s[31] = 7
  return s
}

/**
 * A festival: `devices` POS devices (plus one top-up desk) and `wallets` wallets with an opening
 * online top-up each. Devices pay offline from the same wallets (double spends included) and
 * export several batches each. Everything the test needs to check the server is kept here.
 */
export function festival({ devices = 4, wallets = 10, paymentsPerDevice = 30, batchSize = 10, seed = 1 } = {}) {
  const rand = rng(seed)
  const stand = randomUUID()
  const walletIds = Array.from({ length: wallets }, () => randomUUID())
  const opening = Object.fromEntries(walletIds.map((w) => [w, '20.00']))
  const limits = { perPayment: eur('50.00'), perWalletOffline: eur('100.00'), maxStoredValue: eur('100000.00'), maxQueuedRecords: 100000 }
  const logs = []
  const entries = []
  for (let d = 0; d < devices + 1; d++) {
    const deviceId = randomUUID()
    const s = seedOf(seed * 100 + d)
    const role = d === devices ? 'top_up' : 'pos'
    entries.push({ deviceId, publicKey: Buffer.from(fc.publicKeyFromSeed(s)).toString('hex'), role, locations: [stand] })
    const log = new fc.DeviceLog(new fc.DeviceSigner(s, deviceId, FESTIVAL), 'EUR', limits)
    log.setSyncedBalances(Object.fromEntries(walletIds.map((w) => [w, eur(opening[w])])))
    logs.push({ deviceId, role, log, seed: s })
  }
  const records = new Map() // recordId -> { kind, walletId, amount }
  const batches = [] // { deviceId, bytes, records: n }
  for (const { deviceId, role, log } of logs) {
    let inBatch = 0
    let lastSeq = 0n
    const flush = () => {
      if (inBatch === 0) return
      batches.push({ deviceId, bytes: log.exportBatch(), records: inBatch })
      log.acknowledge(lastSeq) // exported: the next batch carries only newer records
      inBatch = 0
    }
    for (let i = 0; i < paymentsPerDevice; i++) {
      const walletId = walletIds[Math.floor(rand() * walletIds.length)]
      const recordId = randomUUID()
      const cents = 50 + Math.floor(rand() * 450)
      const amount = eur((cents / 100).toFixed(2))
      let signed
      try {
        signed = role === 'top_up'
          ? log.topUp(recordId, new Date(), walletId, amount)
          : log.pay(recordId, new Date(), walletId, amount, stand, [])
      } catch (e) {
        if (String(e.code).startsWith('DEVICE_')) continue // the device refuses: nothing signed
        throw e
      }
      records.set(recordId, { kind: role === 'top_up' ? 'top_up' : 'payment', walletId, amount })
      lastSeq = BigInt(signed.record.sequence)
      if (++inBatch >= batchSize) flush()
    }
    flush()
  }
  return { stand, walletIds, opening, entries, logs, records, batches }
}

/** Registers the devices and opens the wallets (online top-up of the opening balance). */
export async function setUp(svc, f) {
  for (const e of f.entries) {
    const r = await svc.request('POST', '/devices', e)
    if (r.status !== 201) throw new Error(`device: ${JSON.stringify(r)}`)
  }
  for (const w of f.walletIds) {
    let r = await svc.request('POST', '/wallets', { walletId: w })
    if (r.status !== 201) throw new Error(`wallet: ${JSON.stringify(r)}`)
    r = await svc.request('POST', '/topups', { walletId: w, entryId: randomUUID(), amount: f.opening[w] })
    if (r.status !== 201) throw new Error(`topup: ${JSON.stringify(r)}`)
  }
}

export const syncBody = (b, encoding = 'base64') => ({
  deviceId: b.deviceId, encoding, batch: Buffer.from(b.bytes).toString(encoding),
})

/**
 * What the server must hold after every batch arrived, by an independent route: one in-process
 * Reconciler fed every batch in one call (the core guarantees the same state for any order and
 * split), and balances = opening + accepted top-ups - accepted payments from ITS outcomes.
 */
export function expected(f, policy = 'first_wins') {
  const rec = new fc.Reconciler({ festivalId: FESTIVAL, currency: 'EUR' })
  for (const w of f.walletIds) {
    const wallet = new fc.Wallet({ id: w, festivalId: FESTIVAL, currency: 'EUR' })
    wallet.topUp(w, '2026-01-01T00:00:00Z', eur(f.opening[w]))
    rec.addWallet(wallet)
  }
  const registry = new fc.DeviceRegistry(f.entries.map((e) => ({ ...e, festivalId: FESTIVAL, validFrom: '2000-01-01T00:00:00Z', validUntil: '2100-01-01T00:00:00Z' })))
  const report = rec.reconcile(registry, f.batches.map((b) => b.bytes), new Date(), { policy })
  const balances = Object.fromEntries(f.walletIds.map((w) => [w, eur(f.opening[w])]))
  const outcomes = {}
  for (const o of report.records) {
    outcomes[o.recordId] = o.status
    const r = f.records.get(o.recordId)
    if (!r || o.status !== 'accepted') continue
    balances[r.walletId] = r.kind === 'top_up' ? fc.addMoney(balances[r.walletId], r.amount) : fc.subMoney(balances[r.walletId], r.amount)
  }
  return { balances, outcomes, counts: report.counts, recordsTotal: report.recordCount }
}
