//! # festival-core
//!
//! One pure, IO-free domain core for festival and event platforms: exact wallet money math,
//! ticket / order / inventory state machines, access zones, offline operation (Ed25519-signed,
//! hash-chained device logs, signed ticket codes, deterministic reconciliation), tills (sessions,
//! signed closings, receipts, Z-reports, a DSFinV-K-shaped export) and analytics.
//!
//! The core never reads a clock, a random source, a file, the network or the environment: time,
//! ids and entropy are arguments. State is plain data (serde) that callers persist as they like.
//!
//! ```
//! use festival_core::money::{Currency, Money, RoundingMode};
//!
//! let eur = Currency::iso("EUR")?;
//! let price = Money::parse("12.50", eur)?;
//! let total = price.checked_mul_qty(3)?;
//! assert_eq!(total.to_string(), "37.50 EUR");
//! let fee = total.percentage("2.5".parse().unwrap(), RoundingMode::HalfEven)?;
//! assert_eq!(fee.amount_string(), "0.94");
//! # Ok::<(), festival_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod access;
pub mod analytics;
pub mod calendar;
pub mod catalog;
pub mod conformance;
pub mod error;
pub mod interop;
pub mod money;
pub mod offline;
pub mod postings;
pub mod ticketing;
pub mod till;
pub mod time;
pub mod wallet;

#[cfg(test)]
mod test_util;
// Tested against chrono-tz in every build; used by calendars without the `chrono-tz` feature.
#[cfg(any(test, not(feature = "chrono-tz")))]
#[cfg_attr(feature = "chrono-tz", allow(dead_code))]
mod tzcompact;

pub use error::{Error, ErrorCode, InputError};
pub use money::{Currency, Money, RoundingMode};
pub use time::Timestamp;
