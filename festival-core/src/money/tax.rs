//! VAT for ticket shops: prices entered gross or net, tax per line or per rate total, with the
//! three rounding strategies of [pretix](https://github.com/pretix/pretix), as pure functions that
//! give pretix's results line by line.
//!
//! The algorithm is the one documented in pretix's `doc/development/algorithms/pricing.rst`
//! ("Rounding of taxes") and implemented by `apply_rounding` in
//! `src/pretix/base/services/pricing.py`:
//!
//! 1. **Every line is taxed on its own first** (pretix's `TaxRule.tax`): for gross prices
//!    `net = round(gross × 100 / (100 + rate))`, for net prices `gross = round(net × (100 + rate) /
//!    100)`; `tax = gross − net`. This is the whole of [`TaxRounding::PerLine`] (pretix: `line`).
//! 2. For the other two strategies the lines are **grouped by rate** (ascending) and, inside a
//!    group, **ordered by line gross, largest first** (ties keep input order; pretix sorts by
//!    `-gross_price_before_rounding`, a stable sort). Corrections of exactly one minor unit go to
//!    the lines in that order, at most one per line.
//! 3. [`TaxRounding::SumByNet`] (pretix: `sum_by_net`): `target_gross = round(Σ net × (100 + rate)
//!    / 100)` from the lines' rounded nets. The first `|target_gross − Σ gross|` lines get ±1 minor
//!    unit on **gross and tax**; every net stays as in step 1.
//! 4. [`TaxRounding::SumByNetKeepGross`] (pretix: `sum_by_net_keep_gross`): `target_net =
//!    round(Σ gross × 100 / (100 + rate))` and `target_gross = round(target_net × (100 + rate) /
//!    100)`. The gross is kept where it can be: only when `target_gross ≠ Σ gross` (no net gives
//!    that gross, e.g. 99.99 at 19 %: 84.02 → 99.98, 84.03 → 100.00) do the first
//!    `|target_gross − Σ gross|` lines get ±1 on gross and tax (net kept); the following lines
//!    then get ±1 on **net** (tax ∓1, gross kept) until `Σ net = target_net`.
//!
//! The output carries the final (corrected) values; a line's correction is its value minus the
//! [`TaxRounding::PerLine`] value for the same input. Rate totals and totals are always the sums
//! of the lines, and `net + tax = gross` everywhere.
//!
//! **Meaning of the line fields** (`TaxAmounts` of [`TaxBreakdown::lines`]): `gross` is what the
//! customer pays for the line and may differ by one minor unit from an entered gross price under
//! `SumByNet`, and under `SumByNetKeepGross` only when the group's gross is unreachable; `net` may
//! differ by one minor unit from an entered net price under `SumByNetKeepGross` (pretix keeps the
//! grosses derived from the nets there, not the nets).
//!
//! # Deliberate differences from pretix
//!
//! * **Rounding mode.** pretix always rounds `ROUND_HALF_UP` (ties away from zero); pass
//!   [`RoundingMode::HalfUp`] to get its results. Any other mode is applied at the same three
//!   places (line, target gross, target net) and gives the same algorithm with that rounding.
//! * **Exact arithmetic.** pretix evaluates `gross − gross × (1 − 100 / (100 + rate))` in
//!   Python's 28-significant-digit `Decimal` context; this module divides exactly once. A scan of
//!   29 rates (0.5 %–100 %) over every gross from −30.00 to 2000.00 found no input where the two
//!   round differently.
//! * **Grouping.** pretix groups by `(tax_rate, tax_code)`; lines here have no tax code, so they
//!   are grouped by rate (`19` and `19.00` are the same rate, as in pretix).
//! * **No `sum_by_net_only_business`.** That pretix mode only picks `sum_by_net` or `line` from the
//!   invoice address; callers choose the strategy themselves.
//! * **Leftover difference.** As in pretix, a line gets at most one minor unit: if a group's
//!   difference is larger than its number of lines (possible only with very small amounts or high
//!   rates), the rest is not applied, and the group total then misses the target by that rest.
//! * **Free lines.** A line whose net and gross are both 0 never receives a ±1 correction
//!   (it would get a negative tax); the correction goes to the next line, or stays unapplied as
//!   for the leftover difference above.
//! * **Stateless.** pretix stores `*_before_rounding` values and the corrections on each position;
//!   this function computes them afresh from the entered amounts every time.
//!
//! The worked example of pretix's documentation, five tickets of 100.00 gross at 19 %:
//!
//! ```
//! use festival_core::money::tax::{compute_tax, PriceBasis, TaxLine, TaxRounding};
//! use festival_core::{Currency, Money, RoundingMode};
//! let eur = Currency::iso("EUR")?;
//! let ticket = TaxLine { amount: Money::parse("100.00", eur)?, rate: "19".parse().unwrap() };
//! let lines = [ticket; 5];
//! let tax = |r| compute_tax(&lines, PriceBasis::Gross, r, RoundingMode::HalfUp);
//! let (line, by_net, keep) = (tax(TaxRounding::PerLine)?, tax(TaxRounding::SumByNet)?, tax(TaxRounding::SumByNetKeepGross)?);
//! let s = |m: Money| m.amount_string();
//! // line: 84.03 + 15.97 = 100.00 each
//! assert_eq!((s(line.net), s(line.tax), s(line.gross)), ("420.15".into(), "79.85".into(), "500.00".into()));
//! // sum_by_net: nets kept, the first two lines pay 99.99 (tax 15.96)
//! assert_eq!((s(by_net.net), s(by_net.tax), s(by_net.gross)), ("420.15".into(), "79.83".into(), "499.98".into()));
//! assert_eq!(s(by_net.lines[0].gross), "99.99");
//! assert_eq!(s(by_net.lines[2].gross), "100.00");
//! // sum_by_net_keep_gross: grosses kept, the first two lines have net 84.04 and tax 15.96
//! assert_eq!((s(keep.net), s(keep.tax), s(keep.gross)), ("420.17".into(), "79.83".into(), "500.00".into()));
//! assert_eq!((s(keep.lines[1].net), s(keep.lines[1].tax)), ("84.04".into(), "15.96".into()));
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

/// How tax is rounded (see the module docs); the names are pretix's algorithm identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxRounding {
    /// Round every line on its own (pretix: `line`).
    PerLine,
    /// Per rate, the gross follows from the sum of the line nets; line grosses and taxes move by
    /// one minor unit where needed, nets stay (pretix: `sum_by_net`).
    SumByNet,
    /// Per rate, the net follows from the sum of the line grosses; line nets and taxes move by one
    /// minor unit where needed, grosses stay wherever reachable (pretix: `sum_by_net_keep_gross`).
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

/// The arithmetic of one currency, rate and rounding mode, on amounts in minor units.
struct Rounder {
    currency: Currency,
    mode: RoundingMode,
}

impl Rounder {
    fn decimal(&self, minor: i128) -> Result<Decimal, MoneyError> {
        Ok(Money::from_minor_i128(minor, self.currency)?.amount())
    }

    fn round(&self, exact: Decimal) -> Result<i128, MoneyError> {
        let rounded = self.mode.round(exact, self.currency.minor_digits());
        Ok(Money::new(rounded, self.currency)?.minor_units())
    }

    /// `round(gross × 100 / (100 + rate))`, pretix's net of a gross price (exact before rounding).
    fn net_of_gross(&self, gross: i128, rate: Decimal) -> Result<i128, MoneyError> {
        let factor = Decimal::ONE_HUNDRED.checked_add(rate).ok_or_else(overflow)?;
        let exact = self
            .decimal(gross)?
            .checked_mul(Decimal::ONE_HUNDRED)
            .and_then(|g| g.checked_div(factor))
            .ok_or_else(overflow)?;
        self.round(exact)
    }

    /// `round(net × (100 + rate) / 100)`, pretix's gross of a net price.
    fn gross_of_net(&self, net: i128, rate: Decimal) -> Result<i128, MoneyError> {
        let factor = Decimal::ONE_HUNDRED.checked_add(rate).ok_or_else(overflow)?;
        let exact = self
            .decimal(net)?
            .checked_mul(factor)
            .and_then(|n| n.checked_div(Decimal::ONE_HUNDRED))
            .ok_or_else(overflow)?;
        self.round(exact)
    }
}

/// One line in minor units while it is being worked on; `tax = gross − net`.
#[derive(Clone, Copy)]
struct Work {
    net: i128,
    gross: i128,
}

fn sum_minor(mut items: impl Iterator<Item = i128>) -> Result<i128, MoneyError> {
    items.try_fold(0i128, |acc, v| acc.checked_add(v).ok_or_else(overflow))
}

/// Moves `diff` one unit towards zero and returns the unit moved (`±1`).
fn take_unit(diff: &mut i128) -> i128 {
    let unit = diff.signum();
    *diff -= unit;
    unit
}

/// Computes VAT for `lines` (all in one currency, at least one line) the way pretix does; see the
/// module docs for the algorithm and the deliberate differences.
///
/// Errors: `MONEY_INVALID_RATIO` for an empty list, `MONEY_INVALID_RATE` for a rate outside
/// `0..=100`, `MONEY_CURRENCY_MISMATCH` for lines in different currencies, `MONEY_OVERFLOW`.
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
    let r = Rounder { currency, mode };

    // Step 1 (pretix `TaxRule.tax`): every line on its own.
    let mut work: Vec<Work> = lines
        .iter()
        .map(|l| {
            let amount = l.amount.minor_units();
            Ok(match basis {
                PriceBasis::Gross => Work { net: r.net_of_gross(amount, l.rate)?, gross: amount },
                PriceBasis::Net => Work { net: amount, gross: r.gross_of_net(amount, l.rate)? },
            })
        })
        .collect::<Result<_, MoneyError>>()?;

    let mut rates: Vec<Decimal> = lines.iter().map(|l| l.rate.normalize()).collect();
    rates.sort();
    rates.dedup();

    let mut by_rate = Vec::with_capacity(rates.len());
    for rate in rates {
        // pretix `apply_rounding`: the group's lines, largest gross first, ties in input order
        // (`sort_by` is stable like Python's `sorted`).
        let mut order: Vec<usize> = (0..lines.len()).filter(|i| lines[*i].rate.normalize() == rate).collect();
        order.sort_by(|a, b| work[*b].gross.cmp(&work[*a].gross));
        let net_total = sum_minor(order.iter().map(|i| work[*i].net))?;
        let gross_total = sum_minor(order.iter().map(|i| work[*i].gross))?;
        // A free line (net and gross 0) never takes a correction: a cent of net or tax on it would
        // make its tax negative (deliberate difference, see the module docs).
        order.retain(|i| work[*i].net != 0 || work[*i].gross != 0);
        match rounding {
            TaxRounding::PerLine => {}
            TaxRounding::SumByNet => {
                let target_gross = r.gross_of_net(net_total, rate)?;
                let mut diff = target_gross - gross_total;
                for i in &order {
                    if diff != 0 {
                        work[*i].gross += take_unit(&mut diff);
                    }
                }
            }
            TaxRounding::SumByNetKeepGross => {
                let target_net = r.net_of_gross(gross_total, rate)?;
                // Differs from gross_total when no net gives that gross (99.99 at 19 %).
                let target_gross = r.gross_of_net(target_net, rate)?;
                let mut diff_gross = target_gross - gross_total;
                let mut diff_net = target_net - net_total;
                for i in &order {
                    if diff_gross != 0 {
                        work[*i].gross += take_unit(&mut diff_gross);
                    } else if diff_net != 0 {
                        work[*i].net += take_unit(&mut diff_net);
                    }
                }
            }
        }
        let net = sum_minor(order.iter().map(|i| work[*i].net))?;
        let gross = sum_minor(order.iter().map(|i| work[*i].gross))?;
        by_rate.push(RateTotal { rate, amounts: amounts(currency, net, gross)? });
    }

    let lines = work.iter().map(|w| amounts(currency, w.net, w.gross)).collect::<Result<Vec<_>, _>>()?;
    let net = sum_minor(by_rate.iter().map(|t| t.amounts.net.minor_units()))?;
    let gross = sum_minor(by_rate.iter().map(|t| t.amounts.gross.minor_units()))?;
    let total = amounts(currency, net, gross)?;
    Ok(TaxBreakdown { lines, by_rate, net: total.net, tax: total.tax, gross: total.gross })
}

fn amounts(currency: Currency, net: i128, gross: i128) -> Result<TaxAmounts, MoneyError> {
    let tax = gross.checked_sub(net).ok_or_else(overflow)?;
    Ok(TaxAmounts {
        net: Money::from_minor_i128(net, currency)?,
        tax: Money::from_minor_i128(tax, currency)?,
        gross: Money::from_minor_i128(gross, currency)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use proptest::prelude::*;

    use crate::test_util::eur;
    fn line(amount: &str, rate: &str) -> TaxLine {
        TaxLine { amount: Money::parse(amount, eur()).unwrap(), rate: rate.parse().unwrap() }
    }
    fn tax(lines: &[TaxLine], basis: PriceBasis, rounding: TaxRounding) -> TaxBreakdown {
        let b = compute_tax(lines, basis, rounding, RoundingMode::HalfUp).unwrap();
        check_consistent(&b);
        b
    }
    /// `(net, tax, gross)` of every line, as strings.
    fn rows(b: &TaxBreakdown) -> Vec<(String, String, String)> {
        b.lines.iter().map(|l| (l.net.amount_string(), l.tax.amount_string(), l.gross.amount_string())).collect()
    }
    fn row(net: &str, tax: &str, gross: &str) -> (String, String, String) {
        (net.into(), tax.into(), gross.into())
    }
    fn totals(b: &TaxBreakdown) -> (String, String, String) {
        (b.net.amount_string(), b.tax.amount_string(), b.gross.amount_string())
    }

    fn check_consistent(b: &TaxBreakdown) {
        let c = b.net.currency();
        for l in b.lines.iter().chain(b.by_rate.iter().map(|r| &r.amounts)) {
            assert_eq!(l.net.checked_add(&l.tax).unwrap(), l.gross);
        }
        for (field, pick) in [("net", 0usize), ("tax", 1), ("gross", 2)] {
            let get = |a: &TaxAmounts| [a.net, a.tax, a.gross][pick];
            let lines = Money::sum(c, b.lines.iter().map(get).collect::<Vec<_>>().iter()).unwrap();
            let rates = Money::sum(c, b.by_rate.iter().map(|r| get(&r.amounts)).collect::<Vec<_>>().iter()).unwrap();
            let total = [b.net, b.tax, b.gross][pick];
            assert_eq!(lines, total, "{field}: lines vs total");
            assert_eq!(rates, total, "{field}: rates vs total");
        }
    }

    /// pretix `doc/development/algorithms/pricing.rst`, "Rounding of taxes": five tickets of
    /// 100.00 gross at 19 %, every table of that page line by line.
    #[test]
    fn pretix_docs_five_tickets_at_100_gross() {
        let lines = [line("100.00", "19"); 5];
        // "Compute taxes for every line individually" (`line`).
        let b = tax(&lines, PriceBasis::Gross, TaxRounding::PerLine);
        assert_eq!(rows(&b), vec![row("84.03", "15.97", "100.00"); 5]);
        assert_eq!(totals(&b), row("420.15", "79.85", "500.00"));
        // "Compute taxes based on net total" (`sum_by_net`): tickets A and B get -0.01 on tax and
        // gross. (The page's sum row says tax 78.83; its own lines add up to 79.83.)
        let b = tax(&lines, PriceBasis::Gross, TaxRounding::SumByNet);
        let mut want = vec![row("84.03", "15.96", "99.99"); 2];
        want.extend(vec![row("84.03", "15.97", "100.00"); 3]);
        assert_eq!(rows(&b), want);
        assert_eq!(totals(&b), row("420.15", "79.83", "499.98"));
        // "... with stable gross prices" (`sum_by_net_keep_gross`): A and B get +0.01 net, -0.01 tax.
        let b = tax(&lines, PriceBasis::Gross, TaxRounding::SumByNetKeepGross);
        let mut want = vec![row("84.04", "15.96", "100.00"); 2];
        want.extend(vec![row("84.03", "15.97", "100.00"); 3]);
        assert_eq!(rows(&b), want);
        assert_eq!(totals(&b), row("420.17", "79.83", "500.00"));
        assert_eq!(b.by_rate.len(), 1);
        assert_eq!(b.by_rate[0].rate, Decimal::from(19));
    }

    /// pretix `apply_rounding` (`src/pretix/base/services/pricing.py`): "99.99 at 19% is impossible
    /// since 84.03 + 19% = 100.00 and 84.02 + 19% = 99.98" — keep_gross moves such a gross.
    #[test]
    fn a_free_line_never_takes_a_correction() {
        // 15.42 net at 8 % rounded up: gross 16.66, whose net 15.43 needs gross 16.67. The
        // 15.42 line takes the gross cent; the net cent would land on the free line: not applied.
        let lines = [line("15.42", "8"), line("0.00", "8")];
        let b = compute_tax(&lines, PriceBasis::Net, TaxRounding::SumByNetKeepGross, RoundingMode::Up).unwrap();
        check_consistent(&b);
        assert_eq!((b.lines[1].net.amount_string(), b.lines[1].tax.amount_string()), ("0.00".into(), "0.00".into()));
        assert!(!b.lines[0].tax.is_negative());
    }

    #[test]
    fn keep_gross_moves_an_unreachable_gross() {
        let b = tax(&[line("99.99", "19")], PriceBasis::Gross, TaxRounding::SumByNetKeepGross);
        assert_eq!(rows(&b), vec![row("84.03", "15.97", "100.00")]);
        let b = tax(&[line("0.99", "19"), line("99.99", "19")], PriceBasis::Gross, TaxRounding::SumByNetKeepGross);
        // Σ gross 100.98 → net round(84.857) = 84.86 = 0.83 + 84.03 → gross 100.98: nothing to move.
        assert_eq!(rows(&b), vec![row("0.83", "0.16", "0.99"), row("84.03", "15.96", "99.99")]);
        let b = tax(&[line("99.99", "19"), line("99.99", "19")], PriceBasis::Gross, TaxRounding::SumByNetKeepGross);
        // Σ gross 199.98 → net round(168.0504) = 168.05 → gross round(199.9795) = 199.98: reachable;
        // Σ line nets 168.06 → the first line gives back 0.01 of net.
        assert_eq!(rows(&b), vec![row("84.02", "15.97", "99.99"), row("84.03", "15.96", "99.99")]);
    }

    /// The correction goes to the largest gross first; equal grosses keep input order.
    #[test]
    fn corrections_go_to_the_largest_lines_first() {
        let lines = [line("10.00", "19"), line("100.00", "19"), line("100.00", "19"), line("100.00", "19")];
        // Σ line nets 8.40 + 3 × 84.03 = 260.49 → gross round(309.9831) = 309.98; lines say 310.00.
        let b = tax(&lines, PriceBasis::Gross, TaxRounding::SumByNet);
        assert_eq!(
            rows(&b),
            vec![row("8.40", "1.60", "10.00"), row("84.03", "15.96", "99.99"), row("84.03", "15.96", "99.99"), row("84.03", "15.97", "100.00")]
        );
        // Σ gross 310.00 → net round(260.5042) = 260.50 (+0.01) → gross round(309.995) = 310.00.
        let b = tax(&lines, PriceBasis::Gross, TaxRounding::SumByNetKeepGross);
        assert_eq!(
            rows(&b),
            vec![row("8.40", "1.60", "10.00"), row("84.04", "15.96", "100.00"), row("84.03", "15.97", "100.00"), row("84.03", "15.97", "100.00")]
        );
    }

    #[test]
    fn net_prices() {
        // line: 0.02 + 19 % = 0.0238 → 0.02 each; sum_by_net: 0.06 + 19 % = 0.0714 → 0.07.
        let lines = [line("0.02", "19"); 3];
        assert_eq!(totals(&tax(&lines, PriceBasis::Net, TaxRounding::PerLine)), row("0.06", "0.00", "0.06"));
        let b = tax(&lines, PriceBasis::Net, TaxRounding::SumByNet);
        assert_eq!(rows(&b), vec![row("0.02", "0.01", "0.03"), row("0.02", "0.00", "0.02"), row("0.02", "0.00", "0.02")]);
        // keep_gross keeps the line grosses 0.02 (derived from the nets) and moves a net instead:
        // Σ gross 0.06 → net round(0.0504) = 0.05, so the first line's net drops to 0.01.
        let b = tax(&lines, PriceBasis::Net, TaxRounding::SumByNetKeepGross);
        assert_eq!(rows(&b), vec![row("0.01", "0.01", "0.02"), row("0.02", "0.00", "0.02"), row("0.02", "0.00", "0.02")]);
        assert_eq!(totals(&b), row("0.05", "0.01", "0.06"));
    }

    /// Like pretix, the gross of a net price is rounded (not the tax), which matters for half-even:
    /// 0.25 + 2 % = 0.255 → 0.26, so the tax is 0.01 (rounding the tax 0.005 alone would give 0.00).
    #[test]
    fn net_price_rounds_the_gross() {
        let b = compute_tax(&[line("0.25", "2")], PriceBasis::Net, TaxRounding::PerLine, RoundingMode::HalfEven).unwrap();
        assert_eq!(rows(&b), vec![row("0.25", "0.01", "0.26")]);
    }

    #[test]
    fn rates_are_grouped_ascending_and_corrected_separately() {
        let lines = [line("100.00", "19"), line("5.00", "7"), line("100.00", "19.00"), line("5.00", "7")];
        let b = tax(&lines, PriceBasis::Gross, TaxRounding::SumByNetKeepGross);
        assert_eq!(b.by_rate.iter().map(|r| r.rate.to_string()).collect::<Vec<_>>(), ["7", "19"]);
        // 7 %: 4.67 + 0.33 each, Σ gross 10.00 → net 9.35 (+0.01) on the first 7 % line.
        // 19 %: Σ gross 200.00 → net 168.07 (+0.01) on the first 19 % line.
        assert_eq!(
            rows(&b),
            vec![row("84.04", "15.96", "100.00"), row("4.68", "0.32", "5.00"), row("84.03", "15.97", "100.00"), row("4.67", "0.33", "5.00")]
        );
        assert_eq!(totals(&b), row("177.42", "32.58", "210.00"));
    }

    #[test]
    fn negative_lines_are_corrected_last() {
        // A refund line sorts after the positive lines (pretix sorts by -gross).
        let lines = [line("-100.00", "19"), line("100.00", "19"), line("100.00", "19"), line("100.00", "19")];
        let b = tax(&lines, PriceBasis::Gross, TaxRounding::SumByNet);
        // Σ nets -84.03 + 3 × 84.03 = 168.06 → gross round(199.9914) = 199.99; lines say 200.00.
        assert_eq!(rows(&b)[0], row("-84.03", "-15.97", "-100.00"));
        assert_eq!(rows(&b)[1], row("84.03", "15.96", "99.99"));
        assert_eq!(totals(&b), row("168.06", "31.93", "199.99"));
    }

    #[test]
    fn jpy_corrects_by_one_yen() {
        let jpy = Currency::iso("JPY").unwrap();
        let l = TaxLine { amount: Money::parse("1000", jpy).unwrap(), rate: Decimal::from(10) };
        let b = compute_tax(&[l; 3], PriceBasis::Gross, TaxRounding::SumByNetKeepGross, RoundingMode::HalfUp).unwrap();
        // 909 + 91 each; Σ 3000 → net round(2727.27) = 2727 = Σ line nets: nothing to correct.
        assert_eq!(b.net.amount_string(), "2727");
        let b = compute_tax(&[l; 3], PriceBasis::Gross, TaxRounding::SumByNet, RoundingMode::HalfUp).unwrap();
        // Σ nets 2727 → gross round(2999.7) = 3000: nothing to correct either.
        assert_eq!(b.gross.amount_string(), "3000");
        let l = TaxLine { amount: Money::parse("105", jpy).unwrap(), rate: Decimal::from(10) };
        let b = compute_tax(&[l; 3], PriceBasis::Gross, TaxRounding::SumByNet, RoundingMode::HalfUp).unwrap();
        // 95 + 10 each (95.45 → 95); Σ nets 285 → gross round(313.5) = 314, one yen less than 315.
        assert_eq!(b.lines[0].gross.amount_string(), "104");
        assert_eq!(b.gross.amount_string(), "314");
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(compute_tax(&[], PriceBasis::Net, TaxRounding::PerLine, RoundingMode::HalfUp).unwrap_err().code(), "MONEY_INVALID_RATIO");
        let bad = [line("1.00", "-1")];
        assert_eq!(compute_tax(&bad, PriceBasis::Net, TaxRounding::PerLine, RoundingMode::HalfUp).unwrap_err().code(), "MONEY_INVALID_RATE");
        let bad = [line("1.00", "100.01")];
        assert_eq!(compute_tax(&bad, PriceBasis::Net, TaxRounding::PerLine, RoundingMode::HalfUp).unwrap_err().code(), "MONEY_INVALID_RATE");
        let usd = TaxLine { amount: Money::parse("1", Currency::iso("USD").unwrap()).unwrap(), rate: Decimal::ONE };
        assert_eq!(
            compute_tax(&[line("1", "1"), usd], PriceBasis::Net, TaxRounding::PerLine, RoundingMode::HalfUp).unwrap_err().code(),
            "MONEY_CURRENCY_MISMATCH"
        );
    }

    fn mode() -> impl Strategy<Value = RoundingMode> {
        prop_oneof![Just(RoundingMode::HalfUp), Just(RoundingMode::HalfEven), Just(RoundingMode::Down), Just(RoundingMode::Up)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Invariants of every strategy, checked against the per-line values of the same input.
        #[test]
        fn pretix_rounding_invariants(
            raw in prop::collection::vec((-20_000i64..2_000_000, 0usize..8), 1..14),
            gross_basis in any::<bool>(),
            rounding in prop_oneof![Just(TaxRounding::PerLine), Just(TaxRounding::SumByNet), Just(TaxRounding::SumByNetKeepGross)],
            mode in mode(),
            small in any::<bool>(),
        ) {
            const RATES: [&str; 8] = ["0", "5", "7", "7.7", "19", "20", "25", "100"];
            let c = eur();
            let lines: Vec<TaxLine> = raw
                .iter()
                .map(|(m, r)| TaxLine {
                    amount: Money::from_minor(if small { m % 40 } else { *m }, c).unwrap(),
                    rate: RATES[*r].parse().unwrap(),
                })
                .collect();
            let basis = if gross_basis { PriceBasis::Gross } else { PriceBasis::Net };
            let b = compute_tax(&lines, basis, rounding, mode).unwrap();
            let base = compute_tax(&lines, basis, TaxRounding::PerLine, mode).unwrap();
            check_consistent(&b);
            let r = Rounder { currency: c, mode };
            for (i, l) in lines.iter().enumerate() {
                let entered = l.amount.minor_units();
                let (net0, gross0) = (base.lines[i].net.minor_units(), base.lines[i].gross.minor_units());
                // The per-line values are pretix's `TaxRule.tax`.
                match basis {
                    PriceBasis::Gross => prop_assert_eq!((net0, gross0), (r.net_of_gross(entered, l.rate).unwrap(), entered)),
                    PriceBasis::Net => prop_assert_eq!((net0, gross0), (entered, r.gross_of_net(entered, l.rate).unwrap())),
                }
                // A correction is one minor unit on net or on gross, never both.
                let (dn, dg) = (b.lines[i].net.minor_units() - net0, b.lines[i].gross.minor_units() - gross0);
                prop_assert!(dn.abs() + dg.abs() <= 1, "line {} moved by net {} gross {}", i, dn, dg);
                match rounding {
                    TaxRounding::PerLine => prop_assert_eq!((dn, dg), (0, 0)),
                    TaxRounding::SumByNet => prop_assert_eq!(dn, 0, "sum_by_net keeps every net"),
                    TaxRounding::SumByNetKeepGross => {}
                }
            }
            for total in &b.by_rate {
                let group: Vec<usize> = (0..lines.len()).filter(|i| lines[*i].rate.normalize() == total.rate).collect();
                // Free lines (0 / 0) never take a correction, so they count as exhausted.
                let free = |i: usize| base.lines[i].net.is_zero() && base.lines[i].gross.is_zero();
                let all_corrected = group.iter().all(|i| free(*i) || b.lines[*i] != base.lines[*i]);
                let net0: i128 = group.iter().map(|i| base.lines[*i].net.minor_units()).sum();
                let gross0: i128 = group.iter().map(|i| base.lines[*i].gross.minor_units()).sum();
                let (net, gross) = (total.amounts.net.minor_units(), total.amounts.gross.minor_units());
                match rounding {
                    TaxRounding::PerLine => {}
                    TaxRounding::SumByNet => {
                        // The rate's gross follows from its net, unless every line already took a unit.
                        prop_assert!(all_corrected || gross == r.gross_of_net(net, total.rate).unwrap());
                    }
                    TaxRounding::SumByNetKeepGross => {
                        let target_net = r.net_of_gross(gross0, total.rate).unwrap();
                        let target_gross = r.gross_of_net(target_net, total.rate).unwrap();
                        if target_gross == gross0 {
                            // Reachable: every line keeps its gross.
                            for i in &group {
                                prop_assert_eq!(b.lines[*i].gross, base.lines[*i].gross);
                            }
                        }
                        prop_assert!(all_corrected || (net, gross) == (target_net, target_gross),
                            "rate {}: {} / {} instead of {} / {} (from {})", total.rate, net, gross, target_net, target_gross, net0);
                    }
                }
            }
        }
    }
}
