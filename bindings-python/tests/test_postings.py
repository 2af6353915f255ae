"""Double-entry postings through Python: legs per operation as Money, the trial balance of several
wallets, liabilities equal to the wallets' balances, account codes, and errors."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest

import festival_core as fc
from festival_core import Money

T0 = datetime(2026, 7, 4, 12, 0, tzinfo=timezone.utc)
FESTIVAL = uuid.UUID(int=100)
BAR, FOOD = uuid.UUID(int=5), uuid.UUID(int=6)


def eur(s: str) -> Money:
    return Money(s, "EUR")


def test_each_posting_balances_and_names_its_accounts() -> None:
    w = fc.Wallet(uuid.UUID(int=1), FESTIVAL, "EUR")
    e = [uuid.UUID(int=1000 + i) for i in range(10)]
    w.top_up(e[0], T0, eur("20.00"), "cash")
    w.bonus_credit(e[1], T0, eur("5.00"))
    w.pay(e[2], T0, BAR, [("beer", 2, eur("4.50"))])
    w.payout(e[3], T0, eur("10.00"), fee=eur("1.00"))
    w.block(e[4], T0, "lost wristband")  # moves no money: no posting
    postings = w.postings()
    assert [p.kind for p in postings] == ["top_up", "bonus_credit", "payment", "payout"]
    pay = postings[2]
    assert pay.entry_id == e[2] and pay.wallet_id == w.id and pay.at == T0
    assert [(leg.account, leg.amount) for leg in pay.legs] == [
        ("liability:refundable", eur("4.00")),
        ("liability:bonus", eur("5.00")),
        (f"revenue:{BAR}", eur("-9.00")),
    ]
    for p in postings:
        assert sum((leg.amount for leg in p.legs), Money.zero("EUR")) == Money.zero("EUR")
    assert "Posting(kind='payment'" in repr(pay) and "Leg(account=" in repr(pay.legs[0])


def test_trial_balance_of_two_wallets_matches_their_balances() -> None:
    a = fc.Wallet(uuid.UUID(int=1), FESTIVAL, "EUR")
    b = fc.Wallet(uuid.UUID(int=2), FESTIVAL, "EUR")
    e = [uuid.UUID(int=2000 + i) for i in range(10)]
    a.top_up(e[0], T0, eur("30.00"), "card")
    a.transfer(b, e[1], T0, eur("12.50"))
    b.pay(e[2], T0, FOOD, [("fries", 1, eur("6.00"))])
    b.refund(e[3], T0, e[2], eur("2.00"))
    books = fc.TrialBalance("EUR")
    books.add(a.postings())
    books.add_wallet(b)
    assert books.is_balanced and books.total == Money.zero("EUR") and books.currency == "EUR"
    assert -books.balance("liability:refundable") == a.balances.refundable + b.balances.refundable
    assert books.balance("clearing:transfers") == Money.zero("EUR")
    assert books.balance("funds:card") == eur("30.00")
    assert books.revenue_by_stand() == [(FOOD, eur("4.00"))]
    accounts = books.accounts()
    assert list(accounts) == sorted(accounts, key=list(accounts).index)  # stable account order
    assert set(accounts) == {"funds:card", "liability:refundable", f"revenue:{FOOD}", "clearing:transfers"}
    doc = json.loads(books.to_json())
    assert doc["balanced"] is True and doc["accounts"]["funds:card"] == "30.00"
    # Partitions merge: the books of a and of b add up to the books of both.
    part_a, part_b = fc.TrialBalance("EUR"), fc.TrialBalance("EUR")
    part_a.add_wallet(a)
    part_b.add_wallet(b)
    part_a.merge(part_b)
    assert part_a.accounts() == books.accounts()


def test_bad_account_codes_and_currencies_are_clear_errors() -> None:
    books = fc.TrialBalance("EUR")
    with pytest.raises(ValueError, match="unknown account code"):
        books.balance("cash")
    assert books.balance("revenue:unattributed") == Money.zero("EUR")
    chf = fc.Wallet(uuid.UUID(int=3), FESTIVAL, "CHF")
    chf.top_up(uuid.UUID(int=1), T0, Money("5.00", "CHF"))
    with pytest.raises(fc.MoneyError) as ei:
        books.add_wallet(chf)
    assert ei.value.code == "MONEY_CURRENCY_MISMATCH"
    with pytest.raises(TypeError):
        books.add([object()])  # type: ignore[list-item]
