"""Analytics over Arrow data, checked against an independent pure-Python computation on generated
ledgers; partition merges are exact; pyarrow, Polars and pandas all feed and read it."""

from __future__ import annotations

import json
import pickle
import random
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import festival_core as fc
from festival_core import Money

HOUR = 3_600_000
KINDS = ["top_up", "bonus_credit", "payment", "refund", "payout", "adjustment", "expire_bonus", "transfer_out", "transfer_in"]


def generate(n: int, seed: int) -> dict[str, list[Any]]:
    """Random but valid ledger rows (signed sub-balance deltas in minor units)."""
    rnd = random.Random(seed)
    cols: dict[str, list[Any]] = defaultdict(list)
    for _ in range(n):
        kind = rnd.choice(KINDS)
        x, y, z = rnd.randrange(0, 10_000), rnd.randrange(0, 2_000), rnd.randrange(0, 500)
        r, b, d, fee = {
            "top_up": (x, 0, -z),
            "bonus_credit": (0, y, 0),
            "payment": (-x, -y, z),
            "refund": (x, y, -z),
            "payout": (-x, 0, 0),
            "adjustment": (x - 5000, 0, 0),
            "expire_bonus": (0, -y, 0),
            "transfer_out": (-x, 0, 0),
            "transfer_in": (x, 0, 0),
        }[kind] + (0,)
        if kind == "payout":
            fee = min(x, 100)
        cols["kind"].append(kind)
        cols["at"].append(1_780_000_000_000 + rnd.randrange(0, 48 * HOUR))
        cols["wallet"].append(f"w{rnd.randrange(50)}")
        stand = rnd.choice([None, "bar", "food", "merch", "topup"])
        cols["stand"].append(stand)
        cols["device"].append(None if stand is None else f"{stand}-{rnd.randrange(3)}")
        cols["product"].append(rnd.choice([None, "beer", "fries", "shirt"]) if kind in ("payment", "refund") else None)
        cols["quantity"].append(rnd.randrange(0, 4))
        cols["refundable"].append(r)
        cols["bonus"].append(b)
        cols["debt"].append(d)
        cols["fee"].append(fee)
    return dict(cols)


def to_arrow(cols: dict[str, list[Any]]) -> pa.Table:
    return pa.table(
        {
            **cols,
            "at": pa.array(cols["at"], pa.timestamp("ms", tz="UTC")),
            "refundable": pa.array(cols["refundable"], pa.int64()),
        }
    )


def expected(cols: dict[str, list[Any]]) -> dict[str, Any]:
    """The same analytics, computed row by row in plain Python with ints."""
    stands: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # sale_count, qty, sales, refunds, top_ups
    hours: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    products: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    totals: dict[str, int] = defaultdict(int)
    liab = [0, 0, 0]
    wallets: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for i, kind in enumerate(cols["kind"]):
        r, b, d, fee = cols["refundable"][i], cols["bonus"][i], cols["debt"][i], cols["fee"][i]
        value = r + b - d
        liab[0] += r
        liab[1] += b
        liab[2] += d
        w = wallets[cols["wallet"][i]]
        w[0] += r
        w[1] += b
        w[2] += d
        totals[kind] += value
        totals["fee"] += fee
        slot = {"payment": 2, "refund": 3, "top_up": 4}.get(kind)
        if slot is None:
            continue
        amount = -value if kind == "payment" else value
        groups = [hours[cols["at"][i] // HOUR * HOUR]]
        if cols["stand"][i] is not None:
            groups.append(stands[cols["stand"][i]])
        if cols["product"][i] is not None:
            groups.append(products[cols["product"][i]])
        for g in groups:
            g[slot] += amount
            if kind == "payment":
                g[0] += 1
                g[1] += cols["quantity"][i]
    return {"stands": stands, "hours": hours, "products": products, "totals": totals, "liab": liab, "wallets": wallets}


def eur(minor: int) -> Money:
    return Money.from_minor(minor, "EUR")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_pure_python(seed: int) -> None:
    cols = generate(3000, seed)
    exp = expected(cols)
    a = fc.analyze(to_arrow(cols), "EUR")
    assert a.rows == 3000 and a.currency == "EUR"

    st = a.settlements_by_stand().to_pydict()
    assert st["stand"] == sorted(exp["stands"])
    for i, s in enumerate(st["stand"]):
        e = exp["stands"][s]
        assert (st["sale_count"][i], st["quantity"][i]) == (e[0], e[1])
        assert st["sales"][i] == eur(e[2]) and st["refunds"][i] == eur(e[3]) and st["top_ups"][i] == eur(e[4])
        assert st["net"][i] == eur(e[2] - e[3])

    hr = a.revenue_by_hour().to_pydict()
    assert [int(h.timestamp()) * 1000 for h in hr["hour"]] == sorted(exp["hours"])
    assert all(h.tzinfo is not None for h in hr["hour"])
    assert [n.minor_units for n in hr["net"]] == [exp["hours"][h][2] - exp["hours"][h][3] for h in sorted(exp["hours"])]

    pr = a.revenue_by_product().to_pydict()
    assert {p: s.minor_units for p, s in zip(pr["product"], pr["sales"])} == {p: v[2] for p, v in exp["products"].items()}

    t = a.totals()
    tot = exp["totals"]
    assert t["top_ups"] == eur(tot["top_up"])
    assert t["sales"] == eur(-tot["payment"])
    assert t["refunds"] == eur(tot["refund"])
    assert t["payouts"] == eur(-tot["payout"]) and t["payout_fees"] == eur(tot["fee"])
    assert t["paid_out"] == eur(-tot["payout"] - tot["fee"])
    assert t["net_sales"] == eur(-tot["payment"] - tot["refund"])

    liab = a.liability()
    assert (liab["refundable"], liab["bonus"], liab["debt"]) == (eur(exp["liab"][0]), eur(exp["liab"][1]), eur(exp["liab"][2]))
    assert liab["wallets"] == len(exp["wallets"])
    assert liab["wallets_in_debt"] == sum(1 for w in exp["wallets"].values() if w[2] > 0)


def test_partitions_merge_exactly_in_any_order() -> None:
    cols = generate(2000, 7)
    table = to_arrow(cols)
    whole = fc.analyze(table, "EUR")
    parts = [fc.analyze(table.slice(i, 300), "EUR") for i in range(0, 2000, 300)]
    assert fc.Analytics.merge_all(parts, "EUR") == whole
    assert fc.Analytics.merge_all(list(reversed(parts)), "EUR") == whole
    assert parts[0].merge(parts[1]).merge(parts[2]) == parts[0].merge(parts[1].merge(parts[2]))
    assert fc.Analytics.empty("EUR").merge(whole) == whole
    # Multi-batch streams are aggregated batch by batch.
    assert fc.analyze(pa.Table.from_batches(table.to_batches(max_chunksize=128)), "EUR") == whole
    # Partials travel between processes exactly.
    assert pickle.loads(pickle.dumps(parts[3])) == parts[3]
    assert fc.Analytics.from_json(whole.to_json()) == whole
    with pytest.raises(fc.MoneyError) as ei:
        whole.merge(fc.Analytics.empty("USD"))
    assert ei.value.code == "MONEY_CURRENCY_MISMATCH"
    with pytest.raises(TypeError):
        whole.merge("nope")  # type: ignore[arg-type]


def test_polars_pandas_and_record_batches_in_and_out() -> None:
    cols = generate(500, 11)
    table = to_arrow(cols)
    whole = fc.analyze(table, "EUR")
    assert fc.analyze(pl.from_arrow(table), "EUR") == whole
    assert fc.analyze(table.to_pandas(), "EUR") == whole
    assert fc.analyze(table.to_batches()[0], "EUR") == whole
    out = whole.settlements_by_stand()
    pt = pa.table(out)
    assert pt.schema.field("sales").type == pa.decimal128(38, 2)
    assert pt.column("stand").to_pylist() == out.to_pydict()["stand"]
    assert [Decimal(str(v)) for v in pt.column("net").to_pylist()] == [m.amount for m in out.to_pydict()["net"]]
    df = pl.DataFrame(out)
    assert df.height == len(out) and df.columns == out.column_names
    hours = pa.table(whole.revenue_by_hour())
    assert hours.schema.field("hour").type == pa.timestamp("ms", tz="UTC")
    assert len(out.to_pylist()) == len(out) and "ResultTable(" in repr(out)


def test_kind_codes_decimals_and_strings() -> None:
    by_name = pa.table({"kind": ["top_up", "payment"], "at": pa.array([0, 1], pa.int64()), "wallet": ["a", "a"], "refundable": [1000, -250]})
    by_code = pa.table({"kind": pa.array([1, 3], pa.uint8()), "at": [0, 1], "wallet": ["a", "a"], "refundable": pa.array([Decimal("10.00"), Decimal("-2.5")], pa.decimal128(10, 1))})
    dict_enc = pa.table({"kind": pa.array(["top_up", "payment"]).dictionary_encode(), "at": [0, 1], "wallet": pa.array(["a", "a"]).dictionary_encode(), "refundable": [1000, -250]})
    a, b, c = (fc.analyze(t, "EUR") for t in (by_name, by_code, dict_enc))
    assert a == b == c
    assert a.liability()["refundable"] == Money("7.50", "EUR")


def test_incidents() -> None:
    ledger = pa.table({"kind": ["top_up"], "at": [0], "wallet": ["w"], "refundable": [100]})
    incidents = pa.table(
        {
            "kind": ["double_spend", "double_spend", "double_admission", "double_admission"],
            "device": ["pos-1", "pos-1", "gate-1", "gate-2"],
            "subject": ["w1", "w2", "t9", "t9"],
            "amount": [300, 200, 0, 0],
            "debt": [300, 0, 0, 0],
        }
    )
    a = fc.analyze(ledger, "EUR", incidents=incidents)
    st = a.incident_stats().to_pylist()
    assert [r["kind"] for r in st] == ["double_spend", "double_admission"]
    assert st[0]["count"] == 2 and st[0]["amount"] == Money("5.00", "EUR") and st[0]["debt"] == Money("3.00", "EUR")
    assert (st[0]["subjects"], st[0]["top_device"], st[0]["top_device_count"]) == (2, "pos-1", 2)
    assert (st[1]["count"], st[1]["subjects"], st[1]["repeat_subjects"], st[1]["devices"]) == (2, 1, 1, 2)
    assert pa.table(a.incident_stats()).schema.field("amount").type == pa.decimal128(38, 2)


# ---------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "table,cls,code",
    [
        (pa.table({"kind": ["payment"], "at": [0], "refundable": [5]}), fc.InputError, "INPUT_INVALID"),
        (pa.table({"kind": ["gift"], "at": [0]}), fc.InputError, "INPUT_INVALID"),
        (pa.table({"kind": [99], "at": [0]}), fc.InputError, "INPUT_INVALID"),
        (pa.table({"at": [0]}), fc.InputError, "INPUT_INVALID"),
        (pa.table({"kind": ["top_up"]}), fc.InputError, "INPUT_INVALID"),
        (pa.table({"kind": ["top_up"], "at": [0], "refundable": [1.5]}), fc.InputError, "INPUT_INVALID"),
        (pa.table({"kind": ["top_up"], "at": [0], "refundable": pa.array([None], pa.int64())}), fc.InputError, "INPUT_INVALID"),
        (pa.table({"kind": ["top_up"], "at": [0], "refundable": pa.array([Decimal("0.001")], pa.decimal128(5, 3))}), fc.MoneyError, "MONEY_SCALE_EXCEEDED"),
        (pa.table({"kind": ["top_up"], "at": pa.array([datetime(2026, 1, 1)], pa.timestamp("ms"))}), fc.InputError, "INPUT_INVALID"),
        (pa.table({"kind": ["top_up"], "at": [-1]}), fc.InputError, "INPUT_INVALID"),
        (pa.table({"kind": ["top_up"], "at": [0], "quantity": [-1]}), fc.InputError, "INPUT_INVALID"),
        (pa.table({"kind": ["top_up"], "at": [0], "refundable": pa.array([Decimal("1E+30")], pa.decimal128(38, 0))}), fc.InputError, "INPUT_INVALID"),
    ],
)
def test_bad_tables(table: pa.Table, cls: type, code: str) -> None:
    with pytest.raises(cls) as ei:
        fc.analyze(table, "EUR")
    assert ei.value.code == code


def test_non_arrow_input_and_bad_currency() -> None:
    with pytest.raises(TypeError):
        fc.analyze([{"kind": "top_up"}], "EUR")
    with pytest.raises(TypeError):
        fc.analyze(pa.table({"kind": [1], "at": [0]}), 978)  # type: ignore[arg-type]
    with pytest.raises(fc.MoneyError):
        fc.analyze(pa.table({"kind": [1], "at": [0]}), "EURO")
    aware = pa.table({"kind": [1], "at": pa.array([datetime(2026, 1, 1, tzinfo=timezone.utc)], pa.timestamp("us", tz="Europe/Berlin"))})
    assert fc.analyze(aware, "EUR").revenue_by_hour().to_pydict()["hour"] == [datetime(2026, 1, 1, tzinfo=timezone.utc)]
    # a huge partial-result JSON that is not one is refused, not crashed on
    with pytest.raises(fc.InputError):
        fc.Analytics.from_json('{"currency": "EUR"}')
    assert len(pd.DataFrame(fc.analyze(aware, "EUR").totals(), index=[0])) == 1


def _report(u: int) -> str:
    ids = {k: f"00000000-0000-0000-0000-{v:012d}" for k, v in {"w": u, "rec": 50 + u, "dev": 7, "t": 3, "gate": 8}.items()}
    zero = {"amount": "0.00", "currency": "EUR"}
    return json.dumps(
        {
            "records": [
                {
                    "hash": "00" * 32,
                    "record_id": ids["rec"],
                    "device_id": ids["dev"],
                    "status": "conflict",
                    "resolution": "accepted_with_debt",
                    "debt": {"amount": "1.25", "currency": "EUR"},
                }
            ],
            "counts": {"accepted": 0, "duplicate": 0, "rejected": 0, "conflict": 1},
            "alerts": [
                {"kind": "double_spend", "wallet_id": ids["w"], "record_id": ids["rec"], "device_id": ids["dev"], "shortfall": "1.25"},
                {"kind": "double_admission", "ticket_id": ids["t"], "record_id": ids["rec"], "device_id": ids["gate"]},
            ],
            "balances": {},
            "debts": {},
            "blocked_wallets": [],
            "totals": {"top_ups": zero, "payments": zero, "refunds": zero},
        }
    )


def test_reconcile_reports_give_incident_statistics() -> None:
    a = fc.analyze_reconcile_reports([_report(1), _report(2)], "EUR")
    st = a.incident_stats().to_pylist()
    assert [(r["kind"], r["count"]) for r in st] == [("double_spend", 2), ("double_admission", 2)]
    assert st[0]["amount"] == Money("2.50", "EUR") and st[0]["debt"] == Money("2.50", "EUR")
    assert (st[0]["subjects"], st[1]["subjects"], st[1]["repeat_subjects"]) == (2, 1, 1)
    with pytest.raises(fc.InputError):
        fc.analyze_reconcile_reports(["{}"], "EUR")
    with pytest.raises(TypeError):
        fc.analyze_reconcile_reports([b"{}"], "EUR")  # type: ignore[list-item]
