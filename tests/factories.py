"""Builders of accounts and records through the public API, as a client would make them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from agrimarket.accounts.actor import Role

CAT_HAI = "11914"  # Đặc khu Cát Hải, Hải Phòng (31)
HAI_PHONG = "31"
_phones = itertools.count(1)
PASSWORD = "mat-khau-123"


def new_phone() -> str:
    return f"09{next(_phones):08d}"


def tax_code(seed: int) -> str:
    """A valid 10-digit tax code (the check digit computed) from a seed."""
    for base_number in itertools.count(seed * 7919 % 900_000_000 + 100_000_000):
        base = str(base_number)
        check = (
            10 - sum(int(d) * w for d, w in zip(base, (31, 29, 23, 19, 17, 13, 7, 5, 3), strict=True)) % 11
        )
        if check < 10:
            return base + str(check)
    raise AssertionError("unreachable")


@dataclass
class Session:
    token: str
    me: dict
    phone: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Accounts:
    def __init__(self, client) -> None:
        self.client = client

    async def register(
        self, role: str = "household", commune: str = CAT_HAI, name: str = "Nguyễn Văn An"
    ) -> Session:
        phone = new_phone()
        response = await self.client.post(
            "/api/v1/auth/register",
            json={
                "phone": phone,
                "password": PASSWORD,
                "full_name": name,
                "commune_code": commune,
                "role": role,
            },
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return Session(body["token"], body["user"], phone)

    async def household(self, commune: str = CAT_HAI, name: str = "Nguyễn Văn An") -> Session:
        return await self.register("household", commune, name)

    async def login(self, phone: str, password: str = PASSWORD) -> Session:
        response = await self.client.post("/api/v1/auth/login", json={"phone": phone, "password": password})
        assert response.status_code == 200, response.text
        body = response.json()
        return Session(body["token"], body["user"], phone)

    async def coop_manager(
        self, commune: str = CAT_HAI, seed: int = 1, verified: bool = True, name: str | None = None
    ) -> tuple[Session, int]:
        """A manager with a freshly created cooperative, verified by an admin unless told not to;
        returns (session, cooperative id)."""
        manager = await self.register("coop_manager", commune, "Trần Thị Bình")
        response = await self.client.post(
            "/api/v1/cooperatives/",
            json={
                "name": name or f"HTX Nông nghiệp {seed}",
                "tax_code": tax_code(seed),
                "commune_code": commune,
            },
            headers=manager.headers,
        )
        assert response.status_code == 201, response.text
        coop_id = response.json()["id"]
        if verified:
            admin = await self.staff(Role.ADMIN)
            checked = await self.client.post(
                f"/api/v1/cooperatives/{coop_id}/status", json={"status": "verified"}, headers=admin.headers
            )
            assert checked.status_code == 200, checked.text
        return await self.login(manager.phone), coop_id

    async def join(self, manager: Session, coop_id: int, member: Session) -> None:
        """The consent path: the manager invites the household by phone and the household accepts."""
        invited = await self.client.post(
            f"/api/v1/cooperatives/{coop_id}/invitations",
            json={"phone": member.phone},
            headers=manager.headers,
        )
        assert invited.status_code == 201, invited.text
        accepted = await self.client.post(
            f"/api/v1/invitations/{invited.json()['id']}/accept", headers=member.headers
        )
        assert accepted.status_code == 200, accepted.text

    async def sign_up(self, manager: Session, coop_id: int, head_name: str = "Lê Thị Em", **extra) -> int:
        """Assisted sign-up of a new household (no password); returns its household id."""
        phone = extra.pop("phone", None) or new_phone()
        response = await self.client.post(
            f"/api/v1/cooperatives/{coop_id}/members",
            json={"phone": phone, "head_name": head_name, **extra},
            headers=manager.headers,
        )
        assert response.status_code == 201, response.text
        return next(m["household_id"] for m in response.json() if m["phone"] == phone)

    async def staff(self, role: Role, area: str | None = HAI_PHONG) -> Session:
        from agrimarket.accounts.service import create_staff

        phone = new_phone()
        await create_staff(
            phone, PASSWORD, "Cán bộ Lê Văn Cường", role, area if role == Role.OFFICER else None
        )
        return await self.login(phone)

    async def post_product(self, session: Session, **overrides):
        """POST a product (defaults for every required field) and return the raw response."""
        payload = {"name": "Rau muống", "category": "rau_cu", "unit": "bo", "price_vnd": 15000, "stock": 20}
        return await self.client.post("/api/v1/products/", json=payload | overrides, headers=session.headers)

    async def product(self, session: Session, **overrides) -> dict:
        response = await self.post_product(session, **overrides)
        assert response.status_code == 201, response.text
        return response.json()
