"""Publishing a status: text, link, visibility, content warning, reply, and what is sent."""

from __future__ import annotations

from outlier.networks.base import Content
from outlier.networks.mastodon import MastodonAdapter, idempotency_header

from .conftest import TOKEN, FakeMastodon

KEY = "dlv-41-7f3e2a"


def test_publish_sends_the_text_with_the_link_and_returns_the_status(
    mastodon: FakeMastodon,
) -> None:
    adapter = MastodonAdapter(mastodon.config())
    content = Content(text="Rivers are rising.", link="https://planet.example/rivers")

    published = adapter.publish(content, KEY)

    [sent] = mastodon.requests_to("POST", "/api/v1/statuses")
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["idempotency-key"] == idempotency_header(KEY)
    assert sent.headers["user-agent"].startswith("Outlier/")
    assert sent.one("status") == "Rivers are rising.\n\nhttps://planet.example/rivers"
    assert sent.one("visibility") == "public"
    assert "spoiler_text" not in sent.form and "in_reply_to_id" not in sent.form
    assert "media_ids[]" not in sent.form
    status = mastodon.statuses[published.remote_id]
    assert published.url == status["url"] == f"https://social.example/@acme/{status['id']}"
    assert published.note == ""


def test_visibility_content_warning_and_reply(mastodon: FakeMastodon) -> None:
    original = mastodon.add_status(id="110000000000000101", content="<p>Launch!</p>")
    adapter = MastodonAdapter(mastodon.config(visibility="unlisted"))
    content = Content(
        text="More on the launch", content_warning="Spoilers", reply_to=original["id"]
    )

    published = adapter.publish(content, KEY)

    [sent] = mastodon.requests_to("POST", "/api/v1/statuses")
    assert sent.one("visibility") == "unlisted"
    assert sent.one("spoiler_text") == "Spoilers"
    assert sent.one("in_reply_to_id") == "110000000000000101"
    status = mastodon.statuses[published.remote_id]
    assert status["in_reply_to_id"] == original["id"]
    assert status["spoiler_text"] == "Spoilers"


def test_followers_only(mastodon: FakeMastodon) -> None:
    MastodonAdapter(mastodon.config(visibility="private")).publish(Content(text="Hello"), KEY)
    [sent] = mastodon.requests_to("POST", "/api/v1/statuses")
    assert sent.one("visibility") == "private"


def test_a_link_already_in_the_text_is_not_repeated(mastodon: FakeMastodon) -> None:
    content = Content(
        text="Read https://planet.example/rivers now", link="https://planet.example/rivers"
    )
    MastodonAdapter(mastodon.config()).publish(content, KEY)
    [sent] = mastodon.requests_to("POST", "/api/v1/statuses")
    assert sent.one("status") == "Read https://planet.example/rivers now"


def test_the_instance_is_read_once_then_kept(mastodon: FakeMastodon) -> None:
    adapter = MastodonAdapter(mastodon.config())
    adapter.publish(Content(text="One"), "k1")
    kept = adapter.config_changes()
    assert kept["instance"]["url"] == mastodon.base
    assert len(mastodon.requests_to("GET", "/api/v2/instance")) == 1

    again = MastodonAdapter({**mastodon.config(), **kept})
    again.publish(Content(text="Two"), "k2")
    assert len(mastodon.requests_to("GET", "/api/v2/instance")) == 1  # fresh enough: not re-read
    assert len(mastodon.requests_to("POST", "/api/v1/statuses")) == 2
