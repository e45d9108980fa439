"""The admin API: the privacy team's side of requests, for machines with API keys."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["admin"])
