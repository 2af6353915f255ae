//! Offline operation (being built: see issue 4).
use crate::error::ErrorCode;
use serde::Serialize;

/// Offline errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum OfflineError {
    /// `OFFLINE_BAD_SIGNATURE`.
    #[error("bad signature")]
    BadSignature {},
}

impl ErrorCode for OfflineError {
    fn code(&self) -> &'static str {
        match self {
            OfflineError::BadSignature { .. } => "OFFLINE_BAD_SIGNATURE",
        }
    }
}
