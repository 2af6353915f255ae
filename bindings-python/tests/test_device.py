"""Offline device side through Python: payloads, record bodies, signed records and batches
(replaying the record/batch conformance vectors through the objects), DeviceSigner and DeviceLog
(limits, balances, queue, export, acknowledge, restore), errors and hostile bytes."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import festival_core as fc
from conftest import VECTORS_DIR

EUR = "EUR"
FEST = uuid.UUID(int=0xF0)
DEV = uuid.UUID(int=1)
SEED = bytes(range(32))
T0 = datetime(2026, 7, 4, 16, tzinfo=timezone.utc)
W1, W2, STAND = uuid.UUID(int=0x1001), uuid.UUID(int=0x1002), uuid.UUID(int=0x51)

OFFLINE = json.loads((VECTORS_DIR / "offline.json").read_text(encoding="utf-8"))["vectors"]


def _vectors(op: str) -> list[Any]:
    return [pytest.param(v, id=v["name"]) for v in OFFLINE if v["op"] == op]


def _iso(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _m(d: dict[str, str]) -> fc.Money:
    return fc.Money(d["amount"], d["currency"])


def _line(line: dict[str, Any]) -> fc.LineItem:
    kind = line.get("kind", "sale")
    if isinstance(kind, dict):
        v = kind["voucher"]
        return fc.LineItem(line["sku"], line["quantity"], _m(line["unit_price"]), fc.VoucherPrice(v["voucher_type"], v["count"]))
    return fc.LineItem(line["sku"], line["quantity"], _m(line["unit_price"]), kind)


def _payload(p: dict[str, Any]) -> fc.Payload:
    k = p["kind"]
    if k == "payment" and "catalog" in p:
        c = p["catalog"]
        return fc.Payload.catalog_payment(uuid.UUID(p["wallet_id"]), _m(p["amount"]), uuid.UUID(p["stand_id"]),
                                          c["version"], [_line(x) for x in c["lines"]])
    if k == "payment":
        items = [(uuid.UUID(i["product_id"]), i["quantity"], _m(i["unit_price"])) for i in p.get("items", [])]
        return fc.Payload.payment(uuid.UUID(p["wallet_id"]), _m(p["amount"]), uuid.UUID(p["stand_id"]), items)
    if k == "top_up":
        return fc.Payload.top_up(uuid.UUID(p["wallet_id"]), _m(p["amount"]))
    if k == "refund":
        return fc.Payload.refund(uuid.UUID(p["wallet_id"]), _m(p["amount"]), uuid.UUID(p["original_record_id"]))
    if k == "scan":
        return fc.Payload.scan(uuid.UUID(p["ticket_id"]), uuid.UUID(p["zone_id"]), p["direction"])
    if k == "deposit_return":
        return fc.Payload.deposit_return(uuid.UUID(p["wallet_id"]), uuid.UUID(p["stand_id"]), p["product"], p["quantity"],
                                         _m(p["amount"]), p["catalog_version"])
    return fc.Payload.void(uuid.UUID(p["voided_record_id"]))


def _body(r: dict[str, Any]) -> fc.RecordBody:
    return fc.RecordBody(
        uuid.UUID(r["record_id"]), uuid.UUID(r["device_id"]), uuid.UUID(r["festival_id"]), int(r["sequence"]),
        bytes.fromhex(r["prev_hash"]), _iso(r["device_time"]), (r["hlc"]["physical_ms"], r["hlc"]["logical"]),
        _payload(r["payload"]),
    )


@pytest.mark.parametrize("vector", _vectors("offline.sign_record"))
def test_sign_record_vector(vector: dict[str, Any]) -> None:
    rec = _body(vector["input"]["record"]).sign(bytes.fromhex(vector["input"]["seed"]))
    exp = vector["expected"]
    assert (bytes(rec).hex(), rec.hash.hex(), rec.signature.hex()) == (exp["bytes"], exp["hash"], exp["signature"])


@pytest.mark.parametrize("vector", _vectors("offline.record_encode"))
def test_record_encode_vector(vector: dict[str, Any]) -> None:
    if "expected" in vector:
        body = _body(vector["input"]["record"])
        data = body.encode()
        assert data.hex() == vector["expected"]["bytes"]
        assert fc.RecordBody.decode(data) == body
    else:
        with pytest.raises(fc.OfflineError) as ei:
            _body(vector["input"]["record"]).encode()
        assert ei.value.code == vector["expected_error"]


@pytest.mark.parametrize("vector", _vectors("offline.record_decode"))
def test_record_decode_vector(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["input"]["bytes"])
    if "expected" in vector:
        rec = fc.SignedRecord.from_bytes(data)
        assert rec.body == _body(vector["expected"]["record"])
        assert (rec.to_bytes(), rec.hash.hex(), rec.signature.hex()) == (
            data, vector["expected"]["hash"], vector["expected"]["signature"])
    else:
        with pytest.raises(fc.OfflineError) as ei:
            fc.SignedRecord.from_bytes(data)
        assert ei.value.code == vector["expected_error"]


@pytest.mark.parametrize("vector", _vectors("offline.batch_decode"))
def test_batch_decode_vector(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["input"]["bytes"])
    if "expected" in vector:
        recs = fc.decode_batch(data)
        assert [bytes(r).hex() for r in recs] == [r["bytes"] for r in vector["expected"]["records"]]
        assert fc.encode_batch(recs) == data
    else:
        with pytest.raises(fc.OfflineError) as ei:
            fc.decode_batch(data)
        assert ei.value.code == vector["expected_error"]


def test_payload_constructors_fields_and_repr() -> None:
    p = fc.Payload.payment(W1, fc.Money("7.50", EUR), STAND, [(uuid.UUID(int=9), 3, fc.Money("2.50", EUR))])
    assert p.kind == "payment" and p.fields() == {
        "wallet_id": W1, "amount": fc.Money("7.50", EUR), "stand_id": STAND,
        "items": [(uuid.UUID(int=9), 3, fc.Money("2.50", EUR))],
    }
    assert repr(p).startswith("Payload.payment(wallet_id=UUID('00000000-0000-0000-0000-000000001001'), amount=Money(")
    assert fc.Payload.top_up(W1, fc.Money("5", EUR)).fields() == {"wallet_id": W1, "amount": fc.Money("5", EUR)}
    assert fc.Payload.refund(W1, fc.Money("1", EUR), uuid.UUID(int=3)).fields()["original_record_id"] == uuid.UUID(int=3)
    s = fc.Payload.scan(uuid.UUID(int=4), uuid.UUID(int=5), "in")
    assert (s.kind, s.fields()["direction"]) == ("scan", "in")
    v = fc.Payload.void(uuid.UUID(int=6))
    assert (v.kind, v.fields(), v == fc.Payload.void(uuid.UUID(int=6)), v == s) == (
        "void", {"voided_record_id": uuid.UUID(int=6)}, True, False)
    assert "Payload.scan(" in repr(s) and "Payload.void(" in repr(v) and "Payload.refund(" in repr(
        fc.Payload.refund(W1, fc.Money("1", EUR), uuid.UUID(int=3))) and "Payload.top_up(" in repr(
        fc.Payload.top_up(W1, fc.Money("5", EUR)))
    with pytest.raises(TypeError):
        fc.Payload.top_up(W1, 5.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        fc.Payload.scan(uuid.UUID(int=4), uuid.UUID(int=5), "up")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fc.Payload.payment(W1, fc.Money("1", EUR), STAND, "items")  # type: ignore[arg-type]
    with pytest.raises(fc.InputError):
        fc.Payload.void("nope")


def test_signer_chains_records_and_verifies() -> None:
    signer = fc.DeviceSigner(SEED, DEV, FEST)
    assert signer.public_key == fc.public_key_from_seed(SEED) and signer.next_sequence == 1
    assert (signer.device_id, signer.festival_id, signer.last_hash, signer.last_hlc) == (DEV, FEST, bytes(32), (0, 0))
    r1 = signer.sign(uuid.UUID(int=100), T0, fc.Payload.top_up(W1, fc.Money("20", EUR)))
    r2 = signer.sign(uuid.UUID(int=101), T0, fc.Payload.top_up(W1, fc.Money("5", EUR)))
    assert (r1.sequence, r2.sequence, r2.body.prev_hash, signer.last_hash) == (1, 2, r1.hash, r2.hash)
    assert r2.body.hlc == (int(T0.timestamp() * 1000), 1) and signer.last_hlc == r2.body.hlc
    assert fc.verify_signature(signer.public_key, r1.signing_input(), r1.signature)
    assert r1.order_key() == (r1.body.hlc, DEV, 1) and r1.kind == "top_up" and r1.record_id == uuid.UUID(int=100)
    assert fc.SignedRecord.from_bytes(bytes(r1)) == r1
    assert fc.SignedRecord.from_parts(r1.body, r1.signature) == r1
    assert r1.body.sign(SEED) == r1  # Ed25519 is deterministic: the same body signs to the same bytes
    signer.observe((int(T0.timestamp() * 1000) + 60_000, 7), T0)
    assert signer.last_hlc == (int(T0.timestamp() * 1000) + 60_000, 8)
    resumed = fc.DeviceSigner.resume(SEED, DEV, FEST, signer.next_sequence, signer.last_hash, signer.last_hlc)
    r3 = resumed.sign(uuid.UUID(int=102), T0, fc.Payload.void(uuid.UUID(int=101)))
    assert r3.sequence == 3 and r3.body.prev_hash == r2.hash
    assert "DeviceSigner(device_id=UUID(" in repr(signer) and "SignedRecord(record_id=UUID(" in repr(r1)
    assert "RecordBody(record_id=UUID(" in repr(r1.body) and r1.body.kind == "top_up"
    assert (r1.body.record_id, r1.body.device_id, r1.body.festival_id, r1.body.sequence) == (uuid.UUID(int=100), DEV, FEST, 1)
    assert r1.body.device_time == T0 and r1.body.payload == fc.Payload.top_up(W1, fc.Money("20", EUR))


def _log(**kw: Any) -> fc.DeviceLog:
    limits: dict[str, Any] = dict(
        per_payment=fc.Money("50", EUR), per_wallet_offline=fc.Money("80", EUR),
        max_stored_value=fc.Money("500", EUR), max_queued_records=10,
    )
    limits.update(kw)
    return fc.DeviceLog(fc.DeviceSigner(SEED, DEV, FEST), EUR, **limits)


def test_device_log_limits_balances_queue_export_ack() -> None:
    log = _log()
    assert log.currency == EUR and log.limits()["max_queued_records"] == 10
    log.set_synced_balances({W1: fc.Money("100", EUR), W2: fc.Money("10", EUR)})
    assert log.synced_balances() == {W1: fc.Money("100", EUR), W2: fc.Money("10", EUR)}
    p = log.pay(uuid.UUID(int=1), T0, W1, fc.Money("30", EUR), STAND, [(uuid.UUID(int=9), 2, fc.Money("15", EUR))])
    assert p.kind == "payment" and log.available(W1) == fc.Money("70", EUR)
    assert (log.offline_spent(W1), log.stored_value()) == (fc.Money("30", EUR), fc.Money("30", EUR))
    with pytest.raises(fc.OfflineError) as ei:
        log.pay(uuid.UUID(int=2), T0, W1, fc.Money("60", EUR), STAND)
    assert ei.value.code == "DEVICE_LIMIT_EXCEEDED" and ei.value.details["limit"] == "per_payment"
    log.pay(uuid.UUID(int=2), T0, W1, fc.Money("45", EUR), STAND)
    with pytest.raises(fc.OfflineError) as ei:
        log.pay(uuid.UUID(int=3), T0, W1, fc.Money("10", EUR), STAND)
    assert ei.value.code == "DEVICE_LIMIT_EXCEEDED" and ei.value.details["limit"] == "per_wallet_offline"
    with pytest.raises(fc.OfflineError) as ei:
        log.pay(uuid.UUID(int=3), T0, W2, fc.Money("11", EUR), STAND)
    assert ei.value.code == "DEVICE_INSUFFICIENT_BALANCE"
    log.top_up(uuid.UUID(int=3), T0, W2, fc.Money("5", EUR))
    assert log.available(W2) == fc.Money("15", EUR)
    log.record(uuid.UUID(int=4), T0, fc.Payload.void(uuid.UUID(int=3)))
    assert log.queued() == 4 and [r.sequence for r in log.queued_records()] == [1, 2, 3, 4]
    batch = log.export_batch()
    assert [bytes(r) for r in fc.decode_batch(batch)] == [bytes(r) for r in log.queued_records()]
    log.acknowledge(2)
    assert log.queued() == 2 and log.signer.next_sequence == 5
    assert "DeviceLog(device_id=UUID(" in repr(log)


def test_device_log_queue_full_and_bad_limits() -> None:
    log = _log(max_queued_records=1)
    log.top_up(uuid.UUID(int=1), T0, W1, fc.Money("1", EUR))
    with pytest.raises(fc.OfflineError) as ei:
        log.top_up(uuid.UUID(int=2), T0, W1, fc.Money("1", EUR))
    assert ei.value.code == "DEVICE_QUEUE_FULL"
    with pytest.raises(fc.OfflineError) as ei:
        _log(per_payment=fc.Money("1", "USD"))
    assert ei.value.code == "OFFLINE_INVALID_AMOUNT"
    with pytest.raises(fc.OfflineError):
        log.set_synced_balances({W1: fc.Money("1", "USD")})
    with pytest.raises(TypeError):
        log.set_synced_balances([(W1, fc.Money("1", EUR))])  # type: ignore[arg-type]


def test_restore_and_state_json_are_lossless_and_tamper_evident() -> None:
    log = _log()
    log.set_synced_balances({W1: fc.Money("100", EUR)})
    log.pay(uuid.UUID(int=1), T0, W1, fc.Money("10", EUR), STAND)
    log.top_up(uuid.UUID(int=2), T0 + timedelta(seconds=1), W1, fc.Money("5", EUR))
    s = log.signer
    queued = [bytes(r) for r in log.queued_records()]
    resumed = fc.DeviceSigner.resume(SEED, DEV, FEST, s.next_sequence, s.last_hash, s.last_hlc)
    limits = log.limits()
    back = fc.DeviceLog.restore(resumed, EUR, log.synced_balances(), queued, **limits)
    assert back.export_batch() == log.export_batch() and back.available(W1) == log.available(W1)
    with pytest.raises(fc.OfflineError) as ei:
        fc.DeviceLog.restore(resumed, EUR, {}, queued[::-1], **limits)
    assert ei.value.code.startswith("OFFLINE_")
    with pytest.raises(fc.OfflineError):
        fc.DeviceLog.restore(resumed, EUR, {}, queued[:1], **limits)  # truncated queue
    state = log.state_json()
    assert SEED.hex() not in state
    again = fc.DeviceLog.from_state_json(SEED, state)
    assert again.export_batch() == log.export_batch() and again.state_json() == state
    with pytest.raises(fc.OfflineError):
        fc.DeviceLog.from_state_json(bytes(32), state)  # another key
    with pytest.raises(fc.InputError):
        fc.DeviceLog.from_state_json(SEED, "{")


def test_hostile_bytes_and_arguments() -> None:
    rec = fc.DeviceSigner(SEED, DEV, FEST).sign(uuid.UUID(int=1), T0, fc.Payload.top_up(W1, fc.Money("1", EUR)))
    data = bytes(rec)
    for bad in (b"", data[:10], data[:-1], data + b"\x00", b"\xff" * 300):
        with pytest.raises(fc.OfflineError) as ei:
            fc.SignedRecord.from_bytes(bad)
        assert ei.value.code == "OFFLINE_MALFORMED"
    for bad in (b"", b"FCB", data):
        with pytest.raises(fc.OfflineError):
            fc.decode_batch(bad)
    assert fc.SignedRecord.from_bytes(bytearray(data)) == rec and fc.SignedRecord.from_bytes(memoryview(data)) == rec
    with pytest.raises(TypeError):
        fc.SignedRecord.from_bytes(data.hex())  # type: ignore[arg-type]
    with pytest.raises(fc.OfflineError) as ei:
        fc.DeviceSigner(SEED[:31], DEV, FEST)
    assert ei.value.code == "OFFLINE_INVALID_KEY"
    with pytest.raises(ValueError):
        fc.DeviceSigner(SEED, DEV, FEST).sign(uuid.UUID(int=1), datetime(2026, 7, 4), fc.Payload.void(uuid.UUID(int=1)))
    with pytest.raises(ValueError):
        fc.RecordBody(uuid.UUID(int=1), DEV, FEST, 1, bytes(31), T0, (0, 0), fc.Payload.void(uuid.UUID(int=1)))
    with pytest.raises(TypeError):
        fc.RecordBody(uuid.UUID(int=1), DEV, FEST, 1, bytes(32), T0, "0:0", fc.Payload.void(uuid.UUID(int=1)))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        fc.SignedRecord.from_parts(rec.body, b"\x00" * 63)
    with pytest.raises(TypeError):
        fc.encode_batch([data])  # type: ignore[list-item]
    with pytest.raises((OverflowError, TypeError)):
        _log().acknowledge(-1)
