// JUnit 5 tests of the Wallet and TagRegistry objects through the Kotlin bindings: every
// operation, balances, ledger, idempotency, JSON persistence, error classes and codes, hostile input.
package org.festivalcore.mobile.test

import org.festivalcore.mobile.*
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue

const val WALLET_B = "00000000-0000-4000-8000-00000000000b"

class WalletTest {
    private fun wallet(id: String = WALLET, limits: WalletLimits = WalletLimits(null, null, null)) =
        Wallet(id, FESTIVAL, "EUR", SpendOrder.BONUS_FIRST, limits)

    private fun beer(n: UInt) = listOf(WalletLineItem("BEER", n, eur("4.50")))

    @Test
    fun operationsBalancesAndLedger() {
        val w = wallet()
        assertEquals(WALLET, w.id())
        assertEquals("EUR", w.currency())
        val top = w.topUp(rid(1), T0, eur("50"), TopUpMethod.CASH)
        assertEquals("top_up", top.kind)
        assertEquals(Balances(eur("50.00"), eur("0.00"), eur("0.00"), eur("50.00")), top.balances)
        assertEquals(WalletStatus.ACTIVE, top.status)
        w.bonusCredit(rid(2), T0 + 1, eur("10"), T0 + 3_600_000)
        assertEquals(listOf(BonusLot(rid(2), T0 + 3_600_000, eur("10.00"))), w.bonusLots())
        assertEquals(eur("60.00"), w.spendable(T0 + 2))

        // Bonus first: 9.00 from the bonus lot.
        val pay = w.pay(rid(3), T0 + 2, STAND, beer(2u), DEVICE, false)
        assertEquals(eur("9.00"), pay.fromBonus)
        assertEquals(eur("0.00"), pay.fromRefundable)
        assertEquals(eur("-9.00"), pay.bonusDelta)
        assertEquals(eur("1.00"), w.balances().bonus)
        assertEquals(eur("9.00"), w.daySpend(T0))
        // Retrying the same entry is a no-op that reports the original outcome.
        val again = w.pay(rid(3), T0 + 2, STAND, beer(2u), DEVICE, false)
        assertTrue(again.replayed)
        assertEquals(pay.copy(replayed = true), again)
        val conflict = assertFailsWith<FestivalException.Wallet> { w.pay(rid(3), T0 + 2, STAND, beer(3u), DEVICE, false) }
        assertEquals("WALLET_DUPLICATE_ENTRY_CONFLICT", conflict.code)
        // Failures change nothing.
        val broke = assertFailsWith<FestivalException.Wallet> { w.pay(rid(4), T0 + 3, STAND, beer(20u), null, false) }
        assertEquals("WALLET_INSUFFICIENT_FUNDS", broke.code)
        assertEquals(eur("51.00"), w.balances().total)

        val refund = w.refund(rid(5), T0 + 4, rid(3), eur("4.50"), "warm beer")
        assertEquals("refund", refund.kind)
        assertEquals(eur("4.50"), w.refundableOnPayment(rid(3)))
        assertNull(w.refundableOnPayment(rid(1)))
        assertEquals("WALLET_REFUND_EXCEEDS_PAYMENT",
            assertFailsWith<FestivalException.Wallet> { w.refund(rid(6), T0 + 5, rid(3), eur("5"), null) }.code)
        w.payout(rid(7), T0 + 6, eur("10"), eur("1"))
        assertEquals(eur("40.00"), w.balances().refundable)
        w.adjust(rid(8), T0 + 7, eur("-0.50"), SubBalance.BONUS, "correction")
        assertEquals(eur("5.00"), w.balances().bonus)

        w.block(rid(9), T0 + 8, "fraud check")
        assertEquals(WalletStatus.BLOCKED, w.status())
        assertEquals(listOf<BlockReason>(BlockReason.Admin("fraud check")), w.blockReasons())
        assertEquals("WALLET_BLOCKED", assertFailsWith<FestivalException.Wallet> { w.pay(rid(10), T0 + 9, STAND, beer(1u), null, false) }.code)
        w.unblock(rid(11), T0 + 10)
        assertEquals(WalletStatus.ACTIVE, w.status())

        // Bonus lots expire at their time; the refund restored 4.50 to the lot.
        val expired = w.expireBonus(rid(12), T0 + 3_600_000)
        assertEquals(eur("-5.00"), expired.bonusDelta)
        assertEquals(listOf(), w.bonusLots())

        val kinds = w.ledger().map { it.kind }
        assertEquals(listOf("top_up", "bonus_credit", "payment", "refund", "payout", "adjustment", "block", "unblock", "expire_bonus"), kinds)
        val payment = w.entry(rid(3))!!
        assertEquals(STAND, payment.standId)
        assertEquals(DEVICE, payment.deviceId)
        assertEquals(beer(2u), payment.lineItems)
        assertEquals("payment", (Json.parse(payment.operationJson) as Map<*, *>)["kind"])
        assertEquals(pay, w.outcome(rid(3)))
        val t = w.totals()
        assertEquals(listOf(eur("50.00"), eur("10.00"), eur("9.00"), eur("4.50"), eur("9.00"), eur("1.00"), eur("5.00")),
            listOf(t.topUps, t.bonusCredits, t.payments, t.refunds, t.payouts, t.payoutFees, t.bonusExpired))

        // Closing needs an empty wallet.
        assertEquals("WALLET_NOT_EMPTY", assertFailsWith<FestivalException.Wallet> { w.close(rid(13), T0 + 3_600_001) }.code)
        w.payout(rid(14), T0 + 3_600_002, eur("40"), null)
        assertEquals(WalletStatus.CLOSED, w.close(rid(15), T0 + 3_600_003).status)
        assertEquals("WALLET_CLOSED", assertFailsWith<FestivalException.Wallet> { w.topUp(rid(16), T0 + 3_600_004, eur("1"), TopUpMethod.CARD) }.code)
    }

    @Test
    fun transfersAndLimits() {
        val a = wallet()
        val b = wallet(WALLET_B, WalletLimits(maxBalance = eur("20"), maxSinglePayment = eur("5"), maxDailySpend = null))
        a.topUp(rid(1), T0, eur("30"), TopUpMethod.ONLINE)
        val t = a.transferTo(b, rid(2), T0 + 1, eur("12.25"))
        assertEquals(eur("17.75"), t.from.balances.refundable)
        assertEquals(eur("12.25"), t.to.balances.refundable)
        assertEquals("transfer_in", b.ledger().single().kind)
        assertEquals("WALLET_LIMIT_EXCEEDED", assertFailsWith<FestivalException.Wallet> { a.transferTo(b, rid(3), T0 + 2, eur("10")) }.code)
        assertEquals("WALLET_LIMIT_EXCEEDED", assertFailsWith<FestivalException.Wallet> { b.pay(rid(4), T0 + 3, STAND, beer(2u), null, false) }.code)
        // Transfer to itself: a clean error, no deadlock.
        assertEquals("WALLET_TRANSFER_INVALID", assertFailsWith<FestivalException.Wallet> { a.transferTo(a, rid(5), T0 + 4, eur("1")) }.code)
        assertEquals(eur("17.75"), a.balances().refundable)
        assertEquals(WalletConfig(WALLET_B, FESTIVAL, "EUR", SpendOrder.BONUS_FIRST,
            WalletLimits(maxBalance = eur("20.00"), maxSinglePayment = eur("5.00"), maxDailySpend = null)), b.config())
        // Offline reconciliation: allowDebt lets the payment through and records debt.
        val debt = b.pay(rid(6), T0 + 5, STAND, beer(3u), null, true)
        assertEquals(eur("1.25"), debt.debtDelta)
        assertEquals(WalletStatus.BLOCKED, b.status())
        assertEquals(listOf<BlockReason>(BlockReason.Debt), b.blockReasons())
    }

    @Test
    fun jsonPersistenceReplaysAndDetectsTampering() {
        val w = wallet()
        w.topUp(rid(1), T0, eur("50"), TopUpMethod.CASH)
        w.pay(rid(2), T0 + 1, STAND, beer(1u), null, false)
        val json = w.toJson()
        val back = Wallet.fromJson(json)
        assertEquals(w.balances(), back.balances())
        assertEquals(w.ledger(), back.ledger())
        assertEquals(json, back.toJson())
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { Wallet.fromJson("{\"config\":") }.code)
        // Edit one recorded effect: the replay no longer reproduces it.
        @Suppress("UNCHECKED_CAST")
        val doc = (Json.parse(json) as Map<String, Any?>).toMutableMap()
        @Suppress("UNCHECKED_CAST")
        val ledger = (doc["ledger"] as List<Map<String, Any?>>).toMutableList()
        ledger[0] = ledger[0].toMutableMap().also { it["refundable_delta"] = mapOf("amount" to "40.00", "currency" to "EUR") }
        doc["ledger"] = ledger
        val corrupt = assertFailsWith<FestivalException.Wallet> { Wallet.fromJson(Json.write(doc)) }
        assertEquals("WALLET_LEDGER_CORRUPT", corrupt.code)
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { Wallet.fromJson("[]") }.code)
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { Wallet.fromJson(Json.write(doc + ("extra" to true))) }.code)
    }

    @Test
    fun hostileInputIsAnErrorNeverACrash() {
        val w = wallet()
        val badId = assertFailsWith<FestivalException.Input> { w.topUp("not-a-uuid", T0, eur("1"), TopUpMethod.CASH) }
        assertEquals("INPUT_INVALID", badId.code)
        assertEquals("entry_id", details(badId)["field"])
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { w.topUp(rid(1), Long.MAX_VALUE, eur("1"), TopUpMethod.CASH) }.code)
        assertEquals("MONEY_SCALE_EXCEEDED", assertFailsWith<FestivalException.Money> { w.topUp(rid(1), T0, eur("0.001"), TopUpMethod.CASH) }.code)
        assertEquals("MONEY_INVALID_AMOUNT", assertFailsWith<FestivalException.Money> { w.topUp(rid(1), T0, eur("NaN"), TopUpMethod.CASH) }.code)
        assertEquals("WALLET_CURRENCY_MISMATCH", assertFailsWith<FestivalException.Wallet> { w.topUp(rid(1), T0, Money("1", "USD"), TopUpMethod.CASH) }.code)
        assertEquals("WALLET_INVALID_AMOUNT", assertFailsWith<FestivalException.Wallet> { w.topUp(rid(1), T0, eur("-1"), TopUpMethod.CASH) }.code)
        assertEquals("MONEY_UNKNOWN_CURRENCY", assertFailsWith<FestivalException.Money> { Wallet(WALLET, FESTIVAL, "XXQ", SpendOrder.BONUS_FIRST, WalletLimits(null, null, null)) }.code)
        assertEquals(0, w.ledger().size)
    }

    @Test
    fun tagRegistry() {
        val tags = TagRegistry()
        val old = hexOf("04a1b2c3")
        val new = hexOf("04a1b2c3d4e5f6")
        val linked = tags.link(old, WALLET, T0)
        assertEquals(TagRecord("04a1b2c3", WALLET, TagStatus.ACTIVE, T0, null, null), linked)
        assertEquals(WALLET, tags.lookup(old))
        assertEquals("04a1b2c3", tags.activeTag(WALLET))
        assertEquals("TAG_WALLET_ALREADY_LINKED", assertFailsWith<FestivalException.Wallet> { tags.link(new, WALLET, T0) }.code)
        tags.replace(old, new, T0 + 1)
        assertEquals(WALLET, tags.lookup(new))
        assertEquals("TAG_LOST", assertFailsWith<FestivalException.Wallet> { tags.lookup(old) }.code)
        assertEquals("TAG_ALREADY_USED", assertFailsWith<FestivalException.Wallet> { tags.link(old, WALLET_B, T0 + 2) }.code)
        assertEquals(TagStatus.LOST, tags.record(old)!!.status)
        assertEquals("04a1b2c3d4e5f6", tags.record(old)!!.replacedByHex)
        assertEquals("TAG_UNKNOWN", assertFailsWith<FestivalException.Wallet> { tags.lookup(hexOf("04010203040506")) }.code)
        assertEquals("TAG_INVALID_UID", assertFailsWith<FestivalException.Wallet> { tags.lookup(ByteArray(0)) }.code)
        assertEquals("TAG_INVALID_UID", assertFailsWith<FestivalException.Wallet> { tags.lookup(ByteArray(4096)) }.code)
        tags.reportLost(new, T0 + 3)
        assertNull(tags.activeTag(WALLET))
        val back = TagRegistry.fromJson(tags.toJson())
        assertEquals(tags.records(), back.records())
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { TagRegistry.fromJson("[{}]") }.code)
    }
}
