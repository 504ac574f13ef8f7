"""The links we hold for a Digital Link, level by level up the tree, from our products and stamps.

- GTIN: the public product page (``gs1:pip``, also the default), and its certifications
  (``gs1:certificationInfo``) when it has any.
- Serial: the stamp's scan page (the default), the public trace answer (``gs1:traceability``) and,
  for a stamp with a scratch-off PIN, the page's PIN form (``gs1:verificationService``).
  Not the EPCIS export: it is the owner's whole farming diary (inputs, doses, who wrote what),
  shown only to those who may read the batch; the trace answer carries what Circular 02/2024
  makes public.
- Lot and product variant: nothing of their own (no public lot page), so they walk up to the GTIN.

Pages come in Vietnamese and English (``?lang=en``): ``gs1:defaultLinkMulti`` lists both, so a
resolver client can pick one by ``Accept-Language``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agrimarket.errors import NotFound
from agrimarket.products import catalog
from agrimarket.tables import Product
from traceability.resolver.uri import DigitalLink, gtin_forms
from traceability.stamps import serials
from traceability.tables import Stamp

GS1_VOC = "https://gs1.org/voc/"
DEFAULT, DEFAULT_MULTI = GS1_VOC + "defaultLink", GS1_VOC + "defaultLinkMulti"
PIP, TRACEABILITY, CERTIFICATION = GS1_VOC + "pip", GS1_VOC + "traceability", GS1_VOC + "certificationInfo"
VERIFICATION = GS1_VOC + "verificationService"
LANGUAGES = ("vi", "en")  # Vietnamese first: the link without ?lang= is the Vietnamese page
HTML, JSON = "text/html", "application/json"


@dataclass(frozen=True)
class Link:
    rel: str  # the link type, as a full URI of the GS1 Web vocabulary
    href: str
    title: str
    hreflang: tuple[str, ...] = ()
    type: str | None = None


@dataclass
class Level:
    """One level of the request URI (its path and its links); levels without links are left out."""

    anchor: str
    links: list[Link] = field(default_factory=list)
    description: str | None = None  # the product name, on the GTIN level


def _in(lang: str, href: str) -> str:
    return href if lang == "vi" else f"{href}{'&' if '?' in href else '?'}lang={lang}"


def _page_links(rel: str, href: str, titles: dict[str, str], kind: str = HTML) -> list[Link]:
    return [Link(rel, _in(lang, href), titles[lang], (lang,), kind) for lang in LANGUAGES]


def _with_default(links: list[Link], href: str, title: str) -> list[Link]:
    """The level's one default (href and title only) and its language variants."""
    multi = [Link(DEFAULT_MULTI, link.href, link.title, link.hreflang, link.type) for link in links]
    return [Link(DEFAULT, href, title), *multi]


def product_links(base: str, product: dict) -> list[Link]:
    page = f"{base}/p/{product['id']}"
    name = product["name"]
    pip = _page_links(PIP, page, {"vi": f"Thông tin sản phẩm: {name}", "en": f"Product information: {name}"})
    links = [*_with_default(pip, page, f"Thông tin sản phẩm: {name}"), *pip]
    certificates = product["certifications"] or []
    if certificates:
        named = {
            lang: ", ".join(catalog.label(catalog.CERTIFICATIONS, c, lang) for c in certificates)
            for lang in LANGUAGES
        }
        links += _page_links(
            CERTIFICATION,
            page,
            {"vi": f"Chứng nhận: {named['vi']}", "en": f"Certifications: {named['en']}"},
        )
    return links


def stamp_links(base: str, serial: str, has_pin: bool = False) -> list[Link]:
    page = f"{base}/t/{serial}"
    shown = serials.grouped(serial)
    pages = _page_links(
        DEFAULT_MULTI,
        page,
        {"vi": f"Truy xuất nguồn gốc tem {shown}", "en": f"Traceability of stamp {shown}"},
    )
    trace = Link(
        TRACEABILITY,
        f"{base}/api/v1/trace/{serial}",
        f"Dữ liệu truy xuất nguồn gốc tem {shown} (JSON)",
        LANGUAGES,
        JSON,
    )
    # The scan page (not the product page) also speaks Simplified Chinese, for export produce.
    chinese = Link(DEFAULT_MULTI, _in("zh", page), f"标签 {shown} 的产品溯源", ("zh",), HTML)
    links = [Link(DEFAULT, page, pages[0].title), *pages, chinese, trace]
    if has_pin:
        titles = {
            "vi": f"Xác thực tem {shown} bằng mã PIN dưới lớp cào",
            "en": f"Verify stamp {shown} with its scratch-off PIN",
        }
        links += [
            Link(VERIFICATION, f"{link.href}#pin", link.title, link.hreflang, HTML)
            for link in _page_links(VERIFICATION, page, titles)
        ]
    return links


_PRODUCT = (Product.id, Product.name, Product.certifications, Product.status)


async def _product(gtin: str) -> dict | None:
    """The active product carrying this GTIN (the first registered, should several claim it)."""
    return (
        await Product.select(*_PRODUCT)
        .where(Product.gtin.is_in(gtin_forms(gtin)) & (Product.status == "active"))
        .order_by(Product.id)
        .first()
    )


async def _stamp(link: DigitalLink) -> dict | None:
    """The stamp the serial names with its product, if both agree with the GTIN (and the lot, if given)."""
    serial = serials.normalise(link.serial or "")
    if serial is None:
        return None
    product = Stamp.batch._.product
    row = (
        await Stamp.select(
            Stamp.serial,
            Stamp.pin_hash,
            Stamp.batch.lot_code.as_alias("lot"),
            product.gtin.as_alias("gtin"),
            *(getattr(product, column._meta.name).as_alias(column._meta.name) for column in _PRODUCT),
        )
        .where(Stamp.serial == serial)
        .first()
    )
    if row is None or not row["gtin"] or row["gtin"].zfill(14) != link.gtin:
        return None
    if link.lot is not None and row["lot"] != link.lot:
        return None
    return row


async def levels(link: DigitalLink, base: str) -> list[Level]:
    """Every level with links, most specific first; NotFound for a GTIN or serial we do not know.

    An unknown lot or product variant walks up the tree (the standard asks it). An unknown serial
    does not: walking up would show a genuine product's page to someone holding a fake serial.
    """
    base = base.rstrip("/")
    found: list[Level] = []
    if link.serial is not None:
        product = await _stamp(link)
        if product is None:
            raise serials.stamp_not_found()
        links = stamp_links(base, product["serial"], bool(product["pin_hash"]))
        # GS1's linkset schema asks an itemDescription of every level, the serial's too.
        found.append(Level(base + link.path(), links, product["name"]))
        if product["status"] != "active":  # an archived product has no public page to link to
            return found
    else:
        product = await _product(link.gtin)
        if product is None:
            raise NotFound("GTIN này không có trong hệ thống.", "This GTIN is not in the system.")
    found.append(Level(base + link.path(0), product_links(base, product), product["name"]))
    return found
