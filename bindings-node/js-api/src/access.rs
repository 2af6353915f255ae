//! Access zones for JS: an [`AccessControlHandle`] over the core's [`AccessControl`] (zones,
//! scans deciding admit / deny with a reason, occupancy, capacity alerts). A deny is a decision
//! (`{ decision: 'deny', reason: 'wrong_zone', ... }`), not an error; errors are bad input
//! (`ACCESS_UNKNOWN_ZONE`, `ACCESS_UNKNOWN_TICKET`, `INPUT_INVALID`).

use crate::offline::uuid_arg;
use crate::ticketing::{state_out, TicketBookHandle};
use crate::{array_arg, from_js, object_arg, str_arg, to_js, Result};
use festival_core::access::policy::{CheckinContext, CheckinPolicy, PolicyRepr};
use festival_core::access::{AccessControl, Scan, ScanContext, Zone};
use festival_core::calendar::{describe, FestivalCalendar, FestivalDay};
use festival_core::offline::reconcile::ScanFactOutcome;
use serde_json::{json, Value};

/// Takes `keys` out of object `v` untouched (rule JSON and attribute names are data, not API
/// keys: they keep their case), converts the rest with [`from_js`], and puts them back.
pub(crate) fn with_raw_keys<T: serde::de::DeserializeOwned>(field: &str, v: &Value, keys: &[&str]) -> Result<T> {
    let o = object_arg(field, v)?;
    let mut rest = serde_json::Map::new();
    let mut raw = serde_json::Map::new();
    for (k, x) in o {
        if keys.contains(&k.as_str()) {
            raw.insert(k.clone(), x.clone());
        } else {
            rest.insert(k.clone(), x.clone());
        }
    }
    let mut converted = festival_core::interop::keys_to_snake_case(Value::Object(rest));
    if let Value::Object(m) = &mut converted {
        m.extend(raw);
    }
    serde_json::from_value(converted).map_err(|e| crate::invalid(field, e.to_string()))
}

/// A check-in policy from JS (`{ id, version, zones, ticketTypeIds?, gates?, windows?, maxEntries?,
/// maxEntriesPerDay?, maxDays?, minMinutesBetweenEntries?, admitPending?, leavesZones?, calendar?,
/// rules? }`; `rules` is pretix-style JsonLogic, passed as is), checked by the core.
pub fn policy_arg(field: &str, v: &Value) -> Result<CheckinPolicy> {
    let repr: PolicyRepr = with_raw_keys(field, v, &["rules"])?;
    Ok(CheckinPolicy::new(repr)?)
}

/// A policy as JS sees it: camelCase keys, `rules` unchanged.
pub fn policy_out(p: &CheckinPolicy) -> Result<Value> {
    let mut out = to_js(p.definition())?;
    if let (Value::Object(m), Some(rules)) = (&mut out, &p.definition().rules) {
        m.insert("rules".into(), rules.clone());
    }
    Ok(out)
}

pub(crate) fn calendar_arg(field: &str, v: &Value) -> Result<FestivalCalendar> {
    let o = object_arg(field, v)?;
    let tz = o.get("timeZone").or_else(|| o.get("time_zone")).map(|x| str_arg("calendar.timeZone", x)).transpose()?;
    let start = o.get("dayStartsAt").or_else(|| o.get("day_starts_at")).map(|x| str_arg("calendar.dayStartsAt", x)).transpose()?;
    Ok(FestivalCalendar::new(tz.unwrap_or("UTC"), start.unwrap_or("00:00"))?)
}

/// `checkinPolicy(policy): CheckinPolicy`: checks a policy (rule bounds, operators, variables,
/// values: `ACCESS_RULE_*`, `ACCESS_POLICY_INVALID`) and returns it as stored.
pub fn checkin_policy(policy: &Value) -> Result<Value> {
    policy_out(&policy_arg("policy", policy)?)
}

/// `evaluateCheckin(policy, context): PolicyDecision`: the one evaluator gates, servers and
/// reconciliation share. `context` is `{ ticketTypeId, zoneId, gate?, direction?, at, pending?,
/// attributes?, history? }` (`attributes` keep their names).
pub fn evaluate_checkin(policy: &Value, context: &Value) -> Result<Value> {
    let p = policy_arg("policy", policy)?;
    let ctx: CheckinContext = with_raw_keys("context", context, &["attributes"])?;
    to_js(&p.evaluate(&ctx))
}

/// `festivalDay(calendar, at): DayInfo`: the festival day of an instant in a calendar
/// (`{ timeZone, dayStartsAt }`) with its bounds, length, weekday and local time.
pub fn festival_day(calendar: &Value, at: &Value) -> Result<Value> {
    let cal = calendar_arg("calendar", calendar)?;
    to_js(&describe(&cal, crate::offline::timestamp_arg("at", at)?))
}

/// `festivalDayBounds(calendar, day): { day, weekday, dayStart, dayEnd, dayLengthMinutes }`.
pub fn festival_day_bounds(calendar: &Value, day: &Value) -> Result<Value> {
    let cal = calendar_arg("calendar", calendar)?;
    let d: FestivalDay = str_arg("day", day)?.parse()?;
    Ok(json!({
        "day": d.to_string(),
        "weekday": d.weekday(),
        "dayStart": cal.day_start(d).to_string(),
        "dayEnd": cal.day_end(d).to_string(),
        "dayLengthMinutes": cal.day_length_ms(d) / 60_000,
    }))
}

/// `scanStats(scans, calendar?): ScanStats`: failed-scan and admitted-in-error counts of scan
/// facts (`report.scans`), in total and per festival day.
pub fn scan_stats(scans: &Value, calendar: &Value) -> Result<Value> {
    array_arg("scans", scans)?;
    let scans: Vec<ScanFactOutcome> = from_js("scans", scans)?;
    let cal = if calendar.is_null() { FestivalCalendar::utc() } else { calendar_arg("calendar", calendar)? };
    let mut out = to_js(&festival_core::analytics::scan_stats(&scans, &cal))?;
    // Reason keys are data (deny reasons, error codes): give them back as the core names them.
    let raw = serde_json::to_value(festival_core::analytics::scan_stats(&scans, &cal)).unwrap_or(Value::Null);
    fix_reason_maps(&mut out, &raw);
    Ok(out)
}

fn fix_reason_maps(out: &mut Value, raw: &Value) {
    for key in ["deniedByReason", "inErrorByReason"] {
        let raw_key = if key == "deniedByReason" { "denied_by_reason" } else { "in_error_by_reason" };
        if let (Some(o), Some(r)) = (out.get_mut(key), raw.get(raw_key)) {
            *o = r.clone();
        }
    }
    if let (Some(t), Some(r)) = (out.get_mut("total"), raw.get("total")) {
        fix_reason_maps(t, r);
    }
    if let (Some(Value::Array(days)), Some(Value::Array(rdays))) = (out.get_mut("byDay"), raw.get("by_day")) {
        for (d, r) in days.iter_mut().zip(rdays) {
            fix_reason_maps(d, r);
        }
    }
}

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

    /// `setPolicy(policy)`: sets (or replaces) a check-in policy on its zones.
    pub fn set_policy(&mut self, policy: &Value) -> Result<Value> {
        self.0.set_policy(policy_arg("policy", policy)?)?;
        Ok(Value::Null)
    }

    /// `policies(): CheckinPolicy[]`.
    pub fn policies(&self) -> Result<Value> {
        Ok(Value::Array(self.0.policies().map(policy_out).collect::<Result<Vec<_>>>()?))
    }

    /// `scanWith(book, scan, context): ScanOutcome` with what the gate knows (`{ gate?, pending?,
    /// attributes? }`) for the zone's check-in policy; the outcome has `policy` (the policy's
    /// decision and what decided it) and `leftZones`.
    pub fn scan_with(&mut self, book: &mut TicketBookHandle, scan: &Value, context: &Value) -> Result<Value> {
        let ctx: ScanContext =
            if context.is_null() { ScanContext::default() } else { with_raw_keys("context", context, &["attributes"])? };
        to_js(&self.0.scan_with(&mut book.0, &scan_arg(scan)?, &ctx)?)
    }

    /// `annul(book, ticketId, zoneId, at): ZoneOccupancy`: annuls the ticket's last check-in into
    /// the zone (turned back at a kiosk; `ACCESS_NOTHING_TO_ANNUL` if it is not inside).
    pub fn annul(&mut self, book: &mut TicketBookHandle, ticket_id: &Value, zone_id: &Value, at: &Value) -> Result<Value> {
        let occ = self.0.annul(
            &mut book.0,
            uuid_arg("ticketId", ticket_id)?,
            str_arg("zoneId", zone_id)?,
            crate::offline::timestamp_arg("at", at)?,
        )?;
        to_js(&occ)
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

    #[test]
    fn policies_calendars_and_rules_keep_their_names() {
        let policy = json!({"id": "vip", "version": 2, "zones": ["vip"], "maxEntriesPerDay": 1,
            "calendar": {"timeZone": "Europe/Berlin", "dayStartsAt": "06:00"},
            "rules": {"or": [{"inList": [{"var": "attributes.vipLevel"}, [2, 3]]}, {"var": "pending"}]}});
        let stored = checkin_policy(&policy).unwrap();
        assert_eq!(stored["maxEntriesPerDay"], 1);
        assert_eq!(stored["rules"]["or"][0]["inList"][0]["var"], "attributes.vipLevel");
        let ctx = json!({"ticketTypeId": "00000000-0000-4000-8000-000000000001", "zoneId": "vip",
                         "at": "2026-07-04T12:00:00Z", "attributes": {"vipLevel": 3}});
        assert_eq!(evaluate_checkin(&policy, &ctx).unwrap()["decision"], "admit");
        let mut low = ctx.clone();
        low["attributes"]["vipLevel"] = json!(1);
        let d = evaluate_checkin(&policy, &low).unwrap();
        assert_eq!((d["reason"].as_str(), d["decidedBy"]["rulePath"].as_str()), (Some("rules"), Some("/or/0")));
        let bad = json!({"id": "x", "version": 1, "zones": ["a"], "rules": {"xor": [true]}});
        assert_eq!(checkin_policy(&bad).unwrap_err().code(), "ACCESS_RULE_UNKNOWN_OPERATOR");
        let cal = json!({"timeZone": "Europe/Berlin", "dayStartsAt": "06:00"});
        assert_eq!(festival_day(&cal, &json!("2026-07-05T05:59:00+02:00")).unwrap()["day"], "2026-07-04");
        assert_eq!(festival_day_bounds(&cal, &json!("2026-03-28")).unwrap()["dayLengthMinutes"], 1380);
        assert_eq!(festival_day(&json!({"timeZone": "Mars/Base"}), &json!("2026-07-05T00:00:00Z")).unwrap_err().code(),
                   "CALENDAR_UNKNOWN_TIME_ZONE");
    }
}
