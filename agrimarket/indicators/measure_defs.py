"""Every participation measure an office may be asked for, each with its one-line definition.

Officials count online selling in incompatible ways (2022 national drive: accounts; Decision
1354/QĐ-BTTTT: transactions on Voso and Postmart; provinces: households transacting, products,
sales value). Each figure here says exactly what it counts, so any template is answered honestly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    key: str
    label_vi: str
    label_en: str
    definition_vi: str
    definition_en: str

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_vi

    def definition(self, lang: str) -> str:
        return self.definition_en if lang == "en" else self.definition_vi


MEASURES = (
    Measure(
        "trained",
        "Hộ được tập huấn thương mại điện tử",
        "Households trained in e-commerce",
        "Số hộ trong địa bàn dự ít nhất một buổi tập huấn thương mại điện tử tổ chức trong kỳ.",
        "Households in the area that attended at least one e-commerce training session held in the period.",
    ),
    Measure(
        "connected",
        "Hộ có tài khoản sàn kết nối",
        "Households with a connected marketplace account",
        "Số hộ trong địa bàn có tài khoản người bán của chính hộ kết nối với hệ thống trên ít nhất một sàn, "
        "tạo trước cuối kỳ.",
        "Households in the area with a seller account of their own connected on at least one marketplace, "
        "made before the period's end.",
    ),
    Measure(
        "active",
        "Hộ có tài khoản hoạt động (định nghĩa 2022)",
        "Households with an active account (2022 definition)",
        "Số hộ có sản phẩm hiển thị trên sàn kết nối (gian hàng đang bán vào lúc nào đó trong kỳ) hoặc có "
        "giao dịch trong kỳ; tìm kiếm và trao đổi thông tin không đo được nên không tính.",
        "Households with products displayed on a synced marketplace (a listing live at some moment in the "
        "period) or a transaction in the period; searching and messaging cannot be seen, so do not count.",
    ),
    Measure(
        "selling",
        "Hộ bán hàng trực tuyến",
        "Households selling online",
        "Số hộ có ít nhất một gian hàng đang bán (live) trên ít nhất một sàn vào cuối kỳ (sàn kết nối hoặc "
        "khai báo), qua sản phẩm của hộ hoặc là hộ cung cấp của sản phẩm HTX.",
        "Households with at least one listing live on a marketplace at the period's end (synced or declared), "
        "through their own products or as a supplier of a cooperative's product.",
    ),
    Measure(
        "transacting",
        "Hộ có giao dịch trực tuyến",
        "Households transacting online",
        "Số hộ có ít nhất một đơn hàng đặt trong kỳ trên sàn kết nối mà không bị hủy (đơn bị trả lại vẫn "
        "tính), qua sản phẩm của hộ hoặc là hộ cung cấp của sản phẩm HTX được đặt.",
        "Households with at least one order placed in the period on a synced marketplace and not cancelled "
        "(returned orders count), through their own products or as a supplier of an ordered co-op product.",
    ),
    Measure(
        "transactions",
        "Số giao dịch trên sàn",
        "Transactions on the marketplaces",
        "Số đơn hàng đặt trong kỳ trên các sàn kết nối, trừ đơn bị hủy, của hộ và HTX trong địa bàn "
        "(chỉ tiêu Quyết định 1354/QĐ-BTTTT cho Voso và Postmart).",
        "Orders placed in the period on the synced marketplaces, cancelled ones excluded, of the area's "
        "households and co-ops (the Decision 1354/QĐ-BTTTT indicator for Voso and Postmart).",
    ),
    Measure(
        "value",
        "Giá trị giao dịch (đồng)",
        "Transaction value (VND)",
        "Tổng tiền các đơn hàng trên, trừ đơn bị trả lại (tiền đã hoàn cho người mua).",
        "The total of those orders, returned orders excluded (their money went back to the buyer).",
    ),
    Measure(
        "products",
        "Sản phẩm đang bán trực tuyến",
        "Products online",
        "Số sản phẩm có ít nhất một gian hàng đang bán trên sàn kết nối vào cuối kỳ.",
        "Products with at least one listing live on a synced marketplace at the period's end.",
    ),
)
BY_KEY = {m.key: m for m in MEASURES}
FUNNEL = ("trained", "connected", "selling", "transacting")
