//! Server-side reconciliation for JS: a [`DeviceRegistryHandle`] (the devices, keys checked once)
//! and a [`ReconcilerHandle`] that owns the server's [`ReconcileState`] between streamed
//! `reconcile` calls. Batches cross as bytes (never JSON: this is the hot path); the report stays a
//! core [`ReconcileReport`] inside a [`ReconcileReportHandle`] (a JS `ReconcileReport` object) whose
//! parts are converted to plain data (camelCase keys, money as strings, digests as hex) only when
//! JS reads them: for 100k records, building one JS object per outcome cost more than reconciling.
//! [`verify_chain`] checks signed records against the registry and known chains without any state.

use crate::offline::{timestamp_arg, uuid_arg};
use crate::{from_js, invalid, money_out, object_arg, str_arg, to_js, Result};
use festival_core::interop::hex_encode;
use festival_core::money::Currency;
use festival_core::offline::chain::{verify_chain as core_verify_chain, ChainConfig, DeviceChain};
use festival_core::offline::allowance::Allowance;
use festival_core::offline::reconcile::{
    reconcile, ConflictPolicy, ReconcileConfig, ReconcileReport, ReconcileState, RecordOutcome, TicketState,
};
use festival_core::offline::registry::{DeviceEntry, DeviceRegistry};
use festival_core::wallet::Wallet;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The device registry held by a JS object.
#[derive(Debug, Clone)]
pub struct DeviceRegistryHandle(DeviceRegistry);

impl DeviceRegistryHandle {
    /// `new DeviceRegistry(entries: DeviceEntry[])`: `OFFLINE_INVALID_KEY` on an unusable key,
    /// `RECONCILE_INVALID_STATE` on a device registered twice.
    pub fn new(entries: &Value) -> Result<Self> {
        crate::array_arg("entries", entries)?;
        let entries: Vec<DeviceEntry> = from_js("entries", entries)?;
        Ok(DeviceRegistryHandle(DeviceRegistry::new(entries)?))
    }

    /// The core registry.
    pub fn registry(&self) -> &DeviceRegistry {
        &self.0
    }

    /// `entries(): DeviceEntry[]` (ordered by device id; public keys as hex).
    pub fn entries(&self) -> Result<Value> {
        to_js(&self.0.entries().collect::<Vec<_>>())
    }

    /// `get(deviceId): DeviceEntry | null`.
    pub fn get(&self, device_id: &Value) -> Result<Value> {
        match self.0.get(&uuid_arg("deviceId", device_id)?) {
            Some(d) => to_js(&d.entry),
            None => Ok(Value::Null),
        }
    }
}

/// The server's reconciliation state held by a JS object.
#[derive(Debug, Clone)]
pub struct ReconcilerHandle(ReconcileState);

fn check_keys(field: &str, o: &Map<String, Value>, allowed: &[&str]) -> Result<()> {
    match o.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(invalid(field, format!("unexpected key '{}'", k.chars().take(40).collect::<String>()))),
        None => Ok(()),
    }
}

/// `{ policy?, chain?: { maxFutureSkewMs, maxHlcSkewMs }, finality?: { maxOfflineMs?,
/// allDevicesSynced?, compactLedgers? }, perZonePresence? }` (defaults: `first_wins`, 5 min, 1 h,
/// nothing final, one presence flag per ticket).
pub fn reconcile_config_arg(field: &str, v: &Value) -> Result<ReconcileConfig> {
    if v.is_null() {
        return Ok(ReconcileConfig::default());
    }
    let o = object_arg(field, v)?;
    check_keys(field, o, &["policy", "chain", "finality", "perZonePresence"])?;
    if let Some(f) = o.get("finality").filter(|f| !f.is_null()) {
        let name = format!("{field}.finality");
        check_keys(&name, object_arg(&name, f)?, &["maxOfflineMs", "allDevicesSynced", "compactLedgers"])?;
    }
    let config: ReconcileConfig = from_js(field, v)?;
    if config.finality.max_offline_ms.is_some_and(|m| m < 0) {
        return Err(invalid(&format!("{field}.finality.maxOfflineMs"), "must be >= 0"));
    }
    Ok(config)
}

impl ReconcilerHandle {
    /// `new Reconciler({ festivalId, currency })`: an empty server state.
    pub fn new(config: &Value) -> Result<Self> {
        let o = object_arg("config", config)?;
        check_keys("config", o, &["festivalId", "currency"])?;
        let get = |k: &str| o.get(k).unwrap_or(&Value::Null);
        let festival_id = uuid_arg("config.festivalId", get("festivalId"))?;
        let currency: Currency = str_arg("config.currency", get("currency"))?.parse()?;
        Ok(ReconcilerHandle(ReconcileState::new(festival_id, currency)))
    }

    /// `Reconciler.deserialize(state: string)`: the core's JSON (wallets are replayed and checked).
    pub fn deserialize(state: &Value) -> Result<Self> {
        let text = str_arg("state", state)?;
        let s: ReconcileState = serde_json::from_str(text).map_err(|e| invalid("state", e.to_string()))?;
        Ok(ReconcilerHandle(s))
    }

    /// `serialize(): string`: the core's JSON (snake_case, the storage format of every binding).
    pub fn serialize(&self) -> Result<String> {
        serde_json::to_string(&self.0).map_err(|e| invalid("state", e.to_string()))
    }

    /// The core state.
    pub fn state(&self) -> &ReconcileState {
        &self.0
    }

    /// `addWallet(wallet: Wallet)`: a copy of the wallet joins the state (`RECONCILE_INVALID_STATE`
    /// if its festival or currency differ). Replaces a wallet with the same id.
    pub fn add_wallet(&mut self, wallet: &Wallet) -> Result<()> {
        Ok(self.0.add_wallet(wallet.clone())?)
    }

    /// `wallet(walletId): string | null`: the wallet's JSON, for `Wallet.deserialize`.
    pub fn wallet(&self, wallet_id: &Value) -> Result<Value> {
        match self.0.wallets.get(&uuid_arg("walletId", wallet_id)?) {
            Some(w) => Ok(Value::String(serde_json::to_string(w).map_err(|e| invalid("wallet", e.to_string()))?)),
            None => Ok(Value::Null),
        }
    }

    /// `balances(): Record<walletId, Balances>`.
    pub fn balances(&self) -> Result<Value> {
        let map: Map<String, Value> =
            self.0.wallets.iter().map(|(id, w)| Ok((id.to_string(), to_js(&w.balances())?))).collect::<Result<_>>()?;
        Ok(Value::Object(map))
    }

    /// `totalBalance(): Money`: the sum of every wallet's total.
    pub fn total_balance(&self) -> Value {
        money_out(&self.0.total_balance())
    }

    /// `setTicket(ticketId, { inside?, revoked?, ticketTypeId?, pending?, entries?, zones?,
    /// attributes? })`: a ticket's admission state (`attributes` for the check-in rules'
    /// `attributes.<name>`, names kept as given).
    pub fn set_ticket(&mut self, ticket_id: &Value, state: &Value) -> Result<()> {
        let o = object_arg("state", state)?;
        check_keys("state", o, &["inside", "revoked", "ticketTypeId", "pending", "entries", "zones", "attributes"])?;
        let t: TicketState = crate::access::with_raw_keys("state", state, &["entries", "attributes"])?;
        self.0.set_ticket(uuid_arg("ticketId", ticket_id)?, t);
        Ok(())
    }

    /// `setCheckinPolicy(policy)`: a check-in policy with which reconciliation re-decides scan
    /// facts in its zones (zones are the offline zone UUIDs as text).
    pub fn set_checkin_policy(&mut self, policy: &Value) -> Result<()> {
        self.0.set_checkin_policy(crate::access::policy_arg("policy", policy)?);
        Ok(())
    }

    /// `publishRevocationList(version, publishedAt, revokedTickets)`: the server published
    /// revocation list `version` at `publishedAt` revoking `revokedTickets`; an entry a gate
    /// admitted with an older list after it was published is then admitted in error
    /// (`RECONCILE_STALE_REVOCATION_LIST`). `RECONCILE_INVALID_STATE` for a version published with
    /// other content or out of time order.
    pub fn publish_revocation_list(&mut self, version: &Value, published_at: &Value, revoked_tickets: &Value) -> Result<()> {
        let version = sequence_arg("version", version)?;
        let published_at = timestamp_arg("publishedAt", published_at)?;
        let tickets = crate::array_arg("revokedTickets", revoked_tickets)?
            .iter()
            .enumerate()
            .map(|(i, t)| uuid_arg(&format!("revokedTickets[{i}]"), t))
            .collect::<Result<Vec<_>>>()?;
        Ok(self.0.publish_revocation_list(version, published_at, tickets)?)
    }

    /// `publishCatalog(catalog)`: the server published this product catalog; catalog payments
    /// (record version 4) of its version are checked against it (a tampered price is
    /// `CATALOG_PRICE_MISMATCH`), and those that waited for it (`RECONCILE_UNKNOWN_CATALOG`) are
    /// decided by the next `reconcile`, as revisions. `RECONCILE_INVALID_STATE` for another
    /// festival or currency, or a version published with other content.
    pub fn publish_catalog(&mut self, catalog: &crate::catalog::CatalogHandle) -> Result<()> {
        Ok(self.0.publish_catalog(catalog.catalog().clone())?)
    }

    /// `catalogVersions(): number[]`: the versions of the published catalogs, ascending.
    pub fn catalog_versions(&self) -> Value {
        Value::from(self.0.catalogs.keys().copied().collect::<Vec<u32>>())
    }

    /// `declareLost(deviceId, through, reason, decidedAt): LostRange`: the device's records after
    /// its last chained sequence up to `through` are declared lost (an explicit, recorded operator
    /// decision), so its later records are processed by the next `reconcile` (pending ones too:
    /// call it with no batches). `RECONCILE_INVALID_STATE` if the range is empty.
    pub fn declare_lost(&mut self, device_id: &Value, through: &Value, reason: &Value, decided_at: &Value) -> Result<Value> {
        let device_id = uuid_arg("deviceId", device_id)?;
        let through = sequence_arg("through", through)?;
        let reason = str_arg("reason", reason)?;
        let decided_at = timestamp_arg("decidedAt", decided_at)?;
        to_js(&self.0.declare_lost(device_id, through, reason, decided_at)?)
    }

    /// `revokeDevice(deviceId, reason, revokedAt): RevocationCut`: the device's records after the
    /// last sequence the server has now are rejected (`OFFLINE_DEVICE_REVOKED`, alert
    /// `revoked_device_used`) whatever their dates. `RECONCILE_INVALID_STATE` if revoked already.
    pub fn revoke_device(&mut self, device_id: &Value, reason: &Value, revoked_at: &Value) -> Result<Value> {
        let device_id = uuid_arg("deviceId", device_id)?;
        let reason = str_arg("reason", reason)?;
        let revoked_at = timestamp_arg("revokedAt", revoked_at)?;
        to_js(&self.0.revoke_device(device_id, reason, revoked_at)?)
    }

    /// `acknowledge(registry, deviceId, serverTime, serverSeed: Uint8Array): Uint8Array`: the
    /// server-signed acknowledgement of the device's log after a sync, for `DeviceLog.acceptAck`.
    pub fn acknowledge(&mut self, registry: &DeviceRegistryHandle, device_id: &Value, server_time: &Value, server_seed: &[u8]) -> Result<Vec<u8>> {
        let seed = seed32("serverSeed", server_seed)?;
        let ack = self.0.acknowledge(&registry.0, uuid_arg("deviceId", device_id)?, timestamp_arg("serverTime", server_time)?, &seed)?;
        Ok(ack.to_bytes())
    }

    /// `issueAllowance(allowance: Allowance, serverSeed: Uint8Array): Uint8Array`: signs and
    /// records an offline allowance, for `DeviceLog.installAllowance`.
    pub fn issue_allowance(&mut self, allowance: &Value, server_seed: &[u8]) -> Result<Vec<u8>> {
        let o = object_arg("allowance", allowance)?;
        check_keys("allowance", o, &["allowanceId", "festivalId", "walletId", "devices", "amount", "validFrom", "validUntil"])?;
        let a: Allowance = from_js("allowance", allowance)?;
        Ok(self.0.issue_allowance(a, &seed32("serverSeed", server_seed)?)?.to_bytes())
    }

    /// `exposure(policy?): ExposureReport`: the double-spend loss so far and the most it can
    /// become under the issued allowances, per wallet and in total (`policy` as in `reconcile`'s
    /// config; default `first_wins`).
    pub fn exposure(&self, policy: &Value) -> Result<Value> {
        let policy: ConflictPolicy = if policy.is_null() { ConflictPolicy::default() } else { from_js("policy", policy)? };
        to_js(&self.0.exposure(policy))
    }

    /// `watermark(): string | null`: the finality watermark (records before it are final).
    pub fn watermark(&self) -> Value {
        self.0.watermark().map_or(Value::Null, |t| Value::String(t.to_string()))
    }

    /// `outcome(recordId): RecordOutcome | null`: the current decision on a non-final record.
    pub fn outcome(&self, record_id: &Value) -> Result<Value> {
        Ok(self.0.outcome(&uuid_arg("recordId", record_id)?).as_ref().map_or(Value::Null, record_out))
    }

    /// `outcomes(): RecordOutcome[]`: the current decisions on every non-final record (total order).
    pub fn outcomes(&self) -> Value {
        Value::Array(self.0.outcomes().iter().map(record_out).collect())
    }

    /// `pending(): RecordOutcome[]`: the records that wait (`reason` = what they wait for).
    pub fn pending(&self) -> Value {
        Value::Array(self.0.pending().iter().map(record_out).collect())
    }

    /// `tickets(): Record<ticketId, TicketState>`.
    pub fn tickets(&self) -> Result<Value> {
        let mut out = to_js(&self.0.tickets)?;
        // Policy ids in `entries` and attribute names are data: keep them as the core has them.
        if let Value::Object(m) = &mut out {
            for (id, t) in &self.0.tickets {
                if let Some(Value::Object(o)) = m.get_mut(&id.to_string()) {
                    if !t.entries.is_empty() {
                        o.insert("entries".into(), serde_json::to_value(&t.entries).unwrap_or(Value::Null));
                    }
                    if !t.attributes.is_empty() {
                        o.insert("attributes".into(), serde_json::to_value(&t.attributes).unwrap_or(Value::Null));
                    }
                }
            }
        }
        Ok(out)
    }

    /// `chains(): Record<deviceId, DeviceChain>`: where each device's log stands.
    pub fn chains(&self) -> Result<Value> {
        to_js(&self.0.chains)
    }

    /// `reconcile(registry, batches: Uint8Array[], now, config?): ReconcileReport`. Any order,
    /// duplicates allowed; call it again with later batches (the state carries over). Throws only
    /// if the state is inconsistent (`RECONCILE_INVALID_STATE`), and then nothing changes. The
    /// report is returned as the core's value: nothing is converted until JS reads a part of it.
    pub fn reconcile<B: AsRef<[u8]>>(
        &mut self,
        registry: &DeviceRegistryHandle,
        batches: &[B],
        now: &Value,
        config: &Value,
    ) -> Result<ReconcileReportHandle> {
        let now = timestamp_arg("now", now)?;
        let config = reconcile_config_arg("config", config)?;
        Ok(ReconcileReportHandle(reconcile(&mut self.0, &registry.0, batches, now, &config)?))
    }
}

/// `verifyChain(registry, festivalId, records: Uint8Array[], now, options?: { chains?, config? })
/// : ChainReport`: the core's [`festival_core::offline::chain::verify_chain`] on signed record
/// bytes (`OFFLINE_MALFORMED` if one does not decode). `chains` is the shape
/// `Reconciler.chains()` returns, `config` is `{ maxFutureSkewMs, maxHlcSkewMs }` (defaults 5 min,
/// 1 h). The result is the core report's serde form in camelCase:
/// `{ checks: [{ status, code?, chained? }], chains }` (the conformance op's, keys renamed).
pub fn verify_chain<B: AsRef<[u8]>>(
    registry: &DeviceRegistryHandle,
    festival_id: &Value,
    records: &[B],
    now: &Value,
    options: &Value,
) -> Result<Value> {
    let festival_id = uuid_arg("festivalId", festival_id)?;
    let now = timestamp_arg("now", now)?;
    let (chains, config) = verify_chain_options("options", options)?;
    let records = records
        .iter()
        .map(|r| Ok(festival_core::offline::record::SignedRecord::from_bytes(r.as_ref())?))
        .collect::<Result<Vec<_>>>()?;
    to_js(&core_verify_chain(&registry.0, festival_id, &chains, &records, now, &config))
}

fn seed32(field: &str, bytes: &[u8]) -> Result<[u8; 32]> {
    <[u8; 32]>::try_from(bytes).map_err(|_| invalid(field, format!("expected 32 bytes, got {}", bytes.len())))
}

/// `{ chains?, config? }` of [`verify_chain`] (null / undefined: no known chains, default config).
fn verify_chain_options(field: &str, v: &Value) -> Result<(BTreeMap<Uuid, DeviceChain>, ChainConfig)> {
    if v.is_null() {
        return Ok((BTreeMap::new(), ChainConfig::default()));
    }
    let o = object_arg(field, v)?;
    check_keys(field, o, &["chains", "config"])?;
    let chains = match o.get("chains") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(c) => {
            object_arg(&format!("{field}.chains"), c)?;
            from_js(&format!("{field}.chains"), c)?
        }
    };
    let config = match o.get("config") {
        None | Some(Value::Null) => ChainConfig::default(),
        Some(c) => {
            let f = format!("{field}.config");
            check_keys(&f, object_arg(&f, c)?, &["maxFutureSkewMs", "maxHlcSkewMs"])?;
            from_js(&f, c)?
        }
    };
    Ok((chains, config))
}

/// The report of one `reconcile` call held by a JS `ReconcileReport` object. Each getter converts
/// one part on demand; `records()` (one object per record, the big part) is what a binding
/// materialises once and caches. [`ReconcileReportHandle::to_json`] is the whole report as plain
/// data, exactly what `reconcile` returned before it returned a class (and equal to the
/// conformance op's report with camelCase keys).
#[derive(Debug, Clone)]
pub struct ReconcileReportHandle(ReconcileReport);

impl ReconcileReportHandle {
    /// The core report.
    pub fn report(&self) -> &ReconcileReport {
        &self.0
    }

    /// `counts: { accepted, duplicate, rejected, conflict, pending, recorded? }`.
    pub fn counts(&self) -> Value {
        let c = &self.0.counts;
        let mut v = json!({ "accepted": c.accepted, "duplicate": c.duplicate, "rejected": c.rejected,
                            "conflict": c.conflict, "pending": c.pending });
        // `recorded` (denied scan facts) appears when there are any, as in the core's JSON.
        if c.recorded > 0 {
            v["recorded"] = json!(c.recorded);
        }
        v
    }

    /// `scans: ScanFactOutcome[]`: scan facts decided in this call (gate decision, server policy
    /// decision, `admittedInError`).
    pub fn scans(&self) -> Result<Value> {
        to_js(&self.0.scans)
    }

    /// `revisions: Revision[]`: earlier outcomes this call changed.
    pub fn revisions(&self) -> Result<Value> {
        to_js(&self.0.revisions)
    }

    /// `watermark: string | null`: the finality watermark after the call.
    pub fn watermark(&self) -> Value {
        self.0.watermark.map_or(Value::Null, |t| Value::String(t.to_string()))
    }

    /// `finalized`: records that became final in this call.
    pub fn finalized(&self) -> u64 {
        self.0.finalized
    }

    /// `pendingTotal`: records waiting in the state after the call.
    pub fn pending_total(&self) -> u64 {
        self.0.pending_total
    }

    /// `alerts: ReconcileAlert[]`.
    pub fn alerts(&self) -> Result<Value> {
        to_js(&self.0.alerts)
    }

    /// `balances: Record<walletId, Balances>` (every wallet of the state after the call).
    pub fn balances(&self) -> Result<Value> {
        to_js(&self.0.balances)
    }

    /// `debts: Record<walletId, Money>`.
    pub fn debts(&self) -> Value {
        Value::Object(self.0.debts.iter().map(|(id, m)| (id.to_string(), money_out(m))).collect())
    }

    /// `blockedWallets: string[]`.
    pub fn blocked_wallets(&self) -> Value {
        Value::Array(self.0.blocked_wallets.iter().map(|id| Value::String(id.to_string())).collect())
    }

    /// `totals: { topUps, payments, refunds, depositReturns? }`.
    pub fn totals(&self) -> Value {
        let t = &self.0.totals;
        let mut v =
            json!({ "topUps": money_out(&t.top_ups), "payments": money_out(&t.payments), "refunds": money_out(&t.refunds) });
        if let Some(d) = &t.deposit_returns {
            v["depositReturns"] = money_out(d);
        }
        v
    }

    /// `recordCount`: how many outcomes `records` has.
    pub fn record_count(&self) -> usize {
        self.0.records.len()
    }

    /// `recordAt(index): RecordOutcome | null` (one outcome, without building the others).
    pub fn record_at(&self, index: &Value) -> Result<Value> {
        let i = crate::u64_arg("index", index)?;
        Ok(usize::try_from(i).ok().and_then(|i| self.0.records.get(i)).map_or(Value::Null, record_out))
    }

    /// `records: RecordOutcome[]`, in the report's order.
    pub fn records(&self) -> Value {
        Value::Array(self.0.records.iter().map(record_out).collect())
    }

    /// `toJSON()`: the whole report as plain data.
    pub fn to_json(&self) -> Result<Value> {
        let mut m = Map::new();
        m.insert("records".into(), self.records());
        m.insert("counts".into(), self.counts());
        m.insert("alerts".into(), self.alerts()?);
        m.insert("balances".into(), self.balances()?);
        m.insert("debts".into(), self.debts());
        m.insert("blockedWallets".into(), self.blocked_wallets());
        m.insert("totals".into(), self.totals());
        m.insert("revisions".into(), self.revisions()?);
        if self.0.watermark.is_some() {
            m.insert("watermark".into(), self.watermark());
        }
        m.insert("finalized".into(), json!(self.0.finalized));
        m.insert("pendingTotal".into(), json!(self.0.pending_total));
        Ok(Value::Object(m))
    }
}

/// A device sequence: a non-negative safe integer, a BigInt, or a decimal string (how outcomes
/// carry sequences).
fn sequence_arg(field: &str, v: &Value) -> Result<u64> {
    match v {
        Value::String(s) => s.parse().map_err(|_| invalid(field, format!("expected a sequence number, got '{}'", s.chars().take(40).collect::<String>()))),
        other => crate::u64_arg(field, other),
    }
}

/// A serde unit-enum value as its name (`"payment"`, `"rejected_later"`).
fn enum_name<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// One outcome as plain data, keys already camelCase (no serde tree, no renaming pass): the same
/// object `to_js(outcome)` builds, which the tests check.
fn record_out(o: &RecordOutcome) -> Value {
    let mut m = Map::new();
    m.insert("hash".into(), Value::String(hex_encode(&o.hash.0)));
    if let Some(id) = &o.record_id {
        m.insert("recordId".into(), Value::String(id.to_string()));
    }
    if let Some(id) = &o.device_id {
        m.insert("deviceId".into(), Value::String(id.to_string()));
    }
    if let Some(s) = &o.sequence {
        m.insert("sequence".into(), Value::String(s.clone()));
    }
    if let Some(k) = &o.kind {
        m.insert("kind".into(), enum_name(k));
    }
    m.insert("status".into(), enum_name(&o.status));
    if let Some(r) = &o.reason {
        m.insert("reason".into(), Value::String(r.clone()));
    }
    if let Some(r) = &o.resolution {
        m.insert("resolution".into(), enum_name(r));
    }
    if let Some(d) = &o.debt {
        m.insert("debt".into(), money_out(d));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::DeviceSignerHandle;
    use festival_core::interop::{self, hex_encode};
    use festival_core::ErrorCode;
    use serde_json::json;

    const FESTIVAL: &str = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    const WALLET: &str = "00000000-0000-4000-8000-0000000000a1";
    const STAND: &str = "00000000-0000-4000-8000-0000000000b1";

    fn dev(n: u8) -> String {
        format!("00000000-0000-4000-8000-0000000000d{n}")
    }

    fn eur(a: &str) -> Value {
        json!({"amount": a, "currency": "EUR"})
    }

    #[test]
    fn two_devices_double_spend_first_wins_and_state_round_trips() {
        let devices: Vec<Value> = (1..=2u8)
            .map(|n| {
                json!({"deviceId": dev(n), "publicKey": hex_encode(&festival_core::offline::crypto::public_key_from_seed(&[n; 32])),
                       "festivalId": FESTIVAL, "role": "pos", "locations": [STAND],
                       "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z"})
            })
            .collect();
        let registry = DeviceRegistryHandle::new(&Value::Array(devices)).unwrap();
        assert_eq!(registry.entries().unwrap().as_array().unwrap().len(), 2);
        let mut rec = ReconcilerHandle::new(&json!({"festivalId": FESTIVAL, "currency": "EUR"})).unwrap();
        let mut w = festival_core::wallet::Wallet::new(festival_core::wallet::WalletConfig::new(
            WALLET.parse().unwrap(),
            FESTIVAL.parse().unwrap(),
            Currency::iso("EUR").unwrap(),
        ))
        .unwrap();
        w.apply(festival_core::wallet::Entry::new(
            WALLET.parse().unwrap(),
            festival_core::Timestamp::default(),
            festival_core::wallet::Operation::TopUp {
                amount: festival_core::Money::parse("10", Currency::iso("EUR").unwrap()).unwrap(),
                method: Default::default(),
            },
        ))
        .unwrap();
        rec.add_wallet(&w).unwrap();
        let batch = |n: u8, second: &str| {
            let mut s = DeviceSignerHandle::new(&[n; 32], &json!(dev(n)), &json!(FESTIVAL)).unwrap();
            let p = json!({"kind": "payment", "walletId": WALLET, "amount": eur("8"), "standId": STAND, "items": []});
            let out = s.sign(&json!(dev(n).replace('d', "e")), &json!(format!("2026-07-01T12:00:0{second}Z")), &p);
            let bytes = interop::hex_decode("b", out.unwrap().to_json()["bytes"].as_str().unwrap()).unwrap();
            crate::device::encode_batch(&[bytes]).unwrap()
        };
        let batches = vec![batch(2, "2"), batch(1, "1")];
        let now = json!("2026-07-01T12:01:00Z");
        // Before any reconcile: the same wallet under the other policies (debts, resolutions).
        for policy in ["accept_with_debt", "reject"] {
            let mut other = rec.clone();
            let h = other.reconcile(&registry, &batches, &now, &json!({ "policy": policy })).unwrap();
            assert_eq!(h.to_json().unwrap(), to_js(h.report()).unwrap(), "{policy}");
            assert_eq!(h.record_count(), 2);
        }
        let handle = rec.reconcile(&registry, &batches, &now, &json!({"policy": "first_wins"})).unwrap();
        // The parts, the lazy records and toJSON() are exactly the serde form of the core report.
        let report = handle.to_json().unwrap();
        assert_eq!(report, to_js(handle.report()).unwrap());
        assert_eq!(report["records"], handle.records());
        assert_eq!(handle.record_at(&json!(1)).unwrap(), report["records"][1]);
        assert_eq!(handle.record_at(&json!(2)).unwrap(), Value::Null);
        assert_eq!(handle.record_at(&json!(-1)).unwrap_err().code(), "INPUT_INVALID");
        assert_eq!(handle.record_at(&json!(0.5)).unwrap_err().code(), "INPUT_INVALID");
        assert_eq!(report["counts"]["accepted"], 1);
        assert_eq!(report["counts"]["conflict"], 1);
        assert_eq!(report["balances"][WALLET]["total"], eur("2.00"));
        assert_eq!(report["alerts"][0]["kind"], "double_spend");
        let again = rec.reconcile(&registry, &batches, &now, &Value::Null).unwrap().to_json().unwrap();
        assert_eq!(again["counts"]["duplicate"], 2);
        let copy = ReconcilerHandle::deserialize(&json!(rec.serialize().unwrap())).unwrap();
        assert_eq!(copy.state(), rec.state());
        assert_eq!(rec.total_balance(), eur("2.00"));
        assert_eq!(
            rec.reconcile(&registry, &batches, &now, &json!({"policy": "maybe"})).unwrap_err().code(),
            "INPUT_INVALID"
        );
        assert_eq!(ReconcilerHandle::deserialize(&json!("{")).unwrap_err().code(), "INPUT_INVALID");
        rec.set_ticket(&json!(STAND), &json!({"inside": true})).unwrap();
        assert_eq!(rec.tickets().unwrap()[STAND]["inside"], true);
    }

    #[test]
    fn verify_chain_is_the_conformance_op_in_camel_case() {
        let pk = hex_encode(&festival_core::offline::crypto::public_key_from_seed(&[1; 32]));
        let entry = json!({"deviceId": dev(1), "publicKey": pk, "festivalId": FESTIVAL, "role": "gate",
                           "locations": [STAND], "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z"});
        let registry = DeviceRegistryHandle::new(&json!([entry.clone()])).unwrap();
        let mut s = DeviceSignerHandle::new(&[1; 32], &json!(dev(1)), &json!(FESTIVAL)).unwrap();
        let scan = json!({"kind": "scan", "ticketId": WALLET, "zoneId": STAND, "direction": "in"});
        let recs: Vec<Vec<u8>> = (1..=3)
            .map(|n| {
                let out = s.sign(
                    &json!(format!("00000000-0000-4000-8000-00000000000{n}")),
                    &json!("2026-07-01T12:00:00Z"),
                    &scan,
                );
                interop::hex_decode("b", out.unwrap().to_json()["bytes"].as_str().unwrap()).unwrap()
            })
            .collect();
        // Third before second, a duplicate of the first, and a tampered copy of the second.
        let mut tampered = recs[1].clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let input = vec![recs[2].clone(), recs[0].clone(), recs[0].clone(), tampered, recs[1].clone()];
        let now = json!("2026-07-01T12:01:00Z");
        let got = verify_chain(&registry, &json!(FESTIVAL), &input, &now, &Value::Null).unwrap();
        let oracle = festival_core::conformance::execute_json(
            "offline.verify_chain",
            &json!({"festival_id": FESTIVAL, "now": now, "devices": [interop::keys_to_snake_case(entry)],
                    "records": input.iter().map(|r| hex_encode(r)).collect::<Vec<_>>()})
            .to_string(),
        )
        .unwrap();
        let oracle: Value = serde_json::from_str(&oracle).unwrap();
        assert_eq!(got, interop::keys_to_camel_case(oracle.clone()), "{oracle}");
        let statuses: Vec<&str> =
            got["checks"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["valid", "valid", "duplicate", "rejected", "valid"]);
        assert_eq!(got["checks"][3]["code"], "OFFLINE_BAD_SIGNATURE");
        // Known chains (the shape Reconciler.chains() gives) and a config carry over.
        let opts = json!({"chains": got["chains"].clone(), "config": {"maxFutureSkewMs": 0, "maxHlcSkewMs": 0}});
        let again = verify_chain(&registry, &json!(FESTIVAL), &recs[..1], &now, &opts).unwrap();
        assert_eq!(again["checks"], json!([{"status": "duplicate"}]));
        let code = |r: Result<Value>| r.unwrap_err().code();
        assert_eq!(
            code(verify_chain(&registry, &json!(FESTIVAL), &[&recs[0][..9]], &now, &Value::Null)),
            "OFFLINE_MALFORMED"
        );
        assert_eq!(code(verify_chain(&registry, &json!("nope"), &recs, &now, &Value::Null)), "INPUT_INVALID");
        assert_eq!(
            code(verify_chain(&registry, &json!(FESTIVAL), &recs, &json!("nope"), &Value::Null)),
            "INPUT_INVALID"
        );
        assert_eq!(code(verify_chain(&registry, &json!(FESTIVAL), &recs, &now, &json!({"x": 1}))), "INPUT_INVALID");
        assert_eq!(code(verify_chain(&registry, &json!(FESTIVAL), &recs, &now, &json!([]))), "INPUT_INVALID");
        let bad_config = json!({"config": {"maxFutureSkewMs": "1", "maxHlcSkewMs": 0}});
        assert_eq!(code(verify_chain(&registry, &json!(FESTIVAL), &recs, &now, &bad_config)), "INPUT_INVALID");
    }
}
