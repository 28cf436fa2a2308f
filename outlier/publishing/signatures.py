"""What a video or audio file is, told by its bytes: the signature of its container.

A file's name and the content type a browser sends say nothing reliable about it; its first
bytes do. Recognised:

- ISO base media files (MP4, MOV, M4A): a `ftyp` box first, whose major brand (or, when that
  one is unknown, a compatible brand) tells the kind: "qt  " is QuickTime (MOV); "M4A ",
  "M4B " and "M4P " are audio (M4A); the MP4 brands (isom, iso2-iso9, mp41, mp42, avc1, M4V,
  dash, mmp4) are video. Other brands (HEIF and AVIF pictures, 3GP, Flash video) are refused;
- WebM: an EBML header (1A 45 DF A3) whose DocType is "webm" (other Matroska files refused);
- WAV: "RIFF", a size, "WAVE";
- Ogg: "OggS", then the first packet's codec: Vorbis, Opus, FLAC or Speex (Theora video and
  other Ogg streams refused);
- MP3: an ID3v2 tag ("ID3", skipped by the size it declares) followed by an MPEG audio frame
  header, or that frame header straight away (11 sync bits, then a valid version, layer,
  bitrate and sample rate);
- FLAC: "fLaC".

Anything else is None; `describe` names what common files are, for the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

__all__ = ["HEAD_BYTES", "Detected", "describe", "identify"]

HEAD_BYTES = 512  # read from the start: enough for every signature above but MP3's after ID3


@dataclass(frozen=True)
class Detected:
    kind: str  # "video" or "audio"
    content_type: str
    extension: str  # what the stored file is named with
    name: str  # for people: "an MP4 video"


MP4 = Detected("video", "video/mp4", "mp4", "an MP4 video")
MOV = Detected("video", "video/quicktime", "mov", "a QuickTime (MOV) video")
WEBM = Detected("video", "video/webm", "webm", "a WebM video")
M4A = Detected("audio", "audio/mp4", "m4a", "an M4A audio file")
MP3 = Detected("audio", "audio/mpeg", "mp3", "an MP3 audio file")
OGG = Detected("audio", "audio/ogg", "ogg", "an Ogg audio file")
WAV = Detected("audio", "audio/wav", "wav", "a WAV audio file")
FLAC = Detected("audio", "audio/flac", "flac", "a FLAC audio file")

_QUICKTIME_BRANDS = {b"qt  "}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_VIDEO_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9",
    b"mp41", b"mp42", b"avc1", b"M4V ", b"M4VH", b"M4VP", b"dash", b"mmp4",
}  # fmt: skip
_OGG_AUDIO = (b"\x01vorbis", b"OpusHead", b"\x7fFLAC", b"Speex   ")

_OTHERS = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or office document"),
)


def _brand(brand: bytes) -> Detected | None:
    if brand in _QUICKTIME_BRANDS:
        return MOV
    if brand in _AUDIO_BRANDS:
        return M4A
    if brand in _VIDEO_BRANDS:
        return MP4
    return None


def _iso_bmff(head: bytes) -> Detected | None:
    size = int.from_bytes(head[:4], "big")
    if head[4:8] != b"ftyp" or len(head) < 16 or not 16 <= size <= 4096:
        return None
    found = _brand(head[8:12])
    if found is not None:
        return found
    compatible = head[16 : min(size, len(head))]
    brands = [compatible[i : i + 4] for i in range(0, len(compatible) - 3, 4)]
    for brand in brands:  # an unknown major brand: the first compatible brand known
        found = _brand(brand)
        if found is not None:
            return found
    return None


def _vint(data: bytes, at: int) -> tuple[int, int] | None:
    """An EBML variable-length integer at `at`: (value, length in bytes), None when invalid."""
    if at >= len(data) or data[at] == 0:
        return None
    first = data[at]
    length = 8 - first.bit_length() + 1
    if at + length > len(data):
        return None
    value = first & (0xFF >> length)
    for byte in data[at + 1 : at + length]:
        value = (value << 8) | byte
    return value, length


def _webm(head: bytes) -> Detected | None:
    header = _vint(head, 4)
    if header is None:
        return None
    size, length = header
    start = 4 + length
    end = min(len(head), start + size)
    at = start
    while at + 2 < end:  # the EBML header's elements: (2-byte id here) size, value
        element = head[at : at + 2]
        if not 0x40 <= element[0] < 0x80:  # not a 2-byte id like the header's own: stop
            return None
        sized = _vint(head, at + 2)
        if sized is None:
            return None
        value_size, size_length = sized
        value_at = at + 2 + size_length
        if element == b"\x42\x82":  # DocType
            return WEBM if head[value_at : value_at + value_size] == b"webm" else None
        at = value_at + value_size
    return None


def _ogg(head: bytes) -> Detected | None:
    if len(head) < 28:
        return None
    packet = 27 + head[26]  # after the page header and its segment table
    if any(head[packet : packet + len(codec)] == codec for codec in _OGG_AUDIO):
        return OGG
    return None


def _mpeg_frame(header: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, no reserved version, layer or sample rate,
    and a bitrate index other than the invalid 1111 (ADTS AAC, layer 00, is not MP3)."""
    if len(header) < 3 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return False
    version = (header[1] >> 3) & 0b11
    layer = (header[1] >> 1) & 0b11
    bitrate = header[2] >> 4
    rate = (header[2] >> 2) & 0b11
    return version != 0b01 and layer != 0b00 and bitrate != 0b1111 and rate != 0b11


def _after_id3(head: bytes, stream: IO[bytes]) -> Detected | None:
    if len(head) < 10 or any(byte & 0x80 for byte in head[6:10]):
        return None  # the size is "syncsafe": 4 times 7 bits
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | byte
    offset = 10 + size + (10 if head[5] & 0x10 else 0)  # with a footer
    if offset + 4 <= len(head):
        frame = head[offset : offset + 4]
    else:
        stream.seek(offset)
        frame = stream.read(4)
    return MP3 if _mpeg_frame(frame) else None


def identify(stream: IO[bytes]) -> Detected | None:
    """What `stream` holds (a video or audio type Outlier publishes), read from its start;
    None for anything else. The stream is left at its start."""
    try:
        stream.seek(0)
        head = stream.read(HEAD_BYTES)
        if head[4:8] == b"ftyp":
            return _iso_bmff(head)
        if head.startswith(b"\x1a\x45\xdf\xa3"):
            return _webm(head)
        if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
            return WAV
        if head.startswith(b"OggS"):
            return _ogg(head)
        if head.startswith(b"fLaC"):
            return FLAC
        if head.startswith(b"ID3"):
            return _after_id3(head, stream)
        return MP3 if _mpeg_frame(head[:4]) else None
    finally:
        stream.seek(0)


def describe(stream: IO[bytes]) -> str:
    """What a refused file seems to be ("a PNG image", "text"), or "" when it cannot be told."""
    try:
        stream.seek(0)
        head = stream.read(HEAD_BYTES)
    finally:
        stream.seek(0)
    for signature, name in _OTHERS:
        if head.startswith(signature):
            return name
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "a WebP image"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "an AVI video"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"avif"):
        return "a HEIF or AVIF image"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "a Matroska (MKV) file"
    text = head.decode("utf-8", "replace").rstrip("\ufffd")  # a character cut at the end
    if text and all((char.isprintable() and char != "\ufffd") or char in "\r\n\t" for char in text):
        return "text"
    return ""
