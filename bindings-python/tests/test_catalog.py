"""Stand catalogs through Python: a worked bar scenario (beer with a cup deposit, gin tonic from 18,
soda for a helper-drink voucher): build, sign and verify, expand a basket, pay through the catalog
check, age classes, vouchers, cup returns, deposit analytics, JSON, and the error paths."""

from __future__ import annotations

import json
import typing
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

import festival_core as fc
from festival_core import Money

if typing.TYPE_CHECKING:
    from festival_core._native import LineItemLike

T0 = datetime(2026, 7, 4, 20, 0, tzinfo=timezone.utc)
FESTIVAL = uuid.UUID(int=100)
BAR = uuid.UUID(int=5)
SEED = bytes(range(32))


def eur(s: str) -> Money:
    return Money(s, "EUR")


def ids(n: int, base: int) -> list[uuid.UUID]:
    return [uuid.UUID(int=base + i) for i in range(n)]


def bar_products() -> list[fc.Product]:
    return [
        fc.Product("beer", "Beer 0.5 l", eur("5.00"), Decimal("19"), min_age=16, deposit="cup"),
        fc.Product("cup", "Cup deposit", eur("2.00"), 0, kind="deposit"),
        fc.Product("gin_tonic", "Gin tonic", eur("8.00"), "19", min_age=18),
        fc.Product("soda", "Soda", eur("3.00"), Decimal("19"), voucher_price=fc.VoucherPrice("helper_drink", 1)),
    ]


def bar_catalog() -> fc.ProductCatalog:
    return fc.ProductCatalog(FESTIVAL, 3, "EUR", bar_products())


def wallet(n: int, age_class: typing.Optional[fc.AgeClass] = "adult") -> fc.Wallet:
    w = fc.Wallet(uuid.UUID(int=n), FESTIVAL, "EUR", age_class=age_class)
    w.top_up(uuid.UUID(int=9000 + n), T0, eur("50.00"), "card")
    return w


def test_catalog_getters_and_products() -> None:
    c = bar_catalog()
    assert (c.festival_id, c.version, c.currency, len(c)) == (FESTIVAL, 3, "EUR", 4)
    assert [p.id for p in c.products] == ["beer", "cup", "gin_tonic", "soda"]
    beer = c.product("beer")
    assert beer is not None
    assert (beer.name, beer.price, beer.vat_rate, beer.kind) == ("Beer 0.5 l", eur("5.00"), Decimal("19"), "goods")
    assert (beer.min_age, beer.deposit, beer.voucher_price) == (16, "cup", None)
    cup = c.product("cup")
    assert cup is not None and cup.kind == "deposit" and cup.vat_rate == Decimal("0") and cup.min_age is None
    soda = c.product("soda")
    assert soda is not None and soda.voucher_price == fc.VoucherPrice("helper_drink", 1)
    assert soda.voucher_price.voucher_type == "helper_drink" and soda.voucher_price.count == 1
    assert c.product("wine") is None
    assert "ProductCatalog(" in repr(c) and "Product(id='beer'" in repr(beer)
    # The same product from a (voucher_type, count) tuple compares equal.
    assert fc.Product("soda", "Soda", eur("3.00"), 19, voucher_price=("helper_drink", 1)) == soda
    assert typing.get_args(fc.AgeClass) == ("under_16", "16_17", "adult")


def test_sign_verify_and_tampering() -> None:
    c = bar_catalog()
    enc = c.encode()
    assert isinstance(enc, bytes) and enc[:4] == b"FCC\x01"
    signed = c.sign(SEED)
    assert len(signed.signature) == 64 and signed.catalog == c
    pk = fc.public_key_from_seed(SEED)
    assert signed.verify(pk) == c
    # The signature is Ed25519 over the domain prefix and the canonical encoding.
    assert fc.verify_signature(pk, b"festival-core/catalog/v1" + enc, signed.signature)
    # Round trip of the signed JSON, then a price edited in it: the signature no longer holds.
    again = fc.SignedCatalog.from_json(signed.to_json())
    assert again == signed and again.verify(pk) == c
    doc = json.loads(signed.to_json())
    assert doc["catalog"]["products"][0]["price"] == {"amount": "5.00", "currency": "EUR"}
    doc["catalog"]["products"][0]["price"]["amount"] = "0.50"
    tampered = fc.SignedCatalog.from_json(json.dumps(doc))
    with pytest.raises(fc.WalletError) as e:
        tampered.verify(pk)
    assert e.value.code == "CATALOG_BAD_SIGNATURE"
    # Another catalog under the old signature, and the right catalog under another key.
    cheap = [fc.Product("beer", "Beer 0.5 l", eur("0.50"), 19, min_age=16, deposit="cup"), *bar_products()[1:]]
    forged = fc.SignedCatalog(fc.ProductCatalog(FESTIVAL, 3, "EUR", cheap), signed.signature)
    with pytest.raises(fc.WalletError, match="signature") as e:
        forged.verify(pk)
    assert e.value.code == "CATALOG_BAD_SIGNATURE"
    with pytest.raises(fc.WalletError) as e:
        signed.verify(fc.public_key_from_seed(bytes(32)))
    assert e.value.code == "CATALOG_BAD_SIGNATURE"
    with pytest.raises(fc.OfflineError) as oe:
        signed.verify(pk[:31])
    assert oe.value.code == "OFFLINE_INVALID_KEY"
    with pytest.raises(fc.OfflineError) as oe:
        c.sign(b"short seed")
    assert oe.value.code == "OFFLINE_INVALID_KEY"
    with pytest.raises(fc.InputError) as ie:
        fc.SignedCatalog(c, b"\x00" * 63)
    assert ie.value.code == "INPUT_INVALID"
    with pytest.raises(TypeError):
        fc.SignedCatalog("not a catalog", signed.signature)  # type: ignore[arg-type]


def test_expand_two_beers() -> None:
    basket = bar_catalog().expand([("beer", 2)])
    assert basket.catalog_version == 3
    assert basket.goods_total == eur("10.00")
    assert basket.deposit_total == eur("4.00")
    assert basket.total == eur("14.00")
    assert [(d.product, d.quantity, d.amount) for d in basket.deposits] == [("cup", 2, eur("4.00"))]
    assert basket.vouchers == {}
    assert [(i.sku, i.quantity, i.unit_price, i.kind) for i in basket.items] == [
        ("beer", 2, eur("5.00"), "sale"),
        ("cup", 2, eur("2.00"), "deposit"),
    ]
    vat = basket.vat
    assert vat is not None
    # 10.00 gross at 19 %: net 8.40, VAT 1.60; the deposit carries no VAT.
    assert (vat.gross, vat.net, vat.tax) == (eur("10.00"), eur("8.40"), eur("1.60"))
    assert [(r.rate, r.gross) for r in vat.by_rate] == [(Decimal("19"), eur("10.00"))]
    assert "Basket(catalog_version=3" in repr(basket) and "DepositCharge(product='cup'" in repr(basket.deposits[0])
    assert "LineItem(sku='cup'" in repr(basket.items[1])


def test_pay_through_the_catalog_check() -> None:
    c = bar_catalog()
    w = wallet(1)
    basket = c.expand([("beer", 2)])
    c.check_payment(basket.items, basket.catalog_version)
    out = w.pay(uuid.UUID(int=11), T0, BAR, basket.items, catalog_version=basket.catalog_version, catalog=c)
    assert out.kind == "payment" and out.refundable_delta == eur("-14.00")
    assert w.balances.refundable == eur("36.00")
    # A retry with the same entry id reports the original outcome.
    assert w.pay(uuid.UUID(int=11), T0, BAR, basket.items, catalog_version=3, catalog=c).replayed
    # A tampered unit price (tuples with an explicit kind work like LineItem objects).
    tampered: list[LineItemLike] = [("beer", 2, eur("4.00")), ("cup", 2, eur("2.00"), "deposit")]
    with pytest.raises(fc.WalletError) as e:
        w.pay(uuid.UUID(int=12), T0, BAR, tampered, catalog_version=3, catalog=c)
    assert e.value.code == "CATALOG_PRICE_MISMATCH"
    assert e.value.details["product"] == "beer"
    assert (e.value.details["expected"], e.value.details["actual"]) == ("5.00", "4.00")
    with pytest.raises(fc.WalletError) as e:
        c.check_payment(tampered, 3)
    assert e.value.code == "CATALOG_PRICE_MISMATCH"
    # No catalog version, a missing deposit line, an unknown product.
    with pytest.raises(fc.WalletError) as e:
        w.pay(uuid.UUID(int=13), T0, BAR, basket.items, catalog=c)
    assert e.value.code == "CATALOG_VERSION_MISMATCH"
    with pytest.raises(fc.WalletError) as e:
        c.check_payment([fc.LineItem("beer", 2, eur("5.00"))], 3)
    assert e.value.code == "CATALOG_DEPOSIT_MISMATCH"
    with pytest.raises(fc.WalletError) as e:
        c.check_payment([("wine", 1, eur("6.00"))], 3)
    assert e.value.code == "CATALOG_UNKNOWN_PRODUCT"
    assert w.balances.refundable == eur("36.00") and len(w) == 2
    # Without catalog= the wallet applies whatever lines it is given (the catalog_version is kept).
    w.pay(uuid.UUID(int=14), T0, BAR, [("beer", 1, eur("4.00"))], catalog_version=3)
    assert w.balances.refundable == eur("32.00")


def test_age_classes() -> None:
    c = bar_catalog()
    teen = wallet(2, "16_17")
    assert teen.age_class == "16_17"
    gin = c.expand([("gin_tonic", 1)])
    with pytest.raises(fc.WalletError) as e:
        teen.pay(uuid.UUID(int=21), T0, BAR, gin.items, catalog_version=3, catalog=c)
    assert e.value.code == "CATALOG_AGE_RESTRICTED"
    assert e.value.details["product"] == "gin_tonic" and e.value.details["min_age"] == 18
    beer = c.expand([("beer", 1)])
    teen.pay(uuid.UUID(int=22), T0, BAR, beer.items, catalog_version=3, catalog=c)
    assert teen.balances.refundable == eur("43.00")
    c.check_age(gin.items, "adult")
    c.check_age(beer.items, "16_17")
    for age in (None, "under_16"):
        with pytest.raises(fc.WalletError) as e:
            c.check_age(beer.items, age)
        assert e.value.code == "CATALOG_AGE_RESTRICTED"
    unknown = fc.Wallet(uuid.UUID(int=3), FESTIVAL, "EUR")
    assert unknown.age_class is None
    with pytest.raises(ValueError, match="age_class"):
        c.check_age(beer.items, "18_plus")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="age_class"):
        fc.Wallet(uuid.UUID(int=4), FESTIVAL, "EUR", age_class="child")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        c.check_age(beer.items, 16)  # type: ignore[arg-type]
    # The age class survives the wallet's JSON.
    assert fc.Wallet.from_json(teen.to_json()).age_class == "16_17"


def test_vouchers_and_a_soda_paid_with_one() -> None:
    c = bar_catalog()
    w = wallet(5)
    out = w.voucher_grant(uuid.UUID(int=51), T0, "helper_drink", 2)
    assert out.kind == "voucher_grant" and out.refundable_delta == eur("0.00")
    assert w.vouchers() == {"helper_drink": 2}
    basket = c.expand([("soda", 1, True)])
    assert basket.total == eur("0.00") and basket.goods_total == eur("0.00") and basket.vat is None
    assert basket.vouchers == {"helper_drink": 1}
    (line,) = basket.items
    assert line.kind == fc.VoucherPrice("helper_drink", 1) and line.unit_price == eur("0.00")
    w.pay(uuid.UUID(int=52), T0, BAR, basket.items, catalog_version=3, catalog=c)
    assert w.balances.refundable == eur("50.00")
    assert w.vouchers() == {"helper_drink": 1}
    # A soda paid in money and a voucher line for a product without a voucher price.
    w.pay(uuid.UUID(int=53), T0, BAR, c.expand([("soda", 1)]).items, catalog_version=3, catalog=c)
    assert w.balances.refundable == eur("47.00")
    with pytest.raises(fc.WalletError) as e:
        c.expand([("gin_tonic", 1, True)])
    assert e.value.code == "CATALOG_VOUCHER_MISMATCH"
    out = w.voucher_revoke(uuid.UUID(int=54), T0, "helper_drink", 1)
    assert out.kind == "voucher_revoke"
    assert w.vouchers() == {}
    (t,) = w.voucher_totals()
    assert (t.voucher_type, t.granted, t.revoked, t.redeemed, t.forfeited, t.balance) == ("helper_drink", 2, 1, 1, 0, 0)
    assert "VoucherTotals(voucher_type='helper_drink'" in repr(t)
    with pytest.raises(fc.WalletError):
        w.voucher_revoke(uuid.UUID(int=55), T0, "helper_drink", 1)
    # A voucher line without vouchers held.
    with pytest.raises(fc.WalletError):
        w.pay(uuid.UUID(int=56), T0, BAR, basket.items, catalog_version=3, catalog=c)


def test_cups_returned_and_deposit_analytics() -> None:
    c = bar_catalog()
    w = wallet(6)
    basket = c.expand([("beer", 2)])
    w.pay(uuid.UUID(int=61), T0, BAR, basket.items, catalog_version=3, catalog=c)
    c.check_deposit_return("cup", 1, eur("2.00"))
    out = w.deposit_return(uuid.UUID(int=62), T0 + timedelta(minutes=30), BAR, "cup", 1, eur("2.00"), catalog=c)
    assert out.kind == "deposit_return" and out.refundable_delta == eur("2.00")
    assert w.balances.refundable == eur("38.00")
    with pytest.raises(fc.WalletError) as e:
        w.deposit_return(uuid.UUID(int=63), T0, BAR, "cup", 1, eur("1.00"), catalog=c)
    assert e.value.code == "CATALOG_PRICE_MISMATCH"
    with pytest.raises(fc.WalletError) as e:
        c.check_deposit_return("beer", 1, eur("5.00"))
    assert e.value.code == "CATALOG_LINE_KIND_MISMATCH"
    (d,) = w.deposits()
    assert (d.product, d.charged_quantity, d.charged, d.returned_quantity, d.returned) == (
        "cup", 2, eur("4.00"), 1, eur("2.00"))
    assert (d.outstanding_quantity, d.outstanding) == (1, eur("2.00"))
    assert "DepositTotals(product='cup'" in repr(d)
    # A cup of someone else's returned here without a catalog check: outstanding goes negative.
    other = fc.Wallet(uuid.UUID(int=7), FESTIVAL, "EUR")
    other.deposit_return(uuid.UUID(int=71), T0, BAR, "cup", 1, eur("2.00"), device_id=uuid.UUID(int=77))
    (o,) = other.deposits()
    assert (o.outstanding_quantity, o.outstanding) == (-1, eur("-2.00"))
    # Festival-wide: deposits apart from revenue.
    an = fc.analyze_wallets([w, other], "EUR")
    table = an.deposits_by_product().to_pydict()
    assert table == {
        "product": ["cup"],
        "charged_quantity": [2],
        "charged": [eur("4.00")],
        "returned_quantity": [2],
        "returned": [eur("4.00")],
        "outstanding_quantity": [0],
        "outstanding": [eur("0.00")],
    }
    revenue = an.revenue_by_product().to_pydict()
    assert revenue["product"] == ["beer"] and revenue["sales"] == [eur("10.00")]


def test_json_round_trip_is_the_core_json() -> None:
    c = bar_catalog()
    text = c.to_json()
    assert fc.ProductCatalog.from_json(text) == c
    doc = json.loads(text)
    assert doc["festival_id"] == str(FESTIVAL) and doc["version"] == 3 and doc["currency"] == "EUR"
    assert doc["products"][0] == {
        "id": "beer", "name": "Beer 0.5 l", "price": {"amount": "5.00", "currency": "EUR"},
        "vat_rate": "19", "min_age": 16, "deposit": "cup",
    }
    assert doc["products"][1] == {
        "id": "cup", "name": "Cup deposit", "price": {"amount": "2.00", "currency": "EUR"},
        "vat_rate": "0", "kind": "deposit",
    }
    assert doc["products"][3]["voucher_price"] == {"voucher_type": "helper_drink", "count": 1}
    # Read back from its JSON, the catalog signs the same bytes.
    assert fc.ProductCatalog.from_json(json.dumps(doc)).encode() == c.encode()
    with pytest.raises(fc.InputError) as ie:
        fc.ProductCatalog.from_json('{"festival_id": 1}')
    assert ie.value.code == "INPUT_INVALID"
    doc["products"][0]["deposit"] = "glass"
    with pytest.raises(fc.WalletError) as e:
        fc.ProductCatalog.from_json(json.dumps(doc))
    assert e.value.code == "CATALOG_INVALID_DEPOSIT_LINK"


def test_invalid_catalogs_and_bad_input() -> None:
    p = bar_products()
    with pytest.raises(fc.WalletError) as e:
        fc.ProductCatalog(FESTIVAL, 1, "EUR", [p[0], p[0], p[1]])
    assert e.value.code == "CATALOG_DUPLICATE_PRODUCT"
    with pytest.raises(fc.WalletError) as e:
        fc.ProductCatalog(FESTIVAL, 1, "EUR", [])
    assert e.value.code == "CATALOG_INVALID"
    with pytest.raises(fc.WalletError) as e:
        fc.ProductCatalog(FESTIVAL, 1, "CHF", p)
    assert e.value.code == "CATALOG_CURRENCY_MISMATCH"
    with pytest.raises(fc.WalletError) as e:
        fc.ProductCatalog(FESTIVAL, 1, "EUR", [fc.Product("cup", "Cup", eur("2.00"), 19, kind="deposit")])
    assert e.value.code == "CATALOG_INVALID_PRODUCT"
    with pytest.raises(TypeError, match="floats"):
        fc.Product("beer", "Beer", eur("5.00"), 19.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fc.Product("beer", "Beer", 5, 19)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind"):
        fc.Product("beer", "Beer", eur("5.00"), 19, kind="drink")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fc.Product("soda", "Soda", eur("3.00"), 19, voucher_price="helper_drink")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fc.ProductCatalog(FESTIVAL, 1, "EUR", ["beer"])  # type: ignore[list-item]
    with pytest.raises(fc.InputError):
        fc.ProductCatalog("not-a-uuid", 1, "EUR", p)
    c = fc.ProductCatalog(FESTIVAL, 1, "EUR", p)
    with pytest.raises(TypeError):
        c.expand([("beer", "two")])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="rounding"):
        c.expand([("beer", 1)], "nearest")  # type: ignore[arg-type]
    with pytest.raises(fc.WalletError) as e:
        c.expand([])
    assert e.value.code == "CATALOG_INVALID"
    with pytest.raises(fc.WalletError) as e:
        c.expand([("cup", 1)])
    assert e.value.code == "CATALOG_LINE_KIND_MISMATCH"
    with pytest.raises(TypeError):
        c.check_payment([("beer", 1)], 1)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="kind"):
        fc.LineItem("beer", 1, eur("5.00"), "gift")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fc.LineItem("beer", 1, eur("5.00"), 3)  # type: ignore[arg-type]
    w = wallet(8)
    with pytest.raises(TypeError, match="catalog"):
        w.pay(uuid.UUID(int=81), T0, BAR, [("beer", 1, eur("5.00"))], catalog="v3")  # type: ignore[arg-type]
    with pytest.raises(fc.WalletError):
        w.voucher_grant(uuid.UUID(int=82), T0, "helper_drink", 0)
    assert w.balances.refundable == eur("50.00")


def test_hostile_baskets_raise_clear_errors() -> None:
    c = bar_catalog()
    with pytest.raises(fc.MoneyError) as me:
        c.expand([("beer", 2**32 - 1), ("beer", 2**32 - 1)])  # deposit units beyond u32
    assert me.value.code == "MONEY_OVERFLOW"
    with pytest.raises(fc.WalletError) as e:
        c.expand([("soda", 1)] * 1001)
    assert e.value.code == "CATALOG_INVALID"
    with pytest.raises(fc.WalletError) as e:
        fc.ProductCatalog(FESTIVAL, 1, "EUR", [fc.Product("x" * 65, "X", eur("1.00"), 19)])
    assert e.value.code == "CATALOG_INVALID_PRODUCT"
    with pytest.raises(fc.WalletError) as e:
        fc.ProductCatalog(FESTIVAL, 1, "EUR", [fc.Product("x", "X", eur("1.00"), 101)])
    assert e.value.code == "CATALOG_INVALID_PRODUCT"
    with pytest.raises(fc.MoneyError) as me:
        fc.Product("x", "X", eur("1.00"), "1e999")
    assert me.value.code == "MONEY_INVALID_AMOUNT"
    with pytest.raises(OverflowError):
        fc.Product("x", "X", eur("1.00"), 19, min_age=300)
    with pytest.raises(fc.InputError) as ie:
        fc.SignedCatalog.from_json('{"catalog": {}, "signature": "zz"}')
    assert ie.value.code == "INPUT_INVALID"
    with pytest.raises(TypeError):
        c.check_payment(None)  # type: ignore[arg-type]
