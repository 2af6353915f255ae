//! The JavaScript-facing API of festival-core, shared by `bindings-node` (napi-rs) and
//! `bindings-wasm` (wasm-bindgen) so that both packages export the same names with the same shapes.
//!
//! Each binding converts JS arguments to [`serde_json::Value`] with its own small walker (whose
//! number rules live here: [`number_to_json`]), calls one function of this crate, and converts the
//! JSON result back. This crate holds no logic of its own: it validates argument shapes, calls
//! festival-core, and renames keys between the core's snake_case and JS camelCase with
//! [`festival_core::interop::keys_to_camel_case`] / [`festival_core::interop::keys_to_snake_case`]
//! (the one shared place for key case).
//!
//! Rules every function follows:
//! * money is `{ amount: "12.50", currency: "EUR" }`; a JS number where money or a decimal is
//!   expected is `INPUT_INVALID`;
//! * every failure is a [`festival_core::Error`], which the bindings turn into a JS `Error` with
//!   `.code`, `.family` and `.details` ([`JsErrorParts`]).
//!
//! ```
//! use festival_js_api as api;
//! use serde_json::json;
//! let total = api::add_money(&json!({"amount": "1.10", "currency": "EUR"}),
//!                            &json!({"amount": "2.25", "currency": "EUR"}))?;
//! assert_eq!(total, json!({"amount": "3.35", "currency": "EUR"}));
//! let err = api::parse_money(&json!(12.5), &json!("EUR")).unwrap_err();
//! assert_eq!(api::JsErrorParts::new(&err, true).code, "INPUT_INVALID");
//! # Ok::<(), festival_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use festival_core::interop::{self, json_type_name, ErrorPayload};
use festival_core::money::tax::{compute_tax as core_compute_tax, PriceBasis, TaxLine, TaxRounding};
use festival_core::money::{parse_decimal, Currency, Money, RoundingMode};
use festival_core::{Error, InputError};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

pub mod access;
pub mod catalog;
pub mod device;
pub mod offline;
pub mod reconcile;
pub mod ticketing;
pub mod till;
pub mod wallet;

/// Result of every API function.
pub type Result<T> = std::result::Result<T, Error>;

/// The largest integer a JS number holds exactly (2^53 − 1).
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// Deepest nesting of arrays/objects a binding converts from JS (deeper input is `INPUT_INVALID`).
pub const MAX_DEPTH: u32 = 64;

/// Longest string accepted from JS (1 MiB); anything longer is rejected before it is parsed.
pub const MAX_STRING_BYTES: usize = 1 << 20;

pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Error {
    InputError::invalid(field, reason).into()
}

// ------------------------------------------------------------------ JS value rules

/// Converts a JS number to JSON, the same way in both bindings: NaN and ±Infinity are rejected
/// (`1e400` is Infinity in JS); integers within ±(2^53 − 1) become JSON integers (`-0` becomes `0`);
/// any other number stays a float, which every integer, money or decimal argument then rejects.
pub fn number_to_json(field: &str, n: f64) -> Result<Value> {
    if !n.is_finite() {
        return Err(invalid(field, format!("{n} is not a finite number")));
    }
    if n.trunc() == n && n.abs() <= MAX_SAFE_INTEGER as f64 {
        // Exact: |n| <= 2^53 - 1 fits an i64 without rounding.
        return Ok(Value::from(n as i64));
    }
    serde_json::Number::from_f64(n).map(Value::Number).ok_or_else(|| invalid(field, "not a finite number"))
}

/// The error for a BigInt that does not fit 64 bits.
pub fn bigint_out_of_range(field: &str) -> Error {
    invalid(field, "BigInt is outside the 64-bit range")
}

/// The error for a JS value that has no JSON form (function, symbol...).
pub fn unsupported_js_value(field: &str, what: &str) -> Error {
    invalid(field, format!("{what} is not accepted here"))
}

/// The error for input nested deeper than [`MAX_DEPTH`].
pub fn too_deep(field: &str) -> Error {
    invalid(field, format!("nested deeper than {MAX_DEPTH} levels"))
}

/// Checks a string from JS against [`MAX_STRING_BYTES`].
pub fn check_string(field: &str, s: String) -> Result<Value> {
    if s.len() > MAX_STRING_BYTES {
        return Err(invalid(field, format!("string longer than {MAX_STRING_BYTES} bytes")));
    }
    Ok(Value::String(s))
}

/// A JS `Date` (milliseconds since the epoch, NaN for Invalid Date) as an RFC 3339 string.
pub fn date_to_json(field: &str, ms: f64) -> Result<Value> {
    if !ms.is_finite() {
        return Err(invalid(field, "Invalid Date"));
    }
    // A valid JS Date is within ±8.64e15 ms, so this conversion is exact.
    let ts = interop::timestamp_from_millis(field, ms as i64)?;
    Ok(Value::String(ts.to_string()))
}

/// What a binding puts on the JS `Error` it throws.
#[derive(Debug, Clone, PartialEq)]
pub struct JsErrorParts {
    /// `err.code`, e.g. `MONEY_SCALE_EXCEEDED`.
    pub code: &'static str,
    /// `err.family`, e.g. `money`.
    pub family: &'static str,
    /// `err.message`.
    pub message: String,
    /// `err.details`: a plain object.
    pub details: Value,
}

impl JsErrorParts {
    /// From a core error; `camel_case` renames the details' keys for the idiomatic API (the
    /// conformance dispatcher keeps the core's snake_case, like its JSON).
    pub fn new(e: &Error, camel_case: bool) -> JsErrorParts {
        let p = ErrorPayload::from(e);
        let details = if camel_case { interop::keys_to_camel_case(p.details) } else { p.details };
        JsErrorParts { code: p.code, family: p.family, message: p.message, details }
    }
}

// ------------------------------------------------------------------ argument readers

/// A string argument.
pub fn str_arg<'a>(field: &str, v: &'a Value) -> Result<&'a str> {
    v.as_str().ok_or_else(|| invalid(field, format!("expected a string, got {}", json_type_name(v))))
}

/// A money argument `{ amount, currency }` (see [`interop::money_from_json`]).
pub fn money_arg(field: &str, v: &Value) -> Result<Money> {
    interop::money_from_json(field, v)
}

/// A decimal given as a string (`"19"`, `"0.5"`); numbers are rejected.
pub fn decimal_arg(field: &str, v: &Value) -> Result<Decimal> {
    match v {
        Value::String(s) => Ok(parse_decimal(s)?),
        Value::Number(_) => Err(invalid(field, "expected a decimal string like \"19.5\", got a number")),
        other => Err(invalid(field, format!("expected a decimal string like \"19.5\", got {}", json_type_name(other)))),
    }
}

/// A non-negative integer (a JS number that is a safe integer, or a BigInt within 64 bits).
pub fn u64_arg(field: &str, v: &Value) -> Result<u64> {
    match v {
        Value::Number(n) => {
            n.as_u64().ok_or_else(|| invalid(field, format!("expected a non-negative integer, got {n}")))
        }
        other => Err(invalid(field, format!("expected a non-negative integer, got {}", json_type_name(other)))),
    }
}

/// A signed 64-bit integer (a safe-integer JS number or a BigInt).
pub fn i64_arg(field: &str, v: &Value) -> Result<i64> {
    match v {
        Value::Number(n) => n.as_i64().ok_or_else(|| invalid(field, format!("expected a 64-bit integer, got {n}"))),
        other => Err(invalid(field, format!("expected an integer (number or BigInt), got {}", json_type_name(other)))),
    }
}

/// A count that must fit `usize` (parts, quantities of items).
pub fn usize_arg(field: &str, v: &Value) -> Result<usize> {
    let n = u64_arg(field, v)?;
    usize::try_from(n).map_err(|_| invalid(field, "too large"))
}

/// A string enum of the core (serde name, e.g. `"half_even"`), naming the accepted values on error.
pub fn enum_arg<T: serde::de::DeserializeOwned>(field: &str, v: &Value, accepted: &str) -> Result<T> {
    let s = str_arg(field, v)?;
    serde_json::from_value(Value::String(s.to_string())).map_err(|_| {
        invalid(field, format!("expected one of {accepted}, got '{}'", s.chars().take(40).collect::<String>()))
    })
}

/// A rounding mode: `"half_even" | "half_up" | "down" | "up"`.
pub fn rounding_arg(field: &str, v: &Value) -> Result<RoundingMode> {
    enum_arg(field, v, "'half_even', 'half_up', 'down', 'up'")
}

/// An array argument.
pub fn array_arg<'a>(field: &str, v: &'a Value) -> Result<&'a Vec<Value>> {
    v.as_array().ok_or_else(|| invalid(field, format!("expected an array, got {}", json_type_name(v))))
}

/// An object argument.
pub fn object_arg<'a>(field: &str, v: &'a Value) -> Result<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| invalid(field, format!("expected an object, got {}", json_type_name(v))))
}

// ------------------------------------------------------------------ output

/// Money as the JS API returns it: `{ amount: "12.50", currency: "EUR" }`.
pub fn money_out(m: &Money) -> Value {
    json!({ "amount": m.amount_string(), "currency": m.currency().to_string() })
}

/// Deserializes a core type from a JS argument: keys are renamed from camelCase first; shape
/// errors are `INPUT_INVALID` naming `field`.
pub fn from_js<T: serde::de::DeserializeOwned>(field: &str, v: &Value) -> Result<T> {
    serde_json::from_value(interop::keys_to_snake_case(v.clone())).map_err(|e| invalid(field, e.to_string()))
}

/// Serializes a core value and renames its keys to camelCase.
pub fn to_js<T: serde::Serialize>(value: &T) -> Result<Value> {
    let v = serde_json::to_value(value).map_err(|e| invalid("output", e.to_string()))?;
    Ok(interop::keys_to_camel_case(v))
}

// ------------------------------------------------------------------ conformance

/// `conformanceExecute(op, input)`: the language-neutral JSON dispatcher
/// ([`festival_core::conformance::execute_json`]); JSON text in, JSON text out, keys untouched.
pub fn conformance_execute(op: &Value, input: &Value) -> Result<String> {
    festival_core::conformance::execute_json(str_arg("op", op)?, str_arg("input", input)?)
}

// ------------------------------------------------------------------ money

/// `parseMoney(amount: string, currency: string): Money`.
pub fn parse_money(amount: &Value, currency: &Value) -> Result<Value> {
    let amount = match amount {
        Value::Number(_) => {
            return Err(invalid(
                "amount",
                "expected a decimal string like \"12.50\", got a number (money never crosses as a number)",
            ))
        }
        other => str_arg("amount", other)?,
    };
    let m = interop::parse_money(amount, str_arg("currency", currency)?)?;
    Ok(money_out(&m))
}

/// `moneyFromMinor(minor: bigint | number, currency: string): Money` (`1050n` EUR → `10.50`).
pub fn money_from_minor(minor: &Value, currency: &Value) -> Result<Value> {
    let minor = i64_arg("minor", minor)?;
    let c: Currency = str_arg("currency", currency)?.parse()?;
    Ok(money_out(&Money::from_minor(minor, c)?))
}

/// `moneyToMinor(money: Money): bigint` (the binding returns it as a BigInt).
pub fn money_to_minor(money: &Value) -> Result<i64> {
    Ok(money_arg("money", money)?.minor_units_i64()?)
}

/// `formatMoney(money: Money): string` (`"12.50 EUR"`).
pub fn format_money(money: &Value) -> Result<String> {
    Ok(money_arg("money", money)?.to_string())
}

/// `addMoney(a: Money, b: Money): Money`.
pub fn add_money(a: &Value, b: &Value) -> Result<Value> {
    Ok(money_out(&money_arg("a", a)?.checked_add(&money_arg("b", b)?)?))
}

/// `subMoney(a: Money, b: Money): Money`.
pub fn sub_money(a: &Value, b: &Value) -> Result<Value> {
    Ok(money_out(&money_arg("a", a)?.checked_sub(&money_arg("b", b)?)?))
}

/// `compareMoney(a: Money, b: Money): -1 | 0 | 1` (same currency required).
pub fn compare_money(a: &Value, b: &Value) -> Result<i32> {
    let (a, b) = (money_arg("a", a)?, money_arg("b", b)?);
    a.ensure_same_currency(&b)?;
    Ok(match a.amount().cmp(&b.amount()) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

/// `mulQty(money: Money, quantity: number | bigint): Money` (exact).
pub fn mul_qty(money: &Value, quantity: &Value) -> Result<Value> {
    Ok(money_out(&money_arg("money", money)?.checked_mul_qty(u64_arg("quantity", quantity)?)?))
}

/// `applyRate(money: Money, rate: string, mode: RoundingMode): Money`.
pub fn apply_rate(money: &Value, rate: &Value, mode: &Value) -> Result<Value> {
    let m = money_arg("money", money)?;
    Ok(money_out(&m.apply_rate(decimal_arg("rate", rate)?, rounding_arg("mode", mode)?)?))
}

/// `percentage(money: Money, percent: string, mode: RoundingMode): Money` (`"19"` = 19 %).
pub fn percentage(money: &Value, percent: &Value, mode: &Value) -> Result<Value> {
    let m = money_arg("money", money)?;
    Ok(money_out(&m.percentage(decimal_arg("percent", percent)?, rounding_arg("mode", mode)?)?))
}

/// `allocate(money: Money, ratios: string[]): Money[]` (largest remainder, sums exactly).
pub fn allocate(money: &Value, ratios: &Value) -> Result<Value> {
    let m = money_arg("money", money)?;
    let ratios: Vec<Decimal> = array_arg("ratios", ratios)?
        .iter()
        .enumerate()
        .map(|(i, r)| decimal_arg(&format!("ratios[{i}]"), r))
        .collect::<Result<_>>()?;
    Ok(Value::Array(m.allocate(&ratios)?.iter().map(money_out).collect()))
}

/// `split(money: Money, parts: number): Money[]` (as equal as possible, sums exactly).
pub fn split(money: &Value, parts: &Value) -> Result<Value> {
    let m = money_arg("money", money)?;
    Ok(Value::Array(m.split(usize_arg("parts", parts)?)?.iter().map(money_out).collect()))
}

/// `computeTax(lines: TaxLine[], basis: PriceBasis, rounding: TaxRounding, mode: RoundingMode):
/// TaxBreakdown` with `TaxLine = { amount: Money, rate: string }`.
pub fn compute_tax(lines: &Value, basis: &Value, rounding: &Value, mode: &Value) -> Result<Value> {
    let lines: Vec<TaxLine> = array_arg("lines", lines)?
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let field = format!("lines[{i}]");
            let o = object_arg(&field, l)?;
            if let Some(k) = o.keys().find(|k| *k != "amount" && *k != "rate") {
                return Err(invalid(&field, format!("unexpected key '{}'", k.chars().take(40).collect::<String>())));
            }
            let amount = money_arg(&format!("{field}.amount"), o.get("amount").unwrap_or(&Value::Null))?;
            let rate = decimal_arg(&format!("{field}.rate"), o.get("rate").unwrap_or(&Value::Null))?;
            Ok(TaxLine { amount, rate })
        })
        .collect::<Result<_>>()?;
    let basis: PriceBasis = enum_arg("basis", basis, "'gross', 'net'")?;
    let rounding: TaxRounding = enum_arg("rounding", rounding, "'per_line', 'sum_by_net', 'sum_by_net_keep_gross'")?;
    to_js(&core_compute_tax(&lines, basis, rounding, rounding_arg("mode", mode)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use festival_core::ErrorCode;

    fn eur(a: &str) -> Value {
        json!({"amount": a, "currency": "EUR"})
    }

    fn code(r: Result<impl std::fmt::Debug>) -> &'static str {
        r.unwrap_err().code()
    }

    #[test]
    fn numbers_follow_one_rule() {
        assert_eq!(number_to_json("x", 3.0).unwrap(), json!(3));
        assert_eq!(number_to_json("x", -0.0).unwrap(), json!(0));
        assert!(number_to_json("x", 1.5).unwrap().is_f64());
        assert!(number_to_json("x", 2f64.powi(60)).unwrap().is_f64());
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(code(number_to_json("x", bad)), "INPUT_INVALID");
        }
        assert_eq!(code(date_to_json("when", f64::NAN)), "INPUT_INVALID");
        assert_eq!(date_to_json("when", 0.0).unwrap(), json!("1970-01-01T00:00:00.000Z"));
    }

    #[test]
    fn money_functions() {
        assert_eq!(parse_money(&json!("12.5"), &json!("EUR")).unwrap(), eur("12.50"));
        assert_eq!(code(parse_money(&json!(12.5), &json!("EUR"))), "INPUT_INVALID");
        assert_eq!(code(parse_money(&json!("0.001"), &json!("EUR"))), "MONEY_SCALE_EXCEEDED");
        assert_eq!(money_from_minor(&json!(1050), &json!("EUR")).unwrap(), eur("10.50"));
        assert_eq!(code(money_from_minor(&json!(10.5), &json!("EUR"))), "INPUT_INVALID");
        assert_eq!(money_to_minor(&eur("-1.05")).unwrap(), -105);
        assert_eq!(format_money(&eur("3")).unwrap(), "3.00 EUR");
        assert_eq!(sub_money(&eur("1"), &eur("2.5")).unwrap(), eur("-1.50"));
        assert_eq!(compare_money(&eur("1"), &eur("2.5")).unwrap(), -1);
        assert_eq!(code(add_money(&eur("1"), &json!({"amount": "1", "currency": "USD"}))), "MONEY_CURRENCY_MISMATCH");
        assert_eq!(mul_qty(&eur("2.50"), &json!(3)).unwrap(), eur("7.50"));
        assert_eq!(code(mul_qty(&eur("2.50"), &json!(-3))), "INPUT_INVALID");
        assert_eq!(code(mul_qty(&eur("2.50"), &json!(1.5))), "INPUT_INVALID");
        assert_eq!(apply_rate(&eur("0.25"), &json!("0.5"), &json!("half_up")).unwrap(), eur("0.13"));
        assert_eq!(code(apply_rate(&eur("0.25"), &json!(0.5), &json!("half_up"))), "INPUT_INVALID");
        assert_eq!(code(apply_rate(&eur("0.25"), &json!("0.5"), &json!("nearest"))), "INPUT_INVALID");
        assert_eq!(percentage(&eur("100"), &json!("19"), &json!("half_even")).unwrap(), eur("19.00"));
        assert_eq!(allocate(&eur("100"), &json!(["1", "1", "1"])).unwrap()[0], eur("33.34"));
        assert_eq!(split(&eur("0.05"), &json!(3)).unwrap(), json!([eur("0.02"), eur("0.02"), eur("0.01")]));
        assert_eq!(code(split(&eur("1"), &json!(0))), "MONEY_INVALID_RATIO");
    }

    #[test]
    fn tax_is_camel_case() {
        let lines = json!([{"amount": eur("0.99"), "rate": "19"}, {"amount": eur("0.99"), "rate": "19"}]);
        let t = compute_tax(&lines, &json!("gross"), &json!("sum_by_net_keep_gross"), &json!("half_up")).unwrap();
        assert_eq!(t["gross"], eur("1.98"));
        assert_eq!(t["byRate"][0]["rate"], "19");
        let bad = json!([{"amount": eur("0.99"), "rate": 19}]);
        assert_eq!(code(compute_tax(&bad, &json!("gross"), &json!("per_line"), &json!("up"))), "INPUT_INVALID");
    }

    #[test]
    fn error_parts_rename_details_for_the_idiomatic_api() {
        let e = parse_money(&json!("0.001"), &json!("EUR")).unwrap_err();
        let camel = JsErrorParts::new(&e, true);
        assert_eq!((camel.code, camel.family), ("MONEY_SCALE_EXCEEDED", "money"));
        assert_eq!(camel.details["minorDigits"], 2);
        assert_eq!(JsErrorParts::new(&e, false).details["minor_digits"], 2);
    }

    #[test]
    fn conformance_passes_json_through() {
        let out = conformance_execute(&json!("money.parse"), &json!(r#"{"amount":"1","currency":"EUR"}"#)).unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["minor_units"], "100");
        assert_eq!(code(conformance_execute(&json!("money.nope"), &json!("{}"))), "INPUT_UNKNOWN_OPERATION");
        assert_eq!(code(conformance_execute(&json!("money.parse"), &json!("{"))), "INPUT_INVALID");
        assert_eq!(code(conformance_execute(&json!(1), &json!("{}"))), "INPUT_INVALID");
    }
}
