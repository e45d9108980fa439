"""Published versions of the demo company's documents: publishing the same content twice
changes nothing; other content under the same label, or a version that would not take
effect after the last one, is refused and writes nothing; a new version leaves every
earlier one served unchanged at its own address. The CLI, the pages (TestClient) and a
real browser."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner
from version_helpers import (
    add_processor,
    audit,
    jobs,
    publish,
    relabel,
    stored_documents,
    stored_versions,
)

from privet.cli import app
from privet.documents import versions
from privet.documents.notices import SEND_CHANGE_NOTICES
from privet.kit.db import session_scope
from privet.kit.workspace import Workspace
from privet.models.documents import DocumentVersion, ImmutableVersionError, PublishedDocument
from web_helpers import LiveServer

runner = CliRunner()


def test_publishing_the_same_content_twice_changes_nothing(
        demo_workspace: Workspace, privet_sessions: sessionmaker[Session]) -> None:
    first = publish(demo_workspace, privet_sessions)
    assert first.created and first.label == "2026.1" and first.previous_label is None
    documents = stored_documents(privet_sessions, "2026.1")
    assert sorted(documents) == sorted(
        f"{d}.{lang}.{fmt}" for d in ("privacy-policy", "cookies", "subprocessors")
        for lang in ("en", "fr") for fmt in ("html", "md"))
    assert "OVHcloud SAS" in documents["subprocessors.en.html"]

    again = publish(demo_workspace, privet_sessions)
    assert not again.created
    assert again.content_hash == first.content_hash
    assert stored_versions(privet_sessions) == [("2026.1", first.content_hash, False)]
    assert [e["subject"] for e in audit(privet_sessions, "documents.version_published")] == [
        "2026.1"]


def test_other_content_under_a_published_label_is_refused_and_nothing_is_written(
        demo_workspace: Workspace, privet_sessions: sessionmaker[Session]) -> None:
    first = publish(demo_workspace, privet_sessions)
    add_processor(demo_workspace)            # policy.version still 2026.1
    with pytest.raises(versions.VersionError) as refused:
        publish(demo_workspace, privet_sessions)
    assert re.match(r".*organization\.yaml:\d+:\d+: version `2026\.1` was published on "
                    r"2025-12-01 09:00 UTC with other content", refused.value.message)
    assert refused.value.hint is not None and "bump `policy.version`" in refused.value.hint
    assert stored_versions(privet_sessions) == [("2026.1", first.content_hash, False)]
    assert "Acme" not in stored_documents(privet_sessions, "2026.1")["subprocessors.en.html"]
    assert len(audit(privet_sessions, "documents.version_published")) == 1
    assert jobs(privet_sessions, SEND_CHANGE_NOTICES) == []


def test_a_version_must_take_effect_after_the_last_one(
        demo_workspace: Workspace, privet_sessions: sessionmaker[Session]) -> None:
    publish(demo_workspace, privet_sessions)
    add_processor(demo_workspace)
    relabel(demo_workspace, "2026.2", "2026-01-15")     # the same day as 2026.1
    with pytest.raises(versions.VersionError) as refused:
        publish(demo_workspace, privet_sessions)
    assert re.match(r".*organization\.yaml:\d+:\d+: version `2026\.2` would take effect on "
                    r"2026-01-15, but the last published version, `2026\.1`, takes effect on "
                    r"2026-01-15", refused.value.message)
    assert refused.value.hint == "set `policy.effective_date` after 2026-01-15"
    assert [label for label, _, _ in stored_versions(privet_sessions)] == ["2026.1"]


def test_a_new_version_leaves_the_earlier_one_unchanged_at_its_address(
        client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    publish(demo_workspace, privet_sessions)
    archived = stored_documents(privet_sessions, "2026.1")
    page = client.get("/privacy/versions/2026.1/subprocessors")
    assert page.status_code == 200
    assert "OVHcloud SAS" in page.text and "Acme Analytics" not in page.text

    add_processor(demo_workspace)
    relabel(demo_workspace, "2026.2", "2027-03-01")
    second = publish(demo_workspace, privet_sessions)
    assert second.created and second.previous_label == "2026.1" and second.material
    assert [c.en for c in second.diff.changes] == [
        "New recipient: Acme Analytics Inc. (Product analytics), country: United States "
        "(US), receiving IP Address (user.device.ip_address), under the EU-US Data Privacy "
        "Framework."]

    assert stored_documents(privet_sessions, "2026.1") == archived
    again = client.get("/privacy/versions/2026.1/subprocessors")
    assert again.text == page.text
    newer = client.get("/privacy/versions/2026.2/subprocessors")
    assert "Acme Analytics Inc." in newer.text
    # the policy itself, in each language it was published in
    english = client.get("/privacy/versions/2026.1")
    french = client.get("/privacy/versions/2026.1?lang=fr")
    assert english.status_code == french.status_code == 200
    assert 'lang="fr"' in french.text and "Version 2026.1" in french.text
    # the archived document is shown as stored, inside the site's frame
    article = re.search(r"<article\b.*</article>", archived["privacy-policy.en.html"], re.S)
    assert article is not None and article.group(0) in english.text

    listing = client.get("/privacy/versions")
    assert listing.status_code == 200
    rows = re.findall(r'<th scope="row"><a href="/privacy/versions/([^"?]+)[^"]*">', listing.text)
    assert rows == ["2026.2", "2026.1"]
    assert "New recipient: Acme Analytics Inc." in listing.text
    assert "1 change, 1 material" in listing.text


def test_a_published_version_cannot_be_changed(demo_workspace: Workspace,
                                                privet_sessions: sessionmaker[Session]) -> None:
    publish(demo_workspace, privet_sessions)
    with pytest.raises(ImmutableVersionError), session_scope(privet_sessions) as session:
        version = session.scalars(select(DocumentVersion)).one()
        version.summary = "rewritten"
        session.flush()
    with pytest.raises(ImmutableVersionError), session_scope(privet_sessions) as session:
        document = session.scalars(select(PublishedDocument)).first()
        assert document is not None
        document.text = "<p>nothing to see</p>"
        session.flush()
    with pytest.raises(ImmutableVersionError), session_scope(privet_sessions) as session:
        session.delete(session.scalars(select(PublishedDocument)).first())
        session.flush()
    assert stored_versions(privet_sessions)[0][0] == "2026.1"
    assert "nothing to see" not in "".join(stored_documents(privet_sessions, "2026.1").values())


@pytest.mark.parametrize(("path", "message"), [
    ("/privacy/versions/1999.1", "no published version `1999.1`"),
    ("/privacy/versions/2026.1/minutes", "version `2026.1` has no document `minutes`"),
    ("/privacy/versions/2026.1?lang=de", "version `2026.1` was not published in `de`"),
])
def test_unknown_versions_and_documents_are_404(
        client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session], path: str, message: str) -> None:
    publish(demo_workspace, privet_sessions)
    answer = client.get(path, headers={"accept": "text/html"})
    assert answer.status_code == 404
    assert message in answer.text.replace("&#96;", "`")


def test_the_versions_page_before_anything_is_published(client: TestClient) -> None:
    page = client.get("/privacy/versions?lang=fr")
    assert page.status_code == 200
    assert "Aucune version n&#39;est encore publiée." in page.text


def test_the_commands(demo_workspace: Workspace,
                      privet_sessions: sessionmaker[Session]) -> None:
    where = ["--dir", str(demo_workspace.root)]
    first = runner.invoke(app, ["docs", "publish", *where])
    assert first.exit_code == 0, first.output
    assert "published version 2026.1 (takes effect 2026-01-15)" in first.output
    assert "the first published version" in first.output
    again = runner.invoke(app, ["docs", "publish", *where])
    assert again.exit_code == 0
    assert "version 2026.1 is already published with this content" in again.output
    assert "nothing changed" in again.output

    add_processor(demo_workspace)
    pending = runner.invoke(app, ["docs", "diff", "--format", "json", *where])
    assert pending.exit_code == 0, pending.output
    found: dict[str, Any] = json.loads(pending.output)
    assert (found["from"], found["to"], found["material"]) == ("2026.1", "manifest", True)
    assert [(c["what"], c["key"]) for c in found["changes"]] == [
        ("processor.added", "acme_analytics")]

    refused = runner.invoke(app, ["docs", "publish", *where])
    assert refused.exit_code == 1
    assert "with other content; a published version never changes" in refused.output
    assert "hint: bump `policy.version`" in refused.output

    relabel(demo_workspace, "2026.2", "2027-03-01")
    second = runner.invoke(app, ["docs", "publish", *where])
    assert second.exit_code == 0, second.output
    assert "since 2026.1: 1 change, 1 material" in second.output
    assert "[material] New recipient: Acme Analytics Inc." in second.output

    listed = runner.invoke(app, ["docs", "versions", *where])
    assert listed.exit_code == 0
    assert listed.output.index("2026.2") < listed.output.index("2026.1")

    between = runner.invoke(app, ["docs", "diff", "2026.1", "2026.2", "--lang", "fr", *where])
    assert between.exit_code == 0
    assert "de 2026.1" not in between.output   # the frame stays English, the sentences French
    assert "[material] Nouveau destinataire : Acme Analytics Inc." in between.output
    unknown = runner.invoke(app, ["docs", "diff", "2026.1", "2031.9", *where])
    assert unknown.exit_code == 1
    assert "no published version `2031.9`" in unknown.output
    assert "published versions: 2026.2, 2026.1" in unknown.output


def test_a_person_reads_an_archived_version_in_a_browser(
        live_server: LiveServer, page: Any) -> None:
    workspace, sessions = live_server.workspace, live_server.sessions
    publish(workspace, sessions)
    add_processor(workspace)
    relabel(workspace, "2026.2", "2027-03-01")
    publish(workspace, sessions)

    page.goto(f"{live_server.url}/privacy/versions")
    table = page.get_by_role("table")
    assert table.get_by_role("row").count() == 3          # the heading and two versions
    assert page.get_by_text("New recipient: Acme Analytics Inc.").is_visible()
    page.get_by_role("link", name="2026.1").click()
    page.wait_for_url(f"{live_server.url}/privacy/versions/2026.1")
    assert page.locator("#version-banner").inner_text().startswith("Version 2026.1")
    assert page.locator("article.privacy-document").is_visible()
    page.get_by_role("link", name="Subprocessors").click()
    page.wait_for_url(re.compile(r".*/privacy/versions/2026\.1/subprocessors\?lang=en$"))
    assert page.get_by_text("OVHcloud SAS").first.is_visible()
    assert page.get_by_text("Acme Analytics").count() == 0
