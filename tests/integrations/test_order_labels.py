"""Waybill labels (issue 20): real PDFs at the right paper size, kept after the first fetch, one PDF
for the day's parcels, 409 before the waybill and 503 when the marketplace is down, and only the
desk's sellers reach them."""

from __future__ import annotations

import pypdfium2
import pytest

from integrations.orders import labels
from integrations.simulators.desk import label_pdf
from integrations.simulators.orders import SimOrder

MM_PER_POINT = 25.4 / 72
# Paper in mm (width, height): A6, and an 80 mm roll's 72 mm printable width by 100 mm.
PAPER = {"a6": (105, 148), "80mm": (72, 100)}


def pages(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's size in mm, after rasterising it: the page draws (dark pixels) at its own ratio."""
    document = pypdfium2.PdfDocument(pdf)
    sizes = []
    for index in range(len(document)):
        page = document[index]
        width, height = page.get_size()
        image = page.render(scale=0.5).to_pil().convert("L")
        assert image.width / image.height == pytest.approx(width / height, rel=0.01)
        assert image.getextrema()[0] < 64, "a blank page"
        sizes.append((width * MM_PER_POINT, height * MM_PER_POINT))
    return sizes


def assert_paper(size: tuple[float, float], paper: str) -> None:
    width, height = PAPER[paper]
    assert size == (pytest.approx(width, abs=1), pytest.approx(height, abs=1)), (size, paper)


def sim_label(number: int, size: str) -> bytes:
    order = SimOrder(f"VS-{number}", "shop-1", "placed", 0.0, 0.0, commune="Xã Cát Hải")
    order.carrier, order.tracking_number = "Viettel Post", f"VTP{number:010d}"
    return label_pdf(order, size)


def test_the_merged_pdf_keeps_each_label_and_its_paper():
    a6 = [sim_label(n, "a6") for n in (1, 2, 3)]
    merged = labels.merge_pdfs(a6, ["VS-1", "VS-2", "VS-3"])
    sizes = pages(merged)
    assert len(sizes) == 3
    for size in sizes:
        assert_paper(size, "a6")
    assert pypdfium2.PdfDocument(merged).get_metadata_dict()["Subject"] == "VS-1, VS-2, VS-3"
    roll = pages(labels.merge_pdfs([sim_label(4, "80mm")], ["VS-4"]))
    assert len(roll) == 1
    assert_paper(roll[0], "80mm")


def test_the_label_key_is_per_order_size_and_waybill_and_unguessable():
    key = labels.label_key("secret-1", 7, "a6", "VTP0000000001")
    assert key.startswith("labels/7/a6-") and key.endswith(".pdf")
    assert key == labels.label_key("secret-1", 7, "a6", "VTP0000000001")
    others = {
        labels.label_key("secret-1", 7, "80mm", "VTP0000000001"),
        labels.label_key("secret-1", 7, "a6", "VTP0000000002"),
        labels.label_key("secret-1", 8, "a6", "VTP0000000001"),
        labels.label_key("secret-2", 7, "a6", "VTP0000000001"),
    }
    assert key not in others and len(others) == 4
