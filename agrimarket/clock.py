"""Vietnam's clock: UTC+7 all year (no daylight saving), so a fixed offset needs no tz database.

Calendar days (harvest dates, "today" on a form, "at date D" in reports) are Vietnam's days, not the
server's: a server on UTC is still on yesterday until 07:00 in Hà Nội.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def today() -> date:
    return datetime.now(VIETNAM).date()


def to_local(moment: datetime) -> datetime:
    """A stored moment in Vietnam time (SQLite may hand back naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM)


def local_date(moment: datetime) -> date:
    """The calendar day in Vietnam of a stored (UTC) moment."""
    return to_local(moment).date()


def now() -> datetime:
    """The current moment (UTC). Services read time through this one function, so a test can move
    the clock (``monkeypatch.setattr(clock, "now", ...)``) instead of waiting."""
    return datetime.now(UTC)
