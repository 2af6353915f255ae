//! Check-in policies and festival calendars at the gate: `CheckinPolicy` (the evaluator gates,
//! servers and reconciliation share), `FestivalCalendar` (festival days across DST), and the
//! records they use. Policies come from the server as JSON (`CheckinPolicy.fromJson`).

use crate::access::{decision, ScanDirection};
use crate::convert::{time, uuid};
use crate::error::Result;
use festival_core::access::policy as core;
use festival_core::calendar::{FestivalCalendar as CoreCalendar, FestivalDay};
use std::collections::HashMap;
use std::sync::Arc;

/// A ticket attribute a rule can read (`attributes.<name>`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AttributeValue {
    /// true / false.
    Flag {
        /// The value.
        value: bool,
    },
    /// An integer.
    Number {
        /// The value.
        value: i64,
    },
    /// A text.
    Text {
        /// The value.
        value: String,
    },
}

pub(crate) fn attributes(a: HashMap<String, AttributeValue>) -> std::collections::BTreeMap<String, core::AttributeValue> {
    a.into_iter()
        .map(|(k, v)| {
            let v = match v {
                AttributeValue::Flag { value } => core::AttributeValue::Bool(value),
                AttributeValue::Number { value } => core::AttributeValue::Int(value),
                AttributeValue::Text { value } => core::AttributeValue::Str(value),
            };
            (k, v)
        })
        .collect()
}

/// What the evaluator reads about one scan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckinContext {
    /// The ticket's type.
    pub ticket_type_id: String,
    /// The zone of the gate.
    pub zone_id: String,
    /// The gate (lane, device) id.
    #[uniffi(default = None)]
    pub gate: Option<String>,
    /// Entry or exit.
    pub direction: ScanDirection,
    /// When (ms since the epoch).
    pub at_ms: i64,
    /// Whether the ticket's order is pending (unpaid).
    #[uniffi(default = false)]
    pub pending: bool,
    /// Ticket attributes for the rules.
    pub attributes: HashMap<String, AttributeValue>,
    /// The ticket's admitted entries on this policy (ms).
    #[uniffi(default = [])]
    pub history_ms: Vec<i64>,
}

/// A policy's decision and what decided it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PolicyDecision {
    /// Admit or deny with the reason.
    pub decision: crate::access::Decision,
    /// The policy.
    pub policy_id: String,
    /// Its version.
    pub policy_version: u64,
    /// The check that decided (`passed`, `max_entries_per_day`, `rules`...).
    pub check: String,
    /// For `rules`: the deciding node's path (`/and/1`).
    pub rule_path: Option<String>,
    /// Its operator.
    pub rule_operator: Option<String>,
    /// The variable it tests.
    pub rule_variable: Option<String>,
}

pub(crate) fn policy_decision(d: &core::PolicyDecision) -> PolicyDecision {
    PolicyDecision {
        decision: decision(d.decision),
        policy_id: d.policy_id.clone(),
        policy_version: d.policy_version,
        check: serde_json::to_value(d.decided_by.check).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
        rule_path: d.decided_by.rule_path.clone(),
        rule_operator: d.decided_by.rule_operator.clone(),
        rule_variable: d.decided_by.rule_variable.clone(),
    }
}

/// A check-in list (ticket types, zones, gates, windows, entry limits, pending orders, rules).
#[derive(uniffi::Object)]
pub struct CheckinPolicy {
    pub(crate) inner: core::CheckinPolicy,
}

#[uniffi::export]
impl CheckinPolicy {
    /// Reads and checks a policy (`ACCESS_POLICY_INVALID`, `ACCESS_RULE_*`, `INPUT_INVALID`).
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        Ok(Arc::new(CheckinPolicy { inner: core::CheckinPolicy::from_json(&json)? }))
    }

    /// The policy's JSON as stored.
    pub fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The policy id.
    pub fn id(&self) -> String {
        self.inner.id().to_string()
    }

    /// The policy version (gates sign it into scan facts).
    pub fn version(&self) -> u64 {
        self.inner.version()
    }

    /// Decides one scan.
    pub fn evaluate(&self, context: CheckinContext) -> Result<PolicyDecision> {
        let ctx = core::CheckinContext {
            ticket_type_id: uuid("ticket_type_id", &context.ticket_type_id)?,
            zone_id: context.zone_id,
            gate: context.gate,
            direction: match context.direction {
                ScanDirection::In => festival_core::access::Direction::In,
                ScanDirection::Out => festival_core::access::Direction::Out,
            },
            at: time("at_ms", context.at_ms)?,
            pending: context.pending,
            attributes: attributes(context.attributes),
            history: context.history_ms.iter().map(|t| time("history_ms", *t)).collect::<Result<_>>()?,
        };
        Ok(policy_decision(&self.inner.evaluate(&ctx)))
    }
}

/// A festival calendar: IANA time zone and the local time each festival day starts; days are
/// ISO dates (`2026-07-04`, the local date a day starts on).
#[derive(uniffi::Object)]
pub struct FestivalCalendar {
    pub(crate) inner: CoreCalendar,
}

fn day(text: &str) -> Result<FestivalDay> {
    Ok(text.parse::<FestivalDay>()?)
}

#[uniffi::export]
impl FestivalCalendar {
    /// `CALENDAR_UNKNOWN_TIME_ZONE`, `CALENDAR_INVALID_DAY_START` for bad input.
    #[uniffi::constructor]
    pub fn new(time_zone: String, day_starts_at: String) -> Result<Arc<Self>> {
        Ok(Arc::new(FestivalCalendar { inner: CoreCalendar::new(&time_zone, &day_starts_at)? }))
    }

    /// The festival day of an instant (ms), as an ISO date.
    pub fn day_of(&self, at_ms: i64) -> Result<String> {
        Ok(self.inner.day_of(time("at_ms", at_ms)?).to_string())
    }

    /// ISO weekday (Monday 1 … Sunday 7) of the festival day of an instant.
    pub fn weekday(&self, at_ms: i64) -> Result<u8> {
        Ok(self.inner.weekday(time("at_ms", at_ms)?))
    }

    /// When a festival day starts (ms).
    pub fn day_start_ms(&self, day_iso: String) -> Result<i64> {
        Ok(self.inner.day_start(day(&day_iso)?).unix_millis())
    }

    /// When a festival day ends (ms, exclusive).
    pub fn day_end_ms(&self, day_iso: String) -> Result<i64> {
        Ok(self.inner.day_end(day(&day_iso)?).unix_millis())
    }

    /// A festival day's length in minutes (1440, or 1380 / 1500 across a DST change).
    pub fn day_length_minutes(&self, day_iso: String) -> Result<i64> {
        Ok(self.inner.day_length_ms(day(&day_iso)?) / 60_000)
    }
}
