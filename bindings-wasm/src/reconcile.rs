//! Server-side reconciliation (`DeviceRegistry`, `Reconciler`). Conversions live in
//! `festival_js_api::reconcile`; this file only declares the exports (same API as bindings-node).

use crate::device::byte_arrays;
use crate::{js, run, run_plain, to_js, Wallet};
use festival_js_api::reconcile as api;
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

    /// Reconciles encoded batches (any order, duplicates allowed) into the state.
    #[wasm_bindgen(unchecked_return_type = "ReconcileReport")]
    pub fn reconcile(
        &mut self,
        registry: &DeviceRegistry,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array[]")] batches: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ReconcileConfig | null | undefined")] config: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| {
            let batches = byte_arrays("batches", &batches)?;
            inner.reconcile(&registry.inner, &batches, &js("now", &now)?, &js("config", &config)?)
        })
    }
}
