//! Timestamps passed in by the caller (the core never reads a clock).
//!
//! A [`Timestamp`] is a count of milliseconds since the Unix epoch, UTC. It serializes as an
//! RFC 3339 string with millisecond precision (`2026-07-04T18:30:00.000Z`), which every runtime
//! can read without floats.

use crate::error::InputError;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

/// Earliest accepted timestamp: 1970-01-01T00:00:00Z.
const MIN_MILLIS: i64 = 0;
/// Latest accepted timestamp: 9999-12-31T23:59:59.999Z.
const MAX_MILLIS: i64 = 253_402_300_799_999;

impl Timestamp {
    /// From milliseconds since the epoch. Errors outside 1970..=9999 (so every runtime can
    /// represent it, including JS `Date` and Python `datetime`).
    ///
    /// ```
    /// use festival_core::Timestamp;
    /// let t = Timestamp::from_unix_millis(1_783_180_800_000)?;
    /// assert_eq!(t.to_string(), "2026-07-04T16:00:00.000Z");
    /// # Ok::<(), festival_core::InputError>(())
    /// ```
    pub fn from_unix_millis(ms: i64) -> Result<Self, InputError> {
        if (MIN_MILLIS..=MAX_MILLIS).contains(&ms) {
            Ok(Timestamp(ms))
        } else {
            Err(InputError::invalid("timestamp", format!("{ms} ms is outside 1970-01-01..9999-12-31")))
        }
    }

    /// Milliseconds since the epoch.
    pub fn unix_millis(self) -> i64 {
        self.0
    }

    /// Parses an RFC 3339 timestamp with an explicit offset (`Z` or `+02:00`). Sub-millisecond
    /// digits are rejected rather than silently dropped.
    pub fn parse_rfc3339(s: &str) -> Result<Self, InputError> {
        if s.len() > 64 {
            return Err(InputError::invalid("timestamp", "too long"));
        }
        let dt = DateTime::parse_from_rfc3339(s)
            .map_err(|e| InputError::invalid("timestamp", format!("'{s}' is not RFC 3339: {e}")))?;
        if dt.timestamp_subsec_nanos() % 1_000_000 != 0 {
            return Err(InputError::invalid("timestamp", format!("'{s}' has sub-millisecond precision")));
        }
        Self::from_unix_millis(dt.timestamp_millis())
    }

    /// This instant as a chrono `DateTime<Utc>`.
    pub fn to_datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0).unwrap_or_default()
    }

    /// From a chrono `DateTime` (any offset).
    pub fn from_datetime<Tz: chrono::TimeZone>(dt: &DateTime<Tz>) -> Result<Self, InputError> {
        if dt.timestamp_subsec_nanos() % 1_000_000 != 0 {
            return Err(InputError::invalid("timestamp", "sub-millisecond precision"));
        }
        Self::from_unix_millis(dt.timestamp_millis())
    }

    /// This timestamp plus `ms` milliseconds (saturating at the representable range).
    pub fn plus_millis(self, ms: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms).clamp(MIN_MILLIS, MAX_MILLIS))
    }

    /// Signed distance `self - earlier` in milliseconds.
    pub fn millis_since(self, earlier: Timestamp) -> i64 {
        self.0 - earlier.0
    }

    /// The start of the UTC day containing this instant (for per-day limits).
    pub fn utc_day(self) -> i64 {
        self.0.div_euclid(86_400_000)
    }

    /// The start of the UTC hour containing this instant, as a timestamp (for analytics).
    pub fn floor_hour(self) -> Timestamp {
        Timestamp(self.0 - self.0.rem_euclid(3_600_000))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_datetime().to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl FromStr for Timestamp {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_rfc3339(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339() {
        let t: Timestamp = "2026-07-04T18:30:00+02:00".parse().unwrap();
        assert_eq!(t.to_string(), "2026-07-04T16:30:00.000Z");
        assert_eq!(t.to_string().parse::<Timestamp>().unwrap(), t);
    }

    #[test]
    fn rejects_garbage_and_out_of_range() {
        assert!("yesterday".parse::<Timestamp>().is_err());
        assert!("2026-07-04T18:30:00".parse::<Timestamp>().is_err(), "offset is required");
        assert!("2026-07-04T18:30:00.0001Z".parse::<Timestamp>().is_err());
        assert!(Timestamp::from_unix_millis(-1).is_err());
        assert!(Timestamp::from_unix_millis(i64::MAX).is_err());
    }

    #[test]
    fn hour_and_day_buckets() {
        let t: Timestamp = "2026-07-04T18:59:59.999Z".parse().unwrap();
        assert_eq!(t.floor_hour().to_string(), "2026-07-04T18:00:00.000Z");
        assert_eq!(t.utc_day(), t.floor_hour().utc_day());
    }
}
