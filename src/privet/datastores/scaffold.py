"""``privet init --from-db``: a first ``datastores:`` section written from a live schema.

The categories and identities are guesses from column names (``naming.py``), written for
a person to review. Foreign keys are not written as ``references`` (Privet reads them from
the database when it walks the identity graph); they are listed as comments, so the
reviewer sees how the tables link. Tables where no column looks personal are listed as
comments too: nothing is declared that nobody looked at.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

from privet.datastores.naming import ColumnGuess, guess_column
from privet.datastores.sql import (
    DatabaseSchema,
    TableSchema,
    has_password,
    open_engine,
    reflect_schema,
    resolve_url,
    safe_url,
)
from privet.kit.errors import ConfigurationError
from privet.manifest.geography import is_country

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_SQL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")
_WIDTH = 96


@dataclass(frozen=True)
class Scaffold:
    """The YAML text and what went into it, for the command's summary."""

    text: str
    tables: int
    personal_tables: int
    fields: int


def env_var_for(key: str) -> str:
    """The environment variable a datastore's URL is read from: ``MAIN_DATABASE_URL``."""
    return f"{key.upper()}_DATABASE_URL"


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar that reads back as the same string."""
    plain = bool(re.fullmatch(r"[A-Za-z0-9_.$/:@+-]+", text)) and not text.startswith(("-", ":"))
    if plain:
        try:
            if yaml.safe_load(text) == text:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text)


def _comment(text: str, indent: int) -> list[str]:
    prefix = " " * indent + "# "
    return textwrap.wrap(text, width=_WIDTH, initial_indent=prefix,
                         subsequent_indent=prefix + "  ", break_on_hyphens=False)


def _comment_items(head: str, items: list[str], indent: int) -> list[str]:
    """``# head item, item, ...`` wrapped between items, never inside one."""
    prefix = " " * indent + "# "
    continuation = prefix + " " * (len(head) - len(head.lstrip()) + 2)
    lines: list[str] = []
    current = prefix + head
    for position, item in enumerate(items):
        piece = item + ("," if position < len(items) - 1 else "")
        if len(current) + 1 + len(piece) > _WIDTH and current != continuation:
            lines.append(current)
            current = continuation
        current += ("" if current == continuation else " ") + piece
    lines.append(current)
    return lines


def _foreign_keys(table: TableSchema) -> list[str]:
    return [
        f"{'/'.join(fk.columns)} → {fk.referred_table}.{'/'.join(fk.referred_columns)}"
        for fk in table.foreign_keys
    ]


def _flow_list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(_scalar(i) for i in items) + "]"


def scaffold_datastore(url: str, *, key: str, location: str, schema: DatabaseSchema) -> str:
    """YAML for one entry of ``datastores:`` (with the ``datastores:`` line, so the text is a
    manifest file of its own that merges with the others), guessed from ``schema``.

    A ``url`` holding a password is replaced by ``${<KEY>_DATABASE_URL}``.
    """
    return build_scaffold(url, key=key, location=location, schema=schema).text


def build_scaffold(url: str, *, key: str, location: str, schema: DatabaseSchema) -> Scaffold:
    """``scaffold_datastore`` with the counts of what was written."""
    if not _KEY.match(key):
        raise ConfigurationError(
            f"`{key}` cannot name a datastore",
            hint="use lower case letters, digits and underscores, starting with a letter",
        )
    if not is_country(location):
        raise ConfigurationError(
            f"`{location}` is not an ISO 3166-1 alpha-2 country code",
            hint="give the country where the database is hosted, e.g. --location FR",
        )
    secret = has_password(url)
    written_url = f"${{{env_var_for(key)}}}" if secret else url
    shown = safe_url(url) if secret else url

    personal: list[tuple[TableSchema, list[tuple[str, ColumnGuess]]]] = []
    quiet: list[TableSchema] = []
    unnamable: list[str] = []
    for name, table in schema.tables.items():
        if not _SQL_NAME.match(name):
            unnamable.append(name)
            continue
        guesses = [
            (column, guess) for column in table.columns
            if (guess := guess_column(name, column)) is not None and _SQL_NAME.match(column)
        ]
        if guesses:
            personal.append((table, guesses))
        else:
            quiet.append(table)

    field_count = sum(len(g) for _, g in personal)
    lines = [
        *_comment("Every category and identity below is a GUESS from a column's name: review "
                  "each one, correct or remove what is wrong, and add what the names do not "
                  "show. Then run `privet check --connect` to compare with the database.", 0),
        *_comment(f"Drafted by `privet init` from {shown}.", 0),
        *_comment("Foreign keys are read from the database: they need no `references`. "
                  "Declare under `references` only the links the database does not know.", 0),
        *_comment(f"{len(schema.tables)} tables read; {len(personal)} have columns that look "
                  f"personal ({field_count} fields).", 0),
        "datastores:",
        f"  {key}:",
    ]
    if secret:
        lines += _comment(f"The URL held a password: set {env_var_for(key)} to it.", 4)
    lines += [f"    url: {_scalar(written_url)}", f"    location: {location}"]
    lines.append("    tables:" if personal else "    tables: {}")
    for table, guesses in personal:
        lines.append(f"      {_scalar(table.name)}:")
        if table.foreign_keys:
            lines += _comment_items("foreign keys:", _foreign_keys(table), 8)
        guessed = {column for column, _ in guesses}
        others = [c for c in table.columns if c not in guessed]
        if others:
            lines += _comment_items("other columns:", others, 8)
        lines.append("        fields:")
        for column, guess in guesses:
            lines.append(f"          {_scalar(column)}:")
            lines.append(f"            categories: {_flow_list(guess.categories)}")
            if guess.identity:
                lines.append(f"            identity: {guess.identity}")
    if quiet:
        lines.append("")
        lines += _comment("Tables where no column name looks personal. Review them: add any "
                          "that holds personal data (free text, codes, files...).", 4)
        for table in quiet:
            lines += _comment_items(f"{table.name}:", list(table.columns), 4)
            if table.foreign_keys:
                lines += _comment_items("  foreign keys:", _foreign_keys(table), 4)
    if unnamable:
        lines.append("")
        lines += _comment_items("Left out (their names cannot be written in a manifest):",
                                unnamable, 4)
    return Scaffold("\n".join(lines) + "\n", len(schema.tables), len(personal), field_count)


def scaffold_from_database(
    url: str,
    *,
    key: str,
    location: str,
    workspace_root: Path,
    timeout: int,
    schema: str | None = None,
) -> Scaffold:
    """Connect to ``url`` (read-only), read its schema and write the scaffold.

    ``url`` may hold ``${VAR}``; it is written to the scaffold as given (a literal password
    is replaced by a variable), and resolved only to connect.
    """
    resolved = resolve_url(url, workspace_root, datastore=key)
    engine = open_engine(resolved, timeout=timeout)
    try:
        database = reflect_schema(engine, schema=schema)
    finally:
        engine.dispose()
    return build_scaffold(url, key=key, location=location, schema=database)
