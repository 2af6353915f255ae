// JUnit 5 tests of the offline device side through the Kotlin bindings: DeviceLog (signing,
// local view, limits, batch export, resume), record decoding, strict Ed25519 (all Wycheproof
// vectors), ticket codes and revocation lists at the gate, hostile input.
package org.festivalcore.mobile.test

import org.festivalcore.mobile.*
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

const val T0 = 1_783_180_800_000L // 2026-07-04T16:00:00Z
const val DEVICE = "00000000-0000-4000-8000-000000000001"
const val FESTIVAL = "00000000-0000-4000-8000-000000000002"
const val WALLET = "00000000-0000-4000-8000-000000000003"
const val STAND = "00000000-0000-4000-8000-000000000004"
const val PRODUCT = "00000000-0000-4000-8000-000000000005"
fun rid(n: Int) = "00000000-0000-4000-8000-%012d".format(100 + n)
fun seedOf(b: Int) = ByteArray(32) { b.toByte() }
fun hexOf(s: String) = ByteArray(s.length / 2) { s.substring(2 * it, 2 * it + 2).toInt(16).toByte() }

/** SignedRecordInfo is a data class with a ByteArray: compare the bytes by content. */
fun assertSameRecords(expected: List<SignedRecordInfo>, actual: List<SignedRecordInfo>) {
    assertEquals(expected.size, actual.size)
    for ((e, a) in expected.zip(actual)) {
        assertContentEquals(e.bytes, a.bytes)
        assertEquals(e, a.copy(bytes = e.bytes))
    }
}

val LIMITS = DeviceLimits(perPayment = eur("50"), perWalletOffline = eur("80"), maxStoredValue = eur("1000"), maxQueuedRecords = 100uL)

class OfflineTest {
    private fun newLog(): DeviceLog = DeviceLog(seedOf(4), DEVICE, FESTIVAL, "EUR", LIMITS).also {
        it.setSyncedBalances(mapOf(WALLET to eur("30")))
    }

    @Test
    fun paymentsAreSignedChainedAndLimitedByTheLocalView() {
        val log = newLog()
        val r1 = log.pay(rid(1), T0, WALLET, eur("12.50"), STAND, listOf(LineItem(PRODUCT, 5u, eur("2.50"))))
        assertEquals(1uL, r1.sequence)
        assertEquals(RecordKind.PAYMENT, r1.kind)
        assertEquals("0".repeat(64), r1.prevHashHex)
        assertEquals(T0, r1.deviceTimeMs)
        assertEquals(DEVICE, r1.deviceId)
        assertEquals(FESTIVAL, r1.festivalId)
        assertEquals(eur("17.50"), log.available(WALLET))
        @Suppress("UNCHECKED_CAST")
        val body = Json.parse(r1.bodyJson) as Map<String, Any?>
        assertEquals("1", body["sequence"])
        assertEquals(mapOf("amount" to "12.50", "currency" to "EUR"), (body["payload"] as Map<String, Any?>)["amount"])

        val insufficient = assertFailsWith<FestivalException.Offline> { log.pay(rid(2), T0 + 1, WALLET, eur("20"), STAND, listOf()) }
        assertEquals("DEVICE_INSUFFICIENT_BALANCE", insufficient.code)
        assertEquals("17.50", details(insufficient)["available"])
        val tooBig = assertFailsWith<FestivalException.Offline> { log.pay(rid(2), T0 + 1, WALLET, eur("50.01"), STAND, listOf()) }
        assertEquals("DEVICE_LIMIT_EXCEEDED", tooBig.code)
        assertEquals("per_payment", details(tooBig)["limit"])
        // A failed payment signs nothing: the chain continues at sequence 2.
        val r2 = log.topUp(rid(2), T0 + 2, WALLET, eur("5"))
        assertEquals(2uL, r2.sequence)
        assertEquals(r1.hashHex, r2.prevHashHex)
        assertEquals(eur("22.50"), log.available(WALLET))
        val r3 = log.refund(rid(3), T0 + 3, WALLET, eur("2.50"), r1.recordId)
        val r4 = log.scan(rid(4), T0 + 4, rid(90), rid(91), Direction.IN)
        val r5 = log.voidRecord(rid(5), T0 + 5, r4.recordId)
        assertEquals(listOf(RecordKind.REFUND, RecordKind.SCAN, RecordKind.VOID), listOf(r3.kind, r4.kind, r5.kind))
        assertEquals(eur("25.00"), log.available(WALLET))

        // Records verify with the device's public key and decode back to what was signed.
        val pk = publicKeyFromSeed(seedOf(4))
        assertEquals(pk, log.state().publicKeyHex)
        assertSameRecords(listOf(r1), listOf(decodeRecord(r1.bytes)))
        val batch = log.exportBatch()
        assertSameRecords(listOf(r1, r2, r3, r4, r5), decodeBatch(batch))
        assertEquals(5uL, log.queued())
        log.acknowledge(2uL)
        assertEquals(3uL, log.queued())
        assertSameRecords(listOf(r3, r4, r5), decodeBatch(log.exportBatch()))
        // Acknowledged payments no longer count in the device's own spend: the server balance does.
        log.setSyncedBalances(mapOf(WALLET to eur("22.50")))
        assertEquals(eur("25.00"), log.available(WALLET))
    }

    @Test
    fun perWalletOfflineStoredValueAndQueueLimits() {
        val limits = DeviceLimits(eur("50"), eur("60"), eur("100"), 3uL)
        val log = DeviceLog(seedOf(4), DEVICE, FESTIVAL, "EUR", limits)
        log.setSyncedBalances(mapOf(WALLET to eur("500")))
        log.pay(rid(1), T0, WALLET, eur("40"), STAND, listOf())
        val perWallet = assertFailsWith<FestivalException.Offline> { log.pay(rid(2), T0, WALLET, eur("30"), STAND, listOf()) }
        assertEquals("per_wallet_offline", details(perWallet)["limit"])
        log.topUp(rid(2), T0, WALLET, eur("50"))
        val stored = assertFailsWith<FestivalException.Offline> { log.topUp(rid(3), T0, WALLET, eur("20")) }
        assertEquals("stored_value", details(stored)["limit"])
        log.scan(rid(3), T0, rid(90), rid(91), Direction.OUT)
        assertEquals("DEVICE_QUEUE_FULL", assertFailsWith<FestivalException.Offline> { log.scan(rid(4), T0, rid(90), rid(91), Direction.IN) }.code)
        assertEquals("OFFLINE_INVALID_AMOUNT", assertFailsWith<FestivalException.Offline> {
            DeviceLog(seedOf(4), DEVICE, FESTIVAL, "EUR", DeviceLimits(Money("1", "USD"), eur("1"), eur("1"), 1uL))
        }.code)
    }

    @Test
    fun resumeContinuesTheChainAfterARestart() {
        val log = newLog()
        val r1 = log.pay(rid(1), T0, WALLET, eur("1"), STAND, listOf())
        val state = log.state()
        assertEquals(DeviceState(DEVICE, FESTIVAL, publicKeyFromSeed(seedOf(4)), 2uL, r1.hashHex, T0, 0u, 1uL), state)
        val resumed = DeviceLog.resume(seedOf(4), state, "EUR", LIMITS)
        resumed.setSyncedBalances(mapOf(WALLET to eur("29")))
        val r2 = resumed.pay(rid(2), T0 + 10, WALLET, eur("1"), STAND, listOf())
        assertEquals(2uL, r2.sequence)
        assertEquals(r1.hashHex, r2.prevHashHex)
        val wrongSeed = assertFailsWith<FestivalException.Input> { DeviceLog.resume(seedOf(5), state, "EUR", LIMITS) }
        assertEquals("seed", details(wrongSeed)["field"])
    }

    @Test
    fun hostileInputToTheDeviceSideIsAnError() {
        val log = newLog()
        assertEquals("seed", details(assertFailsWith<FestivalException.Input> { DeviceLog(ByteArray(31), DEVICE, FESTIVAL, "EUR", LIMITS) })["field"])
        assertEquals("device_id", details(assertFailsWith<FestivalException.Input> { DeviceLog(seedOf(1), "nope", FESTIVAL, "EUR", LIMITS) })["field"])
        assertEquals("wallet_id", details(assertFailsWith<FestivalException.Input> { log.available("") })["field"])
        assertEquals("now_ms", details(assertFailsWith<FestivalException.Input> { log.pay(rid(1), Long.MAX_VALUE, WALLET, eur("1"), STAND, listOf()) })["field"])
        assertEquals("now_ms", details(assertFailsWith<FestivalException.Input> { log.topUp(rid(1), Long.MIN_VALUE, WALLET, eur("1")) })["field"])
        assertEquals("MONEY_SCALE_EXCEEDED", assertFailsWith<FestivalException.Money> { log.pay(rid(1), T0, WALLET, eur("0.001"), STAND, listOf()) }.code)
        assertEquals("OFFLINE_INVALID_AMOUNT", assertFailsWith<FestivalException.Offline> { log.pay(rid(1), T0, WALLET, eur("-1"), STAND, listOf()) }.code)
        assertEquals("OFFLINE_INVALID_AMOUNT", assertFailsWith<FestivalException.Offline> { log.topUp(rid(1), T0, WALLET, Money("1", "USD")) }.code)
        assertEquals("wallet_id", details(assertFailsWith<FestivalException.Input> { log.setSyncedBalances(mapOf("x" to eur("1"))) })["field"])
        assertEquals(0uL, log.queued())
        assertEquals(1uL, log.state().nextSequence)
        for (garbage in listOf(ByteArray(0), ByteArray(3), ByteArray(10_000) { 0x7f }, "FCR".toByteArray())) {
            assertEquals("OFFLINE_MALFORMED", assertFailsWith<FestivalException.Offline> { decodeRecord(garbage) }.code)
            assertEquals("OFFLINE_MALFORMED", assertFailsWith<FestivalException.Offline> { decodeBatch(garbage) }.code)
        }
        val good = log.pay(rid(1), T0, WALLET, eur("1"), STAND, listOf()).bytes
        for (cut in listOf(1, good.size / 2, good.size - 1)) {
            assertEquals("OFFLINE_MALFORMED", assertFailsWith<FestivalException.Offline> { decodeRecord(good.copyOf(cut)) }.code)
        }
        assertEquals("OFFLINE_MALFORMED", assertFailsWith<FestivalException.Offline> { decodeRecord(good + byteArrayOf(0)) }.code)
        val batch = log.exportBatch()
        assertEquals("OFFLINE_MALFORMED", assertFailsWith<FestivalException.Offline> { decodeBatch(batch.copyOf(batch.size - 1)) }.code)
    }

    @Test
    fun strictEd25519PassesEveryWycheproofVector() {
        val root = System.getProperty("festival.root")!!
        val file = listOf(File(root, "tests/wycheproof/ed25519_test.json"), File("/work/shared/vectors/wycheproof/ed25519_test.json")).first { it.exists() }
        @Suppress("UNCHECKED_CAST")
        val doc = Json.parse(file.readText()) as Map<String, Any?>
        var total = 0
        val failures = mutableListOf<String>()
        @Suppress("UNCHECKED_CAST")
        for (group in doc["testGroups"] as List<Map<String, Any?>>) {
            val pk = hexOf((group["publicKey"] as Map<String, Any?>)["pk"] as String)
            for (t in group["tests"] as List<Map<String, Any?>>) {
                total++
                // Policy (as in festival-core/tests/wycheproof.rs): `acceptable` is rejected.
                val want = t["result"] == "valid"
                val got = verifySignature(pk, hexOf(t["msg"] as String), hexOf(t["sig"] as String))
                if (got != want) failures.add("tcId ${t["tcId"]} (${t["comment"]}): expected $want")
            }
        }
        assertEquals((doc["numberOfTests"] as java.math.BigDecimal).toInt(), total)
        assertEquals(151, total)
        assertTrue(failures.isEmpty(), failures.joinToString("\n"))
        assertFalse(verifySignature(ByteArray(31), ByteArray(0), ByteArray(64)))
        assertFalse(verifySignature(ByteArray(32), ByteArray(0), ByteArray(63)))
    }

    private val issuer = seedOf(3)
    private fun key(id: UInt = 7u) = IssuerKey(id, publicKeyFromSeed(issuer), FESTIVAL, T0 - 86_400_000, T0 + 86_400_000)
    private fun claims(ticket: String = rid(42)) = TicketClaims(7u, FESTIVAL, ticket, "DAY", T0, T0 + 3_600_000)
    private fun list(version: ULong, revoked: List<String> = listOf(), tags: List<String> = listOf(), at: Long = T0) =
        signRevocationList(RevocationList(FESTIVAL, 7u, version, at, revoked, tags, listOf()), issuer)

    @Test
    fun gateVerifiesTicketCodesOfflineWithRevocationLists() {
        val code = issueTicketCode(claims(), issuer)
        assertTrue(code.startsWith("FC") && code.all { it in 'A'..'Z' || it in '2'..'7' })
        assertEquals(claims(), decodeTicketCode(code))
        val gate = GateVerifier(FESTIVAL, listOf(key()), 600_000)
        assertNull(gate.revocationListVersion())
        assertEquals("CODE_REVOCATION_LIST_STALE", assertFailsWith<FestivalException.Offline> { gate.verify(code, T0 + 1) }.code)
        assertEquals(ListInstall.INSTALLED, gate.installRevocationList(list(1uL, tags = listOf("04a1b2c3")), T0 + 10))
        assertEquals(ListInstall.UNCHANGED, gate.installRevocationList(list(1uL, tags = listOf("04a1b2c3")), T0 + 10))
        assertEquals(1uL, gate.revocationListVersion())
        assertEquals(claims(), gate.verify(code, T0 + 60_000))
        assertTrue(gate.isTagBlocked(hexOf("04a1b2c3"), T0 + 60_000))
        assertFalse(gate.isTagBlocked(hexOf("04a1b2c4"), T0 + 60_000))
        // Stale list, expired code, not yet valid, tampered code, unknown key, revoked ticket.
        assertEquals("CODE_REVOCATION_LIST_STALE", assertFailsWith<FestivalException.Offline> { gate.verify(code, T0 + 700_000) }.code)
        assertEquals("CODE_NOT_YET_VALID", assertFailsWith<FestivalException.Offline> { gate.verify(code, T0 - 1) }.code)
        val tampered = code.substring(0, 20) + (if (code[20] == 'A') 'B' else 'A') + code.substring(21)
        val te = assertFailsWith<FestivalException.Offline> { gate.verify(tampered, T0 + 60_000) }
        assertTrue(te.code == "CODE_BAD_SIGNATURE" || te.code == "CODE_MALFORMED" || te.code == "CODE_WRONG_FESTIVAL", te.code)
        val otherKey = issueTicketCode(claims().copy(keyId = 8u), issuer)
        assertEquals("CODE_UNKNOWN_KEY", assertFailsWith<FestivalException.Offline> { gate.verify(otherKey, T0 + 60_000) }.code)
        assertEquals(ListInstall.INSTALLED, gate.installRevocationList(list(2uL, revoked = listOf(rid(42)), at = T0 + 3_000_000), T0 + 3_000_001))
        assertEquals("CODE_REVOKED", assertFailsWith<FestivalException.Offline> { gate.verify(code, T0 + 3_000_002) }.code)
        assertEquals(claims(rid(43)), gate.verify(issueTicketCode(claims(rid(43)), issuer), T0 + 3_000_002))
        assertEquals("CODE_EXPIRED", assertFailsWith<FestivalException.Offline> { gate.verify(issueTicketCode(claims(rid(43)), issuer), T0 + 3_600_000) }.code)
        assertEquals("CODE_REVOCATION_LIST_OUTDATED", assertFailsWith<FestivalException.Offline> { gate.installRevocationList(list(1uL), T0 + 3_000_003) }.code)
        // A list signed by an unknown issuer never installs.
        val forged = signRevocationList(RevocationList(FESTIVAL, 7u, 9uL, T0, listOf(), listOf(), listOf()), seedOf(66))
        assertEquals("CODE_BAD_SIGNATURE", assertFailsWith<FestivalException.Offline> { gate.installRevocationList(forged, T0 + 3_000_003) }.code)
        assertEquals(2uL, gate.revocationListVersion())
    }

    @Test
    fun hostileInputAtTheGateIsAnError() {
        val gate = GateVerifier(FESTIVAL, listOf(key()), 600_000)
        gate.installRevocationList(list(1uL), T0)
        for (bad in listOf("", "FC", "fc", "XX" + "A".repeat(100), "FC" + "A".repeat(10_000), "FC0189", "FC\u0000", "FC" + "€".repeat(50))) {
            assertEquals("CODE_MALFORMED", assertFailsWith<FestivalException.Offline>("'${bad.take(20)}'") { gate.verify(bad, T0 + 1) }.code)
        }
        for (bytes in listOf(ByteArray(0), ByteArray(5), "FCL".toByteArray(), ByteArray(100_000))) {
            assertFailsWith<FestivalException.Offline> { gate.installRevocationList(bytes, T0) }
        }
        assertEquals("public_key_hex", details(assertFailsWith<FestivalException.Input> {
            GateVerifier(FESTIVAL, listOf(key().copy(publicKeyHex = "zz")), 1)
        })["field"])
        assertEquals("OFFLINE_INVALID_KEY", assertFailsWith<FestivalException.Offline> {
            GateVerifier(FESTIVAL, listOf(key().copy(publicKeyHex = "00".repeat(32))), 1)
        }.code)
        assertEquals("max_staleness_ms", details(assertFailsWith<FestivalException.Input> { GateVerifier(FESTIVAL, listOf(), -1) })["field"])
        assertEquals("CODE_MALFORMED", assertFailsWith<FestivalException.Offline> { issueTicketCode(claims().copy(ticketType = "day pass"), issuer) }.code)
        assertEquals("issuer_seed", details(assertFailsWith<FestivalException.Input> { issueTicketCode(claims(), ByteArray(0)) })["field"])
        assertEquals("CODE_MALFORMED", assertFailsWith<FestivalException.Offline> { decodeTicketCode("FC" + "7".repeat(13)) }.code)
    }
}
