// Wallet and TagRegistry classes: every method, idempotency, serialize/deserialize, error codes.
// Runs against both packages (adapter.mjs).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, impl, eur, throwsCode } from './adapter.mjs'

const FESTIVAL = '11111111-2222-4333-8444-555555555555'
const W1 = '67e55044-10b1-426f-9247-bb680e5fe0c8'
const W2 = '67e55044-10b1-426f-9247-bb680e5fe0c9'
const STAND = '9b2f0c1e-2d3c-4b5a-8e7f-0123456789ab'
const DEVICE = '9b2f0c1e-2d3c-4b5a-8e7f-0123456789ac'
const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
const at = new Date('2026-07-01T12:00:00Z')
const beer = (q) => [{ sku: 'beer', quantity: q, unitPrice: eur('4.50') }]

test('a wallet day: top-up, bonus, pay, refund, payout, adjust, expire, block, close', () => {
  const w = new fc.Wallet({ id: W1, festivalId: FESTIVAL, currency: 'EUR', limits: { maxSinglePayment: eur('50') } })
  assert.equal(w.id(), W1)
  assert.deepEqual(w.config().limits, { maxSinglePayment: eur('50.00') })
  assert.equal(w.topUp(id(1), at, eur('20'), 'cash').balances.refundable.amount, '20.00')
  w.creditBonus(id(2), at, eur('5'), '2026-07-01T18:00:00Z')
  assert.deepEqual(w.spendable(at), eur('25.00'))
  const paid = w.pay(id(3), at, STAND, beer(2), DEVICE)
  assert.equal(paid.replayed, false)
  assert.equal(paid.kind, 'payment')
  assert.deepEqual(paid.bonusDelta, eur('-5.00'))
  assert.deepEqual(paid.refundableDelta, eur('-4.00'))
  assert.equal(w.pay(id(3), at, STAND, beer(2), DEVICE).replayed, true, 'retry is idempotent')
  assert.deepEqual(w.refund(id(4), at, id(3), eur('4.50'), 'warm beer').balances.total, eur('20.50'))
  assert.deepEqual(w.payout(id(5), at, eur('2'), eur('0.50')).refundableDelta, eur('-2.00'))
  assert.deepEqual(w.adjust(id(6), at, eur('-1'), 'refundable', 'till count').refundableDelta, eur('-1.00'))
  w.expireBonus(id(7), new Date('2026-07-01T19:00:00Z'))
  assert.equal(w.block(id(8), at, 'fraud check').status, 'blocked')
  assert.deepEqual(w.blockReasons(), [{ kind: 'admin', reason: 'fraud check' }])
  throwsCode(assert, () => w.pay(id(9), at, STAND, beer(1)), 'WALLET_BLOCKED')
  assert.equal(w.unblock(id(10), at).status, 'active')
  assert.equal(w.status(), 'active')
  const b = w.balances()
  assert.deepEqual(Object.keys(b).sort(), ['bonus', 'debt', 'refundable', 'total'])
  const t = w.totals()
  assert.deepEqual(t.topUps, eur('20.00'))
  assert.deepEqual(t.payoutFees, eur('0.50'))
  assert.equal(w.ledger().length, 9)
  assert.equal(w.ledger()[2].operation.kind, 'payment')
  assert.equal(w.ledger()[2].operation.standId, STAND)
  assert.ok(Array.isArray(w.bonusLots()))
  w.payout(id(11), at, w.balances().refundable)
  assert.equal(w.close(id(12), at).status, 'closed')
})

test('apply() takes a whole entry; limits and funds are enforced', () => {
  const w = new fc.Wallet({ id: W1, festivalId: FESTIVAL, currency: 'EUR', limits: { maxSinglePayment: eur('10') } })
  w.apply({ id: id(1), at: '2026-07-01T12:00:00Z', operation: { kind: 'top_up', amount: eur('30'), method: 'card' } })
  throwsCode(assert, () => w.pay(id(2), at, STAND, beer(3)), 'WALLET_LIMIT_EXCEEDED')
  const e = throwsCode(assert, () => new fc.Wallet({ id: W2, festivalId: FESTIVAL, currency: 'EUR' }).pay(id(3), at, STAND, beer(1)), 'WALLET_INSUFFICIENT_FUNDS')
  assert.equal(e.family, 'wallet')
  throwsCode(assert, () => w.topUp(id(4), at, { amount: 5, currency: 'EUR' }), 'INPUT_INVALID')
  throwsCode(assert, () => w.topUp('nope', at, eur('5')), 'INPUT_INVALID')
  throwsCode(assert, () => w.topUp(id(5), new Date(NaN), eur('5')), 'INPUT_INVALID')
  throwsCode(assert, () => w.topUp(id(6), at, { amount: '5', currency: 'USD' }), 'WALLET_CURRENCY_MISMATCH')
  throwsCode(assert, () => w.apply({ id: id(7), at, operation: { kind: 'steal', amount: eur('5') } }), 'INPUT_INVALID')
  throwsCode(assert, () => w.pay(id(8), at, STAND, [{ sku: 'beer', quantity: 1.5, unitPrice: eur('1') }]), 'INPUT_INVALID')
  throwsCode(assert, () => new fc.Wallet({ id: W1, festivalId: FESTIVAL, currency: 'EUR', colour: 'red' }), 'INPUT_INVALID')
})

test('serialize / deserialize replays the ledger and detects tampering', () => {
  const w = new fc.Wallet({ id: W1, festivalId: FESTIVAL, currency: 'EUR' })
  w.topUp(id(1), at, eur('20'))
  w.pay(id(2), at, STAND, beer(1))
  const state = w.serialize()
  assert.equal(typeof state, 'string')
  const back = fc.Wallet.deserialize(state)
  assert.deepEqual(back.balances(), w.balances())
  assert.deepEqual(back.ledger(), w.ledger())
  const tampered = state.replace('"20.00"', '"90.00"')
  assert.notEqual(tampered, state)
  assert.throws(() => fc.Wallet.deserialize(tampered), (e) => e instanceof Error && /^(WALLET|MONEY)_/.test(e.code))
  throwsCode(assert, () => fc.Wallet.deserialize('{'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.Wallet.deserialize(42), 'INPUT_INVALID')
})

test('transferTo moves refundable money atomically', () => {
  const a = new fc.Wallet({ id: W1, festivalId: FESTIVAL, currency: 'EUR' })
  const b = new fc.Wallet({ id: W2, festivalId: FESTIVAL, currency: 'EUR' })
  a.topUp(id(1), at, eur('10'))
  const out = a.transferTo(b, id(2), at, eur('4'))
  assert.deepEqual(out.from.balances.total, eur('6.00'))
  assert.deepEqual(out.to.balances.total, eur('4.00'))
  assert.equal(a.transferTo(b, id(2), at, eur('4')).from.replayed, true)
  throwsCode(assert, () => a.transferTo(b, id(3), at, eur('100')), 'WALLET_INSUFFICIENT_FUNDS')
  assert.deepEqual(b.balances().total, eur('4.00'))
  assert.throws(() => a.transferTo(a, id(4), at, eur('1')), (e) => e instanceof Error)
  assert.deepEqual(a.balances().total, eur('6.00'))
})

test('TagRegistry: link, lookup, lost, replace, never re-linked, serialize', () => {
  const r = new fc.TagRegistry()
  const old = new Uint8Array([0x04, 0xa1, 0xb2, 0xc3])
  assert.equal(r.link(old, W1, at).status, 'active')
  assert.equal(r.lookup('04a1b2c3'), W1)
  const rec = r.replace(old, '04a1b2c3d4e5f6', at)
  assert.equal(rec.walletId, W1)
  throwsCode(assert, () => r.lookup(old), 'TAG_LOST')
  throwsCode(assert, () => r.link(old, W2, at), 'TAG_ALREADY_USED')
  assert.equal(r.lookup('04a1b2c3d4e5f6'), W1)
  const back = fc.TagRegistry.deserialize(r.serialize())
  assert.deepEqual(back.records(), r.records())
  r.reportLost('04a1b2c3d4e5f6', at)
  throwsCode(assert, () => r.lookup('04a1b2c3d4e5f6'), 'TAG_LOST')
  throwsCode(assert, () => r.link('zz', W1, at), 'INPUT_INVALID')
  throwsCode(assert, () => r.link(new Uint8Array(2), W1, at), 'TAG_INVALID_UID')
})

test('transferTo the same wallet is refused before anything moves', () => {
  const a = new fc.Wallet({ id: W1, festivalId: FESTIVAL, currency: 'EUR' })
  a.topUp(id(1), at, eur('10'))
  // node: a clean FestivalError naming the argument; wasm: wasm-bindgen refuses the aliasing itself.
  assert.throws(() => a.transferTo(a, id(2), at, eur('1')), (e) =>
    e instanceof Error && (impl !== 'node' || (e.code === 'INPUT_INVALID' && /cannot transfer to itself/.test(e.message))))
  assert.deepEqual(a.balances().total, eur('10.00'))
  assert.equal(a.ledger().length, 1)
})

test('a wallet argument whose getter re-enters the same wallet never crashes or corrupts it', () => {
  const w = new fc.Wallet({ id: W1, festivalId: FESTIVAL, currency: 'EUR' })
  let reentered = 0
  const sneaky = {
    currency: 'EUR',
    get amount() {
      reentered++
      w.topUp(id(1), at, eur('1')) // node: runs before `w` is borrowed; wasm: refused (busy)
      return '5'
    },
  }
  let outcome = null
  try {
    outcome = w.topUp(id(2), at, sneaky)
  } catch (e) {
    assert.equal(e.code, 'INPUT_INVALID')
  }
  assert.equal(reentered, 1)
  // Either both top-ups applied (node) or neither (wasm): never half, never a poisoned wallet.
  const expected = outcome ? '6.00' : '0.00'
  assert.deepEqual(w.balances().total, eur(expected))
  assert.equal(w.ledger().length, outcome ? 2 : 0)
  assert.equal(w.topUp(id(3), at, eur('1')).replayed, false, 'the wallet is still usable')
})
