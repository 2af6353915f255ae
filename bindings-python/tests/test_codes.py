"""Gate-side ticket codes and revocation lists through Python objects: every ticket-code and
revocation-list vector replayed with IssuerKey / KeySet / TicketClaims / RevocationList /
RevocationStore, plus a gate flow and hostile input."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import pytest

import festival_core as fc
from conftest import VECTORS_DIR

OFFLINE = json.loads((VECTORS_DIR / "offline.json").read_text(encoding="utf-8"))["vectors"]


def _vectors(op: str) -> list[Any]:
    return [pytest.param(v, id=v["name"]) for v in OFFLINE if v["op"] == op]


def _iso(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _z(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _keys(keys: list[dict[str, Any]]) -> fc.KeySet:
    return fc.KeySet([
        fc.IssuerKey(k["key_id"], bytes.fromhex(k["public_key"]), uuid.UUID(k["festival_id"]),
                     _iso(k["valid_from"]), _iso(k["valid_until"]))
        for k in keys
    ])


def _claims(c: dict[str, Any]) -> fc.TicketClaims:
    return fc.TicketClaims(c["key_id"], uuid.UUID(c["festival_id"]), uuid.UUID(c["ticket_id"]), c["ticket_type"],
                           _iso(c["valid_from"]), _iso(c["valid_until"]))


def _claims_json(c: fc.TicketClaims) -> dict[str, Any]:
    return {"festival_id": str(c.festival_id), "key_id": c.key_id, "ticket_id": str(c.ticket_id),
            "ticket_type": c.ticket_type, "valid_from": _z(c.valid_from), "valid_until": _z(c.valid_until)}


def _list(d: dict[str, Any]) -> fc.RevocationList:
    return fc.RevocationList(uuid.UUID(d["festival_id"]), d["key_id"], int(d["version"]), _iso(d["issued_at"]),
                             [uuid.UUID(x) for x in d["revoked_tickets"]], [bytes.fromhex(t) for t in d["blocked_tags"]],
                             [uuid.UUID(x) for x in d["revoked_devices"]])


def _list_json(lst: fc.RevocationList) -> dict[str, Any]:
    return {"blocked_tags": [t.hex() for t in lst.blocked_tags], "festival_id": str(lst.festival_id),
            "issued_at": _z(lst.issued_at), "key_id": lst.key_id,
            "revoked_devices": [str(x) for x in lst.revoked_devices],
            "revoked_tickets": [str(x) for x in lst.revoked_tickets], "version": str(lst.version)}


def _expect(vector: dict[str, Any], run: Any) -> Optional[Any]:
    if "expected" in vector:
        return run()
    with pytest.raises(fc.OfflineError) as ei:
        run()
    assert ei.value.code == vector["expected_error"]
    return None


@pytest.mark.parametrize("vector", _vectors("offline.ticket_code_issue"))
def test_ticket_code_issue_vector(vector: dict[str, Any]) -> None:
    i = vector["input"]
    assert fc.issue_ticket_code(_claims(i["claims"]), bytes.fromhex(i["seed"])) == vector["expected"]["code"]


@pytest.mark.parametrize("vector", _vectors("offline.ticket_code_decode"))
def test_ticket_code_decode_vector(vector: dict[str, Any]) -> None:
    claims, sig = fc.decode_ticket_code(vector["input"]["code"])
    assert (_claims_json(claims), sig.hex()) == (vector["expected"]["claims"], vector["expected"]["signature"])


@pytest.mark.parametrize("vector", _vectors("offline.ticket_code_verify"))
def test_ticket_code_verify_vector(vector: dict[str, Any]) -> None:
    i = vector["input"]

    def run() -> fc.TicketClaims:
        keys, fest, now = _keys(i["keys"]), uuid.UUID(i["festival_id"]), _iso(i["now"])
        store = fc.RevocationStore()
        if i.get("revocation_list"):
            store.install(bytes.fromhex(i["revocation_list"]), keys, fest, now)
        return fc.verify_ticket_code(i["code"], keys, fest, now, store, i["max_staleness_ms"])

    out = _expect(vector, run)
    if out is not None:
        assert _claims_json(out) == vector["expected"]["claims"]


@pytest.mark.parametrize("vector", _vectors("offline.revocation_list_issue"))
def test_revocation_list_issue_vector(vector: dict[str, Any]) -> None:
    i = vector["input"]
    out = _expect(vector, lambda: _list(i["list"]).sign(bytes.fromhex(i["seed"])))
    if out is not None:
        assert out.hex() == vector["expected"]["bytes"]


@pytest.mark.parametrize("vector", _vectors("offline.revocation_list_decode"))
def test_revocation_list_decode_vector(vector: dict[str, Any]) -> None:
    lst, sig = fc.RevocationList.decode(bytes.fromhex(vector["input"]["bytes"]))
    assert (_list_json(lst), sig.hex()) == (vector["expected"]["list"], vector["expected"]["signature"])


@pytest.mark.parametrize("vector", _vectors("offline.revocation_list_install"))
def test_revocation_list_install_vector(vector: dict[str, Any]) -> None:
    i = vector["input"]
    keys, fest, now = _keys(i["keys"]), uuid.UUID(i["festival_id"]), _iso(i["now"])
    store = fc.RevocationStore()
    for h in i["installed"]:
        store.install(bytes.fromhex(h), keys, fest, now)
    out = _expect(vector, lambda: store.install(bytes.fromhex(i["offered"]), keys, fest, now))
    if out is not None:
        cur = store.current()
        assert {"result": out, "installed_version": None if cur is None else str(cur.version)} == vector["expected"]


FEST = uuid.UUID(int=0xF0)
ISSUER = bytes([7]) * 32
T0 = datetime(2026, 7, 4, 16, tzinfo=timezone.utc)


def test_gate_flow_issue_verify_revoke() -> None:
    key = fc.IssuerKey(1, fc.public_key_from_seed(ISSUER), FEST, T0 - timedelta(days=1), T0 + timedelta(days=2))
    assert (key.key_id, key.festival_id, key.public_key) == (1, FEST, fc.public_key_from_seed(ISSUER))
    assert key.valid_from == T0 - timedelta(days=1) and "IssuerKey(key_id=1" in repr(key)
    keys = fc.KeySet([key])
    assert len(keys) == 1 and repr(keys) == "KeySet(keys=1)"
    t1, t2 = uuid.UUID(int=0x401), uuid.UUID(int=0x402)
    c1 = fc.TicketClaims(1, FEST, t1, "DAY", T0, T0 + timedelta(hours=12))
    assert len(c1.encode()) > 0 and "TicketClaims(key_id=1" in repr(c1)
    code1 = fc.issue_ticket_code(c1, ISSUER)
    code2 = fc.issue_ticket_code(fc.TicketClaims(1, FEST, t2, "VIP", T0, T0 + timedelta(hours=12)), ISSUER)
    assert code1.startswith("FC") and fc.decode_ticket_code(code1)[0] == c1
    store = fc.RevocationStore()
    assert store.current() is None and repr(store) == "RevocationStore(version=None)"
    with pytest.raises(fc.OfflineError) as ei:
        fc.verify_ticket_code(code1, keys, FEST, T0 + timedelta(hours=1), store, 60_000)
    assert ei.value.code == "CODE_REVOCATION_LIST_STALE"
    lst = fc.RevocationList(FEST, 1, 1, T0, [t2], [bytes.fromhex("04a1b2c3")], [uuid.UUID(int=6)])
    signed = lst.sign(ISSUER)
    assert fc.RevocationList.verify(signed, keys, FEST) == lst and fc.RevocationList.decode(signed)[0] == lst
    assert store.install(signed, keys, FEST, T0) == "installed" and store.install(signed, keys, FEST, T0) == "unchanged"
    cur = store.current()
    assert cur is not None and (cur.version, cur.key_id, cur.issued_at, cur.festival_id) == (1, 1, T0, FEST)
    assert cur.is_ticket_revoked(t2) and not cur.is_ticket_revoked(t1)
    assert cur.is_tag_blocked(bytes.fromhex("04a1b2c3")) and cur.is_device_revoked(uuid.UUID(int=6))
    assert (cur.revoked_tickets, cur.blocked_tags, cur.revoked_devices) == ([t2], [bytes.fromhex("04a1b2c3")], [uuid.UUID(int=6)])
    assert fc.verify_ticket_code(code1, keys, FEST, T0 + timedelta(minutes=5), store, 3_600_000) == c1
    with pytest.raises(fc.OfflineError) as ei:
        fc.verify_ticket_code(code2, keys, FEST, T0 + timedelta(minutes=5), store, 3_600_000)
    assert ei.value.code == "CODE_REVOKED"
    assert store.fresh(T0 + timedelta(minutes=5), 3_600_000) == lst
    with pytest.raises(fc.OfflineError) as ei:
        store.fresh(T0 + timedelta(hours=2), 3_600_000)
    assert ei.value.code == "CODE_REVOCATION_LIST_STALE"
    with pytest.raises(fc.OfflineError) as ei:
        store.install(fc.RevocationList(FEST, 1, 1, T0 + timedelta(seconds=1)).sign(ISSUER), keys, FEST, T0 + timedelta(minutes=1))
    assert ei.value.code == "CODE_REVOCATION_LIST_OUTDATED"
    assert repr(store) == "RevocationStore(version=1)" and "RevocationList(key_id=1, version=1" in repr(lst)


def test_codes_hostile_input() -> None:
    keys = fc.KeySet([fc.IssuerKey(1, fc.public_key_from_seed(ISSUER), FEST, T0, T0 + timedelta(days=1))])
    for bad in ("", "FC", "FC!!!!", "XX" + "A" * 40, "FC" + "A" * 5000):
        with pytest.raises(fc.OfflineError) as ei:
            fc.decode_ticket_code(bad)
        assert ei.value.code == "CODE_MALFORMED"
    with pytest.raises(fc.OfflineError) as ei:
        fc.issue_ticket_code(fc.TicketClaims(1, FEST, uuid.UUID(int=1), "day pass", T0, T0), ISSUER)
    assert ei.value.code == "CODE_MALFORMED"
    with pytest.raises(fc.OfflineError):
        fc.RevocationList(FEST, 1, 1, T0, [uuid.UUID(int=2), uuid.UUID(int=1)]).encode()  # unsorted
    for bad_bytes in (b"", b"FCL", bytes(200)):
        with pytest.raises(fc.OfflineError):
            fc.RevocationList.decode(bad_bytes)
        with pytest.raises(fc.OfflineError):
            fc.RevocationStore().install(bad_bytes, keys, FEST, T0)
    with pytest.raises(fc.OfflineError) as ei:
        fc.KeySet([fc.IssuerKey(1, bytes(32), FEST, T0, T0)])
    assert ei.value.code == "OFFLINE_INVALID_KEY"
    with pytest.raises(ValueError):
        fc.IssuerKey(1, bytes(31), FEST, T0, T0)
    with pytest.raises(TypeError):
        fc.RevocationList(FEST, 1, 1, T0, blocked_tags=b"\x04\xa1")
    with pytest.raises(TypeError):
        fc.RevocationList(FEST, 1, 1, T0, revoked_tickets="00000000-0000-0000-0000-000000000001")
    with pytest.raises((OverflowError, TypeError)):
        fc.RevocationList(FEST, 1, -1, T0)
    with pytest.raises(ValueError):
        fc.TicketClaims(1, FEST, uuid.UUID(int=1), "DAY", datetime(2026, 7, 4), T0)
    with pytest.raises(fc.OfflineError) as ei:
        fc.issue_ticket_code(fc.TicketClaims(1, FEST, uuid.UUID(int=1), "DAY", T0, T0), ISSUER[:5])
    assert ei.value.code == "OFFLINE_INVALID_KEY"
