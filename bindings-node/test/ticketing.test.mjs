// Ticketing (both packages): priceOrder and its helpers, Inventory, Order, TicketBook — every
// export and method, the core's error codes with their details, hostile input, and a sale from
// price to issued tickets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, throwsCode, eur, conformance } from './adapter.mjs'

const DAY = '00000000-0000-4000-8000-000000000001'
const VIP = '00000000-0000-4000-8000-000000000002'
const ORDER = '00000000-0000-4000-8000-0000000000a1'
const ORDER2 = '00000000-0000-4000-8000-0000000000a2'
const tid = (n) => `00000000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`

const dayType = (over = {}) => ({
  id: DAY,
  name: 'Saturday day pass',
  price: eur('59.00'),
  capacity: 3,
  saleFrom: new Date('2026-03-01T00:00:00Z'),
  saleUntil: '2026-07-04T18:00:00Z',
  validFrom: '2026-07-04T10:00:00Z',
  validUntil: '2026-07-05T04:00:00Z',
  maxPerOrder: 4,
  zones: ['main'],
  reentryAllowed: false,
  transferLimit: 1,
  ...over,
})

const NOW = new Date('2026-05-01T10:00:00Z')
const LATER = new Date('2026-05-01T10:15:00Z')
const GIG = '2026-07-04T12:00:00Z'

const config = () => fc.pricingConfig('EUR', '19', 'gross', 'sum_by_net_keep_gross')
const early = { code: 'EARLY10', discount: { kind: 'percentage', percent: '10' }, maxUses: 100, used: 3, minQuantity: 2 }

// ------------------------------------------------------------------ pricing

test('pricingConfig gives the core defaults, camelCase', () => {
  assert.deepEqual(config(), {
    currency: 'EUR',
    fees: { perTicket: eur('0.00'), percent: '0', rounding: 'half_even' },
    feesTaxable: true,
    tax: { rate: '19', basis: 'gross', rounding: 'sum_by_net_keep_gross', mode: 'half_even' },
    discountRounding: 'half_even',
  })
  throwsCode(assert, () => fc.pricingConfig('EUR', 19, 'gross', 'per_line'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.pricingConfig('EUR', '19', 'brutto', 'per_line'), 'INPUT_INVALID')
  assert.throws(() => fc.pricingConfig('EU', '19', 'gross', 'per_line'), (e) => e instanceof Error && e.family === 'money')
})

test('priceOrder: promo, fees and included VAT as exact money strings', () => {
  const cfg = { ...config(), fees: { perTicket: eur('1.50'), percent: '0', rounding: 'half_even' } }
  const request = { lines: [{ ticketTypeId: DAY, unitPrice: eur('59.00'), quantity: 2 }], promoCode: 'early10', at: NOW }
  const b = fc.priceOrder(request, cfg, [early])
  assert.deepEqual(b.subtotal, eur('118.00'))
  assert.deepEqual(b.discount, eur('11.80'))
  assert.deepEqual(b.fees, eur('3.00'))
  assert.deepEqual(b.total, eur('109.19')) // pretix keep_gross: 109.20 has no net at 19 %
  assert.deepEqual(b.tax, eur('17.43'))
  assert.equal(b.taxIncluded, true)
  assert.equal(b.promoCode, 'EARLY10')
  assert.equal(b.lines.length, 1)
  assert.deepEqual(Object.keys(b.lines[0]).sort(),
    ['discount', 'fees', 'quantity', 'roundingAdjustment', 'subtotal', 'tax', 'ticketTypeId', 'total', 'unitPrice'])
  // promos may be omitted or null when no code is entered
  const plain = fc.priceOrder({ lines: request.lines, at: NOW }, config())
  assert.deepEqual(plain.total, eur('118.00'))
  assert.equal(plain.promoCode, null)
  assert.deepEqual(fc.priceOrder({ lines: request.lines, at: NOW }, config(), null), plain)
})

test('priceOrder errors keep the core codes', () => {
  const line = { ticketTypeId: DAY, unitPrice: eur('59.00'), quantity: 2 }
  throwsCode(assert, () => fc.priceOrder({ lines: [], at: NOW }, config()), 'PRICING_EMPTY_ORDER')
  const zero = throwsCode(assert, () => fc.priceOrder({ lines: [{ ...line, quantity: 0 }], at: NOW }, config()),
    'PRICING_INVALID_QUANTITY')
  assert.deepEqual(zero.details, { ticketTypeId: DAY, quantity: 0 })
  throwsCode(assert, () => fc.priceOrder({ lines: [line], promoCode: 'NOPE', at: NOW }, config(), [early]), 'PROMO_UNKNOWN')
  const expired = { ...early, expiresAt: '2026-04-01T00:00:00Z' }
  const e = throwsCode(assert, () => fc.priceOrder({ lines: [line], promoCode: 'EARLY10', at: NOW }, config(), [expired]),
    'PROMO_EXPIRED')
  assert.equal(e.details.expiredAt, '2026-04-01T00:00:00.000Z')
  const few = throwsCode(assert,
    () => fc.priceOrder({ lines: [{ ...line, quantity: 1 }], promoCode: 'EARLY10', at: NOW }, config(), [early]),
    'PROMO_MIN_QUANTITY_NOT_MET')
  assert.deepEqual(few.details, { code: 'EARLY10', required: 2, actual: 1 })
  const badFee = { ...config(), fees: { perTicket: eur('1.00'), percent: '101', rounding: 'up' } }
  throwsCode(assert, () => fc.priceOrder({ lines: [line], at: NOW }, badFee), 'PRICING_INVALID_CONFIG')
  throwsCode(assert, () => fc.priceOrder({ lines: [{ ...line, unitPrice: eur('1.001') }], at: NOW }, config()),
    'MONEY_SCALE_EXCEEDED')
})

test('checkPromo, recordPromoUse and checkTicketSale mirror the core', () => {
  const lines = [{ ticketTypeId: DAY, unitPrice: eur('59.00'), quantity: 2 }]
  assert.equal(fc.checkPromo(early, lines, NOW), undefined)
  const onlyVip = { ...early, ticketTypeIds: [VIP] }
  throwsCode(assert, () => fc.checkPromo(onlyVip, lines, NOW), 'PROMO_NOT_APPLICABLE')
  const used = fc.recordPromoUse(early)
  assert.equal(used.used, 4)
  assert.equal(used.code, 'EARLY10')
  const spent = throwsCode(assert, () => fc.recordPromoUse({ ...early, maxUses: 3 }), 'PROMO_EXHAUSTED')
  assert.deepEqual(spent.details, { code: 'EARLY10', maxUses: 3, used: 3 })
  throwsCode(assert, () => fc.checkPromo({ ...early, discount: { kind: 'percentage', percent: '150' } }, lines, NOW),
    'PROMO_INVALID')

  assert.equal(fc.checkTicketSale(dayType(), NOW, 2), undefined)
  const max = throwsCode(assert, () => fc.checkTicketSale(dayType(), NOW, 5), 'ORDER_MAX_PER_ORDER_EXCEEDED')
  assert.deepEqual(max.details, { requested: 5, max: 4 })
  throwsCode(assert, () => fc.checkTicketSale(dayType(), '2026-02-01T00:00:00Z', 1), 'TICKET_SALE_NOT_OPEN')
  const closed = throwsCode(assert, () => fc.checkTicketSale(dayType(), '2026-07-04T18:00:00Z', 1), 'TICKET_SALE_CLOSED')
  assert.equal(closed.details.closedAt, '2026-07-04T18:00:00.000Z')
  throwsCode(assert, () => fc.checkTicketSale(dayType({ name: ' ' }), NOW, 1), 'TICKET_INVALID')
})

// ------------------------------------------------------------------ inventory

test('Inventory: reserve, confirm, release, expire, restock, counts, serialize', () => {
  const inv = new fc.Inventory(DAY, 5)
  assert.equal(inv.ticketTypeId(), DAY)
  assert.equal(inv.capacity(), 5)
  assert.equal(inv.sold(), 0)
  const h = inv.reserve(tid(1), 2, NOW, LATER)
  assert.deepEqual(h, { id: tid(1), quantity: 2, createdAt: '2026-05-01T10:00:00.000Z', expiresAt: '2026-05-01T10:15:00.000Z', state: 'held' })
  inv.reserve(tid(2), 2, NOW, LATER)
  assert.deepEqual(inv.counts(NOW), { capacity: 5, sold: 0, held: 4, available: 1 })
  assert.equal(inv.available(NOW), 1)
  const sold = throwsCode(assert, () => inv.reserve(tid(3), 2, NOW, LATER), 'INVENTORY_SOLD_OUT')
  assert.deepEqual(sold.details, { requested: 2, available: 1 })
  assert.equal(sold.family, 'ticketing')
  throwsCode(assert, () => inv.reserve(tid(1), 1, NOW, LATER), 'INVENTORY_DUPLICATE_HOLD')
  throwsCode(assert, () => inv.reserve(tid(4), 1, LATER, NOW), 'INVENTORY_INVALID_EXPIRY')
  throwsCode(assert, () => inv.reserve(tid(4), 0, NOW, LATER), 'INVENTORY_INVALID_QUANTITY')
  assert.equal(inv.confirm(tid(1), NOW).state, 'confirmed')
  const twice = throwsCode(assert, () => inv.confirm(tid(1), NOW), 'INVENTORY_HOLD_NOT_ACTIVE')
  assert.equal(twice.details.state, 'confirmed')
  throwsCode(assert, () => inv.confirm(tid(9), NOW), 'INVENTORY_UNKNOWN_HOLD')
  throwsCode(assert, () => inv.confirm(tid(2), LATER), 'INVENTORY_HOLD_EXPIRED')
  assert.deepEqual(inv.expire(LATER).map((x) => [x.id, x.state]), [[tid(2), 'expired']])
  assert.equal(inv.hold(tid(2)).state, 'expired')
  assert.equal(inv.hold(tid(7)), null)
  inv.reserve(tid(5), 1, LATER, '2026-05-01T11:00:00Z')
  assert.equal(inv.release(tid(5)).state, 'released')
  assert.deepEqual(inv.holds().map((x) => x.state), ['confirmed', 'expired', 'released'])
  assert.equal(inv.sold(), 2)
  assert.equal(inv.restock(1), 1)
  throwsCode(assert, () => inv.restock(2), 'INVENTORY_INVALID_QUANTITY')
  assert.equal(inv.invariantHolds(), true)

  const text = inv.serialize()
  assert.equal(typeof text, 'string')
  assert.ok(text.includes('ticket_type_id'), 'storage keeps the core snake_case JSON')
  const back = fc.Inventory.deserialize(text)
  assert.deepEqual(back.counts(LATER), inv.counts(LATER))
  assert.deepEqual(back.holds(), inv.holds())
  const over = JSON.stringify({ ticket_type_id: DAY, capacity: 1, sold: 2, holds: {} })
  throwsCode(assert, () => fc.Inventory.deserialize(over), 'INVENTORY_STATE_INVALID')
  throwsCode(assert, () => fc.Inventory.deserialize('{"ticket_type_id": 1}'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.Inventory.deserialize({}), 'INPUT_INVALID')
})

// ------------------------------------------------------------------ orders + tickets

function shop() {
  const book = new fc.TicketBook()
  assert.equal(book.addType(dayType()), undefined)
  const inv = new fc.Inventory(DAY, 3)
  return { book, inv }
}

test('Order: place, pay, fulfill, refund, accessors, serialize', () => {
  const { book, inv } = shop()
  const order = fc.Order.place(ORDER, dayType(), inv, 2, eur('118.00'), NOW, LATER)
  assert.equal(order.id(), ORDER)
  assert.equal(order.ticketTypeId(), DAY)
  assert.equal(order.quantity(), 2)
  assert.deepEqual(order.total(), eur('118.00'))
  assert.equal(order.state(), 'pending')
  assert.equal(order.createdAt(), '2026-05-01T10:00:00.000Z')
  assert.equal(order.expiresAt(), '2026-05-01T10:15:00.000Z')
  assert.equal(order.paid(), null)
  assert.deepEqual(order.refundable(), eur('0.00'))
  assert.deepEqual(inv.counts(NOW), { capacity: 3, sold: 0, held: 2, available: 1 })

  const mismatch = throwsCode(assert, () => order.pay(inv, eur('100.00'), NOW), 'ORDER_PAYMENT_MISMATCH')
  assert.deepEqual(mismatch.details, { expected: eur('118.00'), actual: eur('100.00') })
  throwsCode(assert, () => order.refund(eur('1.00'), NOW), 'ORDER_ILLEGAL_TRANSITION')
  assert.equal(order.pay(inv, eur('118.00'), '2026-05-01T10:05:00Z'), 'paid')
  assert.equal(order.updatedAt(), '2026-05-01T10:05:00.000Z')
  assert.deepEqual(order.paid(), eur('118.00'))
  const again = throwsCode(assert, () => order.pay(inv, eur('118.00'), NOW), 'ORDER_ILLEGAL_TRANSITION')
  assert.deepEqual(again.details, { state: 'paid', event: 'pay' })
  assert.equal(inv.sold(), 2)

  const specs = [{ id: tid(1), number: 'A-0001', holder: 'Ada' }, { id: tid(2), number: 'A-0002', holder: 'Bo' }]
  const count = throwsCode(assert, () => order.fulfill(book, specs.slice(0, 1), NOW), 'ORDER_TICKET_COUNT_MISMATCH')
  assert.deepEqual(count.details, { expected: 2, actual: 1 })
  assert.equal(order.fulfill(book, specs, NOW), 'fulfilled')
  assert.deepEqual(order.ticketIds(), [tid(1), tid(2)])
  assert.equal(book.ticket(tid(1)).orderId, ORDER)

  assert.equal(order.refund(eur('18.00'), NOW), 'partially_refunded')
  assert.deepEqual(order.refunded(), eur('18.00'))
  assert.deepEqual(order.refundable(), eur('100.00'))
  const exceed = throwsCode(assert, () => order.refund(eur('100.01'), NOW), 'ORDER_REFUND_EXCEEDS_PAID')
  assert.deepEqual(exceed.details, { requested: eur('100.01'), refundable: eur('100.00') })
  throwsCode(assert, () => order.refund(eur('0.00'), NOW), 'ORDER_INVALID_AMOUNT')
  throwsCode(assert, () => order.refund({ amount: '1.00', currency: 'USD' }, NOW), 'MONEY_CURRENCY_MISMATCH')

  const back = fc.Order.deserialize(order.serialize())
  assert.equal(back.state(), 'partially_refunded')
  assert.deepEqual(back.refundable(), eur('100.00'))
  assert.equal(back.refund(eur('100.00'), NOW), 'refunded')
  throwsCode(assert, () => fc.Order.deserialize('[]'), 'INPUT_INVALID')
  const forged = JSON.parse(order.serialize())
  forged.refunded = eur('118.01')
  throwsCode(assert, () => fc.Order.deserialize(JSON.stringify(forged)), 'ORDER_STATE_INVALID')
  forged.refunded = eur('18.00')
  forged.paid = null
  throwsCode(assert, () => fc.Order.deserialize(JSON.stringify(forged)), 'ORDER_STATE_INVALID')
})

test('Order: expire, cancel, apply(event), placement errors', () => {
  const { book, inv } = shop()
  const a = fc.Order.place(ORDER, dayType(), inv, 2, eur('118.00'), NOW, LATER)
  const early = throwsCode(assert, () => a.expire(inv, NOW), 'ORDER_NOT_EXPIRED')
  assert.equal(early.details.expiresAt, '2026-05-01T10:15:00.000Z')
  assert.equal(a.expire(inv, LATER), 'expired')
  assert.equal(inv.hold(ORDER).state, 'expired')
  throwsCode(assert, () => a.cancel(inv, LATER), 'ORDER_ILLEGAL_TRANSITION')

  const b = fc.Order.place(ORDER2, dayType(), inv, 3, eur('177.00'), LATER, '2026-05-01T10:30:00Z')
  const sold = throwsCode(assert,
    () => fc.Order.place(tid(50), dayType(), inv, 1, eur('59.00'), LATER, '2026-05-01T10:30:00Z'), 'INVENTORY_SOLD_OUT')
  assert.deepEqual(sold.details, { requested: 1, available: 0 })
  assert.equal(b.apply({ event: 'cancel', at: LATER }, inv, book), 'cancelled')
  assert.equal(inv.available(LATER), 3)

  const c = fc.Order.place(tid(51), dayType(), inv, 1, eur('59.00'), LATER, '2026-05-01T10:30:00Z')
  assert.equal(c.apply({ event: 'pay', amount: eur('59.00'), at: LATER }, inv, book), 'paid')
  assert.equal(c.apply({ event: 'fulfill', tickets: [{ id: tid(9), number: 'C-1', holder: 'Cy' }], at: LATER }, inv, book),
    'fulfilled')
  assert.equal(c.apply({ event: 'refund', amount: eur('59.00'), at: LATER }, inv, book), 'refunded')
  throwsCode(assert, () => c.apply({ event: 'teleport', at: LATER }, inv, book), 'INPUT_INVALID')
  throwsCode(assert, () => c.apply({ event: 'cancel', at: LATER, extra: 1 }, inv, book), 'INPUT_INVALID')

  throwsCode(assert, () => fc.Order.place(tid(52), dayType(), inv, 5, eur('1.00'), LATER, LATER), 'ORDER_MAX_PER_ORDER_EXCEEDED')
  throwsCode(assert, () => fc.Order.place(tid(52), dayType(), inv, 0, eur('1.00'), LATER, LATER), 'ORDER_INVALID_QUANTITY')
  throwsCode(assert, () => fc.Order.place(tid(52), dayType(), inv, 1, eur('1.00'), '2026-07-04T18:00:00Z', '2026-07-05T00:00:00Z'),
    'TICKET_SALE_CLOSED')
  const other = new fc.Inventory(VIP, 3)
  const mismatch = throwsCode(assert, () => fc.Order.place(tid(52), dayType(), other, 1, eur('1.00'), LATER, '2026-05-02T00:00:00Z'),
    'ORDER_INVENTORY_MISMATCH')
  assert.deepEqual(mismatch.details, { expected: DAY, actual: VIP })
  throwsCode(assert, () => fc.Order.place(tid(52), dayType(), inv, 1, eur('-1.00'), LATER, '2026-05-02T00:00:00Z'),
    'MONEY_NEGATIVE_AMOUNT')
})

test('TicketBook: issue, lookup, check-in/out, transfer, cancel, refund, revoke, serialize', () => {
  const book = new fc.TicketBook()
  book.addType(dayType())
  book.addType(dayType({ id: VIP, name: 'VIP', zones: ['main', 'backstage'], reentryAllowed: true, transferLimit: 0 }))
  throwsCode(assert, () => book.addType(dayType()), 'TICKET_DUPLICATE_ID')
  assert.equal(book.ticketType(VIP).name, 'VIP')
  assert.deepEqual(book.ticketTypes().map((t) => t.id), [DAY, VIP])
  assert.deepEqual(book.ticketTypes()[1], book.ticketType(VIP))
  assert.equal(book.ticketType(DAY).saleFrom, '2026-03-01T00:00:00.000Z')
  throwsCode(assert, () => book.ticketType(tid(99)), 'TICKET_UNKNOWN_TYPE')

  const t1 = book.issue(DAY, { id: tid(1), number: 'A1', holder: 'Ada' }, null, NOW)
  assert.equal(t1.state, 'valid')
  assert.equal(t1.lineageId, tid(1))
  assert.equal(t1.orderId, null)
  assert.equal(t1.firstCheckedInAt, null)
  const dup = throwsCode(assert, () => book.issue(DAY, { id: tid(2), number: 'A1', holder: 'X' }, null, NOW),
    'TICKET_DUPLICATE_NUMBER')
  assert.deepEqual(dup.details, { number: 'A1' })
  const all = book.issueAll(VIP, [{ id: tid(2), number: 'V1', holder: 'Bo' }, { id: tid(3), number: 'V2', holder: 'Cy' }], ORDER, NOW)
  assert.deepEqual(all.map((t) => t.orderId), [ORDER, ORDER])
  throwsCode(assert, () => book.issueAll(VIP, [{ id: tid(4), number: 'V3', holder: 'D' }, { id: tid(4), number: 'V4', holder: 'E' }], null, NOW),
    'TICKET_DUPLICATE_ID')
  assert.equal(book.byNumber('V3'), null, 'all or none')
  assert.equal(book.byNumber('V1').id, tid(2))
  assert.equal(book.ticket(tid(3)).holder, 'Cy')
  throwsCode(assert, () => book.ticket(tid(99)), 'TICKET_UNKNOWN')
  assert.equal(book.tickets().length, 3)

  assert.equal(book.nextState(tid(1), 'check_in'), 'checked_in')
  assert.equal(book.checkIn(tid(1), GIG).state, 'checked_in')
  assert.equal(book.checkOut(tid(1), GIG).state, 'checked_out')
  const reentry = throwsCode(assert, () => book.checkIn(tid(1), GIG), 'TICKET_REENTRY_NOT_ALLOWED')
  assert.deepEqual(reentry.details, { ticketId: tid(1) })
  const used = throwsCode(assert, () => book.refund(tid(1), GIG), 'TICKET_ALREADY_USED')
  assert.deepEqual(used.details, { ticketId: tid(1), event: 'refund' })
  throwsCode(assert, () => book.transfer(tid(1), { id: tid(5), number: 'A5', holder: 'Eve' }, GIG), 'TICKET_ALREADY_USED')
  assert.equal(book.apply(tid(1), 'revoke', GIG).state, 'revoked')
  const illegal = throwsCode(assert, () => book.cancel(tid(1), GIG), 'TICKET_ILLEGAL_TRANSITION')
  assert.deepEqual(illegal.details, { state: 'revoked', event: 'cancel' })

  const limit = throwsCode(assert, () => book.transfer(tid(2), { id: tid(5), number: 'V5', holder: 'Eve' }, NOW),
    'TICKET_TRANSFER_LIMIT_REACHED')
  assert.deepEqual(limit.details, { ticketId: tid(2), limit: 0 })
  assert.equal(book.cancel(tid(2), NOW).state, 'cancelled')
  assert.equal(book.refund(tid(3), NOW).state, 'refunded')

  const t6 = book.issue(DAY, { id: tid(6), number: 'A6', holder: 'Fay' }, null, NOW)
  const moved = book.transfer(t6.id, { id: tid(7), number: 'A7', holder: 'Gus' }, LATER)
  assert.deepEqual([moved.holder, moved.transfers, moved.replaces, moved.lineageId], ['Gus', 1, tid(6), tid(6)])
  assert.equal(book.ticket(tid(6)).state, 'transferred')
  assert.equal(book.ticket(tid(6)).replacedBy, tid(7))
  throwsCode(assert, () => book.transfer(tid(7), { id: tid(8), number: 'A8', holder: 'Hal' }, LATER), 'TICKET_TRANSFER_LIMIT_REACHED')
  throwsCode(assert, () => book.nextState(tid(1), 'fly'), 'INPUT_INVALID')
  throwsCode(assert, () => book.issue(DAY, { id: tid(8), number: '', holder: 'H' }, null, NOW), 'TICKET_INVALID')

  const back = fc.TicketBook.deserialize(book.serialize())
  assert.deepEqual(back.tickets(), book.tickets())
  assert.deepEqual(back.ticketType(VIP), book.ticketType(VIP))
  const state = JSON.parse(book.serialize())
  state.numbers.A1 = tid(2)
  throwsCode(assert, () => fc.TicketBook.deserialize(JSON.stringify(state)), 'TICKET_STATE_INVALID')
  throwsCode(assert, () => fc.TicketBook.deserialize('nope'), 'INPUT_INVALID')
})

// ------------------------------------------------------------------ hostile input

test('hostile input is INPUT_INVALID (or the core code), never a crash', () => {
  const inv = new fc.Inventory(DAY, 3)
  const book = new fc.TicketBook()
  book.addType(dayType())
  const huge = 'x'.repeat((1 << 20) + 1)
  const bad = [
    () => new fc.Inventory('not-a-uuid', 3),
    () => new fc.Inventory(DAY + 'x', 3),
    () => new fc.Inventory(DAY, NaN),
    () => new fc.Inventory(DAY, Infinity),
    () => new fc.Inventory(DAY, 1e400),
    () => new fc.Inventory(DAY, -1),
    () => new fc.Inventory(DAY, 1.5),
    () => new fc.Inventory(DAY, 2 ** 32),
    () => new fc.Inventory(DAY, '3'),
    () => new fc.Inventory(DAY, 2n ** 70n),
    () => new fc.Inventory(huge, 3),
    () => inv.reserve(tid(1), NaN, NOW, LATER),
    () => inv.reserve(tid(1), 1, new Date('nope'), LATER),
    () => inv.reserve(tid(1), 1, 'yesterday', LATER),
    () => inv.reserve(tid(1), 1, 1714557600000, LATER),
    () => inv.counts(undefined),
    () => inv.hold(42),
    () => fc.Order.place(ORDER, dayType(), inv, 1, 59, NOW, LATER),
    () => fc.Order.place(ORDER, dayType(), inv, 1, { amount: 59, currency: 'EUR' }, NOW, LATER),
    () => fc.Order.place(ORDER, dayType({ price: 59 }), inv, 1, eur('59.00'), NOW, LATER),
    () => fc.Order.place(ORDER, dayType({ capacity: 3.5 }), inv, 1, eur('59.00'), NOW, LATER),
    () => fc.Order.place(ORDER, dayType({ unknownField: true }), inv, 1, eur('59.00'), NOW, LATER),
    () => fc.Order.place(ORDER, 'day', inv, 1, eur('59.00'), NOW, LATER),
    () => book.issue(DAY, { id: tid(1), number: huge, holder: 'A' }, null, NOW),
    () => book.issue(DAY, { id: tid(1), number: 'N', holder: 'A' }, 'not-a-uuid', NOW),
    () => book.issue(DAY, [tid(1), 'N', 'A'], null, NOW),
    () => book.apply(tid(1), 'check_in', { toString: () => GIG }),
    () => fc.priceOrder({ lines: [{ ticketTypeId: DAY, unitPrice: eur('1.00'), quantity: NaN }], at: NOW }, config()),
    () => fc.priceOrder({ lines: [{ ticketTypeId: DAY, unitPrice: eur('1.00'), quantity: 1 }], at: NOW }, { ...config(), tax: { ...config().tax, rate: 19 } }),
    () => fc.priceOrder({ lines: [{ ticketTypeId: 'x', unitPrice: eur('1.00'), quantity: 1 }], at: NOW }, config()),
    () => fc.priceOrder({ lines: 'all', at: NOW }, config()),
    () => fc.priceOrder(null, config()),
    () => fc.priceOrder({ lines: [], at: NOW }, config(), 'EARLY10'),
    () => fc.checkTicketSale(dayType(), NOW, -0.5),
  ]
  for (const [i, f] of bad.entries()) {
    const e = throwsCode(assert, f, 'INPUT_INVALID')
    assert.ok(e.message.length < 4096, `message stays short (case ${i})`)
  }
  // -0 is 0: a zero quantity is the core's error, not a crash
  throwsCode(assert, () => inv.reserve(tid(1), -0, NOW, LATER), 'INVENTORY_INVALID_QUANTITY')
  // nothing above changed any state
  assert.deepEqual(inv.counts(NOW), { capacity: 3, sold: 0, held: 0, available: 3 })
  assert.equal(book.tickets().length, 0)
})

test('a class argument of the wrong kind is refused', () => {
  const { book, inv } = shop()
  const order = fc.Order.place(ORDER, dayType(), inv, 1, eur('59.00'), NOW, LATER)
  for (const f of [
    () => order.pay(book, eur('59.00'), NOW),
    () => order.pay({}, eur('59.00'), NOW),
    () => order.pay(null, eur('59.00'), NOW),
    () => order.fulfill(inv, [], NOW),
  ]) {
    assert.throws(f, (e) => e instanceof Error && /Inventory|TicketBook/.test(e.message))
  }
  assert.equal(order.state(), 'pending')
  assert.equal(order.pay(inv, eur('59.00'), NOW), 'paid')
})

// ------------------------------------------------------------------ a sale, end to end

test('flow: price a cart, hold seats, pay the priced total, issue tickets', () => {
  const { book, inv } = shop()
  const cfg = { ...config(), fees: { perTicket: eur('1.50'), percent: '0', rounding: 'half_even' } }
  const quote = fc.priceOrder({ lines: [{ ticketTypeId: DAY, unitPrice: book.ticketType(DAY).price, quantity: 2 }], promoCode: 'EARLY10', at: NOW },
    cfg, [early])
  const order = fc.Order.place(ORDER, book.ticketType(DAY), inv, 2, quote.total, NOW, LATER)
  assert.equal(order.pay(inv, quote.total, NOW), 'paid')
  const promo = fc.recordPromoUse(early)
  assert.equal(promo.used, 4)
  order.fulfill(book, [{ id: tid(1), number: 'F-1', holder: 'Ada' }, { id: tid(2), number: 'F-2', holder: 'Bo' }], NOW)
  assert.deepEqual(book.tickets().map((t) => [t.number, t.state, t.orderId]), [['F-1', 'valid', ORDER], ['F-2', 'valid', ORDER]])
  assert.deepEqual(inv.counts(NOW), { capacity: 3, sold: 2, held: 0, available: 1 })
  // one ticket given back: refund its share on the order, void the ticket, put the seat back on sale
  const [share] = fc.split(quote.total, 2)
  assert.deepEqual(share, eur('54.60'))
  assert.equal(order.refund(share, NOW), 'partially_refunded')
  assert.equal(book.refund(tid(2), NOW).state, 'refunded')
  assert.equal(inv.restock(1), 1)
  assert.deepEqual(order.refundable(), eur('54.59')) // 109.19 (pretix keep_gross) - 54.60
  assert.equal(inv.available(NOW), 2)
})

test('the classes expose the same methods in both packages', () => {
  const methods = (cls) => Object.getOwnPropertyNames(cls.prototype)
    .filter((k) => k !== 'constructor' && k !== 'free' && !k.startsWith('__')).sort()
  const statics = (cls) => ['deserialize', 'place'].filter((k) => typeof cls[k] === 'function')
  assert.deepEqual(methods(fc.Inventory), ['available', 'capacity', 'confirm', 'counts', 'expire', 'hold', 'holds',
    'invariantHolds', 'release', 'reserve', 'restock', 'serialize', 'sold', 'ticketTypeId'])
  assert.deepEqual(methods(fc.Order), ['apply', 'cancel', 'createdAt', 'expire', 'expiresAt', 'fulfill', 'id', 'paid',
    'pay', 'quantity', 'refund', 'refundable', 'refunded', 'serialize', 'state', 'ticketIds', 'ticketTypeId', 'total',
    'updatedAt'])
  assert.deepEqual(methods(fc.TicketBook), ['addType', 'apply', 'byNumber', 'cancel', 'checkIn', 'checkOut', 'issue',
    'issueAll', 'nextState', 'refund', 'revoke', 'serialize', 'ticket', 'ticketType', 'ticketTypes', 'tickets', 'transfer'])
  assert.deepEqual(methods(fc.AccessControl), ['annul', 'decide', 'isInside', 'occupancies', 'occupancy', 'policies',
    'scan', 'scanWith', 'serialize', 'setPolicy', 'zone'])
  assert.deepEqual(statics(fc.Inventory), ['deserialize'])
  assert.deepEqual(statics(fc.Order), ['deserialize', 'place'])
  assert.deepEqual(statics(fc.TicketBook), ['deserialize'])
  assert.deepEqual(statics(fc.AccessControl), ['deserialize'])
})

test('an argument whose getter re-enters the same object is refused cleanly', () => {
  const inv = new fc.Inventory(DAY, 3)
  let reentered = 0
  const sneaky = {
    get when() {
      reentered++
      inv.reserve(tid(1), 3, NOW, LATER) // node: runs before `inv` is borrowed; wasm: refused (busy)
      return GIG
    },
  }
  throwsCode(assert, () => inv.reserve(tid(2), 1, sneaky, LATER), 'INPUT_INVALID')
  assert.equal(reentered, 1)
  assert.equal(inv.invariantHolds(), true)
  const { held, available } = inv.counts(NOW)
  assert.equal(held + available, 3)
  assert.ok(inv.hold(tid(2)) === null, 'the outer call changed nothing')
})

// Differential: random hold histories through the typed Inventory and through the core's own
// conformance operation `ticketing.inventory_run` must give the same outcome at every step.
const camel = (v) => Array.isArray(v) ? v.map(camel)
  : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), camel(x)]))
    : v

test('Inventory agrees with the core on 200 random hold histories', () => {
  let seed = 0x5eed
  const rnd = (n) => { // mulberry32: deterministic, so a failure names a reproducible history
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return (((t ^ (t >>> 14)) >>> 0) % n)
  }
  const minute = (m) => new Date(Date.UTC(2026, 4, 1, 10, m)).toISOString()
  const seen = new Map() // outcome (ok:op or error code) -> count
  for (let run = 0; run < 200; run++) {
    const capacity = rnd(6)
    const steps = []
    let clock = 0
    for (let i = 0; i < 30; i++) {
      clock += rnd(3)
      const at = minute(clock)
      const holdId = tid(rnd(6))
      switch (rnd(5)) {
        case 0: steps.push({ op: 'reserve', hold_id: holdId, quantity: rnd(4), at, expires_at: minute(clock + rnd(12) - 1) }); break
        case 1: steps.push({ op: 'confirm', hold_id: holdId, at }); break
        case 2: steps.push({ op: 'release', hold_id: holdId, at }); break
        case 3: steps.push({ op: 'expire', at }); break
        default: steps.push({ op: 'restock', quantity: rnd(3), at })
      }
    }
    const core = JSON.parse(conformance.conformanceExecute('ticketing.inventory_run', JSON.stringify({ ticket_type_id: DAY, capacity, steps })))
    const inv = new fc.Inventory(DAY, capacity)
    steps.forEach((s, i) => {
      let got
      try {
        const r = s.op === 'reserve' ? { hold: inv.reserve(s.hold_id, s.quantity, s.at, s.expires_at) }
          : s.op === 'confirm' ? { hold: inv.confirm(s.hold_id, s.at) }
            : s.op === 'release' ? { hold: inv.release(s.hold_id) }
              : s.op === 'expire' ? { expired: inv.expire(s.at).map((h) => h.id) }
                : (inv.restock(s.quantity), {})
        got = { ...r, ok: true, counts: inv.counts(s.at) }
      } catch (e) {
        assert.ok(e instanceof Error && typeof e.code === 'string', `run ${run} step ${i}: ${e}`)
        got = { error: e.code, details: e.details }
      }
      assert.deepEqual(got, camel(core.steps[i]), `run ${run} step ${i}: ${JSON.stringify(s)}`)
      const key = got.ok ? `ok:${s.op}` : got.error
      seen.set(key, (seen.get(key) ?? 0) + 1)
      assert.equal(inv.invariantHolds(), true)
    })
    assert.deepEqual(inv.counts(steps[steps.length - 1].at), core.final)
  }
  // the histories reach every operation's success and the main refusals
  for (const k of ['ok:reserve', 'ok:confirm', 'ok:release', 'ok:expire', 'ok:restock', 'INVENTORY_SOLD_OUT',
    'INVENTORY_DUPLICATE_HOLD', 'INVENTORY_HOLD_NOT_ACTIVE', 'INVENTORY_UNKNOWN_HOLD', 'INVENTORY_INVALID_QUANTITY',
    'INVENTORY_INVALID_EXPIRY', 'INVENTORY_HOLD_EXPIRED']) {
    assert.ok((seen.get(k) ?? 0) >= 10, `${k} seen ${seen.get(k) ?? 0} times: ${JSON.stringify([...seen])}`)
  }
})

test('Order agrees with the core on 300 random order histories', () => {
  let seed = 0x07de5
  const rnd = (n) => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return (((t ^ (t >>> 14)) >>> 0) % n)
  }
  const minute = (m) => new Date(Date.UTC(2026, 4, 1, 10, m)).toISOString()
  const amounts = ['0.00', '10.00', '59.00', '100.00', '118.00', '118.01', '177.00']
  const snakeType = (t) => ({ id: t.id, name: t.name, price: t.price, capacity: t.capacity, sale_from: '2026-03-01T00:00:00Z',
    sale_until: t.saleUntil, valid_from: t.validFrom, valid_until: t.validUntil, max_per_order: t.maxPerOrder,
    zones: t.zones, reentry_allowed: t.reentryAllowed, transfer_limit: t.transferLimit })
  const seen = new Map()
  for (let run = 0; run < 300; run++) {
    const ty = dayType({ capacity: 1 + rnd(4) })
    const quantity = rnd(5)
    const total = eur(amounts[1 + rnd(amounts.length - 1)])
    const order = { id: ORDER, quantity, total, at: minute(0), expires_at: minute(15) }
    const events = []
    let clock = 0
    for (let i = 0; i < 8; i++) {
      clock += rnd(6)
      const at = minute(clock)
      switch ([0, 0, 0, 1, 1, 2, 3, 4, 4, 4][rnd(10)]) {
        case 0: events.push({ event: 'pay', amount: rnd(2) ? total : eur(amounts[rnd(amounts.length)]), at }); break
        case 1: events.push({ event: 'fulfill', tickets: Array.from({ length: rnd(2) ? quantity : rnd(4) }, (_, k) => ({ id: tid(10 * i + k), number: `T${run}-${i}-${k}`, holder: 'H' })), at }); break
        case 2: events.push({ event: 'expire', at }); break
        case 3: events.push({ event: 'cancel', at }); break
        default: events.push({ event: 'refund', amount: eur(amounts[rnd(amounts.length)]), at })
      }
    }
    let core
    let placeError
    try {
      core = JSON.parse(conformance.conformanceExecute('ticketing.order_run', JSON.stringify({ ticket_type: snakeType(ty), order, events })))
    } catch (e) {
      placeError = e
    }
    const inv = new fc.Inventory(DAY, ty.capacity)
    const book = new fc.TicketBook()
    book.addType(ty)
    let o
    try {
      o = fc.Order.place(ORDER, ty, inv, quantity, total, order.at, order.expires_at)
    } catch (e) {
      assert.ok(placeError, `run ${run}: typed placement failed (${e.code}) but the core placed it`)
      assert.equal(e.code, placeError.code)
      assert.deepEqual(e.details, camel(placeError.details))
      seen.set(`place:${e.code}`, (seen.get(`place:${e.code}`) ?? 0) + 1)
      continue
    }
    assert.equal(placeError, undefined, `run ${run}: the core refused the placement (${placeError?.code})`)
    events.forEach((ev, i) => {
      let got
      try {
        got = { state: o.apply(ev, inv, book) }
      } catch (e) {
        assert.ok(e instanceof Error && typeof e.code === 'string', `run ${run} event ${i}: ${e}`)
        got = { error: e.code, details: e.details }
      }
      assert.deepEqual(got, camel(core.steps[i]), `run ${run} event ${i}: ${JSON.stringify(ev)}`)
      const key = got.state ? `${ev.event}:${got.state}` : got.error
      seen.set(key, (seen.get(key) ?? 0) + 1)
    })
    const last = events[events.length - 1].at
    assert.deepEqual({ state: o.state(), paid: o.paid(), refunded: o.refunded(), refundable: o.refundable(),
      ticketIds: o.ticketIds(), inventory: inv.counts(last) }, camel(core.final))
  }
  for (const k of ['pay:paid', 'fulfill:fulfilled', 'expire:expired', 'cancel:cancelled', 'refund:partially_refunded',
    'refund:refunded', 'ORDER_ILLEGAL_TRANSITION', 'ORDER_PAYMENT_MISMATCH', 'ORDER_TICKET_COUNT_MISMATCH',
    'ORDER_NOT_EXPIRED', 'ORDER_REFUND_EXCEEDS_PAID', 'place:INVENTORY_SOLD_OUT', 'place:ORDER_INVALID_QUANTITY']) {
    assert.ok((seen.get(k) ?? 0) >= 3, `${k} seen ${seen.get(k) ?? 0} times: ${JSON.stringify([...seen])}`)
  }
})
