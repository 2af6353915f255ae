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

use super::ticketing::{apply_ticket_step, book_with, error_json, ticket_json, TicketStep};
use super::{out, parse};
use crate::access::{AccessControl, Scan, Zone};
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
    scans: Vec<ScanStep>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ScanStep {
    Scan(Scan),
    Ticket { ticket: TicketStep },
}

fn scan_run(i: ScanRunIn) -> Result<Value, Error> {
    let mut book = book_with(i.ticket_types)?;
    for step in i.tickets {
        apply_ticket_step(&mut book, step)?;
    }
    let mut access = AccessControl::new(i.zones)?;
    let mut results = Vec::new();
    for step in i.scans {
        results.push(match step {
            ScanStep::Scan(scan) => match access.scan(&mut book, &scan) {
                Ok(outcome) => out(&outcome)?,
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
        _ => None,
    }
}
