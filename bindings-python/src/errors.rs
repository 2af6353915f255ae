//! Core errors → Python exceptions.
//!
//! The exception classes live in Python (`festival_core/_errors.py`: `FestivalError` and one
//! subclass per family) so that they pickle, subclass and type-check like ordinary Python
//! exceptions. Each carries `.code` (the core's stable code), `.details` (a dict) and the message.

use festival_core::interop::ErrorPayload;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

/// Python class name for an error family (`interop::ErrorPayload::family`).
fn class_for(family: &str) -> &'static str {
    match family {
        "input" => "InputError",
        "money" => "MoneyError",
        "wallet" => "WalletError",
        "ticketing" => "TicketingError",
        "access" => "AccessError",
        "offline" => "OfflineError",
        "till" => "TillError",
        _ => "FestivalError",
    }
}

fn build(py: Python<'_>, p: &ErrorPayload) -> PyResult<PyErr> {
    let json = py.import("json")?;
    let details = json.call_method1("loads", (p.details_json(),))?;
    let cls = py.import("festival_core._errors")?.getattr(class_for(p.family))?;
    let exc = cls.call1((p.message.as_str(), p.code, details))?;
    Ok(PyErr::from_value(exc))
}

/// Converts any festival-core error into the matching Python exception.
pub fn core_err(py: Python<'_>, e: impl Into<festival_core::Error>) -> PyErr {
    let e: festival_core::Error = e.into();
    let payload = ErrorPayload::from(&e);
    match build(py, &payload) {
        Ok(err) => err,
        // Only if the Python package itself is broken: still say what went wrong.
        Err(_) => PyValueError::new_err(format!("{}: {}", payload.code, payload.message)),
    }
}

/// A `TypeError` naming the argument and what it accepts.
pub fn type_err(field: &str, expected: &str, got: &Bound<'_, PyAny>) -> PyErr {
    let tn = got.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    PyTypeError::new_err(format!("{field}: expected {expected}, got {tn}"))
}

/// Extension to turn `Result<T, E: Into<festival_core::Error>>` into `PyResult<T>`.
pub trait CoreResult<T> {
    /// Maps the error to its Python exception.
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T, E: Into<festival_core::Error>> CoreResult<T> for Result<T, E> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| core_err(py, e))
    }
}
