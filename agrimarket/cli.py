"""Piccolo app commands: `piccolo agrimarket <command>`."""

from __future__ import annotations

import getpass

from agrimarket.accounts.actor import Role


async def load_areas() -> None:
    """Load the 34 provinces and 3,321 communes of the 2025 reform (idempotent)."""
    from agrimarket.areas.service import load_areas as load

    added = await load()
    print(f"Administrative units: {added} added.")


async def create_officer(phone: str, full_name: str, area_code: str, password: str = "") -> None:
    """Create an officer scoped to a province code (2 digits) or a commune code (5 digits)."""
    from agrimarket.accounts.service import create_staff

    user_id = await create_staff(
        phone, password or getpass.getpass("Mật khẩu / password: "), full_name, Role.OFFICER, area_code
    )
    print(f"Officer created (user {user_id}).")


async def create_admin(phone: str, full_name: str, password: str = "") -> None:
    """Create an operator (admin) account."""
    from agrimarket.accounts.service import create_staff

    user_id = await create_staff(
        phone, password or getpass.getpass("Mật khẩu / password: "), full_name, Role.ADMIN, None
    )
    print(f"Admin created (user {user_id}).")


async def seed_demo() -> None:
    """Seed the demo (admin, Hải Phòng officer, a Cát Hải cooperative with 12 households, ~30 products)."""
    from agrimarket.demo import seed

    for line in await seed():
        print(line)
