//! Check-in policies: which entries a check-in list (a gate group) admits, decided by one
//! evaluator that the gate (offline), the server and the reconciliation of offline scans share.
//!
//! A [`CheckinPolicy`] is what a pretix check-in list is, plus the limits alf.io and Hi.Events
//! have: the ticket types and zones it admits, the gates it is scanned at, time windows, maximum
//! entries in total, per festival day and number of distinct days, a minimum time between entries,
//! whether tickets of pending (unpaid) orders are admitted, the zones an entry leaves, and a
//! bounded rule language for the rest. It serializes (serde) and carries a `version` the gates
//! report with every scan.
//!
//! # Evaluation order
//!
//! [`CheckinPolicy::evaluate`] is total (never panics, never errors) and deterministic: a
//! [`PolicyDecision`] whose [`DecidedBy`] names the check that decided it. Exits are always
//! admitted (`exit`). For an entry, in order:
//!
//! 1. `pending`: the ticket's order is not paid and `admit_pending` is off → `unpaid`;
//! 2. `ticket_types`: the type is not listed (when a list is given) → `wrong_ticket_type`;
//! 3. `zones`: the zone is not one of the policy's → `wrong_zone`;
//! 4. `gates`: gates are listed and the scan's gate is not one of them → `wrong_gate`;
//! 5. `windows`: windows are listed and the time is in none (`from <= at < until`) → `outside_window`;
//! 6. `max_entries`: entries so far on this policy `>= max_entries` → `max_entries_reached`;
//! 7. `max_entries_per_day`: entries on the scan's festival day `>=` the limit → `max_entries_per_day_reached`;
//! 8. `max_days`: the scan's day is a new day and the days with an entry `>=` the limit → `max_days_reached`;
//! 9. `min_minutes_between_entries`: less than that since the last entry → `too_soon`;
//! 10. `rules`: the rule is false → `rules`, with the rule node that decided it;
//!
//! and otherwise it admits (`passed`). Days are festival days of the policy's `calendar` (UTC
//! days by default).
//!
//! # The rule language
//!
//! JsonLogic as pretix writes it, without loops: `{"operator": [arguments]}` or a literal
//! (`true`, integers, strings, arrays of literals; floats and `null` are refused). Operators:
//! `and`, `or` (one or more arguments), `!`, `!!`, `==`, `!=` (`===`, `!==` are the same), `<`,
//! `<=` (2 or 3 arguments: `a < b < c`), `>`, `>=`, `inList` (value, list), `isBefore`,
//! `isAfter` (time, time, optional tolerance in minutes, as pretix: `isAfter(a, b, tol)` is
//! `b < a + tol`), `buildTime` (`["custom", "<RFC 3339>"]` or `["customtime", "HH:MM"]` on the
//! scan's festival day: a time before the day cutoff is the night after; `["date_from"]`,
//! `["date_to"]`, `["date_admission"]`: the policy's [`EventDates`], as pretix's event dates —
//! `date_to` and `date_admission` fall back to `date_from`; a rule that uses them needs the
//! policy's `event`), `objectList` and `lookup` (`["product", "<ticket type id>", "<label>"]` is
//! the id: pretix's product lists), and pretix's counters since or before a time:
//! `{"entries_since": [time]}` (entries at or after it), `{"entries_before": [time]}` (entries
//! before it), `{"entries_days_since": [time]}` and `{"entries_days_before": [time]}` (festival
//! days with such an entry), e.g. `{"<=": [{"entries_days_since": [{"buildTime": ["date_admission"]}]}, 1]}`
//! (as pretix and libpretixsync count them; our days are festival days of the `calendar`).
//! Variables (`{"var": name}`): `entries_number`, `entries_today`, `entries_days`,
//! `minutes_since_last_entry`, `minutes_since_first_entry` (-1 without an entry, whole minutes,
//! as pretix), `now`, `now_isoweekday` (ISO weekday of the festival day, Monday 1), `product`
//! (the ticket type id), `gate`, `zone`, `pending`, and `attributes.<name>` (a ticket attribute;
//! missing ones are `null`). Comparisons of different types are false; truthiness as JsonLogic.
//!
//! Rules are checked when the policy is built or read: at most [`MAX_RULE_NODES`] nodes and
//! [`MAX_RULE_DEPTH`] levels (`ACCESS_RULE_TOO_LARGE`, `ACCESS_RULE_TOO_DEEP`), known operators
//! with the right number of arguments (`ACCESS_RULE_UNKNOWN_OPERATOR`, `ACCESS_RULE_ARITY`), known
//! variables (`ACCESS_RULE_UNKNOWN_VARIABLE`), and valid literals (`ACCESS_RULE_INVALID_VALUE`);
//! each error names the node's `path` (`/and/1/</0`). A denial by the rule names the deciding node:
//! the first false argument of an `and`, the first argument of an `or` that is false everywhere,
//! otherwise the node itself, with its operator and variable.
//!
//! ```
//! use festival_core::access::policy::{CheckinContext, CheckinPolicy, PolicyCheck};
//! use festival_core::access::{Decision, DenyReason, Direction};
//! use festival_core::Timestamp;
//! use uuid::Uuid;
//! let t = |s: &str| s.parse::<Timestamp>().unwrap();
//! let policy = CheckinPolicy::from_json(r#"{
//!     "id": "arena", "version": 3, "zones": ["main"], "max_entries_per_day": 1,
//!     "calendar": {"time_zone": "Europe/Berlin", "day_starts_at": "06:00"},
//!     "rules": {"and": [{"<": [{"var": "entries_days"}, 3]}, {"inList": [{"var": "now_isoweekday"}, [5, 6, 7]]}]}
//! }"#)?;
//! let mut ctx = CheckinContext::entry(Uuid::from_u128(1), "main", t("2026-07-04T20:00:00+02:00"));
//! assert_eq!(policy.evaluate(&ctx).decision, Decision::Admit);
//! // Entered at 20:00; at 05:59 the next morning it is still the same festival day.
//! ctx.history = vec![t("2026-07-04T20:00:00+02:00")];
//! ctx.at = t("2026-07-05T05:59:00+02:00");
//! let d = policy.evaluate(&ctx);
//! assert_eq!(d.decision, Decision::Deny { reason: DenyReason::MaxEntriesPerDayReached });
//! assert_eq!(d.decided_by.check, PolicyCheck::MaxEntriesPerDay);
//! ctx.at = t("2026-07-05T06:01:00+02:00");
//! assert_eq!(policy.evaluate(&ctx).decision, Decision::Admit);
//! // Monday is not in the rule's weekdays: the rule node that decided is named.
//! ctx.at = t("2026-07-06T12:00:00+02:00");
//! let d = policy.evaluate(&ctx);
//! assert_eq!(d.decision, Decision::Deny { reason: DenyReason::Rules });
//! assert_eq!(d.decided_by.rule_path.as_deref(), Some("/and/1"));
//! assert_eq!(d.decided_by.rule_variable.as_deref(), Some("now_isoweekday"));
//! # let _ = Direction::In;
//! # Ok::<(), festival_core::Error>(())
//! ```

use super::{AccessError, Decision, DenyReason, Direction};
use crate::calendar::{parse_local_time, FestivalCalendar};
use crate::error::Error;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Most nodes (operators, variables, literals, list items) in one rule.
pub const MAX_RULE_NODES: usize = 256;
/// Deepest nesting of one rule (the root is level 1).
pub const MAX_RULE_DEPTH: usize = 16;
/// Longest string literal in a rule, attribute name or id.
const MAX_TEXT: usize = 128;
/// Largest policy version (JS-safe integer).
const MAX_VERSION: u64 = (1 << 53) - 1;

/// A ticket attribute a rule can read (`attributes.<name>`): no floats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttributeValue {
    /// true / false.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
}

/// The event dates a policy's rules can read with `buildTime` (`date_from`, `date_to`,
/// `date_admission`), as pretix has them on an event (or a date of an event series). One set per
/// policy: a check-in list belongs to one event; a festival whose days each have their own doors
/// uses one policy per day or `customtime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventDates {
    /// When the event starts.
    pub date_from: Timestamp,
    /// When it ends (`date_to` falls back to `date_from` without it, as in pretix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_to: Option<Timestamp>,
    /// When admission opens (`date_admission` falls back to `date_from` without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_admission: Option<Timestamp>,
}

/// A half-open time window `from <= at < until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeWindow {
    /// Opens (inclusive).
    pub from: Timestamp,
    /// Closes (exclusive).
    pub until: Timestamp,
}

/// Which check of a policy decided (see the module documentation for the order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyCheck {
    /// An exit: always admitted.
    Exit,
    /// Pending (unpaid) orders are not admitted.
    Pending,
    /// The ticket type is not admitted.
    TicketTypes,
    /// The zone is not the policy's.
    Zones,
    /// The gate is not the policy's.
    Gates,
    /// Outside every time window.
    Windows,
    /// Maximum entries in total.
    MaxEntries,
    /// Maximum entries per festival day.
    MaxEntriesPerDay,
    /// Maximum number of days with an entry.
    MaxDays,
    /// Minimum time between entries.
    MinMinutesBetweenEntries,
    /// The rule language.
    Rules,
    /// Every check passed: admitted.
    Passed,
}

/// What decided a policy decision: the check, and for `rules` the rule node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecidedBy {
    /// The check.
    pub check: PolicyCheck,
    /// For a denial by the rules: the deciding node's path (`/and/1`; `""` is the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_path: Option<String>,
    /// Its operator (`<`, `inList`, `isAfter`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_operator: Option<String>,
    /// The variable it tests, if its first argument is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_variable: Option<String>,
}

impl DecidedBy {
    fn check(check: PolicyCheck) -> DecidedBy {
        DecidedBy { check, rule_path: None, rule_operator: None, rule_variable: None }
    }
}

/// The decision of a policy for one scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDecision {
    /// Admit or deny (with the reason).
    #[serde(flatten)]
    pub decision: Decision,
    /// The policy.
    pub policy_id: String,
    /// Its version.
    pub policy_version: u64,
    /// What decided.
    pub decided_by: DecidedBy,
}

/// Everything the evaluator reads about one scan: the ticket, the place, the time and the
/// ticket's admitted entries on this policy so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckinContext {
    /// The ticket's type.
    pub ticket_type_id: Uuid,
    /// The zone of the gate.
    pub zone_id: String,
    /// The gate (device or lane id), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<String>,
    /// Entry or exit.
    #[serde(default = "entry")]
    pub direction: Direction,
    /// When.
    pub at: Timestamp,
    /// Whether the ticket's order is pending (not paid yet).
    #[serde(default)]
    pub pending: bool,
    /// Ticket attributes for the rules.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, AttributeValue>,
    /// Admitted (not annulled) entries of the ticket on this policy, any order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Timestamp>,
}

fn entry() -> Direction {
    Direction::In
}

impl CheckinContext {
    /// An entry of a ticket of type `ticket_type_id` into `zone_id` at `at`, with no gate, no
    /// attributes, a paid order and no earlier entries.
    pub fn entry(ticket_type_id: Uuid, zone_id: &str, at: Timestamp) -> CheckinContext {
        CheckinContext {
            ticket_type_id,
            zone_id: zone_id.into(),
            gate: None,
            direction: Direction::In,
            at,
            pending: false,
            attributes: BTreeMap::new(),
            history: Vec::new(),
        }
    }
}

/// A check-in list: the rules for entering a group of zones (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PolicyRepr", into = "PolicyRepr")]
pub struct CheckinPolicy {
    repr: PolicyRepr,
    rule: Option<Node>,
}

/// The serde form of a policy (checked by [`CheckinPolicy::new`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRepr {
    /// Stable id of the check-in list, 1..=128 characters.
    pub id: String,
    /// The policy version (0..=2^53-1), reported by gates with every scan.
    pub version: u64,
    /// Zones whose gates use this policy (at least one; a zone belongs to one policy).
    pub zones: Vec<String>,
    /// Ticket types admitted (`None`: every type the zone admits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_type_ids: Option<Vec<Uuid>>,
    /// Gates this list is scanned at (empty: every gate).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<String>,
    /// Time windows in which entries are admitted (empty: always).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<TimeWindow>,
    /// Most entries in total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_entries: Option<u32>,
    /// Most entries per festival day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_entries_per_day: Option<u32>,
    /// Most distinct festival days with an entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_days: Option<u32>,
    /// Minimum minutes between two entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_minutes_between_entries: Option<u32>,
    /// Whether tickets of pending (unpaid) orders are admitted (pretix's "include pending").
    #[serde(default)]
    pub admit_pending: bool,
    /// Zones an admitted entry leaves (entering the stage front leaves the arena), not perimeter zones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leaves_zones: Vec<String>,
    /// The calendar of festival days for the per-day limits and the rules.
    #[serde(default, skip_serializing_if = "FestivalCalendar::is_utc")]
    pub calendar: FestivalCalendar,
    /// The event's dates for the rules' `buildTime` `date_from` / `date_to` / `date_admission`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<EventDates>,
    /// The rule (JsonLogic, see the module documentation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Value>,
}

impl TryFrom<PolicyRepr> for CheckinPolicy {
    type Error = AccessError;
    fn try_from(r: PolicyRepr) -> Result<Self, AccessError> {
        CheckinPolicy::new(r)
    }
}

impl From<CheckinPolicy> for PolicyRepr {
    fn from(p: CheckinPolicy) -> PolicyRepr {
        p.repr
    }
}

fn bad_policy(id: &str, field: &str, reason: impl Into<String>) -> AccessError {
    AccessError::PolicyInvalid { policy_id: id.chars().take(MAX_TEXT).collect(), field: field.into(), reason: reason.into() }
}

fn check_id(policy: &str, field: &str, text: &str) -> Result<(), AccessError> {
    if text.trim().is_empty() || text.chars().count() > MAX_TEXT || text.chars().any(char::is_control) {
        return Err(bad_policy(policy, field, "ids must be 1..=128 characters without control characters"));
    }
    Ok(())
}

impl CheckinPolicy {
    /// Checks and compiles a policy. Errors: `ACCESS_POLICY_INVALID` (bad id, no zones, a zone,
    /// gate or type listed twice, an empty window, a version above 2^53-1, a zero limit) and the
    /// rule errors of the module documentation.
    pub fn new(repr: PolicyRepr) -> Result<CheckinPolicy, AccessError> {
        let id = repr.id.clone();
        check_id(&id, "id", &id)?;
        if repr.version > MAX_VERSION {
            return Err(bad_policy(&id, "version", "must be at most 2^53-1"));
        }
        if repr.zones.is_empty() {
            return Err(bad_policy(&id, "zones", "a policy applies to at least one zone"));
        }
        for (field, list) in [("zones", &repr.zones), ("gates", &repr.gates), ("leaves_zones", &repr.leaves_zones)] {
            let mut seen = BTreeSet::new();
            for z in list {
                check_id(&id, field, z)?;
                if !seen.insert(z) {
                    return Err(bad_policy(&id, field, format!("'{z}' is listed twice")));
                }
            }
        }
        if let Some(z) = repr.leaves_zones.iter().find(|z| repr.zones.contains(z)) {
            return Err(bad_policy(&id, "leaves_zones", format!("'{z}' is one of the policy's own zones")));
        }
        if let Some(types) = &repr.ticket_type_ids {
            if types.iter().collect::<BTreeSet<_>>().len() != types.len() {
                return Err(bad_policy(&id, "ticket_type_ids", "a ticket type is listed twice"));
            }
        }
        if let Some(e) = &repr.event {
            if e.date_to.is_some_and(|to| to < e.date_from) {
                return Err(bad_policy(&id, "event", "date_to must not be before date_from"));
            }
        }
        if repr.windows.iter().any(|w| w.from >= w.until) {
            return Err(bad_policy(&id, "windows", "a window must end after it starts"));
        }
        for (field, v) in [
            ("max_entries", repr.max_entries),
            ("max_entries_per_day", repr.max_entries_per_day),
            ("max_days", repr.max_days),
        ] {
            if v == Some(0) {
                return Err(bad_policy(&id, field, "must be at least 1 (leave it out for no limit)"));
            }
        }
        let rule = match &repr.rules {
            None => None,
            Some(v) => Some(compile(v, repr.event.as_ref())?),
        };
        Ok(CheckinPolicy { repr, rule })
    }

    /// Reads a policy from its JSON (`INPUT_INVALID` for malformed JSON, otherwise the errors of
    /// [`CheckinPolicy::new`]).
    pub fn from_json(text: &str) -> Result<CheckinPolicy, Error> {
        let repr: PolicyRepr =
            serde_json::from_str(text).map_err(|e| crate::InputError::invalid("policy", e.to_string()))?;
        Ok(CheckinPolicy::new(repr)?)
    }

    /// The policy's JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.repr).unwrap_or_default()
    }

    /// The definition.
    pub fn definition(&self) -> &PolicyRepr {
        &self.repr
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.repr.id
    }

    /// The version.
    pub fn version(&self) -> u64 {
        self.repr.version
    }

    /// The zones it applies to.
    pub fn zones(&self) -> &[String] {
        &self.repr.zones
    }

    /// Zones an admitted entry leaves.
    pub fn leaves_zones(&self) -> &[String] {
        &self.repr.leaves_zones
    }

    /// The calendar of its festival days.
    pub fn calendar(&self) -> &FestivalCalendar {
        &self.repr.calendar
    }

    fn decided(&self, decision: Decision, by: DecidedBy) -> PolicyDecision {
        PolicyDecision { decision, policy_id: self.repr.id.clone(), policy_version: self.repr.version, decided_by: by }
    }

    fn deny(&self, reason: DenyReason, check: PolicyCheck) -> PolicyDecision {
        self.decided(Decision::Deny { reason }, DecidedBy::check(check))
    }

    /// Decides one scan (see the module documentation). Total and deterministic.
    pub fn evaluate(&self, ctx: &CheckinContext) -> PolicyDecision {
        let p = &self.repr;
        if ctx.direction == Direction::Out {
            return self.decided(Decision::Admit, DecidedBy::check(PolicyCheck::Exit));
        }
        if ctx.pending && !p.admit_pending {
            return self.deny(DenyReason::Unpaid, PolicyCheck::Pending);
        }
        if p.ticket_type_ids.as_ref().is_some_and(|t| !t.contains(&ctx.ticket_type_id)) {
            return self.deny(DenyReason::WrongTicketType, PolicyCheck::TicketTypes);
        }
        if !p.zones.contains(&ctx.zone_id) {
            return self.deny(DenyReason::WrongZone, PolicyCheck::Zones);
        }
        if !p.gates.is_empty() && !ctx.gate.as_ref().is_some_and(|g| p.gates.contains(g)) {
            return self.deny(DenyReason::WrongGate, PolicyCheck::Gates);
        }
        if !p.windows.is_empty() && !p.windows.iter().any(|w| w.from <= ctx.at && ctx.at < w.until) {
            return self.deny(DenyReason::OutsideWindow, PolicyCheck::Windows);
        }
        let counters = Counters::of(ctx, &p.calendar);
        if p.max_entries.is_some_and(|m| counters.entries >= i64::from(m)) {
            return self.deny(DenyReason::MaxEntriesReached, PolicyCheck::MaxEntries);
        }
        if p.max_entries_per_day.is_some_and(|m| counters.today >= i64::from(m)) {
            return self.deny(DenyReason::MaxEntriesPerDayReached, PolicyCheck::MaxEntriesPerDay);
        }
        if p.max_days.is_some_and(|m| counters.today == 0 && counters.days >= i64::from(m)) {
            return self.deny(DenyReason::MaxDaysReached, PolicyCheck::MaxDays);
        }
        if let (Some(min), Some(last)) = (p.min_minutes_between_entries, counters.last) {
            if ctx.at.millis_since(last) < i64::from(min) * 60_000 {
                return self.deny(DenyReason::TooSoon, PolicyCheck::MinMinutesBetweenEntries);
            }
        }
        if let Some(rule) = &self.rule {
            let env = Env { ctx, cal: &p.calendar, c: &counters };
            if !eval(rule, &env).truthy() {
                let node = explain(rule, &env);
                return self.decided(
                    Decision::Deny { reason: DenyReason::Rules },
                    DecidedBy {
                        check: PolicyCheck::Rules,
                        rule_path: Some(node.path.clone()),
                        rule_operator: Some(node.op_name().to_string()),
                        rule_variable: node.first_var().map(str::to_string),
                    },
                );
            }
        }
        self.decided(Decision::Admit, DecidedBy::check(PolicyCheck::Passed))
    }
}

/// The entry counters of one scan (pretix's rule variables).
struct Counters {
    entries: i64,
    today: i64,
    days: i64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
}

impl Counters {
    fn of(ctx: &CheckinContext, cal: &FestivalCalendar) -> Counters {
        let today = cal.day_number(ctx.at);
        let mut days = BTreeSet::new();
        let mut n_today = 0;
        for t in &ctx.history {
            let d = cal.day_number(*t);
            days.insert(d);
            if d == today {
                n_today += 1;
            }
        }
        Counters {
            entries: ctx.history.len() as i64,
            today: n_today,
            days: days.len() as i64,
            first: ctx.history.iter().min().copied(),
            last: ctx.history.iter().max().copied(),
        }
    }

    fn minutes_since(at: Timestamp, t: Option<Timestamp>) -> i64 {
        t.map_or(-1, |t| at.millis_since(t).div_euclid(60_000))
    }
}

// ---------------------------------------------------------------------------------------------
// The rule language.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Time(Timestamp),
    List(Vec<Val>),
}

impl Val {
    fn truthy(&self) -> bool {
        match self {
            Val::Null => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Str(s) => !s.is_empty(),
            Val::Time(_) => true,
            Val::List(l) => !l.is_empty(),
        }
    }

    fn cmp(&self, other: &Val) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Val::Int(a), Val::Int(b)) => Some(a.cmp(b)),
            (Val::Str(a), Val::Str(b)) => Some(a.cmp(b)),
            (Val::Time(a), Val::Time(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Var {
    EntriesNumber,
    EntriesToday,
    EntriesDays,
    MinutesSinceLastEntry,
    MinutesSinceFirstEntry,
    Now,
    NowIsoweekday,
    Product,
    Gate,
    Zone,
    Pending,
}

const VARS: &[(&str, Var)] = &[
    ("entries_number", Var::EntriesNumber),
    ("entries_today", Var::EntriesToday),
    ("entries_days", Var::EntriesDays),
    ("minutes_since_last_entry", Var::MinutesSinceLastEntry),
    ("minutes_since_first_entry", Var::MinutesSinceFirstEntry),
    ("now", Var::Now),
    ("now_isoweekday", Var::NowIsoweekday),
    ("product", Var::Product),
    ("gate", Var::Gate),
    ("zone", Var::Zone),
    ("pending", Var::Pending),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    And,
    Or,
    Not,
    NotNot,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    InList,
    IsBefore,
    IsAfter,
    ObjectList,
    EntriesSince,
    EntriesBefore,
    EntriesDaysSince,
    EntriesDaysBefore,
}

/// name, op, min args, max args
const OPS: &[(&str, Op, usize, usize)] = &[
    ("and", Op::And, 1, MAX_RULE_NODES),
    ("or", Op::Or, 1, MAX_RULE_NODES),
    ("!", Op::Not, 1, 1),
    ("!!", Op::NotNot, 1, 1),
    ("==", Op::Eq, 2, 2),
    ("===", Op::Eq, 2, 2),
    ("!=", Op::Ne, 2, 2),
    ("!==", Op::Ne, 2, 2),
    ("<", Op::Lt, 2, 3),
    ("<=", Op::Le, 2, 3),
    (">", Op::Gt, 2, 2),
    (">=", Op::Ge, 2, 2),
    ("inList", Op::InList, 2, 2),
    ("isBefore", Op::IsBefore, 2, 3),
    ("isAfter", Op::IsAfter, 2, 3),
    ("objectList", Op::ObjectList, 0, MAX_RULE_NODES),
    ("entries_since", Op::EntriesSince, 1, 1),
    ("entries_before", Op::EntriesBefore, 1, 1),
    ("entries_days_since", Op::EntriesDaysSince, 1, 1),
    ("entries_days_before", Op::EntriesDaysBefore, 1, 1),
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Lit(Val),
    Var(Var, &'static str),
    Attr(String),
    /// `buildTime` with a `customtime` (minutes after local midnight on the scan's festival day).
    TimeOfDay(u16),
    Op(Op, &'static str, Vec<Node>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    path: String,
    kind: Kind,
}

impl Node {
    fn op_name(&self) -> &str {
        match &self.kind {
            Kind::Op(_, name, _) => name,
            Kind::Var(..) | Kind::Attr(_) => "var",
            Kind::TimeOfDay(_) => "buildTime",
            Kind::Lit(_) => "literal",
        }
    }

    fn first_var(&self) -> Option<&str> {
        let first = match &self.kind {
            Kind::Op(_, _, args) => args.first()?,
            _ => self,
        };
        match &first.kind {
            Kind::Var(_, name) => Some(name),
            Kind::Attr(name) => Some(name),
            Kind::Op(Op::EntriesSince | Op::EntriesBefore | Op::EntriesDaysSince | Op::EntriesDaysBefore, name, _) => {
                Some(name)
            }
            Kind::Op(Op::Not | Op::NotNot, _, inner) => inner.first().and_then(Node::first_var),
            _ => None,
        }
    }
}

struct Compiler<'e> {
    nodes: usize,
    event: Option<&'e EventDates>,
}

fn rule_value(path: &str, reason: impl Into<String>) -> AccessError {
    AccessError::RuleInvalidValue { path: path.into(), reason: reason.into() }
}

/// Compiles a rule, checking the bounds before anything deeper is looked at.
fn compile(v: &Value, event: Option<&EventDates>) -> Result<Node, AccessError> {
    let mut c = Compiler { nodes: 0, event };
    c.node(v, String::new(), 1)
}

impl Compiler<'_> {
    fn count(&mut self) -> Result<(), AccessError> {
        self.nodes += 1;
        if self.nodes > MAX_RULE_NODES {
            return Err(AccessError::RuleTooLarge { max_nodes: MAX_RULE_NODES as u32 });
        }
        Ok(())
    }

    fn literal(&mut self, v: &Value, path: &str, depth: usize) -> Result<Val, AccessError> {
        self.count()?;
        if depth > MAX_RULE_DEPTH {
            return Err(AccessError::RuleTooDeep { max_depth: MAX_RULE_DEPTH as u32 });
        }
        Ok(match v {
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Int(n.as_i64().ok_or_else(|| rule_value(path, format!("{n} is not an integer (no floats)")))?),
            Value::String(s) if s.chars().count() <= MAX_TEXT => Val::Str(s.clone()),
            Value::String(_) => return Err(rule_value(path, "string longer than 128 characters")),
            Value::Null => return Err(rule_value(path, "null is not a value")),
            Value::Array(items) => Val::List(
                items.iter().enumerate().map(|(i, x)| self.literal(x, &format!("{path}/{i}"), depth + 1)).collect::<Result<_, _>>()?,
            ),
            Value::Object(_) => return Err(rule_value(path, "an operator where a literal is expected")),
        })
    }

    fn node(&mut self, v: &Value, path: String, depth: usize) -> Result<Node, AccessError> {
        if depth > MAX_RULE_DEPTH {
            return Err(AccessError::RuleTooDeep { max_depth: MAX_RULE_DEPTH as u32 });
        }
        let Value::Object(map) = v else {
            let val = self.literal(v, &path, depth)?;
            return Ok(Node { path, kind: Kind::Lit(val) });
        };
        self.count()?;
        if map.len() != 1 {
            return Err(rule_value(&path, "an operator node has exactly one key"));
        }
        let Some((name, raw)) = map.iter().next() else { return Err(rule_value(&path, "empty node")) };
        let args: Vec<&Value> = match raw {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        let short: String = name.chars().take(32).collect();
        let node_path = |i: usize| format!("{path}/{short}/{i}");
        match name.as_str() {
            "var" => {
                let [Value::String(var)] = args.as_slice() else {
                    return Err(AccessError::RuleArity { path, operator: "var".into(), expected: "1 string".into(), got: args.len() as u32 });
                };
                if let Some(attr) = var.strip_prefix("attributes.") {
                    if attr.is_empty() || attr.chars().count() > MAX_TEXT {
                        return Err(AccessError::RuleUnknownVariable { path, variable: var.chars().take(MAX_TEXT).collect() });
                    }
                    return Ok(Node { path, kind: Kind::Attr(var.clone()) });
                }
                let Some((vname, var)) = VARS.iter().find(|(n, _)| n == var) else {
                    return Err(AccessError::RuleUnknownVariable { path, variable: var.chars().take(MAX_TEXT).collect() });
                };
                Ok(Node { path, kind: Kind::Var(*var, vname) })
            }
            "buildTime" => {
                let arity = || AccessError::RuleArity {
                    path: path.clone(),
                    operator: "buildTime".into(),
                    expected: "2 (\"custom\" or \"customtime\", value) or 1 (\"date_from\", \"date_to\", \"date_admission\")".into(),
                    got: args.len() as u32,
                };
                let (kind, value) = match args.as_slice() {
                    [Value::String(kind), Value::String(value)] => (kind, value.as_str()),
                    [Value::String(kind)] if kind.starts_with("date_") => (kind, ""),
                    _ => return Err(arity()),
                };
                self.nodes += args.len();
                let pick: Option<fn(&EventDates) -> Timestamp> = match kind.as_str() {
                    "date_from" => Some(|e| e.date_from),
                    "date_to" => Some(|e| e.date_to.unwrap_or(e.date_from)),
                    "date_admission" => Some(|e| e.date_admission.unwrap_or(e.date_from)),
                    _ => None,
                };
                if let Some(pick) = pick {
                    let Some(event) = self.event else {
                        return Err(rule_value(&path, format!("buildTime '{kind}' needs the policy's event dates (`event`)")));
                    };
                    return Ok(Node { path, kind: Kind::Lit(Val::Time(pick(event))) });
                }
                match kind.as_str() {
                    "custom" => {
                        let t: Timestamp = value.parse().map_err(|_| rule_value(&path, format!("'{}' is not an RFC 3339 time", value.chars().take(64).collect::<String>())))?;
                        Ok(Node { path, kind: Kind::Lit(Val::Time(t)) })
                    }
                    "customtime" => {
                        let m = value
                            .get(..5)
                            .filter(|_| value.len() == 5 || value.get(5..) == Some(":00"))
                            .and_then(parse_local_time)
                            .ok_or_else(|| rule_value(&path, "customtime is HH:MM"))?;
                        Ok(Node { path, kind: Kind::TimeOfDay(m) })
                    }
                    other => Err(rule_value(&path, format!("buildTime '{}' is not supported (custom, customtime, date_from, date_to, date_admission)", other.chars().take(32).collect::<String>()))),
                }
            }
            "lookup" => {
                let [Value::String(_model), Value::String(pk), _label] = args.as_slice() else {
                    return Err(AccessError::RuleArity { path, operator: "lookup".into(), expected: "3 (model, id, label)".into(), got: args.len() as u32 });
                };
                self.nodes += 3;
                if pk.chars().count() > MAX_TEXT {
                    return Err(rule_value(&path, "id longer than 128 characters"));
                }
                Ok(Node { path, kind: Kind::Lit(Val::Str(pk.clone())) })
            }
            _ => {
                let Some((opname, op, min, max)) = OPS.iter().find(|(n, ..)| n == name) else {
                    return Err(AccessError::RuleUnknownOperator { path, operator: short });
                };
                if args.len() < *min || args.len() > *max {
                    let expected = if min == max { format!("{min}") } else if *max >= MAX_RULE_NODES { format!("at least {min}") } else { format!("{min}..={max}") };
                    return Err(AccessError::RuleArity { path, operator: opname.to_string(), expected, got: args.len() as u32 });
                }
                let mut out = Vec::with_capacity(args.len());
                for (i, a) in args.iter().enumerate() {
                    out.push(self.node(a, node_path(i), depth + 1)?);
                }
                Ok(Node { path, kind: Kind::Op(*op, opname, out) })
            }
        }
    }
}

struct Env<'a> {
    ctx: &'a CheckinContext,
    cal: &'a FestivalCalendar,
    c: &'a Counters,
}

fn eval(n: &Node, env: &Env<'_>) -> Val {
    let ctx = env.ctx;
    match &n.kind {
        Kind::Lit(v) => v.clone(),
        Kind::TimeOfDay(m) => Val::Time(env.cal.time_on_day(env.cal.day_of(ctx.at), *m)),
        Kind::Attr(name) => match ctx.attributes.get(name.strip_prefix("attributes.").unwrap_or(name)) {
            None => Val::Null,
            Some(AttributeValue::Bool(b)) => Val::Bool(*b),
            Some(AttributeValue::Int(i)) => Val::Int(*i),
            Some(AttributeValue::Str(s)) => Val::Str(s.clone()),
        },
        Kind::Var(v, _) => match v {
            Var::EntriesNumber => Val::Int(env.c.entries),
            Var::EntriesToday => Val::Int(env.c.today),
            Var::EntriesDays => Val::Int(env.c.days),
            Var::MinutesSinceLastEntry => Val::Int(Counters::minutes_since(ctx.at, env.c.last)),
            Var::MinutesSinceFirstEntry => Val::Int(Counters::minutes_since(ctx.at, env.c.first)),
            Var::Now => Val::Time(ctx.at),
            Var::NowIsoweekday => Val::Int(i64::from(env.cal.weekday(ctx.at))),
            Var::Product => Val::Str(ctx.ticket_type_id.to_string()),
            Var::Gate => ctx.gate.clone().map_or(Val::Null, Val::Str),
            Var::Zone => Val::Str(ctx.zone_id.clone()),
            Var::Pending => Val::Bool(ctx.pending),
        },
        Kind::Op(op, _, args) => {
            let arg = |i: usize| args.get(i).map_or(Val::Null, |a| eval(a, env));
            let ord = |a: &Val, b: &Val, ok: fn(std::cmp::Ordering) -> bool| a.cmp(b).is_some_and(ok);
            use std::cmp::Ordering as O;
            match op {
                Op::And => Val::Bool(args.iter().all(|a| eval(a, env).truthy())),
                Op::Or => Val::Bool(args.iter().any(|a| eval(a, env).truthy())),
                Op::Not => Val::Bool(!arg(0).truthy()),
                Op::NotNot => Val::Bool(arg(0).truthy()),
                Op::Eq => Val::Bool(arg(0) == arg(1)),
                Op::Ne => Val::Bool(arg(0) != arg(1)),
                Op::Lt | Op::Le => {
                    let f: fn(O) -> bool = if *op == Op::Lt { |o| o == O::Less } else { |o| o != O::Greater };
                    let (a, b) = (arg(0), arg(1));
                    let first = ord(&a, &b, f);
                    Val::Bool(if args.len() == 3 { first && ord(&b, &arg(2), f) } else { first })
                }
                Op::Gt => Val::Bool(ord(&arg(0), &arg(1), |o| o == O::Greater)),
                Op::Ge => Val::Bool(ord(&arg(0), &arg(1), |o| o != O::Less)),
                Op::InList => match arg(1) {
                    Val::List(items) => Val::Bool(items.contains(&arg(0))),
                    _ => Val::Bool(false),
                },
                Op::IsBefore | Op::IsAfter => {
                    let tol = match args.get(2).map(|a| eval(a, env)) {
                        None | Some(Val::Null) => Some(0),
                        Some(Val::Int(m)) => Some(m),
                        Some(Val::Str(s)) => s.parse::<i64>().ok(),
                        _ => None,
                    };
                    match (arg(0), arg(1), tol) {
                        (Val::Time(a), Val::Time(b), Some(tol)) => {
                            let tol_ms = tol.clamp(-525_600_000, 525_600_000) * 60_000;
                            let (x, y) = if *op == Op::IsBefore { (a, b) } else { (b, a) };
                            Val::Bool(x.unix_millis() < y.unix_millis().saturating_add(tol_ms))
                        }
                        _ => Val::Bool(false),
                    }
                }
                Op::ObjectList => Val::List(args.iter().map(|a| eval(a, env)).collect()),
                Op::EntriesSince | Op::EntriesBefore | Op::EntriesDaysSince | Op::EntriesDaysBefore => {
                    let Val::Time(cut) = arg(0) else { return Val::Null };
                    let since = matches!(op, Op::EntriesSince | Op::EntriesDaysSince);
                    let hits = ctx.history.iter().filter(|t| if since { **t >= cut } else { **t < cut });
                    if matches!(op, Op::EntriesSince | Op::EntriesBefore) {
                        Val::Int(hits.count() as i64)
                    } else {
                        Val::Int(hits.map(|t| env.cal.day_number(*t)).collect::<BTreeSet<_>>().len() as i64)
                    }
                }
            }
        }
    }
}

/// The node that decided a false rule (see the module documentation).
fn explain<'n>(n: &'n Node, env: &Env<'_>) -> &'n Node {
    match &n.kind {
        Kind::Op(Op::And, _, args) => match args.iter().find(|a| !eval(a, env).truthy()) {
            Some(a) => explain(a, env),
            None => n,
        },
        Kind::Op(Op::Or, _, args) => match args.first() {
            Some(a) if !eval(a, env).truthy() => explain(a, env),
            _ => n,
        },
        _ => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use proptest::prelude::*;
    use serde_json::json;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn policy(extra: Value) -> CheckinPolicy {
        let mut base = json!({"id": "l", "version": 1, "zones": ["main"]});
        if let (Value::Object(b), Value::Object(e)) = (&mut base, extra) {
            b.extend(e);
        }
        CheckinPolicy::from_json(&base.to_string()).unwrap()
    }

    fn rule_err(rule: Value) -> String {
        let text = json!({"id": "l", "version": 1, "zones": ["main"], "rules": rule}).to_string();
        CheckinPolicy::from_json(&text).unwrap_err().code().to_string()
    }

    fn ctx(at: &str) -> CheckinContext {
        CheckinContext::entry(Uuid::from_u128(1), "main", t(at))
    }

    fn reason(p: &CheckinPolicy, c: &CheckinContext) -> Option<DenyReason> {
        match p.evaluate(c).decision {
            Decision::Admit => None,
            Decision::Deny { reason } => Some(reason),
        }
    }

    #[test]
    fn each_limit_decides_with_its_check() {
        let p = policy(json!({"max_entries": 2}));
        let mut c = ctx("2026-07-04T10:00:00Z");
        c.history = vec![t("2026-07-03T10:00:00Z"), t("2026-07-04T09:00:00Z")];
        assert_eq!(reason(&p, &c), Some(DenyReason::MaxEntriesReached));
        c.history.pop();
        assert_eq!(reason(&p, &c), None);

        let p = policy(json!({"max_days": 2}));
        c.history = vec![t("2026-07-02T10:00:00Z"), t("2026-07-03T10:00:00Z")];
        assert_eq!(reason(&p, &c), Some(DenyReason::MaxDaysReached));
        c.history = vec![t("2026-07-02T10:00:00Z"), t("2026-07-04T08:00:00Z")];
        assert_eq!(reason(&p, &c), None, "a day that already has an entry is not a new day");

        let p = policy(json!({"min_minutes_between_entries": 30}));
        c.history = vec![t("2026-07-04T09:31:00Z")];
        assert_eq!(reason(&p, &c), Some(DenyReason::TooSoon));
        c.history = vec![t("2026-07-04T09:30:00Z")];
        assert_eq!(reason(&p, &c), None);

        let p = policy(json!({"gates": ["north"]}));
        assert_eq!(reason(&p, &c), Some(DenyReason::WrongGate));
        c.gate = Some("north".into());
        assert_eq!(reason(&p, &c), None);

        let p = policy(json!({"windows": [{"from": "2026-07-04T12:00:00Z", "until": "2026-07-04T20:00:00Z"}]}));
        assert_eq!(reason(&p, &c), Some(DenyReason::OutsideWindow));

        let p = policy(json!({"ticket_type_ids": ["00000000-0000-0000-0000-000000000002"]}));
        assert_eq!(p.evaluate(&c).decided_by.check, PolicyCheck::TicketTypes);

        c.pending = true;
        assert_eq!(reason(&policy(json!({})), &c), Some(DenyReason::Unpaid));
        assert_eq!(reason(&policy(json!({"admit_pending": true})), &c), None);
        c.direction = Direction::Out;
        assert_eq!(policy(json!({})).evaluate(&c).decided_by.check, PolicyCheck::Exit);
    }

    #[test]
    fn pretix_rules_work_as_written() {
        // pretix's "Allow only Monday..Friday, at most 2 entries today, product list" style rule.
        let p = policy(json!({"rules": {"and": [
            {"inList": [{"var": "product"}, {"objectList": [{"lookup": ["product", "00000000-0000-0000-0000-000000000001", "Day"]}]}]},
            {"<": [{"var": "entries_today"}, 2]},
            {"isAfter": [{"var": "now"}, {"buildTime": ["customtime", "10:00"]}, 15]}
        ]}}));
        let mut c = ctx("2026-07-04T09:50:00Z");
        assert_eq!(reason(&p, &c), None, "10:00 minus 15 minutes of tolerance");
        c.at = t("2026-07-04T09:40:00Z");
        let d = p.evaluate(&c);
        assert_eq!(d.decided_by.rule_path.as_deref(), Some("/and/2"));
        assert_eq!(d.decided_by.rule_operator.as_deref(), Some("isAfter"));
        c.at = t("2026-07-04T12:00:00Z");
        c.history = vec![t("2026-07-04T10:00:00Z"), t("2026-07-04T11:00:00Z")];
        assert_eq!(p.evaluate(&c).decided_by.rule_variable.as_deref(), Some("entries_today"));
        c.ticket_type_id = Uuid::from_u128(9);
        assert_eq!(p.evaluate(&c).decided_by.rule_path.as_deref(), Some("/and/0"));
    }

    #[test]
    fn pretix_entries_since_before_and_event_dates() {
        // pretix's "valid once before the admission, then on one more day after it"
        // (libpretixsync's testRulesEntriesDaysSince, with the admission as the cut).
        let p = policy(json!({
            "calendar": {"time_zone": "Europe/Berlin", "day_starts_at": "06:00"},
            "event": {"date_from": "2026-07-04T16:00:00+02:00", "date_admission": "2026-07-04T14:00:00+02:00"},
            "rules": {"or": [
                {"<=": [{"var": "entries_number"}, 0]},
                {"and": [
                    {"isAfter": [{"var": "now"}, {"buildTime": ["date_admission"]}, 0]},
                    {"or": [
                        {">": [{"var": "entries_today"}, 0]},
                        {"<=": [{"entries_days_since": [{"buildTime": ["date_admission"]}]}, 0]}
                    ]}
                ]}
            ]}
        }));
        let mut c = ctx("2026-07-04T10:00:00+02:00");
        assert_eq!(reason(&p, &c), None, "the first entry, before the admission");
        c.history = vec![t("2026-07-04T10:00:00+02:00")];
        c.at = t("2026-07-04T11:00:00+02:00");
        assert_eq!(reason(&p, &c), Some(DenyReason::Rules), "a second one before the admission");
        c.at = t("2026-07-05T20:00:00+02:00");
        assert_eq!(reason(&p, &c), None, "one day after the admission");
        c.history.push(t("2026-07-05T20:00:00+02:00"));
        c.at = t("2026-07-06T01:00:00+02:00");
        assert_eq!(reason(&p, &c), None, "the same festival day (06:00 cutoff)");
        c.history.push(t("2026-07-06T01:00:00+02:00"));
        c.at = t("2026-07-06T20:00:00+02:00");
        let d = p.evaluate(&c);
        assert_eq!(d.decision, Decision::Deny { reason: DenyReason::Rules }, "a second day after the admission");
        // Counters since / before a time: at or after it, and strictly before it.
        let count = |op: &str, at: &str| {
            (0..10).find(|n| {
                let mut r = policy(json!({"calendar": {"time_zone": "Europe/Berlin", "day_starts_at": "06:00"}})).repr;
                r.rules = Some(json!({"==": [{op: [{"buildTime": ["custom", at]}]}, n]}));
                reason(&CheckinPolicy::new(r).unwrap(), &c).is_none()
            })
        };
        assert_eq!(count("entries_since", "2026-07-05T20:00:00+02:00"), Some(2));
        assert_eq!(count("entries_before", "2026-07-05T20:00:00+02:00"), Some(1));
        assert_eq!(count("entries_days_since", "2026-07-05T20:00:00+02:00"), Some(1));
        assert_eq!(count("entries_days_before", "2026-07-06T06:00:00+02:00"), Some(2));
        // date_to and date_admission fall back to date_from; without event dates they are refused.
        let p = policy(json!({"event": {"date_from": "2026-07-04T16:00:00Z"},
            "rules": {"and": [{"isAfter": [{"var": "now"}, {"buildTime": ["date_admission"]}]},
                              {"isBefore": [{"var": "now"}, {"buildTime": ["date_to", ""]}, 60]}]}}));
        assert_eq!(reason(&p, &ctx("2026-07-04T16:30:00Z")), None);
        assert_eq!(p.evaluate(&ctx("2026-07-04T17:00:00Z")).decided_by.rule_path.as_deref(), Some("/and/1"));
        assert_eq!(rule_err(json!({"isAfter": [{"var": "now"}, {"buildTime": ["date_to"]}]})), "ACCESS_RULE_INVALID_VALUE");
        assert_eq!(rule_err(json!({"entries_since": []})), "ACCESS_RULE_ARITY");
        let d = policy(json!({"rules": {"<": [{"entries_since": [{"buildTime": ["custom", "2026-07-04T00:00:00Z"]}]}, 1]}}))
            .evaluate(&CheckinContext { history: vec![t("2026-07-04T09:00:00Z")], ..ctx("2026-07-04T10:00:00Z") });
        assert_eq!(d.decided_by.rule_variable.as_deref(), Some("entries_since"));
        assert_eq!(CheckinPolicy::from_json(r#"{"id":"l","version":1,"zones":["a"],"event":{"date_from":"2026-07-04T16:00:00Z","date_to":"2026-07-04T15:00:00Z"}}"#).unwrap_err().code(), "ACCESS_POLICY_INVALID");
    }

    #[test]
    fn attributes_and_minutes_since() {
        let p = policy(json!({"rules": {"or": [
            {"==": [{"var": "attributes.vip"}, true]},
            {">=": [{"var": "minutes_since_last_entry"}, 60]},
            {"==": [{"var": "minutes_since_last_entry"}, -1]}
        ]}}));
        let mut c = ctx("2026-07-04T10:00:00Z");
        assert_eq!(reason(&p, &c), None, "no entry yet: -1");
        c.history = vec![t("2026-07-04T09:00:01Z")];
        assert_eq!(reason(&p, &c), Some(DenyReason::Rules), "59 whole minutes");
        c.attributes.insert("vip".into(), AttributeValue::Bool(true));
        assert_eq!(reason(&p, &c), None);
    }

    #[test]
    fn bad_rules_have_codes_and_paths() {
        assert_eq!(rule_err(json!({"xor": [true, false]})), "ACCESS_RULE_UNKNOWN_OPERATOR");
        assert_eq!(rule_err(json!({"var": "entries_tomorrow"})), "ACCESS_RULE_UNKNOWN_VARIABLE");
        assert_eq!(rule_err(json!({"!": [true, false]})), "ACCESS_RULE_ARITY");
        assert_eq!(rule_err(json!({"<": [{"var": "entries_number"}, 1.5]})), "ACCESS_RULE_INVALID_VALUE");
        assert_eq!(rule_err(json!({"==": [null, 1]})), "ACCESS_RULE_INVALID_VALUE");
        assert_eq!(rule_err(json!({"buildTime": ["date_from", ""]})), "ACCESS_RULE_INVALID_VALUE");
        let mut deep = json!(true);
        for _ in 0..MAX_RULE_DEPTH {
            deep = json!({"!": [deep]});
        }
        assert_eq!(rule_err(deep), "ACCESS_RULE_TOO_DEEP");
        let wide: Vec<Value> = (0..MAX_RULE_NODES).map(|_| json!(true)).collect();
        assert_eq!(rule_err(json!({"and": wide})), "ACCESS_RULE_TOO_LARGE");
        let e = CheckinPolicy::from_json(&json!({"id": "l", "version": 1, "zones": ["main"],
            "rules": {"and": [true, {"<": [{"var": "entries_number"}, {"nope": []}]}]}}).to_string()).unwrap_err();
        assert_eq!(e.details()["path"], "/and/1/</1");
        assert_eq!(CheckinPolicy::from_json(r#"{"id":"l","version":1,"zones":[]}"#).unwrap_err().code(), "ACCESS_POLICY_INVALID");
        assert_eq!(CheckinPolicy::from_json(r#"{"id":"l","version":1,"zones":["a"],"max_entries":0}"#).unwrap_err().code(), "ACCESS_POLICY_INVALID");
    }

    #[test]
    fn serde_round_trips_byte_for_byte() {
        let text = r#"{"id":"arena","version":7,"zones":["main"],"max_entries_per_day":1,"admit_pending":false,"calendar":{"time_zone":"Europe/Berlin","day_starts_at":"06:00"},"rules":{"<":[{"var":"entries_days"},3]}}"#;
        let p = CheckinPolicy::from_json(text).unwrap();
        assert_eq!(p.to_json(), text);
        let back: CheckinPolicy = serde_json::from_str(&p.to_json()).unwrap();
        assert_eq!(back, p);
    }

    /// Random rule trees within (and somewhat beyond) the bounds.
    fn arb_rule() -> impl Strategy<Value = Value> {
        let names = ["entries_number", "entries_today", "entries_days", "minutes_since_last_entry",
                     "minutes_since_first_entry", "now", "now_isoweekday", "product", "gate", "zone", "pending",
                     "attributes.vip", "attributes.n"];
        let leaf = prop_oneof![
            any::<bool>().prop_map(Value::Bool),
            (-5i64..100).prop_map(|i| json!(i)),
            prop::sample::select(names.to_vec()).prop_map(|n| json!({"var": n})),
            prop::sample::select(vec!["a", "north", "00000000-0000-0000-0000-000000000001"]).prop_map(|s| json!(s)),
            (0u16..1440).prop_map(|m| json!({"buildTime": ["customtime", format!("{:02}:{:02}", m / 60, m % 60)]})),
            Just(json!({"buildTime": ["custom", "2026-07-04T12:00:00Z"]})),
            Just(json!([1, 2, "a"])),
        ];
        leaf.prop_recursive(6, 64, 4, |inner| {
            let ops = ["and", "or", "!", "!!", "==", "!=", "<", "<=", ">", ">=", "inList", "isBefore", "isAfter", "objectList",
                       "entries_since", "entries_before", "entries_days_since", "entries_days_before"];
            (prop::sample::select(ops.to_vec()), prop::collection::vec(inner, 1..4))
                .prop_map(|(op, args)| json!({ op: args }))
        })
    }

    proptest! {
        #[test]
        fn evaluation_is_total_and_deterministic(
            rule in arb_rule(), at in 1_700_000_000_000i64..1_900_000_000_000,
            hist in prop::collection::vec(1_700_000_000_000i64..1_900_000_000_000, 0..5),
            vip in any::<bool>(), pending in any::<bool>(),
        ) {
            let text = json!({"id": "l", "version": 1, "zones": ["main"], "admit_pending": true, "rules": rule,
                              "calendar": {"time_zone": "Europe/Berlin", "day_starts_at": "06:00"}}).to_string();
            match CheckinPolicy::from_json(&text) {
                Err(e) => prop_assert!(e.code().starts_with("ACCESS_RULE_"), "{}", e.code()),
                Ok(p) => {
                    let mut c = CheckinContext::entry(Uuid::from_u128(1), "main", Timestamp::from_unix_millis(at).unwrap());
                    c.history = hist.iter().map(|m| Timestamp::from_unix_millis(*m).unwrap()).collect();
                    c.pending = pending;
                    c.attributes.insert("vip".into(), AttributeValue::Bool(vip));
                    let a = p.evaluate(&c);
                    prop_assert_eq!(&a, &p.evaluate(&c));
                    if a.decision != Decision::Admit {
                        prop_assert_eq!(a.decided_by.check, PolicyCheck::Rules);
                        prop_assert!(a.decided_by.rule_path.is_some());
                    }
                    c.history.reverse();
                    prop_assert_eq!(a, p.evaluate(&c), "history order does not matter");
                }
            }
        }

        #[test]
        fn arbitrary_json_never_panics(v in any::<u8>().prop_flat_map(|_| arb_json())) {
            let text = json!({"id": "l", "version": 1, "zones": ["main"], "rules": v}).to_string();
            if let Ok(p) = CheckinPolicy::from_json(&text) {
                let _ = p.evaluate(&ctx("2026-07-04T10:00:00Z"));
            }
        }
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|i| json!(i)),
            Just(json!(1.5)),
            "[a-z!=<>]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(24, 400, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::btree_map("[a-zA-Z!=<>]{1,10}", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
