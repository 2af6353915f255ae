// End-to-end: the service as a child process, driven over HTTP like a festival. The same tests
// run against SQLite and PostgreSQL (E2E_DATABASE=sqlite|postgres, scripts/test.sh runs both).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import {
  DB, FESTIVAL, bounded, eur, expected, fc, festival, freshDatabase, rng, setUp, shuffle, startService, syncBody,
} from './harness.mjs'

const SEED = Number(process.env.E2E_SEED ?? 17)

async function balancesOf(svc, walletIds) {
  const out = {}
  for (const w of walletIds) {
    const r = await svc.request('GET', `/wallets/${w}`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    out[w] = r.body.balances.total
  }
  return out
}

test(`[${DB}] devices sync in random order, with duplicates and concurrent online traffic: the state equals one reconcile of everything`, async () => {
  const f = festival({ devices: 4, wallets: 8, paymentsPerDevice: 24, batchSize: 6, seed: SEED })
  const svc = await startService(await freshDatabase())
  try {
    await setUp(svc, f)
    const rand = rng(SEED)
    // Every batch once, a third of them twice, in random order, 6 requests in flight.
    const sends = shuffle(rand, [...f.batches, ...f.batches.filter(() => rand() < 0.33)])
    // Online-only wallets take top-ups at the same time (their expected balance is exact).
    const online = [randomUUID(), randomUUID()]
    for (const w of online) assert.equal((await svc.request('POST', '/wallets', { walletId: w })).status, 201)
    const onlineTasks = Array.from({ length: 20 }, (_, i) => () =>
      svc.request('POST', '/topups', { walletId: online[i % 2], entryId: randomUUID(), amount: '1.25' }))
    const syncTasks = sends.map((b) => () => svc.request('POST', '/sync/batch', syncBody(b, rand() < 0.5 ? 'base64' : 'hex')))
    const results = await bounded(6, shuffle(rand, [...syncTasks, ...onlineTasks]))
    for (const r of results) {
      assert.ok(r.ok, String(r.e))
      assert.ok(r.v.status === 200 || r.v.status === 201, JSON.stringify(r.v.body).slice(0, 500))
    }
    const want = expected(f)
    assert.deepEqual(await balancesOf(svc, f.walletIds), want.balances)
    assert.deepEqual(await balancesOf(svc, online), { [online[0]]: eur('12.50'), [online[1]]: eur('12.50') })
    // Nothing is left waiting, and the double spends were found.
    const settlement = (await svc.request('GET', '/reports/settlement')).body
    assert.equal(settlement.wallets, f.walletIds.length + 2)
    const total = Object.values(want.balances).reduce((a, b) => fc.addMoney(a, b), eur('25.00'))
    assert.deepEqual(settlement.totalBalance, total)
    assert.deepEqual(settlement.liability.total, total)
    assert.ok(want.counts.conflict > 0, 'the data set has double spends')
    assert.equal(want.counts.pending, 0)
  } finally {
    await svc.stop()
  }
})

test(`[${DB}] sync returns the report and a server-signed acknowledgement the device accepts`, async () => {
  const f = festival({ devices: 1, wallets: 2, paymentsPerDevice: 3, batchSize: 10, seed: SEED + 1 })
  const svc = await startService(await freshDatabase())
  try {
    await setUp(svc, f)
    const key = (await svc.request('GET', '/server-key')).body.publicKey
    const pos = f.logs[0]
    const fresh = new fc.DeviceLog(new fc.DeviceSigner(pos.seed, pos.deviceId, FESTIVAL), 'EUR',
      { perPayment: eur('50.00'), perWalletOffline: eur('100.00'), maxStoredValue: eur('1000.00'), maxQueuedRecords: 100 })
    fresh.setSyncedBalances({ [f.walletIds[0]]: eur('20.00') })
    fresh.pay(randomUUID(), new Date(), f.walletIds[0], eur('3.00'), f.stand, [])
    const sent = fresh.exportBatch()
    const r = await svc.request('POST', '/sync/batch', { deviceId: pos.deviceId, batch: Buffer.from(sent).toString('base64') })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual(r.body.counts, { accepted: 1, duplicate: 0, rejected: 0, conflict: 0, pending: 0 })
    assert.equal(r.body.records[0].status, 'accepted')
    assert.deepEqual(r.body.balances[f.walletIds[0]].total, eur('17.00'))
    assert.equal(r.body.ackError, null)
    assert.equal(fresh.acceptAck(new Uint8Array(Buffer.from(r.body.ack, 'base64')), new Uint8Array(Buffer.from(key, 'base64')), new Date()), true)
    assert.equal(fresh.queued(), 0)
    // The same batch again: the stored reply, nothing applied twice.
    const again = await svc.request('POST', '/sync/batch', { deviceId: pos.deviceId, batch: Buffer.from(sent).toString('hex'), encoding: 'hex' })
    assert.equal(again.status, 200)
    assert.equal(again.body.replayed, true)
    assert.deepEqual(again.body.counts, r.body.counts)
    assert.deepEqual((await svc.request('GET', `/wallets/${f.walletIds[0]}`)).body.balances.total, eur('17.00'))
  } finally {
    await svc.stop()
  }
})

test(`[${DB}] kill -9 in the middle of syncs and top-ups, restart, retry everything: nothing lost, nothing applied twice`, async () => {
  const f = festival({ devices: 3, wallets: 6, paymentsPerDevice: 30, batchSize: 5, seed: SEED + 2 })
  const db = await freshDatabase()
  let svc = await startService(db)
  const online = randomUUID()
  const topups = Array.from({ length: 30 }, () => ({ walletId: online, entryId: randomUUID(), amount: '0.50' }))
  try {
    await setUp(svc, f)
    assert.equal((await svc.request('POST', '/wallets', { walletId: online })).status, 201)
    const rand = rng(SEED + 2)
    const reqs = shuffle(rand, [
      ...f.batches.map((b) => ['/sync/batch', syncBody(b)]),
      ...topups.map((t) => ['/topups', t]),
    ])
    // Start the load, crash the service part-way through.
    const running = bounded(4, reqs.map(([p, body]) => () => svc.request('POST', p, body)))
    await new Promise((r) => setTimeout(r, 150 + Math.floor(rand() * 300)))
    const { signal } = await svc.kill9()
    assert.equal(signal, 'SIGKILL')
    const before = await running
    const answered = before.map((r) => r.ok && r.v.status < 300)
    const done = answered.filter(Boolean).length
    console.log(`# [${DB}] kill -9 after ${done} of ${reqs.length} requests had answered`)
    // Restart on the same database; the clients retry every request (they cannot know which
    // ones were committed), in another order.
    svc = await startService(db)
    const order = shuffle(rand, reqs.map((_, i) => i))
    const retry = new Array(reqs.length)
    await bounded(4, order.map((i) => async () => { retry[i] = await svc.request('POST', reqs[i][0], reqs[i][1]) }))
    let replayed = 0
    for (let i = 0; i < reqs.length; i++) {
      const r = retry[i]
      assert.ok(r.status < 300, JSON.stringify(r.body).slice(0, 400))
      if (r.body.replayed) replayed++
      // An answered request was committed: its retry is the same reply, marked as a replay.
      if (answered[i]) assert.deepEqual(r.body, { ...before[i].v.body, replayed: true })
    }
    // Committed but not answered (the crash came between the commit and the reply) replays too.
    assert.ok(replayed >= done, `${replayed} replays, ${done} answered before the crash`)
    const want = expected(f)
    assert.deepEqual(await balancesOf(svc, f.walletIds), want.balances)
    assert.deepEqual(await balancesOf(svc, [online]), { [online]: eur('15.00') }, '30 top-ups of 0.50, each exactly once')
    // Every record has its final outcome: one more pass of every batch is all duplicates.
    let dup = 0, other = 0
    for (const b of f.batches) {
      const r = await svc.request('POST', '/sync/batch', syncBody(b), { 'idempotency-key': randomUUID() })
      assert.equal(r.status, 200)
      dup += r.body.counts.duplicate
      other += r.body.counts.accepted + r.body.counts.conflict + r.body.counts.pending
    }
    assert.equal(other, 0)
    assert.equal(dup, f.records.size)
    // And a clean restart reads the same state again.
    await svc.stop()
    svc = await startService(db)
    assert.deepEqual(await balancesOf(svc, f.walletIds), want.balances)
  } finally {
    await svc.stop()
  }
})

test(`[${DB}] bad input gets clear codes, never a 500`, async () => {
  const f = festival({ devices: 1, wallets: 1, paymentsPerDevice: 4, batchSize: 10, seed: SEED + 3 })
  const svc = await startService(await freshDatabase())
  try {
    await setUp(svc, f)
    const [w] = f.walletIds
    const good = f.batches[0]
    const b64 = Buffer.from(good.bytes).toString('base64')
    const truncated = Buffer.from(good.bytes.slice(0, good.bytes.length - 7)).toString('base64')
    const stand = f.stand
    const cases = [
      ['POST', '/sync/batch', '{"deviceId": "x", "batch": ', 400, 'INPUT_INVALID'],
      ['POST', '/sync/batch', 'null', 400, 'INPUT_INVALID'],
      ['POST', '/sync/batch', [1, 2], 400, 'INPUT_INVALID'],
      ['POST', '/sync/batch', { deviceId: good.deviceId, batch: truncated }, 400, 'OFFLINE_MALFORMED'],
      ['POST', '/sync/batch', { deviceId: good.deviceId, batch: 'AAAA' }, 400, 'OFFLINE_MALFORMED'],
      ['POST', '/sync/batch', { deviceId: good.deviceId, batch: 'not base64!' }, 400, 'INPUT_INVALID'],
      ['POST', '/sync/batch', { deviceId: good.deviceId, batch: 'abc', encoding: 'hex' }, 400, 'INPUT_INVALID'],
      ['POST', '/sync/batch', { deviceId: good.deviceId, batch: b64, encoding: 'utf8' }, 400, 'INPUT_INVALID'],
      ['POST', '/sync/batch', { deviceId: good.deviceId, batch: [1, 2, 3] }, 400, 'INPUT_INVALID'],
      ['POST', '/sync/batch', { deviceId: 42, batch: b64 }, 400, 'INPUT_INVALID'],
      ['POST', '/sync/batch', { batch: b64 }, 400, 'INPUT_INVALID'],
      ['POST', '/topups', { walletId: w, entryId: randomUUID(), amount: 5 }, 400, 'INPUT_INVALID'],
      ['POST', '/topups', { walletId: w, entryId: randomUUID(), amount: '5.001' }, 400, 'MONEY_SCALE_EXCEEDED'],
      ['POST', '/topups', { walletId: w, entryId: randomUUID(), amount: '-5.00' }, 400, null],
      ['POST', '/topups', { walletId: w, entryId: randomUUID(), amount: '1e400' }, 400, null],
      ['POST', '/topups', { walletId: w, entryId: 'e1', amount: '5.00' }, 400, 'INPUT_INVALID'],
      ['POST', '/topups', { walletId: randomUUID(), entryId: randomUUID(), amount: '5.00' }, 404, 'RECONCILE_UNKNOWN_WALLET'],
      ['POST', '/topups', { walletId: w, entryId: randomUUID(), amount: '5.00', method: 'gold' }, 400, 'INPUT_INVALID'],
      ['POST', '/payments', { walletId: w, entryId: randomUUID(), amount: '999.00', standId: stand }, 422, 'WALLET_INSUFFICIENT_FUNDS'],
      ['POST', '/payments', { walletId: w, entryId: randomUUID(), items: 'beer', standId: stand }, 400, 'INPUT_INVALID'],
      ['POST', '/payments', { walletId: w, entryId: randomUUID(), items: [{ sku: 'beer', quantity: 1.5, unitPrice: eur('1.00') }], standId: stand }, 400, 'INPUT_INVALID'],
      ['POST', '/payments', { walletId: w, entryId: randomUUID(), amount: '1.00', standId: 7 }, 400, 'INPUT_INVALID'],
      ['POST', '/checkin', { ticketId: randomUUID() }, 404, 'TICKET_UNKNOWN'],
      ['POST', '/checkin', { ticketId: {} }, 400, 'INPUT_INVALID'],
      ['GET', '/wallets/not-a-uuid', undefined, 400, 'INPUT_INVALID'],
      ['GET', `/wallets/${randomUUID()}`, undefined, 404, 'RECONCILE_UNKNOWN_WALLET'],
      ['GET', '/nope', undefined, 404, 'HTTP_NOT_FOUND'],
      ['POST', '/devices', { deviceId: randomUUID(), publicKey: '00'.repeat(32), role: 'pos', locations: [stand] }, 400, 'OFFLINE_INVALID_KEY'],
      ['POST', '/devices', { deviceId: randomUUID(), publicKey: 'zz', role: 'boss', locations: [] }, 400, 'INPUT_INVALID'],
    ]
    for (const [method, p, body, status, code] of cases) {
      const r = await svc.request(method, p, body)
      const what = `${method} ${p} ${JSON.stringify(body)?.slice(0, 80)} -> ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`
      assert.equal(r.status, status, what)
      assert.equal(typeof r.body.code, 'string', what)
      assert.equal(typeof r.body.message, 'string', what)
      if (code) assert.equal(r.body.code, code, what)
      assert.ok(!JSON.stringify(r.body).includes('    at '), `no stack trace: ${what}`)
    }
    // Idempotency: the same entry id with another amount is refused, the same request replays.
    const entryId = randomUUID()
    const first = await svc.request('POST', '/topups', { walletId: w, entryId, amount: '2.00' })
    assert.equal(first.status, 201)
    const same = await svc.request('POST', '/topups', { walletId: w, entryId, amount: '2.00' })
    assert.deepEqual(same.body, { ...first.body, replayed: true })
    const other = await svc.request('POST', '/topups', { walletId: w, entryId, amount: '3.00' })
    assert.equal(other.status, 409)
    assert.equal(other.body.code, 'IDEMPOTENCY_KEY_REUSED')
    // Tickets: issue, check in online, the second check-in is the core's refusal.
    const typeId = randomUUID(), ticketId = randomUUID()
    const day = { id: typeId, name: 'Day', price: eur('50.00'), capacity: 100, saleFrom: '2000-01-01T00:00:00Z', saleUntil: '2100-01-01T00:00:00Z',
      validFrom: '2000-01-01T00:00:00Z', validUntil: '2100-01-01T00:00:00Z', maxPerOrder: 10, zones: [], reentryAllowed: false, transferLimit: 1 }
    assert.equal((await svc.request('POST', '/ticket-types', day)).status, 201)
    assert.equal((await svc.request('POST', '/tickets', { ticketTypeId: typeId, id: ticketId, number: 'A-1', holder: 'Ada' })).status, 201)
    const inside = await svc.request('POST', '/checkin', { ticketId })
    assert.equal(inside.status, 200)
    assert.equal(inside.body.ticket.state, 'checked_in')
    const twice = await svc.request('POST', '/checkin', { ticketId })
    assert.equal(twice.status, 422, JSON.stringify(twice.body))
    // The service is still healthy after all of it.
    assert.equal((await svc.request('GET', '/health')).status, 200)
  } finally {
    await svc.stop()
  }
})
