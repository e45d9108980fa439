"""Outgoing email: the outbox."""
