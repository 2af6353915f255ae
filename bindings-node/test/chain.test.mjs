// verifyChain: stateless verification of signed records against a DeviceRegistry and known chains.
// Runs against both packages; the report must equal the conformance op `offline.verify_chain`
// (keys in camelCase).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, throwsCode, conformance as oracle } from './adapter.mjs'

const FESTIVAL = '67e55044-10b1-426f-9247-bb680e5fe0c8'
const ZONE = '00000000-0000-4000-8000-0000000000c1'
const TICKET = '00000000-0000-4000-8000-0000000000e1'
const GATE = '00000000-0000-4000-8000-0000000000d3'
const GATE2 = '00000000-0000-4000-8000-0000000000d4'
const STRANGER = '00000000-0000-4000-8000-0000000000d9'
const T0 = Date.parse('2026-07-01T12:00:00Z')
const NOW = new Date(T0 + 60_000)
const seed = (n) => new Uint8Array(32).fill(n)
const rid = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
const hex = (b) => Buffer.from(b).toString('hex')
const at = (ms) => new Date(T0 + ms)

const entry = (deviceId, n) => ({
  deviceId, publicKey: fc.publicKeyFromSeed(seed(n)), festivalId: FESTIVAL, role: 'gate', locations: [ZONE],
  validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z',
})
const ENTRIES = [entry(GATE, 3), entry(GATE2, 4)]
const registry = () => new fc.DeviceRegistry(ENTRIES)

/** `count` scans signed by one device, as signed record bytes. */
function scans(n, deviceId, count, firstId) {
  const s = new fc.DeviceSigner(seed(n), deviceId, FESTIVAL)
  const out = []
  for (let i = 0; i < count; i++) {
    out.push(s.sign(rid(firstId + i), at(100 * i), { kind: 'scan', ticketId: TICKET, zoneId: ZONE, direction: 'in' }).bytes)
  }
  return out
}

const camel = (v) => {
  if (Array.isArray(v)) return v.map(camel)
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), camel(x)]))
  }
  return v
}
const snake = (v) => {
  if (Array.isArray(v)) return v.map(snake)
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()), snake(x)]))
  }
  return v
}

function conformance(records, chains, config) {
  const input = {
    festival_id: FESTIVAL, now: NOW.toISOString(),
    devices: ENTRIES.map((e) => ({
      device_id: e.deviceId, public_key: hex(e.publicKey), festival_id: FESTIVAL, role: e.role, locations: e.locations,
      valid_from: e.validFrom, valid_until: e.validUntil,
    })),
    records: records.map(hex),
  }
  if (chains) input.chains = snake(chains)
  if (config) input.config = snake(config)
  return camel(JSON.parse(oracle.conformanceExecute('offline.verify_chain', JSON.stringify(input))))
}

const statuses = (report) => report.checks.map((c) => c.code ?? c.status)

test('verifyChain equals offline.verify_chain: valid, duplicated, tampered, reordered, unknown device', () => {
  const g = scans(3, GATE, 3, 1)
  const g2 = scans(4, GATE2, 2, 10)
  const stranger = scans(9, STRANGER, 1, 20)
  const tampered = Uint8Array.from(g[1])
  tampered[tampered.length - 1] ^= 1
  const cases = {
    valid: [...g, ...g2],
    duplicated: [g[0], g[1], g[0], g[1], g[2]],
    tampered: [g[0], tampered, g[2]],
    reordered: [g2[1], g[2], g[0], g2[0], g[1]],
    unknownDevice: [stranger[0], g[0]],
    gap: [g[0], g[2]],
  }
  const expected = {
    valid: ['valid', 'valid', 'valid', 'valid', 'valid'],
    duplicated: ['valid', 'valid', 'duplicate', 'duplicate', 'valid'],
    tampered: ['valid', 'OFFLINE_BAD_SIGNATURE', 'OFFLINE_SEQUENCE_GAP'],
    reordered: ['valid', 'valid', 'valid', 'valid', 'valid'],
    unknownDevice: ['OFFLINE_UNKNOWN_DEVICE', 'valid'],
    gap: ['valid', 'OFFLINE_SEQUENCE_GAP'],
  }
  for (const [name, records] of Object.entries(cases)) {
    const report = fc.verifyChain(registry(), FESTIVAL, records, NOW)
    assert.deepEqual(report, conformance(records), name)
    assert.deepEqual(statuses(report), expected[name], name)
    for (const c of report.checks) {
      if (c.status === 'rejected') assert.equal(typeof c.chained, 'boolean', name)
      else if (c.status === 'pending') assert.deepEqual(Object.keys(c).sort(), ['code', 'status'], name)
      else assert.deepEqual(Object.keys(c), ['status'], name)
    }
  }
  // A string `now` is the same as the Date.
  assert.deepEqual(fc.verifyChain(registry(), FESTIVAL, g, NOW.toISOString()), fc.verifyChain(registry(), FESTIVAL, g, NOW))
})

test('verifyChain continues from known chains (a previous report or Reconciler.chains()) with a config', () => {
  const g = scans(3, GATE, 3, 1)
  const first = fc.verifyChain(registry(), FESTIVAL, g.slice(0, 2), NOW)
  assert.equal(first.chains[GATE].lastSequence, '2')
  const options = { chains: first.chains, config: { maxFutureSkewMs: 300_000, maxHlcSkewMs: 3_600_000 } }
  const next = fc.verifyChain(registry(), FESTIVAL, [g[1], g[2]], NOW, options)
  assert.deepEqual(statuses(next), ['duplicate', 'valid'])
  assert.deepEqual(next, conformance([g[1], g[2]], first.chains, options.config))
  // The same chains as a Reconciler holds them after reconciling the first two records.
  const r = new fc.Reconciler({ festivalId: FESTIVAL, currency: 'EUR' })
  r.setTicket(TICKET, {})
  r.reconcile(registry(), [fc.encodeBatch(g.slice(0, 2))], NOW)
  assert.deepEqual(r.chains(), first.chains)
  assert.deepEqual(fc.verifyChain(registry(), FESTIVAL, [g[2]], NOW, { chains: r.chains() }).checks, [{ status: 'valid' }])
  // A strict future-skew config keeps records stamped after `now` pending (they wait for the
  // server's clock and do not touch the chain).
  const early = new Date(T0 - 60_000)
  const strict = { config: { maxFutureSkewMs: 0, maxHlcSkewMs: 3_600_000 } }
  const skew = fc.verifyChain(registry(), FESTIVAL, [g[0]], early, strict)
  assert.deepEqual(skew.checks, [{ status: 'pending', code: 'OFFLINE_CLOCK_SKEW' }])
  for (const c of Object.values(skew.chains)) assert.equal(c.lastSequence, '0')
  assert.deepEqual(fc.verifyChain(registry(), FESTIVAL, [], NOW, null), { checks: [], chains: {} })
})

test('verifyChain: hostile input is an Error with .code', () => {
  const g = scans(3, GATE, 1, 1)
  const reg = registry()
  throwsCode(assert, () => fc.verifyChain(reg, FESTIVAL, 'nope', NOW), 'INPUT_INVALID')
  throwsCode(assert, () => fc.verifyChain(reg, FESTIVAL, { length: 1, 0: g[0] }, NOW), 'INPUT_INVALID')
  throwsCode(assert, () => fc.verifyChain(reg, FESTIVAL, [g[0], 'ab'], NOW), 'INPUT_INVALID')
  throwsCode(assert, () => fc.verifyChain(reg, FESTIVAL, [[1, 2, 3]], NOW), 'INPUT_INVALID')
  throwsCode(assert, () => fc.verifyChain(reg, FESTIVAL, [g[0].subarray(0, g[0].length - 5)], NOW), 'OFFLINE_MALFORMED')
  throwsCode(assert, () => fc.verifyChain(reg, FESTIVAL, [new Uint8Array(0)], NOW), 'OFFLINE_MALFORMED')
  throwsCode(assert, () => fc.verifyChain(reg, 'not-a-uuid', g, NOW), 'INPUT_INVALID')
  throwsCode(assert, () => fc.verifyChain(reg, 42, g, NOW), 'INPUT_INVALID')
  throwsCode(assert, () => fc.verifyChain(reg, FESTIVAL, g, new Date(NaN)), 'INPUT_INVALID')
  throwsCode(assert, () => fc.verifyChain(reg, FESTIVAL, g, 'yesterday'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.verifyChain(reg, FESTIVAL, g, NOW, { chain: {} }), 'INPUT_INVALID')
  throwsCode(assert, () => fc.verifyChain(reg, FESTIVAL, g, NOW, 'x'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.verifyChain(reg, FESTIVAL, g, NOW, { chains: { [GATE]: { lastSequence: 1 } } }), 'INPUT_INVALID')
  throwsCode(assert, () => fc.verifyChain(reg, FESTIVAL, g, NOW, { config: { maxFutureSkewMs: '1', maxHlcSkewMs: 0 } }), 'INPUT_INVALID')
  throwsCode(assert, () => fc.verifyChain(reg, FESTIVAL, g, NOW, { config: { maxFutureSkewMs: 1 } }), 'INPUT_INVALID')
  assert.throws(() => fc.verifyChain({}, FESTIVAL, g, NOW))
})
