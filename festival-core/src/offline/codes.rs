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
//! [`RevocationStore`] only ever moves to a newer version, and tells a gate when its list is
//! older than the allowed staleness (`CODE_REVOCATION_LIST_STALE`).
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

    /// Looks a key up and checks signature, festival and validity at `at`.
    fn check(
        &self,
        key_id: u32,
        festival_id: Uuid,
        message: &[u8],
        signature: &[u8; 64],
        at: Timestamp,
    ) -> Result<(), OfflineError> {
        let (key, strict) = self.keys.get(&key_id).ok_or(OfflineError::CodeUnknownKey { key_id })?;
        strict.verify(message, signature).map_err(|_| OfflineError::CodeBadSignature {})?;
        if key.festival_id != festival_id {
            return Err(OfflineError::CodeWrongFestival { expected: festival_id, actual: key.festival_id });
        }
        if at < key.valid_from || at >= key.valid_until {
            return Err(OfflineError::CodeKeyNotValid { key_id, at });
        }
        Ok(())
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

    /// Decodes and verifies signed list bytes against `keys` for `festival_id` (key valid at the
    /// list's issue time).
    pub fn verify(bytes: &[u8], keys: &KeySet, festival_id: Uuid) -> Result<RevocationList, OfflineError> {
        let (list, sig) = Self::decode(bytes)?;
        let body = list.encode()?;
        keys.check(list.key_id, festival_id, &signing_input(REVOCATION_LIST_DOMAIN, &body), &sig, list.issued_at)?;
        if list.festival_id != festival_id {
            return Err(OfflineError::CodeWrongFestival { expected: festival_id, actual: list.festival_id });
        }
        Ok(list)
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

/// The gate's current revocation list; only ever moves forward.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RevocationStore {
    current: Option<(RevocationList, Vec<u8>)>,
}

impl RevocationStore {
    /// Verifies and installs signed list bytes. A list with a version not above the installed
    /// one is refused (`CODE_REVOCATION_LIST_OUTDATED`) unless it is byte-identical (`Unchanged`).
    /// `now` is only used to refuse lists issued in the future (`CODE_KEY_NOT_VALID`).
    pub fn install(
        &mut self,
        bytes: &[u8],
        keys: &KeySet,
        festival_id: Uuid,
        now: Timestamp,
    ) -> Result<InstallResult, OfflineError> {
        let list = RevocationList::verify(bytes, keys, festival_id)?;
        if list.issued_at > now {
            return Err(OfflineError::CodeKeyNotValid { key_id: list.key_id, at: list.issued_at });
        }
        if let Some((cur, cur_bytes)) = &self.current {
            if cur_bytes.as_slice() == bytes {
                return Ok(InstallResult::Unchanged);
            }
            if list.version <= cur.version {
                return Err(OfflineError::RevocationListOutdated {
                    offered: list.version.to_string(),
                    installed: cur.version.to_string(),
                });
            }
        }
        self.current = Some((list, bytes.to_vec()));
        Ok(InstallResult::Installed)
    }

    /// The installed list, if any.
    pub fn current(&self) -> Option<&RevocationList> {
        self.current.as_ref().map(|(l, _)| l)
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
}
