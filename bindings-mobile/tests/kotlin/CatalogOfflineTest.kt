// JUnit 5 tests of catalog payments offline through the Kotlin bindings (record version 4, issue
// #15): a POS prices a basket with the verified stand catalog it holds (DeviceLog.payWithCatalog)
// and refuses a tampered price or an under-age sale before anything is signed; the decoded record
// carries the catalog version and lines; the server publishes its catalogs
// (Reconciler.publishCatalog) and reconciliation checks each catalog payment again against the
// version it names (tampered price, age class, unknown version then revised once published); the
// state with its catalogs persists as format 5.
package org.festivalcore.mobile.test

import org.festivalcore.mobile.*
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue

private const val POS_OK = "00000000-0000-4000-8000-0000000000a1"
private const val POS_FORGED = "00000000-0000-4000-8000-0000000000a2"
private const val ADULT = "00000000-0000-4000-8000-0000000000a3"
private const val NO_AGE = "00000000-0000-4000-8000-0000000000a4"

class CatalogOfflineTest {
    private fun catalog(version: UInt = 3u, beer: String = "5.00") = ProductCatalog(FESTIVAL, version, "EUR", listOf(
        Product("beer", "Beer 0.5 l", eur(beer), "19", ProductKind.GOODS, minAge = 16u, deposit = "cup",
            voucherPrice = VoucherPrice("helper_drink", 1u)),
        Product("cup", "Cup deposit", eur("2.00"), "0", ProductKind.DEPOSIT),
        Product("gin_tonic", "Gin tonic", eur("8.00"), "19", ProductKind.GOODS, minAge = 18u),
        Product("pretzel", "Pretzel", eur("3.50"), "7", ProductKind.GOODS),
    ))

    private fun beerLines(price: String = "5.00", n: UInt = 2u) = listOf(
        WalletLineItem("beer", n, eur(price)),
        WalletLineItem("cup", n, eur("2.00"), LineKind.Deposit),
    )

    private fun device(id: String, seed: Int): DeviceLog =
        DeviceLog(seedOf(seed), id, FESTIVAL, "EUR", LIMITS).also {
            it.setSyncedBalances(mapOf(ADULT to eur("50"), NO_AGE to eur("50")))
        }

    private fun entry(id: String, seed: Int) = DeviceEntry(
        deviceId = id, publicKey = hexOf(publicKeyFromSeed(seedOf(seed))), festivalId = FESTIVAL,
        role = DeviceRole.POS, locations = listOf(STAND), validFromMs = T0 - 3_600_000,
        validUntilMs = T0 + 86_400_000, revokedAtMs = null,
    )

    private val registry = DeviceRegistry(listOf(entry(POS_OK, 21), entry(POS_FORGED, 22)))
    private val config = ReconcileConfig(ConflictPolicy.FIRST_WINS, null, null)

    private fun server(vararg published: ProductCatalog): Reconciler {
        val r = Reconciler(FESTIVAL, "EUR")
        for ((id, age, entry) in listOf(Triple(ADULT, AgeClass.ADULT, 901), Triple(NO_AGE, null, 902))) {
            val w = Wallet(id, FESTIVAL, "EUR", SpendOrder.BONUS_FIRST, WalletLimits(null, null, null), age)
            w.topUp(rid(entry), T0 - 3_600_000, eur("50"), TopUpMethod.CARD)
            r.addWallet(w)
        }
        published.forEach { r.publishCatalog(it) }
        return r
    }

    private fun statuses(r: ReconcileReport) = r.records.map { it.status to it.code }

    @Test
    fun theDeviceSignsACatalogPaymentAndTheDecodedRecordCarriesIt() {
        val log = device(POS_OK, 21)
        val c = catalog()
        val basket = c.expand(listOf(BasketLine("beer", 2u), BasketLine("pretzel", 1u)), null)
        val rec = log.payWithCatalog(rid(1), T0, ADULT, STAND, c, basket.items, AgeClass.ADULT)
        assertEquals(RecordKind.PAYMENT, rec.kind)
        assertEquals(4, rec.bytes[3].toInt(), "record encoding version 4")
        assertEquals(3u, rec.catalogVersion)
        assertEquals(basket.items, rec.catalogLines)
        assertEquals(eur("32.50"), log.available(ADULT))
        // The decoded record says the same, and so does its body JSON.
        val back = decodeRecord(rec.bytes)
        assertSameRecords(listOf(rec), listOf(back))
        assertTrue(back.bodyJson.contains("\"catalog\":{\"version\":3"), back.bodyJson)
        // A beer paid with a helper-drink voucher costs only its cup; ageClass defaults to null.
        val voucher = LineKind.Voucher("helper_drink", 1u)
        val v = log.payWithCatalog(rid(2), T0 + 1_000, ADULT, STAND, c,
            listOf(WalletLineItem("beer", 1u, eur("0"), voucher), WalletLineItem("cup", 1u, eur("2.00"), LineKind.Deposit)),
            AgeClass.ADULT)
        assertEquals(listOf(voucher, LineKind.Deposit), v.catalogLines.map { it.kind })
        // A plain payment has no catalog information.
        val plain = log.pay(rid(3), T0 + 2_000, ADULT, eur("1"), STAND, listOf())
        assertNull(plain.catalogVersion)
        assertEquals(emptyList(), plain.catalogLines)
        assertEquals(listOf(3u, 3u, null), decodeBatch(log.exportBatch()).map { it.catalogVersion })
    }

    @Test
    fun theDeviceRefusesATamperedPriceAndAnUnderAgeSale() {
        val log = device(POS_OK, 21)
        val c = catalog()
        val price = assertFailsWith<FestivalException.Wallet> {
            log.payWithCatalog(rid(1), T0, ADULT, STAND, c, beerLines("1.00"), AgeClass.ADULT)
        }
        assertEquals("CATALOG_PRICE_MISMATCH", price.code)
        for (age in listOf(null, AgeClass.UNDER16)) {
            val e = assertFailsWith<FestivalException.Wallet> { log.payWithCatalog(rid(1), T0, NO_AGE, STAND, c, beerLines(), age) }
            assertEquals("CATALOG_AGE_RESTRICTED", e.code)
        }
        val gin = assertFailsWith<FestivalException.Wallet> {
            log.payWithCatalog(rid(1), T0, ADULT, STAND, c, listOf(WalletLineItem("gin_tonic", 1u, eur("8.00"))), AgeClass.AGE16_TO17)
        }
        assertEquals("CATALOG_AGE_RESTRICTED", gin.code)
        // The device limits still apply after the catalog checks (8 beers with cups: 56.00 > 50).
        val limit = assertFailsWith<FestivalException.Offline> {
            log.payWithCatalog(rid(1), T0, ADULT, STAND, c, beerLines(n = 8u), AgeClass.ADULT)
        }
        assertEquals("DEVICE_LIMIT_EXCEEDED", limit.code)
        val chf = ProductCatalog(FESTIVAL, 3u, "CHF", listOf(Product("pretzel", "Pretzel", Money("3.50", "CHF"), "7", ProductKind.GOODS)))
        val currency = assertFailsWith<FestivalException.Offline> {
            log.payWithCatalog(rid(1), T0, ADULT, STAND, chf, listOf(WalletLineItem("pretzel", 1u, Money("3.50", "CHF"))))
        }
        assertEquals("OFFLINE_INVALID_AMOUNT", currency.code)
        assertEquals(0uL, log.queued(), "nothing was signed")
        assertEquals(1uL, log.state().nextSequence)
    }

    @Test
    fun reconciliationChecksPricesAndAgeAgainstThePublishedCatalog() {
        val ok = device(POS_OK, 21)
        ok.payWithCatalog(rid(1), T0, ADULT, STAND, catalog(), beerLines(), AgeClass.ADULT)
        // The POS was told the customer is an adult, but the wallet has no verified age.
        ok.payWithCatalog(rid(2), T0 + 1_000, NO_AGE, STAND, catalog(), beerLines(n = 1u), AgeClass.ADULT)
        // A device holding a forged version 3 sells beer at 1.00.
        val forged = device(POS_FORGED, 22)
        forged.payWithCatalog(rid(3), T0 + 2_000, ADULT, STAND, catalog(3u, beer = "1.00"), beerLines("1.00"), AgeClass.ADULT)
        val r = server(catalog())
        val report = r.reconcile(registry, listOf(ok.exportBatch(), forged.exportBatch()), NOW, config)
        assertEquals(
            listOf(
                RecordStatus.ACCEPTED to null,
                RecordStatus.REJECTED to "CATALOG_AGE_RESTRICTED",
                RecordStatus.REJECTED to "CATALOG_PRICE_MISMATCH",
            ),
            statuses(report),
        )
        // Two beers (10.00) and two cup deposits (4.00): the deposits are outstanding on the wallet.
        assertEquals(eur("36.00"), report.balances[ADULT]!!.total)
        assertEquals(eur("50.00"), report.balances[NO_AGE]!!.total)
        val cups = r.wallet(ADULT)!!.deposits().single()
        assertEquals(Triple("cup", 2L, eur("4.00")), Triple(cups.product, cups.outstandingQuantity, cups.outstanding))
    }

    @Test
    fun anUnknownCatalogVersionWaitsThenIsRevisedOncePublished() {
        val log = device(POS_OK, 21)
        val v4 = catalog(4u, beer = "5.50")
        log.payWithCatalog(rid(1), T0, ADULT, STAND, v4, beerLines("5.50"), AgeClass.ADULT)
        val r = server(catalog())
        val first = r.reconcile(registry, listOf(log.exportBatch()), NOW, config)
        assertEquals(listOf(RecordStatus.REJECTED to "RECONCILE_UNKNOWN_CATALOG"), statuses(first))
        assertEquals(listOf(3u), r.catalogVersions())
        assertNull(r.catalog(4u))
        r.publishCatalog(v4)
        assertEquals(listOf(3u, 4u), r.catalogVersions())
        assertEquals(v4.toJson(), r.catalog(4u)!!.toJson())
        val second = r.reconcile(registry, listOf(), NOW + 1_000, config)
        val rev = second.revisions.single()
        assertEquals(RecordStatus.REJECTED to "RECONCILE_UNKNOWN_CATALOG", rev.before.status to rev.before.code)
        assertEquals(RecordStatus.ACCEPTED to null, rev.after.status to rev.after.code)
        assertEquals(eur("-15.00"), rev.moneyEffect)
        assertEquals(ADULT, rev.walletId)
        assertEquals(eur("35.00"), r.wallet(ADULT)!!.balances().total)
        // The same catalog again changes nothing; other content or another festival is refused.
        r.publishCatalog(catalog(4u, beer = "5.50"))
        val changed = assertFailsWith<FestivalException.Offline> { r.publishCatalog(catalog(4u, beer = "6.00")) }
        assertEquals("RECONCILE_INVALID_STATE", changed.code)
        val other = ProductCatalog("00000000-0000-4000-8000-000000000bad", 9u, "EUR",
            listOf(Product("cup", "Cup", eur("2.00"), "0", ProductKind.DEPOSIT)))
        assertEquals("RECONCILE_INVALID_STATE", assertFailsWith<FestivalException.Offline> { r.publishCatalog(other) }.code)
        assertEquals(listOf(3u, 4u), r.catalogVersions())
    }

    @Test
    fun theStateWithItsCatalogsRoundTripsAsFormat5() {
        val log = device(POS_OK, 21)
        log.payWithCatalog(rid(1), T0, ADULT, STAND, catalog(), beerLines(), AgeClass.ADULT)
        val r = server(catalog(), catalog(4u, beer = "5.50"))
        r.reconcile(registry, listOf(log.exportBatch()), NOW, config)
        val text = r.toJson()
        @Suppress("UNCHECKED_CAST")
        val saved = Json.parse(text) as Map<String, Any?>
        assertEquals(5L, (saved["format_version"] as Number).toLong())
        @Suppress("UNCHECKED_CAST")
        val versions = (saved["catalogs"] as List<Map<String, Any?>>).map { (it["version"] as Number).toLong() }
        assertEquals(listOf(3L, 4L), versions)
        val back = Reconciler.fromJson(text)
        assertEquals(text, back.toJson())
        assertEquals(listOf(3u, 4u), back.catalogVersions())
        assertEquals(catalog().toJson(), back.catalog(3u)!!.toJson())
        assertEquals(r.balances(), back.balances())
    }

    @Test
    fun cupsComeBackOfflineAndTheServerChecksTheDepositPrice() {
        val ok = device(POS_OK, 21)
        ok.payWithCatalog(rid(1), T0, ADULT, STAND, catalog(), beerLines(), AgeClass.ADULT)
        assertEquals("CATALOG_LINE_KIND_MISMATCH",
            assertFailsWith<FestivalException.Wallet> { ok.returnDeposit(rid(2), T0, ADULT, STAND, catalog(), "beer", 1u) }.code)
        assertEquals("CATALOG_UNKNOWN_PRODUCT",
            assertFailsWith<FestivalException.Wallet> { ok.returnDeposit(rid(2), T0, ADULT, STAND, catalog(), "mug", 1u) }.code)
        val back = ok.returnDeposit(rid(2), T0 + 1_000, ADULT, STAND, catalog(), "cup", 2u)
        assertEquals(RecordKind.DEPOSIT_RETURN, back.kind)
        assertEquals(3u, back.catalogVersion)
        assertEquals(4, back.bytes[3].toInt(), "record encoding version 4")
        assertEquals(eur("40.00"), ok.available(ADULT), "50 - 14 + 4")
        // A device holding a forged version 3 credits 5.00 per cup.
        val forged = device(POS_FORGED, 22)
        val cheap = ProductCatalog(FESTIVAL, 3u, "EUR", listOf(Product("cup", "Cup deposit", eur("5.00"), "0", ProductKind.DEPOSIT)))
        forged.returnDeposit(rid(3), T0 + 2_000, ADULT, STAND, cheap, "cup", 1u)
        val r = server(catalog())
        val report = r.reconcile(registry, listOf(ok.exportBatch(), forged.exportBatch()), NOW, config)
        assertEquals(
            listOf(RecordStatus.ACCEPTED to null, RecordStatus.ACCEPTED to null, RecordStatus.REJECTED to "CATALOG_PRICE_MISMATCH"),
            statuses(report),
        )
        assertEquals(eur("4.00"), report.totals.depositReturns)
        assertEquals(eur("40.00"), report.balances[ADULT]!!.total)
        assertEquals(0L, r.wallet(ADULT)!!.deposits().single().outstandingQuantity)
    }
}
