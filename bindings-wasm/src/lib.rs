//! WebAssembly bindings of festival-core (wasm-bindgen), for browsers and Node.
//!
//! The exported API is the same as `bindings-node`'s (same names, same shapes): every export takes
//! raw JS values, converts them to JSON with [`js`] (the number rules are shared with the Node
//! package: `festival_js_api::number_to_json`), calls the shared `festival-js-api` crate and
//! converts the JSON result back with [`to_js`]. Errors are thrown as real JS `Error` objects with
//! `.code`, `.family` and `.details`.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use festival_core::{Error as CoreError, InputError};
use festival_js_api::{self as api, JsErrorParts};
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(typescript_custom_section)]
const TS_SHAPES: &'static str = include_str!("../../bindings-node/js-api/types.d.ts");

type CoreResult<T> = Result<T, CoreError>;

// ------------------------------------------------------------------ JS -> JSON

/// Converts one JS argument to JSON (rules in `festival-js-api`).
pub fn js(field: &str, v: &JsValue) -> CoreResult<Value> {
    walk(&Path::Root(field), v, 0)
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

fn walk(path: &Path<'_>, v: &JsValue, depth: u32) -> CoreResult<Value> {
    // Most frequent first: strings (money amounts, ids, codes), then objects.
    if let Some(s) = v.as_string() {
        if s.len() <= api::MAX_STRING_BYTES {
            return Ok(Value::String(s));
        }
        return api::check_string(&path.to_string(), s);
    }
    if v.is_null_or_undefined() {
        return Ok(Value::Null);
    }
    if let Some(n) = v.as_f64() {
        if n.trunc() == n && n.abs() <= api::MAX_SAFE_INTEGER as f64 {
            return Ok(Value::from(n as i64));
        }
        return api::number_to_json(&path.to_string(), n);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if v.is_bigint() {
        if let Ok(i) = i64::try_from(v.clone()) {
            return Ok(Value::from(i));
        }
        if let Ok(u) = u64::try_from(v.clone()) {
            return Ok(Value::from(u));
        }
        return Err(api::bigint_out_of_range(&path.to_string()));
    }
    if v.is_function() {
        return Err(api::unsupported_js_value(&path.to_string(), "a function"));
    }
    if !v.is_object() {
        let what = if v.is_symbol() { "a symbol" } else { "this kind of value" };
        return Err(api::unsupported_js_value(&path.to_string(), what));
    }
    if depth >= api::MAX_DEPTH {
        return Err(api::too_deep(&path.to_string()));
    }
    if Array::is_array(v) {
        let arr: &Array = v.unchecked_ref();
        let mut out = Vec::with_capacity(arr.length() as usize);
        for i in 0..arr.length() {
            out.push(walk(&Path::Index(path, i), &arr.get(i), depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if js_sys::ArrayBuffer::is_view(v) {
        return match v.dyn_ref::<Uint8Array>() {
            Some(b) => Ok(Value::String(festival_core::interop::hex_encode(&b.to_vec()))),
            None => Err(InputError::invalid(path.to_string(), "expected a Uint8Array").into()),
        };
    }
    if let Some(d) = v.dyn_ref::<js_sys::Date>() {
        return api::date_to_json(&path.to_string(), d.get_time());
    }
    let obj: &Object = v.unchecked_ref();
    let mut map = Map::new();
    for key in Object::keys(obj).iter() {
        let Some(k) = key.as_string() else { continue };
        let p = Path::Key(path, &k);
        let val = Reflect::get(obj, &key)
            .map_err(|_| CoreError::from(InputError::invalid(p.to_string(), "unreadable property")))?;
        if val.is_undefined() {
            continue;
        }
        let val = walk(&p, &val, depth + 1)?;
        map.insert(k, val);
    }
    Ok(Value::Object(map))
}

/// A `Uint8Array` argument.
fn bytes(field: &str, v: &JsValue) -> CoreResult<Vec<u8>> {
    v.dyn_ref::<Uint8Array>()
        .map(|b| b.to_vec())
        .ok_or_else(|| InputError::invalid(field, "expected a Uint8Array").into())
}

// ------------------------------------------------------------------ JSON -> JS

/// An object key for JS. The API's field names (short camelCase identifiers, a bounded set) are
/// interned so each crosses into JS once per page; data keys (wallet ids...) are not cached.
fn key_to_js(k: &str) -> JsValue {
    if k.len() <= 32 && k.bytes().all(|b| b.is_ascii_alphabetic()) {
        JsValue::from_str(wasm_bindgen::intern(k))
    } else {
        JsValue::from_str(k)
    }
}

/// JSON to a JS value: integers within ±(2^53 − 1) become numbers, larger ones BigInt (the same
/// rule napi-rs applies in the Node package); objects become plain objects.
pub fn to_js(v: &Value) -> JsValue {
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                if (-api::MAX_SAFE_INTEGER..=api::MAX_SAFE_INTEGER).contains(&i) {
                    JsValue::from_f64(i as f64)
                } else {
                    JsValue::from(i)
                }
            } else if let Some(u) = n.as_u64() {
                JsValue::from(u)
            } else {
                JsValue::from_f64(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => JsValue::from_str(s),
        Value::Array(a) => a.iter().map(to_js).collect::<Array>().into(),
        Value::Object(m) => {
            let obj = Object::new();
            for (k, val) in m {
                // Setting a data property on a fresh plain object cannot fail.
                let _ = Reflect::set(&obj, &key_to_js(k), &to_js(val));
            }
            obj.into()
        }
    }
}

// ------------------------------------------------------------------ errors

/// A core error as the JS `Error` thrown: `instanceof Error`, `.code`, `.family`, `.details`.
pub fn js_error(e: &CoreError, camel_case: bool) -> JsValue {
    let p = JsErrorParts::new(e, camel_case);
    let err = js_sys::Error::new(&p.message);
    err.set_name("FestivalError");
    let _ = Reflect::set(&err, &"code".into(), &p.code.into());
    let _ = Reflect::set(&err, &"family".into(), &p.family.into());
    let _ = Reflect::set(&err, &"details".into(), &to_js(&p.details));
    err.into()
}

fn run(f: impl FnOnce() -> CoreResult<Value>) -> Result<JsValue, JsValue> {
    f().map(|v| to_js(&v)).map_err(|e| js_error(&e, true))
}

fn run_plain<T>(f: impl FnOnce() -> CoreResult<T>) -> Result<T, JsValue> {
    f().map_err(|e| js_error(&e, true))
}

// ------------------------------------------------------------------ conformance

/// Runs a conformance operation (`tests/vectors/README.md`): JSON text in, JSON text out.
/// Errors carry the core's snake_case details, like the vectors. Only with the `conformance` feature
/// (default; the npm package built by scripts/build.sh leaves it out).
#[cfg(feature = "conformance")]
#[wasm_bindgen(js_name = conformanceExecute)]
pub fn conformance_execute(
    #[wasm_bindgen(unchecked_param_type = "string")] op: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] input: JsValue,
) -> Result<String, JsValue> {
    (|| api::conformance_execute(&js("op", &op)?, &js("input", &input)?))().map_err(|e| js_error(&e, false))
}

// ------------------------------------------------------------------ money

/// Parses a decimal string in a currency: `parseMoney("12.5", "EUR")` → `{ amount: "12.50", currency: "EUR" }`.
#[wasm_bindgen(js_name = parseMoney, unchecked_return_type = "Money")]
pub fn parse_money(
    #[wasm_bindgen(unchecked_param_type = "string")] amount: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] currency: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| api::parse_money(&js("amount", &amount)?, &js("currency", &currency)?))
}

/// Money from integer minor units: `moneyFromMinor(1050n, "EUR")` → `10.50 EUR`.
#[wasm_bindgen(js_name = moneyFromMinor, unchecked_return_type = "Money")]
pub fn money_from_minor(
    #[wasm_bindgen(unchecked_param_type = "bigint | number")] minor: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] currency: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| api::money_from_minor(&js("minor", &minor)?, &js("currency", &currency)?))
}

/// The amount in minor units as a BigInt.
#[wasm_bindgen(js_name = moneyToMinor)]
pub fn money_to_minor(#[wasm_bindgen(unchecked_param_type = "Money")] money: JsValue) -> Result<i64, JsValue> {
    run_plain(|| api::money_to_minor(&js("money", &money)?))
}

/// `"12.50 EUR"`.
#[wasm_bindgen(js_name = formatMoney)]
pub fn format_money(#[wasm_bindgen(unchecked_param_type = "Money")] money: JsValue) -> Result<String, JsValue> {
    run_plain(|| api::format_money(&js("money", &money)?))
}

/// `a + b` (same currency, checked).
#[wasm_bindgen(js_name = addMoney, unchecked_return_type = "Money")]
pub fn add_money(
    #[wasm_bindgen(unchecked_param_type = "Money")] a: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Money")] b: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| api::add_money(&js("a", &a)?, &js("b", &b)?))
}

/// `a - b` (same currency, checked).
#[wasm_bindgen(js_name = subMoney, unchecked_return_type = "Money")]
pub fn sub_money(
    #[wasm_bindgen(unchecked_param_type = "Money")] a: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Money")] b: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| api::sub_money(&js("a", &a)?, &js("b", &b)?))
}

/// `-1`, `0` or `1` (same currency required).
#[wasm_bindgen(js_name = compareMoney, unchecked_return_type = "-1 | 0 | 1")]
pub fn compare_money(
    #[wasm_bindgen(unchecked_param_type = "Money")] a: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Money")] b: JsValue,
) -> Result<i32, JsValue> {
    run_plain(|| api::compare_money(&js("a", &a)?, &js("b", &b)?))
}

/// `money × quantity`, exact.
#[wasm_bindgen(js_name = mulQty, unchecked_return_type = "Money")]
pub fn mul_qty(
    #[wasm_bindgen(unchecked_param_type = "Money")] money: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number | bigint")] quantity: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| api::mul_qty(&js("money", &money)?, &js("quantity", &quantity)?))
}

/// `money × rate` (rate as a decimal string), rounded with `mode`.
#[wasm_bindgen(js_name = applyRate, unchecked_return_type = "Money")]
pub fn apply_rate(
    #[wasm_bindgen(unchecked_param_type = "Money")] money: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] rate: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RoundingMode")] mode: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| api::apply_rate(&js("money", &money)?, &js("rate", &rate)?, &js("mode", &mode)?))
}

/// `money × percent / 100` (`"19"` for 19 %), rounded with `mode`.
#[wasm_bindgen(js_name = percentage, unchecked_return_type = "Money")]
pub fn percentage(
    #[wasm_bindgen(unchecked_param_type = "Money")] money: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] percent: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RoundingMode")] mode: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| api::percentage(&js("money", &money)?, &js("percent", &percent)?, &js("mode", &mode)?))
}

/// Splits `money` by ratios (decimal strings) so the parts sum exactly to the whole.
#[wasm_bindgen(js_name = allocate, unchecked_return_type = "Money[]")]
pub fn allocate(
    #[wasm_bindgen(unchecked_param_type = "Money")] money: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string[]")] ratios: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| api::allocate(&js("money", &money)?, &js("ratios", &ratios)?))
}

/// Splits `money` into `parts` near-equal parts that sum exactly to the whole.
#[wasm_bindgen(js_name = split, unchecked_return_type = "Money[]")]
pub fn split(
    #[wasm_bindgen(unchecked_param_type = "Money")] money: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] parts: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| api::split(&js("money", &money)?, &js("parts", &parts)?))
}

/// VAT for gross or net line prices with one of the shop rounding strategies.
#[wasm_bindgen(js_name = computeTax, unchecked_return_type = "TaxBreakdown")]
pub fn compute_tax(
    #[wasm_bindgen(unchecked_param_type = "TaxLine[]")] lines: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PriceBasis")] basis: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TaxRounding")] rounding: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RoundingMode")] mode: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| {
        api::compute_tax(&js("lines", &lines)?, &js("basis", &basis)?, &js("rounding", &rounding)?, &js("mode", &mode)?)
    })
}

/// The festival's books over postings (from `Wallet.postings()`): account balances (debit
/// positive), whether they balance, and net revenue per stand.
#[wasm_bindgen(js_name = trialBalance, unchecked_return_type = "TrialBalance")]
pub fn trial_balance(
    #[wasm_bindgen(unchecked_param_type = "string")] currency: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Posting[]")] postings: JsValue,
) -> Result<JsValue, JsValue> {
    run(|| api::wallet::trial_balance(&js("currency", &currency)?, &js("postings", &postings)?))
}

// ------------------------------------------------------------------ offline

/// Strict Ed25519 verification (canonical encodings, no small-order keys); any rejection is `false`.
#[wasm_bindgen(js_name = verifySignature)]
pub fn verify_signature(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array", js_name = publicKey)] public_key: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] message: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] signature: JsValue,
) -> Result<bool, JsValue> {
    run_plain(|| {
        Ok(api::offline::verify_signature(
            &bytes("publicKey", &public_key)?,
            &bytes("message", &message)?,
            &bytes("signature", &signature)?,
        ))
    })
}

/// The Ed25519 public key (32 bytes) of a 32-byte secret seed (the caller supplies the entropy).
#[wasm_bindgen(js_name = publicKeyFromSeed)]
pub fn public_key_from_seed(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] seed: JsValue,
) -> Result<Vec<u8>, JsValue> {
    run_plain(|| api::offline::public_key_from_seed(&bytes("seed", &seed)?))
}

/// Signs `message` with the key of `seed` (deterministic Ed25519, 64 bytes).
#[wasm_bindgen(js_name = signMessage)]
pub fn sign_message(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] seed: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] message: JsValue,
) -> Result<Vec<u8>, JsValue> {
    run_plain(|| api::offline::sign_message(&bytes("seed", &seed)?, &bytes("message", &message)?))
}

/// Issues the QR text (`FC...`) of a ticket code signed with the issuer's 32-byte seed.
#[wasm_bindgen(js_name = issueTicketCode)]
pub fn issue_ticket_code(
    #[wasm_bindgen(unchecked_param_type = "TicketClaimsInput")] claims: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array", js_name = issuerSeed)] issuer_seed: JsValue,
) -> Result<String, JsValue> {
    run_plain(|| api::offline::issue_ticket_code(&js("claims", &claims)?, &bytes("issuerSeed", &issuer_seed)?))
}

/// Decodes a ticket code WITHOUT verifying it (display only; gates use `TicketVerifier`).
#[wasm_bindgen(js_name = decodeTicketCode, unchecked_return_type = "TicketClaims")]
pub fn decode_ticket_code(#[wasm_bindgen(unchecked_param_type = "string")] code: JsValue) -> Result<JsValue, JsValue> {
    run(|| api::offline::decode_ticket_code(&js("code", &code)?))
}

/// Signs a revocation / block list; returns its canonical signed bytes.
#[wasm_bindgen(js_name = issueRevocationList)]
pub fn issue_revocation_list(
    #[wasm_bindgen(unchecked_param_type = "RevocationList")] list: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array", js_name = issuerSeed)] issuer_seed: JsValue,
) -> Result<Vec<u8>, JsValue> {
    run_plain(|| api::offline::issue_revocation_list(&js("list", &list)?, &bytes("issuerSeed", &issuer_seed)?))
}

/// A gate's offline ticket-code verifier: trusted issuer keys (rotation), its festival, and the
/// installed revocation list (which only moves forward and must be fresh).
#[wasm_bindgen]
pub struct TicketVerifier {
    inner: api::offline::TicketVerifierHandle,
}

#[wasm_bindgen]
impl TicketVerifier {
    /// `new TicketVerifier(keys, festivalId)`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "IssuerKey[]")] keys: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = festivalId)] festival_id: JsValue,
    ) -> Result<TicketVerifier, JsValue> {
        run_plain(|| api::offline::TicketVerifierHandle::new(&js("keys", &keys)?, &js("festivalId", &festival_id)?))
            .map(|inner| TicketVerifier { inner })
    }

    /// Verifies and installs signed list bytes.
    #[wasm_bindgen(js_name = installRevocationList, unchecked_return_type = "'installed' | 'unchanged'")]
    pub fn install_revocation_list(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] list: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| inner.install_revocation_list(&bytes("bytes", &list)?, &js("now", &now)?))
    }

    /// The installed revocation list, or null.
    #[wasm_bindgen(js_name = revocationList, unchecked_return_type = "RevocationList | null")]
    pub fn revocation_list(&self) -> Result<JsValue, JsValue> {
        run(|| self.inner.revocation_list())
    }

    /// Verifies a ticket code at `now`; returns its claims or throws a `CODE_*` error.
    #[wasm_bindgen(unchecked_return_type = "TicketClaims")]
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] code: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] now: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number", js_name = maxStalenessMs)] max_staleness_ms: JsValue,
    ) -> Result<JsValue, JsValue> {
        run(|| self.inner.verify(&js("code", &code)?, &js("now", &now)?, &js("maxStalenessMs", &max_staleness_ms)?))
    }
}

// ------------------------------------------------------------------ wallets

/// A cashless wallet: refundable and bonus sub-balances derived from its ledger, one method per
/// operation (each takes a caller-chosen entry id for idempotency and the time `at`).
#[wasm_bindgen]
pub struct Wallet {
    inner: api::wallet::WalletHandle,
}

#[wasm_bindgen]
impl Wallet {
    /// `new Wallet({ id, festivalId, currency, spendOrder?, limits?, ageClass? })`.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "WalletConfigInput")] config: JsValue) -> Result<Wallet, JsValue> {
        run_plain(|| api::wallet::WalletHandle::new(&js("config", &config)?)).map(|inner| Wallet { inner })
    }

    /// Rebuilds a wallet from `serialize()` output by replaying its ledger (tampering is detected).
    pub fn deserialize(#[wasm_bindgen(unchecked_param_type = "string")] state: JsValue) -> Result<Wallet, JsValue> {
        run_plain(|| api::wallet::WalletHandle::deserialize(&js("state", &state)?)).map(|inner| Wallet { inner })
    }

    /// The wallet as JSON text (config + ledger; the core's storage format).
    pub fn serialize(&self) -> Result<String, JsValue> {
        run_plain(|| self.inner.serialize())
    }

    /// The wallet id.
    pub fn id(&self) -> String {
        self.inner.id()
    }

    /// Moves refundable money to `to` atomically (both sides or neither).
    #[wasm_bindgen(js_name = transferTo, unchecked_return_type = "TransferOutcome")]
    pub fn transfer_to(
        &mut self,
        to: &mut Wallet,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Money")] amount: JsValue,
    ) -> Result<JsValue, JsValue> {
        let (from, to) = (&mut self.inner, &mut to.inner);
        run(|| from.transfer_to(to, &js("id", &id)?, &js("at", &at)?, &js("amount", &amount)?))
    }

    /// Applies an entry `{ id, at, operation: { kind, ... } }` (idempotent by id).
    #[wasm_bindgen(unchecked_return_type = "WalletOutcome")]
    pub fn apply(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "WalletEntry")] entry: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| inner.apply(&js("entry", &entry)?))
    }

    /// Money paid in (refundable).
    #[wasm_bindgen(js_name = topUp, unchecked_return_type = "WalletOutcome")]
    pub fn top_up(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Money")] amount: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TopUpMethod")] method: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| inner.top_up(&js("id", &id)?, &js("at", &at)?, &js("amount", &amount)?, &js("method", &method)?))
    }

    /// Promotional credit (a bonus lot, optionally expiring).
    #[wasm_bindgen(js_name = creditBonus, unchecked_return_type = "WalletOutcome")]
    pub fn credit_bonus(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Money")] amount: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput | null", js_name = expiresAt)] expires_at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| {
            inner.credit_bonus(
                &js("id", &id)?,
                &js("at", &at)?,
                &js("amount", &amount)?,
                &js("expiresAt", &expires_at)?,
            )
        })
    }

    /// A payment at a stand with line items (bonus first unless configured otherwise); lines may
    /// carry a `kind` (deposit, voucher) and `catalogVersion` names the catalog that priced them.
    #[wasm_bindgen(unchecked_return_type = "WalletOutcome")]
    #[allow(clippy::too_many_arguments)]
    pub fn pay(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = standId)] stand_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "LineItem[]")] items: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | null", js_name = deviceId)] device_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | null", js_name = catalogVersion)] catalog_version: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| {
            inner.pay(
                &js("id", &id)?,
                &js("at", &at)?,
                &js("standId", &stand_id)?,
                &js("items", &items)?,
                &js("deviceId", &device_id)?,
                &js("catalogVersion", &catalog_version)?,
            )
        })
    }

    /// A returned deposit item (a cup): credits `amount` to the refundable balance.
    #[wasm_bindgen(js_name = depositReturn, unchecked_return_type = "WalletOutcome")]
    #[allow(clippy::too_many_arguments)]
    pub fn deposit_return(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = standId)] stand_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] product: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] quantity: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Money")] amount: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | null", js_name = deviceId)] device_id: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| {
            inner.deposit_return(
                &js("id", &id)?,
                &js("at", &at)?,
                &js("standId", &stand_id)?,
                &js("product", &product)?,
                &js("quantity", &quantity)?,
                &js("amount", &amount)?,
                &js("deviceId", &device_id)?,
            )
        })
    }

    /// Grants count-vouchers (for example drink vouchers for helpers; not money).
    #[wasm_bindgen(js_name = voucherGrant, unchecked_return_type = "WalletOutcome")]
    pub fn voucher_grant(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = voucherType)] voucher_type: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] count: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| {
            inner.voucher_grant(&js("id", &id)?, &js("at", &at)?, &js("voucherType", &voucher_type)?, &js("count", &count)?)
        })
    }

    /// Takes count-vouchers back (at most what the wallet holds).
    #[wasm_bindgen(js_name = voucherRevoke, unchecked_return_type = "WalletOutcome")]
    pub fn voucher_revoke(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = voucherType)] voucher_type: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] count: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| {
            inner.voucher_revoke(&js("id", &id)?, &js("at", &at)?, &js("voucherType", &voucher_type)?, &js("count", &count)?)
        })
    }

    /// Applies an entry at a POS that holds the catalog: a payment must carry the catalog's version
    /// and match its prices, kinds, vouchers and deposits and the wallet's age class; a deposit
    /// return must be a deposit at its price (`CATALOG_*`).
    #[wasm_bindgen(js_name = applyWithCatalog, unchecked_return_type = "WalletOutcome")]
    pub fn apply_with_catalog(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "WalletEntry")] entry: JsValue,
        catalog: &ticketing::Catalog,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| inner.apply_with_catalog(&js("entry", &entry)?, &catalog.inner))
    }

    /// Refund of (part of) an earlier payment, restored where it came from.
    #[wasm_bindgen(unchecked_return_type = "WalletOutcome")]
    pub fn refund(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = paymentId)] payment_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Money")] amount: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | null")] reason: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| {
            inner.refund(
                &js("id", &id)?,
                &js("at", &at)?,
                &js("paymentId", &payment_id)?,
                &js("amount", &amount)?,
                &js("reason", &reason)?,
            )
        })
    }

    /// Cash-out of refundable money (optional fee).
    #[wasm_bindgen(unchecked_return_type = "WalletOutcome")]
    pub fn payout(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Money")] amount: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Money | null")] fee: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| inner.payout(&js("id", &id)?, &js("at", &at)?, &js("amount", &amount)?, &js("fee", &fee)?))
    }

    /// Operator correction of one sub-balance.
    #[wasm_bindgen(unchecked_return_type = "WalletOutcome")]
    pub fn adjust(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Money")] amount: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SubBalance")] target: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] reason: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| {
            inner.adjust(
                &js("id", &id)?,
                &js("at", &at)?,
                &js("amount", &amount)?,
                &js("target", &target)?,
                &js("reason", &reason)?,
            )
        })
    }

    /// Expires bonus lots due at `at`.
    #[wasm_bindgen(js_name = expireBonus, unchecked_return_type = "WalletOutcome")]
    pub fn expire_bonus(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| inner.expire_bonus(&js("id", &id)?, &js("at", &at)?))
    }

    /// Administrative block.
    #[wasm_bindgen(unchecked_return_type = "WalletOutcome")]
    pub fn block(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] reason: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| inner.block(&js("id", &id)?, &js("at", &at)?, &js("reason", &reason)?))
    }

    /// Lifts the administrative block.
    #[wasm_bindgen(unchecked_return_type = "WalletOutcome")]
    pub fn unblock(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| inner.unblock(&js("id", &id)?, &js("at", &at)?))
    }

    /// Closes the wallet for good.
    #[wasm_bindgen(unchecked_return_type = "WalletOutcome")]
    pub fn close(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| inner.close(&js("id", &id)?, &js("at", &at)?))
    }

    /// Refundable, bonus, debt and total (derived from the ledger).
    #[wasm_bindgen(unchecked_return_type = "Balances")]
    pub fn balances(&self) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        run(|| inner.balances())
    }

    /// What a payment at `at` could spend.
    #[wasm_bindgen(unchecked_return_type = "Money")]
    pub fn spendable(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        run(|| inner.spendable(&js("at", &at)?))
    }

    /// Running sums over the ledger (conservation).
    #[wasm_bindgen(unchecked_return_type = "WalletTotals")]
    pub fn totals(&self) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        run(|| inner.totals())
    }

    /// `'active' | 'blocked' | 'closed'`.
    #[wasm_bindgen(unchecked_return_type = "WalletStatus")]
    pub fn status(&self) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        run(|| inner.status())
    }

    /// Why the wallet is blocked.
    #[wasm_bindgen(js_name = blockReasons, unchecked_return_type = "BlockReason[]")]
    pub fn block_reasons(&self) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        run(|| inner.block_reasons())
    }

    /// Bonus lots with expiry and remaining amount.
    #[wasm_bindgen(js_name = bonusLots, unchecked_return_type = "BonusLot[]")]
    pub fn bonus_lots(&self) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        run(|| inner.bonus_lots())
    }

    /// Every applied entry with its effect.
    #[wasm_bindgen(unchecked_return_type = "LedgerEntry[]")]
    pub fn ledger(&self) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        run(|| inner.ledger())
    }

    /// The double-entry postings of the ledger: one per entry that moves money, legs summing to
    /// zero (debit positive); feed them to `trialBalance`.
    #[wasm_bindgen(unchecked_return_type = "Posting[]")]
    pub fn postings(&self) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        run(|| inner.postings())
    }

    /// Deposits charged, returned and outstanding per deposit product.
    #[wasm_bindgen(unchecked_return_type = "DepositTotals[]")]
    pub fn deposits(&self) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        run(|| inner.deposits())
    }

    /// Count-vouchers held now, per type (`[{ voucherType, count }]`).
    #[wasm_bindgen(unchecked_return_type = "VoucherCount[]")]
    pub fn vouchers(&self) -> JsValue {
        to_js(&self.inner.vouchers())
    }

    /// Count-voucher sums per type: granted, revoked, redeemed, forfeited, balance.
    #[wasm_bindgen(js_name = voucherTotals, unchecked_return_type = "VoucherTotals[]")]
    pub fn voucher_totals(&self) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        run(|| inner.voucher_totals())
    }

    /// The wallet's configuration.
    #[wasm_bindgen(unchecked_return_type = "WalletConfig")]
    pub fn config(&self) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        run(|| inner.config())
    }
}

/// NFC wristband tags ↔ wallets: link, report lost, replace; a used tag is never re-linked.
#[wasm_bindgen]
pub struct TagRegistry {
    inner: api::wallet::TagRegistryHandle,
}

#[wasm_bindgen]
impl TagRegistry {
    /// An empty registry.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> TagRegistry {
        TagRegistry { inner: api::wallet::TagRegistryHandle::new() }
    }

    /// Rebuilds a registry from `serialize()` output.
    pub fn deserialize(
        #[wasm_bindgen(unchecked_param_type = "string")] state: JsValue,
    ) -> Result<TagRegistry, JsValue> {
        run_plain(|| api::wallet::TagRegistryHandle::deserialize(&js("state", &state)?))
            .map(|inner| TagRegistry { inner })
    }

    /// The registry as JSON text.
    pub fn serialize(&self) -> Result<String, JsValue> {
        run_plain(|| self.inner.serialize())
    }

    /// The wallet id of an active tag.
    pub fn lookup(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] uid: JsValue,
    ) -> Result<String, JsValue> {
        run_plain(|| self.inner.lookup(&js("uid", &uid)?))
    }

    /// Links a tag UID to a wallet.
    #[wasm_bindgen(unchecked_return_type = "TagRecord")]
    pub fn link(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] uid: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = walletId)] wallet_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| inner.link(&js("uid", &uid)?, &js("walletId", &wallet_id)?, &js("at", &at)?))
    }

    /// Reports a tag lost (blocked forever).
    #[wasm_bindgen(js_name = reportLost, unchecked_return_type = "TagRecord")]
    pub fn report_lost(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] uid: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| inner.report_lost(&js("uid", &uid)?, &js("at", &at)?))
    }

    /// Moves a wallet from a lost/old tag to a new one.
    #[wasm_bindgen(unchecked_return_type = "TagRecord")]
    pub fn replace(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string", js_name = oldUid)] old_uid: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string", js_name = newUid)] new_uid: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimestampInput")] at: JsValue,
    ) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        run(|| inner.replace(&js("oldUid", &old_uid)?, &js("newUid", &new_uid)?, &js("at", &at)?))
    }

    /// Every tag record.
    #[wasm_bindgen(unchecked_return_type = "TagRecord[]")]
    pub fn records(&self) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        run(|| inner.records())
    }
}


// Ticketing and access (priceOrder, Inventory, Order, TicketBook, AccessControl).
pub mod ticketing;
pub mod device;
pub mod reconcile;
