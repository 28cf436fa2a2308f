"""Who may call what: any member's token reads; writing needs a write token and the editor
role (or owner); no token is a 401. A refused call changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from outlier.moderation.actions import do_decide
from outlier.moderation.models import AuditEntry, BlockedAuthor, Case, Rule
from tests.api.client import Api

from .conftest import held, member


@pytest.fixture
def rows(team: Any, holding: Rule) -> dict[str, Any]:
    case = held(team.workspace, "Waiting")
    other = held(team.workspace, "Blocked one")
    done = do_decide(member(team.workspace, team.editor), [other.pk], "block_author")
    return {"case": case, "rule": holding, "blocked": BlockedAuthor.objects.get(),
            "batch": str(done.batch)}  # fmt: skip


def reads(rows: dict[str, Any]) -> list[str]:
    return ["/moderation/queue", f"/moderation/cases/{rows['case'].pk}", "/moderation/rules",
            f"/moderation/rules/{rows['rule'].pk}", "/moderation/blocked", "/moderation/audit"]  # fmt: skip


def writes(api: Api, rows: dict[str, Any]) -> list[Any]:
    return [
        lambda: api.post(
            "/moderation/decisions", {"case_ids": [rows["case"].pk], "decision": "approve"}
        ),  # fmt: skip
        lambda: api.post("/moderation/rules", {"kind": "words", "action": "hold", "value": "x"}),
        lambda: api.patch(f"/moderation/rules/{rows['rule'].pk}", {"enabled": False}),
        lambda: api.delete(f"/moderation/rules/{rows['rule'].pk}"),
        lambda: api.delete(f"/moderation/blocked/{rows['blocked'].pk}"),
        lambda: api.post("/moderation/undo", {"batch": rows["batch"]}),
    ]


def snapshot() -> tuple[Any, ...]:
    return (sorted(Case.objects.values_list("pk", "state")),
            sorted(Rule.objects.values_list("pk", "enabled")), BlockedAuthor.objects.count(),
            AuditEntry.objects.count())  # fmt: skip


@pytest.mark.parametrize("persona", ["viewer", "contributor", "editor", "owner"])
def test_every_member_reads(team: Any, rows: dict[str, Any], persona: str) -> None:
    api = Api(team.token(getattr(team, persona), "read"))
    for path in reads(rows):
        assert api.get(path).status_code == 200, path


@pytest.mark.parametrize("persona", ["viewer", "contributor"])
def test_below_editor_writes_are_403(team: Any, rows: dict[str, Any], persona: str) -> None:
    api = Api(team.token(getattr(team, persona), "write"))
    before = snapshot()
    for call in writes(api, rows):
        answer = call()
        assert answer.status_code == 403 and "editor role" in answer.json()["detail"]
    assert snapshot() == before


def test_a_read_token_cannot_write_even_for_an_owner(team: Any, rows: dict[str, Any]) -> None:
    api = Api(team.token(team.owner, "read"))
    before = snapshot()
    for call in writes(api, rows):
        answer = call()
        assert answer.status_code == 403 and "read scope" in answer.json()["detail"]
    assert snapshot() == before


def test_without_a_token_everything_is_401(team: Any, rows: dict[str, Any]) -> None:
    for path in reads(rows):
        assert Client().get("/api/v1" + path).status_code == 401, path
    assert Client().post("/api/v1/moderation/decisions", {}, content_type="application/json"
                         ).status_code == 401  # fmt: skip


@pytest.mark.parametrize("persona", ["editor", "owner"])
def test_editors_and_owners_write(team: Any, rows: dict[str, Any], persona: str) -> None:
    api = Api(team.token(getattr(team, persona), "write"))
    expected = [200, 201, 200, 204, 200, 200]
    assert [call().status_code for call in writes(api, rows)] == expected
