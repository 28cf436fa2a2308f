"""A video or audio file against each network's rules: kinds, mixing, types and sizes."""

from __future__ import annotations

import dataclasses

import pytest

from outlier.networks.base import Content, Image, Media
from outlier.networks.counting import validate
from outlier.networks.rules import RULES

MB = 1024 * 1024
VIDEO = Media(kind="video", content_type="video/mp4", size=5 * MB, description="A river")
AUDIO = Media(kind="audio", content_type="audio/mpeg", size=3 * MB)
PNG = Image(data=b"\x89PNG" + bytes(100), content_type="image/png")


def messages(content: Content, network: str) -> list[str]:
    return [p.message for p in validate(content, RULES[network])]


def test_mastodon_takes_one_video_or_one_audio_file_with_or_without_text():
    assert validate(Content(text="Watch", media=VIDEO), RULES["mastodon"]) == []
    assert validate(Content(text="", media=AUDIO), RULES["mastodon"]) == []
    mov = dataclasses.replace(VIDEO, content_type="video/quicktime")
    assert validate(Content(text="", media=mov), RULES["mastodon"]) == []


@pytest.mark.parametrize(
    ("network", "label"),
    [("bluesky", "Bluesky"), ("webhook", "Webhook"), ("email", "E-mail"), ("x", "X"),
     ("fediverse", "Fediverse"), ("linkedin", "LinkedIn"), ("threads", "Threads")],
)  # fmt: skip
def test_networks_that_cannot_carry_it_here_say_so_by_name(network, label):
    [problem] = validate(Content(text="Watch", media=VIDEO), RULES[network])
    assert problem.field == "media"
    assert problem.message == (
        f"This post has a video; video is not supported for {label} in Outlier."
    )
    assert messages(Content(text="Listen", media=AUDIO), network) == [
        f"This post has an audio file; audio is not supported for {label} in Outlier."
    ]


def test_a_video_beside_images_is_refused():
    assert messages(Content(text="Both", images=(PNG, PNG), media=VIDEO), "mastodon") == [
        "A post carries images or one video or audio file, not both: remove the video or "
        "the 2 images."
    ]


def test_sizes_and_types_are_the_networks():
    big = dataclasses.replace(VIDEO, size=100 * MB)
    assert messages(Content(text="Big", media=big), "mastodon") == [
        f"The video has {100 * MB:,} bytes; Mastodon allows {99 * MB:,} bytes per video."
    ]
    odd = dataclasses.replace(AUDIO, content_type="audio/aac")
    assert messages(Content(text="Odd", media=odd), "mastodon") == [
        "The audio file is audio/aac; Mastodon accepts MP3, Ogg, WAV, M4A and FLAC."
    ]
    empty = dataclasses.replace(AUDIO, size=0)
    assert messages(Content(text="Empty", media=empty), "mastodon") == ["The audio file is empty."]


def test_the_loaded_bytes_count_over_the_recorded_size():
    small = dataclasses.replace(RULES["mastodon"], max_video_bytes=10)
    loaded = dataclasses.replace(VIDEO, size=5, data=bytes(11))
    assert [p.message for p in validate(Content(text="x", media=loaded), small)] == [
        "The video has 11 bytes; Mastodon allows 10 bytes per video."
    ]
