//! Ticketing and access exports of the wasm package: the same names, shapes and TS types as
//! `bindings-node/src/ticketing.rs` (both generated from one method table, see the commit).
//! Declarations only: arguments are converted with [`js`](super::js) and handed to
//! `festival_js_api::{ticketing, access}`; errors are thrown as `FestivalError`s by `run`.

use super::{js, run};
use festival_core::ticketing::TicketEvent;
use festival_js_api::access::AccessControlHandle;
use festival_js_api::ticketing::{InventoryHandle, OrderHandle, TicketBookHandle};
use festival_js_api::{self as api};
use wasm_bindgen::prelude::*;

fn build<T>(f: impl FnOnce() -> Result<T, festival_core::Error>) -> Result<T, JsValue> {
    f().map_err(|e| super::js_error(&e, true))
}

// ------------------------------------------------------------------ functions

/// Prices an order: quantity × unit price, promo code, service fees and VAT, exactly.
#[wasm_bindgen(js_name = priceOrder, unchecked_return_type = "PriceBreakdown")]
pub fn price_order(
    #[wasm_bindgen(unchecked_param_type = "PriceRequest")] request: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PricingConfig")] config: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PromoCode[] | null")] promos: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| {
        let a0 = js("request", &request)?;
        let a1 = js("config", &config)?;
        let a2 = js("promos", &promos)?;
        api::ticketing::price_order(&a0, &a1, &a2)
    })
}

/// The core's default pricing configuration (no fees, half-even rounding) for a currency and VAT rate.
#[wasm_bindgen(js_name = pricingConfig, unchecked_return_type = "PricingConfig")]
pub fn pricing_config(
    #[wasm_bindgen(unchecked_param_type = "string")] currency: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string", js_name = vatRate)] vat_rate: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PriceBasis")] basis: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TaxRounding")] rounding: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| {
        let a0 = js("currency", &currency)?;
        let a1 = js("vatRate", &vat_rate)?;
        let a2 = js("basis", &basis)?;
        let a3 = js("rounding", &rounding)?;
        api::ticketing::pricing_config(&a0, &a1, &a2, &a3)
    })
}

/// Checks that a promo code can be used for these lines at `at` (throws `PROMO_*`).
#[wasm_bindgen(js_name = checkPromo)]
pub fn check_promo(
    #[wasm_bindgen(unchecked_param_type = "PromoCode")] promo: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PriceLine[]")] lines: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
) -> Result<(), JsValue> {
    build(|| {
        let a0 = js("promo", &promo)?;
        let a1 = js("lines", &lines)?;
        let a2 = js("at", &at)?;
        api::ticketing::check_promo(&a0, &a1, &a2).map(|_| ())
    })
}

/// The promo code with one more use (`PROMO_EXHAUSTED` when none is left).
#[wasm_bindgen(js_name = recordPromoUse, unchecked_return_type = "PromoCode")]
pub fn record_promo_use(
    #[wasm_bindgen(unchecked_param_type = "PromoCode")] promo: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| {
        let a0 = js("promo", &promo)?;
        api::ticketing::record_promo_use(&a0)
    })
}

/// Validates a ticket type and checks that `quantity` may be sold at `at`.
#[wasm_bindgen(js_name = checkTicketSale)]
pub fn check_ticket_sale(
    #[wasm_bindgen(unchecked_param_type = "TicketTypeInput", js_name = ticketType)] ticket_type: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] quantity: JsValue,
) -> Result<(), JsValue> {
    build(|| {
        let a0 = js("ticketType", &ticket_type)?;
        let a1 = js("at", &at)?;
        let a2 = js("quantity", &quantity)?;
        api::ticketing::check_ticket_sale(&a0, &a1, &a2).map(|_| ())
    })
}

// ------------------------------------------------------------------ Inventory

/// The seats of one ticket type with caller-identified, time-limited holds (`sold + held ≤ capacity`).
#[wasm_bindgen]
pub struct Inventory {
    inner: InventoryHandle,
}

#[wasm_bindgen]
impl Inventory {
    /// `new Inventory(ticketTypeId, capacity)`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string", js_name = ticketTypeId)] ticket_type_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] capacity: JsValue,
    ) -> Result<Inventory, JsValue> {
        build(|| {
            let a0 = js("ticketTypeId", &ticket_type_id)?;
            let a1 = js("capacity", &capacity)?;
            InventoryHandle::new(&a0, &a1)
        })
        .map(|inner| Inventory { inner })
    }

    /// Rebuilds an inventory from `serialize()` output (checked: `sold + held ≤ capacity`).
    pub fn deserialize(#[wasm_bindgen(unchecked_param_type = "string")] state: JsValue) -> Result<Inventory, JsValue> {
        build(|| {
            let a0 = js("state", &state)?;
            InventoryHandle::deserialize(&a0)
        })
        .map(|inner| Inventory { inner })
    }

    /// The inventory as JSON text (the core's format).
    pub fn serialize(&self) -> Result<String, JsValue> {
        let h = &self.inner;
        build(|| h.serialize())
    }

    /// The ticket type these seats belong to.
    #[wasm_bindgen(js_name = ticketTypeId, unchecked_return_type = "string")]
    pub fn ticket_type_id(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.ticket_type_id())
    }

    /// Seats on sale in total.
    #[wasm_bindgen(unchecked_return_type = "number")]
    pub fn capacity(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.capacity())
    }

    /// Seats sold.
    #[wasm_bindgen(unchecked_return_type = "number")]
    pub fn sold(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.sold())
    }

    /// A hold by id, or null.
    #[wasm_bindgen(unchecked_return_type = "Hold | null")]
    pub fn hold(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = holdId)] hold_id: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| {
            let a0 = js("holdId", &hold_id)?;
            h.hold(&a0)
        })
    }

    /// Every hold (any state), by id.
    #[wasm_bindgen(unchecked_return_type = "Hold[]")]
    pub fn holds(&self) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| h.holds())
    }

    /// Seats neither sold nor in a live hold at `now`.
    #[wasm_bindgen(unchecked_return_type = "number")]
    pub fn available(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| {
            let a0 = js("now", &now)?;
            h.available(&a0)
        })
    }

    /// Capacity, sold, held and available at `now`.
    #[wasm_bindgen(unchecked_return_type = "InventoryCounts")]
    pub fn counts(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| {
            let a0 = js("now", &now)?;
            h.counts(&a0)
        })
    }

    /// Holds seats until `expiresAt` (`INVENTORY_SOLD_OUT` with how many are left).
    #[wasm_bindgen(unchecked_return_type = "Hold")]
    pub fn reserve(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = holdId)] hold_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] quantity: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput", js_name = expiresAt)] expires_at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("holdId", &hold_id)?;
            let a1 = js("quantity", &quantity)?;
            let a2 = js("now", &now)?;
            let a3 = js("expiresAt", &expires_at)?;
            h.reserve(&a0, &a1, &a2, &a3)
        })
    }

    /// Sells the seats of a live hold.
    #[wasm_bindgen(unchecked_return_type = "Hold")]
    pub fn confirm(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = holdId)] hold_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("holdId", &hold_id)?;
            let a1 = js("now", &now)?;
            h.confirm(&a0, &a1)
        })
    }

    /// Puts the seats of a held hold back on sale.
    #[wasm_bindgen(unchecked_return_type = "Hold")]
    pub fn release(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = holdId)] hold_id: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("holdId", &hold_id)?;
            h.release(&a0)
        })
    }

    /// Expires every hold due at `now` and returns them.
    #[wasm_bindgen(unchecked_return_type = "Hold[]")]
    pub fn expire(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("now", &now)?;
            h.expire(&a0)
        })
    }

    /// Puts sold seats back on sale; returns the seats sold afterwards.
    #[wasm_bindgen(unchecked_return_type = "number")]
    pub fn restock(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number")] quantity: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("quantity", &quantity)?;
            h.restock(&a0)
        })
    }

    /// `sold + held ≤ capacity`.
    #[wasm_bindgen(js_name = invariantHolds, unchecked_return_type = "boolean")]
    pub fn invariant_holds(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.invariant_holds())
    }
}

// ------------------------------------------------------------------ TicketBook

/// The ticket registry: ticket types, tickets with unique ids and numbers, the ticket state machine.
#[wasm_bindgen]
pub struct TicketBook {
    inner: TicketBookHandle,
}

#[wasm_bindgen]
impl TicketBook {
    /// `new TicketBook()` (empty).
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> TicketBook {
        TicketBook { inner: TicketBookHandle::new() }
    }

    /// Rebuilds a book from `serialize()` output (indexes checked).
    pub fn deserialize(#[wasm_bindgen(unchecked_param_type = "string")] state: JsValue) -> Result<TicketBook, JsValue> {
        build(|| {
            let a0 = js("state", &state)?;
            TicketBookHandle::deserialize(&a0)
        })
        .map(|inner| TicketBook { inner })
    }

    /// The book as JSON text (the core's format).
    pub fn serialize(&self) -> Result<String, JsValue> {
        let h = &self.inner;
        build(|| h.serialize())
    }

    /// Adds a ticket type (validated; `TICKET_DUPLICATE_ID` if the id is taken).
    #[wasm_bindgen(js_name = addType)]
    pub fn add_type(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "TicketTypeInput", js_name = ticketType)] ticket_type: JsValue,
    ) -> Result<(), JsValue> {
        let h = &mut self.inner;
        build(|| {
            let a0 = js("ticketType", &ticket_type)?;
            h.add_type(&a0).map(|_| ())
        })
    }

    /// A ticket type (`TICKET_UNKNOWN_TYPE`).
    #[wasm_bindgen(js_name = ticketType, unchecked_return_type = "TicketType")]
    pub fn ticket_type(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| {
            let a0 = js("id", &id)?;
            h.ticket_type(&a0)
        })
    }

    /// A ticket (`TICKET_UNKNOWN`).
    #[wasm_bindgen(unchecked_return_type = "Ticket")]
    pub fn ticket(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| {
            let a0 = js("id", &id)?;
            h.ticket(&a0)
        })
    }

    /// A ticket by its number, or null.
    #[wasm_bindgen(js_name = byNumber, unchecked_return_type = "Ticket | null")]
    pub fn by_number(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] number: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| {
            let a0 = js("number", &number)?;
            h.by_number(&a0)
        })
    }

    /// Every ticket, by id.
    #[wasm_bindgen(unchecked_return_type = "Ticket[]")]
    pub fn tickets(&self) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| h.tickets())
    }

    /// Issues one valid ticket.
    #[wasm_bindgen(unchecked_return_type = "Ticket")]
    pub fn issue(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = ticketTypeId)] ticket_type_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "NewTicket")] ticket: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | null", js_name = orderId)] order_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("ticketTypeId", &ticket_type_id)?;
            let a1 = js("ticket", &ticket)?;
            let a2 = js("orderId", &order_id)?;
            let a3 = js("at", &at)?;
            h.issue(&a0, &a1, &a2, &a3)
        })
    }

    /// Issues several tickets, all or none.
    #[wasm_bindgen(js_name = issueAll, unchecked_return_type = "Ticket[]")]
    pub fn issue_all(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = ticketTypeId)] ticket_type_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "NewTicket[]")] tickets: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | null", js_name = orderId)] order_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("ticketTypeId", &ticket_type_id)?;
            let a1 = js("tickets", &tickets)?;
            let a2 = js("orderId", &order_id)?;
            let a3 = js("at", &at)?;
            h.issue_all(&a0, &a1, &a2, &a3)
        })
    }

    /// The state an event would lead to, changing nothing.
    #[wasm_bindgen(js_name = nextState, unchecked_return_type = "TicketState")]
    pub fn next_state(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = ticketId)] ticket_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TicketEvent")] event: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| {
            let a0 = js("ticketId", &ticket_id)?;
            let a1 = js("event", &event)?;
            h.next_state(&a0, &a1)
        })
    }

    /// Applies a ticket event.
    #[wasm_bindgen(unchecked_return_type = "Ticket")]
    pub fn apply(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = ticketId)] ticket_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TicketEvent")] event: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("ticketId", &ticket_id)?;
            let a1 = js("event", &event)?;
            let a2 = js("at", &at)?;
            h.apply(&a0, &a1, &a2)
        })
    }

    /// Checks a ticket in (`apply(id, "check_in", at)`).
    #[wasm_bindgen(js_name = checkIn, unchecked_return_type = "Ticket")]
    pub fn check_in(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = ticketId)] ticket_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("ticketId", &ticket_id)?;
            let a1 = js("at", &at)?;
            h.event(&a0, TicketEvent::CheckIn, &a1)
        })
    }

    /// Checks a ticket out.
    #[wasm_bindgen(js_name = checkOut, unchecked_return_type = "Ticket")]
    pub fn check_out(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = ticketId)] ticket_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("ticketId", &ticket_id)?;
            let a1 = js("at", &at)?;
            h.event(&a0, TicketEvent::CheckOut, &a1)
        })
    }

    /// Cancels an unused ticket.
    #[wasm_bindgen(unchecked_return_type = "Ticket")]
    pub fn cancel(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = ticketId)] ticket_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("ticketId", &ticket_id)?;
            let a1 = js("at", &at)?;
            h.event(&a0, TicketEvent::Cancel, &a1)
        })
    }

    /// Refunds an unused ticket (`TICKET_ALREADY_USED` after a check-in).
    #[wasm_bindgen(unchecked_return_type = "Ticket")]
    pub fn refund(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = ticketId)] ticket_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("ticketId", &ticket_id)?;
            let a1 = js("at", &at)?;
            h.event(&a0, TicketEvent::Refund, &a1)
        })
    }

    /// Revokes a ticket that is not yet void.
    #[wasm_bindgen(unchecked_return_type = "Ticket")]
    pub fn revoke(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = ticketId)] ticket_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("ticketId", &ticket_id)?;
            let a1 = js("at", &at)?;
            h.event(&a0, TicketEvent::Revoke, &a1)
        })
    }

    /// Transfers an unused ticket to a new holder; returns the new ticket.
    #[wasm_bindgen(unchecked_return_type = "Ticket")]
    pub fn transfer(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = ticketId)] ticket_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "NewTicket")] to: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("ticketId", &ticket_id)?;
            let a1 = js("to", &to)?;
            let a2 = js("at", &at)?;
            h.transfer(&a0, &a1, &a2)
        })
    }
}

// ------------------------------------------------------------------ Order

/// An order for tickets of one type: pending → paid → fulfilled, pending → expired / cancelled, paid → (partially) refunded.
#[wasm_bindgen]
pub struct Order {
    inner: OrderHandle,
}

#[wasm_bindgen]
impl Order {
    /// Places an order: checks the sale and holds the seats in `inventory` (hold id = order id).
    #[allow(clippy::too_many_arguments)]
    pub fn place(
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TicketTypeInput", js_name = ticketType)] ticket_type: JsValue,
        inventory: &mut Inventory,
        #[wasm_bindgen(unchecked_param_type = "number")] quantity: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Money")] total: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput", js_name = expiresAt)] expires_at: JsValue,
    ) -> Result<Order, JsValue> {
        build(|| {
            let a0 = js("id", &id)?;
            let a1 = js("ticketType", &ticket_type)?;
            let a3 = js("quantity", &quantity)?;
            let a4 = js("total", &total)?;
            let a5 = js("now", &now)?;
            let a6 = js("expiresAt", &expires_at)?;
            OrderHandle::place(&a0, &a1, &mut inventory.inner, &a3, &a4, &a5, &a6)
        })
        .map(|inner| Order { inner })
    }

    /// Rebuilds an order from `serialize()` output.
    pub fn deserialize(#[wasm_bindgen(unchecked_param_type = "string")] state: JsValue) -> Result<Order, JsValue> {
        build(|| {
            let a0 = js("state", &state)?;
            OrderHandle::deserialize(&a0)
        })
        .map(|inner| Order { inner })
    }

    /// The order as JSON text (the core's format).
    pub fn serialize(&self) -> Result<String, JsValue> {
        let h = &self.inner;
        build(|| h.serialize())
    }

    /// The order id.
    #[wasm_bindgen(unchecked_return_type = "string")]
    pub fn id(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.id())
    }

    /// The ticket type.
    #[wasm_bindgen(js_name = ticketTypeId, unchecked_return_type = "string")]
    pub fn ticket_type_id(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.ticket_type_id())
    }

    /// Tickets ordered.
    #[wasm_bindgen(unchecked_return_type = "number")]
    pub fn quantity(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.quantity())
    }

    /// Amount due.
    #[wasm_bindgen(unchecked_return_type = "Money")]
    pub fn total(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.total())
    }

    /// Current state.
    #[wasm_bindgen(unchecked_return_type = "OrderState")]
    pub fn state(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.state())
    }

    /// When it was placed.
    #[wasm_bindgen(js_name = createdAt, unchecked_return_type = "string")]
    pub fn created_at(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.created_at())
    }

    /// When its state last changed.
    #[wasm_bindgen(js_name = updatedAt, unchecked_return_type = "string")]
    pub fn updated_at(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.updated_at())
    }

    /// When its hold expires.
    #[wasm_bindgen(js_name = expiresAt, unchecked_return_type = "string")]
    pub fn expires_at(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.expires_at())
    }

    /// Amount paid, once paid.
    #[wasm_bindgen(unchecked_return_type = "Money | null")]
    pub fn paid(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.paid())
    }

    /// Cumulative refunds.
    #[wasm_bindgen(unchecked_return_type = "Money")]
    pub fn refunded(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.refunded())
    }

    /// What can still be refunded.
    #[wasm_bindgen(unchecked_return_type = "Money")]
    pub fn refundable(&self) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| h.refundable())
    }

    /// Ids of the issued tickets.
    #[wasm_bindgen(js_name = ticketIds, unchecked_return_type = "string[]")]
    pub fn ticket_ids(&self) -> JsValue {
        let h = &self.inner;
        super::to_js(&h.ticket_ids())
    }

    /// Applies any order event.
    #[wasm_bindgen(unchecked_return_type = "OrderState")]
    pub fn apply(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "OrderEvent")] event: JsValue,
        inventory: &mut Inventory,
        book: &mut TicketBook,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("event", &event)?;
            let inv = &mut inventory.inner;
            let bk = &mut book.inner;
            h.apply(&a0, inv, bk)
        })
    }

    /// Pays exactly the total (`ORDER_PAYMENT_MISMATCH`); confirms the hold.
    #[wasm_bindgen(unchecked_return_type = "OrderState")]
    pub fn pay(
        &mut self,
        inventory: &mut Inventory,
        #[wasm_bindgen(unchecked_param_type = "Money")] amount: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a1 = js("amount", &amount)?;
            let a2 = js("at", &at)?;
            let inv = &mut inventory.inner;
            h.pay(inv, &a1, &a2)
        })
    }

    /// Issues exactly `quantity` tickets in `book`.
    #[wasm_bindgen(unchecked_return_type = "OrderState")]
    pub fn fulfill(
        &mut self,
        book: &mut TicketBook,
        #[wasm_bindgen(unchecked_param_type = "NewTicket[]")] tickets: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a1 = js("tickets", &tickets)?;
            let a2 = js("at", &at)?;
            let bk = &mut book.inner;
            h.fulfill(bk, &a1, &a2)
        })
    }

    /// Expires a pending order at or after its hold expiry.
    #[wasm_bindgen(unchecked_return_type = "OrderState")]
    pub fn expire(
        &mut self,
        inventory: &mut Inventory,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a1 = js("at", &at)?;
            let inv = &mut inventory.inner;
            h.expire(inv, &a1)
        })
    }

    /// Cancels a pending order (seats released).
    #[wasm_bindgen(unchecked_return_type = "OrderState")]
    pub fn cancel(
        &mut self,
        inventory: &mut Inventory,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a1 = js("at", &at)?;
            let inv = &mut inventory.inner;
            h.cancel(inv, &a1)
        })
    }

    /// Refunds (part of) the payment (`ORDER_REFUND_EXCEEDS_PAID`).
    #[wasm_bindgen(unchecked_return_type = "OrderState")]
    pub fn refund(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Money")] amount: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a0 = js("amount", &amount)?;
            let a1 = js("at", &at)?;
            h.refund(&a0, &a1)
        })
    }
}

// ------------------------------------------------------------------ AccessControl

/// Access zones: scans decide admit or deny with a reason; occupancy and capacity alerts.
#[wasm_bindgen]
pub struct AccessControl {
    inner: AccessControlHandle,
}

#[wasm_bindgen]
impl AccessControl {
    /// `new AccessControl(zones)`.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "Zone[]")] zones: JsValue) -> Result<AccessControl, JsValue> {
        build(|| {
            let a0 = js("zones", &zones)?;
            AccessControlHandle::new(&a0)
        })
        .map(|inner| AccessControl { inner })
    }

    /// Rebuilds zones and presence from `serialize()` output (zones checked again).
    pub fn deserialize(
        #[wasm_bindgen(unchecked_param_type = "string")] state: JsValue,
    ) -> Result<AccessControl, JsValue> {
        build(|| {
            let a0 = js("state", &state)?;
            AccessControlHandle::deserialize(&a0)
        })
        .map(|inner| AccessControl { inner })
    }

    /// The zones, occupancy and presence as JSON text (the core's format).
    pub fn serialize(&self) -> Result<String, JsValue> {
        let h = &self.inner;
        build(|| h.serialize())
    }

    /// A zone definition (`ACCESS_UNKNOWN_ZONE`).
    #[wasm_bindgen(unchecked_return_type = "Zone")]
    pub fn zone(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = zoneId)] zone_id: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| {
            let a0 = js("zoneId", &zone_id)?;
            h.zone(&a0)
        })
    }

    /// A zone's occupancy.
    #[wasm_bindgen(unchecked_return_type = "ZoneOccupancy")]
    pub fn occupancy(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = zoneId)] zone_id: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| {
            let a0 = js("zoneId", &zone_id)?;
            h.occupancy(&a0)
        })
    }

    /// Occupancy of every zone, by id.
    #[wasm_bindgen(unchecked_return_type = "ZoneOccupancy[]")]
    pub fn occupancies(&self) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| h.occupancies())
    }

    /// Whether a ticket is inside a zone.
    #[wasm_bindgen(js_name = isInside, unchecked_return_type = "boolean")]
    pub fn is_inside(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = zoneId)] zone_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = ticketId)] ticket_id: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| {
            let a0 = js("zoneId", &zone_id)?;
            let a1 = js("ticketId", &ticket_id)?;
            h.is_inside(&a0, &a1)
        })
    }

    /// The decision for a scan, changing nothing.
    #[wasm_bindgen(unchecked_return_type = "Decision")]
    pub fn decide(
        &self,
        book: &TicketBook,
        #[wasm_bindgen(unchecked_param_type = "Scan")] scan: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &self.inner;
        run(|| {
            let a1 = js("scan", &scan)?;
            let bk = &book.inner;
            h.decide(bk, &a1)
        })
    }

    /// Decides a scan and records it when admitted (check-in / check-out at perimeter zones).
    #[wasm_bindgen(unchecked_return_type = "ScanOutcome")]
    pub fn scan(
        &mut self,
        book: &mut TicketBook,
        #[wasm_bindgen(unchecked_param_type = "Scan")] scan: JsValue,
    ) -> Result<JsValue, JsValue> {
        let h = &mut self.inner;
        run(|| {
            let a1 = js("scan", &scan)?;
            let bk = &mut book.inner;
            h.scan(bk, &a1)
        })
    }
}
