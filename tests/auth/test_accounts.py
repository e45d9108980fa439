"""Admin accounts and API keys: the password policy, hashes, sign-in throttling, API keys,
roles, and `privet users …` — on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import time
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from privet.auth import service
from privet.auth.passwords import (
    MAX_LENGTH,
    check_password_policy,
    generate_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from privet.auth.service import (
    AuthenticationError,
    AuthorizationError,
    InvalidAccountError,
    PolicyError,
    Principal,
    UnknownApiKeyError,
    UserExistsError,
)
from privet.cli import app
from privet.kit.db import dispose, open_database, session_scope
from privet.models.accounts import AdminUser, ApiKey, Role

PASSWORD = "Tulip-garden-42"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PRIVET_DIR", "PRIVET_DATABASE_URL", "PRIVET_MANIFEST"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'privet.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    factory = open_database(url)
    yield factory
    dispose(factory)


def add_user(sessions: sessionmaker[Session], username: str = "alice",
             password: str = PASSWORD, role: Role = Role.admin) -> None:
    with session_scope(sessions) as session:
        service.create_user(username, f"{username}@example.org", role, password,
                            session=session, now=T0)


def sign_in(sessions: sessionmaker[Session], username: str, password: str,
            now: datetime) -> Principal:
    """What the web edge does: a refused sign-in is committed too."""
    with session_scope(sessions) as session:
        return service.authenticate(username, password, session=session, now=now)


def refused(sessions: sessionmaker[Session], username: str, password: str,
            now: datetime) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as error:
        sign_in(sessions, username, password, now)
    return error.value


def stored_user(sessions: sessionmaker[Session], username: str = "alice") -> AdminUser:
    with sessions() as session:
        user = session.scalar(sa.select(AdminUser).where(AdminUser.username == username))
        assert user is not None
        return user


def everything_stored(sessions: sessionmaker[Session]) -> str:
    """Every value in every table of the database, as text."""
    engine = sessions.kw["bind"]
    assert isinstance(engine, sa.Engine)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return "\n".join(repr(tuple(row)) for table in metadata.sorted_tables
                         for row in connection.execute(sa.select(table)))


# ------------------------------------------------------------------------ password policy


def test_a_compliant_password_passes() -> None:
    assert check_password_policy(PASSWORD, username="alice", email="alice@example.org") == []
    assert check_password_policy("abcdef1!") == []  # exactly 8 characters


@pytest.mark.parametrize(("password", "rule"), [
    ("abc1!", "at least 8 characters"),
    ("a1!" + "x" * MAX_LENGTH, "at most 1024 characters"),
    ("12345678!", "add a letter"),
    ("abcdefgh!", "add a digit"),
    ("abcdefgh1", "add a special character"),
    ("abcd efg1", "add a special character"),  # a space is not a special character
    ("Alice.Smith-1", "not your username"),
    ("a.smith1@example.org", "not your email address"),
    ("A.Smith1", "not your email address"),  # the address's local part
])
def test_each_rule_is_reported_alone(password: str, rule: str) -> None:
    problems = check_password_policy(password, username="alice.smith-1",
                                     email="a.smith1@example.org")
    assert len(problems) == 1, problems
    assert rule in problems[0]


def test_an_empty_password_breaks_every_character_rule_at_once() -> None:
    problems = check_password_policy("")
    assert len(problems) == 4
    for rule, problem in zip(("at least 8", "letter", "digit", "special"), problems,
                             strict=True):
        assert rule in problem


@given(st.integers(min_value=12, max_value=128), st.text(min_size=1, max_size=30))
def test_a_generated_password_always_passes(length: int, username: str) -> None:
    password = generate_password(length)
    assert len(password) == length
    assert check_password_policy(password, username=username,
                                 email=f"{username}@example.org") == []


@given(st.text(min_size=3, max_size=40))
def test_policy_messages_never_repeat_the_password(password: str) -> None:
    for problem in check_password_policy(password):
        assert password not in problem


def test_generated_passwords_differ() -> None:
    assert len({generate_password() for _ in range(50)}) == 50
    with pytest.raises(ValueError):
        generate_password(8)


# ------------------------------------------------------------------------------- hashes


def test_a_hash_never_holds_the_password_and_verifies_it() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$")
    assert PASSWORD not in first
    assert first != second  # salted
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)
    assert not verify_password(PASSWORD + "x", first)
    assert not verify_password(PASSWORD, "not a hash")
    assert not needs_rehash(first)


def test_the_same_password_typed_composed_or_decomposed_verifies() -> None:
    composed = "Crème-brûlée-7"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert verify_password(decomposed, hash_password(composed))


def test_a_hash_with_weaker_parameters_needs_rehashing() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    assert verify_password(PASSWORD, weak)
    assert needs_rehash(weak)


# ------------------------------------------------------------------------------ accounts


def test_a_user_is_created_with_a_hash_and_signs_in(sessions: sessionmaker[Session]) -> None:
    add_user(sessions, "Alice")
    user = stored_user(sessions)
    assert user.username == "alice" and user.role == "admin" and user.created_at == T0.replace(
        tzinfo=None)
    assert user.password_hash != PASSWORD and PASSWORD not in everything_stored(sessions)
    principal = sign_in(sessions, "ALICE", PASSWORD, T0 + timedelta(hours=1))
    assert principal == Principal(kind="user", id=user.id, name="alice", role=Role.admin)
    assert stored_user(sessions).last_login_at == datetime(2026, 3, 1, 10, 0)


def test_a_second_user_with_the_same_name_is_refused(sessions: sessionmaker[Session]) -> None:
    add_user(sessions, "alice")
    with pytest.raises(UserExistsError) as exists, session_scope(sessions) as session:
        service.create_user("Alice", "other@example.org", Role.viewer, PASSWORD,
                            session=session)
    assert exists.value.http_status == 409


def test_a_weak_password_is_refused_with_every_broken_rule(
    sessions: sessionmaker[Session],
) -> None:
    with pytest.raises(PolicyError) as weak, session_scope(sessions) as session:
        service.create_user("alice", "alice@example.org", Role.admin, "alice",
                            session=session)
    assert weak.value.problems == check_password_policy("alice", username="alice",
                                                        email="alice@example.org")
    assert len(weak.value.problems) == 5  # length, digit, special, username, email
    assert weak.value.http_status == 422
    with sessions() as session:
        assert service.list_users(session=session) == []


@pytest.mark.parametrize(("username", "email", "role", "says"), [
    ("al ice", "alice@example.org", "admin", "cannot be a username"),
    ("", "alice@example.org", "admin", "cannot be a username"),
    ("alice", "alice.example.org", "admin", "not an email address"),
    ("alice", "alice@example.org", "root", "there is no role"),
])
def test_account_details_are_checked(
    username: str, email: str, role: str, says: str, tmp_path: Path
) -> None:
    sessions = open_database(f"sqlite:///{tmp_path / 'privet.db'}")
    try:
        with pytest.raises(InvalidAccountError, match=says) as invalid, \
                session_scope(sessions) as session:
            service.create_user(username, email, role, PASSWORD, session=session)
        assert invalid.value.http_status == 422
        with sessions() as session:
            assert service.list_users(session=session) == []
    finally:
        dispose(sessions)


def test_unknown_user_and_wrong_password_get_the_same_error(
    sessions: sessionmaker[Session],
) -> None:
    add_user(sessions)
    wrong = refused(sessions, "alice", "Wrong-password-1", T0)
    unknown = refused(sessions, "mallory", PASSWORD, T0)
    assert (type(wrong), str(wrong), wrong.http_status) == (
        type(unknown), str(unknown), unknown.http_status)
    assert wrong.http_status == 401


def test_unknown_user_takes_about_as_long_as_a_wrong_password(tmp_path: Path) -> None:
    sessions = open_database(f"sqlite:///{tmp_path / 'privet.db'}")
    try:
        add_user(sessions)
        sign_in(sessions, "alice", PASSWORD, T0)  # warm up: connection, dummy hash

        def duration(username: str) -> float:
            started = time.perf_counter()
            refused(sessions, username, "Wrong-password-1", T0)
            return time.perf_counter() - started

        wrong = min(duration("alice") for _ in range(3))
        unknown = min(duration("mallory") for _ in range(3))
        assert 0.5 < unknown / wrong < 2, (unknown, wrong)
    finally:
        dispose(sessions)


def test_five_failures_lock_the_account_for_15_minutes(
    sessions: sessionmaker[Session],
) -> None:
    add_user(sessions)
    for attempt in range(4):
        refused(sessions, "alice", "Wrong-password-1", T0 + timedelta(seconds=attempt))
    assert stored_user(sessions).locked_until is None
    assert stored_user(sessions).failed_attempts == 4
    refused(sessions, "alice", "Wrong-password-1", T0 + timedelta(seconds=4))
    assert stored_user(sessions).locked_until == (T0 + timedelta(seconds=4, minutes=15)
                                                  ).replace(tzinfo=None)
    # Locked: even the right password is refused, with the same error, and not counted.
    locked = refused(sessions, "alice", PASSWORD, T0 + timedelta(minutes=10))
    assert str(locked) == str(refused(sessions, "nobody", PASSWORD, T0))
    assert stored_user(sessions).failed_attempts == 5
    # The lock passes by itself; signing in clears the count.
    sign_in(sessions, "alice", PASSWORD, T0 + timedelta(minutes=15, seconds=5))
    user = stored_user(sessions)
    assert (user.failed_attempts, user.locked_until) == (0, None)


def test_further_failures_double_the_lock(sessions: sessionmaker[Session]) -> None:
    add_user(sessions)
    for attempt in range(5):
        refused(sessions, "alice", "Wrong-password-1", T0 + timedelta(seconds=attempt))
    later = T0 + timedelta(minutes=20)  # the first lock has passed
    refused(sessions, "alice", "Wrong-password-1", later)
    refused(sessions, "alice", PASSWORD, later + timedelta(minutes=29))
    assert sign_in(sessions, "alice", PASSWORD, later + timedelta(minutes=30)).name == "alice"


def test_the_lock_doubles_up_to_a_day() -> None:
    assert [service.lockout_for(n) for n in (0, 4)] == [None, None]
    assert [service.lockout_for(n) for n in (5, 6, 7, 8)] == [
        timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2)]
    assert service.lockout_for(12) == timedelta(hours=24)
    assert service.lockout_for(10_000) == timedelta(hours=24)


def test_a_disabled_account_is_refused_like_an_unknown_one(
    sessions: sessionmaker[Session],
) -> None:
    add_user(sessions)
    with session_scope(sessions) as session:
        user = session.scalar(sa.select(AdminUser))
        assert user is not None
        user.disabled = True
    assert str(refused(sessions, "alice", PASSWORD, T0)) == str(
        refused(sessions, "nobody", PASSWORD, T0))


def test_signing_in_upgrades_an_old_hash(sessions: sessionmaker[Session]) -> None:
    add_user(sessions)
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with session_scope(sessions) as session:
        user = session.scalar(sa.select(AdminUser))
        assert user is not None
        user.password_hash = weak
    sign_in(sessions, "alice", PASSWORD, T0)
    upgraded = stored_user(sessions).password_hash
    assert upgraded != weak and not needs_rehash(upgraded)
    assert sign_in(sessions, "alice", PASSWORD, T0).name == "alice"


def test_an_admin_reset_sets_the_password_and_clears_the_lock(
    sessions: sessionmaker[Session],
) -> None:
    add_user(sessions)
    for attempt in range(5):
        refused(sessions, "alice", "Wrong-password-1", T0 + timedelta(seconds=attempt))
    with session_scope(sessions) as session:
        service.change_password("alice", "Brand-new-pass-9", session=session)
    refused(sessions, "alice", PASSWORD, T0 + timedelta(minutes=1))
    assert sign_in(sessions, "alice", "Brand-new-pass-9", T0 + timedelta(minutes=1))
    with pytest.raises(PolicyError, match="not your username"), \
            session_scope(sessions) as session:
        service.change_password("alice", "Alice", session=session)


def test_changing_ones_own_password_needs_the_current_one(
    sessions: sessionmaker[Session],
) -> None:
    add_user(sessions)
    with pytest.raises(AuthenticationError), session_scope(sessions) as session:
        service.change_password("alice", "Brand-new-pass-9", current_password="Wrong-pass-1",
                                session=session, now=T0)
    assert stored_user(sessions).failed_attempts == 1  # counted like a sign-in
    with session_scope(sessions) as session:
        service.change_password("alice", "Brand-new-pass-9", current_password=PASSWORD,
                                session=session, now=T0)
    assert sign_in(sessions, "alice", "Brand-new-pass-9", T0).name == "alice"


# ------------------------------------------------------------------------------ API keys


def test_an_api_key_is_shown_once_and_stored_hashed(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as session:
        created = service.create_api_key("helpdesk", Role.privacy_officer,
                                         ["requests:write", "requests:read"],
                                         session=session, now=T0)
    key = created.key
    assert key.startswith(f"pk_{created.prefix}_") and len(created.prefix) == 8
    secret = key.rsplit("_", 1)[1]
    stored = everything_stored(sessions)
    assert secret not in stored and key not in stored
    with sessions() as session:
        row = session.scalar(sa.select(ApiKey))
        assert row is not None
        assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert row.scopes == ["requests:read", "requests:write"]
    with session_scope(sessions) as session:
        principal = service.authenticate_api_key(key, session=session, now=T0)
    assert principal.kind == "api_key" and principal.name == "helpdesk"
    assert principal.role is Role.privacy_officer
    assert principal.scopes == frozenset({"requests:read", "requests:write"})
    with sessions() as session:
        assert session.scalars(sa.select(ApiKey.last_used_at)).one() == T0.replace(tzinfo=None)


def test_revoked_tampered_unknown_and_malformed_keys_are_refused_alike(
    sessions: sessionmaker[Session],
) -> None:
    with session_scope(sessions) as session:
        revoked = service.create_api_key("old", Role.viewer, ["requests:read"],
                                         session=session).key
        kept = service.create_api_key("new", Role.viewer, ["requests:read"],
                                      session=session).key
    with session_scope(sessions) as session:
        assert service.revoke_api_key(revoked[3:11], session=session, now=T0).name == "old"
        service.revoke_api_key(revoked, session=session)  # again, by the whole key: harmless
    last = kept[-1]
    tampered = kept[:-1] + ("A" if last != "A" else "B")
    unknown = "pk_zzzzzzzz_" + kept[12:]
    errors = []
    for key in (revoked, tampered, unknown, "pk_short", "", kept + "x"):
        with pytest.raises(AuthenticationError) as error, sessions() as session:
            service.authenticate_api_key(key, session=session)
        errors.append((str(error.value), error.value.http_status))
    assert set(errors) == {(errors[0][0], 401)}
    with sessions() as session:
        assert service.authenticate_api_key(kept, session=session).name == "new"
        revoked_at = session.scalars(sa.select(ApiKey.revoked_at)
                                     .where(ApiKey.name == "old")).one()
    assert revoked_at == T0.replace(tzinfo=None)  # revoking twice keeps the first date


def test_an_unknown_prefix_cannot_be_revoked(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(UnknownApiKeyError) as unknown, session_scope(sessions) as session:
        service.revoke_api_key("abcdefgh", session=session)
    assert unknown.value.http_status == 404


@pytest.mark.parametrize(("name", "scopes", "says"), [
    ("", ["requests:read"], "needs a name"),
    ("export", [], "at least one scope"),
    ("export", ["requests"], "not a scope: requests"),
    ("export", ["Requests:Read"], "not a scope"),
])
def test_api_key_details_are_checked(
    name: str, scopes: list[str], says: str, tmp_path: Path
) -> None:
    sessions = open_database(f"sqlite:///{tmp_path / 'privet.db'}")
    try:
        with pytest.raises(InvalidAccountError, match=says), session_scope(sessions) as session:
            service.create_api_key(name, Role.viewer, scopes, session=session)
        with sessions() as session:
            assert service.list_api_keys(session=session) == []
    finally:
        dispose(sessions)


# ---------------------------------------------------------------------------------- roles


def person(role: Role) -> Principal:
    return Principal(kind="user", id=1, name="someone", role=role)


@pytest.mark.parametrize(("role", "needed", "allowed"), [
    (Role.admin, Role.admin, True),
    (Role.admin, Role.viewer, True),
    (Role.privacy_officer, Role.privacy_officer, True),
    (Role.privacy_officer, Role.viewer, True),
    (Role.privacy_officer, Role.admin, False),
    (Role.viewer, Role.viewer, True),
    (Role.viewer, Role.privacy_officer, False),
    (Role.viewer, Role.admin, False),
])
def test_roles_rank_admin_over_privacy_officer_over_viewer(
    role: Role, needed: Role, allowed: bool
) -> None:
    if allowed:
        assert service.require_role(person(role), at_least=needed) == person(role)
    else:
        with pytest.raises(AuthorizationError) as denied:
            service.require_role(person(role), at_least=needed)
        assert denied.value.http_status == 403
        assert f"needs the {needed.value} role" in str(denied.value)


def test_nobody_signed_in_is_401_not_403() -> None:
    with pytest.raises(AuthenticationError) as nobody:
        service.require_role(None, at_least=Role.viewer)
    assert nobody.value.http_status == 401


def test_an_api_key_acts_only_within_its_scopes() -> None:
    key = Principal(kind="api_key", id=1, name="export", role=Role.admin,
                    scopes=frozenset({"requests:read"}))
    assert service.require_scope(key, "requests:read") is key
    with pytest.raises(AuthorizationError, match="scope requests:write"):
        service.require_scope(key, "requests:write")
    assert service.require_scope(person(Role.viewer), "requests:write").role is Role.viewer


# ------------------------------------------------------------------------------------ CLI


def workspace_sessions(root: Path) -> sessionmaker[Session]:
    return open_database(f"sqlite:///{root / 'data' / 'privet.db'}")


def test_cli_adds_and_lists_users(tmp_path: Path) -> None:
    added = runner.invoke(app, ["users", "add", "Alice", "--email", "alice@example.org",
                                "--role", "admin", "--dir", str(tmp_path)],
                          input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    assert "added alice (admin)" in added.stdout
    assert PASSWORD not in added.stdout
    listed = runner.invoke(app, ["users", "list", "--dir", str(tmp_path)])
    assert listed.exit_code == 0, listed.output
    assert "alice" in listed.stdout and "alice@example.org" in listed.stdout
    assert "active" in listed.stdout
    sessions = workspace_sessions(tmp_path)
    try:
        assert sign_in(sessions, "alice", PASSWORD, T0).role is Role.admin
    finally:
        dispose(sessions)


def test_cli_asks_again_when_the_two_passwords_differ(tmp_path: Path) -> None:
    added = runner.invoke(app, ["users", "add", "bob", "--email", "bob@example.org",
                                "--dir", str(tmp_path)],
                          input=f"{PASSWORD}\nTypo-{PASSWORD}\n{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    assert "do not match" in added.output
    assert "added bob (viewer)" in added.stdout


def test_cli_refuses_a_weak_password_with_the_rules(tmp_path: Path) -> None:
    added = runner.invoke(app, ["users", "add", "bob", "--email", "bob@example.org",
                                "--dir", str(tmp_path)], input="bob\nbob\n")
    assert added.exit_code == 1
    assert "use at least 8 characters" in added.stderr and "add a digit" in added.stderr
    assert "Traceback" not in added.output
    listed = runner.invoke(app, ["users", "list", "--dir", str(tmp_path)])
    assert "no users yet" in listed.stdout


def test_cli_generates_a_password_and_shows_it_once(tmp_path: Path) -> None:
    added = runner.invoke(app, ["users", "add", "carol", "--email", "carol@example.org",
                                "--role", "privacy_officer", "--generate",
                                "--dir", str(tmp_path)])
    assert added.exit_code == 0, added.output
    password = added.stdout.split("password: ", 1)[1].split()[0]
    assert check_password_policy(password) == []
    sessions = workspace_sessions(tmp_path)
    try:
        assert sign_in(sessions, "carol", password, T0).role is Role.privacy_officer
        assert password not in everything_stored(sessions)
    finally:
        dispose(sessions)
    changed = runner.invoke(app, ["users", "passwd", "carol", "--dir", str(tmp_path)],
                            input="Another-pass-3\nAnother-pass-3\n")
    assert changed.exit_code == 0, changed.output
    assert "password changed for carol" in changed.stdout


def test_cli_creates_lists_and_revokes_api_keys(tmp_path: Path) -> None:
    created = runner.invoke(app, ["users", "api-key", "helpdesk", "--role", "privacy_officer",
                                  "--scope", "requests:read", "--scope", "requests:write",
                                  "--dir", str(tmp_path)])
    assert created.exit_code == 0, created.output
    key = next(word for word in created.stdout.split() if word.startswith("pk_"))
    assert created.stdout.count(key) == 1
    prefix = key[3:11]
    listed = runner.invoke(app, ["users", "keys", "--dir", str(tmp_path)])
    assert prefix in listed.stdout and key not in listed.stdout
    sessions = workspace_sessions(tmp_path)
    try:
        with session_scope(sessions) as session:
            assert service.authenticate_api_key(key, session=session).name == "helpdesk"
        revoked = runner.invoke(app, ["users", "revoke-key", prefix, "--dir", str(tmp_path)])
        assert revoked.exit_code == 0, revoked.output
        assert f"revoked the API key helpdesk ({prefix})" in revoked.stdout
        with pytest.raises(AuthenticationError), sessions() as session:
            service.authenticate_api_key(key, session=session)
    finally:
        dispose(sessions)
    unknown = runner.invoke(app, ["users", "revoke-key", "zzzzzzzz", "--dir", str(tmp_path)])
    assert unknown.exit_code == 1 and "no API key has the prefix zzzzzzzz" in unknown.stderr
