//! Unit tests of the wallet engine: each operation, each error, spend order, refunds to origin,
//! idempotency, expiry, limits, debt and replay.

use super::*;
use crate::error::ErrorCode;
use crate::money::{Currency, Money};
use crate::time::Timestamp;
use uuid::Uuid;

use crate::test_util::{eur, m};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

const T0: &str = "2026-07-04T12:00:00Z";
const STAND: Uuid = Uuid::from_u128(0x5);

/// A wallet plus an entry-id counter, so tests read like a script.
struct W {
    w: Wallet,
    next: u128,
}

impl W {
    fn new() -> Self {
        Self::with(|_| {})
    }

    fn with(f: impl FnOnce(&mut WalletConfig)) -> Self {
        let mut c = WalletConfig::new(Uuid::from_u128(1), Uuid::from_u128(100), eur());
        f(&mut c);
        W { w: Wallet::new(c).unwrap(), next: 1000 }
    }

    fn id(&mut self) -> Uuid {
        self.next += 1;
        Uuid::from_u128(self.next)
    }

    fn at(&mut self, at: &str, op: Operation) -> Result<Outcome, WalletError> {
        let id = self.id();
        self.w.apply(Entry::new(id, t(at), op))
    }

    fn op(&mut self, op: Operation) -> Result<Outcome, WalletError> {
        self.at(T0, op)
    }

    fn top_up(&mut self, a: &str) -> Outcome {
        self.op(Operation::TopUp { amount: m(a), method: TopUpMethod::Cash }).unwrap()
    }

    fn bonus(&mut self, a: &str, expires: Option<&str>) -> Outcome {
        self.op(Operation::BonusCredit { amount: m(a), expires_at: expires.map(t) }).unwrap()
    }

    fn bal(&self) -> (String, String, String, String) {
        let b = self.w.balances();
        (b.refundable.amount_string(), b.bonus.amount_string(), b.debt.amount_string(), b.total.amount_string())
    }

    fn check_conservation(&self) {
        assert_eq!(self.w.totals().net().unwrap(), self.w.balances().total);
        let replayed = Wallet::replay(self.w.config().clone(), self.w.ledger().to_vec()).unwrap();
        assert_eq!(replayed, self.w);
    }
}

fn pay(a: &str) -> Operation {
    Operation::Payment {
        stand_id: STAND,
        device_id: None,
        items: vec![LineItem::new("item", 1, m(a))],
        allow_debt: false,
        catalog_version: None,
    }
}

fn pay_debt(a: &str) -> Operation {
    match pay(a) {
        Operation::Payment { stand_id, device_id, items, .. } => {
            Operation::Payment { stand_id, device_id, items, allow_debt: true, catalog_version: None }
        }
        other => other,
    }
}

fn s4(a: &str, b: &str, c: &str, d: &str) -> (String, String, String, String) {
    (a.into(), b.into(), c.into(), d.into())
}

#[test]
fn top_up_bonus_and_payment_spend_bonus_first() {
    let mut w = W::new();
    w.top_up("20");
    w.bonus("5", None);
    let items = vec![LineItem::new("beer", 2, m("4.50")), LineItem::new("pretzel", 1, m("3.00"))];
    let o = w
        .op(Operation::Payment { stand_id: STAND, device_id: None, items, allow_debt: false, catalog_version: None })
        .unwrap();
    assert_eq!((o.from_bonus(), o.from_refundable()), (m("5"), m("7")));
    assert_eq!(w.bal(), s4("13.00", "0.00", "0.00", "13.00"));
    assert!(!o.replayed);
    assert_eq!(o.kind, "payment");
    assert_eq!(w.w.ledger().last().unwrap().stand_id(), Some(STAND));
    assert_eq!(w.w.ledger().last().unwrap().line_items().len(), 2);
    w.check_conservation();
}

#[test]
fn refundable_first_spend_order() {
    let mut w = W::with(|c| c.spend_order = SpendOrder::RefundableFirst);
    w.top_up("10");
    w.bonus("5", None);
    let o = w.op(pay("12")).unwrap();
    assert_eq!((o.from_refundable(), o.from_bonus()), (m("10"), m("2")));
    assert_eq!(w.bal(), s4("0.00", "3.00", "0.00", "3.00"));
}

#[test]
fn bonus_lots_soonest_expiry_first_and_expired_lots_not_spent() {
    let mut w = W::new();
    let never = w.bonus("5", None).entry_id;
    let late = w.bonus("5", Some("2026-07-06T00:00:00Z")).entry_id;
    let soon = w.bonus("5", Some("2026-07-05T00:00:00Z")).entry_id;
    w.top_up("10");
    w.op(pay("7")).unwrap();
    let lots = w.w.bonus_lots();
    let left = |id| lots.iter().find(|l| l.lot_id == id).map(|l| l.remaining.amount_string());
    assert_eq!(left(soon), None, "soonest lot fully spent");
    assert_eq!(left(late).as_deref(), Some("3.00"));
    assert_eq!(left(never).as_deref(), Some("5.00"));
    // After the late lot's expiry time it is not spendable even before an expire entry.
    let at = "2026-07-06T00:00:00Z";
    assert_eq!(w.w.spendable(t(at)), m("15"));
    let o = w.at(at, pay("6")).unwrap();
    assert_eq!((o.from_bonus(), o.from_refundable()), (m("5"), m("1")));
    // Expiry removes what is left of lots expired at the entry time, and is counted.
    let o = w.at(at, Operation::ExpireBonus {}).unwrap();
    assert_eq!(o.bonus_delta, m("-3"));
    assert_eq!(w.w.totals().bonus_expired, m("3"));
    assert_eq!(w.bal(), s4("9.00", "0.00", "0.00", "9.00"));
    w.check_conservation();
}

#[test]
fn expiry_before_the_time_expires_nothing() {
    let mut w = W::new();
    w.bonus("5", Some("2026-07-05T00:00:00Z"));
    let o = w.at("2026-07-04T23:59:59.999Z", Operation::ExpireBonus {}).unwrap();
    assert!(o.bonus_delta.is_zero());
    let o = w.at("2026-07-05T00:00:00Z", Operation::ExpireBonus {}).unwrap();
    assert_eq!(o.bonus_delta, m("-5"));
}

#[test]
fn insufficient_funds_names_amounts_and_consumes_no_id() {
    let mut w = W::new();
    w.top_up("5");
    let id = Uuid::from_u128(77);
    let e = w.w.apply(Entry::new(id, t(T0), pay("6"))).unwrap_err();
    assert_eq!(e.code(), "WALLET_INSUFFICIENT_FUNDS");
    assert_eq!(crate::Error::from(e.clone()).details()["available"], "5.00");
    assert_eq!(crate::Error::from(e).details()["needed"], "6.00");
    // The failed id is still free for a different operation.
    w.w.apply(Entry::new(id, t(T0), pay("5"))).unwrap();
    assert_eq!(w.bal(), s4("0.00", "0.00", "0.00", "0.00"));
}

#[test]
fn refunds_restore_origin_and_never_exceed_payment() {
    let mut w = W::new();
    w.top_up("10");
    let lot = w.bonus("4", Some("2026-07-05T00:00:00Z")).entry_id;
    let p = w.op(pay("6")).unwrap().entry_id; // 4 bonus + 2 refundable
    assert_eq!(w.bal(), s4("8.00", "0.00", "0.00", "8.00"));
    let refund = |a: &str| Operation::Refund { payment_id: p, amount: m(a), reason: Some("cold beer".into()) };
    // Refundable part first, then bonus back into its lot.
    let o = w.op(refund("3")).unwrap();
    assert_eq!((o.refundable_delta, o.bonus_delta), (m("2"), m("1")));
    assert_eq!(w.w.bonus_lots()[0].lot_id, lot);
    assert_eq!(w.w.refundable_on_payment(p), Some(m("3")));
    let e = w.op(refund("3.01")).unwrap_err();
    assert_eq!(e.code(), "WALLET_REFUND_EXCEEDS_PAYMENT");
    assert_eq!(crate::Error::from(e).details()["remaining"], "3.00");
    let o = w.op(refund("3")).unwrap();
    assert_eq!((o.refundable_delta, o.bonus_delta), (m("0"), m("3")));
    assert_eq!(w.bal(), s4("10.00", "4.00", "0.00", "14.00"));
    assert_eq!(w.op(refund("0.01")).unwrap_err().code(), "WALLET_REFUND_EXCEEDS_PAYMENT");
    // A restored lot keeps its expiry.
    w.at("2026-07-05T00:00:00Z", Operation::ExpireBonus {}).unwrap();
    assert_eq!(w.bal(), s4("10.00", "0.00", "0.00", "10.00"));
    let unknown = Operation::Refund { payment_id: Uuid::from_u128(9), amount: m("1"), reason: None };
    assert_eq!(w.op(unknown).unwrap_err().code(), "WALLET_UNKNOWN_PAYMENT");
    let not_a_payment = Operation::Refund { payment_id: lot, amount: m("1"), reason: None };
    assert_eq!(w.op(not_a_payment).unwrap_err().code(), "WALLET_UNKNOWN_PAYMENT");
    w.check_conservation();
}

#[test]
fn payout_with_fee() {
    let mut w = W::new();
    w.top_up("20");
    w.bonus("5", None);
    let payout = |a: &str, f: Option<&str>| Operation::Payout { amount: m(a), fee: f.map(m) };
    assert_eq!(w.op(payout("5", Some("5.01"))).unwrap_err().code(), "WALLET_FEE_EXCEEDS_AMOUNT");
    assert_eq!(w.op(payout("5", Some("-1"))).unwrap_err().code(), "WALLET_INVALID_AMOUNT");
    // Bonus is never paid out.
    assert_eq!(w.op(payout("20.01", None)).unwrap_err().code(), "WALLET_INSUFFICIENT_FUNDS");
    let o = w.op(payout("20", Some("1.50"))).unwrap();
    assert_eq!(o.refundable_delta, m("-20"));
    let totals = w.w.totals();
    assert_eq!((totals.payouts, totals.payout_fees), (m("18.50"), m("1.50")));
    assert_eq!(w.bal(), s4("0.00", "5.00", "0.00", "5.00"));
    w.check_conservation();
}

#[test]
fn adjustments_need_reason_and_cannot_go_negative() {
    let mut w = W::new();
    w.top_up("10");
    let adj = |a: &str, target, reason: &str| Operation::Adjustment { amount: m(a), target, reason: reason.into() };
    assert_eq!(w.op(adj("1", SubBalance::Refundable, " ")).unwrap_err().code(), "WALLET_INVALID_OPERATION");
    assert_eq!(w.op(adj("0", SubBalance::Refundable, "x")).unwrap_err().code(), "WALLET_INVALID_AMOUNT");
    assert_eq!(w.op(adj("-10.01", SubBalance::Refundable, "x")).unwrap_err().code(), "WALLET_INSUFFICIENT_FUNDS");
    assert_eq!(w.op(adj("-0.01", SubBalance::Bonus, "x")).unwrap_err().code(), "WALLET_INSUFFICIENT_FUNDS");
    w.op(adj("-2.50", SubBalance::Refundable, "double charge")).unwrap();
    w.op(adj("3", SubBalance::Bonus, "apology")).unwrap();
    w.op(adj("-1", SubBalance::Bonus, "typo")).unwrap();
    assert_eq!(w.bal(), s4("7.50", "2.00", "0.00", "9.50"));
    assert_eq!(w.w.totals().adjustments, m("-0.50"));
    w.check_conservation();
}

#[test]
fn limits_name_limit_and_amounts_and_daily_rolls_over_at_utc_midnight() {
    let mut w = W::with(|c| {
        c.limits = WalletLimits {
            max_balance: Some(m("100")),
            max_single_payment: Some(m("30")),
            max_daily_spend: Some(m("50")),
        }
    });
    w.top_up("90");
    let e = w.op(Operation::TopUp { amount: m("10.01"), method: TopUpMethod::Card }).unwrap_err();
    assert_eq!(e.code(), "WALLET_LIMIT_EXCEEDED");
    let d = crate::Error::from(e).details();
    assert_eq!(
        (d["limit"].as_str(), d["maximum"].as_str(), d["attempted"].as_str()),
        (Some("max_balance"), Some("100.00"), Some("100.01"))
    );
    let e = w.op(Operation::BonusCredit { amount: m("10.01"), expires_at: None }).unwrap_err();
    assert_eq!(e.code(), "WALLET_LIMIT_EXCEEDED");
    let e = w.op(pay("30.01")).unwrap_err();
    assert_eq!(crate::Error::from(e).details()["limit"], "max_single_payment");
    w.at("2026-07-04T23:00:00Z", pay("30")).unwrap();
    w.at("2026-07-04T23:30:00Z", pay("20")).unwrap();
    let e = w.at("2026-07-04T23:59:59.999Z", pay("0.01")).unwrap_err();
    let d = crate::Error::from(e).details();
    assert_eq!((d["limit"].as_str(), d["attempted"].as_str()), (Some("max_daily_spend"), Some("50.01")));
    // New UTC day: the counter starts again.
    w.at("2026-07-05T00:00:00Z", pay("25")).unwrap();
    assert_eq!(w.w.day_spend(t("2026-07-05T10:00:00Z")), m("25"));
    assert_eq!(w.w.day_spend(t("2026-07-04T10:00:00Z")), m("50"));
}

#[test]
fn daily_limit_follows_the_festival_calendar_across_the_cutoff() {
    let mut w = W::with(|c| {
        c.limits.max_daily_spend = Some(m("50"));
        c.calendar = crate::calendar::FestivalCalendar::new("Europe/Berlin", "06:00").unwrap();
    });
    w.top_up("100");
    // 23:00 and 05:59 local (CEST) are the same festival day (4 July): 50 EUR in total.
    w.at("2026-07-04T23:00:00+02:00", pay("30")).unwrap();
    w.at("2026-07-05T05:59:00+02:00", pay("20")).unwrap();
    let e = w.at("2026-07-05T05:59:30+02:00", pay("0.01")).unwrap_err();
    assert_eq!(crate::Error::from(e).details()["attempted"], "50.01");
    // 06:01 local starts 5 July.
    w.at("2026-07-05T06:01:00+02:00", pay("25")).unwrap();
    assert_eq!(w.w.day_spend(t("2026-07-05T03:00:00Z")), m("50"));
    assert_eq!(w.w.day_spend(t("2026-07-05T05:00:00Z")), m("25"));
    // The calendar is part of the stored config and survives replay.
    let json = serde_json::to_string(w.w.config()).unwrap();
    assert!(json.contains(r#""calendar":{"time_zone":"Europe/Berlin","day_starts_at":"06:00"}"#));
    let again = Wallet::replay(w.w.config().clone(), w.w.ledger().to_vec()).unwrap();
    assert_eq!(again.day_spend(t("2026-07-05T05:00:00Z")), m("25"));
    // The default (UTC) calendar is not written, so stored configs stay byte-identical.
    let plain = WalletConfig::new(Uuid::from_u128(1), Uuid::from_u128(2), eur());
    assert!(!serde_json::to_string(&plain).unwrap().contains("calendar"));
}

#[test]
fn invalid_config_and_amounts() {
    let usd = Money::parse("1", Currency::iso("USD").unwrap()).unwrap();
    let mut c = WalletConfig::new(Uuid::from_u128(1), Uuid::from_u128(2), eur());
    c.limits.max_balance = Some(usd);
    assert_eq!(Wallet::new(c.clone()).unwrap_err().code(), "WALLET_INVALID_CONFIG");
    c.limits.max_balance = Some(m("-1"));
    assert_eq!(Wallet::new(c).unwrap_err().code(), "WALLET_INVALID_CONFIG");
    let mut w = W::new();
    assert_eq!(
        w.op(Operation::TopUp { amount: usd, method: TopUpMethod::Cash }).unwrap_err().code(),
        "WALLET_CURRENCY_MISMATCH"
    );
    assert_eq!(
        w.op(Operation::TopUp { amount: m("0"), method: TopUpMethod::Cash }).unwrap_err().code(),
        "WALLET_INVALID_AMOUNT"
    );
    assert_eq!(
        w.op(Operation::TopUp { amount: m("-1"), method: TopUpMethod::Cash }).unwrap_err().code(),
        "WALLET_INVALID_AMOUNT"
    );
    let empty = Operation::Payment {
        stand_id: STAND,
        device_id: None,
        items: vec![],
        allow_debt: false,
        catalog_version: None,
    };
    assert_eq!(w.op(empty).unwrap_err().code(), "WALLET_INVALID_OPERATION");
    let zero_qty = Operation::Payment {
        stand_id: STAND,
        device_id: None,
        items: vec![LineItem::new("x", 0, m("1"))],
        allow_debt: false,
        catalog_version: None,
    };
    assert_eq!(w.op(zero_qty).unwrap_err().code(), "WALLET_INVALID_OPERATION");
    assert_eq!(w.op(pay("0")).unwrap_err().code(), "WALLET_INVALID_AMOUNT");
    assert_eq!(w.op(pay("-1")).unwrap_err().code(), "WALLET_INVALID_AMOUNT");
    let direct = Operation::TransferIn { from_wallet: Uuid::from_u128(2), amount: m("1") };
    assert_eq!(w.op(direct).unwrap_err().code(), "WALLET_TRANSFER_INVALID");
    assert!(w.w.ledger().is_empty());
}

#[test]
fn idempotent_replay_returns_original_outcome_and_conflicts_are_errors() {
    let mut w = W::new();
    w.top_up("10");
    let id = Uuid::from_u128(500);
    let first = w.w.apply(Entry::new(id, t(T0), pay("4"))).unwrap();
    w.top_up("1");
    let again = w.w.apply(Entry::new(id, t(T0), pay("4"))).unwrap();
    assert!(again.replayed);
    assert_eq!(Outcome { replayed: false, ..again }, first, "original balances, not current ones");
    assert_eq!(w.bal(), s4("7.00", "0.00", "0.00", "7.00"));
    let e = w.w.apply(Entry::new(id, t(T0), pay("5"))).unwrap_err();
    assert_eq!(e.code(), "WALLET_DUPLICATE_ENTRY_CONFLICT");
    let e = w.w.apply(Entry::new(id, t("2026-07-04T12:00:01Z"), pay("4"))).unwrap_err();
    assert_eq!(e.code(), "WALLET_DUPLICATE_ENTRY_CONFLICT");
    assert_eq!(w.w.ledger().len(), 3);
}

#[test]
fn block_unblock_close() {
    let mut w = W::new();
    w.top_up("10");
    assert_eq!(w.op(Operation::Unblock {}).unwrap_err().code(), "WALLET_NOT_BLOCKED");
    let o = w.op(Operation::Block { reason: "fraud check".into() }).unwrap();
    assert_eq!(o.status, WalletStatus::Blocked);
    let e = w.op(pay("1")).unwrap_err();
    assert_eq!(e.code(), "WALLET_BLOCKED");
    assert_eq!(crate::Error::from(e).details()["reasons"][0], "admin: fraud check");
    assert_eq!(w.op(Operation::Payout { amount: m("1"), fee: None }).unwrap_err().code(), "WALLET_BLOCKED");
    // Credits are accepted while blocked.
    w.top_up("1");
    assert_eq!(w.op(Operation::Unblock {}).unwrap().status, WalletStatus::Active);
    w.bonus("2", None);
    assert_eq!(w.op(Operation::Close {}).unwrap_err().code(), "WALLET_NOT_EMPTY");
    w.op(Operation::Payout { amount: m("11"), fee: None }).unwrap();
    let o = w.op(Operation::Close {}).unwrap();
    assert_eq!((o.status, o.bonus_delta), (WalletStatus::Closed, m("-2")));
    assert_eq!(w.w.totals().bonus_forfeited, m("2"));
    assert_eq!(
        w.op(Operation::TopUp { amount: m("1"), method: TopUpMethod::Cash }).unwrap_err().code(),
        "WALLET_CLOSED"
    );
    assert_eq!(w.op(pay_debt("1")).unwrap_err().code(), "WALLET_CLOSED");
    w.check_conservation();
}

#[test]
fn offline_debt_blocks_and_top_up_settles_and_auto_unblocks() {
    let mut w = W::new();
    w.top_up("3");
    w.bonus("1", None);
    let o = w.op(pay_debt("10")).unwrap();
    assert_eq!((o.from_bonus(), o.from_refundable(), o.debt_delta), (m("1"), m("3"), m("6")));
    assert_eq!(o.status, WalletStatus::Blocked);
    assert_eq!(w.w.block_reasons(), vec![BlockReason::Debt {}]);
    assert_eq!(w.bal(), s4("0.00", "0.00", "6.00", "-6.00"));
    assert_eq!(w.op(pay("1")).unwrap_err().code(), "WALLET_BLOCKED");
    // Another offline payment is accepted while blocked.
    w.op(pay_debt("1")).unwrap();
    let o = w.top_up("5");
    assert_eq!((o.debt_delta, o.refundable_delta, o.status), (m("-5"), m("0"), WalletStatus::Blocked));
    let o = w.top_up("4");
    assert_eq!((o.debt_delta, o.refundable_delta, o.status), (m("-2"), m("2"), WalletStatus::Active));
    w.check_conservation();
}

#[test]
fn debt_with_admin_block_stays_blocked_after_settlement() {
    let mut w = W::new();
    w.op(Operation::Block { reason: "lost card".into() }).unwrap();
    w.op(pay_debt("5")).unwrap();
    assert_eq!(w.w.block_reasons().len(), 2);
    let o = w.top_up("5");
    assert_eq!(o.status, WalletStatus::Blocked);
    assert_eq!(w.w.block_reasons(), vec![BlockReason::Admin { reason: "lost card".into() }]);
    assert_eq!(w.op(Operation::Unblock {}).unwrap().status, WalletStatus::Active);
}

#[test]
fn refund_of_debt_payment_cancels_debt_first() {
    let mut w = W::new();
    w.top_up("2");
    let p = w.op(pay_debt("5")).unwrap().entry_id;
    let o = w.op(Operation::Refund { payment_id: p, amount: m("4"), reason: None }).unwrap();
    assert_eq!((o.debt_delta, o.refundable_delta, o.status), (m("-3"), m("1"), WalletStatus::Active));
    w.check_conservation();
}

#[test]
fn refund_of_another_payment_settles_debt_first() {
    let mut w = W::new();
    w.top_up("4");
    let p = w.op(pay("4")).unwrap().entry_id;
    w.op(pay_debt("3")).unwrap();
    let o = w.op(Operation::Refund { payment_id: p, amount: m("4"), reason: None }).unwrap();
    assert_eq!((o.debt_delta, o.refundable_delta, o.status), (m("-3"), m("1"), WalletStatus::Active));
    w.check_conservation();
}

#[test]
fn unblock_does_not_lift_a_debt_block() {
    let mut w = W::new();
    w.op(pay_debt("5")).unwrap();
    assert_eq!(w.op(Operation::Unblock {}).unwrap_err().code(), "WALLET_NOT_BLOCKED");
    let adj = Operation::Adjustment { amount: m("5"), target: SubBalance::Refundable, reason: "goodwill".into() };
    let o = w.op(adj).unwrap();
    assert_eq!((o.debt_delta, o.status), (m("-5"), WalletStatus::Active));
}

fn pair() -> (Wallet, Wallet) {
    let a = Wallet::new(WalletConfig::new(Uuid::from_u128(1), Uuid::from_u128(100), eur())).unwrap();
    let b = Wallet::new(WalletConfig::new(Uuid::from_u128(2), Uuid::from_u128(100), eur())).unwrap();
    (a, b)
}

#[test]
fn transfer_is_atomic_and_idempotent() {
    let (mut a, mut b) = pair();
    a.apply(Entry::new(Uuid::from_u128(10), t(T0), Operation::TopUp { amount: m("10"), method: TopUpMethod::Card }))
        .unwrap();
    a.apply(Entry::new(Uuid::from_u128(11), t(T0), Operation::BonusCredit { amount: m("5"), expires_at: None }))
        .unwrap();
    let id = Uuid::from_u128(20);
    // Bonus is not transferable.
    let e = Wallet::transfer(&mut a, &mut b, id, t(T0), m("10.01")).unwrap_err();
    assert_eq!(e.code(), "WALLET_INSUFFICIENT_FUNDS");
    assert!(b.ledger().is_empty());
    let o = Wallet::transfer(&mut a, &mut b, id, t(T0), m("4")).unwrap();
    assert_eq!((o.from.refundable_delta, o.to.refundable_delta), (m("-4"), m("4")));
    let again = Wallet::transfer(&mut a, &mut b, id, t(T0), m("4")).unwrap();
    assert!(again.from.replayed && again.to.replayed);
    assert_eq!(
        Wallet::transfer(&mut a, &mut b, id, t(T0), m("3")).unwrap_err().code(),
        "WALLET_DUPLICATE_ENTRY_CONFLICT"
    );
    assert_eq!(a.balances().total, m("11"));
    assert_eq!(b.balances().total, m("4"));
    let mut b2 = b.clone();
    let e = Wallet::transfer(&mut b, &mut b2, Uuid::from_u128(21), t(T0), m("1")).unwrap_err();
    assert_eq!(e.code(), "WALLET_TRANSFER_INVALID");
    // Destination limit is checked before either side changes.
    let mut c_cfg = WalletConfig::new(Uuid::from_u128(3), Uuid::from_u128(100), eur());
    c_cfg.limits.max_balance = Some(m("2"));
    let mut c = Wallet::new(c_cfg).unwrap();
    let e = Wallet::transfer(&mut a, &mut c, Uuid::from_u128(22), t(T0), m("3")).unwrap_err();
    assert_eq!(e.code(), "WALLET_LIMIT_EXCEEDED");
    assert_eq!(a.balances().total, m("11"));
    let other_festival = Wallet::new(WalletConfig::new(Uuid::from_u128(4), Uuid::from_u128(101), eur())).unwrap();
    let e = Wallet::transfer(&mut a, &mut other_festival.clone(), Uuid::from_u128(23), t(T0), m("1")).unwrap_err();
    assert_eq!(e.code(), "WALLET_TRANSFER_INVALID");
    // Replay of each side alone reproduces it.
    assert_eq!(Wallet::replay(b.config().clone(), b.ledger().to_vec()).unwrap(), b);
}

#[test]
fn serde_is_config_plus_ledger_and_replays() {
    let mut w = W::new();
    w.top_up("10");
    w.bonus("2.50", Some("2026-07-05T00:00:00Z"));
    w.op(pay("3")).unwrap();
    let json = serde_json::to_value(&w.w).unwrap();
    assert_eq!(json.as_object().unwrap().keys().collect::<Vec<_>>(), ["config", "ledger"]);
    assert_eq!(json["ledger"][2]["operation"]["kind"], "payment");
    assert_eq!(json["ledger"][2]["bonus_delta"]["amount"], "-2.50");
    let back: Wallet = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, w.w);
    assert_eq!(back.balances(), w.w.balances());
    // A tampered effect is detected.
    let mut bad = json.clone();
    bad["ledger"][0]["refundable_delta"]["amount"] = "11.00".into();
    let err = serde_json::from_value::<Wallet>(bad).unwrap_err().to_string();
    assert!(err.contains("does not replay"), "{err}");
    // A tampered operation (different amount) is detected too.
    let mut bad = json;
    bad["ledger"][0]["operation"]["amount"]["amount"] = "9.00".into();
    assert!(serde_json::from_value::<Wallet>(bad).is_err());
    // A repeated id is detected.
    let mut ledger = w.w.ledger().to_vec();
    ledger.push(ledger[0].clone());
    assert_eq!(Wallet::replay(w.w.config().clone(), ledger).unwrap_err().code(), "WALLET_LEDGER_CORRUPT");
}

#[test]
fn serde_of_operations_is_strict() {
    let ok: Operation =
        serde_json::from_str(r#"{"kind":"top_up","amount":{"amount":"1.00","currency":"EUR"},"method":"cash"}"#)
            .unwrap();
    assert_eq!(ok, Operation::TopUp { amount: m("1"), method: TopUpMethod::Cash });
    for bad in [
        r#"{"kind":"top_up","amount":{"amount":"1.00","currency":"EUR"},"tip":1}"#,
        r#"{"kind":"top_up","amount":{"amount":1.0,"currency":"EUR"}}"#,
        r#"{"kind":"top_up","amount":{"amount":"0.001","currency":"EUR"}}"#,
        r#"{"kind":"refund","amount":{"amount":"1.00","currency":"EUR"}}"#,
        r#"{"amount":{"amount":"1.00","currency":"EUR"}}"#,
    ] {
        assert!(serde_json::from_str::<Operation>(bad).is_err(), "{bad}");
    }
}

#[test]
fn overflow_is_an_error_not_a_panic() {
    let mut w = W::new();
    let huge = Money::parse("792281625142643375935439503.35", eur()).unwrap();
    w.op(Operation::TopUp { amount: huge, method: TopUpMethod::Cash }).unwrap();
    let e = w.op(Operation::TopUp { amount: huge, method: TopUpMethod::Cash }).unwrap_err();
    assert_eq!(e.code(), "WALLET_OVERFLOW");
    let big_line = Operation::Payment {
        stand_id: STAND,
        device_id: None,
        items: vec![LineItem::new("x", u32::MAX, huge)],
        allow_debt: false,
        catalog_version: None,
    };
    assert_eq!(w.op(big_line).unwrap_err().code(), "WALLET_OVERFLOW");
    w.check_conservation();
}
