//! Multi-core reconciliation (cargo feature `parallel`; not for wasm): the work that does not
//! depend on other records, devices or subjects runs on several threads (`std::thread::scope`):
//! decoding and hashing every batch, signature verification, each device's chain walk, and each
//! wallet's and ticket's fold (the money). Dropping copies, the total order, the commit into the
//! merge log and the report stay on the calling thread.
//!
//! Each thread runs [`verify_many`] (the deterministic batch verifier) on a contiguous slice of the
//! items; its verdicts are those of single verification whatever the slicing (see
//! [`super::crypto`]), and decoding is a pure function of each batch's bytes. A chain walk reads
//! only its device's records and chain, a fold only its wallet's or ticket's records, its base
//! and indexes that do not change during the folds; their results are combined in device and
//! subject order. So the [`reconcile_parallel`] report and state are byte-identical to
//! [`reconcile`]'s whatever the number of threads (tests and a proptest check it).
//!
//! ```
//! use festival_core::offline::device::DeviceSigner;
//! use festival_core::offline::parallel::reconcile_parallel;
//! use festival_core::offline::reconcile::{reconcile, ReconcileConfig, ReconcileState};
//! use festival_core::offline::record::{Batch, Direction, Payload};
//! use festival_core::offline::registry::{DeviceEntry, DeviceRegistry, DeviceRole};
//! use festival_core::{offline::crypto, Currency, Timestamp};
//! use uuid::Uuid;
//! let (festival, zone, eur) = (Uuid::from_u128(1), Uuid::from_u128(2), Currency::iso("EUR")?);
//! let t0 = Timestamp::from_unix_millis(1_783_180_800_000)?;
//! let registry = DeviceRegistry::new(vec![DeviceEntry { device_id: Uuid::from_u128(3),
//!     public_key: crypto::public_key_from_seed(&[3; 32]), festival_id: festival, role: DeviceRole::Gate,
//!     locations: vec![zone], valid_from: t0, valid_until: t0.plus_millis(86_400_000), revoked_at: None }])?;
//! let mut signer = DeviceSigner::new([3; 32], Uuid::from_u128(3), festival);
//! let mut records = Vec::new();
//! for i in 0..200u128 {
//!     let scan = Payload::Scan { ticket_id: Uuid::from_u128(1000 + i), zone_id: zone, direction: Direction::In };
//!     records.push(signer.sign(Uuid::from_u128(10_000 + i), t0.plus_millis(i as i64), scan)?);
//! }
//! let batches = vec![Batch { records }.to_bytes()];
//! let (mut one, mut two) = (ReconcileState::new(festival, eur), ReconcileState::new(festival, eur));
//! let config = ReconcileConfig::default();
//! let a = reconcile(&mut one, &registry, &batches, t0.plus_millis(1_000), &config)?;
//! let b = reconcile_parallel(&mut two, &registry, &batches, t0.plus_millis(1_000), &config, 2)?;
//! assert_eq!(a, b);
//! assert_eq!(one, two);
//! # Ok::<(), festival_core::Error>(())
//! ```

use super::crypto::{verify_many, StrictPublicKey};
use super::exec::{Exec, Sequential};
use super::reconcile::{reconcile_impl, ReconcileConfig, ReconcileReport, ReconcileState};
use super::record::Batch;
use super::registry::DeviceRegistry;
use super::OfflineError;
use crate::Timestamp;

/// Below this many items a second thread costs more than it saves.
const CHUNK: usize = 64;

/// [`verify_many`] on up to `threads` threads (at least one): the same verdicts, in order.
///
/// A thread that cannot be started, or that fails, is replaced by verifying its slice on the
/// calling thread, so the result never depends on the machine.
pub fn verify_many_parallel(items: &[(StrictPublicKey, &[u8], [u8; 64])], threads: usize) -> Vec<bool> {
    let threads = threads.max(1);
    if threads == 1 || items.len() <= CHUNK {
        return verify_many(items);
    }
    let per_thread = items.len().div_ceil(threads).div_ceil(CHUNK) * CHUNK;
    std::thread::scope(|scope| {
        let slices: Vec<_> = items.chunks(per_thread).collect();
        // The calling thread takes the first slice itself; the others get one thread each.
        let handles: Vec<_> = slices
            .iter()
            .skip(1)
            .map(|slice| {
                let slice = *slice;
                std::thread::Builder::new().spawn_scoped(scope, move || verify_many(slice))
            })
            .collect();
        let mut verdicts = Vec::with_capacity(items.len());
        if let Some(first) = slices.first() {
            verdicts.extend(verify_many(first));
        }
        for (slice, handle) in slices.iter().skip(1).zip(handles) {
            match handle.ok().map(|h| h.join()) {
                Some(Ok(v)) => verdicts.extend(v),
                _ => verdicts.extend(verify_many(slice)),
            }
        }
        verdicts
    })
}

/// Decodes every batch (`Batch::from_bytes`, which also hashes each record) on up to `threads`
/// threads; results in input order. A thread that cannot be started or fails is replaced by
/// decoding its share on the calling thread.
pub fn decode_batches_parallel<B: AsRef<[u8]> + Sync>(
    batches: &[B],
    threads: usize,
) -> Vec<Result<Batch, OfflineError>> {
    let threads = threads.max(1);
    let decode_all = |part: &[B]| part.iter().map(|b| Batch::from_bytes(b.as_ref())).collect::<Vec<_>>();
    if threads == 1 || batches.len() < 2 {
        return decode_all(batches);
    }
    // Balance by bytes, not by batch count: cut where the running total passes each share.
    let total: usize = batches.iter().map(|b| b.as_ref().len()).sum();
    let share = total.div_ceil(threads).max(1);
    let mut parts: Vec<&[B]> = Vec::with_capacity(threads);
    let (mut start, mut acc) = (0usize, 0usize);
    for (i, b) in batches.iter().enumerate() {
        acc += b.as_ref().len();
        if acc >= share * (parts.len() + 1) && parts.len() + 1 < threads {
            parts.push(batches.get(start..=i).unwrap_or_default());
            start = i + 1;
        }
    }
    parts.push(batches.get(start..).unwrap_or_default());
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .iter()
            .skip(1)
            .map(|part| {
                let part = *part;
                std::thread::Builder::new().spawn_scoped(scope, move || decode_all(part))
            })
            .collect();
        let mut out = Vec::with_capacity(batches.len());
        if let Some(first) = parts.first() {
            out.extend(decode_all(first));
        }
        for (part, handle) in parts.iter().skip(1).zip(handles) {
            match handle.ok().map(|h| h.join()) {
                Some(Ok(v)) => out.extend(v),
                _ => out.extend(decode_all(part)),
            }
        }
        out
    })
}

/// Below this total weight (records) the jobs run on the calling thread.
const MIN_JOB_WEIGHT: usize = 256;

/// Runs [`Exec`] jobs on up to `threads` threads (at least one): contiguous parts of about equal
/// weight, the first on the calling thread; below `min_weight` in total, all on the calling
/// thread. A thread that cannot be started or that panics has its part reset and run again on the
/// calling thread, so the result never depends on the machine.
pub(crate) struct Threads {
    pub threads: usize,
    pub min_weight: usize,
}

impl Threads {
    /// `threads` threads, with the default threshold.
    pub(crate) fn new(threads: usize) -> Threads {
        Threads { threads, min_weight: MIN_JOB_WEIGHT }
    }
}

impl Exec for Threads {
    fn run<J, W, R>(&self, jobs: &mut [J], weight: &dyn Fn(&J) -> usize, work: &W, reset: &R)
    where
        J: Send,
        W: Fn(&mut J) + Sync,
        R: Fn(&mut J),
    {
        let threads = self.threads.max(1);
        let weights: Vec<usize> = jobs.iter().map(|j| weight(j).max(1)).collect();
        let total: usize = weights.iter().sum();
        if threads == 1 || jobs.len() < 2 || total < self.min_weight {
            return Sequential.run(jobs, weight, work, reset);
        }
        // Cut where the running weight passes each share.
        let share = total.div_ceil(threads);
        let mut parts: Vec<std::sync::Mutex<&mut [J]>> = Vec::with_capacity(threads);
        let mut rest: &mut [J] = jobs;
        let (mut taken, mut acc) = (0usize, 0usize);
        for (i, w) in weights.iter().enumerate() {
            acc += w;
            if acc >= share * (parts.len() + 1) && parts.len() + 1 < threads && i + 1 < weights.len() {
                let (head, tail) = std::mem::take(&mut rest).split_at_mut(i + 1 - taken);
                parts.push(std::sync::Mutex::new(head));
                rest = tail;
                taken = i + 1;
            }
        }
        parts.push(std::sync::Mutex::new(rest));
        // A part is locked by the one thread that runs it; after a failure (spawn error, panic:
        // a poisoned lock) the calling thread takes it back.
        let run_part = &|part: &std::sync::Mutex<&mut [J]>| {
            let mut guard = part.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for j in guard.iter_mut() {
                work(j);
            }
        };
        std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .iter()
                .skip(1)
                .map(|part| std::thread::Builder::new().spawn_scoped(scope, move || run_part(part)))
                .collect();
            if let Some(first) = parts.first() {
                run_part(first);
            }
            for (part, handle) in parts.iter().skip(1).zip(handles) {
                if let Some(Ok(())) = handle.ok().map(|h| h.join()) {
                    continue;
                }
                let mut guard = part.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                for j in guard.iter_mut() {
                    reset(j);
                    work(j);
                }
            }
        });
    }
}

/// [`reconcile`](super::reconcile::reconcile) on up to `threads` threads: the batches decoded
/// (and their records hashed) and the signatures verified in slices, then each device's chain
/// walk and each wallet's and ticket's fold as independent jobs; dropping copies, the total
/// order, the commit into the merge log and the report stay on the calling thread. Same report
/// and state as the single-threaded call, byte for byte, for any `threads`.
pub fn reconcile_parallel<B: AsRef<[u8]> + Sync>(
    state: &mut ReconcileState,
    registry: &DeviceRegistry,
    batches: &[B],
    now: Timestamp,
    config: &ReconcileConfig,
    threads: usize,
) -> Result<ReconcileReport, OfflineError> {
    reconcile_on(state, registry, batches, now, config, &Threads::new(threads))
}

/// [`reconcile_parallel`] with the job executor given (tests lower its threshold).
fn reconcile_on<B: AsRef<[u8]> + Sync>(
    state: &mut ReconcileState,
    registry: &DeviceRegistry,
    batches: &[B],
    now: Timestamp,
    config: &ReconcileConfig,
    exec: &Threads,
) -> Result<ReconcileReport, OfflineError> {
    let threads = exec.threads;
    let mut decoded: Vec<Option<Result<Batch, OfflineError>>> =
        decode_batches_parallel(batches, threads).into_iter().map(Some).collect();
    let mut decode = |i: usize, bytes: &[u8]| match decoded.get_mut(i).and_then(Option::take) {
        Some(d) => d,
        None => Batch::from_bytes(bytes),
    };
    reconcile_impl(state, registry, batches, now, config, &mut decode, &|items| verify_many_parallel(items, threads), exec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offline::crypto::{public_key_from_seed, sign};
    use crate::offline::device::DeviceSigner;
    use crate::offline::reconcile::{reconcile, ConflictPolicy};
    use crate::offline::record::{Batch, Payload};
    use crate::offline::registry::{DeviceEntry, DeviceRole};
    use crate::wallet::{Entry, Operation, Wallet, WalletConfig};
    use crate::{Currency, Money};
    use uuid::Uuid;

    fn items(n: usize, bad: &[usize]) -> (Vec<StrictPublicKey>, Vec<Vec<u8>>, Vec<[u8; 64]>) {
        let seeds: Vec<[u8; 32]> = (0..7u8).map(|i| [i + 1; 32]).collect();
        let keys: Vec<StrictPublicKey> =
            seeds.iter().map(|s| StrictPublicKey::from_bytes(&public_key_from_seed(s)).unwrap()).collect();
        let msgs: Vec<Vec<u8>> = (0..n).map(|i| format!("record {i}").into_bytes()).collect();
        let mut sigs: Vec<[u8; 64]> = (0..n).map(|i| sign(&seeds[i % 7], &msgs[i])).collect();
        for &b in bad {
            sigs[b][40] ^= 1;
        }
        ((0..n).map(|i| keys[i % 7]).collect(), msgs, sigs)
    }

    #[test]
    fn parallel_verdicts_equal_sequential_ones_for_any_thread_count() {
        let bad = [0, 63, 64, 200, 321, 322, 499];
        let (keys, msgs, sigs) = items(500, &bad);
        let triples: Vec<(StrictPublicKey, &[u8], [u8; 64])> =
            (0..500).map(|i| (keys[i], msgs[i].as_slice(), sigs[i])).collect();
        let expected: Vec<bool> = (0..500).map(|i| !bad.contains(&i)).collect();
        assert_eq!(verify_many(&triples), expected);
        for threads in [0, 1, 2, 3, 4, 8, 64] {
            assert_eq!(verify_many_parallel(&triples, threads), expected, "{threads} threads");
        }
        assert!(verify_many_parallel(&[], 2).is_empty());
        assert_eq!(verify_many_parallel(&triples[..10], 2), expected[..10].to_vec());
    }

    fn hex(s: &str) -> Vec<u8> {
        crate::interop::hex_decode("hex", s).unwrap()
    }

    /// Every Wycheproof Ed25519 vector through `verify_many` on 1 and 2 threads and through the
    /// batch path `verify_many_batched` (strict pre-checks, cofactored batch equation), each vector
    /// hidden among valid records so that it shares a batch with them: exactly the `valid` ones
    /// are accepted, and the valid neighbours stay accepted.
    #[test]
    fn wycheproof_through_the_batch_path() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/wycheproof/ed25519_test.json")).unwrap();
        let filler_seed = [9u8; 32];
        let filler_key = StrictPublicKey::from_bytes(&public_key_from_seed(&filler_seed)).unwrap();
        let filler_msg = b"filler".to_vec();
        let filler_sig = sign(&filler_seed, &filler_msg);
        let (mut checked, mut valid_seen, mut invalid_seen) = (0, 0, 0);
        for group in doc["testGroups"].as_array().unwrap() {
            let pk = hex(group["publicKey"]["pk"].as_str().unwrap());
            let key = <[u8; 32]>::try_from(pk.as_slice()).ok().and_then(|k| StrictPublicKey::from_bytes(&k).ok());
            for t in group["tests"].as_array().unwrap() {
                let expect_valid = t["result"].as_str() == Some("valid");
                let (msg, sig) = (hex(t["msg"].as_str().unwrap()), hex(t["sig"].as_str().unwrap()));
                let (Some(key), Ok(sig)) = (key, <[u8; 64]>::try_from(sig.as_slice())) else {
                    // No 32-byte acceptable key or no 64-byte signature: it cannot reach the batch.
                    assert!(!expect_valid, "tcId {}", t["tcId"]);
                    invalid_seen += 1;
                    continue;
                };
                let mut triples = vec![(filler_key, filler_msg.as_slice(), filler_sig); 130];
                triples[100] = (key, msg.as_slice(), sig);
                let batched = crate::offline::crypto::verify_many_batched(&triples);
                let runs = [verify_many_parallel(&triples, 1), verify_many_parallel(&triples, 2), batched];
                for (run, v) in runs.iter().enumerate() {
                    assert_eq!(v[100], expect_valid, "tcId {} (run {run})", t["tcId"]);
                    assert!(v.iter().enumerate().all(|(i, ok)| i == 100 || *ok), "tcId {} (run {run})", t["tcId"]);
                }
                checked += 1;
                if expect_valid {
                    valid_seen += 1;
                } else {
                    invalid_seen += 1;
                }
            }
        }
        assert_eq!(valid_seen + invalid_seen, 151);
        assert!(checked > 100 && valid_seen > 0 && invalid_seen > 0);
    }

    #[test]
    fn reconcile_parallel_is_byte_identical_to_reconcile() {
        let eur = Currency::iso("EUR").unwrap();
        let (festival, stand) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let t0 = crate::Timestamp::from_unix_millis(1_783_180_800_000).unwrap();
        let wallets: Vec<Uuid> = (0..5u128).map(|i| Uuid::from_u128(500 + i)).collect();
        let mut state = ReconcileState::new(festival, eur);
        for w in &wallets {
            let mut wallet = Wallet::new(WalletConfig::new(*w, festival, eur)).unwrap();
            let op = Operation::TopUp { amount: Money::parse("40", eur).unwrap(), method: Default::default() };
            wallet.apply(Entry::new(*w, t0, op)).unwrap();
            state.add_wallet(wallet).unwrap();
        }
        let devices: Vec<u128> = (10..13).collect();
        let registry = crate::offline::registry::DeviceRegistry::new(
            devices
                .iter()
                .map(|&n| DeviceEntry {
                    device_id: Uuid::from_u128(n),
                    public_key: public_key_from_seed(&[n as u8; 32]),
                    festival_id: festival,
                    role: DeviceRole::Pos,
                    locations: vec![stand],
                    valid_from: t0,
                    valid_until: t0.plus_millis(86_400_000),
                    revoked_at: None,
                })
                .collect(),
        )
        .unwrap();
        let mut batches = Vec::new();
        for &n in &devices {
            let mut signer = DeviceSigner::new([n as u8; 32], Uuid::from_u128(n), festival);
            let mut records = Vec::new();
            for i in 0..90u128 {
                let payload = Payload::Payment {
                    wallet_id: wallets[(i % 5) as usize],
                    amount: Money::from_minor(150 + (i as i64 * 37) % 400, eur).unwrap(),
                    stand_id: stand,
                    items: vec![],
                };
                records
                    .push(signer.sign(Uuid::from_u128((n << 32) | i), t0.plus_millis(1 + i as i64), payload).unwrap());
            }
            let mut bytes = Batch { records }.to_bytes();
            if n == 11 {
                // Forge the signature of the last record of device 11.
                let at = bytes.len() - 1;
                bytes[at] ^= 0x40;
            }
            batches.push(bytes);
        }
        batches.push(batches[0].clone());
        // A malformed batch (truncated) goes through the parallel decoder too.
        let truncated = batches[1][..batches[1].len() / 2].to_vec();
        batches.insert(2, truncated);
        for threads in [1, 2, 3, 5, 16] {
            let par = decode_batches_parallel(&batches, threads);
            let seq: Vec<_> = batches.iter().map(|b| Batch::from_bytes(b)).collect();
            assert_eq!(par, seq, "{threads} threads");
        }
        assert!(decode_batches_parallel::<Vec<u8>>(&[], 2).is_empty());
        let now = t0.plus_millis(100_000);
        for policy in [ConflictPolicy::FirstWins, ConflictPolicy::AcceptWithDebt, ConflictPolicy::Reject] {
            let config = ReconcileConfig { policy, ..Default::default() };
            let mut one = state.clone();
            let expected = reconcile(&mut one, &registry, &batches, now, &config).unwrap();
            assert!(expected.counts.conflict > 0 && expected.counts.rejected > 0, "{policy:?}");
            for threads in [1, 2, 3] {
                let mut many = state.clone();
                let got = reconcile_parallel(&mut many, &registry, &batches, now, &config, threads).unwrap();
                assert_eq!(serde_json::to_vec(&got).unwrap(), serde_json::to_vec(&expected).unwrap());
                assert_eq!(serde_json::to_vec(&many).unwrap(), serde_json::to_vec(&one).unwrap());
            }
        }
    }

    /// Threads that fail are replaced by the calling thread: a job whose thread panics midway is
    /// reset and run again, and the results are those of a sequential run.
    #[test]
    fn a_panicking_thread_is_redone_on_the_calling_thread() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let armed = AtomicBool::new(true);
        let caller = std::thread::current().id();
        // (input, output, resets)
        let mut jobs: Vec<(u64, u64, u32)> = (0..40).map(|i| (i, 0, 0)).collect();
        let work = |j: &mut (u64, u64, u32)| {
            j.1 += j.0 * j.0 + 1; // not idempotent: a missing reset would show
            if j.0 == 30 && std::thread::current().id() != caller && armed.swap(false, Ordering::SeqCst) {
                panic!("injected failure");
            }
        };
        let reset = |j: &mut (u64, u64, u32)| {
            j.1 = 0;
            j.2 += 1;
        };
        Threads { threads: 2, min_weight: 0 }.run(&mut jobs, &|_| 1, &work, &reset);
        assert!(!armed.load(Ordering::SeqCst), "the failure was injected");
        for j in &jobs {
            assert_eq!(j.1, j.0 * j.0 + 1, "job {}", j.0);
        }
        // The failed thread's part (the second half) was reset once, the first part never.
        assert!(jobs.iter().all(|j| j.2 == u32::from(j.0 >= 20)));
        for threads in [1, 3, 8, 100] {
            let mut jobs: Vec<(u64, u64, u32)> = (0..40).map(|i| (i, 0, 0)).collect();
            Threads { threads, min_weight: 0 }.run(&mut jobs, &|j| j.0 as usize, &work, &reset);
            assert!(jobs.iter().all(|j| j.1 == j.0 * j.0 + 1 && j.2 == 0), "{threads} threads");
        }
    }

    mod prop {
        use super::*;
        use crate::offline::record::Direction;
        use proptest::prelude::*;

        /// One generated record: device, what it does, on which wallet/ticket, amount, time step.
        #[derive(Debug, Clone)]
        struct Gen {
            device: usize,
            op: u8,
            target: usize,
            amount: i64,
            step: i64,
        }

        fn gen() -> impl Strategy<Value = Gen> {
            (0..4usize, 0..6u8, 0..5usize, 1..3000i64, 0..50i64)
                .prop_map(|(device, op, target, amount, step)| Gen { device, op, target, amount, step })
        }

        /// Signs the records device by device, cut into batches (some duplicated), in two syncs.
        fn scenario(
            gens: &[Gen],
            cut: usize,
        ) -> (ReconcileState, crate::offline::registry::DeviceRegistry, Vec<Vec<Vec<u8>>>, Timestamp) {
            let eur = Currency::iso("EUR").unwrap();
            let (festival, stand, zone) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
            let t0 = Timestamp::from_unix_millis(1_783_180_800_000).unwrap();
            let wallets: Vec<Uuid> = (0..5u128).map(|i| Uuid::from_u128(500 + i)).collect();
            let tickets: Vec<Uuid> = (0..5u128).map(|i| Uuid::from_u128(700 + i)).collect();
            let mut state = ReconcileState::new(festival, eur);
            // Wallet 4 is unknown to the server; ticket 4 too.
            for (n, w) in wallets.iter().take(4).enumerate() {
                let mut wallet = Wallet::new(WalletConfig::new(*w, festival, eur)).unwrap();
                let op = Operation::TopUp { amount: Money::from_minor(1500 * n as i64 + 500, eur).unwrap(), method: Default::default() };
                wallet.apply(Entry::new(Uuid::from_u128(900 + n as u128), t0, op)).unwrap();
                state.add_wallet(wallet).unwrap();
            }
            for t in tickets.iter().take(4) {
                state.set_ticket(*t, crate::offline::reconcile::TicketState::default());
            }
            // Devices 0-1 POS, 2 top-up desk, 3 gate.
            let roles = [DeviceRole::Pos, DeviceRole::Pos, DeviceRole::TopUp, DeviceRole::Gate];
            let registry = crate::offline::registry::DeviceRegistry::new(
                (0..4u128)
                    .map(|n| DeviceEntry {
                        device_id: Uuid::from_u128(10 + n),
                        public_key: public_key_from_seed(&[10 + n as u8; 32]),
                        festival_id: festival,
                        role: roles[n as usize],
                        locations: vec![if n == 3 { zone } else { stand }],
                        valid_from: t0,
                        valid_until: t0.plus_millis(86_400_000),
                        revoked_at: None,
                    })
                    .collect(),
            )
            .unwrap();
            let mut signers: Vec<DeviceSigner> =
                (0..4u128).map(|n| DeviceSigner::new([10 + n as u8; 32], Uuid::from_u128(10 + n), festival)).collect();
            let mut clocks = [1i64; 4];
            let mut signed: Vec<Vec<(usize, Vec<u8>)>> = vec![Vec::new(); 4];
            let mut last_payment: [Option<Uuid>; 4] = [None; 4];
            for (i, g) in gens.iter().enumerate() {
                // The record's kind follows its device's role.
                let d = g.device;
                let payload = match (d, g.op) {
                    (3, op) => {
                        if op == 5 {
                            match last_payment[3] {
                                Some(v) => Payload::Void { voided_record_id: v },
                                None => continue,
                            }
                        } else {
                            let direction = if op % 2 == 0 { Direction::In } else { Direction::Out };
                            Payload::Scan { ticket_id: tickets[g.target], zone_id: zone, direction }
                        }
                    }
                    (2, _) => Payload::TopUp { wallet_id: wallets[g.target], amount: Money::from_minor(g.amount, eur).unwrap() },
                    (_, 4) => match last_payment[d] {
                        Some(p) => Payload::Refund {
                            wallet_id: wallets[g.target],
                            amount: Money::from_minor(g.amount.min(50), eur).unwrap(),
                            original_record_id: p,
                        },
                        None => continue,
                    },
                    (_, 5) => match last_payment[d] {
                        Some(v) => Payload::Void { voided_record_id: v },
                        None => continue,
                    },
                    _ => Payload::Payment {
                        wallet_id: wallets[g.target],
                        amount: Money::from_minor(g.amount, eur).unwrap(),
                        stand_id: stand,
                        items: vec![],
                    },
                };
                let is_target = matches!(payload, Payload::Payment { .. } | Payload::Scan { .. });
                // Some ids repeat on purpose (id reuse across devices).
                let id = Uuid::from_u128(if i % 17 == 16 { 20_000 } else { 10_000 + i as u128 });
                clocks[d] += g.step;
                let rec = signer_sign(&mut signers[d], id, t0.plus_millis(clocks[d]), payload);
                if is_target {
                    last_payment[d] = Some(id);
                }
                signed[d].push((i, rec));
            }
            // Batches of up to 3 records per device; the first `cut` generated records in the
            // first sync (the rest late), and every fifth batch sent twice.
            let mut syncs: Vec<Vec<Vec<u8>>> = vec![Vec::new(), Vec::new()];
            for recs in &signed {
                for chunk in recs.chunks(3) {
                    let sync = usize::from(chunk.iter().any(|(i, _)| *i >= cut));
                    let records = chunk.iter().map(|(_, r)| SignedRecord::from_bytes(r).unwrap()).collect();
                    let bytes = Batch { records }.to_bytes();
                    if syncs[sync].len() % 5 == 4 {
                        syncs[sync].push(bytes.clone());
                    }
                    syncs[sync].push(bytes);
                }
            }
            (state, registry, syncs, t0.plus_millis(100_000))
        }

        fn signer_sign(s: &mut DeviceSigner, id: Uuid, at: Timestamp, p: Payload) -> Vec<u8> {
            s.sign(id, at, p).unwrap().to_bytes()
        }

        use crate::offline::record::SignedRecord;
        use crate::Timestamp;

        proptest! {
            #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
            /// Random record sets (double spends, refunds, voids, scans, reused ids, unknown wallet
            /// and ticket, duplicated batches, late records in a second sync): `reconcile_parallel`
            /// on 1-8 threads, with the thread threshold at zero so that every job runs on the
            /// threads, gives exactly `reconcile`'s reports and serialized states.
            #[test]
            fn parallel_equals_sequential_on_random_record_sets(
                gens in proptest::collection::vec(gen(), 1..120),
                cut_frac in 0..=100usize,
                threads in 1..=8usize,
                policy in 0..3u8,
            ) {
                let cut = gens.len() * cut_frac / 100;
                let (state, registry, syncs, now) = scenario(&gens, cut);
                let policy = [ConflictPolicy::FirstWins, ConflictPolicy::AcceptWithDebt, ConflictPolicy::Reject][policy as usize];
                let config = ReconcileConfig { policy, ..Default::default() };
                let (mut one, mut many) = (state.clone(), state);
                for batches in &syncs {
                    let a = reconcile(&mut one, &registry, batches, now, &config).unwrap();
                    let b = reconcile_on(&mut many, &registry, batches, now, &config, &Threads { threads, min_weight: 0 }).unwrap();
                    prop_assert_eq!(serde_json::to_string(&b).unwrap(), serde_json::to_string(&a).unwrap());
                    prop_assert_eq!(serde_json::to_string(&many).unwrap(), serde_json::to_string(&one).unwrap());
                    let c = reconcile_parallel(&mut one.clone(), &registry, batches, now, &config, threads).unwrap();
                    prop_assert_eq!(&c, &reconcile(&mut many.clone(), &registry, batches, now, &config).unwrap());
                }
            }
        }
    }
}
