// Check-in policies, festival calendars and scans as facts (both packages): the policy evaluator,
// AccessControl with policies (scanWith, annul, leaving zones), calendars across DST, scan facts
// signed by a gate and reconciled (admittedInError, recorded denials), scan statistics.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, throwsCode, eur } from './adapter.mjs'

const TYPE = '00000000-0000-4000-8000-000000000001'
const TICKET = '00000000-0000-4000-8000-000000000011'
const TICKET2 = '00000000-0000-4000-8000-000000000012'
const BERLIN = { timeZone: 'Europe/Berlin', dayStartsAt: '06:00' }

test('festival days: 05:59 vs 06:01, and the 23 / 25 hour nights of DST', () => {
  assert.equal(fc.festivalDay(BERLIN, '2026-07-05T05:59:00+02:00').day, '2026-07-04')
  const d = fc.festivalDay(BERLIN, new Date('2026-07-05T04:01:00Z'))
  assert.deepEqual([d.day, d.weekday, d.localTime, d.offsetMinutes], ['2026-07-05', 7, '06:01', 120])
  assert.equal(fc.festivalDayBounds(BERLIN, '2026-03-28').dayLengthMinutes, 1380)
  assert.equal(fc.festivalDayBounds(BERLIN, '2026-10-24').dayLengthMinutes, 1500)
  assert.equal(fc.festivalDayBounds(BERLIN, '2026-03-28').dayEnd, '2026-03-29T04:00:00.000Z')
  throwsCode(assert, () => fc.festivalDay({ timeZone: 'Europe/Atlantis' }, '2026-07-05T00:00:00Z'), 'CALENDAR_UNKNOWN_TIME_ZONE')
  throwsCode(assert, () => fc.festivalDay({ timeZone: 'UTC', dayStartsAt: '24:00' }, '2026-07-05T00:00:00Z'), 'CALENDAR_INVALID_DAY_START')
})

test('the evaluator names what decided; rules and attribute names keep their case', () => {
  const policy = {
    id: 'arena', version: 3, zones: ['main'], maxEntriesPerDay: 1, calendar: BERLIN,
    rules: { or: [{ '==': [{ var: 'attributes.vipLevel' }, 3] }, { '<': [{ var: 'entries_days' }, 2] }] },
  }
  assert.deepEqual(fc.checkinPolicy(policy).rules, policy.rules)
  const ctx = { ticketTypeId: TYPE, zoneId: 'main', at: '2026-07-05T05:59:00+02:00', history: ['2026-07-04T21:00:00Z'] }
  const d = fc.evaluateCheckin(policy, ctx)
  assert.deepEqual([d.decision, d.reason, d.decidedBy.check, d.policyVersion], ['deny', 'max_entries_per_day_reached', 'max_entries_per_day', 3])
  assert.equal(fc.evaluateCheckin(policy, { ...ctx, at: '2026-07-05T06:01:00+02:00' }).decision, 'admit')
  const third = { ...ctx, at: '2026-07-06T12:00:00Z', history: ['2026-07-04T12:00:00Z', '2026-07-05T12:00:00Z'] }
  const r = fc.evaluateCheckin(policy, third)
  assert.deepEqual([r.reason, r.decidedBy.rulePath, r.decidedBy.ruleVariable], ['rules', '/or/0', 'attributes.vipLevel'])
  assert.equal(fc.evaluateCheckin(policy, { ...third, attributes: { vipLevel: 3 } }).decision, 'admit')
  throwsCode(assert, () => fc.checkinPolicy({ ...policy, rules: { xor: [true] } }), 'ACCESS_RULE_UNKNOWN_OPERATOR')
  throwsCode(assert, () => fc.checkinPolicy({ ...policy, rules: { '<': [{ var: 'entries_number' }, 1.5] } }), 'ACCESS_RULE_INVALID_VALUE')
  throwsCode(assert, () => fc.checkinPolicy({ ...policy, zones: [] }), 'ACCESS_POLICY_INVALID')
})

test('AccessControl with policies: gates, annul at a kiosk, entering the front leaves the arena', () => {
  const book = new fc.TicketBook()
  book.addType({
    id: TYPE, name: 'Weekend', price: eur('150'), capacity: 10, saleFrom: '2026-01-01T00:00:00Z',
    saleUntil: '2026-07-01T00:00:00Z', validFrom: '2026-07-01T00:00:00Z', validUntil: '2026-07-08T00:00:00Z',
    maxPerOrder: 4, zones: ['gate', 'arena', 'front'], reentryAllowed: true, transferLimit: 0,
  })
  book.issue(TYPE, { id: TICKET, number: 'W1', holder: 'Ada' }, null, '2026-05-01T00:00:00Z')
  const ac = new fc.AccessControl([
    { id: 'gate', name: 'Gate', capacity: 100, perimeter: true },
    { id: 'arena', name: 'Arena', capacity: 100 },
    { id: 'front', name: 'Front', capacity: 10 },
  ])
  ac.setPolicy({ id: 'perimeter', version: 5, zones: ['gate'], gates: ['north'], maxEntriesPerDay: 1, calendar: BERLIN })
  ac.setPolicy({ id: 'front', version: 1, zones: ['front'], leavesZones: ['arena'] })
  assert.deepEqual(ac.policies().map((p) => p.id), ['front', 'perimeter'])
  const scan = (zoneId, direction, at) => ({ ticketId: TICKET, zoneId, direction, at })
  const east = ac.scanWith(book, scan('gate', 'in', '2026-07-04T16:00:00Z'), { gate: 'east' })
  assert.deepEqual([east.decision, east.reason, east.policy.decidedBy.check], ['deny', 'wrong_gate', 'gates'])
  assert.equal(ac.scanWith(book, scan('gate', 'in', '2026-07-04T16:00:00Z'), { gate: 'north' }).decision, 'admit')
  assert.equal(book.ticket(TICKET).state, 'checked_in')
  const occ = ac.annul(book, TICKET, 'gate', '2026-07-04T16:01:00Z')
  assert.deepEqual([occ.occupancy, occ.entries], [0, 0])
  assert.equal(book.ticket(TICKET).state, 'valid')
  throwsCode(assert, () => ac.annul(book, TICKET, 'gate', '2026-07-04T16:02:00Z'), 'ACCESS_NOTHING_TO_ANNUL')
  assert.equal(ac.scanWith(book, scan('gate', 'in', '2026-07-04T16:05:00Z'), { gate: 'north' }).decision, 'admit')
  ac.scan(book, scan('arena', 'in', '2026-07-04T16:10:00Z'))
  const front = ac.scanWith(book, scan('front', 'in', '2026-07-04T16:20:00Z'), null)
  assert.deepEqual(front.leftZones, ['arena'])
  assert.equal(ac.isInside('arena', TICKET), false)
  const back = fc.AccessControl.deserialize(ac.serialize())
  assert.equal(back.policies().length, 2)
  throwsCode(assert, () => ac.setPolicy({ id: 'x', version: 1, zones: ['nowhere'] }), 'ACCESS_POLICY_INVALID')
})

test('scans are facts: a gate signs its decision, reconciliation records what happened', () => {
  const FESTIVAL = '00000000-0000-4000-8000-0000000000f0'
  const ZONE = '00000000-0000-4000-8000-0000000000c1'
  const GATE = '00000000-0000-4000-8000-0000000000d3'
  const seed = new Uint8Array(32).fill(3)
  const log = new fc.DeviceLog(new fc.DeviceSigner(seed, GATE, FESTIVAL), 'EUR',
    { perPayment: eur('50'), perWalletOffline: eur('50'), maxStoredValue: eur('500'), maxQueuedRecords: 100 })
  const admit = { decision: 'admit', policyVersion: 5, revocationVersion: 2 }
  const a = log.recordScan('00000000-0000-4000-8000-000000000101', '2026-07-04T14:00:00Z', TICKET, ZONE, 'in', admit)
  assert.equal(a.bytes[3], 3, 'record encoding version 3')
  assert.deepEqual(fc.decodeRecord(a.bytes).record.scanFact, { decision: 'admit', policyVersion: '5', revocationVersion: '2' })
  log.recordScan('00000000-0000-4000-8000-000000000102', '2026-07-04T14:01:00Z', TICKET, ZONE, 'in', admit)
  log.recordScan('00000000-0000-4000-8000-000000000103', '2026-07-04T14:02:00Z', TICKET2, ZONE, 'in',
    { decision: 'deny', reason: 'wrong_gate', policyVersion: 5, revocationVersion: 2 })
  const registry = new fc.DeviceRegistry([{ deviceId: GATE, publicKey: fc.publicKeyFromSeed(seed), festivalId: FESTIVAL,
    role: 'gate', locations: [ZONE], validFrom: '2026-07-01T00:00:00Z', validUntil: '2026-07-10T00:00:00Z' }])
  const r = new fc.Reconciler({ festivalId: FESTIVAL, currency: 'EUR' })
  r.setTicket(TICKET, { ticketTypeId: TYPE })
  r.setTicket(TICKET2, {})
  r.setCheckinPolicy({ id: 'perimeter', version: 5, zones: [ZONE], maxEntriesPerDay: 1, calendar: BERLIN })
  const report = r.reconcile(registry, [log.exportBatch()], '2026-07-05T00:00:00Z', { policy: 'first_wins' })
  assert.deepEqual(report.records.map((o) => o.status), ['accepted', 'conflict', 'recorded'])
  assert.equal(report.records[1].resolution, 'admitted_in_error')
  assert.equal(report.counts.recorded, 1)
  const second = report.scans.find((s) => s.recordId.endsWith('102'))
  assert.equal(second.admittedInError, 'RECONCILE_DOUBLE_ADMISSION')
  assert.equal(second.serverPolicy.reason, 'max_entries_per_day_reached')
  assert.equal(r.tickets()[TICKET].inside, true, 'the person went in: occupancy stays true')
  assert.deepEqual(r.tickets()[TICKET].entries.perimeter.length, 2)
  const stats = fc.scanStats(report.scans, BERLIN)
  assert.deepEqual([stats.total.admitted, stats.total.denied, stats.total.admittedInError], [2, 1, 1])
  assert.deepEqual(stats.total.deniedByReason, { wrong_gate: 1 })
  assert.deepEqual(stats.byDay.map((d) => d.day), ['2026-07-04'])
})

test('the server decides like the gate: per-zone presence, attributes, stale revocation lists, pretix counters', () => {
  const FESTIVAL = '00000000-0000-4000-8000-0000000000f0'
  const ARENA = '00000000-0000-4000-8000-0000000000c1'
  const STAGE = '00000000-0000-4000-8000-0000000000c2'
  const GATE = '00000000-0000-4000-8000-0000000000d3'
  const seed = new Uint8Array(32).fill(3)
  const log = new fc.DeviceLog(new fc.DeviceSigner(seed, GATE, FESTIVAL), 'EUR',
    { perPayment: eur('50'), perWalletOffline: eur('50'), maxStoredValue: eur('500'), maxQueuedRecords: 100 })
  const admit = (revocationVersion) => ({ decision: 'admit', policyVersion: 1, revocationVersion })
  log.recordScan('00000000-0000-4000-8000-000000000201', '2026-07-04T14:00:00Z', TICKET, ARENA, 'in', admit(3))
  log.recordScan('00000000-0000-4000-8000-000000000202', '2026-07-04T14:01:00Z', TICKET, STAGE, 'in', admit(3))
  log.recordScan('00000000-0000-4000-8000-000000000203', '2026-07-04T14:40:00Z', TICKET2, ARENA, 'in', admit(2))
  const registry = new fc.DeviceRegistry([{ deviceId: GATE, publicKey: fc.publicKeyFromSeed(seed), festivalId: FESTIVAL,
    role: 'gate', locations: [ARENA, STAGE], validFrom: '2026-07-01T00:00:00Z', validUntil: '2026-07-10T00:00:00Z' }])
  const r = new fc.Reconciler({ festivalId: FESTIVAL, currency: 'EUR' })
  r.setTicket(TICKET, { ticketTypeId: TYPE, attributes: { vipLevel: 3 } })
  r.setTicket(TICKET2, { ticketTypeId: TYPE, attributes: { vipLevel: 1 } })
  r.setCheckinPolicy({ id: 'arena', version: 1, zones: [ARENA], rules: { '>=': [{ var: 'attributes.vipLevel' }, 1] } })
  r.setCheckinPolicy({ id: 'stage', version: 1, zones: [STAGE], leavesZones: [ARENA],
    rules: { '>=': [{ var: 'attributes.vipLevel' }, 3] } })
  r.publishRevocationList(2, '2026-07-04T12:00:00Z', [])
  r.publishRevocationList('3', '2026-07-04T14:30:00Z', [TICKET2])
  throwsCode(assert, () => r.publishRevocationList(3, '2026-07-04T14:30:00Z', [TICKET]), 'RECONCILE_INVALID_STATE')
  const report = r.reconcile(registry, [log.exportBatch()], '2026-07-05T00:00:00Z', { perZonePresence: true })
  const by = (end) => report.scans.find((s) => s.recordId.endsWith(end))
  assert.equal(by('201').admittedInError, undefined)
  assert.deepEqual([by('202').admittedInError, by('202').leftZones], [undefined, [ARENA]])
  assert.equal(by('203').admittedInError, 'RECONCILE_STALE_REVOCATION_LIST')
  assert.deepEqual(by('203').staleRevocationList, { gateVersion: '2', currentVersion: '3', publishedAt: '2026-07-04T14:30:00.000Z' })
  assert.deepEqual(r.tickets()[TICKET].zones, [STAGE])
  assert.deepEqual(r.tickets()[TICKET].attributes, { vipLevel: 3 }, 'attribute names keep their case')
  assert.equal(fc.scanStats(report.scans, BERLIN).total.staleRevocationList, 1)
  const back = fc.Reconciler.deserialize(r.serialize())
  assert.equal(JSON.parse(r.serialize()).format_version, 5)
  assert.deepEqual(back.tickets(), r.tickets())
  throwsCode(assert, () => r.reconcile(registry, [], '2026-07-05T00:00:00Z', { perZone: true }), 'INPUT_INVALID')
  // pretix's counters since a time and the event's dates in buildTime.
  const policy = { id: 'doors', version: 1, zones: ['main'], calendar: BERLIN,
    event: { dateFrom: '2026-07-04T16:00:00+02:00', dateAdmission: '2026-07-04T14:00:00+02:00' },
    rules: { '<=': [{ entries_days_since: [{ buildTime: ['date_admission'] }] }, 0] } }
  const ctx = { ticketTypeId: TYPE, zoneId: 'main', at: '2026-07-06T20:00:00+02:00', history: ['2026-07-05T20:00:00+02:00'] }
  const d = fc.evaluateCheckin(policy, ctx)
  assert.deepEqual([d.decision, d.decidedBy.ruleVariable], ['deny', 'entries_days_since'])
  assert.equal(fc.evaluateCheckin(policy, { ...ctx, history: ['2026-07-04T10:00:00+02:00'] }).decision, 'admit')
  assert.deepEqual(fc.checkinPolicy(policy).event, { dateFrom: '2026-07-04T14:00:00.000Z', dateAdmission: '2026-07-04T12:00:00.000Z' })
  throwsCode(assert, () => fc.checkinPolicy({ ...policy, event: undefined }), 'ACCESS_RULE_INVALID_VALUE')
})
