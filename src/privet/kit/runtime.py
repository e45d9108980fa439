"""What a process serving a workspace loads once: the workspace, its manifest, Privet's
database and the secret. The web app and the job runners share it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from privet.config import Settings
from privet.kit.db import database_url, open_database
from privet.kit.workspace import Workspace
from privet.manifest.schema import Manifest


@dataclass(frozen=True)
class Runtime:
    """The workspace, its manifest (loaded once), Privet's database and the secret."""

    workspace: Workspace
    manifest: Manifest
    sessions: sessionmaker[Session]
    secret: bytes

    @property
    def settings(self) -> Settings:
        return self.workspace.settings

    @classmethod
    def load(cls, workspace: Workspace,
             sessions: sessionmaker[Session] | None = None) -> Runtime:
        factory = sessions or open_database(
            database_url(workspace.root, workspace.settings.database_url))
        return cls(workspace=workspace, manifest=workspace.load_manifest(), sessions=factory,
                   secret=workspace.secret())
