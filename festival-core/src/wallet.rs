//! Cashless wallets (being built: see issue 2).
use crate::error::ErrorCode;
use serde::Serialize;

/// Wallet errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum WalletError {
    /// `WALLET_INSUFFICIENT_FUNDS`.
    #[error("insufficient funds")]
    InsufficientFunds {},
}

impl ErrorCode for WalletError {
    fn code(&self) -> &'static str {
        match self {
            WalletError::InsufficientFunds { .. } => "WALLET_INSUFFICIENT_FUNDS",
        }
    }
}
