"""What the benchmarks share: progress lines, verdicts, pointing the demo workspace at a
copy of its database, and copying the SQLite demo database into PostgreSQL. Not a
benchmark itself (``make bench`` runs the files whose names do not start with ``_``)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from privet.demo.database import TABLES

URL_VARIABLE = "PRIVET_DEMO_DATABASE_URL"
"""The demo manifest's datastore URL reads this variable."""


class Mismatch(Exception):
    """Privet and the floor did different work, or either did the wrong work: the figures
    would mean nothing."""


def say(message: str) -> None:
    """Progress, on stderr: the results block on stdout stays clean."""
    print(f"  … {message}", file=sys.stderr, flush=True)


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


@contextlib.contextmanager
def demo_url(url: str) -> Iterator[None]:
    """Point the demo manifest's datastore at ``url``."""
    before = os.environ.get(URL_VARIABLE)
    os.environ[URL_VARIABLE] = url
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(URL_VARIABLE, None)
        else:
            os.environ[URL_VARIABLE] = before


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def pg_database_url(base: str, name: str) -> str:
    return base.rsplit("/", 1)[0] + "/" + name


def copy_into_postgres(sqlite_path: Path, url: str, *, freeze: bool = False) -> None:
    """The demo schema, rows (COPY) and indexes, exactly as the SQLite build has them;
    analysed, and with ``freeze`` vacuumed too (hint bits and visibility map set, so that no
    later copy of the database pays for the load)."""
    import psycopg

    source = sqlite3.connect(f"file:{quote(str(sqlite_path))}?mode=ro", uri=True)
    schema = {name: (kind, sql) for kind, name, sql in source.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL")}
    with psycopg.connect(url) as target:
        for table in TABLES:
            target.execute(schema[table][1].replace("DATETIME", "TIMESTAMP"))
        target.execute("SET session_replication_role = replica")  # parents load first anyway
        with target.cursor() as cursor:
            for table in TABLES:
                rows = source.execute(f"SELECT * FROM {table}")
                with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    while chunk := rows.fetchmany(10_000):
                        for row in chunk:
                            copy.write_row(row)
        for kind, sql in schema.values():
            if kind == "index":
                target.execute(sql)
        target.commit()
    source.close()
    with psycopg.connect(url, autocommit=True) as target:
        target.execute("VACUUM (FREEZE, ANALYZE)" if freeze else "ANALYZE")
