"""How long a text is on a network, and whether a post fits the network's rules.

Counters (`Rules.counter`):

- "characters": Unicode code points (Python's `len`);
- "utf16": UTF-16 code units, so an emoji outside the Basic Multilingual Plane counts 2;
- "graphemes": extended grapheme clusters (what a reader sees as one character: the family
  emoji 👨‍👩‍👧 counts 1, and so does an "é" written as "e" and a combining accent);
- "weighted": X's twitter-text v3 rules. The text is NFC-normalised; code points in
  U+0000-U+10FF, U+2000-U+200D, U+2010-U+201F and U+2032-U+2037 weigh 1, every other one 2;
  an emoji, however many code points it is made of, weighs 2;
- "emoji_bytes": Threads' rules: graphemes, except that an emoji counts its UTF-8 bytes.

On a network with threads (`Rules.max_thread_parts` above 1), a text longer than a post is
no problem as long as it makes a thread the network takes: `validate` asks
`outlier.networks.threads`, where the text is cut.

When `Rules.link_length` is set, each link counts as that many, whatever its length: X finds
links with or without "https://" ("example.com" is a link), Mastodon only links with a scheme
(see `find_links`). With `Rules.mentions_without_domain`, "@user@server" counts as "@user".
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

import regex

from outlier.networks.base import Content, Image, Media, Problem, Rules
from outlier.networks.images import fit_image

__all__ = ["COUNTERS", "count", "find_links", "fit_image", "postable_text", "validate"]

COUNTERS = ("characters", "utf16", "graphemes", "weighted", "emoji_bytes")

_GRAPHEME = regex.compile(r"\X")
# A grapheme cluster holding any of these is an emoji: pictographs (with their modifiers,
# variation selectors and zero-width joiners, all inside the one cluster), flags and keycaps.
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]")
# twitter-text config/v3.json: code points in these ranges weigh 1, every other one 2.
_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
# Mastodon's Account::MENTION_RE: the "@server" part of a mention is not counted.
# Links and mentions use the standard library's `re`: as fast, and much faster on lookbehinds.
_MENTION = re.compile(r"(?<![=/\w])(@[a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)@[\w.-]+\w", re.I)
_TOKEN = re.compile(r"\S+")
_SCHEME = re.compile(r"https?://", re.IGNORECASE)
_BEFORE_SCHEME = re.compile(r"[\w@$#]")  # "xhttp://" or "@http://" is not a link
# A host: labels of letters, digits and hyphens (any script) and a top-level domain, or an IP.
_HOST = re.compile(
    r"(?:(?:[^\W_](?:[\w-]*[^\W_])?\.)+(?P<tld>[^\W\d_]{2,63})|\d{1,3}(?:\.\d{1,3}){3})"
    r"\.?(?::\d{1,5})?(?![\w-])"
)
# A bare ASCII domain, not inside a word, an address ("me@example.com") or a path.
_BARE_DOMAIN = re.compile(
    r"(?<![\w@$#./:-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?P<tld>[a-z]{2,63})(?![\w-])"
    r"(?::\d{1,5})?(?:[/?#]\S*)?",
    re.IGNORECASE | re.ASCII,
)
_COMMON_TLDS = frozenset(
    [
        "com",
        "org",
        "net",
        "edu",
        "gov",
        "io",
        "co",
        "ai",
        "app",
        "dev",
        "info",
        "biz",
        "me",
        "tv",
        "us",
        "uk",
        "de",
        "fr",
        "es",
        "it",
        "nl",
        "be",
        "ch",
        "at",
        "se",
        "no",
        "dk",
        "fi",
        "pl",
        "pt",
        "ie",
        "ca",
        "au",
        "nz",
        "jp",
        "cn",
        "kr",
        "in",
        "br",
        "mx",
        "ar",
        "ru",
        "eu",
        "news",
        "blog",
        "social",
        "xyz",
        "online",
        "site",
        "tech",
    ]
)
_TRAILING = frozenset(".,;:!?'\"…»›")
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_TYPE_NAMES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/gif": "GIF",
    "image/heic": "HEIC",
    "image/avif": "AVIF",
    "image/tiff": "TIFF",
    "image/bmp": "BMP",
    "video/mp4": "MP4",
    "video/webm": "WebM",
    "video/quicktime": "QuickTime (MOV)",
    "audio/mpeg": "MP3",
    "audio/ogg": "Ogg",
    "audio/wav": "WAV",
    "audio/mp4": "M4A",
    "audio/flac": "FLAC",
}
# How messages name a video or audio file: (with an article, alone).
_MEDIA_NOUNS = {"video": ("a video", "video"), "audio": ("an audio file", "audio file")}


def _weight(char: str) -> int:
    point = ord(char)
    return 1 if any(start <= point <= end for start, end in _LIGHT) else 2


def _count_plain(text: str, counter: str) -> int:
    if counter == "characters":
        return len(text)
    if counter == "utf16":
        return len(text.encode("utf-16-le")) // 2
    if counter == "weighted" and text.isascii():  # every ASCII character weighs 1
        return len(text)
    clusters: list[str] = _GRAPHEME.findall(text)
    if counter == "graphemes":
        return len(clusters)
    if counter == "weighted":
        return sum(
            2 if _EMOJI.search(cluster) else sum(_weight(char) for char in cluster)
            for cluster in clusters
        )
    if counter == "emoji_bytes":
        return sum(
            len(cluster.encode("utf-8")) if _EMOJI.search(cluster) else 1 for cluster in clusters
        )
    raise ValueError(f"Unknown counter {counter!r}; expected one of {', '.join(COUNTERS)}.")


def _trimmed_end(word: str, start: int, end: int) -> int:
    """Where a link in word[start:end] ends, without the punctuation of the sentence around it."""
    opened = {closer: word.count(opener, start, end) for closer, opener in _CLOSERS.items()}
    closed = {closer: word.count(closer, start, end) for closer in _CLOSERS}
    while end > start:
        last = word[end - 1]
        if last in _TRAILING:
            end -= 1
        elif last in _CLOSERS and closed[last] > opened[last]:  # "(see https://x.org/a)"
            closed[last] -= 1
            end -= 1
        else:
            break
    return end


def _is_common_tld(tld: str | None) -> bool:
    return tld is not None and tld.lower() in _COMMON_TLDS


def _links_in_word(word: str, without_scheme: bool) -> list[tuple[int, int, bool]]:
    found: list[tuple[int, int, bool]] = []
    position = 0
    scheme = _SCHEME.search(word)
    bare = _BARE_DOMAIN.search(word) if without_scheme else None
    while scheme is not None or bare is not None:
        if scheme is not None and (bare is None or scheme.start() <= bare.start()):
            start = scheme.start()
            host = _HOST.match(word, scheme.end())
            valid = host is not None and not (start and _BEFORE_SCHEME.match(word[start - 1]))
            end = _trimmed_end(word, start, len(word)) if valid else scheme.end()
            if host is not None and valid and end > scheme.end():
                found.append((start, end, _is_common_tld(host.group("tld"))))
            position = end
        elif bare is not None:
            start = bare.start()
            end = _trimmed_end(word, start, bare.end())
            www = word[start:end].lower().startswith("www.")
            found.append((start, end, www or _is_common_tld(bare.group("tld"))))
            position = max(end, start + 1)
        # Look further only from where this one ended: each character is scanned once or twice.
        if scheme is not None and scheme.start() < position:
            scheme = _SCHEME.search(word, position)
        if bare is not None and bare.start() < position:
            bare = _BARE_DOMAIN.search(word, position)
    return found


def find_links(text: str, *, without_scheme: bool = False) -> list[tuple[int, int, bool]]:
    """The links in `text`: (start, end, certain) with code point indices.

    Links with an http(s) scheme are found always; with `without_scheme`, also bare domains
    like "example.com/page" (X links those too). A link is `certain` when its host ends in a
    common top-level domain (or, bare, starts with "www."). Otherwise ("notes.txt",
    "https://planet.example/x", an IP address) the network may or may not take it for a link:
    twitter-text, which X and Mastodon use, knows the registered top-level domains, and `count`
    then never counts less than the network could. Links never hold whitespace, so the text is
    read token by token, with patterns that cannot backtrack far: the time is linear in the
    text's length (the composer counts on every keystroke, and texts come from users).
    """
    found: list[tuple[int, int, bool]] = []
    for token in _TOKEN.finditer(text):
        offset = token.start()
        for start, end, certain in _links_in_word(token.group(), without_scheme):
            found.append((offset + start, offset + end, certain))
    return found


def _segments(text: str, rules: Rules) -> list[tuple[str, bool | None]]:
    """The text cut into (piece, link) pairs: link is None for plain text, else `certain`."""
    if rules.link_length is None:
        return [(text, None)]
    pieces: list[tuple[str, bool | None]] = []
    position = 0
    for start, end, certain in find_links(text, without_scheme=rules.counter == "weighted"):
        pieces.append((text[position:start], None))
        pieces.append((text[start:end], certain))
        position = end
    pieces.append((text[position:], None))
    return pieces


def count(text: str, rules: Rules) -> int:
    """The length of `text` as the network measures it."""
    if rules.counter == "weighted":
        text = unicodedata.normalize("NFC", text)
    total = 0
    for piece, link in _segments(text, rules):
        if link is not None and rules.link_length is not None:
            # A link counts link_length; a bare domain that may not be one never counts less
            # than its own length, so the count is never below the network's.
            total += rules.link_length if link else max(rules.link_length, len(piece))
            continue
        if rules.mentions_without_domain:
            piece = _MENTION.sub(r"\1", piece)
        total += _count_plain(piece, rules.counter)
    return total


def _is_web_address(link: str) -> bool:
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def postable_text(content: Content, rules: Rules) -> str:
    """The text as it goes out: with the link appended where the network puts it in the text."""
    text = content.text
    link = content.link.strip()
    if rules.link_in_text and link and link not in text:
        text = f"{text.rstrip()}\n\n{link}" if text.strip() else link
    return text


def _length_note(rules: Rules) -> str:
    if rules.counter == "weighted":
        return f" (CJK characters and emoji count as 2, links as {rules.link_length})"
    if rules.counter == "emoji_bytes":
        return " (an emoji counts as its size in bytes, usually 4)"
    if rules.link_length is not None:
        return f" (links count as {rules.link_length})"
    return ""


def _text_problems(content: Content, rules: Rules) -> list[Problem]:
    label = rules.label
    has_text = bool(content.text.strip())
    if rules.requires_text and not has_text:
        return [Problem("text", f"{label} needs some text to post.")]
    if not has_text and not content.images and not content.media and not content.link.strip():
        return [
            Problem("text", "There is nothing to post: write some text, or add a link or an image.")
        ]
    problems: list[Problem] = []
    text = postable_text(content, rules)
    if rules.max_thread_parts > 1:
        return _thread_problems(text, rules)
    with_link = " with the link" if text != content.text else ""
    length = count(text, rules)
    if length > rules.max_length:
        problems.append(
            Problem(
                "text",
                f"{label} allows {rules.max_length:,} characters{_length_note(rules)}; "
                f"this text has {length:,}{with_link}.",
            )
        )
    size = len(text.encode("utf-8"))
    if rules.max_text_bytes is not None and size > rules.max_text_bytes:
        problems.append(
            Problem(
                "text",
                f"{label} allows {rules.max_text_bytes:,} bytes of text; "
                f"this text has {size:,}{with_link}.",
            )
        )
    return problems


def _thread_problems(text: str, rules: Rules) -> list[Problem]:
    """A network with threads takes a longer text as a thread: is it one it can take?"""
    from outlier.networks import threads  # it counts with this module: imported when needed

    try:
        threads.split(text, rules)
    except threads.ThreadError as exc:
        return [Problem("text", str(exc))]
    return []


def _type_name(content_type: str) -> str:
    return _TYPE_NAMES.get(content_type, content_type or "unknown")


def _image_name(index: int, image: Image) -> str:
    name = image.filename.strip()
    return f"Image {index} ({name})" if name and name != "image" else f"Image {index}"


def _image_problems(images: tuple[Image, ...], rules: Rules) -> list[Problem]:
    label = rules.label
    problems: list[Problem] = []
    if len(images) > rules.max_images:
        if rules.max_images == 0:
            message = f"{label} does not take images; this post has {len(images)}."
        else:
            noun = "image" if rules.max_images == 1 else "images"
            message = f"{label} allows {rules.max_images} {noun}; this post has {len(images)}."
        problems.append(Problem("images", message))
    accepted_text = _names(rules.image_types)
    for index, image in enumerate(images, start=1):
        name = _image_name(index, image)
        kind = image.content_type.strip().lower()
        if kind not in rules.image_types:
            problems.append(
                Problem("images", f"{name} is {_type_name(kind)}; {label} accepts {accepted_text}.")
            )
        if not image.data:
            problems.append(Problem("images", f"{name} is empty."))
        elif len(image.data) > rules.max_image_bytes:
            problems.append(
                Problem(
                    "images",
                    f"{name} has {len(image.data):,} bytes; "
                    f"{label} allows {rules.max_image_bytes:,} bytes per image.",
                )
            )
    return problems


def _names(types: tuple[str, ...]) -> str:
    accepted = [_type_name(kind) for kind in types]
    if len(accepted) > 1:
        return ", ".join(accepted[:-1]) + f" and {accepted[-1]}"
    return "".join(accepted)


def _media_problems(content: Content, rules: Rules) -> list[Problem]:
    """One video or audio file: on a network that takes its kind, alone, of a type and size
    the network accepts."""
    media: Media | None = content.media
    if media is None:
        return []
    label = rules.label
    with_article, noun = _MEDIA_NOUNS.get(media.kind, (f"a {media.kind} file", media.kind))
    if media.kind not in rules.media_kinds or media.kind not in _MEDIA_NOUNS:
        return [
            Problem(
                "media",
                f"This post has {with_article}; {media.kind} is not supported for {label} "
                "in Outlier.",
            )
        ]
    problems: list[Problem] = []
    if content.images:
        problems.append(
            Problem(
                "media",
                f"A post carries images or one video or audio file, not both: remove the "
                f"{noun} or the {len(content.images)} image{'s' if len(content.images) > 1 else ''}.",
            )
        )
    types = rules.video_types if media.kind == "video" else rules.audio_types
    limit = rules.max_video_bytes if media.kind == "video" else rules.max_audio_bytes
    kind = media.content_type.strip().lower()
    if kind not in types:
        accepted = f"{label} accepts {_names(types)}" if types else f"{label} accepts none"
        problems.append(Problem("media", f"The {noun} is {_type_name(kind)}; {accepted}."))
    size = len(media.data) if media.data else media.size
    if size <= 0:
        problems.append(Problem("media", f"The {noun} is empty."))
    elif size > limit:
        problems.append(
            Problem(
                "media",
                f"The {noun} has {size:,} bytes; {label} allows {limit:,} bytes per {noun}.",
            )
        )
    return problems


def validate(content: Content, rules: Rules) -> list[Problem]:
    """Every reason `content` does not fit `rules`, each tied to its field; [] when it fits.

    Missing alt text is not a problem (the composer may nudge, the networks accept it).
    """
    problems = _text_problems(content, rules)
    title = content.title.strip()
    if rules.max_title_length is not None and len(title) > rules.max_title_length:
        problems.append(
            Problem(
                "title",
                f"{rules.label} allows {rules.max_title_length:,} characters in the title; "
                f"this title has {len(title):,}.",
            )
        )
    if content.link.strip() and not _is_web_address(content.link):
        problems.append(
            Problem("link", "The link must be a web address starting with http:// or https://.")
        )
    problems.extend(_image_problems(content.images, rules))
    problems.extend(_media_problems(content, rules))
    return problems
