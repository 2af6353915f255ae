"""The data team's report (examples/python/festival_report.py): its numbers are the core's."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pyarrow.compute as pc  # type: ignore[import-untyped]

import festival_core as fc

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "python"))
import festival_report  # noqa: E402
from ledger_data import START_MS, ledger_table  # noqa: E402


def test_report_figures_and_numbers_come_from_the_core() -> None:
    html, summary = festival_report.build(3000)
    assert len(re.findall(r"<img alt='[^']+' src='data:image/png;base64,", html)) == 4
    ledger = ledger_table(3000, wallets=5_000)
    day = ledger.filter(pc.less(pc.cast(ledger["at"], "int64"), START_MS + 24 * 3_600_000))
    a = fc.analyze(day, "EUR")
    assert summary["rows"] == a.rows == day.num_rows
    assert summary["sales"] == a.totals()["sales"]
    assert summary["liability_end"] == a.liability()["total"].amount
    assert summary["stands"] == len(a.settlements_by_stand())
    # The day's syncs: two wallets spent twice across two POS, one ticket admitted at two gates.
    assert summary["incidents"] == {"double_spend": 2, "double_admission": 1}
    for row in a.settlements_by_stand().to_pylist():
        assert f"<td>{row['stand']}</td><td>{row['sale_count']}</td><td>{row['net'].amount}</td>" in html
