//! Strict Ed25519: one definition of "valid signature" for single and batch verification.
//!
//! A signature is valid only if all of these hold (stricter than RFC 8032, equal to
//! `VerifyingKey::verify_strict` plus canonical-encoding and subgroup checks):
//! - the public key `A` is a canonical encoding of a curve point that is not of small order and
//!   lies in the prime-order subgroup (honest keys `A = aB` always do);
//! - `R` is a canonical encoding of a point that is not of small order and lies in the prime-order
//!   subgroup;
//! - `S` is canonical (`S < L`);
//! - `R == [S]B - [H(R || A || M)]A` (cofactorless, compared on the encoding).
//!
//! The subgroup checks make batch verification ([`verify_many_batched`]: cofactorless, random
//! linear combination) agree with single verification except with probability about 2^-128:
//! without them a signer could add a torsion component to `R` that a batch accepts half of the
//! time, which would make reconciliation depend on how records happen to be grouped. For single
//! verification the `R` checks are implied by the others (see [`StrictPublicKey::verify`]). Every Wycheproof `valid` vector
//! passes; every `invalid` one fails (`festival-core/tests/wycheproof.rs`).
//!
//! ```
//! use festival_core::offline::crypto;
//! let seed = [7u8; 32];
//! let public_key = crypto::public_key_from_seed(&seed);
//! let sig = crypto::sign(&seed, b"hello");
//! assert!(crypto::verify(&public_key, b"hello", &sig).is_ok());
//! assert!(crypto::verify(&public_key, b"hellO", &sig).is_err());
//! ```

use super::OfflineError;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// Length of an Ed25519 public key.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// The group order L, little-endian.
const ORDER_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
];

/// `S < L` for a little-endian scalar.
fn scalar_is_canonical(s: &[u8; 32]) -> bool {
    for i in (0..32).rev() {
        if s[i] != ORDER_L[i] {
            return s[i] < ORDER_L[i];
        }
    }
    false
}

/// Decodes a point strictly: canonical encoding, not small order, in the prime-order subgroup.
fn strict_point(bytes: &[u8; 32]) -> Option<VerifyingKey> {
    let vk = VerifyingKey::from_bytes(bytes).ok()?;
    let point = vk.to_edwards();
    if point.compress().to_bytes() != *bytes || vk.is_weak() || !point.is_torsion_free() {
        return None;
    }
    Some(vk)
}

/// A public key that passed the strict checks once (canonical, not weak, prime-order subgroup).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrictPublicKey(VerifyingKey);

impl StrictPublicKey {
    /// Parses and checks a 32-byte public key; `OFFLINE_INVALID_KEY` if it is not acceptable.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, OfflineError> {
        strict_point(bytes)
            .map(StrictPublicKey)
            .ok_or_else(|| OfflineError::InvalidKey { reason: "not a canonical prime-order Ed25519 point".into() })
    }

    /// The key's 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Strict single verification (see the module documentation).
    ///
    /// `verify_strict` rejects a non-canonical `S` and a small-order `R`, and compares `R` with the
    /// canonical encoding of `[S]B - [k]A`; since this key is in the prime-order subgroup, that
    /// point is too, so a non-canonical `R` or one with a torsion component can never match and
    /// the separate `R` checks of the batch path are implied here.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> Result<(), OfflineError> {
        let sig = Signature::from_bytes(signature);
        self.0.verify_strict(message, &sig).map_err(|_| OfflineError::BadSignature {})
    }
}

/// Checks `S` canonical and `R` strict; returns the parsed signature.
fn precheck_signature(signature: &[u8; 64]) -> Option<Signature> {
    let mut r = [0u8; 32];
    let mut s = [0u8; 32];
    r.copy_from_slice(&signature[..32]);
    s.copy_from_slice(&signature[32..]);
    if !scalar_is_canonical(&s) {
        return None;
    }
    strict_point(&r)?;
    Some(Signature::from_bytes(signature))
}

/// The public key of a 32-byte secret seed (the caller supplies the entropy).
pub fn public_key_from_seed(seed: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(seed).verifying_key().to_bytes()
}

/// Signs `message` with the key derived from `seed` (deterministic, RFC 8032).
pub fn sign(seed: &[u8; 32], message: &[u8]) -> [u8; 64] {
    SigningKey::from_bytes(seed).sign(message).to_bytes()
}

/// Strict verification of untrusted bytes: wrong lengths, bad keys and bad signatures all give an
/// error (`OFFLINE_INVALID_KEY` for an unusable key, `OFFLINE_BAD_SIGNATURE` otherwise).
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), OfflineError> {
    let pk = <[u8; 32]>::try_from(public_key)
        .map_err(|_| OfflineError::InvalidKey { reason: format!("expected 32 bytes, got {}", public_key.len()) })?;
    let sig = <[u8; 64]>::try_from(signature).map_err(|_| OfflineError::BadSignature {})?;
    StrictPublicKey::from_bytes(&pk)?.verify(message, &sig)
}

/// Verifies many `(key, message, signature)` triples and returns one verdict per item, in order:
/// exactly [`StrictPublicKey::verify`] on each item.
///
/// Measured on this project's machine (release, 2 000 signatures, `cargo run --release` of a
/// throwaway harness): strict single verification costs about as much as dalek's
/// `verify_strict`, while the sound batch path ([`verify_many_batched`]) is about 1.3-1.4x
/// slower per signature, because making a cofactorless batch agree with strict verification
/// needs a prime-order-subgroup check of every `R`, which costs about one verification. So the
/// default is the single path; the batch path stays available and is tested to agree.
pub fn verify_many(items: &[(StrictPublicKey, &[u8], [u8; 64])]) -> Vec<bool> {
    items.iter().map(|(k, m, s)| k.verify(m, s).is_ok()).collect()
}

/// Like [`verify_many`], with `ed25519_dalek::verify_batch`: items whose signature fails the
/// strict pre-checks (canonical `S`; canonical, not small-order, prime-order-subgroup `R`) are
/// rejected up front; the rest are verified in batches of 64, and a batch that fails is re-checked
/// one by one with strict single verification so that exactly the bad items are named. The
/// verdicts equal [`verify_many`]'s (up to the batch's 2^-128 error probability).
pub fn verify_many_batched(items: &[(StrictPublicKey, &[u8], [u8; 64])]) -> Vec<bool> {
    const CHUNK: usize = 64;
    let mut verdicts = vec![false; items.len()];
    let mut candidates: Vec<(usize, Signature)> = Vec::with_capacity(items.len());
    for (i, (_, _, sig)) in items.iter().enumerate() {
        if let Some(s) = precheck_signature(sig) {
            candidates.push((i, s));
        }
    }
    for chunk in candidates.chunks(CHUNK) {
        let mut messages = Vec::with_capacity(chunk.len());
        let mut sigs = Vec::with_capacity(chunk.len());
        let mut keys = Vec::with_capacity(chunk.len());
        for (i, s) in chunk {
            if let Some((k, m, _)) = items.get(*i) {
                messages.push(*m);
                sigs.push(*s);
                keys.push(k.0);
            }
        }
        if ed25519_dalek::verify_batch(&messages, &sigs, &keys).is_ok() {
            for (i, _) in chunk {
                if let Some(v) = verdicts.get_mut(*i) {
                    *v = true;
                }
            }
        } else {
            for (i, s) in chunk {
                let ok = items.get(*i).is_some_and(|(k, m, _)| k.0.verify_strict(m, s).is_ok());
                if let Some(v) = verdicts.get_mut(*i) {
                    *v = ok;
                }
            }
        }
    }
    verdicts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_tamper() {
        let seed = [1u8; 32];
        let pk = public_key_from_seed(&seed);
        let sig = sign(&seed, b"m");
        assert_eq!(verify(&pk, b"m", &sig), Ok(()));
        assert_eq!(verify(&pk, b"x", &sig), Err(OfflineError::BadSignature {}));
        assert_eq!(verify(&pk, b"m", &sig[..63]), Err(OfflineError::BadSignature {}));
        assert!(matches!(verify(&pk[..31], b"m", &sig), Err(OfflineError::InvalidKey { .. })));
    }

    #[test]
    fn small_order_and_non_canonical_keys_are_rejected() {
        // The identity point (small order) and a non-canonical encoding of y = 1 (y + p).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(StrictPublicKey::from_bytes(&identity).is_err());
        let mut non_canonical = [0xffu8; 32];
        non_canonical[0] = 0xee;
        non_canonical[31] = 0x7f;
        assert!(StrictPublicKey::from_bytes(&non_canonical).is_err());
    }

    #[test]
    fn non_canonical_s_is_rejected() {
        let seed = [2u8; 32];
        let pk = public_key_from_seed(&seed);
        let mut sig = sign(&seed, b"m");
        // S + L encodes the same scalar mod L: must be rejected (malleability).
        let mut carry = 0u16;
        for i in 0..32 {
            let v = sig[32 + i] as u16 + ORDER_L[i] as u16 + carry;
            sig[32 + i] = v as u8;
            carry = v >> 8;
        }
        assert_eq!(verify(&pk, b"m", &sig), Err(OfflineError::BadSignature {}));
    }

    #[test]
    fn batch_names_exactly_the_bad_items() {
        let seeds: Vec<[u8; 32]> = (0u8..10).map(|i| [i + 1; 32]).collect();
        let msgs: Vec<Vec<u8>> = (0u8..10).map(|i| vec![i; 5]).collect();
        let mut items: Vec<(StrictPublicKey, &[u8], [u8; 64])> = seeds
            .iter()
            .zip(&msgs)
            .map(|(s, m)| (StrictPublicKey::from_bytes(&public_key_from_seed(s)).unwrap(), m.as_slice(), sign(s, m)))
            .collect();
        items[3].2[5] ^= 1;
        items[7].1 = b"other";
        let v = verify_many(&items);
        let expected: Vec<bool> = (0..10).map(|i| i != 3 && i != 7).collect();
        assert_eq!(v, expected);
        assert_eq!(verify_many_batched(&items), expected);
        let all_good: Vec<_> = items.iter().enumerate().filter(|(i, _)| *i != 3 && *i != 7).map(|(_, x)| *x).collect();
        assert!(verify_many(&all_good).iter().all(|b| *b));
        assert!(verify_many_batched(&all_good).iter().all(|b| *b));
        // A non-canonical S fails the batch pre-check and the single check alike.
        let mut bad_s = items[0];
        bad_s.2[63] |= 0xf0;
        assert_eq!(verify_many_batched(&[bad_s, items[1]]), vec![false, true]);
        assert_eq!(verify_many(&[bad_s, items[1]]), vec![false, true]);
    }
}
