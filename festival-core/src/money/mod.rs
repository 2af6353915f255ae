//! Exact money: amounts are `rust_decimal::Decimal` bound to a [`Currency`] and always carry
//! exactly the currency's minor digits.
//!
//! * Sub-minor amounts are an error ([`MoneyError::ScaleExceeded`]), never silently rounded.
//! * Arithmetic is checked: overflow and currency mismatch are errors.
//! * Every rounding names its [`RoundingMode`].
//! * [`Money::allocate`] / [`Money::split`] split an amount so the parts sum exactly to the whole.
//! * [`tax`] computes VAT for gross or net prices with the rounding strategies ticket shops use.
//!
//! Money serializes as `{"amount": "12.50", "currency": "EUR"}`: amounts are always strings.

mod currency;
pub mod tax;

pub use currency::{iso_minor_digits, withdrawn, Currency, Withdrawn, MAX_CODE_LEN, MAX_TOKEN_SCALE, WITHDRAWN};

use crate::error::ErrorCode;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Money and currency errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum MoneyError {
    /// `MONEY_UNKNOWN_CURRENCY`: not an ISO 4217 code.
    #[error("unknown currency '{currency}'")]
    UnknownCurrency {
        /// The code that was given.
        currency: String,
    },
    /// `MONEY_INVALID_CURRENCY`: a malformed token definition.
    #[error("invalid currency '{currency}': {reason}")]
    InvalidCurrency {
        /// The code that was given.
        currency: String,
        /// Why it was rejected.
        reason: String,
    },
    /// `MONEY_INVALID_AMOUNT`: the text is not a plain decimal number.
    #[error("invalid amount '{input}': {reason}")]
    InvalidAmount {
        /// The text that was given (truncated to 64 characters).
        input: String,
        /// Why it was rejected.
        reason: String,
    },
    /// `MONEY_SCALE_EXCEEDED`: more decimal places than the currency has minor digits.
    #[error("amount {amount} has more than {minor_digits} decimal places allowed for {currency}")]
    ScaleExceeded {
        /// The amount as given.
        amount: String,
        /// The currency.
        currency: String,
        /// The currency's minor digits.
        minor_digits: u32,
    },
    /// `MONEY_CURRENCY_MISMATCH`: two amounts in different currencies were combined.
    #[error("currency mismatch: {expected} vs {actual}")]
    CurrencyMismatch {
        /// The currency that was expected.
        expected: String,
        /// The currency that was found.
        actual: String,
    },
    /// `MONEY_OVERFLOW`: the result does not fit.
    #[error("arithmetic overflow in {operation}")]
    Overflow {
        /// The operation that overflowed.
        operation: String,
    },
    /// `MONEY_NEGATIVE_AMOUNT`: a negative amount where only zero or more is allowed.
    #[error("{field} must not be negative, got {amount}")]
    NegativeAmount {
        /// Which value.
        field: String,
        /// The amount.
        amount: String,
    },
    /// `MONEY_INVALID_RATIO`: allocation ratios or part counts that cannot be used.
    #[error("invalid allocation: {reason}")]
    InvalidRatio {
        /// Why.
        reason: String,
    },
    /// `MONEY_INVALID_RATE`: a rate or percentage that cannot be used (e.g. a negative VAT rate).
    #[error("invalid rate {rate}: {reason}")]
    InvalidRate {
        /// The rate as given.
        rate: String,
        /// Why.
        reason: String,
    },
}

impl ErrorCode for MoneyError {
    fn code(&self) -> &'static str {
        match self {
            MoneyError::UnknownCurrency { .. } => "MONEY_UNKNOWN_CURRENCY",
            MoneyError::InvalidCurrency { .. } => "MONEY_INVALID_CURRENCY",
            MoneyError::InvalidAmount { .. } => "MONEY_INVALID_AMOUNT",
            MoneyError::ScaleExceeded { .. } => "MONEY_SCALE_EXCEEDED",
            MoneyError::CurrencyMismatch { .. } => "MONEY_CURRENCY_MISMATCH",
            MoneyError::Overflow { .. } => "MONEY_OVERFLOW",
            MoneyError::NegativeAmount { .. } => "MONEY_NEGATIVE_AMOUNT",
            MoneyError::InvalidRatio { .. } => "MONEY_INVALID_RATIO",
            MoneyError::InvalidRate { .. } => "MONEY_INVALID_RATE",
        }
    }
}

fn overflow(operation: &str) -> MoneyError {
    MoneyError::Overflow { operation: operation.into() }
}

/// An explicit rounding mode. Every operation that can produce sub-minor digits takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Round to nearest, ties to even (banker's rounding).
    #[default]
    HalfEven,
    /// Round to nearest, ties away from zero (commercial rounding).
    HalfUp,
    /// Towards zero (truncate).
    Down,
    /// Away from zero.
    Up,
}

impl RoundingMode {
    fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::Down => RoundingStrategy::ToZero,
            RoundingMode::Up => RoundingStrategy::AwayFromZero,
        }
    }

    /// Rounds `value` to `dp` decimal places with this mode.
    pub fn round(self, value: Decimal, dp: u32) -> Decimal {
        value.round_dp_with_strategy(dp, self.strategy())
    }

    /// Parses `half_even`, `half_up`, `down`, `up`.
    pub fn parse(s: &str) -> Option<RoundingMode> {
        match s {
            "half_even" => Some(RoundingMode::HalfEven),
            "half_up" => Some(RoundingMode::HalfUp),
            "down" => Some(RoundingMode::Down),
            "up" => Some(RoundingMode::Up),
            _ => None,
        }
    }
}

/// Maximum length of an amount string accepted by [`Money::parse`].
const MAX_AMOUNT_TEXT: usize = 40;

/// Parses a plain decimal number: optional `-`, digits, optional `.` and digits. No exponent, no
/// `+`, no separators, no whitespace, no NaN/Infinity. Negative zero becomes zero.
///
/// ```
/// use festival_core::money::parse_decimal;
/// assert_eq!(parse_decimal("12.50")?.to_string(), "12.50");
/// assert!(parse_decimal("1e3").is_err());
/// assert!(parse_decimal("NaN").is_err());
/// # Ok::<(), festival_core::money::MoneyError>(())
/// ```
pub fn parse_decimal(text: &str) -> Result<Decimal, MoneyError> {
    let bad = |reason: &str| MoneyError::InvalidAmount {
        input: text.chars().take(64).collect(),
        reason: reason.into(),
    };
    if text.len() > MAX_AMOUNT_TEXT {
        return Err(bad("too long"));
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return Err(bad("expected a plain decimal number like 12.50"));
    }
    let mut d = Decimal::from_str_exact(text).map_err(|_| bad("out of range or too precise"))?;
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    Ok(d)
}

/// An exact amount of money in one currency, always at the currency's scale.
///
/// ```
/// use festival_core::{Currency, Money};
/// let eur = Currency::iso("EUR")?;
/// let a = Money::parse("10", eur)?;
/// assert_eq!(a.amount_string(), "10.00");
/// assert_eq!(Money::from_minor(1050, eur)?.to_string(), "10.50 EUR");
/// assert_eq!(Money::parse("0.005", eur).unwrap_err().to_string(),
///            "amount 0.005 has more than 2 decimal places allowed for EUR");
/// # Ok::<(), festival_core::money::MoneyError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Binds `amount` to `currency`. Errors if it has more decimal places than the currency's
    /// minor digits (after dropping trailing zeros).
    pub fn new(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        let digits = currency.minor_digits();
        let normalized = amount.normalize();
        if normalized.scale() > digits {
            return Err(MoneyError::ScaleExceeded {
                amount: amount.to_string(),
                currency: currency.to_string(),
                minor_digits: digits,
            });
        }
        let mut scaled = normalized;
        scaled.rescale(digits);
        if scaled != normalized || scaled.scale() != digits {
            return Err(overflow("rescale"));
        }
        if scaled.is_zero() {
            scaled.set_sign_positive(true);
        }
        Ok(Money { amount: scaled, currency })
    }

    /// Parses a decimal string (see [`parse_decimal`]) in `currency`.
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        Money::new(parse_decimal(text)?, currency)
    }

    /// From an integer number of minor units (`1050` EUR cents = `10.50 EUR`).
    pub fn from_minor(minor: i64, currency: Currency) -> Result<Money, MoneyError> {
        Money::from_minor_i128(i128::from(minor), currency)
    }

    /// From an `i128` number of minor units.
    pub fn from_minor_i128(minor: i128, currency: Currency) -> Result<Money, MoneyError> {
        let d = Decimal::try_from_i128_with_scale(minor, currency.minor_digits())
            .map_err(|_| overflow("from_minor"))?;
        Money::new(d, currency)
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Money {
        let mut amount = Decimal::ZERO;
        amount.rescale(currency.minor_digits());
        Money { amount, currency }
    }

    /// The amount, at exactly the currency's scale.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The amount as a decimal string with exactly the currency's minor digits (`"10.50"`).
    pub fn amount_string(&self) -> String {
        self.amount.to_string()
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount in minor units (`10.50 EUR` → `1050`).
    pub fn minor_units(&self) -> i128 {
        self.amount.mantissa()
    }

    /// The amount in minor units as `i64`, or an overflow error.
    pub fn minor_units_i64(&self) -> Result<i64, MoneyError> {
        i64::try_from(self.amount.mantissa()).map_err(|_| overflow("minor_units_i64"))
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// True for strictly negative amounts.
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    /// True for strictly positive amounts.
    pub fn is_positive(&self) -> bool {
        self.amount.is_sign_positive() && !self.amount.is_zero()
    }

    /// Errors with [`MoneyError::NegativeAmount`] if this amount is below zero.
    pub fn ensure_non_negative(&self, field: &str) -> Result<Money, MoneyError> {
        if self.is_negative() {
            Err(MoneyError::NegativeAmount { field: field.into(), amount: self.amount_string() })
        } else {
            Ok(*self)
        }
    }

    /// Errors with [`MoneyError::CurrencyMismatch`] unless `other` has the same currency.
    pub fn ensure_same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        other.ensure_currency(self.currency)
    }

    /// Errors with [`MoneyError::CurrencyMismatch`] unless this amount is in `currency`.
    pub fn ensure_currency(&self, currency: Currency) -> Result<(), MoneyError> {
        if self.currency == currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                expected: currency.to_string(),
                actual: self.currency.to_string(),
            })
        }
    }

    /// `self + other`, checked.
    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        self.ensure_same_currency(other)?;
        let amount = self.amount.checked_add(other.amount).ok_or_else(|| overflow("add"))?;
        Money::new(amount, self.currency)
    }

    /// `self - other`, checked.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.ensure_same_currency(other)?;
        let amount = self.amount.checked_sub(other.amount).ok_or_else(|| overflow("sub"))?;
        Money::new(amount, self.currency)
    }

    /// `-self`.
    pub fn negate(&self) -> Money {
        let mut m = *self;
        m.amount = -m.amount;
        if m.amount.is_zero() {
            m.amount.set_sign_positive(true);
        }
        m
    }

    /// The absolute value.
    pub fn abs(&self) -> Money {
        if self.is_negative() {
            self.negate()
        } else {
            *self
        }
    }

    /// The smaller of two amounts of the same currency.
    pub fn min(&self, other: &Money) -> Result<Money, MoneyError> {
        self.ensure_same_currency(other)?;
        Ok(if self.amount <= other.amount { *self } else { *other })
    }

    /// `self × quantity`, checked. Exact: no rounding is involved.
    pub fn checked_mul_qty(&self, quantity: u64) -> Result<Money, MoneyError> {
        let amount = self
            .amount
            .checked_mul(Decimal::from(quantity))
            .ok_or_else(|| overflow("multiply by quantity"))?;
        Money::new(amount, self.currency)
    }

    /// `self × rate`, rounded to the currency's minor digits with `mode`.
    ///
    /// ```
    /// use festival_core::{Currency, Money, RoundingMode};
    /// let m = Money::parse("0.25", Currency::iso("EUR")?)?;
    /// let half = "0.5".parse().unwrap();
    /// assert_eq!(m.apply_rate(half, RoundingMode::HalfEven)?.amount_string(), "0.12");
    /// assert_eq!(m.apply_rate(half, RoundingMode::HalfUp)?.amount_string(), "0.13");
    /// # Ok::<(), festival_core::money::MoneyError>(())
    /// ```
    pub fn apply_rate(&self, rate: Decimal, mode: RoundingMode) -> Result<Money, MoneyError> {
        let exact = self.amount.checked_mul(rate).ok_or_else(|| overflow("apply rate"))?;
        Money::new(mode.round(exact, self.currency.minor_digits()), self.currency)
    }

    /// `self × percent / 100`, rounded with `mode` (`percent` = `19` for 19 %).
    pub fn percentage(&self, percent: Decimal, mode: RoundingMode) -> Result<Money, MoneyError> {
        let rate = percent.checked_div(Decimal::ONE_HUNDRED).ok_or_else(|| overflow("percentage"))?;
        self.apply_rate(rate, mode)
    }

    /// Sums amounts of one currency. An empty iterator sums to zero in `currency`.
    pub fn sum<'a>(currency: Currency, items: impl IntoIterator<Item = &'a Money>) -> Result<Money, MoneyError> {
        items.into_iter().try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }

    /// Splits this amount by `ratios` (non-negative, not all zero) so that the parts sum exactly to
    /// the whole, using largest remainder: each part gets the floor of its exact share in minor
    /// units, and the units left over go one each to the largest remainders (ties: earlier part).
    ///
    /// ```
    /// use festival_core::{Currency, Money};
    /// let m = Money::parse("100.00", Currency::iso("EUR")?)?;
    /// let parts = m.allocate(&[1.into(), 1.into(), 1.into()])?;
    /// let s: Vec<String> = parts.iter().map(|p| p.amount_string()).collect();
    /// assert_eq!(s, ["33.34", "33.33", "33.33"]);
    /// # Ok::<(), festival_core::money::MoneyError>(())
    /// ```
    pub fn allocate(&self, ratios: &[Decimal]) -> Result<Vec<Money>, MoneyError> {
        allocate_minor(self.minor_units(), ratios)?
            .into_iter()
            .map(|minor| Money::from_minor_i128(minor, self.currency))
            .collect()
    }

    /// Splits this amount into `n` parts as equal as possible that sum exactly to the whole
    /// (earlier parts get the extra minor units).
    pub fn split(&self, n: usize) -> Result<Vec<Money>, MoneyError> {
        if n == 0 || n > MAX_PARTS {
            return Err(MoneyError::InvalidRatio { reason: format!("cannot split into {n} parts (1..={MAX_PARTS})") });
        }
        self.allocate(&vec![Decimal::ONE; n])
    }
}

/// Maximum number of parts of one allocation.
pub const MAX_PARTS: usize = 1_000_000;

/// Largest-remainder allocation of `total` minor units by `ratios`.
fn allocate_minor(total: i128, ratios: &[Decimal]) -> Result<Vec<i128>, MoneyError> {
    let invalid = |reason: String| MoneyError::InvalidRatio { reason };
    if ratios.is_empty() || ratios.len() > MAX_PARTS {
        return Err(invalid(format!("need 1..={MAX_PARTS} ratios, got {}", ratios.len())));
    }
    if let Some(r) = ratios.iter().find(|r| r.is_sign_negative() && !r.is_zero()) {
        return Err(invalid(format!("ratio {r} is negative")));
    }
    // Bring all ratios to a common scale so they become integers.
    let scale = ratios.iter().map(|r| r.scale()).max().unwrap_or(0);
    let weights: Vec<i128> = ratios
        .iter()
        .map(|r| {
            let mut r = *r;
            r.rescale(scale);
            r.mantissa()
        })
        .collect();
    let weight_sum = weights.iter().try_fold(0i128, |a, w| a.checked_add(*w)).ok_or_else(|| overflow("allocate"))?;
    if weight_sum == 0 {
        return Err(invalid("ratios sum to zero".into()));
    }
    let negative = total < 0;
    let magnitude = total.checked_abs().ok_or_else(|| overflow("allocate"))?;
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut assigned: i128 = 0;
    for (i, w) in weights.iter().enumerate() {
        let product = magnitude.checked_mul(*w).ok_or_else(|| overflow("allocate"))?;
        let share = product / weight_sum;
        remainders.push((product % weight_sum, i));
        parts.push(share);
        assigned += share;
    }
    let mut left = magnitude - assigned;
    // Largest remainder first; ties go to the earlier part.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    if negative {
        parts.iter_mut().for_each(|p| *p = -*p);
    }
    Ok(parts)
}

impl fmt::Display for Money {
    /// `12.50 EUR`, `3 BEER`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency.code())
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({} {})", self.amount, self.currency)
    }
}

#[derive(Serialize, Deserialize)]
struct MoneyRepr<'a> {
    #[serde(borrow)]
    amount: std::borrow::Cow<'a, str>,
    currency: Currency,
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        MoneyRepr { amount: self.amount_string().into(), currency: self.currency }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let repr = MoneyRepr::deserialize(d)?;
        Money::parse(&repr.amount, repr.currency).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_util::{eur, m};

    #[test]
    fn parse_validates_scale_and_syntax() {
        assert_eq!(m("1").amount_string(), "1.00");
        assert_eq!(m("1.500").amount_string(), "1.50", "trailing zeros are not sub-minor");
        assert_eq!(m("-0").amount_string(), "0.00");
        assert!(!m("-0.00").is_negative());
        for bad in ["", "-", ".5", "5.", "1e2", "+1", " 1", "1,00", "NaN", "inf", "1_000", "0x10", "--1"] {
            assert_eq!(Money::parse(bad, eur()).unwrap_err().code(), "MONEY_INVALID_AMOUNT", "{bad}");
        }
        assert_eq!(Money::parse("0.001", eur()).unwrap_err().code(), "MONEY_SCALE_EXCEEDED");
        let jpy = Currency::iso("JPY").unwrap();
        assert_eq!(Money::parse("1.5", jpy).unwrap_err().code(), "MONEY_SCALE_EXCEEDED");
        assert_eq!(Money::parse(&"9".repeat(41), eur()).unwrap_err().code(), "MONEY_INVALID_AMOUNT");
    }

    #[test]
    fn huge_values_overflow_instead_of_rounding() {
        // 29 nines fit a Decimal but not at scale 2.
        let e = Money::parse("79228162514264337593543950335", eur()).unwrap_err();
        assert_eq!(e.code(), "MONEY_OVERFLOW");
        let big = Money::parse("792281625142643375935439503.35", eur()).unwrap();
        assert_eq!(big.checked_add(&big).unwrap_err().code(), "MONEY_OVERFLOW");
        assert_eq!(big.checked_mul_qty(u64::MAX).unwrap_err().code(), "MONEY_OVERFLOW");
    }

    #[test]
    fn arithmetic_and_mismatch() {
        assert_eq!(m("1.10").checked_add(&m("2.25")).unwrap(), m("3.35"));
        assert_eq!(m("1.10").checked_sub(&m("2.25")).unwrap(), m("-1.15"));
        let usd = Money::parse("1", Currency::iso("USD").unwrap()).unwrap();
        assert_eq!(m("1").checked_add(&usd).unwrap_err().code(), "MONEY_CURRENCY_MISMATCH");
        assert_eq!(m("2.50").checked_mul_qty(3).unwrap(), m("7.50"));
    }

    #[test]
    fn rounding_modes() {
        let r = Decimal::new(5, 1);
        assert_eq!(m("0.25").apply_rate(r, RoundingMode::HalfEven).unwrap(), m("0.12"));
        assert_eq!(m("0.35").apply_rate(r, RoundingMode::HalfEven).unwrap(), m("0.18"));
        assert_eq!(m("0.25").apply_rate(r, RoundingMode::HalfUp).unwrap(), m("0.13"));
        assert_eq!(m("0.25").apply_rate(r, RoundingMode::Down).unwrap(), m("0.12"));
        assert_eq!(m("0.21").apply_rate(r, RoundingMode::Up).unwrap(), m("0.11"));
        assert_eq!(m("-0.25").apply_rate(r, RoundingMode::HalfUp).unwrap(), m("-0.13"));
        assert_eq!(m("-0.21").apply_rate(r, RoundingMode::Down).unwrap(), m("-0.10"));
    }

    #[test]
    fn allocation_sums_exactly() {
        let parts = m("0.05").split(3).unwrap();
        assert_eq!(parts, vec![m("0.02"), m("0.02"), m("0.01")]);
        let parts = m("-10.00").allocate(&[Decimal::ONE, Decimal::TWO]).unwrap();
        assert_eq!(parts, vec![m("-3.33"), m("-6.67")]);
        let parts = m("10.00").allocate(&[Decimal::ZERO, Decimal::ONE]).unwrap();
        assert_eq!(parts, vec![m("0.00"), m("10.00")]);
        assert_eq!(m("1").allocate(&[]).unwrap_err().code(), "MONEY_INVALID_RATIO");
        assert_eq!(m("1").allocate(&[Decimal::ZERO]).unwrap_err().code(), "MONEY_INVALID_RATIO");
        assert_eq!(m("1").allocate(&[-Decimal::ONE, Decimal::TWO]).unwrap_err().code(), "MONEY_INVALID_RATIO");
        assert_eq!(m("1").split(0).unwrap_err().code(), "MONEY_INVALID_RATIO");
    }

    #[test]
    fn serde_is_strings() {
        let json = serde_json::to_string(&m("12.5")).unwrap();
        assert_eq!(json, r#"{"amount":"12.50","currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m("12.50"));
        assert!(serde_json::from_str::<Money>(r#"{"amount":12.5,"currency":"EUR"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"0.001","currency":"EUR"}"#).is_err());
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn currency() -> impl Strategy<Value = Currency> {
        prop_oneof![
            Just(Currency::iso("EUR").unwrap()),
            Just(Currency::iso("JPY").unwrap()),
            Just(Currency::iso("KWD").unwrap()),
            (0u32..=8).prop_map(|s| Currency::token("TOKEN", s).unwrap()),
        ]
    }

    proptest! {
        #[test]
        fn parse_display_round_trip(minor in any::<i64>(), c in currency()) {
            let m = Money::from_minor(minor, c).unwrap();
            let back = Money::parse(&m.amount_string(), c).unwrap();
            prop_assert_eq!(back, m);
            prop_assert_eq!(back.minor_units(), i128::from(minor));
            let json = serde_json::to_string(&m).unwrap();
            prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        }

        #[test]
        fn allocation_sums_to_whole(minor in -1_000_000_000_000i64..1_000_000_000_000,
                                    ratios in prop::collection::vec(0u32..1000, 1..20),
                                    c in currency()) {
            prop_assume!(ratios.iter().any(|r| *r > 0));
            let m = Money::from_minor(minor, c).unwrap();
            let ratios: Vec<Decimal> = ratios.into_iter().map(Decimal::from).collect();
            let parts = m.allocate(&ratios).unwrap();
            prop_assert_eq!(Money::sum(c, &parts).unwrap(), m);
            // Each part is within one minor unit of its exact share.
            let total: Decimal = ratios.iter().sum();
            for (p, r) in parts.iter().zip(&ratios) {
                let exact = Decimal::from(minor) * r / total;
                prop_assert!((Decimal::from(p.minor_units() as i64) - exact).abs() < Decimal::ONE);
            }
        }

        #[test]
        fn split_parts_differ_by_at_most_one_unit(minor in any::<i64>(), n in 1usize..50) {
            let m = Money::from_minor(minor, Currency::iso("EUR").unwrap()).unwrap();
            let parts = m.split(n).unwrap();
            prop_assert_eq!(parts.len(), n);
            prop_assert_eq!(Money::sum(m.currency(), &parts).unwrap(), m);
            let max = parts.iter().map(|p| p.minor_units()).max().unwrap();
            let min = parts.iter().map(|p| p.minor_units()).min().unwrap();
            prop_assert!(max - min <= 1);
        }
    }
}
