"""A topic's outbox lists its scoops and the notes posted on its fediverse channel together,
newest first, page after page; deleted notes leave it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from outlier.federation import actions, queries
from tests.conftest import Team, make_scoop, make_topic

AP = "application/activity+json"


def test_scoops_and_notes_share_the_outbox_pages(team: Team) -> None:
    topic = make_topic(team.workspace, name="Rivers", slug="rivers")
    start = timezone.now() - timedelta(days=1)
    expected: list[tuple[str, int]] = []
    for n in range(25):  # alternately a scoop and a note, one minute apart
        at = start + timedelta(minutes=n)
        if n % 2:
            note, _, _ = actions.do_post_note(topic, f"note{n}", f"Note {n}", now=at)
            expected.append(("note", note.pk))
        else:
            expected.append(("scoop", make_scoop(topic, published_at=at).pk))
    expected.reverse()

    def outbox(page: int | None = None) -> dict[str, Any]:
        query = f"?page={page}" if page else ""
        response = Client().get(f"/ap/topics/{topic.pk}/outbox{query}", HTTP_ACCEPT=AP)
        assert response.status_code == 200
        found: dict[str, Any] = response.json()
        return found

    assert outbox()["totalItems"] == 25
    first, second = outbox(1), outbox(2)
    assert len(first["orderedItems"]) == 20 and first["next"].endswith("?page=2")
    assert len(second["orderedItems"]) == 5 and "next" not in second
    ids = [item["object"]["id"] for item in first["orderedItems"] + second["orderedItems"]]
    notes = {note.pk: note.object_uri for note in queries.live_notes(topic)}
    assert [("note" if "/ap/notes/" in i else "scoop") for i in ids] == [k for k, _ in expected]
    assert [i for i in ids if "/ap/notes/" in i] == [notes[pk] for k, pk in expected if k == "note"]

    newest_note = next(pk for kind, pk in expected if kind == "note")
    actions.do_delete_note(newest_note)
    assert outbox()["totalItems"] == 24
    assert notes[newest_note] not in [i["object"]["id"] for i in outbox(1)["orderedItems"]]
