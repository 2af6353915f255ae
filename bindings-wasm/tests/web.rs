//! Runs in headless Chromium (wasm-bindgen-test-runner + chromedriver):
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p bindings-wasm --target wasm32-unknown-unknown`.
//! Calls the exported functions with real JS values and checks results, thrown errors and the
//! money conformance vectors through `conformanceExecute`, inside the browser's wasm engine.
#![cfg(target_arch = "wasm32")]

use bindings_wasm as fc;
use js_sys::{Array, Error, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn s(x: &str) -> JsValue {
    JsValue::from_str(x)
}

fn eur(amount: &str) -> JsValue {
    let o = Object::new();
    Reflect::set(&o, &s("amount"), &s(amount)).unwrap();
    Reflect::set(&o, &s("currency"), &s("EUR")).unwrap();
    o.into()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &s(key)).unwrap()
}

fn amount(v: &JsValue) -> String {
    get(v, "amount").as_string().unwrap()
}

fn code(e: &JsValue) -> String {
    assert!(e.is_instance_of::<Error>(), "thrown value is an Error");
    get(e, "code").as_string().unwrap()
}

#[wasm_bindgen_test]
fn money_in_the_browser() {
    let m = fc::parse_money(s("12.5"), s("EUR")).unwrap();
    assert_eq!(amount(&m), "12.50");
    assert_eq!(get(&m, "currency").as_string().unwrap(), "EUR");
    let total = fc::mul_qty(m.clone(), JsValue::from_f64(3.0)).unwrap();
    assert_eq!(amount(&total), "37.50");
    let fee = fc::percentage(total, s("2.5"), s("half_even")).unwrap();
    assert_eq!(amount(&fee), "0.94");
    assert_eq!(fc::money_to_minor(m.clone()).unwrap(), 1250);
    assert_eq!(fc::format_money(m).unwrap(), "12.50 EUR");
    let parts: Array = fc::split(eur("0.05"), JsValue::from_f64(3.0)).unwrap().dyn_into().unwrap();
    let got: Vec<String> = parts.iter().map(|p| amount(&p)).collect();
    assert_eq!(got, ["0.02", "0.02", "0.01"]);
    assert_eq!(fc::compare_money(eur("1"), eur("2")).unwrap(), -1);
}

#[wasm_bindgen_test]
fn errors_are_js_errors_with_code_family_details() {
    let e = fc::parse_money(s("0.001"), s("EUR")).unwrap_err();
    assert_eq!(code(&e), "MONEY_SCALE_EXCEEDED");
    assert_eq!(get(&e, "family").as_string().unwrap(), "money");
    assert_eq!(get(&get(&e, "details"), "minorDigits").as_f64().unwrap(), 2.0);
    assert_eq!(code(&fc::parse_money(JsValue::from_f64(12.5), s("EUR")).unwrap_err()), "INPUT_INVALID");
    assert_eq!(code(&fc::mul_qty(eur("1"), JsValue::from_f64(f64::NAN)).unwrap_err()), "INPUT_INVALID");
    assert_eq!(code(&fc::add_money(eur("1"), JsValue::UNDEFINED).unwrap_err()), "INPUT_INVALID");
    let usd = JSON::parse(r#"{"amount":"1","currency":"USD"}"#).unwrap();
    assert_eq!(code(&fc::add_money(eur("1"), usd).unwrap_err()), "MONEY_CURRENCY_MISMATCH");
}

#[wasm_bindgen_test]
fn money_vectors_through_conformance_execute() {
    let doc: serde_json::Value = serde_json::from_str(include_str!("../../tests/vectors/money.json")).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(!vectors.is_empty());
    for v in vectors {
        let op = v["op"].as_str().unwrap();
        let out = fc::conformance_execute(s(op), s(&v["input"].to_string()));
        match (v.get("expected"), v.get("expected_error")) {
            (Some(expected), None) => {
                let got: serde_json::Value = serde_json::from_str(&out.unwrap()).unwrap();
                assert_eq!(&got, expected, "{}", v["name"]);
            }
            (None, Some(want)) => {
                let e = out.unwrap_err();
                assert_eq!(code(&e), want.as_str().unwrap(), "{}", v["name"]);
            }
            _ => panic!("vector needs exactly one of expected / expected_error"),
        }
    }
}
