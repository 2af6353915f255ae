//! Canonical, versioned binary encoding of offline records and batches.
//!
//! Record layout (all integers big-endian, fixed width; one encoding per record):
//!
//! | field | bytes |
//! | --- | --- |
//! | magic `FCR` | 3 |
//! | version (`1`; `2` when the record carries an anchor; `3` a scan fact; `4` a catalog payment) | 1 |
//! | kind (1 payment, 2 top-up, 3 refund, 4 scan, 5 void) | 1 |
//! | record id, device id, festival id (UUID) | 16 each |
//! | sequence (u64, >= 1) | 8 |
//! | previous record hash (SHA-256 of its signed bytes; zeros for sequence 1) | 32 |
//! | device time (u64 ms since epoch, <= 9999-12-31) | 8 |
//! | HLC physical ms (u64, same range) and logical counter (u32) | 8 + 4 |
//! | payload (per kind, below) | ... |
//!
//! Payloads: payment = wallet (16) amount (u64 minor units, > 0) currency (u8 length + ASCII
//! canonical text) stand (16) item count (u16 <= 64) then per item product (16) quantity (u32 > 0)
//! unit price (u64 minor units), the items summing exactly to the amount when present;
//! top-up = wallet, amount, currency; refund = wallet, amount, currency, original record id;
//! scan = ticket (16) zone (16) direction (u8: 0 in, 1 out); void = voided record id (16).
//!
//! Version 2 appends the record's [`Anchor`] after the payload: the acknowledged sequence (u64)
//! and the acknowledgement's server time (u64 ms), both of the newest server acknowledgement the
//! device held when it signed (see [`super::ack`]). A record without an anchor is encoded as
//! version 1, byte for byte as before.
//!
//! Version 3 is a **scan fact**: a scan record that carries the gate's own decision. After the
//! scan payload come the decision (u8: 0 admit, otherwise the deny reason's code below), the
//! check-in policy version (u64) and the revocation-list version (u64) the gate used, then an
//! anchor flag (u8, 0 or 1) and, if 1, the anchor as in version 2. Only scans carry a fact; a
//! record without one is encoded as version 1 or 2, byte for byte as before. Deny reason codes
//! (stable): 1 wrong_zone, 2 outside_validity, 3 already_inside, 4 not_inside, 5 revoked,
//! 6 cancelled, 7 transferred, 8 refunded, 9 zone_full, 10 reentry_not_allowed, 11 unpaid,
//! 12 wrong_ticket_type, 13 wrong_gate, 14 outside_window, 15 max_entries_reached,
//! 16 max_entries_per_day_reached, 17 max_days_reached, 18 too_soon, 19 rules.
//!
//! Version 4 is a **catalog payment**: a payment priced with a product catalog
//! ([`CatalogSale`]). The payment payload has no items (count 0); after it come the catalog
//! version (u32), the line count (u16, 1..=64) and per line the product id (u8 length + UTF-8,
//! 1..=64 characters), the quantity (u32 > 0), the unit price (u64 minor units; 0 only on voucher
//! lines) and the kind (u8: 0 sale, 1 deposit, 2 voucher, followed for a voucher by the voucher type
//! as u8 length + UTF-8 and the count per unit as u32 > 0); the money lines sum exactly to the
//! amount, which may be 0 only when some line is paid with vouchers. Then an anchor flag (u8) and
//! the anchor as in version 3. A payment without a catalog is encoded as version 1 or 2, byte for
//! byte as before. A **deposit return** (kind 6) is always version 4: wallet (16), amount (u64
//! minor units > 0), currency, return point (16), deposit product id (u8 length + UTF-8), quantity
//! (u32 > 0), catalog version (u32), then the anchor flag and anchor.
//!
//! A signed record is the encoding followed by a 64-byte Ed25519 signature over
//! `b"festival-core/record/v1" || encoding`. Its hash (for the chain) is SHA-256 of all of it.
//! A batch is `FCB` `1`, a u32 count, then each signed record as u32 length + bytes.
//! The decoders are total: any byte string gives a value or an `OFFLINE_MALFORMED` error.

use super::wire::{sha256, Reader, Writer};
use super::OfflineError;
use crate::money::{Currency, Money};
use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use uuid::Uuid;

/// Domain separation prefix of the signing input.
pub const RECORD_DOMAIN: &[u8] = b"festival-core/record/v1";
const RECORD_MAGIC: &[u8; 3] = b"FCR";
const BATCH_MAGIC: &[u8; 3] = b"FCB";
/// Record encoding version without an anchor.
pub const RECORD_VERSION: u8 = 1;
/// Record encoding version with an [`Anchor`].
pub const RECORD_VERSION_ANCHORED: u8 = 2;
/// Record encoding version of a scan with the gate's decision ([`ScanFact`]).
pub const RECORD_VERSION_SCAN_FACT: u8 = 3;
/// Record encoding version of a payment priced with a product catalog ([`CatalogSale`]).
pub const RECORD_VERSION_CATALOG: u8 = 4;
/// Current batch encoding version.
pub const BATCH_VERSION: u8 = 1;
/// Maximum line items in one payment.
pub const MAX_LINE_ITEMS: usize = 64;
/// Maximum length of one signed record inside a batch.
pub const MAX_RECORD_LEN: usize = 8192;
/// Maximum records in one batch.
pub const MAX_BATCH_RECORDS: usize = 100_000;
const MAX_CURRENCY_LEN: usize = 32;

/// The kind of an offline record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A wallet payment at a stand.
    Payment,
    /// A cash top-up of a wallet.
    TopUp,
    /// A refund to a wallet of (part of) an earlier payment.
    Refund,
    /// A ticket scan at a gate.
    Scan,
    /// Cancels an earlier record of the same device.
    Void,
    /// A returned deposit item (a cup) credited to a wallet, at the catalog's deposit price.
    DepositReturn,
}

impl RecordKind {
    /// Snake-case name (`payment`, `top_up`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Payment => "payment",
            RecordKind::TopUp => "top_up",
            RecordKind::Refund => "refund",
            RecordKind::Scan => "scan",
            RecordKind::Void => "void",
            RecordKind::DepositReturn => "deposit_return",
        }
    }
}

/// Direction of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Entering the zone.
    In,
    /// Leaving the zone.
    Out,
}

/// Hybrid logical clock stamp: physical milliseconds plus a logical counter. Ordered by
/// physical time, then counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Hlc {
    /// Physical component, ms since the epoch.
    pub physical_ms: i64,
    /// Logical counter for events within the same millisecond.
    pub logical: u32,
}

impl Hlc {
    /// The next stamp after `self` for a local event at wall time `now_ms` (HLC send rule).
    pub fn tick(self, now_ms: i64) -> Hlc {
        if now_ms > self.physical_ms {
            Hlc { physical_ms: now_ms, logical: 0 }
        } else if self.logical < u32::MAX {
            Hlc { physical_ms: self.physical_ms, logical: self.logical + 1 }
        } else {
            Hlc { physical_ms: self.physical_ms.saturating_add(1), logical: 0 }
        }
    }
}

/// One line of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    /// Product id.
    pub product_id: Uuid,
    /// Quantity (> 0).
    pub quantity: u32,
    /// Unit price, in the payment's currency.
    pub unit_price: Money,
}

/// A payment priced with a product catalog ([`crate::catalog`]): the catalog version the device
/// used and the lines as the wallet books them (product id, quantity, unit price, kind: sale,
/// deposit, or goods paid with vouchers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogSale {
    /// The catalog version ([`crate::catalog::Catalog::version`]).
    pub version: u32,
    /// The lines (1..=64; the money lines sum exactly to the payment's amount).
    pub lines: Vec<crate::wallet::LineItem>,
}

/// What a record does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payload {
    /// A wallet pays at a stand.
    Payment {
        /// The paying wallet (or its tag's wallet).
        wallet_id: Uuid,
        /// Amount (> 0).
        amount: Money,
        /// The stand.
        stand_id: Uuid,
        /// Line items (empty or summing exactly to `amount`; empty with a catalog).
        items: Vec<LineItem>,
        /// The catalog version the device priced the payment with, and its lines (record
        /// encoding version 4). Reconciliation checks them against that version's published
        /// catalog ([`super::reconcile::ReconcileState::publish_catalog`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        catalog: Option<CatalogSale>,
    },
    /// Cash top-up of a wallet.
    TopUp {
        /// The wallet.
        wallet_id: Uuid,
        /// Amount (> 0).
        amount: Money,
    },
    /// Refund to a wallet.
    Refund {
        /// The wallet.
        wallet_id: Uuid,
        /// Amount (> 0).
        amount: Money,
        /// The payment being refunded.
        original_record_id: Uuid,
    },
    /// A ticket scan.
    Scan {
        /// The ticket.
        ticket_id: Uuid,
        /// The zone.
        zone_id: Uuid,
        /// In or out.
        direction: Direction,
    },
    /// Cancels an earlier record of the same device.
    Void {
        /// The record being voided.
        voided_record_id: Uuid,
    },
    /// Returned deposit items (cups) credited to a wallet at the catalog's deposit price (record
    /// encoding version 4). Reconciliation checks the product and price against the published
    /// catalog of `catalog_version`.
    DepositReturn {
        /// The wallet credited (any wallet: a cup can be returned to any wristband).
        wallet_id: Uuid,
        /// The return point.
        stand_id: Uuid,
        /// The deposit product (catalog id, 1..=64 characters).
        product: String,
        /// How many (> 0).
        quantity: u32,
        /// The amount credited (> 0): the deposit price times the quantity.
        amount: Money,
        /// The catalog version the device used.
        catalog_version: u32,
    },
}

/// The newest server acknowledgement a device held when it signed a record (see
/// [`super::ack`]): the record was made after the server's `server_time`, so it may not be dated
/// before it, and its sequence lies after `sequence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Anchor {
    /// The last sequence of the device the acknowledgement covered.
    #[serde(with = "u64_string")]
    pub sequence: u64,
    /// The server's time in the acknowledgement.
    pub server_time: Timestamp,
}

/// What the gate decided for a scan it signed, and with which versions of its rules: a scan is a
/// fact (the person went in, or was turned away), which reconciliation records as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ScanFact {
    /// The gate's decision: admit, or deny with the reason.
    #[serde(flatten)]
    pub decision: crate::access::Decision,
    /// The version of the check-in policy the gate used (0 without a policy).
    #[serde(with = "u64_string")]
    pub policy_version: u64,
    /// The version of the revocation list the gate had installed (0 without one).
    #[serde(with = "u64_string")]
    pub revocation_version: u64,
}

use crate::access::DenyReason;

const DENY_CODES: [DenyReason; 19] = [
    DenyReason::WrongZone,
    DenyReason::OutsideValidity,
    DenyReason::AlreadyInside,
    DenyReason::NotInside,
    DenyReason::Revoked,
    DenyReason::Cancelled,
    DenyReason::Transferred,
    DenyReason::Refunded,
    DenyReason::ZoneFull,
    DenyReason::ReentryNotAllowed,
    DenyReason::Unpaid,
    DenyReason::WrongTicketType,
    DenyReason::WrongGate,
    DenyReason::OutsideWindow,
    DenyReason::MaxEntriesReached,
    DenyReason::MaxEntriesPerDayReached,
    DenyReason::MaxDaysReached,
    DenyReason::TooSoon,
    DenyReason::Rules,
];

impl ScanFact {
    fn decision_byte(&self) -> u8 {
        match self.decision {
            crate::access::Decision::Admit => 0,
            crate::access::Decision::Deny { reason } => {
                DENY_CODES.iter().position(|r| *r == reason).map_or(0, |i| i as u8 + 1)
            }
        }
    }

    fn decision_from(b: u8) -> Option<crate::access::Decision> {
        match b {
            0 => Some(crate::access::Decision::Admit),
            n => DENY_CODES.get(usize::from(n) - 1).map(|reason| crate::access::Decision::Deny { reason: *reason }),
        }
    }

    /// Whether the gate opened.
    pub fn admitted(&self) -> bool {
        self.decision == crate::access::Decision::Admit
    }
}

/// The signed content of an offline record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordBody {
    /// Unique record id.
    pub record_id: Uuid,
    /// The device that made it.
    pub device_id: Uuid,
    /// The festival.
    pub festival_id: Uuid,
    /// Per-device sequence, 1, 2, 3...
    #[serde(with = "u64_string")]
    pub sequence: u64,
    /// SHA-256 of the device's previous signed record (zeros for sequence 1).
    #[serde(with = "hex32")]
    pub prev_hash: [u8; 32],
    /// The device's wall clock when it made the record.
    pub device_time: Timestamp,
    /// The device's hybrid logical clock.
    pub hlc: Hlc,
    /// What it does.
    pub payload: Payload,
    /// The newest server acknowledgement the device held (none before its first sync).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<Anchor>,
    /// For a scan: the gate's decision and rule versions (encoding version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_fact: Option<ScanFact>,
}

/// Serde helper: u64 as a decimal string (JS-safe).
pub(crate) mod u64_string {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let t = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        if t.is_empty() || t.len() > 20 || !t.bytes().all(|b| b.is_ascii_digit()) || (t.len() > 1 && t.starts_with('0'))
        {
            return Err(serde::de::Error::custom("expected a decimal u64 string"));
        }
        t.parse().map_err(serde::de::Error::custom)
    }
}

/// Serde helper: 32 bytes as lowercase hex.
pub(crate) mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::interop::hex_encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let t = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        crate::interop::hex_decode_array::<32>("hash", &t).map_err(serde::de::Error::custom)
    }
}

fn invalid(reason: impl Into<String>) -> OfflineError {
    OfflineError::InvalidAmount { reason: reason.into() }
}

pub(crate) fn put_amount(out: &mut Vec<u8>, m: &Money, currency: Option<Currency>) -> Result<(), OfflineError> {
    if let Some(c) = currency {
        if m.currency() != c {
            return Err(invalid("line item currency differs from the payment's"));
        }
    }
    let minor = m.minor_units();
    if minor <= 0 || minor > i64::MAX as i128 {
        return Err(invalid(format!("amount {} must be > 0 and fit in 63 bits of minor units", m.amount_string())));
    }
    out.put_u64(minor as u64);
    Ok(())
}

pub(crate) fn put_currency(out: &mut Vec<u8>, c: Currency) -> Result<(), OfflineError> {
    let text = c.to_string();
    if text.is_empty() || text.len() > MAX_CURRENCY_LEN {
        return Err(invalid("currency text too long"));
    }
    out.put_u8(text.len() as u8);
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

fn read_amount(r: &mut Reader<'_>, currency: Currency) -> Result<Money, OfflineError> {
    let minor = r.u64()?;
    if minor == 0 || minor > i64::MAX as u64 {
        return Err(r.err("amount must be > 0 and <= 2^63-1 minor units"));
    }
    Money::from_minor(minor as i64, currency).map_err(|_| r.err("amount out of range"))
}

pub(crate) fn read_currency(r: &mut Reader<'_>) -> Result<Currency, OfflineError> {
    let len = r.u8()? as usize;
    if len == 0 || len > MAX_CURRENCY_LEN {
        return Err(r.err("bad currency length"));
    }
    let bytes = r.bytes(len)?;
    let text = std::str::from_utf8(bytes).map_err(|_| r.err("currency is not ASCII"))?;
    let c: Currency = text.parse().map_err(|_| r.err("unknown currency"))?;
    if c.to_string() != text {
        return Err(r.err("non-canonical currency text"));
    }
    Ok(c)
}

/// Longest product id or voucher type in a catalog payment line, in characters (as the wallet).
const MAX_LINE_TEXT: usize = 64;

fn put_text(out: &mut Vec<u8>, what: &str, t: &str) -> Result<(), OfflineError> {
    if t.is_empty() || t.chars().count() > MAX_LINE_TEXT || t.len() > usize::from(u8::MAX) {
        return Err(invalid(format!("{what} must be 1..={MAX_LINE_TEXT} characters")));
    }
    out.put_u8(t.len() as u8);
    out.extend_from_slice(t.as_bytes());
    Ok(())
}

fn read_text(r: &mut Reader<'_>, what: &str) -> Result<String, OfflineError> {
    let len = usize::from(r.u8()?);
    let bytes = r.bytes(len)?;
    let t = std::str::from_utf8(bytes).map_err(|_| r.err(format!("{what} is not UTF-8")))?;
    if t.is_empty() || t.chars().count() > MAX_LINE_TEXT {
        return Err(r.err(format!("{what} must be 1..={MAX_LINE_TEXT} characters")));
    }
    Ok(t.to_string())
}

impl CatalogSale {
    /// Encodes the block after a payment's payload (version 4), checking the lines against the
    /// payment's `amount`.
    fn encode(&self, out: &mut Vec<u8>, amount: &Money) -> Result<(), OfflineError> {
        use crate::wallet::LineKind;
        if self.lines.is_empty() || self.lines.len() > MAX_LINE_ITEMS {
            return Err(invalid(format!("a catalog payment has 1..={MAX_LINE_ITEMS} lines")));
        }
        out.put_u32(self.version);
        out.put_u16(self.lines.len() as u16);
        let (mut total, mut vouchers): (i128, bool) = (0, false);
        for l in &self.lines {
            if l.quantity == 0 {
                return Err(invalid("line quantity must be > 0"));
            }
            put_text(out, "product id", &l.sku)?;
            out.put_u32(l.quantity);
            if l.unit_price.currency() != amount.currency() {
                return Err(invalid("line currency differs from the payment's"));
            }
            let minor = l.unit_price.minor_units();
            let voucher = matches!(l.kind, LineKind::Voucher(_));
            if minor < 0 || minor > i64::MAX as i128 || (minor == 0 && !voucher) || (minor != 0 && voucher) {
                return Err(invalid("unit price must be > 0 (0 exactly on voucher lines) and fit in 63 bits"));
            }
            out.put_u64(minor as u64);
            match &l.kind {
                LineKind::Sale => out.put_u8(0),
                LineKind::Deposit => out.put_u8(1),
                LineKind::Voucher(v) => {
                    if v.count == 0 {
                        return Err(invalid("a voucher line needs at least 1 voucher per unit"));
                    }
                    out.put_u8(2);
                    put_text(out, "voucher type", &v.voucher_type)?;
                    out.put_u32(v.count);
                }
            }
            vouchers |= voucher;
            total = total.saturating_add(minor.saturating_mul(i128::from(l.quantity)));
        }
        if total != amount.minor_units() {
            return Err(invalid("catalog lines do not sum to the amount"));
        }
        if amount.is_zero() && !vouchers {
            return Err(invalid("amount must be > 0 unless a line is paid with vouchers"));
        }
        Ok(())
    }

    fn decode(r: &mut Reader<'_>, amount: &Money) -> Result<CatalogSale, OfflineError> {
        use crate::wallet::{LineItem as SaleLine, LineKind, VoucherPrice};
        let version = r.u32()?;
        let n = usize::from(r.u16()?);
        if n == 0 || n > MAX_LINE_ITEMS {
            return Err(r.err("a catalog payment has 1..=64 lines"));
        }
        let mut lines = Vec::with_capacity(n);
        let (mut total, mut vouchers): (i128, bool) = (0, false);
        for _ in 0..n {
            let sku = read_text(r, "product id")?;
            let quantity = r.u32()?;
            if quantity == 0 {
                return Err(r.err("line quantity 0"));
            }
            let minor = r.u64()?;
            if minor > i64::MAX as u64 {
                return Err(r.err("unit price out of range"));
            }
            let kind = match r.u8()? {
                0 => LineKind::Sale,
                1 => LineKind::Deposit,
                2 => {
                    let voucher_type = read_text(r, "voucher type")?;
                    let count = r.u32()?;
                    if count == 0 {
                        return Err(r.err("voucher count 0"));
                    }
                    LineKind::Voucher(VoucherPrice { voucher_type, count })
                }
                k => return Err(r.err(format!("bad line kind {k}"))),
            };
            let voucher = matches!(kind, LineKind::Voucher(_));
            if (minor == 0) != voucher {
                return Err(r.err("unit price 0 exactly on voucher lines"));
            }
            let unit_price = Money::from_minor(minor as i64, amount.currency()).map_err(|_| r.err("unit price out of range"))?;
            vouchers |= voucher;
            total = total.saturating_add(i128::from(minor).saturating_mul(i128::from(quantity)));
            lines.push(SaleLine { sku, quantity, unit_price, kind });
        }
        if total != amount.minor_units() {
            return Err(r.err("catalog lines do not sum to the amount"));
        }
        if amount.is_zero() && !vouchers {
            return Err(r.err("amount 0 without a voucher line"));
        }
        Ok(CatalogSale { version, lines })
    }
}

impl Payload {
    /// The record kind of this payload.
    pub fn kind(&self) -> RecordKind {
        match self {
            Payload::Payment { .. } => RecordKind::Payment,
            Payload::TopUp { .. } => RecordKind::TopUp,
            Payload::Refund { .. } => RecordKind::Refund,
            Payload::Scan { .. } => RecordKind::Scan,
            Payload::Void { .. } => RecordKind::Void,
            Payload::DepositReturn { .. } => RecordKind::DepositReturn,
        }
    }

    fn kind_byte(&self) -> u8 {
        match self {
            Payload::Payment { .. } => 1,
            Payload::TopUp { .. } => 2,
            Payload::Refund { .. } => 3,
            Payload::Scan { .. } => 4,
            Payload::Void { .. } => 5,
            Payload::DepositReturn { .. } => 6,
        }
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), OfflineError> {
        match self {
            Payload::Payment { wallet_id, amount, stand_id, items, catalog } => {
                out.put_uuid(wallet_id);
                if catalog.is_some() && amount.is_zero() {
                    out.put_u64(0);
                } else {
                    put_amount(out, amount, None)?;
                }
                put_currency(out, amount.currency())?;
                out.put_uuid(stand_id);
                if items.len() > MAX_LINE_ITEMS {
                    return Err(invalid(format!("more than {MAX_LINE_ITEMS} line items")));
                }
                out.put_u16(items.len() as u16);
                let mut total: i128 = 0;
                for it in items {
                    if it.quantity == 0 {
                        return Err(invalid("line item quantity must be > 0"));
                    }
                    out.put_uuid(&it.product_id);
                    out.put_u32(it.quantity);
                    put_amount(out, &it.unit_price, Some(amount.currency()))?;
                    total = total.saturating_add(it.unit_price.minor_units().saturating_mul(it.quantity as i128));
                }
                if !items.is_empty() && total != amount.minor_units() {
                    return Err(invalid("line items do not sum to the amount"));
                }
                if let Some(sale) = catalog {
                    if !items.is_empty() {
                        return Err(invalid("a catalog payment carries its lines in the catalog sale, not as items"));
                    }
                    sale.encode(out, amount)?;
                }
            }
            Payload::TopUp { wallet_id, amount } => {
                out.put_uuid(wallet_id);
                put_amount(out, amount, None)?;
                put_currency(out, amount.currency())?;
            }
            Payload::Refund { wallet_id, amount, original_record_id } => {
                out.put_uuid(wallet_id);
                put_amount(out, amount, None)?;
                put_currency(out, amount.currency())?;
                out.put_uuid(original_record_id);
            }
            Payload::Scan { ticket_id, zone_id, direction } => {
                out.put_uuid(ticket_id);
                out.put_uuid(zone_id);
                out.put_u8(match direction {
                    Direction::In => 0,
                    Direction::Out => 1,
                });
            }
            Payload::Void { voided_record_id } => out.put_uuid(voided_record_id),
            Payload::DepositReturn { wallet_id, stand_id, product, quantity, amount, catalog_version } => {
                out.put_uuid(wallet_id);
                put_amount(out, amount, None)?;
                put_currency(out, amount.currency())?;
                out.put_uuid(stand_id);
                put_text(out, "product id", product)?;
                if *quantity == 0 {
                    return Err(invalid("deposit return quantity must be > 0"));
                }
                out.put_u32(*quantity);
                out.put_u32(*catalog_version);
            }
        }
        Ok(())
    }

    fn decode(kind: u8, version: u8, r: &mut Reader<'_>) -> Result<Payload, OfflineError> {
        let catalog = version == RECORD_VERSION_CATALOG;
        if (kind == 6 && !catalog) || (catalog && !matches!(kind, 1 | 6)) {
            return Err(r.err("only payments and deposit returns are priced with a catalog, deposit returns always"));
        }
        Ok(match kind {
            1 => {
                let wallet_id = r.uuid()?;
                let minor = r.u64()?;
                let currency = read_currency(r)?;
                let priced = version == RECORD_VERSION_CATALOG;
                if (minor == 0 && !priced) || minor > i64::MAX as u64 {
                    return Err(r.err("amount must be > 0 and <= 2^63-1 minor units"));
                }
                let amount = Money::from_minor(minor as i64, currency).map_err(|_| r.err("amount out of range"))?;
                let stand_id = r.uuid()?;
                let n = r.u16()? as usize;
                if n > MAX_LINE_ITEMS {
                    return Err(r.err("too many line items"));
                }
                let mut items = Vec::with_capacity(n);
                let mut total: i128 = 0;
                for _ in 0..n {
                    let product_id = r.uuid()?;
                    let quantity = r.u32()?;
                    if quantity == 0 {
                        return Err(r.err("line item quantity 0"));
                    }
                    let unit_price = read_amount(r, currency)?;
                    total = total.saturating_add(unit_price.minor_units().saturating_mul(quantity as i128));
                    items.push(LineItem { product_id, quantity, unit_price });
                }
                if n > 0 && total != amount.minor_units() {
                    return Err(r.err("line items do not sum to the amount"));
                }
                let catalog = if priced {
                    if n > 0 {
                        return Err(r.err("a catalog payment has no items"));
                    }
                    Some(CatalogSale::decode(r, &amount)?)
                } else {
                    None
                };
                Payload::Payment { wallet_id, amount, stand_id, items, catalog }
            }
            2 | 3 => {
                let wallet_id = r.uuid()?;
                let minor = r.u64()?;
                let currency = read_currency(r)?;
                if minor == 0 || minor > i64::MAX as u64 {
                    return Err(r.err("amount must be > 0 and <= 2^63-1 minor units"));
                }
                let amount = Money::from_minor(minor as i64, currency).map_err(|_| r.err("amount out of range"))?;
                if kind == 2 {
                    Payload::TopUp { wallet_id, amount }
                } else {
                    Payload::Refund { wallet_id, amount, original_record_id: r.uuid()? }
                }
            }
            4 => {
                let ticket_id = r.uuid()?;
                let zone_id = r.uuid()?;
                let direction = match r.u8()? {
                    0 => Direction::In,
                    1 => Direction::Out,
                    d => return Err(r.err(format!("bad direction {d}"))),
                };
                Payload::Scan { ticket_id, zone_id, direction }
            }
            5 => Payload::Void { voided_record_id: r.uuid()? },
            6 => {
                let wallet_id = r.uuid()?;
                let minor = r.u64()?;
                let currency = read_currency(r)?;
                if minor == 0 || minor > i64::MAX as u64 {
                    return Err(r.err("amount must be > 0 and <= 2^63-1 minor units"));
                }
                let amount = Money::from_minor(minor as i64, currency).map_err(|_| r.err("amount out of range"))?;
                let stand_id = r.uuid()?;
                let product = read_text(r, "product id")?;
                let quantity = r.u32()?;
                if quantity == 0 {
                    return Err(r.err("deposit return quantity 0"));
                }
                let catalog_version = r.u32()?;
                Payload::DepositReturn { wallet_id, stand_id, product, quantity, amount, catalog_version }
            }
            k => return Err(r.err(format!("unknown record kind {k}"))),
        })
    }
}

impl RecordBody {
    /// The record kind.
    pub fn kind(&self) -> RecordKind {
        self.payload.kind()
    }

    /// The canonical encoding; errors (`OFFLINE_INVALID_AMOUNT` / `OFFLINE_MALFORMED`) if a
    /// value cannot be encoded (zero amount, sequence 0, bad HLC, items not summing up...).
    pub fn encode(&self) -> Result<Vec<u8>, OfflineError> {
        let bad = |reason: &str| OfflineError::Malformed { what: "record".into(), offset: 0, reason: reason.into() };
        if self.sequence == 0 {
            return Err(bad("sequence starts at 1"));
        }
        if self.sequence == 1 && self.prev_hash != [0u8; 32] {
            return Err(bad("sequence 1 must have a zero previous hash"));
        }
        if crate::Timestamp::from_unix_millis(self.hlc.physical_ms).is_err() {
            return Err(bad("HLC physical time out of range"));
        }
        if let Some(a) = &self.anchor {
            if a.sequence >= self.sequence {
                return Err(bad("the anchor must acknowledge an earlier sequence"));
            }
        }
        if self.scan_fact.is_some() && self.kind() != RecordKind::Scan {
            return Err(bad("only scans carry a scan fact"));
        }
        let mut out = Vec::with_capacity(176);
        out.extend_from_slice(RECORD_MAGIC);
        let priced =
            matches!(&self.payload, Payload::Payment { catalog: Some(_), .. } | Payload::DepositReturn { .. });
        out.put_u8(match (&self.scan_fact, priced, &self.anchor) {
            (Some(_), _, _) => RECORD_VERSION_SCAN_FACT,
            (None, true, _) => RECORD_VERSION_CATALOG,
            (None, false, Some(_)) => RECORD_VERSION_ANCHORED,
            (None, false, None) => RECORD_VERSION,
        });
        out.put_u8(self.payload.kind_byte());
        out.put_uuid(&self.record_id);
        out.put_uuid(&self.device_id);
        out.put_uuid(&self.festival_id);
        out.put_u64(self.sequence);
        out.extend_from_slice(&self.prev_hash);
        out.put_timestamp(self.device_time);
        out.put_u64(self.hlc.physical_ms as u64);
        out.put_u32(self.hlc.logical);
        self.payload.encode(&mut out)?;
        if let Some(f) = &self.scan_fact {
            out.put_u8(f.decision_byte());
            out.put_u64(f.policy_version);
            out.put_u64(f.revocation_version);
            out.put_u8(u8::from(self.anchor.is_some()));
        } else if priced {
            out.put_u8(u8::from(self.anchor.is_some()));
        }
        if let Some(a) = &self.anchor {
            out.put_u64(a.sequence);
            out.put_timestamp(a.server_time);
        }
        Ok(out)
    }

    fn decode_from(r: &mut Reader<'_>) -> Result<RecordBody, OfflineError> {
        let version = r.header_any(
            RECORD_MAGIC,
            &[RECORD_VERSION, RECORD_VERSION_ANCHORED, RECORD_VERSION_SCAN_FACT, RECORD_VERSION_CATALOG],
        )?;
        let kind = r.u8()?;
        let record_id = r.uuid()?;
        let device_id = r.uuid()?;
        let festival_id = r.uuid()?;
        let sequence = r.u64()?;
        if sequence == 0 {
            return Err(r.err("sequence 0"));
        }
        let prev_hash = r.array::<32>()?;
        if sequence == 1 && prev_hash != [0u8; 32] {
            return Err(r.err("sequence 1 with a non-zero previous hash"));
        }
        let device_time = r.timestamp()?;
        let physical = r.timestamp()?;
        let logical = r.u32()?;
        let payload = Payload::decode(kind, version, r)?;
        let mut anchored = version == RECORD_VERSION_ANCHORED;
        let scan_fact = if version == RECORD_VERSION_SCAN_FACT {
            if payload.kind() != RecordKind::Scan {
                return Err(r.err("only scans carry a scan fact"));
            }
            let byte = r.u8()?;
            let decision = ScanFact::decision_from(byte).ok_or_else(|| r.err(format!("bad scan decision {byte}")))?;
            let fact = ScanFact { decision, policy_version: r.u64()?, revocation_version: r.u64()? };
            anchored = match r.u8()? {
                0 => false,
                1 => true,
                f => return Err(r.err(format!("bad anchor flag {f}"))),
            };
            Some(fact)
        } else {
            if version == RECORD_VERSION_CATALOG {
                anchored = match r.u8()? {
                    0 => false,
                    1 => true,
                    f => return Err(r.err(format!("bad anchor flag {f}"))),
                };
            }
            None
        };
        let anchor = if anchored {
            let a = Anchor { sequence: r.u64()?, server_time: r.timestamp()? };
            if a.sequence >= sequence {
                return Err(r.err("the anchor must acknowledge an earlier sequence"));
            }
            Some(a)
        } else {
            None
        };
        Ok(RecordBody {
            record_id,
            device_id,
            festival_id,
            sequence,
            prev_hash,
            device_time,
            hlc: Hlc { physical_ms: physical.unix_millis(), logical },
            payload,
            anchor,
            scan_fact,
        })
    }

    /// Decodes an unsigned encoding (exactly; no trailing bytes).
    pub fn decode(bytes: &[u8]) -> Result<RecordBody, OfflineError> {
        let mut r = Reader::new(bytes, "record");
        let body = Self::decode_from(&mut r)?;
        r.finish()?;
        Ok(body)
    }

    /// Signs this body with the device's 32-byte secret seed.
    pub fn sign(&self, seed: &[u8; 32]) -> Result<SignedRecord, OfflineError> {
        let encoded = self.encode()?;
        let signature = super::crypto::sign(seed, &signing_input(&encoded));
        Ok(SignedRecord::assemble(self.clone(), &encoded, signature))
    }
}

fn signing_input(encoded: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(RECORD_DOMAIN.len() + encoded.len());
    m.extend_from_slice(RECORD_DOMAIN);
    m.extend_from_slice(encoded);
    m
}

/// A record body with its signature; keeps its exact bytes and their SHA-256 (computed once, when
/// the record is decoded or built).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRecord {
    body: RecordBody,
    signature: [u8; 64],
    /// `RECORD_DOMAIN || encoding || signature`: the signing input and the record's bytes are both
    /// sub-slices, so neither needs a copy.
    buf: Vec<u8>,
    body_len: usize,
    hash: [u8; 32],
}

impl SignedRecord {
    fn assemble(body: RecordBody, encoded: &[u8], signature: [u8; 64]) -> SignedRecord {
        let mut buf = Vec::with_capacity(RECORD_DOMAIN.len() + encoded.len() + 64);
        buf.extend_from_slice(RECORD_DOMAIN);
        buf.extend_from_slice(encoded);
        buf.extend_from_slice(&signature);
        let hash = sha256(&[buf.get(RECORD_DOMAIN.len()..).unwrap_or_default()]);
        SignedRecord { body, signature, buf, body_len: encoded.len(), hash }
    }

    /// Decodes `encoding || signature` (total; no trailing bytes). Does NOT verify the signature.
    pub fn from_bytes(bytes: &[u8]) -> Result<SignedRecord, OfflineError> {
        let mut r = Reader::new(bytes, "record");
        let body = RecordBody::decode_from(&mut r)?;
        let body_len = r.position();
        let signature = r.array::<64>()?;
        r.finish()?;
        Ok(SignedRecord::assemble(body, bytes.get(..body_len).unwrap_or_default(), signature))
    }

    /// Pairs a body with a signature made elsewhere (e.g. a hardware key). Does not verify.
    pub fn from_parts(body: RecordBody, signature: [u8; 64]) -> Result<SignedRecord, OfflineError> {
        let encoded = body.encode()?;
        Ok(SignedRecord::assemble(body, &encoded, signature))
    }

    /// The signed content.
    pub fn body(&self) -> &RecordBody {
        &self.body
    }

    /// The 64-byte signature.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// `encoding || signature`.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }

    /// The exact bytes, borrowed.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(RECORD_DOMAIN.len()..).unwrap_or_default()
    }

    /// The bytes the signature covers: `b"festival-core/record/v1" || encoding`.
    pub fn signing_input(&self) -> Vec<u8> {
        self.signed_message().to_vec()
    }

    /// [`SignedRecord::signing_input`], borrowed (no copy).
    pub fn signed_message(&self) -> &[u8] {
        self.buf.get(..RECORD_DOMAIN.len() + self.body_len).unwrap_or_default()
    }

    /// SHA-256 of the signed bytes: what the next record's `prev_hash` must be (computed once).
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// Position in the global total order: HLC, then device id, then sequence.
    pub fn order_key(&self) -> (Hlc, Uuid, u64) {
        (self.body.hlc, self.body.device_id, self.body.sequence)
    }
}

/// Compares two records in the total order (HLC, device id, sequence, then bytes).
pub fn total_order(a: &SignedRecord, b: &SignedRecord) -> Ordering {
    a.order_key().cmp(&b.order_key()).then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// A versioned container of signed records, as exported by a device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Batch {
    /// The records, in the order the device exported them.
    pub records: Vec<SignedRecord>,
}

impl Batch {
    /// Encodes the batch.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(BATCH_MAGIC);
        out.put_u8(BATCH_VERSION);
        out.put_u32(self.records.len().min(u32::MAX as usize) as u32);
        for rec in &self.records {
            let bytes = rec.as_bytes();
            out.put_u32(bytes.len().min(u32::MAX as usize) as u32);
            out.extend_from_slice(bytes);
        }
        out
    }

    /// Decodes a batch (total; every record must decode; no trailing bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Batch, OfflineError> {
        let mut r = Reader::new(bytes, "batch");
        r.header(BATCH_MAGIC, BATCH_VERSION)?;
        let n = r.u32()? as usize;
        if n > MAX_BATCH_RECORDS {
            return Err(r.err("too many records"));
        }
        // Each record needs at least 4 length bytes: bound the allocation by the input.
        let mut records = Vec::with_capacity(n.min(r.remaining() / 4));
        for i in 0..n {
            let len = r.u32()? as usize;
            if len > MAX_RECORD_LEN {
                return Err(r.err(format!("record {i} too long")));
            }
            let rec_bytes = r.bytes(len)?;
            let rec = SignedRecord::from_bytes(rec_bytes).map_err(|e| match e {
                OfflineError::Malformed { offset, reason, .. } => {
                    r.err(format!("record {i}: {reason} (at byte {offset} of the record)"))
                }
                other => other,
            })?;
            records.push(rec);
        }
        r.finish()?;
        Ok(Batch { records })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) use crate::test_util::minor as eur;

    pub(crate) fn sample_body(seq: u64, prev: [u8; 32]) -> RecordBody {
        RecordBody {
            record_id: Uuid::from_u128(0x100 + seq as u128),
            device_id: Uuid::from_u128(0xd1),
            festival_id: Uuid::from_u128(0xf1),
            sequence: seq,
            prev_hash: prev,
            device_time: Timestamp::from_unix_millis(1_783_180_800_000 + seq as i64).unwrap(),
            hlc: Hlc { physical_ms: 1_783_180_800_000 + seq as i64, logical: 0 },
            payload: Payload::Payment {
                wallet_id: Uuid::from_u128(0x77),
                amount: eur(750),
                stand_id: Uuid::from_u128(0x5),
                items: vec![
                    LineItem { product_id: Uuid::from_u128(1), quantity: 2, unit_price: eur(250) },
                    LineItem { product_id: Uuid::from_u128(2), quantity: 1, unit_price: eur(250) },
                ],
                catalog: None,
            },
            anchor: None,
            scan_fact: None,
        }
    }

    #[test]
    fn scan_facts_are_version_3_and_round_trip_with_and_without_anchor() {
        use crate::access::Decision as D;
        let mut b = sample_body(3, [1; 32]);
        b.payload = Payload::Scan { ticket_id: Uuid::from_u128(1), zone_id: Uuid::from_u128(2), direction: Direction::In };
        let plain = b.encode().unwrap();
        assert_eq!(plain[3], RECORD_VERSION, "a scan without a fact stays version 1");
        for (decision, anchor) in [
            (D::Admit, None),
            (D::Deny { reason: DenyReason::Rules }, None),
            (D::Deny { reason: DenyReason::WrongZone }, Some(Anchor { sequence: 2, server_time: Timestamp::from_unix_millis(5).unwrap() })),
        ] {
            b.scan_fact = Some(ScanFact { decision, policy_version: 7, revocation_version: 9 });
            b.anchor = anchor;
            let enc = b.encode().unwrap();
            assert_eq!(enc[3], RECORD_VERSION_SCAN_FACT);
            assert_eq!(enc.len(), plain.len() + 18 + if anchor.is_some() { 16 } else { 0 });
            assert_eq!(RecordBody::decode(&enc).unwrap(), b);
            let json = serde_json::to_string(&b).unwrap();
            assert_eq!(serde_json::from_str::<RecordBody>(&json).unwrap(), b);
        }
        // Every deny reason has a code that round-trips; unknown codes and flags are malformed.
        for reason in DENY_CODES {
            let f = ScanFact { decision: D::Deny { reason }, policy_version: 0, revocation_version: 0 };
            assert_eq!(ScanFact::decision_from(f.decision_byte()), Some(f.decision));
        }
        b.anchor = None;
        let enc = b.encode().unwrap();
        let mut bad = enc.clone();
        bad[plain.len()] = 20;
        assert!(RecordBody::decode(&bad).is_err());
        let mut bad = enc.clone();
        let last = bad.len() - 1;
        bad[last] = 2;
        assert!(RecordBody::decode(&bad).is_err());
        // Only scans carry a fact.
        let mut pay = sample_body(3, [1; 32]);
        pay.scan_fact = b.scan_fact;
        assert!(pay.encode().is_err());
        let mut forged = enc.clone();
        forged[3] = RECORD_VERSION;
        assert!(RecordBody::decode(&forged).is_err(), "fact bytes after a version 1 scan are trailing bytes");
    }

    #[test]
    fn anchored_records_are_version_2_and_round_trip() {
        let mut b = sample_body(3, [1; 32]);
        let plain = b.encode().unwrap();
        assert_eq!(plain[3], RECORD_VERSION);
        b.anchor = Some(Anchor { sequence: 2, server_time: Timestamp::from_unix_millis(1_783_180_800_000).unwrap() });
        let enc = b.encode().unwrap();
        assert_eq!(enc[3], RECORD_VERSION_ANCHORED);
        assert_eq!(enc.len(), plain.len() + 16);
        assert_eq!(RecordBody::decode(&enc).unwrap(), b);
        // Version 1 bytes with an anchor appended, or version 2 without one: malformed.
        let mut v1_long = plain.clone();
        v1_long.extend_from_slice(&enc[plain.len()..]);
        assert!(RecordBody::decode(&v1_long).is_err());
        let mut v2_short = plain.clone();
        v2_short[3] = RECORD_VERSION_ANCHORED;
        assert!(RecordBody::decode(&v2_short).is_err());
        // An anchor must acknowledge an earlier sequence.
        b.anchor = Some(Anchor { sequence: 3, server_time: Timestamp::from_unix_millis(0).unwrap() });
        assert!(b.encode().is_err());
        let mut forged = enc.clone();
        let at = plain.len();
        forged[at..at + 8].copy_from_slice(&3u64.to_be_bytes());
        assert!(RecordBody::decode(&forged).is_err());
    }

    #[test]
    fn round_trip_every_kind() {
        let mut b = sample_body(1, [0; 32]);
        let payloads = vec![
            b.payload.clone(),
            Payload::TopUp { wallet_id: Uuid::from_u128(9), amount: eur(1) },
            Payload::Refund { wallet_id: Uuid::from_u128(9), amount: eur(5), original_record_id: Uuid::from_u128(3) },
            Payload::Scan { ticket_id: Uuid::from_u128(1), zone_id: Uuid::from_u128(2), direction: Direction::Out },
            Payload::Void { voided_record_id: Uuid::from_u128(7) },
        ];
        for p in payloads {
            b.payload = p;
            let s = b.sign(&[3; 32]).unwrap();
            let back = SignedRecord::from_bytes(s.as_bytes()).unwrap();
            assert_eq!(back, s);
            assert_eq!(RecordBody::decode(&b.encode().unwrap()).unwrap(), b);
        }
    }

    #[test]
    fn decoder_rejects_non_canonical_input() {
        let s = sample_body(1, [0; 32]).sign(&[3; 32]).unwrap();
        let good = s.to_bytes();
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(SignedRecord::from_bytes(&trailing).is_err());
        assert!(SignedRecord::from_bytes(&good[..good.len() - 1]).is_err());
        let mut v2 = good.clone();
        v2[3] = 2;
        assert!(matches!(SignedRecord::from_bytes(&v2), Err(OfflineError::Malformed { .. })));
        let mut kind = good.clone();
        kind[4] = 9;
        assert!(SignedRecord::from_bytes(&kind).is_err());
        // Sequence 0.
        let mut seq0 = good.clone();
        seq0[4 + 1 + 48..4 + 1 + 48 + 8].copy_from_slice(&[0; 8]);
        assert!(SignedRecord::from_bytes(&seq0).is_err());
        for cut in 0..good.len() {
            assert!(SignedRecord::from_bytes(&good[..cut]).is_err());
        }
    }

    #[test]
    fn encoder_rejects_values_without_an_encoding() {
        let mut b = sample_body(1, [0; 32]);
        if let Payload::Payment { items, .. } = &mut b.payload {
            items[0].quantity = 3;
        }
        assert!(b.encode().is_err());
        let mut b = sample_body(2, [0; 32]);
        b.payload = Payload::TopUp { wallet_id: Uuid::nil(), amount: eur(0) };
        assert!(b.encode().is_err());
        let b = sample_body(1, [1; 32]);
        assert!(b.encode().is_err());
    }

    #[test]
    fn batch_round_trip_and_rejects_garbage() {
        let a = sample_body(1, [0; 32]).sign(&[3; 32]).unwrap();
        let b = sample_body(2, a.hash()).sign(&[3; 32]).unwrap();
        let batch = Batch { records: vec![a, b] };
        let bytes = batch.to_bytes();
        assert_eq!(Batch::from_bytes(&bytes).unwrap(), batch);
        let mut huge = bytes.clone();
        huge[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(Batch::from_bytes(&huge).is_err());
        let mut trailing = bytes;
        trailing.push(1);
        assert!(Batch::from_bytes(&trailing).is_err());
    }
}

/// A SHA-256 digest (hex in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Digest(#[serde(with = "hex32")] pub [u8; 32]);
