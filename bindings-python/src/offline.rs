//! Offline crypto: strict Ed25519 signing and verification with `bytes`.

use crate::convert::bytes_from_py;
use crate::errors::CoreResult;
use festival_core::offline::crypto;
use festival_core::offline::OfflineError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

fn seed_arg(obj: &Bound<'_, PyAny>) -> PyResult<[u8; 32]> {
    let v = bytes_from_py("seed", obj)?;
    <[u8; 32]>::try_from(v.as_slice())
        .map_err(|_| OfflineError::InvalidKey { reason: format!("seed: expected 32 bytes, got {}", v.len()) })
        .py(obj.py())
}

/// Strict Ed25519 verification (canonical S and R, no small-order keys — the same decision as
/// every other runtime). Wrong lengths or unusable keys give `False`; non-bytes raise TypeError.
#[pyfunction]
pub fn verify_signature(
    py: Python<'_>,
    public_key: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    let pk = bytes_from_py("public_key", public_key)?;
    let msg = bytes_from_py("message", message)?;
    let sig = bytes_from_py("signature", signature)?;
    Ok(py.detach(move || crypto::verify(&pk, &msg, &sig).is_ok()))
}

/// The 32-byte Ed25519 public key of a 32-byte seed.
#[pyfunction]
pub fn public_key_from_seed<'py>(py: Python<'py>, seed: &Bound<'_, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    Ok(PyBytes::new(py, &crypto::public_key_from_seed(&seed_arg(seed)?)))
}

/// Ed25519 signature (64 bytes) of `message` with a 32-byte seed.
#[pyfunction]
pub fn sign<'py>(
    py: Python<'py>,
    seed: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let s = seed_arg(seed)?;
    let msg = bytes_from_py("message", message)?;
    Ok(PyBytes::new(py, &crypto::sign(&s, &msg)))
}
