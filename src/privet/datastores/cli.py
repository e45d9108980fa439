"""``privet init --from-db URL``: draft the manifest's datastore section from a live schema."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from privet.config import Settings
from privet.datastores.scaffold import scaffold_from_database
from privet.kit.errors import PrivetError
from privet.kit.workspace import Workspace


def init(
    from_db: str = typer.Option(
        ..., "--from-db",
        help="SQLAlchemy URL of the database to read, e.g. postgresql://app@db/shop; "
        "`${VAR}` is read from the environment. Opened read-only.",
    ),
    key: str = typer.Option("main", "--key", help="Key of the datastore in the manifest."),
    location: str = typer.Option(
        "FR", "--location", help="Country where the database is hosted (ISO code)."
    ),
    schema: str | None = typer.Option(
        None, "--schema", help="Database schema to read; default: the connection's own."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write the YAML to this file (e.g. privacy/datastores.yaml) "
        "instead of printing it."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite the --out file if it exists."),
    dir: Path | None = typer.Option(
        None, "--dir", envvar="PRIVET_DIR",
        help="Workspace folder; a relative SQLite path is relative to it.",
    ),
) -> None:
    """Draft the manifest's `datastores:` section from a live database, for you to review.

    The database is opened read-only. Categories and identities are guessed from column
    names; foreign keys and tables with nothing personal are listed as comments.
    """
    console = Console(stderr=True, soft_wrap=True)
    try:
        settings = Settings()
        workspace = Workspace.find(dir, settings)
        if out is not None and out.exists() and not force:
            raise PrivetError(f"{out} already exists", hint="pass --force to overwrite it")
        scaffold = scaffold_from_database(
            from_db, key=key, location=location.upper(), workspace_root=workspace.root,
            timeout=settings.connect_timeout, schema=schema,
        )
        if out is None:
            typer.echo(scaffold.text, nl=False)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(scaffold.text, encoding="utf-8")
            Console(soft_wrap=True).print(f"wrote {escape(str(out))}", highlight=False)
    except PrivetError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    console.print(
        f"{scaffold.tables} tables read, {scaffold.personal_tables} with columns that look "
        f"personal ({scaffold.fields} fields). These are guesses: review every line.",
        highlight=False,
    )
