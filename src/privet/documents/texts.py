"""Every fixed word of the privacy documents, in the languages Privet ships (English, French).

Templates say ``{{ t("section.key", name=value) }}``; the values come from the manifest and
are escaped, the sentences are these. Names of things (legal bases, rights, transfer
mechanisms, roles, data categories) are looked up here too, by language. A data category,
use or subject with no French name here keeps the name the taxonomy gives it.
"""

from __future__ import annotations

LANGUAGES = ("en", "fr")

SENTENCES: dict[str, dict[str, str]] = {
    "en": {
        # documents
        "doc.policy": "Privacy policy",
        "doc.cookies": "Cookie policy",
        "doc.subprocessors": "Subprocessors and recipients",
        "doc.version": "Version {version}, effective {date}.",
        "doc.intro": "This policy explains what personal data {organization} processes, why, "
                     "on which legal basis, who receives it, how long it is kept, and the "
                     "rights you have over it.",
        # who we are
        "who.title": "Who we are",
        "who.controller": "{organization} is responsible for the personal data described in "
                          "this policy (the controller).",
        "who.both": "When we process data on behalf of our customers (for example the "
                    "contacts they send email to), we act as their processor: we follow their "
                    "instructions, and they answer for that data.",
        "who.processor": "{organization} processes personal data on behalf of its customers, "
                         "who answer for it (the controllers); we act on their instructions.",
        "who.legal_name": "Legal name",
        "who.address": "Registered address",
        "who.country": "Country of establishment",
        "who.website": "Website",
        "who.dpo": "Our data protection officer (DPO)",
        "who.eu_representative": "Our representative in the European Union "
                                 "(Art. 27 GDPR)",
        "who.uk_representative": "Our representative in the United Kingdom "
                                 "(Art. 27 UK GDPR)",
        "who.authority": "Our lead supervisory authority is {authority}.",
        # contact details
        "contact.name": "Name",
        "contact.email": "Email",
        "contact.phone": "Telephone",
        "contact.address": "Postal address",
        # what we collect
        "collect.title": "What we collect, from whom, why, and on which basis",
        "collect.intro": "We process personal data for the purposes below. For each one we "
                         "say which data, whose data, and the legal basis that allows it.",
        "collect.data": "Data",
        "collect.subjects": "Whose data",
        "collect.basis": "Legal basis",
        "collect.interest": "Our legitimate interest",
        "collect.special": "Special categories of data (Art. 9 GDPR) are processed on this "
                           "ground",
        "collect.consent_capture": "Where we ask for your consent",
        "collect.recipients": "Shared with",
        "collect.never_title": "What we never collect, keep or use",
        "collect.never_collect": "We never collect: {categories}.",
        "collect.never_collect_from": "We never collect from {subjects}: {categories}.",
        "collect.never_store": "We never store: {values}.",
        "collect.never_use": "We never use {categories} for: {uses}.",
        # recipients
        "recipients.title": "Who receives your data",
        "recipients.intro": "These recipients receive personal data from us, each for the "
                            "purposes listed.",
        "recipients.name": "Recipient",
        "recipients.role": "Role",
        "recipients.service": "What they do",
        "recipients.purposes": "For",
        "recipients.data": "Data shared",
        "recipients.location": "Location",
        "recipients.transfer": "Transfer safeguard",
        # transfers and residency
        "where.title": "Where your data is processed",
        "where.residency": "{categories} stays in {regions}.",
        "where.all_data": "Personal data",
        "transfers.title": "Transfers outside the European Economic Area",
        "transfers.intro": "These recipients process personal data outside the European "
                           "Economic Area (EEA); each transfer is protected as follows.",
        "transfers.none_declared": "No safeguard declared",
        # retention
        "retention.title": "How long we keep your data",
        "retention.purpose": "Purpose",
        "retention.kept": "Kept for",
        "retention.rules": "More precisely:",
        "retention.delete": "{what}: deleted after {period}.",
        "retention.anonymise": "{what}: anonymised after {period}.",
        "retention.anonymise_then_delete": "{what}: anonymised after {period}, then deleted "
                                           "{later} later.",
        "retention.grace": "{text} A grace period of {grace} applies first.",
        "retention.holds": "Some data is kept even when you ask us to erase it:",
        "retention.hold": "{reason} Kept for {period}.",
        "retention.hold_law": "{reason} Kept for {period} ({law}).",
        "retention.backups": "Data deleted from {store} stays in its backups for up to "
                             "{period}.",
        # automated decisions
        "automated.title": "Automated decisions and profiling",
        "automated.intro": "We make the decisions below by automated means.",
        "automated.ground": "Ground (Art. 22(2) GDPR)",
        "automated.logic": "How it works",
        "automated.consequences": "What it means for you",
        "automated.profiling": "This involves profiling.",
        "automated.safeguards": "Safeguards",
        # rights
        "rights.title": "Your rights and how to use them",
        "rights.laws": "The laws that protect your data here: {laws}. They give you these "
                       "rights:",
        "rights.center": "To use a right, go to our privacy center: {link}. We confirm that "
                         "the request comes from you before we act on it.",
        "rights.write": "You can also write to {email}.",
        "rights.write_only": "To use a right, write to {email}.",
        "rights.deadline": "We answer within {deadline}. When requests are complex or "
                           "numerous, we may extend this by up to {extension}; we then tell "
                           "you why before the first deadline.",
        "rights.authority": "You can also complain to a data protection authority; ours is "
                            "{authority}.",
        "rights.gpc": "If your browser sends a Global Privacy Control signal, we treat it as "
                      "a refusal of these cookies: {categories}.",
        # cookies
        "cookies.title": "Cookies",
        "cookies.intro": "These are the cookies our website sets, by category.",
        "cookies.consent": "Strictly necessary cookies are set without asking. We set the "
                           "others only with your consent, which you can change at any time "
                           "from \u201c{settings}\u201d.",
        "cookies.refusal": "If you refuse, we remember your choice for {refusal}; a consent "
                           "lasts {consent} at most before we ask again.",
        "cookies.name": "Cookie",
        "cookies.provider": "Set by",
        "cookies.purpose": "Purpose",
        "cookies.lifetime": "Lifetime",
        "cookies.session": "Until you close your browser",
        # security
        "security.title": "How we protect your data",
        # changes
        "changes.title": "Changes to this policy",
        "changes.version": "This is version {version} of our privacy policy, effective "
                           "{date}.",
        "changes.notice": "We tell you of any material change {period} before it takes "
                          "effect.",
        # contact
        "contact.title": "Contact us",
        "contact.intro": "For any question about this policy or your data, write to "
                         "{organization}:",
        "contact.dpo": "You can also reach our data protection officer: {email}.",
        # subprocessors document
        "subprocessors.intro": "These companies process personal data for {organization}, "
                               "on our instructions (our subprocessors).",
        "subprocessors.others": "Other recipients",
        "subprocessors.others_intro": "These recipients receive personal data from us and "
                                      "decide themselves how they use it.",
    },
    "fr": {
        "doc.policy": "Politique de confidentialité",
        "doc.cookies": "Politique relative aux cookies",
        "doc.subprocessors": "Sous-traitants et destinataires",
        "doc.version": "Version {version}, applicable à compter du {date}.",
        "doc.intro": "Cette politique explique quelles données personnelles {organization} "
                     "traite, pourquoi, sur quelle base légale, qui les reçoit, combien de "
                     "temps elles sont conservées et quels sont vos droits.",
        "who.title": "Qui sommes-nous",
        "who.controller": "{organization} est responsable des données personnelles décrites "
                          "dans cette politique (le responsable du traitement).",
        "who.both": "Lorsque nous traitons des données pour le compte de nos clients (par "
                    "exemple les contacts à qui ils envoient des e-mails), nous sommes leur "
                    "sous-traitant : nous suivons leurs instructions et ils répondent de ces "
                    "données.",
        "who.processor": "{organization} traite des données personnelles pour le compte de "
                         "ses clients, qui en répondent (les responsables du traitement) ; "
                         "nous agissons sur leurs instructions.",
        "who.legal_name": "Raison sociale",
        "who.address": "Siège social",
        "who.country": "Pays d\u2019établissement",
        "who.website": "Site web",
        "who.dpo": "Notre délégué à la protection des données (DPO)",
        "who.eu_representative": "Notre représentant dans l\u2019Union européenne "
                                 "(art. 27 RGPD)",
        "who.uk_representative": "Notre représentant au Royaume-Uni (art. 27 UK GDPR)",
        "who.authority": "Notre autorité de contrôle chef de file : {authority}.",
        "contact.name": "Nom",
        "contact.email": "E-mail",
        "contact.phone": "Téléphone",
        "contact.address": "Adresse postale",
        "collect.title": "Ce que nous collectons, auprès de qui, pourquoi et sur quelle base",
        "collect.intro": "Nous traitons des données personnelles pour les finalités "
                         "ci-dessous. Pour chacune, nous indiquons quelles données, de quelles "
                         "personnes, et la base légale qui le permet.",
        "collect.data": "Données",
        "collect.subjects": "Personnes concernées",
        "collect.basis": "Base légale",
        "collect.interest": "Notre intérêt légitime",
        "collect.special": "Des catégories particulières de données (art. 9 RGPD) sont "
                           "traitées sur ce fondement",
        "collect.consent_capture": "Où nous demandons votre consentement",
        "collect.recipients": "Partagées avec",
        "collect.never_title": "Ce que nous ne collectons, ne conservons ni n\u2019utilisons "
                               "jamais",
        "collect.never_collect": "Nous ne collectons jamais : {categories}.",
        "collect.never_collect_from": "Nous ne collectons jamais auprès de ces personnes "
                                      "({subjects}) : {categories}.",
        "collect.never_store": "Nous ne conservons jamais : {values}.",
        "collect.never_use": "Nous n\u2019utilisons jamais ces données ({categories}) pour : "
                             "{uses}.",
        "recipients.title": "Qui reçoit vos données",
        "recipients.intro": "Ces destinataires reçoivent des données personnelles de notre "
                            "part, chacun pour les finalités indiquées.",
        "recipients.name": "Destinataire",
        "recipients.role": "Rôle",
        "recipients.service": "Ce qu\u2019il fait",
        "recipients.purposes": "Pour",
        "recipients.data": "Données partagées",
        "recipients.location": "Localisation",
        "recipients.transfer": "Garantie du transfert",
        "where.title": "Où vos données sont traitées",
        "where.residency": "{categories} : restent dans {regions}.",
        "where.all_data": "Données personnelles",
        "transfers.title": "Transferts hors de l\u2019Espace économique européen",
        "transfers.intro": "Ces destinataires traitent des données personnelles hors de "
                           "l\u2019Espace économique européen (EEE) ; chaque transfert est "
                           "encadré comme suit.",
        "transfers.none_declared": "Aucune garantie déclarée",
        "retention.title": "Combien de temps nous conservons vos données",
        "retention.purpose": "Finalité",
        "retention.kept": "Durée de conservation",
        "retention.rules": "Plus précisément :",
        "retention.delete": "{what} : supprimées après {period}.",
        "retention.anonymise": "{what} : anonymisées après {period}.",
        "retention.anonymise_then_delete": "{what} : anonymisées après {period}, puis "
                                           "supprimées {later} plus tard.",
        "retention.grace": "{text} Un délai de grâce de {grace} s\u2019applique d\u2019abord.",
        "retention.holds": "Certaines données sont conservées même si vous demandez leur "
                           "effacement :",
        "retention.hold": "{reason} Conservées {period}.",
        "retention.hold_law": "{reason} Conservées {period} ({law}).",
        "retention.backups": "Les données supprimées de {store} restent dans ses sauvegardes "
                             "jusqu\u2019à {period}.",
        "automated.title": "Décisions automatisées et profilage",
        "automated.intro": "Nous prenons les décisions ci-dessous de manière automatisée.",
        "automated.ground": "Fondement (art. 22(2) RGPD)",
        "automated.logic": "Fonctionnement",
        "automated.consequences": "Conséquences pour vous",
        "automated.profiling": "Cela implique un profilage.",
        "automated.safeguards": "Garanties",
        "rights.title": "Vos droits et comment les exercer",
        "rights.laws": "Les lois qui protègent vos données ici : {laws}. Elles vous donnent "
                       "ces droits :",
        "rights.center": "Pour exercer un droit, rendez-vous dans notre centre de "
                         "confidentialité : {link}. Nous vérifions que la demande vient bien "
                         "de vous avant d\u2019y donner suite.",
        "rights.write": "Vous pouvez aussi écrire à {email}.",
        "rights.write_only": "Pour exercer un droit, écrivez à {email}.",
        "rights.deadline": "Nous répondons sous {deadline}. Si les demandes sont complexes ou "
                           "nombreuses, nous pouvons prolonger ce délai de {extension} au "
                           "plus ; nous vous en donnons alors les raisons avant la fin du "
                           "premier délai.",
        "rights.authority": "Vous pouvez aussi adresser une réclamation à une autorité de "
                            "protection des données ; la nôtre est : {authority}.",
        "rights.gpc": "Si votre navigateur envoie un signal Global Privacy Control, nous le "
                      "traitons comme un refus de ces cookies : {categories}.",
        "cookies.title": "Cookies",
        "cookies.intro": "Voici les cookies que notre site dépose, par catégorie.",
        "cookies.consent": "Les cookies strictement nécessaires sont déposés sans vous le "
                           "demander. Les autres ne le sont qu\u2019avec votre consentement, "
                           "que vous pouvez modifier à tout moment depuis "
                           "\u00ab\u00a0{settings}\u00a0\u00bb.",
        "cookies.refusal": "Si vous refusez, nous retenons votre choix pendant {refusal} ; un "
                           "consentement vaut {consent} au plus avant que nous vous le "
                           "redemandions.",
        "cookies.name": "Cookie",
        "cookies.provider": "Déposé par",
        "cookies.purpose": "Finalité",
        "cookies.lifetime": "Durée",
        "cookies.session": "Jusqu\u2019à la fermeture du navigateur",
        "security.title": "Comment nous protégeons vos données",
        "changes.title": "Modifications de cette politique",
        "changes.version": "Ceci est la version {version} de notre politique de "
                           "confidentialité, applicable à compter du {date}.",
        "changes.notice": "Nous vous informons de toute modification importante {period} "
                          "avant son entrée en vigueur.",
        "contact.title": "Nous contacter",
        "contact.intro": "Pour toute question sur cette politique ou sur vos données, "
                         "écrivez à {organization} :",
        "contact.dpo": "Vous pouvez aussi joindre notre délégué à la protection des "
                       "données : {email}.",
        "subprocessors.intro": "Ces entreprises traitent des données personnelles pour "
                               "{organization}, sur nos instructions (nos sous-traitants).",
        "subprocessors.others": "Autres destinataires",
        "subprocessors.others_intro": "Ces destinataires reçoivent des données personnelles "
                                      "de notre part et décident eux-mêmes de leur usage.",
    },
}

LEGAL_BASES: dict[str, dict[str, str]] = {
    "en": {
        "consent": "Your consent (Art. 6(1)(a) GDPR), which you can withdraw at any time",
        "contract": "Performance of a contract with you, or steps you asked for before one "
                    "(Art. 6(1)(b) GDPR)",
        "legal_obligation": "Compliance with a legal obligation (Art. 6(1)(c) GDPR)",
        "vital_interest": "Protection of someone\u2019s vital interests (Art. 6(1)(d) GDPR)",
        "public_task": "A task carried out in the public interest (Art. 6(1)(e) GDPR)",
        "legitimate_interest": "Our legitimate interests (Art. 6(1)(f) GDPR)",
    },
    "fr": {
        "consent": "Votre consentement (art. 6(1)(a) RGPD), que vous pouvez retirer à tout "
                   "moment",
        "contract": "L\u2019exécution d\u2019un contrat avec vous, ou de mesures "
                    "précontractuelles prises à votre demande (art. 6(1)(b) RGPD)",
        "legal_obligation": "Le respect d\u2019une obligation légale (art. 6(1)(c) RGPD)",
        "vital_interest": "La sauvegarde des intérêts vitaux d\u2019une personne "
                          "(art. 6(1)(d) RGPD)",
        "public_task": "Une mission d\u2019intérêt public (art. 6(1)(e) RGPD)",
        "legitimate_interest": "Nos intérêts légitimes (art. 6(1)(f) RGPD)",
    },
}

SPECIAL_CONDITIONS: dict[str, dict[str, str]] = {
    "en": {
        "explicit_consent": "your explicit consent (Art. 9(2)(a))",
        "employment_social_security": "obligations of employment and social security law "
                                      "(Art. 9(2)(b))",
        "vital_interests": "protection of vital interests (Art. 9(2)(c))",
        "not_for_profit_body": "activities of a not-for-profit body (Art. 9(2)(d))",
        "made_public_by_subject": "data you have made public (Art. 9(2)(e))",
        "legal_claims": "legal claims (Art. 9(2)(f))",
        "substantial_public_interest": "substantial public interest (Art. 9(2)(g))",
        "health_or_social_care": "health or social care (Art. 9(2)(h))",
        "public_health": "public health (Art. 9(2)(i))",
        "archiving_research_statistics": "archiving, research or statistics (Art. 9(2)(j))",
    },
    "fr": {
        "explicit_consent": "votre consentement explicite (art. 9(2)(a))",
        "employment_social_security": "obligations du droit du travail et de la sécurité "
                                      "sociale (art. 9(2)(b))",
        "vital_interests": "sauvegarde des intérêts vitaux (art. 9(2)(c))",
        "not_for_profit_body": "activités d\u2019un organisme à but non lucratif "
                               "(art. 9(2)(d))",
        "made_public_by_subject": "données que vous avez rendues publiques (art. 9(2)(e))",
        "legal_claims": "constatation, exercice ou défense de droits en justice "
                        "(art. 9(2)(f))",
        "substantial_public_interest": "motif d\u2019intérêt public important (art. 9(2)(g))",
        "health_or_social_care": "médecine, soins ou protection sociale (art. 9(2)(h))",
        "public_health": "santé publique (art. 9(2)(i))",
        "archiving_research_statistics": "archives, recherche ou statistiques (art. 9(2)(j))",
    },
}

CONSENT_CHANNELS: dict[str, dict[str, str]] = {
    "en": {
        "banner": "the cookie banner",
        "signup_form": "the sign-up form",
        "preference_center": "the preference center",
        "double_opt_in": "a confirmation email (double opt-in)",
        "api": "our applications",
        "in_app": "the application",
    },
    "fr": {
        "banner": "le bandeau cookies",
        "signup_form": "le formulaire d\u2019inscription",
        "preference_center": "le centre de préférences",
        "double_opt_in": "un e-mail de confirmation (double opt-in)",
        "api": "nos applications",
        "in_app": "l\u2019application",
    },
}

PROCESSOR_ROLES: dict[str, dict[str, str]] = {
    "en": {
        "subprocessor": "Processor, on our instructions",
        "third_party_controller": "Independent controller",
        "joint_controller": "Joint controller, with us",
        "public_authority": "Public authority",
    },
    "fr": {
        "subprocessor": "Sous-traitant, sur nos instructions",
        "third_party_controller": "Responsable de traitement indépendant",
        "joint_controller": "Responsable conjoint, avec nous",
        "public_authority": "Autorité publique",
    },
}

TRANSFER_MECHANISMS: dict[str, dict[str, str]] = {
    "en": {
        "adequacy": "Adequacy decision of the European Commission (Art. 45 GDPR)",
        "scc": "Standard contractual clauses of the European Commission (Art. 46 GDPR)",
        "scc_module": "Standard contractual clauses of the European Commission (Art. 46 "
                      "GDPR), module {module}: {parties}",
        "bcr": "Binding corporate rules (Art. 47 GDPR)",
        "dpf": "Certification under the EU-US Data Privacy Framework (adequacy decision of "
               "10 July 2023)",
        "derogation": "Derogation for a specific situation (Art. 49 GDPR)",
        "derogation_ground": "Derogation for a specific situation (Art. 49 GDPR): {ground}",
    },
    "fr": {
        "adequacy": "Décision d\u2019adéquation de la Commission européenne (art. 45 RGPD)",
        "scc": "Clauses contractuelles types de la Commission européenne (art. 46 RGPD)",
        "scc_module": "Clauses contractuelles types de la Commission européenne (art. 46 "
                      "RGPD), module {module} : {parties}",
        "bcr": "Règles d\u2019entreprise contraignantes (art. 47 RGPD)",
        "dpf": "Certification au Data Privacy Framework UE\u2013États-Unis (décision "
               "d\u2019adéquation du 10 juillet 2023)",
        "derogation": "Dérogation pour une situation particulière (art. 49 RGPD)",
        "derogation_ground": "Dérogation pour une situation particulière (art. 49 RGPD) : "
                             "{ground}",
    },
}

SCC_MODULES: dict[str, dict[int, str]] = {
    "en": {1: "controller to controller", 2: "controller to processor",
           3: "processor to processor", 4: "processor to controller"},
    "fr": {1: "de responsable à responsable", 2: "de responsable à sous-traitant",
           3: "de sous-traitant à sous-traitant", 4: "de sous-traitant à responsable"},
}

JURISDICTIONS: dict[str, dict[str, str]] = {
    "en": {
        "gdpr": "the EU General Data Protection Regulation (GDPR)",
        "uk_gdpr": "the UK GDPR and Data Protection Act 2018",
        "swiss_fadp": "the Swiss Federal Act on Data Protection (FADP)",
        "ccpa": "the California Consumer Privacy Act (CCPA)",
        "lgpd": "Brazil\u2019s General Data Protection Law (LGPD)",
        "pipeda": "Canada\u2019s Personal Information Protection and Electronic Documents "
                  "Act (PIPEDA)",
    },
    "fr": {
        "gdpr": "le règlement général sur la protection des données de l\u2019UE (RGPD)",
        "uk_gdpr": "le UK GDPR et le Data Protection Act 2018 (Royaume-Uni)",
        "swiss_fadp": "la loi fédérale suisse sur la protection des données (LPD)",
        "ccpa": "le California Consumer Privacy Act (CCPA, Californie)",
        "lgpd": "la loi générale brésilienne sur la protection des données (LGPD)",
        "pipeda": "la loi canadienne sur la protection des renseignements personnels et les "
                  "documents électroniques (LPRPDE)",
    },
}

RIGHTS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "access": ("Right of access", "Ask whether we process your data and get a copy of "
                   "it, with what this policy says about it."),
        "rectification": ("Right to rectification", "Have inaccurate or incomplete data "
                          "about you corrected."),
        "erasure": ("Right to erasure", "Have your data deleted, except what the law "
                    "requires us to keep (we tell you what and why)."),
        "restriction": ("Right to restriction of processing", "Have us keep your data but "
                        "stop using it while a question is settled."),
        "portability": ("Right to data portability", "Receive the data you gave us in a "
                        "structured, machine-readable format, or have it sent to another "
                        "company."),
        "objection": ("Right to object", "Object to processing based on our legitimate "
                      "interests, and at any time to direct marketing."),
        "withdraw_consent": ("Right to withdraw consent", "Withdraw a consent at any time; "
                             "this does not affect what was done before."),
        "automated": ("Rights about automated decisions", "Not to be subject to a decision "
                      "based solely on automated processing that significantly affects you; "
                      "to obtain human review, give your view and contest the decision."),
        "opt_out_sale": ("Right to opt out of sale or sharing", "Tell us not to sell or "
                         "share your personal information."),
        "non_discrimination": ("Right to non-discrimination", "Using your rights never "
                               "gets you a worse price or service."),
        "complaint": ("Right to lodge a complaint", "Complain to a data protection "
                      "authority, in particular where you live or work."),
    },
    "fr": {
        "access": ("Droit d\u2019accès", "Savoir si nous traitons vos données et en obtenir "
                   "une copie, avec ce que cette politique en dit."),
        "rectification": ("Droit de rectification", "Faire corriger les données inexactes "
                          "ou incomplètes vous concernant."),
        "erasure": ("Droit à l\u2019effacement", "Faire supprimer vos données, sauf celles "
                    "que la loi nous oblige à conserver (nous vous disons lesquelles et "
                    "pourquoi)."),
        "restriction": ("Droit à la limitation du traitement", "Nous faire conserver vos "
                        "données sans les utiliser le temps qu\u2019une question soit "
                        "réglée."),
        "portability": ("Droit à la portabilité", "Recevoir les données que vous nous avez "
                        "fournies dans un format structuré et lisible par machine, ou les "
                        "faire transmettre à une autre entreprise."),
        "objection": ("Droit d\u2019opposition", "Vous opposer aux traitements fondés sur "
                      "nos intérêts légitimes, et à tout moment à la prospection."),
        "withdraw_consent": ("Droit de retirer votre consentement", "Retirer un "
                             "consentement à tout moment, sans effet sur ce qui a été fait "
                             "avant."),
        "automated": ("Droits face aux décisions automatisées", "Ne pas faire l\u2019objet "
                      "d\u2019une décision fondée exclusivement sur un traitement automatisé "
                      "qui vous affecte de manière significative ; obtenir une intervention "
                      "humaine, exprimer votre point de vue et contester la décision."),
        "opt_out_sale": ("Droit de refuser la vente ou le partage", "Nous demander de ne "
                         "pas vendre ni partager vos informations personnelles."),
        "non_discrimination": ("Droit à la non-discrimination", "Exercer vos droits ne vous "
                               "vaut jamais un prix ou un service moins bon."),
        "complaint": ("Droit d\u2019introduire une réclamation", "Saisir une autorité de "
                      "protection des données, notamment là où vous vivez ou travaillez."),
    },
}

AUTOMATED_GROUNDS: dict[str, dict[str, str]] = {
    "en": {"contract": "Necessary for a contract with you", "law": "Authorised by law",
           "explicit_consent": "Your explicit consent"},
    "fr": {"contract": "Nécessaire à un contrat avec vous", "law": "Autorisé par la loi",
           "explicit_consent": "Votre consentement explicite"},
}

VALUE_TYPES: dict[str, dict[str, str]] = {
    "en": {
        "email": "email addresses", "phone": "telephone numbers",
        "ip_address": "IP addresses", "payment_card": "payment card numbers",
        "iban": "bank account numbers (IBAN)", "bic": "bank codes (BIC)",
        "national_id": "national identity numbers", "vat_number": "VAT numbers",
        "passport": "passport numbers", "date_of_birth": "dates of birth",
        "postal_address": "postal addresses", "gps_coordinates": "GPS coordinates",
        "mac_address": "device hardware (MAC) addresses", "person_name": "people\u2019s names",
        "special_category": "special categories of data (Art. 9 GDPR)",
    },
    "fr": {
        "email": "adresses e-mail", "phone": "numéros de téléphone",
        "ip_address": "adresses IP", "payment_card": "numéros de carte bancaire",
        "iban": "numéros de compte bancaire (IBAN)", "bic": "codes banque (BIC)",
        "national_id": "numéros d\u2019identification nationaux",
        "vat_number": "numéros de TVA", "passport": "numéros de passeport",
        "date_of_birth": "dates de naissance", "postal_address": "adresses postales",
        "gps_coordinates": "coordonnées GPS",
        "mac_address": "adresses matérielles (MAC) d\u2019appareils",
        "person_name": "noms de personnes",
        "special_category": "catégories particulières de données (art. 9 RGPD)",
    },
}

REGIONS: dict[str, dict[str, str]] = {
    "en": {"EU": "the European Union", "EEA": "the European Economic Area"},
    "fr": {"EU": "l\u2019Union européenne", "EEA": "l\u2019Espace économique européen"},
}

# French names of fideslang's data categories and subjects; a key missing here (or a
# company's own key) keeps the taxonomy's name.
CATEGORY_NAMES_FR = {
    "user": "Données de l\u2019utilisateur",
    "user.account": "Informations de compte",
    "user.account.settings": "Paramètres du compte",
    "user.account.username": "Identifiant de compte",
    "user.authorization": "Informations d\u2019authentification",
    "user.authorization.credentials": "Mot de passe du compte",
    "user.authorization.password": "Mot de passe",
    "user.behavior": "Comportement observé",
    "user.behavior.browsing_history": "Historique de navigation",
    "user.behavior.media_consumption": "Consommation de médias",
    "user.behavior.purchase_history": "Historique d\u2019achats",
    "user.behavior.search_history": "Historique de recherche",
    "user.biometric": "Données biométriques",
    "user.childrens": "Données d\u2019enfants",
    "user.contact": "Coordonnées",
    "user.contact.address": "Adresse postale",
    "user.contact.address.street": "Rue",
    "user.contact.address.city": "Ville",
    "user.contact.address.postal_code": "Code postal",
    "user.contact.address.country": "Pays",
    "user.contact.email": "Adresse e-mail",
    "user.contact.phone_number": "Numéro de téléphone",
    "user.contact.url": "Site web",
    "user.contact.fax_number": "Numéro de fax",
    "user.contact.organization": "Organisation",
    "user.content": "Contenu de l\u2019utilisateur",
    "user.content.private": "Contenu privé",
    "user.content.public": "Contenu public",
    "user.content.self_image": "Image de la personne",
    "user.demographic": "Données démographiques",
    "user.demographic.age_range": "Tranche d\u2019âge",
    "user.demographic.date_of_birth": "Date de naissance",
    "user.demographic.gender": "Genre",
    "user.demographic.language": "Langue",
    "user.demographic.marital_status": "Situation familiale",
    "user.demographic.political_opinion": "Opinions politiques",
    "user.demographic.profile": "Profil",
    "user.demographic.race_ethnicity": "Origine raciale ou ethnique",
    "user.demographic.religious_belief": "Convictions religieuses",
    "user.demographic.sexual_orientation": "Orientation sexuelle",
    "user.demographic.trade_union_membership": "Appartenance syndicale",
    "user.device": "Données de l\u2019appareil",
    "user.device.cookie": "Cookie de l\u2019appareil",
    "user.device.cookie_id": "Identifiant de cookie",
    "user.device.device_id": "Identifiant de l\u2019appareil",
    "user.device.ip_address": "Adresse IP",
    "user.financial": "Données financières",
    "user.financial.bank_account": "Compte bancaire",
    "user.financial.credit_card": "Carte bancaire",
    "user.government_id": "Pièce d\u2019identité officielle",
    "user.government_id.passport_number": "Numéro de passeport",
    "user.health_and_medical": "Données de santé",
    "user.job_title": "Fonction",
    "user.location": "Localisation",
    "user.location.imprecise": "Localisation approximative",
    "user.location.precise": "Localisation précise",
    "user.name": "Nom",
    "user.name.first": "Prénom",
    "user.name.last": "Nom de famille",
    "user.payment": "Données de paiement",
    "user.privacy_preferences": "Préférences de confidentialité",
    "user.telemetry": "Télémétrie",
    "user.unique_id": "Identifiant unique",
    "user.unique_id.pseudonymous": "Identifiant pseudonyme",
    "user.workplace": "Lieu de travail",
}

SUBJECT_NAMES_FR = {
    "anonymous_user": "Utilisateur anonyme",
    "citizen_voter": "Citoyen électeur",
    "commuter": "Usager des transports",
    "consultant": "Consultant",
    "customer": "Client",
    "employee": "Salarié",
    "job_applicant": "Candidat à un emploi",
    "next_of_kin": "Proche",
    "passenger": "Passager",
    "patient": "Patient",
    "prospect": "Prospect",
    "shareholder": "Actionnaire",
    "supplier_vendor": "Fournisseur",
    "trainee": "Stagiaire",
    "visitor": "Visiteur",
}
