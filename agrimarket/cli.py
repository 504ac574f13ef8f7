"""Piccolo app commands: `piccolo agrimarket <command>`."""

from __future__ import annotations

import getpass

from agrimarket import demo
from agrimarket.accounts.actor import Role
from agrimarket.accounts.service import create_staff
from agrimarket.areas import service as areas


async def load_areas() -> None:
    """Load the 34 provinces and 3,321 communes of the 2025 reform (idempotent)."""
    added = await areas.load_areas()
    print(f"Administrative units: {added} added.")


async def create_officer(phone: str, full_name: str, area_code: str, password: str = "") -> None:
    """Create an officer scoped to a province code (2 digits) or a commune code (5 digits)."""
    user_id = await create_staff(
        phone, password or getpass.getpass("Mật khẩu / password: "), full_name, Role.OFFICER, area_code
    )
    print(f"Officer created (user {user_id}).")


async def create_admin(phone: str, full_name: str, password: str = "") -> None:
    """Create an operator (admin) account."""
    user_id = await create_staff(
        phone, password or getpass.getpass("Mật khẩu / password: "), full_name, Role.ADMIN, None
    )
    print(f"Admin created (user {user_id}).")


async def seed_demo() -> None:
    """Seed the demo (admin, Hải Phòng officer, a Cát Hải cooperative with 12 households, ~30 products),
    then each app's part (areas, batches, stamps, marketplace listings, indicator history)."""
    for line in await demo.seed():
        print(line)
