"""A video or an audio file: uploaded with its description, waited on while the server
transcodes it, attached to the status; end to end from the composer's action to the worker.

The network is the contract server of conftest.py: it answers 202 to a video or audio upload,
206 while "transcoding", then 200 with the file's url, and refuses (422) a file over the
instance's `video_size_limit`.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from outlier.networks.base import Content, ErrorKind, Media, PublishError
from outlier.networks.mastodon import MastodonAdapter
from outlier.networks.mastodon import adapter as adapter_module
from outlier.networks.mastodon.instance import limits_from, rules_from
from outlier.publishing import actions, media
from outlier.publishing.models import Delivery, DeliveryState, PostStatus
from tests.publishing import media_samples as samples
from tests.publishing.conftest import make_channel
from tests.publishing.test_delivery import run_worker

from .conftest import FakeMastodon

KEY = "dlv-video-1"
VIDEO = samples.mp4(4096)
AUDIO = samples.mp3(3000)


def video(data: bytes = VIDEO, description: str = "Flood water over the bridge") -> Media:
    return Media(kind="video", content_type="video/mp4", size=len(data), data=data,
                 description=description, filename="flood.mp4")  # fmt: skip


# --- the adapter against the contract server -------------------------------------------------


def test_a_video_is_uploaded_waited_on_and_attached(mastodon: FakeMastodon) -> None:
    mastodon.transcode_polls = 2
    adapter = MastodonAdapter(mastodon.config())
    naps: list[float] = []
    adapter._sleep = naps.append

    published = adapter.publish(Content(text="The bridge this morning", media=video()), KEY)

    [upload] = mastodon.requests_to("POST", "/api/v2/media")
    received = upload.files["file"]
    assert (received.data, received.content_type, received.filename) == (
        VIDEO, "video/mp4", "flood.mp4",
    )  # fmt: skip
    assert upload.one("description") == "Flood water over the bridge"
    [media_id] = mastodon.media
    assert len(mastodon.requests_to("GET", f"/api/v1/media/{media_id}")) == 3  # 206, 206, 200
    assert naps == [0.25, 0.5, 1.0]
    [status] = mastodon.requests_to("POST", "/api/v1/statuses")
    assert status.form["media_ids[]"] == [media_id]
    [attached] = mastodon.statuses[published.remote_id]["media_attachments"]
    assert attached["type"] == "video" and attached["url"].endswith(f"/{media_id}.mp4")
    assert attached["description"] == "Flood water over the bridge"
    assert "media_pending" not in adapter.config_changes()


def test_an_audio_file_goes_out_the_same_way(mastodon: FakeMastodon) -> None:
    adapter = MastodonAdapter(mastodon.config())
    adapter._sleep = lambda seconds: None
    audio = Media(kind="audio", content_type="audio/mpeg", size=len(AUDIO), data=AUDIO,
                  description="The river, recorded at dawn", filename="river.mp3")  # fmt: skip

    published = adapter.publish(Content(text="", media=audio), KEY)

    [upload] = mastodon.requests_to("POST", "/api/v2/media")
    assert upload.files["file"].content_type == "audio/mpeg"
    assert upload.files["file"].data == AUDIO
    [attached] = mastodon.statuses[published.remote_id]["media_attachments"]
    assert attached["type"] == "audio"
    assert attached["description"] == "The river, recorded at dawn"


def test_transcoding_past_the_wait_is_transient_and_the_retry_waits_on_the_same_upload(
    mastodon: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    mastodon.transcode_polls = 1000
    monkeypatch.setattr(adapter_module, "MEDIA_WAIT", 0.6)
    adapter = MastodonAdapter(mastodon.config())

    with pytest.raises(PublishError) as caught:
        adapter.publish(Content(text="Slow", media=video()), KEY)

    assert caught.value.kind is ErrorKind.TRANSIENT and not caught.value.unknown_outcome
    assert str(caught.value).startswith("Video: ")
    assert "still processing the video after 0.6 seconds; trying again later" in str(caught.value)
    assert mastodon.requests_to("POST", "/api/v1/statuses") == []
    [media_id] = mastodon.media
    assert list(adapter.config_changes()["media_pending"].values()) == [media_id]

    # The next attempt (the channel saved what the adapter learnt) finds it transcoded.
    mastodon.media[media_id]["polls_left"] = 0
    retry = MastodonAdapter({**mastodon.config(), **adapter.config_changes()})
    published = retry.publish(Content(text="Slow", media=video()), KEY)

    assert len(mastodon.requests_to("POST", "/api/v2/media")) == 1  # not uploaded twice
    assert mastodon.statuses[published.remote_id]["media_attachments"][0]["id"] == media_id
    assert retry.config_changes()["media_pending"] == {}


def test_a_pending_upload_the_server_lost_is_uploaded_again(mastodon: FakeMastodon) -> None:
    adapter = MastodonAdapter(mastodon.config())
    adapter._sleep = lambda seconds: None
    key = adapter_module._pending_key(
        KEY, adapter_module._uploads(Content(text="", media=video()))[0]
    )
    lost = MastodonAdapter({**mastodon.config(), "media_pending": {key: "404404"}})
    lost._sleep = lambda seconds: None

    lost.publish(Content(text="Again", media=video()), KEY)

    assert len(mastodon.requests_to("POST", "/api/v2/media")) == 1
    assert lost.config_changes()["media_pending"] == {}


def test_a_video_over_the_servers_limit_is_refused_with_its_message(
    mastodon: FakeMastodon,
) -> None:
    mastodon.instance["configuration"]["media_attachments"]["video_size_limit"] = 1024

    with pytest.raises(PublishError) as caught:
        MastodonAdapter(mastodon.config()).publish(Content(text="Big", media=video()), KEY)

    assert caught.value.kind is ErrorKind.PERMANENT
    assert str(caught.value).startswith("Video: ")
    assert "File file size must be less than 1024 Bytes" in str(caught.value)


def test_the_servers_video_limit_and_types_become_the_channels_rules(
    mastodon: FakeMastodon,
) -> None:
    settings = mastodon.instance["configuration"]["media_attachments"]
    settings["video_size_limit"] = 8 * 1024 * 1024
    adapter = MastodonAdapter(mastodon.config())
    adapter.test()

    rules = adapter.channel_rules()
    assert rules.media_kinds == ("image", "video", "audio")
    assert rules.max_video_bytes == rules.max_audio_bytes == 8 * 1024 * 1024
    # The fixture lists video/webm, video/mp4, audio/mpeg and audio/ogg.
    assert rules.video_types == ("video/mp4", "video/webm")
    assert rules.audio_types == ("audio/mpeg", "audio/ogg")

    only_images = limits_from({"configuration": {"media_attachments": {
        "supported_mime_types": ["image/png", "audio/x-wav", "audio/mp3"]}}},
        mastodon.base)  # fmt: skip
    narrowed = rules_from(only_images)
    assert narrowed.media_kinds == ("image", "audio")
    assert narrowed.audio_types == ("audio/mpeg", "audio/wav")  # by their other names


# --- through the composer's actions and the worker -----------------------------------------


@pytest.fixture
def toot(team, mastodon: FakeMastodon):
    config = mastodon.config()
    return make_channel(team.workspace, network="mastodon", name="Acme on Mastodon",
                        settings={"instance_url": config["instance_url"], "visibility": "public"},
                        credentials={"access_token": config["access_token"]})  # fmt: skip


@pytest.fixture
def uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def compose(team, channel, name: str, data: bytes, description: str = "", text: str = "Look"):
    member = team.member(team.editor)
    post = actions.do_save_post(member, text=text, channels=[channel])
    media.do_set_media(member, post, samples.upload(name, data), description)
    return post


def schedule_now(team, post):
    post, _ = actions.do_schedule_post(team.member(team.editor), post, when="now")
    return post


@pytest.mark.parametrize(
    ("name", "data", "content_type", "kind"),
    [("flood.mp4", VIDEO, "video/mp4", "video"), ("river.mp3", AUDIO, "audio/mpeg", "audio")],
)
def test_published_end_to_end_by_the_worker(
    team, toot, mastodon, uploads, name, data, content_type, kind
):
    post = compose(team, toot, name, data, "What it shows", text="From the bridge")
    schedule_now(team, post)

    assert run_worker() == 1

    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.SENT, delivery.error
    [upload] = mastodon.requests_to("POST", "/api/v2/media")
    assert upload.files["file"].data == data
    assert upload.files["file"].content_type == content_type
    assert upload.one("description") == "What it shows"
    [attached] = mastodon.statuses[delivery.remote_id]["media_attachments"]
    assert attached["type"] == kind and attached["description"] == "What it shows"
    assert mastodon.statuses[delivery.remote_id]["content"] == "<p>From the bridge</p>"
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_a_worker_retries_while_transcoding_then_publishes(
    team, toot, mastodon, uploads, monkeypatch
):
    monkeypatch.setattr(adapter_module, "MEDIA_WAIT", 0.5)
    mastodon.transcode_polls = 1000
    post = schedule_now(team, compose(team, toot, "flood.mp4", VIDEO, "Flood"))

    run_worker()

    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.RETRYING and delivery.error_kind == "transient"
    assert "still processing the video" in delivery.error
    [media_id] = mastodon.media
    mastodon.media[media_id]["polls_left"] = 0
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())

    run_worker()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT, delivery.error
    assert len(mastodon.requests_to("POST", "/api/v2/media")) == 1
    assert mastodon.statuses[delivery.remote_id]["media_attachments"][0]["id"] == media_id


def test_a_422_from_the_server_fails_the_delivery_with_its_message(team, toot, mastodon, uploads):
    # Outlier has not read this server's limits yet: Mastodon's default (99 MB) lets it through.
    mastodon.instance["configuration"]["media_attachments"]["video_size_limit"] = 1024
    post = schedule_now(team, compose(team, toot, "flood.mp4", VIDEO))

    run_worker()

    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.FAILED and delivery.error_kind == "permanent"
    assert "File file size must be less than 1024 Bytes" in delivery.error
    assert mastodon.requests_to("POST", "/api/v1/statuses") == []


def test_once_the_servers_limits_are_known_the_composer_refuses_what_it_would(
    team, toot, mastodon, uploads
):
    mastodon.instance["configuration"]["media_attachments"]["video_size_limit"] = 1024
    assert actions.do_test_channel(team.member(team.editor), toot)[0]
    post = compose(team, toot, "flood.mp4", VIDEO)

    with pytest.raises(ValidationError) as caught:
        schedule_now(team, post)

    assert caught.value.message_dict["media"] == [
        "Acme on Mastodon: The video has 4,096 bytes; Mastodon allows 1,024 bytes per video."
    ]
    wav = compose(team, toot, "take.wav", samples.wav(1000))  # within 1,024 bytes
    with pytest.raises(ValidationError) as caught:
        schedule_now(team, wav)
    assert caught.value.message_dict["media"] == [
        "Acme on Mastodon: The audio file is WAV; Mastodon accepts MP3 and Ogg."
    ]
    assert not Delivery.objects.exists()
