"""A video or an audio file in the composer: chosen, identified by its bytes, described,
played on the post's page, refused with a message beside the field when it cannot go out."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from outlier.publishing import actions, images, media
from outlier.publishing.models import Delivery, Post, PostImage, PostMedia, PostStatus
from tests.publishing import media_samples as samples
from tests.publishing.conftest import make_channel
from tests.publishing.test_screens import compose_data, field_errors, page, png, text_of

ACCEPTED = "use MP4, WebM or MOV video, or MP3, Ogg, WAV, M4A or FLAC audio."


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def bluesky(team):
    return make_channel(team.workspace, network="bluesky", name="Acme on Bluesky",
                        settings={"handle": "acme.bsky.social", "appview": "pds"},
                        credentials={"app_password": "abcd-efgh-ijkl-mnop"})  # fmt: skip


def save(client, channel, post=None, **fields):
    address = f"/app/acme/posts/{post.pk}/" if post else "/app/acme/compose/"
    return client.post(address, {**compose_data([channel], action="save"), **fields})


def test_a_video_is_kept_with_its_description_and_played_on_the_posts_page(team, channel):
    client = team.client(team.editor)
    # The browser's name and type say nothing: the bytes say it is an MP4 video.
    chosen = samples.upload("clip.bin", samples.mp4(), "application/octet-stream")
    response = save(client, channel, media_file=chosen, media_description="Flood <b>water</b>")
    assert response.status_code == 302

    post = Post.objects.get()
    stored = PostMedia.objects.get(post=post)
    assert (stored.kind, stored.content_type, stored.size) == ("video", "video/mp4", 2048)
    assert stored.file.name.endswith(".mp4") and "clip" not in stored.file.name
    assert stored.description == "Flood <b>water</b>"
    with stored.file.open("rb") as handle:
        assert handle.read() == samples.mp4()

    tree = page(client.get(f"/app/acme/posts/{post.pk}/"))
    [source] = tree.xpath("//video[@controls]/source")
    assert source.get("src") == stored.file.url and source.get("type") == "video/mp4"
    assert text_of(tree.xpath("//figure[@data-media-kind='video']/figcaption")[0]) == (
        "Flood <b>water</b>"
    )  # shown as text, never as markup
    assert not tree.xpath("//figcaption/b")
    assert tree.xpath("//input[@name='media_description']/@value") == ["Flood <b>water</b>"]
    assert not tree.xpath("//input[starts-with(@name, 'image_')]")  # a video, or images

    save(client, channel, post, media_description="Flood water over the bridge")
    stored.refresh_from_db()
    assert stored.description == "Flood water over the bridge"

    viewer = page(team.client(team.viewer).get(f"/app/acme/posts/{post.pk}/"))
    assert viewer.xpath("//video/source/@src") == [stored.file.url]
    assert "Flood water over the bridge" in text_of(viewer.xpath("//figcaption")[0])


def test_an_audio_file_replaces_the_video_and_is_played_as_audio(team, channel):
    client = team.client(team.editor)
    save(client, channel, media_file=samples.upload("a.mp4", samples.mp4()))
    post = Post.objects.get()
    save(client, channel, post, media_file=samples.upload("take.mp3", samples.mp3()),
         media_description="The river at dawn")  # fmt: skip

    stored = PostMedia.objects.get()
    assert (stored.kind, stored.content_type, stored.description) == (
        "audio", "audio/mpeg", "The river at dawn",
    )  # fmt: skip
    tree = page(client.get(f"/app/acme/posts/{post.pk}/"))
    assert tree.xpath("//audio[@controls]/source/@type") == ["audio/mpeg"]
    assert not tree.xpath("//video")

    save(client, channel, post, media_remove="on")
    assert not PostMedia.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.mp4", b"Meeting notes: bring the maps.\n" * 40,
         f"notes.mp4 is text, not a video or audio file: {ACCEPTED}"),
        ("river.mp4", bytes.fromhex("89504e470d0a1a0a") + bytes(200),
         "river.mp4 is a PNG image, not a video or audio file: add it as an image instead."),
        ("clip.mkv", samples.webm(doctype=b"matroska"),
         f"clip.mkv is a Matroska (MKV) file, not a video or audio file: {ACCEPTED}"),
        ("noise.mp3", bytes(range(256)) * 8,
         f"noise.mp3 is not a video or audio file Outlier can publish: {ACCEPTED}"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_video_or_audio_file_is_refused_whatever_its_name(
    team, channel, name, data, message
):
    response = save(team.client(team.editor), channel,
                    media_file=samples.upload(name, data, "video/mp4"))  # fmt: skip
    assert response.status_code == 200
    assert field_errors(response, "media_file") == [message]
    assert not PostMedia.objects.exists()
    assert Post.objects.get().text == "Rivers are rising"  # the rest was saved


def test_a_file_over_outliers_limit_is_refused_when_composed(team, channel, settings):
    settings.MAX_VIDEO_BYTES = settings.MAX_AUDIO_BYTES = 1024 * 1024
    client = team.client(team.editor)
    response = save(client, channel, media_file=samples.upload("long.mp4", samples.mp4(1_500_000)))
    assert field_errors(response, "media_file") == [
        "long.mp4 has 1,500,000 bytes; Outlier takes videos up to 1,048,576 bytes (1 MB)."
    ]
    response = save(
        client, channel, media_file=samples.upload("long.flac", samples.flac(1_100_000))
    )
    assert field_errors(response, "media_file") == [
        "long.flac has 1,100,000 bytes; Outlier takes audio files up to 1,048,576 bytes (1 MB)."
    ]
    assert not PostMedia.objects.exists()


def test_a_video_and_images_are_never_mixed(team, channel):
    client = team.client(team.editor)
    response = save(
        client, channel, image_1=png(), media_file=samples.upload("a.mp4", samples.mp4())
    )
    # The image was added first: the page shows it, no video input, and why above the form.
    assert [text_of(e) for e in page(response).xpath("//div[@class='errors']/p")] == [
        "A post carries up to 4 images or one video or audio file, not both: remove the images "
        "to add an MP4 video."
    ]
    post = Post.objects.get()
    assert PostImage.objects.count() == 1 and not PostMedia.objects.exists()
    tree = page(client.get(f"/app/acme/posts/{post.pk}/"))
    assert not tree.xpath("//input[@name='media_file']")  # it has images: no video input
    assert "remove the images to add one" in text_of(
        tree.xpath("//fieldset[contains(@class, 'media-field')]")[0]
    )

    member = team.member(team.editor)
    other = actions.do_save_post(member, text="Video only", channels=[channel])
    media.do_set_media(member, other, samples.upload("a.webm", samples.webm()))
    with pytest.raises(ValidationError) as caught:
        images.do_add_image(member, other, png())
    assert "not both: remove the video or audio file to add images" in caught.value.messages[0]
    assert not page(client.get(f"/app/acme/posts/{other.pk}/")).xpath(
        "//input[starts-with(@name, 'image_')]"
    )


def test_a_bluesky_channel_refuses_a_video_by_name_when_scheduling(team, channel, bluesky):
    response = team.client(team.editor).post("/app/acme/compose/", {
        **compose_data([channel, bluesky]), "media_file": samples.upload("a.mp4", samples.mp4()),
        "media_description": "The bridge"})  # fmt: skip
    assert response.status_code == 200
    assert field_errors(response, "media_file") == [
        "Acme on Bluesky: This post has a video; video is not supported for Bluesky in Outlier.",
        "Hook: This post has a video; video is not supported for Webhook in Outlier.",
    ]
    post = Post.objects.get()
    assert post.status == PostStatus.DRAFT and not Delivery.objects.exists()
    assert PostMedia.objects.get(post=post).description == "The bridge"  # kept for later


def test_only_those_who_may_edit_the_post_change_its_media(team, channel):
    post = actions.do_save_post(team.member(team.editor), text="Editor's", channels=[channel])
    with pytest.raises(PermissionDenied):
        media.do_set_media(team.member(team.contributor), post,
                           samples.upload("a.mp4", samples.mp4()))  # fmt: skip
    response = team.client(team.viewer).post(
        f"/app/acme/posts/{post.pk}/", {**compose_data([channel], action="save"),
                                        "media_file": samples.upload("a.mp4", samples.mp4())},
    )  # fmt: skip
    assert response.status_code == 403
    media.do_set_media(team.member(team.editor), post, samples.upload("a.mp4", samples.mp4()))
    with pytest.raises(PermissionDenied):
        media.do_remove_media(team.member(team.contributor), post)
    post.status = PostStatus.PUBLISHED
    post.save()
    with pytest.raises(ValidationError):
        media.do_remove_media(team.member(team.editor), post)
    assert PostMedia.objects.filter(post=post).exists()
