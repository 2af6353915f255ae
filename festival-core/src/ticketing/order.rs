//! The order state machine.

use super::{Inventory, NewTicket, TicketBook, TicketType, TicketingError};
use crate::error::Error;
use crate::money::{Money, MoneyError};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The state of an order.
///
/// `pending → paid → fulfilled`; `pending → expired | cancelled` (seats released);
/// `paid | fulfilled | partially_refunded → partially_refunded | refunded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Created, seats held, waiting for payment.
    Pending,
    /// Paid, seats sold, tickets not yet issued.
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

impl OrderState {
    /// The snake_case name, as used in errors and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Pending => "pending",
            OrderState::Paid => "paid",
            OrderState::Fulfilled => "fulfilled",
            OrderState::Expired => "expired",
            OrderState::Cancelled => "cancelled",
            OrderState::PartiallyRefunded => "partially_refunded",
            OrderState::Refunded => "refunded",
        }
    }
}

/// An event applied to an order with [`Order::apply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum OrderEvent {
    /// Payment of exactly the order total.
    Pay {
        /// Amount paid.
        amount: Money,
        /// When.
        at: Timestamp,
    },
    /// Issue the tickets (as many as ordered, caller-given ids and numbers).
    Fulfill {
        /// The tickets to issue.
        tickets: Vec<NewTicket>,
        /// When.
        at: Timestamp,
    },
    /// The hold expired before payment.
    Expire {
        /// When (at or after the order's `expires_at`).
        at: Timestamp,
    },
    /// Cancelled by the buyer or the shop before payment.
    Cancel {
        /// When.
        at: Timestamp,
    },
    /// Refund of part or all of the payment.
    Refund {
        /// Amount refunded (positive; cumulative refunds never exceed the payment).
        amount: Money,
        /// When.
        at: Timestamp,
    },
}

impl OrderEvent {
    /// The snake_case name, as used in errors.
    pub fn name(&self) -> &'static str {
        match self {
            OrderEvent::Pay { .. } => "pay",
            OrderEvent::Fulfill { .. } => "fulfill",
            OrderEvent::Expire { .. } => "expire",
            OrderEvent::Cancel { .. } => "cancel",
            OrderEvent::Refund { .. } => "refund",
        }
    }
}

/// An order for `quantity` tickets of one type. Placing it holds the seats in the type's
/// [`Inventory`] (hold id = order id); paying confirms the hold; expiring or cancelling releases it;
/// fulfilling issues the tickets in a [`TicketBook`]. Every transition checks everything before it
/// changes anything, so a failed event leaves order, inventory and book as they were.
///
/// Refunds move money only: to void tickets and restock seats, refund the tickets themselves
/// ([`TicketBook::apply`] with `refund`) and call [`Inventory::restock`].
///
/// ```
/// use festival_core::ticketing::{Inventory, Order, OrderState, TicketType};
/// use festival_core::{Currency, Money, Timestamp};
/// use uuid::Uuid;
/// let t = |s: &str| s.parse::<Timestamp>().unwrap();
/// let eur = Currency::iso("EUR")?;
/// let ty = TicketType {
///     id: Uuid::from_u128(1), name: "Day".into(), price: Money::parse("50", eur)?,
///     capacity: 100, sale_from: t("2026-01-01T00:00:00Z"), sale_until: t("2026-07-04T00:00:00Z"),
///     valid_from: t("2026-07-04T00:00:00Z"), valid_until: t("2026-07-05T00:00:00Z"),
///     max_per_order: 4, zones: vec!["main".into()], reentry_allowed: false, transfer_limit: 1,
/// };
/// let mut inv = Inventory::new(ty.id, ty.capacity);
/// let now = t("2026-05-01T10:00:00Z");
/// let total = Money::parse("100", eur)?;
/// let mut order = Order::place(Uuid::from_u128(9), &ty, &mut inv, 2, total, now, now.plus_millis(900_000))?;
/// order.pay(&mut inv, total, now.plus_millis(60_000))?;
/// order.refund(Money::parse("30", eur)?, now.plus_millis(120_000))?;
/// assert_eq!(order.state(), OrderState::PartiallyRefunded);
/// let err = order.refund(Money::parse("80", eur)?, now.plus_millis(180_000)).unwrap_err();
/// assert_eq!(err.to_string(), "refund of 80.00 EUR exceeds the refundable 70.00 EUR");
/// # Ok::<(), festival_core::Error>(())
/// ```
///
/// Deserialization (any serde path) checks the state with [`Order::validate`];
/// [`Order::from_json`] reports a failure as `ORDER_STATE_INVALID`, malformed JSON as `INPUT_INVALID`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "OrderRepr")]
pub struct Order {
    id: Uuid,
    ticket_type_id: Uuid,
    quantity: u32,
    total: Money,
    state: OrderState,
    created_at: Timestamp,
    updated_at: Timestamp,
    expires_at: Timestamp,
    paid: Option<Money>,
    refunded: Money,
    ticket_ids: Vec<Uuid>,
}

/// The serde mirror of [`Order`] (same fields, same JSON), checked by `TryFrom`.
#[derive(Deserialize)]
struct OrderRepr {
    id: Uuid,
    ticket_type_id: Uuid,
    quantity: u32,
    total: Money,
    state: OrderState,
    created_at: Timestamp,
    updated_at: Timestamp,
    expires_at: Timestamp,
    paid: Option<Money>,
    refunded: Money,
    ticket_ids: Vec<Uuid>,
}

impl TryFrom<OrderRepr> for Order {
    type Error = TicketingError;

    fn try_from(r: OrderRepr) -> Result<Order, TicketingError> {
        let order = Order {
            id: r.id,
            ticket_type_id: r.ticket_type_id,
            quantity: r.quantity,
            total: r.total,
            state: r.state,
            created_at: r.created_at,
            updated_at: r.updated_at,
            expires_at: r.expires_at,
            paid: r.paid,
            refunded: r.refunded,
            ticket_ids: r.ticket_ids,
        };
        order.validate()?;
        Ok(order)
    }
}

fn illegal(state: OrderState, event: &str) -> Error {
    TicketingError::OrderIllegalTransition { state: state.as_str().into(), event: event.into() }.into()
}

impl Order {
    /// Places an order at `now`: checks the sale window and maximum per order of `ticket_type`,
    /// then holds `quantity` seats in `inventory` until `expires_at` under the order id. `total`
    /// is the amount due (from [`crate::ticketing::pricing`]), in the ticket type's currency, not
    /// negative. Errors: `ORDER_INVENTORY_MISMATCH`, `ORDER_INVALID_QUANTITY`,
    /// `ORDER_MAX_PER_ORDER_EXCEEDED`, `TICKET_SALE_NOT_OPEN` / `TICKET_SALE_CLOSED`,
    /// `INVENTORY_SOLD_OUT` (with how many are left) and other hold errors, money errors.
    pub fn place(
        id: Uuid,
        ticket_type: &TicketType,
        inventory: &mut Inventory,
        quantity: u32,
        total: Money,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Order, Error> {
        if inventory.ticket_type_id() != ticket_type.id {
            return Err(TicketingError::InventoryMismatch {
                expected: ticket_type.id,
                actual: inventory.ticket_type_id(),
            }
            .into());
        }
        ticket_type.check_sale(now, quantity)?;
        total.ensure_currency(ticket_type.price.currency())?;
        total.ensure_non_negative("total")?;
        inventory.reserve(id, quantity, now, expires_at)?;
        Ok(Order {
            id,
            ticket_type_id: ticket_type.id,
            quantity,
            total,
            state: OrderState::Pending,
            created_at: now,
            updated_at: now,
            expires_at,
            paid: None,
            refunded: Money::zero(total.currency()),
            ticket_ids: Vec::new(),
        })
    }

    /// The order id (also the id of its inventory hold).
    pub fn id(&self) -> Uuid {
        self.id
    }
    /// The ticket type.
    pub fn ticket_type_id(&self) -> Uuid {
        self.ticket_type_id
    }
    /// Tickets ordered.
    pub fn quantity(&self) -> u32 {
        self.quantity
    }
    /// Amount due.
    pub fn total(&self) -> Money {
        self.total
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
    /// Amount paid, once paid.
    pub fn paid(&self) -> Option<Money> {
        self.paid
    }
    /// Cumulative refunds.
    pub fn refunded(&self) -> Money {
        self.refunded
    }
    /// What can still be refunded: paid − refunded (zero before payment).
    pub fn refundable(&self) -> Result<Money, MoneyError> {
        match self.paid {
            Some(p) => p.checked_sub(&self.refunded),
            None => Ok(Money::zero(self.total.currency())),
        }
    }
    /// Checks stored state (run by every deserialization), naming the first broken rule with
    /// `ORDER_STATE_INVALID`: quantity at least 1; total not negative; a payment exactly when the
    /// state is after payment (paid, fulfilled, (partially) refunded), equal to the total; refunds
    /// in the order's currency, zero before a refund, between zero and the payment when partially
    /// refunded, the whole payment when refunded; ticket ids distinct, none before payment, exactly
    /// `quantity` when fulfilled (after a refund: none or `quantity`).
    pub fn validate(&self) -> Result<(), TicketingError> {
        use OrderState as S;
        let bad = |reason: &str| Err(TicketingError::OrderStateInvalid { reason: reason.into() });
        if self.quantity == 0 {
            return bad("the quantity is 0");
        }
        if self.total.is_negative() {
            return bad("the total is negative");
        }
        let currency = self.total.currency();
        if self.refunded.currency() != currency {
            return bad("refunds are not in the order's currency");
        }
        if self.refunded.is_negative() {
            return bad("refunds are negative");
        }
        let after_payment = matches!(self.state, S::Paid | S::Fulfilled | S::PartiallyRefunded | S::Refunded);
        match (after_payment, self.paid) {
            (true, None) | (false, Some(_)) => return bad("the payment does not match the order state"),
            (true, Some(p)) if p != self.total => return bad("the payment is not the order total"),
            _ => {}
        }
        let refunded_ok = match (self.state, self.paid) {
            (S::PartiallyRefunded, Some(p)) => self.refunded.is_positive() && self.refunded.amount() < p.amount(),
            (S::Refunded, Some(p)) => self.refunded == p,
            _ => self.refunded.is_zero(),
        };
        if !refunded_ok {
            return bad("the refunds do not match the order state and payment");
        }
        let count = self.ticket_ids.len();
        let full = u32::try_from(count).is_ok_and(|n| n == self.quantity);
        let tickets_ok = match self.state {
            S::Pending | S::Expired | S::Cancelled | S::Paid => count == 0,
            S::Fulfilled => full,
            S::PartiallyRefunded | S::Refunded => count == 0 || full,
        };
        if !tickets_ok {
            return bad("the ticket ids do not match the order state");
        }
        let distinct: std::collections::BTreeSet<_> = self.ticket_ids.iter().collect();
        if distinct.len() != count {
            return bad("a ticket id is listed twice");
        }
        Ok(())
    }

    /// Reads stored state written by [`Order::to_json`] (or any serde JSON of an order). Errors:
    /// malformed JSON or a wrong shape (`INPUT_INVALID`, field `state`), an inconsistent order
    /// (`ORDER_STATE_INVALID`, see [`Order::validate`]).
    pub fn from_json(text: &str) -> Result<Order, Error> {
        super::state_from_json::<OrderRepr, _, _>(text)
    }

    /// The core's JSON of this order (the serde form, byte-identical to `serde_json::to_string`).
    pub fn to_json(&self) -> Result<String, Error> {
        super::state_to_json(self)
    }

    /// Ids of the issued tickets.
    pub fn ticket_ids(&self) -> &[Uuid] {
        &self.ticket_ids
    }

    fn ensure_inventory(&self, inventory: &Inventory) -> Result<(), Error> {
        if inventory.ticket_type_id() != self.ticket_type_id {
            return Err(TicketingError::InventoryMismatch {
                expected: self.ticket_type_id,
                actual: inventory.ticket_type_id(),
            }
            .into());
        }
        Ok(())
    }

    /// Applies any event; `inventory` and `book` are used by the events that need them.
    pub fn apply(
        &mut self,
        event: OrderEvent,
        inventory: &mut Inventory,
        book: &mut TicketBook,
    ) -> Result<OrderState, Error> {
        match event {
            OrderEvent::Pay { amount, at } => self.pay(inventory, amount, at),
            OrderEvent::Fulfill { tickets, at } => self.fulfill(book, tickets, at),
            OrderEvent::Expire { at } => self.expire(inventory, at),
            OrderEvent::Cancel { at } => self.cancel(inventory, at),
            OrderEvent::Refund { amount, at } => self.refund(amount, at),
        }
    }

    /// `pending → paid`: `amount` must equal the total exactly (`ORDER_PAYMENT_MISMATCH`); the
    /// hold is confirmed at `at` (an expired hold is `INVENTORY_HOLD_EXPIRED`).
    pub fn pay(&mut self, inventory: &mut Inventory, amount: Money, at: Timestamp) -> Result<OrderState, Error> {
        if self.state != OrderState::Pending {
            return Err(illegal(self.state, "pay"));
        }
        self.ensure_inventory(inventory)?;
        if amount != self.total {
            return Err(TicketingError::PaymentMismatch { expected: self.total, actual: amount }.into());
        }
        inventory.confirm(self.id, at)?;
        self.paid = Some(amount);
        self.state = OrderState::Paid;
        self.updated_at = at;
        Ok(self.state)
    }

    /// `paid → fulfilled`: issues exactly `quantity` tickets in `book` (all or none).
    pub fn fulfill(
        &mut self,
        book: &mut TicketBook,
        tickets: Vec<NewTicket>,
        at: Timestamp,
    ) -> Result<OrderState, Error> {
        if self.state != OrderState::Paid {
            return Err(illegal(self.state, "fulfill"));
        }
        let given = u32::try_from(tickets.len()).unwrap_or(u32::MAX);
        if given != self.quantity {
            return Err(TicketingError::TicketCountMismatch { expected: self.quantity, actual: given }.into());
        }
        let issued = book.issue_all(self.ticket_type_id, tickets, Some(self.id), at)?;
        self.ticket_ids = issued.iter().map(|t| t.id).collect();
        self.state = OrderState::Fulfilled;
        self.updated_at = at;
        Ok(self.state)
    }

    /// `pending → expired` at or after `expires_at` (`ORDER_NOT_EXPIRED` before); the seats of
    /// every due hold go back on sale.
    pub fn expire(&mut self, inventory: &mut Inventory, at: Timestamp) -> Result<OrderState, Error> {
        if self.state != OrderState::Pending {
            return Err(illegal(self.state, "expire"));
        }
        self.ensure_inventory(inventory)?;
        if at < self.expires_at {
            return Err(TicketingError::OrderNotExpired { expires_at: self.expires_at }.into());
        }
        inventory.expire(at);
        self.state = OrderState::Expired;
        self.updated_at = at;
        Ok(self.state)
    }

    /// `pending → cancelled`: the held seats go back on sale.
    pub fn cancel(&mut self, inventory: &mut Inventory, at: Timestamp) -> Result<OrderState, Error> {
        if self.state != OrderState::Pending {
            return Err(illegal(self.state, "cancel"));
        }
        self.ensure_inventory(inventory)?;
        if inventory.hold(self.id).is_some_and(|h| h.state == super::HoldState::Held) {
            inventory.release(self.id)?;
        }
        self.state = OrderState::Cancelled;
        self.updated_at = at;
        Ok(self.state)
    }

    /// `paid | fulfilled | partially_refunded → partially_refunded | refunded`: `amount` must be
    /// positive (`ORDER_INVALID_AMOUNT`) and at most what is still refundable
    /// (`ORDER_REFUND_EXCEEDS_PAID`); refunds are cumulative.
    pub fn refund(&mut self, amount: Money, at: Timestamp) -> Result<OrderState, Error> {
        let paid = match (self.state, self.paid) {
            (OrderState::Paid | OrderState::Fulfilled | OrderState::PartiallyRefunded, Some(p)) => p,
            (state, _) => return Err(illegal(state, "refund")),
        };
        amount.ensure_same_currency(&paid)?;
        if !amount.is_positive() {
            return Err(TicketingError::OrderInvalidAmount { field: "refund".into(), amount }.into());
        }
        let refundable = paid.checked_sub(&self.refunded)?;
        if amount.amount() > refundable.amount() {
            return Err(TicketingError::RefundExceedsPaid { requested: amount, refundable }.into());
        }
        self.refunded = self.refunded.checked_add(&amount)?;
        self.state = if self.refunded == paid { OrderState::Refunded } else { OrderState::PartiallyRefunded };
        self.updated_at = at;
        Ok(self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::super::types::tests::{day_pass, ts};
    use super::*;
    use crate::error::ErrorCode;
    use crate::money::Currency;

    use crate::test_util::m as eur;
    const NOW: &str = "2026-05-01T10:00:00Z";
    const EXP: &str = "2026-05-01T10:15:00Z";

    fn placed(qty: u32) -> (Order, Inventory, TicketBook) {
        let ty = day_pass();
        let mut inv = Inventory::new(ty.id, ty.capacity);
        let mut book = TicketBook::new();
        book.add_type(ty.clone()).unwrap();
        let o = Order::place(Uuid::from_u128(50), &ty, &mut inv, qty, eur("118.00"), ts(NOW), ts(EXP)).unwrap();
        (o, inv, book)
    }

    fn tickets(n: u128) -> Vec<NewTicket> {
        (0..n)
            .map(|i| NewTicket { id: Uuid::from_u128(200 + i), number: format!("N{i}"), holder: "Bo".into() })
            .collect()
    }

    #[test]
    fn happy_path_holds_sells_and_issues() {
        let (mut o, mut inv, mut book) = placed(2);
        assert_eq!(inv.counts(ts(NOW)).held, 2);
        assert_eq!(o.pay(&mut inv, eur("118.00"), ts(NOW)).unwrap(), OrderState::Paid);
        assert_eq!(inv.counts(ts(NOW)).sold, 2);
        assert_eq!(o.fulfill(&mut book, tickets(1), ts(NOW)).unwrap_err().code(), "ORDER_TICKET_COUNT_MISMATCH");
        assert_eq!(o.fulfill(&mut book, tickets(2), ts(NOW)).unwrap(), OrderState::Fulfilled);
        assert_eq!(o.ticket_ids().len(), 2);
        assert_eq!(book.ticket(Uuid::from_u128(201)).unwrap().order_id, Some(o.id()));
        assert_eq!(o.refund(eur("118.00"), ts(NOW)).unwrap(), OrderState::Refunded);
        assert_eq!(
            o.refund(eur("0.01"), ts(NOW)).unwrap_err().to_string(),
            "order in state 'refunded' cannot 'refund'"
        );
    }

    #[test]
    fn payment_must_match_and_hold_must_be_live() {
        let (mut o, mut inv, _) = placed(2);
        assert_eq!(o.pay(&mut inv, eur("118.01"), ts(NOW)).unwrap_err().code(), "ORDER_PAYMENT_MISMATCH");
        assert_eq!(o.pay(&mut inv, eur("118.00"), ts(EXP)).unwrap_err().code(), "INVENTORY_HOLD_EXPIRED");
        assert_eq!(o.state(), OrderState::Pending);
        assert_eq!(o.expire(&mut inv, ts(NOW)).unwrap_err().code(), "ORDER_NOT_EXPIRED");
        assert_eq!(o.expire(&mut inv, ts(EXP)).unwrap(), OrderState::Expired);
        assert_eq!(inv.counts(ts(NOW)).available, 10);
        assert_eq!(
            o.pay(&mut inv, eur("118.00"), ts(NOW)).unwrap_err().to_string(),
            "order in state 'expired' cannot 'pay'"
        );
    }

    #[test]
    fn cancel_releases_seats_and_refunds_are_cumulative() {
        let (mut o, mut inv, _) = placed(4);
        assert_eq!(o.refund(eur("1"), ts(NOW)).unwrap_err().code(), "ORDER_ILLEGAL_TRANSITION");
        o.cancel(&mut inv, ts(NOW)).unwrap();
        assert_eq!(inv.counts(ts(NOW)).available, 10);
        assert_eq!(o.cancel(&mut inv, ts(NOW)).unwrap_err().code(), "ORDER_ILLEGAL_TRANSITION");

        let (mut o, mut inv, _) = placed(1);
        o.pay(&mut inv, eur("118.00"), ts(NOW)).unwrap();
        assert_eq!(o.refund(eur("0"), ts(NOW)).unwrap_err().code(), "ORDER_INVALID_AMOUNT");
        assert_eq!(o.refund(eur("18.00"), ts(NOW)).unwrap(), OrderState::PartiallyRefunded);
        assert_eq!(
            o.refund(eur("100.01"), ts(NOW)).unwrap_err(),
            Error::from(TicketingError::RefundExceedsPaid { requested: eur("100.01"), refundable: eur("100.00") })
        );
        assert_eq!(o.refund(eur("100.00"), ts(NOW)).unwrap(), OrderState::Refunded);
        assert_eq!(o.refunded(), eur("118.00"));
        assert_eq!(o.updated_at(), ts(NOW));
    }

    #[test]
    fn placing_checks_type_rules() {
        let ty = day_pass();
        let mut inv = Inventory::new(ty.id, 3);
        let place = |inv: &mut Inventory, q, at| {
            Order::place(Uuid::from_u128(q as u128), &ty, inv, q, eur("1"), ts(at), ts(EXP))
        };
        assert_eq!(place(&mut inv, 0, NOW).unwrap_err().code(), "ORDER_INVALID_QUANTITY");
        assert_eq!(place(&mut inv, 5, NOW).unwrap_err().code(), "ORDER_MAX_PER_ORDER_EXCEEDED");
        assert_eq!(place(&mut inv, 4, NOW).unwrap_err().code(), "INVENTORY_SOLD_OUT");
        assert_eq!(place(&mut inv, 1, "2026-01-01T00:00:00Z").unwrap_err().code(), "TICKET_SALE_NOT_OPEN");
        let mut other = Inventory::new(Uuid::from_u128(99), 3);
        assert_eq!(place(&mut other, 1, NOW).unwrap_err().code(), "ORDER_INVENTORY_MISMATCH");
        let usd = Money::parse("1", Currency::iso("USD").unwrap()).unwrap();
        let e = Order::place(Uuid::from_u128(1), &ty, &mut inv, 1, usd, ts(NOW), ts(EXP)).unwrap_err();
        assert_eq!(e.code(), "MONEY_CURRENCY_MISMATCH");
        assert_eq!(inv.counts(ts(NOW)).available, 3, "failed placements hold nothing");
    }
    fn tampered(o: &Order, edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut v = serde_json::to_value(o).unwrap();
        edit(&mut v);
        v.to_string()
    }

    fn state_error(text: &str) -> String {
        let e = Order::from_json(text).unwrap_err();
        assert_eq!(e.code(), "ORDER_STATE_INVALID", "{e}");
        assert!(serde_json::from_str::<Order>(text).is_err(), "plain serde must reject it too");
        e.details()["reason"].as_str().unwrap().to_string()
    }

    #[test]
    fn stored_order_round_trips_byte_identical() {
        let (mut o, mut inv, mut book) = placed(2);
        o.pay(&mut inv, eur("118.00"), ts(NOW)).unwrap();
        o.fulfill(&mut book, tickets(2), ts(NOW)).unwrap();
        o.refund(eur("18.00"), ts(NOW)).unwrap();
        let text = o.to_json().unwrap();
        assert_eq!(text, serde_json::to_string(&o).unwrap());
        let back = Order::from_json(&text).unwrap();
        assert_eq!(back, o);
        assert_eq!(back.to_json().unwrap(), text);
        assert_eq!(Order::from_json("[]").unwrap_err().code(), "INPUT_INVALID");
        assert_eq!(Order::from_json("{\"id\": 1}").unwrap_err().code(), "INPUT_INVALID");
    }

    #[test]
    fn inconsistent_orders_are_rejected_with_a_reason() {
        let (mut paid, mut inv, _) = placed(2);
        paid.pay(&mut inv, eur("118.00"), ts(NOW)).unwrap();
        let (pending, _, _) = placed(2);
        let money = |s: &str| serde_json::to_value(eur(s)).unwrap();
        let usd = serde_json::to_value(Money::parse("1", Currency::iso("USD").unwrap()).unwrap()).unwrap();

        let r = state_error(&tampered(&pending, |v| v["quantity"] = 0.into()));
        assert_eq!(r, "the quantity is 0");
        assert_eq!(state_error(&tampered(&pending, |v| v["total"] = money("-1.00"))), "the total is negative");
        let r = state_error(&tampered(&pending, |v| v["paid"] = money("118.00")));
        assert_eq!(r, "the payment does not match the order state");
        let r = state_error(&tampered(&paid, |v| v["paid"] = serde_json::Value::Null));
        assert_eq!(r, "the payment does not match the order state");
        assert_eq!(state_error(&tampered(&paid, |v| v["paid"] = money("1.00"))), "the payment is not the order total");
        assert_eq!(state_error(&tampered(&paid, |v| v["refunded"] = usd)), "refunds are not in the order's currency");
        assert_eq!(state_error(&tampered(&paid, |v| v["refunded"] = money("-1.00"))), "refunds are negative");
        let r = state_error(&tampered(&paid, |v| v["refunded"] = money("1.00")));
        assert_eq!(r, "the refunds do not match the order state and payment");
        let r = state_error(&tampered(&paid, |v| {
            v["state"] = "partially_refunded".into();
            v["refunded"] = money("118.01");
        }));
        assert_eq!(r, "the refunds do not match the order state and payment");
        let r = state_error(&tampered(&paid, |v| v["state"] = "refunded".into()));
        assert_eq!(r, "the refunds do not match the order state and payment");
        let r = state_error(&tampered(&paid, |v| v["state"] = "fulfilled".into()));
        assert_eq!(r, "the ticket ids do not match the order state");
        let id = serde_json::to_value(Uuid::from_u128(7)).unwrap();
        let r = state_error(&tampered(&pending, |v| v["ticket_ids"] = serde_json::json!([id])));
        assert_eq!(r, "the ticket ids do not match the order state");
        let r = state_error(&tampered(&paid, |v| {
            v["state"] = "fulfilled".into();
            v["ticket_ids"] = serde_json::json!([id, id]);
        }));
        assert_eq!(r, "a ticket id is listed twice");
    }
}

#[cfg(test)]
mod proptests {
    use super::super::types::tests::{day_pass, ts};
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Pay { cents: i64 },
        Fulfill,
        Expire,
        Cancel,
        Refund { cents: i64 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => prop_oneof![Just(11_800i64), 0i64..20_000].prop_map(|cents| Op::Pay { cents }),
            2 => Just(Op::Fulfill),
            1 => Just(Op::Expire),
            1 => Just(Op::Cancel),
            3 => (-100i64..12_000).prop_map(|cents| Op::Refund { cents }),
        ]
    }

    proptest! {
        /// Every state reached by any operation sequence is valid stored state: serialize then
        /// deserialize is the identity (and re-serializes to the same bytes).
        #[test]
        fn stored_order_round_trip_is_identity(qty in 1u32..4, ops in prop::collection::vec((op(), 0i64..600_000), 0..12)) {
            let eur = Currency::iso("EUR").unwrap();
            let ty = day_pass();
            let mut inv = Inventory::new(ty.id, ty.capacity);
            let mut book = TicketBook::new();
            book.add_type(ty.clone()).unwrap();
            let start = ts("2026-05-01T10:00:00Z");
            let mut o = Order::place(Uuid::from_u128(50), &ty, &mut inv, qty, Money::parse("118.00", eur).unwrap(),
                start, start.plus_millis(900_000)).unwrap();
            let mut now = start;
            let mut next_ticket = 1000u128;
            for (op, dt) in ops {
                now = now.plus_millis(dt);
                let _ = match op {
                    Op::Pay { cents } => o.pay(&mut inv, Money::from_minor(cents, eur).unwrap(), now),
                    Op::Fulfill => {
                        let tickets = (0..u128::from(qty)).map(|i| NewTicket {
                            id: Uuid::from_u128(next_ticket + i), number: format!("T{}", next_ticket + i), holder: "H".into(),
                        }).collect();
                        next_ticket += 10;
                        o.fulfill(&mut book, tickets, now)
                    }
                    Op::Expire => o.expire(&mut inv, now),
                    Op::Cancel => o.cancel(&mut inv, now),
                    Op::Refund { cents } => o.refund(Money::from_minor(cents, eur).unwrap(), now),
                };
                let text = o.to_json().unwrap();
                let back = Order::from_json(&text).unwrap();
                prop_assert_eq!(&back, &o);
                prop_assert_eq!(back.to_json().unwrap(), text);
            }
        }
    }
}
