"""Domain errors: each says what went wrong and what to do, and carries an HTTP status.

One handler (CLI or web) renders them; a traceback is never the user interface.
"""

from __future__ import annotations


class PrivetError(Exception):
    """Base of every error Privet reports to a person."""

    http_status = 400
    keeps_changes = False
    """True for a refusal that must itself be recorded (a failed sign-in or code check counts
    as an attempt): the outer edge commits the transaction before the error reaches the
    caller, instead of rolling it back."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class WorkspaceError(PrivetError):
    """The workspace (manifest folder, settings) cannot be found or read."""

    http_status = 500


class ConfigurationError(PrivetError):
    """A setting or environment variable is missing or wrong."""

    http_status = 500


class DatastoreError(PrivetError):
    """A datastore cannot be reached or answered with an error."""

    http_status = 502
