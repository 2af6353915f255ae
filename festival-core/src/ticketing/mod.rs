//! Tickets, orders, inventory and pricing (SPEC §3).
//!
//! * [`TicketType`]: price, capacity, sale window, admission window, maximum per order, the access
//!   zones it opens, re-entry and transfer policy.
//! * [`Inventory`]: seats of one ticket type with caller-identified, time-limited holds. For every
//!   sequence of operations `sold + live holds ≤ capacity` (property-tested).
//! * [`Order`]: pending (holding seats) → paid → fulfilled, pending → expired / cancelled (seats
//!   released), paid / fulfilled → (partially) refunded; refunds never exceed what was paid.
//! * [`Ticket`] and [`TicketBook`]: valid → checked in ⇄ checked out (re-entry only where allowed),
//!   valid → transferred / cancelled / refunded, any non-void → revoked; a used ticket can be
//!   neither refunded nor transferred; ticket ids and numbers are unique in a book.
//! * [`pricing`]: quantity × price, promo codes, service fees and VAT as an exact breakdown.
//! * Carts: [`cart::price_cart`] prices several lines (ticket types and [`AddOn`]s such as parking
//!   or merchandise) with promo codes per line or per order, fees per line and per order and VAT
//!   per line; [`CartOrder`] places such a cart, holds it in shared [`QuotaBook`] quotas (a line
//!   consumes every quota its item is in; `sold + live holds ≤ size` for every quota,
//!   property-tested), and refunds single lines idempotently
//!   ([`CartOrder::refund_line`], with the documented rule for the line's share of order-level
//!   discounts and fees).
//!
//! Everything is pure: times and ids are arguments, state is plain serde data. Operations either
//! succeed and change state, or fail with a typed [`TicketingError`] and change nothing.
//!
//! ```
//! use festival_core::ticketing::{Inventory, TicketingError};
//! use festival_core::Timestamp;
//! use uuid::Uuid;
//!
//! let t0 = Timestamp::from_unix_millis(1_783_180_800_000)?;
//! let t_exp = t0.plus_millis(15 * 60 * 1000);
//! let mut inv = Inventory::new(Uuid::from_u128(1), 10);
//! inv.reserve(Uuid::from_u128(100), 8, t0, t_exp)?;
//! let err = inv.reserve(Uuid::from_u128(101), 3, t0, t_exp).unwrap_err();
//! assert_eq!(err, TicketingError::SoldOut { requested: 3, available: 2 });
//! inv.confirm(Uuid::from_u128(100), t0)?;
//! assert_eq!(inv.counts(t0).sold, 8);
//! # Ok::<(), festival_core::Error>(())
//! ```

pub mod cart;
mod cart_order;
mod inventory;
mod order;
pub mod pricing;
mod quota;
mod ticket;
mod types;

pub use cart_order::{
    AddOn, CartItem, CartOrder, CartOrderEvent, CartSpec, Catalog, ItemTaxRate, LineRefund, LineRefundRequest, LineTickets,
};
pub use inventory::{Hold, HoldState, Inventory, InventoryCounts};
pub use order::{Order, OrderEvent, OrderState};
pub use quota::{Quota, QuotaBook, QuotaCounts, QuotaHold, QuotaHoldLine, QuotaRequest, MAX_QUOTAS, MAX_QUOTA_ITEMS};
pub use ticket::{NewTicket, Ticket, TicketBook, TicketEvent, TicketState, Transfer};
pub use types::TicketType;

use crate::error::ErrorCode;
use crate::money::Money;
use crate::time::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// Parses stored state `text` as its serde mirror `R`, then checks it into a `T`: malformed JSON
/// or a wrong shape is `INPUT_INVALID` (field `state`), a well-formed but inconsistent state is the
/// type's own `*_STATE_INVALID` (or `ACCESS_INVALID_ZONE`) code. Shared by the `from_json` helpers.
pub(crate) fn state_from_json<R, T, E>(text: &str) -> Result<T, crate::Error>
where
    R: serde::de::DeserializeOwned,
    T: TryFrom<R, Error = E>,
    crate::Error: From<E>,
{
    let repr: R =
        serde_json::from_str(text).map_err(|e| crate::error::InputError::invalid("state", e.to_string()))?;
    Ok(T::try_from(repr)?)
}

/// The core's JSON text of stored state (what `from_json` reads back).
pub(crate) fn state_to_json<T: Serialize>(value: &T) -> Result<String, crate::Error> {
    serde_json::to_string(value).map_err(|e| crate::error::InputError::invalid("state", e.to_string()).into())
}

/// Ticketing errors: tickets (`TICKET_*`), orders (`ORDER_*`), inventory (`INVENTORY_*`), pricing
/// (`PRICING_*`) and promo codes (`PROMO_*`). Fields are the structured details bindings expose.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum TicketingError {
    /// `TICKET_INVALID`: a ticket type or ticket definition that cannot be used.
    #[error("invalid {field}: {reason}")]
    TicketInvalid {
        /// Which field.
        field: String,
        /// Why it was rejected.
        reason: String,
    },
    /// `TICKET_SALE_NOT_OPEN`: the ticket type is not on sale yet.
    #[error("ticket sale opens at {opens_at}")]
    SaleNotOpen {
        /// When the sale opens.
        opens_at: Timestamp,
    },
    /// `TICKET_SALE_CLOSED`: the sale window has ended.
    #[error("ticket sale closed at {closed_at}")]
    SaleClosed {
        /// When the sale closed.
        closed_at: Timestamp,
    },
    /// `TICKET_UNKNOWN`: no ticket with this id.
    #[error("unknown ticket {ticket_id}")]
    UnknownTicket {
        /// The id that was given.
        ticket_id: Uuid,
    },
    /// `TICKET_UNKNOWN_TYPE`: no ticket type with this id.
    #[error("unknown ticket type {ticket_type_id}")]
    UnknownTicketType {
        /// The id that was given.
        ticket_type_id: Uuid,
    },
    /// `TICKET_DUPLICATE_ID`: a ticket (or ticket type) with this id already exists.
    #[error("duplicate id {id}")]
    DuplicateTicketId {
        /// The id.
        id: Uuid,
    },
    /// `TICKET_DUPLICATE_NUMBER`: a ticket with this number already exists.
    #[error("duplicate ticket number '{number}'")]
    DuplicateTicketNumber {
        /// The number.
        number: String,
    },
    /// `TICKET_ILLEGAL_TRANSITION`: the event is not allowed in the ticket's state.
    #[error("ticket in state '{state}' cannot '{event}'")]
    TicketIllegalTransition {
        /// The current state (snake_case).
        state: String,
        /// The event (snake_case).
        event: String,
    },
    /// `TICKET_ALREADY_USED`: a ticket that was ever checked in cannot be refunded or transferred.
    #[error("ticket {ticket_id} was already used and cannot '{event}'")]
    TicketAlreadyUsed {
        /// The ticket.
        ticket_id: Uuid,
        /// The event that was refused (`refund` or `transfer`).
        event: String,
    },
    /// `TICKET_REENTRY_NOT_ALLOWED`: check-in after check-out for a type without re-entry.
    #[error("ticket {ticket_id} does not allow re-entry")]
    ReentryNotAllowed {
        /// The ticket.
        ticket_id: Uuid,
    },
    /// `TICKET_TRANSFER_LIMIT_REACHED`: the ticket's lineage used all its transfers.
    #[error("ticket {ticket_id} reached its transfer limit of {limit}")]
    TransferLimitReached {
        /// The ticket.
        ticket_id: Uuid,
        /// The transfer limit of the ticket type.
        limit: u32,
    },
    /// `ORDER_INVALID_QUANTITY`: an order for zero tickets.
    #[error("order quantity must be at least 1, got {quantity}")]
    OrderInvalidQuantity {
        /// The quantity.
        quantity: u32,
    },
    /// `ORDER_MAX_PER_ORDER_EXCEEDED`: more tickets than the type allows per order.
    #[error("at most {max} tickets per order, requested {requested}")]
    MaxPerOrderExceeded {
        /// Requested quantity.
        requested: u32,
        /// The type's maximum per order.
        max: u32,
    },
    /// `ORDER_ILLEGAL_TRANSITION`: the event is not allowed in the order's state.
    #[error("order in state '{state}' cannot '{event}'")]
    OrderIllegalTransition {
        /// The current state (snake_case).
        state: String,
        /// The event (snake_case).
        event: String,
    },
    /// `ORDER_PAYMENT_MISMATCH`: the payment is not exactly the order total.
    #[error("payment of {actual} does not match the order total {expected}")]
    PaymentMismatch {
        /// The order total.
        expected: Money,
        /// The amount paid.
        actual: Money,
    },
    /// `ORDER_INVALID_AMOUNT`: a refund (or total) that is zero or negative where it must be positive.
    #[error("{field} must be positive, got {amount}")]
    OrderInvalidAmount {
        /// Which amount.
        field: String,
        /// The amount.
        amount: Money,
    },
    /// `ORDER_REFUND_EXCEEDS_PAID`: cumulative refunds would exceed what was paid.
    #[error("refund of {requested} exceeds the refundable {refundable}")]
    RefundExceedsPaid {
        /// The refund asked for.
        requested: Money,
        /// What is still refundable (paid − refunded so far).
        refundable: Money,
    },
    /// `ORDER_NOT_EXPIRED`: an expiry event before the order's hold expires.
    #[error("order hold expires at {expires_at}, not yet expired")]
    OrderNotExpired {
        /// When the hold expires.
        expires_at: Timestamp,
    },
    /// `ORDER_TICKET_COUNT_MISMATCH`: fulfilment with a different number of tickets than ordered.
    #[error("order is for {expected} tickets, {actual} given")]
    TicketCountMismatch {
        /// Ordered quantity.
        expected: u32,
        /// Tickets given.
        actual: u32,
    },
    /// `ORDER_INVENTORY_MISMATCH`: the inventory (or ticket type) is not the order's ticket type.
    #[error("order is for ticket type {expected}, got {actual}")]
    InventoryMismatch {
        /// The order's ticket type.
        expected: Uuid,
        /// The ticket type given.
        actual: Uuid,
    },
    /// `INVENTORY_SOLD_OUT`: not enough seats left for a hold.
    #[error("sold out: requested {requested}, {available} left")]
    SoldOut {
        /// Seats requested.
        requested: u32,
        /// Seats still available (capacity − sold − live holds).
        available: u32,
    },
    /// `INVENTORY_INVALID_QUANTITY`: a hold for zero seats.
    #[error("hold quantity must be at least 1, got {quantity}")]
    InventoryInvalidQuantity {
        /// The quantity.
        quantity: u32,
    },
    /// `INVENTORY_INVALID_EXPIRY`: a hold whose expiry is not after the time it is made.
    #[error("hold expiry {expires_at} must be after {now}")]
    InvalidExpiry {
        /// Time of the reservation.
        now: Timestamp,
        /// The expiry given.
        expires_at: Timestamp,
    },
    /// `INVENTORY_DUPLICATE_HOLD`: the hold id is already used (in any state).
    #[error("hold {hold_id} already exists ({state})")]
    DuplicateHold {
        /// The hold id.
        hold_id: Uuid,
        /// The existing hold's state.
        state: String,
    },
    /// `INVENTORY_UNKNOWN_HOLD`: no hold with this id.
    #[error("unknown hold {hold_id}")]
    UnknownHold {
        /// The hold id.
        hold_id: Uuid,
    },
    /// `INVENTORY_HOLD_NOT_ACTIVE`: the hold was already confirmed, released or expired.
    #[error("hold {hold_id} is {state}")]
    HoldNotActive {
        /// The hold id.
        hold_id: Uuid,
        /// Its state (`confirmed`, `released`, `expired`).
        state: String,
    },
    /// `INVENTORY_HOLD_EXPIRED`: the hold's expiry has passed (it can no longer be confirmed).
    #[error("hold {hold_id} expired at {expired_at}")]
    HoldExpired {
        /// The hold id.
        hold_id: Uuid,
        /// Its expiry.
        expired_at: Timestamp,
    },
    /// `INVENTORY_STATE_INVALID`: stored inventory state (deserialized) breaks an invariant, e.g.
    /// `sold + held > capacity` or a hold filed under another id.
    #[error("inconsistent inventory state: {reason}")]
    InventoryStateInvalid {
        /// Which invariant is broken.
        reason: String,
    },
    /// `ORDER_STATE_INVALID`: stored order state (deserialized) is inconsistent, e.g. a payment
    /// that does not match the state or refunds above the payment.
    #[error("inconsistent order state: {reason}")]
    OrderStateInvalid {
        /// Which invariant is broken.
        reason: String,
    },
    /// `TICKET_STATE_INVALID`: stored ticket book state (deserialized) is inconsistent, e.g. a
    /// ticket not indexed by its id and number, or of a type missing from the book.
    #[error("inconsistent ticket book state: {reason}")]
    TicketStateInvalid {
        /// Which invariant is broken.
        reason: String,
    },
    /// `QUOTA_INVALID`: a quota definition that cannot be used.
    #[error("invalid quota {field}: {reason}")]
    QuotaInvalid {
        /// Which field.
        field: String,
        /// Why.
        reason: String,
    },
    /// `QUOTA_NOT_COVERED`: an item that is in no quota (not on sale, as in pretix).
    #[error("item {item_id} is in no quota")]
    QuotaNotCovered {
        /// The item.
        item_id: Uuid,
    },
    /// `QUOTA_EXHAUSTED`: a shared quota has not enough units left for the cart.
    #[error("quota {quota_id} exhausted: the cart needs {requested}, {available} left")]
    QuotaExhausted {
        /// The first quota (by id) without room.
        quota_id: Uuid,
        /// Units the cart needs from it (all its lines together).
        requested: u32,
        /// Units still available in it.
        available: u32,
    },
    /// `QUOTA_STATE_INVALID`: stored quota book state (deserialized) breaks an invariant.
    #[error("inconsistent quota state: {reason}")]
    QuotaStateInvalid {
        /// Which invariant is broken.
        reason: String,
    },
    /// `ORDER_UNKNOWN_LINE`: no line with this id in the order (or hold).
    #[error("unknown order line {line_id}")]
    UnknownLine {
        /// The line id.
        line_id: Uuid,
    },
    /// `ORDER_UNKNOWN_ITEM`: a cart line names an item that is not in the catalog.
    #[error("unknown item {item_id}")]
    UnknownItem {
        /// The item id.
        item_id: Uuid,
    },
    /// `ORDER_REFUND_EXCEEDS_LINE`: a line refund of more units than are still unrefunded.
    #[error("line {line_id}: refund of {requested} units, {remaining} left")]
    RefundExceedsLine {
        /// The line.
        line_id: Uuid,
        /// Units asked for.
        requested: u32,
        /// Units not yet refunded.
        remaining: u32,
    },
    /// `ORDER_REFUND_CONFLICT`: a refund id used before for a different refund.
    #[error("refund {refund_id} was already recorded with other details")]
    RefundConflict {
        /// The refund id.
        refund_id: Uuid,
    },
    /// `ORDER_TICKET_NOT_IN_LINE`: a line refund names a ticket that is not an unrefunded ticket
    /// of that line.
    #[error("ticket {ticket_id} is not an unrefunded ticket of line {line_id}")]
    TicketNotInLine {
        /// The ticket.
        ticket_id: Uuid,
        /// The line.
        line_id: Uuid,
    },
    /// `PRICING_EMPTY_ORDER`: a price request without lines.
    #[error("a price request needs at least one line")]
    EmptyOrder {},
    /// `PRICING_INVALID_QUANTITY`: a line with quantity zero.
    #[error("line for ticket type {ticket_type_id} has quantity {quantity}")]
    PricingInvalidQuantity {
        /// The line's ticket type.
        ticket_type_id: Uuid,
        /// The quantity.
        quantity: u32,
    },
    /// `PRICING_DUPLICATE_LINE`: two cart lines with the same line id.
    #[error("cart line {line_id} is listed twice")]
    PricingDuplicateLine {
        /// The line id.
        line_id: Uuid,
    },
    /// `PRICING_INVALID_CONFIG`: fees, rates or prices that cannot be used.
    #[error("invalid pricing {field}: {reason}")]
    PricingInvalidConfig {
        /// Which field.
        field: String,
        /// Why.
        reason: String,
    },
    /// `PROMO_UNKNOWN`: no promo code with this code.
    #[error("unknown promo code '{code}'")]
    PromoUnknown {
        /// The code entered.
        code: String,
    },
    /// `PROMO_INVALID`: a promo code definition that cannot be used.
    #[error("invalid promo code '{code}': {reason}")]
    PromoInvalid {
        /// The code.
        code: String,
        /// Why.
        reason: String,
    },
    /// `PROMO_EXPIRED`: the promo code expired.
    #[error("promo code '{code}' expired at {expired_at}")]
    PromoExpired {
        /// The code.
        code: String,
        /// Its expiry.
        expired_at: Timestamp,
    },
    /// `PROMO_NOT_YET_VALID`: the promo code is used before its validity window opens.
    #[error("promo code '{code}' is valid from {valid_from}")]
    PromoNotYetValid {
        /// The code.
        code: String,
        /// When it becomes usable.
        valid_from: Timestamp,
    },
    /// `PROMO_EXHAUSTED`: the promo code reached its maximum uses.
    #[error("promo code '{code}' was used {used} of {max_uses} times")]
    PromoExhausted {
        /// The code.
        code: String,
        /// Maximum uses.
        max_uses: u32,
        /// Uses so far (caller-supplied state).
        used: u32,
    },
    /// `PROMO_MIN_QUANTITY_NOT_MET`: fewer eligible tickets than the code requires.
    #[error("promo code '{code}' needs {required} eligible tickets, order has {actual}")]
    PromoMinQuantityNotMet {
        /// The code.
        code: String,
        /// Minimum eligible tickets.
        required: u32,
        /// Eligible tickets in the order.
        actual: u32,
    },
    /// `PROMO_NOT_APPLICABLE`: no line of the order is of a ticket type the code applies to.
    #[error("promo code '{code}' does not apply to these ticket types")]
    PromoNotApplicable {
        /// The code.
        code: String,
    },
}

impl ErrorCode for TicketingError {
    fn code(&self) -> &'static str {
        match self {
            TicketingError::TicketInvalid { .. } => "TICKET_INVALID",
            TicketingError::SaleNotOpen { .. } => "TICKET_SALE_NOT_OPEN",
            TicketingError::SaleClosed { .. } => "TICKET_SALE_CLOSED",
            TicketingError::UnknownTicket { .. } => "TICKET_UNKNOWN",
            TicketingError::UnknownTicketType { .. } => "TICKET_UNKNOWN_TYPE",
            TicketingError::DuplicateTicketId { .. } => "TICKET_DUPLICATE_ID",
            TicketingError::DuplicateTicketNumber { .. } => "TICKET_DUPLICATE_NUMBER",
            TicketingError::TicketIllegalTransition { .. } => "TICKET_ILLEGAL_TRANSITION",
            TicketingError::TicketAlreadyUsed { .. } => "TICKET_ALREADY_USED",
            TicketingError::ReentryNotAllowed { .. } => "TICKET_REENTRY_NOT_ALLOWED",
            TicketingError::TransferLimitReached { .. } => "TICKET_TRANSFER_LIMIT_REACHED",
            TicketingError::OrderInvalidQuantity { .. } => "ORDER_INVALID_QUANTITY",
            TicketingError::MaxPerOrderExceeded { .. } => "ORDER_MAX_PER_ORDER_EXCEEDED",
            TicketingError::OrderIllegalTransition { .. } => "ORDER_ILLEGAL_TRANSITION",
            TicketingError::PaymentMismatch { .. } => "ORDER_PAYMENT_MISMATCH",
            TicketingError::OrderInvalidAmount { .. } => "ORDER_INVALID_AMOUNT",
            TicketingError::RefundExceedsPaid { .. } => "ORDER_REFUND_EXCEEDS_PAID",
            TicketingError::OrderNotExpired { .. } => "ORDER_NOT_EXPIRED",
            TicketingError::TicketCountMismatch { .. } => "ORDER_TICKET_COUNT_MISMATCH",
            TicketingError::InventoryMismatch { .. } => "ORDER_INVENTORY_MISMATCH",
            TicketingError::SoldOut { .. } => "INVENTORY_SOLD_OUT",
            TicketingError::InventoryInvalidQuantity { .. } => "INVENTORY_INVALID_QUANTITY",
            TicketingError::InvalidExpiry { .. } => "INVENTORY_INVALID_EXPIRY",
            TicketingError::DuplicateHold { .. } => "INVENTORY_DUPLICATE_HOLD",
            TicketingError::UnknownHold { .. } => "INVENTORY_UNKNOWN_HOLD",
            TicketingError::HoldNotActive { .. } => "INVENTORY_HOLD_NOT_ACTIVE",
            TicketingError::HoldExpired { .. } => "INVENTORY_HOLD_EXPIRED",
            TicketingError::InventoryStateInvalid { .. } => "INVENTORY_STATE_INVALID",
            TicketingError::OrderStateInvalid { .. } => "ORDER_STATE_INVALID",
            TicketingError::TicketStateInvalid { .. } => "TICKET_STATE_INVALID",
            TicketingError::QuotaInvalid { .. } => "QUOTA_INVALID",
            TicketingError::QuotaNotCovered { .. } => "QUOTA_NOT_COVERED",
            TicketingError::QuotaExhausted { .. } => "QUOTA_EXHAUSTED",
            TicketingError::QuotaStateInvalid { .. } => "QUOTA_STATE_INVALID",
            TicketingError::UnknownLine { .. } => "ORDER_UNKNOWN_LINE",
            TicketingError::UnknownItem { .. } => "ORDER_UNKNOWN_ITEM",
            TicketingError::RefundExceedsLine { .. } => "ORDER_REFUND_EXCEEDS_LINE",
            TicketingError::RefundConflict { .. } => "ORDER_REFUND_CONFLICT",
            TicketingError::TicketNotInLine { .. } => "ORDER_TICKET_NOT_IN_LINE",
            TicketingError::EmptyOrder { .. } => "PRICING_EMPTY_ORDER",
            TicketingError::PricingInvalidQuantity { .. } => "PRICING_INVALID_QUANTITY",
            TicketingError::PricingDuplicateLine { .. } => "PRICING_DUPLICATE_LINE",
            TicketingError::PricingInvalidConfig { .. } => "PRICING_INVALID_CONFIG",
            TicketingError::PromoUnknown { .. } => "PROMO_UNKNOWN",
            TicketingError::PromoInvalid { .. } => "PROMO_INVALID",
            TicketingError::PromoExpired { .. } => "PROMO_EXPIRED",
            TicketingError::PromoNotYetValid { .. } => "PROMO_NOT_YET_VALID",
            TicketingError::PromoExhausted { .. } => "PROMO_EXHAUSTED",
            TicketingError::PromoMinQuantityNotMet { .. } => "PROMO_MIN_QUANTITY_NOT_MET",
            TicketingError::PromoNotApplicable { .. } => "PROMO_NOT_APPLICABLE",
        }
    }
}
