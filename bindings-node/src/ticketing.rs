//! Ticketing, access, till and catalog exports of the Node package: `priceOrder`, `priceCart`,
//! `tillZReport` and friends, classes `Inventory`, `Order`, `TicketBook`, `AccessControl`,
//! `QuotaBook`, `CartOrder`, `TillSession`, `Catalog`, `SignedCatalog`. Declarations only: every
//! method converts its arguments with [`js`](super::js) and calls
//! `festival_js_api::{ticketing, access, till, catalog}`; errors go through [`run`](super::run).
//! Generated with `bindings-wasm/src/ticketing.rs` from one method table
//! (`bindings-node/scripts/gen_ticketing_exports.py`), so both packages declare the same API.
//!
//! Handles live in a `RefCell` (like `Wallet`): JS arguments are converted BEFORE a cell is
//! borrowed (so a getter in an argument cannot re-enter a borrowed object), and a cell that is
//! already borrowed is a clean `INPUT_INVALID` error, never a panic.

use super::{bytes, js, run, CoreResult};
use festival_core::ticketing::TicketEvent;
use festival_core::InputError;
use festival_js_api::access::AccessControlHandle;
use festival_js_api::catalog::{CatalogHandle, SignedCatalogHandle};
use festival_js_api::ticketing::{CartOrderHandle, InventoryHandle, OrderHandle, QuotaBookHandle, TicketBookHandle};
use festival_js_api::till::TillSessionHandle;
use festival_js_api::{self as api};
use napi::bindgen_prelude::Uint8Array;
use napi::{Env, Unknown};
use napi_derive::napi;
use serde_json::Value;
use std::cell::{Ref, RefCell, RefMut};

fn busy(field: &str) -> festival_core::Error {
    InputError::invalid(field, "this object is already in use by the call in progress").into()
}

fn get<'a, T>(field: &str, c: &'a RefCell<T>) -> CoreResult<Ref<'a, T>> {
    c.try_borrow().map_err(|_| busy(field))
}

fn get_mut<'a, T>(field: &str, c: &'a RefCell<T>) -> CoreResult<RefMut<'a, T>> {
    c.try_borrow_mut().map_err(|_| busy(field))
}

// ------------------------------------------------------------------ functions

/// Prices an order: quantity × unit price, promo code, service fees and VAT, exactly.
#[napi(
    ts_args_type = "request: PriceRequest, config: PricingConfig, promos?: PromoCode[] | null",
    ts_return_type = "PriceBreakdown"
)]
pub fn price_order(env: Env, request: Unknown<'_>, config: Unknown<'_>, promos: Unknown<'_>) -> napi::Result<Value> {
    run(&env, || {
        let a0 = js("request", request)?;
        let a1 = js("config", config)?;
        let a2 = js("promos", promos)?;
        api::ticketing::price_order(&a0, &a1, &a2)
    })
}

/// The core's default pricing configuration (no fees, half-even rounding) for a currency and VAT rate.
#[napi(
    ts_args_type = "currency: string, vatRate: string, basis: PriceBasis, rounding: TaxRounding",
    ts_return_type = "PricingConfig"
)]
pub fn pricing_config(
    env: Env,
    currency: Unknown<'_>,
    vat_rate: Unknown<'_>,
    basis: Unknown<'_>,
    rounding: Unknown<'_>,
) -> napi::Result<Value> {
    run(&env, || {
        let a0 = js("currency", currency)?;
        let a1 = js("vatRate", vat_rate)?;
        let a2 = js("basis", basis)?;
        let a3 = js("rounding", rounding)?;
        api::ticketing::pricing_config(&a0, &a1, &a2, &a3)
    })
}

/// Checks that a promo code can be used for these lines at `at` (throws `PROMO_*`).
#[napi(ts_args_type = "promo: PromoCode, lines: PriceLine[], at: TimestampInput")]
pub fn check_promo(env: Env, promo: Unknown<'_>, lines: Unknown<'_>, at: Unknown<'_>) -> napi::Result<()> {
    run(&env, || {
        let a0 = js("promo", promo)?;
        let a1 = js("lines", lines)?;
        let a2 = js("at", at)?;
        api::ticketing::check_promo(&a0, &a1, &a2).map(|_| ())
    })
}

/// The promo code with one more use (`PROMO_EXHAUSTED` when none is left).
#[napi(ts_args_type = "promo: PromoCode", ts_return_type = "PromoCode")]
pub fn record_promo_use(env: Env, promo: Unknown<'_>) -> napi::Result<Value> {
    run(&env, || {
        let a0 = js("promo", promo)?;
        api::ticketing::record_promo_use(&a0)
    })
}

/// Checks a check-in policy (rule bounds, operators, variables: `ACCESS_RULE_*`) and returns it as stored.
#[napi(ts_args_type = "policy: CheckinPolicy", ts_return_type = "CheckinPolicy")]
pub fn checkin_policy(env: Env, policy: Unknown<'_>) -> napi::Result<Value> {
    run(&env, || {
        let a0 = js("policy", policy)?;
        api::access::checkin_policy(&a0)
    })
}

/// The check-in evaluator that gates, servers and reconciliation share: admit / deny and what decided.
#[napi(ts_args_type = "policy: CheckinPolicy, context: CheckinContext", ts_return_type = "PolicyDecision")]
pub fn evaluate_checkin(env: Env, policy: Unknown<'_>, context: Unknown<'_>) -> napi::Result<Value> {
    run(&env, || {
        let a0 = js("policy", policy)?;
        let a1 = js("context", context)?;
        api::access::evaluate_checkin(&a0, &a1)
    })
}

/// The festival day of an instant in a calendar (time zone + day start), DST-correct.
#[napi(ts_args_type = "calendar: FestivalCalendar, at: TimestampInput", ts_return_type = "DayInfo")]
pub fn festival_day(env: Env, calendar: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Value> {
    run(&env, || {
        let a0 = js("calendar", calendar)?;
        let a1 = js("at", at)?;
        api::access::festival_day(&a0, &a1)
    })
}

/// Start, end and length (23 / 24 / 25 h) of a festival day.
#[napi(ts_args_type = "calendar: FestivalCalendar, day: string", ts_return_type = "FestivalDayBounds")]
pub fn festival_day_bounds(env: Env, calendar: Unknown<'_>, day: Unknown<'_>) -> napi::Result<Value> {
    run(&env, || {
        let a0 = js("calendar", calendar)?;
        let a1 = js("day", day)?;
        api::access::festival_day_bounds(&a0, &a1)
    })
}

/// Failed-scan and admitted-in-error counts of scan facts, in total and per festival day.
#[napi(ts_args_type = "scans: ScanFactOutcome[], calendar?: FestivalCalendar | null", ts_return_type = "ScanStats")]
pub fn scan_stats(env: Env, scans: Unknown<'_>, calendar: Unknown<'_>) -> napi::Result<Value> {
    run(&env, || {
        let a0 = js("scans", scans)?;
        let a1 = js("calendar", calendar)?;
        api::access::scan_stats(&a0, &a1)
    })
}

/// Prices a cart: tickets and add-ons, promo codes per line or order, line and order fees, VAT per line, exactly.
#[napi(
    ts_args_type = "request: CartPriceRequest, config: CartConfig, promos?: PromoCode[] | null",
    ts_return_type = "CartBreakdown"
)]
pub fn price_cart(env: Env, request: Unknown<'_>, config: Unknown<'_>, promos: Unknown<'_>) -> napi::Result<Value> {
    run(&env, || {
        let a0 = js("request", request)?;
        let a1 = js("config", config)?;
        let a2 = js("promos", promos)?;
        api::ticketing::price_cart(&a0, &a1, &a2)
    })
}

/// Verifies a till closing as the server does: registered device of the festival, signature, arithmetic (`TILL_UNKNOWN_DEVICE`, `TILL_SIGNATURE_INVALID`, `TILL_CLOSING_INVALID`).
#[napi(ts_args_type = "closing: SignedClosing, registry: DeviceEntry[]")]
pub fn verify_till_closing(env: Env, closing: Unknown<'_>, registry: Unknown<'_>) -> napi::Result<()> {
    run(&env, || {
        let a0 = js("closing", closing)?;
        let a1 = js("registry", registry)?;
        api::till::verify_till_closing(&a0, &a1).map(|_| ())
    })
}

/// The Z-report of a till for a festival day from its sessions' `serialize()` texts.
#[napi(
    ts_args_type = "request: ZReportRequest, calendar: FestivalCalendar, sessions: string[]",
    ts_return_type = "ZReport"
)]
pub fn till_z_report(
    env: Env,
    request: Unknown<'_>,
    calendar: Unknown<'_>,
    sessions: Unknown<'_>,
) -> napi::Result<Value> {
    run(&env, || {
        let a0 = js("request", request)?;
        let a1 = js("calendar", calendar)?;
        let a2 = js("sessions", sessions)?;
        api::till::till_z_report(&a0, &a1, &a2)
    })
}

/// One DSFinV-K-shaped row per receipt line of a Z-report's sessions.
#[napi(ts_args_type = "report: ZReport, sessions: string[]", ts_return_type = "TillExportRow[]")]
pub fn till_export_rows(env: Env, report: Unknown<'_>, sessions: Unknown<'_>) -> napi::Result<Value> {
    run(&env, || {
        let a0 = js("report", report)?;
        let a1 = js("sessions", sessions)?;
        api::till::till_export_rows(&a0, &a1)
    })
}

/// The rows as RFC 4180 CSV with the DSFinV-K column names.
#[napi(ts_args_type = "rows: TillExportRow[]", ts_return_type = "string")]
pub fn till_export_csv(env: Env, rows: Unknown<'_>) -> napi::Result<Value> {
    run(&env, || {
        let a0 = js("rows", rows)?;
        api::till::till_export_csv(&a0)
    })
}

/// Validates a ticket type and checks that `quantity` may be sold at `at`.
#[napi(ts_args_type = "ticketType: TicketTypeInput, at: TimestampInput, quantity: number")]
pub fn check_ticket_sale(
    env: Env,
    ticket_type: Unknown<'_>,
    at: Unknown<'_>,
    quantity: Unknown<'_>,
) -> napi::Result<()> {
    run(&env, || {
        let a0 = js("ticketType", ticket_type)?;
        let a1 = js("at", at)?;
        let a2 = js("quantity", quantity)?;
        api::ticketing::check_ticket_sale(&a0, &a1, &a2).map(|_| ())
    })
}

// ------------------------------------------------------------------ Inventory

/// The seats of one ticket type with caller-identified, time-limited holds (`sold + held ≤ capacity`).
#[napi]
pub struct Inventory {
    inner: RefCell<InventoryHandle>,
}

#[napi]
impl Inventory {
    /// `new Inventory(ticketTypeId, capacity)`.
    #[napi(constructor, ts_args_type = "ticketTypeId: string, capacity: number")]
    pub fn new(env: Env, ticket_type_id: Unknown<'_>, capacity: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("ticketTypeId", ticket_type_id)?;
            let a1 = js("capacity", capacity)?;
            InventoryHandle::new(&a0, &a1)
        })
        .map(|h| Inventory { inner: RefCell::new(h) })
    }

    /// Rebuilds an inventory from `serialize()` output (checked: `sold + held ≤ capacity`).
    #[napi(factory, ts_args_type = "state: string")]
    pub fn deserialize(env: Env, state: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("state", state)?;
            InventoryHandle::deserialize(&a0)
        })
        .map(|h| Inventory { inner: RefCell::new(h) })
    }

    /// The inventory as JSON text (the core's format).
    #[napi]
    pub fn serialize(&self, env: Env) -> napi::Result<String> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.serialize()
        })
    }

    /// The ticket type these seats belong to.
    #[napi(ts_return_type = "string")]
    pub fn ticket_type_id(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.ticket_type_id())
        })
    }

    /// Seats on sale in total.
    #[napi(ts_return_type = "number")]
    pub fn capacity(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.capacity())
        })
    }

    /// Seats sold.
    #[napi(ts_return_type = "number")]
    pub fn sold(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.sold())
        })
    }

    /// A hold by id, or null.
    #[napi(ts_args_type = "holdId: string", ts_return_type = "Hold | null")]
    pub fn hold(&self, env: Env, hold_id: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("holdId", hold_id)?;
            let h = get("this", &self.inner)?;
            h.hold(&a0)
        })
    }

    /// Every hold (any state), by id.
    #[napi(ts_return_type = "Hold[]")]
    pub fn holds(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.holds()
        })
    }

    /// Seats neither sold nor in a live hold at `now`.
    #[napi(ts_args_type = "now: TimestampInput", ts_return_type = "number")]
    pub fn available(&self, env: Env, now: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("now", now)?;
            let h = get("this", &self.inner)?;
            h.available(&a0)
        })
    }

    /// Capacity, sold, held and available at `now`.
    #[napi(ts_args_type = "now: TimestampInput", ts_return_type = "InventoryCounts")]
    pub fn counts(&self, env: Env, now: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("now", now)?;
            let h = get("this", &self.inner)?;
            h.counts(&a0)
        })
    }

    /// Holds seats until `expiresAt` (`INVENTORY_SOLD_OUT` with how many are left).
    #[napi(
        ts_args_type = "holdId: string, quantity: number, now: TimestampInput, expiresAt: TimestampInput",
        ts_return_type = "Hold"
    )]
    pub fn reserve(
        &self,
        env: Env,
        hold_id: Unknown<'_>,
        quantity: Unknown<'_>,
        now: Unknown<'_>,
        expires_at: Unknown<'_>,
    ) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("holdId", hold_id)?;
            let a1 = js("quantity", quantity)?;
            let a2 = js("now", now)?;
            let a3 = js("expiresAt", expires_at)?;
            let mut h = get_mut("this", &self.inner)?;
            h.reserve(&a0, &a1, &a2, &a3)
        })
    }

    /// Sells the seats of a live hold.
    #[napi(ts_args_type = "holdId: string, now: TimestampInput", ts_return_type = "Hold")]
    pub fn confirm(&self, env: Env, hold_id: Unknown<'_>, now: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("holdId", hold_id)?;
            let a1 = js("now", now)?;
            let mut h = get_mut("this", &self.inner)?;
            h.confirm(&a0, &a1)
        })
    }

    /// Puts the seats of a held hold back on sale.
    #[napi(ts_args_type = "holdId: string", ts_return_type = "Hold")]
    pub fn release(&self, env: Env, hold_id: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("holdId", hold_id)?;
            let mut h = get_mut("this", &self.inner)?;
            h.release(&a0)
        })
    }

    /// Expires every hold due at `now` and returns them.
    #[napi(ts_args_type = "now: TimestampInput", ts_return_type = "Hold[]")]
    pub fn expire(&self, env: Env, now: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("now", now)?;
            let mut h = get_mut("this", &self.inner)?;
            h.expire(&a0)
        })
    }

    /// Puts sold seats back on sale; returns the seats sold afterwards.
    #[napi(ts_args_type = "quantity: number", ts_return_type = "number")]
    pub fn restock(&self, env: Env, quantity: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("quantity", quantity)?;
            let mut h = get_mut("this", &self.inner)?;
            h.restock(&a0)
        })
    }

    /// `sold + held ≤ capacity`.
    #[napi(ts_return_type = "boolean")]
    pub fn invariant_holds(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.invariant_holds())
        })
    }
}

// ------------------------------------------------------------------ TicketBook

/// The ticket registry: ticket types, tickets with unique ids and numbers, the ticket state machine.
#[napi]
pub struct TicketBook {
    inner: RefCell<TicketBookHandle>,
}

#[napi]
impl TicketBook {
    /// `new TicketBook()` (empty).
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        TicketBook { inner: RefCell::new(TicketBookHandle::new()) }
    }

    /// Rebuilds a book from `serialize()` output (indexes checked).
    #[napi(factory, ts_args_type = "state: string")]
    pub fn deserialize(env: Env, state: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("state", state)?;
            TicketBookHandle::deserialize(&a0)
        })
        .map(|h| TicketBook { inner: RefCell::new(h) })
    }

    /// The book as JSON text (the core's format).
    #[napi]
    pub fn serialize(&self, env: Env) -> napi::Result<String> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.serialize()
        })
    }

    /// Adds a ticket type (validated; `TICKET_DUPLICATE_ID` if the id is taken).
    #[napi(ts_args_type = "ticketType: TicketTypeInput")]
    pub fn add_type(&self, env: Env, ticket_type: Unknown<'_>) -> napi::Result<()> {
        run(&env, || {
            let a0 = js("ticketType", ticket_type)?;
            let mut h = get_mut("this", &self.inner)?;
            h.add_type(&a0).map(|_| ())
        })
    }

    /// A ticket type (`TICKET_UNKNOWN_TYPE`).
    #[napi(ts_args_type = "id: string", ts_return_type = "TicketType")]
    pub fn ticket_type(&self, env: Env, id: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("id", id)?;
            let h = get("this", &self.inner)?;
            h.ticket_type(&a0)
        })
    }

    /// Every ticket type, by id.
    #[napi(ts_return_type = "TicketType[]")]
    pub fn ticket_types(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.ticket_types()
        })
    }

    /// A ticket (`TICKET_UNKNOWN`).
    #[napi(ts_args_type = "id: string", ts_return_type = "Ticket")]
    pub fn ticket(&self, env: Env, id: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("id", id)?;
            let h = get("this", &self.inner)?;
            h.ticket(&a0)
        })
    }

    /// A ticket by its number, or null.
    #[napi(ts_args_type = "number: string", ts_return_type = "Ticket | null")]
    pub fn by_number(&self, env: Env, number: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("number", number)?;
            let h = get("this", &self.inner)?;
            h.by_number(&a0)
        })
    }

    /// Every ticket, by id.
    #[napi(ts_return_type = "Ticket[]")]
    pub fn tickets(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.tickets()
        })
    }

    /// Issues one valid ticket.
    #[napi(
        ts_args_type = "ticketTypeId: string, ticket: NewTicket, orderId: string | null, at: TimestampInput",
        ts_return_type = "Ticket"
    )]
    pub fn issue(
        &self,
        env: Env,
        ticket_type_id: Unknown<'_>,
        ticket: Unknown<'_>,
        order_id: Unknown<'_>,
        at: Unknown<'_>,
    ) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("ticketTypeId", ticket_type_id)?;
            let a1 = js("ticket", ticket)?;
            let a2 = js("orderId", order_id)?;
            let a3 = js("at", at)?;
            let mut h = get_mut("this", &self.inner)?;
            h.issue(&a0, &a1, &a2, &a3)
        })
    }

    /// Issues several tickets, all or none.
    #[napi(
        ts_args_type = "ticketTypeId: string, tickets: NewTicket[], orderId: string | null, at: TimestampInput",
        ts_return_type = "Ticket[]"
    )]
    pub fn issue_all(
        &self,
        env: Env,
        ticket_type_id: Unknown<'_>,
        tickets: Unknown<'_>,
        order_id: Unknown<'_>,
        at: Unknown<'_>,
    ) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("ticketTypeId", ticket_type_id)?;
            let a1 = js("tickets", tickets)?;
            let a2 = js("orderId", order_id)?;
            let a3 = js("at", at)?;
            let mut h = get_mut("this", &self.inner)?;
            h.issue_all(&a0, &a1, &a2, &a3)
        })
    }

    /// The state an event would lead to, changing nothing.
    #[napi(ts_args_type = "ticketId: string, event: TicketEvent", ts_return_type = "TicketState")]
    pub fn next_state(&self, env: Env, ticket_id: Unknown<'_>, event: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("ticketId", ticket_id)?;
            let a1 = js("event", event)?;
            let h = get("this", &self.inner)?;
            h.next_state(&a0, &a1)
        })
    }

    /// Applies a ticket event.
    #[napi(ts_args_type = "ticketId: string, event: TicketEvent, at: TimestampInput", ts_return_type = "Ticket")]
    pub fn apply(&self, env: Env, ticket_id: Unknown<'_>, event: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("ticketId", ticket_id)?;
            let a1 = js("event", event)?;
            let a2 = js("at", at)?;
            let mut h = get_mut("this", &self.inner)?;
            h.apply(&a0, &a1, &a2)
        })
    }

    /// Checks a ticket in (`apply(id, "check_in", at)`).
    #[napi(ts_args_type = "ticketId: string, at: TimestampInput", ts_return_type = "Ticket")]
    pub fn check_in(&self, env: Env, ticket_id: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("ticketId", ticket_id)?;
            let a1 = js("at", at)?;
            let mut h = get_mut("this", &self.inner)?;
            h.event(&a0, TicketEvent::CheckIn, &a1)
        })
    }

    /// Checks a ticket out.
    #[napi(ts_args_type = "ticketId: string, at: TimestampInput", ts_return_type = "Ticket")]
    pub fn check_out(&self, env: Env, ticket_id: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("ticketId", ticket_id)?;
            let a1 = js("at", at)?;
            let mut h = get_mut("this", &self.inner)?;
            h.event(&a0, TicketEvent::CheckOut, &a1)
        })
    }

    /// Cancels an unused ticket.
    #[napi(ts_args_type = "ticketId: string, at: TimestampInput", ts_return_type = "Ticket")]
    pub fn cancel(&self, env: Env, ticket_id: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("ticketId", ticket_id)?;
            let a1 = js("at", at)?;
            let mut h = get_mut("this", &self.inner)?;
            h.event(&a0, TicketEvent::Cancel, &a1)
        })
    }

    /// Refunds an unused ticket (`TICKET_ALREADY_USED` after a check-in).
    #[napi(ts_args_type = "ticketId: string, at: TimestampInput", ts_return_type = "Ticket")]
    pub fn refund(&self, env: Env, ticket_id: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("ticketId", ticket_id)?;
            let a1 = js("at", at)?;
            let mut h = get_mut("this", &self.inner)?;
            h.event(&a0, TicketEvent::Refund, &a1)
        })
    }

    /// Revokes a ticket that is not yet void.
    #[napi(ts_args_type = "ticketId: string, at: TimestampInput", ts_return_type = "Ticket")]
    pub fn revoke(&self, env: Env, ticket_id: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("ticketId", ticket_id)?;
            let a1 = js("at", at)?;
            let mut h = get_mut("this", &self.inner)?;
            h.event(&a0, TicketEvent::Revoke, &a1)
        })
    }

    /// Transfers an unused ticket to a new holder; returns the new ticket.
    #[napi(ts_args_type = "ticketId: string, to: NewTicket, at: TimestampInput", ts_return_type = "Ticket")]
    pub fn transfer(&self, env: Env, ticket_id: Unknown<'_>, to: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("ticketId", ticket_id)?;
            let a1 = js("to", to)?;
            let a2 = js("at", at)?;
            let mut h = get_mut("this", &self.inner)?;
            h.transfer(&a0, &a1, &a2)
        })
    }
}

// ------------------------------------------------------------------ Order

/// An order for tickets of one type: pending → paid → fulfilled, pending → expired / cancelled, paid → (partially) refunded.
#[napi]
pub struct Order {
    inner: RefCell<OrderHandle>,
}

#[napi]
impl Order {
    /// Places an order: checks the sale and holds the seats in `inventory` (hold id = order id).
    #[napi(
        factory,
        ts_args_type = "id: string, ticketType: TicketTypeInput, inventory: Inventory, quantity: number, total: Money, now: TimestampInput, expiresAt: TimestampInput"
    )]
    #[allow(clippy::too_many_arguments)]
    pub fn place(
        env: Env,
        id: Unknown<'_>,
        ticket_type: Unknown<'_>,
        inventory: &Inventory,
        quantity: Unknown<'_>,
        total: Unknown<'_>,
        now: Unknown<'_>,
        expires_at: Unknown<'_>,
    ) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("id", id)?;
            let a1 = js("ticketType", ticket_type)?;
            let a3 = js("quantity", quantity)?;
            let a4 = js("total", total)?;
            let a5 = js("now", now)?;
            let a6 = js("expiresAt", expires_at)?;
            let mut inv = get_mut("inventory", &inventory.inner)?;
            OrderHandle::place(&a0, &a1, &mut inv, &a3, &a4, &a5, &a6)
        })
        .map(|h| Order { inner: RefCell::new(h) })
    }

    /// Rebuilds an order from `serialize()` output.
    #[napi(factory, ts_args_type = "state: string")]
    pub fn deserialize(env: Env, state: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("state", state)?;
            OrderHandle::deserialize(&a0)
        })
        .map(|h| Order { inner: RefCell::new(h) })
    }

    /// The order as JSON text (the core's format).
    #[napi]
    pub fn serialize(&self, env: Env) -> napi::Result<String> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.serialize()
        })
    }

    /// The order id.
    #[napi(ts_return_type = "string")]
    pub fn id(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.id())
        })
    }

    /// The ticket type.
    #[napi(ts_return_type = "string")]
    pub fn ticket_type_id(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.ticket_type_id())
        })
    }

    /// Tickets ordered.
    #[napi(ts_return_type = "number")]
    pub fn quantity(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.quantity())
        })
    }

    /// Amount due.
    #[napi(ts_return_type = "Money")]
    pub fn total(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.total())
        })
    }

    /// Current state.
    #[napi(ts_return_type = "OrderState")]
    pub fn state(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.state())
        })
    }

    /// When it was placed.
    #[napi(ts_return_type = "string")]
    pub fn created_at(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.created_at())
        })
    }

    /// When its state last changed.
    #[napi(ts_return_type = "string")]
    pub fn updated_at(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.updated_at())
        })
    }

    /// When its hold expires.
    #[napi(ts_return_type = "string")]
    pub fn expires_at(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.expires_at())
        })
    }

    /// Amount paid, once paid.
    #[napi(ts_return_type = "Money | null")]
    pub fn paid(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.paid())
        })
    }

    /// Cumulative refunds.
    #[napi(ts_return_type = "Money")]
    pub fn refunded(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.refunded())
        })
    }

    /// What can still be refunded.
    #[napi(ts_return_type = "Money")]
    pub fn refundable(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.refundable()
        })
    }

    /// Ids of the issued tickets.
    #[napi(ts_return_type = "string[]")]
    pub fn ticket_ids(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.ticket_ids())
        })
    }

    /// Applies any order event.
    #[napi(ts_args_type = "event: OrderEvent, inventory: Inventory, book: TicketBook", ts_return_type = "OrderState")]
    pub fn apply(&self, env: Env, event: Unknown<'_>, inventory: &Inventory, book: &TicketBook) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("event", event)?;
            let mut inv_guard = get_mut("inventory", &inventory.inner)?;
            let inv = &mut *inv_guard;
            let mut bk_guard = get_mut("book", &book.inner)?;
            let bk = &mut *bk_guard;
            let mut h = get_mut("this", &self.inner)?;
            h.apply(&a0, inv, bk)
        })
    }

    /// Pays exactly the total (`ORDER_PAYMENT_MISMATCH`); confirms the hold.
    #[napi(ts_args_type = "inventory: Inventory, amount: Money, at: TimestampInput", ts_return_type = "OrderState")]
    pub fn pay(&self, env: Env, inventory: &Inventory, amount: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a1 = js("amount", amount)?;
            let a2 = js("at", at)?;
            let mut inv_guard = get_mut("inventory", &inventory.inner)?;
            let inv = &mut *inv_guard;
            let mut h = get_mut("this", &self.inner)?;
            h.pay(inv, &a1, &a2)
        })
    }

    /// Issues exactly `quantity` tickets in `book`.
    #[napi(ts_args_type = "book: TicketBook, tickets: NewTicket[], at: TimestampInput", ts_return_type = "OrderState")]
    pub fn fulfill(&self, env: Env, book: &TicketBook, tickets: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a1 = js("tickets", tickets)?;
            let a2 = js("at", at)?;
            let mut bk_guard = get_mut("book", &book.inner)?;
            let bk = &mut *bk_guard;
            let mut h = get_mut("this", &self.inner)?;
            h.fulfill(bk, &a1, &a2)
        })
    }

    /// Expires a pending order at or after its hold expiry.
    #[napi(ts_args_type = "inventory: Inventory, at: TimestampInput", ts_return_type = "OrderState")]
    pub fn expire(&self, env: Env, inventory: &Inventory, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a1 = js("at", at)?;
            let mut inv_guard = get_mut("inventory", &inventory.inner)?;
            let inv = &mut *inv_guard;
            let mut h = get_mut("this", &self.inner)?;
            h.expire(inv, &a1)
        })
    }

    /// Cancels a pending order (seats released).
    #[napi(ts_args_type = "inventory: Inventory, at: TimestampInput", ts_return_type = "OrderState")]
    pub fn cancel(&self, env: Env, inventory: &Inventory, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a1 = js("at", at)?;
            let mut inv_guard = get_mut("inventory", &inventory.inner)?;
            let inv = &mut *inv_guard;
            let mut h = get_mut("this", &self.inner)?;
            h.cancel(inv, &a1)
        })
    }

    /// Refunds (part of) the payment (`ORDER_REFUND_EXCEEDS_PAID`).
    #[napi(ts_args_type = "amount: Money, at: TimestampInput", ts_return_type = "OrderState")]
    pub fn refund(&self, env: Env, amount: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("amount", amount)?;
            let a1 = js("at", at)?;
            let mut h = get_mut("this", &self.inner)?;
            h.refund(&a0, &a1)
        })
    }
}

// ------------------------------------------------------------------ AccessControl

/// Access zones: scans decide admit or deny with a reason; occupancy and capacity alerts.
#[napi]
pub struct AccessControl {
    inner: RefCell<AccessControlHandle>,
}

#[napi]
impl AccessControl {
    /// `new AccessControl(zones)`.
    #[napi(constructor, ts_args_type = "zones: Zone[]")]
    pub fn new(env: Env, zones: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("zones", zones)?;
            AccessControlHandle::new(&a0)
        })
        .map(|h| AccessControl { inner: RefCell::new(h) })
    }

    /// Rebuilds zones and presence from `serialize()` output (zones checked again).
    #[napi(factory, ts_args_type = "state: string")]
    pub fn deserialize(env: Env, state: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("state", state)?;
            AccessControlHandle::deserialize(&a0)
        })
        .map(|h| AccessControl { inner: RefCell::new(h) })
    }

    /// The zones, occupancy and presence as JSON text (the core's format).
    #[napi]
    pub fn serialize(&self, env: Env) -> napi::Result<String> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.serialize()
        })
    }

    /// A zone definition (`ACCESS_UNKNOWN_ZONE`).
    #[napi(ts_args_type = "zoneId: string", ts_return_type = "Zone")]
    pub fn zone(&self, env: Env, zone_id: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("zoneId", zone_id)?;
            let h = get("this", &self.inner)?;
            h.zone(&a0)
        })
    }

    /// A zone's occupancy.
    #[napi(ts_args_type = "zoneId: string", ts_return_type = "ZoneOccupancy")]
    pub fn occupancy(&self, env: Env, zone_id: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("zoneId", zone_id)?;
            let h = get("this", &self.inner)?;
            h.occupancy(&a0)
        })
    }

    /// Occupancy of every zone, by id.
    #[napi(ts_return_type = "ZoneOccupancy[]")]
    pub fn occupancies(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.occupancies()
        })
    }

    /// Whether a ticket is inside a zone.
    #[napi(ts_args_type = "zoneId: string, ticketId: string", ts_return_type = "boolean")]
    pub fn is_inside(&self, env: Env, zone_id: Unknown<'_>, ticket_id: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("zoneId", zone_id)?;
            let a1 = js("ticketId", ticket_id)?;
            let h = get("this", &self.inner)?;
            h.is_inside(&a0, &a1)
        })
    }

    /// The decision for a scan, changing nothing.
    #[napi(ts_args_type = "book: TicketBook, scan: Scan", ts_return_type = "Decision")]
    pub fn decide(&self, env: Env, book: &TicketBook, scan: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a1 = js("scan", scan)?;
            let bk_guard = get("book", &book.inner)?;
            let bk = &*bk_guard;
            let h = get("this", &self.inner)?;
            h.decide(bk, &a1)
        })
    }

    /// Decides a scan and records it when admitted (check-in / check-out at perimeter zones).
    #[napi(ts_args_type = "book: TicketBook, scan: Scan", ts_return_type = "ScanOutcome")]
    pub fn scan(&self, env: Env, book: &TicketBook, scan: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a1 = js("scan", scan)?;
            let mut bk_guard = get_mut("book", &book.inner)?;
            let bk = &mut *bk_guard;
            let mut h = get_mut("this", &self.inner)?;
            h.scan(bk, &a1)
        })
    }

    /// Sets (or replaces) a check-in policy on its zones (`ACCESS_POLICY_INVALID`, `ACCESS_RULE_*`).
    #[napi(ts_args_type = "policy: CheckinPolicy")]
    pub fn set_policy(&self, env: Env, policy: Unknown<'_>) -> napi::Result<()> {
        run(&env, || {
            let a0 = js("policy", policy)?;
            let mut h = get_mut("this", &self.inner)?;
            h.set_policy(&a0).map(|_| ())
        })
    }

    /// The check-in policies, by id.
    #[napi(ts_return_type = "CheckinPolicy[]")]
    pub fn policies(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.policies()
        })
    }

    /// A scan with what the gate knows (gate, pending order, attributes) for the zone's check-in policy; the outcome names what decided.
    #[napi(ts_args_type = "book: TicketBook, scan: Scan, context: ScanContext | null", ts_return_type = "ScanOutcome")]
    pub fn scan_with(
        &self,
        env: Env,
        book: &TicketBook,
        scan: Unknown<'_>,
        context: Unknown<'_>,
    ) -> napi::Result<Value> {
        run(&env, || {
            let a1 = js("scan", scan)?;
            let a2 = js("context", context)?;
            let mut bk_guard = get_mut("book", &book.inner)?;
            let bk = &mut *bk_guard;
            let mut h = get_mut("this", &self.inner)?;
            h.scan_with(bk, &a1, &a2)
        })
    }

    /// Annuls the last check-in of a ticket into a zone (turned back at a kiosk).
    #[napi(
        ts_args_type = "book: TicketBook, ticketId: string, zoneId: string, at: TimestampInput",
        ts_return_type = "ZoneOccupancy"
    )]
    pub fn annul(
        &self,
        env: Env,
        book: &TicketBook,
        ticket_id: Unknown<'_>,
        zone_id: Unknown<'_>,
        at: Unknown<'_>,
    ) -> napi::Result<Value> {
        run(&env, || {
            let a1 = js("ticketId", ticket_id)?;
            let a2 = js("zoneId", zone_id)?;
            let a3 = js("at", at)?;
            let mut bk_guard = get_mut("book", &book.inner)?;
            let bk = &mut *bk_guard;
            let mut h = get_mut("this", &self.inner)?;
            h.annul(bk, &a1, &a2, &a3)
        })
    }
}

// ------------------------------------------------------------------ QuotaBook

/// Shared quotas over ticket types and add-ons with cart holds (`sold + held ≤ size` for every quota).
#[napi]
pub struct QuotaBook {
    inner: RefCell<QuotaBookHandle>,
}

#[napi]
impl QuotaBook {
    /// `new QuotaBook(quotas)`.
    #[napi(constructor, ts_args_type = "quotas: Quota[]")]
    pub fn new(env: Env, quotas: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("quotas", quotas)?;
            QuotaBookHandle::new(&a0)
        })
        .map(|h| QuotaBook { inner: RefCell::new(h) })
    }

    /// Rebuilds a quota book from `serialize()` output (invariants checked).
    #[napi(factory, ts_args_type = "state: string")]
    pub fn deserialize(env: Env, state: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("state", state)?;
            QuotaBookHandle::deserialize(&a0)
        })
        .map(|h| QuotaBook { inner: RefCell::new(h) })
    }

    /// The quotas and holds as JSON text (the core's format).
    #[napi]
    pub fn serialize(&self, env: Env) -> napi::Result<String> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.serialize()
        })
    }

    /// Every quota, by id.
    #[napi(ts_return_type = "Quota[]")]
    pub fn quotas(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.quotas()
        })
    }

    /// A hold by id, or null.
    #[napi(ts_args_type = "holdId: string", ts_return_type = "QuotaHold | null")]
    pub fn hold(&self, env: Env, hold_id: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("holdId", hold_id)?;
            let h = get("this", &self.inner)?;
            h.hold(&a0)
        })
    }

    /// Every hold (any state), by id.
    #[napi(ts_return_type = "QuotaHold[]")]
    pub fn holds(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.holds()
        })
    }

    /// Size, sold, held and available of every quota at `now`.
    #[napi(ts_args_type = "now: TimestampInput", ts_return_type = "QuotaCounts[]")]
    pub fn counts(&self, env: Env, now: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("now", now)?;
            let h = get("this", &self.inner)?;
            h.counts(&a0)
        })
    }

    /// Units of an item that can still be held (its most limiting quota; null: unlimited).
    #[napi(ts_args_type = "itemId: string, now: TimestampInput", ts_return_type = "number | null")]
    pub fn available(&self, env: Env, item_id: Unknown<'_>, now: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("itemId", item_id)?;
            let a1 = js("now", now)?;
            let h = get("this", &self.inner)?;
            h.available(&a0, &a1)
        })
    }

    /// Holds every line in every quota of its item, all or nothing (`QUOTA_EXHAUSTED`).
    #[napi(
        ts_args_type = "holdId: string, lines: QuotaRequest[], now: TimestampInput, expiresAt: TimestampInput",
        ts_return_type = "QuotaHold"
    )]
    pub fn reserve(
        &self,
        env: Env,
        hold_id: Unknown<'_>,
        lines: Unknown<'_>,
        now: Unknown<'_>,
        expires_at: Unknown<'_>,
    ) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("holdId", hold_id)?;
            let a1 = js("lines", lines)?;
            let a2 = js("now", now)?;
            let a3 = js("expiresAt", expires_at)?;
            let mut h = get_mut("this", &self.inner)?;
            h.reserve(&a0, &a1, &a2, &a3)
        })
    }

    /// Sells a live hold.
    #[napi(ts_args_type = "holdId: string, now: TimestampInput", ts_return_type = "QuotaHold")]
    pub fn confirm(&self, env: Env, hold_id: Unknown<'_>, now: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("holdId", hold_id)?;
            let a1 = js("now", now)?;
            let mut h = get_mut("this", &self.inner)?;
            h.confirm(&a0, &a1)
        })
    }

    /// Gives the units of a held hold back.
    #[napi(ts_args_type = "holdId: string", ts_return_type = "QuotaHold")]
    pub fn release(&self, env: Env, hold_id: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("holdId", hold_id)?;
            let mut h = get_mut("this", &self.inner)?;
            h.release(&a0)
        })
    }

    /// Expires every hold due at `now` and returns them.
    #[napi(ts_args_type = "now: TimestampInput", ts_return_type = "QuotaHold[]")]
    pub fn expire(&self, env: Env, now: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("now", now)?;
            let mut h = get_mut("this", &self.inner)?;
            h.expire(&a0)
        })
    }

    /// Gives sold units of one line back to its quotas; returns the units still sold.
    #[napi(ts_args_type = "holdId: string, lineId: string, quantity: number", ts_return_type = "number")]
    pub fn refund_line(
        &self,
        env: Env,
        hold_id: Unknown<'_>,
        line_id: Unknown<'_>,
        quantity: Unknown<'_>,
    ) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("holdId", hold_id)?;
            let a1 = js("lineId", line_id)?;
            let a2 = js("quantity", quantity)?;
            let mut h = get_mut("this", &self.inner)?;
            h.refund_line(&a0, &a1, &a2)
        })
    }

    /// `sold + held ≤ size` for every quota.
    #[napi(ts_return_type = "boolean")]
    pub fn invariant_holds(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.invariant_holds())
        })
    }
}

// ------------------------------------------------------------------ CartOrder

/// An order of several lines (tickets and add-ons) held in shared quotas; single lines are refunded idempotently.
#[napi]
pub struct CartOrder {
    inner: RefCell<CartOrderHandle>,
}

#[napi]
impl CartOrder {
    /// Places a cart: checks the catalog and sale rules, prices it, holds every line in `quotas` (hold id = order id).
    #[napi(
        factory,
        ts_args_type = "spec: CartSpec, catalog: ShopCatalog, config: CartConfig, promos: PromoCode[] | null, quotas: QuotaBook"
    )]
    pub fn place(
        env: Env,
        spec: Unknown<'_>,
        catalog: Unknown<'_>,
        config: Unknown<'_>,
        promos: Unknown<'_>,
        quotas: &QuotaBook,
    ) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("spec", spec)?;
            let a1 = js("catalog", catalog)?;
            let a2 = js("config", config)?;
            let a3 = js("promos", promos)?;
            let mut qb = get_mut("quotas", &quotas.inner)?;
            CartOrderHandle::place(&a0, &a1, &a2, &a3, &mut qb)
        })
        .map(|h| CartOrder { inner: RefCell::new(h) })
    }

    /// Rebuilds a cart order from `serialize()` output (checked).
    #[napi(factory, ts_args_type = "state: string")]
    pub fn deserialize(env: Env, state: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("state", state)?;
            CartOrderHandle::deserialize(&a0)
        })
        .map(|h| CartOrder { inner: RefCell::new(h) })
    }

    /// The order as JSON text (the core's format).
    #[napi]
    pub fn serialize(&self, env: Env) -> napi::Result<String> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.serialize()
        })
    }

    /// The order id.
    #[napi(ts_return_type = "string")]
    pub fn id(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.id())
        })
    }

    /// Current state.
    #[napi(ts_return_type = "OrderState")]
    pub fn state(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.state())
        })
    }

    /// Amount due.
    #[napi(ts_return_type = "Money")]
    pub fn total(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.total())
        })
    }

    /// Amount paid, once paid.
    #[napi(ts_return_type = "Money | null")]
    pub fn paid(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.paid())
        })
    }

    /// Sum of the line refunds.
    #[napi(ts_return_type = "Money")]
    pub fn refunded(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.refunded()
        })
    }

    /// What can still be refunded.
    #[napi(ts_return_type = "Money")]
    pub fn refundable(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.refundable()
        })
    }

    /// The price breakdown made at placement.
    #[napi(ts_return_type = "CartBreakdown")]
    pub fn breakdown(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.breakdown()
        })
    }

    /// Every line refund, in the order made.
    #[napi(ts_return_type = "LineRefund[]")]
    pub fn refunds(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.refunds()
        })
    }

    /// The tickets of each ticket line (empty before fulfilment).
    #[napi(ts_return_type = "LineTickets[]")]
    pub fn tickets(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.tickets()
        })
    }

    /// When it was placed.
    #[napi(ts_return_type = "string")]
    pub fn created_at(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.created_at())
        })
    }

    /// When its state last changed.
    #[napi(ts_return_type = "string")]
    pub fn updated_at(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.updated_at())
        })
    }

    /// When its hold expires.
    #[napi(ts_return_type = "string")]
    pub fn expires_at(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.expires_at())
        })
    }

    /// Units of a line refunded so far.
    #[napi(ts_args_type = "lineId: string", ts_return_type = "number")]
    pub fn refunded_quantity(&self, env: Env, line_id: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("lineId", line_id)?;
            let h = get("this", &self.inner)?;
            h.refunded_quantity(&a0)
        })
    }

    /// What refunding the next `quantity` units of a line gives back (changes nothing).
    #[napi(ts_args_type = "lineId: string, quantity: number", ts_return_type = "Money")]
    pub fn line_refund_amount(&self, env: Env, line_id: Unknown<'_>, quantity: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("lineId", line_id)?;
            let a1 = js("quantity", quantity)?;
            let h = get("this", &self.inner)?;
            h.line_refund_amount(&a0, &a1)
        })
    }

    /// Pays exactly the total; confirms the quota hold.
    #[napi(ts_args_type = "quotas: QuotaBook, amount: Money, at: TimestampInput", ts_return_type = "OrderState")]
    pub fn pay(&self, env: Env, quotas: &QuotaBook, amount: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a1 = js("amount", amount)?;
            let a2 = js("at", at)?;
            let mut qb_guard = get_mut("quotas", &quotas.inner)?;
            let qb = &mut *qb_guard;
            let mut h = get_mut("this", &self.inner)?;
            h.pay(qb, &a1, &a2)
        })
    }

    /// Issues the tickets of the ticket lines, in line order.
    #[napi(ts_args_type = "book: TicketBook, tickets: NewTicket[], at: TimestampInput", ts_return_type = "OrderState")]
    pub fn fulfill(&self, env: Env, book: &TicketBook, tickets: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a1 = js("tickets", tickets)?;
            let a2 = js("at", at)?;
            let mut bk_guard = get_mut("book", &book.inner)?;
            let bk = &mut *bk_guard;
            let mut h = get_mut("this", &self.inner)?;
            h.fulfill(bk, &a1, &a2)
        })
    }

    /// Expires a pending order at or after its hold expiry.
    #[napi(ts_args_type = "quotas: QuotaBook, at: TimestampInput", ts_return_type = "OrderState")]
    pub fn expire(&self, env: Env, quotas: &QuotaBook, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a1 = js("at", at)?;
            let mut qb_guard = get_mut("quotas", &quotas.inner)?;
            let qb = &mut *qb_guard;
            let mut h = get_mut("this", &self.inner)?;
            h.expire(qb, &a1)
        })
    }

    /// Cancels a pending order (units released).
    #[napi(ts_args_type = "quotas: QuotaBook, at: TimestampInput", ts_return_type = "OrderState")]
    pub fn cancel(&self, env: Env, quotas: &QuotaBook, at: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a1 = js("at", at)?;
            let mut qb_guard = get_mut("quotas", &quotas.inner)?;
            let qb = &mut *qb_guard;
            let mut h = get_mut("this", &self.inner)?;
            h.cancel(qb, &a1)
        })
    }

    /// Refunds units of one line (amount incl. its shares of order discount and fees); idempotent per `refundId`.
    #[napi(
        ts_args_type = "refund: LineRefundRequest, at: TimestampInput, quotas: QuotaBook, book: TicketBook",
        ts_return_type = "LineRefund"
    )]
    pub fn refund_line(
        &self,
        env: Env,
        refund: Unknown<'_>,
        at: Unknown<'_>,
        quotas: &QuotaBook,
        book: &TicketBook,
    ) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("refund", refund)?;
            let a1 = js("at", at)?;
            let mut qb_guard = get_mut("quotas", &quotas.inner)?;
            let qb = &mut *qb_guard;
            let mut bk_guard = get_mut("book", &book.inner)?;
            let bk = &mut *bk_guard;
            let mut h = get_mut("this", &self.inner)?;
            h.refund_line(&a0, &a1, qb, bk)
        })
    }
}

// ------------------------------------------------------------------ TillSession

/// A till session: float, cash and card operations, gap-free receipts with VAT per rate, a signed closing with counted amounts.
#[napi]
pub struct TillSession {
    inner: RefCell<TillSessionHandle>,
}

#[napi]
impl TillSession {
    /// Opens a session with a cash float (`TILL_INVALID_AMOUNT` for a negative float).
    #[napi(factory, ts_args_type = "spec: SessionSpec")]
    pub fn open(env: Env, spec: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("spec", spec)?;
            TillSessionHandle::open(&a0)
        })
        .map(|h| TillSession { inner: RefCell::new(h) })
    }

    /// Rebuilds a session from `serialize()` output (checked: `TILL_STATE_INVALID`).
    #[napi(factory, ts_args_type = "state: string")]
    pub fn deserialize(env: Env, state: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("state", state)?;
            TillSessionHandle::deserialize(&a0)
        })
        .map(|h| TillSession { inner: RefCell::new(h) })
    }

    /// The session as JSON text (the core's format).
    #[napi]
    pub fn serialize(&self, env: Env) -> napi::Result<String> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.serialize()
        })
    }

    /// Opens the next session of this closed till: receipt numbers continue (`TILL_SESSION_OPEN`, `TILL_SESSION_MISMATCH`).
    #[napi(ts_args_type = "spec: SessionSpec")]
    pub fn open_next(&self, env: Env, spec: Unknown<'_>) -> napi::Result<TillSession> {
        run(&env, || {
            let a0 = js("spec", spec)?;
            let h = get("this", &self.inner)?;
            h.open_next(&a0)
        })
        .map(|h| TillSession { inner: RefCell::new(h) })
    }

    /// How the session was opened.
    #[napi(ts_return_type = "SessionSpec")]
    pub fn spec(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.spec()
        })
    }

    /// The session id.
    #[napi(ts_return_type = "string")]
    pub fn id(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.id())
        })
    }

    /// Whether it is closed.
    #[napi(ts_return_type = "boolean")]
    pub fn is_closed(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.is_closed())
        })
    }

    /// The number the next receipt gets.
    #[napi(ts_return_type = "number")]
    pub fn next_receipt_number(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.next_receipt_number())
        })
    }

    /// SHA-256 (hex) of the operations and receipts, as carried by the closing.
    #[napi(ts_return_type = "string")]
    pub fn operations_hash(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.operations_hash())
        })
    }

    /// Float, cash in / out by kind, sales by method, expected cash and card.
    #[napi(ts_return_type = "SessionTotals")]
    pub fn totals(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.totals()
        })
    }

    /// Double-entry postings: float, cash top-ups, payouts, safe moves, cash/card receipts on `cash_drawer:<till>`, `safe`, `funds:*`, `revenue:<stand>`; the closing empties the drawer into the safe and books differences to `expense:cash_differences`.
    #[napi(ts_return_type = "Posting[]")]
    pub fn postings(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.postings()
        })
    }

    /// The cash and card operations, in the order recorded.
    #[napi(ts_return_type = "TillOperation[]")]
    pub fn operations(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.operations()
        })
    }

    /// The receipts, by number.
    #[napi(ts_return_type = "Receipt[]")]
    pub fn receipts(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.receipts()
        })
    }

    /// The receipt of a payment, or null.
    #[napi(ts_args_type = "paymentId: string", ts_return_type = "Receipt | null")]
    pub fn receipt(&self, env: Env, payment_id: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("paymentId", payment_id)?;
            let h = get("this", &self.inner)?;
            h.receipt(&a0)
        })
    }

    /// The signed closing, once closed.
    #[napi(ts_return_type = "SignedClosing | null")]
    pub fn closing(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.closing()
        })
    }

    /// Records a cash or card operation; idempotent per id (`TILL_OPERATION_CONFLICT`, `TILL_INSUFFICIENT_CASH`).
    #[napi(ts_args_type = "operation: TillOperation", ts_return_type = "TillOperation")]
    pub fn record(&self, env: Env, operation: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("operation", operation)?;
            let mut h = get_mut("this", &self.inner)?;
            h.record(&a0)
        })
    }

    /// Issues the receipt of a payment with the next number; idempotent per payment id.
    #[napi(ts_args_type = "request: SaleRequest, products: ProductInfo[]", ts_return_type = "Receipt")]
    pub fn sale(&self, env: Env, request: Unknown<'_>, products: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("request", request)?;
            let a1 = js("products", products)?;
            let mut h = get_mut("this", &self.inner)?;
            h.sale(&a0, &a1)
        })
    }

    /// Stores the caller's TSE signature on a receipt.
    #[napi(ts_args_type = "paymentId: string, signature: FiscalSignature", ts_return_type = "Receipt")]
    pub fn attach_fiscal_signature(
        &self,
        env: Env,
        payment_id: Unknown<'_>,
        signature: Unknown<'_>,
    ) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("paymentId", payment_id)?;
            let a1 = js("signature", signature)?;
            let mut h = get_mut("this", &self.inner)?;
            h.attach_fiscal_signature(&a0, &a1)
        })
    }

    /// Closes with the counted cash and card total; the device's seed signs the closing (`TILL_ALREADY_CLOSED`).
    #[napi(
        ts_args_type = "closedAt: TimestampInput, counted: CountedAmounts, seed: Uint8Array",
        ts_return_type = "SignedClosing"
    )]
    pub fn close(
        &self,
        env: Env,
        closed_at: Unknown<'_>,
        counted: Unknown<'_>,
        seed: Unknown<'_>,
    ) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("closedAt", closed_at)?;
            let a1 = js("counted", counted)?;
            let a2 = bytes("seed", seed)?;
            let mut h = get_mut("this", &self.inner)?;
            h.close(&a0, &a1, &a2)
        })
    }
}

// ------------------------------------------------------------------ Catalog

/// A product catalog of stands (validated): prices, VAT rates, deposits (Pfand), voucher prices and minimum ages; signed for offline devices.
#[napi]
pub struct Catalog {
    pub(crate) inner: RefCell<CatalogHandle>,
}

#[napi]
impl Catalog {
    /// `new Catalog({ festivalId, version, currency, products })` (`CATALOG_*` for a catalog that does not validate).
    #[napi(constructor, ts_args_type = "spec: CatalogSpec")]
    pub fn new(env: Env, spec: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("spec", spec)?;
            CatalogHandle::new(&a0)
        })
        .map(|h| Catalog { inner: RefCell::new(h) })
    }

    /// Reads a catalog from the core's JSON (snake_case; validated like the constructor).
    #[napi(factory, ts_args_type = "text: string")]
    pub fn from_json(env: Env, text: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("text", text)?;
            CatalogHandle::from_json(&a0)
        })
        .map(|h| Catalog { inner: RefCell::new(h) })
    }

    /// The core's JSON (snake_case), byte-identical to every other runtime's.
    #[napi]
    pub fn to_json(&self, env: Env) -> napi::Result<String> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.to_json()
        })
    }

    /// The festival.
    #[napi(ts_return_type = "string")]
    pub fn festival_id(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.festival_id())
        })
    }

    /// The catalog version (put it on payments).
    #[napi(ts_return_type = "number")]
    pub fn version(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.version())
        })
    }

    /// The currency of every price.
    #[napi(ts_return_type = "string")]
    pub fn currency(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.currency())
        })
    }

    /// The products, sorted by id.
    #[napi(ts_return_type = "Product[]")]
    pub fn products(&self, env: Env) -> napi::Result<Value> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.products()
        })
    }

    /// The product with this id, or null.
    #[napi(ts_args_type = "id: string", ts_return_type = "Product | null")]
    pub fn product(&self, env: Env, id: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("id", id)?;
            let h = get("this", &self.inner)?;
            h.product(&a0)
        })
    }

    /// The canonical encoding the signature covers.
    #[napi]
    pub fn encode(&self, env: Env) -> napi::Result<Uint8Array> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.encode())
        })
        .map(Uint8Array::from)
    }

    /// Signs the catalog with the organizer's 32-byte seed.
    #[napi(ts_args_type = "organizerSeed: Uint8Array")]
    pub fn sign(&self, env: Env, organizer_seed: Unknown<'_>) -> napi::Result<SignedCatalog> {
        run(&env, || {
            let a0 = bytes("organizerSeed", organizer_seed)?;
            let h = get("this", &self.inner)?;
            h.sign(&a0)
        })
        .map(|h| SignedCatalog { inner: RefCell::new(h) })
    }

    /// Prices a basket: payment lines (goods, then deposits), goods / deposit totals, vouchers needed, VAT of the goods (rounding default `per_line`).
    #[napi(ts_args_type = "lines: BasketLine[], rounding?: TaxRounding | null", ts_return_type = "Basket")]
    pub fn expand(&self, env: Env, lines: Unknown<'_>, rounding: Unknown<'_>) -> napi::Result<Value> {
        run(&env, || {
            let a0 = js("lines", lines)?;
            let a1 = js("rounding", rounding)?;
            let h = get("this", &self.inner)?;
            h.expand(&a0, &a1)
        })
    }

    /// Checks payment lines against the catalog: its version, prices, kinds, voucher prices and deposits (`CATALOG_VERSION_MISMATCH`, `CATALOG_PRICE_MISMATCH`, ...).
    #[napi(ts_args_type = "items: LineItem[], catalogVersion?: number | null")]
    pub fn check_payment(&self, env: Env, items: Unknown<'_>, catalog_version: Unknown<'_>) -> napi::Result<()> {
        run(&env, || {
            let a0 = js("items", items)?;
            let a1 = js("catalogVersion", catalog_version)?;
            let h = get("this", &self.inner)?;
            h.check_payment(&a0, &a1).map(|_| ())
        })
    }

    /// Refuses the first line above the age class (`CATALOG_AGE_RESTRICTED`; null: unknown, counts as under 16).
    #[napi(ts_args_type = "items: LineItem[], ageClass: AgeClass | null")]
    pub fn check_age(&self, env: Env, items: Unknown<'_>, age_class: Unknown<'_>) -> napi::Result<()> {
        run(&env, || {
            let a0 = js("items", items)?;
            let a1 = js("ageClass", age_class)?;
            let h = get("this", &self.inner)?;
            h.check_age(&a0, &a1).map(|_| ())
        })
    }

    /// Checks a cup return: a deposit product and exactly `quantity` × its price.
    #[napi(ts_args_type = "product: string, quantity: number, amount: Money")]
    pub fn check_deposit_return(
        &self,
        env: Env,
        product: Unknown<'_>,
        quantity: Unknown<'_>,
        amount: Unknown<'_>,
    ) -> napi::Result<()> {
        run(&env, || {
            let a0 = js("product", product)?;
            let a1 = js("quantity", quantity)?;
            let a2 = js("amount", amount)?;
            let h = get("this", &self.inner)?;
            h.check_deposit_return(&a0, &a1, &a2).map(|_| ())
        })
    }
}

// ------------------------------------------------------------------ SignedCatalog

/// A catalog with the organizer's Ed25519 signature over its canonical encoding.
#[napi]
pub struct SignedCatalog {
    inner: RefCell<SignedCatalogHandle>,
}

#[napi]
impl SignedCatalog {
    /// Reads a signed catalog from the core's JSON (not verified: call `verify`).
    #[napi(factory, ts_args_type = "text: string")]
    pub fn from_json(env: Env, text: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            let a0 = js("text", text)?;
            SignedCatalogHandle::from_json(&a0)
        })
        .map(|h| SignedCatalog { inner: RefCell::new(h) })
    }

    /// The core's JSON: `{"catalog": {...}, "signature": "<hex>"}`.
    #[napi]
    pub fn to_json(&self, env: Env) -> napi::Result<String> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            h.to_json()
        })
    }

    /// The catalog as signed, NOT verified (devices use `verify`).
    #[napi]
    pub fn catalog(&self, env: Env) -> napi::Result<Catalog> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.catalog())
        })
        .map(|h| Catalog { inner: RefCell::new(h) })
    }

    /// The signature (64 bytes).
    #[napi]
    pub fn signature(&self, env: Env) -> napi::Result<Uint8Array> {
        run(&env, || {
            let h = get("this", &self.inner)?;
            Ok(h.signature())
        })
        .map(Uint8Array::from)
    }

    /// Verifies the signature under the organizer's public key and returns the catalog (`CATALOG_BAD_SIGNATURE`, `OFFLINE_INVALID_KEY`).
    #[napi(ts_args_type = "publicKey: Uint8Array")]
    pub fn verify(&self, env: Env, public_key: Unknown<'_>) -> napi::Result<Catalog> {
        run(&env, || {
            let a0 = bytes("publicKey", public_key)?;
            let h = get("this", &self.inner)?;
            h.verify(&a0)
        })
        .map(|h| Catalog { inner: RefCell::new(h) })
    }
}
