"""The data subject request workflow: states, deadlines, extensions, the request log.

received → verified → approved → running → completed | rejected | failed; every step is a
``RequestEvent`` and an audit entry.
"""

from privet.workflow.schemas import (
    Channel,
    QueueItem,
    RequestLogRow,
    RequestState,
    RequestType,
)
from privet.workflow.service import (
    ExtensionRefused,
    InvalidRequest,
    InvalidTransition,
    RequestNotFound,
    WorkflowError,
    approve,
    complete,
    due_soon,
    email_hash,
    extend,
    fail,
    get_request,
    mark_verified,
    queue,
    receive_request,
    reject,
    request_log,
    start,
)

__all__ = [
    "Channel",
    "ExtensionRefused",
    "InvalidRequest",
    "InvalidTransition",
    "QueueItem",
    "RequestLogRow",
    "RequestNotFound",
    "RequestState",
    "RequestType",
    "WorkflowError",
    "approve",
    "complete",
    "due_soon",
    "email_hash",
    "extend",
    "fail",
    "get_request",
    "mark_verified",
    "queue",
    "receive_request",
    "reject",
    "request_log",
    "start",
]
