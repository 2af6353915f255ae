// JUnit 5 tests of double-entry postings through the Kotlin bindings: Wallet.postings() legs per
// operation, trialBalance() over two wallets (transfers clear, liabilities equal the balances),
// error classes and codes for bad accounts and currencies.
package org.festivalcore.mobile.test

import org.festivalcore.mobile.*
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

class PostingsTest {
    private fun wallet(id: String) = Wallet(id, FESTIVAL, "EUR", SpendOrder.BONUS_FIRST, WalletLimits(null, null, null))

    @Test
    fun everyPostingBalancesAndNamesItsAccounts() {
        val w = wallet(WALLET)
        w.topUp(rid(1), T0, eur("20"), TopUpMethod.CASH)
        w.bonusCredit(rid(2), T0, eur("5"), null)
        w.pay(rid(3), T0 + 1, STAND, listOf(WalletLineItem("BEER", 2u, eur("4.50"))), null, false)
        w.payout(rid(4), T0 + 2, eur("10"), eur("1"))
        w.block(rid(5), T0 + 3, "lost wristband") // moves no money: no posting
        val postings = w.postings()
        assertEquals(listOf("top_up", "bonus_credit", "payment", "payout"), postings.map { it.kind })
        assertEquals(
            Posting(rid(3), WALLET, T0 + 1, "payment", listOf(
                PostingLeg("liability:refundable", eur("4.00")),
                PostingLeg("liability:bonus", eur("5.00")),
                PostingLeg("revenue:$STAND", eur("-9.00")),
            )),
            postings[2],
        )
        for (p in postings) {
            val sum = p.legs.fold(eur("0")) { acc, l -> moneyAdd(acc, l.amount) }
            assertEquals(eur("0.00"), sum)
        }
        val books = trialBalance("EUR", postings)
        assertTrue(books.balanced)
        assertEquals(eur("0.00"), books.total)
        assertEquals(AccountBalance("funds:cash", eur("20.00")), books.accounts.first { it.account == "funds:cash" })
        assertEquals(listOf(StandRevenue(STAND, eur("9.00"))), books.revenueByStand)
    }

    @Test
    fun booksOfTwoWalletsClearTransfersAndMatchBalances() {
        val a = wallet(WALLET)
        val b = wallet(WALLET_B)
        a.topUp(rid(1), T0, eur("30"), TopUpMethod.CARD)
        a.transferTo(b, rid(2), T0 + 1, eur("12.50"))
        b.pay(rid(3), T0 + 2, STAND, listOf(WalletLineItem("WATER", 1u, eur("2.50"))), null, false)
        val books = trialBalance("EUR", a.postings() + b.postings())
        assertTrue(books.balanced)
        val byCode = books.accounts.associate { it.account to it.balance }
        assertEquals(eur("0.00"), byCode["clearing:transfers"])
        assertEquals(eur("-27.50"), byCode["liability:refundable"])
        assertEquals(eur("27.50"), moneyAdd(a.balances().refundable, b.balances().refundable))
    }

    @Test
    fun badAccountsAndCurrenciesAreErrorsWithCodes() {
        val w = wallet(WALLET)
        w.topUp(rid(1), T0, eur("5"), TopUpMethod.CASH)
        val p = w.postings()
        assertEquals("MONEY_CURRENCY_MISMATCH", assertFailsWith<FestivalException.Money> { trialBalance("CHF", p) }.code)
        val bad = listOf(p[0].copy(legs = listOf(PostingLeg("cash", eur("5.00")))))
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { trialBalance("EUR", bad) }.code)
        val badId = listOf(p[0].copy(entryId = "nope"))
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { trialBalance("EUR", badId) }.code)
    }
}
