//! NFC wristbands: tag UID ↔ wallet links.
//!
//! Rules: a wallet has at most one active tag; a tag that was ever linked is bound to that wallet
//! forever (it can never be linked to another wallet); a lost tag is blocked forever; replacing a
//! lost tag links a fresh tag to the same wallet, and since balances live in the wallet, the
//! balance follows the new tag.

use super::error::WalletError;
use crate::interop::{hex_decode, hex_encode};
use crate::time::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// An NFC tag UID: 4, 7 or 10 bytes (ISO 14443 single, double, triple size). Serialized as
/// lowercase hex; parsing accepts either case.
///
/// ```
/// use festival_core::wallet::TagUid;
/// let uid: TagUid = "04A1B2C3D4E5F6".parse()?;
/// assert_eq!(uid.to_string(), "04a1b2c3d4e5f6");
/// assert_eq!(uid.as_bytes().len(), 7);
/// assert!("04a1b2".parse::<TagUid>().is_err());
/// # Ok::<(), festival_core::wallet::WalletError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TagUid(Vec<u8>);

impl TagUid {
    /// From raw bytes; errors with `TAG_INVALID_UID` unless there are 4, 7 or 10.
    pub fn from_bytes(bytes: &[u8]) -> Result<TagUid, WalletError> {
        if matches!(bytes.len(), 4 | 7 | 10) {
            Ok(TagUid(bytes.to_vec()))
        } else {
            Err(WalletError::TagInvalidUid {
                uid: hex_encode(bytes.get(..bytes.len().min(16)).unwrap_or_default()),
                reason: format!("a UID has 4, 7 or 10 bytes, got {}", bytes.len()),
            })
        }
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for TagUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex_encode(&self.0))
    }
}

impl FromStr for TagUid {
    type Err = WalletError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let shown: String = s.chars().take(40).collect();
        if s.len() > 40 {
            return Err(WalletError::TagInvalidUid { uid: shown, reason: "too long".into() });
        }
        let bytes = hex_decode("uid", s).map_err(|e| WalletError::TagInvalidUid {
            uid: shown.clone(),
            reason: match e {
                crate::error::InputError::Invalid { reason, .. } => reason,
                other => other.to_string(),
            },
        })?;
        TagUid::from_bytes(&bytes).map_err(|e| match e {
            WalletError::TagInvalidUid { reason, .. } => WalletError::TagInvalidUid { uid: shown, reason },
            other => other,
        })
    }
}

impl Serialize for TagUid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TagUid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// State of a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagStatus {
    /// Linked and usable.
    Active,
    /// Reported lost: blocked forever.
    Lost,
}

/// One tag's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagRecord {
    /// The tag.
    pub uid: TagUid,
    /// The wallet it is (or was) linked to; never changes.
    pub wallet_id: Uuid,
    /// Active or lost.
    pub status: TagStatus,
    /// When it was linked.
    pub linked_at: Timestamp,
    /// When it was reported lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_at: Option<Timestamp>,
    /// The tag that replaced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<TagUid>,
}

/// Tag UID ↔ wallet links. Serialized as the list of tag records; reading it rebuilds and checks
/// the wallet index (at most one active tag per wallet).
///
/// ```
/// use festival_core::wallet::{TagRegistry, TagUid};
/// use festival_core::{ErrorCode, Timestamp};
/// use uuid::Uuid;
///
/// let (alice, bob) = (Uuid::from_u128(1), Uuid::from_u128(2));
/// let t: Timestamp = "2026-07-04T12:00:00Z".parse()?;
/// let mut tags = TagRegistry::new();
/// let old: TagUid = "04a1b2c3".parse()?;
/// let new: TagUid = "04a1b2c3d4e5f6".parse()?;
/// tags.link(&old, alice, t)?;
/// assert_eq!(tags.lookup(&old)?, alice);
/// tags.replace(&old, &new, t)?;                     // the lost wristband is blocked forever
/// assert_eq!(tags.lookup(&new)?, alice);           // the balance follows the wallet
/// assert_eq!(tags.lookup(&old).unwrap_err().code(), "TAG_LOST");
/// assert_eq!(tags.link(&old, bob, t).unwrap_err().code(), "TAG_ALREADY_USED");
/// # Ok::<(), festival_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagRegistry {
    tags: BTreeMap<TagUid, TagRecord>,
    active_by_wallet: HashMap<Uuid, TagUid>,
}

impl TagRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        TagRegistry::default()
    }

    /// Links `uid` to `wallet_id`. Linking an active tag again to the same wallet is a no-op.
    /// Errors: `TAG_ALREADY_USED` if the tag was ever linked to another wallet, `TAG_LOST` if it
    /// was reported lost, `TAG_WALLET_ALREADY_LINKED` if the wallet has another active tag.
    pub fn link(&mut self, uid: &TagUid, wallet_id: Uuid, at: Timestamp) -> Result<&TagRecord, WalletError> {
        self.check_linkable(uid, wallet_id)?;
        if !self.tags.contains_key(uid) {
            self.tags.insert(
                uid.clone(),
                TagRecord {
                    uid: uid.clone(),
                    wallet_id,
                    status: TagStatus::Active,
                    linked_at: at,
                    lost_at: None,
                    replaced_by: None,
                },
            );
            self.active_by_wallet.insert(wallet_id, uid.clone());
        }
        self.tags.get(uid).ok_or_else(|| WalletError::TagUnknown { uid: uid.to_string() })
    }

    fn check_linkable(&self, uid: &TagUid, wallet_id: Uuid) -> Result<(), WalletError> {
        if let Some(r) = self.tags.get(uid) {
            if r.wallet_id != wallet_id {
                return Err(WalletError::TagAlreadyUsed { uid: uid.to_string(), wallet_id: r.wallet_id.to_string() });
            }
            if r.status == TagStatus::Lost {
                return Err(WalletError::TagLost { uid: uid.to_string(), wallet_id: r.wallet_id.to_string() });
            }
            return Ok(());
        }
        if let Some(active) = self.active_by_wallet.get(&wallet_id) {
            return Err(WalletError::TagWalletAlreadyLinked {
                wallet_id: wallet_id.to_string(),
                uid: active.to_string(),
            });
        }
        Ok(())
    }

    /// Reports `uid` lost: it is blocked forever and its wallet has no active tag until a
    /// replacement is linked. Reporting a lost tag again is a no-op.
    pub fn report_lost(&mut self, uid: &TagUid, at: Timestamp) -> Result<&TagRecord, WalletError> {
        let r = self.tags.get_mut(uid).ok_or_else(|| WalletError::TagUnknown { uid: uid.to_string() })?;
        if r.status == TagStatus::Active {
            r.status = TagStatus::Lost;
            r.lost_at = Some(at);
            if self.active_by_wallet.get(&r.wallet_id) == Some(uid) {
                self.active_by_wallet.remove(&r.wallet_id);
            }
        }
        Ok(r)
    }

    /// Replaces `old` (reported lost now if it is still active) by the never-used tag `new`,
    /// linked to the same wallet. Checks everything before changing anything. Returns the new
    /// tag's record.
    pub fn replace(&mut self, old: &TagUid, new: &TagUid, at: Timestamp) -> Result<&TagRecord, WalletError> {
        let old_rec = self.tags.get(old).ok_or_else(|| WalletError::TagUnknown { uid: old.to_string() })?;
        let wallet_id = old_rec.wallet_id;
        if let Some(r) = self.tags.get(new) {
            return Err(if r.status == TagStatus::Lost {
                WalletError::TagLost { uid: new.to_string(), wallet_id: r.wallet_id.to_string() }
            } else {
                WalletError::TagAlreadyUsed { uid: new.to_string(), wallet_id: r.wallet_id.to_string() }
            });
        }
        if let Some(active) = self.active_by_wallet.get(&wallet_id) {
            if active != old {
                return Err(WalletError::TagWalletAlreadyLinked {
                    wallet_id: wallet_id.to_string(),
                    uid: active.to_string(),
                });
            }
        }
        self.report_lost(old, at)?;
        if let Some(r) = self.tags.get_mut(old) {
            r.replaced_by = Some(new.clone());
        }
        self.link(new, wallet_id, at)
    }

    /// The wallet of an active tag. Errors: `TAG_UNKNOWN`, `TAG_LOST`.
    pub fn lookup(&self, uid: &TagUid) -> Result<Uuid, WalletError> {
        let r = self.tags.get(uid).ok_or_else(|| WalletError::TagUnknown { uid: uid.to_string() })?;
        match r.status {
            TagStatus::Active => Ok(r.wallet_id),
            TagStatus::Lost => Err(WalletError::TagLost { uid: uid.to_string(), wallet_id: r.wallet_id.to_string() }),
        }
    }

    /// The record of a tag (active or lost).
    pub fn record(&self, uid: &TagUid) -> Option<&TagRecord> {
        self.tags.get(uid)
    }

    /// The active tag of a wallet.
    pub fn active_tag(&self, wallet_id: Uuid) -> Option<&TagUid> {
        self.active_by_wallet.get(&wallet_id)
    }

    /// Every tag record, ordered by UID.
    pub fn records(&self) -> impl Iterator<Item = &TagRecord> {
        self.tags.values()
    }

    /// Rebuilds a registry from records, checking that UIDs are unique and that no wallet has
    /// two active tags.
    pub fn from_records(records: Vec<TagRecord>) -> Result<TagRegistry, WalletError> {
        let mut reg = TagRegistry::new();
        for r in records {
            if let Some(prev) = reg.tags.get(&r.uid) {
                return Err(WalletError::TagAlreadyUsed {
                    uid: r.uid.to_string(),
                    wallet_id: prev.wallet_id.to_string(),
                });
            }
            if r.status == TagStatus::Active {
                if let Some(active) = reg.active_by_wallet.get(&r.wallet_id) {
                    return Err(WalletError::TagWalletAlreadyLinked {
                        wallet_id: r.wallet_id.to_string(),
                        uid: active.to_string(),
                    });
                }
                reg.active_by_wallet.insert(r.wallet_id, r.uid.clone());
            }
            reg.tags.insert(r.uid.clone(), r);
        }
        Ok(reg)
    }
}

impl Serialize for TagRegistry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.tags.values())
    }
}

impl<'de> Deserialize<'de> for TagRegistry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let records = Vec::<TagRecord>::deserialize(d)?;
        TagRegistry::from_records(records).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn t() -> Timestamp {
        "2026-07-04T12:00:00Z".parse().unwrap()
    }

    fn uid(s: &str) -> TagUid {
        s.parse().unwrap()
    }

    #[test]
    fn uid_lengths_and_hex() {
        for ok in ["01020304", "01020304050607", "0102030405060708090a", "ABCDEF01"] {
            assert!(ok.parse::<TagUid>().is_ok(), "{ok}");
        }
        for bad in ["", "010203", "0102030405", "0102030g", "010203040", &"00".repeat(30)] {
            assert_eq!(bad.parse::<TagUid>().unwrap_err().code(), "TAG_INVALID_UID", "{bad}");
        }
        assert_eq!(serde_json::to_string(&uid("ABCDEF01")).unwrap(), "\"abcdef01\"");
        assert!(serde_json::from_str::<TagUid>("\"abc\"").is_err());
    }

    #[test]
    fn link_rules() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut reg = TagRegistry::new();
        reg.link(&uid("01020304"), a, t()).unwrap();
        // Same tag, same wallet: no-op.
        reg.link(&uid("01020304"), a, t()).unwrap();
        assert_eq!(reg.link(&uid("01020304"), b, t()).unwrap_err().code(), "TAG_ALREADY_USED");
        assert_eq!(reg.link(&uid("0a0b0c0d"), a, t()).unwrap_err().code(), "TAG_WALLET_ALREADY_LINKED");
        assert_eq!(reg.lookup(&uid("0a0b0c0d")).unwrap_err().code(), "TAG_UNKNOWN");
        assert_eq!(reg.report_lost(&uid("0a0b0c0d"), t()).unwrap_err().code(), "TAG_UNKNOWN");
    }

    #[test]
    fn lost_tag_is_blocked_forever_and_replacement_follows_wallet() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut reg = TagRegistry::new();
        reg.link(&uid("01020304"), a, t()).unwrap();
        reg.link(&uid("11121314"), b, t()).unwrap();
        reg.report_lost(&uid("01020304"), t()).unwrap();
        assert_eq!(reg.lookup(&uid("01020304")).unwrap_err().code(), "TAG_LOST");
        assert_eq!(reg.link(&uid("01020304"), a, t()).unwrap_err().code(), "TAG_LOST");
        assert_eq!(reg.active_tag(a), None);
        // Replacing with a tag used elsewhere fails and changes nothing.
        assert_eq!(reg.replace(&uid("01020304"), &uid("11121314"), t()).unwrap_err().code(), "TAG_ALREADY_USED");
        reg.replace(&uid("01020304"), &uid("21222324"), t()).unwrap();
        assert_eq!(reg.lookup(&uid("21222324")).unwrap(), a);
        assert_eq!(reg.record(&uid("01020304")).unwrap().replaced_by, Some(uid("21222324")));
        // Replacing the old lost tag again: the wallet already has its new active tag.
        assert_eq!(
            reg.replace(&uid("01020304"), &uid("31323334"), t()).unwrap_err().code(),
            "TAG_WALLET_ALREADY_LINKED"
        );
        // Replace an active tag directly: it becomes lost.
        reg.replace(&uid("11121314"), &uid("41424344"), t()).unwrap();
        assert_eq!(reg.lookup(&uid("11121314")).unwrap_err().code(), "TAG_LOST");
        assert_eq!(reg.lookup(&uid("41424344")).unwrap(), b);
        // Serde round trip keeps the rules.
        let json = serde_json::to_string(&reg).unwrap();
        let back: TagRegistry = serde_json::from_str(&json).unwrap();
        assert_eq!(back, reg);
    }

    #[test]
    fn deserializing_rejects_two_active_tags_per_wallet() {
        let rec = |u: &str| TagRecord {
            uid: uid(u),
            wallet_id: Uuid::from_u128(1),
            status: TagStatus::Active,
            linked_at: t(),
            lost_at: None,
            replaced_by: None,
        };
        let err = TagRegistry::from_records(vec![rec("01020304"), rec("05060708")]).unwrap_err();
        assert_eq!(err.code(), "TAG_WALLET_ALREADY_LINKED");
    }
}
