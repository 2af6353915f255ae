// Offline POS flow on Android/JVM with the festival-core Kotlin bindings (bindings-mobile).
//
//   1. load the device seed from secure storage (here: a fixed demo seed)
//   2. build the local view from the last sync (balances per wallet) with the device limits
//   3. take payments while offline: limits and local balance are enforced, each record is signed
//      and hash-chained with the device key
//   4. the app is killed and restarted before the sync: restore the log from its snapshot with the
//      unsynced queue (validated: signatures, chain, limits), so nothing is lost
//   5. export the batch for the next sync, acknowledge after upload
//   (and at the ticket counter: a price preview with promo code, fees and VAT)
//
// Compiled and run by bindings-mobile/scripts/test.sh:
//   java -Djna.library.path=target/debug -cp ... org.festivalcore.examples.OfflinePosKt
package org.festivalcore.examples

import org.festivalcore.mobile.*
import java.util.UUID

/** In the app: Android Keystore / EncryptedSharedPreferences. Never hard-code a real seed. */
fun loadDeviceSeedFromSecureStorage(): ByteArray = ByteArray(32) { (it * 7 + 1).toByte() }

fun main() {
    val deviceId = "6f1c1c52-3a0b-4e55-9d8e-0d8b7e2f0a01"
    val festivalId = "0b8e4a5c-5d2f-4c1e-8a55-3f1f6c9d2e10"
    val standId = "a3c9e0f4-1b2d-4e6f-8a0b-1c2d3e4f5a6b"
    val beer = "c0ffee00-0000-4000-8000-00000000be3e"
    val alice = "11111111-1111-4111-8111-111111111111"
    val bob = "22222222-2222-4222-8222-222222222222"
    val eur = { a: String -> moneyParse(a, "EUR") }
    var now = 1_783_180_800_000L // the app passes System.currentTimeMillis()

    // 1 + 2: device log and local view from the last sync.
    val limits = DeviceLimits(perPayment = eur("50"), perWalletOffline = eur("60"), maxStoredValue = eur("500"), maxQueuedRecords = 1000uL)
    val pos = DeviceLog(loadDeviceSeedFromSecureStorage(), deviceId, festivalId, "EUR", limits)
    pos.setSyncedBalances(mapOf(alice to eur("25.00"), bob to eur("4.00")))
    println("device public key (registered with the server): ${pos.state().publicKeyHex}")

    // 3: payments offline.
    fun sell(wallet: String, quantity: UInt): SignedRecordInfo? {
        val unit = eur("4.50")
        val amount = moneyMulQty(unit, quantity.toULong())
        return try {
            pos.pay(UUID.randomUUID().toString(), now++, wallet, amount, standId, listOf(LineItem(beer, quantity, unit)))
        } catch (e: FestivalException.Offline) {
            println("  declined: ${e.message}") // e.code: DEVICE_INSUFFICIENT_BALANCE, DEVICE_LIMIT_EXCEEDED, ...
            null
        }
    }
    for ((wallet, qty) in listOf(alice to 2u, bob to 1u, alice to 3u, bob to 1u)) {
        val rec = sell(wallet, qty)
        if (rec != null) println("  paid ${moneyDisplay(moneyMulQty(eur("4.50"), qty.toULong()))}: record #${rec.sequence} ${rec.hashHex.take(16)}…")
    }
    println("alice can still spend ${moneyDisplay(pos.available(alice))}, bob ${moneyDisplay(pos.available(bob))}")

    // 4: the app persists pos.snapshot() after every record (JSON, no seed). After a restart the
    //    queue comes back exactly, and is re-verified: an edited or truncated queue is rejected.
    val snapshot = pos.snapshot()
    val restarted = DeviceLog.restore(loadDeviceSeedFromSecureStorage(), snapshot)
    check(restarted.queued() == pos.queued() && restarted.available(alice) == pos.available(alice))
    println("restarted with ${restarted.queued()} unsynced records; alice still at ${moneyDisplay(restarted.available(alice))}")
    try {
        DeviceLog.restore(loadDeviceSeedFromSecureStorage(), snapshot.replace("\"queue\":[\"", "\"queue\":[\"00"))
        error("a tampered snapshot must not restore")
    } catch (e: FestivalException) {
        println("  tampered snapshot rejected: ${e.message}")
    }

    // 5: export the batch, acknowledge once the server answered.
    val state = restarted.state()
    val batch = restarted.exportBatch()
    val records = decodeBatch(batch)
    println("batch: ${batch.size} bytes, ${records.size} records, next sequence ${state.nextSequence}")
    check(records.map { it.sequence } == (1uL..records.size.toULong()).toList())
    check(records.zipWithNext().all { (a, b) -> b.prevHashHex == a.hashHex })
    restarted.acknowledge(records.last().sequence)
    check(restarted.queued() == 0uL)
    println("synced and acknowledged; the log continues at #${restarted.state().nextSequence}")

    // At the ticket counter: price preview of 2 day tickets with a promo code, 1.50 fee each, 19 % VAT included.
    val dayTicket = "d1d1d1d1-0000-4000-8000-000000000001"
    val config = PricingConfig("EUR", FeeConfig(eur("1.50"), "0", RoundingMode.HALF_EVEN), feesTaxable = true,
        tax = TaxConfig("19", PriceBasis.GROSS, TaxRounding.SUM_BY_NET_KEEP_GROSS, RoundingMode.HALF_EVEN),
        discountRounding = RoundingMode.HALF_EVEN)
    val early = PromoCode("EARLY10", PromoDiscount.Percentage("10"), maxUses = 100u, used = 3u, expiresAtMs = null,
        minQuantity = 2u, ticketTypeIds = listOf())
    val preview = priceOrder(listOf(PriceLine(dayTicket, eur("59.00"), 2u)), "early10", now, config, listOf(early))
    println("2 x day ticket with ${preview.promoCode}: subtotal ${moneyDisplay(preview.subtotal)}, " +
        "discount ${moneyDisplay(preview.discount)}, fees ${moneyDisplay(preview.fees)}, " +
        "total ${moneyDisplay(preview.total)} (VAT included ${moneyDisplay(preview.tax)})")
    // pretix keep_gross: 109.20 has no net at 19 %, so the total moves by the rounding adjustment.
    check(preview.total == moneyAdd(moneySub(moneyAdd(preview.subtotal, preview.fees), preview.discount), preview.roundingAdjustment))
}
