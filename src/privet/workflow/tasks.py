"""Jobs of the request workflow (being written)."""

from __future__ import annotations

from privet.jobs.service import JobContext, task
from privet.workflow.handling import EXECUTE_REQUEST


@task(EXECUTE_REQUEST)
def execute_request(ctx: JobContext) -> None:
    raise NotImplementedError
