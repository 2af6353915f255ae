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
}
