//! Ticket-code text decoder: never panics; whatever decodes is the one canonical text.
#![no_main]
use festival_core::offline::codes::{base32_encode, decode_ticket_code, TICKET_CODE_PREFIX};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok((claims, sig)) = decode_ticket_code(text) {
        let mut bytes = claims.encode().expect("decoded claims encode");
        bytes.extend_from_slice(&sig);
        assert_eq!(format!("{TICKET_CODE_PREFIX}{}", base32_encode(&bytes)), text);
    }
});
