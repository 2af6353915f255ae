//! Deterministic fuzz smoke run of every offline decoder, part of `cargo test` (the cargo-fuzz
//! targets in `festival-core/fuzz/` explore further). For each decoder: thousands of
//! pseudo-random inputs and mutations of valid encodings (bit flips, truncations, insertions,
//! overwritten bytes) must never panic, and whatever decodes must re-encode to exactly the input;
//! valid values must round-trip: decode(encode(x)) == x.

use festival_core::offline::codes::{
    base32_encode, decode_ticket_code, issue_ticket_code, RevocationList, TicketClaims, TICKET_CODE_PREFIX,
};
use festival_core::offline::device::DeviceSigner;
use festival_core::offline::record::{Batch, Direction, LineItem, Payload, SignedRecord};
use festival_core::{Currency, Money, Timestamp};
use uuid::Uuid;

/// xorshift64*: deterministic, no dependencies.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(3) {
        match rng.below(5) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.truncate(rng.below(v.len() + 1)),
            2 => {
                let i = rng.below(v.len() + 1);
                v.insert(i, rng.next() as u8);
            }
            3 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = [0, 0xff, 0x7f, 0x80, 1][rng.below(5)];
            }
            _ => v.push(rng.next() as u8),
        }
    }
    v
}

fn t(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_783_180_800_000 + ms).unwrap()
}

fn eur(minor: i64) -> Money {
    Money::from_minor(minor, Currency::iso("EUR").unwrap()).unwrap()
}

fn sample_records(rng: &mut Rng) -> Vec<SignedRecord> {
    let mut s = DeviceSigner::new([7; 32], Uuid::from_u128(1), Uuid::from_u128(2));
    let mut out = Vec::new();
    for i in 0..40u128 {
        let w = Uuid::from_u128(rng.next() as u128);
        let amount = 1 + (rng.next() % 100_000) as i64;
        let payload = match i % 5 {
            0 => {
                let q = 1 + rng.below(4) as u32;
                Payload::Payment {
                    wallet_id: w,
                    amount: eur(amount * q as i64),
                    stand_id: Uuid::from_u128(3),
                    items: vec![LineItem { product_id: Uuid::from_u128(i), quantity: q, unit_price: eur(amount) }],
                    catalog: None,
                }
            }
            1 => Payload::TopUp { wallet_id: w, amount: eur(amount) },
            2 => Payload::Refund { wallet_id: w, amount: eur(amount), original_record_id: Uuid::from_u128(i) },
            3 => Payload::Scan {
                ticket_id: w,
                zone_id: Uuid::from_u128(4),
                direction: if rng.below(2) == 0 { Direction::In } else { Direction::Out },
            },
            _ => Payload::Void { voided_record_id: w },
        };
        out.push(s.sign(Uuid::from_u128(0x100 + i), t(i as i64 * 1000), payload).unwrap());
    }
    out
}

fn check_record(data: &[u8]) -> bool {
    match SignedRecord::from_bytes(data) {
        Ok(rec) => {
            assert_eq!(rec.as_bytes(), data);
            let mut again = rec.body().encode().expect("decoded body encodes");
            again.extend_from_slice(rec.signature());
            assert_eq!(again, data);
            true
        }
        Err(_) => false,
    }
}

fn check_batch(data: &[u8]) -> bool {
    match Batch::from_bytes(data) {
        Ok(b) => {
            assert_eq!(b.to_bytes(), data);
            true
        }
        Err(_) => false,
    }
}

fn check_code(text: &str) -> bool {
    match decode_ticket_code(text) {
        Ok((claims, sig)) => {
            let mut bytes = claims.encode().expect("decoded claims encode");
            bytes.extend_from_slice(&sig);
            assert_eq!(format!("{TICKET_CODE_PREFIX}{}", base32_encode(&bytes)), text);
            true
        }
        Err(_) => false,
    }
}

fn check_list(data: &[u8]) -> bool {
    match RevocationList::decode(data) {
        Ok((list, sig)) => {
            let mut again = list.encode().expect("decoded list encodes");
            again.extend_from_slice(&sig);
            assert_eq!(again, data);
            true
        }
        Err(_) => false,
    }
}

#[test]
fn record_and_batch_decoders() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let records = sample_records(&mut rng);
    for r in &records {
        assert_eq!(&SignedRecord::from_bytes(r.as_bytes()).unwrap(), r, "decode(encode(x)) == x");
    }
    let batch = Batch { records: records.clone() };
    assert_eq!(Batch::from_bytes(&batch.to_bytes()).unwrap(), batch);
    let mut decoded = 0;
    for i in 0..3000 {
        let base = records[i % records.len()].as_bytes();
        decoded += check_record(&mutate(&mut rng, base)) as usize;
        check_record(&rng.bytes(400));
        let mut framed = b"FCR\x01".to_vec();
        framed.extend(rng.bytes(300));
        check_record(&framed);
    }
    let small = Batch { records: records[..3].to_vec() }.to_bytes();
    for _ in 0..2000 {
        check_batch(&mutate(&mut rng, &small));
        check_batch(&rng.bytes(200));
        let mut framed = b"FCB\x01".to_vec();
        framed.extend(rng.bytes(64));
        check_batch(&framed);
    }
    // Some mutations are still valid encodings (e.g. a flipped id bit): they must round-trip too.
    assert!(decoded > 0);
}

#[test]
fn ticket_code_decoder() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let mut codes = Vec::new();
    for i in 0..20u128 {
        let claims = TicketClaims {
            key_id: rng.next() as u32,
            festival_id: Uuid::from_u128(rng.next() as u128),
            ticket_id: Uuid::from_u128(i),
            ticket_type: ["DAY", "VIP", "WEEKEND-2", "A"][rng.below(4)].into(),
            valid_from: t(0),
            valid_until: t(1 + rng.below(1_000_000) as i64),
        };
        let code = issue_ticket_code(&claims, &[9; 32]).unwrap();
        assert_eq!(decode_ticket_code(&code).unwrap().0, claims, "decode(encode(x)) == x");
        codes.push(code);
    }
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567018=a ";
    let mut decoded = 0;
    for i in 0..3000 {
        let base = codes[i % codes.len()].as_bytes();
        let m = mutate(&mut rng, base);
        if let Ok(s) = std::str::from_utf8(&m) {
            decoded += check_code(s) as usize;
        }
        let random: String = (0..rng.below(220)).map(|_| ALPHABET[rng.below(ALPHABET.len())] as char).collect();
        check_code(&random);
        check_code(&format!("FC{random}"));
    }
    assert!(decoded > 0);
}

#[test]
fn revocation_list_decoder() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let mut lists = Vec::new();
    for v in 0..10u64 {
        let mut tickets: Vec<Uuid> = (0..rng.below(5)).map(|_| Uuid::from_u128(rng.next() as u128)).collect();
        tickets.sort();
        tickets.dedup();
        let list = RevocationList {
            festival_id: Uuid::from_u128(1),
            key_id: 3,
            version: v,
            issued_at: t(v as i64),
            revoked_tickets: tickets,
            blocked_tags: vec![vec![1, 2, 3, 4], vec![4, 5, 6, 7, 8, 9, 10]],
            revoked_devices: vec![Uuid::from_u128(5)],
        };
        let bytes = list.sign(&[4; 32]).unwrap();
        assert_eq!(RevocationList::decode(&bytes).unwrap().0, list, "decode(encode(x)) == x");
        lists.push(bytes);
    }
    let mut decoded = 0;
    for i in 0..3000 {
        decoded += check_list(&mutate(&mut rng, &lists[i % lists.len()])) as usize;
        check_list(&rng.bytes(300));
        let mut framed = b"FCL\x01".to_vec();
        framed.extend(rng.bytes(200));
        check_list(&framed);
    }
    assert!(decoded > 0);
}
