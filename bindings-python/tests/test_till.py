"""Tills in Python: a top-up desk's session from the float to the signed closing, receipts with
gap-free numbers and VAT per rate, fiscal signatures, the server's closing verification, the
Z-report of a festival day and the DSFinV-K-shaped export as dicts and CSV."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict

import pytest

import festival_core as fc

UTC = timezone.utc
T0 = datetime(2026, 7, 4, 10, 0, tzinfo=UTC)
TILL = uuid.UUID(int=0x7111)
FESTIVAL = uuid.UUID(int=0xFE5)
DEVICE = uuid.UUID(int=0xDE1)
SEED = bytes([42]) * 32
PRODUCTS: Dict[str, Dict[str, Any]] = {
    "beer": {"name": "Beer 0.5l", "vat_rate": Decimal("19")},
    "water": {"name": "Water, still", "vat_rate": "7"},
    "donation": {"name": "Donation", "vat_rate": 0, "vat_key": 5},
}


def eur(amount: str) -> fc.Money:
    return fc.Money(Decimal(amount), "EUR")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def uid(n: int) -> uuid.UUID:
    return uuid.UUID(int=n)


def _registry(festival: uuid.UUID = FESTIVAL) -> fc.DeviceRegistry:
    return fc.DeviceRegistry([fc.DeviceEntry(DEVICE, fc.public_key_from_seed(SEED), festival, "top_up",
                                             T0 - timedelta(days=1), T0 + timedelta(days=30), [])])


def _open(n: int = 1, float_: str = "100.00", minutes: int = 0) -> fc.TillSession:
    return fc.TillSession.open(uid(n), TILL, FESTIVAL, DEVICE, eur(float_), at(minutes), cashier_id="anna")


def test_a_session_from_float_to_signed_closing() -> None:
    s = _open()
    s.cash_top_up(uid(10), at(5), eur("20.00"), wallet_id=uid(0x3001))
    s.card_top_up(uid(11), at(6), eur("30.00"))
    s.payout(uid(12), at(7), eur("15.50"))
    s.safe_in(uid(13), at(8), eur("50.00"), note="change")
    s.safe_out(uid(14), at(9), eur("100.00"), note="to the safe")
    r = s.sale(uid(20), at(60), "cash", [("beer", 2, eur("5.00")), ("water", 1, eur("2.50"))], PRODUCTS)
    assert r["number"] == 1
    assert r["total"] == eur("12.50")
    assert [(v["rate"], v["net"], v["tax"]) for v in r["vat"]] == [
        (Decimal("7"), eur("2.34"), eur("0.16")), (Decimal("19"), eur("8.40"), eur("1.60"))]
    assert r["issued_at"] == at(60)
    assert r["payment_id"] == uid(20)
    # a retried payment returns its receipt; another payload under the same id is a conflict
    assert s.sale(uid(20), at(60), "cash", [("beer", 2, eur("5.00")), ("water", 1, eur("2.50"))], PRODUCTS) == r
    with pytest.raises(fc.TillError) as e:
        s.sale(uid(20), at(60), "cash", [("beer", 3, eur("5.00"))], PRODUCTS)
    assert e.value.code == "TILL_OPERATION_CONFLICT"
    w = s.sale(uid(21), at(61), "wallet", [("donation", 1, eur("2.00"), "HELPER-17")], PRODUCTS,
               amount=eur("2.00"), wallet_id=uid(0x3004))
    assert (w["number"], w["lines"][0]["vat_key"], w["lines"][0]["voucher_id"]) == (2, 5, "HELPER-17")
    t = s.totals()
    assert (t["expected_cash"], t["expected_card"], t["wallet_sales"]) == (eur("67.00"), eur("30.00"), eur("2.00"))
    c = s.close(at(480), eur("66.50"), eur("30.00"), SEED)
    assert [(b["method"], b["imbalance"]) for b in c["closing"]["balances"]] == [("cash", eur("-0.50")), ("card", eur("0.00"))]
    assert c["closing"]["operations_hash"] == s.operations_hash
    assert s.is_closed and s.next_receipt_number == 3
    with pytest.raises(fc.TillError) as e:
        s.cash_top_up(uid(30), at(481), eur("5"))
    assert e.value.code == "TILL_SESSION_CLOSED"
    with pytest.raises(fc.TillError) as e:
        s.close(at(482), eur("0"), eur("0"), SEED)
    assert e.value.code == "TILL_ALREADY_CLOSED"
    # the server verifies the uploaded closing against the registry
    text = s.closing_json()
    assert text is not None
    fc.verify_till_closing(text, _registry())
    tampered = json.loads(text)
    tampered["closing"]["balances"][0]["counted"]["amount"] = "67.00"
    tampered["closing"]["balances"][0]["imbalance"]["amount"] = "0.00"
    with pytest.raises(fc.TillError) as e:
        fc.verify_till_closing(json.dumps(tampered), _registry())
    assert e.value.code == "TILL_SIGNATURE_INVALID"
    with pytest.raises(fc.TillError) as e:
        fc.verify_till_closing(text, _registry(uuid.UUID(int=0xF00)))
    assert e.value.code == "TILL_CLOSING_INVALID"
    with pytest.raises(fc.InputError):
        fc.verify_till_closing("{", _registry())
    back = fc.TillSession.from_json(s.to_json())
    assert back.receipts() == s.receipts() and back.closing() == s.closing()


def test_errors_and_python_types() -> None:
    s = _open(float_="10.00")
    with pytest.raises(fc.TillError) as e:
        s.payout(uid(1), at(1), eur("10.01"))
    assert (e.value.code, e.value.details["available"]) == ("TILL_INSUFFICIENT_CASH", "10.00")
    for bad, code in [(eur("0"), "TILL_INVALID_AMOUNT"), (fc.Money("1", "USD"), "TILL_CURRENCY_MISMATCH")]:
        with pytest.raises(fc.TillError) as e:
            s.cash_top_up(uid(1), at(1), bad)
        assert e.value.code == code
    with pytest.raises(fc.TillError) as e:
        s.cash_top_up(uid(1), at(-1), eur("1"))
    assert e.value.code == "TILL_INVALID_TIME"
    with pytest.raises(TypeError):
        s.cash_top_up(uid(1), at(1), 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        s.cash_top_up(uid(1), datetime(2026, 7, 4, 11), eur("1"))
    with pytest.raises(fc.TillError) as e:
        s.sale(uid(2), at(2), "cash", [("cola", 1, eur("3"))], PRODUCTS)
    assert (e.value.code, e.value.details["sku"]) == ("TILL_UNKNOWN_PRODUCT", "cola")
    with pytest.raises(fc.TillError) as e:
        s.sale(uid(2), at(2), "cash", [("beer", 1, eur("3"))], PRODUCTS, amount=eur("3.01"))
    assert e.value.code == "TILL_TOTAL_MISMATCH"
    with pytest.raises(ValueError):
        s.sale(uid(2), at(2), "voucher", [("beer", 1, eur("3"))], PRODUCTS)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        s.sale(uid(2), at(2), "cash", [("beer", 1, eur("3"))], {"beer": {"name": "Beer", "vat_rate": 19.0}})
    with pytest.raises(ValueError):
        s.close(at(3), eur("10"), eur("0"), b"short")
    with pytest.raises(fc.TillError) as e:
        s.open_next(uid(2), eur("0"), at(10))
    assert e.value.code == "TILL_SESSION_OPEN"
    assert s.next_receipt_number == 1


def test_pretix_rounding_and_fiscal_signature() -> None:
    s = fc.TillSession.open(uid(1), TILL, FESTIVAL, DEVICE, eur("0"), T0, tax_rounding="sum_by_net_keep_gross")
    r = s.sale(uid(2), at(1), "card", [("beer", 1, eur("100.00"))] * 5, PRODUCTS)
    assert (r["net"], r["tax"], r["total"]) == (eur("420.17"), eur("79.83"), eur("500.00"))
    r = s.attach_fiscal_signature(uid(2), tse_serial="5a3f9c", transaction_number=118, signature_counter=240,
                                  started_at=at(1), finished_at=at(1), algorithm="ecdsa-plain-SHA384",
                                  signature="MGUCMQDx")
    assert r["fiscal_signature"]["transaction_number"] == 118
    receipt = s.receipt(uid(2))
    assert receipt is not None and receipt["fiscal_signature"]["finished_at"] == at(1)
    assert s.receipt(uid(3)) is None


def test_z_report_and_export_of_a_festival_day() -> None:
    a = _open(1, "100.00", 0)
    a.cash_top_up(uid(10), at(5), eur("20.00"))
    a.sale(uid(11), at(60), "cash", [("beer", 2, eur("5.00")), ("water", 1, eur("2.50"))], PRODUCTS)
    a.close(at(240), eur("132.50"), eur("0"), SEED)
    b = a.open_next(uid(2), eur("50.00"), at(270), cashier_id="ben")
    b.sale(uid(12), datetime(2026, 7, 5, 1, 30, tzinfo=UTC), "card", [("beer", 3, eur("5.00"))], PRODUCTS)
    b.close(datetime(2026, 7, 5, 2, 0, tzinfo=UTC), eur("50.00"), eur("15.50"), SEED)
    cal = fc.FestivalCalendar("Europe/Berlin", "06:00")
    z = fc.till_z_report(TILL, date(2026, 7, 4), [b, a], z_number=12, created_at=datetime(2026, 7, 5, 4, tzinfo=UTC),
                         calendar=cal)
    assert (z.receipt_count, z.first_receipt_number, z.last_receipt_number, z.gross) == (2, 1, 2, eur("27.50"))
    d = z.to_dict()
    assert d["day"] == date(2026, 7, 4)
    assert [s["session_id"] for s in d["sessions"]] == [uid(1), uid(2)]
    assert [b["imbalance"] for b in d["balances"]] == [eur("0.00"), eur("0.50")]
    assert d["totals"]["opening_float"] == eur("150.00")
    rows = z.export_rows([a, b])
    assert [(r["bon_id"], r["pos_zeile"], r["art_nr"], r["zahlart_typ"]) for r in rows] == [
        (1, 1, "beer", "Bar"), (1, 2, "water", "Bar"), (2, 1, "beer", "Unbar")]
    assert (rows[0]["z_kasse_id"], rows[0]["ust_satz"], rows[0]["pos_netto"]) == (TILL, Decimal("19"), eur("8.40"))
    parsed = list(csv.DictReader(io.StringIO(z.export_csv([a, b]), newline="")))
    assert [p["ARTIKELTEXT"] for p in parsed] == ["Beer 0.5l", "Water, still", "Beer 0.5l"]
    assert parsed[1]["POS_BRUTTO"] == "2.50" and parsed[1]["UST_SCHLUESSEL"] == "2"
    with pytest.raises(fc.TillError) as e:
        fc.till_z_report(TILL, date(2026, 7, 6), [a, b], z_number=13, created_at=T0)
    assert e.value.code == "TILL_NO_SESSIONS"
    with pytest.raises(fc.TillError) as e:
        fc.till_z_report(TILL, date(2026, 7, 4), [a, _open(3, "0", 600)], z_number=13, created_at=T0, calendar=cal)
    assert e.value.code == "TILL_SESSION_OPEN"


def test_till_postings_drawer_safe_and_cash_differences() -> None:
    s = _open(float_="100.00")
    s.cash_top_up(uid(10), at(5), eur("20.00"), wallet_id=uid(0x3001))
    s.payout(uid(12), at(7), eur("15.50"))
    s.safe_out(uid(14), at(9), eur("50.00"))
    s.sale(uid(20), at(60), "cash", [("beer", 2, eur("5.00")), ("water", 1, eur("2.50"))], PRODUCTS)
    s.sale(uid(21), at(61), "card", [("beer", 1, eur("5.00"))], PRODUCTS)
    drawer = f"cash_drawer:{TILL}"
    books = fc.TrialBalance("EUR")
    books.add(s.postings())
    assert books.balance(drawer) == eur("67.00") == s.totals()["expected_cash"]
    s.close(at(480), eur("66.50"), eur("5.00"), SEED)
    postings = s.postings()
    assert [p.kind for p in postings] == ["till_open", "till_cash_top_up", "till_payout", "till_safe_out",
                                          "till_sale", "till_sale", "till_closing"]
    assert all(p.till_id == TILL for p in postings)
    assert postings[1].wallet_id == uid(0x3001) and postings[0].wallet_id is None
    assert [(leg.account, leg.amount) for leg in postings[-1].legs] == [
        (drawer, eur("-67.00")), ("safe", eur("66.50")), ("expense:cash_differences", eur("0.50"))]
    books = fc.TrialBalance("EUR")
    books.add(postings)
    assert books.is_balanced
    assert books.balance(drawer) == eur("0.00")
    assert books.balance("safe") == eur("16.50")  # 66.50 + 50.00 in, the 100.00 float out
    assert books.balance("funds:cash") == eur("-20.00")  # the wallet's cash top-up posting clears it
    assert books.balance("payouts") == eur("15.50")
    assert books.revenue_by_stand() == [(None, eur("17.50"))]


def test_deposit_lines_of_till_sales_post_to_the_deposit_liability() -> None:
    products = {**PRODUCTS, "cup": {"name": "Cup deposit", "vat_rate": 0, "deposit": True}}
    s = _open(float_="0.00")
    s.sale(uid(20), at(60), "cash", [("beer", 2, eur("5.00")), ("cup", 2, eur("2.00"))], products)
    sale = [p for p in s.postings() if p.kind == "till_sale"][0]
    assert [(leg.account, leg.amount) for leg in sale.legs] == [
        (f"cash_drawer:{TILL}", eur("14.00")), ("revenue:unattributed", eur("-10.00")), ("liability:deposits", eur("-4.00"))]
    with pytest.raises(TypeError):
        s.sale(uid(21), at(61), "cash", [("cup", 1, eur("2.00"))], {"cup": {"name": "Cup", "vat_rate": 0, "deposit": "yes"}})
