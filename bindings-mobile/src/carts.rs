//! Carts: `price_cart` (tickets and add-ons, promo codes per line or per order, line and order
//! fees, VAT per line), `QuotaBook` (shared quotas with cart holds) and `CartOrder` (line refunds)
//! as UniFFI records and objects. Errors are `FestivalException.Ticketing` (`QUOTA_*`, `ORDER_*`,
//! `PRICING_*`, `PROMO_*`, `INVENTORY_*`) or `Money` / `Input`. Thin: every rule is the core's.

use crate::convert::{time, uuid};
use crate::error::Result;
use crate::money::{amounts, Money, RateTotal, RoundingMode};
use crate::ticketing::{
    hold_state, new_ticket, pricing_config, promo, ticket_type, HoldState, NewTicket, OrderState, PricingConfig,
    PromoCode, TicketBook, TicketType,
};
use festival_core::money::parse_decimal;
use festival_core::ticketing::{self as core, cart};
use std::sync::{Arc, Mutex, MutexGuard};

fn uuids(field: &str, ids: &[String]) -> Result<Vec<uuid::Uuid>> {
    ids.iter().map(|i| uuid(field, i)).collect()
}

fn strings(ids: &[uuid::Uuid]) -> Vec<String> {
    ids.iter().map(|i| i.to_string()).collect()
}

fn m(x: &festival_core::Money) -> Money {
    Money::from_core(x)
}

/// What a cart line sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ItemKind {
    /// A ticket type (the per-ticket service fee applies).
    Ticket,
    /// A product that is not a ticket (parking, merchandise).
    AddOn,
}

impl From<ItemKind> for cart::ItemKind {
    fn from(k: ItemKind) -> Self {
        match k {
            ItemKind::Ticket => cart::ItemKind::Ticket,
            ItemKind::AddOn => cart::ItemKind::AddOn,
        }
    }
}

impl From<cart::ItemKind> for ItemKind {
    fn from(k: cart::ItemKind) -> Self {
        match k {
            cart::ItemKind::Ticket => ItemKind::Ticket,
            cart::ItemKind::AddOn => ItemKind::AddOn,
        }
    }
}

/// One line of a cart price request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CartLine {
    /// Line id (UUID), unique in the cart.
    pub line_id: String,
    /// Ticket type or add-on (UUID).
    pub item_id: String,
    /// Ticket or add-on.
    pub kind: ItemKind,
    /// Unit price.
    pub unit_price: Money,
    /// Quantity, at least 1.
    pub quantity: u32,
    /// VAT rate of the line in percent (`null`: the config's rate).
    #[uniffi(default = None)]
    pub tax_rate: Option<String>,
}

/// A fee on each line it applies to: `per_unit × quantity + percent` of the line after discount.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LineFee {
    /// Receipt name.
    pub name: String,
    /// Amount per unit.
    pub per_unit: Money,
    /// Percentage (decimal string).
    pub percent: String,
    /// Rounding of the percentage.
    pub rounding: RoundingMode,
    /// Items it applies to (empty: every line).
    pub item_ids: Vec<String>,
}

/// A fee once per order (`amount + percent` of the order after discount), split onto the lines.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OrderFee {
    /// Receipt name.
    pub name: String,
    /// Fixed amount.
    pub amount: Money,
    /// Percentage (decimal string).
    pub percent: String,
    /// Rounding of the percentage.
    pub rounding: RoundingMode,
}

/// How a shop prices carts.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CartConfig {
    /// Currency, per-ticket service fee (ticket lines), VAT, discount rounding.
    pub pricing: PricingConfig,
    /// Line fees.
    pub line_fees: Vec<LineFee>,
    /// Order fees.
    pub order_fees: Vec<OrderFee>,
}

fn cart_config(c: &CartConfig) -> Result<cart::CartConfig> {
    let mut out = cart::CartConfig::new(pricing_config(&c.pricing)?);
    for f in &c.line_fees {
        out.line_fees.push(cart::LineFee {
            name: f.name.clone(),
            per_unit: f.per_unit.to_core()?,
            percent: parse_decimal(&f.percent)?,
            rounding: f.rounding.into(),
            item_ids: uuids("item_ids", &f.item_ids)?,
        });
    }
    for f in &c.order_fees {
        out.order_fees.push(cart::OrderFee {
            name: f.name.clone(),
            amount: f.amount.to_core()?,
            percent: parse_decimal(&f.percent)?,
            rounding: f.rounding.into(),
        });
    }
    Ok(out)
}

/// One priced cart line: `total = subtotal − discount + fees + orderFees + (tax unless included)
/// + roundingAdjustment`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PricedCartLine {
    /// Line id.
    pub line_id: String,
    /// Item.
    pub item_id: String,
    /// Ticket or add-on.
    pub kind: ItemKind,
    /// Quantity.
    pub quantity: u32,
    /// Unit price.
    pub unit_price: Money,
    /// VAT rate applied (percent).
    pub tax_rate: String,
    /// `unit_price × quantity`.
    pub subtotal: Money,
    /// Promo discount (its share of an order-scope discount included).
    pub discount: Money,
    /// Line fees.
    pub fees: Money,
    /// Its share of the order fees.
    pub order_fees: Money,
    /// VAT.
    pub tax: Money,
    /// What the tax strategy moved.
    pub rounding_adjustment: Money,
    /// What the line costs; what refunding all its units gives back.
    pub total: Money,
}

/// One order fee as charged.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AppliedFee {
    /// Name.
    pub name: String,
    /// Amount.
    pub amount: Money,
}

/// The price of a cart: lines add up to the totals exactly.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CartBreakdown {
    /// Per line, request order.
    pub lines: Vec<PricedCartLine>,
    /// Σ subtotals.
    pub subtotal: Money,
    /// Σ discounts.
    pub discount: Money,
    /// Σ line fees.
    pub fees: Money,
    /// Σ order fees.
    pub order_fees: Money,
    /// The order fees one by one.
    pub order_fee_lines: Vec<AppliedFee>,
    /// Σ VAT.
    pub tax: Money,
    /// VAT per rate.
    pub taxes: Vec<RateTotal>,
    /// Whether VAT is included (gross prices).
    pub tax_included: bool,
    /// Σ rounding adjustments.
    pub rounding_adjustment: Money,
    /// What the customer pays.
    pub total: Money,
    /// The promo code applied, as defined.
    pub promo_code: Option<String>,
}

fn breakdown(b: &cart::CartBreakdown) -> CartBreakdown {
    CartBreakdown {
        lines: b
            .lines
            .iter()
            .map(|l| PricedCartLine {
                line_id: l.line_id.to_string(),
                item_id: l.item_id.to_string(),
                kind: l.kind.into(),
                quantity: l.quantity,
                unit_price: m(&l.unit_price),
                tax_rate: l.tax_rate.to_string(),
                subtotal: m(&l.subtotal),
                discount: m(&l.discount),
                fees: m(&l.fees),
                order_fees: m(&l.order_fees),
                tax: m(&l.tax),
                rounding_adjustment: m(&l.rounding_adjustment),
                total: m(&l.total),
            })
            .collect(),
        subtotal: m(&b.subtotal),
        discount: m(&b.discount),
        fees: m(&b.fees),
        order_fees: m(&b.order_fees),
        order_fee_lines: b.order_fee_lines.iter().map(|f| AppliedFee { name: f.name.clone(), amount: m(&f.amount) }).collect(),
        tax: m(&b.tax),
        taxes: b.taxes.iter().map(|r| RateTotal { rate: r.rate.to_string(), amounts: amounts(&r.amounts) }).collect(),
        tax_included: b.tax_included,
        rounding_adjustment: m(&b.rounding_adjustment),
        total: m(&b.total),
        promo_code: b.promo_code.clone(),
    }
}

fn promos(p: &[PromoCode]) -> Result<Vec<festival_core::ticketing::pricing::PromoCode>> {
    p.iter().map(promo).collect()
}

/// Prices a cart at `at_ms`: tickets and add-ons, the promo code (per line or per order, checked
/// for its validity window, uses, minimum quantity and items), line and order fees, VAT per line,
/// exactly. The preview does not use up the promo code.
#[uniffi::export]
pub fn price_cart(
    lines: Vec<CartLine>,
    promo_code: Option<String>,
    at_ms: i64,
    config: CartConfig,
    promos: Vec<PromoCode>,
) -> Result<CartBreakdown> {
    let lines = lines
        .iter()
        .map(|l| {
            Ok(cart::CartLine {
                line_id: uuid("line_id", &l.line_id)?,
                item_id: uuid("item_id", &l.item_id)?,
                kind: l.kind.into(),
                unit_price: l.unit_price.to_core()?,
                quantity: l.quantity,
                tax_rate: l.tax_rate.as_deref().map(parse_decimal).transpose()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let request = cart::CartPriceRequest { lines, promo_code, at: time("at_ms", at_ms)? };
    Ok(breakdown(&cart::price_cart(&request, &cart_config(&config)?, &self::promos(&promos)?)?))
}

// ---------------------------------------------------------------- quotas

/// A shared quota over ticket types and add-ons (`size` null: unlimited).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Quota {
    /// Id (UUID).
    pub id: String,
    /// Name.
    pub name: String,
    /// Units in total (`null`: unlimited).
    pub size: Option<u32>,
    /// Items it counts.
    pub item_ids: Vec<String>,
}

/// Units of one item a hold asks for.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuotaRequest {
    /// Cart line.
    pub line_id: String,
    /// Item.
    pub item_id: String,
    /// Units.
    pub quantity: u32,
}

/// One line of a quota hold.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuotaHoldLine {
    /// Cart line.
    pub line_id: String,
    /// Item.
    pub item_id: String,
    /// Units.
    pub quantity: u32,
    /// Every quota the units count in.
    pub quota_ids: Vec<String>,
    /// Units refunded after the sale.
    pub released: u32,
}

/// A cart's hold in the quotas.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuotaHold {
    /// Hold id (the order id).
    pub id: String,
    /// Lines.
    pub lines: Vec<QuotaHoldLine>,
    /// Created, ms.
    pub created_at_ms: i64,
    /// Expires, ms.
    pub expires_at_ms: i64,
    /// State.
    pub state: HoldState,
}

/// Counts of one quota (`available` null: unlimited).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuotaCounts {
    /// Quota.
    pub quota_id: String,
    /// Size (`null`: unlimited).
    pub size: Option<u32>,
    /// Sold.
    pub sold: u32,
    /// Held by live holds.
    pub held: u32,
    /// `size − sold − held` (`null`: unlimited).
    pub available: Option<u32>,
}

fn quota_hold(h: &core::QuotaHold) -> QuotaHold {
    QuotaHold {
        id: h.id.to_string(),
        lines: h
            .lines
            .iter()
            .map(|l| QuotaHoldLine {
                line_id: l.line_id.to_string(),
                item_id: l.item_id.to_string(),
                quantity: l.quantity,
                quota_ids: strings(&l.quota_ids),
                released: l.released,
            })
            .collect(),
        created_at_ms: h.created_at.unix_millis(),
        expires_at_ms: h.expires_at.unix_millis(),
        state: hold_state(h.state),
    }
}

/// Shared quotas with cart holds: a line holds units in every quota of its item; `sold + live
/// holds ≤ size` for every quota.
#[derive(uniffi::Object)]
pub struct QuotaBook {
    inner: Mutex<core::QuotaBook>,
}

impl QuotaBook {
    fn lock(&self) -> MutexGuard<'_, core::QuotaBook> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl QuotaBook {
    /// A book of `quotas`, no holds (`QUOTA_INVALID` for a bad definition).
    #[uniffi::constructor]
    pub fn new(quotas: Vec<Quota>) -> Result<Arc<Self>> {
        let quotas = quotas
            .iter()
            .map(|q| {
                Ok(core::Quota { id: uuid("id", &q.id)?, name: q.name.clone(), size: q.size, item_ids: uuids("item_ids", &q.item_ids)? })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Arc::new(QuotaBook { inner: Mutex::new(core::QuotaBook::new(quotas)?) }))
    }

    /// Reads a book saved with [`QuotaBook::to_json`] (`QUOTA_STATE_INVALID` if inconsistent).
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        Ok(Arc::new(QuotaBook { inner: Mutex::new(core::QuotaBook::from_json(&json)?) }))
    }

    /// The persisted form as JSON.
    pub fn to_json(&self) -> Result<String> {
        Ok(self.lock().to_json()?)
    }

    /// Holds every line in every quota of its item until `expires_at_ms`, all or nothing
    /// (`QUOTA_EXHAUSTED` names the quota and what is left).
    pub fn reserve(&self, hold_id: String, lines: Vec<QuotaRequest>, now_ms: i64, expires_at_ms: i64) -> Result<QuotaHold> {
        let lines = lines
            .iter()
            .map(|l| {
                Ok(core::QuotaRequest { line_id: uuid("line_id", &l.line_id)?, item_id: uuid("item_id", &l.item_id)?, quantity: l.quantity })
            })
            .collect::<Result<Vec<_>>>()?;
        let (id, now, exp) = (uuid("hold_id", &hold_id)?, time("now_ms", now_ms)?, time("expires_at_ms", expires_at_ms)?);
        Ok(quota_hold(&self.lock().reserve(id, &lines, now, exp)?))
    }

    /// Sells a live hold.
    pub fn confirm(&self, hold_id: String, now_ms: i64) -> Result<QuotaHold> {
        let (id, now) = (uuid("hold_id", &hold_id)?, time("now_ms", now_ms)?);
        Ok(quota_hold(&self.lock().confirm(id, now)?))
    }

    /// Gives a held hold's units back.
    pub fn release(&self, hold_id: String) -> Result<QuotaHold> {
        Ok(quota_hold(&self.lock().release(uuid("hold_id", &hold_id)?)?))
    }

    /// Expires every hold due at `now_ms`; returns them.
    pub fn expire(&self, now_ms: i64) -> Result<Vec<QuotaHold>> {
        Ok(self.lock().expire(time("now_ms", now_ms)?).iter().map(quota_hold).collect())
    }

    /// Gives sold units of one line back to its quotas; returns the units still sold.
    pub fn refund_line(&self, hold_id: String, line_id: String, quantity: u32) -> Result<u32> {
        let (h, l) = (uuid("hold_id", &hold_id)?, uuid("line_id", &line_id)?);
        Ok(self.lock().refund_line(h, l, quantity)?)
    }

    /// A hold by id.
    pub fn hold(&self, hold_id: String) -> Result<Option<QuotaHold>> {
        Ok(self.lock().hold(uuid("hold_id", &hold_id)?).map(quota_hold))
    }

    /// Units of an item that can still be held (`null`: unlimited; `QUOTA_NOT_COVERED`).
    pub fn available(&self, item_id: String, now_ms: i64) -> Result<Option<u32>> {
        Ok(self.lock().available(uuid("item_id", &item_id)?, time("now_ms", now_ms)?)?)
    }

    /// Counts of every quota at `now_ms`, by id.
    pub fn counts(&self, now_ms: i64) -> Result<Vec<QuotaCounts>> {
        Ok(self
            .lock()
            .counts(time("now_ms", now_ms)?)
            .iter()
            .map(|c| QuotaCounts { quota_id: c.quota_id.to_string(), size: c.size, sold: c.sold, held: c.held, available: c.available })
            .collect())
    }

    /// `sold + held ≤ size` for every quota.
    pub fn invariant_holds(&self) -> bool {
        self.lock().invariant_holds()
    }
}

// ---------------------------------------------------------------- cart orders

/// A product that is not a ticket (parking, merchandise).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AddOn {
    /// Id (UUID).
    pub id: String,
    /// Name.
    pub name: String,
    /// Unit price.
    pub price: Money,
    /// Most units per order.
    pub max_per_order: u32,
    /// Sale opens, ms (`null`: always open).
    #[uniffi(default = None)]
    pub sale_from_ms: Option<i64>,
    /// Sale closes, ms (`null`: never).
    #[uniffi(default = None)]
    pub sale_until_ms: Option<i64>,
}

/// The VAT rate of one item where it differs from the config's rate.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ItemTaxRate {
    /// Item.
    pub item_id: String,
    /// Rate in percent (decimal string).
    pub rate: String,
}

/// What a shop sells.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Catalog {
    /// Ticket types.
    pub ticket_types: Vec<TicketType>,
    /// Add-ons.
    pub add_ons: Vec<AddOn>,
    /// VAT rates per item.
    pub tax_rates: Vec<ItemTaxRate>,
}

fn catalog(c: &Catalog) -> Result<core::Catalog> {
    let opt = |f: &str, t: Option<i64>| t.map(|ms| time(f, ms)).transpose();
    Ok(core::Catalog {
        ticket_types: c.ticket_types.iter().map(ticket_type).collect::<Result<_>>()?,
        add_ons: c
            .add_ons
            .iter()
            .map(|a| {
                Ok(core::AddOn {
                    id: uuid("id", &a.id)?,
                    name: a.name.clone(),
                    price: a.price.to_core()?,
                    max_per_order: a.max_per_order,
                    sale_from: opt("sale_from_ms", a.sale_from_ms)?,
                    sale_until: opt("sale_until_ms", a.sale_until_ms)?,
                })
            })
            .collect::<Result<_>>()?,
        tax_rates: c
            .tax_rates
            .iter()
            .map(|r| Ok(core::ItemTaxRate { item_id: uuid("item_id", &r.item_id)?, rate: parse_decimal(&r.rate)? }))
            .collect::<Result<_>>()?,
    })
}

/// What the customer put in the cart.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CartItem {
    /// Line id (UUID), unique in the cart.
    pub line_id: String,
    /// Catalog item.
    pub item_id: String,
    /// Units.
    pub quantity: u32,
}

/// A line refund request (repeating a `refund_id` returns the recorded refund).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LineRefundRequest {
    /// Refund id (UUID), the idempotency key.
    pub refund_id: String,
    /// Line.
    pub line_id: String,
    /// Units.
    pub quantity: u32,
    /// For a fulfilled ticket line: exactly `quantity` of its unrefunded tickets.
    #[uniffi(default = [])]
    pub ticket_ids: Vec<String>,
}

/// A recorded line refund.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LineRefund {
    /// Refund id.
    pub refund_id: String,
    /// Line.
    pub line_id: String,
    /// Units refunded.
    pub quantity: u32,
    /// Amount refunded (its unit shares of the line total).
    pub amount: Money,
    /// Tickets refunded with it.
    pub ticket_ids: Vec<String>,
    /// When, ms.
    pub at_ms: i64,
}

fn line_refund(r: &core::LineRefund) -> LineRefund {
    LineRefund {
        refund_id: r.refund_id.to_string(),
        line_id: r.line_id.to_string(),
        quantity: r.quantity,
        amount: m(&r.amount),
        ticket_ids: strings(&r.ticket_ids),
        at_ms: r.at.unix_millis(),
    }
}

/// The tickets of one ticket line.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LineTickets {
    /// Line.
    pub line_id: String,
    /// Its tickets.
    pub ticket_ids: Vec<String>,
}

/// An order of several lines held in a [`QuotaBook`]: pending → paid → fulfilled, pending →
/// expired / cancelled, line refunds → partially refunded / refunded.
#[derive(uniffi::Object)]
pub struct CartOrder {
    inner: Mutex<core::CartOrder>,
}

impl CartOrder {
    fn lock(&self) -> MutexGuard<'_, core::CartOrder> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl CartOrder {
    /// Places a cart at `now_ms`: catalog, sale windows and maximum per order checked, priced
    /// with `config` and the promo code, every line held in `quotas` until `expires_at_ms`.
    #[uniffi::constructor]
    #[allow(clippy::too_many_arguments)]
    pub fn place(
        id: String,
        lines: Vec<CartItem>,
        promo_code: Option<String>,
        now_ms: i64,
        expires_at_ms: i64,
        catalog: Catalog,
        config: CartConfig,
        promos: Vec<PromoCode>,
        quotas: Arc<QuotaBook>,
    ) -> Result<Arc<Self>> {
        let spec = core::CartSpec {
            id: uuid("id", &id)?,
            lines: lines
                .iter()
                .map(|l| Ok(core::CartItem { line_id: uuid("line_id", &l.line_id)?, item_id: uuid("item_id", &l.item_id)?, quantity: l.quantity }))
                .collect::<Result<_>>()?,
            promo_code,
            now: time("now_ms", now_ms)?,
            expires_at: time("expires_at_ms", expires_at_ms)?,
        };
        let (catalog, config, promos) = (self::catalog(&catalog)?, cart_config(&config)?, self::promos(&promos)?);
        let order = core::CartOrder::place(spec, &catalog, &config, &promos, &mut quotas.lock())?;
        Ok(Arc::new(CartOrder { inner: Mutex::new(order) }))
    }

    /// Reads an order saved with [`CartOrder::to_json`] (`ORDER_STATE_INVALID` if inconsistent).
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        Ok(Arc::new(CartOrder { inner: Mutex::new(core::CartOrder::from_json(&json)?) }))
    }

    /// The persisted form as JSON.
    pub fn to_json(&self) -> Result<String> {
        Ok(self.lock().to_json()?)
    }

    /// Order id.
    pub fn id(&self) -> String {
        self.lock().id().to_string()
    }

    /// State.
    pub fn state(&self) -> OrderState {
        self.lock().state().into()
    }

    /// Amount due.
    pub fn total(&self) -> Money {
        m(&self.lock().total())
    }

    /// Amount paid.
    pub fn paid(&self) -> Option<Money> {
        self.lock().paid().as_ref().map(m)
    }

    /// Σ line refunds.
    pub fn refunded(&self) -> Result<Money> {
        Ok(m(&self.lock().refunded()?))
    }

    /// What can still be refunded.
    pub fn refundable(&self) -> Result<Money> {
        Ok(m(&self.lock().refundable()?))
    }

    /// Hold expiry, ms.
    pub fn expires_at_ms(&self) -> i64 {
        self.lock().expires_at().unix_millis()
    }

    /// The price breakdown made at placement.
    pub fn breakdown(&self) -> CartBreakdown {
        breakdown(self.lock().breakdown())
    }

    /// Every line refund.
    pub fn refunds(&self) -> Vec<LineRefund> {
        self.lock().refunds().iter().map(line_refund).collect()
    }

    /// Tickets per ticket line.
    pub fn tickets(&self) -> Vec<LineTickets> {
        self.lock().tickets().iter().map(|t| LineTickets { line_id: t.line_id.to_string(), ticket_ids: strings(&t.ticket_ids) }).collect()
    }

    /// Units of a line refunded so far.
    pub fn refunded_quantity(&self, line_id: String) -> Result<u32> {
        Ok(self.lock().refunded_quantity(uuid("line_id", &line_id)?))
    }

    /// What refunding the next `quantity` units of a line gives back (changes nothing).
    pub fn line_refund_amount(&self, line_id: String, quantity: u32) -> Result<Money> {
        Ok(m(&self.lock().line_refund_amount(uuid("line_id", &line_id)?, quantity)?))
    }

    /// Pays exactly the total and sells the quota hold.
    pub fn pay(&self, quotas: Arc<QuotaBook>, amount: Money, at_ms: i64) -> Result<OrderState> {
        let (amount, at) = (amount.to_core()?, time("at_ms", at_ms)?);
        Ok(self.lock().pay(&mut quotas.lock(), amount, at)?.into())
    }

    /// Issues the tickets of the ticket lines, in line order.
    pub fn fulfill(&self, book: Arc<TicketBook>, tickets: Vec<NewTicket>, at_ms: i64) -> Result<OrderState> {
        let tickets = tickets.iter().map(new_ticket).collect::<Result<Vec<_>>>()?;
        let at = time("at_ms", at_ms)?;
        Ok(self.lock().fulfill(&mut book.lock(), tickets, at)?.into())
    }

    /// Expires a pending order at or after its hold expiry.
    pub fn expire(&self, quotas: Arc<QuotaBook>, at_ms: i64) -> Result<OrderState> {
        let at = time("at_ms", at_ms)?;
        Ok(self.lock().expire(&mut quotas.lock(), at)?.into())
    }

    /// Cancels a pending order.
    pub fn cancel(&self, quotas: Arc<QuotaBook>, at_ms: i64) -> Result<OrderState> {
        let at = time("at_ms", at_ms)?;
        Ok(self.lock().cancel(&mut quotas.lock(), at)?.into())
    }

    /// Refunds units of one line (its shares of the order discount and fees included), gives them
    /// back to the quotas and refunds the named tickets in `book`; idempotent per `refund_id`.
    pub fn refund_line(
        &self,
        refund: LineRefundRequest,
        at_ms: i64,
        quotas: Arc<QuotaBook>,
        book: Option<Arc<TicketBook>>,
    ) -> Result<LineRefund> {
        let request = core::LineRefundRequest {
            refund_id: uuid("refund_id", &refund.refund_id)?,
            line_id: uuid("line_id", &refund.line_id)?,
            quantity: refund.quantity,
            ticket_ids: uuids("ticket_ids", &refund.ticket_ids)?,
        };
        let at = time("at_ms", at_ms)?;
        let mut order = self.lock();
        let mut quotas = quotas.lock();
        let r = match &book {
            Some(b) => order.refund_line(request, at, &mut quotas, Some(&mut b.lock()))?,
            None => order.refund_line(request, at, &mut quotas, None)?,
        };
        Ok(line_refund(&r))
    }
}
