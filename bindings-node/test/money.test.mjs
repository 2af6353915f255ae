// Money API: every function, happy paths and error codes. Runs against both packages (adapter.mjs).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, eur, throwsCode } from './adapter.mjs'

test('parseMoney pads to the currency scale and returns strings', () => {
  assert.deepEqual(fc.parseMoney('12.5', 'EUR'), eur('12.50'))
  assert.deepEqual(fc.parseMoney('1500', 'JPY'), { amount: '1500', currency: 'JPY' })
  assert.deepEqual(fc.parseMoney('1.234', 'KWD'), { amount: '1.234', currency: 'KWD' })
  assert.deepEqual(fc.parseMoney('3', 'BEER:0'), { amount: '3', currency: 'BEER:0' })
  assert.deepEqual(fc.parseMoney('-0', 'EUR'), eur('0.00'))
})

test('parseMoney error codes', () => {
  const e = throwsCode(assert, () => fc.parseMoney('0.001', 'EUR'), 'MONEY_SCALE_EXCEEDED')
  assert.equal(e.family, 'money')
  assert.deepEqual(e.details, { amount: '0.001', currency: 'EUR', minorDigits: 2 })
  assert.match(e.message, /more than 2 decimal places/)
  throwsCode(assert, () => fc.parseMoney('1e3', 'EUR'), 'MONEY_INVALID_AMOUNT')
  throwsCode(assert, () => fc.parseMoney('1', 'XXQ'), 'MONEY_UNKNOWN_CURRENCY')
  throwsCode(assert, () => fc.parseMoney('1', 'bad:code'), 'MONEY_INVALID_CURRENCY')
})

test('moneyFromMinor / moneyToMinor use BigInt', () => {
  assert.deepEqual(fc.moneyFromMinor(1050n, 'EUR'), eur('10.50'))
  assert.deepEqual(fc.moneyFromMinor(1050, 'EUR'), eur('10.50'))
  assert.deepEqual(fc.moneyFromMinor(-9223372036854775808n, 'EUR'), eur('-92233720368547758.08'))
  assert.equal(fc.moneyToMinor(eur('10.50')), 1050n)
  assert.equal(typeof fc.moneyToMinor(eur('0')), 'bigint')
  assert.equal(fc.moneyToMinor(eur('-92233720368547758.08')), -9223372036854775808n)
  throwsCode(assert, () => fc.moneyFromMinor(1.5, 'EUR'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.moneyFromMinor(2n ** 63n, 'EUR'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.moneyFromMinor('1050', 'EUR'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.moneyToMinor(eur('92233720368547758.08')), 'MONEY_OVERFLOW')
})

test('formatMoney, addMoney, subMoney, compareMoney', () => {
  assert.equal(fc.formatMoney(eur('3')), '3.00 EUR')
  assert.deepEqual(fc.addMoney(eur('1.10'), eur('2.25')), eur('3.35'))
  assert.deepEqual(fc.subMoney(eur('1.10'), eur('2.25')), eur('-1.15'))
  assert.equal(fc.compareMoney(eur('1'), eur('1.00')), 0)
  assert.equal(fc.compareMoney(eur('1'), eur('2')), -1)
  assert.equal(fc.compareMoney(eur('3'), eur('2')), 1)
  const e = throwsCode(assert, () => fc.addMoney(eur('1'), { amount: '1', currency: 'USD' }), 'MONEY_CURRENCY_MISMATCH')
  assert.deepEqual(e.details, { expected: 'EUR', actual: 'USD' })
  throwsCode(assert, () => fc.compareMoney(eur('1'), { amount: '1', currency: 'USD' }), 'MONEY_CURRENCY_MISMATCH')
  const big = eur('792281625142643375935439503.35')
  throwsCode(assert, () => fc.addMoney(big, big), 'MONEY_OVERFLOW')
})

test('mulQty, applyRate, percentage', () => {
  assert.deepEqual(fc.mulQty(eur('2.50'), 3), eur('7.50'))
  assert.deepEqual(fc.mulQty(eur('2.50'), 3n), eur('7.50'))
  assert.deepEqual(fc.applyRate(eur('0.25'), '0.5', 'half_even'), eur('0.12'))
  assert.deepEqual(fc.applyRate(eur('0.25'), '0.5', 'half_up'), eur('0.13'))
  assert.deepEqual(fc.applyRate(eur('0.25'), '0.5', 'down'), eur('0.12'))
  assert.deepEqual(fc.applyRate(eur('0.21'), '0.5', 'up'), eur('0.11'))
  assert.deepEqual(fc.percentage(eur('37.50'), '2.5', 'half_even'), eur('0.94'))
  throwsCode(assert, () => fc.applyRate(eur('1'), '0.5', 'nearest'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.applyRate(eur('1'), 0.5, 'up'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.mulQty(eur('1'), -1), 'INPUT_INVALID')
  throwsCode(assert, () => fc.mulQty(eur('792281625142643375935439503.35'), 2n ** 64n - 1n), 'MONEY_OVERFLOW')
})

test('allocate and split sum exactly', () => {
  assert.deepEqual(fc.allocate(eur('100'), ['1', '1', '1']), [eur('33.34'), eur('33.33'), eur('33.33')])
  assert.deepEqual(fc.allocate(eur('-10'), ['1', '2']), [eur('-3.33'), eur('-6.67')])
  assert.deepEqual(fc.split(eur('0.05'), 3), [eur('0.02'), eur('0.02'), eur('0.01')])
  throwsCode(assert, () => fc.allocate(eur('1'), []), 'MONEY_INVALID_RATIO')
  throwsCode(assert, () => fc.allocate(eur('1'), ['-1', '2']), 'MONEY_INVALID_RATIO')
  throwsCode(assert, () => fc.allocate(eur('1'), [1, 2]), 'INPUT_INVALID')
  throwsCode(assert, () => fc.split(eur('1'), 0), 'MONEY_INVALID_RATIO')
  throwsCode(assert, () => fc.split(eur('1'), 2.5), 'INPUT_INVALID')
})

test('computeTax returns a camelCase breakdown', () => {
  const lines = [0, 1, 2].map(() => ({ amount: eur('0.99'), rate: '19' }))
  const perLine = fc.computeTax(lines, 'gross', 'per_line', 'half_up')
  const byNet = fc.computeTax(lines, 'gross', 'sum_by_net', 'half_up')
  const keep = fc.computeTax(lines, 'gross', 'sum_by_net_keep_gross', 'half_up')
  assert.deepEqual(perLine.gross, eur('2.97'))
  assert.deepEqual(byNet.gross, eur('2.96'))
  assert.deepEqual(keep.gross, eur('2.98')) // pretix: 2.97 has no net at 19 %
  assert.deepEqual(keep.tax, eur('0.48'))
  assert.equal(keep.lines.length, 3)
  assert.deepEqual(Object.keys(keep.byRate[0]).sort(), ['gross', 'net', 'rate', 'tax'])
  assert.equal(keep.byRate[0].rate, '19')
  throwsCode(assert, () => fc.computeTax([], 'gross', 'per_line', 'up'), 'MONEY_INVALID_RATIO')
  throwsCode(assert, () => fc.computeTax([{ amount: eur('1'), rate: '101' }], 'net', 'per_line', 'up'), 'MONEY_INVALID_RATE')
  throwsCode(assert, () => fc.computeTax(lines, 'brutto', 'per_line', 'up'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.computeTax([{ amount: eur('1'), rate: '19', qty: 2 }], 'net', 'per_line', 'up'), 'INPUT_INVALID')
})
