"""The scan's HTML report: one self-contained page a DPO can read, file it or mail it
(`privet scan --format html --out scan.html`; the admin serves the same page)."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("privet.discovery", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def render_html(report: dict[str, Any], *, organization: str) -> str:
    """``report`` as ``ScanReport.as_json`` (or a stored scan's) gives it."""
    return _environment().get_template("report.html").render(report=report,
                                                             organization=organization)
