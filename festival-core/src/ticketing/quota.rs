//! Shared quotas: capacity that spans several ticket types and add-ons (pretix quotas, Hi.Events
//! capacity assignments), with time-limited holds of whole carts.

use super::inventory::HoldState;
use super::types::check_text;
use super::TicketingError;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Most quotas in one book.
pub const MAX_QUOTAS: usize = 1_000;
/// Most items in one quota.
pub const MAX_QUOTA_ITEMS: usize = 1_000;

/// A quota: at most `size` units, counted over every item it lists ("Weekend capacity 5,000"
/// over day passes and weekend passes; "Parking 300" over car and camper parking). An item may be
/// in several quotas (a VIP ticket in "VIP 200" and in "Festival 5,000"): a line consumes one unit
/// of **every** quota its item belongs to per unit, and is possible only when all of them have
/// room (pretix: an item is available as far as its most limiting quota allows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// Stable id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Units in total (`None`: unlimited, as pretix's empty quota size).
    pub size: Option<u32>,
    /// Ticket types and add-ons it counts.
    pub item_ids: Vec<Uuid>,
}

/// One line of a quota hold: `quantity` units of `item_id`, counted in `quota_ids`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaHoldLine {
    /// The cart line.
    pub line_id: Uuid,
    /// The item.
    pub item_id: Uuid,
    /// Units.
    pub quantity: u32,
    /// Every quota the item belonged to when the hold was made (ascending).
    pub quota_ids: Vec<Uuid>,
    /// Units given back after the sale (line refunds), at most `quantity`.
    pub released: u32,
}

/// A hold of one cart's lines in every quota they belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaHold {
    /// The caller's id (typically the order id).
    pub id: Uuid,
    /// The lines.
    pub lines: Vec<QuotaHoldLine>,
    /// When the hold was made.
    pub created_at: Timestamp,
    /// The hold is live strictly before this instant.
    pub expires_at: Timestamp,
    /// Held → confirmed (sold), released (cancelled) or expired.
    pub state: HoldState,
}

/// What a hold asks for: `quantity` units of `item_id` for cart line `line_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaRequest {
    /// The cart line.
    pub line_id: Uuid,
    /// The item.
    pub item_id: Uuid,
    /// Units, at least 1.
    pub quantity: u32,
}

/// Counts of one quota at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaCounts {
    /// The quota.
    pub quota_id: Uuid,
    /// Its size (`None`: unlimited).
    pub size: Option<u32>,
    /// Units sold (confirmed holds minus refunded units).
    pub sold: u32,
    /// Units in live holds.
    pub held: u32,
    /// `size − sold − held` (`None`: unlimited).
    pub available: Option<u32>,
}

/// Shared quotas and the holds of carts in them.
///
/// **Invariant** (checked by every operation, on deserialization, and property-tested over
/// random interleavings of reserve / confirm / expire / release / refund): for every quota with a
/// size, `sold + units of holds in state held ≤ size`. Sold units are not a stored counter: they
/// are the confirmed holds' units minus the units refunded from them, so a unit released by
/// expiry, cancellation or a refund is available again exactly once. Like [`super::Inventory`],
/// holds are identified by the caller (a retried reserve cannot hold twice), finished holds are
/// kept, failed operations change nothing, and time is an argument.
///
/// ```
/// use festival_core::ticketing::{Quota, QuotaBook, QuotaRequest};
/// use festival_core::{ErrorCode, Timestamp};
/// use uuid::Uuid;
/// let (day, weekend, parking) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
/// let mut book = QuotaBook::new(vec![
///     Quota { id: Uuid::from_u128(10), name: "Festival".into(), size: Some(3), item_ids: vec![day, weekend] },
///     Quota { id: Uuid::from_u128(11), name: "Parking".into(), size: Some(1), item_ids: vec![parking] },
/// ])?;
/// let t0 = Timestamp::from_unix_millis(1_783_180_800_000)?;
/// let until = t0.plus_millis(15 * 60 * 1000);
/// let line = |n: u128, item, quantity| QuotaRequest { line_id: Uuid::from_u128(n), item_id: item, quantity };
/// book.reserve(Uuid::from_u128(100), &[line(1, weekend, 2), line(2, parking, 1)], t0, until)?;
/// // One festival unit is left, whatever the type; parking is gone.
/// assert_eq!(book.available(day, t0)?, Some(1));
/// let err = book.reserve(Uuid::from_u128(101), &[line(3, day, 2)], t0, until).unwrap_err();
/// assert_eq!(err.code(), "QUOTA_EXHAUSTED");
/// book.confirm(Uuid::from_u128(100), t0)?;
/// book.refund_line(Uuid::from_u128(100), Uuid::from_u128(1), 1)?; // one weekend ticket back
/// assert_eq!(book.available(day, t0)?, Some(2));
/// # Ok::<(), festival_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "QuotaBookRepr")]
pub struct QuotaBook {
    quotas: BTreeMap<Uuid, Quota>,
    holds: BTreeMap<Uuid, QuotaHold>,
}

/// The serde mirror of [`QuotaBook`], checked by `TryFrom`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotaBookRepr {
    quotas: BTreeMap<Uuid, Quota>,
    holds: BTreeMap<Uuid, QuotaHold>,
}

impl TryFrom<QuotaBookRepr> for QuotaBook {
    type Error = TicketingError;

    fn try_from(r: QuotaBookRepr) -> Result<QuotaBook, TicketingError> {
        let book = QuotaBook { quotas: r.quotas, holds: r.holds };
        book.validate()?;
        Ok(book)
    }
}

fn quota_invalid(field: &str, reason: impl Into<String>) -> TicketingError {
    TicketingError::QuotaInvalid { field: field.into(), reason: reason.into() }
}

impl Quota {
    /// Checks the definition: a short non-empty name, 1..=1000 distinct items.
    pub fn validate(&self) -> Result<(), TicketingError> {
        check_text("name", &self.name).map_err(|e| match e {
            TicketingError::TicketInvalid { reason, .. } => quota_invalid("name", reason),
            other => other,
        })?;
        if self.item_ids.is_empty() || self.item_ids.len() > MAX_QUOTA_ITEMS {
            return Err(quota_invalid("item_ids", format!("a quota counts 1..={MAX_QUOTA_ITEMS} items")));
        }
        let distinct: BTreeSet<_> = self.item_ids.iter().collect();
        if distinct.len() != self.item_ids.len() {
            return Err(quota_invalid("item_ids", "an item is listed twice"));
        }
        Ok(())
    }

    /// Whether the quota counts item `id`.
    pub fn counts_item(&self, id: Uuid) -> bool {
        self.item_ids.contains(&id)
    }
}

impl QuotaBook {
    /// A book of `quotas` without holds. Errors: `QUOTA_INVALID` (a definition, a duplicate quota
    /// id, more than 1000 quotas).
    pub fn new(quotas: Vec<Quota>) -> Result<QuotaBook, TicketingError> {
        if quotas.len() > MAX_QUOTAS {
            return Err(quota_invalid("quotas", format!("at most {MAX_QUOTAS} quotas")));
        }
        let mut map = BTreeMap::new();
        for q in quotas {
            q.validate()?;
            let id = q.id;
            if map.insert(id, q).is_some() {
                return Err(quota_invalid("id", format!("quota {id} is defined twice")));
            }
        }
        Ok(QuotaBook { quotas: map, holds: BTreeMap::new() })
    }

    /// Every quota, by id.
    pub fn quotas(&self) -> impl Iterator<Item = &Quota> {
        self.quotas.values()
    }

    /// A hold by id.
    pub fn hold(&self, hold_id: Uuid) -> Option<&QuotaHold> {
        self.holds.get(&hold_id)
    }

    /// Every hold (any state), by id.
    pub fn holds(&self) -> impl Iterator<Item = &QuotaHold> {
        self.holds.values()
    }

    /// The quotas item `id` belongs to, ascending.
    pub fn quotas_of(&self, item_id: Uuid) -> Vec<Uuid> {
        self.quotas.values().filter(|q| q.counts_item(item_id)).map(|q| q.id).collect()
    }

    /// Units of quota `quota_id` in `hold` (every line, minus refunded units when `net`).
    fn units_in(hold: &QuotaHold, quota_id: Uuid, net: bool) -> u64 {
        hold.lines
            .iter()
            .filter(|l| l.quota_ids.contains(&quota_id))
            .map(|l| u64::from(if net { l.quantity - l.released.min(l.quantity) } else { l.quantity }))
            .sum()
    }

    fn sold_u64(&self, quota_id: Uuid) -> u64 {
        self.holds.values().filter(|h| h.state == HoldState::Confirmed).map(|h| Self::units_in(h, quota_id, true)).sum()
    }

    /// Units in holds in state held; with `now`, only the live ones (expiry after `now`).
    fn held_u64(&self, quota_id: Uuid, now: Option<Timestamp>) -> u64 {
        self.holds
            .values()
            .filter(|h| h.state == HoldState::Held && now.map_or(true, |t| t < h.expires_at))
            .map(|h| Self::units_in(h, quota_id, false))
            .sum()
    }

    fn available_u64(&self, q: &Quota, now: Timestamp) -> Option<u64> {
        q.size.map(|s| u64::from(s).saturating_sub(self.sold_u64(q.id)).saturating_sub(self.held_u64(q.id, Some(now))))
    }

    /// Counts of every quota at `now` (holds whose expiry has passed count as available), by id.
    pub fn counts(&self, now: Timestamp) -> Vec<QuotaCounts> {
        let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        self.quotas
            .values()
            .map(|q| QuotaCounts {
                quota_id: q.id,
                size: q.size,
                sold: clamp(self.sold_u64(q.id)),
                held: clamp(self.held_u64(q.id, Some(now))),
                available: self.available_u64(q, now).map(clamp),
            })
            .collect()
    }

    /// Units of item `item_id` that can still be held at `now`: the smallest availability of its
    /// quotas (`None`: every quota of the item is unlimited). Errors with `QUOTA_NOT_COVERED` for
    /// an item in no quota (like pretix, such an item is not on sale).
    pub fn available(&self, item_id: Uuid, now: Timestamp) -> Result<Option<u32>, TicketingError> {
        let mut covered = false;
        let mut min: Option<u64> = None;
        for q in self.quotas.values().filter(|q| q.counts_item(item_id)) {
            covered = true;
            if let Some(a) = self.available_u64(q, now) {
                min = Some(min.map_or(a, |m| m.min(a)));
            }
        }
        if !covered {
            return Err(TicketingError::QuotaNotCovered { item_id });
        }
        Ok(min.map(|m| u32::try_from(m).unwrap_or(u32::MAX)))
    }

    /// Holds `lines` under `hold_id` from `now` until `expires_at`, in every quota of every line's
    /// item, all or nothing. Holds whose expiry is at or before `now` are expired first. Errors:
    /// no lines or a quantity 0 (`INVENTORY_INVALID_QUANTITY`), `expires_at ≤ now`
    /// (`INVENTORY_INVALID_EXPIRY`), a hold id used before (`INVENTORY_DUPLICATE_HOLD`), a line id
    /// twice (`PRICING_DUPLICATE_LINE`), an item in no quota (`QUOTA_NOT_COVERED`), not enough
    /// room (`QUOTA_EXHAUSTED` naming the first quota, by id, that lacks room, with the units the
    /// cart needs from it and how many are left).
    pub fn reserve(
        &mut self,
        hold_id: Uuid,
        lines: &[QuotaRequest],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<QuotaHold, TicketingError> {
        if lines.is_empty() {
            return Err(TicketingError::InventoryInvalidQuantity { quantity: 0 });
        }
        if lines.len() > super::pricing::MAX_LINES {
            return Err(quota_invalid("lines", format!("at most {} lines", super::pricing::MAX_LINES)));
        }
        if let Some(l) = lines.iter().find(|l| l.quantity == 0) {
            return Err(TicketingError::InventoryInvalidQuantity { quantity: l.quantity });
        }
        if expires_at <= now {
            return Err(TicketingError::InvalidExpiry { now, expires_at });
        }
        if let Some(h) = self.holds.get(&hold_id) {
            return Err(TicketingError::DuplicateHold { hold_id, state: h.state.as_str().into() });
        }
        let mut seen = BTreeSet::new();
        let mut hold_lines = Vec::with_capacity(lines.len());
        let mut need: BTreeMap<Uuid, u64> = BTreeMap::new();
        for l in lines {
            if !seen.insert(l.line_id) {
                return Err(TicketingError::PricingDuplicateLine { line_id: l.line_id });
            }
            let quota_ids = self.quotas_of(l.item_id);
            if quota_ids.is_empty() {
                return Err(TicketingError::QuotaNotCovered { item_id: l.item_id });
            }
            for q in &quota_ids {
                *need.entry(*q).or_default() += u64::from(l.quantity);
            }
            hold_lines.push(QuotaHoldLine {
                line_id: l.line_id,
                item_id: l.item_id,
                quantity: l.quantity,
                quota_ids,
                released: 0,
            });
        }
        for (qid, units) in &need {
            let Some(q) = self.quotas.get(qid) else { continue };
            if let Some(available) = self.available_u64(q, now) {
                if *units > available {
                    let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
                    return Err(TicketingError::QuotaExhausted {
                        quota_id: *qid,
                        requested: clamp(*units),
                        available: clamp(available),
                    });
                }
            }
        }
        self.expire(now);
        let hold = QuotaHold { id: hold_id, lines: hold_lines, created_at: now, expires_at, state: HoldState::Held };
        self.holds.insert(hold_id, hold.clone());
        debug_assert!(self.invariant_holds());
        Ok(hold)
    }

    fn hold_in(&self, hold_id: Uuid, state: HoldState) -> Result<&QuotaHold, TicketingError> {
        let hold = self.holds.get(&hold_id).ok_or(TicketingError::UnknownHold { hold_id })?;
        if hold.state != state {
            return Err(TicketingError::HoldNotActive { hold_id, state: hold.state.as_str().into() });
        }
        Ok(hold)
    }

    fn set_state(&mut self, hold_id: Uuid, state: HoldState) -> Result<QuotaHold, TicketingError> {
        let hold = self.holds.get_mut(&hold_id).ok_or(TicketingError::UnknownHold { hold_id })?;
        hold.state = state;
        Ok(hold.clone())
    }

    /// Sells a live hold at `now`. Errors: unknown hold, a hold not in state held, a hold whose
    /// expiry is at or before `now` (`INVENTORY_HOLD_EXPIRED`).
    pub fn confirm(&mut self, hold_id: Uuid, now: Timestamp) -> Result<QuotaHold, TicketingError> {
        let hold = self.hold_in(hold_id, HoldState::Held)?;
        if now >= hold.expires_at {
            return Err(TicketingError::HoldExpired { hold_id, expired_at: hold.expires_at });
        }
        // Held units were already counted against every quota: selling them cannot exceed a size.
        self.set_state(hold_id, HoldState::Confirmed)
    }

    /// Gives the units of a held hold back (cart cancelled). Errors: unknown hold, not held.
    pub fn release(&mut self, hold_id: Uuid) -> Result<QuotaHold, TicketingError> {
        self.hold_in(hold_id, HoldState::Held)?;
        self.set_state(hold_id, HoldState::Released)
    }

    /// Expires every held hold whose expiry is at or before `now`; returns them (in id order).
    pub fn expire(&mut self, now: Timestamp) -> Vec<QuotaHold> {
        let mut out = Vec::new();
        for h in self.holds.values_mut() {
            if h.state == HoldState::Held && h.expires_at <= now {
                h.state = HoldState::Expired;
                out.push(h.clone());
            }
        }
        out
    }

    /// Gives `quantity` sold units of line `line_id` of confirmed hold `hold_id` back to every
    /// quota of the line (a line refund); returns the units of the line still sold. Errors:
    /// unknown hold, a hold not confirmed (`INVENTORY_HOLD_NOT_ACTIVE`), unknown line
    /// (`ORDER_UNKNOWN_LINE`), quantity 0 or more than still sold (`INVENTORY_INVALID_QUANTITY`).
    pub fn refund_line(&mut self, hold_id: Uuid, line_id: Uuid, quantity: u32) -> Result<u32, TicketingError> {
        let hold = self.hold_in(hold_id, HoldState::Confirmed)?;
        let line = hold.lines.iter().find(|l| l.line_id == line_id).ok_or(TicketingError::UnknownLine { line_id })?;
        let remaining = line.quantity - line.released.min(line.quantity);
        if quantity == 0 || quantity > remaining {
            return Err(TicketingError::InventoryInvalidQuantity { quantity });
        }
        let hold = self.holds.get_mut(&hold_id).ok_or(TicketingError::UnknownHold { hold_id })?;
        let line =
            hold.lines.iter_mut().find(|l| l.line_id == line_id).ok_or(TicketingError::UnknownLine { line_id })?;
        line.released += quantity;
        Ok(remaining - quantity)
    }

    /// True when `sold + held ≤ size` for every quota with a size.
    pub fn invariant_holds(&self) -> bool {
        self.quotas
            .values()
            .all(|q| q.size.map_or(true, |s| self.sold_u64(q.id) + self.held_u64(q.id, None) <= u64::from(s)))
    }

    /// Checks stored state (run by every deserialization), naming the first broken rule with
    /// `QUOTA_STATE_INVALID`: quota definitions valid and filed under their ids; holds filed under
    /// their ids, with lines whose ids are unique, quantities at least 1, refunded units at most
    /// the quantity (and none unless confirmed), quota ids that exist, count the line's item, and
    /// are all of the item's quotas at the time the hold was made (so at least one); then the
    /// invariant `sold + held ≤ size`.
    pub fn validate(&self) -> Result<(), TicketingError> {
        let bad = |reason: String| Err(TicketingError::QuotaStateInvalid { reason });
        if self.quotas.len() > MAX_QUOTAS {
            return bad(format!("more than {MAX_QUOTAS} quotas"));
        }
        for (id, q) in &self.quotas {
            if *id != q.id {
                return bad(format!("quota {} is filed under {id}", q.id));
            }
            if let Err(e) = q.validate() {
                return bad(format!("quota {id}: {e}"));
            }
        }
        for (id, h) in &self.holds {
            if *id != h.id {
                return bad(format!("hold {} is filed under {id}", h.id));
            }
            if h.lines.is_empty() {
                return bad(format!("hold {id} has no lines"));
            }
            let mut seen = BTreeSet::new();
            for l in &h.lines {
                if !seen.insert(l.line_id) {
                    return bad(format!("hold {id} lists line {} twice", l.line_id));
                }
                if l.quantity == 0 || l.released > l.quantity {
                    return bad(format!("hold {id} line {}: quantity or refunded units out of range", l.line_id));
                }
                if l.released > 0 && h.state != HoldState::Confirmed {
                    return bad(format!("hold {id} line {}: refunded units in a hold that was not sold", l.line_id));
                }
                if l.quota_ids.is_empty() {
                    return bad(format!("hold {id} line {}: no quota", l.line_id));
                }
                let distinct: BTreeSet<_> = l.quota_ids.iter().collect();
                if distinct.len() != l.quota_ids.len() {
                    return bad(format!("hold {id} line {}: a quota is listed twice", l.line_id));
                }
                for q in &l.quota_ids {
                    match self.quotas.get(q) {
                        Some(quota) if quota.counts_item(l.item_id) => {}
                        _ => return bad(format!("hold {id} line {}: quota {q} does not count its item", l.line_id)),
                    }
                }
            }
        }
        if let Some(q) = self
            .quotas
            .values()
            .find(|q| q.size.is_some_and(|s| self.sold_u64(q.id) + self.held_u64(q.id, None) > u64::from(s)))
        {
            return bad(format!(
                "quota {}: sold {} + held {} exceeds the size {}",
                q.id,
                self.sold_u64(q.id),
                self.held_u64(q.id, None),
                q.size.unwrap_or(0)
            ));
        }
        Ok(())
    }

    /// Reads stored state written by [`QuotaBook::to_json`]. Errors: malformed JSON or a wrong
    /// shape (`INPUT_INVALID`, field `state`), an inconsistent book (`QUOTA_STATE_INVALID`).
    pub fn from_json(text: &str) -> Result<QuotaBook, crate::Error> {
        super::state_from_json::<QuotaBookRepr, _, _>(text)
    }

    /// The core's JSON of this book (the serde form, byte-identical to `serde_json::to_string`).
    pub fn to_json(&self) -> Result<String, crate::Error> {
        super::state_to_json(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn t(ms: i64) -> Timestamp {
        Timestamp::from_unix_millis(ms).unwrap()
    }
    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }
    fn req(line: u128, item: u128, quantity: u32) -> QuotaRequest {
        QuotaRequest { line_id: id(line), item_id: id(item), quantity }
    }
    /// Festival (size 5) over items 1 and 2; VIP (size 2) over item 2; parking (unlimited) item 3.
    fn book() -> QuotaBook {
        QuotaBook::new(vec![
            Quota { id: id(10), name: "Festival".into(), size: Some(5), item_ids: vec![id(1), id(2)] },
            Quota { id: id(11), name: "VIP".into(), size: Some(2), item_ids: vec![id(2)] },
            Quota { id: id(12), name: "Parking".into(), size: None, item_ids: vec![id(3)] },
        ])
        .unwrap()
    }

    #[test]
    fn a_line_consumes_every_quota_of_its_item() {
        let mut b = book();
        b.reserve(id(100), &[req(1, 2, 2), req(2, 3, 40)], t(0), t(100)).unwrap();
        assert_eq!(b.available(id(1), t(0)).unwrap(), Some(3));
        assert_eq!(b.available(id(2), t(0)).unwrap(), Some(0), "VIP is the limiting quota");
        assert_eq!(b.available(id(3), t(0)).unwrap(), None);
        assert_eq!(
            b.reserve(id(101), &[req(3, 2, 1)], t(1), t(100)).unwrap_err(),
            TicketingError::QuotaExhausted { quota_id: id(11), requested: 1, available: 0 }
        );
        // Day passes still fit the festival quota; the failed reserve changed nothing.
        assert!(b.hold(id(101)).is_none());
        b.reserve(id(101), &[req(3, 1, 3)], t(1), t(100)).unwrap();
        let err = b.reserve(id(102), &[req(4, 1, 1)], t(1), t(100)).unwrap_err();
        assert_eq!(err, TicketingError::QuotaExhausted { quota_id: id(10), requested: 1, available: 0 });
        let c = b.counts(t(1));
        assert_eq!((c[0].sold, c[0].held, c[0].available), (0, 5, Some(0)));
        assert_eq!((c[2].held, c[2].available), (40, None));
        assert_eq!(b.available(id(9), t(0)).unwrap_err().code(), "QUOTA_NOT_COVERED");
    }

    #[test]
    fn lines_of_one_cart_add_up_in_a_shared_quota() {
        let mut b = book();
        // 3 day + 3 VIP = 6 > 5 although each line alone fits.
        let err = b.reserve(id(100), &[req(1, 1, 3), req(2, 2, 2), req(3, 1, 1)], t(0), t(100)).unwrap_err();
        assert_eq!(err, TicketingError::QuotaExhausted { quota_id: id(10), requested: 6, available: 5 });
        assert_eq!(
            b.reserve(id(100), &[req(1, 1, 1), req(1, 2, 1)], t(0), t(100)).unwrap_err().code(),
            "PRICING_DUPLICATE_LINE"
        );
        assert_eq!(b.reserve(id(100), &[], t(0), t(100)).unwrap_err().code(), "INVENTORY_INVALID_QUANTITY");
        assert_eq!(b.reserve(id(100), &[req(1, 9, 1)], t(0), t(100)).unwrap_err().code(), "QUOTA_NOT_COVERED");
        assert_eq!(b.reserve(id(100), &[req(1, 1, 1)], t(5), t(5)).unwrap_err().code(), "INVENTORY_INVALID_EXPIRY");
    }

    #[test]
    fn expiry_cancel_and_refund_give_units_back_once() {
        let mut b = book();
        b.reserve(id(100), &[req(1, 2, 2)], t(0), t(100)).unwrap();
        assert_eq!(b.confirm(id(100), t(100)).unwrap_err().code(), "INVENTORY_HOLD_EXPIRED");
        assert_eq!(b.expire(t(100)).len(), 1);
        assert_eq!(b.release(id(100)).unwrap_err().code(), "INVENTORY_HOLD_NOT_ACTIVE");
        assert_eq!(b.available(id(2), t(100)).unwrap(), Some(2));
        b.reserve(id(101), &[req(1, 2, 2), req(2, 1, 1)], t(100), t(200)).unwrap();
        b.confirm(id(101), t(150)).unwrap();
        assert_eq!(b.refund_line(id(101), id(1), 1).unwrap(), 1);
        assert_eq!(b.refund_line(id(101), id(1), 2).unwrap_err().code(), "INVENTORY_INVALID_QUANTITY");
        assert_eq!(b.refund_line(id(101), id(9), 1).unwrap_err().code(), "ORDER_UNKNOWN_LINE");
        assert_eq!(b.refund_line(id(101), id(1), 1).unwrap(), 0);
        let c = b.counts(t(150));
        assert_eq!((c[0].sold, c[1].sold), (1, 0));
        b.reserve(id(102), &[req(1, 2, 1)], t(150), t(200)).unwrap();
        b.release(id(102)).unwrap();
        assert_eq!(b.available(id(2), t(150)).unwrap(), Some(2));
        assert_eq!(b.reserve(id(102), &[req(1, 2, 1)], t(150), t(200)).unwrap_err().code(), "INVENTORY_DUPLICATE_HOLD");
    }

    #[test]
    fn definitions_are_checked() {
        let q = |name: &str, items: Vec<Uuid>| Quota { id: id(1), name: name.into(), size: Some(1), item_ids: items };
        assert_eq!(QuotaBook::new(vec![q(" ", vec![id(1)])]).unwrap_err().code(), "QUOTA_INVALID");
        assert_eq!(QuotaBook::new(vec![q("A", vec![])]).unwrap_err().code(), "QUOTA_INVALID");
        assert_eq!(QuotaBook::new(vec![q("A", vec![id(1), id(1)])]).unwrap_err().code(), "QUOTA_INVALID");
        assert_eq!(QuotaBook::new(vec![q("A", vec![id(1)]), q("B", vec![id(2)])]).unwrap_err().code(), "QUOTA_INVALID");
    }

    #[test]
    fn stored_state_round_trips_and_tampering_is_rejected() {
        let mut b = book();
        b.reserve(id(100), &[req(1, 2, 2)], t(0), t(100)).unwrap();
        b.confirm(id(100), t(1)).unwrap();
        b.refund_line(id(100), id(1), 1).unwrap();
        b.reserve(id(101), &[req(1, 1, 3)], t(1), t(100)).unwrap();
        let text = b.to_json().unwrap();
        let back = QuotaBook::from_json(&text).unwrap();
        assert_eq!(back, b);
        assert_eq!(back.to_json().unwrap(), text);
        let edit = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            f(&mut v);
            QuotaBook::from_json(&v.to_string()).unwrap_err()
        };
        let h = id(100).to_string();
        let e = edit(&|v| v["holds"][id(101).to_string()]["lines"][0]["quantity"] = 5.into());
        assert_eq!(e.code(), "QUOTA_STATE_INVALID", "the festival quota would be oversold: {e}");
        let e = edit(&|v| v["holds"][&h]["lines"][0]["released"] = 3.into());
        assert_eq!(e.code(), "QUOTA_STATE_INVALID");
        let e = edit(&|v| v["holds"][&h]["lines"][0]["quota_ids"] = serde_json::json!([id(12)]));
        assert_eq!(e.code(), "QUOTA_STATE_INVALID");
        let e = edit(&|v| v["quotas"][id(10).to_string()]["size"] = 2.into());
        assert!(e.to_string().contains("exceeds the size"), "{e}");
        assert_eq!(QuotaBook::from_json("{").unwrap_err().code(), "INPUT_INVALID");
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Reserve { hold: u8, lines: Vec<(u8, u32)>, ttl: i64 },
        Confirm { hold: u8 },
        Release { hold: u8 },
        Expire,
        Refund { hold: u8, line: u8, qty: u32 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u8..10, prop::collection::vec((0u8..5, 0u32..4), 0..4), 1i64..40)
                .prop_map(|(hold, lines, ttl)| Op::Reserve { hold, lines, ttl }),
            3 => (0u8..10).prop_map(|hold| Op::Confirm { hold }),
            2 => (0u8..10).prop_map(|hold| Op::Release { hold }),
            1 => Just(Op::Expire),
            3 => (0u8..10, 0u8..4, 0u32..3).prop_map(|(hold, line, qty)| Op::Refund { hold, line, qty }),
        ]
    }

    /// A model that knows nothing of the implementation: per hold its per-quota units, state,
    /// expiry and per-line refunded units.
    /// Per hold: lines `(item, quantity, refunded)`, state, expiry.
    type ModelHold = (Vec<(u8, u32, u32)>, HoldState, i64);

    #[derive(Debug, Clone, Default)]
    struct Model {
        holds: BTreeMap<u8, ModelHold>,
    }

    /// Items 0..5; quota A (size a) over items 0, 1, 2; quota B (size b) over 2, 3; quota C
    /// (unlimited) over 4 and 2. Item 2 counts in all three.
    fn quotas_of(item: u8) -> Vec<usize> {
        match item {
            0 | 1 => vec![0],
            2 => vec![0, 1, 2],
            3 => vec![1],
            _ => vec![2],
        }
    }

    proptest! {
        /// Under every interleaving of reserve / confirm / expire / release / refund:
        /// `sold + live holds ≤ size` for every quota after every step, failures change nothing,
        /// counts equal an independent model's (units given back by expiry, cancellation or a
        /// refund are available again exactly once), and every state round-trips.
        #[test]
        fn shared_quotas_never_oversell(a in 0u32..8, b in 0u32..6, ops in prop::collection::vec((op(), 0i64..15), 1..50)) {
            let item = |n: u8| Uuid::from_u128(u128::from(n) + 1);
            let qid = |n: usize| Uuid::from_u128(100 + n as u128);
            let mut book = QuotaBook::new(vec![
                Quota { id: qid(0), name: "A".into(), size: Some(a), item_ids: vec![item(0), item(1), item(2)] },
                Quota { id: qid(1), name: "B".into(), size: Some(b), item_ids: vec![item(2), item(3)] },
                Quota { id: qid(2), name: "C".into(), size: None, item_ids: vec![item(4), item(2)] },
            ]).unwrap();
            let sizes = [Some(a), Some(b), None];
            let mut model = Model::default();
            let mut now = 0i64;
            for (op, dt) in ops {
                now += dt;
                let at = Timestamp::from_unix_millis(now).unwrap();
                let before = book.clone();
                // model units per quota: (sold, live held, held in state held)
                let units = |m: &Model, t: i64| {
                    let mut u = [(0u64, 0u64, 0u64); 3];
                    for (lines, state, exp) in m.holds.values() {
                        for (it, q, rel) in lines {
                            for qi in quotas_of(*it) {
                                match state {
                                    HoldState::Confirmed => u[qi].0 += u64::from(q - rel),
                                    HoldState::Held => { u[qi].2 += u64::from(*q); if t < *exp { u[qi].1 += u64::from(*q); } }
                                    _ => {}
                                }
                            }
                        }
                    }
                    u
                };
                let ok = match op {
                    Op::Reserve { hold, lines, ttl } => {
                        let reqs: Vec<QuotaRequest> = lines.iter().enumerate().map(|(i, (it, q))| QuotaRequest {
                            line_id: Uuid::from_u128(i as u128), item_id: item(*it), quantity: *q }).collect();
                        let r = book.reserve(Uuid::from_u128(u128::from(hold)), &reqs, at, at.plus_millis(ttl));
                        // The model decides on its own whether the cart fits.
                        let u = units(&model, now);
                        let mut need = [0u64; 3];
                        for (it, q) in &lines { for qi in quotas_of(*it) { need[qi] += u64::from(*q); } }
                        let fits = (0..3).all(|qi| sizes[qi].map_or(true, |s| need[qi] + u[qi].0 + u[qi].1 <= u64::from(s)));
                        let valid = !lines.is_empty() && lines.iter().all(|(_, q)| *q > 0) && !model.holds.contains_key(&hold);
                        prop_assert_eq!(r.is_ok(), valid && fits, "{:?}", r);
                        if r.is_ok() {
                            for (lines, state, exp) in model.holds.values_mut() {
                                let _ = lines;
                                if *state == HoldState::Held && *exp <= now { *state = HoldState::Expired; }
                            }
                            model.holds.insert(hold, (lines.iter().map(|(it, q)| (*it, *q, 0)).collect(), HoldState::Held, now + ttl));
                        }
                        r.is_ok()
                    }
                    Op::Confirm { hold } => {
                        let r = book.confirm(Uuid::from_u128(u128::from(hold)), at);
                        let m = model.holds.get_mut(&hold);
                        let expect = m.as_ref().is_some_and(|(_, s, exp)| *s == HoldState::Held && now < *exp);
                        prop_assert_eq!(r.is_ok(), expect);
                        if let (true, Some(m)) = (expect, m) { m.1 = HoldState::Confirmed; }
                        r.is_ok()
                    }
                    Op::Release { hold } => {
                        let r = book.release(Uuid::from_u128(u128::from(hold)));
                        let m = model.holds.get_mut(&hold);
                        let expect = m.as_ref().is_some_and(|(_, s, _)| *s == HoldState::Held);
                        prop_assert_eq!(r.is_ok(), expect);
                        if let (true, Some(m)) = (expect, m) { m.1 = HoldState::Released; }
                        r.is_ok()
                    }
                    Op::Expire => {
                        let n = book.expire(at).len();
                        let mut expected = 0;
                        for (_, state, exp) in model.holds.values_mut() {
                            if *state == HoldState::Held && *exp <= now { *state = HoldState::Expired; expected += 1; }
                        }
                        prop_assert_eq!(n, expected);
                        true
                    }
                    Op::Refund { hold, line, qty } => {
                        let r = book.refund_line(Uuid::from_u128(u128::from(hold)), Uuid::from_u128(u128::from(line)), qty);
                        let m = model.holds.get_mut(&hold);
                        let expect = m.as_ref().is_some_and(|(lines, s, _)| *s == HoldState::Confirmed
                            && lines.get(usize::from(line)).is_some_and(|(_, q, rel)| qty > 0 && qty <= q - rel));
                        prop_assert_eq!(r.is_ok(), expect);
                        if let (true, Some(m)) = (expect, m) { m.0[usize::from(line)].2 += qty; }
                        r.is_ok()
                    }
                };
                if !ok {
                    prop_assert_eq!(&book, &before, "a failed operation changed the book");
                }
                prop_assert!(book.invariant_holds());
                let u = units(&model, now);
                for (qi, c) in book.counts(at).iter().enumerate() {
                    prop_assert_eq!(u64::from(c.sold), u[qi].0);
                    prop_assert_eq!(u64::from(c.held), u[qi].1);
                    if let Some(s) = sizes[qi] {
                        // The invariant, from the model's side, with stale holds still counted.
                        prop_assert!(u[qi].0 + u[qi].2 <= u64::from(s));
                        prop_assert_eq!(c.available.map(u64::from), Some(u64::from(s) - u[qi].0 - u[qi].1));
                    } else {
                        prop_assert_eq!(c.available, None);
                    }
                }
                let text = book.to_json().unwrap();
                let back = QuotaBook::from_json(&text).unwrap();
                prop_assert_eq!(&back, &book);
                prop_assert_eq!(back.to_json().unwrap(), text);
            }
        }
    }
}
