"""Every conformance vector (tests/vectors/*.json and $FESTIVAL_VECTORS_DIR) through
festival_core.conformance_execute: outputs by deep JSON equality, errors by exc.code/details."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import festival_core
from conftest import vector_files


def _load() -> list[Any]:
    params = []
    for path in vector_files():
        # Some inputs hold floats on purpose (they must be rejected); Python's float repr
        # round-trips them exactly when the input is re-serialized below.
        doc = json.loads(path.read_text(encoding="utf-8"))
        for i, v in enumerate(doc["vectors"]):
            params.append(pytest.param(path, v, id=f"{path.stem}[{i}] {v['name']}"))
    return params


VECTORS = _load()


def test_vectors_were_found() -> None:
    # Guards against silently running nothing (e.g. a wrong path).
    assert len(VECTORS) >= 10


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _subset(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


@pytest.mark.parametrize("path,vector", VECTORS)
def test_vector(path: Path, vector: dict[str, Any]) -> None:
    op, inp = vector["op"], json.dumps(vector["input"])
    assert ("expected" in vector) != ("expected_error" in vector), "exactly one of expected/expected_error"
    if "expected" in vector:
        out = json.loads(festival_core.conformance_execute(op, inp))
        assert out == vector["expected"]
    else:
        with pytest.raises(festival_core.FestivalError) as ei:
            festival_core.conformance_execute(op, inp)
        assert ei.value.code == vector["expected_error"], ei.value
        if "expected_details" in vector:
            assert _subset(vector["expected_details"], ei.value.details), ei.value.details


def test_unknown_operation_and_bad_json() -> None:
    with pytest.raises(festival_core.InputError) as ei:
        festival_core.conformance_execute("nope.nothing", "{}")
    assert ei.value.code == "INPUT_UNKNOWN_OPERATION"
    with pytest.raises(festival_core.InputError) as ei2:
        festival_core.conformance_execute("money.parse", "{not json")
    assert ei2.value.code == "INPUT_INVALID"
    assert isinstance(ei2.value, ValueError)
