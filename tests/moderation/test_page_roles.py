"""Who may do what on the moderation pages: any member reads every page; only editors and
owners see the buttons, and a POST by a viewer or a contributor is refused (403) and changes
nothing. Outsiders get 404, people not logged in the login page, and another workspace's
rows are 404 even to its editors' counterparts here."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from outlier.moderation.actions import do_create_rule, do_decide
from outlier.moderation.models import AuditEntry, BlockedAuthor, Case, CaseState, Rule

from .conftest import held, judge_text, member, queue_url

PAGES = ["", "?state=decided", "rules/", "blocked/", "audit/"]


@pytest.fixture
def setup(team: Any, holding: Rule) -> dict[str, Any]:
    case = held(team.workspace, "Waiting text", name="Mallory")
    other = held(team.workspace, "Someone else")
    do_decide(member(team.workspace, team.editor), [other.pk], "block_author")
    return {"case": case, "rule": holding, "blocked": BlockedAuthor.objects.get()}


def posts(team: Any, setup: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("decide/", {"decision": "approve", "cases": [setup["case"].pk]}),
        ("decide/", {"item": f"spam:{setup['case'].pk}"}),
        ("undo/", {"batch": str(AuditEntry.objects.filter(action="blocked_author").first().batch)}),
        ("rules/", {"kind": "words", "action": "hold", "value": "casino", "enabled": "on"}),
        (f"rules/{setup['rule'].pk}/", {"kind": "words", "action": "hold", "value": "x"}),
        ("rules/", {"action": "delete", "rule": setup["rule"].pk}),
        ("rules/", {"action": "disable", "rule": setup["rule"].pk}),
        ("blocked/", {"blocked": setup["blocked"].pk}),
    ]


def snapshot() -> tuple[Any, ...]:
    return (sorted(Case.objects.values_list("pk", "state")), Rule.objects.count(),
            sorted(Rule.objects.values_list("enabled", "value")),
            BlockedAuthor.objects.count(), AuditEntry.objects.count())  # fmt: skip


@pytest.mark.parametrize("persona", ["viewer", "contributor"])
def test_readers_see_every_page_without_buttons(team: Any, setup: Any, persona: str) -> None:
    client = team.client(getattr(team, persona))
    for page in PAGES:
        answer = client.get(queue_url(team, page))
        assert answer.status_code == 200, page
        html = answer.content.decode()
        assert 'name="decision"' not in html and 'name="item"' not in html, page
        assert "Unblock</button>" not in html and "Save rule" not in html, page
        assert 'value="delete"' not in html, page
    assert "Waiting text" in client.get(queue_url(team)).content.decode()
    assert client.get(queue_url(team, f"rules/{setup['rule'].pk}/")).status_code == 200


@pytest.mark.parametrize("persona", ["viewer", "contributor"])
def test_readers_posts_are_refused_and_change_nothing(team: Any, setup: Any, persona: str) -> None:
    client = team.client(getattr(team, persona))
    before = snapshot()
    for path, data in posts(team, setup):
        assert client.post(queue_url(team, path), data).status_code == 403, path
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["editor", "owner"])
def test_editors_and_owners_see_the_buttons(team: Any, setup: Any, persona: str) -> None:
    client = team.client(getattr(team, persona))
    queue = client.get(queue_url(team)).content.decode()
    assert 'name="decision" value="approve"' in queue
    assert f'name="item" value="block_author:{setup["case"].pk}"' in queue
    assert "Save rule" in client.get(queue_url(team, "rules/")).content.decode()
    assert "Unblock</button>" in client.get(queue_url(team, "blocked/")).content.decode()


def test_outsiders_get_404_and_strangers_the_login_page(team: Any, setup: Any) -> None:
    outsider = team.client(team.outsider)
    for page in PAGES:
        assert outsider.get(queue_url(team, page)).status_code == 404, page
        answer = Client().get(queue_url(team, page))
        assert answer.status_code == 302 and "/login/" in answer["Location"], page
    before = snapshot()
    for path, data in posts(team, setup):
        assert outsider.post(queue_url(team, path), data).status_code == 404, path
        assert Client().post(queue_url(team, path), data).status_code == 302, path
    assert snapshot() == before


def test_another_workspaces_rows_are_404(team: Any, setup: Any) -> None:
    theirs = judge_text(team.other_workspace, "Not yours")
    rival = member(team.other_workspace, team.outsider)
    their_rule = do_create_rule(rival, "words", "hold", "rival")
    do_decide(rival, [theirs.pk], "block_author")
    their_block = BlockedAuthor.objects.get(workspace=team.other_workspace)
    editor = team.client(team.editor)
    before = snapshot()
    assert (
        editor.post(queue_url(team, "decide/"), {"item": f"approve:{theirs.pk}"}).status_code == 404
    )
    assert editor.get(queue_url(team, f"rules/{their_rule.pk}/")).status_code == 404
    assert (
        editor.post(
            queue_url(team, "rules/"), {"action": "delete", "rule": their_rule.pk}
        ).status_code
        == 404
    )
    assert editor.post(queue_url(team, "blocked/"), {"blocked": their_block.pk}).status_code == 404
    batch = AuditEntry.objects.filter(workspace=team.other_workspace, action="blocked_author").get()
    assert editor.post(queue_url(team, "undo/"), {"batch": str(batch.batch)}).status_code == 404
    assert snapshot() == before
    theirs.refresh_from_db()
    assert theirs.state == CaseState.BLOCKED
