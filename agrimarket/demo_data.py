"""The demo's shared facts: who is who in the seeded demo, read by every app's demo seeder.

It imports no demo module (and nothing of traceability or integrations), so the seeders of the three
apps (``agrimarket.demo``, ``traceability.demo_*``, ``integrations.demo*``) depend on it and never
on each other.
"""

from __future__ import annotations

from agrimarket.accounts import service as accounts
from agrimarket.accounts.actor import Actor
from agrimarket.tables import User

PASSWORD = "nongsan2026"  # noqa: S105 - the published demo password
ADMIN = ("0901000001", "Nguyễn Hoàng Nam")
OFFICER = ("0901000002", "Phạm Thu Hà")
MANAGER = ("0901000003", "Vũ Đức Thắng")
HAI_PHONG, CAT_HAI = "31", "11914"
# Tax code 020178950 + check digit 7 (weights 31, 29, 23, 19, 17, 13, 7, 5, 3).
COOP = ("HTX Dịch vụ Nông nghiệp Cát Hải", "0201789507", "Thôn Hoàng Châu, Đặc khu Cát Hải")
# Member households; the first MEMBER_LOGINS get a password, the first one is the demo household.
MEMBERS = (
    "Nguyễn Văn Hùng", "Phạm Thị Lan", "Đỗ Văn Tám", "Vũ Thị Hoa", "Hoàng Văn Toản", "Bùi Thị Nga",
    "Lê Văn Hải", "Trần Thị Thu", "Đào Văn Lực", "Ngô Thị Mến", "Phạm Văn Sơn", "Nguyễn Thị Hằng",
)  # fmt: skip
MEMBER_LOGINS = 3
VILLAGES = ("Hoàng Châu", "Văn Phong", "Gia Luận", "Việt Hải", "Xuân Đám", "Hiền Hào")
# Households elsewhere, registering themselves: key, phone, name, province code, commune name.
OTHERS = (
    ("son_la", "0912000201", "Lường Văn Sáng", "14", "Mộc Châu"),
    ("lam_dong", "0912000202", "Trần Văn Phúc", "68", "Di Linh"),
    ("ca_mau", "0912000203", "Lâm Thị Diễm", "96", "Năm Căn"),
    ("ben_tre", "0912000204", "Huỳnh Văn Tấn", "86", "Mỏ Cày"),
)


def member_phone(index: int) -> str:
    """The phone of the cooperative's ``index``-th member household."""
    return f"0912000{101 + index}"


async def actor_for(user_id: int) -> Actor:
    """The user as the services see a logged-in caller (through a throw-away session)."""
    token = await accounts.open_session(user_id, "api", days=1)
    try:
        actor = await accounts.actor_for_token(token, "api")
    finally:
        await accounts.close_session(token)
    assert actor is not None
    return actor


async def actor_by_phone(phone: str) -> Actor:
    """The demo user with this phone, as a logged-in caller."""
    user = await User.select(User.id).where(User.phone == phone).first()
    if user is None:
        raise LookupError(f"No demo user with phone {phone}: seed the core demo first")
    return await actor_for(user["id"])
