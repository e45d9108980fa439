"""Diagnostics: what the loader and the lint rules report, each pointing at file:line:col."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from privet.kit.errors import PrivetError
from privet.manifest.source import Location


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


@dataclass(frozen=True)
class Diagnostic:
    """One problem: which rule, how bad, what is wrong, where, and what to change."""

    rule: str
    severity: Severity
    message: str
    location: Location | None = None
    hint: str | None = None

    def render(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.severity.value}[{self.rule}]: {self.message}"
        return f"{text}\n    fix: {self.hint}" if self.hint else text

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "file": self.location.file if self.location else None,
            "line": self.location.line if self.location else None,
            "column": self.location.column if self.location else None,
        }


def sort_diagnostics(items: list[Diagnostic]) -> list[Diagnostic]:
    order = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}
    return sorted(
        items,
        key=lambda d: (d.location or Location("", 0, 0), order[d.severity], d.rule, d.message),
    )


class ManifestError(PrivetError):
    """The manifest could not be loaded; ``diagnostics`` lists every problem found."""

    http_status = 422

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sort_diagnostics(diagnostics)
        count = len(self.diagnostics)
        super().__init__(
            f"the manifest has {count} error{'s' if count != 1 else ''}:\n"
            + "\n".join(d.render() for d in self.diagnostics)
        )
