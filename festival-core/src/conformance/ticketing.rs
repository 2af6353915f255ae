//! `ticketing.*` conformance operations. All JSON is snake_case; money is
//! `{"amount": "<decimal>", "currency": "<code>"}`; timestamps are RFC 3339 strings; ids are UUID
//! strings; percentages and rates are decimal strings. A failed step is reported in place as
//! `{"error": "<CODE>", "details": {...}}` and changes nothing.
//!
//! * `ticketing.price` — input `{"config": PricingConfig, "promos": [PromoCode], "lines":
//!   [{"ticket_type_id", "unit_price", "quantity"}], "promo_code": "CODE" | null, "at": ts}` with
//!   `PricingConfig = {"currency": "EUR", "fees": {"per_ticket": money, "percent": "2.5",
//!   "rounding": mode}, "fees_taxable": bool, "tax": {"rate": "19", "basis": "gross"|"net",
//!   "rounding": "per_line"|"sum_by_net"|"sum_by_net_keep_gross", "mode": mode},
//!   "discount_rounding": mode}`, `PromoCode = {"code", "discount": {"kind": "percentage",
//!   "percent": "10"} | {"kind": "fixed_amount", "amount": money}, "max_uses": n|null, "used": n,
//!   "expires_at": ts|null, "min_quantity": n, "ticket_type_ids": [uuid]}`. Output: the
//!   [`PriceBreakdown`](crate::ticketing::pricing::PriceBreakdown) (`lines` with `ticket_type_id`,
//!   `quantity`, `unit_price`, `subtotal`, `discount`, `fees`, `tax`, `rounding_adjustment`,
//!   `total`; then `subtotal`, `discount`, `fees`, `tax`, `tax_included`, `rounding_adjustment`,
//!   `total`, `promo_code`). Errors are the operation's error.
//! * `ticketing.inventory_run` — input `{"ticket_type_id": uuid, "capacity": n, "steps": [...]}`,
//!   each step `{"op": "reserve", "hold_id", "quantity", "at", "expires_at"}`, `{"op": "confirm",
//!   "hold_id", "at"}`, `{"op": "release", "hold_id", "at"}`, `{"op": "expire", "at"}` or
//!   `{"op": "restock", "quantity", "at"}`. Output `{"steps": [{"ok": true, "hold": Hold?,
//!   "expired": [uuid]?, "counts": counts} | {"error", "details"}], "final": counts}` where
//!   `counts = {"capacity", "sold", "held", "available"}` at the step's time (`final`: at the last
//!   step's time) and `Hold = {"id", "quantity", "created_at", "expires_at", "state"}`.
//! * `ticketing.order_run` — input `{"ticket_type": TicketType, "order": {"id", "quantity",
//!   "total", "at", "expires_at"}, "events": [OrderEvent]}` with `TicketType = {"id", "name",
//!   "price", "capacity", "sale_from", "sale_until", "valid_from", "valid_until", "max_per_order",
//!   "zones", "reentry_allowed", "transfer_limit"}` and `OrderEvent = {"event": "pay", "amount",
//!   "at"} | {"event": "fulfill", "tickets": [{"id", "number", "holder"}], "at"} | {"event":
//!   "expire", "at"} | {"event": "cancel", "at"} | {"event": "refund", "amount", "at"}`. Placing
//!   the order (sale window, max per order, sold out) fails the whole operation. Output
//!   `{"placed": "pending", "steps": [{"state"} | {"error", "details"}], "final": {"state", "paid",
//!   "refunded", "refundable", "ticket_ids", "inventory": counts}}` (`inventory` at the last event's
//!   time, or the placement time).
//! * `ticketing.ticket_run` — input `{"ticket_types": [TicketType], "steps": [...]}`, each step
//!   `{"event": "issue", "ticket_type_id", "id", "number", "holder", "at"}`, `{"event":
//!   "transfer", "ticket_id", "to": {"id", "number", "holder"}, "at"}` or `{"event":
//!   "check_in"|"check_out"|"cancel"|"refund"|"revoke", "ticket_id", "at"}`. Output `{"steps":
//!   [{"ticket_id", "state"} | {"error", "details"}], "tickets": [{"id", "number", "holder",
//!   "state", "used", "lineage_id", "transfers", "replaces", "replaced_by"}]}` (tickets by id;
//!   `transfer` reports the new ticket).
//! * `ticketing.cart_price` — input `{"config": CartConfig, "promos": [PromoCode], "lines":
//!   [CartLine], "promo_code": "CODE" | null, "at": ts}` with `CartConfig = {"pricing":
//!   PricingConfig, "line_fees": [{"name", "per_unit", "percent", "rounding", "item_ids"}],
//!   "order_fees": [{"name", "amount", "percent", "rounding"}]}`, `CartLine = {"line_id",
//!   "item_id", "kind": "ticket"|"add_on", "unit_price", "quantity", "tax_rate"?}` and promo codes
//!   with the optional `"valid_from": ts` and `"scope": "line"|"order"`. Output: the
//!   [`CartBreakdown`](crate::ticketing::cart::CartBreakdown) (`lines` with `line_id`, `item_id`,
//!   `kind`, `quantity`, `unit_price`, `tax_rate`, `subtotal`, `discount`, `fees`, `order_fees`,
//!   `tax`, `rounding_adjustment`, `total`; then `subtotal`, `discount`, `fees`, `order_fees`,
//!   `order_fee_lines` [{"name", "amount"}], `tax`, `taxes` [{"rate", "net", "tax", "gross"}],
//!   `tax_included`, `rounding_adjustment`, `total`, `promo_code`).
//! * `ticketing.quota_run` — input `{"quotas": [{"id", "name", "size": n|null, "item_ids"}],
//!   "steps": [...]}`, each step `{"op": "reserve", "hold_id", "lines": [{"line_id", "item_id",
//!   "quantity"}], "at", "expires_at"}`, `{"op": "confirm"|"release", "hold_id", "at"}`, `{"op":
//!   "expire", "at"}` or `{"op": "refund_line", "hold_id", "line_id", "quantity", "at"}`. Output
//!   `{"steps": [{"ok": true, "hold"?: QuotaHold, "expired"?: [uuid], "still_sold"?: n, "counts":
//!   [QuotaCounts]} | {"error", "details"}], "final": [QuotaCounts], "items": [{"item_id",
//!   "available": n|null}]}` with `QuotaCounts = {"quota_id", "size", "sold", "held",
//!   "available"}` at the step's time (`final` and `items`: at the last step's time; `items`: every
//!   item of any quota, ascending).
//! * `ticketing.cart_order_run` — input `{"catalog": {"ticket_types": [TicketType], "add_ons":
//!   [{"id", "name", "price", "max_per_order", "sale_from"?, "sale_until"?}], "tax_rates":
//!   [{"item_id", "rate"}]}, "config": CartConfig, "promos": [PromoCode], "quotas": [Quota],
//!   "prior": [CartSpec], "order": CartSpec, "events": [CartOrderEvent]}` with `CartSpec = {"id",
//!   "lines": [{"line_id", "item_id", "quantity"}], "promo_code"?, "now", "expires_at"}` (`prior`
//!   carts are placed first and stay held) and `CartOrderEvent = {"event": "pay", "amount", "at"}
//!   | {"event": "fulfill", "tickets": [{"id", "number", "holder"}], "at"} | {"event": "expire" |
//!   "cancel", "at"} | {"event": "refund_line", "refund_id", "line_id", "quantity", "ticket_ids"?,
//!   "at"}`. Placing fails the whole operation. Output `{"placed": CartBreakdown, "steps":
//!   [{"state", "refund"?: {"refund_id", "line_id", "quantity", "amount", "ticket_ids", "at"}} |
//!   {"error", "details"}], "final": {"state", "paid", "refunded", "refundable", "lines":
//!   [{"line_id", "quantity", "refunded_quantity", "total"}], "tickets": [{"line_id",
//!   "ticket_ids"}], "quotas": [QuotaCounts]}}` (`quotas` at the last event's time).

use super::{out, parse};
use crate::error::{Error, ErrorCode};
use crate::ticketing::pricing::{price, PriceLine, PriceRequest, PricingConfig, PromoCode};
use crate::ticketing::cart::{price_cart, CartConfig, CartLine, CartPriceRequest};
use crate::ticketing::{
    CartOrder, CartOrderEvent, CartSpec, Catalog, Inventory, LineRefundRequest, NewTicket, Order, OrderEvent, Quota,
    QuotaBook, QuotaRequest, Ticket, TicketBook, TicketEvent, TicketType,
};
use std::collections::BTreeSet;
use crate::time::Timestamp;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceIn {
    config: PricingConfig,
    #[serde(default)]
    promos: Vec<PromoCode>,
    lines: Vec<PriceLine>,
    #[serde(default)]
    promo_code: Option<String>,
    at: Timestamp,
}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum InventoryStep {
    Reserve { hold_id: Uuid, quantity: u32, at: Timestamp, expires_at: Timestamp },
    Confirm { hold_id: Uuid, at: Timestamp },
    Release { hold_id: Uuid, at: Timestamp },
    Expire { at: Timestamp },
    Restock { quantity: u32, at: Timestamp },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryIn {
    ticket_type_id: Uuid,
    capacity: u32,
    steps: Vec<InventoryStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderSpec {
    id: Uuid,
    quantity: u32,
    total: crate::money::Money,
    at: Timestamp,
    expires_at: Timestamp,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderIn {
    ticket_type: TicketType,
    order: OrderSpec,
    events: Vec<OrderEvent>,
}

/// One step of `ticketing.ticket_run` (and of the ticket setup of `access.scan_run`).
#[derive(Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum TicketStep {
    Issue { ticket_type_id: Uuid, id: Uuid, number: String, holder: String, at: Timestamp },
    Transfer { ticket_id: Uuid, to: NewTicket, at: Timestamp },
    CheckIn { ticket_id: Uuid, at: Timestamp },
    CheckOut { ticket_id: Uuid, at: Timestamp },
    Cancel { ticket_id: Uuid, at: Timestamp },
    Refund { ticket_id: Uuid, at: Timestamp },
    Revoke { ticket_id: Uuid, at: Timestamp },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TicketIn {
    ticket_types: Vec<TicketType>,
    steps: Vec<TicketStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CartPriceIn {
    config: CartConfig,
    #[serde(default)]
    promos: Vec<PromoCode>,
    lines: Vec<CartLine>,
    #[serde(default)]
    promo_code: Option<String>,
    at: Timestamp,
}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum QuotaStep {
    Reserve { hold_id: Uuid, lines: Vec<QuotaRequest>, at: Timestamp, expires_at: Timestamp },
    Confirm { hold_id: Uuid, at: Timestamp },
    Release { hold_id: Uuid, at: Timestamp },
    Expire { at: Timestamp },
    RefundLine { hold_id: Uuid, line_id: Uuid, quantity: u32, at: Timestamp },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotaIn {
    quotas: Vec<Quota>,
    steps: Vec<QuotaStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CartOrderIn {
    catalog: Catalog,
    config: CartConfig,
    #[serde(default)]
    promos: Vec<PromoCode>,
    quotas: Vec<Quota>,
    #[serde(default)]
    prior: Vec<CartSpec>,
    order: CartSpec,
    events: Vec<CartOrderEvent>,
}

/// `{"error": code, "details": {...}}`.
pub(super) fn error_json(e: &Error) -> Value {
    json!({ "error": e.code(), "details": e.details() })
}

/// A book holding `types`.
pub(super) fn book_with(types: Vec<TicketType>) -> Result<TicketBook, Error> {
    let mut book = TicketBook::new();
    for t in types {
        book.add_type(t)?;
    }
    Ok(book)
}

/// Applies one ticket step; returns the ticket it leaves (the new one for a transfer).
pub(super) fn apply_ticket_step(book: &mut TicketBook, step: TicketStep) -> Result<Ticket, Error> {
    let (id, event, at) = match step {
        TicketStep::Issue { ticket_type_id, id, number, holder, at } => {
            return Ok(book.issue(ticket_type_id, NewTicket { id, number, holder }, None, at)?)
        }
        TicketStep::Transfer { ticket_id, to, at } => return Ok(book.transfer(ticket_id, to, at)?),
        TicketStep::CheckIn { ticket_id, at } => (ticket_id, TicketEvent::CheckIn, at),
        TicketStep::CheckOut { ticket_id, at } => (ticket_id, TicketEvent::CheckOut, at),
        TicketStep::Cancel { ticket_id, at } => (ticket_id, TicketEvent::Cancel, at),
        TicketStep::Refund { ticket_id, at } => (ticket_id, TicketEvent::Refund, at),
        TicketStep::Revoke { ticket_id, at } => (ticket_id, TicketEvent::Revoke, at),
    };
    Ok(book.apply(id, event, at)?)
}

/// The compact JSON view of a ticket.
pub(super) fn ticket_json(t: &Ticket) -> Value {
    json!({
        "id": t.id, "number": t.number, "holder": t.holder, "state": t.state, "used": t.used,
        "lineage_id": t.lineage_id, "transfers": t.transfers, "replaces": t.replaces, "replaced_by": t.replaced_by,
    })
}

fn run_inventory(i: InventoryIn) -> Result<Value, Error> {
    let mut inv = Inventory::new(i.ticket_type_id, i.capacity);
    let mut steps = Vec::new();
    let mut last = None;
    for step in i.steps {
        let (at, result) = match step {
            InventoryStep::Reserve { hold_id, quantity, at, expires_at } => {
                (at, inv.reserve(hold_id, quantity, at, expires_at).map(|h| json!({ "hold": h })))
            }
            InventoryStep::Confirm { hold_id, at } => (at, inv.confirm(hold_id, at).map(|h| json!({ "hold": h }))),
            InventoryStep::Release { hold_id, at } => (at, inv.release(hold_id).map(|h| json!({ "hold": h }))),
            InventoryStep::Expire { at } => {
                let ids: Vec<Uuid> = inv.expire(at).iter().map(|h| h.id).collect();
                (at, Ok(json!({ "expired": ids })))
            }
            InventoryStep::Restock { quantity, at } => (at, inv.restock(quantity).map(|_| json!({}))),
        };
        last = Some(at);
        steps.push(match result {
            Ok(mut v) => {
                v["ok"] = json!(true);
                v["counts"] = out(&inv.counts(at))?;
                v
            }
            Err(e) => error_json(&e.into()),
        });
    }
    let at = last.unwrap_or_default();
    Ok(json!({ "steps": steps, "final": out(&inv.counts(at))? }))
}

fn event_time(e: &OrderEvent) -> Timestamp {
    match e {
        OrderEvent::Pay { at, .. }
        | OrderEvent::Fulfill { at, .. }
        | OrderEvent::Expire { at }
        | OrderEvent::Cancel { at }
        | OrderEvent::Refund { at, .. } => *at,
    }
}

fn run_order(i: OrderIn) -> Result<Value, Error> {
    let mut book = book_with(vec![i.ticket_type.clone()])?;
    let mut inv = Inventory::new(i.ticket_type.id, i.ticket_type.capacity);
    let s = i.order;
    let mut order = Order::place(s.id, &i.ticket_type, &mut inv, s.quantity, s.total, s.at, s.expires_at)?;
    let mut last = s.at;
    let mut steps = Vec::new();
    for event in i.events {
        last = event_time(&event);
        steps.push(match order.apply(event, &mut inv, &mut book) {
            Ok(state) => json!({ "state": state }),
            Err(e) => error_json(&e),
        });
    }
    Ok(json!({
        "placed": "pending",
        "steps": steps,
        "final": {
            "state": order.state(),
            "paid": order.paid(),
            "refunded": order.refunded(),
            "refundable": order.refundable()?,
            "ticket_ids": order.ticket_ids(),
            "inventory": out(&inv.counts(last))?,
        }
    }))
}

fn run_tickets(i: TicketIn) -> Result<Value, Error> {
    let mut book = book_with(i.ticket_types)?;
    let mut steps = Vec::new();
    for step in i.steps {
        steps.push(match apply_ticket_step(&mut book, step) {
            Ok(t) => json!({ "ticket_id": t.id, "state": t.state }),
            Err(e) => error_json(&e),
        });
    }
    let tickets: Vec<Value> = book.tickets().map(ticket_json).collect();
    Ok(json!({ "steps": steps, "tickets": tickets }))
}

fn item_availability(book: &QuotaBook, at: Timestamp) -> Result<Vec<Value>, Error> {
    let items: BTreeSet<Uuid> = book.quotas().flat_map(|q| q.item_ids.iter().copied()).collect();
    items.into_iter().map(|i| Ok(json!({ "item_id": i, "available": book.available(i, at)? }))).collect()
}

fn run_quotas(i: QuotaIn) -> Result<Value, Error> {
    let mut book = QuotaBook::new(i.quotas)?;
    let mut steps = Vec::new();
    let mut last = None;
    for step in i.steps {
        let (at, result) = match step {
            QuotaStep::Reserve { hold_id, lines, at, expires_at } => {
                (at, book.reserve(hold_id, &lines, at, expires_at).map(|h| json!({ "hold": h })))
            }
            QuotaStep::Confirm { hold_id, at } => (at, book.confirm(hold_id, at).map(|h| json!({ "hold": h }))),
            QuotaStep::Release { hold_id, at } => (at, book.release(hold_id).map(|h| json!({ "hold": h }))),
            QuotaStep::Expire { at } => {
                let ids: Vec<Uuid> = book.expire(at).iter().map(|h| h.id).collect();
                (at, Ok(json!({ "expired": ids })))
            }
            QuotaStep::RefundLine { hold_id, line_id, quantity, at } => {
                (at, book.refund_line(hold_id, line_id, quantity).map(|n| json!({ "still_sold": n })))
            }
        };
        last = Some(at);
        steps.push(match result {
            Ok(mut v) => {
                v["ok"] = json!(true);
                v["counts"] = out(&book.counts(at))?;
                v
            }
            Err(e) => error_json(&e.into()),
        });
    }
    let at = last.unwrap_or_default();
    Ok(json!({ "steps": steps, "final": out(&book.counts(at))?, "items": item_availability(&book, at)? }))
}

fn cart_event_time(e: &CartOrderEvent) -> Timestamp {
    match e {
        CartOrderEvent::Pay { at, .. }
        | CartOrderEvent::Fulfill { at, .. }
        | CartOrderEvent::Expire { at }
        | CartOrderEvent::Cancel { at }
        | CartOrderEvent::RefundLine { at, .. } => *at,
    }
}

fn run_cart_order(i: CartOrderIn) -> Result<Value, Error> {
    let mut book = book_with(i.catalog.ticket_types.clone())?;
    let mut quotas = QuotaBook::new(i.quotas)?;
    for prior in i.prior {
        CartOrder::place(prior, &i.catalog, &i.config, &i.promos, &mut quotas)?;
    }
    let mut last = i.order.now;
    let mut order = CartOrder::place(i.order, &i.catalog, &i.config, &i.promos, &mut quotas)?;
    let placed = out(order.breakdown())?;
    let mut steps = Vec::new();
    for event in i.events {
        last = cart_event_time(&event);
        let result = match event {
            CartOrderEvent::RefundLine { refund_id, line_id, quantity, ticket_ids, at } => order
                .refund_line(LineRefundRequest { refund_id, line_id, quantity, ticket_ids }, at, &mut quotas, Some(&mut book))
                .map(|r| json!({ "state": order.state(), "refund": r })),
            other => order.apply(other, &mut quotas, Some(&mut book)).map(|s| json!({ "state": s })),
        };
        steps.push(result.unwrap_or_else(|e| error_json(&e)));
    }
    let lines: Vec<Value> = order
        .lines()
        .iter()
        .map(|l| {
            json!({ "line_id": l.line_id, "quantity": l.quantity,
                    "refunded_quantity": order.refunded_quantity(l.line_id), "total": l.total })
        })
        .collect();
    Ok(json!({
        "placed": placed,
        "steps": steps,
        "final": {
            "state": order.state(),
            "paid": order.paid(),
            "refunded": order.refunded()?,
            "refundable": order.refundable()?,
            "lines": lines,
            "tickets": order.tickets(),
            "quotas": out(&quotas.counts(last))?,
        }
    }))
}

pub(super) fn execute(op: &str, input: &Value) -> Option<Result<Value, Error>> {
    let result = match op {
        "ticketing.price" => parse::<PriceIn>(input).and_then(|i| {
            let request = PriceRequest { lines: i.lines, promo_code: i.promo_code, at: i.at };
            out(&price(&request, &i.config, &i.promos)?)
        }),
        "ticketing.inventory_run" => parse::<InventoryIn>(input).and_then(run_inventory),
        "ticketing.order_run" => parse::<OrderIn>(input).and_then(run_order),
        "ticketing.ticket_run" => parse::<TicketIn>(input).and_then(run_tickets),
        "ticketing.cart_price" => parse::<CartPriceIn>(input).and_then(|i| {
            let request = CartPriceRequest { lines: i.lines, promo_code: i.promo_code, at: i.at };
            out(&price_cart(&request, &i.config, &i.promos)?)
        }),
        "ticketing.quota_run" => parse::<QuotaIn>(input).and_then(run_quotas),
        "ticketing.cart_order_run" => parse::<CartOrderIn>(input).and_then(run_cart_order),
        _ => return None,
    };
    Some(result)
}
