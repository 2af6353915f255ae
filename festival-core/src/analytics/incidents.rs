//! Reconciliation incidents (double spends, double admissions, tampered logs, revoked devices) in
//! columns, and their statistics.

use super::batch::KeyColumn;
use super::report::{add, i128_str};
use crate::error::{Error, InputError};
use crate::money::{Currency, Money, MoneyError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// What a reconciliation incident was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    /// 1: the same money spent twice offline (a payment in conflict).
    #[default]
    DoubleSpend,
    /// 2: the same ticket admitted twice.
    DoubleAdmission,
    /// 3: a device log that was altered, reordered or forked.
    TamperedLog,
    /// 4: a record signed by a revoked or out-of-window device.
    RevokedDevice,
}

impl IncidentKind {
    /// Every kind, in code order.
    pub const ALL: [IncidentKind; 4] = [
        IncidentKind::DoubleSpend,
        IncidentKind::DoubleAdmission,
        IncidentKind::TamperedLog,
        IncidentKind::RevokedDevice,
    ];

    /// Stable numeric code (1..=4) for columnar input.
    pub fn code(self) -> u8 {
        match self {
            IncidentKind::DoubleSpend => 1,
            IncidentKind::DoubleAdmission => 2,
            IncidentKind::TamperedLog => 3,
            IncidentKind::RevokedDevice => 4,
        }
    }

    /// The kind with this code.
    pub fn from_code(code: u8) -> Option<IncidentKind> {
        IncidentKind::ALL.get(usize::from(code).checked_sub(1)?).copied()
    }

    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::DoubleSpend => "double_spend",
            IncidentKind::DoubleAdmission => "double_admission",
            IncidentKind::TamperedLog => "tampered_log",
            IncidentKind::RevokedDevice => "revoked_device",
        }
    }

    /// The kind with this name.
    pub fn parse(name: &str) -> Option<IncidentKind> {
        IncidentKind::ALL.iter().copied().find(|k| k.as_str() == name)
    }
}

/// Incidents in columns: per row a kind, the device that produced the record, the subject (wallet
/// for money incidents, ticket for admissions), the amount at stake and the debt recorded for it
/// (minor units, `>= 0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentBatch {
    /// Currency of the amounts.
    pub currency: Currency,
    /// Kinds.
    pub kind: Vec<IncidentKind>,
    /// Device of each incident.
    pub device: KeyColumn,
    /// Wallet or ticket of each incident.
    pub subject: KeyColumn,
    /// Amount at stake (double spends), minor units; 0 otherwise.
    pub amount: Vec<i64>,
    /// Debt recorded by the resolution, minor units.
    pub debt: Vec<i64>,
}

impl IncidentBatch {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.kind.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.kind.is_empty()
    }

    fn validate(&self) -> Result<(), InputError> {
        let n = self.len();
        for (name, len) in [("amount", self.amount.len()), ("debt", self.debt.len())] {
            if len != n {
                return Err(InputError::invalid(name, format!("has {len} rows, expected {n}")));
            }
        }
        self.device.check("device", n)?;
        self.subject.check("subject", n)?;
        if let Some(i) = self.amount.iter().zip(&self.debt).position(|(a, d)| *a < 0 || *d < 0) {
            return Err(InputError::invalid(format!("row {i}"), "amount and debt must be >= 0"));
        }
        Ok(())
    }
}

/// One incident, for building an [`IncidentBatch`] row by row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IncidentRow<'a> {
    /// Kind.
    pub kind: IncidentKind,
    /// Device key.
    pub device: Option<&'a str>,
    /// Wallet or ticket key.
    pub subject: Option<&'a str>,
    /// Amount at stake, minor units.
    pub amount: i64,
    /// Debt recorded, minor units.
    pub debt: i64,
}

/// Builds an [`IncidentBatch`] row by row.
pub struct IncidentBatchBuilder {
    batch: IncidentBatch,
    device: HashMap<String, u32>,
    subject: HashMap<String, u32>,
}

fn intern(col: &mut KeyColumn, index: &mut HashMap<String, u32>, label: Option<&str>) -> Result<(), InputError> {
    let code = match label {
        None => None,
        Some(l) => Some(match index.get(l) {
            Some(&c) => c,
            None => {
                let c = u32::try_from(col.labels.len()).map_err(|_| InputError::invalid("labels", "too many keys"))?;
                col.labels.push(l.to_owned());
                index.insert(l.to_owned(), c);
                c
            }
        }),
    };
    col.codes.push(code);
    Ok(())
}

impl IncidentBatchBuilder {
    /// A builder in `currency`.
    pub fn new(currency: Currency) -> Self {
        IncidentBatchBuilder {
            batch: IncidentBatch {
                currency,
                kind: Vec::new(),
                device: KeyColumn::default(),
                subject: KeyColumn::default(),
                amount: Vec::new(),
                debt: Vec::new(),
            },
            device: HashMap::new(),
            subject: HashMap::new(),
        }
    }

    /// The batch's currency.
    pub fn currency(&self) -> Currency {
        self.batch.currency
    }

    /// Appends one incident.
    pub fn push(&mut self, row: &IncidentRow<'_>) -> Result<(), InputError> {
        intern(&mut self.batch.device, &mut self.device, row.device)?;
        intern(&mut self.batch.subject, &mut self.subject, row.subject)?;
        self.batch.kind.push(row.kind);
        self.batch.amount.push(row.amount);
        self.batch.debt.push(row.debt);
        Ok(())
    }

    /// The finished batch.
    pub fn finish(self) -> IncidentBatch {
        self.batch
    }
}

/// Mergeable statistics of one incident kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentAgg {
    /// Incidents.
    pub count: u64,
    /// Amount at stake, minor units.
    #[serde(with = "i128_str")]
    pub amount: i128,
    /// Debt recorded, minor units.
    #[serde(with = "i128_str")]
    pub debt: i128,
    /// Incidents per device.
    pub by_device: BTreeMap<String, u64>,
    /// Incidents per subject (wallet or ticket): distinct subjects = its length.
    pub by_subject: BTreeMap<String, u64>,
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str, by: u64) -> Result<(), MoneyError> {
    let e = map.entry(key.to_owned()).or_default();
    *e = e.checked_add(by).ok_or_else(|| MoneyError::Overflow { operation: "analytics".into() })?;
    Ok(())
}

impl IncidentAgg {
    pub(crate) fn merge(&mut self, o: &IncidentAgg) -> Result<(), MoneyError> {
        self.count =
            self.count.checked_add(o.count).ok_or_else(|| MoneyError::Overflow { operation: "analytics".into() })?;
        self.amount = add(self.amount, o.amount)?;
        self.debt = add(self.debt, o.debt)?;
        for (k, v) in &o.by_device {
            bump(&mut self.by_device, k, *v)?;
        }
        for (k, v) in &o.by_subject {
            bump(&mut self.by_subject, k, *v)?;
        }
        Ok(())
    }

    pub(crate) fn summary(&self, kind: IncidentKind, c: Currency) -> Result<IncidentSummary, Error> {
        let top = self.by_device.iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)));
        Ok(IncidentSummary {
            kind,
            count: self.count,
            amount: Money::from_minor_i128(self.amount, c)?,
            debt: Money::from_minor_i128(self.debt, c)?,
            devices: self.by_device.len() as u64,
            subjects: self.by_subject.len() as u64,
            repeat_subjects: self.by_subject.values().filter(|v| **v > 1).count() as u64,
            top_device: top.map(|(k, _)| k.clone()),
            top_device_count: top.map(|(_, v)| *v).unwrap_or(0),
        })
    }
}

pub(crate) fn aggregate(batch: &IncidentBatch) -> Result<BTreeMap<IncidentKind, IncidentAgg>, Error> {
    batch.validate()?;
    let mut out: BTreeMap<IncidentKind, IncidentAgg> = BTreeMap::new();
    for (i, ((kind, amount), debt)) in batch.kind.iter().zip(&batch.amount).zip(&batch.debt).enumerate() {
        let agg = out.entry(*kind).or_default();
        let one =
            IncidentAgg { count: 1, amount: i128::from(*amount), debt: i128::from(*debt), ..IncidentAgg::default() };
        agg.merge(&one)?;
        if let Some(d) = batch.device.label(i) {
            bump(&mut agg.by_device, d, 1)?;
        }
        if let Some(s) = batch.subject.label(i) {
            bump(&mut agg.by_subject, s, 1)?;
        }
    }
    Ok(out)
}

/// Statistics of one incident kind (see [`super::Analytics::incident_stats`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentSummary {
    /// The kind.
    pub kind: IncidentKind,
    /// Incidents.
    pub count: u64,
    /// Amount at stake.
    pub amount: Money,
    /// Debt recorded.
    pub debt: Money,
    /// Distinct devices involved.
    pub devices: u64,
    /// Distinct wallets / tickets involved.
    pub subjects: u64,
    /// Wallets / tickets involved more than once.
    pub repeat_subjects: u64,
    /// The device with the most incidents (ties: the smallest key).
    pub top_device: Option<String>,
    /// Its number of incidents.
    pub top_device_count: u64,
}
