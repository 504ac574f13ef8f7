"""process_photo on real images built in memory with Pillow."""

from __future__ import annotations

import io
import random
import struct

import pytest
from PIL import Image, ImageCms

from agrimarket.errors import Invalid, TooLarge, UnsupportedMedia
from agrimarket.media.images import MAX_UPLOAD_BYTES, ProcessedImage, process_photo

RED = (220, 20, 20)
BLUE = (20, 20, 220)
GPS_IFD = 0x8825
ORIENTATION = 0x0112
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="21,1.5N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def riff_chunks(data: bytes) -> list[bytes]:
    """FourCCs of a WebP file's chunks, to prove no EXIF / ICCP / XMP chunk was written."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        fourcc, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        chunks.append(fourcc)
        pos += 8 + size + (size & 1)
    return chunks


def assert_clean_webp(data: bytes) -> Image.Image:
    im = decode(data)
    assert im.format == "WEBP"
    assert set(riff_chunks(data)) <= {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}
    assert "exif" not in im.info and "icc_profile" not in im.info and "xmp" not in im.info
    assert len(im.getexif()) == 0
    return im


def noisy_jpeg(size: tuple[int, int] = (400, 300)) -> bytes:
    return encode(Image.effect_noise(size, 64).convert("RGB"), "JPEG", quality=90)


def test_rotates_upright_and_strips_exif_gps_and_xmp() -> None:
    # As stored by a phone held upright: landscape pixels, red band on the left, "rotate 90° CW" flag.
    im = Image.new("RGB", (300, 200), BLUE)
    im.paste(RED, (0, 0, 60, 200))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "FarmPhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 51.0, 0.0)})
    original = encode(im, "JPEG", exif=exif, xmp=XMP, quality=95)
    source = Image.open(io.BytesIO(original)).getexif()
    assert source[ORIENTATION] == 6 and source.get_ifd(GPS_IFD)[2] == (21.0, 1.0, 30.0)
    assert b"FarmPhoneMaker" in original and b"GPSLatitude" in original

    result = process_photo(original)

    assert isinstance(result, ProcessedImage) and result.content_type == "image/webp"
    assert (result.width, result.height) == (200, 300)
    out = assert_clean_webp(result.image).convert("RGB")
    assert out.size == (200, 300)
    # Rotating 90° clockwise brings the left edge to the top.
    top, bottom = out.getpixel((100, 20)), out.getpixel((100, 280))
    assert top[0] > 180 and top[2] < 80, top
    assert bottom[2] > 180 and bottom[0] < 80, bottom
    for blob in (result.image, result.thumbnail):
        assert b"Exif" not in blob and b"GPS" not in blob and b"FarmPhoneMaker" not in blob
    assert_clean_webp(result.thumbnail)


def test_downscales_main_and_thumbnail() -> None:
    result = process_photo(encode(Image.new("RGB", (4000, 3000), (40, 140, 60)), "JPEG"))
    assert (result.width, result.height) == (1600, 1200)
    assert decode(result.image).size == (1600, 1200)
    assert decode(result.thumbnail).size == (400, 300)


def test_small_photo_is_not_upscaled() -> None:
    result = process_photo(noisy_jpeg((320, 240)))
    assert (result.width, result.height) == (320, 240)
    assert decode(result.thumbnail).size == (320, 240)


def test_png_alpha_is_kept() -> None:
    im = Image.new("RGBA", (100, 80), (*RED, 255))
    im.paste((0, 0, 0, 0), (0, 0, 50, 80))
    out = assert_clean_webp(process_photo(encode(im, "PNG")).image)
    assert out.mode == "RGBA"
    assert out.getpixel((10, 40))[3] < 10 and out.getpixel((90, 40))[3] > 245


def test_opaque_alpha_is_dropped() -> None:
    out = assert_clean_webp(process_photo(encode(Image.new("RGBA", (64, 64), (*RED, 255)), "PNG")).image)
    assert out.mode == "RGB"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("palette png", encode(Image.new("RGB", (90, 60), RED).convert("P"), "PNG")),
        ("palette gif", encode(Image.new("RGB", (90, 60), RED).convert("P"), "GIF")),
        ("greyscale", encode(Image.new("L", (90, 60), 128), "PNG")),
        ("1-bit", encode(Image.new("1", (90, 60), 1), "PNG")),
        ("cmyk jpeg", encode(Image.new("CMYK", (90, 60), (0, 230, 230, 0)), "JPEG")),
        ("webp", encode(Image.new("RGB", (90, 60), RED), "WEBP")),
        ("bmp", encode(Image.new("RGB", (90, 60), RED), "BMP")),
    ],
)
def test_other_modes_and_formats_become_webp(name: str, data: bytes) -> None:
    result = process_photo(data)
    out = assert_clean_webp(result.image)
    assert out.size == (90, 60) and (result.width, result.height) == (90, 60)
    assert out.mode in ("RGB", "RGBA")
    assert_clean_webp(result.thumbnail)


def test_cmyk_colours_survive() -> None:
    red = decode(process_photo(encode(Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "JPEG")).image)
    r, g, b = red.convert("RGB").getpixel((32, 32))
    assert r > 200 and g < 60 and b < 60


def test_icc_profile_is_applied_and_not_stored() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = encode(Image.new("RGB", (120, 90), RED), "JPEG", icc_profile=srgb, quality=95)
    assert Image.open(io.BytesIO(original)).info["icc_profile"] == srgb
    result = process_photo(original)
    out = assert_clean_webp(result.image).convert("RGB")
    r, g, b = out.getpixel((60, 45))
    assert abs(r - RED[0]) < 12 and g < 45 and abs(b - RED[2]) < 25
    assert b"ICCP" not in result.image and b"ICCP" not in result.thumbnail


def test_broken_icc_profile_does_not_reject_the_photo() -> None:
    original = encode(Image.new("RGB", (120, 90), RED), "PNG", icc_profile=b"not an icc profile")
    assert_clean_webp(process_photo(original).image)


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        "Rau muống sạch, 20.000đ/bó\n".encode() * 50,
        random.Random(7).randbytes(4096),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        encode(Image.new("RGB", (30, 30), RED), "TIFF"),
    ],
    ids=["svg", "svg-script", "text", "random", "pdf", "tiff"],
)
def test_non_photos_are_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedMedia) as info:
        process_photo(data)
    assert info.value.status_code == 415
    assert info.value.message_vi == "Tệp không phải ảnh (chỉ nhận JPEG, PNG, WebP)."


def test_empty_file_asks_for_the_photo_again() -> None:
    with pytest.raises(Invalid) as info:
        process_photo(b"")
    assert info.value.status_code == 422 and "chụp hoặc chọn lại" in info.value.message_vi


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_upload_is_invalid(fmt: str) -> None:
    whole = encode(Image.effect_noise((400, 300), 64).convert("RGB"), fmt)
    with pytest.raises(Invalid) as info:
        process_photo(whole[: len(whole) // 2])
    assert info.value.status_code == 422 and info.value.field == "photo"
    assert "hỏng" in info.value.message_vi


def test_too_many_bytes() -> None:
    with pytest.raises(TooLarge) as info:
        process_photo(noisy_jpeg() + b"\0" * MAX_UPLOAD_BYTES)
    assert info.value.status_code == 413 and "10 MB" in info.value.message_vi


def test_decompression_bomb_is_rejected() -> None:
    # 100 megapixels that compress to a few kilobytes: must be refused from the header alone.
    bomb = encode(Image.new("1", (10_000, 10_000)), "PNG")
    assert len(bomb) < 100_000
    with pytest.raises(TooLarge) as info:
        process_photo(bomb)
    assert "40 megapixel" in info.value.message_vi


def test_just_over_the_pixel_limit_is_rejected() -> None:
    # 42 MP: below Pillow's hard limit (2 × MAX_PIXELS), so only our own header check stops it.
    data = encode(Image.new("1", (7_000, 6_000)), "PNG")
    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(TooLarge):
        process_photo(data)
