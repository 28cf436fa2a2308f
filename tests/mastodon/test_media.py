"""Images: uploaded with their descriptions, waited on while the server processes them."""

from __future__ import annotations

import pytest

from outlier.networks.base import Content, ErrorKind, Image, PublishError
from outlier.networks.mastodon import MastodonAdapter
from outlier.networks.mastodon import adapter as adapter_module

from .conftest import PNG, FakeMastodon

KEY = "dlv-media-1"
IMAGES = (
    Image(data=PNG, content_type="image/png", alt="A river at dawn", filename="river.png"),
    Image(data=PNG + b"2", content_type="image/png", alt="", filename="bank.png"),
)


def test_images_are_uploaded_with_descriptions_and_attached(mastodon: FakeMastodon) -> None:
    published = MastodonAdapter(mastodon.config()).publish(
        Content(text="Two pictures", images=IMAGES), KEY
    )

    uploads = mastodon.requests_to("POST", "/api/v2/media")
    assert [u.files["file"].data for u in uploads] == [PNG, PNG + b"2"]
    assert [u.files["file"].content_type for u in uploads] == ["image/png", "image/png"]
    assert [u.files["file"].filename for u in uploads] == ["river.png", "bank.png"]
    assert uploads[0].one("description") == "A river at dawn"
    assert "description" not in uploads[1].form  # no alt text: none sent
    assert all(u.headers["content-type"].startswith("multipart/form-data") for u in uploads)
    [status] = mastodon.requests_to("POST", "/api/v1/statuses")
    assert status.form["media_ids[]"] == list(mastodon.media)
    attached = mastodon.statuses[published.remote_id]["media_attachments"]
    assert [m["description"] for m in attached] == ["A river at dawn", None]
    assert mastodon.requests_to("GET", "/api/v1/media") == []  # processed at once: no polling


def test_the_status_waits_until_the_media_is_processed(mastodon: FakeMastodon) -> None:
    mastodon.processing_polls = 2  # 202 on upload, then 206, 206, 200
    adapter = MastodonAdapter(mastodon.config())
    naps: list[float] = []
    adapter._sleep = naps.append

    published = adapter.publish(Content(text="Processing", images=IMAGES[:1]), KEY)

    [media_id] = mastodon.media
    polls = [s for s in mastodon.seen if s.path == f"/api/v1/media/{media_id}"]
    assert len(polls) == 3
    assert naps == [0.25, 0.5, 1.0]
    # The status was only sent once the attachment was processed (the fake refuses otherwise).
    assert mastodon.seen[-1].path == "/api/v1/statuses"
    assert published.remote_id in mastodon.statuses


def test_processing_that_takes_too_long_is_a_transient_failure(
    mastodon: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    mastodon.processing_polls = 1000
    monkeypatch.setattr(adapter_module, "MEDIA_WAIT", 0.6)
    adapter = MastodonAdapter(mastodon.config())

    with pytest.raises(PublishError) as caught:
        adapter.publish(Content(text="Slow", images=IMAGES[:1]), KEY)

    assert caught.value.kind is ErrorKind.TRANSIENT
    assert not caught.value.unknown_outcome  # no status was sent
    assert "still processing the image" in str(caught.value)
    assert mastodon.requests_to("POST", "/api/v1/statuses") == []


def test_media_the_server_cannot_process_is_a_permanent_failure(mastodon: FakeMastodon) -> None:
    mastodon.media_failure = "Error processing thumbnail for uploaded media"
    adapter = MastodonAdapter(mastodon.config())
    adapter._sleep = lambda seconds: None

    with pytest.raises(PublishError) as caught:
        adapter.publish(Content(text="Broken", images=IMAGES[:1]), KEY)

    assert caught.value.kind is ErrorKind.PERMANENT
    assert str(caught.value).startswith("Image 1: ")
    assert "Error processing thumbnail for uploaded media" in str(caught.value)


def test_a_refused_upload_names_the_image(mastodon: FakeMastodon) -> None:
    adapter = MastodonAdapter(mastodon.config())
    bad = Image(data=b"not an image", content_type="application/pdf", filename="x.pdf")

    with pytest.raises(PublishError) as caught:
        adapter.publish(Content(text="Refused", images=(IMAGES[0], bad)), KEY)

    assert caught.value.kind is ErrorKind.PERMANENT
    assert "Image 2: " in str(caught.value)
    assert "File content type is invalid" in str(caught.value)


def test_long_descriptions_are_shortened_to_the_servers_limit(mastodon: FakeMastodon) -> None:
    mastodon.instance["configuration"]["media_attachments"]["description_limit"] = 20
    image = Image(data=PNG, content_type="image/png", alt="word " * 10, filename="a.png")

    published = MastodonAdapter(mastodon.config()).publish(
        Content(text="Alt", images=(image,)), KEY
    )

    [upload] = mastodon.requests_to("POST", "/api/v2/media")
    assert len(upload.one("description")) == 20 and upload.one("description").endswith("…")
    assert "shortened to 20 characters" in published.note
