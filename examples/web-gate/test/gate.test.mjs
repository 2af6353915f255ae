// The web-gate page in a real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core from npm): load the page, paste codes, assert what it shows, compare the shop
// preview with the same core's Node build, save a screenshot (.tools/logs/web-gate.png).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { start } from '../serve.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../../..')
const require = createRequire(import.meta.url)
const { chromium } = require(path.join(root, '.tools/node/node_modules/playwright-core'))
const fc = require(path.join(root, 'bindings-wasm/pkg/node/festival_core.js'))

let server, browser, page
before(async () => {
  server = await start(0)
  browser = await chromium.launch({ executablePath: process.env.CHROME || '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] })
  page = await browser.newPage()
  const errors = []
  page.on('pageerror', (e) => errors.push(e))
  await page.goto(server.url)
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('ready'), null, { timeout: 30_000 })
  assert.deepEqual(errors, [])
})
after(async () => {
  await browser?.close()
  await server?.close()
})

const text = (id) => page.textContent(`#${id}`)
async function scan(code, direction = 'in') {
  await page.fill('#code', code)
  await page.click(direction === 'in' ? '#scan-in' : '#scan-out')
  return { decision: await text('decision'), reason: await text('reason'), ticket: await text('ticket'), occupancy: await text('occupancy') }
}

test('the gate verifies codes offline against the signed revocation list and counts the zone', async () => {
  const { valid, revoked, forged } = server.festival.demoCodes
  assert.match(await text('list'), /^version 1, 1 revoked ticket/)
  assert.equal(await text('occupancy'), '0 / 3')
  assert.deepEqual(await scan(valid[0]), { decision: 'admit', reason: '', ticket: 'SAT-1 (Ada)', occupancy: '1 / 3' })
  assert.deepEqual(await scan(valid[0]), { decision: 'deny', reason: 'already_inside', ticket: 'SAT-1 (Ada)', occupancy: '1 / 3' })
  assert.deepEqual(await scan(revoked), { decision: 'deny', reason: 'CODE_REVOKED', ticket: '–', occupancy: '1 / 3' })
  assert.equal((await scan(forged)).reason, 'CODE_BAD_SIGNATURE')
  assert.equal((await scan('not a ticket code')).reason, 'CODE_MALFORMED')
  assert.equal((await scan(valid[1])).occupancy, '2 / 3')
  assert.deepEqual(await scan(valid[0], 'out'), { decision: 'admit', reason: '', ticket: 'SAT-1 (Ada)', occupancy: '1 / 3' })
  assert.equal((await scan(valid[0])).reason, 'reentry_not_allowed')
  assert.equal((await scan(valid[2])).occupancy, '2 / 3')
})

test('the shop previews price, fees, VAT and a refund exactly as the server computes them', async () => {
  const { shop } = server.festival
  const expected = (quantity, promoCode) => {
    const p = fc.priceOrder({ lines: [{ ticketTypeId: shop.ticketType.id, unitPrice: shop.ticketType.price, quantity }], promoCode, at: new Date() }, shop.config, shop.promos)
    return [p.subtotal, p.discount, p.fees, p.tax, p.total, fc.split(p.total, quantity)[0]].map((m) => fc.formatMoney(m))
  }
  const shown = async () => Promise.all(['subtotal', 'discount', 'fees', 'vat', 'total', 'refund'].map(text))
  assert.deepEqual(await shown(), expected(2, 'EARLY10'))
  assert.equal(await text('total'), fc.formatMoney(fc.parseMoney('109.19', 'EUR'))) // pretix keep_gross
  await page.fill('#qty', '3')
  await page.fill('#promo', '')
  await page.click('#price')
  assert.deepEqual(await shown(), expected(3, null))
  await page.fill('#promo', 'NOPE')
  await page.click('#price')
  assert.match(await text('shop-error'), /^PROMO_UNKNOWN/)
  assert.equal(await text('total'), '–', 'no stale price next to an error')
  const shot = path.join(root, '.tools/logs/web-gate.png')
  fs.mkdirSync(path.dirname(shot), { recursive: true })
  await page.screenshot({ path: shot, fullPage: true })
  assert.ok(fs.statSync(shot).size > 1000)
})
