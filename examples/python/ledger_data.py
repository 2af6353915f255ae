"""Synthetic festival ledgers as Arrow tables (vectorized with numpy: no Python object per row).

Shared by the Dask example and the analytics benchmark. Every row is a valid ledger row for
festival_core.analyze: signed sub-balance deltas in integer minor units (EUR cents).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

START_MS = 1_782_900_000_000  # 2026-07-01, a festival weekend
STANDS = ["bar-1", "bar-2", "food-1", "food-2", "merch", "topup-1", "topup-2"]
PRODUCTS = ["beer", "soda", "water", "fries", "burger", "shirt", "cap"]


def ledger_table(rows: int, seed: int = 42, wallets: int = 100_000) -> pa.Table:
    """`rows` ledger rows: ~55 % payments, 25 % top-ups, and refunds, bonus, payouts."""
    rng = np.random.default_rng(seed)
    # kind codes: 1 top_up, 2 bonus_credit, 3 payment, 4 refund, 5 payout
    kind = rng.choice(np.array([1, 2, 3, 4, 5], dtype=np.uint8), size=rows, p=[0.25, 0.05, 0.55, 0.05, 0.10])
    at = START_MS + rng.integers(0, 3 * 24 * 3_600_000, size=rows, dtype=np.int64)
    wallet = rng.integers(0, wallets, size=rows)
    stand = rng.integers(0, len(STANDS), size=rows)
    product = rng.integers(0, len(PRODUCTS), size=rows)
    amount = rng.integers(100, 5_000, size=rows, dtype=np.int64)
    bonus_part = np.where(rng.random(rows) < 0.2, amount // 4, 0)
    is_pay, is_refund, is_top_up = kind == 3, kind == 4, kind == 1
    is_bonus, is_payout = kind == 2, kind == 5
    refundable = np.select(
        [is_top_up, is_pay, is_refund, is_payout], [4 * amount, -(amount - bonus_part), amount - bonus_part, -amount], 0
    )
    bonus = np.select([is_bonus, is_pay, is_refund], [amount, -bonus_part, bonus_part], 0)
    fee = np.where(is_payout, 50, 0)
    sells = is_pay | is_refund
    has_stand = sells | is_top_up
    stand_names = np.array(STANDS, dtype=object)[stand]
    return pa.table(
        {
            "kind": pa.array(kind),
            "at": pa.array(at, pa.timestamp("ms", tz="UTC")),
            "wallet": pa.DictionaryArray.from_arrays(pa.array(wallet.astype(np.int32)), pa.array([f"w{i:06d}" for i in range(wallets)])),
            "stand": pa.array(stand_names, pa.string(), mask=~has_stand),
            "device": pa.array(stand_names, pa.string(), mask=~has_stand),
            "product": pa.array(np.array(PRODUCTS, dtype=object)[product], pa.string(), mask=~sells),
            "quantity": pa.array(np.where(sells, 1 + product % 3, 0).astype(np.int32)),
            "refundable": pa.array(refundable.astype(np.int64)),
            "bonus": pa.array(bonus.astype(np.int64)),
            "fee": pa.array(fee.astype(np.int64)),
        }
    )
