"""Seller accounts on marketplaces: connect (credentials checked, then encrypted at rest), list."""

from __future__ import annotations

from datetime import UTC, datetime

from agrimarket.accounts.actor import Actor, Role
from agrimarket.audit import service as audit
from agrimarket.errors import Forbidden, Invalid
from agrimarket.products.access import require_writer, seller_owner
from agrimarket.tables import Household
from integrations import crypto
from integrations.adapters.base import Account, CredentialsError, Rejected, Retryable
from integrations.adapters.registry import Adapters, authorize_field, credential_fields
from integrations.listings.schemas import MarketplaceStatus
from integrations.listings.service import marketplace_by_code
from integrations.settings import IntegrationsSettings
from integrations.sync import outbox
from integrations.tables import Marketplace, MarketplaceAccount

CREDENTIAL_MAX = 500


def _owner(actor: Actor) -> dict:
    require_writer(actor)
    owner = seller_owner(actor)
    if owner is not None:
        return owner
    if actor.role == Role.COOP_MANAGER:
        raise Forbidden(
            "Hãy tạo hợp tác xã (mục HTX) trước khi kết nối tài khoản sàn.",
            "Create your cooperative (Co-op page) before connecting seller accounts.",
        )
    raise Forbidden(
        "Chỉ hộ sản xuất hoặc hợp tác xã mới kết nối tài khoản sàn.",
        "Only households and cooperatives connect seller accounts.",
    )


def clean_credentials(code: str, credentials: dict[str, str]) -> dict[str, str]:
    """The fields the marketplace's contract needs, trimmed; a missing one is a field error."""
    cleaned: dict[str, str] = {}
    errors: dict[str, tuple[str, str]] = {}
    for field in credential_fields(code):
        value = str(credentials.get(field.name) or "").strip()
        if not value:
            errors[field.name] = (f"Hãy nhập {field.label_vi}.", f"Enter the {field.label_en}.")
        elif len(value) > CREDENTIAL_MAX:
            errors[field.name] = (f"{field.label_vi} quá dài.", f"The {field.label_en} is too long.")
        cleaned[field.name] = value
    if errors:
        raise Invalid.from_fields(errors)
    return cleaned


async def _verify(adapters: Adapters, code: str, shop_id: str, credentials: dict[str, str]) -> dict[str, str]:
    """The marketplace's check; answers the credentials to store (Shopee trades its code for tokens)."""
    account = Account(shop_id, dict(credentials))
    try:
        await adapters.get(code).verify_credentials(account)
    except (CredentialsError, Rejected) as exc:
        raise Invalid(
            "credentials",
            "Sàn không chấp nhận mã gian hàng hoặc thông tin đăng nhập này. Hãy kiểm tra và nhập lại.",
            f"The marketplace refused this shop id or these credentials: {exc}",
        ) from exc
    except Retryable as exc:
        raise Invalid(
            "credentials",
            "Không kết nối được với sàn, hãy thử lại sau.",
            "Marketplace unreachable, retry.",
        ) from exc
    return account.credentials


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
    credentials = clean_credentials(code, credentials)
    if verify:
        credentials = await _verify(adapters, code, shop_id, credentials)
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
        # Listings that stopped on the old credentials resume without the admin's help.
        await outbox.retry_dead_of_account(existing["id"])
        await audit.record_for_owner(  # which shop; the credentials never reach the audit log
            actor, owner, "marketplace_account_connected", {"marketplace": code, "shop_id": shop_id}
        )
        return existing["id"]
    account = MarketplaceAccount(
        marketplace=marketplace["id"],
        shop_id=shop_id,
        credentials_encrypted=encrypted,
        created_at=datetime.now(UTC),
        **owner,
    )
    await account.save()
    await audit.record_for_owner(  # which shop; the credentials never reach the audit log
        actor, owner, "marketplace_account_connected", {"marketplace": code, "shop_id": shop_id}
    )
    return account.id


async def seller_accounts(actor: Actor) -> list[dict]:
    """The actor's own accounts, for the accounts page and API: Forbidden for those who cannot own
    any (officers, admins, a manager without a cooperative), rather than an empty list."""
    _owner(actor)
    return await list_accounts(actor)


async def list_accounts(actor: Actor) -> list[dict]:
    """The actor's own accounts; none for staff (product cards of any viewer use this)."""
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


async def cooperative_accounts(actor: Actor) -> dict[str, dict]:
    """A member household's cooperative's accounts (they carry its products), by marketplace code."""
    if actor.role != Role.HOUSEHOLD or not actor.household_id:
        return {}
    coop = await Household.select(Household.cooperative).where(Household.id == actor.household_id).first()
    if not coop or not coop["cooperative"]:
        return {}
    rows = await MarketplaceAccount.select(
        MarketplaceAccount.marketplace.code.as_alias("marketplace"), MarketplaceAccount.shop_id
    ).where(MarketplaceAccount.owner_cooperative == coop["cooperative"])
    return {r["marketplace"]: r for r in rows}


async def enabled_marketplaces() -> list[dict]:
    """Code and name of every marketplace a seller can list on, in a stable order."""
    return (
        await Marketplace.select(Marketplace.code, Marketplace.name)
        .where(Marketplace.enabled == True)  # noqa: E712 - a column comparison, not a truth test
        .order_by(Marketplace.id)
    )


async def overview(actor: Actor) -> list[MarketplaceStatus]:
    """Every enabled marketplace with the actor's account there (never its credentials)."""
    own = {a["marketplace"]: a for a in await seller_accounts(actor)}
    via_coop = await cooperative_accounts(actor)
    markets = await enabled_marketplaces()
    statuses = []
    for m in markets:
        account = own.get(m["code"])
        statuses.append(
            MarketplaceStatus(
                code=m["code"],
                name=m["name"],
                connected=account is not None,
                shop_id=account["shop_id"] if account else "",
                needs_attention=bool(account and account["needs_attention"]),
                attention_reason=account["attention_reason"] if account else "",
                cooperative_shop_id=via_coop.get(m["code"], {}).get("shop_id", ""),
                credential_fields=credential_fields(m["code"]),
                authorize_field=authorize_field(m["code"]),
            )
        )
    return statuses
