// Stand catalogs through JS: Catalog / SignedCatalog (build, sign, verify, expand, checks, JSON),
// and the wallet side (catalogVersion on pay, applyWithCatalog, depositReturn, voucherGrant /
// voucherRevoke, deposits(), vouchers(), voucherTotals()). A worked stand scenario with exact
// values, and the error paths with their codes. Runs against both packages (adapter.mjs).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, eur, throwsCode } from './adapter.mjs'

const FESTIVAL = '11111111-2222-4333-8444-555555555555'
const TEEN = '67e55044-10b1-426f-9247-bb680e5fe0c8'
const OTHER = '67e55044-10b1-426f-9247-bb680e5fe0c9'
const BAR = '9b2f0c1e-2d3c-4b5a-8e7f-0123456789ab'
const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
const at = new Date('2026-07-04T21:00:00Z')
const SEED = new Uint8Array(32).fill(7)

const PRODUCTS = [
  { id: 'soda', name: 'Soda', price: eur('3.00'), vatRate: '19', voucherPrice: { voucherType: 'helper_drink', count: 1 } },
  { id: 'beer', name: 'Beer 0.5 l', price: eur('5.00'), vatRate: '19', minAge: 16, deposit: 'cup' },
  { id: 'gin_tonic', name: 'Gin Tonic', price: eur('8.00'), vatRate: '19', minAge: 18 },
  { id: 'cup', name: 'Cup deposit', price: eur('2.00'), vatRate: '0', kind: 'deposit' },
]
const stand = () => new fc.Catalog({ festivalId: FESTIVAL, version: 3, currency: 'EUR', products: PRODUCTS })
const teenWallet = () => new fc.Wallet({ id: TEEN, festivalId: FESTIVAL, currency: 'EUR', ageClass: '16_17' })
const payment = (n, basket, items = basket.items) => ({
  id: id(n),
  at,
  operation: { kind: 'payment', standId: BAR, items, catalogVersion: basket.catalogVersion },
})

test('a catalog: validated, products sorted by id, getters, core JSON', () => {
  const c = stand()
  assert.equal(c.festivalId(), FESTIVAL)
  assert.equal(c.version(), 3)
  assert.equal(c.currency(), 'EUR')
  assert.deepEqual(c.products().map((p) => p.id), ['beer', 'cup', 'gin_tonic', 'soda'])
  assert.deepEqual(c.product('beer'), PRODUCTS[1])
  // Goods leave `kind` out (the core's default), deposits carry it.
  assert.deepEqual(c.product('cup'), { id: 'cup', name: 'Cup deposit', price: eur('2.00'), vatRate: '0', kind: 'deposit' })
  assert.equal(c.product('wine'), null)
  // toJson is the core's snake_case JSON; product ids stay data (helper_drink is not renamed).
  const text = c.toJson()
  assert.deepEqual(JSON.parse(text).products[0], {
    id: 'beer', name: 'Beer 0.5 l', price: eur('5.00'), vat_rate: '19', min_age: 16, deposit: 'cup',
  })
  assert.deepEqual(JSON.parse(text).products[3].voucher_price, { voucher_type: 'helper_drink', count: 1 })
  assert.ok(text.startsWith(`{"festival_id":"${FESTIVAL}","version":3,"currency":"EUR","products":[`))
  const back = fc.Catalog.fromJson(text)
  assert.equal(back.toJson(), text)
  assert.deepEqual(back.products(), c.products())
  // The same JSON as the conformance dispatcher builds (what every runtime stores).
  const spec = JSON.parse(text)
  assert.deepEqual(JSON.parse(fc.Catalog.fromJson(JSON.stringify(spec)).toJson()), spec)
})

test('sign and verify: the organizer key, a tampered catalog, another key', () => {
  const c = stand()
  const publicKey = fc.publicKeyFromSeed(SEED)
  const signed = c.sign(SEED)
  const sig = signed.signature()
  assert.ok(sig instanceof Uint8Array)
  assert.equal(sig.length, 64)
  const encoding = c.encode()
  assert.ok(encoding instanceof Uint8Array)
  assert.deepEqual([...encoding.slice(0, 4)], [0x46, 0x43, 0x43, 1]) // "FCC", encoding version 1
  // The signature covers the domain prefix and the canonical encoding.
  const message = new Uint8Array([...new TextEncoder().encode('festival-core/catalog/v1'), ...encoding])
  assert.equal(fc.verifySignature(publicKey, message, sig), true)
  const verified = signed.verify(publicKey)
  assert.equal(verified.toJson(), c.toJson())
  // JSON round trip of the signed catalog (what a device downloads).
  const text = signed.toJson()
  assert.deepEqual(Object.keys(JSON.parse(text)), ['catalog', 'signature'])
  assert.equal(JSON.parse(text).signature.length, 128)
  const again = fc.SignedCatalog.fromJson(text)
  assert.equal(again.toJson(), text)
  assert.equal(again.catalog().toJson(), c.toJson())
  // A cheaper beer in the downloaded JSON: still a valid catalog, but the signature fails.
  const tampered = fc.SignedCatalog.fromJson(text.replace('"amount":"5.00"', '"amount":"0.50"'))
  assert.deepEqual(tampered.catalog().product('beer').price, eur('0.50'))
  throwsCode(assert, () => tampered.verify(publicKey), 'CATALOG_BAD_SIGNATURE')
  throwsCode(assert, () => signed.verify(fc.publicKeyFromSeed(new Uint8Array(32).fill(8))), 'CATALOG_BAD_SIGNATURE')
  const identity = new Uint8Array(32)
  identity[0] = 1 // the identity point: not a usable key
  throwsCode(assert, () => signed.verify(identity), 'OFFLINE_INVALID_KEY')
  throwsCode(assert, () => signed.verify(new Uint8Array(31)), 'INPUT_INVALID')
  throwsCode(assert, () => c.sign(new Uint8Array(31)), 'INPUT_INVALID')
  throwsCode(assert, () => c.sign('07'.repeat(32)), 'INPUT_INVALID')
  throwsCode(assert, () => fc.SignedCatalog.fromJson('{"catalog": {}}'), 'INPUT_INVALID')
})

test('expand a basket: goods, cup deposits, VAT of the goods only', () => {
  const basket = stand().expand([{ product: 'beer', quantity: 2 }])
  assert.deepEqual(basket, {
    catalogVersion: 3,
    items: [
      { sku: 'beer', quantity: 2, unitPrice: eur('5.00') },
      { sku: 'cup', quantity: 2, unitPrice: eur('2.00'), kind: 'deposit' },
    ],
    goodsTotal: eur('10.00'),
    depositTotal: eur('4.00'),
    total: eur('14.00'),
    deposits: [{ product: 'cup', quantity: 2, amount: eur('4.00') }],
    vouchers: [],
    vat: {
      net: eur('8.40'),
      tax: eur('1.60'),
      gross: eur('10.00'),
      lines: [{ net: eur('8.40'), tax: eur('1.60'), gross: eur('10.00') }],
      byRate: [{ rate: '19', net: eur('8.40'), tax: eur('1.60'), gross: eur('10.00') }],
    },
  })
  // The same basket with an explicit rounding strategy.
  assert.deepEqual(stand().expand([{ product: 'beer', quantity: 2 }], 'sum_by_net').vat.tax, eur('1.60'))
  const soda = stand().expand([{ product: 'soda', quantity: 1, payWithVouchers: true }])
  assert.deepEqual(soda.items, [
    { sku: 'soda', quantity: 1, unitPrice: eur('0.00'), kind: { voucher: { voucherType: 'helper_drink', count: 1 } } },
  ])
  assert.deepEqual(soda.vouchers, [{ voucherType: 'helper_drink', count: 1 }])
  assert.deepEqual(soda.total, eur('0.00'))
  assert.equal(soda.vat, null)
})

test('a stand night: catalog-checked payments, age refusal, vouchers, cup returns', () => {
  const c = stand()
  const w = teenWallet()
  assert.equal(w.config().ageClass, '16_17')
  w.topUp(id(1), at, eur('30.00'), 'cash')

  // Two beers with their cups, through the catalog check.
  const beers = c.expand([{ product: 'beer', quantity: 2 }])
  c.checkPayment(beers.items, beers.catalogVersion)
  const paid = w.applyWithCatalog(payment(2, beers), c)
  assert.equal(paid.kind, 'payment')
  assert.deepEqual(paid.refundableDelta, eur('-14.00'))
  assert.deepEqual(w.balances().total, eur('16.00'))

  // A device that charged 0.50 for a beer is refused, naming the line; nothing is booked.
  const cheap = [{ ...beers.items[0], unitPrice: eur('0.50') }, beers.items[1]]
  const e = throwsCode(assert, () => w.applyWithCatalog(payment(3, beers, cheap), c), 'CATALOG_PRICE_MISMATCH')
  assert.equal(e.family, 'wallet')
  assert.deepEqual(e.details, { line: 0, product: 'beer', expected: '5.00', actual: '0.50', currency: 'EUR' })
  throwsCode(assert, () => c.checkPayment(cheap, 3), 'CATALOG_PRICE_MISMATCH')
  // A payment without (or with another) catalog version is refused too.
  throwsCode(assert, () => c.checkPayment(beers.items), 'CATALOG_VERSION_MISMATCH')
  throwsCode(assert, () => c.checkPayment(beers.items, 2), 'CATALOG_VERSION_MISMATCH')
  // Cups missing from the lines.
  throwsCode(assert, () => c.checkPayment([beers.items[0]], 3), 'CATALOG_DEPOSIT_MISMATCH')
  assert.deepEqual(w.balances().total, eur('16.00'))

  // Gin is from 18: the 16/17-year-old is refused.
  const gin = c.expand([{ product: 'gin_tonic', quantity: 1 }])
  const age = throwsCode(assert, () => w.applyWithCatalog(payment(4, gin), c), 'CATALOG_AGE_RESTRICTED')
  assert.deepEqual(age.details, { product: 'gin_tonic', minAge: 18, ageClass: '16_17' })
  throwsCode(assert, () => c.checkAge(gin.items, '16_17'), 'CATALOG_AGE_RESTRICTED')
  throwsCode(assert, () => c.checkAge(beers.items, null), 'CATALOG_AGE_RESTRICTED') // unknown age: under 16
  c.checkAge(gin.items, 'adult')
  c.checkAge(beers.items, '16_17')

  // Helper drink vouchers: a soda paid with one.
  w.voucherGrant(id(5), at, 'helper_drink', 2)
  assert.deepEqual(w.vouchers(), [{ voucherType: 'helper_drink', count: 2 }])
  const soda = c.expand([{ product: 'soda', quantity: 1, payWithVouchers: true }])
  const sodaPaid = w.applyWithCatalog(payment(6, soda), c)
  assert.deepEqual(sodaPaid.refundableDelta, eur('0.00'))
  assert.deepEqual(w.vouchers(), [{ voucherType: 'helper_drink', count: 1 }])
  assert.deepEqual(w.voucherTotals(), [
    { voucherType: 'helper_drink', granted: 2, revoked: 0, redeemed: 1, forfeited: 0, balance: 1 },
  ])

  // One cup back at the bar (checked against the catalog's deposit price), then the other
  // through the plain method.
  const wrong = { id: id(7), at, operation: { kind: 'deposit_return', standId: BAR, product: 'cup', quantity: 1, amount: eur('3.00') } }
  throwsCode(assert, () => w.applyWithCatalog(wrong, c), 'CATALOG_PRICE_MISMATCH')
  const back = w.applyWithCatalog({ ...wrong, operation: { ...wrong.operation, amount: eur('2.00') } }, c)
  assert.equal(back.kind, 'deposit_return')
  assert.deepEqual(back.refundableDelta, eur('2.00'))
  assert.deepEqual(w.deposits(), [
    {
      product: 'cup',
      chargedQuantity: 2,
      charged: eur('4.00'),
      returnedQuantity: 1,
      returned: eur('2.00'),
      outstandingQuantity: 1,
      outstanding: eur('2.00'),
    },
  ])
  c.checkDepositReturn('cup', 1, eur('2.00'))
  throwsCode(assert, () => c.checkDepositReturn('cup', 2, eur('2.00')), 'CATALOG_PRICE_MISMATCH')
  throwsCode(assert, () => c.checkDepositReturn('beer', 1, eur('5.00')), 'CATALOG_LINE_KIND_MISMATCH')
  throwsCode(assert, () => c.checkDepositReturn('glass', 1, eur('2.00')), 'CATALOG_UNKNOWN_PRODUCT')
  const second = w.depositReturn(id(8), at, BAR, 'cup', 1, eur('2.00'))
  assert.deepEqual(second.balances.total, eur('20.00'))
  assert.equal(w.deposits()[0].outstandingQuantity, 0)
  assert.deepEqual(w.deposits()[0].outstanding, eur('0.00'))

  // The helper leaves: the last voucher is taken back; more than held is refused.
  throwsCode(assert, () => w.voucherRevoke(id(9), at, 'helper_drink', 2), 'WALLET_INSUFFICIENT_VOUCHERS')
  const revoked = w.voucherRevoke(id(10), at, 'helper_drink', 1)
  assert.equal(revoked.kind, 'voucher_revoke')
  assert.deepEqual(w.vouchers(), [])
  assert.deepEqual(w.voucherTotals()[0], { voucherType: 'helper_drink', granted: 2, revoked: 1, redeemed: 1, forfeited: 0, balance: 0 })

  // The ledger and totals: kinds in order, deposits apart from sales.
  assert.deepEqual(
    w.ledger().map((l) => l.operation.kind),
    ['top_up', 'payment', 'voucher_grant', 'payment', 'deposit_return', 'deposit_return', 'voucher_revoke'],
  )
  assert.equal(w.ledger()[1].operation.catalogVersion, 3)
  assert.deepEqual(w.ledger()[1].operation.items[1].kind, 'deposit')
  const totals = w.totals()
  assert.deepEqual(totals.payments, eur('14.00'))
  assert.deepEqual(totals.depositsCharged, eur('4.00'))
  assert.deepEqual(totals.depositReturns, eur('4.00'))
  assert.deepEqual(w.balances().total, eur('20.00'))
  // A retry of an applied entry reports the original outcome without checking again.
  assert.equal(w.applyWithCatalog(payment(2, beers), c).replayed, true)
  // The wallet survives serialize / deserialize with its vouchers and deposits.
  const restored = fc.Wallet.deserialize(w.serialize())
  assert.deepEqual(restored.voucherTotals(), w.voucherTotals())
  assert.deepEqual(restored.deposits(), w.deposits())
  assert.equal(restored.config().ageClass, '16_17')
})

test('pay() with a catalogVersion, a cup returned to another wallet', () => {
  const c = stand()
  const w = new fc.Wallet({ id: OTHER, festivalId: FESTIVAL, currency: 'EUR' })
  assert.equal(w.config().ageClass, undefined)
  w.topUp(id(1), at, eur('10.00'))
  const soda = c.expand([{ product: 'soda', quantity: 2 }])
  const out = w.pay(id(2), at, BAR, soda.items, null, soda.catalogVersion)
  assert.deepEqual(out.balances.total, eur('4.00'))
  assert.equal(w.ledger()[1].operation.catalogVersion, 3)
  // Festivals take cups from anyone: this wallet was never charged one.
  w.depositReturn(id(3), at, BAR, 'cup', 1, eur('2.00'), BAR)
  assert.deepEqual(w.deposits()[0], {
    product: 'cup',
    chargedQuantity: 0,
    charged: eur('0.00'),
    returnedQuantity: 1,
    returned: eur('2.00'),
    outstandingQuantity: -1,
    outstanding: eur('-2.00'),
  })
  assert.equal(w.ledger()[2].operation.deviceId, BAR)
  // The wallet without an age class cannot buy beer through the catalog check.
  const beer = c.expand([{ product: 'beer', quantity: 1 }])
  throwsCode(assert, () => w.applyWithCatalog(payment(4, beer), c), 'CATALOG_AGE_RESTRICTED')
  // Voucher lines without vouchers held.
  const free = c.expand([{ product: 'soda', quantity: 1, payWithVouchers: true }])
  throwsCode(assert, () => w.applyWithCatalog(payment(5, free), c), 'WALLET_INSUFFICIENT_VOUCHERS')
})

test('bad input: wrong types, invalid catalogs, unknown age classes', () => {
  const spec = (products) => ({ festivalId: FESTIVAL, version: 1, currency: 'EUR', products })
  const beer = { id: 'beer', name: 'Beer', price: eur('5.00'), vatRate: '19' }
  throwsCode(assert, () => new fc.Catalog(spec([{ ...beer, vatRate: 19 }])), 'INPUT_INVALID')
  throwsCode(assert, () => new fc.Catalog(spec([{ ...beer, price: 5 }])), 'INPUT_INVALID')
  throwsCode(assert, () => new fc.Catalog(spec([{ ...beer, sku: 'beer' }])), 'INPUT_INVALID')
  throwsCode(assert, () => new fc.Catalog(spec([{ ...beer, kind: 'service' }])), 'INPUT_INVALID')
  throwsCode(assert, () => new fc.Catalog(spec({ beer })), 'INPUT_INVALID')
  throwsCode(assert, () => new fc.Catalog({ ...spec([beer]), version: -1 }), 'INPUT_INVALID')
  throwsCode(assert, () => new fc.Catalog('beer'), 'INPUT_INVALID')
  throwsCode(assert, () => new fc.Catalog(spec([])), 'CATALOG_INVALID')
  throwsCode(assert, () => new fc.Catalog(spec([beer, beer])), 'CATALOG_DUPLICATE_PRODUCT')
  const link = throwsCode(assert, () => new fc.Catalog(spec([{ ...beer, deposit: 'cup' }])), 'CATALOG_INVALID_DEPOSIT_LINK')
  assert.deepEqual(link.details, { product: 'beer', deposit: 'cup', reason: 'no such product' })
  throwsCode(assert, () => new fc.Catalog(spec([{ ...beer, price: { amount: '5.00', currency: 'USD' } }])), 'CATALOG_CURRENCY_MISMATCH')
  throwsCode(assert, () => new fc.Catalog(spec([{ ...beer, price: eur('-1.00') }])), 'CATALOG_INVALID_PRODUCT')
  throwsCode(assert, () => fc.Catalog.fromJson('{'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.Catalog.fromJson(42), 'INPUT_INVALID')

  const c = stand()
  throwsCode(assert, () => c.expand([{ product: 'beer', quantity: 1.5 }]), 'INPUT_INVALID')
  throwsCode(assert, () => c.expand('beer'), 'INPUT_INVALID')
  throwsCode(assert, () => c.expand([{ product: 'beer', quantity: 1 }], 'bankers'), 'INPUT_INVALID')
  throwsCode(assert, () => c.expand([]), 'CATALOG_INVALID')
  throwsCode(assert, () => c.expand([{ product: 'wine', quantity: 1 }]), 'CATALOG_UNKNOWN_PRODUCT')
  throwsCode(assert, () => c.expand([{ product: 'cup', quantity: 1 }]), 'CATALOG_LINE_KIND_MISMATCH')
  throwsCode(assert, () => c.expand([{ product: 'gin_tonic', quantity: 1, payWithVouchers: true }]), 'CATALOG_VOUCHER_MISMATCH')
  throwsCode(assert, () => c.checkAge([], 'teen'), 'INPUT_INVALID')
  throwsCode(assert, () => c.checkPayment([{ sku: 'beer', quantity: 1, unitPrice: eur('5.00') }], '3'), 'INPUT_INVALID')
  throwsCode(assert, () => c.checkDepositReturn('cup', 1, 2), 'INPUT_INVALID')
  throwsCode(assert, () => new fc.Wallet({ id: TEEN, festivalId: FESTIVAL, currency: 'EUR', ageClass: 'teen' }), 'INPUT_INVALID')
  const w = teenWallet()
  w.topUp(id(1), at, eur('10.00'))
  throwsCode(assert, () => w.voucherGrant(id(2), at, 'helper_drink', 0), 'WALLET_INVALID_OPERATION')
  throwsCode(assert, () => w.voucherGrant(id(2), at, 'helper_drink', '2'), 'INPUT_INVALID')
  throwsCode(assert, () => w.depositReturn(id(3), at, BAR, 'cup', 1, 2), 'INPUT_INVALID')
  throwsCode(assert, () => w.pay(id(4), at, BAR, [{ sku: 'x', quantity: 1, unitPrice: eur('1.00') }], null, 1.5), 'INPUT_INVALID')
  throwsCode(assert, () => w.applyWithCatalog({ id: id(5), at, operation: { kind: 'payment' } }, c), 'INPUT_INVALID')
  assert.throws(() => w.applyWithCatalog(payment(6, c.expand([{ product: 'soda', quantity: 1 }])), { toJson: () => '{}' }))
  assert.deepEqual(w.balances().total, eur('10.00'))
})
