//! Tickets, orders, inventory and pricing (being built: see issue 3).
use crate::error::ErrorCode;
use serde::Serialize;

/// Ticketing errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum TicketingError {
    /// `INVENTORY_SOLD_OUT`.
    #[error("sold out")]
    SoldOut {},
}

impl ErrorCode for TicketingError {
    fn code(&self) -> &'static str {
        match self {
            TicketingError::SoldOut { .. } => "INVENTORY_SOLD_OUT",
        }
    }
}
