"""Judging the same text twice gives back the case as it was: no second case, no second entry."""

from __future__ import annotations

from typing import Any

from outlier.moderation.models import AuditEntry, Case, CaseState, Subject

from .conftest import judge_text


def test_judging_the_same_subject_again_returns_the_existing_case_unchanged(team: Any) -> None:
    first = judge_text(team.workspace, "Thanks for the article!", subject_id="42")
    again = judge_text(
        team.workspace, "Best online casino, free spins https://spins.example", subject_id="42"
    )
    assert again.pk == first.pk
    assert again.body == "Thanks for the article!" and again.state == CaseState.ALLOWED
    assert Case.objects.count() == 1
    assert AuditEntry.objects.filter(action="judged").count() == 1


def test_the_same_id_under_another_subject_is_another_text(team: Any) -> None:
    comment = judge_text(team.workspace, "Thanks for the article!", subject_id="42")
    inbox = judge_text(
        team.workspace, "Thanks for the article!", subject_id="42", subject=Subject.INBOX
    )
    assert inbox.pk != comment.pk
    other = judge_text(team.other_workspace, "Thanks for the article!", subject_id="42")
    assert other.pk not in (comment.pk, inbox.pk)
    assert Case.objects.count() == 3
