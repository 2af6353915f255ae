use super::*;
use crate::calendar::FestivalCalendar;
use crate::error::ErrorCode;
use crate::money::tax::TaxRounding;
use crate::money::{Money, RoundingMode};
use crate::offline::crypto;
use crate::offline::registry::{DeviceEntry, DeviceRegistry, DeviceRole};
use crate::test_util::{eur, m};
use crate::Timestamp;
use proptest::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;

const SEED: [u8; 32] = [42; 32];
const TILL: u128 = 0x7111;
const FESTIVAL: u128 = 0xfe5;
const DEVICE: u128 = 0xde1;

fn t(minutes: i64) -> Timestamp {
    // 2026-07-04T10:00:00Z + minutes
    Timestamp::from_unix_millis(1_783_159_200_000 + minutes * 60_000).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn spec(session: u128, float: &str, at: Timestamp) -> SessionSpec {
    SessionSpec::new(id(session), id(TILL), id(FESTIVAL), id(DEVICE), m(float), at)
}

fn products() -> BTreeMap<String, ProductInfo> {
    let p = |name: &str, rate: &str| ProductInfo { name: name.into(), vat_rate: rate.parse().unwrap(), vat_key: None, deposit: false };
    BTreeMap::from([
        ("beer".to_string(), p("Beer 0.5l", "19")),
        ("water".to_string(), p("Water, still", "7")),
        ("pretzel".to_string(), p("Pretzel \"XXL\"", "7")),
    ])
}

fn op(n: u128, at: Timestamp, kind: OperationKind) -> TillOperation {
    TillOperation { id: id(n), at, kind }
}

fn cash_in(amount: &str) -> OperationKind {
    OperationKind::CashTopUp { amount: m(amount), wallet_id: None }
}

fn payout(amount: &str) -> OperationKind {
    OperationKind::Payout { amount: m(amount), wallet_id: None }
}

fn line(sku: &str, quantity: u32, price: &str) -> SaleLine {
    SaleLine { sku: sku.into(), quantity, unit_price: m(price), voucher_id: None }
}

fn sale(n: u128, at: Timestamp, method: PaymentMethod, lines: Vec<SaleLine>) -> SaleRequest {
    SaleRequest { payment_id: id(n), at, method, lines, amount: None, wallet_id: None }
}

fn counted(cash: &str, card: &str) -> CountedAmounts {
    CountedAmounts { cash: m(cash), card: m(card) }
}

fn registry() -> DeviceRegistry {
    DeviceRegistry::new(vec![DeviceEntry {
        device_id: id(DEVICE),
        public_key: crypto::public_key_from_seed(&SEED),
        festival_id: id(FESTIVAL),
        role: DeviceRole::TopUp,
        locations: vec![],
        valid_from: Timestamp::from_unix_millis(0).unwrap(),
        valid_until: Timestamp::from_unix_millis(2_000_000_000_000).unwrap(),
        revoked_at: None,
    }])
    .unwrap()
}

fn code<T: std::fmt::Debug>(r: Result<T, crate::Error>) -> &'static str {
    r.unwrap_err().code()
}

#[test]
fn lifecycle_with_an_imbalance() {
    let mut s = TillSession::open(spec(1, "100.00", t(0))).unwrap();
    s.record(op(10, t(1), cash_in("20.00"))).unwrap();
    s.record(op(11, t(2), OperationKind::CardTopUp { amount: m("30.00"), wallet_id: Some(id(5)) })).unwrap();
    s.record(op(12, t(3), payout("15.50"))).unwrap();
    s.record(op(13, t(4), OperationKind::SafeIn { amount: m("50.00"), note: Some("change".into()) })).unwrap();
    s.record(op(14, t(5), OperationKind::SafeOut { amount: m("100.00"), note: None })).unwrap();
    s.sale(&sale(20, t(6), PaymentMethod::Cash, vec![line("beer", 2, "5.00")]), &products()).unwrap();
    s.sale(&sale(21, t(7), PaymentMethod::Card, vec![line("water", 1, "2.50")]), &products()).unwrap();
    s.sale(&sale(22, t(8), PaymentMethod::Wallet, vec![line("beer", 1, "5.00")]), &products()).unwrap();
    let totals = s.totals().unwrap();
    // 100 + 20 + 50 + 10 − 15.50 − 100
    assert_eq!(totals.expected_cash, m("64.50"));
    assert_eq!(totals.expected_card, m("32.50"));
    assert_eq!(totals.wallet_sales, m("5.00"));
    assert_eq!((totals.operation_count, totals.receipt_count), (5, 3));
    let c = s.close(t(60), counted("64.00", "32.50"), &SEED).unwrap();
    let cash = c.closing.balance(PaymentMethod::Cash).unwrap();
    assert_eq!((cash.expected, cash.counted, cash.imbalance), (m("64.50"), m("64.00"), m("-0.50")));
    assert_eq!(c.closing.balance(PaymentMethod::Card).unwrap().imbalance, m("0.00"));
    assert_eq!((c.closing.first_receipt_number, c.closing.next_receipt_number), (1, 4));
    c.verify(&registry()).unwrap();
    c.verify_with_key(&crypto::public_key_from_seed(&SEED)).unwrap();
    assert_eq!(c.closing.operations_hash, s.operations_hash());
    // closed: nothing more, no second closing
    assert_eq!(code(s.record(op(15, t(61), cash_in("1")))), "TILL_SESSION_CLOSED");
    assert_eq!(
        code(s.sale(&sale(23, t(61), PaymentMethod::Cash, vec![line("beer", 1, "5")]), &products())),
        "TILL_SESSION_CLOSED"
    );
    assert_eq!(code(s.close(t(62), counted("64", "32.50"), &SEED)), "TILL_ALREADY_CLOSED");
    // retries of recorded operations are still no-ops
    assert_eq!(s.record(op(10, t(1), cash_in("20.00"))).unwrap().id, id(10));
    assert_eq!(
        s.sale(&sale(20, t(6), PaymentMethod::Cash, vec![line("beer", 2, "5.00")]), &products()).unwrap().number,
        1
    );
}

#[test]
fn operations_are_idempotent_and_conflicts_are_errors() {
    let mut s = TillSession::open(spec(1, "0", t(0))).unwrap();
    s.record(op(10, t(1), cash_in("20.00"))).unwrap();
    s.record(op(10, t(1), cash_in("20.00"))).unwrap();
    assert_eq!(s.totals().unwrap().cash_top_ups, m("20.00"));
    assert_eq!(code(s.record(op(10, t(1), cash_in("21.00")))), "TILL_OPERATION_CONFLICT");
    // ids are one namespace: a payment id may not reuse an operation id
    assert_eq!(
        code(s.sale(&sale(10, t(2), PaymentMethod::Cash, vec![line("beer", 1, "5")]), &products())),
        "TILL_OPERATION_CONFLICT"
    );
    let r = s.sale(&sale(11, t(2), PaymentMethod::Cash, vec![line("beer", 1, "5")]), &products()).unwrap();
    let again = s.sale(&sale(11, t(2), PaymentMethod::Cash, vec![line("beer", 1, "5")]), &products()).unwrap();
    assert_eq!(r, again);
    assert_eq!(
        code(s.sale(&sale(11, t(2), PaymentMethod::Cash, vec![line("beer", 2, "5")]), &products())),
        "TILL_OPERATION_CONFLICT"
    );
    assert_eq!(code(s.record(op(11, t(3), cash_in("1")))), "TILL_OPERATION_CONFLICT");
    assert_eq!(s.next_receipt_number(), 2);
}

#[test]
fn amounts_currencies_times_and_cash_are_checked() {
    let mut s = TillSession::open(spec(1, "10.00", t(0))).unwrap();
    assert_eq!(code(TillSession::open(spec(2, "-1", t(0)))), "TILL_INVALID_AMOUNT");
    assert_eq!(code(s.record(op(1, t(1), cash_in("0")))), "TILL_INVALID_AMOUNT");
    assert_eq!(code(s.record(op(1, t(1), cash_in("-5")))), "TILL_INVALID_AMOUNT");
    let usd = Money::parse("5", crate::Currency::iso("USD").unwrap()).unwrap();
    assert_eq!(
        code(s.record(op(1, t(1), OperationKind::CashTopUp { amount: usd, wallet_id: None }))),
        "TILL_CURRENCY_MISMATCH"
    );
    assert_eq!(code(s.record(op(1, t(-1), cash_in("5")))), "TILL_INVALID_TIME");
    let e = s.record(op(1, t(1), payout("10.01"))).unwrap_err();
    assert_eq!(e.code(), "TILL_INSUFFICIENT_CASH");
    assert_eq!(e.details()["available"], "10.00");
    assert_eq!(
        code(s.record(op(1, t(1), OperationKind::SafeOut { amount: m("11"), note: None }))),
        "TILL_INSUFFICIENT_CASH"
    );
    s.record(op(1, t(1), payout("10.00"))).unwrap();
    assert_eq!(code(s.close(t(5), CountedAmounts { cash: usd, card: m("0") }, &SEED)), "TILL_CURRENCY_MISMATCH");
    assert_eq!(code(s.close(t(5), counted("-1", "0"), &SEED)), "TILL_INVALID_AMOUNT");
    assert_eq!(code(s.close(t(0), counted("0", "0"), &SEED)), "TILL_INVALID_TIME");
    assert!(!s.is_closed());
    s.close(t(5), counted("0", "0"), &SEED).unwrap();
}

#[test]
fn receipts_with_two_vat_rates() {
    let mut s = TillSession::open(spec(1, "0", t(0))).unwrap();
    let mut req = sale(
        7,
        t(1),
        PaymentMethod::Wallet,
        vec![line("beer", 3, "4.50"), line("water", 2, "2.50"), line("pretzel", 1, "3.20")],
    );
    req.wallet_id = Some(id(99));
    req.amount = Some(m("21.70"));
    let r = s.sale(&req, &products()).unwrap();
    assert_eq!(r.number, 1);
    assert_eq!(r.total, m("21.70"));
    // 13.50 at 19 %: net 11.34, tax 2.16; 5.00 at 7 %: 4.67 + 0.33; 3.20 at 7 %: 2.99 + 0.21
    assert_eq!(r.vat.len(), 2);
    assert_eq!(
        (r.vat[0].rate.to_string(), r.vat[0].amounts.net, r.vat[0].amounts.tax),
        ("7".into(), m("7.66"), m("0.54"))
    );
    assert_eq!(
        (r.vat[1].rate.to_string(), r.vat[1].amounts.net, r.vat[1].amounts.tax),
        ("19".into(), m("11.34"), m("2.16"))
    );
    assert_eq!(r.net.checked_add(&r.tax).unwrap(), r.total);
    assert_eq!(r.lines[1].name, "Water, still");
    assert_eq!((r.lines[0].vat_key, r.lines[1].vat_key), (Some(1), Some(2)));
    assert_eq!(r.lines[2].position, 3);
    assert_eq!((r.till_id, r.device_id, r.wallet_id, r.payment_id), (id(TILL), id(DEVICE), Some(id(99)), id(7)));
    // errors take no number
    assert_eq!(
        code(s.sale(&sale(8, t(2), PaymentMethod::Cash, vec![line("cola", 1, "3")]), &products())),
        "TILL_UNKNOWN_PRODUCT"
    );
    assert_eq!(code(s.sale(&sale(8, t(2), PaymentMethod::Cash, vec![]), &products())), "TILL_INVALID_RECEIPT");
    assert_eq!(
        code(s.sale(&sale(8, t(2), PaymentMethod::Cash, vec![line("beer", 0, "3")]), &products())),
        "TILL_INVALID_RECEIPT"
    );
    assert_eq!(
        code(s.sale(&sale(8, t(2), PaymentMethod::Cash, vec![line("beer", 1, "-3")]), &products())),
        "TILL_INVALID_RECEIPT"
    );
    let mut wrong = sale(8, t(2), PaymentMethod::Cash, vec![line("beer", 1, "3")]);
    wrong.amount = Some(m("3.01"));
    assert_eq!(code(s.sale(&wrong, &products())), "TILL_TOTAL_MISMATCH");
    let r2 = s.sale(&sale(8, t(2), PaymentMethod::Cash, vec![line("beer", 1, "3")]), &products()).unwrap();
    assert_eq!(r2.number, 2);
}

#[test]
fn pretix_rounding_on_receipts() {
    let mut sp = spec(1, "0", t(0));
    sp.tax = TaxPolicy { rounding: TaxRounding::SumByNetKeepGross, mode: RoundingMode::HalfUp };
    let mut s = TillSession::open(sp).unwrap();
    // five lines of 100.00 at 19 %: pretix keeps the grosses, moves two nets up by one cent
    let lines = (0..5).map(|_| line("beer", 1, "100.00")).collect();
    let r = s.sale(&sale(1, t(1), PaymentMethod::Card, lines), &products()).unwrap();
    assert_eq!((r.net, r.tax, r.total), (m("420.17"), m("79.83"), m("500.00")));
    assert_eq!((r.lines[0].net, r.lines[2].net), (m("84.04"), m("84.03")));
}

#[test]
fn fiscal_signatures_are_attached_once() {
    let mut s = TillSession::open(spec(1, "0", t(0))).unwrap();
    s.sale(&sale(1, t(1), PaymentMethod::Cash, vec![line("beer", 1, "5")]), &products()).unwrap();
    let sig = FiscalSignature {
        tse_serial: "abc".into(),
        transaction_number: 17,
        signature_counter: 34,
        started_at: t(1),
        finished_at: t(1),
        algorithm: "ecdsa-plain-SHA384".into(),
        signature: "MEUCIQ==".into(),
        public_key: None,
    };
    assert_eq!(code(s.attach_fiscal_signature(id(2), sig.clone())), "TILL_UNKNOWN_RECEIPT");
    let r = s.attach_fiscal_signature(id(1), sig.clone()).unwrap();
    assert_eq!(r.fiscal_signature.as_ref().unwrap().transaction_number, 17);
    s.attach_fiscal_signature(id(1), sig.clone()).unwrap();
    let mut other = sig;
    other.transaction_number = 18;
    assert_eq!(code(s.attach_fiscal_signature(id(1), other)), "TILL_OPERATION_CONFLICT");
    assert_eq!(s.receipt(id(1)).unwrap().fiscal_signature.as_ref().unwrap().signature_counter, 34);
}

#[test]
fn closing_signatures_verify_and_detect_tampering() {
    let mut s = TillSession::open(spec(1, "100", t(0))).unwrap();
    s.record(op(1, t(1), cash_in("10"))).unwrap();
    let c = s.close(t(2), counted("108", "0"), &SEED).unwrap();
    c.verify(&registry()).unwrap();
    let mut tampered = c.clone();
    tampered.closing.balances[0].counted = m("110");
    tampered.closing.balances[0].imbalance = m("0");
    assert_eq!(code(tampered.verify(&registry())), "TILL_SIGNATURE_INVALID");
    // re-signed by the key holder but arithmetically wrong
    let mut wrong = c.closing.clone();
    wrong.balances[0].imbalance = m("0");
    assert_eq!(code(SignedClosing::sign(wrong, &SEED).verify(&registry())), "TILL_CLOSING_INVALID");
    let other = SignedClosing::sign(c.closing.clone(), &[1; 32]);
    assert_eq!(code(other.verify(&registry())), "TILL_SIGNATURE_INVALID");
    let mut stranger = c.clone();
    stranger.closing.device_id = id(77);
    assert_eq!(code(stranger.verify(&registry())), "TILL_UNKNOWN_DEVICE");
    let mut festival = SignedClosing::sign(c.closing.clone(), &SEED);
    festival.closing.festival_id = id(78);
    let festival = SignedClosing::sign(festival.closing, &SEED);
    assert_eq!(code(festival.verify(&registry())), "TILL_CLOSING_INVALID");
    // serde round trip keeps the signature valid
    let back: SignedClosing = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    back.verify(&registry()).unwrap();
}

#[test]
fn state_round_trips_and_is_checked() {
    let mut s = TillSession::open(spec(1, "100", t(0))).unwrap();
    s.record(op(1, t(1), cash_in("10"))).unwrap();
    s.sale(&sale(2, t(2), PaymentMethod::Cash, vec![line("beer", 1, "5")]), &products()).unwrap();
    let text = s.to_json();
    let back = TillSession::from_json(&text).unwrap();
    assert_eq!(back, s);
    assert_eq!(back.receipt(id(2)).unwrap().number, 1);
    s.close(t(3), counted("115", "0"), &SEED).unwrap();
    assert_eq!(TillSession::from_json(&s.to_json()).unwrap(), s);
    let v: serde_json::Value = serde_json::from_str(&s.to_json()).unwrap();
    let mut bad = v.clone();
    bad["next_receipt_number"] = serde_json::json!(5);
    assert_eq!(code(TillSession::from_json(&bad.to_string())), "TILL_STATE_INVALID");
    let mut bad = v.clone();
    bad["operations"][0]["amount"]["amount"] = serde_json::json!("11.00");
    assert_eq!(code(TillSession::from_json(&bad.to_string())), "TILL_STATE_INVALID");
    assert_eq!(code(TillSession::from_json("{")), "INPUT_INVALID");
}

#[test]
fn next_sessions_continue_the_numbers() {
    let mut a = TillSession::open(spec(1, "100", t(0))).unwrap();
    a.sale(&sale(2, t(2), PaymentMethod::Cash, vec![line("beer", 1, "5")]), &products()).unwrap();
    assert_eq!(code(a.open_next(spec(3, "100", t(10)))), "TILL_SESSION_OPEN");
    a.close(t(5), counted("105", "0"), &SEED).unwrap();
    assert_eq!(code(a.open_next(spec(1, "100", t(10)))), "TILL_SESSION_MISMATCH");
    let mut other_till = spec(3, "100", t(10));
    other_till.till_id = id(5);
    assert_eq!(code(a.open_next(other_till)), "TILL_SESSION_MISMATCH");
    let mut b = a.open_next(spec(3, "105", t(10))).unwrap();
    let r = b.sale(&sale(4, t(11), PaymentMethod::Cash, vec![line("beer", 1, "5")]), &products()).unwrap();
    assert_eq!(r.number, 2);
}

fn day_of_sessions() -> Vec<TillSession> {
    let mut a = TillSession::open(spec(1, "100", t(0))).unwrap();
    a.record(op(10, t(1), cash_in("50"))).unwrap();
    a.sale(&sale(11, t(2), PaymentMethod::Cash, vec![line("beer", 2, "5.00"), line("water", 1, "2.50")]), &products())
        .unwrap();
    a.sale(&sale(12, t(3), PaymentMethod::Wallet, vec![line("pretzel", 1, "3.20")]), &products()).unwrap();
    a.close(t(100), counted("162.00", "0"), &SEED).unwrap();
    let mut b = a.open_next(spec(2, "100", t(120))).unwrap();
    b.record(op(20, t(121), OperationKind::CardTopUp { amount: m("40"), wallet_id: None })).unwrap();
    b.sale(&sale(21, t(122), PaymentMethod::Card, vec![line("beer", 1, "5.00")]), &products()).unwrap();
    b.record(op(22, t(123), payout("30"))).unwrap();
    b.close(t(200), counted("70.50", "45.00"), &SEED).unwrap();
    vec![b, a]
}

fn request() -> ZReportRequest {
    ZReportRequest { till_id: id(TILL), day: "2026-07-04".parse().unwrap(), z_number: 7, created_at: t(1000) }
}

#[test]
fn z_report_sums_the_day() {
    let sessions = day_of_sessions();
    let cal = FestivalCalendar::new("Europe/Berlin", "06:00").unwrap();
    let z = z_report(&request(), &cal, &sessions).unwrap();
    assert_eq!(z.sessions.iter().map(|s| s.session_id).collect::<Vec<_>>(), vec![id(1), id(2)]);
    assert_eq!(z.totals.opening_float, m("200"));
    assert_eq!(z.totals.cash_top_ups, m("50"));
    assert_eq!(z.totals.card_top_ups, m("40"));
    assert_eq!(z.totals.payouts, m("30"));
    assert_eq!((z.totals.cash_sales, z.totals.card_sales, z.totals.wallet_sales), (m("12.50"), m("5.00"), m("3.20")));
    assert_eq!(z.balances[0].expected, m("232.50"));
    assert_eq!(z.balances[0].imbalance, m("0.00"));
    assert_eq!(z.balances[1].imbalance, m("0.00"));
    assert_eq!((z.receipt_count, z.first_receipt_number, z.last_receipt_number), (3, Some(1), Some(3)));
    assert_eq!(z.vat.len(), 2);
    assert_eq!(z.gross, m("20.70"));
    assert_eq!(z.net.checked_add(&z.tax).unwrap(), z.gross);
    let rows = z.export_rows(&sessions);
    assert_eq!(rows.iter().map(|r| (r.bon_id, r.pos_zeile)).collect::<Vec<_>>(), vec![(1, 1), (1, 2), (2, 1), (3, 1)]);
    assert_eq!(rows[2].zahlart_typ, "GuthabenKarte");
    let csv = render_csv(&rows);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines.len(), 6); // header, four rows, trailing empty
    assert!(lines[2].contains(",\"Water, still\",Umsatz,water,1,2.50,2,7,2.50,2.34,0.16,"), "{}", lines[2]);
    assert!(lines[3].contains(",\"Pretzel \"\"XXL\"\"\","), "{}", lines[3]);
    // another day, another till: nothing
    let mut other = request();
    other.day = "2026-07-05".parse().unwrap();
    assert_eq!(code(z_report(&other, &cal, &sessions)), "TILL_NO_SESSIONS");
}

#[test]
fn z_report_needs_closed_continuous_sessions() {
    let cal = FestivalCalendar::utc();
    let mut sessions = day_of_sessions();
    let open = TillSession::open(spec(3, "0", t(300))).unwrap();
    sessions.push(open);
    assert_eq!(code(z_report(&request(), &cal, &sessions)), "TILL_SESSION_OPEN");
    let mut sessions = day_of_sessions();
    let mut gap = spec(3, "0", t(300));
    gap.first_receipt_number = 9;
    let mut g = TillSession::open(gap).unwrap();
    g.close(t(301), counted("0", "0"), &SEED).unwrap();
    sessions.push(g);
    let e = z_report(&request(), &cal, &sessions).unwrap_err();
    assert_eq!(
        (e.code(), e.details()["expected"].clone(), e.details()["found"].clone()),
        ("TILL_RECEIPT_GAP", 4.into(), 9.into())
    );
    let mut twice = day_of_sessions();
    twice.push(twice[0].clone());
    assert_eq!(code(z_report(&request(), &cal, &twice)), "TILL_SESSION_MISMATCH");
}

#[derive(Debug, Clone)]
enum Step {
    Op(u8, u8, i64),
    Sale(u8, u8, u32),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..12, 0u8..5, 1i64..5000).prop_map(|(i, k, a)| Step::Op(i, k, a)),
        (12u8..30, 0u8..3, 1u32..4).prop_map(|(i, mth, q)| Step::Sale(i, mth, q)),
    ]
}

fn kind(k: u8, cents: i64) -> OperationKind {
    let amount = Money::from_minor(cents, eur()).unwrap();
    match k {
        0 => OperationKind::CashTopUp { amount, wallet_id: None },
        1 => OperationKind::CardTopUp { amount, wallet_id: None },
        2 => OperationKind::Payout { amount, wallet_id: None },
        3 => OperationKind::SafeIn { amount, note: None },
        _ => OperationKind::SafeOut { amount, note: None },
    }
}

fn method(i: u8) -> PaymentMethod {
    [PaymentMethod::Cash, PaymentMethod::Card, PaymentMethod::Wallet][i as usize]
}

/// Runs steps (ids repeat, so many are retries or conflicts) and returns the session.
fn run(session: u128, first: u64, start: i64, steps: &[Step]) -> TillSession {
    let mut sp = spec(session, "50.00", t(start));
    sp.first_receipt_number = first;
    let mut s = TillSession::open(sp).unwrap();
    for (i, st) in steps.iter().enumerate() {
        let at = t(start + 1 + i as i64 / 4);
        let base = session * 1000;
        let _ = match st {
            Step::Op(n, k, a) => s.record(op(base + *n as u128, at, kind(*k, *a))).map(|_| ()),
            Step::Sale(n, mth, q) => s
                .sale(
                    &sale(
                        base + *n as u128,
                        at,
                        method(*mth),
                        vec![line("beer", *q, "4.50"), line("water", 1, "2.50")],
                    ),
                    &products(),
                )
                .map(|_| ()),
        };
    }
    s
}

proptest! {
    #[test]
    fn receipt_numbers_have_no_gaps_under_retries(steps in proptest::collection::vec(step(), 0..60)) {
        let s = run(1, 1, 0, &steps);
        let numbers: Vec<u64> = s.receipts().iter().map(|r| r.number).collect();
        let n = numbers.len() as u64;
        prop_assert_eq!(numbers, (1..=n).collect::<Vec<_>>());
        prop_assert_eq!(s.next_receipt_number(), n + 1);
        let distinct: std::collections::BTreeSet<_> = s.receipts().iter().map(|r| r.payment_id).collect();
        prop_assert_eq!(distinct.len() as u64, n);
        // a retry of every sale returns its receipt and takes no number
        let mut again = s.clone();
        for r in s.receipts() {
            let req = SaleRequest { payment_id: r.payment_id, at: r.issued_at, method: r.method,
                lines: r.lines.iter().map(|l| line(&l.sku, l.quantity, &l.unit_price.amount_string())).collect(),
                amount: None, wallet_id: None };
            prop_assert_eq!(again.sale(&req, &products()).unwrap().number, r.number);
        }
        prop_assert_eq!(again.next_receipt_number(), n + 1);
    }

    #[test]
    fn closing_expected_is_float_plus_in_minus_out(steps in proptest::collection::vec(step(), 0..60), short in -500i64..500) {
        let mut s = run(1, 1, 0, &steps);
        let sum = |f: &dyn Fn(&OperationKind) -> bool| Money::sum(eur(), s.operations().iter().filter(|o| f(&o.kind)).map(|o| o.kind.amount()).collect::<Vec<_>>().iter()).unwrap();
        let sales = |mth| Money::sum(eur(), s.receipts().iter().filter(|r| r.method == mth).map(|r| r.total).collect::<Vec<_>>().iter()).unwrap();
        let cash_in = sum(&|k| matches!(k, OperationKind::CashTopUp { .. } | OperationKind::SafeIn { .. })).checked_add(&sales(PaymentMethod::Cash)).unwrap();
        let cash_out = sum(&|k| matches!(k, OperationKind::Payout { .. } | OperationKind::SafeOut { .. }));
        let expected = m("50.00").checked_add(&cash_in).unwrap().checked_sub(&cash_out).unwrap();
        prop_assert!(!expected.is_negative(), "the drawer never goes below zero");
        let card = sum(&|k| matches!(k, OperationKind::CardTopUp { .. })).checked_add(&sales(PaymentMethod::Card)).unwrap();
        let counted_cash = expected.checked_add(&Money::from_minor(short, eur()).unwrap()).unwrap();
        let counted_cash = if counted_cash.is_negative() { Money::zero(eur()) } else { counted_cash };
        let c = s.close(t(10_000), CountedAmounts { cash: counted_cash, card }, &SEED).unwrap();
        let cash = c.closing.balance(PaymentMethod::Cash).unwrap();
        prop_assert_eq!(cash.expected, expected);
        prop_assert_eq!(cash.imbalance, counted_cash.checked_sub(&expected).unwrap());
        prop_assert_eq!(c.closing.balance(PaymentMethod::Card).unwrap().expected, card);
        prop_assert!(c.verify(&registry()).is_ok());
    }

    #[test]
    fn z_report_totals_are_the_sum_of_its_sessions(days in proptest::collection::vec(proptest::collection::vec(step(), 0..25), 1..4)) {
        let mut sessions: Vec<TillSession> = Vec::new();
        let mut next = 1;
        for (i, steps) in days.iter().enumerate() {
            let mut s = run(i as u128 + 1, next, i as i64 * 60, steps);
            let tot = s.totals().unwrap();
            s.close(t(i as i64 * 60 + 50), CountedAmounts { cash: tot.expected_cash, card: tot.expected_card }, &SEED).unwrap();
            next = s.next_receipt_number();
            sessions.push(s);
        }
        sessions.reverse();
        let z = z_report(&request(), &FestivalCalendar::utc(), &sessions).unwrap();
        let mut sum = SessionTotals::zero(eur());
        for s in &sessions {
            sum = sum.add(&s.totals().unwrap()).unwrap();
        }
        prop_assert_eq!(z.totals, sum);
        prop_assert_eq!(z.receipt_count, next - 1);
        prop_assert!(z.balances.iter().all(|b| b.imbalance.is_zero()));
        let receipts_gross = Money::sum(eur(), sessions.iter().flat_map(|s| s.receipts().iter().map(|r| r.total)).collect::<Vec<_>>().iter()).unwrap();
        prop_assert_eq!(z.gross, receipts_gross);
        prop_assert_eq!(z.export_rows(&sessions).len() as u64, 2 * z.receipt_count);
    }
}

// ------------------------------------------------------------------ postings (issue #15 item 5)

mod postings {
    use super::*;
    use crate::postings::{post_till_session, Account, TrialBalance};
    use crate::wallet::TopUpMethod;

    fn legs(p: &crate::postings::Posting) -> Vec<(String, String)> {
        p.legs.iter().map(|l| (l.account.code(), l.amount.amount_string())).collect()
    }

    fn s(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, x)| (a.to_string(), x.to_string())).collect()
    }

    /// Cash and card sales priced with a catalog: the cup deposit lines are credited to
    /// `liability:deposits`, the rest to the stand's revenue; the export marks them `Pfand`.
    #[test]
    fn deposit_lines_of_till_sales_are_a_liability_not_revenue() {
        use crate::catalog::{Catalog, Product};
        let stand = id(0x57a);
        let mut sp = spec(1, "0.00", t(0));
        sp.stand_id = Some(stand);
        let mut till = TillSession::open(sp).unwrap();
        let catalog = Catalog::new(
            id(0xf),
            3,
            eur(),
            vec![
                Product::goods("beer", "Beer", m("5.00"), "19".parse().unwrap()).with_deposit("cup"),
                Product::deposit("cup", "Cup deposit", m("2.00")),
            ],
        )
        .unwrap();
        let r = till
            .sale(&sale(20, t(6), PaymentMethod::Cash, vec![line("beer", 2, "5.00"), line("cup", 2, "2.00")]), &catalog)
            .unwrap();
        assert_eq!(r.lines.iter().map(|l| l.deposit).collect::<Vec<_>>(), vec![false, true]);
        till.sale(&sale(21, t(7), PaymentMethod::Card, vec![line("cup", 1, "2.00")]), &catalog).unwrap();
        let all = post_till_session(&till).unwrap();
        let dr = format!("cash_drawer:{}", id(TILL));
        let rev = format!("revenue:{stand}");
        let got: Vec<Vec<(String, String)>> = all.iter().filter(|p| p.kind == "till_sale").map(legs).collect();
        assert_eq!(
            got,
            vec![
                s(&[(&dr, "14.00"), (&rev, "-10.00"), ("liability:deposits", "-4.00")]),
                s(&[("funds:card", "2.00"), ("liability:deposits", "-2.00")]),
            ]
        );
        let tb = TrialBalance::from_postings(eur(), &all).unwrap();
        assert!(tb.is_balanced());
        let rows = crate::till::export_receipts(id(TILL), t(60), 1, till.receipts());
        assert_eq!(rows.iter().map(|r| r.gv_typ.as_str()).collect::<Vec<_>>(), vec!["Umsatz", "Pfand", "Pfand"]);
        // A receipt without deposit lines serializes as before (no `deposit` key).
        let text = serde_json::to_string(&till.receipts()[0].lines[0]).unwrap();
        assert!(!text.contains("deposit"), "{text}");
    }

    /// A bar till with a stand: every event's legs, and the books after the closing.
    #[test]
    fn a_till_day_posts_the_documented_legs() {
        let stand = id(0x57a);
        let mut sp = spec(1, "50.00", t(0));
        sp.stand_id = Some(stand);
        let mut till = TillSession::open(sp).unwrap();
        let w = id(0x3a11e7);
        till.record(op(10, t(1), OperationKind::CashTopUp { amount: m("20.00"), wallet_id: Some(w) })).unwrap();
        till.record(op(11, t(2), OperationKind::CardTopUp { amount: m("30.00"), wallet_id: Some(w) })).unwrap();
        till.record(op(12, t(3), OperationKind::Payout { amount: m("5.00"), wallet_id: Some(w) })).unwrap();
        till.record(op(13, t(4), OperationKind::SafeIn { amount: m("10.00"), note: None })).unwrap();
        till.record(op(14, t(5), OperationKind::SafeOut { amount: m("15.00"), note: Some("skim".into()) })).unwrap();
        let p = products();
        till.sale(&sale(20, t(6), PaymentMethod::Cash, vec![line("beer", 2, "5.00"), line("water", 1, "2.50")]), &p).unwrap();
        till.sale(&sale(21, t(7), PaymentMethod::Card, vec![line("beer", 1, "5.00"), line("water", 1, "4.50")]), &p).unwrap();
        till.sale(&sale(22, t(8), PaymentMethod::Wallet, vec![line("beer", 1, "4.50")]), &p).unwrap();
        let before = post_till_session(&till).unwrap();
        let drawer = Account::CashDrawer { till_id: id(TILL) };
        let tb = TrialBalance::from_postings(eur(), &before).unwrap();
        assert_eq!(tb.balance(&drawer), till.totals().unwrap().expected_cash, "an open drawer holds the expected cash");
        // expected cash 50 + 20 + 10 + 12.50 - 5 - 15 = 72.50; counted 71.00; card 39.50 of 39.50
        till.close(t(60), counted("71.00", "39.50"), &SEED).unwrap();
        let all = post_till_session(&till).unwrap();
        let dr = format!("cash_drawer:{}", id(TILL));
        let rev = format!("revenue:{stand}");
        let got: Vec<(String, Vec<(String, String)>)> = all.iter().map(|p| (p.kind.clone(), legs(p))).collect();
        assert_eq!(got, vec![
            ("till_open".into(), s(&[(&dr, "50.00"), ("safe", "-50.00")])),
            ("till_cash_top_up".into(), s(&[(&dr, "20.00"), ("funds:cash", "-20.00")])),
            ("till_payout".into(), s(&[("payouts", "5.00"), (&dr, "-5.00")])),
            ("till_safe_in".into(), s(&[(&dr, "10.00"), ("safe", "-10.00")])),
            ("till_safe_out".into(), s(&[("safe", "15.00"), (&dr, "-15.00")])),
            ("till_sale".into(), s(&[(&dr, "12.50"), (&rev, "-12.50")])),
            ("till_sale".into(), s(&[("funds:card", "9.50"), (&rev, "-9.50")])),
            ("till_closing".into(), s(&[(&dr, "-72.50"), ("safe", "71.00"), ("expense:cash_differences", "1.50")])),
        ]);
        assert!(all.iter().all(|p| p.till_id == Some(id(TILL)) && p.sum(eur()).unwrap().is_zero()));
        assert_eq!(all[1].wallet_id, Some(w));
        assert_eq!((all[0].entry_id, all[7].entry_id), (id(1), id(1)));
        let tb = TrialBalance::from_postings(eur(), &all).unwrap();
        assert!(tb.is_balanced());
        assert_eq!(tb.balance(&drawer), m("0"));
        assert_eq!(tb.balance(&Account::Safe), m("26.00")); // 71 + 15 in, 50 + 10 out
        assert_eq!(tb.balance(&Account::Funds { method: TopUpMethod::Cash }), m("-20.00"));
        assert_eq!(tb.revenue_by_stand(), vec![(Some(stand), m("22.00"))]);
        // JSON names the till, leaves out the wallet where there is none, and reads back
        let json = serde_json::to_value(&all[0]).unwrap();
        assert_eq!(json["till_id"], id(TILL).to_string());
        assert!(json.get("wallet_id").is_none());
        let back: crate::postings::Posting = serde_json::from_value(json).unwrap();
        assert_eq!(back, all[0]);
        for code in [dr.as_str(), "safe", "expense:cash_differences"] {
            assert_eq!(code.parse::<Account>().unwrap().code(), code);
        }
        assert!("cash_drawer:nope".parse::<Account>().is_err());
    }

    #[test]
    fn a_surplus_and_a_card_difference_are_credits_and_a_zero_float_posts_no_opening() {
        let mut till = TillSession::open(spec(2, "0", t(0))).unwrap();
        till.sale(&sale(30, t(1), PaymentMethod::Card, vec![line("beer", 1, "5.00")]), &products()).unwrap();
        till.close(t(2), counted("0.20", "4.00"), &SEED).unwrap();
        let all = post_till_session(&till).unwrap();
        let kinds: Vec<&str> = all.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["till_sale", "till_closing"]);
        // cash +0.20 found (a credit on the differences), card 1.00 short (a debit)
        assert_eq!(legs(&all[1]), s(&[("safe", "0.20"), ("expense:cash_differences", "0.80"), ("funds:card", "-1.00")]));
        let tb = TrialBalance::from_postings(eur(), &all).unwrap();
        assert_eq!(tb.balance(&Account::Revenue { stand_id: None }), m("-5.00"), "a till without a stand");
        assert_eq!(tb.balance(&Account::Funds { method: TopUpMethod::Card }), m("4.00"), "what the terminal reported");
    }

    proptest! {
        /// Any session (with retries and refused operations): every posting sums to zero, the
        /// open drawer holds the expected cash, the closed one nothing, the differences are the
        /// closing's imbalances, and the safe got the counted cash back for the float it gave.
        #[test]
        fn till_postings_balance_and_empty_the_drawer(steps in proptest::collection::vec(step(), 0..60),
                                                      short in -500i64..500, card_short in -300i64..300) {
            let mut s = run(1, 1, 0, &steps);
            let drawer = Account::CashDrawer { till_id: id(TILL) };
            let open = post_till_session(&s).unwrap();
            prop_assert!(open.iter().all(|p| p.sum(eur()).unwrap().is_zero() && p.legs.len() >= 2));
            let tb = TrialBalance::from_postings(eur(), &open).unwrap();
            let totals = s.totals().unwrap();
            prop_assert!(tb.is_balanced());
            prop_assert_eq!(tb.balance(&drawer), totals.expected_cash);
            let revenue = totals.cash_sales.checked_add(&totals.card_sales).unwrap();
            prop_assert_eq!(tb.balance(&Account::Revenue { stand_id: None }), revenue.negate());
            prop_assert_eq!(tb.balance(&Account::Funds { method: TopUpMethod::Cash }), totals.cash_top_ups.negate());
            prop_assert_eq!(tb.balance(&Account::Payouts), totals.payouts);
            let clamp = |x: Money| if x.is_negative() { Money::zero(eur()) } else { x };
            let cash = clamp(totals.expected_cash.checked_add(&Money::from_minor(short, eur()).unwrap()).unwrap());
            let card = clamp(totals.expected_card.checked_add(&Money::from_minor(card_short, eur()).unwrap()).unwrap());
            let c = s.close(t(10_000), CountedAmounts { cash, card }, &SEED).unwrap();
            let closed = post_till_session(&s).unwrap();
            prop_assert_eq!(&closed[..open.len()], &open[..], "closing only appends");
            let tb = TrialBalance::from_postings(eur(), &closed).unwrap();
            prop_assert!(tb.is_balanced());
            prop_assert!(tb.balance(&drawer).is_zero());
            let imbalance = Money::sum(eur(), c.closing.balances.iter().map(|b| &b.imbalance)).unwrap();
            prop_assert_eq!(tb.balance(&Account::CashDifferences), imbalance.negate());
            let safe = cash.checked_sub(&m("50.00")).unwrap().checked_sub(&totals.safe_in).unwrap().checked_add(&totals.safe_out).unwrap();
            prop_assert_eq!(tb.balance(&Account::Safe), safe);
        }
    }
}
