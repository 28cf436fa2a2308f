"""Moderation's shared helpers: judging a text in the team's workspace, and members."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest

from outlier.core.models import Membership, User, Workspace
from outlier.moderation.actions import do_create_rule
from outlier.moderation.judging import judge
from outlier.moderation.keys import address_key_for, author_key_for
from outlier.moderation.learning import fixture_rows
from outlier.moderation.models import Case, CaseState, Rule, Subject
from outlier.moderation.spam import Text

_ids = itertools.count(1)


def member(workspace: Workspace, user: User) -> Membership:
    return Membership.objects.select_related("workspace", "user").get(
        workspace=workspace, user=user
    )


def judge_text(
    workspace: Workspace,
    body: str,
    *,
    author: str = "ana@example.org",
    name: str = "Ana",
    url: str = "",
    links: tuple[str, ...] = (),
    address: str = "",
    language: str = "",
    subject: str = Subject.COMMENT,
    subject_id: str | None = None,
    now: datetime | None = None,
) -> Case:
    return judge(
        workspace,
        subject,
        subject_id or f"c{next(_ids)}",
        Text(body, author_name=name, author_url=url, links=links),
        author_key=author_key_for(workspace, author),
        address_key=address_key_for(address),
        language=language,
        now=now,
    )


def fixture_row(split: str, spam: bool, contains: str = "") -> dict[str, Any]:
    """The first row of the fixture's split with that label (and containing `contains`)."""
    return next(
        row
        for row in fixture_rows(split)
        if row["spam"] == spam and contains.lower() in row["body"].lower()
    )


@pytest.fixture
def editor(team: Any) -> Membership:
    return member(team.workspace, team.editor)


@pytest.fixture
def owner(team: Any) -> Membership:
    return member(team.workspace, team.owner)


# --- the pages and the API ------------------------------------------------------------------

_authors = itertools.count(1)
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>"


@pytest.fixture
def holding(team: Any) -> Rule:
    """A rule that holds every new author's first text: each `held` text waits in the queue."""
    return do_create_rule(member(team.workspace, team.owner), "new_author", "hold")


def held(workspace: Workspace, body: str = "Is the report out yet?", **values: Any) -> Case:
    """A text of a new author, held by the `holding` rule (each call: another author)."""
    values.setdefault("author", f"visitor{next(_authors)}@example.org")
    case = judge_text(workspace, body, **values)
    assert case.state == CaseState.HELD, case.reason
    return case


def queue_url(team: Any, tail: str = "") -> str:
    return f"/app/{team.workspace.slug}/moderation/{tail}"
