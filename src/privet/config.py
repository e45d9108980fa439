"""Settings: environment variables with the PRIVET_ prefix; every field described."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class SmtpSettings(BaseModel):
    """The mail server Privet sends its email through (``PRIVET_SMTP__HOST`` etc.).

    Without this section, email is kept in the outbox (status ``stored``) and not sent.
    """

    host: str = Field(min_length=1, description="SMTP server host name, e.g. `smtp.example.com`.")
    port: int | None = Field(None, ge=1, le=65535,
                             description="SMTP server port; default 465 with `ssl`, else 587.")
    username: str | None = Field(None, description="Login, if the server asks for one.")
    password: SecretStr | None = Field(None, description="Password for `username`.")
    ssl: bool = Field(False, description="Connect with TLS from the start (port 465).")
    starttls: bool | None = Field(
        None, description="Upgrade the connection with STARTTLS (port 587); default: on unless "
        "`ssl` is set. Turn it off only for a server on the same machine or network."
    )
    timeout: float = Field(10.0, gt=0, description="Seconds to wait for the server at each step.")
    sender: str = Field(
        pattern=r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$",
        description="From address of every message, e.g. `privacy@example.com`.",
    )
    sender_name: str | None = Field(
        None, pattern=r"^[^\r\n]*$",
        description="Display name beside the From address, e.g. `Nuage Cloud privacy team`.",
    )

    @model_validator(mode="after")
    def _one_kind_of_tls(self) -> SmtpSettings:
        if self.ssl and self.starttls:
            raise ValueError("set either `ssl` (port 465) or `starttls` (port 587), not both")
        return self

    @property
    def server_port(self) -> int:
        """The port to connect to."""
        return self.port or (465 if self.ssl else 587)

    @property
    def uses_starttls(self) -> bool:
        """Whether the connection is upgraded with STARTTLS."""
        return (not self.ssl) if self.starttls is None else self.starttls


class RequestSettings(BaseModel):
    """How data subject requests are handled (``PRIVET_REQUESTS__REQUIRE_APPROVAL`` etc.)."""

    require_approval: bool = Field(
        False, description="Hold every verified request until a privacy officer approves it "
        "in the admin; off: a verified request runs at once (rectifications always wait).")
    package_link_days: int = Field(
        7, ge=1, le=90, description="Days an access package can be downloaded through the "
        "signed link sent to the person.")
    reminder_days: int = Field(
        7, ge=0, le=60, description="Remind the privacy team this many days before a "
        "request's deadline (0: no reminders).")


class JobSettings(BaseModel):
    """Background jobs (``PRIVET_JOBS__LEASE_SECONDS`` etc.)."""

    lease_seconds: int = Field(
        300, ge=5, description="A worker renews its claim on a running job this often; a job "
        "whose claim is not renewed within it is taken as abandoned and queued again.")
    poll_seconds: float = Field(
        2.0, gt=0, description="How often the in-process runner looks for due jobs.")
    max_attempts: int = Field(5, ge=1, description="Tries before a job is marked failed.")


class RetentionSettings(BaseModel):
    """The retention schedule (``PRIVET_RETENTION__SCHEDULE_HOURS`` etc.)."""

    schedule_hours: int = Field(
        24, ge=0, le=24 * 31, description="Run every rule this often, at whole multiples of "
        "the interval since midnight UTC (24: once a day, just after midnight); 0: only when "
        "asked (`privet retention run`, the admin's Run now).")
    batch_size: int = Field(
        10_000, ge=1, le=100_000, description="Rows deleted or anonymised per transaction, so "
        "a live database is never locked for long.")


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
    base_url: str = Field(
        "http://127.0.0.1:8000", pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="Public address of this Privet server: links in emails start with it.")
    broker_url: str | None = Field(
        None, description="Redis URL of the Celery broker for `privet worker --celery`, e.g. "
        "`redis://127.0.0.1:6379/0`; without it, jobs run in the server's own process.")
    webhook_secret: SecretStr | None = Field(
        None, description="Key of the HMAC-SHA256 signature on webhooks sent to customers "
        "(processor mode); share it with them so they can check each call.")
    requests: RequestSettings = Field(default_factory=RequestSettings,
                                      description="Data subject request handling.")
    jobs: JobSettings = Field(default_factory=JobSettings, description="Background jobs.")
    retention: RetentionSettings = Field(default_factory=RetentionSettings,
                                         description="The retention schedule.")
    smtp: SmtpSettings | None = Field(
        None, description="Mail server for outgoing email; without it, messages are kept in "
        "the outbox (`stored`) and not sent. E.g. PRIVET_SMTP__HOST, PRIVET_SMTP__SENDER."
    )


SETTINGS_FILE = "privet.toml"


def workspace_settings(root: Path) -> Settings:
    """Settings for a workspace: ``privet.toml`` in it, overridden by the environment,
    merged key by key (an ``[smtp]`` section in the file and ``PRIVET_SMTP__PASSWORD`` in
    the environment make one SMTP setting)."""
    path = root / SETTINGS_FILE

    class WorkspaceSettings(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            toml = TomlConfigSettingsSource(settings_cls, toml_file=path)
            return init_settings, env_settings, toml, file_secret_settings

    from privet.kit.errors import ConfigurationError

    try:
        return Settings.model_validate(WorkspaceSettings().model_dump())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{path}: {exc}",
                                 hint="fix the TOML, or delete the file") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        raise ConfigurationError(f"invalid settings ({path.name} or PRIVET_* variables): "
                                 f"{problems}") from None
