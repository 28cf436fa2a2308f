"""Writes about a post's images: add (checked with Pillow), change the alt text, remove.

Kept apart from `actions.py` until it moves there; same style: permission check first,
`ValidationError` with the field ("images") and a message a person can act on.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from PIL import Image, UnidentifiedImageError

from outlier.core.models import Membership
from outlier.publishing.actions import check_can_edit_post
from outlier.publishing.models import Post, PostImage, PostMedia, PostStatus

MAX_IMAGES = 4
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


def _check_editable(membership: Membership, post: Post) -> None:
    check_can_edit_post(membership, post)
    if post.status in (PostStatus.PUBLISHED, PostStatus.CANCELLED):
        raise ValidationError({"images": "This post was already sent or cancelled."})


def check_image(upload: UploadedFile) -> str:
    """The image's file extension after checking it is a JPEG, PNG, GIF or WebP picture."""
    name = upload.name or "image"
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"images": f"{name} is larger than 20 MB."})
    try:
        upload.seek(0)
        with Image.open(upload) as picture:
            kind = picture.format or ""
            picture.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise ValidationError({"images": f"{name} is not an image Outlier can read."}) from exc
    finally:
        upload.seek(0)
    if kind not in FORMATS:
        raise ValidationError({"images": f"{name}: use a JPEG, PNG, GIF or WebP image."})
    return FORMATS[kind]


def do_add_image(
    membership: Membership, post: Post, upload: UploadedFile, alt: str = ""
) -> PostImage:
    _check_editable(membership, post)
    extension = check_image(upload)
    with transaction.atomic():
        if PostMedia.objects.filter(post=post).exists():
            raise ValidationError({"images": "A post carries up to 4 images or one video or "
                                   "audio file, not both: remove the video or audio file to "
                                   "add images."})  # fmt: skip
        if post.images.count() >= MAX_IMAGES:
            raise ValidationError({"images": f"A post has at most {MAX_IMAGES} images."})
        last = post.images.aggregate(last=Max("position"))["last"]
        image = PostImage(post=post, alt=alt.strip()[:1000], position=(last or 0) + 1)
        # A random name: draft images must not be guessable under /media/.
        image.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
        image.save()
    return image


def _image(post: Post, image_id: int) -> PostImage:
    image = post.images.filter(pk=image_id).first()
    if image is None:
        raise Http404("No such image on this post.")
    return image


def do_update_image(membership: Membership, post: Post, image_id: int, alt: str) -> PostImage:
    _check_editable(membership, post)
    image = _image(post, image_id)
    image.alt = alt.strip()[:1000]
    image.save(update_fields=["alt"])
    return image


def do_remove_image(membership: Membership, post: Post, image_id: int) -> None:
    _check_editable(membership, post)
    image = _image(post, image_id)
    image.delete()
    transaction.on_commit(lambda: image.file.delete(save=False))
