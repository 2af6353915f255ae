//! Server acknowledgements: time the device cannot forge.
//!
//! Device clocks belong to whoever holds the device. After each sync the server gives the device
//! a [`SignedAck`]: the server's time and the last sequence of the device it has chained, signed
//! with the server's acknowledgement key. The device checks it
//! ([`DeviceSigner::accept_ack`](super::device::DeviceSigner::accept_ack)), moves its hybrid
//! clock to the server's time and puts a reference to it, the record's [`Anchor`], into every
//! record it signs afterwards. The server then knows, for every anchored record, a lower bound of
//! its creation time that the device did not choose: reconciliation rejects
//! (`OFFLINE_BACKDATED`, with a `tampered_log` alert) a record dated before its anchor, a record
//! whose anchor is older than its predecessor's or that drops the anchor its predecessor carried;
//! and (`OFFLINE_ANCHOR_INVALID`) a record whose anchor is not an acknowledgement this server
//! issued to the device.
//!
//! Together with the revocation cut (a device is revoked *by sequence*, see
//! [`ReconcileState::revoke_device`](super::reconcile::ReconcileState::revoke_device)) and the
//! validity-window cut (records after the last sequence the server had chained when the window
//! ended), this bounds what a thief can do with a stolen device: records past the cut are
//! rejected or, by the [`AfterCut`](super::chain::AfterCut) policy, accepted up to a bounded
//! amount, whatever their dates; and they cannot be dated before the last acknowledgement the
//! device received. See the README section "Offline trust model" for the residual risk.
//!
//! Encoding (big-endian, fixed width, 148 bytes): magic `FCK`, version `1`, festival id (16),
//! device id (16), acknowledged sequence (u64), hash of that record (32; zeros for sequence 0),
//! server time (u64 ms), then a 64-byte Ed25519 signature over
//! `b"festival-core/ack/v1" || encoding`.
//!
//! ```
//! use festival_core::offline::ack::{SignedAck, SyncAck};
//! use festival_core::offline::crypto::{public_key_from_seed, StrictPublicKey};
//! use festival_core::offline::record::Digest;
//! use festival_core::Timestamp;
//! use uuid::Uuid;
//! let server_seed = [7u8; 32];
//! let ack = SyncAck {
//!     festival_id: Uuid::from_u128(1),
//!     device_id: Uuid::from_u128(2),
//!     sequence: 12,
//!     last_hash: Digest([3; 32]),
//!     server_time: Timestamp::from_unix_millis(1_783_180_800_000)?,
//! };
//! let signed = ack.sign(&server_seed);
//! let back = SignedAck::from_bytes(&signed.to_bytes())?;
//! let key = StrictPublicKey::from_bytes(&public_key_from_seed(&server_seed))?;
//! back.verify(&key)?;
//! assert_eq!(back.ack().anchor().sequence, 12);
//! # Ok::<(), festival_core::Error>(())
//! ```

use super::crypto::StrictPublicKey;
use super::record::{u64_string, Anchor, Digest};
use super::wire::{Reader, Writer};
use super::OfflineError;
use crate::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Domain separation prefix of the acknowledgement's signing input.
pub const ACK_DOMAIN: &[u8] = b"festival-core/ack/v1";
const ACK_MAGIC: &[u8; 3] = b"FCK";
/// Encoding version of acknowledgements.
pub const ACK_VERSION: u8 = 1;
/// Length of a signed acknowledgement in bytes.
pub const SIGNED_ACK_LEN: usize = 3 + 1 + 16 + 16 + 8 + 32 + 8 + 64;

/// What the server acknowledges to a device after a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncAck {
    /// The festival.
    pub festival_id: Uuid,
    /// The device.
    pub device_id: Uuid,
    /// The last sequence of the device the server has chained (0: none yet).
    #[serde(with = "u64_string")]
    pub sequence: u64,
    /// Hash of that record (zeros for sequence 0, or when the server does not know it because an
    /// operator declared the record lost): the device checks it against its own log.
    pub last_hash: Digest,
    /// The server's time when it acknowledged.
    pub server_time: Timestamp,
}

impl SyncAck {
    /// The canonical encoding (without the signature).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(SIGNED_ACK_LEN);
        out.extend_from_slice(ACK_MAGIC);
        out.put_u8(ACK_VERSION);
        out.put_uuid(&self.festival_id);
        out.put_uuid(&self.device_id);
        out.put_u64(self.sequence);
        out.extend_from_slice(&self.last_hash.0);
        out.put_timestamp(self.server_time);
        out
    }

    /// Signs it with the server's 32-byte acknowledgement seed.
    pub fn sign(&self, server_seed: &[u8; 32]) -> SignedAck {
        let signature = super::crypto::sign(server_seed, &signing_input(&self.encode()));
        SignedAck { ack: *self, signature }
    }

    /// The reference a record signed after this acknowledgement carries.
    pub fn anchor(&self) -> Anchor {
        Anchor { sequence: self.sequence, server_time: self.server_time }
    }
}

fn signing_input(encoded: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(ACK_DOMAIN.len() + encoded.len());
    m.extend_from_slice(ACK_DOMAIN);
    m.extend_from_slice(encoded);
    m
}

/// An acknowledgement with its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedAck {
    ack: SyncAck,
    signature: [u8; 64],
}

impl SignedAck {
    /// Decodes `encoding || signature` (exactly [`SIGNED_ACK_LEN`] bytes; `OFFLINE_MALFORMED`
    /// otherwise). Does NOT verify the signature: see [`SignedAck::verify`].
    pub fn from_bytes(bytes: &[u8]) -> Result<SignedAck, OfflineError> {
        let mut r = Reader::new(bytes, "ack");
        r.header(ACK_MAGIC, ACK_VERSION)?;
        let festival_id = r.uuid()?;
        let device_id = r.uuid()?;
        let sequence = r.u64()?;
        let last_hash = Digest(r.array::<32>()?);
        if sequence == 0 && last_hash != Digest::default() {
            return Err(r.err("sequence 0 with a non-zero hash"));
        }
        let server_time = r.timestamp()?;
        let signature = r.array::<64>()?;
        r.finish()?;
        Ok(SignedAck { ack: SyncAck { festival_id, device_id, sequence, last_hash, server_time }, signature })
    }

    /// `encoding || signature`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.ack.encode();
        out.extend_from_slice(&self.signature);
        out
    }

    /// The acknowledgement (not yet verified unless [`SignedAck::verify`] said so).
    pub fn ack(&self) -> &SyncAck {
        &self.ack
    }

    /// The 64-byte signature.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// Checks the signature strictly against the server's acknowledgement key
    /// (`OFFLINE_BAD_SIGNATURE` otherwise).
    pub fn verify(&self, server_key: &StrictPublicKey) -> Result<(), OfflineError> {
        server_key.verify(&signing_input(&self.ack.encode()), &self.signature)
    }
}

/// An acknowledgement the server issued, as its state remembers it (to check records' anchors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IssuedAck {
    /// Its server time.
    pub server_time: Timestamp,
    /// The sequence it acknowledged.
    #[serde(with = "u64_string")]
    pub sequence: u64,
}

impl IssuedAck {
    /// The anchor a record made after it carries.
    pub fn anchor(&self) -> Anchor {
        Anchor { sequence: self.sequence, server_time: self.server_time }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offline::crypto::public_key_from_seed;

    fn sample() -> SyncAck {
        SyncAck {
            festival_id: Uuid::from_u128(1),
            device_id: Uuid::from_u128(2),
            sequence: 5,
            last_hash: Digest([9; 32]),
            server_time: Timestamp::from_unix_millis(1_783_180_800_000).unwrap(),
        }
    }

    #[test]
    fn round_trip_and_verify() {
        let signed = sample().sign(&[1; 32]);
        let bytes = signed.to_bytes();
        assert_eq!(bytes.len(), SIGNED_ACK_LEN);
        let back = SignedAck::from_bytes(&bytes).unwrap();
        assert_eq!(back, signed);
        let key = StrictPublicKey::from_bytes(&public_key_from_seed(&[1; 32])).unwrap();
        back.verify(&key).unwrap();
        let other = StrictPublicKey::from_bytes(&public_key_from_seed(&[2; 32])).unwrap();
        assert_eq!(crate::ErrorCode::code(&back.verify(&other).unwrap_err()), "OFFLINE_BAD_SIGNATURE");
    }

    #[test]
    fn every_altered_byte_fails_to_verify_or_decode() {
        let bytes = sample().sign(&[1; 32]).to_bytes();
        let key = StrictPublicKey::from_bytes(&public_key_from_seed(&[1; 32])).unwrap();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            match SignedAck::from_bytes(&b) {
                Ok(a) => assert!(a.verify(&key).is_err(), "byte {i}"),
                Err(e) => assert_eq!(crate::ErrorCode::code(&e), "OFFLINE_MALFORMED"),
            }
        }
        assert!(SignedAck::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut long = bytes.clone();
        long.push(0);
        assert!(SignedAck::from_bytes(&long).is_err());
    }
}
