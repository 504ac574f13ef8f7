"""The officer's registry export: CSV that Excel opens (UTF-8 with BOM), safe against formula injection."""

from __future__ import annotations

from litestar import Response

from agrimarket import clock
from agrimarket.exports import csv_for_excel
from traceability.areas.fields import CODE_KINDS, STATUSES
from traceability.areas.schemas import AreaRead

HEADERS = [
    "Mã số vùng trồng",
    "Loại mã",
    "Thị trường",
    "Tên vùng trồng",
    "Cây trồng",
    "Diện tích (ha)",
    "Chủ sở hữu",
    "Xã/phường",
    "Tỉnh/thành phố",
    "Vĩ độ",
    "Kinh độ",
    "Hiệu lực từ",
    "Hiệu lực đến",
    "Trạng thái",
    "Lý do",
    "Ngày cập nhật trạng thái",
]


def _row(area: AreaRead) -> list[str]:
    return [
        area.official_code or "chưa có mã vùng trồng",
        CODE_KINDS.get(area.code_kind or "", ("", ""))[0],
        area.export_market or "",
        area.name,
        area.crop,
        f"{area.area_ha:g}".replace(".", ","),
        area.owner_name,
        area.commune_name,
        area.province_name,
        "" if area.gps_lat is None else f"{area.gps_lat:.6f}",
        "" if area.gps_lng is None else f"{area.gps_lng:.6f}",
        area.valid_from.isoformat() if area.valid_from else "",
        area.valid_until.isoformat() if area.valid_until else "",
        STATUSES.get(area.status, (area.status, ""))[0],
        area.status_reason,
        area.status_changed_on.isoformat() if area.status_changed_on else "",
    ]


def to_csv(areas: list[AreaRead]) -> bytes:
    """The project's Excel CSV (agrimarket.exports): BOM, every text cell formula-safe."""
    return csv_for_excel(HEADERS, (_row(area) for area in areas))


def csv_response(areas: list[AreaRead]) -> Response[bytes]:
    name = f"vung-trong-{clock.today().isoformat()}.csv"
    return Response(
        to_csv(areas),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
