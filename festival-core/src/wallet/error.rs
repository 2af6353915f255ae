//! Wallet and NFC tag errors (`WALLET_*`, `TAG_*`).

use crate::error::ErrorCode;
use serde::Serialize;

/// Wallet, ledger and NFC tag errors. Money in the details is a decimal string plus `currency`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum WalletError {
    /// `WALLET_INSUFFICIENT_FUNDS`: a payment, transfer, payout or negative adjustment needs more
    /// than the wallet can spend.
    #[error("insufficient funds in wallet {wallet_id}: needed {needed} {currency}, available {available} {currency}")]
    InsufficientFunds {
        /// The wallet.
        wallet_id: String,
        /// The amount the operation needs.
        needed: String,
        /// What the wallet can spend for this operation.
        available: String,
        /// The wallet's currency.
        currency: String,
    },
    /// `WALLET_INVALID_AMOUNT`: an amount that must be positive is zero or negative (or a unit
    /// price is negative).
    #[error("invalid {field} {amount}: {reason}")]
    InvalidAmount {
        /// Which amount.
        field: String,
        /// The amount as given.
        amount: String,
        /// Why it was rejected.
        reason: String,
    },
    /// `WALLET_CURRENCY_MISMATCH`: an amount is not in the wallet's currency.
    #[error("currency mismatch: wallet uses {expected}, got {actual}")]
    CurrencyMismatch {
        /// The wallet's currency.
        expected: String,
        /// The currency given.
        actual: String,
    },
    /// `WALLET_LIMIT_EXCEEDED`: a configured limit would be exceeded.
    #[error("limit {limit} exceeded: maximum {maximum} {currency}, attempted {attempted} {currency}")]
    LimitExceeded {
        /// `max_balance`, `max_single_payment` or `max_daily_spend`.
        limit: String,
        /// The configured maximum.
        maximum: String,
        /// The value the operation would have reached.
        attempted: String,
        /// The wallet's currency.
        currency: String,
    },
    /// `WALLET_BLOCKED`: a debiting operation on a blocked wallet.
    #[error("wallet {wallet_id} is blocked ({reasons:?})")]
    Blocked {
        /// The wallet.
        wallet_id: String,
        /// Why it is blocked: `admin: <reason>` and/or `debt`.
        reasons: Vec<String>,
    },
    /// `WALLET_CLOSED`: any operation on a closed wallet.
    #[error("wallet {wallet_id} is closed")]
    Closed {
        /// The wallet.
        wallet_id: String,
    },
    /// `WALLET_DUPLICATE_ENTRY_CONFLICT`: an entry id that was already applied with a different
    /// operation or time.
    #[error("entry {entry_id} was already applied with a different operation")]
    DuplicateEntryConflict {
        /// The entry id.
        entry_id: String,
    },
    /// `WALLET_UNKNOWN_PAYMENT`: a refund names a payment that is not in this wallet's ledger.
    #[error("payment {payment_id} is not in this wallet")]
    UnknownPayment {
        /// The payment entry id.
        payment_id: String,
    },
    /// `WALLET_REFUND_EXCEEDS_PAYMENT`: a refund larger than what remains refundable on the payment.
    #[error("refund of {requested} {currency} exceeds the {remaining} {currency} left on payment {payment_id}")]
    RefundExceedsPayment {
        /// The payment entry id.
        payment_id: String,
        /// The refund asked for.
        requested: String,
        /// What is still refundable on that payment.
        remaining: String,
        /// The wallet's currency.
        currency: String,
    },
    /// `WALLET_FEE_EXCEEDS_AMOUNT`: a payout fee larger than the payout.
    #[error("payout fee {fee} {currency} exceeds the payout {amount} {currency}")]
    FeeExceedsAmount {
        /// The fee.
        fee: String,
        /// The payout amount.
        amount: String,
        /// The wallet's currency.
        currency: String,
    },
    /// `WALLET_NOT_EMPTY`: closing a wallet that still holds refundable money or debt.
    #[error("wallet {wallet_id} cannot close: refundable {refundable} {currency}, debt {debt} {currency}")]
    NotEmpty {
        /// The wallet.
        wallet_id: String,
        /// The refundable balance (pay it out first).
        refundable: String,
        /// The outstanding debt (settle it first).
        debt: String,
        /// The wallet's currency.
        currency: String,
    },
    /// `WALLET_NOT_BLOCKED`: unblocking a wallet that has no administrative block (a debt block
    /// lifts only when the debt is settled).
    #[error("wallet {wallet_id} has no administrative block")]
    NotBlocked {
        /// The wallet.
        wallet_id: String,
    },
    /// `WALLET_TRANSFER_INVALID`: a transfer between wallets that cannot exchange money (same
    /// wallet, other festival or currency, or a transfer entry applied outside `Wallet::transfer`).
    #[error("invalid transfer: {reason}")]
    TransferInvalid {
        /// Why.
        reason: String,
    },
    /// `WALLET_INVALID_OPERATION`: a malformed operation (no line items, zero quantity, empty
    /// reason, text too long...).
    #[error("invalid operation: {reason}")]
    InvalidOperation {
        /// Why.
        reason: String,
    },
    /// `WALLET_INVALID_CONFIG`: a wallet configuration that cannot be used (limit in another
    /// currency, negative limit).
    #[error("invalid wallet configuration: {reason}")]
    InvalidConfig {
        /// Why.
        reason: String,
    },
    /// `WALLET_LEDGER_CORRUPT`: replaying a stored ledger does not reproduce its recorded effects
    /// (or an entry fails, or an id repeats).
    #[error("ledger entry {entry_id} does not replay: {reason}")]
    LedgerCorrupt {
        /// The first entry that does not replay.
        entry_id: String,
        /// Why.
        reason: String,
    },
    /// `WALLET_OVERFLOW`: an amount or running total does not fit.
    #[error("amount overflow in {operation}")]
    Overflow {
        /// What overflowed.
        operation: String,
    },
    /// `WALLET_INSUFFICIENT_VOUCHERS`: a payment needs more vouchers of a type than the wallet
    /// holds (also under `allow_debt`: vouchers never become debt), or a revoke takes more than it
    /// holds.
    #[error("wallet {wallet_id} holds {available} '{voucher_type}' vouchers, needed {needed}")]
    InsufficientVouchers {
        /// The wallet.
        wallet_id: String,
        /// The voucher type.
        voucher_type: String,
        /// Vouchers needed.
        needed: u64,
        /// Vouchers held.
        available: u64,
    },
    /// A catalog error (`CATALOG_*`, see [`crate::catalog::CatalogError`]).
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    /// `TAG_INVALID_UID`: a tag UID that is not 4, 7 or 10 bytes of hex.
    #[error("invalid tag UID '{uid}': {reason}")]
    TagInvalidUid {
        /// The UID as given (truncated).
        uid: String,
        /// Why.
        reason: String,
    },
    /// `TAG_UNKNOWN`: a tag that was never linked.
    #[error("tag {uid} is not linked to any wallet")]
    TagUnknown {
        /// The tag UID (hex).
        uid: String,
    },
    /// `TAG_LOST`: a tag reported lost; it is blocked forever.
    #[error("tag {uid} was reported lost")]
    TagLost {
        /// The tag UID (hex).
        uid: String,
        /// The wallet it was linked to.
        wallet_id: String,
    },
    /// `TAG_ALREADY_USED`: linking a tag that was ever linked to another wallet (or is lost).
    #[error("tag {uid} was already used by wallet {wallet_id}")]
    TagAlreadyUsed {
        /// The tag UID (hex).
        uid: String,
        /// The wallet it was linked to.
        wallet_id: String,
    },
    /// `TAG_WALLET_ALREADY_LINKED`: the wallet already has an active tag (use replace).
    #[error("wallet {wallet_id} already has active tag {uid}")]
    TagWalletAlreadyLinked {
        /// The wallet.
        wallet_id: String,
        /// Its active tag UID (hex).
        uid: String,
    },
}

impl ErrorCode for WalletError {
    fn code(&self) -> &'static str {
        match self {
            WalletError::InsufficientFunds { .. } => "WALLET_INSUFFICIENT_FUNDS",
            WalletError::InvalidAmount { .. } => "WALLET_INVALID_AMOUNT",
            WalletError::CurrencyMismatch { .. } => "WALLET_CURRENCY_MISMATCH",
            WalletError::LimitExceeded { .. } => "WALLET_LIMIT_EXCEEDED",
            WalletError::Blocked { .. } => "WALLET_BLOCKED",
            WalletError::Closed { .. } => "WALLET_CLOSED",
            WalletError::DuplicateEntryConflict { .. } => "WALLET_DUPLICATE_ENTRY_CONFLICT",
            WalletError::UnknownPayment { .. } => "WALLET_UNKNOWN_PAYMENT",
            WalletError::RefundExceedsPayment { .. } => "WALLET_REFUND_EXCEEDS_PAYMENT",
            WalletError::FeeExceedsAmount { .. } => "WALLET_FEE_EXCEEDS_AMOUNT",
            WalletError::NotEmpty { .. } => "WALLET_NOT_EMPTY",
            WalletError::NotBlocked { .. } => "WALLET_NOT_BLOCKED",
            WalletError::TransferInvalid { .. } => "WALLET_TRANSFER_INVALID",
            WalletError::InvalidOperation { .. } => "WALLET_INVALID_OPERATION",
            WalletError::InvalidConfig { .. } => "WALLET_INVALID_CONFIG",
            WalletError::LedgerCorrupt { .. } => "WALLET_LEDGER_CORRUPT",
            WalletError::Overflow { .. } => "WALLET_OVERFLOW",
            WalletError::InsufficientVouchers { .. } => "WALLET_INSUFFICIENT_VOUCHERS",
            WalletError::Catalog(e) => e.code(),
            WalletError::TagInvalidUid { .. } => "TAG_INVALID_UID",
            WalletError::TagUnknown { .. } => "TAG_UNKNOWN",
            WalletError::TagLost { .. } => "TAG_LOST",
            WalletError::TagAlreadyUsed { .. } => "TAG_ALREADY_USED",
            WalletError::TagWalletAlreadyLinked { .. } => "TAG_WALLET_ALREADY_LINKED",
        }
    }
}
