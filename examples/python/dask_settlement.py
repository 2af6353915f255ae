"""Settlement per stand at scale: the same core analytics per partition on a Dask cluster, merged
exactly on the client. Money sums must equal the single-process result, to the cent (asserted).

    python examples/python/dask_settlement.py --rows 200000 --partitions 8
"""

from __future__ import annotations

import argparse
import os
import sys

import pyarrow as pa  # type: ignore[import-untyped]
from dask.distributed import Client, LocalCluster

import festival_core as fc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ledger_data import ledger_table  # noqa: E402


def analyze_partition(part: pa.Table) -> fc.Analytics:
    """Runs on a worker: a partial result that pickles exactly (sums as integer strings)."""
    return fc.analyze(part, "EUR")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--threads", action="store_true", help="thread workers instead of processes")
    args = ap.parse_args()

    table = ledger_table(args.rows)
    step = -(-args.rows // args.partitions)
    parts = [table.slice(i, step) for i in range(0, args.rows, step)]

    processes = not args.threads
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2, threads_per_worker=1, processes=processes, dashboard_address=None
    )
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        # pure=False: every partition is its own task (Dask would otherwise dedupe by token).
        futures = client.map(analyze_partition, parts, pure=False)
        partials: list[fc.Analytics] = client.gather(futures)
    merged = fc.Analytics.merge_all(partials, "EUR")

    single = fc.analyze(table, "EUR")
    assert merged == single, "partition merge must equal the single-process result exactly"
    assert merged.settlements_by_stand().to_pydict() == single.settlements_by_stand().to_pydict()
    assert merged.liability() == single.liability()

    settlement = pa.table(merged.settlements_by_stand())
    print(settlement.select(["stand", "sale_count", "sales", "refunds", "net"]).to_pandas().to_string(index=False))
    print(f"{len(partials)} partitions on 2 Dask workers; merged == single process: liability {merged.liability()['total']}")


if __name__ == "__main__":
    main()
