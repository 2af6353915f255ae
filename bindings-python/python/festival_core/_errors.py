"""Exception hierarchy of festival_core.

Every error the core reports is a :class:`FestivalError` subclass chosen by the error's family
(``InputError``, ``MoneyError``, ``WalletError``, ``TicketingError``, ``AccessError``,
``OfflineError``, ``TillError``). ``exc.code`` is the core's stable code (the same in Rust, Kotlin, Swift, JS and
Python; see ERRORS.md) and ``exc.details`` its structured fields (money as decimal strings).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

__all__ = [
    "FestivalError",
    "InputError",
    "MoneyError",
    "WalletError",
    "TicketingError",
    "AccessError",
    "OfflineError",
    "TillError",
]


class FestivalError(Exception):
    """Base class of every festival-core error."""

    code: str
    details: Dict[str, Any]
    message: str

    def __init__(self, message: str, code: str, details: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = dict(details) if details else {}

    def __reduce__(self) -> Any:
        return (type(self), (self.message, self.code, self.details))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, details={self.details!r})"


class InputError(FestivalError, ValueError):
    """Malformed input (``INPUT_*``): bad UUID, timestamp, hex, JSON shape. Also a ValueError."""


class MoneyError(FestivalError):
    """Money and currency errors (``MONEY_*``)."""


class WalletError(FestivalError):
    """Wallet, ledger and NFC tag errors (``WALLET_*``, ``TAG_*``)."""


class TicketingError(FestivalError):
    """Tickets, orders, inventory and pricing (``TICKET_*``, ``ORDER_*``, ``INVENTORY_*``, ``PRICING_*``)."""


class AccessError(FestivalError):
    """Access zone errors (``ACCESS_*``)."""


class OfflineError(FestivalError):
    """Offline operation: devices, signed records, codes, reconciliation (``OFFLINE_*``, ...)."""


class TillError(FestivalError):
    """Till sessions, closings, receipts and Z-reports (``TILL_*``)."""
