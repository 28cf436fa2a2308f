"""The review queue and its cases in the REST API: filters by subject and state, the queue in
numbers, one case with why the spam model leans as it does and its history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from outlier.moderation.actions import do_create_rule, do_decide
from outlier.moderation.models import Subject
from tests.api.client import Api

from .conftest import HOSTILE, held, judge_text, member


def test_the_queue_with_its_filters(team: Any, holding: Any) -> None:
    now = timezone.now()
    old = held(team.workspace, "Old comment", now=now - timedelta(hours=5))
    inbox = held(team.workspace, "Inbox reply", subject=Subject.INBOX, now=now - timedelta(hours=1))
    decided = held(team.workspace, "Decided", now=now - timedelta(hours=2))
    do_decide(member(team.workspace, team.editor), [decided.pk], "reject")
    api = Api(team.token(team.viewer, "read"))

    answer = api.get("/moderation/queue")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert [c["id"] for c in body["items"]] == [old.pk, inbox.pk]
    assert (body["count"], body["waiting"], body["overdue"]) == (2, 2, 1)
    first = body["items"][0]
    assert (first["subject"], first["state"], first["visible"], first["overdue"]) == (
        "comment", "held", False, True)  # fmt: skip
    assert first["rule"] == {"id": holding.pk, "kind": "new_author", "action": "hold"}
    assert first["body"] == "Old comment" and 0 <= first["spam_score"] <= 1

    assert [c["id"] for c in api.get("/moderation/queue?subject=inbox").json()["items"]] == [
        inbox.pk]  # fmt: skip
    assert api.get("/moderation/queue?state=flagged").json()["items"] == []
    gone = api.get("/moderation/queue?state=decided").json()["items"]
    assert [(c["id"], c["state"], c["decided_by"]) for c in gone] == [
        (decided.pk, "rejected", "editor@acme.test")]  # fmt: skip
    page = api.get("/moderation/queue?limit=1&offset=1").json()
    assert [c["id"] for c in page["items"]] == [inbox.pk] and page["count"] == 2
    assert api.get("/moderation/queue?state=lost").status_code == 422
    assert api.get("/moderation/queue?limit=0").status_code == 422


def test_one_case_with_why_and_history(team: Any, holding: Any) -> None:
    case = held(team.workspace, f"Cheap pills!!! {HOSTILE}", name=HOSTILE,
                url="https://pills.example", links=("https://pills.example/buy",))  # fmt: skip
    editor = member(team.workspace, team.editor)
    do_decide(editor, [case.pk], "spam")
    api = Api(team.token(team.viewer, "read"))
    body = api.get(f"/moderation/cases/{case.pk}").json()
    assert body["body"] == f"Cheap pills!!! {HOSTILE}"  # plain text, as received
    assert body["author_name"] == HOSTILE and body["links"] == ["https://pills.example/buy"]
    assert body["state"] == "spam" and body["decided_by"] == "editor@acme.test"
    assert body["why"] and all({"feature", "label", "weight"} <= set(w) for w in body["why"])
    assert [h["action"] for h in body["history"]] == ["spam", "judged"]
    assert body["history"][0]["before"]["state"] == "held"


def test_another_workspaces_case_is_404(team: Any) -> None:
    theirs = judge_text(team.other_workspace, "Theirs")
    do_create_rule(member(team.workspace, team.owner), "words", "hold", "x")
    api = Api(team.token(team.editor))
    assert api.get(f"/moderation/cases/{theirs.pk}").status_code == 404
    assert api.get("/moderation/cases/99999").status_code == 404
    assert api.get("/moderation/queue").json()["items"] == []
    # The other workspace's own token reads it.
    assert Api(team.token(team.outsider)).get(f"/moderation/cases/{theirs.pk}").status_code == 200
