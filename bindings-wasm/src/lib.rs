//! WebAssembly bindings of festival-core (wasm-bindgen), for browsers and Node.
//!
//! The exported API is the same as `bindings-node`'s (same names, same shapes): every export takes
//! raw JS values, converts them to JSON with [`js`] (the number rules are shared with the Node
//! package: `festival_js_api::number_to_json`), calls the shared `festival-js-api` crate and
//! converts the JSON result back with [`to_js`]. Errors are thrown as real JS `Error` objects with
//! `.code`, `.family` and `.details`.
//!
//! This file is the wasm-bindgen glue only. The exports are declared once, for both packages, in
//! the table of `bindings-node/scripts/gen_js_exports.py`, which generates `exports.rs` and
//! `ticketing.rs` here and in `bindings-node` (`device.rs` and `reconcile.rs` are still written by
//! hand).
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

/// Runs `f` and converts its JSON result to JS; a core error is thrown as a `FestivalError`.
fn run(f: impl FnOnce() -> CoreResult<Value>) -> Result<JsValue, JsValue> {
    f().map(|v| to_js(&v)).map_err(|e| js_error(&e, true))
}

/// [`run`] for results wasm-bindgen converts itself (strings, numbers, bytes, objects).
fn run_plain<T>(f: impl FnOnce() -> CoreResult<T>) -> Result<T, JsValue> {
    run_with(true, f)
}

/// [`run_plain`] choosing the error details' keys: camelCase, or the core's snake_case (`false`).
fn run_with<T>(camel_case: bool, f: impl FnOnce() -> CoreResult<T>) -> Result<T, JsValue> {
    f().map_err(|e| js_error(&e, camel_case))
}

// ------------------------------------------------------------------ exports

// Generated from one table with the Node package's (bindings-node/scripts/gen_js_exports.py):
// money, books, offline, Wallet, TagRegistry (exports.rs); ticketing, access, till, catalog
// (ticketing.rs).
pub mod exports;
pub mod ticketing;
pub use exports::*;

// Hand-written (the lead's; not yet in the table).
pub mod device;
pub mod reconcile;
