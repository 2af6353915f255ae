//! Python ⇄ core value conversions: `decimal.Decimal`, aware `datetime`, `uuid.UUID`, `bytes`.
//! Floats are refused everywhere (TypeError); naive datetimes are refused (ValueError).

use crate::errors::{type_err, CoreResult};
use festival_core::money::{parse_decimal, Currency, MoneyError, RoundingMode};
use festival_core::{interop, Timestamp};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyString};
use rust_decimal::Decimal;
use uuid::Uuid;

/// Decimal exponents beyond this are refused before formatting (a hostile `Decimal('1E+999999999')`
/// would otherwise expand to a gigabyte of digits).
const MAX_EXPONENT: i64 = 40;

fn decimal_cls<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
    py.import("decimal")?.getattr("Decimal")
}

/// A `decimal.Decimal`, `int` or decimal `str` → `Decimal`. `float` and `bool` raise TypeError;
/// NaN, infinities and out-of-range values raise `MoneyError` (`MONEY_INVALID_AMOUNT`).
pub fn decimal_from_py(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<Decimal> {
    let py = obj.py();
    if obj.is_instance_of::<PyBool>() || obj.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err(format!(
            "{field}: floats are not accepted for money or rates; use decimal.Decimal or str (got {})",
            obj.get_type().name()?
        )));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let text: String = s.extract()?;
        return parse_decimal(&text).py(py);
    }
    if obj.is_instance_of::<PyInt>() {
        let text: String = obj.str()?.extract()?;
        return parse_decimal(&text).py(py);
    }
    if obj.is_instance(&decimal_cls(py)?)? {
        let finite: bool = obj.call_method0("is_finite")?.extract()?;
        if !finite {
            let text: String = obj.str()?.extract()?;
            return parse_decimal(&text).py(py);
        }
        let exponent: i64 = obj.call_method0("as_tuple")?.getattr("exponent")?.extract()?;
        if !(-MAX_EXPONENT..=MAX_EXPONENT).contains(&exponent) {
            let err = MoneyError::InvalidAmount {
                input: obj.str()?.extract::<String>()?.chars().take(64).collect(),
                reason: "out of range or too precise".into(),
            };
            return Err(crate::errors::core_err(py, err));
        }
        let text: String = obj.call_method1("__format__", ("f",))?.extract()?;
        return parse_decimal(&text).py(py);
    }
    Err(type_err(field, "decimal.Decimal, int or str", obj))
}

/// `Decimal` → `decimal.Decimal` (exact, through its string).
pub fn decimal_to_py<'py>(py: Python<'py>, d: Decimal) -> PyResult<Bound<'py, PyAny>> {
    decimal_cls(py)?.call1((d.to_string(),))
}

/// A currency code string (`"EUR"`, `"COIN:2"`).
pub fn currency_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Currency> {
    let s = obj.cast::<PyString>().map_err(|_| type_err("currency", "str such as 'EUR' or 'COIN:2'", obj))?;
    let text: String = s.extract()?;
    text.parse::<Currency>().py(obj.py())
}

/// A rounding mode name: `half_even`, `half_up`, `down`, `up`.
pub fn rounding_from_str(mode: &str) -> PyResult<RoundingMode> {
    RoundingMode::parse(mode).ok_or_else(|| {
        PyValueError::new_err(format!("rounding mode must be 'half_even', 'half_up', 'down' or 'up', got {mode:?}"))
    })
}

fn epoch<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
    let dt = py.import("datetime")?;
    let utc = dt.getattr("timezone")?.getattr("utc")?;
    dt.getattr("datetime")?.call1((1970, 1, 1, 0, 0, 0, 0, utc))
}

/// A timezone-aware `datetime` → `Timestamp` (milliseconds; sub-millisecond precision is floored).
/// Naive datetimes raise ValueError.
pub fn timestamp_from_py(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<Timestamp> {
    let py = obj.py();
    let dt = py.import("datetime")?;
    if !obj.is_instance(&dt.getattr("datetime")?)? {
        return Err(type_err(field, "a timezone-aware datetime.datetime", obj));
    }
    if obj.call_method0("utcoffset")?.is_none() {
        return Err(PyValueError::new_err(format!(
            "{field}: naive datetime (no tzinfo); pass a timezone-aware datetime, e.g. tzinfo=timezone.utc"
        )));
    }
    let one_ms = dt.getattr("timedelta")?.call1((0, 0, 0, 1))?;
    let ms: i64 = obj.sub(epoch(py)?)?.floor_div(one_ms)?.extract()?;
    interop::timestamp_from_millis(field, ms).py(py)
}

/// `Timestamp` → aware `datetime` in UTC.
pub fn timestamp_to_py<'py>(py: Python<'py>, ts: Timestamp) -> PyResult<Bound<'py, PyAny>> {
    let delta = py.import("datetime")?.getattr("timedelta")?.call1((0, 0, 0, ts.unix_millis()))?;
    epoch(py)?.add(delta)
}

/// `uuid.UUID` or its string → `Uuid`.
pub fn uuid_from_py(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<Uuid> {
    let py = obj.py();
    if let Ok(s) = obj.cast::<PyString>() {
        let text: String = s.extract()?;
        return interop::parse_uuid(field, &text).py(py);
    }
    if obj.is_instance(&py.import("uuid")?.getattr("UUID")?)? {
        let text: String = obj.str()?.extract()?;
        return interop::parse_uuid(field, &text).py(py);
    }
    Err(type_err(field, "uuid.UUID or str", obj))
}

/// `Uuid` → `uuid.UUID`.
pub fn uuid_to_py<'py>(py: Python<'py>, id: &Uuid) -> PyResult<Bound<'py, PyAny>> {
    py.import("uuid")?.getattr("UUID")?.call1((id.to_string(),))
}

/// `bytes` (or `bytearray` / `memoryview` via `bytes(obj)`) → `Vec<u8>`; `str` raises TypeError.
pub fn bytes_from_py(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyInt>() {
        return Err(type_err(field, "bytes", obj));
    }
    let builtins = obj.py().import("builtins")?;
    let b = builtins.getattr("bytes")?.call1((obj,)).map_err(|_| type_err(field, "bytes", obj))?;
    Ok(b.cast::<PyBytes>()?.as_bytes().to_vec())
}
