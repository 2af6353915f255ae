//! Node.js bindings of festival-core (napi-rs 3).
//!
//! Every export takes its arguments as raw JS values, converts them to JSON with [`js`] (one walker,
//! whose number rules are shared with the wasm package: `festival_js_api::number_to_json`), calls
//! the shared `festival-js-api` crate and returns JSON. Errors become real JS `Error` objects with
//! `.code`, `.family` and `.details` ([`throw`]). The API is identical in `bindings-wasm`.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use festival_core::{Error as CoreError, InputError};
use festival_js_api::{self as api, JsErrorParts};
use napi::bindgen_prelude::{BigInt, FromNapiValue, Object, Uint8Array};
use napi::{Env, JsDate, JsValue, Unknown, ValueType};
use napi_derive::napi;
use serde_json::{Map, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

type CoreResult<T> = Result<T, CoreError>;

// ------------------------------------------------------------------ JS -> JSON

fn napi_err(field: &str, e: napi::Error) -> CoreError {
    InputError::invalid(field, e.reason.clone()).into()
}

/// Converts one JS argument to JSON (see the crate docs of `festival-js-api` for the rules).
fn js(field: &str, u: Unknown<'_>) -> CoreResult<Value> {
    walk(&Path::Root(field), u, 0)
}

/// Where a value sits in an argument (`items[2].unitPrice`), built only when an error names it:
/// the walker runs on every call, so the happy path allocates no path strings.
enum Path<'a> {
    Root(&'a str),
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, u32),
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Root(s) => f.write_str(s),
            Path::Key(p, k) => write!(f, "{p}.{k}"),
            Path::Index(p, i) => write!(f, "{p}[{i}]"),
        }
    }
}

fn walk(path: &Path<'_>, u: Unknown<'_>, depth: u32) -> CoreResult<Value> {
    let conv = |e: napi::Error| napi_err(&path.to_string(), e);
    match u.get_type().map_err(conv)? {
        ValueType::Undefined | ValueType::Null => Ok(Value::Null),
        ValueType::Boolean => Ok(Value::Bool(bool::from_unknown(u).map_err(conv)?)),
        ValueType::Number => {
            let n = f64::from_unknown(u).map_err(conv)?;
            // Fast path: a safe integer (the common case) needs no field name.
            if n.trunc() == n && n.abs() <= api::MAX_SAFE_INTEGER as f64 {
                return Ok(Value::from(n as i64));
            }
            api::number_to_json(&path.to_string(), n)
        }
        ValueType::String => {
            let s = String::from_unknown(u).map_err(conv)?;
            if s.len() <= api::MAX_STRING_BYTES {
                return Ok(Value::String(s));
            }
            api::check_string(&path.to_string(), s)
        }
        ValueType::BigInt => {
            let b = BigInt::from_unknown(u).map_err(conv)?;
            let (v, lossless) = b.get_i64();
            if lossless {
                return Ok(Value::from(v));
            }
            match b.get_u64() {
                (false, v, true) => Ok(Value::from(v)),
                _ => Err(api::bigint_out_of_range(&path.to_string())),
            }
        }
        ValueType::Object => {
            if depth >= api::MAX_DEPTH {
                return Err(api::too_deep(&path.to_string()));
            }
            if u.is_array().map_err(conv)? {
                let arr = napi::bindgen_prelude::Array::from_unknown(u).map_err(conv)?;
                let mut out = Vec::with_capacity(arr.len() as usize);
                for i in 0..arr.len() {
                    let p = Path::Index(path, i);
                    match arr.get::<Unknown>(i).map_err(|e| napi_err(&p.to_string(), e))? {
                        Some(el) => out.push(walk(&p, el, depth + 1)?),
                        None => out.push(Value::Null),
                    }
                }
                Ok(Value::Array(out))
            } else if u.is_typedarray().map_err(conv)? {
                let bytes = Uint8Array::from_unknown(u)
                    .map_err(|_| CoreError::from(InputError::invalid(path.to_string(), "expected a Uint8Array")))?;
                Ok(Value::String(festival_core::interop::hex_encode(bytes.as_ref())))
            } else if u.is_date().map_err(conv)? {
                let d = JsDate::from_unknown(u).map_err(conv)?;
                api::date_to_json(&path.to_string(), d.value_of().map_err(conv)?)
            } else {
                walk_object(path, u, depth)
            }
        }
        ValueType::Function => Err(api::unsupported_js_value(&path.to_string(), "a function")),
        ValueType::Symbol => Err(api::unsupported_js_value(&path.to_string(), "a symbol")),
        _ => Err(api::unsupported_js_value(&path.to_string(), "this kind of value")),
    }
}

/// A plain object: its own enumerable string keys (`Object.keys` semantics), each value read
/// with the key handle napi gave us (no key string is re-created to look the property up).
fn walk_object(path: &Path<'_>, u: Unknown<'_>, depth: u32) -> CoreResult<Value> {
    use napi::bindgen_prelude::{JsObjectValue, KeyCollectionMode, KeyConversion, KeyFilter};
    let conv = |e: napi::Error| napi_err(&path.to_string(), e);
    let obj = Object::from_unknown(u).map_err(conv)?;
    let names = obj
        .get_all_property_names(KeyCollectionMode::OwnOnly, KeyFilter::Enumerable, KeyConversion::NumbersToStrings)
        .map_err(conv)?;
    let len = names.get_array_length().map_err(conv)?;
    let mut map = Map::new();
    for i in 0..len {
        let key_u: Unknown = names.get_element(i).map_err(conv)?;
        if key_u.get_type().map_err(conv)? != ValueType::String {
            continue; // symbols (Object.keys skips them too)
        }
        let key = String::from_unknown(key_u).map_err(conv)?;
        let p = Path::Key(path, &key);
        let v: Unknown = obj.get_property_unchecked(key_u).map_err(|e| napi_err(&p.to_string(), e))?;
        if v.get_type().map_err(|e| napi_err(&p.to_string(), e))? == ValueType::Undefined {
            continue;
        }
        let v = walk(&p, v, depth + 1)?;
        map.insert(key, v);
    }
    Ok(Value::Object(map))
}

/// A `Uint8Array` argument (bytes never travel as hex or arrays of numbers in the JS API).
fn bytes(field: &str, u: Unknown<'_>) -> CoreResult<Vec<u8>> {
    let is_typed = u.get_type().ok() == Some(ValueType::Object) && u.is_typedarray().unwrap_or(false);
    if !is_typed {
        return Err(InputError::invalid(field, "expected a Uint8Array").into());
    }
    Uint8Array::from_unknown(u)
        .map(|b| b.as_ref().to_vec())
        .map_err(|_| InputError::invalid(field, "expected a Uint8Array").into())
}

// ------------------------------------------------------------------ errors

fn make_error<'env>(env: &'env Env, p: &JsErrorParts) -> napi::Result<Unknown<'env>> {
    let u = napi::JsError::from(napi::Error::new(p.code, p.message.clone())).into_unknown(*env);
    let mut obj = Object::from_unknown(u)?;
    obj.set("name", "FestivalError")?;
    obj.set("family", p.family)?;
    obj.set("details", &p.details)?;
    Ok(obj.to_unknown())
}

/// Turns a core error into the JS `Error` napi throws: `instanceof Error`, `.code` (the core's
/// code), `.family`, `.details` (a plain object; camelCase keys unless `camel_case` is false).
fn throw(env: &Env, e: &CoreError, camel_case: bool) -> napi::Error {
    let parts = JsErrorParts::new(e, camel_case);
    match make_error(env, &parts) {
        Ok(u) => napi::Error::from(u),
        Err(e) => e,
    }
}

fn run_with<T>(env: &Env, camel_case: bool, f: impl FnOnce() -> CoreResult<T>) -> napi::Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(throw(env, &e, camel_case)),
        Err(_) => {
            Err(napi::Error::new(napi::Status::GenericFailure, "festival-core panicked (a bug: please report it)"))
        }
    }
}

/// Runs `f`, mapping core errors to JS errors and a panic (a bug) to a JS error too.
fn run<T>(env: &Env, f: impl FnOnce() -> CoreResult<T>) -> napi::Result<T> {
    run_with(env, true, f)
}

/// JSON on its way to JS. Objects are built with `napi_set_named_property`, whose keys V8
/// internalizes, so results of the same shape share one hidden class and each property store is
/// a cached transition (napi-rs' generic serde conversion creates a fresh key string per property
/// and goes through V8's slow keyed-store path: about a third of a small call's cost).
pub struct Json(pub Value);

impl napi::bindgen_prelude::TypeName for Json {
    fn type_name() -> &'static str {
        "unknown"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl napi::bindgen_prelude::ToNapiValue for Json {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> napi::Result<napi::sys::napi_value> {
        let env = Env::from_raw(env);
        Ok(json_to_js(&env, val.0, 0)?.raw())
    }
}

/// [`Json`]'s conversion (scalars keep napi-rs' rules: integers beyond 2^53 become BigInt).
pub(crate) fn json_to_js(env: &Env, v: Value, depth: u32) -> napi::Result<Unknown<'_>> {
    use napi::bindgen_prelude::{JsObjectValue, ToNapiValue};
    match v {
        // Core output is shallow; a (never expected) deep value takes napi-rs' iterative path.
        v if depth > api::MAX_DEPTH => v.into_unknown(env),
        Value::Object(m) => {
            let mut obj = Object::new(env)?;
            for (k, x) in m {
                let x = json_to_js(env, x, depth + 1)?;
                if k.as_bytes().contains(&0) {
                    obj.set(k, x)?;
                } else {
                    obj.set_named_property(&k, x)?;
                }
            }
            obj.into_unknown(env)
        }
        Value::Array(a) => {
            let mut arr = env.create_array(u32::try_from(a.len()).unwrap_or(u32::MAX))?;
            for (i, x) in a.into_iter().enumerate() {
                arr.set(u32::try_from(i).unwrap_or(u32::MAX), json_to_js(env, x, depth + 1)?)?;
            }
            arr.into_unknown(env)
        }
        other => other.into_unknown(env),
    }
}

/// [`run`] for functions that return JSON.
fn run_json(env: &Env, f: impl FnOnce() -> CoreResult<Value>) -> napi::Result<Json> {
    run(env, f).map(Json)
}

// ------------------------------------------------------------------ conformance

/// Runs a conformance operation (`tests/vectors/README.md`): JSON text in, JSON text out.
/// Errors carry the core's snake_case details, like the vectors.
#[napi(ts_args_type = "op: string, input: string")]
pub fn conformance_execute(env: Env, op: Unknown<'_>, input: Unknown<'_>) -> napi::Result<String> {
    run_with(&env, false, || api::conformance_execute(&js("op", op)?, &js("input", input)?))
}

// ------------------------------------------------------------------ money

/// Parses a decimal string in a currency: `parseMoney("12.5", "EUR")` → `{ amount: "12.50", currency: "EUR" }`.
/// Sub-minor amounts are an error (`MONEY_SCALE_EXCEEDED`), never rounded.
#[napi(ts_args_type = "amount: string, currency: string", ts_return_type = "Money")]
pub fn parse_money(env: Env, amount: Unknown<'_>, currency: Unknown<'_>) -> napi::Result<Json> {
    run_json(&env, || api::parse_money(&js("amount", amount)?, &js("currency", currency)?))
}

/// Money from integer minor units: `moneyFromMinor(1050n, "EUR")` → `10.50 EUR`.
#[napi(ts_args_type = "minor: bigint | number, currency: string", ts_return_type = "Money")]
pub fn money_from_minor(env: Env, minor: Unknown<'_>, currency: Unknown<'_>) -> napi::Result<Json> {
    run_json(&env, || api::money_from_minor(&js("minor", minor)?, &js("currency", currency)?))
}

/// The amount in minor units as a BigInt (`10.50 EUR` → `1050n`).
#[napi(ts_args_type = "money: Money")]
pub fn money_to_minor(env: Env, money: Unknown<'_>) -> napi::Result<BigInt> {
    run(&env, || api::money_to_minor(&js("money", money)?)).map(BigInt::from)
}

/// `"12.50 EUR"`.
#[napi(ts_args_type = "money: Money")]
pub fn format_money(env: Env, money: Unknown<'_>) -> napi::Result<String> {
    run(&env, || api::format_money(&js("money", money)?))
}

/// `a + b` (same currency, checked).
#[napi(ts_args_type = "a: Money, b: Money", ts_return_type = "Money")]
pub fn add_money(env: Env, a: Unknown<'_>, b: Unknown<'_>) -> napi::Result<Json> {
    run_json(&env, || api::add_money(&js("a", a)?, &js("b", b)?))
}

/// `a - b` (same currency, checked).
#[napi(ts_args_type = "a: Money, b: Money", ts_return_type = "Money")]
pub fn sub_money(env: Env, a: Unknown<'_>, b: Unknown<'_>) -> napi::Result<Json> {
    run_json(&env, || api::sub_money(&js("a", a)?, &js("b", b)?))
}

/// `-1`, `0` or `1` (same currency required).
#[napi(ts_args_type = "a: Money, b: Money", ts_return_type = "-1 | 0 | 1")]
pub fn compare_money(env: Env, a: Unknown<'_>, b: Unknown<'_>) -> napi::Result<i32> {
    run(&env, || api::compare_money(&js("a", a)?, &js("b", b)?))
}

/// `money × quantity`, exact.
#[napi(ts_args_type = "money: Money, quantity: number | bigint", ts_return_type = "Money")]
pub fn mul_qty(env: Env, money: Unknown<'_>, quantity: Unknown<'_>) -> napi::Result<Json> {
    run_json(&env, || api::mul_qty(&js("money", money)?, &js("quantity", quantity)?))
}

/// `money × rate` (rate as a decimal string), rounded with `mode`.
#[napi(ts_args_type = "money: Money, rate: string, mode: RoundingMode", ts_return_type = "Money")]
pub fn apply_rate(env: Env, money: Unknown<'_>, rate: Unknown<'_>, mode: Unknown<'_>) -> napi::Result<Json> {
    run_json(&env, || api::apply_rate(&js("money", money)?, &js("rate", rate)?, &js("mode", mode)?))
}

/// `money × percent / 100` (`"19"` for 19 %), rounded with `mode`.
#[napi(ts_args_type = "money: Money, percent: string, mode: RoundingMode", ts_return_type = "Money")]
pub fn percentage(env: Env, money: Unknown<'_>, percent: Unknown<'_>, mode: Unknown<'_>) -> napi::Result<Json> {
    run_json(&env, || api::percentage(&js("money", money)?, &js("percent", percent)?, &js("mode", mode)?))
}

/// Splits `money` by ratios (decimal strings) so the parts sum exactly to the whole.
#[napi(ts_args_type = "money: Money, ratios: string[]", ts_return_type = "Money[]")]
pub fn allocate(env: Env, money: Unknown<'_>, ratios: Unknown<'_>) -> napi::Result<Json> {
    run_json(&env, || api::allocate(&js("money", money)?, &js("ratios", ratios)?))
}

/// Splits `money` into `parts` near-equal parts that sum exactly to the whole.
#[napi(ts_args_type = "money: Money, parts: number", ts_return_type = "Money[]")]
pub fn split(env: Env, money: Unknown<'_>, parts: Unknown<'_>) -> napi::Result<Json> {
    run_json(&env, || api::split(&js("money", money)?, &js("parts", parts)?))
}

/// VAT for gross or net line prices with one of the shop rounding strategies.
#[napi(
    ts_args_type = "lines: TaxLine[], basis: PriceBasis, rounding: TaxRounding, mode: RoundingMode",
    ts_return_type = "TaxBreakdown"
)]
pub fn compute_tax(
    env: Env,
    lines: Unknown<'_>,
    basis: Unknown<'_>,
    rounding: Unknown<'_>,
    mode: Unknown<'_>,
) -> napi::Result<Json> {
    run_json(&env, || {
        api::compute_tax(&js("lines", lines)?, &js("basis", basis)?, &js("rounding", rounding)?, &js("mode", mode)?)
    })
}

/// The festival's books over postings (from `Wallet.postings()`): account balances (debit
/// positive), whether they balance, and net revenue per stand.
#[napi(ts_args_type = "currency: string, postings: Posting[]", ts_return_type = "TrialBalance")]
pub fn trial_balance(env: Env, currency: Unknown<'_>, postings: Unknown<'_>) -> napi::Result<Json> {
    run_json(&env, || api::wallet::trial_balance(&js("currency", currency)?, &js("postings", postings)?))
}

// ------------------------------------------------------------------ offline

/// Strict Ed25519 verification (canonical encodings, no small-order keys); any rejection is `false`.
#[napi(ts_args_type = "publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array")]
pub fn verify_signature(
    env: Env,
    public_key: Unknown<'_>,
    message: Unknown<'_>,
    signature: Unknown<'_>,
) -> napi::Result<bool> {
    run(&env, || {
        Ok(api::offline::verify_signature(
            &bytes("publicKey", public_key)?,
            &bytes("message", message)?,
            &bytes("signature", signature)?,
        ))
    })
}

/// The Ed25519 public key (32 bytes) of a 32-byte secret seed (the caller supplies the entropy).
#[napi(ts_args_type = "seed: Uint8Array")]
pub fn public_key_from_seed(env: Env, seed: Unknown<'_>) -> napi::Result<Uint8Array> {
    run(&env, || api::offline::public_key_from_seed(&bytes("seed", seed)?)).map(Uint8Array::from)
}

/// Signs `message` with the key of `seed` (deterministic Ed25519, 64 bytes).
#[napi(ts_args_type = "seed: Uint8Array, message: Uint8Array")]
pub fn sign_message(env: Env, seed: Unknown<'_>, message: Unknown<'_>) -> napi::Result<Uint8Array> {
    run(&env, || api::offline::sign_message(&bytes("seed", seed)?, &bytes("message", message)?)).map(Uint8Array::from)
}

/// Issues the QR text (`FC...`) of a ticket code signed with the issuer's 32-byte seed.
#[napi(ts_args_type = "claims: TicketClaimsInput, issuerSeed: Uint8Array")]
pub fn issue_ticket_code(env: Env, claims: Unknown<'_>, issuer_seed: Unknown<'_>) -> napi::Result<String> {
    run(&env, || api::offline::issue_ticket_code(&js("claims", claims)?, &bytes("issuerSeed", issuer_seed)?))
}

/// Decodes a ticket code WITHOUT verifying it (display only; gates use `TicketVerifier`).
#[napi(ts_args_type = "code: string", ts_return_type = "TicketClaims")]
pub fn decode_ticket_code(env: Env, code: Unknown<'_>) -> napi::Result<Json> {
    run_json(&env, || api::offline::decode_ticket_code(&js("code", code)?))
}

/// Signs a revocation / block list; returns its canonical signed bytes.
#[napi(ts_args_type = "list: RevocationList, issuerSeed: Uint8Array")]
pub fn issue_revocation_list(env: Env, list: Unknown<'_>, issuer_seed: Unknown<'_>) -> napi::Result<Uint8Array> {
    run(&env, || api::offline::issue_revocation_list(&js("list", list)?, &bytes("issuerSeed", issuer_seed)?))
        .map(Uint8Array::from)
}

/// A gate's offline ticket-code verifier: trusted issuer keys (rotation), its festival, and the
/// installed revocation list (which only moves forward and must be fresh).
#[napi]
pub struct TicketVerifier {
    inner: api::offline::TicketVerifierHandle,
}

#[napi]
impl TicketVerifier {
    /// `new TicketVerifier(keys, festivalId)`.
    #[napi(constructor, ts_args_type = "keys: IssuerKey[], festivalId: string")]
    pub fn new(env: Env, keys: Unknown<'_>, festival_id: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || api::offline::TicketVerifierHandle::new(&js("keys", keys)?, &js("festivalId", festival_id)?))
            .map(|inner| TicketVerifier { inner })
    }

    /// Verifies and installs signed list bytes.
    #[napi(ts_args_type = "bytes: Uint8Array, now: TimestampInput", ts_return_type = "'installed' | 'unchanged'")]
    pub fn install_revocation_list(&mut self, env: Env, list: Unknown<'_>, now: Unknown<'_>) -> napi::Result<Json> {
        let inner = &mut self.inner;
        run_json(&env, || inner.install_revocation_list(&bytes("bytes", list)?, &js("now", now)?))
    }

    /// The installed revocation list, or null.
    #[napi(ts_return_type = "RevocationList | null")]
    pub fn revocation_list(&self, env: Env) -> napi::Result<Json> {
        run_json(&env, || self.inner.revocation_list())
    }

    /// Verifies a ticket code at `now`; returns its claims or throws a `CODE_*` error.
    #[napi(ts_args_type = "code: string, now: TimestampInput, maxStalenessMs: number", ts_return_type = "TicketClaims")]
    pub fn verify(
        &self,
        env: Env,
        code: Unknown<'_>,
        now: Unknown<'_>,
        max_staleness_ms: Unknown<'_>,
    ) -> napi::Result<Json> {
        run_json(&env, || self.inner.verify(&js("code", code)?, &js("now", now)?, &js("maxStalenessMs", max_staleness_ms)?))
    }
}

// ------------------------------------------------------------------ wallets

/// A cashless wallet: refundable and bonus sub-balances derived from its ledger, one method per
/// operation (each takes a caller-chosen entry id for idempotency and the time `at`).
#[napi]
pub struct Wallet {
    // A RefCell, not `&mut self`: JS may pass the same object twice (`w.transferTo(w, ...)`),
    // and two `&mut` to one object would be undefined behaviour even if we then refused it.
    inner: RefCell<api::wallet::WalletHandle>,
}

#[napi]
impl Wallet {
    /// `new Wallet({ id, festivalId, currency, spendOrder?, limits?, ageClass? })`.
    #[napi(constructor, ts_args_type = "config: WalletConfigInput")]
    pub fn new(env: Env, config: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || api::wallet::WalletHandle::new(&js("config", config)?)).map(|inner| Wallet { inner: RefCell::new(inner) })
    }

    /// Rebuilds a wallet from `serialize()` output by replaying its ledger (tampering is detected).
    #[napi(factory, ts_args_type = "state: string")]
    pub fn deserialize(env: Env, state: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || api::wallet::WalletHandle::deserialize(&js("state", state)?)).map(|inner| Wallet { inner: RefCell::new(inner) })
    }

    /// The wallet as JSON text (config + ledger; the core's storage format).
    #[napi]
    pub fn serialize(&self, env: Env) -> napi::Result<String> {
        run(&env, || self.inner.borrow().serialize())
    }

    /// The wallet id.
    #[napi]
    pub fn id(&self) -> String {
        self.inner.borrow().id()
    }

    /// Moves refundable money to `to` atomically (both sides or neither).
    #[napi(
        ts_args_type = "to: Wallet, id: string, at: TimestampInput, amount: Money",
        ts_return_type = "TransferOutcome"
    )]
    pub fn transfer_to(
        &self,
        env: Env,
        to: &Wallet,
        id: Unknown<'_>,
        at: Unknown<'_>,
        amount: Unknown<'_>,
    ) -> napi::Result<Json> {
        let mut from_guard = self.inner.borrow_mut();
        // The same JS object on both sides: its cell is already borrowed, so this fails cleanly.
        let Ok(mut to_guard) = to.inner.try_borrow_mut() else {
            let e: CoreError = InputError::invalid("to", "a wallet cannot transfer to itself").into();
            return Err(throw(&env, &e, true));
        };
        let (from, to) = (&mut *from_guard, &mut *to_guard);
        run_json(&env, || from.transfer_to(to, &js("id", id)?, &js("at", at)?, &js("amount", amount)?))
    }

    /// Applies an entry `{ id, at, operation: { kind, ... } }` (idempotent by id).
    #[napi(ts_args_type = "entry: WalletEntry", ts_return_type = "WalletOutcome")]
    pub fn apply(&self, env: Env, entry: Unknown<'_>) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || inner.apply(&js("entry", entry)?))
    }

    /// Money paid in (refundable).
    #[napi(
        ts_args_type = "id: string, at: TimestampInput, amount: Money, method?: TopUpMethod",
        ts_return_type = "WalletOutcome"
    )]
    pub fn top_up(
        &self,
        env: Env,
        id: Unknown<'_>,
        at: Unknown<'_>,
        amount: Unknown<'_>,
        method: Unknown<'_>,
    ) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || inner.top_up(&js("id", id)?, &js("at", at)?, &js("amount", amount)?, &js("method", method)?))
    }

    /// Promotional credit (a bonus lot, optionally expiring).
    #[napi(
        ts_args_type = "id: string, at: TimestampInput, amount: Money, expiresAt?: TimestampInput | null",
        ts_return_type = "WalletOutcome"
    )]
    pub fn credit_bonus(
        &self,
        env: Env,
        id: Unknown<'_>,
        at: Unknown<'_>,
        amount: Unknown<'_>,
        expires_at: Unknown<'_>,
    ) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || {
            inner.credit_bonus(&js("id", id)?, &js("at", at)?, &js("amount", amount)?, &js("expiresAt", expires_at)?)
        })
    }

    /// A payment at a stand with line items (bonus first unless configured otherwise); lines may
    /// carry a `kind` (deposit, voucher) and `catalogVersion` names the catalog that priced them.
    #[napi(
        ts_args_type = "id: string, at: TimestampInput, standId: string, items: LineItem[], deviceId?: string | null, catalogVersion?: number | null",
        ts_return_type = "WalletOutcome"
    )]
    #[allow(clippy::too_many_arguments)]
    pub fn pay(
        &self,
        env: Env,
        id: Unknown<'_>,
        at: Unknown<'_>,
        stand_id: Unknown<'_>,
        items: Unknown<'_>,
        device_id: Unknown<'_>,
        catalog_version: Unknown<'_>,
    ) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || {
            inner.pay(
                &js("id", id)?,
                &js("at", at)?,
                &js("standId", stand_id)?,
                &js("items", items)?,
                &js("deviceId", device_id)?,
                &js("catalogVersion", catalog_version)?,
            )
        })
    }

    /// A returned deposit item (a cup): credits `amount` to the refundable balance.
    #[napi(
        ts_args_type = "id: string, at: TimestampInput, standId: string, product: string, quantity: number, amount: Money, deviceId?: string | null",
        ts_return_type = "WalletOutcome"
    )]
    #[allow(clippy::too_many_arguments)]
    pub fn deposit_return(
        &self,
        env: Env,
        id: Unknown<'_>,
        at: Unknown<'_>,
        stand_id: Unknown<'_>,
        product: Unknown<'_>,
        quantity: Unknown<'_>,
        amount: Unknown<'_>,
        device_id: Unknown<'_>,
    ) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || {
            inner.deposit_return(
                &js("id", id)?,
                &js("at", at)?,
                &js("standId", stand_id)?,
                &js("product", product)?,
                &js("quantity", quantity)?,
                &js("amount", amount)?,
                &js("deviceId", device_id)?,
            )
        })
    }

    /// Grants count-vouchers (for example drink vouchers for helpers; not money).
    #[napi(
        ts_args_type = "id: string, at: TimestampInput, voucherType: string, count: number",
        ts_return_type = "WalletOutcome"
    )]
    pub fn voucher_grant(
        &self,
        env: Env,
        id: Unknown<'_>,
        at: Unknown<'_>,
        voucher_type: Unknown<'_>,
        count: Unknown<'_>,
    ) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || {
            inner.voucher_grant(&js("id", id)?, &js("at", at)?, &js("voucherType", voucher_type)?, &js("count", count)?)
        })
    }

    /// Takes count-vouchers back (at most what the wallet holds).
    #[napi(
        ts_args_type = "id: string, at: TimestampInput, voucherType: string, count: number",
        ts_return_type = "WalletOutcome"
    )]
    pub fn voucher_revoke(
        &self,
        env: Env,
        id: Unknown<'_>,
        at: Unknown<'_>,
        voucher_type: Unknown<'_>,
        count: Unknown<'_>,
    ) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || {
            inner.voucher_revoke(&js("id", id)?, &js("at", at)?, &js("voucherType", voucher_type)?, &js("count", count)?)
        })
    }

    /// Applies an entry at a POS that holds the catalog: a payment must carry the catalog's version
    /// and match its prices, kinds, vouchers and deposits and the wallet's age class; a deposit
    /// return must be a deposit at its price (`CATALOG_*`).
    #[napi(ts_args_type = "entry: WalletEntry, catalog: Catalog", ts_return_type = "WalletOutcome")]
    pub fn apply_with_catalog(&self, env: Env, entry: Unknown<'_>, catalog: &ticketing::Catalog) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || {
            let entry = js("entry", entry)?;
            let c = catalog
                .inner
                .try_borrow()
                .map_err(|_| CoreError::from(InputError::invalid("catalog", "this object is already in use")))?;
            inner.apply_with_catalog(&entry, &c)
        })
    }

    /// Refund of (part of) an earlier payment, restored where it came from.
    #[napi(
        ts_args_type = "id: string, at: TimestampInput, paymentId: string, amount: Money, reason?: string | null",
        ts_return_type = "WalletOutcome"
    )]
    pub fn refund(
        &self,
        env: Env,
        id: Unknown<'_>,
        at: Unknown<'_>,
        payment_id: Unknown<'_>,
        amount: Unknown<'_>,
        reason: Unknown<'_>,
    ) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || {
            inner.refund(
                &js("id", id)?,
                &js("at", at)?,
                &js("paymentId", payment_id)?,
                &js("amount", amount)?,
                &js("reason", reason)?,
            )
        })
    }

    /// Cash-out of refundable money (optional fee).
    #[napi(
        ts_args_type = "id: string, at: TimestampInput, amount: Money, fee?: Money | null",
        ts_return_type = "WalletOutcome"
    )]
    pub fn payout(
        &self,
        env: Env,
        id: Unknown<'_>,
        at: Unknown<'_>,
        amount: Unknown<'_>,
        fee: Unknown<'_>,
    ) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || inner.payout(&js("id", id)?, &js("at", at)?, &js("amount", amount)?, &js("fee", fee)?))
    }

    /// Operator correction of one sub-balance.
    #[napi(
        ts_args_type = "id: string, at: TimestampInput, amount: Money, target: SubBalance, reason: string",
        ts_return_type = "WalletOutcome"
    )]
    pub fn adjust(
        &self,
        env: Env,
        id: Unknown<'_>,
        at: Unknown<'_>,
        amount: Unknown<'_>,
        target: Unknown<'_>,
        reason: Unknown<'_>,
    ) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || {
            inner.adjust(
                &js("id", id)?,
                &js("at", at)?,
                &js("amount", amount)?,
                &js("target", target)?,
                &js("reason", reason)?,
            )
        })
    }

    /// Expires bonus lots due at `at`.
    #[napi(ts_args_type = "id: string, at: TimestampInput", ts_return_type = "WalletOutcome")]
    pub fn expire_bonus(&self, env: Env, id: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || inner.expire_bonus(&js("id", id)?, &js("at", at)?))
    }

    /// Administrative block.
    #[napi(ts_args_type = "id: string, at: TimestampInput, reason: string", ts_return_type = "WalletOutcome")]
    pub fn block(&self, env: Env, id: Unknown<'_>, at: Unknown<'_>, reason: Unknown<'_>) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || inner.block(&js("id", id)?, &js("at", at)?, &js("reason", reason)?))
    }

    /// Lifts the administrative block.
    #[napi(ts_args_type = "id: string, at: TimestampInput", ts_return_type = "WalletOutcome")]
    pub fn unblock(&self, env: Env, id: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || inner.unblock(&js("id", id)?, &js("at", at)?))
    }

    /// Closes the wallet for good.
    #[napi(ts_args_type = "id: string, at: TimestampInput", ts_return_type = "WalletOutcome")]
    pub fn close(&self, env: Env, id: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Json> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        run_json(&env, || inner.close(&js("id", id)?, &js("at", at)?))
    }

    /// Refundable, bonus, debt and total (derived from the ledger).
    #[napi(ts_return_type = "Balances")]
    pub fn balances(&self, env: Env) -> napi::Result<Json> {
        let guard = self.inner.borrow();
        let inner = &*guard;
        run_json(&env, || inner.balances())
    }

    /// What a payment at `at` could spend.
    #[napi(ts_args_type = "at: TimestampInput", ts_return_type = "Money")]
    pub fn spendable(&self, env: Env, at: Unknown<'_>) -> napi::Result<Json> {
        let guard = self.inner.borrow();
        let inner = &*guard;
        run_json(&env, || inner.spendable(&js("at", at)?))
    }

    /// Running sums over the ledger (conservation).
    #[napi(ts_return_type = "WalletTotals")]
    pub fn totals(&self, env: Env) -> napi::Result<Json> {
        let guard = self.inner.borrow();
        let inner = &*guard;
        run_json(&env, || inner.totals())
    }

    /// `'active' | 'blocked' | 'closed'`.
    #[napi(ts_return_type = "WalletStatus")]
    pub fn status(&self, env: Env) -> napi::Result<Json> {
        let guard = self.inner.borrow();
        let inner = &*guard;
        run_json(&env, || inner.status())
    }

    /// Why the wallet is blocked.
    #[napi(ts_return_type = "BlockReason[]")]
    pub fn block_reasons(&self, env: Env) -> napi::Result<Json> {
        let guard = self.inner.borrow();
        let inner = &*guard;
        run_json(&env, || inner.block_reasons())
    }

    /// Bonus lots with expiry and remaining amount.
    #[napi(ts_return_type = "BonusLot[]")]
    pub fn bonus_lots(&self, env: Env) -> napi::Result<Json> {
        let guard = self.inner.borrow();
        let inner = &*guard;
        run_json(&env, || inner.bonus_lots())
    }

    /// Every applied entry with its effect.
    #[napi(ts_return_type = "LedgerEntry[]")]
    pub fn ledger(&self, env: Env) -> napi::Result<Json> {
        let guard = self.inner.borrow();
        let inner = &*guard;
        run_json(&env, || inner.ledger())
    }

    /// The double-entry postings of the ledger: one per entry that moves money, legs summing to
    /// zero (debit positive); feed them to `trialBalance`.
    #[napi(ts_return_type = "Posting[]")]
    pub fn postings(&self, env: Env) -> napi::Result<Json> {
        let guard = self.inner.borrow();
        let inner = &*guard;
        run_json(&env, || inner.postings())
    }

    /// Deposits charged, returned and outstanding per deposit product.
    #[napi(ts_return_type = "DepositTotals[]")]
    pub fn deposits(&self, env: Env) -> napi::Result<Json> {
        let guard = self.inner.borrow();
        let inner = &*guard;
        run_json(&env, || inner.deposits())
    }

    /// Count-vouchers held now, per type (`[{ voucherType, count }]`).
    #[napi(ts_return_type = "VoucherCount[]")]
    pub fn vouchers(&self) -> Json {
        Json(self.inner.borrow().vouchers())
    }

    /// Count-voucher sums per type: granted, revoked, redeemed, forfeited, balance.
    #[napi(ts_return_type = "VoucherTotals[]")]
    pub fn voucher_totals(&self, env: Env) -> napi::Result<Json> {
        let guard = self.inner.borrow();
        let inner = &*guard;
        run_json(&env, || inner.voucher_totals())
    }

    /// The wallet's configuration.
    #[napi(ts_return_type = "WalletConfig")]
    pub fn config(&self, env: Env) -> napi::Result<Json> {
        let guard = self.inner.borrow();
        let inner = &*guard;
        run_json(&env, || inner.config())
    }
}

/// NFC wristband tags ↔ wallets: link, report lost, replace; a used tag is never re-linked.
#[napi]
pub struct TagRegistry {
    inner: api::wallet::TagRegistryHandle,
}

#[napi]
impl TagRegistry {
    /// An empty registry.
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        TagRegistry { inner: api::wallet::TagRegistryHandle::new() }
    }

    /// Rebuilds a registry from `serialize()` output.
    #[napi(factory, ts_args_type = "state: string")]
    pub fn deserialize(env: Env, state: Unknown<'_>) -> napi::Result<Self> {
        run(&env, || api::wallet::TagRegistryHandle::deserialize(&js("state", state)?))
            .map(|inner| TagRegistry { inner })
    }

    /// The registry as JSON text.
    #[napi]
    pub fn serialize(&self, env: Env) -> napi::Result<String> {
        run(&env, || self.inner.serialize())
    }

    /// The wallet id of an active tag.
    #[napi(ts_args_type = "uid: Uint8Array | string")]
    pub fn lookup(&self, env: Env, uid: Unknown<'_>) -> napi::Result<String> {
        run(&env, || self.inner.lookup(&js("uid", uid)?))
    }

    /// Links a tag UID to a wallet.
    #[napi(
        ts_args_type = "uid: Uint8Array | string, walletId: string, at: TimestampInput",
        ts_return_type = "TagRecord"
    )]
    pub fn link(&mut self, env: Env, uid: Unknown<'_>, wallet_id: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Json> {
        let inner = &mut self.inner;
        run_json(&env, || inner.link(&js("uid", uid)?, &js("walletId", wallet_id)?, &js("at", at)?))
    }

    /// Reports a tag lost (blocked forever).
    #[napi(ts_args_type = "uid: Uint8Array | string, at: TimestampInput", ts_return_type = "TagRecord")]
    pub fn report_lost(&mut self, env: Env, uid: Unknown<'_>, at: Unknown<'_>) -> napi::Result<Json> {
        let inner = &mut self.inner;
        run_json(&env, || inner.report_lost(&js("uid", uid)?, &js("at", at)?))
    }

    /// Moves a wallet from a lost/old tag to a new one.
    #[napi(
        ts_args_type = "oldUid: Uint8Array | string, newUid: Uint8Array | string, at: TimestampInput",
        ts_return_type = "TagRecord"
    )]
    pub fn replace(
        &mut self,
        env: Env,
        old_uid: Unknown<'_>,
        new_uid: Unknown<'_>,
        at: Unknown<'_>,
    ) -> napi::Result<Json> {
        let inner = &mut self.inner;
        run_json(&env, || inner.replace(&js("oldUid", old_uid)?, &js("newUid", new_uid)?, &js("at", at)?))
    }

    /// Every tag record.
    #[napi(ts_return_type = "TagRecord[]")]
    pub fn records(&self, env: Env) -> napi::Result<Json> {
        let inner = &self.inner;
        run_json(&env, || inner.records())
    }
}


// Ticketing and access (priceOrder, Inventory, Order, TicketBook, AccessControl).
mod ticketing;
mod device;
mod reconcile;
