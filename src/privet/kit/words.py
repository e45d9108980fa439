"""Dates written out for people, in English or French: documents and messages share them."""

from __future__ import annotations

from datetime import date

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
}


def date_words(day: date, language: str) -> str:
    """``15 January 2026``, ``15 janvier 2026`` (``1er janvier`` in French)."""
    number = "1er" if language == "fr" and day.day == 1 else str(day.day)
    return f"{number} {MONTHS[language][day.month - 1]} {day.year}"
