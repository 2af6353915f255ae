"""Strict Ed25519 through the binding: Wycheproof, sign/verify round trips, hostile bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import festival_core as fc
from conftest import REPO_ROOT

WYCHEPROOF = REPO_ROOT / "tests" / "wycheproof" / "ed25519_test.json"


def _cases() -> list[Any]:
    path = WYCHEPROOF if WYCHEPROOF.exists() else Path("/work/shared/vectors/wycheproof/ed25519_test.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [
        pytest.param(g["publicKey"]["pk"], t, id=f"tc{t['tcId']}")
        for g in doc["testGroups"]
        for t in g["tests"]
    ]


CASES = _cases()


def test_all_wycheproof_cases_present() -> None:
    assert len(CASES) == 150 or len(CASES) >= 145


@pytest.mark.parametrize("pk,case", CASES)
def test_wycheproof(pk: str, case: dict[str, Any]) -> None:
    got = fc.verify_signature(bytes.fromhex(pk), bytes.fromhex(case["msg"]), bytes.fromhex(case["sig"]))
    # Strict verification: "acceptable" cases (non-canonical encodings) are rejected too.
    assert got is (case["result"] == "valid"), case


def test_sign_and_verify_round_trip() -> None:
    seed = bytes(range(32))
    pk = fc.public_key_from_seed(seed)
    assert isinstance(pk, bytes) and len(pk) == 32
    sig = fc.sign(seed, b"festival")
    assert len(sig) == 64
    assert fc.verify_signature(pk, b"festival", sig) is True
    assert fc.verify_signature(pk, b"festivaL", sig) is False
    assert fc.verify_signature(bytearray(pk), memoryview(b"festival"), sig) is True


def test_hostile_bytes() -> None:
    seed = bytes(32)
    pk, sig = fc.public_key_from_seed(seed), fc.sign(seed, b"m")
    assert fc.verify_signature(pk[:31], b"m", sig) is False  # truncated key
    assert fc.verify_signature(pk, b"m", sig[:63]) is False  # truncated signature
    assert fc.verify_signature(b"", b"", b"") is False
    assert fc.verify_signature(bytes(32), b"m", sig) is False  # small-order key
    with pytest.raises(TypeError):
        fc.verify_signature(pk.hex(), b"m", sig)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fc.verify_signature(pk, "m", sig)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fc.verify_signature(pk, b"m", 12)  # type: ignore[arg-type]
    with pytest.raises(fc.OfflineError) as ei:
        fc.public_key_from_seed(b"short")
    assert ei.value.code == "OFFLINE_INVALID_KEY"
