//! Access zones at the gate: `AccessControl` (zones, anti-passback, occupancy, capacity alerts)
//! as a UniFFI object. A deny is a decision with a reason, not an exception; exceptions
//! (`FestivalException.Access`, `ACCESS_*`) are only for bad input such as an unknown zone.

use crate::convert::{time, uuid};
use crate::error::{bad_json, Result};
use crate::ticketing::TicketBook;
use festival_core::access as core;
use festival_core::InputError;
use std::sync::{Arc, Mutex, MutexGuard};

/// A zone: the main arena, a stage front, backstage.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Zone {
    /// Stable id (`main`), 1..=128 characters.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Most people inside at once (at least 1).
    pub capacity: u32,
    /// Ticket types it admits in addition to types that list the zone.
    pub ticket_type_ids: Vec<String>,
    /// True for the festival's perimeter: scans here check tickets in and out.
    pub perimeter: bool,
    /// Alert thresholds in percent of capacity (`1..=100`).
    pub alert_thresholds: Vec<u32>,
}

/// Entry or exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ScanDirection {
    /// Entering the zone.
    In,
    /// Leaving the zone.
    Out,
}

/// Why a scan was denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DenyReason {
    /// The ticket's type does not open this zone.
    WrongZone,
    /// Outside the ticket type's validity window.
    OutsideValidity,
    /// Already inside this zone (anti-passback).
    AlreadyInside,
    /// An exit for a ticket that is not inside.
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
    /// Inside before, and its type does not allow re-entry.
    ReentryNotAllowed,
    /// Check-in policy: the ticket's order is not paid.
    Unpaid,
    /// Check-in policy: the ticket type is not on the list.
    WrongTicketType,
    /// Check-in policy: the gate is not one of the list's gates.
    WrongGate,
    /// Check-in policy: outside every time window.
    OutsideWindow,
    /// Check-in policy: maximum entries reached.
    MaxEntriesReached,
    /// Check-in policy: maximum entries on this festival day reached.
    MaxEntriesPerDayReached,
    /// Check-in policy: maximum number of days with an entry reached.
    MaxDaysReached,
    /// Check-in policy: too soon after the last entry.
    TooSoon,
    /// Check-in policy: the rule said no.
    Rules,
}

/// Admit, or deny with a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Decision {
    /// Open the gate.
    Admit,
    /// Keep it closed.
    Deny {
        /// Why.
        reason: DenyReason,
    },
}

pub(crate) fn decision(d: core::Decision) -> Decision {
    match d {
        core::Decision::Admit => Decision::Admit,
        core::Decision::Deny { reason } => Decision::Deny {
            reason: match reason {
                core::DenyReason::WrongZone => DenyReason::WrongZone,
                core::DenyReason::OutsideValidity => DenyReason::OutsideValidity,
                core::DenyReason::AlreadyInside => DenyReason::AlreadyInside,
                core::DenyReason::NotInside => DenyReason::NotInside,
                core::DenyReason::Revoked => DenyReason::Revoked,
                core::DenyReason::Cancelled => DenyReason::Cancelled,
                core::DenyReason::Transferred => DenyReason::Transferred,
                core::DenyReason::Refunded => DenyReason::Refunded,
                core::DenyReason::ZoneFull => DenyReason::ZoneFull,
                core::DenyReason::ReentryNotAllowed => DenyReason::ReentryNotAllowed,
                core::DenyReason::Unpaid => DenyReason::Unpaid,
                core::DenyReason::WrongTicketType => DenyReason::WrongTicketType,
                core::DenyReason::WrongGate => DenyReason::WrongGate,
                core::DenyReason::OutsideWindow => DenyReason::OutsideWindow,
                core::DenyReason::MaxEntriesReached => DenyReason::MaxEntriesReached,
                core::DenyReason::MaxEntriesPerDayReached => DenyReason::MaxEntriesPerDayReached,
                core::DenyReason::MaxDaysReached => DenyReason::MaxDaysReached,
                core::DenyReason::TooSoon => DenyReason::TooSoon,
                core::DenyReason::Rules => DenyReason::Rules,
            },
        },
    }
}

/// The core decision of a binding decision.
pub(crate) fn decision_to_core(d: Decision) -> core::Decision {
    match d {
        Decision::Admit => core::Decision::Admit,
        Decision::Deny { reason } => core::Decision::Deny {
            reason: match reason {
                DenyReason::WrongZone => core::DenyReason::WrongZone,
                DenyReason::OutsideValidity => core::DenyReason::OutsideValidity,
                DenyReason::AlreadyInside => core::DenyReason::AlreadyInside,
                DenyReason::NotInside => core::DenyReason::NotInside,
                DenyReason::Revoked => core::DenyReason::Revoked,
                DenyReason::Cancelled => core::DenyReason::Cancelled,
                DenyReason::Transferred => core::DenyReason::Transferred,
                DenyReason::Refunded => core::DenyReason::Refunded,
                DenyReason::ZoneFull => core::DenyReason::ZoneFull,
                DenyReason::ReentryNotAllowed => core::DenyReason::ReentryNotAllowed,
                DenyReason::Unpaid => core::DenyReason::Unpaid,
                DenyReason::WrongTicketType => core::DenyReason::WrongTicketType,
                DenyReason::WrongGate => core::DenyReason::WrongGate,
                DenyReason::OutsideWindow => core::DenyReason::OutsideWindow,
                DenyReason::MaxEntriesReached => core::DenyReason::MaxEntriesReached,
                DenyReason::MaxEntriesPerDayReached => core::DenyReason::MaxEntriesPerDayReached,
                DenyReason::MaxDaysReached => core::DenyReason::MaxDaysReached,
                DenyReason::TooSoon => core::DenyReason::TooSoon,
                DenyReason::Rules => core::DenyReason::Rules,
            },
        },
    }
}

/// A capacity threshold crossed upward.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CapacityAlert {
    /// The zone.
    pub zone_id: String,
    /// Threshold in percent.
    pub threshold_percent: u32,
    /// Occupancy when crossed.
    pub occupancy: u32,
    /// Capacity.
    pub capacity: u32,
    /// When, ms.
    pub at_ms: i64,
}

/// The outcome of one scan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScanOutcome {
    /// Admit or deny.
    pub decision: Decision,
    /// The zone's occupancy after the scan.
    pub occupancy: u32,
    /// Thresholds crossed upward by this scan.
    pub alerts: Vec<CapacityAlert>,
    /// The zone's check-in policy's decision, when it has one and the scan reached it.
    #[uniffi(default = None)]
    pub policy: Option<crate::checkin::PolicyDecision>,
    /// Zones this entry left (the policy's `leaves_zones`).
    #[uniffi(default = [])]
    pub left_zones: Vec<String>,
}

/// What the gate knows about a scan, for the zone's check-in policy.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScanContext {
    /// The gate (lane, device) id.
    #[uniffi(default = None)]
    pub gate: Option<String>,
    /// Whether the ticket's order is pending (unpaid).
    #[uniffi(default = false)]
    pub pending: bool,
    /// Ticket attributes for the rules.
    pub attributes: std::collections::HashMap<String, crate::checkin::AttributeValue>,
}

/// Occupancy of one zone.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ZoneOccupancy {
    /// The zone.
    pub zone_id: String,
    /// People inside now.
    pub occupancy: u32,
    /// Capacity.
    pub capacity: u32,
    /// Admitted entries so far.
    pub entries: u64,
    /// Admitted exits so far.
    pub exits: u64,
}

fn occupancy(o: &core::ZoneOccupancy) -> ZoneOccupancy {
    ZoneOccupancy {
        zone_id: o.zone_id.clone(),
        occupancy: o.occupancy,
        capacity: o.capacity,
        entries: o.entries,
        exits: o.exits,
    }
}

fn zone_out(z: &core::Zone) -> Zone {
    Zone {
        id: z.id.clone(),
        name: z.name.clone(),
        capacity: z.capacity,
        ticket_type_ids: z.ticket_type_ids.iter().map(|u| u.to_string()).collect(),
        perimeter: z.perimeter,
        alert_thresholds: z.alert_thresholds.clone(),
    }
}

fn scan(ticket_id: &str, zone_id: String, direction: ScanDirection, at_ms: i64) -> Result<core::Scan> {
    Ok(core::Scan {
        ticket_id: uuid("ticket_id", ticket_id)?,
        zone_id,
        direction: match direction {
            ScanDirection::In => core::Direction::In,
            ScanDirection::Out => core::Direction::Out,
        },
        at: time("at_ms", at_ms)?,
    })
}

/// The zones of a festival and who is inside them; scans decide with the tickets of a
/// [`TicketBook`] (perimeter scans check tickets in and out there).
#[derive(uniffi::Object)]
pub struct AccessControl {
    inner: Mutex<core::AccessControl>,
}

impl AccessControl {
    fn lock(&self) -> MutexGuard<'_, core::AccessControl> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl AccessControl {
    /// Sets up the zones (`ACCESS_INVALID_ZONE`, `ACCESS_DUPLICATE_ZONE`).
    #[uniffi::constructor]
    pub fn new(zones: Vec<Zone>) -> Result<Arc<Self>> {
        let zones = zones
            .into_iter()
            .map(|z| {
                Ok(core::Zone {
                    ticket_type_ids: z
                        .ticket_type_ids
                        .iter()
                        .map(|t| uuid("ticket_type_ids", t))
                        .collect::<Result<_>>()?,
                    id: z.id,
                    name: z.name,
                    capacity: z.capacity,
                    perimeter: z.perimeter,
                    alert_thresholds: z.alert_thresholds,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Arc::new(AccessControl { inner: Mutex::new(core::AccessControl::new(zones)?) }))
    }

    /// Reads a state saved with [`AccessControl::to_json`].
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        let a: core::AccessControl = serde_json::from_str(&json).map_err(|e| bad_json("json", e))?;
        Ok(Arc::new(AccessControl { inner: Mutex::new(a) }))
    }

    /// The persisted form (zones, occupancy, who is inside) as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&*self.lock()).map_err(|e| InputError::invalid("access", e.to_string()).into())
    }

    /// Sets (or replaces) a check-in policy on its zones (`ACCESS_POLICY_INVALID`).
    pub fn set_policy(&self, policy: Arc<crate::checkin::CheckinPolicy>) -> Result<()> {
        Ok(self.lock().set_policy(policy.inner.clone())?)
    }

    /// Annuls the last check-in of a ticket into a zone (turned back at a kiosk);
    /// `ACCESS_NOTHING_TO_ANNUL` if it is not inside.
    pub fn annul(&self, book: Arc<TicketBook>, ticket_id: String, zone_id: String, at_ms: i64) -> Result<ZoneOccupancy> {
        let t = uuid("ticket_id", &ticket_id)?;
        let at = time("at_ms", at_ms)?;
        let mut a = self.lock();
        let mut b = book.lock();
        Ok(occupancy(&a.annul(&mut b, t, &zone_id, at)?))
    }

    /// A zone's definition (`ACCESS_UNKNOWN_ZONE`).
    pub fn zone(&self, zone_id: String) -> Result<Zone> {
        Ok(zone_out(self.lock().zone(&zone_id)?))
    }

    /// A zone's occupancy.
    pub fn occupancy(&self, zone_id: String) -> Result<ZoneOccupancy> {
        Ok(occupancy(&self.lock().occupancy(&zone_id)?))
    }

    /// Every zone's occupancy.
    pub fn occupancies(&self) -> Vec<ZoneOccupancy> {
        self.lock().occupancies().iter().map(occupancy).collect()
    }

    /// Whether a ticket is inside a zone now.
    pub fn is_inside(&self, zone_id: String, ticket_id: String) -> Result<bool> {
        let t = uuid("ticket_id", &ticket_id)?;
        Ok(self.lock().is_inside(&zone_id, t)?)
    }

    /// The decision a scan would get, without recording it.
    pub fn decide(
        &self,
        book: Arc<TicketBook>,
        ticket_id: String,
        zone_id: String,
        direction: ScanDirection,
        at_ms: i64,
    ) -> Result<Decision> {
        let s = scan(&ticket_id, zone_id, direction, at_ms)?;
        let a = self.lock();
        let b = book.lock();
        Ok(decision(a.decide(&b, &s)?))
    }

    /// Records a scan: the decision with its reason, the occupancy after it and any capacity
    /// alerts. Unknown zone or ticket: `ACCESS_UNKNOWN_ZONE` / `ACCESS_UNKNOWN_TICKET`.
    pub fn scan(
        &self,
        book: Arc<TicketBook>,
        ticket_id: String,
        zone_id: String,
        direction: ScanDirection,
        at_ms: i64,
    ) -> Result<ScanOutcome> {
        self.scan_with(book, ticket_id, zone_id, direction, at_ms, ScanContext { gate: None, pending: false, attributes: Default::default() })
    }

    /// A scan with what the gate knows (gate, pending order, attributes) for the zone's check-in
    /// policy; the outcome has the policy's decision and the zones the entry left.
    pub fn scan_with(
        &self,
        book: Arc<TicketBook>,
        ticket_id: String,
        zone_id: String,
        direction: ScanDirection,
        at_ms: i64,
        context: ScanContext,
    ) -> Result<ScanOutcome> {
        let s = scan(&ticket_id, zone_id, direction, at_ms)?;
        let ctx = core::ScanContext {
            gate: context.gate,
            pending: context.pending,
            attributes: crate::checkin::attributes(context.attributes),
        };
        let mut a = self.lock();
        let mut b = book.lock();
        let o = a.scan_with(&mut b, &s, &ctx)?;
        Ok(ScanOutcome {
            policy: o.policy.as_ref().map(crate::checkin::policy_decision),
            left_zones: o.left_zones.clone(),
            decision: decision(o.decision),
            occupancy: o.occupancy,
            alerts: o
                .alerts
                .iter()
                .map(|al| CapacityAlert {
                    zone_id: al.zone_id.clone(),
                    threshold_percent: al.threshold_percent,
                    occupancy: al.occupancy,
                    capacity: al.capacity,
                    at_ms: al.at.unix_millis(),
                })
                .collect(),
        })
    }
}
