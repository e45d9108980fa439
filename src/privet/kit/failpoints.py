"""Failpoints: named places where a test can make the process die on the spot.

``PRIVET_FAILPOINTS=erasure.applied`` makes :func:`failpoint` kill the process (SIGKILL:
no cleanup, no ``finally``, as a crash or an OOM kill would) the first time it reaches the
place of that name. Tests use it to prove that work killed half-way resumes and completes
exactly once; in production the variable is unset and a failpoint costs one dict lookup.
"""

from __future__ import annotations

import os
import signal

ENVIRONMENT = "PRIVET_FAILPOINTS"


def failpoint(name: str) -> None:
    """Die here if ``name`` is among the comma-separated names of ``PRIVET_FAILPOINTS``."""
    armed = os.environ.get(ENVIRONMENT)
    if armed and name in {part.strip() for part in armed.split(",")}:
        os.kill(os.getpid(), signal.SIGKILL)
