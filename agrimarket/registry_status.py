"""The official-register lifecycle shared by growing areas and packing facilities:
unverified → verified by an officer of the area (or an admin) → suspended / revoked with a reason.
Also the cooperatives' register (verified against their tax code)."""

from __future__ import annotations

from datetime import UTC, datetime

from piccolo.table import Table

from agrimarket.accounts.actor import Actor, Role
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.errors import Conflict, Forbidden, Invalid
from agrimarket.text import clean_line

# Allowed moves: from -> to. Revoked is final.
TRANSITIONS = {
    "unverified": {"verified", "suspended", "revoked"},
    "verified": {"suspended", "revoked"},
    "suspended": {"verified", "revoked"},
    "revoked": set(),
}
UNUSABLE = ("suspended", "revoked")


def may_judge(actor: Actor, noun_vi: str, noun_en: str) -> None:
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        raise Forbidden(
            f"Chỉ cán bộ nông nghiệp của địa bàn hoặc quản trị viên được xác minh, đình chỉ hay thu hồi {noun_vi}.",
            f"Only an agriculture officer of the area or an admin may verify, suspend or revoke {noun_en}.",
        )


def unusable(status: str, reason: str, noun_vi: str, noun_en: str) -> Conflict:
    """The 409 of a suspended or revoked record named on something new."""
    word = ("đình chỉ", "suspended") if status == "suspended" else ("thu hồi", "revoked")
    return Conflict(
        f"{noun_vi.capitalize()} đã bị {word[0]}: {reason}", f"{noun_en.capitalize()} was {word[1]}: {reason}"
    )


async def change_status(
    table: type[Table], entity: str, row_id: int, current: str, actor: Actor, status: str, reason: str
) -> None:
    """Move ``row_id`` of ``table`` from ``current`` to ``status`` (audited as ``entity``); the caller
    has checked scope and judge. Suspending and revoking need a reason; a racing change is a 409."""
    reason = clean_line(str(reason or ""))
    if status not in TRANSITIONS:
        raise Invalid("status", "Trạng thái không hợp lệ.", "Invalid status.")
    if status not in TRANSITIONS[current]:
        raise Conflict(
            f"Không thể chuyển từ trạng thái '{current}' sang '{status}'.",
            f"The status cannot go from '{current}' to '{status}'.",
        )
    if status in UNUSABLE and not reason:
        raise Invalid("reason", "Hãy ghi lý do.", "Give the reason.")
    if len(reason) > 1000:
        raise Invalid("reason", "Lý do dài quá 1000 ký tự.", "The reason is longer than 1000 characters.")
    columns = table._meta.get_column_by_name
    async with write_transaction():
        changed = (
            await table.update(
                {
                    columns("status"): status,
                    columns("status_reason"): reason,
                    columns("status_changed_at"): datetime.now(UTC),
                    columns("status_changed_by"): actor.user_id,
                }
            )
            .where((table._meta.primary_key == row_id) & (columns("status") == current))
            .returning(table._meta.primary_key)
        )
        if changed:
            change = {"status": {"from": current, "to": status}, "reason": reason}
            await audit.record(actor, entity, row_id, "status", change)
    if not changed:
        raise Conflict("Vừa được người khác cập nhật; hãy thử lại.", "Changed meanwhile; try again.")
