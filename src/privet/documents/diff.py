"""What changed between two manifests, in words: the semantic diff behind change notices.

A text diff of two privacy policies says that a paragraph moved; a person wants to know
that a new processor receives their email address, or that their data is now kept two
years instead of one. ``diff_manifests`` compares two ``Manifest`` models section by
section and returns one typed :class:`Change` per thing that changed, each with a sentence
in English and in French and a ``material`` flag.

**Material** is what a person would want to hear about before it applies (the notice
period of ``policy.notice_period``): Privet counts as material

- a new purpose, a purpose's new legal basis or new data use;
- a purpose, a processor or a table processing a new data category, or new data subjects;
- a new processor (recipient), a processor serving new purposes, a processor moving to a
  country outside the EEA, a new or different transfer mechanism;
- a longer retention period (a purpose's, or a rule's period or grace), a retention
  period or rule removed (the data is then no longer limited in time);
- a promise removed;
- a longer time to answer data subject requests;
- a security measure removed;
- a new automated decision (Art. 22);
- a new cookie in a non-essential category not used before, a cookie moved to another
  non-essential category, a longer cookie lifetime.

Everything else (something removed or shortened, a contact detail, a new promise, a new
security measure, a new cookie in a category already used) is listed but not material.
Durations are compared as durations (calendar months apart from days), and written in
words: ``12 months → 2 years``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Literal

from privet.documents.render import category_words, country_words, subject_words, use_words
from privet.kit.durations import Duration
from privet.manifest.lint import leaves_free_flow_zone
from privet.manifest.schema import (
    AutomatedDecision,
    Contact,
    Cookie,
    CookieCategory,
    Manifest,
    Processor,
    Purpose,
    RetentionRule,
    Transfer,
)
from privet.manifest.taxonomy import TaxonomyKind, covers

Language = Literal["en", "fr"]


class ChangeKind(StrEnum):
    """What changed; the value is the stable name used in JSON output."""

    purpose_added = "purpose.added"
    purpose_removed = "purpose.removed"
    purpose_legal_basis = "purpose.legal_basis"
    purpose_data_use = "purpose.data_use"
    purpose_data_categories = "purpose.data_categories"
    purpose_data_subjects = "purpose.data_subjects"
    purpose_retention = "purpose.retention"
    processor_added = "processor.added"
    processor_removed = "processor.removed"
    processor_country = "processor.country"
    processor_transfer = "processor.transfer"
    processor_data_categories = "processor.data_categories"
    processor_purposes = "processor.purposes"
    cookie_added = "cookie.added"
    cookie_removed = "cookie.removed"
    cookie_category = "cookie.category"
    cookie_lifetime = "cookie.lifetime"
    retention_added = "retention.added"
    retention_removed = "retention.removed"
    retention_period = "retention.period"
    retention_grace = "retention.grace"
    promise_added = "promise.added"
    promise_removed = "promise.removed"
    organization_changed = "organization.changed"
    response_deadline = "rights.response_deadline"
    security_measure_added = "security_measure.added"
    security_measure_removed = "security_measure.removed"
    automated_decision_added = "automated_decision.added"
    automated_decision_removed = "automated_decision.removed"


@dataclass(frozen=True)
class Change:
    """One thing that changed, said in words."""

    what: ChangeKind
    key: str
    """What it is about: a purpose or processor id, a cookie name, a rule id..."""
    before: str | None
    after: str | None
    material: bool
    en: str
    fr: str

    def sentence(self, language: str = "en") -> str:
        return self.fr if language == "fr" else self.en

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["what"] = self.what.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        return cls(what=ChangeKind(data["what"]), key=str(data["key"]),
                   before=data.get("before"), after=data.get("after"),
                   material=bool(data["material"]), en=str(data["en"]), fr=str(data["fr"]))


@dataclass(frozen=True)
class ManifestDiff:
    """Every change from one manifest to the next, in the order of the manifest's
    sections."""

    changes: list[Change]

    @property
    def material(self) -> bool:
        return any(c.material for c in self.changes)

    @property
    def material_changes(self) -> list[Change]:
        return [c for c in self.changes if c.material]

    def summary(self, language: str = "en") -> str:
        """One line: how many changes, how many material."""
        count, material = len(self.changes), len(self.material_changes)
        if language == "fr":
            if not count:
                return "Aucun changement"
            return (f"{count} changement{'s' if count > 1 else ''}, dont {material} "
                    f"important{'s' if material > 1 else ''}")
        if not count:
            return "No change"
        return f"{count} change{'s' if count > 1 else ''}, {material} material"

    def as_json(self) -> dict[str, Any]:
        return {"material": self.material, "summary": self.summary(),
                "changes": [c.as_json() for c in self.changes]}


def diff_manifests(before: Manifest, after: Manifest) -> ManifestDiff:
    """The changes from ``before`` to ``after`` (policy version and dates aside)."""
    words = _Words(before, after)
    changes: list[Change] = []
    for compare in (_purposes, _processors, _cookies, _retention, _promises, _organization,
                    _security_measures, _automated_decisions):
        changes.extend(compare(before, after, words))
    return ManifestDiff(changes)


# ---------------------------------------------------------------------------- words


def duration_words(duration: Duration | None, language: str = "en") -> str:
    """``2 years``, ``18 months``, ``7 days``; ``2 ans``, ``18 mois``, ``7 jours``."""
    if duration is None:
        return "no set period" if language == "en" else "aucune durée fixée"
    return duration.in_words(language)


def _lifetime_words(lifetime: Duration | Literal["session"], language: str) -> str:
    if lifetime == "session":
        return "the browsing session" if language == "en" else "la session de navigation"
    return duration_words(lifetime, language)


def _lifetime_days(lifetime: Duration | Literal["session"]) -> float:
    return 0.0 if lifetime == "session" else lifetime.approx_days


def _text(value: Duration | Literal["session"] | None) -> str | None:
    return None if value is None else str(value)


_LEGAL_BASES = {
    "en": {"consent": "consent", "contract": "the performance of a contract",
           "legal_obligation": "a legal obligation", "vital_interest": "vital interests",
           "public_task": "a public task", "legitimate_interest": "legitimate interests"},
    "fr": {"consent": "le consentement", "contract": "l'exécution d'un contrat",
           "legal_obligation": "une obligation légale", "vital_interest": "des intérêts vitaux",
           "public_task": "une mission d'intérêt public",
           "legitimate_interest": "l'intérêt légitime"},
}
_COOKIE_CATEGORIES = {
    "en": {"necessary": "strictly necessary", "preferences": "preferences",
           "functional": "functional", "analytics": "analytics", "marketing": "marketing"},
    "fr": {"necessary": "strictement nécessaires", "preferences": "préférences",
           "functional": "fonctionnels", "analytics": "mesure d'audience",
           "marketing": "marketing"},
}


_TERM_WORDS: dict[TaxonomyKind, Callable[[Manifest, str, str], str]] = {
    "data_category": category_words, "data_subject": subject_words,
    "data_use": lambda manifest, key, _language: use_words(manifest, key)}


class _Words:
    """Names of taxonomy keys, from either manifest's vocabulary, in the policy's words
    (French names of categories and subjects where Privet has them)."""

    def __init__(self, before: Manifest, after: Manifest) -> None:
        self.before, self.after = before, after

    def term(self, kind: TaxonomyKind, key: str, language: str = "en") -> str:
        words = _TERM_WORDS[kind]
        name = words(self.after, key, language)
        if name == key:
            name = words(self.before, key, language)
        return key if name == key else f"{name} ({key})"

    def terms(self, kind: TaxonomyKind, keys: Sequence[str], language: str = "en") -> str:
        return ", ".join(self.term(kind, k, language) for k in keys)


def _basis(value: object, language: str) -> str:
    if value is None:
        return "no stated legal basis" if language == "en" else "aucune base légale indiquée"
    text = str(getattr(value, "value", value))
    return _LEGAL_BASES[language].get(text, text)


def _country(code: str, language: str = "en") -> str:
    return f"{country_words(code, language)} ({code})"


def _new_keys(before: Sequence[str], after: Sequence[str]) -> list[str]:
    """Keys of ``after`` not covered by a key of ``before`` (a new `user.contact.email` is
    not new when `user.contact` was already there)."""
    return [k for k in after if not any(covers(b, k) for b in before)]


def _gone_keys(before: Sequence[str], after: Sequence[str]) -> list[str]:
    return [k for k in before if not any(covers(a, k) for a in after)]


def _quoted(name: str, language: str) -> str:
    return f"“{name}”" if language == "en" else f"« {name} »"


# ---------------------------------------------------------------------------- purposes


def _purposes(before: Manifest, after: Manifest, words: _Words) -> Iterator[Change]:
    for key, purpose in after.purposes.items():
        if key not in before.purposes:
            yield _purpose_added(key, purpose, words)
    for key, purpose in before.purposes.items():
        if key not in after.purposes:
            yield Change(ChangeKind.purpose_removed, key, purpose.name, None, False,
                         f"Purpose {_quoted(purpose.name, 'en')} removed: data is no longer "
                         "processed for it.",
                         f"Finalité {_quoted(purpose.name, 'fr')} supprimée : les données ne "
                         "sont plus traitées pour elle.")
    for key, new in after.purposes.items():
        old = before.purposes.get(key)
        if old is not None:
            yield from _purpose_changes(key, old, new, words)


def _purpose_added(key: str, purpose: Purpose, words: _Words) -> Change:
    categories = words.terms("data_category", purpose.data_categories)
    categories_fr = words.terms("data_category", purpose.data_categories, "fr")
    en = (f"New purpose {_quoted(purpose.name, 'en')}, on the basis of "
          f"{_basis(purpose.legal_basis, 'en')}")
    fr = (f"Nouvelle finalité {_quoted(purpose.name, 'fr')}, fondée sur "
          f"{_basis(purpose.legal_basis, 'fr')}")
    if categories:
        en += f", processing {categories}"
        fr += f", portant sur {categories_fr}"
    if purpose.retention is not None:
        en += f", data kept {duration_words(purpose.retention, 'en')}"
        fr += f", données conservées {duration_words(purpose.retention, 'fr')}"
    return Change(ChangeKind.purpose_added, key, None, purpose.name, True, en + ".", fr + ".")


def _purpose_changes(key: str, old: Purpose, new: Purpose, words: _Words) -> Iterator[Change]:
    en_name, fr_name = _quoted(new.name, "en"), _quoted(new.name, "fr")
    if old.legal_basis != new.legal_basis:
        yield Change(ChangeKind.purpose_legal_basis, key,
                     _enum_text(old.legal_basis), _enum_text(new.legal_basis), True,
                     f"Purpose {en_name}: legal basis changed from "
                     f"{_basis(old.legal_basis, 'en')} to {_basis(new.legal_basis, 'en')}.",
                     f"Finalité {fr_name} : la base légale passe de "
                     f"{_basis(old.legal_basis, 'fr')} à {_basis(new.legal_basis, 'fr')}.")
    if old.data_use != new.data_use:
        yield Change(ChangeKind.purpose_data_use, key, old.data_use, new.data_use, True,
                     f"Purpose {en_name}: data is now used for "
                     f"{words.term('data_use', new.data_use)} (was "
                     f"{words.term('data_use', old.data_use)}).",
                     f"Finalité {fr_name} : les données servent désormais à "
                     f"{words.term('data_use', new.data_use, 'fr')} (auparavant "
                     f"{words.term('data_use', old.data_use, 'fr')}).")
    yield from _key_lists(ChangeKind.purpose_data_categories, key, "data_category",
                          old.data_categories, new.data_categories, words,
                          en_subject=f"Purpose {en_name}", fr_subject=f"Finalité {fr_name}",
                          en_noun="data", fr_noun="données")
    yield from _key_lists(ChangeKind.purpose_data_subjects, key, "data_subject",
                          old.data_subjects, new.data_subjects, words,
                          en_subject=f"Purpose {en_name}", fr_subject=f"Finalité {fr_name}",
                          en_noun="people", fr_noun="personnes")
    if old.retention != new.retention:
        longer = new.retention is None or (
            old.retention is not None and new.retention.approx_days > old.retention.approx_days)
        yield Change(ChangeKind.purpose_retention, key, _text(old.retention),
                     _text(new.retention), longer,
                     f"Purpose {en_name}: data kept {duration_words(old.retention, 'en')} → "
                     f"{duration_words(new.retention, 'en')}.",
                     f"Finalité {fr_name} : données conservées "
                     f"{duration_words(old.retention, 'fr')} → "
                     f"{duration_words(new.retention, 'fr')}.")


def _enum_text(value: object) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def _key_lists(what: ChangeKind, key: str, kind: TaxonomyKind, old: Sequence[str],
               new: Sequence[str], words: _Words, *, en_subject: str, fr_subject: str,
               en_noun: str, fr_noun: str) -> Iterator[Change]:
    """One change when a list of taxonomy keys gained or lost keys; material if it
    gained one."""
    added, gone = _new_keys(old, new), _gone_keys(old, new)
    if not added and not gone:
        return
    en_parts, fr_parts = [], []
    if added:
        en_parts.append(f"now also {en_noun}: {words.terms(kind, added)}")
        fr_parts.append(f"désormais aussi les {fr_noun} : {words.terms(kind, added, 'fr')}")
    if gone:
        en_parts.append(f"no longer: {words.terms(kind, gone)}")
        fr_parts.append(f"plus : {words.terms(kind, gone, 'fr')}")
    yield Change(what, key, ", ".join(old), ", ".join(new), bool(added),
                 f"{en_subject}: {'; '.join(en_parts)}.",
                 f"{fr_subject} : {' ; '.join(fr_parts)}.")


# ---------------------------------------------------------------------------- processors


def _transfer_text(transfer: Transfer | None) -> str | None:
    if transfer is None:
        return None
    text = transfer.mechanism.value
    if transfer.scc_module is not None:
        text += f" (module {transfer.scc_module})"
    return text


_MECHANISMS = {
    "en": {"adequacy": "an adequacy decision", "scc": "standard contractual clauses",
           "bcr": "binding corporate rules", "dpf": "the EU-US Data Privacy Framework",
           "derogation": "an Art. 49 derogation"},
    "fr": {"adequacy": "une décision d'adéquation", "scc": "des clauses contractuelles types",
           "bcr": "des règles d'entreprise contraignantes",
           "dpf": "le Data Privacy Framework UE-États-Unis",
           "derogation": "une dérogation de l'art. 49"},
}


def _mechanism(transfer: Transfer | None, language: str) -> str:
    if transfer is None:
        return "no transfer mechanism" if language == "en" else "aucun mécanisme de transfert"
    text = _MECHANISMS[language][transfer.mechanism.value]
    if transfer.scc_module is not None:
        text += f" (module {transfer.scc_module})"
    return text


def _processors(before: Manifest, after: Manifest, words: _Words) -> Iterator[Change]:
    for key, processor in after.processors.items():
        if key not in before.processors:
            yield _processor_added(key, processor, words)
    for key, processor in before.processors.items():
        if key not in after.processors:
            yield Change(ChangeKind.processor_removed, key, processor.name, None, False,
                         f"{processor.name} no longer receives personal data.",
                         f"{processor.name} ne reçoit plus de données personnelles.")
    for key, new in after.processors.items():
        old = before.processors.get(key)
        if old is not None:
            yield from _processor_changes(key, old, new, before, after, words)


def _processor_added(key: str, processor: Processor, words: _Words) -> Change:
    en = f"New recipient: {processor.name} ({processor.service}), country: " \
         f"{_country(processor.country)}"
    fr = f"Nouveau destinataire : {processor.name} ({processor.service}), pays : " \
         f"{_country(processor.country, 'fr')}"
    if processor.data_categories:
        en += f", receiving {words.terms('data_category', processor.data_categories)}"
        fr += f", recevant {words.terms('data_category', processor.data_categories, 'fr')}"
    if processor.transfer is not None:
        en += f", under {_mechanism(processor.transfer, 'en')}"
        fr += f", encadré par {_mechanism(processor.transfer, 'fr')}"
    return Change(ChangeKind.processor_added, key, None, processor.name, True, en + ".",
                  fr + ".")


def _purpose_name(key: str, manifest: Manifest) -> str:
    purpose = manifest.purposes.get(key)
    return purpose.name if purpose is not None else key


def _processor_changes(key: str, old: Processor, new: Processor, before: Manifest,
                       after: Manifest, words: _Words) -> Iterator[Change]:
    name = new.name
    if old.country != new.country:
        outside = leaves_free_flow_zone(after, new.country)
        yield Change(ChangeKind.processor_country, key, old.country, new.country, outside,
                     f"{name} now processes data in {_country(new.country)} (was "
                     f"{_country(old.country)}).",
                     f"{name} traite désormais les données en {_country(new.country, 'fr')} "
                     f"(auparavant {_country(old.country, 'fr')}).")
    if _transfer_text(old.transfer) != _transfer_text(new.transfer):
        yield Change(ChangeKind.processor_transfer, key, _transfer_text(old.transfer),
                     _transfer_text(new.transfer), new.transfer is not None,
                     f"Transfers to {name}: {_mechanism(old.transfer, 'en')} → "
                     f"{_mechanism(new.transfer, 'en')}.",
                     f"Transferts vers {name} : {_mechanism(old.transfer, 'fr')} → "
                     f"{_mechanism(new.transfer, 'fr')}.")
    yield from _key_lists(ChangeKind.processor_data_categories, key, "data_category",
                          old.data_categories, new.data_categories, words,
                          en_subject=f"{name} receives", fr_subject=f"{name} reçoit",
                          en_noun="data", fr_noun="données")
    added = [p for p in new.purposes if p not in old.purposes]
    gone = [p for p in old.purposes if p not in new.purposes]
    if added or gone:
        en_parts, fr_parts = [], []
        if added:
            names = ", ".join(_quoted(_purpose_name(p, after), "en") for p in added)
            en_parts.append(f"now also for {names}")
            names = ", ".join(_quoted(_purpose_name(p, after), "fr") for p in added)
            fr_parts.append(f"désormais aussi pour {names}")
        if gone:
            names = ", ".join(_quoted(_purpose_name(p, before), "en") for p in gone)
            en_parts.append(f"no longer for {names}")
            names = ", ".join(_quoted(_purpose_name(p, before), "fr") for p in gone)
            fr_parts.append(f"plus pour {names}")
        yield Change(ChangeKind.processor_purposes, key, ", ".join(old.purposes),
                     ", ".join(new.purposes), bool(added),
                     f"{name} receives data {'; '.join(en_parts)}.",
                     f"{name} reçoit des données {' ; '.join(fr_parts)}.")


# ---------------------------------------------------------------------------- cookies


def _cookie_key(cookie: Cookie) -> str:
    return cookie.label if cookie.provider == "first_party" else \
        f"{cookie.label} ({cookie.provider})"


def _category(category: CookieCategory, language: str) -> str:
    return _COOKIE_CATEGORIES[language][category.value]


def _cookies(before: Manifest, after: Manifest, _words: _Words) -> Iterator[Change]:
    old = {_cookie_key(c): c for c in before.cookies}
    new = {_cookie_key(c): c for c in after.cookies}
    used_before = {c.category for c in before.cookies}
    for key, cookie in new.items():
        if key in old:
            continue
        new_category = (cookie.category is not CookieCategory.necessary
                        and cookie.category not in used_before)
        en = (f"New cookie {cookie.label} ({_category(cookie.category, 'en')}): "
              f"{cookie.purpose}; kept {_lifetime_words(cookie.lifetime, 'en')}")
        fr = (f"Nouveau cookie {cookie.label} ({_category(cookie.category, 'fr')}) : "
              f"{cookie.purpose} ; conservé {_lifetime_words(cookie.lifetime, 'fr')}")
        if new_category:
            en += "; a new kind of cookie, set only with your consent"
            fr += " ; une nouvelle catégorie de cookies, déposés seulement avec votre accord"
        yield Change(ChangeKind.cookie_added, key, None, cookie.category.value, new_category,
                     en + ".", fr + ".")
    for key, cookie in old.items():
        if key not in new:
            yield Change(ChangeKind.cookie_removed, key, cookie.category.value, None, False,
                         f"Cookie {cookie.label} is no longer set.",
                         f"Le cookie {cookie.label} n'est plus déposé.")
    for key, cookie in new.items():
        previous = old.get(key)
        if previous is None:
            continue
        if previous.category is not cookie.category:
            material = cookie.category is not CookieCategory.necessary
            yield Change(ChangeKind.cookie_category, key, previous.category.value,
                         cookie.category.value, material,
                         f"Cookie {cookie.label}: {_category(previous.category, 'en')} → "
                         f"{_category(cookie.category, 'en')}.",
                         f"Cookie {cookie.label} : {_category(previous.category, 'fr')} → "
                         f"{_category(cookie.category, 'fr')}.")
        if previous.lifetime != cookie.lifetime:
            longer = _lifetime_days(cookie.lifetime) > _lifetime_days(previous.lifetime)
            yield Change(ChangeKind.cookie_lifetime, key, _text(previous.lifetime),
                         _text(cookie.lifetime), longer,
                         f"Cookie {cookie.label} kept "
                         f"{_lifetime_words(previous.lifetime, 'en')} → "
                         f"{_lifetime_words(cookie.lifetime, 'en')}.",
                         f"Cookie {cookie.label} conservé "
                         f"{_lifetime_words(previous.lifetime, 'fr')} → "
                         f"{_lifetime_words(cookie.lifetime, 'fr')}.")


# ---------------------------------------------------------------------------- retention


def _rule_name(key: str, rule: RetentionRule) -> str:
    # Not the rule's statement: it words the period, and may be the part that changed.
    target = rule.table or ", ".join(rule.categories)
    return f"{key} ({target})"


def _retention(before: Manifest, after: Manifest, _words: _Words) -> Iterator[Change]:
    for key, rule in after.retention.items():
        if key not in before.retention:
            yield Change(ChangeKind.retention_added, key, None, str(rule.period), False,
                         f"New retention rule {_rule_name(key, rule)}: "
                         f"{duration_words(rule.period, 'en')}.",
                         f"Nouvelle règle de conservation {_rule_name(key, rule)} : "
                         f"{duration_words(rule.period, 'fr')}.")
    for key, rule in before.retention.items():
        if key not in after.retention:
            yield Change(ChangeKind.retention_removed, key, str(rule.period), None, True,
                         f"Retention rule {_rule_name(key, rule)} "
                         f"({duration_words(rule.period, 'en')}) removed.",
                         f"Règle de conservation {_rule_name(key, rule)} "
                         f"({duration_words(rule.period, 'fr')}) supprimée.")
    for key, new in after.retention.items():
        old = before.retention.get(key)
        if old is None:
            continue
        if old.period != new.period:
            yield Change(ChangeKind.retention_period, key, str(old.period), str(new.period),
                         new.period.approx_days > old.period.approx_days,
                         f"Retention rule {_rule_name(key, new)}: "
                         f"{duration_words(old.period, 'en')} → "
                         f"{duration_words(new.period, 'en')}.",
                         f"Règle de conservation {_rule_name(key, new)} : "
                         f"{duration_words(old.period, 'fr')} → "
                         f"{duration_words(new.period, 'fr')}.")
        if old.grace != new.grace:
            old_days = old.grace.approx_days if old.grace else 0.0
            new_days = new.grace.approx_days if new.grace else 0.0
            yield Change(ChangeKind.retention_grace, key, _text(old.grace), _text(new.grace),
                         new_days > old_days,
                         f"Retention rule {_rule_name(key, new)}: grace period "
                         f"{_grace(old.grace, 'en')} → {_grace(new.grace, 'en')}.",
                         f"Règle de conservation {_rule_name(key, new)} : délai de grâce "
                         f"{_grace(old.grace, 'fr')} → {_grace(new.grace, 'fr')}.")


def _grace(grace: Duration | None, language: str) -> str:
    if grace is None:
        return "none" if language == "en" else "aucun"
    return duration_words(grace, language)


# ---------------------------------------------------------------------------- promises


@dataclass(frozen=True)
class _Promise:
    key: str
    en: str
    fr: str


def _promise_set(manifest: Manifest, words: _Words) -> dict[str, _Promise]:
    found: dict[str, _Promise] = {}

    def add(key: str, en: str, fr: str) -> None:
        found[key] = _Promise(key, en, fr)

    promises = manifest.promises
    for never_collect in promises.never_collect:
        subjects = sorted(never_collect.subjects)
        whom_en = f" from {words.terms('data_subject', subjects)}" if subjects else ""
        whom_fr = f" auprès de {words.terms('data_subject', subjects, 'fr')}" if subjects else ""
        for category in never_collect.categories:
            name, name_fr = words.term("data_category", category), words.term(
                "data_category", category, "fr")
            add(f"never_collect:{category}:{','.join(subjects)}",
                f"never to collect {name}{whom_en}", f"à ne jamais collecter {name_fr}{whom_fr}")
    for never_store in promises.never_store:
        for value in never_store.values:
            text = value.value.replace("_", " ")
            add(f"never_store:{value.value}", f"never to store {text} values",
                f"à ne jamais stocker de valeurs {text}")
    for never_use in promises.never_use:
        for category in never_use.categories:
            for use in never_use.uses:
                add(f"never_use:{category}:{use}",
                    f"never to use {words.term('data_category', category)} for "
                    f"{words.term('data_use', use)}",
                    f"à ne jamais utiliser {words.term('data_category', category, 'fr')} pour "
                    f"{words.term('data_use', use, 'fr')}")
    for residency in promises.data_residency:
        regions = ", ".join(sorted(residency.regions))
        for category in residency.categories or ["all"]:
            what_en = "personal data" if category == "all" else words.term("data_category",
                                                                              category)
            what_fr = "les données personnelles" if category == "all" else words.term(
                "data_category", category, "fr")
            add(f"data_residency:{regions}:{category}", f"to keep {what_en} in {regions}",
                f"à conserver {what_fr} dans : {regions}")
    return found


def _promises(before: Manifest, after: Manifest, words: _Words) -> Iterator[Change]:
    old, new = _promise_set(before, words), _promise_set(after, words)
    for key, promise in new.items():
        if key not in old:
            yield Change(ChangeKind.promise_added, key, None, promise.en, False,
                         f"New promise: we promise {promise.en}.",
                         f"Nouvel engagement : nous nous engageons {promise.fr}.")
    for key, promise in old.items():
        if key not in new:
            yield Change(ChangeKind.promise_removed, key, promise.en, None, True,
                         f"Promise withdrawn: we no longer promise {promise.en}.",
                         f"Engagement retiré : nous ne nous engageons plus {promise.fr}.")


# ---------------------------------------------------------------------------- organization


_ORGANIZATION_FIELDS = {
    "name": ("name", "nom"),
    "legal_name": ("legal name", "raison sociale"),
    "address": ("address", "adresse"),
    "contact": ("privacy contact", "contact vie privée"),
    "dpo": ("data protection officer", "délégué à la protection des données"),
    "eu_representative": ("EU representative", "représentant dans l'UE"),
    "uk_representative": ("UK representative", "représentant au Royaume-Uni"),
    "supervisory_authority": ("supervisory authority", "autorité de contrôle"),
}


def _contact_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Contact):
        parts = [value.name, value.email, value.phone, value.address]
        return ", ".join(p for p in parts if p) or None
    return str(value)


def _organization(before: Manifest, after: Manifest, _words: _Words) -> Iterator[Change]:
    old, new = before.organization, after.organization
    for field, (en_label, fr_label) in _ORGANIZATION_FIELDS.items():
        was, now = _contact_text(getattr(old, field)), _contact_text(getattr(new, field))
        if was == now:
            continue
        none_en, none_fr = "none", "aucun"
        yield Change(ChangeKind.organization_changed, field, was, now, False,
                     f"Our {en_label}: {was or none_en} → {now or none_en}.",
                     f"Notre {fr_label} : {was or none_fr} → {now or none_fr}.")
    if old.response_deadline != new.response_deadline:
        yield Change(ChangeKind.response_deadline, "response_deadline",
                     str(old.response_deadline), str(new.response_deadline),
                     new.response_deadline.approx_days > old.response_deadline.approx_days,
                     "We answer requests about your data within "
                     f"{duration_words(new.response_deadline, 'en')} (was "
                     f"{duration_words(old.response_deadline, 'en')}).",
                     "Nous répondons aux demandes concernant vos données sous "
                     f"{duration_words(new.response_deadline, 'fr')} (auparavant "
                     f"{duration_words(old.response_deadline, 'fr')}).")


# ---------------------------------------------------------------------------- the rest


def _named_lists(before: Sequence[Any], after: Sequence[Any], *, added: ChangeKind,
                 removed: ChangeKind, added_material: bool, removed_material: bool,
                 en_added: Callable[[str], str], fr_added: Callable[[str], str],
                 en_removed: Callable[[str], str],
                 fr_removed: Callable[[str], str]) -> Iterator[Change]:
    old = {item.name: item for item in before}
    new = {item.name: item for item in after}
    for name in new:
        if name not in old:
            yield Change(added, name, None, name, added_material, en_added(name),
                         fr_added(name))
    for name in old:
        if name not in new:
            yield Change(removed, name, name, None, removed_material, en_removed(name),
                         fr_removed(name))


def _security_measures(before: Manifest, after: Manifest, _words: _Words) -> Iterator[Change]:
    yield from _named_lists(
        before.security_measures, after.security_measures,
        added=ChangeKind.security_measure_added, removed=ChangeKind.security_measure_removed,
        added_material=False, removed_material=True,
        en_added=lambda n: f"New security measure: {n}.",
        fr_added=lambda n: f"Nouvelle mesure de sécurité : {n}.",
        en_removed=lambda n: f"Security measure withdrawn: {n}.",
        fr_removed=lambda n: f"Mesure de sécurité retirée : {n}.")


def _automated_decisions(before: Manifest, after: Manifest,
                         _words: _Words) -> Iterator[Change]:
    described = {d.name: d for d in after.automated_decisions}

    def en_added(name: str) -> str:
        decision: AutomatedDecision = described[name]
        return (f"New automated decision: {name}: {decision.description.rstrip('.')}"
                f"{' (profiling)' if decision.profiling else ''}.")

    def fr_added(name: str) -> str:
        decision = described[name]
        return (f"Nouvelle décision automatisée : {name} : "
                f"{decision.description.rstrip('.')}"
                f"{' (profilage)' if decision.profiling else ''}.")

    yield from _named_lists(
        before.automated_decisions, after.automated_decisions,
        added=ChangeKind.automated_decision_added,
        removed=ChangeKind.automated_decision_removed, added_material=True,
        removed_material=False,
        en_added=en_added, fr_added=fr_added,
        en_removed=lambda n: f"Automated decision {n} is no longer made.",
        fr_removed=lambda n: f"La décision automatisée {n} n'est plus prise.")
