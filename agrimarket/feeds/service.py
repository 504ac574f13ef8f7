"""A seller's live products as a feed any shop can pull: JSON, CSV and Google-Merchant-style RSS.

The owner is named in the URL as ``h{household id}`` or ``c{cooperative id}``: what the feed shows
is what the public product pages show already.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from xml.etree import ElementTree as ET

import msgspec

from agrimarket.errors import NotFound
from agrimarket.exports import csv_for_excel
from agrimarket.media.storage import Storage
from agrimarket.ports import current as query_ports
from agrimarket.products.catalog import CATEGORIES, CERTIFICATIONS, UNITS, label
from agrimarket.products.schemas import ProductRead
from agrimarket.products.service import live_products_of
from agrimarket.tables import Cooperative, Household
from agrimarket.text import clean_text
from agrimarket.web.conditional import strong_etag

OWNER = re.compile(r"(h|c)([1-9][0-9]{0,9})")
CACHE_SECONDS = 60.0  # a feed is rebuilt at most once a minute per process
G = "http://base.google.com/ns/1.0"
ET.register_namespace("g", G)


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str


class FeedItem(msgspec.Struct):
    id: int
    name: str
    description: str
    category: str
    unit: str
    price_vnd: int
    stock: int
    availability: str  # in_stock | out_of_stock
    link: str
    image_link: str | None
    additional_image_links: list[str]
    certifications: list[str]
    gtin: str | None
    producer: str
    origin: str
    growing_area_code: str | None  # None while the area has no official code (mã số vùng trồng)
    growing_area_status: str | None
    trace_link: str | None  # the scan page of a valid stamp of the newest batch
    updated_at: str


class FeedDocument(msgspec.Struct):
    owner: str
    producer: str
    products: list[FeedItem]


_cache: dict[tuple[str, str], tuple[float, Feed]] = {}


async def _owner(token: str) -> tuple[dict[str, int], str]:
    match = OWNER.fullmatch(token)
    if match:
        kind, owner_id = match.group(1), int(match.group(2))
        if kind == "h":
            row = await Household.select(Household.head_name).where(Household.id == owner_id).first()
            if row:
                return {"owner_household": owner_id}, row["head_name"]
        else:
            row = await Cooperative.select(Cooperative.name).where(Cooperative.id == owner_id).first()
            if row:
                return {"owner_cooperative": owner_id}, row["name"]
    raise NotFound("Không có người bán này.", "No such seller.")


def _item(product: ProductRead, trace: dict | None, base_url: str) -> FeedItem:
    trace = trace or {}
    serial = trace.get("serial")
    return FeedItem(
        id=product.id,
        name=product.name,
        description=product.description,
        category=label(CATEGORIES, product.category),
        unit=label(UNITS, product.unit),
        price_vnd=product.price_vnd,
        stock=product.stock,
        availability="in_stock" if product.stock > 0 else "out_of_stock",
        link=product.public_url,
        image_link=product.photos[0].url if product.photos else None,
        additional_image_links=[photo.url for photo in product.photos[1:]],
        certifications=[label(CERTIFICATIONS, c) for c in product.certifications],
        gtin=product.gtin,
        producer=product.owner.name,
        origin=product.origin,
        growing_area_code=trace.get("area_code"),
        growing_area_status=trace.get("area_status"),
        trace_link=f"{base_url}/t/{serial}" if serial else None,
        updated_at=product.updated_at.isoformat(),
    )


async def document(token: str, storage: Storage, base_url: str) -> FeedDocument:
    owner, producer = await _owner(token)
    products = await live_products_of(owner, storage, base_url)
    traces = await query_ports().latest_traces([p.id for p in products])
    items = [_item(p, traces.get(p.id), base_url) for p in products]
    return FeedDocument(owner=token, producer=producer, products=items)


CSV_HEADER = [
    "id", "name", "description", "category", "unit", "price_vnd", "stock", "availability", "link",
    "image_link", "additional_image_links", "certifications", "gtin", "producer", "origin",
    "growing_area_code", "growing_area_status", "trace_link", "updated_at",
]  # fmt: skip


def as_csv(doc: FeedDocument) -> bytes:
    rows = []
    for item in doc.products:
        row = msgspec.structs.asdict(item)
        row["additional_image_links"] = " ".join(item.additional_image_links)
        row["certifications"] = ", ".join(item.certifications)
        rows.append([row[name] if row[name] is not None else "" for name in CSV_HEADER])
    return csv_for_excel(CSV_HEADER, rows)


def as_rss(doc: FeedDocument, base_url: str) -> bytes:
    """RSS 2.0 with the Google Merchant namespace: what Google, Facebook and Zalo catalogs read."""
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = clean_text(doc.producer)
    ET.SubElement(channel, "link").text = base_url
    ET.SubElement(channel, "description").text = f"Nông sản của {doc.producer} trên agrimarket"
    for item in doc.products:
        entry = ET.SubElement(channel, "item")
        fields = [
            (f"{{{G}}}id", str(item.id)),
            ("title", item.name),
            ("description", item.description or item.name),
            ("link", item.link),
            (f"{{{G}}}image_link", item.image_link),
            *[(f"{{{G}}}additional_image_link", url) for url in item.additional_image_links],
            (f"{{{G}}}price", f"{item.price_vnd} VND"),
            (f"{{{G}}}availability", item.availability.replace("_", " ")),
            (f"{{{G}}}condition", "new"),
            (f"{{{G}}}brand", item.producer),
            (f"{{{G}}}gtin", item.gtin),
            (f"{{{G}}}product_type", item.category),
        ]
        for tag, value in fields:
            if value:
                # Rows stored before input was cleaned may hold NUL: XML 1.0 cannot carry it.
                ET.SubElement(entry, tag).text = clean_text(value)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)


async def feed(token: str, fmt: str, storage: Storage, base_url: str) -> Feed:
    """The feed's bytes and ETag, built at most once a minute per owner and format in this process."""
    key = (token, fmt)
    hit = _cache.get(key)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    doc = await document(token, storage, base_url)
    if fmt == "json":
        body = msgspec.json.encode(doc)
    elif fmt == "csv":
        body = as_csv(doc)
    else:
        body = as_rss(doc, base_url)
    built = Feed(body, strong_etag(body))
    if len(_cache) > 2000:
        _cache.clear()
    _cache[key] = (time.monotonic() + CACHE_SECONDS, built)
    return built
