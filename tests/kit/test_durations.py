from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from privet.kit.durations import Duration, DurationError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", Duration(days=7)),
        ("3w", Duration(days=21)),
        ("12mo", Duration(months=12)),
        ("3y", Duration(months=36)),
        ("1y 6mo", Duration(months=18)),
        ("10 years", Duration(months=120)),
        ("24h", Duration(seconds=86400)),
        ("30min", Duration(seconds=1800)),
    ],
)
def test_policy_periods_parse(text: str, expected: Duration) -> None:
    assert Duration.parse(text) == expected


@pytest.mark.parametrize("text", ["", "3", "three years", "3 decades", "-3d", "3d;"])
def test_unreadable_periods_say_what_is_accepted(text: str) -> None:
    with pytest.raises(DurationError, match=r"7d|unit"):
        Duration.parse(text)


def test_months_are_calendar_months() -> None:
    end_of_january = datetime(2026, 1, 31, tzinfo=UTC)
    assert Duration.parse("1mo").after(end_of_january) == datetime(2026, 2, 28, tzinfo=UTC)
    assert Duration.parse("12mo").before(datetime(2026, 3, 1, tzinfo=UTC)) == datetime(
        2025, 3, 1, tzinfo=UTC)


def test_describe_reads_like_a_policy() -> None:
    assert Duration.parse("3y").describe() == "3 years"
    assert Duration.parse("13mo").describe() == "13 months"
    assert Duration.parse("3w").describe() == "3 weeks"
    assert Duration.parse("6d").describe() == "6 days"


@given(st.integers(0, 50), st.integers(0, 11), st.integers(0, 400))
def test_text_form_round_trips(years: int, months: int, days: int) -> None:
    duration = Duration(months=years * 12 + months, days=days)
    assert Duration.parse(str(duration)) == duration
