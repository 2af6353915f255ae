"""Catalog payments offline through Python (record version 4, issue #15): a POS prices a basket
with the verified stand catalog it holds (`DeviceLog.pay_with_catalog`), refusing a tampered price
or an under-age sale before anything is signed; the server publishes its catalogs
(`ReconcileState.publish_catalog`) and reconciliation checks every catalog payment again against
the version it names (tampered price, age class, unknown version then revised once published);
the state with its catalogs persists as format 5."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Optional

import pytest

import festival_core as fc
from festival_core import Money

EUR = "EUR"
FEST = uuid.UUID(int=0xF0)
POS = uuid.UUID(int=1)
STAND = uuid.UUID(int=0x51)
ADULT, NO_AGE = uuid.UUID(int=0x1001), uuid.UUID(int=0x1002)
T0 = datetime(2026, 7, 4, 16, tzinfo=timezone.utc)
SEED = bytes([7] * 32)


def eur(s: str) -> Money:
    return Money(s, EUR)


def catalog(version: int = 3, beer: str = "5.00") -> fc.ProductCatalog:
    return fc.ProductCatalog(FEST, version, EUR, [
        fc.Product("beer", "Beer 0.5 l", eur(beer), Decimal("19"), min_age=16, deposit="cup",
                   voucher_price=fc.VoucherPrice("helper_drink", 1)),
        fc.Product("cup", "Cup deposit", eur("2.00"), 0, kind="deposit"),
        fc.Product("gin_tonic", "Gin tonic", eur("8.00"), Decimal("19"), min_age=18),
        fc.Product("pretzel", "Pretzel", eur("3.50"), Decimal("7")),
    ])


def beer_lines(price: str = "5.00", n: int = 2) -> list[fc.LineItem]:
    return [fc.LineItem("beer", n, eur(price)), fc.LineItem("cup", n, eur("2.00"), "deposit")]


def device(limit: str = "50") -> fc.DeviceLog:
    log = fc.DeviceLog(fc.DeviceSigner(SEED, POS, FEST), EUR, per_payment=eur(limit), per_wallet_offline=eur(limit),
                       max_stored_value=eur("500"), max_queued_records=100)
    log.set_synced_balances({ADULT: eur("50"), NO_AGE: eur("50")})
    return log


def registry(log: fc.DeviceLog) -> fc.DeviceRegistry:
    return fc.DeviceRegistry([fc.DeviceEntry(POS, log.signer.public_key, FEST, "pos", T0 - timedelta(days=1),
                                             T0 + timedelta(days=1), [STAND])])


def server(*published: fc.ProductCatalog) -> fc.ReconcileState:
    state = fc.ReconcileState(FEST, EUR)
    ages: list[tuple[uuid.UUID, Optional[fc.AgeClass]]] = [(ADULT, "adult"), (NO_AGE, None)]
    for wid, age in ages:
        w = fc.Wallet(wid, FEST, EUR, age_class=age)
        w.top_up(uuid.UUID(int=wid.int + 0x100), T0 - timedelta(hours=1), eur("50"))
        state.add_wallet(w)
    for c in published:
        state.publish_catalog(c)
    return state


def statuses(report: fc.ReconcileReport) -> list[tuple[str, Optional[str]]]:
    return [(r.status, r.reason) for r in report.records]


def test_the_device_signs_a_catalog_payment_priced_with_its_catalog() -> None:
    log, c = device(), catalog()
    basket = c.expand([("beer", 2), ("pretzel", 1)])
    rec = log.pay_with_catalog(uuid.UUID(int=0x101), T0, ADULT, STAND, c, basket.items, age_class="adult")
    assert bytes(rec)[3] == 4, "record encoding version 4"
    assert rec.kind == "payment" and log.queued() == 1
    fields = rec.body.payload.fields()
    assert fields == {"wallet_id": ADULT, "amount": eur("17.50"), "stand_id": STAND, "items": [],
                      "catalog_version": 3, "lines": basket.items}
    assert fields["amount"] == basket.total and log.available(ADULT) == eur("32.50")
    assert "catalog_version=3, lines=<3 lines>" in repr(rec.body.payload)
    # The same payment rebuilt from its parts is the signed payload, and the bytes round-trip.
    assert fc.Payload.catalog_payment(ADULT, eur("17.50"), STAND, 3, basket.items) == rec.body.payload
    assert fc.SignedRecord.from_bytes(bytes(rec)) == rec
    # Tuples work as lines too, and a beer paid with a helper-drink voucher costs only its cup.
    voucher = fc.VoucherPrice("helper_drink", 1)
    rec = log.pay_with_catalog(uuid.UUID(int=0x102), T0 + timedelta(seconds=1), ADULT, STAND, c,
                               [("beer", 1, eur("0"), voucher), ("cup", 1, eur("2.00"), "deposit")], "adult")
    lines = rec.body.payload.fields()["lines"]
    assert rec.body.payload.fields()["amount"] == eur("2.00") and [line.kind for line in lines] == [voucher, "deposit"]


def test_the_device_refuses_a_tampered_price_and_an_under_age_sale() -> None:
    log, c = device(), catalog()
    with pytest.raises(fc.WalletError) as ei:
        log.pay_with_catalog(uuid.UUID(int=0x101), T0, ADULT, STAND, c, beer_lines("1.00"), "adult")
    assert ei.value.code == "CATALOG_PRICE_MISMATCH"
    for age in (None, "under_16"):
        with pytest.raises(fc.WalletError) as ei:
            log.pay_with_catalog(uuid.UUID(int=0x101), T0, NO_AGE, STAND, c, beer_lines(), age)
        assert ei.value.code == "CATALOG_AGE_RESTRICTED"
    with pytest.raises(fc.WalletError) as ei:  # gin tonic from 18: a 16-17 wristband is refused
        log.pay_with_catalog(uuid.UUID(int=0x101), T0, ADULT, STAND, c, [("gin_tonic", 1, eur("8.00"))], "16_17")
    assert ei.value.code == "CATALOG_AGE_RESTRICTED"
    with pytest.raises(fc.WalletError) as ei:
        log.pay_with_catalog(uuid.UUID(int=0x101), T0, ADULT, STAND, c, [("whisky", 1, eur("9.00"))], "adult")
    assert ei.value.code.startswith("CATALOG_")
    # The limits still apply after the catalog checks (8 beers with cups: 56.00 > 50).
    with pytest.raises(fc.OfflineError) as oe:
        log.pay_with_catalog(uuid.UUID(int=0x101), T0, ADULT, STAND, c, beer_lines(n=8), "adult")
    assert oe.value.code == "DEVICE_LIMIT_EXCEEDED"
    # A catalog in another currency than the device's.
    chf = fc.ProductCatalog(FEST, 3, "CHF", [fc.Product("pretzel", "Pretzel", Money("3.50", "CHF"), 7)])
    with pytest.raises(fc.OfflineError) as oe:
        log.pay_with_catalog(uuid.UUID(int=0x101), T0, ADULT, STAND, chf, [("pretzel", 1, Money("3.50", "CHF"))])
    assert oe.value.code == "OFFLINE_INVALID_AMOUNT"
    assert (log.queued(), log.signer.next_sequence, log.available(ADULT)) == (0, 1, eur("50")), "nothing was signed"
    with pytest.raises(TypeError):
        log.pay_with_catalog(uuid.UUID(int=0x101), T0, ADULT, STAND, c.to_json(), beer_lines())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        log.pay_with_catalog(uuid.UUID(int=0x101), T0, ADULT, STAND, c, "beer")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        log.pay_with_catalog(uuid.UUID(int=0x101), T0, ADULT, STAND, c, beer_lines(), "grown_up")  # type: ignore[arg-type]


def test_a_catalog_payment_payload_is_checked_when_signed() -> None:
    # A price of zero on a line that is not paid with vouchers cannot be encoded.
    bad = fc.Payload.catalog_payment(ADULT, eur("2.00"), STAND, 3, [("beer", 1, eur("0")), ("cup", 1, eur("2.00"), "deposit")])
    with pytest.raises(fc.OfflineError) as ei:
        fc.DeviceSigner(SEED, POS, FEST).sign(uuid.UUID(int=1), T0, bad)
    assert ei.value.code == "OFFLINE_INVALID_AMOUNT"
    wrong_sum = fc.Payload.catalog_payment(ADULT, eur("9.00"), STAND, 3, beer_lines())
    with pytest.raises(fc.OfflineError) as ei:
        fc.DeviceSigner(SEED, POS, FEST).sign(uuid.UUID(int=1), T0, wrong_sum)
    assert ei.value.code == "OFFLINE_INVALID_AMOUNT"
    with pytest.raises(TypeError):
        fc.Payload.catalog_payment(ADULT, eur("2.00"), STAND, 3, "beer")  # type: ignore[arg-type]
    plain = fc.Payload.payment(ADULT, eur("2.00"), STAND)
    assert "catalog_version" not in plain.fields() and repr(plain).startswith("Payload.payment(")


def test_reconcile_checks_prices_and_age_against_the_published_catalog() -> None:
    log, c = device(), catalog()
    log.pay_with_catalog(uuid.UUID(int=0x101), T0, ADULT, STAND, c, beer_lines(), "adult")
    # A tampered app signs beer at 1.00 under version 3 (the device checks are bypassed).
    log.record(uuid.UUID(int=0x102), T0 + timedelta(seconds=1),
               fc.Payload.catalog_payment(ADULT, eur("6.00"), STAND, 3, beer_lines("1.00")))
    # The POS was told the customer is an adult, but the wallet has no verified age.
    log.pay_with_catalog(uuid.UUID(int=0x103), T0 + timedelta(seconds=2), NO_AGE, STAND, c, beer_lines(n=1), "adult")
    state = server(c)
    report = fc.reconcile(state, registry(log), [log.export_batch()], T0 + timedelta(minutes=5))
    assert statuses(report) == [("accepted", None), ("rejected", "CATALOG_PRICE_MISMATCH"),
                                ("rejected", "CATALOG_AGE_RESTRICTED")]
    # Two beers (10.00) and two cup deposits (4.00): the deposits are outstanding on the wallet.
    assert report.balances[ADULT].total == eur("36.00") and report.balances[NO_AGE].total == eur("50")
    adult = state.wallet(ADULT)
    assert adult is not None
    assert [(d.product, d.outstanding_quantity, d.outstanding) for d in adult.deposits()] == [("cup", 2, eur("4.00"))]


def test_an_unknown_catalog_version_waits_then_is_revised_once_published() -> None:
    log, v4 = device(), catalog(4, beer="5.50")
    log.pay_with_catalog(uuid.UUID(int=0x101), T0, ADULT, STAND, v4, beer_lines("5.50"), "adult")
    state, reg = server(catalog(3)), registry(log)
    first = fc.reconcile(state, reg, [log.export_batch()], T0 + timedelta(minutes=5))
    assert statuses(first) == [("rejected", "RECONCILE_UNKNOWN_CATALOG")]
    assert first.balances[ADULT].total == eur("50") and state.catalog_versions() == [3] and state.catalog(4) is None
    state.publish_catalog(v4)
    assert state.catalog_versions() == [3, 4] and state.catalog(4) == v4
    second = fc.reconcile(state, reg, [], T0 + timedelta(minutes=6))
    (rev,) = second.revisions
    assert (rev.before["status"], rev.before["reason"]) == ("rejected", "RECONCILE_UNKNOWN_CATALOG")
    assert (rev.after["status"], rev.after["reason"]) == ("accepted", None)
    assert rev.money_effect == eur("-15.00") and rev.wallet_id == ADULT
    adult = state.wallet(ADULT)
    assert adult is not None and adult.balances.total == eur("35.00")
    # Publishing the same catalog again changes nothing; other content or another festival is refused.
    state.publish_catalog(catalog(4, beer="5.50"))
    with pytest.raises(fc.OfflineError) as ei:
        state.publish_catalog(catalog(4, beer="6.00"))
    assert ei.value.code == "RECONCILE_INVALID_STATE"
    other = fc.ProductCatalog(uuid.UUID(int=0xBAD), 9, EUR, [fc.Product("cup", "Cup", eur("2.00"), 0, kind="deposit")])
    with pytest.raises(fc.OfflineError) as ei:
        state.publish_catalog(other)
    assert ei.value.code == "RECONCILE_INVALID_STATE" and state.catalog_versions() == [3, 4]
    with pytest.raises(TypeError):
        state.publish_catalog(v4.to_json())  # type: ignore[arg-type]


def test_the_state_with_its_catalogs_round_trips_as_format_5() -> None:
    log, c = device(), catalog()
    log.pay_with_catalog(uuid.UUID(int=0x101), T0, ADULT, STAND, c, beer_lines(), "adult")
    state = server(c, catalog(4, beer="5.50"))
    fc.reconcile(state, registry(log), [log.export_batch()], T0 + timedelta(minutes=5))
    text = state.to_json()
    saved = json.loads(text)
    assert saved["format_version"] == 5 and [x["version"] for x in saved["catalogs"]] == [3, 4]
    back = fc.ReconcileState.from_json(text)
    assert back.to_json() == text and back.catalog_versions() == [3, 4] and back.catalog(3) == c
    # A state without catalogs leaves them out.
    assert "catalogs" not in json.loads(fc.ReconcileState(FEST, EUR).to_json())


def test_cups_come_back_offline_and_the_server_checks_the_deposit_price() -> None:
    log, c = device(), catalog()
    log.pay_with_catalog(uuid.UUID(int=0x101), T0, ADULT, STAND, c, beer_lines(), "adult")
    with pytest.raises(fc.WalletError) as ei:
        log.return_deposit(uuid.UUID(int=0x102), T0, ADULT, STAND, c, "beer", 1)
    assert ei.value.code == "CATALOG_LINE_KIND_MISMATCH"
    with pytest.raises(fc.WalletError) as ei:
        log.return_deposit(uuid.UUID(int=0x102), T0, ADULT, STAND, c, "mug", 1)
    assert ei.value.code == "CATALOG_UNKNOWN_PRODUCT"
    with pytest.raises(OverflowError):
        log.return_deposit(uuid.UUID(int=0x102), T0, ADULT, STAND, c, "cup", -1)
    rec = log.return_deposit(uuid.UUID(int=0x102), T0 + timedelta(seconds=1), ADULT, STAND, c, "cup", 2)
    assert bytes(rec)[3] == 4 and rec.body.payload.kind == "deposit_return"
    assert rec.body.payload.fields() == {"wallet_id": ADULT, "stand_id": STAND, "product": "cup", "quantity": 2,
                                         "amount": eur("4.00"), "catalog_version": 3}
    assert log.available(ADULT) == eur("40.00")  # 50 - 14 + 4
    # A forged return point credits 5.00 per cup under the same version.
    log.record(uuid.UUID(int=0x103), T0 + timedelta(seconds=2),
               fc.Payload.deposit_return(ADULT, STAND, "cup", 1, eur("5.00"), 3))
    state = server(c)
    report = fc.reconcile(state, registry(log), [log.export_batch()], T0 + timedelta(minutes=5))
    assert statuses(report) == [("accepted", None), ("accepted", None), ("rejected", "CATALOG_PRICE_MISMATCH")]
    assert report.totals["deposit_returns"] == eur("4.00")
    assert report.balances[ADULT].total == eur("40.00")
    adult = state.wallet(ADULT)
    assert adult is not None
    assert [(d.product, d.outstanding_quantity) for d in adult.deposits()] == [("cup", 0)]
