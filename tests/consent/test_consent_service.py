"""The consent rules below the API: notice versions, a person's current consent over time,
IP truncation, and the tokens in emailed links."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from privet.consent import links, notices, service
from privet.consent.service import Choice, InvalidConsent
from privet.kit.db import database_url, dispose, open_database, session_scope
from privet.kit.durations import Duration
from privet.manifest.diagnostics import ManifestError
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest
from privet.models.audit_log import AuditEntry
from privet.models.consent import ConsentAction, ConsentNotice, ConsentSource

SECRET = b"s" * 32
NOW = datetime(2026, 12, 1, 12, 0, 0)
EMAIL = "paul.girard@example.org"


@pytest.fixture
def manifest() -> Manifest:
    folder = Path(__file__).resolve().parents[2] / "src" / "privet" / "demo" / "manifest"
    return load_manifest(folder)


@pytest.fixture(params=["sqlite", "postgres"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    url = database_url(tmp_path, None) if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    factory = open_database(url)
    yield factory
    dispose(factory)


def test_a_notice_is_versioned_only_when_its_words_change(
        manifest: Manifest, sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as session:
        first = notices.publish_notice(session, manifest=manifest, secret=SECRET, actor="cli",
                                        now=NOW)
        again = notices.publish_notice(session, manifest=manifest, secret=SECRET, actor="cli",
                                        now=NOW)
    assert (first.version, again.version) == (1, 1)
    fewer = manifest.model_copy(update={"cookies": manifest.cookies[:-1]})
    with session_scope(sessions) as session:
        second = notices.publish_notice(session, manifest=fewer, secret=SECRET, actor="cli",
                                         now=NOW)
    assert second.version == 2 and second.text_hash != first.text_hash
    assert all(c["name"] != "_fbp" for cat in second.content["categories"]
               for c in cat["cookies"])
    with session_scope(sessions) as session:  # back to the first words: asked again
        third = notices.publish_notice(session, manifest=manifest, secret=SECRET, actor="cli",
                                        now=NOW)
        kept = notices.get_notice(session, 1)
        versions = session.scalars(select(ConsentNotice.version)).all()
    assert third.version == 3 and third.text_hash == first.text_hash
    assert kept.content == first.content and sorted(versions) == [1, 2, 3]
    with sessions() as session:
        published = session.scalars(select(AuditEntry.subject_id).where(
            AuditEntry.action == "consent.notice_published").order_by(AuditEntry.sequence))
        assert list(published) == ["1", "2", "3"]


def test_the_hash_covers_the_exact_words(manifest: Manifest) -> None:
    content = notices.notice_content(manifest)
    digest = notices.content_hash(content)
    content["texts"]["en"]["reject_all"] = "Reject"
    assert notices.content_hash(content) != digest


def _record(session: Session, notice: notices.Notice, moment: datetime,
            **purposes: bool) -> None:
    action = ConsentAction.custom if any(purposes.values()) else ConsentAction.withdraw
    service.record_receipt(session, secret=SECRET, notice=notice, now=moment, choice=Choice(
        action=action, source=ConsentSource.api, email=EMAIL, purposes=purposes))


def test_consent_expires_after_its_lifetime_to_the_second(
        manifest: Manifest, sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as session:
        notice = notices.publish_notice(session, manifest=manifest, secret=SECRET, actor="cli",
                                        now=NOW)
        _record(session, notice, NOW, newsletter=True)
    lifetime = manifest.consent.consent_lifetime
    assert lifetime == Duration(months=13)
    due = lifetime.after(NOW)
    with sessions() as session:
        before = service.may_contact(session, secret=SECRET, manifest=manifest, email=EMAIL,
                                     purpose="newsletter", now=due - timedelta(seconds=1))
        after = service.may_contact(session, secret=SECRET, manifest=manifest, email=EMAIL,
                                    purpose="newsletter", now=due)
    assert before.allowed is True
    assert after.allowed is False and "expired" in after.reason


def test_the_newest_choice_wins_per_purpose(
        manifest: Manifest, sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as session:
        notice = notices.publish_notice(session, manifest=manifest, secret=SECRET, actor="cli",
                                        now=NOW)
        _record(session, notice, NOW, newsletter=True, ux_recordings=True)
        _record(session, notice, NOW + timedelta(days=1), ux_recordings=False)
        _record(session, notice, NOW + timedelta(days=2), newsletter=True)
    with sessions() as session:
        found = service.subject_consent(session, secret=SECRET, manifest=manifest,
                                        email=EMAIL.upper(), now=NOW + timedelta(days=3))
    assert found.current.purposes["newsletter"].in_force
    assert found.current.purposes["ux_recordings"].granted is False
    assert len(found.receipts) == 3


def test_gpc_with_a_persons_choice_refuses_the_advertising_purposes(
        manifest: Manifest, sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as session:
        notice = notices.publish_notice(session, manifest=manifest, secret=SECRET, actor="cli",
                                        now=NOW)
        receipt = service.record_receipt(
            session, secret=SECRET, notice=notice, now=NOW, choice=Choice(
                action=ConsentAction.custom, source=ConsentSource.api, email=EMAIL, gpc=True,
                purposes={"advertising": True, "newsletter": True}))
        assert receipt.purposes == {"advertising": False, "newsletter": True}
        assert receipt.gpc is True


@pytest.mark.parametrize(("address", "kept"), [
    ("203.0.113.77", "203.0.113.0"),
    ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"),
    ("::ffff:198.51.100.9", "198.51.100.0"),
    ("not-an-ip", None),
    (None, None),
])
def test_ip_addresses_are_kept_truncated(address: str | None, kept: str | None) -> None:
    assert service.truncate_ip(address) == kept


def test_unsubscribe_tokens_name_their_person_and_cannot_be_forged() -> None:
    token = links.unsubscribe_token(SECRET, email=" Paul.Girard@Example.org",
                                      purpose="newsletter")
    assert "paul" not in token.lower()
    claim = links.read_unsubscribe_token(SECRET, token)
    assert (claim.email, claim.purpose) == (EMAIL, "newsletter")
    tampered = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    for bad in (tampered, token[:20], "", "%%%", links.unsubscribe_token(
            b"another secret.................", email=EMAIL, purpose="newsletter")):
        with pytest.raises(links.LinkRefused):
            links.read_unsubscribe_token(SECRET, bad)
    preferences = links.preferences_token(SECRET, email=EMAIL, now=NOW)
    with pytest.raises(links.LinkRefused):  # not an unsubscribe token
        links.read_unsubscribe_token(SECRET, preferences)


def test_preferences_links_expire_after_a_day() -> None:
    token = links.preferences_token(SECRET, email=EMAIL, now=NOW.replace(tzinfo=UTC))
    assert links.read_preferences_token(SECRET, token, now=NOW + timedelta(hours=23)) == EMAIL
    with pytest.raises(links.PreferencesLinkExpired):
        links.read_preferences_token(SECRET, token, now=NOW + timedelta(hours=24))


def test_an_email_that_is_not_one_is_refused_before_anything_is_stored() -> None:
    for hostile in ("", "no-at-sign", "a@b", "x" * 400 + "@example.org", "a b@example.org"):
        with pytest.raises(InvalidConsent):
            links.unsubscribe_token(SECRET, email=hostile, purpose="newsletter")


def _demo_with(tmp_path: Path, consent_yaml: str) -> Path:
    source = Path(__file__).resolve().parents[2] / "src" / "privet" / "demo" / "manifest"
    folder = tmp_path / "privacy"
    shutil.copytree(source, folder)
    cookies = folder / "cookies.yaml"  # the test's own consent section replaces the demo's
    cookies.write_text(cookies.read_text(encoding="utf-8").split("\nconsent:")[0],
                       encoding="utf-8")
    (folder / "consent.yaml").write_text(consent_yaml, encoding="utf-8")
    return folder


def test_the_banner_speaks_in_the_companys_words(tmp_path: Path) -> None:
    folder = _demo_with(tmp_path, (
        "consent:\n"
        "  policy_url: https://nuage.example/privacy\n"
        "  texts:\n"
        "    fr: {title: Vos cookies chez Nuage}\n"))
    content = notices.notice_content(load_manifest(folder))
    assert content["texts"]["fr"]["title"] == "Vos cookies chez Nuage"
    assert content["texts"]["fr"]["reject_all"] == "Tout refuser"  # the rest stays
    assert content["texts"]["en"]["title"] == "Your choice about cookies"
    assert content["policy_url"] == "https://nuage.example/privacy"


@pytest.mark.parametrize(("consent_yaml", "words"), [
    ("consent:\n  texts:\n    en: {titel: Cookies}\n", "unknown name(s) titel"),
    ("consent:\n  consent_lifetime: 2y\n", "at most 13mo"),
    ("consent:\n  policy_url: javascript:alert(1)\n", "policy_url"),
    ("consent:\n  gpc_categories: [necessary]\n", "cannot include `necessary`"),
])
def test_a_wrong_consent_section_is_a_located_error(tmp_path: Path, consent_yaml: str,
                                                    words: str) -> None:
    folder = _demo_with(tmp_path, consent_yaml)
    with pytest.raises(ManifestError) as caught:
        load_manifest(folder)
    [problem] = caught.value.diagnostics
    assert words in problem.message, problem.render()
    assert problem.location is not None and problem.location.file.endswith("consent.yaml")
