"""Check-in policies, festival calendars and scans as facts in Python: the shared evaluator with
snake_case keywords, AccessControl with policies (gate, annul, leaving zones), calendars across
daylight saving, scan facts signed by a gate and reconciled (admitted_in_error, recorded
denials), and failed-scan statistics."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

import festival_core as fc

UTC = timezone.utc
CEST = timezone(timedelta(hours=2))
TYPE = uuid.UUID(int=0x7001)
TICKET = uuid.UUID(int=0x11)


def _policy(**extra: object) -> fc.CheckinPolicy:
    base = {"id": "arena", "version": 3, "zones": ["main"],
            "calendar": {"time_zone": "Europe/Berlin", "day_starts_at": "06:00"}}
    base.update(extra)
    return fc.CheckinPolicy.from_json(json.dumps(base))


def test_festival_calendar_days_across_the_cutoff_and_dst() -> None:
    cal = fc.FestivalCalendar("Europe/Berlin", "06:00")
    assert cal.day_of(datetime(2026, 7, 5, 5, 59, tzinfo=CEST)) == date(2026, 7, 4)
    assert cal.day_of(datetime(2026, 7, 5, 6, 1, tzinfo=CEST)) == date(2026, 7, 5)
    assert cal.weekday(datetime(2026, 7, 5, 5, 59, tzinfo=CEST)) == 6
    assert cal.length_minutes(date(2026, 3, 28)) == 23 * 60
    assert cal.length_minutes(date(2026, 10, 24)) == 25 * 60
    start, end = cal.bounds(date(2026, 3, 28))
    assert (start, end) == (datetime(2026, 3, 28, 5, tzinfo=UTC), datetime(2026, 3, 29, 4, tzinfo=UTC))
    with pytest.raises(fc.InputError) as e:
        fc.FestivalCalendar("Europe/Atlantis")
    assert e.value.code == "CALENDAR_UNKNOWN_TIME_ZONE"
    with pytest.raises(fc.InputError) as e:
        fc.FestivalCalendar("UTC", "6am")
    assert e.value.code == "CALENDAR_INVALID_DAY_START"


def test_policy_limits_and_rules_name_what_decided() -> None:
    p = _policy(max_entries_per_day=1,
                rules={"or": [{"==": [{"var": "attributes.vip"}, True]}, {"<": [{"var": "entries_days"}, 2]}]})
    assert (p.id, p.version, p.zones) == ("arena", 3, ["main"])
    d = p.evaluate(TYPE, "main", datetime(2026, 7, 5, 5, 59, tzinfo=CEST), history=[datetime(2026, 7, 4, 21, tzinfo=UTC)])
    assert (d.admitted, d.reason, d.check, d.policy_version) == (False, "max_entries_per_day_reached", "max_entries_per_day", 3)
    assert p.evaluate(TYPE, "main", datetime(2026, 7, 5, 6, 1, tzinfo=CEST),
                      history=[datetime(2026, 7, 4, 21, tzinfo=UTC)]).admitted
    third = [datetime(2026, 7, 4, 12, tzinfo=UTC), datetime(2026, 7, 5, 12, tzinfo=UTC)]
    r = p.evaluate(TYPE, "main", datetime(2026, 7, 6, 12, tzinfo=UTC), history=third)
    assert (r.reason, r.rule_path, r.rule_operator, r.rule_variable) == ("rules", "/or/0", "==", "attributes.vip")
    assert p.evaluate(TYPE, "main", datetime(2026, 7, 6, 12, tzinfo=UTC), attributes={"vip": True}, history=third).admitted
    assert p.evaluate(TYPE, "main", datetime(2026, 7, 6, 12, tzinfo=UTC), direction="out").check == "exit"
    assert not p.evaluate(TYPE, "main", datetime(2026, 7, 6, 12, tzinfo=UTC), pending=True).admitted
    with pytest.raises(TypeError):
        p.evaluate(TYPE, "main", datetime(2026, 7, 6, 12, tzinfo=UTC), attributes={"vip": 1.5})  # type: ignore[dict-item]
    assert json.loads(p.to_json())["rules"]["or"][0]["=="][0]["var"] == "attributes.vip"


@pytest.mark.parametrize("rule, code", [
    ({"xor": [True]}, "ACCESS_RULE_UNKNOWN_OPERATOR"),
    ({"var": "entries_tomorrow"}, "ACCESS_RULE_UNKNOWN_VARIABLE"),
    ({"!": [True, False]}, "ACCESS_RULE_ARITY"),
    ({"<": [{"var": "entries_number"}, 1.5]}, "ACCESS_RULE_INVALID_VALUE"),
    ({"or": [True] * 256}, "ACCESS_RULE_TOO_LARGE"),
])
def test_bad_rules_raise_access_errors_with_codes(rule: object, code: str) -> None:
    with pytest.raises(fc.AccessError) as e:
        _policy(rules=rule)
    assert e.value.code == code


def test_access_control_with_policies_annul_and_leaving_zones() -> None:
    sale = datetime(2026, 5, 1, tzinfo=UTC)
    book = fc.TicketBook()
    book.add_type(fc.TicketType(TYPE, "Weekend", fc.Money("150", "EUR"), 10, datetime(2026, 1, 1, tzinfo=UTC),
                                datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC),
                                datetime(2026, 7, 8, tzinfo=UTC), zones=["gate", "arena", "front"], reentry_allowed=True))
    book.issue(TYPE, TICKET, "W-1", "Ada", sale)
    ac = fc.AccessControl([fc.Zone("gate", "Gate", 100, perimeter=True), fc.Zone("arena", "Arena", 100),
                           fc.Zone("front", "Front", 10)])
    ac.set_policy(fc.CheckinPolicy.from_json(json.dumps(
        {"id": "perimeter", "version": 5, "zones": ["gate"], "gates": ["north"], "max_entries_per_day": 1})))
    ac.set_policy(fc.CheckinPolicy.from_json(json.dumps({"id": "front", "version": 1, "zones": ["front"],
                                                         "leaves_zones": ["arena"]})))
    assert [p.id for p in ac.policies()] == ["front", "perimeter"]
    at = datetime(2026, 7, 4, 16, tzinfo=UTC)
    east = ac.scan(book, TICKET, "gate", "in", at, gate="east")
    assert east.policy is not None
    assert (east.admitted, east.reason, east.policy.check) == (False, "wrong_gate", "gates")
    assert ac.scan(book, TICKET, "gate", "in", at, gate="north").admitted
    occ = ac.annul(book, TICKET, "gate", at + timedelta(minutes=1))
    assert (occ.occupancy, occ.entries) == (0, 0)
    assert book.ticket(TICKET).state == "valid"
    with pytest.raises(fc.AccessError) as e:
        ac.annul(book, TICKET, "gate", at)
    assert e.value.code == "ACCESS_NOTHING_TO_ANNUL"
    assert ac.scan(book, TICKET, "gate", "in", at + timedelta(minutes=5), gate="north").admitted
    ac.scan(book, TICKET, "arena", "in", at + timedelta(minutes=10))
    front = ac.scan(book, TICKET, "front", "in", at + timedelta(minutes=20))
    assert front.left_zones == ["arena"] and not ac.is_inside("arena", TICKET)
    assert fc.AccessControl.from_json(ac.to_json()).policies()[1].version == 5


def test_scans_are_facts_reconciled_with_the_same_evaluator() -> None:
    festival, zone, gate_id = uuid.UUID(int=0xF0), uuid.UUID(int=0xC1), uuid.UUID(int=0xD3)
    seed = bytes([3]) * 32
    t0 = datetime(2026, 7, 4, 14, tzinfo=UTC)
    log = fc.DeviceLog(fc.DeviceSigner(seed, gate_id, festival), "EUR", per_payment=fc.Money("50", "EUR"),
                       per_wallet_offline=fc.Money("50", "EUR"), max_stored_value=fc.Money("500", "EUR"),
                       max_queued_records=10)
    first = log.record_scan(uuid.UUID(int=0x101), t0, TICKET, zone, "in", admitted=True, policy_version=5,
                            revocation_version=2)
    assert first.to_bytes()[3] == 3  # record encoding version 3
    log.record_scan(uuid.UUID(int=0x102), t0 + timedelta(minutes=1), TICKET, zone, "in", admitted=True, policy_version=5)
    log.record_scan(uuid.UUID(int=0x103), t0 + timedelta(minutes=2), uuid.UUID(int=0x12), zone, "in", admitted=False,
                    reason="wrong_gate", policy_version=5)
    with pytest.raises(ValueError):
        log.record_scan(uuid.UUID(int=0x104), t0, TICKET, zone, "in", admitted=False)
    registry = fc.DeviceRegistry([fc.DeviceEntry(gate_id, fc.public_key_from_seed(seed), festival, "gate",
                                                 t0 - timedelta(days=1), t0 + timedelta(days=3), [zone])])
    state = fc.ReconcileState(festival, "EUR")
    state.set_ticket(TICKET, ticket_type_id=TYPE)
    state.set_ticket(uuid.UUID(int=0x12))
    state.set_checkin_policy(fc.CheckinPolicy.from_json(json.dumps(
        {"id": "perimeter", "version": 5, "zones": [str(zone)], "max_entries_per_day": 1})))
    report = fc.reconcile(state, registry, [log.export_batch()], t0 + timedelta(hours=1))
    assert [r.status for r in report.records] == ["accepted", "conflict", "recorded"]
    assert report.counts["recorded"] == 1
    second = next(s for s in report.scans if s.record_id == uuid.UUID(int=0x102))
    assert (second.applied, second.admitted_in_error) == (True, "RECONCILE_DOUBLE_ADMISSION")
    assert second.server_policy is not None and second.server_policy.reason == "max_entries_per_day_reached"
    denied = next(s for s in report.scans if not s.gate_admitted)
    assert (denied.gate_reason, denied.applied, denied.policy_version) == ("wrong_gate", False, 5)
    admission = state.ticket(TICKET)
    assert admission is not None and admission["inside"] is True  # the person went in: occupancy stays true
    stats = fc.scan_stats(report.scans, fc.FestivalCalendar("Europe/Berlin", "06:00"))
    assert stats["total"]["denied_by_reason"] == {"wrong_gate": 1}
    assert (stats["total"]["admitted"], stats["total"]["admitted_in_error"]) == (2, 1)
    assert list(stats["by_day"]) == [date(2026, 7, 4)]


def test_the_server_decides_like_the_gate_zones_attributes_and_stale_lists() -> None:
    festival, arena, stage, gate_id = uuid.UUID(int=0xF0), uuid.UUID(int=0xC1), uuid.UUID(int=0xC2), uuid.UUID(int=0xD3)
    other = uuid.UUID(int=0x12)
    seed = bytes([3]) * 32
    t0 = datetime(2026, 7, 4, 14, tzinfo=UTC)
    log = fc.DeviceLog(fc.DeviceSigner(seed, gate_id, festival), "EUR", per_payment=fc.Money("50", "EUR"),
                       per_wallet_offline=fc.Money("50", "EUR"), max_stored_value=fc.Money("500", "EUR"),
                       max_queued_records=10)
    log.record_scan(uuid.UUID(int=0x201), t0, TICKET, arena, "in", admitted=True, revocation_version=3)
    log.record_scan(uuid.UUID(int=0x202), t0 + timedelta(minutes=1), TICKET, stage, "in", admitted=True,
                    revocation_version=3)
    log.record_scan(uuid.UUID(int=0x203), t0 + timedelta(minutes=40), other, arena, "in", admitted=True,
                    revocation_version=2)
    registry = fc.DeviceRegistry([fc.DeviceEntry(gate_id, fc.public_key_from_seed(seed), festival, "gate",
                                                 t0 - timedelta(days=1), t0 + timedelta(days=3), [arena, stage])])
    state = fc.ReconcileState(festival, "EUR")
    state.set_ticket(TICKET, ticket_type_id=TYPE, attributes={"vipLevel": 3})
    state.set_ticket(other, ticket_type_id=TYPE, attributes={"vipLevel": 1})
    state.set_checkin_policy(fc.CheckinPolicy.from_json(json.dumps(
        {"id": "stage", "version": 1, "zones": [str(stage)], "leaves_zones": [str(arena)],
         "rules": {">=": [{"var": "attributes.vipLevel"}, 3]}})))
    state.publish_revocation_list(2, t0 - timedelta(hours=2), [])
    state.publish_revocation_list(3, t0 + timedelta(minutes=30), [other])
    with pytest.raises(fc.OfflineError) as e:
        state.publish_revocation_list(3, t0 + timedelta(minutes=30), [TICKET])
    assert e.value.code == "RECONCILE_INVALID_STATE"
    with pytest.raises(TypeError):
        state.set_ticket(TICKET, attributes={"vipLevel": 1.5})
    config = fc.ReconcileConfig(per_zone_presence=True)
    assert config.per_zone_presence and "per_zone_presence=True" in repr(config)
    report = fc.reconcile(state, registry, [log.export_batch()], t0 + timedelta(hours=1), config)
    by = {s.record_id.int: s for s in report.scans}
    assert (by[0x202].admitted_in_error, by[0x202].left_zones) == (None, [arena])
    assert by[0x203].admitted_in_error == "RECONCILE_STALE_REVOCATION_LIST"
    assert by[0x203].stale_revocation_list == {"gate_version": 2, "current_version": 3,
                                              "published_at": t0 + timedelta(minutes=30)}
    assert state.ticket(TICKET) == {"inside": True, "revoked": False, "zones": [stage]}
    assert fc.scan_stats(report.scans)["total"]["stale_revocation_list"] == 1
    saved = json.loads(state.to_json())
    assert saved["format_version"] == 5 and saved["tickets"][str(TICKET)]["attributes"] == {"vipLevel": 3}


def test_pretix_counters_since_a_time_and_event_dates() -> None:
    policy = _policy(event={"date_from": "2026-07-04T16:00:00+02:00", "date_admission": "2026-07-04T14:00:00+02:00"},
                     rules={"<=": [{"entries_days_since": [{"buildTime": ["date_admission"]}]}, 0]})
    at = datetime(2026, 7, 6, 20, tzinfo=CEST)
    denied = policy.evaluate(TYPE, "main", at, history=[datetime(2026, 7, 5, 20, tzinfo=CEST)])
    assert (denied.admitted, denied.rule_variable) == (False, "entries_days_since")
    assert policy.evaluate(TYPE, "main", at, history=[datetime(2026, 7, 4, 10, tzinfo=CEST)]).admitted
    with pytest.raises(fc.AccessError) as e:
        _policy(rules={"isAfter": [{"var": "now"}, {"buildTime": ["date_from"]}]})
    assert e.value.code == "ACCESS_RULE_INVALID_VALUE"
