// JUnit 5 tests of restarting a device log with its unsynced queue: DeviceLog.snapshot /
// DeviceLog.restore and DeviceLog.resumeWithQueue — lossless (the queue, the limits and the chain
// continue exactly) and tamper-evident (edited, reordered or truncated queues are rejected).
package org.festivalcore.mobile.test

import org.festivalcore.mobile.*
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

class RestoreTest {
    private val limits = DeviceLimits(perPayment = eur("20"), perWalletOffline = eur("30"), maxStoredValue = eur("100"), maxQueuedRecords = 10uL)

    private fun busyLog(): DeviceLog {
        val log = DeviceLog(seedOf(4), DEVICE, FESTIVAL, "EUR", limits)
        log.setSyncedBalances(mapOf(WALLET to eur("200")))
        log.pay(rid(1), T0, WALLET, eur("10"), STAND, listOf())
        log.topUp(rid(2), T0 + 1, WALLET, eur("5"))
        log.pay(rid(3), T0 + 2, WALLET, eur("15"), STAND, listOf())
        return log
    }

    @Test
    fun snapshotRestoreKeepsTheQueueTheLimitsAndTheChain() {
        val log = busyLog()
        val snapshot = log.snapshot()
        val back = DeviceLog.restore(seedOf(4), snapshot)
        assertEquals(3uL, back.queued())
        assertSameRecords(log.queuedRecords(), back.queuedRecords())
        assertEquals(log.state(), back.state())
        assertEquals(eur("180.00"), back.available(WALLET))
        assertEquals(eur("25.00"), back.offlineSpent(WALLET))
        assertEquals(eur("30.00"), back.storedValue())
        assertEquals(mapOf(WALLET to eur("200.00")), back.syncedBalances())
        assertEquals(snapshot, back.snapshot())
        // The per-wallet offline limit still counts the 25.00 spent before the restart.
        val e = assertFailsWith<FestivalException.Offline> { back.pay(rid(4), T0 + 3, WALLET, eur("6"), STAND, listOf()) }
        assertEquals("DEVICE_LIMIT_EXCEEDED", e.code)
        assertEquals(mapOf("limit" to "per_wallet_offline", "attempted" to "31.00", "allowed" to "30.00"), details(e))
        // The chain continues: both logs sign the same next record, byte for byte.
        val a = log.pay(rid(4), T0 + 3, WALLET, eur("5"), STAND, listOf())
        val b = back.pay(rid(4), T0 + 3, WALLET, eur("5"), STAND, listOf())
        assertSameRecords(listOf(a), listOf(b))
        assertEquals(4uL, b.sequence)
        assertTrue(log.exportBatch().contentEquals(back.exportBatch()))
    }

    @Test
    fun resumeWithQueueTakesTheExportedBatch() {
        val log = busyLog()
        log.acknowledge(1uL)
        val back = DeviceLog.resumeWithQueue(seedOf(4), log.state(), "EUR", limits, log.syncedBalances(), log.exportBatch())
        assertEquals(2uL, back.queued())
        assertSameRecords(log.queuedRecords(), back.queuedRecords())
        // Without the newest record the queue does not end at the signer's position.
        val e = assertFailsWith<FestivalException.Offline> {
            DeviceLog.resumeWithQueue(seedOf(4), log.state(), "EUR", limits, log.syncedBalances(), busyBatchWithout(log, 1))
        }
        assertEquals("OFFLINE_SEQUENCE_GAP", e.code)
        // Garbage instead of a batch.
        val bad = assertFailsWith<FestivalException.Offline> {
            DeviceLog.resumeWithQueue(seedOf(4), log.state(), "EUR", limits, mapOf(), byteArrayOf(1, 2, 3))
        }
        assertEquals("OFFLINE_MALFORMED", bad.code)
        // Lower limits than the queued records passed.
        val lower = assertFailsWith<FestivalException.Offline> {
            DeviceLog.resumeWithQueue(seedOf(4), log.state(), "EUR", limits.copy(maxQueuedRecords = 1uL), mapOf(), log.exportBatch())
        }
        assertEquals("DEVICE_QUEUE_FULL", lower.code)
    }

    /** The log's queue as a batch, without the record at `index` (re-encoded by decoding each record's bytes). */
    private fun busyBatchWithout(log: DeviceLog, index: Int): ByteArray {
        val keep = log.queuedRecords().filterIndexed { i, _ -> i != index }
        // A snapshot carries the queue as hex: rebuild one with the edited queue and export it.
        val snap = Json.parse(log.snapshot()) as Map<*, *>
        val edited = snap.toMutableMap()
        edited["queue"] = keep.map { r -> r.bytes.joinToString("") { "%02x".format(it) } }
        edited["next_sequence"] = (keep.last().sequence + 1uL).toString()
        edited["last_hash"] = keep.last().hashHex
        return DeviceLog.restore(seedOf(4), Json.write(edited)).exportBatch()
    }

    @Test
    fun aTamperedSnapshotIsRejected() {
        val log = busyLog()
        @Suppress("UNCHECKED_CAST")
        val snap = Json.parse(log.snapshot()) as Map<String, Any?>
        val queue = snap["queue"] as List<String>
        fun restoreWith(change: (MutableMap<String, Any?>) -> Unit): FestivalException {
            val m = snap.toMutableMap()
            change(m)
            return assertFailsWith<FestivalException> { DeviceLog.restore(seedOf(4), Json.write(m)) }
        }
        // Dropping the newest record, reordering, editing a signed byte.
        assertEquals("OFFLINE_SEQUENCE_GAP", restoreWith { it["queue"] = queue.dropLast(1) }.errorCode)
        assertEquals("OFFLINE_SEQUENCE_GAP", restoreWith { it["queue"] = listOf(queue[1], queue[0], queue[2]) }.errorCode)
        val flipped = queue[0].substring(0, queue[0].length - 2) + (if (queue[0].endsWith("00")) "01" else "00")
        assertEquals("OFFLINE_BAD_SIGNATURE", restoreWith { it["queue"] = listOf(flipped, queue[1], queue[2]) }.errorCode)
        // A signer position that does not match the queue's last record.
        assertEquals("OFFLINE_CHAIN_BROKEN", restoreWith { it["last_hash"] = "ab".repeat(32) }.errorCode)
        // Limits lowered below what the queue holds.
        val lower = restoreWith { m ->
            m["limits"] = (m["limits"] as Map<*, *>).toMutableMap().also { it["per_payment"] = mapOf("amount" to "12.00", "currency" to "EUR") }
        }
        assertEquals("DEVICE_LIMIT_EXCEEDED", lower.errorCode)
        // Another seed, malformed JSON, unknown fields, a float amount.
        assertEquals("OFFLINE_INVALID_KEY", assertFailsWith<FestivalException.Offline> { DeviceLog.restore(seedOf(5), log.snapshot()) }.code)
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { DeviceLog.restore(seedOf(4), "{not json") }.code)
        assertEquals("INPUT_INVALID", restoreWith { it["extra"] = java.math.BigDecimal("1") }.errorCode)
        assertEquals("INPUT_INVALID", restoreWith { it["synced_balances"] = mapOf(WALLET to mapOf("amount" to java.math.BigDecimal("1.5"), "currency" to "EUR")) }.errorCode)
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { DeviceLog.restore(ByteArray(31), log.snapshot()) }.code)
    }
}
