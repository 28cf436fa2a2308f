"""A rate rule: more than N texts in M minutes from one author or one address, counted from
the cases in the database (so every process counts the same texts)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from outlier.core.models import Membership
from outlier.moderation.actions import do_create_rule
from outlier.moderation.keys import author_key_for
from outlier.moderation.models import Case, CaseState, Subject

from .conftest import judge_text


def test_more_than_n_texts_in_m_minutes_from_one_author(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "rate", "hold", "2 PER 10 minutes")
    assert rule.value == "2 per 10"
    start = timezone.now()
    for minute in (0, 3):
        case = judge_text(team.workspace, "Thanks!", now=start + timedelta(minutes=minute))
        assert case.state == CaseState.ALLOWED
    third = judge_text(team.workspace, "Thanks!", now=start + timedelta(minutes=6))
    assert third.state == CaseState.HELD and third.rule == rule
    assert third.reason == (
        f"Held: more than 2 texts in 10 minutes from this author (rule #{rule.pk})."
    )
    # 10 minutes after the first, only the 2nd and the 3rd are in the window.
    later = judge_text(team.workspace, "Thanks!", now=start + timedelta(minutes=10, seconds=1))
    assert later.state == CaseState.HELD
    quiet = judge_text(team.workspace, "Thanks!", now=start + timedelta(minutes=30))
    assert quiet.state == CaseState.ALLOWED


def test_the_count_comes_from_the_rows(team: Any, editor: Membership) -> None:
    """Texts judged by another process are rows like any: they count."""
    do_create_rule(editor, "rate", "hold", "1 per 60")
    Case.objects.create(
        workspace=team.workspace,
        subject=Subject.INBOX,
        subject_id="elsewhere",
        author_key=author_key_for(team.workspace, "ana@example.org"),
        state=CaseState.ALLOWED,
        created_at=timezone.now() - timedelta(minutes=5),
    )
    assert judge_text(team.workspace, "Thanks!").state == CaseState.HELD


def test_one_address_is_limited_while_another_passes(team: Any, editor: Membership) -> None:
    rule = do_create_rule(editor, "rate", "block", "2 per 10")
    for n in range(2):
        case = judge_text(team.workspace, "Thanks!", author=f"a{n}@x.org", address="203.0.113.5")
        assert case.state == CaseState.ALLOWED
    third = judge_text(team.workspace, "Thanks!", author="a2@x.org", address="203.0.113.5")
    assert third.state == CaseState.BLOCKED and third.rule == rule
    assert "from this address" in third.reason
    other = judge_text(team.workspace, "Thanks!", author="a3@x.org", address="198.51.100.7")
    assert other.state == CaseState.ALLOWED
    anonymous = judge_text(team.workspace, "Thanks!", author="a4@x.org")  # no address: not lumped
    assert anonymous.state == CaseState.ALLOWED
