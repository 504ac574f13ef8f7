"""Administrative units over the JSON API (public: forms need them before login)."""

from __future__ import annotations

from litestar import Controller, get

from agrimarket.areas import service


class AreasController(Controller):
    path = "/api/v1/areas"
    tags = ["areas"]

    @get("/provinces")
    async def provinces(self) -> list[dict]:
        return await service.list_provinces()

    @get("/provinces/{code:str}/communes")
    async def communes(self, code: str) -> list[dict]:
        return await service.list_communes(code)

    @get("/communes/search")
    async def search(self, q: str, province: str | None = None) -> list[dict]:
        """Communes by name, with or without diacritics ("cat hai" finds "Đặc khu Cát Hải")."""
        return await service.search_communes(q, province)

    @get("/communes/{code:str}")
    async def commune(self, code: str) -> dict:
        return await service.get_commune(code, "code")
