//! Catalog errors (`CATALOG_*`). They belong to the wallet family (the POS side of a wallet):
//! bindings raise them as wallet errors, with their own codes.

use crate::error::ErrorCode;
use serde::Serialize;

/// Errors of building, verifying and checking against a product catalog. Money in the details is
/// a decimal string plus `currency`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum CatalogError {
    /// `CATALOG_INVALID`: the catalog as a whole cannot be used (no products, too many products).
    #[error("invalid catalog: {reason}")]
    Invalid {
        /// Why.
        reason: String,
    },
    /// `CATALOG_INVALID_PRODUCT`: a product that cannot be sold (empty or too long id / name,
    /// negative price, VAT rate outside 0..=100, a deposit product with VAT, an age limit or
    /// a deposit of its own, a voucher price of zero...).
    #[error("invalid product '{product}': {reason}")]
    InvalidProduct {
        /// The product id.
        product: String,
        /// Why.
        reason: String,
    },
    /// `CATALOG_DUPLICATE_PRODUCT`: two products with the same id.
    #[error("product id '{product}' appears more than once")]
    DuplicateProduct {
        /// The product id.
        product: String,
    },
    /// `CATALOG_CURRENCY_MISMATCH`: a product price in another currency than the catalog's.
    #[error("product '{product}' is priced in {actual}, the catalog uses {expected}")]
    CurrencyMismatch {
        /// The product id.
        product: String,
        /// The catalog's currency.
        expected: String,
        /// The price's currency.
        actual: String,
    },
    /// `CATALOG_INVALID_DEPOSIT_LINK`: a product's deposit names an unknown product or one that
    /// is not of kind `deposit`.
    #[error("product '{product}' links deposit '{deposit}': {reason}")]
    InvalidDepositLink {
        /// The product id.
        product: String,
        /// The linked deposit id.
        deposit: String,
        /// Why.
        reason: String,
    },
    /// `CATALOG_BAD_SIGNATURE`: a signed catalog whose signature does not verify under the key
    /// (tampered content, other key, malformed signature).
    #[error("catalog signature does not verify")]
    BadSignature {},
    /// `CATALOG_VERSION_MISMATCH`: a payment made with another catalog version (or none) than
    /// the catalog it is checked against.
    #[error("payment used catalog version {payment_version:?}, checked against version {catalog_version}")]
    VersionMismatch {
        /// The version of the catalog checked against.
        catalog_version: u32,
        /// The version the payment carries (`null`: none).
        payment_version: Option<u32>,
    },
    /// `CATALOG_UNKNOWN_PRODUCT`: a line (or basket line, deposit return) names a product that
    /// is not in the catalog.
    #[error("line {line}: product '{product}' is not in the catalog")]
    UnknownProduct {
        /// Index of the line (0-based).
        line: usize,
        /// The product id.
        product: String,
    },
    /// `CATALOG_PRICE_MISMATCH`: a line's unit price (or a deposit return's amount) differs from
    /// the catalog's price: a tampered or outdated price.
    #[error("line {line}: product '{product}' costs {expected} {currency}, the line says {actual}")]
    PriceMismatch {
        /// Index of the line (0-based; 0 for a deposit return).
        line: usize,
        /// The product id.
        product: String,
        /// The catalog's price (unit price, or quantity × deposit for a return).
        expected: String,
        /// What the line says.
        actual: String,
        /// The currency of `expected` (the catalog's).
        currency: String,
    },
    /// `CATALOG_LINE_KIND_MISMATCH`: a deposit product sold as a goods line, a goods product on a
    /// deposit line, or a deposit return of a product that is not a deposit.
    #[error("line {line}: product '{product}': {reason}")]
    LineKindMismatch {
        /// Index of the line (0-based).
        line: usize,
        /// The product id.
        product: String,
        /// Why.
        reason: String,
    },
    /// `CATALOG_VOUCHER_MISMATCH`: a line paid with vouchers for a product that has no voucher
    /// price, with another voucher type or count than the catalog's, or with a money price.
    #[error("line {line}: product '{product}': {reason}")]
    VoucherMismatch {
        /// Index of the line (0-based).
        line: usize,
        /// The product id.
        product: String,
        /// Why.
        reason: String,
    },
    /// `CATALOG_DEPOSIT_MISMATCH`: the deposit lines of a payment do not match its goods (every
    /// unit of a product with a deposit adds one unit of that deposit).
    #[error("deposit '{deposit}': the goods need {expected_quantity}, the payment charges {actual_quantity}")]
    DepositMismatch {
        /// The deposit product id.
        deposit: String,
        /// Units the goods lines require.
        expected_quantity: u64,
        /// Units the deposit lines charge.
        actual_quantity: u64,
    },
    /// `CATALOG_AGE_RESTRICTED`: a product whose minimum age is above the wallet's (or tag's) age
    /// class; a wallet without an age class counts as under 16.
    #[error("product '{product}' requires age {min_age}, the customer's age class is {age_class}")]
    AgeRestricted {
        /// The product id.
        product: String,
        /// The product's minimum age.
        min_age: u8,
        /// The age class given (`under_16`, `16_17`, `adult`; `unknown` when none).
        age_class: String,
    },
}

impl ErrorCode for CatalogError {
    fn code(&self) -> &'static str {
        match self {
            CatalogError::Invalid { .. } => "CATALOG_INVALID",
            CatalogError::InvalidProduct { .. } => "CATALOG_INVALID_PRODUCT",
            CatalogError::DuplicateProduct { .. } => "CATALOG_DUPLICATE_PRODUCT",
            CatalogError::CurrencyMismatch { .. } => "CATALOG_CURRENCY_MISMATCH",
            CatalogError::InvalidDepositLink { .. } => "CATALOG_INVALID_DEPOSIT_LINK",
            CatalogError::BadSignature { .. } => "CATALOG_BAD_SIGNATURE",
            CatalogError::VersionMismatch { .. } => "CATALOG_VERSION_MISMATCH",
            CatalogError::UnknownProduct { .. } => "CATALOG_UNKNOWN_PRODUCT",
            CatalogError::PriceMismatch { .. } => "CATALOG_PRICE_MISMATCH",
            CatalogError::LineKindMismatch { .. } => "CATALOG_LINE_KIND_MISMATCH",
            CatalogError::VoucherMismatch { .. } => "CATALOG_VOUCHER_MISMATCH",
            CatalogError::DepositMismatch { .. } => "CATALOG_DEPOSIT_MISMATCH",
            CatalogError::AgeRestricted { .. } => "CATALOG_AGE_RESTRICTED",
        }
    }
}

impl From<CatalogError> for crate::Error {
    fn from(e: CatalogError) -> Self {
        crate::Error::Wallet(e.into())
    }
}
