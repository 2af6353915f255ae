//! Access zones: gate scans against a `TicketBook` → decision with reason, occupancy, alerts.

use crate::convert::{timestamp_from_py, timestamp_to_py, uuid_from_py, uuid_to_py};
use crate::errors::{type_err, CoreResult};
use crate::ticketing::PyTicketBook;
use crate::wallet::{enum_arg, enum_str};
use festival_core::access::{
    AccessControl, CapacityAlert, Decision, Direction, Scan, ScanContext, ScanOutcome, Zone, ZoneOccupancy,
};
use pyo3::prelude::*;
use pyo3::types::PyString;

/// An access zone: main arena, stage front, backstage.
#[pyclass(frozen, module = "festival_core", name = "Zone")]
#[derive(Clone)]
pub struct PyZone {
    inner: Zone,
}

#[pymethods]
impl PyZone {
    /// `ticket_type_ids`: types admitted besides those listing the zone; `perimeter`: scans here
    /// check tickets in and out; `alert_thresholds`: percentages of capacity (1..=100).
    /// Validated by `AccessControl(...)`.
    #[new]
    #[pyo3(signature = (id, name, capacity, ticket_type_ids = None, perimeter = false, alert_thresholds = Vec::new()))]
    fn new(
        id: String,
        name: String,
        capacity: u32,
        ticket_type_ids: Option<&Bound<'_, PyAny>>,
        perimeter: bool,
        alert_thresholds: Vec<u32>,
    ) -> PyResult<Self> {
        let mut ids = Vec::new();
        if let Some(obj) = ticket_type_ids.filter(|o| !o.is_none()) {
            if obj.is_instance_of::<PyString>() {
                return Err(type_err("ticket_type_ids", "a sequence of uuid.UUID", obj));
            }
            for item in obj.try_iter().map_err(|_| type_err("ticket_type_ids", "a sequence of uuid.UUID", obj))? {
                ids.push(uuid_from_py("ticket_type_ids", &item?)?);
            }
        }
        Ok(PyZone { inner: Zone { id, name, capacity, ticket_type_ids: ids, perimeter, alert_thresholds } })
    }

    #[getter]
    fn id(&self) -> String {
        self.inner.id.clone()
    }
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }
    #[getter]
    fn capacity(&self) -> u32 {
        self.inner.capacity
    }
    #[getter]
    fn ticket_type_ids<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.inner.ticket_type_ids.iter().map(|i| uuid_to_py(py, i)).collect()
    }
    #[getter]
    fn perimeter(&self) -> bool {
        self.inner.perimeter
    }
    #[getter]
    fn alert_thresholds(&self) -> Vec<u32> {
        self.inner.alert_thresholds.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "Zone(id={:?}, name={:?}, capacity={}, perimeter={}, alert_thresholds={:?})",
            self.inner.id,
            self.inner.name,
            self.inner.capacity,
            if self.inner.perimeter { "True" } else { "False" },
            self.inner.alert_thresholds
        )
    }
}

/// A capacity threshold crossed upward by a scan.
#[pyclass(frozen, module = "festival_core", name = "CapacityAlert")]
pub struct PyCapacityAlert {
    inner: CapacityAlert,
}

#[pymethods]
impl PyCapacityAlert {
    #[getter]
    fn zone_id(&self) -> String {
        self.inner.zone_id.clone()
    }
    #[getter]
    fn threshold_percent(&self) -> u32 {
        self.inner.threshold_percent
    }
    #[getter]
    fn occupancy(&self) -> u32 {
        self.inner.occupancy
    }
    #[getter]
    fn capacity(&self) -> u32 {
        self.inner.capacity
    }
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.at)
    }

    fn __repr__(&self) -> String {
        format!(
            "CapacityAlert(zone_id={:?}, threshold_percent={}, occupancy={}, capacity={}, at='{}')",
            self.inner.zone_id, self.inner.threshold_percent, self.inner.occupancy, self.inner.capacity, self.inner.at
        )
    }
}

/// The decision for a scan: `admitted`, and `reason` when denied (`wrong_zone`,
/// `outside_validity`, `already_inside`, `not_inside`, `revoked`, `cancelled`, `transferred`,
/// `refunded`, `zone_full`, `reentry_not_allowed`).
#[pyclass(frozen, module = "festival_core", name = "Decision")]
pub struct PyDecision {
    inner: Decision,
}

fn reason_of(d: &Decision) -> Option<String> {
    match d {
        Decision::Admit => None,
        Decision::Deny { reason } => Some(enum_str(reason)),
    }
}

#[pymethods]
impl PyDecision {
    #[getter]
    fn admitted(&self) -> bool {
        self.inner == Decision::Admit
    }
    #[getter]
    fn reason(&self) -> Option<String> {
        reason_of(&self.inner)
    }
    fn __bool__(&self) -> bool {
        self.admitted()
    }
    fn __repr__(&self) -> String {
        match reason_of(&self.inner) {
            None => "Decision(admitted=True, reason=None)".into(),
            Some(r) => format!("Decision(admitted=False, reason='{r}')"),
        }
    }
}

/// The outcome of a recorded scan: decision, the zone's occupancy after it, alerts it raised.
#[pyclass(frozen, module = "festival_core", name = "ScanOutcome")]
pub struct PyScanOutcome {
    inner: ScanOutcome,
}

#[pymethods]
impl PyScanOutcome {
    #[getter]
    fn admitted(&self) -> bool {
        self.inner.decision == Decision::Admit
    }
    #[getter]
    fn reason(&self) -> Option<String> {
        reason_of(&self.inner.decision)
    }
    #[getter]
    fn occupancy(&self) -> u32 {
        self.inner.occupancy
    }
    #[getter]
    fn alerts(&self) -> Vec<PyCapacityAlert> {
        self.inner.alerts.iter().map(|a| PyCapacityAlert { inner: a.clone() }).collect()
    }
    /// The zone's check-in policy's decision (None without a policy or before it was reached).
    #[getter]
    fn policy(&self) -> Option<crate::checkin::PyPolicyDecision> {
        self.inner.policy.clone().map(|p| crate::checkin::PyPolicyDecision { inner: p })
    }
    /// Zones this entry left (the policy's `leaves_zones`).
    #[getter]
    fn left_zones(&self) -> Vec<String> {
        self.inner.left_zones.clone()
    }
    fn __repr__(&self) -> String {
        format!(
            "ScanOutcome(admitted={}, reason={}, occupancy={}, alerts=<{} alerts>)",
            if self.admitted() { "True" } else { "False" },
            reason_of(&self.inner.decision).map_or("None".to_string(), |r| format!("'{r}'")),
            self.inner.occupancy,
            self.inner.alerts.len()
        )
    }
}

/// Occupancy of one zone.
#[pyclass(frozen, module = "festival_core", name = "ZoneOccupancy")]
pub struct PyZoneOccupancy {
    inner: ZoneOccupancy,
}

#[pymethods]
impl PyZoneOccupancy {
    #[getter]
    fn zone_id(&self) -> String {
        self.inner.zone_id.clone()
    }
    #[getter]
    fn occupancy(&self) -> u32 {
        self.inner.occupancy
    }
    #[getter]
    fn capacity(&self) -> u32 {
        self.inner.capacity
    }
    #[getter]
    fn entries(&self) -> u64 {
        self.inner.entries
    }
    #[getter]
    fn exits(&self) -> u64 {
        self.inner.exits
    }
    fn __repr__(&self) -> String {
        format!(
            "ZoneOccupancy(zone_id={:?}, occupancy={}, capacity={}, entries={}, exits={})",
            self.inner.zone_id, self.inner.occupancy, self.inner.capacity, self.inner.entries, self.inner.exits
        )
    }
}

fn scan_arg(ticket_id: &Bound<'_, PyAny>, zone_id: String, direction: &str, at: &Bound<'_, PyAny>) -> PyResult<Scan> {
    Ok(Scan {
        ticket_id: uuid_from_py("ticket_id", ticket_id)?,
        zone_id,
        direction: enum_arg::<Direction>("direction", direction, "'in', 'out'")?,
        at: timestamp_from_py("at", at)?,
    })
}

/// The zones of a festival and who is inside them. Scans at perimeter zones also check the ticket
/// in / out in the `TicketBook`.
#[pyclass(module = "festival_core", name = "AccessControl")]
pub struct PyAccessControl {
    inner: AccessControl,
}

#[pymethods]
impl PyAccessControl {
    /// The core's JSON of this state (what `from_json` reads back).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.to_json().py(py)
    }

    /// Reads state written by `to_json`, checked by the core: `InputError` (`INPUT_INVALID`) for
    /// malformed JSON, `ACCESS_STATE_INVALID` (or `ACCESS_INVALID_ZONE`) for inconsistent state.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<PyAccessControl> {
        Ok(PyAccessControl { inner: AccessControl::from_json(text).py(py)? })
    }

    /// `ACCESS_INVALID_ZONE` / `ACCESS_DUPLICATE_ZONE` for bad definitions.
    #[new]
    fn new(py: Python<'_>, zones: Vec<PyRef<'_, PyZone>>) -> PyResult<Self> {
        let zones = zones.iter().map(|z| z.inner.clone()).collect();
        Ok(PyAccessControl { inner: AccessControl::new(zones).py(py)? })
    }

    /// A zone's definition (`ACCESS_UNKNOWN_ZONE`).
    fn zone(&self, py: Python<'_>, zone_id: &str) -> PyResult<PyZone> {
        Ok(PyZone { inner: self.inner.zone(zone_id).py(py)?.clone() })
    }

    /// A zone's occupancy.
    fn occupancy(&self, py: Python<'_>, zone_id: &str) -> PyResult<PyZoneOccupancy> {
        Ok(PyZoneOccupancy { inner: self.inner.occupancy(zone_id).py(py)? })
    }

    /// Occupancy of every zone, by id.
    fn occupancies(&self) -> Vec<PyZoneOccupancy> {
        self.inner.occupancies().into_iter().map(|o| PyZoneOccupancy { inner: o }).collect()
    }

    /// Whether a ticket is inside a zone.
    fn is_inside(&self, py: Python<'_>, zone_id: &str, ticket_id: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.inner.is_inside(zone_id, uuid_from_py("ticket_id", ticket_id)?).py(py)
    }

    /// The decision for a scan, without recording anything. `direction`: `in` or `out`.
    fn decide(
        &self,
        py: Python<'_>,
        book: PyRef<'_, PyTicketBook>,
        ticket_id: &Bound<'_, PyAny>,
        zone_id: String,
        direction: &str,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<PyDecision> {
        let scan = scan_arg(ticket_id, zone_id, direction, at)?;
        Ok(PyDecision { inner: self.inner.decide(&book.inner, &scan).py(py)? })
    }

    /// Decides a scan and records it when admitted (occupancy, presence, alerts, perimeter
    /// check-in / check-out). Unknown zone or ticket raise `AccessError`; nothing changes then.
    /// `gate`, `pending` and `attributes` are what the gate knows, for the zone's check-in policy.
    #[pyo3(signature = (book, ticket_id, zone_id, direction, at, *, gate = None, pending = false, attributes = None))]
    #[allow(clippy::too_many_arguments)]
    fn scan(
        &mut self,
        py: Python<'_>,
        mut book: PyRefMut<'_, PyTicketBook>,
        ticket_id: &Bound<'_, PyAny>,
        zone_id: String,
        direction: &str,
        at: &Bound<'_, PyAny>,
        gate: Option<String>,
        pending: bool,
        attributes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyScanOutcome> {
        let scan = scan_arg(ticket_id, zone_id, direction, at)?;
        let ctx = ScanContext { gate, pending, attributes: crate::checkin::attributes_arg(attributes)? };
        Ok(PyScanOutcome { inner: self.inner.scan_with(&mut book.inner, &scan, &ctx).py(py)? })
    }

    /// Sets (or replaces) a check-in policy on its zones (`ACCESS_POLICY_INVALID`).
    fn set_policy(&mut self, py: Python<'_>, policy: PyRef<'_, crate::checkin::PyCheckinPolicy>) -> PyResult<()> {
        self.inner.set_policy(policy.inner.clone()).py(py)
    }

    /// The check-in policies, by id.
    fn policies(&self) -> Vec<crate::checkin::PyCheckinPolicy> {
        self.inner.policies().map(|p| crate::checkin::PyCheckinPolicy { inner: p.clone() }).collect()
    }

    /// Annuls the last check-in of a ticket into a zone (turned back at a kiosk); returns the
    /// zone's occupancy. `ACCESS_NOTHING_TO_ANNUL` if the ticket is not inside.
    fn annul(
        &mut self,
        py: Python<'_>,
        mut book: PyRefMut<'_, PyTicketBook>,
        ticket_id: &Bound<'_, PyAny>,
        zone_id: &str,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<PyZoneOccupancy> {
        let occ = self
            .inner
            .annul(&mut book.inner, uuid_from_py("ticket_id", ticket_id)?, zone_id, timestamp_from_py("at", at)?)
            .py(py)?;
        Ok(PyZoneOccupancy { inner: occ })
    }

    fn __repr__(&self) -> String {
        let zones: Vec<String> = self.inner.occupancies().into_iter().map(|o| o.zone_id).collect();
        format!("AccessControl(zones={zones:?})")
    }
}
