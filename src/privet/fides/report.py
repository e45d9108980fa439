"""The import report: everything of the Fides files that the manifest does not carry, and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from privet.manifest.source import Location


@dataclass(frozen=True, order=True)
class NotCarried:
    """One thing not carried over: where Fides says it, what it is, why it is left."""

    location: Location
    what: str
    why: str

    def render(self) -> str:
        return f"{self.location.file}:{self.location.line}: {self.what}: {self.why}"


@dataclass
class ImportReport:
    items: list[NotCarried] = field(default_factory=list)

    def add(self, location: Location, what: str, why: str) -> None:
        self.items.append(NotCarried(location, what, why))

    def render(self) -> str:
        if not self.items:
            return "everything was carried over\n"
        count = len(self.items)
        lines = [f"{count} thing{'s' if count != 1 else ''} not carried over:"]
        lines.extend(item.render() for item in sorted(set(self.items)))
        return "\n".join(lines) + "\n"
