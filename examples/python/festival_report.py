"""The data team's end-of-day report: from a day's ledger (an Arrow table) and the day's sync
reports, an HTML page with plots — revenue by hour, wallet liability over the day, settlements
per stand, double spends and double admissions — written with Polars and matplotlib.

Every figure comes from festival-core's exact analytics (Decimal, bound to EUR); Polars only
reshapes the result tables and matplotlib draws integer cents. Run:

    python examples/python/festival_report.py [--rows 50000] [--out .tools/logs/festival_report.html]
"""

from __future__ import annotations

import argparse
import base64
import io
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")  # no display: render to PNG in memory
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402
import pyarrow.compute as pc  # type: ignore[import-untyped]  # noqa: E402

import festival_core as fc  # noqa: E402
from ledger_data import START_MS, ledger_table  # noqa: E402

EUR = "EUR"
FEST = uuid.uuid5(uuid.NAMESPACE_URL, "https://example.org/festival/2026")
DAY_START = datetime.fromtimestamp(START_MS / 1000, tz=timezone.utc)


def cents(d: Decimal) -> int:
    """An exact EUR amount as integer cents (what the plots draw; no float)."""
    return int(d * 100)


def sync_reports() -> list[fc.ReconcileReport]:
    """The day's offline syncs: two POS sell the same wallet's balance twice, two gates admit the
    same ticket twice; the server reconciles them (accept with debt)."""
    stand, zone, ticket = uuid.uuid5(FEST, "bar"), uuid.uuid5(FEST, "main"), uuid.uuid5(FEST, "ticket-1")
    state = fc.ReconcileState(FEST, EUR)
    wallet_ids = [uuid.uuid5(FEST, f"wallet-{i}") for i in range(3)]
    for i, w in enumerate(wallet_ids):
        wallet = fc.Wallet(w, FEST, EUR)
        wallet.top_up(uuid.uuid5(FEST, f"topup-{i}"), DAY_START, fc.Money("20.00", EUR), "card")
        state.add_wallet(wallet)
    state.set_ticket(ticket)
    entries: list[fc.DeviceEntry] = []
    pos: list[fc.DeviceLog] = []
    gates: list[fc.DeviceLog] = []
    for n in range(4):
        device_id = uuid.uuid5(FEST, f"device-{n}")
        signer = fc.DeviceSigner(bytes([n + 1]) * 32, device_id, FEST)  # a real device uses its own entropy
        role: Literal["pos", "gate"] = "pos" if n < 2 else "gate"
        where = stand if n < 2 else zone
        entries.append(fc.DeviceEntry(device_id, signer.public_key, FEST, role, DAY_START, DAY_START + timedelta(days=1), [where]))
        log = fc.DeviceLog(signer, EUR, per_payment=fc.Money("30", EUR), per_wallet_offline=fc.Money("30", EUR),
                           max_stored_value=fc.Money("1000", EUR), max_queued_records=1000)
        log.set_synced_balances({w: fc.Money("20.00", EUR) for w in wallet_ids})
        (pos if n < 2 else gates).append(log)
    for n, log in enumerate(pos):
        for i, w in enumerate(wallet_ids[: 2 + n]):
            log.pay(uuid.uuid5(FEST, f"sale-{n}-{i}"), DAY_START + timedelta(hours=14 + i, minutes=n), w, fc.Money("12.50", EUR), stand)
    for n, log in enumerate(gates):
        log.record(uuid.uuid5(FEST, f"scan-{n}"), DAY_START + timedelta(hours=13, minutes=n), fc.Payload.scan(ticket, zone, "in"))
    registry = fc.DeviceRegistry(entries)
    config = fc.ReconcileConfig("accept_with_debt")
    first = fc.reconcile(state, registry, [pos[0].export_batch(), gates[0].export_batch()], DAY_START + timedelta(hours=18), config)
    second = fc.reconcile(state, registry, [pos[1].export_batch(), gates[1].export_batch()], DAY_START + timedelta(hours=20), config)
    return [first, second]


def png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def eur_axis(ax: Any) -> None:
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{Decimal(int(v)) / 100:.0f} €"))


def build(rows: int) -> tuple[str, dict[str, Any]]:
    ledger = ledger_table(rows, wallets=5_000)
    day_end_ms = START_MS + 24 * 3_600_000
    ledger = ledger.filter(pc.less(pc.cast(ledger["at"], "int64"), day_end_ms))  # one festival day
    day = fc.analyze(ledger, EUR)
    incidents = fc.analyze_reconcile_reports(sync_reports(), EUR)

    hourly = pl.DataFrame(day.revenue_by_hour())
    stands = pl.DataFrame(day.settlements_by_stand()).sort("stand")
    stats = pl.DataFrame(incidents.incident_stats())
    # Liability (what wallets hold) at the end of each hour: the core's liability of the ledger so far.
    at_ms = pc.cast(ledger["at"], "int64")
    liability = [
        (h, day_h.liability()["total"].amount)
        for h in range(24)
        for day_h in [fc.analyze(ledger.filter(pc.less(at_ms, START_MS + (h + 1) * 3_600_000)), EUR)]
    ]

    figs: list[tuple[str, str]] = []
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.bar([str(h)[11:13] if isinstance(h, datetime) else str(h) for h in hourly["hour"].to_list()],
           [cents(d) for d in hourly["sales"].to_list()])
    ax.set_title("Revenue by hour (sales)")
    eur_axis(ax)
    figs.append(("Revenue by hour", png(fig)))
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.plot([f"{(DAY_START + timedelta(hours=h + 1)).hour:02d}" for h, _ in liability], [cents(d) for _, d in liability], marker="o")
    ax.set_title("Wallet liability at the end of each hour")
    ax.set_xlabel("end of hour (UTC)")
    eur_axis(ax)
    figs.append(("Liability over the day", png(fig)))
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.barh(stands["stand"].to_list(), [cents(d) for d in stands["net"].to_list()])
    ax.set_title("Net settlement per stand")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{Decimal(int(v)) / 100:.0f} €"))
    figs.append(("Settlements per stand", png(fig)))
    kinds = stats["kind"].to_list() if len(stats) else []
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.bar(kinds, stats["count"].to_list() if len(stats) else [])
    ax.set_title("Offline incidents")
    figs.append(("Double spends and double admissions", png(fig)))

    totals = day.totals()
    summary = {
        "rows": day.rows,
        "sales": totals["sales"],
        "liability_end": liability[-1][1],
        "stands": stands.height,
        "incidents": dict(zip(kinds, stats["count"].to_list() if len(stats) else [])),
    }
    table = "".join(
        f"<tr><td>{s}</td><td>{n}</td><td>{net}</td></tr>"
        for s, n, net in zip(stands["stand"].to_list(), stands["sale_count"].to_list(), stands["net"].to_list())
    )
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Festival day report</title></head><body>"
        f"<h1>Festival day report, {DAY_START:%Y-%m-%d}</h1>"
        f"<p>{summary['rows']} ledger rows; sales {summary['sales']}; liability at midnight {summary['liability_end']} EUR; "
        f"incidents {summary['incidents']}</p>"
        f"<table><tr><th>stand</th><th>sales</th><th>net (EUR)</th></tr>{table}</table>"
        + "".join(f"<h2>{title}</h2><img alt='{title}' src='data:image/png;base64,{b64}'>" for title, b64 in figs)
        + "</body></html>"
    )
    return html, summary


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--rows", type=int, default=50_000)
    p.add_argument("--out", default=".tools/logs/festival_report.html")
    args = p.parse_args()
    html, summary = build(args.rows)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    print(f"report: {out} ({len(html)} bytes); {summary}")


if __name__ == "__main__":
    main()
