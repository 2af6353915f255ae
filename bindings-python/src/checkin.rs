//! Check-in policies, festival calendars and scans as facts: `CheckinPolicy` (the one evaluator
//! of gates, servers and reconciliation), `PolicyDecision`, `FestivalCalendar`,
//! `ScanFactOutcome` (the `scans` of a reconciliation report) and `scan_stats`.

use crate::convert::{timestamp_from_py, timestamp_to_py, uuid_from_py, uuid_to_py};
use crate::errors::{type_err, CoreResult};
use crate::wallet::{enum_arg, enum_str};
use festival_core::access::policy::{AttributeValue, CheckinContext, CheckinPolicy, PolicyDecision};
use festival_core::access::{Decision, DenyReason, Direction};
use festival_core::calendar::{FestivalCalendar, FestivalDay};
use festival_core::offline::reconcile::ScanFactOutcome;
use festival_core::offline::record::ScanFact;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyString};
use std::collections::BTreeMap;

fn reason(d: &Decision) -> Option<String> {
    match d {
        Decision::Admit => None,
        Decision::Deny { reason } => Some(enum_str(reason)),
    }
}

/// `dict[str, bool | int | str]` → ticket attributes (floats raise TypeError).
pub(crate) fn attributes_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<BTreeMap<String, AttributeValue>> {
    let mut out = BTreeMap::new();
    let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(out) };
    let d = obj.cast::<PyDict>().map_err(|_| type_err("attributes", "a dict of str to bool, int or str", obj))?;
    for (k, v) in d.iter() {
        let key: String = k.extract().map_err(|_| type_err("attributes", "str keys", &k))?;
        let value = if v.is_instance_of::<PyBool>() {
            AttributeValue::Bool(v.extract()?)
        } else if v.is_instance_of::<PyInt>() {
            AttributeValue::Int(v.extract()?)
        } else if v.is_instance_of::<PyString>() {
            AttributeValue::Str(v.extract()?)
        } else {
            return Err(type_err("attributes", "bool, int or str values (no floats)", &v));
        };
        out.insert(key, value);
    }
    Ok(out)
}

/// A check-in list: ticket types, zones, gates, windows, entry limits, pending orders and
/// pretix-style JsonLogic rules. Built from its JSON (`CheckinPolicy.from_json(text)`; in Python
/// `CheckinPolicy.from_dict(d)`); bad rules raise `AccessError` (`ACCESS_RULE_*`).
#[pyclass(frozen, module = "festival_core", name = "CheckinPolicy")]
#[derive(Clone)]
pub struct PyCheckinPolicy {
    pub(crate) inner: CheckinPolicy,
}

#[pymethods]
impl PyCheckinPolicy {
    /// Reads and checks a policy: `InputError` for malformed JSON, `AccessError` otherwise.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyCheckinPolicy> {
        Ok(PyCheckinPolicy { inner: CheckinPolicy::from_json(text).py(py)? })
    }
    /// The policy's JSON as stored.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }
    #[getter]
    fn id(&self) -> String {
        self.inner.id().to_string()
    }
    #[getter]
    fn version(&self) -> u64 {
        self.inner.version()
    }
    #[getter]
    fn zones(&self) -> Vec<String> {
        self.inner.zones().to_vec()
    }
    /// Decides one scan: `history` are the ticket's admitted entries on this policy.
    #[pyo3(signature = (ticket_type_id, zone_id, at, *, direction = "in", gate = None, pending = false, attributes = None, history = Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate(
        &self,
        ticket_type_id: &Bound<'_, PyAny>,
        zone_id: String,
        at: &Bound<'_, PyAny>,
        direction: &str,
        gate: Option<String>,
        pending: bool,
        attributes: Option<&Bound<'_, PyAny>>,
        history: Vec<Bound<'_, PyAny>>,
    ) -> PyResult<PyPolicyDecision> {
        let ctx = CheckinContext {
            ticket_type_id: uuid_from_py("ticket_type_id", ticket_type_id)?,
            zone_id,
            gate,
            direction: enum_arg::<Direction>("direction", direction, "'in', 'out'")?,
            at: timestamp_from_py("at", at)?,
            pending,
            attributes: attributes_arg(attributes)?,
            history: history.iter().map(|h| timestamp_from_py("history", h)).collect::<PyResult<_>>()?,
        };
        Ok(PyPolicyDecision { inner: self.inner.evaluate(&ctx) })
    }
    fn __repr__(&self) -> String {
        format!("CheckinPolicy(id={:?}, version={}, zones={:?})", self.inner.id(), self.inner.version(), self.inner.zones())
    }
}

/// A check-in policy's decision and what decided it.
#[pyclass(frozen, module = "festival_core", name = "PolicyDecision")]
pub struct PyPolicyDecision {
    pub(crate) inner: PolicyDecision,
}

#[pymethods]
impl PyPolicyDecision {
    #[getter]
    fn admitted(&self) -> bool {
        self.inner.decision == Decision::Admit
    }
    /// The deny reason (`max_entries_per_day_reached`, `rules`...), None when admitted.
    #[getter]
    fn reason(&self) -> Option<String> {
        reason(&self.inner.decision)
    }
    #[getter]
    fn policy_id(&self) -> String {
        self.inner.policy_id.clone()
    }
    #[getter]
    fn policy_version(&self) -> u64 {
        self.inner.policy_version
    }
    /// The check that decided (`passed`, `max_entries`, `rules`, ...).
    #[getter]
    fn check(&self) -> String {
        enum_str(&self.inner.decided_by.check)
    }
    /// For `rules`: the deciding node's path (`/and/1`).
    #[getter]
    fn rule_path(&self) -> Option<String> {
        self.inner.decided_by.rule_path.clone()
    }
    #[getter]
    fn rule_operator(&self) -> Option<String> {
        self.inner.decided_by.rule_operator.clone()
    }
    #[getter]
    fn rule_variable(&self) -> Option<String> {
        self.inner.decided_by.rule_variable.clone()
    }
    fn __repr__(&self) -> String {
        format!(
            "PolicyDecision(admitted={}, reason={:?}, check={:?}, rule_path={:?})",
            if self.admitted() { "True" } else { "False" },
            self.reason(),
            self.check(),
            self.inner.decided_by.rule_path
        )
    }
}

pub(crate) fn date_to_py<'py>(py: Python<'py>, d: FestivalDay) -> PyResult<Bound<'py, PyAny>> {
    py.import("datetime")?.getattr("date")?.call_method1("fromisoformat", (d.to_string(),))
}

pub(crate) fn date_from_py(obj: &Bound<'_, PyAny>) -> PyResult<FestivalDay> {
    let py = obj.py();
    if !obj.is_instance(&py.import("datetime")?.getattr("date")?)? || obj.is_instance(&py.import("datetime")?.getattr("datetime")?)? {
        return Err(type_err("day", "a datetime.date", obj));
    }
    let text: String = obj.call_method0("isoformat")?.extract()?;
    text.parse::<FestivalDay>().py(py)
}

/// A festival calendar: IANA time zone and the local time each festival day starts
/// (`FestivalCalendar("Europe/Berlin", "06:00")`), correct across daylight-saving changes.
#[pyclass(frozen, module = "festival_core", name = "FestivalCalendar")]
#[derive(Clone)]
pub struct PyFestivalCalendar {
    pub(crate) inner: FestivalCalendar,
}

#[pymethods]
impl PyFestivalCalendar {
    /// `InputError` (`CALENDAR_UNKNOWN_TIME_ZONE`, `CALENDAR_INVALID_DAY_START`) for bad input.
    #[new]
    #[pyo3(signature = (time_zone = "UTC", day_starts_at = "00:00"))]
    fn new(py: Python<'_>, time_zone: &str, day_starts_at: &str) -> PyResult<Self> {
        Ok(PyFestivalCalendar { inner: FestivalCalendar::new(time_zone, day_starts_at).py(py)? })
    }
    #[getter]
    fn time_zone(&self) -> &'static str {
        self.inner.time_zone()
    }
    #[getter]
    fn day_starts_at(&self) -> String {
        self.inner.day_starts_at()
    }
    /// The festival day (a `datetime.date`, the local date it starts on) of an aware datetime.
    fn day_of<'py>(&self, py: Python<'py>, at: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        date_to_py(py, self.inner.day_of(timestamp_from_py("at", at)?))
    }
    /// ISO weekday (Monday 1 … Sunday 7) of the festival day of `at`.
    fn weekday(&self, at: &Bound<'_, PyAny>) -> PyResult<u8> {
        Ok(self.inner.weekday(timestamp_from_py("at", at)?))
    }
    /// `(start, end)` of festival day `day` as aware UTC datetimes (end exclusive).
    fn bounds<'py>(&self, py: Python<'py>, day: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let d = date_from_py(day)?;
        Ok((timestamp_to_py(py, self.inner.day_start(d))?, timestamp_to_py(py, self.inner.day_end(d))?))
    }
    /// Length of festival day `day` in minutes (1440, or 1380 / 1500 across a DST change).
    fn length_minutes(&self, day: &Bound<'_, PyAny>) -> PyResult<i64> {
        Ok(self.inner.day_length_ms(date_from_py(day)?) / 60_000)
    }
    fn __repr__(&self) -> String {
        format!("FestivalCalendar({:?}, {:?})", self.inner.time_zone(), self.inner.day_starts_at())
    }
}

/// The gate's decision for a scan it signs (`DeviceLog.record_scan`).
pub(crate) fn scan_fact_arg(admitted: bool, reason: Option<&str>, policy_version: u64, revocation_version: u64) -> PyResult<ScanFact> {
    let decision = match (admitted, reason) {
        (true, None) => Decision::Admit,
        (false, Some(r)) => Decision::Deny { reason: enum_arg::<DenyReason>("reason", r, "a deny reason such as 'wrong_zone'")? },
        (true, Some(_)) => return Err(pyo3::exceptions::PyValueError::new_err("reason: an admitted scan has no reason")),
        (false, None) => return Err(pyo3::exceptions::PyValueError::new_err("reason: a denied scan needs a reason")),
    };
    Ok(ScanFact { decision, policy_version, revocation_version })
}

/// A scan fact as reconciliation decided it (`ReconcileReport.scans`).
#[pyclass(frozen, module = "festival_core", name = "ScanFactOutcome")]
pub struct PyScanFactOutcome {
    pub(crate) inner: ScanFactOutcome,
}

#[pymethods]
impl PyScanFactOutcome {
    #[getter]
    fn record_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.record_id)
    }
    #[getter]
    fn device_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.device_id)
    }
    #[getter]
    fn ticket_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.ticket_id)
    }
    #[getter]
    fn zone_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.zone_id)
    }
    #[getter]
    fn direction(&self) -> String {
        enum_str(&self.inner.direction)
    }
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.at)
    }
    /// Whether the gate opened.
    #[getter]
    fn gate_admitted(&self) -> bool {
        self.inner.gate.admitted()
    }
    /// The gate's deny reason, None when it admitted.
    #[getter]
    fn gate_reason(&self) -> Option<String> {
        reason(&self.inner.gate.decision)
    }
    #[getter]
    fn policy_version(&self) -> u64 {
        self.inner.gate.policy_version
    }
    #[getter]
    fn revocation_version(&self) -> u64 {
        self.inner.gate.revocation_version
    }
    /// Whether the entry / exit took effect (the gate admitted it).
    #[getter]
    fn applied(&self) -> bool {
        self.inner.applied
    }
    /// The server's code when the gate admitted what it would have denied.
    #[getter]
    fn admitted_in_error(&self) -> Option<String> {
        self.inner.admitted_in_error.clone()
    }
    /// The zone's check-in policy's decision on the server.
    #[getter]
    fn server_policy(&self) -> Option<PyPolicyDecision> {
        self.inner.server_policy.clone().map(|p| PyPolicyDecision { inner: p })
    }
    /// With per-zone presence: the zones this entry left (its policy's `leaves_zones`).
    #[getter]
    fn left_zones<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.inner.left_zones.iter().map(|z| uuid_to_py(py, z)).collect()
    }
    /// For `RECONCILE_STALE_REVOCATION_LIST`: `{"gate_version", "current_version", "published_at"}`
    /// (the gate's list, the newer one that revoked the ticket and when it was published).
    #[getter]
    fn stale_revocation_list<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, pyo3::types::PyDict>>> {
        let Some(s) = self.inner.stale_revocation_list else { return Ok(None) };
        let d = pyo3::types::PyDict::new(py);
        d.set_item("gate_version", s.gate_version)?;
        d.set_item("current_version", s.current_version)?;
        d.set_item("published_at", timestamp_to_py(py, s.published_at)?)?;
        Ok(Some(d))
    }
    fn __repr__(&self) -> String {
        format!(
            "ScanFactOutcome(ticket_id='{}', direction='{}', gate_admitted={}, admitted_in_error={:?})",
            self.inner.ticket_id,
            self.direction(),
            if self.gate_admitted() { "True" } else { "False" },
            self.inner.admitted_in_error
        )
    }
}

fn counts_dict<'py>(py: Python<'py>, c: &festival_core::analytics::ScanCounts) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("scans", c.scans)?;
    d.set_item("admitted", c.admitted)?;
    d.set_item("denied", c.denied)?;
    d.set_item("admitted_in_error", c.admitted_in_error)?;
    d.set_item("denied_by_reason", c.denied_by_reason.clone())?;
    d.set_item("in_error_by_reason", c.in_error_by_reason.clone())?;
    d.set_item("stale_revocation_list", c.stale_revocation_list)?;
    Ok(d)
}

/// Failed-scan statistics of scan facts: `{"total": counts, "by_day": {date: counts}}` with
/// counts `{"scans", "admitted", "denied", "admitted_in_error", "denied_by_reason",
/// "in_error_by_reason", "stale_revocation_list"}`, days of `calendar` (UTC days by default).
#[pyfunction]
#[pyo3(signature = (scans, calendar = None))]
pub fn scan_stats<'py>(
    py: Python<'py>,
    scans: Vec<PyRef<'py, PyScanFactOutcome>>,
    calendar: Option<PyRef<'py, PyFestivalCalendar>>,
) -> PyResult<Bound<'py, PyDict>> {
    let list: Vec<ScanFactOutcome> = scans.iter().map(|s| s.inner.clone()).collect();
    let cal = calendar.map(|c| c.inner).unwrap_or_default();
    let stats = festival_core::analytics::scan_stats(&list, &cal);
    let out = PyDict::new(py);
    out.set_item("total", counts_dict(py, &stats.total)?)?;
    let days = PyDict::new(py);
    for d in &stats.by_day {
        days.set_item(date_to_py(py, d.day)?, counts_dict(py, &d.counts)?)?;
    }
    out.set_item("by_day", days)?;
    Ok(out)
}
