// Errors are real Error objects with .code/.family/.details, and hostile input never crashes the
// runtime: every case below must throw a festival-core error (INPUT_* or MONEY_*), not a TypeError
// from the binding layer, not a panic. Runs against both packages (adapter.mjs).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, eur, throwsCode, conformance } from './adapter.mjs'

test('errors are Error instances with code, family, details and a readable message', () => {
  const e = throwsCode(assert, () => fc.parseMoney('0.001', 'EUR'), 'MONEY_SCALE_EXCEEDED')
  assert.ok(e instanceof Error)
  assert.equal(e.name, 'FestivalError')
  assert.equal(Object.getPrototypeOf(e.details), Object.prototype, 'details is a plain object')
  assert.match(String(e), /FestivalError: amount 0.001 has more than 2 decimal places allowed for EUR/)
  assert.ok(typeof e.stack === 'string')
})

test('a JS number where money is expected is rejected clearly', () => {
  const e = throwsCode(assert, () => fc.parseMoney(12.5, 'EUR'), 'INPUT_INVALID')
  assert.equal(e.family, 'input')
  assert.match(e.message, /decimal string/)
  const e2 = throwsCode(assert, () => fc.addMoney({ amount: 1.1, currency: 'EUR' }, eur('1')), 'INPUT_INVALID')
  assert.equal(e2.details.field, 'a.amount')
  assert.match(e2.message, /never crosses as a number/)
  throwsCode(assert, () => fc.addMoney(eur('1'), 1), 'INPUT_INVALID')
  throwsCode(assert, () => fc.formatMoney('1.00 EUR'), 'INPUT_INVALID')
})

const hostileMoney = [
  ['NaN amount', { amount: NaN, currency: 'EUR' }],
  ['Infinity amount', { amount: Infinity, currency: 'EUR' }],
  ['1e400 amount', { amount: 1e400, currency: 'EUR' }],
  ['-0 amount', { amount: -0, currency: 'EUR' }],
  ['BigInt amount', { amount: 5n, currency: 'EUR' }],
  ['missing currency', { amount: '1' }],
  ['numeric currency', { amount: '1', currency: 978 }],
  ['extra key', { amount: '1', currency: 'EUR', fx: '1.1' }],
  ['array', ['1', 'EUR']],
  ['null', null],
  ['undefined', undefined],
  ['function', () => 1],
  ['symbol', Symbol('x')],
  ['Date', new Date(0)],
  ['Uint8Array', new Uint8Array([1, 2])],
  ['nested function', { amount: '1', currency: 'EUR', f: () => 1 }],
]

for (const [name, value] of hostileMoney) {
  test(`hostile money argument: ${name}`, () => {
    throwsCode(assert, () => fc.formatMoney(value), 'INPUT_INVALID')
  })
}

test('hostile strings', () => {
  throwsCode(assert, () => fc.parseMoney('9'.repeat(100000), 'EUR'), 'MONEY_INVALID_AMOUNT')
  throwsCode(assert, () => fc.parseMoney('1', 'E'.repeat(100000)), 'MONEY_UNKNOWN_CURRENCY')
  throwsCode(assert, () => fc.parseMoney('x'.repeat(2 * 1024 * 1024), 'EUR'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.parseMoney('12\u00a050', 'EUR'), 'MONEY_INVALID_AMOUNT')
  throwsCode(assert, () => fc.parseMoney('١٢', 'EUR'), 'MONEY_INVALID_AMOUNT')
  throwsCode(assert, () => fc.parseMoney('1\u0000', 'EUR'), 'MONEY_INVALID_AMOUNT')
  throwsCode(assert, () => fc.parseMoney('NaN', 'EUR'), 'MONEY_INVALID_AMOUNT')
  throwsCode(assert, () => fc.parseMoney('Infinity', 'EUR'), 'MONEY_INVALID_AMOUNT')
  throwsCode(assert, () => fc.parseMoney('1e400', 'EUR'), 'MONEY_INVALID_AMOUNT')
  throwsCode(assert, () => fc.parseMoney('79228162514264337593543950335', 'EUR'), 'MONEY_OVERFLOW')
})

test('hostile integers', () => {
  for (const q of [NaN, Infinity, -Infinity, 1e400, 1.5, -1, 2 ** 53, 2n ** 64n, -1n, '3', true, null, undefined, {}]) {
    throwsCode(assert, () => fc.mulQty(eur('1'), q), 'INPUT_INVALID')
  }
  assert.deepEqual(fc.mulQty(eur('1'), -0), eur('0.00'))
  for (const m of [1.5, 2n ** 63n, -(2n ** 63n) - 1n, NaN, 9007199254740992, '1']) {
    throwsCode(assert, () => fc.moneyFromMinor(m, 'EUR'), 'INPUT_INVALID')
  }
})

test('deeply nested and cyclic input is rejected, not a stack overflow', () => {
  let deep = eur('1')
  for (let i = 0; i < 10000; i++) deep = [deep]
  throwsCode(assert, () => fc.allocate(eur('1'), deep), 'INPUT_INVALID')
  const cyclic = { amount: '1', currency: 'EUR' }
  cyclic.self = cyclic
  throwsCode(assert, () => fc.formatMoney(cyclic), 'INPUT_INVALID')
})

test('wrong argument counts and types never crash', () => {
  throwsCode(assert, () => fc.parseMoney(), 'INPUT_INVALID')
  throwsCode(assert, () => fc.parseMoney('1'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.computeTax('lines', 'gross', 'per_line', 'up'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.computeTax([null], 'gross', 'per_line', 'up'), 'INPUT_INVALID')
  throwsCode(assert, () => conformance.conformanceExecute(1, '{}'), 'INPUT_INVALID')
  throwsCode(assert, () => conformance.conformanceExecute('money.parse', { amount: '1' }), 'INPUT_INVALID')
  throwsCode(assert, () => conformance.conformanceExecute('money.parse', '{"amount": '), 'INPUT_INVALID')
  throwsCode(assert, () => conformance.conformanceExecute('nope.op', '{}'), 'INPUT_UNKNOWN_OPERATION')
  // The runtime is still healthy after all of the above.
  assert.deepEqual(fc.parseMoney('1', 'EUR'), eur('1.00'))
})
