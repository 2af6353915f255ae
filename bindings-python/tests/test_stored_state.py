"""Stored state of Inventory, Order, TicketBook and AccessControl: ``to_json()`` / ``from_json()``
round trips, and the core's checks of tampered state (each with its stable ``.code``)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest

import festival_core as fc

EUR = "EUR"
TYPE = uuid.UUID(int=7)
SALE = datetime(2026, 1, 1, tzinfo=timezone.utc)
DAY = datetime(2026, 7, 4, 10, tzinfo=timezone.utc)
NOW = SALE + timedelta(days=100)


def _day_pass() -> fc.TicketType:
    return fc.TicketType(TYPE, "Day", fc.Money("50", EUR), 100, SALE, DAY, DAY, DAY + timedelta(days=1),
                         max_per_order=4, zones=["main"], reentry_allowed=True, transfer_limit=1)


def _tamper(text: str, edit: Callable[[dict[str, Any]], None]) -> str:
    state = json.loads(text)
    edit(state)
    return json.dumps(state)


def _state_error(cls: Any, text: str, exc: type[fc.FestivalError], code: str) -> fc.FestivalError:
    with pytest.raises(exc) as ei:
        cls.from_json(text)
    assert ei.value.code == code
    return ei.value


def test_inventory_round_trip_and_tampering() -> None:
    inv = fc.Inventory(TYPE, 5)
    inv.reserve(uuid.UUID(int=1), 2, NOW, NOW + timedelta(minutes=15))
    inv.confirm(uuid.UUID(int=1), NOW)
    inv.reserve(uuid.UUID(int=2), 3, NOW, NOW + timedelta(minutes=15))
    text = inv.to_json()
    back = fc.Inventory.from_json(text)
    assert back.to_json() == text
    assert (back.sold, back.counts(NOW)) == (inv.sold, inv.counts(NOW))
    e = _state_error(fc.Inventory, _tamper(text, lambda s: s.update(sold=3)), fc.TicketingError,
                     "INVENTORY_STATE_INVALID")
    assert "exceeds the capacity" in e.details["reason"]
    for bad in ["", "{", "[]", '{"ticket_type_id": 1}']:
        assert _state_error(fc.Inventory, bad, fc.InputError, "INPUT_INVALID").details["field"] == "state"


def test_order_round_trip_and_tampering() -> None:
    ty, inv, book = _day_pass(), fc.Inventory(TYPE, 100), fc.TicketBook()
    book.add_type(ty)
    o = fc.Order.place(uuid.UUID(int=9), ty, inv, 2, fc.Money("100", EUR), NOW, NOW + timedelta(minutes=15))
    o.pay(inv, fc.Money("100", EUR), NOW)
    o.fulfill(book, [(uuid.UUID(int=10), "N-10", "Ada"), (uuid.UUID(int=11), "N-11", "Bo")], NOW)
    o.refund(fc.Money("30", EUR), NOW)
    text = o.to_json()
    back = fc.Order.from_json(text)
    assert back.to_json() == text
    assert (back.state, back.refundable(), back.ticket_ids) == ("partially_refunded", fc.Money("70", EUR), o.ticket_ids)
    e = _state_error(fc.Order, _tamper(text, lambda s: s.update(paid=None)), fc.TicketingError, "ORDER_STATE_INVALID")
    assert e.details["reason"] == "the payment does not match the order state"
    refunded = json.loads(text)["paid"] | {"amount": "100.01"}
    _state_error(fc.Order, _tamper(text, lambda s: s.update(refunded=refunded)), fc.TicketingError,
                 "ORDER_STATE_INVALID")
    _state_error(fc.Order, "[]", fc.InputError, "INPUT_INVALID")


def test_ticket_book_round_trip_and_tampering() -> None:
    book = fc.TicketBook()
    book.add_type(_day_pass())
    book.issue(TYPE, uuid.UUID(int=1), "A1", "Ada", NOW)
    book.issue(TYPE, uuid.UUID(int=2), "A2", "Bo", NOW)
    book.transfer(uuid.UUID(int=2), uuid.UUID(int=3), "A3", "Cy", NOW)
    text = book.to_json()
    back = fc.TicketBook.from_json(text)
    assert back.to_json() == text
    assert [t.number for t in back.tickets()] == ["A1", "A2", "A3"]
    misfiled = _tamper(text, lambda s: s["numbers"].update(A1=str(uuid.UUID(int=2))))
    e = _state_error(fc.TicketBook, misfiled, fc.TicketingError, "TICKET_STATE_INVALID")
    assert "not indexed by its number" in e.details["reason"]
    _state_error(fc.TicketBook, _tamper(text, lambda s: s.update(types={})), fc.TicketingError, "TICKET_STATE_INVALID")
    _state_error(fc.TicketBook, "nope", fc.InputError, "INPUT_INVALID")


def test_access_control_round_trip_and_tampering() -> None:
    book = fc.TicketBook()
    book.add_type(_day_pass())
    book.issue(TYPE, uuid.UUID(int=1), "A1", "Ada", NOW)
    ac = fc.AccessControl([fc.Zone("main", "Main", 2, perimeter=True, alert_thresholds=[50, 100])])
    assert ac.scan(book, uuid.UUID(int=1), "main", "in", DAY).admitted
    text = ac.to_json()
    back = fc.AccessControl.from_json(text)
    assert back.to_json() == text
    assert back.is_inside("main", uuid.UUID(int=1)) and back.occupancy("main").occupancy == 1

    def move(s: dict[str, Any]) -> None:
        s["zones"]["elsewhere"] = s["zones"].pop("main")

    e = _state_error(fc.AccessControl, _tamper(text, move), fc.AccessError, "ACCESS_STATE_INVALID")
    assert "filed under another id" in e.details["reason"]
    _state_error(fc.AccessControl, _tamper(text, lambda s: s["zones"]["main"].update(exits=1)), fc.AccessError,
                 "ACCESS_STATE_INVALID")
    _state_error(fc.AccessControl, _tamper(text, lambda s: s["zones"]["main"]["zone"].update(capacity=0)),
                 fc.AccessError, "ACCESS_INVALID_ZONE")
    _state_error(fc.AccessControl, "7", fc.InputError, "INPUT_INVALID")
