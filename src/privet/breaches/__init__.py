"""Breaches: the register (GDPR Art. 33(5)), the 72-hour clock, decisions, phased
notifications, and drafts of the notices to the authority and to the people affected."""
