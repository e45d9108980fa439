"""`privet check --connect` refuses erasure strategies the real columns cannot take."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from privet.datastores.live_checks import ERASURE_IMPOSSIBLE, live_diagnostics
from privet.manifest.loader import load_manifest

MANIFEST = """\
organization: {name: Acme, address: Paris, country: FR, contact: {email: p@acme.test}}
policy: {version: "1", effective_date: 2026-01-01}
purposes:
  service:
    name: Service
    data_use: essential.service
    legal_basis: contract
    data_categories: [user.contact.email, user.name, user.demographic.date_of_birth]
    retention: 1y
datastores:
  app:
    url: sqlite:///app.db
    location: FR
    tables:
      people:
        fields:
          email: {categories: [user.contact.email], identity: email, erasure: hash}
          name: {categories: [user.name]}
          born: {categories: [user.demographic.date_of_birth], erasure: random}
"""


def diagnostics_for(tmp_path: Path, ddl: str) -> list[str]:
    with sqlite3.connect(tmp_path / "app.db") as db:
        db.execute(ddl)
        db.execute("CREATE UNIQUE INDEX ux_email ON people (email)")
    (tmp_path / "privet.yaml").write_text(MANIFEST)
    manifest = load_manifest(tmp_path / "privet.yaml", root=tmp_path)
    found = live_diagnostics(manifest, tmp_path, timeout=5)
    return [d.message for d in found if d.rule == ERASURE_IMPOSSIBLE]


def test_not_null_nullify_and_hash_on_a_date_are_errors(tmp_path: Path) -> None:
    messages = diagnostics_for(tmp_path, "CREATE TABLE people (id INTEGER PRIMARY KEY, "
                               "email TEXT NOT NULL, name TEXT NOT NULL, born DATE)")
    assert len(messages) == 2
    assert any("`people.name` is erased by nullify" in m for m in messages)
    assert any("`people.born` is DATE" in m for m in messages)


def test_columns_that_can_take_the_strategies_pass(tmp_path: Path) -> None:
    messages = diagnostics_for(tmp_path, "CREATE TABLE people (id INTEGER PRIMARY KEY, "
                               "email TEXT NOT NULL, name TEXT, born VARCHAR(10))")
    assert messages == []
