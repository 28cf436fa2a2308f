"""Moderation rules through the REST API: made, read, changed (what is left out stays) and
deleted by editors; a rule that does not check is a 400 with the check's message naming the
field, and nothing is stored or changed."""

from __future__ import annotations

from typing import Any

from outlier.moderation.models import AuditEntry, Rule
from tests.api.client import Api

from .conftest import judge_text


def test_a_rule_round_trip(team: Any) -> None:
    api = Api(team.token(team.editor))
    made = api.post("/moderation/rules", {"kind": "words", "action": "hold",
                                          "value": "casino\n casino \nfree  money"})  # fmt: skip
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["kind"], body["action"], body["value"], body["enabled"]) == (
        "words", "hold", "casino\nfree money", True)  # fmt: skip
    assert judge_text(team.workspace, "Free money here").state == "held"
    reader = Api(team.token(team.viewer, "read"))
    assert [r["id"] for r in reader.get("/moderation/rules").json()] == [body["id"]]
    assert reader.get(f"/moderation/rules/{body['id']}").json()["value"] == "casino\nfree money"

    changed = api.patch(f"/moderation/rules/{body['id']}", {"enabled": False})
    assert changed.status_code == 200
    assert (changed.json()["enabled"], changed.json()["value"]) == (False, "casino\nfree money")
    assert judge_text(team.workspace, "casino night").state != "held"
    redone = api.patch(f"/moderation/rules/{body['id']}", {"kind": "links", "value": "0"})
    assert (redone.json()["kind"], redone.json()["value"], redone.json()["action"]) == (
        "links", "0", "hold")  # fmt: skip

    assert api.delete(f"/moderation/rules/{body['id']}").status_code == 204
    assert not Rule.objects.exists()
    assert api.get(f"/moderation/rules/{body['id']}").status_code == 404
    assert [e.action for e in AuditEntry.objects.filter(rule_id=body["id"], action__startswith="rule_").order_by("pk")] == [
        "rule_created", "rule_changed", "rule_changed", "rule_deleted"]  # fmt: skip


def test_a_rule_that_does_not_check_is_a_400_and_nothing_is_stored(team: Any) -> None:
    api = Api(team.token(team.owner))
    for payload, field, message in [
        (
            {"kind": "regex", "action": "hold", "value": "(x"},
            "value",
            "The pattern does not compile",
        ),
        ({"kind": "rate", "action": "hold", "value": "fast"}, "value", "“N per M”"),
        ({"kind": "telepathy", "action": "hold"}, "kind", "“telepathy” is not a kind of rule."),
        ({"kind": "words", "action": "nuke", "value": "x"}, "action", "The action must be"),
    ]:
        answer = api.post("/moderation/rules", payload)
        assert answer.status_code == 400, payload
        assert message in answer.json()["detail"] and field in answer.json()["errors"], payload
    assert api.post("/moderation/rules", {"action": "hold"}).status_code == 422
    assert not Rule.objects.exists() and not AuditEntry.objects.exists()

    rule = api.post("/moderation/rules", {"kind": "links", "action": "flag", "value": "3"}).json()
    bad = api.patch(f"/moderation/rules/{rule['id']}", {"value": "many"})
    assert bad.status_code == 400 and "whole number" in bad.json()["detail"]
    assert Rule.objects.get().value == "3"


def test_another_workspaces_rule_is_404(team: Any) -> None:
    theirs = Api(team.token(team.outsider)).post(
        "/moderation/rules", {"kind": "words", "action": "hold", "value": "x"}).json()  # fmt: skip
    api = Api(team.token(team.editor))
    assert api.get(f"/moderation/rules/{theirs['id']}").status_code == 404
    assert api.patch(f"/moderation/rules/{theirs['id']}", {"enabled": False}).status_code == 404
    assert api.delete(f"/moderation/rules/{theirs['id']}").status_code == 404
    assert api.get("/moderation/rules").json() == []
    assert Rule.objects.get().enabled
