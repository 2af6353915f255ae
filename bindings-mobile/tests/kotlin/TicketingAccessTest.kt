// JUnit 5 tests of ticketing and access through the Kotlin bindings: price previews (every
// ticketing.price conformance vector through the TYPED priceOrder, equal to the Rust results),
// Inventory, Order, TicketBook and AccessControl objects, error classes and codes, hostile input.
package org.festivalcore.mobile.test

import org.festivalcore.mobile.*
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import java.io.File
import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail

const val DAY_TYPE = "00000000-0000-4000-8000-0000000000d1"
const val H = 3_600_000L

fun dayType(capacity: UInt = 3u) = TicketType(
    id = DAY_TYPE, name = "Day", price = eur("50.00"), capacity = capacity,
    saleFromMs = T0 - 30 * 24 * H, saleUntilMs = T0 + 24 * H, validFromMs = T0, validUntilMs = T0 + 24 * H,
    maxPerOrder = 4u, zones = listOf("main"), reentryAllowed = false, transferLimit = 1u,
)

@Suppress("UNCHECKED_CAST")
class TicketingAccessTest {
    // ------------------------------------------------------------ price previews vs Rust vectors

    private fun ms(v: Any?): Long? = (v as String?)?.let { Instant.parse(it).toEpochMilli() }
    private fun money(v: Any?): Money {
        val m = v as Map<String, Any?>
        val amount = m["amount"] as? String ?: throw NotTyped("amount ${m["amount"]} is not a decimal string")
        return Money(amount, m["currency"] as String)
    }
    private fun <E : Enum<E>> enumOf(values: Array<E>, s: Any?): E = values.single { it.name == (s as String).uppercase() }

    /** A vector input the typed API cannot even express (e.g. a JSON number as an amount). */
    class NotTyped(why: String) : Exception(why)

    private fun priceTyped(input: Map<String, Any?>): PriceBreakdown {
        val c = input["config"] as Map<String, Any?>
        val fees = c["fees"] as Map<String, Any?>
        val tax = c["tax"] as Map<String, Any?>
        val config = PricingConfig(
            currency = c["currency"] as String,
            fees = FeeConfig(money(fees["per_ticket"]), fees["percent"] as String, enumOf(RoundingMode.values(), fees["rounding"])),
            feesTaxable = c["fees_taxable"] as Boolean,
            tax = TaxConfig(tax["rate"] as String, enumOf(PriceBasis.values(), tax["basis"]), enumOf(TaxRounding.values(), tax["rounding"]),
                enumOf(RoundingMode.values(), tax["mode"])),
            discountRounding = enumOf(RoundingMode.values(), c["discount_rounding"]),
        )
        val promos = (input["promos"] as List<Map<String, Any?>>).map { p ->
            val d = p["discount"] as Map<String, Any?>
            PromoCode(
                code = p["code"] as String,
                discount = if (d["kind"] == "percentage") PromoDiscount.Percentage(d["percent"] as String) else PromoDiscount.FixedAmount(money(d["amount"])),
                maxUses = (p["max_uses"] as java.math.BigDecimal?)?.toInt()?.toUInt(),
                used = ((p["used"] as java.math.BigDecimal?)?.toInt() ?: 0).toUInt(),
                expiresAtMs = ms(p["expires_at"]),
                minQuantity = ((p["min_quantity"] as java.math.BigDecimal?)?.toInt() ?: 0).toUInt(),
                ticketTypeIds = (p["ticket_type_ids"] as List<String>?) ?: listOf(),
            )
        }
        val lines = (input["lines"] as List<Map<String, Any?>>).map { l ->
            PriceLine(l["ticket_type_id"] as String, money(l["unit_price"]), (l["quantity"] as java.math.BigDecimal).toInt().toUInt())
        }
        return priceOrder(lines, input["promo_code"] as String?, ms(input["at"])!!, config, promos)
    }

    private fun m(x: Money) = mapOf("amount" to x.amount, "currency" to x.currency)
    private fun asJson(b: PriceBreakdown): Map<String, Any?> = mapOf(
        "lines" to b.lines.map { l ->
            mapOf("ticket_type_id" to l.ticketTypeId, "quantity" to java.math.BigDecimal(l.quantity.toLong()), "unit_price" to m(l.unitPrice),
                "subtotal" to m(l.subtotal), "discount" to m(l.discount), "fees" to m(l.fees), "tax" to m(l.tax),
                "rounding_adjustment" to m(l.roundingAdjustment), "total" to m(l.total))
        },
        "subtotal" to m(b.subtotal), "discount" to m(b.discount), "fees" to m(b.fees), "tax" to m(b.tax),
        "tax_included" to b.taxIncluded, "rounding_adjustment" to m(b.roundingAdjustment), "total" to m(b.total), "promo_code" to b.promoCode,
    )

    @TestFactory
    fun priceOrderMatchesEveryPricingVector(): List<DynamicTest> {
        val root = System.getProperty("festival.root") ?: error("run with -Dfestival.root=<repo root>")
        val doc = Json.parse(File(root, "tests/vectors/ticketing_pricing.json").readText()) as Map<String, Any?>
        val vectors = (doc["vectors"] as List<Map<String, Any?>>).filter { it["op"] == "ticketing.price" }
        assertTrue(vectors.size >= 40, "pricing vectors: ${vectors.size}")
        return vectors.map { v ->
            DynamicTest.dynamicTest("priceOrder :: ${v["name"]}") {
                val input = v["input"] as Map<String, Any?>
                val expectedError = v["expected_error"] as String?
                try {
                    val out = priceTyped(input)
                    if (expectedError != null) fail("expected $expectedError, got $out")
                    assertEquals(v["expected"], asJson(out))
                    // And identical to the Rust JSON path.
                    assertEquals(Json.parse(conformanceExecute("ticketing.price", Json.write(input))), asJson(out))
                } catch (e: NotTyped) {
                    // Only a non-string amount cannot be typed; Rust rejects it as INPUT_INVALID.
                    assertEquals("INPUT_INVALID", expectedError, e.message)
                } catch (e: FestivalException) {
                    assertEquals(expectedError, e.errorCode, e.message)
                    val want = v["expected_details"] as Map<String, Any?>?
                    if (want != null) for ((k, value) in want) assertEquals(value, details(e)[k], "details.$k")
                }
            }
        }
    }

    // ------------------------------------------------------------ inventory, orders, tickets

    @Test
    fun orderFlowAcrossInventoryAndTicketBook() {
        val book = TicketBook()
        book.addType(dayType())
        assertEquals(dayType(), book.ticketType(DAY_TYPE))
        val inv = Inventory(DAY_TYPE, 3u)
        val now = T0 - 24 * H
        val preview = priceOrder(listOf(PriceLine(DAY_TYPE, eur("50"), 2u)), null, now,
            PricingConfig("EUR", FeeConfig(eur("1.50"), "0", RoundingMode.HALF_EVEN), true,
                TaxConfig("19", PriceBasis.GROSS, TaxRounding.PER_LINE, RoundingMode.HALF_EVEN), RoundingMode.HALF_EVEN), listOf())
        assertEquals(eur("103.00"), preview.total)
        val order = Order.place(rid(1), dayType(), inv, 2u, preview.total, now, now + 15 * 60_000)
        assertEquals(OrderState.PENDING, order.state())
        assertEquals(InventoryCounts(3u, 0u, 2u, 1u), inv.counts(now))
        val soldOut = assertFailsWith<FestivalException.Ticketing> { Order.place(rid(2), dayType(), inv, 2u, eur("100"), now, now + 60_000) }
        assertEquals("INVENTORY_SOLD_OUT", soldOut.code)
        assertEquals(java.math.BigDecimal(1), details(soldOut)["available"])
        assertEquals("ORDER_PAYMENT_MISMATCH", assertFailsWith<FestivalException.Ticketing> { order.pay(inv, eur("100"), now + 1) }.code)
        assertEquals(OrderState.PAID, order.pay(inv, eur("103"), now + 1))
        assertEquals(2u, inv.sold())
        assertEquals("ORDER_TICKET_COUNT_MISMATCH",
            assertFailsWith<FestivalException.Ticketing> { order.fulfill(book, listOf(NewTicket(rid(10), "A-1", "Ada")), now + 2) }.code)
        assertEquals(OrderState.FULFILLED, order.fulfill(book, listOf(NewTicket(rid(10), "A-1", "Ada"), NewTicket(rid(11), "A-2", "Bo")), now + 2))
        assertEquals(listOf(rid(10), rid(11)), order.ticketIds())
        assertEquals(rid(1), book.ticket(rid(10)).orderId)
        assertEquals(OrderState.PARTIALLY_REFUNDED, order.refund(eur("30"), now + 3))
        assertEquals(eur("73.00"), order.refundable())
        assertEquals("ORDER_REFUND_EXCEEDS_PAID", assertFailsWith<FestivalException.Ticketing> { order.refund(eur("80"), now + 4) }.code)
        val back = Order.fromJson(order.toJson())
        assertEquals(order.toJson(), back.toJson())
        assertEquals(eur("30.00"), back.refunded())

        // A hold that expires frees its seat; an order can be cancelled.
        val hold = inv.reserve(rid(20), 1u, now, now + 1000)
        assertEquals(HoldState.HELD, hold.state)
        assertEquals("INVENTORY_HOLD_EXPIRED", assertFailsWith<FestivalException.Ticketing> { inv.confirm(rid(20), now + 1000) }.code)
        assertEquals(listOf(rid(20)), inv.expire(now + 1000).map { it.id })
        assertEquals(HoldState.EXPIRED, inv.hold(rid(20))!!.state)
        val o2 = Order.place(rid(3), dayType(), inv, 1u, eur("50"), now + 2000, now + 9000)
        assertEquals(OrderState.CANCELLED, o2.cancel(inv, now + 2001))
        assertEquals(1u, inv.available(now + 2002))
        assertEquals("INVENTORY_INVALID_QUANTITY", assertFailsWith<FestivalException.Ticketing> { inv.restock(10u) }.code)
        assertEquals(1u, inv.restock(1u))
        assertEquals(2u, inv.available(now + 2003))
        assertEquals(inv.toJson(), Inventory.fromJson(inv.toJson()).toJson())
    }

    @Test
    fun ticketStateMachineAndTransfers() {
        val book = TicketBook()
        book.addType(dayType())
        assertEquals("TICKET_DUPLICATE_ID", assertFailsWith<FestivalException.Ticketing> { book.addType(dayType()) }.code)
        book.issueAll(DAY_TYPE, listOf(NewTicket(rid(1), "A-1", "Ada"), NewTicket(rid(2), "A-2", "Bo")), null, T0 - H)
        assertEquals("TICKET_DUPLICATE_NUMBER",
            assertFailsWith<FestivalException.Ticketing> { book.issue(DAY_TYPE, NewTicket(rid(3), "A-1", "Cy"), null, T0 - H) }.code)
        assertEquals(TicketState.CHECKED_IN, book.nextState(rid(1), TicketEvent.CHECK_IN))
        assertEquals(TicketState.VALID, book.ticket(rid(1)).state)
        val moved = book.transfer(rid(2), NewTicket(rid(4), "A-4", "Dee"), T0 - H)
        assertEquals(rid(2), moved.replaces)
        assertEquals(TicketState.TRANSFERRED, book.ticket(rid(2)).state)
        assertEquals("TICKET_TRANSFER_LIMIT_REACHED",
            assertFailsWith<FestivalException.Ticketing> { book.transfer(rid(4), NewTicket(rid(5), "A-5", "Eve"), T0 - H) }.code)
        assertEquals(TicketState.REVOKED, book.apply(rid(4), TicketEvent.REVOKE, T0).state)
        assertEquals("A-1", book.byNumber("A-1")!!.number)
        assertNull(book.byNumber("nope"))
        assertEquals(3, book.tickets().size)
        assertEquals("TICKET_UNKNOWN", assertFailsWith<FestivalException.Ticketing> { book.ticket(rid(99)) }.code)
        assertEquals("TICKET_INVALID", assertFailsWith<FestivalException.Ticketing> { ticketTypeValidate(dayType().copy(maxPerOrder = 0u)) }.code)
        assertEquals(book.toJson(), TicketBook.fromJson(book.toJson()).toJson())
    }

    @Test
    fun ticketTypeAndPromoCodeHelpers() {
        val t = dayType()
        assertTrue(ticketTypeOpensZone(t, "main"))
        assertEquals(false, ticketTypeOpensZone(t, "backstage"))
        assertTrue(ticketTypeIsValidAt(t, T0))
        assertEquals(false, ticketTypeIsValidAt(t, T0 + 24 * H))
        ticketTypeCheckSale(t, T0, 4u)
        assertEquals("ORDER_MAX_PER_ORDER_EXCEEDED", assertFailsWith<FestivalException.Ticketing> { ticketTypeCheckSale(t, T0, 5u) }.code)
        assertEquals("ORDER_INVALID_QUANTITY", assertFailsWith<FestivalException.Ticketing> { ticketTypeCheckSale(t, T0, 0u) }.code)
        assertEquals("TICKET_SALE_CLOSED", assertFailsWith<FestivalException.Ticketing> { ticketTypeCheckSale(t, T0 + 24 * H, 1u) }.code)
        assertEquals("TICKET_SALE_NOT_OPEN", assertFailsWith<FestivalException.Ticketing> { ticketTypeCheckSale(t, T0 - 31 * 24 * H, 1u) }.code)

        val promo = PromoCode("VIP", PromoDiscount.Percentage("10"), maxUses = 2u, used = 1u, expiresAtMs = T0 + H,
            minQuantity = 2u, ticketTypeIds = listOf(DAY_TYPE))
        promoCodeValidate(promo, "EUR")
        assertEquals("PROMO_INVALID", assertFailsWith<FestivalException.Ticketing> {
            promoCodeValidate(promo.copy(discount = PromoDiscount.Percentage("101")), "EUR")
        }.code)
        assertTrue(promoCodeAppliesTo(promo, DAY_TYPE))
        assertEquals(false, promoCodeAppliesTo(promo, rid(1)))
        val lines = listOf(PriceLine(DAY_TYPE, eur("50"), 2u))
        promoCodeCheck(promo, lines, T0)
        assertEquals("PROMO_EXPIRED", assertFailsWith<FestivalException.Ticketing> { promoCodeCheck(promo, lines, T0 + H) }.code)
        assertEquals("PROMO_MIN_QUANTITY_NOT_MET", assertFailsWith<FestivalException.Ticketing> {
            promoCodeCheck(promo, listOf(PriceLine(DAY_TYPE, eur("50"), 1u)), T0)
        }.code)
        val used = promoCodeRecordUse(promo)
        assertEquals(promo.copy(used = 2u), used)
        assertEquals("PROMO_EXHAUSTED", assertFailsWith<FestivalException.Ticketing> { promoCodeRecordUse(used) }.code)
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { promoCodeAppliesTo(promo, "nope") }.code)
        val inv = Inventory(DAY_TYPE, 2u)
        inv.reserve(rid(1), 2u, T0, T0 + H)
        assertTrue(inv.invariantHolds())
    }

    // ------------------------------------------------------------ access

    @Test
    fun gateScansDecideWithReasonsOccupancyAndAlerts() {
        val book = TicketBook()
        book.addType(dayType())
        book.issueAll(DAY_TYPE, listOf(NewTicket(rid(1), "A-1", "Ada"), NewTicket(rid(2), "A-2", "Bo"), NewTicket(rid(3), "A-3", "Cy")), null, T0 - H)
        val gates = AccessControl(listOf(
            Zone("main", "Main arena", 2u, listOf(), true, listOf(50u, 100u)),
            Zone("backstage", "Backstage", 10u, listOf(), false, listOf()),
        ))
        val at = T0 + H
        val first = gates.scan(book, rid(1), "main", ScanDirection.IN, at)
        assertEquals(Decision.Admit, first.decision)
        assertEquals(1u, first.occupancy)
        assertEquals(listOf(CapacityAlert("main", 50u, 1u, 2u, at)), first.alerts)
        assertEquals(TicketState.CHECKED_IN, book.ticket(rid(1)).state)
        assertEquals(Decision.Deny(DenyReason.ALREADY_INSIDE), gates.scan(book, rid(1), "main", ScanDirection.IN, at).decision)
        assertEquals(Decision.Deny(DenyReason.WRONG_ZONE), gates.scan(book, rid(1), "backstage", ScanDirection.IN, at).decision)
        assertEquals(Decision.Deny(DenyReason.OUTSIDE_VALIDITY), gates.decide(book, rid(2), "main", ScanDirection.IN, T0 + 25 * H))
        assertEquals(2u, gates.scan(book, rid(2), "main", ScanDirection.IN, at).occupancy)
        assertEquals(Decision.Deny(DenyReason.ZONE_FULL), gates.scan(book, rid(3), "main", ScanDirection.IN, at).decision)
        assertTrue(gates.isInside("main", rid(1)))
        assertEquals(Decision.Admit, gates.scan(book, rid(1), "main", ScanDirection.OUT, at + 1).decision)
        assertEquals(Decision.Deny(DenyReason.REENTRY_NOT_ALLOWED), gates.scan(book, rid(1), "main", ScanDirection.IN, at + 2).decision)
        assertEquals(ZoneOccupancy("main", 1u, 2u, 2uL, 1uL), gates.occupancy("main"))
        assertEquals(listOf("backstage", "main"), gates.occupancies().map { it.zoneId }.sorted())
        assertEquals("Main arena", gates.zone("main").name)
        assertEquals("ACCESS_UNKNOWN_ZONE", assertFailsWith<FestivalException.Access> { gates.scan(book, rid(1), "nope", ScanDirection.IN, at) }.code)
        assertEquals("ACCESS_UNKNOWN_TICKET", assertFailsWith<FestivalException.Access> { gates.scan(book, rid(99), "main", ScanDirection.IN, at) }.code)
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { gates.scan(book, "x", "main", ScanDirection.IN, at) }.code)
        assertEquals("ACCESS_INVALID_ZONE", assertFailsWith<FestivalException.Access> { AccessControl(listOf(Zone("z", "Z", 0u, listOf(), false, listOf()))) }.code)
        assertEquals("ACCESS_DUPLICATE_ZONE", assertFailsWith<FestivalException.Access> {
            AccessControl(listOf(Zone("z", "Z", 1u, listOf(), false, listOf()), Zone("z", "Z", 1u, listOf(), false, listOf())))
        }.code)
        val restored = AccessControl.fromJson(gates.toJson())
        assertEquals(gates.occupancies(), restored.occupancies())
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { AccessControl.fromJson("[]") }.code)
    }
}
