// The offline device side: DeviceSigner, DeviceLog and the record codec (encodeRecord, signRecord,
// decodeRecord, decodeBatch, encodeBatch, verifyRecord). Runs against both packages.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, throwsCode, eur, conformance } from './adapter.mjs'

const FESTIVAL = '67e55044-10b1-426f-9247-bb680e5fe0c8'
const DEVICE = '00000000-0000-4000-8000-0000000000d1'
const WALLET = '00000000-0000-4000-8000-0000000000a1'
const STAND = '00000000-0000-4000-8000-0000000000b1'
const ZONE = '00000000-0000-4000-8000-0000000000c1'
const T0 = '2026-07-01T12:00:00.000Z'
const seed = (n) => new Uint8Array(32).fill(n)
const rid = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
const hex = (b) => Buffer.from(b).toString('hex')
const ZERO_HASH = '0'.repeat(64)
const limits = { perPayment: eur('20.00'), perWalletOffline: eur('30.00'), maxStoredValue: eur('100.00'), maxQueuedRecords: 10 }

function newLog(max = 10) {
  const log = new fc.DeviceLog(new fc.DeviceSigner(seed(4), DEVICE, FESTIVAL), 'EUR', { ...limits, maxQueuedRecords: max })
  log.setSyncedBalances({ [WALLET]: eur('50') })
  return log
}

test('DeviceSigner: identity, sign, chain, HLC', () => {
  const s = new fc.DeviceSigner(seed(4), DEVICE, FESTIVAL)
  assert.ok(s.publicKey() instanceof Uint8Array)
  assert.deepEqual([...s.publicKey()], [...fc.publicKeyFromSeed(seed(4))])
  assert.equal(s.deviceId(), DEVICE)
  assert.equal(s.nextSequence(), 1n)
  assert.equal(s.lastHash(), ZERO_HASH)
  assert.deepEqual(s.lastHlc(), { physicalMs: 0, logical: 0 })
  const scan = { kind: 'scan', ticketId: WALLET, zoneId: ZONE, direction: 'in' }
  const a = s.sign(rid(1), T0, scan)
  assert.ok(a.bytes instanceof Uint8Array)
  assert.ok(a.signature instanceof Uint8Array)
  assert.equal(a.signature.length, 64)
  assert.match(a.hash, /^[0-9a-f]{64}$/)
  assert.deepEqual(a.record, {
    recordId: rid(1), deviceId: DEVICE, festivalId: FESTIVAL, sequence: '1', prevHash: ZERO_HASH,
    deviceTime: T0, hlc: { physicalMs: Date.parse(T0), logical: 0 }, payload: scan,
  })
  assert.equal(s.nextSequence(), 2n)
  assert.equal(s.lastHash(), a.hash)
  // Same millisecond: the logical counter orders the records.
  const b = s.sign(rid(2), new Date(T0), scan)
  assert.equal(b.record.prevHash, a.hash)
  assert.deepEqual(b.record.hlc, { physicalMs: Date.parse(T0), logical: 1 })
  // A stamp from the future (another device) moves the clock forward.
  s.observe({ physicalMs: Date.parse(T0) + 5000, logical: 7 }, T0)
  assert.deepEqual(s.lastHlc(), { physicalMs: Date.parse(T0) + 5000, logical: 8 })
  // A failed sign does not consume a sequence.
  throwsCode(assert, () => s.sign(rid(3), T0, { kind: 'top_up', walletId: WALLET, amount: eur('0.00') }), 'OFFLINE_INVALID_AMOUNT')
  assert.equal(s.nextSequence(), 3n)
})

test('DeviceSigner.resume continues the chain exactly', () => {
  const s = new fc.DeviceSigner(seed(4), DEVICE, FESTIVAL)
  const scan = { kind: 'scan', ticketId: WALLET, zoneId: ZONE, direction: 'out' }
  s.sign(rid(1), T0, scan)
  const state = { nextSequence: s.nextSequence(), lastHash: s.lastHash(), lastHlc: s.lastHlc() }
  const copy = fc.DeviceSigner.resume(seed(4), DEVICE, FESTIVAL, state)
  const fromBytes = fc.DeviceSigner.resume(seed(4), DEVICE, FESTIVAL, { ...state, lastHash: Buffer.from(state.lastHash, 'hex'), nextSequence: 2 })
  const x = s.sign(rid(2), T0, scan)
  assert.deepEqual(copy.sign(rid(2), T0, scan), x)
  assert.deepEqual(fromBytes.sign(rid(2), T0, scan), x)
  for (const bad of [0n, -1n, 2n ** 64n, 1.5, NaN, Infinity, '2', null]) {
    throwsCode(assert, () => fc.DeviceSigner.resume(seed(4), DEVICE, FESTIVAL, { ...state, nextSequence: bad }), 'INPUT_INVALID')
  }
  throwsCode(assert, () => fc.DeviceSigner.resume(seed(4), DEVICE, FESTIVAL, { ...state, lastHash: 'ab' }), 'INPUT_INVALID')
  throwsCode(assert, () => fc.DeviceSigner.resume(seed(4), DEVICE, FESTIVAL, { ...state, extra: 1 }), 'INPUT_INVALID')
  throwsCode(assert, () => fc.DeviceSigner.resume(seed(4), DEVICE, FESTIVAL, { ...state, lastHlc: { physicalMs: 1e400, logical: 0 } }), 'INPUT_INVALID')
  throwsCode(assert, () => fc.DeviceSigner.resume(seed(4), DEVICE, FESTIVAL, { ...state, lastHlc: { physicalMs: -1, logical: 0 } }), 'INPUT_INVALID')
  throwsCode(assert, () => fc.DeviceSigner.resume(seed(4), DEVICE, FESTIVAL, 'state'), 'INPUT_INVALID')
})

test('DeviceSigner: hostile input is a coded error, never a crash', () => {
  for (const bad of [new Uint8Array(31), new Uint8Array(33), 'seed', 42, null, [1, 2, 3], new Uint16Array(32)]) {
    throwsCode(assert, () => new fc.DeviceSigner(bad, DEVICE, FESTIVAL), 'INPUT_INVALID')
  }
  for (const bad of ['not-a-uuid', '', 'x'.repeat(2_000_000), 12, null, -0, {}]) {
    throwsCode(assert, () => new fc.DeviceSigner(seed(1), bad, FESTIVAL), 'INPUT_INVALID')
    throwsCode(assert, () => new fc.DeviceSigner(seed(1), DEVICE, bad), 'INPUT_INVALID')
  }
  const s = new fc.DeviceSigner(seed(1), DEVICE, FESTIVAL)
  const scan = { kind: 'scan', ticketId: WALLET, zoneId: ZONE, direction: 'in' }
  for (const t of [NaN, Infinity, 1e400, 'yesterday', new Date(NaN), -0]) {
    throwsCode(assert, () => s.sign(rid(1), t, scan), 'INPUT_INVALID')
  }
  for (const p of [null, 'scan', { kind: 'teleport' }, { ...scan, direction: 'up' }, { ...scan, ticketId: 'x' },
    { kind: 'payment', walletId: WALLET, amount: 12.5, standId: STAND, items: [] },
    { kind: 'payment', walletId: WALLET, amount: eur('1'), standId: STAND, items: [{ productId: STAND, quantity: 1.5, unitPrice: eur('1') }] }]) {
    throwsCode(assert, () => s.sign(rid(1), T0, p), 'INPUT_INVALID')
  }
  throwsCode(assert, () => s.observe({ physicalMs: NaN, logical: 0 }, T0), 'INPUT_INVALID')
  throwsCode(assert, () => s.observe({ physicalMs: 1, logical: -1 }, T0), 'INPUT_INVALID')
  throwsCode(assert, () => s.observe({ physicalMs: 1, logical: 2 ** 32 }, T0), 'INPUT_INVALID')
  assert.equal(s.nextSequence(), 1n)
})

test('DeviceLog: limits, balances, queue, export and acknowledge', () => {
  const log = newLog()
  assert.deepEqual(log.limits(), limits)
  assert.deepEqual(log.available(WALLET), eur('50.00'))
  assert.deepEqual(log.available(rid(999)), eur('0.00'))
  const items = [{ productId: rid(7), quantity: 3, unitPrice: eur('2.50') }]
  const p = log.pay(rid(1), T0, WALLET, eur('7.50'), STAND, items)
  assert.equal(p.record.sequence, '1')
  assert.deepEqual(p.record.payload, { kind: 'payment', walletId: WALLET, amount: eur('7.50'), standId: STAND, items })
  const t = log.topUp(rid(2), T0, WALLET, eur('5'))
  assert.equal(t.record.prevHash, p.hash)
  const r = log.record(rid(3), T0, { kind: 'refund', walletId: WALLET, amount: eur('1.00'), originalRecordId: rid(1) })
  assert.equal(r.record.payload.kind, 'refund')
  const v = log.record(rid(4), T0, { kind: 'void', voidedRecordId: rid(3) })
  assert.equal(v.record.sequence, '4')
  assert.deepEqual(log.available(WALLET), eur('48.50'))
  assert.equal(log.queued(), 4)
  const signer = log.signer()
  assert.equal(signer.nextSequence(), 5n)
  assert.deepEqual([...signer.publicKey()], [...fc.publicKeyFromSeed(seed(4))])

  const batch = log.exportBatch()
  assert.ok(batch instanceof Uint8Array)
  assert.deepEqual(fc.decodeBatch(batch), [p, t, r, v])
  log.acknowledge(2n)
  assert.equal(log.queued(), 2)
  log.acknowledge(2) // idempotent, numbers work too
  assert.equal(log.queued(), 2)
  assert.deepEqual(fc.decodeBatch(log.exportBatch()), [r, v])
  log.acknowledge(18446744073709551615n)
  assert.equal(log.queued(), 0)
  assert.deepEqual(fc.decodeBatch(log.exportBatch()), [])
})

test('DeviceLog: every refusal has its code and leaves the log unchanged', () => {
  const log = newLog(3)
  throwsCode(assert, () => log.pay(rid(1), T0, WALLET, eur('25'), STAND, null), 'DEVICE_LIMIT_EXCEEDED')
  log.pay(rid(1), T0, WALLET, eur('20'), STAND)
  const e = throwsCode(assert, () => log.pay(rid(2), T0, WALLET, eur('15'), STAND, []), 'DEVICE_LIMIT_EXCEEDED')
  assert.deepEqual(e.details, { limit: 'per_wallet_offline', attempted: '35.00', allowed: '30.00' })
  throwsCode(assert, () => log.pay(rid(2), T0, rid(9), eur('1'), STAND, []), 'DEVICE_INSUFFICIENT_BALANCE')
  throwsCode(assert, () => log.topUp(rid(2), T0, WALLET, { amount: '1.00', currency: 'USD' }), 'OFFLINE_INVALID_AMOUNT')
  throwsCode(assert, () => log.topUp(rid(2), T0, WALLET, eur('-1')), 'OFFLINE_INVALID_AMOUNT')
  throwsCode(assert, () => log.topUp(rid(2), T0, WALLET, eur('81')), 'DEVICE_LIMIT_EXCEEDED')
  log.topUp(rid(2), T0, WALLET, eur('1'))
  log.record(rid(3), T0, { kind: 'void', voidedRecordId: rid(2) })
  throwsCode(assert, () => log.record(rid(4), T0, { kind: 'void', voidedRecordId: rid(1) }), 'DEVICE_QUEUE_FULL')
  assert.equal(log.queued(), 3)
  assert.equal(log.signer().nextSequence(), 4n)
  throwsCode(assert, () => log.setSyncedBalances({ [WALLET]: { amount: '1.00', currency: 'USD' } }), 'OFFLINE_INVALID_AMOUNT')
})

test('DeviceLog: hostile input', () => {
  const signer = new fc.DeviceSigner(seed(4), DEVICE, FESTIVAL)
  throwsCode(assert, () => new fc.DeviceLog(signer, 'EUR', { ...limits, perPayment: { amount: '1.00', currency: 'USD' } }), 'OFFLINE_INVALID_AMOUNT')
  throwsCode(assert, () => new fc.DeviceLog(signer, 'XYZW', limits), 'MONEY_UNKNOWN_CURRENCY')
  for (const bad of [null, 'limits', { ...limits, perPayment: 20 }, { ...limits, maxQueuedRecords: -1 },
    { ...limits, maxQueuedRecords: 2n ** 64n }, { ...limits, maxQueuedRecords: 1.5 }]) {
    assert.throws(() => new fc.DeviceLog(signer, 'EUR', bad), (e) => e instanceof Error && e.code !== undefined)
  }
  assert.throws(() => new fc.DeviceLog({}, 'EUR', limits), (e) => e instanceof Error)
  const log = newLog()
  for (const bad of [null, [], 'x', { 'not-a-uuid': eur('1') }, { [WALLET]: 1 }, { [WALLET]: eur('1.001') }]) {
    assert.throws(() => log.setSyncedBalances(bad), (e) => e instanceof Error && typeof e.code === 'string')
  }
  throwsCode(assert, () => log.available('nope'), 'INPUT_INVALID')
  throwsCode(assert, () => log.pay(rid(1), T0, WALLET, 7.5, STAND, []), 'INPUT_INVALID')
  throwsCode(assert, () => log.pay(rid(1), T0, WALLET, eur('7.50'), STAND, 'items'), 'INPUT_INVALID')
  throwsCode(assert, () => log.pay(rid(1), T0, WALLET, eur('7.50'), STAND, [{ productId: rid(1), quantity: 1, unitPrice: eur('1') }]), 'OFFLINE_INVALID_AMOUNT')
  throwsCode(assert, () => log.record(rid(1), T0, { kind: 'void' }), 'INPUT_INVALID')
  for (const bad of [-1, -1n, 2n ** 64n, 0.5, NaN, 'all', {}]) {
    throwsCode(assert, () => log.acknowledge(bad), 'INPUT_INVALID')
  }
  assert.equal(log.queued(), 0)
})

test('record codec: encode, sign, decode, batches, verify', () => {
  const log = newLog()
  const p = log.pay(rid(1), T0, WALLET, eur('2'), STAND, [])
  const t = log.topUp(rid(2), T0, WALLET, eur('3'))
  const enc = fc.encodeRecord(p.record)
  assert.ok(enc instanceof Uint8Array)
  assert.deepEqual(hex(p.bytes.subarray(0, enc.length)), hex(enc))
  assert.equal(enc.length + 64, p.bytes.length)
  assert.deepEqual(fc.encodeRecord({ ...p.record, sequence: 1n }), enc)
  assert.deepEqual(fc.encodeRecord({ ...p.record, sequence: 1 }), enc)
  assert.deepEqual(fc.signRecord(seed(4), t.record), t)
  assert.deepEqual(fc.decodeRecord(p.bytes), p)
  const batch = fc.encodeBatch([p.bytes, t.bytes])
  assert.deepEqual(hex(batch), hex(log.exportBatch()))
  assert.deepEqual(fc.decodeBatch(batch), [p, t])
  const pk = log.signer().publicKey()
  assert.equal(fc.verifyRecord(p.bytes, pk), true)
  assert.equal(fc.verifyRecord(p.bytes, fc.publicKeyFromSeed(seed(5))), false)
  assert.equal(fc.verifyRecord(p.bytes, new Uint8Array(3)), false)
  // The signature bytes are covered: flip one bit of the signature.
  const flipped = Uint8Array.from(p.bytes)
  flipped[flipped.length - 1] ^= 1
  assert.equal(fc.verifyRecord(flipped, pk), false)
  // The same via the conformance dispatcher (the language-neutral JSON path).
  const conf = JSON.parse(conformance.conformanceExecute('offline.record_decode', JSON.stringify({ bytes: hex(p.bytes) })))
  assert.equal(conf.hash, p.hash)
  assert.equal(conf.signature, hex(p.signature))
})

test('record codec: truncated, bit-flipped and wrongly typed bytes', () => {
  const log = newLog()
  const p = log.pay(rid(1), T0, WALLET, eur('2'), STAND, [])
  for (let cut = 0; cut < p.bytes.length; cut++) {
    throwsCode(assert, () => fc.decodeRecord(p.bytes.subarray(0, cut)), 'OFFLINE_MALFORMED')
    throwsCode(assert, () => fc.verifyRecord(p.bytes.subarray(0, cut), new Uint8Array(32)), 'OFFLINE_MALFORMED')
  }
  const batch = log.exportBatch()
  for (let cut = 0; cut < batch.length; cut++) {
    throwsCode(assert, () => fc.decodeBatch(batch.subarray(0, cut)), 'OFFLINE_MALFORMED')
  }
  // Every single-bit flip either fails to decode or no longer verifies.
  const pk = log.signer().publicKey()
  for (let i = 0; i < p.bytes.length; i++) {
    const b = Uint8Array.from(p.bytes)
    b[i] ^= 0x10
    let ok
    try {
      ok = fc.verifyRecord(b, pk)
    } catch (e) {
      assert.equal(e.code, 'OFFLINE_MALFORMED')
      ok = false
    }
    assert.equal(ok, false, `flip at byte ${i} still verifies`)
  }
  for (const bad of ['00', [1, 2], 42, null, undefined, new Uint16Array(4), {}]) {
    throwsCode(assert, () => fc.decodeRecord(bad), 'INPUT_INVALID')
    throwsCode(assert, () => fc.decodeBatch(bad), 'INPUT_INVALID')
    throwsCode(assert, () => fc.verifyRecord(bad, pk), 'INPUT_INVALID')
    throwsCode(assert, () => fc.signRecord(bad, p.record), 'INPUT_INVALID')
  }
  for (const bad of [null, 'x', p.bytes, [p.bytes, 'x'], [p.bytes, [1, 2]]]) {
    throwsCode(assert, () => fc.encodeBatch(bad), 'INPUT_INVALID')
  }
  throwsCode(assert, () => fc.encodeBatch([p.bytes.subarray(1)]), 'OFFLINE_MALFORMED')
  for (const rec of [null, {}, { ...p.record, sequence: '0' }, { ...p.record, sequence: -1n }, { ...p.record, sequence: '01' },
    { ...p.record, prevHash: 'zz' }, { ...p.record, recordId: 'nope' }]) {
    assert.throws(() => fc.encodeRecord(rec), (e) => e instanceof Error && ['INPUT_INVALID', 'OFFLINE_MALFORMED'].includes(e.code))
  }
  throwsCode(assert, () => fc.encodeRecord({ ...p.record, sequence: 0n }), 'OFFLINE_MALFORMED')
  throwsCode(assert, () => fc.encodeRecord({ ...p.record, payload: { ...p.record.payload, amount: eur('0') } }), 'OFFLINE_INVALID_AMOUNT')
})

test('DeviceLog: a restart keeps the unsynced queue (snapshot / restore, resumeWithQueue)', () => {
  const log = newLog()
  const p = log.pay(rid(1), T0, WALLET, eur('7.50'), STAND, [])
  const t = log.topUp(rid(2), T0, WALLET, eur('5'))
  const snap = log.snapshot()
  assert.equal(typeof snap, 'string')
  assert.ok(!snap.includes(hex(seed(4))), 'the seed never leaves secure storage')
  const back = fc.DeviceLog.restore(seed(4), snap)
  assert.deepEqual(fc.decodeBatch(back.exportBatch()), [p, t])
  assert.deepEqual(back.limits(), limits)
  assert.deepEqual(back.available(WALLET), eur('47.50'))
  assert.deepEqual(back.pay(rid(3), T0, WALLET, eur('1'), STAND, []), log.pay(rid(3), T0, WALLET, eur('1'), STAND, []))
  throwsCode(assert, () => fc.DeviceLog.restore(seed(5), snap), 'OFFLINE_INVALID_KEY')
  for (const bad of ['{', '{}', 42, null, snap.replace('"queue":[', '"queue":["00",')]) {
    assert.throws(() => fc.DeviceLog.restore(seed(4), bad), (e) => e instanceof Error && typeof e.code === 'string')
  }
  throwsCode(assert, () => fc.DeviceLog.restore(new Uint8Array(31), snap), 'INPUT_INVALID')

  // The same from the parts an app persists itself: the signer position and the queued bytes.
  const s = log.signer()
  const resumed = fc.DeviceSigner.resume(seed(4), DEVICE, FESTIVAL, { nextSequence: s.nextSequence(), lastHash: s.lastHash(), lastHlc: s.lastHlc() })
  const queued = fc.decodeBatch(log.exportBatch()).map((r) => r.bytes)
  const again = fc.DeviceLog.resumeWithQueue(resumed, 'EUR', limits, { [WALLET]: eur('50') }, queued)
  assert.equal(again.queued(), 3)
  assert.deepEqual(hex(again.exportBatch()), hex(log.exportBatch()))
  // A queue that was edited, reordered or cut at the end is refused.
  const broken = [queued[0], queued[2], queued[1]]
  assert.throws(() => fc.DeviceLog.resumeWithQueue(resumed, 'EUR', limits, {}, broken), (e) => e instanceof Error && /^OFFLINE_/.test(e.code))
  assert.throws(() => fc.DeviceLog.resumeWithQueue(resumed, 'EUR', limits, {}, queued.slice(0, 2)), (e) => e instanceof Error && /^OFFLINE_/.test(e.code))
  const flipped = queued.map((b) => Uint8Array.from(b))
  flipped[1][flipped[1].length - 1] ^= 1
  throwsCode(assert, () => fc.DeviceLog.resumeWithQueue(resumed, 'EUR', limits, {}, flipped), 'OFFLINE_BAD_SIGNATURE')
  throwsCode(assert, () => fc.DeviceLog.resumeWithQueue(resumed, 'EUR', limits, {}, [queued[0].subarray(3)]), 'OFFLINE_MALFORMED')
  for (const bad of [null, 'x', queued[0], [queued[0], 'x']]) {
    throwsCode(assert, () => fc.DeviceLog.resumeWithQueue(resumed, 'EUR', limits, {}, bad), 'INPUT_INVALID')
  }
  throwsCode(assert, () => fc.DeviceLog.resumeWithQueue(resumed, 'EUR', { ...limits, maxQueuedRecords: 2 }, {}, queued), 'DEVICE_QUEUE_FULL')
})
