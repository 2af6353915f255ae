// Catalog payments offline (record version 4) through JS: DeviceLog.payWithCatalog prices a payment
// with the stand's catalog and refuses what an online POS would refuse; Reconciler.publishCatalog
// lets the server check the prices again against the version the device used (a tampered price is
// CATALOG_PRICE_MISMATCH), and a version published late revises the payments that waited for it.
// Runs against both packages (adapter.mjs).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, eur, throwsCode } from './adapter.mjs'

const FESTIVAL = '67e55044-10b1-426f-9247-bb680e5fe0c8'
const WALLET = '00000000-0000-4000-8000-0000000000a1'
const STAND = '00000000-0000-4000-8000-0000000000b1'
const POS1 = '00000000-0000-4000-8000-0000000000d1'
const EPOCH = '1970-01-01T00:00:00.000Z'
const T0 = Date.parse('2026-07-01T12:00:00Z')
const NOW = new Date(T0 + 60_000)
const seed = (n) => new Uint8Array(32).fill(n)
const rid = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
const at = (ms) => new Date(T0 + ms)

const PRODUCTS = [
  { id: 'beer', name: 'Beer 0.5 l', price: eur('5.00'), vatRate: '19', minAge: 16, deposit: 'cup' },
  { id: 'pretzel', name: 'Pretzel', price: eur('3.50'), vatRate: '7' },
  { id: 'cup', name: 'Cup deposit', price: eur('2.00'), vatRate: '0', kind: 'deposit' },
]
const catalog = (version, products = PRODUCTS) => new fc.Catalog({ festivalId: FESTIVAL, version, currency: 'EUR', products })
const beer = (price) => [
  { sku: 'beer', quantity: 2, unitPrice: eur(price) },
  { sku: 'cup', quantity: 2, unitPrice: eur('2.00'), kind: 'deposit' },
]
const registry = () => new fc.DeviceRegistry([{
  deviceId: POS1, publicKey: fc.publicKeyFromSeed(seed(1)), festivalId: FESTIVAL, role: 'pos', locations: [STAND],
  validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z',
}])
const posLog = () => {
  const log = new fc.DeviceLog(new fc.DeviceSigner(seed(1), POS1, FESTIVAL), 'EUR',
    { perPayment: eur('50'), perWalletOffline: eur('50'), maxStoredValue: eur('500'), maxQueuedRecords: 100 })
  log.setSyncedBalances({ [WALLET]: eur('30') })
  return log
}
const reconciler = (ageClass = 'adult') => {
  const r = new fc.Reconciler({ festivalId: FESTIVAL, currency: 'EUR' })
  const w = new fc.Wallet({ id: WALLET, festivalId: FESTIVAL, currency: 'EUR', ageClass })
  w.topUp(WALLET, EPOCH, eur('30'))
  r.addWallet(w)
  return r
}

test('payWithCatalog: prices from the catalog, refuses a wrong price and an under-age sale, signs version 4', () => {
  const log = posLog()
  const c = catalog(3)
  throwsCode(assert, () => log.payWithCatalog(rid(1), at(0), WALLET, STAND, c, beer('1.00'), 'adult'), 'CATALOG_PRICE_MISMATCH')
  throwsCode(assert, () => log.payWithCatalog(rid(1), at(0), WALLET, STAND, c, beer('5.00'), 'under_16'), 'CATALOG_AGE_RESTRICTED')
  throwsCode(assert, () => log.payWithCatalog(rid(1), at(0), WALLET, STAND, c, beer('5.00')), 'CATALOG_AGE_RESTRICTED')
  throwsCode(assert, () => log.payWithCatalog(rid(1), at(0), WALLET, STAND, c, beer('5.00'), 'grown_up'), 'INPUT_INVALID')
  throwsCode(assert, () => log.payWithCatalog(rid(1), at(0), WALLET, STAND, c, 'beer', 'adult'), 'INPUT_INVALID')
  assert.equal(log.queued(), 0, 'a refused sale signs nothing')
  const rec = log.payWithCatalog(rid(1), at(0), WALLET, STAND, c, beer('5.00'), 'adult')
  assert.equal(rec.bytes[3], 4, 'record encoding version 4')
  assert.deepEqual(rec.record.payload.amount, eur('14.00'))
  assert.deepEqual(rec.record.payload.items, [])
  assert.equal(rec.record.payload.catalog.version, 3)
  assert.deepEqual(rec.record.payload.catalog.lines, beer('5.00'))
  assert.deepEqual(log.available(WALLET), eur('16.00'))
  // The decoder gives back the same record.
  assert.deepEqual(fc.decodeRecord(rec.bytes).record, rec.record)
})

test('reconciliation checks the prices against the published catalog of the version the device used', () => {
  const log = posLog()
  log.payWithCatalog(rid(1), at(1000), WALLET, STAND, catalog(3), beer('5.00'), 'adult')
  // A tampered device signs beer at 1.00 under version 3 (through the generic record path).
  log.record(rid(2), at(2000), {
    kind: 'payment', walletId: WALLET, amount: eur('6.00'), standId: STAND, items: [],
    catalog: { version: 3, lines: beer('1.00') },
  })
  const rec = reconciler()
  rec.publishCatalog(catalog(3))
  assert.deepEqual(rec.catalogVersions(), [3])
  const report = rec.reconcile(registry(), [log.exportBatch()], NOW)
  assert.deepEqual(report.records.map((r) => [r.recordId, r.status, r.reason ?? null]), [
    [rid(1), 'accepted', null],
    [rid(2), 'rejected', 'CATALOG_PRICE_MISMATCH'],
  ])
  assert.deepEqual(rec.balances()[WALLET].total, eur('16.00'))
  const wallet = fc.Wallet.deserialize(rec.wallet(WALLET))
  assert.deepEqual(wallet.deposits().map((d) => [d.product, d.outstanding]), [['cup', eur('4.00')]])
  // The state keeps its catalogs (format 5).
  const saved = JSON.parse(rec.serialize())
  assert.equal(saved.format_version, 5)
  assert.deepEqual(saved.catalogs.map((c) => c.version), [3])
  assert.deepEqual(fc.Reconciler.deserialize(rec.serialize()).catalogVersions(), [3])
})

test('a payment priced with an unpublished version waits, and is revised once the server publishes it', () => {
  const v4 = catalog(4, PRODUCTS.map((p) => (p.id === 'pretzel' ? { ...p, price: eur('3.00') } : p)))
  const log = posLog()
  log.payWithCatalog(rid(1), at(1000), WALLET, STAND, v4, [{ sku: 'pretzel', quantity: 1, unitPrice: eur('3.00') }], null)
  const rec = reconciler()
  rec.publishCatalog(catalog(3))
  const first = rec.reconcile(registry(), [log.exportBatch()], NOW)
  assert.equal(first.records[0].status, 'rejected')
  assert.equal(first.records[0].reason, 'RECONCILE_UNKNOWN_CATALOG')
  rec.publishCatalog(v4)
  rec.publishCatalog(v4) // the same catalog again changes nothing
  throwsCode(assert, () => rec.publishCatalog(catalog(4)), 'RECONCILE_INVALID_STATE')
  const other = new fc.Catalog({ festivalId: WALLET, version: 9, currency: 'EUR', products: PRODUCTS })
  throwsCode(assert, () => rec.publishCatalog(other), 'RECONCILE_INVALID_STATE')
  const second = rec.reconcile(registry(), [], new Date(NOW.getTime() + 1000))
  assert.equal(second.revisions.length, 1)
  assert.equal(second.revisions[0].recordId, rid(1))
  assert.equal(second.revisions[0].before.reason, 'RECONCILE_UNKNOWN_CATALOG')
  assert.equal(second.revisions[0].after.status, 'accepted')
  assert.deepEqual(second.revisions[0].moneyEffect, eur('-3.00'))
  assert.deepEqual(rec.balances()[WALLET].total, eur('27.00'))
  assert.deepEqual(rec.catalogVersions(), [3, 4])
})

test('returnDeposit: cups come back offline at the catalog price; the server checks it and counts deposit returns', () => {
  const log = posLog()
  const c = catalog(3)
  log.payWithCatalog(rid(1), at(1000), WALLET, STAND, c, beer('5.00'), 'adult')
  throwsCode(assert, () => log.returnDeposit(rid(2), at(2000), WALLET, STAND, c, 'beer', 1), 'CATALOG_LINE_KIND_MISMATCH')
  throwsCode(assert, () => log.returnDeposit(rid(2), at(2000), WALLET, STAND, c, 'mug', 1), 'CATALOG_UNKNOWN_PRODUCT')
  throwsCode(assert, () => log.returnDeposit(rid(2), at(2000), WALLET, STAND, c, 'cup', -1), 'INPUT_INVALID')
  const back = log.returnDeposit(rid(2), at(2000), WALLET, STAND, c, 'cup', 2)
  assert.equal(back.bytes[3], 4)
  assert.deepEqual(back.record.payload, {
    kind: 'deposit_return', walletId: WALLET, standId: STAND, product: 'cup', quantity: 2, amount: eur('4.00'), catalogVersion: 3,
  })
  assert.deepEqual(log.available(WALLET), eur('20.00'))
  // A forged return point credits 5.00 per cup.
  log.record(rid(3), at(3000), {
    kind: 'deposit_return', walletId: WALLET, standId: STAND, product: 'cup', quantity: 1, amount: eur('5.00'), catalogVersion: 3,
  })
  const rec = reconciler()
  rec.publishCatalog(c)
  const report = rec.reconcile(registry(), [log.exportBatch()], NOW)
  assert.deepEqual(report.records.map((r) => [r.kind, r.status, r.reason ?? null]), [
    ['payment', 'accepted', null],
    ['deposit_return', 'accepted', null],
    ['deposit_return', 'rejected', 'CATALOG_PRICE_MISMATCH'],
  ])
  assert.deepEqual(report.totals.depositReturns, eur('4.00'))
  assert.deepEqual(rec.balances()[WALLET].total, eur('20.00'))
  const wallet = fc.Wallet.deserialize(rec.wallet(WALLET))
  assert.deepEqual(wallet.deposits().map((d) => [d.product, d.outstanding]), [['cup', eur('0.00')]])
})
