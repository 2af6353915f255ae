//! Server-side reconciliation (`DeviceRegistry`, `Reconciler`, `ReconcileReport`, `verifyChain`). Conversions
//! live in `festival_js_api::reconcile`; this file only declares the exports.

use crate::device::byte_arrays;
use crate::{js, json_to_js, run, run_json, Json, Wallet};
use festival_js_api::reconcile as api;
use napi::bindgen_prelude::{JsObjectValue, Object, This, ToNapiValue, TypeName, Uint8Array};
use napi::{Env, JsValue, Property, PropertyAttributes, Unknown, ValueType};
use napi_derive::napi;
use serde_json::Value;

/// The registered devices (keys checked once): who may sign what, where and when.
#[napi]
pub struct DeviceRegistry {
    inner: api::DeviceRegistryHandle,
}

#[napi]
impl DeviceRegistry {
    /// `new DeviceRegistry(entries)`.
    #[napi(constructor, ts_args_type = "entries: DeviceEntry[]")]
    pub fn new(env: Env, entries: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || api::DeviceRegistryHandle::new(&js("entries", entries)?)).map(|inner| DeviceRegistry { inner })
    }

    /// The entries, ordered by device id.
    #[napi(ts_return_type = "DeviceEntry[]")]
    pub fn entries(&self, env: Env) -> napi::Result<Json> {
        run_json(&env, || self.inner.entries())
    }

    /// One entry, or null.
    #[napi(ts_args_type = "deviceId: string", ts_return_type = "DeviceEntry | null")]
    pub fn get(&self, env: Env, device_id: Unknown<'_>) -> napi::Result<Json> {
        run_json(&env, || self.inner.get(&js("deviceId", device_id)?))
    }
}

/// The server's reconciliation state (wallets, tickets, device chains, accepted records), kept
/// between streamed `reconcile` calls.
#[napi]
pub struct Reconciler {
    inner: api::ReconcilerHandle,
}

#[napi]
impl Reconciler {
    /// `new Reconciler({ festivalId, currency })`.
    #[napi(constructor, ts_args_type = "config: ReconcilerConfig")]
    pub fn new(env: Env, config: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || api::ReconcilerHandle::new(&js("config", config)?)).map(|inner| Reconciler { inner })
    }

    /// Rebuilds the state from `serialize()` output (wallets are replayed and checked).
    #[napi(factory, ts_args_type = "state: string")]
    pub fn deserialize(env: Env, state: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || api::ReconcilerHandle::deserialize(&js("state", state)?)).map(|inner| Reconciler { inner })
    }

    /// The state as JSON text (the core's storage format).
    #[napi]
    pub fn serialize(&self, env: Env) -> napi::Result<String> {
        run(&env, || self.inner.serialize())
    }

    /// Adds (a copy of) a wallet of this festival and currency.
    #[napi]
    pub fn add_wallet(&mut self, env: Env, wallet: &Wallet) -> napi::Result<()> {
        let inner = &mut self.inner;
        let w = wallet.inner.borrow();
        run(&env, || inner.add_wallet(w.wallet()))
    }

    /// A wallet of the state as JSON text (for `Wallet.deserialize`), or null.
    #[napi(ts_args_type = "walletId: string", ts_return_type = "string | null")]
    pub fn wallet(&self, env: Env, wallet_id: Unknown<'_>) -> napi::Result<Json> {
        run_json(&env, || self.inner.wallet(&js("walletId", wallet_id)?))
    }

    /// Balances of every wallet.
    #[napi(ts_return_type = "Record<string, Balances>")]
    pub fn balances(&self, env: Env) -> napi::Result<Json> {
        run_json(&env, || self.inner.balances())
    }

    /// Sum of every wallet's total.
    #[napi(ts_return_type = "Money")]
    pub fn total_balance(&self) -> Value {
        self.inner.total_balance()
    }

    /// Sets a ticket's admission state.
    #[napi(ts_args_type = "ticketId: string, state: TicketAdmissionInput")]
    pub fn set_ticket(&mut self, env: Env, ticket_id: Unknown<'_>, state: Unknown<'_>) -> napi::Result<()> {
        let inner = &mut self.inner;
        run(&env, || inner.set_ticket(&js("ticketId", ticket_id)?, &js("state", state)?))
    }

    /// Sets a check-in policy for the reconciliation of scan facts (zones are offline zone UUIDs).
    #[napi(ts_args_type = "policy: CheckinPolicy")]
    pub fn set_checkin_policy(&mut self, env: Env, policy: Unknown<'_>) -> napi::Result<()> {
        let inner = &mut self.inner;
        run(&env, || inner.set_checkin_policy(&js("policy", policy)?))
    }

    /// Records a revocation list the server published (version, time, revoked tickets), so that
    /// entries admitted with an older list after it was out are `RECONCILE_STALE_REVOCATION_LIST`.
    #[napi(ts_args_type = "version: number | bigint | string, publishedAt: TimestampInput, revokedTickets: string[]")]
    pub fn publish_revocation_list(
        &mut self,
        env: Env,
        version: Unknown<'_>,
        published_at: Unknown<'_>,
        revoked_tickets: Unknown<'_>,
    ) -> napi::Result<()> {
        let inner = &mut self.inner;
        run(&env, || {
            inner.publish_revocation_list(
                &js("version", version)?,
                &js("publishedAt", published_at)?,
                &js("revokedTickets", revoked_tickets)?,
            )
        })
    }

    /// Publishes a product catalog: catalog payments of its version are checked against it
    /// (`CATALOG_PRICE_MISMATCH` for a tampered price); those that waited for it
    /// (`RECONCILE_UNKNOWN_CATALOG`) are decided by the next `reconcile`, as revisions.
    #[napi(ts_args_type = "catalog: Catalog")]
    pub fn publish_catalog(&mut self, env: Env, catalog: &crate::ticketing::Catalog) -> napi::Result<()> {
        let inner = &mut self.inner;
        run(&env, || {
            let c = crate::get("catalog", &catalog.inner)?;
            inner.publish_catalog(&c)
        })
    }

    /// The versions of the published catalogs, ascending.
    #[napi(ts_return_type = "number[]")]
    pub fn catalog_versions(&self) -> Json {
        Json(self.inner.catalog_versions())
    }

    /// Ticket admission states.
    #[napi(ts_return_type = "Record<string, TicketAdmission>")]
    pub fn tickets(&self, env: Env) -> napi::Result<Json> {
        run_json(&env, || self.inner.tickets())
    }

    /// Where each device's log stands.
    #[napi(ts_return_type = "Record<string, DeviceChain>")]
    pub fn chains(&self, env: Env) -> napi::Result<Json> {
        run_json(&env, || self.inner.chains())
    }

    /// Declares a device's records after its last chained sequence up to `through` lost (an
    /// explicit, recorded operator decision); its later records are then processed by the next
    /// `reconcile` (pending ones too: call it with no batches).
    #[napi(
        ts_args_type = "deviceId: string, through: number | bigint | string, reason: string, decidedAt: TimestampInput",
        ts_return_type = "LostRange"
    )]
    pub fn declare_lost(
        &mut self,
        env: Env,
        device_id: Unknown<'_>,
        through: Unknown<'_>,
        reason: Unknown<'_>,
        decided_at: Unknown<'_>,
    ) -> napi::Result<Json> {
        let inner = &mut self.inner;
        run_json(&env, || {
            inner.declare_lost(
                &js("deviceId", device_id)?,
                &js("through", through)?,
                &js("reason", reason)?,
                &js("decidedAt", decided_at)?,
            )
        })
    }

    /// Revokes a device by sequence: its records after the last sequence the server has now are
    /// rejected (`OFFLINE_DEVICE_REVOKED`) whatever their dates.
    #[napi(ts_args_type = "deviceId: string, reason: string, revokedAt: TimestampInput", ts_return_type = "RevocationCut")]
    pub fn revoke_device(
        &mut self,
        env: Env,
        device_id: Unknown<'_>,
        reason: Unknown<'_>,
        revoked_at: Unknown<'_>,
    ) -> napi::Result<Json> {
        let inner = &mut self.inner;
        run_json(&env, || {
            inner.revoke_device(&js("deviceId", device_id)?, &js("reason", reason)?, &js("revokedAt", revoked_at)?)
        })
    }

    /// The server-signed acknowledgement of the device's log after a sync (for
    /// `DeviceLog.acceptAck`).
    #[napi(ts_args_type = "registry: DeviceRegistry, deviceId: string, serverTime: TimestampInput, serverSeed: Uint8Array")]
    pub fn acknowledge(
        &mut self,
        env: Env,
        registry: &DeviceRegistry,
        device_id: Unknown<'_>,
        server_time: Unknown<'_>,
        server_seed: Unknown<'_>,
    ) -> napi::Result<Uint8Array> {
        let inner = &mut self.inner;
        run(&env, || {
            inner.acknowledge(&registry.inner, &js("deviceId", device_id)?, &js("serverTime", server_time)?, &crate::bytes("serverSeed", server_seed)?)
        })
        .map(Uint8Array::from)
    }

    /// Signs and records an offline allowance (for `DeviceLog.installAllowance`).
    #[napi(ts_args_type = "allowance: Allowance, serverSeed: Uint8Array")]
    pub fn issue_allowance(&mut self, env: Env, allowance: Unknown<'_>, server_seed: Unknown<'_>) -> napi::Result<Uint8Array> {
        let inner = &mut self.inner;
        run(&env, || inner.issue_allowance(&js("allowance", allowance)?, &crate::bytes("serverSeed", server_seed)?)).map(Uint8Array::from)
    }

    /// The double-spend loss so far and the most it can become under the issued allowances.
    #[napi(ts_args_type = "policy?: ConflictPolicy | null", ts_return_type = "ExposureReport")]
    pub fn exposure(&self, env: Env, policy: Unknown<'_>) -> napi::Result<Json> {
        run_json(&env, || self.inner.exposure(&js("policy", policy)?))
    }

    /// The finality watermark (records before it are final, never revised), or null.
    #[napi(ts_return_type = "string | null")]
    pub fn watermark(&self) -> Json {
        Json(self.inner.watermark())
    }

    /// The current outcome of a non-final record, or null (final, pending or unknown).
    #[napi(ts_args_type = "recordId: string", ts_return_type = "RecordOutcome | null")]
    pub fn outcome(&self, env: Env, record_id: Unknown<'_>) -> napi::Result<Json> {
        run_json(&env, || self.inner.outcome(&js("recordId", record_id)?))
    }

    /// The current outcomes of every non-final record, in the total order (they may be revised).
    #[napi(ts_return_type = "RecordOutcome[]")]
    pub fn outcomes(&self) -> Json {
        Json(self.inner.outcomes())
    }

    /// The records that wait (`status: 'pending'`, `reason` = what they wait for).
    #[napi(ts_return_type = "RecordOutcome[]")]
    pub fn pending(&self) -> Json {
        Json(self.inner.pending())
    }

    /// Reconciles encoded batches (any order, duplicates allowed) into the state. The report
    /// converts its parts only when they are read.
    #[napi(
        ts_args_type = "registry: DeviceRegistry, batches: Uint8Array[], now: TimestampInput, config?: ReconcileConfig | null"
    )]
    pub fn reconcile(
        &mut self,
        env: Env,
        registry: &DeviceRegistry,
        batches: Unknown<'_>,
        now: Unknown<'_>,
        config: Unknown<'_>,
    ) -> napi::Result<ReconcileReport> {
        let inner = &mut self.inner;
        run(&env, || {
            let arrays = byte_arrays("batches", batches)?;
            let slices: Vec<&[u8]> = arrays.iter().map(|a| a.as_ref()).collect();
            inner.reconcile(&registry.inner, &slices, &js("now", now)?, &js("config", config)?)
        })
        .map(|inner| ReconcileReport { inner })
    }
}

/// Verifies signed records (any order, any devices) against the registry and the known chains:
/// signature, sequence, hash chain, forks, replays, clock skew, the registry's policy. One check
/// per record, in input order, and the chains after the records that extended them.
#[napi(
    ts_args_type = "registry: DeviceRegistry, festivalId: string, records: Uint8Array[], now: TimestampInput, options?: VerifyChainOptions | null",
    ts_return_type = "ChainReport"
)]
pub fn verify_chain(
    env: Env,
    registry: &DeviceRegistry,
    festival_id: Unknown<'_>,
    records: Unknown<'_>,
    now: Unknown<'_>,
    options: Unknown<'_>,
) -> napi::Result<Json> {
    run_json(&env, || {
        let arrays = byte_arrays("records", records)?;
        let slices: Vec<&[u8]> = arrays.iter().map(|a| a.as_ref()).collect();
        api::verify_chain(
            &registry.inner,
            &js("festivalId", festival_id)?,
            &slices,
            &js("now", now)?,
            &js("options", options)?,
        )
    })
}

/// The report of one `reconcile` call (deterministic for any order or duplication of batches).
/// The small parts are getters converted on each read; `records` (one object per record) is built
/// on first read and kept; `toJSON()` is the whole report as plain data.
#[napi]
pub struct ReconcileReport {
    inner: api::ReconcileReportHandle,
}

#[napi]
impl ReconcileReport {
    /// Counts per status.
    #[napi(getter, ts_return_type = "ReconcileCounts")]
    pub fn counts(&self) -> Json {
        Json(self.inner.counts())
    }

    /// Alerts, sorted, without repeats.
    #[napi(getter, ts_return_type = "ReconcileAlert[]")]
    pub fn alerts(&self, env: Env) -> napi::Result<Json> {
        run_json(&env, || self.inner.alerts())
    }

    /// Balances of every wallet after the call.
    #[napi(getter, ts_return_type = "Record<string, Balances>")]
    pub fn balances(&self, env: Env) -> napi::Result<Json> {
        run_json(&env, || self.inner.balances())
    }

    /// Wallets with debt, and the debt.
    #[napi(getter, ts_return_type = "Record<string, Money>")]
    pub fn debts(&self) -> Json {
        Json(self.inner.debts())
    }

    /// Wallets that are blocked after the call.
    #[napi(getter, ts_return_type = "string[]")]
    pub fn blocked_wallets(&self) -> Json {
        Json(self.inner.blocked_wallets())
    }

    /// Money moved in this call (revisions included).
    #[napi(getter, ts_return_type = "ReconcileTotals")]
    pub fn totals(&self) -> Json {
        Json(self.inner.totals())
    }

    /// Earlier outcomes this call changed (nothing changes silently).
    #[napi(getter, ts_return_type = "Revision[]")]
    pub fn revisions(&self, env: Env) -> napi::Result<Json> {
        run_json(&env, || self.inner.revisions())
    }

    /// The finality watermark after the call, or null.
    #[napi(getter, ts_return_type = "string | null")]
    pub fn watermark(&self) -> Json {
        Json(self.inner.watermark())
    }

    /// Records that became final in this call.
    #[napi(getter, ts_return_type = "number")]
    pub fn finalized(&self) -> Json {
        Json(Value::from(self.inner.finalized()))
    }

    /// Records waiting in the state after the call.
    #[napi(getter, ts_return_type = "number")]
    pub fn pending_total(&self) -> Json {
        Json(Value::from(self.inner.pending_total()))
    }

    /// Scan facts decided in this call: the gate's decision, the server's, `admittedInError`.
    #[napi(getter, ts_return_type = "ScanFactOutcome[]")]
    pub fn scans(&self, env: Env) -> napi::Result<Json> {
        run_json(&env, || self.inner.scans())
    }

    /// How many outcomes `records` has (without building them).
    #[napi(getter)]
    pub fn record_count(&self) -> u32 {
        u32::try_from(self.inner.record_count()).unwrap_or(u32::MAX)
    }

    /// One outcome (in `records` order), or null past the end; builds no other.
    #[napi(ts_args_type = "index: number", ts_return_type = "RecordOutcome | null")]
    pub fn record_at(&self, env: Env, index: Unknown<'_>) -> napi::Result<Json> {
        run_json(&env, || self.inner.record_at(&js("index", index)?))
    }

    /// One outcome per distinct record (and per malformed batch), ordered by device, sequence and
    /// hash. Built on first read, then kept as an own (non-enumerable) property of the report.
    #[napi(getter, ts_return_type = "RecordOutcome[]")]
    pub fn records(&self, env: Env, mut this: This<Object>) -> napi::Result<RawJs> {
        let records = json_to_js(&env, self.inner.records(), 0)?;
        this.define_properties(&[Property::new()
            .with_utf8_name("records")?
            .with_value(&records)
            .with_property_attributes(PropertyAttributes::Configurable)])?;
        Ok(RawJs(records.raw()))
    }

    /// The whole report as plain data (what `JSON.stringify(report)` writes).
    #[napi(js_name = "toJSON", ts_return_type = "ReconcileReportJson")]
    pub fn to_json(&self, env: Env) -> napi::Result<Json> {
        run_json(&env, || self.inner.to_json())
    }
}

/// A JS value already created in the current call's scope.
pub struct RawJs(napi::sys::napi_value);

impl TypeName for RawJs {
    fn type_name() -> &'static str {
        "unknown"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ToNapiValue for RawJs {
    unsafe fn to_napi_value(_env: napi::sys::napi_env, val: Self) -> napi::Result<napi::sys::napi_value> {
        Ok(val.0)
    }
}
