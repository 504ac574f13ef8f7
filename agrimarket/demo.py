"""Demo data (`piccolo agrimarket seed_demo`): staff, a Cát Hải cooperative, households, products, photos.

Everything goes through the real services, so the demo also exercises validation, photo
re-encoding and storage. The admin account is created last: its phone marks a complete seed,
and seeding again then adds nothing.

The other apps seed their own parts: each lists its seeders as ``DEMO_SEEDERS`` in its
``piccolo_app.py``, and ``seed()`` runs them in APP_REGISTRY order (piccolo_conf.py) after the
core's products exist, so the core imports no other app's demo. Who is who in the demo lives in
``agrimarket.demo_data``, which every seeder reads.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import math
import time
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

from piccolo.conf.apps import Finder
from piccolo.engine.postgres import PostgresEngine
from PIL import Image, ImageColor, ImageDraw, ImageFont

from agrimarket.accounts import service as accounts
from agrimarket.accounts.actor import Actor, Role
from agrimarket.areas.service import fold, search_communes
from agrimarket.cooperatives import invitations, verification
from agrimarket.cooperatives.schemas import CooperativeCreate, MemberAdd
from agrimarket.cooperatives.service import create_cooperative, sign_up_household
from agrimarket.demo_data import (
    ADMIN,
    CAT_HAI,
    COOP,
    HAI_PHONG,
    MANAGER,
    MEMBER_LOGINS,
    MEMBERS,
    OFFICER,
    OTHERS,
    PASSWORD,
    VILLAGES,
    actor_for,
    member_phone,
)
from agrimarket.indicators import summary as indicator_summary
from agrimarket.media.storage import S3Storage, build_storage
from agrimarket.payments.schemas import BankAccountWrite
from agrimarket.payments.service import set_account as set_bank_account
from agrimarket.products.photos import create_with_photos
from agrimarket.settings import get_settings
from agrimarket.tables import Cooperative, Household, Product, ProductPhoto, User
from agrimarket.training import demo as training_demo

# A demo seeder: creates its part and returns the lines to print.
Seeder = Callable[[], Awaitable[list[str]]]

YEAR_ROUND = "Quanh năm"
# owner (member index, "coop" or an OTHERS key), name, category, unit, price (đ), stock, season,
# certifications, picture shape, colour.
PRODUCTS = (
    (0, "Cá song nuôi lồng", "thuy_san", "kg", 380_000, 120, YEAR_ROUND, ("vietgap",), "fish", "#6f8a4e"),
    (0, "Cá vược nuôi lồng", "thuy_san", "kg", 210_000, 150, YEAR_ROUND, (), "fish", "#8c9aa6"),
    (1, "Mực một nắng", "hai_san", "kg", 550_000, 40, "Tháng 3 – tháng 9", ("ocop_3",), "squid", "#d9a86c"),
    (1, "Cá thu một nắng", "hai_san", "kg", 320_000, 35, "Tháng 10 – tháng 3", (), "fish", "#4f76a0"),
    (2, "Sá sùng khô", "hai_san", "kg", 3_200_000, 8, "Tháng 4 – tháng 10", ("ocop_3",), "wave", "#b98a5a"),
    (2, "Tu hài Cát Bà", "hai_san", "kg", 260_000, 60, YEAR_ROUND, (), "shell", "#a88f7a"),
    (3, "Hàu sữa Cát Bà", "thuy_san", "kg", 55_000, 300, "Tháng 11 – tháng 4", ("vietgap",), "shell", "#8e8f86"),
    (3, "Ngao hai cồi", "hai_san", "kg", 120_000, 80, "Tháng 3 – tháng 8", (), "shell", "#c9b28f"),
    (4, "Ốc hương nuôi", "thuy_san", "kg", 420_000, 50, YEAR_ROUND, (), "shell", "#b07a4a"),
    (4, "Tôm he tươi", "hai_san", "kg", 380_000, 45, "Tháng 4 – tháng 8", (), "arc", "#e07b53"),
    (5, "Rau muống", "rau_cu", "bo", 15_000, 200, "Tháng 4 – tháng 10", ("vietgap",), "leaf", "#3f9a3c"),
    (5, "Khoai lang Cát Hải", "rau_cu", "kg", 25_000, 400, "Tháng 12 – tháng 2", (), "round", "#8a4f7d"),
    (6, "Na Cát Hải", "trai_cay", "kg", 60_000, 250, "Tháng 7 – tháng 9", ("vietgap",), "round", "#8db45a"),
    (6, "Chuối tây", "trai_cay", "buong", 80_000, 40, YEAR_ROUND, (), "arc", "#e6c73c"),
    (7, "Trứng gà ta", "thit_trung", "chuc", 45_000, 60, YEAR_ROUND, (), "eggs", "#e9d6b4"),
    (7, "Gà đồi thả vườn", "thit_trung", "kg", 160_000, 70, YEAR_ROUND, (), "bird", "#b5653a"),
    (8, "Mật ong rừng Cát Bà", "mat_ong", "chai", 450_000, 30, "Tháng 3 – tháng 5", (), "bottle", "#d4921f"),
    (9, "Mắm ruốc Cát Hải", "che_bien", "hop", 60_000, 90, YEAR_ROUND, ("ocop_3",), "box", "#b2574b"),
    (10, "Cá ngần khô", "hai_san", "kg", 480_000, 25, "Tháng 10 – tháng 2", (), "grains", "#e8e2cf"),
    (11, "Rong biển sấy", "che_bien", "goi", 35_000, 150, "Tháng 2 – tháng 5", (), "leaf", "#2f6b4f"),
    ("coop", "Nước mắm Cát Hải 35 độ đạm", "che_bien", "chai", 95_000, 500, YEAR_ROUND, ("ocop_4",), "bottle", "#a4561f"),
    ("coop", "Nước mắm cốt nhĩ Cát Hải", "che_bien", "chai", 180_000, 200, YEAR_ROUND, ("ocop_4",), "bottle", "#7b3d17"),
    ("coop", "Hộp quà hải sản khô Cát Hải", "che_bien", "hop", 650_000, 60, YEAR_ROUND, ("ocop_3",), "box", "#2f5d8a"),
    ("coop", "Mực khô loại 1", "hai_san", "kg", 1_250_000, 30, "Tháng 3 – tháng 9", (), "squid", "#c98f55"),
    ("son_la", "Mận hậu Sơn La", "trai_cay", "kg", 35_000, 800, "Tháng 5 – tháng 7", ("vietgap",), "round", "#9c2f4f"),
    ("son_la", "Chè Shan tuyết", "che_ca_phe", "kg", 650_000, 40, "Tháng 3 – tháng 10", ("organic",), "leaf", "#4b7f2a"),
    ("son_la", "Mật ong hoa nhãn", "mat_ong", "chai", 250_000, 60, "Tháng 3 – tháng 4", (), "bottle", "#e0a526"),
    ("lam_dong", "Cà phê Robusta rang mộc", "che_ca_phe", "kg", 260_000, 300, "Tháng 11 – tháng 1", ("ocop_3",), "grains", "#5a3520"),
    ("lam_dong", "Bơ 034", "trai_cay", "kg", 55_000, 600, "Tháng 6 – tháng 9", ("vietgap",), "round", "#55782f"),
    ("ca_mau", "Tôm khô Cà Mau", "che_bien", "kg", 1_450_000, 50, YEAR_ROUND, ("ocop_4",), "arc", "#e2683c"),
    ("ca_mau", "Gạo ST25 lúa – tôm", "lua_gao", "kg", 38_000, 2000, "Tháng 12 – tháng 2", ("organic",), "grains", "#f1ead2"),
    ("ben_tre", "Dừa xiêm Bến Tre", "trai_cay", "qua", 15_000, 1500, YEAR_ROUND, ("vietgap",), "round", "#6fa53a"),
    ("ben_tre", "Kẹo dừa Mỏ Cày", "che_bien", "goi", 40_000, 400, YEAR_ROUND, ("ocop_3",), "box", "#c44b3b"),
)  # fmt: skip
# GTINs of the demo products whose batches get Digital Link stamps. GS1 restricted-circulation
# numbers (GTIN-13 prefix 20, GS1 General Specifications' RCN-13: for use inside one company), so they
# can never be a real company's product; Rau muống keeps none and prints short-URL stamps.
DEMO_GTINS = {"Na Cát Hải": "2000000000015", "Mật ong rừng Cát Bà": "2000000000022"}
# Grams in one selling unit of the products not sold by mass (Shopee needs a weight to list them).
UNIT_WEIGHT_G = {
    "Rau muống": 500,
    "Chuối tây": 2000,
    "Trứng gà ta": 500,
    "Mật ong rừng Cát Bà": 900,
    "Mắm ruốc Cát Hải": 450,
    "Rong biển sấy": 100,
    "Nước mắm Cát Hải 35 độ đạm": 750,
    "Nước mắm cốt nhĩ Cát Hải": 750,
    "Hộp quà hải sản khô Cát Hải": 1200,
    "Mật ong hoa nhãn": 900,
    "Dừa xiêm Bến Tre": 1500,
    "Kẹo dừa Mỏ Cày": 400,
}
SIZE = (900, 675)


def _logins() -> list[str]:
    others = ", ".join(phone for _, phone, *_ in OTHERS)
    return [
        f"Demo logins (password: {PASSWORD}):",
        f"  admin            {ADMIN[0]}",
        f"  officer Hải Phòng {OFFICER[0]}",
        f"  coop manager     {MANAGER[0]} ({COOP[0]}, Đặc khu Cát Hải)",
        f"  household        {member_phone(0)} ({MEMBERS[0]}, member of the cooperative)",
        f"  other households {', '.join(member_phone(i) for i in range(1, MEMBER_LOGINS))}, {others}",
    ]


async def _commune(province: str, name: str) -> str:
    """The code of the commune/ward called ``name`` (after its division type) in the province."""
    for row in await search_communes(name, province):
        if fold(row["name"]).endswith(" " + fold(name)):
            return row["code"]
    raise LookupError(f"No commune {name!r} in province {province}")


@functools.cache
def _font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """A font with Vietnamese glyphs if the system has one; Pillow's default font has none."""
    for name in ("DejaVuSans-Bold.ttf", "NotoSans-Bold.ttf", "LiberationSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size), True
        except OSError:
            continue
    return ImageFont.load_default(size=size), False


def _without_marks(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _shape(d: ImageDraw.ImageDraw, shape: str, fill: tuple, dark: tuple) -> None:
    line: dict[str, Any] = {"fill": fill, "outline": dark, "width": 6}
    if shape == "fish":
        d.polygon([(600, 290), (740, 190), (740, 390)], **line)
        d.ellipse((180, 180, 650, 400), **line)
        d.ellipse((255, 255, 290, 290), fill="white", outline=dark, width=4)
    elif shape == "squid":
        for x in range(380, 540, 30):
            d.line([(x, 330), (x - 20, 420), (x + 10, 510)], fill=dark, width=12, joint="curve")
        d.polygon([(450, 70), (350, 340), (550, 340)], **line)
    elif shape == "shell":
        for x in (330, 570):
            d.pieslice((x - 170, 170, x + 170, 510), 180, 360, **line)
            for angle in range(200, 360, 25):
                rad = math.radians(angle)
                d.line([(x, 340), (x + 160 * math.cos(rad), 340 + 160 * math.sin(rad))], fill=dark, width=4)
    elif shape == "arc":
        d.arc((220, 80, 680, 540), 200, 340, fill=dark, width=96)
        d.arc((228, 88, 672, 532), 202, 338, fill=fill, width=80)
    elif shape == "wave":
        points = [(150 + x, 300 + 70 * math.sin(x / 70)) for x in range(0, 600, 10)]
        d.line(points, fill=dark, width=48, joint="curve")
        d.line(points, fill=fill, width=34, joint="curve")
    elif shape == "round":
        d.ellipse((290, 130, 610, 450), **line)
        d.ellipse((360, 190, 420, 240), fill=tuple(min(255, c + 70) for c in fill))
        d.line([(450, 135), (460, 85)], fill=(90, 60, 30), width=10)
        d.ellipse((465, 70, 560, 115), fill=(60, 130, 50))
    elif shape == "leaf":
        for dx in (-150, 0, 150):
            d.ellipse((360 + dx, 120, 500 + dx, 460), **line)
            d.line([(430 + dx, 130), (430 + dx, 500)], fill=dark, width=6)
    elif shape == "bottle":
        d.rectangle((412, 90, 488, 130), fill=(200, 40, 40))
        d.rectangle((420, 125, 480, 210), **line)
        d.rounded_rectangle((350, 200, 550, 500), radius=40, **line)
        d.rectangle((370, 300, 530, 400), fill="white", outline=dark, width=3)
    elif shape == "box":
        d.rectangle((250, 190, 650, 480), **line)
        d.rectangle((430, 190, 470, 480), fill=(240, 200, 60))
        d.rectangle((250, 315, 650, 355), fill=(240, 200, 60))
        d.ellipse((380, 140, 450, 200), outline=(240, 200, 60), width=14)
        d.ellipse((450, 140, 520, 200), outline=(240, 200, 60), width=14)
    elif shape == "grains":
        for i in range(40):
            x, y = 260 + (i % 8) * 52 + (i // 8 % 2) * 26, 230 + (i // 8) * 48
            d.ellipse((x, y, x + 44, y + 30), **line | {"width": 3})
    elif shape == "eggs":
        for x, y in ((250, 290), (390, 290), (530, 290), (320, 150), (460, 150)):
            d.ellipse((x, y, x + 120, y + 160), **line | {"width": 4})
    elif shape == "bird":
        d.ellipse((230, 220, 590, 460), **line)
        d.ellipse((530, 130, 650, 250), **line)
        d.polygon([(555, 135), (575, 95), (595, 130), (615, 100), (630, 140)], fill=(210, 30, 30))
        d.polygon([(648, 185), (700, 200), (648, 215)], fill=(240, 180, 40))
        d.line([(370, 455), (360, 520)], fill=dark, width=10)
        d.line([(450, 455), (460, 520)], fill=dark, width=10)


def photo(name: str, shape: str, colour: str) -> bytes:
    """A JPEG picture of the product: a tinted background, a simple shape and the name."""
    fill = ImageColor.getrgb(colour)
    dark = tuple(c * 3 // 5 for c in fill)
    top, bottom = (tuple(c + (255 - c) * k // 10 for c in fill) for k in (9, 6))
    mask = Image.linear_gradient("L").resize(SIZE)
    im = Image.composite(Image.new("RGB", SIZE, bottom), Image.new("RGB", SIZE, top), mask)
    d = ImageDraw.Draw(im)
    _shape(d, shape, fill, dark)
    d.rectangle((0, 560, SIZE[0], SIZE[1]), fill=dark)
    size = 56
    while True:
        font, full = _font(size)
        text = name if full else _without_marks(name)
        if d.textlength(text, font=font) <= SIZE[0] - 60 or size <= 24:
            break
        size -= 4
    d.text((SIZE[0] // 2, 617), text, font=font, fill="white", anchor="mm")
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def app_seeders() -> list[Seeder]:
    """The seeders the other apps list as ``DEMO_SEEDERS`` in their piccolo_app.py, in APP_REGISTRY order.

    Read through Piccolo's app registry (which has imported those modules), the way Piccolo finds
    each app's tables and commands: the core names no other app. Each is named ``module:function``
    and imported only here: every process that opens the database imports the piccolo_app modules,
    and the demos' libraries (spreadsheets, PDFs, the simulators' servers) are no page's business.
    """
    named = (
        name
        for path in Finder().get_app_registry().apps
        for name in getattr(importlib.import_module(path), "DEMO_SEEDERS", ())
    )
    return [
        getattr(importlib.import_module(module), function)
        for module, _, function in (n.partition(":") for n in named)
    ]


async def _summary() -> str:
    products = await Product.count()
    return (
        f"Demo data: {await Cooperative.count()} cooperative(s), {await Household.count()} households, "
        f"{products} products, {await ProductPhoto.count()} photos."
    )


@contextlib.asynccontextmanager
async def _pooled():
    """A few pooled PostgreSQL connections for the seed, unless the app already runs a pool."""
    engine = Product._meta.db
    own = engine if isinstance(engine, PostgresEngine) and engine.pool is None else None
    if own is not None:
        await own.start_connection_pool(min_size=1, max_size=2)
    try:
        yield
    finally:
        if own is not None:
            await own.close_connection_pool()


async def seed() -> list[str]:
    """Create the demo once; returns the lines to print (the logins and a summary)."""
    if await User.exists().where(User.phone == ADMIN[0]):
        return [*_logins(), f"Already seeded ({ADMIN[0]} exists): nothing added.", await _summary()]
    async with _pooled():
        return await _create()


async def _create() -> list[str]:
    started = time.perf_counter()
    storage = build_storage(get_settings())
    if isinstance(storage, S3Storage):
        await storage.ensure_bucket()
    officer_id = await accounts.create_staff(OFFICER[0], PASSWORD, OFFICER[1], Role.OFFICER, HAI_PHONG)
    form = accounts.Registration(MANAGER[0], PASSWORD, MANAGER[1], CAT_HAI, Role.COOP_MANAGER)
    manager_id = await accounts.register(form)
    coop_id = await create_cooperative(
        await actor_for(manager_id), CooperativeCreate(*COOP[:2], CAT_HAI, COOP[2])
    )
    # Hải Phòng's officer checked it against its tax code: it may invite and sign up households.
    await verification.change_status(await actor_for(officer_id), coop_id, "verified", "")
    manager = await actor_for(manager_id)  # now with its cooperative
    owners: dict[object, tuple[Actor, int | None]] = {"coop": (manager, None)}
    days = get_settings().coop_invitation_days
    for i, name in enumerate(MEMBERS):
        address = f"Thôn {VILLAGES[i % len(VILLAGES)]}"
        if i < MEMBER_LOGINS:
            # Farmers with a login of their own joined by accepting the cooperative's invitation.
            form = accounts.Registration(member_phone(i), PASSWORD, name, CAT_HAI, address=address)
            farmer = await actor_for(await accounts.register(form))
            await invitations.accept(
                farmer, await invitations.invite(manager, coop_id, member_phone(i), days)
            )
            owners[i] = (manager, farmer.household_id)
        else:
            # The others the cooperative signed up (no smartphone): no password until they claim it.
            member = MemberAdd(phone=member_phone(i), head_name=name, address=address)
            owners[i] = (manager, await sign_up_household(manager, coop_id, member))
    for key, phone, name, province, commune in OTHERS:
        form = accounts.Registration(phone, PASSWORD, name, await _commune(province, commune))
        owners[key] = (await actor_for(await accounts.register(form)), None)
    owner: int | str  # a member index, "coop" or an OTHERS key (PRODUCTS)
    # Bank accounts (made-up numbers) so the cooperative's and Mộc Châu's product pages show VietQR codes.
    for owner, bank_bin, number in (
        ("coop", "970405", "1500205678901"),
        ("son_la", "970436", "0451000123456"),
    ):
        actor = owners[owner][0]
        holder = COOP[0] if owner == "coop" else actor.full_name
        await set_bank_account(actor, BankAccountWrite(bank_bin, number, holder[:50]))
    for owner, name, category, unit, price, stock, season, certs, shape, colour in PRODUCTS:
        actor, household_id = owners[owner]
        values: dict[str, Any] = {
            "name": name,
            "category": category,
            "unit": unit,
            "price_vnd": price,
            "stock": stock,
        }
        values |= {"harvest_season": season, "certifications": list(certs)}
        values["unit_weight_g"] = UNIT_WEIGHT_G.get(name)
        values["gtin"] = DEMO_GTINS.get(name)
        await create_with_photos(actor, values, [photo(name, shape, colour)], storage, household_id)
    extra = [line for seeder in (*app_seeders(), training_demo.seed) for line in await seeder()]
    # The apps' seeders write back-history and suppliers directly: the indicator's summary from it all.
    await indicator_summary.rebuild()
    await accounts.create_staff(ADMIN[0], PASSWORD, ADMIN[1], Role.ADMIN, None)  # last: marks a complete seed
    took = f"Seeded in {time.perf_counter() - started:.1f} s."
    return [*_logins(), took, await _summary(), *extra]
