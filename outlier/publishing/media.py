"""Writes about a post's video or audio file: set (identified by its bytes), describe, remove.

Same style as `images.py`: permission check first, `ValidationError` on the field "media"
with a message a person can act on. A post carries up to four images or one video or audio
file, never both. What the file is comes from its container's signature
(`signatures.identify`), never from its name or the content type the browser sent; its size
is bounded by OUTLIER_MAX_VIDEO_BYTES / OUTLIER_MAX_AUDIO_BYTES here, and by each channel's
network when the post is checked before scheduling.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from outlier.core.models import Membership
from outlier.publishing import signatures
from outlier.publishing.actions import check_can_edit_post
from outlier.publishing.models import Post, PostMedia, PostStatus

DEFAULT_MAX_BYTES = 40 * 1024 * 1024
MAX_DESCRIPTION = 1500
ACCEPTED = "MP4, WebM or MOV video, or MP3, Ogg, WAV, M4A or FLAC audio"
NOT_BOTH = "A post carries up to 4 images or one video or audio file, not both"


def max_bytes(kind: str) -> int:
    """Outlier's own limit for a kind ("video", "audio"), from the settings."""
    name = "MAX_VIDEO_BYTES" if kind == "video" else "MAX_AUDIO_BYTES"
    return int(getattr(settings, name, DEFAULT_MAX_BYTES))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MB"


def media_of(post: Post) -> PostMedia | None:
    return PostMedia.objects.filter(post=post).first() if post.pk else None


def _check_editable(membership: Membership, post: Post) -> None:
    check_can_edit_post(membership, post)
    if post.status in (PostStatus.PUBLISHED, PostStatus.CANCELLED):
        raise ValidationError({"media": "This post was already sent or cancelled."})


def check_media(upload: UploadedFile) -> signatures.Detected:
    """What the upload is, after checking it is a video or audio file within Outlier's limit."""
    name = upload.name or "The file"
    if not upload.size:
        raise ValidationError({"media": f"{name} is empty."})
    found = signatures.identify(upload)
    if found is None:
        seems = signatures.describe(upload)
        if seems.endswith("image"):
            message = f"{name} is {seems}, not a video or audio file: add it as an image instead."
        elif seems:
            message = f"{name} is {seems}, not a video or audio file: use {ACCEPTED}."
        else:
            message = f"{name} is not a video or audio file Outlier can publish: use {ACCEPTED}."
        raise ValidationError({"media": message})
    limit = max_bytes(found.kind)
    if upload.size > limit:
        noun = "videos" if found.kind == "video" else "audio files"
        raise ValidationError({"media": f"{name} has {upload.size:,} bytes; Outlier takes "
                               f"{noun} up to {limit:,} bytes ({_megabytes(limit)})."})  # fmt: skip
    return found


def do_set_media(
    membership: Membership, post: Post, upload: UploadedFile, description: str = ""
) -> PostMedia:
    """Attach the video or audio file to the post, in place of the one it had."""
    _check_editable(membership, post)
    found = check_media(upload)
    with transaction.atomic():
        if post.images.exists():
            raise ValidationError({"media": f"{NOT_BOTH}: remove the images to add "
                                   f"{found.name}."})  # fmt: skip
        replaced = PostMedia.objects.select_for_update().filter(post=post).first()
        media = replaced or PostMedia(post=post)
        old_file = replaced.file.name if replaced is not None else ""
        media.kind, media.content_type = found.kind, found.content_type
        media.size = int(upload.size or 0)
        media.description = description.strip()[:MAX_DESCRIPTION]
        # A random name: draft media must not be guessable under /media/.
        media.file.save(f"{uuid.uuid4().hex}.{found.extension}", upload, save=False)
        media.save()
        if old_file:
            storage = media.file.storage
            transaction.on_commit(lambda: storage.delete(old_file))
    return media


def do_describe_media(membership: Membership, post: Post, description: str) -> PostMedia:
    _check_editable(membership, post)
    media = media_of(post)
    if media is None:
        raise ValidationError({"media": "This post has no video or audio file to describe."})
    media.description = description.strip()[:MAX_DESCRIPTION]
    media.save(update_fields=["description"])
    return media


def do_remove_media(membership: Membership, post: Post) -> None:
    _check_editable(membership, post)
    media = media_of(post)
    if media is None:
        return
    media.delete()
    transaction.on_commit(lambda: media.file.delete(save=False))
