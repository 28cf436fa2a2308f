"""Uploaded files are served with byte ranges, so browsers can play and seek video and audio
(Safari plays no video without them); anything but one satisfiable range gets the whole file
or a 416."""

from __future__ import annotations

import pytest
from django.test import Client

BODY = bytes(range(256)) * 4  # 1,024 bytes, each position telling its value


@pytest.fixture
def served(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "clip.mp4").write_bytes(BODY)
    return "/media/posts/clip.mp4"


def get(url: str, **headers: str):
    response = Client().get(url, **{f"HTTP_{k.upper().replace('-', '_')}": v
                                    for k, v in headers.items()})  # fmt: skip
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_the_whole_file_says_ranges_are_accepted(served):
    response, body = get(served)
    assert response.status_code == 200 and body == BODY
    assert response["Accept-Ranges"] == "bytes"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("wanted", "start", "end"), [
    ("bytes=0-9", 0, 9),
    ("bytes=1000-", 1000, 1023),
    ("bytes=-24", 1000, 1023),
    ("bytes=1020-5000", 1020, 1023),  # an end past the file: up to its last byte
    ("bytes=0-0", 0, 0),
    ("bytes=-5000", 0, 1023),  # more than the file: all of it
])  # fmt: skip
def test_one_range_is_answered_206_with_those_bytes(served, wanted, start, end):
    response, body = get(served, range=wanted)
    assert response.status_code == 206
    assert body == BODY[start : end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/1024"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["Content-Type"] == "video/mp4"
    assert response["Cache-Control"] == "public, max-age=86400"


@pytest.mark.parametrize("wanted", ["bytes=1024-", "bytes=5000-6000", "bytes=-0"])
def test_a_range_past_the_end_is_416_with_the_length(served, wanted):
    response, _ = get(served, range=wanted)
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1024"


@pytest.mark.parametrize("wanted", [
    "bytes=0-9,20-29", "items=0-9", "bytes=9-0", "bytes=-", "bytes=abc", "nonsense",
])  # fmt: skip
def test_several_ranges_or_a_bad_header_get_the_whole_file(served, wanted):
    response, body = get(served, range=wanted)
    assert response.status_code == 200 and body == BODY


def test_if_range_of_another_version_gets_the_whole_file(served):
    first, _ = get(served)
    current = first["Last-Modified"]
    response, body = get(served, range="bytes=0-9", if_range=current)
    assert response.status_code == 206 and body == BODY[:10]
    response, body = get(served, range="bytes=0-9", if_range="Thu, 01 Jan 1970 00:00:00 GMT")
    assert response.status_code == 200 and body == BODY


def test_a_missing_file_is_still_404(served):
    response, _ = get("/media/posts/nothing.mp4", range="bytes=0-9")
    assert response.status_code == 404
