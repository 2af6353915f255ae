//! Cart pricing: several lines (ticket types and add-ons such as parking or merchandise), promo
//! codes per line or per order, fees per line and per order, VAT per line.
//!
//! Per line, in this order (every rounding names its [`RoundingMode`]):
//!
//! 1. `subtotal = unit_price × quantity` (exact).
//! 2. `discount`: the promo code's discount on the lines it applies to (item ids; see
//!    [`PromoScope`] for line / order scope). Order-scope amounts are split over the eligible lines
//!    by subtotal with the largest-remainder allocation, so they sum exactly. A line's discount
//!    never exceeds its subtotal.
//! 3. `fees` (line fees): on **ticket** lines the [`PricingConfig::fees`] (`per_ticket × quantity
//!    + round((subtotal − discount) × percent)`), plus every [`LineFee`] that applies to the line's
//!    item (`per_unit × quantity + round((subtotal − discount) × percent)`).
//! 4. `order_fees` (this line's share of the order fees): each [`OrderFee`] is `amount +
//!    round(Σ (subtotal − discount) × percent)` once per order; their sum is split over the lines
//!    by `subtotal − discount` (by quantity when every line is free), largest remainder first.
//!    This is how the share of order-level fees travels with a line when the line is refunded
//!    ([`crate::ticketing::CartOrder::refund_line`]). The fees take the VAT rate of the lines
//!    they are split onto (pretix's "split" tax rule for fees).
//! 5. VAT with [`compute_tax`] on `subtotal − discount` (plus both fees when `fees_taxable`) at the
//!    line's `tax_rate` (default: [`TaxConfig::rate`](super::pricing::TaxConfig)), with the
//!    configured basis, pretix rounding strategy and mode; `rounding_adjustment` as in
//!    [`super::pricing`].
//!
//! For every line and for the totals, exactly: `total = subtotal − discount + fees + order_fees +
//! (tax if !tax_included) + rounding_adjustment`; totals are the sums of the lines; Σ line
//! `order_fees` = Σ [`CartBreakdown::order_fee_lines`]; nothing is below zero (property-tested).
//! [`super::pricing::price`] is this function on a cart of ticket lines without extra fees.
//!
//! ```
//! use festival_core::ticketing::cart::{price_cart, CartConfig, CartLine, CartPriceRequest, ItemKind, LineFee, OrderFee};
//! use festival_core::ticketing::pricing::{PricingConfig, PromoCode, PromoDiscount, PromoScope};
//! use festival_core::money::tax::{PriceBasis, TaxRounding};
//! use festival_core::{Currency, Money, RoundingMode, Timestamp};
//! use uuid::Uuid;
//! let eur = Currency::iso("EUR")?;
//! let m = |s: &str| Money::parse(s, eur);
//! let (weekend, parking) = (Uuid::from_u128(1), Uuid::from_u128(2));
//! let mut config = CartConfig::new(PricingConfig::new(eur, "7".parse().unwrap(), PriceBasis::Gross, TaxRounding::PerLine));
//! config.pricing.fees.per_ticket = m("2.00")?;                 // service fee per ticket
//! config.order_fees.push(OrderFee { name: "booking".into(), amount: m("1.50")?, percent: 0.into(), rounding: RoundingMode::HalfUp });
//! let promo = PromoCode {
//!     code: "CREW".into(), discount: PromoDiscount::FixedAmount { amount: m("10.00")? },
//!     max_uses: Some(50), used: 0, expires_at: None, min_quantity: 0,
//!     ticket_type_ids: vec![weekend], valid_from: None, scope: Some(PromoScope::Line),
//! };
//! let line = |id: u128, item, kind, price: &str, quantity, rate: Option<&str>| -> Result<CartLine, festival_core::Error> {
//!     Ok(CartLine { line_id: Uuid::from_u128(id), item_id: item, kind, unit_price: m(price)?, quantity,
//!                   tax_rate: rate.map(|r| r.parse().unwrap()) })
//! };
//! let request = CartPriceRequest {
//!     lines: vec![line(10, weekend, ItemKind::Ticket, "149.00", 2, None)?,
//!                 line(11, parking, ItemKind::AddOn, "20.00", 1, Some("19"))?],
//!     promo_code: Some("crew".into()),
//!     at: Timestamp::from_unix_millis(1_780_000_000_000)?,
//! };
//! let b = price_cart(&request, &config, &[promo])?;
//! assert_eq!(b.lines[0].discount.amount_string(), "20.00");        // 10.00 off each weekend ticket
//! assert_eq!(b.lines[0].fees.amount_string(), "4.00");             // no service fee on parking
//! // the 1.50 booking fee is split by line amount after discount: 278.00 : 20.00
//! assert_eq!((b.lines[0].order_fees.amount_string(), b.lines[1].order_fees.amount_string()), ("1.40".into(), "0.10".into()));
//! assert_eq!(b.total.amount_string(), "303.50");
//! assert_eq!(b.tax.amount_string(), "21.75");                       // 7 % of 283.40 + 19 % of 20.10
//! # Ok::<(), festival_core::Error>(())
//! ```

use super::pricing::{PricingConfig, PromoCode, PromoDiscount, PromoScope, MAX_LINES, MAX_PROMO_CODE_LEN};
use super::TicketingError;
use crate::error::Error;
use crate::money::tax::{compute_tax, PriceBasis, RateTotal, TaxLine};
use crate::money::{Currency, Money, RoundingMode};
use crate::time::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Most line fees or order fees in one configuration.
pub const MAX_FEES: usize = 32;

/// What a cart line sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A ticket type (tickets are issued on fulfilment; the per-ticket service fee applies).
    #[default]
    Ticket,
    /// A product that is not a ticket: parking, merchandise, a locker, a camping upgrade.
    AddOn,
}

/// One line of a cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartLine {
    /// The caller's id of the line, unique in the cart (refunds name it).
    pub line_id: Uuid,
    /// The ticket type or add-on.
    pub item_id: Uuid,
    /// Ticket or add-on (default: ticket).
    #[serde(default)]
    pub kind: ItemKind,
    /// Unit price (gross or net according to the tax basis), not negative.
    pub unit_price: Money,
    /// Quantity, at least 1.
    pub quantity: u32,
    /// VAT rate of this line in percent (`None`: the configuration's rate).
    #[serde(default, with = "rust_decimal::serde::str_option", skip_serializing_if = "Option::is_none")]
    pub tax_rate: Option<Decimal>,
}

/// A fee charged on each line it applies to (e.g. a parking handling fee per car).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineFee {
    /// What the fee is called on the receipt.
    pub name: String,
    /// Amount per unit of the line.
    pub per_unit: Money,
    /// Percentage (`0..=100`) of the line after discount.
    #[serde(with = "rust_decimal::serde::str")]
    pub percent: Decimal,
    /// Rounding of the percentage.
    pub rounding: RoundingMode,
    /// Items it applies to (empty: every line).
    #[serde(default)]
    pub item_ids: Vec<Uuid>,
}

impl LineFee {
    /// Whether the fee applies to item `id`.
    pub fn applies_to(&self, id: Uuid) -> bool {
        self.item_ids.is_empty() || self.item_ids.contains(&id)
    }
}

/// A fee charged once per order (booking fee, payment fee), split onto the lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderFee {
    /// What the fee is called on the receipt.
    pub name: String,
    /// Fixed amount per order.
    pub amount: Money,
    /// Percentage (`0..=100`) of the order after discount (Σ line `subtotal − discount`).
    #[serde(with = "rust_decimal::serde::str")]
    pub percent: Decimal,
    /// Rounding of the percentage.
    pub rounding: RoundingMode,
}

/// How a shop prices carts: the single-type [`PricingConfig`] plus line and order fees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartConfig {
    /// Currency, per-ticket service fees (ticket lines only), fees taxable, VAT, discount rounding.
    pub pricing: PricingConfig,
    /// Fees per line.
    #[serde(default)]
    pub line_fees: Vec<LineFee>,
    /// Fees per order.
    #[serde(default)]
    pub order_fees: Vec<OrderFee>,
}

impl CartConfig {
    /// `pricing` without line or order fees.
    pub fn new(pricing: PricingConfig) -> CartConfig {
        CartConfig { pricing, line_fees: Vec::new(), order_fees: Vec::new() }
    }

    fn validate(&self) -> Result<(), Error> {
        self.pricing.validate()?;
        let c = self.pricing.currency;
        let bad = |field: String, reason: &str| -> Error {
            TicketingError::PricingInvalidConfig { field, reason: reason.into() }.into()
        };
        if self.line_fees.len() > MAX_FEES || self.order_fees.len() > MAX_FEES {
            return Err(bad("fees".into(), "at most 32 line fees and 32 order fees"));
        }
        let fees = self
            .line_fees
            .iter()
            .enumerate()
            .map(|(i, f)| (format!("line_fees[{i}]"), &f.name, f.per_unit, f.percent))
            .chain(
                self.order_fees
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (format!("order_fees[{i}]"), &f.name, f.amount, f.percent)),
            );
        for (field, name, amount, percent) in fees {
            if name.trim().is_empty()
                || name.chars().count() > super::types::MAX_TEXT
                || name.chars().any(char::is_control)
            {
                return Err(bad(field, "the name must be 1..=128 characters without control characters"));
            }
            if amount.currency() != c || amount.is_negative() {
                return Err(bad(field, "the amount must be zero or more, in the pricing currency"));
            }
            if !percent_ok(percent) {
                return Err(bad(field, "the percentage must be within 0..=100"));
            }
        }
        Ok(())
    }
}

pub(crate) fn percent_ok(p: Decimal) -> bool {
    (p.is_zero() || !p.is_sign_negative()) && p <= Decimal::ONE_HUNDRED
}

/// What to price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartPriceRequest {
    /// Lines, at least one, line ids unique.
    pub lines: Vec<CartLine>,
    /// The promo code the customer entered, if any.
    #[serde(default)]
    pub promo_code: Option<String>,
    /// When (for the promo code's validity window).
    pub at: Timestamp,
}

/// One priced cart line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedCartLine {
    /// The line id.
    pub line_id: Uuid,
    /// The ticket type or add-on.
    pub item_id: Uuid,
    /// Ticket or add-on.
    pub kind: ItemKind,
    /// Quantity.
    pub quantity: u32,
    /// Unit price.
    pub unit_price: Money,
    /// The VAT rate applied, in percent.
    #[serde(with = "rust_decimal::serde::str")]
    pub tax_rate: Decimal,
    /// `unit_price × quantity`.
    pub subtotal: Money,
    /// Promo discount on this line (its share of an order-scope discount included).
    pub discount: Money,
    /// Line fees (per-ticket service fee and [`LineFee`]s).
    pub fees: Money,
    /// This line's share of the order fees.
    pub order_fees: Money,
    /// VAT on this line (included in the total when `tax_included`).
    pub tax: Money,
    /// What the tax strategy moved on this line (see [`super::pricing`]).
    pub rounding_adjustment: Money,
    /// What the customer pays for this line; what a refund of the whole line gives back.
    pub total: Money,
}

/// One order fee as charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedFee {
    /// Its name.
    pub name: String,
    /// Its amount.
    pub amount: Money,
}

/// The result of [`price_cart`]; see the module docs for the identities it satisfies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartBreakdown {
    /// Per line, in request order.
    pub lines: Vec<PricedCartLine>,
    /// Σ line subtotals.
    pub subtotal: Money,
    /// Σ line discounts.
    pub discount: Money,
    /// Σ line fees.
    pub fees: Money,
    /// Σ order fees (= Σ line shares).
    pub order_fees: Money,
    /// The order fees one by one.
    pub order_fee_lines: Vec<AppliedFee>,
    /// Σ line VAT.
    pub tax: Money,
    /// VAT per rate (ascending): net, tax and gross of the taxed amounts.
    pub taxes: Vec<RateTotal>,
    /// True for gross prices (VAT is part of the total, not added to it).
    pub tax_included: bool,
    /// Σ line rounding adjustments.
    pub rounding_adjustment: Money,
    /// What the customer pays.
    pub total: Money,
    /// The promo code applied (as defined, not as typed).
    pub promo_code: Option<String>,
}

fn sum(c: Currency, it: impl Iterator<Item = Money>) -> Result<Money, Error> {
    let v: Vec<Money> = it.collect();
    Ok(Money::sum(c, &v)?)
}

/// Prices a cart (see the module docs). `promos` is the list the entered code is looked up in.
/// Errors: `PRICING_EMPTY_ORDER`, `PRICING_INVALID_QUANTITY`, `PRICING_DUPLICATE_LINE`,
/// `PRICING_INVALID_CONFIG` (config, fees, a negative or foreign unit price, a tax rate outside
/// 0..=100), `PROMO_*` (see [`PromoCode::check`]), money errors (overflow).
pub fn price_cart(
    request: &CartPriceRequest,
    config: &CartConfig,
    promos: &[PromoCode],
) -> Result<CartBreakdown, Error> {
    config.validate()?;
    let pc = &config.pricing;
    let c = pc.currency;
    if request.lines.is_empty() {
        return Err(TicketingError::EmptyOrder {}.into());
    }
    if request.lines.len() > MAX_LINES {
        return Err(TicketingError::PricingInvalidConfig {
            field: "lines".into(),
            reason: format!("at most {MAX_LINES} lines"),
        }
        .into());
    }
    let mut ids = BTreeSet::new();
    for l in &request.lines {
        if l.quantity == 0 {
            return Err(TicketingError::PricingInvalidQuantity { ticket_type_id: l.item_id, quantity: 0 }.into());
        }
        if l.unit_price.currency() != c || l.unit_price.is_negative() {
            return Err(TicketingError::PricingInvalidConfig {
                field: "unit_price".into(),
                reason: format!("{} must be zero or more {}", l.unit_price, c.code()),
            }
            .into());
        }
        if l.tax_rate.is_some_and(|r| !percent_ok(r)) {
            return Err(TicketingError::PricingInvalidConfig {
                field: "tax_rate".into(),
                reason: "must be within 0..=100".into(),
            }
            .into());
        }
        if !ids.insert(l.line_id) {
            return Err(TicketingError::PricingDuplicateLine { line_id: l.line_id }.into());
        }
    }
    let promo = match &request.promo_code {
        None => None,
        Some(entered) => {
            let p = promos.iter().find(|p| p.code.eq_ignore_ascii_case(entered)).ok_or_else(|| {
                TicketingError::PromoUnknown { code: entered.chars().take(MAX_PROMO_CODE_LEN).collect() }
            })?;
            p.validate(c)?;
            p.check_items(request.lines.iter().map(|l| (l.item_id, l.quantity)), request.at)?;
            Some(p)
        }
    };

    let n = request.lines.len();
    let subtotals: Vec<Money> =
        request.lines.iter().map(|l| l.unit_price.checked_mul_qty(u64::from(l.quantity))).collect::<Result<_, _>>()?;
    let eligible: Vec<bool> = request.lines.iter().map(|l| promo.is_some_and(|p| p.applies_to(l.item_id))).collect();
    let quantities: Vec<u32> = request.lines.iter().map(|l| l.quantity).collect();
    let discounts = discounts(c, &subtotals, &quantities, &eligible, promo, pc.discount_rounding)?;

    let mut after = Vec::with_capacity(n);
    let mut fees = Vec::with_capacity(n);
    for (i, l) in request.lines.iter().enumerate() {
        let a = subtotals[i].checked_sub(&discounts[i])?;
        let qty = u64::from(l.quantity);
        let mut f = Money::zero(c);
        if l.kind == ItemKind::Ticket {
            f = pc
                .fees
                .per_ticket
                .checked_mul_qty(qty)?
                .checked_add(&a.percentage(pc.fees.percent, pc.fees.rounding)?)?;
        }
        for lf in config.line_fees.iter().filter(|lf| lf.applies_to(l.item_id)) {
            f = f
                .checked_add(&lf.per_unit.checked_mul_qty(qty)?)?
                .checked_add(&a.percentage(lf.percent, lf.rounding)?)?;
        }
        after.push(a);
        fees.push(f);
    }
    let after_total = sum(c, after.iter().copied())?;
    let mut order_fee_lines = Vec::with_capacity(config.order_fees.len());
    for of in &config.order_fees {
        let amount = of.amount.checked_add(&after_total.percentage(of.percent, of.rounding)?)?;
        order_fee_lines.push(AppliedFee { name: of.name.clone(), amount });
    }
    let order_fee_total = sum(c, order_fee_lines.iter().map(|f| f.amount))?;
    let shares = if order_fee_total.is_zero() {
        vec![Money::zero(c); n]
    } else if after_total.is_zero() {
        order_fee_total.allocate(&quantities.iter().map(|q| Decimal::from(*q)).collect::<Vec<_>>())?
    } else {
        order_fee_total.allocate(&after.iter().map(Money::amount).collect::<Vec<_>>())?
    };

    let rates: Vec<Decimal> = request.lines.iter().map(|l| l.tax_rate.unwrap_or(pc.tax.rate)).collect();
    let mut taxable = Vec::with_capacity(n);
    for i in 0..n {
        taxable.push(if pc.fees_taxable { after[i].checked_add(&fees[i])?.checked_add(&shares[i])? } else { after[i] });
    }
    let tax_lines: Vec<TaxLine> = taxable.iter().zip(&rates).map(|(t, r)| TaxLine { amount: *t, rate: *r }).collect();
    let taxed = compute_tax(&tax_lines, pc.tax.basis, pc.tax.rounding, pc.tax.mode)?;
    let included = pc.tax.basis == PriceBasis::Gross;

    let mut lines = Vec::with_capacity(n);
    for (i, l) in request.lines.iter().enumerate() {
        let t = taxed.lines.get(i).copied().ok_or_else(|| TicketingError::PricingInvalidConfig {
            field: "tax".into(),
            reason: "tax lines do not match the order lines".into(),
        })?;
        let adjustment = if included { t.gross.checked_sub(&taxable[i])? } else { t.net.checked_sub(&taxable[i])? };
        let untaxed = if pc.fees_taxable { Money::zero(c) } else { fees[i].checked_add(&shares[i])? };
        lines.push(PricedCartLine {
            line_id: l.line_id,
            item_id: l.item_id,
            kind: l.kind,
            quantity: l.quantity,
            unit_price: l.unit_price,
            tax_rate: rates[i],
            subtotal: subtotals[i],
            discount: discounts[i],
            fees: fees[i],
            order_fees: shares[i],
            tax: t.tax,
            rounding_adjustment: adjustment,
            total: t.gross.checked_add(&untaxed)?,
        });
    }
    let b = CartBreakdown {
        subtotal: sum(c, lines.iter().map(|l| l.subtotal))?,
        discount: sum(c, lines.iter().map(|l| l.discount))?,
        fees: sum(c, lines.iter().map(|l| l.fees))?,
        order_fees: sum(c, lines.iter().map(|l| l.order_fees))?,
        order_fee_lines,
        tax: sum(c, lines.iter().map(|l| l.tax))?,
        taxes: taxed.by_rate,
        tax_included: included,
        rounding_adjustment: sum(c, lines.iter().map(|l| l.rounding_adjustment))?,
        total: sum(c, lines.iter().map(|l| l.total))?,
        promo_code: promo.map(|p| p.code.clone()),
        lines,
    };
    if b.total.is_negative() || b.lines.iter().any(|l| l.total.is_negative() || l.tax.is_negative()) {
        return Err(TicketingError::PricingInvalidConfig {
            field: "total".into(),
            reason: "the configuration produced a negative amount".into(),
        }
        .into());
    }
    Ok(b)
}

fn discounts(
    c: Currency,
    subtotals: &[Money],
    quantities: &[u32],
    eligible: &[bool],
    promo: Option<&PromoCode>,
    mode: RoundingMode,
) -> Result<Vec<Money>, Error> {
    let zero = vec![Money::zero(c); subtotals.len()];
    let Some(promo) = promo else { return Ok(zero) };
    let per_line = |f: &dyn Fn(&Money, u32) -> Result<Money, Error>| -> Result<Vec<Money>, Error> {
        subtotals
            .iter()
            .zip(quantities)
            .zip(eligible)
            .map(|((s, q), e)| if *e { Ok(f(s, *q)?.min(s)?) } else { Ok(Money::zero(c)) })
            .collect()
    };
    let eligible_total = || sum(c, subtotals.iter().zip(eligible).filter(|(_, e)| **e).map(|(s, _)| *s));
    let split = |off: Money| -> Result<Vec<Money>, Error> {
        if off.is_zero() {
            return Ok(zero.clone());
        }
        let weights: Vec<Decimal> =
            subtotals.iter().zip(eligible).map(|(s, e)| if *e { s.amount() } else { Decimal::ZERO }).collect();
        Ok(off.allocate(&weights)?)
    };
    match (&promo.discount, promo.effective_scope()) {
        (PromoDiscount::Percentage { percent }, PromoScope::Line) => {
            per_line(&|s, _| Ok(s.percentage(*percent, mode)?))
        }
        (PromoDiscount::Percentage { percent }, PromoScope::Order) => {
            let total = eligible_total()?;
            split(total.percentage(*percent, mode)?.min(&total)?)
        }
        (PromoDiscount::FixedAmount { amount }, PromoScope::Line) => {
            per_line(&|_, q| Ok(amount.checked_mul_qty(u64::from(q))?))
        }
        (PromoDiscount::FixedAmount { amount }, PromoScope::Order) => split(amount.min(&eligible_total()?)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::money::tax::TaxRounding;
    use crate::test_util::{eur, m};

    fn line(id: u128, item: u128, kind: ItemKind, p: &str, q: u32, rate: Option<&str>) -> CartLine {
        CartLine {
            line_id: Uuid::from_u128(id),
            item_id: Uuid::from_u128(item),
            kind,
            unit_price: m(p),
            quantity: q,
            tax_rate: rate.map(|r| r.parse().unwrap()),
        }
    }
    fn req(lines: Vec<CartLine>, code: Option<&str>) -> CartPriceRequest {
        CartPriceRequest { lines, promo_code: code.map(String::from), at: Timestamp::from_unix_millis(1000).unwrap() }
    }
    fn promo(d: PromoDiscount, scope: Option<PromoScope>, items: &[u128]) -> PromoCode {
        PromoCode {
            code: "P".into(),
            discount: d,
            max_uses: None,
            used: 0,
            expires_at: None,
            min_quantity: 0,
            ticket_type_ids: items.iter().map(|i| Uuid::from_u128(*i)).collect(),
            valid_from: None,
            scope,
        }
    }
    fn cfg(basis: PriceBasis) -> CartConfig {
        CartConfig::new(PricingConfig::new(eur(), "19".parse().unwrap(), basis, TaxRounding::PerLine))
    }
    fn pct(p: &str) -> PromoDiscount {
        PromoDiscount::Percentage { percent: p.parse().unwrap() }
    }

    #[test]
    fn order_scope_percentage_rounds_once_and_splits_exactly() {
        let lines = vec![
            line(1, 1, ItemKind::Ticket, "0.05", 1, None),
            line(2, 1, ItemKind::Ticket, "0.05", 1, None),
            line(3, 1, ItemKind::Ticket, "0.05", 1, None),
        ];
        // 10 % of each 0.05 is 0.005 -> 0.00 half-even; of the order 0.15 it is 0.015 -> 0.02.
        let per_line =
            price_cart(&req(lines.clone(), Some("p")), &cfg(PriceBasis::Gross), &[promo(pct("10"), None, &[])])
                .unwrap();
        assert_eq!(per_line.discount, m("0.00"));
        let order = promo(pct("10"), Some(PromoScope::Order), &[]);
        let b = price_cart(&req(lines, Some("p")), &cfg(PriceBasis::Gross), &[order]).unwrap();
        assert_eq!(b.discount, m("0.02"));
        let d: Vec<String> = b.lines.iter().map(|l| l.discount.amount_string()).collect();
        assert_eq!(d, ["0.01", "0.01", "0.00"]);
    }

    #[test]
    fn fixed_line_scope_is_per_unit_and_restricted_to_items() {
        let lines = vec![line(1, 1, ItemKind::Ticket, "30.00", 3, None), line(2, 2, ItemKind::AddOn, "8.00", 2, None)];
        let p = promo(PromoDiscount::FixedAmount { amount: m("5.00") }, Some(PromoScope::Line), &[1]);
        let b = price_cart(&req(lines.clone(), Some("P")), &cfg(PriceBasis::Gross), &[p]).unwrap();
        assert_eq!((b.lines[0].discount, b.lines[1].discount), (m("15.00"), m("0.00")));
        // Capped at the line subtotal.
        let p = promo(PromoDiscount::FixedAmount { amount: m("9.00") }, Some(PromoScope::Line), &[2]);
        let b = price_cart(&req(lines, Some("P")), &cfg(PriceBasis::Gross), &[p]).unwrap();
        assert_eq!(b.lines[1].discount, m("16.00"));
        assert_eq!(b.lines[1].total, m("0.00"));
    }

    #[test]
    fn fees_per_line_and_per_order_and_vat_per_rate() {
        let mut c = cfg(PriceBasis::Net);
        c.pricing.fees.per_ticket = m("1.00");
        c.line_fees.push(LineFee {
            name: "handling".into(),
            per_unit: m("0.50"),
            percent: Decimal::ZERO,
            rounding: RoundingMode::HalfUp,
            item_ids: vec![Uuid::from_u128(2)],
        });
        c.order_fees.push(OrderFee {
            name: "payment".into(),
            amount: m("0"),
            percent: "2".parse().unwrap(),
            rounding: RoundingMode::HalfUp,
        });
        let lines =
            vec![line(1, 1, ItemKind::Ticket, "40.00", 2, Some("7")), line(2, 2, ItemKind::AddOn, "10.00", 2, None)];
        let b = price_cart(&req(lines, None), &c, &[]).unwrap();
        // line fees: 2.00 on tickets, 1.00 handling on the add-on; payment fee 2 % of 100.00.
        assert_eq!((b.lines[0].fees, b.lines[1].fees), (m("2.00"), m("1.00")));
        assert_eq!(b.order_fee_lines, vec![AppliedFee { name: "payment".into(), amount: m("2.00") }]);
        assert_eq!((b.lines[0].order_fees, b.lines[1].order_fees), (m("1.60"), m("0.40")));
        // 7 % of 83.60 = 5.852 -> 5.85; 19 % of 21.40 = 4.066 -> 4.07 (half-even).
        assert_eq!((b.lines[0].tax, b.lines[1].tax), (m("5.85"), m("4.07")));
        assert_eq!(b.taxes.len(), 2);
        assert_eq!(b.total, m("114.92"));
        assert_eq!(b.order_fees, m("2.00"));
    }

    #[test]
    fn free_cart_takes_order_fees_by_quantity() {
        let mut c = cfg(PriceBasis::Gross);
        c.order_fees.push(OrderFee {
            name: "booking".into(),
            amount: m("1.00"),
            percent: Decimal::ZERO,
            rounding: RoundingMode::HalfUp,
        });
        let lines = vec![line(1, 1, ItemKind::Ticket, "0", 1, None), line(2, 2, ItemKind::AddOn, "0", 2, None)];
        let b = price_cart(&req(lines, None), &c, &[]).unwrap();
        assert_eq!((b.lines[0].order_fees, b.lines[1].order_fees), (m("0.33"), m("0.67")), "largest remainder");
        assert_eq!(b.total, m("1.00"));
    }

    #[test]
    fn bad_carts_have_codes() {
        let c = cfg(PriceBasis::Gross);
        let dup = vec![line(1, 1, ItemKind::Ticket, "1", 1, None), line(1, 2, ItemKind::AddOn, "1", 1, None)];
        assert_eq!(price_cart(&req(dup, None), &c, &[]).unwrap_err().code(), "PRICING_DUPLICATE_LINE");
        let rate = vec![line(1, 1, ItemKind::Ticket, "1", 1, Some("101"))];
        assert_eq!(price_cart(&req(rate, None), &c, &[]).unwrap_err().code(), "PRICING_INVALID_CONFIG");
        let mut bad = c.clone();
        bad.order_fees.push(OrderFee {
            name: "".into(),
            amount: m("1"),
            percent: Decimal::ZERO,
            rounding: RoundingMode::HalfUp,
        });
        let one = vec![line(1, 1, ItemKind::Ticket, "1", 1, None)];
        assert_eq!(price_cart(&req(one.clone(), None), &bad, &[]).unwrap_err().code(), "PRICING_INVALID_CONFIG");
        let early =
            PromoCode { valid_from: Some(Timestamp::from_unix_millis(1001).unwrap()), ..promo(pct("5"), None, &[]) };
        assert_eq!(price_cart(&req(one.clone(), Some("p")), &c, &[early]).unwrap_err().code(), "PROMO_NOT_YET_VALID");
        let open =
            PromoCode { valid_from: Some(Timestamp::from_unix_millis(1000).unwrap()), ..promo(pct("5"), None, &[]) };
        assert!(price_cart(&req(one, Some("p")), &c, &[open]).is_ok());
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::money::tax::TaxRounding;
    use crate::ticketing::pricing::{price, PriceLine, PriceRequest};
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
        /// For any cart: every line and the totals satisfy the breakdown identity, lines sum to
        /// the totals, order-fee shares sum to the order fees, nothing is negative, and a cart of
        /// ticket lines without extra fees prices exactly as `price` (one engine).
        #[test]
        fn cart_breakdown_adds_up(
            lines in prop::collection::vec((0u128..4, any::<bool>(), 0i64..50_000, 1u32..8, prop::option::of(0u32..=25)), 1..6),
            basis in prop_oneof![Just(PriceBasis::Gross), Just(PriceBasis::Net)],
            rounding in prop_oneof![Just(TaxRounding::PerLine), Just(TaxRounding::SumByNet), Just(TaxRounding::SumByNetKeepGross)],
            rate in 0u32..=30, fees_taxable in any::<bool>(), per_ticket in 0i64..300,
            line_fee in (0i64..200, 0u32..500, mode()), order_fee in (0i64..500, 0u32..500, mode()),
            promo in (0u8..3, 0i64..20_000, any::<bool>(), prop::collection::vec(0u128..4, 0..3)),
            modes in (mode(), mode(), mode()),
        ) {
            let c = Currency::iso("EUR").unwrap();
            let money = |minor: i64| Money::from_minor(minor, c).unwrap();
            let mut pricing = PricingConfig::new(c, Decimal::from(rate), basis, rounding);
            pricing.fees.per_ticket = money(per_ticket);
            pricing.fees.rounding = modes.0;
            pricing.tax.mode = modes.1;
            pricing.discount_rounding = modes.2;
            pricing.fees_taxable = fees_taxable;
            let mut config = CartConfig::new(pricing);
            config.line_fees.push(LineFee { name: "l".into(), per_unit: money(line_fee.0), percent: Decimal::new(i64::from(line_fee.1), 2), rounding: line_fee.2, item_ids: vec![Uuid::from_u128(1), Uuid::from_u128(2)] });
            config.order_fees.push(OrderFee { name: "o".into(), amount: money(order_fee.0), percent: Decimal::new(i64::from(order_fee.1), 2), rounding: order_fee.2 });
            let discount = match promo.0 {
                0 => PromoDiscount::Percentage { percent: Decimal::new(promo.1 % 10_001, 2) },
                _ => PromoDiscount::FixedAmount { amount: money(promo.1) },
            };
            let scope = Some(if promo.2 { PromoScope::Line } else { PromoScope::Order });
            let code = PromoCode { code: "P".into(), discount, max_uses: None, used: 0, expires_at: None, min_quantity: 0,
                ticket_type_ids: promo.3.into_iter().map(Uuid::from_u128).collect(), valid_from: None, scope };
            let cart: Vec<CartLine> = lines.iter().enumerate().map(|(i, (item, addon, p, q, r))| CartLine {
                line_id: Uuid::from_u128(i as u128), item_id: Uuid::from_u128(*item),
                kind: if *addon { ItemKind::AddOn } else { ItemKind::Ticket }, unit_price: money(*p), quantity: *q,
                tax_rate: r.map(Decimal::from) }).collect();
            let applicable = cart.iter().any(|l| code.applies_to(l.item_id));
            let request = CartPriceRequest { lines: cart.clone(), promo_code: applicable.then(|| "p".into()), at: Timestamp::from_unix_millis(0).unwrap() };
            let b = price_cart(&request, &config, std::slice::from_ref(&code)).unwrap();
            let parts = |s: Money, d: Money, f: Money, o: Money, t: Money, a: Money| {
                let x = s.checked_sub(&d).unwrap().checked_add(&f).unwrap().checked_add(&o).unwrap().checked_add(&a).unwrap();
                if b.tax_included { x } else { x.checked_add(&t).unwrap() }
            };
            for l in &b.lines {
                prop_assert_eq!(parts(l.subtotal, l.discount, l.fees, l.order_fees, l.tax, l.rounding_adjustment), l.total);
                prop_assert!(!l.total.is_negative() && !l.discount.is_negative() && !l.fees.is_negative() && !l.order_fees.is_negative());
                prop_assert!(l.discount.amount() <= l.subtotal.amount());
            }
            prop_assert_eq!(parts(b.subtotal, b.discount, b.fees, b.order_fees, b.tax, b.rounding_adjustment), b.total);
            let total: Vec<Money> = b.lines.iter().map(|l| l.total).collect();
            prop_assert_eq!(Money::sum(c, &total).unwrap(), b.total);
            let fees: Vec<Money> = b.order_fee_lines.iter().map(|f| f.amount).collect();
            prop_assert_eq!(Money::sum(c, &fees).unwrap(), b.order_fees);

            // The one-type API is the same engine.
            let plain: Vec<PriceLine> = cart.iter().map(|l| PriceLine { ticket_type_id: l.item_id, unit_price: l.unit_price, quantity: l.quantity }).collect();
            let old = price(&PriceRequest { lines: plain, promo_code: None, at: request.at }, &config.pricing, &[]).unwrap();
            let tickets: Vec<CartLine> = cart.iter().map(|l| CartLine { kind: ItemKind::Ticket, tax_rate: None, ..l.clone() }).collect();
            let new = price_cart(&CartPriceRequest { lines: tickets, promo_code: None, at: request.at }, &CartConfig::new(config.pricing), &[]).unwrap();
            prop_assert_eq!((old.total, old.tax, old.fees), (new.total, new.tax, new.fees));
        }
    }
}
