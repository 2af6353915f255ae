//! Helpers shared by the unit tests of every module (compiled only for `cargo test`).

use crate::money::{Currency, Money};

/// The currency most tests use.
pub(crate) fn eur() -> Currency {
    Currency::iso("EUR").unwrap()
}

/// EUR from a decimal string, e.g. `m("12.50")`.
pub(crate) fn m(amount: &str) -> Money {
    Money::parse(amount, eur()).unwrap()
}

/// EUR from minor units (cents), e.g. `minor(1250)` = 12.50 EUR.
pub(crate) fn minor(cents: i64) -> Money {
    Money::from_minor(cents, eur()).unwrap()
}
