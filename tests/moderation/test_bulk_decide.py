"""Deciding many cases at once: one transaction, one entry per case, one batch for all."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from outlier.core.models import Membership
from outlier.moderation.actions import MAX_BATCH, do_create_rule, do_decide
from outlier.moderation.models import AuditEntry, Case, CaseState
from outlier.moderation.queries import queue

from .conftest import judge_text


def test_many_cases_are_decided_at_once(team: Any, editor: Membership) -> None:
    do_create_rule(editor, "words", "hold", "held")
    cases = [judge_text(team.workspace, f"Comment {n} held for review") for n in range(3)]
    assert queue(team.workspace).count() == 3
    decided = do_decide(editor, [str(case.pk) for case in cases], "approve")
    assert (decided.count, decided.ignored, decided.unchanged) == (3, 0, 0)
    assert queue(team.workspace).count() == 0
    for case in Case.objects.all():
        assert case.state == CaseState.APPROVED and case.visible
        assert case.decided_by == team.editor and case.decided_at is not None
    entries = AuditEntry.objects.filter(batch=decided.batch)
    assert sorted(entries.values_list("case_id", flat=True)) == sorted(c.pk for c in cases)
    assert {(e.action, e.before["state"], e.after["state"]) for e in entries} == {
        ("approved", "held", "approved")
    }
    again = do_decide(editor, [case.pk for case in cases], "approve")
    assert (again.count, again.unchanged) == (0, 3)
    assert not AuditEntry.objects.filter(batch=again.batch).exists()


def test_bad_bulk_requests_are_refused(team: Any, editor: Membership) -> None:
    case = judge_text(team.workspace, "Thanks!")
    with pytest.raises(ValidationError, match="not a decision"):
        do_decide(editor, [case.pk], "delete")
    with pytest.raises(ValidationError, match="at least one"):
        do_decide(editor, [], "approve")
    with pytest.raises(ValidationError, match="not a case id"):
        do_decide(editor, ["x"], "approve")
    with pytest.raises(ValidationError, match=f"at most {MAX_BATCH}"):
        do_decide(editor, range(1, MAX_BATCH + 2), "approve")
    case.refresh_from_db()
    assert case.state == CaseState.ALLOWED
