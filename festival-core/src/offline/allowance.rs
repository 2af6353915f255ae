//! Signed offline allowances: provable bounds on what offline double spends can cost.
//!
//! Offline devices cannot see each other's sales, so a wallet can be spent twice: at two stands
//! that both believed its last synced balance. An [`Allowance`] is the server's signed promise
//! of how much a wallet (or every wallet) may spend offline **per device of a group within a
//! time window** (for example: every POS of the food court, 30.00 EUR per wallet per festival
//! day). Devices enforce it ([`DeviceLog::install_allowance`](super::device::DeviceLog::install_allowance):
//! a payment that no installed allowance covers is refused with `DEVICE_ALLOWANCE_EXCEEDED`), and
//! reconciliation charges every chained payment to the allowances in the same order as the
//! device did ([`choose_allowance`]), so that the server knows, per allowance, device and wallet,
//! what is used and what is still open.
//!
//! From that, [`ReconcileState::exposure`](super::reconcile::ReconcileState::exposure) reports,
//! per wallet and in total, the loss from double spends so far and the **maximum possible loss**
//! given what may still arrive. Because every offline payment of an honest device lies inside an
//! allowance, the loss never exceeds the sum of the allowances (property-tested in
//! `festival-core/tests/allowances.rs`).
//!
//! Encoding (big-endian, fixed width): magic `FCA`, version `1`, allowance id (16), festival id
//! (16), wallet flag (u8: 0 every wallet, 1 one wallet) then the wallet id (16) if 1, device count
//! (u16, 1..=[`MAX_ALLOWANCE_DEVICES`]) then each device id (16, strictly increasing), amount
//! (u64 minor units, > 0) and currency (u8 length + ASCII), valid from and valid until (u64 ms,
//! from < until); then a 64-byte Ed25519 signature over `b"festival-core/allowance/v1" ||
//! encoding`.
//!
//! ```
//! use festival_core::offline::allowance::{Allowance, SignedAllowance};
//! use festival_core::offline::crypto::{public_key_from_seed, StrictPublicKey};
//! use festival_core::{Currency, Money, Timestamp};
//! use uuid::Uuid;
//! let eur = Currency::iso("EUR")?;
//! let day = Timestamp::from_unix_millis(1_783_144_800_000)?; // 06:00 Berlin
//! let allowance = Allowance {
//!     allowance_id: Uuid::from_u128(1),
//!     festival_id: Uuid::from_u128(2),
//!     wallet_id: None,
//!     devices: vec![Uuid::from_u128(10), Uuid::from_u128(11)],
//!     amount: Money::parse("30", eur)?,
//!     valid_from: day,
//!     valid_until: day.plus_millis(86_400_000),
//! };
//! let signed = allowance.sign(&[7; 32])?;
//! let back = SignedAllowance::from_bytes(&signed.to_bytes())?;
//! back.verify(&StrictPublicKey::from_bytes(&public_key_from_seed(&[7; 32]))?)?;
//! assert_eq!(back.allowance(), &allowance);
//! # Ok::<(), festival_core::Error>(())
//! ```

use super::crypto::StrictPublicKey;
use super::record::{put_amount, put_currency, read_currency};
use super::wire::{Reader, Writer};
use super::OfflineError;
use crate::money::Money;
use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Domain separation prefix of an allowance's signing input.
pub const ALLOWANCE_DOMAIN: &[u8] = b"festival-core/allowance/v1";
const ALLOWANCE_MAGIC: &[u8; 3] = b"FCA";
/// Encoding version of allowances.
pub const ALLOWANCE_VERSION: u8 = 1;
/// Most devices in one allowance's group.
pub const MAX_ALLOWANCE_DEVICES: usize = 1024;

/// How much a wallet may spend offline per device of a group within a time window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowance {
    /// Unique id (the device and the server charge allowances in id order, wallet-specific first).
    pub allowance_id: Uuid,
    /// The festival.
    pub festival_id: Uuid,
    /// The wallet; `None`: every wallet.
    #[serde(default)]
    pub wallet_id: Option<Uuid>,
    /// The device group (1 to [`MAX_ALLOWANCE_DEVICES`] distinct devices).
    pub devices: Vec<Uuid>,
    /// The most one wallet may spend offline on one device of the group within the window (> 0).
    pub amount: Money,
    /// Start of the window (inclusive), judged by the payment's device time.
    pub valid_from: Timestamp,
    /// End of the window (exclusive).
    pub valid_until: Timestamp,
}

fn bad(reason: impl Into<String>) -> OfflineError {
    OfflineError::Malformed { what: "allowance".into(), offset: 0, reason: reason.into() }
}

impl Allowance {
    /// Whether it covers payments of `wallet` by `device` at `at`.
    pub fn applies(&self, device: &Uuid, wallet: &Uuid, at: Timestamp) -> bool {
        self.wallet_id.is_none_or(|w| w == *wallet)
            && at >= self.valid_from
            && at < self.valid_until
            && self.devices.binary_search(device).is_ok()
    }

    fn check(&self) -> Result<(), OfflineError> {
        if self.devices.is_empty() || self.devices.len() > MAX_ALLOWANCE_DEVICES {
            return Err(bad(format!("1 to {MAX_ALLOWANCE_DEVICES} devices")));
        }
        if self.devices.windows(2).any(|w| w[0] >= w[1]) {
            return Err(bad("devices must be strictly increasing (sorted, no duplicates)"));
        }
        if self.valid_from >= self.valid_until {
            return Err(bad("valid_from must be before valid_until"));
        }
        Ok(())
    }

    /// The canonical encoding. `OFFLINE_MALFORMED` for an empty, unsorted or too large device
    /// group or an empty window; `OFFLINE_INVALID_AMOUNT` for an amount that is not > 0.
    pub fn encode(&self) -> Result<Vec<u8>, OfflineError> {
        self.check()?;
        let mut out = Vec::with_capacity(96 + 16 * self.devices.len());
        out.extend_from_slice(ALLOWANCE_MAGIC);
        out.put_u8(ALLOWANCE_VERSION);
        out.put_uuid(&self.allowance_id);
        out.put_uuid(&self.festival_id);
        match &self.wallet_id {
            None => out.put_u8(0),
            Some(w) => {
                out.put_u8(1);
                out.put_uuid(w);
            }
        }
        out.put_u16(self.devices.len() as u16);
        for d in &self.devices {
            out.put_uuid(d);
        }
        put_amount(&mut out, &self.amount, None)?;
        put_currency(&mut out, self.amount.currency())?;
        out.put_timestamp(self.valid_from);
        out.put_timestamp(self.valid_until);
        Ok(out)
    }

    /// Signs it with the server's 32-byte seed.
    pub fn sign(&self, server_seed: &[u8; 32]) -> Result<SignedAllowance, OfflineError> {
        let signature = super::crypto::sign(server_seed, &signing_input(&self.encode()?));
        Ok(SignedAllowance { allowance: self.clone(), signature })
    }
}

fn signing_input(encoded: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(ALLOWANCE_DOMAIN.len() + encoded.len());
    m.extend_from_slice(ALLOWANCE_DOMAIN);
    m.extend_from_slice(encoded);
    m
}

/// An allowance with the server's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedAllowance {
    allowance: Allowance,
    signature: [u8; 64],
}

impl SignedAllowance {
    /// Decodes `encoding || signature` (total, no trailing bytes; `OFFLINE_MALFORMED`
    /// otherwise). Does NOT verify the signature.
    pub fn from_bytes(bytes: &[u8]) -> Result<SignedAllowance, OfflineError> {
        let mut r = Reader::new(bytes, "allowance");
        r.header(ALLOWANCE_MAGIC, ALLOWANCE_VERSION)?;
        let allowance_id = r.uuid()?;
        let festival_id = r.uuid()?;
        let wallet_id = match r.u8()? {
            0 => None,
            1 => Some(r.uuid()?),
            f => return Err(r.err(format!("bad wallet flag {f}"))),
        };
        let n = r.u16()? as usize;
        if n == 0 || n > MAX_ALLOWANCE_DEVICES {
            return Err(r.err("bad device count"));
        }
        let mut devices = Vec::with_capacity(n);
        for _ in 0..n {
            devices.push(r.uuid()?);
        }
        let minor = r.u64()?;
        let currency = read_currency(&mut r)?;
        if minor == 0 || minor > i64::MAX as u64 {
            return Err(r.err("amount must be > 0 and <= 2^63-1 minor units"));
        }
        let amount = Money::from_minor(minor as i64, currency).map_err(|_| r.err("amount out of range"))?;
        let valid_from = r.timestamp()?;
        let valid_until = r.timestamp()?;
        let signature = r.array::<64>()?;
        r.finish()?;
        let allowance = Allowance { allowance_id, festival_id, wallet_id, devices, amount, valid_from, valid_until };
        allowance.check().map_err(|e| match e {
            OfflineError::Malformed { reason, .. } => r.err(reason),
            e => e,
        })?;
        Ok(SignedAllowance { allowance, signature })
    }

    /// `encoding || signature`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.allowance.encode().unwrap_or_default();
        out.extend_from_slice(&self.signature);
        out
    }

    /// The allowance (not yet verified unless [`SignedAllowance::verify`] said so).
    pub fn allowance(&self) -> &Allowance {
        &self.allowance
    }

    /// Checks the signature strictly against the server's key (`OFFLINE_BAD_SIGNATURE`).
    pub fn verify(&self, server_key: &StrictPublicKey) -> Result<(), OfflineError> {
        let encoded = self.allowance.encode()?;
        server_key.verify(&signing_input(&encoded), &self.signature)
    }
}

/// What one device has used of each allowance, per wallet: allowance id → wallet id → amount.
pub type AllowanceUse = BTreeMap<Uuid, BTreeMap<Uuid, Money>>;

/// The allowance a payment of `amount` by `device` from `wallet` at `at` is charged to: among
/// the allowances that apply and still have room for the whole amount (given what this device
/// used, `used`), the first wallet-specific one by id, else the first for every wallet by id.
/// The device ([`DeviceLog`](super::device::DeviceLog)) and reconciliation both use this rule,
/// so they agree on what is used. `None`: no allowance covers it.
pub fn choose_allowance<'a>(
    allowances: impl IntoIterator<Item = &'a Allowance>,
    used: &AllowanceUse,
    device: &Uuid,
    wallet: &Uuid,
    at: Timestamp,
    amount: &Money,
) -> Option<&'a Allowance> {
    let mut best: Option<&Allowance> = None;
    for a in allowances {
        if !a.applies(device, wallet, at) || a.amount.currency() != amount.currency() {
            continue;
        }
        let spent = used.get(&a.allowance_id).and_then(|m| m.get(wallet)).map(|m| m.amount()).unwrap_or_default();
        if spent + amount.amount() > a.amount.amount() {
            continue;
        }
        let rank = |x: &Allowance| (x.wallet_id.is_none(), x.allowance_id);
        if best.is_none_or(|b| rank(a) < rank(b)) {
            best = Some(a);
        }
    }
    best
}

/// Adds `amount` to `used[allowance][wallet]`.
pub(crate) fn charge(used: &mut AllowanceUse, allowance: Uuid, wallet: Uuid, amount: Money) {
    let slot = used.entry(allowance).or_default().entry(wallet).or_insert(Money::zero(amount.currency()));
    *slot = slot.checked_add(&amount).unwrap_or(*slot);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offline::crypto::public_key_from_seed;
    use crate::test_util::m;

    fn t(ms: i64) -> Timestamp {
        Timestamp::from_unix_millis(1_783_180_800_000 + ms).unwrap()
    }

    fn sample(wallet: Option<u128>, id: u128) -> Allowance {
        Allowance {
            allowance_id: Uuid::from_u128(id),
            festival_id: Uuid::from_u128(2),
            wallet_id: wallet.map(Uuid::from_u128),
            devices: vec![Uuid::from_u128(10), Uuid::from_u128(11)],
            amount: m("30"),
            valid_from: t(0),
            valid_until: t(1000),
        }
    }

    #[test]
    fn round_trip_verify_and_tamper() {
        let a = sample(Some(5), 1);
        let signed = a.sign(&[7; 32]).unwrap();
        let bytes = signed.to_bytes();
        let key = StrictPublicKey::from_bytes(&public_key_from_seed(&[7; 32])).unwrap();
        assert_eq!(SignedAllowance::from_bytes(&bytes).unwrap(), signed);
        signed.verify(&key).unwrap();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            if let Ok(x) = SignedAllowance::from_bytes(&b) {
                assert!(x.verify(&key).is_err(), "byte {i}");
            }
        }
        let generic = sample(None, 2).sign(&[7; 32]).unwrap();
        assert_eq!(SignedAllowance::from_bytes(&generic.to_bytes()).unwrap().allowance().wallet_id, None);
    }

    #[test]
    fn bad_allowances_are_refused() {
        let code = |e: OfflineError| crate::ErrorCode::code(&e);
        let mut a = sample(None, 1);
        a.devices = vec![Uuid::from_u128(11), Uuid::from_u128(10)];
        assert_eq!(code(a.encode().unwrap_err()), "OFFLINE_MALFORMED");
        a.devices = vec![];
        assert_eq!(code(a.encode().unwrap_err()), "OFFLINE_MALFORMED");
        let mut a = sample(None, 1);
        a.valid_until = a.valid_from;
        assert_eq!(code(a.encode().unwrap_err()), "OFFLINE_MALFORMED");
        let mut a = sample(None, 1);
        a.amount = m("0");
        assert_eq!(code(a.encode().unwrap_err()), "OFFLINE_INVALID_AMOUNT");
    }

    #[test]
    fn wallet_specific_allowances_are_charged_first_then_by_id() {
        let (d, w) = (Uuid::from_u128(10), Uuid::from_u128(5));
        let all = [sample(None, 1), sample(Some(5), 3), sample(Some(5), 2)];
        let mut used = AllowanceUse::new();
        let pick = |used: &AllowanceUse, amount: &str| choose_allowance(&all, used, &d, &w, t(5), &m(amount)).map(|a| a.allowance_id.as_u128());
        assert_eq!(pick(&used, "20"), Some(2));
        charge(&mut used, Uuid::from_u128(2), w, m("20"));
        assert_eq!(pick(&used, "20"), Some(3), "the whole amount must fit");
        assert_eq!(pick(&used, "10"), Some(2));
        charge(&mut used, Uuid::from_u128(2), w, m("10"));
        charge(&mut used, Uuid::from_u128(3), w, m("30"));
        assert_eq!(pick(&used, "30"), Some(1));
        charge(&mut used, Uuid::from_u128(1), w, m("30"));
        assert_eq!(pick(&used, "0.01"), None);
        // Outside the window, another device, or another wallet for a specific allowance.
        assert!(choose_allowance(&all, &AllowanceUse::new(), &d, &w, t(1000), &m("1")).is_none());
        assert!(choose_allowance(&all, &AllowanceUse::new(), &Uuid::from_u128(12), &w, t(5), &m("1")).is_none());
        let other = Uuid::from_u128(6);
        assert_eq!(choose_allowance(&all, &AllowanceUse::new(), &d, &other, t(5), &m("1")).unwrap().allowance_id.as_u128(), 1);
    }
}

/// The server's side of allowances, kept in the
/// [`ReconcileState`](super::reconcile::ReconcileState): what it issued, and what every chained
/// offline payment used of it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AllowanceBook {
    /// Issued allowances by id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub issued: BTreeMap<Uuid, Allowance>,
    /// Per device: what its payments used of each allowance, per wallet.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub used: BTreeMap<Uuid, AllowanceUse>,
    /// Per wallet: every chained offline payment (covered or not).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub spent: BTreeMap<Uuid, Money>,
    /// Per wallet: chained offline payments that no allowance covered (a device that does not
    /// enforce allowances, or a tampered one).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub uncovered: BTreeMap<Uuid, Money>,
}

fn add_to(map: &mut BTreeMap<Uuid, Money>, key: Uuid, amount: Money) {
    let slot = map.entry(key).or_insert(Money::zero(amount.currency()));
    *slot = slot.checked_add(&amount).unwrap_or(*slot);
}

impl AllowanceBook {
    /// Charges one chained payment, exactly as the device did ([`choose_allowance`]); called
    /// per device in sequence order, so the result does not depend on how records are split
    /// into syncs.
    pub(crate) fn charge_payment(&mut self, device: Uuid, wallet: Uuid, at: Timestamp, amount: Money) {
        add_to(&mut self.spent, wallet, amount);
        let used = self.used.entry(device).or_default();
        match choose_allowance(self.issued.values(), used, &device, &wallet, at, &amount) {
            Some(a) => charge(used, a.allowance_id, wallet, amount),
            None => add_to(&mut self.uncovered, wallet, amount),
        }
    }

    /// What the devices may still spend offline for `wallet` under allowances that are still
    /// open (their window ends after `watermark`; without a watermark every allowance stays
    /// open, as records of its window can still arrive).
    pub fn open_for(&self, wallet: &Uuid, watermark: Option<Timestamp>, zero: Money) -> Money {
        let mut open = zero;
        for a in self.issued.values() {
            if a.wallet_id.is_some_and(|w| w != *wallet) || watermark.is_some_and(|w| w >= a.valid_until) {
                continue;
            }
            for d in &a.devices {
                let used = self.used.get(d).and_then(|u| u.get(&a.allowance_id)).and_then(|m| m.get(wallet)).copied();
                let left = used.and_then(|u| a.amount.checked_sub(&u).ok()).unwrap_or(a.amount);
                if left.is_positive() {
                    open = open.checked_add(&left).unwrap_or(open);
                }
            }
        }
        open
    }

    /// The sum of the allowances that apply to `wallet` (amount × devices): the most its honest
    /// devices can ever spend offline for it.
    pub fn total_for(&self, wallet: &Uuid, zero: Money) -> Money {
        let mut total = zero;
        for a in self.issued.values().filter(|a| a.wallet_id.is_none_or(|w| w == *wallet)) {
            for _ in &a.devices {
                total = total.checked_add(&a.amount).unwrap_or(total);
            }
        }
        total
    }
}

/// Offline exposure of one wallet (see
/// [`ReconcileState::exposure`](super::reconcile::ReconcileState::exposure)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletExposure {
    /// The wallet.
    pub wallet_id: Uuid,
    /// Its balance now (refundable + bonus − debt).
    pub balance: Money,
    /// Chained offline payments so far.
    pub offline_spent: Money,
    /// What devices may still spend offline for it under open allowances.
    pub open_allowance: Money,
    /// The sum of every allowance that applies to it (amount × devices).
    pub allowance_total: Money,
    /// Chained offline payments no allowance covered.
    pub uncovered: Money,
    /// The loss from double spends so far: payments rejected as double spends (the goods were
    /// handed over) and debt from payments accepted with debt.
    pub loss: Money,
    /// The most `loss` can become, if every open allowance is spent (see the rule on
    /// [`ReconcileState::exposure`](super::reconcile::ReconcileState::exposure)).
    pub max_loss: Money,
}

/// Offline exposure of the festival: per wallet and in total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposureReport {
    /// Wallets with an allowance, an offline payment or a loss, by id.
    pub wallets: Vec<WalletExposure>,
    /// Sum of `loss`.
    pub total_loss: Money,
    /// Sum of `max_loss`.
    pub total_max_loss: Money,
    /// Sum of `open_allowance`.
    pub total_open_allowance: Money,
    /// Sum of `uncovered`: if not zero, some offline payments were made outside the allowances
    /// and the bound covers only what the allowances cover.
    pub total_uncovered: Money,
}
