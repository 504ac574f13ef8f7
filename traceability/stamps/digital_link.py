"""Stamps whose QR carries a GS1 Digital Link (GS1 Digital Link standard 1.2, §4 URI syntax):
``{PUBLIC_BASE_URL}/01/{gtin14}/10/{lot}/21/{serial}``, plus ``?17={YYMMDD}`` when the batch has an
expiry date. Offered, and on by default, when the product has a GTIN; otherwise the short
``/T/{serial}`` stays. Both open the same scan page (the resolver's serial-level default link).

Lot codes: the batch form already refuses anything but A–Z a–z 0–9 . _ - (no Vietnamese letters),
all of which a Digital Link writes as they are; a lot of a product with a GTIN is also held to
GS1's 20 characters when the batch is made (traceability.batches.service). An older batch whose lot
is longer gets a 409 here naming the reason, and may still be printed with the short URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from agrimarket.errors import Conflict
from traceability.resolver import uri
from traceability.stamps import label_layout, qr
from traceability.stamps.serials import LENGTH
from traceability.tables import Batch


@dataclass(frozen=True)
class QrContent:
    """What every QR of an issuance holds around its serial, and how it is encoded."""

    prefix: str
    suffix: str = ""
    segments: qr.Segments | None = None  # None: one segment (the short URL, as always)

    def version_and_mask(self) -> tuple[int, int]:
        return qr.fixed_qr(self.prefix, self.suffix, self.segments)


def qr_base(public_base_url: str) -> str:
    """The base URL as a QR writes it: scheme and host in capitals (alphanumeric mode)."""
    return qr.qr_url_prefix(public_base_url).removesuffix("/T/")


async def _batch(batch_id: int) -> dict:
    row = (
        await Batch.select(
            Batch.product.gtin.as_alias("gtin"), Batch.lot_code, Batch.expiry_date, Batch.product.name
        )
        .where(Batch.id == batch_id)
        .first()
    )
    assert row is not None
    return row


async def gtin_of(batch_id: int) -> str | None:
    """The GTIN of the batch's product (None without one, or without such a batch)."""
    row = await Batch.select(Batch.product.gtin.as_alias("gtin")).where(Batch.id == batch_id).first()
    return row["gtin"] if row else None


async def wanted(batch_id: int, requested: bool | None) -> bool:
    """Whether this issuance carries Digital Links: ``None`` means yes when the product has a GTIN.
    Asking for one without a GTIN is a 409 saying where to enter it."""
    gtin = (await _batch(batch_id))["gtin"]
    if requested and not gtin:
        raise Conflict(
            "Sản phẩm chưa có mã GTIN nên không in được tem GS1 Digital Link. Hãy nhập mã vạch GTIN "
            "của sản phẩm, hoặc in tem mã ngắn.",
            "The product has no GTIN, so GS1 Digital Link stamps cannot be printed. Enter the "
            "product's GTIN, or print short-URL stamps.",
        )
    return bool(gtin) if requested is None else requested


async def content(batch_id: int, public_base_url: str, digital_link: bool) -> QrContent:
    """The QR content of an issuance; a Digital Link's lot must fit GS1's rules (409 otherwise)."""
    if not digital_link:
        return QrContent(qr.qr_url_prefix(public_base_url))
    row = await _batch(batch_id)
    marker = "Z" * LENGTH
    try:
        link = uri.stamp_uri(
            qr_base(public_base_url), row["gtin"], row["lot_code"], marker, row["expiry_date"]
        )
    except uri.BadLink as exc:
        raise Conflict(
            f"Không in được tem GS1 Digital Link cho lô này. {exc.message_vi} Hãy bỏ chọn “Mã QR GS1 "
            "Digital Link” để in tem mã ngắn.",
            f"GS1 Digital Link stamps cannot be printed for this batch. {exc.message_en} Untick "
            "“GS1 Digital Link QR” to print short-URL stamps.",
        ) from None
    cut = link.rindex("/21/") + 4
    prefix, suffix = link[:cut], link[cut + LENGTH :]
    return QrContent(prefix, suffix, qr.mixed_segments(prefix, suffix))


def assert_fits(label_size: str, qr_content: QrContent) -> None:
    """409 when this label size would print the QR's modules under MIN_MODULE_MM."""
    version, _ = qr_content.version_and_mask()
    largest = label_layout.largest_version(label_size)
    if version > largest:
        size = label_layout.LABEL_SIZES[label_size]
        printed = label_layout.module_mm(label_size, version)
        raise Conflict(
            f"Khổ tem {size.width_mm} × {size.height_mm} mm quá nhỏ cho mã QR GS1 Digital Link này "
            f"(phiên bản {version}: mỗi ô chỉ {printed:.2f} mm, cần từ {label_layout.MIN_MODULE_MM} mm "
            "để điện thoại và máy quét ở quầy thu ngân đọc được). Hãy chọn khổ tem lớn hơn hoặc in tem mã ngắn.",
            f"The {size.width_mm} × {size.height_mm} mm label is too small for this GS1 Digital Link QR "
            f"(version {version}: modules of {printed:.2f} mm, at least {label_layout.MIN_MODULE_MM} mm "
            "needed for phones and till scanners). Pick a larger label or print short-URL stamps.",
            {"label_size": ("Khổ tem quá nhỏ cho mã Digital Link.", "Label too small for a Digital Link.")},
        )
