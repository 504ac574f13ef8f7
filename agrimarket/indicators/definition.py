"""The indicator's definition and its calendar: what "at date D" means."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from agrimarket.clock import VIETNAM, today

__all__ = ["VIETNAM", "cutoff", "definition", "month_end", "today"]

DEFINITION_VI = (
    "Hộ bán hàng trực tuyến tại ngày D trong địa bàn A: số hộ (đếm mỗi hộ một lần) thuộc A có ít nhất "
    "một gian hàng đang hoạt động (live) trên ít nhất một sàn vào cuối ngày D (24:00 giờ Việt Nam), "
    "qua sản phẩm của chính hộ, hoặc là hộ cung cấp của sản phẩm hợp tác xã, hoặc qua gian hàng đã khai "
    "báo (ngày bắt đầu ≤ D ≤ ngày kết thúc). Tính từ lịch sử trạng thái gian hàng; hộ được xếp theo "
    "xã/phường hiện tại, và theo huyện cũ (trước sắp xếp 2025) khi hồ sơ có ghi. Tài khoản trên sàn "
    "không được tính."
)
DEFINITION_EN = (
    "Households selling online at date D in area A: distinct households in A with at least one listing "
    "live on at least one marketplace at the end of day D (24:00 Vietnam time), through their own "
    "products, as a supplier household of a cooperative's product, or through a declared listing "
    "(start ≤ D ≤ end). Computed from the listing state history; households are grouped by their current "
    "commune, and by their legacy district (before the 2025 reform) where recorded. Marketplace accounts "
    "alone do not count."
)


def definition(lang: str = "vi") -> str:
    return DEFINITION_EN if lang == "en" else DEFINITION_VI


def cutoff(day: date) -> datetime:
    """The end of ``day`` in Vietnam, in UTC: a state change at or after it belongs to the next day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=VIETNAM).astimezone(UTC)


def month_end(day: date) -> date:
    first_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_next - timedelta(days=1)


def series_days(last: date, months: int = 12, step: int = 1) -> list[date]:
    """Period ends for a chart: the end of each month (step=1) or quarter (step=3) before ``last``, then ``last``.

    A period still running is shown at ``last`` itself, not at its future end.
    """
    days = [last]
    cursor = last
    while len(days) < months:
        cursor = cursor.replace(day=1) - timedelta(days=1)  # end of the previous month
        if step == 1 or cursor.month % 3 == 0:
            days.append(cursor)
    return sorted(days)
