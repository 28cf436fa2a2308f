"""A Mastodon server's own limits, from GET /api/v2/instance, and the rules they make.

Servers change Mastodon's defaults (500 characters, 4 attachments, 16 MB images): glitch-soc
and many instances allow thousands of characters. The adapter reads the server's
`configuration` and keeps the values it needs, as plain JSON, in the channel's credentials
(through `config_changes()`):

    {"url": "https://example.social", "domain": "example.social", "version": "4.3.0",
     "max_characters": 5000, "max_media_attachments": 4, "characters_reserved_per_url": 23,
     "image_size_limit": 16777216, "image_matrix_limit": 33177600, "description_limit": 1500,
     "image_types": ["image/jpeg", "image/png", ...], "video_size_limit": 103809024,
     "media_types": ["video/mp4", "audio/mpeg", ...], "fetched_at": "2026-05-01T08:00:00+00:00"}

`video_size_limit` bounds videos and audio files alike (Mastodon's VIDEO_LIMIT covers both);
`media_types` are the video and audio types of `supported_mime_types`.

A value that is missing or absurd is left out, and the documented default
(`RULES["mastodon"]`) stands in for it.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from outlier.networks.base import Rules
from outlier.networks.rules import RULES

__all__ = [
    "DEFAULT_DESCRIPTION_LIMIT",
    "MINIMUM_VERSION",
    "is_fresh",
    "limits_from",
    "rules_from",
]

MINIMUM_VERSION = "4.0.0"  # the first with /api/v2/instance; an answer there proves at least this
DEFAULT_DESCRIPTION_LIMIT = 1500  # characters of alt text (Mastodon's default)
_VERSION = re.compile(r"(\d{1,4})\.(\d{1,4})\.(\d{1,4})")
_BOUNDS: dict[str, tuple[str, str, int, int]] = {
    # key: (section, name, smallest, largest) of configuration.<section>.<name>
    "max_characters": ("statuses", "max_characters", 1, 10_000_000),
    "max_media_attachments": ("statuses", "max_media_attachments", 0, 100),
    "characters_reserved_per_url": ("statuses", "characters_reserved_per_url", 0, 10_000),
    "image_size_limit": ("media_attachments", "image_size_limit", 1024, 1 << 40),
    "image_matrix_limit": ("media_attachments", "image_matrix_limit", 10_000, 1 << 40),
    "description_limit": ("media_attachments", "description_limit", 1, 1_000_000),
    "video_size_limit": ("media_attachments", "video_size_limit", 1024, 1 << 40),
}
# The names a server may list for each video and audio type Outlier sends.
_ALIASES: dict[str, tuple[str, ...]] = {
    "audio/mpeg": ("audio/mpeg", "audio/mp3"),
    "audio/ogg": ("audio/ogg", "audio/vorbis", "audio/opus"),
    "audio/wav": ("audio/wav", "audio/wave", "audio/x-wav", "audio/vnd.wave", "audio/x-pn-wave"),
    "audio/mp4": ("audio/mp4", "audio/m4a", "audio/x-m4a"),
    "audio/flac": ("audio/flac", "audio/x-flac"),
}


def _version(value: Any) -> str:
    """X.Y.Z of the server's version string, never below what /api/v2/instance proves."""
    match = _VERSION.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        return MINIMUM_VERSION
    found = tuple(int(part) for part in match.groups())
    minimum = tuple(int(part) for part in MINIMUM_VERSION.split("."))
    return ".".join(str(part) for part in max(found, minimum))


def _number(
    configuration: Mapping[str, Any], section: str, name: str, low: int, high: int
) -> int | None:
    values = configuration.get(section)
    value = values.get(name) if isinstance(values, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def limits_from(info: Mapping[str, Any], url: str, now: datetime | None = None) -> dict[str, Any]:
    """The values Outlier keeps from an /api/v2/instance answer (see the module's docstring)."""
    limits: dict[str, Any] = {
        "url": url,
        "version": _version(info.get("version")),
        "fetched_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
    domain = info.get("domain")
    if isinstance(domain, str) and 0 < len(domain) <= 253:
        limits["domain"] = domain.strip().lower()
    configuration = info.get("configuration")
    if not isinstance(configuration, Mapping):
        return limits
    for key, (section, name, low, high) in _BOUNDS.items():
        value = _number(configuration, section, name, low, high)
        if value is not None:
            limits[key] = value
    media = configuration.get("media_attachments")
    types = media.get("supported_mime_types") if isinstance(media, Mapping) else None
    if isinstance(types, list):
        named = [kind.strip().lower() for kind in types[:200] if isinstance(kind, str)]
        limits["image_types"] = [kind for kind in named if kind.startswith("image/")]
        limits["media_types"] = [kind for kind in named if kind.startswith(("video/", "audio/"))]
    return limits


def is_fresh(limits: Any, url: str, max_age: timedelta, now: datetime | None = None) -> bool:
    """True when `limits` were read from this instance less than `max_age` ago."""
    if not isinstance(limits, Mapping) or limits.get("url") != url:
        return False
    try:
        fetched = datetime.fromisoformat(str(limits.get("fetched_at")))
    except ValueError:
        return False
    if fetched.tzinfo is None:
        return False
    age = (now or datetime.now(UTC)) - fetched
    return timedelta(0) <= age < max_age


def rules_from(limits: Any) -> Rules:
    """The composer's rules for an account on this server: its limits over Mastodon's defaults."""
    rules = RULES["mastodon"]
    if not isinstance(limits, Mapping):
        return rules
    changes: dict[str, Any] = {}

    def known(key: str) -> int | None:
        value = limits.get(key)
        bounds = _BOUNDS[key]
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        return value if bounds[2] <= value <= bounds[3] else None

    if (characters := known("max_characters")) is not None:
        changes["max_length"] = characters
    if (attachments := known("max_media_attachments")) is not None:
        changes["max_images"] = attachments
    if (per_url := known("characters_reserved_per_url")) is not None:
        changes["link_length"] = per_url
    if (size := known("image_size_limit")) is not None:
        changes["max_image_bytes"] = size
    if (matrix := known("image_matrix_limit")) is not None:
        # Outlier bounds the longest side; a square image of that side must fit the matrix.
        changes["max_image_pixels"] = max(1, min(rules.max_image_pixels, math.isqrt(matrix)))
    types = limits.get("image_types")
    if isinstance(types, list):
        accepted = tuple(kind for kind in rules.image_types if kind in types)
        if accepted:
            changes["image_types"] = accepted
    if (media_size := known("video_size_limit")) is not None:
        changes["max_video_bytes"] = changes["max_audio_bytes"] = media_size
    media_types = limits.get("media_types")
    if isinstance(media_types, list):
        listed = {kind for kind in media_types if isinstance(kind, str)}

        def served(kind: str) -> bool:
            return any(name in listed for name in _ALIASES.get(kind, (kind,)))

        changes["video_types"] = tuple(kind for kind in rules.video_types if served(kind))
        changes["audio_types"] = tuple(kind for kind in rules.audio_types if served(kind))
        changes["media_kinds"] = tuple(
            kind for kind in rules.media_kinds
            if kind == "image" or changes[f"{kind}_types"]
        )  # fmt: skip
    return dataclasses.replace(rules, **changes)
