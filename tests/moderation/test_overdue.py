"""The queue (held and flagged cases, oldest first) and what in it waited more than 4 hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from outlier.core.models import Membership
from outlier.moderation.actions import do_create_rule, do_decide
from outlier.moderation.models import Subject
from outlier.moderation.queries import OVERDUE, overdue, queue

from .conftest import judge_text


def test_cases_waiting_more_than_four_hours_are_overdue(team: Any, editor: Membership) -> None:
    assert timedelta(hours=4) == OVERDUE
    do_create_rule(editor, "words", "hold", "held")
    do_create_rule(editor, "words", "flag", "flagged")
    now = timezone.now()
    old = judge_text(team.workspace, "held", now=now - timedelta(hours=5))
    old_flag = judge_text(team.workspace, "flagged", now=now - timedelta(hours=4, minutes=1))
    recent = judge_text(team.workspace, "held", now=now - timedelta(hours=3))
    judge_text(team.workspace, "fine", now=now - timedelta(hours=9))  # allowed: not waiting
    decided = judge_text(team.workspace, "held", now=now - timedelta(hours=6))
    do_decide(editor, [decided.pk], "approve")
    assert list(overdue(team.workspace, now=now)) == [old, old_flag]
    assert list(overdue(team.workspace, now=now + timedelta(hours=2))) == [old, old_flag, recent]
    assert list(queue(team.workspace)) == [old, old_flag, recent]
    assert list(queue(team.workspace, oldest_first=False)) == [recent, old_flag, old]


def test_the_queue_by_subject(team: Any, editor: Membership) -> None:
    do_create_rule(editor, "words", "hold", "held")
    comment = judge_text(team.workspace, "held")
    inbox = judge_text(team.workspace, "held", subject=Subject.INBOX)
    assert list(queue(team.workspace, subject=Subject.INBOX)) == [inbox]
    assert list(queue(team.workspace, subject=Subject.COMMENT)) == [comment]
    assert list(queue(team.other_workspace)) == []
