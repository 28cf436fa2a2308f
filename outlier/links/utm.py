"""UTM parameters: which values a link gets, and adding them to an address.

Where a value comes from, strongest first:

1. the link's own overrides (`overrides=`; an empty value removes that parameter);
2. a `utm_*` parameter already in the address (the user set it on purpose);
3. what the link is for: `utm_source` the network ("mastodon", …), "feed" or "email",
   `utm_medium` social / email / feed (referral for the public topic pages),
   `utm_campaign` the campaign's slug, `utm_content` the post or scoop ("post-42");
4. the workspace's defaults (`LinkDefaults.utm`), for any key still unset.

The address is otherwise kept byte for byte: its other parameters, their order and their
encoding, and its fragment. Only the parameters added are encoded here.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, unquote_plus

from django.core.exceptions import ValidationError

from outlier.links.models import LinkMedium

KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "utm_id")
MAX_VALUE = 200

# utm_medium per kind of link; a link made by hand gets none unless told.
MEDIUM_VALUES = {
    LinkMedium.SOCIAL: "social",
    LinkMedium.EMAIL: "email",
    LinkMedium.FEED: "feed",
    LinkMedium.SITE: "referral",
}


def check_values(values: Mapping[str, object], field: str = "utm") -> dict[str, str]:
    """Known keys with short printable values, or a ValidationError naming the problem."""
    clean: dict[str, str] = {}
    for key, value in values.items():
        if key not in KEYS:
            raise ValidationError({field: f"Unknown UTM parameter {key!r}; use one of "
                                          f"{', '.join(KEYS)}."})  # fmt: skip
        if not isinstance(value, str):
            raise ValidationError({field: f"The value of {key} must be text."})
        if len(value) > MAX_VALUE or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
            raise ValidationError(
                {field: f"The value of {key} must be at most {MAX_VALUE} printable characters."}
            )
        clean[key] = value.strip()
    return clean


def link_values(
    *, medium: str, source: str = "", campaign: str = "", content: str = ""
) -> dict[str, str]:
    """The values a link gets from what it is for (level 3 above); empty ones left out."""
    values = {
        "utm_source": source,
        "utm_medium": MEDIUM_VALUES.get(LinkMedium(medium), "") if medium else "",
        "utm_campaign": campaign,
        "utm_content": content,
    }
    return {key: value for key, value in values.items() if value}


def _key(part: str) -> str:
    return unquote_plus(part.split("=", 1)[0])


def present(url: str) -> dict[str, str]:
    """The utm_* parameters in the address, decoded (the first of each wins)."""
    query = url.partition("#")[0].partition("?")[2]
    found: dict[str, str] = {}
    for part in query.split("&"):
        key = _key(part)
        if key in KEYS and key not in found:
            found[key] = unquote_plus(part.partition("=")[2])
    return found


def add_utm(
    url: str,
    values: Mapping[str, str],
    *,
    overrides: Mapping[str, str] | None = None,
    defaults: Mapping[str, str] | None = None,
) -> tuple[str, dict[str, str]]:
    """The address with its UTM parameters, and the UTM values it ends up with."""
    overrides = dict(overrides or {})
    existing = present(url)
    wanted: dict[str, str] = {**(defaults or {}), **values}
    to_add = {k: v for k, v in wanted.items() if v and k not in existing and k not in overrides}
    to_add.update({k: v for k, v in overrides.items() if v})
    if not to_add and not (overrides.keys() & existing.keys()):
        return url, existing

    base, hash_mark, fragment = url.partition("#")
    path, _, query = base.partition("?")
    parts = [p for p in query.split("&") if p and _key(p) not in overrides]
    parts += [f"{key}={quote(to_add[key], safe='')}" for key in KEYS if key in to_add]
    rebuilt = path + ("?" + "&".join(parts) if parts else "") + hash_mark + fragment
    return rebuilt, present(rebuilt)
