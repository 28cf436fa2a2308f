"""The records a post becomes: app.bsky.feed.post with facets, images, a link card, a reply;
and the records of a like and a repost (app.bsky.feed.like, app.bsky.feed.repost).

Blob limits (lexicons of @atproto/api 0.20, which @atproto/pds 0.5.35 serves): an image in
app.bsky.embed.images may be up to 2,000,000 bytes ("formerly limited to 1 MB"; Outlier's
rules still fit images to 1,000,000), a link card's thumbnail up to 1,000,000; both
"image/*". The PDS does not check these when the post is created (a 1.2 MB image was taken),
so they are checked here, before anything is uploaded.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

from atproto_client import models
from atproto_client.models.blob_ref import BlobRef
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from outlier.networks.base import ErrorKind, Image, PublishError
from outlier.networks.bluesky.richtext import Span, byte_range, spans

__all__ = [
    "IMAGE_MAX_BYTES",
    "MAX_IMAGES",
    "THUMB_MAX_BYTES",
    "aspect_ratio",
    "blob_url",
    "check_images",
    "external_embed",
    "facets",
    "images_embed",
    "langs",
    "post_record",
    "post_url",
    "profile_url",
    "subject_record",
]

MAX_IMAGES = 4
IMAGE_MAX_BYTES = 2_000_000
THUMB_MAX_BYTES = 1_000_000
_IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
WEB = "https://bsky.app"
# The lexicon's "language" format, as the SDK and the PDS check it: a BCP-47 tag.
_LANGUAGE = re.compile(r"(?:i|[a-z]{2,3})(?:-[A-Za-z0-9]{1,8})*")


def post_url(handle: str, rkey: str) -> str:
    return f"{WEB}/profile/{handle}/post/{rkey}"


def profile_url(handle_or_did: str) -> str:
    return f"{WEB}/profile/{handle_or_did}"


def blob_url(pds_url: str, did: str, blob: Any) -> str:
    """Where the PDS serves a blob of `did`'s repository (com.atproto.sync.getBlob): how an
    avatar is shown without an AppView (whose CDN would serve it resized). "" when `blob` is
    not a blob reference (a typed BlobRef or its JSON form)."""
    cid = ""
    if isinstance(blob, BlobRef):
        cid = str(blob.cid)
    elif isinstance(blob, dict):
        ref = blob.get("ref")
        link = ref.get("$link") if isinstance(ref, dict) else None
        cid = link if isinstance(link, str) else ""
    if not cid:
        return ""
    query = urlencode({"did": did, "cid": cid})
    return f"{pds_url.rstrip('/')}/xrpc/com.atproto.sync.getBlob?{query}"


def subject_record(
    collection: str, subject: models.ComAtprotoRepoStrongRef.Main, *, created_at: str
) -> models.AppBskyFeedLike.Record | models.AppBskyFeedRepost.Record:
    """A like or a repost (by `collection`) of the post `subject` names by uri and cid."""
    if collection == "app.bsky.feed.like":
        return models.AppBskyFeedLike.Record(subject=subject, created_at=created_at)
    if collection == "app.bsky.feed.repost":
        return models.AppBskyFeedRepost.Record(subject=subject, created_at=created_at)
    raise ValueError(f"{collection} is not a like or a repost")


def _size(value: int) -> str:
    return f"{value / 1_000_000:.1f} MB" if value >= 100_000 else f"{value / 1000:.0f} KB"


def check_images(images: Sequence[Image]) -> None:
    """PERMANENT when Bluesky cannot take these images as they are."""
    if len(images) > MAX_IMAGES:
        raise PublishError(
            f"Bluesky takes at most {MAX_IMAGES} images in a post; this one has {len(images)}.",
            ErrorKind.PERMANENT,
        )
    for number, image in enumerate(images, start=1):
        if len(image.data) > IMAGE_MAX_BYTES:
            raise PublishError(
                f"Image {number} is {_size(len(image.data))}; Bluesky takes images of at most "
                f"{_size(IMAGE_MAX_BYTES)}.",
                ErrorKind.PERMANENT,
            )
        if image.content_type.lower() not in _IMAGE_TYPES:
            raise PublishError(
                f"Image {number} is {image.content_type or 'of no known type'}; Bluesky takes "
                "JPEG, PNG, GIF and WebP images.",
                ErrorKind.PERMANENT,
            )


def aspect_ratio(data: bytes) -> models.AppBskyEmbedDefs.AspectRatio | None:
    """The image's width and height, so the app can lay it out before loading it."""
    try:
        with PILImage.open(io.BytesIO(data)) as picture:
            width, height = picture.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    if width <= 0 or height <= 0:
        return None
    return models.AppBskyEmbedDefs.AspectRatio(width=width, height=height)


def images_embed(uploaded: Sequence[tuple[Image, BlobRef]]) -> models.AppBskyEmbedImages.Main:
    return models.AppBskyEmbedImages.Main(
        images=[
            models.AppBskyEmbedImages.Image(
                alt=image.alt, image=blob, aspect_ratio=aspect_ratio(image.data)
            )
            for image, blob in uploaded
        ]
    )


def external_embed(
    uri: str, title: str, description: str, thumb: BlobRef | None
) -> models.AppBskyEmbedExternal.Main:
    parts = urlsplit(uri)
    return models.AppBskyEmbedExternal.Main(
        external=models.AppBskyEmbedExternal.External(
            uri=uri,
            title=title.strip() or parts.netloc,
            description=description.strip(),
            thumb=thumb,
        )
    )


def facets(
    text: str, resolve: Callable[[str], str | None]
) -> list[models.AppBskyRichtextFacet.Main]:
    """The facets of `text`; `resolve` turns a handle into a DID (None: not a mention)."""
    found: list[models.AppBskyRichtextFacet.Main] = []
    for span in spans(text):
        feature = _feature(span, resolve)
        if feature is None:
            continue
        start, end = byte_range(text, span.start, span.end)
        found.append(
            models.AppBskyRichtextFacet.Main(
                index=models.AppBskyRichtextFacet.ByteSlice(byte_start=start, byte_end=end),
                features=[feature],
            )
        )
    return found


def _feature(
    span: Span, resolve: Callable[[str], str | None]
) -> (
    models.AppBskyRichtextFacet.Link
    | models.AppBskyRichtextFacet.Mention
    | models.AppBskyRichtextFacet.Tag
    | None
):
    if span.kind == "link":
        return models.AppBskyRichtextFacet.Link(uri=span.value)
    if span.kind == "tag":
        return models.AppBskyRichtextFacet.Tag(tag=span.value)
    did = resolve(span.value)
    return models.AppBskyRichtextFacet.Mention(did=did) if did else None


def langs(language: str) -> list[str] | None:
    """The post's `langs`: its BCP-47 tag ("en", "pt-BR"), or None when it has none that is
    valid (the post goes out without; Bluesky's app then guesses)."""
    tag = language.strip().replace("_", "-")
    return [tag] if tag and _LANGUAGE.fullmatch(tag) else None


def post_record(
    text: str,
    *,
    created_at: str,
    facets: Sequence[models.AppBskyRichtextFacet.Main] = (),
    embed: models.AppBskyEmbedImages.Main | models.AppBskyEmbedExternal.Main | None = None,
    reply: models.AppBskyFeedPost.ReplyRef | None = None,
    langs: Sequence[str] | None = None,
) -> models.AppBskyFeedPost.Record:
    return models.AppBskyFeedPost.Record(
        text=text,
        created_at=created_at,
        facets=list(facets) or None,
        embed=embed,
        reply=reply,
        langs=list(langs) if langs else None,
    )
