"""A new-author rule fires while an author has no allowed or approved text in the workspace."""

from __future__ import annotations

from typing import Any

from outlier.core.models import Membership
from outlier.moderation.actions import do_create_rule, do_decide
from outlier.moderation.models import CaseState

from .conftest import judge_text


def test_a_new_author_is_held_only_until_a_text_of_theirs_is_let_through(
    team: Any, editor: Membership
) -> None:
    known = judge_text(team.workspace, "Great piece, I shared it with my team.", author="bo@x.org")
    assert known.state == CaseState.ALLOWED
    rule = do_create_rule(editor, "new_author", "hold", "")
    assert judge_text(team.workspace, "And again, thanks.", author="bo@x.org").rule is None

    first = judge_text(team.workspace, "Thanks for the article!", author="cy@x.org")
    assert first.state == CaseState.HELD and first.rule == rule
    assert first.reason == f"Held: a first text from a new author (rule #{rule.pk})."
    do_decide(editor, [first.pk], "approve")
    second = judge_text(team.workspace, "Another thought on it.", author="cy@x.org")
    assert second.state == CaseState.ALLOWED and second.rule is None


def test_a_known_author_elsewhere_is_new_here(team: Any, editor: Membership) -> None:
    judge_text(team.other_workspace, "Thanks for the article!", author="cy@x.org")
    do_create_rule(editor, "new_author", "flag")
    assert judge_text(team.workspace, "Thanks!", author="cy@x.org").state == CaseState.FLAGGED
