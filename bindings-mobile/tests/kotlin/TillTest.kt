// JUnit 5 tests of tills through the Kotlin bindings: a top-up desk's session from the float to
// the signed closing (imbalance per method), receipts numbered without gaps with VAT per rate and
// the TSE signature, idempotent retries, the server's closing verification, and the Z-report and
// DSFinV-K-shaped CSV of a festival day.
package org.festivalcore.mobile.test

import org.festivalcore.mobile.*
import org.junit.jupiter.api.Test
import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

private fun ms(s: String) = Instant.parse(s).toEpochMilli()
private fun tid(n: Int) = "00000000-0000-4000-8000-%012x".format(n)
private val TILL = tid(0x7111)
private val TILL_DEVICE = tid(0xde1)
private val PRODUCTS = mapOf(
    "beer" to TillProduct("Beer 0.5l", "19", null),
    "water" to TillProduct("Water, still", "7", null),
)

private fun spec(n: Int, float: String, openedAt: String, first: ULong = 1uL) = TillSessionSpec(
    sessionId = tid(n), tillId = TILL, festivalId = FESTIVAL, deviceId = TILL_DEVICE, standId = null, cashierId = "anna",
    openingFloat = eur(float), firstReceiptNumber = first, taxRounding = TaxRounding.PER_LINE,
    rounding = RoundingMode.HALF_UP, openedAtMs = ms(openedAt),
)

private fun line(sku: String, q: UInt, price: String) = TillSaleLine(sku, q, eur(price), null)

class TillTest {
    @Test
    fun sessionFromFloatToVerifiedClosing() {
        val s = TillSession(spec(1, "100.00", "2026-07-04T10:00:00Z"))
        s.record(tid(10), ms("2026-07-04T10:05:00Z"), TillOperationKind.CASH_TOP_UP, eur("20.00"), tid(0x3001), null)
        s.record(tid(10), ms("2026-07-04T10:05:00Z"), TillOperationKind.CASH_TOP_UP, eur("20.00"), tid(0x3001), null) // retry
        s.record(tid(11), ms("2026-07-04T10:06:00Z"), TillOperationKind.CARD_TOP_UP, eur("30.00"), null, null)
        s.record(tid(12), ms("2026-07-04T10:07:00Z"), TillOperationKind.PAYOUT, eur("15.50"), null, null)
        s.record(tid(13), ms("2026-07-04T10:08:00Z"), TillOperationKind.SAFE_OUT, eur("50.00"), null, "to the safe")
        val conflict = assertFailsWith<FestivalException.Till> {
            s.record(tid(10), ms("2026-07-04T10:05:00Z"), TillOperationKind.CASH_TOP_UP, eur("25.00"), null, null)
        }
        assertEquals("TILL_OPERATION_CONFLICT", conflict.code)
        val short = assertFailsWith<FestivalException.Till> {
            s.record(tid(14), ms("2026-07-04T10:09:00Z"), TillOperationKind.PAYOUT, eur("1000.00"), null, null)
        }
        assertEquals("TILL_INSUFFICIENT_CASH", short.code)
        assertEquals("54.50", details(short)["available"])
        val r = s.sale(tid(20), ms("2026-07-04T11:00:00Z"), TillPaymentMethod.CASH,
            listOf(line("beer", 2u, "5.00"), line("water", 1u, "2.50")), PRODUCTS, eur("12.50"), null)
        assertEquals(1uL, r.number)
        assertEquals(eur("12.50"), r.total)
        assertEquals(listOf("7" to eur("0.16"), "19" to eur("1.60")), r.vat.map { it.rate to it.amounts.tax })
        assertEquals(1u, r.lines[0].vatKey)
        assertEquals(r, s.sale(tid(20), ms("2026-07-04T11:00:00Z"), TillPaymentMethod.CASH,
            listOf(line("beer", 2u, "5.00"), line("water", 1u, "2.50")), PRODUCTS, null, null))
        assertEquals("TILL_UNKNOWN_PRODUCT", assertFailsWith<FestivalException.Till> {
            s.sale(tid(21), ms("2026-07-04T11:01:00Z"), TillPaymentMethod.CARD, listOf(line("cola", 1u, "3.00")), PRODUCTS, null, null)
        }.code)
        val signed = s.attachFiscalSignature(tid(20), TillFiscalSignature("5a3f9c", 118uL, 240uL,
            ms("2026-07-04T11:00:00Z"), ms("2026-07-04T11:00:01Z"), "ecdsa-plain-SHA384", "MGUCMQDx", null))
        assertTrue(signed.fiscallySigned)
        assertTrue(signed.receiptJson.contains("\"transaction_number\":118"))
        assertEquals(2uL, s.nextReceiptNumber())
        val t = s.totals()
        assertEquals(eur("67.00"), t.expectedCash)
        assertEquals(eur("30.00"), t.expectedCard)
        val c = s.close(ms("2026-07-04T18:00:00Z"), eur("66.50"), eur("30.00"), seedOf(9))
        assertEquals(listOf(TillPaymentMethod.CASH to eur("-0.50"), TillPaymentMethod.CARD to eur("0.00")),
            c.balances.map { it.method to it.imbalance })
        assertEquals(128, c.signatureHex.length)
        assertEquals("TILL_ALREADY_CLOSED", assertFailsWith<FestivalException.Till> {
            s.close(ms("2026-07-04T18:01:00Z"), eur("0"), eur("0"), seedOf(9))
        }.code)
        assertEquals("TILL_SESSION_CLOSED", assertFailsWith<FestivalException.Till> {
            s.record(tid(30), ms("2026-07-04T18:02:00Z"), TillOperationKind.CASH_TOP_UP, eur("1"), null, null)
        }.errorCode)
        // the server verifies the uploaded closing
        val registry = DeviceRegistry(listOf(DeviceEntry(
            deviceId = TILL_DEVICE, publicKey = hexOf(publicKeyFromSeed(seedOf(9))), festivalId = FESTIVAL,
            role = DeviceRole.TOP_UP, locations = listOf(), validFromMs = ms("2026-01-01T00:00:00Z"),
            validUntilMs = ms("2027-01-01T00:00:00Z"), revokedAtMs = null,
        )))
        verifyTillClosing(c.closingJson, registry)
        val tampered = c.closingJson.replace("\"counted\":{\"amount\":\"66.50\"", "\"counted\":{\"amount\":\"67.00\"")
        assertEquals("TILL_SIGNATURE_INVALID", assertFailsWith<FestivalException.Till> { verifyTillClosing(tampered, registry) }.code)
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { verifyTillClosing("{", registry) }.code)
        val back = TillSession.fromJson(s.toJson())
        assertEquals(s.receipts(), back.receipts())
        assertEquals(c, back.closing())
        assertFailsWith<FestivalException.Input> { s.close(0, eur("0"), eur("0"), ByteArray(3)) }
    }

    @Test
    fun zReportAndExportOfAFestivalDay() {
        val a = TillSession(spec(1, "100.00", "2026-07-04T10:00:00Z"))
        a.sale(tid(20), ms("2026-07-04T11:00:00Z"), TillPaymentMethod.CASH, listOf(line("beer", 2u, "5.00")), PRODUCTS, null, null)
        val ca = a.close(ms("2026-07-04T14:00:00Z"), eur("110.00"), eur("0"), seedOf(9))
        val b = TillSession(spec(2, "50.00", "2026-07-04T14:30:00Z", ca.nextReceiptNumber))
        b.sale(tid(21), ms("2026-07-05T01:30:00Z"), TillPaymentMethod.WALLET, listOf(line("water", 2u, "2.50")), PRODUCTS, null, tid(0x3004))
        b.close(ms("2026-07-05T02:00:00Z"), eur("50.00"), eur("0"), seedOf(9))
        val cal = FestivalCalendar("Europe/Berlin", "06:00")
        val z = tillZReportJson(TILL, "2026-07-04", 12uL, ms("2026-07-05T04:00:00Z"), cal, listOf(b.toJson(), a.toJson()))
        @Suppress("UNCHECKED_CAST")
        val report = Json.parse(z) as Map<String, Any?>
        assertEquals(2L, (report["receipt_count"] as Number).toLong())
        assertEquals("15.00", (report["gross"] as Map<String, Any?>)["amount"])
        val csv = tillExportCsv(TILL, "2026-07-04", 12uL, ms("2026-07-05T04:00:00Z"), cal, listOf(a.toJson(), b.toJson()))
        val lines = csv.split("\r\n")
        assertTrue(lines[0].startsWith("Z_KASSE_ID,Z_ERSTELLUNG,Z_NR,BON_ID,POS_ZEILE,"))
        assertEquals("$TILL,2026-07-05T04:00:00.000Z,12,2,1,,\"Water, still\",Umsatz,water,2,2.50,2,7,5.00,4.67,0.33,2026-07-05T01:30:00.000Z,GuthabenKarte", lines[2])
        assertEquals("TILL_NO_SESSIONS", assertFailsWith<FestivalException.Till> {
            tillZReportJson(TILL, "2026-07-06", 13uL, 0, cal, listOf(a.toJson()))
        }.code)
    }
    @Test
    fun tillPostingsEmptyTheDrawerIntoTheSafe() {
        val s = TillSession(spec(1, "100.00", "2026-07-04T10:00:00Z"))
        s.record(tid(10), ms("2026-07-04T10:05:00Z"), TillOperationKind.CASH_TOP_UP, eur("20.00"), tid(0x3001), null)
        s.record(tid(12), ms("2026-07-04T10:07:00Z"), TillOperationKind.PAYOUT, eur("15.50"), null, null)
        s.record(tid(13), ms("2026-07-04T10:08:00Z"), TillOperationKind.SAFE_OUT, eur("50.00"), null, null)
        s.sale(tid(20), ms("2026-07-04T11:00:00Z"), TillPaymentMethod.CASH,
            listOf(line("beer", 2u, "5.00"), line("water", 1u, "2.50")), PRODUCTS, null, null)
        s.sale(tid(21), ms("2026-07-04T11:01:00Z"), TillPaymentMethod.CARD, listOf(line("beer", 1u, "5.00")), PRODUCTS, null, null)
        val drawer = "cash_drawer:$TILL"
        fun balance(books: TrialBalance, account: String) = books.accounts.first { it.account == account }.balance
        assertEquals(eur("67.00"), balance(trialBalance("EUR", s.postings()), drawer))
        s.close(ms("2026-07-04T18:00:00Z"), eur("66.50"), eur("5.00"), seedOf(9))
        val postings = s.postings()
        assertEquals(listOf("till_open", "till_cash_top_up", "till_payout", "till_safe_out", "till_sale", "till_sale", "till_closing"),
            postings.map { it.kind })
        assertTrue(postings.all { it.tillId == TILL })
        assertEquals(tid(0x3001), postings[1].walletId)
        assertEquals(null, postings[0].walletId)
        assertEquals(listOf(drawer to eur("-67.00"), "safe" to eur("66.50"), "expense:cash_differences" to eur("0.50")),
            postings.last().legs.map { it.account to it.amount })
        val books = trialBalance("EUR", postings)
        assertTrue(books.balanced)
        assertEquals(eur("0.00"), balance(books, drawer))
        assertEquals(eur("16.50"), balance(books, "safe"))
        assertEquals(eur("-20.00"), balance(books, "funds:cash"))
        assertEquals(listOf(StandRevenue(null, eur("17.50"))), books.revenueByStand)
    }

    @Test
    fun depositLinesOfTillSalesPostToTheDepositLiability() {
        val s = TillSession(spec(1, "0.00", "2026-07-04T10:00:00Z"))
        val products = PRODUCTS + ("cup" to TillProduct("Cup deposit", "0", null, deposit = true))
        val r = s.sale(tid(20), ms("2026-07-04T11:00:00Z"), TillPaymentMethod.CASH,
            listOf(line("beer", 2u, "5.00"), line("cup", 2u, "2.00")), products, null, null)
        assertEquals(listOf(false, true), r.lines.map { it.deposit })
        val sale = s.postings().first { it.kind == "till_sale" }
        assertEquals(
            listOf("cash_drawer:$TILL" to eur("14.00"), "revenue:unattributed" to eur("-10.00"), "liability:deposits" to eur("-4.00")),
            sale.legs.map { it.account to it.amount },
        )
    }
}
