// JUnit 5 tests of check-in policies, festival calendars and scans as facts through the Kotlin
// bindings: the shared evaluator (limits, rules, what decided), AccessControl with policies
// (scanWith, annul, leaving zones), calendars across DST, and a gate's scan facts reconciled
// (admitted in error, recorded denials).
package org.festivalcore.mobile.test

import org.festivalcore.mobile.*
import org.junit.jupiter.api.Test
import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue

private fun at(s: String) = Instant.parse(s).toEpochMilli()

private const val POLICY = """{"id":"arena","version":3,"zones":["main"],"max_entries_per_day":1,
  "calendar":{"time_zone":"Europe/Berlin","day_starts_at":"06:00"},
  "rules":{"or":[{"==":[{"var":"attributes.vip"},true]},{"<":[{"var":"entries_days"},2]}]}}"""

class CheckinTest {
    private fun ctx(atMs: Long, history: List<Long> = listOf(), attributes: Map<String, AttributeValue> = mapOf()) =
        CheckinContext(DAY_TYPE, "main", null, ScanDirection.IN, atMs, false, attributes, history)

    @Test
    fun festivalDaysAcrossTheCutoffAndDst() {
        val cal = FestivalCalendar("Europe/Berlin", "06:00")
        assertEquals("2026-07-04", cal.dayOf(at("2026-07-05T03:59:00Z")))
        assertEquals("2026-07-05", cal.dayOf(at("2026-07-05T04:01:00Z")))
        assertEquals(6u.toUByte(), cal.weekday(at("2026-07-05T03:59:00Z")))
        assertEquals(1380L, cal.dayLengthMinutes("2026-03-28"))
        assertEquals(1500L, cal.dayLengthMinutes("2026-10-24"))
        assertEquals(at("2026-03-29T04:00:00Z"), cal.dayEndMs("2026-03-28"))
        assertEquals("CALENDAR_UNKNOWN_TIME_ZONE", assertFailsWith<FestivalException.Input> { FestivalCalendar("Europe/Atlantis", "06:00") }.code)
        assertEquals("CALENDAR_INVALID_DAY_START", assertFailsWith<FestivalException.Input> { FestivalCalendar("UTC", "6:00") }.code)
    }

    @Test
    fun theEvaluatorNamesWhatDecided() {
        val p = CheckinPolicy.fromJson(POLICY)
        assertEquals("arena" to 3uL, p.id() to p.version())
        val d = p.evaluate(ctx(at("2026-07-05T03:59:00Z"), listOf(at("2026-07-04T21:00:00Z"))))
        assertEquals(Decision.Deny(DenyReason.MAX_ENTRIES_PER_DAY_REACHED), d.decision)
        assertEquals("max_entries_per_day", d.check)
        assertEquals(Decision.Admit, p.evaluate(ctx(at("2026-07-05T04:01:00Z"), listOf(at("2026-07-04T21:00:00Z")))).decision)
        val history = listOf(at("2026-07-04T12:00:00Z"), at("2026-07-05T12:00:00Z"))
        val r = p.evaluate(ctx(at("2026-07-06T12:00:00Z"), history))
        assertEquals(Decision.Deny(DenyReason.RULES), r.decision)
        assertEquals(listOf("/or/0", "==", "attributes.vip"), listOf(r.rulePath, r.ruleOperator, r.ruleVariable))
        val vip = mapOf("vip" to AttributeValue.Flag(true))
        assertEquals(Decision.Admit, p.evaluate(ctx(at("2026-07-06T12:00:00Z"), history, vip)).decision)
        assertEquals("ACCESS_RULE_UNKNOWN_OPERATOR", assertFailsWith<FestivalException.Access> {
            CheckinPolicy.fromJson("""{"id":"x","version":1,"zones":["a"],"rules":{"xor":[true]}}""")
        }.code)
        assertEquals("ACCESS_RULE_TOO_DEEP", assertFailsWith<FestivalException.Access> {
            val deep = (1..17).fold("true") { acc, _ -> """{"!":[$acc]}""" }
            CheckinPolicy.fromJson("""{"id":"x","version":1,"zones":["a"],"rules":$deep}""")
        }.code)
    }

    @Test
    fun accessControlWithPoliciesAnnulAndLeavingZones() {
        val book = TicketBook()
        book.addType(dayType().copy(zones = listOf("main", "arena", "front"), reentryAllowed = true))
        book.issue(DAY_TYPE, NewTicket(rid(1), "A-1", "Ada"), null, T0 - H)
        val gates = AccessControl(listOf(
            Zone("main", "Main", 100u, listOf(), true, listOf()),
            Zone("arena", "Arena", 100u, listOf(), false, listOf()),
            Zone("front", "Front", 10u, listOf(), false, listOf()),
        ))
        gates.setPolicy(CheckinPolicy.fromJson("""{"id":"perimeter","version":5,"zones":["main"],"gates":["north"]}"""))
        gates.setPolicy(CheckinPolicy.fromJson("""{"id":"front","version":1,"zones":["front"],"leaves_zones":["arena"]}"""))
        val east = gates.scanWith(book, rid(1), "main", ScanDirection.IN, T0, ScanContext("east", false, mapOf()))
        assertEquals(Decision.Deny(DenyReason.WRONG_GATE), east.decision)
        assertEquals("gates", east.policy?.check)
        val north = ScanContext("north", false, mapOf())
        assertEquals(Decision.Admit, gates.scanWith(book, rid(1), "main", ScanDirection.IN, T0, north).decision)
        val occ = gates.annul(book, rid(1), "main", T0 + 60_000)
        assertEquals(0u, occ.occupancy)
        assertEquals(TicketState.VALID, book.ticket(rid(1)).state)
        assertEquals("ACCESS_NOTHING_TO_ANNUL", assertFailsWith<FestivalException.Access> { gates.annul(book, rid(1), "main", T0) }.code)
        assertEquals(Decision.Admit, gates.scanWith(book, rid(1), "main", ScanDirection.IN, T0 + 120_000, north).decision)
        gates.scan(book, rid(1), "arena", ScanDirection.IN, T0 + 180_000)
        val front = gates.scan(book, rid(1), "front", ScanDirection.IN, T0 + 240_000)
        assertEquals(listOf("arena"), front.leftZones)
        assertEquals(false, gates.isInside("arena", rid(1)))
        assertEquals("ACCESS_POLICY_INVALID", assertFailsWith<FestivalException.Access> {
            gates.setPolicy(CheckinPolicy.fromJson("""{"id":"x","version":1,"zones":["nowhere"]}"""))
        }.code)
    }

    @Test
    fun scansAreFactsReconciledWithTheSameEvaluator() {
        val gateId = "00000000-0000-4000-8000-0000000000d3"
        val zone = "00000000-0000-4000-8000-0000000000c1"
        val ticket2 = rid(2)
        val log = DeviceLog(seedOf(3), gateId, FESTIVAL, "EUR", LIMITS)
        val admit = ScanFact(Decision.Admit, 5uL, 2uL)
        val first = log.recordScan(rid(11), T0, rid(1), zone, Direction.IN, admit)
        assertEquals(3, first.bytes[3].toInt(), "record encoding version 3")
        log.recordScan(rid(12), T0 + 60_000, rid(1), zone, Direction.IN, admit)
        log.recordScan(rid(13), T0 + 120_000, ticket2, zone, Direction.IN, ScanFact(Decision.Deny(DenyReason.WRONG_GATE), 5uL, 2uL))
        val registry = DeviceRegistry(listOf(DeviceEntry(
            deviceId = gateId, publicKey = hexOf(publicKeyFromSeed(seedOf(3))), festivalId = FESTIVAL,
            role = DeviceRole.GATE, locations = listOf(zone), validFromMs = T0 - H, validUntilMs = T0 + 24 * H, revokedAtMs = null,
        )))
        val r = Reconciler(FESTIVAL, "EUR")
        r.setTicketFacts(rid(1), false, false, DAY_TYPE, false)
        r.setTicket(ticket2, false, false)
        r.setCheckinPolicy(CheckinPolicy.fromJson("""{"id":"perimeter","version":5,"zones":["$zone"],"max_entries_per_day":1}"""))
        val report = r.reconcile(registry, listOf(log.exportBatch()), T0 + H, ReconcileConfig(ConflictPolicy.FIRST_WINS, null, null))
        assertEquals(listOf(RecordStatus.ACCEPTED, RecordStatus.CONFLICT, RecordStatus.RECORDED), report.records.map { it.status })
        assertEquals(Resolution.ADMITTED_IN_ERROR, report.records[1].resolution)
        assertEquals(1uL, report.counts.recorded)
        val second = report.scans.single { it.recordId == rid(12) }
        assertEquals("RECONCILE_DOUBLE_ADMISSION", second.admittedInError)
        assertEquals(Decision.Deny(DenyReason.MAX_ENTRIES_PER_DAY_REACHED), second.serverPolicy?.decision)
        val denied = report.scans.single { !it.applied }
        assertEquals(Decision.Deny(DenyReason.WRONG_GATE), denied.gate.decision)
        assertNull(denied.admittedInError)
        assertTrue(r.ticketInside(rid(1)), "the person went in: occupancy stays true")
    }

    @Test
    fun theServerDecidesLikeTheGateZonesAttributesAndStaleLists() {
        val gateId = "00000000-0000-4000-8000-0000000000d3"
        val arena = "00000000-0000-4000-8000-0000000000c1"
        val stage = "00000000-0000-4000-8000-0000000000c2"
        val log = DeviceLog(seedOf(3), gateId, FESTIVAL, "EUR", LIMITS)
        log.recordScan(rid(21), T0, rid(1), arena, Direction.IN, ScanFact(Decision.Admit, 1uL, 3uL))
        log.recordScan(rid(22), T0 + 60_000, rid(1), stage, Direction.IN, ScanFact(Decision.Admit, 1uL, 3uL))
        log.recordScan(rid(23), T0 + 40 * 60_000, rid(2), arena, Direction.IN, ScanFact(Decision.Admit, 1uL, 2uL))
        val registry = DeviceRegistry(listOf(DeviceEntry(
            deviceId = gateId, publicKey = hexOf(publicKeyFromSeed(seedOf(3))), festivalId = FESTIVAL,
            role = DeviceRole.GATE, locations = listOf(arena, stage), validFromMs = T0 - H, validUntilMs = T0 + 24 * H, revokedAtMs = null,
        )))
        val r = Reconciler(FESTIVAL, "EUR")
        r.setTicketAdmission(rid(1), TicketAdmission(ticketTypeId = DAY_TYPE, attributes = mapOf("vipLevel" to AttributeValue.Number(3))))
        r.setTicketAdmission(rid(2), TicketAdmission(ticketTypeId = DAY_TYPE))
        r.setCheckinPolicy(CheckinPolicy.fromJson("""{"id":"stage","version":1,"zones":["$stage"],"leaves_zones":["$arena"],
            "rules":{">=":[{"var":"attributes.vipLevel"},3]}}"""))
        r.publishRevocationList(2uL, T0 - 2 * H, listOf())
        r.publishRevocationList(3uL, T0 + 30 * 60_000, listOf(rid(2)))
        val e = assertFailsWith<FestivalException> { r.publishRevocationList(3uL, T0 + 30 * 60_000, listOf(rid(1))) }
        assertEquals("RECONCILE_INVALID_STATE", e.errorCode)
        val config = ReconcileConfig(ConflictPolicy.FIRST_WINS, null, null, perZonePresence = true)
        val report = r.reconcile(registry, listOf(log.exportBatch()), T0 + H, config)
        val stage22 = report.scans.single { it.recordId == rid(22) }
        assertNull(stage22.admittedInError)
        assertEquals(listOf(arena), stage22.leftZones)
        val stale = report.scans.single { it.recordId == rid(23) }
        assertEquals("RECONCILE_STALE_REVOCATION_LIST", stale.admittedInError)
        assertEquals(StaleRevocationList(2uL, 3uL, T0 + 30 * 60_000), stale.staleRevocationList)
    }
}
