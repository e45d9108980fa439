"""The diff in words: each kind of change to the demo company's manifest is named, in
English and French, with the right material flag; durations are compared as durations."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from privet.demo.workspace import demo_manifest_files
from privet.documents.diff import ChangeKind, diff_manifests
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest

Data = dict[str, Any]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Data:
    """The demo manifest, as the data a manifest file holds."""
    folder: Path = tmp_path_factory.mktemp("manifest")
    for name, text in demo_manifest_files():
        (folder / name).write_text(text, encoding="utf-8")
    data: Data = load_manifest(folder, environ={}).model_dump(mode="json", by_alias=True)
    return data


@dataclass(frozen=True)
class Case:
    name: str
    change: Callable[[Data], None]
    what: ChangeKind
    key: str
    material: bool
    en: str
    fr: str
    before: Callable[[Data], None] | None = None


def _set(path: str, value: Any) -> Callable[[Data], None]:
    def apply(data: Data) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return apply


def _delete(path: str) -> Callable[[Data], None]:
    def apply(data: Data) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[part]
        del node[last]
    return apply


def _append(path: str, value: Any) -> Callable[[Data], None]:
    def apply(data: Data) -> None:
        node: Any = data
        for part in path.split("."):
            node = node[part]
        node.append(value)
    return apply


def _drop_cookies(category: str) -> Callable[[Data], None]:
    def apply(data: Data) -> None:
        data["cookies"] = [c for c in data["cookies"] if c["category"] != category]
    return apply


def _cookie(name: str, field: str, value: Any) -> Callable[[Data], None]:
    def apply(data: Data) -> None:
        next(c for c in data["cookies"] if c["name"] == name)[field] = value
    return apply


FRAUD = {"name": "Fraud prevention", "data_use": "essential.service.security",
         "legal_basis": "legitimate_interest", "legitimate_interest": "Stopping fraud",
         "data_categories": ["user.device.ip_address"], "data_subjects": ["customer"],
         "retention": "6mo"}
ACME = {"name": "Acme Analytics Inc.", "service": "product analytics", "country": "US",
        "data_categories": ["user.device.ip_address"], "purposes": ["website_analytics"],
        "transfer": {"mechanism": "dpf"}}
SCORING = {"name": "Fraud scoring", "description": "Each order gets a fraud score.",
           "legal_basis": "contract", "logic": "A model trained on past orders.",
           "consequences": "A high score holds the order for review.", "profiling": True}

CASES = [
    Case("new purpose", _set("purposes.fraud", FRAUD), ChangeKind.purpose_added, "fraud", True,
         "New purpose “Fraud prevention”, on the basis of legitimate interests, processing "
         "IP Address (user.device.ip_address), data kept 6 months.",
         "Nouvelle finalité « Fraud prevention », fondée sur l'intérêt légitime"),
    Case("purpose removed", _delete("purposes.events"), ChangeKind.purpose_removed, "events",
         False, "Purpose “Events and webinars” removed", "Finalité « Events and webinars » "
         "supprimée"),
    Case("legal basis", _set("purposes.newsletter.legal_basis", "legitimate_interest"),
         ChangeKind.purpose_legal_basis, "newsletter", True,
         "legal basis changed from consent to legitimate interests",
         "la base légale passe de le consentement à l'intérêt légitime"),
    Case("new data category of a purpose",
         _append("purposes.newsletter.data_categories", "user.contact.phone_number"),
         ChangeKind.purpose_data_categories, "newsletter", True,
         "now also data: User Contact Phone Number (user.contact.phone_number)",
         "désormais aussi les données : Numéro de téléphone (user.contact.phone_number)"),
    Case("a purpose's data category dropped",
         _set("purposes.newsletter.data_categories", ["user.contact.email"]),
         ChangeKind.purpose_data_categories, "newsletter", False, "no longer:", "plus :"),
    Case("new data subjects of a purpose",
         _append("purposes.newsletter.data_subjects", "job_applicant"),
         ChangeKind.purpose_data_subjects, "newsletter", True,
         "now also people: Job Applicant (job_applicant)", "désormais aussi les personnes"),
    Case("a purpose's retention longer", _set("purposes.support.retention", "5y"),
         ChangeKind.purpose_retention, "support", True, "data kept 3 years → 5 years",
         "données conservées 3 ans → 5 ans"),
    Case("a purpose's retention shorter", _set("purposes.support.retention", "18mo"),
         ChangeKind.purpose_retention, "support", False, "data kept 3 years → 18 months",
         "3 ans → 18 mois"),
    Case("new processor", _set("processors.acme", ACME), ChangeKind.processor_added, "acme",
         True, "New recipient: Acme Analytics Inc. (product analytics), country: United "
         "States (US), receiving IP Address (user.device.ip_address), under the EU-US Data "
         "Privacy Framework.",
         "Nouveau destinataire : Acme Analytics Inc. (product analytics), pays : États-Unis "
         "(US), recevant Adresse IP (user.device.ip_address), encadré par le Data Privacy "
         "Framework UE-États-Unis."),
    Case("processor removed", _delete("processors.acuity"), ChangeKind.processor_removed,
         "acuity", False, "no longer receives personal data", "ne reçoit plus de données"),
    Case("processor moves outside the EEA", _set("processors.stripe.country", "US"),
         ChangeKind.processor_country, "stripe", True,
         "now processes data in United States (US) (was Ireland (IE))",
         "traite désormais les données en États-Unis (US) (auparavant Irlande (IE))"),
    Case("processor moves within the EEA", _set("processors.stripe.country", "DE"),
         ChangeKind.processor_country, "stripe", False,
         "now processes data in Germany (DE) (was Ireland (IE))",
         "en Allemagne (DE) (auparavant Irlande (IE))"),
    Case("transfer mechanism", _set("processors.fullstory.transfer",
                                    {"mechanism": "scc", "scc_module": 2}),
         ChangeKind.processor_transfer, "fullstory", True,
         "the EU-US Data Privacy Framework → standard contractual clauses (module 2)",
         "des clauses contractuelles types (module 2)"),
    Case("data shared with a processor", _append("processors.stripe.data_categories",
                                                 "user.contact.phone_number"),
         ChangeKind.processor_data_categories, "stripe", True,
         "receives: now also data: User Contact Phone Number",
         "reçoit : désormais aussi les données"),
    Case("purposes a processor serves", _append("processors.stripe.purposes", "newsletter"),
         ChangeKind.processor_purposes, "stripe", True,
         "receives data now also for “Newsletter and product news”",
         "désormais aussi pour « Newsletter and product news »"),
    Case("new cookie in a category already used",
         _append("cookies", {"name": "_hj", "category": "analytics", "purpose": "Heatmaps.",
                             "lifetime": "1y"}),
         ChangeKind.cookie_added, "_hj", False, "New cookie _hj (analytics): Heatmaps.; kept "
         "12 months.", "Nouveau cookie _hj (mesure d'audience)"),
    Case("new non-essential cookie category",
         _append("cookies", {"name": "_fbp", "provider": "meta", "category": "marketing",
                             "purpose": "Ads.", "lifetime": "3mo"}),
         ChangeKind.cookie_added, "_fbp (meta)", True,
         "a new kind of cookie, set only with your consent",
         "une nouvelle catégorie de cookies", before=_drop_cookies("marketing")),
    Case("cookie removed", _drop_cookies("functional"), ChangeKind.cookie_removed,
         "im_livechat_history", False, "Cookie im_livechat_history is no longer set.",
         "n'est plus déposé"),
    Case("cookie category", _cookie("tz", "category", "analytics"),
         ChangeKind.cookie_category, "tz", True, "Cookie tz: preferences → analytics.",
         "préférences → mesure d'audience"),
    Case("cookie lifetime longer", _cookie("fileToken", "lifetime", "1mo"),
         ChangeKind.cookie_lifetime, "fileToken", True,
         "kept the browsing session → 1 month", "la session de navigation → 1 mois"),
    Case("retention period longer", _set("retention.browser_data.period", "24mo"),
         ChangeKind.retention_period, "browser_data", True,
         "Retention rule browser_data (web_visits): 12 months → 2 years.",
         "Règle de conservation browser_data (web_visits) : 12 mois → 2 ans."),
    Case("retention period shorter", _set("retention.browser_data.period", "6mo"),
         ChangeKind.retention_period, "browser_data", False, "12 months → 6 months",
         "12 mois → 6 mois"),
    Case("retention rule removed", _delete("retention.browser_data"),
         ChangeKind.retention_removed, "browser_data", True,
         "Retention rule browser_data (web_visits) (12 months) removed.", "supprimée"),
    Case("promise withdrawn", _set("promises.never_store", []), ChangeKind.promise_removed,
         "never_store:payment_card", True,
         "Promise withdrawn: we no longer promise never to store payment card values.",
         "Engagement retiré"),
    Case("promise added", _append("promises.never_store", {"values": ["iban"]}),
         ChangeKind.promise_added, "never_store:iban", False,
         "New promise: we promise never to store iban values.", "Nouvel engagement"),
    Case("privacy contact", _set("organization.contact.email", "privacy@nuage.eu"),
         ChangeKind.organization_changed, "contact", False,
         "Our privacy contact: Privacy team, privacy@nuage.example → Privacy team, "
         "privacy@nuage.eu.", "Notre contact vie privée"),
    Case("data protection officer", _set("organization.dpo", {"name": "Lou Bernard",
                                                               "email": "lou@nuage.example"}),
         ChangeKind.organization_changed, "dpo", False, "Our data protection officer: "
         "Camille Martin, dpo@nuage.example",
         "Notre délégué à la protection des données"),
    Case("response deadline longer", _set("organization.response_deadline", "2mo"),
         ChangeKind.response_deadline, "response_deadline", True,
         "We answer requests about your data within 2 months (was 30 days).",
         "sous 2 mois (auparavant 30 jours)"),
    Case("security measure added", _append("security_measures", {"name": "Bug bounty"}),
         ChangeKind.security_measure_added, "Bug bounty", False,
         "New security measure: Bug bounty.", "Nouvelle mesure de sécurité : Bug bounty."),
    Case("security measure removed", _set("security_measures", []),
         ChangeKind.security_measure_removed, "Backups", True,
         "Security measure withdrawn: Backups.", "Mesure de sécurité retirée : Backups."),
    Case("automated decision added", _append("automated_decisions", SCORING),
         ChangeKind.automated_decision_added, "Fraud scoring", True,
         "New automated decision: Fraud scoring: Each order gets a fraud score (profiling).",
         "Nouvelle décision automatisée : Fraud scoring"),
    Case("automated decision removed", _set("automated_decisions", []),
         ChangeKind.automated_decision_removed, "Fraud scoring", False,
         "Automated decision Fraud scoring is no longer made.", "n'est plus prise",
         before=_append("automated_decisions", SCORING)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_kind_of_change_is_named_in_words(demo: Data, case: Case) -> None:
    before = copy.deepcopy(demo)
    if case.before is not None:
        case.before(before)
    after = copy.deepcopy(before)
    case.change(after)
    diff = diff_manifests(Manifest.model_validate(before), Manifest.model_validate(after))
    found = [c for c in diff.changes if c.what is case.what and c.key == case.key]
    assert len(found) == 1, [c.en for c in diff.changes]
    change = found[0]
    assert case.en in change.en
    assert case.fr in change.fr
    assert change.material is case.material
    assert diff.material is any(c.material for c in diff.changes)


def test_the_same_manifest_has_no_change(demo: Data) -> None:
    diff = diff_manifests(Manifest.model_validate(demo), Manifest.model_validate(demo))
    assert diff.changes == []
    assert not diff.material
    assert diff.summary() == "No change"
    assert diff.summary("fr") == "Aucun changement"


def test_durations_are_compared_as_durations(demo: Data) -> None:
    after = copy.deepcopy(demo)
    after["retention"]["browser_data"]["period"] = "1y"    # was 12mo: the same period
    after["purposes"]["support"]["retention"] = "36mo"     # was 3y
    after["cookies"][0]["lifetime"] = "90d"                # was 3mo: 90 days are shorter
    diff = diff_manifests(Manifest.model_validate(demo), Manifest.model_validate(after))
    assert [(c.what, c.key, c.material) for c in diff.changes] == [
        (ChangeKind.cookie_lifetime, "session_id", False)]
    assert diff.changes[0].en == "Cookie session_id kept 3 months → 90 days."


def test_a_broader_category_already_declared_is_not_new_data(demo: Data) -> None:
    before = copy.deepcopy(demo)
    before["purposes"]["newsletter"]["data_categories"] = ["user.contact"]
    after = copy.deepcopy(before)
    after["purposes"]["newsletter"]["data_categories"] = ["user.contact",
                                                          "user.contact.email"]
    diff = diff_manifests(Manifest.model_validate(before), Manifest.model_validate(after))
    assert diff.changes == []


def test_several_changes_are_summed_up(demo: Data) -> None:
    after = copy.deepcopy(demo)
    after["processors"]["acme"] = ACME
    after["security_measures"].append({"name": "Bug bounty"})
    diff = diff_manifests(Manifest.model_validate(demo), Manifest.model_validate(after))
    assert diff.summary() == "2 changes, 1 material"
    assert diff.summary("fr") == "2 changements, dont 1 important"
    assert [c.what for c in diff.material_changes] == [ChangeKind.processor_added]
    assert diff.as_json()["changes"][0]["what"] == "processor.added"
