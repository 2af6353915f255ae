//! Gate-side offline tickets: signed ticket codes (QR text), issuer key sets, signed revocation
//! lists and the gate's revocation store.

use crate::convert::{timestamp_from_py, timestamp_to_py, uuid_from_py, uuid_to_py};
use crate::errors::{type_err, CoreResult};
use crate::offline::{arr, bytes_from_py, seed_arg};
use crate::wallet::enum_str;
use festival_core::offline::codes::{
    decode_ticket_code as core_decode, issue_ticket_code as core_issue, verify_ticket_code as core_verify, IssuerKey,
    KeySet, RevocationList, RevocationStore, TicketClaims,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use uuid::Uuid;

fn uuid_seq(field: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Uuid>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(vec![]) };
    if obj.is_instance_of::<PyString>() {
        return Err(type_err(field, "a sequence of uuid.UUID", obj));
    }
    let mut out = Vec::new();
    for item in obj.try_iter().map_err(|_| type_err(field, "a sequence of uuid.UUID", obj))? {
        out.push(uuid_from_py(field, &item?)?);
    }
    Ok(out)
}

/// An issuer key (ticket codes and revocation lists) with its own validity window.
#[pyclass(frozen, module = "festival_core", name = "IssuerKey")]
#[derive(Clone)]
pub struct PyIssuerKey {
    inner: IssuerKey,
}

#[pymethods]
impl PyIssuerKey {
    #[new]
    fn new(
        key_id: u32,
        public_key: &Bound<'_, PyAny>,
        festival_id: &Bound<'_, PyAny>,
        valid_from: &Bound<'_, PyAny>,
        valid_until: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        Ok(PyIssuerKey {
            inner: IssuerKey {
                key_id,
                public_key: arr::<32>("public_key", public_key)?,
                festival_id: uuid_from_py("festival_id", festival_id)?,
                valid_from: timestamp_from_py("valid_from", valid_from)?,
                valid_until: timestamp_from_py("valid_until", valid_until)?,
            },
        })
    }
    #[getter]
    fn key_id(&self) -> u32 {
        self.inner.key_id
    }
    #[getter]
    fn public_key<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.public_key)
    }
    #[getter]
    fn festival_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.festival_id)
    }
    #[getter]
    fn valid_from<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.valid_from)
    }
    #[getter]
    fn valid_until<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.valid_until)
    }
    fn __repr__(&self) -> String {
        format!(
            "IssuerKey(key_id={}, festival_id=UUID('{}'), valid_from='{}', valid_until='{}')",
            self.inner.key_id, self.inner.festival_id, self.inner.valid_from, self.inner.valid_until
        )
    }
}

/// The issuer keys a gate trusts (`OFFLINE_INVALID_KEY` for an unusable key or a repeated id).
#[pyclass(frozen, module = "festival_core", name = "KeySet")]
pub struct PyKeySet {
    inner: KeySet,
    len: usize,
}

#[pymethods]
impl PyKeySet {
    #[new]
    fn new(py: Python<'_>, keys: Vec<PyRef<'_, PyIssuerKey>>) -> PyResult<Self> {
        let len = keys.len();
        let inner = KeySet::new(keys.iter().map(|k| k.inner.clone()).collect()).py(py)?;
        Ok(PyKeySet { inner, len })
    }
    fn __len__(&self) -> usize {
        self.len
    }
    fn __repr__(&self) -> String {
        format!("KeySet(keys={})", self.len)
    }
}

/// What a ticket code says: issuer key id, festival, ticket, type (1..=16 of `A-Z0-9_-`), window.
#[pyclass(frozen, module = "festival_core", name = "TicketClaims")]
#[derive(Clone)]
pub struct PyTicketClaims {
    inner: TicketClaims,
}

#[pymethods]
impl PyTicketClaims {
    #[new]
    fn new(
        key_id: u32,
        festival_id: &Bound<'_, PyAny>,
        ticket_id: &Bound<'_, PyAny>,
        ticket_type: String,
        valid_from: &Bound<'_, PyAny>,
        valid_until: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        Ok(PyTicketClaims {
            inner: TicketClaims {
                key_id,
                festival_id: uuid_from_py("festival_id", festival_id)?,
                ticket_id: uuid_from_py("ticket_id", ticket_id)?,
                ticket_type,
                valid_from: timestamp_from_py("valid_from", valid_from)?,
                valid_until: timestamp_from_py("valid_until", valid_until)?,
            },
        })
    }
    /// The canonical bytes that are signed (`CODE_MALFORMED` for an invalid ticket type).
    fn encode<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.inner.encode().py(py)?))
    }
    #[getter]
    fn key_id(&self) -> u32 {
        self.inner.key_id
    }
    #[getter]
    fn festival_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.festival_id)
    }
    #[getter]
    fn ticket_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.ticket_id)
    }
    #[getter]
    fn ticket_type(&self) -> String {
        self.inner.ticket_type.clone()
    }
    #[getter]
    fn valid_from<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.valid_from)
    }
    #[getter]
    fn valid_until<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.valid_until)
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyTicketClaims>().is_ok_and(|o| o.get().inner == self.inner)
    }
    fn __repr__(&self) -> String {
        format!(
            "TicketClaims(key_id={}, ticket_id=UUID('{}'), ticket_type={:?}, valid_from='{}', valid_until='{}')",
            self.inner.key_id,
            self.inner.ticket_id,
            self.inner.ticket_type,
            self.inner.valid_from,
            self.inner.valid_until
        )
    }
}

/// Issues the QR text (`FC...`) of a ticket code signed with the issuer's 32-byte seed.
#[pyfunction]
pub fn issue_ticket_code(
    py: Python<'_>,
    claims: PyRef<'_, PyTicketClaims>,
    issuer_seed: &Bound<'_, PyAny>,
) -> PyResult<String> {
    core_issue(&claims.inner, &seed_arg(issuer_seed)?).py(py)
}

/// Decodes a ticket code WITHOUT verifying it: `(claims, signature)` (`CODE_MALFORMED`).
#[pyfunction]
pub fn decode_ticket_code<'py>(py: Python<'py>, code: &str) -> PyResult<(PyTicketClaims, Bound<'py, PyBytes>)> {
    let (claims, sig) = core_decode(code).py(py)?;
    Ok((PyTicketClaims { inner: claims }, PyBytes::new(py, &sig)))
}

/// Verifies a ticket code at a gate: key, signature, festival, validity window, then the
/// installed revocation list (no older than `max_staleness_ms`). Returns the claims.
#[pyfunction]
pub fn verify_ticket_code(
    py: Python<'_>,
    code: &str,
    keys: PyRef<'_, PyKeySet>,
    festival_id: &Bound<'_, PyAny>,
    now: &Bound<'_, PyAny>,
    revocations: PyRef<'_, PyRevocationStore>,
    max_staleness_ms: i64,
) -> PyResult<PyTicketClaims> {
    let claims = core_verify(
        code,
        &keys.inner,
        uuid_from_py("festival_id", festival_id)?,
        timestamp_from_py("now", now)?,
        &revocations.inner,
        max_staleness_ms,
    )
    .py(py)?;
    Ok(PyTicketClaims { inner: claims })
}

/// A revocation / block list: revoked tickets and devices, blocked NFC tags (entries are sorted
/// strictly; the encoding is unique).
#[pyclass(frozen, module = "festival_core", name = "RevocationList")]
#[derive(Clone)]
pub struct PyRevocationList {
    inner: RevocationList,
}

#[pymethods]
impl PyRevocationList {
    #[new]
    #[pyo3(signature = (festival_id, key_id, version, issued_at, revoked_tickets = None, blocked_tags = None, revoked_devices = None))]
    fn new(
        festival_id: &Bound<'_, PyAny>,
        key_id: u32,
        version: u64,
        issued_at: &Bound<'_, PyAny>,
        revoked_tickets: Option<&Bound<'_, PyAny>>,
        blocked_tags: Option<&Bound<'_, PyAny>>,
        revoked_devices: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut tags = Vec::new();
        if let Some(obj) = blocked_tags.filter(|o| !o.is_none()) {
            if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyString>() {
                return Err(type_err("blocked_tags", "a sequence of bytes", obj));
            }
            for item in obj.try_iter().map_err(|_| type_err("blocked_tags", "a sequence of bytes", obj))? {
                tags.push(bytes_from_py("blocked_tags[i]", &item?)?);
            }
        }
        Ok(PyRevocationList {
            inner: RevocationList {
                festival_id: uuid_from_py("festival_id", festival_id)?,
                key_id,
                version,
                issued_at: timestamp_from_py("issued_at", issued_at)?,
                revoked_tickets: uuid_seq("revoked_tickets", revoked_tickets)?,
                blocked_tags: tags,
                revoked_devices: uuid_seq("revoked_devices", revoked_devices)?,
            },
        })
    }

    /// The canonical unsigned encoding (`CODE_MALFORMED` if entries are unsorted or repeated).
    fn encode<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.inner.encode().py(py)?))
    }

    /// Signed list bytes (what gates install).
    fn sign<'py>(&self, py: Python<'py>, issuer_seed: &Bound<'_, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.inner.sign(&seed_arg(issuer_seed)?).py(py)?))
    }

    /// Decodes signed list bytes WITHOUT verifying: `(list, signature)`.
    #[staticmethod]
    fn decode<'py>(py: Python<'py>, data: &Bound<'_, PyAny>) -> PyResult<(PyRevocationList, Bound<'py, PyBytes>)> {
        let (l, sig) = RevocationList::decode(&bytes_from_py("data", data)?).py(py)?;
        Ok((PyRevocationList { inner: l }, PyBytes::new(py, &sig)))
    }

    /// Decodes and verifies signed list bytes against `keys` for `festival_id`.
    #[staticmethod]
    fn verify(
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        keys: PyRef<'_, PyKeySet>,
        festival_id: &Bound<'_, PyAny>,
    ) -> PyResult<PyRevocationList> {
        let l = RevocationList::verify(
            &bytes_from_py("data", data)?,
            &keys.inner,
            uuid_from_py("festival_id", festival_id)?,
        )
        .py(py)?;
        Ok(PyRevocationList { inner: l })
    }

    fn is_ticket_revoked(&self, ticket_id: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.inner.is_ticket_revoked(&uuid_from_py("ticket_id", ticket_id)?))
    }
    fn is_tag_blocked(&self, tag: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.inner.is_tag_blocked(&bytes_from_py("tag", tag)?))
    }
    fn is_device_revoked(&self, device_id: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.inner.is_device_revoked(&uuid_from_py("device_id", device_id)?))
    }

    #[getter]
    fn festival_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.festival_id)
    }
    #[getter]
    fn key_id(&self) -> u32 {
        self.inner.key_id
    }
    #[getter]
    fn version(&self) -> u64 {
        self.inner.version
    }
    #[getter]
    fn issued_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.issued_at)
    }
    #[getter]
    fn revoked_tickets<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.inner.revoked_tickets.iter().map(|u| uuid_to_py(py, u)).collect()
    }
    #[getter]
    fn blocked_tags<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        self.inner.blocked_tags.iter().map(|t| PyBytes::new(py, t)).collect()
    }
    #[getter]
    fn revoked_devices<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.inner.revoked_devices.iter().map(|u| uuid_to_py(py, u)).collect()
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyRevocationList>().is_ok_and(|o| o.get().inner == self.inner)
    }
    fn __repr__(&self) -> String {
        format!(
            "RevocationList(key_id={}, version={}, issued_at='{}', revoked_tickets=<{}>, blocked_tags=<{}>, revoked_devices=<{}>)",
            self.inner.key_id,
            self.inner.version,
            self.inner.issued_at,
            self.inner.revoked_tickets.len(),
            self.inner.blocked_tags.len(),
            self.inner.revoked_devices.len()
        )
    }
}

/// A gate's current revocation list; only ever moves forward.
#[pyclass(module = "festival_core", name = "RevocationStore")]
pub struct PyRevocationStore {
    inner: RevocationStore,
}

#[pymethods]
impl PyRevocationStore {
    #[new]
    fn new() -> Self {
        PyRevocationStore { inner: RevocationStore::default() }
    }

    /// Verifies and installs signed list bytes: `installed` or `unchanged` (the same bytes);
    /// an older or equal version raises `CODE_REVOCATION_LIST_OUTDATED`.
    fn install(
        &mut self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        keys: PyRef<'_, PyKeySet>,
        festival_id: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        let r = self
            .inner
            .install(
                &bytes_from_py("data", data)?,
                &keys.inner,
                uuid_from_py("festival_id", festival_id)?,
                timestamp_from_py("now", now)?,
            )
            .py(py)?;
        Ok(enum_str(&r))
    }

    /// The installed list, or None.
    fn current(&self) -> Option<PyRevocationList> {
        self.inner.current().map(|l| PyRevocationList { inner: l.clone() })
    }

    /// The installed list if at most `max_staleness_ms` old at `now` (`CODE_REVOCATION_LIST_STALE`).
    fn fresh(&self, py: Python<'_>, now: &Bound<'_, PyAny>, max_staleness_ms: i64) -> PyResult<PyRevocationList> {
        let l = self.inner.fresh(timestamp_from_py("now", now)?, max_staleness_ms).py(py)?;
        Ok(PyRevocationList { inner: l.clone() })
    }

    fn __repr__(&self) -> String {
        match self.inner.current() {
            Some(l) => format!("RevocationStore(version={})", l.version),
            None => "RevocationStore(version=None)".into(),
        }
    }
}
