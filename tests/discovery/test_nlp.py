"""The NLP extra: person names in free text that no column name or phrase announces, found
by spaCy's small English pipeline (installed from PyPI by ``make test``, loaded offline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_scan import privet, shop

from privet.discovery.nlp import MODEL, NlpUnavailable, name_shaped, person_names
from privet.discovery.scanner import scan_values

NOTES = [
    "Spoke with Margaret Thompson about the renewal of the contract last week.",
    "The customer asked for a refund because the parcel arrived broken and late.",
    "Escalated to the billing team after the third failed payment attempt today.",
    "Call from Daniel Fischer about the delayed delivery of his last order.",
]


def test_names_in_prose_are_found_only_with_the_model() -> None:
    without = {t.detector for t in scan_values(NOTES, column="notes").found}
    assert "person_name" not in without  # no column name, no "my name is": no finding
    [names] = [t for t in scan_values(NOTES, column="notes", names=person_names()).found
               if t.detector == "person_name"]
    assert names.rows == 2 and names.share == 0.5
    assert all("Thompson" not in e and "Fischer" not in e for e in names.examples)


def test_the_model_reads_free_text_only() -> None:
    """Short values (product names, cities) are not prose: the model is not asked, and
    capitalised words there are not taken for names."""
    products = ["Margaret Rose Tea", "Olivier Oil 1L", "Paris Brest", "Victoria Sponge"]
    found = {t.detector for t in scan_values(products, column="product",
                                             names=person_names()).found}
    assert "person_name" not in found


@pytest.mark.parametrize(("entity", "kept"), [
    ("Margaret Thompson", True),
    ("Jean du Pont", True),
    ("Ada", False),                      # one word: a first name, or a word at all?
    ("Rufen Sie", False),                # German sentence start the model took for a name
    ("Meine Karte", False),
    ("Order ORD-2025-225017", False),
    ("Number of orders", False),
])
def test_the_models_entities_count_only_when_name_shaped(entity: str, kept: bool) -> None:
    assert name_shaped(entity) is kept


def test_a_missing_extra_is_named_with_the_command_that_installs_it() -> None:
    with pytest.raises(NlpUnavailable, match="NLP extra") as refused:
        person_names("no_such_spacy_pipeline")
    assert "pip install 'privet[nlp]'" in str(refused.value)


def test_privet_scan_nlp_reports_names_in_an_undeclared_note_column(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    shop(root, url)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE tickets (id INTEGER PRIMARY KEY, body TEXT)"))
        connection.execute(sa.text("INSERT INTO tickets (body) VALUES (:body)"),
                           [{"body": note} for note in NOTES])
        # A declared notes column may hold an address here and there: no finding for it.
        connection.execute(sa.text("UPDATE customers SET notes = 'Customer asked us to reply "
                                   "to ann.lee@mail.example when back' WHERE id = 3"))
    engine.dispose()

    plain = json.loads(privet(root, "scan", "--format", "json", "--no-record").stdout)
    assert plain["scan"]["model"] is None
    assert not [f for f in plain["findings"] if f["table"] == "tickets"]

    done = privet(root, "scan", "--nlp", "--format", "json", "--no-record")
    report = json.loads(done.stdout)
    assert report["scan"]["model"] == MODEL
    [finding] = [f for f in report["findings"] if f["table"] == "tickets"]
    assert finding["kind"] == "undeclared-personal-data"
    assert (finding["column"], finding["count"]) == ("body", 2)
    assert finding["category"] == "user.name"
    assert not [f for f in report["findings"] if (f["table"], f["column"]) == ("customers",
                                                                             "notes")
                and f["kind"] != "broken-promise"]
