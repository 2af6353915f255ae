// JUnit 5 tests of carts through the Kotlin bindings: priceCart (per-unit promo, add-on VAT,
// booking fee split by line amount), QuotaBook (shared quotas, exhaustion naming the quota, expiry
// and refunds giving units back once) and CartOrder (idempotent line refunds until refunded = paid).
package org.festivalcore.mobile.test

import org.festivalcore.mobile.*
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue

class CartsTest {
    private val day = "00000000-0000-4000-8000-000000000c01"
    private val weekend = "00000000-0000-4000-8000-000000000c02"
    private val parking = "00000000-0000-4000-8000-000000000c03"
    private val shirt = "00000000-0000-4000-8000-000000000c04"
    private val festivalQ = "00000000-0000-4000-8000-000000000c10"
    private val parkingQ = "00000000-0000-4000-8000-000000000c11"
    private val merchQ = "00000000-0000-4000-8000-000000000c12"
    private val later = T0 + 15 * 60_000
    private val after = T0 + 24 * H

    private fun type(id: String, name: String, price: String) = TicketType(
        id = id, name = name, price = eur(price), capacity = 1000u,
        saleFromMs = T0 - 30 * 24 * H, saleUntilMs = T0 + 30 * 24 * H, validFromMs = T0, validUntilMs = T0 + 48 * H,
        maxPerOrder = 4u, zones = listOf("main"), reentryAllowed = false, transferLimit = 1u,
    )

    private fun catalog() = Catalog(
        ticketTypes = listOf(type(day, "Day", "59.00"), type(weekend, "Weekend", "149.00")),
        addOns = listOf(AddOn(parking, "Parking", eur("20.00"), 2u), AddOn(shirt, "Shirt", eur("25.00"), 5u)),
        taxRates = listOf(ItemTaxRate(day, "7"), ItemTaxRate(weekend, "7")),
    )

    private fun config() = CartConfig(
        pricing = PricingConfig(
            currency = "EUR", fees = FeeConfig(eur("2.00"), "0", RoundingMode.HALF_UP), feesTaxable = true,
            tax = TaxConfig("19", PriceBasis.GROSS, TaxRounding.PER_LINE, RoundingMode.HALF_EVEN),
            discountRounding = RoundingMode.HALF_UP,
        ),
        lineFees = listOf(),
        orderFees = listOf(OrderFee("booking", eur("1.50"), "0", RoundingMode.HALF_UP)),
    )

    private fun quotas() = QuotaBook(listOf(
        Quota(festivalQ, "Festival", 5u, listOf(day, weekend)),
        Quota(parkingQ, "Parking", 1u, listOf(parking)),
        Quota(merchQ, "Merch", null, listOf(shirt)),
    ))

    private val tenOff = PromoCode(
        code = "TENOFF", discount = PromoDiscount.FixedAmount(eur("10.00")), maxUses = null, used = 0u,
        expiresAtMs = null, minQuantity = 0u, ticketTypeIds = listOf(),
    )

    @Test
    fun priceCartSplitsTheBookingFeeAndTaxesPerRate() {
        val crew = tenOff.copy(code = "CREW", scope = PromoScope.LINE, ticketTypeIds = listOf(weekend))
        val lines = listOf(
            CartLine(rid(1), weekend, ItemKind.TICKET, eur("149.00"), 2u, "7"),
            CartLine(rid(2), parking, ItemKind.ADD_ON, eur("20.00"), 1u),
        )
        val b = priceCart(lines, "crew", T0, config(), listOf(crew))
        assertEquals(listOf("20.00", "0.00"), b.lines.map { it.discount.amount })
        assertEquals(listOf("1.40", "0.10"), b.lines.map { it.orderFees.amount })
        assertEquals(listOf("283.40", "20.10"), b.lines.map { it.total.amount })
        assertEquals(listOf("18.54", "3.21"), b.taxes.map { it.amounts.tax.amount })
        assertEquals(eur("303.50"), b.total)
        assertEquals(listOf(AppliedFee("booking", eur("1.50"))), b.orderFeeLines)
        val notYet = crew.copy(validFromMs = T0 + 1)
        assertEquals("PROMO_NOT_YET_VALID", assertFailsWith<FestivalException.Ticketing> { priceCart(lines, "crew", T0, config(), listOf(notYet)) }.code)
        val dup = listOf(lines[0], lines[1].copy(lineId = rid(1)))
        assertEquals("PRICING_DUPLICATE_LINE", assertFailsWith<FestivalException.Ticketing> { priceCart(dup, null, T0, config(), listOf()) }.code)
    }

    @Test
    fun quotaBookSharesUnitsAndGivesThemBackOnce() {
        val q = quotas()
        val hold = q.reserve(rid(90), listOf(QuotaRequest(rid(1), day, 3u), QuotaRequest(rid(2), parking, 1u)), T0, later)
        assertEquals(HoldState.HELD, hold.state)
        assertEquals(listOf(festivalQ), hold.lines[0].quotaIds)
        assertEquals(2u, q.available(weekend, T0))
        assertNull(q.available(shirt, T0))
        val e = assertFailsWith<FestivalException.Ticketing> { q.reserve(rid(91), listOf(QuotaRequest(rid(1), weekend, 3u)), T0, later) }
        assertEquals("QUOTA_EXHAUSTED", e.code)
        assertEquals(festivalQ, details(e)["quota_id"])
        assertEquals(java.math.BigDecimal(2), details(e)["available"])
        assertEquals("INVENTORY_HOLD_EXPIRED", assertFailsWith<FestivalException.Ticketing> { q.confirm(rid(90), later) }.code)
        assertEquals(listOf(rid(90)), q.expire(later).map { it.id })
        assertEquals(5u, q.available(weekend, later))
        q.reserve(rid(92), listOf(QuotaRequest(rid(1), weekend, 2u)), later, after)
        q.confirm(rid(92), later)
        assertEquals(1u, q.refundLine(rid(92), rid(1), 1u))
        assertEquals(QuotaCounts(festivalQ, 5u, 1u, 0u, 4u), q.counts(later)[0])
        assertTrue(q.invariantHolds())
        assertEquals(q.toJson(), QuotaBook.fromJson(q.toJson()).toJson())
        assertEquals("QUOTA_STATE_INVALID", assertFailsWith<FestivalException.Ticketing> {
            QuotaBook.fromJson(q.toJson().replace("\"size\":5", "\"size\":0"))
        }.code)
    }

    @Test
    fun cartOrderRefundsLinesIdempotentlyUntilRefundedEqualsPaid() {
        val q = quotas()
        val book = TicketBook()
        catalog().ticketTypes.forEach { book.addType(it) }
        val lines = listOf(CartItem(rid(1), weekend, 2u), CartItem(rid(2), parking, 1u), CartItem(rid(3), shirt, 3u))
        val order = CartOrder.place(rid(50), lines, "tenoff", T0, later, catalog(), config(), listOf(tenOff), q)
        assertEquals(eur("388.50"), order.total())
        assertEquals(listOf("295.56", "19.57", "73.37"), order.breakdown().lines.map { it.total.amount })
        assertEquals("QUOTA_EXHAUSTED", assertFailsWith<FestivalException.Ticketing> {
            CartOrder.place(rid(51), listOf(CartItem(rid(1), parking, 1u)), null, T0, later, catalog(), config(), listOf(), q)
        }.code)
        assertEquals(OrderState.PAID, order.pay(q, eur("388.50"), T0 + 1))
        assertEquals(OrderState.FULFILLED, order.fulfill(book, listOf(NewTicket(rid(60), "W-0", "Ada"), NewTicket(rid(61), "W-1", "Bo")), T0 + 2))
        assertEquals(listOf(LineTickets(rid(1), listOf(rid(60), rid(61)))), order.tickets())

        val parkingRefund = LineRefundRequest(rid(70), rid(2), 1u)
        val r = order.refundLine(parkingRefund, after, q, null)
        assertEquals(eur("19.57"), r.amount)
        assertEquals(r, order.refundLine(parkingRefund, after + H, q, book), "repeating a refund id changes nothing")
        assertEquals(1u, q.available(parking, after))
        assertEquals("ORDER_REFUND_CONFLICT", assertFailsWith<FestivalException.Ticketing> { order.refundLine(parkingRefund.copy(lineId = rid(3)), after, q, null) }.code)
        assertEquals("ORDER_TICKET_COUNT_MISMATCH", assertFailsWith<FestivalException.Ticketing> { order.refundLine(LineRefundRequest(rid(71), rid(1), 1u), after, q, book) }.code)
        assertEquals(eur("147.78"), order.lineRefundAmount(rid(1), 1u))
        order.refundLine(LineRefundRequest(rid(72), rid(1), 1u, listOf(rid(61))), after, q, book)
        assertEquals(TicketState.REFUNDED, book.ticket(rid(61)).state)
        assertEquals(listOf("24.46", "48.91"), listOf(1u, 2u).mapIndexed { i, n -> order.refundLine(LineRefundRequest(rid(73 + i), rid(3), n), after, q, null).amount.amount })
        order.refundLine(LineRefundRequest(rid(80), rid(1), 1u, listOf(rid(60))), after, q, book)
        assertEquals(OrderState.REFUNDED, order.state())
        assertEquals(order.paid(), order.refunded())
        assertEquals(eur("0.00"), order.refundable())
        assertEquals(3u, order.refundedQuantity(rid(3)))
        assertEquals(0u, q.counts(after)[0].sold)
        assertEquals(order.toJson(), CartOrder.fromJson(order.toJson()).toJson())
        assertEquals("ORDER_STATE_INVALID", assertFailsWith<FestivalException.Ticketing> {
            CartOrder.fromJson(order.toJson().replace("\"state\":\"refunded\"", "\"state\":\"paid\""))
        }.code)
    }

    @Test
    fun placementRulesAndExpiry() {
        val q = quotas()
        assertEquals("ORDER_UNKNOWN_ITEM", assertFailsWith<FestivalException.Ticketing> {
            CartOrder.place(rid(50), listOf(CartItem(rid(1), rid(999), 1u)), null, T0, later, catalog(), config(), listOf(), q)
        }.code)
        val max = assertFailsWith<FestivalException.Ticketing> {
            CartOrder.place(rid(50), listOf(CartItem(rid(1), parking, 1u), CartItem(rid(2), parking, 2u)), null, T0, later, catalog(), config(), listOf(), q)
        }
        assertEquals("ORDER_MAX_PER_ORDER_EXCEEDED", max.code)
        val order = CartOrder.place(rid(50), listOf(CartItem(rid(1), day, 4u)), null, T0, later, catalog(), config(), listOf(), q)
        assertEquals(later, order.expiresAtMs())
        assertEquals("ORDER_NOT_EXPIRED", assertFailsWith<FestivalException.Ticketing> { order.expire(q, T0) }.code)
        assertEquals(OrderState.EXPIRED, order.expire(q, later))
        assertEquals(5u, q.available(weekend, later))
        val other = CartOrder.place(rid(52), listOf(CartItem(rid(1), shirt, 1u)), null, later, after, catalog(), config(), listOf(), q)
        assertEquals(OrderState.CANCELLED, other.cancel(q, later))
        assertEquals("QUOTA_INVALID", assertFailsWith<FestivalException.Ticketing> { QuotaBook(listOf(Quota(festivalQ, "A", 1u, listOf()))) }.code)
        assertTrue(order.refunds().isEmpty() && order.id() == rid(50))
    }
}
