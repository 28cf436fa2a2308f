"""Every decision teaches the workspace's model: spam and block_author "spam", approve "not
spam", reject nothing. The next similar text gets the new verdict."""

from __future__ import annotations

from typing import Any

from outlier.core.models import Membership
from outlier.moderation.actions import do_decide
from outlier.moderation.learning import model_for, seed_bytes
from outlier.moderation.models import CaseState, SpamState
from outlier.moderation.spam import THRESHOLD

from .conftest import judge_text

FIRST = "Lovely photos. We rent glamping domes by the lake, message us for dates."
SECOND = "Lovely photos! Our glamping domes by the lake still have dates, message us."
UNRELATED = "Lovely photos! Which lake is this? We camped near one like it in June."


def test_marking_spam_holds_the_next_similar_text(team: Any, editor: Membership) -> None:
    first = judge_text(team.workspace, FIRST, name="Lakeside Domes", author="domes@x.org")
    assert first.state == CaseState.ALLOWED  # a campaign the seed has never seen
    do_decide(editor, [first.pk], "spam")
    second = judge_text(team.workspace, SECOND, name="Lake Domes", author="domes2@x.org")
    assert second.state == CaseState.HELD and second.spam_score >= THRESHOLD
    assert second.reason.startswith("Held by the spam model (score ")
    assert judge_text(team.workspace, UNRELATED).state == CaseState.ALLOWED
    assert SpamState.objects.get(workspace=team.workspace).learned == 1
    # Another workspace's model has not learnt it.
    elsewhere = judge_text(team.other_workspace, SECOND, name="Lake Domes")
    assert elsewhere.state == CaseState.ALLOWED


def test_blocking_the_author_teaches_spam_too(team: Any, editor: Membership) -> None:
    first = judge_text(team.workspace, FIRST, name="Lakeside Domes", author="domes@x.org")
    do_decide(editor, [first.pk], "block_author")
    second = judge_text(team.workspace, SECOND, name="Lake Domes", author="domes2@x.org")
    assert second.state == CaseState.HELD


def test_approving_lowers_the_next_similar_text(team: Any, editor: Membership) -> None:
    first = judge_text(team.workspace, "Call the council on 020 7946 0000, they fixed it!")
    before = judge_text(team.workspace, "Call the council on 020 7946 0000 about potholes!")
    do_decide(editor, [first.pk], "approve")
    after = judge_text(team.workspace, "Call the council on 020 7946 0000 about potholes!!")
    assert after.spam_score < before.spam_score


def test_rejecting_teaches_nothing(team: Any, editor: Membership) -> None:
    first = judge_text(team.workspace, FIRST, name="Lakeside Domes")
    do_decide(editor, [first.pk], "reject")
    state = SpamState.objects.get(workspace=team.workspace)
    assert bytes(state.data) == seed_bytes() and state.learned == 0
    assert judge_text(team.workspace, SECOND, name="Lake Domes").state == CaseState.ALLOWED


def test_the_decoded_model_is_cached_until_it_changes(team: Any, editor: Membership) -> None:
    first = judge_text(team.workspace, FIRST, name="Lakeside Domes")
    do_decide(editor, [first.pk], "spam")
    model = model_for(team.workspace.pk)
    assert model_for(team.workspace.pk) is model
    second = judge_text(team.workspace, SECOND, name="Lake Domes")
    do_decide(editor, [second.pk], "approve")
    assert model_for(team.workspace.pk) is not model
