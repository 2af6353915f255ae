//! Scan statistics from scan facts (admitted, denied with the gate's reason, admitted in error
//! with the server's reason), in total and per festival day.

use crate::access::Decision;
use crate::calendar::{FestivalCalendar, FestivalDay};
use crate::offline::reconcile::ScanFactOutcome;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counts of scan facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanCounts {
    /// Scan facts.
    pub scans: u64,
    /// Admitted by the gate (entries and exits).
    pub admitted: u64,
    /// Denied by the gate (failed scans).
    pub denied: u64,
    /// Admitted although the server would have denied.
    pub admitted_in_error: u64,
    /// Failed scans by the gate's deny reason (`wrong_gate`, `max_entries_per_day_reached`...).
    pub denied_by_reason: BTreeMap<String, u64>,
    /// Admissions in error by the server's code (`RECONCILE_TICKET_REVOKED`...).
    pub in_error_by_reason: BTreeMap<String, u64>,
    /// Entries admitted with a stale revocation list (the ticket was revoked in a newer list
    /// published before the scan; `RECONCILE_STALE_REVOCATION_LIST`). Left out of the JSON when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stale_revocation_list: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One festival day's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayScanCounts {
    /// The festival day.
    pub day: FestivalDay,
    /// Its counts.
    #[serde(flatten)]
    pub counts: ScanCounts,
}

/// Scan statistics (see [`scan_stats`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanStats {
    /// All scans.
    pub total: ScanCounts,
    /// Per festival day of the calendar, ascending.
    pub by_day: Vec<DayScanCounts>,
}

impl ScanCounts {
    fn add(&mut self, s: &ScanFactOutcome) {
        self.scans += 1;
        match s.gate.decision {
            Decision::Admit => self.admitted += 1,
            Decision::Deny { reason } => {
                self.denied += 1;
                let key = serde_json::to_value(reason).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                *self.denied_by_reason.entry(key).or_default() += 1;
            }
        }
        if let Some(code) = &s.admitted_in_error {
            self.admitted_in_error += 1;
            *self.in_error_by_reason.entry(code.clone()).or_default() += 1;
        }
        if s.stale_revocation_list.is_some() {
            self.stale_revocation_list += 1;
        }
    }
}

/// Failed-scan and admitted-in-error statistics of scan facts (e.g. the `scans` of every
/// reconciliation report of a day), per festival day of `calendar` (the scan's gate time).
///
/// ```
/// use festival_core::analytics::scan_stats;
/// use festival_core::calendar::FestivalCalendar;
/// let stats = scan_stats(&[], &FestivalCalendar::utc());
/// assert_eq!(stats.total.scans, 0);
/// ```
pub fn scan_stats(scans: &[ScanFactOutcome], calendar: &FestivalCalendar) -> ScanStats {
    let mut total = ScanCounts::default();
    let mut days: BTreeMap<FestivalDay, ScanCounts> = BTreeMap::new();
    for s in scans {
        total.add(s);
        days.entry(calendar.day_of(s.at)).or_default().add(s);
    }
    ScanStats { total, by_day: days.into_iter().map(|(day, counts)| DayScanCounts { day, counts }).collect() }
}
