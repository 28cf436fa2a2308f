"""Decisions and undo through the REST API: one or many cases at once, the batch, what was
ignored or unchanged; undo restores them; bad input is a 400 with the check's message."""

from __future__ import annotations

from typing import Any

from outlier.moderation.models import BlockedAuthor, Case, CaseState
from tests.api.client import Api

from .conftest import held, judge_text


def test_decide_then_undo(team: Any, holding: Any) -> None:
    one, two = held(team.workspace, "One"), held(team.workspace, "Two")
    theirs = judge_text(team.other_workspace, "Theirs")
    api = Api(team.token(team.editor))
    answer = api.post("/moderation/decisions", {"case_ids": [one.pk, two.pk, theirs.pk],
                                                "decision": "approve"})  # fmt: skip
    assert answer.status_code == 200, answer.content
    done = answer.json()
    assert (done["count"], done["ignored"], done["unchanged"]) == (2, 1, 0)
    assert set(Case.objects.filter(workspace=team.workspace).values_list("state", flat=True)) == {
        CaseState.APPROVED}  # fmt: skip
    again = api.post("/moderation/decisions", {"case_ids": [one.pk], "decision": "approve"})
    assert (again.json()["count"], again.json()["unchanged"]) == (0, 1)

    undone = api.post("/moderation/undo", {"batch": done["batch"]})
    assert undone.status_code == 200 and undone.json()["count"] == 2
    assert set(Case.objects.filter(workspace=team.workspace).values_list("state", flat=True)) == {
        CaseState.HELD}  # fmt: skip
    twice = api.post("/moderation/undo", {"batch": done["batch"]})
    assert twice.status_code == 400 and "cannot be undone twice" in twice.json()["detail"]


def test_block_author_and_unblock_through_the_api(team: Any, holding: Any) -> None:
    case = held(team.workspace, "Buy", author="spam@example.org", name="Spammer")
    other = held(team.workspace, "Buy more", author="spam@example.org", name="Spammer")
    api = Api(team.token(team.owner))
    done = api.post("/moderation/decisions", {"case_ids": [case.pk], "decision": "block_author"})
    assert done.json()["count"] == 2
    other.refresh_from_db()
    assert other.state == CaseState.BLOCKED
    listed = api.get("/moderation/blocked").json()
    assert [(b["label"], b["created_by"]) for b in listed] == [("Spammer", "owner@acme.test")]
    unblocked = api.delete(f"/moderation/blocked/{listed[0]['id']}")
    assert unblocked.status_code == 200 and not BlockedAuthor.objects.exists()
    assert api.post("/moderation/undo", {"batch": unblocked.json()["batch"]}).status_code == 200
    assert BlockedAuthor.objects.get().label == "Spammer"


def test_bad_input_is_refused_with_the_reason(team: Any, holding: Any) -> None:
    case = held(team.workspace, "Keep")
    theirs = judge_text(team.other_workspace, "Theirs")
    api = Api(team.token(team.editor))
    wrong = api.post("/moderation/decisions", {"case_ids": [case.pk], "decision": "burn"})
    assert wrong.status_code == 400
    assert (
        wrong.json()["detail"] == "“burn” is not a decision: approve, reject, spam or block_author."
    )
    assert wrong.json()["errors"] == {"decision": [wrong.json()["detail"]]}
    assert api.post("/moderation/decisions", {"decision": "approve"}).status_code == 422
    assert (
        api.post("/moderation/decisions", {"case_ids": ["x"], "decision": "spam"}).status_code
        == 422
    )
    assert api.post("/moderation/decisions", {"case_ids": [theirs.pk],
                                              "decision": "spam"}).status_code == 404  # fmt: skip
    assert api.post("/moderation/undo", {"batch": "not-a-uuid"}).status_code == 422
    assert api.post("/moderation/undo",
                    {"batch": "00000000-0000-0000-0000-000000000000"}).status_code == 404  # fmt: skip
    assert api.delete("/moderation/blocked/99999").status_code == 404
    case.refresh_from_db()
    theirs.refresh_from_db()
    assert case.state == CaseState.HELD and theirs.state == CaseState.ALLOWED
