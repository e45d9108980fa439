"""The workspace: a folder holding the manifest (``privacy/*.yaml``) and Privet's data."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from privet.config import Settings, workspace_settings
from privet.kit.errors import ConfigurationError, WorkspaceError
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest

MANIFEST_FOLDER = "privacy"
MANIFEST_FILE = "privet.yaml"


@dataclass(frozen=True)
class Workspace:
    root: Path
    settings: Settings

    @classmethod
    def find(cls, directory: Path | None = None, settings: Settings | None = None) -> Workspace:
        """``directory`` if given, else ``PRIVET_DIR``, else the current directory. Settings
        are ``settings`` if given, else the workspace's ``privet.toml`` and the environment."""
        from_environment = os.environ.get("PRIVET_DIR")
        chosen = directory or (settings.dir if settings is not None else None) or (
            Path(from_environment) if from_environment else None)
        root = (chosen or Path.cwd()).resolve()
        if not root.is_dir():
            raise WorkspaceError(f"workspace folder {root} does not exist",
                                 hint="pass --dir, set PRIVET_DIR, or run `privet demo`")
        return cls(root, settings if settings is not None else workspace_settings(root))

    @property
    def manifest_path(self) -> Path:
        if self.settings.manifest is not None:
            return self.root / self.settings.manifest
        folder = self.root / MANIFEST_FOLDER
        if folder.is_dir() or not (self.root / MANIFEST_FILE).exists():
            return folder
        return self.root / MANIFEST_FILE

    def load_manifest(self) -> Manifest:
        """Load the manifest; raises ``ManifestError`` with every located problem."""
        return load_manifest(self.manifest_path, root=self.root)

    def secret(self) -> bytes:
        """The workspace secret (request hashes, codes, links, packages are keyed with it);
        ConfigurationError when it is not set."""
        key = self.settings.secret_key
        if key is None or not key.get_secret_value():
            raise ConfigurationError(
                "the workspace secret is not set: request hashes, verification codes, links "
                "and packages are keyed with it",
                hint="set PRIVET_SECRET_KEY (or secret_key in privet.toml)")
        return key.get_secret_value().encode()
