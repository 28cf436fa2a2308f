"""A member touches only their own workspace's cases, rules and decisions."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from outlier.core.models import Membership
from outlier.moderation.actions import (
    access_case,
    do_create_rule,
    do_decide,
    do_delete_rule,
    do_unblock_author,
    do_undo,
    do_update_rule,
)
from outlier.moderation.models import BlockedAuthor, CaseState, Rule

from .conftest import judge_text, member


def test_an_outsider_cannot_touch_another_workspaces_cases(team: Any, editor: Membership) -> None:
    outsider = member(team.other_workspace, team.outsider)  # an owner, of the other workspace
    case = judge_text(team.workspace, "Thanks!")
    rule = do_create_rule(editor, "words", "hold", "casino")
    decided = do_decide(editor, [case.pk], "block_author")
    blocked = BlockedAuthor.objects.get()
    with pytest.raises(Http404):
        do_decide(outsider, [case.pk], "approve")
    with pytest.raises(Http404):
        do_undo(outsider, decided.batch)
    with pytest.raises(Http404):
        do_unblock_author(outsider, blocked.pk)
    with pytest.raises(Http404):
        do_update_rule(outsider, rule.pk, enabled=False)
    with pytest.raises(Http404):
        do_delete_rule(outsider, rule.pk)
    with pytest.raises(Http404):
        access_case(outsider, case.pk)
    case.refresh_from_db()
    assert case.state == CaseState.BLOCKED and Rule.objects.get().enabled
    assert BlockedAuthor.objects.count() == 1


def test_foreign_ids_in_a_bulk_decision_are_ignored_and_counted(
    team: Any, editor: Membership
) -> None:
    ours = judge_text(team.workspace, "Thanks!")
    theirs = judge_text(team.other_workspace, "Thanks!")
    decided = do_decide(editor, [ours.pk, theirs.pk, 999_999], "reject")
    assert (decided.count, decided.ignored) == (1, 2)
    theirs.refresh_from_db()
    assert theirs.state == CaseState.ALLOWED and theirs.decided_at is None
