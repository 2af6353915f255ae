//! Server-side reconciliation (`DeviceRegistry`, `Reconciler`). Conversions live in
//! `festival_js_api::reconcile`; this file only declares the exports.

use crate::device::byte_arrays;
use crate::{js, run, run_json, Json, Wallet};
use festival_js_api::reconcile as api;
use napi::{Env, Unknown};
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

    /// Reconciles encoded batches (any order, duplicates allowed) into the state.
    #[napi(
        ts_args_type = "registry: DeviceRegistry, batches: Uint8Array[], now: TimestampInput, config?: ReconcileConfig | null",
        ts_return_type = "ReconcileReport"
    )]
    pub fn reconcile(
        &mut self,
        env: Env,
        registry: &DeviceRegistry,
        batches: Unknown<'_>,
        now: Unknown<'_>,
        config: Unknown<'_>,
    ) -> napi::Result<Json> {
        let inner = &mut self.inner;
        run_json(&env, || {
            let arrays = byte_arrays("batches", batches)?;
            let slices: Vec<&[u8]> = arrays.iter().map(|a| a.as_ref()).collect();
            inner.reconcile(&registry.inner, &slices, &js("now", now)?, &js("config", config)?)
        })
    }
}
