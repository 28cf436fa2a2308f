"""When several rules fire, the strictest action wins (block > hold > flag), and among rules
of the same action the first by id."""

from __future__ import annotations

from typing import Any

from outlier.core.models import Membership
from outlier.moderation.actions import do_create_rule, do_update_rule
from outlier.moderation.models import CaseState
from outlier.moderation.queries import queue

from .conftest import judge_text

BODY = "Special offer at https://deals.example today"


def test_block_beats_hold_beats_flag(team: Any, editor: Membership) -> None:
    do_create_rule(editor, "words", "flag", "offer")
    hold = do_create_rule(editor, "links", "hold", "0")
    block = do_create_rule(editor, "domain", "block", "deals.example")
    case = judge_text(team.workspace, BODY)
    assert case.state == CaseState.BLOCKED and case.rule == block
    do_update_rule(editor, block.pk, enabled=False)
    case = judge_text(team.workspace, BODY)
    assert case.state == CaseState.HELD and case.rule == hold


def test_among_equals_the_first_rule_by_id_wins(team: Any, editor: Membership) -> None:
    first = do_create_rule(editor, "words", "hold", "offer")
    do_create_rule(editor, "links", "hold", "0")
    assert judge_text(team.workspace, BODY).rule == first


def test_a_flagged_text_is_shown_and_waits_in_the_queue(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "words", "flag", "offer")
    case = judge_text(team.workspace, "Is the offer in the article still open? The map says so.")
    assert case.state == CaseState.FLAGGED and case.rule == rule and case.visible
    assert case.reason == f"Flagged: the word “offer” (rule #{rule.pk})."
    assert list(queue(team.workspace)) == [case]
