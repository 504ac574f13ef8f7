"""Plausible dates: every date a user gives is kept inside a range, through ``check_date``.

Year 9999 is a valid calendar date but not a usable one: adding a month to it overflows, and a
label printed from it leads buyers to an error. The ranges, per field (``today`` is Vietnam's):

- harvest, packing, growing-area ``valid_from``, a partner's date, a declared listing's start:
  from 2000-01-01 to one year after today;
- expiry: from packing (else harvest) to 10 years after it; ``valid_until``: from 2000-01-01
  (and not before ``valid_from``) to 10 years after ``valid_from`` (else today); a declared
  listing's end: from its start to 10 years after it;
- diary entries and training sessions: from 2000-01-01 to today (neither may be in the future).
"""

from __future__ import annotations

from datetime import date, timedelta

from agrimarket import clock

EARLIEST = date(2000, 1, 1)
AHEAD = timedelta(days=365)  # the furthest a harvest, packing or start date may lie ahead
YEARS_VALID = 10  # the longest a shelf life, code validity or declared listing may last


def shifted(day: date, *, days: int = 0, years: int = 0) -> date:
    """``day`` moved by days and/or years, clamped to the calendar (never an OverflowError).

    A 29 February moved to a year without one becomes 28 February.
    """
    try:
        if years:
            year = day.year + years
            day = (
                day.replace(year=year) if (day.month, day.day) != (2, 29) else date(year, 3, 1) - timedelta(1)
            )
        return day + timedelta(days=days)
    except (OverflowError, ValueError):
        return date.max if days > 0 or years > 0 else date.min


def latest_ahead() -> date:
    """The last day a date that may lie ahead (harvest, packing, a start) may be."""
    return clock.today() + AHEAD


def years_after(day: date | None) -> date:
    """The last day of a validity starting on ``day`` (today when None)."""
    return shifted(day or clock.today(), years=YEARS_VALID)


def check_date(
    field: str,
    value: date | None,
    errors: dict[str, tuple[str, str]],
    *,
    earliest: date = EARLIEST,
    latest: date | None = None,
) -> bool:
    """Record in ``errors`` (and return False) when ``value`` lies outside [earliest, latest].

    ``latest`` defaults to one year after today. None (an optional date left empty) passes.
    """
    latest = latest or latest_ahead()
    if value is None or earliest <= value <= latest:
        return True
    errors[field] = (
        f"Ngày phải từ {earliest:%d/%m/%Y} đến {latest:%d/%m/%Y}.",
        f"The date must be between {earliest.isoformat()} and {latest.isoformat()}.",
    )
    return False
