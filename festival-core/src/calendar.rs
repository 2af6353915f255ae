//! The festival calendar: which *festival day* an instant belongs to.
//!
//! A festival day does not end at midnight: the night's last set still belongs to Saturday. A
//! [`FestivalCalendar`] is an IANA time zone (embedded tz data from `chrono-tz`, no IO; without the
//! default `chrono-tz` feature the same data from a compact table, with identical results) and the
//! local wall-clock time at which a day starts (its *cutoff*, e.g. `06:00`). Festival day
//! `2026-07-04` in `Europe/Berlin` with cutoff `06:00` runs from 2026-07-04 06:00 to 2026-07-05
//! 06:00 local time. The default calendar is UTC with cutoff `00:00`: exactly the UTC days that
//! per-day limits used before calendars existed.
//!
//! # Daylight-saving time
//!
//! Days are defined by their start instants, so every instant belongs to exactly one day and day
//! numbers never go backwards:
//!
//! - **Day `D` starts at the first instant at which the local clock shows `D` at the cutoff.**
//!   A day is therefore 24 h long, or 23 h / 25 h across a DST change (the night of the change
//!   belongs to the day that started before it).
//! - **A cutoff inside a skipped hour** (clocks jump from 02:00 to 03:00 and the cutoff is
//!   02:30): the clock never shows 02:30 that night, so the day starts at the jump, the first
//!   instant the clock shows a time after the cutoff (03:00 local).
//! - **A cutoff inside a repeated hour** (clocks go back from 03:00 to 02:00 and the cutoff is
//!   02:30): the day starts at the *first* 02:30; the second pass through 02:30 stays in the same
//!   day.
//!
//! The day *label* is the local date of the day's start; the day *number* is that date as days
//! since 1970-01-01 (the UTC calendar's day number equals `Timestamp::utc_day`). Weekdays are
//! ISO (Monday 1 … Sunday 7) of the day label, so a scan at 02:00 on Sunday morning with a 06:00
//! cutoff is still Saturday (6).
//!
//! ```
//! use festival_core::calendar::FestivalCalendar;
//! use festival_core::Timestamp;
//! let cal = FestivalCalendar::new("Europe/Berlin", "06:00")?;
//! let t = |s: &str| s.parse::<Timestamp>().unwrap();
//! // 05:59 and 06:01 on the morning of 5 July (CEST, UTC+2) belong to different festival days.
//! assert_eq!(cal.day_of(t("2026-07-05T05:59:00+02:00")).to_string(), "2026-07-04");
//! assert_eq!(cal.day_of(t("2026-07-05T06:01:00+02:00")).to_string(), "2026-07-05");
//! // The night clocks go forward (29 March 2026) makes a 23-hour festival day.
//! let d = cal.day_of(t("2026-03-28T12:00:00Z"));
//! assert_eq!(cal.day_length_ms(d), 23 * 3_600_000);
//! assert_eq!(cal.weekday(t("2026-07-05T05:59:00+02:00")), 6); // still Saturday
//! # Ok::<(), festival_core::Error>(())
//! ```

use crate::error::InputError;
use crate::time::Timestamp;
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone};
#[cfg(not(feature = "chrono-tz"))]
use crate::tzcompact::Tz;
#[cfg(feature = "chrono-tz")]
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// The version of the IANA time zone database embedded in this build (e.g. `2025b`).
#[cfg(feature = "chrono-tz")]
pub const TZDB_VERSION: &str = chrono_tz::IANA_TZDB_VERSION;
/// The version of the IANA time zone database embedded in this build (e.g. `2025b`).
#[cfg(not(feature = "chrono-tz"))]
pub const TZDB_VERSION: &str = crate::tzcompact::TZDB_VERSION;

/// Minutes in a day: the cutoff is `0..MINUTES_PER_DAY`.
const MINUTES_PER_DAY: u16 = 24 * 60;
const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_DAY: i64 = 86_400_000;

/// A festival day, identified by the local date on which it starts (`2026-07-04`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FestivalDay(NaiveDate);

impl FestivalDay {
    /// The day with this label. Errors (`INPUT_INVALID`) for a date outside 1969-12-31..=9999-12-31.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Result<FestivalDay, InputError> {
        let d = NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(|| InputError::invalid("day", format!("{year:04}-{month:02}-{day:02} is not a date")))?;
        FestivalDay::checked(d)
    }

    fn checked(d: NaiveDate) -> Result<FestivalDay, InputError> {
        if !(1969..=9999).contains(&d.year()) {
            return Err(InputError::invalid("day", format!("{d} is outside 1969..=9999")));
        }
        Ok(FestivalDay(d))
    }

    /// Days since 1970-01-01 (negative for 1969-12-31, a day that can hold instants of 1970 in a
    /// calendar east of UTC or with a late cutoff).
    pub fn number(self) -> i64 {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        self.0.signed_duration_since(epoch).num_days()
    }

    /// The day with this number (see [`FestivalDay::number`]).
    pub fn from_number(n: i64) -> Result<FestivalDay, InputError> {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        let d = chrono::Duration::try_days(n)
            .and_then(|d| epoch.checked_add_signed(d))
            .ok_or_else(|| InputError::invalid("day", format!("day number {n} is out of range")))?;
        FestivalDay::checked(d)
    }

    /// ISO weekday of the label: Monday 1 … Sunday 7.
    pub fn weekday(self) -> u8 {
        self.0.weekday().number_from_monday() as u8
    }

    /// The next day.
    pub fn succ(self) -> FestivalDay {
        FestivalDay(self.0.succ_opt().unwrap_or(self.0))
    }

    fn pred(self) -> FestivalDay {
        FestivalDay(self.0.pred_opt().unwrap_or(self.0))
    }
}

impl fmt::Display for FestivalDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl FromStr for FestivalDay {
    type Err = InputError;
    fn from_str(s: &str) -> Result<FestivalDay, InputError> {
        if s.len() != 10 {
            return Err(InputError::invalid("day", format!("'{}' is not YYYY-MM-DD", s.chars().take(32).collect::<String>())));
        }
        let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| InputError::invalid("day", format!("'{s}': {e}")))?;
        FestivalDay::checked(d)
    }
}

impl Serialize for FestivalDay {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FestivalDay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A time zone and the local time at which each festival day starts. See the module
/// documentation for the exact rules across daylight-saving changes.
///
/// Serde form: `{"time_zone": "Europe/Berlin", "day_starts_at": "06:00"}`, both checked when
/// read (`CALENDAR_UNKNOWN_TIME_ZONE`, `CALENDAR_INVALID_DAY_START`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "CalendarRepr", into = "CalendarRepr")]
pub struct FestivalCalendar {
    tz: Tz,
    /// Minutes after local midnight at which a day starts.
    cutoff: u16,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarRepr {
    time_zone: String,
    #[serde(default = "midnight")]
    day_starts_at: String,
}

fn midnight() -> String {
    "00:00".into()
}

impl TryFrom<CalendarRepr> for FestivalCalendar {
    type Error = InputError;
    fn try_from(r: CalendarRepr) -> Result<Self, InputError> {
        FestivalCalendar::new(&r.time_zone, &r.day_starts_at)
    }
}

impl From<FestivalCalendar> for CalendarRepr {
    fn from(c: FestivalCalendar) -> CalendarRepr {
        CalendarRepr { time_zone: c.time_zone().into(), day_starts_at: c.day_starts_at() }
    }
}

impl Default for FestivalCalendar {
    fn default() -> Self {
        FestivalCalendar::utc()
    }
}

/// Parses `HH:MM` (00:00..=23:59) into minutes after midnight.
fn parse_hhmm(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' || !b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit()) {
        return None;
    }
    let h = u16::from(b[0] - b'0') * 10 + u16::from(b[1] - b'0');
    let m = u16::from(b[3] - b'0') * 10 + u16::from(b[4] - b'0');
    (h < 24 && m < 60).then_some(h * 60 + m)
}

impl FestivalCalendar {
    /// UTC days from midnight: the default, identical to the UTC days used before calendars.
    pub fn utc() -> FestivalCalendar {
        FestivalCalendar { tz: Tz::UTC, cutoff: 0 }
    }

    /// A calendar in IANA zone `time_zone` (`Europe/Berlin`, exact spelling) whose days start at
    /// local `day_starts_at` (`HH:MM`, `00:00`..=`23:59`). Errors: `CALENDAR_UNKNOWN_TIME_ZONE`,
    /// `CALENDAR_INVALID_DAY_START`.
    pub fn new(time_zone: &str, day_starts_at: &str) -> Result<FestivalCalendar, InputError> {
        let tz = Tz::from_str(time_zone)
            .map_err(|_| InputError::UnknownTimeZone { time_zone: time_zone.chars().take(64).collect() })?;
        let cutoff = parse_hhmm(day_starts_at)
            .ok_or_else(|| InputError::InvalidDayStart { day_starts_at: day_starts_at.chars().take(16).collect() })?;
        Ok(FestivalCalendar { tz, cutoff })
    }

    /// Whether this is the default calendar (UTC, midnight).
    pub fn is_utc(&self) -> bool {
        *self == FestivalCalendar::utc()
    }

    /// The IANA zone name.
    pub fn time_zone(&self) -> &'static str {
        self.tz.name()
    }

    /// The local start time of every day, `HH:MM`.
    pub fn day_starts_at(&self) -> String {
        format!("{:02}:{:02}", self.cutoff / 60, self.cutoff % 60)
    }

    /// The local wall-clock time of `ms` (ms since the epoch).
    fn local(&self, ms: i64) -> NaiveDateTime {
        let utc = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().naive_utc();
        let offset = self.tz.offset_from_utc_datetime(&utc).fix().local_minus_utc();
        utc + chrono::Duration::seconds(i64::from(offset))
    }

    /// The first instant (ms) at which the local clock shows `target` or later (see the module
    /// documentation: the earliest of a repeated time, the end of the jump for a skipped one).
    fn first_instant_at(&self, target: NaiveDateTime) -> i64 {
        match self.tz.from_local_datetime(&target) {
            chrono::LocalResult::Single(dt) => dt.timestamp_millis(),
            chrono::LocalResult::Ambiguous(a, b) => a.timestamp_millis().min(b.timestamp_millis()),
            chrono::LocalResult::None => {
                // A skipped time: the jump lies between `target` read with the offset after it and
                // with the offset before it; the local clock is increasing across one jump, so
                // binary-search the first instant that shows `target` or later.
                let as_utc = target.and_utc().timestamp_millis();
                let off = |ms: i64| {
                    let u = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().naive_utc();
                    i64::from(self.tz.offset_from_utc_datetime(&u).fix().local_minus_utc()) * 1000
                };
                let (a, b) = (off(as_utc - MS_PER_DAY), off(as_utc + MS_PER_DAY));
                let (mut lo, mut hi) = (as_utc - a.max(b), as_utc - a.min(b));
                if self.local(hi) < target {
                    return hi;
                }
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if self.local(mid) >= target {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
                lo
            }
        }
    }

    fn local_at_minutes(day: FestivalDay, minutes: u16) -> NaiveDateTime {
        let time = NaiveTime::from_num_seconds_from_midnight_opt(u32::from(minutes) * 60, 0).unwrap_or_default();
        day.0.and_time(time)
    }

    /// When day `day` starts, in ms since the epoch (may lie outside the timestamp range).
    fn start_ms(&self, day: FestivalDay) -> i64 {
        self.first_instant_at(Self::local_at_minutes(day, self.cutoff))
    }

    /// The festival day containing instant `at`.
    pub fn day_of(&self, at: Timestamp) -> FestivalDay {
        let ms = at.unix_millis();
        let shifted = self.local(ms) - chrono::Duration::minutes(i64::from(self.cutoff));
        let mut day = FestivalDay(shifted.date());
        // The local clock can repeat or skip around DST changes: settle on start(day) <= at < start(day + 1).
        for _ in 0..3 {
            if ms < self.start_ms(day) {
                day = day.pred();
            } else if ms >= self.start_ms(day.succ()) {
                day = day.succ();
            } else {
                break;
            }
        }
        day
    }

    /// The day number of the festival day containing `at` (days since 1970-01-01 of its label;
    /// for the UTC calendar exactly `at.utc_day()`).
    pub fn day_number(&self, at: Timestamp) -> i64 {
        if self.is_utc() {
            return at.utc_day();
        }
        self.day_of(at).number()
    }

    /// ISO weekday (Monday 1 … Sunday 7) of the festival day containing `at`.
    pub fn weekday(&self, at: Timestamp) -> u8 {
        self.day_of(at).weekday()
    }

    /// When `day` starts (clamped to the timestamp range).
    pub fn day_start(&self, day: FestivalDay) -> Timestamp {
        clamp(self.start_ms(day))
    }

    /// When `day` ends: the start of the next day (exclusive; clamped to the timestamp range).
    pub fn day_end(&self, day: FestivalDay) -> Timestamp {
        clamp(self.start_ms(day.succ()))
    }

    /// Length of `day` in ms: 24 h, or 23 h / 25 h across a DST change.
    pub fn day_length_ms(&self, day: FestivalDay) -> i64 {
        self.start_ms(day.succ()) - self.start_ms(day)
    }

    /// The first instant at which the local clock shows `HH:MM` = `minutes` after midnight on the
    /// festival day `day`: on the day's own date if `minutes` is at or after the cutoff, on the
    /// next date otherwise (02:00 of a day starting at 06:00 is the night after). Skipped and
    /// repeated times resolve as for day starts.
    pub fn time_on_day(&self, day: FestivalDay, minutes: u16) -> Timestamp {
        let minutes = minutes.min(MINUTES_PER_DAY - 1);
        let date = if minutes >= self.cutoff { day } else { day.succ() };
        clamp(self.first_instant_at(Self::local_at_minutes(date, minutes)))
    }

    /// Local wall-clock time of `at` as minutes after local midnight (0..1440).
    pub fn local_minutes(&self, at: Timestamp) -> u16 {
        let t = self.local(at.unix_millis()).time();
        use chrono::Timelike;
        (t.hour() * 60 + t.minute()) as u16
    }

    /// The local offset from UTC at `at`, in minutes.
    pub fn offset_minutes(&self, at: Timestamp) -> i32 {
        let utc = at.to_datetime().naive_utc();
        self.tz.offset_from_utc_datetime(&utc).fix().local_minus_utc() / 60
    }
}

fn clamp(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(ms.clamp(0, 253_402_300_799_999)).unwrap_or_default()
}

/// Parses `HH:MM` into minutes after midnight (for rules and callers); `None` if malformed.
pub fn parse_local_time(s: &str) -> Option<u16> {
    parse_hhmm(s)
}

/// The JSON description of where `at` falls in `calendar` (used by conformance and bindings):
/// `{"day", "day_number", "weekday", "day_start", "day_end", "day_length_minutes",
/// "local_time", "offset_minutes"}`.
pub fn describe(calendar: &FestivalCalendar, at: Timestamp) -> DayInfo {
    let day = calendar.day_of(at);
    let local = calendar.local_minutes(at);
    DayInfo {
        day,
        day_number: day.number(),
        weekday: day.weekday(),
        day_start: calendar.day_start(day),
        day_end: calendar.day_end(day),
        day_length_minutes: calendar.day_length_ms(day) / MS_PER_MINUTE,
        local_time: format!("{:02}:{:02}", local / 60, local % 60),
        offset_minutes: calendar.offset_minutes(at),
    }
}

/// Where an instant falls in a calendar (see [`describe`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayInfo {
    /// The festival day.
    pub day: FestivalDay,
    /// Its number (days since 1970-01-01).
    pub day_number: i64,
    /// ISO weekday of the day (Monday 1 … Sunday 7).
    pub weekday: u8,
    /// When the day starts.
    pub day_start: Timestamp,
    /// When it ends (the next day's start).
    pub day_end: Timestamp,
    /// Its length in minutes (1440, or 1380 / 1500 across a DST change).
    pub day_length_minutes: i64,
    /// The local wall-clock time of the instant, `HH:MM`.
    pub local_time: String,
    /// The local offset from UTC at the instant, in minutes.
    pub offset_minutes: i32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn berlin(cutoff: &str) -> FestivalCalendar {
        FestivalCalendar::new("Europe/Berlin", cutoff).unwrap()
    }

    #[test]
    fn utc_default_equals_utc_days() {
        let c = FestivalCalendar::default();
        assert!(c.is_utc());
        for s in ["1970-01-01T00:00:00Z", "2026-07-04T23:59:59.999Z", "2026-07-05T00:00:00Z", "9999-12-31T23:59:59.999Z"] {
            let at = t(s);
            assert_eq!(c.day_number(at), at.utc_day());
            assert_eq!(c.day_of(at).number(), at.utc_day());
        }
        assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"time_zone":"UTC","day_starts_at":"00:00"}"#);
    }

    #[test]
    fn cutoff_splits_the_morning() {
        let c = berlin("06:00");
        assert_eq!(c.day_of(t("2026-07-05T05:59:00+02:00")).to_string(), "2026-07-04");
        assert_eq!(c.day_of(t("2026-07-05T06:00:00+02:00")).to_string(), "2026-07-05");
        assert_eq!(c.day_start(c.day_of(t("2026-07-04T12:00:00Z"))), t("2026-07-04T04:00:00Z"));
        assert_eq!(c.time_on_day("2026-07-04".parse().unwrap(), 120), t("2026-07-05T00:00:00Z"));
        assert_eq!(c.time_on_day("2026-07-04".parse().unwrap(), 14 * 60), t("2026-07-04T12:00:00Z"));
    }

    #[test]
    fn spring_forward_day_is_23_hours_and_autumn_25() {
        let c = berlin("06:00");
        let spring: FestivalDay = "2026-03-28".parse().unwrap();
        assert_eq!(c.day_length_ms(spring), 23 * 3_600_000);
        assert_eq!(c.day_start(spring), t("2026-03-28T05:00:00Z"));
        assert_eq!(c.day_end(spring), t("2026-03-29T04:00:00Z"));
        let autumn: FestivalDay = "2026-10-24".parse().unwrap();
        assert_eq!(c.day_length_ms(autumn), 25 * 3_600_000);
        // Midnight cutoff: the day of the change itself is the short / long one.
        let m = berlin("00:00");
        assert_eq!(m.day_length_ms("2026-03-29".parse().unwrap()), 23 * 3_600_000);
        assert_eq!(m.day_length_ms("2026-10-25".parse().unwrap()), 25 * 3_600_000);
    }

    #[test]
    fn cutoff_in_a_skipped_hour_starts_at_the_jump() {
        let c = berlin("02:30");
        let d: FestivalDay = "2026-03-29".parse().unwrap();
        // Clocks jump from 02:00 CET (01:00Z) to 03:00 CEST.
        assert_eq!(c.day_start(d), t("2026-03-29T01:00:00Z"));
        assert_eq!(c.day_of(t("2026-03-29T00:59:59.999Z")).to_string(), "2026-03-28");
        assert_eq!(c.day_of(t("2026-03-29T01:00:00Z")).to_string(), "2026-03-29");
    }

    #[test]
    fn cutoff_in_a_repeated_hour_starts_at_the_first_pass() {
        let c = berlin("02:30");
        let d: FestivalDay = "2026-10-25".parse().unwrap();
        // 02:30 CEST = 00:30Z; clocks go back at 01:00Z and show 02:30 again at 01:30Z.
        assert_eq!(c.day_start(d), t("2026-10-25T00:30:00Z"));
        assert_eq!(c.day_of(t("2026-10-25T00:29:59.999Z")).to_string(), "2026-10-24");
        assert_eq!(c.day_of(t("2026-10-25T01:45:00Z")).to_string(), "2026-10-25");
        assert_eq!(c.day_length_ms("2026-10-24".parse().unwrap()), 24 * 3_600_000);
        assert_eq!(c.day_length_ms(d), 25 * 3_600_000);
    }

    #[test]
    fn bad_input_has_codes() {
        use crate::ErrorCode;
        assert_eq!(FestivalCalendar::new("Europe/Atlantis", "06:00").unwrap_err().code(), "CALENDAR_UNKNOWN_TIME_ZONE");
        for bad in ["6:00", "24:00", "06:60", "06-00", "", "06:00:00"] {
            assert_eq!(FestivalCalendar::new("UTC", bad).unwrap_err().code(), "CALENDAR_INVALID_DAY_START", "{bad}");
        }
        let json = r#"{"time_zone":"Europe/Berlin","day_starts_at":"06:00"}"#;
        let c: FestivalCalendar = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), json);
        assert!(serde_json::from_str::<FestivalCalendar>(r#"{"time_zone":"Mars/Olympus"}"#).is_err());
    }

    proptest! {
        #[test]
        fn every_instant_is_in_its_day_and_days_never_go_back(
            ms in 0i64..253_402_300_799_999, step in 0i64..200_000_000,
            zone in prop::sample::select(vec!["Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                                              "Pacific/Chatham", "Asia/Kolkata", "UTC", "America/Santiago"]),
            cutoff in 0u16..1440,
        ) {
            let c = FestivalCalendar { tz: Tz::from_str(zone).unwrap(), cutoff };
            let at = Timestamp::from_unix_millis(ms).unwrap();
            let d = c.day_of(at);
            prop_assert!(c.start_ms(d) <= ms && ms < c.start_ms(d.succ()));
            let len = c.day_length_ms(d);
            prop_assert!((20 * 3_600_000..=28 * 3_600_000).contains(&len), "{len}");
            let later = at.plus_millis(step);
            prop_assert!(c.day_of(later) >= d);
        }
    }
}
