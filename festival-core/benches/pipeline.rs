//! The offline sync pipeline on 100k records from 500 devices (2 rounds of 200-record batches),
//! stage by stage and whole:
//!
//! - `decode`: `Batch::from_bytes` of every batch;
//! - `signatures`: `crypto::verify_many` over every record (the deterministic cofactored batch
//!   verifier, grouped by key: what the pipeline's signature stage does);
//! - `verify_chain`: signatures + per-device sequence/hash-chain/policy checks (`chain::verify_chain`);
//! - `reconcile`: the whole pipeline (`reconcile::reconcile`: decode, dedupe, verify, chain, total
//!   order, wallet apply with conflicts, report), state clone excluded;
//! - `reconcile_parallel/2` (feature `parallel`): the same with decode+hash, signatures, the
//!   per-device chain walks and the per-wallet/ticket folds on 2 threads; the bench asserts the report and state are byte-identical (serde JSON) to the
//!   single-threaded ones before measuring.
//!
//! Run: `cargo bench -p festival-core --bench pipeline [--features parallel]`. Throughput in records/s.

mod common;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use festival_core::offline::chain::verify_chain;
use festival_core::offline::crypto::{self, StrictPublicKey};
use festival_core::offline::reconcile::reconcile;
use festival_core::offline::record::{Batch, SignedRecord};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let records: usize = std::env::var("FC_BENCH_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let data = common::generate(records, 500, 2);
    let n = data.records();
    let batches = data.all_batches();
    let registry = data.registry();
    let state0 = data.state();
    let now = data.now();
    let config = data.config();
    let decoded: Vec<SignedRecord> =
        batches.iter().flat_map(|b| Batch::from_bytes(b).expect("batch").records).collect();

    // The reference outcome, printed once so that peers can be checked against it.
    let mut s = state0.clone();
    let report = reconcile(&mut s, &registry, &batches, now, &config).expect("reconcile");
    let reference = serde_json::to_vec(&report).expect("json");
    eprintln!("pipeline reference ({n} records): {}", common::summary(&report, &s));

    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10).measurement_time(Duration::from_secs(12)).warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("decode", |b| {
        b.iter(|| batches.iter().map(|x| Batch::from_bytes(black_box(x)).expect("batch").records.len()).sum::<usize>())
    });
    let triples: Vec<(StrictPublicKey, &[u8], [u8; 64])> = decoded
        .iter()
        .map(|r| (registry.get(&r.body().device_id).expect("device").key, r.signed_message(), *r.signature()))
        .collect();
    g.bench_function("signatures", |b| b.iter(|| assert!(crypto::verify_many(black_box(&triples)).iter().all(|v| *v))));
    g.bench_function("verify_chain", |b| {
        b.iter(|| {
            verify_chain(&registry, data.festival_id, &BTreeMap::new(), black_box(&decoded), now, &config.chain)
                .checks
                .len()
        })
    });
    g.bench_function("reconcile", |b| {
        b.iter_batched(
            || state0.clone(),
            |mut s| reconcile(&mut s, &registry, black_box(&batches), now, &config).expect("reconcile"),
            BatchSize::LargeInput,
        )
    });
    #[cfg(feature = "parallel")]
    {
        use festival_core::offline::parallel::reconcile_parallel;
        let mut s2 = state0.clone();
        let r2 = reconcile_parallel(&mut s2, &registry, &batches, now, &config, 2).expect("reconcile");
        assert_eq!(serde_json::to_vec(&r2).expect("json"), reference, "2-thread report differs");
        assert_eq!(
            serde_json::to_vec(&s2).expect("json"),
            serde_json::to_vec(&s).expect("json"),
            "2-thread state differs"
        );
        g.bench_function("reconcile_parallel/2", |b| {
            b.iter_batched(
                || state0.clone(),
                |mut s| reconcile_parallel(&mut s, &registry, black_box(&batches), now, &config, 2).expect("reconcile"),
                BatchSize::LargeInput,
            )
        });
    }
    let _ = reference;
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
