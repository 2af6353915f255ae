// Server-side reconciliation: DeviceRegistry and Reconciler, end to end with offline devices.
// Runs against both packages; the report must equal the conformance op `offline.reconcile`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, throwsCode, eur, conformance as oracle } from './adapter.mjs'

const FESTIVAL = '67e55044-10b1-426f-9247-bb680e5fe0c8'
const WALLET = '00000000-0000-4000-8000-0000000000a1'
const WALLET2 = '00000000-0000-4000-8000-0000000000a2'
const STAND = '00000000-0000-4000-8000-0000000000b1'
const ZONE = '00000000-0000-4000-8000-0000000000c1'
const TICKET = '00000000-0000-4000-8000-0000000000e1'
const POS1 = '00000000-0000-4000-8000-0000000000d1'
const POS2 = '00000000-0000-4000-8000-0000000000d2'
const GATE = '00000000-0000-4000-8000-0000000000d3'
const EPOCH = '1970-01-01T00:00:00.000Z'
const T0 = Date.parse('2026-07-01T12:00:00Z')
const NOW = new Date(T0 + 60_000)
const seed = (n) => new Uint8Array(32).fill(n)
const rid = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
const hex = (b) => Buffer.from(b).toString('hex')
const at = (ms) => new Date(T0 + ms)

const entry = (deviceId, n, role, locations) => ({
  deviceId, publicKey: fc.publicKeyFromSeed(seed(n)), festivalId: FESTIVAL, role, locations,
  validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z',
})
const ENTRIES = [entry(POS1, 1, 'pos', [STAND]), entry(POS2, 2, 'pos', [STAND]), entry(GATE, 3, 'gate', [ZONE])]
const registry = () => new fc.DeviceRegistry(ENTRIES)
const OPENING = { [WALLET]: '10.00', [WALLET2]: '5.00' }

/** A reconciler whose wallets start like the conformance op's: one top-up (entry id = wallet id) at the epoch. */
function reconciler(opening = OPENING) {
  const r = new fc.Reconciler({ festivalId: FESTIVAL, currency: 'EUR' })
  for (const [id, amount] of Object.entries(opening)) {
    const w = new fc.Wallet({ id, festivalId: FESTIVAL, currency: 'EUR' })
    w.topUp(id, EPOCH, eur(amount))
    r.addWallet(w)
  }
  r.setTicket(TICKET, {})
  return r
}

/** Two POS devices sell offline from the same 10 EUR wallet (8 + 8), plus a gate's scans. */
function offlineDay() {
  const pos = (n, deviceId) => {
    const log = new fc.DeviceLog(new fc.DeviceSigner(seed(n), deviceId, FESTIVAL), 'EUR',
      { perPayment: eur('50'), perWalletOffline: eur('50'), maxStoredValue: eur('500'), maxQueuedRecords: 100 })
    log.setSyncedBalances({ [WALLET]: eur('10'), [WALLET2]: eur('5') })
    return log
  }
  const a = pos(1, POS1)
  const b = pos(2, POS2)
  a.pay(rid(101), at(1000), WALLET, eur('8'), STAND, [{ productId: rid(900), quantity: 2, unitPrice: eur('4') }])
  b.pay(rid(201), at(2000), WALLET, eur('8'), STAND, [])
  b.pay(rid(202), at(3000), WALLET2, eur('2.50'), STAND, [])
  const gate = new fc.DeviceSigner(seed(3), GATE, FESTIVAL)
  const s1 = gate.sign(rid(301), at(500), { kind: 'scan', ticketId: TICKET, zoneId: ZONE, direction: 'in' })
  const s2 = gate.sign(rid(302), at(600), { kind: 'scan', ticketId: TICKET, zoneId: ZONE, direction: 'in' })
  return { a: a.exportBatch(), b: b.exportBatch(), gate: fc.encodeBatch([s1.bytes, s2.bytes]), posA: a, posB: b }
}

const camel = (v) => {
  if (Array.isArray(v)) return v.map(camel)
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), camel(x)]))
  }
  return v
}

function conformance(batches, policy, tickets = { [TICKET]: { inside: false, revoked: false } }) {
  const input = {
    festival_id: FESTIVAL, currency: 'EUR', wallets: OPENING, tickets,
    devices: ENTRIES.map((e) => ({
      device_id: e.deviceId, public_key: hex(e.publicKey), festival_id: FESTIVAL, role: e.role, locations: e.locations,
      valid_from: e.validFrom, valid_until: e.validUntil,
    })),
    batches: batches.map(hex), now: NOW.toISOString(), policy,
  }
  return JSON.parse(oracle.conformanceExecute('offline.reconcile', JSON.stringify(input)))
}

test('DeviceRegistry: entries, get, hostile entries', () => {
  const reg = registry()
  const entries = reg.entries()
  assert.deepEqual(entries.map((e) => e.deviceId), [POS1, POS2, GATE])
  assert.equal(entries[0].publicKey, hex(fc.publicKeyFromSeed(seed(1))))
  assert.equal(entries[0].validFrom, '2026-01-01T00:00:00.000Z')
  assert.equal(reg.get(GATE).role, 'gate')
  assert.equal(reg.get(rid(5)), null)
  throwsCode(assert, () => reg.get('nope'), 'INPUT_INVALID')
  throwsCode(assert, () => new fc.DeviceRegistry([ENTRIES[0], ENTRIES[0]]), 'RECONCILE_INVALID_STATE')
  throwsCode(assert, () => new fc.DeviceRegistry([{ ...ENTRIES[0], publicKey: new Uint8Array(32) }]), 'OFFLINE_INVALID_KEY')
  for (const bad of [null, 'x', {}, [{}], [{ ...ENTRIES[0], role: 'boss' }], [{ ...ENTRIES[0], publicKey: new Uint8Array(31) }],
    [{ ...ENTRIES[0], deviceId: 'x' }], [{ ...ENTRIES[0], validFrom: NaN }]]) {
    throwsCode(assert, () => new fc.DeviceRegistry(bad), 'INPUT_INVALID')
  }
  assert.deepEqual(new fc.DeviceRegistry([]).entries(), [])
})

test('reconcile: two offline devices, any order, duplicates -> identical reports (first_wins)', () => {
  const { a, b, gate } = offlineDay()
  const orders = [[a, b, gate], [gate, b, a], [b, a, gate, a, b], [a, a, gate, gate, b]]
  const reports = orders.map((batches) => reconciler().reconcile(registry(), batches, NOW, { policy: 'first_wins' }))
  for (const r of reports.slice(1)) assert.deepEqual(r.toJSON(), reports[0].toJSON())
  const r = reports[0]
  assert.deepEqual(r.counts, { accepted: 3, duplicate: 0, rejected: 0, conflict: 2, pending: 0 })
  assert.deepEqual(r.balances[WALLET].total, eur('2.00'))
  assert.deepEqual(r.balances[WALLET2].total, eur('2.50'))
  assert.deepEqual(r.alerts.map((x) => x.kind).sort(), ['double_admission', 'double_spend'])
  const spend = r.alerts.find((x) => x.kind === 'double_spend')
  assert.deepEqual(spend, { kind: 'double_spend', walletId: WALLET, recordId: rid(201), deviceId: POS2, shortfall: '6.00' })
  const lost = r.records.find((x) => x.recordId === rid(201))
  assert.equal(lost.status, 'conflict')
  assert.equal(lost.resolution, 'rejected_later')
  assert.equal(lost.reason, 'RECONCILE_DOUBLE_SPEND')
  assert.equal(lost.sequence, '1')
  assert.deepEqual(r.totals, { topUps: eur('0.00'), payments: eur('10.50'), refunds: eur('0.00') })
  assert.deepEqual(r.debts, {})
  assert.deepEqual(r.blockedWallets, [])
})

test('reconcile equals the conformance op offline.reconcile for every policy', () => {
  const { a, b, gate } = offlineDay()
  for (const policy of ['first_wins', 'accept_with_debt', 'reject']) {
    const rec = reconciler()
    const report = rec.reconcile(registry(), [b, gate, a], NOW, { policy })
    const conf = conformance([b, gate, a], policy)
    const expected = camel(conf.report)
    assert.deepEqual(report.toJSON(), expected, policy)
    assert.deepEqual(JSON.parse(JSON.stringify(report)), expected, policy)
    for (const k of Object.keys(expected)) assert.deepEqual(report[k], expected[k], `${policy}: ${k}`)
    assert.deepEqual(rec.tickets(), camel(conf.tickets))
    assert.deepEqual(rec.chains(), camel(conf.chains))
  }
})

test('ReconcileReport: getters, lazy records kept once built, recordAt, toJSON', () => {
  const { a, b, gate } = offlineDay()
  const report = reconciler().reconcile(registry(), [a, b, gate], NOW, { policy: 'accept_with_debt' })
  assert.ok(report instanceof fc.ReconcileReport)
  const plain = report.toJSON()
  assert.deepEqual(Object.keys(plain).sort(),
    ['alerts', 'balances', 'blockedWallets', 'counts', 'debts', 'finalized', 'pendingTotal', 'records', 'revisions', 'totals'])
  // Before records are built: the count and single outcomes.
  assert.equal(report.recordCount, 5)
  assert.equal(report.recordCount, plain.records.length)
  for (let i = 0; i < report.recordCount; i++) assert.deepEqual(report.recordAt(i), plain.records[i])
  assert.equal(report.recordAt(report.recordCount), null)
  assert.equal(report.recordAt(2 ** 40), null)
  for (const bad of [-1, 1.5, NaN, '0', null]) throwsCode(assert, () => report.recordAt(bad), 'INPUT_INVALID')
  // The parts, each equal to the plain object's.
  assert.deepEqual(report.counts, plain.counts)
  assert.deepEqual(report.alerts, plain.alerts)
  assert.deepEqual(report.balances, plain.balances)
  assert.deepEqual(report.debts, { [WALLET]: eur('6.00') })
  assert.deepEqual(report.blockedWallets, [WALLET])
  assert.deepEqual(report.totals, plain.totals)
  // records: built on first read, the same array afterwards.
  const records = report.records
  assert.deepEqual(records, plain.records)
  assert.equal(report.records, records)
  assert.equal(JSON.stringify(report), JSON.stringify(plain))
  // The report does not change when the reconciler moves on.
  const rec = reconciler()
  const first = rec.reconcile(registry(), [a], NOW)
  rec.reconcile(registry(), [b, gate], NOW)
  assert.deepEqual(first.counts, { accepted: 1, duplicate: 0, rejected: 0, conflict: 0, pending: 0 })
  assert.equal(first.recordCount, 1)
  report.free?.()
})

test('conflict policies: accept_with_debt blocks the wallet with a debt; reject rejects all', () => {
  const { a, b, gate } = offlineDay()
  const debt = reconciler().reconcile(registry(), [a, b, gate], NOW, { policy: 'accept_with_debt' })
  assert.deepEqual(debt.debts, { [WALLET]: eur('6.00') })
  assert.deepEqual(debt.blockedWallets, [WALLET])
  assert.deepEqual(debt.balances[WALLET].total, eur('-6.00'))
  assert.equal(debt.records.find((x) => x.recordId === rid(201)).resolution, 'accepted_with_debt')
  assert.equal(debt.records.find((x) => x.recordId === rid(302)).resolution, 'accepted_flagged')
  const rej = reconciler().reconcile(registry(), [a, b, gate], NOW, { policy: 'reject' })
  const mine = rej.records.filter((x) => x.recordId === rid(101) || x.recordId === rid(201))
  assert.deepEqual(mine.map((x) => x.resolution), ['rejected_all', 'rejected_all'])
  assert.deepEqual(rej.balances[WALLET].total, eur('10.00'))
})

test('streaming: the state carries over between calls, replays change nothing, serialize round-trips', () => {
  const { a, b, gate, posA } = offlineDay()
  const rec = reconciler()
  const reg = registry()
  const first = rec.reconcile(reg, [a], NOW)
  assert.deepEqual(first.counts, { accepted: 1, duplicate: 0, rejected: 0, conflict: 0, pending: 0 })
  const saved = rec.serialize()
  assert.equal(typeof saved, 'string')
  const copy = fc.Reconciler.deserialize(saved)
  const second = rec.reconcile(reg, [b, gate, a], NOW)
  assert.deepEqual(copy.reconcile(reg, [gate, a, b], NOW).toJSON(), second.toJSON())
  assert.equal(second.counts.duplicate, 1)
  assert.deepEqual(rec.balances(), second.balances)
  assert.deepEqual(rec.totalBalance(), eur('4.50'))
  assert.equal(rec.chains()[POS1].lastSequence, '1')
  assert.deepEqual(rec.tickets()[TICKET], { inside: true, revoked: false })
  const before = rec.serialize()
  const replay = rec.reconcile(reg, [a, b, gate], NOW)
  assert.deepEqual(replay.counts, { accepted: 0, duplicate: 5, rejected: 0, conflict: 0, pending: 0 })
  assert.equal(rec.serialize(), before)
  // The device drops what the server judged and keeps exporting the rest.
  posA.acknowledge(1n)
  assert.equal(posA.queued(), 0)
  // A wallet can be taken out of the state again.
  const w = fc.Wallet.deserialize(rec.wallet(WALLET))
  assert.deepEqual(w.balances().total, eur('2.00'))
  assert.equal(rec.wallet(rid(77)), null)
})

test('separate syncs in any order reach the state of one call; revisions say what changed', () => {
  const { a, b, gate } = offlineDay()
  const reg = registry()
  const one = reconciler()
  one.reconcile(reg, [a, b, gate], NOW)
  // POS2 syncs first: its 8.00 is accepted, until POS1's earlier 8.00 arrives an hour later.
  const rec = reconciler()
  const first = rec.reconcile(reg, [b], NOW)
  assert.equal(first.records.find((x) => x.recordId === rid(201)).status, 'accepted')
  assert.deepEqual(first.revisions, [])
  const second = rec.reconcile(reg, [gate, a], new Date(NOW.getTime() + 3_600_000))
  const rev = second.revisions.find((x) => x.recordId === rid(201))
  assert.equal(rev.walletId, WALLET)
  assert.deepEqual(rev.before, { status: 'accepted' })
  assert.equal(rev.after.status, 'conflict')
  assert.equal(rev.after.resolution, 'rejected_later')
  assert.deepEqual(rev.moneyEffect, eur('8.00'))
  assert.deepEqual(rec.outcomes(), one.outcomes())
  assert.deepEqual(rec.balances(), one.balances())
  assert.equal(rec.outcome(rid(201)).status, 'conflict')
  assert.equal(rec.outcome(rid(999)), null)
  assert.equal(rec.watermark(), null)
  throwsCode(assert, () => rec.outcome('x'), 'INPUT_INVALID')
})

test('compactLedgers folds final wallet entries and keeps every balance and outcome', () => {
  const { a, b } = offlineDay()
  const run = (compactLedgers) => {
    const rec = reconciler()
    const report = rec.reconcile(registry(), [a, b], NOW, { finality: { maxOfflineMs: 0, compactLedgers } })
    return { rec, report }
  }
  const full = run(false)
  const small = run(true)
  assert.deepEqual(small.report.toJSON(), full.report.toJSON())
  assert.deepEqual(small.rec.balances(), full.rec.balances())
  const whole = fc.Wallet.deserialize(full.rec.wallet(WALLET))
  const folded = fc.Wallet.deserialize(small.rec.wallet(WALLET))
  assert.ok(whole.ledger().length > 0)
  assert.deepEqual(folded.ledger(), [])
  assert.deepEqual(folded.balances(), whole.balances())
  assert.deepEqual(folded.totals(), whole.totals())
  const saved = JSON.parse(small.rec.serialize())
  assert.equal(saved.format_version, 5)
  assert.equal(saved.wallets[WALLET].base.entries, String(whole.ledger().length))
  assert.deepEqual(fc.Reconciler.deserialize(small.rec.serialize()).balances(), full.rec.balances())
  throwsCode(assert, () => small.rec.reconcile(registry(), [], NOW, { finality: { compactLedgers: 'yes' } }), 'INPUT_INVALID')
})

test('pending records wait, finality is explicit, an operator can declare a gap lost', () => {
  const { a } = offlineDay()
  const rec = reconciler()
  // POS1 is not registered yet: its payment waits in the state, and is applied once it is.
  const waiting = rec.reconcile(new fc.DeviceRegistry(ENTRIES.slice(1)), [a], NOW)
  assert.equal(waiting.counts.pending, 1)
  assert.equal(waiting.pendingTotal, 1)
  assert.deepEqual(rec.pending().map((x) => [x.status, x.reason, x.sequence]), [['pending', 'OFFLINE_UNKNOWN_DEVICE', '1']])
  const applied = rec.reconcile(registry(), [], NOW)
  assert.equal(applied.counts.accepted, 1)
  assert.deepEqual(rec.pending(), [])
  assert.deepEqual(rec.balances()[WALLET].total, eur('2.00'))
  // Finality: with a 10 s offline window, everything before now - 10 s is final and leaves the log.
  const fin = rec.reconcile(registry(), [], NOW, { finality: { maxOfflineMs: 10_000 } })
  assert.equal(fin.watermark, new Date(NOW.getTime() - 10_000).toISOString())
  assert.equal(fin.finalized, 1)
  assert.equal(rec.watermark(), fin.watermark)
  assert.deepEqual(rec.outcomes(), [])
  // An operator declares POS2's first three records lost: a recorded decision.
  const lost = rec.declareLost(POS2, 3, 'tablet reset', NOW)
  assert.deepEqual(lost, { from: '1', through: '3', reason: 'tablet reset', decidedAt: NOW.toISOString() })
  assert.deepEqual(rec.chains()[POS2].lost, [lost])
  throwsCode(assert, () => rec.declareLost(POS2, '2', 'again', NOW), 'RECONCILE_INVALID_STATE')
  // POS1 is reported stolen: revoked by sequence, its later records fail whatever their dates.
  const cut = rec.revokeDevice(POS1, 'reported stolen', NOW)
  assert.deepEqual(cut, { sequence: '1', reason: 'reported stolen', revokedAt: NOW.toISOString() })
  assert.deepEqual(rec.chains()[POS1].revokedAfter, cut)
  throwsCode(assert, () => rec.revokeDevice(POS1, 'again', NOW), 'RECONCILE_INVALID_STATE')
  throwsCode(assert, () => rec.revokeDevice('x', 'r', NOW), 'INPUT_INVALID')
  const { posA } = offlineDay()
  posA.pay(rid(103), at(1500), WALLET2, eur('1'), STAND, []) // backdated, after the revocation
  const stolen = rec.reconcile(registry(), [posA.exportBatch()], NOW)
  assert.deepEqual(stolen.records.filter((x) => x.sequence === '2').map((x) => x.reason), ['OFFLINE_DEVICE_REVOKED'])
  assert.deepEqual(stolen.alerts.map((x) => x.kind), ['revoked_device_used'])
  assert.deepEqual(rec.balances()[WALLET2].total, eur('5.00'))
  for (const bad of [-1, 1.5, 'x', null]) throwsCode(assert, () => rec.declareLost(POS2, bad, 'r', NOW), 'INPUT_INVALID')
  for (const bad of [{ finality: { maxOfflineMs: -1 } }, { finality: { everyone: true } }, { finality: 3 }]) {
    throwsCode(assert, () => rec.reconcile(registry(), [], NOW, bad), 'INPUT_INVALID')
  }
})

test('trust: server acknowledgements anchor device time; allowances bound the offline exposure', () => {
  const SERVER_SEED = seed(0x5e)
  const serverKey = fc.publicKeyFromSeed(SERVER_SEED)
  const rec = reconciler()
  const limits = { perPayment: eur('50'), perWalletOffline: eur('50'), maxStoredValue: eur('500'), maxQueuedRecords: 100 }
  const pos = (n, deviceId) => {
    const log = new fc.DeviceLog(new fc.DeviceSigner(seed(n), deviceId, FESTIVAL), 'EUR', limits)
    log.setSyncedBalances({ [WALLET]: eur('10'), [WALLET2]: eur('5') })
    return log
  }
  const a = pos(1, POS1)
  // Allowances: 6.00 per wallet on each POS; a device with one installed refuses what none covers.
  const allowance = {
    allowanceId: rid(700), festivalId: FESTIVAL, walletId: null, devices: [POS1, POS2].sort(),
    amount: eur('6'), validFrom: at(0), validUntil: at(86_400_000),
  }
  const signed = rec.issueAllowance(allowance, SERVER_SEED)
  assert.ok(signed instanceof Uint8Array)
  assert.equal(a.allowanceRemaining(WALLET, at(10)), null)
  a.installAllowance(signed, serverKey)
  assert.deepEqual(a.allowanceRemaining(WALLET, at(10)), eur('6.00'))
  throwsCode(assert, () => a.pay(rid(110), at(1000), WALLET, eur('7'), STAND, []), 'DEVICE_ALLOWANCE_EXCEEDED')
  throwsCode(assert, () => a.installAllowance(signed, fc.publicKeyFromSeed(seed(9))), 'OFFLINE_BAD_SIGNATURE')
  a.pay(rid(111), at(1000), WALLET, eur('5'), STAND, [])
  rec.reconcile(registry(), [a.exportBatch()], at(5000))
  // The server acknowledges; the device checks the acknowledgement and anchors later records.
  const ack = rec.acknowledge(registry(), POS1, at(5000), SERVER_SEED)
  throwsCode(assert, () => a.acceptAck(ack, fc.publicKeyFromSeed(seed(9)), at(5000)), 'OFFLINE_BAD_SIGNATURE')
  assert.equal(a.acceptAck(ack, serverKey, at(5000)), true)
  assert.equal(a.queued(), 0)
  assert.deepEqual(rec.chains()[POS1].acks, [{ serverTime: at(5000).toISOString(), sequence: '1' }])
  // A clock two seconds slow: the record is dated at the acknowledgement, and carries it.
  const late = a.pay(rid(112), at(3000), WALLET, eur('1'), STAND, [])
  assert.equal(late.record.deviceTime, at(5000).toISOString())
  assert.deepEqual(late.record.anchor, { sequence: '1', serverTime: at(5000).toISOString() })
  // A thief with the key dates a record before the acknowledgement it references.
  const forged = fc.signRecord(seed(1), { ...late.record, recordId: rid(113), sequence: 3, prevHash: late.hash, deviceTime: at(4000), hlc: { physicalMs: T0 + 9000, logical: 0 } })
  const r = rec.reconcile(registry(), [fc.encodeBatch([late.bytes, forged.bytes])], at(9000))
  assert.deepEqual(r.records.map((x) => x.reason ?? x.status), ['accepted', 'OFFLINE_BACKDATED'])
  assert.deepEqual(r.alerts.map((x) => x.kind), ['tampered_log'])
  // Exposure: wallet 1 spent 6.00 on POS1; POS2 may still spend 6.00 against a balance of 4.00.
  const exposure = rec.exposure('accept_with_debt')
  const w = exposure.wallets.find((x) => x.walletId === WALLET)
  assert.deepEqual([w.offlineSpent, w.openAllowance, w.loss, w.maxLoss], [eur('6.00'), eur('6.00'), eur('0.00'), eur('2.00')])
  assert.deepEqual(exposure.totalUncovered, eur('0.00'), 'the forged record was rejected, so it used no allowance')
  throwsCode(assert, () => rec.exposure('sometimes'), 'INPUT_INVALID')
  throwsCode(assert, () => rec.issueAllowance({ ...allowance, devices: [] }, SERVER_SEED), 'OFFLINE_MALFORMED')
  throwsCode(assert, () => rec.issueAllowance({ ...allowance, colour: 'red' }, SERVER_SEED), 'INPUT_INVALID')
  throwsCode(assert, () => rec.acknowledge(registry(), POS1, at(1000), SERVER_SEED), 'RECONCILE_INVALID_STATE')
  // The bounded after-cut policy: a revoked device's records pass up to the bound.
  rec.revokeDevice(POS2, 'stolen', at(10_000))
  const b = pos(2, POS2)
  b.pay(rid(201), at(6000), WALLET2, eur('1'), STAND, [])
  b.pay(rid(202), at(6001), WALLET2, eur('1'), STAND, [])
  const afterCut = { policy: 'accept_up_to', amount: eur('1.00') }
  const bounded = rec.reconcile(registry(), [b.exportBatch()], at(20_000), { chain: { maxFutureSkewMs: 300000, maxHlcSkewMs: 3600000, afterCut } })
  assert.deepEqual(bounded.records.map((x) => x.reason ?? x.status), ['accepted', 'OFFLINE_DEVICE_REVOKED'])
  assert.deepEqual(bounded.alerts.map((x) => x.kind), ['revoked_device_used', 'revoked_device_used'])
  assert.deepEqual(rec.chains()[POS2].revokedAfter.accepted, eur('1.00'))
  throwsCode(assert, () => rec.acknowledge(registry(), POS2, at(20_000), SERVER_SEED), 'OFFLINE_DEVICE_REVOKED')
  // The device state keeps its anchor and allowances across a restart.
  const back = fc.DeviceLog.restore(seed(1), a.snapshot())
  assert.deepEqual(back.allowanceRemaining(WALLET, at(7000)), eur('0.00'))
})

test('tickets: revoked tickets and the server-side admission state', () => {
  const { gate } = offlineDay()
  const rec = reconciler()
  rec.setTicket(TICKET, { revoked: true })
  const r = rec.reconcile(registry(), [gate], NOW)
  assert.deepEqual(r.records.map((x) => x.reason), ['RECONCILE_TICKET_REVOKED', 'RECONCILE_TICKET_REVOKED'])
  assert.deepEqual(r.toJSON(), camel(conformance([gate], 'first_wins', { [TICKET]: { inside: false, revoked: true } }).report))
  throwsCode(assert, () => rec.setTicket('x', {}), 'INPUT_INVALID')
  throwsCode(assert, () => rec.setTicket(TICKET, { inside: 1 }), 'INPUT_INVALID')
  throwsCode(assert, () => rec.setTicket(TICKET, { open: true }), 'INPUT_INVALID')
})

test('hostile batches are reported, never thrown; wrong types are INPUT_INVALID', () => {
  const { a, b } = offlineDay()
  const reg = registry()
  const truncated = a.subarray(0, a.length - 3)
  const flipped = Uint8Array.from(b)
  flipped[flipped.length - 1] ^= 1 // last signature byte of the last record
  const r = reconciler().reconcile(reg, [truncated, flipped, new Uint8Array(0)], NOW)
  assert.equal(r.counts.accepted, 1) // b's first payment; its second record's signature is broken
  const reasons = r.records.map((x) => `${x.status}:${x.reason ?? ''}`).sort()
  assert.deepEqual(reasons, ['accepted:', 'rejected:OFFLINE_BAD_SIGNATURE', 'rejected:OFFLINE_MALFORMED', 'rejected:OFFLINE_MALFORMED'])
  assert.ok(r.alerts.every((x) => x.kind === 'tampered_log'))
  // Every cut of a batch is either a report entry or nothing: never an exception.
  for (let cut = 0; cut < a.length; cut += 7) {
    const rr = reconciler().reconcile(reg, [a.subarray(0, cut)], NOW)
    assert.deepEqual(rr.counts, { accepted: 0, duplicate: 0, rejected: 1, conflict: 0, pending: 0 })
  }
  const rec = reconciler()
  for (const bad of [null, a, 'batches', [a, 'x'], [a, [1, 2, 3]], [new Uint16Array(4)], [{}]]) {
    throwsCode(assert, () => rec.reconcile(reg, bad, NOW), 'INPUT_INVALID')
  }
  for (const bad of [NaN, Infinity, 1e400, 'later', new Date(NaN), null]) {
    throwsCode(assert, () => rec.reconcile(reg, [a], bad), 'INPUT_INVALID')
  }
  for (const bad of ['first_wins', { policy: 'random' }, { policy: 'reject', extra: 1 }, { chain: { maxFutureSkewMs: 1.5, maxHlcSkewMs: 1 } },
    { chain: { maxFutureSkewMs: 2n ** 64n, maxHlcSkewMs: 1 } }]) {
    throwsCode(assert, () => rec.reconcile(reg, [a], NOW, bad), 'INPUT_INVALID')
  }
  assert.throws(() => rec.reconcile({}, [a], NOW), (e) => e instanceof Error)
  // Nothing of the above changed the state.
  assert.deepEqual(rec.balances()[WALLET].total, eur('10.00'))
  assert.deepEqual(rec.chains(), {})
})

test('Reconciler: construction, wallets and state errors', () => {
  throwsCode(assert, () => new fc.Reconciler({ festivalId: 'x', currency: 'EUR' }), 'INPUT_INVALID')
  throwsCode(assert, () => new fc.Reconciler({ festivalId: FESTIVAL, currency: 'EURO' }), 'MONEY_UNKNOWN_CURRENCY')
  throwsCode(assert, () => new fc.Reconciler({ festivalId: FESTIVAL, currency: 'EUR', wallets: {} }), 'INPUT_INVALID')
  throwsCode(assert, () => new fc.Reconciler(null), 'INPUT_INVALID')
  for (const bad of ['{', '[]', '{"festival_id": 1}', 42, null]) {
    throwsCode(assert, () => fc.Reconciler.deserialize(bad), 'INPUT_INVALID')
  }
  // A tampered wallet ledger inside a saved state is caught by the replay.
  const saved = JSON.parse(reconciler().serialize())
  saved.wallets[WALLET].ledger[0].operation.amount.amount = '99.00'
  assert.throws(() => fc.Reconciler.deserialize(JSON.stringify(saved)), (e) => e instanceof Error && typeof e.code === 'string')
  const rec = reconciler()
  const usd = new fc.Wallet({ id: rid(5), festivalId: FESTIVAL, currency: 'USD' })
  throwsCode(assert, () => rec.addWallet(usd), 'RECONCILE_INVALID_STATE')
  const other = new fc.Wallet({ id: rid(6), festivalId: rid(7), currency: 'EUR' })
  throwsCode(assert, () => rec.addWallet(other), 'RECONCILE_INVALID_STATE')
  assert.throws(() => rec.addWallet({ id: rid(5) }), (e) => e instanceof Error)
  assert.deepEqual(Object.keys(rec.balances()).sort(), [WALLET, WALLET2])
  assert.deepEqual(rec.totalBalance(), eur('15.00'))
  throwsCode(assert, () => rec.wallet('nope'), 'INPUT_INVALID')
})
