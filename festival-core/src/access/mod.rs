//! Access zones (being built: see issue 3).
use crate::error::ErrorCode;
use serde::Serialize;

/// Access zone errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum AccessError {
    /// `ACCESS_UNKNOWN_ZONE`.
    #[error("unknown zone")]
    UnknownZone {},
}

impl ErrorCode for AccessError {
    fn code(&self) -> &'static str {
        match self {
            AccessError::UnknownZone { .. } => "ACCESS_UNKNOWN_ZONE",
        }
    }
}
