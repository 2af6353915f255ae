//! Errors with stable codes.
//!
//! Every module has its own `thiserror` enum; every variant has a stable, documented string code
//! (for example `WALLET_INSUFFICIENT_FUNDS`) that is identical in Rust, Kotlin/Swift, JS and
//! Python, and structured fields that bindings expose as details. [`Error`] gathers the families
//! so that a binding needs one conversion. The full table of codes is in `ERRORS.md`.

use serde::Serialize;

/// A stable, machine-readable error code.
pub trait ErrorCode {
    /// The stable code, e.g. `MONEY_SCALE_EXCEEDED`. Never changes once released.
    fn code(&self) -> &'static str;
}

/// Errors in input that does not yet belong to a domain: malformed ids, timestamps, JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum InputError {
    /// A value could not be parsed (UUID, timestamp, base64, JSON shape...).
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which field or argument was invalid.
        field: String,
        /// Why it was rejected.
        reason: String,
    },
    /// `CALENDAR_UNKNOWN_TIME_ZONE`: not an IANA time zone name of the embedded database.
    #[error("unknown time zone '{time_zone}'")]
    UnknownTimeZone {
        /// The name given.
        time_zone: String,
    },
    /// `CALENDAR_INVALID_DAY_START`: a day start that is not `HH:MM` in 00:00..=23:59.
    #[error("invalid day start '{day_starts_at}' (expected HH:MM, 00:00..=23:59)")]
    InvalidDayStart {
        /// The text given.
        day_starts_at: String,
    },
    /// The conformance dispatcher was asked for an operation it does not know.
    #[error("unknown operation '{op}'")]
    UnknownOperation {
        /// The operation name that was asked for.
        op: String,
    },
}

impl InputError {
    /// Shorthand for [`InputError::Invalid`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        InputError::Invalid { field: field.into(), reason: reason.into() }
    }
}

impl ErrorCode for InputError {
    fn code(&self) -> &'static str {
        match self {
            InputError::Invalid { .. } => "INPUT_INVALID",
            InputError::UnknownOperation { .. } => "INPUT_UNKNOWN_OPERATION",
            InputError::UnknownTimeZone { .. } => "CALENDAR_UNKNOWN_TIME_ZONE",
            InputError::InvalidDayStart { .. } => "CALENDAR_INVALID_DAY_START",
        }
    }
}

/// The family an error belongs to; bindings map each family to one exception class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorFamily {
    /// Malformed input (`INPUT_*`).
    Input,
    /// Money and currency errors (`MONEY_*`).
    Money,
    /// Wallet, ledger and NFC tag errors (`WALLET_*`, `TAG_*`).
    Wallet,
    /// Tickets, orders, inventory and pricing errors (`TICKET_*`, `ORDER_*`, `INVENTORY_*`, `PRICING_*`).
    Ticketing,
    /// Access zone errors (`ACCESS_*`).
    Access,
    /// Offline operation errors: devices, records, codes, reconciliation (`OFFLINE_*`, `CODE_*`, ...).
    Offline,
    /// Till sessions, closings, receipts and Z-reports (`TILL_*`).
    Till,
}

impl ErrorFamily {
    /// The family's name in snake case (`money`, `wallet`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorFamily::Input => "input",
            ErrorFamily::Money => "money",
            ErrorFamily::Wallet => "wallet",
            ErrorFamily::Ticketing => "ticketing",
            ErrorFamily::Access => "access",
            ErrorFamily::Offline => "offline",
            ErrorFamily::Till => "till",
        }
    }
}

/// Any festival-core error. Bindings convert this one type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed input.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Money and currency errors.
    #[error(transparent)]
    Money(#[from] crate::money::MoneyError),
    /// Wallet errors.
    #[error(transparent)]
    Wallet(#[from] crate::wallet::WalletError),
    /// Ticketing errors.
    #[error(transparent)]
    Ticketing(#[from] crate::ticketing::TicketingError),
    /// Access zone errors.
    #[error(transparent)]
    Access(#[from] crate::access::AccessError),
    /// Offline operation errors.
    #[error(transparent)]
    Offline(#[from] crate::offline::OfflineError),
    /// Till errors.
    #[error(transparent)]
    Till(#[from] crate::till::TillError),
}

impl Error {
    /// The family of this error (one exception class per family in the bindings).
    pub fn family(&self) -> ErrorFamily {
        match self {
            Error::Input(_) => ErrorFamily::Input,
            Error::Money(_) => ErrorFamily::Money,
            Error::Wallet(_) => ErrorFamily::Wallet,
            Error::Ticketing(_) => ErrorFamily::Ticketing,
            Error::Access(_) => ErrorFamily::Access,
            Error::Offline(_) => ErrorFamily::Offline,
            Error::Till(_) => ErrorFamily::Till,
        }
    }

    /// Structured fields of the error as a JSON object (money as decimal strings, never floats).
    /// Bindings expose this as `.details`.
    pub fn details(&self) -> serde_json::Value {
        let v = match self {
            Error::Input(e) => serde_json::to_value(e),
            Error::Money(e) => serde_json::to_value(e),
            Error::Wallet(e) => serde_json::to_value(e),
            Error::Ticketing(e) => serde_json::to_value(e),
            Error::Access(e) => serde_json::to_value(e),
            Error::Offline(e) => serde_json::to_value(e),
            Error::Till(e) => serde_json::to_value(e),
        };
        match v {
            Ok(serde_json::Value::Object(m)) => serde_json::Value::Object(m),
            _ => serde_json::Value::Object(serde_json::Map::new()),
        }
    }
}

impl ErrorCode for Error {
    fn code(&self) -> &'static str {
        match self {
            Error::Input(e) => e.code(),
            Error::Money(e) => e.code(),
            Error::Wallet(e) => e.code(),
            Error::Ticketing(e) => e.code(),
            Error::Access(e) => e.code(),
            Error::Offline(e) => e.code(),
            Error::Till(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_objects_with_fields() {
        let e: Error = InputError::invalid("wallet_id", "not a UUID").into();
        assert_eq!(e.code(), "INPUT_INVALID");
        assert_eq!(e.family(), ErrorFamily::Input);
        assert_eq!(e.details()["field"], "wallet_id");
    }
}
