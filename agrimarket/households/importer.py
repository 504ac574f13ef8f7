"""Bulk import of households: validate every row, import the good ones, report the bad ones.

The phone number is the key: a phone already registered is left unchanged, so importing the same
file again changes nothing, and an interrupted import can simply be uploaded again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import anyio.to_thread

from agrimarket.accounts.actor import Actor, Role
from agrimarket.accounts.phone import normalize_phone
from agrimarket.accounts.service import clean_address, clean_name, clean_vpost_code
from agrimarket.areas.service import fold
from agrimarket.cooperatives.tax_code import normalize_tax_code
from agrimarket.db import write_transaction
from agrimarket.errors import DomainError, Forbidden, NotFound
from agrimarket.households.sheets import read_rows
from agrimarket.tables import (
    Commune,
    Cooperative,
    CoopMembership,
    Household,
    HouseholdImport,
    HouseholdImportProblem,
    Province,
)
from agrimarket.text import ascii_digits, clean_line

CHUNK = 500
STALE_AFTER = timedelta(minutes=2)
Row = tuple[int, dict[str, str]]


class RowProblem(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Communes:
    """Commune codes and names, loaded once per import instead of one query per row."""

    province_of: dict[str, str]  # commune code -> province code
    by_name: dict[tuple[str, str], str]  # (folded commune name, province code) -> commune code
    names: dict[str, list[str]]  # folded commune name -> commune codes (all provinces)
    province_by_name: dict[str, str]  # folded province name (with and without "tinh"/"thanh pho")

    @classmethod
    async def load(cls) -> Communes:
        rows = await Commune.select(Commune.code, Commune.search_key, Commune.province)
        names: dict[str, list[str]] = {}
        for row in rows:
            names.setdefault(row["search_key"], []).append(row["code"])
        provinces = {}
        for p in await Province.select(Province.code, Province.search_key):
            short = p["search_key"].removeprefix("thanh pho ").removeprefix("tinh ")
            provinces[p["search_key"]] = provinces[short] = p["code"]
        return cls(
            province_of={r["code"]: r["province"] for r in rows},
            by_name={(r["search_key"], r["province"]): r["code"] for r in rows},
            names=names,
            province_by_name=provinces,
        )

    def resolve(self, raw: str, province_raw: str, default_province: str | None) -> str:
        text = raw.strip()
        if ascii_digits(text):
            code = text.zfill(5)
            if code in self.province_of:
                return code
            raise RowProblem(f"Mã xã {text} không tồn tại.")
        province = self.province_by_name.get(fold(province_raw)) if province_raw else default_province
        if province_raw and province is None:
            raise RowProblem(f"Không tìm thấy tỉnh/thành phố “{province_raw}”.")
        name = fold(text)
        candidates = (
            [
                self.by_name[(key, province)]
                for key in (name, *_prefixed(name))
                if (key, province) in self.by_name
            ]
            if province
            else [code for key in (name, *_prefixed(name)) for code in self.names.get(key, [])]
        )
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise RowProblem(f"Không tìm thấy xã/phường “{text}”. Hãy ghi mã xã.")
        raise RowProblem(f"Tên xã “{text}” có ở nhiều tỉnh. Hãy ghi mã xã hoặc thêm cột Tỉnh.")


def _prefixed(name: str) -> tuple[str, ...]:
    # People write "Cát Hải" for "Đặc khu Cát Hải", "Hoàn Kiếm" for "Phường Hoàn Kiếm".
    return tuple(f"{kind} {name}" for kind in ("xa", "phuong", "dac khu"))


def require_importer(actor: Actor) -> None:
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        raise Forbidden(
            "Chỉ cán bộ địa bàn hoặc quản trị được nhập danh sách hộ.",
            "Only officers and admins import households.",
        )


def _in_scope(actor: Actor, commune: str, communes: Communes) -> bool:
    if actor.role == Role.ADMIN:
        return True
    if actor.scope_commune:
        return commune == actor.scope_commune
    return communes.province_of[commune] == actor.scope_province


async def start_import(actor: Actor, filename: str, data: bytes) -> tuple[int, list[Row]]:
    """Read and check the file (4xx on a bad one), then record the job; rows go to run_import."""
    require_importer(actor)
    # Parsing a 5 MB spreadsheet takes seconds of CPU: off the event loop, so other requests go on.
    rows = await anyio.to_thread.run_sync(read_rows, filename, data)
    now = datetime.now(UTC)
    job = HouseholdImport(
        filename=filename[:200],
        total_rows=len(rows),
        created_by=actor.user_id,
        created_at=now,
        heartbeat_at=now,
    )
    await job.save()
    return job.id, rows


async def run_import(job_id: int, rows: list[Row], actor: Actor) -> None:
    try:
        await _import(job_id, rows, actor)
    except Exception as exc:
        await HouseholdImport.update(
            {HouseholdImport.status: "failed", HouseholdImport.error: f"{type(exc).__name__}: {exc}"[:500]}
        ).where(HouseholdImport.id == job_id)
        raise


@dataclass
class Totals:
    imported: int = 0
    already_present: int = 0
    rejected: int = 0


async def _import(job_id: int, rows: list[Row], actor: Actor) -> None:
    context = _Context(actor, await Communes.load())
    totals = Totals()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        valid, problems = await _check(chunk, context, job_id)
        await _write(job_id, valid, problems, totals, processed=start + len(chunk))
    await HouseholdImport.update(
        {HouseholdImport.status: "done", HouseholdImport.finished_at: datetime.now(UTC)}
    ).where(HouseholdImport.id == job_id)


@dataclass
class _Context:
    actor: Actor
    communes: Communes
    coops: dict[str, dict | None] = field(default_factory=dict)  # tax code -> cooperative row
    seen: dict[str, int] = field(default_factory=dict)  # phone -> first row number in the file

    @property
    def default_province(self) -> str | None:
        return self.actor.scope_province or self.communes.province_of.get(self.actor.scope_commune or "")


async def _check(
    chunk: list[Row], context: _Context, job_id: int
) -> tuple[list[dict], list[HouseholdImportProblem]]:
    valid, problems = [], []
    for number, raw in chunk:
        try:
            household = await _validate(raw, context)
            if household["phone"] in context.seen:
                raise RowProblem(f"Trùng số điện thoại với dòng {context.seen[household['phone']]}.")
            context.seen[household["phone"]] = number
            valid.append(household)
        except RowProblem as problem:
            problems.append(_problem(job_id, number, raw, problem.reason))
    return valid, problems


async def _write(
    job_id: int, valid: list[dict], problems: list[HouseholdImportProblem], totals: Totals, processed: int
) -> None:
    """One chunk in one transaction: new households, their memberships, the problems, the progress."""
    phones = [h["phone"] for h in valid]
    existing = set(
        await Household.select(Household.phone).where(Household.phone.is_in(phones)).output(as_list=True)
        if phones
        else []
    )
    fresh = [h for h in valid if h["phone"] not in existing]
    now = datetime.now(UTC)
    async with write_transaction():
        if fresh:
            await Household.insert(*[_household(h, now) for h in fresh])
            await _add_memberships([h for h in fresh if h["coop"]], now)
        if problems:
            await HouseholdImportProblem.insert(*problems)
        totals.imported += len(fresh)
        totals.already_present += len(valid) - len(fresh)
        totals.rejected += len(problems)
        await HouseholdImport.update(
            {
                HouseholdImport.processed_rows: processed,
                HouseholdImport.imported: totals.imported,
                HouseholdImport.already_present: totals.already_present,
                HouseholdImport.rejected: totals.rejected,
                HouseholdImport.heartbeat_at: now,
            }
        ).where(HouseholdImport.id == job_id)


async def _add_memberships(members: list[dict], now: datetime) -> None:
    if not members:
        return
    phones = [h["phone"] for h in members]
    ids = {
        r["phone"]: r["id"]
        for r in await Household.select(Household.phone, Household.id).where(Household.phone.is_in(phones))
    }
    await CoopMembership.insert(
        *[CoopMembership(cooperative=h["coop"], household=ids[h["phone"]], joined_at=now) for h in members]
    )


def _household(values: dict, now: datetime) -> Household:
    fields = {key: value for key, value in values.items() if key != "coop"}
    return Household(**fields, cooperative=values["coop"], created_at=now)


def _problem(job_id: int, number: int, raw: dict[str, str], reason: str) -> HouseholdImportProblem:
    return HouseholdImportProblem(
        household_import=job_id, row_number=number, phone=raw.get("phone", "")[:40], reason=reason
    )


async def _validate(raw: dict[str, str], context: _Context) -> dict:
    try:
        name = clean_name(raw.get("head_name", ""), "head_name")
        phone = normalize_phone(raw.get("phone", ""))
        address = clean_address(raw.get("address"))
        vpost_code = clean_vpost_code(raw.get("vpost_code"))
        legacy_district = clean_legacy_district(raw.get("legacy_district"))
        tax_code = normalize_tax_code(raw["coop_tax_code"]) if raw.get("coop_tax_code") else None
    except DomainError as exc:
        raise RowProblem(exc.message_vi) from exc
    actor, communes = context.actor, context.communes
    if not raw.get("commune") and actor.scope_commune:
        commune = actor.scope_commune
    else:
        commune = communes.resolve(raw.get("commune", ""), raw.get("province", ""), context.default_province)
    if not _in_scope(actor, commune, communes):
        raise RowProblem("Xã/phường này không thuộc địa bàn bạn phụ trách.")
    coop = await _cooperative(tax_code, context) if tax_code else None
    return {
        "head_name": name,
        "phone": phone,
        "address": address,
        "vpost_code": vpost_code,
        "legacy_district": legacy_district,
        "commune": commune,
        "coop": coop,
    }


def clean_legacy_district(raw: str | None) -> str | None:
    """The huyện cũ as written (name or old code), spaces tidied; None when left empty.

    Kept as recorded: vietnam-provinces only knows the units after the 2025 reform, so there is no
    list of old districts to check it against.
    """
    text = clean_line(raw)
    if len(text) > 100:
        raise RowProblem("Tên huyện cũ quá dài (tối đa 100 ký tự).")
    return text or None


async def _cooperative(tax_code: str, context: _Context) -> int:
    if tax_code not in context.coops:
        context.coops[tax_code] = (
            await Cooperative.select(Cooperative.id, Cooperative.status)
            .where(Cooperative.tax_code == tax_code)
            .first()
        )
    coop = context.coops[tax_code]
    if coop is None:
        raise RowProblem(f"Không có hợp tác xã với mã số thuế {tax_code}.")
    # Only a verified cooperative gains members, as with its own invitations.
    if coop["status"] != "verified":
        raise RowProblem(f"Hợp tác xã có mã số thuế {tax_code} chưa được cán bộ xác minh.")
    return coop["id"]


async def get_import(actor: Actor, job_id: int) -> dict:
    query = HouseholdImport.select().where(HouseholdImport.id == job_id)
    if actor.role != Role.ADMIN:
        query = query.where(HouseholdImport.created_by == actor.user_id)
    job = await query.first()
    if job is None:
        raise NotFound("Không tìm thấy lượt nhập.", "Import not found.")
    heartbeat = job["heartbeat_at"] if job["heartbeat_at"].tzinfo else job["heartbeat_at"].replace(tzinfo=UTC)
    if job["status"] == "running" and datetime.now(UTC) - heartbeat > STALE_AFTER:
        # The process running it stopped; uploading the file again is safe (phones are the key).
        job["status"], job["error"] = "failed", "interrupted"
    return job


async def problems(actor: Actor, job_id: int) -> list[dict]:
    await get_import(actor, job_id)
    return (
        await HouseholdImportProblem.select(
            HouseholdImportProblem.row_number, HouseholdImportProblem.phone, HouseholdImportProblem.reason
        )
        .where(HouseholdImportProblem.household_import == job_id)
        .order_by(HouseholdImportProblem.row_number)
    )
