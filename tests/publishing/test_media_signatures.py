"""A video or audio file is told by its container's first bytes, never by its name."""

from __future__ import annotations

import io

import pytest

from outlier.publishing import signatures
from tests.publishing import media_samples as samples


@pytest.mark.parametrize(
    ("data", "kind", "content_type", "extension"),
    [
        (samples.mp4(), "video", "video/mp4", "mp4"),
        (samples.iso_bmff(b"mp42", b"mp42", b"isom"), "video", "video/mp4", "mp4"),
        (samples.iso_bmff(b"XXXX", b"XXXX", b"dash"), "video", "video/mp4", "mp4"),
        (samples.mov(), "video", "video/quicktime", "mov"),
        (samples.webm(), "video", "video/webm", "webm"),
        (samples.m4a(), "audio", "audio/mp4", "m4a"),
        (samples.mp3(), "audio", "audio/mpeg", "mp3"),
        (samples.mp3(size=4096, tag_bytes=3000), "audio", "audio/mpeg", "mp3"),  # a cover
        (samples.MPEG_FRAME * 100, "audio", "audio/mpeg", "mp3"),  # no tag at all
        (samples.ogg(), "audio", "audio/ogg", "ogg"),
        (samples.ogg(codec=b"OpusHead"), "audio", "audio/ogg", "ogg"),
        (samples.wav(), "audio", "audio/wav", "wav"),
        (samples.flac(), "audio", "audio/flac", "flac"),
    ],
)
def test_each_container_is_identified(data, kind, content_type, extension):
    stream = io.BytesIO(data)
    found = signatures.identify(stream)
    assert found is not None
    assert (found.kind, found.content_type, found.extension) == (kind, content_type, extension)
    assert stream.tell() == 0  # left where it was found, ready to be stored


@pytest.mark.parametrize(
    ("data", "seems"),
    [
        (b"Meeting notes\nnothing to see here\n" * 20, "text"),
        (bytes.fromhex("89504e470d0a1a0a") + bytes(100), "a PNG image"),
        (b"\xff\xd8\xff\xe0" + bytes(100), "a JPEG image"),
        (b"RIFF\x00\x01\x00\x00WEBPVP8 " + bytes(100), "a WebP image"),
        (b"RIFF\x00\x01\x00\x00AVI LIST" + bytes(100), "an AVI video"),
        (samples.iso_bmff(b"heic", b"mif1", b"heic"), "a HEIF or AVIF image"),
        (samples.webm(doctype=b"matroska"), "a Matroska (MKV) file"),
        (b"%PDF-1.7\n" + bytes(100), "a PDF document"),
        (samples.ogg(codec=b"\x80theora"), ""),  # Ogg video: not published
        (b"\xff\xf1\x50\x80" + bytes(100), ""),  # AAC in ADTS: layer 00 is not MP3
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"not a frame", ""),  # a tag before nothing
        (b"", ""),
    ],
)
def test_anything_else_is_refused_and_named_when_it_can_be(data, seems):
    stream = io.BytesIO(data)
    assert signatures.identify(stream) is None
    assert signatures.describe(stream) == seems
