"""Guesses from column names: what `privet init` writes and `check --connect` warns about."""

from __future__ import annotations

import pytest

from privet.datastores.naming import guess_column, looks_personal, words
from privet.manifest.taxonomy import Taxonomy


@pytest.mark.parametrize(
    ("table", "column", "category", "identity"),
    [
        ("customer", "email", "user.contact.email", "email"),
        ("users", "emailAddress", "user.contact.email", "email"),
        ("service_request", "alt_email", "user.contact.email", "email"),
        ("contacts", "e_mail", "user.contact.email", "email"),
        ("address", "phone", "user.contact.phone_number", "phone"),
        ("people", "mobile_number", "user.contact.phone_number", "phone"),
        ("people", "tel", "user.contact.phone_number", "phone"),
        ("staff", "username", "user.account.username", "username"),
        ("accounts", "login", "user.account.username", "username"),
        ("actor", "first_name", "user.name.first", None),
        ("customers", "lastName", "user.name.last", None),
        ("employees", "surname", "user.name.last", None),
        ("customer", "name", "user.name", None),
        ("orders", "customer_name", "user.name", None),
        ("address", "address", "user.contact.address", None),
        ("address", "address2", "user.contact.address", None),
        ("orders", "billing_street", "user.contact.address.street", None),
        ("address", "postal_code", "user.contact.address.postal_code", None),
        ("address", "zip", "user.contact.address.postal_code", None),
        ("customers", "city", "user.contact.address.city", None),
        ("orders", "shipping_country", "user.contact.address.country", None),
        ("address", "state", "user.contact.address.state", None),
        ("sessions", "ip_address", "user.device.ip_address", None),
        ("logins", "client_ip", "user.device.ip_address", None),
        ("events", "IPAddress", "user.device.ip_address", None),
        ("sessions", "user_agent", "user.device", None),
        ("users", "date_of_birth", "user.demographic.date_of_birth", None),
        ("patients", "dob", "user.demographic.date_of_birth", None),
        ("users", "gender", "user.demographic.gender", None),
        ("staff", "password", "user.authorization.password", None),
        ("users", "password_hash", "user.authorization.password", None),
        ("employees", "ssn", "user.government_id.national_identification_number", None),
        ("employees", "national_id", "user.government_id.national_identification_number", None),
        ("travellers", "passport_number", "user.government_id.passport_number", None),
        ("payouts", "iban", "user.financial.bank_account", None),
        ("payouts", "account_number", "user.financial.bank_account", None),
        ("payment_card", "ccn", "user.financial.credit_card", None),
        ("payment_card", "card_number", "user.financial.credit_card", None),
        ("visits", "cookie_id", "user.device.cookie_id", None),
        ("devices", "device_id", "user.device.device_id", None),
        ("checkins", "latitude", "user.location.precise", None),
        ("employees", "job_title", "user.job_title", None),
        ("employees", "salary", "user.financial", None),
        ("applications", "cv", "user.content.private", None),
        ("tickets", "notes", "user.content.private", None),
        ("staff", "picture", "user.content.self_image", None),
        ("invoices", "billing_name", "user.name", None),
        ("job_applications", "cv_text", "user.content.private", None),
        ("web_sessions", "session_token", "user.authorization.credentials", None),
    ],
)
def test_guesses_the_category_and_identity_a_reviewer_expects(
    table: str, column: str, category: str, identity: str | None
) -> None:
    guess = guess_column(table, column)
    assert guess is not None, f"{table}.{column} should look personal"
    assert guess.categories == (category,)
    assert guess.identity == identity
    assert looks_personal(table, column)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("email_events", "occurred_at"),  # the table's name is context, not the column's
        ("email_events", "id"),
        ("network", "ip_version"),  # `ip` is not the head of the name
        ("users", "email_verified_at"),
        ("users", "is_email_verified"),  # a flag about an email
        ("users", "has_phone"),
        ("users", "phone_verified"),
        ("customer", "address_id"),  # a key to another table
        ("customer", "email_id"),
        ("payment", "customer_id"),
        ("users", "last_login"),  # a timestamp, not a login name
        ("users", "id"),
        ("language", "name"),  # a language's name, not a person's
        ("category", "name"),
        ("products", "display_name"),
        ("film", "title"),
        ("film", "description"),
        ("city", "city"),  # the lookup value in its own table
        ("country", "country"),
        ("stores", "country"),  # a shop's country, not a person's
        ("orders", "state"),  # an order's status
        ("users", "state"),
        ("mails", "cc"),  # carbon copy, not a card number
        ("users", "user_account"),
        ("film", "last_update"),
        ("rental", "rental_date"),
    ],
)
def test_does_not_flag_names_that_only_contain_a_personal_word(table: str, column: str) -> None:
    assert guess_column(table, column) is None
    assert not looks_personal(table, column)


def test_hashed_or_encrypted_values_keep_their_category_but_are_no_identity() -> None:
    guess = guess_column("subscribers", "email_sha256")
    assert guess is not None
    assert guess.categories == ("user.contact.email",)
    assert guess.identity is None


def test_names_are_cut_into_words_from_snake_and_camel_case() -> None:
    assert words("billingEmailAddress2") == ["billing", "email", "address", "2"]
    assert words("IPAddress") == ["ip", "address"]
    assert words("user-agent") == ["user", "agent"]


@pytest.mark.parametrize(
    ("table", "column"),
    [("t", c) for c in ("email", "phone", "first_name", "surname", "ip", "dob", "iban", "ccn",
                        "ssn", "passport", "user_agent", "salary", "job_title", "notes",
                        "gender", "religion", "diagnosis", "avatar", "cookie", "latitude")]
    + [("customers", c) for c in ("name", "company", "city", "photo")]
    + [("address", c) for c in ("state", "house", "district")],
)
def test_every_guessed_category_is_a_known_fideslang_key(table: str, column: str) -> None:
    """A scaffold that the loader rejects would be worse than none."""
    guess = guess_column(table, column)
    assert guess is not None
    taxonomy = Taxonomy.build()
    for category in guess.categories:
        assert taxonomy.knows("data_category", category), category


def test_no_rule_can_write_a_category_the_loader_would_reject() -> None:
    from privet.datastores import naming

    taxonomy = Taxonomy.build()
    unknown = {c for rule in naming._RULES for c in rule.categories
               if not taxonomy.knows("data_category", c)}
    assert unknown == set()
