//! The columnar ledger input.

use crate::error::{Error, InputError};
use crate::money::Currency;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The kind of a ledger row, with a stable numeric code for columnar input (`u8`) and the same
/// snake-case name as the wallet operation it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// 1: money paid in (refundable).
    #[default]
    TopUp,
    /// 2: promotional credit (bonus).
    BonusCredit,
    /// 3: a payment at a stand.
    Payment,
    /// 4: refund of a payment.
    Refund,
    /// 5: cash-out of refundable money (`fee` is kept by the festival).
    Payout,
    /// 6: operator correction.
    Adjustment,
    /// 7: bonus expiry.
    ExpireBonus,
    /// 8: wallet closed (remaining bonus forfeited).
    Close,
    /// 9: outgoing side of a transfer.
    TransferOut,
    /// 10: incoming side of a transfer.
    TransferIn,
    /// 11: a change without money (block / unblock; count-voucher grants and revokes: vouchers
    /// are counted, not money).
    Status,
    /// 12: a deposit line of a payment (product = the deposit product): money the festival owes
    /// back for a returnable item, not revenue.
    Deposit,
    /// 13: a returned deposit item (product = the deposit product) credited to a wallet.
    DepositReturn,
}

impl EntryKind {
    /// Every kind, in code order.
    pub const ALL: [EntryKind; 13] = [
        EntryKind::TopUp,
        EntryKind::BonusCredit,
        EntryKind::Payment,
        EntryKind::Refund,
        EntryKind::Payout,
        EntryKind::Adjustment,
        EntryKind::ExpireBonus,
        EntryKind::Close,
        EntryKind::TransferOut,
        EntryKind::TransferIn,
        EntryKind::Status,
        EntryKind::Deposit,
        EntryKind::DepositReturn,
    ];

    /// The stable numeric code (1..=13) used in columnar input.
    pub fn code(self) -> u8 {
        match self {
            EntryKind::TopUp => 1,
            EntryKind::BonusCredit => 2,
            EntryKind::Payment => 3,
            EntryKind::Refund => 4,
            EntryKind::Payout => 5,
            EntryKind::Adjustment => 6,
            EntryKind::ExpireBonus => 7,
            EntryKind::Close => 8,
            EntryKind::TransferOut => 9,
            EntryKind::TransferIn => 10,
            EntryKind::Status => 11,
            EntryKind::Deposit => 12,
            EntryKind::DepositReturn => 13,
        }
    }

    /// The kind with this numeric code.
    pub fn from_code(code: u8) -> Option<EntryKind> {
        EntryKind::ALL.get(usize::from(code).checked_sub(1)?).copied()
    }

    /// The snake-case name (`top_up`, `payment`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::TopUp => "top_up",
            EntryKind::BonusCredit => "bonus_credit",
            EntryKind::Payment => "payment",
            EntryKind::Refund => "refund",
            EntryKind::Payout => "payout",
            EntryKind::Adjustment => "adjustment",
            EntryKind::ExpireBonus => "expire_bonus",
            EntryKind::Close => "close",
            EntryKind::TransferOut => "transfer_out",
            EntryKind::TransferIn => "transfer_in",
            EntryKind::Status => "status",
            EntryKind::Deposit => "deposit",
            EntryKind::DepositReturn => "deposit_return",
        }
    }

    /// The kind with this name; wallet operation names `block` / `unblock` map to
    /// [`EntryKind::Status`].
    pub fn parse(name: &str) -> Option<EntryKind> {
        match name {
            "block" | "unblock" | "voucher_grant" | "voucher_revoke" => Some(EntryKind::Status),
            _ => EntryKind::ALL.iter().copied().find(|k| k.as_str() == name),
        }
    }
}

/// A dictionary-encoded key column: per row an optional code into `labels`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyColumn {
    /// Per row: `None` (no key, e.g. no stand for a top-up) or an index into `labels`.
    pub codes: Vec<Option<u32>>,
    /// The distinct labels (ids as text, product SKUs...). Labels should be distinct; rows with
    /// equal labels are grouped together in any case.
    pub labels: Vec<String>,
}

impl KeyColumn {
    /// The label of row `i`, if any (also `None` for an out-of-range code, which
    /// [`LedgerBatch::validate`] rejects).
    pub fn label(&self, i: usize) -> Option<&str> {
        let code = (*self.codes.get(i)?)?;
        self.labels.get(code as usize).map(String::as_str)
    }

    pub(crate) fn check(&self, name: &str, rows: usize) -> Result<(), InputError> {
        if self.codes.len() != rows {
            return Err(InputError::invalid(name, format!("has {} rows, expected {rows}", self.codes.len())));
        }
        let n = self.labels.len();
        if let Some(i) = self.codes.iter().position(|c| c.is_some_and(|c| c as usize >= n)) {
            return Err(InputError::invalid(name, format!("row {i}: code out of range of {n} labels")));
        }
        Ok(())
    }
}

/// A batch of ledger rows in columns. All columns have one value per row; amounts are signed
/// integer minor units of `currency` (see the module docs for how they are read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerBatch {
    /// The one currency of every amount.
    pub currency: Currency,
    /// Row kinds.
    pub kind: Vec<EntryKind>,
    /// Row times, milliseconds since the Unix epoch (UTC).
    pub at_ms: Vec<i64>,
    /// Wallet of each row.
    pub wallet: KeyColumn,
    /// Stand of each row (payments, refunds, top-up points), if any.
    pub stand: KeyColumn,
    /// Device of each row, if any.
    pub device: KeyColumn,
    /// Product (SKU) of each row, if any. A payment with several line items is one row per item.
    pub product: KeyColumn,
    /// Units sold (payments) or returned (refunds); 0 where it does not apply.
    pub quantity: Vec<u32>,
    /// Signed change of the refundable balance, minor units.
    pub refundable: Vec<i64>,
    /// Signed change of the bonus balance, minor units.
    pub bonus: Vec<i64>,
    /// Signed change of the debt (positive: debt created), minor units.
    pub debt: Vec<i64>,
    /// Payout fee kept by the festival (payouts only, otherwise 0), minor units, `>= 0`.
    pub fee: Vec<i64>,
}

impl LedgerBatch {
    /// An empty batch in `currency`.
    pub fn empty(currency: Currency) -> LedgerBatch {
        LedgerBatch {
            currency,
            kind: Vec::new(),
            at_ms: Vec::new(),
            wallet: KeyColumn::default(),
            stand: KeyColumn::default(),
            device: KeyColumn::default(),
            product: KeyColumn::default(),
            quantity: Vec::new(),
            refundable: Vec::new(),
            bonus: Vec::new(),
            debt: Vec::new(),
            fee: Vec::new(),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.kind.len()
    }

    /// Whether the batch has no rows.
    pub fn is_empty(&self) -> bool {
        self.kind.is_empty()
    }

    /// Checks column lengths, times (1970..=9999), key codes and per-row sign rules: payments never increase a
    /// sub-balance nor settle debt, refunds / top-ups / bonus credits / transfers-in never decrease
    /// one, payouts, transfers-out, expiries and closes only decrease, `fee` is `>= 0`, only on
    /// payouts, and at most the payout.
    pub fn validate(&self) -> Result<(), Error> {
        let n = self.len();
        for (name, len) in [
            ("at_ms", self.at_ms.len()),
            ("quantity", self.quantity.len()),
            ("refundable", self.refundable.len()),
            ("bonus", self.bonus.len()),
            ("debt", self.debt.len()),
            ("fee", self.fee.len()),
        ] {
            if len != n {
                return Err(InputError::invalid(name, format!("has {len} rows, expected {n}")).into());
            }
        }
        if let Some(i) = self.at_ms.iter().position(|t| Timestamp::from_unix_millis(*t).is_err()) {
            return Err(InputError::invalid(format!("row {i}"), "at_ms is outside 1970-01-01..9999-12-31").into());
        }
        self.wallet.check("wallet", n)?;
        self.stand.check("stand", n)?;
        self.device.check("device", n)?;
        self.product.check("product", n)?;
        for i in 0..n {
            let (k, r, b, d, f) = (self.kind[i], self.refundable[i], self.bonus[i], self.debt[i], self.fee[i]);
            let ok = match k {
                EntryKind::Payment | EntryKind::Deposit => r <= 0 && b <= 0 && d >= 0,
                EntryKind::Refund
                | EntryKind::TopUp
                | EntryKind::TransferIn
                | EntryKind::BonusCredit
                | EntryKind::DepositReturn => r >= 0 && b >= 0 && d <= 0,
                EntryKind::Payout | EntryKind::TransferOut | EntryKind::ExpireBonus | EntryKind::Close => {
                    r <= 0 && b <= 0 && d == 0
                }
                EntryKind::Adjustment => true,
                EntryKind::Status => r == 0 && b == 0 && d == 0,
            };
            if !ok {
                return Err(InputError::invalid(
                    format!("row {i}"),
                    format!("deltas (refundable {r}, bonus {b}, debt {d}) have the wrong sign for a {}", k.as_str()),
                )
                .into());
            }
            let fee_ok = f == 0 || (k == EntryKind::Payout && f > 0 && i128::from(f) <= -i128::from(r));
            if !fee_ok {
                return Err(InputError::invalid(
                    format!("row {i}"),
                    "fee must be 0, or on a payout between 0 and the amount paid out",
                )
                .into());
            }
        }
        Ok(())
    }
}

/// One ledger row, for building batches row by row (conformance vectors, conversions from wallet
/// ledgers, tests). Large inputs should fill [`LedgerBatch`] columns directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LedgerRow<'a> {
    /// Kind.
    pub kind: EntryKind,
    /// Time, ms since the epoch.
    pub at_ms: i64,
    /// Wallet key.
    pub wallet: Option<&'a str>,
    /// Stand key.
    pub stand: Option<&'a str>,
    /// Device key.
    pub device: Option<&'a str>,
    /// Product key.
    pub product: Option<&'a str>,
    /// Units.
    pub quantity: u32,
    /// Refundable delta, minor units.
    pub refundable: i64,
    /// Bonus delta, minor units.
    pub bonus: i64,
    /// Debt delta, minor units.
    pub debt: i64,
    /// Payout fee, minor units.
    pub fee: i64,
}

#[derive(Default)]
struct Interner {
    column: KeyColumn,
    index: HashMap<String, u32>,
}

impl Interner {
    fn push(&mut self, label: Option<&str>) -> Result<(), InputError> {
        let code = match label {
            None => None,
            Some(l) => Some(match self.index.get(l) {
                Some(&c) => c,
                None => {
                    let c = u32::try_from(self.column.labels.len())
                        .map_err(|_| InputError::invalid("labels", "more than 2^32 distinct keys"))?;
                    self.column.labels.push(l.to_owned());
                    self.index.insert(l.to_owned(), c);
                    c
                }
            }),
        };
        self.column.codes.push(code);
        Ok(())
    }
}

/// Builds a [`LedgerBatch`] row by row, dictionary-encoding the keys.
pub struct LedgerBatchBuilder {
    batch: LedgerBatch,
    wallet: Interner,
    stand: Interner,
    device: Interner,
    product: Interner,
}

impl LedgerBatchBuilder {
    /// A builder for a batch in `currency`.
    pub fn new(currency: Currency) -> Self {
        LedgerBatchBuilder {
            batch: LedgerBatch::empty(currency),
            wallet: Interner::default(),
            stand: Interner::default(),
            device: Interner::default(),
            product: Interner::default(),
        }
    }

    /// The batch's currency.
    pub fn currency(&self) -> Currency {
        self.batch.currency
    }

    /// Appends one row.
    pub fn push(&mut self, row: &LedgerRow<'_>) -> Result<(), InputError> {
        self.wallet.push(row.wallet)?;
        self.stand.push(row.stand)?;
        self.device.push(row.device)?;
        self.product.push(row.product)?;
        let b = &mut self.batch;
        b.kind.push(row.kind);
        b.at_ms.push(row.at_ms);
        b.quantity.push(row.quantity);
        b.refundable.push(row.refundable);
        b.bonus.push(row.bonus);
        b.debt.push(row.debt);
        b.fee.push(row.fee);
        Ok(())
    }

    /// The finished batch.
    pub fn finish(self) -> LedgerBatch {
        let mut b = self.batch;
        b.wallet = self.wallet.column;
        b.stand = self.stand.column;
        b.device = self.device.column;
        b.product = self.product.column;
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_codes_and_names_round_trip() {
        for k in EntryKind::ALL {
            assert_eq!(EntryKind::from_code(k.code()), Some(k));
            assert_eq!(EntryKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(EntryKind::from_code(0), None);
        assert_eq!(EntryKind::from_code(14), None);
        assert_eq!(EntryKind::parse("voucher_grant"), Some(EntryKind::Status));
        assert_eq!(EntryKind::parse("block"), Some(EntryKind::Status));
        assert_eq!(EntryKind::parse("nope"), None);
    }

    #[test]
    fn builder_interns_and_validate_rejects_bad_rows() {
        let eur = Currency::iso("EUR").unwrap();
        let mut b = LedgerBatchBuilder::new(eur);
        let row = LedgerRow { kind: EntryKind::Payment, wallet: Some("w"), refundable: -5, ..LedgerRow::default() };
        b.push(&row).unwrap();
        b.push(&row).unwrap();
        let batch = b.finish();
        assert_eq!(batch.wallet.labels, vec!["w".to_string()]);
        assert_eq!(batch.wallet.codes, vec![Some(0), Some(0)]);
        assert_eq!(batch.stand.codes, vec![None, None]);
        batch.validate().unwrap();

        let mut bad = batch.clone();
        bad.refundable[1] = 5;
        assert!(bad.validate().unwrap_err().to_string().contains("row 1"));
        let mut bad = batch.clone();
        bad.wallet.codes[0] = Some(7);
        assert!(bad.validate().is_err());
        let mut bad = batch.clone();
        bad.at_ms.pop();
        assert!(bad.validate().is_err());
        let mut bad = batch;
        bad.fee[0] = 1;
        assert!(bad.validate().is_err());
    }
}
