// Both packages export exactly the same API (names and kinds); every export is exercised by a test
// file of this suite (money, errors, vectors, ...).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, impl, conformance } from './adapter.mjs'

export const FUNCTIONS = [
  'parseMoney', 'moneyFromMinor', 'moneyToMinor', 'formatMoney', 'addMoney', 'subMoney', 'compareMoney',
  'mulQty', 'applyRate', 'percentage', 'allocate', 'split', 'computeTax',
  'verifySignature', 'publicKeyFromSeed', 'signMessage', 'issueTicketCode', 'decodeTicketCode', 'issueRevocationList',
  'priceOrder', 'pricingConfig', 'checkPromo', 'recordPromoUse', 'checkTicketSale', 'priceCart',
  // Check-in policies, festival calendars and scan statistics (access.test.mjs).
  'checkinPolicy', 'evaluateCheckin', 'festivalDay', 'festivalDayBounds', 'scanStats',
  // Double-entry postings (postings.test.mjs).
  'trialBalance',
]
export const CLASSES = ['TicketVerifier', 'Wallet', 'TagRegistry', 'Inventory', 'Order', 'TicketBook', 'AccessControl', 'QuotaBook', 'CartOrder']
// The offline device side and reconciliation (device.test.mjs, reconcile.test.mjs).
FUNCTIONS.push('encodeRecord', 'signRecord', 'decodeRecord', 'decodeBatch', 'encodeBatch', 'verifyRecord', 'verifyChain')
CLASSES.push('DeviceSigner', 'DeviceLog', 'DeviceRegistry', 'Reconciler', 'ReconcileReport')
// Tills: sessions, signed closings, Z-reports and the DSFinV-K-shaped export (till.test.mjs).
FUNCTIONS.push('verifyTillClosing', 'tillZReport', 'tillExportRows', 'tillExportCsv')
CLASSES.push('TillSession')
// Stand catalogs: prices, deposits, vouchers, minimum ages, signed for devices (catalog.test.mjs).
CLASSES.push('Catalog', 'SignedCatalog')
// conformanceExecute is in the node addon and in the wasm test build, not in the shipped wasm
// package (FESTIVAL_JS_CONFORMANCE_PATH set: see adapter.mjs).
if (conformance === fc) FUNCTIONS.push('conformanceExecute')

test(`the ${impl} package exports exactly the shared API`, () => {
  const exported = Object.keys(fc).filter((k) => !k.startsWith('__') && typeof fc[k] === 'function').sort()
  assert.deepEqual(exported, [...FUNCTIONS, ...CLASSES].sort())
})
