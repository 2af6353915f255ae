//! Server side of offline sync: device registry, reconciliation state kept between streamed
//! calls, `reconcile(state, registry, batches, now, config)` over batch bytes, and the report as
//! Python objects (also as the core's JSON, which feeds `analyze_reconcile_reports`), and the
//! stateless `verify_chain(registry, festival_id, records, now, chains, config)`.

use crate::convert::{currency_from_py, timestamp_from_py, timestamp_to_py, uuid_from_py, uuid_to_py};
use crate::errors::{core_err, type_err, CoreResult};
use crate::money::{money_arg, PyMoney};
use crate::offline::{arr, bytes_from_py, PyRecordBody, PySignedRecord};
use crate::wallet::{enum_arg, enum_str, PyBalances, PyWallet};
use festival_core::offline::ack::IssuedAck;
use festival_core::offline::allowance::Allowance;
use festival_core::offline::chain::{
    verify_chain as core_verify_chain, AfterCut, ChainConfig, ChainHistory, ChainReport, CheckOutcome, DeviceChain, LostRange,
    RevocationCut,
};
use festival_core::offline::reconcile::{
    reconcile as core_reconcile, Alert, ConflictPolicy, Finality, ReconcileConfig, ReconcileReport, ReconcileState,
    RecordOutcome, Revision, TicketState, Verdict,
};
use festival_core::offline::record::{Anchor, Digest, Hlc, SignedRecord};
use festival_core::offline::registry::{DeviceEntry, DeviceRegistry, DeviceRole};
use festival_core::{InputError, Money};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};
use std::collections::BTreeMap;
use uuid::Uuid;

fn json_err(py: Python<'_>, field: &str, e: serde_json::Error) -> PyErr {
    core_err(py, InputError::invalid(field, e.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------

/// One registered device: its key, festival, role (`pos`, `gate`, `top_up`), locations and
/// validity window (records at or after `revoked_at` are rejected).
#[pyclass(frozen, module = "festival_core", name = "DeviceEntry")]
#[derive(Clone)]
pub struct PyDeviceEntry {
    inner: DeviceEntry,
}

#[pymethods]
impl PyDeviceEntry {
    #[new]
    #[pyo3(signature = (device_id, public_key, festival_id, role, valid_from, valid_until, locations = None, revoked_at = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        device_id: &Bound<'_, PyAny>,
        public_key: &Bound<'_, PyAny>,
        festival_id: &Bound<'_, PyAny>,
        role: &str,
        valid_from: &Bound<'_, PyAny>,
        valid_until: &Bound<'_, PyAny>,
        locations: Option<&Bound<'_, PyAny>>,
        revoked_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut locs = Vec::new();
        if let Some(obj) = locations.filter(|o| !o.is_none()) {
            if obj.is_instance_of::<PyString>() {
                return Err(type_err("locations", "a sequence of uuid.UUID", obj));
            }
            for item in obj.try_iter().map_err(|_| type_err("locations", "a sequence of uuid.UUID", obj))? {
                locs.push(uuid_from_py("locations", &item?)?);
            }
        }
        let revoked_at = match revoked_at.filter(|o| !o.is_none()) {
            Some(r) => Some(timestamp_from_py("revoked_at", r)?),
            None => None,
        };
        Ok(PyDeviceEntry {
            inner: DeviceEntry {
                device_id: uuid_from_py("device_id", device_id)?,
                public_key: arr::<32>("public_key", public_key)?,
                festival_id: uuid_from_py("festival_id", festival_id)?,
                role: enum_arg::<DeviceRole>("role", role, "'pos', 'gate', 'top_up'")?,
                locations: locs,
                valid_from: timestamp_from_py("valid_from", valid_from)?,
                valid_until: timestamp_from_py("valid_until", valid_until)?,
                revoked_at,
            },
        })
    }

    #[getter]
    fn device_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.device_id)
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
    fn role(&self) -> &'static str {
        self.inner.role.as_str()
    }
    #[getter]
    fn locations<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.inner.locations.iter().map(|l| uuid_to_py(py, l)).collect()
    }
    #[getter]
    fn valid_from<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.valid_from)
    }
    #[getter]
    fn valid_until<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.valid_until)
    }
    #[getter]
    fn revoked_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.revoked_at.map(|t| timestamp_to_py(py, t)).transpose()
    }
    fn __repr__(&self) -> String {
        format!(
            "DeviceEntry(device_id=UUID('{}'), role='{}', locations=<{}>, revoked_at={})",
            self.inner.device_id,
            self.inner.role.as_str(),
            self.inner.locations.len(),
            self.inner.revoked_at.map_or("None".to_string(), |t| format!("'{t}'"))
        )
    }
}

/// The festival's devices, keys checked once (`OFFLINE_INVALID_KEY`, duplicate ids).
#[pyclass(module = "festival_core", name = "DeviceRegistry")]
pub struct PyDeviceRegistry {
    pub(crate) inner: DeviceRegistry,
}

#[pymethods]
impl PyDeviceRegistry {
    #[new]
    fn new(py: Python<'_>, entries: Vec<PyRef<'_, PyDeviceEntry>>) -> PyResult<Self> {
        let e = entries.iter().map(|x| x.inner.clone()).collect();
        Ok(PyDeviceRegistry { inner: DeviceRegistry::new(e).py(py)? })
    }

    /// A device by id, or None.
    fn get(&self, device_id: &Bound<'_, PyAny>) -> PyResult<Option<PyDeviceEntry>> {
        Ok(self.inner.get(&uuid_from_py("device_id", device_id)?).map(|d| PyDeviceEntry { inner: d.entry.clone() }))
    }

    /// Every device, by id.
    fn entries(&self) -> Vec<PyDeviceEntry> {
        self.inner.entries().map(|e| PyDeviceEntry { inner: e.clone() }).collect()
    }

    fn __len__(&self) -> usize {
        self.inner.entries().count()
    }

    /// Checks that the record's device is registered for `festival_id`, valid at the record's
    /// time, not revoked, and allowed this record kind and location; returns its entry.
    fn authorize(
        &self,
        py: Python<'_>,
        record: &Bound<'_, PyAny>,
        festival_id: &Bound<'_, PyAny>,
    ) -> PyResult<PyDeviceEntry> {
        let body = if let Ok(r) = record.cast::<PySignedRecord>() {
            r.get().inner.body().clone()
        } else if let Ok(b) = record.cast::<PyRecordBody>() {
            b.get().inner.clone()
        } else {
            return Err(type_err("record", "festival_core.SignedRecord or RecordBody", record));
        };
        let d = self.inner.authorize(&body, uuid_from_py("festival_id", festival_id)?).py(py)?;
        Ok(PyDeviceEntry { inner: d.entry.clone() })
    }

    fn __repr__(&self) -> String {
        format!("DeviceRegistry(devices={})", self.inner.entries().count())
    }
}

// ---------------------------------------------------------------------------------------------
// State and configuration
// ---------------------------------------------------------------------------------------------

/// Reconciliation settings: `policy` is `first_wins` (default), `accept_with_debt` or `reject`;
/// clock skews in milliseconds; finality: records older than `max_offline_ms` before `now`
/// become final, and with `all_devices_synced` so do records before the oldest time every
/// registered device has synced past (None / False: nothing becomes final); `compact_ledgers`
/// folds final wallet entries into each wallet's base (balances and refund records stay, the
/// entries themselves are only in the reports), which bounds the state of a long festival;
/// `per_zone_presence` tracks the zones each ticket is inside like the gate does (an entry leaves
/// its check-in policy's `leaves_zones`; default: one inside flag per ticket).
#[pyclass(frozen, module = "festival_core", name = "ReconcileConfig")]
#[derive(Clone)]
pub struct PyReconcileConfig {
    inner: ReconcileConfig,
}

#[pymethods]
impl PyReconcileConfig {
    #[new]
    #[pyo3(signature = (policy = "first_wins", max_future_skew_ms = None, max_hlc_skew_ms = None,
                        max_offline_ms = None, all_devices_synced = false, accept_after_cut_up_to = None,
                        compact_ledgers = false, per_zone_presence = false))]
    fn new(
        policy: &str,
        max_future_skew_ms: Option<i64>,
        max_hlc_skew_ms: Option<i64>,
        max_offline_ms: Option<i64>,
        all_devices_synced: bool,
        accept_after_cut_up_to: Option<&Bound<'_, PyAny>>,
        compact_ledgers: bool,
        per_zone_presence: bool,
    ) -> PyResult<Self> {
        let d = ChainConfig::default();
        let after_cut = match accept_after_cut_up_to.filter(|m| !m.is_none()) {
            None => AfterCut::Reject,
            Some(m) => AfterCut::AcceptUpTo { amount: money_arg("accept_after_cut_up_to", m)? },
        };
        Ok(PyReconcileConfig {
            inner: ReconcileConfig {
                policy: enum_arg::<ConflictPolicy>("policy", policy, "'first_wins', 'accept_with_debt', 'reject'")?,
                chain: ChainConfig {
                    max_future_skew_ms: max_future_skew_ms.unwrap_or(d.max_future_skew_ms),
                    max_hlc_skew_ms: max_hlc_skew_ms.unwrap_or(d.max_hlc_skew_ms),
                    after_cut,
                },
                finality: Finality { max_offline_ms, all_devices_synced, compact_ledgers },
                per_zone_presence,
            },
        })
    }
    #[getter]
    fn policy(&self) -> String {
        enum_str(&self.inner.policy)
    }
    #[getter]
    fn max_future_skew_ms(&self) -> i64 {
        self.inner.chain.max_future_skew_ms
    }
    #[getter]
    fn max_hlc_skew_ms(&self) -> i64 {
        self.inner.chain.max_hlc_skew_ms
    }
    #[getter]
    fn max_offline_ms(&self) -> Option<i64> {
        self.inner.finality.max_offline_ms
    }
    #[getter]
    fn all_devices_synced(&self) -> bool {
        self.inner.finality.all_devices_synced
    }
    /// Whether final wallet entries are folded into each wallet's base.
    #[getter]
    fn compact_ledgers(&self) -> bool {
        self.inner.finality.compact_ledgers
    }
    /// Whether presence is tracked per zone (like the gate).
    #[getter]
    fn per_zone_presence(&self) -> bool {
        self.inner.per_zone_presence
    }
    /// Records of a revoked or expired device after its cut are accepted up to this amount per
    /// device and cut (None: all rejected).
    #[getter]
    fn accept_after_cut_up_to(&self) -> Option<PyMoney> {
        match self.inner.chain.after_cut {
            AfterCut::Reject => None,
            AfterCut::AcceptUpTo { amount } => Some(PyMoney::wrap(amount)),
        }
    }
    fn __repr__(&self) -> String {
        format!(
            "ReconcileConfig(policy='{}', max_future_skew_ms={}, max_hlc_skew_ms={}, max_offline_ms={}, all_devices_synced={}, compact_ledgers={}, per_zone_presence={})",
            enum_str(&self.inner.policy),
            self.inner.chain.max_future_skew_ms,
            self.inner.chain.max_hlc_skew_ms,
            self.inner.finality.max_offline_ms.map_or("None".to_string(), |m| m.to_string()),
            if self.inner.finality.all_devices_synced { "True" } else { "False" },
            if self.inner.finality.compact_ledgers { "True" } else { "False" },
            if self.inner.per_zone_presence { "True" } else { "False" }
        )
    }
}

/// The server state reconciliation reads and updates: wallets, ticket admission states, each
/// device's chain position, accepted records. Keep one between streamed `reconcile` calls;
/// persist it with `to_json()` / `from_json()`.
#[pyclass(module = "festival_core", name = "ReconcileState")]
pub struct PyReconcileState {
    inner: ReconcileState,
}

#[pymethods]
impl PyReconcileState {
    #[new]
    fn new(festival_id: &Bound<'_, PyAny>, currency: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyReconcileState {
            inner: ReconcileState::new(uuid_from_py("festival_id", festival_id)?, currency_from_py(currency)?),
        })
    }

    /// Adds (a copy of) a wallet (`RECONCILE_INVALID_STATE` for another festival or currency).
    fn add_wallet(&mut self, py: Python<'_>, wallet: PyRef<'_, PyWallet>) -> PyResult<()> {
        self.inner.add_wallet(wallet.inner.clone()).py(py)
    }

    /// A copy of wallet `wallet_id`, or None.
    fn wallet(&self, wallet_id: &Bound<'_, PyAny>) -> PyResult<Option<PyWallet>> {
        Ok(self.inner.wallets.get(&uuid_from_py("wallet_id", wallet_id)?).map(|w| PyWallet { inner: w.clone() }))
    }

    /// The wallet ids.
    fn wallet_ids<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.inner.wallets.keys().map(|k| uuid_to_py(py, k)).collect()
    }

    /// Sets a ticket's admission state (`inside`, `revoked`); `ticket_type_id`, `pending` and
    /// `attributes` (`dict[str, bool | int | str]`, for the rules' `attributes.<name>`) are what
    /// the check-in policies read when scan facts are reconciled; `zones` are the zones it is
    /// inside (with `ReconcileConfig(per_zone_presence=True)`).
    #[pyo3(signature = (ticket_id, inside = false, revoked = false, *, ticket_type_id = None, pending = false,
                        zones = None, attributes = None))]
    #[allow(clippy::too_many_arguments)]
    fn set_ticket(
        &mut self,
        ticket_id: &Bound<'_, PyAny>,
        inside: bool,
        revoked: bool,
        ticket_type_id: Option<&Bound<'_, PyAny>>,
        pending: bool,
        zones: Option<&Bound<'_, PyAny>>,
        attributes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let ticket_type_id =
            ticket_type_id.filter(|t| !t.is_none()).map(|t| uuid_from_py("ticket_type_id", t)).transpose()?;
        let mut zone_set = std::collections::BTreeSet::new();
        if let Some(z) = zones.filter(|z| !z.is_none()) {
            for item in z.try_iter().map_err(|_| type_err("zones", "an iterable of UUIDs", z))? {
                zone_set.insert(uuid_from_py("zones", &item?)?);
            }
        }
        let attributes = crate::checkin::attributes_arg(attributes.filter(|a| !a.is_none()))?;
        self.inner.set_ticket(
            uuid_from_py("ticket_id", ticket_id)?,
            TicketState { inside, revoked, ticket_type_id, pending, zones: zone_set, attributes, ..Default::default() },
        );
        Ok(())
    }

    /// Records that the server published revocation list `version` at `published_at` revoking
    /// `revoked_tickets`: an entry a gate admitted with an older list after that is then admitted
    /// in error (`RECONCILE_STALE_REVOCATION_LIST`, both versions in
    /// `ScanFactOutcome.stale_revocation_list`). `RECONCILE_INVALID_STATE` for a version published
    /// with other content or out of time order.
    fn publish_revocation_list(
        &mut self,
        py: Python<'_>,
        version: u64,
        published_at: &Bound<'_, PyAny>,
        revoked_tickets: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let published_at = timestamp_from_py("published_at", published_at)?;
        let mut tickets = Vec::new();
        for item in revoked_tickets.try_iter().map_err(|_| type_err("revoked_tickets", "an iterable of UUIDs", revoked_tickets))? {
            tickets.push(uuid_from_py("revoked_tickets", &item?)?);
        }
        self.inner.publish_revocation_list(version, published_at, tickets).py(py)
    }

    /// Publishes a product catalog (`ProductCatalog`) for the reconciliation of catalog
    /// payments (`DeviceLog.pay_with_catalog`): each is checked against the published catalog of
    /// the version it names, with the wallet's age class, as an online POS checks it — a
    /// tampered price is rejected `CATALOG_PRICE_MISMATCH`, an under-age sale
    /// `CATALOG_AGE_RESTRICTED`. A payment naming an unpublished version is rejected
    /// `RECONCILE_UNKNOWN_CATALOG` until the version is published; the next `reconcile` call
    /// then decides it again (a revision in its report). Publishing the same catalog again
    /// changes nothing; `OfflineError` `RECONCILE_INVALID_STATE` (nothing changes) for a catalog
    /// of another festival or currency, or a version published already with other content.
    fn publish_catalog(&mut self, py: Python<'_>, catalog: &Bound<'_, PyAny>) -> PyResult<()> {
        let c = crate::catalog::catalog_arg("catalog", catalog)?;
        self.inner.publish_catalog(c.get().inner.clone()).py(py)
    }

    /// The published catalog of `version` (a copy), or None.
    fn catalog(&self, version: u32) -> Option<crate::catalog::PyProductCatalog> {
        self.inner.catalogs.get(&version).map(|c| crate::catalog::PyProductCatalog { inner: c.clone() })
    }

    /// The published catalog versions, ascending.
    fn catalog_versions(&self) -> Vec<u32> {
        self.inner.catalogs.keys().copied().collect()
    }

    /// A check-in policy with which scan facts in its zones (offline zone UUIDs as text) are
    /// decided again on the server.
    fn set_checkin_policy(&mut self, policy: PyRef<'_, crate::checkin::PyCheckinPolicy>) {
        self.inner.set_checkin_policy(policy.inner.clone());
    }


    /// Declares the device's records after its last chained sequence up to `through` lost (an
    /// explicit operator decision, kept with `reason` and `decided_at`), so its later records are
    /// processed by the next `reconcile` call (pending ones too: call it with no batches). Returns
    /// `{"from", "through", "reason", "decided_at"}`; `RECONCILE_INVALID_STATE` if the range is empty.
    fn declare_lost<'py>(
        &mut self,
        py: Python<'py>,
        device_id: &Bound<'_, PyAny>,
        through: u64,
        reason: &str,
        decided_at: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let device_id = uuid_from_py("device_id", device_id)?;
        let decided_at = timestamp_from_py("decided_at", decided_at)?;
        let r = self.inner.declare_lost(device_id, through, reason, decided_at).py(py)?;
        lost_to_py(py, &r)
    }

    /// Revokes a device by sequence: its records after the last sequence the server has now are
    /// rejected (`OFFLINE_DEVICE_REVOKED`, alert `revoked_device_used`) whatever their dates.
    /// Returns `{"sequence", "reason", "revoked_at"}`; `RECONCILE_INVALID_STATE` if revoked already.
    fn revoke_device<'py>(
        &mut self,
        py: Python<'py>,
        device_id: &Bound<'_, PyAny>,
        reason: &str,
        revoked_at: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let device_id = uuid_from_py("device_id", device_id)?;
        let revoked_at = timestamp_from_py("revoked_at", revoked_at)?;
        let cut = self.inner.revoke_device(device_id, reason, revoked_at).py(py)?;
        cut_to_py(py, &cut)
    }

    /// The server-signed acknowledgement of the device's log after a sync (bytes, for
    /// `DeviceLog.accept_ack`): the last chained sequence, its hash and `server_time`, signed with
    /// the 32-byte `server_seed`. Records anchored to it may not be dated before it.
    fn acknowledge<'py>(
        &mut self,
        py: Python<'py>,
        registry: PyRef<'_, PyDeviceRegistry>,
        device_id: &Bound<'_, PyAny>,
        server_time: &Bound<'_, PyAny>,
        server_seed: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let device_id = uuid_from_py("device_id", device_id)?;
        let server_time = timestamp_from_py("server_time", server_time)?;
        let seed = arr::<32>("server_seed", server_seed)?;
        let ack = self.inner.acknowledge(&registry.inner, device_id, server_time, &seed).py(py)?;
        Ok(PyBytes::new(py, &ack.to_bytes()))
    }

    /// Issues (signs with `server_seed`) and records an offline allowance: what one wallet
    /// (`wallet_id`, or every wallet if None) may spend offline per device of `devices` between
    /// `valid_from` and `valid_until`. Returns its signed bytes, for `DeviceLog.install_allowance`.
    #[pyo3(signature = (*, allowance_id, devices, amount, valid_from, valid_until, server_seed, wallet_id = None))]
    #[allow(clippy::too_many_arguments)]
    fn issue_allowance<'py>(
        &mut self,
        py: Python<'py>,
        allowance_id: &Bound<'_, PyAny>,
        devices: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        valid_from: &Bound<'_, PyAny>,
        valid_until: &Bound<'_, PyAny>,
        server_seed: &Bound<'_, PyAny>,
        wallet_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let mut ids = Vec::new();
        for d in devices.try_iter().map_err(|_| type_err("devices", "a sequence of device ids", devices))? {
            ids.push(uuid_from_py("devices[i]", &d?)?);
        }
        ids.sort();
        let allowance = Allowance {
            allowance_id: uuid_from_py("allowance_id", allowance_id)?,
            festival_id: self.inner.festival_id,
            wallet_id: wallet_id.filter(|w| !w.is_none()).map(|w| uuid_from_py("wallet_id", w)).transpose()?,
            devices: ids,
            amount: money_arg("amount", amount)?,
            valid_from: timestamp_from_py("valid_from", valid_from)?,
            valid_until: timestamp_from_py("valid_until", valid_until)?,
        };
        let signed = self.inner.issue_allowance(allowance, &arr::<32>("server_seed", server_seed)?).py(py)?;
        Ok(PyBytes::new(py, &signed.to_bytes()))
    }

    /// The offline exposure under the issued allowances: `{"wallets": [{"wallet_id", "balance",
    /// "offline_spent", "open_allowance", "allowance_total", "uncovered", "loss", "max_loss"}],
    /// "total_loss", "total_max_loss", "total_open_allowance", "total_uncovered"}` (amounts as
    /// `Money`), for the conflict `policy` reconciliation runs with.
    #[pyo3(signature = (policy = "first_wins"))]
    fn exposure<'py>(&self, py: Python<'py>, policy: &str) -> PyResult<Bound<'py, PyDict>> {
        let policy = enum_arg::<ConflictPolicy>("policy", policy, "'first_wins', 'accept_with_debt', 'reject'")?;
        let r = self.inner.exposure(policy);
        let money = |m: Money| Py::new(py, PyMoney::wrap(m));
        let wallets = r
            .wallets
            .iter()
            .map(|w| -> PyResult<Bound<'py, PyDict>> {
                let d = PyDict::new(py);
                d.set_item("wallet_id", uuid_to_py(py, &w.wallet_id)?)?;
                for (k, m) in [
                    ("balance", w.balance),
                    ("offline_spent", w.offline_spent),
                    ("open_allowance", w.open_allowance),
                    ("allowance_total", w.allowance_total),
                    ("uncovered", w.uncovered),
                    ("loss", w.loss),
                    ("max_loss", w.max_loss),
                ] {
                    d.set_item(k, money(m)?)?;
                }
                Ok(d)
            })
            .collect::<PyResult<Vec<_>>>()?;
        let out = PyDict::new(py);
        out.set_item("wallets", wallets)?;
        out.set_item("total_loss", money(r.total_loss)?)?;
        out.set_item("total_max_loss", money(r.total_max_loss)?)?;
        out.set_item("total_open_allowance", money(r.total_open_allowance)?)?;
        out.set_item("total_uncovered", money(r.total_uncovered)?)?;
        Ok(out)
    }

    /// The finality watermark (records before it are final, never revised), or None.
    #[getter]
    fn watermark<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.watermark().map(|t| timestamp_to_py(py, t)).transpose()
    }

    /// The current outcome of a non-final record, or None (final, pending or unknown).
    fn outcome(&self, record_id: &Bound<'_, PyAny>) -> PyResult<Option<PyRecordOutcome>> {
        Ok(self.inner.outcome(&uuid_from_py("record_id", record_id)?).map(|o| PyRecordOutcome { inner: o }))
    }

    /// The current outcomes of every non-final record, in the total order (they may still be revised).
    fn outcomes(&self) -> Vec<PyRecordOutcome> {
        self.inner.outcomes().into_iter().map(|o| PyRecordOutcome { inner: o }).collect()
    }

    /// The records that wait (status `pending`, `reason` = what they wait for), by device and sequence.
    fn pending(&self) -> Vec<PyRecordOutcome> {
        self.inner.pending().into_iter().map(|o| PyRecordOutcome { inner: o }).collect()
    }

    /// Number of non-final records kept for re-evaluation.
    #[getter]
    fn non_final_count(&self) -> usize {
        self.inner.non_final_count()
    }

    /// `{"inside": bool, "revoked": bool}` of a ticket (plus `"zones": [UUID]` when it is inside
    /// zones under per-zone presence), or None if unknown.
    fn ticket<'py>(&self, py: Python<'py>, ticket_id: &Bound<'_, PyAny>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(t) = self.inner.tickets.get(&uuid_from_py("ticket_id", ticket_id)?) else { return Ok(None) };
        let d = PyDict::new(py);
        d.set_item("inside", t.inside)?;
        d.set_item("revoked", t.revoked)?;
        if !t.zones.is_empty() {
            let zones = t.zones.iter().map(|z| uuid_to_py(py, z)).collect::<PyResult<Vec<_>>>()?;
            d.set_item("zones", zones)?;
        }
        Ok(Some(d))
    }

    /// Sum of every wallet's `refundable + bonus - debt`.
    fn total_balance(&self) -> PyMoney {
        PyMoney::wrap(self.inner.total_balance())
    }

    /// Number of records that take effect (final ones and non-final accepted ones).
    #[getter]
    fn accepted_records(&self) -> usize {
        self.inner.accepted_count()
    }

    /// `{device_id: last sequence that extended its chain}` of every device seen.
    fn chains<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, c) in &self.inner.chains {
            d.set_item(uuid_to_py(py, k)?, c.last_sequence)?;
        }
        Ok(d)
    }

    /// The whole state as the core's JSON (persist it between runs).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| json_err(py, "state", e))
    }

    /// A state from `to_json()`.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyReconcileState { inner: serde_json::from_str(text).map_err(|e| json_err(py, "state", e))? })
    }

    fn __repr__(&self) -> String {
        format!(
            "ReconcileState(festival_id=UUID('{}'), currency='{}', wallets={}, tickets={}, devices={}, records={})",
            self.inner.festival_id,
            self.inner.currency,
            self.inner.wallets.len(),
            self.inner.tickets.len(),
            self.inner.chains.len(),
            self.inner.accepted_count()
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

/// What happened to one record (or to an undecodable batch).
#[pyclass(frozen, module = "festival_core", name = "RecordOutcome")]
pub struct PyRecordOutcome {
    inner: RecordOutcome,
}

#[pymethods]
impl PyRecordOutcome {
    /// SHA-256 of the signed record (of the batch bytes for a malformed batch).
    #[getter]
    fn hash<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.hash.0)
    }
    #[getter]
    fn record_id<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.record_id.map(|u| uuid_to_py(py, &u)).transpose()
    }
    #[getter]
    fn device_id<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.device_id.map(|u| uuid_to_py(py, &u)).transpose()
    }
    #[getter]
    fn sequence(&self) -> Option<u64> {
        self.inner.sequence.as_deref().and_then(|s| s.parse().ok())
    }
    #[getter]
    fn kind(&self) -> Option<&'static str> {
        self.inner.kind.map(|k| k.as_str())
    }
    /// `accepted`, `duplicate`, `rejected`, `conflict` or `pending`.
    #[getter]
    fn status(&self) -> String {
        enum_str(&self.inner.status)
    }
    /// The error code for rejected / conflict / duplicate / pending records.
    #[getter]
    fn reason(&self) -> Option<String> {
        self.inner.reason.clone()
    }
    /// For conflicts: `rejected_later`, `accepted_with_debt`, `accepted_flagged`, `rejected_all`.
    #[getter]
    fn resolution(&self) -> Option<String> {
        self.inner.resolution.as_ref().map(enum_str)
    }
    #[getter]
    fn debt(&self) -> Option<PyMoney> {
        self.inner.debt.map(PyMoney::wrap)
    }
    fn __repr__(&self) -> String {
        format!(
            "RecordOutcome(record_id={}, kind={}, status='{}', reason={:?}, resolution={:?})",
            self.inner.record_id.map_or("None".to_string(), |u| format!("UUID('{u}')")),
            self.inner.kind.map_or("None".to_string(), |k| format!("'{}'", k.as_str())),
            enum_str(&self.inner.status),
            self.inner.reason,
            self.inner.resolution.as_ref().map(enum_str)
        )
    }
}

/// Something an operator must look at: `kind` is `double_spend`, `double_admission`,
/// `tampered_log` or `revoked_device_used`; the other fields are None where they do not apply.
#[pyclass(frozen, module = "festival_core", name = "ReconcileAlert")]
pub struct PyAlert {
    inner: Alert,
}

#[pymethods]
impl PyAlert {
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
    #[getter]
    fn wallet_id<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.inner {
            Alert::DoubleSpend { wallet_id, .. } => Ok(Some(uuid_to_py(py, wallet_id)?)),
            _ => Ok(None),
        }
    }
    #[getter]
    fn ticket_id<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.inner {
            Alert::DoubleAdmission { ticket_id, .. } => Ok(Some(uuid_to_py(py, ticket_id)?)),
            _ => Ok(None),
        }
    }
    #[getter]
    fn record_id<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.inner {
            Alert::DoubleSpend { record_id, .. }
            | Alert::DoubleAdmission { record_id, .. }
            | Alert::RevokedDeviceUsed { record_id, .. } => Ok(Some(uuid_to_py(py, record_id)?)),
            Alert::TamperedLog { .. } => Ok(None),
        }
    }
    #[getter]
    fn device_id<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.inner {
            Alert::DoubleSpend { device_id, .. }
            | Alert::DoubleAdmission { device_id, .. }
            | Alert::RevokedDeviceUsed { device_id, .. } => Ok(Some(uuid_to_py(py, device_id)?)),
            Alert::TamperedLog { device_id, .. } => device_id.map(|d| uuid_to_py(py, &d)).transpose(),
        }
    }
    /// The uncovered amount of a double spend (`decimal.Decimal`).
    #[getter]
    fn shortfall<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.inner {
            Alert::DoubleSpend { shortfall, .. } => {
                Ok(Some(py.import("decimal")?.getattr("Decimal")?.call1((shortfall.as_str(),))?))
            }
            _ => Ok(None),
        }
    }
    /// The record or batch hash of a tampered log.
    #[getter]
    fn hash<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        match &self.inner {
            Alert::TamperedLog { hash, .. } => Some(PyBytes::new(py, &hash.0)),
            _ => None,
        }
    }
    /// The detecting error code of a tampered log.
    #[getter]
    fn code(&self) -> Option<String> {
        match &self.inner {
            Alert::TamperedLog { code, .. } => Some(code.clone()),
            _ => None,
        }
    }
    fn __repr__(&self) -> String {
        match serde_json::to_string(&self.inner) {
            Ok(j) => format!("ReconcileAlert({j})"),
            Err(_) => format!("ReconcileAlert(kind='{}')", self.inner.kind()),
        }
    }
}

/// The result of one `reconcile` call.
#[pyclass(frozen, module = "festival_core", name = "ReconcileReport")]
pub struct PyReconcileReport {
    pub(crate) inner: ReconcileReport,
}

#[pymethods]
impl PyReconcileReport {
    /// Per record (and per undecodable batch), in processing order.
    #[getter]
    fn records(&self) -> Vec<PyRecordOutcome> {
        self.inner.records.iter().map(|r| PyRecordOutcome { inner: r.clone() }).collect()
    }
    /// `{"accepted", "duplicate", "rejected", "conflict", "pending"}` and `"recorded"` when any
    /// scan fact was a recorded denial.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = &self.inner.counts;
        let d = PyDict::new(py);
        d.set_item("accepted", c.accepted)?;
        d.set_item("duplicate", c.duplicate)?;
        d.set_item("rejected", c.rejected)?;
        d.set_item("conflict", c.conflict)?;
        d.set_item("pending", c.pending)?;
        // `recorded` (denied scan facts) appears when there are any, as in the core's JSON.
        if c.recorded > 0 {
            d.set_item("recorded", c.recorded)?;
        }
        Ok(d)
    }
    /// Scan facts decided in this call (gate decision, server decision, `admitted_in_error`).
    #[getter]
    fn scans(&self) -> Vec<crate::checkin::PyScanFactOutcome> {
        self.inner.scans.iter().map(|s| crate::checkin::PyScanFactOutcome { inner: s.clone() }).collect()
    }
    /// Every earlier outcome this call changed (a late record ordered before it), as
    /// `Revision`s: nothing changes silently.
    #[getter]
    fn revisions(&self) -> Vec<PyRevision> {
        self.inner.revisions.iter().map(|r| PyRevision { inner: r.clone() }).collect()
    }
    /// The finality watermark after this call, or None.
    #[getter]
    fn watermark<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.watermark.map(|t| timestamp_to_py(py, t)).transpose()
    }
    /// Records that became final in this call.
    #[getter]
    fn finalized(&self) -> u64 {
        self.inner.finalized
    }
    /// Records pending in the state after this call.
    #[getter]
    fn pending_total(&self) -> u64 {
        self.inner.pending_total
    }
    #[getter]
    fn alerts(&self) -> Vec<PyAlert> {
        self.inner.alerts.iter().map(|a| PyAlert { inner: a.clone() }).collect()
    }
    /// `{wallet_id: Balances}` of the wallets this call touched.
    #[getter]
    fn balances<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, b) in &self.inner.balances {
            d.set_item(uuid_to_py(py, k)?, PyBalances::from(b))?;
        }
        Ok(d)
    }
    /// `{wallet_id: Money}` debt created by this call.
    #[getter]
    fn debts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, m) in &self.inner.debts {
            d.set_item(uuid_to_py(py, k)?, PyMoney::wrap(*m))?;
        }
        Ok(d)
    }
    #[getter]
    fn blocked_wallets<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.inner.blocked_wallets.iter().map(|w| uuid_to_py(py, w)).collect()
    }
    /// `{"top_ups", "payments", "refunds"}` accepted by this call, as `Money`, plus
    /// `"deposit_returns"` when the call credited returned deposits.
    #[getter]
    fn totals<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = &self.inner.totals;
        let d = PyDict::new(py);
        d.set_item("top_ups", PyMoney::wrap(t.top_ups))?;
        d.set_item("payments", PyMoney::wrap(t.payments))?;
        d.set_item("refunds", PyMoney::wrap(t.refunds))?;
        if let Some(r) = t.deposit_returns {
            d.set_item("deposit_returns", PyMoney::wrap(r))?;
        }
        Ok(d)
    }
    /// The report as the core's JSON (the `report` of the `offline.reconcile` conformance op).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| json_err(py, "report", e))
    }
    fn __repr__(&self) -> String {
        let c = &self.inner.counts;
        format!(
            "ReconcileReport(accepted={}, duplicate={}, rejected={}, conflict={}, pending={}, revisions={}, alerts=<{} alerts>, blocked_wallets=<{}>)",
            c.accepted,
            c.duplicate,
            c.rejected,
            c.conflict,
            c.pending,
            self.inner.revisions.len(),
            self.inner.alerts.len(),
            self.inner.blocked_wallets.len()
        )
    }
}

/// One earlier outcome that a later call changed: `before` and `after` are
/// `{"status", "reason", "resolution", "debt"}` dicts, `money_effect` the change of the wallet's
/// balance it caused (`Money`, negative when a payment became accepted).
#[pyclass(frozen, module = "festival_core", name = "Revision")]
pub struct PyRevision {
    inner: Revision,
}

fn verdict_to_py<'py>(py: Python<'py>, v: &Verdict) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("status", enum_str(&v.status))?;
    d.set_item("reason", v.reason.clone())?;
    d.set_item("resolution", v.resolution.as_ref().map(enum_str))?;
    d.set_item("debt", v.debt.map(PyMoney::wrap))?;
    Ok(d)
}

#[pymethods]
impl PyRevision {
    #[getter]
    fn hash<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.hash.0)
    }
    #[getter]
    fn record_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.record_id)
    }
    #[getter]
    fn device_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.device_id)
    }
    #[getter]
    fn sequence(&self) -> Option<u64> {
        self.inner.sequence.parse().ok()
    }
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind.as_str()
    }
    #[getter]
    fn wallet_id<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.wallet_id.map(|u| uuid_to_py(py, &u)).transpose()
    }
    #[getter]
    fn ticket_id<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.ticket_id.map(|u| uuid_to_py(py, &u)).transpose()
    }
    #[getter]
    fn before<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        verdict_to_py(py, &self.inner.before)
    }
    #[getter]
    fn after<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        verdict_to_py(py, &self.inner.after)
    }
    #[getter]
    fn money_effect(&self) -> PyMoney {
        PyMoney::wrap(self.inner.money_effect)
    }
    fn __repr__(&self) -> String {
        format!(
            "Revision(record_id=UUID('{}'), kind='{}', before='{}', after='{}', money_effect={})",
            self.inner.record_id,
            self.inner.kind.as_str(),
            enum_str(&self.inner.before.status),
            enum_str(&self.inner.after.status),
            self.inner.money_effect
        )
    }
}

/// Reconciles `batches` (batch bytes from devices, any order, duplicates allowed) into `state`
/// with the GIL released. Signatures are checked strictly; forged, forked, reordered, replayed or
/// unauthorised records are reported, never applied. Raises only if the state itself is
/// inconsistent (`RECONCILE_INVALID_STATE`), and then changes nothing.
#[pyfunction]
#[pyo3(signature = (state, registry, batches, now, config = None))]
pub fn reconcile(
    py: Python<'_>,
    mut state: PyRefMut<'_, PyReconcileState>,
    registry: PyRef<'_, PyDeviceRegistry>,
    batches: &Bound<'_, PyAny>,
    now: &Bound<'_, PyAny>,
    config: Option<PyRef<'_, PyReconcileConfig>>,
) -> PyResult<PyReconcileReport> {
    if batches.is_instance_of::<PyBytes>() || batches.is_instance_of::<PyString>() {
        return Err(type_err("batches", "a sequence of bytes (one item per batch)", batches));
    }
    let mut bs: Vec<Vec<u8>> = Vec::new();
    for item in batches.try_iter().map_err(|_| type_err("batches", "a sequence of bytes", batches))? {
        bs.push(bytes_from_py("batches[i]", &item?)?);
    }
    let now = timestamp_from_py("now", now)?;
    let cfg = config.map(|c| c.inner).unwrap_or_default();
    let st = &mut state.inner;
    let reg = &registry.inner;
    let report = py.detach(|| core_reconcile(st, reg, &bs, now, &cfg)).py(py)?;
    Ok(PyReconcileReport { inner: report })
}

// ---------------------------------------------------------------------------------------------
// Chain verification
// ---------------------------------------------------------------------------------------------

/// The verdict of `verify_chain` on one record.
#[pyclass(frozen, module = "festival_core", name = "ChainCheck")]
pub struct PyChainCheck {
    inner: CheckOutcome,
}

#[pymethods]
impl PyChainCheck {
    /// `valid`, `duplicate`, `pending` (kept: gap before it, clock ahead, device not registered)
    /// or `rejected`.
    #[getter]
    fn status(&self) -> &'static str {
        match self.inner {
            CheckOutcome::Valid => "valid",
            CheckOutcome::Duplicate => "duplicate",
            CheckOutcome::Pending { .. } => "pending",
            CheckOutcome::Rejected { .. } => "rejected",
        }
    }
    /// The error code of a rejected or pending record (e.g. `OFFLINE_SEQUENCE_GAP`), else None.
    #[getter]
    fn code(&self) -> Option<&'static str> {
        self.inner.code()
    }
    /// Whether the record extended its device's chain: True for valid records and for rejected
    /// records that are authentic and linked (e.g. a role violation), False otherwise.
    #[getter]
    fn chained(&self) -> bool {
        match self.inner {
            CheckOutcome::Valid => true,
            CheckOutcome::Duplicate | CheckOutcome::Pending { .. } => false,
            CheckOutcome::Rejected { chained, .. } => chained,
        }
    }
    fn __repr__(&self) -> String {
        let code = self.code().map_or("None".to_string(), |c| format!("'{c}'"));
        let chained = if self.chained() { "True" } else { "False" };
        format!("ChainCheck(status='{}', code={code}, chained={chained})", self.status())
    }
}

/// The result of `verify_chain`: one check per record (input order) and the chains after them.
#[pyclass(frozen, module = "festival_core", name = "ChainReport")]
pub struct PyChainReport {
    inner: ChainReport,
}

#[pymethods]
impl PyChainReport {
    /// One `ChainCheck` per input record, in input order.
    #[getter]
    fn checks(&self) -> Vec<PyChainCheck> {
        self.inner.checks.iter().map(|c| PyChainCheck { inner: c.clone() }).collect()
    }
    /// `{device_id: {"last_sequence": int, "last_hash": bytes, "last_hlc": (physical_ms, logical)
    /// | None, "history": {sequence: bytes}}}` after the records that extended the chains (pass
    /// it back as `chains=` to continue).
    #[getter]
    fn chains<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        chains_to_py(py, &self.inner.chains)
    }
    /// The report as the core's JSON (the output of the `offline.verify_chain` conformance op).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| json_err(py, "report", e))
    }
    fn __len__(&self) -> usize {
        self.inner.checks.len()
    }
    fn __repr__(&self) -> String {
        let n = |f: fn(&CheckOutcome) -> bool| self.inner.checks.iter().filter(|c| f(c)).count();
        format!(
            "ChainReport(valid={}, duplicate={}, pending={}, rejected={}, devices={})",
            n(|c| *c == CheckOutcome::Valid),
            n(|c| *c == CheckOutcome::Duplicate),
            n(|c| matches!(c, CheckOutcome::Pending { .. })),
            n(|c| matches!(c, CheckOutcome::Rejected { .. })),
            self.inner.chains.len()
        )
    }
}

fn chains_to_py<'py>(py: Python<'py>, chains: &BTreeMap<Uuid, DeviceChain>) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for (id, c) in chains {
        let d = PyDict::new(py);
        d.set_item("last_sequence", c.last_sequence)?;
        d.set_item("last_hash", PyBytes::new(py, &c.last_hash.0))?;
        match c.last_hlc {
            Some(h) => d.set_item("last_hlc", PyTuple::new(py, [h.physical_ms, i64::from(h.logical)])?)?,
            None => d.set_item("last_hlc", py.None())?,
        }
        let history = PyDict::new(py);
        for (seq, h) in &c.history {
            history.set_item(seq, PyBytes::new(py, &h.0))?;
        }
        d.set_item("history", history)?;
        d.set_item("forks", c.forks.clone())?;
        let lost = c.lost.iter().map(|r| lost_to_py(py, r)).collect::<PyResult<Vec<_>>>()?;
        d.set_item("lost", lost)?;
        for (key, cut) in [("revoked_after", &c.revoked_after), ("window_cut", &c.window_cut)] {
            match cut {
                Some(cut) => d.set_item(key, cut_to_py(py, cut)?)?,
                None => d.set_item(key, py.None())?,
            }
        }
        let acks = c.acks.iter().map(|a| Ok((a.sequence, timestamp_to_py(py, a.server_time)?))).collect::<PyResult<Vec<_>>>()?;
        d.set_item("acks", acks)?;
        match c.last_anchor {
            Some(a) => d.set_item("last_anchor", (a.sequence, timestamp_to_py(py, a.server_time)?))?,
            None => d.set_item("last_anchor", py.None())?,
        }
        out.set_item(uuid_to_py(py, id)?, d)?;
    }
    Ok(out)
}

fn lost_to_py<'py>(py: Python<'py>, r: &LostRange) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("from", r.from)?;
    d.set_item("through", r.through)?;
    d.set_item("reason", r.reason.as_str())?;
    d.set_item("decided_at", timestamp_to_py(py, r.decided_at)?)?;
    Ok(d)
}

fn cut_to_py<'py>(py: Python<'py>, c: &RevocationCut) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("sequence", c.sequence)?;
    d.set_item("reason", c.reason.as_str())?;
    d.set_item("revoked_at", timestamp_to_py(py, c.revoked_at)?)?;
    d.set_item("accepted", c.accepted.map(PyMoney::wrap))?;
    Ok(d)
}

fn cut_from_py(obj: &Bound<'_, PyAny>) -> PyResult<RevocationCut> {
    const FIELD: &str = "chains[device_id]['revoked_after' | 'window_cut']";
    const WHAT: &str = "a dict {'sequence': int, 'reason': str, 'revoked_at': datetime, 'accepted': Money | None}";
    let d = obj.cast::<PyDict>().map_err(|_| type_err(FIELD, WHAT, obj))?;
    let get = |name: &str| -> PyResult<Bound<'_, PyAny>> { d.get_item(name)?.ok_or_else(|| type_err(FIELD, WHAT, obj)) };
    let (seq, reason) = (get("sequence")?, get("reason")?);
    Ok(RevocationCut {
        sequence: seq.extract().map_err(|_| type_err(FIELD, "an int >= 0 for 'sequence'", &seq))?,
        reason: reason.extract().map_err(|_| type_err(FIELD, "a str for 'reason'", &reason))?,
        revoked_at: timestamp_from_py("revoked_at", &get("revoked_at")?)?,
        accepted: match d.get_item("accepted")?.filter(|m| !m.is_none()) {
            Some(m) => Some(money_arg("accepted", &m)?),
            None => None,
        },
    })
}

/// `(sequence, server_time)` tuples: an anchor or an issued acknowledgement.
fn anchor_from_py(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<Anchor> {
    let (sequence, at): (u64, Bound<'_, PyAny>) =
        obj.extract().map_err(|_| type_err(field, "a (sequence, server_time) tuple", obj))?;
    Ok(Anchor { sequence, server_time: timestamp_from_py(field, &at)? })
}

fn lost_from_py(obj: &Bound<'_, PyAny>) -> PyResult<LostRange> {
    const WHAT: &str = "a dict {'from': int, 'through': int, 'reason': str, 'decided_at': datetime}";
    let d = obj.cast::<PyDict>().map_err(|_| type_err("chains[device_id]['lost'][i]", WHAT, obj))?;
    let get = |name: &str| -> PyResult<Bound<'_, PyAny>> {
        d.get_item(name)?.ok_or_else(|| type_err("chains[device_id]['lost'][i]", WHAT, obj))
    };
    let int = |name: &str| -> PyResult<u64> {
        let v = get(name)?;
        v.extract().map_err(|_| type_err("chains[device_id]['lost'][i]", "an int >= 0", &v))
    };
    let reason = get("reason")?;
    Ok(LostRange {
        from: int("from")?,
        through: int("through")?,
        reason: reason.extract().map_err(|_| type_err("chains[device_id]['lost'][i]['reason']", "a str", &reason))?,
        decided_at: timestamp_from_py("decided_at", &get("decided_at")?)?,
    })
}

const CHAINS: &str = "a ReconcileState or a dict {device_id: {'last_sequence': int, 'last_hash': bytes, \
                      'last_hlc': (int, int) | None, 'history': {int: bytes}, 'forks': [int], \
                      'lost': [dict], 'revoked_after': dict | None, 'window_cut': dict | None, \
                      'acks': [(int, datetime)], 'last_anchor': (int, datetime) | None}}";

/// `chains=`: a `ReconcileState` (its device chains) or the dict `ChainReport.chains` returns.
fn chains_from_py(obj: &Bound<'_, PyAny>) -> PyResult<BTreeMap<Uuid, DeviceChain>> {
    if let Ok(state) = obj.cast::<PyReconcileState>() {
        return Ok(state.borrow().inner.chains.clone());
    }
    let dict = obj.cast::<PyDict>().map_err(|_| type_err("chains", CHAINS, obj))?;
    let mut out = BTreeMap::new();
    for (k, v) in dict.iter() {
        let id = uuid_from_py("chains key", &k)?;
        let c = v.cast::<PyDict>().map_err(|_| type_err("chains[device_id]", CHAINS, &v))?;
        for key in c.keys() {
            let name: String = key.extract().map_err(|_| type_err("chains[device_id] key", "str", &key))?;
            if !matches!(
                name.as_str(),
                "last_sequence" | "last_hash" | "last_hlc" | "history" | "forks" | "lost" | "revoked_after" | "window_cut" | "acks" | "last_anchor"
            ) {
                let name: String = name.chars().take(40).collect();
                return Err(core_err(c.py(), InputError::invalid("chains", format!("unexpected key '{name}'"))));
            }
        }
        let get = |name: &str| -> PyResult<Bound<'_, PyAny>> {
            c.get_item(name)?
                .ok_or_else(|| core_err(c.py(), InputError::invalid("chains", format!("missing '{name}'"))))
        };
        let seq = get("last_sequence")?;
        let last_sequence: u64 =
            seq.extract().map_err(|_| type_err("chains[device_id]['last_sequence']", "an int >= 0", &seq))?;
        let last_hash = Digest(arr::<32>("chains[device_id]['last_hash']", &get("last_hash")?)?);
        let last_hlc = match c.get_item("last_hlc")?.filter(|h| !h.is_none()) {
            None => None,
            Some(h) => {
                let (physical_ms, logical): (i64, u32) = h
                    .extract()
                    .map_err(|_| type_err("chains[device_id]['last_hlc']", "a (physical_ms, logical) tuple", &h))?;
                Some(Hlc { physical_ms, logical })
            }
        };
        let mut history = ChainHistory::default();
        if let Some(h) = c.get_item("history")?.filter(|h| !h.is_none()) {
            let h = h
                .cast_into::<PyDict>()
                .map_err(|e| type_err("chains[device_id]['history']", "a dict", e.into_inner().as_any()))?;
            for (seq, digest) in h.iter() {
                let seq: u64 = seq.extract().map_err(|_| type_err("history key", "an int >= 0", &seq))?;
                history.insert(seq, Digest(arr::<32>("chains[device_id]['history'][seq]", &digest)?));
            }
        }
        let mut forks: Vec<u64> = Vec::new();
        if let Some(f) = c.get_item("forks")?.filter(|f| !f.is_none()) {
            forks = f.extract().map_err(|_| type_err("chains[device_id]['forks']", "a list of int >= 0", &f))?;
        }
        let mut lost = Vec::new();
        if let Some(l) = c.get_item("lost")?.filter(|l| !l.is_none()) {
            for item in l.try_iter().map_err(|_| type_err("chains[device_id]['lost']", "a list of dicts", &l))? {
                lost.push(lost_from_py(&item?)?);
            }
        }
        let cut = |key: &str| -> PyResult<Option<RevocationCut>> {
            match c.get_item(key)?.filter(|r| !r.is_none()) {
                Some(r) => Ok(Some(cut_from_py(&r)?)),
                None => Ok(None),
            }
        };
        let (revoked_after, window_cut) = (cut("revoked_after")?, cut("window_cut")?);
        let mut acks = Vec::new();
        if let Some(a) = c.get_item("acks")?.filter(|a| !a.is_none()) {
            for item in a.try_iter().map_err(|_| type_err("chains[device_id]['acks']", "a list of tuples", &a))? {
                let x = anchor_from_py("chains[device_id]['acks'][i]", &item?)?;
                acks.push(IssuedAck { server_time: x.server_time, sequence: x.sequence });
            }
        }
        let last_anchor = match c.get_item("last_anchor")?.filter(|a| !a.is_none()) {
            Some(a) => Some(anchor_from_py("chains[device_id]['last_anchor']", &a)?),
            None => None,
        };
        out.insert(
            id,
            DeviceChain { last_sequence, last_hash, last_hlc, history, lost, forks, revoked_after, window_cut, acks, last_anchor },
        );
    }
    Ok(out)
}

/// Verifies signed records (`SignedRecord` or their bytes; any order, any devices) against the
/// registry and the known `chains` (a `ReconcileState`, or `ChainReport.chains` of an earlier
/// call), with the GIL released: signature, sequence, hash chain, forks, replays, clock skew
/// (`config`: a `ReconcileConfig`, of which only the skews apply) and the registry's policy.
/// Nothing is changed; bytes that do not decode raise `OFFLINE_MALFORMED`.
#[pyfunction]
#[pyo3(signature = (registry, festival_id, records, now, chains = None, config = None))]
pub fn verify_chain(
    py: Python<'_>,
    registry: PyRef<'_, PyDeviceRegistry>,
    festival_id: &Bound<'_, PyAny>,
    records: &Bound<'_, PyAny>,
    now: &Bound<'_, PyAny>,
    chains: Option<&Bound<'_, PyAny>>,
    config: Option<PyRef<'_, PyReconcileConfig>>,
) -> PyResult<PyChainReport> {
    const WHAT: &str = "an iterable of SignedRecord or bytes";
    let festival_id = uuid_from_py("festival_id", festival_id)?;
    if records.is_instance_of::<PyBytes>() || records.is_instance_of::<PyString>() {
        return Err(type_err("records", WHAT, records));
    }
    let mut recs: Vec<SignedRecord> = Vec::new();
    for item in records.try_iter().map_err(|_| type_err("records", WHAT, records))? {
        let item = item?;
        if let Ok(r) = item.cast::<PySignedRecord>() {
            recs.push(r.get().inner.clone());
        } else {
            recs.push(SignedRecord::from_bytes(&bytes_from_py("records[i]", &item)?).py(py)?);
        }
    }
    let now = timestamp_from_py("now", now)?;
    let chains = match chains.filter(|c| !c.is_none()) {
        Some(c) => chains_from_py(c)?,
        None => BTreeMap::new(),
    };
    let cfg = config.map(|c| c.inner.chain).unwrap_or_default();
    let reg = &registry.inner;
    let report = py.detach(|| core_verify_chain(reg, festival_id, &chains, &recs, now, &cfg));
    Ok(PyChainReport { inner: report })
}
