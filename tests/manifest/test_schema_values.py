"""Values the schema refuses, each with its file and line: a web address that is not one
(it becomes a link on the public privacy page), a policy in no language."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from privet.manifest.diagnostics import Diagnostic, ManifestError
from privet.manifest.loader import load_manifest

BASE = """\
organization:
  name: Acme
  address: 1 rue de la Paix, Paris
  country: FR
  website: https://acme.test
  contact: {email: privacy@acme.test}
policy:
  version: "1"
  effective_date: 2026-01-01
purposes:
  service:
    name: Service
    data_use: essential.service
    legal_basis: contract
    data_categories: [user.contact.email]
    retention: 3y
processors:
  mailer:
    name: Mailer Inc
    service: Sends our email.
    country: FR
    website: https://mailer.test
    dpa: https://mailer.test/dpa
"""


def only_error(tmp_path: Path, text: str) -> Diagnostic:
    path = tmp_path / "m.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        load_manifest(path, root=tmp_path, environ={})
    errors = caught.value.diagnostics
    assert len(errors) == 1, [e.render() for e in errors]
    return errors[0]


def line_of(text: str, marker: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1)
                if marker in line)


def test_web_addresses_load(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(BASE, encoding="utf-8")
    manifest = load_manifest(path, root=tmp_path, environ={})
    assert manifest.organization.website == "https://acme.test"
    assert manifest.processors["mailer"].dpa == "https://mailer.test/dpa"


@pytest.mark.parametrize(("marker", "bad"), [
    ("  website: https://acme.test", "javascript:alert(1)"),
    ("    website: https://mailer.test", "data:text/html,<script>alert(1)</script>"),
    ("    dpa: https://mailer.test/dpa", "'https://mailer.test/a\"><script>'"),
    ("    dpa: https://mailer.test/dpa", "on file at the office"),
])
def test_a_web_address_must_be_http_or_https(tmp_path: Path, marker: str, bad: str) -> None:
    key = marker.split(":")[0]
    text = BASE.replace(marker, f"{key}: {bad}")
    error = only_error(tmp_path, text)
    assert "is not a web address" in error.message
    assert error.location is not None
    assert error.location.line == line_of(text, f"{key}: {bad}")


def test_a_policy_needs_a_language(tmp_path: Path) -> None:
    text = BASE.replace('  version: "1"\n', '  version: "1"\n  languages: []\n')
    error = only_error(tmp_path, text)
    assert "at least 1" in error.message
    assert error.location is not None and error.location.line == line_of(text, "languages: []")
