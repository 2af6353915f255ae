//! Currencies: ISO 4217 codes with their minor digits, and custom festival tokens.
//!
//! The ISO table is the list of 2026-01-01 (SIX, ISO 4217 maintenance agency), funds included;
//! it adds `XAD` (Arab Accounting Dinar, 2 minor digits, amendment 179) to the previous list.
//!
//! Withdrawn codes: see [`WITHDRAWN`].

use super::MoneyError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Maximum length of a currency code (ISO codes have 3 letters; tokens may be longer).
pub const MAX_CODE_LEN: usize = 12;
/// Maximum number of minor digits of a custom token.
pub const MAX_TOKEN_SCALE: u32 = 18;

/// A currency: its code and the fixed number of minor digits every amount in it has.
///
/// ISO 4217 currencies take their minor digits from the standard (`EUR` 2, `JPY` 0, `KWD` 3).
/// Custom festival currencies (tokens) declare their scale. A currency is `Copy` and compares by
/// code, scale and kind.
///
/// Serialized as a string: `"EUR"` for ISO currencies, `"CODE:scale"` for tokens (`"BEER:0"`).
///
/// ```
/// use festival_core::Currency;
/// assert_eq!(Currency::iso("JPY")?.minor_digits(), 0);
/// assert_eq!(Currency::iso("KWD")?.minor_digits(), 3);
/// let token = Currency::token("COIN", 1)?;
/// assert_eq!(token.to_string(), "COIN:1");
/// assert_eq!("COIN:1".parse::<Currency>()?, token);
/// # Ok::<(), festival_core::money::MoneyError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; MAX_CODE_LEN],
    len: u8,
    minor_digits: u8,
    token: bool,
}

impl Currency {
    /// The ISO 4217 currency with this code (upper case, e.g. `"EUR"`). Withdrawn codes
    /// ([`WITHDRAWN`]) are accepted for historical data; see the module docs and
    /// [`Currency::is_withdrawn`].
    pub fn iso(code: &str) -> Result<Currency, MoneyError> {
        let digits = iso_minor_digits(code)
            .ok_or_else(|| MoneyError::UnknownCurrency { currency: truncate(code) })?;
        Ok(Self::build(code, digits, false))
    }

    /// A custom festival currency (token) with `minor_digits` decimal places (0..=18).
    /// The code is 1..=12 characters of `A-Z`, `0-9`, `_` and must not be an ISO 4217 code.
    pub fn token(code: &str, minor_digits: u32) -> Result<Currency, MoneyError> {
        let valid = !code.is_empty()
            && code.len() <= MAX_CODE_LEN
            && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(MoneyError::InvalidCurrency {
                currency: truncate(code),
                reason: "token codes are 1-12 characters of A-Z, 0-9 and _".into(),
            });
        }
        if iso_minor_digits(code).is_some() {
            return Err(MoneyError::InvalidCurrency {
                currency: code.into(),
                reason: "token code collides with an ISO 4217 currency".into(),
            });
        }
        if minor_digits > MAX_TOKEN_SCALE {
            return Err(MoneyError::InvalidCurrency {
                currency: code.into(),
                reason: format!("scale {minor_digits} is above the maximum of {MAX_TOKEN_SCALE}"),
            });
        }
        Ok(Self::build(code, minor_digits as u8, true))
    }

    fn build(code: &str, minor_digits: u8, token: bool) -> Currency {
        let mut buf = [0u8; MAX_CODE_LEN];
        buf[..code.len()].copy_from_slice(code.as_bytes());
        Currency { code: buf, len: code.len() as u8, minor_digits, token }
    }

    /// The code (`"EUR"`, `"COIN"`).
    pub fn code(&self) -> &str {
        // Only ASCII bytes are ever stored, so this cannot fail.
        std::str::from_utf8(&self.code[..self.len as usize]).unwrap_or("")
    }

    /// Number of minor digits every amount in this currency has.
    pub fn minor_digits(&self) -> u32 {
        u32::from(self.minor_digits)
    }

    /// Whether this is a custom festival token rather than an ISO 4217 currency.
    pub fn is_token(&self) -> bool {
        self.token
    }

    /// Whether this is an ISO 4217 code that is no longer in the current list ([`WITHDRAWN`]),
    /// such as `BGN`. Such a currency still works everywhere (historical ledgers); applications
    /// should not offer it for new festivals.
    ///
    /// ```
    /// use festival_core::Currency;
    /// assert!(Currency::iso("BGN")?.is_withdrawn());
    /// assert!(!Currency::iso("EUR")?.is_withdrawn());
    /// assert_eq!(festival_core::money::withdrawn("BGN").map(|w| w.replaced_by), Some("EUR"));
    /// # Ok::<(), festival_core::money::MoneyError>(())
    /// ```
    pub fn is_withdrawn(&self) -> bool {
        !self.token && withdrawn(self.code()).is_some()
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(32).collect()
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.token {
            write!(f, "{}:{}", self.code(), self.minor_digits)
        } else {
            f.write_str(self.code())
        }
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({self})")
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    /// `"EUR"` (ISO) or `"CODE:scale"` (token).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            None => Currency::iso(s),
            Some((code, scale)) => {
                let valid_digits = !scale.is_empty() && scale.len() <= 2 && scale.bytes().all(|b| b.is_ascii_digit());
                if !valid_digits {
                    return Err(MoneyError::InvalidCurrency {
                        currency: truncate(s),
                        reason: "token scale must be a small decimal number".into(),
                    });
                }
                Currency::token(code, scale.parse().unwrap_or(u32::MAX))
            }
        }
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// An ISO 4217 code that was withdrawn from the list but is still accepted for historical data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withdrawn {
    /// The code (`"BGN"`).
    pub code: &'static str,
    /// Its minor digits while it was current.
    pub minor_digits: u8,
    /// The code that replaced it (`"EUR"`).
    pub replaced_by: &'static str,
    /// When it left the list: the date of the first ISO 4217 list without it (`"2026-01-01"`).
    pub withdrawn: &'static str,
}

/// **Withdrawn codes** ([`WITHDRAWN`]: `ANG`, replaced by `XCG`; `BGN`, Bulgaria adopted the euro
/// on 2026-01-01) are still accepted by [`Currency::iso`] and flagged by
/// [`Currency::is_withdrawn`]. They are not rejected because the core cannot tell a new
/// configuration from historical data: a festival in Bulgaria in 2025 has BGN ledgers, wallets and
/// reconciliation states, and every one of them is read back through `Currency::iso` (serde,
/// conformance input, bindings). Rejecting the code would make those records unreadable and
/// their replay impossible. Whether a *new* festival may still be set up in a withdrawn currency
/// is the application's decision at configuration time: check [`Currency::is_withdrawn`] (or
/// [`withdrawn`] for the replacement code) there. Withdrawn codes also stay reserved: a token
/// cannot be named `BGN`.
///
/// Codes withdrawn before this table existed (`HRK`, `SLL`, `ZWL`, `CUC`, …) were never supported
/// and stay unknown.
pub const WITHDRAWN: &[Withdrawn] = &[
    // Netherlands Antillean guilder: replaced by the Caribbean guilder XCG (from 2025-03-31).
    Withdrawn { code: "ANG", minor_digits: 2, replaced_by: "XCG", withdrawn: "2026-01-01" },
    // Bulgarian lev: Bulgaria adopted the euro on 2026-01-01.
    Withdrawn { code: "BGN", minor_digits: 2, replaced_by: "EUR", withdrawn: "2026-01-01" },
];

/// The [`WITHDRAWN`] entry of `code`, or `None` if it is current or unknown.
pub fn withdrawn(code: &str) -> Option<&'static Withdrawn> {
    WITHDRAWN.iter().find(|w| w.code == code)
}

/// Minor digits of an ISO 4217 currency of the current list, or of a [`WITHDRAWN`] code; `None`
/// for an unknown code.
pub fn iso_minor_digits(code: &str) -> Option<u8> {
    if code.len() != 3 {
        return None;
    }
    if let Some(w) = withdrawn(code) {
        Some(w.minor_digits)
    } else if ZERO.contains(&code) {
        Some(0)
    } else if THREE.contains(&code) {
        Some(3)
    } else if FOUR.contains(&code) {
        Some(4)
    } else if TWO.contains(&code) {
        Some(2)
    } else {
        None
    }
}

const ZERO: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
    "XAF", "XOF", "XPF",
];
const THREE: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
const FOUR: &[&str] = &["CLF", "UYW"];
const TWO: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF",
    "CHW", "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB",
    "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF",
    "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN",
    "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP", "PKR",
    "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS",
    "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS",
    "UAH", "USD", "USN", "UYU", "UZS", "VED", "VES", "WST", "XAD", "XCD", "XCG", "YER", "ZAR", "ZMW", "ZWG",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::money::Money;

    #[test]
    fn iso_digits() {
        assert_eq!(Currency::iso("EUR").unwrap().minor_digits(), 2);
        assert_eq!(Currency::iso("JPY").unwrap().minor_digits(), 0);
        assert_eq!(Currency::iso("KWD").unwrap().minor_digits(), 3);
        assert_eq!(Currency::iso("eur").unwrap_err().code(), "MONEY_UNKNOWN_CURRENCY");
        assert!(Currency::iso("XYZ").is_err());
    }

    #[test]
    fn list_of_2026_01_01() {
        // New in the list: XAD, Arab Accounting Dinar, 2 minor digits.
        let xad = Currency::iso("XAD").unwrap();
        assert_eq!((xad.minor_digits(), xad.is_withdrawn()), (2, false));
        assert!(!Currency::iso("XCG").unwrap().is_withdrawn());
        // Withdrawn, still readable, flagged; the table lists each code once.
        for w in WITHDRAWN {
            let c = Currency::iso(w.code).unwrap();
            assert!(c.is_withdrawn(), "{}", w.code);
            assert_eq!(c.minor_digits(), u32::from(w.minor_digits));
            assert!(!Currency::iso(w.replaced_by).unwrap().is_withdrawn());
            assert!(!TWO.contains(&w.code) && !ZERO.contains(&w.code), "{} is not current", w.code);
            assert!(Currency::token(w.code, 2).is_err(), "withdrawn codes stay reserved");
            let json = serde_json::to_string(&Money::parse("12.34", c).unwrap()).unwrap();
            assert_eq!(serde_json::from_str::<Money>(&json).unwrap().currency(), c);
        }
        assert_eq!(withdrawn("BGN").unwrap().replaced_by, "EUR");
        assert_eq!(withdrawn("EUR"), None);
        assert!(!Currency::token("BGN_OLD", 2).unwrap().is_withdrawn());
        // Withdrawn long before: unknown, as before.
        for code in ["HRK", "SLL", "ZWL", "CUC"] {
            assert_eq!(Currency::iso(code).unwrap_err().code(), "MONEY_UNKNOWN_CURRENCY");
        }
        // No code is in two digit tables.
        let mut all: Vec<&str> = [ZERO, TWO, THREE, FOUR].concat();
        all.extend(WITHDRAWN.iter().map(|w| w.code));
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[test]
    fn tokens() {
        let t = Currency::token("BEER", 0).unwrap();
        assert!(t.is_token());
        assert_eq!(t.code(), "BEER");
        assert_ne!(Currency::token("COIN", 2).unwrap(), Currency::token("COIN", 1).unwrap());
        assert!(Currency::token("EUR", 2).is_err(), "tokens may not shadow ISO codes");
        assert!(Currency::token("coin", 2).is_err());
        assert!(Currency::token("COIN", 19).is_err());
        assert!("COIN:x".parse::<Currency>().is_err());
        assert!("COIN:".parse::<Currency>().is_err());
        assert!("COIN:999999999999".parse::<Currency>().is_err());
    }

    #[test]
    fn serde_round_trip() {
        for c in [Currency::iso("EUR").unwrap(), Currency::token("COIN", 3).unwrap()] {
            let s = serde_json::to_string(&c).unwrap();
            assert_eq!(serde_json::from_str::<Currency>(&s).unwrap(), c);
        }
    }
}
