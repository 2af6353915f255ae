//! [`ChainHistory`]: the hash of every record that extended a device's chain, by sequence, in
//! runs of consecutive sequences (32 bytes per record instead of a tree node per record).

use super::record::Digest;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// The largest hole (sequences without a hash, e.g. declared lost) kept inside a run; a longer one
/// starts a new run, so memory stays proportional to the number of hashes whatever the sequences.
const MAX_HOLE: u64 = 64;

/// The hash of every record that extended a device's chain, by sequence: how the server tells a
/// replay (same hash at a chained sequence: duplicate) from a fork (another hash: rejected).
///
/// Kept as runs of consecutive sequences (a device's sequences are consecutive except where an
/// operator declared some lost), so it costs 32 bytes per record. Serialized exactly like the map
/// it replaces: `{"<sequence>": "<hex digest>", ...}`.
///
/// ```
/// use festival_core::offline::chain::ChainHistory;
/// use festival_core::offline::record::Digest;
/// let mut h = ChainHistory::default();
/// h.insert(1, Digest([1; 32]));
/// h.insert(2, Digest([2; 32]));
/// h.insert(500, Digest([5; 32])); // after a declared-lost range
/// assert_eq!(h.get(2), Some(Digest([2; 32])));
/// assert_eq!(h.get(3), None);
/// assert_eq!(h.len(), 3);
/// assert_eq!(serde_json::to_value(&h)?["500"], "05".repeat(32));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChainHistory {
    /// (first sequence, hashes of it and the following sequences; all-zero = none), ascending
    /// and not overlapping.
    runs: Vec<(u64, Vec<Digest>)>,
    len: usize,
}

const NONE: Digest = Digest([0; 32]);

impl ChainHistory {
    /// The hash recorded at `sequence`.
    pub fn get(&self, sequence: u64) -> Option<Digest> {
        let i = self.runs.partition_point(|(start, _)| *start <= sequence).checked_sub(1)?;
        let (start, run) = self.runs.get(i)?;
        let d = *run.get(usize::try_from(sequence - start).ok()?)?;
        (d != NONE).then_some(d)
    }

    /// Records `hash` at `sequence` (replacing what was there).
    pub fn insert(&mut self, sequence: u64, hash: Digest) {
        if hash == NONE {
            return; // not a SHA-256 output anyone can produce; means "none" here
        }
        if let Some((start, run)) = self.runs.last_mut() {
            let end = start.saturating_add(run.len() as u64); // next sequence after the run
            if sequence >= end && sequence - end <= MAX_HOLE {
                let want = (sequence - *start) as usize + 1;
                if want > run.capacity() {
                    // Grow by a quarter, not the default doubling: a device's history is long-lived
                    // state, and doubling leaves a third of it unused on average.
                    run.reserve_exact((want - run.len()).max(run.len() / 4).max(16));
                }
                run.resize(want - 1, NONE);
                run.push(hash);
                self.len += 1;
                return;
            }
        }
        let after_all =
            self.runs.last().map_or(true, |(start, run)| sequence >= start.saturating_add(run.len() as u64));
        if after_all {
            self.runs.push((sequence, vec![hash]));
            self.len += 1;
            return;
        }
        // Inside or before existing runs (only when reading an unusual map): place it exactly.
        let i = self.runs.partition_point(|(start, _)| *start <= sequence);
        if let Some((start, run)) = i.checked_sub(1).and_then(|j| self.runs.get_mut(j)) {
            if let Some(slot) = usize::try_from(sequence - *start).ok().and_then(|k| run.get_mut(k)) {
                if *slot == NONE {
                    self.len += 1;
                }
                *slot = hash;
                return;
            }
        }
        self.runs.insert(i, (sequence, vec![hash]));
        self.len += 1;
    }

    /// How many sequences have a hash.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no sequence has a hash.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// (sequence, hash) in ascending sequence order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, Digest)> + '_ {
        self.runs.iter().flat_map(|(start, run)| {
            run.iter().enumerate().filter(|(_, d)| **d != NONE).map(move |(k, d)| (start + k as u64, *d))
        })
    }
}

impl<'a> IntoIterator for &'a ChainHistory {
    type Item = (u64, Digest);
    type IntoIter = Box<dyn Iterator<Item = (u64, Digest)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl FromIterator<(u64, Digest)> for ChainHistory {
    fn from_iter<I: IntoIterator<Item = (u64, Digest)>>(iter: I) -> Self {
        let mut h = ChainHistory::default();
        for (s, d) in iter {
            h.insert(s, d);
        }
        h
    }
}

impl From<BTreeMap<u64, Digest>> for ChainHistory {
    fn from(m: BTreeMap<u64, Digest>) -> Self {
        m.into_iter().collect()
    }
}

impl Serialize for ChainHistory {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.len))?;
        for (seq, d) in self.iter() {
            m.serialize_entry(&seq.to_string(), &d)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for ChainHistory {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ChainHistory;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of sequence numbers to hex digests")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ChainHistory, A::Error> {
                let mut h = ChainHistory::default();
                while let Some((k, v)) = map.next_entry::<String, Digest>()? {
                    let seq: u64 =
                        k.parse().map_err(|_| serde::de::Error::custom(format!("sequence '{k}' is not a number")))?;
                    h.insert(seq, v);
                }
                Ok(h)
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: u8) -> Digest {
        Digest([n; 32])
    }

    #[test]
    fn behaves_like_the_map_it_replaces() {
        // Any insertion order and any sequences: the same lookups and the same JSON as a BTreeMap.
        let seqs: Vec<u64> = vec![1, 2, 3, 5, 70, 71, 300, 299, 4, 1_000_000, u64::MAX, 0, 200];
        let mut h = ChainHistory::default();
        let mut m = BTreeMap::new();
        for (i, s) in seqs.iter().enumerate() {
            let v = d(i as u8 + 1);
            h.insert(*s, v);
            m.insert(*s, v);
            for probe in [0, 1, 2, 3, 4, 5, 6, 69, 70, 71, 72, 199, 200, 299, 300, 301, 1_000_000, u64::MAX] {
                assert_eq!(h.get(probe), m.get(&probe).copied(), "probe {probe} after inserting {s}");
            }
            assert_eq!(h.len(), m.len());
        }
        assert_eq!(h.iter().collect::<Vec<_>>(), m.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>());
        assert_eq!(serde_json::to_value(&h).unwrap(), serde_json::to_value(&m).unwrap());
        let back: ChainHistory = serde_json::from_value(serde_json::to_value(&m).unwrap()).unwrap();
        assert_eq!(back.iter().collect::<Vec<_>>(), h.iter().collect::<Vec<_>>());
        // Replacing keeps the count.
        h.insert(3, d(99));
        assert_eq!((h.get(3), h.len()), (Some(d(99)), m.len()));
    }

    #[test]
    fn memory_follows_the_hashes_not_the_sequence_numbers() {
        let mut h = ChainHistory::default();
        h.insert(1, d(1));
        h.insert(u64::MAX - 1, d(2));
        assert_eq!(h.runs.iter().map(|(_, r)| r.len()).sum::<usize>(), 2);
        assert!(serde_json::from_str::<ChainHistory>(r#"{"x": "00"}"#).is_err());
    }
}
