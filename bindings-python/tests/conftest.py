"""Shared helpers for the festival_core tests."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VECTORS_DIR = REPO_ROOT / "tests" / "vectors"


def vector_files() -> list[Path]:
    """Every conformance vector file: tests/vectors/*.json plus $FESTIVAL_VECTORS_DIR/*.json."""
    files = sorted(VECTORS_DIR.glob("*.json"))
    extra = os.environ.get("FESTIVAL_VECTORS_DIR")
    if extra:
        files += sorted(Path(extra).glob("*.json"))
    return files
