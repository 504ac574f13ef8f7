"""The processing log: every read of a household's personal data by someone other than that
household (an officer's household list, detail or export; a manager's look at a member; an
admin's look-up; the order desk when a manager works for a member) is recorded here, and the
household reads back who looked (``looks_at``, its "My data" page and ``GET /api/v1/me/data-access``).

A list of many households costs three statements whatever its length: whether the same read was
just logged (an index range on ``at``), the log row, then every subject in one INSERT … SELECT over a
JSON array (SQLite) or an array parameter (PostgreSQL).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec
from piccolo.engine.postgres import PostgresEngine

from agrimarket import clock
from agrimarket.accounts.actor import Actor
from agrimarket.db import write_transaction
from agrimarket.tables import DataAccess, DataAccessSubject

_SUBJECTS_SQLITE = (
    "INSERT INTO data_access_subject (access, household) SELECT {}, CAST(value AS INTEGER) FROM json_each({})"
)
_SUBJECTS_POSTGRES = "INSERT INTO data_access_subject (access, household) SELECT {}, unnest({}::integer[])"
_LOOKS = (
    "SELECT a.at, a.user_name, a.role, a.what, a.reason FROM data_access_subject s "
    "JOIN data_access a ON a.id = s.access WHERE s.household = {} ORDER BY s.access DESC LIMIT {}"
)
MAX_WHAT = 200
# The same read (same reader, page, reason and households) again within this time is one look: the
# order page refreshes itself every 2 s while a marketplace answers.
REPEAT_WINDOW = timedelta(minutes=10)


class Look(msgspec.Struct, frozen=True):
    """One read of a household's data by someone else, as that household is shown it."""

    at: datetime
    who: str  # the reader's name as it was then
    role: str  # household | coop_manager | officer | admin
    what: str  # the page or query, in Vietnamese
    reason: str  # why, when the path asks; "" otherwise


async def record(actor: Actor, what: str, households: Sequence[int], reason: str = "") -> None:
    """Log that ``actor`` read the personal data of ``households`` through ``what`` (a page or query
    in Vietnamese, e.g. "danh sách hộ xã 11914"), with the ``reason`` given when the path asks one.

    The actor's own household is left out (a subject reading its own data is not logged); nothing is
    written when no one else's data was shown. Joins the caller's transaction when there is one.
    """
    subjects = sorted({int(h) for h in households if h and h != actor.household_id})
    if not subjects:
        return
    what = what[:MAX_WHAT]
    digest = hashlib.blake2b(json.dumps(subjects).encode(), digest_size=16).hexdigest()
    now = clock.now()
    async with write_transaction():
        if await DataAccess.exists().where(
            (DataAccess.at > now - REPEAT_WINDOW)
            & (DataAccess.user_id == actor.user_id)
            & (DataAccess.what == what)
            & (DataAccess.reason == reason)
            & (DataAccess.digest == digest)
        ):
            return
        inserted = await DataAccess.insert(
            DataAccess(
                at=now,
                user_id=actor.user_id,
                user_name=actor.full_name,
                role=str(actor.role),
                what=what,
                reason=reason,
                subjects=len(subjects),
                digest=digest,
            )
        ).returning(DataAccess.id)
        access_id = inserted[0]["id"]
        if isinstance(DataAccessSubject._meta.db, PostgresEngine):
            await DataAccessSubject.raw(_SUBJECTS_POSTGRES, access_id, subjects)
        else:
            await DataAccessSubject.raw(_SUBJECTS_SQLITE, access_id, json.dumps(subjects))


async def looks_at(household_id: int, limit: int = 50) -> list[Look]:
    """Who read ``household_id``'s data, newest first, at most ``limit`` reads."""
    rows = await DataAccess.raw(_LOOKS, household_id, limit)
    return [
        Look(
            at=row["at"] if isinstance(row["at"], datetime) else datetime.fromisoformat(row["at"]),
            who=row["user_name"],
            role=row["role"],
            what=row["what"],
            reason=row["reason"],
        )
        for row in rows
    ]
