//! Till errors (`TILL_*`).

use crate::error::ErrorCode;
use serde::Serialize;

/// Errors of till sessions, receipts, closings, Z-reports and exports. Money in the details is a
/// decimal string (plus `currency` where it is not implied).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum TillError {
    /// `TILL_INVALID_AMOUNT`: an amount that must be positive (or, for a float or a count, zero or
    /// more) is not.
    #[error("invalid {field} {amount}: {reason}")]
    InvalidAmount {
        /// Which amount.
        field: String,
        /// The amount as given.
        amount: String,
        /// Why it was rejected.
        reason: String,
    },
    /// `TILL_CURRENCY_MISMATCH`: an amount is not in the session's currency.
    #[error("currency mismatch: the till uses {expected}, got {actual}")]
    CurrencyMismatch {
        /// The session's currency.
        expected: String,
        /// The currency given.
        actual: String,
    },
    /// `TILL_SESSION_CLOSED`: an operation on a session that is already closed.
    #[error("till session {session_id} is closed")]
    SessionClosed {
        /// The session.
        session_id: String,
    },
    /// `TILL_ALREADY_CLOSED`: closing a session a second time.
    #[error("till session {session_id} was already closed at {closed_at}")]
    AlreadyClosed {
        /// The session.
        session_id: String,
        /// When it was closed.
        closed_at: String,
    },
    /// `TILL_SESSION_OPEN`: a closed session is required (Z-report, next session).
    #[error("till session {session_id} is still open")]
    SessionOpen {
        /// The session.
        session_id: String,
    },
    /// `TILL_SESSION_MISMATCH`: a session that does not belong where it is used (another till, a
    /// reused session id, another currency).
    #[error("session mismatch: {reason}")]
    SessionMismatch {
        /// What does not match.
        reason: String,
    },
    /// `TILL_OPERATION_CONFLICT`: an operation id (or payment id) that was already used for a
    /// different operation.
    #[error("operation {operation_id} was already recorded with a different payload")]
    OperationConflict {
        /// The operation or payment id.
        operation_id: String,
    },
    /// `TILL_INVALID_TIME`: a time before the session was opened (or before its last operation,
    /// for the closing).
    #[error("invalid time {at}: {reason}")]
    InvalidTime {
        /// The time given.
        at: String,
        /// Why it was rejected.
        reason: String,
    },
    /// `TILL_INSUFFICIENT_CASH`: a payout or a transfer to the safe needs more cash than the drawer
    /// is expected to hold.
    #[error("insufficient cash in the drawer: needed {needed} {currency}, expected {available} {currency}")]
    InsufficientCash {
        /// The amount asked for.
        needed: String,
        /// The cash the drawer is expected to hold.
        available: String,
        /// The currency.
        currency: String,
    },
    /// `TILL_UNKNOWN_PRODUCT`: a receipt line names a sku the product lookup does not know.
    #[error("unknown product '{sku}'")]
    UnknownProduct {
        /// The sku.
        sku: String,
    },
    /// `TILL_INVALID_RECEIPT`: a sale without lines, a zero quantity, a negative price, a bad VAT
    /// rate or VAT key.
    #[error("invalid receipt: {reason}")]
    InvalidReceipt {
        /// Why it was rejected.
        reason: String,
    },
    /// `TILL_TOTAL_MISMATCH`: the receipt's total differs from the payment amount given.
    #[error("receipt total {computed} does not match the payment amount {expected}")]
    TotalMismatch {
        /// The payment amount.
        expected: String,
        /// The receipt total.
        computed: String,
    },
    /// `TILL_UNKNOWN_RECEIPT`: no receipt of this session has this payment id.
    #[error("no receipt for payment {payment_id}")]
    UnknownReceipt {
        /// The payment id.
        payment_id: String,
    },
    /// `TILL_RECEIPT_GAP`: the sessions of a Z-report do not continue each other's receipt
    /// numbers.
    #[error("receipt numbers have a gap or overlap: expected {expected}, found {found}")]
    ReceiptGap {
        /// The next number the previous session left.
        expected: u64,
        /// The first number of the next session.
        found: u64,
    },
    /// `TILL_NO_SESSIONS`: a Z-report for a till and day without any session.
    #[error("till {till_id} has no session on {day}")]
    NoSessions {
        /// The till.
        till_id: String,
        /// The festival day.
        day: String,
    },
    /// `TILL_UNKNOWN_DEVICE`: the closing's device is not in the registry.
    #[error("device {device_id} is not registered")]
    UnknownDevice {
        /// The device.
        device_id: String,
    },
    /// `TILL_CLOSING_INVALID`: a closing that is not consistent (imbalance ≠ counted − expected,
    /// expected ≠ the sum of its parts, wrong festival, a gate device, unknown format).
    #[error("invalid closing: {reason}")]
    ClosingInvalid {
        /// Why it was rejected.
        reason: String,
    },
    /// `TILL_SIGNATURE_INVALID`: the closing's signature does not verify with the device's key.
    #[error("the closing's signature is not valid for device {device_id}")]
    SignatureInvalid {
        /// The device.
        device_id: String,
    },
    /// `TILL_STATE_INVALID`: a serialized session that breaks an invariant.
    #[error("invalid till session state: {reason}")]
    StateInvalid {
        /// Which invariant.
        reason: String,
    },
}

impl ErrorCode for TillError {
    fn code(&self) -> &'static str {
        match self {
            TillError::InvalidAmount { .. } => "TILL_INVALID_AMOUNT",
            TillError::CurrencyMismatch { .. } => "TILL_CURRENCY_MISMATCH",
            TillError::SessionClosed { .. } => "TILL_SESSION_CLOSED",
            TillError::AlreadyClosed { .. } => "TILL_ALREADY_CLOSED",
            TillError::SessionOpen { .. } => "TILL_SESSION_OPEN",
            TillError::SessionMismatch { .. } => "TILL_SESSION_MISMATCH",
            TillError::OperationConflict { .. } => "TILL_OPERATION_CONFLICT",
            TillError::InvalidTime { .. } => "TILL_INVALID_TIME",
            TillError::InsufficientCash { .. } => "TILL_INSUFFICIENT_CASH",
            TillError::UnknownProduct { .. } => "TILL_UNKNOWN_PRODUCT",
            TillError::InvalidReceipt { .. } => "TILL_INVALID_RECEIPT",
            TillError::TotalMismatch { .. } => "TILL_TOTAL_MISMATCH",
            TillError::UnknownReceipt { .. } => "TILL_UNKNOWN_RECEIPT",
            TillError::ReceiptGap { .. } => "TILL_RECEIPT_GAP",
            TillError::NoSessions { .. } => "TILL_NO_SESSIONS",
            TillError::UnknownDevice { .. } => "TILL_UNKNOWN_DEVICE",
            TillError::ClosingInvalid { .. } => "TILL_CLOSING_INVALID",
            TillError::SignatureInvalid { .. } => "TILL_SIGNATURE_INVALID",
            TillError::StateInvalid { .. } => "TILL_STATE_INVALID",
        }
    }
}
