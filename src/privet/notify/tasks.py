"""Periodic email work: deliver the outbox."""

from __future__ import annotations
