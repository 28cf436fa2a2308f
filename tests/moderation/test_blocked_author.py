"""Blocking an author: their waiting cases and their next texts are blocked; unblocking ends it."""

from __future__ import annotations

from typing import Any

from outlier.core.models import Membership
from outlier.moderation.actions import do_create_rule, do_decide, do_unblock_author
from outlier.moderation.models import BlockedAuthor, CaseState

from .conftest import judge_text


def test_a_blocked_authors_texts_are_blocked(team: Any, editor: Membership) -> None:
    do_create_rule(editor, "words", "hold", "slots")
    first = judge_text(
        team.workspace, "Slots tonight", author="slots@spam.example", name="Slots 4U"
    )
    second = judge_text(team.workspace, "More slots", author="slots@spam.example", name="Slots 4U")
    shown = judge_text(team.workspace, "Nice", author="slots@spam.example", name="Sam")
    assert first.state == second.state == CaseState.HELD and shown.state == CaseState.ALLOWED

    decided = do_decide(editor, [first.pk], "block_author")
    assert decided.count == 2  # the chosen case and the author's other held one
    blocked = BlockedAuthor.objects.get(workspace=team.workspace)
    assert blocked.label == "Slots 4U" and blocked.created_by == team.editor
    assert blocked.author_key == first.author_key != "slots@spam.example"
    second.refresh_from_db()
    shown.refresh_from_db()
    assert second.state == CaseState.BLOCKED and shown.state == CaseState.ALLOWED  # shown stays

    later = judge_text(team.workspace, "Hello again", author="SLOTS@spam.example ", name="S")
    assert later.state == CaseState.BLOCKED and later.rule is None and not later.visible
    assert later.reason == "Blocked: “Slots 4U” is a blocked author."
    elsewhere = judge_text(team.other_workspace, "Hello", author="slots@spam.example")
    assert elsewhere.state == CaseState.ALLOWED

    do_unblock_author(editor, blocked.pk)
    assert not BlockedAuthor.objects.exists()
    assert judge_text(team.workspace, "Hi", author="slots@spam.example").state == CaseState.ALLOWED
    later.refresh_from_db()
    assert later.state == CaseState.BLOCKED  # unblocking does not change what was decided
