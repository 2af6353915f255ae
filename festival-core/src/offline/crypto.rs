//! Ed25519 with one exact, deterministic definition of "valid signature", shared by single and
//! batch verification.
//!
//! A signature `(R, S)` by key `A` on message `M` is valid iff all of these hold:
//! - `A` is the canonical encoding of a curve point that is not of small order and lies in the
//!   prime-order subgroup (checked once per key by [`StrictPublicKey::from_bytes`]; honest keys
//!   `A = aB` always pass);
//! - `S` is canonical (`S < L`);
//! - `R` is the canonical encoding of a curve point that is not of small order;
//! - `[8]([S]B - R - [k]A)` is the identity, with `k = SHA-512(R || A || M) mod L` (the
//!   **cofactored** equation, as in ZIP-215, plus the strict encoding checks above).
//!
//! Why cofactored. The cofactorless equation `[S]B - [k]A == R` cannot be batched soundly:
//! a random linear combination of cofactorless equations (ed25519-dalek's `verify_batch`) accepts
//! a signature whose `R` carries a small-order (torsion) component with probability about 1/2,
//! so single and batch verdicts disagree, and reconciliation would depend on how records happen
//! to be grouped. Making them agree cofactorlessly needs a prime-order-subgroup check of every
//! `R` (one scalar multiplication each), which made the batch slower than single verification.
//! Multiplying by the cofactor 8 removes every torsion component on both paths, so single and
//! batch verification compute the same predicate ([`verify_many_batched`] equals
//! [`verify_each`], except with probability about 2^-128 per batch — the batch coefficients are
//! 128-bit and derived from the whole batch by SHA-512, see below).
//!
//! Why it is sound for us. The only signatures the cofactored rule accepts beyond the cofactorless
//! one are `(R + T, S)` for an honest-looking `(R, S)` and a small-order point `T`. Since
//! `k = H(R || A || M)` depends on `R`, the pair `(R + T, S)` for the same `S` is not valid unless
//! `S` is recomputed with the secret scalar; so only the key holder can produce such a signature,
//! and that gives no power beyond signing the message again (the record is still bound to the
//! key, the message and its hash chain). The other malleations stay rejected: a non-canonical
//! `S` (`S + L`), a non-canonical or small-order `A`, and a non-canonical or small-order `R`.
//! Every Wycheproof `valid` vector passes and every `invalid` one fails on both paths
//! (`festival-core/tests/wycheproof.rs`, `offline::parallel` tests).
//!
//! Batch verification ([`verify_many_batched`], used by [`verify_many`] and so by reconciliation)
//! groups items by key, and for each chunk checks
//! `[8](-(Σ z_i S_i) B + Σ z_i R_i + Σ_A (Σ_{i: A_i = A} z_i k_i) A) == identity` with one
//! multiscalar multiplication; aggregating the `A` terms per distinct key shrinks it from `2n + 1`
//! towards `n + d + 1` points (records of a batch come from few devices). The coefficients `z_i`
//! are 128-bit values derived by SHA-512 from every `R`, `S`, `A` and `k` of the chunk: no
//! randomness (the core stays pure) and reproducible results, while an attacker would still have
//! to beat a 2^-128 chance per attempt to slip a bad signature through. A chunk that fails is
//! bisected (halves re-checked the same way, small pieces one by one with the single cofactored
//! equation), so the verdicts name exactly the items single verification rejects.
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
use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha512};

/// Length of an Ed25519 public key.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// Items per batch equation in [`verify_many_batched`] (after grouping by key).
pub const BATCH_CHUNK: usize = 512;

/// Pieces of a failed batch at most this long are checked one by one.
const BISECT_SINGLE: usize = 8;

/// Domain separation of the batch coefficients.
const BATCH_DOMAIN: &[u8] = b"festival-core/ed25519-batch-coefficients/v1";

/// The group order L, little-endian.
#[cfg(test)]
const ORDER_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
];

/// Whether the 255-bit `y` of a point encoding is reduced (`y < p = 2^255 - 19`). Together with
/// "not small order" this makes the encoding canonical: the only other non-canonical encodings
/// have `x = 0` with the sign bit set, i.e. `y = ±1`, which are small-order points.
fn y_is_canonical(bytes: &[u8; 32]) -> bool {
    // y >= p iff the top 250 bits are all ones and the low byte is >= 0xed.
    let top_all_ones = bytes[31] & 0x7f == 0x7f && bytes[1..31].iter().all(|b| *b == 0xff);
    !(top_all_ones && bytes[0] >= 0xed)
}

/// Decodes a point strictly: canonical encoding and not of small order (used for `R`).
fn decode_point(bytes: &[u8; 32]) -> Option<EdwardsPoint> {
    if !y_is_canonical(bytes) {
        return None;
    }
    let point = CompressedEdwardsY(*bytes).decompress()?;
    if point.is_small_order() {
        return None;
    }
    Some(point)
}

/// A public key that passed the strict checks once (canonical, not of small order, in the
/// prime-order subgroup); keeps the decoded point so that verification does not decode it again.
#[derive(Debug, Clone, Copy)]
pub struct StrictPublicKey {
    bytes: [u8; 32],
    point: EdwardsPoint,
    /// `-A`, for the single-verification equation.
    neg_point: EdwardsPoint,
}

impl PartialEq for StrictPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for StrictPublicKey {}

impl StrictPublicKey {
    /// Parses and checks a 32-byte public key; `OFFLINE_INVALID_KEY` if it is not acceptable.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, OfflineError> {
        decode_point(bytes)
            .filter(|p| p.is_torsion_free() && p.compress().to_bytes() == *bytes)
            .map(|point| StrictPublicKey { bytes: *bytes, point, neg_point: -point })
            .ok_or_else(|| OfflineError::InvalidKey { reason: "not a canonical prime-order Ed25519 point".into() })
    }

    /// The key's 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.bytes
    }

    /// Single verification (see the module documentation): strict encoding checks of `S` and
    /// `R`, then the cofactored equation `[8]([S]B - R - [k]A) == identity`.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> Result<(), OfflineError> {
        match Prepared::new(self, message, signature) {
            Some(p) if p.verify_single() => Ok(()),
            _ => Err(OfflineError::BadSignature {}),
        }
    }
}

/// A signature that passed the encoding checks, with its challenge `k` computed.
struct Prepared<'a> {
    key: &'a StrictPublicKey,
    r_bytes: [u8; 32],
    r: EdwardsPoint,
    s: Scalar,
    k: Scalar,
}

impl<'a> Prepared<'a> {
    /// `None` if `S` is not canonical or `R` is non-canonical or of small order.
    fn new(key: &'a StrictPublicKey, message: &[u8], signature: &[u8; 64]) -> Option<Self> {
        let mut r_bytes = [0u8; 32];
        let mut s_bytes = [0u8; 32];
        r_bytes.copy_from_slice(&signature[..32]);
        s_bytes.copy_from_slice(&signature[32..]);
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))?;
        let r = decode_point(&r_bytes)?;
        let mut h = Sha512::new();
        h.update(r_bytes);
        h.update(key.bytes);
        h.update(message);
        let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        Some(Prepared { key, r_bytes, r, s, k })
    }

    /// `[8]([S]B - [k]A - R) == identity`.
    fn verify_single(&self) -> bool {
        let sb_minus_ka = EdwardsPoint::vartime_double_scalar_mul_basepoint(&self.k, &self.key.neg_point, &self.s);
        (sb_minus_ka - self.r).mul_by_cofactor().is_identity()
    }
}

/// The batch equation over `items` (non-empty), with coefficients derived from all of them.
fn batch_equation_holds(items: &[&Prepared<'_>]) -> bool {
    // Coefficients: z_i = 128 bits of SHA-512(seed || block), seed = SHA-512 of the whole chunk.
    let mut h = Sha512::new();
    h.update(BATCH_DOMAIN);
    h.update((items.len() as u64).to_le_bytes());
    for p in items {
        h.update(p.r_bytes);
        h.update(p.s.as_bytes());
        h.update(p.key.bytes);
        h.update(p.k.as_bytes());
    }
    let seed: [u8; 64] = h.finalize().into();
    let mut z: Vec<Scalar> = Vec::with_capacity(items.len());
    let mut block = 0u64;
    while z.len() < items.len() {
        let mut h = Sha512::new();
        h.update(seed);
        h.update(block.to_le_bytes());
        let out: [u8; 64] = h.finalize().into();
        for quarter in out.chunks_exact(16) {
            if z.len() == items.len() {
                break;
            }
            let mut wide = [0u8; 32];
            wide[..16].copy_from_slice(quarter);
            // Force bit 127: z is never zero (every item counts), and 2^127 <= z < 2^128 < L.
            wide[15] |= 0x80;
            z.push(Scalar::from_bytes_mod_order(wide));
        }
        block += 1;
    }
    // Scalars and points: B, every R, every distinct key once (items are grouped by key, so
    // consecutive equal keys share one term).
    let mut scalars: Vec<Scalar> = Vec::with_capacity(items.len() + 8);
    let mut points: Vec<EdwardsPoint> = Vec::with_capacity(items.len() + 8);
    let mut b_coeff = Scalar::ZERO;
    scalars.push(Scalar::ZERO);
    points.push(ED25519_BASEPOINT_POINT);
    for (p, z) in items.iter().zip(&z) {
        b_coeff += z * p.s;
        scalars.push(*z);
        points.push(p.r);
    }
    let mut key_terms: Vec<(&StrictPublicKey, Scalar)> = Vec::new();
    for (p, z) in items.iter().zip(&z) {
        let zk = z * p.k;
        match key_terms.iter_mut().rev().find(|(k, _)| k.bytes == p.key.bytes) {
            Some((_, c)) => *c += zk,
            None => key_terms.push((p.key, zk)),
        }
    }
    for (k, c) in key_terms {
        scalars.push(c);
        points.push(k.point);
    }
    if let Some(first) = scalars.first_mut() {
        *first = -b_coeff;
    }
    EdwardsPoint::vartime_multiscalar_mul(&scalars, &points).mul_by_cofactor().is_identity()
}

/// Sets the verdicts of `items` (indices into `verdicts`): the batch equation, bisected on failure.
fn verify_batch_into(items: &[(usize, Prepared<'_>)], verdicts: &mut [bool]) {
    if items.len() <= BISECT_SINGLE {
        for (i, p) in items {
            if let Some(v) = verdicts.get_mut(*i) {
                *v = p.verify_single();
            }
        }
        return;
    }
    let refs: Vec<&Prepared<'_>> = items.iter().map(|(_, p)| p).collect();
    if batch_equation_holds(&refs) {
        for (i, _) in items {
            if let Some(v) = verdicts.get_mut(*i) {
                *v = true;
            }
        }
        return;
    }
    let (left, right) = items.split_at(items.len() / 2);
    verify_batch_into(left, verdicts);
    verify_batch_into(right, verdicts);
}

/// The public key of a 32-byte secret seed (the caller supplies the entropy).
pub fn public_key_from_seed(seed: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(seed).verifying_key().to_bytes()
}

/// Signs `message` with the key derived from `seed` (deterministic, RFC 8032).
pub fn sign(seed: &[u8; 32], message: &[u8]) -> [u8; 64] {
    SigningKey::from_bytes(seed).sign(message).to_bytes()
}

/// Verification of untrusted bytes (see the module documentation): wrong lengths, bad keys and bad
/// signatures all give an error (`OFFLINE_INVALID_KEY` for an unusable key, `OFFLINE_BAD_SIGNATURE`
/// otherwise).
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), OfflineError> {
    let pk = <[u8; 32]>::try_from(public_key)
        .map_err(|_| OfflineError::InvalidKey { reason: format!("expected 32 bytes, got {}", public_key.len()) })?;
    let sig = <[u8; 64]>::try_from(signature).map_err(|_| OfflineError::BadSignature {})?;
    StrictPublicKey::from_bytes(&pk)?.verify(message, &sig)
}

/// Verifies many `(key, message, signature)` triples and returns one verdict per item, in order:
/// the verdicts of [`StrictPublicKey::verify`] on each item, computed with the batch verifier
/// ([`verify_many_batched`]). This is what reconciliation uses.
pub fn verify_many(items: &[(StrictPublicKey, &[u8], [u8; 64])]) -> Vec<bool> {
    verify_many_batched(items)
}

/// [`StrictPublicKey::verify`] on each item, one by one (the reference for the batch path).
pub fn verify_each(items: &[(StrictPublicKey, &[u8], [u8; 64])]) -> Vec<bool> {
    items.iter().map(|(k, m, s)| k.verify(m, s).is_ok()).collect()
}

/// Batch verification (see the module documentation): items failing the encoding checks are
/// rejected up front; the rest are grouped by key and checked [`BATCH_CHUNK`] at a time with one
/// cofactored batch equation each; a chunk that fails is bisected down to single verification.
/// The verdicts equal [`verify_each`]'s (up to the batch's 2^-128 error probability) whatever the
/// order or grouping of the items, and are reproducible (no randomness).
pub fn verify_many_batched(items: &[(StrictPublicKey, &[u8], [u8; 64])]) -> Vec<bool> {
    verify_many_batched_chunked(items, BATCH_CHUNK)
}

/// [`verify_many_batched`] with `chunk` items per batch equation (at least 1). Any chunk size
/// gives the same verdicts; it only changes the speed.
pub fn verify_many_batched_chunked(items: &[(StrictPublicKey, &[u8], [u8; 64])], chunk: usize) -> Vec<bool> {
    let mut verdicts = vec![false; items.len()];
    let mut prepared: Vec<(usize, Prepared<'_>)> =
        items.iter().enumerate().filter_map(|(i, (k, m, s))| Prepared::new(k, m, s).map(|p| (i, p))).collect();
    // Group by key (stable: equal keys keep their input order) so each chunk has few distinct keys.
    prepared.sort_by_key(|a| a.1.key.bytes);
    for piece in prepared.chunks(chunk.max(1)) {
        verify_batch_into(piece, &mut verdicts);
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

    use curve25519_dalek::constants::{ED25519_BASEPOINT_TABLE, EIGHT_TORSION};
    use proptest::prelude::*;

    /// Signs like RFC 8032 but with `R' = rB + T` (T of small order) and `S` recomputed for `R'`
    /// with the secret scalar: what only the key holder can do.
    fn sign_with_torsion_r(seed: &[u8; 32], message: &[u8], torsion: &EdwardsPoint) -> [u8; 64] {
        let h: [u8; 64] = Sha512::digest(seed).into();
        let mut a_bytes = [0u8; 32];
        a_bytes.copy_from_slice(&h[..32]);
        a_bytes[0] &= 248;
        a_bytes[31] &= 127;
        a_bytes[31] |= 64;
        let a = Scalar::from_bytes_mod_order(a_bytes);
        let public = public_key_from_seed(seed);
        let r = Scalar::from_bytes_mod_order_wide(
            &Sha512::new().chain_update(&h[32..]).chain_update(message).finalize().into(),
        );
        let big_r = (&r * ED25519_BASEPOINT_TABLE + torsion).compress().to_bytes();
        let k = Scalar::from_bytes_mod_order_wide(
            &Sha512::new().chain_update(big_r).chain_update(public).chain_update(message).finalize().into(),
        );
        let s = r + k * a;
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&big_r);
        sig[32..].copy_from_slice(s.as_bytes());
        sig
    }

    fn key(seed: &[u8; 32]) -> StrictPublicKey {
        StrictPublicKey::from_bytes(&public_key_from_seed(seed)).unwrap()
    }

    #[test]
    fn sign_with_torsion_r_without_torsion_is_rfc8032() {
        let seed = [3u8; 32];
        assert_eq!(sign_with_torsion_r(&seed, b"m", &EdwardsPoint::default()), sign(&seed, b"m"));
    }

    #[test]
    fn torsion_r_by_the_signer_is_valid_on_every_path_and_grouping() {
        let seeds: Vec<[u8; 32]> = (0u8..5).map(|i| [i + 20; 32]).collect();
        let msgs: Vec<Vec<u8>> = (0..300).map(|i| format!("record {i}").into_bytes()).collect();
        let mut items: Vec<(StrictPublicKey, &[u8], [u8; 64])> =
            (0..300).map(|i| (key(&seeds[i % 5]), msgs[i].as_slice(), sign(&seeds[i % 5], &msgs[i]))).collect();
        let torsioned = [7usize, 100, 101, 299];
        for (n, &i) in torsioned.iter().enumerate() {
            items[i].2 = sign_with_torsion_r(&seeds[i % 5], &msgs[i], &EIGHT_TORSION[1 + n]);
            // dalek's cofactorless strict verification rejects it; the cofactored rule accepts it.
            let vk = ed25519_dalek::VerifyingKey::from_bytes(&items[i].0.to_bytes()).unwrap();
            assert!(vk.verify_strict(&msgs[i], &ed25519_dalek::Signature::from_bytes(&items[i].2)).is_err());
            assert_eq!(items[i].0.verify(&msgs[i], &items[i].2), Ok(()));
        }
        // A non-signer who adds torsion to an honest R gets an invalid signature (k changes).
        let mut forged = items[3].2;
        let r = CompressedEdwardsY(forged[..32].try_into().unwrap()).decompress().unwrap();
        forged[..32].copy_from_slice(&(r + EIGHT_TORSION[1]).compress().to_bytes());
        items[3].2 = forged;
        let expected: Vec<bool> = (0..300).map(|i| i != 3).collect();
        assert_eq!(verify_each(&items), expected);
        assert_eq!(verify_many(&items), expected);
        for chunk in [1, 2, 5, 8, 9, 64, 100, 299, 300, 1024] {
            assert_eq!(verify_many_batched_chunked(&items, chunk), expected, "chunk {chunk}");
        }
        // Alone, in pairs, and after reversing the input.
        for &i in &torsioned {
            assert_eq!(verify_many_batched(&items[i..i + 1]), vec![true]);
        }
        let mut reversed = items.clone();
        reversed.reverse();
        let mut expected_rev = expected.clone();
        expected_rev.reverse();
        assert_eq!(verify_many_batched_chunked(&reversed, 37), expected_rev);
    }

    #[test]
    fn r_precheck_rejects_small_order_and_non_canonical_r() {
        let seed = [4u8; 32];
        let k = key(&seed);
        let sig = sign(&seed, b"m");
        // Every small-order point as R (canonical encodings), with the honest S.
        for t in EIGHT_TORSION.iter() {
            let mut bad = sig;
            bad[..32].copy_from_slice(&t.compress().to_bytes());
            assert!(decode_point(&t.compress().to_bytes()).is_none());
            assert_eq!(verify_each(&[(k, b"m".as_slice(), bad)]), vec![false]);
            assert_eq!(verify_many_batched(&[(k, b"m".as_slice(), bad)]), vec![false]);
        }
        // Non-canonical encodings y + p (y < 19) of curve points: all rejected, small order or not.
        let mut decodable_large_order = 0;
        for y in 0u8..19 {
            let mut enc = [0xffu8; 32];
            enc[0] = 0xed + y;
            enc[31] = 0x7f;
            for sign_bit in [0u8, 0x80] {
                let mut e = enc;
                e[31] |= sign_bit;
                assert!(!y_is_canonical(&e));
                assert!(decode_point(&e).is_none());
                assert!(StrictPublicKey::from_bytes(&e).is_err());
                if CompressedEdwardsY(e).decompress().is_some_and(|p| !p.is_small_order()) {
                    decodable_large_order += 1;
                }
                let mut bad = sig;
                bad[..32].copy_from_slice(&e);
                assert_eq!(verify_many_batched(&[(k, b"m".as_slice(), bad)]), vec![false]);
            }
        }
        // The pre-check is not vacuous: dalek's decompression accepts some of these encodings.
        assert!(decodable_large_order > 0);
        // Boundaries of the canonical-y check.
        let mut p_minus_1 = [0xffu8; 32];
        p_minus_1[0] = 0xec;
        p_minus_1[31] = 0x7f;
        assert!(y_is_canonical(&p_minus_1));
        let mut p = p_minus_1;
        p[0] = 0xed;
        assert!(!y_is_canonical(&p));
        // Negative zero (x = 0 with the sign bit): y = 1 and y = -1 are small order.
        let mut neg_identity = [0u8; 32];
        neg_identity[0] = 1;
        neg_identity[31] = 0x80;
        assert!(decode_point(&neg_identity).is_none());
    }

    #[test]
    fn key_precheck_rejects_small_order_and_mixed_order_keys() {
        for t in EIGHT_TORSION.iter() {
            assert!(StrictPublicKey::from_bytes(&t.compress().to_bytes()).is_err());
        }
        // A + T: canonical, not small order, but not in the prime-order subgroup.
        let a = CompressedEdwardsY(public_key_from_seed(&[5u8; 32])).decompress().unwrap();
        let mixed = (a + EIGHT_TORSION[1]).compress().to_bytes();
        assert!(decode_point(&mixed).is_some());
        assert!(matches!(StrictPublicKey::from_bytes(&mixed), Err(OfflineError::InvalidKey { .. })));
        assert!(StrictPublicKey::from_bytes(&a.compress().to_bytes()).is_ok());
    }

    #[test]
    fn s_precheck_rejects_s_equal_to_l_and_above() {
        let seed = [6u8; 32];
        let k = key(&seed);
        let mut sig = sign(&seed, b"m");
        sig[32..].copy_from_slice(&ORDER_L);
        assert_eq!(verify_each(&[(k, b"m".as_slice(), sig)]), vec![false]);
        assert_eq!(verify_many_batched(&[(k, b"m".as_slice(), sig)]), vec![false]);
        sig[63] = 0xff;
        assert_eq!(verify_many_batched(&[(k, b"m".as_slice(), sig)]), vec![false]);
    }

    #[test]
    fn batch_coefficients_are_deterministic() {
        let seed = [8u8; 32];
        let k = key(&seed);
        let msgs: Vec<Vec<u8>> = (0..20u8).map(|i| vec![i; 3]).collect();
        let items: Vec<(StrictPublicKey, &[u8], [u8; 64])> =
            msgs.iter().map(|m| (k, m.as_slice(), sign(&seed, m))).collect();
        let prepared: Vec<Prepared<'_>> = items.iter().map(|(k, m, s)| Prepared::new(k, m, s).unwrap()).collect();
        let refs: Vec<&Prepared<'_>> = prepared.iter().collect();
        assert!(batch_equation_holds(&refs));
        assert!(batch_equation_holds(&refs[..1]));
        assert_eq!(verify_many_batched(&items), verify_many_batched(&items));
    }

    /// One item of a random mix: 0 valid, 1 wrong message, 2 flipped signature bit, 3 signer's
    /// torsion R, 4 non-signer's torsion R, 5 non-canonical S.
    /// Returns `(keys, messages, signatures, expected verdicts)`.
    #[allow(clippy::type_complexity)]
    fn mixed_items(kinds: &[(u8, u8, u8)]) -> (Vec<StrictPublicKey>, Vec<Vec<u8>>, Vec<[u8; 64]>, Vec<bool>) {
        let (mut keys, mut msgs, mut sigs, mut expected) = (vec![], vec![], vec![], vec![]);
        for (n, &(kind, signer, bit)) in kinds.iter().enumerate() {
            let seed = [signer % 4 + 40; 32];
            let msg = format!("item {n}").into_bytes();
            let mut sig = sign(&seed, &msg);
            let mut valid = true;
            match kind % 6 {
                1 => {
                    msgs.push(b"another message".to_vec());
                    valid = false;
                }
                2 => {
                    sig[(bit % 64) as usize] ^= 1 << (bit % 8);
                    valid = false;
                }
                3 => sig = sign_with_torsion_r(&seed, &msg, &EIGHT_TORSION[1 + (bit % 7) as usize]),
                4 => {
                    let r = CompressedEdwardsY(sig[..32].try_into().unwrap()).decompress().unwrap();
                    sig[..32].copy_from_slice(&(r + EIGHT_TORSION[1 + (bit % 7) as usize]).compress().to_bytes());
                    valid = false;
                }
                5 => {
                    let mut carry = 0u16;
                    for i in 0..32 {
                        let v = sig[32 + i] as u16 + ORDER_L[i] as u16 + carry;
                        sig[32 + i] = v as u8;
                        carry = v >> 8;
                    }
                    valid = false;
                }
                _ => {}
            }
            if kind % 6 != 1 {
                msgs.push(msg);
            }
            keys.push(key(&seed));
            sigs.push(sig);
            expected.push(valid);
        }
        (keys, msgs, sigs, expected)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        /// Random valid / invalid mixes: single, batch and every chunking (and any order) agree.
        #[test]
        fn single_and_batch_verdicts_agree(
            kinds in proptest::collection::vec((0u8..12, any::<u8>(), any::<u8>()), 1..40),
            chunk in 1usize..48,
            rotate in 0usize..40,
        ) {
            let (keys, msgs, sigs, expected) = mixed_items(&kinds);
            let items: Vec<(StrictPublicKey, &[u8], [u8; 64])> =
                (0..keys.len()).map(|i| (keys[i], msgs[i].as_slice(), sigs[i])).collect();
            let single = verify_each(&items);
            // A flipped bit may hit a bit that leaves the signature valid only in theory; the
            // single verdicts are the reference, and honest / signer-torsion items must pass.
            for (i, &(kind, _, _)) in kinds.iter().enumerate() {
                if matches!(kind % 6, 0 | 1 | 3 | 4 | 5) {
                    prop_assert_eq!(single[i], expected[i], "item {} kind {}", i, kind % 6);
                }
            }
            prop_assert_eq!(&verify_many(&items), &single);
            prop_assert_eq!(&verify_many_batched_chunked(&items, chunk), &single);
            let r = rotate % items.len();
            let mut rotated = items.clone();
            rotated.rotate_left(r);
            let mut single_rotated = single.clone();
            single_rotated.rotate_left(r);
            prop_assert_eq!(verify_many_batched_chunked(&rotated, chunk), single_rotated);
        }
    }
}
