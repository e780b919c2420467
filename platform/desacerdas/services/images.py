"""Bounded image decoding: the one place the platform opens an uploaded picture.

A small file can declare a huge picture (a 20000×20000 PNG of one colour is a few kilobytes and
decodes to 1.2 GB), so every image the platform decodes goes through :func:`normalise`:

- it is opened by Pillow, which reads only the header; the declared ``width × height`` is checked
  against ``IMAGE_MAX_PIXELS`` (and the caller's own cap) *before* any pixel is decoded, and
  Pillow's own ``DecompressionBombError``/``Warning`` is a refusal too — never a server error;
- only PNG, JPEG and WebP (what browsers and the PDF library show) are decoded, recognised by
  their first bytes;
- a large JPEG is decoded at a reduced scale (``draft()``), so a 24-megapixel phone photo is never
  held whole;
- what is kept is downscaled to the caller's longest side (:data:`LOGO_SIDE` for the letterhead
  logo, :data:`PHOTO_SIDE` for KTP/KK photos and selfies), turned upright from the EXIF
  orientation, and re-encoded without EXIF or other metadata (a phone's GPS position never
  reaches the village's storage).

Used by the letterhead logo (``kit/terms_views``) and the registration photos
(``smart_government/accounts/registration``); product photos and any later image upload must use
it as well. Files that are not pictures (a KK scanned as PDF) are left to the documents core's
type check: :func:`is_image` says which uploads to pass here.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context

from . import ServiceError
from .i18n import _

DEFAULT_MAX_PIXELS = 40_000_000  # IMAGE_MAX_PIXELS when there is no app (the CLI, a unit test)
LOGO_SIDE = 600
PHOTO_SIDE = 1600
FORMATS = ("PNG", "JPEG", "WEBP")
_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
_EXTENSIONS = {"PNG": "png", "JPEG": "jpg"}


class ImageTooLarge(ServiceError):
    """The picture declares more pixels than the platform decodes."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            _(
                "The image is too large: at most %(limit)s million pixels (width × height).",
                limit=f"{limit / 1_000_000:g}",
            ),
            "image_too_large",
        )


class NotAnImage(ServiceError):
    """The file is not a PNG, JPEG or WebP picture that opens."""

    def __init__(self) -> None:
        super().__init__(_("The file is not an image that opens (PNG, JPEG or WebP)."), "invalid_image")


@dataclass(frozen=True)
class Picture:
    """A decoded, downscaled and re-encoded picture: its bytes and what they are."""

    data: bytes
    format: str  # "PNG" or "JPEG"
    width: int
    height: int
    source_format: str

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.format]

    @property
    def mimetype(self) -> str:
        return f"image/{self.format.lower()}"


def sniff(head: bytes) -> str | None:
    """The picture format the first bytes announce (``PNG``, ``JPEG``, ``WEBP``), else None."""
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def is_image(head: bytes) -> bool:
    """Whether an upload starting with ``head`` is a picture this module must decode."""
    return sniff(head) is not None


def max_pixels() -> int:
    """``IMAGE_MAX_PIXELS`` of the app (the default outside one)."""
    if has_app_context():
        return int(current_app.config.get("IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS))
    return DEFAULT_MAX_PIXELS


def normalise(
    data: bytes,
    *,
    max_side: int,
    formats: tuple[str, ...] = FORMATS,
    pixel_limit: int | None = None,
    keep_png: bool = True,
    quality: int = 85,
) -> Picture:
    """Decode ``data`` within the pixel budget and re-encode it at most ``max_side`` px on its
    longest side, upright and without metadata. A PNG stays a PNG when ``keep_png`` (a logo's
    transparency), everything else becomes a JPEG (at ``quality``: lower for a list's thumbnails
    that must stay a few kilobytes). Raises :class:`ImageTooLarge` or
    :class:`NotAnImage` (both 400s)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = min(max_pixels(), pixel_limit) if pixel_limit else max_pixels()
    source = sniff(data[:16])
    if source is None or source not in formats:
        raise NotAnImage()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[source]) as image:
                width, height = image.size  # from the header: nothing decoded yet
                if width * height > limit:
                    raise ImageTooLarge(limit)
                if source == "JPEG":
                    image.draft("RGB", (max_side, max_side))  # decode at 1/2, 1/4 or 1/8 scale
                image.load()
                picture = ImageOps.exif_transpose(image)
                picture.thumbnail((max_side, max_side))
                return _encode(picture, "PNG" if keep_png and source == "PNG" else "JPEG", source, quality)
    except ServiceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge(limit) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise NotAnImage() from None


def _encode(picture: object, fmt: str, source: str, quality: int = 85) -> Picture:
    from PIL import Image

    assert isinstance(picture, Image.Image)
    out = io.BytesIO()
    if fmt == "JPEG":
        if picture.mode in ("RGBA", "LA", "P", "PA"):
            rgba = picture.convert("RGBA")
            background = Image.new("RGB", rgba.size, (255, 255, 255))
            background.paste(rgba, mask=rgba.getchannel("A"))
            picture = background
        elif picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        picture.save(out, "JPEG", quality=quality, optimize=True)  # no exif= : metadata is dropped
    else:
        if picture.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
            picture = picture.convert("RGBA")
        picture.save(out, "PNG", optimize=True)
    return Picture(out.getvalue(), fmt, picture.width, picture.height, source)


def renamed(filename: str | None, picture: Picture) -> str:
    """``filename`` with the extension of the re-encoded picture (``ktp.webp`` → ``ktp.jpg``)."""
    stem = (filename or "image").rsplit("/", 1)[-1]
    if "." in stem:
        stem = stem.rsplit(".", 1)[0]
    return f"{stem or 'image'}.{picture.extension}"


def bounded_upload(upload: Any, max_side: int = PHOTO_SIDE) -> Any:
    """A :class:`~desacerdas.services.documents.NewFile` whose picture is downscaled and stripped
    of metadata (a phone's photo of a broken road, a handover); what is not a picture, or is over
    the size limit, is handed on unread for the documents core to refuse or check."""
    from . import documents as docs

    data = upload.stream.read(docs.max_bytes() + 1)
    if len(data) > docs.max_bytes() or not is_image(data[:16]):
        return docs.NewFile(io.BytesIO(data), upload.filename)
    picture = normalise(data, max_side=max_side, keep_png=False)
    return docs.NewFile(io.BytesIO(picture.data), renamed(upload.filename, picture))
