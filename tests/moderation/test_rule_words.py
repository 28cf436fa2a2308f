"""A words rule: listed words and phrases, case-insensitively, on word boundaries."""

from __future__ import annotations

from typing import Any

from outlier.core.models import Membership
from outlier.moderation.actions import do_create_rule
from outlier.moderation.models import CaseState

from .conftest import judge_text


def test_a_listed_word_or_phrase_fires_whatever_its_case(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "words", "hold", "  Casino \n\nfree   spins\ncasino")
    assert rule.value == "Casino\nfree spins"  # stripped, blank lines and repeats dropped
    case = judge_text(team.workspace, "Try our CASINO tonight")
    assert case.state == CaseState.HELD and case.rule == rule
    assert case.reason == f"Held: the word “CASINO” (rule #{rule.pk})."
    phrase = judge_text(team.workspace, "Get Free\n spins now")
    assert phrase.rule == rule and "the phrase “Free spins”" in phrase.reason


def test_the_author_name_is_read_too(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "words", "flag", "ferris")
    case = judge_text(team.workspace, "Nice article.", name="Ferris")
    assert case.state == CaseState.FLAGGED and case.rule == rule and case.visible


def test_a_word_inside_another_word_does_not_fire(team: Any, editor: Membership) -> None:
    do_create_rule(editor, "words", "hold", "cat\nfree spins")
    case = judge_text(team.workspace, "The category page is concatenated oddly, spins free.")
    assert case.state == CaseState.ALLOWED and case.rule is None
    assert case.reason.startswith("Allowed: no rule fired")
