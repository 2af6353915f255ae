//! Orders of several lines (carts): ticket types and add-ons, priced by
//! [`price_cart`](super::cart::price_cart), held in shared quotas, refundable line by line.

use super::cart::{
    percent_ok, price_cart, CartBreakdown, CartConfig, CartLine, CartPriceRequest, ItemKind, PricedCartLine,
};
use super::pricing::PromoCode;
use super::types::check_text;
use super::{
    HoldState, NewTicket, OrderState, QuotaBook, QuotaRequest, TicketBook, TicketEvent, TicketType, TicketingError,
};
use crate::error::Error;
use crate::money::Money;
use crate::time::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// A product that is not a ticket: parking, merchandise, a locker, a camping upgrade. Add-ons
/// are sold in carts next to tickets and may have their own quotas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddOn {
    /// Stable id (distinct from every ticket type id).
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Unit price (gross or net according to the pricing configuration), not negative.
    pub price: Money,
    /// Most units in one order (at least 1).
    pub max_per_order: u32,
    /// Sale opens at this instant (inclusive; `None`: always open).
    #[serde(default)]
    pub sale_from: Option<Timestamp>,
    /// Sale closes at this instant (exclusive; `None`: never closes).
    #[serde(default)]
    pub sale_until: Option<Timestamp>,
}

impl AddOn {
    /// Checks the definition (`TICKET_INVALID` naming the field, like ticket types).
    pub fn validate(&self) -> Result<(), TicketingError> {
        let invalid =
            |field: &str, reason: &str| TicketingError::TicketInvalid { field: field.into(), reason: reason.into() };
        check_text("name", &self.name)?;
        if self.price.is_negative() {
            return Err(invalid("price", "must not be negative"));
        }
        if self.max_per_order == 0 {
            return Err(invalid("max_per_order", "must be at least 1"));
        }
        if let (Some(from), Some(until)) = (self.sale_from, self.sale_until) {
            if from >= until {
                return Err(invalid("sale_until", "sale window must end after it starts"));
            }
        }
        Ok(())
    }

    /// Checks that `quantity` units may be sold in one order at `at`.
    pub fn check_sale(&self, at: Timestamp, quantity: u32) -> Result<(), TicketingError> {
        if quantity == 0 {
            return Err(TicketingError::OrderInvalidQuantity { quantity });
        }
        if quantity > self.max_per_order {
            return Err(TicketingError::MaxPerOrderExceeded { requested: quantity, max: self.max_per_order });
        }
        if let Some(opens_at) = self.sale_from.filter(|f| at < *f) {
            return Err(TicketingError::SaleNotOpen { opens_at });
        }
        if let Some(closed_at) = self.sale_until.filter(|u| at >= *u) {
            return Err(TicketingError::SaleClosed { closed_at });
        }
        Ok(())
    }
}

/// The VAT rate of one item, where it differs from the configuration's rate (e.g. tickets at
/// 7 %, merchandise and parking at 19 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemTaxRate {
    /// The ticket type or add-on.
    pub item_id: Uuid,
    /// Rate in percent.
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
}

/// What a shop sells: ticket types, add-ons, and VAT rates per item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Ticket types.
    pub ticket_types: Vec<TicketType>,
    /// Add-ons.
    #[serde(default)]
    pub add_ons: Vec<AddOn>,
    /// VAT rates that differ from the configuration's rate.
    #[serde(default)]
    pub tax_rates: Vec<ItemTaxRate>,
}

/// One item as a cart line sees it.
enum Item<'a> {
    Ticket(&'a TicketType),
    AddOn(&'a AddOn),
}

impl Catalog {
    /// Checks every definition, that item ids are unique over ticket types and add-ons, and
    /// that tax rates name known items once each, within 0..=100 (`PRICING_INVALID_CONFIG`).
    pub fn validate(&self) -> Result<(), TicketingError> {
        let mut ids = BTreeSet::new();
        for t in &self.ticket_types {
            t.validate()?;
            if !ids.insert(t.id) {
                return Err(TicketingError::DuplicateTicketId { id: t.id });
            }
        }
        for a in &self.add_ons {
            a.validate()?;
            if !ids.insert(a.id) {
                return Err(TicketingError::DuplicateTicketId { id: a.id });
            }
        }
        let mut rated = BTreeSet::new();
        for r in &self.tax_rates {
            if !ids.contains(&r.item_id) || !rated.insert(r.item_id) || !percent_ok(r.rate) {
                return Err(TicketingError::PricingInvalidConfig {
                    field: "tax_rates".into(),
                    reason: format!("item {}: a known item, listed once, with a rate within 0..=100", r.item_id),
                });
            }
        }
        Ok(())
    }

    fn item(&self, id: Uuid) -> Result<Item<'_>, TicketingError> {
        if let Some(t) = self.ticket_types.iter().find(|t| t.id == id) {
            return Ok(Item::Ticket(t));
        }
        self.add_ons.iter().find(|a| a.id == id).map(Item::AddOn).ok_or(TicketingError::UnknownItem { item_id: id })
    }

    fn tax_rate(&self, id: Uuid) -> Option<Decimal> {
        self.tax_rates.iter().find(|r| r.item_id == id).map(|r| r.rate)
    }
}

/// What the customer put in the cart: `quantity` units of `item_id` as line `line_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartItem {
    /// The caller's line id, unique in the cart.
    pub line_id: Uuid,
    /// A ticket type or add-on of the catalog.
    pub item_id: Uuid,
    /// Units, at least 1.
    pub quantity: u32,
}

/// A cart to place as an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartSpec {
    /// The order id (also the id of its quota hold).
    pub id: Uuid,
    /// The lines, at least one.
    pub lines: Vec<CartItem>,
    /// The promo code the customer entered, if any.
    #[serde(default)]
    pub promo_code: Option<String>,
    /// When the order is placed.
    pub now: Timestamp,
    /// When its hold expires (after `now`).
    pub expires_at: Timestamp,
}

/// The tickets issued for one ticket line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineTickets {
    /// The line.
    pub line_id: Uuid,
    /// Its tickets, as many as the line's quantity, in issue order.
    pub ticket_ids: Vec<Uuid>,
}

/// A refund of units of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineRefundRequest {
    /// The caller's id of this refund: repeating it returns the recorded refund, changing nothing.
    pub refund_id: Uuid,
    /// The line.
    pub line_id: Uuid,
    /// Units to refund, at least 1, at most the units not yet refunded.
    pub quantity: u32,
    /// For a ticket line of a fulfilled order: exactly `quantity` of the line's unrefunded
    /// tickets, which are refunded in the ticket book; otherwise empty.
    #[serde(default)]
    pub ticket_ids: Vec<Uuid>,
}

/// A recorded line refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineRefund {
    /// The refund id.
    pub refund_id: Uuid,
    /// The line.
    pub line_id: Uuid,
    /// Units refunded.
    pub quantity: u32,
    /// The amount refunded (see [`CartOrder::refund_line`] for the rule).
    pub amount: Money,
    /// The tickets refunded with it.
    pub ticket_ids: Vec<Uuid>,
    /// When.
    pub at: Timestamp,
}

/// An event applied to a cart order with [`CartOrder::apply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum CartOrderEvent {
    /// Payment of exactly the order total.
    Pay {
        /// Amount paid.
        amount: Money,
        /// When.
        at: Timestamp,
    },
    /// Issue the tickets of every ticket line, in line order.
    Fulfill {
        /// As many tickets as the ticket lines' quantities together.
        tickets: Vec<NewTicket>,
        /// When.
        at: Timestamp,
    },
    /// The hold expired before payment.
    Expire {
        /// When (at or after the order's `expires_at`).
        at: Timestamp,
    },
    /// Cancelled before payment.
    Cancel {
        /// When.
        at: Timestamp,
    },
    /// Refund of units of one line.
    RefundLine {
        /// See [`LineRefundRequest::refund_id`].
        refund_id: Uuid,
        /// The line.
        line_id: Uuid,
        /// Units to refund.
        quantity: u32,
        /// See [`LineRefundRequest::ticket_ids`].
        #[serde(default)]
        ticket_ids: Vec<Uuid>,
        /// When.
        at: Timestamp,
    },
}

/// An order of several lines. Placing it prices the cart ([`price_cart`]) and holds every line
/// in the shared quotas of its item (hold id = order id); paying confirms the hold; expiring or
/// cancelling releases it; fulfilling issues the tickets of the ticket lines; single lines (or
/// some of their units) are refunded with [`CartOrder::refund_line`], which gives the units back
/// to the quotas and refunds their tickets. The state machine is [`OrderState`]'s: `pending →
/// paid → fulfilled`, `pending → expired | cancelled`, `paid | fulfilled | partially_refunded →
/// partially_refunded | refunded` (refunded once every unit of every line is refunded). Every
/// transition checks everything before it changes anything.
///
/// **Refund rule.** A line's refundable amount is its priced `total`: its subtotal minus its
/// discount (its share of an order-scope promo included), plus its line fees and its share of the
/// order fees, with its VAT. Refunding `k` of the line's `n` units gives back the shares of units
/// `r+1 ..= r+k` (`r`: units refunded before) of `total` split into `n` parts as equal as possible,
/// earlier units taking the extra minor units; so refunding every unit, in any steps, gives back
/// exactly the line total, and every line refunded gives back exactly what was paid.
///
/// ```
/// use festival_core::ticketing::cart::{CartConfig, CartLine};
/// use festival_core::ticketing::pricing::PricingConfig;
/// use festival_core::ticketing::{AddOn, Catalog, CartItem, CartOrder, CartSpec, LineRefundRequest, OrderState, Quota, QuotaBook, TicketType};
/// use festival_core::money::tax::{PriceBasis, TaxRounding};
/// use festival_core::{Currency, Money, Timestamp};
/// use uuid::Uuid;
/// let t = |s: &str| s.parse::<Timestamp>().unwrap();
/// let eur = Currency::iso("EUR")?;
/// let day = TicketType {
///     id: Uuid::from_u128(1), name: "Day".into(), price: Money::parse("50", eur)?,
///     capacity: 100, sale_from: t("2026-01-01T00:00:00Z"), sale_until: t("2026-07-04T00:00:00Z"),
///     valid_from: t("2026-07-04T00:00:00Z"), valid_until: t("2026-07-05T00:00:00Z"),
///     max_per_order: 4, zones: vec!["main".into()], reentry_allowed: false, transfer_limit: 1,
/// };
/// let parking = AddOn { id: Uuid::from_u128(2), name: "Parking".into(), price: Money::parse("15", eur)?,
///                       max_per_order: 2, sale_from: None, sale_until: None };
/// let catalog = Catalog { ticket_types: vec![day], add_ons: vec![parking], tax_rates: vec![] };
/// let config = CartConfig::new(PricingConfig::new(eur, "19".parse().unwrap(), PriceBasis::Gross, TaxRounding::PerLine));
/// let mut quotas = QuotaBook::new(vec![
///     Quota { id: Uuid::from_u128(10), name: "Site".into(), size: Some(100), item_ids: vec![Uuid::from_u128(1)] },
///     Quota { id: Uuid::from_u128(11), name: "Parking".into(), size: Some(1), item_ids: vec![Uuid::from_u128(2)] },
/// ])?;
/// let now = t("2026-05-01T10:00:00Z");
/// let spec = CartSpec {
///     id: Uuid::from_u128(9), promo_code: None, now, expires_at: now.plus_millis(900_000),
///     lines: vec![CartItem { line_id: Uuid::from_u128(100), item_id: Uuid::from_u128(1), quantity: 2 },
///                 CartItem { line_id: Uuid::from_u128(101), item_id: Uuid::from_u128(2), quantity: 1 }],
/// };
/// let mut order = CartOrder::place(spec, &catalog, &config, &[], &mut quotas)?;
/// assert_eq!(order.total().amount_string(), "115.00");
/// order.pay(&mut quotas, order.total(), now.plus_millis(60_000))?;
/// let refund = LineRefundRequest { refund_id: Uuid::from_u128(500), line_id: Uuid::from_u128(101), quantity: 1, ticket_ids: vec![] };
/// let r = order.refund_line(refund.clone(), now.plus_millis(120_000), &mut quotas, None)?;
/// assert_eq!(r.amount.amount_string(), "15.00");
/// assert_eq!(order.state(), OrderState::PartiallyRefunded);
/// // Repeating the refund changes nothing; the parking space is on sale again exactly once.
/// assert_eq!(order.refund_line(refund, now.plus_millis(180_000), &mut quotas, None)?, r);
/// assert_eq!(quotas.available(Uuid::from_u128(2), now)?, Some(1));
/// # Ok::<(), festival_core::Error>(())
/// ```
///
/// Deserialization (any serde path) checks the state with [`CartOrder::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CartOrderRepr")]
pub struct CartOrder {
    id: Uuid,
    state: OrderState,
    created_at: Timestamp,
    updated_at: Timestamp,
    expires_at: Timestamp,
    breakdown: CartBreakdown,
    paid: Option<Money>,
    tickets: Vec<LineTickets>,
    refunds: Vec<LineRefund>,
}

/// The serde mirror of [`CartOrder`], checked by `TryFrom`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CartOrderRepr {
    id: Uuid,
    state: OrderState,
    created_at: Timestamp,
    updated_at: Timestamp,
    expires_at: Timestamp,
    breakdown: CartBreakdown,
    paid: Option<Money>,
    tickets: Vec<LineTickets>,
    refunds: Vec<LineRefund>,
}

impl TryFrom<CartOrderRepr> for CartOrder {
    type Error = TicketingError;

    fn try_from(r: CartOrderRepr) -> Result<CartOrder, TicketingError> {
        let o = CartOrder {
            id: r.id,
            state: r.state,
            created_at: r.created_at,
            updated_at: r.updated_at,
            expires_at: r.expires_at,
            breakdown: r.breakdown,
            paid: r.paid,
            tickets: r.tickets,
            refunds: r.refunds,
        };
        o.validate()?;
        Ok(o)
    }
}

fn illegal(state: OrderState, event: &str) -> Error {
    TicketingError::OrderIllegalTransition { state: state.as_str().into(), event: event.into() }.into()
}

/// Σ of the shares of units `from .. from + k` of `total` split into `n` near-equal parts
/// (earlier units get the extra minor units), without materialising the `n` parts.
fn unit_shares(total: Money, n: u32, from: u32, k: u32) -> Result<Money, Error> {
    let minor = total.minor_units();
    let n128 = i128::from(n.max(1));
    let (base, extra) = (minor / n128, minor % n128);
    let (from, to) = (i128::from(from), i128::from(from) + i128::from(k));
    let extras = (to.min(extra) - from.min(extra)).max(0);
    Ok(Money::from_minor_i128(base * i128::from(k) + extras, total.currency())?)
}

impl CartOrder {
    /// Places a cart at `spec.now`: checks the catalog, every line's item (`ORDER_UNKNOWN_ITEM`),
    /// quantity and sale window, the maximum per order of each item over all its lines, prices the
    /// cart with `config` and `promos`, then holds every line in `quotas` until `spec.expires_at`
    /// (all or nothing). Errors: catalog errors, `ORDER_INVALID_QUANTITY`,
    /// `ORDER_MAX_PER_ORDER_EXCEEDED`, `TICKET_SALE_NOT_OPEN` / `TICKET_SALE_CLOSED`, pricing and
    /// `PROMO_*` errors, `QUOTA_NOT_COVERED`, `QUOTA_EXHAUSTED` and the other hold errors.
    pub fn place(
        spec: CartSpec,
        catalog: &Catalog,
        config: &CartConfig,
        promos: &[PromoCode],
        quotas: &mut QuotaBook,
    ) -> Result<CartOrder, Error> {
        catalog.validate()?;
        if spec.lines.is_empty() {
            return Err(TicketingError::EmptyOrder {}.into());
        }
        let mut per_item: BTreeMap<Uuid, u64> = BTreeMap::new();
        let mut lines = Vec::with_capacity(spec.lines.len());
        for l in &spec.lines {
            let item = catalog.item(l.item_id)?;
            let total = per_item.entry(l.item_id).or_default();
            *total += u64::from(l.quantity);
            let total = u32::try_from(*total).unwrap_or(u32::MAX);
            let (kind, price) = match item {
                Item::Ticket(t) => {
                    t.check_sale(spec.now, l.quantity)?;
                    t.check_sale(spec.now, total)?;
                    (ItemKind::Ticket, t.price)
                }
                Item::AddOn(a) => {
                    a.check_sale(spec.now, l.quantity)?;
                    a.check_sale(spec.now, total)?;
                    (ItemKind::AddOn, a.price)
                }
            };
            lines.push(CartLine {
                line_id: l.line_id,
                item_id: l.item_id,
                kind,
                unit_price: price,
                quantity: l.quantity,
                tax_rate: catalog.tax_rate(l.item_id),
            });
        }
        let request = CartPriceRequest { lines, promo_code: spec.promo_code.clone(), at: spec.now };
        let breakdown = price_cart(&request, config, promos)?;
        let holds: Vec<QuotaRequest> = spec
            .lines
            .iter()
            .map(|l| QuotaRequest { line_id: l.line_id, item_id: l.item_id, quantity: l.quantity })
            .collect();
        quotas.reserve(spec.id, &holds, spec.now, spec.expires_at)?;
        Ok(CartOrder {
            id: spec.id,
            state: OrderState::Pending,
            created_at: spec.now,
            updated_at: spec.now,
            expires_at: spec.expires_at,
            breakdown,
            paid: None,
            tickets: Vec::new(),
            refunds: Vec::new(),
        })
    }

    /// The order id (also the id of its quota hold).
    pub fn id(&self) -> Uuid {
        self.id
    }
    /// Current state.
    pub fn state(&self) -> OrderState {
        self.state
    }
    /// When it was placed.
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }
    /// When its state last changed.
    pub fn updated_at(&self) -> Timestamp {
        self.updated_at
    }
    /// When its hold expires.
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
    /// The price breakdown made at placement (lines, fees, VAT per rate, promo code).
    pub fn breakdown(&self) -> &CartBreakdown {
        &self.breakdown
    }
    /// The priced lines.
    pub fn lines(&self) -> &[PricedCartLine] {
        &self.breakdown.lines
    }
    /// Amount due.
    pub fn total(&self) -> Money {
        self.breakdown.total
    }
    /// Amount paid, once paid.
    pub fn paid(&self) -> Option<Money> {
        self.paid
    }
    /// Every line refund, in the order made.
    pub fn refunds(&self) -> &[LineRefund] {
        &self.refunds
    }
    /// The tickets of each ticket line (empty before fulfilment).
    pub fn tickets(&self) -> &[LineTickets] {
        &self.tickets
    }
    /// Σ refunds.
    pub fn refunded(&self) -> Result<Money, Error> {
        let amounts: Vec<Money> = self.refunds.iter().map(|r| r.amount).collect();
        Ok(Money::sum(self.total().currency(), &amounts)?)
    }
    /// What can still be refunded: paid − refunded (zero before payment).
    pub fn refundable(&self) -> Result<Money, Error> {
        match self.paid {
            Some(p) => Ok(p.checked_sub(&self.refunded()?)?),
            None => Ok(Money::zero(self.total().currency())),
        }
    }
    /// Units of line `line_id` refunded so far.
    pub fn refunded_quantity(&self, line_id: Uuid) -> u32 {
        self.refunds.iter().filter(|r| r.line_id == line_id).map(|r| r.quantity).fold(0u32, u32::saturating_add)
    }
    /// What refunding the next `quantity` units of line `line_id` would give back, changing
    /// nothing (the rule in the type's docs). Errors: `ORDER_UNKNOWN_LINE`,
    /// `ORDER_INVALID_QUANTITY`, `ORDER_REFUND_EXCEEDS_LINE`.
    pub fn line_refund_amount(&self, line_id: Uuid, quantity: u32) -> Result<Money, Error> {
        let line = self.line(line_id)?;
        let done = self.refunded_quantity(line_id);
        let remaining = line.quantity.saturating_sub(done);
        if quantity == 0 {
            return Err(TicketingError::OrderInvalidQuantity { quantity }.into());
        }
        if quantity > remaining {
            return Err(TicketingError::RefundExceedsLine { line_id, requested: quantity, remaining }.into());
        }
        unit_shares(line.total, line.quantity, done, quantity)
    }

    fn line(&self, line_id: Uuid) -> Result<&PricedCartLine, TicketingError> {
        self.breakdown.lines.iter().find(|l| l.line_id == line_id).ok_or(TicketingError::UnknownLine { line_id })
    }

    fn ensure_hold(&self, quotas: &QuotaBook) -> Result<(), TicketingError> {
        quotas.hold(self.id).map(|_| ()).ok_or(TicketingError::UnknownHold { hold_id: self.id })
    }

    /// Applies any event; `quotas` and `book` are used by the events that need them (`book` may be
    /// `None` for orders without issued tickets).
    pub fn apply(
        &mut self,
        event: CartOrderEvent,
        quotas: &mut QuotaBook,
        book: Option<&mut TicketBook>,
    ) -> Result<OrderState, Error> {
        match event {
            CartOrderEvent::Pay { amount, at } => self.pay(quotas, amount, at),
            CartOrderEvent::Fulfill { tickets, at } => match book {
                Some(book) => self.fulfill(book, tickets, at),
                None => Err(crate::error::InputError::invalid("book", "fulfilment needs the ticket book").into()),
            },
            CartOrderEvent::Expire { at } => self.expire(quotas, at),
            CartOrderEvent::Cancel { at } => self.cancel(quotas, at),
            CartOrderEvent::RefundLine { refund_id, line_id, quantity, ticket_ids, at } => {
                let refund = LineRefundRequest { refund_id, line_id, quantity, ticket_ids };
                self.refund_line(refund, at, quotas, book).map(|_| self.state)
            }
        }
    }

    /// `pending → paid`: `amount` must equal the total exactly (`ORDER_PAYMENT_MISMATCH`); the
    /// quota hold is confirmed at `at` (an expired hold is `INVENTORY_HOLD_EXPIRED`).
    pub fn pay(&mut self, quotas: &mut QuotaBook, amount: Money, at: Timestamp) -> Result<OrderState, Error> {
        if self.state != OrderState::Pending {
            return Err(illegal(self.state, "pay"));
        }
        if amount != self.total() {
            return Err(TicketingError::PaymentMismatch { expected: self.total(), actual: amount }.into());
        }
        quotas.confirm(self.id, at)?;
        self.paid = Some(amount);
        self.state = OrderState::Paid;
        self.updated_at = at;
        Ok(self.state)
    }

    /// `paid → fulfilled`: issues the tickets of every ticket line in `book`, in line order
    /// (`tickets` must be exactly as many as the ticket lines' quantities together,
    /// `ORDER_TICKET_COUNT_MISMATCH`), all or none. Add-on lines issue nothing.
    pub fn fulfill(
        &mut self,
        book: &mut TicketBook,
        tickets: Vec<NewTicket>,
        at: Timestamp,
    ) -> Result<OrderState, Error> {
        if self.state != OrderState::Paid {
            return Err(illegal(self.state, "fulfill"));
        }
        let ticket_lines: Vec<&PricedCartLine> =
            self.breakdown.lines.iter().filter(|l| l.kind == ItemKind::Ticket).collect();
        let expected: u64 = ticket_lines.iter().map(|l| u64::from(l.quantity)).sum();
        if tickets.len() as u64 != expected {
            return Err(TicketingError::TicketCountMismatch {
                expected: u32::try_from(expected).unwrap_or(u32::MAX),
                actual: u32::try_from(tickets.len()).unwrap_or(u32::MAX),
            }
            .into());
        }
        let mut rest = tickets.into_iter();
        let batches: Vec<(Uuid, Vec<NewTicket>)> =
            ticket_lines.iter().map(|l| (l.item_id, rest.by_ref().take(l.quantity as usize).collect())).collect();
        let issued = book.issue_batches(batches, Some(self.id), at)?;
        self.tickets = ticket_lines
            .iter()
            .zip(issued)
            .map(|(l, ts)| LineTickets { line_id: l.line_id, ticket_ids: ts.iter().map(|t| t.id).collect() })
            .collect();
        self.state = OrderState::Fulfilled;
        self.updated_at = at;
        Ok(self.state)
    }

    /// `pending → expired` at or after `expires_at` (`ORDER_NOT_EXPIRED` before); every due hold's
    /// units go back to their quotas.
    pub fn expire(&mut self, quotas: &mut QuotaBook, at: Timestamp) -> Result<OrderState, Error> {
        if self.state != OrderState::Pending {
            return Err(illegal(self.state, "expire"));
        }
        self.ensure_hold(quotas)?;
        if at < self.expires_at {
            return Err(TicketingError::OrderNotExpired { expires_at: self.expires_at }.into());
        }
        quotas.expire(at);
        self.state = OrderState::Expired;
        self.updated_at = at;
        Ok(self.state)
    }

    /// `pending → cancelled`: the held units go back to their quotas.
    pub fn cancel(&mut self, quotas: &mut QuotaBook, at: Timestamp) -> Result<OrderState, Error> {
        if self.state != OrderState::Pending {
            return Err(illegal(self.state, "cancel"));
        }
        self.ensure_hold(quotas)?;
        if quotas.hold(self.id).is_some_and(|h| h.state == HoldState::Held) {
            quotas.release(self.id)?;
        }
        self.state = OrderState::Cancelled;
        self.updated_at = at;
        Ok(self.state)
    }

    /// Refunds `request.quantity` units of one line at `at` (`paid | fulfilled |
    /// partially_refunded → partially_refunded | refunded`): the amount follows the rule in the
    /// type's docs, the units go back to every quota of the line's item, and for a fulfilled
    /// ticket line the named tickets are refunded in `book` (a checked-in ticket is
    /// `TICKET_ALREADY_USED`). The order is `refunded` once every unit of every line is.
    ///
    /// **Idempotent:** a `refund_id` seen before with the same line, quantity and tickets returns
    /// the recorded refund and changes nothing (whatever the state now); with other details it is
    /// `ORDER_REFUND_CONFLICT`. Other errors: `ORDER_ILLEGAL_TRANSITION`, `ORDER_UNKNOWN_LINE`,
    /// `ORDER_INVALID_QUANTITY`, `ORDER_REFUND_EXCEEDS_LINE`, `ORDER_TICKET_COUNT_MISMATCH` (ticket
    /// count is not `quantity`, or tickets named where none were issued),
    /// `ORDER_TICKET_NOT_IN_LINE`, ticket and hold errors.
    pub fn refund_line(
        &mut self,
        request: LineRefundRequest,
        at: Timestamp,
        quotas: &mut QuotaBook,
        book: Option<&mut TicketBook>,
    ) -> Result<LineRefund, Error> {
        if let Some(done) = self.refunds.iter().find(|r| r.refund_id == request.refund_id) {
            if done.line_id == request.line_id
                && done.quantity == request.quantity
                && done.ticket_ids == request.ticket_ids
            {
                return Ok(done.clone());
            }
            return Err(TicketingError::RefundConflict { refund_id: request.refund_id }.into());
        }
        if !matches!(self.state, OrderState::Paid | OrderState::Fulfilled | OrderState::PartiallyRefunded) {
            return Err(illegal(self.state, "refund_line"));
        }
        let line_id = request.line_id;
        let amount = self.line_refund_amount(line_id, request.quantity)?;
        let issued = self.tickets.iter().find(|t| t.line_id == line_id).map(|t| t.ticket_ids.as_slice());
        let expected = if issued.is_some() { request.quantity } else { 0 };
        if request.ticket_ids.len() as u64 != u64::from(expected) {
            return Err(TicketingError::TicketCountMismatch {
                expected,
                actual: u32::try_from(request.ticket_ids.len()).unwrap_or(u32::MAX),
            }
            .into());
        }
        let before: BTreeSet<Uuid> =
            self.refunds.iter().filter(|r| r.line_id == line_id).flat_map(|r| r.ticket_ids.iter().copied()).collect();
        let mut named = BTreeSet::new();
        for t in &request.ticket_ids {
            let of_line = issued.is_some_and(|ids| ids.contains(t));
            if !of_line || before.contains(t) || !named.insert(*t) {
                return Err(TicketingError::TicketNotInLine { ticket_id: *t, line_id }.into());
            }
        }
        if !request.ticket_ids.is_empty() {
            let Some(b) = book.as_deref() else {
                return Err(crate::error::InputError::invalid(
                    "book",
                    "refunding issued tickets needs the ticket book",
                )
                .into());
            };
            for t in &request.ticket_ids {
                b.next_state(*t, TicketEvent::Refund)?;
            }
        }
        // Everything is checked; the quota refund checks the hold and cannot fail after it.
        quotas.refund_line(self.id, line_id, request.quantity)?;
        if let Some(b) = book {
            for t in &request.ticket_ids {
                b.apply(*t, TicketEvent::Refund, at)?;
            }
        }
        let refund = LineRefund {
            refund_id: request.refund_id,
            line_id,
            quantity: request.quantity,
            amount,
            ticket_ids: request.ticket_ids,
            at,
        };
        self.refunds.push(refund.clone());
        let all = self.breakdown.lines.iter().all(|l| self.refunded_quantity(l.line_id) >= l.quantity);
        self.state = if all { OrderState::Refunded } else { OrderState::PartiallyRefunded };
        self.updated_at = at;
        Ok(refund)
    }

    /// Checks stored state (run by every deserialization), naming the first broken rule with
    /// `ORDER_STATE_INVALID`: the breakdown's lines have distinct ids, positive quantities and
    /// sum to its total; a payment exactly when the state is after payment, equal to the total;
    /// tickets only after fulfilment, one entry per ticket line with its quantity of distinct
    /// tickets; refunds only after payment, with distinct ids, each of a known line, never more
    /// units than the line has, amounts following the refund rule; `refunded` exactly when every
    /// unit is refunded, `partially_refunded` exactly when some are.
    pub fn validate(&self) -> Result<(), TicketingError> {
        use OrderState as S;
        let bad = |reason: &str| Err(TicketingError::OrderStateInvalid { reason: reason.into() });
        let b = &self.breakdown;
        let c = b.total.currency();
        let mut ids = BTreeSet::new();
        if b.lines.is_empty() || b.lines.iter().any(|l| l.quantity == 0 || !ids.insert(l.line_id)) {
            return bad("the lines are empty, repeat a line id or have quantity 0");
        }
        let totals: Vec<Money> = b.lines.iter().map(|l| l.total).collect();
        if b.lines.iter().any(|l| l.total.currency() != c || l.total.is_negative())
            || Money::sum(c, &totals).ok() != Some(b.total)
        {
            return bad("the line totals do not sum to the order total");
        }
        let after_payment = matches!(self.state, S::Paid | S::Fulfilled | S::PartiallyRefunded | S::Refunded);
        match (after_payment, self.paid) {
            (true, None) | (false, Some(_)) => return bad("the payment does not match the order state"),
            (true, Some(p)) if p != b.total => return bad("the payment is not the order total"),
            _ => {}
        }
        let ticket_lines: Vec<&PricedCartLine> = b.lines.iter().filter(|l| l.kind == ItemKind::Ticket).collect();
        let fulfilled_ok = self.tickets.len() == ticket_lines.len()
            && self
                .tickets
                .iter()
                .zip(&ticket_lines)
                .all(|(t, l)| t.line_id == l.line_id && t.ticket_ids.len() as u64 == u64::from(l.quantity));
        let tickets_ok = match self.state {
            S::Pending | S::Expired | S::Cancelled | S::Paid => self.tickets.is_empty(),
            S::Fulfilled => fulfilled_ok,
            S::PartiallyRefunded | S::Refunded => self.tickets.is_empty() || fulfilled_ok,
        };
        let all_tickets: Vec<Uuid> = self.tickets.iter().flat_map(|t| t.ticket_ids.iter().copied()).collect();
        if !tickets_ok || all_tickets.iter().collect::<BTreeSet<_>>().len() != all_tickets.len() {
            return bad("the tickets do not match the order state and lines");
        }
        if !after_payment && !self.refunds.is_empty() {
            return bad("refunds before payment");
        }
        let mut refund_ids = BTreeSet::new();
        let mut done: BTreeMap<Uuid, u32> = BTreeMap::new();
        let mut refunded_tickets = BTreeSet::new();
        for r in &self.refunds {
            let Some(line) = b.lines.iter().find(|l| l.line_id == r.line_id) else {
                return bad("a refund names an unknown line");
            };
            let d = done.entry(r.line_id).or_default();
            let ok_units = r.quantity > 0 && u64::from(*d) + u64::from(r.quantity) <= u64::from(line.quantity);
            if !refund_ids.insert(r.refund_id) || !ok_units {
                return bad("a refund id repeats or a line is refunded beyond its quantity");
            }
            if unit_shares(line.total, line.quantity, *d, r.quantity).ok() != Some(r.amount) {
                return bad("a refund amount does not follow the refund rule");
            }
            let line_tickets = self.tickets.iter().find(|t| t.line_id == r.line_id).map(|t| &t.ticket_ids);
            let tickets_ok = match line_tickets {
                None => r.ticket_ids.is_empty(),
                Some(ids) => {
                    r.ticket_ids.len() as u64 == u64::from(r.quantity)
                        && r.ticket_ids.iter().all(|t| ids.contains(t) && refunded_tickets.insert(*t))
                }
            };
            if !tickets_ok {
                return bad("a refund's tickets are not unrefunded tickets of its line");
            }
            *d += r.quantity;
        }
        let all = b.lines.iter().all(|l| done.get(&l.line_id).copied().unwrap_or(0) >= l.quantity);
        let refunds_ok = match self.state {
            S::Refunded => all,
            S::PartiallyRefunded => !all && !self.refunds.is_empty(),
            _ => self.refunds.is_empty(),
        };
        if !refunds_ok {
            return bad("the refunds do not match the order state");
        }
        Ok(())
    }

    /// Reads stored state written by [`CartOrder::to_json`]. Errors: malformed JSON or a wrong
    /// shape (`INPUT_INVALID`, field `state`), an inconsistent order (`ORDER_STATE_INVALID`).
    pub fn from_json(text: &str) -> Result<CartOrder, Error> {
        super::state_from_json::<CartOrderRepr, _, _>(text)
    }

    /// The core's JSON of this order (the serde form, byte-identical to `serde_json::to_string`).
    pub fn to_json(&self) -> Result<String, Error> {
        super::state_to_json(self)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::types::tests::{day_pass, ts};
    use super::*;
    use crate::error::ErrorCode;
    use crate::money::tax::{PriceBasis, TaxRounding};
    use crate::money::RoundingMode;
    use crate::test_util::{eur, m};
    use crate::ticketing::cart::OrderFee;
    use crate::ticketing::pricing::{PricingConfig, PromoDiscount};
    use crate::ticketing::Quota;

    const NOW: &str = "2026-05-01T10:00:00Z";
    const EXP: &str = "2026-05-01T10:15:00Z";
    pub(crate) const PARKING: Uuid = Uuid::from_u128(2);
    pub(crate) const SHIRT: Uuid = Uuid::from_u128(3);

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    pub(crate) fn catalog() -> Catalog {
        let add_on = |id, name: &str, price: &str| AddOn {
            id,
            name: name.into(),
            price: m(price),
            max_per_order: 4,
            sale_from: None,
            sale_until: None,
        };
        Catalog {
            ticket_types: vec![day_pass()],
            add_ons: vec![add_on(PARKING, "Parking", "12.00"), add_on(SHIRT, "Shirt", "25.00")],
            tax_rates: vec![ItemTaxRate { item_id: day_pass().id, rate: "7".parse().unwrap() }],
        }
    }

    pub(crate) fn config() -> CartConfig {
        let mut c =
            CartConfig::new(PricingConfig::new(eur(), "19".parse().unwrap(), PriceBasis::Gross, TaxRounding::PerLine));
        c.pricing.fees.per_ticket = m("1.50");
        c.order_fees.push(OrderFee {
            name: "booking".into(),
            amount: m("2.00"),
            percent: Decimal::ZERO,
            rounding: RoundingMode::HalfUp,
        });
        c
    }

    /// Site (10) over day passes, parking (3), shirts (unlimited).
    pub(crate) fn quotas() -> QuotaBook {
        QuotaBook::new(vec![
            Quota { id: id(10), name: "Site".into(), size: Some(10), item_ids: vec![day_pass().id] },
            Quota { id: id(11), name: "Parking".into(), size: Some(3), item_ids: vec![PARKING] },
            Quota { id: id(12), name: "Merch".into(), size: None, item_ids: vec![SHIRT] },
        ])
        .unwrap()
    }

    fn spec(lines: &[(u128, Uuid, u32)], promo: Option<&str>) -> CartSpec {
        CartSpec {
            id: id(50),
            lines: lines.iter().map(|(l, i, q)| CartItem { line_id: id(*l), item_id: *i, quantity: *q }).collect(),
            promo_code: promo.map(String::from),
            now: ts(NOW),
            expires_at: ts(EXP),
        }
    }

    fn promo() -> PromoCode {
        PromoCode {
            code: "CREW".into(),
            discount: PromoDiscount::FixedAmount { amount: m("10.00") },
            max_uses: None,
            used: 0,
            expires_at: None,
            min_quantity: 0,
            ticket_type_ids: vec![],
            valid_from: None,
            scope: None,
        }
    }

    fn refund(rid: u128, line: u128, q: u32, tickets: &[Uuid]) -> LineRefundRequest {
        LineRefundRequest { refund_id: id(rid), line_id: id(line), quantity: q, ticket_ids: tickets.to_vec() }
    }

    fn tickets(n: u128) -> Vec<NewTicket> {
        (0..n).map(|i| NewTicket { id: id(200 + i), number: format!("N{i}"), holder: "Bo".into() }).collect()
    }

    #[test]
    fn cart_flow_prices_holds_sells_issues_and_refunds_lines() {
        let mut q = quotas();
        let mut book = TicketBook::new();
        book.add_type(day_pass()).unwrap();
        let lines = [(100, day_pass().id, 2), (101, PARKING, 1), (102, SHIRT, 2)];
        let mut o = CartOrder::place(spec(&lines, Some("crew")), &catalog(), &config(), &[promo()], &mut q).unwrap();
        // 118 + 12 + 50 = 180; 10.00 off split 6.56/0.67/2.77; fees 3.00 on tickets; booking 2.00 split by amount.
        let b = o.breakdown();
        assert_eq!((b.subtotal, b.discount, b.fees, b.order_fees), (m("180.00"), m("10.00"), m("3.00"), m("2.00")));
        assert_eq!(b.total, m("175.00"));
        assert_eq!(b.lines[0].tax_rate, Decimal::from(7));
        assert_eq!(q.counts(ts(NOW))[1].held, 1);
        assert_eq!(o.pay(&mut q, m("175.00"), ts(NOW)).unwrap(), OrderState::Paid);
        assert_eq!(o.fulfill(&mut book, tickets(3), ts(NOW)).unwrap_err().code(), "ORDER_TICKET_COUNT_MISMATCH");
        assert_eq!(o.fulfill(&mut book, tickets(2), ts(NOW)).unwrap(), OrderState::Fulfilled);
        assert_eq!(o.tickets(), &[LineTickets { line_id: id(100), ticket_ids: vec![id(200), id(201)] }]);

        // The parking line, with its shares of the discount and booking fee.
        let parking_total = o.lines()[1].total;
        let r = o.refund_line(refund(1, 101, 1, &[]), ts(NOW), &mut q, Some(&mut book)).unwrap();
        assert_eq!(r.amount, parking_total);
        assert_eq!(o.state(), OrderState::PartiallyRefunded);
        assert_eq!(q.available(PARKING, ts(NOW)).unwrap(), Some(3));
        // Idempotent: same id, same content; conflict with other content.
        assert_eq!(o.refund_line(refund(1, 101, 1, &[]), ts(NOW), &mut q, Some(&mut book)).unwrap(), r);
        assert_eq!(q.available(PARKING, ts(NOW)).unwrap(), Some(3), "released exactly once");
        let e = o.refund_line(refund(1, 102, 1, &[]), ts(NOW), &mut q, Some(&mut book)).unwrap_err();
        assert_eq!(e.code(), "ORDER_REFUND_CONFLICT");
        let e = o.refund_line(refund(2, 101, 1, &[]), ts(NOW), &mut q, Some(&mut book)).unwrap_err();
        assert_eq!(e, Error::from(TicketingError::RefundExceedsLine { line_id: id(101), requested: 1, remaining: 0 }));

        // Ticket lines name their tickets; a checked-in ticket cannot be refunded.
        assert_eq!(
            o.refund_line(refund(3, 100, 1, &[]), ts(NOW), &mut q, Some(&mut book)).unwrap_err().code(),
            "ORDER_TICKET_COUNT_MISMATCH"
        );
        assert_eq!(
            o.refund_line(refund(3, 100, 1, &[id(999)]), ts(NOW), &mut q, Some(&mut book)).unwrap_err().code(),
            "ORDER_TICKET_NOT_IN_LINE"
        );
        book.apply(id(200), TicketEvent::CheckIn, ts("2026-07-04T12:00:00Z")).unwrap();
        let before = (o.clone(), q.clone());
        assert_eq!(
            o.refund_line(refund(3, 100, 1, &[id(200)]), ts(NOW), &mut q, Some(&mut book)).unwrap_err().code(),
            "TICKET_ALREADY_USED"
        );
        assert_eq!((o.clone(), q.clone()), before, "a failed refund changes nothing");
        let r1 = o.refund_line(refund(3, 100, 1, &[id(201)]), ts(NOW), &mut q, Some(&mut book)).unwrap();
        assert_eq!(book.ticket(id(201)).unwrap().state, crate::ticketing::TicketState::Refunded);
        assert_eq!(q.counts(ts(NOW))[0].sold, 1);
        assert_eq!(
            o.refund_line(refund(4, 100, 1, &[id(201)]), ts(NOW), &mut q, Some(&mut book)).unwrap_err().code(),
            "ORDER_TICKET_NOT_IN_LINE"
        );
        // Shirts in two steps: the unit shares add up to the line total.
        let s1 = o.refund_line(refund(5, 102, 1, &[]), ts(NOW), &mut q, None).unwrap();
        let s2 = o.refund_line(refund(6, 102, 1, &[]), ts(NOW), &mut q, None).unwrap();
        assert_eq!(s1.amount.checked_add(&s2.amount).unwrap(), o.lines()[2].total);
        assert_eq!(o.state(), OrderState::PartiallyRefunded);
        assert!(r1.amount.is_positive());
        let text = o.to_json().unwrap();
        assert_eq!(CartOrder::from_json(&text).unwrap(), o);
        assert_eq!(o.refundable().unwrap(), o.line_refund_amount(id(100), 1).unwrap());
    }

    #[test]
    fn refunding_every_line_refunds_exactly_the_payment() {
        let mut q = quotas();
        let lines = [(100, day_pass().id, 3), (101, PARKING, 2)];
        let mut o = CartOrder::place(spec(&lines, Some("CREW")), &catalog(), &config(), &[promo()], &mut q).unwrap();
        o.pay(&mut q, o.total(), ts(NOW)).unwrap();
        o.refund_line(refund(1, 100, 2, &[]), ts(NOW), &mut q, None).unwrap();
        o.refund_line(refund(2, 101, 2, &[]), ts(NOW), &mut q, None).unwrap();
        o.refund_line(refund(3, 100, 1, &[]), ts(NOW), &mut q, None).unwrap();
        assert_eq!(o.state(), OrderState::Refunded);
        assert_eq!(o.refunded().unwrap(), o.total());
        assert_eq!(o.refundable().unwrap(), m("0.00"));
        assert_eq!(
            o.refund_line(refund(4, 100, 1, &[]), ts(NOW), &mut q, None).unwrap_err().code(),
            "ORDER_ILLEGAL_TRANSITION"
        );
        // A repeated refund id still answers after the order is refunded.
        assert!(o.refund_line(refund(3, 100, 1, &[]), ts(NOW), &mut q, None).is_ok());
        assert_eq!(q.counts(ts(NOW))[0].available, Some(10));
    }

    #[test]
    fn placement_checks_items_limits_and_quotas() {
        let mut q = quotas();
        let place = |q: &mut QuotaBook, lines: &[(u128, Uuid, u32)]| {
            CartOrder::place(spec(lines, None), &catalog(), &config(), &[], q).unwrap_err().code()
        };
        assert_eq!(place(&mut q, &[(1, id(77), 1)]), "ORDER_UNKNOWN_ITEM");
        assert_eq!(place(&mut q, &[(1, PARKING, 0)]), "ORDER_INVALID_QUANTITY");
        // Max per order counts every line of the item.
        assert_eq!(place(&mut q, &[(1, PARKING, 3), (2, PARKING, 2)]), "ORDER_MAX_PER_ORDER_EXCEEDED");
        assert_eq!(place(&mut q, &[(1, PARKING, 4)]), "QUOTA_EXHAUSTED");
        assert_eq!(place(&mut q, &[(1, PARKING, 1), (1, SHIRT, 1)]), "PRICING_DUPLICATE_LINE");
        assert!(q.holds().next().is_none(), "failed placements hold nothing");
        let mut cat = catalog();
        cat.add_ons[0].sale_until = Some(ts("2026-04-01T00:00:00Z"));
        let e = CartOrder::place(spec(&[(1, PARKING, 1)], None), &cat, &config(), &[], &mut q).unwrap_err();
        assert_eq!(e.code(), "TICKET_SALE_CLOSED");
        cat.add_ons[0].id = day_pass().id;
        let e = CartOrder::place(spec(&[(1, SHIRT, 1)], None), &cat, &config(), &[], &mut q).unwrap_err();
        assert_eq!(e.code(), "TICKET_DUPLICATE_ID");
        let mut o = CartOrder::place(spec(&[(1, PARKING, 3)], None), &catalog(), &config(), &[], &mut q).unwrap();
        assert_eq!(o.expire(&mut q, ts(NOW)).unwrap_err().code(), "ORDER_NOT_EXPIRED");
        assert_eq!(o.pay(&mut q, o.total(), ts(EXP)).unwrap_err().code(), "INVENTORY_HOLD_EXPIRED");
        assert_eq!(
            o.refund_line(refund(1, 1, 1, &[]), ts(NOW), &mut q, None).unwrap_err().code(),
            "ORDER_ILLEGAL_TRANSITION"
        );
        assert_eq!(o.expire(&mut q, ts(EXP)).unwrap(), OrderState::Expired);
        assert_eq!(q.available(PARKING, ts(EXP)).unwrap(), Some(3));
    }

    #[test]
    fn tampered_orders_are_rejected() {
        let mut q = quotas();
        let mut o = CartOrder::place(spec(&[(1, PARKING, 2), (2, SHIRT, 1)], None), &catalog(), &config(), &[], &mut q)
            .unwrap();
        o.pay(&mut q, o.total(), ts(NOW)).unwrap();
        o.refund_line(refund(9, 1, 1, &[]), ts(NOW), &mut q, None).unwrap();
        let text = o.to_json().unwrap();
        let edit = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            f(&mut v);
            let e = CartOrder::from_json(&v.to_string()).unwrap_err();
            assert_eq!(e.code(), "ORDER_STATE_INVALID", "{e}");
            e.details()["reason"].as_str().unwrap().to_string()
        };
        let money = |s: &str| serde_json::to_value(m(s)).unwrap();
        assert_eq!(
            edit(&|v| v["refunds"][0]["amount"] = money("100.00")),
            "a refund amount does not follow the refund rule"
        );
        assert_eq!(edit(&|v| v["state"] = "refunded".into()), "the refunds do not match the order state");
        assert_eq!(edit(&|v| v["paid"] = money("1.00")), "the payment is not the order total");
        assert_eq!(edit(&|v| v["breakdown"]["total"] = money("1.00")), "the line totals do not sum to the order total");
        assert_eq!(
            edit(&|v| v["refunds"][0]["quantity"] = 3.into()),
            "a refund id repeats or a line is refunded beyond its quantity"
        );
    }
}

#[cfg(test)]
mod proptests {
    use super::tests::{catalog, config, quotas, PARKING, SHIRT};
    use super::*;
    use crate::ticketing::types::tests::{day_pass, ts};
    use proptest::prelude::*;

    proptest! {
        /// Any sequence of line refunds (with repeats, conflicts and excess) never refunds more
        /// than was paid, refunds exactly the payment once every unit is refunded, keeps quotas
        /// consistent with what is still sold, and every state round-trips.
        #[test]
        fn line_refunds_sum_to_the_payment(
            qty in (1u32..5, 1u32..4, 1u32..5),
            refunds in prop::collection::vec((0u128..6, 0u128..3, 0u32..4), 0..20),
        ) {
            let mut q = quotas();
            let items = [day_pass().id, PARKING, SHIRT];
            let lines = vec![
                CartItem { line_id: Uuid::from_u128(0), item_id: items[0], quantity: qty.0 },
                CartItem { line_id: Uuid::from_u128(1), item_id: items[1], quantity: qty.1 },
                CartItem { line_id: Uuid::from_u128(2), item_id: items[2], quantity: qty.2 },
            ];
            let spec = CartSpec { id: Uuid::from_u128(50), lines, promo_code: None, now: ts("2026-05-01T10:00:00Z"), expires_at: ts("2026-05-01T10:15:00Z") };
            let mut o = CartOrder::place(spec, &catalog(), &config(), &[], &mut q).unwrap();
            o.pay(&mut q, o.total(), ts("2026-05-01T10:01:00Z")).unwrap();
            for (rid, line, k) in refunds {
                let req = LineRefundRequest { refund_id: Uuid::from_u128(1000 + rid), line_id: Uuid::from_u128(line), quantity: k, ticket_ids: vec![] };
                let before = (o.clone(), q.clone());
                if o.refund_line(req, ts("2026-05-02T00:00:00Z"), &mut q, None).is_err() {
                    prop_assert_eq!((&o, &q), (&before.0, &before.1));
                }
                let refunded = o.refunded().unwrap();
                prop_assert!(refunded.amount() <= o.total().amount());
                for (i, l) in o.lines().iter().enumerate() {
                    let sold = l.quantity - o.refunded_quantity(l.line_id);
                    let quota = q.quotas_of(items[i])[0];
                    let counts = q.counts(ts("2026-05-02T00:00:00Z"));
                    let c = counts.iter().find(|c| c.quota_id == quota).unwrap();
                    prop_assert_eq!(c.sold, sold);
                }
                if o.state() == OrderState::Refunded {
                    prop_assert_eq!(refunded, o.total());
                }
                let text = o.to_json().unwrap();
                prop_assert_eq!(CartOrder::from_json(&text).unwrap(), o.clone());
            }
        }
    }
}
