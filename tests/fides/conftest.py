"""The Fides sample: a test that needs it asks for ``fides_sample`` and is skipped without
it on a developer's machine, failed without it in CI (``CI=true``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_helpers import require_sample


@pytest.fixture
def fides_sample() -> Path:
    """The folder of the Fides sample: its annotations and its PostgreSQL database."""
    return require_sample()
