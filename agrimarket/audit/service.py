"""The audit log: who changed what, when and from where; read by admins and the owning cooperative.

Services call ``record`` inside the transaction of the change (when there is one), so an entry
exists exactly when the change does. Whose data it is (household, cooperative) is looked up from
the entity, so a cooperative also sees what officers or admins changed on its members' rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from piccolo.utils.encoding import dump_json

from agrimarket import clock
from agrimarket.accounts.actor import Actor, Role
from agrimarket.db import fetch_direct
from agrimarket.errors import Forbidden
from agrimarket.privacy import access_log
from agrimarket.tables import AuditEntry

# entity -> (owner household, owner cooperative) of one row, by id.
_OWNER_SQL = {
    "product": "SELECT owner_household AS h, owner_cooperative AS c FROM product WHERE id = {}",
    "growing_area": "SELECT owner_household AS h, owner_cooperative AS c FROM growing_area WHERE id = {}",
    "packing_facility": "SELECT owner_household AS h, owner_cooperative AS c FROM packing_facility WHERE id = {}",
    "batch": "SELECT p.owner_household AS h, p.owner_cooperative AS c FROM batch b "
    "JOIN product p ON p.id = b.product WHERE b.id = {}",
    "stamp_issue": "SELECT p.owner_household AS h, p.owner_cooperative AS c FROM stamp_issue i "
    "JOIN batch b ON b.id = i.batch JOIN product p ON p.id = b.product WHERE i.id = {}",
    "listing": "SELECT l.household AS h, p.owner_cooperative AS c FROM listing l "
    "LEFT JOIN product p ON p.id = l.product WHERE l.id = {}",
    "order": "SELECT household AS h, cooperative AS c FROM marketplace_order WHERE id = {}",
    "declared_listing": "SELECT household AS h, cooperative AS c FROM declared_listing WHERE id = {}",
    "household": "SELECT id AS h, CAST(NULL AS INTEGER) AS c FROM household WHERE id = {}",
    "account": "SELECT household AS h, cooperative AS c FROM app_user WHERE id = {}",
    "cooperative": "SELECT CAST(NULL AS INTEGER) AS h, id AS c FROM cooperative WHERE id = {}",
    "coop_invitation": "SELECT household AS h, cooperative AS c FROM coop_invitation WHERE id = {}",
}
PAGE = 100


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields whose value changed, as {field: {"from": old, "to": new}}."""
    return {
        name: {"from": _plain(before.get(name)), "to": _plain(value)}
        for name, value in after.items()
        if before.get(name) != value
    }


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _insert_owned_by(owner: str | None) -> str:
    """An entry's INSERT whose owners are read by subqueries of the same statement (one round trip);
    the entity id follows the entry's values twice when ``owner`` is given. A member household's
    rows are its cooperative's to read: the membership comes with them."""
    household = cooperative = "CAST(NULL AS INTEGER)"
    if owner is not None:
        household = f"(SELECT o.h FROM ({owner}) o)"  # noqa: S608 - fixed SQL
        cooperative = (
            f"(SELECT COALESCE(o.c, hh.cooperative) FROM ({owner}) o LEFT JOIN household hh ON hh.id = o.h)"  # noqa: S608 - fixed SQL
        )
    return (
        "INSERT INTO audit_entry (at, user_id, user_name, role, entity, entity_id, action, changes, "  # noqa: S608 - fixed SQL
        f"client_address, user_agent, household, cooperative) VALUES ({', '.join(['{}'] * 10)}, "
        f"{household}, {cooperative})"
    )


_INSERT = {entity: _insert_owned_by(owner) for entity, owner in _OWNER_SQL.items()}
_INSERT_UNOWNED = _insert_owned_by(None)


async def record(
    actor: Actor | None,
    entity: str,
    entity_id: int | None,
    action: str,
    changes: dict[str, Any] | None = None,
) -> None:
    """Write one entry; ``actor`` None means the system (a marketplace's answer, a worker)."""
    sql = _INSERT.get(entity, _INSERT_UNOWNED) if entity_id is not None else _INSERT_UNOWNED
    await fetch_direct(
        AuditEntry,
        sql,
        datetime.now(UTC),
        actor.user_id if actor else None,
        actor.full_name if actor else "",
        str(actor.role) if actor else "system",
        entity,
        entity_id,
        action,
        dump_json({name: _plain(value) for name, value in (changes or {}).items()}),
        actor.client_address if actor else "",
        actor.user_agent if actor else "",
        *(() if sql is _INSERT_UNOWNED else (entity_id, entity_id)),  # the owners' subqueries
    )


async def record_for_owner(
    actor: Actor, owner: dict[str, int], action: str, changes: dict[str, Any] | None = None
) -> None:
    """An entry on the household or cooperative itself, named by owner columns ({"owner_household": id})."""
    ((column, owner_id),) = owner.items()
    await record(actor, column.removeprefix("owner_"), owner_id, action, changes)


async def entries(
    actor: Actor,
    entity: str | None = None,
    entity_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    before_id: int | None = None,
) -> list[dict[str, Any]]:
    """Newest first, PAGE at a time (``before_id`` pages on); admins see all, a coop manager its own."""
    query = AuditEntry.select().order_by(AuditEntry.id, ascending=False).limit(PAGE)
    if actor.role == Role.COOP_MANAGER and actor.cooperative_id:
        query = query.where(AuditEntry.cooperative == actor.cooperative_id)
    elif actor.role != Role.ADMIN:
        raise Forbidden(
            "Nhật ký thay đổi dành cho quản trị viên và hợp tác xã.",
            "The audit log is for admins and cooperatives.",
        )
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if since:
        query = query.where(AuditEntry.at >= datetime.combine(since, time.min, clock.VIETNAM))
    if until:
        query = query.where(AuditEntry.at < datetime.combine(until, time.max, clock.VIETNAM))
    if before_id:
        query = query.where(AuditEntry.id < before_id)
    rows = await query.output(load_json=True)
    await access_log.record(actor, "nhật ký thay đổi", [row["household"] for row in rows if row["household"]])
    return rows
