//! Offline operation for JS: strict Ed25519, device-side signing, signed ticket codes and
//! revocation lists, and a gate-side [`TicketVerifierHandle`].

use crate::{from_js, invalid, str_arg, to_js, Result};
use festival_core::interop;
use festival_core::offline::codes::{
    decode_ticket_code as core_decode, issue_ticket_code as core_issue, verify_ticket_code, IssuerKey, KeySet,
    RevocationList, RevocationStore, TicketClaims,
};
use festival_core::offline::crypto;
use festival_core::Timestamp;
use serde_json::Value;
use uuid::Uuid;

fn seed(field: &str, bytes: &[u8]) -> Result<[u8; 32]> {
    <[u8; 32]>::try_from(bytes).map_err(|_| invalid(field, format!("expected 32 bytes, got {}", bytes.len())))
}

/// A timestamp argument: RFC 3339 text (a JS `Date` arrives as RFC 3339 text too).
pub fn timestamp_arg(field: &str, v: &Value) -> Result<Timestamp> {
    Ok(interop::parse_timestamp(field, str_arg(field, v)?)?)
}

/// A UUID argument.
pub fn uuid_arg(field: &str, v: &Value) -> Result<Uuid> {
    Ok(interop::parse_uuid(field, str_arg(field, v)?)?)
}

/// `verifySignature(publicKey, message, signature): boolean`: strict Ed25519 (canonical
/// encodings, no small-order keys). Any rejection — wrong lengths, unusable key, bad signature —
/// is `false`.
pub fn verify_signature(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    crypto::verify(public_key, message, signature).is_ok()
}

/// `publicKeyFromSeed(seed: Uint8Array /*32*/): Uint8Array /*32*/`.
pub fn public_key_from_seed(seed_bytes: &[u8]) -> Result<Vec<u8>> {
    Ok(crypto::public_key_from_seed(&seed("seed", seed_bytes)?).to_vec())
}

/// `signMessage(seed, message): Uint8Array /*64*/` (deterministic, RFC 8032).
pub fn sign_message(seed_bytes: &[u8], message: &[u8]) -> Result<Vec<u8>> {
    Ok(crypto::sign(&seed("seed", seed_bytes)?, message).to_vec())
}

/// `issueTicketCode(claims: TicketClaims, issuerSeed): string` (the QR text, `FC...`).
pub fn issue_ticket_code(claims: &Value, issuer_seed: &[u8]) -> Result<String> {
    let claims: TicketClaims = from_js("claims", claims)?;
    Ok(core_issue(&claims, &seed("issuerSeed", issuer_seed)?)?)
}

/// `decodeTicketCode(code): TicketClaims` — decodes WITHOUT verifying (for display only).
pub fn decode_ticket_code(code: &Value) -> Result<Value> {
    let (claims, _sig) = core_decode(str_arg("code", code)?)?;
    to_js(&claims)
}

fn revocation_list_arg(v: &Value) -> Result<RevocationList> {
    // `version` is a 64-bit counter: accept a BigInt / safe integer as well as the core's string.
    let mut v = v.clone();
    if let Some(ver) = v.get_mut("version") {
        if let Some(n) = ver.as_u64() {
            *ver = Value::String(n.to_string());
        }
    }
    from_js("list", &v)
}

/// `issueRevocationList(list: RevocationList, issuerSeed): Uint8Array` (signed bytes).
pub fn issue_revocation_list(list: &Value, issuer_seed: &[u8]) -> Result<Vec<u8>> {
    Ok(revocation_list_arg(list)?.sign(&seed("issuerSeed", issuer_seed)?)?)
}

/// A gate's ticket verifier: trusted issuer keys, its festival, and the installed revocation list.
#[derive(Debug, Clone)]
pub struct TicketVerifierHandle {
    keys: KeySet,
    festival_id: Uuid,
    revocations: RevocationStore,
}

impl TicketVerifierHandle {
    /// `new TicketVerifier(keys: IssuerKey[], festivalId: string)`.
    pub fn new(keys: &Value, festival_id: &Value) -> Result<Self> {
        let keys: Vec<IssuerKey> = from_js("keys", keys)?;
        Ok(TicketVerifierHandle {
            keys: KeySet::new(keys)?,
            festival_id: uuid_arg("festivalId", festival_id)?,
            revocations: RevocationStore::default(),
        })
    }

    /// `installRevocationList(bytes, now): 'installed' | 'unchanged'` (never moves backwards).
    pub fn install_revocation_list(&mut self, bytes: &[u8], now: &Value) -> Result<Value> {
        let now = timestamp_arg("now", now)?;
        to_js(&self.revocations.install(bytes, &self.keys, self.festival_id, now)?)
    }

    /// `revocationList(): RevocationList | null` (the installed list).
    pub fn revocation_list(&self) -> Result<Value> {
        match self.revocations.current() {
            Some(l) => to_js(l),
            None => Ok(Value::Null),
        }
    }

    /// `verify(code, now, maxStalenessMs): TicketClaims`; throws `CODE_*` errors.
    pub fn verify(&self, code: &Value, now: &Value, max_staleness_ms: &Value) -> Result<Value> {
        let claims = verify_ticket_code(
            str_arg("code", code)?,
            &self.keys,
            self.festival_id,
            timestamp_arg("now", now)?,
            &self.revocations,
            crate::i64_arg("maxStalenessMs", max_staleness_ms)?,
        )?;
        to_js(&claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use festival_core::ErrorCode;
    use serde_json::json;

    const FESTIVAL: &str = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    const TICKET: &str = "9b2f0c1e-2d3c-4b5a-8e7f-0123456789ab";

    #[test]
    fn sign_verify_and_ticket_codes() {
        let seed = [7u8; 32];
        let pk = public_key_from_seed(&seed).unwrap();
        let sig = sign_message(&seed, b"hi").unwrap();
        assert!(verify_signature(&pk, b"hi", &sig));
        assert!(!verify_signature(&pk, b"ho", &sig));
        assert!(!verify_signature(&pk[..31], b"hi", &sig));
        assert_eq!(sign_message(&seed[..5], b"x").unwrap_err().code(), "INPUT_INVALID");

        let claims = json!({"keyId": 1, "festivalId": FESTIVAL, "ticketId": TICKET, "ticketType": "DAY",
                            "validFrom": "2026-07-01T10:00:00Z", "validUntil": "2026-07-02T10:00:00Z"});
        let code = issue_ticket_code(&claims, &seed).unwrap();
        assert!(code.starts_with("FC"));
        assert_eq!(decode_ticket_code(&json!(code)).unwrap()["ticketType"], "DAY");
        let keys = json!([{"keyId": 1, "publicKey": interop::hex_encode(&pk), "festivalId": FESTIVAL,
                           "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z"}]);
        let mut gate = TicketVerifierHandle::new(&keys, &json!(FESTIVAL)).unwrap();
        let now = json!("2026-07-01T12:00:00Z");
        assert_eq!(gate.verify(&json!(code), &now, &json!(600_000)).unwrap_err().code(), "CODE_REVOCATION_LIST_STALE");
        let list = json!({"festivalId": FESTIVAL, "keyId": 1, "version": 1, "issuedAt": "2026-07-01T11:55:00Z",
                          "revokedTickets": [], "blockedTags": [], "revokedDevices": []});
        let bytes = issue_revocation_list(&list, &seed).unwrap();
        assert_eq!(gate.install_revocation_list(&bytes, &now).unwrap(), json!("installed"));
        assert_eq!(gate.verify(&json!(code), &now, &json!(600_000)).unwrap()["ticketId"], TICKET);
        assert_eq!(gate.revocation_list().unwrap()["version"], "1");
    }
}
