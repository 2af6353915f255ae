"""A festival back office in Python (checked with mypy --strict): sell tickets, run a gate, let two
offline POS devices sell drinks, reconcile their signed batches on the server and look at the
double-spend statistics. Every rule runs in festival-core; Python only wires objects together."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import festival_core as fc
from festival_core import Money

EUR = "EUR"
FEST = uuid.uuid5(uuid.NAMESPACE_URL, "https://example.org/festival/2026")
T0 = datetime(2026, 7, 4, 12, tzinfo=timezone.utc)


def ids(prefix: str, n: int) -> list[uuid.UUID]:
    return [uuid.uuid5(FEST, f"{prefix}-{i}") for i in range(n)]


def tickets() -> None:
    day = fc.TicketType(uuid.uuid5(FEST, "day"), "Saturday", Money("59.00", EUR), 1000,
                        T0 - timedelta(days=90), T0, T0, T0 + timedelta(hours=16), max_per_order=4, zones=["main"])
    book, inventory = fc.TicketBook(), fc.Inventory(day.id, day.capacity)
    book.add_type(day)
    now = T0 - timedelta(days=10)
    price = fc.price_order([(day.id, day.price, 2)], currency=EUR, at=now, vat_rate=Decimal("7"),
                           fee_per_ticket=Money("1.50", EUR))
    order = fc.Order.place(uuid.uuid5(FEST, "order-1"), day, inventory, 2, price.total, now, now + timedelta(minutes=15))
    order.pay(inventory, price.total, now + timedelta(minutes=2))
    t1, t2 = ids("ticket", 2)
    order.fulfill(book, [(t1, "SAT-0001", "Ada"), (t2, "SAT-0002", "Bo")], now + timedelta(minutes=3))
    print(f"order {order.state}: {price.total} incl. VAT {price.tax}; sold {inventory.sold}")

    gates = fc.AccessControl([fc.Zone("main", "Main arena", 1000, perimeter=True, alert_thresholds=[80, 100])])
    for ticket_id in (t1, t1):
        outcome = gates.scan(book, ticket_id, "main", "in", T0 + timedelta(hours=1))
        print(f"scan {book.ticket(ticket_id).number}: admitted={outcome.admitted} reason={outcome.reason}")


def offline_sync() -> None:
    wallet_id, stand = uuid.uuid5(FEST, "wallet-1"), uuid.uuid5(FEST, "bar")
    state = fc.ReconcileState(FEST, EUR)
    wallet = fc.Wallet(wallet_id, FEST, EUR)
    wallet.top_up(uuid.uuid5(FEST, "topup-1"), T0, Money("20.00", EUR), "card")
    state.add_wallet(wallet)

    entries, logs = [], []
    for n, device_id in enumerate(ids("pos", 2), start=1):
        signer = fc.DeviceSigner(bytes([n]) * 32, device_id, FEST)  # a real app uses its own entropy
        entries.append(fc.DeviceEntry(device_id, signer.public_key, FEST, "pos", T0, T0 + timedelta(days=1), [stand]))
        log = fc.DeviceLog(signer, EUR, per_payment=Money("30", EUR), per_wallet_offline=Money("30", EUR),
                           max_stored_value=Money("1000", EUR), max_queued_records=10_000)
        log.set_synced_balances({wallet_id: Money("20.00", EUR)})
        logs.append(log)
    # Both stands were offline and each sold 12.50 of drinks to the same 20.00 wallet.
    for n, log in enumerate(logs):
        log.pay(uuid.uuid5(FEST, f"sale-{n}"), T0 + timedelta(hours=2, seconds=n), wallet_id, Money("12.50", EUR), stand)

    registry = fc.DeviceRegistry(entries)
    batches = [log.export_batch() for log in logs]  # bytes, as uploaded
    report = fc.reconcile(state, registry, batches, T0 + timedelta(hours=3), fc.ReconcileConfig("accept_with_debt"))
    print("reconcile:", report.counts, "debts:", {str(k): str(v) for k, v in report.debts.items()})
    for alert in report.alerts:
        print(f"alert {alert.kind}: wallet {alert.wallet_id} short by {alert.shortfall}")
    stats = fc.analyze_reconcile_reports([report], EUR).incident_stats().to_pylist()
    print("incidents:", [(row["kind"], row["count"], str(row["amount"])) for row in stats])


def main() -> None:
    tickets()
    offline_sync()


if __name__ == "__main__":
    main()
