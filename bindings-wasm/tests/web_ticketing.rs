//! Ticketing and access inside headless Chromium (wasm-bindgen-test-runner + chromedriver), like
//! `web.rs`: a cart priced, seats sold out with the core's code and details, a ticket sold and
//! scanned at the gate, all through the exported JS API with real JS values.
#![cfg(target_arch = "wasm32")]

use bindings_wasm::ticketing as fc;
use js_sys::{Error, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn s(x: &str) -> JsValue {
    JsValue::from_str(x)
}

fn n(x: f64) -> JsValue {
    JsValue::from_f64(x)
}

fn obj(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |v, k| Reflect::get(&v, &s(k)).unwrap())
}

fn text(v: &JsValue, path: &str) -> String {
    get(v, path).as_string().unwrap()
}

fn code(e: &JsValue) -> String {
    assert!(e.is_instance_of::<Error>(), "thrown value is an Error");
    text(e, "code")
}

const DAY: &str = "00000000-0000-4000-8000-000000000001";
const TICKET: &str = "00000000-0000-4000-8000-000000000011";
const DAY_TYPE: &str = r#"{"id": "00000000-0000-4000-8000-000000000001", "name": "Day", "price": {"amount": "59.00", "currency": "EUR"},
  "capacity": 2, "saleFrom": "2026-03-01T00:00:00Z", "saleUntil": "2026-07-04T18:00:00Z",
  "validFrom": "2026-07-04T10:00:00Z", "validUntil": "2026-07-05T04:00:00Z", "maxPerOrder": 4,
  "zones": ["main"], "reentryAllowed": false, "transferLimit": 1}"#;

#[wasm_bindgen_test]
fn price_order_in_the_browser() {
    let config = fc::pricing_config(s("EUR"), s("19"), s("gross"), s("sum_by_net_keep_gross")).unwrap();
    let request = obj(&format!(
        r#"{{"lines": [{{"ticketTypeId": "{DAY}", "unitPrice": {{"amount": "59.00", "currency": "EUR"}}, "quantity": 2}}],
            "promoCode": "early10", "at": "2026-05-01T10:00:00Z"}}"#
    ));
    let promos = obj(r#"[{"code": "EARLY10", "discount": {"kind": "percentage", "percent": "10"}}]"#);
    let b = fc::price_order(request.clone(), config.clone(), promos).unwrap();
    assert_eq!(text(&b, "total.amount"), "106.20");
    assert_eq!(text(&b, "tax.amount"), "16.96");
    assert_eq!(get(&b, "taxIncluded").as_bool(), Some(true));
    let e = fc::price_order(request, config, JsValue::NULL).unwrap_err();
    assert_eq!(code(&e), "PROMO_UNKNOWN");
}

#[wasm_bindgen_test]
fn sold_out_sale_and_gate_scan_in_the_browser() {
    let mut inv = fc::Inventory::new(s(DAY), n(2.0)).unwrap();
    let now = s("2026-05-01T10:00:00Z");
    let hold_until = s("2026-05-01T10:15:00Z");
    let e = inv.reserve(s(TICKET), n(3.0), now.clone(), hold_until.clone()).unwrap_err();
    assert_eq!(code(&e), "INVENTORY_SOLD_OUT");
    assert_eq!(get(&e, "details.available").as_f64(), Some(2.0));
    assert_eq!(
        code(&inv.reserve(s(TICKET), n(f64::NAN), now.clone(), hold_until.clone()).unwrap_err()),
        "INPUT_INVALID"
    );

    let mut book = fc::TicketBook::new();
    book.add_type(obj(DAY_TYPE)).unwrap();
    let order_id = s("00000000-0000-4000-8000-0000000000a1");
    let total = obj(r#"{"amount": "59.00", "currency": "EUR"}"#);
    let mut order =
        fc::Order::place(order_id, obj(DAY_TYPE), &mut inv, n(1.0), total.clone(), now.clone(), hold_until).unwrap();
    assert_eq!(order.pay(&mut inv, total.clone(), now.clone()).unwrap().as_string().unwrap(), "paid");
    let e = order.pay(&mut inv, total, now.clone()).unwrap_err();
    assert_eq!(code(&e), "ORDER_ILLEGAL_TRANSITION");
    let tickets = obj(&format!(r#"[{{"id": "{TICKET}", "number": "A1", "holder": "Ada"}}]"#));
    assert_eq!(order.fulfill(&mut book, tickets, now).unwrap().as_string().unwrap(), "fulfilled");

    let mut gates =
        fc::AccessControl::new(obj(r#"[{"id": "main", "name": "Main", "capacity": 10, "perimeter": true}]"#)).unwrap();
    let scan = obj(&format!(
        r#"{{"ticketId": "{TICKET}", "zoneId": "main", "direction": "in", "at": "2026-07-04T12:00:00Z"}}"#
    ));
    let first = gates.scan(&mut book, scan.clone()).unwrap();
    assert_eq!(text(&first, "decision"), "admit");
    let again = gates.scan(&mut book, scan).unwrap();
    assert_eq!((text(&again, "decision"), text(&again, "reason")), ("deny".into(), "already_inside".into()));
    assert_eq!(text(&book.ticket(s(TICKET)).unwrap(), "state"), "checked_in");
    assert_eq!(get(&gates.occupancy(s("main")).unwrap(), "occupancy").as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
fn cart_with_shared_quota_and_a_line_refund_in_the_browser() {
    const PARKING: &str = "00000000-0000-4000-8000-000000000003";
    let mut quotas = fc::QuotaBook::new(obj(&format!(
        r#"[{{"id": "00000000-0000-4000-8000-000000000010", "name": "Site", "size": 2, "itemIds": ["{DAY}"]}},
            {{"id": "00000000-0000-4000-8000-000000000011", "name": "Parking", "size": 1, "itemIds": ["{PARKING}"]}}]"#
    )))
    .unwrap();
    let catalog = obj(&format!(
        r#"{{"ticketTypes": [{DAY_TYPE}], "addOns": [{{"id": "{PARKING}", "name": "Parking",
            "price": {{"amount": "15.00", "currency": "EUR"}}, "maxPerOrder": 2}}], "taxRates": [{{"itemId": "{DAY}", "rate": "7"}}]}}"#
    ));
    let pricing = fc::pricing_config(s("EUR"), s("19"), s("gross"), s("per_line")).unwrap();
    let config = obj(&format!(
        r#"{{"pricing": {}, "orderFees": [{{"name": "booking", "amount": {{"amount": "1.00", "currency": "EUR"}}, "percent": "0", "rounding": "half_up"}}]}}"#,
        JSON::stringify(&pricing).unwrap().as_string().unwrap()
    ));
    let spec = |id: &str, lines: &str| {
        obj(&format!(r#"{{"id": "{id}", "now": "2026-05-01T10:00:00Z", "expiresAt": "2026-05-01T10:15:00Z", "lines": {lines}}}"#))
    };
    let lines = format!(
        r#"[{{"lineId": "00000000-0000-4000-8000-000000000101", "itemId": "{DAY}", "quantity": 1}},
            {{"lineId": "00000000-0000-4000-8000-000000000102", "itemId": "{PARKING}", "quantity": 1}}]"#
    );
    let mut order = fc::CartOrder::place(
        spec("00000000-0000-4000-8000-0000000000a1", &lines),
        catalog.clone(),
        config.clone(),
        JsValue::NULL,
        &mut quotas,
    )
    .unwrap();
    // 59.00 + 15.00 + the 1.00 booking fee split 59 : 15.
    assert_eq!(text(&order.total(), "amount"), "75.00");
    let again = format!(r#"[{{"lineId": "00000000-0000-4000-8000-000000000101", "itemId": "{PARKING}", "quantity": 1}}]"#);
    let e = fc::CartOrder::place(spec("00000000-0000-4000-8000-0000000000a2", &again), catalog, config, JsValue::NULL, &mut quotas)
        .err()
        .unwrap();
    assert_eq!(code(&e), "QUOTA_EXHAUSTED");
    order.pay(&mut quotas, obj(r#"{"amount": "75.00", "currency": "EUR"}"#), s("2026-05-01T10:05:00Z")).unwrap();
    let mut book = fc::TicketBook::new();
    let refund = obj(r#"{"refundId": "00000000-0000-4000-8000-000000000300", "lineId": "00000000-0000-4000-8000-000000000102", "quantity": 1}"#);
    let r = order.refund_line(refund.clone(), s("2026-05-02T00:00:00Z"), &mut quotas, &mut book).unwrap();
    assert_eq!(text(&r, "amount.amount"), "15.20");
    let again = order.refund_line(refund, s("2026-05-03T00:00:00Z"), &mut quotas, &mut book).unwrap();
    assert_eq!(text(&again, "at"), "2026-05-02T00:00:00.000Z", "the recorded refund, unchanged");
    assert_eq!(order.state().as_string().as_deref(), Some("partially_refunded"));
    assert_eq!(quotas.available(s(PARKING), s("2026-05-02T00:00:00Z")).unwrap().as_f64(), Some(1.0));
}
