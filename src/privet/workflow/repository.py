"""Queries on data subject requests (Privet's database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from privet.models.data_subject_requests import DataSubjectRequest, RequestEvent
from privet.workflow.schemas import CLOSED_STATES


def _deadline() -> ColumnElement[datetime]:
    return func.coalesce(DataSubjectRequest.extended_until, DataSubjectRequest.due_at)


def _open() -> ColumnElement[bool]:
    return DataSubjectRequest.state.not_in([state.value for state in CLOSED_STATES])


def add_request(session: Session, request: DataSubjectRequest) -> None:
    session.add(request)


def add_event(session: Session, event: RequestEvent) -> None:
    session.add(event)


def by_reference(session: Session, reference: str) -> DataSubjectRequest | None:
    return session.scalars(
        select(DataSubjectRequest).where(DataSubjectRequest.reference == reference)
    ).one_or_none()


def reference_taken(session: Session, reference: str) -> bool:
    return session.scalar(
        select(DataSubjectRequest.id).where(DataSubjectRequest.reference == reference)
    ) is not None


def open_by_deadline(session: Session) -> list[DataSubjectRequest]:
    """Every open request, nearest deadline first."""
    return list(session.scalars(
        select(DataSubjectRequest).where(_open())
        .order_by(_deadline(), DataSubjectRequest.id)))


def open_due_by(session: Session, moment: datetime) -> list[DataSubjectRequest]:
    """Open requests whose deadline in force is at or before ``moment`` (overdue ones
    included), nearest deadline first."""
    return list(session.scalars(
        select(DataSubjectRequest).where(_open(), _deadline() <= moment)
        .order_by(_deadline(), DataSubjectRequest.id)))


def received_between(session: Session, since: datetime,
                     until: datetime) -> list[DataSubjectRequest]:
    """Requests received in ``[since, until)``, oldest first."""
    return list(session.scalars(
        select(DataSubjectRequest)
        .where(DataSubjectRequest.received_at >= since, DataSubjectRequest.received_at < until)
        .order_by(DataSubjectRequest.received_at, DataSubjectRequest.id)))

