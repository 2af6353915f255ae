//! Money across the boundary: amounts are decimal strings bound to a currency code, never floats.

use crate::error::Result;
use festival_core::interop;
use festival_core::money::tax;
use festival_core::money::{parse_decimal, Currency};

/// An exact amount: `amount` is a plain decimal string with exactly the currency's minor digits
/// (`"12.50"`), `currency` an ISO 4217 code (`"EUR"`) or a festival token `"CODE:scale"`.
/// Every function validates it: a sub-minor amount is `MONEY_SCALE_EXCEEDED`, never rounded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Money {
    /// Decimal string, e.g. `"12.50"`.
    pub amount: String,
    /// Currency code, e.g. `"EUR"` or `"BEER:0"`.
    pub currency: String,
}

impl Money {
    /// Validates and converts to the core type.
    pub(crate) fn to_core(&self) -> Result<festival_core::Money> {
        Ok(interop::parse_money(&self.amount, &self.currency)?)
    }

    /// Converts from the core type (normalized: exactly the currency's minor digits).
    pub(crate) fn from_core(m: &festival_core::Money) -> Money {
        Money { amount: m.amount_string(), currency: m.currency().to_string() }
    }
}

/// Explicit rounding mode for every operation that can produce sub-minor digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RoundingMode {
    /// Round to nearest, ties to even (banker's rounding).
    HalfEven,
    /// Round to nearest, ties away from zero (commercial rounding).
    HalfUp,
    /// Towards zero.
    Down,
    /// Away from zero.
    Up,
}

impl From<RoundingMode> for festival_core::RoundingMode {
    fn from(m: RoundingMode) -> Self {
        match m {
            RoundingMode::HalfEven => festival_core::RoundingMode::HalfEven,
            RoundingMode::HalfUp => festival_core::RoundingMode::HalfUp,
            RoundingMode::Down => festival_core::RoundingMode::Down,
            RoundingMode::Up => festival_core::RoundingMode::Up,
        }
    }
}

fn currency(code: &str) -> Result<Currency> {
    Ok(code.parse::<Currency>()?)
}

/// Parses `amount` (plain decimal: no exponent, no `+`, no spaces) in `currency`; pads to the
/// currency's minor digits (`"12.5"` EUR → `"12.50"`).
#[uniffi::export]
pub fn money_parse(amount: String, currency: String) -> Result<Money> {
    Ok(Money::from_core(&interop::parse_money(&amount, &currency)?))
}

/// Money from an integer number of minor units (`1050`, `"EUR"` → `10.50 EUR`).
#[uniffi::export]
pub fn money_from_minor(minor: i64, currency: String) -> Result<Money> {
    Ok(Money::from_core(&festival_core::Money::from_minor(minor, self::currency(&currency)?)?))
}

/// The amount in minor units as a decimal integer string (it may exceed 64 bits for tokens).
#[uniffi::export]
pub fn money_minor_units(money: Money) -> Result<String> {
    Ok(money.to_core()?.minor_units().to_string())
}

/// Display form: `"12.50 EUR"`, `"15 BEER"`.
#[uniffi::export]
pub fn money_display(money: Money) -> Result<String> {
    Ok(money.to_core()?.to_string())
}

/// Number of minor digits of a currency (`EUR` 2, `JPY` 0, `KWD` 3, `COIN:4` 4).
#[uniffi::export]
pub fn currency_minor_digits(currency: String) -> Result<u32> {
    Ok(self::currency(&currency)?.minor_digits())
}

/// `a + b` (same currency; overflow is an error).
#[uniffi::export]
pub fn money_add(a: Money, b: Money) -> Result<Money> {
    Ok(Money::from_core(&a.to_core()?.checked_add(&b.to_core()?)?))
}

/// `a - b` (same currency; the result may be negative).
#[uniffi::export]
pub fn money_sub(a: Money, b: Money) -> Result<Money> {
    Ok(Money::from_core(&a.to_core()?.checked_sub(&b.to_core()?)?))
}

/// `money × quantity`, exact.
#[uniffi::export]
pub fn money_mul_qty(money: Money, quantity: u64) -> Result<Money> {
    Ok(Money::from_core(&money.to_core()?.checked_mul_qty(quantity)?))
}

/// `money × rate` (`rate` a decimal string such as `"0.5"`), rounded with `mode`.
#[uniffi::export]
pub fn money_apply_rate(money: Money, rate: String, mode: RoundingMode) -> Result<Money> {
    Ok(Money::from_core(&money.to_core()?.apply_rate(parse_decimal(&rate)?, mode.into())?))
}

/// `money × percent / 100` (`percent` a decimal string such as `"2.5"`), rounded with `mode`.
#[uniffi::export]
pub fn money_percentage(money: Money, percent: String, mode: RoundingMode) -> Result<Money> {
    Ok(Money::from_core(&money.to_core()?.percentage(parse_decimal(&percent)?, mode.into())?))
}

/// Splits `money` by `ratios` (decimal strings, non-negative, not all zero) with largest
/// remainder: the parts always sum exactly to the whole.
#[uniffi::export]
pub fn money_allocate(money: Money, ratios: Vec<String>) -> Result<Vec<Money>> {
    let m = money.to_core()?;
    let ratios = ratios.iter().map(|r| parse_decimal(r)).collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(m.allocate(&ratios)?.iter().map(Money::from_core).collect())
}

/// Splits `money` into `parts` near-equal parts that sum exactly to the whole.
#[uniffi::export]
pub fn money_split(money: Money, parts: u32) -> Result<Vec<Money>> {
    let n = usize::try_from(parts).unwrap_or(usize::MAX);
    Ok(money.to_core()?.split(n)?.iter().map(Money::from_core).collect())
}

/// Compares two amounts of the same currency: -1, 0 or 1.
#[uniffi::export]
pub fn money_compare(a: Money, b: Money) -> Result<i32> {
    let (a, b) = (a.to_core()?, b.to_core()?);
    a.ensure_same_currency(&b)?;
    Ok(match a.amount().cmp(&b.amount()) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

/// Whether line prices include VAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PriceBasis {
    /// Prices include VAT.
    Gross,
    /// Prices exclude VAT.
    Net,
}

/// How VAT is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TaxRounding {
    /// Round every line.
    PerLine,
    /// Sum exact nets per rate, round once.
    SumByNet,
    /// Sum per rate, round once, keep the gross the customer sees.
    SumByNetKeepGross,
}

impl From<PriceBasis> for tax::PriceBasis {
    fn from(b: PriceBasis) -> Self {
        match b {
            PriceBasis::Gross => tax::PriceBasis::Gross,
            PriceBasis::Net => tax::PriceBasis::Net,
        }
    }
}

impl From<TaxRounding> for tax::TaxRounding {
    fn from(r: TaxRounding) -> Self {
        match r {
            TaxRounding::PerLine => tax::TaxRounding::PerLine,
            TaxRounding::SumByNet => tax::TaxRounding::SumByNet,
            TaxRounding::SumByNetKeepGross => tax::TaxRounding::SumByNetKeepGross,
        }
    }
}

/// One taxable line: amount (gross or net) and VAT rate in percent as a decimal string (`"19"`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TaxLine {
    /// Line amount (already × quantity).
    pub amount: Money,
    /// VAT rate in percent, `"0"`..`"100"`.
    pub rate: String,
}

/// Net, tax and gross (`net + tax = gross`, exactly).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TaxAmounts {
    /// Without tax.
    pub net: Money,
    /// Tax.
    pub tax: Money,
    /// With tax.
    pub gross: Money,
}

/// Totals of one VAT rate.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RateTotal {
    /// Rate in percent.
    pub rate: String,
    /// Totals at this rate.
    pub amounts: TaxAmounts,
}

/// Result of [`compute_tax`]: lines sum to rate totals, rate totals sum to the totals.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TaxBreakdown {
    /// Per line, input order.
    pub lines: Vec<TaxAmounts>,
    /// Per rate, ascending.
    pub by_rate: Vec<RateTotal>,
    /// Total net.
    pub net: Money,
    /// Total tax.
    pub tax: Money,
    /// Total gross.
    pub gross: Money,
}

pub(crate) fn amounts(a: &tax::TaxAmounts) -> TaxAmounts {
    TaxAmounts { net: Money::from_core(&a.net), tax: Money::from_core(&a.tax), gross: Money::from_core(&a.gross) }
}

/// VAT for `lines` (one currency, at least one line) with the given basis, strategy and mode.
#[uniffi::export]
pub fn compute_tax(
    lines: Vec<TaxLine>,
    basis: PriceBasis,
    rounding: TaxRounding,
    mode: RoundingMode,
) -> Result<TaxBreakdown> {
    let lines = lines
        .iter()
        .map(|l| Ok(tax::TaxLine { amount: l.amount.to_core()?, rate: parse_decimal(&l.rate)? }))
        .collect::<Result<Vec<_>>>()?;
    let b = tax::compute_tax(&lines, basis.into(), rounding.into(), mode.into())?;
    Ok(breakdown(&b))
}

/// A core VAT breakdown for the foreign side.
pub(crate) fn breakdown(b: &tax::TaxBreakdown) -> TaxBreakdown {
    TaxBreakdown {
        lines: b.lines.iter().map(amounts).collect(),
        by_rate: b
            .by_rate
            .iter()
            .map(|r| RateTotal { rate: r.rate.to_string(), amounts: amounts(&r.amounts) })
            .collect(),
        net: Money::from_core(&b.net),
        tax: Money::from_core(&b.tax),
        gross: Money::from_core(&b.gross),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(a: &str) -> Money {
        Money { amount: a.into(), currency: "EUR".into() }
    }

    #[test]
    fn parse_pads_and_rejects_sub_minor() {
        assert_eq!(money_parse("12.5".into(), "EUR".into()).unwrap(), eur("12.50"));
        assert_eq!(money_parse("0.001".into(), "EUR".into()).unwrap_err().code(), "MONEY_SCALE_EXCEEDED");
        assert_eq!(money_parse("NaN".into(), "EUR".into()).unwrap_err().code(), "MONEY_INVALID_AMOUNT");
    }

    #[test]
    fn allocate_sums_exactly() {
        let parts = money_allocate(eur("100"), vec!["1".into(), "1".into(), "1".into()]).unwrap();
        assert_eq!(parts, vec![eur("33.34"), eur("33.33"), eur("33.33")]);
        assert_eq!(money_split(eur("0.05"), 0).unwrap_err().code(), "MONEY_INVALID_RATIO");
    }

    #[test]
    fn tax_keep_gross() {
        let line = TaxLine { amount: eur("0.99"), rate: "19".into() };
        let b = compute_tax(
            vec![line.clone(), line.clone(), line],
            PriceBasis::Gross,
            TaxRounding::SumByNetKeepGross,
            RoundingMode::HalfUp,
        )
        .unwrap();
        // pretix: 2.97 has no net at 19 %, so the gross moves a cent.
        assert_eq!((b.gross, b.tax), (eur("2.98"), eur("0.48")));
    }
}
