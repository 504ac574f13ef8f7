"""Hostile uploads: a fixed corpus of malicious photos and spreadsheets, then seeded random mutations.

Every upload is either accepted (photos re-encoded, metadata gone) or refused with a 4xx carrying
a Vietnamese message; never a 5xx, and a refused upload leaves no file in storage and no row.
"""

from __future__ import annotations

import io
import random
import re
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import Workbook
from PIL import Image

from agrimarket.accounts.actor import Role
from agrimarket.media.images import MAX_UPLOAD_BYTES
from agrimarket.products.photos import MAX_PHOTOS
from agrimarket.tables import Household, HouseholdImport, Product, ProductPhoto
from tests.agrimarket.households.test_import import finished
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.factories import CAT_HAI, new_phone

VIETNAMESE = re.compile(r"[àáảãạăâđèéẻẽẹêìíỉĩịòóỏõọôơùúủũụưỳýỷỹỵ]", re.IGNORECASE)
SEED = 20260407
MUTATIONS = 50


# ---- photo corpus -------------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def gradient(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    image = Image.new("RGB", size)
    image.putdata([(x * 4 % 256, y * 5 % 256, (x * y) % 256) for y in range(size[1]) for x in range(size[0])])
    return image.convert(mode)


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (20.0, 48.0, 12.0), 3: "E", 4: (106.0, 59.0, 30.0)}
    return encode(gradient(), "JPEG", exif=exif)


def png_header_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header claims 10 gigapixels: a few dozen bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg_header_bomb() -> bytes:
    """A real JPEG whose frame header is patched to claim 65,000 x 65,000 pixels."""
    data = bytearray(encode(gradient(), "JPEG"))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, 65_000, 65_000)
    return bytes(data)


def gif_screen_bomb() -> bytes:
    data = bytearray(encode(gradient(mode="P"), "GIF"))
    struct.pack_into("<HH", data, 6, 65_535, 65_535)  # logical screen size
    return bytes(data)


def animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (48, 32), colour) for colour in ("red", "green", "blue")]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def palette_png_with_transparency() -> bytes:
    image = gradient(mode="P")
    return encode(image, "PNG", transparency=0)


def png_16_bit() -> bytes:
    image = Image.new("I;16", (64, 48))
    image.putdata([(x * 1000 + y * 10) % 65536 for y in range(48) for x in range(64)])
    return encode(image, "PNG")


def jpeg_with_html_comment() -> bytes:
    """A valid JPEG carrying HTML in a comment segment: neutralised by re-encoding."""
    return encode(gradient(), "JPEG", comment=b"<html><script>alert(document.cookie)</script></html>")


ACCEPTED = {
    "gps.jpg": jpeg_with_gps(),
    "cmyk.jpg": encode(gradient(mode="CMYK"), "JPEG"),
    "16bit.png": png_16_bit(),
    "palette-alpha.png": palette_png_with_transparency(),
    "animated.gif": animated("GIF"),
    "animated.webp": animated("WEBP"),
    "comment-html.jpg": jpeg_with_html_comment(),
    "trailing-html.jpg": encode(gradient(), "JPEG") + b"<html><script>alert(1)</script></html>",
}
_whole = encode(gradient((320, 240)), "JPEG")
REFUSED = {
    "bomb.png": (png_header_bomb(), 413),
    "bomb.jpg": (jpeg_header_bomb(), 413),
    "bomb.gif": (gif_screen_bomb(), 413),
    "truncated.jpg": (_whole[: len(_whole) // 3], 422),
    "text.jpg": (b"Xin chao, day khong phai la anh\n" * 20, 415),
    "svg.jpg": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>x</script></svg>', 415),
    "page.html.jpg": (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", 415),
    "gif-html.gif": (b"GIF89a<html><script>alert(1)</script></html>", None),  # any 4xx
    "zero.jpg": (b"", 422),
    "too-big.jpg": (b"\xff\xd8\xff" + b"\x00" * MAX_UPLOAD_BYTES, 413),
}


def stored_files(settings) -> list[Path]:
    return [p for p in Path(settings.media_dir).rglob("*") if p.is_file()]


def assert_refusal(response, expected: int | None, label: str) -> None:
    assert 400 <= response.status_code < 500, (label, response.status_code, response.text[:300])
    if expected:
        assert response.status_code == expected, (label, response.text[:300])
    message = response.json()["error"]["message"]
    assert VIETNAMESE.search(message), (label, message)


async def served_bytes(client, settings, photo: dict) -> bytes:
    return (await client.get(photo["url"].removeprefix(settings.public_base_url))).content


async def upload_photo(client, session, product_id: int, name: str, data: bytes):
    return await client.post(
        f"/api/v1/products/{product_id}/photos",
        files={"photo": (name, data, "image/jpeg")},
        headers=session.headers,
    )


async def test_hostile_photos_are_refused_and_leave_nothing(client, accounts, settings):
    farmer = await accounts.household()
    product = await accounts.product(farmer)
    for name, (data, status) in REFUSED.items():
        started = time.monotonic()
        response = await upload_photo(client, farmer, product["id"], name, data)
        assert_refusal(response, status, name)
        assert time.monotonic() - started < 5, name  # bombs are refused from the header
    over_limit = b"\xff\xd8" + b"\x00" * (MAX_UPLOAD_BYTES + 128 * 1024)  # beyond the request limit
    assert_refusal(await upload_photo(client, farmer, product["id"], "huge.jpg", over_limit), 413, "body")
    assert await ProductPhoto.count() == 0
    assert stored_files(settings) == []


async def test_odd_but_genuine_photos_are_reencoded_without_metadata(client, accounts, settings):
    farmer = await accounts.household()
    for name, data in ACCEPTED.items():
        product = await accounts.product(farmer)
        response = await upload_photo(client, farmer, product["id"], name, data)
        assert response.status_code == 201, (name, response.text)
        served = await served_bytes(client, settings, response.json()["photos"][0])
        image = Image.open(io.BytesIO(served))
        assert image.format == "WEBP" and not getattr(image, "is_animated", False), name
        assert not image.getexif() and "icc_profile" not in image.info, name
        assert b"GPS" not in served and b"Exif" not in served and b"<script" not in served, name
        if name == "palette-alpha.png":
            assert image.mode == "RGBA"
    assert await ProductPhoto.count() == len(ACCEPTED)
    assert len(stored_files(settings)) == 2 * len(ACCEPTED)  # main image and thumbnail, nothing else


async def test_web_product_form_refuses_a_bad_photo_without_creating_the_product(client, accounts, settings):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    fields = {"name": "Cá song", "category": "thuy_san", "unit": "kg", "price_vnd": "380000", "stock": "5"}
    for name in ("bomb.png", "truncated.jpg", "svg.jpg", "zero.jpg", "too-big.jpg"):
        data, status = REFUSED[name]
        form = await client.get("/products/new")
        response = await client.post(
            "/products/new",
            data={**fields, "_csrf_token": csrf(form.text)},
            files={"photos": (name, data, "image/jpeg")},
        )
        assert response.status_code == status, (name, response.text[:300])
        assert VIETNAMESE.search(response.text) and 'value="Cá song"' in response.text, name
    assert await Product.count() == 0 and await ProductPhoto.count() == 0
    assert stored_files(settings) == []

    form = await client.get("/products/new")
    response = await client.post(
        "/products/new",
        data={**fields, "_csrf_token": csrf(form.text)},
        files={"photos": ("anh.png", ACCEPTED["palette-alpha.png"], "image/png")},
    )
    assert response.status_code == 200 and "created=" in str(response.url)
    assert await ProductPhoto.count() == 1 and len(stored_files(settings)) == 2


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One of: flipped bytes, a cut, inserted junk, a copied block, or a zeroed run."""
    out = bytearray(data)
    kind = rng.randrange(5)
    if kind == 0:
        for _ in range(rng.randint(1, 12)):
            out[rng.randrange(len(out))] = rng.randrange(256)
    elif kind == 1:
        del out[rng.randrange(len(out)) :]
    elif kind == 2:
        at = rng.randrange(len(out))
        out[at:at] = rng.randbytes(rng.randint(1, 64))
    elif kind == 3:
        src, dst = rng.randrange(len(out)), rng.randrange(len(out))
        out[dst : dst + 16] = out[src : src + 16]
    else:
        at = rng.randrange(len(out))
        out[at : at + rng.randint(1, 32)] = bytes(32)
    return bytes(out)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")  # Pillow's note on a damaged EXIF
async def test_mutated_jpegs_never_cause_a_server_error(client, accounts, settings):
    farmer = await accounts.household()
    base = jpeg_with_gps()
    rng = random.Random(SEED)
    outcomes, product, photos = [], None, MAX_PHOTOS
    for case in range(MUTATIONS):
        if photos == MAX_PHOTOS:  # a fresh product once this one is full
            product, photos = await accounts.product(farmer), 0
        response = await upload_photo(client, farmer, product["id"], f"m{case}.jpg", mutate(base, rng))
        outcomes.append(response.status_code)
        if response.status_code == 201:
            photos += 1
            assert b"GPS" not in await served_bytes(client, settings, response.json()["photos"][-1])
        else:
            assert_refusal(response, None, f"mutation {case}")
    assert 201 in outcomes and set(outcomes) - {201}  # the mutations really reach both paths
    assert await ProductPhoto.count() == outcomes.count(201)
    assert len(stored_files(settings)) == 2 * outcomes.count(201)


# ---- household spreadsheets ----------------------------------------------------------------------

HEADER = ["Họ tên chủ hộ", "Số điện thoại", "Mã xã", "Địa chỉ", "Ghi chú"]


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [HEADER, *rows]:
        sheet.append(row)
    return encode_book(book)


def encode_book(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet(sheet_xml: bytes | None = None, stream=None, base: bytes | None = None) -> bytes:
    """A real workbook (``base`` or an empty one) with its first sheet replaced by sheet_xml or chunks."""
    source = zipfile.ZipFile(io.BytesIO(base or xlsx([])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for member in source.infolist():
            name = member.filename
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, source.read(name))
            elif stream is not None:
                with archive.open(name, "w") as target:
                    for chunk in stream:
                        target.write(chunk)
            else:
                archive.writestr(name, sheet_xml)
    return out.getvalue()


def sheet(rows_xml: str, dimension: str = "A1:E2") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>'
    ).encode()


def cell_row(number: int, *texts: str) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
        for i, text in enumerate(texts)
    )
    return f'<row r="{number}">{cells}</row>'


def zip_bomb() -> bytes:
    """About 300 KB that inflates to 300 MB of sheet XML."""
    return with_sheet(stream=(b" " * (1 << 20) for _ in range(300)))


def lying_zip() -> bytes:
    """A 50 MB sheet whose zip directory claims 100 bytes: zipfile stops there and the CRC fails."""
    data = bytearray(with_sheet(stream=(b" " * (1 << 20) for _ in range(50))))
    name = b"xl/worksheets/sheet1.xml"
    # (signature, offset of the uncompressed size, offset of the file name) in both headers
    for signature, size_at, name_at in ((b"PK\x01\x02", 24, 46), (b"PK\x03\x04", 22, 30)):
        at = data.index(signature)
        while data[at + name_at : at + name_at + len(name)] != name:
            at = data.index(signature, at + 4)
        struct.pack_into("<I", data, at + size_at, 100)
    return bytes(data)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lolololololololololol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)

SPREADSHEETS = {
    "bomb.xlsx": (zip_bomb(), 413),
    "lying-sizes.xlsx": (lying_zip(), 422),
    "every-row.xlsx": (sheet(cell_row(1, *HEADER[:3]) + cell_row(1_048_576, "x"), "A1:XFD1048576"), 413),
    "60k-rows.xlsx": (sheet("".join(cell_row(n, "x") for n in range(1, 60_002))), 413),
    "laughs.xlsx": (BILLION_LAUGHS, None),
    "broken-xml.xlsx": (sheet(cell_row(1, *HEADER[:3]) + "<row r='2'><c r=", "A1:C2"), 422),
    "not-a-zip.xlsx": (b"Ho ten,SDT\nNguyen Van A,0912345678\n", 415),
    "zero.xlsx": (b"", 415),
    "some.zip.xlsx": (None, 415),
    "nul.csv": ("Họ tên chủ hộ,Số điện thoại,Mã xã\nAn\x00,0912345678,11914\n".encode(), 422),
    "cp1258.csv": (
        "Họ tên chủ hộ,Số điện thoại,Mã xã\n".encode() + "Nguy\xean A,0912345678,11914\n".encode("cp1258"),
        422,
    ),
    "utf16.csv": ("Họ tên chủ hộ\tSố điện thoại\tMã xã\n".encode("utf-16"), 422),
    "one-column.csv": ("Họ tên chủ hộ\nNguyễn Văn An\n".encode(), 422),
    "huge-cell.csv": (
        ("Họ tên chủ hộ,Số điện thoại,Mã xã\n" + "A" * 200_000 + ",0912345678,11914\n").encode(),
        422,
    ),
    "empty.csv": (b"", 422),
    "too-big.csv": (b"a" * (5 * 1024 * 1024 + 1), 413),
}


def spreadsheet_bytes(name: str, data: bytes | None) -> bytes:
    if name.endswith(".xlsx") and data is not None and data.startswith(b"<?xml"):
        return with_sheet(data)  # a sheet XML: wrap it in a real workbook
    if data is None:  # a zip that is not a workbook
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("readme.txt", "not a workbook")
        return out.getvalue()
    return data


async def import_file(client, session, name: str, data: bytes):
    return await client.post(
        "/api/v1/household-imports/", files={"file": (name, data)}, headers=session.headers
    )


async def test_hostile_spreadsheets_are_refused_quickly_and_leave_nothing(client, accounts):
    officer = await accounts.staff(Role.OFFICER, "31")
    for name, (data, status) in SPREADSHEETS.items():
        # CPU seconds, not wall time: the guard is against minutes of parsing, whatever else the
        # machine is doing meanwhile.
        started = time.process_time()
        response = await import_file(client, officer, name, spreadsheet_bytes(name, data))
        assert_refusal(response, status, name)
        assert time.process_time() - started < 5, name
    assert await HouseholdImport.count() == 0 and await Household.count() == 0


async def test_oversized_cells_reject_the_row_not_the_server(client, accounts):
    officer = await accounts.staff(Role.OFFICER, "31")
    phones = [new_phone() for _ in range(3)]
    rows = [
        ["A" * 1_000_000, phones[0], CAT_HAI, "", ""],
        ["Đỗ Văn Hai", phones[1], CAT_HAI, "Thôn " * 200_000, ""],
        ["Đỗ Văn Ba", phones[2], CAT_HAI, "Thôn 1", "x" * 1_000_000],  # an ignored column
    ]
    response = await import_file(client, officer, "ho.xlsx", xlsx(rows))
    assert response.status_code == 202, response.text
    job = await finished(client, officer, response.json()["id"])
    assert (job["status"], job["imported"], job["rejected"]) == ("done", 1, 2)
    report = await client.get(f"/api/v1/household-imports/{job['id']}/problems.csv", headers=officer.headers)
    text = report.content.decode("utf-8-sig")
    assert "Tên dài quá" in text and "Địa chỉ dài quá 300 ký tự" in text and len(text) < 2_000


async def test_import_page_shows_the_reason_for_a_hostile_file(client, accounts):
    officer = await accounts.staff(Role.OFFICER, "31")
    await web_login(client, officer.phone)
    for name in ("bomb.xlsx", "nul.csv", "not-a-zip.xlsx"):
        data, status = SPREADSHEETS[name]
        form = await client.get("/households/import/")
        response = await client.post(
            "/households/import/", data={"_csrf_token": csrf(form.text)}, files={"file": (name, data)}
        )
        assert response.status_code == status, (name, response.text[:300])
        assert VIETNAMESE.search(response.text), name
    assert await HouseholdImport.count() == 0


XML_EDITS = {
    r'(?<= r=")[^"]*': ["0", "-1", "99999999", "XFD1", "A0", "ZZZZ1", "", "1x"],
    r'(?<= t=")[^"]*': ["s", "n", "b", "e", "str", "inlineStr", "d", "x"],
    r"(?<=<v>)[^<]*": ["1e308", "-1", "NaN", "", "9" * 30, "abc", "2", "-0.5"],
    r"<c [^>]*>.*?</c>": ["", "<c/>", '<c r="B2" t="inlineStr"><is><t>=HYPERLINK("http://x")</t></is></c>'],
    r"<row [^>]*>": ['<row r="5">', '<row r="1048576">', "<row>", '<row r="2" spans="1:16384">'],
}


def mutate_xml(xml: bytes, rng: random.Random) -> bytes:
    """Damage that a parser has to reason about: odd addresses, types, values and elements."""
    text = xml.decode()
    for _ in range(rng.randint(1, 3)):
        pattern, choices = rng.choice(list(XML_EDITS.items()))
        matches = list(re.finditer(pattern, text))
        if rng.random() < 0.15 or not matches:  # now and then, plain broken XML
            at = rng.randrange(len(text))
            text = text[:at] + rng.choice(["<", "&", '"', "&#0;", "</row>"]) + text[at:]
            continue
        hit = rng.choice(matches)
        if hit.group().startswith("<row") and rng.random() < 0.5:
            end = text.index("</row>", hit.end()) + len("</row>")
            text = text[: hit.start()] + text[hit.start() : end] * rng.randint(2, 40) + text[end:]
        else:
            text = text[: hit.start()] + rng.choice(choices) + text[hit.end() :]
    return text.encode()


@pytest.mark.parametrize("layer", ["zip", "xml"])
async def test_mutated_spreadsheets_never_cause_a_server_error(client, accounts, layer):
    officer = await accounts.staff(Role.OFFICER, "31")
    rows = [
        ["Nguyễn Văn Một", "0912000001", CAT_HAI, "Thôn 1", "=1+1"],
        ["Trần Thị Hai", "912000002", "11914"],
    ]
    base = xlsx(rows)
    base_xml = zipfile.ZipFile(io.BytesIO(base)).read("xl/worksheets/sheet1.xml")
    rng = random.Random(f"{SEED}-{layer}")
    accepted = 0
    for case in range(MUTATIONS // 2):
        data = mutate(base, rng) if layer == "zip" else with_sheet(mutate_xml(base_xml, rng), base=base)
        response = await import_file(client, officer, f"m{case}.xlsx", data)
        if response.status_code == 202:
            accepted += 1
            job = await finished(client, officer, response.json()["id"])
            assert job["status"] == "done", (case, job)
        else:
            assert_refusal(response, None, f"{layer} mutation {case}")
    assert await HouseholdImport.count() == accepted
