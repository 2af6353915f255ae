//! Access zones for JS: an [`AccessControlHandle`] over the core's [`AccessControl`] (zones,
//! scans deciding admit / deny with a reason, occupancy, capacity alerts). A deny is a decision
//! (`{ decision: 'deny', reason: 'wrong_zone', ... }`), not an error; errors are bad input
//! (`ACCESS_UNKNOWN_ZONE`, `ACCESS_UNKNOWN_TICKET`, `INPUT_INVALID`).

use crate::offline::uuid_arg;
use crate::ticketing::{state_out, TicketBookHandle};
use crate::{array_arg, from_js, object_arg, str_arg, to_js, Result};
use festival_core::access::{AccessControl, Scan, Zone};
use serde_json::{json, Value};

/// The zones of a festival and who is inside them.
#[derive(Debug, Clone)]
pub struct AccessControlHandle(AccessControl);

fn scan_arg(v: &Value) -> Result<Scan> {
    object_arg("scan", v)?;
    if let Some(id) = v.get("ticketId") {
        uuid_arg("scan.ticketId", id)?;
    }
    from_js("scan", v)
}

impl AccessControlHandle {
    /// `new AccessControl(zones: Zone[])`.
    pub fn new(zones: &Value) -> Result<Self> {
        array_arg("zones", zones)?;
        let zones: Vec<Zone> = from_js("zones", zones)?;
        Ok(AccessControlHandle(AccessControl::new(zones)?))
    }

    /// `AccessControl.deserialize(state)`: the JSON of `serialize()`, checked by the core
    /// (`AccessControl::from_json`): zone definitions as by the constructor (`ACCESS_INVALID_ZONE`),
    /// zones filed under their id and occupancy consistent (`ACCESS_STATE_INVALID`).
    pub fn deserialize(state: &Value) -> Result<Self> {
        // The core checks the state: INPUT_INVALID for bad JSON, ACCESS_INVALID_ZONE for a zone the
        // constructor would refuse, ACCESS_STATE_INVALID for inconsistent occupancy or filing.
        Ok(AccessControlHandle(AccessControl::from_json(str_arg("state", state)?)?))
    }

    /// `serialize(): string` (the core's JSON, occupancy and presence included).
    pub fn serialize(&self) -> Result<String> {
        state_out(&self.0)
    }

    /// `zone(zoneId): Zone`.
    pub fn zone(&self, zone_id: &Value) -> Result<Value> {
        to_js(self.0.zone(str_arg("zoneId", zone_id)?)?)
    }

    /// `occupancy(zoneId): ZoneOccupancy`.
    pub fn occupancy(&self, zone_id: &Value) -> Result<Value> {
        to_js(&self.0.occupancy(str_arg("zoneId", zone_id)?)?)
    }

    /// `occupancies(): ZoneOccupancy[]` (by zone id).
    pub fn occupancies(&self) -> Result<Value> {
        to_js(&self.0.occupancies())
    }

    /// `isInside(zoneId, ticketId): boolean`.
    pub fn is_inside(&self, zone_id: &Value, ticket_id: &Value) -> Result<Value> {
        let inside = self.0.is_inside(str_arg("zoneId", zone_id)?, uuid_arg("ticketId", ticket_id)?)?;
        Ok(json!(inside))
    }

    /// `decide(book, scan): Decision` without changing anything.
    pub fn decide(&self, book: &TicketBookHandle, scan: &Value) -> Result<Value> {
        to_js(&self.0.decide(&book.0, &scan_arg(scan)?)?)
    }

    /// `scan(book, scan): ScanOutcome`: decides and, when admitted, records the scan (occupancy,
    /// alerts, check-in / check-out at perimeter zones).
    pub fn scan(&mut self, book: &mut TicketBookHandle, scan: &Value) -> Result<Value> {
        to_js(&self.0.scan(&mut book.0, &scan_arg(scan)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use festival_core::ErrorCode;

    #[test]
    fn scans_decide_and_count() {
        let mut book = TicketBookHandle::new();
        let ty = "00000000-0000-4000-8000-000000000001";
        let t = "00000000-0000-4000-8000-000000000011";
        book.add_type(&json!({"id": ty, "name": "Day", "price": {"amount": "50", "currency": "EUR"}, "capacity": 3,
               "saleFrom": "2026-01-01T00:00:00Z", "saleUntil": "2026-07-04T00:00:00Z",
               "validFrom": "2026-07-04T00:00:00Z", "validUntil": "2026-07-05T00:00:00Z",
               "maxPerOrder": 4, "zones": ["main"], "reentryAllowed": false, "transferLimit": 1}))
            .unwrap();
        book.issue(
            &json!(ty),
            &json!({"id": t, "number": "A1", "holder": "Ada"}),
            &Value::Null,
            &json!("2026-05-01T00:00:00Z"),
        )
        .unwrap();
        let mut ac = AccessControlHandle::new(&json!([
            {"id": "main", "name": "Main", "capacity": 2, "perimeter": true, "alertThresholds": [50]},
            {"id": "vip", "name": "VIP", "capacity": 2}
        ]))
        .unwrap();
        let scan = |zone: &str, dir: &str| json!({"ticketId": t, "zoneId": zone, "direction": dir, "at": "2026-07-04T12:00:00Z"});
        let out = ac.scan(&mut book, &scan("main", "in")).unwrap();
        assert_eq!(out["decision"], "admit");
        assert_eq!(out["alerts"][0]["thresholdPercent"], 50);
        assert_eq!(ac.decide(&book, &scan("vip", "in")).unwrap(), json!({"decision": "deny", "reason": "wrong_zone"}));
        assert_eq!(ac.occupancy(&json!("main")).unwrap()["occupancy"], 1);
        assert_eq!(ac.scan(&mut book, &scan("nope", "in")).unwrap_err().code(), "ACCESS_UNKNOWN_ZONE");
        assert_eq!(ac.scan(&mut book, &json!({"ticketId": "x"})).unwrap_err().code(), "INPUT_INVALID");
        let back = AccessControlHandle::deserialize(&json!(ac.serialize().unwrap())).unwrap();
        assert_eq!(back.is_inside(&json!("main"), &json!(t)).unwrap(), json!(true));
    }
}
