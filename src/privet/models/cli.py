"""`privet db …`: Privet's own database schema."""

from __future__ import annotations

from typing import Annotated

import typer

from privet.kit.cli import WorkspaceDir, console, reports_errors
from privet.kit.db import (
    create_database_engine,
    current_revision,
    database_url,
    head_revision,
    upgrade_database,
)
from privet.kit.workspace import Workspace

db_app = typer.Typer(help="Privet's own database: schema versions.", no_args_is_help=True)


@db_app.command("upgrade")
@reports_errors
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target version (default: the latest).")]
    = "head",
    dir: WorkspaceDir = None,
) -> None:
    """Bring Privet's database schema to the latest version (safe to run twice)."""
    workspace = Workspace.find(dir)
    engine = create_database_engine(database_url(workspace.root, workspace.settings.database_url))
    try:
        before = current_revision(engine)
        upgrade_database(engine, revision)
        after = current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        console.print(f"already at version {after}")
    else:
        console.print(f"upgraded from {before or 'an empty database'} to {after}")


@db_app.command("current")
@reports_errors
def current(dir: WorkspaceDir = None) -> None:
    """Print the database's schema version and the one this Privet expects."""
    workspace = Workspace.find(dir)
    engine = create_database_engine(database_url(workspace.root, workspace.settings.database_url))
    try:
        version = current_revision(engine)
    finally:
        engine.dispose()
    console.print(f"database: {version or 'empty'}; expected: {head_revision()}")
