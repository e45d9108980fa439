"""The breach tests' world: the demo company (its manifest, its SQLite database of 300
synthetic people, Privet's database) and a breach factory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from privet.breaches import service
from privet.breaches.schemas import BreachFacts
from privet.kit.clock import utc_naive
from privet.kit.db import session_scope
from privet.kit.workspace import Workspace
from privet.manifest.schema import Manifest
from privet.models.audit_log import AuditEntry
from privet.models.breaches import Breach, BreachDecision, BreachNotification
from privet.models.outbox import OutboxMessage
from privet.requests.engine import ConnectedDatastores

NOW = utc_naive().replace(second=0, microsecond=0)


def facts(**changes: Any) -> BreachFacts:
    """A support export sent to the wrong customer, discovered 10 hours before ``NOW``."""
    values: dict[str, Any] = {
        "title": "Support export sent to the wrong customer",
        "description": "A CSV export of support tickets was emailed to another customer.",
        "nature": ["confidentiality"],
        "occurred_at": NOW - timedelta(hours=30),
        "discovered_at": NOW - timedelta(hours=10),
        "data_categories": ["user.contact.email", "user.content.private"],
        "subject_categories": ["customer"],
        "systems": ["app.support_tickets"],
        "people_affected": 120, "records_affected": 410,
        "consequences": "Phishing emails quoting the tickets' subjects.",
        "measures": "The recipient confirmed deletion; exports now need a second check.",
        "advice": "Be wary of emails that quote your support tickets.",
        "risk": "high",
    }
    values.update(changes)
    return BreachFacts.model_validate(values)


@dataclass
class Register:
    """Service calls on the demo workspace, each in its own committed transaction."""

    sessions: sessionmaker[Session]
    manifest: Manifest
    workspace: Workspace
    secret: bytes

    def record(self, now: datetime = NOW, **changes: Any) -> str:
        with session_scope(self.sessions) as session:
            return service.record_breach(session, self.manifest, facts(**changes),
                                         secret=self.secret, actor="cli", now=now).reference

    def datastores(self) -> ConnectedDatastores:
        return ConnectedDatastores.open(self.manifest, self.workspace.root, timeout=5,
                                        write=False)

    def finder(self) -> service.PeopleFinder:
        return service.PeopleFinder(self.manifest, self.workspace.root, 5)

    def counts(self) -> dict[str, int]:
        """Rows of each table a refused action must leave as they were."""
        with self.sessions() as session:
            return {model.__name__: int(session.scalar(
                select(func.count()).select_from(model)) or 0)
                for model in (Breach, BreachDecision, BreachNotification, AuditEntry,
                              OutboxMessage)}

    def audit(self, reference: str) -> list[AuditEntry]:
        with self.sessions() as session:
            return list(session.scalars(select(AuditEntry).where(
                AuditEntry.subject_id == reference).order_by(AuditEntry.sequence)))


@pytest.fixture
def register(demo_workspace: Workspace,
             privet_sessions: sessionmaker[Session]) -> Iterator[Register]:
    yield Register(privet_sessions, demo_workspace.load_manifest(), demo_workspace,
                   demo_workspace.secret())
