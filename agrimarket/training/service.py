"""E-commerce training: sessions (date, commune, topic, trainer) and the households that attended,
by phone number or from an uploaded attendance list (read like the household import's lists)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import anyio
from piccolo.query.functions.aggregate import Count

from agrimarket import clock
from agrimarket.accounts.actor import Actor
from agrimarket.accounts.phone import normalize_phone
from agrimarket.dates import check_date
from agrimarket.db import write_transaction
from agrimarket.errors import Invalid, NotFound
from agrimarket.events import TrainingRecorded, publish
from agrimarket.households.sheets import read_rows
from agrimarket.tables import Household, TrainingAttendance, TrainingSession
from agrimarket.text import clean_line
from agrimarket.training.access import commune_for, eligible_households, require_trainer, visible_sessions
from agrimarket.training.schemas import MAX_PHONES, RejectedRow, TrainingCreate, TrainingRead

NOT_IN_REACH = "Không có hộ nào trong phạm vi của bạn với số này."


@dataclass
class Attendance:
    added: int = 0
    already: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)


def _text(value: str, name: str, vi: str, en: str) -> str:
    value = clean_line(value)
    if not value:
        raise Invalid(name, vi, en)
    return value


async def create_session(actor: Actor, data: TrainingCreate) -> tuple[int, Attendance]:
    """Record a session and its attendees (phones typed in); the session id and what was added."""
    require_trainer(actor)
    if data.held_on > clock.today():
        raise Invalid("held_on", "Ngày tập huấn chưa tới.", "The session's date is in the future.")
    errors: dict[str, tuple[str, str]] = {}
    if not check_date("held_on", data.held_on, errors, latest=clock.today()):
        raise Invalid.from_fields(errors)
    topic = _text(data.topic, "topic", "Hãy nhập chủ đề tập huấn.", "Enter the topic.")
    trainer = _text(data.trainer, "trainer", "Hãy nhập tên người hướng dẫn.", "Enter the trainer's name.")
    commune = await commune_for(actor, data.commune_code)
    session = TrainingSession(
        held_on=data.held_on,
        commune=commune,
        topic=topic,
        trainer=trainer,
        cooperative=actor.cooperative_id if actor.cooperative_id else None,
        created_by=actor.user_id,
        created_at=datetime.now(UTC),
    )
    async with write_transaction():  # the session, its attendees and what subscribers write
        await session.save()
        return session.id, await _attend(actor, session.id, [(None, p) for p in data.phones])


async def _writable(actor: Actor, session_id: int) -> None:
    require_trainer(actor)
    if not await TrainingSession.exists().where((TrainingSession.id == session_id) & visible_sessions(actor)):
        raise NotFound("Không tìm thấy lớp tập huấn.", "Training session not found.")


async def add_from_file(actor: Actor, session_id: int, filename: str, data: bytes) -> Attendance:
    """Attendees from an XLSX/CSV list with a phone column (the household import's checks apply)."""
    await _writable(actor, session_id)
    rows = await anyio.to_thread.run_sync(lambda: read_rows(filename, data, ("phone",)))
    if len(rows) > MAX_PHONES:
        raise Invalid("file", f"Danh sách quá {MAX_PHONES} hộ.", f"More than {MAX_PHONES} households.")
    async with write_transaction():
        return await _attend(actor, session_id, [(number, row.get("phone", "")) for number, row in rows])


async def _attend(actor: Actor, session_id: int, phones: list[tuple[int | None, str]]) -> Attendance:
    """Mark each phone's household as attending; a phone that names none the actor may mark is
    rejected with the reason, and one already on the list is counted as such. The households added
    are announced (``TrainingRecorded``); call inside a write transaction."""
    result = Attendance()
    wanted: dict[str, int | None] = {}
    for number, raw in phones:
        try:
            wanted.setdefault(normalize_phone(raw), number)
        except Invalid:
            result.rejected.append(RejectedRow(number, raw, "Số điện thoại không đúng."))
    if not wanted:
        return result
    found = await Household.select(Household.id, Household.phone).where(
        Household.phone.is_in(list(wanted)) & eligible_households(actor)
    )
    by_phone = {row["phone"]: row["id"] for row in found}
    now = datetime.now(UTC)
    added: list[int] = []
    for phone, number in wanted.items():
        if phone not in by_phone:
            # One reason whether or not the phone is registered elsewhere: the list must not tell a
            # recorder which of 2,000 numbers have an account outside their reach.
            result.rejected.append(RejectedRow(number, phone, NOT_IN_REACH))
            continue
        inserted = (
            await TrainingAttendance.insert(
                TrainingAttendance(session=session_id, household=by_phone[phone], added_at=now)
            )
            .on_conflict(
                target=(TrainingAttendance.session, TrainingAttendance.household), action="DO NOTHING"
            )
            .returning(TrainingAttendance.id)
        )
        if inserted:
            result.added += 1
            added.append(by_phone[phone])
        else:
            result.already += 1
    if added:
        await publish(TrainingRecorded(session_id=session_id, household_ids=tuple(added)))
    return result


async def list_sessions(actor: Actor, session_id: int | None = None) -> list[TrainingRead]:
    """The sessions the actor may see, newest first, with their number of attendees."""
    require_trainer(actor)
    query = TrainingSession.select(
        *TrainingSession.all_columns(), TrainingSession.commune.name.as_alias("commune_name")
    ).where(visible_sessions(actor))
    if session_id is not None:
        query = query.where(TrainingSession.id == session_id)
    rows = await query.order_by(TrainingSession.held_on, ascending=False).order_by(
        TrainingSession.id, ascending=False
    )
    ids = [r["id"] for r in rows] or [0]
    counted = (
        await TrainingAttendance.select(TrainingAttendance.session, Count(alias="attendees"))
        .where(TrainingAttendance.session.is_in(ids))
        .group_by(TrainingAttendance.session)
    )
    counts = {c["session"]: c["attendees"] for c in counted}
    return [
        TrainingRead(
            id=r["id"],
            held_on=r["held_on"],
            commune_code=r["commune"],
            commune_name=r["commune_name"],
            topic=r["topic"],
            trainer=r["trainer"],
            cooperative_id=r["cooperative"],
            attendees=counts.get(r["id"], 0),
        )
        for r in rows
    ]


async def session_read(actor: Actor, session_id: int, attendance: Attendance) -> TrainingRead:
    found = await list_sessions(actor, session_id)
    if not found:
        raise NotFound("Không tìm thấy lớp tập huấn.", "Training session not found.")
    read = found[0]
    read.added, read.already, read.rejected = attendance.added, attendance.already, attendance.rejected
    return read
