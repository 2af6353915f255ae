//! A receipt-line export shaped after the DSFinV-K ("Digitale Schnittstelle der Finanzverwaltung
//! für Kassensysteme"): **one row per receipt line**, combining the columns of its `lines.csv`
//! (Bonpos) and `lines_vat.csv` (Bonpos_USt) files, plus the receipt's time and payment type.
//!
//! This is not a certified DSFinV-K export (that is a set of files with an `index.xml`, master
//! data and the TSE's data); it gives a finance team or a DSFinV-K generator every line with the
//! columns named as there. Columns, in this fixed order:
//!
//! | column | DSFinV-K file | meaning here |
//! | --- | --- | --- |
//! | `Z_KASSE_ID` | all | the till id (UUID) |
//! | `Z_ERSTELLUNG` | all | when the Z-report was made (RFC 3339, UTC, milliseconds) |
//! | `Z_NR` | all | the Z-report's number |
//! | `BON_ID` | lines | the receipt number (unique and gap-free per till) |
//! | `POS_ZEILE` | lines | position on the receipt, from 1 |
//! | `GUTSCHEIN_NR` | lines | voucher redeemed on the line (empty if none) |
//! | `ARTIKELTEXT` | lines | product name |
//! | `GV_TYP` | lines | business transaction type: `Umsatz` (sale), `Pfand` for a deposit line |
//! | `ART_NR` | lines | the sku |
//! | `MENGE` | lines | quantity (integer) |
//! | `STK_BR` | lines | gross unit price |
//! | `UST_SCHLUESSEL` | lines_vat | VAT key: 1 = 19 %, 2 = 7 %, 3 = 10.7 %, 4 = 5.5 %, 6 = 0 % (tax free) by default, or the product's own key; empty when the rate has none |
//! | `UST_SATZ` | vat (Stamm_USt) | VAT rate in percent |
//! | `POS_BRUTTO` | lines_vat | gross of the line (after VAT rounding) |
//! | `POS_NETTO` | lines_vat | net of the line |
//! | `POS_UST` | lines_vat | VAT of the line |
//! | `BON_ENDE` | transactions | time of the receipt (RFC 3339, UTC) |
//! | `ZAHLART_TYP` | datapayment | `Bar` (cash), `Unbar` (card), `GuthabenKarte` (wallet) |
//!
//! Amounts are decimal strings with the currency's minor digits and a `.` separator; there are no
//! floats. [`render_csv`] writes RFC 4180 CSV: a header line, `,` separators, CRLF line ends, and
//! fields quoted (with `"` doubled) when they contain `,`, `"`, CR or LF.
//!
//! Serde form of a row: the column names in snake case (`{"z_kasse_id": ..., "pos_brutto":
//! {"amount", "currency"}, ...}`), money as money objects, `ust_schluessel` a number or null.

use super::receipt::{PaymentMethod, Receipt};
use super::session::TillSession;
use super::zreport::ZReport;
use crate::money::Money;
use crate::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The columns of the export, in order.
pub const EXPORT_COLUMNS: [&str; 18] = [
    "Z_KASSE_ID",
    "Z_ERSTELLUNG",
    "Z_NR",
    "BON_ID",
    "POS_ZEILE",
    "GUTSCHEIN_NR",
    "ARTIKELTEXT",
    "GV_TYP",
    "ART_NR",
    "MENGE",
    "STK_BR",
    "UST_SCHLUESSEL",
    "UST_SATZ",
    "POS_BRUTTO",
    "POS_NETTO",
    "POS_UST",
    "BON_ENDE",
    "ZAHLART_TYP",
];

/// One exported receipt line (see the module docs for the meaning of each column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportRow {
    /// `Z_KASSE_ID`: the till.
    pub z_kasse_id: Uuid,
    /// `Z_ERSTELLUNG`: when the Z-report was made.
    pub z_erstellung: Timestamp,
    /// `Z_NR`: the Z-report's number.
    pub z_nr: u64,
    /// `BON_ID`: the receipt number.
    pub bon_id: u64,
    /// `POS_ZEILE`: the line's position.
    pub pos_zeile: u32,
    /// `GUTSCHEIN_NR`: the voucher redeemed, if any.
    pub gutschein_nr: Option<String>,
    /// `ARTIKELTEXT`: product name.
    pub artikeltext: String,
    /// `GV_TYP`: `Umsatz`, or `Pfand` for a deposit line.
    pub gv_typ: String,
    /// `ART_NR`: sku.
    pub art_nr: String,
    /// `MENGE`: quantity.
    pub menge: u32,
    /// `STK_BR`: gross unit price.
    pub stk_br: Money,
    /// `UST_SCHLUESSEL`: DSFinV-K VAT key.
    pub ust_schluessel: Option<u32>,
    /// `UST_SATZ`: VAT rate in percent.
    #[serde(with = "rust_decimal::serde::str")]
    pub ust_satz: Decimal,
    /// `POS_BRUTTO`: gross of the line.
    pub pos_brutto: Money,
    /// `POS_NETTO`: net of the line.
    pub pos_netto: Money,
    /// `POS_UST`: VAT of the line.
    pub pos_ust: Money,
    /// `BON_ENDE`: time of the receipt.
    pub bon_ende: Timestamp,
    /// `ZAHLART_TYP`: `Bar`, `Unbar` or `GuthabenKarte`.
    pub zahlart_typ: String,
}

/// The DSFinV-K payment type of a method.
pub fn zahlart_typ(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Cash => "Bar",
        PaymentMethod::Card => "Unbar",
        PaymentMethod::Wallet => "GuthabenKarte",
    }
}

/// The rows of `receipts` (in the given order, lines in position order) under a Z-report header.
pub fn export_receipts(till_id: Uuid, z_erstellung: Timestamp, z_nr: u64, receipts: &[Receipt]) -> Vec<ExportRow> {
    receipts
        .iter()
        .flat_map(|r| {
            r.lines.iter().map(move |l| ExportRow {
                z_kasse_id: till_id,
                z_erstellung,
                z_nr,
                bon_id: r.number,
                pos_zeile: l.position,
                gutschein_nr: l.voucher_id.clone(),
                artikeltext: l.name.clone(),
                gv_typ: if l.deposit { "Pfand" } else { "Umsatz" }.into(),
                art_nr: l.sku.clone(),
                menge: l.quantity,
                stk_br: l.unit_price,
                ust_schluessel: l.vat_key,
                ust_satz: l.vat_rate,
                pos_brutto: l.line_total,
                pos_netto: l.net,
                pos_ust: l.tax,
                bon_ende: r.issued_at,
                zahlart_typ: zahlart_typ(r.method).into(),
            })
        })
        .collect()
}

impl ZReport {
    /// The export rows of the receipts of this report's sessions (found in `sessions` by id), by
    /// receipt number.
    pub fn export_rows(&self, sessions: &[TillSession]) -> Vec<ExportRow> {
        let mut receipts: Vec<Receipt> = self
            .sessions
            .iter()
            .filter_map(|z| sessions.iter().find(|s| s.id() == z.session_id))
            .flat_map(|s| s.receipts().iter().cloned())
            .collect();
        receipts.sort_by_key(|r| r.number);
        export_receipts(self.till_id, self.created_at, self.z_number, &receipts)
    }
}

fn field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// Renders rows as RFC 4180 CSV with the header [`EXPORT_COLUMNS`] (see the module docs).
pub fn render_csv(rows: &[ExportRow]) -> String {
    let mut out = String::new();
    out.push_str(&EXPORT_COLUMNS.join(","));
    out.push_str("\r\n");
    for r in rows {
        let cells = [
            r.z_kasse_id.to_string(),
            r.z_erstellung.to_string(),
            r.z_nr.to_string(),
            r.bon_id.to_string(),
            r.pos_zeile.to_string(),
            r.gutschein_nr.clone().unwrap_or_default(),
            r.artikeltext.clone(),
            r.gv_typ.clone(),
            r.art_nr.clone(),
            r.menge.to_string(),
            r.stk_br.amount_string(),
            r.ust_schluessel.map(|k| k.to_string()).unwrap_or_default(),
            r.ust_satz.to_string(),
            r.pos_brutto.amount_string(),
            r.pos_netto.amount_string(),
            r.pos_ust.amount_string(),
            r.bon_ende.to_string(),
            r.zahlart_typ.clone(),
        ];
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(&mut out, c);
        }
        out.push_str("\r\n");
    }
    out
}
