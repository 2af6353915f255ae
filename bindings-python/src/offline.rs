//! Offline crypto: strict Ed25519 signing and verification with `bytes`.

pub(crate) use crate::convert::bytes_from_py;
use crate::convert::{currency_from_py, timestamp_from_py, timestamp_to_py, uuid_from_py, uuid_to_py};
use crate::errors::type_err;
use crate::errors::CoreResult;
use crate::money::{money_arg, PyMoney};
use crate::ticketing::money_repr;
use crate::wallet::{enum_arg, enum_str};
use festival_core::offline::ack::SignedAck;
use festival_core::offline::allowance::SignedAllowance;
use festival_core::offline::crypto::{self, StrictPublicKey};
use festival_core::offline::device::{DeviceLimits, DeviceLog, DeviceLogState, DeviceSigner};
use festival_core::offline::record::{
    Anchor, Batch, CatalogSale, Direction, Hlc, LineItem, Payload, RecordBody, SignedRecord,
};
use festival_core::offline::OfflineError;
use festival_core::Money;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use pyo3::types::{PyDict, PyString};
use std::collections::BTreeMap;
use uuid::Uuid;

pub(crate) fn seed_arg(obj: &Bound<'_, PyAny>) -> PyResult<[u8; 32]> {
    let v = bytes_from_py("seed", obj)?;
    <[u8; 32]>::try_from(v.as_slice())
        .map_err(|_| OfflineError::InvalidKey { reason: format!("seed: expected 32 bytes, got {}", v.len()) })
        .py(obj.py())
}

/// Strict Ed25519 verification (canonical S and R, no small-order keys — the same decision as
/// every other runtime). Wrong lengths or unusable keys give `False`; non-bytes raise TypeError.
#[pyfunction]
pub fn verify_signature(
    py: Python<'_>,
    public_key: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    let pk = bytes_from_py("public_key", public_key)?;
    let msg = bytes_from_py("message", message)?;
    let sig = bytes_from_py("signature", signature)?;
    Ok(py.detach(move || crypto::verify(&pk, &msg, &sig).is_ok()))
}

/// The 32-byte Ed25519 public key of a 32-byte seed.
#[pyfunction]
pub fn public_key_from_seed<'py>(py: Python<'py>, seed: &Bound<'_, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    Ok(PyBytes::new(py, &crypto::public_key_from_seed(&seed_arg(seed)?)))
}

/// Ed25519 signature (64 bytes) of `message` with a 32-byte seed.
#[pyfunction]
pub fn sign<'py>(
    py: Python<'py>,
    seed: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let s = seed_arg(seed)?;
    let msg = bytes_from_py("message", message)?;
    Ok(PyBytes::new(py, &crypto::sign(&s, &msg)))
}

// ---------------------------------------------------------------------------------------------
// Records: payloads, bodies, signed records, batches
// ---------------------------------------------------------------------------------------------

/// `bytes` of exactly N bytes (keys, hashes, signatures); another length is a ValueError naming the field.
pub(crate) fn arr<const N: usize>(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<[u8; N]> {
    let v = bytes_from_py(field, obj)?;
    <[u8; N]>::try_from(v.as_slice())
        .map_err(|_| pyo3::exceptions::PyValueError::new_err(format!("{field}: expected {N} bytes, got {}", v.len())))
}

fn hlc_arg(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<Hlc> {
    let (physical_ms, logical): (i64, u32) =
        obj.extract().map_err(|_| type_err(field, "a (physical_ms: int, logical: int) tuple", obj))?;
    Ok(Hlc { physical_ms, logical })
}

fn line_items(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<LineItem>> {
    const WHAT: &str = "a sequence of (product_id, quantity, unit_price: Money) tuples";
    let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(vec![]) };
    if obj.is_instance_of::<PyString>() {
        return Err(type_err("items", WHAT, obj));
    }
    let mut out = Vec::new();
    for item in obj.try_iter().map_err(|_| type_err("items", WHAT, obj))? {
        let item = item?;
        let (p, quantity, price): (Bound<'_, PyAny>, u32, Bound<'_, PyAny>) =
            item.extract().map_err(|_| type_err("items[i]", WHAT, &item))?;
        out.push(LineItem {
            product_id: uuid_from_py("product_id", &p)?,
            quantity,
            unit_price: money_arg("unit_price", &price)?,
        });
    }
    Ok(out)
}

/// What a record does: build with `Payload.payment(...)`, `.catalog_payment`, `.top_up`,
/// `.refund`, `.scan`, `.void`.
#[pyclass(frozen, module = "festival_core", name = "Payload")]
#[derive(Clone)]
pub struct PyPayload {
    pub(crate) inner: Payload,
}

#[pymethods]
impl PyPayload {
    /// A wallet pays at a stand; `items` are `(product_id, quantity, unit_price)` tuples (empty or
    /// summing exactly to `amount`).
    #[staticmethod]
    #[pyo3(signature = (wallet_id, amount, stand_id, items = None))]
    fn payment(
        wallet_id: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        stand_id: &Bound<'_, PyAny>,
        items: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(PyPayload {
            inner: Payload::Payment {
                wallet_id: uuid_from_py("wallet_id", wallet_id)?,
                amount: money_arg("amount", amount)?,
                stand_id: uuid_from_py("stand_id", stand_id)?,
                items: line_items(items)?,
                catalog: None,
            },
        })
    }

    /// A payment priced with a product catalog (record encoding version 4): `catalog_version`
    /// is the `ProductCatalog.version` the device priced it with, `lines` the `LineItem`s (or
    /// `(sku, quantity, unit_price[, kind])` tuples, 1..=64) as the wallet books them; the money
    /// lines must sum exactly to `amount` (0 only when a line is paid with vouchers). Checked
    /// when encoded or signed (`OFFLINE_INVALID_AMOUNT`); `DeviceLog.pay_with_catalog` builds
    /// and checks it against the catalog for you.
    #[staticmethod]
    fn catalog_payment(
        wallet_id: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        stand_id: &Bound<'_, PyAny>,
        catalog_version: u32,
        lines: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        if lines.is_instance_of::<PyString>() {
            return Err(type_err("lines", "a sequence of LineItem or (sku, quantity, Money[, kind]) tuples", lines));
        }
        Ok(PyPayload {
            inner: Payload::Payment {
                wallet_id: uuid_from_py("wallet_id", wallet_id)?,
                amount: money_arg("amount", amount)?,
                stand_id: uuid_from_py("stand_id", stand_id)?,
                items: vec![],
                catalog: Some(CatalogSale { version: catalog_version, lines: crate::catalog::line_items_arg(lines)? }),
            },
        })
    }

    /// Returned deposit items (cups) credited to a wallet (record kind `deposit_return`, always
    /// encoding version 4): `product` is the catalog's deposit product, `amount` the deposit price
    /// times `quantity`; `DeviceLog.return_deposit` builds and checks it against the catalog.
    #[staticmethod]
    fn deposit_return(
        wallet_id: &Bound<'_, PyAny>,
        stand_id: &Bound<'_, PyAny>,
        product: String,
        quantity: u32,
        amount: &Bound<'_, PyAny>,
        catalog_version: u32,
    ) -> PyResult<Self> {
        Ok(PyPayload {
            inner: Payload::DepositReturn {
                wallet_id: uuid_from_py("wallet_id", wallet_id)?,
                stand_id: uuid_from_py("stand_id", stand_id)?,
                product,
                quantity,
                amount: money_arg("amount", amount)?,
                catalog_version,
            },
        })
    }

    /// A cash top-up.
    #[staticmethod]
    fn top_up(wallet_id: &Bound<'_, PyAny>, amount: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyPayload {
            inner: Payload::TopUp {
                wallet_id: uuid_from_py("wallet_id", wallet_id)?,
                amount: money_arg("amount", amount)?,
            },
        })
    }

    /// A refund of (part of) payment record `original_record_id`.
    #[staticmethod]
    fn refund(
        wallet_id: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        original_record_id: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        Ok(PyPayload {
            inner: Payload::Refund {
                wallet_id: uuid_from_py("wallet_id", wallet_id)?,
                amount: money_arg("amount", amount)?,
                original_record_id: uuid_from_py("original_record_id", original_record_id)?,
            },
        })
    }

    /// A ticket scan; `direction` is `in` or `out`.
    #[staticmethod]
    fn scan(ticket_id: &Bound<'_, PyAny>, zone_id: &Bound<'_, PyAny>, direction: &str) -> PyResult<Self> {
        Ok(PyPayload {
            inner: Payload::Scan {
                ticket_id: uuid_from_py("ticket_id", ticket_id)?,
                zone_id: uuid_from_py("zone_id", zone_id)?,
                direction: enum_arg::<Direction>("direction", direction, "'in', 'out'")?,
            },
        })
    }

    /// Cancels an earlier record of the same device.
    #[staticmethod]
    fn void(voided_record_id: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyPayload { inner: Payload::Void { voided_record_id: uuid_from_py("voided_record_id", voided_record_id)? } })
    }

    /// `payment`, `top_up`, `refund`, `scan` or `void`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind().as_str()
    }

    /// The fields as a dict of Python values (`uuid.UUID`, `Money`, `(product_id, quantity,
    /// unit_price)` items); a catalog payment adds `catalog_version` (int) and `lines`
    /// (`LineItem`s), and has no items.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        match &self.inner {
            Payload::Payment { wallet_id, amount, stand_id, items, catalog } => {
                if let Some(sale) = catalog {
                    d.set_item("catalog_version", sale.version)?;
                    let lines: Vec<crate::catalog::PyLineItem> =
                        sale.lines.iter().map(|l| crate::catalog::PyLineItem { inner: l.clone() }).collect();
                    d.set_item("lines", lines)?;
                }
                d.set_item("wallet_id", uuid_to_py(py, wallet_id)?)?;
                d.set_item("amount", PyMoney::wrap(*amount))?;
                d.set_item("stand_id", uuid_to_py(py, stand_id)?)?;
                let mut v = Vec::new();
                for i in items {
                    v.push((uuid_to_py(py, &i.product_id)?, i.quantity, PyMoney::wrap(i.unit_price)));
                }
                d.set_item("items", v)?;
            }
            Payload::TopUp { wallet_id, amount } => {
                d.set_item("wallet_id", uuid_to_py(py, wallet_id)?)?;
                d.set_item("amount", PyMoney::wrap(*amount))?;
            }
            Payload::Refund { wallet_id, amount, original_record_id } => {
                d.set_item("wallet_id", uuid_to_py(py, wallet_id)?)?;
                d.set_item("amount", PyMoney::wrap(*amount))?;
                d.set_item("original_record_id", uuid_to_py(py, original_record_id)?)?;
            }
            Payload::Scan { ticket_id, zone_id, direction } => {
                d.set_item("ticket_id", uuid_to_py(py, ticket_id)?)?;
                d.set_item("zone_id", uuid_to_py(py, zone_id)?)?;
                d.set_item("direction", enum_str(direction))?;
            }
            Payload::Void { voided_record_id } => {
                d.set_item("voided_record_id", uuid_to_py(py, voided_record_id)?)?;
            }
            Payload::DepositReturn { wallet_id, stand_id, product, quantity, amount, catalog_version } => {
                d.set_item("wallet_id", uuid_to_py(py, wallet_id)?)?;
                d.set_item("stand_id", uuid_to_py(py, stand_id)?)?;
                d.set_item("product", product)?;
                d.set_item("quantity", quantity)?;
                d.set_item("amount", PyMoney::wrap(*amount))?;
                d.set_item("catalog_version", catalog_version)?;
            }
        }
        Ok(d)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyPayload>().is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        match &self.inner {
            Payload::Payment { wallet_id, amount, stand_id, catalog: Some(sale), .. } => format!(
                "Payload.catalog_payment(wallet_id=UUID('{wallet_id}'), amount={}, stand_id=UUID('{stand_id}'), catalog_version={}, lines=<{} lines>)",
                money_repr(amount),
                sale.version,
                sale.lines.len()
            ),
            Payload::Payment { wallet_id, amount, stand_id, items, catalog: None } => format!(
                "Payload.payment(wallet_id=UUID('{wallet_id}'), amount={}, stand_id=UUID('{stand_id}'), items=<{} items>)",
                money_repr(amount),
                items.len()
            ),
            Payload::TopUp { wallet_id, amount } => {
                format!("Payload.top_up(wallet_id=UUID('{wallet_id}'), amount={})", money_repr(amount))
            }
            Payload::Refund { wallet_id, amount, original_record_id } => format!(
                "Payload.refund(wallet_id=UUID('{wallet_id}'), amount={}, original_record_id=UUID('{original_record_id}'))",
                money_repr(amount)
            ),
            Payload::Scan { ticket_id, zone_id, direction } => format!(
                "Payload.scan(ticket_id=UUID('{ticket_id}'), zone_id=UUID('{zone_id}'), direction='{}')",
                enum_str(direction)
            ),
            Payload::Void { voided_record_id } => format!("Payload.void(voided_record_id=UUID('{voided_record_id}'))"),
            Payload::DepositReturn { wallet_id, product, quantity, amount, catalog_version, .. } => format!(
                "Payload.deposit_return(wallet_id=UUID('{wallet_id}'), stand_id=..., product='{product}', quantity={quantity}, amount={}, catalog_version={catalog_version})",
                money_repr(amount)
            ),
        }
    }
}

/// An optional `(sequence, server_time)` tuple: a record's or a signer's anchor.
fn anchor_arg(anchor: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Anchor>> {
    match anchor.filter(|a| !a.is_none()) {
        None => Ok(None),
        Some(a) => {
            let (sequence, at): (u64, Bound<'_, PyAny>) =
                a.extract().map_err(|_| type_err("anchor", "a (sequence, server_time) tuple", a))?;
            Ok(Some(Anchor { sequence, server_time: timestamp_from_py("anchor[1]", &at)? }))
        }
    }
}

/// The signed content of an offline record (canonical binary encoding).
#[pyclass(frozen, module = "festival_core", name = "RecordBody")]
#[derive(Clone)]
pub struct PyRecordBody {
    pub(crate) inner: RecordBody,
}

#[pymethods]
impl PyRecordBody {
    /// `prev_hash` is 32 bytes (zeros for the first record), `hlc` a `(physical_ms, logical)`
    /// tuple, `anchor` the `(sequence, server_time)` of the newest server acknowledgement the
    /// device held (None before its first; see `DeviceLog.accept_ack`).
    #[new]
    #[pyo3(signature = (record_id, device_id, festival_id, sequence, prev_hash, device_time, hlc, payload, anchor = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        record_id: &Bound<'_, PyAny>,
        device_id: &Bound<'_, PyAny>,
        festival_id: &Bound<'_, PyAny>,
        sequence: u64,
        prev_hash: &Bound<'_, PyAny>,
        device_time: &Bound<'_, PyAny>,
        hlc: &Bound<'_, PyAny>,
        payload: PyRef<'_, PyPayload>,
        anchor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let anchor = anchor_arg(anchor)?;
        Ok(PyRecordBody {
            inner: RecordBody {
                record_id: uuid_from_py("record_id", record_id)?,
                device_id: uuid_from_py("device_id", device_id)?,
                festival_id: uuid_from_py("festival_id", festival_id)?,
                sequence,
                prev_hash: arr::<32>("prev_hash", prev_hash)?,
                device_time: timestamp_from_py("device_time", device_time)?,
                hlc: hlc_arg("hlc", hlc)?,
                payload: payload.inner.clone(),
                anchor,
                scan_fact: None,
            },
        })
    }

    /// Decodes an unsigned canonical encoding (`OFFLINE_MALFORMED` on bad bytes).
    #[staticmethod]
    fn decode(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyRecordBody { inner: RecordBody::decode(&bytes_from_py("data", data)?).py(py)? })
    }

    /// The canonical encoding (what is signed, after the domain prefix).
    fn encode<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.inner.encode().py(py)?))
    }

    /// Signs with a 32-byte seed.
    fn sign(&self, py: Python<'_>, seed: &Bound<'_, PyAny>) -> PyResult<PySignedRecord> {
        Ok(PySignedRecord { inner: self.inner.sign(&seed_arg(seed)?).py(py)? })
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
    fn festival_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.festival_id)
    }
    #[getter]
    fn sequence(&self) -> u64 {
        self.inner.sequence
    }
    #[getter]
    fn prev_hash<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.prev_hash)
    }
    #[getter]
    fn device_time<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timestamp_to_py(py, self.inner.device_time)
    }
    /// `(physical_ms, logical)`.
    #[getter]
    fn hlc(&self) -> (i64, u32) {
        (self.inner.hlc.physical_ms, self.inner.hlc.logical)
    }
    #[getter]
    fn payload(&self) -> PyPayload {
        PyPayload { inner: self.inner.payload.clone() }
    }
    /// `(sequence, server_time)` of the server acknowledgement the record references, or None.
    #[getter]
    fn anchor<'py>(&self, py: Python<'py>) -> PyResult<Option<(u64, Bound<'py, PyAny>)>> {
        self.inner.anchor.map(|a| Ok((a.sequence, timestamp_to_py(py, a.server_time)?))).transpose()
    }
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind().as_str()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyRecordBody>().is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "RecordBody(record_id=UUID('{}'), device_id=UUID('{}'), sequence={}, kind='{}')",
            self.inner.record_id,
            self.inner.device_id,
            self.inner.sequence,
            self.inner.kind().as_str()
        )
    }
}

/// A record body with its signature; keeps its exact bytes (`bytes(record)`).
#[pyclass(frozen, module = "festival_core", name = "SignedRecord")]
#[derive(Clone)]
pub struct PySignedRecord {
    pub(crate) inner: SignedRecord,
}

#[pymethods]
impl PySignedRecord {
    /// Decodes `encoding || signature` (does not verify the signature; `OFFLINE_MALFORMED`).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PySignedRecord { inner: SignedRecord::from_bytes(&bytes_from_py("data", data)?).py(py)? })
    }

    /// Pairs a body with a 64-byte signature made elsewhere (not verified).
    #[staticmethod]
    fn from_parts(py: Python<'_>, body: PyRef<'_, PyRecordBody>, signature: &Bound<'_, PyAny>) -> PyResult<Self> {
        let sig = arr::<64>("signature", signature)?;
        Ok(PySignedRecord { inner: SignedRecord::from_parts(body.inner.clone(), sig).py(py)? })
    }

    #[getter]
    fn body(&self) -> PyRecordBody {
        PyRecordBody { inner: self.inner.body().clone() }
    }
    #[getter]
    fn signature<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.signature())
    }
    /// SHA-256 of the signed bytes (the next record's `prev_hash`).
    #[getter]
    fn hash<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.hash())
    }
    #[getter]
    fn record_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.body().record_id)
    }
    #[getter]
    fn sequence(&self) -> u64 {
        self.inner.body().sequence
    }
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.body().kind().as_str()
    }
    /// `encoding || signature`.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.as_bytes())
    }
    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.as_bytes())
    }
    /// The bytes the signature covers (domain prefix || encoding).
    fn signing_input<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.signing_input())
    }
    /// Position in the global total order: `((physical_ms, logical), device_id, sequence)`.
    fn order_key<'py>(&self, py: Python<'py>) -> PyResult<((i64, u32), Bound<'py, PyAny>, u64)> {
        let (h, d, s) = self.inner.order_key();
        Ok(((h.physical_ms, h.logical), uuid_to_py(py, &d)?, s))
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PySignedRecord>().is_ok_and(|o| o.get().inner == self.inner)
    }
    fn __repr__(&self) -> String {
        let b = self.inner.body();
        format!(
            "SignedRecord(record_id=UUID('{}'), device_id=UUID('{}'), sequence={}, kind='{}', bytes={})",
            b.record_id,
            b.device_id,
            b.sequence,
            b.kind().as_str(),
            self.inner.as_bytes().len()
        )
    }
}

fn records_arg(obj: &Bound<'_, PyAny>) -> PyResult<Vec<SignedRecord>> {
    let mut out = Vec::new();
    for item in obj.try_iter().map_err(|_| type_err("records", "a sequence of festival_core.SignedRecord", obj))? {
        let item = item?;
        let r =
            item.cast::<PySignedRecord>().map_err(|_| type_err("records[i]", "festival_core.SignedRecord", &item))?;
        out.push(r.get().inner.clone());
    }
    Ok(out)
}

/// Encodes signed records as one batch (the sync upload format).
#[pyfunction]
pub fn encode_batch<'py>(py: Python<'py>, records: &Bound<'_, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    Ok(PyBytes::new(py, &Batch { records: records_arg(records)? }.to_bytes()))
}

/// Decodes a batch into its signed records (signatures not verified; `OFFLINE_MALFORMED`).
#[pyfunction]
pub fn decode_batch(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Vec<PySignedRecord>> {
    let b = Batch::from_bytes(&bytes_from_py("data", data)?).py(py)?;
    Ok(b.records.into_iter().map(|r| PySignedRecord { inner: r }).collect())
}

// ---------------------------------------------------------------------------------------------
// Device side: signer and log
// ---------------------------------------------------------------------------------------------

/// Signs a device's records: the secret seed (never shown), next sequence, last hash and HLC.
#[pyclass(module = "festival_core", name = "DeviceSigner")]
#[derive(Clone)]
pub struct PyDeviceSigner {
    inner: DeviceSigner,
}

#[pymethods]
impl PyDeviceSigner {
    /// A fresh log (next sequence 1). `seed`: 32 bytes from the app's own entropy.
    #[new]
    fn new(seed: &Bound<'_, PyAny>, device_id: &Bound<'_, PyAny>, festival_id: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyDeviceSigner {
            inner: DeviceSigner::new(
                seed_arg(seed)?,
                uuid_from_py("device_id", device_id)?,
                uuid_from_py("festival_id", festival_id)?,
            ),
        })
    }

    /// Resumes from persisted state (`anchor`: the `(sequence, server_time)` of the newest
    /// accepted server acknowledgement, see `DeviceLog.accept_ack`).
    #[staticmethod]
    #[pyo3(signature = (seed, device_id, festival_id, next_sequence, last_hash, last_hlc, anchor = None))]
    fn resume(
        py: Python<'_>,
        seed: &Bound<'_, PyAny>,
        device_id: &Bound<'_, PyAny>,
        festival_id: &Bound<'_, PyAny>,
        next_sequence: u64,
        last_hash: &Bound<'_, PyAny>,
        last_hlc: &Bound<'_, PyAny>,
        anchor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let signer = DeviceSigner::resume(
            seed_arg(seed)?,
            uuid_from_py("device_id", device_id)?,
            uuid_from_py("festival_id", festival_id)?,
            next_sequence,
            arr::<32>("last_hash", last_hash)?,
            hlc_arg("last_hlc", last_hlc)?,
        );
        Ok(PyDeviceSigner { inner: signer.with_anchor(anchor_arg(anchor)?).py(py)? })
    }

    /// `(sequence, server_time)` of the newest server acknowledgement accepted, or None.
    #[getter]
    fn anchor<'py>(&self, py: Python<'py>) -> PyResult<Option<(u64, Bound<'py, PyAny>)>> {
        self.inner.anchor().map(|a| Ok((a.sequence, timestamp_to_py(py, a.server_time)?))).transpose()
    }

    #[getter]
    fn public_key<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.public_key())
    }
    #[getter]
    fn device_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.device_id())
    }
    #[getter]
    fn festival_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        uuid_to_py(py, &self.inner.festival_id())
    }
    #[getter]
    fn next_sequence(&self) -> u64 {
        self.inner.next_sequence()
    }
    #[getter]
    fn last_hash<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.last_hash())
    }
    #[getter]
    fn last_hlc(&self) -> (i64, u32) {
        let h = self.inner.last_hlc();
        (h.physical_ms, h.logical)
    }

    /// Merges a stamp seen from another device or the server (HLC receive rule).
    fn observe(&mut self, remote: &Bound<'_, PyAny>, now: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.observe(hlc_arg("remote", remote)?, timestamp_from_py("now", now)?);
        Ok(())
    }

    /// Creates and signs the next record; the signer advances only on success.
    fn sign(
        &mut self,
        py: Python<'_>,
        record_id: &Bound<'_, PyAny>,
        device_time: &Bound<'_, PyAny>,
        payload: PyRef<'_, PyPayload>,
    ) -> PyResult<PySignedRecord> {
        let r = self
            .inner
            .sign(
                uuid_from_py("record_id", record_id)?,
                timestamp_from_py("device_time", device_time)?,
                payload.inner.clone(),
            )
            .py(py)?;
        Ok(PySignedRecord { inner: r })
    }

    fn __repr__(&self) -> String {
        format!(
            "DeviceSigner(device_id=UUID('{}'), next_sequence={})",
            self.inner.device_id(),
            self.inner.next_sequence()
        )
    }
}

fn balances_arg(obj: &Bound<'_, PyAny>) -> PyResult<BTreeMap<Uuid, Money>> {
    let d = obj.cast::<PyDict>().map_err(|_| type_err("balances", "a dict {wallet_id: Money}", obj))?;
    let mut out = BTreeMap::new();
    for (k, v) in d.iter() {
        out.insert(uuid_from_py("balances key", &k)?, money_arg("balances value", &v)?);
    }
    Ok(out)
}

fn limits_arg(
    per_payment: &Bound<'_, PyAny>,
    per_wallet_offline: &Bound<'_, PyAny>,
    max_stored_value: &Bound<'_, PyAny>,
    max_queued_records: u64,
) -> PyResult<DeviceLimits> {
    Ok(DeviceLimits {
        per_payment: money_arg("per_payment", per_payment)?,
        per_wallet_offline: money_arg("per_wallet_offline", per_wallet_offline)?,
        max_stored_value: money_arg("max_stored_value", max_stored_value)?,
        max_queued_records,
    })
}

/// A POS / gate / top-up device offline: local limits and balances, a queue of signed records
/// exported as batch bytes for sync.
#[pyclass(module = "festival_core", name = "DeviceLog")]
pub struct PyDeviceLog {
    inner: DeviceLog,
}

#[pymethods]
impl PyDeviceLog {
    /// Limits are `Money` in `currency` (`OFFLINE_INVALID_AMOUNT` otherwise).
    #[new]
    #[pyo3(signature = (signer, currency, *, per_payment, per_wallet_offline, max_stored_value, max_queued_records))]
    fn new(
        py: Python<'_>,
        signer: PyRef<'_, PyDeviceSigner>,
        currency: &Bound<'_, PyAny>,
        per_payment: &Bound<'_, PyAny>,
        per_wallet_offline: &Bound<'_, PyAny>,
        max_stored_value: &Bound<'_, PyAny>,
        max_queued_records: u64,
    ) -> PyResult<Self> {
        let limits = limits_arg(per_payment, per_wallet_offline, max_stored_value, max_queued_records)?;
        Ok(PyDeviceLog { inner: DeviceLog::new(signer.inner.clone(), currency_from_py(currency)?, limits).py(py)? })
    }

    /// Rebuilds a log after an app restart from the resumed signer, the limits, the last synced
    /// balances and the queued-but-unacknowledged records (signed bytes). Nothing is trusted:
    /// an edited, reordered or truncated queue raises `OfflineError`.
    #[staticmethod]
    #[pyo3(signature = (signer, currency, synced_balances, queued, *, per_payment, per_wallet_offline, max_stored_value, max_queued_records))]
    #[allow(clippy::too_many_arguments)]
    fn restore(
        py: Python<'_>,
        signer: PyRef<'_, PyDeviceSigner>,
        currency: &Bound<'_, PyAny>,
        synced_balances: &Bound<'_, PyAny>,
        queued: &Bound<'_, PyAny>,
        per_payment: &Bound<'_, PyAny>,
        per_wallet_offline: &Bound<'_, PyAny>,
        max_stored_value: &Bound<'_, PyAny>,
        max_queued_records: u64,
    ) -> PyResult<Self> {
        let limits = limits_arg(per_payment, per_wallet_offline, max_stored_value, max_queued_records)?;
        let mut recs = Vec::new();
        for item in queued.try_iter().map_err(|_| type_err("queued", "a sequence of bytes", queued))? {
            recs.push(SignedRecord::from_bytes(&bytes_from_py("queued[i]", &item?)?).py(py)?);
        }
        let log = DeviceLog::restore(
            signer.inner.clone(),
            currency_from_py(currency)?,
            limits,
            balances_arg(synced_balances)?,
            recs,
        )
        .py(py)?;
        Ok(PyDeviceLog { inner: log })
    }

    /// Everything to persist for a lossless restart, as JSON text (the seed is NOT in it).
    fn state_json(&self, py: Python<'_>) -> PyResult<String> {
        serde_json::to_string(&self.inner.state())
            .map_err(|e| crate::errors::core_err(py, festival_core::InputError::invalid("state", e.to_string())))
    }

    /// Restores from `state_json()` and the seed (checked against the stored public key).
    #[staticmethod]
    fn from_state_json(py: Python<'_>, seed: &Bound<'_, PyAny>, state: &str) -> PyResult<Self> {
        let st: DeviceLogState = serde_json::from_str(state)
            .map_err(|e| crate::errors::core_err(py, festival_core::InputError::invalid("state", e.to_string())))?;
        Ok(PyDeviceLog { inner: DeviceLog::from_state(seed_arg(seed)?, st).py(py)? })
    }

    /// A copy of the signer (sequence, last hash, public key).
    #[getter]
    fn signer(&self) -> PyDeviceSigner {
        PyDeviceSigner { inner: self.inner.signer().clone() }
    }
    #[getter]
    fn currency(&self) -> String {
        self.inner.currency().to_string()
    }
    /// `{"per_payment", "per_wallet_offline", "max_stored_value", "max_queued_records"}`.
    fn limits<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let l = self.inner.limits();
        let d = PyDict::new(py);
        d.set_item("per_payment", PyMoney::wrap(l.per_payment))?;
        d.set_item("per_wallet_offline", PyMoney::wrap(l.per_wallet_offline))?;
        d.set_item("max_stored_value", PyMoney::wrap(l.max_stored_value))?;
        d.set_item("max_queued_records", l.max_queued_records)?;
        Ok(d)
    }
    /// The last synced balances.
    fn synced_balances<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in self.inner.synced_balances() {
            d.set_item(uuid_to_py(py, k)?, PyMoney::wrap(*v))?;
        }
        Ok(d)
    }

    /// Replaces the last synced balances (`{wallet_id: Money}` from the server).
    fn set_synced_balances(&mut self, py: Python<'_>, balances: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.set_synced_balances(balances_arg(balances)?).py(py)
    }

    /// Spendable balance of `wallet_id` as this device knows it.
    fn available(&self, wallet_id: &Bound<'_, PyAny>) -> PyResult<PyMoney> {
        Ok(PyMoney::wrap(self.inner.available(&uuid_from_py("wallet_id", wallet_id)?)))
    }
    /// This device's unsynced payments by `wallet_id`.
    fn offline_spent(&self, wallet_id: &Bound<'_, PyAny>) -> PyResult<PyMoney> {
        Ok(PyMoney::wrap(self.inner.offline_spent(&uuid_from_py("wallet_id", wallet_id)?)))
    }
    /// Value of the unsynced money records (what the stored-value limit counts).
    fn stored_value(&self) -> PyMoney {
        PyMoney::wrap(self.inner.stored_value())
    }

    /// Records and signs a payment after the limits and the local balance
    /// (`DEVICE_LIMIT_EXCEEDED`, `DEVICE_INSUFFICIENT_BALANCE`, `DEVICE_QUEUE_FULL`).
    #[pyo3(signature = (record_id, now, wallet_id, amount, stand_id, items = None))]
    #[allow(clippy::too_many_arguments)]
    fn pay(
        &mut self,
        py: Python<'_>,
        record_id: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        wallet_id: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        stand_id: &Bound<'_, PyAny>,
        items: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PySignedRecord> {
        let r = self
            .inner
            .pay(
                uuid_from_py("record_id", record_id)?,
                timestamp_from_py("now", now)?,
                uuid_from_py("wallet_id", wallet_id)?,
                money_arg("amount", amount)?,
                uuid_from_py("stand_id", stand_id)?,
                line_items(items)?,
            )
            .py(py)?;
        Ok(PySignedRecord { inner: r })
    }

    /// Records and signs a payment priced with `catalog` (the verified `ProductCatalog` the
    /// device holds): `lines` are `LineItem`s or `(sku, quantity, unit_price[, kind])` tuples
    /// (e.g. `catalog.expand(...).items`), `age_class` the customer's verified age class
    /// (`under_16`, `16_17`, `adult`; None: not verified, counts as under 16). The lines are
    /// checked against the catalog (`WalletError` `CATALOG_PRICE_MISMATCH`, `CATALOG_*`), the
    /// age class (`WalletError` `CATALOG_AGE_RESTRICTED`), then the limits and local balance as
    /// by `pay` (`OfflineError`). The amount is the sum of the money lines (0 if everything is
    /// paid with vouchers); the record (version 4) carries the catalog version and the lines, so
    /// reconciliation checks them again against the catalog the server published
    /// (`ReconcileState.publish_catalog`).
    #[pyo3(signature = (record_id, now, wallet_id, stand_id, catalog, lines, age_class = None))]
    #[allow(clippy::too_many_arguments)]
    fn pay_with_catalog(
        &mut self,
        py: Python<'_>,
        record_id: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        wallet_id: &Bound<'_, PyAny>,
        stand_id: &Bound<'_, PyAny>,
        catalog: &Bound<'_, PyAny>,
        lines: &Bound<'_, PyAny>,
        age_class: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PySignedRecord> {
        let catalog = crate::catalog::catalog_arg("catalog", catalog)?;
        if lines.is_instance_of::<PyString>() {
            return Err(type_err("lines", "a sequence of LineItem or (sku, quantity, Money[, kind]) tuples", lines));
        }
        let r = self
            .inner
            .pay_with_catalog(
                uuid_from_py("record_id", record_id)?,
                timestamp_from_py("now", now)?,
                uuid_from_py("wallet_id", wallet_id)?,
                uuid_from_py("stand_id", stand_id)?,
                &catalog.get().inner,
                crate::catalog::line_items_arg(lines)?,
                crate::catalog::age_class_arg(age_class)?,
            )
            .py(py)?;
        Ok(PySignedRecord { inner: r })
    }

    /// Records and signs returned deposit items (cups) credited to `wallet_id` at `catalog`'s
    /// deposit price (record kind `deposit_return`, version 4): `WalletError`
    /// `CATALOG_UNKNOWN_PRODUCT` / `CATALOG_LINE_KIND_MISMATCH` for a product that is not a
    /// deposit, then the queue and stored-value limits (`OfflineError`). Reconciliation checks the
    /// price again against the published catalog of that version.
    #[allow(clippy::too_many_arguments)]
    fn return_deposit(
        &mut self,
        py: Python<'_>,
        record_id: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        wallet_id: &Bound<'_, PyAny>,
        stand_id: &Bound<'_, PyAny>,
        catalog: &Bound<'_, PyAny>,
        product: String,
        quantity: u32,
    ) -> PyResult<PySignedRecord> {
        let catalog = crate::catalog::catalog_arg("catalog", catalog)?;
        let r = self
            .inner
            .return_deposit(
                uuid_from_py("record_id", record_id)?,
                timestamp_from_py("now", now)?,
                uuid_from_py("wallet_id", wallet_id)?,
                uuid_from_py("stand_id", stand_id)?,
                &catalog.get().inner,
                &product,
                quantity,
            )
            .py(py)?;
        Ok(PySignedRecord { inner: r })
    }

    /// Records and signs a cash top-up.
    fn top_up(
        &mut self,
        py: Python<'_>,
        record_id: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        wallet_id: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
    ) -> PyResult<PySignedRecord> {
        let r = self
            .inner
            .top_up(
                uuid_from_py("record_id", record_id)?,
                timestamp_from_py("now", now)?,
                uuid_from_py("wallet_id", wallet_id)?,
                money_arg("amount", amount)?,
            )
            .py(py)?;
        Ok(PySignedRecord { inner: r })
    }

    /// Records and signs any payload (refund, scan, void, ...) after the queue and value limits.
    fn record(
        &mut self,
        py: Python<'_>,
        record_id: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        payload: PyRef<'_, PyPayload>,
    ) -> PyResult<PySignedRecord> {
        let r = self
            .inner
            .record(uuid_from_py("record_id", record_id)?, timestamp_from_py("now", now)?, payload.inner.clone())
            .py(py)?;
        Ok(PySignedRecord { inner: r })
    }

    /// Records and signs a scan with the gate's decision (a scan fact, record version 3): pass
    /// `admitted=False` with the deny `reason` for a failed scan, which is kept too.
    #[pyo3(signature = (record_id, now, ticket_id, zone_id, direction, *, admitted, reason = None, policy_version = 0, revocation_version = 0))]
    #[allow(clippy::too_many_arguments)]
    fn record_scan(
        &mut self,
        py: Python<'_>,
        record_id: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        ticket_id: &Bound<'_, PyAny>,
        zone_id: &Bound<'_, PyAny>,
        direction: &str,
        admitted: bool,
        reason: Option<&str>,
        policy_version: u64,
        revocation_version: u64,
    ) -> PyResult<PySignedRecord> {
        let fact = crate::checkin::scan_fact_arg(admitted, reason, policy_version, revocation_version)?;
        let r = self
            .inner
            .record_scan(
                uuid_from_py("record_id", record_id)?,
                timestamp_from_py("now", now)?,
                uuid_from_py("ticket_id", ticket_id)?,
                uuid_from_py("zone_id", zone_id)?,
                crate::wallet::enum_arg("direction", direction, "'in', 'out'")?,
                fact,
            )
            .py(py)?;
        Ok(PySignedRecord { inner: r })
    }

    /// Number of unsynced records.
    fn queued(&self) -> usize {
        self.inner.queued()
    }

    /// The unsynced records, oldest first.
    fn queued_records(&self) -> Vec<PySignedRecord> {
        self.inner.queued_records().iter().map(|r| PySignedRecord { inner: r.clone() }).collect()
    }

    /// All unsynced records as batch bytes (re-export until acknowledged; duplicates are harmless).
    fn export_batch<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.export_batch().to_bytes())
    }

    /// Drops queued records with sequence <= `up_to_sequence`.
    fn acknowledge(&mut self, up_to_sequence: u64) {
        self.inner.acknowledge(up_to_sequence);
    }

    /// Accepts the server's signed acknowledgement after a sync (`ReconcileState.acknowledge`):
    /// checks its signature, device and festival, drops the records it covers, and anchors every
    /// later record to it (the clock moves to the server's). False if it is older than the
    /// current anchor.
    fn accept_ack(
        &mut self,
        py: Python<'_>,
        ack: &Bound<'_, PyAny>,
        server_public_key: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let ack = SignedAck::from_bytes(&bytes_from_py("ack", ack)?).py(py)?;
        let key = StrictPublicKey::from_bytes(&arr::<32>("server_public_key", server_public_key)?).py(py)?;
        self.inner.accept_ack(&ack, &key, timestamp_from_py("now", now)?).py(py)
    }

    /// Installs a server-signed offline allowance (`ReconcileState.issue_allowance`): from then
    /// on every payment must be covered by an installed allowance (`DEVICE_ALLOWANCE_EXCEEDED`).
    fn install_allowance(&mut self, py: Python<'_>, allowance: &Bound<'_, PyAny>, server_public_key: &Bound<'_, PyAny>) -> PyResult<()> {
        let a = SignedAllowance::from_bytes(&bytes_from_py("allowance", allowance)?).py(py)?;
        let key = StrictPublicKey::from_bytes(&arr::<32>("server_public_key", server_public_key)?).py(py)?;
        self.inner.install_allowance(&a, &key).py(py)
    }

    /// What `wallet_id` may still spend on this device at `now` under the installed allowances
    /// (None: none installed, only the limits apply).
    fn allowance_remaining(&self, wallet_id: &Bound<'_, PyAny>, now: &Bound<'_, PyAny>) -> PyResult<Option<PyMoney>> {
        Ok(self.inner.allowance_remaining(&uuid_from_py("wallet_id", wallet_id)?, timestamp_from_py("now", now)?).map(PyMoney::wrap))
    }

    fn __repr__(&self) -> String {
        format!(
            "DeviceLog(device_id=UUID('{}'), currency='{}', queued={}, next_sequence={})",
            self.inner.signer().device_id(),
            self.inner.currency(),
            self.inner.queued(),
            self.inner.signer().next_sequence()
        )
    }
}
