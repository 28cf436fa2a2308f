"""The review queue page: held and flagged texts of every subject, oldest first, each with its
author, subject, wait, reason and rule, and its spam score with the model's top features;
filters by subject and state, and a view of the decisions."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.html import escape

from outlier.moderation.actions import do_create_rule, do_decide
from outlier.moderation.learning import model_for
from outlier.moderation.models import Subject

from .conftest import held, judge_text, queue_url


def case_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-case="(\d+)"', html)]


def test_every_subject_waits_in_one_queue_oldest_first(team: Any, holding: Any) -> None:
    now = timezone.now()
    comment = held(team.workspace, "First comment", now=now - timedelta(hours=2))
    inbox = held(team.workspace, "A reply", subject=Subject.INBOX, now=now - timedelta(hours=1))
    suggestion = held(team.workspace, "Read this", subject=Subject.SUGGESTION, now=now)
    page = team.client(team.viewer).get(queue_url(team))
    assert page.status_code == 200
    html = page.content.decode()
    assert case_ids(html) == [comment.pk, inbox.pk, suggestion.pk]
    for label in ("Comment", "Inbox item", "Suggestion"):
        assert f'<span class="badge subject">{label}</span>' in html
    assert "waiting 2 h" in html and "waiting 1 h" in html
    assert "Waiting (3)" in html


def test_the_subject_and_state_filters(team: Any, editor: Any, holding: Any) -> None:
    do_create_rule(editor, "words", "flag", "flagme")
    comment = held(team.workspace, "A comment")
    inbox = held(team.workspace, "An inbox reply", subject=Subject.INBOX)
    flagged = judge_text(team.workspace, "please flagme", author="known@example.org")
    assert flagged.state == "held"  # the new-author rule (hold) beats the flag
    do_decide(editor, [flagged.pk], "approve")
    shown = judge_text(team.workspace, "flagme again", author="known@example.org")
    assert shown.state == "flagged"
    client = team.client(team.viewer)
    assert case_ids(client.get(queue_url(team, "?subject=inbox")).content.decode()) == [inbox.pk]
    assert case_ids(client.get(queue_url(team, "?state=held")).content.decode()) == [
        comment.pk, inbox.pk]  # fmt: skip
    assert case_ids(client.get(queue_url(team, "?state=flagged")).content.decode()) == [shown.pk]
    decided = client.get(queue_url(team, "?state=decided")).content.decode()
    assert case_ids(decided) == [flagged.pk] and "Approved by editor@acme.test" in decided
    # Unknown filters fall back to the whole queue rather than failing.
    everything = client.get(queue_url(team, "?subject=nope&state=nope"))
    assert everything.status_code == 200
    assert set(case_ids(everything.content.decode())) == {comment.pk, inbox.pk, shown.pk}


def test_each_text_shows_its_reason_rule_spam_score_and_features(team: Any, holding: Any) -> None:
    case = held(team.workspace, "Cheap pills, buy now!!! Visit www.pills.example",
                name="Promo", url="https://pills.example/shop")  # fmt: skip
    html = team.client(team.viewer).get(queue_url(team)).content.decode()
    assert case.reason and case.reason.split(":")[0] in html
    assert f"Rule #{holding.pk}: first text of a new author, hold for review" in html
    assert f"Spam score {round(case.spam_score * 100)}%" in html
    top = model_for(team.workspace.pk).why(case.text, limit=3)
    assert top and all(escape(reason.label) in html for reason in top)
    assert ('<a class="website" href="https://pills.example/shop" rel="nofollow ugc noopener '
            'noreferrer"') in html  # fmt: skip
    assert f'href="/app/acme/moderation/audit/?case={case.pk}"' in html


def test_the_queue_is_per_workspace(team: Any, holding: Any) -> None:
    mine = held(team.workspace, "Mine")
    judge_text(team.other_workspace, "Theirs")
    html = team.client(team.viewer).get(queue_url(team)).content.decode()
    assert case_ids(html) == [mine.pk] and "Theirs" not in html
    assert team.client(team.outsider).get(queue_url(team)).status_code == 404
