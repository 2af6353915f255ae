//! [`FinalRecords`]: what the server remembers of every final accepted record, packed (device,
//! wallet and ticket ids interned), so a festival's millions of records fit in little memory.

use super::reconcile::AcceptedRecord;
use super::record::{Direction, RecordKind};
use crate::Timestamp;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

const NONE: u32 = u32::MAX;
const VOIDED: u8 = 1;
const OUT: u8 = 2;

/// One final record: indexes into the id table instead of three UUIDs (16 bytes instead of 56).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed {
    device: u32,
    wallet: u32,
    ticket: u32,
    kind: RecordKind,
    flags: u8,
}

/// Final accepted records by record id: for refunds and voids of final records and for record-id
/// uniqueness (see [`AcceptedRecord`]). Reads and writes [`AcceptedRecord`]s; stores them packed
/// (about 32 bytes per record plus the tree). Serialized as the map it replaces:
/// `{"<record id>": {"device_id": ..., "kind": ..., ...}}`.
///
/// ```
/// use festival_core::offline::reconcile::{AcceptedRecord, FinalRecords};
/// use festival_core::offline::record::RecordKind;
/// use uuid::Uuid;
/// let mut finals = FinalRecords::default();
/// let pay = AcceptedRecord { device_id: Uuid::from_u128(1), kind: RecordKind::Payment, zone_id: None, entry_at: None,
///     wallet_id: Some(Uuid::from_u128(2)), scan: None, voided: false };
/// finals.insert(Uuid::from_u128(10), pay.clone());
/// assert_eq!(finals.get(&Uuid::from_u128(10)), Some(pay));
/// finals.set_voided(&Uuid::from_u128(10));
/// assert!(finals.get(&Uuid::from_u128(10)).is_some_and(|r| r.voided));
/// ```
#[derive(Clone, Default)]
pub struct FinalRecords {
    records: BTreeMap<Uuid, Packed>,
    /// Zone (interned) and entry time of final scan facts, by record id (only those have them).
    scan_facts: BTreeMap<Uuid, (u32, Option<Timestamp>)>,
    /// Interned device / wallet / ticket ids.
    ids: Vec<Uuid>,
    index: HashMap<Uuid, u32>,
}

impl FinalRecords {
    fn intern(&mut self, id: Uuid) -> u32 {
        if let Some(i) = self.index.get(&id) {
            return *i;
        }
        // More than 4 billion distinct devices, wallets and tickets cannot be reached in memory.
        let i = u32::try_from(self.ids.len()).unwrap_or(NONE - 1);
        self.ids.push(id);
        self.index.insert(id, i);
        i
    }

    fn id(&self, i: u32) -> Option<Uuid> {
        if i == NONE {
            return None;
        }
        self.ids.get(i as usize).copied()
    }

    fn unpack(&self, id: &Uuid, p: &Packed) -> AcceptedRecord {
        let direction = if p.flags & OUT != 0 { Direction::Out } else { Direction::In };
        let (zone, entry_at) = self.scan_facts.get(id).copied().unwrap_or((NONE, None));
        AcceptedRecord {
            zone_id: self.id(zone),
            entry_at,
            device_id: self.id(p.device).unwrap_or_default(),
            kind: p.kind,
            wallet_id: self.id(p.wallet),
            scan: self.id(p.ticket).map(|t| (t, direction)),
            voided: p.flags & VOIDED != 0,
        }
    }

    /// The final record with this id.
    pub fn get(&self, id: &Uuid) -> Option<AcceptedRecord> {
        self.records.get(id).map(|p| self.unpack(id, p))
    }

    /// Whether a final accepted record has this id.
    pub fn contains_key(&self, id: &Uuid) -> bool {
        self.records.contains_key(id)
    }

    /// Records (or replaces) the final record `id`.
    pub fn insert(&mut self, id: Uuid, r: AcceptedRecord) {
        let device = self.intern(r.device_id);
        let wallet = r.wallet_id.map_or(NONE, |w| self.intern(w));
        let (ticket, out) = r.scan.map_or((NONE, false), |(t, d)| (self.intern(t), d == Direction::Out));
        let flags = if r.voided { VOIDED } else { 0 } | if out { OUT } else { 0 };
        self.records.insert(id, Packed { device, wallet, ticket, kind: r.kind, flags });
        if r.zone_id.is_some() || r.entry_at.is_some() {
            let zone = r.zone_id.map_or(NONE, |z| self.intern(z));
            self.scan_facts.insert(id, (zone, r.entry_at));
        } else {
            self.scan_facts.remove(&id);
        }
    }

    /// Marks the final record `id` as cancelled by a void (nothing if there is none).
    pub fn set_voided(&mut self, id: &Uuid) {
        if let Some(p) = self.records.get_mut(id) {
            p.flags |= VOIDED;
        }
    }

    /// Number of final accepted records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Every final record, by record id.
    pub fn iter(&self) -> impl Iterator<Item = (Uuid, AcceptedRecord)> + '_ {
        self.records.iter().map(|(id, p)| (*id, self.unpack(id, p)))
    }
}

impl PartialEq for FinalRecords {
    /// Equal when they hold the same records (whatever order the ids were interned in).
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for FinalRecords {}

impl std::fmt::Debug for FinalRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl FromIterator<(Uuid, AcceptedRecord)> for FinalRecords {
    fn from_iter<I: IntoIterator<Item = (Uuid, AcceptedRecord)>>(iter: I) -> Self {
        let mut f = FinalRecords::default();
        for (id, r) in iter {
            f.insert(id, r);
        }
        f
    }
}

impl Serialize for FinalRecords {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.len()))?;
        for (id, r) in self.iter() {
            m.serialize_entry(&id, &r)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for FinalRecords {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FinalRecords;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of record ids to accepted records")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FinalRecords, A::Error> {
                let mut f = FinalRecords::default();
                while let Some((id, r)) = map.next_entry::<Uuid, AcceptedRecord>()? {
                    f.insert(id, r);
                }
                Ok(f)
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(n: u128, kind: RecordKind) -> AcceptedRecord {
        let u = Uuid::from_u128;
        match kind {
            RecordKind::Scan => AcceptedRecord {
                device_id: u(n % 3),
                kind,
                wallet_id: None,
                scan: Some((u(100 + n % 5), if n % 2 == 0 { Direction::In } else { Direction::Out })),
                voided: n % 4 == 0,
                // Every third scan is a scan fact (zone; an entry also has its time).
                zone_id: (n % 3 == 0).then(|| u(0x21 + n % 2)),
                entry_at: (n % 6 == 0).then(|| Timestamp::from_unix_millis(1_783_180_800_000 + n as i64).unwrap()),
            },
            RecordKind::Void => AcceptedRecord {
                device_id: u(n % 3),
                kind,
                wallet_id: None,
                scan: None,
                voided: false,
                zone_id: None,
                entry_at: None,
            },
            _ => AcceptedRecord {
                device_id: u(n % 3),
                kind,
                wallet_id: Some(u(200 + n % 7)),
                scan: None,
                voided: n % 3 == 0,
                zone_id: None,
                entry_at: None,
            },
        }
    }

    #[test]
    fn round_trips_every_shape_like_the_map_it_replaces() {
        let kinds = [RecordKind::Payment, RecordKind::TopUp, RecordKind::Refund, RecordKind::Scan, RecordKind::Void];
        let mut m = BTreeMap::new();
        let mut f = FinalRecords::default();
        for n in 0..60u128 {
            let r = rec(n, kinds[(n % 5) as usize]);
            m.insert(Uuid::from_u128(1000 + n), r.clone());
            f.insert(Uuid::from_u128(1000 + n), r);
        }
        // A record with both a wallet and a scan (not produced, but representable) survives too.
        let odd = AcceptedRecord { scan: Some((Uuid::from_u128(7), Direction::Out)), ..rec(1, RecordKind::Payment) };
        m.insert(Uuid::from_u128(5), odd.clone());
        f.insert(Uuid::from_u128(5), odd);
        assert_eq!(f.iter().collect::<Vec<_>>(), m.clone().into_iter().collect::<Vec<_>>());
        assert_eq!(serde_json::to_value(&f).unwrap(), serde_json::to_value(&m).unwrap());
        let back: FinalRecords = serde_json::from_value(serde_json::to_value(&m).unwrap()).unwrap();
        assert_eq!(back, f);
        // Interned in another order: still equal.
        let reversed: FinalRecords = m.clone().into_iter().rev().collect();
        assert_eq!(reversed, f);
        f.set_voided(&Uuid::from_u128(1001));
        assert!(f.get(&Uuid::from_u128(1001)).is_some_and(|r| r.voided));
        assert_ne!(reversed, f);
    }
}
