//! VAT for ticket shops: prices entered gross or net, tax per line or per total, with the three
//! rounding strategies real shops use, as pure functions.
//!
//! * [`TaxRounding::PerLine`]: every line is rounded on its own; totals are sums of rounded lines.
//! * [`TaxRounding::SumByNet`]: per tax rate, the exact nets are summed, rounded once, and the tax
//!   is computed once on that sum; line values are allocated from the rate totals so that lines
//!   still add up exactly.
//! * [`TaxRounding::SumByNetKeepGross`]: like `SumByNet`, but the gross the customer sees is kept.
//!   For gross prices: per rate, gross = sum of the entered line grosses, the net is derived from
//!   that sum once and tax = gross − net. For net prices the entered nets and each line's shown
//!   gross (net + rounded line tax) are both kept, so totals are the sums of the lines.
//!
//! ```
//! use festival_core::money::tax::{compute_tax, PriceBasis, TaxLine, TaxRounding};
//! use festival_core::{Currency, Money, RoundingMode};
//! let eur = Currency::iso("EUR")?;
//! let line = |p: &str| TaxLine { amount: Money::parse(p, eur).unwrap(), rate: "19".parse().unwrap() };
//! let lines = [line("0.99"), line("0.99"), line("0.99")];
//! let per_line = compute_tax(&lines, PriceBasis::Gross, TaxRounding::PerLine, RoundingMode::HalfUp)?;
//! let by_net = compute_tax(&lines, PriceBasis::Gross, TaxRounding::SumByNet, RoundingMode::HalfUp)?;
//! let keep = compute_tax(&lines, PriceBasis::Gross, TaxRounding::SumByNetKeepGross, RoundingMode::HalfUp)?;
//! assert_eq!(per_line.gross.amount_string(), "2.97");
//! assert_eq!(by_net.gross.amount_string(), "2.98"); // a cent of drift from the price tag
//! assert_eq!(keep.gross.amount_string(), "2.97");
//! assert_eq!(keep.tax.amount_string(), "0.47");
//! # Ok::<(), festival_core::money::MoneyError>(())
//! ```

use super::{Money, MoneyError, RoundingMode};
use crate::money::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Whether line prices include tax (gross) or not (net).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceBasis {
    /// Prices include VAT (consumer shops in the EU).
    Gross,
    /// Prices exclude VAT (B2B).
    Net,
}

/// How tax is rounded (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxRounding {
    /// Round every line.
    PerLine,
    /// Sum exact nets per rate, round once.
    SumByNet,
    /// Sum per rate, round once, keep the gross the customer sees.
    SumByNetKeepGross,
}

/// One taxable line: an amount (gross or net according to [`PriceBasis`]) and a rate in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxLine {
    /// Line amount (already multiplied by quantity), gross or net.
    pub amount: Money,
    /// VAT rate in percent (`19` for 19 %), `0..=100`.
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
}

/// Net, tax and gross of one line or one total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxAmounts {
    /// Amount without tax.
    pub net: Money,
    /// Tax.
    pub tax: Money,
    /// Amount with tax (`net + tax`, always exactly).
    pub gross: Money,
}

/// Totals of one tax rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateTotal {
    /// The rate in percent.
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
    /// Net, tax and gross of all lines at this rate.
    #[serde(flatten)]
    pub amounts: TaxAmounts,
}

/// The result of [`compute_tax`]. Lines sum exactly to the rate totals, rate totals sum exactly to
/// the totals, and `net + tax = gross` everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxBreakdown {
    /// Per line, in input order.
    pub lines: Vec<TaxAmounts>,
    /// Per rate, ascending by rate.
    pub by_rate: Vec<RateTotal>,
    /// Total net.
    pub net: Money,
    /// Total tax.
    pub tax: Money,
    /// Total gross.
    pub gross: Money,
}

fn check_rate(rate: Decimal) -> Result<(), MoneyError> {
    if rate.is_sign_negative() && !rate.is_zero() || rate > Decimal::ONE_HUNDRED {
        return Err(MoneyError::InvalidRate { rate: rate.to_string(), reason: "VAT rate must be within 0..=100 percent".into() });
    }
    Ok(())
}

fn overflow() -> MoneyError {
    MoneyError::Overflow { operation: "tax".into() }
}

/// Exact (unrounded) net of a gross amount at `rate` percent.
fn exact_net_of_gross(gross: Decimal, rate: Decimal) -> Result<Decimal, MoneyError> {
    let factor = Decimal::ONE_HUNDRED.checked_add(rate).ok_or_else(overflow)?;
    gross.checked_mul(Decimal::ONE_HUNDRED).and_then(|g| g.checked_div(factor)).ok_or_else(overflow)
}

fn amounts(net: Money, tax: Money) -> Result<TaxAmounts, MoneyError> {
    Ok(TaxAmounts { net, tax, gross: net.checked_add(&tax)? })
}

fn line_per_line(line: &TaxLine, basis: PriceBasis, mode: RoundingMode) -> Result<TaxAmounts, MoneyError> {
    match basis {
        PriceBasis::Net => amounts(line.amount, line.amount.percentage(line.rate, mode)?),
        PriceBasis::Gross => {
            let c = line.amount.currency();
            let net = Money::new(mode.round(exact_net_of_gross(line.amount.amount(), line.rate)?, c.minor_digits()), c)?;
            amounts(net, line.amount.checked_sub(&net)?)
        }
    }
}

/// Computes VAT for `lines` (all in one currency; an empty list gives zero totals in the currency
/// of… nothing, so at least one line is required).
pub fn compute_tax(
    lines: &[TaxLine],
    basis: PriceBasis,
    rounding: TaxRounding,
    mode: RoundingMode,
) -> Result<TaxBreakdown, MoneyError> {
    let currency = match lines.first() {
        Some(l) => l.amount.currency(),
        None => return Err(MoneyError::InvalidRatio { reason: "at least one tax line is required".into() }),
    };
    for l in lines {
        l.amount.ensure_currency(currency)?;
        check_rate(l.rate)?;
    }
    let mut rates: Vec<Decimal> = lines.iter().map(|l| l.rate.normalize()).collect();
    rates.sort();
    rates.dedup();

    let mut line_out: Vec<Option<TaxAmounts>> = vec![None; lines.len()];
    let mut by_rate = Vec::with_capacity(rates.len());
    for rate in rates {
        let idx: Vec<usize> = (0..lines.len()).filter(|i| lines[*i].rate.normalize() == rate).collect();
        let group: Vec<&TaxLine> = idx.iter().map(|i| &lines[*i]).collect();
        let per_line: Vec<TaxAmounts> = group.iter().map(|l| line_per_line(l, basis, mode)).collect::<Result<_, _>>()?;
        let total = match rounding {
            TaxRounding::PerLine => {
                for (i, a) in idx.iter().zip(&per_line) {
                    line_out[*i] = Some(*a);
                }
                sum_amounts(currency, &per_line)?
            }
            TaxRounding::SumByNet => {
                let net = match basis {
                    PriceBasis::Net => Money::sum(currency, group.iter().map(|l| &l.amount))?,
                    PriceBasis::Gross => {
                        let exact = group.iter().try_fold(Decimal::ZERO, |acc, l| {
                            exact_net_of_gross(l.amount.amount(), rate).and_then(|n| acc.checked_add(n).ok_or_else(overflow))
                        })?;
                        Money::new(mode.round(exact, currency.minor_digits()), currency)?
                    }
                };
                let total = amounts(net, net.percentage(rate, mode)?)?;
                distribute(currency, &total, &group, &idx, basis, &mut line_out)?;
                total
            }
            TaxRounding::SumByNetKeepGross if basis == PriceBasis::Net => {
                // Net prices: the gross the customer sees is each line's net plus its rounded tax,
                // and the entered nets are kept too, so the lines are the per-line values and the
                // totals are their sums (tax = kept gross - kept net).
                for (i, a) in idx.iter().zip(&per_line) {
                    line_out[*i] = Some(*a);
                }
                sum_amounts(currency, &per_line)?
            }
            TaxRounding::SumByNetKeepGross => {
                let gross = Money::sum(currency, group.iter().map(|l| &l.amount))?;
                let net = Money::new(mode.round(exact_net_of_gross(gross.amount(), rate)?, currency.minor_digits()), currency)?;
                let total = amounts(net, gross.checked_sub(&net)?)?;
                distribute(currency, &total, &group, &idx, basis, &mut line_out)?;
                total
            }
        };
        by_rate.push(RateTotal { rate, amounts: total });
    }
    let lines: Vec<TaxAmounts> = line_out.into_iter().flatten().collect();
    let totals: Vec<TaxAmounts> = by_rate.iter().map(|r| r.amounts).collect();
    let total = sum_amounts(currency, &totals)?;
    Ok(TaxBreakdown { lines, by_rate, net: total.net, tax: total.tax, gross: total.gross })
}

fn sum_amounts(currency: Currency, items: &[TaxAmounts]) -> Result<TaxAmounts, MoneyError> {
    Ok(TaxAmounts {
        net: Money::sum(currency, items.iter().map(|a| &a.net))?,
        tax: Money::sum(currency, items.iter().map(|a| &a.tax))?,
        gross: Money::sum(currency, items.iter().map(|a| &a.gross))?,
    })
}

/// Spreads a rate total over its lines so that lines sum exactly to the total: the tax is
/// allocated by line amount (largest remainder); for net prices the line net is kept, for gross
/// prices the line gross is kept when the total kept it, otherwise the net is allocated too.
fn distribute(
    currency: Currency,
    total: &TaxAmounts,
    group: &[&TaxLine],
    idx: &[usize],
    basis: PriceBasis,
    out: &mut [Option<TaxAmounts>],
) -> Result<(), MoneyError> {
    let weights: Vec<Decimal> = group.iter().map(|l| l.amount.amount().abs()).collect();
    let weights = if weights.iter().all(|w| w.is_zero()) { vec![Decimal::ONE; group.len()] } else { weights };
    let taxes = total.tax.allocate(&weights)?;
    let gross_sum = Money::sum(currency, group.iter().map(|l| &l.amount))?;
    for (k, (line, tax)) in group.iter().zip(taxes).enumerate() {
        let a = match basis {
            PriceBasis::Net => amounts(line.amount, tax)?,
            PriceBasis::Gross if gross_sum == total.gross => {
                TaxAmounts { net: line.amount.checked_sub(&tax)?, tax, gross: line.amount }
            }
            PriceBasis::Gross => {
                let nets = total.net.allocate(&weights)?;
                amounts(nets[k], tax)?
            }
        };
        out[idx[k]] = Some(a);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    use crate::test_util::eur;
    fn line(amount: &str, rate: &str) -> TaxLine {
        TaxLine { amount: Money::parse(amount, eur()).unwrap(), rate: rate.parse().unwrap() }
    }

    fn check_consistent(b: &TaxBreakdown) {
        let c = eur();
        for l in &b.lines {
            assert_eq!(l.net.checked_add(&l.tax).unwrap(), l.gross);
        }
        assert_eq!(Money::sum(c, b.lines.iter().map(|l| &l.gross)).unwrap(), b.gross);
        assert_eq!(Money::sum(c, b.lines.iter().map(|l| &l.tax)).unwrap(), b.tax);
        assert_eq!(Money::sum(c, b.by_rate.iter().map(|r| &r.amounts.net)).unwrap(), b.net);
        assert_eq!(b.net.checked_add(&b.tax).unwrap(), b.gross);
    }

    #[test]
    fn net_prices_three_strategies() {
        let lines = [line("0.10", "19"), line("0.10", "19"), line("0.10", "19")];
        let pl = compute_tax(&lines, PriceBasis::Net, TaxRounding::PerLine, RoundingMode::HalfUp).unwrap();
        // 0.019 -> 0.02 per line
        assert_eq!(pl.tax.amount_string(), "0.06");
        let sn = compute_tax(&lines, PriceBasis::Net, TaxRounding::SumByNet, RoundingMode::HalfUp).unwrap();
        // 0.30 * 19% = 0.057 -> 0.06
        assert_eq!(sn.tax.amount_string(), "0.06");
        let lines = [line("0.02", "19"), line("0.02", "19"), line("0.02", "19")];
        let pl = compute_tax(&lines, PriceBasis::Net, TaxRounding::PerLine, RoundingMode::HalfUp).unwrap();
        let sn = compute_tax(&lines, PriceBasis::Net, TaxRounding::SumByNet, RoundingMode::HalfUp).unwrap();
        assert_eq!(pl.tax.amount_string(), "0.00");
        assert_eq!(sn.tax.amount_string(), "0.01");
        for b in [&pl, &sn] {
            check_consistent(b);
        }
    }

    #[test]
    fn keep_gross_with_net_prices_lines_add_up() {
        // Regression: 3 x 0.02 net at 19 %: lines used to sum to 0.07 gross while the total said 0.06.
        let lines = [line("0.02", "19"), line("0.02", "19"), line("0.02", "19")];
        let b = compute_tax(&lines, PriceBasis::Net, TaxRounding::SumByNetKeepGross, RoundingMode::HalfUp).unwrap();
        check_consistent(&b);
        assert_eq!(b.net.amount_string(), "0.06");
        assert_eq!(b.gross.amount_string(), "0.06");
        for strategy in [TaxRounding::PerLine, TaxRounding::SumByNet, TaxRounding::SumByNetKeepGross] {
            for basis in [PriceBasis::Net, PriceBasis::Gross] {
                let lines = [line("0.02", "19"), line("9.99", "7"), line("0.33", "19"), line("0.01", "7")];
                check_consistent(&compute_tax(&lines, basis, strategy, RoundingMode::HalfEven).unwrap());
            }
        }
    }

    #[test]
    fn mixed_rates_group_and_sort() {
        let lines = [line("10.00", "19"), line("5.00", "7"), line("1.00", "19")];
        let b = compute_tax(&lines, PriceBasis::Gross, TaxRounding::SumByNetKeepGross, RoundingMode::HalfEven).unwrap();
        assert_eq!(b.by_rate.len(), 2);
        assert_eq!(b.by_rate[0].rate, Decimal::from(7));
        assert_eq!(b.gross.amount_string(), "16.00");
        check_consistent(&b);
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(compute_tax(&[], PriceBasis::Net, TaxRounding::PerLine, RoundingMode::HalfUp).unwrap_err().code(), "MONEY_INVALID_RATIO");
        let bad = [line("1.00", "-1")];
        assert_eq!(compute_tax(&bad, PriceBasis::Net, TaxRounding::PerLine, RoundingMode::HalfUp).unwrap_err().code(), "MONEY_INVALID_RATE");
        let usd = TaxLine { amount: Money::parse("1", Currency::iso("USD").unwrap()).unwrap(), rate: Decimal::ONE };
        assert_eq!(
            compute_tax(&[line("1", "1"), usd], PriceBasis::Net, TaxRounding::PerLine, RoundingMode::HalfUp).unwrap_err().code(),
            "MONEY_CURRENCY_MISMATCH"
        );
    }
}
