"""Settings: environment variables with the PRIVET_ prefix; every field described."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Privet's settings. Each can be set as an environment variable, e.g. ``PRIVET_DIR``."""

    model_config = SettingsConfigDict(env_prefix="PRIVET_", env_nested_delimiter="__",
                                      extra="ignore")

    dir: Path | None = Field(
        None, description="Workspace folder (manifest + data); default: the current directory."
    )
    manifest: Path | None = Field(
        None,
        description="Manifest file or folder, relative to the workspace; default `privacy/` "
        "if it exists, else `privet.yaml`.",
    )
    connect_timeout: int = Field(10, description="Seconds to wait when opening a datastore.")
    secret_key: SecretStr | None = Field(
        None, description="Secret for keyed hashes (erasure strategy `hash`, the identities in "
        "the erasure ledger). Long and random; keep it out of the manifest and of git."
    )
    database_url: str | None = Field(
        None, description="Privet's own database; default: SQLite at data/privet.db in the "
        "workspace. PostgreSQL in production: postgresql://user@host/privet."
    )


SETTINGS_FILE = "privet.toml"


def workspace_settings(root: Path, environment: Settings) -> Settings:
    """Settings for a workspace: ``privet.toml`` in it, overridden by the environment."""
    path = root / SETTINGS_FILE
    if not path.exists():
        return environment
    try:
        from_file = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        from privet.kit.errors import ConfigurationError

        raise ConfigurationError(f"{path}: {exc}",
                                 hint="fix the TOML, or delete the file") from exc
    return Settings.model_validate({**from_file, **environment.model_dump(exclude_unset=True)})
