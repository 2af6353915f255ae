//! `access.*` conformance operations (JSON conventions as in `ticketing.*`).
//!
//! * `access.scan_run` — input `{"ticket_types": [TicketType], "tickets": [TicketStep],
//!   "zones": [Zone], "scans": [Scan | {"ticket": TicketStep}]}`. `tickets` are the steps of
//!   `ticketing.ticket_run` (issue, transfer, cancel, refund, revoke, ...) applied first; any
//!   failure there fails the operation. A `{"ticket": TicketStep}` entry among the scans applies a
//!   ticket step between scans (e.g. a revocation while the holder is inside); its result slot is
//!   `{"ticket_id", "state"}` or `{"error", "details"}`. `Zone = {"id", "name", "capacity", "ticket_type_ids": [uuid], "perimeter": bool,
//!   "alert_thresholds": [percent]}`, `Scan = {"ticket_id", "zone_id", "direction": "in"|"out",
//!   "at"}`. Output `{"results": [{"decision": "admit"|"deny", "reason"?: "wrong_zone"|
//!   "outside_validity"|"already_inside"|"not_inside"|"revoked"|"cancelled"|"transferred"|
//!   "refunded"|"zone_full"|"reentry_not_allowed", "occupancy": n, "alerts": [{"zone_id",
//!   "threshold_percent", "occupancy", "capacity", "at"}]} | {"error", "details"}], "occupancy":
//!   [{"zone_id", "occupancy", "capacity", "entries", "exits"}], "tickets": [{"id", "state", ...}]}`.
//!   An unknown zone or ticket in a scan is an error in its result slot, not a deny.
//!   Optional `"policies": [CheckinPolicy]` are set before the scans. Among the scans,
//!   `{"scan": Scan, "context": {"gate"?, "pending"?, "attributes"?}}` scans with what the gate
//!   knows, and `{"annul": {"ticket_id", "zone_id", "at"}}` annuls a check-in (result slot: the
//!   zone's occupancy or `{"error", "details"}`). A result of a zone with a policy has
//!   `"policy": {"decision", "reason"?, "policy_id", "policy_version", "decided_by": {"check",
//!   "rule_path"?, "rule_operator"?, "rule_variable"?}}`, an entry that left zones `"left_zones"`.
//! * `access.policy_evaluate` — input `{"policy": CheckinPolicy, "contexts": [{"ticket_type_id",
//!   "zone_id", "gate"?, "direction"?, "at", "pending"?, "attributes"?, "history"?: [ts]}]}`;
//!   output `{"policy": <the policy's JSON as stored>, "results": [PolicyDecision]}`. A bad
//!   policy is its error (`ACCESS_POLICY_INVALID`, `ACCESS_RULE_*`).

use super::ticketing::{apply_ticket_step, book_with, error_json, ticket_json, TicketStep};
use super::{out, parse};
use crate::access::policy::{CheckinContext, CheckinPolicy, PolicyRepr};
use crate::access::{AccessControl, Scan, ScanContext, Zone};
use crate::Timestamp;
use uuid::Uuid;
use crate::error::Error;
use crate::ticketing::TicketType;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanRunIn {
    ticket_types: Vec<TicketType>,
    #[serde(default)]
    tickets: Vec<TicketStep>,
    zones: Vec<Zone>,
    #[serde(default)]
    policies: Vec<PolicyRepr>,
    scans: Vec<ScanStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnulIn {
    ticket_id: Uuid,
    zone_id: String,
    at: Timestamp,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyEvalIn {
    policy: PolicyRepr,
    contexts: Vec<CheckinContext>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ScanStep {
    Scan(Scan),
    Ticket { ticket: TicketStep },
    WithContext { scan: Scan, context: ScanContext },
    Annul { annul: AnnulIn },
}

fn scan_run(i: ScanRunIn) -> Result<Value, Error> {
    let mut book = book_with(i.ticket_types)?;
    for step in i.tickets {
        apply_ticket_step(&mut book, step)?;
    }
    let mut access = AccessControl::new(i.zones)?;
    for p in i.policies {
        access.set_policy(CheckinPolicy::new(p)?)?;
    }
    let mut results = Vec::new();
    for step in i.scans {
        results.push(match step {
            ScanStep::Scan(scan) => match access.scan(&mut book, &scan) {
                Ok(outcome) => out(&outcome)?,
                Err(e) => error_json(&e),
            },
            ScanStep::WithContext { scan, context } => match access.scan_with(&mut book, &scan, &context) {
                Ok(outcome) => out(&outcome)?,
                Err(e) => error_json(&e),
            },
            ScanStep::Annul { annul } => match access.annul(&mut book, annul.ticket_id, &annul.zone_id, annul.at) {
                Ok(occupancy) => out(&occupancy)?,
                Err(e) => error_json(&e),
            },
            ScanStep::Ticket { ticket } => match apply_ticket_step(&mut book, ticket) {
                Ok(t) => json!({ "ticket_id": t.id, "state": t.state }),
                Err(e) => error_json(&e),
            },
        });
    }
    let tickets: Vec<Value> = book.tickets().map(ticket_json).collect();
    Ok(json!({ "results": results, "occupancy": out(&access.occupancies())?, "tickets": tickets }))
}

pub(super) fn execute(op: &str, input: &Value) -> Option<Result<Value, Error>> {
    match op {
        "access.scan_run" => Some(parse::<ScanRunIn>(input).and_then(scan_run)),
        "access.policy_evaluate" => Some(parse::<PolicyEvalIn>(input).and_then(|i| {
            let policy = CheckinPolicy::new(i.policy)?;
            let results = i.contexts.iter().map(|c| out(&policy.evaluate(c))).collect::<Result<Vec<_>, _>>()?;
            let stored: Value = serde_json::from_str(&policy.to_json()).unwrap_or(Value::Null);
            Ok(json!({ "policy": stored, "results": results }))
        })),
        _ => None,
    }
}
