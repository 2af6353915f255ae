//! The one error type every exported function throws.
//!
//! One variant (one Kotlin/Swift exception class, one TypeScript error tag) per error family of
//! festival-core, each carrying the core's stable `code`, a readable `reason` (the core's English
//! message) and the structured details as JSON text (`details_json`, money as decimal strings).
//!
//! The field is called `reason`, not `message`: a UniFFI error field named `message` does not
//! compile in Kotlin (it collides with `Throwable.message`, uniffi-rs #1434).

use festival_core::error::ErrorFamily;
use festival_core::interop::ErrorPayload;
use festival_core::{Error, InputError};
use std::fmt;

/// A festival-core error, by family. Kotlin: `FestivalException.Money` etc.; Swift:
/// `FestivalError.money(code:reason:detailsJson:)`; TypeScript: `FestivalError.Money` with
/// `inner.code`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
#[uniffi::export(Display)]
pub enum FestivalError {
    /// Malformed input (`INPUT_*`): bad ids, timestamps, hex, JSON shape.
    Input {
        /// Stable code, e.g. `INPUT_INVALID`.
        code: String,
        /// Readable English message.
        reason: String,
        /// Structured details as a JSON object text.
        details_json: String,
    },
    /// Money and currency errors (`MONEY_*`).
    Money {
        /// Stable code, e.g. `MONEY_SCALE_EXCEEDED`.
        code: String,
        /// Readable English message.
        reason: String,
        /// Structured details as a JSON object text.
        details_json: String,
    },
    /// Wallet, ledger and NFC tag errors (`WALLET_*`, `TAG_*`).
    Wallet {
        /// Stable code, e.g. `WALLET_INSUFFICIENT_FUNDS`.
        code: String,
        /// Readable English message.
        reason: String,
        /// Structured details as a JSON object text.
        details_json: String,
    },
    /// Tickets, orders, inventory and pricing errors.
    Ticketing {
        /// Stable code, e.g. `INVENTORY_SOLD_OUT`.
        code: String,
        /// Readable English message.
        reason: String,
        /// Structured details as a JSON object text.
        details_json: String,
    },
    /// Access zone errors (`ACCESS_*`).
    Access {
        /// Stable code.
        code: String,
        /// Readable English message.
        reason: String,
        /// Structured details as a JSON object text.
        details_json: String,
    },
    /// Offline operation errors: devices, records, ticket codes, reconciliation.
    Offline {
        /// Stable code, e.g. `OFFLINE_BAD_SIGNATURE`.
        code: String,
        /// Readable English message.
        reason: String,
        /// Structured details as a JSON object text.
        details_json: String,
    },
    /// Till sessions, closings, receipts and Z-reports.
    Till {
        /// Stable code, e.g. `TILL_SESSION_CLOSED`.
        code: String,
        /// Readable English message.
        reason: String,
        /// Structured details as a JSON object text.
        details_json: String,
    },
}

impl FestivalError {
    /// The stable code.
    pub fn code(&self) -> &str {
        let (code, _, _) = self.parts();
        code
    }

    /// The readable message.
    pub fn reason(&self) -> &str {
        let (_, reason, _) = self.parts();
        reason
    }

    /// The details as JSON text.
    pub fn details_json(&self) -> &str {
        let (_, _, details) = self.parts();
        details
    }

    fn parts(&self) -> (&str, &str, &str) {
        match self {
            FestivalError::Input { code, reason, details_json }
            | FestivalError::Money { code, reason, details_json }
            | FestivalError::Wallet { code, reason, details_json }
            | FestivalError::Ticketing { code, reason, details_json }
            | FestivalError::Access { code, reason, details_json }
            | FestivalError::Offline { code, reason, details_json }
            | FestivalError::Till { code, reason, details_json } => (code, reason, details_json),
        }
    }
}

impl fmt::Display for FestivalError {
    /// `MONEY_SCALE_EXCEEDED: amount 0.005 has more than 2 decimal places allowed for EUR`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.reason())
    }
}

impl std::error::Error for FestivalError {}

impl From<Error> for FestivalError {
    fn from(e: Error) -> Self {
        let p = ErrorPayload::from(&e);
        let code = p.code.to_string();
        let reason = p.message.clone();
        let details_json = p.details_json();
        match e.family() {
            ErrorFamily::Input => FestivalError::Input { code, reason, details_json },
            ErrorFamily::Money => FestivalError::Money { code, reason, details_json },
            ErrorFamily::Wallet => FestivalError::Wallet { code, reason, details_json },
            ErrorFamily::Ticketing => FestivalError::Ticketing { code, reason, details_json },
            ErrorFamily::Access => FestivalError::Access { code, reason, details_json },
            ErrorFamily::Offline => FestivalError::Offline { code, reason, details_json },
            ErrorFamily::Till => FestivalError::Till { code, reason, details_json },
        }
    }
}

impl From<InputError> for FestivalError {
    fn from(e: InputError) -> Self {
        Error::from(e).into()
    }
}

impl From<festival_core::money::MoneyError> for FestivalError {
    fn from(e: festival_core::money::MoneyError) -> Self {
        Error::from(e).into()
    }
}

impl From<festival_core::wallet::WalletError> for FestivalError {
    fn from(e: festival_core::wallet::WalletError) -> Self {
        Error::from(e).into()
    }
}

impl From<festival_core::catalog::CatalogError> for FestivalError {
    /// Catalog errors are wallet-family errors with their own `CATALOG_*` codes.
    fn from(e: festival_core::catalog::CatalogError) -> Self {
        Error::from(festival_core::wallet::WalletError::from(e)).into()
    }
}

impl From<festival_core::ticketing::TicketingError> for FestivalError {
    fn from(e: festival_core::ticketing::TicketingError) -> Self {
        Error::from(e).into()
    }
}

impl From<festival_core::access::AccessError> for FestivalError {
    fn from(e: festival_core::access::AccessError) -> Self {
        Error::from(e).into()
    }
}

impl From<festival_core::offline::OfflineError> for FestivalError {
    fn from(e: festival_core::offline::OfflineError) -> Self {
        Error::from(e).into()
    }
}

/// A JSON document that does not parse into the expected state (`INPUT_INVALID` naming `field`).
pub(crate) fn bad_json(field: &str, e: serde_json::Error) -> FestivalError {
    InputError::invalid(field, e.to_string()).into()
}

/// Shorthand for binding functions.
pub type Result<T, E = FestivalError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_family_code_reason_details() {
        let e: FestivalError = festival_core::interop::parse_money("0.001", "EUR").unwrap_err().into();
        assert!(matches!(e, FestivalError::Money { .. }));
        assert_eq!(e.code(), "MONEY_SCALE_EXCEEDED");
        assert_eq!(e.reason(), "amount 0.001 has more than 2 decimal places allowed for EUR");
        assert_eq!(e.to_string(), "MONEY_SCALE_EXCEEDED: amount 0.001 has more than 2 decimal places allowed for EUR");
        let d: serde_json::Value = serde_json::from_str(e.details_json()).unwrap();
        assert_eq!(d["minor_digits"], 2);
    }

    #[test]
    fn input_errors_are_input_family() {
        let e: FestivalError = InputError::invalid("wallet_id", "not a UUID").into();
        assert!(matches!(e, FestivalError::Input { .. }));
        assert_eq!(e.code(), "INPUT_INVALID");
    }
}
