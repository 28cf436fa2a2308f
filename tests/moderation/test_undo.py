"""Undo puts each case back on the decision it stood on, unblocks the author a block made, and
makes the model again from the seed and the decisions still standing: to the bit."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from outlier.core.models import Membership
from outlier.moderation.actions import do_create_rule, do_decide, do_unblock_author, do_undo
from outlier.moderation.learning import seed_bytes
from outlier.moderation.models import AuditEntry, BlockedAuthor, CaseState, SpamState
from outlier.moderation.queries import queue

from .conftest import judge_text

FIRST = "Lovely photos. We rent glamping domes by the lake, message us for dates."
SECOND = "Lovely photos! Our glamping domes by the lake still have dates, message us."


def model_bytes(team: Any) -> bytes:
    state = SpamState.objects.filter(workspace=team.workspace).first()
    return bytes(state.data) if state else seed_bytes()


def test_undo_restores_the_state_and_the_model_exactly(team: Any, editor: Membership) -> None:
    first = judge_text(team.workspace, FIRST, name="Lakeside Domes")
    probe = judge_text(team.workspace, SECOND, name="Lake Domes", subject_id="probe-1")
    decided = do_decide(editor, [first.pk], "spam")
    assert judge_text(team.workspace, SECOND, name="Lake Domes").state == CaseState.HELD

    undone = do_undo(editor, decided.batch)
    assert undone.count == 1
    first.refresh_from_db()
    assert first.state == CaseState.ALLOWED and first.decided_at is None
    assert first.decided_by is None
    state = SpamState.objects.get(workspace=team.workspace)
    assert bytes(state.data) == seed_bytes() and state.learned == 0
    again = judge_text(team.workspace, SECOND, name="Lake Domes", subject_id="probe-2")
    assert again.spam_score == probe.spam_score and again.state == CaseState.ALLOWED


def test_undo_keeps_the_decisions_before_it(team: Any, editor: Membership) -> None:
    good = judge_text(team.workspace, "Call the council on 020 7946 0000, they fixed it!")
    spam = judge_text(team.workspace, FIRST, name="Lakeside Domes")
    do_decide(editor, [good.pk], "approve")
    after_first = model_bytes(team)
    decided = do_decide(editor, [spam.pk], "spam")
    assert model_bytes(team) != after_first
    do_undo(editor, decided.batch)
    assert model_bytes(team) == after_first
    assert SpamState.objects.get(workspace=team.workspace).learned == 1


def test_a_case_decided_again_is_learnt_once(team: Any, editor: Membership) -> None:
    """Approve then mark spam: the model is the seed plus "spam", not plus both."""
    case = judge_text(team.workspace, FIRST, name="Lakeside Domes")
    do_decide(editor, [case.pk], "approve")
    do_decide(editor, [case.pk], "spam")
    only_spam = model_bytes(team)
    other = judge_text(team.other_workspace, FIRST, name="Lakeside Domes")
    outsider = Membership.objects.get(workspace=team.other_workspace, user=team.outsider)
    do_decide(outsider, [other.pk], "spam")
    assert only_spam == bytes(SpamState.objects.get(workspace=team.other_workspace).data)


def test_undo_of_a_block_unblocks_and_restores_the_swept_cases(
    team: Any, editor: Membership
) -> None:
    author = "slots@spam.example"
    one = judge_text(team.workspace, FIRST, author=author, name="Slots 4U")
    two = judge_text(team.workspace, SECOND, author=author, name="Slots 4U")
    do_decide(editor, [two.pk], "reject")
    decided = do_decide(editor, [one.pk], "block_author")
    assert BlockedAuthor.objects.count() == 1
    do_undo(editor, decided.batch)
    assert not BlockedAuthor.objects.exists()
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.state == CaseState.ALLOWED and two.state == CaseState.REJECTED
    assert model_bytes(team) == seed_bytes()


def test_undo_of_a_block_puts_the_authors_held_cases_back_in_the_queue(
    team: Any, editor: Membership
) -> None:
    do_create_rule(editor, "words", "hold", "domes")
    one = judge_text(team.workspace, FIRST, author="d@x.org", name="Domes")
    two = judge_text(team.workspace, SECOND, author="d@x.org", name="Domes")
    decided = do_decide(editor, [one.pk], "block_author")
    assert decided.count == 2 and not queue(team.workspace).exists()
    do_undo(editor, decided.batch)
    assert list(queue(team.workspace)) == [one, two]
    assert all(case.decided_at is None for case in queue(team.workspace))
    assert model_bytes(team) == seed_bytes()


def test_undoing_twice_is_refused(team: Any, editor: Membership) -> None:
    case = judge_text(team.workspace, FIRST)
    decided = do_decide(editor, [case.pk], "spam")
    undone = do_undo(editor, decided.batch)
    with pytest.raises(ValidationError, match="already undone"):
        do_undo(editor, decided.batch)
    with pytest.raises(ValidationError, match="cannot itself be undone"):
        do_undo(editor, undone.batch)
    assert AuditEntry.objects.filter(action="undone").count() == 1


def test_a_case_decided_again_since_must_be_undone_first(team: Any, editor: Membership) -> None:
    case = judge_text(team.workspace, FIRST)
    approved = do_decide(editor, [case.pk], "approve")
    marked = do_decide(editor, [case.pk], "spam")
    with pytest.raises(ValidationError, match=f"Case #{case.pk} was decided again"):
        do_undo(editor, approved.batch)
    do_undo(editor, marked.batch)
    do_undo(editor, approved.batch)
    case.refresh_from_db()
    assert case.state == CaseState.ALLOWED and model_bytes(team) == seed_bytes()


def test_undo_of_an_unblock_blocks_again(team: Any, editor: Membership) -> None:
    case = judge_text(team.workspace, FIRST, author="x@spam.example", name="X")
    do_decide(editor, [case.pk], "block_author")
    blocked = BlockedAuthor.objects.get()
    batch = do_unblock_author(editor, blocked.pk)
    do_undo(editor, batch)
    again = BlockedAuthor.objects.get()
    assert (again.author_key, again.label) == (blocked.author_key, "X")
    assert judge_text(team.workspace, "Hi", author="x@spam.example").state == CaseState.BLOCKED


def test_judging_and_unknown_batches_cannot_be_undone(team: Any, editor: Membership) -> None:
    case = judge_text(team.workspace, FIRST)
    judged = AuditEntry.objects.get(case_id=case.pk)
    with pytest.raises(ValidationError, match="Only decisions and unblocking"):
        do_undo(editor, judged.batch)
    with pytest.raises(Http404):
        do_undo(editor, "not-a-uuid")
    with pytest.raises(Http404):
        do_undo(editor, "00000000-0000-4000-8000-000000000000")
