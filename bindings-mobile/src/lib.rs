//! # bindings-mobile
//!
//! UniFFI bindings of festival-core for the React Native attendee / POS / gate app
//! (uniffi-bindgen-react-native), Kotlin (Android) and Swift (iOS). A thin layer: the rules live
//! in festival-core; this crate converts types (money as decimal strings, timestamps as RFC 3339
//! strings or integer milliseconds, ids as UUID strings, bytes as hex or byte arrays) and errors
//! ([`FestivalError`], one variant per error family, each with the stable `code`).
//!
//! Nothing here panics on caller input: every conversion is checked and reported as an error.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

uniffi::setup_scaffolding!();

pub mod access;
pub mod catalog;
pub mod checkin;
pub mod carts;
mod convert;
pub mod error;
pub mod money;
pub mod offline;
pub mod postings;
pub mod reconcile;
pub mod ticketing;
pub mod till;
pub mod wallet;

pub use error::FestivalError;

use error::Result;

/// Runs a conformance operation (`"money.allocate"` ...) on JSON input and returns its JSON
/// output, exactly as `festival_core::conformance::execute_json` in Rust. Errors are thrown as
/// [`FestivalError`] with the core's code and details.
#[uniffi::export]
pub fn conformance_execute(op: String, input_json: String) -> Result<String> {
    Ok(festival_core::conformance::execute_json(&op, &input_json)?)
}

/// The festival-core version these bindings were built from.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conformance_round_trip_and_errors() {
        let out = conformance_execute(
            "money.split".into(),
            r#"{"amount":{"amount":"0.05","currency":"EUR"},"parts":3}"#.into(),
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["parts"][0]["amount"], "0.02");
        assert_eq!(conformance_execute("money.split".into(), "{not json".into()).unwrap_err().code(), "INPUT_INVALID");
        assert_eq!(conformance_execute("nope.op".into(), "{}".into()).unwrap_err().code(), "INPUT_UNKNOWN_OPERATION");
    }
}
