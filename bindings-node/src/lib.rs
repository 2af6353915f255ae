//! Node.js bindings of festival-core (napi-rs 3).
//!
//! Every export takes its arguments as raw JS values, converts them to JSON with [`js`] (one walker,
//! whose number rules are shared with the wasm package: `festival_js_api::number_to_json`), calls
//! the shared `festival-js-api` crate and returns JSON. Errors become real JS `Error` objects with
//! `.code`, `.family` and `.details` ([`throw`]). The API is identical in `bindings-wasm`.
//!
//! This file is the napi glue only. The exports are declared once, for both packages, in the table
//! of `bindings-node/scripts/gen_js_exports.py`, which generates `exports.rs` and `ticketing.rs`
//! here and in `bindings-wasm` (`device.rs` and `reconcile.rs` are still written by hand).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use festival_core::{Error as CoreError, InputError};
use festival_js_api::{self as api, JsErrorParts};
use napi::bindgen_prelude::{BigInt, FromNapiValue, Object, Uint8Array};
use napi::{Env, JsDate, JsValue, Unknown, ValueType};
use serde_json::{Map, Value};
use std::cell::{Ref, RefCell, RefMut};
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

// ------------------------------------------------------------------ handles

const BUSY: &str = "this object is already in use by the call in progress";

/// Borrows an exported object's handle (`field` names it in the error when it is busy).
fn get<'a, T>(field: &str, c: &'a RefCell<T>) -> CoreResult<Ref<'a, T>> {
    c.try_borrow().map_err(|_| InputError::invalid(field, BUSY).into())
}

/// Borrows an exported object's handle mutably.
fn get_mut<'a, T>(field: &str, c: &'a RefCell<T>) -> CoreResult<RefMut<'a, T>> {
    get_mut_or(field, c, BUSY)
}

/// [`get_mut`] with the error message of the export (`"a wallet cannot transfer to itself"`).
fn get_mut_or<'a, T>(field: &str, c: &'a RefCell<T>, why: &str) -> CoreResult<RefMut<'a, T>> {
    c.try_borrow_mut().map_err(|_| InputError::invalid(field, why).into())
}

// ------------------------------------------------------------------ exports

// Generated from one table with the wasm package's (bindings-node/scripts/gen_js_exports.py):
// money, books, offline, Wallet, TagRegistry (exports.rs); ticketing, access, till, catalog
// (ticketing.rs).
mod exports;
mod ticketing;
pub(crate) use exports::Wallet;

// Hand-written (the lead's; not yet in the table).
mod device;
mod reconcile;
