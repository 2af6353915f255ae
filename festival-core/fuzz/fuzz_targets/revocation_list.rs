//! Revocation-list decoder: never panics; whatever decodes re-encodes to the same bytes.
#![no_main]
use festival_core::offline::codes::RevocationList;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((list, sig)) = RevocationList::decode(data) {
        let mut again = list.encode().expect("a decoded list encodes");
        again.extend_from_slice(&sig);
        assert_eq!(again, data);
    }
});
