#!/usr/bin/env python3
"""Analytics benchmark (not a test): N synthetic ledger rows as an Arrow table → festival_core
analytics (core, Rust, GIL released) → settlement tables; prints time and peak memory.

    python bindings-python/scripts/bench_analytics.py --rows 1000000
Build the extension in release mode first for real numbers: (cd bindings-python && maturin develop --release)
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
import tracemalloc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))

import pyarrow as pa  # noqa: E402

import festival_core as fc  # noqa: E402
from ledger_data import ledger_table  # noqa: E402


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    t0 = time.perf_counter()
    table = ledger_table(args.rows)
    gen_s = time.perf_counter() - t0
    rss_before = rss_mib()

    tracemalloc.start()
    best = float("inf")
    result = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = fc.analyze(table, "EUR")
        stands = pa.table(result.settlements_by_stand())
        hours = pa.table(result.revenue_by_hour())
        liability = result.liability()
        best = min(best, time.perf_counter() - t0)
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result is not None and result.rows == args.rows

    # Partitioned: 8 partitions computed separately and merged (what a Dask worker pool does).
    t0 = time.perf_counter()
    step = -(-args.rows // 8)
    merged = fc.Analytics.merge_all([fc.analyze(table.slice(i, step), "EUR") for i in range(0, args.rows, step)], "EUR")
    part_s = time.perf_counter() - t0
    assert merged == result

    print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, Python {platform.python_version()}")
    print(f"rows: {args.rows:,} (table {table.nbytes / 2**20:.1f} MiB, generated in {gen_s:.2f} s)")
    print(f"analyze + settlement/hour tables + liability: best of {args.repeat}: {best:.3f} s ({args.rows / best / 1e6:.2f} M rows/s)")
    print(f"8 partitions + exact merge: {part_s:.3f} s")
    print(f"stands: {stands.num_rows}, hours: {hours.num_rows}, wallets: {liability['wallets']:,}, liability {liability['total']}")
    print(f"peak Python allocations during analytics (tracemalloc): {py_peak / 2**20:.2f} MiB")
    print(f"peak RSS: {rss_mib():.0f} MiB (after generating the table: {rss_before:.0f} MiB)")


if __name__ == "__main__":
    main()
