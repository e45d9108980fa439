"""The privacy center at ``/privacy-center`` (pages for data subjects)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/privacy-center", include_in_schema=False)
