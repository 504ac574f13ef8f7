"""What the public scan page and the trace API show, built from one scan."""

from __future__ import annotations

from litestar import Request

from agrimarket.media.storage import Storage
from agrimarket.settings import Settings
from agrimarket.web.auth import client_address
from agrimarket.web.head import is_head
from agrimarket.web.i18n import choose_lang
from traceability.batches.facts import PartnerFacts
from traceability.settings import TraceabilitySettings
from traceability.stamps import scan, scan_zh, serials
from traceability.stamps.schemas import DiaryItem, PartnerItem, TraceRead

DIARY_ITEMS = 6  # a short summary on the page: the latest entries


async def lookup(request: Request, serial: str, settings: Settings, storage: Storage) -> scan.ScanResult:
    return await scan.scan(
        serial,
        client_address(request),
        request.headers.get("user-agent", ""),
        settings.section(TraceabilitySettings),
        storage,
        # A HEAD (link checkers, prefetchers) shows what a scan would, but is not a scan.
        record=not is_head(request),
    )


# (revoked, with the reason's place; counterfeit) in each language of the trace answer.
_WARNINGS = {
    "vi": ("Tem này đã bị thu hồi: {reason}", "Cảnh báo: có thể là tem giả."),
    "en": ("This stamp has been revoked: {reason}", "Warning: this may be a counterfeit stamp."),
    "zh": (scan_zh.REVOKED, scan_zh.COUNTERFEIT),
}


def warning_texts(seen: scan.ScanResult, lang: str) -> list[str]:
    """The revocation and counterfeit warnings of a scan, in ``lang``."""
    revoked, counterfeit = _WARNINGS.get(lang) or _WARNINGS["vi"]
    out = []
    if seen.revoked:
        out.append(revoked.format(reason=seen.revoked_reason))
    if seen.counterfeit:
        out.append(counterfeit)
    return out


def to_trace(seen: scan.ScanResult, settings: Settings, lang: str) -> TraceRead:
    """The trace answer (and the scan page's content) of one scan, in ``lang``."""
    facts = seen.batch.facts
    owner, area, product, facility = facts.owner, facts.growing_area, facts.product, facts.packing_facility
    base = settings.public_base_url.rstrip("/")
    return TraceRead(
        serial=seen.serial,
        status=seen.status,
        revoked_reason=seen.revoked_reason,
        genuine_warning=seen.counterfeit,
        warnings=warning_texts(seen, lang),
        scan_count=seen.scan_count,
        product_name=product.name,
        product_image=seen.batch.photo_url,
        producer_name=owner.name,
        producer_kind=owner.kind,
        producer_address=owner.address,
        stages=[
            DiaryItem(
                kind=d.kind,
                date=d.date,
                occurred_at=d.occurred_at,
                label={"vi": d.label_vi, "zh": d.label_zh}.get(lang, d.label_en),
                location_code=d.location_code,
                location_code_kind=d.location_code_kind,
                product_code=product.code,
                product_code_kind=product.code_kind,
            )
            for d in facts.diary
        ],
        location_code=area.code,
        harvest_date=facts.harvest_date,
        pack_date=facts.pack_date,
        gtin=product.gtin,
        lot_code=facts.lot_code,
        expiry_date=facts.expiry_date,
        certifications=product.certifications,
        growing_area_name=area.name,
        growing_area_code=area.code,
        growing_area_status=area.status,
        where_to_buy=seen.batch.where_to_buy,
        product_url=f"{base}/p/{product.id}",
        scan_url=f"{base}/t/{seen.serial}",
        brand=facts.brand,
        standards=facts.standards,
        packing_facility_name=facility.name if facility else None,
        packing_facility_code=facility.code if facility else None,
        one_step_back=[_partner(p, lang) for p in facts.suppliers],
        one_step_forward=[_partner(p, lang) for p in facts.recipients],
    )


def _partner(partner: PartnerFacts, lang: str) -> PartnerItem:
    return PartnerItem(
        kind=partner.kind,
        kind_label=partner.kind_vi if lang == "vi" else partner.kind_en,
        name=partner.name,
        code=partner.code,
        address=partner.address,
        date=partner.date,
    )


async def trace(request: Request, serial: str, settings: Settings, storage: Storage, lang: str) -> TraceRead:
    return to_trace(await lookup(request, serial, settings, storage), settings, lang)


PAGE_LANGUAGES = ("vi", "en", "zh")  # zh: Simplified Chinese, for buyers of export produce


def page_lang(request: Request, asked: str | None) -> str:
    """?lang= first, then the language cookie, then Accept-Language; Vietnamese by default."""
    return choose_lang(request, PAGE_LANGUAGES, asked=asked)


def grouped(serial: str) -> str:
    return serials.grouped(serial)
