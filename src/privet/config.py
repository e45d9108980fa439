"""Settings: environment variables with the PRIVET_ prefix; every field described."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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
