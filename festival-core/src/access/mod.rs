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
//! 6. the zone's check-in policy, if it has one ([`policy`]: pending orders, ticket types, gates,
//!    time windows, entry limits per list / festival day / number of days, time between entries,
//!    rules) → `unpaid`, `wrong_ticket_type`, `wrong_gate`, `outside_window`,
//!    `max_entries_reached`, `max_entries_per_day_reached`, `max_days_reached`, `too_soon`,
//!    `rules`, reported with what decided in [`ScanOutcome::policy`];
//! 7. the zone is at capacity → `zone_full`.
//!
//! A check-in can be annulled ([`AccessControl::annul`]) and an entry can leave other zones (the
//! policy's `leaves_zones`).
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

pub mod policy;

use crate::error::{Error, ErrorCode};
use policy::{AttributeValue, CheckinContext, CheckinPolicy, PolicyDecision};
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
    /// `ACCESS_POLICY_INVALID`: a check-in policy that cannot be used (see
    /// [`policy::CheckinPolicy::new`]), or one that does not fit the zones it is set on.
    #[error("invalid check-in policy '{policy_id}': {field}: {reason}")]
    PolicyInvalid {
        /// The policy.
        policy_id: String,
        /// The field at fault.
        field: String,
        /// Why.
        reason: String,
    },
    /// `ACCESS_UNKNOWN_POLICY`: no check-in policy with this id.
    #[error("unknown check-in policy '{policy_id}'")]
    UnknownPolicy {
        /// The id given.
        policy_id: String,
    },
    /// `ACCESS_RULE_UNKNOWN_OPERATOR`: a rule node uses an operator the rule language does not have.
    #[error("rule at '{path}': unknown operator '{operator}'")]
    RuleUnknownOperator {
        /// Path of the node (`/and/1`).
        path: String,
        /// The operator.
        operator: String,
    },
    /// `ACCESS_RULE_UNKNOWN_VARIABLE`: a rule reads a variable that does not exist.
    #[error("rule at '{path}': unknown variable '{variable}'")]
    RuleUnknownVariable {
        /// Path of the node.
        path: String,
        /// The variable.
        variable: String,
    },
    /// `ACCESS_RULE_ARITY`: an operator with the wrong number of arguments.
    #[error("rule at '{path}': '{operator}' takes {expected} arguments, got {got}")]
    RuleArity {
        /// Path of the node.
        path: String,
        /// The operator.
        operator: String,
        /// How many it takes.
        expected: String,
        /// How many it got.
        got: u32,
    },
    /// `ACCESS_RULE_INVALID_VALUE`: a literal the rule language has no value for (a float, `null`,
    /// a bad time, a malformed node).
    #[error("rule at '{path}': {reason}")]
    RuleInvalidValue {
        /// Path of the node.
        path: String,
        /// Why.
        reason: String,
    },
    /// `ACCESS_RULE_TOO_DEEP`: a rule nested deeper than the bound.
    #[error("rule nested deeper than {max_depth} levels")]
    RuleTooDeep {
        /// The bound.
        max_depth: u32,
    },
    /// `ACCESS_RULE_TOO_LARGE`: a rule with more nodes than the bound.
    #[error("rule has more than {max_nodes} nodes")]
    RuleTooLarge {
        /// The bound.
        max_nodes: u32,
    },
    /// `ACCESS_NOTHING_TO_ANNUL`: annulling a check-in of a ticket that is not inside the zone.
    #[error("ticket {ticket_id} is not inside zone '{zone_id}': no check-in to annul")]
    NothingToAnnul {
        /// The ticket.
        ticket_id: Uuid,
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
            AccessError::PolicyInvalid { .. } => "ACCESS_POLICY_INVALID",
            AccessError::UnknownPolicy { .. } => "ACCESS_UNKNOWN_POLICY",
            AccessError::RuleUnknownOperator { .. } => "ACCESS_RULE_UNKNOWN_OPERATOR",
            AccessError::RuleUnknownVariable { .. } => "ACCESS_RULE_UNKNOWN_VARIABLE",
            AccessError::RuleArity { .. } => "ACCESS_RULE_ARITY",
            AccessError::RuleInvalidValue { .. } => "ACCESS_RULE_INVALID_VALUE",
            AccessError::RuleTooDeep { .. } => "ACCESS_RULE_TOO_DEEP",
            AccessError::RuleTooLarge { .. } => "ACCESS_RULE_TOO_LARGE",
            AccessError::NothingToAnnul { .. } => "ACCESS_NOTHING_TO_ANNUL",
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
    /// Check-in policy: the ticket's order is not paid (pending) and the policy does not admit pending orders.
    Unpaid,
    /// Check-in policy: the ticket's type is not on the list.
    WrongTicketType,
    /// Check-in policy: the scan's gate is not one of the list's gates.
    WrongGate,
    /// Check-in policy: outside every time window of the list.
    OutsideWindow,
    /// Check-in policy: the maximum number of entries is reached.
    MaxEntriesReached,
    /// Check-in policy: the maximum number of entries on this festival day is reached.
    MaxEntriesPerDayReached,
    /// Check-in policy: the maximum number of days with an entry is reached.
    MaxDaysReached,
    /// Check-in policy: too soon after the last entry.
    TooSoon,
    /// Check-in policy: the rule language said no (the outcome names the rule node).
    Rules,
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
    /// The check-in policy's decision, when the zone has a policy and the scan reached it (the
    /// checks before it — void ticket, validity, zone, anti-passback, re-entry — did not deny).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyDecision>,
    /// Zones this entry left (the policy's `leaves_zones` the ticket was inside).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_zones: Vec<String>,
}

/// What a gate knows about a scan besides ticket, zone, direction and time: the gate id, whether
/// the ticket's order is pending, and ticket attributes for the policy's rules.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanContext {
    /// The gate (lane, device) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<String>,
    /// Whether the ticket's order is pending (not paid yet).
    #[serde(default)]
    pub pending: bool,
    /// Ticket attributes for the rules.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, AttributeValue>,
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
    /// The ticket leaves the zone (an admitted exit); alerts below the new occupancy re-arm.
    fn leave(&mut self, ticket_id: Uuid) {
        if let Some(p) = self.presence.get_mut(&ticket_id) {
            p.inside = false;
        }
        self.occupancy = self.occupancy.saturating_sub(1);
        self.exits = self.exits.saturating_add(1);
        let fired = std::mem::take(&mut self.fired);
        self.fired = fired.into_iter().filter(|t| self.reached(*t)).collect();
    }

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
    /// Check-in policies by id (absent from the JSON when there are none).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    policies: BTreeMap<String, CheckinPolicy>,
    /// Admitted, not annulled entries per policy and ticket, ascending.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    entries: BTreeMap<String, BTreeMap<Uuid, Vec<Timestamp>>>,
}

/// The serde mirror of [`AccessControl`] (same fields, same JSON), checked by `TryFrom`.
#[derive(Deserialize)]
struct AccessControlRepr {
    zones: BTreeMap<String, ZoneState>,
    #[serde(default)]
    policies: BTreeMap<String, CheckinPolicy>,
    #[serde(default)]
    entries: BTreeMap<String, BTreeMap<Uuid, Vec<Timestamp>>>,
}

impl TryFrom<AccessControlRepr> for AccessControl {
    type Error = AccessError;

    fn try_from(r: AccessControlRepr) -> Result<AccessControl, AccessError> {
        let ac = AccessControl { zones: r.zones, policies: r.policies, entries: r.entries };
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
        Ok(AccessControl { zones: out, policies: BTreeMap::new(), entries: BTreeMap::new() })
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
        let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
        for (key, p) in &self.policies {
            if key != p.id() {
                return Err(AccessError::StateInvalid { reason: format!("policy '{key}' filed under another id") });
            }
            self.check_policy_fits(p, &owner)?;
            for z in p.zones() {
                owner.insert(z, p.id());
            }
        }
        if let Some(k) = self.entries.keys().find(|k| !self.policies.contains_key(*k)) {
            return Err(AccessError::StateInvalid { reason: format!("entries of unknown policy '{k}'") });
        }
        Ok(())
    }

    /// The zones of `p` and its `leaves_zones` exist, leaves no perimeter zone, and no zone of it
    /// has a policy in `owner` other than `p` itself.
    fn check_policy_fits(&self, p: &CheckinPolicy, owner: &BTreeMap<&str, &str>) -> Result<(), AccessError> {
        let bad = |field: &str, reason: String| AccessError::PolicyInvalid {
            policy_id: p.id().into(),
            field: field.into(),
            reason,
        };
        for z in p.zones() {
            if !self.zones.contains_key(z) {
                return Err(bad("zones", format!("unknown zone '{z}'")));
            }
            if let Some(other) = owner.get(z.as_str()).filter(|o| **o != p.id()) {
                return Err(bad("zones", format!("zone '{z}' has policy '{other}' already")));
            }
        }
        for z in p.leaves_zones() {
            match self.zones.get(z) {
                None => return Err(bad("leaves_zones", format!("unknown zone '{z}'"))),
                Some(s) if s.zone.perimeter => {
                    return Err(bad("leaves_zones", format!("'{z}' is a perimeter zone: leaving it checks the ticket out")))
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Sets (or replaces, keeping its entry counts) check-in policy `policy` on its zones.
    /// Errors (`ACCESS_POLICY_INVALID`): a zone of it is unknown or has another policy, a zone it
    /// leaves is unknown or a perimeter zone.
    pub fn set_policy(&mut self, policy: CheckinPolicy) -> Result<(), AccessError> {
        let owner: BTreeMap<&str, &str> = self
            .policies
            .values()
            .filter(|p| p.id() != policy.id())
            .flat_map(|p| p.zones().iter().map(move |z| (z.as_str(), p.id())))
            .collect();
        self.check_policy_fits(&policy, &owner)?;
        self.policies.insert(policy.id().to_string(), policy);
        Ok(())
    }

    /// Removes a policy and its entry counts. Errors with `ACCESS_UNKNOWN_POLICY`.
    pub fn remove_policy(&mut self, policy_id: &str) -> Result<CheckinPolicy, AccessError> {
        self.entries.remove(policy_id);
        self.policies
            .remove(policy_id)
            .ok_or_else(|| AccessError::UnknownPolicy { policy_id: policy_id.chars().take(128).collect() })
    }

    /// The policies, by id.
    pub fn policies(&self) -> impl Iterator<Item = &CheckinPolicy> + '_ {
        self.policies.values()
    }

    /// The policy of a zone, if it has one.
    pub fn policy_for_zone(&self, zone_id: &str) -> Option<&CheckinPolicy> {
        self.policies.values().find(|p| p.zones().iter().any(|z| z == zone_id))
    }

    /// A ticket's admitted, not annulled entries on a policy (ascending).
    pub fn entries_on(&self, policy_id: &str, ticket_id: Uuid) -> &[Timestamp] {
        self.entries.get(policy_id).and_then(|m| m.get(&ticket_id)).map_or(&[], Vec::as_slice)
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

    /// The decision for `scan` without changing anything (no gate, a paid order, no attributes).
    pub fn decide(&self, book: &TicketBook, scan: &Scan) -> Result<Decision, Error> {
        Ok(self.decide_with(book, scan, &ScanContext::default())?.0)
    }

    /// The decision for `scan` with what the gate knows (`ctx`), and the policy's decision when
    /// the zone has a policy and the scan reached it (see [`ScanOutcome::policy`]).
    pub fn decide_with(
        &self,
        book: &TicketBook,
        scan: &Scan,
        ctx: &ScanContext,
    ) -> Result<(Decision, Option<PolicyDecision>), Error> {
        let d = self.decide_base(book, scan)?;
        if d != Decision::Admit {
            return Ok((d, None));
        }
        let Some(policy) = self.policy_for_zone(&scan.zone_id) else { return Ok((d, None)) };
        let ticket = book.ticket(scan.ticket_id).map_err(|_| AccessError::UnknownTicket { ticket_id: scan.ticket_id })?;
        let pd = policy.evaluate(&CheckinContext {
            ticket_type_id: ticket.ticket_type_id,
            zone_id: scan.zone_id.clone(),
            gate: ctx.gate.clone(),
            direction: scan.direction,
            at: scan.at,
            pending: ctx.pending,
            attributes: ctx.attributes.clone(),
            history: self.entries_on(policy.id(), scan.ticket_id).to_vec(),
        });
        if pd.decision != Decision::Admit {
            return Ok((pd.decision, Some(pd)));
        }
        let z = self.zone_state(&scan.zone_id)?;
        if scan.direction == Direction::In && z.occupancy >= z.zone.capacity {
            return Ok((Decision::Deny { reason: DenyReason::ZoneFull }, Some(pd)));
        }
        Ok((Decision::Admit, Some(pd)))
    }

    /// Every check but the policy (its place is before the capacity check).
    fn decide_base(&self, book: &TicketBook, scan: &Scan) -> Result<Decision, Error> {
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
        if self.policy_for_zone(&z.zone.id).is_some() {
            // The policy decides next; `decide_with` checks the capacity after it.
            return Ok(Decision::Admit);
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
        self.scan_with(book, scan, &ScanContext::default())
    }

    /// [`AccessControl::scan`] with what the gate knows (`ctx`: gate, pending order, attributes)
    /// for the zone's check-in policy. An admitted entry counts on the policy and leaves the
    /// policy's `leaves_zones` the ticket is inside (their occupancy falls, reported in
    /// `left_zones`).
    ///
    /// ```
    /// use festival_core::access::policy::CheckinPolicy;
    /// use festival_core::access::{AccessControl, Decision, DenyReason, Direction, Scan, ScanContext, Zone};
    /// use festival_core::ticketing::{NewTicket, TicketBook, TicketType};
    /// use festival_core::{Currency, Money, Timestamp};
    /// use uuid::Uuid;
    /// let t = |s: &str| s.parse::<Timestamp>().unwrap();
    /// let mut book = TicketBook::new();
    /// book.add_type(TicketType {
    ///     id: Uuid::from_u128(1), name: "Weekend".into(), price: Money::parse("150", Currency::iso("EUR")?)?,
    ///     capacity: 100, sale_from: t("2026-01-01T00:00:00Z"), sale_until: t("2026-07-03T00:00:00Z"),
    ///     valid_from: t("2026-07-03T00:00:00Z"), valid_until: t("2026-07-06T12:00:00Z"),
    ///     max_per_order: 4, zones: vec!["stage".into()], reentry_allowed: true, transfer_limit: 0,
    /// })?;
    /// book.issue(Uuid::from_u128(1), NewTicket { id: Uuid::from_u128(7), number: "W1".into(), holder: "Ada".into() },
    ///            None, t("2026-05-01T00:00:00Z"))?;
    /// let zone = Zone { id: "stage".into(), name: "Stage front".into(), capacity: 500, ticket_type_ids: vec![],
    ///                   perimeter: false, alert_thresholds: vec![] };
    /// let mut gates = AccessControl::new(vec![zone])?;
    /// gates.set_policy(CheckinPolicy::from_json(r#"{"id": "stage", "version": 1, "zones": ["stage"],
    ///     "min_minutes_between_entries": 10}"#)?)?;
    /// let scan = |dir, at: &str| Scan { ticket_id: Uuid::from_u128(7), zone_id: "stage".into(), direction: dir, at: t(at) };
    /// let ctx = ScanContext::default();
    /// assert_eq!(gates.scan_with(&mut book, &scan(Direction::In, "2026-07-04T20:00:00Z"), &ctx)?.decision, Decision::Admit);
    /// gates.scan_with(&mut book, &scan(Direction::Out, "2026-07-04T20:02:00Z"), &ctx)?;
    /// let again = gates.scan_with(&mut book, &scan(Direction::In, "2026-07-04T20:05:00Z"), &ctx)?;
    /// assert_eq!(again.decision, Decision::Deny { reason: DenyReason::TooSoon });
    /// assert_eq!(again.policy.unwrap().policy_version, 1);
    /// # Ok::<(), festival_core::Error>(())
    /// ```
    pub fn scan_with(&mut self, book: &mut TicketBook, scan: &Scan, ctx: &ScanContext) -> Result<ScanOutcome, Error> {
        let (decision, policy) = self.decide_with(book, scan, ctx)?;
        let mut left_zones = Vec::new();
        if decision == Decision::Admit && scan.direction == Direction::In {
            if let Some(p) = self.policy_for_zone(&scan.zone_id) {
                let (pid, leaves) = (p.id().to_string(), p.leaves_zones().to_vec());
                let list = self.entries.entry(pid).or_default().entry(scan.ticket_id).or_default();
                let at = list.partition_point(|t| *t <= scan.at);
                list.insert(at, scan.at);
                for zid in leaves {
                    if let Some(other) = self.zones.get_mut(&zid) {
                        if other.presence.get(&scan.ticket_id).is_some_and(|p| p.inside) {
                            other.leave(scan.ticket_id);
                            left_zones.push(zid);
                        }
                    }
                }
            }
        }
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
                Direction::Out => z.leave(scan.ticket_id),
            }
        }
        Ok(ScanOutcome { decision, occupancy: z.occupancy, alerts, policy, left_zones })
    }

    /// Annuls the last admitted entry of a ticket into a zone (the person was turned back at a
    /// kiosk, pretix's "annul"): the ticket is no longer inside, the zone's occupancy and entry
    /// count fall, the entry no longer counts on the zone's policy and, at a perimeter zone, the
    /// ticket's check-in is undone (a first check-in makes it valid and unused again). Errors:
    /// unknown zone or ticket, a ticket that is not inside the zone (`ACCESS_NOTHING_TO_ANNUL`).
    pub fn annul(&mut self, book: &mut TicketBook, ticket_id: Uuid, zone_id: &str, at: Timestamp) -> Result<ZoneOccupancy, Error> {
        book.ticket(ticket_id).map_err(|_| AccessError::UnknownTicket { ticket_id })?;
        let policy_id = self.policy_for_zone(zone_id).map(|p| p.id().to_string());
        let z = self
            .zones
            .get_mut(zone_id)
            .ok_or_else(|| AccessError::UnknownZone { zone_id: zone_id.chars().take(128).collect() })?;
        let presence = z.presence.get(&ticket_id).copied().unwrap_or_default();
        if !presence.inside {
            return Err(AccessError::NothingToAnnul { ticket_id, zone_id: z.zone.id.clone() }.into());
        }
        if z.zone.perimeter {
            book.annul_check_in(ticket_id, presence.entries <= 1, at)?;
        }
        if let Some(p) = z.presence.get_mut(&ticket_id) {
            p.inside = false;
            p.entries = p.entries.saturating_sub(1);
        }
        z.occupancy = z.occupancy.saturating_sub(1);
        z.entries = z.entries.saturating_sub(1);
        let fired = std::mem::take(&mut z.fired);
        z.fired = fired.into_iter().filter(|t| z.reached(*t)).collect();
        if let Some(pid) = policy_id {
            if let Some(list) = self.entries.get_mut(&pid).and_then(|m| m.get_mut(&ticket_id)) {
                list.pop();
            }
        }
        self.occupancy(zone_id).map_err(Error::from)
    }
}

#[cfg(test)]
mod tests;
