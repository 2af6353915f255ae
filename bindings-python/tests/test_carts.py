"""Carts through Python: price_cart (promo per line / per order, line and order fees, VAT per
line), shared quotas (QuotaBook) and CartOrder with idempotent line refunds."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

import festival_core as fc

NOW = datetime(2026, 5, 1, 10, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(minutes=15)
AFTER = NOW + timedelta(days=1)
DAY, WEEKEND, PARKING, SHIRT = (uuid.UUID(int=n) for n in (1, 2, 3, 4))
FESTIVAL_Q, PARKING_Q, MERCH_Q = (uuid.UUID(int=n) for n in (10, 11, 12))
ORDER = uuid.UUID(int=50)


def eur(a: str) -> fc.Money:
    return fc.Money(Decimal(a), "EUR")


def line(n: int) -> uuid.UUID:
    return uuid.UUID(int=100 + n)


def ticket_type(tid: uuid.UUID, name: str, price: str) -> fc.TicketType:
    return fc.TicketType(
        tid, name, eur(price), 1000,
        datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2026, 7, 4, 18, tzinfo=timezone.utc),
        datetime(2026, 7, 4, 10, tzinfo=timezone.utc), datetime(2026, 7, 6, 4, tzinfo=timezone.utc),
        max_per_order=4, zones=["main"],
    )


def catalog() -> fc.Catalog:
    return fc.Catalog(
        [ticket_type(DAY, "Day", "59.00"), ticket_type(WEEKEND, "Weekend", "149.00")],
        [fc.AddOn(PARKING, "Parking", eur("20.00"), max_per_order=2), fc.AddOn(SHIRT, "Shirt", eur("25.00"), max_per_order=5)],
        {DAY: Decimal("7"), WEEKEND: Decimal("7")},
    )


def config() -> fc.CartConfig:
    return fc.CartConfig(currency="EUR", vat_rate=Decimal("19"), fee_per_ticket=eur("2.00"), fee_rounding="half_up",
                         order_fees=[("booking", eur("1.50"), Decimal("0"))], extra_fee_rounding="half_up")


def quotas() -> fc.QuotaBook:
    return fc.QuotaBook([
        fc.Quota(FESTIVAL_Q, "Festival", 5, [DAY, WEEKEND]),
        fc.Quota(PARKING_Q, "Parking", 1, [PARKING]),
        fc.Quota(MERCH_Q, "Merch", None, [SHIRT]),
    ])


TENOFF = fc.PromoCode("TENOFF", amount=eur("10.00"))


def test_price_cart_splits_order_fees_and_taxes_per_rate() -> None:
    crew = fc.PromoCode("CREW", amount=eur("10.00"), scope="line", ticket_type_ids=[WEEKEND])
    assert crew.scope == "line" and crew.valid_from is None
    lines = [fc.CartLine(line(1), WEEKEND, eur("149.00"), 2, tax_rate=Decimal("7")),
             fc.CartLine(line(2), PARKING, eur("20.00"), 1, kind="add_on")]
    assert (lines[1].kind, lines[1].tax_rate, lines[0].tax_rate) == ("add_on", None, Decimal("7"))
    b = fc.price_cart(lines, config(), at=NOW, promo_code="crew", promos=[crew])
    assert [(l.discount, l.fees, l.order_fees, l.total) for l in b.lines] == [
        (eur("20.00"), eur("4.00"), eur("1.40"), eur("283.40")),
        (eur("0.00"), eur("0.00"), eur("0.10"), eur("20.10")),
    ]
    assert b.order_fee_lines == [("booking", eur("1.50"))]
    assert [(t.rate, t.tax) for t in b.taxes] == [(Decimal("7"), eur("18.54")), (Decimal("19"), eur("3.21"))]
    assert (b.total, b.promo_code, b.lines[1].item_id) == (eur("303.50"), "CREW", PARKING)
    assert "CartBreakdown(" in repr(b) and "PricedCartLine(" in repr(b.lines[0])
    later = fc.PromoCode("LATER", percent=Decimal("15"), scope="order", valid_from=NOW + timedelta(days=1))
    with pytest.raises(fc.TicketingError) as ei:
        fc.price_cart(lines, config(), at=NOW, promo_code="later", promos=[later])
    assert ei.value.code == "PROMO_NOT_YET_VALID"
    with pytest.raises(fc.TicketingError) as ei:
        fc.price_cart([lines[0], fc.CartLine(line(1), SHIRT, eur("1"), 1, kind="add_on")], config(), at=NOW)
    assert ei.value.code == "PRICING_DUPLICATE_LINE"
    with pytest.raises(ValueError):
        fc.CartLine(line(1), SHIRT, eur("1"), 1, kind="merch")
    with pytest.raises(TypeError):
        fc.CartLine(line(1), SHIRT, 1.5, 1)  # floats are never money
    assert '"order_fees"' in config().to_json()


def test_quota_book_shares_quotas_and_gives_units_back_once() -> None:
    q = quotas()
    hold = q.reserve(uuid.UUID(int=90), [(line(1), DAY, 3), (line(2), PARKING, 1)], NOW, LATER)
    assert hold.state == "held" and hold.lines[0]["quota_ids"] == [FESTIVAL_Q]
    assert (q.available(WEEKEND, NOW), q.available(SHIRT, NOW)) == (2, None)
    with pytest.raises(fc.TicketingError) as ei:
        q.reserve(uuid.UUID(int=91), [(line(1), WEEKEND, 3)], NOW, LATER)
    assert ei.value.code == "QUOTA_EXHAUSTED"
    assert ei.value.details == {"quota_id": str(FESTIVAL_Q), "requested": 3, "available": 2}
    with pytest.raises(fc.TicketingError) as ei:
        q.available(uuid.UUID(int=999), NOW)
    assert ei.value.code == "QUOTA_NOT_COVERED"
    with pytest.raises(fc.TicketingError) as ei:
        q.confirm(uuid.UUID(int=90), LATER)
    assert ei.value.code == "INVENTORY_HOLD_EXPIRED"
    assert [h.id for h in q.expire(LATER)] == [uuid.UUID(int=90)]
    assert q.available(WEEKEND, LATER) == 5
    q.reserve(uuid.UUID(int=92), [(line(1), WEEKEND, 2)], LATER, AFTER)
    assert q.confirm(uuid.UUID(int=92), LATER).state == "confirmed"
    assert q.refund_line(uuid.UUID(int=92), line(1), 1) == 1
    assert q.counts(LATER)[FESTIVAL_Q] == {"size": 5, "sold": 1, "held": 0, "available": 4}
    assert q.counts(LATER)[MERCH_Q]["available"] is None
    assert q.invariant_holds()
    back = fc.QuotaBook.from_json(q.to_json())
    assert back.to_json() == q.to_json() and [x.name for x in back.quotas()] == ["Festival", "Parking", "Merch"]
    assert q.hold(uuid.UUID(int=92)) is not None and q.hold(uuid.UUID(int=93)) is None
    with pytest.raises(fc.TicketingError) as ei:
        q.release(uuid.UUID(int=92))
    assert ei.value.code == "INVENTORY_HOLD_NOT_ACTIVE"


def test_cart_order_refunds_lines_idempotently_until_refunded_equals_paid() -> None:
    q = quotas()
    book = fc.TicketBook()
    for t in (ticket_type(DAY, "Day", "59.00"), ticket_type(WEEKEND, "Weekend", "149.00")):
        book.add_type(t)
    o = fc.CartOrder.place(ORDER, [(line(1), WEEKEND, 2), (line(2), PARKING, 1), (line(3), SHIRT, 3)],
                           catalog=catalog(), config=config(), quotas=q, now=NOW, expires_at=LATER,
                           promo_code="tenoff", promos=[TENOFF])
    assert (o.state, o.total) == ("pending", eur("388.50"))
    assert [l.total for l in o.breakdown.lines] == [eur("295.56"), eur("19.57"), eur("73.37")]
    with pytest.raises(fc.TicketingError) as ei:
        fc.CartOrder.place(uuid.UUID(int=51), [(line(1), PARKING, 1)], catalog=catalog(), config=config(), quotas=q,
                           now=NOW, expires_at=LATER)
    assert ei.value.code == "QUOTA_EXHAUSTED"
    assert o.pay(q, eur("388.50"), NOW) == "paid"
    tickets = [(uuid.UUID(int=200 + n), f"W-{n}", "Ada") for n in range(2)]
    assert o.fulfill(book, tickets, NOW) == "fulfilled"
    assert o.tickets == {line(1): [uuid.UUID(int=200), uuid.UUID(int=201)]}

    r = o.refund_line(uuid.UUID(int=70), line(2), 1, AFTER, quotas=q, book=book)
    assert (r.amount, r.quantity, r.ticket_ids, r.at) == (eur("19.57"), 1, [], AFTER)
    again = o.refund_line(uuid.UUID(int=70), line(2), 1, AFTER + timedelta(hours=1), quotas=q)
    assert (again.amount, again.at) == (r.amount, AFTER), "repeating a refund id changes nothing"
    assert q.available(PARKING, AFTER) == 1
    with pytest.raises(fc.TicketingError) as ei:
        o.refund_line(uuid.UUID(int=70), line(3), 1, AFTER, quotas=q)
    assert ei.value.code == "ORDER_REFUND_CONFLICT"
    with pytest.raises(fc.TicketingError) as ei:
        o.refund_line(uuid.UUID(int=71), line(2), 1, AFTER, quotas=q)
    assert ei.value.code == "ORDER_REFUND_EXCEEDS_LINE"
    assert o.line_refund_amount(line(1), 1) == eur("147.78")
    o.refund_line(uuid.UUID(int=72), line(1), 1, AFTER, quotas=q, book=book, ticket_ids=[uuid.UUID(int=201)])
    assert book.ticket(uuid.UUID(int=201)).state == "refunded"
    shirts = [o.refund_line(uuid.UUID(int=73 + i), line(3), n, AFTER, quotas=q).amount for i, n in enumerate((1, 2))]
    assert shirts == [eur("24.46"), eur("48.91")]  # 73.37 = 24.46 + 24.46 + 24.45
    o.refund_line(uuid.UUID(int=80), line(1), 1, AFTER, quotas=q, book=book, ticket_ids=[uuid.UUID(int=200)])
    assert (o.state, o.refunded, o.refundable, o.paid) == ("refunded", eur("388.50"), eur("0.00"), eur("388.50"))
    assert o.refunded_quantity(line(3)) == 3 and len(o.refunds) == 5
    assert q.counts(AFTER)[FESTIVAL_Q]["sold"] == 0
    stored = fc.CartOrder.from_json(o.to_json())
    assert stored.to_json() == o.to_json() and "CartOrder(" in repr(stored)
    with pytest.raises(fc.TicketingError) as ei:
        fc.CartOrder.from_json(o.to_json().replace('"state":"refunded"', '"state":"paid"'))
    assert ei.value.code == "ORDER_STATE_INVALID"


def test_cart_order_placement_rules_and_expiry() -> None:
    q = quotas()
    with pytest.raises(fc.TicketingError) as ei:
        fc.CartOrder.place(ORDER, [(line(1), uuid.UUID(int=999), 1)], catalog=catalog(), config=config(), quotas=q,
                           now=NOW, expires_at=LATER)
    assert ei.value.code == "ORDER_UNKNOWN_ITEM"
    with pytest.raises(fc.TicketingError) as ei:
        fc.CartOrder.place(ORDER, [(line(1), PARKING, 1), (line(2), PARKING, 2)], catalog=catalog(), config=config(),
                           quotas=q, now=NOW, expires_at=LATER)
    assert (ei.value.code, ei.value.details) == ("ORDER_MAX_PER_ORDER_EXCEEDED", {"requested": 3, "max": 2})
    o = fc.CartOrder.place(ORDER, [(line(1), DAY, 4), (line(2), PARKING, 1)], catalog=catalog(), config=config(),
                           quotas=q, now=NOW, expires_at=LATER)
    assert q.available(WEEKEND, NOW) == 1 and o.expires_at == LATER
    with pytest.raises(fc.TicketingError) as ei:
        o.expire(q, NOW)
    assert ei.value.code == "ORDER_NOT_EXPIRED"
    assert o.expire(q, LATER) == "expired"
    assert q.available(WEEKEND, LATER) == 5
    o2 = fc.CartOrder.place(uuid.UUID(int=52), [(line(1), SHIRT, 1)], catalog=catalog(), config=config(), quotas=q,
                            now=LATER, expires_at=AFTER)
    assert o2.cancel(q, LATER) == "cancelled"
    with pytest.raises(fc.TicketingError):
        fc.Catalog([ticket_type(DAY, "Day", "1")], [fc.AddOn(DAY, "Clash", eur("1"))])
    with pytest.raises(fc.TicketingError) as ei:
        fc.AddOn(SHIRT, "Shirt", eur("1"), max_per_order=0)
    assert ei.value.code == "TICKET_INVALID"
    with pytest.raises(fc.TicketingError) as ei:
        fc.QuotaBook([fc.Quota(FESTIVAL_Q, "A", 1, [])])
    assert ei.value.code == "QUOTA_INVALID"
    a = fc.AddOn(SHIRT, "Shirt", eur("25.00"))
    assert (a.id, a.name, a.price, a.max_per_order) == (SHIRT, "Shirt", eur("25.00"), 10)
    qq = fc.Quota(PARKING_Q, "Parking", None, [PARKING])
    assert (qq.id, qq.size, qq.item_ids) == (PARKING_Q, None, [PARKING])
    cl = fc.CartLine(line(9), SHIRT, eur("1.00"), 2, kind="add_on")
    assert (cl.line_id, cl.item_id, cl.unit_price, cl.quantity) == (line(9), SHIRT, eur("1.00"), 2)
