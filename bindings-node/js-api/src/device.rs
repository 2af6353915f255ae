//! The offline device side for JS: a [`DeviceSignerHandle`] (signs hash-chained records), a
//! [`DeviceLogHandle`] (the POS / gate app's local view with limits and the unsynced queue), and
//! the record codec (`encodeRecord`, `decodeRecord`, `decodeBatch`, `encodeBatch`, `signRecord`,
//! `verifyRecord`).
//!
//! Shapes: signed records, batches, seeds, keys and signatures are bytes (`Uint8Array`); SHA-256
//! digests (`hash`, `prevHash`, `lastHash`) are lowercase hex strings, as in the reconciliation
//! report; sequences are decimal strings inside record objects and `bigint` where a method returns
//! one on its own ([`DeviceSignerHandle::next_sequence`]). Results that mix bytes and JSON are a
//! [`JsOut`], which each binding turns into a plain JS object.

use crate::offline::{timestamp_arg, uuid_arg};
use crate::{array_arg, from_js, invalid, money_arg, object_arg, to_js, u64_arg, Result};
use festival_core::interop::{self, hex_decode_array, hex_encode};
use festival_core::money::{Currency, Money};
use festival_core::offline::ack::SignedAck;
use festival_core::offline::allowance::SignedAllowance;
use festival_core::offline::crypto::{self, StrictPublicKey};
use festival_core::offline::device::{DeviceLimits, DeviceLog, DeviceLogState, DeviceSigner};
use festival_core::offline::record::{Anchor, Batch, Hlc, LineItem, Payload, RecordBody, SignedRecord};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A result for JS that holds raw bytes next to JSON: each binding converts it recursively
/// (`Bytes` becomes a `Uint8Array`, `Json` the usual plain value).
#[derive(Debug, Clone, PartialEq)]
pub enum JsOut {
    /// A JSON value (camelCase keys already).
    Json(Value),
    /// Bytes, a `Uint8Array` in JS.
    Bytes(Vec<u8>),
    /// A plain object with these properties, in order.
    Object(Vec<(&'static str, JsOut)>),
    /// An array.
    Array(Vec<JsOut>),
}

impl JsOut {
    /// The same value with bytes as lowercase hex (for tests and JSON logs).
    pub fn to_json(&self) -> Value {
        match self {
            JsOut::Json(v) => v.clone(),
            JsOut::Bytes(b) => Value::String(hex_encode(b)),
            JsOut::Object(fields) => Value::Object(fields.iter().map(|(k, v)| (k.to_string(), v.to_json())).collect()),
            JsOut::Array(items) => Value::Array(items.iter().map(JsOut::to_json).collect()),
        }
    }
}

fn seed_arg(field: &str, bytes: &[u8]) -> Result<[u8; 32]> {
    <[u8; 32]>::try_from(bytes).map_err(|_| invalid(field, format!("expected 32 bytes, got {}", bytes.len())))
}

/// A 32-byte digest given as a `Uint8Array` (the walker makes it hex) or as hex text.
fn digest_arg(field: &str, v: &Value) -> Result<[u8; 32]> {
    Ok(hex_decode_array::<32>(field, crate::str_arg(field, v)?)?)
}

/// `{ physicalMs, logical }`.
fn hlc_arg(field: &str, v: &Value) -> Result<Hlc> {
    let hlc: Hlc = from_js(field, v)?;
    if festival_core::Timestamp::from_unix_millis(hlc.physical_ms).is_err() {
        return Err(invalid(field, "physicalMs is outside 1970..9999"));
    }
    Ok(hlc)
}

/// Accepts a sequence as a BigInt / safe integer as well as the core's decimal string.
fn sequence_to_string(v: &mut Value) {
    if let Some(seq) = v.get_mut("sequence") {
        if let Some(n) = seq.as_u64() {
            *seq = Value::String(n.to_string());
        }
    }
}

/// A record body from JS (`RecordBody` in camelCase; `sequence` as string, bigint or number).
pub fn record_body_arg(field: &str, v: &Value) -> Result<RecordBody> {
    object_arg(field, v)?;
    let mut v = v.clone();
    sequence_to_string(&mut v);
    from_js(field, &v)
}

/// A payload `{ kind: 'payment' | 'top_up' | 'refund' | 'scan' | 'void', ... }` in camelCase.
pub fn payload_arg(field: &str, v: &Value) -> Result<Payload> {
    object_arg(field, v)?;
    from_js(field, v)
}

/// A signed record as JS sees it: `{ bytes, signature, hash, record }`.
pub fn signed_out(rec: &SignedRecord) -> Result<JsOut> {
    Ok(JsOut::Object(vec![
        ("bytes", JsOut::Bytes(rec.to_bytes())),
        ("signature", JsOut::Bytes(rec.signature().to_vec())),
        ("hash", JsOut::Json(Value::String(hex_encode(&rec.hash())))),
        ("record", JsOut::Json(to_js(rec.body())?)),
    ]))
}

fn signed_arg(bytes: &[u8]) -> Result<SignedRecord> {
    Ok(SignedRecord::from_bytes(bytes)?)
}

// ------------------------------------------------------------------ record codec

/// `encodeRecord(record: RecordBody): Uint8Array`: the canonical unsigned encoding.
pub fn encode_record(record: &Value) -> Result<Vec<u8>> {
    Ok(record_body_arg("record", record)?.encode()?)
}

/// `signRecord(seed: Uint8Array, record: RecordBody): SignedRecordOut`.
pub fn sign_record(seed: &[u8], record: &Value) -> Result<JsOut> {
    let body = record_body_arg("record", record)?;
    signed_out(&body.sign(&seed_arg("seed", seed)?)?)
}

/// `decodeRecord(bytes: Uint8Array): SignedRecordOut`: decodes signed record bytes WITHOUT
/// verifying the signature (`OFFLINE_MALFORMED` on any bad byte).
pub fn decode_record(bytes: &[u8]) -> Result<JsOut> {
    signed_out(&signed_arg(bytes)?)
}

/// `decodeBatch(bytes: Uint8Array): SignedRecordOut[]` (no signature check).
pub fn decode_batch(bytes: &[u8]) -> Result<JsOut> {
    let batch = Batch::from_bytes(bytes)?;
    Ok(JsOut::Array(batch.records.iter().map(signed_out).collect::<Result<_>>()?))
}

/// `encodeBatch(records: Uint8Array[]): Uint8Array`: a batch of signed records (each must decode).
pub fn encode_batch<B: AsRef<[u8]>>(records: &[B]) -> Result<Vec<u8>> {
    let records = records.iter().map(|r| signed_arg(r.as_ref())).collect::<Result<Vec<_>>>()?;
    Ok(Batch { records }.to_bytes())
}

/// `verifyRecord(bytes: Uint8Array, publicKey: Uint8Array): boolean`: strict Ed25519 over the
/// record's signing input. Bytes that are not a record throw `OFFLINE_MALFORMED`; a wrong key or
/// signature is `false`.
pub fn verify_record(bytes: &[u8], public_key: &[u8]) -> Result<bool> {
    let rec = signed_arg(bytes)?;
    Ok(crypto::verify(public_key, &rec.signing_input(), rec.signature()).is_ok())
}

// ------------------------------------------------------------------ DeviceSigner

/// A device's signer held by a JS object.
#[derive(Debug, Clone)]
pub struct DeviceSignerHandle(DeviceSigner);

impl DeviceSignerHandle {
    /// `new DeviceSigner(seed: Uint8Array, deviceId: string, festivalId: string)`: a fresh log.
    pub fn new(seed: &[u8], device_id: &Value, festival_id: &Value) -> Result<Self> {
        Ok(DeviceSignerHandle(DeviceSigner::new(
            seed_arg("seed", seed)?,
            uuid_arg("deviceId", device_id)?,
            uuid_arg("festivalId", festival_id)?,
        )))
    }

    /// `DeviceSigner.resume(seed, deviceId, festivalId, { nextSequence, lastHash, lastHlc, anchor? })`
    /// (`anchor`: the `{ sequence, serverTime }` of the newest accepted acknowledgement).
    pub fn resume(seed: &[u8], device_id: &Value, festival_id: &Value, state: &Value) -> Result<Self> {
        let o = object_arg("state", state)?;
        if let Some(k) = o.keys().find(|k| !matches!(k.as_str(), "nextSequence" | "lastHash" | "lastHlc" | "anchor")) {
            return Err(invalid("state", format!("unexpected key '{}'", k.chars().take(40).collect::<String>())));
        }
        let get = |k: &str| o.get(k).unwrap_or(&Value::Null);
        let next = u64_arg("state.nextSequence", get("nextSequence"))?;
        if next == 0 {
            return Err(invalid("state.nextSequence", "sequences start at 1"));
        }
        Ok(DeviceSignerHandle(DeviceSigner::resume(
            seed_arg("seed", seed)?,
            uuid_arg("deviceId", device_id)?,
            uuid_arg("festivalId", festival_id)?,
            next,
            digest_arg("state.lastHash", get("lastHash"))?,
            hlc_arg("state.lastHlc", get("lastHlc"))?,
        )
        .with_anchor(match get("anchor") {
            Value::Null => None,
            a => Some(from_js::<Anchor>("state.anchor", &{
                let mut a = a.clone();
                sequence_to_string(&mut a);
                a
            })?),
        })?))
    }

    /// `anchor(): Anchor | null`: the newest server acknowledgement accepted.
    pub fn anchor(&self) -> Result<Value> {
        to_js(&self.0.anchor())
    }

    /// The core signer.
    pub fn signer(&self) -> &DeviceSigner {
        &self.0
    }

    /// `publicKey(): Uint8Array`.
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key().to_vec()
    }

    /// `deviceId(): string`.
    pub fn device_id(&self) -> String {
        self.0.device_id().to_string()
    }

    /// `nextSequence(): bigint`.
    pub fn next_sequence(&self) -> u64 {
        self.0.next_sequence()
    }

    /// `lastHash(): string` (hex; zeros before the first record).
    pub fn last_hash(&self) -> String {
        hex_encode(&self.0.last_hash())
    }

    /// `lastHlc(): Hlc`.
    pub fn last_hlc(&self) -> Result<Value> {
        to_js(&self.0.last_hlc())
    }

    /// `observe(remote: Hlc, now: TimestampInput)`: HLC receive rule.
    pub fn observe(&mut self, remote: &Value, now: &Value) -> Result<()> {
        let remote = hlc_arg("remote", remote)?;
        self.0.observe(remote, timestamp_arg("now", now)?);
        Ok(())
    }

    /// `sign(recordId, deviceTime, payload): SignedRecordOut` (the state advances only on success).
    pub fn sign(&mut self, record_id: &Value, device_time: &Value, payload: &Value) -> Result<JsOut> {
        let rec = self.0.sign(
            uuid_arg("recordId", record_id)?,
            timestamp_arg("deviceTime", device_time)?,
            payload_arg("payload", payload)?,
        )?;
        signed_out(&rec)
    }
}

// ------------------------------------------------------------------ DeviceLog

/// The app's offline view held by a JS object.
#[derive(Debug, Clone)]
pub struct DeviceLogHandle {
    log: DeviceLog,
}

fn currency_arg(field: &str, v: &Value) -> Result<Currency> {
    Ok(crate::str_arg(field, v)?.parse()?)
}

fn opt(v: &Value) -> Option<&Value> {
    if v.is_null() {
        None
    } else {
        Some(v)
    }
}

fn items_arg(field: &str, v: &Value) -> Result<Vec<LineItem>> {
    match opt(v) {
        None => Ok(Vec::new()),
        Some(v) => {
            array_arg(field, v)?;
            from_js(field, v)
        }
    }
}

/// `{ [walletId]: Money }`.
fn balances_arg(field: &str, balances: &Value) -> Result<BTreeMap<Uuid, Money>> {
    let o = object_arg(field, balances)?;
    let mut map = BTreeMap::new();
    for (k, v) in o {
        let f = format!("{field}.{}", k.chars().take(40).collect::<String>());
        let id: Uuid = interop::parse_uuid(&f, k)?;
        map.insert(id, money_arg(&f, v)?);
    }
    Ok(map)
}

impl DeviceLogHandle {
    /// `new DeviceLog(signer: DeviceSigner, currency: string, limits: DeviceLimits)`: the log
    /// takes a copy of the signer's state (the signer object itself does not advance).
    pub fn new(signer: &DeviceSignerHandle, currency: &Value, limits: &Value) -> Result<Self> {
        object_arg("limits", limits)?;
        let limits: DeviceLimits = from_js("limits", limits)?;
        let log = DeviceLog::new(signer.0.clone(), currency_arg("currency", currency)?, limits)?;
        Ok(DeviceLogHandle { log })
    }

    /// `DeviceLog.resumeWithQueue(signer, currency, limits, syncedBalances, queued: Uint8Array[])`:
    /// after an app restart, the signer resumed at its persisted position plus the records still
    /// waiting for sync. Nothing is trusted: the queue must be the signer's own contiguous chain
    /// ending at its position, within the limits (`OFFLINE_*` / `DEVICE_*` codes otherwise).
    pub fn resume_with_queue<B: AsRef<[u8]>>(
        signer: &DeviceSignerHandle,
        currency: &Value,
        limits: &Value,
        synced_balances: &Value,
        queued: &[B],
    ) -> Result<Self> {
        object_arg("limits", limits)?;
        let limits: DeviceLimits = from_js("limits", limits)?;
        let queued = queued.iter().map(|b| signed_arg(b.as_ref())).collect::<Result<Vec<_>>>()?;
        let log = DeviceLog::restore(
            signer.0.clone(),
            currency_arg("currency", currency)?,
            limits,
            balances_arg("syncedBalances", synced_balances)?,
            queued,
        )?;
        Ok(DeviceLogHandle { log })
    }

    /// `DeviceLog.restore(seed, snapshot: string)`: the log from `snapshot()` output and the seed
    /// (kept in secure storage, never in the snapshot); validated like `resumeWithQueue`
    /// (`OFFLINE_INVALID_KEY` if the seed does not match the snapshot's public key).
    pub fn restore(seed: &[u8], snapshot: &Value) -> Result<Self> {
        let text = crate::str_arg("snapshot", snapshot)?;
        let state: DeviceLogState = serde_json::from_str(text).map_err(|e| invalid("snapshot", e.to_string()))?;
        Ok(DeviceLogHandle { log: DeviceLog::from_state(seed_arg("seed", seed)?, state)? })
    }

    /// `snapshot(): string`: the core's JSON snapshot (everything but the seed: signer position,
    /// currency, limits, synced balances, the queued records as hex), for `DeviceLog.restore`.
    pub fn snapshot(&self) -> Result<String> {
        serde_json::to_string(&self.log.state()).map_err(|e| invalid("snapshot", e.to_string()))
    }

    /// `signer(): DeviceSigner` (a copy of the log's signer state).
    pub fn signer(&self) -> DeviceSignerHandle {
        DeviceSignerHandle(self.log.signer().clone())
    }

    /// `setSyncedBalances(balances: Record<walletId, Money>)`: the server's balances.
    pub fn set_synced_balances(&mut self, balances: &Value) -> Result<()> {
        Ok(self.log.set_synced_balances(balances_arg("balances", balances)?)?)
    }

    /// `available(walletId): Money`: last synced balance adjusted by this device's queue.
    pub fn available(&self, wallet_id: &Value) -> Result<Value> {
        Ok(crate::money_out(&self.log.available(&uuid_arg("walletId", wallet_id)?)))
    }

    /// `pay(recordId, now, walletId, amount, standId, items?)`: checks limits and balance, signs.
    pub fn pay(
        &mut self,
        record_id: &Value,
        now: &Value,
        wallet_id: &Value,
        amount: &Value,
        stand_id: &Value,
        items: &Value,
    ) -> Result<JsOut> {
        let rec = self.log.pay(
            uuid_arg("recordId", record_id)?,
            timestamp_arg("now", now)?,
            uuid_arg("walletId", wallet_id)?,
            money_arg("amount", amount)?,
            uuid_arg("standId", stand_id)?,
            items_arg("items", items)?,
        )?;
        signed_out(&rec)
    }

    /// `payWithCatalog(recordId, now, walletId, standId, catalog, lines, ageClass?)`: prices the
    /// payment with the catalog (lines checked: `CATALOG_*`, age: `CATALOG_AGE_RESTRICTED`), then
    /// checks limits and balance and signs a catalog payment (record version 4).
    #[allow(clippy::too_many_arguments)]
    pub fn pay_with_catalog(
        &mut self,
        record_id: &Value,
        now: &Value,
        wallet_id: &Value,
        stand_id: &Value,
        catalog: &crate::catalog::CatalogHandle,
        lines: &Value,
        age_class: &Value,
    ) -> Result<JsOut> {
        let rec = self.log.pay_with_catalog(
            uuid_arg("recordId", record_id)?,
            timestamp_arg("now", now)?,
            uuid_arg("walletId", wallet_id)?,
            uuid_arg("standId", stand_id)?,
            catalog.catalog(),
            crate::catalog::items_arg("lines", lines)?,
            crate::catalog::age_class_arg("ageClass", age_class)?,
        )?;
        signed_out(&rec)
    }

    /// `returnDeposit(recordId, now, walletId, standId, catalog, product, quantity)`: returned
    /// deposit items (cups) credited at the catalog's deposit price (record version 4).
    #[allow(clippy::too_many_arguments)]
    pub fn return_deposit(
        &mut self,
        record_id: &Value,
        now: &Value,
        wallet_id: &Value,
        stand_id: &Value,
        catalog: &crate::catalog::CatalogHandle,
        product: &Value,
        quantity: &Value,
    ) -> Result<JsOut> {
        let quantity = crate::ticketing::u32_arg("quantity", quantity)?;
        let rec = self.log.return_deposit(
            uuid_arg("recordId", record_id)?,
            timestamp_arg("now", now)?,
            uuid_arg("walletId", wallet_id)?,
            uuid_arg("standId", stand_id)?,
            catalog.catalog(),
            &crate::str_arg("product", product)?,
            quantity,
        )?;
        signed_out(&rec)
    }

    /// `topUp(recordId, now, walletId, amount)`.
    pub fn top_up(&mut self, record_id: &Value, now: &Value, wallet_id: &Value, amount: &Value) -> Result<JsOut> {
        let rec = self.log.top_up(
            uuid_arg("recordId", record_id)?,
            timestamp_arg("now", now)?,
            uuid_arg("walletId", wallet_id)?,
            money_arg("amount", amount)?,
        )?;
        signed_out(&rec)
    }

    /// `record(recordId, now, payload)`: refunds, scans, voids (queue and value limits apply).
    pub fn record(&mut self, record_id: &Value, now: &Value, payload: &Value) -> Result<JsOut> {
        let rec = self.log.record(
            uuid_arg("recordId", record_id)?,
            timestamp_arg("now", now)?,
            payload_arg("payload", payload)?,
        )?;
        signed_out(&rec)
    }

    /// `recordScan(recordId, now, ticketId, zoneId, direction, fact)`: a scan signed with the
    /// gate's decision (`fact: { decision: 'admit' | 'deny', reason?, policyVersion, revocationVersion }`).
    pub fn record_scan(
        &mut self,
        record_id: &Value,
        now: &Value,
        ticket_id: &Value,
        zone_id: &Value,
        direction: &Value,
        fact: &Value,
    ) -> Result<JsOut> {
        object_arg("fact", fact)?;
        let mut f = fact.clone();
        for k in ["policyVersion", "revocationVersion"] {
            if let Some(n) = f.get(k).and_then(Value::as_u64) {
                f[k] = Value::String(n.to_string());
            }
        }
        let rec = self.log.record_scan(
            uuid_arg("recordId", record_id)?,
            timestamp_arg("now", now)?,
            uuid_arg("ticketId", ticket_id)?,
            uuid_arg("zoneId", zone_id)?,
            from_js("direction", direction)?,
            from_js("fact", &f)?,
        )?;
        signed_out(&rec)
    }

    /// `queued(): number` of unsynced records.
    pub fn queued(&self) -> u32 {
        u32::try_from(self.log.queued()).unwrap_or(u32::MAX)
    }

    /// `limits(): DeviceLimits`.
    pub fn limits(&self) -> Result<Value> {
        to_js(self.log.limits())
    }

    /// `exportBatch(): Uint8Array`: every unsynced record (re-export until acknowledged).
    pub fn export_batch(&self) -> Vec<u8> {
        self.log.export_batch().to_bytes()
    }

    /// `acknowledge(upToSequence: bigint | number)`: drops queued records up to that sequence.
    pub fn acknowledge(&mut self, up_to_sequence: &Value) -> Result<()> {
        self.log.acknowledge(u64_arg("upToSequence", up_to_sequence)?);
        Ok(())
    }

    /// `acceptAck(ack: Uint8Array, serverPublicKey: Uint8Array, now): boolean`: the server's
    /// signed acknowledgement after a sync (checked; drops the records it covers; anchors later
    /// records and moves the clock to the server's). `false`: older than the current anchor.
    pub fn accept_ack(&mut self, ack: &[u8], server_public_key: &[u8], now: &Value) -> Result<bool> {
        let ack = SignedAck::from_bytes(ack)?;
        let key = key_arg("serverPublicKey", server_public_key)?;
        Ok(self.log.accept_ack(&ack, &key, timestamp_arg("now", now)?)?)
    }

    /// `installAllowance(allowance: Uint8Array, serverPublicKey: Uint8Array)`: a server-signed
    /// offline allowance; from the first one on, payments must be covered by one
    /// (`DEVICE_ALLOWANCE_EXCEEDED` otherwise).
    pub fn install_allowance(&mut self, allowance: &[u8], server_public_key: &[u8]) -> Result<()> {
        let a = SignedAllowance::from_bytes(allowance)?;
        Ok(self.log.install_allowance(&a, &key_arg("serverPublicKey", server_public_key)?)?)
    }

    /// `allowanceRemaining(walletId, now): Money | null`: what the wallet may still spend here
    /// under the installed allowances (null: none installed).
    pub fn allowance_remaining(&self, wallet_id: &Value, now: &Value) -> Result<Value> {
        let left = self.log.allowance_remaining(&uuid_arg("walletId", wallet_id)?, timestamp_arg("now", now)?);
        Ok(left.map_or(Value::Null, |m| crate::money_out(&m)))
    }
}

/// A strictly checked 32-byte Ed25519 public key.
fn key_arg(field: &str, bytes: &[u8]) -> Result<StrictPublicKey> {
    Ok(StrictPublicKey::from_bytes(&seed_arg(field, bytes)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use festival_core::ErrorCode;
    use serde_json::json;

    const FESTIVAL: &str = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    const DEVICE: &str = "00000000-0000-4000-8000-0000000000d1";
    const WALLET: &str = "00000000-0000-4000-8000-0000000000a1";
    const STAND: &str = "00000000-0000-4000-8000-0000000000b1";

    fn eur(a: &str) -> Value {
        json!({"amount": a, "currency": "EUR"})
    }

    fn rid(n: u32) -> Value {
        json!(format!("00000000-0000-4000-8000-{n:012}"))
    }

    fn log() -> DeviceLogHandle {
        let signer = DeviceSignerHandle::new(&[4; 32], &json!(DEVICE), &json!(FESTIVAL)).unwrap();
        let limits = json!({"perPayment": eur("20"), "perWalletOffline": eur("30"), "maxStoredValue": eur("100"),
                            "maxQueuedRecords": 10});
        let mut l = DeviceLogHandle::new(&signer, &json!("EUR"), &limits).unwrap();
        l.set_synced_balances(&json!({ WALLET: eur("50") })).unwrap();
        l
    }

    #[test]
    fn device_log_signs_a_chain_and_exports_a_batch() {
        let mut l = log();
        let now = json!("2026-07-01T12:00:00Z");
        let a = l.pay(&rid(1), &now, &json!(WALLET), &eur("7.50"), &json!(STAND), &Value::Null).unwrap().to_json();
        assert_eq!(a["record"]["sequence"], "1");
        assert_eq!(a["record"]["payload"]["kind"], "payment");
        let b = l.top_up(&rid(2), &now, &json!(WALLET), &eur("5")).unwrap().to_json();
        assert_eq!(b["record"]["prevHash"], a["hash"]);
        assert_eq!(l.available(&json!(WALLET)).unwrap(), eur("47.50"));
        let e = l.pay(&rid(3), &now, &json!(WALLET), &eur("25"), &json!(STAND), &Value::Null).unwrap_err();
        assert_eq!(e.code(), "DEVICE_LIMIT_EXCEEDED");
        let batch = l.export_batch();
        let decoded = decode_batch(&batch).unwrap().to_json();
        assert_eq!(decoded[1], b);
        let pk = l.signer().public_key();
        let first = interop::hex_decode("b", a["bytes"].as_str().unwrap()).unwrap();
        assert!(verify_record(&first, &pk).unwrap());
        assert!(!verify_record(&first, &[0; 32]).unwrap());
        assert_eq!(verify_record(&first[..10], &pk).unwrap_err().code(), "OFFLINE_MALFORMED");
        assert_eq!(
            encode_batch(&[first.clone()]).unwrap(),
            Batch { records: vec![SignedRecord::from_bytes(&first).unwrap()] }.to_bytes()
        );
        let snap = l.snapshot().unwrap();
        let back = DeviceLogHandle::restore(&[4; 32], &json!(snap)).unwrap();
        assert_eq!(back.export_batch(), batch);
        assert_eq!(DeviceLogHandle::restore(&[5; 32], &json!(snap)).unwrap_err().code(), "OFFLINE_INVALID_KEY");
        let queue = decode_batch(&batch).unwrap().to_json();
        let queued: Vec<Vec<u8>> = queue
            .as_array()
            .unwrap()
            .iter()
            .map(|r| interop::hex_decode("b", r["bytes"].as_str().unwrap()).unwrap())
            .collect();
        let signer = l.signer();
        let limits = l.limits().unwrap();
        let again =
            DeviceLogHandle::resume_with_queue(&signer, &json!("EUR"), &limits, &json!({ WALLET: eur("50") }), &queued)
                .unwrap();
        assert_eq!(again.available(&json!(WALLET)).unwrap(), eur("47.50"));
        let e =
            DeviceLogHandle::resume_with_queue(&signer, &json!("EUR"), &limits, &json!({}), &queued[..1]).unwrap_err();
        assert!(e.code().starts_with("OFFLINE_"), "{}", e.code());
        l.acknowledge(&json!(1)).unwrap();
        assert_eq!(l.queued(), 1);
        assert_eq!(l.acknowledge(&json!(-1)).unwrap_err().code(), "INPUT_INVALID");
    }

    #[test]
    fn signer_resume_and_codec() {
        let mut s = DeviceSignerHandle::new(&[4; 32], &json!(DEVICE), &json!(FESTIVAL)).unwrap();
        let scan = json!({"kind": "scan", "ticketId": WALLET, "zoneId": STAND, "direction": "in"});
        let r1 = s.sign(&rid(1), &json!("2026-07-01T12:00:00Z"), &scan).unwrap().to_json();
        let state =
            json!({"nextSequence": s.next_sequence(), "lastHash": s.last_hash(), "lastHlc": s.last_hlc().unwrap()});
        let mut resumed = DeviceSignerHandle::resume(&[4; 32], &json!(DEVICE), &json!(FESTIVAL), &state).unwrap();
        let r2 = resumed.sign(&rid(2), &json!("2026-07-01T12:00:01Z"), &scan).unwrap().to_json();
        assert_eq!(r2["record"]["prevHash"], r1["hash"]);
        let body = r2["record"].clone();
        let sig = sign_record(&[4; 32], &body).unwrap().to_json();
        assert_eq!(sig, r2);
        let enc = encode_record(&body).unwrap();
        let bytes = interop::hex_decode("b", r2["bytes"].as_str().unwrap()).unwrap();
        assert_eq!(&bytes[..enc.len()], &enc[..]);
        assert_eq!(decode_record(&bytes).unwrap().to_json(), r2);
        let mut bigint_seq = body.clone();
        bigint_seq["sequence"] = json!(2);
        assert_eq!(encode_record(&bigint_seq).unwrap(), enc);
        let bad = json!({"nextSequence": 0, "lastHash": s.last_hash(), "lastHlc": s.last_hlc().unwrap()});
        assert_eq!(
            DeviceSignerHandle::resume(&[4; 32], &json!(DEVICE), &json!(FESTIVAL), &bad).unwrap_err().code(),
            "INPUT_INVALID"
        );
        assert_eq!(
            DeviceSignerHandle::new(&[4; 31], &json!(DEVICE), &json!(FESTIVAL)).unwrap_err().code(),
            "INPUT_INVALID"
        );
        assert_eq!(s.sign(&rid(3), &json!("nope"), &scan).unwrap_err().code(), "INPUT_INVALID");
        assert_eq!(s.next_sequence(), 2);
    }
}
