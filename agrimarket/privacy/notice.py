"""The privacy notice's version and its purposes: which processing the service needs (and the legal
basis it rests on, Law 91/2025/QH15 on Personal Data Protection) and which is optional (asked,
refused or withdrawn at any time). The notice's text is ``templates/privacy/notice.html``.

A new ``NOTICE_VERSION`` asks everyone again: a consent counts only for the version it was given under.
"""

from __future__ import annotations

from dataclasses import dataclass

NOTICE_VERSION = "2026-12-06"
# Days between a household's request to close its account and the erasure (agrimarket.privacy.deletion).
GRACE_DAYS = 7


@dataclass(frozen=True)
class Purpose:
    code: str
    required: bool
    name_vi: str
    name_en: str
    # Required purposes: the legal basis (no consent needed); optional ones: consent (Law 91, art. 9).
    basis_vi: str
    basis_en: str


SERVICE = "service"
TRACEABILITY = "traceability"
STATISTICS = "statistics"
TRAINING_MESSAGES = "training_messages"
PUBLIC_DIRECTORY = "public_directory"

PURPOSES = (
    Purpose(
        SERVICE,
        True,
        "Cung cấp dịch vụ: tài khoản, đăng bán, đơn hàng, tin nhắn về đơn và sản phẩm",
        "The service: account, listings, orders, messages about orders and products",
        "Thực hiện thỏa thuận (điều khoản sử dụng) giữa hộ và agrimarket",
        "Performing the agreement (terms of use) between the household and agrimarket",
    ),
    Purpose(
        TRACEABILITY,
        True,
        "Truy xuất nguồn gốc: tên và địa chỉ cơ sở sản xuất in trên tem, nhật ký sản xuất",
        "Traceability: the producer's name and address on stamps, the farming diary",
        "Nghĩa vụ theo pháp luật: Thông tư 02/2024/TT-BKHCN và Luật Chất lượng sản phẩm, hàng hóa sửa đổi (78/2025/QH15)",
        "A legal obligation: Circular 02/2024/TT-BKHCN and the amended Law on Product Quality (78/2025/QH15)",
    ),
    Purpose(
        STATISTICS,
        True,
        "Thống kê chính thức: số hộ bán hàng trực tuyến theo tỉnh, xã (chỉ số đếm, không có số điện thoại)",
        "Official statistics: households selling online by province and commune (counts, no phone numbers)",
        "Nhiệm vụ quản lý nhà nước của cơ quan nông nghiệp theo Luật Thống kê",
        "The agriculture office's public task under the Law on Statistics",
    ),
    Purpose(
        TRAINING_MESSAGES,
        False,
        "Tin nhắn về tập huấn và giới thiệu chương trình hỗ trợ",
        "Messages about training and support programmes",
        "Sự đồng ý của hộ (Luật 91/2025/QH15, Điều 9): rút lại bất cứ lúc nào",
        "The household's consent (Law 91/2025/QH15, art. 9): withdraw it at any time",
    ),
    Purpose(
        PUBLIC_DIRECTORY,
        False,
        "Có tên trong danh bạ công khai các cơ sở sản xuất (tên, xã, sản phẩm; không kèm SĐT)",
        "Being listed in the public producer directory (name, commune, products; no phone number)",
        "Sự đồng ý của hộ (Luật 91/2025/QH15, Điều 9): rút lại bất cứ lúc nào",
        "The household's consent (Law 91/2025/QH15, art. 9): withdraw it at any time",
    ),
)
BY_CODE = {purpose.code: purpose for purpose in PURPOSES}
REQUIRED = tuple(p.code for p in PURPOSES if p.required)
OPTIONAL = tuple(p.code for p in PURPOSES if not p.required)
