//! Ticketing for JS: `priceOrder` and the plain-data helpers of ticket types and promo codes, and
//! handles for the core's [`Inventory`], [`Order`] and [`TicketBook`] (one method per public core
//! method; `serialize` / `deserialize` in the core's snake_case JSON, checked on the way in).
//!
//! Nothing here decides anything: arguments are checked for shape and handed to festival-core,
//! whose errors (`INVENTORY_SOLD_OUT`, `ORDER_ILLEGAL_TRANSITION`, `TICKET_ALREADY_USED`...) reach
//! JS unchanged.

use crate::offline::{timestamp_arg, uuid_arg};
use crate::{
    array_arg, decimal_arg, enum_arg, from_js, invalid, money_arg, money_out, object_arg, str_arg, to_js, Result,
};
use festival_core::money::tax::{PriceBasis, TaxRounding};
use festival_core::money::Currency;
use festival_core::ticketing::pricing::{price, PriceRequest, PricingConfig, PromoCode};
use festival_core::ticketing::cart::{price_cart as price_cart_core, CartConfig, CartPriceRequest};
use festival_core::ticketing::{
    CartOrder, CartSpec, Catalog, Inventory, LineRefundRequest, NewTicket, Order, OrderEvent, Quota, QuotaBook,
    QuotaRequest, TicketBook, TicketEvent, TicketType,
};
use serde_json::{json, Value};

/// `None` for `null` / `undefined`.
pub(crate) fn opt(v: &Value) -> Option<&Value> {
    if v.is_null() {
        None
    } else {
        Some(v)
    }
}

/// A count that fits the core's `u32` (quantities, capacities).
pub(crate) fn u32_arg(field: &str, v: &Value) -> Result<u32> {
    let n = crate::u64_arg(field, v)?;
    u32::try_from(n).map_err(|_| invalid(field, format!("must be at most {}, got {n}", u32::MAX)))
}

/// The core's JSON text of a value (what `serialize()` returns), through a [`Value`] like
/// the other outputs (their `to_value` code is shared).
pub(crate) fn state_out<T: serde::Serialize>(value: &T) -> Result<String> {
    Ok(serde_json::to_value(value).map_err(|e| invalid("state", e.to_string()))?.to_string())
}

/// Checks the `unitPrice` money of each line first, so a bad amount keeps its `MONEY_*` code.
fn check_line_prices(field: &str, lines: Option<&Value>) -> Result<()> {
    if let Some(Value::Array(lines)) = lines {
        for (i, line) in lines.iter().enumerate() {
            if let Some(p) = line.get("unitPrice") {
                money_arg(&format!("{field}[{i}].unitPrice"), p)?;
            }
        }
    }
    Ok(())
}

fn promos_arg(v: &Value) -> Result<Vec<PromoCode>> {
    match opt(v) {
        None => Ok(Vec::new()),
        Some(p) => {
            array_arg("promos", p)?;
            from_js("promos", p)
        }
    }
}

/// `priceOrder(request, config, promos?): PriceBreakdown` — the core's
/// [`festival_core::ticketing::pricing::price`]: quantity × unit price, promo code, service fees,
/// VAT; money as `{ amount, currency }` strings.
pub fn price_order(request: &Value, config: &Value, promos: &Value) -> Result<Value> {
    object_arg("request", request)?;
    check_line_prices("request.lines", request.get("lines"))?;
    let request: PriceRequest = from_js("request", request)?;
    let config: PricingConfig = from_js("config", config)?;
    to_js(&price(&request, &config, &promos_arg(promos)?)?)
}

/// `pricingConfig(currency, vatRate, basis, rounding): PricingConfig` — the core's defaults
/// ([`PricingConfig::new`]: no fees, fees taxable, half-even rounding), to adjust and pass to
/// `priceOrder`.
pub fn pricing_config(currency: &Value, vat_rate: &Value, basis: &Value, rounding: &Value) -> Result<Value> {
    let currency: Currency = str_arg("currency", currency)?.parse()?;
    let rate = decimal_arg("vatRate", vat_rate)?;
    let basis: PriceBasis = enum_arg("basis", basis, "'gross', 'net'")?;
    let rounding: TaxRounding = enum_arg("rounding", rounding, "'per_line', 'sum_by_net', 'sum_by_net_keep_gross'")?;
    to_js(&PricingConfig::new(currency, rate, basis, rounding))
}

/// `checkPromo(promo, lines, at): void` — [`PromoCode::check`] (expiry, uses, applicable types,
/// minimum quantity), after [`PromoCode::validate`] against the currency of the first line.
pub fn check_promo(promo: &Value, lines: &Value, at: &Value) -> Result<Value> {
    let promo: PromoCode = from_js("promo", promo)?;
    array_arg("lines", lines)?;
    check_line_prices("lines", Some(lines))?;
    let lines: Vec<festival_core::ticketing::pricing::PriceLine> = from_js("lines", lines)?;
    if let Some(first) = lines.first() {
        promo.validate(first.unit_price.currency())?;
    }
    promo.check(&lines, timestamp_arg("at", at)?)?;
    Ok(Value::Null)
}

/// `recordPromoUse(promo): PromoCode` — [`PromoCode::record_use`]: the code with one more use
/// (`PROMO_EXHAUSTED` when none is left); the caller stores it.
pub fn record_promo_use(promo: &Value) -> Result<Value> {
    let mut promo: PromoCode = from_js("promo", promo)?;
    promo.record_use()?;
    to_js(&promo)
}

/// `checkTicketSale(ticketType, at, quantity): void` — [`TicketType::validate`] then
/// [`TicketType::check_sale`] (quantity, max per order, sale window).
pub fn check_ticket_sale(ticket_type: &Value, at: &Value, quantity: &Value) -> Result<Value> {
    let ty = ticket_type_arg(ticket_type)?;
    ty.check_sale(timestamp_arg("at", at)?, u32_arg("quantity", quantity)?)?;
    Ok(Value::Null)
}

fn ticket_type_arg(v: &Value) -> Result<TicketType> {
    object_arg("ticketType", v)?;
    if let Some(p) = v.get("price") {
        money_arg("ticketType.price", p)?;
    }
    let ty: TicketType = from_js("ticketType", v)?;
    ty.validate()?;
    Ok(ty)
}

// ------------------------------------------------------------------ inventory

/// The seats of one ticket type with caller-identified, time-limited holds.
#[derive(Debug, Clone)]
pub struct InventoryHandle(Inventory);

impl InventoryHandle {
    /// `new Inventory(ticketTypeId, capacity)`.
    pub fn new(ticket_type_id: &Value, capacity: &Value) -> Result<Self> {
        Ok(InventoryHandle(Inventory::new(uuid_arg("ticketTypeId", ticket_type_id)?, u32_arg("capacity", capacity)?)))
    }

    /// `Inventory.deserialize(state)`: the JSON of `serialize()`, checked by the core
    /// (`Inventory::from_json`): `INPUT_INVALID` for malformed JSON, `INVENTORY_STATE_INVALID` if
    /// `sold + held > capacity` or a hold is filed under another id.
    pub fn deserialize(state: &Value) -> Result<Self> {
        // The core checks the state (INPUT_INVALID for bad JSON, INVENTORY_STATE_INVALID otherwise).
        Ok(InventoryHandle(Inventory::from_json(str_arg("state", state)?)?))
    }

    /// `serialize(): string` (the core's JSON).
    pub fn serialize(&self) -> Result<String> {
        state_out(&self.0)
    }

    /// `ticketTypeId(): string`.
    pub fn ticket_type_id(&self) -> Value {
        json!(self.0.ticket_type_id().to_string())
    }

    /// `capacity(): number`.
    pub fn capacity(&self) -> Value {
        json!(self.0.capacity())
    }

    /// `sold(): number`.
    pub fn sold(&self) -> Value {
        json!(self.0.sold())
    }

    /// `hold(holdId): Hold | null`.
    pub fn hold(&self, hold_id: &Value) -> Result<Value> {
        match self.0.hold(uuid_arg("holdId", hold_id)?) {
            Some(h) => to_js(h),
            None => Ok(Value::Null),
        }
    }

    /// `holds(): Hold[]` (every hold, by id, in any state).
    pub fn holds(&self) -> Result<Value> {
        let holds: Vec<_> = self.0.holds().collect();
        to_js(&holds)
    }

    /// `available(now): number`.
    pub fn available(&self, now: &Value) -> Result<Value> {
        Ok(json!(self.0.available(timestamp_arg("now", now)?)))
    }

    /// `counts(now): InventoryCounts`.
    pub fn counts(&self, now: &Value) -> Result<Value> {
        to_js(&self.0.counts(timestamp_arg("now", now)?))
    }

    /// `reserve(holdId, quantity, now, expiresAt): Hold`.
    pub fn reserve(&mut self, hold_id: &Value, quantity: &Value, now: &Value, expires_at: &Value) -> Result<Value> {
        let hold = self.0.reserve(
            uuid_arg("holdId", hold_id)?,
            u32_arg("quantity", quantity)?,
            timestamp_arg("now", now)?,
            timestamp_arg("expiresAt", expires_at)?,
        )?;
        to_js(&hold)
    }

    /// `confirm(holdId, now): Hold`.
    pub fn confirm(&mut self, hold_id: &Value, now: &Value) -> Result<Value> {
        to_js(&self.0.confirm(uuid_arg("holdId", hold_id)?, timestamp_arg("now", now)?)?)
    }

    /// `release(holdId): Hold`.
    pub fn release(&mut self, hold_id: &Value) -> Result<Value> {
        to_js(&self.0.release(uuid_arg("holdId", hold_id)?)?)
    }

    /// `expire(now): Hold[]` (the holds that expired now).
    pub fn expire(&mut self, now: &Value) -> Result<Value> {
        to_js(&self.0.expire(timestamp_arg("now", now)?))
    }

    /// `restock(quantity): number` (seats sold afterwards).
    pub fn restock(&mut self, quantity: &Value) -> Result<Value> {
        Ok(json!(self.0.restock(u32_arg("quantity", quantity)?)?))
    }

    /// `invariantHolds(): boolean`.
    pub fn invariant_holds(&self) -> Value {
        json!(self.0.invariant_holds())
    }
}

// ------------------------------------------------------------------ orders

/// An order for tickets of one type (pending → paid → fulfilled...).
#[derive(Debug, Clone)]
pub struct OrderHandle(Order);

fn new_tickets_arg(field: &str, v: &Value) -> Result<Vec<NewTicket>> {
    array_arg(field, v)?;
    from_js(field, v)
}

impl OrderHandle {
    /// `Order.place(id, ticketType, inventory, quantity, total, now, expiresAt)`: holds the seats.
    #[allow(clippy::too_many_arguments)]
    pub fn place(
        id: &Value,
        ticket_type: &Value,
        inventory: &mut InventoryHandle,
        quantity: &Value,
        total: &Value,
        now: &Value,
        expires_at: &Value,
    ) -> Result<Self> {
        let id = uuid_arg("id", id)?;
        let ty = ticket_type_arg(ticket_type)?;
        let quantity = u32_arg("quantity", quantity)?;
        let total = money_arg("total", total)?;
        let (now, expires_at) = (timestamp_arg("now", now)?, timestamp_arg("expiresAt", expires_at)?);
        Ok(OrderHandle(Order::place(id, &ty, &mut inventory.0, quantity, total, now, expires_at)?))
    }

    /// `Order.deserialize(state)`: the JSON of `serialize()`, checked by the core
    /// (`Order::from_json`): `INPUT_INVALID` for malformed JSON, `ORDER_STATE_INVALID` when the
    /// amounts or ticket ids disagree with the state.
    pub fn deserialize(state: &Value) -> Result<Self> {
        // The core checks the state (INPUT_INVALID for bad JSON, ORDER_STATE_INVALID otherwise).
        Ok(OrderHandle(Order::from_json(str_arg("state", state)?)?))
    }

    /// `serialize(): string` (the core's JSON).
    pub fn serialize(&self) -> Result<String> {
        state_out(&self.0)
    }

    /// `id(): string`.
    pub fn id(&self) -> Value {
        json!(self.0.id().to_string())
    }

    /// `ticketTypeId(): string`.
    pub fn ticket_type_id(&self) -> Value {
        json!(self.0.ticket_type_id().to_string())
    }

    /// `quantity(): number`.
    pub fn quantity(&self) -> Value {
        json!(self.0.quantity())
    }

    /// `total(): Money`.
    pub fn total(&self) -> Value {
        money_out(&self.0.total())
    }

    /// `state(): OrderState`.
    pub fn state(&self) -> Value {
        json!(self.0.state().as_str())
    }

    /// `createdAt(): string`.
    pub fn created_at(&self) -> Value {
        json!(self.0.created_at().to_string())
    }

    /// `updatedAt(): string`.
    pub fn updated_at(&self) -> Value {
        json!(self.0.updated_at().to_string())
    }

    /// `expiresAt(): string`.
    pub fn expires_at(&self) -> Value {
        json!(self.0.expires_at().to_string())
    }

    /// `paid(): Money | null`.
    pub fn paid(&self) -> Value {
        self.0.paid().map_or(Value::Null, |m| money_out(&m))
    }

    /// `refunded(): Money`.
    pub fn refunded(&self) -> Value {
        money_out(&self.0.refunded())
    }

    /// `refundable(): Money`.
    pub fn refundable(&self) -> Result<Value> {
        Ok(money_out(&self.0.refundable()?))
    }

    /// `ticketIds(): string[]`.
    pub fn ticket_ids(&self) -> Value {
        json!(self.0.ticket_ids().iter().map(|u| u.to_string()).collect::<Vec<_>>())
    }

    /// `apply(event, inventory, book): OrderState` with `event = { event: 'pay', amount, at } | ...`.
    pub fn apply(
        &mut self,
        event: &Value,
        inventory: &mut InventoryHandle,
        book: &mut TicketBookHandle,
    ) -> Result<Value> {
        let event: OrderEvent = from_js("event", event)?;
        Ok(json!(self.0.apply(event, &mut inventory.0, &mut book.0)?.as_str()))
    }

    /// `pay(inventory, amount, at): OrderState`.
    pub fn pay(&mut self, inventory: &mut InventoryHandle, amount: &Value, at: &Value) -> Result<Value> {
        let (amount, at) = (money_arg("amount", amount)?, timestamp_arg("at", at)?);
        Ok(json!(self.0.pay(&mut inventory.0, amount, at)?.as_str()))
    }

    /// `fulfill(book, tickets, at): OrderState` (issues exactly `quantity` tickets).
    pub fn fulfill(&mut self, book: &mut TicketBookHandle, tickets: &Value, at: &Value) -> Result<Value> {
        let (tickets, at) = (new_tickets_arg("tickets", tickets)?, timestamp_arg("at", at)?);
        Ok(json!(self.0.fulfill(&mut book.0, tickets, at)?.as_str()))
    }

    /// `expire(inventory, at): OrderState`.
    pub fn expire(&mut self, inventory: &mut InventoryHandle, at: &Value) -> Result<Value> {
        Ok(json!(self.0.expire(&mut inventory.0, timestamp_arg("at", at)?)?.as_str()))
    }

    /// `cancel(inventory, at): OrderState`.
    pub fn cancel(&mut self, inventory: &mut InventoryHandle, at: &Value) -> Result<Value> {
        Ok(json!(self.0.cancel(&mut inventory.0, timestamp_arg("at", at)?)?.as_str()))
    }

    /// `refund(amount, at): OrderState`.
    pub fn refund(&mut self, amount: &Value, at: &Value) -> Result<Value> {
        let (amount, at) = (money_arg("amount", amount)?, timestamp_arg("at", at)?);
        Ok(json!(self.0.refund(amount, at)?.as_str()))
    }
}

// ------------------------------------------------------------------ tickets

/// The ticket registry: ticket types, tickets, the ticket state machine.
#[derive(Debug, Clone, Default)]
pub struct TicketBookHandle(pub(crate) TicketBook);

fn event_arg(v: &Value) -> Result<TicketEvent> {
    enum_arg("event", v, "'check_in', 'check_out', 'cancel', 'refund', 'revoke'")
}

fn new_ticket_arg(field: &str, v: &Value) -> Result<NewTicket> {
    object_arg(field, v)?;
    from_js(field, v)
}

fn order_id_arg(v: &Value) -> Result<Option<uuid::Uuid>> {
    opt(v).map(|o| uuid_arg("orderId", o)).transpose()
}

impl TicketBookHandle {
    /// `new TicketBook()`.
    pub fn new() -> Self {
        TicketBookHandle(TicketBook::new())
    }

    /// `TicketBook.deserialize(state)`: the JSON of `serialize()`, checked by the core
    /// (`TicketBook::from_json`): `INPUT_INVALID` for malformed JSON, `TICKET_STATE_INVALID` when
    /// the ticket and number indexes disagree or a ticket's type is missing.
    pub fn deserialize(state: &Value) -> Result<Self> {
        // The core checks the state (INPUT_INVALID for bad JSON, TICKET_STATE_INVALID otherwise).
        Ok(TicketBookHandle(TicketBook::from_json(str_arg("state", state)?)?))
    }

    /// `serialize(): string` (the core's JSON).
    pub fn serialize(&self) -> Result<String> {
        state_out(&self.0)
    }

    /// `addType(ticketType): void`.
    pub fn add_type(&mut self, ticket_type: &Value) -> Result<Value> {
        object_arg("ticketType", ticket_type)?;
        if let Some(p) = ticket_type.get("price") {
            money_arg("ticketType.price", p)?;
        }
        let ty: TicketType = from_js("ticketType", ticket_type)?;
        self.0.add_type(ty)?;
        Ok(Value::Null)
    }

    /// `ticketType(id): TicketType` (`TICKET_UNKNOWN_TYPE` if missing).
    pub fn ticket_type(&self, id: &Value) -> Result<Value> {
        to_js(self.0.ticket_type(uuid_arg("id", id)?)?)
    }

    /// `ticketTypes(): TicketType[]` (by id).
    pub fn ticket_types(&self) -> Result<Value> {
        let all: Vec<_> = self.0.ticket_types().collect();
        to_js(&all)
    }

    /// `ticket(id): Ticket` (`TICKET_UNKNOWN` if missing).
    pub fn ticket(&self, id: &Value) -> Result<Value> {
        to_js(self.0.ticket(uuid_arg("id", id)?)?)
    }

    /// `byNumber(number): Ticket | null`.
    pub fn by_number(&self, number: &Value) -> Result<Value> {
        match self.0.by_number(str_arg("number", number)?) {
            Some(t) => to_js(t),
            None => Ok(Value::Null),
        }
    }

    /// `tickets(): Ticket[]` (by id).
    pub fn tickets(&self) -> Result<Value> {
        let all: Vec<_> = self.0.tickets().collect();
        to_js(&all)
    }

    /// `issue(ticketTypeId, ticket, orderId, at): Ticket`.
    pub fn issue(&mut self, ticket_type_id: &Value, spec: &Value, order_id: &Value, at: &Value) -> Result<Value> {
        let ty = uuid_arg("ticketTypeId", ticket_type_id)?;
        let spec = new_ticket_arg("ticket", spec)?;
        let (order_id, at) = (order_id_arg(order_id)?, timestamp_arg("at", at)?);
        to_js(&self.0.issue(ty, spec, order_id, at)?)
    }

    /// `issueAll(ticketTypeId, tickets, orderId, at): Ticket[]` (all or none).
    pub fn issue_all(&mut self, ticket_type_id: &Value, specs: &Value, order_id: &Value, at: &Value) -> Result<Value> {
        let ty = uuid_arg("ticketTypeId", ticket_type_id)?;
        let specs = new_tickets_arg("tickets", specs)?;
        let (order_id, at) = (order_id_arg(order_id)?, timestamp_arg("at", at)?);
        to_js(&self.0.issue_all(ty, specs, order_id, at)?)
    }

    /// `nextState(ticketId, event): TicketState` (changes nothing).
    pub fn next_state(&self, ticket_id: &Value, event: &Value) -> Result<Value> {
        to_js(&self.0.next_state(uuid_arg("ticketId", ticket_id)?, event_arg(event)?)?)
    }

    /// `apply(ticketId, event, at): Ticket`.
    pub fn apply(&mut self, ticket_id: &Value, event: &Value, at: &Value) -> Result<Value> {
        let (id, event) = (uuid_arg("ticketId", ticket_id)?, event_arg(event)?);
        to_js(&self.0.apply(id, event, timestamp_arg("at", at)?)?)
    }

    /// `checkIn` / `checkOut` / `cancel` / `refund` / `revoke` `(ticketId, at): Ticket`.
    pub fn event(&mut self, ticket_id: &Value, event: TicketEvent, at: &Value) -> Result<Value> {
        let id = uuid_arg("ticketId", ticket_id)?;
        to_js(&self.0.apply(id, event, timestamp_arg("at", at)?)?)
    }

    /// `transfer(ticketId, to, at): Ticket` (the new ticket).
    pub fn transfer(&mut self, ticket_id: &Value, to: &Value, at: &Value) -> Result<Value> {
        let (id, to) = (uuid_arg("ticketId", ticket_id)?, new_ticket_arg("to", to)?);
        to_js(&self.0.transfer(id, to, timestamp_arg("at", at)?)?)
    }
}

// ------------------------------------------------------------------ carts

/// `priceCart(request, config, promos?): CartBreakdown` — the core's
/// [`festival_core::ticketing::cart::price_cart`]: several lines (tickets and add-ons), promo
/// codes per line or per order, line and order fees, VAT per line.
pub fn price_cart(request: &Value, config: &Value, promos: &Value) -> Result<Value> {
    object_arg("request", request)?;
    check_line_prices("request.lines", request.get("lines"))?;
    let request: CartPriceRequest = from_js("request", request)?;
    object_arg("config", config)?;
    let config: CartConfig = from_js("config", config)?;
    to_js(&price_cart_core(&request, &config, &promos_arg(promos)?)?)
}

/// Shared quotas over ticket types and add-ons, with the holds of carts.
#[derive(Debug, Clone)]
pub struct QuotaBookHandle(pub(crate) QuotaBook);

impl QuotaBookHandle {
    /// `new QuotaBook(quotas)` (`QUOTA_INVALID` for a bad definition).
    pub fn new(quotas: &Value) -> Result<Self> {
        array_arg("quotas", quotas)?;
        let quotas: Vec<Quota> = from_js("quotas", quotas)?;
        Ok(QuotaBookHandle(QuotaBook::new(quotas)?))
    }

    /// `QuotaBook.deserialize(state)`: the JSON of `serialize()`, checked by the core
    /// (`INPUT_INVALID` for malformed JSON, `QUOTA_STATE_INVALID` when an invariant is broken).
    pub fn deserialize(state: &Value) -> Result<Self> {
        Ok(QuotaBookHandle(QuotaBook::from_json(str_arg("state", state)?)?))
    }

    /// `serialize(): string` (the core's JSON).
    pub fn serialize(&self) -> Result<String> {
        state_out(&self.0)
    }

    /// `quotas(): Quota[]` (by id).
    pub fn quotas(&self) -> Result<Value> {
        let all: Vec<_> = self.0.quotas().collect();
        to_js(&all)
    }

    /// `hold(holdId): QuotaHold | null`.
    pub fn hold(&self, hold_id: &Value) -> Result<Value> {
        match self.0.hold(uuid_arg("holdId", hold_id)?) {
            Some(h) => to_js(h),
            None => Ok(Value::Null),
        }
    }

    /// `holds(): QuotaHold[]` (every hold, by id).
    pub fn holds(&self) -> Result<Value> {
        let all: Vec<_> = self.0.holds().collect();
        to_js(&all)
    }

    /// `counts(now): QuotaCounts[]`.
    pub fn counts(&self, now: &Value) -> Result<Value> {
        to_js(&self.0.counts(timestamp_arg("now", now)?))
    }

    /// `available(itemId, now): number | null` (`null`: unlimited; `QUOTA_NOT_COVERED`).
    pub fn available(&self, item_id: &Value, now: &Value) -> Result<Value> {
        Ok(json!(self.0.available(uuid_arg("itemId", item_id)?, timestamp_arg("now", now)?)?))
    }

    /// `reserve(holdId, lines, now, expiresAt): QuotaHold` (all lines or nothing).
    pub fn reserve(&mut self, hold_id: &Value, lines: &Value, now: &Value, expires_at: &Value) -> Result<Value> {
        let id = uuid_arg("holdId", hold_id)?;
        array_arg("lines", lines)?;
        let lines: Vec<QuotaRequest> = from_js("lines", lines)?;
        let (now, exp) = (timestamp_arg("now", now)?, timestamp_arg("expiresAt", expires_at)?);
        to_js(&self.0.reserve(id, &lines, now, exp)?)
    }

    /// `confirm(holdId, now): QuotaHold`.
    pub fn confirm(&mut self, hold_id: &Value, now: &Value) -> Result<Value> {
        to_js(&self.0.confirm(uuid_arg("holdId", hold_id)?, timestamp_arg("now", now)?)?)
    }

    /// `release(holdId): QuotaHold`.
    pub fn release(&mut self, hold_id: &Value) -> Result<Value> {
        to_js(&self.0.release(uuid_arg("holdId", hold_id)?)?)
    }

    /// `expire(now): QuotaHold[]` (the holds that expired now).
    pub fn expire(&mut self, now: &Value) -> Result<Value> {
        to_js(&self.0.expire(timestamp_arg("now", now)?))
    }

    /// `refundLine(holdId, lineId, quantity): number` (units of the line still sold).
    pub fn refund_line(&mut self, hold_id: &Value, line_id: &Value, quantity: &Value) -> Result<Value> {
        let (h, l) = (uuid_arg("holdId", hold_id)?, uuid_arg("lineId", line_id)?);
        Ok(json!(self.0.refund_line(h, l, u32_arg("quantity", quantity)?)?))
    }

    /// `invariantHolds(): boolean`.
    pub fn invariant_holds(&self) -> Value {
        json!(self.0.invariant_holds())
    }
}

/// An order of several lines (a placed cart).
#[derive(Debug, Clone)]
pub struct CartOrderHandle(CartOrder);

impl CartOrderHandle {
    /// `CartOrder.place(spec, catalog, config, promos, quotas)`: prices the cart and holds it.
    pub fn place(
        spec: &Value,
        catalog: &Value,
        config: &Value,
        promos: &Value,
        quotas: &mut QuotaBookHandle,
    ) -> Result<Self> {
        object_arg("spec", spec)?;
        let spec: CartSpec = from_js("spec", spec)?;
        object_arg("catalog", catalog)?;
        let catalog: Catalog = from_js("catalog", catalog)?;
        object_arg("config", config)?;
        let config: CartConfig = from_js("config", config)?;
        Ok(CartOrderHandle(CartOrder::place(spec, &catalog, &config, &promos_arg(promos)?, &mut quotas.0)?))
    }

    /// `CartOrder.deserialize(state)` (checked: `ORDER_STATE_INVALID`).
    pub fn deserialize(state: &Value) -> Result<Self> {
        Ok(CartOrderHandle(CartOrder::from_json(str_arg("state", state)?)?))
    }

    /// `serialize(): string` (the core's JSON).
    pub fn serialize(&self) -> Result<String> {
        state_out(&self.0)
    }

    /// `id(): string`.
    pub fn id(&self) -> Value {
        json!(self.0.id().to_string())
    }

    /// `state(): OrderState`.
    pub fn state(&self) -> Value {
        json!(self.0.state().as_str())
    }

    /// `total(): Money`.
    pub fn total(&self) -> Value {
        money_out(&self.0.total())
    }

    /// `paid(): Money | null`.
    pub fn paid(&self) -> Value {
        self.0.paid().map_or(Value::Null, |m| money_out(&m))
    }

    /// `refunded(): Money`.
    pub fn refunded(&self) -> Result<Value> {
        Ok(money_out(&self.0.refunded()?))
    }

    /// `refundable(): Money`.
    pub fn refundable(&self) -> Result<Value> {
        Ok(money_out(&self.0.refundable()?))
    }

    /// `breakdown(): CartBreakdown`.
    pub fn breakdown(&self) -> Result<Value> {
        to_js(self.0.breakdown())
    }

    /// `refunds(): LineRefund[]`.
    pub fn refunds(&self) -> Result<Value> {
        to_js(&self.0.refunds())
    }

    /// `tickets(): LineTickets[]`.
    pub fn tickets(&self) -> Result<Value> {
        to_js(&self.0.tickets())
    }

    /// `createdAt(): string`.
    pub fn created_at(&self) -> Value {
        json!(self.0.created_at().to_string())
    }

    /// `updatedAt(): string`.
    pub fn updated_at(&self) -> Value {
        json!(self.0.updated_at().to_string())
    }

    /// `expiresAt(): string`.
    pub fn expires_at(&self) -> Value {
        json!(self.0.expires_at().to_string())
    }

    /// `refundedQuantity(lineId): number`.
    pub fn refunded_quantity(&self, line_id: &Value) -> Result<Value> {
        Ok(json!(self.0.refunded_quantity(uuid_arg("lineId", line_id)?)))
    }

    /// `lineRefundAmount(lineId, quantity): Money` (changes nothing).
    pub fn line_refund_amount(&self, line_id: &Value, quantity: &Value) -> Result<Value> {
        let id = uuid_arg("lineId", line_id)?;
        Ok(money_out(&self.0.line_refund_amount(id, u32_arg("quantity", quantity)?)?))
    }

    /// `pay(quotas, amount, at): OrderState`.
    pub fn pay(&mut self, quotas: &mut QuotaBookHandle, amount: &Value, at: &Value) -> Result<Value> {
        let (amount, at) = (money_arg("amount", amount)?, timestamp_arg("at", at)?);
        Ok(json!(self.0.pay(&mut quotas.0, amount, at)?.as_str()))
    }

    /// `fulfill(book, tickets, at): OrderState` (tickets of the ticket lines, in line order).
    pub fn fulfill(&mut self, book: &mut TicketBookHandle, tickets: &Value, at: &Value) -> Result<Value> {
        let (tickets, at) = (new_tickets_arg("tickets", tickets)?, timestamp_arg("at", at)?);
        Ok(json!(self.0.fulfill(&mut book.0, tickets, at)?.as_str()))
    }

    /// `expire(quotas, at): OrderState`.
    pub fn expire(&mut self, quotas: &mut QuotaBookHandle, at: &Value) -> Result<Value> {
        Ok(json!(self.0.expire(&mut quotas.0, timestamp_arg("at", at)?)?.as_str()))
    }

    /// `cancel(quotas, at): OrderState`.
    pub fn cancel(&mut self, quotas: &mut QuotaBookHandle, at: &Value) -> Result<Value> {
        Ok(json!(self.0.cancel(&mut quotas.0, timestamp_arg("at", at)?)?.as_str()))
    }

    /// `refundLine(refund, at, quotas, book): LineRefund` with `refund = { refundId, lineId,
    /// quantity, ticketIds? }`; idempotent per `refundId`.
    pub fn refund_line(
        &mut self,
        refund: &Value,
        at: &Value,
        quotas: &mut QuotaBookHandle,
        book: &mut TicketBookHandle,
    ) -> Result<Value> {
        object_arg("refund", refund)?;
        let refund: LineRefundRequest = from_js("refund", refund)?;
        let at = timestamp_arg("at", at)?;
        to_js(&self.0.refund_line(refund, at, &mut quotas.0, Some(&mut book.0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use festival_core::ErrorCode;

    const TYPE: &str = "00000000-0000-4000-8000-000000000001";
    const ORDER: &str = "00000000-0000-4000-8000-000000000100";

    fn eur(a: &str) -> Value {
        json!({"amount": a, "currency": "EUR"})
    }

    fn day() -> Value {
        json!({"id": TYPE, "name": "Day", "price": eur("50"), "capacity": 3,
               "saleFrom": "2026-01-01T00:00:00Z", "saleUntil": "2026-07-04T00:00:00Z",
               "validFrom": "2026-07-04T00:00:00Z", "validUntil": "2026-07-05T00:00:00Z",
               "maxPerOrder": 4, "zones": ["main"], "reentryAllowed": false, "transferLimit": 1})
    }

    fn code<T: std::fmt::Debug>(r: Result<T>) -> &'static str {
        r.unwrap_err().code()
    }

    #[test]
    fn price_order_is_camel_case_and_exact() {
        let config =
            pricing_config(&json!("EUR"), &json!("19"), &json!("gross"), &json!("sum_by_net_keep_gross")).unwrap();
        assert_eq!(config["fees"]["perTicket"], eur("0.00"));
        let req = json!({"lines": [{"ticketTypeId": TYPE, "unitPrice": eur("59.00"), "quantity": 2}],
                         "promoCode": "early10", "at": "2026-05-01T00:00:00Z"});
        let promos = json!([{"code": "EARLY10", "discount": {"kind": "percentage", "percent": "10"}}]);
        let b = price_order(&req, &config, &promos).unwrap();
        assert_eq!(b["total"], eur("106.20"));
        assert_eq!(b["promoCode"], "EARLY10");
        assert_eq!(b["lines"][0]["roundingAdjustment"], eur("0.00"));
        let bad = json!({"lines": [{"ticketTypeId": TYPE, "unitPrice": {"amount": 59, "currency": "EUR"}, "quantity": 2}],
                         "at": "2026-05-01T00:00:00Z"});
        assert_eq!(code(price_order(&bad, &config, &Value::Null)), "INPUT_INVALID");
        let scale = json!({"lines": [{"ticketTypeId": TYPE, "unitPrice": eur("1.001"), "quantity": 2}],
                           "at": "2026-05-01T00:00:00Z"});
        assert_eq!(code(price_order(&scale, &config, &Value::Null)), "MONEY_SCALE_EXCEEDED");
        assert_eq!(code(price_order(&req, &config, &json!([]))), "PROMO_UNKNOWN");
        let used = record_promo_use(&promos[0]).unwrap();
        assert_eq!(used["used"], 1);
        check_promo(&promos[0], &req["lines"], &json!("2026-05-01T00:00:00Z")).unwrap();
    }

    #[test]
    fn inventory_order_book_flow() {
        let mut inv = InventoryHandle::new(&json!(TYPE), &json!(3)).unwrap();
        let mut book = TicketBookHandle::new();
        book.add_type(&day()).unwrap();
        let now = json!("2026-05-01T10:00:00Z");
        let exp = json!("2026-05-01T10:15:00Z");
        let mut order =
            OrderHandle::place(&json!(ORDER), &day(), &mut inv, &json!(2), &eur("100"), &now, &exp).unwrap();
        assert_eq!(inv.counts(&now).unwrap()["available"], 1);
        let e = InventoryHandle::new(&json!(TYPE), &json!(3))
            .and_then(|mut i| i.reserve(&json!(ORDER), &json!(4), &now, &exp))
            .unwrap_err();
        assert_eq!(e.code(), "INVENTORY_SOLD_OUT");
        assert_eq!(code(order.pay(&mut inv, &eur("99"), &now)), "ORDER_PAYMENT_MISMATCH");
        assert_eq!(order.pay(&mut inv, &eur("100"), &now).unwrap(), "paid");
        assert_eq!(code(order.pay(&mut inv, &eur("100"), &now)), "ORDER_ILLEGAL_TRANSITION");
        let tickets = json!([{"id": "00000000-0000-4000-8000-000000000011", "number": "A1", "holder": "Ada"},
                             {"id": "00000000-0000-4000-8000-000000000012", "number": "A2", "holder": "Bo"}]);
        assert_eq!(order.fulfill(&mut book, &tickets, &now).unwrap(), "fulfilled");
        assert_eq!(order.ticket_ids().as_array().map(Vec::len), Some(2));
        let t1 = &tickets[0]["id"];
        book.event(t1, TicketEvent::CheckIn, &json!("2026-07-04T12:00:00Z")).unwrap();
        assert_eq!(code(book.event(t1, TicketEvent::Refund, &now)), "TICKET_ALREADY_USED");
        let back = TicketBookHandle::deserialize(&json!(book.serialize().unwrap())).unwrap();
        assert_eq!(back.ticket(t1).unwrap()["state"], "checked_in");
        let inv2 = InventoryHandle::deserialize(&json!(inv.serialize().unwrap())).unwrap();
        assert_eq!(inv2.sold(), json!(2));
        let o2 = OrderHandle::deserialize(&json!(order.serialize().unwrap())).unwrap();
        assert_eq!(o2.state(), json!("fulfilled"));
        let mut forged: Value = serde_json::from_str(&order.serialize().unwrap()).unwrap();
        forged["paid"] = Value::Null;
        assert_eq!(code(OrderHandle::deserialize(&json!(forged.to_string()))), "ORDER_STATE_INVALID");
        let mut forged: Value = serde_json::from_str(&order.serialize().unwrap()).unwrap();
        forged["refunded"] = eur("100.01");
        assert_eq!(code(OrderHandle::deserialize(&json!(forged.to_string()))), "ORDER_STATE_INVALID");
    }

    #[test]
    fn carts_quotas_and_line_refunds_are_camel_case() {
        const PARKING: &str = "00000000-0000-4000-8000-000000000002";
        let mut quotas = QuotaBookHandle::new(&json!([
            {"id": "00000000-0000-4000-8000-000000000010", "name": "Site", "size": 3, "itemIds": [TYPE]},
            {"id": "00000000-0000-4000-8000-000000000011", "name": "Parking", "size": 1, "itemIds": [PARKING]}
        ]))
        .unwrap();
        let catalog = json!({"ticketTypes": [day()],
            "addOns": [{"id": PARKING, "name": "Parking", "price": eur("15.00"), "maxPerOrder": 2}],
            "taxRates": [{"itemId": TYPE, "rate": "7"}]});
        let config = json!({"pricing": pricing_config(&json!("EUR"), &json!("19"), &json!("gross"), &json!("per_line")).unwrap(),
            "orderFees": [{"name": "booking", "amount": eur("1.00"), "percent": "0", "rounding": "half_up"}]});
        let spec = json!({"id": ORDER, "now": "2026-05-01T10:00:00Z", "expiresAt": "2026-05-01T10:15:00Z",
            "lines": [{"lineId": "00000000-0000-4000-8000-000000000101", "itemId": TYPE, "quantity": 2},
                      {"lineId": "00000000-0000-4000-8000-000000000102", "itemId": PARKING, "quantity": 1}]});
        let mut order = CartOrderHandle::place(&spec, &catalog, &config, &Value::Null, &mut quotas).unwrap();
        assert_eq!(order.total(), eur("116.00"));
        let b = order.breakdown().unwrap();
        assert_eq!(b["orderFeeLines"][0]["amount"], eur("1.00"));
        assert_eq!(b["lines"][1]["kind"], "add_on");
        assert_eq!(quotas.available(&json!(PARKING), &json!("2026-05-01T10:00:00Z")).unwrap(), json!(0));
        let again = json!({"id": "00000000-0000-4000-8000-000000000200", "now": "2026-05-01T10:01:00Z", "expiresAt": "2026-05-01T10:16:00Z",
            "lines": [{"lineId": "00000000-0000-4000-8000-000000000101", "itemId": PARKING, "quantity": 1}]});
        let e = CartOrderHandle::place(&again, &catalog, &config, &Value::Null, &mut quotas).unwrap_err();
        assert_eq!(e.code(), "QUOTA_EXHAUSTED");
        order.pay(&mut quotas, &eur("116.00"), &json!("2026-05-01T10:05:00Z")).unwrap();
        let mut book = TicketBookHandle::new();
        book.add_type(&day()).unwrap();
        let refund = json!({"refundId": "00000000-0000-4000-8000-000000000300", "lineId": "00000000-0000-4000-8000-000000000102", "quantity": 1});
        let r = order.refund_line(&refund, &json!("2026-05-02T00:00:00Z"), &mut quotas, &mut book).unwrap();
        // 15.00 plus its share of the booking fee (1.00 split 100 : 15).
        assert_eq!(r["amount"], eur("15.13"));
        assert_eq!(order.line_refund_amount(&json!("00000000-0000-4000-8000-000000000101"), &json!(2)).unwrap(), eur("100.87"));
        assert_eq!(r["refundId"], "00000000-0000-4000-8000-000000000300");
        assert_eq!(order.state(), "partially_refunded");
        let back = CartOrderHandle::deserialize(&json!(order.serialize().unwrap())).unwrap();
        assert_eq!(back.refunds().unwrap(), order.refunds().unwrap());
        let q2 = QuotaBookHandle::deserialize(&json!(quotas.serialize().unwrap())).unwrap();
        assert_eq!(q2.available(&json!(PARKING), &json!("2026-05-02T00:00:00Z")).unwrap(), json!(1));
        let cart = price_cart(&json!({"lines": [{"lineId": ORDER, "itemId": PARKING, "kind": "add_on", "unitPrice": eur("1.001"), "quantity": 1}],
            "at": "2026-05-01T00:00:00Z"}), &config, &Value::Null);
        assert_eq!(code(cart), "MONEY_SCALE_EXCEEDED");
    }

    #[test]
    fn hostile_state_and_numbers() {
        assert_eq!(code(InventoryHandle::new(&json!(TYPE), &json!(-1))), "INPUT_INVALID");
        assert_eq!(code(InventoryHandle::new(&json!(TYPE), &json!(4_294_967_296_u64))), "INPUT_INVALID");
        assert_eq!(code(InventoryHandle::new(&json!("nope"), &json!(1))), "INPUT_INVALID");
        let over = json!(format!(r#"{{"ticket_type_id":"{TYPE}","capacity":1,"sold":2,"holds":{{}}}}"#));
        assert_eq!(code(InventoryHandle::deserialize(&over)), "INVENTORY_STATE_INVALID");
        assert_eq!(code(TicketBookHandle::deserialize(&json!("{"))), "INPUT_INVALID");
        let lying = json!(format!(r#"{{"types":{{}},"tickets":{{}},"numbers":{{"A1":"{TYPE}"}}}}"#));
        // An orphan number entry would block issuing that number: the core rejects it.
        assert_eq!(code(TicketBookHandle::deserialize(&lying)), "TICKET_STATE_INVALID");
    }
}
