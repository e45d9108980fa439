"""First guesses of what a column holds, from its name (and its table's, for context).

A name is cut into words (``billingEmailAddress`` → billing, email, address); a rule
matches the *last* words, because in English the head of a compound comes last: an
``email_address`` is an email, an ``email_verified_at`` a timestamp, an ``ip_version`` a
number, and ``address_id`` a key to another table. Flags (``is_*``, ``has_*``) are never
personal data. Some words need their table to decide: ``name`` is a person's in ``users``
and not in ``products``; ``city`` is an address part in ``customers`` but the lookup
value itself in a ``city`` table.

These are guesses for a person to review (``privet init``) and hints for
``privet check --connect``; the discovery scan looks at values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from privet.manifest.taxonomy import is_personal

Context = Literal["any", "people", "place", "address"]


@dataclass(frozen=True)
class ColumnGuess:
    """What a column probably holds: fideslang data categories, and the identity it gives."""

    categories: tuple[str, ...]
    identity: str | None = None


@dataclass(frozen=True)
class _Rule:
    patterns: tuple[tuple[str, ...], ...]
    categories: tuple[str, ...]
    identity: str | None = None
    context: Context = "any"
    whole: bool = False  # the whole name must be the pattern, not only its last words
    lookup: bool = False  # `city` in table `city` is the lookup value, not a person's


_NUMBER = ("number", "no", "nr", "num", "nbr")


def _expand(spec: str) -> list[tuple[str, ...]]:
    """``"phone#"`` → phone number, phone no, phone nr...; ``"first name"`` → (first, name)."""
    words = tuple(spec.rstrip("#").split())
    if spec.endswith("#"):
        return [(*words, n) for n in _NUMBER]
    return [words]


def _rule(
    specs: str,
    *categories: str,
    identity: str | None = None,
    context: Context = "any",
    whole: bool = False,
    lookup: bool = False,
) -> _Rule:
    patterns = tuple(p for spec in specs.split(",") for p in _expand(spec.strip()))
    return _Rule(patterns, tuple(categories), identity, context, whole, lookup)


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that name a person (and so a table of people, or a column about one).
PERSON_WORDS = _word_set("""
    user customer client contact person people employee staff member patient applicant
    candidate student subscriber lead prospect profile actor author guest visitor driver
    recipient sender participant attendee volunteer owner buyer seller worker teacher
    parent child beneficiary passenger traveler traveller resident citizen voter donor
    shareholder player cardholder holder consultant trainee freelancer signup
    registration respondent reviewer requester reporter assignee follower friend
""")
_ADDRESS_WORDS = _word_set("""
    address location residence shipping billing delivery mailing postal home
""")
_FLAG_WORDS = _word_set("""
    is has have can should allow allows enable enabled use uses show hide wants accepts
    needs must
""")
# Trailing words that do not change what the value is about.
_NOISE_WORDS = _word_set("""
    raw normalized normalised canonical lower lowercase upper plain plaintext primary
    secondary alt alternate alternative old new prev previous current main other text
""")
# Trailing words saying the value is transformed: still personal, no longer an identity.
_HASHED_WORDS = _word_set("""
    hash hashed digest encrypted enc crypt cipher ciphertext sha md bcrypt argon scrypt
""")

_RULES: tuple[_Rule, ...] = (
    # things about a personal word rather than the word itself
    _rule("last login, first login, failed login, login attempt, login count"),
    # contact
    _rule("email, emails, email address, email addr, e mail, e mail address, emailaddress, "
          "mail address", "user.contact.email", identity="email"),
    _rule("mail", "user.contact.email", identity="email", whole=True),
    _rule("phone, phone#, phones, phonenumber, mobile, mobile#, mobile phone, mobile phone#, "
          "mobilephone, cell, cell phone, cell phone#, cellphone, tel, telephone, telephone#, "
          "msisdn, landline", "user.contact.phone_number", identity="phone"),
    _rule("fax, fax#", "user.contact.fax_number"),
    # names and accounts
    _rule("username, user name, login name, user login, screen name",
          "user.account.username", identity="username"),
    _rule("login", "user.account.username", identity="username", whole=True),
    _rule("first name, firstname, given name, givenname, forename, fname",
          "user.name.first"),
    _rule("last name, lastname, surname, family name, familyname, lname, maiden name",
          "user.name.last"),
    _rule("middle name, full name, fullname, real name, nickname, nick name",
          "user.name"),
    _rule(", ".join(f"{w} name" for w in sorted(PERSON_WORDS - {"user", "profile"})),
          "user.name"),
    _rule("name, display name", "user.name", context="people", whole=True),
    _rule("billing name, shipping name, delivery name, invoice name", "user.name"),
    # postal address
    _rule("address, addresses, address line, addressline", "user.contact.address"),
    _rule("street, street address, streetaddress, street name, street#, house#",
          "user.contact.address.street"),
    _rule("house", "user.contact.address.street", context="address"),
    _rule("postal code, postalcode, postcode, post code, zip, zip code, zipcode, postal",
          "user.contact.address.postal_code"),
    _rule("city, town", "user.contact.address.city", context="place", lookup=True),
    _rule("country, country code", "user.contact.address.country", context="place",
          lookup=True),
    _rule("province, county, district", "user.contact.address.state", context="place",
          lookup=True),
    _rule("state, region", "user.contact.address.state", context="address", lookup=True),
    # device and online
    _rule("ip, ip address, ip addr, ipaddress, ipaddr, ipv 4, ipv 6, remote addr, "
          "remote ip", "user.device.ip_address"),
    _rule("user agent, useragent", "user.device"),
    _rule("mac address, mac addr", "user.device"),
    _rule("device id, deviceid, device token, push token, idfa, gaid, advertising id",
          "user.device.device_id"),
    _rule("cookie id, cookieid, anonymous id, visitor id", "user.device.cookie_id"),
    _rule("cookie, cookies", "user.device.cookie"),
    _rule("latitude, longitude, lat, lng, lon, gps, geolocation, geo location, geo point, "
          "geopoint, coordinates, coords, latlng, lat lng", "user.location.precise"),
    # demographic
    _rule("birth date, birthdate, date of birth, dateofbirth, birthday, dob, born on, birth",
          "user.demographic.date_of_birth"),
    _rule("age", "user.demographic.age_range", whole=True),
    _rule("gender, sex", "user.demographic.gender"),
    _rule("marital status", "user.demographic.marital_status"),
    _rule("nationality, citizenship, place of birth, birth place, birthplace",
          "user.demographic"),
    # Art. 9 special categories and criminal records
    _rule("race, ethnicity, ethnic origin", "user.demographic.race_ethnicity"),
    _rule("religion, religious belief", "user.demographic.religious_belief"),
    _rule("sexual orientation", "user.demographic.sexual_orientation"),
    _rule("political opinion, political party, political affiliation",
          "user.demographic.political_opinion"),
    _rule("trade union, union membership", "user.demographic.trade_union_membership"),
    _rule("diagnosis, medical history, medical condition, health condition, medication, "
          "medications, allergy, allergies, blood type, disability, disabilities",
          "user.health_and_medical"),
    _rule("fingerprint", "user.biometric.fingerprint"),
    _rule("criminal record, conviction, convictions", "user.criminal_history"),
    # credentials
    _rule("password, passwd, pwd, pin, pin code", "user.authorization.password"),
    _rule("api key, otp secret, totp secret, mfa secret, recovery codes, session token, "
          "auth token, access token, refresh token, reset token, remember token",
          "user.authorization.credentials"),
    # government identifiers
    _rule("ssn, social security#, national id, national id#, national identification#, "
          "nino, nir, personal id#", "user.government_id.national_identification_number"),
    _rule("id#", "user.government_id.national_identification_number", context="people",
          whole=True),
    _rule("passport, passport#", "user.government_id.passport_number"),
    _rule("driver license, driver license#, drivers license, drivers license#, "
          "driver licence, driver licence#, driving licence, driving licence#, "
          "driving license, driving license#", "user.government_id.drivers_license_number"),
    _rule("license plate, licence plate, plate#, vehicle registration",
          "user.government_id.vehicle_registration"),
    # money
    _rule("iban, bank account, bank account#, account#, routing#, sort code",
          "user.financial.bank_account"),
    _rule("card#, cardnumber, credit card, credit card#, cc#, ccn, pan, cvv, cvc, last 4, "
          "card last 4", "user.financial.credit_card"),
    _rule("salary, salaries, income, wage, wages, compensation, credit score",
          "user.financial"),
    # work
    _rule("job title, jobtitle, occupation, profession", "user.job_title"),
    _rule("employer, workplace", "user.workplace"),
    _rule("company, company name, organization, organisation", "user.contact.organization",
          context="people"),
    # what people write, and pictures of them
    _rule("note, notes, comment, comments, message, messages, body, bio, biography, about me, "
          "cv, resume, cover letter, feedback, remarks, free text", "user.content.private"),
    _rule("avatar, selfie, headshot, profile picture, profile photo, profile image",
          "user.content.self_image"),
    _rule("photo, picture, portrait", "user.content.self_image", context="people"),
)

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(name: str) -> list[str]:
    """``billingEmailAddress2`` → ``["billing", "email", "address", "2"]``."""
    result: list[str] = []
    for part in re.split(r"[^A-Za-z0-9]+", name):
        result.extend(w.lower() for w in _WORD.findall(part))
    return result


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _table_words(table: str) -> list[str]:
    return [_singular(w) for w in words(table.rsplit(".", 1)[-1])]


def _context_holds(rule: _Rule, table_words: list[str], before: list[str]) -> bool:
    if rule.context == "any":
        return True
    around = set(table_words) | {_singular(w) for w in before}
    if rule.context == "people":
        return bool(around & PERSON_WORDS)
    if rule.context == "address":
        return bool(around & _ADDRESS_WORDS)
    return bool(around & (_ADDRESS_WORDS | PERSON_WORDS))


def _match(name_words: list[str], table_words: list[str]) -> _Rule | None:
    """The rule whose pattern covers the most trailing words (first listed on a tie)."""
    best: tuple[int, _Rule] | None = None
    for rule in _RULES:
        for pattern in rule.patterns:
            size = len(pattern)
            if size > len(name_words) or tuple(name_words[-size:]) != pattern:
                continue
            if rule.whole and size != len(name_words):
                continue
            before = name_words[:-size]
            if not _context_holds(rule, table_words, before):
                continue
            if rule.lookup and "".join(name_words) == "".join(table_words):
                continue
            if best is None or size > best[0]:
                best = (size, rule)
    return best[1] if best else None


def guess_column(table: str, column: str) -> ColumnGuess | None:
    """What ``table.column`` probably holds, from the names alone; None when nothing personal
    shows (or the column is a flag, a key to another table, a timestamp about something)."""
    name_words = words(column)
    if not name_words or (name_words[0] in _FLAG_WORDS and len(name_words) > 1):
        return None
    table_words = _table_words(table)
    rule = _match(name_words, table_words)
    hashed = False
    core = list(name_words)
    while rule is None and len(core) > 1 and (
        core[-1].isdigit() or core[-1] in _NOISE_WORDS or core[-1] in _HASHED_WORDS
    ):
        hashed = hashed or core[-1] in _HASHED_WORDS
        core.pop()
        rule = _match(core, table_words)
    if rule is None or not rule.categories:
        return None
    return ColumnGuess(rule.categories, None if hashed else rule.identity)


def looks_personal(table: str, column: str) -> bool:
    """True when the column's name suggests personal data."""
    guess = guess_column(table, column)
    return guess is not None and any(is_personal(c) for c in guess.categories)
