//! The offline device side (`DeviceSigner`, `DeviceLog`) and the record codec. Conversions live
//! in `festival_js_api::device`; this file only declares the exports.

use crate::{bytes, js, run, run_json, CoreResult, Json};
use festival_js_api::device::{self as api, JsOut};
use napi::bindgen_prelude::{BigInt, Object, ToNapiValue, Uint8Array};
use napi::{Env, JsValue, Unknown};
use napi_derive::napi;

/// A [`JsOut`] as a JS value: bytes become `Uint8Array`s, JSON plain values.
pub(crate) fn out(env: &Env, o: JsOut) -> napi::Result<Unknown<'_>> {
    match o {
        JsOut::Json(v) => crate::json_to_js(env, v, 0),
        JsOut::Bytes(b) => Uint8Array::from(b).into_unknown(env),
        JsOut::Object(fields) => {
            let mut obj = Object::new(env)?;
            for (k, v) in fields {
                obj.set(k, out(env, v)?)?;
            }
            obj.into_unknown(env)
        }
        JsOut::Array(items) => {
            let mut arr = env.create_array(u32::try_from(items.len()).unwrap_or(u32::MAX))?;
            for (i, v) in items.into_iter().enumerate() {
                arr.set(u32::try_from(i).unwrap_or(u32::MAX), out(env, v)?)?;
            }
            arr.into_unknown(env)
        }
    }
}

fn run_out<'e>(env: &'e Env, f: impl FnOnce() -> CoreResult<JsOut>) -> napi::Result<Unknown<'e>> {
    let o = run(env, f)?;
    out(env, o)
}

/// Every element of a JS array of `Uint8Array`s, borrowed (no copy, no hex).
pub(crate) fn byte_arrays(field: &str, u: Unknown<'_>) -> CoreResult<Vec<Uint8Array>> {
    use napi::bindgen_prelude::{Array, FromNapiValue};
    use napi::ValueType;
    let not_array = || festival_core::InputError::invalid(field, "expected an array of Uint8Array").into();
    if u.get_type().ok() != Some(ValueType::Object) || !u.is_array().unwrap_or(false) {
        return Err(not_array());
    }
    let arr = Array::from_unknown(u).map_err(|_| not_array())?;
    let mut outv = Vec::with_capacity(arr.len() as usize);
    for i in 0..arr.len() {
        let p = format!("{field}[{i}]");
        let bad = || festival_core::InputError::invalid(&p, "expected a Uint8Array").into();
        let el: Unknown = arr.get(i).ok().flatten().ok_or_else(bad)?;
        if el.get_type().ok() != Some(ValueType::Object) || !el.is_typedarray().unwrap_or(false) {
            return Err(bad());
        }
        outv.push(Uint8Array::from_unknown(el).map_err(|_| bad())?);
    }
    Ok(outv)
}

// ------------------------------------------------------------------ record codec

/// The canonical unsigned encoding of a record body.
#[napi(ts_args_type = "record: RecordBodyInput")]
pub fn encode_record(env: Env, record: Unknown<'_>) -> napi::Result<Uint8Array> {
    run(&env, || api::encode_record(&js("record", record)?)).map(Uint8Array::from)
}

/// Signs a record body with a 32-byte seed (deterministic).
#[napi(ts_args_type = "seed: Uint8Array, record: RecordBodyInput", ts_return_type = "SignedRecordOut")]
pub fn sign_record<'e>(env: &'e Env, seed: Unknown<'_>, record: Unknown<'_>) -> napi::Result<Unknown<'e>> {
    run_out(env, || api::sign_record(&bytes("seed", seed)?, &js("record", record)?))
}

/// Decodes signed record bytes (does not verify the signature).
#[napi(ts_args_type = "bytes: Uint8Array", ts_return_type = "SignedRecordOut")]
pub fn decode_record<'e>(env: &'e Env, data: Unknown<'_>) -> napi::Result<Unknown<'e>> {
    run_out(env, || api::decode_record(&bytes("bytes", data)?))
}

/// Decodes a batch into its signed records (does not verify signatures).
#[napi(ts_args_type = "bytes: Uint8Array", ts_return_type = "SignedRecordOut[]")]
pub fn decode_batch<'e>(env: &'e Env, data: Unknown<'_>) -> napi::Result<Unknown<'e>> {
    run_out(env, || api::decode_batch(&bytes("bytes", data)?))
}

/// Packs signed records into a batch.
#[napi(ts_args_type = "records: Uint8Array[]")]
pub fn encode_batch(env: Env, records: Unknown<'_>) -> napi::Result<Uint8Array> {
    run(&env, || api::encode_batch(&byte_arrays("records", records)?)).map(Uint8Array::from)
}

/// Strict Ed25519 check of a signed record against a public key (`false` if it does not verify;
/// bytes that are not a record throw `OFFLINE_MALFORMED`).
#[napi(ts_args_type = "bytes: Uint8Array, publicKey: Uint8Array")]
pub fn verify_record(env: Env, data: Unknown<'_>, public_key: Unknown<'_>) -> napi::Result<bool> {
    run(&env, || api::verify_record(&bytes("bytes", data)?, &bytes("publicKey", public_key)?))
}

// ------------------------------------------------------------------ DeviceSigner

/// Signs a device's hash-chained records (holds the secret seed, next sequence, last hash, HLC).
#[napi]
pub struct DeviceSigner {
    pub(crate) inner: api::DeviceSignerHandle,
}

#[napi]
impl DeviceSigner {
    /// `new DeviceSigner(seed, deviceId, festivalId)`: a fresh log (next sequence 1).
    #[napi(constructor, ts_args_type = "seed: Uint8Array, deviceId: string, festivalId: string")]
    pub fn new(env: Env, seed: Unknown<'_>, device_id: Unknown<'_>, festival_id: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || {
            api::DeviceSignerHandle::new(
                &bytes("seed", seed)?,
                &js("deviceId", device_id)?,
                &js("festivalId", festival_id)?,
            )
        })
        .map(|inner| DeviceSigner { inner })
    }

    /// Resumes a log from persisted state `{ nextSequence, lastHash, lastHlc }`.
    #[napi(factory, ts_args_type = "seed: Uint8Array, deviceId: string, festivalId: string, state: DeviceSignerState")]
    pub fn resume(
        env: Env,
        seed: Unknown<'_>,
        device_id: Unknown<'_>,
        festival_id: Unknown<'_>,
        state: Unknown<'_>,
    ) -> napi::Result<Self> {
        run(&env, || {
            api::DeviceSignerHandle::resume(
                &bytes("seed", seed)?,
                &js("deviceId", device_id)?,
                &js("festivalId", festival_id)?,
                &js("state", state)?,
            )
        })
        .map(|inner| DeviceSigner { inner })
    }

    /// The device's Ed25519 public key (32 bytes).
    #[napi]
    pub fn public_key(&self) -> Uint8Array {
        Uint8Array::from(self.inner.public_key())
    }

    /// The device id.
    #[napi]
    pub fn device_id(&self) -> String {
        self.inner.device_id()
    }

    /// The sequence the next record gets.
    #[napi]
    pub fn next_sequence(&self) -> BigInt {
        BigInt::from(self.inner.next_sequence())
    }

    /// SHA-256 of the last signed record, hex (zeros before the first).
    #[napi]
    pub fn last_hash(&self) -> String {
        self.inner.last_hash()
    }

    /// The last HLC stamp issued or observed.
    #[napi(ts_return_type = "Hlc")]
    pub fn last_hlc(&self, env: Env) -> napi::Result<Json> {
        run_json(&env, || self.inner.last_hlc())
    }

    /// The newest server acknowledgement accepted (records signed now carry it), or null.
    #[napi(ts_return_type = "Anchor | null")]
    pub fn anchor(&self, env: Env) -> napi::Result<Json> {
        run_json(&env, || self.inner.anchor())
    }

    /// Merges a stamp seen from another device or the server (HLC receive rule).
    #[napi(ts_args_type = "remote: Hlc, now: TimestampInput")]
    pub fn observe(&mut self, env: Env, remote: Unknown<'_>, now: Unknown<'_>) -> napi::Result<()> {
        let inner = &mut self.inner;
        run(&env, || inner.observe(&js("remote", remote)?, &js("now", now)?))
    }

    /// Signs the next record; the state advances only on success.
    #[napi(
        ts_args_type = "recordId: string, deviceTime: TimestampInput, payload: RecordPayload",
        ts_return_type = "SignedRecordOut"
    )]
    pub fn sign<'e>(
        &mut self,
        env: &'e Env,
        record_id: Unknown<'_>,
        device_time: Unknown<'_>,
        payload: Unknown<'_>,
    ) -> napi::Result<Unknown<'e>> {
        let inner = &mut self.inner;
        run_out(env, || {
            inner.sign(&js("recordId", record_id)?, &js("deviceTime", device_time)?, &js("payload", payload)?)
        })
    }
}

// ------------------------------------------------------------------ DeviceLog

/// The POS / gate app's offline view: synced balances, limits, and the queue of unsynced records.
#[napi]
pub struct DeviceLog {
    inner: api::DeviceLogHandle,
}

#[napi]
impl DeviceLog {
    /// `new DeviceLog(signer, currency, limits)`: takes a copy of the signer's state.
    #[napi(constructor, ts_args_type = "signer: DeviceSigner, currency: string, limits: DeviceLimits")]
    pub fn new(env: Env, signer: &DeviceSigner, currency: Unknown<'_>, limits: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || api::DeviceLogHandle::new(&signer.inner, &js("currency", currency)?, &js("limits", limits)?))
            .map(|inner| DeviceLog { inner })
    }

    /// After an app restart: the resumed signer plus the records still queued (checked: the
    /// signer's own contiguous chain ending at its position, within the limits).
    #[napi(
        factory,
        ts_args_type = "signer: DeviceSigner, currency: string, limits: DeviceLimits, syncedBalances: Record<string, Money>, queued: Uint8Array[]"
    )]
    pub fn resume_with_queue(
        env: Env,
        signer: &DeviceSigner,
        currency: Unknown<'_>,
        limits: Unknown<'_>,
        synced_balances: Unknown<'_>,
        queued: Unknown<'_>,
    ) -> napi::Result<Self> {
        run(&env, || {
            let queued = byte_arrays("queued", queued)?;
            api::DeviceLogHandle::resume_with_queue(
                &signer.inner,
                &js("currency", currency)?,
                &js("limits", limits)?,
                &js("syncedBalances", synced_balances)?,
                &queued.iter().map(|a| a.as_ref()).collect::<Vec<&[u8]>>(),
            )
        })
        .map(|inner| DeviceLog { inner })
    }

    /// Rebuilds a log from `snapshot()` output and the device seed (validated like `resumeWithQueue`).
    #[napi(factory, ts_args_type = "seed: Uint8Array, snapshot: string")]
    pub fn restore(env: Env, seed: Unknown<'_>, snapshot: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || api::DeviceLogHandle::restore(&bytes("seed", seed)?, &js("snapshot", snapshot)?))
            .map(|inner| DeviceLog { inner })
    }

    /// The log as JSON text (everything but the seed), for `DeviceLog.restore`.
    #[napi]
    pub fn snapshot(&self, env: Env) -> napi::Result<String> {
        run(&env, || self.inner.snapshot())
    }

    /// A copy of the log's signer (sequence, last hash, HLC, public key).
    #[napi]
    pub fn signer(&self) -> DeviceSigner {
        DeviceSigner { inner: self.inner.signer() }
    }

    /// The limits the log was created with.
    #[napi(ts_return_type = "DeviceLimits")]
    pub fn limits(&self, env: Env) -> napi::Result<Json> {
        run_json(&env, || self.inner.limits())
    }

    /// Replaces the last synced balances `{ [walletId]: Money }`.
    #[napi(ts_args_type = "balances: Record<string, Money>")]
    pub fn set_synced_balances(&mut self, env: Env, balances: Unknown<'_>) -> napi::Result<()> {
        let inner = &mut self.inner;
        run(&env, || inner.set_synced_balances(&js("balances", balances)?))
    }

    /// What this device believes the wallet can spend.
    #[napi(ts_args_type = "walletId: string", ts_return_type = "Money")]
    pub fn available(&self, env: Env, wallet_id: Unknown<'_>) -> napi::Result<Json> {
        run_json(&env, || self.inner.available(&js("walletId", wallet_id)?))
    }

    /// Records and signs a payment after the limit and balance checks.
    #[napi(
        ts_args_type = "recordId: string, now: TimestampInput, walletId: string, amount: Money, standId: string, items?: RecordLineItem[] | null",
        ts_return_type = "SignedRecordOut"
    )]
    #[allow(clippy::too_many_arguments)]
    pub fn pay<'e>(
        &mut self,
        env: &'e Env,
        record_id: Unknown<'_>,
        now: Unknown<'_>,
        wallet_id: Unknown<'_>,
        amount: Unknown<'_>,
        stand_id: Unknown<'_>,
        items: Unknown<'_>,
    ) -> napi::Result<Unknown<'e>> {
        let inner = &mut self.inner;
        run_out(env, || {
            inner.pay(
                &js("recordId", record_id)?,
                &js("now", now)?,
                &js("walletId", wallet_id)?,
                &js("amount", amount)?,
                &js("standId", stand_id)?,
                &js("items", items)?,
            )
        })
    }

    /// Records and signs a payment priced with `catalog` (record version 4): the lines are
    /// checked against the catalog (`CATALOG_*`) and `ageClass` (`CATALOG_AGE_RESTRICTED`), then
    /// the limits and the balance; the amount is the sum of the money lines.
    #[napi(
        ts_args_type = "recordId: string, now: TimestampInput, walletId: string, standId: string, catalog: Catalog, lines: LineItem[], ageClass?: AgeClass | null",
        ts_return_type = "SignedRecordOut"
    )]
    #[allow(clippy::too_many_arguments)]
    pub fn pay_with_catalog<'e>(
        &mut self,
        env: &'e Env,
        record_id: Unknown<'_>,
        now: Unknown<'_>,
        wallet_id: Unknown<'_>,
        stand_id: Unknown<'_>,
        catalog: &crate::ticketing::Catalog,
        lines: Unknown<'_>,
        age_class: Unknown<'_>,
    ) -> napi::Result<Unknown<'e>> {
        let inner = &mut self.inner;
        run_out(env, || {
            let c = crate::get("catalog", &catalog.inner)?;
            inner.pay_with_catalog(
                &js("recordId", record_id)?,
                &js("now", now)?,
                &js("walletId", wallet_id)?,
                &js("standId", stand_id)?,
                &c,
                &js("lines", lines)?,
                &js("ageClass", age_class)?,
            )
        })
    }

    /// Records and signs returned deposit items (cups) credited at the catalog's deposit price
    /// (record kind `deposit_return`, version 4; `CATALOG_*` for a product that is not a deposit).
    #[napi(
        ts_args_type = "recordId: string, now: TimestampInput, walletId: string, standId: string, catalog: Catalog, product: string, quantity: number",
        ts_return_type = "SignedRecordOut"
    )]
    #[allow(clippy::too_many_arguments)]
    pub fn return_deposit<'e>(
        &mut self,
        env: &'e Env,
        record_id: Unknown<'_>,
        now: Unknown<'_>,
        wallet_id: Unknown<'_>,
        stand_id: Unknown<'_>,
        catalog: &crate::ticketing::Catalog,
        product: Unknown<'_>,
        quantity: Unknown<'_>,
    ) -> napi::Result<Unknown<'e>> {
        let inner = &mut self.inner;
        run_out(env, || {
            let c = crate::get("catalog", &catalog.inner)?;
            inner.return_deposit(
                &js("recordId", record_id)?,
                &js("now", now)?,
                &js("walletId", wallet_id)?,
                &js("standId", stand_id)?,
                &c,
                &js("product", product)?,
                &js("quantity", quantity)?,
            )
        })
    }

    /// Records and signs a cash top-up.
    #[napi(
        ts_args_type = "recordId: string, now: TimestampInput, walletId: string, amount: Money",
        ts_return_type = "SignedRecordOut"
    )]
    pub fn top_up<'e>(
        &mut self,
        env: &'e Env,
        record_id: Unknown<'_>,
        now: Unknown<'_>,
        wallet_id: Unknown<'_>,
        amount: Unknown<'_>,
    ) -> napi::Result<Unknown<'e>> {
        let inner = &mut self.inner;
        run_out(env, || {
            inner.top_up(
                &js("recordId", record_id)?,
                &js("now", now)?,
                &js("walletId", wallet_id)?,
                &js("amount", amount)?,
            )
        })
    }

    /// Records and signs any other record (refund, scan, void).
    #[napi(
        ts_args_type = "recordId: string, now: TimestampInput, payload: RecordPayload",
        ts_return_type = "SignedRecordOut"
    )]
    pub fn record<'e>(
        &mut self,
        env: &'e Env,
        record_id: Unknown<'_>,
        now: Unknown<'_>,
        payload: Unknown<'_>,
    ) -> napi::Result<Unknown<'e>> {
        let inner = &mut self.inner;
        run_out(env, || inner.record(&js("recordId", record_id)?, &js("now", now)?, &js("payload", payload)?))
    }

    /// Records and signs a scan with the gate's decision (a scan fact, kept even when denied).
    #[napi(
        ts_args_type = "recordId: string, now: TimestampInput, ticketId: string, zoneId: string, direction: 'in' | 'out', fact: ScanFact",
        ts_return_type = "SignedRecordOut"
    )]
    #[allow(clippy::too_many_arguments)]
    pub fn record_scan<'e>(
        &mut self,
        env: &'e Env,
        record_id: Unknown<'_>,
        now: Unknown<'_>,
        ticket_id: Unknown<'_>,
        zone_id: Unknown<'_>,
        direction: Unknown<'_>,
        fact: Unknown<'_>,
    ) -> napi::Result<Unknown<'e>> {
        let inner = &mut self.inner;
        run_out(env, || {
            inner.record_scan(
                &js("recordId", record_id)?,
                &js("now", now)?,
                &js("ticketId", ticket_id)?,
                &js("zoneId", zone_id)?,
                &js("direction", direction)?,
                &js("fact", fact)?,
            )
        })
    }

    /// Number of unsynced records.
    #[napi]
    pub fn queued(&self) -> u32 {
        self.inner.queued()
    }

    /// Every unsynced record as an encoded batch (export again until acknowledged).
    #[napi]
    pub fn export_batch(&self) -> Uint8Array {
        Uint8Array::from(self.inner.export_batch())
    }

    /// Drops queued records up to this sequence (the server judged them).
    #[napi(ts_args_type = "upToSequence: bigint | number")]
    pub fn acknowledge(&mut self, env: Env, up_to_sequence: Unknown<'_>) -> napi::Result<()> {
        let inner = &mut self.inner;
        run(&env, || inner.acknowledge(&js("upToSequence", up_to_sequence)?))
    }

    /// Accepts the server's signed acknowledgement after a sync: checks it, drops the records it
    /// covers, anchors later records to it. `false` if it is older than the current anchor.
    #[napi(ts_args_type = "ack: Uint8Array, serverPublicKey: Uint8Array, now: TimestampInput")]
    pub fn accept_ack(&mut self, env: Env, ack: Unknown<'_>, server_public_key: Unknown<'_>, now: Unknown<'_>) -> napi::Result<bool> {
        let inner = &mut self.inner;
        run(&env, || inner.accept_ack(&bytes("ack", ack)?, &bytes("serverPublicKey", server_public_key)?, &js("now", now)?))
    }

    /// Installs a server-signed offline allowance: from then on every payment must be covered.
    #[napi(ts_args_type = "allowance: Uint8Array, serverPublicKey: Uint8Array")]
    pub fn install_allowance(&mut self, env: Env, allowance: Unknown<'_>, server_public_key: Unknown<'_>) -> napi::Result<()> {
        let inner = &mut self.inner;
        run(&env, || inner.install_allowance(&bytes("allowance", allowance)?, &bytes("serverPublicKey", server_public_key)?))
    }

    /// What the wallet may still spend here under the installed allowances (null: none installed).
    #[napi(ts_args_type = "walletId: string, now: TimestampInput", ts_return_type = "Money | null")]
    pub fn allowance_remaining(&self, env: Env, wallet_id: Unknown<'_>, now: Unknown<'_>) -> napi::Result<Json> {
        run_json(&env, || self.inner.allowance_remaining(&js("walletId", wallet_id)?, &js("now", now)?))
    }
}
