"""The personal-data detectors: what each one finds, and what it must not mistake for it."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.fr import nir

from privet.demo import database as demo
from privet.discovery.detectors import (
    DETECTORS,
    NAME_LIKE_TERMS,
    Detector,
    detector,
    matches,
    without_boundaries,
)
from privet.discovery.scanner import scan_values
from privet.manifest.schema import ValueType
from privet.manifest.taxonomy import Taxonomy, is_special

# (detector key, text, the value it must find)
POSITIVES: list[tuple[str, str, str]] = [
    ("email", "Write to jane.doe+crm@example.co.uk today.", "jane.doe+crm@example.co.uk"),
    ("email", "contact: j@x.fr.", "j@x.fr"),
    ("email", "billing.12@acme-ltd.com", "billing.12@acme-ltd.com"),
    ("phone", "Call me on +33 6 12 34 56 78 tomorrow.", "+33 6 12 34 56 78"),
    ("phone", "+33612345678", "+33612345678"),
    ("phone", "mobile 06 12 34 56 78", "06 12 34 56 78"),
    ("phone", "+44 (0)20 7946 0958", "+44 (0)20 7946 0958"),
    ("phone", "office: 020 7946 0958", "020 7946 0958"),
    ("phone", "(415) 555-2671", "(415) 555-2671"),
    ("phone", "415-555-2671", "415-555-2671"),
    ("phone", "+1 415-555-2671", "+1 415-555-2671"),
    ("phone", "0049 30 1234567", "0049 30 1234567"),
    ("phone", "Tel. 030 1234567", "030 1234567"),
    ("phone", "llámame al 612 34 56 78", "612 34 56 78"),
    ("phone", "móvil 612 345 678", "612 345 678"),
    ("phone", "415.555.0123", "415.555.0123"),  # a North American number ending in 0…
    ("phone", "+39 312 345 6789", "+39 312 345 6789"),
    ("phone", "+32 470 12 34 56", "+32 470 12 34 56"),
    ("phone", "Rufen Sie (04813) 44159 an", "(04813) 44159"),            # a German area code
    ("phone", "+1-450-721-8017x3489", "+1-450-721-8017x3489"),           # with an extension
    ("phone", "(734)213-0174x4556", "(734)213-0174x4556"),
    ("phone", "+1 507-869-2438 ext. 44367", "+1 507-869-2438 ext. 44367"),
    ("phone", "Chiamami al 351 608 2017", "351 608 2017"),               # Italian mobiles
    ("phone", "377 2264 9343", "377 2264 9343"),
    ("phone", "Mi teléfono es 920 35 72 01.", "920 35 72 01"),           # a 0 in a group
    ("phone", "Bologna 051 966 2889", "051 966 2889"),                   # 3-3-4 with a trunk 0
    ("ipv4", "login from 192.168.1.10 at noon", "192.168.1.10"),
    ("ipv4", "8.8.8.8", "8.8.8.8"),
    ("ipv4", "http://10.0.0.1/admin", "10.0.0.1"),
    ("ipv6", "from 2001:db8:85a3::8a2e:370:7334 yesterday", "2001:db8:85a3::8a2e:370:7334"),
    ("ipv6", "2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:0db8:0000:0000:0000:ff00:0042:8329"),
    ("ipv6", "::ffff:192.0.2.1", "::ffff:192.0.2.1"),
    ("payment_card", "charge my card 4111 1111 1111 1111, exp 09/27", "4111 1111 1111 1111"),
    ("payment_card", "5555-5555-5555-4444", "5555-5555-5555-4444"),
    ("payment_card", "amex 3782 822463 10005", "3782 822463 10005"),
    ("payment_card", "6011111111111117", "6011111111111117"),
    ("payment_card", "JCB 3530111333300000", "3530111333300000"),
    ("payment_card", "diners 30569309025904", "30569309025904"),
    ("iban", "IBAN GB82WEST12345698765432", "GB82WEST12345698765432"),
    ("iban", "IBAN: FR14 2004 1010 0505 0001 3M02 606.", "FR14 2004 1010 0505 0001 3M02 606"),
    ("iban", "DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00"),
    ("iban", "pay to BE71 0961 2345 6769 please", "BE71 0961 2345 6769"),
    ("iban", "NL91ABNA0417164300", "NL91ABNA0417164300"),
    ("iban", "IT60 X054 2811 1010 0000 0123 456", "IT60 X054 2811 1010 0000 0123 456"),
    ("bic", "BIC: DEUTDEFF", "DEUTDEFF"),
    ("bic", "SWIFT BNPAFRPPXXX", "BNPAFRPPXXX"),
    ("us_ssn", "SSN 536-90-4399", "536-90-4399"),
    ("us_ssn", "536 90 4399", "536 90 4399"),
    ("uk_nino", "NI number AB123456C", "AB123456C"),
    ("uk_nino", "AB 12 34 56 C", "AB 12 34 56 C"),
    ("uk_nino", "ce123456d", "ce123456d"),
    ("fr_nir", "n° de sécu 2 95 10 99 126 111 93", "2 95 10 99 126 111 93"),
    ("fr_nir", "185057800608491", "185057800608491"),
    ("fr_nir", "1 80 01 2A 004 123 43", "1 80 01 2A 004 123 43"),
    ("es_dni", "DNI 12345678Z", "12345678Z"),
    ("es_dni", "12345678-Z", "12345678-Z"),
    ("es_nie", "NIE X1234567L", "X1234567L"),
    ("es_nie", "Y-1234567-X", "Y-1234567-X"),
    ("it_fiscal_code", "codice fiscale RSSMRA85T10A562S", "RSSMRA85T10A562S"),
    ("de_tax_id", "Steuer-IdNr 36574261809", "36574261809"),
    ("de_tax_id", "36 574 261 809", "36 574 261 809"),
    ("eu_vat", "VAT FR40303265045", "FR40303265045"),
    ("eu_vat", "USt-IdNr. DE136695976", "DE136695976"),
    ("eu_vat", "TVA FR 40 303 265 045", "FR 40 303 265 045"),
    ("eu_vat", "NL004495445B01", "NL004495445B01"),
    ("eu_vat", "ATU13585627", "ATU13585627"),
    ("eu_vat", "ESB58378431", "ESB58378431"),
    ("eu_vat", "BE0403170701", "BE0403170701"),
    ("eu_vat", "EL094259216", "EL094259216"),
    ("eu_vat", "GB980780684", "GB980780684"),
    ("passport", "Passport no. 12AB34567", "12AB34567"),
    ("passport", "Reisepass C01X00T47", "C01X00T47"),
    ("passport", "pasaporte AAA123456", "AAA123456"),
    ("passport", "passport 123456789", "123456789"),
    ("date_of_birth", "born 1985-03-12", "1985-03-12"),
    ("date_of_birth", "née le 12/03/1985", "12/03/1985"),
    ("date_of_birth", "DOB: 03/31/1985", "03/31/1985"),
    ("date_of_birth", "Date of birth: 12 March 1985", "12 March 1985"),
    ("date_of_birth", "born on March 12, 1985", "March 12, 1985"),
    ("date_of_birth", "né le 1er janvier 1990", "1er janvier 1990"),
    ("date_of_birth", "date de naissance : 12 août 1985", "12 août 1985"),
    ("date_of_birth", "Geburtsdatum 15.08.1972", "15.08.1972"),
    ("postal_address", "My address is 221B Baker Street, London", "221B Baker Street"),
    ("postal_address", "J'habite au 12 bis, rue de la Paix", "12 bis, rue de la Paix"),
    ("postal_address", "682, avenue de Toussaint, 75001 Paris", "682, avenue de Toussaint"),
    ("postal_address", "boulevard Dupont", "boulevard Dupont"),
    ("postal_address", "Anschrift: Hauptstraße 5, 10115 Berlin", "Hauptstraße 5"),
    ("postal_address", "Kurt-Zahn-Gasse 8/7", "Kurt-Zahn-Gasse 8/7"),
    ("postal_address", "Kerkstraat 12", "Kerkstraat 12"),
    ("postal_address", "Via Ossola, 40 Piano 6", "Via Ossola, 40"),
    ("postal_address", "Paseo de Joaquín Feliu 98", "Paseo de Joaquín Feliu 98"),
    ("postal_address", "825 Garrett Circles", "825 Garrett Circles"),
    ("gps_coordinates", "meet at 48.8584, 2.2945", "48.8584, 2.2945"),
    ("gps_coordinates", "-33.8688,151.2093", "-33.8688,151.2093"),
    ("gps_coordinates", "48°51'29.6\"N 2°17'40.2\"E", "48°51'29.6\"N 2°17'40.2\"E"),
    ("mac_address", "device 00:1A:2B:3C:4D:5E joined", "00:1A:2B:3C:4D:5E"),
    ("mac_address", "00-1a-2b-3c-4d-5e", "00-1a-2b-3c-4d-5e"),
    ("mac_address", "001a.2b3c.4d5e", "001a.2b3c.4d5e"),
    ("person_name", "Jean-Pierre Dupont", "Jean-Pierre Dupont"),
    ("person_name", "Mary O'Brien", "Mary O'Brien"),
    ("person_name", "Ronald McDonald", "Ronald McDonald"),
    ("person_name", "Ludwig van Beethoven", "Ludwig van Beethoven"),
    ("person_name", "Hello, my name is Ada Lovelace.", "Ada Lovelace"),
    ("person_name", "Émilie Lefèvre", "Émilie Lefèvre"),
    ("health", "I was in hospital with diabetes complications", "diabetes"),
    ("health", "j'ai un diabète de type 1", "diabète"),
    ("health", "diabete sans accent", "diabete"),
    ("health", "Je suis enceinte de trois mois", "enceinte"),
    ("health", "she is HIV-positive", "HIV-positive"),
    ("health", "en arrêt maladie jusqu'au 12", "arrêt maladie"),
    ("health", "diagnosed with epilepsy", "epilepsy"),
    ("health", "early Parkinson's disease", "Parkinson's"),
    ("health", "Chimiothérapie terminée", "Chimiothérapie"),
    ("religion", "I am Jewish and keep Shabbat", "Jewish"),
    ("religion", "musulmane pratiquante", "musulmane"),
    ("religion", "je suis chrétien", "chrétien"),
    ("religion", "As a Christian I rest on Sunday", "As a Christian"),
    ("religion", "je vais à la mosquée le vendredi", "mosquée"),
    ("religion", "we only eat kosher food", "kosher"),
    ("ethnicity", "ethnic origin: Hispanic", "Hispanic"),
    ("ethnicity", "origine ethnique déclarée", "origine ethnique"),
    ("ethnicity", "issue de la communauté des gens du voyage", "gens du voyage"),
    ("politics", "I am a member of the Green party", "member of the Green party"),
    ("politics", "membre du parti socialiste", "membre du parti"),
    ("politics", "I voted for them", "voted for"),
    ("politics", "militante politique depuis 2010", "militante politique"),
    ("trade_union", "I am a union member", "union member"),
    ("trade_union", "délégué syndical CGT", "CGT"),
    ("trade_union", "je suis syndiquée", "syndiquée"),
    ("trade_union", "shop steward at the plant", "shop steward"),
    ("sexual_orientation", "I am gay", "gay"),
    ("sexual_orientation", "our LGBTQ+ network", "LGBTQ"),
    ("sexual_orientation", "elle est lesbienne", "lesbienne"),
    ("sexual_orientation", "non binary", "non binary"),
    ("sexual_orientation", "mon orientation sexuelle", "orientation sexuelle"),
]

# (detector key, text): nothing must be found
NEGATIVES: list[tuple[str, str]] = [
    ("email", "foo@bar and @home"),
    ("email", "user at example dot com"),
    ("phone", "random id 123456789"),
    ("phone", "order 2024-01-15"),
    ("phone", "due 01.02.2024"),
    ("phone", "Gecko/2067-10-15 11:39:04.620822 Firefox/3.8"),
    ("phone", "4111 1111 1111 1111"),
    ("phone", "invoice 10023"),
    ("phone", "NIR 1 75 04 85 191 870 54"),        # its tail is not a French number
    ("phone", "ssn 060-48-3061"),                   # written as a US SSN
    ("phone", "ISBN 978-3-16-0484100"),             # digit groups before a trunk 0
    ("phone", "Steuer-ID 55 631 704 281"),          # digit groups before a Spanish form
    ("phone", "IBAN GB61 SSLT 0987 9459 7356 95"),  # an IBAN's groups before a trunk 0
    ("phone", "ssn 099 50 5598"),                   # an SSN written with spaces
    ("phone", "0612345678"),                        # bare digits: the loose form's, in context
    ("ipv4", "256.1.1.1"),
    ("ipv4", "version 1.2.3"),
    ("ipv4", "Mozilla/5.0 (X11; rv:1.9.2.20) Gecko Firefox/3.6.4.12"),
    ("ipv6", "std::basic_string"),
    ("ipv6", "at 10:30:00"),
    ("ipv6", "00:1a:2b:3c:4d:5e"),
    ("ipv6", "eb9f:ece6:1402:2ea5:9369:e9a1:b18d:984b:c83c"),  # nine groups
    ("payment_card", "order 4111 1111 1111 1112"),
    ("payment_card", "+447911123456"),
    ("payment_card", "tracking 1234 5678 9012 3452"),  # Luhn-valid, no issuer
    ("payment_card", "3782 8224 6310 0050"),  # Amex prefix, 16 digits, Luhn-valid
    ("iban", "GB82WEST12345698765433"),
    ("iban", "XX82WEST12345698765432"),
    ("iban", "DE89 3704 0044 0532 0130 01"),
    ("iban", "BE68 5390 0754 7034"),  # right IBAN check digits, wrong Belgian account key
    ("bic", "DEUTDEFFX"),
    ("bic", "ABCD12FF"),
    ("us_ssn", "000-12-3456"),
    ("us_ssn", "666-12-3456"),
    ("us_ssn", "900-12-3456"),
    ("us_ssn", "536-00-4399"),
    ("us_ssn", "536-90-0000"),
    ("us_ssn", "078-05-1120"),
    ("us_ssn", "536904399"),
    ("uk_nino", "QQ123456C"),
    ("uk_nino", "GB123456A"),
    ("uk_nino", "AB123456E"),
    ("uk_nino", "DA123456A"),
    ("fr_nir", "2 95 10 99 126 111 94"),
    ("fr_nir", "295109912611190"),
    ("es_dni", "12345678A"),
    ("es_nie", "X1234567A"),
    ("it_fiscal_code", "RSSMRA85T10A562T"),
    ("de_tax_id", "36574261808"),
    ("de_tax_id", "+36574261809"),
    ("de_tax_id", "12345678901"),
    ("eu_vat", "FR40303265046"),
    ("eu_vat", "DE136695977"),
    ("eu_vat", "DEFAULT SETTINGS"),
    ("passport", "the passport expired"),
    ("passport", "ABCDEFGHI"),
    ("date_of_birth", "31/02/1985"),
    ("date_of_birth", "2090-01-01"),
    ("date_of_birth", "1985-13-01"),
    ("date_of_birth", "32 March 1985"),
    ("postal_address", "We tried the upgrade twice and it stops."),
    ("gps_coordinates", "100.1234, 2.2345"),
    ("gps_coordinates", "48.8584, 200.2945"),
    ("gps_coordinates", "total 12.50, 3.99"),
    ("gps_coordinates", "0.0000, 0.0000"),
    ("mac_address", "00:00:00:00:00:00"),
    ("mac_address", "ff:ff:ff:ff:ff:ff"),
    ("mac_address", "12:30:45"),
    ("mac_address", "00:1a:2b:3c:4d"),
    ("person_name", "Hello"),
    ("person_name", "Thank you"),
    ("person_name", "lower case words only"),
    ("health", "I bought hearing aids for the office"),
    ("health", "please run the diagnostic again"),
    ("health", "the account is disabled"),
    ("health", "Parkinson Road"),
    ("religion", "rue de l'Église"),
    ("religion", "Christian Dupont"),
    ("religion", "Jean Chrétien"),
    ("ethnicity", "United Arab Emirates"),
    ("politics", "a conservative estimate"),
    ("politics", "the Dominican Republic"),
    ("trade_union", "the European Union"),
    ("trade_union", "all members of the team"),
    ("sexual_orientation", "Marie Gay"),
    ("sexual_orientation", "a straight line"),
]

KEYS = (
    "email", "phone", "ipv4", "ipv6", "payment_card", "iban", "bic", "us_ssn", "uk_nino",
    "fr_nir", "es_dni", "es_nie", "it_fiscal_code", "de_tax_id", "eu_vat", "passport",
    "date_of_birth", "postal_address", "gps_coordinates", "mac_address", "person_name",
    "health", "religion", "ethnicity", "politics", "trade_union", "sexual_orientation",
)
SPECIAL_KEYS = ("health", "religion", "ethnicity", "politics", "trade_union",
                "sexual_orientation")


def re_candidates(d: Detector, text: str) -> list[str]:
    flags = re.ASCII if d.ascii else 0
    return [m.group() for m in re.finditer(d.pattern, text, flags)]


def polars_candidates(d: Detector, texts: list[str]) -> list[list[str]]:
    return [list(v or []) for v in
            pl.Series(texts).str.extract_all(d.engine_pattern).to_list()]


# --------------------------------------------------------------------------- catalogue


def test_every_kind_of_personal_data_asked_for_has_a_detector() -> None:
    assert tuple(d.key for d in DETECTORS) == KEYS
    assert {d.value_type for d in DETECTORS} == set(ValueType)


def test_every_detector_files_its_findings_under_a_known_category() -> None:
    taxonomy = Taxonomy.build()
    for d in DETECTORS:
        assert taxonomy.knows("data_category", d.category), d.key
        assert is_special(d.category) == d.special, d.key
    assert {d.key for d in DETECTORS if d.special} == set(SPECIAL_KEYS)
    assert all(d.value_type is ValueType.special_category for d in DETECTORS if d.special)
    national = {"us_ssn", "uk_nino", "fr_nir", "es_dni", "es_nie", "it_fiscal_code",
                "de_tax_id"}
    assert {d.key for d in DETECTORS if d.value_type is ValueType.national_id} == national


def test_weak_detectors_need_context_and_say_which() -> None:
    weak = {d.key for d in DETECTORS if d.needs_context}
    assert weak == {"bic", "passport", "date_of_birth", "postal_address", "person_name"}
    for d in DETECTORS:
        assert (d.text_context is not None) == (d.needs_context
                                                or d.loose_pattern is not None), d.key
        assert d.context, d.key
        assert all(w == w.lower() and w.isascii() for w in d.context), d.key


def test_detector_lookup_names_the_known_keys_when_it_fails() -> None:
    assert detector("iban").key == "iban"
    with pytest.raises(ValueError, match="known detectors: email, phone"):
        detector("ibann")


@pytest.mark.parametrize("d", DETECTORS, ids=lambda d: d.key)
def test_every_pattern_runs_in_python_and_in_polars(d: Detector) -> None:
    re.compile(d.pattern, re.ASCII if d.ascii else 0)
    if d.text_context is not None:
        re.compile(d.text_context)
    series = pl.Series(["x", "", None])
    for pattern in (d.engine_pattern, d.text_context):
        if pattern is not None:
            series.str.contains(pattern)
            series.str.extract_all(pattern)


# --------------------------------------------------------------------------- positives, negatives


@pytest.mark.parametrize(("key", "text", "value"), POSITIVES)
def test_finds(key: str, text: str, value: str) -> None:
    assert value in matches(detector(key), text)


@pytest.mark.parametrize(("key", "text"), NEGATIVES)
def test_does_not_mistake(key: str, text: str) -> None:
    assert matches(detector(key), text) == []


def test_polars_extracts_the_same_candidates_as_python() -> None:
    texts = [t for _, t, _ in POSITIVES] + [t for _, t in NEGATIVES]
    texts.append(" ".join(texts))  # one long cell holding everything
    for d in DETECTORS:
        assert polars_candidates(d, texts) == [re_candidates(d, t) for t in texts], d.key


def test_a_screen_drops_word_boundaries_but_not_an_escaped_backslash_and_b() -> None:
    assert without_boundaries(r"(?i)\bcat\\b\\\b") == r"(?i)cat\\b\\"


def test_the_cheap_screens_pass_every_cell_the_exact_patterns_match() -> None:
    texts = pl.Series([t for _, t, _ in POSITIVES] + [t for _, t in NEGATIVES]
                      + ["été 2021-03-04", "Élodie Müller, 12 rue de l'Église"])
    screened = [d for d in DETECTORS if d.prefilter is not None]
    assert {"date_of_birth", "postal_address", "person_name", "health"} <= {
        d.key for d in screened}
    for d in screened:
        exact = texts.str.contains(d.engine_pattern)
        assert exact.any(), d.key
        assert not (exact & ~texts.str.contains(d.prefilter or "")).any(), d.key
        if d.text_context is not None:
            context = texts.str.contains(d.text_context)
            assert not (context & ~texts.str.contains(d.context_prefilter or "")).any()


@given(body=st.text(alphabet="0123456789", min_size=14, max_size=14),
       separator=st.sampled_from(["", " ", "-"]))
def test_any_luhn_valid_visa_number_is_found_and_a_typo_is_not(body: str,
                                                               separator: str) -> None:
    number = "4" + body
    number += luhn.calc_check_digit(number)
    typo = number[:-1] + str((int(number[-1]) + 1) % 10)
    for digits, expected in ((number, True), (typo, False)):
        card = separator.join(digits[i:i + 4] for i in range(0, 16, 4))
        found = matches(detector("payment_card"), f"card {card}, thanks")
        assert (found == [card]) is expected


def test_card_lengths_from_twelve_to_nineteen_are_found() -> None:
    for prefix, length in (("5018", 12), ("4", 13), ("30", 14), ("37", 15), ("62", 17),
                           ("6011", 18), ("4", 19)):
        number = prefix + "1" * (length - len(prefix) - 1)
        number += luhn.calc_check_digit(number)
        assert matches(detector("payment_card"), number) == [number], (prefix, length)


@given(sex=st.sampled_from("12"), year=st.integers(0, 99), month=st.integers(1, 12),
       place=st.integers(1, 95_999), order=st.integers(1, 999))
def test_any_nir_with_its_key_is_found_and_a_wrong_key_is_not(
    sex: str, year: int, month: int, place: int, order: int
) -> None:
    body = f"{sex}{year:02d}{month:02d}{place:05d}{order:03d}"
    key = nir.calc_check_digits(body)
    wrong = f"{(int(key) % 97) + 1:02d}"
    assert matches(detector("fr_nir"), f"NIR {body}{key}") == [body + key]
    assert matches(detector("fr_nir"), f"NIR {body}{wrong}") == []


# --------------------------------------------------------------------------- context


def cell_counts(d: Detector, text: str) -> bool:
    """What the scanner counts for a free-text cell in a column without a context name."""
    if not matches(d, text):
        return False
    return not d.needs_context or (
        d.text_context is not None and re.search(d.text_context, text) is not None
    )


@pytest.mark.parametrize(("key", "text", "value"), [
    ("phone", "0612345678", "0612345678"),       # French, trunk 0
    ("phone", "612345678", "612345678"),         # Spanish
    ("phone", "3505884908", "3505884908"),       # Italian mobile
    ("phone", "4155552671", "4155552671"),       # North American
    ("phone", "0033612345678", "0033612345678"),
    ("us_ssn", "536904399", "536904399"),
])
def test_loose_forms_find_bare_digits(key: str, text: str, value: str) -> None:
    assert matches(detector(key), text, loose=True) == [value]
    assert matches(detector(key), text) == []


@pytest.mark.parametrize(("key", "text"), [
    ("phone", "123456789"),           # no region reads it
    ("us_ssn", "000123456"),          # area 000 is never issued
    ("us_ssn", "12345678901"),        # eleven digits
])
def test_loose_forms_still_validate(key: str, text: str) -> None:
    assert matches(detector(key), text, loose=True) == []


@pytest.mark.parametrize(("column", "values", "expected"), [
    ("phone", ["0612345678", "3505884908"], 2),               # the column's name says so
    ("order_number", ["0612345678", "3505884908"], 0),        # it does not
    ("notes", ["Tel. 0612345678, after six", "Chiamami al 3505884908 stasera"], 2),
    ("notes", ["Order 0612345678 shipped on time", "Ticket 3505884908 closed today"], 0),
])
def test_bare_phone_numbers_count_only_with_context(column: str, values: list[str],
                                                    expected: int) -> None:
    found = {t.detector: t.rows for t in scan_values(values, column=column).found}
    assert found.get("phone", 0) == expected


@pytest.mark.parametrize(("column", "values", "expected"), [
    ("ssn", ["536904399", "536-90-4399"], 2),
    ("reference", ["536904399"], 0),
    ("notes", ["My SSN is 536904399, please verify.", "Reference 536904399 was shipped."], 1),
])
def test_bare_ssns_count_only_with_context(column: str, values: list[str],
                                           expected: int) -> None:
    found = {t.detector: t.rows for t in scan_values(values, column=column).found}
    assert found.get("us_ssn", 0) == expected


@pytest.mark.parametrize(("key", "text", "counts"), [
    ("date_of_birth", "née le 12/03/1985 à Lyon", True),
    ("date_of_birth", "Date of birth: 1985-03-12", True),
    ("date_of_birth", "Invoice date 12/03/2023", False),
    ("date_of_birth", "created 2023-05-04 12:30:45", False),
    ("passport", "Passeport n° 12AB34567", True),
    ("passport", "Order 123456789 shipped", False),
    ("postal_address", "My address is 221B Baker Street", True),
    ("postal_address", "We run Windows 10 on 3 Macs", False),
    ("person_name", "Hello, my name is Ada Lovelace.", True),
    ("person_name", "Bonjour, je m'appelle Émilie Lefèvre", True),
    ("person_name", "Best regards and thanks in advance.", False),
    ("bic", "BIC/SWIFT: DEUTDEFF", True),
    ("bic", "CUSTOMER SERVICE", False),
])
def test_weak_matches_count_only_with_context_in_the_same_cell(key: str, text: str,
                                                              counts: bool) -> None:
    assert cell_counts(detector(key), text) is counts


def test_name_like_terms_match_only_in_lower_case() -> None:
    pattern = next(d.pattern for d in DETECTORS if d.key == "sexual_orientation")
    assert re.search(pattern, "he is gay") and not re.search(pattern, "Gay")
    assert "gay" in NAME_LIKE_TERMS


# --------------------------------------------------------------------------- the demo company


@pytest.mark.parametrize("card", demo.TEST_CARD_NUMBERS)
def test_every_planted_card_number_is_found(card: str) -> None:
    for sentence in demo._CARD_SENTENCES:
        text = sentence.format(card=card)
        assert matches(detector("payment_card"), text) == [card]


@pytest.mark.parametrize(("key", "sentences"), [
    ("health", (*demo._HEALTH_SENTENCES, demo._CV_HEALTH)),
    ("religion", (*demo._RELIGION_SENTENCES, demo._CV_RELIGION)),
])
def test_every_planted_special_category_sentence_is_found(
    key: str, sentences: tuple[str, ...]
) -> None:
    for sentence in sentences:
        assert matches(detector(key), sentence), sentence
        others = [d.key for d in DETECTORS if d.special and d.key != key and matches(d, sentence)]
        assert others == [], sentence


def test_planted_violations_are_filed_under_the_detectors_categories() -> None:
    for planted in demo.PLANTED_VIOLATIONS:
        assert detector(planted.kind).category == planted.data_category


def test_ordinary_demo_content_raises_no_special_category_or_number() -> None:
    pools = demo._build_pools(42)
    prose = pools.ticket_bodies + pools.staff_bodies + pools.cv_texts + pools.marketing_bodies
    proper = [name for loc in pools.locales for name, _ in loc.companies]
    proper += [f"{f} {last}" for loc in pools.locales for f, last in zip(loc.first, loc.last,
                                                                           strict=False)]
    proper += [f"{s}, {p} {c}" for loc in pools.locales for s, p, c in loc.addresses]
    proper += list(demo._JOB_TITLES) + list(demo._EVENTS) + list(demo._TICKET_SUBJECTS)
    quiet = [d for d in DETECTORS if not d.needs_context and d.key != "phone"]
    found = {(d.key, value) for text in prose for d in quiet for value in matches(d, text)}
    assert found == set()
    special = [d for d in DETECTORS if d.special]
    found = {(d.key, value) for text in proper for d in special for value in matches(d, text)}
    assert found == set()
    ipv4 = detector("ipv4")
    assert [ua for ua in pools.user_agents if matches(ipv4, ua)] == []


def test_demo_addresses_and_names_are_recognised_in_their_columns() -> None:
    pools = demo._build_pools(42)
    addresses = [s for loc in pools.locales for s, _, _ in loc.addresses]
    names = [n for loc in pools.locales for n in loc.first + loc.last]
    found = sum(bool(matches(detector("postal_address"), a)) for a in addresses)
    assert found / len(addresses) > 0.95
    found = sum(bool(matches(detector("person_name"), n)) for n in names)
    assert found / len(names) > 0.95
