"""`privet users …`: admin accounts and API keys in the workspace's database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from privet.auth import service
from privet.auth.passwords import generate_password
from privet.kit.cli import WorkspaceDir, console, reports_errors
from privet.kit.db import database_url, dispose, open_database, session_scope
from privet.kit.workspace import Workspace
from privet.models.accounts import Role

users_app = typer.Typer(help="Admin accounts and API keys.", no_args_is_help=True)

RoleOption = Annotated[Role, typer.Option("--role", help="What the account or key may do.")]
Generate = Annotated[bool, typer.Option(
    "--generate", help="Generate a strong password and print it once, instead of asking.")]


@contextmanager
def _session(dir: Path | None) -> Iterator[Session]:
    workspace = Workspace.find(dir)
    sessions = open_database(database_url(workspace.root, workspace.settings.database_url))
    try:
        with session_scope(sessions) as session:
            yield session
    finally:
        dispose(sessions)


def _new_password(generate: bool) -> str:
    if generate:
        return generate_password()
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else "-"


@users_app.command("add")
@reports_errors
def add(
    username: Annotated[str, typer.Argument(help="Sign-in name (case does not matter).")],
    email: Annotated[str, typer.Option("--email", help="The person's email address.")],
    role: RoleOption = Role.viewer,
    generate: Generate = False,
    dir: WorkspaceDir = None,
) -> None:
    """Add an admin account; the password is asked twice (or generated with --generate)."""
    password = _new_password(generate)
    with _session(dir) as session:
        user = service.create_user(username, email, role, password, session=session)
        name, granted = user.username, user.role
    console.print(f"added {name} ({granted})", markup=False, highlight=False)
    if generate:
        console.print(f"password: {password}", markup=False, highlight=False)
        console.print("it is shown only this once: hand it over safely", markup=False)


@users_app.command("list")
@reports_errors
def list_(dir: WorkspaceDir = None) -> None:
    """List the admin accounts."""
    now = datetime.now(UTC).replace(tzinfo=None)
    with _session(dir) as session:
        users = service.list_users(session=session)
        table = Table(show_lines=False)
        for column in ("username", "email"):
            table.add_column(column, no_wrap=True)  # identifiers stay whole, to copy
        for column in ("role", "created", "last sign-in", "status"):
            table.add_column(column, overflow="fold")
        for user in users:
            if user.disabled:
                status = "disabled"
            elif user.locked_until is not None and user.locked_until > now:
                status = f"locked until {_when(user.locked_until)} UTC"
            else:
                status = "active"
            table.add_row(user.username, user.email, user.role, _when(user.created_at),
                          _when(user.last_login_at), status)
    if not users:
        console.print("no users yet: `privet users add USERNAME --email E --role admin`",
                      markup=False)
        return
    console.print(table)


@users_app.command("passwd")
@reports_errors
def passwd(
    username: Annotated[str, typer.Argument(help="Whose password to set.")],
    generate: Generate = False,
    dir: WorkspaceDir = None,
) -> None:
    """Set a user's password (and clear a lock after failed sign-ins)."""
    password = _new_password(generate)
    with _session(dir) as session:
        name = service.change_password(username, password, session=session).username
    console.print(f"password changed for {name}", markup=False, highlight=False)
    if generate:
        console.print(f"password: {password}", markup=False, highlight=False)
        console.print("it is shown only this once: hand it over safely", markup=False)


@users_app.command("unlock")
@reports_errors
def unlock(
    username: Annotated[str, typer.Argument(help="Whose lock to clear.")],
    dir: WorkspaceDir = None,
) -> None:
    """Clear a lock after failed sign-ins (check first that the person is who they say)."""
    with _session(dir) as session:
        name = service.unlock_user(username, session=session).username
    console.print(f"unlocked {name}", markup=False, highlight=False)


@users_app.command("api-key")
@reports_errors
def api_key(
    name: Annotated[str, typer.Argument(help="Who or what uses the key.")],
    scope: Annotated[list[str], typer.Option(
        "--scope", help="What the key may touch, e.g. requests:read (repeatable).")],
    role: RoleOption = Role.viewer,
    dir: WorkspaceDir = None,
) -> None:
    """Create an API key and print it, once."""
    with _session(dir) as session:
        created = service.create_api_key(name, role, scope, session=session)
    console.print(f"API key {created.name} ({created.role.value}; "
                  f"{', '.join(created.scopes)}):", markup=False, highlight=False)
    console.print(created.key, markup=False, highlight=False)
    console.print("store it now: Privet keeps only a hash and cannot show it again",
                  markup=False)


@users_app.command("keys")
@reports_errors
def keys(dir: WorkspaceDir = None) -> None:
    """List the API keys (their prefixes, never the keys)."""
    with _session(dir) as session:
        rows = service.list_api_keys(session=session)
        table = Table(show_lines=False)
        table.add_column("prefix", no_wrap=True)
        for column in ("name", "role", "scopes", "created", "last used", "status"):
            table.add_column(column, overflow="fold")
        for row in rows:
            status = f"revoked {_when(row.revoked_at)}" if row.revoked_at else "active"
            table.add_row(row.prefix, row.name, row.role, " ".join(row.scopes),
                          _when(row.created_at), _when(row.last_used_at), status)
    if not rows:
        console.print("no API keys yet: `privet users api-key NAME --role R --scope S`",
                      markup=False)
        return
    console.print(table)


@users_app.command("revoke-key")
@reports_errors
def revoke_key(
    prefix: Annotated[str, typer.Argument(help="The key's prefix (`privet users keys`).")],
    dir: WorkspaceDir = None,
) -> None:
    """Revoke an API key: it is refused from now on."""
    with _session(dir) as session:
        row = service.revoke_api_key(prefix, session=session)
        name, key_prefix = row.name, row.prefix
    console.print(f"revoked the API key {name} ({key_prefix})", markup=False, highlight=False)
