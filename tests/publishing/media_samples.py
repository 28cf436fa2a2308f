"""Small video and audio files made in code: the container signatures Outlier identifies.

They are headers and padding, not playable media: enough for the checks (Outlier identifies a
file by its container's first bytes and never decodes it) and for the Mastodon contract server,
which records what it receives.
"""

from __future__ import annotations

import struct

from django.core.files.uploadedfile import SimpleUploadedFile


def _pad(head: bytes, size: int) -> bytes:
    return head + bytes(max(0, size - len(head)))


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def iso_bmff(major: bytes, *compatible: bytes, size: int = 2048) -> bytes:
    """An ISO base media file: `ftyp` with its brands, then an `mdat` box of zeros."""
    ftyp = _box(b"ftyp", major + struct.pack(">I", 0x200) + b"".join(compatible or (major,)))
    return ftyp + _box(b"mdat", bytes(max(0, size - len(ftyp) - 8)))


def mp4(size: int = 2048) -> bytes:
    return iso_bmff(b"isom", b"isom", b"iso2", b"avc1", b"mp41", size=size)


def mov(size: int = 2048) -> bytes:
    return iso_bmff(b"qt  ", b"qt  ", size=size)


def m4a(size: int = 2048) -> bytes:
    return iso_bmff(b"M4A ", b"M4A ", b"mp42", b"isom", size=size)


def _ebml(element: bytes, value: bytes) -> bytes:
    return element + bytes([0x80 | len(value)]) + value


def webm(size: int = 2048, doctype: bytes = b"webm") -> bytes:
    header = b"".join([
        _ebml(b"\x42\x86", b"\x01"), _ebml(b"\x42\xf7", b"\x01"), _ebml(b"\x42\xf2", b"\x04"),
        _ebml(b"\x42\xf3", b"\x08"), _ebml(b"\x42\x82", doctype), _ebml(b"\x42\x87", b"\x04"),
        _ebml(b"\x42\x85", b"\x02"),
    ])  # fmt: skip
    segment = b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff"  # Segment, unknown size
    return _pad(b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + segment, size)


MPEG_FRAME = b"\xff\xfb\x90\x64"  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz


def mp3(size: int = 2048, tag_bytes: int = 0) -> bytes:
    """An ID3v2.4 tag of `tag_bytes` (a cover picture makes it large), then MPEG frames."""
    syncsafe = bytes((tag_bytes >> shift) & 0x7F for shift in (21, 14, 7, 0))
    tag = b"ID3\x04\x00\x00" + syncsafe + bytes(tag_bytes)
    return _pad(tag + MPEG_FRAME * 4, size)


def ogg(size: int = 2048, codec: bytes = b"\x01vorbis") -> bytes:
    packet = codec + bytes(30 - len(codec))
    page = (b"OggS\x00\x02" + bytes(8) + b"\x01\x00\x00\x00" + bytes(4) + bytes(4)
            + bytes([1, len(packet)]) + packet)  # fmt: skip
    return _pad(page, size)


def wav(size: int = 2048) -> bytes:
    chunk = b"fmt " + struct.pack("<I", 16) + struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    data = b"data" + struct.pack("<I", max(0, size - 44))
    body = b"WAVE" + chunk + data
    return _pad(b"RIFF" + struct.pack("<I", size - 8) + body, size)


def flac(size: int = 2048) -> bytes:
    return _pad(b"fLaC\x80\x00\x00\x22" + bytes(34), size)


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)
