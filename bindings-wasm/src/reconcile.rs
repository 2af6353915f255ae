//! Server-side reconciliation (`DeviceRegistry`, `Reconciler`, `ReconcileReport`, `verifyChain`). Conversions
//! live in `festival_js_api::reconcile`; this file only declares the exports (same API as
//! bindings-node).

use crate::device::byte_arrays;
use crate::{js, run, run_plain, to_js, Wallet};
use festival_js_api::reconcile as api;
use std::cell::OnceCell;
use wasm_bindgen::prelude::*;

/// The registered devices (keys checked once): who may sign what, where and when.
#[wasm_bindgen]
pub struct DeviceRegistry {
    inner: api::DeviceRegistryHandle,
}

#[wasm_bindgen]
impl DeviceRegistry {
    /// `new DeviceRegistry(entries)`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "DeviceEntry[]")] entries: JsValue,
    ) -> Result<DeviceRegistry, JsValue> {
        run_plain(|| api::DeviceRegistryHandle::new(&js("entries", &entries)?)).map(|inner| DeviceRegistry { inner })
    }

    /// The entries, ordered by device id.
    #[wasm_bindgen(unchecked_return_type = "DeviceEntry[]")]
    pub fn entries(&self) -> Result<JsValue, JsValue> {
        run(|| self.inner.entries())
    }

    /// One entry, or null.
    #[wasm_bindgen(unchecked_return_type = "DeviceEntry | null")]
    pub fn get(
        &self,
        #[wasm_bindgen(js_name = deviceId, unchecked_param_type = "string")] device_id: JsValue,
    ) -> Result<JsValue, JsValue> {
        run(|| self.inner.get(&js("deviceId", &device_id)?))
    }
}

/// The server's reconciliation state (wallets, tickets, device chains, accepted records), kept
/// between streamed `reconcile` calls.
#[wasm_bindgen]
pub struct Reconciler {
    inner: api::ReconcilerHandle,
}

#[wasm_bindgen]
impl Reconciler {
    /// `new Reconciler({ festivalId, currency })`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ReconcilerConfig")] config: JsValue,
    ) -> Result<Reconciler, JsValue> {
        run_plain(|| api::ReconcilerHandle::new(&js("config", &config)?)).map(|inner| Reconciler { inner })
    }

    /// Rebuilds the state from `serialize()` output (wallets are replayed and checked).
    pub fn deserialize(#[wasm_bindgen(unchecked_param_type = "string")] state: JsValue) -> Result<Reconciler, JsValue> {
        run_plain(|| api::ReconcilerHandle::deserialize(&js("state", &state)?)).map(|inner| Reconciler { inner })
    }

    /// The state as JSON text (the core's storage format).
    pub fn serialize(&self) -> Result<String, JsValue> {
        run_plain(|| self.inner.serialize())
    }

    /// Adds (a copy of) a wallet of this festival and currency.
    #[wasm_bindgen(js_name = addWallet)]
    pub fn add_wallet(&mut self, wallet: &Wallet) -> Result<(), JsValue> {
        let inner = &mut self.inner;
        run_plain(|| inner.add_wallet(wallet.inner.wallet()))
    }

    /// A wallet of the state as JSON text (for `Wallet.deserialize`), or null.
    #[wasm_bindgen(unchecked_return_type = "string | null")]
    pub fn wallet(
        &self,
        #[wasm_bindgen(js_name = walletId, unchecked_param_type = "string")] wallet_id: JsValue,
    ) -> Result<JsValue, JsValue> {
        run(|| self.inner.wallet(&js("walletId", &wallet_id)?))
    }

    /// Balances of every wallet.
    #[wasm_bindgen(unchecked_return_type = "Record<string, Balances>")]
    pub fn balances(&self) -> Result<JsValue, JsValue> {
        run(|| self.inner.balances())
    }

    /// Sum of every wallet's total.
    #[wasm_bindgen(js_name = totalBalance, unchecked_return_type = "Money")]
    pub fn total_balance(&self) -> JsValue {
        to_js(&self.inner.total_balance())
    }

    /// Sets a ticket's admission state.
    #[wasm_bindgen(js_name = setTicket)]
    pub fn set_ticket(
        &mut self,
        #[wasm_bindgen(js_name = ticketId, unchecked_param_type = "string")] ticket_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TicketAdmissionInput")] state: JsValue,
    ) -> Result<(), JsValue> {
        let inner = &mut self.inner;
        run_plain(|| inner.set_ticket(&js("ticketId", &ticket_id)?, &js("state", &state)?))
    }

    /// Sets a check-in policy for the reconciliation of scan facts (zones are offline zone UUIDs).
    #[wasm_bindgen(js_name = setCheckinPolicy)]
    pub fn set_checkin_policy(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "CheckinPolicy")] policy: JsValue,
    ) -> Result<(), JsValue> {
        let inner = &mut self.inner;
        run_plain(|| inner.set_checkin_policy(&js("policy", &policy)?))
    }

    /// Records a revocation list the server published (version, time, revoked tickets), so that
    /// entries admitted with an older list after it was out are `RECONCILE_STALE_REVOCATION_LIST`.
    #[wasm_bindgen(js_name = publishRevocationList)]
    pub fn publish_revocation_list(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number | bigint | string")] version: JsValue,
        #[wasm_bindgen(js_name = publishedAt, unchecked_param_type = "TimestampInput")] published_at: JsValue,
        #[wasm_bindgen(js_name = revokedTickets, unchecked_param_type = "string[]")] revoked_tickets: JsValue,
    ) -> Result<(), JsValue> {
        let inner = &mut self.inner;
        run_plain(|| {
            inner.publish_revocation_list(
                &js("version", &version)?,
                &js("publishedAt", &published_at)?,
                &js("revokedTickets", &revoked_tickets)?,
            )
        })
    }

    /// Publishes a product catalog: catalog payments of its version are checked against it
    /// (`CATALOG_PRICE_MISMATCH` for a tampered price); those that waited for it
    /// (`RECONCILE_UNKNOWN_CATALOG`) are decided by the next `reconcile`, as revisions.
    #[wasm_bindgen(js_name = publishCatalog)]
    pub fn publish_catalog(&mut self, catalog: &crate::ticketing::Catalog) -> Result<(), JsValue> {
        let inner = &mut self.inner;
        run_plain(|| inner.publish_catalog(&catalog.inner))
    }

    /// The versions of the published catalogs, ascending.
    #[wasm_bindgen(js_name = catalogVersions, unchecked_return_type = "number[]")]
    pub fn catalog_versions(&self) -> Result<JsValue, JsValue> {
        run(|| Ok(self.inner.catalog_versions()))
    }

    /// Ticket admission states.
    #[wasm_bindgen(unchecked_return_type = "Record<string, TicketAdmission>")]
    pub fn tickets(&self) -> Result<JsValue, JsValue> {
        run(|| self.inner.tickets())
    }

    /// Where each device's log stands.
    #[wasm_bindgen(unchecked_return_type = "Record<string, DeviceChain>")]
    pub fn chains(&self) -> Result<JsValue, JsValue> {
        run(|| self.inner.chains())
    }

    /// Declares a device's records after its last chained sequence up to `through` lost (an
    /// explicit, recorded operator decision); its later records are then processed by the next
    /// `reconcile` (pending ones too: call it with no batches).
    #[wasm_bindgen(js_name = declareLost, unchecked_return_type = "LostRange")]
    pub fn declare_lost(
        &mut self,
        #[wasm_bindgen(js_name = deviceId, unchecked_param_type = "string")] device_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint | string")] through: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] reason: JsValue,
        #[wasm_bindgen(js_name = decidedAt, unchecked_param_type = "TimestampInput")] decided_at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| {
            inner.declare_lost(
                &js("deviceId", &device_id)?,
                &js("through", &through)?,
                &js("reason", &reason)?,
                &js("decidedAt", &decided_at)?,
            )
        })
    }

    /// Revokes a device by sequence: its records after the last sequence the server has now are
    /// rejected (`OFFLINE_DEVICE_REVOKED`) whatever their dates.
    #[wasm_bindgen(js_name = revokeDevice, unchecked_return_type = "RevocationCut")]
    pub fn revoke_device(
        &mut self,
        #[wasm_bindgen(js_name = deviceId, unchecked_param_type = "string")] device_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] reason: JsValue,
        #[wasm_bindgen(js_name = revokedAt, unchecked_param_type = "TimestampInput")] revoked_at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| inner.revoke_device(&js("deviceId", &device_id)?, &js("reason", &reason)?, &js("revokedAt", &revoked_at)?))
    }

    /// The server-signed acknowledgement of the device's log after a sync (for
    /// `DeviceLog.acceptAck`).
    pub fn acknowledge(
        &mut self,
        registry: &DeviceRegistry,
        #[wasm_bindgen(js_name = deviceId, unchecked_param_type = "string")] device_id: JsValue,
        #[wasm_bindgen(js_name = serverTime, unchecked_param_type = "TimestampInput")] server_time: JsValue,
        #[wasm_bindgen(js_name = serverSeed, unchecked_param_type = "Uint8Array")] server_seed: JsValue,
    ) -> Result<Vec<u8>, JsValue> {
        let inner = &mut self.inner;
        run_plain(|| {
            inner.acknowledge(&registry.inner, &js("deviceId", &device_id)?, &js("serverTime", &server_time)?, &crate::bytes("serverSeed", &server_seed)?)
        })
    }

    /// Signs and records an offline allowance (for `DeviceLog.installAllowance`).
    #[wasm_bindgen(js_name = issueAllowance)]
    pub fn issue_allowance(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Allowance")] allowance: JsValue,
        #[wasm_bindgen(js_name = serverSeed, unchecked_param_type = "Uint8Array")] server_seed: JsValue,
    ) -> Result<Vec<u8>, JsValue> {
        let inner = &mut self.inner;
        run_plain(|| inner.issue_allowance(&js("allowance", &allowance)?, &crate::bytes("serverSeed", &server_seed)?))
    }

    /// The double-spend loss so far and the most it can become under the issued allowances.
    #[wasm_bindgen(unchecked_return_type = "ExposureReport")]
    pub fn exposure(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ConflictPolicy | null | undefined")] policy: JsValue,
    ) -> Result<JsValue, JsValue> {
        run(|| self.inner.exposure(&js("policy", &policy)?))
    }

    /// The finality watermark (records before it are final, never revised), or null.
    #[wasm_bindgen(unchecked_return_type = "string | null")]
    pub fn watermark(&self) -> JsValue {
        to_js(&self.inner.watermark())
    }

    /// The current outcome of a non-final record, or null (final, pending or unknown).
    #[wasm_bindgen(unchecked_return_type = "RecordOutcome | null")]
    pub fn outcome(
        &self,
        #[wasm_bindgen(js_name = recordId, unchecked_param_type = "string")] record_id: JsValue,
    ) -> Result<JsValue, JsValue> {
        run(|| self.inner.outcome(&js("recordId", &record_id)?))
    }

    /// The current outcomes of every non-final record, in the total order (they may be revised).
    #[wasm_bindgen(unchecked_return_type = "RecordOutcome[]")]
    pub fn outcomes(&self) -> JsValue {
        to_js(&self.inner.outcomes())
    }

    /// The records that wait (`status: 'pending'`, `reason` = what they wait for).
    #[wasm_bindgen(unchecked_return_type = "RecordOutcome[]")]
    pub fn pending(&self) -> JsValue {
        to_js(&self.inner.pending())
    }

    /// Reconciles encoded batches (any order, duplicates allowed) into the state. The report
    /// converts its parts only when they are read.
    pub fn reconcile(
        &mut self,
        registry: &DeviceRegistry,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] batches: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ReconcileConfig | null | undefined")] config: JsValue,
    ) -> Result<ReconcileReport, JsValue> {
        let inner = &mut self.inner;
        run_plain(|| {
            let batches = byte_arrays("batches", &batches)?;
            inner.reconcile(&registry.inner, &batches, &js("now", &now)?, &js("config", &config)?)
        })
        .map(|inner| ReconcileReport { inner, records: OnceCell::new() })
    }
}

/// Verifies signed records (any order, any devices) against the registry and the known chains:
/// signature, sequence, hash chain, forks, replays, clock skew, the registry's policy. One check
/// per record, in input order, and the chains after the records that extended them.
#[wasm_bindgen(js_name = verifyChain, unchecked_return_type = "ChainReport")]
pub fn verify_chain(
    registry: &DeviceRegistry,
    #[wasm_bindgen(js_name = festivalId, unchecked_param_type = "string")] festival_id: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] records: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
    #[wasm_bindgen(unchecked_param_type = "VerifyChainOptions | null | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| {
        let records = byte_arrays("records", &records)?;
        api::verify_chain(
            &registry.inner,
            &js("festivalId", &festival_id)?,
            &records,
            &js("now", &now)?,
            &js("options", &options)?,
        )
    })
}

/// The report of one `reconcile` call (deterministic for any order or duplication of batches).
/// The small parts are getters converted on each read; `records` (one object per record) is built
/// on first read and kept; `toJSON()` is the whole report as plain data. `free()` releases it.
#[wasm_bindgen]
pub struct ReconcileReport {
    inner: api::ReconcileReportHandle,
    records: OnceCell<JsValue>,
}

#[wasm_bindgen]
impl ReconcileReport {
    /// Counts per status.
    #[wasm_bindgen(getter, unchecked_return_type = "ReconcileCounts")]
    pub fn counts(&self) -> JsValue {
        to_js(&self.inner.counts())
    }

    /// Alerts, sorted, without repeats.
    #[wasm_bindgen(getter, unchecked_return_type = "ReconcileAlert[]")]
    pub fn alerts(&self) -> Result<JsValue, JsValue> {
        run(|| self.inner.alerts())
    }

    /// Balances of every wallet after the call.
    #[wasm_bindgen(getter, unchecked_return_type = "Record<string, Balances>")]
    pub fn balances(&self) -> Result<JsValue, JsValue> {
        run(|| self.inner.balances())
    }

    /// Wallets with debt, and the debt.
    #[wasm_bindgen(getter, unchecked_return_type = "Record<string, Money>")]
    pub fn debts(&self) -> JsValue {
        to_js(&self.inner.debts())
    }

    /// Wallets that are blocked after the call.
    #[wasm_bindgen(getter = blockedWallets, unchecked_return_type = "string[]")]
    pub fn blocked_wallets(&self) -> JsValue {
        to_js(&self.inner.blocked_wallets())
    }

    /// Money moved in this call (revisions included).
    #[wasm_bindgen(getter, unchecked_return_type = "ReconcileTotals")]
    pub fn totals(&self) -> JsValue {
        to_js(&self.inner.totals())
    }

    /// Earlier outcomes this call changed (nothing changes silently).
    #[wasm_bindgen(getter, unchecked_return_type = "Revision[]")]
    pub fn revisions(&self) -> Result<JsValue, JsValue> {
        run(|| self.inner.revisions())
    }

    /// The finality watermark after the call, or null.
    #[wasm_bindgen(getter, unchecked_return_type = "string | null")]
    pub fn watermark(&self) -> JsValue {
        to_js(&self.inner.watermark())
    }

    /// Records that became final in this call.
    #[wasm_bindgen(getter, unchecked_return_type = "number")]
    pub fn finalized(&self) -> JsValue {
        to_js(&serde_json::Value::from(self.inner.finalized()))
    }

    /// Records waiting in the state after the call.
    #[wasm_bindgen(getter = pendingTotal, unchecked_return_type = "number")]
    pub fn pending_total(&self) -> JsValue {
        to_js(&serde_json::Value::from(self.inner.pending_total()))
    }

    /// Scan facts decided in this call: the gate's decision, the server's, `admittedInError`.
    #[wasm_bindgen(getter, unchecked_return_type = "ScanFactOutcome[]")]
    pub fn scans(&self) -> Result<JsValue, JsValue> {
        run(|| self.inner.scans())
    }

    /// How many outcomes `records` has (without building them).
    #[wasm_bindgen(getter = recordCount)]
    pub fn record_count(&self) -> u32 {
        u32::try_from(self.inner.record_count()).unwrap_or(u32::MAX)
    }

    /// One outcome (in `records` order), or null past the end; builds no other.
    #[wasm_bindgen(js_name = recordAt, unchecked_return_type = "RecordOutcome | null")]
    pub fn record_at(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] index: JsValue,
    ) -> Result<JsValue, JsValue> {
        run(|| self.inner.record_at(&js("index", &index)?))
    }

    /// One outcome per distinct record (and per malformed batch), ordered by device, sequence and
    /// hash. Built on first read, then kept (the same array on every read).
    #[wasm_bindgen(getter, unchecked_return_type = "RecordOutcome[]")]
    pub fn records(&self) -> JsValue {
        self.records.get_or_init(|| to_js(&self.inner.records())).clone()
    }

    /// The whole report as plain data (what `JSON.stringify(report)` writes).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "ReconcileReportJson")]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        run(|| self.inner.to_json())
    }
}
