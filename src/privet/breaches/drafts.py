"""The drafts of a breach's notices, written from its record and the manifest:

- to the supervisory authority, with every item of Art. 33(3): the nature of the breach
  with the categories and approximate numbers of people and records, the contact point,
  the likely consequences, the measures; the reasons for a delay past 72 hours
  (Art. 33(1)); what is not known yet, to follow (Art. 33(4));
- to the people affected, in clear and plain language (Art. 34(2)): what happened, the
  data concerned, the likely consequences, what was done, what they can do, whom to ask,
  and their right to complain.

A draft is a starting point for a person to review, not a legal opinion.
"""

from __future__ import annotations

from datetime import datetime

from privet.manifest.schema import Contact, Manifest
from privet.models.breaches import Breach, BreachNature, NotificationPhase

_NATURE = {
    BreachNature.confidentiality.value: "confidentiality breach (personal data disclosed to, "
                                        "or accessed by, people not allowed to see it)",
    BreachNature.integrity.value: "integrity breach (personal data altered without "
                                  "authority)",
    BreachNature.availability.value: "availability breach (personal data lost, destroyed or "
                                     "out of reach)",
}
_PLAIN_NATURE = {
    BreachNature.confidentiality.value: "seen by people who should not have seen it",
    BreachNature.integrity.value: "changed without our permission",
    BreachNature.availability.value: "lost or out of reach for a time",
}
_PHASE = {
    NotificationPhase.initial.value: "initial notification",
    NotificationPhase.follow_up.value: "follow-up notification (further information, "
                                       "Art. 33(4))",
    NotificationPhase.final.value: "final notification",
}


_ADVICE = ("Be careful with unexpected messages or calls that mention us or ask for your "
           "details, and tell us about anything unusual.")


def _moment(value: datetime | None) -> str:
    return "not known" if value is None else f"{value:%Y-%m-%d %H:%M} UTC"


def _count(value: int | None, what: str) -> str:
    return ("not known yet (to follow, Art. 33(4))" if value is None
            else f"about {value:,} {what}")


def contact_point(breach: Breach, manifest: Manifest) -> str:
    """Who answers questions: the breach's own contact point, else the DPO, else the
    organisation's privacy contact."""
    if breach.contact_point:
        return breach.contact_point
    organization = manifest.organization
    if organization.dpo is not None:
        return "Data protection officer: " + _contact(organization.dpo)
    return _contact(organization.contact)


def _contact(contact: Contact) -> str:
    parts = [contact.name, str(contact.email) if contact.email else None, contact.phone,
             contact.address]
    return ", ".join(p for p in parts if p)


def _names(manifest: Manifest, kind: str, keys: list[str]) -> str:
    index = manifest.taxonomy_index
    names = [f"{index.name(kind, key)} ({key})" for key in keys]  # type: ignore[arg-type]
    return "; ".join(names) if names else "not known yet (to follow, Art. 33(4))"


def authority_notice(breach: Breach, manifest: Manifest, *, now: datetime,
                     phase: str = NotificationPhase.initial.value,
                     deadline: datetime | None = None,
                     delay_reasons: str | None = None) -> str:
    """The notification to the supervisory authority (Art. 33(3))."""
    organization = manifest.organization
    authority = organization.supervisory_authority or "the supervisory authority"
    controller = organization.legal_name or organization.name
    lines = [
        f"To: {authority}",
        f"From: {controller}, {organization.address} ({organization.country})",
        f"Subject: Personal data breach {breach.reference}: "
        f"{_PHASE.get(phase, phase)} (GDPR Art. 33)",
        "",
        f"We notify a personal data breach, recorded in our breach register as "
        f"{breach.reference}.",
        "",
        "1. Nature of the breach",
        f"   What happened: {breach.description}",
        "   Type: " + "; ".join(_NATURE.get(n, n) for n in breach.nature),
        f"   When it happened: {_moment(breach.occurred_at)}",
        f"   When we became aware of it: {_moment(breach.discovered_at)}",
        "   Categories of people concerned: "
        + _names(manifest, "data_subject", breach.subject_categories),
        "   Approximate number of people concerned: "
        + _count(breach.people_affected, "people"),
        "   Categories of personal data concerned: "
        + _names(manifest, "data_category", breach.data_categories),
        "   Approximate number of personal data records concerned: "
        + _count(breach.records_affected, "records"),
    ]
    if breach.systems:
        lines.append("   Systems involved: " + ", ".join(breach.systems))
    lines += [
        "",
        "2. Contact point for more information",
        f"   {contact_point(breach, manifest)}",
        "",
        "3. Likely consequences for the people concerned",
        f"   {breach.consequences}",
        "",
        "4. Measures taken or proposed, including to mitigate its possible adverse effects",
        f"   {breach.measures}",
    ]
    if deadline is not None and now > deadline and phase == NotificationPhase.initial.value:
        lines += ["", "5. Reasons for the delay (Art. 33(1))",
                  "   This notification is made more than 72 hours after we became aware "
                  f"of the breach (the deadline was {_moment(deadline)}).",
                  f"   {delay_reasons or '[State the reasons for the delay here.]'}"]
    lines += ["", f"{controller}", f"Written {_moment(now)}"]
    return "\n".join(lines) + "\n"


def people_notice(breach: Breach, manifest: Manifest) -> str:
    """The communication to each person affected (Art. 34(2)), in plain language."""
    organization = manifest.organization
    name = organization.name
    authority = organization.supervisory_authority or "your data protection authority"
    what = " and ".join(_PLAIN_NATURE.get(n, n) for n in breach.nature)
    index = manifest.taxonomy_index
    data = [index.name("data_category", key) for key in breach.data_categories]
    lines = [
        f"Subject: Important: a personal data breach at {name} concerns you",
        "",
        "Hello,",
        "",
        f"We are writing to tell you about an incident at {name} that concerns your "
        f"personal data. Some of it may have been {what}.",
        "",
        "What happened",
        f"{breach.description}",
        f"We found out on {breach.discovered_at:%d %B %Y}.",
        "",
        "Which of your data is concerned",
        *[f"- {item}" for item in data],
        "",
        "What this may mean for you",
        f"{breach.consequences}",
        "",
        "What we have done",
        f"{breach.measures}",
        "",
        "What you can do",
        breach.advice or _ADVICE,
        "",
        "Questions",
        f"Write to us: {contact_point(breach, manifest)}. Please quote {breach.reference}.",
        f"You also have the right to lodge a complaint with {authority}.",
        "",
        f"{name}",
    ]
    return "\n".join(lines) + "\n"


def people_subject(manifest: Manifest) -> str:
    return f"Important: a personal data breach at {manifest.organization.name} concerns you"


def people_body(breach: Breach, manifest: Manifest) -> str:
    """The people's notice as an email body (its subject line is the email's subject)."""
    return people_notice(breach, manifest).split("\n", 2)[2]
