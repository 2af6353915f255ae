"""Wallets through Python: each operation, balances as Money, idempotency, errors with codes,
persistence, UUID/datetime rules, and wallet ledgers into the analytics."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

import festival_core as fc
from festival_core import Money

T0 = datetime(2026, 7, 4, 12, 0, tzinfo=timezone.utc)
FESTIVAL = uuid.UUID(int=100)
STAND = uuid.UUID(int=5)


def eur(s: str) -> Money:
    return Money(s, "EUR")


def ids() -> "list[uuid.UUID]":
    return [uuid.UUID(int=1000 + i) for i in range(100)]


def make(**kw: object) -> fc.Wallet:
    return fc.Wallet(uuid.UUID(int=1), FESTIVAL, "EUR", **kw)  # type: ignore[arg-type]


def test_operations_and_balances() -> None:
    w, e = make(), ids()
    o = w.top_up(e[0], T0, eur("20.00"), "card")
    assert o.kind == "top_up" and o.refundable_delta == eur("20.00") and not o.replayed
    w.bonus_credit(e[1], T0, eur("5.00"), expires_at=T0 + timedelta(days=1))
    pay = w.pay(e[2], T0, STAND, [("beer", 2, eur("4.50")), ("fries", 1, eur("3.50"))], device_id=uuid.UUID(int=9))
    assert (pay.bonus_delta, pay.refundable_delta) == (eur("-5.00"), eur("-7.50"))  # bonus first
    b = w.balances
    assert (b.refundable, b.bonus, b.debt, b.total) == (eur("12.50"), eur("0.00"), eur("0.00"), eur("12.50"))
    assert "Balances(refundable=12.50" in repr(b)
    r = w.refund(e[3], T0, e[2], eur("3.50"), reason="cold fries")
    assert r.balances.total == eur("16.00")
    w.payout(e[4], T0 + timedelta(hours=1), eur("5.00"), fee=eur("0.50"))
    w.adjust(e[5], T0, eur("1.00"), "bonus", "goodwill")
    assert w.balances.bonus == eur("1.00")
    w.block(e[6], T0, "lost wristband")
    assert w.status == "blocked"
    with pytest.raises(fc.WalletError) as ei:
        w.pay(e[7], T0, STAND, [("water", 1, eur("1.00"))])
    assert ei.value.code.startswith("WALLET_")
    w.unblock(e[8], T0)
    assert w.status == "active" and len(w) == 8  # the refused payment left no entry
    assert w.spendable(T0) == w.balances.refundable + w.balances.bonus
    assert isinstance(w.id, uuid.UUID) and w.currency == "EUR"
    assert w.time_range() == (T0, T0)  # first and last entry (the unblock)


def test_idempotent_retry_returns_original_outcome() -> None:
    w, e = make(), ids()
    first = w.top_up(e[0], T0, eur("10.00"))
    again = w.top_up(e[0], T0, eur("10.00"))
    assert again.replayed and again.balances.total == first.balances.total == eur("10.00")
    assert "WalletOutcome(entry_id=UUID(" in repr(again)


def test_errors_and_limits() -> None:
    w, e = make(max_single_payment=eur("50.00")), ids()
    w.top_up(e[0], T0, eur("10.00"))
    with pytest.raises(fc.WalletError) as ei:
        w.pay(e[1], T0, STAND, [("vip", 1, eur("20.00"))])
    assert ei.value.code == "WALLET_INSUFFICIENT_FUNDS"
    assert ei.value.details
    with pytest.raises(fc.WalletError):
        w.pay(e[2], T0, STAND, [("vip", 1, eur("60.00"))])
    with pytest.raises(fc.FestivalError) as ei2:
        w.top_up(e[3], T0, Money("1", "USD"))
    assert ei2.value.code.endswith("CURRENCY_MISMATCH")


def test_transfer_and_persistence() -> None:
    a, e = make(), ids()
    b = fc.Wallet(uuid.UUID(int=2), FESTIVAL, "EUR")
    a.top_up(e[0], T0, eur("10.00"))
    out_, in_ = a.transfer(b, e[1], T0, eur("4.00"))
    assert (out_.kind, in_.kind) == ("transfer_out", "transfer_in")
    assert (a.balances.total, b.balances.total) == (eur("6.00"), eur("4.00"))
    with pytest.raises(ValueError):
        a.transfer(a, e[2], T0, eur("1.00"))
    restored = fc.Wallet.from_json(a.to_json())
    assert restored.balances.total == a.balances.total and len(restored) == len(a)
    with pytest.raises(fc.FestivalError):
        fc.Wallet.from_json(a.to_json().replace('"refundable_delta":{"amount":"10.00"', '"refundable_delta":{"amount":"99.00"'))
    with pytest.raises(fc.InputError):
        fc.Wallet.from_json("{")


def test_hostile_arguments() -> None:
    w, e = make(), ids()
    with pytest.raises(fc.InputError):
        w.top_up("not-a-uuid", T0, eur("1.00"))
    with pytest.raises(ValueError):
        w.top_up(e[0], datetime(2026, 7, 4, 12, 0), eur("1.00"))  # naive
    with pytest.raises(TypeError):
        w.top_up(e[0], "2026-07-04T12:00:00Z", eur("1.00"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        w.top_up(e[0], T0, 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        w.top_up(e[0], T0, "1.00")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        w.top_up(e[0], T0, eur("1.00"), "bitcoin")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        w.pay(e[0], T0, STAND, [("beer", 1.0, eur("1.00"))])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        w.pay(e[0], T0, STAND, [("beer", 2**40, eur("1.00"))])
    with pytest.raises(TypeError):
        fc.Wallet(12, FESTIVAL, "EUR")  # type: ignore[arg-type]
    assert len(w) == 0
    w.top_up(str(e[0]).upper(), T0, eur("1.00"))
    assert len(w) == 1


def test_wallet_ledgers_feed_the_analytics() -> None:
    e = ids()
    a, b = make(), fc.Wallet(uuid.UUID(int=2), FESTIVAL, "EUR")
    a.top_up(e[0], T0, eur("30.00"))
    a.pay(e[1], T0 + timedelta(hours=1), STAND, [("beer", 2, eur("4.50")), ("fries", 1, eur("3.50"))])
    b.top_up(e[2], T0, eur("10.00"))
    b.pay(e[3], T0, STAND, [("beer", 1, eur("4.50"))])
    b.refund(e[4], T0, e[3], eur("4.50"))
    an = fc.analyze_wallets([a, b], "EUR")
    st = an.settlements_by_stand().to_pylist()
    assert st[0]["stand"] == str(STAND)
    assert (st[0]["sales"], st[0]["refunds"], st[0]["net"]) == (eur("17.00"), eur("4.50"), eur("12.50"))
    products = {r["product"]: r["quantity"] for r in an.revenue_by_product().to_pylist()}
    assert products == {"beer": 3, "fries": 1}
    assert an.liability()["total"] == a.balances.total + b.balances.total
    with pytest.raises(TypeError):
        fc.analyze_wallets([a, "b"], "EUR")  # type: ignore[list-item]
