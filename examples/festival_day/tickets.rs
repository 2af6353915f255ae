//! Chapter: ticket sales and the gates — ticket types, holds, a promo code, a sell-out, payment
//! and fulfilment, a refund, then the main gate and backstage with their denials, occupancy and a
//! capacity alert.

use festival_core::access::{AccessControl, Decision, Direction, Scan, Zone};
use festival_core::money::tax::{PriceBasis, TaxRounding};
use festival_core::ticketing::pricing::{price, PriceLine, PriceRequest, PricingConfig, PromoCode, PromoDiscount};
use festival_core::ticketing::{Inventory, NewTicket, Order, OrderState, TicketBook, TicketState, TicketType};
use festival_core::{Currency, Error, ErrorCode, InputError, Money, RoundingMode, Timestamp};
use uuid::Uuid;

fn check(ok: bool, what: &str) -> Result<(), Error> {
    if ok {
        Ok(())
    } else {
        Err(InputError::invalid("festival_day.tickets", format!("check failed: {what}")).into())
    }
}

fn at(s: &str) -> Result<Timestamp, Error> {
    Ok(s.parse::<Timestamp>()?)
}

const DAY: Uuid = Uuid::from_u128(0x7001);
const WEEKEND: Uuid = Uuid::from_u128(0x7002);
const VIP: Uuid = Uuid::from_u128(0x7003);

fn ticket_type(
    id: Uuid,
    name: &str,
    price: Money,
    capacity: u32,
    zones: &[&str],
    reentry: bool,
) -> Result<TicketType, Error> {
    Ok(TicketType {
        id,
        name: name.into(),
        price,
        capacity,
        sale_from: at("2026-03-01T10:00:00Z")?,
        sale_until: at("2026-07-04T18:00:00Z")?,
        valid_from: at("2026-07-04T12:00:00Z")?,
        valid_until: at("2026-07-06T06:00:00Z")?,
        max_per_order: 4,
        zones: zones.iter().map(|z| z.to_string()).collect(),
        reentry_allowed: reentry,
        transfer_limit: 1,
    })
}

fn tickets(first: u128, n: u128, holder: &str) -> Vec<NewTicket> {
    (0..n)
        .map(|i| NewTicket {
            id: Uuid::from_u128(first + i),
            number: format!("FD26-{:05}", first + i),
            holder: holder.to_string(),
        })
        .collect()
}

pub fn run() -> Result<(), Error> {
    println!("\n--- 3. tickets and gates ---");
    let eur = Currency::iso("EUR")?;
    let day = ticket_type(DAY, "Saturday day pass", Money::parse("59.00", eur)?, 500, &["main"], false)?;
    let weekend = ticket_type(WEEKEND, "Weekend", Money::parse("129.00", eur)?, 300, &["main"], true)?;
    // VIP is deliberately tiny so the demo sells out.
    let vip = ticket_type(VIP, "VIP", Money::parse("249.00", eur)?, 3, &["main", "backstage"], true)?;
    let mut book = TicketBook::new();
    for t in [&day, &weekend, &vip] {
        book.add_type(t.clone())?;
        println!("{:<18} {:>9}  capacity {:>3}  zones {:?}", t.name, t.price.to_string(), t.capacity, t.zones);
    }
    let mut inv_weekend = Inventory::new(WEEKEND, weekend.capacity);
    let mut inv_vip = Inventory::new(VIP, vip.capacity);

    // Pricing: gross prices with 19 % VAT kept as on the price tag, 1.50 EUR fee per ticket, and a
    // promo code for 10 % off weekend tickets from two tickets on.
    let mut config =
        PricingConfig::new(eur, "19".parse().unwrap_or_default(), PriceBasis::Gross, TaxRounding::SumByNetKeepGross);
    config.fees.per_ticket = Money::parse("1.50", eur)?;
    config.discount_rounding = RoundingMode::HalfUp;
    let mut promo = PromoCode {
        code: "EARLYBIRD".into(),
        discount: PromoDiscount::Percentage { percent: "10".parse().unwrap_or_default() },
        max_uses: Some(50),
        used: 49,
        expires_at: Some(at("2026-06-01T00:00:00Z")?),
        min_quantity: 2,
        ticket_type_ids: vec![WEEKEND],
        valid_from: None,
        scope: None,
    };

    let now = at("2026-05-20T19:30:00Z")?;
    let hold_until = now.plus_millis(15 * 60 * 1000);
    let request = PriceRequest {
        lines: vec![PriceLine { ticket_type_id: WEEKEND, unit_price: weekend.price, quantity: 2 }],
        promo_code: Some("earlybird".into()),
        at: now,
    };
    let quote = price(&request, &config, std::slice::from_ref(&promo))?;
    println!(
        "2 x Weekend with EARLYBIRD: subtotal {} - discount {} + fees {} = total {} (incl. VAT {})",
        quote.subtotal, quote.discount, quote.fees, quote.total, quote.tax
    );
    check(quote.total.amount_string() == "235.20", "weekend quote 258.00 - 25.80 + 3.00")?;

    let order_id = Uuid::from_u128(0x0D01);
    let mut order = Order::place(order_id, &weekend, &mut inv_weekend, 2, quote.total, now, hold_until)?;
    println!("order placed: {:?}, {} seats held until {}", order.state(), inv_weekend.counts(now).held, hold_until);
    order.pay(&mut inv_weekend, quote.total, now.plus_millis(90_000))?;
    promo.record_use()?;
    order.fulfill(&mut book, tickets(0x1000, 2, "Lena"), now.plus_millis(95_000))?;
    println!("paid and fulfilled: tickets {:?}; EARLYBIRD used {}/50", order.ticket_ids().len(), promo.used);
    check(order.state() == OrderState::Fulfilled && inv_weekend.sold() == 2, "weekend order fulfilled")?;
    // The code is now used up: the next buyer gets a typed error.
    match price(&request, &config, std::slice::from_ref(&promo)) {
        Err(e) => println!("next EARLYBIRD attempt: {} ({})", e.code(), e),
        Ok(_) => return Err(InputError::invalid("promo", "an exhausted promo code was accepted").into()),
    }

    // VIP: one order of 2 seats is paid, another of 2 finds only 1 left.
    let vip_total = vip.price.checked_mul_qty(2)?;
    let mut vip_order = Order::place(Uuid::from_u128(0x0D02), &vip, &mut inv_vip, 2, vip_total, now, hold_until)?;
    vip_order.pay(&mut inv_vip, vip_total, now.plus_millis(60_000))?;
    vip_order.fulfill(&mut book, tickets(0x2000, 2, "Mo"), now.plus_millis(61_000))?;
    match Order::place(Uuid::from_u128(0x0D03), &vip, &mut inv_vip, 2, vip_total, now, hold_until) {
        Err(e) => {
            println!("VIP for 2 more: {} -> {}", e.code(), e);
            check(e.details()["available"] == 1, "one VIP seat is left")?;
        }
        Ok(_) => return Err(InputError::invalid("inventory", "VIP oversold").into()),
    }
    // A hold that is never paid expires and its seat comes back.
    let single = vip.price;
    let mut lapsed = Order::place(Uuid::from_u128(0x0D04), &vip, &mut inv_vip, 1, single, now, hold_until)?;
    lapsed.expire(&mut inv_vip, hold_until)?;
    println!("an unpaid VIP hold expired: {} VIP seat(s) available again", inv_vip.counts(hold_until).available);

    // A refund: Mo gets one of the two VIP tickets refunded (unused), the seat goes back on sale.
    vip_order.refund(single, at("2026-06-10T08:00:00Z")?)?;
    book.apply(Uuid::from_u128(0x2001), festival_core::ticketing::TicketEvent::Refund, at("2026-06-10T08:00:00Z")?)?;
    inv_vip.restock(1)?;
    println!(
        "refund of {} on the VIP order: {:?}, refundable left {}",
        single,
        vip_order.state(),
        vip_order.refundable()?
    );
    check(vip_order.state() == OrderState::PartiallyRefunded, "partial refund")?;

    // A day pass bought at the box office.
    let mut inv_day = Inventory::new(DAY, day.capacity);
    let mut day_order = Order::place(Uuid::from_u128(0x0D05), &day, &mut inv_day, 1, day.price, now, hold_until)?;
    day_order.pay(&mut inv_day, day.price, now)?;
    day_order.fulfill(&mut book, tickets(0x3000, 1, "Sam"), now)?;

    // The gates. The main arena is small in this demo so the alert shows.
    let mut gates = AccessControl::new(vec![
        Zone {
            id: "main".into(),
            name: "Main arena".into(),
            capacity: 4,
            ticket_type_ids: vec![],
            perimeter: true,
            alert_thresholds: vec![75, 100],
        },
        Zone {
            id: "backstage".into(),
            name: "Backstage".into(),
            capacity: 20,
            ticket_type_ids: vec![],
            perimeter: false,
            alert_thresholds: vec![80],
        },
    ])?;
    let gate_time = at("2026-07-04T16:00:00Z")?;
    let scans = [
        (0x1000, "main", Direction::In),
        (0x1001, "main", Direction::In),
        (0x2000, "main", Direction::In),
        (0x2000, "backstage", Direction::In),
        (0x3000, "backstage", Direction::In), // day pass at backstage: wrong zone
        (0x1000, "main", Direction::In),      // passed back over the fence: anti-passback
        (0x2001, "main", Direction::In),      // the refunded VIP ticket
        (0x3000, "main", Direction::In),      // fourth person: 100 %
        (0x1001, "main", Direction::Out),
    ];
    let mut denied = Vec::new();
    for (i, (ticket, zone, direction)) in scans.iter().enumerate() {
        let scan = Scan {
            ticket_id: Uuid::from_u128(*ticket),
            zone_id: zone.to_string(),
            direction: *direction,
            at: gate_time.plus_millis(i as i64 * 30_000),
        };
        let outcome = gates.scan(&mut book, &scan)?;
        let number = book.ticket(scan.ticket_id)?.number.clone();
        match outcome.decision {
            Decision::Admit => println!("{number} {direction:?} {zone:<9} admit   (occupancy {})", outcome.occupancy),
            Decision::Deny { reason } => {
                println!("{number} {direction:?} {zone:<9} DENY    {reason:?}");
                denied.push(reason);
            }
        }
        for alert in &outcome.alerts {
            println!(
                "  ALERT {}: {} % of capacity reached ({}/{})",
                alert.zone_id, alert.threshold_percent, alert.occupancy, alert.capacity
            );
        }
    }
    for o in gates.occupancies() {
        println!(
            "{:<9} occupancy {}/{} (entries {}, exits {})",
            o.zone_id, o.occupancy, o.capacity, o.entries, o.exits
        );
    }
    use festival_core::access::DenyReason as R;
    check(denied == [R::WrongZone, R::AlreadyInside, R::Refunded], "three denials with their reasons")?;
    let main = gates.occupancy("main")?;
    check(
        main.occupancy == 3 && u64::from(main.occupancy) == main.entries - main.exits,
        "occupancy = entries - exits",
    )?;
    // Checked-in tickets are used: no more refunds.
    let lena = book.ticket(Uuid::from_u128(0x1000))?;
    check(lena.state == TicketState::CheckedIn && lena.used, "Lena is inside")?;
    match book.apply(lena.id, festival_core::ticketing::TicketEvent::Refund, gate_time) {
        Err(e) => println!("refund of a used ticket: {}", e.code()),
        Ok(_) => return Err(InputError::invalid("tickets", "a used ticket was refunded").into()),
    }
    Ok(())
}
