"""The audit log through the REST API: newest first, filtered by case, with a limit."""

from __future__ import annotations

from typing import Any

from outlier.moderation.actions import do_decide
from tests.api.client import Api

from .conftest import held, judge_text, member


def test_the_audit_log_newest_first_by_case_and_limit(team: Any, holding: Any) -> None:
    one, two = held(team.workspace, "One"), held(team.workspace, "Two")
    decided = do_decide(member(team.workspace, team.editor), [one.pk], "approve")
    judge_text(team.other_workspace, "Theirs")
    api = Api(team.token(team.viewer, "read"))
    entries = api.get("/moderation/audit").json()
    assert [e["action"] for e in entries] == ["approved", "judged", "judged", "rule_created"]
    assert entries[0]["actor"] == "editor@acme.test" and entries[1]["actor"] is None
    assert entries[0]["batch"] == str(decided.batch)
    assert entries[0]["before"]["state"] == "held" and entries[0]["after"]["state"] == "approved"
    assert [e["case"] for e in api.get(f"/moderation/audit?case={two.pk}").json()] == [two.pk]
    assert len(api.get("/moderation/audit?limit=2").json()) == 2
    assert api.get("/moderation/audit?limit=0").status_code == 422
    assert api.get("/moderation/audit?limit=1001").status_code == 422
    assert api.get("/moderation/audit?case=abc").status_code == 422
