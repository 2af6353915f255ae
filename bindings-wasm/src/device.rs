//! The offline device side (`DeviceSigner`, `DeviceLog`) and the record codec. Conversions live
//! in `festival_js_api::device`; this file only declares the exports (same API as bindings-node).

use crate::{bytes, js, js_error, run, run_plain, to_js, CoreResult};
use festival_js_api::device::{self as api, JsOut};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

/// A [`JsOut`] as a JS value: bytes become `Uint8Array`s, JSON plain values.
pub(crate) fn out(o: JsOut) -> JsValue {
    match o {
        JsOut::Json(v) => to_js(&v),
        JsOut::Bytes(b) => Uint8Array::from(&b[..]).into(),
        JsOut::Object(fields) => {
            let obj = Object::new();
            for (k, v) in fields {
                // Setting a data property on a fresh plain object cannot fail.
                let _ = Reflect::set(&obj, &JsValue::from_str(k), &out(v));
            }
            obj.into()
        }
        JsOut::Array(items) => items.into_iter().map(out).collect::<Array>().into(),
    }
}

fn run_out(f: impl FnOnce() -> CoreResult<JsOut>) -> Result<JsValue, JsValue> {
    f().map(out).map_err(|e| js_error(&e, true))
}

/// Every element of a JS array of `Uint8Array`s, copied into wasm memory.
pub(crate) fn byte_arrays(field: &str, v: &JsValue) -> CoreResult<Vec<Vec<u8>>> {
    if !Array::is_array(v) {
        return Err(festival_core::InputError::invalid(field, "expected an array of Uint8Array").into());
    }
    let arr: &Array = v.unchecked_ref();
    let mut outv = Vec::with_capacity(arr.length() as usize);
    for i in 0..arr.length() {
        outv.push(bytes(&format!("{field}[{i}]"), &arr.get(i))?);
    }
    Ok(outv)
}

// ------------------------------------------------------------------ record codec

/// The canonical unsigned encoding of a record body.
#[wasm_bindgen(js_name = encodeRecord)]
pub fn encode_record(
    #[wasm_bindgen(unchecked_param_type = "RecordBodyInput")] record: JsValue,
) -> Result<Vec<u8>, JsValue> {
    run_plain(|| api::encode_record(&js("record", &record)?))
}

/// Signs a record body with a 32-byte seed (deterministic).
#[wasm_bindgen(js_name = signRecord, unchecked_return_type = "SignedRecordOut")]
pub fn sign_record(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] seed: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RecordBodyInput")] record: JsValue,
) -> Result<JsValue, JsValue> {
    run_out(|| api::sign_record(&bytes("seed", &seed)?, &js("record", &record)?))
}

/// Decodes signed record bytes (does not verify the signature).
#[wasm_bindgen(js_name = decodeRecord, unchecked_return_type = "SignedRecordOut")]
pub fn decode_record(#[wasm_bindgen(unchecked_param_type = "Uint8Array")] data: JsValue) -> Result<JsValue, JsValue> {
    run_out(|| api::decode_record(&bytes("bytes", &data)?))
}

/// Decodes a batch into its signed records (does not verify signatures).
#[wasm_bindgen(js_name = decodeBatch, unchecked_return_type = "SignedRecordOut[]")]
pub fn decode_batch(#[wasm_bindgen(unchecked_param_type = "Uint8Array")] data: JsValue) -> Result<JsValue, JsValue> {
    run_out(|| api::decode_batch(&bytes("bytes", &data)?))
}

/// Packs signed records into a batch.
#[wasm_bindgen(js_name = encodeBatch)]
pub fn encode_batch(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] records: JsValue,
) -> Result<Vec<u8>, JsValue> {
    run_plain(|| api::encode_batch(&byte_arrays("records", &records)?))
}

/// Strict Ed25519 check of a signed record against a public key (`false` if it does not verify;
/// bytes that are not a record throw `OFFLINE_MALFORMED`).
#[wasm_bindgen(js_name = verifyRecord)]
pub fn verify_record(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] data: JsValue,
    #[wasm_bindgen(js_name = publicKey, unchecked_param_type = "Uint8Array")] public_key: JsValue,
) -> Result<bool, JsValue> {
    run_plain(|| api::verify_record(&bytes("bytes", &data)?, &bytes("publicKey", &public_key)?))
}

// ------------------------------------------------------------------ DeviceSigner

/// Signs a device's hash-chained records (holds the secret seed, next sequence, last hash, HLC).
#[wasm_bindgen]
pub struct DeviceSigner {
    pub(crate) inner: api::DeviceSignerHandle,
}

#[wasm_bindgen]
impl DeviceSigner {
    /// `new DeviceSigner(seed, deviceId, festivalId)`: a fresh log (next sequence 1).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] seed: JsValue,
        #[wasm_bindgen(js_name = deviceId, unchecked_param_type = "string")] device_id: JsValue,
        #[wasm_bindgen(js_name = festivalId, unchecked_param_type = "string")] festival_id: JsValue,
    ) -> Result<DeviceSigner, JsValue> {
        run_plain(|| {
            api::DeviceSignerHandle::new(
                &bytes("seed", &seed)?,
                &js("deviceId", &device_id)?,
                &js("festivalId", &festival_id)?,
            )
        })
        .map(|inner| DeviceSigner { inner })
    }

    /// Resumes a log from persisted state `{ nextSequence, lastHash, lastHlc }`.
    pub fn resume(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] seed: JsValue,
        #[wasm_bindgen(js_name = deviceId, unchecked_param_type = "string")] device_id: JsValue,
        #[wasm_bindgen(js_name = festivalId, unchecked_param_type = "string")] festival_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DeviceSignerState")] state: JsValue,
    ) -> Result<DeviceSigner, JsValue> {
        run_plain(|| {
            api::DeviceSignerHandle::resume(
                &bytes("seed", &seed)?,
                &js("deviceId", &device_id)?,
                &js("festivalId", &festival_id)?,
                &js("state", &state)?,
            )
        })
        .map(|inner| DeviceSigner { inner })
    }

    /// The device's Ed25519 public key (32 bytes).
    #[wasm_bindgen(js_name = publicKey)]
    pub fn public_key(&self) -> Vec<u8> {
        self.inner.public_key()
    }

    /// The device id.
    #[wasm_bindgen(js_name = deviceId)]
    pub fn device_id(&self) -> String {
        self.inner.device_id()
    }

    /// The sequence the next record gets.
    #[wasm_bindgen(js_name = nextSequence)]
    pub fn next_sequence(&self) -> u64 {
        self.inner.next_sequence()
    }

    /// SHA-256 of the last signed record, hex (zeros before the first).
    #[wasm_bindgen(js_name = lastHash)]
    pub fn last_hash(&self) -> String {
        self.inner.last_hash()
    }

    /// The last HLC stamp issued or observed.
    #[wasm_bindgen(js_name = lastHlc, unchecked_return_type = "Hlc")]
    pub fn last_hlc(&self) -> Result<JsValue, JsValue> {
        run(|| self.inner.last_hlc())
    }

    /// The newest server acknowledgement accepted (records signed now carry it), or null.
    #[wasm_bindgen(unchecked_return_type = "Anchor | null")]
    pub fn anchor(&self) -> Result<JsValue, JsValue> {
        run(|| self.inner.anchor())
    }

    /// Merges a stamp seen from another device or the server (HLC receive rule).
    pub fn observe(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Hlc")] remote: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
    ) -> Result<(), JsValue> {
        let inner = &mut self.inner;
        run_plain(|| inner.observe(&js("remote", &remote)?, &js("now", &now)?))
    }

    /// Signs the next record; the state advances only on success.
    #[wasm_bindgen(unchecked_return_type = "SignedRecordOut")]
    pub fn sign(
        &mut self,
        #[wasm_bindgen(js_name = recordId, unchecked_param_type = "string")] record_id: JsValue,
        #[wasm_bindgen(js_name = deviceTime, unchecked_param_type = "TimestampInput")] device_time: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RecordPayload")] payload: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run_out(|| {
            inner.sign(&js("recordId", &record_id)?, &js("deviceTime", &device_time)?, &js("payload", &payload)?)
        })
    }
}

// ------------------------------------------------------------------ DeviceLog

/// The POS / gate app's offline view: synced balances, limits, and the queue of unsynced records.
#[wasm_bindgen]
pub struct DeviceLog {
    inner: api::DeviceLogHandle,
}

#[wasm_bindgen]
impl DeviceLog {
    /// `new DeviceLog(signer, currency, limits)`: takes a copy of the signer's state.
    #[wasm_bindgen(constructor)]
    pub fn new(
        signer: &DeviceSigner,
        #[wasm_bindgen(unchecked_param_type = "string")] currency: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DeviceLimits")] limits: JsValue,
    ) -> Result<DeviceLog, JsValue> {
        run_plain(|| api::DeviceLogHandle::new(&signer.inner, &js("currency", &currency)?, &js("limits", &limits)?))
            .map(|inner| DeviceLog { inner })
    }

    /// After an app restart: the resumed signer plus the records still queued (checked: the
    /// signer's own contiguous chain ending at its position, within the limits).
    #[wasm_bindgen(js_name = resumeWithQueue)]
    pub fn resume_with_queue(
        signer: &DeviceSigner,
        #[wasm_bindgen(unchecked_param_type = "string")] currency: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DeviceLimits")] limits: JsValue,
        #[wasm_bindgen(js_name = syncedBalances, unchecked_param_type = "Record<string, Money>")]
        synced_balances: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] queued: JsValue,
    ) -> Result<DeviceLog, JsValue> {
        run_plain(|| {
            api::DeviceLogHandle::resume_with_queue(
                &signer.inner,
                &js("currency", &currency)?,
                &js("limits", &limits)?,
                &js("syncedBalances", &synced_balances)?,
                &byte_arrays("queued", &queued)?,
            )
        })
        .map(|inner| DeviceLog { inner })
    }

    /// Rebuilds a log from `snapshot()` output and the device seed (validated like `resumeWithQueue`).
    pub fn restore(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] seed: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] snapshot: JsValue,
    ) -> Result<DeviceLog, JsValue> {
        run_plain(|| api::DeviceLogHandle::restore(&bytes("seed", &seed)?, &js("snapshot", &snapshot)?))
            .map(|inner| DeviceLog { inner })
    }

    /// The log as JSON text (everything but the seed), for `DeviceLog.restore`.
    pub fn snapshot(&self) -> Result<String, JsValue> {
        run_plain(|| self.inner.snapshot())
    }

    /// A copy of the log's signer (sequence, last hash, HLC, public key).
    pub fn signer(&self) -> DeviceSigner {
        DeviceSigner { inner: self.inner.signer() }
    }

    /// The limits the log was created with.
    #[wasm_bindgen(unchecked_return_type = "DeviceLimits")]
    pub fn limits(&self) -> Result<JsValue, JsValue> {
        run(|| self.inner.limits())
    }

    /// Replaces the last synced balances `{ [walletId]: Money }`.
    #[wasm_bindgen(js_name = setSyncedBalances)]
    pub fn set_synced_balances(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, Money>")] balances: JsValue,
    ) -> Result<(), JsValue> {
        let inner = &mut self.inner;
        run_plain(|| inner.set_synced_balances(&js("balances", &balances)?))
    }

    /// What this device believes the wallet can spend.
    #[wasm_bindgen(unchecked_return_type = "Money")]
    pub fn available(
        &self,
        #[wasm_bindgen(js_name = walletId, unchecked_param_type = "string")] wallet_id: JsValue,
    ) -> Result<JsValue, JsValue> {
        run(|| self.inner.available(&js("walletId", &wallet_id)?))
    }

    /// Records and signs a payment after the limit and balance checks.
    #[wasm_bindgen(unchecked_return_type = "SignedRecordOut")]
    pub fn pay(
        &mut self,
        #[wasm_bindgen(js_name = recordId, unchecked_param_type = "string")] record_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
        #[wasm_bindgen(js_name = walletId, unchecked_param_type = "string")] wallet_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Money")] amount: JsValue,
        #[wasm_bindgen(js_name = standId, unchecked_param_type = "string")] stand_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RecordLineItem[] | null | undefined")] items: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run_out(|| {
            inner.pay(
                &js("recordId", &record_id)?,
                &js("now", &now)?,
                &js("walletId", &wallet_id)?,
                &js("amount", &amount)?,
                &js("standId", &stand_id)?,
                &js("items", &items)?,
            )
        })
    }

    /// Records and signs a payment priced with `catalog` (record version 4): the lines are
    /// checked against the catalog (`CATALOG_*`) and `ageClass` (`CATALOG_AGE_RESTRICTED`), then
    /// the limits and the balance; the amount is the sum of the money lines.
    #[wasm_bindgen(js_name = payWithCatalog, unchecked_return_type = "SignedRecordOut")]
    #[allow(clippy::too_many_arguments)]
    pub fn pay_with_catalog(
        &mut self,
        #[wasm_bindgen(js_name = recordId, unchecked_param_type = "string")] record_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
        #[wasm_bindgen(js_name = walletId, unchecked_param_type = "string")] wallet_id: JsValue,
        #[wasm_bindgen(js_name = standId, unchecked_param_type = "string")] stand_id: JsValue,
        catalog: &crate::ticketing::Catalog,
        #[wasm_bindgen(unchecked_param_type = "LineItem[]")] lines: JsValue,
        #[wasm_bindgen(js_name = ageClass, unchecked_param_type = "AgeClass | null | undefined")] age_class: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run_out(|| {
            inner.pay_with_catalog(
                &js("recordId", &record_id)?,
                &js("now", &now)?,
                &js("walletId", &wallet_id)?,
                &js("standId", &stand_id)?,
                &catalog.inner,
                &js("lines", &lines)?,
                &js("ageClass", &age_class)?,
            )
        })
    }

    /// Records and signs returned deposit items (cups) credited at the catalog's deposit price
    /// (record kind `deposit_return`, version 4; `CATALOG_*` for a product that is not a deposit).
    #[wasm_bindgen(js_name = returnDeposit, unchecked_return_type = "SignedRecordOut")]
    #[allow(clippy::too_many_arguments)]
    pub fn return_deposit(
        &mut self,
        #[wasm_bindgen(js_name = recordId, unchecked_param_type = "string")] record_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
        #[wasm_bindgen(js_name = walletId, unchecked_param_type = "string")] wallet_id: JsValue,
        #[wasm_bindgen(js_name = standId, unchecked_param_type = "string")] stand_id: JsValue,
        catalog: &crate::ticketing::Catalog,
        #[wasm_bindgen(unchecked_param_type = "string")] product: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] quantity: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run_out(|| {
            inner.return_deposit(
                &js("recordId", &record_id)?,
                &js("now", &now)?,
                &js("walletId", &wallet_id)?,
                &js("standId", &stand_id)?,
                &catalog.inner,
                &js("product", &product)?,
                &js("quantity", &quantity)?,
            )
        })
    }

    /// Records and signs a cash top-up.
    #[wasm_bindgen(js_name = topUp, unchecked_return_type = "SignedRecordOut")]
    pub fn top_up(
        &mut self,
        #[wasm_bindgen(js_name = recordId, unchecked_param_type = "string")] record_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
        #[wasm_bindgen(js_name = walletId, unchecked_param_type = "string")] wallet_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Money")] amount: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run_out(|| {
            inner.top_up(
                &js("recordId", &record_id)?,
                &js("now", &now)?,
                &js("walletId", &wallet_id)?,
                &js("amount", &amount)?,
            )
        })
    }

    /// Records and signs any other record (refund, scan, void).
    #[wasm_bindgen(unchecked_return_type = "SignedRecordOut")]
    pub fn record(
        &mut self,
        #[wasm_bindgen(js_name = recordId, unchecked_param_type = "string")] record_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RecordPayload")] payload: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run_out(|| inner.record(&js("recordId", &record_id)?, &js("now", &now)?, &js("payload", &payload)?))
    }

    /// Records and signs a scan with the gate's decision (a scan fact, kept even when denied).
    #[wasm_bindgen(js_name = recordScan, unchecked_return_type = "SignedRecordOut")]
    pub fn record_scan(
        &mut self,
        #[wasm_bindgen(js_name = recordId, unchecked_param_type = "string")] record_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
        #[wasm_bindgen(js_name = ticketId, unchecked_param_type = "string")] ticket_id: JsValue,
        #[wasm_bindgen(js_name = zoneId, unchecked_param_type = "string")] zone_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "'in' | 'out'")] direction: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ScanFact")] fact: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run_out(|| {
            inner.record_scan(
                &js("recordId", &record_id)?,
                &js("now", &now)?,
                &js("ticketId", &ticket_id)?,
                &js("zoneId", &zone_id)?,
                &js("direction", &direction)?,
                &js("fact", &fact)?,
            )
        })
    }

    /// Number of unsynced records.
    pub fn queued(&self) -> u32 {
        self.inner.queued()
    }

    /// Every unsynced record as an encoded batch (export again until acknowledged).
    #[wasm_bindgen(js_name = exportBatch)]
    pub fn export_batch(&self) -> Vec<u8> {
        self.inner.export_batch()
    }

    /// Drops queued records up to this sequence (the server judged them).
    pub fn acknowledge(
        &mut self,
        #[wasm_bindgen(js_name = upToSequence, unchecked_param_type = "bigint | number")] up_to_sequence: JsValue,
    ) -> Result<(), JsValue> {
        let inner = &mut self.inner;
        run_plain(|| inner.acknowledge(&js("upToSequence", &up_to_sequence)?))
    }

    /// Accepts the server's signed acknowledgement after a sync: checks it, drops the records it
    /// covers, anchors later records to it. `false` if it is older than the current anchor.
    #[wasm_bindgen(js_name = acceptAck)]
    pub fn accept_ack(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] ack: JsValue,
        #[wasm_bindgen(js_name = serverPublicKey, unchecked_param_type = "Uint8Array")] server_public_key: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
    ) -> Result<bool, JsValue> {
        let inner = &mut self.inner;
        run_plain(|| inner.accept_ack(&bytes("ack", &ack)?, &bytes("serverPublicKey", &server_public_key)?, &js("now", &now)?))
    }

    /// Installs a server-signed offline allowance: from then on every payment must be covered.
    #[wasm_bindgen(js_name = installAllowance)]
    pub fn install_allowance(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] allowance: JsValue,
        #[wasm_bindgen(js_name = serverPublicKey, unchecked_param_type = "Uint8Array")] server_public_key: JsValue,
    ) -> Result<(), JsValue> {
        let inner = &mut self.inner;
        run_plain(|| inner.install_allowance(&bytes("allowance", &allowance)?, &bytes("serverPublicKey", &server_public_key)?))
    }

    /// What the wallet may still spend here under the installed allowances (null: none installed).
    #[wasm_bindgen(js_name = allowanceRemaining, unchecked_return_type = "Money | null")]
    pub fn allowance_remaining(
        &self,
        #[wasm_bindgen(js_name = walletId, unchecked_param_type = "string")] wallet_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        run(|| self.inner.allowance_remaining(&js("walletId", &wallet_id)?, &js("now", &now)?))
    }
}
