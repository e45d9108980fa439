"""Helpers the web tests share (imported by name: `from web_helpers import code_for`; a
module of its own, since `conftest` names a different module in each test folder)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from privet.kit.workspace import Workspace
from privet.models.outbox import MessageKind, OutboxMessage

ADMIN_PASSWORD = "Correct-horse-9"
CODE = re.compile(r"enter this code: (\d{6})")
LINK = re.compile(r"(https?://\S+/confirm\?token=\S+)")
CSRF_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


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


def admin_sign_in(client: Any, username: str) -> None:
    """Sign ``username`` in to the admin through the form, as a browser would
    (``client``: a TestClient)."""
    found = CSRF_TOKEN.search(client.get("/admin/login").text)
    assert found is not None, "no CSRF token on the sign-in page"
    answer = client.post("/admin/login", data={"csrf_token": found.group(1),
                                                "username": username,
                                                "password": ADMIN_PASSWORD},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text


def browser_sign_in(page: Any, url: str, username: str) -> None:
    """Sign ``username`` in to the admin in a Playwright page."""
    page.goto(f"{url}/admin/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
