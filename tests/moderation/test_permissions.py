"""Moderating needs the editor role or higher: viewers and contributors are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from outlier.core.models import Membership
from outlier.moderation.actions import (
    do_create_rule,
    do_decide,
    do_delete_rule,
    do_unblock_author,
    do_undo,
    do_update_rule,
)
from outlier.moderation.models import AuditEntry, BlockedAuthor, CaseState, Rule

from .conftest import judge_text, member


@pytest.mark.parametrize("who", ["viewer", "contributor"])
def test_viewers_and_contributors_are_refused(team: Any, editor: Membership, who: str) -> None:
    case = judge_text(team.workspace, "Thanks!")
    rule = do_create_rule(editor, "words", "hold", "casino")
    decided = do_decide(editor, [case.pk], "block_author")
    blocked = BlockedAuthor.objects.get()
    entries = AuditEntry.objects.count()
    them = member(team.workspace, getattr(team, who))
    calls: list[Callable[[], object]] = [
        lambda: do_decide(them, [case.pk], "approve"),
        lambda: do_undo(them, decided.batch),
        lambda: do_unblock_author(them, blocked.pk),
        lambda: do_create_rule(them, "words", "hold", "slots"),
        lambda: do_update_rule(them, rule.pk, enabled=False),
        lambda: do_delete_rule(them, rule.pk),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="needs the editor role or higher"):
            call()
    case.refresh_from_db()
    assert case.state == CaseState.BLOCKED and Rule.objects.get().enabled
    assert BlockedAuthor.objects.exists() and AuditEntry.objects.count() == entries


def test_owners_and_editors_may(team: Any, owner: Membership, editor: Membership) -> None:
    case = judge_text(team.workspace, "Thanks!")
    assert do_decide(owner, [case.pk], "approve").count == 1
    rule = do_create_rule(editor, "words", "hold", "casino")
    do_update_rule(owner, rule.pk, action="flag")
    do_delete_rule(editor, rule.pk)
    assert not Rule.objects.exists()
