use super::*;
use crate::analytics::{Analytics, LedgerBatchBuilder};
use crate::error::ErrorCode;
use crate::test_util::{eur, minor as m};
use crate::wallet::proptests::{history, ops, orders};
use crate::wallet::{Entry, LineItem, LineKind, SubBalance, Wallet, WalletConfig};
use proptest::prelude::*;

fn at(min: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_783_166_400_000 + min * 60_000).unwrap()
}

fn wallet(id: u128) -> Wallet {
    Wallet::new(WalletConfig::new(Uuid::from_u128(id), Uuid::from_u128(99), eur())).unwrap()
}

fn pay(stand: u128, minor: i64, debt: bool) -> Operation {
    Operation::Payment {
        stand_id: Uuid::from_u128(stand),
        device_id: None,
        items: vec![LineItem::new("beer", 1, m(minor))],
        allow_debt: debt,
        catalog_version: None,
    }
}

fn legs(p: &Posting) -> Vec<(String, i128)> {
    p.legs.iter().map(|l| (l.account.code(), l.amount.minor_units())).collect()
}

fn s(v: &[(&str, i128)]) -> Vec<(String, i128)> {
    v.iter().map(|(a, x)| (a.to_string(), *x)).collect()
}

#[test]
fn each_operation_posts_the_documented_legs() {
    let mut w = wallet(1);
    let id = |n: u128| Uuid::from_u128(100 + n);
    let ops = vec![
        Operation::TopUp { amount: m(2000), method: TopUpMethod::Cash },
        Operation::BonusCredit { amount: m(500), expires_at: Some(at(60)) },
        pay(7, 1200, false), // bonus first: 5.00 bonus + 7.00 refundable
        Operation::Refund { payment_id: id(2), amount: m(300), reason: None },
        Operation::Payout { amount: m(1000), fee: Some(m(100)) },
        Operation::Adjustment { amount: m(-50), target: SubBalance::Refundable, reason: "till error".into() },
        Operation::Block { reason: "lost card".into() },
    ];
    for (n, op) in ops.into_iter().enumerate() {
        w.apply(Entry::new(id(n as u128), at(n as i64), op)).unwrap();
    }
    let p = post_ledger(w.id(), w.ledger()).unwrap();
    assert_eq!(p.len(), 6, "the block posts nothing");
    let stand = format!("revenue:{}", Uuid::from_u128(7));
    assert_eq!(legs(&p[0]), s(&[("liability:refundable", -2000), ("funds:cash", 2000)]));
    assert_eq!(legs(&p[1]), s(&[("liability:bonus", -500), ("expense:bonus", 500)]));
    assert_eq!(legs(&p[2]), s(&[("liability:refundable", 700), ("liability:bonus", 500), (&stand, -1200)]));
    // The refund is restored where the wallet decides (its own tests cover that); the books follow.
    let refund_sum: i128 = legs(&p[3]).iter().filter(|(a, _)| a.starts_with("liability")).map(|(_, x)| x).sum();
    assert_eq!(refund_sum, -300);
    assert_eq!(legs(&p[3]).last().unwrap(), &(stand.clone(), 300));
    assert_eq!(legs(&p[4]), s(&[("liability:refundable", 1000), ("income:fees", -100), ("payouts", -900)]));
    assert_eq!(legs(&p[5]), s(&[("liability:refundable", 50), ("adjustments", -50)]));
    for posting in &p {
        assert!(posting.sum(eur()).unwrap().is_zero(), "{posting:?}");
        assert!(posting.legs.len() >= 2);
    }
    let tb = TrialBalance::from_postings(eur(), &p).unwrap();
    assert!(tb.is_balanced());
    assert_eq!(tb.balance(&Account::Refundable).negate(), w.balances().refundable);
    assert_eq!(tb.balance(&Account::Bonus).negate(), w.balances().bonus);
    assert_eq!(tb.revenue_by_stand(), vec![(Some(Uuid::from_u128(7)), m(900))]);
}

#[test]
fn debt_is_a_receivable_and_a_top_up_settles_it() {
    let mut w = wallet(1);
    w.apply(Entry::new(Uuid::from_u128(1), at(0), Operation::TopUp { amount: m(500), method: TopUpMethod::Card }))
        .unwrap();
    w.apply(Entry::new(Uuid::from_u128(2), at(1), pay(7, 800, true))).unwrap();
    w.apply(Entry::new(Uuid::from_u128(3), at(2), Operation::TopUp { amount: m(1000), method: TopUpMethod::Online }))
        .unwrap();
    let p = post_ledger(w.id(), w.ledger()).unwrap();
    let stand = format!("revenue:{}", Uuid::from_u128(7));
    assert_eq!(legs(&p[1]), s(&[("liability:refundable", 500), ("receivable:debt", 300), (&stand, -800)]));
    assert_eq!(legs(&p[2]), s(&[("liability:refundable", -700), ("receivable:debt", -300), ("funds:online", 1000)]));
    let tb = TrialBalance::from_postings(eur(), &p).unwrap();
    assert!(tb.balance(&Account::Debt).is_zero());
    assert!(tb.is_balanced());
}

#[test]
fn a_refund_of_an_unposted_payment_is_unattributed_revenue() {
    let mut w = wallet(1);
    w.apply(Entry::new(Uuid::from_u128(1), at(0), Operation::TopUp { amount: m(500), method: TopUpMethod::Card }))
        .unwrap();
    w.apply(Entry::new(Uuid::from_u128(2), at(1), pay(7, 400, false))).unwrap();
    w.compact(2).unwrap();
    w.apply(Entry::new(
        Uuid::from_u128(3),
        at(2),
        Operation::Refund { payment_id: Uuid::from_u128(2), amount: m(100), reason: None },
    ))
    .unwrap();
    let p = post_ledger(w.id(), w.ledger()).unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(legs(&p[0]), s(&[("liability:refundable", -100), ("revenue:unattributed", 100)]));
}

#[test]
fn account_codes_round_trip() {
    let all = [
        Account::Funds { method: TopUpMethod::Cash },
        Account::Funds { method: TopUpMethod::Card },
        Account::Funds { method: TopUpMethod::Online },
        Account::Funds { method: TopUpMethod::Other },
        Account::Payouts,
        Account::Refundable,
        Account::Bonus,
        Account::Debt,
        Account::Revenue { stand_id: Some(Uuid::from_u128(7)) },
        Account::Revenue { stand_id: None },
        Account::Fees,
        Account::BonusExpense,
        Account::BonusBreakage,
        Account::Adjustments,
        Account::TransferClearing,
    ];
    for a in all {
        assert_eq!(a.code().parse::<Account>().unwrap(), a);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Account>(&json).unwrap(), a);
    }
    assert_eq!("revenue:nope".parse::<Account>().unwrap_err().code(), "INPUT_INVALID");
    assert!("cash".parse::<Account>().is_err());
}

#[test]
fn a_trial_balance_refuses_another_currency() {
    let chf = Currency::iso("CHF").unwrap();
    let p = Posting {
        entry_id: Uuid::nil(),
        wallet_id: Some(Uuid::nil()),
        till_id: None,
        at: at(0),
        kind: "top_up".into(),
        legs: vec![Leg { account: Account::Refundable, amount: Money::from_minor(-1, chf).unwrap() }],
    };
    let err = TrialBalance::new(eur()).push(&p).unwrap_err();
    assert_eq!(err.code(), "MONEY_CURRENCY_MISMATCH");
}

#[test]
fn trial_balance_serializes_with_account_codes() {
    let mut w = wallet(1);
    w.apply(Entry::new(Uuid::from_u128(1), at(0), Operation::TopUp { amount: m(500), method: TopUpMethod::Cash }))
        .unwrap();
    let tb = TrialBalance::from_postings(eur(), &post_ledger(w.id(), w.ledger()).unwrap()).unwrap();
    assert_eq!(
        serde_json::to_string(&tb).unwrap(),
        r#"{"currency":"EUR","balanced":true,"accounts":{"funds:cash":"5.00","liability:refundable":"-5.00"}}"#
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// For every random history of two wallets (top-ups, bonus with expiry, payments with and
    /// without debt at two stands, refunds, payouts with fees, adjustments, blocks, closing,
    /// transfers both ways, retries): every posting sums to zero, the books balance, the liability
    /// accounts equal the wallets' balances, the transfer clearing account is zero, and the
    /// revenue accounts equal the analytics' settlements per stand.
    #[test]
    fn books_balance_and_liabilities_equal_the_wallets(ops in ops(), order in orders(), limited in any::<bool>()) {
        let run = history(&ops, order, limited);
        let mut tb = TrialBalance::new(eur());
        let mut batch = LedgerBatchBuilder::new(eur());
        for w in [&run.a, &run.b] {
            let postings = post_ledger(w.id(), w.ledger()).unwrap();
            for p in &postings {
                prop_assert!(p.sum(eur()).unwrap().is_zero(), "{:?}", p);
                prop_assert!(p.legs.iter().all(|l| !l.amount.is_zero()));
            }
            let mine = TrialBalance::from_postings(eur(), &postings).unwrap();
            prop_assert!(mine.is_balanced());
            prop_assert_eq!(mine.balance(&Account::Refundable).negate(), w.balances().refundable);
            prop_assert_eq!(mine.balance(&Account::Bonus).negate(), w.balances().bonus);
            prop_assert_eq!(mine.balance(&Account::Debt), w.balances().debt);
            let t = w.totals();
            prop_assert_eq!(mine.balance(&Account::Fees).negate(), t.payout_fees);
            prop_assert_eq!(mine.balance(&Account::Payouts).negate(), t.payouts);
            prop_assert_eq!(mine.balance(&Account::Funds { method: TopUpMethod::Card }), t.top_ups);
            prop_assert_eq!(mine.balance(&Account::BonusExpense), t.bonus_credits);
            prop_assert_eq!(
                mine.balance(&Account::BonusBreakage).negate(),
                t.bonus_expired.checked_add(&t.bonus_forfeited).unwrap()
            );
            tb.merge(&mine).unwrap();
            batch.push_wallet(w).unwrap();
        }
        prop_assert!(tb.is_balanced());
        prop_assert!(tb.balance(&Account::TransferClearing).is_zero());
        let analytics = Analytics::compute(&batch.finish()).unwrap();
        let by_stand: Vec<(Option<Uuid>, Money)> = analytics
            .settlements_by_stand()
            .unwrap()
            .into_iter()
            .filter(|f| f.sale_count > 0 || f.refund_count > 0)
            .map(|f| (Some(f.key.parse::<Uuid>().unwrap()), f.net))
            .collect();
        prop_assert_eq!(tb.revenue_by_stand(), by_stand);
    }
}

fn cup_payment(stand: u128, goods_minor: i64, cups: u32) -> Operation {
    let mut items = vec![LineItem::new("beer", 1, m(goods_minor))];
    if cups > 0 {
        items.push(LineItem { kind: LineKind::Deposit, ..LineItem::new("cup", cups, m(200)) });
    }
    Operation::Payment {
        stand_id: Uuid::from_u128(stand),
        device_id: None,
        items,
        allow_debt: false,
        catalog_version: None,
    }
}

fn cup_return(cups: u32) -> Operation {
    Operation::DepositReturn {
        stand_id: Uuid::from_u128(8),
        device_id: None,
        product: "cup".into(),
        quantity: cups,
        amount: m(200 * i64::from(cups)),
    }
}

#[test]
fn deposits_are_a_liability_and_refunds_take_goods_first() {
    let mut w = wallet(1);
    let e = |n: u128| Uuid::from_u128(500 + n);
    w.apply(Entry::new(e(0), at(0), Operation::TopUp { amount: m(3000), method: TopUpMethod::Cash })).unwrap();
    w.apply(Entry::new(e(1), at(1), cup_payment(7, 500, 2))).unwrap(); // 5.00 beer + 2 cups at 2.00
    w.apply(Entry::new(e(2), at(2), cup_return(1))).unwrap();
    // A refund of 6.00: the 5.00 of goods first, then 1.00 of the cups' deposit.
    w.apply(Entry::new(e(3), at(3), Operation::Refund { payment_id: e(1), amount: m(600), reason: None })).unwrap();
    let p = post_ledger(w.id(), w.ledger()).unwrap();
    let stand = format!("revenue:{}", Uuid::from_u128(7));
    assert_eq!(legs(&p[1]), s(&[("liability:refundable", 900), (&stand, -500), ("liability:deposits", -400)]));
    assert_eq!(legs(&p[2]), s(&[("liability:refundable", -200), ("liability:deposits", 200)]));
    assert_eq!(legs(&p[3]), s(&[("liability:refundable", -600), (&stand, 500), ("liability:deposits", 100)]));
    let tb = TrialBalance::from_postings(eur(), &p).unwrap();
    assert!(tb.is_balanced());
    assert_eq!(tb.balance(&Account::Deposits), m(-100), "one cup's deposit is still out, less 1.00 refunded");
    assert_eq!(tb.revenue_by_stand(), vec![(Some(Uuid::from_u128(7)), m(0))]);
    assert_eq!("liability:deposits".parse::<Account>().unwrap(), Account::Deposits);
}

#[test]
fn vouchers_post_nothing() {
    let mut w = wallet(1);
    let op = Operation::VoucherGrant { voucher_type: "helper_drink".into(), count: 3 };
    w.apply(Entry::new(Uuid::from_u128(1), at(0), op)).unwrap();
    assert!(post_ledger(w.id(), w.ledger()).unwrap().is_empty());
}

#[derive(Debug, Clone)]
enum D {
    TopUp(i64),
    Pay(u128, i64, u32),
    Return(u32),
}

fn deposit_ops() -> impl Strategy<Value = Vec<D>> {
    prop::collection::vec(
        prop_oneof![
            2 => (100i64..3000).prop_map(D::TopUp),
            4 => (7u128..9, 0i64..900, 0u32..4).prop_map(|(s, g, c)| D::Pay(s, g, c)),
            2 => (1u32..4).prop_map(D::Return),
        ],
        0..40,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random days of beer with cups: the books balance, the deposit liability is exactly the
    /// deposits charged minus those returned (the wallets' totals), revenue excludes deposits
    /// (the analytics' settlements), and the liabilities equal the wallets' balances.
    #[test]
    fn deposits_are_liabilities_not_revenue(ops in deposit_ops()) {
        let mut wallets = [wallet(1), wallet(2)];
        for (n, op) in ops.iter().enumerate() {
            let w = &mut wallets[n % 2];
            let operation = match op {
                D::TopUp(x) => Operation::TopUp { amount: m(*x), method: TopUpMethod::Card },
                D::Pay(s, g, c) => cup_payment(*s, *g, *c),
                D::Return(c) => cup_return(*c),
            };
            let _ = w.apply(Entry::new(Uuid::from_u128(10_000 + n as u128), at(n as i64), operation));
        }
        let mut books = TrialBalance::new(eur());
        let mut batch = LedgerBatchBuilder::new(eur());
        let (mut charged, mut returned) = (m(0), m(0));
        let mut refundable = m(0);
        for w in &wallets {
            books.merge(&TrialBalance::from_postings(eur(), &post_ledger(w.id(), w.ledger()).unwrap()).unwrap()).unwrap();
            batch.push_wallet(w).unwrap();
            charged = charged.checked_add(&w.totals().deposits_charged).unwrap();
            returned = returned.checked_add(&w.totals().deposit_returns).unwrap();
            refundable = refundable.checked_add(&w.balances().refundable).unwrap();
        }
        prop_assert!(books.is_balanced());
        prop_assert_eq!(books.balance(&Account::Deposits).negate(), charged.checked_sub(&returned).unwrap());
        prop_assert_eq!(books.balance(&Account::Refundable).negate(), refundable);
        let analytics = Analytics::compute(&batch.finish()).unwrap();
        let by_stand: Vec<(Option<Uuid>, Money)> = analytics
            .settlements_by_stand()
            .unwrap()
            .into_iter()
            .filter(|f| !f.net.is_zero())
            .map(|f| (Some(f.key.parse::<Uuid>().unwrap()), f.net))
            .collect();
        // A stand whose sales were all deposits has revenue zero (no revenue leg is posted).
        let revenue: Vec<(Option<Uuid>, Money)> =
            books.revenue_by_stand().into_iter().filter(|(_, m)| !m.is_zero()).collect();
        prop_assert_eq!(revenue, by_stand);
    }
}
