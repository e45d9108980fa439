"""The words Privet and Fides name alike but spell apart, kept once: the exporter writes
them (Privet → Fides), the importer reads them back (Fides → Privet) from the inverses."""

from __future__ import annotations

from privet.manifest.schema import LegalBasis, SpecialCategoryCondition

LEGAL_BASIS: dict[LegalBasis, str] = {
    LegalBasis.consent: "Consent",
    LegalBasis.contract: "Contract",
    LegalBasis.legal_obligation: "Legal obligations",
    LegalBasis.vital_interest: "Vital interests",
    LegalBasis.public_task: "Public interest",
    LegalBasis.legitimate_interest: "Legitimate interests",
}
"""Privet's Art. 6 bases and fideslang's ``legal_basis_for_processing`` values."""

SPECIAL_CATEGORY_BASIS: dict[SpecialCategoryCondition, str] = {
    SpecialCategoryCondition.explicit_consent: "Explicit consent",
    SpecialCategoryCondition.employment_social_security:
        "Employment, social security and social protection",
    SpecialCategoryCondition.vital_interests: "Vital interests",
    SpecialCategoryCondition.not_for_profit_body: "Not-for-profit bodies",
    SpecialCategoryCondition.made_public_by_subject: "Made public by the data subject",
    SpecialCategoryCondition.legal_claims: "Legal claims or judicial acts",
    SpecialCategoryCondition.substantial_public_interest:
        "Reasons of substantial public interest (with a basis in law)",
    SpecialCategoryCondition.health_or_social_care: "Health or social care (with a basis in law)",
    SpecialCategoryCondition.public_health: "Public health (with a basis in law)",
    SpecialCategoryCondition.archiving_research_statistics:
        "Archiving, research and statistics (with a basis in law)",
}
"""Privet's Art. 9(2) conditions and fideslang's ``special_category_legal_basis`` values."""

IDENTITY_TYPES = {"phone": "phone_number"}
"""Privet identity types Fides names otherwise (its built-in ``phone_number``); the others
keep their name (``email``, or a custom identity such as ``username``)."""

LEGAL_BASES: dict[str, str] = {fides: basis.value for basis, fides in LEGAL_BASIS.items()}
"""fideslang ``legal_basis_for_processing`` → Privet ``legal_basis``."""

SPECIAL_CATEGORY_CONDITIONS: dict[str, str] = {
    fides: condition.value for condition, fides in SPECIAL_CATEGORY_BASIS.items()}
"""fideslang ``special_category_legal_basis`` → Privet ``special_category_condition``."""

FIDES_IDENTITY_TYPES: dict[str, str] = {fides: privet for privet, fides in IDENTITY_TYPES.items()}
"""Fides identity types that Privet names otherwise (its CLI's ``--phone``); the others keep
their Fides name (``email``, or a custom identity such as ``loyalty_id``)."""
