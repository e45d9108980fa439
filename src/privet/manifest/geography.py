"""Countries, the EEA and the EU's adequacy decisions, for transfer and residency rules."""

from __future__ import annotations

from functools import cache

import pycountry

EU = frozenset(
    [
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
        "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    ]
)
EEA = EU | {"IS", "LI", "NO"}
# Countries with a European Commission adequacy decision (Art. 45 GDPR). The United States
# is adequate only for organisations certified under the EU-US Data Privacy Framework,
# which the manifest states as the `dpf` mechanism, so it is not listed here.
ADEQUATE = frozenset(
    ["AD", "AR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ", "UY"]
)
REGIONS = {"EU": EU, "EEA": EEA}


@cache
def is_country(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code."""
    return pycountry.countries.get(alpha_2=code) is not None


def country_name(code: str) -> str:
    """The English short name of a country code, or the code itself."""
    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country is not None else code


def in_region(country: str, region: str) -> bool:
    """True when ``country`` lies in ``region`` (``EU``, ``EEA`` or a country code)."""
    members = REGIONS.get(region)
    return country in members if members is not None else country == region
