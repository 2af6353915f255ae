// Double-entry postings through JS: Wallet.postings() and trialBalance(), legs per operation as
// Money, the books of two wallets, account codes kept verbatim, errors with codes.
// Runs against both packages (adapter.mjs).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, eur, throwsCode } from './adapter.mjs'

const FESTIVAL = '11111111-2222-4333-8444-555555555555'
const W1 = '67e55044-10b1-426f-9247-bb680e5fe0c8'
const W2 = '67e55044-10b1-426f-9247-bb680e5fe0c9'
const BAR = '9b2f0c1e-2d3c-4b5a-8e7f-0123456789ab'
const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
const at = new Date('2026-07-01T12:00:00Z')

test('every posting balances and names its accounts', () => {
  const w = new fc.Wallet({ id: W1, festivalId: FESTIVAL, currency: 'EUR' })
  w.topUp(id(1), at, eur('20'), 'cash')
  w.creditBonus(id(2), at, eur('5'))
  w.pay(id(3), at, BAR, [{ sku: 'beer', quantity: 2, unitPrice: eur('4.50') }])
  w.payout(id(4), at, eur('10'), eur('1'))
  w.block(id(5), at, 'lost wristband') // moves no money: no posting
  const postings = w.postings()
  assert.deepEqual(postings.map((p) => p.kind), ['top_up', 'bonus_credit', 'payment', 'payout'])
  assert.deepEqual(postings[2], {
    entryId: id(3),
    walletId: W1,
    at: '2026-07-01T12:00:00.000Z',
    kind: 'payment',
    legs: [
      { account: 'liability:refundable', amount: eur('4.00') },
      { account: 'liability:bonus', amount: eur('5.00') },
      { account: `revenue:${BAR}`, amount: eur('-9.00') },
    ],
  })
  assert.deepEqual(postings[3].legs.map((l) => l.account), ['liability:refundable', 'income:fees', 'payouts'])
  const books = fc.trialBalance('EUR', postings)
  assert.equal(books.balanced, true)
  assert.deepEqual(books.total, eur('0.00'))
  assert.deepEqual(books.accounts['liability:refundable'], eur('-6.00'))
  assert.deepEqual(books.accounts['funds:cash'], eur('20.00'))
  assert.deepEqual(books.revenueByStand, [{ standId: BAR, net: eur('9.00') }])
})

test('the books of two wallets: transfers clear, liabilities equal the balances', () => {
  const a = new fc.Wallet({ id: W1, festivalId: FESTIVAL, currency: 'EUR' })
  const b = new fc.Wallet({ id: W2, festivalId: FESTIVAL, currency: 'EUR' })
  a.topUp(id(1), at, eur('30'), 'card')
  a.transferTo(b, id(2), at, eur('12.50'))
  b.pay(id(3), at, BAR, [{ sku: 'water', quantity: 1, unitPrice: eur('2.50') }])
  b.bonusLots() // unrelated read: no effect on postings
  const books = fc.trialBalance('EUR', [...a.postings(), ...b.postings()])
  assert.equal(books.balanced, true)
  assert.deepEqual(books.accounts['clearing:transfers'], eur('0.00'))
  assert.deepEqual(books.accounts['liability:refundable'], eur('-27.50'))
  assert.equal(a.balances().refundable.amount, '17.50')
  assert.equal(b.balances().refundable.amount, '10.00')
  // Postings survive JSON (what a service stores) and give the same books.
  const stored = JSON.parse(JSON.stringify([...a.postings(), ...b.postings()]))
  assert.deepEqual(fc.trialBalance('EUR', stored), books)
})

test('bad postings and currencies are errors with codes', () => {
  const w = new fc.Wallet({ id: W1, festivalId: FESTIVAL, currency: 'EUR' })
  w.topUp(id(1), at, eur('5'), 'cash')
  const postings = w.postings()
  throwsCode(assert, () => fc.trialBalance('CHF', postings), 'MONEY_CURRENCY_MISMATCH')
  const bad = [{ ...postings[0], legs: [{ account: 'cash', amount: eur('5') }] }]
  throwsCode(assert, () => fc.trialBalance('EUR', bad), 'INPUT_INVALID')
  throwsCode(assert, () => fc.trialBalance('EUR', 'nope'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.trialBalance('EUR', [{ ...postings[0], legs: [{ account: 'funds:cash', amount: 5 }] }]), 'INPUT_INVALID')
})
