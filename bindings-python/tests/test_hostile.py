"""No panic crosses: seeded random and mutated bytes / text through every decoder and through
reconcile give a library exception (or a report), never a crash or a non-festival exception."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import festival_core as fc

EUR = "EUR"
FEST = uuid.UUID(int=0xF0)
T0 = datetime(2026, 7, 4, 16, tzinfo=timezone.utc)
W, STAND = uuid.UUID(int=0x1001), uuid.UUID(int=0x51)


def _mutations(rng: random.Random, data: bytes, n: int) -> list[bytes]:
    out = [b"", data[:1], data[: len(data) // 2], data[:-1], data + b"\x00", bytes(len(data)), b"\xff" * len(data)]
    for _ in range(n):
        b = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            op = rng.randrange(3)
            if op == 0 and b:
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
            elif op == 1 and b:
                del b[rng.randrange(len(b)):]
            else:
                b.insert(rng.randrange(len(b) + 1), rng.randrange(256))
        out.append(bytes(b))
    out += [bytes(rng.randrange(256) for _ in range(rng.randrange(600))) for _ in range(n)]
    return out


def _only_festival_errors(fn: Callable[[Any], object], inputs: list[Any]) -> int:
    ok = 0
    for x in inputs:
        try:
            fn(x)
            ok += 1
        except fc.FestivalError:
            pass
    return ok


def _signed_setup() -> tuple[fc.DeviceRegistry, fc.DeviceLog]:
    signer = fc.DeviceSigner(bytes([9]) * 32, uuid.UUID(int=1), FEST)
    entry = fc.DeviceEntry(uuid.UUID(int=1), signer.public_key, FEST, "pos", T0 - timedelta(days=1), T0 + timedelta(days=1), [STAND])
    log = fc.DeviceLog(signer, EUR, per_payment=fc.Money("50", EUR), per_wallet_offline=fc.Money("500", EUR),
                       max_stored_value=fc.Money("5000", EUR), max_queued_records=100)
    log.set_synced_balances({W: fc.Money("100", EUR)})
    return fc.DeviceRegistry([entry]), log


def test_mutated_records_batches_lists_and_codes_raise_library_errors_only() -> None:
    rng = random.Random(20260704)
    registry, log = _signed_setup()
    for i in range(5):
        log.pay(uuid.UUID(int=0x100 + i), T0 + timedelta(seconds=i), W, fc.Money("1.25", EUR), STAND,
                [(uuid.UUID(int=7), 1, fc.Money("1.25", EUR))])
    record = bytes(log.queued_records()[0])
    batch = log.export_batch()
    seed = bytes([3]) * 32
    keys = fc.KeySet([fc.IssuerKey(1, fc.public_key_from_seed(seed), FEST, T0 - timedelta(days=1), T0 + timedelta(days=1))])
    lst = fc.RevocationList(FEST, 1, 1, T0, [uuid.UUID(int=5)], [b"\x04\xa1\xb2\xc3"], []).sign(seed)
    code = fc.issue_ticket_code(fc.TicketClaims(1, FEST, uuid.UUID(int=5), "DAY", T0, T0 + timedelta(hours=8)), seed)

    assert _only_festival_errors(fc.SignedRecord.from_bytes, _mutations(rng, record, 150)) >= 1
    assert _only_festival_errors(fc.RecordBody.decode, _mutations(rng, record[:-64], 100)) >= 1
    assert _only_festival_errors(fc.decode_batch, _mutations(rng, batch, 150)) >= 1
    assert _only_festival_errors(fc.RevocationList.decode, _mutations(rng, lst, 100)) >= 1
    _only_festival_errors(lambda b: fc.RevocationList.verify(b, keys, FEST), _mutations(rng, lst, 100))
    _only_festival_errors(lambda b: fc.RevocationStore().install(b, keys, FEST, T0), _mutations(rng, lst, 50))
    texts = [code[:i] for i in range(0, len(code), 7)] + ["".join(rng.choice("FCA27Z=-é\x00") for _ in range(rng.randrange(200))) for _ in range(100)]
    texts += [code[:k] + rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") + code[k + 1:] for k in (rng.randrange(2, len(code)) for _ in range(100))]
    assert _only_festival_errors(fc.decode_ticket_code, texts) >= 1
    store = fc.RevocationStore()
    store.install(lst, keys, FEST, T0)
    _only_festival_errors(lambda t: fc.verify_ticket_code(t, keys, FEST, T0 + timedelta(minutes=1), store, 3_600_000), texts)


def test_reconcile_over_mutated_batches_reports_instead_of_failing() -> None:
    rng = random.Random(7)
    registry, log = _signed_setup()
    for i in range(5):
        log.pay(uuid.UUID(int=0x100 + i), T0 + timedelta(seconds=i), W, fc.Money("2", EUR), STAND)
    batch = log.export_batch()
    state = fc.ReconcileState(FEST, EUR)
    w = fc.Wallet(W, FEST, EUR)
    w.top_up(uuid.UUID(int=0xAA), T0 - timedelta(hours=1), fc.Money("100", EUR))
    state.add_wallet(w)
    report = fc.reconcile(state, registry, _mutations(rng, batch, 60), T0 + timedelta(minutes=1))
    c = report.counts
    assert c["accepted"] + c["duplicate"] + c["rejected"] + c["conflict"] + c["pending"] == len(report.records)
    assert report.counts["rejected"] >= 1 and any(a.kind == "tampered_log" for a in report.alerts)
    # Whatever was accepted is exactly what the genuine batch adds; the genuine records still go through.
    report2 = fc.reconcile(state, registry, [batch], T0 + timedelta(minutes=2))
    assert report.counts["accepted"] + report2.counts["accepted"] == 5
    assert state.total_balance() == fc.Money("90", EUR)
