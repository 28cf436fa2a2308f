"""Each network's limits, checked by the composer before a post can be scheduled.

Listed for every network the composer knows, including those without an adapter yet. The
values are the networks' documented ones; where a network documents nothing, the stricter
reading is taken and said so.
"""

from __future__ import annotations

from outlier.networks.base import Rules

__all__ = ["AUDIO_TYPES", "RULES", "VIDEO_TYPES"]

_MB = 1024 * 1024
_COMMON_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
# The video and audio types Outlier identifies (outlier/publishing/signatures.py).
VIDEO_TYPES = ("video/mp4", "video/webm", "video/quicktime")
AUDIO_TYPES = ("audio/mpeg", "audio/ogg", "audio/wav", "audio/mp4", "audio/flac")

RULES: dict[str, Rules] = {
    # Lexicons app.bsky.feed.post (text: maxGraphemes 300, maxLength 3000 bytes) and
    # app.bsky.embed.images (4 images, blob maxSize 1,000,000 bytes, about 976 KB), in
    # github.com/bluesky-social/atproto/tree/main/lexicons. The official app scales images to
    # 2000 px; a link becomes a link card, not text. A longer text becomes a thread (replies
    # to the first post) of up to 25 posts, as Typefully and Buffer make them.
    "bluesky": Rules(
        label="Bluesky",
        max_length=300,
        counter="graphemes",
        max_text_bytes=3000,
        max_thread_parts=25,
        max_images=4,
        max_image_bytes=1_000_000,
        max_image_pixels=2000,
        image_types=_COMMON_TYPES,
        requires_text=False,
    ),
    # docs.joinmastodon.org/user/posting/#text: 500 characters by default, every link counts as 23,
    # a mention counts only its user name (not "@server"); the server counts grapheme clusters.
    # Media: 4 attachments, images up to 16 MB and 3840x2160 (8.3 megapixels; larger images
    # are scaled down by the server) since Mastodon 4.2. Or one video or one audio file instead
    # of the images (MediaAttachment: never mixed), up to 99 MB each (VIDEO_LIMIT, which
    # covers audio too, since Mastodon 4.0; 40 MB before); a server announces its own
    # (`video_size_limit`, `supported_mime_types`, see outlier/networks/mastodon/instance.py).
    "mastodon": Rules(
        label="Mastodon",
        max_length=500,
        counter="graphemes",
        link_length=23,
        link_in_text=True,
        mentions_without_domain=True,
        max_images=4,
        max_image_bytes=16 * _MB,
        max_image_pixels=3840,
        image_types=_COMMON_TYPES,
        requires_text=False,
        media_kinds=("image", "video", "audio"),
        max_video_bytes=99 * _MB,
        video_types=VIDEO_TYPES,
        max_audio_bytes=99 * _MB,
        audio_types=AUDIO_TYPES,
    ),
    # docs.x.com/fundamentals/counting-characters (twitter-text v3 configuration:
    # 280 weighted characters, CJK and emoji weigh 2, every link 23) and the media upload
    # best practices (4 images, 5 MB each; JPEG, PNG, GIF, WEBP).
    "x": Rules(
        label="X",
        max_length=280,
        counter="weighted",
        link_length=23,
        link_in_text=True,
        max_images=4,
        max_image_bytes=5 * _MB,
        max_image_pixels=4096,
        image_types=_COMMON_TYPES,
        requires_text=False,
    ),
    # learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api
    # (commentary: 3,000 characters) and .../shares/multiimage-post-api ("minimum of 2 images
    # and maximum of 20 images"); .../shares/images-api: JPG, GIF or PNG, fewer than
    # 36,152,320 pixels. LinkedIn documents no byte limit for post images and not how it
    # counts characters: 5 MB and UTF-16 code units (what its Java and JavaScript stacks
    # measure) are the strict readings.
    "linkedin": Rules(
        label="LinkedIn",
        max_length=3000,
        counter="utf16",
        max_images=20,
        max_image_bytes=5 * _MB,
        max_image_pixels=4096,
        image_types=("image/jpeg", "image/png", "image/gif"),
        requires_text=False,
    ),
    # developers.facebook.com/docs/threads/posts: "Text posts are limited to 500 characters.
    # Emojis are counted as the number of UTF-8 bytes."; a carousel has up to 20 images or
    # videos; images are JPEG or PNG, at most 8 MB, scaled down to 1440 px wide.
    "threads": Rules(
        label="Threads",
        max_length=500,
        counter="emoji_bytes",
        link_in_text=True,
        max_images=20,
        max_image_bytes=8_000_000,
        max_image_pixels=1440,
        image_types=("image/jpeg", "image/png"),
        requires_text=False,
    ),
    # A topic speaking on the fediverse (outlier.federation.channel): its posts are Notes that
    # Outlier serves itself, so the limits are what receivers show well. Mastodon's, the most
    # common receiver: 500 characters by its own count (links 23, "@user@server" as "@user"),
    # 4 attachments, remote images up to 16 MB. The link is put in the text when it is not.
    "fediverse": Rules(
        label="Fediverse",
        max_length=500,
        counter="graphemes",
        link_length=23,
        link_in_text=True,
        mentions_without_domain=True,
        max_images=4,
        max_image_bytes=16 * _MB,
        max_image_pixels=3840,
        image_types=_COMMON_TYPES,
        requires_text=False,
    ),
    # Outlier's own webhook: no practical text limit; images travel base64-encoded inside the
    # JSON body, so they are kept few and small enough for common receivers.
    "webhook": Rules(
        label="Webhook",
        max_length=100_000,
        counter="characters",
        max_images=4,
        max_image_bytes=5 * _MB,
        max_image_pixels=4096,
        image_types=_COMMON_TYPES,
        requires_text=False,
    ),
    # E-mail: a subject of at most 200 characters, and attachments kept under the 25 MB that
    # common mail providers accept once base64-encoded (5 x 3 MB is about 21 MB encoded).
    "email": Rules(
        label="E-mail",
        max_length=100_000,
        counter="characters",
        max_title_length=200,
        max_images=5,
        max_image_bytes=3 * _MB,
        max_image_pixels=2048,
        image_types=("image/jpeg", "image/png", "image/gif"),
        requires_text=True,
    ),
}
