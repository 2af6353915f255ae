//! `wallet.*` and `tag.*` conformance operations: scenarios of wallet and NFC tag operations.
//!
//! Conventions: snake_case keys, money as `{"amount": "<decimal>", "currency": "<code>"}`, ids as
//! UUID strings, times as RFC 3339 strings, tag UIDs as hex.
//!
//! ## `wallet.run`
//! Input:
//! ```json
//! {
//!   "wallet": {"id": "...", "festival_id": "...", "currency": "EUR",
//!              "spend_order": "bonus_first", "limits": {"max_balance": {...},
//!              "max_single_payment": {...}, "max_daily_spend": {...}}},
//!   "other_wallet": { ...same shape, optional: the second wallet for transfers... },
//!   "operations": [
//!     {"id": "...", "at": "2026-07-04T12:00:00Z", "kind": "top_up", "amount": {...}, "method": "cash"},
//!     {"id": "...", "at": "...", "kind": "payment", "stand_id": "...", "device_id": "...",
//!      "items": [{"sku": "beer", "quantity": 2, "unit_price": {...}}], "allow_debt": false},
//!     {"id": "...", "at": "...", "kind": "transfer", "direction": "to_other", "amount": {...}},
//!     {"wallet": "other", "id": "...", "at": "...", "kind": "top_up", "amount": {...}}
//!   ]
//! }
//! ```
//! Operation kinds are those of `wallet::Operation` (`top_up`, `bonus_credit`, `payment`, `refund`,
//! `payout`, `adjustment`, `expire_bonus`, `block`, `unblock`, `close`) with their fields, plus
//! `transfer` (`direction`: `to_other` or `from_other`, `amount`). `"wallet": "other"` applies an
//! operation to the second wallet (default `"main"`). Also `deposit_return`, `voucher_grant`,
//! `voucher_revoke`, and payment lines with `"kind": "deposit"` or `{"voucher": {...}}`. With an
//! optional `"catalog"` (a product catalog), payments and deposit returns go through
//! `Wallet::apply_with_catalog` (prices, version, deposits, vouchers, age class checked).
//!
//! Output: `{"results": [...], "wallet": {...}, "other_wallet": {...}}` where each result is
//! `{"ok": <outcome>}` (outcome: `entry_id`, `replayed`, `kind`, `refundable_delta`,
//! `bonus_delta`, `debt_delta`, `balances`, `status`; a transfer gives `{"ok": {"from": <outcome>,
//! "to": <outcome>}}`) or `{"error": "<CODE>", "details": {...}}` (a malformed operation is
//! `INPUT_INVALID` with only `field` in its details). Each wallet summary is `{"balances":
//! {"refundable", "bonus", "debt", "total"}, "totals": <WalletTotals>, "status", "block_reasons",
//! "bonus_lots": [{"lot_id", "expires_at", "remaining"}], "entries"}`, plus `"vouchers"` (per type:
//! granted, revoked, redeemed, forfeited, balance) and `"deposits"` (per deposit product: charged,
//! returned, outstanding) when the wallet has any. Before answering,
//! each wallet is serialized and read back (which replays its ledger) and must be identical.
//!
//! ## `wallet.postings`
//! Input as `wallet.run`. Runs the operations (failing ones change nothing and post nothing),
//! then posts both wallets' ledgers ([`crate::postings::post_ledger`], main wallet first) and
//! answers `{"postings": [{"entry_id", "wallet_id", "at", "kind", "legs": [{"account": "<code>",
//! "amount": <money>}]}], "trial_balance": {"currency", "balanced", "accounts": {"<code>":
//! "<signed decimal>"}}}` (debit positive).
//!
//! ## `wallet.replay`
//! Input `{"config": <wallet config>, "ledger": [<ledger entries>]}` (the serialized form of a
//! wallet); output the wallet summary, or `WALLET_LEDGER_CORRUPT` if the ledger does not replay.
//!
//! ## `tag.run`
//! Input `{"operations": [...]}` with `{"op": "link", "uid", "wallet_id", "at"}`,
//! `{"op": "report_lost", "uid", "at"}`, `{"op": "replace", "old_uid", "new_uid", "at"}`,
//! `{"op": "lookup", "uid"}`. Output `{"results": [{"ok": {...}} | {"error": "<CODE>",
//! "details": {...}}], "tags": [<tag records by uid>]}`; `link`/`report_lost`/`replace` answer
//! the affected tag record, `lookup` answers `{"wallet_id": ...}`.

use super::{out, parse};
use crate::error::{Error, ErrorCode, InputError};
use crate::money::Money;
use crate::time::Timestamp;
use crate::wallet::{Entry, LedgerEntry, Operation, TagRegistry, TagUid, Wallet, WalletConfig};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use uuid::Uuid;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunIn {
    wallet: WalletConfig,
    #[serde(default)]
    other_wallet: Option<WalletConfig>,
    /// A product catalog: payments and deposit returns go through `Wallet::apply_with_catalog`.
    #[serde(default)]
    catalog: Option<crate::catalog::Catalog>,
    operations: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayIn {
    config: WalletConfig,
    ledger: Vec<LedgerEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TagRunIn {
    operations: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferIn {
    direction: Direction,
    amount: Money,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Direction {
    ToOther,
    FromOther,
}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum TagOp {
    Link { uid: String, wallet_id: Uuid, at: Timestamp },
    ReportLost { uid: String, at: Timestamp },
    Replace { old_uid: String, new_uid: String, at: Timestamp },
    Lookup { uid: String },
}

/// A per-operation error. For malformed input only the field is kept: the reason text comes from
/// parsers (serde, uuid) and is not part of the contract.
fn error_result(e: &Error) -> Value {
    let details = match e {
        Error::Input(InputError::Invalid { field, .. }) => json!({ "field": field }),
        _ => e.details(),
    };
    json!({ "error": e.code(), "details": details })
}

fn summary(w: &Wallet) -> Result<Value, Error> {
    let mut s = json!({
        "balances": out(&w.balances())?,
        "totals": out(&w.totals())?,
        "status": out(&w.status())?,
        "block_reasons": out(&w.block_reasons())?,
        "bonus_lots": out(&w.bonus_lots())?,
        "entries": w.ledger().len(),
    });
    // Only wallets that ever had vouchers or deposits show them (older vectors stay as they are).
    if let Some(map) = s.as_object_mut() {
        if !w.voucher_totals().is_empty() {
            map.insert("vouchers".into(), out(&w.voucher_totals())?);
        }
        if !w.deposits().is_empty() {
            map.insert("deposits".into(), out(&w.deposits())?);
        }
    }
    Ok(s)
}

/// Serializes and reads back (replaying the ledger); the result must be identical.
fn check_round_trip(w: &Wallet) -> Result<(), Error> {
    let json = serde_json::to_value(w).map_err(|e| InputError::invalid("wallet", e.to_string()))?;
    let back: Wallet = serde_json::from_value(json).map_err(|e| InputError::invalid("wallet", e.to_string()))?;
    if &back != w {
        return Err(InputError::invalid("wallet", "replay of the serialized wallet differs").into());
    }
    Ok(())
}

fn take_field<T: for<'de> Deserialize<'de>>(obj: &mut Map<String, Value>, key: &str) -> Result<T, Error> {
    let v = obj.remove(key).ok_or_else(|| InputError::invalid(key, "missing"))?;
    T::deserialize(v).map_err(|e| InputError::invalid(key, e.to_string()).into())
}

fn run_one(
    main: &mut Wallet,
    other: &mut Option<Wallet>,
    catalog: Option<&crate::catalog::Catalog>,
    op: &Value,
) -> Result<Value, Error> {
    let mut obj = op.as_object().cloned().ok_or_else(|| InputError::invalid("operation", "expected an object"))?;
    let target: String = match obj.remove("wallet") {
        None => "main".into(),
        Some(v) => String::deserialize(v).map_err(|e| InputError::invalid("wallet", e.to_string()))?,
    };
    let id: Uuid = take_field(&mut obj, "id")?;
    let at: Timestamp = take_field(&mut obj, "at")?;
    if obj.get("kind").and_then(Value::as_str) == Some("transfer") {
        obj.remove("kind");
        let t =
            TransferIn::deserialize(Value::Object(obj)).map_err(|e| InputError::invalid("transfer", e.to_string()))?;
        let o = other.as_mut().ok_or_else(|| InputError::invalid("transfer", "needs other_wallet"))?;
        let outcome = match t.direction {
            Direction::ToOther => Wallet::transfer(main, o, id, at, t.amount)?,
            Direction::FromOther => Wallet::transfer(o, main, id, at, t.amount)?,
        };
        return out(&outcome);
    }
    let operation =
        Operation::deserialize(Value::Object(obj)).map_err(|e| InputError::invalid("operation", e.to_string()))?;
    let w = match target.as_str() {
        "main" => main,
        "other" => other.as_mut().ok_or_else(|| InputError::invalid("wallet", "no other_wallet given"))?,
        _ => return Err(InputError::invalid("wallet", "expected \"main\" or \"other\"").into()),
    };
    let entry = Entry::new(id, at, operation);
    match catalog {
        Some(c) => out(&w.apply_with_catalog(entry, c)?),
        None => out(&w.apply(entry)?),
    }
}

fn tag_one(reg: &mut TagRegistry, op: &Value) -> Result<Value, Error> {
    let op = TagOp::deserialize(op).map_err(|e| InputError::invalid("operation", e.to_string()))?;
    match op {
        TagOp::Link { uid, wallet_id, at } => out(reg.link(&uid.parse::<TagUid>()?, wallet_id, at)?),
        TagOp::ReportLost { uid, at } => out(reg.report_lost(&uid.parse::<TagUid>()?, at)?),
        TagOp::Replace { old_uid, new_uid, at } => {
            out(reg.replace(&old_uid.parse::<TagUid>()?, &new_uid.parse::<TagUid>()?, at)?)
        }
        TagOp::Lookup { uid } => Ok(json!({ "wallet_id": reg.lookup(&uid.parse::<TagUid>()?)? })),
    }
}

pub(super) fn execute(op: &str, input: &Value) -> Option<Result<Value, Error>> {
    let run = || -> Result<Value, Error> {
        match op {
            "wallet.run" => {
                let i: RunIn = parse(input)?;
                let mut main = Wallet::new(i.wallet)?;
                let mut other = i.other_wallet.map(Wallet::new).transpose()?;
                let results: Vec<Value> = i
                    .operations
                    .iter()
                    .map(|op| {
                        run_one(&mut main, &mut other, i.catalog.as_ref(), op)
                            .map(|ok| json!({ "ok": ok }))
                            .unwrap_or_else(|e| error_result(&e))
                    })
                    .collect();
                check_round_trip(&main)?;
                let mut answer = json!({ "results": results, "wallet": summary(&main)? });
                if let (Some(o), Some(map)) = (&other, answer.as_object_mut()) {
                    check_round_trip(o)?;
                    map.insert("other_wallet".into(), summary(o)?);
                }
                Ok(answer)
            }
            "wallet.postings" => {
                let i: RunIn = parse(input)?;
                let mut main = Wallet::new(i.wallet)?;
                let mut other = i.other_wallet.map(Wallet::new).transpose()?;
                for op in &i.operations {
                    // A failed operation leaves the wallet unchanged and posts nothing.
                    let _ = run_one(&mut main, &mut other, i.catalog.as_ref(), op);
                }
                let mut postings = crate::postings::post_ledger(main.id(), main.ledger())?;
                if let Some(o) = &other {
                    postings.extend(crate::postings::post_ledger(o.id(), o.ledger())?);
                }
                let books = crate::postings::TrialBalance::from_postings(main.currency(), &postings)?;
                Ok(json!({ "postings": out(&postings)?, "trial_balance": out(&books)? }))
            }
            "wallet.replay" => {
                let i: ReplayIn = parse(input)?;
                summary(&Wallet::replay(i.config, i.ledger)?)
            }
            "tag.run" => {
                let i: TagRunIn = parse(input)?;
                let mut reg = TagRegistry::new();
                let results: Vec<Value> = i
                    .operations
                    .iter()
                    .map(|op| tag_one(&mut reg, op).map(|ok| json!({ "ok": ok })).unwrap_or_else(|e| error_result(&e)))
                    .collect();
                Ok(json!({ "results": results, "tags": out(&reg)? }))
            }
            _ => Err(InputError::UnknownOperation { op: op.chars().take(64).collect() }.into()),
        }
    };
    Some(run())
}
