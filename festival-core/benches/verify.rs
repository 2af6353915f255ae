//! The physical limit: raw Ed25519 verification of the pipeline's own records.
//!
//! - `dalek_verify_strict`: ed25519-dalek `verify_strict`, one signature (cofactorless, no extra checks);
//! - `cofactored_single`: our `StrictPublicKey::verify` (strict encoding checks + cofactored equation);
//! - `dalek_batch/64`, `dalek_batch/1024`: ed25519-dalek `verify_batch` (cofactorless, random
//!   coefficients: the raw batch rate the pipeline is compared with);
//! - `ours_batch/64`, `ours_batch/1024`: our batch verifier (`crypto::verify_many_batched_chunked`,
//!   chunk = n: strict encoding checks, deterministic coefficients, key terms aggregated per device);
//! - `ours_batch_distinct_keys/1024`: the same on 1024 records of 500 different devices (worst
//!   case for the key aggregation); `dalek_batch_distinct_keys/1024` is dalek on the same records;
//! - `verify_each/64`: our single verification one by one (the reference the batch must equal).
//!
//! The records are those of the pipeline bench (100k records, 500 devices, 200 per device and
//! batch), in batch order, so a run of 1024 holds about 5 devices, as in reconciliation.
//!
//! Run: `cargo bench -p festival-core --bench verify`. Throughput is reported in signatures/s.

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ed25519_dalek::{Signature, VerifyingKey};
use festival_core::offline::crypto::{self, StrictPublicKey};
use festival_core::offline::record::Batch;
use std::hint::black_box;
use std::time::Duration;

/// One signed record: key, signing input, signature.
type Signed = (StrictPublicKey, Vec<u8>, [u8; 64]);

#[derive(Default)]
struct Items {
    keys: Vec<VerifyingKey>,
    strict: Vec<StrictPublicKey>,
    messages: Vec<Vec<u8>>,
    sigs: Vec<[u8; 64]>,
}

/// The pipeline data set's records: `(in batch order, round-robin over devices)`, 1024 each.
fn items() -> (Items, Items) {
    let data = common::generate(100_000, 500, 2);
    let registry = data.registry();
    let mut per_batch: Vec<Vec<Signed>> = Vec::new();
    for b in data.all_batches() {
        let recs = Batch::from_bytes(b).expect("batch").records;
        per_batch.push(
            recs.iter()
                .map(|r| (registry.get(&r.body().device_id).expect("device").key, r.signing_input(), *r.signature()))
                .collect(),
        );
    }
    let push = |it: &mut Items, (k, m, s): &Signed| {
        it.strict.push(*k);
        it.keys.push(VerifyingKey::from_bytes(&k.to_bytes()).expect("key"));
        it.messages.push(m.clone());
        it.sigs.push(*s);
    };
    let (mut grouped, mut distinct) = (Items::default(), Items::default());
    for x in per_batch.iter().flatten().take(1024) {
        push(&mut grouped, x);
    }
    'outer: for j in 0.. {
        for b in &per_batch {
            if distinct.sigs.len() == 1024 {
                break 'outer;
            }
            push(&mut distinct, &b[j]);
        }
    }
    (grouped, distinct)
}

fn triples(it: &Items, n: usize) -> Vec<(StrictPublicKey, &[u8], [u8; 64])> {
    (0..n).map(|i| (it.strict[i], it.messages[i].as_slice(), it.sigs[i])).collect()
}

fn bench(c: &mut Criterion) {
    let (it, distinct) = items();
    let mut g = c.benchmark_group("ed25519");
    g.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Elements(1));
    let sig0 = Signature::from_bytes(&it.sigs[0]);
    g.bench_function("dalek_verify_strict", |b| {
        b.iter(|| black_box(it.keys[0].verify_strict(black_box(&it.messages[0]), &sig0)).is_ok())
    });
    g.bench_function("cofactored_single", |b| {
        b.iter(|| black_box(it.strict[0].verify(black_box(&it.messages[0]), &it.sigs[0])).is_ok())
    });
    for (name, set, sizes) in [("", &it, &[64usize, 1024][..]), ("_distinct_keys", &distinct, &[1024usize][..])] {
        for &n in sizes {
            g.throughput(Throughput::Elements(n as u64));
            let msgs: Vec<&[u8]> = set.messages[..n].iter().map(|m| m.as_slice()).collect();
            let sigs: Vec<Signature> = set.sigs[..n].iter().map(Signature::from_bytes).collect();
            let keys = &set.keys[..n];
            g.bench_function(format!("dalek_batch{name}/{n}"), |b| {
                b.iter(|| assert!(ed25519_dalek::verify_batch(black_box(&msgs), &sigs, keys).is_ok()))
            });
            let t = triples(set, n);
            g.bench_function(format!("ours_batch{name}/{n}"), |b| {
                b.iter(|| assert!(crypto::verify_many_batched_chunked(black_box(&t), n).iter().all(|v| *v)))
            });
        }
    }
    let t = triples(&it, 64);
    g.throughput(Throughput::Elements(64));
    g.bench_function("verify_each/64", |b| b.iter(|| assert!(crypto::verify_each(black_box(&t)).iter().all(|v| *v))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
