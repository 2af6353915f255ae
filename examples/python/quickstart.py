"""festival_core quickstart: exact money, VAT and typed errors (checked with mypy --strict)."""

from __future__ import annotations

from decimal import Decimal

import festival_core as fc
from festival_core import Money


def main() -> None:
    price = Money(Decimal("12.50"), "EUR")
    total = price * 3
    fee = total.percentage(Decimal("2.5"), "half_even")
    print(f"3 tickets: {total}, fee {fee}")

    # Split a refund over three payers so the parts add up to the cent.
    parts = fc.split(Money("100.00", "EUR"), 3)
    assert sum(parts, Money.zero("EUR")) == Money("100.00", "EUR")
    print("split:", [str(p) for p in parts])

    tax = fc.compute_tax([(Money("0.99", "EUR"), Decimal("19"))] * 3, "gross", "sum_by_net_keep_gross", "half_up")
    print(f"net {tax.net}, tax {tax.tax}, gross {tax.gross}")

    try:
        Money(Decimal("0.001"), "EUR")
    except fc.MoneyError as e:
        print(f"{type(e).__name__} {e.code}: {e} {e.details}")


if __name__ == "__main__":
    main()
