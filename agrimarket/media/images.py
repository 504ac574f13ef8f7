"""Turn a phone photo into a small, upright, metadata-free WebP and its thumbnail."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

# The *ImagePlugin imports register those openers: Image.open(formats=...) needs them loaded up front.
from PIL import (  # noqa: F401
    BmpImagePlugin,
    GifImagePlugin,
    Image,
    ImageCms,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    UnidentifiedImageError,
    WebPImagePlugin,
)

from agrimarket.errors import Invalid, TooLarge, UnsupportedMedia

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAIN_MAX_SIDE = 1600
THUMB_MAX_SIDE = 400

# Pillow's own bomb guard (warns above this, raises above twice this) backs up our header check.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Raster formats only, no EPS/PDF/PSD/TIFF parsers. The JPEG opener also reads phones' MPO files.
_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)  # corrupt data
_RESAMPLE = Image.Resampling.LANCZOS
_TOO_MANY_PIXELS = (
    "Ảnh có quá nhiều điểm ảnh (tối đa 40 megapixel).",
    "The photo has too many pixels (at most 40 megapixels).",
)
_CORRUPT = (
    "Ảnh bị hỏng hoặc tải lên chưa hết, hãy chụp hoặc chọn lại.",
    "The photo is damaged or was not fully uploaded; please take or choose it again.",
)


@dataclass(frozen=True)
class ProcessedImage:
    image: bytes
    thumbnail: bytes
    width: int
    height: int
    content_type: str = "image/webp"


def _open(data: bytes) -> Image.Image:
    """Identify the format from the header only; no pixel is decoded here."""
    try:
        im = Image.open(io.BytesIO(data), formats=_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # The Warning is raised only if warnings are errors: catch_warnings() is not thread-safe (<3.14).
        raise TooLarge(*_TOO_MANY_PIXELS) from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedMedia(
            "Tệp không phải ảnh (chỉ nhận JPEG, PNG, WebP).",
            "The file is not a photo (JPEG, PNG or WebP only).",
        ) from exc
    except _DECODE_ERRORS as exc:
        raise Invalid("photo", *_CORRUPT) from exc
    width, height = im.size
    if width * height > MAX_PIXELS:
        raise TooLarge(*_TOO_MANY_PIXELS)
    return im


def _upright(im: Image.Image) -> Image.Image:
    """Apply the EXIF orientation, so photos taken with the phone turned show upright."""
    try:
        return ImageOps.exif_transpose(im)
    except Exception:
        # Re-serialising a damaged EXIF block can fail; keep the pixels as stored rather than refuse.
        return im


def _icc_to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image | None:
    if not icc:
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(im, source, _SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # broken or mismatched profile: treat the pixels as sRGB rather than refuse the photo


def _to_srgb(im: Image.Image) -> Image.Image:
    """RGB (or RGBA when transparency is really used) in sRGB, which is what browsers assume."""
    if im.mode.startswith("I"):
        # 16/32-bit greyscale: scale to 8 bits instead of letting convert() clip everything to white.
        im = im.convert("I").point(lambda v: v / 256).convert("L")
    alpha = None
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info:
        im = im.convert("RGBA")
        alpha = im.getchannel("A")
        if alpha.getextrema() == (255, 255):
            alpha = None  # fully opaque: drop it, RGB WebPs are smaller
    base = im if im.mode in ("RGB", "L", "CMYK") else im.convert("RGB")
    rgb = _icc_to_srgb(base, im.info.get("icc_profile")) or base.convert("RGB")
    if alpha is not None:
        rgb.putalpha(alpha)
    return rgb


def _webp(im: Image.Image) -> bytes:
    out = io.BytesIO()
    # Explicitly empty metadata: EXIF carries GPS coordinates of the farm house; nothing is kept.
    im.save(out, "WEBP", quality=80, method=4, exif=b"", icc_profile="", xmp="")
    return out.getvalue()


def process_photo(data: bytes) -> ProcessedImage:
    """Validate and re-encode an uploaded photo.

    Returns an upright sRGB WebP at most MAIN_MAX_SIDE pixels on its long side and a THUMB_MAX_SIDE
    thumbnail, both without EXIF/ICC/XMP (so no GPS position leaks). Raises TooLarge (file or pixel
    count), UnsupportedMedia (not a raster photo) or Invalid("photo", ...) (truncated or corrupt),
    never any other error for bad input. CPU-bound and synchronous: run it in a worker thread.
    """
    if not data:
        # A camera app that failed to save, or an upload cut off before the first byte.
        raise Invalid(
            "photo",
            "Tệp ảnh trống (0 byte), hãy chụp hoặc chọn lại ảnh.",
            "The photo file is empty (0 bytes); please take or choose it again.",
        )
    if len(data) > MAX_UPLOAD_BYTES:
        raise TooLarge(
            "Ảnh quá lớn (tối đa 10 MB). Hãy chụp lại với chất lượng thấp hơn hoặc chọn ảnh khác.",
            "The photo is too large (at most 10 MB). Take it at a lower quality or choose another.",
        )
    im = _open(data)
    try:
        # JPEG only: decode at 1/2, 1/4 or 1/8 scale when that still leaves twice the pixels we keep.
        scale = MAIN_MAX_SIDE / max(im.size)
        if scale < 1:
            im.draft(None, (int(im.width * scale * 2), int(im.height * scale * 2)))
        im.load()  # GIF / animated WebP: the first frame
        main = _to_srgb(_upright(im))  # always a new image, so resizing in place is safe
        main.thumbnail((MAIN_MAX_SIDE, MAIN_MAX_SIDE), _RESAMPLE)
        thumb = main.copy()
        thumb.thumbnail((THUMB_MAX_SIDE, THUMB_MAX_SIDE), _RESAMPLE)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooLarge(*_TOO_MANY_PIXELS) from exc  # e.g. a GIF frame larger than its header said
    except _DECODE_ERRORS as exc:
        raise Invalid("photo", *_CORRUPT) from exc
    return ProcessedImage(_webp(main), _webp(thumb), main.width, main.height)
