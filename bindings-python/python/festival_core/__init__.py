"""festival-core for Python: the same payment, ticketing and offline rules as every other runtime.

Money is ``decimal.Decimal`` bound to a currency (floats raise ``TypeError``), times are
timezone-aware ``datetime`` (naive ones raise ``ValueError``), ids are ``uuid.UUID``, keys and
signatures are ``bytes``. Errors raise a :class:`FestivalError` subclass with ``.code`` and
``.details``. Analytics run in the Rust core over Arrow data (pyarrow, Polars, pandas) and return
Arrow tables; see ``bindings-python/README.md``.
"""

from __future__ import annotations

from festival_core._errors import (
    AccessError,
    FestivalError,
    InputError,
    MoneyError,
    OfflineError,
    TicketingError,
    WalletError,
)
from festival_core._native import (
    Money,
    RateTotal,
    TaxAmounts,
    TaxBreakdown,
    allocate,
    compute_tax,
    conformance_execute,
    split,
)

__all__ = [
    "AccessError",
    "FestivalError",
    "InputError",
    "Money",
    "MoneyError",
    "OfflineError",
    "RateTotal",
    "TaxAmounts",
    "TaxBreakdown",
    "TicketingError",
    "WalletError",
    "allocate",
    "compute_tax",
    "conformance_execute",
    "split",
]
