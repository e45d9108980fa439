"""`privet breaches` on the demo workspace: record, list, show (the clock and both drafts),
decide, notify, close; a wrong fact is an error at its field, exit status 1, nothing
recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from conftest import Register
from privet.breaches.views import BreachOut
from privet.cli import app
from privet.kit.workspace import Workspace

runner = CliRunner()


def privet(workspace: Workspace, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--dir", str(workspace.root)])
    return result.exit_code, result.output


def test_a_breach_from_record_to_close(demo_workspace: Workspace, register: Register) -> None:
    discovered = datetime.now(UTC) - timedelta(hours=2)
    code, out = privet(
        demo_workspace, "breaches", "record", "--title", "Wrong invoice recipient",
        "--description", "Invoices were emailed to the wrong accounts.",
        "--discovered", f"{discovered:%Y-%m-%d %H:%M:%S}",
        "--category", "user.contact.address,user.name", "--system", "app.invoices",
        "--people", "12", "--consequences", "Addresses disclosed.",
        "--measures", "Recipients asked to delete them.", "--risk", "risk")
    assert code == 0, out
    reference = out.split()[1].rstrip(":")
    assert "notify the authority by" in out and "h 59 min left" in out

    code, out = privet(demo_workspace, "breaches", "show", reference)
    assert code == 0, out
    assert "69 h 59 min left" in out or "70 h 00 min left" in out
    assert "--- draft: to the authority (initial) ---" in out
    assert "about 12 people" in out and "Addresses disclosed." in out
    assert "--- draft: to the people affected ---" in out

    code, out = privet(demo_workspace, "breaches", "close", reference, "--note", "done")
    assert code == 1
    assert "cannot be closed yet: settle the authority" in out

    assert privet(demo_workspace, "breaches", "notify", reference,
                  "--authority-reference", "CNIL-42")[0] == 0
    code, out = privet(demo_workspace, "breaches", "list")
    assert code == 0 and reference in out and "notified" in out
    assert privet(demo_workspace, "breaches", "close", reference, "--note", "done")[0] == 0
    code, out = privet(demo_workspace, "breaches", "show", reference)
    assert "(closed, risk risk)" in out and "draft" not in out
    actions = [e.action for e in register.audit(reference)]
    assert actions == ["breach.recorded", "breach.notified", "breach.closed"]


def test_a_wrong_fact_is_an_error_at_its_field(demo_workspace: Workspace,
                                               register: Register) -> None:
    code, out = privet(
        demo_workspace, "breaches", "record", "--title", "x", "--description", "y",
        "--discovered", "2026-01-01 10:00", "--category", "user.contact.email",
        "--system", "app.payroll", "--people", "-4", "--consequences", "c",
        "--measures", "m", "--risk", "risk")
    assert code == 1
    assert "error: people_affected: Input should be greater than or equal to 0" in out
    code, out = privet(
        demo_workspace, "breaches", "record", "--title", "x", "--description", "y",
        "--discovered", "2026-01-01 10:00", "--category", "user.contact.email",
        "--system", "app.payroll", "--consequences", "c", "--measures", "m", "--risk", "risk")
    assert code == 1
    assert "systems[0]: `app.payroll`: datastore `app` declares no table `payroll`" in out
    assert register.counts()["Breach"] == 0


def test_content_that_is_not_utf8_is_an_error(demo_workspace: Workspace, register: Register,
                                              tmp_path: Path) -> None:
    reference = register.record()
    latin1 = tmp_path / "notice.txt"
    latin1.write_bytes("Déclaration à la CNIL".encode("latin-1"))
    code, out = privet(demo_workspace, "breaches", "notify", reference, "--content", str(latin1))
    assert code == 1
    assert "content: notice.txt is not UTF-8 text" in out
    assert "Traceback" not in out and "UnicodeDecodeError" not in out
    assert register.counts()["BreachNotification"] == 0


def test_show_as_json_is_the_apis_breach(demo_workspace: Workspace, register: Register) -> None:
    reference = register.record()
    code, out = privet(demo_workspace, "breaches", "show", reference, "--format", "json")
    assert code == 0, out
    shown = json.loads(out)
    assert set(shown) == set(BreachOut.model_fields)
    assert shown["clock"]["state"] == "on_time" and shown["drafts"]["authority_phase"] == "initial"
