"""verify_chain: every offline.verify_chain vector replayed through DeviceRegistry / SignedRecord /
bytes and checked against the vector AND the conformance op; valid, duplicated, tampered,
reordered and unknown-device records; known chains carried over (dict or ReconcileState); hostile
input."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import festival_core as fc
from conftest import VECTORS_DIR

OFFLINE = json.loads((VECTORS_DIR / "offline.json").read_text(encoding="utf-8"))["vectors"]
VERIFY = [pytest.param(v, id=v["name"]) for v in OFFLINE if v["op"] == "offline.verify_chain"]


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


def _cut(c: dict[str, Any] | None) -> dict[str, Any] | None:
    """A revocation or window cut as ChainReport.chains returns it."""
    if not c:
        return None
    accepted = c.get("accepted")
    return {"sequence": int(c["sequence"]), "reason": c["reason"], "revoked_at": _iso(c["revoked_at"]),
            "accepted": fc.Money(accepted["amount"], accepted["currency"]) if accepted else None}


def _chains_from_json(chains: dict[str, Any]) -> dict[uuid.UUID, dict[str, Any]]:
    """The core's JSON chains as the dict ChainReport.chains returns."""
    return {
        uuid.UUID(k): {
            "last_sequence": int(c["last_sequence"]),
            "last_hash": bytes.fromhex(c["last_hash"]),
            "last_hlc": (c["last_hlc"]["physical_ms"], c["last_hlc"]["logical"]) if c.get("last_hlc") else None,
            "history": {int(s): bytes.fromhex(h) for s, h in c.get("history", {}).items()},
            "forks": [int(f) for f in c.get("forks", [])],
            "lost": [{"from": int(r["from"]), "through": int(r["through"]), "reason": r["reason"],
                      "decided_at": datetime.fromisoformat(r["decided_at"].replace("Z", "+00:00"))}
                     for r in c.get("lost", [])],
            "revoked_after": _cut(c.get("revoked_after")),
            "window_cut": _cut(c.get("window_cut")),
            "acks": [(int(a["sequence"]), _iso(a["server_time"])) for a in c.get("acks", [])],
            "last_anchor": None if not c.get("last_anchor") else (
                int(c["last_anchor"]["sequence"]), _iso(c["last_anchor"]["server_time"])),
        }
        for k, c in chains.items()
    }


def _checks_json(report: fc.ChainReport) -> list[dict[str, Any]]:
    """The Python objects rendered like the conformance op (chained only on rejected checks)."""
    out: list[dict[str, Any]] = []
    for c in report.checks:
        if c.status == "rejected":
            out.append({"status": c.status, "code": c.code, "chained": c.chained})
        elif c.status == "pending":
            assert c.code is not None and not c.chained
            out.append({"status": c.status, "code": c.code})
        else:
            assert c.code is None
            assert c.chained == (c.status == "valid")
            out.append({"status": c.status})
    return out


@pytest.mark.parametrize("vector", VERIFY)
def test_verify_chain_vector_through_objects_equals_conformance_op(vector: dict[str, Any]) -> None:
    inp = vector["input"]
    oracle = json.loads(fc.conformance_execute("offline.verify_chain", json.dumps(inp)))
    assert oracle == vector["expected"]
    registry = _registry(inp["devices"])
    raw = [bytes.fromhex(r) for r in inp["records"]]
    cfg = fc.ReconcileConfig(**inp["config"]) if inp.get("config") else None
    chains = _chains_from_json(inp.get("chains") or {})
    # As bytes and as SignedRecord objects (bytearray too): the same report.
    for records in (raw, [fc.SignedRecord.from_bytes(r) for r in raw], [bytearray(r) for r in raw]):
        report = fc.verify_chain(registry, uuid.UUID(inp["festival_id"]), records, _iso(inp["now"]),
                                 chains=chains or None, config=cfg)
        assert json.loads(report.to_json()) == oracle
        assert _checks_json(report) == oracle["checks"]
        assert report.chains == _chains_from_json(oracle["chains"])
        assert len(report) == len(raw)


# --- devices sign, the backend verifies -----------------------------------------------------------

FEST = uuid.UUID(int=0xF0)
GATE, GATE2, STRANGER = uuid.UUID(int=3), uuid.UUID(int=4), uuid.UUID(int=9)
ZONE, TICKET = uuid.UUID(int=0x61), uuid.UUID(int=0x2001)
T0 = datetime(2026, 7, 4, 16, tzinfo=timezone.utc)
NOW = T0 + timedelta(minutes=1)


def _seed(n: int) -> bytes:
    return bytes([n]) * 32


def _scans(dev: uuid.UUID, n: int, first: int) -> list[fc.SignedRecord]:
    signer = fc.DeviceSigner(_seed(dev.int), dev, FEST)
    return [signer.sign(uuid.UUID(int=first + i), T0 + timedelta(milliseconds=100 * i), fc.Payload.scan(TICKET, ZONE, "in"))
            for i in range(n)]


def _setup() -> tuple[fc.DeviceRegistry, dict[str, Any]]:
    entries, devices = [], []
    for dev in (GATE, GATE2):
        pk = fc.public_key_from_seed(_seed(dev.int))
        entries.append(fc.DeviceEntry(dev, pk, FEST, "gate", T0 - timedelta(days=1), T0 + timedelta(days=1), [ZONE]))
        devices.append({"device_id": str(dev), "public_key": pk.hex(), "festival_id": str(FEST), "role": "gate",
                        "locations": [str(ZONE)], "valid_from": "2026-07-03T16:00:00Z", "valid_until": "2026-07-05T16:00:00Z"})
    return fc.DeviceRegistry(entries), {"festival_id": str(FEST), "now": "2026-07-04T16:01:00Z", "devices": devices}


def test_valid_duplicated_tampered_reordered_unknown_device_equal_the_conformance_op() -> None:
    registry, base = _setup()
    g = [bytes(r) for r in _scans(GATE, 3, 1)]
    g2 = [bytes(r) for r in _scans(GATE2, 2, 10)]
    stranger = [bytes(r) for r in _scans(STRANGER, 1, 20)]
    tampered = g[1][:-1] + bytes([g[1][-1] ^ 1])
    cases = {
        "valid": ([*g, *g2], ["valid"] * 5),
        "duplicated": ([g[0], g[1], g[0], g[1], g[2]], ["valid", "valid", "duplicate", "duplicate", "valid"]),
        "tampered": ([g[0], tampered, g[2]], ["valid", "OFFLINE_BAD_SIGNATURE", "OFFLINE_SEQUENCE_GAP"]),
        "reordered": ([g2[1], g[2], g[0], g2[0], g[1]], ["valid"] * 5),
        "unknown_device": ([stranger[0], g[0]], ["OFFLINE_UNKNOWN_DEVICE", "valid"]),
    }
    for name, (records, expected) in cases.items():
        report = fc.verify_chain(registry, FEST, records, NOW)
        oracle = json.loads(fc.conformance_execute("offline.verify_chain", json.dumps({**base, "records": [r.hex() for r in records]})))
        assert json.loads(report.to_json()) == oracle, name
        assert _checks_json(report) == oracle["checks"], name
        assert [c.code or c.status for c in report.checks] == expected, name
    r = fc.verify_chain(registry, str(FEST), iter(g), NOW)  # any iterable, uuid as str
    assert "ChainReport(valid=3, duplicate=0, pending=0, rejected=0, devices=1)" == repr(r)
    assert repr(r.checks[0]) == "ChainCheck(status='valid', code=None, chained=True)"
    bad = fc.verify_chain(registry, FEST, [g[1]], NOW).checks[0]
    assert repr(bad) == "ChainCheck(status='pending', code='OFFLINE_SEQUENCE_GAP', chained=False)"


def test_known_chains_from_a_report_or_a_reconcile_state_and_config() -> None:
    registry, _ = _setup()
    g = _scans(GATE, 3, 1)
    first = fc.verify_chain(registry, FEST, g[:2], NOW)
    c = first.chains[GATE]
    assert (c["last_sequence"], c["last_hash"], c["last_hlc"][1], sorted(c["history"])) == (2, g[1].hash, 0, [1, 2])
    nxt = fc.verify_chain(registry, FEST, g[1:], NOW, chains=first.chains)
    assert [ch.status for ch in nxt.checks] == ["duplicate", "valid"]
    # A ReconcileState that reconciled the first two records knows the same chains.
    state = fc.ReconcileState(FEST, "EUR")
    state.set_ticket(TICKET)
    fc.reconcile(state, registry, [fc.encode_batch(g[:2])], NOW)
    assert state.chains() == {GATE: 2}
    assert fc.verify_chain(registry, FEST, g[2:], NOW, chains=state).to_json() == \
        fc.verify_chain(registry, FEST, g[2:], NOW, chains=first.chains).to_json()
    # A strict future skew keeps a record from after `now` pending; it does not touch the chain.
    strict = fc.ReconcileConfig(max_future_skew_ms=0)
    skew = fc.verify_chain(registry, FEST, g[:1], T0 - timedelta(minutes=1), config=strict)
    assert _checks_json(skew) == [{"status": "pending", "code": "OFFLINE_CLOCK_SKEW"}]
    assert all(c["last_sequence"] == 0 and c["history"] == {} for c in skew.chains.values())
    assert fc.verify_chain(registry, FEST, [], NOW, None, None).to_json() == '{"checks":[],"chains":{}}'


def test_hostile_input() -> None:
    registry, _ = _setup()
    g = [bytes(r) for r in _scans(GATE, 1, 1)]
    with pytest.raises(TypeError):
        fc.verify_chain(registry, FEST, g[0], NOW)  # one bytes object, not a list
    with pytest.raises(TypeError):
        fc.verify_chain(registry, FEST, "00ff", NOW)
    with pytest.raises(TypeError):
        fc.verify_chain(registry, FEST, 42, NOW)
    with pytest.raises(TypeError):
        fc.verify_chain(registry, FEST, ["00ff"], NOW)
    with pytest.raises(TypeError):
        fc.verify_chain(registry, FEST, [None], NOW)
    for bad in (g[0][:-5], b"", b"\x00" * 3):
        with pytest.raises(fc.OfflineError) as ei:
            fc.verify_chain(registry, FEST, [bad], NOW)
        assert ei.value.code == "OFFLINE_MALFORMED"
    with pytest.raises(fc.InputError) as ei2:
        fc.verify_chain(registry, "not-a-uuid", g, NOW)
    assert ei2.value.code == "INPUT_INVALID"
    with pytest.raises(ValueError):
        fc.verify_chain(registry, FEST, g, datetime(2026, 7, 4))  # naive datetime
    with pytest.raises(TypeError):
        fc.verify_chain(FEST, registry, g, NOW)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fc.verify_chain(registry, FEST, g, NOW, chains=[1])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fc.verify_chain(registry, FEST, g, NOW, chains={GATE: 1})  # type: ignore[dict-item]
    with pytest.raises(fc.InputError):
        fc.verify_chain(registry, FEST, g, NOW, chains={GATE: {"last_sequence": 1}})
    with pytest.raises(fc.InputError):
        fc.verify_chain(registry, FEST, g, NOW, chains={GATE: {"last_sequence": 1, "last_hash": bytes(32), "x": 1}})
    with pytest.raises(TypeError):
        fc.verify_chain(registry, FEST, g, NOW, chains={GATE: {"last_sequence": -1, "last_hash": bytes(32)}})
    with pytest.raises(ValueError):
        fc.verify_chain(registry, FEST, g, NOW, chains={GATE: {"last_sequence": 1, "last_hash": bytes(31)}})
    with pytest.raises(TypeError):
        fc.verify_chain(registry, FEST, g, NOW, chains={GATE: {"last_sequence": 1, "last_hash": bytes(32), "last_hlc": "x"}})
    with pytest.raises(TypeError):
        fc.verify_chain(registry, FEST, g, NOW, chains={GATE: {"last_sequence": 1, "last_hash": bytes(32), "history": [1]}})
    with pytest.raises(fc.InputError):
        fc.verify_chain(registry, FEST, g, NOW, chains={"nope": {"last_sequence": 1, "last_hash": bytes(32)}})
    with pytest.raises(TypeError):
        fc.verify_chain(registry, FEST, g, NOW, config={"max_future_skew_ms": 1})  # type: ignore[arg-type]
