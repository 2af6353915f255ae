"""Ticket inventory with holds through Python."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

import festival_core as fc

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
