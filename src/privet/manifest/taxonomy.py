"""The vocabulary of categories, uses and subjects: fideslang's default plus the company's.

Keys are dotted (``user.contact.email``); a key covers every key below it, so a promise
about ``user.health_and_medical`` covers ``user.health_and_medical.genetic``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

TaxonomyKind = Literal["data_category", "data_use", "data_subject"]

# Art. 9 GDPR special categories as fideslang names them, plus the ones fideslang lacks.
SPECIAL_CATEGORY_ROOTS = (
    "user.demographic.race_ethnicity",
    "user.demographic.political_opinion",
    "user.demographic.religious_belief",
    "user.demographic.sexual_orientation",
    "user.demographic.trade_union_membership",
    "user.health_and_medical",
    "user.biometric",
    "user.authorization.biometric",
)
# Keys Privet adds to fideslang's default vocabulary (Art. 9 needs them to be nameable).
PRIVET_EXTRA_CATEGORIES = {
    "user.demographic.trade_union_membership": "Trade union membership (GDPR Art. 9).",
}


@dataclass(frozen=True)
class TaxonomyTerm:
    key: str
    name: str
    description: str
    custom: bool = False


@cache
def _fideslang_terms() -> dict[TaxonomyKind, dict[str, TaxonomyTerm]]:
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    def terms(items: Iterable[object]) -> dict[str, TaxonomyTerm]:
        result: dict[str, TaxonomyTerm] = {}
        for item in items:
            key = str(getattr(item, "fides_key"))  # noqa: B009 - fideslang is untyped
            result[key] = TaxonomyTerm(
                key, str(getattr(item, "name", key)), str(getattr(item, "description", "") or "")
            )
        return result

    categories = terms(DEFAULT_TAXONOMY.data_category)
    for key, description in PRIVET_EXTRA_CATEGORIES.items():
        categories[key] = TaxonomyTerm(key, key.rsplit(".", 1)[-1].replace("_", " ").title(),
                                       description)
    return {
        "data_category": categories,
        "data_use": terms(DEFAULT_TAXONOMY.data_use),
        "data_subject": terms(DEFAULT_TAXONOMY.data_subject),
    }


@dataclass(frozen=True)
class Taxonomy:
    """The vocabulary in force for one manifest."""

    terms: dict[TaxonomyKind, dict[str, TaxonomyTerm]] = field(default_factory=dict)

    @classmethod
    def build(cls, custom: dict[TaxonomyKind, list[TaxonomyTerm]] | None = None) -> Taxonomy:
        merged = {kind: dict(terms) for kind, terms in _fideslang_terms().items()}
        for kind, extra in (custom or {}).items():
            for term in extra:
                merged[kind][term.key] = term
        return cls(merged)

    def knows(self, kind: TaxonomyKind, key: str) -> bool:
        return key in self.terms[kind]

    def suggest(self, kind: TaxonomyKind, key: str) -> str | None:
        """The closest known key, for a did-you-mean."""
        known = list(self.terms[kind])
        leaf_matches = [k for k in known if k.rsplit(".", 1)[-1] == key.rsplit(".", 1)[-1]]
        if len(leaf_matches) == 1:
            return leaf_matches[0]
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        return close[0] if close else None

    def name(self, kind: TaxonomyKind, key: str) -> str:
        term = self.terms[kind].get(key)
        return term.name if term else key


def covers(general: str, specific: str) -> bool:
    """True when taxonomy key ``general`` is ``specific`` or one of its ancestors."""
    return specific == general or specific.startswith(general + ".")


def overlaps(a: str, b: str) -> bool:
    """True when one key covers the other."""
    return covers(a, b) or covers(b, a)


def is_personal(category: str) -> bool:
    """Personal data categories are those under ``user``."""
    return covers("user", category)


def is_special(category: str) -> bool:
    """An Art. 9 special category (or a key under one)."""
    return any(covers(root, category) for root in SPECIAL_CATEGORY_ROOTS)
