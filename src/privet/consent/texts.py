"""The words of the banner and of the cookie categories, in the languages Privet ships.

They are part of the notice (and of its hash): a change of wording is a new notice version.
"""

from __future__ import annotations

from privet.manifest.schema import CookieCategory

LANGUAGES = ("en", "fr")

BANNER: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your choice about cookies",
        "body": "{organization} uses cookies that are needed for the site to work. With "
                "your consent, it also uses the cookies below. Accept or reject them all, or "
                "choose category by category; you can change your mind at any time from "
                "\u201cCookie settings\u201d.",
        "accept_all": "Accept all",
        "reject_all": "Reject all",
        "customise": "Choose",
        "save": "Save my choices",
        "settings": "Cookie settings",
        "always_on": "Always on",
        "cookies": "Cookies",
        "lifetime": "Lifetime",
        "provider": "Set by",
        "gpc_honoured": "Your browser sent a Global Privacy Control signal: we honour it as "
                        "a refusal of advertising and of selling or sharing your data.",
        "saved": "Your choice is saved.",
        "policy": "Our privacy policy",
    },
    "fr": {
        "title": "Votre choix sur les cookies",
        "body": "{organization} utilise des cookies nécessaires au fonctionnement du site. "
                "Avec votre accord, il utilise aussi les cookies ci-dessous. Acceptez-les "
                "ou refusez-les tous, ou choisissez catégorie par catégorie ; vous pouvez "
                "changer d\u2019avis à tout moment depuis \u00ab\u00a0Paramètres des "
                "cookies\u00a0\u00bb.",
        "accept_all": "Tout accepter",
        "reject_all": "Tout refuser",
        "customise": "Choisir",
        "save": "Enregistrer mes choix",
        "settings": "Paramètres des cookies",
        "always_on": "Toujours actifs",
        "cookies": "Cookies",
        "lifetime": "Durée",
        "provider": "Déposé par",
        "gpc_honoured": "Votre navigateur a envoyé un signal Global Privacy Control : nous le "
                        "respectons comme un refus de la publicité et de la vente ou du "
                        "partage de vos données.",
        "saved": "Votre choix est enregistré.",
        "policy": "Notre politique de confidentialité",
    },
}

CATEGORIES: dict[CookieCategory, dict[str, tuple[str, str]]] = {
    CookieCategory.necessary: {
        "en": ("Strictly necessary", "Needed for the site to work and to keep it secure; "
                                     "they cannot be switched off."),
        "fr": ("Strictement nécessaires", "Indispensables au fonctionnement et à la "
                                          "sécurité du site ; ils ne peuvent pas être "
                                          "désactivés."),
    },
    CookieCategory.preferences: {
        "en": ("Preferences", "Remember your settings, such as your language."),
        "fr": ("Préférences", "Retiennent vos réglages, comme votre langue."),
    },
    CookieCategory.functional: {
        "en": ("Functional", "Extra features such as the live chat history."),
        "fr": ("Fonctionnels", "Des fonctions en plus, comme l\u2019historique du chat."),
    },
    CookieCategory.analytics: {
        "en": ("Audience measurement", "Count visits and pages seen to improve the site."),
        "fr": ("Mesure d\u2019audience", "Comptent les visites et les pages vues pour "
                                         "améliorer le site."),
    },
    CookieCategory.marketing: {
        "en": ("Advertising", "Measure our ads and show them to you on other sites."),
        "fr": ("Publicité", "Mesurent nos publicités et vous les montrent sur d\u2019autres "
                            "sites."),
    },
}
