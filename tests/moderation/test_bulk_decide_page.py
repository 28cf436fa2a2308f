"""Deciding on the queue page: check boxes and one bulk action, or a text's own button; then a
message with an Undo button (a POST with the batch) that puts every text back; the keyboard's
small script is served by Outlier itself."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from outlier.moderation.models import AuditEntry, BlockedAuthor, Case, CaseState

from .conftest import held, queue_url


def undo_form(html: str) -> str:
    found = re.search(r'<div class="notice undo"[^>]*data-undo>(.*?)</div>', html, re.S)
    assert found, html
    return found.group(1)


def test_bulk_approve_then_undo_from_the_page(team: Any, holding: Any) -> None:
    first, second, third = (held(team.workspace, f"Text {n}") for n in range(3))
    client = team.client(team.editor)
    answer = client.post(queue_url(team, "decide/"), {
        "decision": "approve", "cases": [first.pk, second.pk], "query": "subject=comment"})  # fmt: skip
    assert answer.status_code == 302 and answer["Location"] == queue_url(team, "?subject=comment")
    states = dict(Case.objects.values_list("pk", "state"))
    assert states == {first.pk: CaseState.APPROVED, second.pk: CaseState.APPROVED,
                      third.pk: CaseState.HELD}  # fmt: skip

    page = client.get(answer["Location"]).content.decode()
    notice = undo_form(page)
    assert "2 texts approved." in notice
    batch = AuditEntry.objects.filter(action="approved").values_list("batch", flat=True).first()
    assert f'name="batch" value="{batch}"' in notice and "Undo" in notice
    assert f'action="{queue_url(team, "undo/")}"' in notice
    # Shown once: the next page no longer offers it.
    assert "data-undo>" not in client.get(queue_url(team)).content.decode()

    undone = client.post(queue_url(team, "undo/"), {"batch": str(batch),
                                                    "query": "subject=comment"})  # fmt: skip
    assert undone.status_code == 302 and undone["Location"] == queue_url(team, "?subject=comment")
    assert set(Case.objects.values_list("state", flat=True)) == {CaseState.HELD}
    assert (
        "Undone: 2 texts are back as they were." in client.get(undone["Location"]).content.decode()
    )
    # Twice is refused with the reason, and nothing changes.
    again = client.post(queue_url(team, "undo/"), {"batch": str(batch)}, follow=True)
    assert "cannot be undone twice" in again.content.decode()
    assert set(Case.objects.values_list("state", flat=True)) == {CaseState.HELD}


def test_a_texts_own_button_decides_on_it_alone(team: Any, holding: Any) -> None:
    mine, other = held(team.workspace, "Spam me"), held(team.workspace, "Leave me")
    client = team.client(team.owner)
    client.post(queue_url(team, "decide/"), {"item": f"spam:{mine.pk}", "cases": [other.pk]})
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.state, other.state) == (CaseState.SPAM, CaseState.HELD)
    assert "1 text marked spam." in client.get(queue_url(team)).content.decode()


def test_block_author_from_the_page_blocks_their_other_texts(team: Any, holding: Any) -> None:
    one = held(team.workspace, "Buy", author="spammer@example.org", name="Spammer")
    two = held(team.workspace, "Buy more", author="spammer@example.org", name="Spammer")
    client = team.client(team.editor)
    client.post(queue_url(team, "decide/"), {"decision": "block_author", "cases": [one.pk]})
    two.refresh_from_db()
    assert two.state == CaseState.BLOCKED
    assert BlockedAuthor.objects.get().label == "Spammer"
    assert (
        "2 texts blocked, and their authors with them."
        in client.get(queue_url(team)).content.decode()
    )


def test_bad_decisions_say_why_and_change_nothing(team: Any, holding: Any) -> None:
    case = held(team.workspace, "Keep me")
    client = team.client(team.editor)
    nothing = client.post(queue_url(team, "decide/"), {"decision": "approve"}, follow=True)
    assert "Select at least one text first." in nothing.content.decode()
    wrong = client.post(queue_url(team, "decide/"), {"decision": "burn", "cases": [case.pk]},
                        follow=True)  # fmt: skip
    assert "is not a decision" in wrong.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.HELD
    assert client.get(queue_url(team, "decide/")).status_code == 405


def test_the_keyboard_script_is_served_by_outlier(team: Any, holding: Any) -> None:
    held(team.workspace)
    html = team.client(team.editor).get(queue_url(team)).content.decode()
    assert '<script src="/static/moderation/moderation.js" defer></script>' in html
    script = Client().get("/static/moderation/moderation.js")
    assert script.status_code == 200 and "javascript" in script["Content-Type"]
    code = b"".join(script.streaming_content).decode()  # type: ignore[attr-defined]
    for key in ('key === "j"', 'key === "k"', 'key === "x"', 'key === "u"'):
        assert key in code
    assert 'a: "approve", r: "reject", s: "spam", b: "block_author"' in code
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", code)  # nothing from elsewhere
