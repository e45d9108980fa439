"""The demo workspace: the Nuage Cloud manifest and its synthetic database, built in a folder."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from privet.config import SETTINGS_FILE
from privet.demo.database import DemoDatabaseSummary, build_demo_database
from privet.kit.errors import WorkspaceError
from privet.kit.workspace import MANIFEST_FOLDER

MARKER = ".privet-demo"
DATABASE_PATH = Path("data") / "nuage.db"


@dataclass(frozen=True)
class DemoWorkspace:
    root: Path
    manifest_files: list[Path]
    database: DemoDatabaseSummary


def is_demo_workspace(root: Path) -> bool:
    """Whether ``root`` was made by ``privet demo`` (it then serves the demo shop page)."""
    return (root / MARKER).exists()


def demo_manifest_files() -> list[tuple[str, str]]:
    """(name, text) of each YAML file of the demo manifest shipped with Privet."""
    folder = resources.files("privet.demo") / "manifest"
    return sorted((entry.name, entry.read_text(encoding="utf-8")) for entry in folder.iterdir()
                  if entry.name.endswith(".yaml"))


def _write_settings(root: Path) -> None:
    """A demo secret key, kept across rebuilds (a real workspace sets PRIVET_SECRET_KEY)."""
    path = root / SETTINGS_FILE
    if not path.exists():
        path.write_text(
            "# Demo settings. In production, set PRIVET_SECRET_KEY in the environment instead.\n"
            f'secret_key = "{secrets.token_urlsafe(32)}"\n'
            "\n[retention]\n"
            "# The demo deletes nothing by itself: see what is due at /admin/retention and run\n"
            "# it there or with `privet retention run`. 24 runs every rule once a day.\n"
            "schedule_hours = 0\n", encoding="utf-8")
        path.chmod(0o600)


def build_demo_workspace(
    root: Path,
    *,
    subjects: int,
    seed: int = 42,
    now: datetime | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> DemoWorkspace:
    """Create (or cleanly rebuild) the demo workspace in ``root``."""
    root = root.resolve()
    if root.exists() and any(root.iterdir()) and not (root / MARKER).exists():
        raise WorkspaceError(
            f"{root} is not empty and is not a Privet demo workspace; refusing to overwrite it",
            hint="choose another folder with --dir, or empty this one",
        )
    for owned in (MANIFEST_FOLDER, "data"):
        shutil.rmtree(root / owned, ignore_errors=True)
    (root / MANIFEST_FOLDER).mkdir(parents=True)
    (root / "data").mkdir()
    (root / MARKER).write_text("This folder was made by `privet demo`; it rebuilds it.\n")
    _write_settings(root)
    written: list[Path] = []
    for name, text in demo_manifest_files():
        target = root / MANIFEST_FOLDER / name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    summary = build_demo_database(root / DATABASE_PATH, subjects=subjects, seed=seed,
                                  now=now or datetime.now(UTC), progress=progress)
    return DemoWorkspace(root, written, summary)
