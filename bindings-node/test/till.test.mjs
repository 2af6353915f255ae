// Tills (both packages): a top-up desk's session from the float to the signed closing, receipts
// numbered without gaps with VAT per rate, the server's closing verification, the Z-report of a
// festival day and its DSFinV-K-shaped export — camelCase shapes and the core's error codes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, throwsCode, eur } from './adapter.mjs'

const id = (n) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
const TILL = id(0x7111)
const FESTIVAL = id(0xfe5)
const DEVICE = id(0xde1)
const SEED = new Uint8Array(32).fill(42)
const PRODUCTS = [
  { sku: 'beer', name: 'Beer 0.5l', vatRate: '19' },
  { sku: 'water', name: 'Water, still', vatRate: '7' },
  { sku: 'donation', name: 'Donation', vatRate: '0', vatKey: 5 },
]
const registry = () => [{
  deviceId: DEVICE, publicKey: Buffer.from(fc.publicKeyFromSeed(SEED)).toString('hex'), festivalId: FESTIVAL,
  role: 'top_up', locations: [], validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z',
}]
const spec = (n, float, openedAt, extra = {}) => ({
  sessionId: id(n), tillId: TILL, festivalId: FESTIVAL, deviceId: DEVICE, cashierId: 'anna',
  openingFloat: eur(float), openedAt, ...extra,
})
const op = (n, at, kind, amount, extra = {}) => ({ id: id(n), at, kind, amount: eur(amount), ...extra })
const sale = (n, at, method, lines, extra = {}) => ({
  paymentId: id(n), at, method, lines: lines.map(([sku, quantity, price]) => ({ sku, quantity, unitPrice: eur(price) })), ...extra,
})

test('a session: float, top-ups, payout, safe, receipts, closing with an imbalance', () => {
  const s = fc.TillSession.open(spec(1, '100.00', new Date('2026-07-04T10:00:00Z')))
  s.record(op(10, '2026-07-04T10:05:00Z', 'cash_top_up', '20.00', { walletId: id(0x3001) }))
  s.record(op(11, new Date('2026-07-04T10:06:00Z'), 'card_top_up', '30.00'))
  s.record(op(12, '2026-07-04T10:07:00Z', 'payout', '15.50'))
  s.record(op(13, '2026-07-04T10:08:00Z', 'safe_out', '50.00', { note: 'to the safe' }))
  const r = s.sale(sale(20, '2026-07-04T11:00:00Z', 'cash', [['beer', 2, '5.00'], ['water', 1, '2.50']]), PRODUCTS)
  assert.equal(r.number, 1)
  assert.deepEqual(r.total, eur('12.50'))
  assert.deepEqual(r.vat.map((v) => [v.rate, v.net.amount, v.tax.amount]), [['7', '2.34', '0.16'], ['19', '8.40', '1.60']])
  assert.equal(r.lines[1].name, 'Water, still')
  assert.equal(r.lines[0].vatKey, 1)
  // retry: same receipt, no new number; conflict: error
  assert.deepEqual(s.sale(sale(20, '2026-07-04T11:00:00Z', 'cash', [['beer', 2, '5.00'], ['water', 1, '2.50']]), PRODUCTS), r)
  throwsCode(assert, () => s.sale(sale(20, '2026-07-04T11:00:00Z', 'cash', [['beer', 3, '5.00']]), PRODUCTS), 'TILL_OPERATION_CONFLICT')
  const w = s.sale(sale(21, '2026-07-04T11:01:00Z', 'wallet', [['donation', 1, '2.00']], { walletId: id(0x3004), amount: eur('2.00') }), PRODUCTS)
  assert.equal(w.number, 2)
  assert.equal(s.nextReceiptNumber(), 3)
  const t = s.totals()
  assert.deepEqual([t.expectedCash, t.expectedCard, t.walletSales], [eur('67.00'), eur('30.00'), eur('2.00')])
  const c = s.close(new Date('2026-07-04T18:00:00Z'), { cash: eur('66.50'), card: eur('30.00') }, SEED)
  assert.deepEqual(c.closing.balances.map((b) => [b.method, b.imbalance.amount]), [['cash', '-0.50'], ['card', '0.00']])
  assert.equal(c.signature.length, 128)
  assert.equal(c.closing.operationsHash, s.operationsHash())
  assert.deepEqual(s.closing(), c)
  assert.equal(s.isClosed(), true)
  throwsCode(assert, () => s.record(op(30, '2026-07-04T18:01:00Z', 'cash_top_up', '5.00')), 'TILL_SESSION_CLOSED')
  throwsCode(assert, () => s.close('2026-07-04T18:02:00Z', { cash: eur('0'), card: eur('0') }, SEED), 'TILL_ALREADY_CLOSED')
  // the server verifies the closing against the registry; a changed amount breaks the signature
  fc.verifyTillClosing(c, registry())
  const tampered = structuredClone(c)
  tampered.closing.balances[0].counted = eur('67.00')
  tampered.closing.balances[0].imbalance = eur('0.00')
  throwsCode(assert, () => fc.verifyTillClosing(tampered, registry()), 'TILL_SIGNATURE_INVALID')
  throwsCode(assert, () => fc.verifyTillClosing(c, []), 'TILL_UNKNOWN_DEVICE')
  // state round trip
  const back = fc.TillSession.deserialize(s.serialize())
  assert.deepEqual(back.receipts(), s.receipts())
  assert.deepEqual(back.closing(), c)
})

test('errors carry the core codes and details; bad input is INPUT_INVALID', () => {
  const s = fc.TillSession.open(spec(1, '10.00', '2026-07-04T10:00:00Z'))
  const e = throwsCode(assert, () => s.record(op(1, '2026-07-04T10:01:00Z', 'payout', '10.01')), 'TILL_INSUFFICIENT_CASH')
  assert.equal(e.family, 'till')
  assert.deepEqual([e.details.needed, e.details.available], ['10.01', '10.00'])
  throwsCode(assert, () => s.record(op(1, '2026-07-04T10:01:00Z', 'cash_top_up', '0')), 'TILL_INVALID_AMOUNT')
  throwsCode(assert, () => s.record({ ...op(1, '2026-07-04T10:01:00Z', 'cash_top_up', '1'), amount: { amount: '1', currency: 'USD' } }), 'TILL_CURRENCY_MISMATCH')
  throwsCode(assert, () => s.record(op(1, '2026-07-04T09:00:00Z', 'cash_top_up', '1')), 'TILL_INVALID_TIME')
  throwsCode(assert, () => s.record({ ...op(1, '2026-07-04T10:01:00Z', 'cash_top_up', '1'), amount: { amount: 1, currency: 'EUR' } }), 'INPUT_INVALID')
  throwsCode(assert, () => s.record(op(1, '2026-07-04T10:01:00Z', 'tip', '1')), 'INPUT_INVALID')
  throwsCode(assert, () => s.sale(sale(2, '2026-07-04T10:01:00Z', 'cash', [['cola', 1, '3.00']]), PRODUCTS), 'TILL_UNKNOWN_PRODUCT')
  throwsCode(assert, () => s.sale(sale(2, '2026-07-04T10:01:00Z', 'cash', [['beer', 1, '3.00']], { amount: eur('3.01') }), PRODUCTS), 'TILL_TOTAL_MISMATCH')
  throwsCode(assert, () => s.sale(sale(2, '2026-07-04T10:01:00Z', 'cash', []), PRODUCTS), 'TILL_INVALID_RECEIPT')
  throwsCode(assert, () => s.sale(sale(2, '2026-07-04T10:01:00Z', 'cash', [['beer', 1.5, '3.00']]), PRODUCTS), 'INPUT_INVALID')
  throwsCode(assert, () => s.close('2026-07-04T11:00:00Z', { cash: eur('10'), card: eur('0') }, new Uint8Array(31)), 'INPUT_INVALID')
  throwsCode(assert, () => s.close('2026-07-04T11:00:00Z', { cash: eur('10'), card: eur('0') }, 'seed'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.TillSession.deserialize('{"spec": 1}'), 'INPUT_INVALID')
  throwsCode(assert, () => s.openNext(spec(2, '0', '2026-07-04T12:00:00Z')), 'TILL_SESSION_OPEN')
  assert.equal(s.nextReceiptNumber(), 1, 'failed sales take no number')
})

test('fiscal signatures from the caller\'s TSE are stored on the receipt', () => {
  const s = fc.TillSession.open(spec(1, '0', '2026-07-04T10:00:00Z'))
  s.sale(sale(2, '2026-07-04T10:01:00Z', 'card', [['beer', 1, '5.00']]), PRODUCTS)
  const sig = { tseSerial: '5a3f9c', transactionNumber: 118, signatureCounter: 240, startedAt: '2026-07-04T10:01:00Z',
    finishedAt: new Date('2026-07-04T10:01:01Z'), algorithm: 'ecdsa-plain-SHA384', signature: 'MGUCMQDx' }
  const r = s.attachFiscalSignature(id(2), sig)
  assert.equal(r.fiscalSignature.transactionNumber, 118)
  assert.equal(r.fiscalSignature.finishedAt, '2026-07-04T10:01:01.000Z')
  throwsCode(assert, () => s.attachFiscalSignature(id(2), { ...sig, signatureCounter: 241 }), 'TILL_OPERATION_CONFLICT')
  throwsCode(assert, () => s.attachFiscalSignature(id(3), sig), 'TILL_UNKNOWN_RECEIPT')
  assert.equal(s.receipt(id(2)).fiscalSignature.signatureCounter, 240)
  assert.equal(s.receipt(id(3)), null)
})

test('a festival day: two sessions, the Z-report, export rows and CSV', () => {
  const a = fc.TillSession.open(spec(1, '100.00', '2026-07-04T10:00:00Z'))
  a.record(op(10, '2026-07-04T10:05:00Z', 'cash_top_up', '20.00'))
  a.sale(sale(11, '2026-07-04T11:00:00Z', 'cash', [['beer', 2, '5.00'], ['water', 1, '2.50']]), PRODUCTS)
  a.close('2026-07-04T14:00:00Z', { cash: eur('132.50'), card: eur('0') }, SEED)
  const b = a.openNext(spec(2, '50.00', '2026-07-04T14:30:00Z', { cashierId: 'ben' }))
  b.sale(sale(12, '2026-07-05T01:30:00Z', 'card', [['beer', 3, '5.00']]), PRODUCTS)
  b.close('2026-07-05T02:00:00Z', { cash: eur('50.00'), card: eur('15.50') }, SEED)
  assert.equal(b.receipts()[0].number, 2)
  const sessions = [b.serialize(), a.serialize()]
  const calendar = { timeZone: 'Europe/Berlin', dayStartsAt: '06:00' }
  const request = { tillId: TILL, day: '2026-07-04', zNumber: 12, createdAt: new Date('2026-07-05T04:00:00Z') }
  const z = fc.tillZReport(request, calendar, sessions)
  assert.deepEqual(z.sessions.map((s) => s.sessionId), [id(1), id(2)])
  assert.deepEqual([z.receiptCount, z.firstReceiptNumber, z.lastReceiptNumber], [2, 1, 2])
  assert.deepEqual(z.totals.openingFloat, eur('150.00'))
  assert.deepEqual(z.balances.map((x) => x.imbalance.amount), ['0.00', '0.50'])
  assert.deepEqual(z.gross, eur('27.50'))
  assert.deepEqual(z.vat.map((v) => v.rate), ['7', '19'])
  const rows = fc.tillExportRows(z, sessions)
  assert.deepEqual(rows.map((r) => [r.bonId, r.posZeile, r.artNr, r.zahlartTyp]), [[1, 1, 'beer', 'Bar'], [1, 2, 'water', 'Bar'], [2, 1, 'beer', 'Unbar']])
  assert.deepEqual([rows[0].zKasseId, rows[0].zNr, rows[0].ustSchluessel, rows[0].posNetto], [TILL, 12, 1, eur('8.40')])
  const csv = fc.tillExportCsv(rows)
  const lines = csv.split('\r\n')
  assert.equal(lines[0], 'Z_KASSE_ID,Z_ERSTELLUNG,Z_NR,BON_ID,POS_ZEILE,GUTSCHEIN_NR,ARTIKELTEXT,GV_TYP,ART_NR,MENGE,STK_BR,UST_SCHLUESSEL,UST_SATZ,POS_BRUTTO,POS_NETTO,POS_UST,BON_ENDE,ZAHLART_TYP')
  assert.equal(lines[2], `${TILL},2026-07-05T04:00:00.000Z,12,1,2,,"Water, still",Umsatz,water,1,2.50,2,7,2.50,2.34,0.16,2026-07-04T11:00:00.000Z,Bar`)
  assert.equal(lines.length, 5)
  throwsCode(assert, () => fc.tillZReport({ ...request, day: '2026-07-06' }, calendar, sessions), 'TILL_NO_SESSIONS')
  throwsCode(assert, () => fc.tillZReport(request, calendar, [a.serialize(), fc.TillSession.open(spec(3, '0', '2026-07-04T20:00:00Z')).serialize()]), 'TILL_SESSION_OPEN')
  throwsCode(assert, () => fc.tillZReport(request, calendar, [{}]), 'INPUT_INVALID')
})

test('till postings: the drawer, the safe and the cash difference of a closing', () => {
  const s = fc.TillSession.open(spec(1, '100.00', '2026-07-04T10:00:00Z'))
  s.record(op(10, '2026-07-04T10:05:00Z', 'cash_top_up', '20.00', { walletId: id(0x3001) }))
  s.record(op(12, '2026-07-04T10:07:00Z', 'payout', '15.50'))
  s.record(op(13, '2026-07-04T10:08:00Z', 'safe_out', '50.00'))
  s.sale(sale(20, '2026-07-04T11:00:00Z', 'cash', [['beer', 2, '5.00'], ['water', 1, '2.50']]), PRODUCTS)
  s.sale(sale(21, '2026-07-04T11:01:00Z', 'card', [['beer', 1, '5.00']]), PRODUCTS)
  const drawer = `cash_drawer:${TILL}`
  assert.deepEqual(fc.trialBalance('EUR', s.postings()).accounts[drawer], eur('67.00'))
  s.close('2026-07-04T18:00:00Z', { cash: eur('66.50'), card: eur('5.00') }, SEED)
  const postings = s.postings()
  assert.deepEqual(postings.map((p) => p.kind),
    ['till_open', 'till_cash_top_up', 'till_payout', 'till_safe_out', 'till_sale', 'till_sale', 'till_closing'])
  assert.ok(postings.every((p) => p.tillId === TILL))
  assert.equal(postings[1].walletId, id(0x3001))
  assert.equal('walletId' in postings[0], false)
  assert.deepEqual(postings.at(-1).legs.map((l) => [l.account, l.amount.amount]),
    [[drawer, '-67.00'], ['safe', '66.50'], ['expense:cash_differences', '0.50']])
  const books = fc.trialBalance('EUR', postings)
  assert.equal(books.balanced, true)
  assert.deepEqual([books.accounts[drawer], books.accounts.safe, books.accounts['funds:cash'], books.accounts.payouts],
    [eur('0.00'), eur('16.50'), eur('-20.00'), eur('15.50')])
  assert.deepEqual(books.revenueByStand, [{ standId: null, net: eur('17.50') }])
})

test('till postings: deposit lines are a liability, not revenue; the export marks them Pfand', () => {
  const products = [...PRODUCTS, { sku: 'cup', name: 'Cup deposit', vatRate: '0', deposit: true }]
  const s = fc.TillSession.open(spec(1, '0.00', new Date('2026-07-04T10:00:00Z'), { standId: id(0x57a) }))
  const r = s.sale(sale(20, '2026-07-04T11:00:00Z', 'cash', [['beer', 2, '5.00'], ['cup', 2, '2.00']]), products)
  assert.deepEqual(r.lines.map((l) => l.deposit ?? false), [false, true])
  const p = s.postings().find((x) => x.kind === 'till_sale')
  assert.deepEqual(p.legs.map((l) => [l.account, l.amount.amount]), [
    [`cash_drawer:${TILL}`, '14.00'], [`revenue:${id(0x57a)}`, '-10.00'], ['liability:deposits', '-4.00'],
  ])
  throwsCode(assert, () => s.sale(sale(21, '2026-07-04T11:01:00Z', 'cash', [['cup', 1, '2.00']]),
    [{ sku: 'cup', name: 'Cup', vatRate: '0', deposit: 'yes' }]), 'INPUT_INVALID')
})
