"""Ticketing through Python: ticket types, pricing (checked against every pricing vector),
inventory with holds, the ticket book and orders."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

import festival_core as fc
from conftest import VECTORS_DIR

T0 = datetime(2026, 7, 1, 10, 0, tzinfo=timezone.utc)
TYPE = uuid.UUID(int=7)


def test_reserve_confirm_release_expire() -> None:
    inv = fc.Inventory(TYPE, 10)
    h1 = inv.reserve(uuid.UUID(int=1), 4, T0, T0 + timedelta(minutes=15))
    assert (h1.quantity, h1.state, h1.expires_at) == (4, "held", T0 + timedelta(minutes=15))
    assert isinstance(h1.id, uuid.UUID) and "Hold(id=UUID(" in repr(h1)
    inv.reserve(uuid.UUID(int=2), 3, T0, T0 + timedelta(minutes=5))
    assert inv.available(T0) == 3
    assert inv.confirm(uuid.UUID(int=1), T0 + timedelta(minutes=1)).state == "confirmed"
    assert inv.counts(T0 + timedelta(minutes=1)) == {"capacity": 10, "sold": 4, "held": 3, "available": 3}
    expired = inv.expire(T0 + timedelta(minutes=6))
    assert [h.state for h in expired] == ["expired"]
    assert inv.available(T0 + timedelta(minutes=6)) == 6
    h3 = inv.reserve(uuid.UUID(int=3), 2, T0, T0 + timedelta(hours=1))
    assert inv.release(h3.id).state == "released"
    assert (inv.capacity, inv.sold) == (10, 4) and "Inventory(" in repr(inv)


def test_sold_out_says_how_many_are_left() -> None:
    inv = fc.Inventory(TYPE, 2)
    with pytest.raises(fc.TicketingError) as ei:
        inv.reserve(uuid.UUID(int=1), 3, T0, T0 + timedelta(minutes=1))
    assert ei.value.code == "INVENTORY_SOLD_OUT"
    assert 2 in ei.value.details.values()
    with pytest.raises(fc.TicketingError):
        inv.reserve(uuid.UUID(int=1), 0, T0, T0 + timedelta(minutes=1))
    with pytest.raises(fc.TicketingError):
        inv.confirm(uuid.UUID(int=99), T0)


def test_hostile_arguments() -> None:
    inv = fc.Inventory(TYPE, 2)
    with pytest.raises(ValueError):
        inv.reserve(uuid.UUID(int=1), 1, datetime(2026, 7, 1), T0)
    with pytest.raises((OverflowError, TypeError, ValueError)):
        inv.reserve(uuid.UUID(int=1), -1, T0, T0 + timedelta(minutes=1))
    with pytest.raises((OverflowError, TypeError, ValueError)):
        fc.Inventory(TYPE, 2**40)
    with pytest.raises(fc.InputError):
        fc.Inventory("7", 1)


# --- inventory: the rest of the API ---------------------------------------------------------


def test_inventory_holds_lookup_restock_and_invariant() -> None:
    inv = fc.Inventory(TYPE, 5)
    assert inv.ticket_type_id == TYPE
    inv.reserve(uuid.UUID(int=1), 2, T0, T0 + timedelta(minutes=5))
    inv.confirm(uuid.UUID(int=1), T0)
    inv.reserve(uuid.UUID(int=2), 1, T0, T0 + timedelta(minutes=5))
    h = inv.hold(uuid.UUID(int=1))
    assert h is not None and h.state == "confirmed" and h.created_at == T0
    assert inv.hold(uuid.UUID(int=42)) is None
    assert sorted(x.state for x in inv.holds()) == ["confirmed", "held"]
    assert inv.restock(1) == 1 and inv.sold == 1
    with pytest.raises(fc.TicketingError) as ei:
        inv.restock(2)
    assert ei.value.code == "INVENTORY_INVALID_QUANTITY"
    with pytest.raises(fc.TicketingError) as ei:
        inv.reserve(uuid.UUID(int=1), 1, T0, T0 + timedelta(minutes=5))
    assert ei.value.code == "INVENTORY_DUPLICATE_HOLD"
    assert inv.invariant_holds()


# --- ticket types ---------------------------------------------------------------------------

EUR = "EUR"
SALE = datetime(2026, 1, 1, tzinfo=timezone.utc)
DAY = datetime(2026, 7, 4, tzinfo=timezone.utc)


def day_pass(**kw: object) -> fc.TicketType:
    args: dict[str, object] = dict(
        id=TYPE,
        name="Day",
        price=fc.Money("50", EUR),
        capacity=100,
        sale_from=SALE,
        sale_until=DAY,
        valid_from=DAY,
        valid_until=DAY + timedelta(days=1),
        max_per_order=4,
        zones=["main"],
        reentry_allowed=False,
        transfer_limit=1,
    )
    args.update(kw)
    return fc.TicketType(**args)  # type: ignore[arg-type]


def test_ticket_type_fields_and_rules() -> None:
    t = day_pass()
    assert (t.id, t.name, t.price, t.capacity, t.max_per_order) == (TYPE, "Day", fc.Money("50.00", EUR), 100, 4)
    assert (t.sale_from, t.sale_until, t.valid_from, t.valid_until) == (SALE, DAY, DAY, DAY + timedelta(days=1))
    assert (t.zones, t.reentry_allowed, t.transfer_limit) == (["main"], False, 1)
    assert t.opens_zone("main") and not t.opens_zone("backstage")
    assert t.is_valid_at(DAY) and not t.is_valid_at(DAY + timedelta(days=1))
    t.validate()
    t.check_sale(SALE, 4)
    with pytest.raises(fc.TicketingError) as ei:
        t.check_sale(SALE, 5)
    assert ei.value.code == "ORDER_MAX_PER_ORDER_EXCEEDED"
    with pytest.raises(fc.TicketingError) as ei:
        t.check_sale(DAY, 1)
    assert ei.value.code == "TICKET_SALE_CLOSED"
    with pytest.raises(fc.TicketingError) as ei:
        t.check_sale(SALE - timedelta(milliseconds=1), 1)
    assert ei.value.code == "TICKET_SALE_NOT_OPEN"
    assert t == day_pass() and t != day_pass(name="Other")
    assert repr(t).startswith("TicketType(id=UUID('00000000-0000-0000-0000-000000000007'), name=\"Day\", price=Money(")


def test_ticket_type_hostile_input() -> None:
    with pytest.raises(fc.TicketingError) as ei:
        day_pass(name="")
    assert ei.value.code == "TICKET_INVALID"
    with pytest.raises(fc.TicketingError):
        day_pass(sale_until=SALE)
    with pytest.raises(TypeError):
        day_pass(price=50.0)
    with pytest.raises(TypeError):
        day_pass(zones="main")
    with pytest.raises(ValueError):
        day_pass(valid_from=datetime(2026, 7, 4))
    with pytest.raises(fc.InputError):
        day_pass(id="not-a-uuid")


# --- pricing --------------------------------------------------------------------------------


def _m(d: dict[str, str]) -> fc.Money:
    return fc.Money(d["amount"], d["currency"])


def _iso(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _price_from_vector(inp: dict[str, Any]) -> fc.PriceBreakdown:
    cfg = inp["config"]
    promos = []
    for p in inp.get("promos", []):
        d = p["discount"]
        promos.append(
            fc.PromoCode(
                p["code"],
                percent=Decimal(d["percent"]) if d["kind"] == "percentage" else None,
                amount=_m(d["amount"]) if d["kind"] == "fixed_amount" else None,
                max_uses=p.get("max_uses"),
                used=p.get("used", 0),
                expires_at=_iso(p["expires_at"]) if p.get("expires_at") else None,
                min_quantity=p.get("min_quantity", 0),
                ticket_type_ids=[uuid.UUID(x) for x in p.get("ticket_type_ids", [])],
            )
        )
    lines = [(uuid.UUID(ln["ticket_type_id"]), _m(ln["unit_price"]), ln["quantity"]) for ln in inp["lines"]]
    return fc.price_order(
        lines,
        currency=cfg["currency"],
        at=_iso(inp["at"]),
        vat_rate=Decimal(cfg["tax"]["rate"]),
        basis=cfg["tax"]["basis"],
        tax_rounding=cfg["tax"]["rounding"],
        tax_mode=cfg["tax"]["mode"],
        fee_per_ticket=_m(cfg["fees"]["per_ticket"]),
        fee_percent=Decimal(cfg["fees"]["percent"]),
        fee_rounding=cfg["fees"]["rounding"],
        fees_taxable=cfg["fees_taxable"],
        discount_rounding=cfg["discount_rounding"],
        promo_code=inp.get("promo_code"),
        promos=promos,
    )


def _money_json(m: fc.Money) -> dict[str, str]:
    return {"amount": str(m.amount), "currency": m.currency}


def _breakdown_json(b: fc.PriceBreakdown) -> dict[str, Any]:
    keys = ["subtotal", "discount", "fees", "tax", "rounding_adjustment", "total"]
    out: dict[str, Any] = {k: _money_json(getattr(b, k)) for k in keys}
    out["tax_included"] = b.tax_included
    out["promo_code"] = b.promo_code
    out["lines"] = [
        {
            "ticket_type_id": str(ln.ticket_type_id),
            "quantity": ln.quantity,
            "unit_price": _money_json(ln.unit_price),
            **{k: _money_json(getattr(ln, k)) for k in keys},
        }
        for ln in b.lines
    ]
    return out


PRICING = [
    pytest.param(v, id=v["name"])
    for v in json.loads((VECTORS_DIR / "ticketing_pricing.json").read_text(encoding="utf-8"))["vectors"]
    if v["name"] != "float amount is rejected as input"  # JSON-level check; floats are a TypeError here
]


@pytest.mark.parametrize("vector", PRICING)
def test_price_order_matches_every_pricing_vector(vector: dict[str, Any]) -> None:
    if "expected" in vector:
        assert _breakdown_json(_price_from_vector(vector["input"])) == vector["expected"]
    else:
        with pytest.raises(fc.TicketingError) as ei:
            _price_from_vector(vector["input"])
        assert ei.value.code == vector["expected_error"]


def test_price_order_types_repr_and_hostile_input() -> None:
    lines = [(TYPE, fc.Money("10.00", EUR), 3)]
    b = fc.price_order(lines, currency=EUR, at=T0, vat_rate=Decimal("19"), basis="net")
    assert b.total == fc.Money("35.70", EUR) and isinstance(b.total.amount, Decimal)
    assert (b.tax_included, b.promo_code, len(b.lines)) == (False, None, 1)
    assert repr(b).startswith("PriceBreakdown(lines=<1 lines>, subtotal=Money(amount=Decimal('30.00')")
    assert "PricedLine(ticket_type_id=UUID(" in repr(b.lines[0])
    with pytest.raises(TypeError):
        fc.price_order([(TYPE, 10.0, 1)], currency=EUR, at=T0, vat_rate=Decimal("19"))
    with pytest.raises(TypeError):
        fc.price_order(lines, currency=EUR, at=T0, vat_rate=19.0)
    with pytest.raises(TypeError):
        fc.price_order("lines", currency=EUR, at=T0, vat_rate=1)
    with pytest.raises(TypeError):
        fc.price_order(lines, currency=EUR, at=T0, vat_rate=1, promos=["X"])
    with pytest.raises(ValueError):
        fc.price_order(lines, currency=EUR, at=datetime(2026, 1, 1), vat_rate=1)
    with pytest.raises(ValueError):
        fc.price_order(lines, currency=EUR, at=T0, vat_rate=1, basis="gr0ss")
    with pytest.raises(fc.InputError):
        fc.price_order([("nope", fc.Money("1", EUR), 1)], currency=EUR, at=T0, vat_rate=1)
    with pytest.raises(fc.TicketingError) as ei:
        fc.price_order([], currency=EUR, at=T0, vat_rate=1)
    assert ei.value.code == "PRICING_EMPTY_ORDER"


def test_promo_code_api() -> None:
    p = fc.PromoCode("EARLY", percent=Decimal("10"), max_uses=2, min_quantity=2, ticket_type_ids=[TYPE])
    assert (p.code, p.kind, p.percent, p.amount, p.max_uses, p.used) == ("EARLY", "percentage", Decimal("10"), None, 2, 0)
    assert (p.expires_at, p.min_quantity, p.ticket_type_ids) == (None, 2, [TYPE])
    assert p.applies_to(TYPE) and not p.applies_to(uuid.UUID(int=8))
    p.validate(EUR)
    p.check([(TYPE, fc.Money("5", EUR), 2)], T0)
    with pytest.raises(fc.TicketingError) as ei:
        p.check([(TYPE, fc.Money("5", EUR), 1)], T0)
    assert ei.value.code == "PROMO_MIN_QUANTITY_NOT_MET"
    assert (p.record_use(), p.record_use()) == (1, 2)
    with pytest.raises(fc.TicketingError) as ei:
        p.record_use()
    assert ei.value.code == "PROMO_EXHAUSTED" and p.used == 2
    f = fc.PromoCode("FIX", amount=fc.Money("5", EUR), expires_at=T0)
    assert (f.kind, f.amount, f.percent, f.expires_at) == ("fixed_amount", fc.Money("5.00", EUR), None, T0)
    assert "amount=Money(amount=Decimal('5.00')" in repr(f)
    with pytest.raises(fc.TicketingError) as ei:
        fc.PromoCode("BAD", percent=Decimal("101")).validate(EUR)
    assert ei.value.code == "PROMO_INVALID"
    with pytest.raises(ValueError):
        fc.PromoCode("BOTH", percent=Decimal("1"), amount=fc.Money("1", EUR))
    with pytest.raises(ValueError):
        fc.PromoCode("NONE")
    with pytest.raises(TypeError):
        fc.PromoCode("F", percent=0.1)


# --- ticket book ----------------------------------------------------------------------------


def _book(**kw: object) -> fc.TicketBook:
    book = fc.TicketBook()
    book.add_type(day_pass(**kw))
    book.issue(TYPE, uuid.UUID(int=100), "A-100", "Ada", SALE)
    return book


def test_ticket_book_issue_lookup_and_state_machine() -> None:
    book = _book(reentry_allowed=True)
    assert book.ticket_type(TYPE) == day_pass(reentry_allowed=True) and len(book) == 1
    t = book.ticket(uuid.UUID(int=100))
    assert (t.number, t.holder, t.state, t.ticket_type_id, t.order_id, t.used) == ("A-100", "Ada", "valid", TYPE, None, False)
    assert (t.lineage_id, t.transfers, t.issued_at, t.updated_at) == (t.id, 0, SALE, SALE)
    assert (t.first_checked_in_at, t.replaces, t.replaced_by, t.is_void) == (None, None, None, False)
    by = book.by_number("A-100")
    assert by is not None and by.id == t.id and book.by_number("nope") is None
    assert book.next_state(t.id, "check_in") == "checked_in" and book.ticket(t.id).state == "valid"
    t2 = book.check_in(t.id, DAY)
    assert (t2.state, t2.used, t2.first_checked_in_at) == ("checked_in", True, DAY)
    assert book.check_out(t.id, DAY + timedelta(hours=1)).state == "checked_out"
    assert book.apply(t.id, "check_in", DAY + timedelta(hours=2)).first_checked_in_at == DAY
    assert book.revoke(t.id, DAY + timedelta(hours=3)).is_void
    with pytest.raises(fc.TicketingError) as ei:
        book.check_in(t.id, DAY)
    assert ei.value.code == "TICKET_ILLEGAL_TRANSITION" and ei.value.details["state"] == "revoked"
    issued = book.issue_all(TYPE, [(uuid.UUID(int=101), "A-101", "Bo"), (uuid.UUID(int=102), "A-102", "Cy")], SALE, order_id=uuid.UUID(int=9))
    assert [x.order_id for x in issued] == [uuid.UUID(int=9)] * 2 and len(book.tickets()) == 3
    assert book.cancel(uuid.UUID(int=101), SALE).state == "cancelled"
    assert book.refund(uuid.UUID(int=102), SALE).state == "refunded"
    assert repr(book) == "TicketBook(tickets=3)" and "Ticket(id=UUID(" in repr(t)


def test_ticket_book_errors_carry_core_codes() -> None:
    book = _book()
    tid = uuid.UUID(int=100)
    cases: list[tuple[str, Any]] = [
        ("TICKET_DUPLICATE_ID", lambda: book.add_type(day_pass())),
        ("TICKET_UNKNOWN_TYPE", lambda: book.ticket_type(uuid.UUID(int=55))),
        ("TICKET_UNKNOWN", lambda: book.ticket(uuid.UUID(int=55))),
        ("TICKET_DUPLICATE_ID", lambda: book.issue(TYPE, tid, "A-999", "X", SALE)),
        ("TICKET_DUPLICATE_NUMBER", lambda: book.issue(TYPE, uuid.UUID(int=5), "A-100", "X", SALE)),
        ("TICKET_INVALID", lambda: book.issue(TYPE, uuid.UUID(int=5), "", "X", SALE)),
        ("TICKET_DUPLICATE_ID", lambda: book.issue_all(TYPE, [(uuid.UUID(int=6), "B1", "X"), (uuid.UUID(int=6), "B2", "Y")], SALE)),
        ("TICKET_ILLEGAL_TRANSITION", lambda: book.check_out(tid, DAY)),
    ]
    for code, call in cases:
        with pytest.raises(fc.TicketingError) as ei:
            call()
        assert ei.value.code == code, code
    assert len(book) == 1  # all-or-none
    book.check_in(tid, DAY)
    book.check_out(tid, DAY)
    with pytest.raises(fc.TicketingError) as ei:
        book.check_in(tid, DAY)
    assert ei.value.code == "TICKET_REENTRY_NOT_ALLOWED"
    with pytest.raises(fc.TicketingError) as ei:
        book.refund(tid, DAY)
    assert ei.value.code == "TICKET_ALREADY_USED"
    with pytest.raises(ValueError):
        book.apply(tid, "explode", DAY)
    with pytest.raises(TypeError):
        book.issue_all(TYPE, [(1, 2)], SALE)
    with pytest.raises(TypeError):
        book.add_type("Day")  # type: ignore[arg-type]


def test_transfer_replaces_the_ticket_up_to_the_limit() -> None:
    book = _book(transfer_limit=1)
    new = book.transfer(uuid.UUID(int=100), uuid.UUID(int=200), "A-200", "Bea", SALE + timedelta(days=1))
    assert (new.holder, new.transfers, new.replaces, new.lineage_id) == ("Bea", 1, uuid.UUID(int=100), uuid.UUID(int=100))
    old = book.ticket(uuid.UUID(int=100))
    assert (old.state, old.replaced_by) == ("transferred", uuid.UUID(int=200))
    with pytest.raises(fc.TicketingError) as ei:
        book.transfer(uuid.UUID(int=200), uuid.UUID(int=300), "A-300", "Cy", SALE)
    assert ei.value.code == "TICKET_TRANSFER_LIMIT_REACHED"
    with pytest.raises(fc.TicketingError) as ei:
        book.transfer(uuid.UUID(int=100), uuid.UUID(int=300), "A-300", "Cy", SALE)
    assert ei.value.code == "TICKET_ILLEGAL_TRANSITION"


# --- orders ---------------------------------------------------------------------------------


def test_order_flow_place_pay_fulfill_refund() -> None:
    ty, inv, book = day_pass(), fc.Inventory(TYPE, 100), fc.TicketBook()
    book.add_type(ty)
    total = fc.Money("100", EUR)
    now = SALE + timedelta(days=100)
    o = fc.Order.place(uuid.UUID(int=9), ty, inv, 2, total, now, now + timedelta(minutes=15))
    assert (o.id, o.ticket_type_id, o.quantity, o.total, o.state) == (uuid.UUID(int=9), TYPE, 2, total, "pending")
    assert (o.created_at, o.updated_at, o.expires_at, o.paid, o.ticket_ids) == (now, now, now + timedelta(minutes=15), None, [])
    assert inv.counts(now)["held"] == 2
    with pytest.raises(fc.TicketingError) as ei:
        o.pay(inv, fc.Money("99.99", EUR), now)
    assert ei.value.code == "ORDER_PAYMENT_MISMATCH" and ei.value.details["expected"]["amount"] == "100.00"
    assert o.pay(inv, total, now + timedelta(minutes=1)) == "paid" and inv.sold == 2
    with pytest.raises(fc.TicketingError) as ei:
        o.fulfill(book, [(uuid.UUID(int=10), "N-10", "Ada")], now)
    assert ei.value.code == "ORDER_TICKET_COUNT_MISMATCH"
    tickets = [(uuid.UUID(int=10), "N-10", "Ada"), (uuid.UUID(int=11), "N-11", "Bo")]
    assert o.fulfill(book, tickets, now + timedelta(minutes=2)) == "fulfilled"
    assert o.ticket_ids == [uuid.UUID(int=10), uuid.UUID(int=11)] and book.ticket(uuid.UUID(int=10)).order_id == o.id
    assert o.refund(fc.Money("30", EUR), now + timedelta(hours=1)) == "partially_refunded"
    assert (o.refunded, o.refundable(), o.paid) == (fc.Money("30", EUR), fc.Money("70", EUR), total)
    with pytest.raises(fc.TicketingError) as ei:
        o.refund(fc.Money("80", EUR), now)
    assert ei.value.code == "ORDER_REFUND_EXCEEDS_PAID"
    with pytest.raises(fc.TicketingError) as ei:
        o.refund(fc.Money("0", EUR), now)
    assert ei.value.code == "ORDER_INVALID_AMOUNT"
    assert o.apply("refund", inv, book, now, amount=fc.Money("70", EUR)) == "refunded"
    with pytest.raises(fc.TicketingError) as ei:
        o.cancel(inv, now)
    assert ei.value.code == "ORDER_ILLEGAL_TRANSITION"
    assert "Order(id=UUID(" in repr(o) and "state='refunded'" in repr(o)


def test_order_expire_cancel_and_mismatches() -> None:
    ty, inv, book = day_pass(), fc.Inventory(TYPE, 3), fc.TicketBook()
    now = SALE + timedelta(days=100)
    o = fc.Order.place(uuid.UUID(int=1), ty, inv, 3, fc.Money("150", EUR), now, now + timedelta(minutes=15))
    with pytest.raises(fc.TicketingError) as ei:
        fc.Order.place(uuid.UUID(int=2), ty, inv, 1, fc.Money("50", EUR), now, now + timedelta(minutes=15))
    assert ei.value.code == "INVENTORY_SOLD_OUT"
    with pytest.raises(fc.TicketingError) as ei:
        o.expire(inv, now)
    assert ei.value.code == "ORDER_NOT_EXPIRED"
    assert o.apply("expire", inv, book, now + timedelta(minutes=15)) == "expired" and inv.available(now) == 3
    o2 = fc.Order.place(uuid.UUID(int=3), ty, inv, 1, fc.Money("50", EUR), now, now + timedelta(minutes=15))
    assert o2.cancel(inv, now) == "cancelled" and inv.available(now) == 3
    other = fc.Inventory(uuid.UUID(int=99), 3)
    o3 = fc.Order.place(uuid.UUID(int=4), ty, inv, 1, fc.Money("50", EUR), now, now + timedelta(minutes=15))
    with pytest.raises(fc.TicketingError) as ei:
        o3.pay(other, fc.Money("50", EUR), now)
    assert ei.value.code == "ORDER_INVENTORY_MISMATCH"
    with pytest.raises(fc.TicketingError) as ei:
        fc.Order.place(uuid.UUID(int=5), ty, inv, 5, fc.Money("50", EUR), now, now + timedelta(minutes=15))
    assert ei.value.code == "ORDER_MAX_PER_ORDER_EXCEEDED"
    with pytest.raises(ValueError):
        o3.apply("pay", inv, book, now)  # amount= missing
    with pytest.raises(ValueError):
        o3.apply("ship", inv, book, now)
    with pytest.raises(TypeError):
        o3.pay(book, fc.Money("50", EUR), now)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        o3.pay(inv, Decimal("50"), now)
