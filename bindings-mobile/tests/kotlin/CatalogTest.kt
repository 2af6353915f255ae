// JUnit 5 tests of stand product catalogs through the Kotlin bindings: a worked stand scenario
// (beer with a cup deposit and minimum age 16, gin tonic from 18, soda for one helper_drink
// voucher): build, sign + verify, expand a basket, pay through the catalog check, tampered price,
// age refusal, vouchers, cup returns, deposits / voucher totals, JSON round trips, bad input.
package org.festivalcore.mobile.test

import org.festivalcore.mobile.*
import org.junit.jupiter.api.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue

private const val TEEN = "00000000-0000-4000-8000-0000000000c1"
private const val ORGANIZER = 7

class CatalogTest {
    private val beer = Product("beer", "Beer 0.5 l", eur("5.00"), "19", ProductKind.GOODS, minAge = 16u, deposit = "cup")
    private val cup = Product("cup", "Cup deposit", eur("2.00"), "0", ProductKind.DEPOSIT)
    private val gin = Product("gin_tonic", "Gin tonic", eur("8.00"), "19", ProductKind.GOODS, minAge = 18u)
    private val soda = Product("soda", "Soda", eur("3.00"), "19", ProductKind.GOODS, voucherPrice = VoucherPrice("helper_drink", 1u))

    private fun catalog() = ProductCatalog(FESTIVAL, 3u, "EUR", listOf(soda, gin, cup, beer))

    private fun wallet(id: String, age: AgeClass?) =
        Wallet(id, FESTIVAL, "EUR", SpendOrder.BONUS_FIRST, WalletLimits(null, null, null), age)

    @Test
    fun catalogGettersAndSortedProducts() {
        val c = catalog()
        assertEquals(FESTIVAL, c.festivalId())
        assertEquals(3u, c.version())
        assertEquals("EUR", c.currency())
        assertEquals(listOf("beer", "cup", "gin_tonic", "soda"), c.products().map { it.id })
        assertEquals(beer, c.product("beer"))
        assertEquals(cup, c.product("cup"))
        assertNull(c.product("wine"))
    }

    @Test
    fun signVerifyAndTamperedCatalog() {
        val c = catalog()
        val signed = c.sign(seedOf(ORGANIZER))
        assertEquals(64, signed.signature().size)
        val key = publicKeyFromSeed(seedOf(ORGANIZER))
        assertTrue(verifySignature(hexOf(key), "festival-core/catalog/v1".toByteArray() + c.encode(), signed.signature()))
        val verified = signed.verify(key)
        assertEquals(c.toJson(), verified.toJson())

        // A cheaper beer under the old signature: refused.
        val cheap = ProductCatalog(FESTIVAL, 3u, "EUR", listOf(beer.copy(price = eur("0.50")), cup, gin, soda))
        val forged = SignedCatalog(cheap, signed.signature())
        val e = assertFailsWith<FestivalException.Wallet> { forged.verify(key) }
        assertEquals("CATALOG_BAD_SIGNATURE", e.code)
        // The same through the JSON a device receives.
        val json = signed.toJson()
        val tampered = SignedCatalog.fromJson(json.replace("\"5.00\"", "\"0.50\""))
        assertEquals(eur("0.50"), tampered.catalog().product("beer")!!.price)
        assertEquals("CATALOG_BAD_SIGNATURE", assertFailsWith<FestivalException.Wallet> { tampered.verify(key) }.code)
        // Another organizer's key.
        val other = publicKeyFromSeed(seedOf(ORGANIZER + 1))
        assertEquals("CATALOG_BAD_SIGNATURE", assertFailsWith<FestivalException.Wallet> { signed.verify(other) }.code)
        // JSON round trip of the signed catalog keeps the bytes.
        val again = SignedCatalog.fromJson(json)
        assertEquals(json, again.toJson())
        assertContentEquals(signed.signature(), again.signature())
        assertEquals(c.toJson(), again.verify(key).toJson())
    }

    @Test
    fun expandTwoBeersWithDepositsAndVat() {
        val b = catalog().expand(listOf(BasketLine("beer", 2u)))
        assertEquals(3u, b.catalogVersion)
        assertEquals(
            listOf(WalletLineItem("beer", 2u, eur("5.00")), WalletLineItem("cup", 2u, eur("2.00"), LineKind.Deposit)),
            b.items,
        )
        assertEquals(eur("10.00"), b.goodsTotal)
        assertEquals(eur("4.00"), b.depositTotal)
        assertEquals(eur("14.00"), b.total)
        assertEquals(listOf(DepositCharge("cup", 2u, eur("4.00"))), b.deposits)
        assertEquals(listOf<VoucherCount>(), b.vouchers)
        val vat = b.vat!!
        assertEquals(TaxAmounts(eur("8.40"), eur("1.60"), eur("10.00")), TaxAmounts(vat.net, vat.tax, vat.gross))
        assertEquals(listOf(RateTotal("19", TaxAmounts(eur("8.40"), eur("1.60"), eur("10.00")))), vat.byRate)
        // The rounding strategy is passed through to the core: per line (the default) 0.80 + 1.28;
        // sum by net rounds the exact net 10.924 once and, as pretix does, moves the gross a cent.
        val lines = listOf(BasketLine("beer", 1u), BasketLine("gin_tonic", 1u))
        val perLine = catalog().expand(lines)
        assertEquals(TaxAmounts(eur("10.92"), eur("2.08"), eur("13.00")), perLine.vat!!.let { TaxAmounts(it.net, it.tax, it.gross) })
        val byNet = catalog().expand(lines, TaxRounding.SUM_BY_NET)
        assertEquals(eur("13.00"), byNet.goodsTotal)
        assertEquals(eur("15.00"), byNet.total)
        assertEquals(TaxAmounts(eur("10.92"), eur("2.07"), eur("12.99")), byNet.vat!!.let { TaxAmounts(it.net, it.tax, it.gross) })
    }

    @Test
    fun payThroughTheCatalogCheckAndTamperedPrice() {
        val c = catalog()
        val w = wallet(WALLET, AgeClass.ADULT)
        w.topUp(rid(1), T0, eur("50"), TopUpMethod.CASH)
        val basket = c.expand(listOf(BasketLine("beer", 2u)))
        c.checkPayment(basket.items, basket.catalogVersion)

        // Tampered price: refused by the catalog check and by the wallet, nothing applied.
        val cheap = listOf(basket.items[0].copy(unitPrice = eur("0.50")), basket.items[1])
        val e = assertFailsWith<FestivalException.Wallet> { c.checkPayment(cheap, 3u) }
        assertEquals("CATALOG_PRICE_MISMATCH", e.code)
        assertEquals("line 0: product 'beer' costs 5.00 EUR, the line says 0.50", e.reason)
        val pe = assertFailsWith<FestivalException.Wallet> {
            w.pay(rid(2), T0 + 1, STAND, cheap, null, false, basket.catalogVersion, c)
        }
        assertEquals("CATALOG_PRICE_MISMATCH", pe.code)
        assertEquals(1, w.ledger().size)
        // A payment without the catalog version, or one deposit short, is refused too.
        assertEquals("CATALOG_VERSION_MISMATCH", assertFailsWith<FestivalException.Wallet> {
            w.pay(rid(2), T0 + 1, STAND, basket.items, null, false, catalog = c)
        }.code)
        assertEquals("CATALOG_DEPOSIT_MISMATCH", assertFailsWith<FestivalException.Wallet> {
            c.checkPayment(listOf(basket.items[0], basket.items[1].copy(quantity = 1u)), 3u)
        }.code)

        val o = w.pay(rid(2), T0 + 1, STAND, basket.items, null, false, basket.catalogVersion, c)
        assertEquals("payment", o.kind)
        assertEquals(eur("-14.00"), o.refundableDelta)
        assertEquals(eur("36.00"), o.balances.refundable)
        // A retry is the original outcome.
        assertTrue(w.pay(rid(2), T0 + 1, STAND, basket.items, null, false, basket.catalogVersion, c).replayed)
        assertEquals(basket.items, w.entry(rid(2))!!.lineItems)
        assertTrue(w.entry(rid(2))!!.operationJson.contains("\"catalog_version\":3"))
        assertEquals(listOf(DepositTotals("cup", 2uL, eur("4.00"), 0uL, eur("0.00"), 2L, eur("4.00"))), w.deposits())
        assertEquals(eur("14.00"), w.totals().payments)
        assertEquals(eur("4.00"), w.totals().depositsCharged)
    }

    @Test
    fun ageClassesAtTheStand() {
        val c = catalog()
        val teen = wallet(TEEN, ageClassParse("16_17"))
        assertEquals(AgeClass.AGE16_TO17, teen.config().ageClass)
        teen.topUp(rid(1), T0, eur("30"), TopUpMethod.CARD)
        val gin = c.expand(listOf(BasketLine("gin_tonic", 1u)))
        val e = assertFailsWith<FestivalException.Wallet> { teen.pay(rid(2), T0 + 1, STAND, gin.items, null, false, 3u, c) }
        assertEquals("CATALOG_AGE_RESTRICTED", e.code)
        assertEquals(eur("30.00"), teen.balances().refundable)
        assertEquals(mapOf("product" to "gin_tonic", "min_age" to 18, "age_class" to "16_17"), details(e))
        // Beer is allowed from 16.
        val beer = c.expand(listOf(BasketLine("beer", 1u)))
        assertEquals(eur("23.00"), teen.pay(rid(3), T0 + 2, STAND, beer.items, null, false, 3u, c).balances.refundable)
        // Unknown age (null) counts as under 16; adults may buy everything.
        assertEquals("CATALOG_AGE_RESTRICTED", assertFailsWith<FestivalException.Wallet> { c.checkAge(beer.items, null) }.code)
        assertEquals("CATALOG_AGE_RESTRICTED", assertFailsWith<FestivalException.Wallet> { c.checkAge(beer.items, AgeClass.UNDER16) }.code)
        c.checkAge(gin.items + beer.items, AgeClass.ADULT)
        // Without a catalog the wallet does not check ages (the core's Wallet.apply).
        assertEquals("payment", teen.pay(rid(4), T0 + 3, STAND, gin.items, null, false, 3u).kind)
        assertNull(wallet(WALLET_B, null).config().ageClass)
        assertEquals(listOf("under_16", "16_17", "adult"), AgeClass.values().map { ageClassName(it) })
    }

    @Test
    fun vouchersCupReturnsAndTotals() {
        val c = catalog()
        val w = wallet(WALLET, AgeClass.ADULT)
        w.topUp(rid(1), T0, eur("20"), TopUpMethod.CASH)
        assertEquals("voucher_grant", w.voucherGrant(rid(2), T0, "helper_drink", 2u).kind)
        assertEquals(mapOf("helper_drink" to 2uL), w.vouchers())

        val soda = c.expand(listOf(BasketLine("soda", 1u, payWithVouchers = true)))
        assertEquals(listOf(WalletLineItem("soda", 1u, eur("0.00"), LineKind.Voucher("helper_drink", 1u))), soda.items)
        assertEquals(eur("0.00"), soda.total)
        assertEquals(listOf(VoucherCount("helper_drink", 1uL)), soda.vouchers)
        assertNull(soda.vat)
        val paid = w.pay(rid(3), T0 + 1, STAND, soda.items, null, false, 3u, c)
        assertEquals(eur("0.00"), paid.refundableDelta)
        assertEquals(mapOf("helper_drink" to 1uL), w.vouchers())

        // Beers with cups, then two cups back (one with the catalog check, one without).
        val beers = c.expand(listOf(BasketLine("beer", 2u)))
        w.pay(rid(4), T0 + 2, STAND, beers.items, null, false, 3u, c)
        val back = w.depositReturn(rid(5), T0 + 3, STAND, "cup", 1u, eur("2.00"), catalog = c)
        assertEquals("deposit_return", back.kind)
        assertEquals(eur("2.00"), back.refundableDelta)
        assertEquals(eur("8.00"), back.balances.refundable)
        assertEquals("CATALOG_PRICE_MISMATCH", assertFailsWith<FestivalException.Wallet> {
            w.depositReturn(rid(6), T0 + 4, STAND, "cup", 1u, eur("1.00"), null, c)
        }.code)
        assertEquals("CATALOG_LINE_KIND_MISMATCH", assertFailsWith<FestivalException.Wallet> {
            w.depositReturn(rid(6), T0 + 4, STAND, "beer", 1u, eur("5.00"), null, c)
        }.code)
        assertEquals("CATALOG_UNKNOWN_PRODUCT", assertFailsWith<FestivalException.Wallet> {
            c.checkDepositReturn("mug", 1u, eur("2.00"))
        }.code)
        c.checkDepositReturn("cup", 3u, eur("6.00"))
        assertEquals(STAND, w.entry(rid(5))!!.standId)
        assertEquals(listOf(DepositTotals("cup", 2uL, eur("4.00"), 1uL, eur("2.00"), 1L, eur("2.00"))), w.deposits())

        assertEquals("voucher_revoke", w.voucherRevoke(rid(7), T0 + 5, "helper_drink", 1u).kind)
        assertEquals(mapOf<String, ULong>(), w.vouchers())
        assertEquals(listOf(VoucherTotals("helper_drink", 2uL, 1uL, 1uL, 0uL, 0uL)), w.voucherTotals())
        val e = assertFailsWith<FestivalException.Wallet> { w.voucherRevoke(rid(8), T0 + 6, "helper_drink", 1u) }
        assertEquals("WALLET_INSUFFICIENT_VOUCHERS", e.code)
        assertEquals("WALLET_INSUFFICIENT_VOUCHERS", assertFailsWith<FestivalException.Wallet> {
            w.pay(rid(8), T0 + 6, STAND, soda.items, null, false, 3u, c)
        }.code)

        assertEquals(
            listOf("top_up", "voucher_grant", "payment", "payment", "deposit_return", "voucher_revoke"),
            w.ledger().map { it.kind },
        )
        val t = w.totals()
        assertEquals(eur("14.00"), t.payments)
        assertEquals(eur("4.00"), t.depositsCharged)
        assertEquals(eur("2.00"), t.depositReturns)
        // The saved wallet keeps vouchers and deposits.
        val restored = Wallet.fromJson(w.toJson())
        assertEquals(w.deposits(), restored.deposits())
        assertEquals(w.voucherTotals(), restored.voucherTotals())
        assertEquals(AgeClass.ADULT, restored.config().ageClass)
    }

    @Test
    fun catalogJsonIsTheCoresAndRoundTrips() {
        val json = catalog().toJson()
        val expected = """{"festival_id":"$FESTIVAL","version":3,"currency":"EUR","products":[""" +
            """{"id":"beer","name":"Beer 0.5 l","price":{"amount":"5.00","currency":"EUR"},"vat_rate":"19","min_age":16,"deposit":"cup"},""" +
            """{"id":"cup","name":"Cup deposit","price":{"amount":"2.00","currency":"EUR"},"vat_rate":"0","kind":"deposit"},""" +
            """{"id":"gin_tonic","name":"Gin tonic","price":{"amount":"8.00","currency":"EUR"},"vat_rate":"19","min_age":18},""" +
            """{"id":"soda","name":"Soda","price":{"amount":"3.00","currency":"EUR"},"vat_rate":"19","voucher_price":{"voucher_type":"helper_drink","count":1}}]}"""
        assertEquals(expected, json)
        val back = ProductCatalog.fromJson(json)
        assertEquals(json, back.toJson())
        assertEquals(catalog().products(), back.products())
        // The conformance op reads the same JSON and prices the same basket.
        val out = Json.parse(conformanceExecute("catalog.expand", """{"catalog":$json,"lines":[{"product":"beer","quantity":2}]}""")) as Map<*, *>
        assertEquals(mapOf("amount" to "14.00", "currency" to "EUR"), out["total"])
    }

    @Test
    fun badInputIsAnErrorWithACode() {
        val c = catalog()
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { c.sign(ByteArray(31)) }.code)
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { ageClassParse("18+") }.code)
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { ProductCatalog("festival", 1u, "EUR", listOf(cup)) }.code)
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { ProductCatalog.fromJson("""{"festival_id":"$FESTIVAL","version":"3","currency":"EUR","products":[]}""") }.code)
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { ProductCatalog.fromJson("[]") }.code)
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { SignedCatalog.fromJson("""{"catalog":${c.toJson()},"signature":"00"}""") }.code)
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { SignedCatalog(c, ByteArray(63)) }.code)
        assertEquals("INPUT_INVALID", assertFailsWith<FestivalException.Input> { c.sign(seedOf(1)).verify("zz") }.code)
        assertEquals("MONEY_INVALID_AMOUNT", assertFailsWith<FestivalException.Money> { ProductCatalog(FESTIVAL, 1u, "EUR", listOf(cup.copy(vatRate = "abc"))) }.code)
        assertEquals("MONEY_SCALE_EXCEEDED", assertFailsWith<FestivalException.Money> { ProductCatalog(FESTIVAL, 1u, "EUR", listOf(cup.copy(price = eur("2.001")))) }.code)
        assertEquals("CATALOG_INVALID", assertFailsWith<FestivalException.Wallet> { ProductCatalog(FESTIVAL, 1u, "EUR", listOf()) }.code)
        assertEquals("CATALOG_INVALID_DEPOSIT_LINK", assertFailsWith<FestivalException.Wallet> { ProductCatalog(FESTIVAL, 1u, "EUR", listOf(beer)) }.code)
        assertEquals("CATALOG_DUPLICATE_PRODUCT", assertFailsWith<FestivalException.Wallet> { ProductCatalog(FESTIVAL, 1u, "EUR", listOf(cup, cup)) }.code)
        assertEquals("CATALOG_CURRENCY_MISMATCH", assertFailsWith<FestivalException.Wallet> { ProductCatalog(FESTIVAL, 1u, "CHF", listOf(cup)) }.code)
        assertEquals("CATALOG_INVALID_PRODUCT", assertFailsWith<FestivalException.Wallet> { ProductCatalog(FESTIVAL, 1u, "EUR", listOf(cup.copy(vatRate = "19"))) }.code)
        assertEquals("CATALOG_UNKNOWN_PRODUCT", assertFailsWith<FestivalException.Wallet> { c.expand(listOf(BasketLine("wine", 1u))) }.code)
        assertEquals("CATALOG_LINE_KIND_MISMATCH", assertFailsWith<FestivalException.Wallet> { c.expand(listOf(BasketLine("cup", 1u))) }.code)
        assertEquals("CATALOG_VOUCHER_MISMATCH", assertFailsWith<FestivalException.Wallet> { c.expand(listOf(BasketLine("beer", 1u, true))) }.code)
        assertEquals("CATALOG_INVALID_PRODUCT", assertFailsWith<FestivalException.Wallet> { c.expand(listOf(BasketLine("beer", 0u))) }.code)
        assertEquals("CATALOG_INVALID", assertFailsWith<FestivalException.Wallet> { c.expand(listOf()) }.code)
        assertEquals("OFFLINE_INVALID_KEY", assertFailsWith<FestivalException.Offline> { c.sign(seedOf(1)).verify("00".repeat(32)) }.code)
    }

    private fun details(e: FestivalException.Wallet): Map<String, Any?> =
        (Json.parse(e.detailsJson) as Map<*, *>).entries.associate { (k, v) ->
            k as String to (if (v is java.math.BigDecimal) v.toInt() else v)
        }
}
