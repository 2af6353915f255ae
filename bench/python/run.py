"""Python peer pipeline for the festival-core offline-sync benchmark, side by side with
festival-core's bindings-python on the same FCBENCH1 file.

    python bench/python/run.py <data-file> [--repeat N] [--native DIR] [--json out.json]

- "PyNaCl + decimal": what a Python team would write: decode our binary batches, verify Ed25519
  with PyNaCl (libsodium), SHA-256 hash chain with hashlib, registry/policy checks, order by
  (HLC, device, seq), apply money with `decimal.Decimal` (first wins).
- "festival-core bindings-python (typed reconcile)": `reconcile(state, registry, batches: list[bytes],
  now, config)` with `DeviceRegistry` / `ReconcileState` / `Wallet` set up inside the timing (like the
  peer's keys and balances); bytes in, a `ReconcileReport` out. Falls back to `conformance_execute(
  'offline.reconcile', json)` (JSON in/out with hex batches, included in the time) if the module has
  no typed `reconcile`. Loaded from `--native DIR` (a directory holding the release `_native.abi3.so`).
Also the per-call cost of a tiny call (money add) in the binding vs `decimal`.
"""

import hashlib
import json
import statistics
import sys
import time
from datetime import datetime, timezone
from decimal import Decimal

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

DOMAIN = b"festival-core/record/v1"
ZERO32 = bytes(32)
HUNDRED = Decimal(100)


def parse_data_file(buf):
    p = 0

    def take(n):
        nonlocal p
        s = buf[p : p + n]
        p += n
        return s

    def u32():
        return int.from_bytes(take(4), "big")

    def u64():
        return int.from_bytes(take(8), "big")

    assert take(8) == b"FCBENCH1", "not an FCBENCH1 file"
    festival = take(16).hex()
    currency = take(take(1)[0]).decode("ascii")
    t0, now_ms, valid_until_ms = u64(), u64(), u64()
    devices = {}
    for _ in range(u32()):
        dev_id = take(16).hex()
        pk = take(32)
        desk = take(1)[0] == 1
        stand = take(16).hex()
        devices[dev_id] = (pk, desk, stand)
    wallets = []
    for _ in range(u32()):
        wid = take(16).hex()
        wallets.append((wid, u64()))
    rounds = []
    for _ in range(u32()):
        batches = []
        for _ in range(u32()):
            n = u32()
            batches.append(take(n))
        rounds.append(batches)
    return dict(festival=festival, currency=currency, t0=t0, now_ms=now_ms, valid_from_ms=t0 - 86_400_000,
                valid_until_ms=valid_until_ms, devices=devices, wallets=wallets, rounds=rounds)


def decode_record(b):
    if b[:3] != b"FCR" or b[3] != 1:
        raise ValueError("malformed record")
    kind = b[4]
    o = 5
    r = {"bytes": b, "kind": kind, "record_id": b[o : o + 16], "device": b[o + 16 : o + 32].hex(),
         "festival": b[o + 32 : o + 48].hex()}
    o += 48
    r["seq"] = int.from_bytes(b[o : o + 8], "big"); o += 8
    r["prev"] = b[o : o + 32]; o += 32
    r["device_time"] = int.from_bytes(b[o : o + 8], "big"); o += 8
    r["hlc"] = (int.from_bytes(b[o : o + 8], "big"), int.from_bytes(b[o + 8 : o + 12], "big")); o += 12
    r["wallet"] = b[o : o + 16]; o += 16
    r["amount"] = int.from_bytes(b[o : o + 8], "big"); o += 8
    cl = b[o]
    r["currency"] = b[o + 1 : o + 1 + cl].decode("ascii"); o += 1 + cl
    if kind == 1:
        r["stand"] = b[o : o + 16].hex(); o += 16
        n = int.from_bytes(b[o : o + 2], "big"); o += 2
        items = []
        for _ in range(n):
            items.append((int.from_bytes(b[o + 16 : o + 20], "big"), int.from_bytes(b[o + 20 : o + 28], "big")))
            o += 28
        r["items"] = items
    elif kind != 2:
        raise ValueError(f"record kind {kind} is not in this benchmark")
    r["body_len"] = o
    r["sig"] = b[o : o + 64]
    if o + 64 != len(b):
        raise ValueError("trailing bytes")
    return r


def decode_batch(b):
    if b[:3] != b"FCB" or b[3] != 1:
        raise ValueError("malformed batch")
    n = int.from_bytes(b[4:8], "big")
    o = 8
    out = []
    for _ in range(n):
        ln = int.from_bytes(b[o : o + 4], "big")
        out.append(decode_record(b[o + 4 : o + 4 + ln]))
        o += 4 + ln
    if o != len(b):
        raise ValueError("trailing bytes in batch")
    return out


def initial_state(data):
    return {"balances": {bytes.fromhex(w): Decimal(c) / HUNDRED for w, c in data["wallets"]},
            "chains": {}, "accepted": set()}


def reconcile(data, state, batches, keys):
    counts = {"accepted": 0, "conflict": 0, "rejected": 0, "duplicate": 0}
    by_hash = {}
    for b in batches:
        for r in decode_batch(b):
            r["hash"] = hashlib.sha256(r["bytes"]).digest()
            by_hash.setdefault(r["hash"], r)
    by_device = {}
    for r in by_hash.values():
        vk = keys.get(r["device"])
        if vk is None:
            counts["rejected"] += 1
            continue
        try:
            vk.verify(DOMAIN + r["bytes"][: r["body_len"]], r["sig"])
        except BadSignatureError:
            counts["rejected"] += 1
            continue
        by_device.setdefault(r["device"], []).append(r)
    valid = []
    for device, recs in by_device.items():
        _, desk, stand = data["devices"][device]
        recs.sort(key=lambda r: r["seq"])
        chain = state["chains"].setdefault(device, {"seq": 0, "hash": ZERO32, "hlc": (-1, 0)})
        for r in recs:
            if r["seq"] <= chain["seq"]:
                counts["duplicate"] += 1
                continue
            if r["seq"] != chain["seq"] + 1 or r["prev"] != chain["hash"]:
                counts["rejected"] += 1
                continue
            hlc_ok = r["hlc"] > chain["hlc"]
            chain["seq"], chain["hash"], chain["hlc"] = r["seq"], r["hash"], r["hlc"]
            t = r["device_time"]
            allowed = (hlc_ok and r["festival"] == data["festival"] and data["valid_from_ms"] <= t < data["valid_until_ms"]
                       and t - data["now_ms"] <= 300_000 and abs(t - r["hlc"][0]) <= 3_600_000
                       and r["currency"] == data["currency"]
                       and ((r["kind"] == 2) if desk else (r["kind"] == 1 and r["stand"] == stand)))
            if allowed:
                valid.append(r)
            else:
                counts["rejected"] += 1
    valid.sort(key=lambda r: (r["hlc"], r["device"], r["seq"]))
    balances, accepted = state["balances"], state["accepted"]
    for r in valid:
        if r["record_id"] in accepted or r["wallet"] not in balances:
            counts["rejected"] += 1
            continue
        amount = Decimal(r["amount"]) / HUNDRED
        bal = balances[r["wallet"]]
        if r["kind"] == 2:
            balances[r["wallet"]] = bal + amount
        else:
            total = sum((Decimal(unit) / HUNDRED * qty for qty, unit in r["items"]), Decimal(0))
            if r["items"] and total != amount:
                counts["rejected"] += 1
                continue
            if bal < amount:
                counts["conflict"] += 1
                continue
            balances[r["wallet"]] = bal - amount
        accepted.add(r["record_id"])
        counts["accepted"] += 1
    return counts


def run_peer(data):
    keys = {d: VerifyKey(pk) for d, (pk, _, _) in data["devices"].items()}
    state = initial_state(data)
    counts = {"accepted": 0, "conflict": 0, "rejected": 0, "duplicate": 0}
    for rnd in data["rounds"]:
        for k, v in reconcile(data, state, rnd, keys).items():
            counts[k] += v
    total = sum(state["balances"].values(), Decimal(0))
    return {"counts": counts, "total": f"{total:.2f}"}


def uuid(h):
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def conformance_input(data, batches):
    devices = []
    for d, (pk, desk, stand) in data["devices"].items():
        devices.append({"device_id": uuid(d), "public_key": pk.hex(), "festival_id": uuid(data["festival"]),
                        "role": "top_up" if desk else "pos", "locations": [] if desk else [uuid(stand)],
                        "valid_from": iso(data["valid_from_ms"]), "valid_until": iso(data["valid_until_ms"]),
                        "revoked_at": None})
    return {"festival_id": uuid(data["festival"]), "currency": data["currency"],
            "wallets": {uuid(w): f"{Decimal(c) / HUNDRED:.2f}" for w, c in data["wallets"]},
            "devices": devices, "batches": [b.hex() for b in batches], "now": iso(data["now_ms"]),
            "policy": "first_wins"}


def run_native(native, data):
    if len(data["rounds"]) != 1:
        raise SystemExit("the conformance op path is measured on single-round files (100k)")
    out = json.loads(native.conformance_execute("offline.reconcile", json.dumps(conformance_input(data, data["rounds"][0]))))
    c = out["report"]["counts"]
    total = Decimal(0)
    for b in out["report"]["balances"].values():
        t = b["total"]
        total += Decimal(t["amount"] if isinstance(t, dict) else t)
    return {"counts": {k: c[k] for k in ("accepted", "conflict", "rejected", "duplicate")}, "total": f"{total:.2f}"}


def typed_pipeline(native, data):
    """festival-core through bindings-python's typed API (one `reconcile` call per round)."""
    fid, cur = uuid(data["festival"]), data["currency"]

    def dt(ms):
        return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)

    vf, vu, now, epoch = dt(data["valid_from_ms"]), dt(data["valid_until_ms"]), dt(data["now_ms"]), dt(0)
    wallets = [(uuid(w), f"{Decimal(c) / HUNDRED:.2f}") for w, c in data["wallets"]]

    def run():
        entries = [native.DeviceEntry(uuid(d), pk, fid, "top_up" if desk else "pos", vf, vu, [] if desk else [uuid(stand)])
                   for d, (pk, desk, stand) in data["devices"].items()]
        registry = native.DeviceRegistry(entries)
        state = native.ReconcileState(fid, cur)
        for wid, amount in wallets:
            w = native.Wallet(wid, fid, cur)
            w.top_up(wid, epoch, native.Money(amount, cur))
            state.add_wallet(w)
        config = native.ReconcileConfig("first_wins")
        counts = {"accepted": 0, "conflict": 0, "rejected": 0, "duplicate": 0}
        for rnd in data["rounds"]:
            c = native.reconcile(state, registry, rnd, now, config).counts
            for k in counts:
                counts[k] += c[k]
        return {"counts": counts, "total": f"{state.total_balance().amount:.2f}"}

    return run


def per_call(name, fn, n=200_000):
    for _ in range(10_000):
        fn()
    t = time.perf_counter_ns()
    for _ in range(n):
        fn()
    ns = (time.perf_counter_ns() - t) / n
    print(f"tiny call {name:<40} {ns:6.0f} ns/call")
    return {"name": name, "ns_per_call": round(ns)}


def main():
    args = sys.argv[1:]

    def opt(name, default=None):
        return args[args.index(name) + 1] if name in args else default

    data = parse_data_file(open(args[0], "rb").read())
    repeat = int(opt("--repeat", "3"))
    n_records = sum(int.from_bytes(b[4:8], "big") for rnd in data["rounds"] for b in rnd)
    native = None
    if opt("--native"):
        sys.path.insert(0, opt("--native"))
        import _native as native  # noqa: PLC0415 (the release build of bindings-python's native module)
    pipelines = [("PyNaCl + decimal", lambda: run_peer(data))]
    if native is not None and hasattr(native, "reconcile") and hasattr(native, "ReconcileState"):
        pipelines.append(("festival-core bindings-python (typed reconcile)", typed_pipeline(native, data)))
    elif native is not None:
        pipelines.append(("festival-core bindings-python (conformance_execute)", lambda: run_native(native, data)))
    times = {n: [] for n, _ in pipelines}
    outcomes = {}
    for _ in range(repeat):
        for name, fn in pipelines:
            t = time.perf_counter()
            outcomes[name] = fn()
            times[name].append(time.perf_counter() - t)
    print(f"records={n_records} rounds={len(data['rounds'])} repeat={repeat} python={sys.version.split()[0]}")
    results = []
    for name, ts in times.items():
        rps = n_records / statistics.median(ts)
        results.append({"name": name, "records_per_s": round(rps), "seconds": [round(x, 3) for x in ts],
                        "outcome": outcomes[name]})
        print(f"{name:<52} {rps:8.0f} rec/s   outcome {json.dumps(outcomes[name], separators=(',', ':'))}")
    identical = len({json.dumps(o, sort_keys=True) for o in outcomes.values()}) == 1
    print("outcomes: identical" if identical else "outcomes: DIFFER")
    a, b = Decimal("12.34"), Decimal("0.66")
    tiny = [per_call("decimal.Decimal +", lambda: a + b), per_call("str(decimal.Decimal)", lambda: str(a))]
    if native is not None:
        ma, mb = native.Money("12.34", "EUR"), native.Money("0.66", "EUR")
        tiny.append(per_call("bindings-python Money +", lambda: ma + mb))
        tiny.append(per_call("bindings-python str(Money)", lambda: str(ma)))
    if opt("--json"):
        with open(opt("--json"), "w") as f:
            json.dump({"records": n_records, "pipelines": results, "tiny": tiny, "identical": identical}, f, indent=1)


if __name__ == "__main__":
    main()
