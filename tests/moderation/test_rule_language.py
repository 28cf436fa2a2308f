"""A language rule fires when the text's language is known and not among those allowed."""

from __future__ import annotations

from typing import Any

from outlier.core.models import Membership
from outlier.moderation.actions import do_create_rule
from outlier.moderation.models import CaseState

from .conftest import judge_text


def test_a_language_not_allowed_fires(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "language", "hold", "EN\nfr")
    assert rule.value == "en\nfr"
    case = judge_text(team.workspace, "Guten Tag, sehr interessant.", language="de")
    assert case.state == CaseState.HELD and case.rule == rule
    assert case.reason == f"Held: language “de” is not among en, fr (rule #{rule.pk})."


def test_allowed_or_unknown_languages_do_not_fire(team: Any, editor: Membership) -> None:
    do_create_rule(editor, "language", "hold", "en\nfr")
    for language in ("en", "fr", "en-GB", "en_us", ""):
        case = judge_text(team.workspace, "Thanks for the article!", language=language)
        assert case.state == CaseState.ALLOWED and case.rule is None, language
