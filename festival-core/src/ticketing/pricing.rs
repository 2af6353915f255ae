//! Order pricing: quantity × unit price, promo codes, service fees and VAT, as an exact breakdown.
//!
//! Per line, in this order (every rounding names its [`RoundingMode`] in [`PricingConfig`]):
//!
//! 1. `subtotal = unit_price × quantity` (exact).
//! 2. `discount`: a percentage code gives `round(subtotal × percent / 100, discount_rounding)` on
//!    each eligible line; a fixed-amount code takes `min(amount, eligible subtotal)` off the order,
//!    split over the eligible lines by subtotal (largest remainder). A line's discount never exceeds
//!    its subtotal.
//! 3. `fees = per_ticket × quantity + round((subtotal − discount) × percent / 100, fees.rounding)`.
//! 4. VAT with [`compute_tax`] on `subtotal − discount` (plus fees when `fees_taxable`), with the
//!    configured [`PriceBasis`], [`TaxRounding`] and rounding mode (pretix's algorithm, see
//!    [`crate::money::tax`]). With net prices the tax is added; with gross prices it is included.
//!    `rounding_adjustment` carries what the tax strategy moved by a minor unit: with gross prices
//!    the taxed gross minus the price tags (`sum_by_net`, or `sum_by_net_keep_gross` when no net
//!    gives the price tags' gross), with net prices the taxed net minus the entered net
//!    (`sum_by_net_keep_gross`, which keeps the grosses and moves nets, as pretix does).
//!
//! For every line and for the totals, exactly:
//! `total = subtotal − discount + fees + (tax if !tax_included) + rounding_adjustment`, totals are
//! the sums of the lines, and no amount is below zero (property-tested).
//!
//! ```
//! use festival_core::ticketing::pricing::{price, PriceLine, PriceRequest, PricingConfig, PromoCode, PromoDiscount};
//! use festival_core::money::tax::{PriceBasis, TaxRounding};
//! use festival_core::{Currency, Money, RoundingMode, Timestamp};
//! use uuid::Uuid;
//! let eur = Currency::iso("EUR")?;
//! let mut config = PricingConfig::new(eur, "19".parse().unwrap(), PriceBasis::Gross, TaxRounding::SumByNetKeepGross);
//! config.fees.per_ticket = Money::parse("1.50", eur)?;
//! let promo = PromoCode {
//!     code: "EARLY10".into(),
//!     discount: PromoDiscount::Percentage { percent: "10".parse().unwrap() },
//!     max_uses: Some(100), used: 3, expires_at: None, min_quantity: 2, ticket_type_ids: vec![],
//!     valid_from: None, scope: None,
//! };
//! let request = PriceRequest {
//!     lines: vec![PriceLine { ticket_type_id: Uuid::from_u128(1), unit_price: Money::parse("59.00", eur)?, quantity: 2 }],
//!     promo_code: Some("early10".into()),
//!     at: Timestamp::from_unix_millis(1_780_000_000_000)?,
//! };
//! let b = price(&request, &config, &[promo])?;
//! assert_eq!(b.subtotal.amount_string(), "118.00");
//! assert_eq!(b.discount.amount_string(), "11.80");
//! assert_eq!(b.fees.amount_string(), "3.00");
//! // 109.20 gross has no net at 19 % (91.76 -> 109.19, 91.77 -> 109.21): like pretix,
//! // sum_by_net_keep_gross moves such a gross by a cent and shows it as rounding_adjustment.
//! assert_eq!(b.rounding_adjustment.amount_string(), "-0.01");
//! assert_eq!(b.total.amount_string(), "109.19");
//! assert_eq!(b.tax.amount_string(), "17.43"); // included in the gross total
//! # Ok::<(), festival_core::Error>(())
//! ```

use super::cart::{price_cart, CartConfig, CartLine, CartPriceRequest, ItemKind};
use super::TicketingError;
use crate::error::Error;
use crate::money::tax::{PriceBasis, TaxRounding};
use crate::money::{Currency, Money, RoundingMode};
use crate::time::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Longest accepted promo code.
pub const MAX_PROMO_CODE_LEN: usize = 64;
/// Most lines in one price request.
pub const MAX_LINES: usize = 1_000;

/// One line of a price request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceLine {
    /// The ticket type (promo codes may be limited to some types).
    pub ticket_type_id: Uuid,
    /// Unit price (gross or net according to the tax basis), not negative.
    pub unit_price: Money,
    /// Quantity, at least 1.
    pub quantity: u32,
}

/// What a promo code takes off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PromoDiscount {
    /// A percentage (`0..=100`) off every eligible line.
    Percentage {
        /// Percent, e.g. `10` for 10 %.
        #[serde(with = "rust_decimal::serde::str")]
        percent: Decimal,
    },
    /// A fixed amount off the order's eligible lines (capped at their subtotal).
    FixedAmount {
        /// The amount.
        amount: Money,
    },
}

/// A promo code and its usage so far (the caller persists `used` and calls
/// [`PromoCode::record_use`] when an order with the code is paid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromoCode {
    /// The code customers type (matched ignoring ASCII case).
    pub code: String,
    /// What it takes off.
    pub discount: PromoDiscount,
    /// Maximum number of uses (`None`: unlimited).
    #[serde(default)]
    pub max_uses: Option<u32>,
    /// Uses so far.
    #[serde(default)]
    pub used: u32,
    /// Usable strictly before this instant (`None`: no expiry).
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    /// Minimum number of eligible tickets in the order (0 or 1: no minimum).
    #[serde(default)]
    pub min_quantity: u32,
    /// Ticket types it applies to (empty: all). In a cart ([`crate::ticketing::cart`]) these are
    /// item ids: ticket types and add-ons.
    #[serde(default)]
    pub ticket_type_ids: Vec<Uuid>,
    /// Usable from this instant on (inclusive; `None`: from the start). Omitted from the JSON when
    /// `None`, so stored codes without it read and write as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<Timestamp>,
    /// Where the discount is computed (`None`: the kind's default, see [`PromoScope`]). Omitted
    /// from the JSON when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<PromoScope>,
}

/// Where a promo discount is computed (pretix: a voucher's "reduce each product" versus a
/// discount on the whole cart).
///
/// | kind | `line` | `order` |
/// | --- | --- | --- |
/// | percentage | `round(line subtotal × percent)` on each eligible line (the default) | `round(Σ eligible subtotals × percent)` once, split over the eligible lines by subtotal |
/// | fixed amount | `amount` off every eligible **unit**, capped at the line subtotal | `min(amount, Σ eligible subtotals)` once, split over the eligible lines by subtotal (the default) |
///
/// Splits use the largest-remainder allocation of [`Money::allocate`], so the line discounts
/// always sum exactly to the order's discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromoScope {
    /// Computed on each eligible line.
    Line,
    /// Computed once on the eligible lines together, then split onto them.
    Order,
}

impl PromoDiscount {
    /// The scope used when a code names none: percentages per line, fixed amounts per order.
    pub fn default_scope(&self) -> PromoScope {
        match self {
            PromoDiscount::Percentage { .. } => PromoScope::Line,
            PromoDiscount::FixedAmount { .. } => PromoScope::Order,
        }
    }
}

impl PromoCode {
    /// Whether the code applies to ticket type `id`.
    pub fn applies_to(&self, id: Uuid) -> bool {
        self.ticket_type_ids.is_empty() || self.ticket_type_ids.contains(&id)
    }

    /// Counts one more use. Errors with `PROMO_EXHAUSTED` if no use is left.
    pub fn record_use(&mut self) -> Result<u32, TicketingError> {
        if let Some(max) = self.max_uses {
            if self.used >= max {
                return Err(TicketingError::PromoExhausted { code: self.code.clone(), max_uses: max, used: self.used });
            }
        }
        self.used = self.used.saturating_add(1);
        Ok(self.used)
    }

    fn invalid(&self, reason: &str) -> TicketingError {
        TicketingError::PromoInvalid { code: self.code.clone(), reason: reason.into() }
    }

    /// Checks the definition against `currency`.
    pub fn validate(&self, currency: Currency) -> Result<(), TicketingError> {
        if self.code.is_empty() || self.code.len() > MAX_PROMO_CODE_LEN || self.code.chars().any(char::is_control) {
            return Err(self.invalid("code must be 1..=64 characters without control characters"));
        }
        match &self.discount {
            PromoDiscount::Percentage { percent } => {
                if percent.is_sign_negative() && !percent.is_zero() || *percent > Decimal::ONE_HUNDRED {
                    return Err(self.invalid("percentage must be within 0..=100"));
                }
            }
            PromoDiscount::FixedAmount { amount } => {
                if amount.currency() != currency {
                    return Err(self.invalid("amount is not in the pricing currency"));
                }
                if amount.is_negative() {
                    return Err(self.invalid("amount must not be negative"));
                }
            }
        }
        Ok(())
    }

    /// The scope this code uses (its own, or the kind's default).
    pub fn effective_scope(&self) -> PromoScope {
        self.scope.unwrap_or_else(|| self.discount.default_scope())
    }

    /// Checks that the code can be used at `at` for `lines` (validity start, expiry, maximum
    /// uses, applicable ticket types, minimum quantity — in that order).
    pub fn check(&self, lines: &[PriceLine], at: Timestamp) -> Result<(), TicketingError> {
        self.check_items(lines.iter().map(|l| (l.ticket_type_id, l.quantity)), at)
    }

    /// [`PromoCode::check`] over `(item id, quantity)` pairs (cart lines).
    pub(crate) fn check_items(
        &self,
        items: impl Iterator<Item = (Uuid, u32)>,
        at: Timestamp,
    ) -> Result<(), TicketingError> {
        if let Some(valid_from) = self.valid_from {
            if at < valid_from {
                return Err(TicketingError::PromoNotYetValid { code: self.code.clone(), valid_from });
            }
        }
        if let Some(expired_at) = self.expires_at {
            if at >= expired_at {
                return Err(TicketingError::PromoExpired { code: self.code.clone(), expired_at });
            }
        }
        if let Some(max) = self.max_uses {
            if self.used >= max {
                return Err(TicketingError::PromoExhausted { code: self.code.clone(), max_uses: max, used: self.used });
            }
        }
        let eligible: Vec<u32> = items.filter(|(id, _)| self.applies_to(*id)).map(|(_, q)| q).collect();
        if eligible.is_empty() {
            return Err(TicketingError::PromoNotApplicable { code: self.code.clone() });
        }
        let qty: u64 = eligible.iter().map(|q| u64::from(*q)).sum();
        if qty < u64::from(self.min_quantity) {
            return Err(TicketingError::PromoMinQuantityNotMet {
                code: self.code.clone(),
                required: self.min_quantity,
                actual: u32::try_from(qty).unwrap_or(u32::MAX),
            });
        }
        Ok(())
    }
}

/// Service fees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeConfig {
    /// Fee per ticket.
    pub per_ticket: Money,
    /// Percentage (`0..=100`) of each line after discount.
    #[serde(with = "rust_decimal::serde::str")]
    pub percent: Decimal,
    /// Rounding of the percentage fee.
    pub rounding: RoundingMode,
}

/// VAT configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxConfig {
    /// VAT rate in percent (`19` for 19 %).
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
    /// Whether prices include VAT.
    pub basis: PriceBasis,
    /// Per-line or per-total rounding strategy.
    pub rounding: TaxRounding,
    /// Rounding mode of the tax computation.
    pub mode: RoundingMode,
}

/// How a shop prices orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricingConfig {
    /// The shop's currency; every amount must be in it.
    pub currency: Currency,
    /// Service fees.
    pub fees: FeeConfig,
    /// Whether VAT applies to the fees too.
    pub fees_taxable: bool,
    /// VAT.
    pub tax: TaxConfig,
    /// Rounding of percentage discounts.
    pub discount_rounding: RoundingMode,
}

impl PricingConfig {
    /// No fees, fees taxable, half-even rounding everywhere, the given VAT.
    pub fn new(currency: Currency, vat_rate: Decimal, basis: PriceBasis, rounding: TaxRounding) -> PricingConfig {
        PricingConfig {
            currency,
            fees: FeeConfig {
                per_ticket: Money::zero(currency),
                percent: Decimal::ZERO,
                rounding: RoundingMode::HalfEven,
            },
            fees_taxable: true,
            tax: TaxConfig { rate: vat_rate, basis, rounding, mode: RoundingMode::HalfEven },
            discount_rounding: RoundingMode::HalfEven,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        let bad = |field: &str, reason: &str| -> Error {
            TicketingError::PricingInvalidConfig { field: field.into(), reason: reason.into() }.into()
        };
        if self.fees.per_ticket.currency() != self.currency {
            return Err(bad("fees.per_ticket", "not in the pricing currency"));
        }
        if self.fees.per_ticket.is_negative() {
            return Err(bad("fees.per_ticket", "must not be negative"));
        }
        let pct = self.fees.percent;
        if pct.is_sign_negative() && !pct.is_zero() || pct > Decimal::ONE_HUNDRED {
            return Err(bad("fees.percent", "must be within 0..=100"));
        }
        let rate = self.tax.rate;
        if rate.is_sign_negative() && !rate.is_zero() || rate > Decimal::ONE_HUNDRED {
            return Err(bad("tax.rate", "must be within 0..=100"));
        }
        Ok(())
    }
}

/// What to price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceRequest {
    /// Lines, at least one.
    pub lines: Vec<PriceLine>,
    /// The promo code the customer entered, if any.
    #[serde(default)]
    pub promo_code: Option<String>,
    /// When (for promo expiry).
    pub at: Timestamp,
}

/// One priced line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    /// The ticket type.
    pub ticket_type_id: Uuid,
    /// Quantity.
    pub quantity: u32,
    /// Unit price.
    pub unit_price: Money,
    /// `unit_price × quantity`.
    pub subtotal: Money,
    /// Promo discount on this line.
    pub discount: Money,
    /// Service fees on this line.
    pub fees: Money,
    /// VAT on this line (included in the total when `tax_included`).
    pub tax: Money,
    /// What the tax strategy moved on this line: gross prices: taxed gross − price tags; net
    /// prices: taxed net − entered net (see the module docs).
    pub rounding_adjustment: Money,
    /// What the customer pays for this line.
    pub total: Money,
}

/// The result of [`price`]; see the module docs for the identities it satisfies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBreakdown {
    /// Per line, in request order.
    pub lines: Vec<PricedLine>,
    /// Σ line subtotals.
    pub subtotal: Money,
    /// Σ line discounts.
    pub discount: Money,
    /// Σ line fees.
    pub fees: Money,
    /// Σ line VAT.
    pub tax: Money,
    /// True for gross prices (VAT is part of the total, not added to it).
    pub tax_included: bool,
    /// Σ line rounding adjustments.
    pub rounding_adjustment: Money,
    /// What the customer pays.
    pub total: Money,
    /// The promo code applied (as defined, not as typed).
    pub promo_code: Option<String>,
}

/// Prices `request` with `config`; `promos` is the list the entered code is looked up in
/// (`PROMO_UNKNOWN` if it is not there). Errors: `PRICING_EMPTY_ORDER`,
/// `PRICING_INVALID_QUANTITY`, `PRICING_INVALID_CONFIG` (also for a unit price that is negative
/// or in another currency), `PROMO_*` (see [`PromoCode::check`]), money errors (overflow).
pub fn price(request: &PriceRequest, config: &PricingConfig, promos: &[PromoCode]) -> Result<PriceBreakdown, Error> {
    // A one-type order is a cart of ticket lines without line or order fees: one engine.
    let lines = request
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| CartLine {
            line_id: Uuid::from_u128(i as u128),
            item_id: l.ticket_type_id,
            kind: ItemKind::Ticket,
            unit_price: l.unit_price,
            quantity: l.quantity,
            tax_rate: None,
        })
        .collect();
    let cart = CartPriceRequest { lines, promo_code: request.promo_code.clone(), at: request.at };
    let b = price_cart(&cart, &CartConfig::new(*config), promos)?;
    Ok(PriceBreakdown {
        lines: b
            .lines
            .into_iter()
            .map(|l| PricedLine {
                ticket_type_id: l.item_id,
                quantity: l.quantity,
                unit_price: l.unit_price,
                subtotal: l.subtotal,
                discount: l.discount,
                fees: l.fees,
                tax: l.tax,
                rounding_adjustment: l.rounding_adjustment,
                total: l.total,
            })
            .collect(),
        subtotal: b.subtotal,
        discount: b.discount,
        fees: b.fees,
        tax: b.tax,
        tax_included: b.tax_included,
        rounding_adjustment: b.rounding_adjustment,
        total: b.total,
        promo_code: b.promo_code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    use crate::test_util::{eur, m};
    fn line(ty: u128, p: &str, q: u32) -> PriceLine {
        PriceLine { ticket_type_id: Uuid::from_u128(ty), unit_price: m(p), quantity: q }
    }
    fn at(ms: i64) -> Timestamp {
        Timestamp::from_unix_millis(ms).unwrap()
    }
    fn req(lines: Vec<PriceLine>, code: Option<&str>) -> PriceRequest {
        PriceRequest { lines, promo_code: code.map(String::from), at: at(1000) }
    }
    fn promo(code: &str, d: PromoDiscount) -> PromoCode {
        PromoCode {
            code: code.into(),
            discount: d,
            max_uses: None,
            used: 0,
            expires_at: None,
            min_quantity: 0,
            ticket_type_ids: vec![],
            valid_from: None,
            scope: None,
        }
    }
    fn cfg(basis: PriceBasis, rounding: TaxRounding) -> PricingConfig {
        PricingConfig::new(eur(), "19".parse().unwrap(), basis, rounding)
    }

    fn check_identities(b: &PriceBreakdown) {
        for l in b
            .lines
            .iter()
            .map(|l| (l.subtotal, l.discount, l.fees, l.tax, l.rounding_adjustment, l.total))
            .chain([(b.subtotal, b.discount, b.fees, b.tax, b.rounding_adjustment, b.total)])
        {
            let (s, d, f, t, a, total) = l;
            let mut expect = s.checked_sub(&d).unwrap().checked_add(&f).unwrap().checked_add(&a).unwrap();
            if !b.tax_included {
                expect = expect.checked_add(&t).unwrap();
            }
            assert_eq!(expect, total);
            for x in [s, d, f, t, total] {
                assert!(!x.is_negative());
            }
            assert!(d.amount() <= s.amount());
        }
    }

    #[test]
    fn net_prices_add_fees_and_tax() {
        let mut c = cfg(PriceBasis::Net, TaxRounding::PerLine);
        c.fees = FeeConfig { per_ticket: m("1.00"), percent: "2.5".parse().unwrap(), rounding: RoundingMode::HalfUp };
        let b = price(&req(vec![line(1, "10.00", 3)], None), &c, &[]).unwrap();
        // fees 3.00 + 0.75; taxable 33.75; tax 6.4125 -> 6.41
        assert_eq!((b.fees, b.tax, b.total), (m("3.75"), m("6.41"), m("40.16")));
        check_identities(&b);
        c.fees_taxable = false;
        let b = price(&req(vec![line(1, "10.00", 3)], None), &c, &[]).unwrap();
        assert_eq!((b.tax, b.total), (m("5.70"), m("39.45")));
        check_identities(&b);
    }

    #[test]
    fn gross_sum_by_net_shows_its_rounding_adjustment() {
        let lines = vec![line(1, "0.99", 1), line(2, "0.99", 1), line(3, "0.99", 1)];
        let b = price(&req(lines.clone(), None), &cfg(PriceBasis::Gross, TaxRounding::SumByNet), &[]).unwrap();
        // pretix: the gross follows from Σ line nets 2.49 -> 2.9631 -> 2.96, the first line pays 0.98.
        assert_eq!((b.subtotal, b.rounding_adjustment, b.total), (m("2.97"), m("-0.01"), m("2.96")));
        assert_eq!((b.lines[0].total, b.lines[0].tax), (m("0.98"), m("0.15")));
        check_identities(&b);
        // 2.97 has no net at 19 % (2.50 -> 2.975 -> 2.98 half-even): pretix moves the gross a cent.
        let b = price(&req(lines, None), &cfg(PriceBasis::Gross, TaxRounding::SumByNetKeepGross), &[]).unwrap();
        assert_eq!((b.rounding_adjustment, b.total, b.tax), (m("0.01"), m("2.98"), m("0.48")));
        check_identities(&b);
        let lines = vec![line(1, "100.00", 1), line(2, "100.00", 1)];
        let b = price(&req(lines, None), &cfg(PriceBasis::Gross, TaxRounding::SumByNetKeepGross), &[]).unwrap();
        assert_eq!((b.rounding_adjustment, b.total, b.tax), (m("0.00"), m("200.00"), m("31.93")));
    }

    #[test]
    fn net_keep_gross_shows_the_moved_net_as_rounding_adjustment() {
        // 0.02 net + 19 % = 0.02 gross per line; Σ gross 0.06 -> net 0.05: the first net drops a cent.
        let lines = vec![line(1, "0.02", 1), line(2, "0.02", 1), line(3, "0.02", 1)];
        let b = price(&req(lines, None), &cfg(PriceBasis::Net, TaxRounding::SumByNetKeepGross), &[]).unwrap();
        assert_eq!((b.lines[0].rounding_adjustment, b.lines[0].tax, b.lines[0].total), (m("-0.01"), m("0.01"), m("0.02")));
        assert_eq!((b.rounding_adjustment, b.tax, b.total), (m("-0.01"), m("0.01"), m("0.06")));
        check_identities(&b);
    }

    #[test]
    fn fixed_promo_is_capped_and_split_over_eligible_lines() {
        let p = PromoCode {
            ticket_type_ids: vec![Uuid::from_u128(1), Uuid::from_u128(2)],
            ..promo("TEN", PromoDiscount::FixedAmount { amount: m("10.00") })
        };
        let lines = vec![line(1, "10.00", 1), line(2, "20.00", 1), line(3, "50.00", 1)];
        let b =
            price(&req(lines, Some("ten")), &cfg(PriceBasis::Gross, TaxRounding::PerLine), std::slice::from_ref(&p))
                .unwrap();
        let d: Vec<String> = b.lines.iter().map(|l| l.discount.amount_string()).collect();
        assert_eq!(d, ["3.33", "6.67", "0.00"]);
        assert_eq!(b.promo_code.as_deref(), Some("TEN"));
        check_identities(&b);
        let big = PromoCode { discount: PromoDiscount::FixedAmount { amount: m("500") }, ..p };
        let b =
            price(&req(vec![line(1, "10.00", 2)], Some("TEN")), &cfg(PriceBasis::Net, TaxRounding::SumByNet), &[big])
                .unwrap();
        assert_eq!((b.discount, b.tax, b.total), (m("20.00"), m("0.00"), m("0.00")));
        check_identities(&b);
    }

    #[test]
    fn promo_restrictions_each_have_a_code() {
        let c = cfg(PriceBasis::Gross, TaxRounding::PerLine);
        let pct = |p: &str| PromoDiscount::Percentage { percent: p.parse().unwrap() };
        let r = req(vec![line(1, "10.00", 2)], Some("X"));
        let err = |p: PromoCode| price(&r, &c, &[p]).unwrap_err().code();
        assert_eq!(price(&r, &c, &[]).unwrap_err().code(), "PROMO_UNKNOWN");
        assert_eq!(err(PromoCode { expires_at: Some(at(1000)), ..promo("X", pct("5")) }), "PROMO_EXPIRED");
        assert_eq!(err(PromoCode { max_uses: Some(3), used: 3, ..promo("X", pct("5")) }), "PROMO_EXHAUSTED");
        assert_eq!(err(PromoCode { min_quantity: 3, ..promo("X", pct("5")) }), "PROMO_MIN_QUANTITY_NOT_MET");
        assert_eq!(
            err(PromoCode { ticket_type_ids: vec![Uuid::from_u128(2)], ..promo("X", pct("5")) }),
            "PROMO_NOT_APPLICABLE"
        );
        assert_eq!(err(promo("X", pct("100.01"))), "PROMO_INVALID");
        assert!(price(
            &r,
            &c,
            &[PromoCode {
                expires_at: Some(at(1001)),
                max_uses: Some(4),
                used: 3,
                min_quantity: 2,
                ..promo("X", pct("100"))
            }]
        )
        .is_ok());
        let mut p = PromoCode { max_uses: Some(1), ..promo("X", pct("5")) };
        assert_eq!(p.record_use().unwrap(), 1);
        assert_eq!(p.record_use().unwrap_err().code(), "PROMO_EXHAUSTED");
    }

    #[test]
    fn bad_requests_are_rejected() {
        let c = cfg(PriceBasis::Gross, TaxRounding::PerLine);
        assert_eq!(price(&req(vec![], None), &c, &[]).unwrap_err().code(), "PRICING_EMPTY_ORDER");
        assert_eq!(price(&req(vec![line(1, "1", 0)], None), &c, &[]).unwrap_err().code(), "PRICING_INVALID_QUANTITY");
        assert_eq!(price(&req(vec![line(1, "-1", 1)], None), &c, &[]).unwrap_err().code(), "PRICING_INVALID_CONFIG");
        let mut bad = c;
        bad.fees.percent = "-1".parse().unwrap();
        assert_eq!(price(&req(vec![line(1, "1", 1)], None), &bad, &[]).unwrap_err().code(), "PRICING_INVALID_CONFIG");
        let usd =
            PriceLine { unit_price: Money::parse("1", Currency::iso("USD").unwrap()).unwrap(), ..line(1, "1", 1) };
        assert_eq!(price(&req(vec![usd], None), &c, &[]).unwrap_err().code(), "PRICING_INVALID_CONFIG");
        let huge = line(1, "792281625142643375935439503.35", u32::MAX);
        assert_eq!(price(&req(vec![huge], None), &c, &[]).unwrap_err().code(), "MONEY_OVERFLOW");
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn mode() -> impl Strategy<Value = RoundingMode> {
        prop_oneof![
            Just(RoundingMode::HalfEven),
            Just(RoundingMode::HalfUp),
            Just(RoundingMode::Down),
            Just(RoundingMode::Up)
        ]
    }

    proptest! {
        /// Totals equal the sum of their parts, lines sum to totals, nothing is below zero.
        #[test]
        fn breakdown_adds_up_and_is_never_negative(
            lines in prop::collection::vec((0u128..4, 0i64..100_000, 1u32..20), 1..6),
            basis in prop_oneof![Just(PriceBasis::Gross), Just(PriceBasis::Net)],
            rounding in prop_oneof![Just(TaxRounding::PerLine), Just(TaxRounding::SumByNet), Just(TaxRounding::SumByNetKeepGross)],
            rate in 0u32..=100, fee_pct in 0u32..=2000, per_ticket in 0i64..500, fees_taxable in any::<bool>(),
            promo_kind in 0u8..3, promo_val in 0i64..200_000, types in prop::collection::vec(0u128..4, 0..3),
            modes in (mode(), mode(), mode()),
        ) {
            let c = Currency::iso("EUR").unwrap();
            let mut config = PricingConfig::new(c, Decimal::from(rate), basis, rounding);
            config.fees = FeeConfig { per_ticket: Money::from_minor(per_ticket, c).unwrap(), percent: Decimal::new(i64::from(fee_pct), 2), rounding: modes.0 };
            config.fees_taxable = fees_taxable;
            config.tax.mode = modes.1;
            config.discount_rounding = modes.2;
            let discount = match promo_kind {
                0 => PromoDiscount::Percentage { percent: Decimal::new(promo_val % 10_001, 2) },
                _ => PromoDiscount::FixedAmount { amount: Money::from_minor(promo_val, c).unwrap() },
            };
            let promo = PromoCode { code: "P".into(), discount, max_uses: None, used: 0, expires_at: None, min_quantity: 0, ticket_type_ids: types.into_iter().map(Uuid::from_u128).collect(), valid_from: None, scope: None };
            let lines: Vec<PriceLine> = lines.into_iter().map(|(t, p, q)| PriceLine { ticket_type_id: Uuid::from_u128(t), unit_price: Money::from_minor(p, c).unwrap(), quantity: q }).collect();
            let applicable = lines.iter().any(|l| promo.applies_to(l.ticket_type_id));
            let request = PriceRequest { lines, promo_code: (promo_kind < 2 && applicable).then(|| "p".to_string()), at: Timestamp::from_unix_millis(0).unwrap() };
            let b = price(&request, &config, &[promo]).unwrap();
            let z = Money::zero(c);
            let parts = |s: Money, d: Money, f: Money, t: Money, a: Money| {
                let x = s.checked_sub(&d).unwrap().checked_add(&f).unwrap().checked_add(&a).unwrap();
                if b.tax_included { x } else { x.checked_add(&t).unwrap() }
            };
            let mut acc = (z, z, z, z, z, z);
            for l in &b.lines {
                prop_assert_eq!(parts(l.subtotal, l.discount, l.fees, l.tax, l.rounding_adjustment), l.total);
                prop_assert!(!l.total.is_negative() && !l.tax.is_negative() && !l.discount.is_negative() && !l.fees.is_negative());
                prop_assert!(l.discount.amount() <= l.subtotal.amount());
                acc = (acc.0.checked_add(&l.subtotal).unwrap(), acc.1.checked_add(&l.discount).unwrap(), acc.2.checked_add(&l.fees).unwrap(),
                       acc.3.checked_add(&l.tax).unwrap(), acc.4.checked_add(&l.rounding_adjustment).unwrap(), acc.5.checked_add(&l.total).unwrap());
            }
            prop_assert_eq!(acc, (b.subtotal, b.discount, b.fees, b.tax, b.rounding_adjustment, b.total));
            prop_assert_eq!(parts(b.subtotal, b.discount, b.fees, b.tax, b.rounding_adjustment), b.total);
            prop_assert!(!b.total.is_negative());
        }
    }
}
