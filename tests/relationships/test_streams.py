"""Listening streams: what one finds is stored once (in the inbox's table, as posts), shown on
the stream's page with what can be done with it, kept out of the inbox's work and out of the
contacts until someone saves the author; bad streams are refused with a reason."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from outlier.inbox.models import Interaction
from outlier.networks.base import ErrorKind, PublishError
from outlier.networks.mastodon.adapter import MastodonAdapter
from outlier.publishing.models import ChannelStatus
from outlier.relationships import streams
from outlier.relationships.models import Identity, Stream
from tests.relationships.conftest import synced

HOSTILE = '<script>alert("x")</script>'


def post(n: int, **values: object) -> SimpleNamespace:
    """A post as an adapter's search gives it (networks.base.Post)."""
    author = SimpleNamespace(remote_id=f"https://social.example/users/w{n}",
                             handle=f"@w{n}@social.example", name=f"Writer {n}", avatar="",
                             url="", followers=10)  # fmt: skip
    fields = {"remote_id": f"https://social.example/statuses/s{n}", "author": author,
              "created_at": timezone.now() - timedelta(minutes=n), "text": f"About #oss {n}",
              "url": f"https://social.example/@w{n}/s{n}", "language": "en",
              "reply_ref": f"11{n}", "links": ("https://news.example/story",)}  # fmt: skip
    return SimpleNamespace(**(fields | values))


def a_stream(team, toot) -> Stream:
    return Stream.objects.create(workspace=team.workspace, channel=toot, name="OSS",
                                 kind="search", query="#oss", next_at=timezone.now())  # fmt: skip


def found(stream, posts) -> int:
    return streams._store(stream, [(streams.as_seen(p), streams._link(p)) for p in posts])


def test_posts_are_stored_once_and_kept_out_of_the_work_and_the_contacts(team, toot):
    stream = a_stream(team, toot)
    assert found(stream, [post(1), post(2)]) == 2
    assert found(stream, [post(2), post(3)]) == 1  # 2 again: not twice
    assert Interaction.objects.filter(kind="post").count() == 3
    assert not Interaction.objects.filter(kind="post", is_work=True).exists()
    inbox = team.client(team.viewer).get(f"/app/{team.workspace.slug}/inbox/").content.decode()
    assert "About #oss" not in inbox
    synced()
    assert not Identity.objects.exists()  # a post found is not an interaction with us


def test_the_stream_page_offers_reply_contact_and_scoop(team, toot):
    stream = a_stream(team, toot)
    found(stream, [post(1, text=HOSTILE)])
    page = team.client(team.contributor).get(
        f"/app/{team.workspace.slug}/streams/{stream.pk}/").content.decode()  # fmt: skip
    item = Interaction.objects.get(kind="post")
    assert f"/inbox/{item.pk}/#reply" in page and "Save the author as a contact" in page
    assert "?url=https%3A//news.example/story" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    # The item page answers it like an inbox item.
    item_page = team.client(team.contributor).get(f"/app/{team.workspace.slug}/inbox/{item.pk}/")
    assert "Reply on Mastodon as Toots" in item_page.content.decode()
    refused = team.client(team.viewer).post(
        f"/app/{team.workspace.slug}/contacts/of-item/{item.pk}/")  # fmt: skip
    assert refused.status_code == 403 and not Identity.objects.exists()  # saving is a choice
    saved = team.client(team.contributor).post(
        f"/app/{team.workspace.slug}/contacts/of-item/{item.pk}/")  # fmt: skip
    assert saved.status_code == 302
    assert Identity.objects.get().handle == "@w1@social.example"


def test_bad_streams_are_refused_with_a_reason(team, toot, rival_toot):
    member = team.member(team.editor)
    for args, reason in (((toot.pk, "nonsense", "x"), "Choose a search"),
                         ((rival_toot.pk, "search", "#oss"), "this workspace's channels"),
                         (("abc", "search", "#oss"), "this workspace's channels"),
                         ((toot.pk, "feed", "at://did:plc:x/app.bsky.graph.list/1"), "cannot read lists")):  # fmt: skip
        with pytest.raises(ValidationError, match=reason):
            streams.check_stream(member, *args, name="")
    with pytest.raises(ValidationError, match="what to listen for"):
        streams.check_stream(member, toot.pk, "search", "   ", name="")
    response = team.client(team.contributor).post(f"/app/{team.workspace.slug}/streams/",
                                                   {"kind": "search", "query": "#oss",
                                                    "channel": toot.pk})  # fmt: skip
    assert response.status_code == 403
    assert not Stream.objects.exists()


def test_other_workspaces_streams_are_missing(team, rival_toot):
    theirs = Stream.objects.create(workspace=team.other_workspace, channel=rival_toot, name="x",
                                   kind="search", query="#x", next_at=timezone.now())  # fmt: skip
    client = team.client(team.owner)
    assert client.get(f"/app/{team.workspace.slug}/streams/{theirs.pk}/").status_code == 404
    gone = client.post(f"/app/{team.workspace.slug}/streams/", {"action": "delete",
                                                                "stream": theirs.pk})  # fmt: skip
    assert gone.status_code == 400 or gone.status_code == 404
    assert Stream.objects.filter(pk=theirs.pk).exists()


def test_streams_in_the_api(team, toot):
    from tests.api.client import Api

    stream = a_stream(team, toot)
    found(stream, [post(1)])
    api = Api(team.token(team.viewer))
    assert [s["id"] for s in api.get("/streams").json()] == [stream.pk]
    one = api.get(f"/streams/{stream.pk}").json()
    assert one["posts"][0]["link"] == "https://news.example/story"
    assert one["posts"][0]["item_id"] == Interaction.objects.get(kind="post").pk
    assert api.get(f"/streams/{stream.pk}?limit=0").status_code == 400
    assert api.delete(f"/streams/{stream.pk}").status_code == 403
    editor = Api(team.token(team.editor))
    refused = editor.post("/streams", {"channel_id": toot.pk, "kind": "search", "query": ""})
    assert refused.status_code == 400 and "listen for" in refused.json()["detail"]
    assert editor.delete(f"/streams/{stream.pk}").status_code == 204
    assert Interaction.objects.filter(kind="post").count() == 1  # the posts stay


@pytest.mark.parametrize(
    ("error", "wait"),
    [
        (PublishError("Slow down.", ErrorKind.RATE_LIMITED, retry_after=7200), 7200),
        (PublishError("The server is down.", ErrorKind.TRANSIENT), None),
        (RuntimeError("a bug"), None),
    ],
)
def test_a_failed_read_is_kept_on_the_stream_and_retried(team, toot, monkeypatch, error, wait):
    stream = a_stream(team, toot)

    def fail(self, query, cursor=""):
        raise error

    monkeypatch.setattr(MastodonAdapter, "search_posts", fail)
    before = timezone.now()
    assert streams.pull_stream(stream) == 0
    stream.refresh_from_db()
    assert str(error) in stream.last_error
    assert stream.claimed_by == ""
    # Retry-After is honoured; other failures retry within the interval
    interval = wait or min(streams.RETRY_SECONDS, settings.STREAM_PULL_SECONDS)
    assert before + timedelta(seconds=interval - 5) <= stream.next_at
    assert stream.next_at <= timezone.now() + timedelta(seconds=interval + 5)


def test_refused_credentials_mark_the_channel_for_reconnecting(team, toot, monkeypatch):
    stream = a_stream(team, toot)

    def refuse(self, query, cursor=""):
        raise PublishError("The token was revoked.", ErrorKind.AUTH)

    monkeypatch.setattr(MastodonAdapter, "search_posts", refuse)
    streams.pull_stream(stream)
    toot.refresh_from_db()
    assert toot.status == ChannelStatus.NEEDS_RECONNECT
    stream.refresh_from_db()
    streams.pull_stream(stream)  # not read again until reconnected
    stream.refresh_from_db()
    assert stream.last_error == "The channel needs reconnecting."
