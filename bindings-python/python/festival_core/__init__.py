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
    Analytics,
    Balances,
    Hold,
    Inventory,
    Money,
    RateTotal,
    TaxAmounts,
    ResultTable,
    TaxBreakdown,
    Wallet,
    WalletOutcome,
    allocate,
    analyze,
    analyze_reconcile_reports,
    analyze_wallets,
    compute_tax,
    conformance_execute,
    public_key_from_seed,
    sign,
    split,
    verify_signature,
)

__all__ = [
    "AccessError",
    "Analytics",
    "Balances",
    "FestivalError",
    "Hold",
    "InputError",
    "Inventory",
    "Money",
    "MoneyError",
    "OfflineError",
    "RateTotal",
    "ResultTable",
    "TaxAmounts",
    "TaxBreakdown",
    "TicketingError",
    "Wallet",
    "WalletError",
    "WalletOutcome",
    "allocate",
    "analyze",
    "analyze_reconcile_reports",
    "analyze_wallets",
    "compute_tax",
    "conformance_execute",
    "public_key_from_seed",
    "sign",
    "split",
    "verify_signature",
]
