//! Property tests of the wallet invariants over random histories (including failing operations):
//! conservation, no negative balance outside debt, idempotent re-application, replay equals the
//! live wallet, and transfers conserve the sum of two wallets.

use super::*;
use crate::money::Money;
use crate::time::Timestamp;
use proptest::prelude::*;
use uuid::Uuid;

const BASE_MS: i64 = 1_783_166_400_000; // 2026-07-04T12:00:00Z

#[derive(Debug, Clone)]
pub(crate) enum G {
    TopUp(i64),
    Bonus(i64, Option<i64>),
    Pay(i64, u32, bool),
    Refund(usize, i64),
    Payout(i64, i64),
    Adjust(i64, bool),
    Expire,
    Block,
    Unblock,
    Close,
    Transfer(i64, bool),
    Retry(usize),
}

fn op_strategy() -> impl Strategy<Value = G> {
    prop_oneof![
        4 => (1i64..5000).prop_map(G::TopUp),
        2 => (1i64..2000, prop::option::of(0i64..72)).prop_map(|(a, h)| G::Bonus(a, h)),
        6 => (0i64..1500, 1u32..4, prop::bool::weighted(0.2)).prop_map(|(a, q, d)| G::Pay(a, q, d)),
        2 => (0usize..64, 1i64..3000).prop_map(|(i, a)| G::Refund(i, a)),
        1 => (1i64..3000, 0i64..300).prop_map(|(a, f)| G::Payout(a, f)),
        1 => (-2000i64..2000, any::<bool>()).prop_map(|(a, b)| G::Adjust(a, b)),
        1 => Just(G::Expire),
        1 => Just(G::Block),
        1 => Just(G::Unblock),
        1 => prop::bool::weighted(0.1).prop_map(|c| if c { G::Close } else { G::Expire }),
        2 => (1i64..3000, any::<bool>()).prop_map(|(a, d)| G::Transfer(a, d)),
        2 => (0usize..64).prop_map(G::Retry),
    ]
}

use crate::test_util::{eur, minor as m};

fn config(id: u128, order: SpendOrder, limited: bool) -> WalletConfig {
    let mut c = WalletConfig::new(Uuid::from_u128(id), Uuid::from_u128(99), eur());
    c.spend_order = order;
    if limited {
        c.limits = WalletLimits {
            max_balance: Some(m(8000)),
            max_single_payment: Some(m(2500)),
            max_daily_spend: Some(m(6000)),
        };
    }
    c
}

/// A random history on two wallets: (wallet a, wallet b, every successful request of a as entries).
pub(crate) struct Run {
    pub(crate) a: Wallet,
    pub(crate) b: Wallet,
    pub(crate) applied_a: Vec<Entry>,
}

pub(crate) fn history(ops: &[(G, u32, bool)], order: SpendOrder, limited: bool) -> Run {
    let mut a = Wallet::new(config(1, order, limited)).unwrap();
    let mut b = Wallet::new(config(2, SpendOrder::BonusFirst, false)).unwrap();
    let mut applied_a: Vec<Entry> = Vec::new();
    let mut ids_a: Vec<Uuid> = Vec::new();
    let mut at_ms = BASE_MS;
    for (n, (g, dt_minutes, on_b)) in ops.iter().enumerate() {
        at_ms += i64::from(*dt_minutes) * 60_000;
        let at = Timestamp::from_unix_millis(at_ms).unwrap();
        let id = Uuid::from_u128(1000 + n as u128);
        let operation = match g {
            G::TopUp(x) => Operation::TopUp { amount: m(*x), method: TopUpMethod::Card },
            G::Bonus(x, h) => Operation::BonusCredit {
                amount: m(*x),
                expires_at: h.map(|h| Timestamp::from_unix_millis(at_ms + h * 3_600_000).unwrap()),
            },
            G::Pay(x, q, d) => Operation::Payment {
                stand_id: Uuid::from_u128(7 + u128::from(*q % 2)),
                device_id: None,
                items: vec![LineItem::new("sku", *q, m(*x))],
                allow_debt: *d,
                catalog_version: None,
            },
            G::Refund(i, x) => Operation::Refund {
                payment_id: ids_a.get(*i % ids_a.len().max(1)).copied().unwrap_or(Uuid::nil()),
                amount: m(*x),
                reason: None,
            },
            G::Payout(x, f) => Operation::Payout { amount: m(*x), fee: Some(m(*f)) },
            G::Adjust(x, bonus) => Operation::Adjustment {
                amount: m(*x),
                target: if *bonus { SubBalance::Bonus } else { SubBalance::Refundable },
                reason: "prop".into(),
            },
            G::Expire => Operation::ExpireBonus {},
            G::Block => Operation::Block { reason: "prop".into() },
            G::Unblock => Operation::Unblock {},
            G::Close => Operation::Close {},
            G::Transfer(x, to_b) => {
                let r = if *to_b {
                    Wallet::transfer(&mut a, &mut b, id, at, m(*x))
                } else {
                    Wallet::transfer(&mut b, &mut a, id, at, m(*x))
                };
                if r.is_ok() {
                    ids_a.push(id);
                }
                continue;
            }
            G::Retry(i) => {
                // Re-apply an earlier successful request: must be a replay.
                if let Some(e) = applied_a.get(*i % applied_a.len().max(1)).cloned() {
                    let before = a.clone();
                    let o = a.apply(e.clone()).unwrap();
                    assert!(o.replayed);
                    assert_eq!(Some(&Outcome { replayed: false, ..o }), a.outcome(e.id));
                    assert_eq!(a, before);
                }
                continue;
            }
        };
        let target = if *on_b { &mut b } else { &mut a };
        let before = target.clone();
        let entry = Entry::new(id, at, operation);
        let debt_allowed = matches!(entry.operation, Operation::Payment { allow_debt: true, .. });
        match target.apply(entry.clone()) {
            Ok(o) => {
                // Debt is created only by offline payments with allow_debt.
                assert!(debt_allowed || !o.debt_delta.is_positive(), "{entry:?} created debt");
                if let Operation::Payment { allow_debt: false, .. } = entry.operation {
                    assert!(o.debt_delta.is_zero());
                }
                if !on_b {
                    applied_a.push(entry);
                    ids_a.push(id);
                }
            }
            // A failed operation changes nothing.
            Err(_) => assert_eq!(*target, before),
        }
        check_invariants(target);
    }
    Run { a, b, applied_a }
}

fn check_invariants(w: &Wallet) {
    let b = w.balances();
    assert!(!b.refundable.is_negative() && !b.bonus.is_negative() && !b.debt.is_negative(), "{b:?}");
    assert!(w.bonus_lots().iter().all(|l| l.remaining.is_positive()));
    let lots = Money::sum(eur(), w.bonus_lots().iter().map(|l| l.remaining).collect::<Vec<_>>().iter()).unwrap();
    assert_eq!(lots, b.bonus, "the cached bonus total equals the sum of the lots");
    if b.debt.is_positive() {
        assert!(b.refundable.is_zero(), "refundable money settles debt first: {b:?}");
        assert_ne!(w.status(), WalletStatus::Active);
    }
    assert_eq!(b.total, b.refundable.checked_add(&b.bonus).unwrap().checked_sub(&b.debt).unwrap());
    assert_eq!(w.totals().net().unwrap(), b.total, "conservation");
}

pub(crate) fn ops() -> impl Strategy<Value = Vec<(G, u32, bool)>> {
    prop::collection::vec((op_strategy(), 0u32..600, prop::bool::weighted(0.15)), 0..60)
}

pub(crate) fn orders() -> impl Strategy<Value = SpendOrder> {
    prop_oneof![Just(SpendOrder::BonusFirst), Just(SpendOrder::RefundableFirst)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn conservation_and_non_negative_balances(ops in ops(), order in orders(), limited in any::<bool>()) {
        let run = history(&ops, order, limited);
        check_invariants(&run.a);
        check_invariants(&run.b);
    }

    #[test]
    fn replay_of_ledger_equals_live_wallet(ops in ops(), order in orders(), limited in any::<bool>()) {
        let run = history(&ops, order, limited);
        for w in [&run.a, &run.b] {
            let replayed = Wallet::replay(w.config().clone(), w.ledger().to_vec()).unwrap();
            prop_assert_eq!(&replayed, w);
            prop_assert_eq!(replayed.balances(), w.balances());
            let json = serde_json::to_string(w).unwrap();
            let back: Wallet = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back, w);
        }
    }

    /// Folding any prefix of the ledger into the base (`Wallet::compact`, also twice) keeps every
    /// observable number, survives JSON, and later operations — refunds of folded payments
    /// included — give exactly the outcomes they give on the whole wallet.
    #[test]
    fn compacting_any_prefix_keeps_every_outcome(ops in ops(), order in orders(), cut in 0usize..64, cut2 in 0usize..64) {
        let run = history(&ops, order, false);
        let whole = run.a;
        let mut c = whole.clone();
        c.compact(cut).unwrap();
        c.compact(cut2).unwrap();
        prop_assert_eq!(c.compacted_entries() + c.ledger().len() as u64, whole.ledger().len() as u64);
        let back: Wallet = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        prop_assert_eq!(&back, &c);
        let mut w = whole.clone();
        let payments: Vec<Uuid> = whole.ledger().iter().filter(|e| e.kind() == "payment").map(|e| e.id).collect();
        let at = whole.ledger().last().map_or(Timestamp::from_unix_millis(BASE_MS).unwrap(), |e| e.at);
        for (i, p) in payments.iter().enumerate() {
            prop_assert_eq!(c.refundable_on_payment(*p), w.refundable_on_payment(*p));
            let amount = w.refundable_on_payment(*p).unwrap();
            if !amount.is_positive() { continue; }
            let refund = Entry::new(Uuid::from_u128(900_000 + i as u128), at, Operation::Refund {
                payment_id: *p, amount, reason: None });
            let (x, y) = (w.apply(refund.clone()), c.apply(refund));
            prop_assert_eq!(x.map_err(|e| e.to_string()), y.map_err(|e| e.to_string()));
        }
        let top = Entry::new(Uuid::from_u128(999_999), at, Operation::TopUp { amount: m(500), method: TopUpMethod::Cash });
        prop_assert_eq!(w.apply(top.clone()).map_err(|e| e.to_string()), c.apply(top).map_err(|e| e.to_string()));
        prop_assert_eq!(c.balances(), w.balances());
        prop_assert_eq!(c.totals(), w.totals());
        prop_assert_eq!(c.status(), w.status());
        prop_assert_eq!(c.bonus_lots(), w.bonus_lots());
        prop_assert_eq!(c.day_spend(at), w.day_spend(at));
        check_invariants(&c);
    }

    #[test]
    fn reapplying_any_prefix_changes_nothing(ops in ops(), order in orders(), cut in 0usize..64) {
        let mut run = history(&ops, order, false);
        let before = run.a.clone();
        let n = cut.min(run.applied_a.len());
        for e in run.applied_a.iter().take(n) {
            let o = run.a.apply(e.clone()).unwrap();
            prop_assert!(o.replayed);
            prop_assert_eq!(Some(&Outcome { replayed: false, ..o }), before.outcome(e.id));
        }
        prop_assert_eq!(run.a, before);
    }

    #[test]
    fn transfers_conserve_the_sum_of_two_wallets(ops in ops(), order in orders()) {
        let run = history(&ops, order, false);
        let (ta, tb) = (run.a.totals(), run.b.totals());
        prop_assert_eq!(ta.transfers_out.checked_add(&tb.transfers_out).unwrap(),
                        ta.transfers_in.checked_add(&tb.transfers_in).unwrap());
        // The pair's combined total is explained without any transfer term.
        let external = |t: &WalletTotals| {
            t.net().unwrap().checked_sub(&t.transfers_in).unwrap().checked_add(&t.transfers_out).unwrap()
        };
        let sum = run.a.balances().total.checked_add(&run.b.balances().total).unwrap();
        prop_assert_eq!(sum, external(&ta).checked_add(&external(&tb)).unwrap());
    }
}

#[test]
fn each_transfer_leaves_the_pair_sum_unchanged() {
    let mut a = Wallet::new(config(1, SpendOrder::BonusFirst, false)).unwrap();
    let mut b = Wallet::new(config(2, SpendOrder::BonusFirst, false)).unwrap();
    let t = Timestamp::from_unix_millis(BASE_MS).unwrap();
    a.apply(Entry::new(Uuid::from_u128(1), t, Operation::TopUp { amount: m(1000), method: TopUpMethod::Cash }))
        .unwrap();
    b.apply(Entry::new(
        Uuid::from_u128(2),
        t,
        Operation::Payment {
            stand_id: Uuid::nil(),
            device_id: None,
            items: vec![LineItem::new("x", 1, m(300))],
            allow_debt: true,
            catalog_version: None,
        },
    ))
    .unwrap();
    let mut sum = a.balances().total.checked_add(&b.balances().total).unwrap();
    for (i, amount) in [200, 150, 2000, 400].into_iter().enumerate() {
        let _ = Wallet::transfer(&mut a, &mut b, Uuid::from_u128(10 + i as u128), t, m(amount));
        let now = a.balances().total.checked_add(&b.balances().total).unwrap();
        assert_eq!(now, sum);
        sum = now;
    }
    assert_eq!(b.balances().debt, m(0), "transfers in settled b's debt");
    assert_eq!(b.status(), WalletStatus::Active);
}
