//! Conversions every binding needs, in one place (bindings convert types and errors, nothing
//! more). Each function validates untrusted text and names the field in its error.
//!
//! ```
//! use festival_core::interop;
//! let id = interop::parse_uuid("wallet_id", "67e55044-10b1-426f-9247-bb680e5fe0c8")?;
//! assert_eq!(id.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
//! assert_eq!(interop::parse_uuid("wallet_id", "nope").unwrap_err().to_string(),
//!            "invalid wallet_id: not a UUID ('nope')");
//! assert_eq!(interop::hex_decode("key", "00ff")?, vec![0, 255]);
//! # Ok::<(), festival_core::InputError>(())
//! ```

use crate::error::{Error, ErrorCode, InputError};
use crate::money::{Currency, Money};
use crate::time::Timestamp;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// Longest text accepted for an id, code or similar short field before it is even parsed.
pub const MAX_SHORT_TEXT: usize = 128;

fn excerpt(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Parses a UUID in its hyphenated form (any case).
pub fn parse_uuid(field: &str, text: &str) -> Result<Uuid, InputError> {
    if text.len() != 36 {
        return Err(InputError::invalid(field, format!("not a UUID ('{}')", excerpt(text))));
    }
    Uuid::parse_str(text).map_err(|_| InputError::invalid(field, format!("not a UUID ('{}')", excerpt(text))))
}

/// Parses an RFC 3339 timestamp (see [`Timestamp::parse_rfc3339`]), naming `field` on error.
pub fn parse_timestamp(field: &str, text: &str) -> Result<Timestamp, InputError> {
    Timestamp::parse_rfc3339(text).map_err(|e| match e {
        InputError::Invalid { reason, .. } => InputError::invalid(field, reason),
        other => other,
    })
}

/// Timestamp from integer milliseconds since the epoch, naming `field` on error.
pub fn timestamp_from_millis(field: &str, ms: i64) -> Result<Timestamp, InputError> {
    Timestamp::from_unix_millis(ms).map_err(|e| match e {
        InputError::Invalid { reason, .. } => InputError::invalid(field, reason),
        other => other,
    })
}

/// Parses money from an amount string and a currency string (`"EUR"`, `"COIN:2"`).
pub fn parse_money(amount: &str, currency: &str) -> Result<Money, Error> {
    let c: Currency = currency.parse()?;
    Ok(Money::parse(amount, c)?)
}

/// Lowercase hex of `bytes`.
pub fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Decodes hex (either case); errors on odd length or non-hex characters.
pub fn hex_decode(field: &str, text: &str) -> Result<Vec<u8>, InputError> {
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let bytes = text.as_bytes();
    if bytes.len() % 2 != 0 {
        return Err(InputError::invalid(field, "hex has an odd number of digits"));
    }
    bytes
        .chunks(2)
        .map(|p| match (nibble(p[0]), nibble(p[1])) {
            (Some(h), Some(l)) => Ok(h << 4 | l),
            _ => Err(InputError::invalid(field, "not hex")),
        })
        .collect()
}

/// Decodes exactly `N` bytes of hex (keys, signatures, hashes).
pub fn hex_decode_array<const N: usize>(field: &str, text: &str) -> Result<[u8; N], InputError> {
    let v = hex_decode(field, text)?;
    <[u8; N]>::try_from(v.as_slice())
        .map_err(|_| InputError::invalid(field, format!("expected {N} bytes, got {}", v.len())))
}

/// `minor_units` → `minorUnits`. Text that is not a lowercase snake_case identifier (`^[a-z][a-z0-9_]*$`)
/// is returned unchanged, so data keys such as UUIDs pass through untouched.
pub fn snake_to_camel(key: &str) -> String {
    let is_ident = key.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !is_ident {
        return key.to_string();
    }
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `minorUnits` → `minor_units`. Text that is not a camelCase identifier (`^[a-z][A-Za-z0-9]*$`) is
/// returned unchanged, so data keys such as UUIDs and codes pass through untouched.
pub fn camel_to_snake(key: &str) -> String {
    let is_ident =
        key.bytes().next().is_some_and(|b| b.is_ascii_lowercase()) && key.bytes().all(|b| b.is_ascii_alphanumeric());
    if !is_ident {
        return key.to_string();
    }
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn map_keys(value: Value, f: fn(&str) -> String) -> Value {
    match value {
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (f(&k), map_keys(v, f))).collect()),
        Value::Array(a) => Value::Array(a.into_iter().map(|v| map_keys(v, f)).collect()),
        other => other,
    }
}

/// Renames every object key from snake_case (the core's serde form) to camelCase (the JS form),
/// recursively, with [`snake_to_camel`]. Values are never changed.
///
/// ```
/// use festival_core::interop::keys_to_camel_case;
/// let v = keys_to_camel_case(serde_json::json!({"by_rate": [{"minor_units": "1"}]}));
/// assert_eq!(v, serde_json::json!({"byRate": [{"minorUnits": "1"}]}));
/// ```
pub fn keys_to_camel_case(value: Value) -> Value {
    map_keys(value, snake_to_camel)
}

/// Renames every object key from camelCase (the JS form) to snake_case (the core's serde form),
/// recursively, with [`camel_to_snake`]. Values are never changed.
pub fn keys_to_snake_case(value: Value) -> Value {
    map_keys(value, camel_to_snake)
}

/// Describes the JSON type of `value` for error messages (`"a number"`, `"an object"`...).
pub fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads money from `{"amount": "12.50", "currency": "EUR"}` coming from a binding, naming `field`
/// in errors. An amount given as a number (e.g. a JS number `12.5`) is rejected with
/// `INPUT_INVALID`: numbers are binary floats in most languages, money crosses as decimal strings.
///
/// ```
/// use festival_core::interop::money_from_json;
/// let m = money_from_json("price", &serde_json::json!({"amount": "12.5", "currency": "EUR"}))?;
/// assert_eq!(m.to_string(), "12.50 EUR");
/// let e = money_from_json("price", &serde_json::json!({"amount": 12.5, "currency": "EUR"})).unwrap_err();
/// assert_eq!(e.to_string(),
///     "invalid price.amount: expected a decimal string like \"12.50\", got a number (money never crosses as a number)");
/// # Ok::<(), festival_core::Error>(())
/// ```
pub fn money_from_json(field: &str, value: &Value) -> Result<Money, Error> {
    let obj = value.as_object().ok_or_else(|| {
        InputError::invalid(
            field,
            format!("expected money {{ amount: \"12.50\", currency: \"EUR\" }}, got {}", json_type_name(value)),
        )
    })?;
    if let Some(extra) = obj.keys().find(|k| *k != "amount" && *k != "currency") {
        return Err(InputError::invalid(field, format!("unexpected key '{}' in money", excerpt(extra))).into());
    }
    let amount = match obj.get("amount") {
        Some(Value::String(s)) => s,
        Some(Value::Number(_)) => {
            return Err(InputError::invalid(
                format!("{field}.amount"),
                "expected a decimal string like \"12.50\", got a number (money never crosses as a number)",
            )
            .into())
        }
        Some(other) => {
            return Err(InputError::invalid(
                format!("{field}.amount"),
                format!("expected a decimal string like \"12.50\", got {}", json_type_name(other)),
            )
            .into())
        }
        None => return Err(InputError::invalid(format!("{field}.amount"), "missing").into()),
    };
    let currency = match obj.get("currency") {
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(InputError::invalid(
                format!("{field}.currency"),
                format!("expected a currency code string like \"EUR\", got {}", json_type_name(other)),
            )
            .into())
        }
        None => return Err(InputError::invalid(format!("{field}.currency"), "missing").into()),
    };
    parse_money(amount, currency)
}

/// What every binding shows for an error: stable code, family (one exception class each),
/// human message and structured details (money as strings).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorPayload {
    /// Stable code, e.g. `WALLET_INSUFFICIENT_FUNDS`.
    pub code: &'static str,
    /// Family: `input`, `money`, `wallet`, `ticketing`, `access`, `offline`.
    pub family: &'static str,
    /// Human-readable message (English).
    pub message: String,
    /// Structured fields as a JSON object.
    pub details: serde_json::Value,
}

impl From<&Error> for ErrorPayload {
    fn from(e: &Error) -> Self {
        ErrorPayload { code: e.code(), family: e.family().as_str(), message: e.to_string(), details: e.details() }
    }
}

impl ErrorPayload {
    /// The details as JSON text.
    pub fn details_json(&self) -> String {
        self.details.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_errors() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(hex_decode("x", &hex_encode(&bytes)).unwrap(), bytes);
        assert!(hex_decode("x", "abc").is_err());
        assert!(hex_decode("x", "zz").is_err());
        assert!(hex_decode_array::<32>("key", "00").is_err());
    }

    #[test]
    fn payload_carries_code_family_details() {
        let e: Error = parse_money("0.001", "EUR").unwrap_err();
        let p = ErrorPayload::from(&e);
        assert_eq!((p.code, p.family), ("MONEY_SCALE_EXCEEDED", "money"));
        assert_eq!(p.details["minor_digits"], 2);
    }
    #[test]
    fn key_case_round_trips_identifiers_and_leaves_data_keys() {
        assert_eq!(snake_to_camel("minor_units"), "minorUnits");
        assert_eq!(snake_to_camel("by_rate"), "byRate");
        assert_eq!(snake_to_camel("amount"), "amount");
        assert_eq!(camel_to_snake("minorUnits"), "minor_units");
        assert_eq!(camel_to_snake("sha256Hash"), "sha256_hash");
        assert_eq!(snake_to_camel("sha256_hash"), "sha256Hash");
        let uuid = "67E55044-10b1-426f-9247-bb680e5fe0c8";
        assert_eq!(camel_to_snake(uuid), uuid);
        assert_eq!(snake_to_camel(uuid), uuid);
        assert_eq!(camel_to_snake("EUR"), "EUR");
        let v = serde_json::json!({"by_rate": [{"minor_units": "1", "rate": "19"}], "x": null});
        assert_eq!(keys_to_snake_case(keys_to_camel_case(v.clone())), v);
    }

    #[test]
    fn money_from_json_rejects_numbers_and_shapes() {
        let ok = money_from_json("m", &serde_json::json!({"amount": "1", "currency": "JPY"})).unwrap();
        assert_eq!(ok.amount_string(), "1");
        let code = |v: serde_json::Value| money_from_json("m", &v).unwrap_err().code();
        assert_eq!(code(serde_json::json!({"amount": 1, "currency": "EUR"})), "INPUT_INVALID");
        assert_eq!(code(serde_json::json!({"amount": "1", "currency": 978})), "INPUT_INVALID");
        assert_eq!(code(serde_json::json!({"amount": "1"})), "INPUT_INVALID");
        assert_eq!(code(serde_json::json!({"amount": "1", "currency": "EUR", "x": 1})), "INPUT_INVALID");
        assert_eq!(code(serde_json::json!("1.00 EUR")), "INPUT_INVALID");
        assert_eq!(code(serde_json::json!({"amount": "0.001", "currency": "EUR"})), "MONEY_SCALE_EXCEEDED");
        assert_eq!(code(serde_json::json!({"amount": "1", "currency": "XXQ"})), "MONEY_UNKNOWN_CURRENCY");
    }
}
