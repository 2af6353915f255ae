"""Access zones through Python: every access vector replayed through AccessControl / TicketBook
objects (not the JSON runner), plus the object API, error classes and hostile input."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

import festival_core as fc
from conftest import VECTORS_DIR

EUR = "EUR"
SALE = datetime(2026, 1, 1, tzinfo=timezone.utc)
DAY = datetime(2026, 7, 4, 10, tzinfo=timezone.utc)


def _iso(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _z(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _ticket_type(t: dict[str, Any]) -> fc.TicketType:
    return fc.TicketType(
        uuid.UUID(t["id"]),
        t["name"],
        fc.Money(t["price"]["amount"], t["price"]["currency"]),
        t["capacity"],
        _iso(t["sale_from"]),
        _iso(t["sale_until"]),
        _iso(t["valid_from"]),
        _iso(t["valid_until"]),
        max_per_order=t["max_per_order"],
        zones=t["zones"],
        reentry_allowed=t["reentry_allowed"],
        transfer_limit=t["transfer_limit"],
    )


def _ticket_step(book: fc.TicketBook, s: dict[str, Any]) -> fc.Ticket:
    at = _iso(s["at"])
    if s["event"] == "issue":
        return book.issue(uuid.UUID(s["ticket_type_id"]), uuid.UUID(s["id"]), s["number"], s["holder"], at)
    if s["event"] == "transfer":
        to = s["to"]
        return book.transfer(uuid.UUID(s["ticket_id"]), uuid.UUID(to["id"]), to["number"], to["holder"], at)
    return book.apply(uuid.UUID(s["ticket_id"]), s["event"], at)


def _ticket_json(t: fc.Ticket) -> dict[str, Any]:
    s = lambda u: None if u is None else str(u)  # noqa: E731
    return {
        "id": str(t.id), "number": t.number, "holder": t.holder, "state": t.state, "used": t.used,
        "lineage_id": str(t.lineage_id), "transfers": t.transfers, "replaces": s(t.replaces),
        "replaced_by": s(t.replaced_by),
    }


def _error(e: fc.FestivalError) -> dict[str, Any]:
    return {"error": e.code, "details": e.details}


def _run(inp: dict[str, Any]) -> dict[str, Any]:
    book = fc.TicketBook()
    for t in inp["ticket_types"]:
        book.add_type(_ticket_type(t))
    for s in inp.get("tickets", []):
        _ticket_step(book, s)
    zones = [
        fc.Zone(z["id"], z["name"], z["capacity"], [uuid.UUID(x) for x in z.get("ticket_type_ids", [])],
                z.get("perimeter", False), z.get("alert_thresholds", []))
        for z in inp["zones"]
    ]
    access = fc.AccessControl(zones)
    results: list[dict[str, Any]] = []
    for step in inp["scans"]:
        try:
            if "ticket" in step:
                t = _ticket_step(book, step["ticket"])
                results.append({"ticket_id": str(t.id), "state": t.state})
                continue
            ticket_id, zone_id, direction, at = uuid.UUID(step["ticket_id"]), step["zone_id"], step["direction"], _iso(step["at"])
            decided = access.decide(book, ticket_id, zone_id, direction, at)
            o = access.scan(book, ticket_id, zone_id, direction, at)
            assert (decided.admitted, decided.reason) == (o.admitted, o.reason)
            r: dict[str, Any] = {"decision": "admit" if o.admitted else "deny", "occupancy": o.occupancy}
            if o.reason is not None:
                r["reason"] = o.reason
            r["alerts"] = [
                {"zone_id": a.zone_id, "threshold_percent": a.threshold_percent, "occupancy": a.occupancy,
                 "capacity": a.capacity, "at": _z(a.at)}
                for a in o.alerts
            ]
            results.append(r)
        except fc.FestivalError as e:
            results.append(_error(e))
    occupancy = [
        {"zone_id": o.zone_id, "occupancy": o.occupancy, "capacity": o.capacity, "entries": o.entries, "exits": o.exits}
        for o in access.occupancies()
    ]
    return {"results": results, "occupancy": occupancy, "tickets": [_ticket_json(t) for t in book.tickets()]}


VECTORS = [
    pytest.param(v, id=v["name"])
    for v in json.loads((VECTORS_DIR / "access_scans.json").read_text(encoding="utf-8"))["vectors"]
]


@pytest.mark.parametrize("vector", VECTORS)
def test_access_vector_through_objects(vector: dict[str, Any]) -> None:
    if "expected" in vector:
        assert _run(vector["input"]) == vector["expected"]
    else:
        with pytest.raises(fc.AccessError) as ei:
            _run(vector["input"])
        assert ei.value.code == vector["expected_error"]


def _setup(capacity: int = 2, thresholds: list[int] | None = None) -> tuple[fc.TicketBook, fc.AccessControl]:
    book = fc.TicketBook()
    tt = uuid.UUID(int=1)
    book.add_type(fc.TicketType(tt, "Day", fc.Money("50", EUR), 100, SALE, DAY, DAY, DAY + timedelta(days=1),
                                zones=["main"], reentry_allowed=True))
    for n in range(1, 4):
        book.issue(tt, uuid.UUID(int=100 + n), f"T-{n}", f"H{n}", SALE)
    zones = [
        fc.Zone("main", "Main", capacity, perimeter=True, alert_thresholds=thresholds or [50, 100]),
        fc.Zone("vip", "VIP", 5, ticket_type_ids=[uuid.UUID(int=2)]),
    ]
    return book, fc.AccessControl(zones)


def test_scan_flow_decision_occupancy_alerts() -> None:
    book, ac = _setup()
    t1, t2, t3 = (uuid.UUID(int=101 + i) for i in range(3))
    z = ac.zone("main")
    assert (z.id, z.name, z.capacity, z.perimeter, z.alert_thresholds, z.ticket_type_ids) == ("main", "Main", 2, True, [50, 100], [])
    assert ac.zone("vip").ticket_type_ids == [uuid.UUID(int=2)]
    d = ac.decide(book, t1, "main", "in", DAY)
    assert d.admitted and bool(d) and d.reason is None and repr(d) == "Decision(admitted=True, reason=None)"
    o = ac.scan(book, t1, "main", "in", DAY)
    assert (o.admitted, o.reason, o.occupancy) == (True, None, 1)
    assert [(a.zone_id, a.threshold_percent, a.occupancy, a.capacity, a.at) for a in o.alerts] == [("main", 50, 1, 2, DAY)]
    assert book.ticket(t1).state == "checked_in" and ac.is_inside("main", t1)
    again = ac.scan(book, t1, "main", "in", DAY)
    assert (again.admitted, again.reason) == (False, "already_inside")
    assert repr(again) == "ScanOutcome(admitted=False, reason='already_inside', occupancy=1, alerts=<0 alerts>)"
    assert [a.threshold_percent for a in ac.scan(book, t2, "main", "in", DAY).alerts] == [100]
    full = ac.scan(book, t3, "main", "in", DAY)
    assert (full.admitted, full.reason) == (False, "zone_full")
    assert ac.decide(book, t1, "vip", "in", DAY).reason == "wrong_zone"
    assert ac.scan(book, t1, "main", "out", DAY).occupancy == 1 and book.ticket(t1).state == "checked_out"
    occ = ac.occupancy("main")
    assert (occ.zone_id, occ.occupancy, occ.capacity, occ.entries, occ.exits) == ("main", 1, 2, 2, 1)
    assert [o.zone_id for o in ac.occupancies()] == ["main", "vip"]
    assert "ZoneOccupancy(zone_id=\"main\"" in repr(occ) and "AccessControl(zones=" in repr(ac)
    assert "Zone(id=\"main\"" in repr(z)


def test_access_errors_and_hostile_input() -> None:
    book, ac = _setup()
    with pytest.raises(fc.AccessError) as ei:
        ac.scan(book, uuid.UUID(int=101), "moon", "in", DAY)
    assert ei.value.code == "ACCESS_UNKNOWN_ZONE" and ei.value.details == {"zone_id": "moon"}
    with pytest.raises(fc.AccessError) as ei:
        ac.decide(book, uuid.UUID(int=999), "main", "in", DAY)
    assert ei.value.code == "ACCESS_UNKNOWN_TICKET"
    with pytest.raises(fc.AccessError) as ei:
        ac.occupancy("moon")
    assert ei.value.code == "ACCESS_UNKNOWN_ZONE"
    with pytest.raises(fc.AccessError) as ei:
        ac.is_inside("moon", uuid.UUID(int=101))
    assert ei.value.code == "ACCESS_UNKNOWN_ZONE"
    with pytest.raises(fc.AccessError) as ei:
        fc.AccessControl([fc.Zone("a", "A", 0)])
    assert ei.value.code == "ACCESS_INVALID_ZONE"
    with pytest.raises(fc.AccessError) as ei:
        fc.AccessControl([fc.Zone("a", "A", 1), fc.Zone("a", "B", 1)])
    assert ei.value.code == "ACCESS_DUPLICATE_ZONE"
    with pytest.raises(fc.AccessError):
        fc.AccessControl([fc.Zone("a", "A", 1, alert_thresholds=[0])])
    with pytest.raises(ValueError):
        ac.scan(book, uuid.UUID(int=101), "main", "sideways", DAY)
    with pytest.raises(ValueError):
        ac.scan(book, uuid.UUID(int=101), "main", "in", datetime(2026, 7, 4, 12))
    with pytest.raises(fc.InputError):
        ac.scan(book, "not-a-uuid", "main", "in", DAY)
    with pytest.raises(TypeError):
        ac.scan("book", uuid.UUID(int=101), "main", "in", DAY)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fc.AccessControl(["main"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        fc.Zone("a", "A", 1, ticket_type_ids="00000000-0000-0000-0000-000000000001")
    with pytest.raises((OverflowError, TypeError)):
        fc.Zone("a", "A", -1)
    assert ac.occupancy("main").occupancy == 0  # nothing changed


def test_festival_day_tickets_to_gates() -> None:
    """A realistic flow: price, order, pay, fulfil, scan in, leave, refund denied once used."""
    tt = uuid.UUID(int=1)
    ty = fc.TicketType(tt, "Day", fc.Money("59.00", EUR), 10, SALE, DAY, DAY, DAY + timedelta(hours=18),
                       max_per_order=4, zones=["main"])
    book, inv = fc.TicketBook(), fc.Inventory(tt, ty.capacity)
    book.add_type(ty)
    now = SALE + timedelta(days=30)
    promo = fc.PromoCode("DUO", percent=Decimal("10"), min_quantity=2)
    price = fc.price_order([(tt, ty.price, 2)], currency=EUR, at=now, vat_rate=Decimal("19"),
                           fee_per_ticket=fc.Money("1.50", EUR), promo_code="duo", promos=[promo])
    assert price.total == fc.Money("109.20", EUR) and price.promo_code == "DUO"
    order = fc.Order.place(uuid.UUID(int=50), ty, inv, 2, price.total, now, now + timedelta(minutes=15))
    order.pay(inv, price.total, now + timedelta(minutes=3))
    promo.record_use()
    order.fulfill(book, [(uuid.UUID(int=60), "D-1", "Ada"), (uuid.UUID(int=61), "D-2", "Bo")], now + timedelta(minutes=4))
    gates = fc.AccessControl([fc.Zone("main", "Main", 5000, perimeter=True, alert_thresholds=[80])])
    assert gates.scan(book, uuid.UUID(int=60), "main", "in", DAY + timedelta(hours=2)).admitted
    assert gates.scan(book, uuid.UUID(int=60), "main", "out", DAY + timedelta(hours=3)).admitted
    assert gates.scan(book, uuid.UUID(int=60), "main", "in", DAY + timedelta(hours=4)).reason == "reentry_not_allowed"
    with pytest.raises(fc.TicketingError) as ei:
        book.refund(uuid.UUID(int=60), DAY)
    assert ei.value.code == "TICKET_ALREADY_USED"
    assert book.refund(uuid.UUID(int=61), DAY).state == "refunded" and inv.restock(1) == 1
    assert order.refund(fc.Money("54.60", EUR), DAY) == "partially_refunded"
    assert gates.scan(book, uuid.UUID(int=61), "main", "in", DAY + timedelta(hours=2)).reason == "refunded"
    assert (promo.used, inv.sold, gates.occupancy("main").entries) == (1, 1, 1)
