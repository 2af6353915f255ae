//! Ticketing: price previews (`price_order`), ticket types, `Inventory` (time-limited holds),
//! `Order` (pending → paid → fulfilled, refunds) and `TicketBook` (issue, state machine,
//! transfers) as UniFFI objects. Errors are `FestivalException.Ticketing` (`TICKET_*`, `ORDER_*`,
//! `INVENTORY_*`, `PRICING_*`, `PROMO_*`) or `Money` / `Input`.

use crate::convert::{time, uuid};
use crate::error::{bad_json, Result};
use crate::money::{Money, PriceBasis, RoundingMode, TaxRounding};
use festival_core::money::parse_decimal;
use festival_core::ticketing::{self as core, pricing};
use festival_core::{Currency, InputError};
use std::sync::{Arc, Mutex, MutexGuard};

fn json_err(field: &str, e: serde_json::Error) -> crate::FestivalError {
    InputError::invalid(field, e.to_string()).into()
}

fn opt_time(field: &str, ms: Option<i64>) -> Result<Option<festival_core::Timestamp>> {
    ms.map(|m| time(field, m)).transpose()
}

// ---------------------------------------------------------------- pricing

/// One line of a price request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PriceLine {
    /// The ticket type (UUID).
    pub ticket_type_id: String,
    /// Unit price (gross or net per the tax basis), not negative.
    pub unit_price: Money,
    /// Quantity, at least 1.
    pub quantity: u32,
}

/// What a promo code takes off.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PromoDiscount {
    /// A percentage (`"0"`..`"100"`, decimal string) off every eligible line.
    Percentage {
        /// Percent, e.g. `"10"`.
        percent: String,
    },
    /// A fixed amount off the eligible lines (capped at their subtotal).
    FixedAmount {
        /// The amount.
        amount: Money,
    },
}

/// A promo code and its usage so far.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PromoCode {
    /// The code customers type (matched ignoring ASCII case).
    pub code: String,
    /// What it takes off.
    pub discount: PromoDiscount,
    /// Maximum number of uses (`null`: unlimited).
    pub max_uses: Option<u32>,
    /// Uses so far.
    pub used: u32,
    /// Usable strictly before this instant, ms (`null`: no expiry).
    pub expires_at_ms: Option<i64>,
    /// Minimum number of eligible tickets in the order.
    pub min_quantity: u32,
    /// Ticket types it applies to (empty: all); in carts, ticket types and add-ons.
    pub ticket_type_ids: Vec<String>,
    /// Usable from this instant on (inclusive), ms (`null`: from the start).
    #[uniffi(default = None)]
    pub valid_from_ms: Option<i64>,
    /// Where the discount is computed (`null`: percentages per line, fixed amounts per order).
    #[uniffi(default = None)]
    pub scope: Option<PromoScope>,
}

/// Where a promo discount is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PromoScope {
    /// On each eligible line (fixed amounts: per unit, capped at the line).
    Line,
    /// Once on the eligible lines together, split by subtotal.
    Order,
}

/// Service fees.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FeeConfig {
    /// Fee per ticket.
    pub per_ticket: Money,
    /// Percentage (`"0"`..`"100"`) of each line after discount.
    pub percent: String,
    /// Rounding of the percentage fee.
    pub rounding: RoundingMode,
}

/// VAT of a price preview.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TaxConfig {
    /// VAT rate in percent (`"19"`).
    pub rate: String,
    /// Whether prices include VAT.
    pub basis: PriceBasis,
    /// Per-line or per-total rounding.
    pub rounding: TaxRounding,
    /// Rounding mode of the tax.
    pub mode: RoundingMode,
}

/// How a shop prices orders.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PricingConfig {
    /// The shop's currency.
    pub currency: String,
    /// Service fees.
    pub fees: FeeConfig,
    /// Whether VAT applies to the fees too.
    pub fees_taxable: bool,
    /// VAT.
    pub tax: TaxConfig,
    /// Rounding of percentage discounts.
    pub discount_rounding: RoundingMode,
}

/// One priced line.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PricedLine {
    /// The ticket type.
    pub ticket_type_id: String,
    /// Quantity.
    pub quantity: u32,
    /// Unit price.
    pub unit_price: Money,
    /// `quantity × unit_price`.
    pub subtotal: Money,
    /// Promo discount of the line.
    pub discount: Money,
    /// Fees of the line.
    pub fees: Money,
    /// VAT of the line.
    pub tax: Money,
    /// Rounding adjustment so that lines add up to the totals.
    pub rounding_adjustment: Money,
    /// What the line costs.
    pub total: Money,
}

/// A price preview: lines add up to the totals exactly.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PriceBreakdown {
    /// Per line, request order.
    pub lines: Vec<PricedLine>,
    /// Sum of the subtotals.
    pub subtotal: Money,
    /// Total discount.
    pub discount: Money,
    /// Total fees.
    pub fees: Money,
    /// Total VAT.
    pub tax: Money,
    /// Whether the VAT is included in the prices (gross basis).
    pub tax_included: bool,
    /// Total rounding adjustment.
    pub rounding_adjustment: Money,
    /// What the customer pays.
    pub total: Money,
    /// The promo code applied, normalized.
    pub promo_code: Option<String>,
}

pub(crate) fn promo(p: &PromoCode) -> Result<pricing::PromoCode> {
    Ok(pricing::PromoCode {
        code: p.code.clone(),
        discount: match &p.discount {
            PromoDiscount::Percentage { percent } => {
                pricing::PromoDiscount::Percentage { percent: parse_decimal(percent)? }
            }
            PromoDiscount::FixedAmount { amount } => pricing::PromoDiscount::FixedAmount { amount: amount.to_core()? },
        },
        max_uses: p.max_uses,
        used: p.used,
        expires_at: opt_time("expires_at_ms", p.expires_at_ms)?,
        min_quantity: p.min_quantity,
        ticket_type_ids: p.ticket_type_ids.iter().map(|t| uuid("ticket_type_ids", t)).collect::<Result<_>>()?,
        valid_from: opt_time("valid_from_ms", p.valid_from_ms)?,
        scope: p.scope.map(|s| match s {
            PromoScope::Line => pricing::PromoScope::Line,
            PromoScope::Order => pricing::PromoScope::Order,
        }),
    })
}

pub(crate) fn pricing_config(c: &PricingConfig) -> Result<pricing::PricingConfig> {
    Ok(pricing::PricingConfig {
        currency: c.currency.parse::<Currency>().map_err(festival_core::Error::from)?,
        fees: pricing::FeeConfig {
            per_ticket: c.fees.per_ticket.to_core()?,
            percent: parse_decimal(&c.fees.percent)?,
            rounding: c.fees.rounding.into(),
        },
        fees_taxable: c.fees_taxable,
        tax: pricing::TaxConfig {
            rate: parse_decimal(&c.tax.rate)?,
            basis: c.tax.basis.into(),
            rounding: c.tax.rounding.into(),
            mode: c.tax.mode.into(),
        },
        discount_rounding: c.discount_rounding.into(),
    })
}

fn price_lines(lines: &[PriceLine]) -> Result<Vec<pricing::PriceLine>> {
    lines
        .iter()
        .map(|l| {
            Ok(pricing::PriceLine {
                ticket_type_id: uuid("ticket_type_id", &l.ticket_type_id)?,
                unit_price: l.unit_price.to_core()?,
                quantity: l.quantity,
            })
        })
        .collect()
}

/// Checks a promo code definition against the shop currency (`PROMO_INVALID`).
#[uniffi::export]
pub fn promo_code_validate(promo: PromoCode, currency: String) -> Result<()> {
    let currency: Currency = currency.parse().map_err(festival_core::Error::from)?;
    Ok(self::promo(&promo)?.validate(currency)?)
}

/// Checks that `promo` can be used at `at_ms` for `lines` (expiry, uses left, applicable ticket
/// types, minimum quantity: `PROMO_EXPIRED`, `PROMO_EXHAUSTED`, `PROMO_NOT_APPLICABLE`,
/// `PROMO_MIN_QUANTITY_NOT_MET`).
#[uniffi::export]
pub fn promo_code_check(promo: PromoCode, lines: Vec<PriceLine>, at_ms: i64) -> Result<()> {
    let (p, lines, at) = (self::promo(&promo)?, price_lines(&lines)?, time("at_ms", at_ms)?);
    Ok(p.check(&lines, at)?)
}

/// Whether `promo` applies to ticket type `ticket_type_id`.
#[uniffi::export]
pub fn promo_code_applies_to(promo: PromoCode, ticket_type_id: String) -> Result<bool> {
    Ok(self::promo(&promo)?.applies_to(uuid("ticket_type_id", &ticket_type_id)?))
}

/// Counts one more use of `promo` (when an order with it is paid) and returns the updated code
/// to persist (`PROMO_EXHAUSTED` if no use is left).
#[uniffi::export]
pub fn promo_code_record_use(promo: PromoCode) -> Result<PromoCode> {
    let mut p = self::promo(&promo)?;
    let used = p.record_use()?;
    Ok(PromoCode { used, ..promo })
}

/// Price preview of an order at `at_ms`: quantity × price, the promo code (checked for expiry,
/// uses, minimum quantity and ticket types), service fees and VAT, exactly (money as decimal
/// strings; every rounding is the configured one). The preview does not use up the promo code.
#[uniffi::export]
pub fn price_order(
    lines: Vec<PriceLine>,
    promo_code: Option<String>,
    at_ms: i64,
    config: PricingConfig,
    promos: Vec<PromoCode>,
) -> Result<PriceBreakdown> {
    let request = pricing::PriceRequest { lines: price_lines(&lines)?, promo_code, at: time("at_ms", at_ms)? };
    let promos = promos.iter().map(promo).collect::<Result<Vec<_>>>()?;
    let b = pricing::price(&request, &pricing_config(&config)?, &promos)?;
    let m = |x: &festival_core::Money| Money::from_core(x);
    Ok(PriceBreakdown {
        lines: b
            .lines
            .iter()
            .map(|l| PricedLine {
                ticket_type_id: l.ticket_type_id.to_string(),
                quantity: l.quantity,
                unit_price: m(&l.unit_price),
                subtotal: m(&l.subtotal),
                discount: m(&l.discount),
                fees: m(&l.fees),
                tax: m(&l.tax),
                rounding_adjustment: m(&l.rounding_adjustment),
                total: m(&l.total),
            })
            .collect(),
        subtotal: m(&b.subtotal),
        discount: m(&b.discount),
        fees: m(&b.fees),
        tax: m(&b.tax),
        tax_included: b.tax_included,
        rounding_adjustment: m(&b.rounding_adjustment),
        total: m(&b.total),
        promo_code: b.promo_code,
    })
}

// ---------------------------------------------------------------- ticket types and tickets

/// A ticket type: price, capacity, sale and admission windows, zones, re-entry and transfers.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TicketType {
    /// Id (UUID).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Price.
    pub price: Money,
    /// Seats.
    pub capacity: u32,
    /// Sale opens, ms.
    pub sale_from_ms: i64,
    /// Sale closes, ms.
    pub sale_until_ms: i64,
    /// Admission window start, ms.
    pub valid_from_ms: i64,
    /// Admission window end, ms.
    pub valid_until_ms: i64,
    /// Most tickets per order.
    pub max_per_order: u32,
    /// Zones it opens.
    pub zones: Vec<String>,
    /// Whether re-entry after checking out is allowed.
    pub reentry_allowed: bool,
    /// How many times a ticket of this type may be transferred.
    pub transfer_limit: u32,
}

pub(crate) fn ticket_type(t: &TicketType) -> Result<core::TicketType> {
    Ok(core::TicketType {
        id: uuid("id", &t.id)?,
        name: t.name.clone(),
        price: t.price.to_core()?,
        capacity: t.capacity,
        sale_from: time("sale_from_ms", t.sale_from_ms)?,
        sale_until: time("sale_until_ms", t.sale_until_ms)?,
        valid_from: time("valid_from_ms", t.valid_from_ms)?,
        valid_until: time("valid_until_ms", t.valid_until_ms)?,
        max_per_order: t.max_per_order,
        zones: t.zones.clone(),
        reentry_allowed: t.reentry_allowed,
        transfer_limit: t.transfer_limit,
    })
}

fn ticket_type_out(t: &core::TicketType) -> TicketType {
    TicketType {
        id: t.id.to_string(),
        name: t.name.clone(),
        price: Money::from_core(&t.price),
        capacity: t.capacity,
        sale_from_ms: t.sale_from.unix_millis(),
        sale_until_ms: t.sale_until.unix_millis(),
        valid_from_ms: t.valid_from.unix_millis(),
        valid_until_ms: t.valid_until.unix_millis(),
        max_per_order: t.max_per_order,
        zones: t.zones.clone(),
        reentry_allowed: t.reentry_allowed,
        transfer_limit: t.transfer_limit,
    }
}

/// Checks a ticket type definition (`TICKET_INVALID` naming the field).
#[uniffi::export]
pub fn ticket_type_validate(ticket_type: TicketType) -> Result<()> {
    Ok(self::ticket_type(&ticket_type)?.validate()?)
}

/// Whether `ticket_type` opens zone `zone_id` (listed in its zones).
#[uniffi::export]
pub fn ticket_type_opens_zone(ticket_type: TicketType, zone_id: String) -> Result<bool> {
    Ok(self::ticket_type(&ticket_type)?.opens_zone(&zone_id))
}

/// Whether tickets of `ticket_type` admit at `at_ms` (`valid_from ≤ at < valid_until`).
#[uniffi::export]
pub fn ticket_type_is_valid_at(ticket_type: TicketType, at_ms: i64) -> Result<bool> {
    Ok(self::ticket_type(&ticket_type)?.is_valid_at(time("at_ms", at_ms)?))
}

/// Checks that `quantity` tickets may be sold in one order at `at_ms` (`ORDER_INVALID_QUANTITY`,
/// `ORDER_MAX_PER_ORDER_EXCEEDED`, `TICKET_SALE_NOT_OPEN`, `TICKET_SALE_CLOSED`).
#[uniffi::export]
pub fn ticket_type_check_sale(ticket_type: TicketType, at_ms: i64, quantity: u32) -> Result<()> {
    Ok(self::ticket_type(&ticket_type)?.check_sale(time("at_ms", at_ms)?, quantity)?)
}

/// State of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TicketState {
    /// Issued, never used.
    Valid,
    /// Inside (checked in at a perimeter gate).
    CheckedIn,
    /// Left after checking in.
    CheckedOut,
    /// Given to a new holder (void).
    Transferred,
    /// Cancelled before use.
    Cancelled,
    /// Refunded before use.
    Refunded,
    /// Revoked by the organiser.
    Revoked,
}

impl From<core::TicketState> for TicketState {
    fn from(s: core::TicketState) -> Self {
        match s {
            core::TicketState::Valid => TicketState::Valid,
            core::TicketState::CheckedIn => TicketState::CheckedIn,
            core::TicketState::CheckedOut => TicketState::CheckedOut,
            core::TicketState::Transferred => TicketState::Transferred,
            core::TicketState::Cancelled => TicketState::Cancelled,
            core::TicketState::Refunded => TicketState::Refunded,
            core::TicketState::Revoked => TicketState::Revoked,
        }
    }
}

/// An event of the ticket state machine (transfers use [`TicketBook::transfer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TicketEvent {
    /// Enter (perimeter gate).
    CheckIn,
    /// Leave (perimeter gate).
    CheckOut,
    /// Cancel an unused ticket.
    Cancel,
    /// Refund an unused ticket.
    Refund,
    /// Revoke a ticket that is not yet void.
    Revoke,
}

impl From<TicketEvent> for core::TicketEvent {
    fn from(e: TicketEvent) -> Self {
        match e {
            TicketEvent::CheckIn => core::TicketEvent::CheckIn,
            TicketEvent::CheckOut => core::TicketEvent::CheckOut,
            TicketEvent::Cancel => core::TicketEvent::Cancel,
            TicketEvent::Refund => core::TicketEvent::Refund,
            TicketEvent::Revoke => core::TicketEvent::Revoke,
        }
    }
}

/// A ticket.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Ticket {
    /// Id.
    pub id: String,
    /// Unique number (printed / encoded).
    pub number: String,
    /// Its type.
    pub ticket_type_id: String,
    /// The order it was issued for.
    pub order_id: Option<String>,
    /// Holder name.
    pub holder: String,
    /// State.
    pub state: TicketState,
    /// Id shared by a ticket and all its transfer successors.
    pub lineage_id: String,
    /// Transfers so far along the lineage.
    pub transfers: u32,
    /// Whether it was ever checked in.
    pub used: bool,
    /// Issued at, ms.
    pub issued_at_ms: i64,
    /// Last change, ms.
    pub updated_at_ms: i64,
    /// First check-in, ms.
    pub first_checked_in_at_ms: Option<i64>,
    /// The ticket this one replaced (transfer).
    pub replaces: Option<String>,
    /// The ticket that replaced this one.
    pub replaced_by: Option<String>,
}

fn ticket(t: &core::Ticket) -> Ticket {
    Ticket {
        id: t.id.to_string(),
        number: t.number.clone(),
        ticket_type_id: t.ticket_type_id.to_string(),
        order_id: t.order_id.map(|u| u.to_string()),
        holder: t.holder.clone(),
        state: t.state.into(),
        lineage_id: t.lineage_id.to_string(),
        transfers: t.transfers,
        used: t.used,
        issued_at_ms: t.issued_at.unix_millis(),
        updated_at_ms: t.updated_at.unix_millis(),
        first_checked_in_at_ms: t.first_checked_in_at.map(|x| x.unix_millis()),
        replaces: t.replaces.map(|u| u.to_string()),
        replaced_by: t.replaced_by.map(|u| u.to_string()),
    }
}

/// Caller-given identity of a ticket to issue (or of a transfer's new ticket).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewTicket {
    /// Unique id (UUID).
    pub id: String,
    /// Unique number.
    pub number: String,
    /// Holder.
    pub holder: String,
}

pub(crate) fn new_ticket(t: &NewTicket) -> Result<core::NewTicket> {
    Ok(core::NewTicket { id: uuid("id", &t.id)?, number: t.number.clone(), holder: t.holder.clone() })
}

/// Ticket types and tickets: unique ids and numbers, the ticket state machine, transfers.
#[derive(uniffi::Object)]
pub struct TicketBook {
    inner: Mutex<core::TicketBook>,
}

impl TicketBook {
    pub(crate) fn lock(&self) -> MutexGuard<'_, core::TicketBook> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl TicketBook {
    /// An empty book.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(TicketBook { inner: Mutex::new(core::TicketBook::new()) })
    }

    /// Reads a book saved with [`TicketBook::to_json`]; malformed JSON is `INPUT_INVALID`.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        let b: core::TicketBook = serde_json::from_str(&json).map_err(|e| bad_json("json", e))?;
        Ok(Arc::new(TicketBook { inner: Mutex::new(b) }))
    }

    /// The persisted form as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&*self.lock()).map_err(|e| json_err("ticket_book", e))
    }

    /// Adds a ticket type (validated; `TICKET_DUPLICATE` for a used id).
    pub fn add_type(&self, ticket_type: TicketType) -> Result<()> {
        let t = self::ticket_type(&ticket_type)?;
        Ok(self.lock().add_type(t)?)
    }

    /// A ticket type by id (`TICKET_UNKNOWN_TYPE`).
    pub fn ticket_type(&self, id: String) -> Result<TicketType> {
        let id = uuid("id", &id)?;
        Ok(ticket_type_out(self.lock().ticket_type(id)?))
    }

    /// A ticket by id (`TICKET_UNKNOWN`).
    pub fn ticket(&self, id: String) -> Result<Ticket> {
        let id = uuid("id", &id)?;
        Ok(ticket(self.lock().ticket(id)?))
    }

    /// A ticket by number, if any.
    pub fn by_number(&self, number: String) -> Option<Ticket> {
        self.lock().by_number(&number).map(ticket)
    }

    /// Every ticket.
    pub fn tickets(&self) -> Vec<Ticket> {
        self.lock().tickets().map(ticket).collect()
    }

    /// Issues one ticket of `ticket_type_id` (unique id and number).
    pub fn issue(
        &self,
        ticket_type_id: String,
        spec: NewTicket,
        order_id: Option<String>,
        at_ms: i64,
    ) -> Result<Ticket> {
        let (ty, spec, order, at) = (
            uuid("ticket_type_id", &ticket_type_id)?,
            new_ticket(&spec)?,
            order_id.as_deref().map(|o| uuid("order_id", o)).transpose()?,
            time("at_ms", at_ms)?,
        );
        Ok(ticket(&self.lock().issue(ty, spec, order, at)?))
    }

    /// Issues several tickets, all or none.
    pub fn issue_all(
        &self,
        ticket_type_id: String,
        specs: Vec<NewTicket>,
        order_id: Option<String>,
        at_ms: i64,
    ) -> Result<Vec<Ticket>> {
        let (ty, order, at) = (
            uuid("ticket_type_id", &ticket_type_id)?,
            order_id.as_deref().map(|o| uuid("order_id", o)).transpose()?,
            time("at_ms", at_ms)?,
        );
        let specs = specs.iter().map(new_ticket).collect::<Result<Vec<_>>>()?;
        Ok(self.lock().issue_all(ty, specs, order, at)?.iter().map(ticket).collect())
    }

    /// The state `event` would lead to, without applying it (`TICKET_ILLEGAL_TRANSITION` ...).
    pub fn next_state(&self, ticket_id: String, event: TicketEvent) -> Result<TicketState> {
        let id = uuid("ticket_id", &ticket_id)?;
        Ok(self.lock().next_state(id, event.into())?.into())
    }

    /// Applies a state-machine event.
    pub fn apply(&self, ticket_id: String, event: TicketEvent, at_ms: i64) -> Result<Ticket> {
        let (id, at) = (uuid("ticket_id", &ticket_id)?, time("at_ms", at_ms)?);
        Ok(ticket(&self.lock().apply(id, event.into(), at)?))
    }

    /// Transfers an unused ticket to a new holder: the old ticket becomes `transferred`, the new
    /// one (returned) replaces it.
    pub fn transfer(&self, ticket_id: String, to: NewTicket, at_ms: i64) -> Result<Ticket> {
        let (id, to, at) = (uuid("ticket_id", &ticket_id)?, new_ticket(&to)?, time("at_ms", at_ms)?);
        Ok(ticket(&self.lock().transfer(id, to, at)?))
    }
}

// ---------------------------------------------------------------- inventory

/// State of a hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HoldState {
    /// Seats held until `expires_at`.
    Held,
    /// Sold.
    Confirmed,
    /// Released by the caller.
    Released,
    /// Expired.
    Expired,
}

/// A hold of seats.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Hold {
    /// Hold id.
    pub id: String,
    /// Seats.
    pub quantity: u32,
    /// Created, ms.
    pub created_at_ms: i64,
    /// Expires, ms.
    pub expires_at_ms: i64,
    /// State.
    pub state: HoldState,
}

pub(crate) fn hold_state(s: core::HoldState) -> HoldState {
    match s {
        core::HoldState::Held => HoldState::Held,
        core::HoldState::Confirmed => HoldState::Confirmed,
        core::HoldState::Released => HoldState::Released,
        core::HoldState::Expired => HoldState::Expired,
    }
}

fn hold(h: &core::Hold) -> Hold {
    Hold {
        id: h.id.to_string(),
        quantity: h.quantity,
        created_at_ms: h.created_at.unix_millis(),
        expires_at_ms: h.expires_at.unix_millis(),
        state: match h.state {
            core::HoldState::Held => HoldState::Held,
            core::HoldState::Confirmed => HoldState::Confirmed,
            core::HoldState::Released => HoldState::Released,
            core::HoldState::Expired => HoldState::Expired,
        },
    }
}

/// Capacity, sold, live holds and available seats (`sold + held + available = capacity`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InventoryCounts {
    /// Capacity.
    pub capacity: u32,
    /// Sold.
    pub sold: u32,
    /// Held by live holds.
    pub held: u32,
    /// Available.
    pub available: u32,
}

/// Seats of one ticket type with time-limited holds (`sold + live holds ≤ capacity`).
#[derive(uniffi::Object)]
pub struct Inventory {
    inner: Mutex<core::Inventory>,
}

impl Inventory {
    pub(crate) fn lock(&self) -> MutexGuard<'_, core::Inventory> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl Inventory {
    /// `capacity` seats of `ticket_type_id`, none held.
    #[uniffi::constructor]
    pub fn new(ticket_type_id: String, capacity: u32) -> Result<Arc<Self>> {
        let id = uuid("ticket_type_id", &ticket_type_id)?;
        Ok(Arc::new(Inventory { inner: Mutex::new(core::Inventory::new(id, capacity)) }))
    }

    /// Reads an inventory saved with [`Inventory::to_json`].
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        let i: core::Inventory = serde_json::from_str(&json).map_err(|e| bad_json("json", e))?;
        Ok(Arc::new(Inventory { inner: Mutex::new(i) }))
    }

    /// The persisted form as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&*self.lock()).map_err(|e| json_err("inventory", e))
    }

    /// The ticket type.
    pub fn ticket_type_id(&self) -> String {
        self.lock().ticket_type_id().to_string()
    }

    /// Capacity.
    pub fn capacity(&self) -> u32 {
        self.lock().capacity()
    }

    /// Seats sold.
    pub fn sold(&self) -> u32 {
        self.lock().sold()
    }

    /// `sold + live holds ≤ capacity` (always true unless the persisted state was edited).
    pub fn invariant_holds(&self) -> bool {
        self.lock().invariant_holds()
    }

    /// Seats available at `now_ms` (expired holds count as free).
    pub fn available(&self, now_ms: i64) -> Result<u32> {
        Ok(self.lock().available(time("now_ms", now_ms)?))
    }

    /// All counts at `now_ms`.
    pub fn counts(&self, now_ms: i64) -> Result<InventoryCounts> {
        let c = self.lock().counts(time("now_ms", now_ms)?);
        Ok(InventoryCounts { capacity: c.capacity, sold: c.sold, held: c.held, available: c.available })
    }

    /// A hold by id, if any.
    pub fn hold(&self, hold_id: String) -> Result<Option<Hold>> {
        let id = uuid("hold_id", &hold_id)?;
        Ok(self.lock().hold(id).map(hold))
    }

    /// Every hold.
    pub fn holds(&self) -> Vec<Hold> {
        self.lock().holds().map(hold).collect()
    }

    /// Holds `quantity` seats until `expires_at_ms` (`INVENTORY_SOLD_OUT` with what is left).
    pub fn reserve(&self, hold_id: String, quantity: u32, now_ms: i64, expires_at_ms: i64) -> Result<Hold> {
        let (id, now, exp) =
            (uuid("hold_id", &hold_id)?, time("now_ms", now_ms)?, time("expires_at_ms", expires_at_ms)?);
        Ok(hold(&self.lock().reserve(id, quantity, now, exp)?))
    }

    /// Sells the held seats (`INVENTORY_HOLD_EXPIRED` once expired).
    pub fn confirm(&self, hold_id: String, now_ms: i64) -> Result<Hold> {
        let (id, now) = (uuid("hold_id", &hold_id)?, time("now_ms", now_ms)?);
        Ok(hold(&self.lock().confirm(id, now)?))
    }

    /// Releases a live hold.
    pub fn release(&self, hold_id: String) -> Result<Hold> {
        let id = uuid("hold_id", &hold_id)?;
        Ok(hold(&self.lock().release(id)?))
    }

    /// Marks every hold expired at `now_ms` as expired and returns them.
    pub fn expire(&self, now_ms: i64) -> Result<Vec<Hold>> {
        Ok(self.lock().expire(time("now_ms", now_ms)?).iter().map(hold).collect())
    }

    /// Puts `quantity` sold seats back on sale (after refunds or cancellations) and returns the
    /// new number sold (`INVENTORY_INVALID_QUANTITY` for 0 or more than sold).
    pub fn restock(&self, quantity: u32) -> Result<u32> {
        Ok(self.lock().restock(quantity)?)
    }
}

// ---------------------------------------------------------------- orders

/// State of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OrderState {
    /// Seats held, waiting for payment.
    Pending,
    /// Paid, tickets not yet issued.
    Paid,
    /// Tickets issued.
    Fulfilled,
    /// The hold expired before payment.
    Expired,
    /// Cancelled before payment.
    Cancelled,
    /// Part of the payment was refunded.
    PartiallyRefunded,
    /// The whole payment was refunded.
    Refunded,
}

impl From<core::OrderState> for OrderState {
    fn from(s: core::OrderState) -> Self {
        match s {
            core::OrderState::Pending => OrderState::Pending,
            core::OrderState::Paid => OrderState::Paid,
            core::OrderState::Fulfilled => OrderState::Fulfilled,
            core::OrderState::Expired => OrderState::Expired,
            core::OrderState::Cancelled => OrderState::Cancelled,
            core::OrderState::PartiallyRefunded => OrderState::PartiallyRefunded,
            core::OrderState::Refunded => OrderState::Refunded,
        }
    }
}

/// An order of one ticket type: pending (holding seats in an [`Inventory`]) → paid → fulfilled
/// (tickets issued in a [`TicketBook`]); refunds never exceed what was paid.
#[derive(uniffi::Object)]
pub struct Order {
    inner: Mutex<core::Order>,
}

impl Order {
    fn lock(&self) -> MutexGuard<'_, core::Order> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl Order {
    /// Places an order at `now_ms`: checks the sale window and maximum per order, then holds
    /// `quantity` seats in `inventory` until `expires_at_ms` under the order id. `total` is the
    /// amount due (from [`price_order`]).
    #[uniffi::constructor]
    pub fn place(
        id: String,
        ticket_type: TicketType,
        inventory: Arc<Inventory>,
        quantity: u32,
        total: Money,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<Arc<Self>> {
        let (id, ty, total, now, exp) = (
            uuid("id", &id)?,
            self::ticket_type(&ticket_type)?,
            total.to_core()?,
            time("now_ms", now_ms)?,
            time("expires_at_ms", expires_at_ms)?,
        );
        let order = core::Order::place(id, &ty, &mut inventory.lock(), quantity, total, now, exp)?;
        Ok(Arc::new(Order { inner: Mutex::new(order) }))
    }

    /// Reads an order saved with [`Order::to_json`].
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        let o: core::Order = serde_json::from_str(&json).map_err(|e| bad_json("json", e))?;
        Ok(Arc::new(Order { inner: Mutex::new(o) }))
    }

    /// The persisted form as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&*self.lock()).map_err(|e| json_err("order", e))
    }

    /// Order id.
    pub fn id(&self) -> String {
        self.lock().id().to_string()
    }

    /// Ticket type.
    pub fn ticket_type_id(&self) -> String {
        self.lock().ticket_type_id().to_string()
    }

    /// Number of tickets.
    pub fn quantity(&self) -> u32 {
        self.lock().quantity()
    }

    /// Amount due.
    pub fn total(&self) -> Money {
        Money::from_core(&self.lock().total())
    }

    /// State.
    pub fn state(&self) -> OrderState {
        self.lock().state().into()
    }

    /// Created, ms.
    pub fn created_at_ms(&self) -> i64 {
        self.lock().created_at().unix_millis()
    }

    /// Last change, ms.
    pub fn updated_at_ms(&self) -> i64 {
        self.lock().updated_at().unix_millis()
    }

    /// Hold expiry, ms.
    pub fn expires_at_ms(&self) -> i64 {
        self.lock().expires_at().unix_millis()
    }

    /// Amount paid, once paid.
    pub fn paid(&self) -> Option<Money> {
        self.lock().paid().as_ref().map(Money::from_core)
    }

    /// Amount refunded so far.
    pub fn refunded(&self) -> Money {
        Money::from_core(&self.lock().refunded())
    }

    /// What can still be refunded.
    pub fn refundable(&self) -> Result<Money> {
        Ok(Money::from_core(&self.lock().refundable()?))
    }

    /// The issued tickets' ids.
    pub fn ticket_ids(&self) -> Vec<String> {
        self.lock().ticket_ids().iter().map(|u| u.to_string()).collect()
    }

    /// `pending → paid`: `amount` must equal the total (`ORDER_PAYMENT_MISMATCH`); confirms the hold.
    pub fn pay(&self, inventory: Arc<Inventory>, amount: Money, at_ms: i64) -> Result<OrderState> {
        let (amount, at) = (amount.to_core()?, time("at_ms", at_ms)?);
        let mut o = self.lock();
        Ok(o.pay(&mut inventory.lock(), amount, at)?.into())
    }

    /// `paid → fulfilled`: issues exactly `quantity` tickets in `book` (all or none).
    pub fn fulfill(&self, book: Arc<TicketBook>, tickets: Vec<NewTicket>, at_ms: i64) -> Result<OrderState> {
        let tickets = tickets.iter().map(new_ticket).collect::<Result<Vec<_>>>()?;
        let at = time("at_ms", at_ms)?;
        let mut o = self.lock();
        Ok(o.fulfill(&mut book.lock(), tickets, at)?.into())
    }

    /// `pending → expired` (releases the seats).
    pub fn expire(&self, inventory: Arc<Inventory>, at_ms: i64) -> Result<OrderState> {
        let at = time("at_ms", at_ms)?;
        let mut o = self.lock();
        Ok(o.expire(&mut inventory.lock(), at)?.into())
    }

    /// `pending → cancelled` (releases the seats).
    pub fn cancel(&self, inventory: Arc<Inventory>, at_ms: i64) -> Result<OrderState> {
        let at = time("at_ms", at_ms)?;
        let mut o = self.lock();
        Ok(o.cancel(&mut inventory.lock(), at)?.into())
    }

    /// Refunds (part of) the payment (never more than what remains refundable).
    pub fn refund(&self, amount: Money, at_ms: i64) -> Result<OrderState> {
        let (amount, at) = (amount.to_core()?, time("at_ms", at_ms)?);
        Ok(self.lock().refund(amount, at)?.into())
    }
}
