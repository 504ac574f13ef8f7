"""Export labels: growing-area and packing-facility codes printed, lines in English or Simplified Chinese
beside Vietnamese, drawn with a bundled font that covers every character used."""

from __future__ import annotations

import io
import zipfile

import pypdfium2
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops

from tests.traceability.test_stamps_helpers import BASE, issue, make_batch, media_bytes, pdf_codes
from traceability.stamps import export_text, label_drawing, label_layout
from traceability.tables import Batch, PackingFacility, Stamp, StampIssue


async def export_batch(accounts, facility_code: str | None = "VN-PK-HP-0042"):
    from datetime import UTC, datetime

    from tests.factories import CAT_HAI

    session, _, batch_id = await make_batch(accounts)
    facility = PackingFacility(
        name="Nhà đóng gói Đồng Bài",
        commune=CAT_HAI,
        owner_household=session.me["household_id"],
        official_code=facility_code,
        status="verified",
        created_at=datetime.now(UTC),
    )
    await facility.save()
    await Batch.update({Batch.packing_facility: facility.id}).where(Batch.id == batch_id)
    area_code = (
        await Batch.select(Batch.growing_area.official_code.as_alias("c")).where(Batch.id == batch_id).first()
    )["c"]
    return session, batch_id, area_code


def pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def test_the_bundled_cjk_font_covers_every_chinese_character_and_is_a_subset():
    font = TTFont(str(label_layout.FONTS / label_layout.CJK_FONT))
    cmap = font.getBestCmap()
    needed = export_text.characters("zh")
    assert needed and all(ord(ch) in cmap for ch in needed), sorted(
        ch for ch in needed if ord(ch) not in cmap
    )
    assert len(cmap) <= len(needed) + 5  # a subset, not the 20 MB font
    assert (label_layout.FONTS / "OFL-NotoSansSC.txt").read_text().count(
        "SIL OPEN FONT LICENSE Version 1.1"
    ) == 1
    # Each character is a real glyph, not the "missing" box the font draws for what it lacks.
    pil = label_layout.font(40, lang="zh")
    notdef = bytes(pil.getmask("\uffff"))
    for ch in needed:
        mask = pil.getmask(ch)
        assert mask.getbbox() and bytes(mask) != notdef, ch


async def test_chinese_export_sheet_prints_both_codes_and_chinese_lines(client, accounts):
    session, batch_id, area_code = await export_batch(accounts)
    made = await issue(client, session, batch_id, 3, label_size="70x40-zh")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "done" and body["label_size"] == "70x40-zh"
    pdf = await media_bytes(client, body["pdf_url"])
    text = pdf_text(pdf)
    assert area_code in text and "VN-PK-HP-0042" in text
    serials = await Stamp.select(Stamp.serial).where(Stamp.batch == batch_id).output(as_list=True)
    assert sorted(pdf_codes(pdf)) == sorted(BASE + s for s in serials)
    for serial in serials:
        assert serial[:4] in text
    # The label differs from the English one exactly where the foreign lines go: Chinese ink is drawn.
    english = await issue(client, session, batch_id, 1, label_size="70x40-en")
    assert english.status_code == 201, english.text
    zh_png = _first_png(await media_bytes(client, body["zip_url"]))
    en_png = _first_png(await media_bytes(client, english.json()["zip_url"]))
    assert zh_png.size == en_png.size == (label_layout.mm(70), label_layout.mm(40))
    spec = label_layout.SheetSpec(
        "70x40-zh", "HTTP://X/T/", "Bưởi", area_code, 2, 0, facility_code="VN-PK-HP-0042"
    )
    lay = label_layout.layout("70x40-zh", 2)
    lines = label_drawing.export_lines(spec, lay)
    chinese = [line for line in lines if line[2] in {export_text.foreign(k, "zh") for k in export_text.LINES}]
    assert len(chinese) == 4
    x, y, line, f, _ = chinese[0]
    box = (x, y, x + round(f.getlength(line)), y + f.size)
    ink = ImageChops.invert(zh_png.convert("L").crop(box)).getbbox()
    assert ink is not None  # the Chinese line is drawn
    assert ImageChops.difference(zh_png.convert("L").crop(box), en_png.convert("L").crop(box)).getbbox()


def _first_png(archive: bytes) -> Image.Image:
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        return Image.open(io.BytesIO(z.read(sorted(z.namelist())[0]))).copy()


async def test_english_export_label_text_and_missing_codes_refused(client, accounts):
    session, batch_id, area_code = await export_batch(accounts, facility_code=None)
    refused = await issue(client, session, batch_id, 1, label_size="70x40-en")
    assert refused.status_code == 409
    assert "mã số cơ sở đóng gói" in refused.json()["error"]["message"]
    assert "mã số vùng trồng" not in refused.json()["error"]["message"].split("thiếu:")[1]
    await PackingFacility.update({PackingFacility.official_code: "VN-PK-HP-0043"}).where(
        PackingFacility.id > 0
    )
    made = await issue(client, session, batch_id, 2, label_size="70x40-en")
    assert made.status_code == 201, made.text
    text = pdf_text(await media_bytes(client, made.json()["pdf_url"]))
    assert area_code in text and "VN-PK-HP-0043" in text
    assert await StampIssue.count().where(StampIssue.label_size == "70x40-en") == 1


async def test_scan_page_in_simplified_chinese(client, accounts):
    session, batch_id, area_code = await export_batch(accounts)
    assert (await issue(client, session, batch_id, 1)).status_code == 201
    serial = (await Stamp.select(Stamp.serial).where(Stamp.batch == batch_id).first())["serial"]
    asked = await client.get(f"/t/{serial}?lang=zh")
    assert asked.status_code == 200
    html = asked.text
    assert '<html lang="zh-Hans">' in html
    for text in (
        "产品溯源",
        "种植区域代码",
        "包装厂",
        "VN-PK-HP-0042",
        area_code,
        "生产环节",
        "溯源码",
        "执行标准",
    ):
        assert text in html, text
    assert 'href="?lang=vi"' in html and 'href="?lang=en"' in html and 'href="?lang=zh"' not in html
    # A phone set to Chinese gets the Chinese page from the same QR code (no ?lang= in it).
    phone = await client.get(f"/t/{serial}", headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert "产品溯源" in phone.text and "Truy xuất nguồn gốc" not in phone.text
    assert "Truy xuất nguồn gốc" in (await client.get(f"/t/{serial}")).text
    # The Digital Link resolver lists the Chinese page among the stamp's links.
    from traceability.resolver.links import stamp_links

    chinese = [link for link in stamp_links("http://x", serial) if link.hreflang == ("zh",)]
    assert [link.href for link in chinese] == [f"http://x/t/{serial}?lang=zh"]
