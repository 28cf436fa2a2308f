"""Small real images for the tests (made with Pillow, so the PDS and the SDK can read them)."""

from __future__ import annotations

import io
import os

from PIL import Image as PILImage

from outlier.networks.base import Image


def picture(
    width: int, height: int, kind: str = "PNG", colour: str = "teal", alt: str = ""
) -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), colour).save(buffer, format=kind)
    content_type = "image/png" if kind == "PNG" else "image/jpeg"
    return Image(data=buffer.getvalue(), content_type=content_type, alt=alt,
                 filename=f"picture.{kind.lower()}")  # fmt: skip


def oversized(size: int) -> Image:
    """A PNG-typed image of `size` bytes (its content does not matter: it is never sent)."""
    return Image(data=os.urandom(size), content_type="image/png", alt="too big")
