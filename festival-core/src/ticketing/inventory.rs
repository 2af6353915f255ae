//! Seats of one ticket type, with time-limited holds.

use super::TicketingError;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The state of a hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldState {
    /// Seats are held (counted against capacity) until confirmed, released or expired.
    Held,
    /// The seats were sold.
    Confirmed,
    /// The seats went back on sale (cancelled by the caller).
    Released,
    /// The hold passed its expiry and the seats went back on sale.
    Expired,
}

impl HoldState {
    /// `held`, `confirmed`, `released`, `expired`.
    pub fn as_str(self) -> &'static str {
        match self {
            HoldState::Held => "held",
            HoldState::Confirmed => "confirmed",
            HoldState::Released => "released",
            HoldState::Expired => "expired",
        }
    }
}

/// One hold: `quantity` seats reserved until `expires_at` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// The caller's id for the hold (typically the order id).
    pub id: Uuid,
    /// Seats held.
    pub quantity: u32,
    /// When the hold was made.
    pub created_at: Timestamp,
    /// The hold is live strictly before this instant.
    pub expires_at: Timestamp,
    /// Its state.
    pub state: HoldState,
}

/// Seat counts at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryCounts {
    /// Seats on sale in total.
    pub capacity: u32,
    /// Seats sold (confirmed holds, minus restocked seats).
    pub sold: u32,
    /// Seats in live holds.
    pub held: u32,
    /// `capacity − sold − held`.
    pub available: u32,
}

/// The seats of one ticket type. Invariant (checked by every operation and property-tested):
/// `sold + Σ quantity of holds in state held ≤ capacity`. Holds are identified by the caller, so a
/// retried request cannot hold twice; finished holds are kept so that repeating a confirm or
/// release is an error naming the hold's state. Failed operations change nothing.
///
/// ```
/// use festival_core::ticketing::{HoldState, Inventory};
/// use festival_core::Timestamp;
/// use uuid::Uuid;
/// let t0 = Timestamp::from_unix_millis(1_000_000)?;
/// let mut inv = Inventory::new(Uuid::from_u128(1), 5);
/// inv.reserve(Uuid::from_u128(7), 2, t0, t0.plus_millis(60_000))?;
/// assert_eq!(inv.counts(t0).available, 3);
/// // At expiry the seats come back.
/// let expired = inv.expire(t0.plus_millis(60_000));
/// assert_eq!(expired.len(), 1);
/// assert_eq!(inv.hold(Uuid::from_u128(7)).map(|h| h.state), Some(HoldState::Expired));
/// assert_eq!(inv.counts(t0).available, 5);
/// # Ok::<(), festival_core::Error>(())
/// ```
///
/// Deserialization (any serde path) checks the invariants with [`Inventory::validate`], so stored
/// state that breaks them is rejected; [`Inventory::from_json`] reports that as
/// `INVENTORY_STATE_INVALID` and malformed JSON as `INPUT_INVALID`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "InventoryRepr")]
pub struct Inventory {
    ticket_type_id: Uuid,
    capacity: u32,
    sold: u32,
    holds: BTreeMap<Uuid, Hold>,
}

/// The serde mirror of [`Inventory`] (same fields, same JSON), checked by `TryFrom`.
#[derive(Deserialize)]
struct InventoryRepr {
    ticket_type_id: Uuid,
    capacity: u32,
    sold: u32,
    holds: BTreeMap<Uuid, Hold>,
}

impl TryFrom<InventoryRepr> for Inventory {
    type Error = TicketingError;

    fn try_from(r: InventoryRepr) -> Result<Inventory, TicketingError> {
        let inv = Inventory { ticket_type_id: r.ticket_type_id, capacity: r.capacity, sold: r.sold, holds: r.holds };
        inv.validate()?;
        Ok(inv)
    }
}

impl Inventory {
    /// An empty inventory of `capacity` seats for ticket type `ticket_type_id`.
    pub fn new(ticket_type_id: Uuid, capacity: u32) -> Inventory {
        Inventory { ticket_type_id, capacity, sold: 0, holds: BTreeMap::new() }
    }

    /// The ticket type these seats belong to.
    pub fn ticket_type_id(&self) -> Uuid {
        self.ticket_type_id
    }

    /// Seats on sale in total.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Seats sold.
    pub fn sold(&self) -> u32 {
        self.sold
    }

    /// A hold by id.
    pub fn hold(&self, hold_id: Uuid) -> Option<&Hold> {
        self.holds.get(&hold_id)
    }

    /// All holds, by id.
    pub fn holds(&self) -> impl Iterator<Item = &Hold> {
        self.holds.values()
    }

    /// Seats in holds that are in state held (including ones past expiry that were not yet expired
    /// by [`Inventory::expire`]: they still block seats, so the invariant never depends on time).
    fn held_total(&self) -> u64 {
        self.holds.values().filter(|h| h.state == HoldState::Held).map(|h| u64::from(h.quantity)).sum()
    }

    /// Seats neither sold nor held, ignoring holds whose expiry is at or before `now`.
    pub fn available(&self, now: Timestamp) -> u32 {
        self.counts(now).available
    }

    /// Counts at `now`: holds whose expiry has passed count as available.
    pub fn counts(&self, now: Timestamp) -> InventoryCounts {
        let held: u64 = self
            .holds
            .values()
            .filter(|h| h.state == HoldState::Held && now < h.expires_at)
            .map(|h| u64::from(h.quantity))
            .sum();
        let held = u32::try_from(held).unwrap_or(u32::MAX);
        let available = self.capacity.saturating_sub(self.sold).saturating_sub(held);
        InventoryCounts { capacity: self.capacity, sold: self.sold, held, available }
    }

    /// Holds `quantity` seats under `hold_id` from `now` until `expires_at`. Holds whose expiry is
    /// at or before `now` are expired first (their seats come back). Errors: quantity 0
    /// (`INVENTORY_INVALID_QUANTITY`), `expires_at ≤ now` (`INVENTORY_INVALID_EXPIRY`), a hold id
    /// used before (`INVENTORY_DUPLICATE_HOLD`), not enough seats (`INVENTORY_SOLD_OUT` with how
    /// many are left).
    pub fn reserve(
        &mut self,
        hold_id: Uuid,
        quantity: u32,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Hold, TicketingError> {
        if quantity == 0 {
            return Err(TicketingError::InventoryInvalidQuantity { quantity });
        }
        if expires_at <= now {
            return Err(TicketingError::InvalidExpiry { now, expires_at });
        }
        if let Some(h) = self.holds.get(&hold_id) {
            return Err(TicketingError::DuplicateHold { hold_id, state: h.state.as_str().into() });
        }
        let available = self.available(now);
        if quantity > available {
            return Err(TicketingError::SoldOut { requested: quantity, available });
        }
        self.expire(now);
        let hold = Hold { id: hold_id, quantity, created_at: now, expires_at, state: HoldState::Held };
        self.holds.insert(hold_id, hold);
        debug_assert!(u64::from(self.sold) + self.held_total() <= u64::from(self.capacity));
        Ok(hold)
    }

    fn active_hold(&self, hold_id: Uuid) -> Result<Hold, TicketingError> {
        let hold = *self.holds.get(&hold_id).ok_or(TicketingError::UnknownHold { hold_id })?;
        if hold.state != HoldState::Held {
            return Err(TicketingError::HoldNotActive { hold_id, state: hold.state.as_str().into() });
        }
        Ok(hold)
    }

    fn set_state(&mut self, hold_id: Uuid, state: HoldState) {
        if let Some(h) = self.holds.get_mut(&hold_id) {
            h.state = state;
        }
    }

    /// Sells the seats of a live hold at `now`. Errors: unknown hold, a hold not in state held
    /// (confirming twice names `confirmed`), a hold whose expiry is at or before `now`
    /// (`INVENTORY_HOLD_EXPIRED`; the seats come back at the next [`Inventory::expire`] or
    /// [`Inventory::reserve`]).
    pub fn confirm(&mut self, hold_id: Uuid, now: Timestamp) -> Result<Hold, TicketingError> {
        let hold = self.active_hold(hold_id)?;
        if now >= hold.expires_at {
            return Err(TicketingError::HoldExpired { hold_id, expired_at: hold.expires_at });
        }
        // sold + held ≤ capacity already counted these seats, so this cannot exceed capacity.
        self.sold = self.sold.saturating_add(hold.quantity);
        self.set_state(hold_id, HoldState::Confirmed);
        Ok(Hold { state: HoldState::Confirmed, ..hold })
    }

    /// Puts the seats of a held hold back on sale. Errors: unknown hold, hold not in state held.
    pub fn release(&mut self, hold_id: Uuid) -> Result<Hold, TicketingError> {
        let hold = self.active_hold(hold_id)?;
        self.set_state(hold_id, HoldState::Released);
        Ok(Hold { state: HoldState::Released, ..hold })
    }

    /// Expires every held hold whose expiry is at or before `now`; returns them (in id order).
    pub fn expire(&mut self, now: Timestamp) -> Vec<Hold> {
        let mut out = Vec::new();
        for h in self.holds.values_mut() {
            if h.state == HoldState::Held && h.expires_at <= now {
                h.state = HoldState::Expired;
                out.push(*h);
            }
        }
        out
    }

    /// Puts `quantity` sold seats back on sale (after tickets are refunded or cancelled) and
    /// returns the new number sold. Errors with `INVENTORY_INVALID_QUANTITY` for 0 or more than sold.
    pub fn restock(&mut self, quantity: u32) -> Result<u32, TicketingError> {
        if quantity == 0 || quantity > self.sold {
            return Err(TicketingError::InventoryInvalidQuantity { quantity });
        }
        self.sold -= quantity;
        Ok(self.sold)
    }

    /// True when `sold + held ≤ capacity` (always, unless the state was edited by hand).
    pub fn invariant_holds(&self) -> bool {
        u64::from(self.sold) + self.held_total() <= u64::from(self.capacity)
    }

    /// Checks stored state (run by every deserialization): `sold + held ≤ capacity` and every hold
    /// filed under its own id. Errors with `INVENTORY_STATE_INVALID` naming the broken invariant.
    pub fn validate(&self) -> Result<(), TicketingError> {
        let bad = |reason: String| Err(TicketingError::InventoryStateInvalid { reason });
        if !self.invariant_holds() {
            return bad(format!(
                "sold {} + held {} exceeds the capacity {}",
                self.sold,
                self.held_total(),
                self.capacity
            ));
        }
        if let Some((key, h)) = self.holds.iter().find(|(key, h)| **key != h.id) {
            return bad(format!("hold {} is filed under {key}", h.id));
        }
        Ok(())
    }

    /// Reads stored state written by [`Inventory::to_json`] (or any serde JSON of an inventory).
    /// Errors: malformed JSON or a wrong shape (`INPUT_INVALID`, field `state`), consistent-looking
    /// JSON that breaks an invariant (`INVENTORY_STATE_INVALID`, see [`Inventory::validate`]).
    ///
    /// ```
    /// use festival_core::ticketing::Inventory;
    /// use festival_core::ErrorCode;
    /// use uuid::Uuid;
    /// let inv = Inventory::new(Uuid::from_u128(1), 5);
    /// assert_eq!(Inventory::from_json(&inv.to_json()?)?, inv);
    /// let over = inv.to_json()?.replace("\"sold\":0", "\"sold\":6");
    /// assert_eq!(Inventory::from_json(&over).unwrap_err().code(), "INVENTORY_STATE_INVALID");
    /// assert_eq!(Inventory::from_json("{").unwrap_err().code(), "INPUT_INVALID");
    /// # Ok::<(), festival_core::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Inventory, crate::Error> {
        super::state_from_json::<InventoryRepr, _, _>(text)
    }

    /// The core's JSON of this inventory (the serde form, byte-identical to `serde_json::to_string`).
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

    #[test]
    fn sold_out_says_how_many_are_left() {
        let mut inv = Inventory::new(id(1), 5);
        inv.reserve(id(10), 3, t(0), t(100)).unwrap();
        inv.confirm(id(10), t(1)).unwrap();
        inv.reserve(id(11), 1, t(1), t(100)).unwrap();
        assert_eq!(
            inv.reserve(id(12), 2, t(2), t(100)).unwrap_err(),
            TicketingError::SoldOut { requested: 2, available: 1 }
        );
        assert_eq!(inv.counts(t(2)), InventoryCounts { capacity: 5, sold: 3, held: 1, available: 1 });
        // The failed reserve changed nothing and its id is still free.
        assert!(inv.hold(id(12)).is_none());
        inv.reserve(id(12), 1, t(2), t(100)).unwrap();
        assert_eq!(inv.available(t(2)), 0);
    }

    #[test]
    fn confirm_twice_names_the_state() {
        let mut inv = Inventory::new(id(1), 5);
        inv.reserve(id(10), 2, t(0), t(100)).unwrap();
        inv.confirm(id(10), t(50)).unwrap();
        assert_eq!(
            inv.confirm(id(10), t(51)).unwrap_err(),
            TicketingError::HoldNotActive { hold_id: id(10), state: "confirmed".into() }
        );
        assert_eq!(inv.release(id(10)).unwrap_err().code(), "INVENTORY_HOLD_NOT_ACTIVE");
        assert_eq!(inv.sold(), 2);
        assert_eq!(inv.confirm(id(99), t(51)).unwrap_err().code(), "INVENTORY_UNKNOWN_HOLD");
        assert_eq!(
            inv.reserve(id(10), 1, t(60), t(100)).unwrap_err(),
            TicketingError::DuplicateHold { hold_id: id(10), state: "confirmed".into() }
        );
    }

    #[test]
    fn expired_holds_cannot_be_confirmed_and_free_their_seats() {
        let mut inv = Inventory::new(id(1), 2);
        inv.reserve(id(10), 2, t(0), t(100)).unwrap();
        assert_eq!(inv.reserve(id(11), 1, t(99), t(200)).unwrap_err().code(), "INVENTORY_SOLD_OUT");
        assert_eq!(
            inv.confirm(id(10), t(100)).unwrap_err(),
            TicketingError::HoldExpired { hold_id: id(10), expired_at: t(100) }
        );
        // Reserving at or after the expiry expires the stale hold first.
        inv.reserve(id(11), 2, t(100), t(200)).unwrap();
        assert_eq!(inv.hold(id(10)).unwrap().state, HoldState::Expired);
        assert_eq!(inv.expire(t(200)).len(), 1);
        assert_eq!(inv.expire(t(300)).len(), 0);
        assert_eq!(inv.counts(t(300)).available, 2);
    }

    #[test]
    fn bad_input_is_rejected() {
        let mut inv = Inventory::new(id(1), 2);
        assert_eq!(inv.reserve(id(10), 0, t(0), t(100)).unwrap_err().code(), "INVENTORY_INVALID_QUANTITY");
        assert_eq!(inv.reserve(id(10), 1, t(100), t(100)).unwrap_err().code(), "INVENTORY_INVALID_EXPIRY");
        assert_eq!(inv.reserve(id(10), u32::MAX, t(0), t(100)).unwrap_err().code(), "INVENTORY_SOLD_OUT");
        assert_eq!(inv.restock(1).unwrap_err().code(), "INVENTORY_INVALID_QUANTITY");
        inv.reserve(id(10), 2, t(0), t(100)).unwrap();
        inv.release(id(10)).unwrap();
        assert_eq!(inv.counts(t(1)).available, 2);
        inv.reserve(id(11), 2, t(0), t(100)).unwrap();
        inv.confirm(id(11), t(1)).unwrap();
        assert_eq!(inv.restock(1).unwrap(), 1);
        assert_eq!(inv.counts(t(1)).available, 1);
    }

    fn tampered(inv: &Inventory, edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut v = serde_json::to_value(inv).unwrap();
        edit(&mut v);
        v.to_string()
    }

    #[test]
    fn stored_state_round_trips_byte_identical() {
        let mut inv = Inventory::new(id(1), 5);
        inv.reserve(id(10), 2, t(0), t(100)).unwrap();
        inv.confirm(id(10), t(1)).unwrap();
        inv.reserve(id(11), 3, t(1), t(100)).unwrap();
        let text = inv.to_json().unwrap();
        assert_eq!(text, serde_json::to_string(&inv).unwrap());
        let back = Inventory::from_json(&text).unwrap();
        assert_eq!(back, inv);
        assert_eq!(back.to_json().unwrap(), text);
        assert_eq!(serde_json::from_str::<Inventory>(&text).unwrap(), inv);
    }

    #[test]
    fn oversold_state_is_rejected_by_every_path() {
        let mut inv = Inventory::new(id(1), 5);
        inv.reserve(id(10), 3, t(0), t(100)).unwrap();
        let over = tampered(&inv, |v| v["sold"] = 3.into());
        let e = Inventory::from_json(&over).unwrap_err();
        assert_eq!(e.code(), "INVENTORY_STATE_INVALID");
        assert_eq!(e.details()["reason"], "sold 3 + held 3 exceeds the capacity 5");
        // Plain serde_json (conformance, bindings) rejects it too.
        let raw = serde_json::from_str::<Inventory>(&over).unwrap_err().to_string();
        assert!(raw.contains("inconsistent inventory state"), "{raw}");
        assert!(serde_json::from_value::<Inventory>(serde_json::from_str(&over).unwrap()).is_err());
    }

    #[test]
    fn misfiled_hold_is_rejected() {
        let mut inv = Inventory::new(id(1), 5);
        inv.reserve(id(10), 1, t(0), t(100)).unwrap();
        let moved = tampered(&inv, |v| {
            let hold = v["holds"][id(10).to_string()].take();
            v["holds"] = serde_json::json!({ id(11).to_string(): hold });
        });
        let e = Inventory::from_json(&moved).unwrap_err();
        assert_eq!(e.code(), "INVENTORY_STATE_INVALID");
        assert!(e.to_string().contains("filed under"), "{e}");
    }

    #[test]
    fn malformed_json_is_input_invalid() {
        for text in ["", "{", "[]", "{\"ticket_type_id\": 1}", "{\"capacity\": -1}"] {
            let e = Inventory::from_json(text).unwrap_err();
            assert_eq!(e.code(), "INPUT_INVALID", "{text}");
            assert_eq!(e.details()["field"], "state");
        }
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Reserve { hold: u8, qty: u32, ttl: i64 },
        Confirm { hold: u8 },
        Release { hold: u8 },
        Expire,
        Restock { qty: u32 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u8..12, 0u32..6, 1i64..50).prop_map(|(hold, qty, ttl)| Op::Reserve { hold, qty, ttl }),
            3 => (0u8..12).prop_map(|hold| Op::Confirm { hold }),
            2 => (0u8..12).prop_map(|hold| Op::Release { hold }),
            1 => Just(Op::Expire),
            1 => (0u32..4).prop_map(|qty| Op::Restock { qty }),
        ]
    }

    proptest! {
        /// Any interleaving never oversells, never goes negative, failures change nothing, and every
        /// state survives the stored-state round trip unchanged.
        #[test]
        fn never_oversells(capacity in 0u32..12, ops in prop::collection::vec((op(), 0i64..20), 1..60)) {
            let mut inv = Inventory::new(Uuid::from_u128(1), capacity);
            let mut now = 0i64;
            for (op, dt) in ops {
                now += dt;
                let at = Timestamp::from_unix_millis(now).unwrap();
                let before = inv.clone();
                let ok = match op {
                    Op::Reserve { hold, qty, ttl } => {
                        let avail = inv.available(at);
                        let r = inv.reserve(Uuid::from_u128(u128::from(hold)), qty, at, at.plus_millis(ttl));
                        if let Err(TicketingError::SoldOut { requested, available }) = &r {
                            prop_assert_eq!(*requested, qty);
                            prop_assert_eq!(*available, avail);
                            prop_assert!(qty > avail);
                        }
                        r.is_ok()
                    }
                    Op::Confirm { hold } => inv.confirm(Uuid::from_u128(u128::from(hold)), at).is_ok(),
                    Op::Release { hold } => inv.release(Uuid::from_u128(u128::from(hold))).is_ok(),
                    Op::Expire => { inv.expire(at); true }
                    Op::Restock { qty } => inv.restock(qty).is_ok(),
                };
                if !ok {
                    prop_assert_eq!(&inv, &before);
                }
                prop_assert!(inv.invariant_holds());
                let c = inv.counts(at);
                prop_assert!(u64::from(c.sold) + u64::from(c.held) + u64::from(c.available) == u64::from(capacity));
                let confirmed: u32 = inv.holds().filter(|h| h.state == HoldState::Confirmed).map(|h| h.quantity).sum();
                prop_assert!(inv.sold() <= confirmed);
                // Every reachable state is valid stored state: the round trip is the identity.
                let text = inv.to_json().unwrap();
                let back = Inventory::from_json(&text).unwrap();
                prop_assert_eq!(&back, &inv);
                prop_assert_eq!(back.to_json().unwrap(), text);
            }
        }
    }
}
