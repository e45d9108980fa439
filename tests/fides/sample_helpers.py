"""The Fides sample (``shared/datasets/fides-sample``), required in CI (imported by name:
``from sample_helpers import require_sample``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIDES_SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "fides-sample"


def require_sample(folder: Path = FIDES_SAMPLE) -> Path:
    """``folder`` if it is there; else the test is skipped on a developer's machine and
    fails in CI (``CI=true``), as a server that cannot be reached does (tests/conftest.py)."""
    if not folder.is_dir():
        message = f"the Fides sample is not here ({folder})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (required in CI)")
        pytest.skip(message)
    return folder
