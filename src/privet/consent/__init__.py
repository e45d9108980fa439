"""Consent: versioned notices, append-only receipts, the banner, GPC, the preference center
and one-click unsubscribe (see docs/consent.md)."""
