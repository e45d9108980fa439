"""`privet consent …` on the demo workspace: publish, check, history, verify, and an
unsubscribe link that works on the server."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from privet.cli import app
from privet.kit.workspace import Workspace
from privet.models.consent import ConsentReceipt

runner = CliRunner()
EMAIL = "hugo.lambert@example.org"


def privet(workspace: Workspace, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--dir", str(workspace.root)])
    return result.exit_code, result.output


def test_publish_is_idempotent_and_lists_versions(demo_workspace: Workspace) -> None:
    code, out = privet(demo_workspace, "consent", "publish")
    assert code == 0 and out.startswith("notice version 1 (published)")
    code, out = privet(demo_workspace, "consent", "publish")
    assert code == 0 and out.startswith("notice version 1 (unchanged)")
    code, out = privet(demo_workspace, "consent", "notices")
    assert code == 0 and len(out.strip().splitlines()) == 1


def test_an_unsubscribe_link_made_by_the_cli_is_honoured_and_checkable(
        demo_workspace: Workspace, client: TestClient,
        privet_sessions: sessionmaker[Session]) -> None:
    code, out = privet(demo_workspace, "consent", "check", "--email", EMAIL,
                       "--purpose", "newsletter")
    assert code == 1 and out.startswith("no: no consent recorded")
    code, out = privet(demo_workspace, "consent", "unsubscribe-link", "--email", EMAIL,
                       "--purpose", "newsletter")
    assert code == 0, out
    url, header, post = out.strip().splitlines()
    assert header == f"List-Unsubscribe: <{url}>"
    assert post == "List-Unsubscribe-Post: List-Unsubscribe=One-Click"
    response = client.post(url.replace("http://127.0.0.1:8000", ""),
                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    code, out = privet(demo_workspace, "consent", "history", "--email", EMAIL,
                       "--format", "json")
    assert code == 0
    history = json.loads(out)
    assert [r["source"] for r in history["receipts"]] == ["email_link"]
    assert history["purposes"]["newsletter"]["granted"] is False
    code, out = privet(demo_workspace, "consent", "check", "--email", EMAIL,
                       "--purpose", "events")
    assert code == 0 and out.startswith("yes: no objection recorded")


def test_verify_finds_a_receipt_edited_in_the_database(
        demo_workspace: Workspace, client: TestClient,
        privet_sessions: sessionmaker[Session]) -> None:
    notice = client.get("/api/consent/notice").json()
    for device in ("d-aaaaaaaaaaaaaaaaaaaa", "d-bbbbbbbbbbbbbbbbbbbb"):
        client.post("/api/consent/receipts", json={
            "device_id": device, "notice_version": notice["version"], "action": "reject_all"})
    code, out = privet(demo_workspace, "consent", "verify")
    assert code == 0 and "2 receipt(s) checked, 0 altered" in out
    with privet_sessions() as session:
        session.execute(ConsentReceipt.__table__.update()  # type: ignore[attr-defined]
                        .where(ConsentReceipt.device_id == "d-bbbbbbbbbbbbbbbbbbbb")
                        .values(action="accept_all"))
        session.commit()
    code, out = privet(demo_workspace, "consent", "verify")
    assert code == 1 and "1 altered" in out


def test_bad_input_is_a_clear_error(demo_workspace: Workspace) -> None:
    code, out = privet(demo_workspace, "consent", "check", "--email", "nobody",
                       "--purpose", "newsletter")
    assert code == 1 and "email:" in out and "Traceback" not in out
    code, out = privet(demo_workspace, "consent", "unsubscribe-link", "--email", EMAIL,
                       "--purpose", "billing")
    assert code == 1 and "not one a person subscribes to" in out
