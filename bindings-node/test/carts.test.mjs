// Carts (both packages): priceCart, QuotaBook (shared quotas) and CartOrder (line refunds) —
// camelCase shapes, the core's error codes with their details, and a festival sale of tickets,
// parking and shirts from the cart to refunded lines.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, throwsCode, eur } from './adapter.mjs'

const DAY = '00000000-0000-4000-8000-000000000001'
const WEEKEND = '00000000-0000-4000-8000-000000000002'
const PARKING = '00000000-0000-4000-8000-000000000003'
const SHIRT = '00000000-0000-4000-8000-000000000004'
const FESTIVAL_Q = '00000000-0000-4000-8000-000000000010'
const PARKING_Q = '00000000-0000-4000-8000-000000000011'
const MERCH_Q = '00000000-0000-4000-8000-000000000012'
const ORDER = '00000000-0000-4000-8000-0000000000a1'
const id = (n) => `00000000-0000-4000-8000-0000000002${String(n).padStart(2, '0')}`

const NOW = new Date('2026-05-01T10:00:00Z')
const LATER = new Date('2026-05-01T10:15:00Z')
const AFTER = '2026-05-02T09:00:00Z'

const ticketType = (tid, name, price) => ({
  id: tid, name, price: eur(price), capacity: 1000,
  saleFrom: '2026-03-01T00:00:00Z', saleUntil: '2026-07-04T18:00:00Z',
  validFrom: '2026-07-04T10:00:00Z', validUntil: '2026-07-06T04:00:00Z',
  maxPerOrder: 4, zones: ['main'], reentryAllowed: false, transferLimit: 1,
})
const catalog = () => ({
  ticketTypes: [ticketType(DAY, 'Day', '59.00'), ticketType(WEEKEND, 'Weekend', '149.00')],
  addOns: [
    { id: PARKING, name: 'Parking', price: eur('20.00'), maxPerOrder: 2 },
    { id: SHIRT, name: 'Shirt', price: eur('25.00'), maxPerOrder: 5 },
  ],
  taxRates: [{ itemId: DAY, rate: '7' }, { itemId: WEEKEND, rate: '7' }],
})
const config = () => ({
  pricing: { ...fc.pricingConfig('EUR', '19', 'gross', 'per_line'), fees: { perTicket: eur('2.00'), percent: '0', rounding: 'half_up' } },
  orderFees: [{ name: 'booking', amount: eur('1.50'), percent: '0', rounding: 'half_up' }],
})
const quotas = () => new fc.QuotaBook([
  { id: FESTIVAL_Q, name: 'Festival', size: 5, itemIds: [DAY, WEEKEND] },
  { id: PARKING_Q, name: 'Parking', size: 1, itemIds: [PARKING] },
  { id: MERCH_Q, name: 'Merch', size: null, itemIds: [SHIRT] },
])
const TENOFF = { code: 'TENOFF', discount: { kind: 'fixed_amount', amount: eur('10.00') } }
const spec = (lines, over = {}) => ({
  id: ORDER, now: NOW, expiresAt: LATER, promoCode: 'tenoff',
  lines: lines.map(([line, itemId, quantity]) => ({ lineId: id(line), itemId, quantity })),
  ...over,
})

test('priceCart: per-unit promo on one type, add-on VAT, booking fee split by line amount', () => {
  const crew = { code: 'CREW', discount: { kind: 'fixed_amount', amount: eur('10.00') }, scope: 'line', ticketTypeIds: [WEEKEND] }
  const request = {
    lines: [
      { lineId: id(1), itemId: WEEKEND, unitPrice: eur('149.00'), quantity: 2, taxRate: '7' },
      { lineId: id(2), itemId: PARKING, kind: 'add_on', unitPrice: eur('20.00'), quantity: 1 },
    ],
    promoCode: 'crew', at: NOW,
  }
  const b = fc.priceCart(request, config(), [crew])
  assert.deepEqual(b.lines.map((l) => [l.discount.amount, l.fees.amount, l.orderFees.amount, l.total.amount]),
    [['20.00', '4.00', '1.40', '283.40'], ['0.00', '0.00', '0.10', '20.10']])
  assert.deepEqual(b.orderFeeLines, [{ name: 'booking', amount: eur('1.50') }])
  assert.deepEqual(b.taxes.map((t) => [t.rate, t.tax.amount]), [['7', '18.54'], ['19', '3.21']])
  assert.deepEqual(b.total, eur('303.50'))
  assert.equal(b.promoCode, 'CREW')
  // Order scope: 15 % of the whole cart rounded once.
  const summer = { code: 'SUMMER', discount: { kind: 'percentage', percent: '15' }, scope: 'order' }
  const s = fc.priceCart({ ...request, promoCode: 'SUMMER' }, config(), [summer])
  assert.deepEqual(s.discount, eur('47.70'))
  // validFrom is the start of the promo's window.
  const later = { ...summer, validFrom: '2026-06-01T00:00:00Z' }
  const e = throwsCode(assert, () => fc.priceCart({ ...request, promoCode: 'SUMMER' }, config(), [later]), 'PROMO_NOT_YET_VALID')
  assert.equal(e.details.code, 'SUMMER')
  throwsCode(assert, () => fc.priceCart({ ...request, lines: [request.lines[0], { ...request.lines[1], lineId: id(1) }] }, config(), []), 'PRICING_DUPLICATE_LINE')
  throwsCode(assert, () => fc.priceCart({ ...request, lines: [{ ...request.lines[0], taxRate: 7 }] }, config(), []), 'INPUT_INVALID')
})

test('QuotaBook: a line takes every quota of its item; exhaustion names the quota; expiry and refunds give units back once', () => {
  const q = quotas()
  const hold = q.reserve(id(90), [{ lineId: id(1), itemId: DAY, quantity: 3 }, { lineId: id(2), itemId: PARKING, quantity: 1 }], NOW, LATER)
  assert.equal(hold.state, 'held')
  assert.deepEqual(hold.lines[0].quotaIds, [FESTIVAL_Q])
  assert.equal(q.available(WEEKEND, NOW), 2)
  assert.equal(q.available(SHIRT, NOW), null)
  const e = throwsCode(assert, () => q.reserve(id(91), [{ lineId: id(1), itemId: WEEKEND, quantity: 3 }], NOW, LATER), 'QUOTA_EXHAUSTED')
  assert.deepEqual(e.details, { quotaId: FESTIVAL_Q, requested: 3, available: 2 })
  throwsCode(assert, () => q.available('00000000-0000-4000-8000-000000000999', NOW), 'QUOTA_NOT_COVERED')
  // At its expiry the hold stops counting; confirming it then fails.
  throwsCode(assert, () => q.confirm(id(90), LATER), 'INVENTORY_HOLD_EXPIRED')
  assert.deepEqual(q.expire(LATER).map((h) => h.id), [id(90)])
  assert.equal(q.available(WEEKEND, LATER), 5)
  q.reserve(id(92), [{ lineId: id(1), itemId: WEEKEND, quantity: 2 }], LATER, AFTER)
  q.confirm(id(92), LATER)
  assert.equal(q.refundLine(id(92), id(1), 1), 1)
  throwsCode(assert, () => q.refundLine(id(92), id(1), 2), 'INVENTORY_INVALID_QUANTITY')
  const festival = q.counts(LATER).find((c) => c.quotaId === FESTIVAL_Q)
  assert.deepEqual(festival, { quotaId: FESTIVAL_Q, size: 5, sold: 1, held: 0, available: 4 })
  assert.equal(q.invariantHolds(), true)
  const back = fc.QuotaBook.deserialize(q.serialize())
  assert.equal(back.serialize(), q.serialize())
  const forged = JSON.parse(q.serialize())
  forged.holds[id(92)].lines[0].released = 0
  forged.quotas[FESTIVAL_Q].size = 0
  throwsCode(assert, () => fc.QuotaBook.deserialize(JSON.stringify(forged)), 'QUOTA_STATE_INVALID')
  throwsCode(assert, () => new fc.QuotaBook([{ id: FESTIVAL_Q, name: 'A', size: 1, itemIds: [] }]), 'QUOTA_INVALID')
})

test('CartOrder: place, pay, fulfil, refund lines idempotently until refunded equals paid', () => {
  const q = quotas()
  const book = new fc.TicketBook()
  for (const t of catalog().ticketTypes) book.addType(t)
  const order = fc.CartOrder.place(spec([[1, WEEKEND, 2], [2, PARKING, 1], [3, SHIRT, 3]]), catalog(), config(), [TENOFF], q)
  assert.equal(order.state(), 'pending')
  assert.deepEqual(order.total(), eur('388.50'))
  assert.deepEqual(order.breakdown().lines.map((l) => l.total.amount), ['295.56', '19.57', '73.37'])
  // The parking space is held: another cart cannot have it.
  const other = spec([[1, PARKING, 1]], { id: id(99), promoCode: null })
  throwsCode(assert, () => fc.CartOrder.place(other, catalog(), config(), null, q), 'QUOTA_EXHAUSTED')
  throwsCode(assert, () => order.pay(q, eur('1.00'), NOW), 'ORDER_PAYMENT_MISMATCH')
  assert.equal(order.pay(q, eur('388.50'), NOW), 'paid')
  const tickets = [0, 1].map((n) => ({ id: id(50 + n), number: `W-${n}`, holder: 'Ada' }))
  assert.equal(order.fulfill(book, tickets, NOW), 'fulfilled')
  assert.deepEqual(order.tickets(), [{ lineId: id(1), ticketIds: [id(50), id(51)] }])

  const parking = { refundId: id(70), lineId: id(2), quantity: 1 }
  const r = order.refundLine(parking, AFTER, q, book)
  assert.deepEqual(r, { refundId: id(70), lineId: id(2), quantity: 1, amount: eur('19.57'), ticketIds: [], at: '2026-05-02T09:00:00.000Z' })
  assert.deepEqual(order.refundLine(parking, '2026-05-03T00:00:00Z', q, book), r, 'repeating a refund id changes nothing')
  assert.equal(q.available(PARKING, AFTER), 1)
  throwsCode(assert, () => order.refundLine({ ...parking, quantity: 2 }, AFTER, q, book), 'ORDER_REFUND_CONFLICT')
  const e = throwsCode(assert, () => order.refundLine({ refundId: id(71), lineId: id(2), quantity: 1 }, AFTER, q, book), 'ORDER_REFUND_EXCEEDS_LINE')
  assert.deepEqual(e.details, { lineId: id(2), requested: 1, remaining: 0 })
  // Ticket lines name their tickets; the refunded ticket is void in the book.
  throwsCode(assert, () => order.refundLine({ refundId: id(72), lineId: id(1), quantity: 1 }, AFTER, q, book), 'ORDER_TICKET_COUNT_MISMATCH')
  assert.deepEqual(order.lineRefundAmount(id(1), 1), eur('147.78'))
  order.refundLine({ refundId: id(72), lineId: id(1), quantity: 1, ticketIds: [id(51)] }, AFTER, q, book)
  assert.equal(book.ticket(id(51)).state, 'refunded')
  book.checkIn(id(50), '2026-07-04T12:00:00Z')
  throwsCode(assert, () => order.refundLine({ refundId: id(73), lineId: id(1), quantity: 1, ticketIds: [id(50)] }, AFTER, q, book), 'TICKET_ALREADY_USED')
  // Shirts: 73.37 in unit shares 24.46 + 24.46 + 24.45.
  assert.deepEqual(order.refundLine({ refundId: id(74), lineId: id(3), quantity: 1 }, AFTER, q, book).amount, eur('24.46'))
  assert.deepEqual(order.refundLine({ refundId: id(75), lineId: id(3), quantity: 2 }, AFTER, q, book).amount, eur('48.91'))
  assert.equal(order.state(), 'partially_refunded')
  assert.equal(order.refundedQuantity(id(3)), 3)
  assert.deepEqual(order.refundable(), eur('147.78'), 'only the checked-in ticket is left')
  const stored = fc.CartOrder.deserialize(order.serialize())
  assert.deepEqual(stored.refunds(), order.refunds())
  const forged = JSON.parse(order.serialize())
  forged.refunds[0].amount = eur('20.00')
  throwsCode(assert, () => fc.CartOrder.deserialize(JSON.stringify(forged)), 'ORDER_STATE_INVALID')
})

test('CartOrder: placement rules and an expired cart giving its units back', () => {
  const q = quotas()
  throwsCode(assert, () => fc.CartOrder.place(spec([[1, '00000000-0000-4000-8000-000000000999', 1]]), catalog(), config(), [TENOFF], q), 'ORDER_UNKNOWN_ITEM')
  const e = throwsCode(assert, () => fc.CartOrder.place(spec([[1, PARKING, 1], [2, PARKING, 2]]), catalog(), config(), [TENOFF], q), 'ORDER_MAX_PER_ORDER_EXCEEDED')
  assert.deepEqual(e.details, { requested: 3, max: 2 })
  throwsCode(assert, () => fc.CartOrder.place(spec([[1, DAY, 1]]), catalog(), config(), [], q), 'PROMO_UNKNOWN')
  const order = fc.CartOrder.place(spec([[1, DAY, 4], [2, PARKING, 1]], { promoCode: null }), catalog(), config(), null, q)
  assert.equal(q.available(WEEKEND, NOW), 1)
  throwsCode(assert, () => order.expire(q, NOW), 'ORDER_NOT_EXPIRED')
  throwsCode(assert, () => order.refundLine({ refundId: id(1), lineId: id(1), quantity: 1 }, NOW, q, new fc.TicketBook()), 'ORDER_ILLEGAL_TRANSITION')
  assert.equal(order.expire(q, LATER), 'expired')
  assert.equal(q.available(WEEKEND, LATER), 5)
  assert.equal(q.available(PARKING, LATER), 1)
  assert.equal(order.expiresAt(), '2026-05-01T10:15:00.000Z')
})
