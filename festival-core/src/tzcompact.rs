//! Time zones from a compact table (`tzdata.bin`), for builds without the `chrono-tz` feature.
//!
//! `chrono-tz` compiles the IANA database into Rust tables of ~0.9 MB (every span carries its
//! abbreviation and its standard/DST split), about a third of the wasm package once gzipped.
//! Calendars only need each zone's transition instants and total UTC offsets, so
//! `scripts/gen_tzdata.py` extracts exactly those from chrono-tz's own tables (same tzdb version,
//! every span kept, none merged) into `tzdata.bin` (~200 KB, ~26 KB gzipped), and [`Tz`] answers
//! with a line-by-line port of chrono-tz's lookup (`timezone_impl.rs`: the same spans, the same
//! binary search, the same ambiguity rules). The tests below compare it with chrono-tz for every
//! zone at every transition; `calendar`'s tests run on either implementation.
//!
//! Layout of the file: see `scripts/gen_tzdata.py`.

use chrono::{FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

const DATA: &[u8] = include_bytes!("tzdata.bin");

/// The IANA tzdb version the table was generated from (`gen_tzdata.py` writes both files).
pub(crate) const TZDB_VERSION: &str = include_str!("tzdata.version");

/// Start of the counts (after `FCTZ1` and the length-prefixed version).
const COUNTS: usize = 6 + DATA[5] as usize;
const NAMES: usize = u16::from_le_bytes([DATA[COUNTS], DATA[COUNTS + 1]]) as usize;
const ZONES: usize = u16::from_le_bytes([DATA[COUNTS + 2], DATA[COUNTS + 3]]) as usize;
/// The name index table: `NAMES` entries of (u32 offset, u8 length, u16 zone).
const NAME_INDEX: usize = COUNTS + 6;
const NAME_ENTRY: usize = 7;
const NAME_BLOB: usize = NAME_INDEX + NAMES * NAME_ENTRY;

fn u8_at(i: usize) -> u8 {
    DATA.get(i).copied().unwrap_or(0)
}

fn u16_at(i: usize) -> u16 {
    u16::from_le_bytes([u8_at(i), u8_at(i + 1)])
}

fn u32_at(i: usize) -> u32 {
    u32::from_le_bytes([u8_at(i), u8_at(i + 1), u8_at(i + 2), u8_at(i + 3)])
}

fn i64_at(i: usize) -> i64 {
    (u64::from(u32_at(i)) | (u64::from(u32_at(i + 4)) << 32)) as i64
}

/// The zone index table: right after the name blob (whose end is the last name's end).
fn zone_index() -> usize {
    let last = NAME_INDEX + (NAMES - 1) * NAME_ENTRY;
    NAME_BLOB + u32_at(last) as usize + usize::from(u8_at(last + 4))
}

/// An IANA time zone (an index into the name table of `tzdata.bin`; links have their own name
/// and share their target's spans). Drop-in for the `chrono_tz::Tz` operations calendars use.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Tz(u16);

/// `Tz::from_str` of an unknown name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ParseError;

impl Tz {
    /// `UTC`.
    pub(crate) const UTC: Tz = Tz(u16::from_le_bytes([DATA[COUNTS + 4], DATA[COUNTS + 5]]));

    /// The zone's IANA name, exactly as chrono-tz spells it.
    pub(crate) fn name(self) -> &'static str {
        std::str::from_utf8(self.name_bytes()).unwrap_or("UTC")
    }

    fn name_bytes(self) -> &'static [u8] {
        let e = NAME_INDEX + usize::from(self.0) * NAME_ENTRY;
        let start = NAME_BLOB + u32_at(e) as usize;
        DATA.get(start..start + usize::from(u8_at(e + 4))).unwrap_or(&[])
    }

    /// The spans of this zone (chrono-tz's `FixedTimespanSet`, total offsets only).
    fn spans(self) -> Spans {
        let zone = u16_at(NAME_INDEX + usize::from(self.0) * NAME_ENTRY + 5);
        let index = zone_index();
        let mut at = index + ZONES * 4 + u32_at(index + usize::from(zone) * 4) as usize;
        let offsets = at + 1;
        at = offsets + 4 * usize::from(u8_at(at));
        let first = i32_from(u32_at(offsets + 4 * usize::from(u8_at(at))));
        let n = usize::from(u16_at(at + 1));
        let t0 = i64_at(at + 3);
        let kinds = at + 11;
        Spans { offsets, first, n, t0, kinds, deltas: kinds + n }
    }
}

fn i32_from(u: u32) -> i32 {
    u as i32
}

impl FromStr for Tz {
    type Err = ParseError;
    /// Exact spelling only, like chrono-tz without its `case-insensitive` feature.
    fn from_str(s: &str) -> Result<Tz, ParseError> {
        // The names are sorted bytewise (gen_tzdata.py checks it, as chrono-tz generates them).
        let (mut lo, mut hi) = (0, NAMES as u16);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match Tz(mid).name_bytes().cmp(s.as_bytes()) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Ok(Tz(mid)),
            }
        }
        Err(ParseError)
    }
}

impl fmt::Debug for Tz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Tz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One zone's spans: span 0 (offset `first`) until the first transition `t0`, then span `i`
/// (1..=n) from transition `i - 1` on, with the offset `offsets[kinds[i - 1]]`.
struct Spans {
    offsets: usize,
    first: i32,
    n: usize,
    t0: i64,
    kinds: usize,
    deltas: usize,
}

impl Spans {
    fn len(&self) -> usize {
        1 + self.n
    }

    /// Total UTC offset (seconds) of span `i` (chrono-tz's `get(i)`).
    fn get(&self, i: usize) -> i32 {
        if i == 0 {
            self.first
        } else {
            i32_from(u32_at(self.offsets + 4 * usize::from(u8_at(self.kinds + i - 1))))
        }
    }

    /// Every transition instant, in order.
    fn times(&self) -> impl Iterator<Item = i64> {
        let deltas = DATA.get(self.deltas..self.deltas + 4 * self.n.saturating_sub(1)).unwrap_or(&[]);
        let steps = deltas.chunks_exact(4).map(|c| i64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
        let first = (self.n > 0).then_some(self.t0);
        first.into_iter().chain(steps.scan(self.t0, |t, d| {
            *t += d;
            Some(*t)
        }))
    }

    /// The span containing UTC instant `ts`: the number of transitions at or before it (the
    /// transitions increase strictly, so this is the one span chrono-tz's search finds).
    fn utc_index(&self, ts: i64) -> usize {
        self.times().take_while(|&t| t <= ts).count()
    }
}

/// chrono-tz's `Span` (left-inclusive, right-exclusive; `None` is unbounded).
struct Span {
    begin: Option<i64>,
    end: Option<i64>,
}

impl Span {
    fn contains(&self, x: i64) -> bool {
        match (self.begin, self.end) {
            (Some(a), Some(b)) if a <= x && x < b => true,
            (Some(a), None) if a <= x => true,
            (None, Some(b)) if b > x => true,
            (None, None) => true,
            _ => false,
        }
    }

    fn cmp(&self, x: i64) -> Ordering {
        match (self.begin, self.end) {
            (Some(a), Some(b)) if a <= x && x < b => Ordering::Equal,
            (Some(a), Some(b)) if a <= x && b <= x => Ordering::Less,
            (Some(_), Some(_)) => Ordering::Greater,
            (Some(a), None) if a <= x => Ordering::Equal,
            (Some(_), None) => Ordering::Greater,
            (None, Some(b)) if b <= x => Ordering::Less,
            (None, Some(_)) => Ordering::Equal,
            (None, None) => Ordering::Equal,
        }
    }
}

/// chrono-tz's `local_span(i)`, over the decoded transition instants.
fn local_span(spans: &Spans, times: &[i64], i: usize) -> Span {
    let off = i64::from(spans.get(i));
    Span {
        begin: if i == 0 { None } else { Some(times[i - 1] + off) },
        end: if i == times.len() { None } else { Some(times[i] + off) },
    }
}

/// chrono-tz's `binary_search` (indices only, `binary_search_by` semantics).
fn binary_search<F: FnMut(usize) -> Ordering>(mut start: usize, mut end: usize, mut f: F) -> Result<usize, usize> {
    loop {
        let mid = start + (end - start) / 2;
        if mid == end {
            return Err(start);
        }
        match f(mid) {
            Ordering::Less => start = mid + 1,
            Ordering::Greater => end = mid,
            Ordering::Equal => return Ok(mid),
        }
    }
}

/// The offset of a [`Tz`] at some instant (what chrono-tz's `TzOffset` is to calendars).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct TzOffset {
    tz: Tz,
    offset: FixedOffset,
}

impl TzOffset {
    fn new(tz: Tz, seconds: i32) -> TzOffset {
        // chrono-tz unwraps `FixedOffset::east_opt` here; every offset of the table is in range.
        TzOffset { tz, offset: FixedOffset::east_opt(seconds).unwrap_or_else(|| chrono::Utc.fix()) }
    }
}

impl Offset for TzOffset {
    fn fix(&self) -> FixedOffset {
        self.offset
    }
}

impl fmt::Debug for TzOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.offset, f)
    }
}

impl fmt::Display for TzOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.offset, f)
    }
}

impl TimeZone for Tz {
    type Offset = TzOffset;

    fn from_offset(offset: &TzOffset) -> Tz {
        offset.tz
    }

    #[allow(deprecated)]
    fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<TzOffset> {
        // As chrono-tz: a single offset whenever the day has one.
        let earliest = self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN));
        let latest = self.offset_from_local_datetime(&local.and_hms_opt(23, 59, 59).unwrap_or_default());
        use chrono::LocalResult::*;
        match (earliest, latest) {
            (result @ Single(_), _) => result,
            (_, result @ Single(_)) => result,
            (Ambiguous(offset, _), _) => Single(offset),
            (_, Ambiguous(offset, _)) => Single(offset),
            (None, None) => None,
        }
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<TzOffset> {
        let timestamp = local.and_utc().timestamp();
        let spans = self.spans();
        let times: Vec<i64> = spans.times().collect();
        let span = |i: usize| local_span(&spans, &times, i);
        let index = binary_search(0, spans.len(), |i| span(i).cmp(timestamp));
        let one = |i: usize| LocalResult::Single(TzOffset::new(*self, spans.get(i)));
        let two = |i: usize, j: usize| {
            LocalResult::Ambiguous(TzOffset::new(*self, spans.get(i)), TzOffset::new(*self, spans.get(j)))
        };
        match index {
            Ok(0) if spans.len() == 1 => one(0),
            Ok(0) if span(1).contains(timestamp) => two(0, 1),
            Ok(0) => one(0),
            Ok(i) if span(i - 1).contains(timestamp) => two(i - 1, i),
            Ok(i) if i == spans.len() - 1 => one(i),
            Ok(i) if span(i + 1).contains(timestamp) => two(i, i + 1),
            Ok(i) => one(i),
            Err(_) => LocalResult::None,
        }
    }

    #[allow(deprecated)]
    fn offset_from_utc_date(&self, utc: &NaiveDate) -> TzOffset {
        self.offset_from_utc_datetime(&utc.and_time(NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> TzOffset {
        let spans = self.spans();
        TzOffset::new(*self, spans.get(spans.utc_index(utc.and_utc().timestamp())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn naive(s: i64) -> Option<NaiveDateTime> {
        DateTime::from_timestamp(s, 0).map(|d| d.naive_utc())
    }

    fn local_of<T: TimeZone>(r: LocalResult<DateTime<T>>) -> LocalResult<(i64, i32)> {
        r.map(|d| (d.timestamp(), d.offset().fix().local_minus_utc()))
    }

    /// Every zone of chrono-tz, by name, at and around every transition of the table and on a
    /// 5-day grid 1800..2120 (once per distinct table), in UTC and in local time: the same offsets, the same
    /// Single/Ambiguous/None answers with the same instants.
    #[test]
    fn every_zone_matches_chrono_tz() {
        assert_eq!(TZDB_VERSION, chrono_tz::IANA_TZDB_VERSION, "tzdata.bin is stale: run scripts/gen_tzdata.py");
        assert_eq!(NAMES, chrono_tz::TZ_VARIANTS.len());
        assert_eq!(Tz::UTC.name(), "UTC");
        let mut checked = 0u64;
        let mut grid_done = std::collections::BTreeSet::new();
        for (i, theirs) in chrono_tz::TZ_VARIANTS.iter().enumerate() {
            let ours = Tz::from_str(theirs.name()).expect(theirs.name());
            assert_eq!(ours, Tz(i as u16));
            assert_eq!(ours.name(), theirs.name());
            assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
            let spans = ours.spans();
            let times: Vec<i64> = spans.times().collect();
            assert_eq!(times.len(), spans.n);
            assert!(times.windows(2).all(|w| w[0] < w[1]));
            let mut probes = Vec::new();
            for (k, &t) in times.iter().enumerate() {
                let (a, b) = (i64::from(spans.get(k)), i64::from(spans.get(k + 1)));
                for d in [-3601, -1, 0, 1, 3599] {
                    probes.extend([t + d, t + a + d, t + b + d]);
                }
            }
            // Links share their target's spans: the grid once per distinct table.
            let zone = u16_at(NAME_INDEX + i * NAME_ENTRY + 5);
            let grid = if grid_done.insert(zone) { 320 * 365 / 5 } else { 0 };
            let grid = (0..grid).map(|k| -5_364_662_400 + k * 5 * 86_400 + k % 86_400);
            for (p, s) in probes.iter().copied().map(|s| (true, s)).chain(grid.map(|s| (false, s))) {
                let Some(n) = naive(s) else { continue };
                assert_eq!(
                    ours.offset_from_utc_datetime(&n).fix(),
                    theirs.offset_from_utc_datetime(&n).fix(),
                    "{} utc {s}",
                    theirs.name()
                );
                assert_eq!(
                    local_of(ours.from_local_datetime(&n)),
                    local_of(theirs.from_local_datetime(&n)),
                    "{} local {s}",
                    theirs.name()
                );
                #[allow(deprecated)]
                if p {
                    assert_eq!(
                        ours.offset_from_local_date(&n.date()).map(|o| o.fix()),
                        theirs.offset_from_local_date(&n.date()).map(|o| o.fix()),
                        "{} local date {s}",
                        theirs.name()
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 1_000_000, "{checked}");
    }

    #[test]
    fn unknown_and_misspelt_names_are_rejected() {
        for s in ["", "europe/berlin", "Europe/Berlin ", "Mars/Olympus_Mons", "UTC\0"] {
            assert!(Tz::from_str(s).is_err(), "{s:?}");
            assert!(chrono_tz::Tz::from_str(s).is_err(), "{s:?}");
        }
    }
}
