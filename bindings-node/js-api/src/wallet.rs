//! Wallets and NFC tags for JS: a [`WalletHandle`] with one method per operation, balances,
//! serialize / deserialize (replayed and checked), transfers, and a [`TagRegistryHandle`].

use crate::offline::{timestamp_arg, uuid_arg};
use crate::{from_js, invalid, money_arg, object_arg, str_arg, to_js, Result};
use festival_core::wallet::{Entry, Operation, TagRecord, TagRegistry, TagUid, Wallet, WalletConfig};
use serde_json::{json, Map, Value};

/// A wallet held by a JS object.
#[derive(Debug, Clone)]
pub struct WalletHandle(Wallet);

/// The `payment` operation of `pay(...)` (shared by the bindings' argument checks).
fn payment_op(stand_id: &Value, items: &Value, device_id: &Value, catalog_version: &Value) -> Result<Value> {
    for (i, item) in crate::array_arg("items", items)?.iter().enumerate() {
        let o = object_arg(&format!("items[{i}]"), item)?;
        money_arg(&format!("items[{i}].unitPrice"), o.get("unitPrice").unwrap_or(&Value::Null))?;
    }
    let mut op = json!({"kind": "payment", "standId": uuid_arg("standId", stand_id)?.to_string(), "items": items});
    if let Some(d) = opt(device_id) {
        op["deviceId"] = Value::String(uuid_arg("deviceId", d)?.to_string());
    }
    if let Some(v) = opt(catalog_version) {
        op["catalogVersion"] = Value::from(count_arg("catalogVersion", v)?);
    }
    Ok(op)
}

/// A non-negative integer that fits 32 bits (quantities, voucher counts, catalog versions).
fn count_arg(field: &str, v: &Value) -> Result<u32> {
    let n = crate::u64_arg(field, v)?;
    u32::try_from(n).map_err(|_| invalid(field, format!("expected at most {}, got {n}", u32::MAX)))
}

fn opt(v: &Value) -> Option<&Value> {
    if v.is_null() {
        None
    } else {
        Some(v)
    }
}

impl WalletHandle {
    /// `new Wallet(config: WalletConfig)`.
    pub fn new(config: &Value) -> Result<Self> {
        let config: WalletConfig = from_js("config", config)?;
        Ok(WalletHandle(Wallet::new(config)?))
    }

    /// `Wallet.deserialize(state: string)`: rebuilds the wallet by replaying its ledger (after its
    /// compacted base, if any), which detects tampering (the core's `WALLET_*` codes).
    pub fn deserialize(state: &Value) -> Result<Self> {
        Ok(WalletHandle(Wallet::from_json(str_arg("state", state)?)?))
    }

    /// `serialize(): string`: the core's JSON (config + ledger, snake_case, as every binding and
    /// the Rust core store it).
    pub fn serialize(&self) -> Result<String> {
        serde_json::to_string(&self.0).map_err(|e| invalid("wallet", e.to_string()))
    }

    /// The core wallet (e.g. to add it to a reconciliation state).
    pub fn wallet(&self) -> &Wallet {
        &self.0
    }

    /// `id(): string`.
    pub fn id(&self) -> String {
        self.0.id().to_string()
    }

    /// `config(): WalletConfig`.
    pub fn config(&self) -> Result<Value> {
        to_js(self.0.config())
    }

    /// `apply(entry: WalletEntry): WalletOutcome` with `entry = { id, at, operation: { kind, ... } }`.
    pub fn apply(&mut self, entry: &Value) -> Result<Value> {
        let entry: Entry = from_js("entry", entry)?;
        to_js(&self.0.apply(entry)?)
    }

    fn op(&mut self, id: &Value, at: &Value, operation: Value) -> Result<Value> {
        let operation: Operation = from_js("operation", &operation)?;
        let entry = Entry::new(uuid_arg("id", id)?, timestamp_arg("at", at)?, operation);
        to_js(&self.0.apply(entry)?)
    }

    /// `topUp(id, at, amount, method?)`.
    pub fn top_up(&mut self, id: &Value, at: &Value, amount: &Value, method: &Value) -> Result<Value> {
        money_arg("amount", amount)?;
        let mut op = json!({"kind": "top_up", "amount": amount});
        if let Some(m) = opt(method) {
            op["method"] = m.clone();
        }
        self.op(id, at, op)
    }

    /// `creditBonus(id, at, amount, expiresAt?)`.
    pub fn credit_bonus(&mut self, id: &Value, at: &Value, amount: &Value, expires_at: &Value) -> Result<Value> {
        money_arg("amount", amount)?;
        let mut op = json!({"kind": "bonus_credit", "amount": amount});
        if let Some(e) = opt(expires_at) {
            op["expiresAt"] = Value::String(timestamp_arg("expiresAt", e)?.to_string());
        }
        self.op(id, at, op)
    }

    /// `pay(id, at, standId, items, deviceId?, catalogVersion?)`: items may carry `kind`
    /// (`"sale"` default, `"deposit"`, `{ voucher: { voucherType, count } }`); `catalogVersion` is
    /// the version of the catalog the lines were priced with (checked by `applyWithCatalog` and in
    /// reconciliation).
    pub fn pay(
        &mut self,
        id: &Value,
        at: &Value,
        stand_id: &Value,
        items: &Value,
        device_id: &Value,
        catalog_version: &Value,
    ) -> Result<Value> {
        let op = payment_op(stand_id, items, device_id, catalog_version)?;
        self.op(id, at, op)
    }

    /// `depositReturn(id, at, standId, product, quantity, amount, deviceId?)`: a returned cup;
    /// credits `amount` to the refundable balance.
    #[allow(clippy::too_many_arguments)]
    pub fn deposit_return(
        &mut self,
        id: &Value,
        at: &Value,
        stand_id: &Value,
        product: &Value,
        quantity: &Value,
        amount: &Value,
        device_id: &Value,
    ) -> Result<Value> {
        money_arg("amount", amount)?;
        let mut op = json!({"kind": "deposit_return", "standId": uuid_arg("standId", stand_id)?.to_string(),
            "product": str_arg("product", product)?, "quantity": count_arg("quantity", quantity)?, "amount": amount});
        if let Some(d) = opt(device_id) {
            op["deviceId"] = Value::String(uuid_arg("deviceId", d)?.to_string());
        }
        self.op(id, at, op)
    }

    /// `voucherGrant(id, at, voucherType, count)`: grants count-vouchers (not money).
    pub fn voucher_grant(&mut self, id: &Value, at: &Value, voucher_type: &Value, count: &Value) -> Result<Value> {
        let op = json!({"kind": "voucher_grant", "voucherType": str_arg("voucherType", voucher_type)?,
            "count": count_arg("count", count)?});
        self.op(id, at, op)
    }

    /// `voucherRevoke(id, at, voucherType, count)`: takes vouchers back (at most those held).
    pub fn voucher_revoke(&mut self, id: &Value, at: &Value, voucher_type: &Value, count: &Value) -> Result<Value> {
        let op = json!({"kind": "voucher_revoke", "voucherType": str_arg("voucherType", voucher_type)?,
            "count": count_arg("count", count)?});
        self.op(id, at, op)
    }

    /// `applyWithCatalog(entry, catalog)`: [`Wallet::apply_with_catalog`] — a payment must carry
    /// the catalog's version and match its prices, kinds, vouchers and deposits, and pass the
    /// wallet's age class; a deposit return must be a deposit at its price.
    pub fn apply_with_catalog(&mut self, entry: &Value, catalog: &crate::catalog::CatalogHandle) -> Result<Value> {
        object_arg("entry", entry)?;
        let entry: Entry = from_js("entry", entry)?;
        to_js(&self.0.apply_with_catalog(entry, catalog.catalog())?)
    }

    /// `refund(id, at, paymentId, amount, reason?)`.
    pub fn refund(
        &mut self,
        id: &Value,
        at: &Value,
        payment_id: &Value,
        amount: &Value,
        reason: &Value,
    ) -> Result<Value> {
        money_arg("amount", amount)?;
        let mut op =
            json!({"kind": "refund", "paymentId": uuid_arg("paymentId", payment_id)?.to_string(), "amount": amount});
        if let Some(r) = opt(reason) {
            op["reason"] = Value::String(str_arg("reason", r)?.to_string());
        }
        self.op(id, at, op)
    }

    /// `payout(id, at, amount, fee?)`.
    pub fn payout(&mut self, id: &Value, at: &Value, amount: &Value, fee: &Value) -> Result<Value> {
        money_arg("amount", amount)?;
        let mut op = json!({"kind": "payout", "amount": amount});
        if let Some(f) = opt(fee) {
            money_arg("fee", f)?;
            op["fee"] = f.clone();
        }
        self.op(id, at, op)
    }

    /// `adjust(id, at, amount, target, reason)`.
    pub fn adjust(&mut self, id: &Value, at: &Value, amount: &Value, target: &Value, reason: &Value) -> Result<Value> {
        money_arg("amount", amount)?;
        str_arg("target", target)?;
        let op =
            json!({"kind": "adjustment", "amount": amount, "target": target, "reason": str_arg("reason", reason)?});
        self.op(id, at, op)
    }

    /// `expireBonus(id, at)`.
    pub fn expire_bonus(&mut self, id: &Value, at: &Value) -> Result<Value> {
        self.op(id, at, json!({"kind": "expire_bonus"}))
    }

    /// `block(id, at, reason)`.
    pub fn block(&mut self, id: &Value, at: &Value, reason: &Value) -> Result<Value> {
        let op = json!({"kind": "block", "reason": str_arg("reason", reason)?});
        self.op(id, at, op)
    }

    /// `unblock(id, at)`.
    pub fn unblock(&mut self, id: &Value, at: &Value) -> Result<Value> {
        self.op(id, at, json!({"kind": "unblock"}))
    }

    /// `close(id, at)`.
    pub fn close(&mut self, id: &Value, at: &Value) -> Result<Value> {
        self.op(id, at, json!({"kind": "close"}))
    }

    /// `transferTo(to, id, at, amount)`: both sides or neither.
    pub fn transfer_to(&mut self, to: &mut WalletHandle, id: &Value, at: &Value, amount: &Value) -> Result<Value> {
        let outcome = Wallet::transfer(
            &mut self.0,
            &mut to.0,
            uuid_arg("id", id)?,
            timestamp_arg("at", at)?,
            money_arg("amount", amount)?,
        )?;
        to_js(&outcome)
    }

    /// `balances(): Balances`.
    pub fn balances(&self) -> Result<Value> {
        to_js(&self.0.balances())
    }

    /// `spendable(at): Money` (what a payment at `at` could take).
    pub fn spendable(&self, at: &Value) -> Result<Value> {
        Ok(crate::money_out(&self.0.spendable(timestamp_arg("at", at)?)))
    }

    /// `totals(): WalletTotals`.
    pub fn totals(&self) -> Result<Value> {
        to_js(&self.0.totals())
    }

    /// `status(): 'active' | 'blocked' | 'closed'`.
    pub fn status(&self) -> Result<Value> {
        to_js(&self.0.status())
    }

    /// `blockReasons(): BlockReason[]`.
    pub fn block_reasons(&self) -> Result<Value> {
        to_js(&self.0.block_reasons())
    }

    /// `bonusLots(): BonusLot[]`.
    pub fn bonus_lots(&self) -> Result<Value> {
        to_js(&self.0.bonus_lots())
    }

    /// `ledger(): LedgerEntry[]`.
    pub fn ledger(&self) -> Result<Value> {
        to_js(&self.0.ledger())
    }

    /// `postings(): Posting[]`: the double-entry postings of the ledger
    /// ([`festival_core::postings::post_ledger`]).
    pub fn postings(&self) -> Result<Value> {
        to_js(&festival_core::postings::post_ledger(self.0.id(), self.0.ledger())?)
    }

    /// `deposits(): DepositTotals[]`: charged, returned and outstanding per deposit product.
    pub fn deposits(&self) -> Result<Value> {
        to_js(&self.0.deposits())
    }

    /// `vouchers(): VoucherCount[]`: vouchers held now, `[{ voucherType, count }]` by type (a list:
    /// voucher types are data, never object keys).
    pub fn vouchers(&self) -> Value {
        Value::Array(self.0.vouchers().into_iter().map(|(t, n)| json!({"voucherType": t, "count": n})).collect())
    }

    /// `voucherTotals(): VoucherTotals[]`: granted, revoked, redeemed, forfeited and held per type.
    pub fn voucher_totals(&self) -> Result<Value> {
        to_js(&self.0.voucher_totals())
    }
}

/// `trialBalance(currency, postings): TrialBalance`: account balances (debit positive) over
/// postings: `{ currency, balanced, total, accounts: { "<code>": Money }, revenueByStand:
/// [{ standId: string | null, net: Money }] }`. Account codes are kept as the core writes them.
pub fn trial_balance(currency: &Value, postings: &Value) -> Result<Value> {
    use festival_core::postings::{Posting, TrialBalance};
    let currency: festival_core::Currency = str_arg("currency", currency)?.parse()?;
    let postings: Vec<Posting> = from_js("postings", postings)?;
    let books = TrialBalance::from_postings(currency, &postings)?;
    let accounts: Map<String, Value> = books.accounts().map(|(a, m)| (a.code(), crate::money_out(m))).collect();
    let by_stand: Vec<Value> = books
        .revenue_by_stand()
        .into_iter()
        .map(|(s, m)| json!({ "standId": s.map(|s| s.to_string()), "net": crate::money_out(&m) }))
        .collect();
    Ok(json!({
        "currency": currency.to_string(),
        "balanced": books.is_balanced(),
        "total": crate::money_out(&books.total()?),
        "accounts": accounts,
        "revenueByStand": by_stand,
    }))
}

/// NFC wristband tags ↔ wallets.
#[derive(Debug, Clone, Default)]
pub struct TagRegistryHandle(TagRegistry);

fn tag_arg(field: &str, v: &Value) -> Result<TagUid> {
    // Bytes arrive as hex (a Uint8Array is converted to hex by the bindings' walkers).
    let bytes = festival_core::interop::hex_decode(field, str_arg(field, v)?)?;
    Ok(TagUid::from_bytes(&bytes)?)
}

fn record_out(r: &TagRecord) -> Result<Value> {
    to_js(r)
}

impl TagRegistryHandle {
    /// `new TagRegistry()`.
    pub fn new() -> Self {
        TagRegistryHandle(TagRegistry::new())
    }

    /// `TagRegistry.deserialize(state: string)` (the JSON of `serialize()`).
    pub fn deserialize(state: &Value) -> Result<Self> {
        let records: Vec<TagRecord> =
            serde_json::from_str(str_arg("state", state)?).map_err(|e| invalid("state", e.to_string()))?;
        Ok(TagRegistryHandle(TagRegistry::from_records(records)?))
    }

    /// `serialize(): string` (the core's JSON of the records).
    pub fn serialize(&self) -> Result<String> {
        let records: Vec<&TagRecord> = self.0.records().collect();
        serde_json::to_string(&records).map_err(|e| invalid("registry", e.to_string()))
    }

    /// `link(uid, walletId, at): TagRecord`.
    pub fn link(&mut self, uid: &Value, wallet_id: &Value, at: &Value) -> Result<Value> {
        let uid = tag_arg("uid", uid)?;
        record_out(self.0.link(&uid, uuid_arg("walletId", wallet_id)?, timestamp_arg("at", at)?)?)
    }

    /// `reportLost(uid, at): TagRecord`.
    pub fn report_lost(&mut self, uid: &Value, at: &Value) -> Result<Value> {
        let uid = tag_arg("uid", uid)?;
        record_out(self.0.report_lost(&uid, timestamp_arg("at", at)?)?)
    }

    /// `replace(oldUid, newUid, at): TagRecord` (the new tag's record).
    pub fn replace(&mut self, old: &Value, new: &Value, at: &Value) -> Result<Value> {
        let (old, new) = (tag_arg("oldUid", old)?, tag_arg("newUid", new)?);
        record_out(self.0.replace(&old, &new, timestamp_arg("at", at)?)?)
    }

    /// `lookup(uid): string` (the wallet id of an active tag).
    pub fn lookup(&self, uid: &Value) -> Result<String> {
        Ok(self.0.lookup(&tag_arg("uid", uid)?)?.to_string())
    }

    /// `records(): TagRecord[]`.
    pub fn records(&self) -> Result<Value> {
        let records: Vec<&TagRecord> = self.0.records().collect();
        to_js(&records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use festival_core::ErrorCode;

    const W: &str = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    const F: &str = "11111111-2222-4333-8444-555555555555";
    const STAND: &str = "9b2f0c1e-2d3c-4b5a-8e7f-0123456789ab";

    fn id(n: u8) -> Value {
        json!(format!("00000000-0000-4000-8000-0000000000{n:02}"))
    }

    #[test]
    fn wallet_operations_and_round_trip() {
        let mut w = WalletHandle::new(&json!({"id": W, "festivalId": F, "currency": "EUR"})).unwrap();
        let at = json!("2026-07-01T12:00:00Z");
        let eur = |a: &str| json!({"amount": a, "currency": "EUR"});
        w.top_up(&id(1), &at, &eur("20"), &json!("cash")).unwrap();
        w.credit_bonus(&id(2), &at, &eur("5"), &Value::Null).unwrap();
        let items = json!([{"sku": "beer", "quantity": 2, "unitPrice": eur("4.50")}]);
        let out = w.pay(&id(3), &at, &json!(STAND), &items, &Value::Null, &Value::Null).unwrap();
        assert_eq!(out["balances"]["total"], eur("16.00"));
        assert_eq!(out["bonusDelta"], eur("-5.00"));
        assert_eq!(w.balances().unwrap()["refundable"], eur("16.00"));
        let again = w.pay(&id(3), &at, &json!(STAND), &items, &Value::Null, &Value::Null).unwrap();
        assert_eq!(again["replayed"], true);
        let big = json!([{"sku": "vip", "quantity": 1, "unitPrice": eur("100")}]);
        assert_eq!(
            w.pay(&id(4), &at, &json!(STAND), &big, &Value::Null, &Value::Null).unwrap_err().code(),
            "WALLET_INSUFFICIENT_FUNDS"
        );
        let back = WalletHandle::deserialize(&json!(w.serialize().unwrap())).unwrap();
        assert_eq!(back.balances().unwrap(), w.balances().unwrap());
        assert_eq!(w.status().unwrap(), json!("active"));
    }

    #[test]
    fn catalog_operations() {
        let eur = |a: &str| json!({"amount": a, "currency": "EUR"});
        let c = crate::catalog::CatalogHandle::new(&json!({"festivalId": F, "version": 2, "currency": "EUR",
            "products": [
            {"id": "beer", "name": "Beer", "price": eur("5.00"), "vatRate": "19", "minAge": 16, "deposit": "cup"},
            {"id": "cup", "name": "Cup", "price": eur("2.00"), "vatRate": "0", "kind": "deposit"},
            {"id": "soda", "name": "Soda", "price": eur("3.00"), "vatRate": "19",
             "voucherPrice": {"voucherType": "helper_drink", "count": 1}}]}))
        .unwrap();
        let mut w =
            WalletHandle::new(&json!({"id": W, "festivalId": F, "currency": "EUR", "ageClass": "16_17"})).unwrap();
        let at = json!("2026-07-01T12:00:00Z");
        w.top_up(&id(1), &at, &eur("20"), &Value::Null).unwrap();
        w.voucher_grant(&id(2), &at, &json!("helper_drink"), &json!(2)).unwrap();
        let b = c.expand(&json!([{"product": "beer", "quantity": 2}, {"product": "soda", "quantity": 1, "payWithVouchers": true}]), &Value::Null).unwrap();
        let entry = json!({"id": id(3), "at": at, "operation": {"kind": "payment", "standId": STAND,
            "items": b["items"], "catalogVersion": b["catalogVersion"]}});
        let out = w.apply_with_catalog(&entry, &c).unwrap();
        assert_eq!(out["balances"]["total"], eur("6.00"));
        let out =
            w.deposit_return(&id(4), &at, &json!(STAND), &json!("cup"), &json!(1), &eur("2.00"), &Value::Null).unwrap();
        assert_eq!((out["kind"].clone(), out["balances"]["total"].clone()), (json!("deposit_return"), eur("8.00")));
        w.voucher_revoke(&id(5), &at, &json!("helper_drink"), &json!(1)).unwrap();
        assert_eq!(w.vouchers(), json!([]));
        assert_eq!(w.voucher_totals().unwrap()[0]["redeemed"], json!(1));
        assert_eq!(w.deposits().unwrap()[0]["outstandingQuantity"], json!(1));
        let no_version =
            json!({"id": id(6), "at": at, "operation": {"kind": "payment", "standId": STAND, "items": b["items"]}});
        assert_eq!(w.apply_with_catalog(&no_version, &c).unwrap_err().code(), "CATALOG_VERSION_MISMATCH");
        let p = w
            .pay(
                &id(7),
                &at,
                &json!(STAND),
                &json!([{"sku": "x", "quantity": 1, "unitPrice": eur("1")}]),
                &Value::Null,
                &json!(2),
            )
            .unwrap();
        assert_eq!(p["balances"]["total"], eur("7.00"));
        assert_eq!(w.ledger().unwrap()[5]["operation"]["catalogVersion"], json!(2));
        assert_eq!(
            w.pay(&id(8), &at, &json!(STAND), &json!([]), &Value::Null, &json!(-1)).unwrap_err().code(),
            "INPUT_INVALID"
        );
    }

    #[test]
    fn tags() {
        let mut r = TagRegistryHandle::new();
        let at = json!("2026-07-01T12:00:00Z");
        r.link(&json!("04a1b2c3"), &json!(W), &at).unwrap();
        assert_eq!(r.lookup(&json!("04a1b2c3")).unwrap(), W);
        r.replace(&json!("04a1b2c3"), &json!("04a1b2c4"), &at).unwrap();
        assert!(r.lookup(&json!("04a1b2c3")).is_err());
        let back = TagRegistryHandle::deserialize(&json!(r.serialize().unwrap())).unwrap();
        assert_eq!(back.lookup(&json!("04a1b2c4")).unwrap(), W);
        assert_eq!(r.link(&json!("zz"), &json!(W), &at).unwrap_err().code(), "INPUT_INVALID");
    }
}
