"""Bringing an image within a network's limits: pixels, bytes and type, with no metadata left.

`fit_image` always re-encodes a still image, so nothing but pixels (and the colour profile of an
RGB image) survives: EXIF with its GPS position and camera serial, XMP, comments. The EXIF
orientation is applied to the pixels first, so a photo taken sideways stays upright.
Animations (GIF, animated WebP or PNG) are passed through unchanged when they fit, since
re-encoding frames loses too much; a WebP's EXIF and XMP are removed. One that does not fit is
refused: shortening an animation is for the person who made it.
"""

from __future__ import annotations

import io
import math

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from outlier.networks.base import Rules

__all__ = ["MAX_SOURCE_PIXELS", "MIN_SIDE", "fit_image"]

MAX_SOURCE_PIXELS = 80_000_000  # larger sources are refused before decoding (memory)
MIN_SIDE = 320  # an image is never shrunk below this to meet a byte limit

# Formats read (JPEG includes MPO, what many cameras write). Restricting them keeps Pillow's
# rarer decoders out of reach of uploads.
_READABLE = ["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"]
_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
_ANIMATABLE = ("GIF", "WEBP", "PNG")
_LOSSLESS_SOURCES = ("PNG", "GIF", "BMP", "TIFF")  # drawings and screenshots come as these
_QUALITIES = (90, 85, 80, 75, 70, 65, 60, 50, 40)


def _open(data: bytes) -> PILImage.Image:
    if not data:
        raise ValueError("The image is empty.")
    try:
        image = PILImage.open(io.BytesIO(data), formats=_READABLE)
    except UnidentifiedImageError as exc:
        raise ValueError(
            "This file is not an image Outlier can read (JPEG, PNG, GIF, WebP, BMP or TIFF)."
        ) from exc
    except PILImage.DecompressionBombError as exc:
        raise ValueError("This image has too many pixels to be processed.") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValueError(f"This image is damaged and cannot be read ({exc}).") from exc
    width, height = image.size
    if width * height > MAX_SOURCE_PIXELS:
        image.close()
        raise ValueError(
            f"This image has {width}x{height} pixels; images up to "
            f"{MAX_SOURCE_PIXELS // 1_000_000} megapixels can be processed."
        )
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        image.close()
        raise ValueError(f"This image is damaged or truncated and cannot be read ({exc}).") from exc
    return image


def _fit_animation(image: PILImage.Image, data: bytes, rules: Rules) -> tuple[bytes, str]:
    """Animations are passed through when they fit: re-encoding frames would lose too much."""
    kind = _TYPES[image.format or "PNG"]
    fits = (
        kind in rules.image_types
        and len(data) <= rules.max_image_bytes
        and max(image.size) <= rules.max_image_pixels
    )
    if not fits:
        raise ValueError(
            f"This animated image ({len(data):,} bytes, {image.size[0]}x{image.size[1]} pixels) "
            f"does not fit: at most {rules.max_image_bytes:,} bytes and "
            f"{rules.max_image_pixels} pixels on its longest side, as "
            f"{', '.join(rules.image_types)}. Shorten or shrink it first."
        )
    if image.format == "WEBP" and ("exif" in image.info or "xmp" in image.info):
        # Pillow does not copy EXIF or XMP when it saves WebP: re-saving strips them.
        out = io.BytesIO()
        image.save(out, "WEBP", save_all=True, quality=90, method=4)
        if len(out.getvalue()) <= rules.max_image_bytes:
            return out.getvalue(), kind
        raise ValueError("This animated image carries metadata and is too large to re-encode.")
    return data, kind


def _normalised(image: PILImage.Image) -> PILImage.Image:
    """Upright RGB or RGBA pixels, with an alpha channel only where one is really used."""
    upright = ImageOps.exif_transpose(image) or image.copy()
    transparent = upright.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        "transparency" in upright.info
    )
    if transparent:
        rgba = upright.convert("RGBA")
        alpha_extrema = rgba.getchannel("A").getextrema()
        if alpha_extrema[0] != 255:  # some pixel is see-through
            return rgba
        return rgba.convert("RGB")
    return upright if upright.mode == "RGB" else upright.convert("RGB")


def _encode(picture: PILImage.Image, fmt: str, icc: bytes | None, quality: int = 90) -> bytes:
    out = io.BytesIO()
    options: dict[str, object] = {}
    if icc:
        options["icc_profile"] = icc
    if fmt == "JPEG":
        options.update(quality=quality, optimize=True, progressive=True)
    elif fmt == "WEBP":
        options.update(quality=quality, method=4)
    elif fmt == "PNG":
        options.update(compress_level=6)
    picture.save(out, fmt, **options)
    return out.getvalue()


def _formats(source: str | None, alpha: bool, rules: Rules) -> list[str]:
    """Output formats to try, best first, among those the network accepts.

    At most one lossless format (PNG, for transparency, drawings and screenshots) and then one
    lossy format (JPEG, or WebP for a WebP source): a photo that does not fit as JPEG is made
    smaller rather than turned into another format.
    """
    accepted = [fmt for fmt in ("PNG", "JPEG", "WEBP") if _TYPES[fmt] in rules.image_types]
    lossy = [fmt for fmt in accepted if fmt != "PNG"]
    if source == "WEBP" or alpha:
        lossy.sort(key=lambda fmt: fmt != "WEBP")  # WebP first: it keeps transparency
    if alpha:
        lossy = [fmt for fmt in lossy if fmt == "WEBP"]
    lossless = ["PNG"] if "PNG" in accepted and (alpha or source in _LOSSLESS_SOURCES) else []
    return lossless + lossy[:1]


def _fit_lossy(
    picture: PILImage.Image, fmt: str, icc: bytes | None, limit: int
) -> tuple[bytes | None, int]:
    """The best quality that fits, by bisection; else (None, size at the lowest quality)."""
    best = _encode(picture, fmt, icc, _QUALITIES[0])
    if len(best) <= limit:
        return best, len(best)
    lowest = _encode(picture, fmt, icc, _QUALITIES[-1])
    if len(lowest) > limit:
        return None, len(lowest)
    found, low, high = lowest, 1, len(_QUALITIES) - 2  # indices into the descending qualities
    while low <= high:
        middle = (low + high) // 2
        attempt = _encode(picture, fmt, icc, _QUALITIES[middle])
        if len(attempt) <= limit:
            found, high = attempt, middle - 1
        else:
            low = middle + 1
    return found, len(found)


def fit_image(data: bytes, rules: Rules) -> tuple[bytes, str]:
    """`data` re-encoded within `rules`: (bytes, content type).

    The longest side is brought down to `rules.max_image_pixels`; then the image is encoded in
    the best format the network takes (PNG kept for drawings and transparency, JPEG for
    photos), the JPEG/WebP quality stepping down and, if that is not enough, the image shrinking
    until it fits `rules.max_image_bytes`. EXIF and other metadata are dropped; the EXIF
    orientation is applied first. Raises ValueError for data that is not a readable image, or
    that cannot be brought within the limits.
    """
    image = _open(data)
    try:
        source, original_size = image.format, image.size
        if source in _ANIMATABLE and getattr(image, "is_animated", False):
            return _fit_animation(image, data, rules)
        icc = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA") else None
        try:
            picture = _normalised(image)
            picture.info = {}  # EXIF, XMP, comments: none of it goes out
        except (OSError, ValueError, SyntaxError) as exc:
            raise ValueError(f"This image's pixels cannot be converted ({exc}).") from exc
    finally:
        image.close()

    limit = rules.max_image_pixels
    if max(picture.size) > limit:
        picture.thumbnail((limit, limit), PILImage.Resampling.LANCZOS)
    alpha = picture.mode == "RGBA"
    formats = _formats(source, alpha, rules)
    if not formats and alpha:  # no format with transparency: flatten onto white
        background = PILImage.new("RGB", picture.size, (255, 255, 255))
        background.paste(picture, mask=picture.getchannel("A"))
        picture, alpha = background, False
        formats = _formats(source, alpha, rules)
    if not formats:
        raise ValueError(
            f"{rules.label} takes {', '.join(rules.image_types)}, none of which Outlier writes."
        )

    # Without transparency, PNG only for what it suits: drawings and screenshots, which it
    # compresses to under a byte per pixel. A photo saved as PNG is several times its JPEG size
    # (and encoding a large one only to find that out takes seconds).
    if not alpha and source == "PNG" and len(data) > original_size[0] * original_size[1]:
        formats = [fmt for fmt in formats if fmt != "PNG"] or formats
    while True:
        smallest = math.inf
        for fmt in formats:
            if fmt == "PNG":
                encoded = _encode(picture, "PNG", icc)
                if len(encoded) <= rules.max_image_bytes:
                    return encoded, _TYPES[fmt]
                size = len(encoded)
            else:
                fitting, size = _fit_lossy(picture, fmt, icc, rules.max_image_bytes)
                if fitting is not None:
                    return fitting, _TYPES[fmt]
            smallest = min(smallest, size)
        # Nothing fits at this size: shrink, in proportion to how far off the best attempt was.
        factor = min(0.9, max(0.5, math.sqrt(rules.max_image_bytes / smallest) * 0.95))
        width, height = (round(side * factor) for side in picture.size)
        if max(width, height) < MIN_SIDE:
            raise ValueError(
                f"This image cannot be brought under {rules.max_image_bytes:,} bytes without "
                f"shrinking it below {MIN_SIDE} pixels."
            )
        picture = picture.resize((width, height), PILImage.Resampling.LANCZOS)
