"""Helpers the web tests share (imported by name: `from web_helpers import code_for`; a
module of its own, since `conftest` names a different module in each test folder)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from privet.kit.workspace import Workspace
from privet.models.outbox import MessageKind, OutboxMessage

ADMIN_PASSWORD = "Correct-horse-9"
CODE = re.compile(r"enter this code: (\d{6})")
LINK = re.compile(r"(https?://\S+/confirm\?token=\S+)")


def outbox(sessions: sessionmaker[Session], reference: str | None = None,
           kind: MessageKind | None = None) -> list[OutboxMessage]:
    with sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if reference is not None:
            query = query.where(OutboxMessage.reference == reference)
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        return list(session.scalars(query))


def code_for(sessions: sessionmaker[Session], reference: str) -> str:
    """The code of the newest verification email of a request."""
    messages = outbox(sessions, reference, MessageKind.verification)
    assert messages, f"no verification email for {reference}"
    found = CODE.search(messages[-1].text_body)
    assert found is not None, messages[-1].text_body
    return found.group(1)


def link_for(sessions: sessionmaker[Session], reference: str) -> str:
    messages = outbox(sessions, reference, MessageKind.verification)
    found = LINK.search(messages[-1].text_body)
    assert found is not None, messages[-1].text_body
    return found.group(1)


@dataclass(frozen=True)
class LiveServer:
    url: str
    workspace: Workspace
    sessions: sessionmaker[Session]
