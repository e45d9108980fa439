"""The personal-data detectors of the discovery scan.

Each detector pairs a regular expression that finds candidate values inside a cell with,
where one exists, a validator from a well-kept library (``python-stdnum``,
``phonenumbers``, :mod:`ipaddress`); Privet writes no checksum of its own. The patterns
compile both in Python's :mod:`re` and in polars (the Rust ``regex`` crate): no
lookaround, no backreferences, and a case-insensitive pattern says so with a leading
``(?i)``. The whole match is the candidate value; capture groups carry no meaning.

Some values look like too many other things to count on their own (a nine-digit passport
number, a date that may or may not be a birth date, a capitalised word that may be a
name): those detectors have ``needs_context`` and count only in a column whose name gives
context (``context``) or in a cell where ``text_context`` also matches. A detector may
also have a loose form (an SSN or a phone number as bare digits, as likely an order
number), which counts only with that same context.

The six Art. 9 special-category detectors are lists of terms in English and French (with
a few Spanish and German words), kept below as module constants for a DPO to read.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from functools import cache

import phonenumbers
from stdnum import bic, iban, luhn
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.eu import vat as eu_vat
from stdnum.fr import nir
from stdnum.gb import vat as gb_vat
from stdnum.it import codicefiscale
from stdnum.us import ssn

from privet.manifest.schema import ValueType

__all__ = [
    "DETECTORS",
    "ETHNICITY_TERMS",
    "HEALTH_TERMS",
    "NAME_LIKE_TERMS",
    "NOT_NAMES",
    "POLITICS_TERMS",
    "RELIGION_TERMS",
    "SEXUAL_ORIENTATION_TERMS",
    "TRADE_UNION_TERMS",
    "Detector",
    "detector",
    "matches",
    "without_boundaries",
]


@dataclass(frozen=True)
class Detector:
    """One kind of personal data the scan recognises."""

    key: str
    """Unique name, e.g. ``payment_card``."""
    value_type: ValueType
    category: str
    """The fideslang data category a finding is classified as."""
    pattern: str
    """Finds candidate values inside text; compiles in Python ``re`` and in polars."""
    validate: Callable[[str], bool] | None
    """Checks one candidate (a whole match); None when the pattern suffices."""
    context: tuple[str, ...]
    """Lowercase words that, in a column name, say the column holds this kind of data."""
    needs_context: bool
    """A match alone is too weak: count it only with column-name or in-cell context."""
    text_context: str | None
    """Words that must appear in the same cell for a match to count without the column's
    name: for every match of a ``needs_context`` detector, for the loose form's otherwise."""
    special: bool = False
    """An Art. 9 GDPR special category."""
    loose_pattern: str | None = None
    """A looser form of the value (an SSN or a phone number as bare digits, which could as
    well be an order number): its matches count only with context, the column's name or
    ``text_context`` in the cell."""
    loose_validate: Callable[[str], bool] | None = None
    """Checks a candidate of the loose form; ``validate`` when None."""

    @property
    def ascii(self) -> bool:
        """Numbers and codes: word boundaries and digits are ASCII (`é4111…` still starts a
        card number), which keeps the regex engine on its fast path."""
        return self.key in _ASCII_KEYS

    @property
    def engine_pattern(self) -> str:
        """``pattern`` as polars runs it: the same matches as ``matches`` finds with
        ``re`` (ASCII flag for the ``ascii`` detectors), spelled for the Rust engine."""
        return self._for_engine(self.pattern)

    @property
    def engine_loose_pattern(self) -> str | None:
        return None if self.loose_pattern is None else self._for_engine(self.loose_pattern)

    def _for_engine(self, pattern: str) -> str:
        if not self.ascii:
            return pattern
        return pattern.replace(r"\b", "(?-u:\\b)").replace(r"\d", "[0-9]")

    @property
    def prefilter(self) -> str | None:
        """A cheaper pattern every cell matching ``engine_pattern`` also matches, or None
        when ``engine_pattern`` is cheap already: the pattern without its Unicode word
        boundaries, which the engine cannot run on its fast path over non-ASCII text."""
        return None if self.ascii else without_boundaries(self.pattern)

    @property
    def context_prefilter(self) -> str | None:
        """The same for ``text_context``."""
        return None if self.text_context is None else without_boundaries(self.text_context)


_BOUNDARY = re.compile(r"(?<!\\)((?:\\\\)*)\\b")


def without_boundaries(pattern: str) -> str:
    """``pattern`` with its ``\\b`` assertions taken out: it matches wherever ``pattern``
    does (and a little more), at the regex engine's full speed."""
    return _BOUNDARY.sub(r"\1", pattern)


_ASCII_KEYS = frozenset({
    "email", "phone", "ipv4", "ipv6", "payment_card", "iban", "bic", "us_ssn", "uk_nino",
    "fr_nir", "es_dni", "es_nie", "it_fiscal_code", "de_tax_id", "eu_vat", "passport",
    "gps_coordinates", "mac_address",
})


# --------------------------------------------------------------------------- helpers

_UPPER = "A-ZÀ-ÖØ-Þ"
_LETTER = "0-9A-Za-z_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
"""Letters of the Latin scripts (with Latin Extended A, B and Additional), digits and the
underscore: what ``\\w`` matches in the languages the detectors read. Spelled out, it is far
cheaper than Unicode's ``\\w`` for the regex engine (16 times on postal addresses)."""
_LOWER = "a-zß-öø-ÿ"
_QUOTES = "'\u2019"
"""The straight and the typographic apostrophe."""
_MINUTE = "['\u2032]"
_SECOND = "(?:\"|\u2033|'')"

_FOLDS = {
    "à": "[àa]", "â": "[âa]", "ä": "[äa]", "á": "[áa]", "ç": "[çc]", "é": "[ée]",
    "è": "[èe]", "ê": "[êe]", "ë": "[ëe]", "í": "[íi]", "î": "[îi]", "ï": "[ïi]",
    "ñ": "[ñn]", "ó": "[óo]", "ô": "[ôo]", "ö": "[öo]", "ú": "[úu]", "ù": "[ùu]",
    "û": "[ûu]", "ü": "[üu]", "ß": "(?:ß|ss)",
}
_GAP = rf"\s+(?:[{_LETTER}{_QUOTES}\-]+\s+){{1,3}}"
"""What ``…`` in a term stands for: one to three words."""


def _term_regex(term: str) -> str:
    """A readable term as a regex: accents optional, any spacing, ``…`` for a few words."""
    parts = []
    for piece in term.split(" … "):
        out = []
        for ch in piece:
            if ch in _FOLDS:
                out.append(_FOLDS[ch])
            elif ch == " ":
                out.append(r"\s+")
            elif ch in _QUOTES:
                out.append(f"[{_QUOTES}]")
            elif ch == "-":
                out.append(r"[\-\s]?")
            elif ch.isalnum():
                out.append(ch)
            else:
                out.append("\\" + ch)
        parts.append("".join(out))
    return _GAP.join(parts)


def _terms_pattern(terms: Iterable[str]) -> str:
    """Case-insensitive alternation of whole-word terms, the longest tried first.

    A term that is also a common name (:data:`NAME_LIKE_TERMS`) matches in lower case only.
    """
    ordered = sorted(set(terms), key=lambda t: (-len(t), t))
    alternatives = [
        f"(?-i:{_term_regex(t)})" if t in NAME_LIKE_TERMS else _term_regex(t) for t in ordered
    ]
    return r"(?i)\b(?:" + "|".join(alternatives) + r")\b"


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _words_pattern(words: Iterable[str]) -> str:
    return "|".join(_term_regex(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


# --------------------------------------------------------------------------- contact

# Bounded by RFC 5321's lengths, which also keeps Python's backtracking linear.
_EMAIL = (
    r"\b[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,8}"
    r"\.[A-Za-z]{2,63}\b"
)

_EXTENSION = r"(?: ?(?:x|ext\.? ?)\d{1,5})?"
_GROUPED_NATIONAL = (
    # without a trunk prefix: Spanish 612 34 56 78 and 612 345 678, Italian mobiles
    # 351 608 2017, 377 2264 9343 and 350 5884908
    r"[6-9]\d{2}(?:(?: \d{2}){3}|(?: \d{3}){2})|3\d{2} (?:\d{3,4} \d{3,4}|\d{6,7})"
)
_TRUNK_NATIONAL = r"0\d{1,4}(?:[ .\-]?\d{2,4}){1,4}"
_AFTER_DIGIT_GROUPS = (
    # digit groups, or an IBAN's first groups (GB61 SSLT 0987 9459 7356 95)
    r"(?:[1-9]\d{0,3}(?:[ .\-]\d{1,4})*|[A-Z]{2}\d{2}(?: [A-Z0-9]{4})*)"
    rf"[ .\-](?:{_TRUNK_NATIONAL}|{_GROUPED_NATIONAL})"
)
_PHONE = (
    # international: +33 6 12 34 56 78, +44 (0)20 7946 0958, 0049 30 1234567, +1-450-…x34
    rf"(?:\+|\b00)[1-9]\d{{0,2}}(?:[ .\-]?(?:\(\d{{1,4}}\)|\d{{1,4}})){{2,7}}{_EXTENSION}\b"
    # North American: (415) 555-2671, (415)555-2671x123, 415-555-2671, 415.555.2671
    rf"|\(\d{{3}}\) ?\d{{3}}[ .\-]\d{{4}}{_EXTENSION}\b"
    rf"|\b\d{{3}}[.\-]\d{{3}}[.\-]\d{{4}}{_EXTENSION}\b"
    # national with a trunk 0: (04813) 44159, 06 12 34 56 78, 020 7946 0958, 030 1234567
    r"|\(0\d{1,5}\) ?\d{3,8}\b"
    rf"|\b{_TRUNK_NATIONAL}\b"
    rf"|\b(?:{_GROUPED_NATIONAL})\b"
    # last: digit groups before a national number (a NIR, a tax id, an ISBN, a serial):
    # taken whole here so that their tail is not read as a phone number, and refused
    rf"|\b{_AFTER_DIGIT_GROUPS}\b"
)
_PHONE_BARE = r"\b\d{9,13}\b"
"""A phone number as bare digits (0612345678, 612345678, 4155552671): as likely an order
number, so it counts only with context."""
_PHONE_WORDS = (
    r"(?i)\b(?:tel|t[ée]l[ée]phone|phone|mobile|cell|fax|sms|whatsapp|call|reach|reached|"
    r"portable|appel(?:er|ez)?|ruf|rufen|anrufen|telefon|handy|tel[ée]fono|"
    r"m[óo]vil|ll[áa]mame|chiama|chiamami|cellulare)\b"
)
_EXTENSION_AT_END = re.compile(rf"{_EXTENSION}$")
_NORTH_AMERICAN = re.compile(r"\(?\d{3}\)?[ .\-]?\d{3}[ .\-]\d{4}")
_INSIDE_OTHER_NUMBER = re.compile(_AFTER_DIGIT_GROUPS)
_NATIONAL_FORM = re.compile(rf"{_GROUPED_NATIONAL}|{_NORTH_AMERICAN.pattern}")
_SSN_SHAPED = re.compile(r"\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4}")
_PHONE_TRUNK_REGIONS = ("FR", "GB", "DE", "IT", "BE", "NL", "AT", "CH")
_NOT_PHONE = re.compile(
    r"\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4}|\d{4}[./\-]\d{1,2}[./\-]\d{1,2}"  # a date
    r"|\d+\.\d{5,}"  # a decimal number or fractional seconds (04.620822)
)


def _valid_phone(candidate: str) -> bool:
    """A number phonenumbers accepts, read as international or in a likely region; never
    bare digits (the loose form's business) nor the tail of a longer number."""
    number = _EXTENSION_AT_END.sub("", candidate)
    if not 7 <= len(_digits(number)) <= 15 or candidate.isdigit():
        return False
    if _INSIDE_OTHER_NUMBER.fullmatch(candidate) and not _NATIONAL_FORM.fullmatch(candidate):
        return False
    if _SSN_SHAPED.fullmatch(candidate):  # 3-2-4 digits are how a US SSN is written
        return False
    if _NOT_PHONE.fullmatch(candidate):
        return False
    if candidate.startswith("(0"):
        return _phone_in(candidate.replace("(", "").replace(")", ""), _PHONE_TRUNK_REGIONS)
    return _phone_in(candidate, _phone_regions(number))


def _valid_bare_phone(candidate: str) -> bool:
    """Bare digits that read as a phone number in a likely region."""
    return _phone_in(candidate, _phone_regions(candidate))


def _phone_regions(text: str) -> tuple[str | None, ...]:
    """Where a number written ``text`` (no extension) is likely from."""
    digits = _digits(text)
    if text.startswith(("+", "00")):
        return (None,)
    if text.startswith("0"):
        return _PHONE_TRUNK_REGIONS
    if text.startswith("3"):
        return ("IT", "US")
    if len(digits) == 9 and text[0] in "6789":
        return ("ES",)
    return ("US",) if len(digits) == 10 else ()


def _phone_in(text: str, regions: tuple[str | None, ...]) -> bool:
    if text.startswith("00"):
        text = "+" + text[2:]
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


# --------------------------------------------------------------------------- network

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
# The optional prefix catches product versions (Firefox/1.9.2.20, rv:1.9.2.20) to reject them.
_IPV4 = rf"(?:rv:|[A-Za-z]/)?\b{_OCTET}(?:\.{_OCTET}){{3}}\b"
_IPV6 = r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,8}(?:(?:\.\d{1,3}){3})?"


def _valid_ipv4(candidate: str) -> bool:
    """A dotted quad that is not a product's version number."""
    if candidate[0].isalpha():
        return False
    try:
        ipaddress.IPv4Address(candidate)
    except ValueError:
        return False
    return True


def _valid_ipv6(candidate: str) -> bool:
    """An IPv6 address with at least three groups (so ``std::basic`` or ``::1`` don't count)."""
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return sum(1 for group in re.split(r"[:.]", candidate) if group) >= 3


_MAC = (
    r"(?i)\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b"
    r"|\b[0-9a-f]{2}(?:-[0-9a-f]{2}){5}\b"
    r"|\b[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}\b"
)


def _valid_mac(candidate: str) -> bool:
    """Not the all-zero or broadcast placeholder, which names no device."""
    hexes = re.sub(r"[^0-9a-fA-F]", "", candidate).lower()
    return hexes not in ("0" * 12, "f" * 12)


# --------------------------------------------------------------------------- financial

_CARD = r"\+?\b\d(?:[ \-]?\d){11,18}\b"

_CARD_ISSUERS: tuple[tuple[str, str, str, tuple[int, ...]], ...] = (
    # (issuer, first prefix, last prefix, lengths): prefixes of equal length, inclusive.
    ("Visa", "4", "4", (13, 16, 19)),
    ("Mastercard", "51", "55", (16,)),
    ("Mastercard", "2221", "2720", (16,)),
    ("American Express", "34", "34", (15,)),
    ("American Express", "37", "37", (15,)),
    ("Discover", "6011", "6011", (16, 17, 18, 19)),
    ("Discover", "644", "649", (16, 17, 18, 19)),
    ("Discover", "65", "65", (16, 17, 18, 19)),
    ("Diners Club", "300", "305", (14, 15, 16, 17, 18, 19)),
    ("Diners Club", "36", "36", (14, 15, 16, 17, 18, 19)),
    ("Diners Club", "38", "39", (14, 15, 16, 17, 18, 19)),
    ("JCB", "3528", "3589", (16, 17, 18, 19)),
    ("UnionPay", "62", "62", (16, 17, 18, 19)),
    ("UnionPay", "81", "81", (16, 17, 18, 19)),
    ("Mir", "2200", "2204", (16, 17, 18, 19)),
    ("Maestro", "50", "50", (12, 13, 14, 15, 16, 17, 18, 19)),
    ("Maestro", "56", "69", (12, 13, 14, 15, 16, 17, 18, 19)),
)
"""Issuer identification ranges (public, from the card networks' published tables)."""


def _card_issuer(number: str) -> str | None:
    """The network whose prefix and length ``number`` (digits) has, if any."""
    for issuer, first, last, lengths in _CARD_ISSUERS:
        if len(number) in lengths and first <= number[: len(first)] <= last:
            return issuer
    return None


def _valid_card(candidate: str) -> bool:
    """An issuer's prefix and length, and the Luhn checksum (stdnum)."""
    if candidate.startswith("+"):  # an international phone number, not a card
        return False
    number = _digits(candidate)
    return _card_issuer(number) is not None and luhn.is_valid(number)


_IBAN = r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"
_BIC = r"\b[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b"

_VAT_PREFIXES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "GB", "GR",
    "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI",
    "SK", "XI",
)
_VAT = (
    r"\b(?:" + "|".join(_VAT_PREFIXES) + r")[ \-]?[0-9A-Z]{1,12}(?:[ .]\d{2,4}){0,4}\b"
)


def _valid_vat(candidate: str) -> bool:
    """An EU (or UK) VAT number with a correct check (stdnum)."""
    if candidate.startswith("GB"):
        return gb_vat.is_valid(candidate)
    return eu_vat.is_valid(candidate)


# --------------------------------------------------------------------------- national ids

_US_SSN = r"\b\d{3}-\d{2}-\d{4}\b|\b\d{3} \d{2} \d{4}\b"
_UK_NINO = r"(?i)\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
_NINO_UNALLOCATED = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_FR_NIR = r"(?i)\b[1-478] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b"
_ES_DNI = r"(?i)\b\d{8}-?[A-Z]\b"
_ES_NIE = r"(?i)\b[XYZ]-?\d{7}-?[A-Z]\b"
_OMOCODE = "[0-9LMNP-V]"  # digits, or the letters that replace them in homonym codes
_IT_FISCAL_CODE = (
    rf"(?i)\b[A-Z]{{6}}{_OMOCODE}{{2}}[ABCDEHLMPRST]{_OMOCODE}{{2}}[A-Z]{_OMOCODE}{{3}}[A-Z]\b"
)
_DE_TAX_ID = r"\+?\b[1-9]\d ?\d{3} ?\d{3} ?\d{3}\b"


def _valid_ssn(candidate: str) -> bool:
    """Issued area, group and serial (stdnum; it reads dashes, not spaces)."""
    return ssn.is_valid(candidate.replace(" ", "-"))


def _valid_nino(candidate: str) -> bool:
    """HMRC's published format rules (a NINO has no check digit)."""
    return candidate[:2].upper() not in _NINO_UNALLOCATED


def _valid_de_tax_id(candidate: str) -> bool:
    return not candidate.startswith("+") and idnr.is_valid(candidate)


# --------------------------------------------------------------------------- contextual

_PASSPORT = (
    r"\b(?:[A-Z]{1,3}\d{6,8}|\d{2}[A-Z]{2}\d{5}|\d{9}"
    r"|[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8})\b"
)


def _valid_passport(candidate: str) -> bool:
    return len(_digits(candidate)) >= 4


_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("january", "jan", "janvier", "januar", "enero", "gennaio"),
        ("february", "feb", "février", "februar", "febrero", "febbraio"),
        ("march", "mar", "mars", "märz", "marzo"),
        ("april", "apr", "avril", "abril", "aprile"),
        ("may", "mai", "mayo", "maggio"),
        ("june", "jun", "juin", "juni", "junio", "giugno"),
        ("july", "jul", "juillet", "juli", "julio", "luglio"),
        ("august", "aug", "août", "agosto"),
        ("september", "sep", "sept", "septembre", "septiembre", "settembre"),
        ("october", "oct", "octobre", "oktober", "octubre", "ottobre"),
        ("november", "nov", "novembre", "noviembre"),
        ("december", "dec", "décembre", "dezember", "diciembre", "dicembre"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number
_MONTH_WORDS = _words_pattern(_MONTHS)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_YEAR = r"(?:19|20)\d{2}"
_DATE_OF_BIRTH = (
    rf"(?i)\b{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b"
    rf"|\b{_DAY}[./\-]{_DAY}[./\-]{_YEAR}\b"
    rf"|\b{_DAY}(?:st|nd|rd|th|er)?\.? (?:{_MONTH_WORDS})\.?,? {_YEAR}\b"
    rf"|\b(?:{_MONTH_WORDS})\.? {_DAY}(?:st|nd|rd|th)?,? {_YEAR}\b"
)
_FOLD_MONTH = str.maketrans("éûä", "eua")
_FOLDED_MONTHS = {name.translate(_FOLD_MONTH): number for name, number in _MONTHS.items()}
_FOLDED_MONTH = re.compile(
    r"\b(" + "|".join(sorted(_FOLDED_MONTHS, key=lambda w: (-len(w), w))) + r")\b")


def _valid_birth_date(candidate: str) -> bool:
    """A real calendar date, in the past and after 1900 (day-first or month-first)."""
    text = candidate.lower().translate(_FOLD_MONTH)
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    word = _FOLDED_MONTH.search(text)
    month_word = None if word is None else _FOLDED_MONTHS[word.group()]
    readings: list[tuple[int, int, int]] = []
    if month_word is not None and len(numbers) == 2:
        readings.append((numbers[1], month_word, numbers[0]))
    elif len(numbers) == 3 and numbers[0] > 999:
        readings.append((numbers[0], numbers[1], numbers[2]))
    elif len(numbers) == 3:
        readings += [(numbers[2], numbers[1], numbers[0]), (numbers[2], numbers[0], numbers[1])]
    today = date.today()
    for year, month, day in readings:
        try:
            when = date(year, month, day)
        except ValueError:
            continue
        if date(1900, 1, 1) <= when <= today:
            return True
    return False


_PARTICLE = r"(?:de|du|des|la|le|les|d|l|del|della|di|dei|van|von|der|den|am|an|im|y|da|dos)"
_STREET_TYPES = (
    "street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr", "boulevard",
    "blvd", "court", "ct", "close", "crescent", "terrace", "place", "pl", "square", "way",
    "rue", "av", "bd", "chemin", "allée", "impasse", "quai", "route", "cours", "passage",
    "calle", "avenida", "plaza", "paseo", "via", "viale", "piazza", "corso", "rua",
)
_STREET_WORD = r"(?i:" + _words_pattern(_STREET_TYPES) + r")"
_NAME_WORD = rf"[{_UPPER}][{_LETTER}{_QUOTES}\-]*"
_ADDRESS_WORD = rf"(?:{_NAME_WORD}|{_PARTICLE}(?:[{_QUOTES}]{_NAME_WORD})?|{_STREET_WORD})"
_POSTAL_ADDRESS = (
    # number first: 221B Baker Street, 12 bis, rue de la Paix, 825 Garrett Circles
    rf"\b\d{{1,5}}(?: ?(?:bis|ter)|[A-Za-z])?,? (?:{_NAME_WORD}|{_STREET_WORD})"
    rf"(?: {_ADDRESS_WORD}){{0,4}}\b"
    # street first: Hauptstraße 5, Kerkstraat 12, Via Ossola, 40, Paseo de Joaquín Feliu 98
    rf"|\b{_NAME_WORD}(?: {_ADDRESS_WORD}){{0,4}},? \d{{1,5}}(?:[\-/]\d{{1,4}}|[A-Za-z])?\b"
    # street type and name without a number: boulevard Dupont
    rf"|\b{_STREET_WORD} (?:{_PARTICLE}(?: |[{_QUOTES}]))*{_NAME_WORD}"
)

_GPS = (
    r"-?\b\d{1,2}\.\d{4,10}(?: ?[,;] ?| )-?\d{1,3}\.\d{4,10}\b"
    rf"|\b\d{{1,2}}° ?\d{{1,2}}{_MINUTE} ?\d{{1,2}}(?:\.\d+)?{_SECOND}? ?[NS],? ?"
    rf"\d{{1,3}}° ?\d{{1,2}}{_MINUTE} ?\d{{1,2}}(?:\.\d+)?{_SECOND}? ?[EW]\b"
)


def _valid_gps(candidate: str) -> bool:
    """Latitude within ±90 and longitude within ±180 (and not the 0,0 placeholder)."""
    if "°" in candidate:
        numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", candidate)]
        lat_d, lat_m, lat_s, lon_d, lon_m, lon_s = numbers
        return (lat_d <= 90 and lon_d <= 180 and max(lat_m, lon_m) < 60
                and max(lat_s, lon_s) < 60)
    numbers = [float(n) for n in re.findall(r"-?\d+\.\d+", candidate)]
    lat, lon = numbers
    return abs(lat) <= 90 and abs(lon) <= 180 and (lat, lon) != (0.0, 0.0)


_NAME_PART = (
    rf"[{_UPPER}](?:[{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)?|[{_QUOTES}][{_UPPER}][{_LOWER}]+)"
    rf"(?:-[{_UPPER}][{_LOWER}]+)?"
)
_PERSON_NAME = rf"\b{_NAME_PART}(?: (?:{_PARTICLE} )?{_NAME_PART}){{0,2}}\b"
NOT_NAMES = frozenset({
    "a", "about", "after", "all", "also", "and", "any", "as", "at", "best", "but", "by",
    "can", "could", "dear", "do", "for", "from", "good", "hello", "hi", "how", "i", "if",
    "in", "is", "it", "kind", "let", "many", "my", "no", "not", "of", "on", "our", "please",
    "regards", "since", "so", "sorry", "thank", "thanks", "the", "there", "this", "to",
    "we", "what", "when", "where", "which", "who", "why", "will", "with", "yes", "you",
    "your", "bonjour", "bonsoir", "cordialement", "merci", "madame", "monsieur", "le",
    "la", "les", "un", "une", "nous", "vous", "je", "il", "elle", "mais", "pour", "avec",
    "mr", "mrs", "ms", "dr", "mme", "mlle", "herr", "frau",
    "sie", "ich", "du", "er", "wir", "mein", "meine", "meinen", "unser", "unsere", "bitte",
    "danke", "hallo", "guten", "tag", "lieber", "liebe", "sehr", "geehrte", "geehrter",
    "der", "die", "das", "ein", "eine", "yo", "mi", "mis", "usted", "hola", "gracias",
    "buenos", "estimado", "estimada", "el", "los", "las", "io", "mio", "mia", "ciao",
    "grazie", "gentile", "buongiorno", "salve", "caro", "cara", "gli",
})
"""Capitalised words that start sentences or greet (English, French, German, Spanish,
Italian), never a name on their own."""


def _valid_person_name(candidate: str) -> bool:
    return any(word.lower() not in NOT_NAMES for word in candidate.split())


# --------------------------------------------------------------------------- special categories

HEALTH_TERMS: tuple[str, ...] = (
    # English
    "diabetes", "diabetic", "cancer", "tumour", "tumor", "chemotherapy", "radiotherapy",
    "HIV", "HIV-positive", "depression", "bipolar", "schizophrenia", "autism", "autistic",
    "ADHD", "epilepsy", "epileptic", "seizures", "asthma", "insulin", "pregnant",
    "pregnancy", "miscarriage", "IVF", "diagnosed with", "diagnosed as", "medical diagnosis",
    "medication", "medications", "prescription drugs", "surgery", "in hospital",
    "hospitalised", "hospitalized", "hospitalisation", "hospitalization", "sick leave",
    "sick note", "disability", "disabilities", "wheelchair", "therapy", "therapist",
    "psychiatrist", "psychiatric", "mental health", "mental illness", "illness", "disease",
    "allergy", "allergic", "dementia", "alzheimer", "alzheimer's", "parkinson",
    "parkinson's", "multiple sclerosis", "hepatitis", "tuberculosis", "heart attack",
    "anxiety disorder", "eating disorder", "anorexia", "bulimia", "hypertension",
    "blood pressure", "medical condition", "medical certificate", "medical records",
    # French
    "diabète", "diabétique", "tumeur", "chimiothérapie", "chimio", "radiothérapie", "VIH",
    "sida", "séropositif", "séropositive", "dépression", "dépressif", "dépressive",
    "bipolaire", "schizophrénie", "autisme", "TDAH", "épilepsie", "épileptique", "asthme",
    "insuline", "enceinte", "grossesse", "fausse couche", "FIV", "diagnostiqué",
    "diagnostiquée", "diagnostic médical", "médicament", "médicaments", "chirurgie",
    "hospitalisé", "hospitalisée", "à l'hôpital", "arrêt maladie", "congé maladie",
    "arrêt de travail", "handicap", "handicapé", "handicapée", "fauteuil roulant",
    "thérapie", "psychiatre", "santé mentale", "maladie", "malade", "allergie",
    "allergique", "démence", "sclérose en plaques", "hépatite", "tuberculose", "infarctus",
    "AVC", "certificat médical", "dossier médical",
    # Spanish, German
    "embarazada", "enfermedad", "baja médica", "schwanger", "Schwangerschaft",
    "krankgeschrieben", "Krankheit", "Diabetiker",
)
"""Health (GDPR Art. 9): conditions, treatments, pregnancy, disability, sick leave."""

RELIGION_TERMS: tuple[str, ...] = (
    # English
    "religion", "religious", "muslim", "muslims", "islam", "islamic", "christian",
    "christians", "christianity", "as a christian", "practising christian",
    "practicing christian", "devout christian", "i am a christian", "i'm a christian",
    "jewish", "jew", "judaism", "catholic", "catholics",
    "protestant", "evangelical", "hindu", "hinduism", "buddhist", "buddhism", "sikh",
    "atheist", "agnostic", "mosque", "churchgoer", "go to church", "goes to church",
    "attend church", "attends church", "my church", "our church", "parish", "synagogue",
    "ramadan", "eid", "kosher", "halal", "shabbat", "sabbath", "passover", "yom kippur",
    "hanukkah", "diwali", "prayer", "prayers", "bible", "quran", "koran", "torah",
    "hijab", "baptism", "baptised", "baptized", "jehovah's witness", "mormon",
    "scientologist",
    # French
    "religieux", "religieuse", "musulman", "musulmane", "musulmans", "chrétien",
    "chrétienne", "chrétiens", "juif", "juive", "juifs", "judaïsme", "catholique",
    "catholiques", "protestante", "évangélique", "hindou", "hindouiste", "bouddhiste",
    "bouddhisme", "athée", "agnostique", "mosquée", "à l'église", "à la messe", "paroisse",
    "casher", "cacher", "prière", "prières", "coran", "kippa", "baptême", "baptisé",
    "témoin de Jéhovah", "carême",
    # Spanish, German
    "musulmán", "cristiano", "judío", "católico", "católica", "Moschee", "Kirche",
    "evangelisch", "katholisch", "jüdisch",
)
"""Religious or philosophical beliefs (GDPR Art. 9)."""

ETHNICITY_TERMS: tuple[str, ...] = (
    # English
    "ethnic", "ethnicity", "ethnic origin", "racial", "racial origin", "race or ethnicity",
    "african american", "afro-caribbean", "hispanic", "latino", "latina", "asian",
    "caucasian", "gypsy", "traveller community", "aboriginal",
    "indigenous", "first nations", "native american", "mixed race", "biracial",
    "black british", "white british",
    # French
    "ethnie", "ethnique", "origine ethnique", "origine raciale", "afro-américain",
    "afro-américaine", "asiatique", "caucasien", "caucasienne", "maghrébin",
    "maghrébine", "berbère", "gitan", "gitane", "tzigane", "gens du voyage", "autochtone",
    "métis", "métisse",
    # Spanish, German
    "étnico", "étnica", "gitano", "ethnische Herkunft",
)
"""Racial or ethnic origin (GDPR Art. 9)."""

POLITICS_TERMS: tuple[str, ...] = (
    # English
    "political opinion", "political opinions", "political views", "political party",
    "party member", "party membership", "member of the … party", "socialist", "communist",
    "conservative party", "labour party", "labour member", "tory party", "tories",
    "democrat",
    "democrats", "democratic party", "republican", "republicans", "green party",
    "liberal democrats", "libertarian", "far-right", "far-left", "UKIP", "brexit party",
    "voted for", "vote labour", "vote conservative", "vote republican", "vote democrat",
    "political activist", "campaign volunteer",
    # French
    "opinion politique", "opinions politiques", "parti politique", "membre du parti",
    "adhérent du parti", "socialiste", "communiste", "républicain", "extrême droite",
    "extrême gauche", "la france insoumise", "rassemblement national", "front national",
    "les républicains", "europe écologie", "j'ai voté", "je vote", "militant politique",
    "militante politique",
    # Spanish, German
    "partido político", "PSOE", "CDU", "SPD", "AfD", "Parteimitglied",
)
"""Political opinions (GDPR Art. 9)."""

TRADE_UNION_TERMS: tuple[str, ...] = (
    # English
    "trade union", "trade unions", "labor union", "labour union", "union member",
    "union members", "union membership", "union representative", "union rep",
    "shop steward", "AFL-CIO", "Teamsters", "Unite the union", "GMB",
    # French
    "syndicat", "syndicats", "syndiqué", "syndiquée", "syndicaliste", "délégué syndical",
    "déléguée syndicale", "adhésion syndicale", "CGT", "CFDT", "CFE-CGC", "UNSA",
    "Force ouvrière",
    # Spanish, German
    "sindicato", "sindicalista", "CCOO", "UGT", "Gewerkschaft", "Gewerkschaftsmitglied",
    "IG Metall", "ver.di",
)
"""Trade union membership (GDPR Art. 9)."""

SEXUAL_ORIENTATION_TERMS: tuple[str, ...] = (
    # English
    "sexual orientation", "gay", "lesbian", "bisexual", "homosexual", "heterosexual",
    "pansexual", "asexual", "queer", "LGBT", "LGBTQ", "LGBTQ+", "LGBTQIA", "transgender",
    "trans woman", "trans man", "non-binary", "coming out", "came out as",
    "same-sex partner", "same-sex marriage", "pride march",
    # French
    "orientation sexuelle", "lesbienne", "bisexuel", "bisexuelle", "homosexuel",
    "homosexuelle", "hétérosexuel", "hétérosexuelle", "transgenre", "non-binaire",
    "marche des fiertés",
    # Spanish, German
    "orientación sexual", "lesbiana", "schwul", "lesbisch",
)
"""Sex life or sexual orientation (GDPR Art. 9)."""

NAME_LIKE_TERMS: frozenset[str] = frozenset({
    "gay", "christian", "chrétien", "parish", "parkinson", "alzheimer", "islam",
})
"""Terms that are also first names or surnames (Christian, Gay, Parkinson): the detectors
match them in lower case only, as prose writes them (French writes beliefs in lower case);
phrases such as "as a Christian" or "Parkinson's" still match in any case."""


# --------------------------------------------------------------------------- the detectors

_NATIONAL_ID = "user.government_id.national_identification_number"


def _national(key: str, pattern: str, validate: Callable[[str], bool],
              context: tuple[str, ...]) -> Detector:
    return Detector(key, ValueType.national_id, _NATIONAL_ID, pattern, validate, context,
                    needs_context=False, text_context=None)


def _special(key: str, category: str, terms: tuple[str, ...],
             context: tuple[str, ...]) -> Detector:
    return Detector(key, ValueType.special_category, category, _terms_pattern(terms), None,
                    context, needs_context=False, text_context=None, special=True)


DETECTORS: tuple[Detector, ...] = (
    Detector("email", ValueType.email, "user.contact.email", _EMAIL, None,
             ("email", "mail", "courriel", "emails"),
             needs_context=False, text_context=None),
    Detector("phone", ValueType.phone, "user.contact.phone_number", _PHONE, _valid_phone,
             ("phone", "tel", "telephone", "mobile", "cell", "fax", "gsm", "portable",
              "telefono", "telefon", "handy", "msisdn"),
             needs_context=False, text_context=_PHONE_WORDS, loose_pattern=_PHONE_BARE,
             loose_validate=_valid_bare_phone),
    Detector("ipv4", ValueType.ip_address, "user.device.ip_address", _IPV4, _valid_ipv4,
             ("ip", "ipv4", "ipaddr", "ipaddress"), needs_context=False, text_context=None),
    Detector("ipv6", ValueType.ip_address, "user.device.ip_address", _IPV6, _valid_ipv6,
             ("ip", "ipv6", "ipaddr", "ipaddress"), needs_context=False, text_context=None),
    Detector("payment_card", ValueType.payment_card, "user.financial.credit_card", _CARD,
             _valid_card, ("card", "cc", "pan", "credit", "carte", "tarjeta", "kreditkarte"),
             needs_context=False, text_context=None),
    Detector("iban", ValueType.iban, "user.financial.bank_account", _IBAN, iban.is_valid,
             ("iban", "bank", "rib", "bankaccount"), needs_context=False, text_context=None),
    # Eight capital letters pass as a BIC too often (CUSTOMER: CUST-OM-ER is well formed).
    Detector("bic", ValueType.bic, "user.financial.bank_account", _BIC, bic.is_valid,
             ("bic", "swift"), needs_context=True,
             text_context=r"(?i)\b(?:bic|swift|iban)\b"),
    replace(_national("us_ssn", _US_SSN, _valid_ssn, ("ssn", "social")),
            text_context=r"(?i)\b(?:ssn|social\s+security|w-2)\b", loose_pattern=r"\b\d{9}\b"),
    _national("uk_nino", _UK_NINO, _valid_nino, ("nino", "ni", "nin", "insurance")),
    _national("fr_nir", _FR_NIR, nir.is_valid, ("nir", "secu", "securite", "insee")),
    _national("es_dni", _ES_DNI, dni.is_valid, ("dni", "nif", "documento")),
    _national("es_nie", _ES_NIE, nie.is_valid, ("nie", "nif")),
    _national("it_fiscal_code", _IT_FISCAL_CODE, codicefiscale.is_valid,
              ("codice", "fiscale", "cf", "codicefiscale")),
    _national("de_tax_id", _DE_TAX_ID, _valid_de_tax_id,
              ("steuerid", "idnr", "steuer", "tax", "taxid", "tin")),
    # A VAT number identifies the subject's business (a sole trader's is personal data).
    Detector("eu_vat", ValueType.vat_number, "user.contact.organization", _VAT, _valid_vat,
             ("vat", "tva", "btw", "ust", "iva", "mwst", "ustid", "vatin"),
             needs_context=False, text_context=None),
    Detector("passport", ValueType.passport, "user.government_id.passport_number", _PASSPORT,
             _valid_passport,
             ("passport", "passeport", "pasaporte", "reisepass", "passaporto"),
             needs_context=True,
             text_context=r"(?i)\b(?:passport|passeport|pasaporte|reisepass|passaporto)\b"),
    Detector("date_of_birth", ValueType.date_of_birth, "user.demographic.date_of_birth",
             _DATE_OF_BIRTH, _valid_birth_date,
             ("birth", "dob", "birthday", "birthdate", "born", "naissance", "geburtsdatum",
              "geburtstag", "nacimiento"),
             needs_context=True,
             text_context=(r"(?i)\b(?:born|birth|birthday|dob|d\.o\.b|" + _term_regex("né")
                           + "|" + _term_regex("née")
                           + r"|naissance|nacimiento|nacido|nacida|geboren|geburtsdatum)\b")),
    Detector("postal_address", ValueType.postal_address, "user.contact.address",
             _POSTAL_ADDRESS, None,
             ("address", "addr", "street", "adresse", "rue", "strasse", "calle",
              "indirizzo", "direccion", "domicile", "residence"),
             needs_context=True,
             text_context=r"(?i)\b(?:" + _words_pattern((
                 "address", "adresse", "dirección", "indirizzo", "anschrift", "domicile",
                 "domicilio", "live at", "lives at", "living at", "moved to", "ship to",
                 "deliver to", "delivery to", "j'habite", "habite au", "postcode",
                 "zip code", "code postal", "street", "avenue", "boulevard", "rue",
                 "chemin", "impasse", "allée", "straße", "calle", "avenida", "piazza",
                 "viale")) + r")\b"),
    Detector("gps_coordinates", ValueType.gps_coordinates, "user.location.precise", _GPS,
             _valid_gps,
             ("lat", "lng", "lon", "latitude", "longitude", "gps", "coordinates", "coords",
              "geo", "geolocation", "location"),
             needs_context=False, text_context=None),
    Detector("mac_address", ValueType.mac_address, "user.device.device_id", _MAC, _valid_mac,
             ("mac", "macaddress", "hwaddr", "bssid"), needs_context=False, text_context=None),
    Detector("person_name", ValueType.person_name, "user.name", _PERSON_NAME,
             _valid_person_name,
             ("name", "names", "surname", "firstname", "lastname", "fullname", "forename",
              "nom", "prenom", "nombre", "apellido", "vorname", "nachname",
              "cognome", "nome"),
             needs_context=True,
             text_context=(rf"(?i)\b(?:my name is|name is|je m[{_QUOTES}]appelle|je suis|me llamo|"
                           r"ich hei(?:ß|ss)e|mi chiamo|mr|mrs|ms|mx|dr|mme|mlle|monsieur|"
                           r"madame|herr|frau|" + _term_regex("señor") + "|"
                           + _term_regex("señora") + r"|signor|signora)\b|\bM\. ")),
    _special("health", "user.health_and_medical", HEALTH_TERMS,
             ("health", "medical", "diagnosis", "condition", "allergy", "allergies",
              "disability", "medication", "sante", "maladie", "handicap")),
    _special("religion", "user.demographic.religious_belief", RELIGION_TERMS,
             ("religion", "religious", "faith", "belief", "beliefs", "confession", "culte")),
    _special("ethnicity", "user.demographic.race_ethnicity", ETHNICITY_TERMS,
             ("ethnicity", "ethnic", "race", "ethnie", "ethnique")),
    _special("politics", "user.demographic.political_opinion", POLITICS_TERMS,
             ("political", "politics", "party", "politique", "parti", "vote")),
    _special("trade_union", "user.demographic.trade_union_membership", TRADE_UNION_TERMS,
             ("union", "syndicat", "syndical", "gewerkschaft", "sindicato")),
    _special("sexual_orientation", "user.demographic.sexual_orientation",
             SEXUAL_ORIENTATION_TERMS,
             ("orientation", "sexuality", "sexual", "sexualite", "lgbt")),
)
"""Every detector, in a stable order."""

_BY_KEY = {d.key: d for d in DETECTORS}


def detector(key: str) -> Detector:
    """The detector named ``key``; a ValueError names the known keys otherwise."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise ValueError(
            f"unknown detector {key!r}; known detectors: {', '.join(_BY_KEY)}"
        ) from None


@cache
def _compiled(pattern: str, ascii: bool) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII if ascii else 0)


def matches(detector: Detector, text: str, *, loose: bool = False) -> list[str]:
    """The validated candidates in ``text`` (pure Python, with ``re``); of the loose form
    with ``loose``.

    What the scanner's vectorised pass must agree with: every whole match of the pattern,
    in order, that the validator (if any) accepts. Context is the scanner's business.
    """
    pattern, validate = detector.pattern, detector.validate
    if loose:
        if detector.loose_pattern is None:
            return []
        pattern, validate = detector.loose_pattern, detector.loose_validate or validate
    found = (m.group() for m in _compiled(pattern, detector.ascii).finditer(text))
    if validate is None:
        return list(found)
    return [value for value in found if validate(value)]
