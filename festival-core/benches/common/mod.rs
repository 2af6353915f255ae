//! Deterministic benchmark data shared by the criterion benches, the 1M-record runner and the
//! data generator (`examples/gen_bench_data.rs`), so that every pipeline (ours and the peers')
//! processes the same signed bytes.
//!
//! Scenario: one festival in EUR, `devices` devices (90 % POS at 50 stands, 10 % top-up desks),
//! `records / 50` wallets that start with 300.00 EUR, and every device signing `records / devices`
//! records (POS: payments with 1-3 line items; desks: cash top-ups). Device `d`'s record `j` is
//! made at `T0 + j s + d ms`, so "round" `k` (records `k*B+1 ..= (k+1)*B` of every device, one
//! batch per device) entirely precedes round `k+1` in the total order: streaming the rounds one
//! `reconcile` call at a time gives the same outcome as one call with everything. Some payments
//! are not covered (double spends, resolved first-wins), so the conflict path is exercised too.
//!
//! File format (`FCBENCH1`, integers big-endian): magic (8), festival id (16), currency (u8 len +
//! ASCII), T0 ms (u64), now ms (u64), valid_until ms (u64), devices (u32) then per device id (16),
//! public key (32), role (u8: 0 POS, 1 top-up), stand (16; zeros for desks); wallets (u32) then
//! per wallet id (16), initial balance in minor units (u64); rounds (u32), then per round batches
//! (u32) and per batch length (u32) + the encoded `Batch`.
#![allow(dead_code)]

use festival_core::offline::crypto;
use festival_core::offline::device::DeviceSigner;
use festival_core::offline::reconcile::{ReconcileConfig, ReconcileReport, ReconcileState};
use festival_core::offline::record::{Batch, LineItem, Payload, SignedRecord};
use festival_core::offline::registry::{DeviceEntry, DeviceRegistry, DeviceRole};
use festival_core::wallet::{Entry, Operation, TopUpMethod, Wallet, WalletConfig};
use festival_core::{Currency, Money, Timestamp};
use uuid::Uuid;

/// 2026-07-05T00:00:00Z.
pub const T0_MS: i64 = 1_783_180_800_000;
/// Records per device per batch (one batch per device per round).
pub const BATCH_RECORDS: usize = 200;
/// Initial balance of every wallet, in cents.
pub const INITIAL_CENTS: u64 = 30_000;
const MAGIC: &[u8; 8] = b"FCBENCH1";

/// A generated (or loaded) data set.
pub struct Dataset {
    pub festival_id: Uuid,
    pub currency: Currency,
    pub now_ms: i64,
    pub valid_until_ms: i64,
    /// (device id, public key, is top-up desk, stand id)
    pub devices: Vec<(Uuid, [u8; 32], bool, Uuid)>,
    /// (wallet id, initial cents)
    pub wallets: Vec<(Uuid, u64)>,
    /// rounds -> batches (one per device) -> encoded batch bytes
    pub rounds: Vec<Vec<Vec<u8>>>,
}

/// splitmix64: a tiny deterministic mixer (no randomness in the data).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

pub fn device_seed(d: usize) -> [u8; 32] {
    let mut seed = [0x42u8; 32];
    seed[..8].copy_from_slice(&(d as u64).to_le_bytes());
    seed
}

pub fn festival_id() -> Uuid {
    Uuid::from_u128(0xf0f0_0000_0000_0000_0000_0000_0000_0001)
}

fn device_id(d: usize) -> Uuid {
    Uuid::from_u128(0xd0d0_0000_0000_0000_0000_0000_0000_0000 + d as u128)
}

fn wallet_id(w: usize) -> Uuid {
    Uuid::from_u128(0xa0a0_0000_0000_0000_0000_0000_0000_0000 + w as u128)
}

fn stand_id(s: usize) -> Uuid {
    Uuid::from_u128(0x5757_0000_0000_0000_0000_0000_0000_0000 + s as u128)
}

fn is_desk(d: usize, devices: usize) -> bool {
    d >= devices - devices / 10
}

/// One device's whole log, signed.
fn device_log(d: usize, devices: usize, per_device: usize, wallets: usize, eur: Currency) -> Vec<SignedRecord> {
    let mut signer = DeviceSigner::new(device_seed(d), device_id(d), festival_id());
    let desk = is_desk(d, devices);
    let mut out = Vec::with_capacity(per_device);
    for j in 1..=per_device {
        let h = mix(((d as u64) << 32) ^ j as u64);
        let wallet = wallet_id((h % wallets as u64) as usize);
        let record_id = Uuid::from_u128(((d as u128) << 64) | j as u128);
        let at = Timestamp::from_unix_millis(T0_MS + j as i64 * 1000 + d as i64).expect("time");
        let payload = if desk {
            let cents = 2_000 + (h >> 20) % 6_001; // 20.00 .. 80.00
            Payload::TopUp { wallet_id: wallet, amount: Money::from_minor(cents as i64, eur).expect("money") }
        } else {
            let n_items = 1 + (h >> 8) % 3;
            let mut items = Vec::new();
            let mut total = 0i64;
            for k in 0..n_items {
                let hk = mix(h ^ k);
                let unit = 150 + (hk % 451) as i64; // 1.50 .. 6.00
                let qty = 1 + (hk >> 16) % 2;
                total += unit * qty as i64;
                items.push(LineItem {
                    product_id: Uuid::from_u128(0x9090_0000 + (hk >> 32) as u128 % 200),
                    quantity: qty as u32,
                    unit_price: Money::from_minor(unit, eur).expect("money"),
                });
            }
            Payload::Payment {
                wallet_id: wallet,
                amount: Money::from_minor(total, eur).expect("money"),
                stand_id: stand_id(d % 50),
                items,
                catalog: None,
            }
        };
        out.push(signer.sign(record_id, at, payload).expect("sign"));
    }
    out
}

/// Generates `records` records (rounded down to a multiple of `devices`) from `devices` devices,
/// signing on `threads` threads (the result does not depend on `threads`).
pub fn generate(records: usize, devices: usize, threads: usize) -> Dataset {
    let eur = Currency::iso("EUR").expect("EUR");
    let per_device = records / devices;
    let wallets = (records / 50).max(1);
    let threads = threads.max(1);
    let mut logs: Vec<Vec<SignedRecord>> = vec![Vec::new(); devices];
    std::thread::scope(|s| {
        let chunk = devices.div_ceil(threads);
        for (t, slot) in logs.chunks_mut(chunk).enumerate() {
            s.spawn(move || {
                for (i, log) in slot.iter_mut().enumerate() {
                    *log = device_log(t * chunk + i, devices, per_device, wallets, eur);
                }
            });
        }
    });
    let n_rounds = per_device.div_ceil(BATCH_RECORDS);
    let mut rounds = Vec::with_capacity(n_rounds);
    for k in 0..n_rounds {
        let mut batches = Vec::with_capacity(devices);
        for log in &logs {
            let lo = (k * BATCH_RECORDS).min(log.len());
            let hi = ((k + 1) * BATCH_RECORDS).min(log.len());
            batches.push(Batch { records: log[lo..hi].to_vec() }.to_bytes());
        }
        rounds.push(batches);
    }
    let dev = (0..devices)
        .map(|d| {
            let desk = is_desk(d, devices);
            let stand = if desk { Uuid::nil() } else { stand_id(d % 50) };
            (device_id(d), crypto::public_key_from_seed(&device_seed(d)), desk, stand)
        })
        .collect();
    Dataset {
        festival_id: festival_id(),
        currency: eur,
        now_ms: T0_MS + (per_device as i64 + 10) * 1000,
        valid_until_ms: T0_MS + 30 * 86_400_000,
        devices: dev,
        wallets: (0..wallets).map(|w| (wallet_id(w), INITIAL_CENTS)).collect(),
        rounds,
    }
}

impl Dataset {
    pub fn records(&self) -> usize {
        self.rounds.iter().flatten().map(|b| u32::from_be_bytes([b[4], b[5], b[6], b[7]]) as usize).sum()
    }

    /// Every batch of every round, in round order.
    pub fn all_batches(&self) -> Vec<&[u8]> {
        self.rounds.iter().flatten().map(|b| b.as_slice()).collect()
    }

    pub fn now(&self) -> Timestamp {
        Timestamp::from_unix_millis(self.now_ms).expect("now")
    }

    pub fn registry(&self) -> DeviceRegistry {
        let from = Timestamp::from_unix_millis(T0_MS - 86_400_000).expect("time");
        let until = Timestamp::from_unix_millis(self.valid_until_ms).expect("time");
        DeviceRegistry::new(
            self.devices
                .iter()
                .map(|(id, pk, desk, stand)| DeviceEntry {
                    device_id: *id,
                    public_key: *pk,
                    festival_id: self.festival_id,
                    role: if *desk { DeviceRole::TopUp } else { DeviceRole::Pos },
                    locations: if *desk { vec![] } else { vec![*stand] },
                    valid_from: from,
                    valid_until: until,
                    revoked_at: None,
                })
                .collect(),
        )
        .expect("registry")
    }

    /// The server state before reconciliation: every wallet topped up with its initial balance.
    pub fn state(&self) -> ReconcileState {
        let mut state = ReconcileState::new(self.festival_id, self.currency);
        let at = Timestamp::from_unix_millis(T0_MS - 1000).expect("time");
        for (i, (id, cents)) in self.wallets.iter().enumerate() {
            let mut w = Wallet::new(WalletConfig::new(*id, self.festival_id, self.currency)).expect("wallet");
            let amount = Money::from_minor(*cents as i64, self.currency).expect("money");
            let entry_id = Uuid::from_u128(0xeeee_0000_0000_0000_0000_0000_0000_0000 + i as u128);
            w.apply(Entry::new(entry_id, at, Operation::TopUp { amount, method: TopUpMethod::Cash })).expect("top up");
            state.add_wallet(w).expect("add wallet");
        }
        state
    }

    pub fn config(&self) -> ReconcileConfig {
        ReconcileConfig::default()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut o = Vec::new();
        o.extend_from_slice(MAGIC);
        o.extend_from_slice(self.festival_id.as_bytes());
        let c = self.currency.to_string();
        o.push(c.len() as u8);
        o.extend_from_slice(c.as_bytes());
        o.extend_from_slice(&(T0_MS as u64).to_be_bytes());
        o.extend_from_slice(&(self.now_ms as u64).to_be_bytes());
        o.extend_from_slice(&(self.valid_until_ms as u64).to_be_bytes());
        o.extend_from_slice(&(self.devices.len() as u32).to_be_bytes());
        for (id, pk, desk, stand) in &self.devices {
            o.extend_from_slice(id.as_bytes());
            o.extend_from_slice(pk);
            o.push(u8::from(*desk));
            o.extend_from_slice(stand.as_bytes());
        }
        o.extend_from_slice(&(self.wallets.len() as u32).to_be_bytes());
        for (id, cents) in &self.wallets {
            o.extend_from_slice(id.as_bytes());
            o.extend_from_slice(&cents.to_be_bytes());
        }
        o.extend_from_slice(&(self.rounds.len() as u32).to_be_bytes());
        for round in &self.rounds {
            o.extend_from_slice(&(round.len() as u32).to_be_bytes());
            for b in round {
                o.extend_from_slice(&(b.len() as u32).to_be_bytes());
                o.extend_from_slice(b);
            }
        }
        o
    }

    /// Reads a file written by [`Dataset::to_bytes`] (bench input: panics on a bad file).
    pub fn from_bytes(b: &[u8]) -> Dataset {
        let mut r = b;
        let (mut data, n_rounds) = Self::read_header(&mut r);
        for _ in 0..n_rounds {
            data.rounds.push(read_round(&mut r));
        }
        data
    }

    /// Reads everything but the rounds; returns the number of rounds that follow in `r`.
    pub fn read_header(r: &mut impl std::io::Read) -> (Dataset, usize) {
        let mut take = |n: usize| {
            let mut v = vec![0u8; n];
            r.read_exact(&mut v).expect("truncated bench file");
            v
        };
        assert_eq!(take(8), MAGIC, "not an FCBENCH1 file");
        let uuid = |s: Vec<u8>| Uuid::from_slice(&s).expect("uuid");
        let u64_ = |s: Vec<u8>| u64::from_be_bytes(s.try_into().expect("u64"));
        let u32_ = |s: Vec<u8>| u32::from_be_bytes(s.try_into().expect("u32"));
        let festival_id = uuid(take(16));
        let clen = take(1)[0] as usize;
        let currency = Currency::iso(std::str::from_utf8(&take(clen)).expect("ascii")).expect("currency");
        let _t0 = u64_(take(8));
        let now_ms = u64_(take(8)) as i64;
        let valid_until_ms = u64_(take(8)) as i64;
        let nd = u32_(take(4)) as usize;
        let mut devices = Vec::with_capacity(nd);
        for _ in 0..nd {
            let id = uuid(take(16));
            let pk: [u8; 32] = take(32).try_into().expect("pk");
            let desk = take(1)[0] == 1;
            let stand = uuid(take(16));
            devices.push((id, pk, desk, stand));
        }
        let nw = u32_(take(4)) as usize;
        let mut wallets = Vec::with_capacity(nw);
        for _ in 0..nw {
            let id = uuid(take(16));
            wallets.push((id, u64_(take(8))));
        }
        let nr = u32_(take(4)) as usize;
        (Dataset { festival_id, currency, now_ms, valid_until_ms, devices, wallets, rounds: vec![] }, nr)
    }
}

/// Reads the next round (its batches) of a bench file.
pub fn read_round(r: &mut impl std::io::Read) -> Vec<Vec<u8>> {
    let u32_ = |r: &mut dyn std::io::Read| {
        let mut b = [0u8; 4];
        r.read_exact(&mut b).expect("truncated bench file");
        u32::from_be_bytes(b) as usize
    };
    let nb = u32_(r);
    let mut batches = Vec::with_capacity(nb);
    for _ in 0..nb {
        let len = u32_(r);
        let mut v = vec![0u8; len];
        r.read_exact(&mut v).expect("truncated bench file");
        batches.push(v);
    }
    batches
}

/// A one-line, comparable summary of a report: counts and the sum of all wallet totals.
pub fn summary(report: &ReconcileReport, state: &ReconcileState) -> String {
    let c = report.counts;
    format!(
        "accepted={} conflict={} rejected={} duplicate={} total_balance={}",
        c.accepted,
        c.conflict,
        c.rejected,
        c.duplicate,
        state.total_balance().amount_string()
    )
}

/// Peak resident set size of this process (VmHWM from /proc/self/status), in KiB. Bench-only.
pub fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
