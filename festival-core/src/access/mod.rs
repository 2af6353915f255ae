//! Access zones (SPEC §4): zones with a capacity and the ticket types they admit, scans that give
//! admit or deny with a reason, anti-passback, occupancy and capacity alerts.
//!
//! A scan is `(ticket, zone, direction, time)`. A **deny is a decision, not an error**: errors are
//! only for bad input (unknown zone or ticket). Checks for an entry, in order:
//!
//! 1. the ticket is void → `revoked`, `cancelled`, `transferred` or `refunded`;
//! 2. the time is outside the ticket type's validity window → `outside_validity`;
//! 3. neither the zone lists the ticket type nor the type lists the zone → `wrong_zone`;
//! 4. the ticket is inside this zone already (anti-passback) → `already_inside`;
//! 5. it was inside before and its type has no re-entry → `reentry_not_allowed`;
//! 6. the zone is at capacity → `zone_full`.
//!
//! An exit is admitted only for a ticket inside the zone (`not_inside` otherwise), whatever its
//! state or the time, so nobody is ever locked in. Zones marked `perimeter` (the festival's gates)
//! also drive the ticket state machine: an admitted entry checks the ticket in (it is then used and
//! can no longer be refunded or transferred), an admitted exit checks it out.
//!
//! Occupancy is entries − exits per zone, never negative (property-tested). Each zone may list
//! alert thresholds in percent of capacity; an alert is emitted once when occupancy crosses a
//! threshold upward and is re-armed when occupancy falls below it again.
//!
//! ```
//! use festival_core::access::{AccessControl, Decision, DenyReason, Direction, Scan, Zone};
//! use festival_core::ticketing::{NewTicket, TicketBook, TicketType};
//! use festival_core::{Currency, Money, Timestamp};
//! use uuid::Uuid;
//! let t = |s: &str| s.parse::<Timestamp>().unwrap();
//! let mut book = TicketBook::new();
//! book.add_type(TicketType {
//!     id: Uuid::from_u128(1), name: "Day".into(), price: Money::parse("50", Currency::iso("EUR")?)?,
//!     capacity: 100, sale_from: t("2026-01-01T00:00:00Z"), sale_until: t("2026-07-04T00:00:00Z"),
//!     valid_from: t("2026-07-04T00:00:00Z"), valid_until: t("2026-07-05T00:00:00Z"),
//!     max_per_order: 4, zones: vec!["main".into()], reentry_allowed: false, transfer_limit: 1,
//! })?;
//! book.issue(Uuid::from_u128(1), NewTicket { id: Uuid::from_u128(7), number: "A1".into(), holder: "Ada".into() },
//!            None, t("2026-05-01T00:00:00Z"))?;
//! let mut gates = AccessControl::new(vec![
//!     Zone { id: "main".into(), name: "Main arena".into(), capacity: 2, ticket_type_ids: vec![],
//!            perimeter: true, alert_thresholds: vec![50, 100] },
//!     Zone { id: "backstage".into(), name: "Backstage".into(), capacity: 10, ticket_type_ids: vec![],
//!            perimeter: false, alert_thresholds: vec![] },
//! ])?;
//! let scan = |zone: &str, direction| Scan { ticket_id: Uuid::from_u128(7), zone_id: zone.into(), direction,
//!                                          at: t("2026-07-04T15:00:00Z") };
//! let out = gates.scan(&mut book, &scan("main", Direction::In))?;
//! assert_eq!(out.decision, Decision::Admit);
//! assert_eq!((out.occupancy, out.alerts.len()), (1, 1)); // 50 % reached
//! assert_eq!(gates.scan(&mut book, &scan("main", Direction::In))?.decision,
//!            Decision::Deny { reason: DenyReason::AlreadyInside });
//! assert_eq!(gates.scan(&mut book, &scan("backstage", Direction::In))?.decision,
//!            Decision::Deny { reason: DenyReason::WrongZone });
//! # Ok::<(), festival_core::Error>(())
//! ```

use crate::error::{Error, ErrorCode};
use crate::ticketing::{TicketBook, TicketEvent, TicketState};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Access zone errors (bad input; denials are [`Decision`]s, not errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum AccessError {
    /// `ACCESS_UNKNOWN_ZONE`: a scan or query names a zone that does not exist.
    #[error("unknown zone '{zone_id}'")]
    UnknownZone {
        /// The zone id given.
        zone_id: String,
    },
    /// `ACCESS_UNKNOWN_TICKET`: a scan names a ticket that is not in the book.
    #[error("unknown ticket {ticket_id}")]
    UnknownTicket {
        /// The ticket id given.
        ticket_id: Uuid,
    },
    /// `ACCESS_INVALID_ZONE`: a zone definition that cannot be used.
    #[error("invalid zone '{zone_id}': {reason}")]
    InvalidZone {
        /// The zone.
        zone_id: String,
        /// Why.
        reason: String,
    },
    /// `ACCESS_DUPLICATE_ZONE`: two zones with the same id.
    #[error("zone '{zone_id}' is defined twice")]
    DuplicateZone {
        /// The zone.
        zone_id: String,
    },
    /// `ACCESS_STATE_INVALID`: stored access state (deserialized) is inconsistent, e.g. a zone
    /// filed under another id or occupancy that is not entries − exits.
    #[error("inconsistent access state: {reason}")]
    StateInvalid {
        /// Which invariant is broken, naming the zone.
        reason: String,
    },
}

impl ErrorCode for AccessError {
    fn code(&self) -> &'static str {
        match self {
            AccessError::UnknownZone { .. } => "ACCESS_UNKNOWN_ZONE",
            AccessError::UnknownTicket { .. } => "ACCESS_UNKNOWN_TICKET",
            AccessError::InvalidZone { .. } => "ACCESS_INVALID_ZONE",
            AccessError::DuplicateZone { .. } => "ACCESS_DUPLICATE_ZONE",
            AccessError::StateInvalid { .. } => "ACCESS_STATE_INVALID",
        }
    }
}

/// A zone: the main arena, a stage front, backstage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    /// Stable id (`main`, `backstage`), 1..=128 characters.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Most people inside at once (at least 1).
    pub capacity: u32,
    /// Ticket types this zone admits (in addition to types that list the zone in their `zones`).
    #[serde(default)]
    pub ticket_type_ids: Vec<Uuid>,
    /// True for the festival's perimeter: scans here check tickets in and out.
    #[serde(default)]
    pub perimeter: bool,
    /// Alert thresholds in percent of capacity, each `1..=100`, e.g. `[80, 95, 100]`.
    #[serde(default)]
    pub alert_thresholds: Vec<u32>,
}

/// Entry or exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Entering the zone.
    In,
    /// Leaving the zone.
    Out,
}

/// One scan at a zone's gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scan {
    /// The ticket scanned.
    pub ticket_id: Uuid,
    /// The zone whose gate scanned it.
    pub zone_id: String,
    /// Entry or exit.
    pub direction: Direction,
    /// When (the scanner's time).
    pub at: Timestamp,
}

/// Why a scan was denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenyReason {
    /// The ticket's type does not open this zone.
    WrongZone,
    /// The scan is outside the ticket type's validity window.
    OutsideValidity,
    /// The ticket is already inside this zone (anti-passback).
    AlreadyInside,
    /// An exit for a ticket that is not inside this zone.
    NotInside,
    /// The ticket was revoked.
    Revoked,
    /// The ticket was cancelled.
    Cancelled,
    /// The ticket was transferred: only its replacement admits.
    Transferred,
    /// The ticket was refunded.
    Refunded,
    /// The zone is at capacity.
    ZoneFull,
    /// The ticket was inside before and its type does not allow re-entry.
    ReentryNotAllowed,
}

/// The decision for a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Open the gate.
    Admit,
    /// Keep it closed, for this reason.
    Deny {
        /// Why.
        reason: DenyReason,
    },
}

/// A capacity threshold crossed upward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityAlert {
    /// The zone.
    pub zone_id: String,
    /// The threshold in percent.
    pub threshold_percent: u32,
    /// Occupancy when it was crossed.
    pub occupancy: u32,
    /// The zone's capacity.
    pub capacity: u32,
    /// When.
    pub at: Timestamp,
}

/// The outcome of one scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanOutcome {
    /// Admit or deny.
    #[serde(flatten)]
    pub decision: Decision,
    /// The zone's occupancy after the scan.
    pub occupancy: u32,
    /// Thresholds crossed upward by this scan.
    pub alerts: Vec<CapacityAlert>,
}

/// Occupancy of one zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneOccupancy {
    /// The zone.
    pub zone_id: String,
    /// People inside now (`entries − exits`).
    pub occupancy: u32,
    /// Capacity.
    pub capacity: u32,
    /// Admitted entries so far.
    pub entries: u64,
    /// Admitted exits so far.
    pub exits: u64,
}

/// Where one ticket stands with one zone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Presence {
    inside: bool,
    entries: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ZoneState {
    zone: Zone,
    occupancy: u32,
    entries: u64,
    exits: u64,
    /// Thresholds (percent) that already fired and are waiting to be re-armed.
    fired: Vec<u32>,
    presence: BTreeMap<Uuid, Presence>,
}

impl ZoneState {
    fn reached(&self, threshold: u32) -> bool {
        u64::from(self.occupancy) * 100 >= u64::from(threshold) * u64::from(self.zone.capacity)
    }
}

/// The zones of a festival and who is inside them. Plain serde data; scans are deterministic.
///
/// Deserialization (any serde path) checks the state with [`AccessControl::validate`];
/// [`AccessControl::from_json`] reports a failure as `ACCESS_STATE_INVALID` (or
/// `ACCESS_INVALID_ZONE` for a zone definition the constructor would refuse), malformed JSON as
/// `INPUT_INVALID`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "AccessControlRepr")]
pub struct AccessControl {
    zones: BTreeMap<String, ZoneState>,
}

/// The serde mirror of [`AccessControl`] (same fields, same JSON), checked by `TryFrom`.
#[derive(Deserialize)]
struct AccessControlRepr {
    zones: BTreeMap<String, ZoneState>,
}

impl TryFrom<AccessControlRepr> for AccessControl {
    type Error = AccessError;

    fn try_from(r: AccessControlRepr) -> Result<AccessControl, AccessError> {
        let ac = AccessControl { zones: r.zones };
        ac.validate()?;
        Ok(ac)
    }
}

fn invalid(zone: &Zone, reason: &str) -> AccessError {
    AccessError::InvalidZone { zone_id: zone.id.chars().take(128).collect(), reason: reason.into() }
}

/// The rules of [`AccessControl::new`] for one zone whose thresholds are sorted.
fn check_zone(zone: &Zone) -> Result<(), AccessError> {
    for text in [&zone.id, &zone.name] {
        if text.trim().is_empty() || text.chars().count() > 128 || text.chars().any(char::is_control) {
            return Err(invalid(zone, "id and name must be 1..=128 characters without control characters"));
        }
    }
    if zone.capacity == 0 {
        return Err(invalid(zone, "capacity must be at least 1"));
    }
    if zone.alert_thresholds.iter().any(|t| !(1..=100).contains(t))
        || zone.alert_thresholds.windows(2).any(|w| w[0] >= w[1])
    {
        return Err(invalid(zone, "alert thresholds must be distinct percentages in 1..=100"));
    }
    Ok(())
}

impl AccessControl {
    /// Sets up `zones`. Errors: empty or long id or name, capacity 0, a threshold outside 1..=100
    /// or listed twice (`ACCESS_INVALID_ZONE`), the same id twice (`ACCESS_DUPLICATE_ZONE`).
    pub fn new(zones: Vec<Zone>) -> Result<AccessControl, AccessError> {
        let mut out = BTreeMap::new();
        for mut zone in zones {
            zone.alert_thresholds.sort_unstable();
            check_zone(&zone)?;
            if out.contains_key(&zone.id) {
                return Err(AccessError::DuplicateZone { zone_id: zone.id });
            }
            let state = ZoneState {
                zone: zone.clone(),
                occupancy: 0,
                entries: 0,
                exits: 0,
                fired: vec![],
                presence: BTreeMap::new(),
            };
            out.insert(zone.id, state);
        }
        Ok(AccessControl { zones: out })
    }

    /// Checks stored state (run by every deserialization). Errors: a zone definition the
    /// constructor would refuse, thresholds sorted as it stores them (`ACCESS_INVALID_ZONE`); a zone
    /// filed under another id, occupancy other than entries − exits or the number of tickets
    /// inside, occupancy above capacity, a fired alert that is not one of the zone's thresholds
    /// (`ACCESS_STATE_INVALID`, naming the zone).
    pub fn validate(&self) -> Result<(), AccessError> {
        for (key, z) in &self.zones {
            check_zone(&z.zone)?;
            let zone_id: String = key.chars().take(128).collect();
            let bad = |what: &str| Err(AccessError::StateInvalid { reason: format!("zone '{zone_id}': {what}") });
            if *key != z.zone.id {
                return bad("filed under another id");
            }
            if z.exits.checked_add(u64::from(z.occupancy)) != Some(z.entries) {
                return bad("occupancy is not entries - exits");
            }
            let inside = z.presence.values().filter(|p| p.inside).count();
            if usize::try_from(z.occupancy).ok() != Some(inside) {
                return bad("occupancy is not the number of tickets inside");
            }
            if z.occupancy > z.zone.capacity {
                return bad("occupancy exceeds the capacity");
            }
            if z.fired.iter().any(|t| !z.zone.alert_thresholds.contains(t)) {
                return bad("a fired alert is not one of the zone's thresholds");
            }
        }
        Ok(())
    }

    /// Reads stored state written by [`AccessControl::to_json`] (or any serde JSON of access
    /// state). Errors: malformed JSON or a wrong shape (`INPUT_INVALID`, field `state`), see
    /// [`AccessControl::validate`] for the rest.
    ///
    /// ```
    /// use festival_core::access::{AccessControl, Zone};
    /// use festival_core::ErrorCode;
    /// let zone = Zone { id: "main".into(), name: "Main".into(), capacity: 10, ticket_type_ids: vec![],
    ///                   perimeter: true, alert_thresholds: vec![80] };
    /// let ac = AccessControl::new(vec![zone])?;
    /// assert_eq!(AccessControl::from_json(&ac.to_json()?)?, ac);
    /// let tampered = ac.to_json()?.replace("\"occupancy\":0", "\"occupancy\":1");
    /// assert_eq!(AccessControl::from_json(&tampered).unwrap_err().code(), "ACCESS_STATE_INVALID");
    /// # Ok::<(), festival_core::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<AccessControl, Error> {
        crate::ticketing::state_from_json::<AccessControlRepr, _, _>(text)
    }

    /// The core's JSON of this state (the serde form, byte-identical to `serde_json::to_string`).
    pub fn to_json(&self) -> Result<String, Error> {
        crate::ticketing::state_to_json(self)
    }

    fn zone_state(&self, zone_id: &str) -> Result<&ZoneState, AccessError> {
        self.zones.get(zone_id).ok_or_else(|| AccessError::UnknownZone { zone_id: zone_id.chars().take(128).collect() })
    }

    /// A zone's definition.
    pub fn zone(&self, zone_id: &str) -> Result<&Zone, AccessError> {
        Ok(&self.zone_state(zone_id)?.zone)
    }

    /// A zone's occupancy.
    pub fn occupancy(&self, zone_id: &str) -> Result<ZoneOccupancy, AccessError> {
        let z = self.zone_state(zone_id)?;
        Ok(ZoneOccupancy {
            zone_id: z.zone.id.clone(),
            occupancy: z.occupancy,
            capacity: z.zone.capacity,
            entries: z.entries,
            exits: z.exits,
        })
    }

    /// Occupancy of every zone, by id.
    pub fn occupancies(&self) -> Vec<ZoneOccupancy> {
        self.zones.keys().filter_map(|id| self.occupancy(id).ok()).collect()
    }

    /// Whether a ticket is inside a zone.
    pub fn is_inside(&self, zone_id: &str, ticket_id: Uuid) -> Result<bool, AccessError> {
        Ok(self.zone_state(zone_id)?.presence.get(&ticket_id).is_some_and(|p| p.inside))
    }

    /// The decision for `scan` without changing anything.
    pub fn decide(&self, book: &TicketBook, scan: &Scan) -> Result<Decision, Error> {
        let z = self.zone_state(&scan.zone_id)?;
        let ticket =
            book.ticket(scan.ticket_id).map_err(|_| AccessError::UnknownTicket { ticket_id: scan.ticket_id })?;
        let ty = book.ticket_type(ticket.ticket_type_id)?;
        let presence = z.presence.get(&ticket.id).copied().unwrap_or_default();
        let deny = |reason| Ok(Decision::Deny { reason });
        if scan.direction == Direction::Out {
            return if presence.inside { Ok(Decision::Admit) } else { deny(DenyReason::NotInside) };
        }
        match ticket.state {
            TicketState::Revoked => return deny(DenyReason::Revoked),
            TicketState::Cancelled => return deny(DenyReason::Cancelled),
            TicketState::Transferred => return deny(DenyReason::Transferred),
            TicketState::Refunded => return deny(DenyReason::Refunded),
            TicketState::Valid | TicketState::CheckedIn | TicketState::CheckedOut => {}
        }
        if !ty.is_valid_at(scan.at) {
            return deny(DenyReason::OutsideValidity);
        }
        if !(ty.opens_zone(&z.zone.id) || z.zone.ticket_type_ids.contains(&ty.id)) {
            return deny(DenyReason::WrongZone);
        }
        if presence.inside || (z.zone.perimeter && ticket.state == TicketState::CheckedIn) {
            return deny(DenyReason::AlreadyInside);
        }
        let was_inside = presence.entries > 0 || (z.zone.perimeter && ticket.state == TicketState::CheckedOut);
        if was_inside && !ty.reentry_allowed {
            return deny(DenyReason::ReentryNotAllowed);
        }
        if z.occupancy >= z.zone.capacity {
            return deny(DenyReason::ZoneFull);
        }
        Ok(Decision::Admit)
    }

    /// Decides `scan` and, when admitted, records it: occupancy, presence, alerts crossed upward
    /// (or re-armed on the way down) and, at perimeter zones, the ticket's check-in / check-out.
    /// Errors (nothing changes): unknown zone (`ACCESS_UNKNOWN_ZONE`), unknown ticket
    /// (`ACCESS_UNKNOWN_TICKET`), a ticket whose type is missing from the book.
    pub fn scan(&mut self, book: &mut TicketBook, scan: &Scan) -> Result<ScanOutcome, Error> {
        let decision = self.decide(book, scan)?;
        let z = self
            .zones
            .get_mut(&scan.zone_id)
            .ok_or_else(|| AccessError::UnknownZone { zone_id: scan.zone_id.chars().take(128).collect() })?;
        let mut alerts = Vec::new();
        if decision == Decision::Admit {
            let state = book.ticket(scan.ticket_id)?.state;
            // Perimeter gates move the ticket state (decide() already checked it is allowed).
            if z.zone.perimeter {
                match (scan.direction, state) {
                    (Direction::In, _) => {
                        book.apply(scan.ticket_id, TicketEvent::CheckIn, scan.at)?;
                    }
                    (Direction::Out, TicketState::CheckedIn) => {
                        book.apply(scan.ticket_id, TicketEvent::CheckOut, scan.at)?;
                    }
                    // A revoked ticket inside may still leave; its state stays revoked.
                    (Direction::Out, _) => {}
                }
            }
            let p = z.presence.entry(scan.ticket_id).or_default();
            match scan.direction {
                Direction::In => {
                    p.inside = true;
                    p.entries = p.entries.saturating_add(1);
                    z.occupancy = z.occupancy.saturating_add(1);
                    z.entries = z.entries.saturating_add(1);
                    for t in z.zone.alert_thresholds.clone() {
                        if !z.fired.contains(&t) && z.reached(t) {
                            z.fired.push(t);
                            alerts.push(CapacityAlert {
                                zone_id: z.zone.id.clone(),
                                threshold_percent: t,
                                occupancy: z.occupancy,
                                capacity: z.zone.capacity,
                                at: scan.at,
                            });
                        }
                    }
                }
                Direction::Out => {
                    p.inside = false;
                    z.occupancy = z.occupancy.saturating_sub(1);
                    z.exits = z.exits.saturating_add(1);
                    let fired = std::mem::take(&mut z.fired);
                    z.fired = fired.into_iter().filter(|t| z.reached(*t)).collect();
                }
            }
        }
        Ok(ScanOutcome { decision, occupancy: z.occupancy, alerts })
    }
}

#[cfg(test)]
mod tests;
