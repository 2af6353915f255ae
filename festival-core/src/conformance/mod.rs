//! Language-neutral conformance operations.
//!
//! Conformance vectors (`tests/vectors/*.json`, format in `tests/vectors/README.md`) name an
//! operation such as `money.allocate`, give its input as JSON and state the exact expected output
//! or error code. [`execute`] is the one dispatcher that the Rust runner and every binding's runner
//! call, so a vector means the same thing in every runtime; each binding passes the JSON through
//! its own boundary and maps errors to its own idiom, which is what the vectors then check.
//!
//! ```
//! use festival_core::conformance::execute;
//! let out = execute("money.split", &serde_json::json!({
//!     "amount": {"amount": "0.05", "currency": "EUR"}, "parts": 3
//! }))?;
//! assert_eq!(out["parts"][0]["amount"], "0.02");
//! # Ok::<(), festival_core::Error>(())
//! ```

mod access;
mod analytics;
mod calendar;
mod catalog;
mod money;
mod offline;
mod ticketing;
mod till;
mod wallet;

use crate::error::{Error, InputError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Runs conformance operation `op` on `input` and returns its JSON output.
pub fn execute(op: &str, input: &Value) -> Result<Value, Error> {
    let family = op.split('.').next().unwrap_or("");
    let result = match family {
        "access" => access::execute(op, input),
        "analytics" => analytics::execute(op, input),
        "calendar" => calendar::execute(op, input),
        "catalog" => catalog::execute(op, input),
        "money" => money::execute(op, input),
        "offline" => offline::execute(op, input),
        "ticketing" => ticketing::execute(op, input),
        "till" => till::execute(op, input),
        "wallet" | "tag" => wallet::execute(op, input),
        _ => None,
    };
    result.unwrap_or_else(|| Err(InputError::UnknownOperation { op: op.chars().take(64).collect() }.into()))
}

/// Like [`execute`] on JSON text; for bindings that pass strings. Errors with `INPUT_INVALID` if
/// `input_json` is not JSON.
pub fn execute_json(op: &str, input_json: &str) -> Result<String, Error> {
    let input: Value = serde_json::from_str(input_json).map_err(|e| InputError::invalid("input", e.to_string()))?;
    let out = execute(op, &input)?;
    Ok(out.to_string())
}

/// Deserializes an operation's input, turning shape errors into `INPUT_INVALID`.
pub(crate) fn parse<T: DeserializeOwned>(input: &Value) -> Result<T, Error> {
    T::deserialize(input).map_err(|e| InputError::invalid("input", e.to_string()).into())
}

/// Serializes an operation's output.
pub(crate) fn out<T: Serialize>(value: &T) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| InputError::invalid("output", e.to_string()).into())
}
