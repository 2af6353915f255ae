// JUnit 5 tests of the server side of offline sync through the Kotlin bindings: DeviceRegistry,
// Reconciler (an offline POS flow under all 3 conflict policies, compared with the conformance op
// `offline.reconcile` as the oracle), verifyChain (compared with `offline.verify_chain`), the
// persisted JSON form, hostile input.
package org.festivalcore.mobile.test

import org.festivalcore.mobile.*
import org.junit.jupiter.api.Test
import java.math.BigDecimal
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

const val POS1 = "00000000-0000-4000-8000-000000000011"
const val POS2 = "00000000-0000-4000-8000-000000000012"
const val WALLET2 = "00000000-0000-4000-8000-000000000013"
const val TICKET = "00000000-0000-4000-8000-000000000014"
const val NOW = T0 + 60_000

fun ByteArray.hex(): String = joinToString("") { "%02x".format(it.toInt() and 0xff) }

private fun posEntry(id: String, seed: Int) = DeviceEntry(
    deviceId = id, publicKey = hexOf(publicKeyFromSeed(seedOf(seed))), festivalId = FESTIVAL,
    role = DeviceRole.POS, locations = listOf(STAND), validFromMs = T0 - 3_600_000,
    validUntilMs = T0 + 86_400_000, revokedAtMs = null,
)

/** The core's serde name of a Kotlin enum constant (`REJECTED_LATER` -> `rejected_later`). */
private fun snake(e: Enum<*>) = e.name.lowercase()

private fun money(m: Money) = mapOf("amount" to m.amount, "currency" to m.currency)
private fun num(n: ULong) = BigDecimal(n.toString())

/** The typed report as the core's serde JSON (what `offline.reconcile` returns as `report`). */
fun reportJson(r: ReconcileReport): Map<String, Any?> = mapOf(
    "records" to r.records.map { o ->
        buildMap<String, Any?> {
            put("hash", o.hashHex)
            o.recordId?.let { put("record_id", it) }
            o.deviceId?.let { put("device_id", it) }
            o.sequence?.let { put("sequence", it.toString()) }
            o.kind?.let { put("kind", snake(it)) }
            put("status", snake(o.status))
            o.code?.let { put("reason", it) }
            o.resolution?.let { put("resolution", snake(it)) }
            o.debt?.let { put("debt", money(it)) }
        }
    },
    "counts" to mapOf(
        "accepted" to num(r.counts.accepted), "duplicate" to num(r.counts.duplicate),
        "rejected" to num(r.counts.rejected), "conflict" to num(r.counts.conflict),
        "pending" to num(r.counts.pending),
    ),
    "alerts" to r.alerts.map { a ->
        when (a) {
            is ReconcileAlert.DoubleSpend -> mapOf("kind" to "double_spend", "wallet_id" to a.walletId,
                "record_id" to a.recordId, "device_id" to a.deviceId, "shortfall" to a.shortfall.amount)
            is ReconcileAlert.DoubleAdmission -> mapOf("kind" to "double_admission", "ticket_id" to a.ticketId,
                "record_id" to a.recordId, "device_id" to a.deviceId)
            is ReconcileAlert.TamperedLog -> buildMap {
                put("kind", "tampered_log")
                a.deviceId?.let { put("device_id", it) }
                put("hash", a.hashHex)
                put("code", a.code)
            }
            is ReconcileAlert.RevokedDeviceUsed -> mapOf("kind" to "revoked_device_used", "device_id" to a.deviceId,
                "record_id" to a.recordId)
        }
    },
    "balances" to r.balances.mapValues { (_, b) ->
        mapOf("refundable" to money(b.refundable), "bonus" to money(b.bonus), "debt" to money(b.debt), "total" to money(b.total))
    },
    "debts" to r.debts.mapValues { (_, m) -> money(m) },
    "blocked_wallets" to r.blockedWallets,
    "totals" to mapOf("top_ups" to money(r.totals.topUps), "payments" to money(r.totals.payments),
        "refunds" to money(r.totals.refunds)),
    "revisions" to r.revisions.map { v ->
        buildMap<String, Any?> {
            put("hash", v.hashHex)
            put("record_id", v.recordId)
            put("device_id", v.deviceId)
            put("sequence", v.sequence.toString())
            put("kind", snake(v.kind))
            v.walletId?.let { put("wallet_id", it) }
            v.ticketId?.let { put("ticket_id", it) }
            put("before", verdictJson(v.before))
            put("after", verdictJson(v.after))
            put("money_effect", money(v.moneyEffect))
        }
    },
    "finalized" to num(r.finalized),
    "pending_total" to num(r.pendingTotal),
) + (r.watermarkMs?.let { mapOf("watermark" to isoMillis(it)) } ?: emptyMap())

private fun verdictJson(v: Verdict): Map<String, Any?> = buildMap {
    put("status", snake(v.status))
    v.code?.let { put("reason", it) }
    v.resolution?.let { put("resolution", snake(it)) }
    v.debt?.let { put("debt", money(it)) }
}

/** A timestamp as the core serializes it (RFC 3339, UTC, milliseconds). */
private fun isoMillis(ms: Long): String =
    java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
        .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.ofEpochMilli(ms))

/** The typed chain report as `offline.verify_chain` returns it. */
fun chainJson(r: ChainReport): Map<String, Any?> = mapOf(
    "checks" to r.checks.map { c ->
        when (c.status) {
            CheckStatus.REJECTED -> mapOf("status" to "rejected", "code" to c.code, "chained" to c.chained)
            CheckStatus.PENDING -> mapOf("status" to "pending", "code" to c.code)
            else -> mapOf("status" to snake(c.status))
        }
    },
    "chains" to Json.parse(r.chainsJson),
)

class ReconcileTest {
    private val registry = DeviceRegistry(listOf(posEntry(POS1, 11), posEntry(POS2, 12)))

    /** Two offline POS: POS1 sells 20 + 5 from WALLET, POS2 15 from WALLET (30 synced: a double
     *  spend) and 4 from WALLET2. Returns the two exported batches. */
    private fun offlineDay(): Pair<ByteArray, ByteArray> {
        val synced = mapOf(WALLET to eur("30"), WALLET2 to eur("10"))
        val pos1 = DeviceLog(seedOf(11), POS1, FESTIVAL, "EUR", LIMITS).also { it.setSyncedBalances(synced) }
        val pos2 = DeviceLog(seedOf(12), POS2, FESTIVAL, "EUR", LIMITS).also { it.setSyncedBalances(synced) }
        pos1.pay(rid(1), T0 + 1_000, WALLET, eur("20"), STAND, listOf(LineItem(PRODUCT, 4u, eur("5"))))
        pos2.pay(rid(2), T0 + 2_000, WALLET, eur("15"), STAND, listOf())
        pos1.pay(rid(3), T0 + 3_000, WALLET, eur("5"), STAND, listOf())
        pos2.pay(rid(4), T0 + 4_000, WALLET2, eur("4"), STAND, listOf())
        return pos1.exportBatch() to pos2.exportBatch()
    }

    /** A reconciler holding WALLET (30) and WALLET2 (10) exactly as `offline.reconcile` opens them. */
    private fun reconciler(): Reconciler {
        val r = Reconciler(FESTIVAL, "EUR")
        for ((id, amount) in listOf(WALLET to "30", WALLET2 to "10")) {
            val w = Wallet(id, FESTIVAL, "EUR", SpendOrder.BONUS_FIRST, WalletLimits(null, null, null))
            w.topUp(id, 0L, eur(amount), TopUpMethod.OTHER)
            r.addWallet(w)
        }
        r.setTicket(TICKET, true, false)
        return r
    }

    private fun devicesJson() = listOf(posEntry(POS1, 11), posEntry(POS2, 12)).map {
        mapOf("device_id" to it.deviceId, "public_key" to it.publicKey.hex(), "festival_id" to it.festivalId,
            "role" to snake(it.role), "locations" to it.locations, "valid_from" to isoOf(it.validFromMs),
            "valid_until" to isoOf(it.validUntilMs))
    }

    private fun isoOf(ms: Long) = java.time.Instant.ofEpochMilli(ms).toString()

    @Suppress("UNCHECKED_CAST")
    private fun oracle(batches: List<ByteArray>, policy: ConflictPolicy): Map<String, Any?> {
        val input = mapOf(
            "festival_id" to FESTIVAL, "currency" to "EUR",
            "wallets" to mapOf(WALLET to "30", WALLET2 to "10"),
            "tickets" to mapOf(TICKET to mapOf("inside" to true, "revoked" to false)),
            "devices" to devicesJson(), "batches" to batches.map { it.hex() },
            "now" to isoOf(NOW), "policy" to snake(policy),
        )
        return Json.parse(conformanceExecute("offline.reconcile", Json.write(input))) as Map<String, Any?>
    }

    @Test
    fun typedReportEqualsTheConformanceOracleUnderEveryPolicy() {
        val (b1, b2) = offlineDay()
        for (policy in ConflictPolicy.values()) {
            val r = reconciler()
            // Shuffled and duplicated for the binding, in order for the oracle: the same report.
            val report = r.reconcile(registry, listOf(b2, b1, b2, b1), NOW, ReconcileConfig(policy, null, null))
            val expected = oracle(listOf(b1, b2), policy)
            assertEquals(expected["report"], reportJson(report), "report under $policy")
            assertEquals(expected["chains"], Json.parse(r.chainsJson()), "chains under $policy")
            assertEquals(4, report.records.size)
            assertEquals(report.balances, r.balances())
            assertEquals(report.balances[WALLET], r.wallet(WALLET)!!.balances())
            assertEquals(eur("6.00"), report.balances[WALLET2]!!.total)
            // The double spend of WALLET is a conflict, whatever the policy.
            assertTrue(report.records.any { it.status == RecordStatus.CONFLICT && it.recordId == rid(2) }, "${report.records}")
            when (policy) {
                ConflictPolicy.FIRST_WINS -> {
                    assertEquals(ReconcileCounts(3uL, 0uL, 0uL, 1uL), report.counts)
                    val c = report.records.single { it.recordId == rid(2) }
                    assertEquals(RecordStatus.CONFLICT, c.status)
                    assertEquals(Resolution.REJECTED_LATER, c.resolution)
                    assertEquals(POS2, c.deviceId)
                    assertEquals(1uL, c.sequence)
                    assertEquals(RecordKind.PAYMENT, c.kind)
                    val spend = report.alerts.filterIsInstance<ReconcileAlert.DoubleSpend>().single()
                    assertEquals(WALLET, spend.walletId)
                    assertEquals(rid(2), spend.recordId)
                    assertEquals(eur("5.00"), spend.shortfall)
                    assertEquals(eur("5.00"), report.balances[WALLET]!!.total)
                    assertEquals(eur("29.00"), report.totals.payments)
                }
                ConflictPolicy.ACCEPT_WITH_DEBT -> {
                    assertTrue(report.debts.containsKey(WALLET))
                    assertTrue(WALLET in report.blockedWallets)
                }
                ConflictPolicy.REJECT -> {
                    val ws = report.records.filter { it.recordId in setOf(rid(1), rid(2), rid(3)) }
                    assertTrue(ws.all { it.status == RecordStatus.CONFLICT && it.resolution == Resolution.REJECTED_ALL }, "$ws")
                    assertEquals(eur("30.00"), report.balances[WALLET]!!.total)
                }
            }
            // Sending the same batches again changes nothing: every record is a duplicate.
            val before = r.toJson()
            val again = r.reconcile(registry, listOf(b1, b2), NOW + 1_000, ReconcileConfig(policy, null, null))
            assertEquals(ReconcileCounts(0uL, 4uL, 0uL, 0uL), again.counts)
            assertTrue(again.records.all { it.status == RecordStatus.DUPLICATE })
            assertEquals(report.balances, again.balances)
            assertEquals(before, r.toJson())
        }
    }

    @Test
    fun stateRoundTripsThroughJson() {
        val (b1, b2) = offlineDay()
        val r = reconciler()
        val cfg = ReconcileConfig(ConflictPolicy.ACCEPT_WITH_DEBT, maxFutureSkewMs = 300_000, maxHlcSkewMs = 3_600_000)
        val report = r.reconcile(registry, listOf(b1, b2), NOW, cfg)
        val back = Reconciler.fromJson(r.toJson())
        assertEquals(r.toJson(), back.toJson())
        assertEquals(r.balances(), back.balances())
        assertEquals(FESTIVAL, back.festivalId())
        assertEquals("EUR", back.currency())
        assertEquals(listOf(WALLET, WALLET2, ).sorted(), back.walletIds())
        assertTrue(back.ticketInside(TICKET))
        assertEquals(report.balances[WALLET], back.wallet(WALLET)!!.balances())
        assertNull(back.wallet(rid(77)))
        // The restored state knows the chains: a re-send is all duplicates.
        assertEquals(4uL, back.reconcile(registry, listOf(b2, b1), NOW, cfg).counts.duplicate)
        // The wallet handed out is a copy: paying from it does not change the reconciler.
        val copy = back.wallet(WALLET2)!!
        copy.topUp(rid(60), NOW, eur("1"), TopUpMethod.CASH)
        assertEquals(eur("6.00"), back.balances()[WALLET2]!!.total)
    }

    @Test
    fun verifyChainMatchesTheOracleAndNamesTheRejection() {
        val (b1, _) = offlineDay()
        val recs = decodeBatch(b1).map { it.bytes }
        assertEquals(2, recs.size)
        // Tamper with the signature of the second record.
        val tampered = recs[1].copyOf().also { it[it.size - 1] = (it[it.size - 1].toInt() xor 1).toByte() }
        val input = listOf(recs[0], tampered, recs[0])
        val report = verifyChain(registry, FESTIVAL, null, input, NOW, null)
        assertEquals(listOf(CheckStatus.VALID, CheckStatus.REJECTED, CheckStatus.DUPLICATE), report.checks.map { it.status })
        assertEquals("OFFLINE_BAD_SIGNATURE", report.checks[1].code)
        assertEquals(false, report.checks[1].chained)
        val oracleIn = mapOf("festival_id" to FESTIVAL, "now" to isoOf(NOW), "devices" to devicesJson(),
            "records" to input.map { it.hex() })
        assertEquals(Json.parse(conformanceExecute("offline.verify_chain", Json.write(oracleIn))), chainJson(report))

        // Without the first record, the second one is a gap; after it, chained from the returned chains.
        val gap = verifyChain(registry, FESTIVAL, null, listOf(recs[1]), NOW, ChainConfig(300_000, 3_600_000))
        assertEquals("OFFLINE_SEQUENCE_GAP", gap.checks.single().code)
        val next = verifyChain(registry, FESTIVAL, report.chainsJson, listOf(recs[1], recs[0]), NOW, null)
        assertEquals(listOf(CheckStatus.VALID, CheckStatus.DUPLICATE), next.checks.map { it.status })

        // A record whose device time is too far ahead of the server is clock skew.
        val skew = verifyChain(registry, FESTIVAL, null, listOf(recs[0]), T0, ChainConfig(0, 3_600_000))
        assertEquals("OFFLINE_CLOCK_SKEW", skew.checks.single().code)

        // An unknown device is a rejected check with its code (reported, not thrown).
        val onlyPos2 = DeviceRegistry(listOf(posEntry(POS2, 12)))
        val unknown = verifyChain(onlyPos2, FESTIVAL, null, listOf(recs[0]), NOW, null)
        assertEquals("OFFLINE_UNKNOWN_DEVICE", unknown.checks.single().code)
        val rep = reconciler().reconcile(onlyPos2, listOf(b1), NOW, ReconcileConfig(ConflictPolicy.FIRST_WINS, null, null))
        // Not registered (yet) is not a rejection: the records wait in the state.
        assertTrue(rep.records.all { it.status == RecordStatus.PENDING && it.code == "OFFLINE_UNKNOWN_DEVICE" }, "${rep.records}")
        assertEquals(rep.records.size.toULong(), rep.pendingTotal)
    }

    @Test
    fun compactLedgersFoldsFinalWalletEntriesAndKeepsEveryBalance() {
        val (b1, b2) = offlineDay()
        fun run(compact: Boolean): Pair<Reconciler, ReconcileReport> {
            val r = reconciler()
            val cfg = ReconcileConfig(ConflictPolicy.FIRST_WINS, null, null, maxOfflineMs = 0, compactLedgers = compact)
            return r to r.reconcile(registry, listOf(b1, b2), NOW, cfg)
        }
        val (full, fullReport) = run(false)
        val (small, smallReport) = run(true)
        assertEquals(fullReport.records, smallReport.records)
        assertEquals(fullReport.finalized, smallReport.finalized)
        assertEquals(full.balances(), small.balances())
        val whole = full.wallet(WALLET)!!
        val folded = small.wallet(WALLET)!!
        assertTrue(whole.ledger().isNotEmpty())
        assertTrue(folded.ledger().isEmpty(), "final entries are folded into the base")
        assertEquals(whole.balances(), folded.balances())
        // Saved and read back (format 3, the wallet with its base).
        @Suppress("UNCHECKED_CAST")
        val saved = Json.parse(small.toJson()) as Map<String, Any?>
        assertEquals(5L, (saved["format_version"] as Number).toLong())
        assertEquals(full.balances(), Reconciler.fromJson(small.toJson()).balances())
        assertEquals(folded.balances(), Wallet.fromJson(folded.toJson()).balances())
    }

    @Test
    fun separateSyncsInAnyOrderReachTheSameStateAndRevisionsSayWhatChanged() {
        val (b1, b2) = offlineDay()
        val cfg = ReconcileConfig(ConflictPolicy.FIRST_WINS, null, null)
        val oneCall = reconciler().also { it.reconcile(registry, listOf(b1, b2), NOW, cfg) }
        // POS2 syncs first: its 15.00 payment is accepted, until POS1's earlier 20.00 arrives.
        val r = reconciler()
        val first = r.reconcile(registry, listOf(b2), NOW, cfg)
        assertTrue(first.records.all { it.status == RecordStatus.ACCEPTED }, "${first.records}")
        assertTrue(first.revisions.isEmpty())
        val second = r.reconcile(registry, listOf(b1), NOW + 1_000, cfg)
        val rev = second.revisions.single()
        assertEquals(rid(2), rev.recordId)
        assertEquals(WALLET, rev.walletId)
        assertEquals(RecordStatus.ACCEPTED, rev.before.status)
        assertEquals(RecordStatus.CONFLICT, rev.after.status)
        assertEquals(Resolution.REJECTED_LATER, rev.after.resolution)
        assertEquals(eur("15.00"), rev.moneyEffect)
        // The state equals the one of a single call with every record.
        assertEquals(oneCall.outcomes(), r.outcomes())
        assertEquals(oneCall.balances(), r.balances())
        assertEquals(RecordStatus.CONFLICT, r.outcome(rid(2))!!.status)
        assertNull(r.watermarkMs())
    }

    @Test
    fun acknowledgementsAnchorTimeAllowancesBoundExposureAndTheAfterCutPolicyBoundsRevokedDevices() {
        val serverSeed = seedOf(0x5e)
        val serverKey = hexOf(publicKeyFromSeed(serverSeed))
        val r = reconciler()
        val cfg = ReconcileConfig(ConflictPolicy.ACCEPT_WITH_DEBT, null, null)
        val allowance = Allowance(rid(70), null, listOf(POS2, POS1), eur("6"), T0 - 3_600_000, T0 + 86_400_000)
        val signed = r.issueAllowance(allowance, serverSeed)
        val pos1 = DeviceLog(seedOf(11), POS1, FESTIVAL, "EUR", LIMITS).also { it.setSyncedBalances(mapOf(WALLET to eur("30"))) }
        assertNull(pos1.allowanceRemaining(WALLET, T0))
        pos1.installAllowance(signed, serverKey)
        assertEquals(eur("6.00"), pos1.allowanceRemaining(WALLET, T0))
        assertEquals("DEVICE_ALLOWANCE_EXCEEDED",
            assertFailsWith<FestivalException> { pos1.pay(rid(10), T0 + 1_000, WALLET, eur("7"), STAND, listOf()) }.errorCode)
        assertEquals("OFFLINE_BAD_SIGNATURE",
            assertFailsWith<FestivalException> { pos1.installAllowance(signed, hexOf(publicKeyFromSeed(seedOf(9)))) }.errorCode)
        pos1.pay(rid(11), T0 + 1_000, WALLET, eur("5"), STAND, listOf())
        r.reconcile(registry, listOf(pos1.exportBatch()), T0 + 5_000, cfg)
        // The server acknowledges; the device checks it, drops what it covers, anchors what follows.
        val ack = r.acknowledge(registry, POS1, T0 + 5_000, serverSeed)
        assertEquals(148, ack.size)
        assertTrue(pos1.acceptAck(ack, serverKey, T0 + 5_000))
        assertEquals(0uL, pos1.queued())
        val late = pos1.pay(rid(12), T0 + 2_000, WALLET, eur("1"), STAND, listOf()) // clock 3 s slow
        assertEquals(T0 + 5_000, late.deviceTimeMs)
        assertEquals(1uL to T0 + 5_000, late.anchorSequence to late.anchorServerTimeMs)
        assertEquals(1uL to T0 + 5_000, pos1.state().anchorSequence to pos1.state().anchorServerTimeMs)
        val ok = r.reconcile(registry, listOf(pos1.exportBatch()), T0 + 9_000, cfg)
        assertEquals(1uL, ok.counts.accepted)
        // Exposure: WALLET spent 6.00 on POS1; POS2 may still spend 6.00 against 24.00: nothing at risk.
        val ex = r.exposure(ConflictPolicy.ACCEPT_WITH_DEBT)
        val w = ex.wallets.single { it.walletId == WALLET }
        assertEquals(listOf(eur("6.00"), eur("6.00"), eur("0.00"), eur("0.00")), listOf(w.offlineSpent, w.openAllowance, w.loss, w.maxLoss))
        assertEquals(eur("0.00"), ex.totalUncovered)
        assertEquals("RECONCILE_INVALID_STATE",
            assertFailsWith<FestivalException> { r.acknowledge(registry, POS1, T0, serverSeed) }.errorCode)
        // A revoked POS under a bounded after-cut policy: 1.00 passes, the next record does not.
        r.revokeDevice(POS2, "stolen", T0 + 10_000)
        val pos2 = DeviceLog(seedOf(12), POS2, FESTIVAL, "EUR", LIMITS).also { it.setSyncedBalances(mapOf(WALLET2 to eur("10"))) }
        pos2.pay(rid(21), T0 + 6_000, WALLET2, eur("1"), STAND, listOf())
        pos2.pay(rid(22), T0 + 6_001, WALLET2, eur("1"), STAND, listOf())
        val bounded = r.reconcile(registry, listOf(pos2.exportBatch()), T0 + 20_000, cfg.copy(acceptAfterCutUpTo = eur("1")))
        assertEquals(listOf(null, "OFFLINE_DEVICE_REVOKED"), bounded.records.map { it.code })
        assertTrue(bounded.alerts.all { it is ReconcileAlert.RevokedDeviceUsed })
        assertEquals("OFFLINE_DEVICE_REVOKED",
            assertFailsWith<FestivalException> { r.acknowledge(registry, POS2, T0 + 20_000, serverSeed) }.errorCode)
        // The anchor survives a resume from the persisted state.
        val resumed = DeviceLog.resume(seedOf(11), pos1.state(), "EUR", LIMITS).also { it.setSyncedBalances(mapOf(WALLET to eur("24"))) }
        assertEquals(T0 + 5_000, resumed.pay(rid(13), T0, WALLET, eur("1"), STAND, listOf()).deviceTimeMs)
    }

    @Test
    fun pendingRecordsWaitAndFinalityAndLostGapsAreExplicit() {
        val (b1, _) = offlineDay()
        val cfg = ReconcileConfig(ConflictPolicy.FIRST_WINS, null, null)
        // POS1 is not registered yet: its records wait, and are applied once it is.
        val r = reconciler()
        val onlyPos2 = DeviceRegistry(listOf(posEntry(POS2, 12)))
        val waiting = r.reconcile(onlyPos2, listOf(b1), NOW, cfg)
        assertEquals(2uL, waiting.counts.pending)
        assertEquals(listOf("OFFLINE_UNKNOWN_DEVICE", "OFFLINE_UNKNOWN_DEVICE"), r.pending().map { it.code })
        val applied = r.reconcile(registry, listOf(), NOW + 1_000, cfg)
        assertEquals(2uL, applied.counts.accepted)
        assertTrue(r.pending().isEmpty())
        assertEquals(eur("5.00"), r.balances()[WALLET]!!.total)
        // Finality: with a one-second offline window, everything before now - 1 s is final.
        val fin = r.reconcile(registry, listOf(), NOW + 2_000, cfg.copy(maxOfflineMs = 1_000))
        assertEquals(NOW + 1_000, fin.watermarkMs)
        assertEquals(2uL, fin.finalized)
        assertTrue(r.outcomes().isEmpty())
        // An operator declares a gap of POS2 lost: an explicit, recorded decision.
        val lost = r.declareLost(POS2, 3uL, "tablet reset", NOW)
        assertEquals(LostRange(1uL, 3uL, "tablet reset", NOW), lost)
        val e = assertFailsWith<FestivalException> { r.declareLost(POS2, 2uL, "again", NOW) }
        assertEquals("RECONCILE_INVALID_STATE", e.errorCode)
        // POS1 is reported stolen: revoked by sequence (it sent 2 records), later ones fail whatever their dates.
        assertEquals(RevocationCut(2uL, "reported stolen", NOW), r.revokeDevice(POS1, "reported stolen", NOW))
        assertEquals("RECONCILE_INVALID_STATE", assertFailsWith<FestivalException> { r.revokeDevice(POS1, "x", NOW) }.errorCode)
        // The same device log (deterministic signatures: records 1 and 2 are byte-identical), then a
        // third sale dated before the revocation.
        val pos1 = DeviceLog(seedOf(11), POS1, FESTIVAL, "EUR", LIMITS)
            .also { it.setSyncedBalances(mapOf(WALLET to eur("30"), WALLET2 to eur("10"))) }
        pos1.pay(rid(1), T0 + 1_000, WALLET, eur("20"), STAND, listOf(LineItem(PRODUCT, 4u, eur("5"))))
        pos1.pay(rid(3), T0 + 3_000, WALLET, eur("5"), STAND, listOf())
        pos1.pay(rid(7), T0 + 3_500, WALLET2, eur("1"), STAND, listOf())
        val stolen = r.reconcile(registry, listOf(pos1.exportBatch()), NOW + 3_000, cfg)
        val third = stolen.records.single { it.sequence == 3uL }
        assertEquals(RecordStatus.REJECTED to "OFFLINE_DEVICE_REVOKED", third.status to third.code)
        assertTrue(stolen.alerts.single() is ReconcileAlert.RevokedDeviceUsed)
        assertEquals(eur("10.00"), r.balances()[WALLET2]!!.total)
    }

    @Test
    fun registryGetAndEntries() {
        assertEquals(listOf(posEntry(POS1, 11), posEntry(POS2, 12)).map { it.deviceId }, registry.entries().map { it.deviceId })
        val e = assertNotNull(registry.get(POS2))
        assertEquals(DeviceRole.POS, e.role)
        assertTrue(e.publicKey.contentEquals(hexOf(publicKeyFromSeed(seedOf(12)))))
        assertEquals(T0 + 86_400_000, e.validUntilMs)
        assertNull(registry.get(rid(50)))
        val revoked = posEntry(POS1, 11).copy(revokedAtMs = T0)
        assertEquals(T0, DeviceRegistry(listOf(revoked)).get(POS1)!!.revokedAtMs)
    }

    @Test
    fun hostileInputThrowsWithTheCode() {
        fun code(f: () -> Unit): String = assertFailsWith<FestivalException> { f() }.errorCode
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { Reconciler("not-a-uuid", "EUR") }.code)
        assertEquals("MONEY_UNKNOWN_CURRENCY", code { Reconciler(FESTIVAL, "XXQ") })
        val r = reconciler()
        assertEquals("INPUT_INVALID", code { r.wallet("x") })
        assertEquals("INPUT_INVALID", code { r.setTicket("", true, false) })
        assertEquals("INPUT_INVALID", code { registry.get("00000000-0000-4000-8000") })
        assertEquals("INPUT_INVALID", code { DeviceRegistry(listOf(posEntry(POS1, 11).copy(locations = listOf("zone")))) })
        assertEquals("INPUT_INVALID", code { DeviceRegistry(listOf(posEntry(POS1, 11).copy(publicKey = ByteArray(31)))) })
        assertEquals("RECONCILE_INVALID_STATE", code { DeviceRegistry(listOf(posEntry(POS1, 11), posEntry(POS1, 11))) })
        assertEquals("INPUT_INVALID", code { verifyChain(registry, "fest", null, listOf(), NOW, null) })
        assertEquals("INPUT_INVALID", code { verifyChain(registry, FESTIVAL, "{\"x\":1}", listOf(), NOW, null) })
        assertTrue(code { r.reconcile(registry, listOf(), Long.MAX_VALUE, ReconcileConfig(ConflictPolicy.REJECT, null, null)) }.startsWith("INPUT_"))
        assertEquals("INPUT_INVALID", code { r.reconcile(registry, listOf(), NOW, ReconcileConfig(ConflictPolicy.REJECT, -1, null)) })
        assertEquals("INPUT_INVALID", code { Reconciler.fromJson("{") })
        assertEquals("INPUT_INVALID", code { Reconciler.fromJson("[" .repeat(10_000)) })
        // A wallet of another festival cannot join.
        val other = Wallet(WALLET, rid(70), "EUR", SpendOrder.BONUS_FIRST, WalletLimits(null, null, null))
        assertEquals("RECONCILE_INVALID_STATE", code { r.addWallet(other) })

        // Truncated record bytes throw; a truncated batch is reported (tampered log), not thrown.
        val (b1, _) = offlineDay()
        val rec = decodeBatch(b1)[0].bytes
        val e = assertFailsWith<FestivalException.Offline> { verifyChain(registry, FESTIVAL, null, listOf(rec.copyOf(rec.size - 7)), NOW, null) }
        assertTrue(e.code.startsWith("OFFLINE_"), e.message)
        val cut = b1.copyOf(b1.size - 3)
        val report = r.reconcile(registry, listOf(cut), NOW, ReconcileConfig(ConflictPolicy.FIRST_WINS, null, null))
        assertEquals(ReconcileCounts(0uL, 0uL, 1uL, 0uL), report.counts)
        val bad = report.records.single()
        assertEquals(RecordStatus.REJECTED, bad.status)
        assertNull(bad.recordId)
        val alert = report.alerts.single() as ReconcileAlert.TamperedLog
        assertEquals(bad.code, alert.code)
        assertEquals(bad.hashHex, alert.hashHex)
    }
}
