//! The device registry: which device may sign what, where and when. Lookups are pure.
//!
//! ```
//! use festival_core::offline::registry::{DeviceEntry, DeviceRegistry, DeviceRole};
//! use festival_core::offline::{crypto, record::RecordKind};
//! use festival_core::Timestamp;
//! use uuid::Uuid;
//! let entry = DeviceEntry {
//!     device_id: Uuid::from_u128(1),
//!     public_key: crypto::public_key_from_seed(&[1; 32]),
//!     festival_id: Uuid::from_u128(7),
//!     role: DeviceRole::Gate,
//!     locations: vec![Uuid::from_u128(99)],
//!     valid_from: Timestamp::from_unix_millis(0)?,
//!     valid_until: Timestamp::from_unix_millis(2_000_000_000_000)?,
//!     revoked_at: None,
//! };
//! let registry = DeviceRegistry::new(vec![entry])?;
//! assert!(registry.get(&Uuid::from_u128(1)).is_some());
//! assert!(!DeviceRole::Gate.allows(RecordKind::Payment));
//! # Ok::<(), festival_core::Error>(())
//! ```

use super::crypto::StrictPublicKey;
use super::record::{Payload, RecordBody, RecordKind};
use super::OfflineError;
use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What a device is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceRole {
    /// Point of sale at a stand: payments, refunds, voids of its own records.
    Pos,
    /// Gate scanner: ticket scans, voids of its own records.
    Gate,
    /// Cash top-up desk: top-ups, refunds, deposit returns, voids of its own records.
    TopUp,
}

impl DeviceRole {
    /// Whether this role may create records of `kind`.
    pub fn allows(self, kind: RecordKind) -> bool {
        matches!(
            (self, kind),
            (DeviceRole::Pos, RecordKind::Payment | RecordKind::Refund | RecordKind::Void | RecordKind::DepositReturn)
                | (DeviceRole::Gate, RecordKind::Scan | RecordKind::Void)
                | (
                    DeviceRole::TopUp,
                    RecordKind::TopUp | RecordKind::Refund | RecordKind::Void | RecordKind::DepositReturn
                )
        )
    }

    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceRole::Pos => "pos",
            DeviceRole::Gate => "gate",
            DeviceRole::TopUp => "top_up",
        }
    }
}

/// Serde helper: 32-byte key as hex.
mod key_hex {
    pub use super::super::record::hex32::{deserialize, serialize};
}

/// One registered device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceEntry {
    /// Device id.
    pub device_id: Uuid,
    /// Ed25519 public key (hex in JSON).
    #[serde(with = "key_hex")]
    pub public_key: [u8; 32],
    /// The festival the device (and its key) belongs to.
    pub festival_id: Uuid,
    /// Its role.
    pub role: DeviceRole,
    /// Stands (POS) or zones (gate) it may act at. Ignored for top-up desks.
    pub locations: Vec<Uuid>,
    /// Start of validity (inclusive).
    pub valid_from: Timestamp,
    /// End of validity (exclusive).
    pub valid_until: Timestamp,
    /// Revocation time: records at or after it are rejected.
    #[serde(default)]
    pub revoked_at: Option<Timestamp>,
}

/// A registered device with its key checked once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredDevice {
    /// The entry.
    pub entry: DeviceEntry,
    /// The strictly checked key.
    pub key: StrictPublicKey,
}

/// All devices of a deployment, by id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceRegistry {
    devices: BTreeMap<Uuid, RegisteredDevice>,
}

impl DeviceRegistry {
    /// Builds a registry; errors on a bad key (`OFFLINE_INVALID_KEY`) or a duplicate device id
    /// (`RECONCILE_INVALID_STATE`).
    pub fn new(entries: Vec<DeviceEntry>) -> Result<Self, OfflineError> {
        let mut devices = BTreeMap::new();
        for entry in entries {
            let key = StrictPublicKey::from_bytes(&entry.public_key)?;
            let id = entry.device_id;
            if devices.insert(id, RegisteredDevice { entry, key }).is_some() {
                return Err(OfflineError::ReconcileInvalidState { reason: format!("device {id} registered twice") });
            }
        }
        Ok(DeviceRegistry { devices })
    }

    /// The device, if registered.
    pub fn get(&self, device_id: &Uuid) -> Option<&RegisteredDevice> {
        self.devices.get(device_id)
    }

    /// The entries, ordered by device id.
    pub fn entries(&self) -> impl Iterator<Item = &DeviceEntry> {
        self.devices.values().map(|d| &d.entry)
    }

    /// Checks that the device may have made `body` (festival, validity window, revocation, role,
    /// stand or zone). Does not check the signature or the chain.
    pub fn authorize(&self, body: &RecordBody, festival_id: Uuid) -> Result<&RegisteredDevice, OfflineError> {
        let dev = self.get(&body.device_id).ok_or(OfflineError::UnknownDevice { device_id: body.device_id })?;
        authorize_entry(&dev.entry, body, festival_id)?;
        Ok(dev)
    }
}

/// The policy checks of [`DeviceRegistry::authorize`] for one entry.
pub fn authorize_entry(e: &DeviceEntry, body: &RecordBody, festival_id: Uuid) -> Result<(), OfflineError> {
    let device_id = e.device_id;
    if e.festival_id != festival_id {
        return Err(OfflineError::WrongFestival { expected: festival_id, actual: e.festival_id });
    }
    if body.festival_id != festival_id {
        return Err(OfflineError::WrongFestival { expected: festival_id, actual: body.festival_id });
    }
    let t = body.device_time;
    if let Some(revoked_at) = e.revoked_at {
        if t >= revoked_at {
            return Err(OfflineError::DeviceRevoked { device_id, revoked_at, record_time: t });
        }
    }
    if t < e.valid_from || t >= e.valid_until {
        return Err(OfflineError::DeviceOutsideWindow {
            device_id,
            record_time: t,
            valid_from: e.valid_from,
            valid_until: e.valid_until,
        });
    }
    let kind = body.kind();
    if !e.role.allows(kind) {
        return Err(OfflineError::RoleNotAllowed {
            device_id,
            role: e.role.as_str().into(),
            kind: kind.as_str().into(),
        });
    }
    let location = match &body.payload {
        Payload::Payment { stand_id, .. } => Some(*stand_id),
        Payload::Scan { zone_id, .. } => Some(*zone_id),
        _ => None,
    };
    if let Some(location) = location {
        if !e.locations.contains(&location) {
            return Err(OfflineError::LocationNotAllowed { device_id, location });
        }
    }
    Ok(())
}
