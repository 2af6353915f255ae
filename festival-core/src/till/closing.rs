//! The signed closing of a till session.
//!
//! A [`TillClosing`] states, per payment method that has a physical total (cash in the drawer, the
//! card terminal's total), what was expected, what was counted and the imbalance
//! (`counted − expected`, signed: negative is a shortage), together with the session's totals, its
//! receipt number range and a hash of its operations. The device signs it with its Ed25519 key
//! (the key of the device registry, [`crate::offline::registry`]), so the server can verify it
//! with the registry's public key ([`SignedClosing::verify`]).
//!
//! **Signed bytes.** `b"festival-core till closing v1\n"` followed by the closing's JSON exactly
//! as serde serializes [`TillClosing`] (fields in declaration order, money as decimal strings,
//! times as RFC 3339 with milliseconds, no whitespace). Verification re-serializes the closing it
//! received, so any change to any field invalidates the signature.
//!
//! Serde form of a [`SignedClosing`]: `{"closing": {"format": 1, "session_id", "till_id",
//! "festival_id", "device_id", "stand_id", "cashier_id", "currency", "opened_at", "closed_at",
//! "totals": SessionTotals, "balances": [{"method": "cash"|"card", "expected", "counted",
//! "imbalance"}], "first_receipt_number", "next_receipt_number", "operations_hash"}, "signature":
//! "<128 hex digits>"}`.

use super::receipt::PaymentMethod;
use super::session::SessionTotals;
use super::TillError;
use crate::error::Error;
use crate::money::{Currency, Money};
use crate::offline::crypto::{self, StrictPublicKey};
use crate::offline::registry::{DeviceRegistry, DeviceRole};
use crate::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The closing format this version writes and reads.
pub const CLOSING_FORMAT: u32 = 1;

const DOMAIN: &[u8] = b"festival-core till closing v1\n";

/// Expected, counted and imbalance of one payment method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodBalance {
    /// `cash` or `card`.
    pub method: PaymentMethod,
    /// What the operations say should be there.
    pub expected: Money,
    /// What was counted.
    pub counted: Money,
    /// `counted − expected` (negative: shortage, positive: overage).
    pub imbalance: Money,
}

/// The content of a closing (what is signed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TillClosing {
    /// [`CLOSING_FORMAT`].
    pub format: u32,
    /// The session.
    pub session_id: Uuid,
    /// The till.
    pub till_id: Uuid,
    /// The festival.
    pub festival_id: Uuid,
    /// The device that signed.
    pub device_id: Uuid,
    /// The stand, if any.
    pub stand_id: Option<Uuid>,
    /// The cashier, if any.
    pub cashier_id: Option<String>,
    /// The session's currency.
    pub currency: Currency,
    /// When the session was opened.
    pub opened_at: Timestamp,
    /// When it was closed.
    pub closed_at: Timestamp,
    /// The session's sums.
    pub totals: SessionTotals,
    /// Cash, then card.
    pub balances: Vec<MethodBalance>,
    /// The session's first receipt number.
    pub first_receipt_number: u64,
    /// The number the till's next receipt gets (`first + receipts`).
    pub next_receipt_number: u64,
    /// [`TillSession::operations_hash`](super::TillSession::operations_hash) at the closing.
    pub operations_hash: String,
}

impl TillClosing {
    /// The bytes the device signs.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = DOMAIN.to_vec();
        out.extend(serde_json::to_vec(self).unwrap_or_default());
        out
    }

    /// The balance of a method (cash or card).
    pub fn balance(&self, method: PaymentMethod) -> Option<&MethodBalance> {
        self.balances.iter().find(|b| b.method == method)
    }

    /// Checks the arithmetic: expected amounts are the sums of their parts, each imbalance is
    /// `counted − expected`, the receipt range matches the count (`TILL_CLOSING_INVALID`).
    pub fn check(&self) -> Result<(), Error> {
        let bad = |reason: &str| -> Error { TillError::ClosingInvalid { reason: reason.into() }.into() };
        if self.format != CLOSING_FORMAT {
            return Err(bad("unknown closing format"));
        }
        if !self.totals.consistent()? {
            return Err(bad("expected amounts are not the sums of their parts"));
        }
        let methods: Vec<PaymentMethod> = self.balances.iter().map(|b| b.method).collect();
        if methods != [PaymentMethod::Cash, PaymentMethod::Card] {
            return Err(bad("balances must be cash, then card"));
        }
        for (b, expected) in self.balances.iter().zip([self.totals.expected_cash, self.totals.expected_card]) {
            if b.expected != expected || b.counted.checked_sub(&b.expected)? != b.imbalance {
                return Err(bad("an imbalance is not counted − expected"));
            }
        }
        if self.next_receipt_number.checked_sub(self.first_receipt_number) != Some(self.totals.receipt_count) {
            return Err(bad("the receipt range does not match the receipt count"));
        }
        if self.closed_at < self.opened_at {
            return Err(bad("closed before it was opened"));
        }
        Ok(())
    }
}

/// A closing and the device's Ed25519 signature over [`TillClosing::signing_bytes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedClosing {
    /// The closing.
    pub closing: TillClosing,
    /// The signature (hex in JSON).
    #[serde(with = "hex64")]
    pub signature: [u8; 64],
}

mod hex64 {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::interop::hex_encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let text = String::deserialize(d)?;
        crate::interop::hex_decode_array::<64>("signature", &text).map_err(serde::de::Error::custom)
    }
}

impl SignedClosing {
    /// Signs a closing with a device seed.
    pub fn sign(closing: TillClosing, seed: &[u8; 32]) -> SignedClosing {
        let signature = crypto::sign(seed, &closing.signing_bytes());
        SignedClosing { closing, signature }
    }

    /// Verifies the signature with a public key and checks the closing's arithmetic
    /// (`OFFLINE_INVALID_KEY` for a bad key, `TILL_SIGNATURE_INVALID`, `TILL_CLOSING_INVALID`).
    pub fn verify_with_key(&self, public_key: &[u8; 32]) -> Result<(), Error> {
        let key = StrictPublicKey::from_bytes(public_key)?;
        self.verify_strict(&key)
    }

    fn verify_strict(&self, key: &StrictPublicKey) -> Result<(), Error> {
        key.verify(&self.closing.signing_bytes(), &self.signature)
            .map_err(|_| TillError::SignatureInvalid { device_id: self.closing.device_id.to_string() })?;
        self.closing.check()
    }

    /// Verifies the closing as the server does: the device is registered (`TILL_UNKNOWN_DEVICE`),
    /// belongs to the closing's festival and is not a gate (`TILL_CLOSING_INVALID`), the signature
    /// verifies with its registered key (`TILL_SIGNATURE_INVALID`) and the arithmetic holds.
    /// Validity windows and revocation are not checked here: a closing is a statement about money
    /// counted, and its time is the device's.
    pub fn verify(&self, registry: &DeviceRegistry) -> Result<(), Error> {
        let device = registry
            .get(&self.closing.device_id)
            .ok_or_else(|| TillError::UnknownDevice { device_id: self.closing.device_id.to_string() })?;
        if device.entry.festival_id != self.closing.festival_id {
            return Err(TillError::ClosingInvalid { reason: "the device belongs to another festival".into() }.into());
        }
        if device.entry.role == DeviceRole::Gate {
            return Err(TillError::ClosingInvalid { reason: "a gate device does not run a till".into() }.into());
        }
        self.verify_strict(&device.key)
    }
}
