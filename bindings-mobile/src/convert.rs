//! Checked conversions of untrusted foreign values (ids, times, keys, seeds) to core types.

use crate::error::Result;
use festival_core::interop;
use festival_core::{InputError, Timestamp};
use uuid::Uuid;

/// A UUID string (hyphenated), naming `field` on error.
pub(crate) fn uuid(field: &str, text: &str) -> Result<Uuid> {
    Ok(interop::parse_uuid(field, text)?)
}

/// Milliseconds since the epoch, range-checked, naming `field` on error.
pub(crate) fn time(field: &str, ms: i64) -> Result<Timestamp> {
    Ok(interop::timestamp_from_millis(field, ms)?)
}

/// Exactly 32 bytes (an Ed25519 seed or key).
pub(crate) fn bytes32(field: &str, bytes: &[u8]) -> Result<[u8; 32]> {
    <[u8; 32]>::try_from(bytes)
        .map_err(|_| InputError::invalid(field, format!("expected 32 bytes, got {}", bytes.len())).into())
}

/// 32 bytes given as 64 hex digits.
pub(crate) fn hex32(field: &str, text: &str) -> Result<[u8; 32]> {
    Ok(interop::hex_decode_array::<32>(field, text)?)
}
