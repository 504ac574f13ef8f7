"""The label sheet PDF and the PNG ZIP, streamed to files as the labels arrive, are the very files
the in-memory build made (tests/traceability/stamp_sheets_reference.py): the PDF byte for byte, the
ZIP entry for entry."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.traceability.stamp_sheets_reference import build_pdf, build_zip
from traceability.stamps import label_layout, qr, render, serials
from traceability.stamps.pdf import SheetWriter


def _spec(label_size: str, with_pin: bool) -> label_layout.SheetSpec:
    prefix = qr.qr_url_prefix("https://truyxuat.example.vn")
    version, mask = qr.fixed_qr(prefix)
    return label_layout.SheetSpec(
        label_size, prefix, "Bưởi da xanh Cát Hải", "VN-HPCH-0012", version, mask, with_pin, "VN-PF-0042"
    )


def _stamps(count: int, with_pin: bool) -> list[tuple[int, str, str | None]]:
    pins = [f"{n * 7919 % 10**8:08d}" if with_pin else None for n in range(count)]
    return [
        (seq, serial, pin)
        for seq, serial, pin in zip(range(1, count + 1), serials.new_serials(count), pins, strict=True)
    ]


def _reference(spec: label_layout.SheetSpec, stamps) -> tuple[bytes, bytes]:
    """The PDF and ZIP as render_issuance built them in memory before."""
    labels = render.render_chunk(spec, stamps).labels
    lay = label_layout.layout(spec.label_size, spec.version)
    texts = [render._text_runs(spec, lay, serial, pin) for _, serial, _, pin in labels]
    pdf = build_pdf(lay, [png for _, _, png, _ in labels], texts, label_layout.mm(label_layout.GAP_MM))
    return pdf, build_zip(labels)


def _streamed(spec, stamps, tmp_path: Path, executor=None) -> tuple[bytes, bytes, render.Rendered]:
    with (tmp_path / "s.pdf").open("w+b") as pdf, (tmp_path / "s.zip").open("w+b") as archive:
        seen: list[int] = []
        rendered = render.render_issuance(spec, stamps, pdf, archive, seen.append, executor)
        assert seen and seen[-1] == len(stamps) and seen == sorted(seen)
    return (tmp_path / "s.pdf").read_bytes(), (tmp_path / "s.zip").read_bytes(), rendered


def _assert_same_zip(streamed: bytes, reference: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(streamed)) as ours, zipfile.ZipFile(io.BytesIO(reference)) as theirs:
        assert ours.testzip() is None
        assert ours.namelist() == theirs.namelist()
        made = [(i.compress_type, i.external_attr, i.create_system, i.flag_bits) for i in ours.infolist()]
        assert made == [
            (i.compress_type, i.external_attr, i.create_system, i.flag_bits) for i in theirs.infolist()
        ]
        assert all(kind == zipfile.ZIP_STORED for kind, *_ in made)
        assert all(ours.read(name) == theirs.read(name) for name in theirs.namelist())


@pytest.mark.parametrize(
    ("label_size", "with_pin", "count"),
    [
        ("30x40", True, 1),  # one partial page
        ("30x40", True, 36),  # exactly one full page
        ("30x40", False, 2 * 36 + 5),  # full pages, then a partial one
        ("50x30", True, 24 + 1),
        ("70x40-en", True, 12 + 7),  # export layout: the growing-area and facility codes as text too
        ("70x40-zh", False, 12),
    ],
)
def test_the_streamed_sheet_is_the_in_memory_one(tmp_path, label_size, with_pin, count):
    spec = _spec(label_size, with_pin)
    stamps = _stamps(count, with_pin)
    pdf, archive = _reference(spec, stamps)
    streamed_pdf, streamed_zip, rendered = _streamed(spec, stamps, tmp_path)
    assert streamed_pdf == pdf
    if with_pin:
        assert all(pin.encode() in _text_of(pdf) for _, _, pin in stamps[:3] if pin)
    _assert_same_zip(streamed_zip, archive)
    assert rendered.pages == -(-count // label_layout.layout(label_size, spec.version).per_page)


def test_chunks_from_a_pool_cross_pages_in_order(tmp_path, monkeypatch):
    """Chunks of 7 from a pool (as the process pool's ``map`` yields them) over pages of 36."""
    monkeypatch.setattr(render, "CHUNK", 7)
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)
    spec = _spec("30x40", True)
    stamps = _stamps(36 + 30, True)
    pdf, archive = _reference(spec, stamps)
    with ThreadPoolExecutor(2) as pool:
        streamed_pdf, streamed_zip, rendered = _streamed(spec, stamps, tmp_path, pool)
    assert streamed_pdf == pdf
    _assert_same_zip(streamed_zip, archive)
    assert rendered.pages == 2


def test_labels_without_a_text_layer_and_an_empty_sheet():
    spec = _spec("30x40", False)
    lay = label_layout.layout(spec.label_size, spec.version)
    pngs = [png for _, _, png, _ in render.render_chunk(spec, _stamps(40, False)).labels]
    texts = [[(10, 20, "A(1)\\")], [], [(0, 0, "B")]]  # escaped text, and an empty run list
    for labels, runs in ((pngs, texts), (pngs[:5], []), ([], [])):
        out = io.BytesIO()
        sheet = SheetWriter(out, lay, len(labels), 30, "Tem")
        for at, png in enumerate(labels):
            sheet.add(png, runs[at] if at < len(runs) else None)  # past ``texts``: no text layer
        sheet.close()
        assert out.getvalue() == build_pdf(lay, labels, runs, 30, "Tem")


def test_a_sheet_refuses_a_label_count_other_than_announced():
    spec = _spec("30x40", False)
    lay = label_layout.layout(spec.label_size, spec.version)
    png = render.render_chunk(spec, _stamps(1, False)).labels[0][2]
    short = SheetWriter(io.BytesIO(), lay, 2)
    short.add(png)
    with pytest.raises(ValueError, match="1 labels added to a sheet of 2"):
        short.close()
    full = SheetWriter(io.BytesIO(), lay, 1)
    full.add(png)
    with pytest.raises(ValueError, match="more labels"):
        full.add(png)


def _text_of(pdf: bytes) -> bytes:
    """The page contents, inflated: where the text layer's strings are."""
    return b"".join(
        zlib.decompress(stream)
        for stream in re.findall(rb"/Filter /FlateDecode >>\nstream\n(.*?)\nendstream", pdf, re.S)
    )
