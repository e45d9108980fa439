"""Published versions of the privacy documents: publish, list, read, compare.

``publish`` renders every document from the manifest (``privet.documents.render``) and
archives them with the manifest that produced them, under the manifest's
``policy.version``. A version is never changed afterwards:

- the same label with the same content (same manifest, same rendered documents: the
  content hash) is a no-op that says so;
- the same label with other content is refused: bump ``policy.version``;
- a new label must take effect after the version before it.

Each new version is compared with the one before (``privet.documents.diff``); a material
change schedules the change notices (``privet.documents.notices``) for the notice period
before it takes effect. Every publication is in the audit log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session

from privet.audit.service import append_entry
from privet.documents import repository
from privet.documents.diff import Change, ManifestDiff, diff_manifests
from privet.documents.notices import notice_schedule, schedule_change_notices
from privet.documents.render import render_documents
from privet.kit.clock import utc_naive
from privet.kit.errors import PrivetError
from privet.manifest.schema import Manifest
from privet.models.documents import DocumentVersion, PublishedDocument

PRIVACY_CENTER_PATH = "/privacy-center"
"""The privacy center link in archived documents: a path, so that a version's content (and
hash) does not depend on the address the server runs at."""


class VersionError(PrivetError):
    """A version cannot be published or read as asked."""

    http_status = 409


class VersionNotFound(VersionError):
    """No published version (or document of a version) by that name."""

    http_status = 404


@dataclass(frozen=True)
class PublishResult:
    """What ``publish`` did."""

    label: str
    created: bool
    """False when the same content was already published under the label (nothing done)."""
    content_hash: str
    previous_label: str | None
    diff: ManifestDiff
    notices_due_at: datetime | None = None
    notice_job_id: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def material(self) -> bool:
        return self.diff.material


def canonical_manifest(manifest: Manifest) -> str:
    """The manifest as canonical JSON: sorted keys, no spaces. It loads back into the same
    ``Manifest`` (``Manifest.model_validate_json``)."""
    data = manifest.model_dump(mode="json", by_alias=True)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(canonical: str, documents: Mapping[str, str]) -> str:
    """SHA-256 over the canonical manifest and each document (name and text), by name."""
    digest = hashlib.sha256(canonical.encode())
    for name in sorted(documents):
        digest.update(b"\x00" + name.encode() + b"\x00" + documents[name].encode())
    return digest.hexdigest()


def _where(manifest: Manifest, *path: str) -> str:
    location = manifest.locate(*path)
    return f"{location}: " if location is not None else ""


def publish(session: Session, manifest: Manifest, *, now: datetime, actor: str,
            secret: bytes, overrides: Path | None = None) -> PublishResult:
    """Archive the documents rendered from ``manifest`` as version ``policy.version`` (in
    the caller's transaction), with its diff from the previous version and, for a material
    change, the change notices scheduled."""
    moment = utc_naive(now)
    label = manifest.policy.version.strip()
    if not label or len(label) > 64 or any(c in label for c in "/?#\\") or \
            any(not c.isprintable() for c in label):
        raise VersionError(
            f"{_where(manifest, 'policy', 'version')}`{manifest.policy.version}` cannot name a "
            "version: its address would be /privacy/versions/<version>",
            hint="use at most 64 characters without /, ?, # or \\, e.g. `2026.2`")
    canonical = canonical_manifest(manifest)
    documents = render_documents(manifest, overrides=overrides,
                                 privacy_center_url=PRIVACY_CENTER_PATH)
    digest = content_hash(canonical, documents)

    existing = repository.version_by_label(session, label)
    if existing is not None:
        if existing.content_hash == digest:
            return PublishResult(label, False, digest, existing.previous_label,
                                 ManifestDiff([Change.from_json(c) for c in existing.changes]),
                                 existing.notices_due_at)
        raise VersionError(
            f"{_where(manifest, 'policy', 'version')}version `{label}` was published on "
            f"{existing.published_at:%Y-%m-%d %H:%M} UTC with other content; a published "
            "version never changes",
            hint="bump `policy.version` (and `policy.effective_date`) in the manifest, then "
            "publish again")
    previous = repository.latest_version(session)
    effective = manifest.policy.effective_date
    if previous is not None and effective <= previous.effective_date:
        raise VersionError(
            f"{_where(manifest, 'policy', 'effective_date')}version `{label}` would take "
            f"effect on {effective:%Y-%m-%d}, but the last published version, "
            f"`{previous.label}`, takes effect on {previous.effective_date:%Y-%m-%d}",
            hint=f"set `policy.effective_date` after {previous.effective_date:%Y-%m-%d}")

    diff = (diff_manifests(version_manifest(previous), manifest)
            if previous is not None else ManifestDiff([]))
    warnings: list[str] = []
    due_at: datetime | None = None
    if diff.material:
        schedule = notice_schedule(manifest, now=moment)
        if manifest.policy.notify:
            due_at = schedule.due_at
            if schedule.warning:
                warnings.append(schedule.warning)
        else:
            warnings.append("no one is told of this material change: the manifest names no "
                            "recipients under `policy.notify`")
    version = DocumentVersion(
        label=label, effective_date=effective, published_at=moment, published_by=actor,
        manifest=canonical, content_hash=digest,
        previous_label=previous.label if previous is not None else None,
        material=diff.material,
        summary=(diff.summary() if previous is not None else "First published version"),
        changes=[c.as_json() for c in diff.changes], notices_due_at=due_at,
        notice_warning="; ".join(warnings) or None)
    for name, text in documents.items():
        stem, language, extension = name.rsplit(".", 2)
        version.documents.append(PublishedDocument(name=name, document=stem,
                                                   language=language, format=extension,
                                                   text=text))
    repository.add_version(session, version)
    job_id = None
    if diff.material and manifest.policy.notify:
        job_id = schedule_change_notices(session, version, manifest, now=moment).job_id
    append_entry(session, secret=secret, actor=actor, action="documents.version_published",
                 subject_type="document_version", subject_id=label,
                 details={"content_hash": digest, "previous": version.previous_label,
                          "effective_date": effective.isoformat(),
                          "material": diff.material, "changes": len(diff.changes),
                          "documents": len(documents),
                          "notices_due_at": due_at.isoformat(sep=" ") if due_at else None,
                          "warning": version.notice_warning})
    return PublishResult(label, True, digest, version.previous_label, diff, due_at, job_id,
                         warnings)


# ---------------------------------------------------------------------------- reading


def list_versions(session: Session) -> Sequence[DocumentVersion]:
    """Every published version, newest first."""
    return repository.all_versions(session)


def get_version(session: Session, label: str) -> DocumentVersion:
    """The version published as ``label``, or ``VersionNotFound``."""
    version = repository.version_by_label(session, label) if len(label) <= 64 else None
    if version is None:
        known = [v.label for v in repository.all_versions(session)]
        raise VersionNotFound(
            f"no published version `{label}`",
            hint=(f"published versions: {', '.join(known)}" if known
                  else "nothing is published yet: run `privet docs publish`"))
    return version


def version_manifest(version: DocumentVersion) -> Manifest:
    """The manifest ``version`` was published from."""
    try:
        return Manifest.model_validate_json(version.manifest)
    except ValidationError as exc:
        raise VersionError(
            f"the manifest archived with version `{version.label}` no longer loads: "
            f"{exc.error_count()} problem(s), the first at "
            f"{'.'.join(str(p) for p in exc.errors()[0]['loc'])}",
            hint="the manifest format changed since it was published; compare by hand "
            "with the archived documents") from None


def version_languages(session: Session, version: DocumentVersion) -> list[str]:
    names = repository.document_names(session, version.id)
    return sorted({name.rsplit(".", 2)[1] for name in names})


def get_document(session: Session, label: str, document: str, *, language: str | None = None,
                 format: str = "html") -> PublishedDocument:
    """One archived document of version ``label`` (``privacy-policy``, ``cookies``,
    ``subprocessors``) in ``language`` (default: the version's first language)."""
    version = get_version(session, label)
    languages = version_languages(session, version)
    chosen = language or version_manifest(version).policy.languages[0]
    found = repository.document(session, version.id, f"{document}.{chosen}.{format}")
    if found is None:
        names = repository.document_names(session, version.id)
        documents = sorted({n.split(".", 1)[0] for n in names})
        if document not in documents:
            raise VersionNotFound(f"version `{label}` has no document `{document}`",
                                  hint=f"its documents: {', '.join(documents)}")
        raise VersionNotFound(f"version `{label}` was not published in `{chosen}`",
                              hint=f"its languages: {', '.join(languages)}")
    return found


def diff_versions(session: Session, before: str, after: str) -> ManifestDiff:
    """What changed from version ``before`` to version ``after``."""
    return diff_manifests(version_manifest(get_version(session, before)),
                          version_manifest(get_version(session, after)))


def diff_with_manifest(session: Session, manifest: Manifest,
                       label: str | None = None) -> tuple[str, ManifestDiff]:
    """What changed from version ``label`` (default: the last published) to ``manifest``;
    returns the label compared with too."""
    if label is None:
        latest = repository.latest_version(session)
        if latest is None:
            raise VersionNotFound("nothing is published yet, so there is nothing to compare "
                                  "the manifest with",
                                  hint="run `privet docs publish` first")
        version = latest
    else:
        version = get_version(session, label)
    return version.label, diff_manifests(version_manifest(version), manifest)
