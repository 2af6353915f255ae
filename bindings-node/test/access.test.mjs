// Access zones (both packages): AccessControl — every method, every deny reason, occupancy and
// alerts, perimeter check-in/out through the TicketBook, error codes and hostile input.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fc, throwsCode, eur, conformance } from './adapter.mjs'

const DAY = '00000000-0000-4000-8000-000000000001'
const VIP = '00000000-0000-4000-8000-000000000002'
const tid = (n) => `00000000-0000-4000-8000-0000000002${String(n).padStart(2, '0')}`

const type = (id, over) => ({
  id,
  name: 'Pass',
  price: eur('59.00'),
  capacity: 100,
  saleFrom: '2026-03-01T00:00:00Z',
  saleUntil: '2026-07-04T18:00:00Z',
  validFrom: '2026-07-04T10:00:00Z',
  validUntil: '2026-07-05T04:00:00Z',
  maxPerOrder: 4,
  zones: ['main'],
  reentryAllowed: false,
  transferLimit: 1,
  ...over,
})

const ZONES = [
  { id: 'main', name: 'Main arena', capacity: 3, perimeter: true, alertThresholds: [100, 50] },
  { id: 'backstage', name: 'Backstage', capacity: 1 },
  { id: 'lounge', name: 'VIP lounge', capacity: 10, ticketTypeIds: [VIP] },
]
const GIG = new Date('2026-07-04T15:00:00Z')
const ISSUED = '2026-05-01T00:00:00Z'

function festival() {
  const book = new fc.TicketBook()
  book.addType(type(DAY, {}))
  book.addType(type(VIP, { name: 'VIP', zones: ['main', 'backstage'], reentryAllowed: true }))
  for (let n = 1; n <= 4; n++) book.issue(DAY, { id: tid(n), number: `D${n}`, holder: `Day ${n}` }, null, ISSUED)
  for (let n = 11; n <= 13; n++) book.issue(VIP, { id: tid(n), number: `V${n}`, holder: `Vip ${n}` }, null, ISSUED)
  return { book, gates: new fc.AccessControl(ZONES) }
}
const scan = (ticketId, zoneId, direction = 'in', at = GIG) => ({ ticketId, zoneId, direction, at })

test('zones: definitions, occupancy, isInside', () => {
  const { gates } = festival()
  assert.deepEqual(gates.zone('lounge'), {
    id: 'lounge', name: 'VIP lounge', capacity: 10, ticketTypeIds: [VIP], perimeter: false, alertThresholds: [],
  })
  assert.deepEqual(gates.zone('main').alertThresholds, [50, 100], 'thresholds are sorted by the core')
  assert.deepEqual(gates.occupancy('main'), { zoneId: 'main', occupancy: 0, capacity: 3, entries: 0, exits: 0 })
  assert.deepEqual(gates.occupancies().map((o) => o.zoneId), ['backstage', 'lounge', 'main'])
  assert.equal(gates.isInside('main', tid(1)), false)
  const unknown = throwsCode(assert, () => gates.zone('moon'), 'ACCESS_UNKNOWN_ZONE')
  assert.deepEqual(unknown.details, { zoneId: 'moon' })
  assert.equal(unknown.family, 'access')
  throwsCode(assert, () => gates.occupancy('moon'), 'ACCESS_UNKNOWN_ZONE')
  throwsCode(assert, () => gates.isInside('moon', tid(1)), 'ACCESS_UNKNOWN_ZONE')
})

test('bad zone definitions keep the core codes', () => {
  throwsCode(assert, () => new fc.AccessControl([{ id: 'a', name: 'A', capacity: 0 }]), 'ACCESS_INVALID_ZONE')
  const t = throwsCode(assert, () => new fc.AccessControl([{ id: 'a', name: 'A', capacity: 5, alertThresholds: [101] }]),
    'ACCESS_INVALID_ZONE')
  assert.equal(t.details.zoneId, 'a')
  throwsCode(assert, () => new fc.AccessControl([{ id: ' ', name: 'A', capacity: 5 }]), 'ACCESS_INVALID_ZONE')
  const dup = throwsCode(assert, () => new fc.AccessControl([ZONES[1], ZONES[1]]), 'ACCESS_DUPLICATE_ZONE')
  assert.deepEqual(dup.details, { zoneId: 'backstage' })
  assert.deepEqual(new fc.AccessControl([]).occupancies(), [])
})

test('scan: admit, perimeter check-in, alerts, every deny reason', () => {
  const { book, gates } = festival()
  // decide changes nothing
  assert.deepEqual(gates.decide(book, scan(tid(1), 'main')), { decision: 'admit' })
  assert.equal(gates.occupancy('main').occupancy, 0)

  const first = gates.scan(book, scan(tid(1), 'main'))
  assert.deepEqual(first, { decision: 'admit', occupancy: 1, alerts: [] })
  assert.equal(book.ticket(tid(1)).state, 'checked_in', 'the perimeter checks the ticket in')
  assert.equal(book.ticket(tid(1)).used, true)
  const second = gates.scan(book, scan(tid(11), 'main'))
  assert.deepEqual(second.alerts, [{ zoneId: 'main', thresholdPercent: 50, occupancy: 2, capacity: 3, at: '2026-07-04T15:00:00.000Z' }])
  assert.equal(gates.isInside('main', tid(1)), true)

  const deny = (s) => gates.scan(book, s)
  assert.deepEqual(deny(scan(tid(1), 'main')), { decision: 'deny', reason: 'already_inside', occupancy: 2, alerts: [] })
  assert.equal(deny(scan(tid(1), 'backstage')).reason, 'wrong_zone')
  assert.equal(deny(scan(tid(1), 'lounge')).reason, 'wrong_zone')
  assert.equal(deny(scan(tid(11), 'lounge')).decision, 'admit', 'the zone lists the VIP type')
  assert.equal(deny(scan(tid(2), 'main', 'out')).reason, 'not_inside')
  assert.equal(deny(scan(tid(2), 'main', 'in', '2026-07-04T09:59:59Z')).reason, 'outside_validity')
  assert.equal(deny(scan(tid(2), 'main', 'in', '2026-07-05T04:00:00Z')).reason, 'outside_validity')

  // exit and re-entry: DAY has no re-entry, VIP has
  assert.equal(deny(scan(tid(1), 'main', 'out')).decision, 'admit')
  assert.equal(book.ticket(tid(1)).state, 'checked_out')
  assert.equal(deny(scan(tid(1), 'main')).reason, 'reentry_not_allowed')
  assert.equal(deny(scan(tid(11), 'main', 'out')).decision, 'admit')
  assert.equal(deny(scan(tid(11), 'main')).decision, 'admit')

  // zone full: backstage holds one
  assert.equal(deny(scan(tid(12), 'backstage')).decision, 'admit')
  assert.deepEqual(deny(scan(tid(13), 'backstage')), { decision: 'deny', reason: 'zone_full', occupancy: 1, alerts: [] })

  // void tickets
  book.revoke(tid(2), GIG)
  book.cancel(tid(3), GIG)
  book.refund(tid(4), GIG)
  book.issue(DAY, { id: tid(5), number: 'D5', holder: 'Five' }, null, ISSUED)
  book.transfer(tid(5), { id: tid(6), number: 'D6', holder: 'Six' }, GIG)
  assert.equal(deny(scan(tid(2), 'main')).reason, 'revoked')
  assert.equal(deny(scan(tid(3), 'main')).reason, 'cancelled')
  assert.equal(deny(scan(tid(4), 'main')).reason, 'refunded')
  assert.equal(deny(scan(tid(5), 'main')).reason, 'transferred')
  assert.equal(deny(scan(tid(6), 'main')).decision, 'admit', 'the replacement admits')
  // main: tid(11) and tid(6) inside → 2 of 3; the 100 % alert fires at the third
  const full = gates.scan(book, scan(tid(13), 'main'))
  assert.deepEqual(full.alerts.map((a) => a.thresholdPercent), [100])
  assert.deepEqual(gates.occupancy('main'), { zoneId: 'main', occupancy: 3, capacity: 3, entries: 5, exits: 2 })

  const unknown = throwsCode(assert, () => gates.scan(book, scan(tid(99), 'main')), 'ACCESS_UNKNOWN_TICKET')
  assert.deepEqual(unknown.details, { ticketId: tid(99) })
  throwsCode(assert, () => gates.scan(book, scan(tid(1), 'moon')), 'ACCESS_UNKNOWN_ZONE')
  throwsCode(assert, () => gates.decide(book, scan(tid(99), 'main')), 'ACCESS_UNKNOWN_TICKET')
})

test('serialize / deserialize keeps occupancy and presence', () => {
  const { book, gates } = festival()
  gates.scan(book, scan(tid(1), 'main'))
  const text = gates.serialize()
  assert.equal(typeof text, 'string')
  const back = fc.AccessControl.deserialize(text)
  assert.deepEqual(back.occupancies(), gates.occupancies())
  assert.equal(back.isInside('main', tid(1)), true)
  assert.equal(back.scan(book, scan(tid(1), 'main')).reason, 'already_inside')
  const state = JSON.parse(text)
  state.zones.main.zone.capacity = 0
  throwsCode(assert, () => fc.AccessControl.deserialize(JSON.stringify(state)), 'ACCESS_INVALID_ZONE')
  const moved = JSON.parse(text)
  moved.zones.elsewhere = moved.zones.main
  delete moved.zones.main
  throwsCode(assert, () => fc.AccessControl.deserialize(JSON.stringify(moved)), 'ACCESS_STATE_INVALID')
  throwsCode(assert, () => fc.AccessControl.deserialize('{}'), 'INPUT_INVALID')
  throwsCode(assert, () => fc.AccessControl.deserialize(7), 'INPUT_INVALID')
})

test('hostile input is INPUT_INVALID and changes nothing', () => {
  const { book, gates } = festival()
  const huge = 'z'.repeat((1 << 20) + 1)
  for (const f of [
    () => new fc.AccessControl('main'),
    () => new fc.AccessControl([{ id: 'a', name: 'A', capacity: NaN }]),
    () => new fc.AccessControl([{ id: 'a', name: 'A', capacity: -1 }]),
    () => new fc.AccessControl([{ id: 'a', name: 'A', capacity: 1e400 }]),
    () => new fc.AccessControl([{ id: 'a', name: 'A', capacity: 2.5 }]),
    () => new fc.AccessControl([{ id: 'a', name: 'A', capacity: 1, alertThresholds: ['50'] }]),
    () => new fc.AccessControl([{ id: 'a', name: 'A', capacity: 1, color: 'red' }]),
    () => gates.scan(book, scan('not-a-uuid', 'main')),
    () => gates.scan(book, scan(tid(1), 'main', 'sideways')),
    () => gates.scan(book, scan(tid(1), 'main', 'in', new Date(NaN))),
    () => gates.scan(book, scan(tid(1), 'main', 'in', 'tomorrow')),
    () => gates.scan(book, scan(tid(1), 'main', 'in', GIG.getTime())),
    () => gates.scan(book, scan(tid(1), huge)),
    () => gates.scan(book, { ...scan(tid(1), 'main'), extra: true }),
    () => gates.scan(book, [tid(1), 'main', 'in', GIG]),
    () => gates.scan(book, null),
    () => gates.zone(1),
    () => gates.zone(huge),
    () => gates.isInside('main', 'x'),
    () => gates.isInside('main', Symbol('x')),
  ]) {
    throwsCode(assert, f, 'INPUT_INVALID')
  }
  assert.throws(() => gates.scan(gates, scan(tid(1), 'main')), (e) => e instanceof Error && /TicketBook/.test(e.message))
  assert.deepEqual(gates.occupancy('main'), { zoneId: 'main', occupancy: 0, capacity: 3, entries: 0, exits: 0 })
  assert.equal(book.ticket(tid(1)).state, 'valid')
})

// Differential: random gate days through the typed AccessControl + TicketBook and through the
// core's own conformance operation `access.scan_run` must decide every scan the same way.
const camel = (v) => Array.isArray(v) ? v.map(camel)
  : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), camel(x)]))
    : v
const snake = (v) => Array.isArray(v) ? v.map(snake)
  : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snake(x)]))
    : v

test('AccessControl agrees with the core on 150 random gate days', () => {
  let seed = 0xacce55
  const rnd = (n) => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return (((t ^ (t >>> 14)) >>> 0) % n)
  }
  const types = [type(DAY, {}), type(VIP, { name: 'VIP', zones: ['main', 'backstage'], reentryAllowed: true })]
  const pool = [1, 2, 3, 4, 11, 12, 99].map(tid) // tid(99) is never issued
  const times = ['2026-07-04T09:00:00Z', '2026-07-04T12:00:00Z', '2026-07-04T16:00:00Z', '2026-07-04T20:00:00Z', '2026-07-05T05:00:00Z']
  const seen = new Map()
  for (let run = 0; run < 150; run++) {
    const zones = [
      { id: 'main', name: 'Main', capacity: 1 + rnd(3), ticketTypeIds: [], perimeter: true, alertThresholds: [50, 100] },
      { id: 'backstage', name: 'Backstage', capacity: 1 + rnd(2), ticketTypeIds: [], perimeter: false, alertThresholds: [100] },
      { id: 'lounge', name: 'Lounge', capacity: 2, ticketTypeIds: [VIP], perimeter: false, alertThresholds: [] },
    ]
    const issue = [1, 2, 3, 4, 11, 12].map((n) => ({ event: 'issue', ticket_type_id: n < 10 ? DAY : VIP, id: tid(n), number: `N${n}`, holder: `H${n}`, at: ISSUED }))
    const events = []
    for (let i = 0; i < 30; i++) {
      const ticketId = pool[rnd(pool.length)]
      const at = times[rnd(times.length)]
      if (rnd(6) === 0) {
        events.push({ ticket: { event: ['revoke', 'cancel', 'refund', 'check_out'][rnd(4)], ticket_id: ticketId, at } })
      } else {
        const zoneId = rnd(20) === 0 ? 'moon' : ['main', 'main', 'backstage', 'lounge'][rnd(4)]
        events.push({ ticket_id: ticketId, zone_id: zoneId, direction: rnd(3) === 0 ? 'out' : 'in', at })
      }
    }
    const core = JSON.parse(conformance.conformanceExecute('access.scan_run',
      JSON.stringify({ ticket_types: snake(types), tickets: issue, zones: snake(zones), scans: events })))

    const book = new fc.TicketBook()
    types.forEach((t) => book.addType(t))
    issue.forEach((s) => book.issue(s.ticket_type_id, { id: s.id, number: s.number, holder: s.holder }, null, s.at))
    const gates = new fc.AccessControl(zones)
    events.forEach((ev, i) => {
      let got
      try {
        if (ev.ticket) {
          const t = book.apply(ev.ticket.ticket_id, ev.ticket.event, ev.ticket.at)
          got = { ticketId: t.id, state: t.state }
        } else {
          got = gates.scan(book, { ticketId: ev.ticket_id, zoneId: ev.zone_id, direction: ev.direction, at: ev.at })
        }
      } catch (e) {
        assert.ok(e instanceof Error && typeof e.code === 'string', `run ${run} event ${i}: ${e}`)
        got = { error: e.code, details: e.details }
      }
      assert.deepEqual(got, camel(core.results[i]), `run ${run} event ${i}: ${JSON.stringify(ev)}`)
      const key = got.decision ? `${got.decision}:${got.reason ?? ''}` : got.error ?? `ticket:${got.state}`
      seen.set(key, (seen.get(key) ?? 0) + 1)
    })
    assert.deepEqual(gates.occupancies(), camel(core.occupancy))
    for (const t of core.tickets) assert.equal(book.ticket(t.id).state, t.state)
  }
  for (const k of ['admit:', 'deny:wrong_zone', 'deny:outside_validity', 'deny:already_inside', 'deny:not_inside',
    'deny:revoked', 'deny:cancelled', 'deny:refunded', 'deny:zone_full', 'deny:reentry_not_allowed',
    'ACCESS_UNKNOWN_TICKET', 'ACCESS_UNKNOWN_ZONE', 'TICKET_ILLEGAL_TRANSITION']) {
    assert.ok((seen.get(k) ?? 0) >= 5, `${k} seen ${seen.get(k) ?? 0} times: ${JSON.stringify([...seen])}`)
  }
})
