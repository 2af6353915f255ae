//! Ticket types.

use super::TicketingError;
use crate::money::Money;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Longest accepted name, zone id, holder or ticket number.
pub(crate) const MAX_TEXT: usize = 128;

/// A kind of ticket on sale: "Saturday day pass", "Weekend", "VIP".
///
/// ```
/// use festival_core::ticketing::TicketType;
/// use festival_core::{Currency, Money, Timestamp};
/// use uuid::Uuid;
/// let t = |s: &str| s.parse::<Timestamp>().unwrap();
/// let vip = TicketType {
///     id: Uuid::from_u128(3),
///     name: "VIP".into(),
///     price: Money::parse("249.00", Currency::iso("EUR")?)?,
///     capacity: 200,
///     sale_from: t("2026-03-01T10:00:00Z"),
///     sale_until: t("2026-07-03T23:59:59Z"),
///     valid_from: t("2026-07-03T12:00:00Z"),
///     valid_until: t("2026-07-06T06:00:00Z"),
///     max_per_order: 4,
///     zones: vec!["main".into(), "backstage".into()],
///     reentry_allowed: true,
///     transfer_limit: 1,
/// };
/// vip.validate()?;
/// assert!(vip.opens_zone("backstage"));
/// vip.check_sale(t("2026-05-01T00:00:00Z"), 2)?;
/// assert_eq!(vip.check_sale(t("2026-05-01T00:00:00Z"), 5).unwrap_err().to_string(),
///            "at most 4 tickets per order, requested 5");
/// # Ok::<(), festival_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketType {
    /// Stable id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Unit price (gross or net according to the pricing configuration).
    pub price: Money,
    /// Seats on sale in total.
    pub capacity: u32,
    /// Sale opens at this instant (inclusive).
    pub sale_from: Timestamp,
    /// Sale closes at this instant (exclusive).
    pub sale_until: Timestamp,
    /// Tickets admit from this instant (inclusive).
    pub valid_from: Timestamp,
    /// Tickets admit until this instant (exclusive).
    pub valid_until: Timestamp,
    /// Most tickets of this type in one order (at least 1).
    pub max_per_order: u32,
    /// Access zone ids this type opens.
    pub zones: Vec<String>,
    /// Whether a ticket may check in again after checking out.
    pub reentry_allowed: bool,
    /// How many times a ticket lineage may be transferred (0: not transferable).
    pub transfer_limit: u32,
}

fn invalid(field: &str, reason: impl Into<String>) -> TicketingError {
    TicketingError::TicketInvalid { field: field.into(), reason: reason.into() }
}

/// Checks a short text field: not empty, at most [`MAX_TEXT`] characters, no control characters.
pub(crate) fn check_text(field: &str, text: &str) -> Result<(), TicketingError> {
    if text.trim().is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(invalid(field, format!("longer than {MAX_TEXT} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(invalid(field, "contains control characters"));
    }
    Ok(())
}

impl TicketType {
    /// Checks the definition: name and zone ids are short non-empty texts, the price is not
    /// negative, windows are non-empty (`from < until`), `max_per_order ≥ 1`, zones unique.
    pub fn validate(&self) -> Result<(), TicketingError> {
        check_text("name", &self.name)?;
        if self.price.is_negative() {
            return Err(invalid("price", format!("must not be negative, got {}", self.price)));
        }
        if self.sale_from >= self.sale_until {
            return Err(invalid("sale_until", "sale window must end after it starts"));
        }
        if self.valid_from >= self.valid_until {
            return Err(invalid("valid_until", "validity window must end after it starts"));
        }
        if self.max_per_order == 0 {
            return Err(invalid("max_per_order", "must be at least 1"));
        }
        for (i, z) in self.zones.iter().enumerate() {
            check_text("zones", z)?;
            if self.zones[..i].contains(z) {
                return Err(invalid("zones", format!("zone '{z}' listed twice")));
            }
        }
        Ok(())
    }

    /// Whether this type opens zone `zone_id`.
    pub fn opens_zone(&self, zone_id: &str) -> bool {
        self.zones.iter().any(|z| z == zone_id)
    }

    /// Whether tickets of this type admit at `at` (`valid_from ≤ at < valid_until`).
    pub fn is_valid_at(&self, at: Timestamp) -> bool {
        self.valid_from <= at && at < self.valid_until
    }

    /// Checks that `quantity` tickets may be sold in one order at `at`: quantity ≥ 1, within
    /// `max_per_order`, inside the sale window.
    pub fn check_sale(&self, at: Timestamp, quantity: u32) -> Result<(), TicketingError> {
        if quantity == 0 {
            return Err(TicketingError::OrderInvalidQuantity { quantity });
        }
        if quantity > self.max_per_order {
            return Err(TicketingError::MaxPerOrderExceeded { requested: quantity, max: self.max_per_order });
        }
        if at < self.sale_from {
            return Err(TicketingError::SaleNotOpen { opens_at: self.sale_from });
        }
        if at >= self.sale_until {
            return Err(TicketingError::SaleClosed { closed_at: self.sale_until });
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::money::Currency;

    pub(crate) fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    pub(crate) fn day_pass() -> TicketType {
        TicketType {
            id: Uuid::from_u128(1),
            name: "Day pass".into(),
            price: Money::parse("59.00", Currency::iso("EUR").unwrap()).unwrap(),
            capacity: 10,
            sale_from: ts("2026-03-01T00:00:00Z"),
            sale_until: ts("2026-07-04T18:00:00Z"),
            valid_from: ts("2026-07-04T10:00:00Z"),
            valid_until: ts("2026-07-05T04:00:00Z"),
            max_per_order: 4,
            zones: vec!["main".into()],
            reentry_allowed: false,
            transfer_limit: 1,
        }
    }

    #[test]
    fn validation_names_the_field() {
        assert!(day_pass().validate().is_ok());
        let mut t = day_pass();
        t.name = " ".into();
        assert_eq!(t.validate().unwrap_err(), invalid("name", "must not be empty"));
        let mut t = day_pass();
        t.sale_until = t.sale_from;
        assert_eq!(t.validate().unwrap_err().code(), "TICKET_INVALID");
        let mut t = day_pass();
        t.zones.push("main".into());
        assert_eq!(t.validate().unwrap_err(), invalid("zones", "zone 'main' listed twice"));
        let mut t = day_pass();
        t.max_per_order = 0;
        assert_eq!(t.validate().unwrap_err().code(), "TICKET_INVALID");
        let mut t = day_pass();
        t.price = t.price.negate();
        assert_eq!(t.validate().unwrap_err().code(), "TICKET_INVALID");
    }

    #[test]
    fn sale_window_is_half_open() {
        let t = day_pass();
        assert_eq!(t.check_sale(ts("2026-02-28T23:59:59.999Z"), 1).unwrap_err().code(), "TICKET_SALE_NOT_OPEN");
        assert!(t.check_sale(ts("2026-03-01T00:00:00Z"), 1).is_ok());
        assert_eq!(
            t.check_sale(ts("2026-07-04T18:00:00Z"), 1).unwrap_err(),
            TicketingError::SaleClosed { closed_at: ts("2026-07-04T18:00:00Z") }
        );
        assert_eq!(t.check_sale(ts("2026-05-01T00:00:00Z"), 0).unwrap_err().code(), "ORDER_INVALID_QUANTITY");
        assert!(t.is_valid_at(ts("2026-07-04T10:00:00Z")));
        assert!(!t.is_valid_at(ts("2026-07-05T04:00:00Z")));
    }
}
