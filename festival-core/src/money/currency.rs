//! Currencies: ISO 4217 codes with their minor digits, and custom festival tokens.

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
    /// The ISO 4217 currency with this code (upper case, e.g. `"EUR"`).
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

/// Minor digits of an active ISO 4217 currency, or `None` for an unknown code.
pub fn iso_minor_digits(code: &str) -> Option<u8> {
    if code.len() != 3 {
        return None;
    }
    if ZERO.contains(&code) {
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
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF",
    "CHW", "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB",
    "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF",
    "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN",
    "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP", "PKR",
    "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS",
    "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS",
    "UAH", "USD", "USN", "UYU", "UZS", "VED", "VES", "WST", "XCD", "XCG", "YER", "ZAR", "ZMW", "ZWG",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn iso_digits() {
        assert_eq!(Currency::iso("EUR").unwrap().minor_digits(), 2);
        assert_eq!(Currency::iso("JPY").unwrap().minor_digits(), 0);
        assert_eq!(Currency::iso("KWD").unwrap().minor_digits(), 3);
        assert_eq!(Currency::iso("eur").unwrap_err().code(), "MONEY_UNKNOWN_CURRENCY");
        assert!(Currency::iso("XYZ").is_err());
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
