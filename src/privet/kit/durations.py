"""Durations as a privacy policy states them: ``7d``, ``3w``, ``12mo``, ``3y``.

Months and years are calendar units (12 months from 31 January is not 360 days), so a
duration keeps them apart from the fixed units and applies them with ``relativedelta``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

_UNITS: dict[str, tuple[str, int]] = {
    "s": ("seconds", 1),
    "min": ("seconds", 60),
    "h": ("seconds", 3600),
    "d": ("days", 1),
    "w": ("days", 7),
    "mo": ("months", 1),
    "y": ("months", 12),
}
_UNIT_WORDS = {
    "second": "s", "seconds": "s", "sec": "s",
    "minute": "min", "minutes": "min", "m": "min",
    "hour": "h", "hours": "h",
    "day": "d", "days": "d",
    "week": "w", "weeks": "w",
    "month": "mo", "months": "mo",
    "year": "y", "years": "y", "yr": "y",
}
_PART = re.compile(r"(\d+)\s*([a-z]+)")
DURATION_PATTERN = r"^\s*\d+\s*[a-z]+(\s*\d+\s*[a-z]+)*\s*$"


class DurationError(ValueError):
    """A duration that cannot be read; the message says what would be accepted."""


@dataclass(frozen=True, order=True)
class Duration:
    """A period of time: calendar months plus fixed days and seconds."""

    months: int = 0
    days: int = 0
    seconds: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Read ``"3w"``, ``"12mo"``, ``"1y 6mo"``, ``"7 days"``."""
        source = text.strip().lower()
        if not source or not re.fullmatch(DURATION_PATTERN, source):
            raise DurationError(
                f"`{text}` is not a duration; write a number and a unit, "
                "e.g. `7d`, `3w`, `12mo`, `3y` (units: s, min, h, d, w, mo, y)"
            )
        months = days = seconds = 0
        for amount_text, unit_text in _PART.findall(source):
            unit = _UNIT_WORDS.get(unit_text, unit_text)
            if unit not in _UNITS:
                raise DurationError(
                    f"unknown unit `{unit_text}` in `{text}`; use s, min, h, d, w, mo or y"
                )
            field, factor = _UNITS[unit]
            amount = int(amount_text) * factor
            if field == "months":
                months += amount
            elif field == "days":
                days += amount
            else:
                seconds += amount
        return cls(months=months, days=days, seconds=seconds)

    def before(self, moment: datetime) -> datetime:
        """The moment this long before ``moment``."""
        return moment - relativedelta(months=self.months, days=self.days, seconds=self.seconds)

    def after(self, moment: datetime) -> datetime:
        """The moment this long after ``moment``."""
        return moment + relativedelta(months=self.months, days=self.days, seconds=self.seconds)

    @property
    def approx_days(self) -> float:
        """Length in days, a month counted as 30.44 days: for comparisons and sorting only."""
        return self.months * 30.436875 + self.days + self.seconds / 86400

    def as_timedelta_upper_bound(self) -> timedelta:
        """The longest this duration can be (31-day months), for deadlines that must not slip."""
        return timedelta(days=self.months * 31 + self.days, seconds=self.seconds)

    def __str__(self) -> str:
        parts: list[str] = []
        years, months = divmod(self.months, 12)
        if years:
            parts.append(f"{years}y")
        if months:
            parts.append(f"{months}mo")
        weeks, days = divmod(self.days, 7)
        if weeks and not days:
            parts.append(f"{weeks}w")
        elif self.days:
            parts.append(f"{self.days}d")
        hours, rest = divmod(self.seconds, 3600)
        minutes, secs = divmod(rest, 60)
        if hours:
            parts.append(f"{hours}h")
        if minutes:
            parts.append(f"{minutes}min")
        if secs:
            parts.append(f"{secs}s")
        return " ".join(parts) or "0d"

    def in_words(self, language: str = "en") -> str:
        """For documents and messages, in English or French: ``12 months``, ``3 years``,
        ``7 days`` (``12 mois``, ``3 ans``, ``7 jours``); whole years from two years up, so
        that ``12mo`` reads as policies write it."""
        units = _WORDS.get(language, _WORDS["en"])

        def words(amount: int, unit: str) -> str:
            singular, plural = units[unit]
            return f"{amount} {singular if amount == 1 else plural}"

        parts: list[str] = []
        years, months = divmod(self.months, 12)
        if years >= 2 and not months:
            parts.append(words(years, "year"))
        elif self.months:
            parts.append(words(self.months, "month"))
        weeks, days = divmod(self.days, 7)
        if weeks and not days:
            parts.append(words(weeks, "week"))
        elif self.days:
            parts.append(words(self.days, "day"))
        hours, rest = divmod(self.seconds, 3600)
        if hours:
            parts.append(words(hours, "hour"))
        if rest // 60:
            parts.append(words(rest // 60, "minute"))
        return (" " if language != "fr" else " et ").join(parts) or words(0, "day")

    def describe(self) -> str:
        """Plain words, for documents: ``3 years``, ``12 months``, ``7 days``."""
        parts: list[str] = []
        years, months = divmod(self.months, 12)
        if years and months:
            parts.append(_plural(self.months, "month"))
        else:
            if years:
                parts.append(_plural(years, "year"))
            if months:
                parts.append(_plural(months, "month"))
        weeks, days = divmod(self.days, 7)
        if weeks and not days:
            parts.append(_plural(weeks, "week"))
        elif self.days:
            parts.append(_plural(self.days, "day"))
        hours, rest = divmod(self.seconds, 3600)
        if hours:
            parts.append(_plural(hours, "hour"))
        if rest:
            parts.append(_plural(rest // 60, "minute"))
        return " ".join(parts) or "0 days"

    # pydantic integration: a manifest field typed ``Duration`` accepts the text form.
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> Duration:
            if isinstance(value, Duration):
                return value
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise ValueError("a duration is text such as `30d`, `3w`, `12mo` or `3y`")
            if isinstance(value, int):
                raise ValueError(f"`{value}` has no unit; write e.g. `{value}d` or `{value}mo`")
            return cls.parse(value)

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "examples": ["7d", "3w", "12mo", "3y"],
            "description": "A period: number + unit (s, min, h, d, w, mo, y).",
        }


def _plural(amount: int, word: str) -> str:
    return f"{amount} {word}" if amount == 1 else f"{amount} {word}s"


_WORDS = {
    "en": {"year": ("year", "years"), "month": ("month", "months"), "week": ("week", "weeks"),
           "day": ("day", "days"), "hour": ("hour", "hours"),
           "minute": ("minute", "minutes")},
    "fr": {"year": ("an", "ans"), "month": ("mois", "mois"),
           "week": ("semaine", "semaines"), "day": ("jour", "jours"),
           "hour": ("heure", "heures"), "minute": ("minute", "minutes")},
}
"""The units' words, singular and plural, per language."""
