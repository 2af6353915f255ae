//! `offline.*` conformance operations. Bytes are lowercase hex; u64 values are decimal strings.
//!
//! - `offline.verify_signature` {public_key, message, signature} → {valid}: strict Ed25519 (the
//!   bindings run Wycheproof through it). Wrong lengths and unusable keys give `valid: false`.
//! - `offline.public_key` {seed} → {public_key}.
//! - `offline.sign_record` {seed, record} → {bytes, hash, signature}.
//! - `offline.record_encode` {record} → {bytes} (unsigned canonical encoding).
//! - `offline.record_decode` {bytes} → {record, signature, hash} (signed bytes).
//! - `offline.batch_decode` {bytes} → {records: [...]}.
//! - `offline.verify_chain` {festival_id, now, devices, chains?, config?, records: [hex]} →
//!   {checks: [{status, code?}], chains}.
//! - `offline.ticket_code_issue` / `offline.ticket_code_verify`, `offline.revocation_list_issue` /
//!   `offline.revocation_list_decode` / `offline.revocation_list_install`: see `codes`.
//! - `offline.reconcile` {state, batches: [hex], now, policy, config?} → outcome.

use super::{out, parse};
use crate::error::{Error, InputError};
use crate::interop::{hex_decode, hex_decode_array, hex_encode};
use crate::offline::chain::{verify_chain, ChainConfig, CheckOutcome, DeviceChain};
use crate::offline::crypto;
use crate::offline::record::{Batch, RecordBody, SignedRecord};
use crate::offline::registry::{DeviceEntry, DeviceRegistry};
use crate::Timestamp;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Longest hex input accepted (4 MiB of bytes).
const MAX_HEX: usize = 8 * 1024 * 1024;

fn hex(field: &str, text: &str) -> Result<Vec<u8>, Error> {
    if text.len() > MAX_HEX {
        return Err(InputError::invalid(field, "too long").into());
    }
    Ok(hex_decode(field, text)?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyIn {
    public_key: String,
    message: String,
    signature: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedIn {
    seed: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignRecordIn {
    seed: String,
    record: RecordBody,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordIn {
    record: RecordBody,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BytesIn {
    bytes: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyChainIn {
    festival_id: Uuid,
    now: Timestamp,
    devices: Vec<DeviceEntry>,
    #[serde(default)]
    chains: BTreeMap<Uuid, DeviceChain>,
    #[serde(default)]
    config: Option<ChainConfig>,
    records: Vec<String>,
}

fn signed_json(rec: &SignedRecord) -> Value {
    json!({
        "record": rec.body(),
        "signature": hex_encode(rec.signature()),
        "hash": hex_encode(&rec.hash()),
        "bytes": hex_encode(rec.as_bytes()),
    })
}

pub(crate) fn check_json(c: &CheckOutcome) -> Value {
    match c {
        CheckOutcome::Valid => json!({"status": "valid"}),
        CheckOutcome::Duplicate => json!({"status": "duplicate"}),
        CheckOutcome::Rejected { error, chained } => {
            json!({"status": "rejected", "code": crate::ErrorCode::code(error), "chained": chained})
        }
    }
}

/// Runs `op` if it is an `offline.*` operation.
pub(crate) fn execute(op: &str, input: &Value) -> Option<Result<Value, Error>> {
    Some(match op {
        "offline.verify_signature" => verify_signature(input),
        "offline.public_key" => parse::<SeedIn>(input).and_then(|i| {
            let seed = hex_decode_array::<32>("seed", &i.seed)?;
            Ok(json!({"public_key": hex_encode(&crypto::public_key_from_seed(&seed))}))
        }),
        "offline.sign_record" => parse::<SignRecordIn>(input).and_then(|i| {
            let seed = hex_decode_array::<32>("seed", &i.seed)?;
            let rec = i.record.sign(&seed)?;
            Ok(signed_json(&rec))
        }),
        "offline.record_encode" => {
            parse::<RecordIn>(input).and_then(|i| Ok(json!({"bytes": hex_encode(&i.record.encode()?)})))
        }
        "offline.record_decode" => parse::<BytesIn>(input).and_then(|i| {
            let rec = SignedRecord::from_bytes(&hex("bytes", &i.bytes)?)?;
            Ok(signed_json(&rec))
        }),
        "offline.batch_decode" => parse::<BytesIn>(input).and_then(|i| {
            let b = Batch::from_bytes(&hex("bytes", &i.bytes)?)?;
            Ok(json!({"records": b.records.iter().map(signed_json).collect::<Vec<_>>()}))
        }),
        "offline.verify_chain" => parse::<VerifyChainIn>(input).and_then(|i| {
            let registry = DeviceRegistry::new(i.devices)?;
            let mut records = Vec::with_capacity(i.records.len());
            for (n, h) in i.records.iter().enumerate() {
                records.push(SignedRecord::from_bytes(&hex(&format!("records[{n}]"), h)?)?);
            }
            let report =
                verify_chain(&registry, i.festival_id, &i.chains, &records, i.now, &i.config.unwrap_or_default());
            out(&json!({
                "checks": report.checks.iter().map(check_json).collect::<Vec<_>>(),
                "chains": report.chains,
            }))
        }),
        _ => return None,
    })
}

fn verify_signature(input: &Value) -> Result<Value, Error> {
    let i: VerifyIn = parse(input)?;
    let pk = hex("public_key", &i.public_key)?;
    let msg = hex("message", &i.message)?;
    let sig = hex("signature", &i.signature)?;
    Ok(json!({"valid": crypto::verify(&pk, &msg, &sig).is_ok()}))
}
