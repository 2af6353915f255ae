"""Money, allocation, tax and the Python value rules (Decimal only, never float)."""

from __future__ import annotations

import pickle
from decimal import Decimal

import pytest

import festival_core as fc
from festival_core import Money


def test_construct_display_and_minor_units() -> None:
    m = Money(Decimal("12.5"), "EUR")
    assert m.amount == Decimal("12.50")
    assert str(m.amount) == "12.50"
    assert m.currency == "EUR"
    assert m.minor_units == 1250
    assert m.minor_digits == 2
    assert str(m) == "12.50 EUR"
    assert repr(m) == "Money(amount=Decimal('12.50'), currency='EUR')"
    assert Money("3", "JPY").amount == Decimal("3")
    assert Money(7, "KWD").amount == Decimal("7.000")
    assert Money.from_minor(1050, "EUR") == Money("10.50", "EUR")
    assert Money.zero("EUR").is_zero() and not Money.zero("EUR")
    assert Money("1.5", "COIN:1").currency == "COIN:1"


def test_arithmetic_is_exact_and_checked() -> None:
    a, b = Money("0.10", "EUR"), Money("0.20", "EUR")
    assert a + b == Money("0.30", "EUR")
    assert b - a == a
    assert a * 3 == Money("0.30", "EUR") == 3 * a
    assert -a == Money("-0.10", "EUR") and abs(-a) == a
    assert (-a).is_negative()
    assert a < b and b > a and a <= a and b >= a
    assert {a, Money("0.1", "EUR")} == {a}
    with pytest.raises(fc.MoneyError) as ei:
        a + Money("1", "USD")
    assert ei.value.code == "MONEY_CURRENCY_MISMATCH"
    assert ei.value.details == {"expected": "EUR", "actual": "USD"}
    with pytest.raises(fc.MoneyError) as ei2:
        _ = a < Money("1", "USD")
    assert ei2.value.code == "MONEY_CURRENCY_MISMATCH"
    with pytest.raises(TypeError):
        a + 1  # type: ignore[operator]
    with pytest.raises(fc.MoneyError) as ei3:
        Money("79228162514264337593543950", "EUR") * 10**6
    assert ei3.value.code == "MONEY_OVERFLOW"


def test_rates_and_percentages_name_their_rounding() -> None:
    total = Money("37.50", "EUR")
    assert total.percentage(Decimal("2.5")) == Money("0.94", "EUR")
    assert total.percentage("2.5", "down") == Money("0.93", "EUR")
    assert Money("0.05", "EUR").apply_rate(Decimal("0.5"), "half_up") == Money("0.03", "EUR")
    assert Money("0.05", "EUR").apply_rate(Decimal("0.5"), "half_even") == Money("0.02", "EUR")
    with pytest.raises(ValueError):
        total.percentage(Decimal("1"), "sideways")  # type: ignore[arg-type]


def test_allocate_and_split_sum_exactly() -> None:
    m = Money("100.00", "EUR")
    parts = fc.allocate(m, [1, 1, 1])
    assert [p.amount for p in parts] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum((p for p in parts), Money.zero("EUR")) == m
    assert m.allocate([Decimal("0.7"), "0.3"]) == [Money("70.00", "EUR"), Money("30.00", "EUR")]
    assert [p.amount for p in fc.split(Money("0.05", "EUR"), 3)] == [Decimal("0.02"), Decimal("0.02"), Decimal("0.01")]
    assert m.split(4) == [Money("25.00", "EUR")] * 4
    with pytest.raises(fc.MoneyError) as ei:
        fc.allocate(m, [0, 0])
    assert ei.value.code == "MONEY_INVALID_RATIO"
    with pytest.raises(TypeError):
        fc.allocate(m, "11")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fc.allocate("100", [1])  # type: ignore[arg-type]


def test_compute_tax_strategies() -> None:
    lines = [(Money("0.99", "EUR"), Decimal("19"))] * 3
    per_line = fc.compute_tax(lines, "gross", "per_line", "half_up")
    by_net = fc.compute_tax(lines, "gross", "sum_by_net", "half_up")
    keep = fc.compute_tax(lines, basis="gross", rounding="sum_by_net_keep_gross", mode="half_up")
    assert per_line.gross == Money("2.97", "EUR")
    assert by_net.gross == Money("2.96", "EUR")
    assert keep.gross == Money("2.98", "EUR") and keep.tax == Money("0.48", "EUR")  # pretix: 2.97 has no net at 19 %
    assert len(keep.lines) == 3 and keep.by_rate[0].rate == Decimal("19")
    for b in (per_line, by_net, keep):
        assert b.net + b.tax == b.gross
        assert sum((line.gross for line in b.lines), Money.zero("EUR")) == b.gross
    assert "TaxBreakdown(" in repr(keep) and "RateTotal(rate=Decimal('19')" in repr(keep.by_rate[0])
    with pytest.raises(fc.MoneyError) as ei:
        fc.compute_tax([(Money("1", "EUR"), Decimal("101"))])
    assert ei.value.code == "MONEY_INVALID_RATE"
    with pytest.raises(ValueError):
        fc.compute_tax(lines, "brut")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fc.compute_tax([(Decimal("1"), Decimal("19"))])  # type: ignore[list-item]


def test_pickle_round_trip() -> None:
    m = Money("12.34", "COIN:2")
    assert pickle.loads(pickle.dumps(m)) == m


# ---------------------------------------------------------------- hostile input


@pytest.mark.parametrize("bad", [1.5, float("nan"), float("inf"), True])
def test_floats_and_bools_are_type_errors(bad: object) -> None:
    with pytest.raises(TypeError):
        Money(bad, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money("1.00", "EUR").percentage(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money("1.00", "EUR") * bad  # type: ignore[operator]


@pytest.mark.parametrize(
    "bad",
    [
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        Decimal("1E+999999999"),
        Decimal("1E-999999999"),
        10**40,
        -(10**100),
        "1e3",
        "12,50",
        " 1",
        "",
        "NaN",
    ],
)
def test_bad_amounts_are_money_errors(bad: object) -> None:
    with pytest.raises(fc.MoneyError) as ei:
        Money(bad, "EUR")  # type: ignore[arg-type]
    assert ei.value.code == "MONEY_INVALID_AMOUNT"


def test_scale_currency_and_type_errors() -> None:
    with pytest.raises(fc.MoneyError) as ei:
        Money(Decimal("0.001"), "EUR")
    assert ei.value.code == "MONEY_SCALE_EXCEEDED" and ei.value.details["minor_digits"] == 2
    assert Money(Decimal("1E+3"), "EUR").amount == Decimal("1000.00")
    assert Money(Decimal("1.2300"), "EUR").amount == Decimal("1.23")
    with pytest.raises(fc.MoneyError) as ei2:
        Money("1", "eur")
    assert ei2.value.code == "MONEY_UNKNOWN_CURRENCY"
    with pytest.raises(fc.MoneyError) as ei3:
        Money("1", "COIN:99")
    assert ei3.value.code == "MONEY_INVALID_CURRENCY"
    with pytest.raises(TypeError):
        Money("1", 978)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(None, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.from_minor(1.0, "EUR")  # type: ignore[arg-type]
    with pytest.raises((ValueError, fc.MoneyError)):
        Money.from_minor(10**60, "EUR")
    with pytest.raises(fc.MoneyError):
        Money.from_minor(10**30, "EUR")
    with pytest.raises((ValueError, OverflowError)):
        Money("1", "EUR") * 2**64
    with pytest.raises((ValueError, OverflowError)):
        Money("1", "EUR") * -1
    with pytest.raises((ValueError, OverflowError, TypeError)):
        fc.split(Money("1", "EUR"), -1)
