//! Small core operations: wallet apply (top-up, payment), ticket pricing, ticket-code
//! verification at a gate, and money addition (the "tiny call" the bindings' overhead is
//! measured against).
//!
//! Run: `cargo bench -p festival-core --bench ops`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use festival_core::money::tax::{PriceBasis, TaxRounding};
use festival_core::offline::codes::{self, IssuerKey, KeySet, RevocationList, RevocationStore, TicketClaims};
use festival_core::offline::crypto;
use festival_core::ticketing::pricing::{price, PriceLine, PriceRequest, PricingConfig, PromoCode, PromoDiscount};
use festival_core::wallet::{Entry, LineItem, Operation, TopUpMethod, Wallet, WalletConfig};
use festival_core::{Currency, Money, Timestamp};
use std::hint::black_box;
use std::time::Duration;
use uuid::Uuid;

fn t(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_783_180_800_000 + ms).expect("time")
}

fn bench(c: &mut Criterion) {
    let eur = Currency::iso("EUR").expect("EUR");
    let mut g = c.benchmark_group("ops");
    g.sample_size(30).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Elements(1));

    // Money: the tiny call.
    let a = Money::parse("12.34", eur).expect("money");
    let b2 = Money::parse("0.66", eur).expect("money");
    g.bench_function("money_add", |b| b.iter(|| black_box(&a).checked_add(black_box(&b2))));

    // Wallet: one payment with two line items on a wallet that already has 100 entries.
    let festival = Uuid::from_u128(1);
    let mut wallet = Wallet::new(WalletConfig::new(Uuid::from_u128(2), festival, eur)).expect("wallet");
    for i in 0..100u128 {
        let op = Operation::TopUp { amount: Money::parse("50", eur).expect("m"), method: TopUpMethod::Cash };
        wallet.apply(Entry::new(Uuid::from_u128(1000 + i), t(i as i64), op)).expect("top up");
    }
    let pay = |id: u128| {
        Entry::new(
            Uuid::from_u128(id),
            t(1_000_000),
            Operation::Payment {
                stand_id: Uuid::from_u128(5),
                device_id: None,
                items: vec![
                    LineItem::new("beer", 2, Money::parse("4.50", eur).expect("m")),
                    LineItem::new("fries", 1, Money::parse("3.00", eur).expect("m")),
                ],
                allow_debt: false,
                catalog_version: None,
            },
        )
    };
    g.bench_function("wallet_apply_payment", |b| {
        b.iter_batched(|| (wallet.clone(), pay(9_999)), |(mut w, e)| w.apply(e).expect("pay"), BatchSize::SmallInput)
    });
    g.bench_function("wallet_clone_only", |b| b.iter_batched(|| wallet.clone(), |w| w, BatchSize::SmallInput));
    let top = || {
        Entry::new(
            Uuid::from_u128(9_998),
            t(1_000_000),
            Operation::TopUp { amount: Money::parse("20", eur).expect("m"), method: TopUpMethod::Cash },
        )
    };
    g.bench_function("wallet_apply_top_up", |b| {
        b.iter_batched(|| (wallet.clone(), top()), |(mut w, e)| w.apply(e).expect("top up"), BatchSize::SmallInput)
    });

    // Pricing: 3 lines, gross VAT 19 %, per-ticket fee, 10 % promo.
    let mut config =
        PricingConfig::new(eur, "19".parse().expect("d"), PriceBasis::Gross, TaxRounding::SumByNetKeepGross);
    config.fees.per_ticket = Money::parse("1.50", eur).expect("m");
    let promo = PromoCode {
        code: "EARLY10".into(),
        discount: PromoDiscount::Percentage { percent: "10".parse().expect("d") },
        max_uses: Some(100),
        used: 3,
        expires_at: None,
        min_quantity: 2,
        ticket_type_ids: vec![],
        valid_from: None,
        scope: None,
    };
    let request = PriceRequest {
        lines: vec![
            PriceLine {
                ticket_type_id: Uuid::from_u128(1),
                unit_price: Money::parse("59.00", eur).expect("m"),
                quantity: 2,
            },
            PriceLine {
                ticket_type_id: Uuid::from_u128(2),
                unit_price: Money::parse("129.00", eur).expect("m"),
                quantity: 1,
            },
            PriceLine {
                ticket_type_id: Uuid::from_u128(3),
                unit_price: Money::parse("15.50", eur).expect("m"),
                quantity: 4,
            },
        ],
        promo_code: Some("early10".into()),
        at: t(0),
    };
    let promos = [promo];
    g.bench_function("pricing_3_lines", |b| b.iter(|| price(black_box(&request), &config, &promos).expect("price")));

    // Ticket code: decode + strict signature + window + revocation lookup (1000 revoked tickets).
    let keys = KeySet::new(vec![IssuerKey {
        key_id: 7,
        public_key: crypto::public_key_from_seed(&[3; 32]),
        festival_id: festival,
        valid_from: t(0),
        valid_until: t(86_400_000),
    }])
    .expect("keys");
    let claims = TicketClaims {
        key_id: 7,
        festival_id: festival,
        ticket_id: Uuid::from_u128(42),
        ticket_type: "DAY".into(),
        valid_from: t(0),
        valid_until: t(3_600_000),
    };
    let code = codes::issue_ticket_code(&claims, &[3; 32]).expect("code");
    let mut store = RevocationStore::default();
    let list = RevocationList {
        festival_id: festival,
        key_id: 7,
        version: 1,
        issued_at: t(0),
        revoked_tickets: (0..1000u128).map(|i| Uuid::from_u128(1_000_000 + i)).collect(),
        blocked_tags: vec![],
        revoked_devices: vec![],
    };
    store.install(&list.sign(&[3; 32]).expect("sign"), &keys, festival, t(10)).expect("install");
    g.bench_function("ticket_code_verify", |b| {
        b.iter(|| codes::verify_ticket_code(black_box(&code), &keys, festival, t(60_000), &store, 600_000).expect("ok"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
