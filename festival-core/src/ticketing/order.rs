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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

    fn eur(s: &str) -> Money {
        Money::parse(s, Currency::iso("EUR").unwrap()).unwrap()
    }
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
}
