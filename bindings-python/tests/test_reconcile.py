"""Server-side reconciliation through Python objects: every offline.reconcile vector replayed with
ReconcileState / DeviceRegistry / batch bytes and checked against the vector AND the conformance op
on the same input; streamed calls keep state; the report's Python objects match its JSON; reports
feed incident analytics; hostile input."""

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
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
OFFLINE = json.loads((VECTORS_DIR / "offline.json").read_text(encoding="utf-8"))["vectors"]
RECONCILE = [pytest.param(v, id=v["name"]) for v in OFFLINE if v["op"] == "offline.reconcile"]


def _iso(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _registry(devices: list[dict[str, Any]]) -> fc.DeviceRegistry:
    return fc.DeviceRegistry([
        fc.DeviceEntry(
            uuid.UUID(d["device_id"]), bytes.fromhex(d["public_key"]), uuid.UUID(d["festival_id"]), d["role"],
            _iso(d["valid_from"]), _iso(d["valid_until"]), [uuid.UUID(x) for x in d.get("locations", [])],
            _iso(d["revoked_at"]) if d.get("revoked_at") else None,
        )
        for d in devices
    ])


def _state(inp: dict[str, Any]) -> fc.ReconcileState:
    fest, cur = uuid.UUID(inp["festival_id"]), inp["currency"]
    state = fc.ReconcileState(fest, cur)
    for wid, amount in inp.get("wallets", {}).items():
        w = fc.Wallet(uuid.UUID(wid), fest, cur)
        m = fc.Money(amount, cur)
        if m > fc.Money.zero(cur):
            w.top_up(uuid.UUID(wid), EPOCH, m)  # as the conformance op: entry id = wallet id, at the epoch
        state.add_wallet(w)
    for tid, t in inp.get("tickets", {}).items():
        state.set_ticket(uuid.UUID(tid), inside=t.get("inside", False), revoked=t.get("revoked", False))
    if inp.get("chains"):  # device chain positions are persisted state: load them like a backend would
        doc = json.loads(state.to_json())
        doc["chains"] = inp["chains"]
        state = fc.ReconcileState.from_json(json.dumps(doc))
    return state


def _run(inp: dict[str, Any]) -> tuple[fc.ReconcileState, fc.ReconcileReport]:
    state = _state(inp)
    cfg = fc.ReconcileConfig(inp["policy"], **(inp.get("config") or {}))
    report = fc.reconcile(state, _registry(inp["devices"]), [bytes.fromhex(b) for b in inp["batches"]],
                          _iso(inp["now"]), cfg)
    return state, report


@pytest.mark.parametrize("vector", RECONCILE)
def test_reconcile_vector_through_objects_equals_conformance_op(vector: dict[str, Any]) -> None:
    inp = vector["input"]
    if "expected_error" in vector:
        # An unknown policy name is refused by ReconcileConfig itself (ValueError); the rest by the core.
        with pytest.raises((fc.FestivalError, ValueError)) as ei:
            _run(inp)
        if isinstance(ei.value, fc.FestivalError):
            assert ei.value.code == vector["expected_error"]
        else:
            assert vector["expected_error"] == "INPUT_INVALID" and "policy" in str(ei.value)
        return
    state, report = _run(inp)
    ours = json.loads(report.to_json())
    op = json.loads(fc.conformance_execute("offline.reconcile", json.dumps(inp)))
    assert ours == op["report"] == vector["expected"]["report"]
    doc = json.loads(state.to_json())
    assert doc["chains"] == op["chains"] and doc["tickets"] == op["tickets"]
    # The Python objects say the same as the JSON.
    assert report.counts == ours["counts"]
    assert [a.kind for a in report.alerts] == [a["kind"] for a in ours["alerts"]]
    assert [(r.status, r.reason, r.resolution) for r in report.records] == [
        (r["status"], r.get("reason"), r.get("resolution")) for r in ours["records"]]
    assert [None if r.sequence is None else str(r.sequence) for r in report.records] == [
        r.get("sequence") for r in ours["records"]]
    assert [r.hash.hex() for r in report.records] == [r["hash"] for r in ours["records"]]
    assert {str(k): str(v.total.amount) for k, v in report.balances.items()} == {
        k: v["total"]["amount"] for k, v in ours["balances"].items()}
    assert {str(k): str(v.amount) for k, v in report.debts.items()} == {k: v["amount"] for k, v in ours["debts"].items()}
    assert [str(w) for w in report.blocked_wallets] == ours["blocked_wallets"]
    assert {k: str(v.amount) for k, v in report.totals.items()} == {k: v["amount"] for k, v in ours["totals"].items()}
    for a, j in zip(report.alerts, ours["alerts"]):
        if a.kind == "double_spend":
            assert (str(a.wallet_id), a.shortfall) == (j["wallet_id"], Decimal(j["shortfall"]))
        if a.kind == "tampered_log":
            assert (a.hash is not None and a.hash.hex(), a.code) == (j["hash"], j["code"])


# --- a realistic flow: devices sign offline, the backend reconciles streamed batches -----------

FEST = uuid.UUID(int=0xF0)
POS1, POS2, GATE = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
STAND, ZONE = uuid.UUID(int=0x51), uuid.UUID(int=0x61)
W1, W2, TICKET = uuid.UUID(int=0x1001), uuid.UUID(int=0x1002), uuid.UUID(int=0x2001)
T0 = datetime(2026, 7, 4, 16, tzinfo=timezone.utc)


def _seed(n: int) -> bytes:
    return bytes([n]) * 32


def _setup() -> tuple[fc.ReconcileState, fc.DeviceRegistry, dict[uuid.UUID, fc.DeviceLog]]:
    state = fc.ReconcileState(FEST, EUR)
    for w in (W1, W2):
        wallet = fc.Wallet(w, FEST, EUR)
        wallet.top_up(uuid.UUID(int=w.int + 0x100), T0 - timedelta(hours=1), fc.Money("20", EUR))
        state.add_wallet(wallet)
    state.set_ticket(TICKET)
    entries, logs = [], {}
    for dev, role, loc in ((POS1, "pos", STAND), (POS2, "pos", STAND), (GATE, "gate", ZONE)):
        signer = fc.DeviceSigner(_seed(dev.int), dev, FEST)
        entries.append(fc.DeviceEntry(dev, signer.public_key, FEST, role, T0 - timedelta(days=1), T0 + timedelta(days=1), [loc]))
        log = fc.DeviceLog(signer, EUR, per_payment=fc.Money("50", EUR), per_wallet_offline=fc.Money("50", EUR),
                           max_stored_value=fc.Money("500", EUR), max_queued_records=100)
        log.set_synced_balances({W1: fc.Money("20", EUR), W2: fc.Money("20", EUR)})
        logs[dev] = log
    return state, fc.DeviceRegistry(entries), logs


def test_streamed_reconcile_keeps_state_and_detects_double_spend() -> None:
    state, registry, logs = _setup()
    logs[POS1].pay(uuid.UUID(int=0x101), T0, W1, fc.Money("15", EUR), STAND)
    logs[POS2].pay(uuid.UUID(int=0x201), T0 + timedelta(seconds=1), W1, fc.Money("15", EUR), STAND)  # W1 offline twice
    logs[POS2].pay(uuid.UUID(int=0x202), T0 + timedelta(seconds=2), W2, fc.Money("4.50", EUR), STAND)
    logs[GATE].record(uuid.UUID(int=0x301), T0, fc.Payload.scan(TICKET, ZONE, "in"))
    cfg = fc.ReconcileConfig("accept_with_debt")
    r1 = fc.reconcile(state, registry, [logs[POS1].export_batch()], T0 + timedelta(minutes=5), cfg)
    assert r1.counts == {"accepted": 1, "duplicate": 0, "rejected": 0, "conflict": 0, "pending": 0} and r1.alerts == []
    batches = [logs[POS1].export_batch(), logs[POS2].export_batch(), logs[GATE].export_batch()]
    r2 = fc.reconcile(state, registry, batches, T0 + timedelta(minutes=5), cfg)
    assert r2.counts == {"accepted": 3, "duplicate": 1, "rejected": 0, "conflict": 1, "pending": 0}
    (alert,) = r2.alerts
    assert (alert.kind, alert.wallet_id, alert.device_id, alert.shortfall) == ("double_spend", W1, POS2, Decimal("10.00"))
    assert (alert.ticket_id, alert.hash, alert.code) == (None, None, None)
    assert r2.debts == {W1: fc.Money("10", EUR)} and r2.blocked_wallets == [W1]
    assert r2.balances[W1].debt == fc.Money("10", EUR) and r2.balances[W2].total == fc.Money("15.50", EUR)
    assert r2.totals == {"top_ups": fc.Money("0", EUR), "payments": fc.Money("19.50", EUR), "refunds": fc.Money("0", EUR)}
    conflict = [r for r in r2.records if r.status == "conflict"][0]
    assert (conflict.record_id, conflict.device_id, conflict.sequence, conflict.kind) == (uuid.UUID(int=0x201), POS2, 1, "payment")
    assert (conflict.reason, conflict.resolution, conflict.debt) == ("RECONCILE_DOUBLE_SPEND", "accepted_with_debt", fc.Money("10", EUR))
    assert state.ticket(TICKET) == {"inside": True, "revoked": False}
    assert state.chains() == {POS1: 1, POS2: 2, GATE: 1} and state.accepted_records == 4
    assert state.total_balance() == fc.Money("5.50", EUR)  # W1: -10 (debt), W2: 15.50
    w = state.wallet(W1)
    assert w is not None and w.balances.debt == fc.Money("10", EUR) and state.wallet(uuid.UUID(int=9)) is None
    assert sorted(state.wallet_ids()) == [W1, W2]
    # The state survives a JSON round trip between streamed calls: re-sending everything is all duplicates.
    state2 = fc.ReconcileState.from_json(state.to_json())
    r3 = fc.reconcile(state2, registry, batches, T0 + timedelta(minutes=6), cfg)
    assert r3.counts == {"accepted": 0, "duplicate": 4, "rejected": 0, "conflict": 0, "pending": 0}
    # Reports feed incident analytics directly (objects or stored JSON give the same numbers).
    a = fc.analyze_reconcile_reports([r1, r2, r3], EUR).incident_stats().to_pylist()
    b = fc.analyze_reconcile_reports([r1.to_json(), r2.to_json(), r3.to_json()], EUR).incident_stats().to_pylist()
    assert a == b and [(x["kind"], x["count"], x["amount"]) for x in a] == [("double_spend", 1, fc.Money("10", EUR))]
    assert "ReconcileReport(accepted=3" in repr(r2) and "ReconcileAlert(" in repr(alert)
    assert "RecordOutcome(record_id=UUID(" in repr(conflict) and "ReconcileState(festival_id=UUID(" in repr(state)


def test_first_wins_rejects_later_and_tampering_is_reported() -> None:
    state, registry, logs = _setup()
    logs[POS1].pay(uuid.UUID(int=0x101), T0, W1, fc.Money("15", EUR), STAND)
    logs[POS2].pay(uuid.UUID(int=0x201), T0 + timedelta(seconds=1), W1, fc.Money("15", EUR), STAND)
    forged = bytearray(logs[POS2].export_batch())
    forged[-1] ^= 1  # flip a signature bit
    report = fc.reconcile(state, registry, [logs[POS1].export_batch(), bytes(forged), b"garbage"], T0 + timedelta(minutes=1))
    kinds = sorted(a.kind for a in report.alerts)
    assert kinds == ["tampered_log", "tampered_log"]
    assert report.counts["accepted"] == 1 and report.counts["rejected"] == 2
    malformed = [r for r in report.records if r.record_id is None]
    assert len(malformed) == 1 and malformed[0].reason == "OFFLINE_MALFORMED" and malformed[0].kind is None
    report2 = fc.reconcile(state, registry, [logs[POS2].export_batch()], T0 + timedelta(minutes=1))
    (r,) = report2.records
    assert (r.status, r.resolution, r.reason) == ("conflict", "rejected_later", "RECONCILE_DOUBLE_SPEND")
    assert state.total_balance() == fc.Money("25", EUR)


def test_separate_syncs_in_any_order_reach_the_state_of_one_call_with_explicit_revisions() -> None:
    def day() -> tuple[fc.ReconcileState, fc.DeviceRegistry, list[bytes], list[bytes]]:
        state, registry, logs = _setup()
        logs[POS1].pay(uuid.UUID(int=0x101), T0, W1, fc.Money("15", EUR), STAND)
        logs[POS2].pay(uuid.UUID(int=0x201), T0 + timedelta(seconds=1), W1, fc.Money("15", EUR), STAND)
        return state, registry, [logs[POS1].export_batch()], [logs[POS2].export_batch()]

    one, registry, a, b = day()
    fc.reconcile(one, registry, a + b, T0 + timedelta(minutes=5))
    # POS2 syncs first: its payment is accepted, until POS1's earlier one arrives an hour later.
    state, registry, a, b = day()
    first = fc.reconcile(state, registry, b, T0 + timedelta(minutes=5))
    assert [r.status for r in first.records] == ["accepted"] and first.revisions == []
    second = fc.reconcile(state, registry, a, T0 + timedelta(hours=1))
    (rev,) = second.revisions
    assert (rev.record_id, rev.device_id, rev.sequence, rev.kind, rev.wallet_id, rev.ticket_id) == (
        uuid.UUID(int=0x201), POS2, 1, "payment", W1, None)
    assert rev.before == {"status": "accepted", "reason": None, "resolution": None, "debt": None}
    assert (rev.after["status"], rev.after["resolution"]) == ("conflict", "rejected_later")
    assert rev.money_effect == fc.Money("15", EUR) and "Revision(record_id=UUID(" in repr(rev)
    assert json.loads(second.to_json())["revisions"][0]["money_effect"]["amount"] == "15.00"
    # Same state as one call: outcomes, balances, ticket states.
    assert [(o.record_id, o.status, o.reason) for o in state.outcomes()] == [
        (o.record_id, o.status, o.reason) for o in one.outcomes()]
    assert state.wallet(W1).balances.total == one.wallet(W1).balances.total == fc.Money("5", EUR)
    outcome = state.outcome(uuid.UUID(int=0x201))
    assert outcome is not None and outcome.status == "conflict"
    assert state.outcome(uuid.UUID(int=0x999)) is None and state.watermark is None and state.non_final_count == 2


def test_compact_ledgers_folds_final_entries_and_keeps_every_balance() -> None:
    def day(compact: bool) -> tuple[fc.ReconcileState, fc.ReconcileReport]:
        state, registry, logs = _setup()
        logs[POS1].pay(uuid.UUID(int=0x101), T0, W1, fc.Money("15", EUR), STAND)
        logs[POS2].pay(uuid.UUID(int=0x201), T0 + timedelta(seconds=1), W1, fc.Money("4", EUR), STAND)
        cfg = fc.ReconcileConfig(max_offline_ms=60_000, compact_ledgers=compact)
        report = fc.reconcile(state, registry, [logs[POS1].export_batch(), logs[POS2].export_batch()],
                              T0 + timedelta(minutes=5), cfg)
        return state, report

    full, r1 = day(False)
    small, r2 = day(True)
    assert fc.ReconcileConfig(compact_ledgers=True).compact_ledgers and "compact_ledgers=True" in repr(
        fc.ReconcileConfig(compact_ledgers=True))
    assert r1.to_json() == r2.to_json() and r2.finalized == 2
    w_full, w_small = full.wallet(W1), small.wallet(W1)
    assert w_full is not None and w_small is not None
    def parts(b: fc.Balances) -> tuple[fc.Money, ...]:
        return (b.refundable, b.bonus, b.debt, b.total)

    assert parts(w_small.balances) == parts(w_full.balances) and w_small.balances.total == fc.Money("1", EUR)
    assert (len(w_full), w_full.compacted_entries) == (3, 0)  # the opening top-up and two payments
    assert (len(w_small), w_small.compacted_entries) == (0, 3)
    # The compacted state is saved and read back (format 5; format 3 added the wallet's base).
    saved = json.loads(small.to_json())
    assert saved["format_version"] == 5 and "base" in saved["wallets"][str(W1)]
    back = fc.ReconcileState.from_json(small.to_json()).wallet(W1)
    assert back is not None and parts(back.balances) == parts(w_small.balances) and back.compacted_entries == 3


def test_pending_records_wait_finality_is_explicit_and_gaps_can_be_declared_lost() -> None:
    state, registry, logs = _setup()
    logs[POS1].pay(uuid.UUID(int=0x101), T0, W1, fc.Money("15", EUR), STAND)
    only_pos2 = fc.DeviceRegistry([e for e in registry.entries() if e.device_id != POS1])
    waiting = fc.reconcile(state, only_pos2, [logs[POS1].export_batch()], T0 + timedelta(minutes=5))
    assert waiting.counts["pending"] == 1 and waiting.pending_total == 1
    assert [(p.status, p.reason, p.device_id, p.sequence) for p in state.pending()] == [
        ("pending", "OFFLINE_UNKNOWN_DEVICE", POS1, 1)]
    # Once the device is registered, the next call (no batches needed) applies it.
    applied = fc.reconcile(state, registry, [], T0 + timedelta(minutes=6))
    assert applied.counts["accepted"] == 1 and state.pending() == []
    assert state.wallet(W1).balances.total == fc.Money("5", EUR)
    # Finality: with a 1-minute offline window everything before now - 1 min is final.
    cfg = fc.ReconcileConfig(max_offline_ms=60_000)
    fin = fc.reconcile(state, registry, [], T0 + timedelta(minutes=7), cfg)
    assert fin.watermark == T0 + timedelta(minutes=6) == state.watermark
    assert fin.finalized == 1 and state.outcomes() == [] and state.non_final_count == 0
    # An operator declares POS2's first three records lost: an explicit, recorded decision.
    lost = state.declare_lost(POS2, 3, "tablet reset", T0 + timedelta(minutes=8))
    assert lost == {"from": 1, "through": 3, "reason": "tablet reset", "decided_at": T0 + timedelta(minutes=8)}
    with pytest.raises(fc.FestivalError) as ei:
        state.declare_lost(POS2, 2, "again", T0)
    assert ei.value.code == "RECONCILE_INVALID_STATE"
    report = fc.verify_chain(registry, FEST, [], T0, chains=state)
    assert report.chains[POS2]["lost"] == [lost] and report.chains[POS2]["forks"] == []
    # POS1 is reported stolen: revoked by sequence, its later records fail whatever their dates.
    cut = state.revoke_device(POS1, "reported stolen", T0 + timedelta(minutes=9))
    assert cut == {"sequence": 1, "reason": "reported stolen", "revoked_at": T0 + timedelta(minutes=9), "accepted": None}
    with pytest.raises(fc.FestivalError) as ei:
        state.revoke_device(POS1, "again", T0)
    assert ei.value.code == "RECONCILE_INVALID_STATE"
    logs[POS1].pay(uuid.UUID(int=0x102), T0 + timedelta(seconds=1), W1, fc.Money("5", EUR), STAND)  # backdated
    stolen = fc.reconcile(state, registry, [logs[POS1].export_batch()], T0 + timedelta(minutes=10))
    assert [(r.status, r.reason) for r in stolen.records if r.sequence == 2] == [("rejected", "OFFLINE_DEVICE_REVOKED")]
    assert [a.kind for a in stolen.alerts] == ["revoked_device_used"]
    assert state.wallet(W1).balances.total == fc.Money("5", EUR)
    # The chains dict (with its lost ranges and revocation) is accepted back as input.
    report = fc.verify_chain(registry, FEST, [], T0, chains=state)
    assert report.chains[POS1]["revoked_after"] == cut and report.chains[POS2]["revoked_after"] is None
    again = fc.verify_chain(registry, FEST, [], T0, chains=report.chains)
    assert again.chains == report.chains


def test_trust_acknowledgements_allowances_and_after_cut_policy() -> None:
    """Server acknowledgements anchor device time; allowances bound the exposure; a bounded
    after-cut policy lets a revoked device's records through up to the bound."""
    state, registry, logs = _setup()
    server_seed = bytes([0x5E]) * 32
    server_key = fc.DeviceSigner(server_seed, uuid.UUID(int=99), FEST).public_key
    eur = lambda s: fc.Money(s, EUR)  # noqa: E731
    signed = state.issue_allowance(allowance_id=uuid.UUID(int=0xA1), devices=[POS2, POS1], amount=eur("6"),
                                   valid_from=T0 - timedelta(hours=1), valid_until=T0 + timedelta(hours=12),
                                   server_seed=server_seed)
    pos = logs[POS1]
    assert pos.allowance_remaining(W1, T0) is None
    pos.install_allowance(signed, server_key)
    assert pos.allowance_remaining(W1, T0) == eur("6.00")
    with pytest.raises(fc.OfflineError) as ei:
        pos.pay(uuid.UUID(int=0x110), T0, W1, eur("7"), STAND)
    assert ei.value.code == "DEVICE_ALLOWANCE_EXCEEDED"
    with pytest.raises(fc.OfflineError) as ei:
        pos.install_allowance(signed, bytes(32))
    assert ei.value.code.startswith("OFFLINE_")
    pos.pay(uuid.UUID(int=0x111), T0, W1, eur("5"), STAND)
    fc.reconcile(state, registry, [pos.export_batch()], T0 + timedelta(minutes=1))
    ack = state.acknowledge(registry, POS1, T0 + timedelta(minutes=1), server_seed)
    assert isinstance(ack, bytes) and len(ack) == 148
    assert pos.accept_ack(ack, server_key, T0 + timedelta(minutes=1)) is True and pos.queued() == 0
    # A slow clock: the record is dated at the acknowledgement and carries it.
    rec = pos.pay(uuid.UUID(int=0x112), T0, W1, eur("1"), STAND)
    assert rec.body.device_time == T0 + timedelta(minutes=1)
    assert rec.body.anchor == (1, T0 + timedelta(minutes=1))
    # A thief with the key dates a record before the acknowledgement it references.
    body = rec.body
    forged = fc.RecordBody(uuid.UUID(int=0x113), POS1, FEST, 3, rec.hash, T0, (body.hlc[0] + 10, 0),
                           fc.Payload.payment(W1, eur("1"), STAND), anchor=body.anchor).sign(_seed(POS1.int))
    r = fc.reconcile(state, registry, [fc.encode_batch([rec, forged])], T0 + timedelta(minutes=2))
    assert [x.reason or x.status for x in r.records] == ["accepted", "OFFLINE_BACKDATED"]
    assert [a.kind for a in r.alerts] == ["tampered_log"]
    chains = fc.verify_chain(registry, FEST, [], T0, chains=state).chains
    assert chains[POS1]["acks"] == [(1, T0 + timedelta(minutes=1))] and chains[POS1]["last_anchor"] == (1, T0 + timedelta(minutes=1))
    assert fc.verify_chain(registry, FEST, [], T0, chains=chains).chains == chains
    # Exposure: W1 spent 6.00 on POS1; POS2 may still spend 6.00 against 14.00: nothing at risk.
    ex = state.exposure("accept_with_debt")
    w1 = next(w for w in ex["wallets"] if w["wallet_id"] == W1)
    assert (w1["offline_spent"], w1["open_allowance"], w1["loss"], w1["max_loss"]) == (eur("6"), eur("6"), eur("0"), eur("0"))
    with pytest.raises(ValueError):
        state.exposure("sometimes")
    with pytest.raises(fc.FestivalError) as ei:
        state.acknowledge(registry, POS1, T0, server_seed)
    assert ei.value.code == "RECONCILE_INVALID_STATE"
    # A revoked device under accept_after_cut_up_to: one record of 1.00 passes, the next does not.
    state.revoke_device(POS2, "stolen", T0 + timedelta(minutes=3))
    logs[POS2].pay(uuid.UUID(int=0x201), T0 + timedelta(seconds=5), W2, eur("1"), STAND)
    logs[POS2].pay(uuid.UUID(int=0x202), T0 + timedelta(seconds=6), W2, eur("1"), STAND)
    cfg = fc.ReconcileConfig(accept_after_cut_up_to=eur("1"))
    assert cfg.accept_after_cut_up_to == eur("1.00")
    bounded = fc.reconcile(state, registry, [logs[POS2].export_batch()], T0 + timedelta(minutes=4), cfg)
    assert [x.reason or x.status for x in bounded.records] == ["accepted", "OFFLINE_DEVICE_REVOKED"]
    assert fc.verify_chain(registry, FEST, [], T0, chains=state).chains[POS2]["revoked_after"]["accepted"] == eur("1.00")
    # The device keeps its anchor and allowances over a restart.
    back = fc.DeviceLog.from_state_json(_seed(POS1.int), pos.state_json())
    assert back.allowance_remaining(W1, T0 + timedelta(minutes=5)) == eur("0.00")


def test_config_registry_and_hostile_input() -> None:
    cfg = fc.ReconcileConfig()
    assert (cfg.policy, cfg.max_future_skew_ms, cfg.max_hlc_skew_ms) == ("first_wins", 300_000, 3_600_000)
    assert repr(fc.ReconcileConfig("reject", 1, 2)) == (
        "ReconcileConfig(policy='reject', max_future_skew_ms=1, max_hlc_skew_ms=2, max_offline_ms=None, all_devices_synced=False, "
        "compact_ledgers=False, per_zone_presence=False)")
    fin = fc.ReconcileConfig(max_offline_ms=60_000, all_devices_synced=True)
    assert (fin.max_offline_ms, fin.all_devices_synced) == (60_000, True)
    with pytest.raises(ValueError):
        fc.ReconcileConfig("last_wins")
    state, registry, logs = _setup()
    assert len(registry) == 3 and [e.role for e in registry.entries()] == ["pos", "pos", "gate"]
    e = registry.get(GATE)
    assert e is not None and (e.device_id, e.festival_id, e.locations, e.revoked_at) == (GATE, FEST, [ZONE], None)
    assert e.public_key == fc.public_key_from_seed(_seed(3)) and e.valid_until - e.valid_from == timedelta(days=2)
    assert registry.get(uuid.UUID(int=77)) is None and "DeviceEntry(device_id=UUID(" in repr(e)
    rec = logs[GATE].record(uuid.UUID(int=1), T0, fc.Payload.scan(TICKET, ZONE, "in"))
    assert registry.authorize(rec, FEST).device_id == GATE and registry.authorize(rec.body, FEST).role == "gate"
    with pytest.raises(fc.OfflineError):
        registry.authorize(rec, uuid.UUID(int=0xBAD))
    with pytest.raises(TypeError):
        registry.authorize(bytes(rec), FEST)
    with pytest.raises(fc.OfflineError):  # duplicate device id
        fc.DeviceRegistry([registry.entries()[0], registry.entries()[0]])
    with pytest.raises(fc.OfflineError) as ei:  # small-order key (all zeros is the identity encoding)
        fc.DeviceRegistry([fc.DeviceEntry(uuid.UUID(int=9), bytes(32), FEST, "pos", T0, T0 + timedelta(days=1))])
    assert ei.value.code == "OFFLINE_INVALID_KEY"
    with pytest.raises(ValueError):
        fc.DeviceEntry(uuid.UUID(int=9), bytes(31), FEST, "pos", T0, T0)
    with pytest.raises(ValueError):
        fc.DeviceEntry(uuid.UUID(int=9), bytes(32), FEST, "bar", T0, T0)
    with pytest.raises(TypeError):
        fc.reconcile(state, registry, logs[POS1].export_batch(), T0)  # one bytes object, not a list
    with pytest.raises(TypeError):
        fc.reconcile(state, registry, ["00ff"], T0)
    with pytest.raises(ValueError):
        fc.reconcile(state, registry, [], datetime(2026, 7, 4))
    with pytest.raises(TypeError):
        fc.reconcile(registry, state, [], T0)  # type: ignore[arg-type]
    with pytest.raises(fc.OfflineError) as ei:
        state.add_wallet(fc.Wallet(uuid.UUID(int=5), uuid.UUID(int=6), EUR))
    assert ei.value.code == "RECONCILE_INVALID_STATE"
    with pytest.raises(fc.InputError):
        fc.ReconcileState.from_json("[]")
    with pytest.raises(fc.InputError):
        fc.ReconcileState("fest", EUR)
    assert fc.reconcile(state, registry, [], T0).counts == {"accepted": 0, "duplicate": 0, "rejected": 0, "conflict": 0, "pending": 0}
