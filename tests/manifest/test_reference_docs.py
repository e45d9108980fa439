"""docs/manifest.md stays true: its reference is what the models say, and every rule is in it."""

from __future__ import annotations

from pathlib import Path

from privet.manifest.lint import RULES
from privet.manifest.reference import embed_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "manifest.md"


def test_reference_matches_the_models() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert embed_reference(text) == text, (
        "docs/manifest.md is out of date: run `privet manifest reference --update docs/manifest.md`"
    )


def test_every_lint_rule_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [rule_id for rule_id in RULES if f"`{rule_id}`" not in text]
    assert missing == []


def test_every_live_rule_is_documented() -> None:
    from privet.datastores.live_checks import LIVE_RULES

    text = DOC.read_text(encoding="utf-8")
    assert [rule_id for rule_id in LIVE_RULES if f"`{rule_id}`" not in text] == []
