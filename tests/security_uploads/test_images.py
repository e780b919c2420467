"""Every image the platform decodes is bounded: pixel bombs are refused from their header (a 400,
never a 500, nothing decoded), big photos are decoded at a reduced scale, and what is kept is
downscaled, upright and without EXIF (``desacerdas.services.images``)."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image, ImageFile

from desacerdas.services import images

from .conftest import bomb_png, exif_with_gps_and_rotation, picture


@pytest.fixture
def decodes(monkeypatch):  # noqa: ANN001, ANN201
    """Counts the pixel decodes (``ImageFile.load``) while a test runs."""
    calls: list[str] = []
    real = ImageFile.ImageFile.load

    def spy(self):  # noqa: ANN001, ANN202
        calls.append(self.format)
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return calls


@pytest.mark.parametrize("size", [(20000, 20000), (12000, 12000)])
@pytest.mark.parametrize("mode", [(1, 0), (8, 3)])  # 1-bit grey, 8-bit palette
def test_a_pixel_bomb_is_refused_from_its_header(app, size, mode, decodes):
    data = bomb_png(*size, *mode)
    assert len(data) < 2_000_000  # a small file ...
    started = time.monotonic()
    with app.app_context(), pytest.raises(images.ImageTooLarge) as refused:
        images.normalise(data, max_side=images.PHOTO_SIDE)
    assert time.monotonic() - started < 2 and decodes == []  # ... refused without decoding it
    assert refused.value.status == 400 and refused.value.code == "image_too_large"
    assert "40 million pixels" in refused.value.message


def test_the_limit_is_the_setting(app, monkeypatch, decodes):
    monkeypatch.setitem(app.config, "IMAGE_MAX_PIXELS", 1_000_000)
    with app.app_context():
        with pytest.raises(images.ImageTooLarge):
            images.normalise(picture((1001, 1000)), max_side=600)
        assert decodes == []
        kept = images.normalise(picture((1000, 1000)), max_side=600)
    assert (kept.width, kept.height) == (600, 600) and kept.format == "PNG"


def test_a_big_jpeg_is_decoded_at_a_reduced_scale_and_downscaled(app, monkeypatch):
    sizes: list[tuple[int, int]] = []
    real = ImageFile.ImageFile.load

    def spy(self):  # noqa: ANN001, ANN202
        sizes.append(self.size)
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    with app.app_context():
        kept = images.normalise(picture((6400, 4800), "JPEG"), max_side=images.PHOTO_SIDE, keep_png=False)
    assert sizes and sizes[0][0] <= 3200  # draft(): decoded at 1/2 (or smaller), not whole
    assert (kept.width, kept.height) == (1600, 1200) and kept.format == "JPEG"


def test_orientation_is_applied_and_exif_with_gps_dropped(app):
    data = picture((400, 200), "JPEG", exif=exif_with_gps_and_rotation())
    assert Image.open(io.BytesIO(data)).getexif().get(0x0112) == 6
    with app.app_context():
        kept = images.normalise(data, max_side=images.PHOTO_SIDE, keep_png=False)
    stored = Image.open(io.BytesIO(kept.data))
    assert stored.size == (200, 400)  # turned upright
    assert dict(stored.getexif()) == {} and "exif" not in stored.info
    assert b"PhoneMaker" not in kept.data


def test_a_transparent_png_photo_becomes_a_jpeg_on_white(app):
    with app.app_context():
        kept = images.normalise(picture((10, 10), mode="RGBA"), max_side=100, keep_png=False)
    assert kept.format == "JPEG" and kept.mimetype == "image/jpeg" and kept.data[:3] == b"\xff\xd8\xff"
    assert images.renamed("ktp.png", kept) == "ktp.jpg" and images.renamed(None, kept) == "image.jpg"


@pytest.mark.parametrize(
    "data",
    [
        b"not a picture",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # a PNG signature and nothing else
        picture((10, 10), "GIF", mode="P"),  # a type the platform does not decode
        picture((10, 10), "JPEG")[:200],  # cut off
    ],
)
def test_what_does_not_open_is_a_400_not_a_500(app, data):
    with app.app_context(), pytest.raises(images.NotAnImage) as refused:
        images.normalise(data, max_side=100)
    assert refused.value.status == 400 and refused.value.code == "invalid_image"


def test_webp_is_read_and_sniffing_needs_the_magic():
    assert images.sniff(picture((4, 4), "WEBP")) == "WEBP"
    assert images.sniff(b"%PDF-1.7") is None and not images.is_image(b"")
    kept = images.normalise(picture((4, 4), "WEBP"), max_side=10)  # no app: the default limit
    assert kept.format == "JPEG"
