"""Seller accounts on marketplaces: connect (credentials checked, then encrypted at rest), list."""

from __future__ import annotations

from datetime import UTC, datetime

from agrimarket.accounts.actor import Actor, Role
from agrimarket.errors import Forbidden, Invalid
from agrimarket.products.access import require_writer
from integrations import crypto
from integrations.adapters.base import Account, CredentialsError, Rejected, Retryable
from integrations.adapters.registry import Adapters
from integrations.listings.service import marketplace_by_code
from integrations.settings import IntegrationsSettings
from integrations.tables import MarketplaceAccount


def _owner(actor: Actor) -> dict:
    require_writer(actor)
    if actor.role == Role.HOUSEHOLD and actor.household_id:
        return {"owner_household": actor.household_id}
    if actor.role == Role.COOP_MANAGER and actor.cooperative_id:
        return {"owner_cooperative": actor.cooperative_id}
    raise Forbidden(
        "Chỉ hộ sản xuất hoặc hợp tác xã mới kết nối tài khoản sàn.",
        "Only households and cooperatives connect seller accounts.",
    )


async def connect(
    actor: Actor,
    code: str,
    shop_id: str,
    credentials: dict[str, str],
    adapters: Adapters,
    settings: IntegrationsSettings,
    verify: bool = True,
) -> int:
    """Create or replace the owner's account on ``code`` after the marketplace accepts it."""
    owner = _owner(actor)
    marketplace = await marketplace_by_code(code)
    shop_id = shop_id.strip()
    if not shop_id or len(shop_id) > 80:
        raise Invalid("shop_id", "Hãy nhập mã gian hàng.", "Enter the shop id.")
    if verify:
        try:
            await adapters.get(code).verify_credentials(Account(shop_id, credentials))
        except (CredentialsError, Rejected) as exc:
            raise Invalid(
                "credentials", "Sàn không chấp nhận thông tin đăng nhập này.", f"Credentials refused: {exc}"
            ) from exc
        except Retryable as exc:
            raise Invalid(
                "credentials",
                "Không kết nối được với sàn, hãy thử lại sau.",
                "Marketplace unreachable, retry.",
            ) from exc
    column, owner_id = next(iter(owner.items()))
    where = (getattr(MarketplaceAccount, column) == owner_id) & (
        MarketplaceAccount.marketplace == marketplace["id"]
    )
    encrypted = crypto.encrypt(settings.credentials_key, credentials)
    existing = await MarketplaceAccount.select(MarketplaceAccount.id).where(where).first()
    if existing:
        await MarketplaceAccount.update(
            {
                MarketplaceAccount.shop_id: shop_id,
                MarketplaceAccount.credentials_encrypted: encrypted,
                MarketplaceAccount.needs_attention: False,
                MarketplaceAccount.attention_reason: "",
            }
        ).where(MarketplaceAccount.id == existing["id"])
        return existing["id"]
    account = MarketplaceAccount(
        marketplace=marketplace["id"],
        shop_id=shop_id,
        credentials_encrypted=encrypted,
        created_at=datetime.now(UTC),
        **owner,
    )
    await account.save()
    return account.id


async def list_accounts(actor: Actor) -> list[dict]:
    if actor.role == Role.HOUSEHOLD and actor.household_id:
        where = MarketplaceAccount.owner_household == actor.household_id
    elif actor.role == Role.COOP_MANAGER and actor.cooperative_id:
        where = MarketplaceAccount.owner_cooperative == actor.cooperative_id
    else:
        return []
    return await MarketplaceAccount.select(
        MarketplaceAccount.id,
        MarketplaceAccount.marketplace.code.as_alias("marketplace"),
        MarketplaceAccount.shop_id,
        MarketplaceAccount.needs_attention,
        MarketplaceAccount.attention_reason,
    ).where(where)
