"""What is given to record a breach, decide on it and notify it: one pydantic model each,
shared by the API (its JSON bodies), the admin forms and the CLI.

The shape is checked here (types, lengths, numbers not negative, times that exist); what
needs the manifest or the clock (known categories and tables, a discovery not in the
future) is checked by ``privet.breaches.service``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from privet.models.breaches import (
    Audience,
    BreachNature,
    DecisionQuestion,
    NotificationPhase,
    PeopleException,
    RiskLevel,
)

MAX_COUNT = 10**12
EARLIEST = datetime(2000, 1, 1)


def _moment(value: datetime) -> datetime:
    """UTC without a zone (a naive time is taken as UTC), between 2000 and 9000."""
    try:
        moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    except OverflowError:
        raise ValueError("not a time Privet can store") from None
    if not EARLIEST <= moment <= datetime(9000, 1, 1):
        raise ValueError("must be a time between the year 2000 and now")
    return moment


def _text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value.strip()


def _required_text(value: str) -> str:
    cleaned = _text(value)
    if not cleaned:
        raise ValueError("is required")
    return cleaned


def _optional_text(value: str | None) -> str | None:
    return None if value is None else (_text(value) or None)


Moment = Annotated[datetime, AfterValidator(_moment)]
Text = Annotated[str, AfterValidator(_required_text)]
OptionalText = Annotated[str | None, AfterValidator(_optional_text)]
Key = Annotated[str, Field(max_length=200), AfterValidator(_required_text)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]


class BreachFacts(BaseModel):
    """A personal data breach, as known now (Art. 33(3)): what happened and when, to whose
    data, how many, the likely consequences and the measures."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[Text, Field(max_length=200)] = Field(
        description="A short name, e.g. `Support export sent to the wrong customer`.")
    description: Annotated[Text, Field(max_length=20_000)] = Field(
        description="What happened, in words the authority and the people can follow.")
    nature: list[BreachNature] = Field(
        min_length=1, max_length=3,
        description="confidentiality (disclosed), integrity (altered), availability "
                    "(lost or out of reach).")
    occurred_at: Moment | None = Field(None, description="When it happened, if known (UTC "
                                                         "unless a zone is given).")
    discovered_at: Moment = Field(
        description="When you became aware of it: the 72-hour clock starts here.")
    data_categories: list[Key] = Field(
        min_length=1, max_length=100,
        description="Taxonomy keys of the data concerned, e.g. `user.contact.email`.")
    subject_categories: list[Key] = Field(
        default_factory=list, max_length=50,
        description="Taxonomy keys of the people concerned, e.g. `customer`.")
    systems: list[Key] = Field(
        default_factory=list, max_length=200,
        description="Datastores (`app`) or tables (`app.contacts`) of the manifest "
                    "involved: the people affected are found there.")
    people_affected: Count | None = Field(None, description="Approximate number of people.")
    records_affected: Count | None = Field(None, description="Approximate number of records.")
    consequences: Annotated[Text, Field(max_length=20_000)] = Field(
        description="The likely consequences for the people.")
    measures: Annotated[Text, Field(max_length=20_000)] = Field(
        description="Measures taken or proposed, including to mitigate its effects.")
    advice: Annotated[OptionalText, Field(max_length=20_000)] = Field(
        None, description="What the people can do to protect themselves.")
    risk: RiskLevel = Field(description="none, risk or high (risk to people's rights).")
    contact_point: Annotated[OptionalText, Field(max_length=2_000)] = Field(
        None, description="Who answers questions; default: the manifest's DPO, else its "
                          "privacy contact.")


class BreachChanges(BaseModel):
    """Facts completed or corrected as the investigation goes on (only those given)."""

    model_config = ConfigDict(extra="forbid")

    description: Annotated[Text, Field(max_length=20_000)] | None = None
    occurred_at: Moment | None = None
    data_categories: list[Key] | None = Field(None, min_length=1, max_length=100)
    subject_categories: list[Key] | None = Field(None, max_length=50)
    systems: list[Key] | None = Field(None, max_length=200)
    people_affected: Count | None = None
    records_affected: Count | None = None
    consequences: Annotated[Text, Field(max_length=20_000)] | None = None
    measures: Annotated[Text, Field(max_length=20_000)] | None = None
    advice: Annotated[OptionalText, Field(max_length=20_000)] = None
    risk: RiskLevel | None = None
    contact_point: Annotated[OptionalText, Field(max_length=2_000)] = None


class DecisionFacts(BaseModel):
    """Notify the authority or not, tell the people or not, and why (Art. 33(1), 34(3))."""

    model_config = ConfigDict(extra="forbid")

    question: DecisionQuestion = Field(description="`authority` or `people`.")
    notify: bool = Field(description="True: notify; false: do not, for the reason given.")
    reason: Annotated[Text, Field(max_length=20_000)] = Field(
        description="Why, e.g. `unlikely to result in a risk: the file was encrypted`.")
    exception: PeopleException | None = Field(
        None, description="People at high risk not told one by one: `encrypted`, "
                          "`measures_taken`, or `disproportionate_effort` (then a public "
                          "communication).")


class NotificationFacts(BaseModel):
    """A notification made to the authority (initial, follow-up, final) or to the public."""

    model_config = ConfigDict(extra="forbid")

    audience: Audience = Field(Audience.authority,
                               description="`authority` or `public` (people are written to "
                                           "by deciding to tell them).")
    phase: NotificationPhase = Field(NotificationPhase.initial,
                                     description="initial, follow_up or final.")
    sent_at: Moment | None = Field(None, description="When it was sent; default: now.")
    authority_reference: Annotated[OptionalText, Field(max_length=200)] = Field(
        None, description="The authority's case number, if it gave one.")
    delay_reasons: Annotated[OptionalText, Field(max_length=20_000)] = Field(
        None, description="Required when the authority is notified after 72 hours "
                          "(Art. 33(1)).")
    content: Annotated[OptionalText, Field(max_length=200_000)] = Field(
        None, description="What was sent; default: the draft as it stands.")


class ClosingFacts(BaseModel):
    """Close the breach: what was learnt."""

    model_config = ConfigDict(extra="forbid")

    note: Annotated[Text, Field(max_length=20_000)] = Field(
        description="How it ended and what was learnt.")


def problems_of(error: ValidationError) -> dict[str, str]:
    """Each problem of ``error`` by the field it is about (`systems[1]`), never echoing the
    value given."""
    problems: dict[str, str] = {}
    for item in error.errors():
        where = _where(item.get("loc", ()))
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        problems.setdefault(where or "form", message)
    return problems


def _where(location: Any) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
