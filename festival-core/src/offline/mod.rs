//! Offline operation, the heart of festival-core: Ed25519-signed, hash-chained device logs,
//! signed ticket codes with revocation lists, and deterministic reconciliation.
//!
//! - [`crypto`]: strict Ed25519 (single and batch verification agree).
//! - [`registry`]: which device may do what, where and when.
//! - [`record`]: the canonical binary encoding of offline records and batches.
//! - [`chain`]: verification of a device's log (signature, sequence, hash chain, clock skew).
//! - [`device`]: the device side: signing records and a local view with limits.
//! - [`ack`]: server-signed acknowledgements that anchor device time to the server's.
//! - [`allowance`]: signed offline allowances and the exposure they bound.
//! - [`codes`]: signed ticket codes for QR and signed revocation lists.
//! - [`reconcile`]: merging batches into the server state under a conflict policy.
//!
//! ```
//! use festival_core::offline::{crypto, record::{Hlc, Payload, RecordBody, RecordKind}};
//! use uuid::Uuid;
//! let seed = [9u8; 32];
//! let body = RecordBody {
//!     record_id: Uuid::from_u128(1), device_id: Uuid::from_u128(2), festival_id: Uuid::from_u128(3),
//!     sequence: 1, prev_hash: [0; 32],
//!     device_time: festival_core::Timestamp::from_unix_millis(1_783_180_800_000)?,
//!     hlc: Hlc { physical_ms: 1_783_180_800_000, logical: 0 },
//!     payload: Payload::Scan { ticket_id: Uuid::from_u128(4), zone_id: Uuid::from_u128(5),
//!                              direction: festival_core::offline::record::Direction::In },
//!     anchor: None,
//!     scan_fact: None,
//! };
//! let signed = body.sign(&seed)?;
//! let bytes = signed.to_bytes();
//! let back = festival_core::offline::record::SignedRecord::from_bytes(&bytes)?;
//! assert_eq!(back, signed);
//! assert_eq!(back.body().kind(), RecordKind::Scan);
//! assert!(crypto::verify(&crypto::public_key_from_seed(&seed), &back.signing_input(), back.signature()).is_ok());
//! # Ok::<(), festival_core::Error>(())
//! ```

pub mod ack;
pub mod allowance;
pub mod chain;
pub mod codes;
pub mod crypto;
pub mod device;
pub(crate) mod exec;
mod finals;
mod history;
pub(crate) mod merge;
#[cfg(feature = "parallel")]
pub mod parallel;
pub mod reconcile;
pub mod record;
pub mod registry;
pub(crate) mod wire;

use crate::error::ErrorCode;
use crate::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// Offline errors: devices, records, logs, ticket codes, revocation lists, reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum OfflineError {
    /// Bytes that are not a valid encoding (record, batch, list...).
    #[error("malformed {what} at byte {offset}: {reason}")]
    Malformed {
        /// What was being decoded (`record`, `batch`, `ticket_code`, `revocation_list`).
        what: String,
        /// Byte offset where decoding stopped.
        offset: u64,
        /// Why it was rejected.
        reason: String,
    },
    /// The Ed25519 signature does not verify strictly.
    #[error("bad signature")]
    BadSignature {},
    /// A public key that is not acceptable (wrong length, non-canonical, small order).
    #[error("invalid public key: {reason}")]
    InvalidKey {
        /// Why it was rejected.
        reason: String,
    },
    /// The record's device is not in the registry.
    #[error("unknown device {device_id}")]
    UnknownDevice {
        /// The device id.
        device_id: Uuid,
    },
    /// The device was revoked before the record's time.
    #[error("device {device_id} revoked at {revoked_at}, record at {record_time}")]
    DeviceRevoked {
        /// The device id.
        device_id: Uuid,
        /// When it was revoked.
        revoked_at: Timestamp,
        /// The record's device time.
        record_time: Timestamp,
    },
    /// The record's time lies outside the device's validity window.
    #[error("device {device_id} not valid at {record_time}")]
    DeviceOutsideWindow {
        /// The device id.
        device_id: Uuid,
        /// The record's device time.
        record_time: Timestamp,
        /// Start of validity.
        valid_from: Timestamp,
        /// End of validity (exclusive).
        valid_until: Timestamp,
    },
    /// The device's role does not allow this kind of record.
    #[error("device {device_id} with role {role} may not record {kind}")]
    RoleNotAllowed {
        /// The device id.
        device_id: Uuid,
        /// The device's role.
        role: String,
        /// The record kind.
        kind: String,
    },
    /// The stand or zone is not one the device is assigned to.
    #[error("device {device_id} is not assigned to {location}")]
    LocationNotAllowed {
        /// The device id.
        device_id: Uuid,
        /// The stand or zone id in the record.
        location: Uuid,
    },
    /// The record (or key) belongs to another festival.
    #[error("festival {actual}, expected {expected}")]
    WrongFestival {
        /// The festival being verified.
        expected: Uuid,
        /// The festival in the record or key.
        actual: Uuid,
    },
    /// A record that was already accepted (replay).
    #[error("record {sequence} of device {device_id} was already processed")]
    Duplicate {
        /// The device id.
        device_id: Uuid,
        /// Its sequence number (decimal string).
        sequence: String,
    },
    /// An operator declared this record lost (its sequence lies in a declared-lost range).
    #[error("record {sequence} of device {device_id} was declared lost")]
    DeclaredLost {
        /// The device id.
        device_id: Uuid,
        /// Its sequence number (decimal string).
        sequence: String,
    },
    /// Too many records of one device wait (pending) for a gap, a clock or a registration.
    #[error("device {device_id} has {max} pending records already")]
    PendingLimit {
        /// The device id.
        device_id: Uuid,
        /// The limit.
        max: u64,
    },
    /// Records are missing before this one.
    #[error("sequence gap on device {device_id}: expected {expected}, found {found}")]
    SequenceGap {
        /// The device id.
        device_id: Uuid,
        /// The next sequence the verifier expected (decimal string).
        expected: String,
        /// The sequence found (decimal string).
        found: String,
    },
    /// The record does not link to the previous record's hash: altered or reordered history.
    #[error("hash chain broken on device {device_id} at sequence {sequence}")]
    ChainBroken {
        /// The device id.
        device_id: Uuid,
        /// The sequence where the chain breaks (decimal string).
        sequence: String,
    },
    /// Two different records claim the same device and sequence (same predecessor).
    #[error("fork on device {device_id} at sequence {sequence}")]
    Fork {
        /// The device id.
        device_id: Uuid,
        /// The sequence claimed twice (decimal string).
        sequence: String,
    },
    /// The record's time is too far from the server's time or from its own HLC stamp.
    #[error("clock skew on device {device_id}: record at {record_time}")]
    ClockSkew {
        /// The device id.
        device_id: Uuid,
        /// The record's device time.
        record_time: Timestamp,
        /// The reference it was compared with (server `now` or the HLC physical time).
        reference: Timestamp,
        /// The allowed skew in milliseconds.
        max_skew_ms: i64,
    },
    /// A record dated before the server acknowledgement it references, or whose anchor is older
    /// than its predecessor's (or missing while its predecessor had one): the device's clock or
    /// software lies.
    #[error("record {sequence} of device {device_id} is backdated: {reason}")]
    Backdated {
        /// The device id.
        device_id: Uuid,
        /// The record's sequence (decimal string).
        sequence: String,
        /// What gives it away.
        reason: String,
    },
    /// A server acknowledgement (or a record's reference to one) that does not fit: not issued
    /// by this server to this device, for another device or festival, or ahead of the device's
    /// own log.
    #[error("invalid acknowledgement for device {device_id}: {reason}")]
    AnchorInvalid {
        /// The device id.
        device_id: Uuid,
        /// Why it does not fit.
        reason: String,
    },
    /// The HLC stamp does not increase along the device's log.
    #[error("HLC regression on device {device_id} at sequence {sequence}")]
    HlcRegression {
        /// The device id.
        device_id: Uuid,
        /// The sequence whose stamp is not greater than its predecessor's (decimal string).
        sequence: String,
    },
    /// A local limit of the device would be exceeded.
    #[error("device limit {limit} exceeded: {attempted} > {allowed}")]
    DeviceLimitExceeded {
        /// Which limit: `per_payment`, `per_wallet_offline`, `stored_value`.
        limit: String,
        /// What the operation would reach (decimal amount or count).
        attempted: String,
        /// The configured limit.
        allowed: String,
    },
    /// No offline allowance installed on the device covers the payment (see
    /// [`allowance`]): the wallet has used what it may spend offline on this device.
    #[error("no offline allowance covers {requested} for wallet {wallet_id}")]
    DeviceAllowanceExceeded {
        /// The wallet.
        wallet_id: Uuid,
        /// The amount asked for (decimal string).
        requested: String,
    },
    /// The device's queue of unsynced records is full.
    #[error("device queue full ({max} records)")]
    DeviceQueueFull {
        /// The configured maximum.
        max: u64,
    },
    /// The wallet's locally known balance does not cover the payment.
    #[error("insufficient offline balance: {available} available, {requested} requested")]
    DeviceInsufficientBalance {
        /// Locally known available amount (decimal string).
        available: String,
        /// Requested amount (decimal string).
        requested: String,
    },
    /// An amount in the wrong currency, zero, negative or too large for an offline record.
    #[error("invalid amount: {reason}")]
    InvalidAmount {
        /// Why it was rejected.
        reason: String,
    },
    /// Ticket-code text or bytes that are not a valid code.
    #[error("malformed ticket code: {reason}")]
    CodeMalformed {
        /// Why it was rejected.
        reason: String,
    },
    /// The ticket code's or list's key id is not in the key set.
    #[error("unknown issuer key {key_id}")]
    CodeUnknownKey {
        /// The key id.
        key_id: u32,
    },
    /// The issuer key is not valid at the verification time.
    #[error("issuer key {key_id} not valid at {at}")]
    CodeKeyNotValid {
        /// The key id.
        key_id: u32,
        /// The verification time.
        at: Timestamp,
    },
    /// The ticket code's or list's signature does not verify.
    #[error("ticket code or list signature does not verify")]
    CodeBadSignature {},
    /// The code belongs to another festival.
    #[error("code for festival {actual}, expected {expected}")]
    CodeWrongFestival {
        /// The gate's festival.
        expected: Uuid,
        /// The code's festival.
        actual: Uuid,
    },
    /// The code is not valid yet.
    #[error("code valid from {valid_from}")]
    CodeNotYetValid {
        /// Start of validity.
        valid_from: Timestamp,
    },
    /// The code has expired.
    #[error("code expired at {valid_until}")]
    CodeExpired {
        /// End of validity (exclusive).
        valid_until: Timestamp,
    },
    /// The ticket is on the revocation list.
    #[error("ticket {ticket_id} is revoked")]
    CodeRevoked {
        /// The ticket id.
        ticket_id: Uuid,
    },
    /// The gate's revocation list is older than the allowed staleness (or missing).
    #[error("revocation list too old")]
    RevocationListStale {
        /// When the installed list was issued (absent if there is none).
        issued_at: Option<Timestamp>,
        /// Maximum allowed age in milliseconds.
        max_staleness_ms: i64,
    },
    /// A revocation list not newer than the installed one (never replace newer by older).
    #[error("revocation list version {offered} is not newer than installed {installed}")]
    RevocationListOutdated {
        /// Version offered (decimal string).
        offered: String,
        /// Version installed (decimal string).
        installed: String,
    },
    /// A record names a wallet the server does not know.
    #[error("unknown wallet {wallet_id}")]
    ReconcileUnknownWallet {
        /// The wallet id.
        wallet_id: Uuid,
    },
    /// A scan names a ticket the server does not know.
    #[error("unknown ticket {ticket_id}")]
    ReconcileUnknownTicket {
        /// The ticket id.
        ticket_id: Uuid,
    },
    /// A scan of a ticket the server has revoked.
    #[error("ticket {ticket_id} is revoked")]
    ReconcileTicketRevoked {
        /// The ticket id.
        ticket_id: Uuid,
    },
    /// A record id that an accepted record (or a wallet entry) already uses.
    #[error("record id {record_id} already used")]
    ReconcileRecordIdReused {
        /// The record id.
        record_id: Uuid,
    },
    /// A refund or void whose target is unknown, of another device or wallet, or already voided.
    #[error("record {record_id} cannot refer to {target_id}: {reason}")]
    ReconcileInvalidReference {
        /// The refund or void record.
        record_id: Uuid,
        /// The record it refers to.
        target_id: Uuid,
        /// Why it is invalid.
        reason: String,
    },
    /// An offline payment that the wallet cannot cover (the balance was spent elsewhere).
    #[error("double spend on wallet {wallet_id}: {shortfall} short")]
    ReconcileDoubleSpend {
        /// The wallet.
        wallet_id: Uuid,
        /// What the balance could not cover (decimal string).
        shortfall: String,
    },
    /// A second entry scan of a ticket that is already inside.
    #[error("ticket {ticket_id} already admitted")]
    ReconcileDoubleAdmission {
        /// The ticket.
        ticket_id: Uuid,
    },
    /// An amount in another currency than the festival's.
    #[error("amount in {actual}, festival uses {expected}")]
    ReconcileCurrencyMismatch {
        /// The festival's currency.
        expected: String,
        /// The record's currency.
        actual: String,
    },
    /// Reconciliation input that is inconsistent (e.g. balances in another currency).
    #[error("invalid reconciliation state: {reason}")]
    ReconcileInvalidState {
        /// Why it was rejected.
        reason: String,
    },
}

impl ErrorCode for OfflineError {
    fn code(&self) -> &'static str {
        match self {
            OfflineError::Malformed { .. } => "OFFLINE_MALFORMED",
            OfflineError::BadSignature { .. } => "OFFLINE_BAD_SIGNATURE",
            OfflineError::InvalidKey { .. } => "OFFLINE_INVALID_KEY",
            OfflineError::UnknownDevice { .. } => "OFFLINE_UNKNOWN_DEVICE",
            OfflineError::DeviceRevoked { .. } => "OFFLINE_DEVICE_REVOKED",
            OfflineError::DeviceOutsideWindow { .. } => "OFFLINE_DEVICE_OUTSIDE_WINDOW",
            OfflineError::RoleNotAllowed { .. } => "OFFLINE_ROLE_NOT_ALLOWED",
            OfflineError::LocationNotAllowed { .. } => "OFFLINE_LOCATION_NOT_ALLOWED",
            OfflineError::WrongFestival { .. } => "OFFLINE_WRONG_FESTIVAL",
            OfflineError::Duplicate { .. } => "OFFLINE_DUPLICATE_RECORD",
            OfflineError::DeclaredLost { .. } => "OFFLINE_DECLARED_LOST",
            OfflineError::PendingLimit { .. } => "OFFLINE_PENDING_LIMIT",
            OfflineError::SequenceGap { .. } => "OFFLINE_SEQUENCE_GAP",
            OfflineError::ChainBroken { .. } => "OFFLINE_CHAIN_BROKEN",
            OfflineError::Fork { .. } => "OFFLINE_FORK",
            OfflineError::ClockSkew { .. } => "OFFLINE_CLOCK_SKEW",
            OfflineError::HlcRegression { .. } => "OFFLINE_HLC_REGRESSION",
            OfflineError::Backdated { .. } => "OFFLINE_BACKDATED",
            OfflineError::AnchorInvalid { .. } => "OFFLINE_ANCHOR_INVALID",
            OfflineError::DeviceLimitExceeded { .. } => "DEVICE_LIMIT_EXCEEDED",
            OfflineError::DeviceQueueFull { .. } => "DEVICE_QUEUE_FULL",
            OfflineError::DeviceAllowanceExceeded { .. } => "DEVICE_ALLOWANCE_EXCEEDED",
            OfflineError::DeviceInsufficientBalance { .. } => "DEVICE_INSUFFICIENT_BALANCE",
            OfflineError::InvalidAmount { .. } => "OFFLINE_INVALID_AMOUNT",
            OfflineError::CodeMalformed { .. } => "CODE_MALFORMED",
            OfflineError::CodeUnknownKey { .. } => "CODE_UNKNOWN_KEY",
            OfflineError::CodeKeyNotValid { .. } => "CODE_KEY_NOT_VALID",
            OfflineError::CodeBadSignature { .. } => "CODE_BAD_SIGNATURE",
            OfflineError::CodeWrongFestival { .. } => "CODE_WRONG_FESTIVAL",
            OfflineError::CodeNotYetValid { .. } => "CODE_NOT_YET_VALID",
            OfflineError::CodeExpired { .. } => "CODE_EXPIRED",
            OfflineError::CodeRevoked { .. } => "CODE_REVOKED",
            OfflineError::RevocationListStale { .. } => "CODE_REVOCATION_LIST_STALE",
            OfflineError::RevocationListOutdated { .. } => "CODE_REVOCATION_LIST_OUTDATED",
            OfflineError::ReconcileUnknownWallet { .. } => "RECONCILE_UNKNOWN_WALLET",
            OfflineError::ReconcileUnknownTicket { .. } => "RECONCILE_UNKNOWN_TICKET",
            OfflineError::ReconcileTicketRevoked { .. } => "RECONCILE_TICKET_REVOKED",
            OfflineError::ReconcileRecordIdReused { .. } => "RECONCILE_RECORD_ID_REUSED",
            OfflineError::ReconcileInvalidReference { .. } => "RECONCILE_INVALID_REFERENCE",
            OfflineError::ReconcileDoubleSpend { .. } => "RECONCILE_DOUBLE_SPEND",
            OfflineError::ReconcileDoubleAdmission { .. } => "RECONCILE_DOUBLE_ADMISSION",
            OfflineError::ReconcileCurrencyMismatch { .. } => "RECONCILE_CURRENCY_MISMATCH",
            OfflineError::ReconcileInvalidState { .. } => "RECONCILE_INVALID_STATE",
        }
    }
}

#[cfg(test)]
mod reconcile_tests;
