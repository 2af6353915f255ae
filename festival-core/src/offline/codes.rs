//! Signed ticket codes for QR and signed, versioned revocation lists, verified fully offline.
//!
//! A ticket code is `FC` followed by unpadded RFC 4648 base32 (`A-Z2-7`, all in QR alphanumeric
//! mode) of: version (`1`), key id (u32), festival id, ticket id (16 bytes each), ticket type
//! (u8 length 1..=16, `A-Z0-9_-`), valid from / valid until (u64 ms, from < until), then an
//! Ed25519 signature over `b"festival-core/ticket-code/v1" || those bytes`. The codec is written
//! here (40 lines) rather than pulled in: decoding is canonical (upper case only, no padding,
//! zero trailing bits, no impossible lengths), so one ticket has exactly one code.
//!
//! Revocation lists (`FCL`, version 1) carry a list version, issue time, and strictly sorted
//! revoked ticket ids, blocked NFC tag ids and revoked device ids, signed by an issuer key. A
//! [`RevocationStore`] only ever moves forward (rules below), and tells a gate when its list is
//! older than the allowed staleness (`CODE_REVOCATION_LIST_STALE`).
//!
//! # Revocation lists: what a gate may rely on
//!
//! [`RevocationStore::install`] (and [`RevocationList::verify_at`], which applies the per-list
//! rules 1–3 without a store) takes the gate's own clock as `now`. A list is installed only if
//! **all** of these hold; otherwise the store is left exactly as it was:
//!
//! 1. **Authentic**: well-formed, signed by a key of the [`KeySet`] (`CODE_UNKNOWN_KEY`,
//!    `CODE_BAD_SIGNATURE`), for this festival — key and list (`CODE_WRONG_FESTIVAL`).
//! 2. **Issued while its key was valid, as the gate sees it**: with the key's window
//!    `[valid_from, valid_until)`, both `now` and the list's `issued_at` lie inside it, and
//!    `issued_at <= now + MAX_LIST_ISSUE_SKEW_MS` (5 minutes of issuer/gate clock skew). Otherwise
//!    `CODE_KEY_NOT_VALID` with `at` = `now` (gate clock outside the window) or `at` = `issued_at`.
//!    A retired key (its window has ended on the gate's clock) can therefore not install anything,
//!    whatever `issued_at` it writes into the list.
//! 3. **No key rollback**: keys are ordered by `(valid_from, key_id)` (the later window start is
//!    the newer key; equal starts are ordered by key id). Once a list of key K is installed, a
//!    list of any key ordered before K is refused, even with a higher version
//!    (`CODE_REVOCATION_LIST_OUTDATED`). A superseded key that is still inside its window cannot
//!    un-revoke what its successor revoked.
//! 4. **Monotonic**: the version is strictly above the installed one and `issued_at` is not
//!    before the installed list's `issued_at` (`CODE_REVOCATION_LIST_OUTDATED`).
//! 5. **Bounded versions, so no list can lock the store**: the first list installed into an
//!    empty store has a version `<= MAX_INITIAL_VERSION` (2^32); every later list is at most
//!    `MAX_VERSION_STEP` (1 000 000) above the installed version; no version exceeds
//!    `MAX_LIST_VERSION` (2^53 − 1, exact as a JavaScript number). A list outside these bounds
//!    (e.g. version `u64::MAX`) is refused with `OFFLINE_MALFORMED` (`what`:
//!    `revocation_list`, `offset` 24 = the version field). Versions are counters (or epoch
//!    *seconds*), not epoch milliseconds.
//! 6. Re-offering the byte-identical installed list returns [`InstallResult::Unchanged`], but only
//!    if it still passes rules 1–2 at `now`.
//!
//! What a gate may rely on, then: the installed list was issued by a key that was valid on the
//! gate's clock when it arrived, no key older than the one that signed it can replace it, its
//! version and issue time never go back, and the next legitimate list (version + 1, signed by the
//! current key, dated now) can always be installed. [`RevocationStore::fresh`] adds the age
//! bound: a gate must still refuse to decide when its list is too old.
//! [`RevocationList::verify`] alone (no `now`) only checks the signature and the key at the
//! list's own `issued_at`; it is for reading a list, not for trusting it at a gate.
//!
//! # Key rotation for revocation-list keys (operators)
//!
//! Retire a key without a gap, in this order:
//!
//! 1. Publish the new key K2 to every gate with a window that **overlaps** the old key K1's
//!    (K2.`valid_from` inside K1's window, K2.`valid_until` after K1's) and a later `valid_from`
//!    than K1 (that is what makes K2 the newer key).
//! 2. Sign the next list with K2 (next version, dated now). Once a gate installs it, K1's lists
//!    are refused there, even inside K1's window.
//! 3. Let K1's window end (or remove K1 from the key set). Leave the overlap longer than the time
//!    a gate may stay offline, plus `MAX_LIST_ISSUE_SKEW_MS`, so every gate can install a K2 list
//!    while K1's list is still acceptable.
//!
//! Never return to an older key: once K2 signed a list, K1 must not sign again. Give a new key a
//! window that ends after its predecessor's, otherwise the gate may reach a time at which only
//! an older key is valid (its lists are then refused as a rollback). Keep versions counting up
//! across keys (the version does not restart with a new key). If a store ever has to be reset
//! (a lost device, a bad deployment), that is an operator action outside this type: a new
//! `RevocationStore::default()`.
//!
//! ```
//! use festival_core::offline::codes::{self, IssuerKey, KeySet, RevocationList, RevocationStore, TicketClaims};
//! use festival_core::offline::crypto;
//! use festival_core::Timestamp;
//! use uuid::Uuid;
//! let t = |ms: i64| Timestamp::from_unix_millis(1_783_180_800_000 + ms).unwrap();
//! let festival = Uuid::from_u128(1);
//! let keys = KeySet::new(vec![IssuerKey { key_id: 7, public_key: crypto::public_key_from_seed(&[3; 32]),
//!     festival_id: festival, valid_from: t(0), valid_until: t(86_400_000) }])?;
//! let claims = TicketClaims { key_id: 7, festival_id: festival, ticket_id: Uuid::from_u128(42),
//!     ticket_type: "DAY".into(), valid_from: t(0), valid_until: t(3_600_000) };
//! let code = codes::issue_ticket_code(&claims, &[3; 32])?;
//! assert!(code.starts_with("FC") && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
//! let mut store = RevocationStore::default();
//! let list = RevocationList { festival_id: festival, key_id: 7, version: 1, issued_at: t(0),
//!     revoked_tickets: vec![], blocked_tags: vec![], revoked_devices: vec![] };
//! store.install(&list.sign(&[3; 32])?, &keys, festival, t(10))?;
//! let ok = codes::verify_ticket_code(&code, &keys, festival, t(60_000), &store, 600_000)?;
//! assert_eq!(ok.ticket_id, Uuid::from_u128(42));
//! let err = codes::verify_ticket_code(&code, &keys, festival, t(700_000), &store, 600_000).unwrap_err();
//! assert_eq!(festival_core::ErrorCode::code(&err), "CODE_REVOCATION_LIST_STALE");
//! # Ok::<(), festival_core::Error>(())
//! ```

use super::crypto::StrictPublicKey;
use super::record::hex32;
use super::wire::{Reader, Writer};
use super::OfflineError;
use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Domain separation for ticket-code signatures.
pub const TICKET_CODE_DOMAIN: &[u8] = b"festival-core/ticket-code/v1";
/// Domain separation for revocation-list signatures.
pub const REVOCATION_LIST_DOMAIN: &[u8] = b"festival-core/revocation-list/v1";
/// Text prefix of a ticket code.
pub const TICKET_CODE_PREFIX: &str = "FC";
const TICKET_CODE_VERSION: u8 = 1;
const LIST_MAGIC: &[u8; 3] = b"FCL";
const LIST_VERSION: u8 = 1;
const MAX_TICKET_TYPE: usize = 16;
/// Longest ticket-code text accepted before decoding.
pub const MAX_CODE_TEXT: usize = 512;
/// Most entries of one kind in a revocation list.
pub const MAX_LIST_ENTRIES: usize = 1_000_000;
const MAX_TAG_LEN: usize = 32;
/// How far a revocation list's `issued_at` may lie after the gate's `now` (issuer and gate
/// clocks disagree a little): 5 minutes.
pub const MAX_LIST_ISSUE_SKEW_MS: i64 = 5 * 60 * 1000;
/// Most a new list's version may exceed the installed one's, so no single list can push the
/// version out of reach of the legitimate issuer (one million).
pub const MAX_VERSION_STEP: u64 = 1_000_000;
/// Highest version a first list (empty store) may have: 2^32, leaving more than nine billion
/// maximal steps below [`MAX_LIST_VERSION`].
pub const MAX_INITIAL_VERSION: u64 = 1 << 32;
/// Highest version any list may have: 2^53 − 1 (`Number.MAX_SAFE_INTEGER` in JavaScript).
pub const MAX_LIST_VERSION: u64 = (1 << 53) - 1;
/// Byte offset of the version field in a list's encoding (magic, format, key id, festival).
const LIST_VERSION_OFFSET: u64 = 3 + 1 + 4 + 16;

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32, upper case, no padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(B32[((acc >> bits) & 31) as usize] as char);
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(B32[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Canonical base32 decoding: rejects other characters (including lower case and `=`), lengths
/// that no byte string encodes to, and non-zero trailing bits.
pub fn base32_decode(text: &str) -> Result<Vec<u8>, OfflineError> {
    let bad = |reason: &str| OfflineError::CodeMalformed { reason: reason.into() };
    if matches!(text.len() % 8, 1 | 3 | 6) {
        return Err(bad("impossible base32 length"));
    }
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return Err(bad("character outside the base32 alphabet")),
        };
        acc = (acc << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if acc != 0 {
        return Err(bad("non-zero trailing bits"));
    }
    Ok(out)
}

/// An issuer key (for ticket codes and revocation lists) with its own validity: several keys can
/// be valid at once during a rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerKey {
    /// Key id written into codes and lists.
    pub key_id: u32,
    /// Ed25519 public key (hex in JSON).
    #[serde(with = "hex32")]
    pub public_key: [u8; 32],
    /// The festival the key issues for.
    pub festival_id: Uuid,
    /// Start of validity (inclusive).
    pub valid_from: Timestamp,
    /// End of validity (exclusive).
    pub valid_until: Timestamp,
}

/// The issuer keys a gate trusts, by key id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeySet {
    keys: BTreeMap<u32, (IssuerKey, StrictPublicKey)>,
}

impl KeySet {
    /// Builds a key set; errors on an unusable key or a repeated key id.
    pub fn new(keys: Vec<IssuerKey>) -> Result<Self, OfflineError> {
        let mut map = BTreeMap::new();
        for k in keys {
            let strict = StrictPublicKey::from_bytes(&k.public_key)?;
            let id = k.key_id;
            if map.insert(id, (k, strict)).is_some() {
                return Err(OfflineError::InvalidKey { reason: format!("key id {id} appears twice") });
            }
        }
        Ok(KeySet { keys: map })
    }

    /// Looks a key up and checks signature, festival and validity at `at`; returns the key.
    fn check(
        &self,
        key_id: u32,
        festival_id: Uuid,
        message: &[u8],
        signature: &[u8; 64],
        at: Timestamp,
    ) -> Result<&IssuerKey, OfflineError> {
        let (key, strict) = self.keys.get(&key_id).ok_or(OfflineError::CodeUnknownKey { key_id })?;
        strict.verify(message, signature).map_err(|_| OfflineError::CodeBadSignature {})?;
        if key.festival_id != festival_id {
            return Err(OfflineError::CodeWrongFestival { expected: festival_id, actual: key.festival_id });
        }
        if !key.is_valid_at(at) {
            return Err(OfflineError::CodeKeyNotValid { key_id, at });
        }
        Ok(key)
    }
}

impl IssuerKey {
    /// Whether `at` lies in `[valid_from, valid_until)`.
    pub fn is_valid_at(&self, at: Timestamp) -> bool {
        self.valid_from <= at && at < self.valid_until
    }

    /// The rotation order of revocation-list keys: `(valid_from, key_id)`; a list of a key that
    /// sorts before the installed list's key is a rollback.
    fn rank(&self) -> (Timestamp, u32) {
        (self.valid_from, self.key_id)
    }
}

/// What a ticket code says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketClaims {
    /// Issuer key id.
    pub key_id: u32,
    /// Festival.
    pub festival_id: Uuid,
    /// Ticket.
    pub ticket_id: Uuid,
    /// Ticket type, 1..=16 of `A-Z0-9_-` (e.g. `DAY`, `VIP`).
    pub ticket_type: String,
    /// Start of validity (inclusive).
    pub valid_from: Timestamp,
    /// End of validity (exclusive).
    pub valid_until: Timestamp,
}

fn code_err(reason: impl Into<String>) -> OfflineError {
    OfflineError::CodeMalformed { reason: reason.into() }
}

impl TicketClaims {
    /// The canonical bytes that are signed (without the domain prefix).
    pub fn encode(&self) -> Result<Vec<u8>, OfflineError> {
        let t = self.ticket_type.as_bytes();
        if t.is_empty()
            || t.len() > MAX_TICKET_TYPE
            || !t.iter().all(|c| matches!(c, b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-'))
        {
            return Err(code_err("ticket type must be 1..=16 of A-Z 0-9 _ -"));
        }
        if self.valid_from >= self.valid_until {
            return Err(code_err("valid_from must be before valid_until"));
        }
        let mut out = Vec::with_capacity(80);
        out.put_u8(TICKET_CODE_VERSION);
        out.put_u32(self.key_id);
        out.put_uuid(&self.festival_id);
        out.put_uuid(&self.ticket_id);
        out.put_u8(t.len() as u8);
        out.extend_from_slice(t);
        out.put_timestamp(self.valid_from);
        out.put_timestamp(self.valid_until);
        Ok(out)
    }
}

fn signing_input(domain: &[u8], body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(domain.len() + body.len());
    m.extend_from_slice(domain);
    m.extend_from_slice(body);
    m
}

/// Issues the QR text of a ticket code, signed with the issuer's 32-byte secret seed.
pub fn issue_ticket_code(claims: &TicketClaims, issuer_seed: &[u8; 32]) -> Result<String, OfflineError> {
    let mut bytes = claims.encode()?;
    let sig = super::crypto::sign(issuer_seed, &signing_input(TICKET_CODE_DOMAIN, &bytes));
    bytes.extend_from_slice(&sig);
    Ok(format!("{TICKET_CODE_PREFIX}{}", base32_encode(&bytes)))
}

/// Decodes a ticket code without verifying it: claims and signature. Total; `CODE_MALFORMED`.
pub fn decode_ticket_code(text: &str) -> Result<(TicketClaims, [u8; 64]), OfflineError> {
    if text.len() > MAX_CODE_TEXT {
        return Err(code_err("too long"));
    }
    let body = text.strip_prefix(TICKET_CODE_PREFIX).ok_or_else(|| code_err("missing FC prefix"))?;
    let bytes = base32_decode(body)?;
    let map = |e: OfflineError| match e {
        OfflineError::Malformed { reason, .. } => code_err(reason),
        other => other,
    };
    let mut r = Reader::new(&bytes, "ticket_code");
    let version = r.u8().map_err(map)?;
    if version != TICKET_CODE_VERSION {
        return Err(code_err(format!("unsupported version {version}")));
    }
    let key_id = r.u32().map_err(map)?;
    let festival_id = r.uuid().map_err(map)?;
    let ticket_id = r.uuid().map_err(map)?;
    let n = r.u8().map_err(map)? as usize;
    let t = r.bytes(n).map_err(map)?;
    let ticket_type = String::from_utf8(t.to_vec()).map_err(|_| code_err("ticket type not ASCII"))?;
    let valid_from = r.timestamp().map_err(map)?;
    let valid_until = r.timestamp().map_err(map)?;
    let sig = r.array::<64>().map_err(map)?;
    r.finish().map_err(map)?;
    let claims = TicketClaims { key_id, festival_id, ticket_id, ticket_type, valid_from, valid_until };
    // Re-encoding checks the value rules (type alphabet, window order).
    claims.encode()?;
    Ok((claims, sig))
}

/// Verifies a ticket code fully offline at a gate of `festival_id` at time `now`: issuer key,
/// signature, festival, validity window, then the revocation list (which must be no older than
/// `max_staleness_ms`). Returns the claims.
pub fn verify_ticket_code(
    text: &str,
    keys: &KeySet,
    festival_id: Uuid,
    now: Timestamp,
    revocations: &RevocationStore,
    max_staleness_ms: i64,
) -> Result<TicketClaims, OfflineError> {
    let (claims, sig) = decode_ticket_code(text)?;
    let body = claims.encode()?;
    keys.check(claims.key_id, festival_id, &signing_input(TICKET_CODE_DOMAIN, &body), &sig, now)?;
    if claims.festival_id != festival_id {
        return Err(OfflineError::CodeWrongFestival { expected: festival_id, actual: claims.festival_id });
    }
    if now < claims.valid_from {
        return Err(OfflineError::CodeNotYetValid { valid_from: claims.valid_from });
    }
    if now >= claims.valid_until {
        return Err(OfflineError::CodeExpired { valid_until: claims.valid_until });
    }
    let list = revocations.fresh(now, max_staleness_ms)?;
    if list.revoked_tickets.binary_search(&claims.ticket_id).is_ok() {
        return Err(OfflineError::CodeRevoked { ticket_id: claims.ticket_id });
    }
    Ok(claims)
}

/// Serde helper: byte strings as hex.
mod hex_list {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|b| crate::interop::hex_encode(b)))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        v.iter().map(|t| crate::interop::hex_decode("tag", t).map_err(serde::de::Error::custom)).collect()
    }
}

/// A revocation / block list. Entries are strictly increasing (one encoding per list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationList {
    /// Festival.
    pub festival_id: Uuid,
    /// Issuer key id.
    pub key_id: u32,
    /// List version; a store only moves to higher versions.
    #[serde(with = "super::record::u64_string")]
    pub version: u64,
    /// When it was issued (staleness is measured from here).
    pub issued_at: Timestamp,
    /// Revoked ticket ids.
    pub revoked_tickets: Vec<Uuid>,
    /// Blocked NFC tag ids (1..=32 bytes each; hex in JSON).
    #[serde(with = "hex_list")]
    pub blocked_tags: Vec<Vec<u8>>,
    /// Revoked device ids.
    pub revoked_devices: Vec<Uuid>,
}

fn strictly_sorted<T: Ord>(v: &[T]) -> bool {
    v.windows(2).all(|w| w[0] < w[1])
}

impl RevocationList {
    /// The canonical unsigned encoding; errors if entries are unsorted, repeated or too many.
    pub fn encode(&self) -> Result<Vec<u8>, OfflineError> {
        let bad =
            |reason: &str| OfflineError::Malformed { what: "revocation_list".into(), offset: 0, reason: reason.into() };
        if !strictly_sorted(&self.revoked_tickets)
            || !strictly_sorted(&self.blocked_tags)
            || !strictly_sorted(&self.revoked_devices)
        {
            return Err(bad("entries must be strictly increasing"));
        }
        if self.revoked_tickets.len().max(self.blocked_tags.len()).max(self.revoked_devices.len()) > MAX_LIST_ENTRIES {
            return Err(bad("too many entries"));
        }
        if self.blocked_tags.iter().any(|t| t.is_empty() || t.len() > MAX_TAG_LEN) {
            return Err(bad("tag ids are 1..=32 bytes"));
        }
        let mut out = Vec::new();
        out.extend_from_slice(LIST_MAGIC);
        out.put_u8(LIST_VERSION);
        out.put_u32(self.key_id);
        out.put_uuid(&self.festival_id);
        out.put_u64(self.version);
        out.put_timestamp(self.issued_at);
        out.put_u32(self.revoked_tickets.len() as u32);
        for t in &self.revoked_tickets {
            out.put_uuid(t);
        }
        out.put_u32(self.blocked_tags.len() as u32);
        for t in &self.blocked_tags {
            out.put_u8(t.len() as u8);
            out.extend_from_slice(t);
        }
        out.put_u32(self.revoked_devices.len() as u32);
        for d in &self.revoked_devices {
            out.put_uuid(d);
        }
        Ok(out)
    }

    /// Signs the list: `encoding || signature`.
    pub fn sign(&self, issuer_seed: &[u8; 32]) -> Result<Vec<u8>, OfflineError> {
        let mut bytes = self.encode()?;
        let sig = super::crypto::sign(issuer_seed, &signing_input(REVOCATION_LIST_DOMAIN, &bytes));
        bytes.extend_from_slice(&sig);
        Ok(bytes)
    }

    /// Decodes signed list bytes without verifying: list and signature. Total.
    pub fn decode(bytes: &[u8]) -> Result<(RevocationList, [u8; 64]), OfflineError> {
        let mut r = Reader::new(bytes, "revocation_list");
        r.header(LIST_MAGIC, LIST_VERSION)?;
        let key_id = r.u32()?;
        let festival_id = r.uuid()?;
        let version = r.u64()?;
        let issued_at = r.timestamp()?;
        let count = |r: &mut Reader<'_>, min_size: usize| -> Result<usize, OfflineError> {
            let n = r.u32()? as usize;
            if n > MAX_LIST_ENTRIES || n.saturating_mul(min_size) > r.remaining() {
                return Err(r.err("entry count exceeds the data"));
            }
            Ok(n)
        };
        let n = count(&mut r, 16)?;
        let mut revoked_tickets = Vec::with_capacity(n);
        for _ in 0..n {
            revoked_tickets.push(r.uuid()?);
        }
        let n = count(&mut r, 2)?;
        let mut blocked_tags = Vec::with_capacity(n);
        for _ in 0..n {
            let len = r.u8()? as usize;
            if len == 0 || len > MAX_TAG_LEN {
                return Err(r.err("tag ids are 1..=32 bytes"));
            }
            blocked_tags.push(r.bytes(len)?.to_vec());
        }
        let n = count(&mut r, 16)?;
        let mut revoked_devices = Vec::with_capacity(n);
        for _ in 0..n {
            revoked_devices.push(r.uuid()?);
        }
        let sig = r.array::<64>()?;
        r.finish()?;
        if !strictly_sorted(&revoked_tickets) || !strictly_sorted(&blocked_tags) || !strictly_sorted(&revoked_devices) {
            return Err(r.err("entries must be strictly increasing"));
        }
        Ok((
            RevocationList { festival_id, key_id, version, issued_at, revoked_tickets, blocked_tags, revoked_devices },
            sig,
        ))
    }

    /// Decodes and verifies signed list bytes against `keys` for `festival_id`: signature,
    /// festival, and the key valid at the list's own `issued_at`. This does **not** know the
    /// verifier's clock, so a retired key can still pass it: gates use
    /// [`RevocationStore::install`] (or [`RevocationList::verify_at`]).
    pub fn verify(bytes: &[u8], keys: &KeySet, festival_id: Uuid) -> Result<RevocationList, OfflineError> {
        Self::verify_key(bytes, keys, festival_id).map(|(list, _)| list)
    }

    /// [`RevocationList::verify`] plus the verifier-clock rules (module docs, rule 2): the signing
    /// key's window contains `now` and `issued_at`, and `issued_at <= now +
    /// MAX_LIST_ISSUE_SKEW_MS`; otherwise `CODE_KEY_NOT_VALID`.
    pub fn verify_at(
        bytes: &[u8],
        keys: &KeySet,
        festival_id: Uuid,
        now: Timestamp,
    ) -> Result<RevocationList, OfflineError> {
        Self::verify_key_at(bytes, keys, festival_id, now).map(|(list, _)| list)
    }

    fn verify_key<'k>(
        bytes: &[u8],
        keys: &'k KeySet,
        festival_id: Uuid,
    ) -> Result<(RevocationList, &'k IssuerKey), OfflineError> {
        let (list, sig) = Self::decode(bytes)?;
        let body = list.encode()?;
        let key =
            keys.check(list.key_id, festival_id, &signing_input(REVOCATION_LIST_DOMAIN, &body), &sig, list.issued_at)?;
        if list.festival_id != festival_id {
            return Err(OfflineError::CodeWrongFestival { expected: festival_id, actual: list.festival_id });
        }
        Ok((list, key))
    }

    fn verify_key_at<'k>(
        bytes: &[u8],
        keys: &'k KeySet,
        festival_id: Uuid,
        now: Timestamp,
    ) -> Result<(RevocationList, &'k IssuerKey), OfflineError> {
        let (list, key) = Self::verify_key(bytes, keys, festival_id)?;
        // The gate's clock, not the list's own claim, decides whether the key may still issue.
        if !key.is_valid_at(now) {
            return Err(OfflineError::CodeKeyNotValid { key_id: list.key_id, at: now });
        }
        if list.issued_at.millis_since(now) > MAX_LIST_ISSUE_SKEW_MS {
            return Err(OfflineError::CodeKeyNotValid { key_id: list.key_id, at: list.issued_at });
        }
        Ok((list, key))
    }

    /// Whether a ticket is revoked.
    pub fn is_ticket_revoked(&self, ticket_id: &Uuid) -> bool {
        self.revoked_tickets.binary_search(ticket_id).is_ok()
    }

    /// Whether an NFC tag is blocked.
    pub fn is_tag_blocked(&self, tag: &[u8]) -> bool {
        self.blocked_tags.binary_search_by(|t| t.as_slice().cmp(tag)).is_ok()
    }

    /// Whether a device is revoked.
    pub fn is_device_revoked(&self, device_id: &Uuid) -> bool {
        self.revoked_devices.binary_search(device_id).is_ok()
    }
}

/// What [`RevocationStore::install`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallResult {
    /// The list replaced an older one (or was the first).
    Installed,
    /// The exact same list was already installed.
    Unchanged,
}

/// The gate's current revocation list; only ever moves forward (module docs: the rules).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RevocationStore {
    current: Option<Installed>,
}

/// The installed list, its signed bytes, and the rotation rank of the key that signed it (kept
/// from install time, so removing that key from a later key set cannot reopen a rollback).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Installed {
    list: RevocationList,
    bytes: Vec<u8>,
    key_rank: (Timestamp, u32),
}

impl RevocationStore {
    /// Verifies signed list bytes at the gate's clock `now` and installs them if they pass every
    /// rule of the module docs ("what a gate may rely on"): key window containing `now` and
    /// `issued_at`, `issued_at` at most [`MAX_LIST_ISSUE_SKEW_MS`] after `now`
    /// (`CODE_KEY_NOT_VALID`); no list of an older key than the installed list's, a version above
    /// the installed one and an `issued_at` not before it (`CODE_REVOCATION_LIST_OUTDATED`); a
    /// version at most [`MAX_VERSION_STEP`] above the installed one, at most
    /// [`MAX_INITIAL_VERSION`] into an empty store and never above [`MAX_LIST_VERSION`]
    /// (`OFFLINE_MALFORMED`). The byte-identical installed list gives `Unchanged`. On any error
    /// the store is unchanged.
    pub fn install(
        &mut self,
        bytes: &[u8],
        keys: &KeySet,
        festival_id: Uuid,
        now: Timestamp,
    ) -> Result<InstallResult, OfflineError> {
        let (list, key) = RevocationList::verify_key_at(bytes, keys, festival_id, now)?;
        let key_rank = key.rank();
        let outdated = |installed: u64| OfflineError::RevocationListOutdated {
            offered: list.version.to_string(),
            installed: installed.to_string(),
        };
        let out_of_range = |reason: String| OfflineError::Malformed {
            what: "revocation_list".into(),
            offset: LIST_VERSION_OFFSET,
            reason,
        };
        match &self.current {
            None => {
                if list.version > MAX_INITIAL_VERSION {
                    return Err(out_of_range(format!(
                        "version {} of a first list is above {MAX_INITIAL_VERSION}",
                        list.version
                    )));
                }
            }
            Some(cur) => {
                if cur.bytes.as_slice() == bytes {
                    return Ok(InstallResult::Unchanged);
                }
                // Rollback: a list of an older key never replaces a list of a newer key.
                if key_rank < cur.key_rank {
                    return Err(outdated(cur.list.version));
                }
                if list.version <= cur.list.version || list.issued_at < cur.list.issued_at {
                    return Err(outdated(cur.list.version));
                }
                let max = cur.list.version.saturating_add(MAX_VERSION_STEP).min(MAX_LIST_VERSION);
                if list.version > max {
                    return Err(out_of_range(format!(
                        "version {} is more than {MAX_VERSION_STEP} above the installed {} (at most {max})",
                        list.version, cur.list.version
                    )));
                }
            }
        }
        self.current = Some(Installed { list, bytes: bytes.to_vec(), key_rank });
        Ok(InstallResult::Installed)
    }

    /// The installed list, if any.
    pub fn current(&self) -> Option<&RevocationList> {
        self.current.as_ref().map(|c| &c.list)
    }

    /// The installed list if it is at most `max_staleness_ms` old at `now`; otherwise
    /// `CODE_REVOCATION_LIST_STALE` (also when there is none).
    pub fn fresh(&self, now: Timestamp, max_staleness_ms: i64) -> Result<&RevocationList, OfflineError> {
        match self.current() {
            Some(l) if now.millis_since(l.issued_at) <= max_staleness_ms => Ok(l),
            other => Err(OfflineError::RevocationListStale { issued_at: other.map(|l| l.issued_at), max_staleness_ms }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn t(ms: i64) -> Timestamp {
        Timestamp::from_unix_millis(1_783_180_800_000 + ms).unwrap()
    }
    const F: Uuid = Uuid::from_u128(1);

    fn keys() -> KeySet {
        KeySet::new(vec![
            IssuerKey {
                key_id: 1,
                public_key: super::super::crypto::public_key_from_seed(&[1; 32]),
                festival_id: F,
                valid_from: t(0),
                valid_until: t(1000),
            },
            IssuerKey {
                key_id: 2,
                public_key: super::super::crypto::public_key_from_seed(&[2; 32]),
                festival_id: F,
                valid_from: t(500),
                valid_until: t(100_000),
            },
        ])
        .unwrap()
    }

    fn claims(key_id: u32) -> TicketClaims {
        TicketClaims {
            key_id,
            festival_id: F,
            ticket_id: Uuid::from_u128(9),
            ticket_type: "VIP".into(),
            valid_from: t(0),
            valid_until: t(50_000),
        }
    }

    fn store(version: u64, at: i64, revoked: Vec<Uuid>) -> RevocationStore {
        let mut s = RevocationStore::default();
        let l = RevocationList {
            festival_id: F,
            key_id: 2,
            version,
            issued_at: t(at),
            revoked_tickets: revoked,
            blocked_tags: vec![],
            revoked_devices: vec![],
        };
        s.install(&l.sign(&[2; 32]).unwrap(), &keys(), F, t(at)).unwrap();
        s
    }

    #[test]
    fn base32_is_canonical() {
        for n in 0..20 {
            let b: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            let e = base32_encode(&b);
            assert_eq!(base32_decode(&e).unwrap(), b);
        }
        assert_eq!(base32_encode(b"f"), "MY");
        assert!(base32_decode("MZ").is_err()); // non-zero trailing bits
        assert!(base32_decode("my").is_err());
        assert!(base32_decode("M").is_err());
        assert!(base32_decode("MY==").is_err());
    }

    #[test]
    fn rotation_and_every_rejection_is_named() {
        let ks = keys();
        let st = store(1, 600, vec![]);
        let c1 = issue_ticket_code(&claims(1), &[1; 32]).unwrap();
        let c2 = issue_ticket_code(&claims(2), &[2; 32]).unwrap();
        // Key 1 valid until t(1000), key 2 from t(500): both verify at t(700).
        assert!(verify_ticket_code(&c1, &ks, F, t(700), &st, 10_000).is_ok());
        assert!(verify_ticket_code(&c2, &ks, F, t(700), &st, 10_000).is_ok());
        let code = |r: Result<TicketClaims, OfflineError>| r.unwrap_err().code();
        assert_eq!(code(verify_ticket_code(&c1, &ks, F, t(1000), &st, 10_000)), "CODE_KEY_NOT_VALID");
        assert_eq!(code(verify_ticket_code(&c2, &ks, F, t(60_000), &st, 100_000)), "CODE_EXPIRED");
        assert_eq!(code(verify_ticket_code(&c2, &ks, Uuid::from_u128(2), t(700), &st, 10_000)), "CODE_WRONG_FESTIVAL");
        let forged = issue_ticket_code(&claims(2), &[1; 32]).unwrap();
        assert_eq!(code(verify_ticket_code(&forged, &ks, F, t(700), &st, 10_000)), "CODE_BAD_SIGNATURE");
        assert_eq!(
            code(verify_ticket_code(&issue_ticket_code(&claims(3), &[1; 32]).unwrap(), &ks, F, t(700), &st, 10_000)),
            "CODE_UNKNOWN_KEY"
        );
        assert_eq!(code(verify_ticket_code(&c2.to_lowercase(), &ks, F, t(700), &st, 10_000)), "CODE_MALFORMED");
        assert_eq!(code(verify_ticket_code(&c2, &ks, F, t(20_000), &st, 10_000)), "CODE_REVOCATION_LIST_STALE");
        assert_eq!(
            code(verify_ticket_code(&c2, &ks, F, t(700), &RevocationStore::default(), 10_000)),
            "CODE_REVOCATION_LIST_STALE"
        );
        let revoked = store(2, 600, vec![Uuid::from_u128(9)]);
        assert_eq!(code(verify_ticket_code(&c2, &ks, F, t(700), &revoked, 10_000)), "CODE_REVOKED");
        let mut early = claims(2);
        early.valid_from = t(800);
        let e = issue_ticket_code(&early, &[2; 32]).unwrap();
        assert_eq!(code(verify_ticket_code(&e, &ks, F, t(700), &st, 10_000)), "CODE_NOT_YET_VALID");
    }

    #[test]
    fn store_only_moves_forward() {
        let ks = keys();
        let mut s = store(5, 600, vec![]);
        let mk = |v: u64, tickets: Vec<Uuid>| {
            RevocationList {
                festival_id: F,
                key_id: 2,
                version: v,
                issued_at: t(700),
                revoked_tickets: tickets,
                blocked_tags: vec![vec![1, 2]],
                revoked_devices: vec![],
            }
            .sign(&[2; 32])
            .unwrap()
        };
        let older = mk(4, vec![]);
        assert_eq!(s.install(&older, &ks, F, t(800)).unwrap_err().code(), "CODE_REVOCATION_LIST_OUTDATED");
        let newer = mk(6, vec![Uuid::from_u128(3)]);
        assert_eq!(s.install(&newer, &ks, F, t(800)), Ok(InstallResult::Installed));
        assert_eq!(s.install(&newer, &ks, F, t(800)), Ok(InstallResult::Unchanged));
        assert_eq!(s.install(&mk(6, vec![]), &ks, F, t(800)).unwrap_err().code(), "CODE_REVOCATION_LIST_OUTDATED");
        let cur = s.current().unwrap();
        assert!(
            cur.is_ticket_revoked(&Uuid::from_u128(3)) && cur.is_tag_blocked(&[1, 2]) && !cur.is_device_revoked(&F)
        );
        let mut tampered = newer.clone();
        let n = tampered.len();
        tampered[n - 70] ^= 1;
        assert!(s.install(&tampered, &ks, F, t(800)).is_err());
        let unsorted = RevocationList {
            festival_id: F,
            key_id: 2,
            version: 9,
            issued_at: t(700),
            revoked_tickets: vec![Uuid::from_u128(2), Uuid::from_u128(1)],
            blocked_tags: vec![],
            revoked_devices: vec![],
        };
        assert!(unsorted.sign(&[2; 32]).is_err());
    }

    // ---- revocation lists: the install rules (module docs, "what a gate may rely on") ----

    fn key(key_id: u32, seed: u8, from: i64, until: i64) -> IssuerKey {
        IssuerKey {
            key_id,
            public_key: super::super::crypto::public_key_from_seed(&[seed; 32]),
            festival_id: F,
            valid_from: t(from),
            valid_until: t(until),
        }
    }

    /// Signed list of `key_id` (seed = key id) revoking `revoked`.
    fn signed(key_id: u32, version: u64, at: i64, revoked: &[u128]) -> Vec<u8> {
        RevocationList {
            festival_id: F,
            key_id,
            version,
            issued_at: t(at),
            revoked_tickets: revoked.iter().map(|n| Uuid::from_u128(*n)).collect(),
            blocked_tags: vec![],
            revoked_devices: vec![],
        }
        .sign(&[key_id as u8; 32])
        .unwrap()
    }

    /// Key 1 an hour from t(0), key 2 (its successor) from +30 min for a day, key 3 (same start as
    /// key 2, ordered after it by id) for a day.
    fn rotation_keys() -> KeySet {
        KeySet::new(vec![key(1, 1, 0, 3_600_000), key(2, 2, 1_800_000, 86_400_000), key(3, 3, 1_800_000, 86_400_000)])
            .unwrap()
    }

    fn version(s: &RevocationStore) -> Option<u64> {
        s.current().map(|l| l.version)
    }

    #[test]
    fn retired_key_cannot_install_a_higher_version_dated_inside_its_old_window() {
        let ks = rotation_keys();
        let mut s = RevocationStore::default();
        // Key 2 revokes ticket 9 at +40 min.
        assert_eq!(s.install(&signed(2, 1, 2_400_000, &[9]), &ks, F, t(2_400_000)), Ok(InstallResult::Installed));
        // Key 1's window ended at +60 min; at +2 h it signs version 2, dated +50 min, revoking nothing.
        let attack = signed(1, 2, 3_000_000, &[]);
        let err = s.install(&attack, &ks, F, t(7_200_000)).unwrap_err();
        assert_eq!(err, OfflineError::CodeKeyNotValid { key_id: 1, at: t(7_200_000) });
        assert!(s.current().unwrap().is_ticket_revoked(&Uuid::from_u128(9)) && version(&s) == Some(1));
        // Not even into an empty store, and `verify_at` says the same.
        assert_eq!(
            RevocationStore::default().install(&attack, &ks, F, t(7_200_000)).unwrap_err().code(),
            "CODE_KEY_NOT_VALID"
        );
        assert_eq!(RevocationList::verify_at(&attack, &ks, F, t(7_200_000)).unwrap_err().code(), "CODE_KEY_NOT_VALID");
        // `verify` alone (no clock) cannot tell: it is not what a gate relies on.
        assert!(RevocationList::verify(&attack, &ks, F).is_ok());
        // The legitimate next list still installs.
        assert_eq!(s.install(&signed(2, 2, 7_200_000, &[9]), &ks, F, t(7_200_000)), Ok(InstallResult::Installed));
    }

    #[test]
    fn a_superseded_key_cannot_roll_back_its_successors_list() {
        let ks = rotation_keys();
        let mut s = RevocationStore::default();
        // Rotation forward is fine: key 1, then key 2.
        assert!(s.install(&signed(1, 1, 1_000, &[]), &ks, F, t(1_000)).is_ok());
        assert!(s.install(&signed(2, 2, 2_000_000, &[9]), &ks, F, t(2_000_000)).is_ok());
        // Key 1 is still inside its window but older than key 2: refused even with a higher version.
        let err = s.install(&signed(1, 3, 2_100_000, &[]), &ks, F, t(2_100_000)).unwrap_err();
        assert_eq!(err, OfflineError::RevocationListOutdated { offered: "3".into(), installed: "2".into() });
        assert!(s.current().unwrap().is_ticket_revoked(&Uuid::from_u128(9)) && s.current().unwrap().key_id == 2);
        // Equal window starts are ordered by key id: 3 replaces 2, then 2 can no longer come back.
        assert!(s.install(&signed(3, 3, 2_200_000, &[9]), &ks, F, t(2_200_000)).is_ok());
        assert_eq!(
            s.install(&signed(2, 4, 2_300_000, &[]), &ks, F, t(2_300_000)).unwrap_err().code(),
            "CODE_REVOCATION_LIST_OUTDATED"
        );
        // The rank is remembered from install time: dropping key 3 from the key set reopens nothing.
        let without_3 = KeySet::new(vec![key(1, 1, 0, 3_600_000), key(2, 2, 1_800_000, 86_400_000)]).unwrap();
        assert_eq!(
            s.install(&signed(2, 4, 2_300_000, &[]), &without_3, F, t(2_300_000)).unwrap_err().code(),
            "CODE_REVOCATION_LIST_OUTDATED"
        );
        assert_eq!((version(&s), s.current().unwrap().key_id), (Some(3), 3));
    }

    #[test]
    fn version_u64_max_is_refused_and_never_locks_the_store() {
        let ks = rotation_keys();
        let mut s = RevocationStore::default();
        let max = signed(2, u64::MAX, 2_000_000, &[]);
        let err = s.install(&max, &ks, F, t(2_000_000)).unwrap_err();
        assert_eq!(err.code(), "OFFLINE_MALFORMED");
        assert!(matches!(&err, OfflineError::Malformed { what, offset: 24, .. } if what == "revocation_list"));
        assert_eq!(s, RevocationStore::default());
        assert!(s.install(&signed(2, 1, 2_000_000, &[]), &ks, F, t(2_000_000)).is_ok());
        let before = s.clone();
        assert_eq!(s.install(&max, &ks, F, t(2_000_001)).unwrap_err().code(), "OFFLINE_MALFORMED");
        assert_eq!(s, before);
        assert_eq!(s.install(&signed(2, 2, 2_000_002, &[]), &ks, F, t(2_000_002)), Ok(InstallResult::Installed));
        // The first-install ceiling.
        let mut e = RevocationStore::default();
        let over = signed(2, MAX_INITIAL_VERSION + 1, 2_000_000, &[]);
        assert_eq!(e.install(&over, &ks, F, t(2_000_000)).unwrap_err().code(), "OFFLINE_MALFORMED");
        assert!(e.install(&signed(2, MAX_INITIAL_VERSION, 2_000_000, &[]), &ks, F, t(2_000_000)).is_ok());
    }

    #[test]
    fn version_steps_are_bounded_and_capped() {
        let ks = rotation_keys();
        let mut s = RevocationStore::default();
        assert!(s.install(&signed(2, 10, 2_000_000, &[]), &ks, F, t(2_000_000)).is_ok());
        let too_far = signed(2, 10 + MAX_VERSION_STEP + 1, 2_000_000, &[]);
        assert_eq!(s.install(&too_far, &ks, F, t(2_000_000)).unwrap_err().code(), "OFFLINE_MALFORMED");
        assert_eq!(version(&s), Some(10));
        assert!(s.install(&signed(2, 10 + MAX_VERSION_STEP, 2_000_000, &[]), &ks, F, t(2_000_000)).is_ok());
        // Near the absolute ceiling (not reachable in practice: billions of maximal steps).
        let near = signed(2, MAX_LIST_VERSION - 5, 2_000_000, &[]);
        let (list, _) = RevocationList::decode(&near).unwrap();
        let mut top = RevocationStore { current: Some(Installed { list, bytes: near, key_rank: (t(1_800_000), 2) }) };
        let above = signed(2, MAX_LIST_VERSION + 1, 2_000_000, &[]);
        assert_eq!(top.install(&above, &ks, F, t(2_000_000)).unwrap_err().code(), "OFFLINE_MALFORMED");
        assert!(top.install(&signed(2, MAX_LIST_VERSION, 2_000_000, &[]), &ks, F, t(2_000_000)).is_ok());
    }

    #[test]
    fn issue_time_never_goes_back() {
        let ks = rotation_keys();
        let mut s = RevocationStore::default();
        assert!(s.install(&signed(2, 1, 2_000_000, &[9]), &ks, F, t(2_000_000)).is_ok());
        let err = s.install(&signed(2, 2, 1_999_999, &[]), &ks, F, t(2_100_000)).unwrap_err();
        assert_eq!(err, OfflineError::RevocationListOutdated { offered: "2".into(), installed: "1".into() });
        assert_eq!(version(&s), Some(1));
        // The same issue time is fine (two lists in one millisecond).
        assert!(s.install(&signed(2, 2, 2_000_000, &[9]), &ks, F, t(2_100_000)).is_ok());
    }

    #[test]
    fn key_window_is_judged_by_the_verifiers_clock() {
        let ks = rotation_keys();
        let code = |r: Result<InstallResult, OfflineError>| r.unwrap_err();
        let fresh = || RevocationStore::default();
        // Gate clock before key 2's window, list dated inside it (within the skew): refused, at = now.
        assert_eq!(
            code(fresh().install(&signed(2, 1, 1_800_000, &[]), &ks, F, t(1_700_000))),
            OfflineError::CodeKeyNotValid { key_id: 2, at: t(1_700_000) }
        );
        // Gate clock at the (exclusive) end of the window.
        assert_eq!(
            code(fresh().install(&signed(1, 1, 3_500_000, &[]), &ks, F, t(3_600_000))),
            OfflineError::CodeKeyNotValid { key_id: 1, at: t(3_600_000) }
        );
        // Issued before the key's window (gate clock inside it): refused, at = issued_at.
        assert_eq!(
            code(fresh().install(&signed(2, 1, 1_799_999, &[]), &ks, F, t(2_000_000))),
            OfflineError::CodeKeyNotValid { key_id: 2, at: t(1_799_999) }
        );
        // Issued after now: up to MAX_LIST_ISSUE_SKEW_MS is clock skew, one more millisecond is not.
        let now = 2_000_000;
        assert!(fresh().install(&signed(2, 1, now + MAX_LIST_ISSUE_SKEW_MS, &[]), &ks, F, t(now)).is_ok());
        assert_eq!(
            code(fresh().install(&signed(2, 1, now + MAX_LIST_ISSUE_SKEW_MS + 1, &[]), &ks, F, t(now))),
            OfflineError::CodeKeyNotValid { key_id: 2, at: t(now + MAX_LIST_ISSUE_SKEW_MS + 1) }
        );
        // `Unchanged` only while the list still verifies: after key 1 retired it is an error.
        let mut s = fresh();
        let l1 = signed(1, 1, 1_000, &[]);
        assert!(s.install(&l1, &ks, F, t(1_000)).is_ok());
        assert_eq!(s.install(&l1, &ks, F, t(2_000)), Ok(InstallResult::Unchanged));
        assert_eq!(code(s.install(&l1, &ks, F, t(3_600_000))).code(), "CODE_KEY_NOT_VALID");
        assert_eq!(version(&s), Some(1));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// Windows as the rotation guidance says: each key starts inside its predecessor's window
        /// and ends after it.
        const WINDOWS: [(i64, i64); 3] = [(0, 2_000_000), (1_000_000, 20_000_000), (10_000_000, 100_000_000)];
        const LAST: i64 = 100_000_000 - MAX_LIST_ISSUE_SKEW_MS - 1;

        fn keys() -> KeySet {
            KeySet::new(WINDOWS.iter().enumerate().map(|(i, (f, u))| key(i as u32 + 1, i as u8 + 1, *f, *u)).collect())
                .unwrap()
        }

        /// The newest key valid at `now` (the issuer's current key).
        fn current_key(now: i64) -> u32 {
            (0..WINDOWS.len()).rev().find(|&i| WINDOWS[i].0 <= now && now < WINDOWS[i].1).unwrap() as u32 + 1
        }

        #[derive(Debug, Clone)]
        enum Version {
            Next(u64),
            Zero,
            Max,
            Initial,
            Below,
            Any(u64),
        }

        fn version_kind() -> impl Strategy<Value = Version> {
            prop_oneof![
                (1u64..=2 * MAX_VERSION_STEP).prop_map(Version::Next),
                Just(Version::Zero),
                Just(Version::Max),
                Just(Version::Initial),
                Just(Version::Below),
                any::<u64>().prop_map(Version::Any),
            ]
        }

        /// One offered list: clock advance, signing key (an attacker may hold any of them),
        /// version, issue time relative to the gate clock, or a replay of an earlier offer.
        fn offer() -> impl Strategy<Value = (i64, u32, Version, i64, bool, Option<usize>)> {
            (
                0i64..4_000_000,
                1u32..=3,
                version_kind(),
                -3_000_000i64..=2 * MAX_LIST_ISSUE_SKEW_MS,
                any::<bool>(),
                prop::option::weighted(0.2, 0usize..64),
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

            #[test]
            fn installed_version_is_monotonic_and_the_issuer_is_never_locked_out(
                offers in prop::collection::vec(offer(), 1..30)
            ) {
                let ks = keys();
                let mut s = RevocationStore::default();
                let mut now = 0i64;
                let mut sent: Vec<Vec<u8>> = Vec::new();
                for (dt, kid, v, offset, revoke, replay) in offers {
                    now = (now + dt).min(LAST);
                    let installed = version(&s);
                    let bytes = match replay.filter(|_| !sent.is_empty()) {
                        Some(i) => sent[i % sent.len()].clone(),
                        None => {
                            let base = installed.unwrap_or(0);
                            let ver = match v {
                                Version::Next(d) => base.saturating_add(d),
                                Version::Zero => 0,
                                Version::Max => u64::MAX,
                                Version::Initial => MAX_INITIAL_VERSION,
                                Version::Below => base.saturating_sub(1),
                                Version::Any(x) => x,
                            };
                            signed(kid, ver, (now + offset).max(0), if revoke { &[9] } else { &[] })
                        }
                    };
                    sent.push(bytes.clone());
                    let before = s.clone();
                    match s.install(&bytes, &ks, F, t(now)) {
                        Ok(InstallResult::Installed) => {
                            let (a, b) = (before.current.as_ref(), s.current.as_ref().unwrap());
                            if let Some(a) = a {
                                prop_assert!(b.list.version > a.list.version);
                                prop_assert!(b.list.version <= a.list.version + MAX_VERSION_STEP);
                                prop_assert!(b.list.issued_at >= a.list.issued_at);
                                prop_assert!(b.key_rank >= a.key_rank);
                            } else {
                                prop_assert!(b.list.version <= MAX_INITIAL_VERSION);
                            }
                            let k = &ks.keys[&b.list.key_id].0;
                            prop_assert!(k.is_valid_at(t(now)) && k.is_valid_at(b.list.issued_at));
                            prop_assert!(b.list.issued_at.millis_since(t(now)) <= MAX_LIST_ISSUE_SKEW_MS);
                        }
                        Ok(InstallResult::Unchanged) | Err(_) => prop_assert_eq!(&s, &before),
                    }
                    // The issuer's next list (version + 1, current key, dated now — or at the
                    // installed list's time if that was dated ahead within the skew) always installs.
                    let cur = s.current();
                    let next_version = cur.map_or(1, |l| l.version + 1);
                    let next_at = cur.map_or(now, |l| l.issued_at.millis_since(t(0)).max(now));
                    let mut probe = s.clone();
                    let legit = signed(current_key(now), next_version, next_at, &[9]);
                    prop_assert_eq!(probe.install(&legit, &ks, F, t(now)), Ok(InstallResult::Installed));
                    prop_assert_eq!(version(&probe), Some(next_version));
                }
            }
        }
    }
}
