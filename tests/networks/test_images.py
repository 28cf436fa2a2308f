"""Fitting images to a network: pixels, bytes and type, upright, without metadata."""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image as PILImage

from outlier.networks.images import fit_image
from outlier.networks.registry import RULES

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def encode(image: PILImage.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def decode(data: bytes) -> PILImage.Image:
    image = PILImage.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture(scope="module")
def photo_png() -> bytes:
    """A 5000x3000 photo-like PNG: smooth shapes, a gradient and film grain (about 16 MB)."""
    size = (5000, 3000)
    shapes = PILImage.effect_noise((250, 150), 90).resize(size, PILImage.Resampling.BICUBIC)
    grain = PILImage.effect_noise((1250, 750), 30).resize(size, PILImage.Resampling.NEAREST)
    gradient = PILImage.linear_gradient("L").resize(size)
    photo = PILImage.merge("RGB", (shapes, gradient, PILImage.blend(shapes, grain, 0.5)))
    return encode(photo, "PNG", compress_level=1)


def test_a_large_png_photo_becomes_a_jpeg_within_the_limits(photo_png: bytes) -> None:
    rules = RULES["x"]
    assert len(photo_png) > rules.max_image_bytes

    data, content_type = fit_image(photo_png, rules)

    assert content_type == "image/jpeg"
    assert len(data) <= rules.max_image_bytes
    image = decode(data)
    assert image.format == "JPEG"
    assert image.size == (4096, 2458)  # longest side brought to 4096, proportions kept


def test_quality_steps_down_then_the_image_shrinks_until_it_fits(photo_png: bytes) -> None:
    rules = dataclasses.replace(RULES["bluesky"], max_image_bytes=120_000)

    data, content_type = fit_image(photo_png, rules)

    assert content_type == "image/jpeg"
    assert len(data) <= 120_000
    assert max(decode(data).size) < 2000


def test_bluesky_gets_under_its_blob_limit(photo_png: bytes) -> None:
    data, _ = fit_image(photo_png, RULES["bluesky"])
    assert len(data) <= 1_000_000
    assert max(decode(data).size) <= 2000


def test_exif_orientation_is_applied_and_metadata_dropped() -> None:
    # Stored sideways: red on the left, blue on the right; EXIF 6 means "rotate 90° clockwise".
    stored = PILImage.new("RGB", (300, 200), "blue")
    stored.paste((255, 0, 0), (0, 0, 150, 200))
    exif = PILImage.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 24.0)
    original = encode(stored, "JPEG", exif=exif.tobytes(), comment=b"home address", quality=95)
    assert decode(original).getexif()[ORIENTATION] == 6

    data, content_type = fit_image(original, RULES["mastodon"])

    image = decode(data)
    assert content_type == "image/jpeg"
    assert image.size == (200, 300)  # upright
    top = image.getpixel((100, 20))
    bottom = image.getpixel((100, 280))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60  # the red half is on top now
    assert bottom[2] > 200 and bottom[0] < 60
    assert len(image.getexif()) == 0  # no orientation, camera or GPS left
    assert "exif" not in image.info
    assert "comment" not in image.info


def test_a_drawing_stays_png() -> None:
    drawing = PILImage.new("RGB", (800, 600), "white")
    drawing.paste((0, 90, 200), (100, 100, 700, 500))
    data, content_type = fit_image(encode(drawing, "PNG"), RULES["bluesky"])

    assert content_type == "image/png"
    assert decode(data).size == (800, 600)


def test_transparency_is_kept() -> None:
    logo = PILImage.new("RGBA", (400, 400), (0, 0, 0, 0))
    logo.paste((200, 20, 20, 255), (100, 100, 300, 300))
    data, content_type = fit_image(encode(logo, "PNG"), RULES["mastodon"])

    image = decode(data)
    assert content_type == "image/png"
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0)) == (0, 0, 0, 0)


def test_an_unaccepted_type_is_converted() -> None:
    webp = encode(PILImage.effect_noise((600, 400), 50).convert("RGB"), "WEBP", quality=80)
    data, content_type = fit_image(webp, RULES["threads"])  # JPEG and PNG only

    assert content_type == "image/jpeg"
    assert decode(data).format == "JPEG"


def test_a_small_animated_gif_passes_through_and_a_large_one_is_refused() -> None:
    frames = [PILImage.new("RGB", (100, 100), color) for color in ("red", "green", "blue")]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)

    assert fit_image(gif.getvalue(), RULES["mastodon"]) == (gif.getvalue(), "image/gif")
    with pytest.raises(ValueError, match="animated"):
        fit_image(gif.getvalue(), dataclasses.replace(RULES["mastodon"], max_image_bytes=100))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.7 not an image at all", "not an image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image"),  # a PNG signature, no PNG
    ],
)
def test_non_images_are_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit_image(data, RULES["x"])


def test_a_truncated_image_is_refused() -> None:
    jpeg = encode(PILImage.effect_noise((400, 300), 40).convert("RGB"), "JPEG")
    with pytest.raises(ValueError, match="damaged or truncated"):
        fit_image(jpeg[: len(jpeg) // 2], RULES["x"])


def test_too_many_pixels_are_refused_before_decoding() -> None:
    huge = encode(PILImage.new("1", (9000, 9000)), "PNG")  # 81 megapixels, a few KB
    with pytest.raises(ValueError, match="megapixels"):
        fit_image(huge, RULES["x"])


def test_an_image_that_cannot_fit_is_refused() -> None:
    noise = encode(PILImage.effect_noise((800, 800), 100).convert("RGB"), "PNG")
    with pytest.raises(ValueError, match="cannot be brought under 2,000 bytes"):
        fit_image(noise, dataclasses.replace(RULES["x"], max_image_bytes=2000))
