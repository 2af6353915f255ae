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
//!   {checks: [{status, code?, chained?}], chains} (the `Serialize` form of `ChainReport`).
//! - `offline.ticket_code_issue` / `offline.ticket_code_verify`, `offline.revocation_list_issue` /
//!   `offline.revocation_list_decode` / `offline.revocation_list_install`: see `codes`.
//! - `offline.reconcile` {state, batches: [hex], now, policy, config?, finality?} → outcome. Both
//!   reconcile operations take `checkin_policies` ([CheckinPolicy], optional) for scan facts,
//!   `revocation_lists` ([{version, published_at, revoked_tickets}], optional: the server's
//!   published revocation lists), `catalogs` ([catalog], optional: the product catalogs the
//!   server published, for catalog payments; a call may `publish_catalogs` more before it),
//!   `age_classes` ({wallet id: age class}, optional: the wallets' verified age classes) and `per_zone_presence` (bool, optional); tickets may carry
//!   `ticket_type_id`, `pending`, `entries`, `zones` and `attributes`; reports of scan facts have
//!   `scans` (see `ScanFactOutcome`).
//! - `offline.reconcile_calls` {state, calls: [{batches, now, declare_lost?, revoke_devices?, devices?}], policy,
//!   config?, finality?} → {reports: [...], outcomes, pending, balances, tickets, watermark}: several
//!   separate syncs against one state (the merge model); `devices` replaces the registry from that
//!   call on, `declare_lost` ([{device_id, through, reason}]) and `revoke_devices` ([{device_id,
//!   reason}]) are applied before the call; `acknowledge` ([device_id]) after it, at its `now`,
//!   with the top-level `server_seed` (hex); then the output has `acks`: per call, the signed
//!   acknowledgements (hex).
//!   `allowances` ([allowance]) are issued with `server_seed` before the first call; then the
//!   output has `allowances` (signed, hex) and `exposure` (after the last call).
//! - `offline.ack_decode` {bytes, server_public_key} → {ack, valid}: decodes a signed
//!   acknowledgement and checks its signature.
//! - `offline.allowance_decode` {bytes, server_public_key} → {allowance, valid}: the same for a
//!   signed offline allowance.

use super::{out, parse};
use crate::error::{Error, InputError};
use crate::interop::{hex_decode, hex_decode_array, hex_encode};
use crate::money::{Currency, Money};
use crate::offline::chain::{verify_chain, ChainConfig, DeviceChain};
use crate::offline::codes::{
    decode_ticket_code, issue_ticket_code, verify_ticket_code, IssuerKey, KeySet, RevocationList, RevocationStore,
    TicketClaims,
};
use crate::offline::ack::SignedAck;
use crate::offline::allowance::{Allowance, SignedAllowance};
use crate::offline::crypto::{self, StrictPublicKey};
use crate::offline::reconcile::{
    reconcile, ConflictPolicy, Finality, PublishedRevocationList, ReconcileConfig, ReconcileState, TicketState,
};
use crate::offline::record::{Batch, RecordBody, SignedRecord};
use crate::offline::registry::{DeviceEntry, DeviceRegistry};
use crate::catalog::Catalog;
use crate::wallet::{AgeClass, Entry, Operation, Wallet, WalletConfig};
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeIssueIn {
    claims: TicketClaims,
    seed: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeDecodeIn {
    code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeVerifyIn {
    code: String,
    keys: Vec<IssuerKey>,
    festival_id: Uuid,
    now: Timestamp,
    /// Signed revocation list bytes installed at the gate (hex), if any.
    #[serde(default)]
    revocation_list: Option<String>,
    max_staleness_ms: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListIssueIn {
    list: RevocationList,
    seed: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListInstallIn {
    keys: Vec<IssuerKey>,
    festival_id: Uuid,
    now: Timestamp,
    /// Signed lists installed first, in order (hex).
    #[serde(default)]
    installed: Vec<String>,
    /// The list offered now (hex).
    offered: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReconcileIn {
    festival_id: Uuid,
    currency: Currency,
    /// Initial wallet balances (each wallet starts with one top-up of this amount).
    #[serde(default)]
    wallets: BTreeMap<Uuid, String>,
    #[serde(default)]
    tickets: BTreeMap<Uuid, TicketState>,
    #[serde(default)]
    checkin_policies: Vec<crate::access::policy::PolicyRepr>,
    /// Revocation lists the server published (for stale lists of scan facts).
    #[serde(default)]
    revocation_lists: Vec<PublishedRevocationList>,
    /// Product catalogs the server published (for catalog payments).
    #[serde(default)]
    catalogs: Vec<Catalog>,
    /// The wallets' verified age classes (default: none).
    #[serde(default)]
    age_classes: BTreeMap<Uuid, AgeClass>,
    /// `ReconcileConfig::per_zone_presence`.
    #[serde(default)]
    per_zone_presence: bool,
    #[serde(default)]
    chains: BTreeMap<Uuid, DeviceChain>,
    devices: Vec<DeviceEntry>,
    /// Encoded batches (hex), any order.
    batches: Vec<String>,
    now: Timestamp,
    policy: ConflictPolicy,
    #[serde(default)]
    config: Option<ChainConfig>,
    #[serde(default)]
    finality: Finality,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LostIn {
    device_id: Uuid,
    #[serde(with = "crate::offline::record::u64_string")]
    through: u64,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AckIn {
    bytes: String,
    server_public_key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallIn {
    batches: Vec<String>,
    now: Timestamp,
    #[serde(default)]
    declare_lost: Vec<LostIn>,
    #[serde(default)]
    revoke_devices: Vec<RevokeIn>,
    #[serde(default)]
    devices: Option<Vec<DeviceEntry>>,
    /// Devices the server acknowledges after the call (at its `now`, with `server_seed`).
    #[serde(default)]
    acknowledge: Vec<Uuid>,
    /// Catalogs the server publishes before the call.
    #[serde(default)]
    publish_catalogs: Vec<Catalog>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeIn {
    device_id: Uuid,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallsIn {
    festival_id: Uuid,
    currency: Currency,
    #[serde(default)]
    wallets: BTreeMap<Uuid, String>,
    #[serde(default)]
    tickets: BTreeMap<Uuid, TicketState>,
    #[serde(default)]
    checkin_policies: Vec<crate::access::policy::PolicyRepr>,
    /// Revocation lists the server published (for stale lists of scan facts).
    #[serde(default)]
    revocation_lists: Vec<PublishedRevocationList>,
    /// Product catalogs the server published (for catalog payments).
    #[serde(default)]
    catalogs: Vec<Catalog>,
    /// The wallets' verified age classes (default: none).
    #[serde(default)]
    age_classes: BTreeMap<Uuid, AgeClass>,
    /// `ReconcileConfig::per_zone_presence`.
    #[serde(default)]
    per_zone_presence: bool,
    devices: Vec<DeviceEntry>,
    calls: Vec<CallIn>,
    policy: ConflictPolicy,
    #[serde(default)]
    config: Option<ChainConfig>,
    #[serde(default)]
    finality: Finality,
    /// The server's acknowledgement seed (hex), for `acknowledge`.
    #[serde(default)]
    server_seed: Option<String>,
    /// Offline allowances the server issues (with `server_seed`) before the first call.
    #[serde(default)]
    allowances: Vec<Allowance>,
}

fn installed_store(
    lists: &[String],
    keys: &KeySet,
    festival_id: Uuid,
    now: Timestamp,
) -> Result<RevocationStore, Error> {
    let mut store = RevocationStore::default();
    for (n, l) in lists.iter().enumerate() {
        store.install(&hex(&format!("installed[{n}]"), l)?, keys, festival_id, now)?;
    }
    Ok(store)
}

fn signed_json(rec: &SignedRecord) -> Value {
    json!({
        "record": rec.body(),
        "signature": hex_encode(rec.signature()),
        "hash": hex_encode(&rec.hash()),
        "bytes": hex_encode(rec.as_bytes()),
    })
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
            out(&report)
        }),
        "offline.ticket_code_issue" => parse::<CodeIssueIn>(input).and_then(|i| {
            let seed = hex_decode_array::<32>("seed", &i.seed)?;
            Ok(json!({"code": issue_ticket_code(&i.claims, &seed)?}))
        }),
        "offline.ticket_code_decode" => parse::<CodeDecodeIn>(input).and_then(|i| {
            let (claims, sig) = decode_ticket_code(&i.code)?;
            out(&json!({"claims": claims, "signature": hex_encode(&sig)}))
        }),
        "offline.ticket_code_verify" => parse::<CodeVerifyIn>(input).and_then(|i| {
            let keys = KeySet::new(i.keys)?;
            let lists: Vec<String> = i.revocation_list.into_iter().collect();
            let store = installed_store(&lists, &keys, i.festival_id, i.now)?;
            let claims = verify_ticket_code(&i.code, &keys, i.festival_id, i.now, &store, i.max_staleness_ms)?;
            out(&json!({"claims": claims}))
        }),
        "offline.revocation_list_issue" => parse::<ListIssueIn>(input).and_then(|i| {
            let seed = hex_decode_array::<32>("seed", &i.seed)?;
            Ok(json!({"bytes": hex_encode(&i.list.sign(&seed)?)}))
        }),
        "offline.revocation_list_decode" => parse::<BytesIn>(input).and_then(|i| {
            let (list, sig) = RevocationList::decode(&hex("bytes", &i.bytes)?)?;
            out(&json!({"list": list, "signature": hex_encode(&sig)}))
        }),
        "offline.revocation_list_install" => parse::<ListInstallIn>(input).and_then(|i| {
            let keys = KeySet::new(i.keys)?;
            let mut store = installed_store(&i.installed, &keys, i.festival_id, i.now)?;
            let result = store.install(&hex("offered", &i.offered)?, &keys, i.festival_id, i.now)?;
            let version = store.current().map(|l| l.version.to_string());
            out(&json!({"result": result, "installed_version": version}))
        }),
        "offline.reconcile" => run_reconcile(input),
        "offline.reconcile_calls" => run_reconcile_calls(input),
        "offline.allowance_decode" => parse::<AckIn>(input).and_then(|i| {
            let a = SignedAllowance::from_bytes(&hex("bytes", &i.bytes)?)?;
            let key = StrictPublicKey::from_bytes(&hex_decode_array::<32>("server_public_key", &i.server_public_key)?)?;
            Ok(json!({"allowance": a.allowance(), "valid": a.verify(&key).is_ok()}))
        }),
        "offline.ack_decode" => parse::<AckIn>(input).and_then(|i| {
            let ack = SignedAck::from_bytes(&hex("bytes", &i.bytes)?)?;
            let key = StrictPublicKey::from_bytes(&hex_decode_array::<32>("server_public_key", &i.server_public_key)?)?;
            Ok(json!({"ack": ack.ack(), "valid": ack.verify(&key).is_ok()}))
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

fn opening_state(
    festival_id: Uuid,
    currency: Currency,
    wallets: &BTreeMap<Uuid, String>,
    age_classes: &BTreeMap<Uuid, AgeClass>,
) -> Result<ReconcileState, Error> {
    let mut state = ReconcileState::new(festival_id, currency);
    for (id, amount) in wallets {
        let mut config = WalletConfig::new(*id, festival_id, currency);
        config.age_class = age_classes.get(id).copied();
        let mut w = Wallet::new(config)?;
        let m = Money::parse(amount, currency)?;
        if m.is_positive() {
            // The opening top-up uses the wallet id as entry id, at the epoch.
            w.apply(Entry::new(*id, Timestamp::default(), Operation::TopUp { amount: m, method: Default::default() }))?;
        }
        state.add_wallet(w)?;
    }
    Ok(state)
}

fn run_reconcile_calls(input: &Value) -> Result<Value, Error> {
    let i: CallsIn = parse(input)?;
    let mut registry = DeviceRegistry::new(i.devices)?;
    let mut state = opening_state(i.festival_id, i.currency, &i.wallets, &i.age_classes)?;
    for (id, t) in i.tickets {
        state.set_ticket(id, t);
    }
    for p in i.checkin_policies {
        state.set_checkin_policy(crate::access::policy::CheckinPolicy::new(p)?);
    }
    for l in i.revocation_lists {
        state.publish_revocation_list(l.version, l.published_at, l.revoked_tickets)?;
    }
    for c in i.catalogs {
        state.publish_catalog(c)?;
    }
    let config = ReconcileConfig {
        policy: i.policy,
        chain: i.config.unwrap_or_default(),
        finality: i.finality,
        per_zone_presence: i.per_zone_presence,
    };
    let server_seed = i.server_seed.as_deref().map(|s| hex_decode_array::<32>("server_seed", s)).transpose()?;
    let mut issued = Vec::with_capacity(i.allowances.len());
    for a in i.allowances {
        let seed = server_seed.ok_or_else(|| InputError::invalid("server_seed", "needed to issue allowances"))?;
        issued.push(hex_encode(&state.issue_allowance(a, &seed)?.to_bytes()));
    }
    let mut reports = Vec::with_capacity(i.calls.len());
    let mut acks: Vec<Vec<String>> = Vec::new();
    for (n, call) in i.calls.into_iter().enumerate() {
        if let Some(devices) = call.devices {
            registry = DeviceRegistry::new(devices)?;
        }
        for l in &call.declare_lost {
            state.declare_lost(l.device_id, l.through, &l.reason, call.now)?;
        }
        for r in &call.revoke_devices {
            state.revoke_device(r.device_id, &r.reason, call.now)?;
        }
        for c in call.publish_catalogs {
            state.publish_catalog(c)?;
        }
        let mut batches = Vec::with_capacity(call.batches.len());
        for (k, b) in call.batches.iter().enumerate() {
            batches.push(hex(&format!("calls[{n}].batches[{k}]"), b)?);
        }
        reports.push(reconcile(&mut state, &registry, &batches, call.now, &config)?);
        let mut issued = Vec::with_capacity(call.acknowledge.len());
        for d in &call.acknowledge {
            let seed = server_seed.ok_or_else(|| InputError::invalid("server_seed", "needed to acknowledge"))?;
            issued.push(hex_encode(&state.acknowledge(&registry, *d, call.now, &seed)?.to_bytes()));
        }
        acks.push(issued);
    }
    let balances: BTreeMap<Uuid, String> =
        state.wallets.iter().map(|(id, w)| (*id, w.balances().total.amount_string())).collect();
    let mut result = json!({
        "reports": reports,
        "outcomes": state.outcomes(),
        "pending": state.pending(),
        "balances": balances,
        "tickets": state.tickets,
        "watermark": state.watermark(),
    });
    if server_seed.is_some() {
        result["acks"] = json!(acks);
    }
    if !issued.is_empty() {
        result["allowances"] = json!(issued);
        result["exposure"] = json!(state.exposure(config.policy));
    }
    out(&result)
}

fn run_reconcile(input: &Value) -> Result<Value, Error> {
    let i: ReconcileIn = parse(input)?;
    let registry = DeviceRegistry::new(i.devices)?;
    let mut state = opening_state(i.festival_id, i.currency, &i.wallets, &i.age_classes)?;
    state.tickets = i.tickets;
    state.chains = i.chains;
    for p in i.checkin_policies {
        state.set_checkin_policy(crate::access::policy::CheckinPolicy::new(p)?);
    }
    for l in i.revocation_lists {
        state.publish_revocation_list(l.version, l.published_at, l.revoked_tickets)?;
    }
    for c in i.catalogs {
        state.publish_catalog(c)?;
    }
    let mut batches = Vec::with_capacity(i.batches.len());
    for (n, b) in i.batches.iter().enumerate() {
        batches.push(hex(&format!("batches[{n}]"), b)?);
    }
    let config = ReconcileConfig {
        policy: i.policy,
        chain: i.config.unwrap_or_default(),
        finality: i.finality,
        per_zone_presence: i.per_zone_presence,
    };
    let report = reconcile(&mut state, &registry, &batches, i.now, &config)?;
    out(&json!({
        "report": report,
        "tickets": state.tickets,
        "chains": state.chains,
    }))
}
