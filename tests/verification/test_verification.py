"""Verifying a data subject: one-time codes and single-use signed links, on SQLite and
PostgreSQL. Time is passed in (``now``); nothing sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from privet.kit.db import dispose, open_database, session_scope
from privet.kit.errors import ConfigurationError
from privet.models.verification import VerificationChallenge
from privet.verification import (
    LinkExpired,
    LinkRefused,
    RateLimited,
    VerificationFailed,
    check_code,
    consume_link,
    issue_code,
    issue_link,
    read_link,
    sign_link,
)

SECRET = "a-test-secret-of-enough-length-0123456789"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
REQUEST = "DSR-2026-0001"
OTHER_REQUEST = "DSR-2026-0002"


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'privet.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    factory = open_database(url)
    yield factory
    dispose(factory)


def _issue(sessions: sessionmaker[Session], *, purpose: str = "verify_request",
           subject_ref: str = REQUEST, now: datetime = NOW,
           ttl: timedelta = timedelta(minutes=15), digits: int = 6, per_hour: int = 5) -> str:
    with session_scope(sessions) as session:
        return issue_code(session, secret=SECRET, subject_ref=subject_ref, purpose=purpose,
                          now=now, ttl=ttl, digits=digits, per_hour=per_hour)


def _check(sessions: sessionmaker[Session], code: str, *, purpose: str = "verify_request",
           subject_ref: str = REQUEST, now: datetime = NOW) -> None:
    with session_scope(sessions) as session:
        check_code(session, secret=SECRET, subject_ref=subject_ref, purpose=purpose,
                   code=code, now=now)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def _refused(sessions: sessionmaker[Session], code: str, *, purpose: str = "verify_request",
             subject_ref: str = REQUEST, now: datetime = NOW) -> str:
    with pytest.raises(VerificationFailed) as refused:
        _check(sessions, code, purpose=purpose, subject_ref=subject_ref, now=now)
    return refused.value.message


# -------------------------------------------------------------------------------- codes


def test_a_code_works_once(sessions: sessionmaker[Session]) -> None:
    code = _issue(sessions)
    assert code.isdigit() and len(code) == 6
    _check(sessions, code, now=NOW + timedelta(minutes=14))
    _refused(sessions, code, now=NOW + timedelta(minutes=14))


def test_a_code_may_be_typed_with_spaces_and_may_have_eight_digits(
        sessions: sessionmaker[Session]) -> None:
    code = _issue(sessions, digits=8)
    assert len(code) == 8
    _check(sessions, f" {code[:4]} {code[4:]} ")


def test_wrong_codes_are_counted_and_the_sixth_attempt_is_refused(
        sessions: sessionmaker[Session]) -> None:
    code = _issue(sessions)
    messages = {_refused(sessions, _wrong(code)) for _ in range(5)}
    with sessions() as session:
        challenge = session.scalars(select(VerificationChallenge)).one()
        assert challenge.attempts == 5 and challenge.consumed_at is None
    messages.add(_refused(sessions, code))  # right code, too late
    # The same words whatever the reason, wrong or dead.
    expired = _issue(sessions, subject_ref=OTHER_REQUEST)
    messages.add(_refused(sessions, expired, subject_ref=OTHER_REQUEST,
                          now=NOW + timedelta(minutes=15)))
    messages.add(_refused(sessions, "123456", subject_ref="DSR-unknown"))
    assert len(messages) == 1
    assert "wrong" not in messages.pop()


def test_a_failure_is_counted_only_when_committed(sessions: sessionmaker[Session]) -> None:
    code = _issue(sessions)
    for _ in range(5):  # an edge that rolls back on every error loses the count…
        session = sessions()
        with pytest.raises(VerificationFailed):
            check_code(session, secret=SECRET, subject_ref=REQUEST,
                       purpose="verify_request", code=_wrong(code), now=NOW)
        session.rollback()
        session.close()
    _check(sessions, code)
    code = _issue(sessions, subject_ref=OTHER_REQUEST)
    for _ in range(5):  # …session_scope commits a refused check (keeps_changes)
        with pytest.raises(VerificationFailed), session_scope(sessions) as session:
            check_code(session, secret=SECRET, subject_ref=OTHER_REQUEST,
                       purpose="verify_request", code=_wrong(code), now=NOW)
    _refused(sessions, code, subject_ref=OTHER_REQUEST)


def test_an_expired_code_is_refused(sessions: sessionmaker[Session]) -> None:
    code = _issue(sessions, ttl=timedelta(minutes=10))
    _refused(sessions, code, now=NOW + timedelta(minutes=10))
    _check(sessions, code, now=NOW + timedelta(minutes=9, seconds=59))


def test_a_new_code_supersedes_the_older_one(sessions: sessionmaker[Session]) -> None:
    first = _issue(sessions)
    second = _issue(sessions, now=NOW + timedelta(minutes=1))
    if first != second:  # one chance in a million that they are the same digits
        _refused(sessions, first, now=NOW + timedelta(minutes=2))
    _check(sessions, second, now=NOW + timedelta(minutes=2))


def test_a_code_is_for_one_purpose_and_one_request(sessions: sessionmaker[Session]) -> None:
    code = _issue(sessions, purpose="download")
    _issue(sessions, purpose="preferences", subject_ref=OTHER_REQUEST)
    _refused(sessions, code, purpose="preferences")
    _refused(sessions, code, purpose="download", subject_ref=OTHER_REQUEST)
    _check(sessions, code, purpose="download")


def test_codes_are_rate_limited_per_request_and_hour(sessions: sessionmaker[Session]) -> None:
    for minute in range(3):
        _issue(sessions, now=NOW + timedelta(minutes=minute), per_hour=3)
    with pytest.raises(RateLimited) as limited:
        _issue(sessions, purpose="download", now=NOW + timedelta(minutes=30), per_hour=3)
    assert limited.value.http_status == 429
    assert limited.value.hint is not None and "13:00 UTC" in limited.value.hint
    _issue(sessions, subject_ref=OTHER_REQUEST, now=NOW + timedelta(minutes=30), per_hour=3)
    _issue(sessions, now=NOW + timedelta(hours=1), per_hour=3)  # the first one has aged out


def test_codes_are_never_stored_in_clear(sessions: sessionmaker[Session]) -> None:
    codes = [_issue(sessions, purpose=purpose, now=NOW + timedelta(seconds=i))
             for i, purpose in enumerate(["verify_request", "download", "preferences"])]
    token = _link(sessions, purpose="download")
    nonce = read_link(SECRET, token, purpose="download", max_age=timedelta(days=1),
                      now=NOW).nonce
    with sessions() as session:
        stored = " ".join(
            f"{c.subject_ref} {c.purpose} {c.kind} {c.code_hash}"
            for c in session.scalars(select(VerificationChallenge)))
    assert stored.count(REQUEST) == 4
    for secret in [*codes, nonce]:
        assert secret not in stored


def test_a_short_secret_is_a_configuration_error(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(ConfigurationError), session_scope(sessions) as session:
        issue_code(session, secret="short", subject_ref=REQUEST, purpose="download", now=NOW)


# -------------------------------------------------------------------------------- links


def _link(sessions: sessionmaker[Session], *, purpose: str = "download",
          subject_ref: str = REQUEST, now: datetime = NOW) -> str:
    with session_scope(sessions) as session:
        return issue_link(session, secret=SECRET, subject_ref=subject_ref, purpose=purpose,
                          now=now)


def _use(sessions: sessionmaker[Session], token: str, *, purpose: str = "download",
         now: datetime = NOW, subject_ref: str | None = None) -> str:
    with session_scope(sessions) as session:
        return consume_link(session, secret=SECRET, token=token, purpose=purpose, now=now,
                            subject_ref=subject_ref)


def test_a_link_works_once(sessions: sessionmaker[Session]) -> None:
    token = _link(sessions)
    assert _use(sessions, token, subject_ref=REQUEST, now=NOW + timedelta(hours=1)) == REQUEST
    with pytest.raises(LinkExpired) as reused:
        _use(sessions, token, now=NOW + timedelta(hours=1))
    assert reused.value.http_status == 410
    assert "ask for a new link" in str(reused.value)


def test_a_tampered_link_is_refused(sessions: sessionmaker[Session]) -> None:
    token = _link(sessions)
    # Not the last character: its low bits are base64 padding, which decoding ignores.
    for position in (0, len(token) // 2, len(token) - 2):
        flipped = "A" if token[position] != "A" else "B"
        with pytest.raises(LinkRefused) as refused:
            _use(sessions, token[:position] + flipped + token[position + 1:])
        assert refused.value.http_status == 403
        assert "ask for a new link" in str(refused.value)
    with pytest.raises(LinkRefused):
        _use(sessions, token[:-4])
    assert _use(sessions, token) == REQUEST  # the genuine one still works


def test_a_link_for_another_purpose_or_request_is_refused(
        sessions: sessionmaker[Session]) -> None:
    preferences = _link(sessions, purpose="preferences")
    with pytest.raises(LinkRefused) as wrong_purpose:
        _use(sessions, preferences, purpose="download")
    assert wrong_purpose.value.http_status == 403
    other = _link(sessions, subject_ref=OTHER_REQUEST)
    with pytest.raises(LinkRefused) as wrong_request:
        _use(sessions, other, subject_ref=REQUEST)
    assert wrong_request.value.http_status == 403
    # A link signed by someone else's Privet, or with a nonce never issued, is refused.
    forged = sign_link("another-secret-of-enough-length-000", purpose="download",
                       subject_ref=REQUEST, nonce="x", now=NOW)
    with pytest.raises(LinkRefused):
        _use(sessions, forged)
    unknown_nonce = sign_link(SECRET, purpose="download", subject_ref=REQUEST, nonce="x",
                              now=NOW)
    with pytest.raises(LinkExpired):
        _use(sessions, unknown_nonce)
    assert _use(sessions, other) == OTHER_REQUEST
    assert _use(sessions, preferences, purpose="preferences") == REQUEST


def test_an_expired_or_superseded_link_is_refused(sessions: sessionmaker[Session]) -> None:
    token = _link(sessions)
    with pytest.raises(LinkExpired) as expired:
        _use(sessions, token, now=NOW + timedelta(days=1, seconds=1))
    assert expired.value.http_status == 410
    assert "ask for a new link" in str(expired.value)
    newer = _link(sessions, now=NOW + timedelta(minutes=5))
    with pytest.raises(LinkExpired):
        _use(sessions, token, now=NOW + timedelta(minutes=6))
    assert _use(sessions, newer, now=NOW + timedelta(minutes=6)) == REQUEST


def test_read_link_checks_age_and_purpose_without_a_database() -> None:
    token = sign_link(SECRET, purpose="download", subject_ref=REQUEST, nonce="n1", now=NOW)
    claim = read_link(SECRET, token, purpose="download", max_age=timedelta(minutes=5),
                      now=NOW + timedelta(minutes=5))
    assert (claim.subject_ref, claim.nonce) == (REQUEST, "n1")
    with pytest.raises(LinkExpired):
        read_link(SECRET, token, purpose="download", max_age=timedelta(minutes=5),
                  now=NOW + timedelta(minutes=5, seconds=1))
    with pytest.raises(LinkRefused) as wrong:
        read_link(SECRET, token, purpose="verify_request", max_age=timedelta(minutes=5),
                  now=NOW)
    assert not isinstance(wrong.value, LinkExpired)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200),
                 st.from_regex(r"\A[A-Za-z0-9_\-.]{1,200}\Z")))
def test_random_tokens_never_validate(token: str) -> None:
    for purpose in ("verify_request", "download", "preferences"):
        with pytest.raises(LinkRefused):
            read_link(SECRET, token, purpose=purpose, max_age=timedelta(days=3650), now=NOW)
