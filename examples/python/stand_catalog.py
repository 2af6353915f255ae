"""A bar's signed product catalog: cup deposits, a helper-drink voucher and age classes, with the
payment checked against the catalog (checked with mypy --strict)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal
from typing import Optional

import festival_core as fc
from festival_core import Money

FESTIVAL = uuid.UUID(int=1)
BAR = uuid.UUID(int=5)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def bar_catalog() -> fc.ProductCatalog:
    return fc.ProductCatalog(FESTIVAL, 3, "EUR", [
        fc.Product("beer", "Beer 0.5 l", eur("5.00"), Decimal("19"), min_age=16, deposit="cup"),
        fc.Product("cup", "Cup deposit", eur("2.00"), 0, kind="deposit"),
        fc.Product("gin_tonic", "Gin tonic", eur("8.00"), Decimal("19"), min_age=18),
        fc.Product("soda", "Soda", eur("3.00"), Decimal("19"), voucher_price=fc.VoucherPrice("helper_drink", 1)),
    ])


def main() -> None:
    seed = bytes(range(32))
    signed = bar_catalog().sign(seed)
    # On the device: only a catalog whose signature holds is used.
    catalog = fc.SignedCatalog.from_json(signed.to_json()).verify(fc.public_key_from_seed(seed))
    now = datetime(2026, 7, 4, 20, 0, tzinfo=timezone.utc)
    age: Optional[fc.AgeClass] = "16_17"
    wallet = fc.Wallet(uuid.UUID(int=2), FESTIVAL, "EUR", age_class=age)
    wallet.top_up(uuid.UUID(int=100), now, eur("30.00"), "card")
    wallet.voucher_grant(uuid.UUID(int=101), now, "helper_drink", 2)

    basket = catalog.expand([("beer", 2), ("soda", 1, True)])
    vat = basket.vat
    print(f"goods {basket.goods_total} + deposits {basket.deposit_total} = {basket.total};"
          f" vouchers {basket.vouchers}; VAT {vat.tax if vat else None}")
    wallet.pay(uuid.UUID(int=102), now, BAR, basket.items, catalog_version=basket.catalog_version, catalog=catalog)
    try:
        gin = catalog.expand([("gin_tonic", 1)])
        wallet.pay(uuid.UUID(int=103), now, BAR, gin.items, catalog_version=gin.catalog_version, catalog=catalog)
    except fc.WalletError as e:
        print("refused:", e.code)  # CATALOG_AGE_RESTRICTED
    wallet.deposit_return(uuid.UUID(int=104), now, BAR, "cup", 1, eur("2.00"), catalog=catalog)
    for d in wallet.deposits():
        print(f"{d.product}: {d.outstanding_quantity} out, {d.outstanding} owed")
    for v in wallet.voucher_totals():
        print(f"{v.voucher_type}: {v.balance} left of {v.granted}")
    table = fc.analyze_wallets([wallet], "EUR").deposits_by_product().to_pydict()
    print("festival deposits outstanding:", table["outstanding"])
    print("balance:", wallet.balances.refundable)


if __name__ == "__main__":
    main()
