//! Chapter 5: a stand's night. The organizer signs the price list, the bar sells beer with cup
//! deposits (and refuses a gin tonic to a 16-year-old), a helper pays with a drink voucher, cups
//! come back, the top-up desk closes its till with a 0.50 EUR gap, every payment has a receipt,
//! the Z-report and the DSFinV-K-shaped export are produced, and the books balance.

use festival_core::calendar::FestivalCalendar;
use festival_core::catalog::{BasketLine, Catalog, Product, SignedCatalog};
use festival_core::money::parse_decimal;
use festival_core::money::tax::TaxRounding;
use festival_core::offline::crypto::public_key_from_seed;
use festival_core::postings::{post_ledger, post_till_session, Account, TrialBalance};
use festival_core::till::{
    render_csv, z_report, CountedAmounts, OperationKind, PaymentMethod, SaleLine, SaleRequest, SessionSpec,
    TillOperation, TillSession, ZReportRequest,
};
use festival_core::wallet::{AgeClass, Entry, Operation, TopUpMethod, Wallet, WalletConfig};
use festival_core::{Currency, Error, ErrorCode, Money, Timestamp};
use uuid::Uuid;

fn at(hm: &str) -> Result<Timestamp, Error> {
    Ok(Timestamp::parse_rfc3339(&format!("2026-07-04T{hm}:00Z"))?)
}

pub fn run() -> Result<(), Error> {
    println!("\n== 5. At the stand: catalog, deposits, vouchers, tills, receipts, books");
    let eur = Currency::iso("EUR")?;
    let m = |s: &str| Money::parse(s, eur);
    let rate = |s: &str| parse_decimal(s);
    let festival = Uuid::from_u128(0xF1);
    let (bar, desk) = (Uuid::from_u128(0xBA), Uuid::from_u128(0xDE));
    let (bar_till, desk_till) = (Uuid::from_u128(0x71), Uuid::from_u128(0x72));
    let (bar_device, desk_device) = (Uuid::from_u128(0xD1), Uuid::from_u128(0xD2));
    let (bar_seed, desk_seed, organizer_seed) = ([21u8; 32], [22u8; 32], [23u8; 32]);

    // The organizer's price list, signed for the offline devices.
    let catalog = Catalog::new(
        festival,
        3,
        eur,
        vec![
            Product::goods("beer", "Pils 0.5 l", m("5.00")?, rate("19")?)
                .with_deposit("cup")
                .with_min_age(16)
                .with_voucher_price("helper_drink", 1),
            Product::goods("gin-tonic", "Gin Tonic", m("9.00")?, rate("19")?).with_deposit("cup").with_min_age(18),
            Product::goods("fries", "Fries", m("4.50")?, rate("7")?),
            Product::deposit("cup", "Cup deposit", m("2.00")?),
        ],
    )?;
    let signed = catalog.sign(&organizer_seed);
    let organizer_key = public_key_from_seed(&organizer_seed);
    let on_device = signed.verify(&organizer_key)?;
    // A copy whose beer costs 0.50, under the organizer's signature of the real list.
    let mut cheap = catalog.products().to_vec();
    cheap[0].price = m("0.50")?;
    let forged = SignedCatalog { catalog: Catalog::new(festival, 3, eur, cheap)?, signature: signed.signature };
    let code = forged.verify(&organizer_key).err().map(|e| e.code()).unwrap_or("accepted");
    println!(
        "catalog v{} signed: {} products; a copy with beer at 0.50 -> {code}",
        on_device.version(),
        on_device.products().len()
    );
    assert_eq!(code, "CATALOG_BAD_SIGNATURE");

    // Three wristbands: an adult, a 16-year-old and a helper with two drink vouchers.
    let wallet = |n: u128, age: AgeClass| {
        let mut c = WalletConfig::new(Uuid::from_u128(n), festival, eur);
        c.age_class = Some(age);
        Wallet::new(c)
    };
    let (mut anna, mut ben, mut carla) =
        (wallet(1, AgeClass::Adult)?, wallet(2, AgeClass::From16To17)?, wallet(3, AgeClass::Adult)?);
    let mut ids = 1000u128..;
    let mut next = || Uuid::from_u128(ids.next().unwrap_or_default());

    // The top-up desk: a till session with a 100.00 float; every cash top-up is in the drawer.
    let mut desk_session =
        TillSession::open(SessionSpec::new(next(), desk_till, festival, desk_device, m("100.00")?, at("17:00")?))?;
    for (w, amount) in [(&mut anna, "40.00"), (&mut ben, "15.00"), (&mut carla, "5.00")] {
        let id = next();
        w.apply(Entry::new(id, at("17:10")?, Operation::TopUp { amount: m(amount)?, method: TopUpMethod::Cash }))?;
        desk_session.record(TillOperation {
            id,
            at: at("17:10")?,
            kind: OperationKind::CashTopUp { amount: m(amount)?, wallet_id: Some(w.id()) },
        })?;
    }
    carla.apply(Entry::new(
        next(),
        at("17:11")?,
        Operation::VoucherGrant { voucher_type: "helper_drink".into(), count: 2 },
    ))?;

    // The bar: wallet sales with a receipt each, priced by the catalog (deposits added).
    let mut bar_spec = SessionSpec::new(next(), bar_till, festival, bar_device, m("0.00")?, at("18:00")?);
    bar_spec.stand_id = Some(bar);
    let mut bar_session = TillSession::open(bar_spec)?;
    let mut sell = |w: &mut Wallet, lines: &[BasketLine], hm: &str| -> Result<Option<u64>, Error> {
        let basket = catalog.expand(lines, TaxRounding::PerLine)?;
        let id = next();
        let payment = Operation::Payment {
            stand_id: bar,
            device_id: Some(bar_device),
            items: basket.items.clone(),
            allow_debt: false,
            catalog_version: Some(basket.catalog_version),
        };
        if let Err(e) = w.apply_with_catalog(Entry::new(id, at(hm)?, payment), &catalog) {
            println!("  {hm} refused for wallet {}: {}", w.id().as_u128(), e.code());
            return Ok(None);
        }
        let sale = SaleRequest {
            payment_id: id,
            at: at(hm)?,
            method: PaymentMethod::Wallet,
            lines: basket
                .items
                .iter()
                .map(|i| SaleLine {
                    sku: i.sku.clone(),
                    quantity: i.quantity,
                    unit_price: i.unit_price,
                    voucher_id: None,
                })
                .collect(),
            amount: None,
            wallet_id: Some(w.id()),
        };
        let receipt = bar_session.sale(&sale, &catalog)?;
        println!(
            "  {hm} receipt #{} {}: {} (VAT {})",
            receipt.number,
            receipt.lines.iter().map(|l| format!("{}x {}", l.quantity, l.name)).collect::<Vec<_>>().join(", "),
            receipt.total,
            receipt.tax
        );
        Ok(Some(receipt.number))
    };
    sell(&mut anna, &[BasketLine::new("beer", 2), BasketLine::new("fries", 1)], "18:05")?;
    let refused = sell(&mut ben, &[BasketLine::new("gin-tonic", 1)], "18:07")?;
    assert_eq!(refused, None, "spirits are for adults");
    sell(&mut ben, &[BasketLine::new("fries", 1)], "18:08")?;
    sell(&mut carla, &[BasketLine::new("beer", 1).with_vouchers()], "18:10")?; // the cup is still 2.00
    sell(&mut anna, &[BasketLine::new("beer", 1)], "19:30")?;

    // Cups come back at the return point (a cup can be returned to any wristband).
    for (w, cups) in [(&mut anna, 2u32), (&mut carla, 1)] {
        let op = Operation::DepositReturn {
            stand_id: desk,
            device_id: None,
            product: "cup".into(),
            quantity: cups,
            amount: m("2.00")?.checked_mul_qty(u64::from(cups))?,
        };
        w.apply_with_catalog(Entry::new(next(), at("22:00")?, op), &catalog)?;
    }

    // Closing: the desk counts 159.50 in the drawer where 160.00 are expected.
    bar_session.close(at("23:00")?, CountedAmounts { cash: m("0.00")?, card: m("0.00")? }, &bar_seed)?;
    desk_session.close(at("23:05")?, CountedAmounts { cash: m("159.50")?, card: m("0.00")? }, &desk_seed)?;
    let closing = desk_session.closing().ok_or_else(|| festival_core::InputError::invalid("till", "not closed"))?;
    closing.verify_with_key(&public_key_from_seed(&desk_seed))?;
    let cash = &closing.closing.balances[0];
    println!(
        "top-up desk closed (signed, verified): cash expected {} counted {} imbalance {}",
        cash.expected, cash.counted, cash.imbalance
    );
    assert_eq!(cash.imbalance, m("-0.50")?);

    // Z-reports of the festival day (06:00-06:00 Berlin) and the export, one row per receipt line.
    let calendar = FestivalCalendar::new("Europe/Berlin", "06:00")?;
    let day = "2026-07-04".parse()?;
    let bar_sessions = [bar_session];
    let z = z_report(
        &ZReportRequest { till_id: bar_till, day, z_number: 1, created_at: at("23:30")? },
        &calendar,
        &bar_sessions,
    )?;
    println!(
        "bar Z-report #1: {} receipts (#{}-#{}), gross {} = net {} + VAT {}",
        z.receipt_count,
        z.first_receipt_number.unwrap_or(0),
        z.last_receipt_number.unwrap_or(0),
        z.gross,
        z.net,
        z.tax
    );
    for r in &z.vat {
        println!("  VAT {:>2} %: net {} tax {} gross {}", r.rate, r.amounts.net, r.amounts.tax, r.amounts.gross);
    }
    let csv = render_csv(&z.export_rows(&bar_sessions));
    println!("DSFinV-K-shaped export: {} rows; {}", csv.lines().count() - 1, csv.lines().next().unwrap_or_default());
    assert_eq!(z.receipt_count, 4);
    assert_eq!(z.last_receipt_number, Some(4), "numbered without gaps: the refused sale took no number");

    // The books: every wallet operation posted, the trial balance is zero.
    let mut books = TrialBalance::new(eur);
    for w in [&anna, &ben, &carla] {
        books.merge(&TrialBalance::from_postings(eur, &post_ledger(w.id(), w.ledger())?)?)?;
    }
    println!("books (debit +, credit -):");
    for (account, balance) in books.accounts() {
        println!("  {:<60} {:>9}", account.code(), balance.amount_string());
    }
    let owed = Money::sum(eur, &[anna.balances().refundable, ben.balances().refundable, carla.balances().refundable])?;
    assert!(books.is_balanced(), "the trial balance is zero");
    assert_eq!(books.balance(&Account::Refundable).negate(), owed, "liability = the wristbands' balances");
    assert_eq!(
        books.balance(&Account::Funds { method: TopUpMethod::Cash }),
        closing.closing.balances[0].expected.checked_sub(&m("100.00")?)?,
        "cash top-ups in the books = cash the desk took in"
    );
    // The tills post their drawers: the desk's cash top-ups clear funds:cash into its drawer, the
    // closing takes the counted cash to the safe and books the 0.50 short as a cash difference.
    for p in post_till_session(&desk_session)?.iter().chain(post_till_session(&bar_sessions[0])?.iter()) {
        books.push(p)?;
    }
    println!("with the tills posted:");
    for (account, balance) in books.accounts().filter(|(a, _)| {
        matches!(a, Account::Funds { .. } | Account::CashDrawer { .. } | Account::Safe | Account::CashDifferences)
    }) {
        println!("  {:<60} {:>9}", account.code(), balance.amount_string());
    }
    assert!(books.is_balanced(), "still zero with the tills");
    assert!(books.balance(&Account::Funds { method: TopUpMethod::Cash }).is_zero(), "every cash top-up is in a drawer");
    assert!(books.balance(&Account::CashDrawer { till_id: desk_session.till_id() }).is_zero(), "emptied at closing");
    assert_eq!(books.balance(&Account::Safe), m("59.50")?, "159.50 counted in, the 100.00 float out");
    assert_eq!(books.balance(&Account::CashDifferences), m("0.50")?);
    let cups_out = books.balance(&Account::Deposits).negate();
    println!("cups still out: {cups_out} of deposits; the wristbands hold {owed}; the desk is 0.50 short");
    assert_eq!(cups_out, m("2.00")?, "4 cups charged, 3 returned");
    beer_garden_offline(&catalog, festival)
}

/// The beer garden's POS has no network: it prices with the catalog it holds, refuses a gin tonic
/// to a 16-year-old on the spot, and signs catalog payments. A second POS was tampered with and
/// sells beer at 0.50 under the same catalog version. At sync the server checks every line
/// against the version it published: the tampered sale is rejected with CATALOG_PRICE_MISMATCH.
fn beer_garden_offline(catalog: &Catalog, festival: Uuid) -> Result<(), Error> {
    use festival_core::offline::device::{DeviceLimits, DeviceLog, DeviceSigner};
    use festival_core::offline::reconcile::{reconcile, ReconcileConfig, ReconcileState};
    use festival_core::offline::record::{CatalogSale, Payload};
    use festival_core::offline::registry::{DeviceEntry, DeviceRegistry, DeviceRole};
    use festival_core::wallet::{LineItem, LineKind};
    let eur = catalog.currency();
    let m = |s: &str| Money::parse(s, eur);
    let garden = Uuid::from_u128(0x6A);
    let (dora, teen) = (Uuid::from_u128(4), Uuid::from_u128(5));
    let pos = |n: u8| DeviceEntry {
        device_id: Uuid::from_u128(0xE0 + u128::from(n)),
        public_key: public_key_from_seed(&[n; 32]),
        festival_id: festival,
        role: DeviceRole::Pos,
        locations: vec![garden],
        valid_from: at("06:00").unwrap_or_default(),
        valid_until: at("23:59").unwrap_or_default(),
        revoked_at: None,
    };
    let registry = DeviceRegistry::new(vec![pos(31), pos(32)])?;
    let limits = DeviceLimits {
        per_payment: m("50")?,
        per_wallet_offline: m("50")?,
        max_stored_value: m("500")?,
        max_queued_records: 1000,
    };
    let mut log = DeviceLog::new(DeviceSigner::new([31; 32], Uuid::from_u128(0xE0 + 31), festival), eur, limits)?;
    log.set_synced_balances([(dora, m("30.00")?), (teen, m("10.00")?)].into_iter().collect())?;
    let basket = catalog.expand(&[BasketLine::new("beer", 2)], TaxRounding::PerLine)?;
    log.pay_with_catalog(
        Uuid::from_u128(5001),
        at("20:00")?,
        dora,
        garden,
        catalog,
        basket.items,
        Some(AgeClass::Adult),
    )?;
    let gin = catalog.expand(&[BasketLine::new("gin-tonic", 1)], TaxRounding::PerLine)?;
    let refused = log
        .pay_with_catalog(
            Uuid::from_u128(5002),
            at("20:01")?,
            teen,
            garden,
            catalog,
            gin.items,
            Some(AgeClass::From16To17),
        )
        .err()
        .map(|e| e.code());
    println!(
        "beer garden POS offline: 2 beers for wallet 4 signed (catalog v3, 14.00); gin tonic for a 16-year-old -> {}",
        refused.unwrap_or("sold")
    );
    assert_eq!(refused, Some("CATALOG_AGE_RESTRICTED"));
    // The tampered POS signs beer at 0.50 under catalog version 3.
    let mut forged = DeviceSigner::new([32; 32], Uuid::from_u128(0xE0 + 32), festival);
    let cheap = vec![
        LineItem::new("beer", 2, m("0.50")?),
        LineItem { kind: LineKind::Deposit, ..LineItem::new("cup", 2, m("2.00")?) },
    ];
    let tampered = forged.sign(
        Uuid::from_u128(5003),
        at("20:05")?,
        Payload::Payment {
            wallet_id: dora,
            amount: m("5.00")?,
            stand_id: garden,
            items: vec![],
            catalog: Some(CatalogSale { version: 3, lines: cheap }),
        },
    )?;
    // The server: Dora's wallet (adult), catalog v3 published, both batches reconciled.
    let mut state = ReconcileState::new(festival, eur);
    let mut config = WalletConfig::new(dora, festival, eur);
    config.age_class = Some(AgeClass::Adult);
    let mut w = Wallet::new(config)?;
    w.apply(Entry::new(
        Uuid::from_u128(5000),
        at("17:00")?,
        Operation::TopUp { amount: m("30.00")?, method: TopUpMethod::Cash },
    ))?;
    state.add_wallet(w)?;
    state.publish_catalog(catalog.clone())?;
    let batches = vec![
        log.export_batch().to_bytes(),
        festival_core::offline::record::Batch { records: vec![tampered] }.to_bytes(),
    ];
    let report = reconcile(&mut state, &registry, &batches, at("23:00")?, &ReconcileConfig::default())?;
    for o in &report.records {
        println!(
            "  record {}: {:?}{}",
            o.record_id.map(|r| r.as_u128()).unwrap_or_default(),
            o.status,
            o.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
        );
    }
    let reasons: Vec<Option<&str>> = report.records.iter().map(|o| o.reason.as_deref()).collect();
    assert_eq!(reasons, vec![None, Some("CATALOG_PRICE_MISMATCH")]);
    let dora_wallet = &state.wallets[&dora];
    println!(
        "wallet 4 after sync: {} left, cups out {}",
        dora_wallet.balances().total,
        dora_wallet.deposits().iter().map(|d| d.outstanding).next().unwrap_or(Money::zero(eur))
    );
    assert_eq!(dora_wallet.balances().total, m("16.00")?);
    Ok(())
}
