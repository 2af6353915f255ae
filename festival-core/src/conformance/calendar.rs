//! `calendar.*` conformance operations.
//!
//! * `calendar.describe` — input `{"calendar": {"time_zone", "day_starts_at"}, "at": [ts, ...]}`;
//!   output `{"results": [{"day", "day_number", "weekday", "day_start", "day_end",
//!   "day_length_minutes", "local_time", "offset_minutes"}]}` (one per instant; see
//!   `festival_core::calendar::describe`).
//! * `calendar.day` — input `{"calendar", "day": "YYYY-MM-DD", "times"?: ["HH:MM", ...]}`; output
//!   `{"day", "weekday", "day_start", "day_end", "day_length_minutes", "times": [ts, ...]}`
//!   where `times` are the instants of those local times on that festival day
//!   (`FestivalCalendar::time_on_day`).
//!
//! A bad calendar is `CALENDAR_UNKNOWN_TIME_ZONE` / `CALENDAR_INVALID_DAY_START`.

use super::{out, parse};
use crate::calendar::{describe, parse_local_time, FestivalCalendar, FestivalDay};
use crate::error::{Error, InputError};
use crate::time::Timestamp;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarIn {
    time_zone: String,
    #[serde(default = "midnight")]
    day_starts_at: String,
}

fn midnight() -> String {
    "00:00".into()
}

impl CalendarIn {
    /// Built with the constructor so that a bad calendar gets its own code (not `INPUT_INVALID`).
    fn build(&self) -> Result<FestivalCalendar, Error> {
        Ok(FestivalCalendar::new(&self.time_zone, &self.day_starts_at)?)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DescribeIn {
    calendar: CalendarIn,
    at: Vec<Timestamp>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DayIn {
    calendar: CalendarIn,
    day: FestivalDay,
    #[serde(default)]
    times: Vec<String>,
}

pub(super) fn execute(op: &str, input: &Value) -> Option<Result<Value, Error>> {
    let run = || -> Result<Value, Error> {
        match op {
            "calendar.describe" => {
                let i: DescribeIn = parse(input)?;
                let cal = i.calendar.build()?;
                let results = i.at.iter().map(|t| out(&describe(&cal, *t))).collect::<Result<Vec<_>, _>>()?;
                Ok(json!({ "results": results }))
            }
            "calendar.day" => {
                let i: DayIn = parse(input)?;
                let cal = i.calendar.build()?;
                let mut times = Vec::new();
                for t in &i.times {
                    let m = parse_local_time(t).ok_or_else(|| InputError::invalid("times", format!("'{t}' is not HH:MM")))?;
                    times.push(cal.time_on_day(i.day, m));
                }
                Ok(json!({
                    "day": i.day,
                    "weekday": i.day.weekday(),
                    "day_start": cal.day_start(i.day),
                    "day_end": cal.day_end(i.day),
                    "day_length_minutes": cal.day_length_ms(i.day) / 60_000,
                    "times": times,
                }))
            }
            _ => Err(InputError::UnknownOperation { op: op.chars().take(64).collect() }.into()),
        }
    };
    Some(run())
}
