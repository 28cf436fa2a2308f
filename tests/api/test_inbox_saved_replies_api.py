"""Saved replies through the REST API: editors make, change and remove them; any member reads
them, filled in for an item; bad templates are a 400 with the reason."""

from __future__ import annotations

import pytest

from outlier.inbox.models import SavedReply
from outlier.publishing.models import Channel
from tests.api.client import Api
from tests.inbox.conftest import arrive, rival_toot, toot  # noqa: F401 (the channels)
from tests.mastodon.conftest import loopback_allowed, mastodon  # noqa: F401 (their server)


@pytest.fixture
def channel(request) -> Channel:
    return request.getfixturevalue("toot")


@pytest.fixture
def rival(request) -> Channel:
    return request.getfixturevalue("rival_toot")


def test_saved_replies_are_made_filled_changed_and_removed(team, channel):
    item = arrive(channel, name="Ana Lima")
    editor = Api(team.token(team.editor))
    made = editor.post("/inbox/saved-replies", {"name": "Thanks",
                                                "text": "Thanks {first_name}! — {me}"})  # fmt: skip
    assert made.status_code == 201, made.content
    saved = made.json()
    assert (saved["name"], saved["text"], saved["filled"]) == (
        "Thanks", "Thanks {first_name}! — {me}", None
    )  # fmt: skip
    viewer = Api(team.token(team.viewer, "read"))
    [listed] = viewer.get(f"/inbox/saved-replies?item={item.pk}").json()
    assert listed["filled"] == "Thanks Ana! — viewer"  # {me} is who reads it
    one = viewer.get(f"/inbox/saved-replies/{saved['id']}?item={item.pk}").json()
    assert one["filled"] == "Thanks Ana! — viewer"
    changed = editor.patch(f"/inbox/saved-replies/{saved['id']}", {"text": "Hi {name}, {handle}"})
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["text"]) == ("Thanks", "Hi {name}, {handle}")
    filled = editor.get(f"/inbox/saved-replies/{saved['id']}?item={item.pk}").json()["filled"]
    assert filled == "Hi Ana Lima, @ana@social.example"
    assert editor.delete(f"/inbox/saved-replies/{saved['id']}").status_code == 204
    assert editor.get(f"/inbox/saved-replies/{saved['id']}").status_code == 404
    assert not SavedReply.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"name": "Bad", "text": "Hello {password}"}, "text", "Unknown variable {password}"),
        ({"name": "", "text": "Hello"}, "name", "Name it"),
        ({"name": "Empty", "text": "  "}, "text", "Write the reply"),
        ({"name": "thanks", "text": "Again"}, "name", "already named"),
    ],
)
def test_bad_saved_replies_are_a_400_and_nothing_changes(team, body, field, reason):
    api = Api(team.token(team.editor))
    first = api.post("/inbox/saved-replies", {"name": "Thanks", "text": "Thanks!"})
    assert first.status_code == 201
    answer = api.post("/inbox/saved-replies", body)
    assert answer.status_code == 400
    assert field in answer.json()["errors"] and reason in answer.json()["detail"]
    assert list(SavedReply.objects.values_list("name", "text")) == [("Thanks", "Thanks!")]


def test_only_editors_change_them_and_other_workspaces_are_missing(team, channel, rival):
    editor = Api(team.token(team.editor))
    saved = editor.post("/inbox/saved-replies", {"name": "Hours", "text": "We open at 9."}).json()
    contributor = Api(team.token(team.contributor))
    assert contributor.get("/inbox/saved-replies").status_code == 200
    assert contributor.post("/inbox/saved-replies",
                            {"name": "Mine", "text": "Hi"}).status_code == 403  # fmt: skip
    assert contributor.patch(f"/inbox/saved-replies/{saved['id']}",
                             {"text": "Hi"}).status_code == 403  # fmt: skip
    assert contributor.delete(f"/inbox/saved-replies/{saved['id']}").status_code == 403
    outsider = Api(team.token(team.outsider))
    assert outsider.get(f"/inbox/saved-replies/{saved['id']}").status_code == 404
    assert outsider.delete(f"/inbox/saved-replies/{saved['id']}").status_code == 404
    assert outsider.get("/inbox/saved-replies").json() == []
    theirs = arrive(rival)
    assert editor.get(f"/inbox/saved-replies?item={theirs.pk}").status_code == 404
    assert SavedReply.objects.get().text == "We open at 9."
